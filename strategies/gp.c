/* strategies/gp.c - Gaussian-process regression for gp-bo (Rasmussen &
 * Williams 2006, Algorithm 2.1; model and grid in strategies/surrogate.h).
 *
 * With C the unit-variance kernel matrix (C_ij = exp(-|x_i - x_j|^2 / 2l^2))
 * and A = C + lambda I, the kernel of the targets is K = sf2 A, so
 *     alpha = A^-1 y,  mean(x*) = c*' alpha,  var(x*) = sf2 (1 - |L^-1 c*|^2),
 *     log p(y) = -y'alpha / (2 sf2) - sum_i log L_ii - n/2 log sf2 - n/2 log 2pi,
 * with L the Cholesky factor of A; maximising over sf2 gives
 * sf2 = y'alpha / n. Matrices are column-major doubles for LAPACKE.
 * LAPACKE is OpenBLAS's here, and OpenBLAS's own threads change the bits
 * of its blocked factorisations with their count (nn/parallel.c) and spin
 * in sched_yield on a loaded machine, so every GP pins it to one thread:
 * the parallelism is the loop's, over runs. */
#include "strategies/surrogate.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct strat_gp {
    int dim;
    size_t n, cap;
    float *x;      /* (cap, dim) training inputs */
    double *d2;    /* (cap, cap) squared distances */
    double *L;     /* (cap, cap) Cholesky factor of A, lower, leading dimension n */
    double *alpha; /* (cap) A^-1 y */
    double *ys;    /* (cap) targets as the GP sees them */
    double *cs;    /* (cap * m) cross-covariances of predict; grows */
    size_t cs_cap;
    double l, sf2, lambda, ymu, ysd;
    double *ek;    /* (2 dim + 1) exp(s k) for the s in use, NaN = not yet */
};

static const double grid_l[] = {0.5, 0.75, 1, 1.5, 2, 3, 4, 6};
static const double grid_lambda[] = {1e-4, 1e-3, 1e-2, 0.1, 0.3, 1};

strat_gp *strat_gp_create(int dim)
{
    openblas_set_num_threads(1);
    strat_gp *g = nb_xcalloc_array(1, sizeof *g);
    g->dim = dim;
    g->ek = nb_xcalloc_array(2 * (size_t)dim + 1, sizeof *g->ek);
    return g;
}

void strat_gp_destroy(strat_gp *g)
{
    if (!g) return;
    free(g->x);
    free(g->d2);
    free(g->L);
    free(g->alpha);
    free(g->ys);
    free(g->cs);
    free(g->ek);
    free(g);
}

static double dist2(const float *a, const float *b, int dim)
{
    double s = 0;
    for (int k = 0; k < dim; k++) {
        double d = (double)a[k] - b[k];
        s += d * d;
    }
    return s;
}

/* Speed: the kernel's exponentials are most of a fit (48 grid points x
 * n^2 / 2 of them), but on one-hot (and path) encodings a squared distance
 * is a small integer k <= 2 dim, so exp(s k) is computed once per (s, k)
 * and looked up: the same call on the same argument, so the same bits. */
static void ek_reset(strat_gp *g)
{
    for (int k = 0; k <= 2 * g->dim; k++) g->ek[k] = NAN;
}

static double kern(strat_gp *g, double s, double d2)
{
    if (d2 >= 0 && d2 <= 2 * g->dim && d2 == (double)(int)d2) {
        double *e = &g->ek[(int)d2];
        if (isnan(*e)) *e = exp(s * d2);
        return *e;
    }
    return exp(s * d2);
}

/* Copy x, compute the distances, set the targets (standardised unless raw). */
static void load(strat_gp *g, const float *x, const double *y, size_t n, int raw)
{
    if (n > g->cap) {
        g->cap = n;
        g->x = nb_xrealloc_array(g->x, n * (size_t)g->dim, sizeof *g->x);
        g->d2 = nb_xrealloc_array(g->d2, n * n, sizeof *g->d2);
        g->L = nb_xrealloc_array(g->L, n * n, sizeof *g->L);
        g->alpha = nb_xrealloc_array(g->alpha, n, sizeof *g->alpha);
        g->ys = nb_xrealloc_array(g->ys, n, sizeof *g->ys);
    }
    g->n = n;
    memcpy(g->x, x, n * (size_t)g->dim * sizeof *x);
    for (size_t j = 0; j < n; j++)
        for (size_t i = j; i < n; i++)
            g->d2[j * n + i] = g->d2[i * n + j] =
                dist2(x + i * (size_t)g->dim, x + j * (size_t)g->dim, g->dim);
    double mu = 0, var = 0;
    if (!raw) {
        for (size_t i = 0; i < n; i++) mu += y[i];
        mu /= (double)n;
        for (size_t i = 0; i < n; i++) var += (y[i] - mu) * (y[i] - mu);
    }
    double sd = raw ? 1 : sqrt(var / (double)n);
    g->ymu = mu;
    g->ysd = sd > 0 ? sd : 1;
    for (size_t i = 0; i < n; i++) g->ys[i] = (y[i] - g->ymu) / g->ysd;
}

