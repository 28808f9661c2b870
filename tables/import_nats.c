/* tables/import_nats.c - NATS-Bench archive -> nastab table, for both of its
 * spaces: topology (nats-tss, table space "nb201") and size (nats-sss, table
 * space "sss"); see tables/tab.h (tab_import_nats) for what is written,
 * tables/SCHEMA.md for the layout. The two archives share the record format
 * (tables/nats.h); what differs (schedules, seed axes, file prefix, space)
 * is one `kind` below. (Over 600 lines: one streaming pipeline, HDF5
 * plumbing, layout, per-record checks and writes, gap record, sharing the
 * `imp` state; splitting it would export that state across files.)
 *
 * Streaming: every dataset is created up front with its full shape (N archs
 * x seeds x epochs), chunked in whole rows with NaN as fill value; then the
 * records are read one at a time in index order and each architecture's row
 * is written with a hyperslab. Each dataset's chunk cache holds about one
 * chunk, and rows arrive in index order, so a chunk is compressed and written
 * once, when the next one starts. Peak memory is one record plus a few
 * chunks (16 KiB) per dataset, whatever the number of files. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "spaces/space.h"
#include "tables/tab.h"
#include "tables/nats.h"
#include "tables/tab_h5.h"

/* Bytes of one chunk (whole rows). Peak memory is about (number of datasets,
 * ~330) x a few chunks once rows have moved past each dataset's first chunk:
 * measured 42 MB with 2 records, 78 MB with 46 and 87 MB with 180 records
 * spread over the 15625 rows (64 KiB chunks: 57, 155, 180 MB). */
#define CHUNK_TARGET (16u << 10)
#define MAX_GROUPS 12
#define MAX_SEEDS 3
#define MAX_EPOCHS 200

/* Where a metric group's values come from in a nats_run. */
enum { SRC_TRAIN = -1 }; /* else a nats_eval id */
enum { F_ACC, F_LOSS, F_TIME };

typedef struct {
    const char *name; /* group name: a tab_metric_name or an extra ("train_time") */
    int src;          /* SRC_TRAIN or nats_eval */
    int field;        /* F_ACC, F_LOSS, F_TIME */
} group_spec;

#define TRAIN_GROUPS {"train_acc", SRC_TRAIN, F_ACC}, {"train_loss", SRC_TRAIN, F_LOSS}
static const group_spec groups_c10v[] = {
    TRAIN_GROUPS,
    {"valid_acc", NATS_EVAL_X_VALID, F_ACC},  {"valid_loss", NATS_EVAL_X_VALID, F_LOSS},
    {"test_acc", NATS_EVAL_ORI_TEST, F_ACC},  {"test_loss", NATS_EVAL_ORI_TEST, F_LOSS},
    {"train_time", SRC_TRAIN, F_TIME},        {"valid_time", NATS_EVAL_X_VALID, F_TIME},
    {"test_time", NATS_EVAL_ORI_TEST, F_TIME}};
static const group_spec groups_c10[] = {
    TRAIN_GROUPS,
    {"test_acc", NATS_EVAL_ORI_TEST, F_ACC}, {"test_loss", NATS_EVAL_ORI_TEST, F_LOSS},
    {"train_time", SRC_TRAIN, F_TIME},       {"test_time", NATS_EVAL_ORI_TEST, F_TIME}};
static const group_spec groups_xsplit[] = {
    TRAIN_GROUPS,
    {"valid_acc", NATS_EVAL_X_VALID, F_ACC},     {"valid_loss", NATS_EVAL_X_VALID, F_LOSS},
    {"test_acc", NATS_EVAL_X_TEST, F_ACC},       {"test_loss", NATS_EVAL_X_TEST, F_LOSS},
    {"valtest_acc", NATS_EVAL_ORI_TEST, F_ACC},  {"valtest_loss", NATS_EVAL_ORI_TEST, F_LOSS},
    {"train_time", SRC_TRAIN, F_TIME},           {"valid_time", NATS_EVAL_X_VALID, F_TIME},
    {"test_time", NATS_EVAL_X_TEST, F_TIME},     {"valtest_time", NATS_EVAL_ORI_TEST, F_TIME}};

/* Seed axes of the topology archive (NATS-Bench section 3: hp '200' trained
 * with seeds 777, 888 and, for part of the space, 999; hp '12' with 111, and
 * cifar10-valid also 777). */
static const int seeds_200[] = {777, 888, 999};
static const int seeds_12_c10v[] = {111, 777};
static const int seeds_12[] = {111};
/* Seed axes of the size archive: hp '12' trained with 777, 888 and 999, hp
 * '01' with 777 (both as in the official records, tests/fixtures/nats-sss);
 * hp '90' with 777 in the records we have, the axis keeps 888 and 999 for
 * records that trained them (NaN otherwise). */
static const int seeds_sss_multi[] = {777, 888, 999};
static const int seeds_sss_01[] = {777};

/* What differs between the two archives. */
typedef struct {
    const char *cmd;       /* "import nats-tss": message prefix */
    const char *tag;       /* "tss": file prefix "tss_", source attributes */
    const char *archive;   /* official folder name, for hints */
    const space_def *space;
    int n_hp;
    nats_hp hps[3];        /* layout order per dataset: the longest first */
    int epochs[3];
    nats_hp cost_hp;       /* the schedule costs and latency come from: '200' / '90' */
    int exact_hps;         /* 1: every record holds exactly hps and all datasets (sss) */
    const char *sources;
} kind;

static const kind kind_tss = {
    "import nats-tss", "tss", "NATS-tss-v1_0-3ffb9-simple", &space_nb201, 2,
    {NATS_HP_200, NATS_HP_12}, {200, 12}, NATS_HP_200, 0,
    "NATS-Bench topology search space archive NATS-tss-v1_0-3ffb9-simple "
    "(github.com/D-X-Y/NATS-Bench; Dong, Liu, Musial, Gabrys: NATS-Bench, IEEE TPAMI 2021)"};
