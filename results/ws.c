/* results/ws.c - the weight-sharing search series of a results file
 * (res_ws_*, results/res.h; layout in results/RESULTS.md, section
 * "Weight-sharing search"). The file is first written whole by
 * res_results_write under a temporary name, the /ws groups are added to
 * that temporary, and only then is it renamed over the final path. */
#include "results/res.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>

#include "tables/tab_h5.h"

void res_ws_series_free(res_ws_series *s)
{
    if (!s) return;
    free(s->arch);
    free(s->super_valid);
    free(s->score);
    free(s->wall);
    free(s->cpu);
    free(s->probs);
    free(s->ops);
    free(s->rank_arch);
    free(s->rank_table);
    free(s->rank_score);
    free(s->rank_tau);
    free(s->rank_rho);
    memset(s, 0, sizeof *s);
}

static hid_t group(hid_t loc, const char *name)
{
    htri_t e = H5Lexists(loc, name, H5P_DEFAULT);
    if (e > 0) return H5Gopen2(loc, name, H5P_DEFAULT);
    return H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

static nb_status put(hid_t g, const char *obj, const char *name, hid_t ft, hid_t mt, int rank,
                     const hsize_t *dims, const void *data, const char *path)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL), d = -1;
    nb_status st = NB_OK;
    if (sp < 0 || (d = H5Dcreate2(g, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        H5Dwrite(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        st = nb_fail(NB_EIO, "%s: cannot write dataset %s/%s", path, obj, name);
    tab_h5_close(d, H5Dclose);
    tab_h5_close(sp, H5Sclose);
    return st;
}

static nb_status write_one(hid_t f, const res_ws_series *w, const char *path)
{
    nb_status st = NB_OK;
    char obj[96];
    snprintf(obj, sizeof obj, "/ws/%s/%s", w->dataset, w->method);
    hid_t top = group(f, "ws"), dg = top >= 0 ? group(top, w->dataset) : -1,
          g = dg >= 0 ? group(dg, w->method) : -1;
    if (g < 0) {
        st = nb_fail(NB_EIO, "%s: cannot create group %s", path, obj);
        goto done;
    }
    uint64_t runs = w->runs, epochs = w->epochs;
    uint64_t rank_k = w->rank_k;
    hsize_t d2[2] = {w->runs, w->epochs}, d4[4] = {w->runs, w->epochs, 6, 5}, dk[1] = {w->rank_k},
            d3[3] = {w->runs, w->epochs, w->rank_k}, d3o[3] = {w->runs, w->epochs, 6};
    if ((st = tab_h5_put_str(g, obj, "budget_unit", RES_UNIT_EPOCHS, path)) ||
        (st = tab_h5_put_num(g, obj, "runs", H5T_STD_U64LE, H5T_NATIVE_UINT64, &runs, path)) ||
        (st = tab_h5_put_num(g, obj, "epochs", H5T_STD_U64LE, H5T_NATIVE_UINT64, &epochs, path)) ||
        (st = put(g, obj, "arch", H5T_STD_I32LE, H5T_NATIVE_INT32, 2, d2, w->arch, path)) ||
        (st = put(g, obj, "super_valid", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d2, w->super_valid, path)) ||
        (st = put(g, obj, "score", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d2, w->score, path)) ||
        (st = put(g, obj, "wall", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, w->wall, path)) ||
        (st = put(g, obj, "cpu", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, w->cpu, path)) ||
        (st = put(g, obj, "probs", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 4, d4, w->probs, path)) ||
        (w->ops && (st = put(g, obj, "ops", H5T_STD_U8LE, H5T_NATIVE_UINT8, 3, d3o, w->ops, path))))
        goto done;
    if (w->rank_k &&
        ((st = tab_h5_put_num(g, obj, "rank_k", H5T_STD_U64LE, H5T_NATIVE_UINT64, &rank_k, path)) ||
         (st = tab_h5_put_str(g, obj, "rank_against", w->rank_against, path)) ||
         (st = tab_h5_put_str(g, obj, "rank_scored_on", w->rank_scored_on, path)) ||
         (st = put(g, obj, "rank_arch", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, dk, w->rank_arch, path)) ||
         (st = put(g, obj, "rank_table", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 1, dk, w->rank_table, path)) ||
         (st = put(g, obj, "rank_score", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 3, d3, w->rank_score, path)) ||
         (st = put(g, obj, "rank_tau", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d2, w->rank_tau, path)) ||
         (st = put(g, obj, "rank_rho", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, d2, w->rank_rho, path))))
        goto done;
done:
    tab_h5_close(g, H5Gclose);
    tab_h5_close(dg, H5Gclose);
    tab_h5_close(top, H5Gclose);
    return st;
}

nb_status res_ws_write(const res_results *r, const res_ws_series *ws, size_t n, const char *path)
{
    NB_ASSERT(r && path && (ws || !n));
    char *tmp = nb_file_tmpname(path);
    nb_status st = res_results_write(r, tmp);
    if (st != NB_OK) {
        free(tmp);
        return st;
    }
    tab_h5_quiet_state q;
    tab_h5_quiet_save(&q);
    hid_t f = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) st = nb_fail(NB_EIO, "%s: cannot reopen the temporary %s", path, tmp);
    for (size_t i = 0; i < n && st == NB_OK; i++) st = write_one(f, &ws[i], path);
    if (f >= 0 && H5Fclose(f) < 0 && st == NB_OK) st = nb_fail(NB_EIO, "%s: cannot close %s", path, tmp);
    tab_h5_quiet_restore(&q);
    if (st == NB_OK)
        st = nb_file_commit(tmp, path);
    else
        nb_file_discard(tmp);
    free(tmp);
    return st;
}

static nb_status get(hid_t g, const char *obj, const char *name, hid_t mt, int rank,
                     const hsize_t *want, void **data, size_t elem, const char *path)
{
    hid_t d = H5Dopen2(g, name, H5P_DEFAULT), sp = -1;
    nb_status st = NB_OK;
    hsize_t dims[4] = {0};
    size_t total = 1;
    if (d < 0) {
        st = nb_fail(NB_EFORMAT, "%s: %s/%s is missing", path, obj, name);
        goto done;
    }
    sp = H5Dget_space(d);
    if (sp < 0 || H5Sget_simple_extent_ndims(sp) != rank || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
        st = nb_fail(NB_EFORMAT, "%s: %s/%s has the wrong rank, expected %d", path, obj, name, rank);
        goto done;
    }
    for (int i = 0; i < rank; i++) {
        if (dims[i] != want[i]) {
            st = nb_fail(NB_EFORMAT, "%s: %s/%s has the wrong shape (axis %d: %llu, expected %llu)",
                         path, obj, name, i, (unsigned long long)dims[i], (unsigned long long)want[i]);
            goto done;
        }
        total *= (size_t)dims[i];
    }
    *data = nb_xcalloc_array(total ? total : 1, elem);
    if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data) < 0)
        st = nb_fail(NB_EFORMAT, "%s: cannot read %s/%s", path, obj, name);
done:
    tab_h5_close(sp, H5Sclose);
    tab_h5_close(d, H5Dclose);
    return st;
}

