/* bench/precompute.c - presets, class selection, the journal and the table
 * writer of the full-training mode (bench/precompute.h).
 *
 * Journal file (native byte order, little-endian x86-64; format version 1):
 *   header   pc_header (184 bytes) ending in a CRC-32 of the bytes before it
 *   records  each record_bytes = 4 (class code) + 4 * n_seeds * n_epochs *
 *            PC_NV (floats, layout [seed][epoch][value]) + 4 (CRC-32 of the
 *            code and the floats)
 * A record is written with one write() and fsynced; on reopening, a torn or
 * CRC-failing LAST record is cut off (the class in flight when the process
 * died), a bad record before the last one is corruption (NB_EFORMAT). */
#include "bench/precompute.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "nn/nn.h"
#include "tables/tab.h"

/* ---- presets.
 * Cost models (seconds per image = a + b * MFLOPs) are rounded least-squares
 * fits of measured wall times (--archs 24 builds, as pc_write_table prints
 * them) on the 2-core build machine (Intel, OpenBLAS Haswell kernel, one
 * engine thread per process, machine shared with other jobs). They only set
 * the simulated clock of strategies, where relative costs matter. */
static const pc_preset presets[] = {
    {"tiny", "tests: C=4 N=1, 14x14, 256 train / 128 eval images, 1 epoch, 1 seed",
     4, 1, 2, 1, 64, 0.1, 1, 256, 128, 1, {777},
     1.2e-4, 6.0e-4, 5.0e-5, 1.4e-4},
    {"fmnist-small", "shipped table (~1 CPU-hour): C=4 N=1, 14x14, 500 train / 250 eval images, 3 epochs, 2 seeds",
     4, 1, 2, 3, 64, 0.1, 1, 500, 250, 2, {777, 888},
     1.2e-4, 6.0e-4, 5.0e-5, 1.4e-4},
};
static const pc_preset *const preset_list[] = {&presets[0], &presets[1], NULL};

const pc_preset *const *pc_presets(void) { return preset_list; }

const pc_preset *pc_preset_find(const char *name)
{
    char known[256] = "";
    for (const pc_preset *const *p = preset_list; *p; p++) {
        if (name && !strcmp((*p)->name, name)) return *p;
        size_t l = strlen(known);
        snprintf(known + l, sizeof known - l, "%s%s", l ? ", " : "", (*p)->name);
    }
    nb_fail(NB_ENOTFOUND, "--preset: unknown '%s'; known: %s", name ? name : "(null)", known);
    return NULL;
}

/* The canonical text of a preset: every field that changes a number. */
static void preset_text(const pc_preset *p, char *buf, size_t n)
{
    int l = snprintf(buf, n,
                     "preset=%s C=%d N=%d downsample=%d epochs=%d batch=%d lr=%.17g augment=%d "
                     "n_train=%ld n_eval=%ld seeds=",
                     p->name, p->C, p->N, p->downsample, p->epochs, p->batch, p->lr, p->augment,
                     p->n_train, p->n_eval);
    for (int s = 0; s < p->n_seeds && l > 0 && (size_t)l < n; s++)
        l += snprintf(buf + l, n - (size_t)l, "%s%d", s ? "," : "", p->seeds[s]);
}

uint32_t pc_preset_crc(const pc_preset *p)
{
    char buf[512];
    preset_text(p, buf, sizeof buf);
    return (uint32_t)crc32(0L, (const Bytef *)buf, (uInt)strlen(buf));
}

/* ---- classes */
void pc_classes_init(pc_classes *c, size_t archs_k)
{
    /* class key: the canonical code, or one shared key for disconnected cells */
    int32_t *key_class = nb_xcalloc_array(SPACE_NB201_SIZE, sizeof *key_class);
    uint32_t *reps = nb_xcalloc_array(SPACE_NB201_SIZE, sizeof *reps);
    size_t total = 0;
    uint32_t disc_key = SPACE_NB201_SIZE;
    for (uint32_t k = 0; k < SPACE_NB201_SIZE; k++) key_class[k] = -1;
    int32_t *cls_all = nb_xcalloc_array(SPACE_NB201_SIZE, sizeof *cls_all);
    for (uint32_t code = 0; code < SPACE_NB201_SIZE; code++) {
        space_arch a = space_from_code(code);
        uint32_t key = space_canonical_code(code);
        if (space_is_disconnected(&a)) {
            if (disc_key == SPACE_NB201_SIZE) disc_key = key;
            key = disc_key;
        }
        if (key_class[key] < 0) {
            key_class[key] = (int32_t)total;
            reps[total++] = code; /* codes ascend, so the first seen is the smallest */
        }
        cls_all[code] = key_class[key];
    }
    size_t n = archs_k && archs_k < total ? archs_k : total;
    c->n = n;
    c->rep = nb_xcalloc_array(n, sizeof *c->rep);
    int32_t *sel = nb_xcalloc_array(total, sizeof *sel);
    for (size_t i = 0; i < total; i++) sel[i] = -1;
    for (size_t j = 0; j < n; j++) {
        size_t t = n == total ? j : j * total / n;
        sel[t] = (int32_t)j;
        c->rep[j] = reps[t];
    }
    for (uint32_t code = 0; code < SPACE_NB201_SIZE; code++) c->class_of[code] = sel[cls_all[code]];
    free(sel);
    free(cls_all);
    free(reps);
    free(key_class);
}

