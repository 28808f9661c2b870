/* results/results.c - the results object and its HDF5 file (format
 * "nastab-results", layout in results/RESULTS.md).
 *
 * Writing goes to "<path>.tmp.<pid>" and is renamed over <path> only after
 * the file is complete and synced, so a crash or a failure never leaves a
 * half-written file at <path> and never clobbers the previous one.
 * Reading checks the format name and version first, then every object the
 * format requires, with shapes against the group's runs/grid attributes, and
 * names what is missing or wrong. (About 740 lines: the object, its writer
 * and its validating reader share the private struct and the attribute
 * list, and the reader's checks are most of it.) */
#include "results/res.h"
#include "tables/tab_h5.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

/* String metadata, in the order they are written as root attributes. */
enum { A_PROTOCOL, A_VERSION, A_GIT_SHA, A_CREATED, A_COMMAND, A_SEED, A_TABLE_PATH,
       A_TABLE_CHECKSUM, A_COUNT };
static const char *const attr_names[A_COUNT] = {"protocol", "nastab_version", "git_sha",
                                                "created", "command", "seed",
                                                "table_path", "table_checksum"};

struct res_results {
    char *attr[A_COUNT]; /* owned strings; attr[A_SEED] is the decimal seed */
    uint64_t seed;
    res_series *series; /* (n) owned, in insertion order */
    size_t n, cap;
};

/* ---- the object ---- */

static void set_attr(res_results *r, int a, const char *v)
{
    free(r->attr[a]);
    r->attr[a] = nb_xstrdup(v ? v : "");
}

static void set_seed(res_results *r, uint64_t seed)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%llu", (unsigned long long)seed);
    r->seed = seed;
    set_attr(r, A_SEED, buf);
}

res_results *res_results_create(const res_meta *meta)
{
    res_results *r = nb_xcalloc_array(1, sizeof *r);
    char created[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm)) strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    set_attr(r, A_PROTOCOL, meta && meta->protocol ? meta->protocol : RES_PROTOCOL);
    set_attr(r, A_VERSION, nb_version());
    set_attr(r, A_GIT_SHA, nb_git_sha());
    set_attr(r, A_CREATED, created);
    set_attr(r, A_COMMAND, meta ? meta->command : NULL);
    set_attr(r, A_TABLE_PATH, meta ? meta->table_path : NULL);
    set_attr(r, A_TABLE_CHECKSUM, meta ? meta->table_checksum : NULL);
    set_seed(r, meta ? meta->seed : 0);
    return r;
}

/* A name usable as one HDF5 link name and one file-name component. */
static int name_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == 0 || n == cap) return 0;
    if (!strcmp(s, ".") || !strcmp(s, "..")) return 0;
    return strchr(s, '/') == NULL;
}

void res_results_add(res_results *r, res_series *s)
{
    NB_ASSERT(r && s && s->n_objectives == 1);
    NB_ASSERT(name_ok(s->dataset, sizeof s->dataset));
    NB_ASSERT(name_ok(s->strategy, sizeof s->strategy));
    NB_ASSERT(s->runs >= 1 && s->grid >= 1);
    NB_ASSERT(s->time && s->valid && s->test && s->final_valid && s->final_test &&
              s->final_arch && s->n_evals);
    NB_ASSERT(!res_results_find(r, s->dataset, s->strategy)); /* one series per pair */
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 8;
        r->series = nb_xrealloc_array(r->series, cap, sizeof *r->series);
        r->cap = cap;
    }
    r->series[r->n++] = *s;
    memset(s, 0, sizeof *s); /* the arrays now belong to r */
}

size_t res_results_count(const res_results *r) { return r ? r->n : 0; }

const res_series *res_results_get(const res_results *r, size_t i)
{
    NB_ASSERT(r && i < r->n);
    return &r->series[i];
}

const res_series *res_results_find(const res_results *r, const char *dataset,
                                   const char *strategy)
{
    for (size_t i = 0; r && i < r->n; i++)
        if (!strcmp(r->series[i].dataset, dataset) && !strcmp(r->series[i].strategy, strategy))
            return &r->series[i];
    return NULL;
}

