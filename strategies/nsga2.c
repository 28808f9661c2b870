/* strategies/nsga2.c - NSGA-II (Deb, Pratap, Agarwal & Meyarivan, "A fast
 * and elitist multiobjective genetic algorithm: NSGA-II", IEEE TEVC 6(2),
 * 2002) on the table's search space, as an ask/tell multi-objective strategy.
 *
 * Objectives (both minimised, normalised as in results/MO_RESULTS.md):
 *   f0 = 1 - score / 100          (score: validation accuracy, percent)
 *   f1 = latency / lat_ref        (lat_ref = 1.1 * largest latency of the column)
 * A missing latency is f1 = 2, beyond every measured cell, so it is
 * dominated by any cell of equal or better accuracy and stays finite for
 * the crowding distance.
 *
 * Generations (population N, default 20):
 *   - the first N asks are uniform random cells; once all N are told, the
 *     population is ranked (fast non-dominated sort) and crowded;
 *   - each later ask is a binary tournament (two members drawn uniformly
 *     with replacement; lower rank wins, then larger crowding distance, then
 *     the first drawn: Deb's crowded-comparison operator) whose winner is
 *     mutated (space->mutate: one edge, another op). Deb's NSGA-II also uses
 *     crossover; here variation is mutation only, as in REA on this space;
 *   - when N children are told, parents + children (2N) are sorted into
 *     fronts, whole fronts fill the next population, and the front that does
 *     not fit is cut by crowding distance (largest first, ties: lower index,
 *     parents before children). Ranks and distances from that sort are kept
 *     for the next tournaments (as in the paper's main loop).
 * With several workers, asks beyond the N initial cells before the
 * population is complete are random cells too, and children join in order
 * of completion. Needs two objectives (min_objectives 2). */
#include "strategies/strat_private.h"

#include "results/res.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NSGA2_DEFAULT_N 20
#define MISSING_F1 2.0

/* ---- the strategy ---- */

typedef struct {
    const space_def *space;
    size_t n;             /* population size N */
    double lat_ref;
    size_t size;          /* members told so far in the initial population (<= N) */
    size_t n_asked;       /* initial random cells handed out */
    int ranked;           /* population complete and ranked */
    space_arch *arch;     /* (2N) population, then the children of this generation */
    double *f;            /* (2N, 2) objectives */
    int *rank;            /* (2N) */
    double *crowd;        /* (2N) */
    size_t n_child;       /* children told this generation */
    int fidelity;         /* epochs asked: the search fidelity */
} nsga2_state;

static void objectives(const nsga2_state *s, float score, float latency, double *f)
{
    f[0] = 1.0 - (double)score / 100.0;
    f[1] = isfinite(latency) ? (double)latency / s->lat_ref : MISSING_F1;
}

/* Ranks and crowding of the first m members; returns nothing, fills s->rank/crowd. */
static void rank_and_crowd(nsga2_state *s, size_t m)
{
    res_nondominated_sort(s->f, m, s->rank);
    size_t *idx = nb_xcalloc_array(m, sizeof *idx);
    double *d = nb_xcalloc_array(m, sizeof *d);
    for (int r = 0;; r++) {
        size_t k = 0;
        for (size_t i = 0; i < m; i++)
            if (s->rank[i] == r) idx[k++] = i;
        if (k == 0) break;
        res_crowding(s->f, idx, k, d);
        for (size_t j = 0; j < k; j++) s->crowd[idx[j]] = d[j];
    }
    free(idx);
    free(d);
}

typedef struct {
    int rank;
    double crowd;
    size_t i;
} ranked;

