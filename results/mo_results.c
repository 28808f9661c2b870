/* results/mo_results.c - the multi-objective results object and its HDF5
 * file (format "nastab-mo-results", layout in results/MO_RESULTS.md).
 *
 * Every per-series array is described once in `fields` below (name, type,
 * shape in terms of runs / grid / cap / n_front, place in res_series);
 * the writer and the reader both walk that list, so they cannot disagree.
 * Writing goes to "<path>.tmp.<pid>", is fsynced and renamed into place. */
#include "results/res.h"
#include "tables/tab_h5.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hdf5.h>

enum { A_PROTOCOL, A_VERSION, A_GIT_SHA, A_CREATED, A_COMMAND, A_TABLE_PATH, A_TABLE_CHECKSUM,
       A_COUNT };
static const char *const attr_names[A_COUNT] = {"protocol", "nastab_version", "git_sha",
                                                "created", "command", "table_path",
                                                "table_checksum"};

struct res_mo_results {
    char *attr[A_COUNT];
    char seed_str[32];
    uint64_t seed;
    res_series *s;
    size_t n, cap;
};

/* ---- per-series arrays ---- */

enum { D_ONE, D_RUNS, D_GRID, D_CAP, D_FRONT };
enum { T_F32, T_F64, T_I32, T_U32 };
typedef struct {
    const char *name;
    int type, d0, d1; /* d1 = D_ONE for rank 1 */
    size_t off;       /* offsetof the pointer in res_series */
} field;
#define F(n, t, a, b, m) {n, t, a, b, offsetof(res_series, m)}
static const field fields[] = {
    F("time", T_F64, D_GRID, D_ONE, time),
    F("n_evals", T_U32, D_RUNS, D_ONE, n_evals),
    F("eval_arch", T_I32, D_RUNS, D_CAP, eval_arch),
    F("eval_finish", T_F64, D_RUNS, D_CAP, eval_finish),
    F("eval_score", T_F32, D_RUNS, D_CAP, eval_score),
    F("eval_test", T_F32, D_RUNS, D_CAP, eval_test),
    F("eval_latency", T_F32, D_RUNS, D_CAP, eval_latency),
    F("inc_test", T_F32, D_RUNS, D_GRID, test),
    F("final_test", T_F32, D_RUNS, D_ONE, final_test),
    F("final_arch", T_I32, D_RUNS, D_ONE, final_arch),
    F("hv", T_F64, D_RUNS, D_GRID, hv),
    F("front_arch", T_I32, D_FRONT, D_ONE, front_arch),
    F("front_test", T_F32, D_FRONT, D_ONE, front_test),
    F("front_latency", T_F32, D_FRONT, D_ONE, front_latency),
};
#undef F
#define N_FIELDS (sizeof fields / sizeof fields[0])

static void **field_ptr(res_series *s, const field *fd) { return (void **)((char *)s + fd->off); }

static size_t dim_of(const res_series *s, int d)
{
    switch (d) {
    case D_RUNS: return s->runs;
    case D_GRID: return s->grid;
    case D_CAP: return s->cap;
    case D_FRONT: return s->n_front;
    default: return 1;
    }
}

static size_t elem_size(int t) { return t == T_F64 ? 8 : 4; }
static hid_t mem_type(int t)
{
    return t == T_F32 ? H5T_NATIVE_FLOAT : t == T_F64 ? H5T_NATIVE_DOUBLE
                       : t == T_I32 ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT32;
}
static hid_t file_type(int t)
{
    return t == T_F32 ? H5T_IEEE_F32LE : t == T_F64 ? H5T_IEEE_F64LE
                       : t == T_I32 ? H5T_STD_I32LE : H5T_STD_U32LE;
}

/* ---- the object ---- */

static void set_attr(res_mo_results *r, int a, const char *v)
{
    free(r->attr[a]);
    r->attr[a] = nb_xstrdup(v ? v : "");
}

