/* tables/table.c - the table reader (tab_open, queries; see tab.h and
 * tables/SCHEMA.md).
 *
 * tab_open reads the root attributes, /archs/ops and the names of the
 * groups; every column is read on its first query and then served from
 * memory, so a query is: bounds checks, a scan of at most a few fidelities,
 * one pointer test and one array load. (About 1040 lines: opening, the
 * checks of every stored size and attribute against the file, and the lazy
 * column loading share the private table struct; the checks, which make a
 * damaged file an error instead of a crash, are most of it.) */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tables/tab.h"
#include "tables/tab_h5.h"

#define MAX_DS 32  /* datasets per table */
#define MAX_FID 8  /* fidelities per dataset */
/* Sane limits on what a file declares, checked before anything is
 * allocated from it (NB201 has 3 seeds, 200 epochs, 58 hardware columns). */
#define MAX_SEEDS 1000
#define MAX_HW 10000
#define MAX_DATASET_BYTES ((size_t)1 << 31) /* one array read into memory */

static const char *const metric_names[TAB_METRIC_COUNT] = {
    "train_acc", "train_loss", "valid_acc", "valid_loss", "test_acc", "test_loss", "valtest_acc"};
static const char *const cost_names[TAB_COST_COUNT] = {"train_time_per_epoch", "eval_time",
                                                       "params", "flops"};

typedef struct {
    char *path;          /* "/datasets/<ds>/<fid>/<metric>" */
    int fidelity;
    int info_loaded;     /* seed/epoch axes read */
    int has_final_seeds, has_curve_mean, has_curve_seeds;
    int n_seeds;
    int *seeds;          /* (n_seeds) */
    int n_curve;         /* length of the curve epoch axis on disk */
    int *curve_epochs;   /* (n_curve) */
    int n_epochs;        /* reported axis: curve epochs, plus the fidelity if absent */
    int *epochs;         /* (n_epochs) */
    float *final_mean;   /* (N) */
    float *final_seeds;  /* (N, n_seeds) */
    float *curve_mean;   /* (N, n_curve) */
    float *curve_seeds;  /* (N, n_seeds, n_curve) */
} tab_col;

typedef struct {
    char *name;
    int n_fid;
    int fid[MAX_FID];
    tab_col *col[MAX_FID][TAB_METRIC_COUNT];
    int cost_present[TAB_COST_COUNT];
    float *cost[TAB_COST_COUNT]; /* (N), loaded on first use */
} tab_ds;

typedef struct {
    char *name;
    int loaded;
    tab_device_info info;
    char *device, *metric, *unit, *dataset, *source;
    float *values; /* (N), loaded on first use */
} tab_hw;

struct tab_table {
    char *path;
    hid_t file;
    char *space;
    const space_def *def; /* space_find(space) */
    size_t n;
    space_arch *archs;  /* (N) */
    int32_t *code2idx;  /* (def->size) space index -> row, -1 absent */
    size_t n_attrs;
    char **attr_name, **attr_val;
    int n_ds;
    tab_ds ds[MAX_DS];
    int n_hw;
    tab_hw *hw;
};

const char *tab_metric_name(tab_metric_id m)
{
    return (int)m >= 0 && m < TAB_METRIC_COUNT ? metric_names[m] : NULL;
}

int tab_metric_from_name(const char *name)
{
    for (int i = 0; name && i < TAB_METRIC_COUNT; i++)
        if (!strcmp(name, metric_names[i])) return i;
    return -1;
}

const char *tab_cost_name(tab_cost_id c)
{
    return (int)c >= 0 && c < TAB_COST_COUNT ? cost_names[c] : NULL;
}

/* ---- reading helpers */

/* Read a float dataset of exactly the given shape into a new array. */
static nb_status read_floats(tab_table *t, const char *dpath, int rank, const hsize_t *want,
                             float **out)
{
    *out = NULL;
    nb_status st = NB_OK;
    hid_t d = H5Dopen2(t->file, dpath, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    if (sp < 0) return tab_h5_fail(NB_EFORMAT, t->path, "cannot open dataset", dpath);
    hsize_t dims[H5S_MAX_RANK];
    int r = H5Sget_simple_extent_ndims(sp);
    if (r != rank || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        st = nb_fail(NB_EFORMAT, "%s: dataset '%s' has rank %d, expected %d", t->path, dpath, r,
                     rank);
        goto done;
    }
    size_t total = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] != want[i]) {
            st = nb_fail(NB_EFORMAT, "%s: dataset '%s' has %llu entries on axis %d, expected %llu",
                         t->path, dpath, (unsigned long long)dims[i], i,
                         (unsigned long long)want[i]);
            goto done;
        }
        if (!nb_mul_ok(total, (size_t)dims[i], &total) || total > MAX_DATASET_BYTES / sizeof(float)) {
            st = nb_fail(NB_EFORMAT, "%s: dataset '%s' declares more than %zu values (the limit "
                                     "is %zu MiB); the file is damaged",
                         t->path, dpath, MAX_DATASET_BYTES / sizeof(float), MAX_DATASET_BYTES >> 20);
            goto done;
        }
    }
    float *v = nb_xcalloc_array(total ? total : 1, sizeof *v);
    if (H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        st = tab_h5_fail(NB_EFORMAT, t->path, "cannot read dataset", dpath);
        goto done;
    }
    *out = v;
done:
    H5Sclose(sp);
    H5Dclose(d);
    return st;
}

