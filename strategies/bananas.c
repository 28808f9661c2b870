/* strategies/bananas.c - BANANAS (White, Neiswanger & Savani, AAAI 2021),
 * with the settings of the paper (sec. 5) and of NASLib's defaults for it
 * (naslib/optimizers/discrete/bananas, config: num_init 10, k 10,
 * num_ensemble 5, acq_fn_type its, acq_fn_optimization mutation,
 * encoding_type path, num_arches_to_mutate 2, max_mutations 1,
 * num_candidates 100):
 *   1. the first BN_INIT = 10 asks are uniform random cells;
 *   2. then, whenever the batch is empty: an ensemble of BN_ENSEMBLE = 5
 *      networks (strategies/surrogate.h: 10 layers of 20 ReLU units, MAE,
 *      Adam lr 0.01, 200 epochs) is trained from scratch on every result so
 *      far, features the space's path encoding (env->space->path; the
 *      one-hot encoding where a space has none), target the validation
 *      accuracy at the search fidelity;
 *   3. BN_CANDIDATES = 100 candidates, candidate i one mutation
 *      (space->mutate) of the (i mod 2)-th best cell evaluated so far;
 *   4. independent Thompson sampling (paper sec. 4, NASLib acq_fn 'its'):
 *      each candidate's acquisition value is one draw from N(mu, sigma^2),
 *      mu and sigma the mean and standard deviation (n - 1 denominator) of
 *      the five predictions;
 *   5. the BN_K = 10 candidates with the highest values (ties: candidate
 *      order) form the next batch, handed out one per ask.
 * Difference from NASLib: a candidate already evaluated, pending, or
 * already in the batch is skipped (NASLib may re-query it; here that would
 * charge simulated time for a known result); when no candidate is new the
 * ask is a random cell. A missing score (NaN) is not trained on.
 * Asynchronous workers: the batch is the unit of parallelism, as in the
 * paper (k architectures trained in parallel); a worker that finds the
 * batch empty refits on the results told so far, pending cells excluded
 * from the training set and from the candidates. With one worker the model
 * is refit every 10 evaluations. While no result is in yet, asks are random.
 * Speed: one refit of 5 networks on n results costs about
 * 5 x 200 x n forward/backward passes (strategies/mlp.c). */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/surrogate.h"

#define BN_INIT 10
#define BN_K 10
#define BN_ENSEMBLE 5
#define BN_CANDIDATES 100
#define BN_MUTATE 2

typedef struct {
    const space_def *space;
    int fidelity, dim, use_path;
    int n_random;                  /* random cells handed out */
    strat_evals h;               /* results, features, pending cells */
    space_arch batch[BN_K];
    int n_batch, next_batch;
    strat_mlp *net[BN_ENSEMBLE];
    float cand_x[BN_CANDIDATES * 128];
} bn_state;

static void encode(const bn_state *s, const space_arch *a, float *out)
{
    if (s->use_path)
        s->space->path(a, out);
    else
        s->space->onehot(a, out);
}

static void *bn_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    bn_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    s->use_path = env->space->path != NULL;
    s->dim = s->use_path ? env->space->path_dim : env->space->onehot_dim;
    NB_ASSERT(s->dim > 0 && s->dim <= 128);
    s->h.dim = s->dim;
    for (int e = 0; e < BN_ENSEMBLE; e++) s->net[e] = strat_mlp_create(s->dim);
    return s;
}

static int seen(const bn_state *s, uint32_t id)
{
    if (strat_evals_seen(&s->h, id)) return 1;
    for (int i = s->next_batch; i < s->n_batch; i++)
        if (s->space->index(&s->batch[i]) == id) return 1;
    return 0;
}

static void refill(bn_state *s, nb_rng *rng)
{
    for (int e = 0; e < BN_ENSEMBLE; e++) strat_mlp_fit(s->net[e], s->h.x, s->h.obs.scores, s->h.obs.n, 0, rng);
    size_t top[2];
    strat_evals_best_two(&s->h, top);
    const int n_par = s->h.obs.n >= 2 ? BN_MUTATE : 1;
    space_arch cand[BN_CANDIDATES];
    double acq[BN_CANDIDATES];
    int order[BN_CANDIDATES];
    for (int c = 0; c < BN_CANDIDATES; c++) {
        s->space->mutate(&s->h.arch[top[c % n_par]], rng, &cand[c]);
        float *x = s->cand_x + (size_t)c * s->dim;
        encode(s, &cand[c], x);
        double p[BN_ENSEMBLE], mu = 0, ss = 0;
        for (int e = 0; e < BN_ENSEMBLE; e++) mu += (p[e] = strat_mlp_predict(s->net[e], x));
        mu /= BN_ENSEMBLE;
        for (int e = 0; e < BN_ENSEMBLE; e++) ss += (p[e] - mu) * (p[e] - mu);
        acq[c] = mu + sqrt(ss / (BN_ENSEMBLE - 1)) * nb_rng_normal(rng);
        order[c] = c;
    }
    /* insertion sort, descending, stable */
    for (int i = 1; i < BN_CANDIDATES; i++) {
        int v = order[i], j = i;
        while (j > 0 && acq[order[j - 1]] < acq[v]) order[j] = order[j - 1], j--;
        order[j] = v;
    }
    s->n_batch = s->next_batch = 0;
    for (int i = 0; i < BN_CANDIDATES && s->n_batch < BN_K; i++) {
        const space_arch *a = &cand[order[i]];
        if (!seen(s, s->space->index(a))) s->batch[s->n_batch++] = *a;
    }
}

static int bn_ask(void *state, nb_rng *rng, strat_ask *out)
{
    bn_state *s = state;
    out->fidelity = s->fidelity;
    out->tag = 0;
    if (s->n_random < BN_INIT) {
        s->n_random++;
        s->space->random(rng, &out->arch);
    } else if (s->next_batch < s->n_batch) {
        out->arch = s->batch[s->next_batch++];
    } else if (s->h.obs.n == 0) {
        if (s->h.n_pend > 0) return STRAT_ASK_WAIT;
        s->space->random(rng, &out->arch); /* every result so far was missing */
    } else {
        refill(s, rng);
        if (s->n_batch > 0)
            out->arch = s->batch[s->next_batch++];
        else
            s->space->random(rng, &out->arch);
    }
    strat_evals_pending(&s->h, s->space->index(&out->arch));
    return STRAT_ASK_OK;
}

static void bn_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    bn_state *s = state;
    const uint32_t id = s->space->index(&asked->arch);
    float *row = strat_evals_tell(&s->h, id, &asked->arch, obj[STRAT_OBJ_SCORE]);
    if (row) encode(s, &asked->arch, row);
}

static void bn_destroy(void *state)
{
    bn_state *s = state;
    if (!s) return;
    for (int e = 0; e < BN_ENSEMBLE; e++) strat_mlp_destroy(s->net[e]);
    strat_evals_free(&s->h);
    free(s);
}

const strat_vtable strat_bananas_vtable = {
    "bananas", "BANANAS (White et al. 2021): 5 MLPs on the path encoding, Thompson sampling, mutation candidates",
    bn_create, bn_ask, bn_tell, bn_destroy, 0,
};
