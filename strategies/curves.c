/* strategies/curves.c - helpers of the strategies that ask per-epoch
 * budgets (PROTOCOL.md "Per-epoch budgets"): only cells with a complete
 * validation curve (env->curve_archs, ascending indices of env->space) may
 * be asked. */
#include "strategies/strat_private.h"

void strat_curve_random(const strat_env *env, nb_rng *rng, space_arch *out)
{
    NB_ASSERT(env->n_curve_archs > 0);
    *out = env->space->arch(env->curve_archs[nb_rng_below(rng, env->n_curve_archs)]);
}

int strat_curve_has(const strat_env *env, uint32_t index)
{
    size_t lo = 0, hi = env->n_curve_archs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (env->curve_archs[mid] < index) lo = mid + 1;
        else hi = mid;
    }
    return lo < env->n_curve_archs && env->curve_archs[lo] == index;
}