void pc_classes_free(pc_classes *c)
{
    free(c->rep);
    c->rep = NULL;
    c->n = 0;
}

size_t pc_shard_size(const pc_classes *cl, int shard_k, int shard_n)
{
    size_t m = 0;
    for (size_t j = 0; j < cl->n; j++)
        if ((int)(j % (size_t)shard_n) == shard_k) m++;
    return m;
}

/* ---- journal */
#define PC_MAGIC "NASTABJ1"
#define PC_JOURNAL_VERSION 1u

typedef struct {
    char magic[8];
    uint32_t version;
    uint32_t preset_crc;
    char preset[32];
    char dataset[32];
    uint32_t archs_k, shard_k, shard_n, n_seeds, n_epochs, n_classes, record_bytes;
    /* data actually used (filled when training starts) */
    uint32_t n_train, n_valid, n_test, in_ch, h, w, classes;
    char git_sha[44]; /* of the build that started the journal; informational */
    uint32_t crc;     /* CRC-32 of the bytes above */
} pc_header;
_Static_assert(sizeof(pc_header) == 184, "journal header layout");

static size_t record_floats(const pc_header *h) { return (size_t)h->n_seeds * h->n_epochs * PC_NV; }

static void header_for_job(const pc_job *job, const pc_classes *cl, pc_header *h)
{
    memset(h, 0, sizeof *h);
    memcpy(h->magic, PC_MAGIC, 8);
    h->version = PC_JOURNAL_VERSION;
    h->preset_crc = pc_preset_crc(job->preset);
    snprintf(h->preset, sizeof h->preset, "%s", job->preset->name);
    snprintf(h->dataset, sizeof h->dataset, "%s", job->dataset);
    h->archs_k = (uint32_t)job->archs_k;
    h->shard_k = (uint32_t)job->shard_k;
    h->shard_n = (uint32_t)job->shard_n;
    h->n_seeds = (uint32_t)job->preset->n_seeds;
    h->n_epochs = (uint32_t)job->preset->epochs;
    h->n_classes = (uint32_t)cl->n;
    h->record_bytes = (uint32_t)(8 + 4 * record_floats(h));
}

static uint32_t header_crc(const pc_header *h)
{
    return (uint32_t)crc32(0L, (const Bytef *)h, (uInt)offsetof(pc_header, crc));
}

/* Compare the job fields of a header read from `path` with the expected. */
static nb_status header_check(const char *path, const pc_header *got, const pc_header *want)
{
    const char *hint = "hint: it was started with other arguments or another preset definition; "
                       "rerun with the same arguments, or remove the journal to start over";
    if (memcmp(got->magic, PC_MAGIC, 8) != 0)
        return nb_fail(NB_EFORMAT, "%s: not a nastab precompute journal (bad magic)", path);
    if (got->version != PC_JOURNAL_VERSION)
        return nb_fail(NB_EVERSION, "%s: journal version %u, expected %u; %s", path, got->version,
                       PC_JOURNAL_VERSION, hint);
    if (header_crc(got) != got->crc)
        return nb_fail(NB_EFORMAT, "%s: journal header CRC mismatch (corrupt header)", path);
    if (strncmp(got->preset, want->preset, sizeof got->preset) != 0)
        return nb_fail(NB_EFORMAT, "%s: journal preset '%.32s', expected '%.32s'; %s", path,
                       got->preset, want->preset, hint);
    if (got->preset_crc != want->preset_crc)
        return nb_fail(NB_EFORMAT, "%s: journal preset fingerprint %08x, expected %08x (preset '%.32s' changed); %s",
                       path, got->preset_crc, want->preset_crc, want->preset, hint);
    if (strncmp(got->dataset, want->dataset, sizeof got->dataset) != 0)
        return nb_fail(NB_EFORMAT, "%s: journal dataset '%.32s', expected '%.32s'; %s", path,
                       got->dataset, want->dataset, hint);
#define PC_FIELD(f, name)                                                                          \
    if (got->f != want->f)                                                                         \
        return nb_fail(NB_EFORMAT, "%s: journal %s %u, expected %u; %s", path, name, got->f, want->f, hint);
    PC_FIELD(archs_k, "--archs")
    PC_FIELD(shard_k, "shard k")
    PC_FIELD(shard_n, "shard N")
    PC_FIELD(n_seeds, "seeds")
    PC_FIELD(n_epochs, "epochs")
    PC_FIELD(n_classes, "classes")
    PC_FIELD(record_bytes, "record size")
#undef PC_FIELD
    return NB_OK;
}

static nb_status read_full(int fd, void *buf, size_t n, off_t at, const char *path)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, (char *)buf + got, n - got, at + (off_t)got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return nb_fail(NB_EIO, "%s: read failed at byte %lld: %s", path,
                                   (long long)(at + (off_t)got), r < 0 ? strerror(errno) : "end of file");
        got += (size_t)r;
    }
    return NB_OK;
}

