/* nn/data.c - datasets: Fashion-MNIST IDX files (gzip, through zlib), CIFAR
 * binary records, the fixed train/valid split, downsampling, and batches
 * with NB201's augmentation (RandomCrop with zero padding, horizontal flip)
 * and normalisation. Errors name the file and the byte offset or field. */
#include "nn/nn.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

void nn_data_free(nn_data *d)
{
    if (!d) return;
    free(d->x);
    free(d->y);
    memset(d, 0, sizeof *d);
}

/* ---- IDX (LeCun's MNIST format; Fashion-MNIST uses it unchanged) */

/* Read exactly n bytes at the current offset *off of a gzip (or plain) file. */
static nb_status gz_read_all(gzFile f, const char *path, void *buf, size_t n, size_t *off,
                             const char *what)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = (n - got) > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = gzread(f, (char *)buf + got, chunk);
        if (r < 0) {
            int errnum;
            const char *msg = gzerror(f, &errnum);
            return nb_fail(NB_EFORMAT, "'%s': corrupt gzip stream near byte offset %zu of the data (%s): %s",
                           path, *off + got, what, msg);
        }
        if (r == 0)
            return nb_fail(NB_EFORMAT, "'%s': truncated at byte offset %zu: %s needs %zu bytes from offset %zu",
                           path, *off + got, what, n, *off);
        got += (size_t)r;
    }
    *off += n;
    return NB_OK;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Opens an IDX file, checks its magic and reads its dims (ndim of them). */
static nb_status idx_open(const char *path, uint32_t magic, int ndim, uint32_t *dims, gzFile *out,
                          size_t *off)
{
    unsigned char h[16];
    *off = 0;
    gzFile f = gzopen(path, "rb");
    if (!f) return nb_fail(NB_EIO, "cannot open '%s': %s", path, errno ? strerror(errno) : "gzopen failed");
    nb_status st = gz_read_all(f, path, h, 4, off, "the IDX magic number");
    if (st != NB_OK) goto fail;
    if (be32(h) != magic) {
        st = nb_fail(NB_EFORMAT, "'%s': IDX magic 0x%08x at byte offset 0, expected 0x%08x (%s); hint: is this the right file?",
                     path, be32(h), magic, ndim == 3 ? "unsigned-byte images n x rows x cols" : "unsigned-byte labels");
        goto fail;
    }
    if ((st = gz_read_all(f, path, h + 4, 4 * (size_t)ndim, off, "the IDX dimensions")) != NB_OK) goto fail;
    for (int i = 0; i < ndim; i++) {
        dims[i] = be32(h + 4 + 4 * i);
        if (dims[i] == 0 || dims[i] > (i == 0 ? 100000000u : 4096u)) {
            st = nb_fail(NB_EFORMAT, "'%s': IDX dimension %d at byte offset %d is %u, out of range",
                         path, i, 4 + 4 * i, dims[i]);
            goto fail;
        }
    }
    *out = f;
    return NB_OK;
fail:
    gzclose(f);
    return st;
}

nb_status nn_data_read_idx(const char *images_path, const char *labels_path, nn_data *out)
{
    memset(out, 0, sizeof *out);
    gzFile fi = NULL, fl = NULL;
    uint32_t di[3], dl[1];
    size_t oi, ol;
    nb_status st = idx_open(images_path, 0x00000803u, 3, di, &fi, &oi);
    if (st != NB_OK) return st;
    st = idx_open(labels_path, 0x00000801u, 1, dl, &fl, &ol);
    if (st != NB_OK) goto fail;
    if (dl[0] != di[0]) {
        st = nb_fail(NB_EFORMAT, "'%s': %u labels (header field at byte offset 4) but '%s' has %u images",
                     labels_path, dl[0], images_path, di[0]);
        goto fail;
    }
    out->n = di[0], out->c = 1, out->h = (int)di[1], out->w = (int)di[2], out->classes = 10;
    size_t npix = out->n * (size_t)out->h * out->w;
    out->x = nb_xmalloc(npix);
    out->y = nb_xmalloc(out->n);
    if ((st = gz_read_all(fi, images_path, out->x, npix, &oi, "the image pixels")) != NB_OK) goto fail;
    if ((st = gz_read_all(fl, labels_path, out->y, out->n, &ol, "the labels")) != NB_OK) goto fail;
    for (size_t i = 0; i < out->n; i++)
        if (out->y[i] > 9) {
            st = nb_fail(NB_EFORMAT, "'%s': label %d at byte offset %zu out of range 0..9",
                         labels_path, out->y[i], 8 + i);
            goto fail;
        }
    out->mean[0] = 0.2860f, out->std[0] = 0.3530f;
    gzclose(fi);
    gzclose(fl);
    return NB_OK;
fail:
    if (fi) gzclose(fi);
    if (fl) gzclose(fl);
    nn_data_free(out);
    return st;
}

/* ---- CIFAR binary (https://www.cs.toronto.edu/~kriz/cifar.html) */