static int attr_u64(hid_t g, const char *name, uint64_t *v)
{
    hid_t a = H5Aopen(g, name, H5P_DEFAULT);
    if (a < 0) return -1;
    int ok = H5Aread(a, H5T_NATIVE_UINT64, v) >= 0;
    H5Aclose(a);
    return ok ? 0 : -1;
}

static nb_status str_attr(hid_t g, const char *obj, const char *name, char **out, const char *path)
{
    *out = NULL;
    if (tab_h5_attr_str(g, name, out) == 1) return NB_OK;
    free(*out);
    *out = NULL;
    return nb_fail(NB_EFORMAT, "%s: %s: attribute %s is missing or not a string", path, obj, name);
}

nb_status res_ws_read(const char *path, const char *dataset, const char *method, res_ws_series *out)
{
    memset(out, 0, sizeof *out);
    tab_h5_quiet_state q;
    tab_h5_quiet_save(&q);
    nb_status st = NB_OK;
    char obj[96];
    snprintf(obj, sizeof obj, "/ws/%s/%s", dataset, method);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), g = -1;
    if (f < 0) {
        st = nb_fail(NB_EIO, "%s: cannot open", path);
        goto done;
    }
    if (H5Lexists(f, "ws", H5P_DEFAULT) <= 0 || H5Lexists(f, obj, H5P_DEFAULT) <= 0 ||
        (g = H5Gopen2(f, obj, H5P_DEFAULT)) < 0) {
        st = nb_fail(NB_ENOTFOUND, "%s: no weight-sharing series %s", path, obj);
        goto done;
    }
    uint64_t runs, epochs;
    if (attr_u64(g, "runs", &runs) || attr_u64(g, "epochs", &epochs)) {
        st = nb_fail(NB_EFORMAT, "%s: %s lacks the runs/epochs attributes", path, obj);
        goto done;
    }
    if ((st = res_check_dims(path, obj, runs, epochs, 0, 0)) != NB_OK) goto done;
    snprintf(out->dataset, sizeof out->dataset, "%s", dataset);
    snprintf(out->method, sizeof out->method, "%s", method);
    out->runs = runs;
    out->epochs = epochs;
    hsize_t d2[2] = {runs, epochs}, d4[4] = {runs, epochs, 6, 5};
    if ((st = get(g, obj, "arch", H5T_NATIVE_INT32, 2, d2, (void **)&out->arch, 4, path)) ||
        (st = get(g, obj, "super_valid", H5T_NATIVE_FLOAT, 2, d2, (void **)&out->super_valid, 4, path)) ||
        (st = get(g, obj, "score", H5T_NATIVE_FLOAT, 2, d2, (void **)&out->score, 4, path)) ||
        (st = get(g, obj, "wall", H5T_NATIVE_DOUBLE, 2, d2, (void **)&out->wall, 8, path)) ||
        (st = get(g, obj, "cpu", H5T_NATIVE_DOUBLE, 2, d2, (void **)&out->cpu, 8, path)) ||
        (st = get(g, obj, "probs", H5T_NATIVE_FLOAT, 4, d4, (void **)&out->probs, 4, path)))
        goto done;
    if (H5Lexists(g, "ops", H5P_DEFAULT) > 0) { /* optional: absent in files of before it */
        hsize_t d3o[3] = {runs, epochs, 6};
        if ((st = get(g, obj, "ops", H5T_NATIVE_UINT8, 3, d3o, (void **)&out->ops, 1, path))) goto done;
        for (size_t i = 0; i < runs * epochs * 6; i++)
            if (out->ops[i] > 4) {
                st = nb_fail(NB_EFORMAT, "%s: %s/ops holds %u, not an op (0..4)", path, obj, out->ops[i]);
                goto done;
            }
    }
    uint64_t k = 0; /* optional: only with --rank-sample */
    if (H5Aexists(g, "rank_k") > 0 && attr_u64(g, "rank_k", &k)) {
        st = nb_fail(NB_EFORMAT, "%s: %s: cannot read rank_k", path, obj);
        goto done;
    }
    if (k > (1u << 20) || (k && runs * epochs > ((uint64_t)1 << 28) / k)) {
        st = nb_fail(NB_EFORMAT, "%s: %s: rank_k %llu out of range; damaged file?", path, obj,
                     (unsigned long long)k);
        goto done;
    }
    if (k) {
        out->rank_k = (size_t)k;
        hsize_t dk[1] = {k}, d3[3] = {runs, epochs, k};
        char *against = NULL, *on = NULL;
        if ((st = str_attr(g, obj, "rank_against", &against, path)) ||
            (st = str_attr(g, obj, "rank_scored_on", &on, path)))
            goto done;
        snprintf(out->rank_against, sizeof out->rank_against, "%s", against);
        snprintf(out->rank_scored_on, sizeof out->rank_scored_on, "%s", on);
        free(against);
        free(on);
        if ((st = get(g, obj, "rank_arch", H5T_NATIVE_INT32, 1, dk, (void **)&out->rank_arch, 4, path)) ||
            (st = get(g, obj, "rank_table", H5T_NATIVE_FLOAT, 1, dk, (void **)&out->rank_table, 4, path)) ||
            (st = get(g, obj, "rank_score", H5T_NATIVE_FLOAT, 3, d3, (void **)&out->rank_score, 4, path)) ||
            (st = get(g, obj, "rank_tau", H5T_NATIVE_FLOAT, 2, d2, (void **)&out->rank_tau, 4, path)) ||
            (st = get(g, obj, "rank_rho", H5T_NATIVE_FLOAT, 2, d2, (void **)&out->rank_rho, 4, path)))
            goto done;
    }
done:
    if (st != NB_OK) res_ws_series_free(out);
    tab_h5_close(g, H5Gclose);
    tab_h5_close(f, H5Fclose);
    tab_h5_quiet_restore(&q);
    return st;
}
