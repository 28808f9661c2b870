/* results/series.c - releasing a res_series, the sanity limits of its
 * stored sizes and the check of a series read from a file (results/res.h). */
#include "results/res.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void res_series_free(res_series *s)
{
    if (!s) return;
    free(s->time);
    free(s->valid);
    free(s->test);
    free(s->final_valid);
    free(s->final_test);
    free(s->final_arch);
    free(s->n_evals);
    free(s->eval_arch);
    free(s->eval_finish);
    free(s->eval_score);
    free(s->eval_test);
    free(s->eval_latency);
    free(s->hv);
    free(s->front_arch);
    free(s->front_test);
    free(s->front_latency);
    memset(s, 0, sizeof *s);
}

nb_status res_check_dims(const char *path, const char *obj, uint64_t runs, uint64_t grid,
                         uint64_t cap, uint64_t n_front)
{
    const uint64_t wide = cap > grid ? cap : grid;
    if (runs < 1 || grid < 1 || runs > RES_MAX_RUNS || grid > RES_MAX_GRID ||
        cap > RES_MAX_CELLS || n_front > RES_MAX_CELLS || runs * wide > RES_MAX_CELLS)
        return nb_fail(NB_EFORMAT, "%s: %s declares runs %llu, grid %llu, cap %llu, n_front "
                       "%llu: out of range (runs 1..%llu, grid 1..%llu, runs x max(grid, cap) "
                       "and n_front at most %llu); damaged file?",
                       path, obj, (unsigned long long)runs, (unsigned long long)grid,
                       (unsigned long long)cap, (unsigned long long)n_front,
                       (unsigned long long)RES_MAX_RUNS, (unsigned long long)RES_MAX_GRID,
                       (unsigned long long)RES_MAX_CELLS);
    return NB_OK;
}

nb_status res_check_stored(const char *path, const char *obj, const char *name, size_t n,
                           size_t elem, uint64_t stored)
{
    /* deflate compresses at most ~1000:1: a dataset much larger than its
     * storage is a damaged or hostile file (h5py-made: chunks never written) */
    const double bytes = (double)n * (double)elem;
    if (bytes > 1048576.0 && (double)stored * 2048.0 < bytes)
        return nb_fail(NB_EFORMAT, "%s: dataset %s/%s declares %zu values but the file holds "
                       "only %llu bytes of it; damaged file?", path, obj, name, n,
                       (unsigned long long)stored);
    return NB_OK;
}

/* values[i] must be finite, or NaN when nan_ok (a missing value) */
static nb_status check_values(const char *path, const char *obj, const char *name,
                              const float *v, size_t n, int nan_ok)
{
    for (size_t i = 0; v && i < n; i++)
        if (!isfinite(v[i]) && !(nan_ok && isnan(v[i])))
            return nb_fail(NB_EFORMAT, "%s: %s/%s[%zu] is %g; values must be finite%s; damaged "
                           "file?", path, obj, name, i, (double)v[i],
                           nan_ok ? " (NaN = missing)" : "");
    return NB_OK;
}

nb_status res_series_check(const res_series *s, const char *path, const char *obj)
{
    if (!isfinite(s->budget) || s->budget <= 0)
        return nb_fail(NB_EFORMAT, "%s: %s: budget %g s; must be finite and positive; damaged "
                       "file?", path, obj, s->budget);
    if (s->workers < 1)
        return nb_fail(NB_EFORMAT, "%s: %s: workers %d; must be >= 1; damaged file?", path, obj,
                       s->workers);
    if (isinf(s->optimum_valid) || isinf(s->optimum_test))
        return nb_fail(NB_EFORMAT, "%s: %s: optimum %g / %g is not finite; damaged file?", path,
                       obj, (double)s->optimum_valid, (double)s->optimum_test);
    for (size_t g = 0; g < s->grid; g++)
        if (!isfinite(s->time[g]) || s->time[g] < 0 || (g && s->time[g] < s->time[g - 1]))
            return nb_fail(NB_EFORMAT, "%s: %s/time[%zu] is %g; times must be finite, >= 0 and "
                           "non-decreasing; damaged file?", path, obj, g, s->time[g]);
    for (size_t r = 0; r < s->runs; r++)
        if (s->final_arch[r] < -1)
            return nb_fail(NB_EFORMAT, "%s: %s/final_arch[%zu] is %d; a table index or -1 (no "
                           "incumbent); damaged file?", path, obj, r, (int)s->final_arch[r]);
    const size_t cells = s->runs * s->grid, evals = s->runs * s->cap;
    nb_status st;
    if ((st = check_values(path, obj, "valid", s->valid, cells, 1)) ||
        (st = check_values(path, obj, s->n_objectives > 1 ? "inc_test" : "test", s->test, cells, 1)) ||
        (st = check_values(path, obj, "final_valid", s->final_valid, s->runs, 1)) ||
        (st = check_values(path, obj, "final_test", s->final_test, s->runs, 1)) ||
        (st = check_values(path, obj, "eval_score", s->eval_score, evals, 1)) ||
        (st = check_values(path, obj, "eval_test", s->eval_test, evals, 1)) ||
        (st = check_values(path, obj, "eval_latency", s->eval_latency, evals, 1)) ||
        (st = check_values(path, obj, "front_test", s->front_test, s->n_front, 0)) ||
        (st = check_values(path, obj, "front_latency", s->front_latency, s->n_front, 0)))
        return st;
    for (size_t i = 0; s->eval_arch && i < evals; i++)
        if (s->eval_arch[i] < -1)
            return nb_fail(NB_EFORMAT, "%s: %s/eval_arch[%zu] is %d; a table index or -1 "
                           "(padding); damaged file?", path, obj, i, (int)s->eval_arch[i]);
    for (size_t i = 0; s->front_arch && i < s->n_front; i++)
        if (s->front_arch[i] < 0)
            return nb_fail(NB_EFORMAT, "%s: %s/front_arch[%zu] is %d; damaged file?", path, obj,
                           i, (int)s->front_arch[i]);
    return NB_OK;
}