static int link_exists(hid_t loc, const char *path)
{
    /* H5Lexists on "a/b/c" fails when "a/b" is missing: check each level. */
    char buf[512];
    size_t len = strlen(path);
    if (len >= sizeof buf) return 0;
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char c = buf[i];
        buf[i] = 0;
        htri_t ex = H5Lexists(loc, buf, H5P_DEFAULT);
        buf[i] = c;
        if (ex <= 0) {
            H5Eclear2(H5E_DEFAULT);
            return 0;
        }
    }
    return 1;
}

/* Names of the links in group gpath, in creation order when tracked, else
 * by name. */
typedef struct {
    char **names;
    int64_t *corder; /* creation order of names[i] */
    int n, cap;
    int all_corder;  /* every link had a creation order */
} name_list;

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    name_list *l = data;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->names = nb_xrealloc_array(l->names, (size_t)l->cap, sizeof *l->names);
        l->corder = nb_xrealloc_array(l->corder, (size_t)l->cap, sizeof *l->corder);
    }
    l->corder[l->n] = info->corder_valid ? info->corder : 0;
    if (!info->corder_valid) l->all_corder = 0;
    l->names[l->n++] = nb_xstrdup(name);
    return 0;
}

static void free_names(name_list *l)
{
    for (int i = 0; i < l->n; i++) free(l->names[i]);
    free(l->names);
    free(l->corder);
    l->names = NULL;
    l->corder = NULL;
    l->n = l->cap = 0;
}

typedef struct {
    const char *name;
    int64_t corder;
} name_entry;

static int cmp_corder(const void *a, const void *b)
{
    const name_entry *x = a, *y = b;
    return x->corder < y->corder ? -1 : x->corder > y->corder;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const name_entry *)a)->name, ((const name_entry *)b)->name);
}

static nb_status list_group(tab_table *t, const char *gpath, name_list *l)
{
    hid_t g = H5Gopen2(t->file, gpath, H5P_DEFAULT);
    if (g < 0) return tab_h5_fail(NB_EFORMAT, t->path, "cannot open group", gpath);
    /* Native order, then sorted here: HDF5 1.10 serves an ordered iteration
     * of a large group from a table it builds first, and when a damaged heap
     * block fails its checksum half-way it frees the unfilled entries of that
     * table (SIGSEGV in H5G__link_release_table, found by flipping one bit
     * of /hardware). The native iteration walks the index directly and
     * fails cleanly. */
    l->all_corder = 1;
    hsize_t idx = 0;
    herr_t rc = H5Literate(g, H5_INDEX_NAME, H5_ITER_NATIVE, &idx, collect_name, l);
    H5Gclose(g);
    if (rc < 0) {
        free_names(l);
        return tab_h5_fail(NB_EFORMAT, t->path, "damaged file: cannot list group", gpath);
    }
    name_entry *e = nb_xcalloc_array(l->n ? (size_t)l->n : 1, sizeof *e);
    for (int i = 0; i < l->n; i++) e[i] = (name_entry){l->names[i], l->corder[i]};
    qsort(e, (size_t)l->n, sizeof *e, l->all_corder ? cmp_corder : cmp_name);
    for (int i = 0; i < l->n; i++) {
        l->names[i] = (char *)e[i].name;
        l->corder[i] = e[i].corder;
    }
    free(e);
    return NB_OK;
}

/* Root attributes as strings (integers printed in decimal). */
static herr_t collect_attr(hid_t loc, const char *name, const H5A_info_t *ai, void *data)
{
    (void)ai;
    tab_table *t = data;
    char *s = NULL;
    long long *v = NULL;
    size_t n = 0;
    if (tab_h5_attr_str(loc, name, &s) != 1) {
        if (tab_h5_attr_ints(loc, name, &v, &n) == 1 && n == 1) {
            char buf[32];
            snprintf(buf, sizeof buf, "%lld", v[0]);
            s = nb_xstrdup(buf);
        }
        free(v);
    }
    if (!s) return 0; /* other types are not exposed through tab_attr */
    t->attr_name = nb_xrealloc_array(t->attr_name, t->n_attrs + 1, sizeof *t->attr_name);
    t->attr_val = nb_xrealloc_array(t->attr_val, t->n_attrs + 1, sizeof *t->attr_val);
    t->attr_name[t->n_attrs] = nb_xstrdup(name);
    t->attr_val[t->n_attrs] = s;
    t->n_attrs++;
    return 0;
}

static int parse_fidelity(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > 100000) return -1;
    return (int)v;
}