const char *res_results_attr(const res_results *r, const char *name)
{
    if (!r || !name) return NULL;
    if (!strcmp(name, "format")) return RES_FORMAT_NAME;
    if (!strcmp(name, "format_version")) return "2"; /* what res_results_write writes */
    for (int a = 0; a < A_COUNT; a++)
        if (!strcmp(name, attr_names[a])) return r->attr[a];
    return NULL;
}

void res_results_free(res_results *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) res_series_free(&r->series[i]);
    free(r->series);
    for (int a = 0; a < A_COUNT; a++) free(r->attr[a]);
    free(r);
}

/* NB201 order first (the order of the paper's tables), then the others in
 * first-seen order. */
static const char *const nb201_order[] = {"cifar10-valid", "cifar10", "cifar100",
                                          "ImageNet16-120"};

size_t res_results_datasets(const res_results *r, const char **names, size_t cap)
{
    size_t k = 0;
    const size_t n_known = sizeof nb201_order / sizeof nb201_order[0];
    for (size_t j = 0; j < n_known; j++) {
        for (size_t i = 0; r && i < r->n; i++) {
            if (strcmp(r->series[i].dataset, nb201_order[j])) continue;
            if (k < cap) names[k] = r->series[i].dataset;
            k++;
            break;
        }
    }
    for (size_t i = 0; r && i < r->n; i++) {
        const char *d = r->series[i].dataset;
        int seen = 0;
        for (size_t j = 0; j < n_known && !seen; j++) seen = !strcmp(d, nb201_order[j]);
        for (size_t p = 0; p < i && !seen; p++) seen = !strcmp(d, r->series[p].dataset);
        if (seen) continue;
        if (k < cap) names[k] = d;
        k++;
    }
    return k;
}

size_t res_results_strategies(const res_results *r, const char **names, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; r && i < r->n; i++) {
        const char *s = r->series[i].strategy;
        int seen = 0;
        for (size_t p = 0; p < i && !seen; p++) seen = !strcmp(s, r->series[p].strategy);
        if (seen) continue;
        if (k < cap) names[k] = s;
        k++;
    }
    return k;
}

/* ---- HDF5 helpers. Each returns a status whose message names the file and
 * the object. HDF5's own error stack printing is turned off around every
 * public call (saved and restored, so other modules' settings survive). */

/* Write a rank-1 or rank-2 dataset; arrays of 4096+ elements are chunked
 * (about 64 Ki elements a chunk, whole rows) and compressed with shuffle +
 * deflate level 4 when the filter is available. */
static nb_status w_dset(hid_t loc, const char *obj, const char *name, hid_t file_type,
                        hid_t mem_type, int rank, size_t rows, size_t cols, const void *data,
                        const char *path)
{
    nb_status st = NB_OK;
    hsize_t dims[2] = {rows, cols};
    hid_t space = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE),
          dset = -1;
    if (space < 0 || dcpl < 0) goto bad;
    size_t total = rank == 2 ? rows * cols : rows;
    if (total >= 4096) {
        hsize_t chunk[2];
        if (rank == 1) {
            chunk[0] = rows < 65536 ? rows : 65536;
        } else {
            size_t c = cols < 65536 ? cols : 65536;
            size_t r = 65536 / c;
            chunk[0] = r < 1 ? 1 : r > rows ? rows : r;
            chunk[1] = c;
        }
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) goto bad;
        if (H5Zfilter_avail(H5Z_FILTER_SHUFFLE) > 0 && H5Pset_shuffle(dcpl) < 0) goto bad;
        if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 && H5Pset_deflate(dcpl, 4) < 0) goto bad;
    }
    dset = H5Dcreate2(loc, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0) goto bad;
    if (H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) goto bad;
    goto done;
bad:
    st = nb_fail(NB_EIO, "%s: cannot write dataset %s/%s", path, obj, name);
done:
    tab_h5_close(dset, H5Dclose);
    tab_h5_close(dcpl, H5Pclose);
    tab_h5_close(space, H5Sclose);
    return st;
}

