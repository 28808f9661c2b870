/* strategies/hyperband.c - Hyperband (Li et al., JMLR 2018) over the two
 * fidelities NAS-Bench-201 tables hold, 12 and 200 epochs, with eta = 3: the
 * two-rung case of the successive-halving engine (sh.c), which BOHB
 * (bohb.c) shares, only replacing how rung-0 configurations are drawn.
 *
 * Li et al.'s brackets assume rungs r, r*eta, ..., R; here the only rungs are
 * 12 and 200 epochs (R/r = 16.7), so s_max = 1 and the two brackets are
 *   s = 1: n = eta^2 = 9 cells at 12 epochs, the best n/eta = 3 continue to 200;
 *   s = 0: n = eta   = 3 cells straight at 200 epochs,
 * the same number of 200-epoch evaluations per bracket and about the same
 * cost (9*12 + 3*200 = 708 vs 600 epochs), as Hyperband balances brackets.
 * They alternate s = 1, 0, 1, ... for as long as the budget lasts.
 *
 * Asynchrony: brackets are worked on oldest first; when the open brackets
 * have nothing to run (a rung is waiting for its last results) a new bracket
 * opens, at most `workers` at a time (as hpbandster starts the next
 * iteration for idle workers); beyond that the worker waits
 * (STRAT_ASK_WAIT). With one worker brackets run strictly one after another. */
#include "strategies/strat_private.h"

#define HB_ETA 3

/* The two-rung Hyperband engine over env's low and high fidelity. */
sh_state *strat_hyperband_engine(const strat_env *env, sh_sample_fn sample, void *ctx)
{
    NB_ASSERT(env->n_fidelities >= 2);
    const sh_budget grid[2] = {{env->search_fidelity, 0},
                               {env->fidelities[env->n_fidelities - 1], 0}};
    NB_ASSERT(grid[0].fidelity < grid[1].fidelity);
    const sh_plan plans[2] = {
        {0, 2, {HB_ETA * HB_ETA, HB_ETA}}, /* s = 1 */
        {1, 1, {HB_ETA}},                  /* s = 0 */
    };
    return sh_create(env->space, env->workers, grid, 2, plans, 2, 0, sample, ctx);
}

/* ---- plain Hyperband: rung-0 cells uniform at random (with replacement) ---- */

static void random_sample(void *ctx, const sh_state *sh, nb_rng *rng, space_arch *out)
{
    (void)ctx;
    sh_space(sh)->random(rng, out);
}

static void *hyperband_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return strat_hyperband_engine(env, random_sample, NULL);
}
static int hyperband_ask(void *state, nb_rng *rng, strat_ask *out) { return sh_ask(state, rng, out); }
static void hyperband_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    sh_tell(state, asked, obj[STRAT_OBJ_SCORE]);
}
static void hyperband_destroy(void *state) { sh_destroy(state); }

const strat_vtable strat_hyperband_vtable = {
    "hyperband", "Hyperband (Li et al. 2018), eta 3 over 12 and 200 epochs",
    hyperband_create, hyperband_ask, hyperband_tell, hyperband_destroy, 0,
};