static nb_status open_datasets(tab_table *t)
{
    name_list dsn = {0};
    nb_status st = list_group(t, "/datasets", &dsn);
    if (st != NB_OK) return st;
    char p[512];
    for (int i = 0; i < dsn.n && st == NB_OK; i++) {
        if (t->n_ds == MAX_DS) {
            st = nb_fail(NB_EFORMAT, "%s: more than %d datasets in /datasets", t->path, MAX_DS);
            break;
        }
        tab_ds *d = &t->ds[t->n_ds++];
        d->name = nb_xstrdup(dsn.names[i]);
        name_list fn = {0};
        snprintf(p, sizeof p, "/datasets/%s", d->name);
        if ((st = list_group(t, p, &fn)) != NB_OK) break;
        for (int f = 0; f < fn.n && st == NB_OK; f++) {
            int fid = parse_fidelity(fn.names[f]);
            if (fid < 0) continue; /* not a fidelity group: ignored */
            if (d->n_fid == MAX_FID) {
                st = nb_fail(NB_EFORMAT, "%s: more than %d fidelities in /datasets/%s", t->path,
                             MAX_FID, d->name);
                break;
            }
            int fs = d->n_fid++;
            d->fid[fs] = fid;
            name_list mn = {0};
            snprintf(p, sizeof p, "/datasets/%s/%s", d->name, fn.names[f]);
            if ((st = list_group(t, p, &mn)) != NB_OK) break;
            for (int k = 0; k < mn.n; k++) {
                int m = tab_metric_from_name(mn.names[k]);
                if (m < 0) continue; /* a metric of a later schema: ignored */
                tab_col *c = nb_xcalloc_array(1, sizeof *c);
                snprintf(p, sizeof p, "/datasets/%s/%s/%s", d->name, fn.names[f], mn.names[k]);
                c->path = nb_xstrdup(p);
                c->fidelity = fid;
                d->col[fs][m] = c;
            }
            free_names(&mn);
        }
        free_names(&fn);
        for (int c = 0; c < TAB_COST_COUNT; c++) {
            snprintf(p, sizeof p, "/costs/%s/%s", d->name, cost_names[c]);
            d->cost_present[c] = link_exists(t->file, p);
        }
    }
    free_names(&dsn);
    return st;
}

static nb_status open_hardware(tab_table *t)
{
    if (!link_exists(t->file, "/hardware")) return NB_OK;
    name_list hn = {0};
    nb_status st = list_group(t, "/hardware", &hn);
    if (st != NB_OK) return st;
    if (hn.n > MAX_HW) {
        st = nb_fail(NB_EFORMAT, "%s: /hardware lists %d columns, more than the limit %d; the "
                                 "file is damaged", t->path, hn.n, MAX_HW);
        free_names(&hn);
        return st;
    }
    t->hw = nb_xcalloc_array(hn.n ? (size_t)hn.n : 1, sizeof *t->hw);
    for (int i = 0; i < hn.n; i++) {
        t->hw[i].name = hn.names[i];
        hn.names[i] = NULL;
    }
    t->n_hw = hn.n;
    free_names(&hn);
    return NB_OK;
}

/* /archs/ops holds n_decisions bytes per row (NB201: the 6 edge ops; SSS:
 * the 5 width choices); every row must be a valid, distinct architecture of
 * the table's space (t->def). */