static const kind kind_sss = {
    "import nats-sss", "sss", "NATS-sss-v1_0-50262-simple", &space_sss, 3,
    {NATS_HP_90, NATS_HP_12, NATS_HP_01}, {90, 12, 1}, NATS_HP_90, 1,
    "NATS-Bench size search space archive NATS-sss-v1_0-50262-simple "
    "(github.com/D-X-Y/NATS-Bench; Dong, Liu, Musial, Gabrys: NATS-Bench, IEEE TPAMI 2021)"};

static void seeds_of(const kind *k, nats_hp hp, nats_dataset ds, const int **seeds, int *n)
{
    if (k == &kind_sss) {
        *seeds = hp == NATS_HP_01 ? seeds_sss_01 : seeds_sss_multi;
        *n = hp == NATS_HP_01 ? 1 : 3;
    } else if (hp == NATS_HP_200) {
        *seeds = seeds_200;
        *n = 3;
    } else if (ds == NATS_DS_CIFAR10_VALID) {
        *seeds = seeds_12_c10v;
        *n = 2;
    } else {
        *seeds = seeds_12;
        *n = 1;
    }
}

/* Split whose time is the cost eval_time (one pass over the validation split). */
static const int eval_split[NATS_DS_COUNT] = {NATS_EVAL_X_VALID, NATS_EVAL_ORI_TEST,
                                              NATS_EVAL_X_VALID, NATS_EVAL_X_VALID};

static const char *const cost_names[] = {"train_time_per_epoch", "eval_time", "params", "flops"};
static const char *const cost_units[] = {"s", "s", "M", "M"};
/* %d: the cost schedule's epochs (200 tss, 90 sss). */
static const char *const cost_derived[] = {
    "mean over the %d-epoch seeds of the mean per-epoch train_times",
    "mean over the %d-epoch seeds of the last-epoch time of x-valid (cifar10: ori-test)",
    "params of the first %d-epoch run (else the first 12-epoch run)",
    "flop of the first %d-epoch run (else the first 12-epoch run)"};
#define N_COSTS 4

enum { ST_OK = 0, ST_MISSING = 1, ST_BAD = 2, ST_MISMATCH = 3 };

/* One output dataset written row by row. */
typedef struct {
    hid_t d, fsp, msp;
    int rank;
    hsize_t dims[3];
    char path[160];
} col;

typedef struct {
    nats_hp hp;
    nats_dataset ds;
    int epochs, n_seeds, n_groups;
    const int *seeds;
    const group_spec *groups;
    col out[MAX_GROUPS][4]; /* final_mean, final_seeds, curve_mean, curve_seeds */
} block;

typedef struct {
    const kind *k;
    const char *dir;
    char *tmp;
    hid_t file, gcpl;
    size_t n;
    block blk[NATS_DS_COUNT * 3];
    int n_blk;
    col cost[NATS_DS_COUNT][N_COSTS];
    col lat[NATS_DS_COUNT];
    size_t lat_count[NATS_DS_COUNT]; /* non-NaN latency values written */
    uint8_t *status;                 /* (N) ST_* per architecture */
} imp;

/* ---- HDF5 plumbing */

static nb_status ensure_group(imp *m, const char *gpath)
{
    char buf[256];
    size_t len = strlen(gpath);
    if (len >= sizeof buf) return nb_fail(NB_EINVAL, "%s: group path too long: '%s'", m->tmp, gpath);
    memcpy(buf, gpath, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char c = buf[i];
        buf[i] = 0;
        htri_t ex = H5Lexists(m->file, buf, H5P_DEFAULT);
        if (ex < 0) return tab_h5_fail(NB_EINTERNAL, m->tmp, "cannot look up", buf);
        if (!ex) {
            hid_t g = H5Gcreate2(m->file, buf, H5P_DEFAULT, m->gcpl, H5P_DEFAULT);
            if (g < 0) return tab_h5_fail(NB_EIO, m->tmp, "cannot create group", buf);
            H5Gclose(g);
        }
        buf[i] = c;
    }
    return NB_OK;
}

/* Create a chunked (whole rows, <= CHUNK_TARGET bytes), shuffled, deflated
 * dataset of the full shape; float datasets get NaN as fill value. The chunk
 * cache holds one chunk: rows arrive in index order, so a chunk is complete
 * (or never touched again) when the next one is needed. */
static nb_status col_create(imp *m, col *c, const char *path, hid_t ftype, int rank,
                            const hsize_t *dims)
{
    NB_ASSERT(rank >= 1 && rank <= 3);
    c->d = c->fsp = c->msp = H5I_INVALID_HID;
    c->rank = rank;
    snprintf(c->path, sizeof c->path, "%s", path);
    size_t row = H5Tget_size(ftype);
    hsize_t chunk[3], cnt[3];
    for (int i = 0; i < rank; i++) {
        c->dims[i] = dims[i];
        chunk[i] = dims[i] ? dims[i] : 1;
        cnt[i] = i ? dims[i] : 1;
        if (i) row *= (size_t)dims[i];
    }
    hsize_t rows = row >= CHUNK_TARGET ? 1 : (hsize_t)(CHUNK_TARGET / row);
    if (rows < chunk[0]) chunk[0] = rows;
    nb_status st = NB_OK;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), dapl = H5Pcreate(H5P_DATASET_ACCESS);
    c->fsp = H5Screate_simple(rank, dims, NULL);
    c->msp = H5Screate_simple(rank, cnt, NULL);
    float nanv = NAN;
    size_t chunk_bytes = (size_t)chunk[0] * row;
    if (dcpl < 0 || dapl < 0 || c->fsp < 0 || c->msp < 0 || H5Pset_chunk(dcpl, rank, chunk) < 0 ||
        H5Pset_shuffle(dcpl) < 0 || H5Pset_deflate(dcpl, 4) < 0 ||
        (H5Tget_class(ftype) == H5T_FLOAT && H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &nanv) < 0) ||
        H5Pset_chunk_cache(dapl, 13, chunk_bytes + 1024, 1.0) < 0) {
        st = tab_h5_fail(NB_EINTERNAL, m->tmp, "cannot set up dataset", path);
        goto done;
    }
    c->d = H5Dcreate2(m->file, path, ftype, c->fsp, H5P_DEFAULT, dcpl, dapl);
    if (c->d < 0) st = tab_h5_fail(NB_EIO, m->tmp, "cannot create dataset", path);
done:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (dapl >= 0) H5Pclose(dapl);
    return st;
}

/* Write row idx (all of axes 1..rank-1) from native floats. */
static nb_status col_write(imp *m, col *c, size_t idx, const float *row)
{
    hsize_t off[3] = {idx, 0, 0}, cnt[3] = {1, c->dims[1], c->dims[2]};
    if (H5Sselect_hyperslab(c->fsp, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
        H5Dwrite(c->d, H5T_NATIVE_FLOAT, c->msp, c->fsp, H5P_DEFAULT, row) < 0)
        return tab_h5_fail(NB_EIO, m->tmp, "cannot write a row of", c->path);
    return NB_OK;
}

static void col_close(col *c)
{
    if (c->d > 0) H5Dclose(c->d);
    if (c->fsp > 0) H5Sclose(c->fsp);
    if (c->msp > 0) H5Sclose(c->msp);
    c->d = c->fsp = c->msp = H5I_INVALID_HID;
}

static nb_status set_ints_at(imp *m, const char *opath, const char *name, const int *v, size_t n,
                             int scalar)
{
    long long ll[MAX_EPOCHS];
    NB_ASSERT(n <= MAX_EPOCHS);
    for (size_t i = 0; i < n; i++) ll[i] = v[i];
    hid_t o = H5Oopen(m->file, opath, H5P_DEFAULT);
    if (o < 0) return tab_h5_fail(NB_EIO, m->tmp, "cannot open", opath);
    nb_status st = tab_h5_set_ints(o, m->tmp, name, ll, n, scalar, 1);
    H5Oclose(o);
    return st;
}

static nb_status set_str_at(imp *m, const char *opath, const char *name, const char *value)
{
    hid_t o = H5Oopen(m->file, opath, H5P_DEFAULT);
    if (o < 0) return tab_h5_fail(NB_EIO, m->tmp, "cannot open", opath);
    nb_status st = tab_h5_set_str(o, m->tmp, name, value);
    H5Oclose(o);
    return st;
}

/* Write a whole small dataset at once (archs, status arrays). */
static nb_status write_whole(imp *m, const char *path, hid_t ftype, hid_t mtype, int rank,
                             const hsize_t *dims, const void *data)
{
    col c;
    nb_status st = col_create(m, &c, path, ftype, rank, dims);
    if (st == NB_OK && H5Dwrite(c.d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        st = tab_h5_fail(NB_EIO, m->tmp, "cannot write dataset", path);
    col_close(&c);
    return st;
}

/* ---- layout */

static const char *unit_of(const group_spec *g)
{
    return g->field == F_ACC ? "percent" : g->field == F_LOSS ? "cross-entropy" : "s";
}

static nb_status create_block(imp *m, block *b)
{
    char p[200], g[160];
    const char *dsn = nats_dataset_name(b->ds);
    snprintf(p, sizeof p, "/datasets/%s/%d", dsn, b->epochs);
    nb_status st = ensure_group(m, p);
    if (st != NB_OK || (st = set_ints_at(m, p, "epochs", &b->epochs, 1, 1)) != NB_OK) return st;
    int ep[MAX_EPOCHS];
    for (int e = 0; e < b->epochs; e++) ep[e] = e + 1;
    for (int k = 0; k < b->n_groups; k++) {
        const group_spec *gs = &b->groups[k];
        snprintf(g, sizeof g, "/datasets/%s/%d/%s", dsn, b->epochs, gs->name);
        char src[200];
        snprintf(src, sizeof src, "NATS-Bench %s record, hp '%s', %s %s", m->k->tag,
                 nats_hp_name(b->hp),
                 gs->src == SRC_TRAIN ? "train" : nats_eval_name((nats_eval)gs->src),
                 gs->field == F_ACC ? "accuracy" : gs->field == F_LOSS ? "loss" : "time");
        if ((st = ensure_group(m, g)) != NB_OK || (st = set_str_at(m, g, "unit", unit_of(gs))) != NB_OK ||
            (st = set_str_at(m, g, "source", src)) != NB_OK)
            return st;
        static const char *const parts[4] = {"final_mean", "final_seeds", "curve_mean",
                                             "curve_seeds"};
        for (int part = 0; part < 4; part++) {
            hsize_t dims[3] = {m->n, 0, 0};
            int rank = 1;
            if (part == 1) dims[rank++] = (hsize_t)b->n_seeds;
            if (part == 2) dims[rank++] = (hsize_t)b->epochs;
            if (part == 3) {
                dims[rank++] = (hsize_t)b->n_seeds;
                dims[rank++] = (hsize_t)b->epochs;
            }
            snprintf(p, sizeof p, "%s/%s", g, parts[part]);
            if ((st = col_create(m, &b->out[k][part], p, H5T_IEEE_F32LE, rank, dims)) != NB_OK)
                return st;
            if ((part == 1 || part == 3) &&
                (st = set_ints_at(m, p, "seeds", b->seeds, (size_t)b->n_seeds, 0)) != NB_OK)
                return st;
            if ((part == 2 || part == 3) &&
                (st = set_ints_at(m, p, "epochs", ep, (size_t)b->epochs, 0)) != NB_OK)
                return st;
        }
    }
    return NB_OK;
}

static nb_status set_derived(imp *m, const char *p, int c)
{
    char text[200];
    int cost_epochs = m->k->epochs[0];
    snprintf(text, sizeof text, cost_derived[c], cost_epochs);
    return set_str_at(m, p, "derived", text);
}

static nb_status create_layout(imp *m)
{
    nb_status st;
    /* Dataset order = NB201's (cifar10-valid first); per dataset the longest
     * schedule first, as the shipped table. */
    for (int ds = 0; ds < NATS_DS_COUNT; ds++)
        for (int h = 0; h < m->k->n_hp; h++) {
            block *b = &m->blk[m->n_blk++];
            b->hp = m->k->hps[h];
            b->ds = (nats_dataset)ds;
            b->epochs = m->k->epochs[h];
            seeds_of(m->k, b->hp, b->ds, &b->seeds, &b->n_seeds);
            if (ds == NATS_DS_CIFAR10_VALID) {
                b->groups = groups_c10v;
                b->n_groups = (int)(sizeof groups_c10v / sizeof groups_c10v[0]);
            } else if (ds == NATS_DS_CIFAR10) {
                b->groups = groups_c10;
                b->n_groups = (int)(sizeof groups_c10 / sizeof groups_c10[0]);
            } else {
                b->groups = groups_xsplit;
                b->n_groups = (int)(sizeof groups_xsplit / sizeof groups_xsplit[0]);
            }
            if ((st = create_block(m, b)) != NB_OK) return st;
        }
    char p[200];
    for (int ds = 0; ds < NATS_DS_COUNT; ds++) {
        snprintf(p, sizeof p, "/costs/%s", nats_dataset_name((nats_dataset)ds));
        if ((st = ensure_group(m, p)) != NB_OK) return st;
        for (int c = 0; c < N_COSTS; c++) {
            snprintf(p, sizeof p, "/costs/%s/%s", nats_dataset_name((nats_dataset)ds), cost_names[c]);
            hsize_t dim = m->n;
            if ((st = col_create(m, &m->cost[ds][c], p, H5T_IEEE_F32LE, 1, &dim)) != NB_OK ||
                (st = set_str_at(m, p, "unit", cost_units[c])) != NB_OK ||
                (st = set_derived(m, p, c)) != NB_OK)
                return st;
        }
    }
    if ((st = ensure_group(m, "/hardware")) != NB_OK) return st;
    char note[300];
    snprintf(note, sizeof note,
             "NATS-Bench's own 'latency' of the %d-epoch runs (seconds per forward pass, as "
             "measured by NATS-Bench on its GPU; batch size not recorded), mean over runs and "
             "list entries, x 1000",
             m->k->epochs[0]);
    for (int ds = 0; ds < NATS_DS_COUNT; ds++) {
        const char *dsn = nats_dataset_name((nats_dataset)ds);
        snprintf(p, sizeof p, "/hardware/nats_latency_%s", dsn);
        hsize_t dim = m->n;
        int batch = 0;
        if ((st = col_create(m, &m->lat[ds], p, H5T_IEEE_F32LE, 1, &dim)) != NB_OK ||
            (st = set_str_at(m, p, "device", m->k == &kind_tss ? "nb201-gpu" : "nats-gpu")) != NB_OK ||
            (st = set_str_at(m, p, "metric", "latency")) != NB_OK ||
            (st = set_str_at(m, p, "unit", "ms")) != NB_OK ||
            (st = set_str_at(m, p, "dataset", dsn)) != NB_OK ||
            (st = set_str_at(m, p, "source", "NATS-Bench")) != NB_OK ||
            (st = set_str_at(m, p, "note", note)) != NB_OK ||
            (st = set_ints_at(m, p, "batch", &batch, 1, 1)) != NB_OK)
            return st;
    }
    return NB_OK;
}

/* ---- one record */

static const double *run_values(const nats_run *r, const group_spec *g)
{
    if (g->src == SRC_TRAIN)
        return g->field == F_ACC ? r->train_acc1 : g->field == F_LOSS ? r->train_loss : r->train_time;
    const nats_curve *c = &r->eval[g->src];
    return g->field == F_ACC ? c->acc : g->field == F_LOSS ? c->loss : c->time;
}

/* Check that the record is the one of index idx, with only the expected
 * seeds and epoch counts; NB_EFORMAT naming the problem otherwise. */
static nb_status check_record(const imp *m, const nats_record *r, const char *path, size_t idx,
                              const char *arch)
{
    if (m->k->exact_hps) {
        /* The size archive: every record holds the same schedules and datasets. */
        for (int hp = 0; hp < NATS_HP_COUNT; hp++) {
            int want = 0;
            for (int h = 0; h < m->k->n_hp; h++) want |= m->k->hps[h] == (nats_hp)hp;
            if (want && !r->has_hp[hp])
                return nb_fail(NB_EFORMAT, "%s: schedule (hp) '%s' is missing; a %s record holds "
                                           "'01', '12' and '90'",
                               path, nats_hp_name((nats_hp)hp), m->k->archive);
            if (!want && r->has_hp[hp])
                return nb_fail(NB_EFORMAT, "%s: holds schedule (hp) '%s', not one of the size "
                                           "space's '01', '12', '90'; hint: is this the topology "
                                           "archive? import it with `nastab tables import nats-tss`",
                               path, nats_hp_name((nats_hp)hp));
        }
        if (r->n_other_hps)
            return nb_fail(NB_EFORMAT, "%s: holds %d top-level key(s) that are not a schedule "
                                       "'01', '12' or '90'",
                           path, r->n_other_hps);
        for (int i = 0; i < m->n_blk; i++)
            if (r->runs[m->blk[i].hp][m->blk[i].ds].n_runs == 0)
                return nb_fail(NB_EFORMAT, "%s: hp '%s' has no %s result; a %s record holds "
                                           "cifar10-valid, cifar10, cifar100 and ImageNet16-120",
                               path, nats_hp_name(m->blk[i].hp), nats_dataset_name(m->blk[i].ds),
                               m->k->archive);
    }
    if (r->index != (long)idx)
        return nb_fail(NB_EFORMAT, "%s: holds arch_index %ld, expected %zu", path, r->index, idx);
    if (!r->arch_str || strcmp(r->arch_str, arch) != 0)
        return nb_fail(NB_EFORMAT, "%s: arch_str '%s' differs from the meta file's '%s'", path,
                       r->arch_str ? r->arch_str : "", arch);
    for (int i = 0; i < m->n_blk; i++) {
        const block *b = &m->blk[i];
        const nats_runs *rs = &r->runs[b->hp][b->ds];
        for (size_t k = 0; k < rs->n_runs; k++) {
            const nats_run *run = &rs->runs[k];
            int known = 0;
            for (int s = 0; s < b->n_seeds; s++) known |= run->seed == b->seeds[s];
            if (!known)
                return nb_fail(NB_EFORMAT, "%s: hp '%s' %s has seed %d, not on the seed axis", path,
                               nats_hp_name(b->hp), nats_dataset_name(b->ds), run->seed);
            if (run->epochs != b->epochs)
                return nb_fail(NB_EFORMAT, "%s: hp '%s' %s seed %d has %d epochs, expected %d",
                               path, nats_hp_name(b->hp), nats_dataset_name(b->ds), run->seed,
                               run->epochs, b->epochs);
        }
    }
    return NB_OK;
}

static nb_status write_record(imp *m, const nats_record *r, size_t idx)
{
    float cs[MAX_SEEDS * MAX_EPOCHS], cm[MAX_EPOCHS], fs[MAX_SEEDS], fm;
    nb_status st;
    for (int i = 0; i < m->n_blk; i++) {
        block *b = &m->blk[i];
        const int E = b->epochs, S = b->n_seeds;
        const nats_run *run[MAX_SEEDS];
        for (int s = 0; s < S; s++) run[s] = nats_record_run(r, b->hp, b->ds, b->seeds[s]);
        for (int k = 0; k < b->n_groups; k++) {
            const double *v[MAX_SEEDS];
            for (int s = 0; s < S; s++) v[s] = run[s] ? run_values(run[s], &b->groups[k]) : NULL;
            for (int e = 0; e < E; e++) {
                /* Mean over the seeds this record trained; NaN when one of
                 * them lacks the value (never a mean over partial data). */
                double sum = 0;
                int n = 0, gap = 0;
                for (int s = 0; s < S; s++) {
                    double x = v[s] ? v[s][e] : NAN;
                    cs[s * E + e] = (float)x;
                    if (!run[s]) continue;
                    if (isnan(x)) gap = 1;
                    sum += x;
                    n++;
                }
                cm[e] = n && !gap ? (float)(sum / n) : NAN;
            }
            for (int s = 0; s < S; s++) fs[s] = cs[s * E + E - 1];
            fm = cm[E - 1];
            col *o = b->out[k];
            if ((st = col_write(m, &o[0], idx, &fm)) != NB_OK ||
                (st = col_write(m, &o[1], idx, fs)) != NB_OK ||
                (st = col_write(m, &o[2], idx, cm)) != NB_OK ||
                (st = col_write(m, &o[3], idx, cs)) != NB_OK)
                return st;
        }
    }
    for (int ds = 0; ds < NATS_DS_COUNT; ds++) {
        /* r200: the cost schedule's runs ('200' tss, '90' sss) */
        const nats_runs *r200 = &r->runs[m->k->cost_hp][ds], *r12 = &r->runs[NATS_HP_12][ds];
        const nats_run *first = r200->n_runs ? &r200->runs[0] : r12->n_runs ? &r12->runs[0] : NULL;
        double tt = 0, et = 0, lat = 0;
        int n_lat = 0, gap_t = 0, gap_e = 0;
        for (size_t k = 0; k < r200->n_runs; k++) {
            const nats_run *run = &r200->runs[k];
            double s = run->train_time ? 0 : NAN;
            for (int e = 0; run->train_time && e < run->epochs; e++) s += run->train_time[e];
            tt += s / run->epochs;
            gap_t |= isnan(s);
            const double *ev = run->eval[eval_split[ds]].time;
            if (ev) et += ev[run->epochs - 1];
            gap_e |= !ev || isnan(ev[run->epochs - 1]);
            for (size_t j = 0; j < run->n_latency; j++) lat += run->latency[j] / run->n_latency;
            n_lat += run->n_latency > 0;
        }
        size_t nr = r200->n_runs;
        float cost[N_COSTS] = {nr && !gap_t ? (float)(tt / nr) : NAN,
                               nr && !gap_e ? (float)(et / nr) : NAN,
                               first ? (float)first->params : NAN,
                               first ? (float)first->flops : NAN};
        for (int c = 0; c < N_COSTS; c++)
            if ((st = col_write(m, &m->cost[ds][c], idx, &cost[c])) != NB_OK) return st;
        float l = n_lat ? (float)(lat / n_lat * 1000.0) : NAN;
        if ((st = col_write(m, &m->lat[ds], idx, &l)) != NB_OK) return st;
        m->lat_count[ds] += !isnan(l);
    }
    return NB_OK;
}

/* ---- files */

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* The record path of idx: official name, else the "<tag>_" name; *exists = 0
 * when neither is there (buf then holds the official name). */
static nb_status record_path(char *buf, size_t cap, const char *dir, const char *tag, size_t idx,
                             int *exists)
{
    nb_status st = nats_record_path(buf, cap, dir, (long)idx);
    if (st != NB_OK) return st;
    *exists = file_exists(buf);
    if (*exists) return NB_OK;
    char alt[4096];
    int k = snprintf(alt, sizeof alt, "%s/%s_%06zu.pickle.pbz2", dir, tag, idx);
    if (k > 0 && (size_t)k < sizeof alt && (size_t)k < cap && file_exists(alt)) {
        memcpy(buf, alt, (size_t)k + 1);
        *exists = 1;
    }
    return NB_OK;
}

/* Log the missing record files as index ranges ("000001-000010, 000012"). */
static void log_missing(const imp *m, size_t n_missing)
{
    if (!n_missing) return;
    char line[600];
    size_t len = 0, shown = 0;
    line[0] = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->status[i] != ST_MISSING || (i && m->status[i - 1] == ST_MISSING)) continue;
        size_t j = i;
        while (j + 1 < m->n && m->status[j + 1] == ST_MISSING) j++;
        if (shown == 12) {
            snprintf(line + len, sizeof line - len, ", ...");
            break;
        }
        int k = j > i ? snprintf(line + len, sizeof line - len, "%s%06zu-%06zu", shown ? ", " : "", i, j)
                      : snprintf(line + len, sizeof line - len, "%s%06zu", shown ? ", " : "", i);
        if (k < 0 || (size_t)k >= sizeof line - len) break;
        len += (size_t)k;
        shown++;
    }
    nb_log("%s: %zu of %zu record files missing (masked as NaN): %s", m->dir, n_missing, m->n, line);
}

static void imp_close(imp *m)
{
    for (int i = 0; i < m->n_blk; i++)
        for (int k = 0; k < m->blk[i].n_groups; k++)
            for (int p = 0; p < 4; p++) col_close(&m->blk[i].out[k][p]);
    for (int ds = 0; ds < NATS_DS_COUNT; ds++) {
        for (int c = 0; c < N_COSTS; c++) col_close(&m->cost[ds][c]);
        col_close(&m->lat[ds]);
    }
    m->n_blk = 0;
}

static nb_status root_attrs(imp *m)
{
    char created[32];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    long long ver = TAB_SCHEMA_VERSION, n_ll = (long long)m->n;
    char importer[64], provenance[300];
    snprintf(importer, sizeof importer, "nats-%s (tables/import_nats.c)", m->k->tag);
    snprintf(provenance, sizeof provenance,
             "Imported record by record from the official NATS-Bench %s archive; every value is "
             "the stored double rounded to float32. Seed means are over the seeds each record "
             "trained. Gaps: /archs/present, /archs/import_status.",
             m->k->tag);
    nb_status st;
    if ((st = tab_h5_set_str(m->file, m->tmp, "format", TAB_FORMAT_NAME)) != NB_OK ||
        (st = tab_h5_set_ints(m->file, m->tmp, "schema_version", &ver, 1, 1, 1)) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "space", m->k->space->name)) != NB_OK ||
        (st = tab_h5_set_ints(m->file, m->tmp, "n_archs", &n_ll, 1, 1, 0)) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "created", created)) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "nastab_version", nb_version())) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "git_sha", nb_git_sha())) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "importer", importer)) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "sources", m->k->sources)) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "licences",
                             "as published by the NATS-Bench authors (github.com/D-X-Y/NATS-Bench)")) != NB_OK ||
        (st = tab_h5_set_str(m->file, m->tmp, "provenance", provenance)) != NB_OK)
        return st;
    return NB_OK;
}

