/* strategies/rea.c - regularized (aging) evolution, Real et al., AAAI 2019,
 * Algorithm 1, with NB201's settings (scripts-search/NAS-Bench-201-algos/R-EA.sh):
 * population P = 10, tournament sample S = 3 drawn with replacement, the
 * child is the tournament winner with one edge's op changed (space->mutate),
 * the oldest member dies when a child joins. The first P asks are uniform
 * random cells. Children are evaluated (and charged) even when an identical
 * cell was seen before, as in the paper's simulation.
 *
 * rea-constrained is the same algorithm with a feasibility rule in the
 * tournament (Deb, "An efficient constraint handling method for genetic
 * algorithms", CMAME 2000): a member with latency <= env->latency_max beats
 * an infeasible one; two feasible ones compare by score, two infeasible ones
 * by latency (lower wins). Its population is env->population when that is
 * between 1 and P - 1.
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
    const space_def *space;
    int fidelity;
    int constrained;    /* 1: the feasibility rule decides tournaments */
    float latency_max;
    int pop;            /* population size, <= REA_P */
    int n_asked_random; /* initial random cells handed out */
    int size, head;     /* ring buffer: head = oldest member */
    space_arch arch[REA_P];
    float score[REA_P], lat[REA_P];
} rea_state;

/* member a beats member b in a tournament */
static int better(const rea_state *s, int a, int b)
{
    if (s->constrained) {
        int fa = s->lat[a] <= s->latency_max, fb = s->lat[b] <= s->latency_max;
        if (fa != fb) return fa;
        if (!fa) return s->lat[a] < s->lat[b];
    }
    return s->score[a] > s->score[b];
}

static rea_state *rea_new(const strat_env *env, int constrained)
{
    rea_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    s->constrained = constrained;
    s->latency_max = env->latency_max;
    s->pop = constrained && env->population > 0 && env->population < REA_P ? env->population : REA_P;
    return s;
}

static void *rea_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return rea_new(env, 0);
}

static void *rea_c_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return rea_new(env, 1);
}

static int rea_ask(void *state, nb_rng *rng, strat_ask *out)
{
    rea_state *s = state;
    out->fidelity = s->fidelity;
    out->tag = 0;
    if (s->n_asked_random < s->pop || s->size == 0) {
        s->n_asked_random++;
        s->space->random(rng, &out->arch);
        return STRAT_ASK_OK;
    }
    int best = -1;
    for (int k = 0; k < REA_S; k++) {
        int m = (int)nb_rng_below(rng, (uint64_t)s->size);
        int i = (s->head + m) % s->pop;
        if (best < 0 || better(s, i, best)) best = i;
    }
    s->space->mutate(&s->arch[best], rng, &out->arch);
    return STRAT_ASK_OK;
}

static void rea_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    rea_state *s = state;
    int i;
    if (s->size < s->pop) {
        i = (s->head + s->size) % s->pop;
        s->size++;
    } else { /* the oldest dies, the child takes its slot and becomes the youngest */
        i = s->head;
        s->head = (s->head + 1) % s->pop;
    }
    s->arch[i] = asked->arch;
    s->score[i] = obj[STRAT_OBJ_SCORE];
    /* +INFINITY when missing: infeasible, worst */
    s->lat[i] = s->constrained ? obj[STRAT_OBJ_LATENCY] : 0.0f;
}

static void rea_destroy(void *state) { free(state); }

const strat_vtable strat_rea_vtable = {
    "rea", "regularized evolution (Real et al. 2019): population 10, tournament 3",
    rea_create, rea_ask, rea_tell, rea_destroy, 0,
};

const strat_vtable strat_rea_constrained_vtable = {
    "rea-constrained",
    "REA (P 10, S 3) where latency > L loses to feasible cells (constraint domination)",
    rea_c_create, rea_ask, rea_tell, rea_destroy, 2,
};
