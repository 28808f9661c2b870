/* results/pareto.c - Pareto maths shared by the strategies that search with
 * it (nsga2) and the reports that draw it: the non-dominated filter, the
 * exact 2-D hypervolume, a run's hypervolume over simulated time, a table's
 * true front and feasible optimum, and NSGA-II's non-dominated sort and
 * crowding distance.
 *
 * 2-D hypervolume (minimisation, reference r): sort the points by f1
 * ascending (ties: f2 ascending) and sweep, keeping the lowest f2 seen
 * (initially r2); a point with f2 below it adds the rectangle
 * (r1 - f1) x (prev_f2 - f2). Each dominated point adds nothing, so the
 * result is the exact area of the union of the boxes [f, r] (the classical
 * O(n log n) algorithm; e.g. Fonseca, Paquete & Lopez-Ibanez, CEC 2006,
 * for the 2-D case of their dimension sweep). */
#include "results/res.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- fronts and hypervolume ---- */

typedef struct {
    double a, b;
    size_t i;
} pt;

static int cmp_pt(const void *x, const void *y)
{
    const pt *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return p->i < q->i ? -1 : p->i > q->i;
}

static size_t sorted_points(const double *f1, const double *f2, size_t n, pt **out)
{
    pt *p = nb_xcalloc_array(n ? n : 1, sizeof *p);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(f1[i]) && !isnan(f2[i])) p[m++] = (pt){f1[i], f2[i], i};
    qsort(p, m, sizeof *p, cmp_pt);
    *out = p;
    return m;
}

size_t res_pareto_filter(const double *f1, const double *f2, size_t n, size_t *keep)
{
    pt *p;
    size_t m = sorted_points(f1, f2, n, &p), k = 0;
    double best = INFINITY;
    for (size_t j = 0; j < m; j++) {
        /* sorted by f1 then f2: p[j] is non-dominated iff its f2 beats every
         * earlier point's (earlier points have f1 <= its f1). */
        if (p[j].b < best) {
            keep[k++] = p[j].i;
            best = p[j].b;
        }
    }
    free(p);
    return k;
}

double res_hv2d(const double *f1, const double *f2, size_t n, double r1, double r2)
{
    pt *p;
    size_t m = sorted_points(f1, f2, n, &p);
    double hv = 0.0, prev = r2;
    for (size_t j = 0; j < m; j++) {
        if (!(p[j].a < r1) || !(p[j].b < prev)) continue;
        hv += (r1 - p[j].a) * (prev - p[j].b);
        prev = p[j].b;
    }
    free(p);
    return hv;
}

void res_normalise(float acc, float latency, float lat_ref, double *f1, double *f2)
{
    *f1 = 1.0 - (double)acc / 100.0;
    *f2 = (double)latency / (double)lat_ref;
}

size_t res_true_front(const float *acc, const float *latency, size_t n, float lat_ref,
                         int32_t **front, double *hv)
{
    double *f1 = nb_xcalloc_array(n ? n : 1, sizeof *f1), *f2 = nb_xcalloc_array(n ? n : 1, sizeof *f2);
    size_t *keep = nb_xcalloc_array(n ? n : 1, sizeof *keep);
    for (size_t i = 0; i < n; i++) {
        if (isfinite(acc[i]) && isfinite(latency[i])) {
            res_normalise(acc[i], latency[i], lat_ref, &f1[i], &f2[i]);
        } else {
            f1[i] = f2[i] = NAN;
        }
    }
    size_t k = res_pareto_filter(f1, f2, n, keep);
    *hv = res_hv2d(f1, f2, n, 1.0, 1.0);
    /* keep is by increasing f1 = decreasing accuracy = decreasing latency;
     * return increasing latency. */
    int32_t *fr = nb_xcalloc_array(k ? k : 1, sizeof *fr);
    for (size_t j = 0; j < k; j++) fr[j] = (int32_t)keep[k - 1 - j];
    *front = fr;
    free(f1);
    free(f2);
    free(keep);
    return k;
}

