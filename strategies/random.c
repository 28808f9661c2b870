/* strategies/random.c - random search (Bergstra & Bengio 2012; NB201's "RS"):
 * every ask is a uniform random cell at the search fidelity, drawn with
 * replacement (a cell may be evaluated, and charged, twice), as NB201's
 * random_wo_share samples independently each time. */
#include "strategies/strat_private.h"

#include <stdlib.h>

typedef struct {
    int fidelity;
} random_state;

static void *random_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    random_state *s = nb_xmalloc(sizeof *s);
    s->fidelity = env->search_fidelity;
    return s;
}

static int random_ask(void *state, nb_rng *rng, strat_ask *out)
{
    random_state *s = state;
    space_random(rng, &out->arch);
    out->fidelity = s->fidelity;
    out->tag = 0;
    return STRAT_ASK_OK;
}

static void random_tell(void *state, const strat_ask *asked, float score, nb_rng *rng)
{
    (void)state, (void)asked, (void)score, (void)rng;
}

static void random_destroy(void *state) { free(state); }

const strat_vtable strat_random_vtable = {
    "random", "random search: uniform cells with replacement at 12 epochs",
    random_create, random_ask, random_tell, random_destroy,
};