static nb_status open_archs(tab_table *t)
{
    if (!link_exists(t->file, "/archs/ops"))
        return nb_fail(NB_EFORMAT, "%s: required dataset '/archs/ops' is missing", t->path);
    if (!link_exists(t->file, "/archs/str"))
        return nb_fail(NB_EFORMAT, "%s: required dataset '/archs/str' is missing", t->path);
    const space_def *sp_def = t->def;
    const size_t nd = (size_t)sp_def->n_decisions;
    nb_status st = NB_OK;
    hid_t d = H5Dopen2(t->file, "/archs/ops", H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    if (sp < 0) return tab_h5_fail(NB_EFORMAT, t->path, "cannot open dataset", "/archs/ops");
    hsize_t dims[2];
    if (H5Sget_simple_extent_ndims(sp) != 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0 ||
        dims[0] != t->n || dims[1] != nd) {
        st = nb_fail(NB_EFORMAT, "%s: dataset '/archs/ops' must have shape (%zu, %zu) in space '%s'",
                     t->path, t->n, nd, sp_def->name);
        goto done;
    }
    /* (n, n_decisions) bytes on disk; space_arch holds SPACE_ARCH_MAX, the rest zero */
    uint8_t *ops = nb_xcalloc_array(t->n, nd);
    t->archs = nb_xcalloc_array(t->n, sizeof *t->archs);
    if (H5Dread(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, ops) < 0) {
        free(ops);
        st = tab_h5_fail(NB_EFORMAT, t->path, "cannot read dataset", "/archs/ops");
        goto done;
    }
    for (size_t i = 0; i < t->n; i++) memcpy(t->archs[i].op, ops + i * nd, nd);
    free(ops);
    t->code2idx = nb_xmalloc(sp_def->size * sizeof *t->code2idx);
    for (size_t c = 0; c < sp_def->size; c++) t->code2idx[c] = -1;
    for (size_t i = 0; i < t->n; i++) {
        for (size_t e = 0; e < nd; e++)
            if (t->archs[i].op[e] >= sp_def->n_choices[e]) {
                st = nb_fail(NB_EFORMAT, "%s: /archs/ops[%zu][%zu] = %d is not a choice of space '%s'",
                             t->path, i, e, t->archs[i].op[e], sp_def->name);
                goto done;
            }
        uint32_t c = sp_def->index(&t->archs[i]);
        if (t->code2idx[c] >= 0) {
            st = nb_fail(NB_EFORMAT, "%s: /archs/ops rows %d and %zu are the same architecture",
                         t->path, t->code2idx[c], i);
            goto done;
        }
        t->code2idx[c] = (int32_t)i;
    }
done:
    H5Sclose(sp);
    H5Dclose(d);
    return st;
}

/* The HDF5 superblock signature sits at offset 0, 512, 1024, 2048, ...
 * (HDF5 file format specification, section II.A); checking it ourselves is
 * cheaper than a second open through H5Fis_hdf5. */
static int has_hdf5_signature(FILE *fp, long long size)
{
    static const unsigned char magic[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (long long off = 0; off + 8 <= size; off = off ? 2 * off : 512) {
        unsigned char b[8];
        if (fseeko(fp, (off_t)off, SEEK_SET) != 0 || fread(b, 1, 8, fp) != 8) return 0;
        if (!memcmp(b, magic, 8)) return 1;
    }
    return 0;
}

nb_status tab_open(const char *path, tab_table **out)
{
    *out = NULL;
    if (!path || !path[0]) return nb_fail(NB_EINVAL, "table: empty path");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return nb_fail(NB_EIO, "%s: cannot open table: %s; hint: build it with `nastab tables "
                               "import nb201 -o FILE`",
                       path, strerror(errno));
    if (!S_ISREG(sb.st_mode)) return nb_fail(NB_EIO, "%s: not a regular file", path);
    FILE *fp = fopen(path, "rb");
    if (!fp) return nb_fail(NB_EIO, "%s: cannot open table: %s", path, strerror(errno));
    int sig = has_hdf5_signature(fp, (long long)sb.st_size);
    fclose(fp);
    if (!sig)
        return nb_fail(NB_EFORMAT, "%s: not an HDF5 file (expected a nastab table); hint: "
                                   "rebuild with `nastab tables import nb201 -o FILE`",
                       path);
    tab_h5_quiet();
    tab_table *t = nb_xcalloc_array(1, sizeof *t);
    t->path = nb_xstrdup(path);
    nb_status st = NB_OK;
    t->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (t->file < 0) {
        st = tab_h5_fail(NB_EFORMAT, path,
                         "HDF5 cannot open it (truncated or corrupt file; hint: rebuild with "
                         "`nastab tables import nb201 -o FILE`)",
                         NULL);
        goto fail;
    }
    char *fmt = NULL;
    int r = tab_h5_attr_str(t->file, "format", &fmt);
    if (r != 1) {
        st = nb_fail(NB_EFORMAT, "%s: not a nastab table (root attribute 'format' %s)", path,
                     r == 0 ? "missing" : "unreadable");
        goto fail;
    }
    if (strcmp(fmt, TAB_FORMAT_NAME) != 0) {
        st = nb_fail(NB_EFORMAT, "%s: format is '%s', expected '%s'", path, fmt, TAB_FORMAT_NAME);
        free(fmt);
        goto fail;
    }
    free(fmt);
    long long *v = NULL;
    size_t nv = 0;
    r = tab_h5_attr_ints(t->file, "schema_version", &v, &nv);
    if (r != 1 || nv != 1) {
        free(v);
        st = nb_fail(NB_EFORMAT, "%s: root attribute 'schema_version' %s", path,
                     r == 0 ? "missing" : "is not an integer");
        goto fail;
    }
    long long ver = v[0];
    free(v);
    if (ver != TAB_SCHEMA_VERSION) {
        st = nb_fail(NB_EVERSION,
                     "%s: found schema_version %lld, expected %d; hint: rebuild with `nastab "
                     "tables import nb201 -o FILE`",
                     path, ver, TAB_SCHEMA_VERSION);
        goto fail;
    }
    if (tab_h5_attr_str(t->file, "space", &t->space) != 1) {
        st = nb_fail(NB_EFORMAT, "%s: root attribute 'space' missing", path);
        goto fail;
    }
    if (!(t->def = space_find(t->space))) {
        char why[256];
        snprintf(why, sizeof why, "%s", nb_errmsg()); /* nb_fail reuses the message buffer */
        st = nb_fail(NB_EFORMAT, "%s: %s", path, why);
        goto fail;
    }
    r = tab_h5_attr_ints(t->file, "n_archs", &v, &nv);
    if (r != 1 || nv != 1 || v[0] < 1 || v[0] > (long long)t->def->size) {
        st = nb_fail(NB_EFORMAT, "%s: root attribute 'n_archs' %s [1, %u] (space '%s')", path,
                     r == 0 ? "missing" : "is not an integer in", t->def->size, t->def->name);
        free(v);
        goto fail;
    }
    t->n = (size_t)v[0];
    free(v);
    hsize_t aidx = 0;
    /* Native order (see list_group): tab_attr looks names up. */
    if (H5Aiterate2(t->file, H5_INDEX_NAME, H5_ITER_NATIVE, &aidx, collect_attr, t) < 0) {
        st = tab_h5_fail(NB_EFORMAT, path, "cannot read the root attributes", NULL);
        goto fail;
    }
    if ((st = open_archs(t)) != NB_OK) goto fail;
    if (!link_exists(t->file, "/datasets")) {
        st = nb_fail(NB_EFORMAT, "%s: required group '/datasets' is missing", path);
        goto fail;
    }
    if ((st = open_datasets(t)) != NB_OK) goto fail;
    if ((st = open_hardware(t)) != NB_OK) goto fail;
    *out = t;
    return NB_OK;
fail:
    tab_close(t);
    return st;
}

static void free_col(tab_col *c)
{
    if (!c) return;
    free(c->path);
    free(c->seeds);
    free(c->curve_epochs);
    free(c->epochs);
    free(c->final_mean);
    free(c->final_seeds);
    free(c->curve_mean);
    free(c->curve_seeds);
    free(c);
}

void tab_close(tab_table *t)
{
    if (!t) return;
    for (int i = 0; i < t->n_ds; i++) {
        tab_ds *d = &t->ds[i];
        free(d->name);
        for (int f = 0; f < MAX_FID; f++)
            for (int m = 0; m < TAB_METRIC_COUNT; m++) free_col(d->col[f][m]);
        for (int c = 0; c < TAB_COST_COUNT; c++) free(d->cost[c]);
    }
    for (int i = 0; i < t->n_hw; i++) {
        tab_hw *h = &t->hw[i];
        free(h->name);
        free(h->device);
        free(h->metric);
        free(h->unit);
        free(h->dataset);
        free(h->source);
        free(h->values);
    }
    free(t->hw);
    for (size_t i = 0; i < t->n_attrs; i++) {
        free(t->attr_name[i]);
        free(t->attr_val[i]);
    }
    free(t->attr_name);
    free(t->attr_val);
    if (t->file > 0) H5Fclose(t->file);
    H5Eclear2(H5E_DEFAULT);
    free(t->archs);
    free(t->code2idx);
    free(t->space);
    free(t->path);
    free(t);
}

/* ---- simple accessors */

const char *tab_path(const tab_table *t) { return t->path; }
const space_def *tab_space(const tab_table *t) { return t->def; }
size_t tab_n_archs(const tab_table *t) { return t->n; }

const char *tab_attr(const tab_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_attrs; i++)
        if (!strcmp(t->attr_name[i], name)) return t->attr_val[i];
    return NULL;
}

const char *tab_checksum(const tab_table *t) { return tab_attr(t, "content_checksum"); }

const space_arch *tab_arch(const tab_table *t, size_t idx)
{
    NB_ASSERT(idx < t->n);
    return &t->archs[idx];
}

long tab_index_of(const tab_table *t, const space_arch *a)
{
    if (!space_arch_valid(t->def, a)) return -1;
    return t->code2idx[t->def->index(a)];
}

long tab_index_of_str(const tab_table *t, const char *arch_str)
{
    space_arch a;
    if (t->def->parse(arch_str, &a) != NB_OK) return -1;
    long i = tab_index_of(t, &a);
    if (i < 0) nb_fail(NB_ENOTFOUND, "%s: arch '%s' not in table", t->path, arch_str);
    return i;
}

int tab_n_datasets(const tab_table *t) { return t->n_ds; }

const char *tab_dataset_name(const tab_table *t, int ds)
{
    return ds >= 0 && ds < t->n_ds ? t->ds[ds].name : NULL;
}

int tab_dataset_id(const tab_table *t, const char *name)
{
    for (int i = 0; name && i < t->n_ds; i++)
        if (!strcmp(t->ds[i].name, name)) return i;
    return -1;
}

int tab_fidelities(const tab_table *t, int ds, int *epochs, int max)
{
    if (ds < 0 || ds >= t->n_ds) return 0;
    const tab_ds *d = &t->ds[ds];
    for (int i = 0; i < d->n_fid && i < max; i++) epochs[i] = d->fid[i];
    return d->n_fid;
}

/* ---- columns */

static nb_status col_not_found(const tab_table *t, int ds, int fidelity, int m)
{
    if (ds < 0 || ds >= t->n_ds)
        return nb_fail(NB_ENOTFOUND, "%s: no dataset id %d (the table has %d)", t->path, ds,
                       t->n_ds);
    if (m < 0 || m >= TAB_METRIC_COUNT)
        return nb_fail(NB_ENOTFOUND, "%s: metric id %d out of range", t->path, m);
    const tab_ds *d = &t->ds[ds];
    for (int f = 0; f < d->n_fid; f++)
        if (d->fid[f] == fidelity)
            return nb_fail(NB_ENOTFOUND, "%s: %s at %d epochs has no metric '%s'", t->path,
                           d->name, fidelity, metric_names[m]);
    return nb_fail(NB_ENOTFOUND, "%s: %s has no %d-epoch fidelity", t->path, d->name, fidelity);
}

static tab_col *col_get(const tab_table *t, int ds, int fidelity, int m)
{
    if ((unsigned)ds >= (unsigned)t->n_ds || (unsigned)m >= TAB_METRIC_COUNT) return NULL;
    const tab_ds *d = &t->ds[ds];
    for (int f = 0; f < d->n_fid; f++)
        if (d->fid[f] == fidelity) return d->col[f][m];
    return NULL;
}

/* Read the seed and epoch axes (attributes only, no data). */
static nb_status col_info_load(tab_table *t, tab_col *c)
{
    if (c->info_loaded) return NB_OK;
    /* Drop what an earlier, failed attempt may have left. */
    free(c->seeds);
    free(c->curve_epochs);
    free(c->epochs);
    c->seeds = c->curve_epochs = c->epochs = NULL;
    c->n_seeds = c->n_curve = c->n_epochs = 0;
    char p[600];
    nb_status st = NB_OK;
    long long *v = NULL;
    size_t n = 0;
    snprintf(p, sizeof p, "%s/final_mean", c->path);
    if (!link_exists(t->file, p))
        return nb_fail(NB_EFORMAT, "%s: required dataset '%s' is missing", t->path, p);
    snprintf(p, sizeof p, "%s/final_seeds", c->path);
    c->has_final_seeds = link_exists(t->file, p);
    snprintf(p, sizeof p, "%s/curve_seeds", c->path);
    c->has_curve_seeds = link_exists(t->file, p);
    snprintf(p, sizeof p, "%s/curve_mean", c->path);
    c->has_curve_mean = link_exists(t->file, p);
    /* seeds from final_seeds (else curve_seeds), epochs from curve_mean (else curve_seeds) */
    const char *seed_src = c->has_final_seeds ? "final_seeds" : c->has_curve_seeds ? "curve_seeds" : NULL;
    const char *ep_src = c->has_curve_mean ? "curve_mean" : c->has_curve_seeds ? "curve_seeds" : NULL;
    for (int axis = 0; axis < 2; axis++) {
        const char *src = axis == 0 ? seed_src : ep_src;
        const char *an = axis == 0 ? "seeds" : "epochs";
        if (!src) continue;
        snprintf(p, sizeof p, "%s/%s", c->path, src);
        /* The axis the attribute describes: seeds are axis 1 of final_seeds
         * and curve_seeds, epochs the last axis of curve_mean/curve_seeds. */
        int want_rank = !strcmp(src, "curve_seeds") ? 3 : 2;
        int dim_axis = axis == 0 ? 1 : want_rank - 1;
        hid_t d = H5Dopen2(t->file, p, H5P_DEFAULT);
        if (d < 0) return tab_h5_fail(NB_EFORMAT, t->path, "cannot open dataset", p);
        hsize_t dims[H5S_MAX_RANK];
        hid_t sp = H5Dget_space(d);
        int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
        if (rank != want_rank || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) rank = -1;
        if (sp >= 0) H5Sclose(sp);
        int r = rank < 0 ? -1 : tab_h5_attr_ints(d, an, &v, &n);
        H5Dclose(d);
        if (rank < 0) {
            H5Eclear2(H5E_DEFAULT);
            return nb_fail(NB_EFORMAT, "%s: column %s is damaged: dataset '%s' is not %d-D",
                           t->path, c->path, p, want_rank);
        }
        if (r != 1) {
            free(v);
            return nb_fail(NB_EFORMAT, "%s: column %s is damaged: dataset '%s' lacks an integer "
                                       "attribute '%s'", t->path, c->path, p, an);
        }
        if (n > (axis == 0 ? (size_t)MAX_SEEDS : (size_t)c->fidelity) || n != dims[dim_axis]) {
            unsigned long long dn = (unsigned long long)dims[dim_axis];
            free(v);
            return nb_fail(NB_EFORMAT, "%s: column %s is damaged: attribute '%s' of '%s' lists "
                                       "%zu %s for an axis of %llu (at most %d)",
                           t->path, c->path, an, p, n, an, dn,
                           axis == 0 ? MAX_SEEDS : c->fidelity);
        }
        int *a = nb_xcalloc_array(n ? n : 1, sizeof *a);
        for (size_t i = 0; i < n; i++) {
            if (v[i] < 0 || v[i] > 1000000000 ||
                (axis == 1 && (v[i] < 1 || v[i] > c->fidelity || (i && v[i] <= v[i - 1])))) {
                long long bad = v[i];
                free(a);
                free(v);
                return nb_fail(NB_EFORMAT, "%s: column %s is damaged: attribute '%s' of '%s' "
                                           "has the bad value %lld at position %zu",
                               t->path, c->path, an, p, bad, i);
            }
            a[i] = (int)v[i];
        }
        free(v);
        v = NULL;
        if (axis == 0) {
            c->seeds = a;
            c->n_seeds = (int)n;
        } else {
            c->curve_epochs = a;
            c->n_curve = (int)n;
        }
    }
    int last_is_fid = c->n_curve > 0 && c->curve_epochs[c->n_curve - 1] == c->fidelity;
    c->n_epochs = c->n_curve + !last_is_fid;
    c->epochs = nb_xcalloc_array((size_t)c->n_epochs, sizeof *c->epochs);
    for (int i = 0; i < c->n_curve; i++) c->epochs[i] = c->curve_epochs[i];
    if (!last_is_fid) c->epochs[c->n_epochs - 1] = c->fidelity;
    c->info_loaded = 1;
    return st;
}

static nb_status col_load_final(tab_table *t, tab_col *c)
{
    if (c->final_mean) return NB_OK;
    char p[600];
    snprintf(p, sizeof p, "%s/final_mean", c->path);
    hsize_t dims[1] = {t->n};
    return read_floats(t, p, 1, dims, &c->final_mean);
}

/* Load everything of a column: final mean, axes, per-seed values, curves. */
static nb_status col_load_all(tab_table *t, tab_col *c)
{
    nb_status st = col_load_final(t, c);
    if (st == NB_OK) st = col_info_load(t, c);
    char p[600];
    if (st == NB_OK && c->has_final_seeds && !c->final_seeds) {
        snprintf(p, sizeof p, "%s/final_seeds", c->path);
        hsize_t d[2] = {t->n, (hsize_t)c->n_seeds};
        st = read_floats(t, p, 2, d, &c->final_seeds);
    }
    if (st == NB_OK && c->has_curve_mean && !c->curve_mean) {
        snprintf(p, sizeof p, "%s/curve_mean", c->path);
        hsize_t d[2] = {t->n, (hsize_t)c->n_curve};
        st = read_floats(t, p, 2, d, &c->curve_mean);
    }
    if (st == NB_OK && c->has_curve_seeds && !c->curve_seeds) {
        snprintf(p, sizeof p, "%s/curve_seeds", c->path);
        hsize_t d[3] = {t->n, (hsize_t)c->n_seeds, (hsize_t)c->n_curve};
        st = read_floats(t, p, 3, d, &c->curve_seeds);
    }
    return st;
}

nb_status tab_column_info_get(tab_table *t, int ds, int fidelity, tab_metric_id m,
                              tab_column_info *info)
{
    tab_col *c = col_get(t, ds, fidelity, (int)m);
    if (!c) return col_not_found(t, ds, fidelity, (int)m);
    nb_status st = col_info_load(t, c);
    if (st != NB_OK) return st;
    info->n_seeds = c->n_seeds;
    info->seeds = c->seeds;
    info->n_epochs = c->n_epochs;
    info->epochs = c->epochs;
    return NB_OK;
}

nb_status tab_preload(tab_table *t, int ds, int fidelity, tab_metric_id m)
{
    tab_col *c = col_get(t, ds, fidelity, (int)m);
    if (!c) return col_not_found(t, ds, fidelity, (int)m);
    return col_load_all(t, c);
}

const float *tab_metric_final(tab_table *t, int ds, int fidelity, tab_metric_id m)
{
    tab_col *c = col_get(t, ds, fidelity, (int)m);
    if (!c) {
        col_not_found(t, ds, fidelity, (int)m);
        return NULL;
    }
    if (col_load_final(t, c) != NB_OK) return NULL;
    return c->final_mean;
}

static nb_status missing(const tab_table *t, const tab_col *c, int seed, int epoch, size_t idx,
                         float *out)
{
    *out = NAN;
    return nb_fail(NB_EMISSING, "%s: %s: no value for arch %zu (seed %d, epoch %d)", t->path,
                   c->path, idx, seed, epoch);
}

/* Everything but the (mean, final) fast path. */
static nb_status metric_slow(tab_table *t, tab_col *c, int seed, int epoch, size_t idx,
                             float *out)
{
    nb_status st = col_load_all(t, c);
    if (st != NB_OK) return st;
    int si = -1, ei = -1;
    if (seed != TAB_SEED_MEAN) {
        for (int i = 0; i < c->n_seeds; i++)
            if (c->seeds[i] == seed) si = i;
        if (si < 0)
            return nb_fail(NB_ENOTFOUND, "%s: %s has no seed %d%s", t->path, c->path, seed,
                           c->n_seeds ? "" : " (only the seed mean is stored)");
    }
    int final = epoch == TAB_EPOCH_LAST || epoch == c->fidelity;
    if (!final) {
        int lo = 0, hi = c->n_curve - 1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (c->curve_epochs[mid] == epoch) {
                ei = mid;
                break;
            }
            if (c->curve_epochs[mid] < epoch) lo = mid + 1;
            else hi = mid - 1;
        }
        if (ei < 0)
            return nb_fail(NB_ENOTFOUND, "%s: %s has no epoch %d%s", t->path, c->path, epoch,
                           c->n_curve ? "" : " (only the final epoch is stored)");
    }
    float v;
    if (final && si < 0) {
        v = c->final_mean[idx];
    } else if (final) {
        if (!c->final_seeds)
            return nb_fail(NB_ENOTFOUND, "%s: %s stores no per-seed final values", t->path,
                           c->path);
        v = c->final_seeds[idx * (size_t)c->n_seeds + (size_t)si];
    } else if (si < 0) {
        if (!c->curve_mean)
            return nb_fail(NB_ENOTFOUND, "%s: %s stores no seed-mean curve", t->path, c->path);
        v = c->curve_mean[idx * (size_t)c->n_curve + (size_t)ei];
    } else {
        if (!c->curve_seeds)
            return nb_fail(NB_ENOTFOUND, "%s: %s stores no per-seed curves", t->path, c->path);
        v = c->curve_seeds[(idx * (size_t)c->n_seeds + (size_t)si) * (size_t)c->n_curve +
                           (size_t)ei];
    }
    if (isnan(v)) return missing(t, c, seed, epoch, idx, out);
    *out = v;
    return NB_OK;
}