nb_status nn_data_read_cifar(const char *const *paths, int n_paths, int classes, nn_data *out)
{
    memset(out, 0, sizeof *out);
    if (classes != 10 && classes != 100)
        return nb_fail(NB_EINVAL, "CIFAR: classes = %d, expected 10 or 100", classes);
    const size_t lab = classes == 10 ? 1 : 2, pix = 3 * 32 * 32, rec = lab + pix;
    nb_status st = NB_OK;
    out->c = 3, out->h = 32, out->w = 32, out->classes = classes;
    unsigned char *buf = nb_xmalloc(rec);
    for (int fi = 0; fi < n_paths; fi++) {
        const char *path = paths[fi];
        FILE *f = fopen(path, "rb");
        if (!f) {
            st = nb_fail(NB_EIO, "cannot open '%s': %s", path, strerror(errno));
            goto fail;
        }
        long size = -1;
        if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
        if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
            fclose(f);
            st = nb_fail(NB_EIO, "cannot seek in '%s'", path);
            goto fail;
        }
        if (size == 0 || (size_t)size % rec != 0) {
            fclose(f);
            st = nb_fail(NB_EFORMAT, "'%s': %ld bytes is not a whole number of %zu-byte CIFAR-%d records: "
                         "partial record at byte offset %zu; hint: truncated download?",
                         path, size, rec, classes, (size_t)size / rec * rec);
            goto fail;
        }
        size_t nrec = (size_t)size / rec, base = out->n;
        out->x = nb_xrealloc_array(out->x, (base + nrec) * pix, 1);
        out->y = nb_xrealloc_array(out->y, base + nrec, 1);
        for (size_t r = 0; r < nrec; r++) {
            if (fread(buf, 1, rec, f) != rec) {
                fclose(f);
                st = nb_fail(NB_EIO, "'%s': read error at byte offset %zu", path, r * rec);
                goto fail;
            }
            int label = buf[lab - 1]; /* CIFAR-100: the fine label follows the coarse one */
            if (label >= classes) {
                fclose(f);
                st = nb_fail(NB_EFORMAT, "'%s': record %zu at byte offset %zu: label %d out of range 0..%d; "
                             "hint: CIFAR-10 and CIFAR-100 files differ (1 vs 2 label bytes)",
                             path, r, r * rec + lab - 1, label, classes - 1);
                goto fail;
            }
            out->y[base + r] = (uint8_t)label;
            memcpy(out->x + (base + r) * pix, buf + lab, pix);
        }
        out->n += nrec;
        fclose(f);
    }
    /* NB201 (xautodl datasets/get_dataset_with_transform.py) */
    static const float m10[3] = {125.3f, 123.0f, 113.9f}, s10[3] = {63.0f, 62.1f, 66.7f};
    static const float m100[3] = {129.3f, 124.1f, 112.4f}, s100[3] = {68.2f, 65.4f, 70.4f};
    for (int c = 0; c < 3; c++) {
        out->mean[c] = (classes == 10 ? m10[c] : m100[c]) / 255.0f;
        out->std[c] = (classes == 10 ? s10[c] : s100[c]) / 255.0f;
    }
    free(buf);
    return NB_OK;
fail:
    free(buf);
    nn_data_free(out);
    return st;
}

static char *join(const char *dir, const char *sub, const char *file)
{
    size_t n = strlen(dir) + (sub ? strlen(sub) : 0) + strlen(file) + 3;
    char *p = nb_xmalloc(n);
    if (sub)
        snprintf(p, n, "%s/%s/%s", dir, sub, file);
    else
        snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static int exists(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (f) fclose(f);
    return f != NULL;
}

nb_status nn_data_load(const char *dataset, const char *dir, int test, nn_data *out)
{
    memset(out, 0, sizeof *out);
    if (strcmp(dataset, "fashion-mnist") == 0) {
        char *im = join(dir, NULL, test ? "t10k-images-idx3-ubyte.gz" : "train-images-idx3-ubyte.gz");
        char *lb = join(dir, NULL, test ? "t10k-labels-idx1-ubyte.gz" : "train-labels-idx1-ubyte.gz");
        nb_status st = nn_data_read_idx(im, lb, out);
        free(im);
        free(lb);
        return st;
    }
    int classes = strcmp(dataset, "cifar10") == 0 ? 10 : strcmp(dataset, "cifar100") == 0 ? 100 : 0;
    if (!classes)
        return nb_fail(NB_ENOTFOUND, "unknown dataset '%s'; hint: fashion-mnist, cifar10 or cifar100", dataset);
    static const char *c10_train[] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                      "data_batch_4.bin", "data_batch_5.bin"};
    static const char *c10_test[] = {"test_batch.bin"};
    static const char *c100_train[] = {"train.bin"}, *c100_test[] = {"test.bin"};
    const char **names = classes == 10 ? (test ? c10_test : c10_train) : (test ? c100_test : c100_train);
    int nn = (classes == 10 && !test) ? 5 : 1;
    const char *sub = classes == 10 ? "cifar-10-batches-bin" : "cifar-100-binary";
    char *paths[5];
    for (int i = 0; i < nn; i++) {
        paths[i] = join(dir, NULL, names[i]);
        if (!exists(paths[i])) { /* the layout of the official archive */
            char *alt = join(dir, sub, names[i]);
            if (exists(alt)) {
                free(paths[i]);
                paths[i] = alt;
            } else {
                free(alt);
            }
        }
    }
    nb_status st = nn_data_read_cifar((const char *const *)paths, nn, classes, out);
    for (int i = 0; i < nn; i++) free(paths[i]);
    return st;
}

