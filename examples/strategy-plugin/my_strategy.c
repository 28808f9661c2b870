/* my_strategy.c - an out-of-tree nastab strategy: a hill climber with
 * restarts. It keeps the best architecture found so far and asks for a
 * mutation of it (one decision changed, through env->space, so it searches
 * whatever space the table holds); after `patience` children in a row that did not improve,
 * it restarts from a random cell.
 *
 * Everything a run needs lives in its state (runs execute on several
 * threads at once: no globals), and every random choice comes from the rng
 * the loop passes in (the run's own stream, so results are reproducible and
 * independent of the thread count). Build: see the Makefile and README.md. */
#include <stdlib.h>

#include "strategies/strat.h"

typedef struct {
    const space_def *space; /* the table's search space, from env */
    space_arch best; /* incumbent of the current climb */
    float best_score;/* its validation accuracy (percent), -1 before the first */
    int stale;       /* children in a row that did not improve */
    int patience;    /* restart after this many */
    int fidelity;    /* epochs asked for: the protocol's search fidelity */
} hill;

static void *hill_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    hill *h = calloc(1, sizeof *h);
    if (!h) abort(); /* the interface says: create aborts on OOM */
    h->best_score = -1;
    h->patience = 20;
    h->fidelity = env->search_fidelity;
    h->space = env->space;
    return h;
}

static int hill_ask(void *state, nb_rng *rng, strat_ask *out)
{
    hill *h = state;
    if (h->best_score < 0 || h->stale >= h->patience) {
        h->space->random(rng, &out->arch); /* (re)start */
        out->tag = 1;
    } else {
        h->space->mutate(&h->best, rng, &out->arch); /* one decision, another choice */
        out->tag = 0;
    }
    out->fidelity = h->fidelity;
    return STRAT_ASK_OK;
}

static void hill_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    const float score = obj[STRAT_OBJ_SCORE];
    (void)rng;
    hill *h = state;
    if (asked->tag == 1 || score > h->best_score) { /* a restart always becomes the incumbent */
        h->best = asked->arch;
        h->best_score = score;
        h->stale = 0;
    } else {
        h->stale++;
    }
}

static void hill_destroy(void *state) { free(state); }

static const strat_vtable hill_vtable = {
    "hill", "hill climber with random restarts (example plugin)", hill_create, hill_ask, hill_tell,
    hill_destroy, 0};

/* Exports nastab_strategy_abi and nastab_strategy(). */
STRAT_PLUGIN(hill_vtable)
