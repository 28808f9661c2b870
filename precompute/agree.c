/* precompute/agree.c - how well a built table's seeds agree: Spearman's rho
 * between two seeds' final-epoch accuracies over the trained classes
 * (precompute/pc.h, pc_seed_agreement), stored with sss sample tables so a
 * user sees how much of the table's ranking is training noise. */
#include <math.h>
#include <stdlib.h>

#include "precompute/pc.h"

typedef struct {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* r[i] = rank of v[i] (1-based), ties the mean of their ranks */
static void ranks(const double *v, size_t n, double *r, ranked *tmp)
{
    for (size_t i = 0; i < n; i++) tmp[i] = (ranked){v[i], i};
    qsort(tmp, n, sizeof *tmp, cmp_ranked);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b + 1 < n && tmp[b + 1].v == tmp[a].v) b++;
        double mid = 0.5 * (double)(a + b) + 1.0;
        for (size_t k = a; k <= b; k++) r[tmp[k].i] = mid;
        a = b + 1;
    }
}

double pc_spearman(const double *x, const double *y, size_t n)
{
    if (n < 3) return NAN;
    double *rx = nb_xcalloc_array(n, sizeof *rx), *ry = nb_xcalloc_array(n, sizeof *ry);
    ranked *tmp = nb_xcalloc_array(n, sizeof *tmp);
    ranks(x, n, rx, tmp);
    ranks(y, n, ry, tmp);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) mx += rx[i], my += ry[i];
    mx /= (double)n, my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    free(ry);
    free(tmp);
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

double pc_seed_agreement(const float *const *recs, size_t n_recs, size_t n_seeds, size_t n_epochs,
                         int metric, size_t *n_used)
{
    double *x = nb_xcalloc_array(n_recs ? n_recs : 1, sizeof *x);
    double *y = nb_xcalloc_array(n_recs ? n_recs : 1, sizeof *y);
    size_t m = 0;
    const size_t e = n_epochs - 1;
    for (size_t r = 0; r < n_recs && n_seeds >= 2; r++) {
        if (!recs[r]) continue;
        float a = recs[r][(0 * n_epochs + e) * PC_NV + (size_t)metric];
        float b = recs[r][(1 * n_epochs + e) * PC_NV + (size_t)metric];
        if (!isfinite(a) || !isfinite(b)) continue;
        x[m] = a, y[m++] = b;
    }
    double rho = pc_spearman(x, y, m);
    free(x);
    free(y);
    if (n_used) *n_used = m;
    return rho;
}
