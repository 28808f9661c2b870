/* strategies/hb_epochs.c - Hyperband (Li et al., JMLR 2018) and BOHB
 * (Falkner, Klein & Hutter, ICML 2018) with every recorded epoch of the
 * 200-epoch schedule's validation curve as a possible budget, and
 * checkpointed promotion: a cell promoted from rung epoch e1 to e2 continues
 * its training and is charged only e2 - e1 epochs plus one validation pass
 * (strat_ask.from_epoch; PROTOCOL.md "Per-epoch budgets"). The brackets run
 * on the successive-halving engine (sh.c).
 *
 * Budgets, as hpbandster's HyperBand/BOHB (which NB201's BOHB ran): eta = 3,
 * R = env->curve_fidelity (200), r_min = the first recorded epoch (1),
 * s_max = floor(log_eta(R / r_min)) = 4; the budget grid is
 * R * eta^-k, k = s_max..0, rounded to the nearest epoch and then up to the
 * next recorded one: {2, 7, 22, 67, 200}. Bracket number b runs
 * s = s_max - (b mod (s_max + 1)) (s = 4, 3, 2, 1, 0, 4, ...), with
 * n_0 = floor((s_max + 1) / (s + 1)) * eta^s cells at budget grid[s_max - s]
 * and n_i = max(1, floor(n_0 * eta^-i)) at rung i (grid[s_max - s + i]):
 *   s = 4: 81 @2, 27 @7, 9 @22, 3 @67, 1 @200;   s = 3: 27 @7, 9, 3, 1;
 *   s = 2: 9 @22, 3, 1;   s = 1: 6 @67, 2 @200;   s = 0: 5 @200.
 * After a rung completes its best n_{i+1} cells (ties: earlier sampled) go
 * on. Asynchrony as in hyperband.c.
 *
 * Cells are drawn only among env->curve_archs (cells with a value at every
 * epoch of the curve): hyperband-epochs uniformly (curves.c), bohb-epochs
 * with BOHB's TPE model (tpe.c) fit on the largest budget with enough
 * observations. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>

#define HBE_ETA 3

typedef struct {
    strat_env env; /* copy; its arrays are the loop's, valid for the whole run */
    int use_model; /* 1: BOHB proposals, 0: uniform */
    strat_tpe tpe;
    sh_state *sh;
} hbe_state;

/* Smallest recorded epoch >= e (the last one when none is). */
static int recorded_at_least(const strat_env *env, int e)
{
    for (int k = 0; k < env->n_epochs; k++)
        if (env->epochs[k] >= e) return env->epochs[k];
    return env->epochs[env->n_epochs - 1];
}

static void sample(void *ctx, const sh_state *sh, nb_rng *rng, space_arch *out)
{
    hbe_state *h = ctx;
    if (!h->use_model) strat_curve_random(&h->env, rng, out);
    else strat_tpe_propose_sh(&h->tpe, sh, &h->env, rng, out);
}

static void *hbe_create(const strat_env *env, int use_model)
{
    NB_ASSERT(env->curve_fidelity > 0 && env->n_epochs > 0 && env->n_curve_archs > 0);
    hbe_state *h = nb_xcalloc_array(1, sizeof *h);
    h->env = *env;
    h->use_model = use_model;
    const double R = env->curve_fidelity, rmin = env->epochs[0];
    int s_max = (int)floor(log(R / rmin) / log((double)HBE_ETA) + 1e-9);
    if (s_max > SH_MAX_LEVELS - 1) s_max = SH_MAX_LEVELS - 1;
    if (s_max < 0) s_max = 0;
    /* grid[j] = R * eta^(j - s_max), j = 0..s_max, on recorded epochs, strictly increasing */
    sh_budget grid[SH_MAX_LEVELS];
    int n = 0;
    for (int j = 0; j <= s_max; j++) {
        double b = R * pow((double)HBE_ETA, (double)(j - s_max));
        int e = recorded_at_least(env, (int)lround(b) < 1 ? 1 : (int)lround(b));
        if (j == s_max) e = env->curve_fidelity;
        if (n > 0 && e <= grid[n - 1].epoch) continue; /* rounding collided: drop the level */
        grid[n].fidelity = env->curve_fidelity;
        grid[n].epoch = e;
        n++;
    }
    s_max = n - 1;
    /* bracket b: s = s_max - (b mod (s_max + 1)) */
    sh_plan plans[SH_MAX_LEVELS];
    for (int p = 0; p <= s_max; p++) {
        int s = s_max - p;
        plans[p].level0 = s_max - s;
        plans[p].n_rungs = s + 1;
        double n0 = floor((double)(s_max + 1) / (s + 1)) * pow((double)HBE_ETA, s);
        for (int r = 0; r <= s; r++) {
            double ni = floor(n0 * pow((double)HBE_ETA, -r));
            plans[p].n[r] = ni < 1 ? 1 : (int)ni;
        }
    }
    h->sh = sh_create(env->space, env->workers, grid, n, plans, s_max + 1, 1, sample, h);
    return h;
}

static void hbe_destroy(void *state)
{
    hbe_state *h = state;
    if (!h) return;
    sh_destroy(h->sh);
    strat_tpe_free(&h->tpe);
    free(h);
}

static int hbe_ask(void *state, nb_rng *rng, strat_ask *out)
{
    hbe_state *h = state;
    return sh_ask(h->sh, rng, out);
}

static void hbe_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    hbe_state *h = state;
    sh_tell(h->sh, asked, obj[STRAT_OBJ_SCORE]);
}

static void *hyperband_epochs_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return hbe_create(env, 0);
}

static void *bohb_epochs_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return hbe_create(env, 1);
}

const strat_vtable strat_hyperband_epochs_vtable = {
    "hyperband-epochs",
    "Hyperband (Li et al. 2018), eta 3 over epochs {2,7,22,67,200} of the 200-epoch curve, checkpointed",
    hyperband_epochs_create, hbe_ask, hbe_tell, hbe_destroy, 0,
};

const strat_vtable strat_bohb_epochs_vtable = {
    "bohb-epochs",
    "BOHB (Falkner et al. 2018) over epochs {2,7,22,67,200} of the 200-epoch curve, checkpointed",
    bohb_epochs_create, hbe_ask, hbe_tell, hbe_destroy, 0,
};
