/* strategies/local.c - local search (White, Nolen, Zela & Hutter, "Local
 * search is state of the art for neural architecture search benchmarks",
 * 2021): from a uniform random cell, evaluate its neighbours (one decision,
 * another choice; space->neighbours: 24 on NB201) in random order and move to the first one
 * that is strictly better; at a local optimum (no neighbour better) restart
 * from a new random cell. All at 12 epochs.
 *
 * Cells evaluated before in the run are not evaluated again: their known
 * score is compared for free (a move to a known better neighbour costs
 * nothing). With several workers, random starts fill idle workers until the
 * first result arrives; a result better than the current centre (even one
 * asked for an earlier centre) becomes the new centre; a worker waits when
 * the centre's remaining neighbours are all pending. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    const space_def *space;
    int fidelity;
    int has_center;
    uint32_t center;
    float center_score;
    uint32_t *nbr;    /* (space->max_neighbours) centre's neighbours (space->index), shuffled */
    space_arch *nb;   /* (space->max_neighbours) scratch for space->neighbours */
    int n_nbr;        /* neighbours of the centre */
    int pos;          /* next neighbour to consider */
    int n_pending;
    float *known;     /* (space->size) score, NaN = not evaluated */
    uint8_t *pending; /* (space->size) 1 = asked, result not in */
} local_state;

static void *local_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    const space_def *sp = env->space;
    local_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = sp;
    s->fidelity = env->search_fidelity;
    s->nbr = nb_xcalloc_array((size_t)sp->max_neighbours, sizeof *s->nbr);
    s->nb = nb_xcalloc_array((size_t)sp->max_neighbours, sizeof *s->nb);
    s->known = nb_xcalloc_array(sp->size, sizeof *s->known);
    s->pending = nb_xcalloc_array(sp->size, sizeof *s->pending);
    for (uint32_t c = 0; c < sp->size; c++) s->known[c] = NAN;
    return s;
}

static void move_to(local_state *s, uint32_t code, nb_rng *rng)
{
    s->has_center = 1;
    s->center = code;
    s->center_score = s->known[code];
    const space_def *sp = s->space;
    space_arch a = sp->arch(code);
    s->n_nbr = sp->neighbours(&a, s->nb);
    NB_ASSERT(s->n_nbr >= 0 && s->n_nbr <= sp->max_neighbours);
    for (int i = 0; i < s->n_nbr; i++) s->nbr[i] = sp->index(&s->nb[i]);
    for (int i = s->n_nbr - 1; i > 0; i--) { /* Fisher-Yates */
        int j = (int)nb_rng_below(rng, (uint64_t)i + 1);
        uint32_t t = s->nbr[i];
        s->nbr[i] = s->nbr[j];
        s->nbr[j] = t;
    }
    s->pos = 0;
}

static int propose(local_state *s, uint32_t code, strat_ask *out)
{
    s->pending[code] = 1;
    s->n_pending++;
    out->arch = s->space->arch(code);
    out->fidelity = s->fidelity;
    out->tag = code;
    return STRAT_ASK_OK;
}

static int local_ask(void *state, nb_rng *rng, strat_ask *out)
{
    local_state *s = state;
    for (int tries = 0;; tries++) {
        if (!s->has_center) { /* random (re)start */
            space_arch a;
            s->space->random(rng, &a);
            uint32_t c = s->space->index(&a);
            if (tries > 1000) return propose(s, c, out); /* nearly everything seen */
            if (!isnan(s->known[c])) {
                move_to(s, c, rng);
                continue;
            }
            if (s->pending[c]) continue;
            return propose(s, c, out);
        }
        while (s->pos < s->n_nbr) {
            uint32_t y = s->nbr[s->pos++];
            if (!isnan(s->known[y])) {
                if (s->known[y] > s->center_score) move_to(s, y, rng);
                continue;
            }
            if (s->pending[y]) continue;
            return propose(s, y, out);
        }
        if (s->n_pending > 0) return STRAT_ASK_WAIT; /* a pending neighbour may still improve */
        s->has_center = 0; /* local optimum: restart */
    }
}

static void local_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    const float score = obj[STRAT_OBJ_SCORE];
    local_state *s = state;
    uint32_t c = asked->tag;
    NB_ASSERT(c < s->space->size);
    if (s->pending[c]) {
        s->pending[c] = 0;
        s->n_pending--;
    }
    s->known[c] = score;
    if (!s->has_center || score > s->center_score) move_to(s, c, rng);
}

static void local_destroy(void *state)
{
    local_state *s = state;
    if (!s) return;
    free(s->nbr);
    free(s->nb);
    free(s->known);
    free(s->pending);
    free(s);
}

const strat_vtable strat_local_vtable = {
    "local", "local search (White et al. 2021): first improvement over the neighbours (24 on NB201), restarts",
    local_create, local_ask, local_tell, local_destroy, 0,
};