res_mo_results *res_mo_create(const res_meta *meta)
{
    res_mo_results *r = nb_xcalloc_array(1, sizeof *r);
    char created[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm)) strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    set_attr(r, A_PROTOCOL, meta && meta->protocol ? meta->protocol : RES_MO_PROTOCOL);
    set_attr(r, A_VERSION, nb_version());
    set_attr(r, A_GIT_SHA, nb_git_sha());
    set_attr(r, A_CREATED, created);
    set_attr(r, A_COMMAND, meta ? meta->command : "");
    set_attr(r, A_TABLE_PATH, meta ? meta->table_path : "");
    set_attr(r, A_TABLE_CHECKSUM, meta ? meta->table_checksum : "");
    r->seed = meta ? meta->seed : 0;
    snprintf(r->seed_str, sizeof r->seed_str, "%llu", (unsigned long long)r->seed);
    return r;
}

static int name_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    return n > 0 && n < cap && !strchr(s, '/');
}

void res_mo_add(res_mo_results *r, res_series *s)
{
    NB_ASSERT(r && s && s->n_objectives == 2);
    NB_ASSERT(name_ok(s->dataset, sizeof s->dataset) && name_ok(s->device, sizeof s->device) &&
              name_ok(s->strategy, sizeof s->strategy));
    NB_ASSERT(s->runs >= 1 && s->grid >= 1);
    for (size_t k = 0; k < N_FIELDS; k++) {
        if (!strcmp(fields[k].name, "hv")) continue;
        NB_ASSERT(*field_ptr(s, &fields[k]) || (fields[k].d0 == D_FRONT && s->n_front == 0) ||
                  (fields[k].d1 == D_CAP && s->cap == 0));
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 8;
        r->s = nb_xrealloc_array(r->s, r->cap, sizeof *r->s);
    }
    res_series *d = &r->s[r->n++];
    *d = *s;
    if (!d->hv) {
        size_t cells;
        NB_ASSERT(nb_mul_ok(d->runs, d->grid, &cells));
        d->hv = nb_xcalloc_array(cells, sizeof *d->hv);
        for (size_t run = 0; run < d->runs; run++) res_hv_trajectory(d, run, d->hv + run * d->grid);
    }
    memset(s, 0, sizeof *s); /* the arrays now belong to r */
}

size_t res_mo_count(const res_mo_results *r) { return r->n; }
const res_series *res_mo_get(const res_mo_results *r, size_t i)
{
    NB_ASSERT(i < r->n);
    return &r->s[i];
}

const char *res_mo_attr(const res_mo_results *r, const char *name)
{
    if (!strcmp(name, "seed")) return r->seed_str;
    for (int a = 0; a < A_COUNT; a++)
        if (!strcmp(attr_names[a], name)) return r->attr[a];
    return NULL;
}

void res_mo_free(res_mo_results *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) res_series_free(&r->s[i]);
    free(r->s);
    for (int a = 0; a < A_COUNT; a++) free(r->attr[a]);
    free(r);
}

/* ---- HDF5 writing ---- */

