/* strategies/random.c - random search (Bergstra & Bengio 2012; NB201's "RS"):
 * every ask is a uniform random cell at the search fidelity, drawn with
 * replacement (a cell may be evaluated, and charged, twice), as NB201's
 * random_wo_share samples independently each time. Nothing is learnt, so
 * the same strategy is the multi-objective baseline ("random": the front of
 * everything evaluated). "random-constrained" is the same sampler under
 * another name, so that a comparison table of constrained strategies reads
 * naturally; the loop's incumbent honours the latency bound for both, and
 * the two give identical runs for the same seed. */
#include "strategies/strat_private.h"

#include <stdlib.h>

typedef struct {
    const space_def *space;
    int fidelity;
} random_state;

static void *random_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    random_state *s = nb_xmalloc(sizeof *s);
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    return s;
}

static int random_ask(void *state, nb_rng *rng, strat_ask *out)
{
    random_state *s = state;
    s->space->random(rng, &out->arch);
    out->fidelity = s->fidelity;
    out->tag = 0;
    return STRAT_ASK_OK;
}

static void random_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)state, (void)asked, (void)obj, (void)rng;
}

static void random_destroy(void *state) { free(state); }

const strat_vtable strat_random_vtable = {
    "random", "random search: uniform cells with replacement at 12 epochs",
    random_create, random_ask, random_tell, random_destroy, 0,
};

const strat_vtable strat_random_constrained_vtable = {
    "random-constrained", "uniform random cells; incumbent: best accuracy with latency <= L",
    random_create, random_ask, random_tell, random_destroy, 2,
};
