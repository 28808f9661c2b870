/* strategies/bohb.c - BOHB (Falkner, Klein & Hutter, ICML 2018): Hyperband's
 * two-rung brackets over 12 and 200 epochs (hyperband.c, sh.c) with rung-0
 * cells proposed by the TPE model (tpe.c) instead of uniformly: the model on
 * the 200-epoch results once there are enough, else on the 12-epoch ones. */
#include "strategies/strat_private.h"

#include <stdlib.h>

static void bohb_sample(void *ctx, const sh_state *sh, nb_rng *rng, space_arch *out)
{
    strat_tpe_propose_sh(ctx, sh, NULL, rng, out);
}

typedef struct {
    sh_state *sh;
    strat_tpe tpe;
} bohb_state;

static void *bohb_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    bohb_state *s = nb_xcalloc_array(1, sizeof *s);
    s->sh = strat_hyperband_engine(env, bohb_sample, &s->tpe);
    return s;
}

static int bohb_ask(void *state, nb_rng *rng, strat_ask *out)
{
    bohb_state *s = state;
    return sh_ask(s->sh, rng, out);
}

static void bohb_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    bohb_state *s = state;
    sh_tell(s->sh, asked, obj[STRAT_OBJ_SCORE]);
}

static void bohb_destroy(void *state)
{
    bohb_state *s = state;
    if (!s) return;
    sh_destroy(s->sh);
    strat_tpe_free(&s->tpe);
    free(s);
}

const strat_vtable strat_bohb_vtable = {
    "bohb", "BOHB (Falkner et al. 2018): Hyperband brackets with a TPE model over ops",
    bohb_create, bohb_ask, bohb_tell, bohb_destroy, 0,
};