static hid_t make_group(hid_t loc, const char *name)
{
    htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
    if (e > 0) return H5Gopen2(loc, name, H5P_DEFAULT);
    return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

/* Format version 2 (both results formats): every string attribute is a
 * fixed-length one (tab_h5_set_str, which also replaces the variable-length
 * "format" tab_h5_write_atomic wrote): a variable-length string lives in the
 * global heap, which HDF5 1.10 reads without bounds checks (one flipped bit
 * crashed H5HG_read), and the metadata written from here on is in the 1.10
 * format, whose object headers carry checksums (a damaged one is an error,
 * not a crash). Readers accept versions 1 and 2. */
static nb_status begin_file(hid_t f, const char *format_name, const char *path)
{
    if (H5Fset_libver_bounds(f, H5F_LIBVER_V110, H5F_LIBVER_V110) < 0)
        return nb_fail(NB_EIO, "%s: cannot set the HDF5 format bounds", path);
    return tab_h5_set_str(f, path, "format", format_name);
}

/* A scalar fixed-length UTF-8 string attribute; NULL writes "". */
static nb_status put_str(hid_t loc, const char *name, const char *v, const char *path)
{
    return tab_h5_set_str(loc, path, name, v ? v : "");
}

static nb_status write_series(hid_t series_grp, const res_series *s, uint32_t index,
                              const char *path)
{
    nb_status st = NB_OK;
    char obj[96];
    snprintf(obj, sizeof obj, "/series/%s/%s", s->dataset, s->strategy);
    hid_t dg = make_group(series_grp, s->dataset), g = -1;
    if (dg < 0) {
        st = nb_fail(NB_EIO, "%s: cannot create group /series/%s", path, s->dataset);
        goto done;
    }
    if ((g = H5Gcreate2(dg, s->strategy, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0) {
        st = nb_fail(NB_EIO, "%s: cannot create group %s", path, obj);
        goto done;
    }
    uint64_t runs = s->runs, grid = s->grid;
    int32_t workers = s->workers;
    if ((st = put_str(g, "dataset", s->dataset, path)) ||
        (st = put_str(g, "strategy", s->strategy, path)) ||
        (st = tab_h5_put_num(g, obj, "index", H5T_STD_U32LE, H5T_NATIVE_UINT32, &index, path)) ||
        (st = tab_h5_put_num(g, obj, "runs", H5T_STD_U64LE, H5T_NATIVE_UINT64, &runs, path)) ||
        (st = tab_h5_put_num(g, obj, "grid", H5T_STD_U64LE, H5T_NATIVE_UINT64, &grid, path)) ||
        (st = tab_h5_put_num(g, obj, "budget", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &s->budget, path)) ||
        (st = tab_h5_put_num(g, obj, "workers", H5T_STD_I32LE, H5T_NATIVE_INT32, &workers, path)) ||
        (st = tab_h5_put_num(g, obj, "optimum_valid", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                         &s->optimum_valid, path)) ||
        (st = tab_h5_put_num(g, obj, "optimum_test", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                         &s->optimum_test, path)) ||
        (st = put_str(g, "budget_unit", res_budget_unit(s), path))) /* RESULTS.md "Budget unit" */
        goto done;
    uint64_t restricted = s->restricted_cells;
    if (restricted &&
        (st = tab_h5_put_num(g, obj, "restricted_cells", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                             &restricted, path)))
        goto done;
    int32_t xproto = s->external_protocol; /* an external strategy (strat_exec_run) */
    if (s->external[0] &&
        ((st = tab_h5_put_str(g, obj, "external_command", s->external, path)) ||
         (st = tab_h5_put_num(g, obj, "external_protocol", H5T_STD_I32LE, H5T_NATIVE_INT32,
                              &xproto, path))))
        goto done;
    if ((st = w_dset(g, obj, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, s->grid, 0, s->time,
                     path)) ||
        (st = w_dset(g, obj, "valid", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, s->runs, s->grid,
                     s->valid, path)) ||
        (st = w_dset(g, obj, "test", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, s->runs, s->grid,
                     s->test, path)) ||
        (st = w_dset(g, obj, "final_valid", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, s->runs, 0,
                     s->final_valid, path)) ||
        (st = w_dset(g, obj, "final_test", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, s->runs, 0,
                     s->final_test, path)) ||
        (st = w_dset(g, obj, "final_arch", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, s->runs, 0,
                     s->final_arch, path)) ||
        (st = w_dset(g, obj, "n_evals", H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, s->runs, 0,
                     s->n_evals, path)))
        goto done;
done:
    tab_h5_close(g, H5Gclose);
    tab_h5_close(dg, H5Gclose);
    return st;
}

/* the root attributes and /series of an open file */
static nb_status fill_h5(const void *ctx, hid_t f, const char *path)
{
    const res_results *r = ctx;
    nb_status st0 = begin_file(f, RES_FORMAT_NAME, path);
    if (st0 != NB_OK) return st0;
    nb_status st = NB_OK;
    hid_t sg = -1;
    for (int a = 0; a < A_COUNT; a++) {
        if (a == A_SEED)
            st = tab_h5_put_num(f, "/", "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &r->seed, path);
        else
            st = put_str(f, attr_names[a], r->attr[a], path);
        if (st) return st;
    }
    if ((sg = H5Gcreate2(f, "series", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        return nb_fail(NB_EIO, "%s: cannot create group /series", path);
    for (size_t i = 0; i < r->n && st == NB_OK; i++)
        st = write_series(sg, &r->series[i], (uint32_t)i, path);
    H5Gclose(sg);
    return st;
}

nb_status res_results_write(const res_results *r, const char *path)
{
    NB_ASSERT(r && path);
    return tab_h5_write_atomic(path, RES_FORMAT_NAME, RES_FORMAT_VERSION, fill_h5, r);
}

/* ---- reading ---- */

typedef struct {
    const char *path;
    hid_t file;
} rctx;

static nb_status r_attr_str(const rctx *c, hid_t loc, const char *obj, const char *name,
                            char **out)
{
    nb_status st = NB_OK;
    hid_t attr = -1, ftype = -1, mtype = -1, space = -1;
    *out = NULL;
    htri_t e = H5Aexists(loc, name);
    if (e <= 0) return nb_fail(NB_EFORMAT, "%s: attribute %s of %s is missing", c->path, name, obj);
    if ((attr = H5Aopen(loc, name, H5P_DEFAULT)) < 0 || (ftype = H5Aget_type(attr)) < 0 ||
        (space = H5Aget_space(attr)) < 0)
        goto bad;
    if (H5Tget_class(ftype) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1) {
        st = nb_fail(NB_EFORMAT, "%s: attribute %s of %s is not a string", c->path, name, obj);
        goto done;
    }
    /* HDF5 does not convert between character sets: read in the file's. */
    if ((mtype = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0) goto bad;
    if (H5Tis_variable_str(ftype) > 0) {
        char *v = NULL;
        if (H5Tset_size(mtype, H5T_VARIABLE) < 0 || H5Aread(attr, mtype, &v) < 0) goto bad;
        *out = nb_xstrdup(v ? v : "");
        if (v) H5free_memory(v);
    } else {
        size_t sz = H5Tget_size(ftype);
        char *v = nb_xcalloc_array(sz + 1, 1);
        if (H5Tset_size(mtype, sz + 1) < 0 || H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0 ||
            H5Aread(attr, mtype, v) < 0) {
            free(v);
            goto bad;
        }
        *out = v;
    }
    goto done;
bad:
    st = nb_fail(NB_EFORMAT, "%s: cannot read attribute %s of %s (corrupt file?)", c->path, name,
                 obj);
done:
    tab_h5_close(mtype, H5Tclose);
    tab_h5_close(space, H5Sclose);
    tab_h5_close(ftype, H5Tclose);
    tab_h5_close(attr, H5Aclose);
    return st;
}

/* A scalar numeric attribute of class cls (H5T_INTEGER / H5T_FLOAT), read
 * converted to mem_type. */
static nb_status r_attr_num(const rctx *c, hid_t loc, const char *obj, const char *name,
                            H5T_class_t cls, hid_t mem_type, void *out)
{
    nb_status st = NB_OK;
    hid_t attr = -1, ftype = -1, space = -1;
    htri_t e = H5Aexists(loc, name);
    if (e <= 0) return nb_fail(NB_EFORMAT, "%s: attribute %s of %s is missing", c->path, name, obj);
    if ((attr = H5Aopen(loc, name, H5P_DEFAULT)) < 0 || (ftype = H5Aget_type(attr)) < 0 ||
        (space = H5Aget_space(attr)) < 0)
        goto bad;
    if (H5Tget_class(ftype) != cls || H5Sget_simple_extent_npoints(space) != 1) {
        st = nb_fail(NB_EFORMAT, "%s: attribute %s of %s is not a scalar %s", c->path, name, obj,
                     cls == H5T_INTEGER ? "integer" : "float");
        goto done;
    }
    if (H5Aread(attr, mem_type, out) < 0) goto bad;
    goto done;
bad:
    st = nb_fail(NB_EFORMAT, "%s: cannot read attribute %s of %s (corrupt file?)", c->path, name,
                 obj);
done:
    tab_h5_close(space, H5Sclose);
    tab_h5_close(ftype, H5Tclose);
    tab_h5_close(attr, H5Aclose);
    return st;
}

/* Read dataset obj/name of class cls with exactly the given shape into a new
 * array of n elements of elem bytes each. */
static nb_status r_dset(const rctx *c, hid_t loc, const char *obj, const char *name,
                        H5T_class_t cls, hid_t mem_type, size_t elem, int rank, size_t rows,
                        size_t cols, void **out)
{
    nb_status st = NB_OK;
    hid_t dset = -1, ftype = -1, space = -1;
    *out = NULL;
    htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
    if (e <= 0) return nb_fail(NB_EFORMAT, "%s: dataset %s/%s is missing", c->path, obj, name);
    if ((dset = H5Dopen2(loc, name, H5P_DEFAULT)) < 0 || (ftype = H5Dget_type(dset)) < 0 ||
        (space = H5Dget_space(dset)) < 0) {
        st = nb_fail(NB_EFORMAT, "%s: %s/%s is not a readable dataset", c->path, obj, name);
        goto done;
    }
    hsize_t dims[2] = {0, 0};
    int got_rank = H5Sget_simple_extent_ndims(space);
    if (got_rank != rank || H5Sget_simple_extent_dims(space, dims, NULL) < 0 ||
        dims[0] != rows || (rank == 2 && dims[1] != cols)) {
        char want[64], got[64];
        if (rank == 1) snprintf(want, sizeof want, "(%zu)", rows);
        else snprintf(want, sizeof want, "(%zu, %zu)", rows, cols);
        if (got_rank == 1) snprintf(got, sizeof got, "(%llu)", (unsigned long long)dims[0]);
        else if (got_rank == 2)
            snprintf(got, sizeof got, "(%llu, %llu)", (unsigned long long)dims[0],
                     (unsigned long long)dims[1]);
        else snprintf(got, sizeof got, "rank %d", got_rank);
        st = nb_fail(NB_EFORMAT, "%s: dataset %s/%s has shape %s, expected %s (runs, grid)",
                     c->path, obj, name, got, want);
        goto done;
    }
    if (H5Tget_class(ftype) != cls) {
        st = nb_fail(NB_EFORMAT, "%s: dataset %s/%s is not of %s type", c->path, obj, name,
                     cls == H5T_INTEGER ? "integer" : "floating-point");
        goto done;
    }
    size_t n = rank == 2 ? rows * cols : rows;
    if ((st = res_check_stored(c->path, obj, name, n, elem, H5Dget_storage_size(dset))))
        goto done;
    void *buf = nb_xcalloc_array(n, elem);
    if (H5Dread(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        free(buf);
        st = nb_fail(NB_EFORMAT, "%s: cannot read dataset %s/%s (truncated or corrupt file?)",
                     c->path, obj, name);
        goto done;
    }
    *out = buf;
done:
    tab_h5_close(space, H5Sclose);
    tab_h5_close(ftype, H5Tclose);
    tab_h5_close(dset, H5Dclose);
    return st;
}

static nb_status read_series(const rctx *c, hid_t dg, const char *dataset, const char *strategy,
                             res_series *s, uint32_t *index)
{
    nb_status st = NB_OK;
    char obj[600];
    snprintf(obj, sizeof obj, "/series/%s/%s", dataset, strategy);
    memset(s, 0, sizeof *s);
    if (strlen(dataset) >= sizeof s->dataset || strlen(strategy) >= sizeof s->strategy)
        return nb_fail(NB_EFORMAT, "%s: group %s: names are limited to %zu characters", c->path,
                       obj, sizeof s->dataset - 1);
    strcpy(s->dataset, dataset);
    strcpy(s->strategy, strategy);
    s->n_objectives = 1;
    hid_t g = H5Gopen2(dg, strategy, H5P_DEFAULT);
    if (g < 0) return nb_fail(NB_EFORMAT, "%s: %s is not a group", c->path, obj);
    uint64_t runs = 0, grid = 0;
    int32_t workers = 0;
    if ((st = r_attr_num(c, g, obj, "index", H5T_INTEGER, H5T_NATIVE_UINT32, index)) ||
        (st = r_attr_num(c, g, obj, "runs", H5T_INTEGER, H5T_NATIVE_UINT64, &runs)) ||
        (st = r_attr_num(c, g, obj, "grid", H5T_INTEGER, H5T_NATIVE_UINT64, &grid)) ||
        (st = r_attr_num(c, g, obj, "budget", H5T_FLOAT, H5T_NATIVE_DOUBLE, &s->budget)) ||
        (st = r_attr_num(c, g, obj, "workers", H5T_INTEGER, H5T_NATIVE_INT32, &workers)) ||
        (st = r_attr_num(c, g, obj, "optimum_valid", H5T_FLOAT, H5T_NATIVE_FLOAT,
                         &s->optimum_valid)) ||
        (st = r_attr_num(c, g, obj, "optimum_test", H5T_FLOAT, H5T_NATIVE_FLOAT,
                         &s->optimum_test)))
        goto done;
    uint64_t restricted = 0; /* optional: absent = the whole table */
    if ((st = res_check_dims(c->path, obj, runs, grid, 0, 0)) ||
        (H5Aexists(g, "restricted_cells") > 0 &&
         (st = r_attr_num(c, g, obj, "restricted_cells", H5T_INTEGER, H5T_NATIVE_UINT64,
                          &restricted))))
        goto done;
    if (restricted > RES_MAX_CELLS) {
        st = nb_fail(NB_EFORMAT, "%s: %s: restricted_cells %llu out of range; damaged file?",
                     c->path, obj, (unsigned long long)restricted);
        goto done;
    }
    s->restricted_cells = (size_t)restricted;
    if (H5Aexists(g, "external_command") > 0) { /* optional: absent = built-in or plugin */
        char *xc = NULL;
        if ((st = r_attr_str(c, g, obj, "external_command", &xc)) ||
            (st = r_attr_num(c, g, obj, "external_protocol", H5T_INTEGER, H5T_NATIVE_INT32,
                             &s->external_protocol)))
            goto done;
        snprintf(s->external, sizeof s->external, "%s", xc);
        free(xc);
    }
    if (H5Aexists(g, "budget_unit") > 0) { /* optional: absent in files of before units */
        char *u = NULL;
        if ((st = r_attr_str(c, g, obj, "budget_unit", &u))) goto done;
        int known = res_unit_known(u);
        if (known) snprintf(s->budget_unit, sizeof s->budget_unit, "%s", u);
        else
            st = nb_fail(NB_EFORMAT, "%s: %s: budget_unit '%.40s' is not a known unit (%s, %s); "
                         "hint: read it with the nastab version that wrote it", c->path, obj, u,
                         RES_UNIT_SIMULATED, RES_UNIT_EPOCHS);
        free(u);
        if (st) goto done;
    } else {
        snprintf(s->budget_unit, sizeof s->budget_unit, "%s", RES_UNIT_SIMULATED);
        s->budget_unit_assumed = 1;
    }
    s->runs = (size_t)runs;
    s->grid = (size_t)grid;
    s->workers = workers;
    void *p;
#define RD(field, name, cls, mt, rank, rows, cols)                                           \
    do {                                                                                     \
        if ((st = r_dset(c, g, obj, name, cls, mt, sizeof *s->field, rank, rows, cols, &p))) \
            goto done;                                                                       \
        s->field = p;                                                                        \
    } while (0)
    RD(time, "time", H5T_FLOAT, H5T_NATIVE_DOUBLE, 1, s->grid, 0);
    RD(valid, "valid", H5T_FLOAT, H5T_NATIVE_FLOAT, 2, s->runs, s->grid);
    RD(test, "test", H5T_FLOAT, H5T_NATIVE_FLOAT, 2, s->runs, s->grid);
    RD(final_valid, "final_valid", H5T_FLOAT, H5T_NATIVE_FLOAT, 1, s->runs, 0);
    RD(final_test, "final_test", H5T_FLOAT, H5T_NATIVE_FLOAT, 1, s->runs, 0);
    RD(final_arch, "final_arch", H5T_INTEGER, H5T_NATIVE_INT32, 1, s->runs, 0);
    RD(n_evals, "n_evals", H5T_INTEGER, H5T_NATIVE_UINT32, 1, s->runs, 0);
#undef RD
    st = res_series_check(s, c->path, obj);
done:
    if (st) res_series_free(s);
    H5Gclose(g);
    return st;
}

/* Names of the links in group g (name order); caller frees each and the array. */
static nb_status list_links(const rctx *c, hid_t g, const char *obj, char ***names, size_t *n)
{
    H5G_info_t info;
    *names = NULL;
    *n = 0;
    if (H5Gget_info(g, &info) < 0)
        return nb_fail(NB_EFORMAT, "%s: cannot list group %s (corrupt file?)", c->path, obj);
    char **v = nb_xcalloc_array(info.nlinks ? info.nlinks : 1, sizeof *v);
    for (hsize_t i = 0; i < info.nlinks; i++) {
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0,
                                         H5P_DEFAULT);
        if (len < 0) {
            for (hsize_t j = 0; j < i; j++) free(v[j]);
            free(v);
            return nb_fail(NB_EFORMAT, "%s: cannot list group %s (corrupt file?)", c->path, obj);
        }
        v[i] = nb_xcalloc_array((size_t)len + 1, 1);
        H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, v[i], (size_t)len + 1,
                           H5P_DEFAULT);
    }
    *names = v;
    *n = info.nlinks;
    return NB_OK;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

typedef struct {
    res_series s;
    uint32_t index;
} indexed_series;

static int cmp_index(const void *a, const void *b)
{
    const indexed_series *x = a, *y = b;
    if (x->index != y->index) return x->index < y->index ? -1 : 1;
    int d = strcmp(x->s.dataset, y->s.dataset);
    return d ? d : strcmp(x->s.strategy, y->s.strategy);
}

static nb_status read_root(const rctx *c, res_results *r)
{
    nb_status st;
    char *fmt = NULL;
    hid_t root = c->file;
    if (H5Aexists(root, "format") <= 0)
        return nb_fail(NB_EFORMAT,
                       "%s: not a nastab results file (root attribute 'format' missing; "
                       "expected format \"%s\")",
                       c->path, RES_FORMAT_NAME);
    if ((st = r_attr_str(c, root, "/", "format", &fmt))) return st;
    if (strcmp(fmt, RES_FORMAT_NAME)) {
        st = nb_fail(NB_EFORMAT, "%s: format is \"%s\", expected \"%s\"", c->path, fmt,
                     RES_FORMAT_NAME);
        free(fmt);
        return st;
    }
    free(fmt);
    int64_t version = 0;
    if ((st = r_attr_num(c, root, "/", "format_version", H5T_INTEGER, H5T_NATIVE_INT64,
                         &version)))
        return st;
    if (version < 1 || version > RES_FORMAT_VERSION) { /* 1: variable-length strings */
        char *by = NULL;
        if (r_attr_str(c, root, "/", "nastab_version", &by) != NB_OK) by = NULL;
        st = nb_fail(NB_EVERSION,
                     "%s: results format_version %lld (written by nastab %s), expected 1..%d; "
                     "hint: read it with the nastab version that wrote it, or re-create it "
                     "with `nastab run` of nastab %s",
                     c->path, (long long)version, by ? by : "?", RES_FORMAT_VERSION,
                     nb_version());
        free(by);
        return st;
    }
    for (int a = 0; a < A_COUNT; a++) {
        if (a == A_SEED) {
            uint64_t seed;
            if ((st = r_attr_num(c, root, "/", "seed", H5T_INTEGER, H5T_NATIVE_UINT64, &seed)))
                return st;
            set_seed(r, seed);
        } else {
            char *v;
            if ((st = r_attr_str(c, root, "/", attr_names[a], &v))) return st;
            free(r->attr[a]);
            r->attr[a] = v;
        }
    }
    return NB_OK;
}

static nb_status read_all(const rctx *c, res_results *r)
{
    nb_status st = read_root(c, r);
    if (st) return st;
    if (H5Lexists(c->file, "series", H5P_DEFAULT) <= 0)
        return nb_fail(NB_EFORMAT, "%s: group /series is missing", c->path);
    hid_t sg = H5Gopen2(c->file, "series", H5P_DEFAULT);
    if (sg < 0) return nb_fail(NB_EFORMAT, "%s: /series is not a group", c->path);
    char **dsn = NULL, **stn = NULL;
    size_t n_ds = 0, n_st = 0, n = 0, cap = 0;
    indexed_series *all = NULL;
    hid_t dg = -1;
    if ((st = list_links(c, sg, "/series", &dsn, &n_ds))) goto done;
    for (size_t d = 0; d < n_ds; d++) {
        char obj[512];
        snprintf(obj, sizeof obj, "/series/%s", dsn[d]);
        if ((dg = H5Gopen2(sg, dsn[d], H5P_DEFAULT)) < 0) {
            st = nb_fail(NB_EFORMAT, "%s: %s is not a group", c->path, obj);
            goto done;
        }
        if ((st = list_links(c, dg, obj, &stn, &n_st))) goto done;
        for (size_t k = 0; k < n_st; k++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                all = nb_xrealloc_array(all, cap, sizeof *all);
            }
            if ((st = read_series(c, dg, dsn[d], stn[k], &all[n].s, &all[n].index))) goto done;
            n++;
        }
        free_names(stn, n_st);
        stn = NULL;
        n_st = 0;
        H5Gclose(dg);
        dg = -1;
    }
    /* Insertion order (the "index" attribute) keeps strategies first-seen. */
    if (n) qsort(all, n, sizeof *all, cmp_index);
    for (size_t i = 0; i < n; i++) {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 8;
            r->series = nb_xrealloc_array(r->series, r->cap, sizeof *r->series);
        }
        r->series[r->n++] = all[i].s;
    }
    n = 0;
done:
    for (size_t i = 0; i < n; i++) res_series_free(&all[i].s);
    free(all);
    free_names(stn, n_st);
    free_names(dsn, n_ds);
    tab_h5_close(dg, H5Gclose);
    H5Gclose(sg);
    return st;
}

nb_status res_results_read(const char *path, res_results **out)
{
    NB_ASSERT(path && out);
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return nb_fail(NB_EIO, "%s: cannot open results file: %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return nb_fail(NB_EIO, "%s: is a directory, not a results file", path);
    if (access(path, R_OK) != 0)
        return nb_fail(NB_EIO, "%s: cannot read results file: %s", path, strerror(errno));
    tab_h5_quiet_state q;
    tab_h5_quiet_save(&q);
    nb_status st = NB_OK;
    res_results *r = NULL;
    hid_t f = -1;
#if H5_VERSION_GE(1, 12, 0)
    htri_t is = H5Fis_accessible(path, H5P_DEFAULT);
#else
    htri_t is = H5Fis_hdf5(path);
#endif
    if (is <= 0) {
        st = nb_fail(NB_EFORMAT,
                     "%s: not an HDF5 file (expected a nastab results file, format \"%s\"; "
                     "empty, truncated or another format?)",
                     path, RES_FORMAT_NAME);
        goto done;
    }
    if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        st = nb_fail(NB_EFORMAT, "%s: cannot open as HDF5 (truncated or corrupt file?)", path);
        goto done;
    }
    r = res_results_create(NULL);
    rctx c = {path, f};
    if ((st = read_all(&c, r))) goto done;
    for (size_t i = 0; i < r->n; i++)
        if (r->series[i].budget_unit_assumed) { /* say so, once per file */
            nb_log("%s: no budget_unit recorded (a file of before nastab recorded units); its "
                   "budgets are read as simulated seconds", path);
            break;
        }
    *out = r;
    r = NULL;
done:
    res_results_free(r);
    tab_h5_close(f, H5Fclose);
    tab_h5_quiet_restore(&q);
    return st;
}