/* Parse the meta file into archs (N); NB_EFORMAT when a string is not an
 * architecture of the kind's space or repeats one, NB_EINVAL when out_path is
 * the meta file, NB_EIO naming the folder when there is no meta file. */
static nb_status read_meta(const kind *k, const char *dir, const char *out_path, nats_meta **meta,
                           space_arch **archs)
{
    char path[4096];
    const space_def *sp = k->space;
    *meta = NULL;
    *archs = NULL;
    nb_status st = nats_meta_path(path, sizeof path, dir);
    if (st != NB_OK) return st;
    if (!file_exists(path)) {
        char alt[4096];
        int n = snprintf(alt, sizeof alt, "%s/%s_meta.pickle.pbz2", dir, k->tag);
        if (n > 0 && (size_t)n < sizeof alt && file_exists(alt)) memcpy(path, alt, (size_t)n + 1);
        else
            return nb_fail(NB_EIO, "%s: no meta file (meta.pickle.pbz2 or %s_meta.pickle.pbz2); "
                                   "hint: give the folder of the %s archive",
                           dir, k->tag, k->archive);
    }
    if ((st = nats_read_meta(path, meta)) != NB_OK) return st;
    nb_file_input in = {"meta file", path};
    if ((st = nb_file_check_output(out_path, &in, 1)) != NB_OK) {
        nats_meta_free(*meta);
        *meta = NULL;
        return st;
    }
    size_t n = (*meta)->n;
    if (n < 1 || n > sp->size) {
        st = nb_fail(NB_EFORMAT, "%s: %zu architectures, expected 1..%u (space '%s')", path, n,
                     sp->size, sp->name);
        goto fail;
    }
    *archs = nb_xcalloc_array(n, sizeof **archs);
    int32_t *seen = nb_xcalloc_array(sp->size, sizeof *seen);
    for (size_t i = 0; i < n; i++) {
        if (sp->parse((*meta)->arch[i], &(*archs)[i]) != NB_OK) {
            char why[512];
            snprintf(why, sizeof why, "%s", nb_errmsg());
            st = nb_fail(NB_EFORMAT, "%s: meta_archs[%zu]: %s", path, i, why);
            break;
        }
        uint32_t c = sp->index(&(*archs)[i]);
        if (seen[c]) {
            st = nb_fail(NB_EFORMAT, "%s: meta_archs[%zu] repeats meta_archs[%d]", path, i, seen[c] - 1);
            break;
        }
        seen[c] = (int32_t)i + 1;
    }
    free(seen);
    if (st == NB_OK) return NB_OK;
fail:
    nats_meta_free(*meta);
    free(*archs);
    *meta = NULL;
    *archs = NULL;
    return st;
}

