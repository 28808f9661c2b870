/* strategies/local.c - local search (White, Nolen, Zela & Hutter, "Local
 * search is state of the art for neural architecture search benchmarks",
 * 2021): from a uniform random cell, evaluate its 24 neighbours (one edge,
 * another op; space_neighbours) in random order and move to the first one
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

enum { NB = SPACE_NB201_NEIGHBOURS };

typedef struct {
    int fidelity;
    int has_center;
    uint32_t center;
    float center_score;
    uint32_t nbr[NB]; /* centre's neighbours, shuffled */
    int pos;          /* next neighbour to consider */
    int n_pending;
    float known[SPACE_NB201_SIZE];     /* score, NaN = not evaluated */
    uint8_t pending[SPACE_NB201_SIZE]; /* 1 = asked, result not in */
} local_state;

static void *local_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    local_state *s = nb_xcalloc_array(1, sizeof *s);
    s->fidelity = env->search_fidelity;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) s->known[c] = NAN;
    return s;
}

static void move_to(local_state *s, uint32_t code, nb_rng *rng)
{
    s->has_center = 1;
    s->center = code;
    s->center_score = s->known[code];
    space_arch a = space_from_code(code), nb[NB];
    space_neighbours(&a, nb);
    for (int i = 0; i < NB; i++) s->nbr[i] = space_code(&nb[i]);
    for (int i = NB - 1; i > 0; i--) { /* Fisher-Yates */
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
    out->arch = space_from_code(code);
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
            space_random(rng, &a);
            uint32_t c = space_code(&a);
            if (tries > 1000) return propose(s, c, out); /* nearly everything seen */
            if (!isnan(s->known[c])) {
                move_to(s, c, rng);
                continue;
            }
            if (s->pending[c]) continue;
            return propose(s, c, out);
        }
        while (s->pos < NB) {
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
    NB_ASSERT(c < SPACE_NB201_SIZE);
    if (s->pending[c]) {
        s->pending[c] = 0;
        s->n_pending--;
    }
    s->known[c] = score;
    if (!s->has_center || score > s->center_score) move_to(s, c, rng);
}

static void local_destroy(void *state) { free(state); }

const strat_vtable strat_local_vtable = {
    "local", "local search (White et al. 2021): first improvement over 24 neighbours, restarts",
    local_create, local_ask, local_tell, local_destroy, 0,
};