nb_status tab_metric(tab_table *t, int ds, int fidelity, tab_metric_id m, int seed, int epoch,
                     size_t idx, float *out)
{
    tab_col *c = col_get(t, ds, fidelity, (int)m);
    if (!c) return col_not_found(t, ds, fidelity, (int)m);
    if (idx >= t->n)
        return nb_fail(NB_EINVAL, "%s: arch index %zu out of range [0, %zu]", t->path, idx,
                       t->n - 1);
    if (seed != TAB_SEED_MEAN || (epoch != TAB_EPOCH_LAST && epoch != fidelity))
        return metric_slow(t, c, seed, epoch, idx, out);
    if (!c->final_mean) {
        nb_status st = col_load_final(t, c);
        if (st != NB_OK) return st;
    }
    float v = c->final_mean[idx];
    if (isnan(v)) return missing(t, c, seed, epoch, idx, out);
    *out = v;
    return NB_OK;
}

nb_status tab_best(tab_table *t, int ds, int fidelity, tab_metric_id m, size_t *idx, float *value)
{
    const float *v = tab_metric_final(t, ds, fidelity, m);
    if (!v) return col_get(t, ds, fidelity, (int)m) ? NB_EFORMAT : NB_ENOTFOUND;
    size_t best = 0;
    int found = 0;
    for (size_t i = 0; i < t->n; i++)
        if (!isnan(v[i]) && (!found || v[i] > v[best])) {
            best = i;
            found = 1;
        }
    if (!found)
        return nb_fail(NB_EMISSING, "%s: %s/%d/%s has no value at all", t->path, t->ds[ds].name,
                       fidelity, metric_names[m]);
    *idx = best;
    *value = v[best];
    return NB_OK;
}

