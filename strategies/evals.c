/* strategies/evals.c - what a model-based strategy has evaluated and has
 * pending (strat_evals, strategies/surrogate.h): the results with their
 * feature rows for the surrogate, the cells in flight, and the best two.
 * Shared by bananas.c and gpbo.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/surrogate.h"

void strat_evals_pending(strat_evals *h, uint32_t id)
{
    if (h->n_pend == h->pend_cap) {
        h->pend_cap = h->pend_cap ? 2 * h->pend_cap : 16;
        h->pend = nb_xrealloc_array(h->pend, h->pend_cap, sizeof *h->pend);
    }
    h->pend[h->n_pend++] = id;
}

float *strat_evals_tell(strat_evals *h, uint32_t id, const space_arch *a, float score)
{
    for (size_t i = 0; i < h->n_pend; i++)
        if (h->pend[i] == id) {
            memmove(h->pend + i, h->pend + i + 1, (h->n_pend - i - 1) * sizeof *h->pend);
            h->n_pend--;
            break;
        }
    if (isnan(score)) return NULL;
    strat_history_add(&h->obs, id, score);
    if (h->obs.n > h->arch_cap) {
        h->arch_cap = h->obs.cap;
        h->arch = nb_xrealloc_array(h->arch, h->arch_cap, sizeof *h->arch);
        h->x = nb_xrealloc_array(h->x, h->arch_cap * (size_t)h->dim, sizeof *h->x);
    }
    h->arch[h->obs.n - 1] = *a;
    return h->x + (h->obs.n - 1) * (size_t)h->dim;
}

int strat_evals_seen(const strat_evals *h, uint32_t id)
{
    for (size_t i = 0; i < h->obs.n; i++)
        if (h->obs.codes[i] == id) return 1;
    for (size_t i = 0; i < h->n_pend; i++)
        if (h->pend[i] == id) return 1;
    return 0;
}

void strat_evals_best_two(const strat_evals *h, size_t top[2])
{
    top[0] = top[1] = 0;
    const float *y = h->obs.scores;
    for (size_t i = 1; i < h->obs.n; i++) {
        if (y[i] > y[top[0]]) {
            top[1] = top[0];
            top[0] = i;
        } else if (top[1] == top[0] || y[i] > y[top[1]]) {
            top[1] = i;
        }
    }
}

void strat_evals_free(strat_evals *h)
{
    strat_history_free(&h->obs);
    free(h->arch);
    free(h->x);
    free(h->pend);
    memset(h, 0, sizeof *h);
}
