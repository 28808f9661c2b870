/* tables/add_column.c - add a hardware column to an existing table file
 * (see tab_add_hardware in tables/tab.h). The layout of the new dataset and its
 * attributes is the one tab_writer_hardware writes (tables/writer.c), so a
 * table extended here is indistinguishable from one imported with the column. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tables/tab.h"
#include "tables/tab_h5.h"

static int bad_name(const char *s)
{
    return !s || !s[0] || strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, "..") || strlen(s) > 100;
}

/* Copy src into dst (the temporary nb_file_tmp_create made), with src's
 * permission bits. */
static nb_status copy_file(const char *src, const char *dst)
{
    nb_status st = NB_OK;
    char *buf = NULL;
    int in = open(src, O_RDONLY), out = -1;
    struct stat sb;
    if (in < 0 || fstat(in, &sb) != 0) {
        st = nb_fail(NB_EIO, "%s: cannot open: %s", src, strerror(errno));
        goto done;
    }
    out = open(dst, O_WRONLY | O_TRUNC);
    if (out < 0 || fchmod(out, sb.st_mode & 0777) != 0) {
        st = nb_fail(NB_EIO, "%s: cannot write: %s", dst, strerror(errno));
        goto done;
    }
    const size_t cap = 1u << 20;
    buf = nb_xmalloc(cap);
    for (;;) {
        ssize_t r = read(in, buf, cap);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            st = nb_fail(NB_EIO, "%s: read failed: %s", src, strerror(errno));
            goto done;
        }
        if (r == 0) break;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                st = nb_fail(NB_EIO, "%s: write failed: %s", dst, strerror(errno));
                goto done;
            }
            off += w;
        }
    }
done:
    free(buf);
    if (in >= 0) close(in);
    if (out >= 0 && close(out) != 0 && st == NB_OK)
        st = nb_fail(NB_EIO, "%s: close failed: %s", dst, strerror(errno));
    return st;
}

/* The float32 (n) dataset at dpath as tables/writer.c's write_array makes
 * it: chunks of whole rows (here the whole column: 4 bytes a row, at most
 * 2^18 rows a chunk), shuffle, deflate 4, fill value NaN. */
static nb_status write_column(hid_t file, const char *tmp, const char *dpath, const float *v,
                              size_t n)
{
    nb_status st = NB_OK;
    hsize_t dim = n, chunk = n < (1u << 18) ? n : (1u << 18);
    hid_t sp = H5Screate_simple(1, &dim, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t d = H5I_INVALID_HID;
    float nanv = NAN;
    if (sp < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, 4) < 0 || H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &nanv) < 0) {
        st = tab_h5_fail(NB_EINTERNAL, tmp, "cannot set up dataset", dpath);
        goto done;
    }
    d = H5Dcreate2(file, dpath, H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0) {
        st = tab_h5_fail(NB_EIO, tmp, "cannot create dataset", dpath);
        goto done;
    }
    if (H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0)
        st = tab_h5_fail(NB_EIO, tmp, "cannot write dataset", dpath);
done:
    if (d >= 0) H5Dclose(d);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (sp >= 0) H5Sclose(sp);
    return st;
}

/* /hardware with link creation order tracked and indexed (as the writer's
 * groups), so readers list the new column last. */
static nb_status ensure_hardware_group(hid_t file, const char *tmp)
{
    htri_t ex = H5Lexists(file, "/hardware", H5P_DEFAULT);
    if (ex < 0) return tab_h5_fail(NB_EINTERNAL, tmp, "cannot look up", "/hardware");
    if (ex) return NB_OK;
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    if (gcpl < 0 ||
        H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED) < 0) {
        if (gcpl >= 0) H5Pclose(gcpl);
        return tab_h5_fail(NB_EINTERNAL, tmp, "cannot set up group", "/hardware");
    }
    hid_t g = H5Gcreate2(file, "/hardware", H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) return tab_h5_fail(NB_EIO, tmp, "cannot create group", "/hardware");
    H5Gclose(g);
    return NB_OK;
}

static nb_status set_attrs(hid_t file, const char *tmp, const char *dpath,
                           const tab_device_info *info, size_t n_missing, const tab_add_opts *o)
{
    hid_t obj = H5Oopen(file, dpath, H5P_DEFAULT);
    if (obj < 0) return tab_h5_fail(NB_EIO, tmp, "cannot open", dpath);
    long long batch = info->batch, nm = (long long)n_missing;
    nb_status st;
    if ((st = tab_h5_set_str(obj, tmp, "device", info->device ? info->device : "")) != NB_OK ||
        (st = tab_h5_set_str(obj, tmp, "metric", info->metric ? info->metric : "")) != NB_OK ||
        (st = tab_h5_set_str(obj, tmp, "unit", info->unit ? info->unit : "")) != NB_OK ||
        (st = tab_h5_set_str(obj, tmp, "dataset", info->dataset ? info->dataset : "")) != NB_OK ||
        (st = tab_h5_set_str(obj, tmp, "source", info->source ? info->source : "")) != NB_OK ||
        (o->note && (st = tab_h5_set_str(obj, tmp, "note", o->note)) != NB_OK) ||
        (o->host && (st = tab_h5_set_str(obj, tmp, "host", o->host)) != NB_OK) ||
        (st = tab_h5_set_ints(obj, tmp, "batch", &batch, 1, 1, 1)) != NB_OK ||
        (st = tab_h5_set_ints(obj, tmp, "n_missing", &nm, 1, 1, 0)) != NB_OK) {
        H5Oclose(obj);
        return st;
    }
    H5Oclose(obj);
    return NB_OK;
}