/* ---- costs */

static nb_status cost_load(tab_table *t, int ds, tab_cost_id c, const float **out)
{
    *out = NULL;
    if (ds < 0 || ds >= t->n_ds)
        return nb_fail(NB_ENOTFOUND, "%s: no dataset id %d (the table has %d)", t->path, ds,
                       t->n_ds);
    if ((int)c < 0 || c >= TAB_COST_COUNT)
        return nb_fail(NB_ENOTFOUND, "%s: cost id %d out of range", t->path, (int)c);
    tab_ds *d = &t->ds[ds];
    if (!d->cost[c]) {
        if (!d->cost_present[c])
            return nb_fail(NB_ENOTFOUND, "%s: %s has no cost '%s'", t->path, d->name,
                           cost_names[c]);
        char p[512];
        snprintf(p, sizeof p, "/costs/%s/%s", d->name, cost_names[c]);
        hsize_t dims[1] = {t->n};
        nb_status st = read_floats(t, p, 1, dims, &d->cost[c]);
        if (st != NB_OK) return st;
    }
    *out = d->cost[c];
    return NB_OK;
}

const float *tab_cost_column(tab_table *t, int ds, tab_cost_id c)
{
    const float *v;
    return cost_load(t, ds, c, &v) == NB_OK ? v : NULL;
}