static nb_status write_archs(imp *m, const space_arch *archs)
{
    nb_status st = ensure_group(m, "/archs");
    if (st != NB_OK) return st;
    const space_def *sp = m->k->space;
    const size_t nd = (size_t)sp->n_decisions;
    uint8_t *ops = nb_xcalloc_array(m->n, nd);
    char one[SPACE_STR_MAX];
    size_t maxlen = 1;
    for (size_t i = 0; i < m->n; i++) {
        memcpy(ops + i * nd, archs[i].op, nd);
        size_t l = sp->format(&archs[i], one, sizeof one);
        if (l > maxlen) maxlen = l;
    }
    char *strs = nb_xcalloc_array(m->n, maxlen);
    for (size_t i = 0; i < m->n; i++) {
        size_t l = sp->format(&archs[i], one, sizeof one);
        memcpy(strs + i * maxlen, one, l);
    }
    hsize_t d2[2] = {m->n, nd}, d1 = m->n;
    hid_t stype = H5Tcopy(H5T_C_S1);
    if ((st = write_whole(m, "/archs/ops", H5T_STD_U8LE, H5T_NATIVE_UINT8, 2, d2, ops)) != NB_OK)
        goto done;
    if (stype < 0 || H5Tset_size(stype, maxlen) < 0 || H5Tset_strpad(stype, H5T_STR_NULLPAD) < 0) {
        st = tab_h5_fail(NB_EINTERNAL, m->tmp, "cannot make the string type of", "/archs/str");
        goto done;
    }
    if ((st = write_whole(m, "/archs/str", stype, stype, 1, &d1, strs)) != NB_OK) goto done;
    if (sp == &space_nb201) {
        if ((st = set_str_at(m, "/archs/ops", "edge_order",
                             "e0 0->1, e1 0->2, e2 1->2, e3 0->3, e4 1->3, e5 2->3")) != NB_OK ||
            (st = set_str_at(m, "/archs/ops", "op_ids",
                             "0 none, 1 skip_connect, 2 nor_conv_1x1, 3 nor_conv_3x3, 4 avg_pool_3x3")) != NB_OK)
            goto done;
    } else if ((st = set_str_at(m, "/archs/ops", "choices", sp->title)) != NB_OK) {
        goto done;
    }
done:
    if (stype >= 0) H5Tclose(stype);
    free(ops);
    free(strs);
    return st;
}