static nb_status write_full(int fd, const void *buf, size_t n, const char *path)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = write(fd, (const char *)buf + done, n - done);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return nb_fail(NB_EIO, "%s: write failed: %s", path, strerror(errno));
        done += (size_t)r;
    }
    if (fsync(fd) != 0) return nb_fail(NB_EIO, "%s: fsync failed: %s", path, strerror(errno));
    return NB_OK;
}

/* A journal in memory: the header and the complete records. */
typedef struct {
    pc_header h;
    size_t n;        /* records */
    uint32_t *codes; /* (n) */
    float *vals;     /* (n, record_floats) */
    off_t good_end;  /* byte offset after the last good record */
    int torn;        /* 1 when bytes after good_end were dropped */
} journal;

static void journal_free(journal *j)
{
    free(j->codes);
    free(j->vals);
    memset(j, 0, sizeof *j);
}

/* Read a journal from fd. want == NULL: accept any valid header (merge). */
static nb_status journal_read(int fd, const char *path, const pc_header *want, journal *j)
{
    memset(j, 0, sizeof *j);
    struct stat sb;
    if (fstat(fd, &sb) != 0) return nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
    if ((size_t)sb.st_size < sizeof j->h)
        return nb_fail(NB_EFORMAT, "%s: %lld bytes, shorter than the journal header (%zu)", path,
                       (long long)sb.st_size, sizeof j->h);
    nb_status st = read_full(fd, &j->h, sizeof j->h, 0, path);
    if (st != NB_OK) return st;
    if (want) {
        if ((st = header_check(path, &j->h, want)) != NB_OK) return st;
    } else {
        if ((st = header_check(path, &j->h, &j->h)) != NB_OK) return st; /* magic, version, CRC */
    }
    size_t rb = j->h.record_bytes, nf = record_floats(&j->h);
    if (rb != 8 + 4 * nf || j->h.n_seeds < 1 || j->h.n_seeds > PC_MAX_SEEDS || j->h.n_epochs < 1 ||
        j->h.n_epochs > PC_MAX_EPOCHS)
        return nb_fail(NB_EFORMAT, "%s: journal header has inconsistent sizes (record %zu bytes, "
                       "%u seeds, %u epochs)", path, rb, j->h.n_seeds, j->h.n_epochs);
    size_t body = (size_t)sb.st_size - sizeof j->h, n = body / rb;
    j->codes = nb_xcalloc_array(n ? n : 1, sizeof *j->codes);
    j->vals = nb_xcalloc_array(n ? n * nf : 1, sizeof *j->vals);
    unsigned char *rec = nb_xmalloc(rb);
    for (size_t i = 0; i < n; i++) {
        if ((st = read_full(fd, rec, rb, (off_t)(sizeof j->h + i * rb), path)) != NB_OK) {
            free(rec);
            return st;
        }
        uint32_t crc;
        memcpy(&crc, rec + rb - 4, 4);
        if ((uint32_t)crc32(0L, rec, (uInt)(rb - 4)) != crc) {
            if (i + 1 == n) break; /* torn last record: the class in flight */
            free(rec);
            return nb_fail(NB_EFORMAT, "%s: record %zu of %zu fails its CRC (corrupt journal); "
                           "hint: remove the journal to start over", path, i + 1, n);
        }
        memcpy(&j->codes[j->n], rec, 4);
        memcpy(&j->vals[j->n * nf], rec + 4, 4 * nf);
        j->n++;
    }
    free(rec);
    j->good_end = (off_t)(sizeof j->h + j->n * rb);
    j->torn = j->good_end != sb.st_size;
    return NB_OK;
}

nb_status pc_journal_count(const pc_job *job, const char *path, size_t *count)
{
    pc_classes cl;
    pc_classes_init(&cl, job->archs_k);
    pc_header want;
    header_for_job(job, &cl, &want);
    pc_classes_free(&cl);
    *count = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) return errno == ENOENT ? NB_OK : nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (size_t)sb.st_size < sizeof(pc_header)) {
        close(fd); /* being created */
        return NB_OK;
    }
    journal j;
    nb_status st = journal_read(fd, path, &want, &j);
    close(fd);
    if (st == NB_OK) *count = j.n;
    journal_free(&j);
    return st;
}

/* ---- training */
typedef struct {
    nn_data train, valid, test;
} pc_data;

static void data_free(pc_data *d)
{
    nn_data_free(&d->train);
    nn_data_free(&d->valid);
    nn_data_free(&d->test);
}

/* The preset's protocol: NB201's recipe (nn_protocol_nb201) at the preset's
 * batch, learning rate, schedule length, augmentation, image size and subsets. */
static nn_protocol preset_protocol(const pc_preset *p, uint64_t seed)
{
    nn_protocol pr = nn_protocol_nb201(p->epochs, seed);
    pr.train.batch = p->batch;
    pr.train.lr = p->lr;
    pr.train.augment = p->augment;
    pr.downsample = p->downsample;
    pr.n_train = (size_t)p->n_train;
    pr.n_eval = (size_t)p->n_eval;
    return pr;
}