nb_status tab_cost(tab_table *t, int ds, tab_cost_id c, size_t idx, float *out)
{
    const float *v;
    nb_status st = cost_load(t, ds, c, &v);
    if (st != NB_OK) return st;
    if (idx >= t->n)
        return nb_fail(NB_EINVAL, "%s: arch index %zu out of range [0, %zu]", t->path, idx,
                       t->n - 1);
    if (isnan(v[idx])) {
        *out = NAN;
        return nb_fail(NB_EMISSING, "%s: %s: no %s for arch %zu", t->path, t->ds[ds].name,
                       cost_names[c], idx);
    }
    *out = v[idx];
    return NB_OK;
}

/* ---- hardware */

int tab_n_devices(const tab_table *t) { return t->n_hw; }

static char *str_or_empty(hid_t o, const char *name)
{
    char *s = NULL;
    if (tab_h5_attr_str(o, name, &s) != 1) s = nb_xstrdup("");
    return s;
}

nb_status tab_device(tab_table *t, int i, tab_device_info *info)
{
    if (i < 0 || i >= t->n_hw)
        return nb_fail(NB_ENOTFOUND, "%s: no hardware column %d (the table has %d)", t->path, i,
                       t->n_hw);
    tab_hw *h = &t->hw[i];
    if (!h->loaded) {
        char p[512];
        snprintf(p, sizeof p, "/hardware/%s", h->name);
        hid_t d = H5Dopen2(t->file, p, H5P_DEFAULT);
        if (d < 0) return tab_h5_fail(NB_EFORMAT, t->path, "cannot open dataset", p);
        h->device = str_or_empty(d, "device");
        h->metric = str_or_empty(d, "metric");
        h->unit = str_or_empty(d, "unit");
        h->dataset = str_or_empty(d, "dataset");
        h->source = str_or_empty(d, "source");
        long long *v = NULL;
        size_t n = 0;
        h->info.batch = tab_h5_attr_ints(d, "batch", &v, &n) == 1 && n == 1 ? (int)v[0] : 0;
        free(v);
        v = NULL;
        h->info.n_missing =
            tab_h5_attr_ints(d, "n_missing", &v, &n) == 1 && n == 1 && v[0] >= 0 ? (size_t)v[0] : 0;
        free(v);
        H5Dclose(d);
        h->info.name = h->name;
        h->info.device = h->device;
        h->info.metric = h->metric;
        h->info.unit = h->unit;
        h->info.dataset = h->dataset;
        h->info.source = h->source;
        h->loaded = 1;
    }
    *info = h->info;
    return NB_OK;
}