/* Write the gap record and the counts once every row is in. */
static nb_status write_status(imp *m, size_t counts[4])
{
    hsize_t d1 = m->n;
    uint8_t *present = nb_xcalloc_array(m->n, 1);
    for (size_t i = 0; i < m->n; i++) present[i] = m->status[i] == ST_OK;
    nb_status st = write_whole(m, "/archs/present", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &d1, present);
    free(present);
    if (st != NB_OK ||
        (st = write_whole(m, "/archs/import_status", H5T_STD_U8LE, H5T_NATIVE_UINT8, 1, &d1,
                          m->status)) != NB_OK ||
        (st = set_str_at(m, "/archs/import_status", "codes",
                         "0 imported, 1 record file missing, 2 unreadable, corrupt or not a "
                         "NATS-Bench record, 3 a record of another index or with unexpected "
                         "seeds/epochs")) != NB_OK)
        return st;
    long long v[3] = {(long long)counts[ST_OK], (long long)counts[ST_MISSING],
                      (long long)(counts[ST_BAD] + counts[ST_MISMATCH])};
    if ((st = tab_h5_set_ints(m->file, m->tmp, "n_imported", &v[0], 1, 1, 0)) != NB_OK ||
        (st = tab_h5_set_ints(m->file, m->tmp, "n_missing_files", &v[1], 1, 1, 0)) != NB_OK ||
        (st = tab_h5_set_ints(m->file, m->tmp, "n_bad_files", &v[2], 1, 1, 0)) != NB_OK)
        return st;
    for (int ds = 0; ds < NATS_DS_COUNT; ds++) {
        long long miss = (long long)(m->n - m->lat_count[ds]);
        hid_t o = m->lat[ds].d;
        if ((st = tab_h5_set_ints(o, m->tmp, "n_missing", &miss, 1, 1, 0)) != NB_OK) return st;
    }
    return NB_OK;
}