static nb_status w_dset(hid_t loc, const char *obj, const field *fd, size_t rows, size_t cols,
                        const void *data, const char *path)
{
    nb_status st = NB_OK;
    int rank = fd->d1 == D_ONE ? 1 : 2;
    hsize_t dims[2] = {rows, cols};
    hid_t space = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE),
          dset = -1;
    if (space < 0 || dcpl < 0) goto bad;
    if (rows * cols >= 4096 && rows > 0 && cols > 0) {
        hsize_t chunk[2] = {rows, cols};
        if (rank == 2) {
            size_t per = 65536 / (cols ? cols : 1);
            chunk[0] = per < 1 ? 1 : per > rows ? rows : per;
        }
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) goto bad;
        if (H5Zfilter_avail(H5Z_FILTER_SHUFFLE) > 0 && H5Pset_shuffle(dcpl) < 0) goto bad;
        if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 && H5Pset_deflate(dcpl, 4) < 0) goto bad;
    }
    dset = H5Dcreate2(loc, fd->name, file_type(fd->type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0) goto bad;
    if (rows * cols > 0 &&
        H5Dwrite(dset, mem_type(fd->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        goto bad;
    goto done;
bad:
    st = nb_fail(NB_EIO, "%s: cannot write dataset %s/%s", path, obj, fd->name);
done:
    tab_h5_close(dset, H5Dclose);
    tab_h5_close(dcpl, H5Pclose);
    tab_h5_close(space, H5Sclose);
    return st;
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

static nb_status write_series(hid_t sg, res_series *s, size_t i, const char *path)
{
    char obj[64], name[32];
    snprintf(name, sizeof name, "%zu", i);
    snprintf(obj, sizeof obj, "/series/%zu", i);
    hid_t g = H5Gcreate2(sg, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) return nb_fail(NB_EIO, "%s: cannot create group %s", path, obj);
    uint64_t runs = s->runs, grid = s->grid, cap = s->cap, nf = s->n_front;
    nb_status st;
    if ((st = put_str(g, "dataset", s->dataset, path)) ||
        (st = put_str(g, "device", s->device, path)) ||
        (st = put_str(g, "strategy", s->strategy, path)) ||
        (st = tab_h5_put_num(g, obj, "runs", H5T_STD_U64LE, H5T_NATIVE_UINT64, &runs, path)) ||
        (st = tab_h5_put_num(g, obj, "grid", H5T_STD_U64LE, H5T_NATIVE_UINT64, &grid, path)) ||
        (st = tab_h5_put_num(g, obj, "cap", H5T_STD_U64LE, H5T_NATIVE_UINT64, &cap, path)) ||
        (st = tab_h5_put_num(g, obj, "n_front", H5T_STD_U64LE, H5T_NATIVE_UINT64, &nf, path)) ||
        (st = tab_h5_put_num(g, obj, "budget", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &s->budget, path)) ||
        (st = tab_h5_put_num(g, obj, "hv_true", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &s->hv_true, path)) ||
        (st = tab_h5_put_num(g, obj, "latency_max", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &s->latency_max,
                         path)) ||
        (st = tab_h5_put_num(g, obj, "lat_ref", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, &s->lat_ref, path)) ||
        (st = tab_h5_put_num(g, obj, "optimum_feasible", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                         &s->optimum_feasible, path)) ||
        (st = tab_h5_put_num(g, obj, "workers", H5T_STD_I32LE, H5T_NATIVE_INT32, &s->workers, path)) ||
        (st = tab_h5_put_num(g, obj, "optimum_valid", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                             &s->optimum_valid, path)) ||
        (st = tab_h5_put_num(g, obj, "optimum_test", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                             &s->optimum_test, path)))
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
    for (size_t k = 0; k < N_FIELDS; k++) {
        const field *fd = &fields[k];
        if ((st = w_dset(g, obj, fd, dim_of(s, fd->d0), dim_of(s, fd->d1), *field_ptr(s, fd),
                         path)))
            goto done;
    }
done:
    H5Gclose(g);
    return st;
}

/* the root attributes and /series of an open file */
static nb_status fill_h5(const void *ctx, hid_t f, const char *path)
{
    const res_mo_results *r = ctx;
    nb_status st0 = begin_file(f, RES_MO_FORMAT_NAME, path);
    if (st0 != NB_OK) return st0;
    nb_status st;
    uint64_t n = r->n;
    if ((st = tab_h5_put_num(f, "/", "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &r->seed, path)) ||
        (st = tab_h5_put_num(f, "/", "n_series", H5T_STD_U64LE, H5T_NATIVE_UINT64, &n, path)))
        return st;
    for (int a = 0; a < A_COUNT; a++)
        if ((st = put_str(f, attr_names[a], r->attr[a], path))) return st;
    hid_t sg = H5Gcreate2(f, "series", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (sg < 0) return nb_fail(NB_EIO, "%s: cannot create group /series", path);
    for (size_t i = 0; i < r->n && st == NB_OK; i++) st = write_series(sg, &r->s[i], i, path);
    H5Gclose(sg);
    return st;
}

nb_status res_mo_write(const res_mo_results *r, const char *path)
{
    NB_ASSERT(r && path);
    return tab_h5_write_atomic(path, RES_MO_FORMAT_NAME, RES_MO_FORMAT_VERSION, fill_h5, r);
}

/* ---- reading ---- */

static nb_status r_attr_str(hid_t loc, const char *obj, const char *name, const char *path,
                            char **out)
{
    *out = NULL;
    nb_status st = NB_OK;
    hid_t a = -1, t = -1, mt = -1;
    if (H5Aexists(loc, name) <= 0)
        return nb_fail(NB_EFORMAT, "%s: attribute %s of %s is missing", path, name, obj);
    if ((a = H5Aopen(loc, name, H5P_DEFAULT)) < 0 || (t = H5Aget_type(a)) < 0 ||
        H5Tget_class(t) != H5T_STRING) {
        st = nb_fail(NB_EFORMAT, "%s: attribute %s of %s is not a string", path, name, obj);
        goto done;
    }
    if (H5Tis_variable_str(t) > 0) {
        char *v = NULL;
        mt = H5Tcopy(t); /* same size and character set as stored */
        if (H5Aread(a, mt, &v) < 0 || !v) {
            st = nb_fail(NB_EFORMAT, "%s: cannot read attribute %s of %s", path, name, obj);
            goto done;
        }
        *out = nb_xstrdup(v);
        H5free_memory(v);
    } else {
        size_t len = H5Tget_size(t);
        char *v = nb_xcalloc_array(len + 1, 1);
        mt = H5Tcopy(t);
        H5Tset_size(mt, len + 1);
        H5Tset_strpad(mt, H5T_STR_NULLTERM);
        if (H5Aread(a, mt, v) < 0) {
            free(v);
            st = nb_fail(NB_EFORMAT, "%s: cannot read attribute %s of %s", path, name, obj);
            goto done;
        }
        *out = v;
    }
done:
    tab_h5_close(mt, H5Tclose);
    tab_h5_close(t, H5Tclose);
    tab_h5_close(a, H5Aclose);
    return st;
}

static nb_status r_attr_num(hid_t loc, const char *obj, const char *name, hid_t mtype,
                            const char *path, void *out)
{
    if (H5Aexists(loc, name) <= 0)
        return nb_fail(NB_EFORMAT, "%s: attribute %s of %s is missing", path, name, obj);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    herr_t e = a >= 0 ? H5Aread(a, mtype, out) : -1;
    tab_h5_close(a, H5Aclose);
    if (e < 0) return nb_fail(NB_EFORMAT, "%s: cannot read attribute %s of %s", path, name, obj);
    return NB_OK;
}

static nb_status r_str_into(hid_t g, const char *obj, const char *name, const char *path,
                            char *dst, size_t cap)
{
    char *v;
    nb_status st = r_attr_str(g, obj, name, path, &v);
    if (st) return st;
    if (!v[0] || strlen(v) >= cap || strchr(v, '/'))
        st = nb_fail(NB_EFORMAT, "%s: attribute %s of %s is '%s': empty, too long or has '/'",
                     path, name, obj, v);
    else
        snprintf(dst, cap, "%s", v);
    free(v);
    return st;
}

static nb_status r_dset(hid_t g, const char *obj, const field *fd, size_t rows, size_t cols,
                        const char *path, void **out)
{
    *out = NULL;
    if (H5Lexists(g, fd->name, H5P_DEFAULT) <= 0)
        return nb_fail(NB_EFORMAT, "%s: dataset %s/%s is missing", path, obj, fd->name);
    hid_t d = H5Dopen2(g, fd->name, H5P_DEFAULT), sp = d >= 0 ? H5Dget_space(d) : -1;
    nb_status st = NB_OK;
    int rank = fd->d1 == D_ONE ? 1 : 2;
    hsize_t dims[2] = {0, 0};
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != rank ||
        H5Sget_simple_extent_dims(sp, dims, NULL) != rank || dims[0] != rows ||
        (rank == 2 && dims[1] != cols)) {
        st = nb_fail(NB_EFORMAT, "%s: dataset %s/%s has shape (%llu, %llu), expected (%zu%s%zu)",
                     path, obj, fd->name, (unsigned long long)dims[0],
                     (unsigned long long)dims[1], rows, rank == 2 ? ", " : ")", rank == 2 ? cols : 0);
        goto done;
    }
    size_t cells = rows * cols;
    if ((st = res_check_stored(path, obj, fd->name, cells, elem_size(fd->type),
                               H5Dget_storage_size(d))))
        goto done;
    *out = nb_xcalloc_array(cells ? cells : 1, elem_size(fd->type));
    if (cells && H5Dread(d, mem_type(fd->type), H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) {
        free(*out);
        *out = NULL;
        st = nb_fail(NB_EFORMAT, "%s: cannot read dataset %s/%s", path, obj, fd->name);
    }
done:
    tab_h5_close(sp, H5Sclose);
    tab_h5_close(d, H5Dclose);
    return st;
}

static nb_status read_series(hid_t sg, size_t i, const char *path, res_series *s)
{
    char obj[64], name[32];
    snprintf(name, sizeof name, "%zu", i);
    snprintf(obj, sizeof obj, "/series/%zu", i);
    memset(s, 0, sizeof *s);
    if (H5Lexists(sg, name, H5P_DEFAULT) <= 0)
        return nb_fail(NB_EFORMAT, "%s: group %s is missing", path, obj);
    hid_t g = H5Gopen2(sg, name, H5P_DEFAULT);
    if (g < 0) return nb_fail(NB_EFORMAT, "%s: cannot open group %s", path, obj);
    uint64_t runs, grid, cap, nf;
    nb_status st;
    if ((st = r_str_into(g, obj, "dataset", path, s->dataset, sizeof s->dataset)) ||
        (st = r_str_into(g, obj, "device", path, s->device, sizeof s->device)) ||
        (st = r_str_into(g, obj, "strategy", path, s->strategy, sizeof s->strategy)) ||
        (st = r_attr_num(g, obj, "runs", H5T_NATIVE_UINT64, path, &runs)) ||
        (st = r_attr_num(g, obj, "grid", H5T_NATIVE_UINT64, path, &grid)) ||
        (st = r_attr_num(g, obj, "cap", H5T_NATIVE_UINT64, path, &cap)) ||
        (st = r_attr_num(g, obj, "n_front", H5T_NATIVE_UINT64, path, &nf)) ||
        (st = r_attr_num(g, obj, "budget", H5T_NATIVE_DOUBLE, path, &s->budget)) ||
        (st = r_attr_num(g, obj, "hv_true", H5T_NATIVE_DOUBLE, path, &s->hv_true)) ||
        (st = r_attr_num(g, obj, "latency_max", H5T_NATIVE_FLOAT, path, &s->latency_max)) ||
        (st = r_attr_num(g, obj, "lat_ref", H5T_NATIVE_FLOAT, path, &s->lat_ref)) ||
        (st = r_attr_num(g, obj, "optimum_feasible", H5T_NATIVE_FLOAT, path,
                         &s->optimum_feasible)))
        goto done;
    /* added within version 1: absent in older files */
    s->n_objectives = 2;
    s->workers = 1;
    s->optimum_valid = s->optimum_test = NAN;
    if ((H5Aexists(g, "workers") > 0 &&
         (st = r_attr_num(g, obj, "workers", H5T_NATIVE_INT32, path, &s->workers))) ||
        (H5Aexists(g, "optimum_valid") > 0 &&
         (st = r_attr_num(g, obj, "optimum_valid", H5T_NATIVE_FLOAT, path, &s->optimum_valid))) ||
        (H5Aexists(g, "optimum_test") > 0 &&
         (st = r_attr_num(g, obj, "optimum_test", H5T_NATIVE_FLOAT, path, &s->optimum_test))))
        goto done;
    uint64_t restricted = 0;
    if (H5Aexists(g, "restricted_cells") > 0 &&
        (st = r_attr_num(g, obj, "restricted_cells", H5T_NATIVE_UINT64, path, &restricted)))
        goto done;
    if ((st = res_check_dims(path, obj, runs, grid, cap, nf))) goto done;
    if (restricted > RES_MAX_CELLS) {
        st = nb_fail(NB_EFORMAT, "%s: %s: restricted_cells %llu out of range; damaged file?",
                     path, obj, (unsigned long long)restricted);
        goto done;
    }
    s->restricted_cells = (size_t)restricted;
    if (H5Aexists(g, "external_command") > 0) { /* optional: absent = built-in or plugin */
        char *xc = NULL;
        if ((st = r_attr_str(g, obj, "external_command", path, &xc))) goto done;
        snprintf(s->external, sizeof s->external, "%s", xc);
        free(xc);
        if ((st = r_attr_num(g, obj, "external_protocol", H5T_NATIVE_INT32, path,
                             &s->external_protocol)))
            goto done;
    }
    s->runs = runs;
    s->grid = grid;
    s->cap = cap;
    s->n_front = nf;
    for (size_t k = 0; k < N_FIELDS; k++) {
        const field *fd = &fields[k];
        if ((st = r_dset(g, obj, fd, dim_of(s, fd->d0), dim_of(s, fd->d1), path,
                         field_ptr(s, fd))))
            goto done;
    }
    for (size_t r = 0; r < s->runs; r++)
        if (s->n_evals[r] > s->cap) {
            st = nb_fail(NB_EFORMAT, "%s: %s/n_evals[%zu] = %u exceeds cap %zu", path, obj, r,
                         s->n_evals[r], s->cap);
            goto done;
        }
    st = res_series_check(s, path, obj);
done:
    H5Gclose(g);
    if (st) res_series_free(s);
    return st;
}

nb_status res_mo_read(const char *path, res_mo_results **out)
{
    NB_ASSERT(path && out);
    *out = NULL;
    tab_h5_quiet_state q;
    tab_h5_quiet_save(&q);
    nb_status st = NB_OK;
    hid_t f = -1, sg = -1;
    res_mo_results *r = NULL;
    if (access(path, R_OK) != 0) {
        st = nb_fail(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
        goto done;
    }
    if (H5Fis_hdf5(path) <= 0 ||
        (f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) {
        st = nb_fail(NB_EFORMAT, "%s: not an HDF5 file (or truncated)", path);
        goto done;
    }
    char *fmt = NULL;
    if (r_attr_str(f, "/", "format", path, &fmt) != NB_OK || strcmp(fmt, RES_MO_FORMAT_NAME)) {
        st = nb_fail(NB_EFORMAT, "%s: not a nastab multi-objective results file (format '%s', "
                                 "expected '%s'); hint: make one with nastab mo",
                     path, fmt ? fmt : "(none)", RES_MO_FORMAT_NAME);
        free(fmt);
        goto done;
    }
    free(fmt);
    int32_t version;
    if ((st = r_attr_num(f, "/", "format_version", H5T_NATIVE_INT32, path, &version))) goto done;
    if (version < 1 || version > RES_MO_FORMAT_VERSION) { /* 1: variable-length strings */
        st = nb_fail(NB_EVERSION, "%s: format_version %d, expected 1..%d; hint: rerun nastab mo "
                                  "with this version", path, version, RES_MO_FORMAT_VERSION);
        goto done;
    }
    r = res_mo_create(NULL);
    uint64_t n;
    if ((st = r_attr_num(f, "/", "seed", H5T_NATIVE_UINT64, path, &r->seed)) ||
        (st = r_attr_num(f, "/", "n_series", H5T_NATIVE_UINT64, path, &n)))
        goto done;
    snprintf(r->seed_str, sizeof r->seed_str, "%llu", (unsigned long long)r->seed);
    for (int a = 0; a < A_COUNT; a++) {
        char *v;
        if ((st = r_attr_str(f, "/", attr_names[a], path, &v))) goto done;
        free(r->attr[a]);
        r->attr[a] = v;
    }
    if (n > 100000) {
        st = nb_fail(NB_EFORMAT, "%s: n_series %llu is out of range", path, (unsigned long long)n);
        goto done;
    }
    if ((sg = H5Gopen2(f, "series", H5P_DEFAULT)) < 0) {
        st = nb_fail(NB_EFORMAT, "%s: group /series is missing", path);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        res_series s;
        if ((st = read_series(sg, i, path, &s))) goto done;
        res_mo_add(r, &s);
    }
done:
    tab_h5_close(sg, H5Gclose);
    tab_h5_close(f, H5Fclose);
    tab_h5_quiet_restore(&q);
    if (st) res_mo_free(r);
    else *out = r;
    return st;
}