/* ---- splits and transforms */

static void copy_subset(const nn_data *src, const uint8_t *take, uint8_t want, size_t n, nn_data *dst)
{
    const size_t pix = (size_t)src->c * src->h * src->w;
    *dst = *src;
    dst->n = n;
    dst->x = nb_xcalloc_array(n ? n * pix : 1, 1);
    dst->y = nb_xcalloc_array(n ? n : 1, 1);
    size_t k = 0;
    for (size_t i = 0; i < src->n; i++)
        if (take[i] == want) {
            memcpy(dst->x + k * pix, src->x + i * pix, pix);
            dst->y[k++] = src->y[i];
        }
    NB_ASSERT(k == n);
}

void nn_data_split(const nn_data *src, size_t n_first, nn_data *first, nn_data *second)
{
    NB_ASSERT(n_first <= src->n);
    size_t *perm = nb_xcalloc_array(src->n ? src->n : 1, sizeof *perm);
    uint8_t *mark = nb_xcalloc_array(src->n ? src->n : 1, 1);
    nb_rng r;
    nb_rng_init(&r, 201, 0, NB_PURPOSE_DATA);
    for (size_t i = 0; i < src->n; i++) perm[i] = i;
    for (size_t i = src->n; i > 1; i--) {
        size_t j = (size_t)nb_rng_below(&r, i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < n_first; i++) mark[perm[i]] = 1;
    copy_subset(src, mark, 1, n_first, first);
    copy_subset(src, mark, 0, src->n - n_first, second);
    free(perm);
    free(mark);
}

void nn_data_truncate(nn_data *d, size_t k)
{
    NB_ASSERT(k <= d->n);
    d->n = k;
}

nb_status nn_data_downsample(nn_data *d, int f)
{
    if (f < 1 || d->h % f || d->w % f)
        return nb_fail(NB_EINVAL, "downsample: factor %d does not divide the %dx%d images", f, d->h, d->w);
    if (f == 1) return NB_OK;
    const int ho = d->h / f, wo = d->w / f;
    size_t total = d->n * (size_t)d->c * (size_t)ho * (size_t)wo;
    uint8_t *x = nb_xcalloc_array(total > 0 ? total : 1, 1);
    for (size_t p = 0; p < d->n * (size_t)d->c; p++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                unsigned s = 0;
                for (int iy = 0; iy < f; iy++)
                    for (int ix = 0; ix < f; ix++)
                        s += d->x[(p * d->h + (size_t)(oy * f + iy)) * d->w + ox * f + ix];
                x[(p * ho + oy) * wo + ox] = (uint8_t)((s + (unsigned)(f * f) / 2) / (unsigned)(f * f));
            }
    free(d->x);
    d->x = x, d->h = ho, d->w = wo;
    return NB_OK;
}

void nn_data_batch(const nn_data *d, const size_t *idx, int n, int aug, nb_rng *rng, float *x,
                   int32_t *y)
{
    const int c = d->c, h = d->h, w = d->w, pad = (h == 32 && w == 32) ? 4 : 2;
    const size_t pix = (size_t)c * h * w;
    for (int s = 0; s < n; s++) {
        NB_ASSERT(idx[s] < d->n);
        const uint8_t *src = d->x + idx[s] * pix;
        int dy = pad, dx = pad, flip = 0; /* crop offset in the padded image; pad = no shift */
        if (aug) {
            dy = (int)nb_rng_below(rng, 2 * (uint64_t)pad + 1);
            dx = (int)nb_rng_below(rng, 2 * (uint64_t)pad + 1);
            flip = (int)nb_rng_below(rng, 2);
        }
        for (int ch = 0; ch < c; ch++) {
            const float m = d->mean[ch], sd = d->std[ch];
            for (int oy = 0; oy < h; oy++)
                for (int ox = 0; ox < w; ox++) {
                    int cx = flip ? w - 1 - ox : ox; /* flip applies to the cropped image */
                    int iy = oy + dy - pad, ix = cx + dx - pad;
                    int v = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? src[((size_t)ch * h + iy) * w + ix] : 0;
                    x[(((size_t)s * c + ch) * h + oy) * w + ox] = ((float)v / 255.0f - m) / sd;
                }
        }
        y[s] = d->y[idx[s]];
    }
}