/* Crowded comparison: lower rank, then larger distance, then lower index. */
static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if (x->crowd != y->crowd) return x->crowd > y->crowd ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Environmental selection over parents + children (2N) -> N. */
static void select_next(nsga2_state *s)
{
    size_t m = s->n + s->n_child;
    rank_and_crowd(s, m);
    ranked *o = nb_xcalloc_array(m, sizeof *o);
    for (size_t i = 0; i < m; i++) o[i] = (ranked){s->rank[i], s->crowd[i], i};
    /* Whole fronts in rank order, the cut front by crowding: exactly the
     * crowded-comparison order, truncated at N. */
    qsort(o, m, sizeof *o, cmp_ranked);
    space_arch *arch = nb_xcalloc_array(s->n, sizeof *arch);
    double *f = nb_xcalloc_array(2 * s->n, sizeof *f);
    int *rank = nb_xcalloc_array(s->n, sizeof *rank);
    double *crowd = nb_xcalloc_array(s->n, sizeof *crowd);
    for (size_t k = 0; k < s->n; k++) {
        size_t i = o[k].i;
        arch[k] = s->arch[i];
        f[2 * k] = s->f[2 * i];
        f[2 * k + 1] = s->f[2 * i + 1];
        rank[k] = s->rank[i];
        crowd[k] = s->crowd[i];
    }
    memcpy(s->arch, arch, s->n * sizeof *arch);
    memcpy(s->f, f, 2 * s->n * sizeof *f);
    memcpy(s->rank, rank, s->n * sizeof *rank);
    memcpy(s->crowd, crowd, s->n * sizeof *crowd);
    s->n_child = 0;
    free(o);
    free(arch);
    free(f);
    free(rank);
    free(crowd);
}

static void *nsga2_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    nsga2_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    s->n = env->population > 0 ? (size_t)env->population : NSGA2_DEFAULT_N;
    NB_ASSERT(s->n >= 2 && s->n <= 2048);
    s->lat_ref = env->lat_ref > 0 ? env->lat_ref : 1.0;
    s->arch = nb_xcalloc_array(2 * s->n, sizeof *s->arch);
    s->f = nb_xcalloc_array(4 * s->n, sizeof *s->f);
    s->rank = nb_xcalloc_array(2 * s->n, sizeof *s->rank);
    s->crowd = nb_xcalloc_array(2 * s->n, sizeof *s->crowd);
    return s;
}

static int nsga2_ask(void *state, nb_rng *rng, strat_ask *out)
{
    nsga2_state *s = state;
    out->fidelity = s->fidelity;
    out->tag = 0;
    if (!s->ranked) {
        s->n_asked++;
        s->space->random(rng, &out->arch);
        return STRAT_ASK_OK;
    }
    size_t a = (size_t)nb_rng_below(rng, s->n), b = (size_t)nb_rng_below(rng, s->n);
    ranked x = {s->rank[a], s->crowd[a], 0}, y = {s->rank[b], s->crowd[b], 1};
    size_t w = cmp_ranked(&x, &y) <= 0 ? a : b;
    s->space->mutate(&s->arch[w], rng, &out->arch);
    return STRAT_ASK_OK;
}

static void nsga2_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    nsga2_state *s = state;
    const space_arch *a = &asked->arch;
    const float score = obj[STRAT_OBJ_SCORE], latency = obj[STRAT_OBJ_LATENCY];
    if (!s->ranked) {
        objectives(s, score, latency, s->f + 2 * s->size);
        s->arch[s->size++] = *a;
        if (s->size == s->n) {
            rank_and_crowd(s, s->n);
            s->ranked = 1;
        }
        return;
    }
    size_t i = s->n + s->n_child++;
    s->arch[i] = *a;
    objectives(s, score, latency, s->f + 2 * i);
    if (s->n_child == s->n) select_next(s);
}

static void nsga2_destroy(void *state)
{
    nsga2_state *s = state;
    if (!s) return;
    free(s->arch);
    free(s->f);
    free(s->rank);
    free(s->crowd);
    free(s);
}

const strat_vtable strat_nsga2_vtable = {
    "nsga2", "NSGA-II (Deb et al. 2002): population 20, binary tournament, mutation",
    nsga2_create, nsga2_ask, nsga2_tell, nsga2_destroy, 2,
};
