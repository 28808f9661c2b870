/* strategies/gpbo.c - Bayesian optimisation with a Gaussian process and
 * expected improvement (Jones, Schonlau & Welch, J. Global Optim. 1998;
 * Snoek, Larochelle & Adams, NeurIPS 2012; on NAS cells as the GP baseline
 * of BANANAS and NASLib):
 *   encoding: the space's one-hot encoding (env->space->onehot; NB201: 6
 *     edges x 5 ops, 30 features). The squared-exponential kernel on it,
 *     exp(-|x - x'|^2 / 2l^2), is exp(-h / l^2) with h the number of
 *     decisions on which two cells differ: a Hamming-distance kernel;
 *   model: zero-mean GP on the standardised validation accuracies
 *     (strategies/surrogate.h), length l, signal variance and noise by
 *     maximising the log marginal likelihood (grid over l and the noise
 *     ratio, the signal variance in closed form), refit at every ask that
 *     has new results; Cholesky through LAPACKE;
 *   acquisition: expected improvement over the best accuracy seen,
 *     EI = (mu - y*) Phi(z) + sigma phi(z), z = (mu - y*) / sigma, of the
 *     latent function, maximised over a pool of GB_MUTATIONS = 100 single
 *     mutations of the 2 best cells (as BANANAS) and GB_RANDOM = 100 uniform
 *     random cells; cells already evaluated or pending are not in the pool;
 *     ties go to the earlier pool entry;
 *   the first GB_INIT = 10 asks are uniform random cells.
 * A missing score (NaN) is not fitted. If every pool cell was seen, or the
 * fit fails (no positive-definite kernel matrix on the grid), the ask is a
 * random cell.
 * Asynchronous workers: a worker that frees up fits the results told so
 * far and picks the best new cell; pending cells are only kept out of the
 * pool (no fantasised results). While no result is in yet, asks are random. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/surrogate.h"

#define GB_INIT 10
#define GB_MUTATIONS 100
#define GB_RANDOM 100
#define GB_POOL (GB_MUTATIONS + GB_RANDOM)
#define GB_DIM_MAX 128

typedef struct {
    const space_def *space;
    int fidelity, dim;
    int n_random;
    strat_evals h;               /* results, features, pending cells */
    strat_gp *gp;
    size_t n_fit;  /* results in the current fit (0: none) */
    float pool_x[GB_POOL * GB_DIM_MAX];
    double mean[GB_POOL], var[GB_POOL];
} gb_state;

static void *gb_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    gb_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    s->dim = env->space->onehot_dim;
    NB_ASSERT(s->dim > 0 && s->dim <= GB_DIM_MAX);
    s->h.dim = s->dim;
    s->gp = strat_gp_create(s->dim);
    return s;
}

static int seen(const gb_state *s, uint32_t id)
{
    if (strat_evals_seen(&s->h, id)) return 1;
    return 0;
}

/* The pool cell with the largest EI, or 0 when there is none. */
static int propose(gb_state *s, nb_rng *rng, space_arch *out)
{
    if (s->n_fit != s->h.obs.n) {
        s->n_fit = 0;
        double *y = nb_xcalloc_array(s->h.obs.n, sizeof *y); /* the GP takes double scores */
        for (size_t i = 0; i < s->h.obs.n; i++) y[i] = s->h.obs.scores[i];
        nb_status st = strat_gp_fit_ml(s->gp, s->h.x, y, s->h.obs.n);
        free(y);
        if (st != NB_OK) return 0;
        s->n_fit = s->h.obs.n;
    }
    size_t top[2];
    strat_evals_best_two(&s->h, top);
    const int n_par = s->h.obs.n >= 2 ? 2 : 1;
    space_arch pool[GB_POOL];
    int m = 0;
    for (int c = 0; c < GB_POOL; c++) {
        space_arch a;
        if (c < GB_MUTATIONS)
            s->space->mutate(&s->h.arch[top[c % n_par]], rng, &a);
        else
            s->space->random(rng, &a);
        if (seen(s, s->space->index(&a))) continue;
        pool[m] = a;
        s->space->onehot(&a, s->pool_x + (size_t)m * s->dim);
        m++;
    }
    if (m == 0) return 0;
    strat_gp_predict(s->gp, s->pool_x, (size_t)m, s->mean, s->var);
    const double ybest = s->h.obs.scores[top[0]];
    int best = -1;
    double best_ei = -INFINITY;
    for (int c = 0; c < m; c++) {
        const double sd = sqrt(s->var[c]), d = s->mean[c] - ybest;
        double ei;
        if (sd > 0) {
            const double z = d / sd;
            ei = d * 0.5 * erfc(-z / M_SQRT2) + sd * exp(-0.5 * z * z) / sqrt(2 * M_PI);
        } else {
            ei = d > 0 ? d : 0;
        }
        if (ei > best_ei) best_ei = ei, best = c;
    }
    *out = pool[best];
    return 1;
}

static int gb_ask(void *state, nb_rng *rng, strat_ask *out)
{
    gb_state *s = state;
    out->fidelity = s->fidelity;
    out->tag = 0;
    if (s->n_random < GB_INIT) {
        s->n_random++;
        s->space->random(rng, &out->arch);
    } else if (s->h.obs.n == 0) {
        if (s->h.n_pend > 0) return STRAT_ASK_WAIT;
        s->space->random(rng, &out->arch);
    } else if (!propose(s, rng, &out->arch)) {
        s->space->random(rng, &out->arch);
    }
    strat_evals_pending(&s->h, s->space->index(&out->arch));
    return STRAT_ASK_OK;
}

static void gb_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    gb_state *s = state;
    const uint32_t id = s->space->index(&asked->arch);
    float *row = strat_evals_tell(&s->h, id, &asked->arch, obj[STRAT_OBJ_SCORE]);
    if (row) s->space->onehot(&asked->arch, row);
}

static void gb_destroy(void *state)
{
    gb_state *s = state;
    if (!s) return;
    strat_gp_destroy(s->gp);
    strat_evals_free(&s->h);
    free(s);
}

const strat_vtable strat_gpbo_vtable = {
    "gp-bo", "GP Bayesian optimisation: Hamming (one-hot RBF) kernel, marginal likelihood, EI over mutations + random",
    gb_create, gb_ask, gb_tell, gb_destroy, 0,
};