static nb_status data_load(const pc_job *job, pc_data *d)
{
    nn_protocol pr = preset_protocol(job->preset, 0);
    return nn_protocol_data(&pr, job->dataset, job->data_dir, &d->train, &d->valid, &d->test);
}

static nn_config net_config(const pc_preset *p, const pc_header *h)
{
    nn_config cfg = {p->C, p->N, (int)h->classes, (int)h->in_ch, (int)h->h, (int)h->w, p->batch, 0};
    return cfg;
}

/* Train class representative `code` for every seed: vals [seed][epoch][PC_NV]. */
static nb_status train_class(const pc_preset *p, const pc_header *h, const pc_data *d, uint32_t code,
                             float *vals)
{
    space_arch a = space_from_code(code);
    nn_config cfg = net_config(p, h);
    nn_net *net = NULL;
    nb_status st = nn_net_create(&cfg, &a, &net);
    if (st != NB_OK) return st;
    for (int s = 0; s < p->n_seeds; s++) {
        nn_protocol pr = preset_protocol(p, (uint64_t)p->seeds[s]);
        nn_net_init(net, (uint64_t)p->seeds[s]);
        nn_sgd *opt = nn_sgd_create(net, &pr.sgd);
        for (int e = 0; e < p->epochs; e++) {
            nn_epoch_stats st_tr, st_va, st_te;
            nn_train_epoch(net, opt, &d->train, &pr.train, e, &st_tr, NULL);
            nn_evaluate(net, &d->valid, &st_va);
            nn_evaluate(net, &d->test, &st_te);
            float *v = vals + ((size_t)s * (size_t)p->epochs + (size_t)e) * PC_NV;
            v[PC_TRAIN_ACC] = (float)st_tr.acc;
            v[PC_TRAIN_LOSS] = (float)st_tr.loss;
            v[PC_VALID_ACC] = (float)st_va.acc;
            v[PC_VALID_LOSS] = (float)st_va.loss;
            v[PC_TEST_ACC] = (float)st_te.acc;
            v[PC_TEST_LOSS] = (float)st_te.loss;
            v[PC_TRAIN_SEC] = (float)st_tr.seconds;
            v[PC_EVAL_SEC] = (float)(st_va.seconds + st_te.seconds);
        }
        nn_sgd_destroy(opt);
    }
    nn_net_destroy(net);
    return NB_OK;
}

/* 1 when the journal `path` (same job; absent = no) holds class code `code`. */
static int partner_has(const char *path, const pc_header *want, uint32_t code)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return 0;
    struct stat sb;
    journal j;
    int found = 0;
    if (fstat(fd, &sb) == 0 && (size_t)sb.st_size >= sizeof *want &&
        journal_read(fd, path, want, &j) == NB_OK) {
        for (size_t i = 0; i < j.n && !found; i++) found = j.codes[i] == code;
        journal_free(&j);
    }
    close(fd);
    return found;
}