nb_status tab_add_hardware_ex(const char *path, const tab_device_info *info, const float *values,
                              const tab_add_opts *opts)
{
    NB_ASSERT(path && info);
    static const tab_add_opts defaults = {NULL, NULL, 0};
    const tab_add_opts *o = opts ? opts : &defaults;
    if (bad_name(info->name))
        return nb_fail(NB_EINVAL, "%s: bad hardware column name '%s' (1..100 characters, no '/')",
                       path, info->name ? info->name : "");
    if (!values) return nb_fail(NB_EINVAL, "%s: no values for column '%s'", path, info->name);
    if (info->batch < 0)
        return nb_fail(NB_EINVAL, "%s: column '%s': batch %d is negative", path, info->name,
                       info->batch);

    /* tab_open checks format, schema version and the required objects. */
    tab_table *t = NULL;
    nb_status st = tab_open(path, &t);
    if (st != NB_OK) return st;
    const size_t n = tab_n_archs(t);
    tab_close(t);

    tab_h5_quiet();
    char *tmp = NULL;
    char *stored = NULL;
    hid_t file = H5I_INVALID_HID;
    char dpath[160], hex[17];
    snprintf(dpath, sizeof dpath, "/hardware/%s", info->name);

    /* nb_file_tmp_create also removes what a killed add-column left. */
    if ((st = nb_file_tmp_create(path, &tmp, NULL)) != NB_OK) return st;
    if ((st = copy_file(path, tmp)) != NB_OK) goto fail;
    /* The 1.10 format bounds: the group and column added here get
     * checksummed metadata like everything the writer made. */
    file = tab_h5_open(tmp, H5F_ACC_RDWR);
    if (file < 0) {
        st = tab_h5_fail(NB_EIO, tmp, "cannot open for writing", NULL);
        goto fail;
    }
    /* Refuse to re-bless a damaged table: the stored checksum must match. */
    if (tab_h5_attr_str(file, "content_checksum", &stored) != 1) {
        st = nb_fail(NB_EFORMAT, "%s: no content_checksum attribute; hint: rebuild with "
                                 "`nastab tables import nb201 -o FILE`", path);
        goto fail;
    }
    if ((st = tab_h5_checksum(file, path, hex)) != NB_OK) goto fail;
    if (strcmp(hex, stored) != 0) {
        st = nb_fail(NB_EFORMAT, "%s: content checksum mismatch (stored %s, data %s): the file "
                                 "is damaged; refusing to add a column to it", path, stored, hex);
        goto fail;
    }

    if ((st = ensure_hardware_group(file, tmp)) != NB_OK) goto fail;
    htri_t ex = H5Lexists(file, dpath, H5P_DEFAULT);
    if (ex < 0) {
        st = tab_h5_fail(NB_EINTERNAL, tmp, "cannot look up", dpath);
        goto fail;
    }
    if (ex && !o->replace) {
        st = nb_fail(NB_EINVAL, "%s: hardware column '%s' exists; hint: --replace to overwrite it",
                     path, info->name);
        goto fail;
    }
    if (ex && H5Ldelete(file, dpath, H5P_DEFAULT) < 0) {
        st = tab_h5_fail(NB_EIO, tmp, "cannot remove the old column", dpath);
        goto fail;
    }
    size_t miss = 0;
    for (size_t i = 0; i < n; i++) miss += isnan(values[i]) != 0;
    if ((st = write_column(file, tmp, dpath, values, n)) != NB_OK ||
        (st = set_attrs(file, tmp, dpath, info, miss, o)) != NB_OK)
        goto fail;
    st = tab_h5_commit(file, tmp, path, hex);
    file = H5I_INVALID_HID;
    if (st != NB_OK) goto fail;
    free(stored);
    free(tmp);
    return NB_OK;
fail:
    if (file >= 0) H5Fclose(file);
    H5Eclear2(H5E_DEFAULT);
    nb_file_discard(tmp);
    free(stored);
    free(tmp);
    return st;
}

nb_status tab_add_hardware(const char *path, const tab_device_info *info, const float *values,
                           const char *note)
{
    tab_add_opts o = {note, NULL, 0};
    return tab_add_hardware_ex(path, info, values, &o);
}