const float *tab_device_values(tab_table *t, int i)
{
    if (i < 0 || i >= t->n_hw) {
        nb_fail(NB_ENOTFOUND, "%s: no hardware column %d (the table has %d)", t->path, i, t->n_hw);
        return NULL;
    }
    tab_hw *h = &t->hw[i];
    if (h->values) return h->values;
    char p[512];
    snprintf(p, sizeof p, "/hardware/%s", h->name);
    hsize_t dims[1] = {t->n};
    if (read_floats(t, p, 1, dims, &h->values) != NB_OK) return NULL;
    return h->values;
}

/* ---- verification */

nb_status tab_verify(tab_table *t)
{
    const char *stored = tab_checksum(t);
    if (!stored)
        return nb_fail(NB_EFORMAT, "%s: root attribute 'content_checksum' is missing", t->path);
    char hex[17];
    nb_status st = tab_h5_checksum(t->file, t->path, hex);
    if (st != NB_OK) return st;
    if (strcmp(hex, stored) != 0)
        return nb_fail(NB_EFORMAT,
                       "%s: content checksum mismatch: stored %s, computed %s; hint: the file "
                       "is corrupt or was modified, rebuild with `nastab tables import nb201 -o "
                       "FILE`",
                       t->path, stored, hex);
    return NB_OK;
}