void res_hv_trajectory(const res_series *s, size_t run, double *hv)
{
    NB_ASSERT(run < s->runs);
    const size_t cap = s->cap, n = s->n_evals[run];
    const double *fin = s->eval_finish + run * cap;
    const float *score = s->eval_score + run * cap, *test = s->eval_test + run * cap,
                *lat = s->eval_latency + run * cap;
    size_t *mem = nb_xcalloc_array(n ? n : 1, sizeof *mem), nm = 0;
    double *f1 = nb_xcalloc_array(n ? n : 1, sizeof *f1), *f2 = nb_xcalloc_array(n ? n : 1, sizeof *f2);
    size_t i = 0;
    for (size_t g = 0; g < s->grid; g++) {
        int changed = g == 0;
        for (; i < n && fin[i] <= s->time[g]; i++) {
            if (!isfinite(lat[i]) || !isfinite(score[i])) continue;
            int dominated = 0;
            for (size_t k = 0; k < nm && !dominated; k++)
                dominated = score[mem[k]] >= score[i] && lat[mem[k]] <= lat[i];
            if (dominated) continue; /* also drops a tie with an earlier member */
            size_t w = 0;
            for (size_t k = 0; k < nm; k++)
                if (!(score[i] >= score[mem[k]] && lat[i] <= lat[mem[k]])) mem[w++] = mem[k];
            nm = w;
            mem[nm++] = i;
            changed = 1;
        }
        if (!changed) {
            hv[g] = hv[g - 1];
            continue;
        }
        for (size_t k = 0; k < nm; k++)
            res_normalise(test[mem[k]], lat[mem[k]], s->lat_ref, &f1[k], &f2[k]);
        hv[g] = res_hv2d(f1, f2, nm, 1.0, 1.0);
    }
    free(mem);
    free(f1);
    free(f2);
}

void res_fill_front(res_series *s, const float *test, const float *valid, const float *latency,
                    size_t n)
{
    s->n_front = res_true_front(test, latency, n, s->lat_ref, &s->front_arch, &s->hv_true);
    s->front_test = nb_xcalloc_array(s->n_front ? s->n_front : 1, sizeof *s->front_test);
    s->front_latency = nb_xcalloc_array(s->n_front ? s->n_front : 1, sizeof *s->front_latency);
    for (size_t k = 0; k < s->n_front; k++) {
        s->front_test[k] = test[s->front_arch[k]];
        s->front_latency[k] = latency[s->front_arch[k]];
    }
    /* best feasible test accuracy, the cell chosen by 200-epoch validation */
    long best = -1;
    for (size_t i = 0; i < n; i++)
        if (isfinite(latency[i]) && latency[i] <= s->latency_max && isfinite(valid[i]) &&
            isfinite(test[i]) && (best < 0 || valid[i] > valid[best]))
            best = (long)i;
    s->optimum_feasible = best >= 0 ? test[best] : NAN;
}

/* ---- NSGA-II building blocks (Deb et al. 2002) ---- */

static int dominates(const double *a, const double *b)
{
    return a[0] <= b[0] && a[1] <= b[1] && (a[0] < b[0] || a[1] < b[1]);
}

void res_nondominated_sort(const double *f, size_t n, int *rank)
{
    NB_ASSERT(n <= 4096);
    if (n == 0) return;
    /* S_p as an n x n bit of "p dominates q", n_p counts (Deb sec. III-A). */
    int *count = nb_xcalloc_array(n, sizeof *count);
    unsigned char *dom = nb_xcalloc_array(n * n, 1);
    size_t *front = nb_xcalloc_array(n, sizeof *front), *next = nb_xcalloc_array(n, sizeof *next);
    size_t nf = 0;
    for (size_t p = 0; p < n; p++) {
        for (size_t q = 0; q < n; q++) {
            if (p == q) continue;
            if (dominates(f + 2 * p, f + 2 * q)) dom[p * n + q] = 1;
            else if (dominates(f + 2 * q, f + 2 * p)) count[p]++;
        }
        if (count[p] == 0) {
            rank[p] = 0;
            front[nf++] = p;
        }
    }
    int r = 0;
    while (nf > 0) {
        size_t nn = 0;
        for (size_t k = 0; k < nf; k++) {
            size_t p = front[k];
            for (size_t q = 0; q < n; q++)
                if (dom[p * n + q] && --count[q] == 0) {
                    rank[q] = r + 1;
                    next[nn++] = q;
                }
        }
        r++;
        memcpy(front, next, nn * sizeof *front);
        nf = nn;
    }
    free(count);
    free(dom);
    free(front);
    free(next);
}

typedef struct {
    double v;
    size_t i; /* position in idx[] */
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->v < y->v) return -1;
    if (x->v > y->v) return 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

void res_crowding(const double *f, const size_t *idx, size_t m, double *dist)
{
    for (size_t k = 0; k < m; k++) dist[k] = 0.0;
    if (m == 0) return;
    if (m <= 2) {
        for (size_t k = 0; k < m; k++) dist[k] = INFINITY;
        return;
    }
    keyed *s = nb_xcalloc_array(m, sizeof *s);
    for (int obj = 0; obj < 2; obj++) {
        for (size_t k = 0; k < m; k++) {
            s[k].v = f[2 * idx[k] + (size_t)obj];
            s[k].i = k;
        }
        qsort(s, m, sizeof *s, cmp_keyed);
        double span = s[m - 1].v - s[0].v;
        dist[s[0].i] = INFINITY;
        dist[s[m - 1].i] = INFINITY;
        if (!(span > 0)) continue;
        for (size_t k = 1; k + 1 < m; k++) dist[s[k].i] += (s[k + 1].v - s[k - 1].v) / span;
    }
    free(s);
}