nb_status pc_train_shard(const pc_job *job, const pc_classes *cl, const char *path)
{
    const pc_preset *p = job->preset;
    NB_ASSERT(p && job->shard_n >= 1 && job->shard_k >= 0 && job->shard_k < job->shard_n);
    NB_ASSERT(p->n_seeds >= 1 && p->n_seeds <= PC_MAX_SEEDS && p->epochs >= 1 && p->epochs <= PC_MAX_EPOCHS);
    pc_header want;
    header_for_job(job, cl, &want);
    pc_data d;
    nb_status st = data_load(job, &d);
    if (st != NB_OK) return st;
    want.n_train = (uint32_t)d.train.n;
    want.n_valid = (uint32_t)d.valid.n;
    want.n_test = (uint32_t)d.test.n;
    want.in_ch = (uint32_t)d.train.c;
    want.h = (uint32_t)d.train.h;
    want.w = (uint32_t)d.train.w;
    want.classes = (uint32_t)d.train.classes;
    snprintf(want.git_sha, sizeof want.git_sha, "%s", nb_git_sha());
    want.crc = header_crc(&want);

    journal j = {0};
    uint8_t *done = NULL;
    float *vals = NULL;
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) {
        st = nb_fail(NB_EIO, "%s: cannot open the journal: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        st = nb_fail(NB_EIO, "%s: journal is locked by another process (a build with the same "
                     "arguments is running)", path);
        goto fail;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if ((size_t)sb.st_size < sizeof want) { /* new, or the header write itself was torn */
        if (ftruncate(fd, 0) != 0 || (st = write_full(fd, &want, sizeof want, path)) != NB_OK) {
            if (st == NB_OK) st = nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
            goto fail;
        }
    }
    if ((st = journal_read(fd, path, &want, &j)) != NB_OK) goto fail;
    if (j.h.n_train != want.n_train || j.h.n_valid != want.n_valid || j.h.n_test != want.n_test ||
        j.h.in_ch != want.in_ch || j.h.h != want.h || j.h.w != want.w || j.h.classes != want.classes) {
        st = nb_fail(NB_EFORMAT, "%s: journal data shape (train %u, valid %u, test %u, %ux%ux%u, %u classes) "
                     "differs from the data loaded now (train %u, valid %u, test %u, %ux%ux%u, %u classes); "
                     "hint: use the same --data-dir, or remove the journal", path, j.h.n_train, j.h.n_valid,
                     j.h.n_test, j.h.in_ch, j.h.h, j.h.w, j.h.classes, want.n_train, want.n_valid, want.n_test,
                     want.in_ch, want.h, want.w, want.classes);
        goto fail;
    }
    if (j.torn) {
        printf("journal %s: dropped a torn last record (%lld bytes)\n", path,
               (long long)((off_t)sb.st_size - j.good_end));
        if (ftruncate(fd, j.good_end) != 0 || fsync(fd) != 0) {
            st = nb_fail(NB_EIO, "%s: cannot cut the torn record: %s", path, strerror(errno));
            goto fail;
        }
    }
    if (lseek(fd, j.good_end, SEEK_SET) < 0) {
        st = nb_fail(NB_EIO, "%s: %s", path, strerror(errno));
        goto fail;
    }
    done = nb_xcalloc_array(cl->n, 1);
    for (size_t i = 0; i < j.n; i++) {
        int32_t c = j.codes[i] < SPACE_NB201_SIZE ? cl->class_of[j.codes[i]] : -1;
        if (c < 0 || cl->rep[c] != j.codes[i] || (int)((size_t)c % (size_t)job->shard_n) != job->shard_k ||
            done[c]) {
            st = nb_fail(NB_EFORMAT, "%s: record %zu names cell code %u, not a class of this shard "
                         "(or twice); hint: remove the journal", path, i + 1, j.codes[i]);
            goto fail;
        }
        done[c] = 1;
    }
    size_t todo = pc_shard_size(cl, job->shard_k, job->shard_n), have = j.n;
    printf("preset %s on %s (%ux%ux%u, train %u, valid %u, test %u): shard %d/%d has %zu classes, "
           "%zu in the journal, %d threads, OpenBLAS %s\n",
           p->name, job->dataset, want.in_ch, want.h, want.w, want.n_train, want.n_valid, want.n_test,
           job->shard_k, job->shard_n, todo, have, job->threads, nn_blas_corename());
    fflush(stdout);
    nn_set_threads(job->threads);
    size_t nf = record_floats(&want), rb = want.record_bytes;
    vals = nb_xcalloc_array(nf, sizeof *vals);
    unsigned char *rec = nb_xmalloc(rb);
    double t0 = nb_now();
    size_t trained = 0;
    for (size_t i = 0; i < cl->n; i++) {
        size_t c = job->reverse ? cl->n - 1 - i : i;
        if ((int)(c % (size_t)job->shard_n) != job->shard_k || done[c]) continue;
        if (job->partner && partner_has(job->partner, &want, cl->rep[c])) {
            printf("class %zu is in %s: met the other direction; stopping\n", c, job->partner);
            break;
        }
        double t1 = nb_now();
        if ((st = train_class(p, &want, &d, cl->rep[c], vals)) != NB_OK) {
            free(rec);
            goto fail;
        }
        memcpy(rec, &cl->rep[c], 4);
        memcpy(rec + 4, vals, 4 * nf);
        uint32_t crc = (uint32_t)crc32(0L, rec, (uInt)(rb - 4));
        memcpy(rec + rb - 4, &crc, 4);
        if ((st = write_full(fd, rec, rb, path)) != NB_OK) {
            free(rec);
            goto fail;
        }
        trained++;
        have++;
        double now = nb_now();
        const float *last = vals + ((size_t)want.n_seeds * want.n_epochs - 1) * PC_NV;
        char s[SPACE_STR_MAX];
        space_arch a = space_from_code(cl->rep[c]);
        space_format(&a, s, sizeof s);
        double eta = (now - t0) / (double)trained * (double)(todo - have);
        printf("[%zu/%zu] class %zu %s valid %.2f test %.2f (%.2fs; eta %.0fs)\n", have, todo, c, s,
               last[PC_VALID_ACC], last[PC_TEST_ACC], now - t1, eta);
        fflush(stdout);
    }
    free(rec);
    printf("shard %d/%d done: %zu classes in this journal (%zu trained now in %.1fs)\n", job->shard_k,
           job->shard_n, have, trained, nb_now() - t0);
    st = NB_OK;
fail:
    if (fd >= 0) close(fd);
    free(vals);
    free(done);
    journal_free(&j);
    data_free(&d);
    return st;
}

nb_status pc_train_cells(const pc_job *job, const uint32_t *codes, size_t n, float *vals)
{
    pc_data d;
    nb_status st = data_load(job, &d);
    if (st != NB_OK) return st;
    pc_header h;
    memset(&h, 0, sizeof h);
    h.in_ch = (uint32_t)d.train.c;
    h.h = (uint32_t)d.train.h;
    h.w = (uint32_t)d.train.w;
    h.classes = (uint32_t)d.train.classes;
    nn_set_threads(job->threads);
    size_t nf = (size_t)job->preset->n_seeds * (size_t)job->preset->epochs * PC_NV;
    for (size_t i = 0; i < n && st == NB_OK; i++) st = train_class(job->preset, &h, &d, codes[i], vals + i * nf);
    data_free(&d);
    return st;
}

/* ---- the table */
static void machine_text(char *buf, size_t n)
{
    nb_host host;
    nb_host_get(&host);
    snprintf(buf, n, "%s, %d cores, OpenBLAS %s", host.cpu[0] ? host.cpu : "unknown CPU", host.cores,
             nn_blas_corename());
}

static nb_status write_table(const char *out, const char *const *journals, int n_journals,
                             const char *like, int partial)
{
    NB_ASSERT(out && journals && n_journals >= 1);
    nb_status st = NB_OK;
    journal *js = nb_xcalloc_array((size_t)n_journals, sizeof *js);
    space_arch *archs = NULL;
    tab_table *lt = NULL;
    tab_writer *w = NULL;
    float *fs = NULL, *fm = NULL, *cs = NULL, *cm = NULL, *costs = NULL;
    const float **by_code = NULL;
    pc_classes cl = {0};
    char like_sum[64] = "";
    for (int i = 0; i < n_journals; i++) {
        int fd = open(journals[i], O_RDONLY);
        if (fd < 0) {
            st = nb_fail(NB_EIO, "%s: cannot open the journal: %s", journals[i], strerror(errno));
            goto fail;
        }
        st = journal_read(fd, journals[i], NULL, &js[i]);
        close(fd);
        if (st == NB_OK && i) { /* same job as the first journal; only the shard number differs */
            pc_header a = js[0].h;
            a.shard_k = js[i].h.shard_k;
            st = header_check(journals[i], &js[i].h, &a);
        }
        if (st != NB_OK) goto fail;
    }
    const pc_header *h = &js[0].h;
    const pc_preset *p = pc_preset_find(h->preset);
    if (!p) {
        st = NB_EFORMAT;
        goto fail;
    }
    if (pc_preset_crc(p) != h->preset_crc) {
        st = nb_fail(NB_EFORMAT, "%s: preset '%s' changed since the journal was written "
                     "(fingerprint %08x, now %08x)", journals[0], p->name, h->preset_crc, pc_preset_crc(p));
        goto fail;
    }
    pc_classes_init(&cl, h->archs_k);
    for (int i = 0; i < n_journals; i++)
        if (js[i].h.n_train != h->n_train || js[i].h.n_valid != h->n_valid || js[i].h.h != h->h ||
            js[i].h.w != h->w || js[i].h.classes != h->classes || js[i].h.in_ch != h->in_ch ||
            js[i].h.n_test != h->n_test) {
            st = nb_fail(NB_EFORMAT, "%s: trained on other data (%u train images) than %s (%u)",
                         journals[i], js[i].h.n_train, journals[0], h->n_train);
            goto fail;
        }
    const size_t S = h->n_seeds, E = h->n_epochs, nf = record_floats(h);
    /* class representative code -> its record */
    /* class representative code -> its record: the union of all journals
     * (a shard may have a forward and a --reverse journal that overlap by
     * the classes in flight when they met; the engine is deterministic, so
     * such duplicates must agree on every metric) */
    by_code = nb_xcalloc_array(SPACE_NB201_SIZE, sizeof *by_code);
    for (int i = 0; i < n_journals; i++)
        for (size_t r = 0; r < js[i].n; r++) {
            uint32_t c = js[i].codes[r];
            const float *v = js[i].vals + r * nf;
            if (c >= SPACE_NB201_SIZE || cl.class_of[c] < 0 || cl.rep[cl.class_of[c]] != c) {
                st = nb_fail(NB_EFORMAT, "%s: record %zu: cell code %u is not a class of this job",
                             journals[i], r + 1, c);
                goto fail;
            }
            if (by_code[c]) {
                for (size_t q = 0; q < S * E; q++)
                    for (int m = 0; m < PC_TRAIN_SEC; m++)
                        if (memcmp(&by_code[c][q * PC_NV + (size_t)m], &v[q * PC_NV + (size_t)m], sizeof(float))) {
                            st = nb_fail(NB_EFORMAT, "%s: record %zu: cell code %u was trained twice with "
                                         "different results (not the same engine build or machine?)",
                                         journals[i], r + 1, c);
                            goto fail;
                        }
                continue;
            }
            by_code[c] = v;
        }
    size_t present = 0;
    for (int k = 0; k < (int)h->shard_n; k++) {
        size_t want_n = 0, have_n = 0;
        for (size_t c = 0; c < cl.n; c++)
            if ((int)(c % h->shard_n) == k) {
                want_n++;
                have_n += by_code[cl.rep[c]] != NULL;
            }
        present += have_n;
        if (have_n != want_n && !partial) {
            st = nb_fail(NB_EFORMAT, "shard %d/%u is incomplete: %zu of %zu classes in the journals given; "
                         "hint: pass every shard's journal, or rerun its build with the same arguments "
                         "to finish it", k, h->shard_n, have_n, want_n);
            goto fail;
        }
    }

    size_t n;
    if (like) {
        if ((st = tab_open(like, &lt)) != NB_OK) goto fail;
        n = tab_n_archs(lt);
        archs = nb_xcalloc_array(n, sizeof *archs);
        for (size_t i = 0; i < n; i++) archs[i] = *tab_arch(lt, i);
        snprintf(like_sum, sizeof like_sum, "%s", tab_checksum(lt) ? tab_checksum(lt) : "?");
        tab_close(lt);
        lt = NULL;
    } else {
        n = SPACE_NB201_SIZE;
        archs = nb_xcalloc_array(n, sizeof *archs);
        for (uint32_t c = 0; c < n; c++) archs[c] = space_from_code(c);
    }
    if ((st = tab_writer_create(out, "nb201", n, archs, &w)) != NB_OK) goto fail;

    char text[1024], buf[2048], mach[384];
    preset_text(p, text, sizeof text);
    machine_text(mach, sizeof mach);
    size_t trained_cells = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t code = space_code(&archs[i]);
        if (cl.class_of[code] >= 0) trained_cells++;
    }
    snprintf(buf, sizeof buf,
             "trained with the nastab C engine (nn/) by `nastab tables build --preset %s --dataset %s`: "
             "NB201 TinyNetwork C=%d N=%d, %ux%ux%u images, SGD Nesterov 0.9, wd 5e-4, lr %g cosine, "
             "batch %d, %d epochs, seeds as the seed axis; train on %u images of one half of the "
             "training set, valid on %u of the other half, test on %u test images. Each isomorphism "
             "class (space_canonical_code; the disconnected cells as one class) is trained once and "
             "its values are given to all its cells: %zu classes, %zu of %zu cells.",
             p->name, h->dataset, p->C, p->N, h->in_ch, h->h, h->w, p->lr, p->batch, p->epochs, h->n_train,
             h->n_valid, h->n_test, cl.n, trained_cells, n);
    if ((st = tab_writer_attr(w, "sources", buf)) != NB_OK ||
        (st = tab_writer_attr(w, "precompute_preset", p->name)) != NB_OK ||
        (st = tab_writer_attr(w, "precompute_config", text)) != NB_OK ||
        (st = tab_writer_attr(w, "precompute_machine", mach)) != NB_OK)
        goto fail;
    snprintf(buf, sizeof buf, "%08x", h->preset_crc);
    if ((st = tab_writer_attr(w, "precompute_preset_crc", buf)) != NB_OK) goto fail;
    {
        int l = 0;
        for (size_t s = 0; s < S; s++) l += snprintf(buf + l, sizeof buf - (size_t)l, "%s%d", s ? " " : "", p->seeds[s]);
    }
    if ((st = tab_writer_attr(w, "precompute_seeds", buf)) != NB_OK) goto fail;
    snprintf(buf, sizeof buf, "%zu", cl.n);
    if ((st = tab_writer_attr(w, "precompute_classes", buf)) != NB_OK) goto fail;
    snprintf(buf, sizeof buf, "%s", like ? "the architecture order of the table given with --like" : "base-5 code order (index = space_code)");
    if (like) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (content checksum %s)", like_sum);
    if ((st = tab_writer_attr(w, "arch_order", buf)) != NB_OK) goto fail;

    /* metrics: final and per-epoch, per seed and the seed mean */
    static const struct { int v; tab_metric_id m; const char *unit; } mets[] = {
        {PC_TRAIN_ACC, TAB_TRAIN_ACC, "percent"}, {PC_TRAIN_LOSS, TAB_TRAIN_LOSS, NULL},
        {PC_VALID_ACC, TAB_VALID_ACC, "percent"}, {PC_VALID_LOSS, TAB_VALID_LOSS, NULL},
        {PC_TEST_ACC, TAB_TEST_ACC, "percent"},   {PC_TEST_LOSS, TAB_TEST_LOSS, NULL},
    };
    fs = nb_xcalloc_array(n * S, sizeof *fs);
    fm = nb_xcalloc_array(n, sizeof *fm);
    cs = nb_xcalloc_array(n * S * E, sizeof *cs);
    cm = nb_xcalloc_array(n * E, sizeof *cm);
    int seeds[PC_MAX_SEEDS], epochs[PC_MAX_EPOCHS];
    for (size_t s = 0; s < S; s++) seeds[s] = p->seeds[s];
    for (size_t e = 0; e < E; e++) epochs[e] = (int)e + 1;
    for (size_t k = 0; k < sizeof mets / sizeof mets[0]; k++) {
        for (size_t i = 0; i < n; i++) {
            uint32_t code = space_code(&archs[i]);
            int32_t c = cl.class_of[code];
            const float *v = c >= 0 ? by_code[cl.rep[c]] : NULL;
            for (size_t e = 0; e < E; e++) {
                double sum = 0;
                for (size_t s = 0; s < S; s++) {
                    float x = v ? v[(s * E + e) * PC_NV + (size_t)mets[k].v] : NAN;
                    cs[(i * S + s) * E + e] = x;
                    sum += x;
                }
                cm[i * E + e] = (float)(sum / (double)S);
            }
            for (size_t s = 0; s < S; s++) fs[i * S + s] = cs[(i * S + s) * E + E - 1];
            fm[i] = cm[i * E + E - 1];
        }
        tab_metric_data md = {fm, (int)S, seeds, fs, (int)E, epochs, cm, cs, mets[k].unit,
                              "nastab tables build (C engine)", NULL};
        if ((st = tab_writer_metric(w, h->dataset, (int)E, mets[k].m, &md)) != NB_OK) goto fail;
    }
    /* costs: exact params and FLOPs per cell; times from the cost model */
    nn_config cfg = net_config(p, h);
    costs = nb_xcalloc_array(4 * n, sizeof *costs);
    float *par = costs, *fl = costs + n, *tt = costs + 2 * n, *et = costs + 3 * n;
    for (size_t i = 0; i < n; i++) {
        par[i] = (float)((double)nn_net_param_count(&cfg, &archs[i]) / 1e6);
        double f = nn_net_flops(&cfg, &archs[i]);
        fl[i] = (float)f;
        tt[i] = (float)((double)h->n_train * (p->cost_train_a + p->cost_train_b * f));
        et[i] = (float)((double)h->n_valid * (p->cost_eval_a + p->cost_eval_b * f));
    }
    char ft[256], fe[256];
    snprintf(ft, sizeof ft, "%u images * (%.3g + %.3g * flops) s (cost model of preset %s; measured wall times are in the journal)",
             h->n_train, p->cost_train_a, p->cost_train_b, p->name);
    snprintf(fe, sizeof fe, "%u images * (%.3g + %.3g * flops) s (cost model of preset %s)", h->n_valid,
             p->cost_eval_a, p->cost_eval_b, p->name);
    if ((st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_PARAMS), par, "M", NULL)) != NB_OK ||
        (st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_FLOPS), fl, "M", NULL)) != NB_OK ||
        (st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_TRAIN_TIME), tt, "s", ft)) != NB_OK ||
        (st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_EVAL_TIME), et, "s", fe)) != NB_OK)
        goto fail;
    snprintf(buf, sizeof buf, "train_time_per_epoch = %s; eval_time = %s", ft, fe);
    if ((st = tab_writer_attr(w, "cost_model", buf)) != NB_OK) goto fail;
    /* measured wall times (journal only): least-squares fit of seconds per
     * image against MFLOPs, to compare with (and calibrate) the cost model */
    {
        double sx = 0, sy = 0, sxx = 0, sxy = 0, ey = 0, exy = 0, cnt = 0, total = 0;
        for (int i = 0; i < n_journals; i++)
            for (size_t r = 0; r < js[i].n; r++) {
                space_arch a = space_from_code(js[i].codes[r]);
                double f = nn_net_flops(&cfg, &a), tr = 0, ev = 0;
                const float *v = js[i].vals + r * nf;
                for (size_t q = 0; q < S * E; q++) {
                    tr += v[q * PC_NV + PC_TRAIN_SEC];
                    ev += v[q * PC_NV + PC_EVAL_SEC];
                }
                total += tr + ev;
                tr /= (double)(S * E) * h->n_train;
                ev /= (double)(S * E) * (h->n_valid + h->n_test);
                sx += f; sy += tr; sxx += f * f; sxy += f * tr; ey += ev; exy += f * ev; cnt++;
            }
        double den = cnt * sxx - sx * sx;
        if (cnt >= 2 && den > 0) {
            double b = (cnt * sxy - sx * sy) / den, a = (sy - b * sx) / cnt;
            double be = (cnt * exy - sx * ey) / den, ae = (ey - be * sx) / cnt;
            printf("measured (journal): %.1f s of training and evaluation in all; per image: train %.3g + %.3g * MFLOPs s, "
                   "eval %.3g + %.3g * MFLOPs s (cost model of the preset: train %.3g + %.3g, eval %.3g + %.3g)\n",
                   total, a, b, ae, be, p->cost_train_a, p->cost_train_b, p->cost_eval_a, p->cost_eval_b);
        }
    }
    if (partial) {
        snprintf(buf, sizeof buf, "%zu of %zu classes present (merged from a build in progress)", present, cl.n);
        if ((st = tab_writer_attr(w, "precompute_incomplete", buf)) != NB_OK) goto fail;
    }
    char sum[17];
    st = tab_writer_finish(w, sum);
    w = NULL;
    if (st == NB_OK) printf("wrote %s: %zu cells, %zu classes, checksum %s\n", out, n, cl.n, sum);
fail:
    tab_writer_abort(w);
    tab_close(lt);
    for (int i = 0; i < n_journals; i++) journal_free(&js[i]);
    free(js);
    free(archs);
    free(fs);
    free(fm);
    free(cs);
    free(cm);
    free(costs);
    free(by_code);
    pc_classes_free(&cl);
    return st;
}

nb_status pc_write_table(const char *out, const char *const *journals, int n_journals, const char *like)
{
    return write_table(out, journals, n_journals, like, 0);
}

nb_status pc_write_table_partial(const char *out, const char *const *journals, int n_journals,
                                 const char *like)
{
    return write_table(out, journals, n_journals, like, 1);
}