/* Factor A = C + lambda I for length l into g->L and solve alpha. sf2 <= 0:
 * its closed-form optimum. Returns the log marginal likelihood, or -INFINITY
 * (nothing usable) when A is not positive definite. */
static double factor(strat_gp *g, double l, double lambda, double sf2)
{
    const size_t n = g->n;
    const double s = -0.5 / (l * l);
    ek_reset(g);
    for (size_t j = 0; j < n; j++)
        for (size_t i = j; i < n; i++)
            g->L[j * n + i] = kern(g, s, g->d2[j * n + i]) + (i == j ? lambda : 0);
    if (LAPACKE_dpotrf_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, g->L, (lapack_int)n) != 0)
        return -INFINITY;
    memcpy(g->alpha, g->ys, n * sizeof *g->alpha);
    if (LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'L', (lapack_int)n, 1, g->L, (lapack_int)n,
                            g->alpha, (lapack_int)n) != 0)
        return -INFINITY;
    double quad = 0, logdet = 0;
    for (size_t i = 0; i < n; i++) {
        quad += g->ys[i] * g->alpha[i];
        logdet += log(g->L[i * n + i]);
    }
    if (sf2 <= 0) sf2 = quad > 0 ? quad / (double)n : 1e-12;
    g->l = l;
    g->lambda = lambda;
    g->sf2 = sf2;
    return -0.5 * quad / sf2 - logdet - 0.5 * (double)n * log(sf2) - 0.5 * (double)n * log(2 * M_PI);
}

nb_status strat_gp_fit(strat_gp *g, const float *x, const double *y, size_t n, double l,
                       double sf2, double lambda, int raw, double *lml)
{
    load(g, x, y, n, raw);
    double v = factor(g, l, lambda, sf2);
    if (v == -INFINITY)
        return nb_fail(NB_ERANGE, "gp: kernel matrix of %zu points is not positive definite "
                       "(length %g, noise ratio %g); hint: raise the noise", n, l, lambda);
    if (lml) *lml = v;
    return NB_OK;
}

nb_status strat_gp_fit_ml(strat_gp *g, const float *x, const double *y, size_t n)
{
    load(g, x, y, n, 0);
    double best = -INFINITY, bl = 0, blam = 0;
    for (size_t a = 0; a < sizeof grid_l / sizeof grid_l[0]; a++)
        for (size_t b = 0; b < sizeof grid_lambda / sizeof grid_lambda[0]; b++) {
            double v = factor(g, grid_l[a], grid_lambda[b], 0);
            if (v > best) best = v, bl = grid_l[a], blam = grid_lambda[b];
        }
    if (best == -INFINITY)
        return nb_fail(NB_ERANGE, "gp: no (length, noise) on the grid gives a positive definite "
                       "kernel matrix for %zu points", n);
    factor(g, bl, blam, 0);
    return NB_OK;
}

void strat_gp_predict(strat_gp *g, const float *xs, size_t m, double *mean, double *var)
{
    const size_t n = g->n;
    if (n * m > g->cs_cap) {
        g->cs_cap = n * m;
        g->cs = nb_xrealloc_array(g->cs, g->cs_cap, sizeof *g->cs);
    }
    const double s = -0.5 / (g->l * g->l);
    ek_reset(g);
    for (size_t c = 0; c < m; c++) {
        double mu = 0;
        for (size_t i = 0; i < n; i++) {
            double k = kern(g, s, dist2(xs + c * (size_t)g->dim, g->x + i * (size_t)g->dim, g->dim));
            g->cs[c * n + i] = k;
            mu += k * g->alpha[i];
        }
        mean[c] = mu * g->ysd + g->ymu;
    }
    /* V = L^-1 [c*_1 .. c*_m]: one triangular solve for all candidates */
    int info = LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'L', 'N', 'N', (lapack_int)n, (lapack_int)m,
                                   g->L, (lapack_int)n, g->cs, (lapack_int)n);
    (void)info; /* L has a positive diagonal after a successful dpotrf */
    for (size_t c = 0; c < m; c++) {
        double q = 0;
        for (size_t i = 0; i < n; i++) q += g->cs[c * n + i] * g->cs[c * n + i];
        double v = g->sf2 * (1 - q);
        var[c] = (v > 0 ? v : 0) * g->ysd * g->ysd;
    }
}

void strat_gp_hyper(const strat_gp *g, double *l, double *sf2, double *lambda)
{
    if (l) *l = g->l;
    if (sf2) *sf2 = g->sf2;
    if (lambda) *lambda = g->lambda;
}
