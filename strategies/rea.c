/* strategies/rea.c - regularized (aging) evolution, Real et al., AAAI 2019,
 * Algorithm 1, with NB201's settings (scripts-search/NAS-Bench-201-algos/R-EA.sh):
 * population P = 10, tournament sample S = 3 drawn with replacement, the
 * child is the tournament winner with one edge's op changed (space_mutate),
 * the oldest member dies when a child joins. The first P asks are uniform
 * random cells. Children are evaluated (and charged) even when an identical
 * cell was seen before, as in the paper's simulation.
 *
 * Asynchronous workers (Real et al. sec. 3): a worker that frees up samples
 * its tournament from the population as it stands; members join in order of
 * completion. If every initial cell is still pending when more than P
 * workers ask, the extra asks are random cells too. */
#include "strategies/strat_private.h"

#include <stdlib.h>

#define REA_P 10
#define REA_S 3

typedef struct {
    int fidelity;
    int n_asked_random; /* initial random cells handed out */
    int size, head;     /* ring buffer: head = oldest member */
    space_arch arch[REA_P];
    float score[REA_P];
} rea_state;

static void *rea_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    rea_state *s = nb_xcalloc_array(1, sizeof *s);
    s->fidelity = env->search_fidelity;
    return s;
}

static int rea_ask(void *state, nb_rng *rng, strat_ask *out)
{
    rea_state *s = state;
    out->fidelity = s->fidelity;
    out->tag = 0;
    if (s->n_asked_random < REA_P || s->size == 0) {
        s->n_asked_random++;
        space_random(rng, &out->arch);
        return STRAT_ASK_OK;
    }
    int best = -1;
    for (int k = 0; k < REA_S; k++) {
        int m = (int)nb_rng_below(rng, (uint64_t)s->size);
        int i = (s->head + m) % REA_P;
        if (best < 0 || s->score[i] > s->score[best]) best = i;
    }
    space_mutate(&s->arch[best], rng, &out->arch);
    return STRAT_ASK_OK;
}

static void rea_tell(void *state, const strat_ask *asked, float score, nb_rng *rng)
{
    (void)rng;
    rea_state *s = state;
    if (s->size < REA_P) {
        int i = (s->head + s->size) % REA_P;
        s->arch[i] = asked->arch;
        s->score[i] = score;
        s->size++;
    } else { /* the oldest dies, the child takes its slot and becomes the youngest */
        s->arch[s->head] = asked->arch;
        s->score[s->head] = score;
        s->head = (s->head + 1) % REA_P;
    }
}

static void rea_destroy(void *state) { free(state); }

const strat_vtable strat_rea_vtable = {
    "rea", "regularized evolution (Real et al. 2019): population 10, tournament 3",
    rea_create, rea_ask, rea_tell, rea_destroy,
};
