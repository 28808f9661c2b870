/* strategies/ga.c - a generational genetic algorithm with crossover
 * (Holland 1975; Goldberg, "Genetic Algorithms in Search, Optimization and
 * Machine Learning", 1989; on cells as in Xie & Yuille, "Genetic CNN", ICCV
 * 2017):
 *   generation 0: P uniform random cells;
 *   generation g+1: the E best of generation g carried over unevaluated
 *     (elitism), then P - E children, each of two parents picked by
 *     tournaments of S members of generation g drawn with replacement,
 *     crossed (crossover probability 1) by the space's crossover, then
 *     mutated once (space->mutate: one decision changed, REA's operator);
 *   P = 20 (env->population when set), S = 3 (REA's), E = 2.
 * Crossover: `ga` uses uniform crossover (space->crossover_uniform: each
 * decision from either parent with probability 1/2), the default because
 * NB201's edge order carries no linkage for one-point crossover to keep
 * (edges 2 and 3 are adjacent in the order but feed different nodes);
 * `ga-point` uses one-point crossover on the decision order
 * (space->crossover_point). Children are evaluated even when the same cell
 * was seen before, as REA's are. A missing score (NaN) ranks last.
 * Asynchronous workers: the generation is synchronous. Up to P - E (P in
 * generation 0) evaluations of one generation run at once; a worker that
 * frees up while children of the current generation are still pending
 * waits (STRAT_ASK_WAIT), and the next generation is bred when the last of
 * them is told. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>

#define GA_P 20
#define GA_S 3
#define GA_E 2
#define GA_P_MAX 2048

typedef struct {
    const space_def *space;
    int fidelity;
    int point;                  /* 1: one-point crossover */
    int P, E;
    int gen;                    /* current generation, 0 = random */
    int handed, told;           /* slots of the current generation asked / told */
    space_arch *par_arch, *cur_arch; /* (P) previous generation, current one */
    float *par_score, *cur_score;
} ga_state;

static void *ga_new(const strat_env *env, int point)
{
    ga_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    s->point = point;
    s->P = env->population >= 2 && env->population <= GA_P_MAX ? env->population : GA_P;
    s->E = GA_E < s->P ? GA_E : s->P - 1;
    s->par_arch = nb_xcalloc_array((size_t)s->P, sizeof *s->par_arch);
    s->cur_arch = nb_xcalloc_array((size_t)s->P, sizeof *s->cur_arch);
    s->par_score = nb_xcalloc_array((size_t)s->P, sizeof *s->par_score);
    s->cur_score = nb_xcalloc_array((size_t)s->P, sizeof *s->cur_score);
    return s;
}

static void *ga_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return ga_new(env, 0);
}

static void *ga_point_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return ga_new(env, 1);
}

static float rank_score(float v) { return isnan(v) ? -INFINITY : v; }

static int tournament(const ga_state *s, nb_rng *rng)
{
    int best = -1;
    for (int k = 0; k < GA_S; k++) {
        int i = (int)nb_rng_below(rng, (uint64_t)s->P);
        if (best < 0 || rank_score(s->par_score[i]) > rank_score(s->par_score[best])) best = i;
    }
    return best;
}

/* The current generation becomes the parents; its E best slots (ties:
 * the lower slot) open the next one. */
static void next_generation(ga_state *s)
{
    space_arch *ta = s->par_arch;
    float *ts = s->par_score;
    s->par_arch = s->cur_arch, s->par_score = s->cur_score;
    s->cur_arch = ta, s->cur_score = ts;
    int taken[GA_E];
    for (int e = 0; e < s->E; e++) {
        int best = -1;
        for (int i = 0; i < s->P; i++) {
            int dup = 0;
            for (int f = 0; f < e; f++) dup |= taken[f] == i;
            if (!dup && (best < 0 || rank_score(s->par_score[i]) > rank_score(s->par_score[best])))
                best = i;
        }
        taken[e] = best;
        s->cur_arch[e] = s->par_arch[best];
        s->cur_score[e] = s->par_score[best];
    }
    s->gen++;
    s->handed = s->told = s->E;
}

static int ga_ask(void *state, nb_rng *rng, strat_ask *out)
{
    ga_state *s = state;
    if (s->handed == s->P) {
        if (s->told < s->P) return STRAT_ASK_WAIT;
        next_generation(s);
    }
    int slot = s->handed++;
    if (s->gen == 0) {
        s->space->random(rng, &out->arch);
    } else {
        int a = tournament(s, rng), b = tournament(s, rng);
        space_arch child;
        if (s->point)
            s->space->crossover_point(&s->par_arch[a], &s->par_arch[b], rng, &child);
        else
            s->space->crossover_uniform(&s->par_arch[a], &s->par_arch[b], rng, &child);
        s->space->mutate(&child, rng, &out->arch);
    }
    out->fidelity = s->fidelity;
    out->tag = (uint32_t)slot;
    return STRAT_ASK_OK;
}

static void ga_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    ga_state *s = state;
    s->cur_arch[asked->tag] = asked->arch;
    s->cur_score[asked->tag] = obj[STRAT_OBJ_SCORE];
    s->told++;
}

static void ga_destroy(void *state)
{
    ga_state *s = state;
    if (!s) return;
    free(s->par_arch);
    free(s->cur_arch);
    free(s->par_score);
    free(s->cur_score);
    free(s);
}

const strat_vtable strat_ga_vtable = {
    "ga", "generational GA: population 20, tournament 3, uniform crossover, one mutation, 2 elites",
    ga_create, ga_ask, ga_tell, ga_destroy, 0,
};

const strat_vtable strat_ga_point_vtable = {
    "ga-point", "generational GA as ga, with one-point crossover on the decision order",
    ga_point_create, ga_ask, ga_tell, ga_destroy, 0,
};