nb_status tab_import_nats(const tab_nats_import_cfg *cfg, const char *out_path)
{
    if (!cfg) return nb_fail(NB_EINVAL, "import nats: no configuration given");
    const kind *k = !cfg->space || !strcmp(cfg->space, "nb201") ? &kind_tss
                    : !strcmp(cfg->space, "sss")                 ? &kind_sss
                                                                 : NULL;
    if (!k)
        return nb_fail(NB_EINVAL, "import nats: space '%s' has no NATS-Bench archive; hint: "
                                  "'nb201' (topology, nats-tss) or 'sss' (size, nats-sss)",
                       cfg->space);
    if (!cfg->archive_dir || !cfg->archive_dir[0])
        return nb_fail(NB_EINVAL, "%s: no archive folder given", k->cmd);
    if (!out_path || !out_path[0]) return nb_fail(NB_EINVAL, "%s: empty output path", k->cmd);
    struct stat sb;
    if (stat(cfg->archive_dir, &sb) != 0)
        return nb_fail(NB_EIO, "%s: cannot read the archive folder: %s", cfg->archive_dir,
                       strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return nb_fail(NB_EIO, "%s: not a folder; hint: give the folder of the %s archive",
                       cfg->archive_dir, k->archive);
    nats_meta *meta = NULL;
    space_arch *archs = NULL;
    nb_status st = read_meta(k, cfg->archive_dir, out_path, &meta, &archs);
    if (st != NB_OK) return st;

    tab_h5_quiet();
    imp m;
    memset(&m, 0, sizeof m);
    m.k = k;
    m.dir = cfg->archive_dir;
    m.file = m.gcpl = H5I_INVALID_HID;
    m.n = meta->n;
    m.status = nb_xcalloc_array(m.n, 1);
    nb_progress *prog = NULL;
    size_t counts[4] = {0, 0, 0, 0};

    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    m.gcpl = H5Pcreate(H5P_GROUP_CREATE);
    unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (fcpl < 0 || m.gcpl < 0 || H5Pset_link_creation_order(fcpl, flags) < 0 ||
        H5Pset_link_creation_order(m.gcpl, flags) < 0) {
        if (fcpl >= 0) H5Pclose(fcpl);
        st = tab_h5_fail(NB_EINTERNAL, out_path, "cannot set up file creation", NULL);
        goto fail;
    }
    /* The 1.10 format (checksummed metadata), as the table writer's. */
    st = tab_h5_create(out_path, fcpl, &m.tmp, &m.file);
    H5Pclose(fcpl);
    if (st != NB_OK) goto fail;
    if ((st = root_attrs(&m)) != NB_OK || (st = write_archs(&m, archs)) != NB_OK ||
        (st = ensure_group(&m, "/datasets")) != NB_OK || (st = create_layout(&m)) != NB_OK)
        goto fail;

    prog = nb_progress_start(k->cmd, m.n);
    for (size_t i = 0; i < m.n; i++) {
        char path[4096];
        int exists;
        if ((st = record_path(path, sizeof path, m.dir, k->tag, i, &exists)) != NB_OK) goto fail;
        nats_record *r = NULL;
        if (exists && nb_same_file(out_path, path)) {
            st = nb_fail(NB_EINVAL, "refusing to write %s: it is the input record %s (same file); "
                                    "hint: write the output to another path", out_path, path);
            goto fail;
        }
        if (!exists) {
            m.status[i] = ST_MISSING;
            if (cfg->strict) {
                st = nb_fail(NB_EFORMAT, "%s: record %06zu is missing (strict import)", path, i);
                goto fail;
            }
        } else if (nats_read_record(path, &r) != NB_OK) {
            m.status[i] = ST_BAD;
        } else if (check_record(&m, r, path, i, meta->arch[i]) != NB_OK) {
            m.status[i] = ST_MISMATCH;
        }
        if (m.status[i] == ST_BAD || m.status[i] == ST_MISMATCH) {
            nats_record_free(r);
            char why[1024];
            snprintf(why, sizeof why, "%s", nb_errmsg());
            /* The size archive: a record that is not what its file name
             * says, or holds other schedules or datasets, means the folder
             * is not the archive; never import around it. */
            if (cfg->strict || k->exact_hps) {
                st = nb_fail(NB_EFORMAT, "%s stopped at record %06zu: %s", cfg->strict ? "strict import" : k->cmd, i, why);
                goto fail;
            }
            nb_log("skipping record %06zu (masked as NaN): %s", i, why);
        } else if (r) {
            st = write_record(&m, r, i);
            nats_record_free(r);
            if (st != NB_OK) goto fail;
        }
        counts[m.status[i]]++;
        nb_progress_add(prog, 1);
    }
    nb_progress_finish(prog);
    prog = NULL;
    log_missing(&m, counts[ST_MISSING]);
    if (counts[ST_OK] == 0) {
        st = nb_fail(NB_EFORMAT, "%s: no record could be imported (%zu missing, %zu bad); hint: "
                                 "give the folder of the %s archive",
                     m.dir, counts[ST_MISSING], counts[ST_BAD] + counts[ST_MISMATCH], k->archive);
        goto fail;
    }
    if ((st = write_status(&m, counts)) != NB_OK) goto fail;
    imp_close(&m);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) nb_debug("%s: peak RSS %ld KiB before the checksum", k->cmd, ru.ru_maxrss);
    char hex[17];
    st = tab_h5_commit(m.file, m.tmp, out_path, hex);
    m.file = H5I_INVALID_HID;
    if (st != NB_OK) goto fail;
    nb_log("%s: imported %zu of %zu architectures (%zu files missing, %zu bad); checksum %s",
           out_path, counts[ST_OK], m.n, counts[ST_MISSING], counts[ST_BAD] + counts[ST_MISMATCH],
           hex);
    H5Pclose(m.gcpl);
    free(m.tmp);
    free(m.status);
    free(archs);
    nats_meta_free(meta);
    return NB_OK;
fail:
    nb_progress_finish(prog);
    imp_close(&m);
    if (m.file >= 0) H5Fclose(m.file);
    if (m.gcpl >= 0) H5Pclose(m.gcpl);
    H5Eclear2(H5E_DEFAULT);
    nb_file_discard(m.tmp);
    free(m.tmp);
    free(m.status);
    free(archs);
    nats_meta_free(meta);
    return st;
}
