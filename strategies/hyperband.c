/* strategies/hyperband.c - Hyperband (Li et al., JMLR 2018) over the two
 * fidelities NAS-Bench-201 tables hold, 12 and 200 epochs, with eta = 3; the
 * successive-halving engine here is shared with BOHB (bohb.c), which only
 * replaces how rung-0 configurations are drawn.
 *
 * Li et al.'s brackets assume rungs r, r*eta, ..., R; here the only rungs are
 * 12 and 200 epochs (R/r = 16.7), so s_max = 1 and the two brackets are
 *   s = 1: n = eta^2 = 9 cells at 12 epochs, the best n/eta = 3 continue to 200;
 *   s = 0: n = eta   = 3 cells straight at 200 epochs,
 * the same number of 200-epoch evaluations per bracket and about the same
 * cost (9*12 + 3*200 = 708 vs 600 epochs), as Hyperband balances brackets.
 * They alternate s = 1, 0, 1, ... for as long as the budget lasts.
 *
 * Asynchrony: brackets are worked on oldest first; when the open brackets
 * have nothing to run (a rung is waiting for its last results) a new bracket
 * opens, at most `workers` at a time (as hpbandster starts the next
 * iteration for idle workers); beyond that the worker waits
 * (STRAT_ASK_WAIT). With one worker brackets run strictly one after another. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HB_ETA 3
#define HB_MAXN 9 /* largest rung: eta^2 */

typedef struct {
    uint32_t id;     /* bracket number, 0, 1, ... */
    int n_rungs;     /* s + 1 */
    int slot[2];     /* fidelity slot (0 = low, 1 = high) of each rung */
    int n[2];        /* cells per rung */
    int asked[2], told[2];
    space_arch arch[2][HB_MAXN];
    float score[2][HB_MAXN];
} bracket;

struct hb_state {
    int workers;
    int fid[2]; /* epochs of slot 0 (low) and 1 (high) */
    hb_sample_fn sample;
    void *ctx;
    bracket *open; /* (n_open) oldest first */
    int n_open, cap_open;
    uint32_t n_started;
    hb_history hist[2];
};

hb_state *hb_create(const strat_env *env, hb_sample_fn sample, void *ctx)
{
    NB_ASSERT(env->n_fidelities >= 2);
    hb_state *hb = nb_xcalloc_array(1, sizeof *hb);
    hb->workers = env->workers;
    hb->fid[0] = env->search_fidelity;
    hb->fid[1] = env->fidelities[env->n_fidelities - 1];
    NB_ASSERT(hb->fid[0] < hb->fid[1]);
    hb->sample = sample;
    hb->ctx = ctx;
    return hb;
}

void hb_destroy(hb_state *hb)
{
    if (!hb) return;
    free(hb->open);
    for (int i = 0; i < 2; i++) {
        free(hb->hist[i].codes);
        free(hb->hist[i].scores);
    }
    free(hb);
}

const hb_history *hb_observations(const hb_state *hb, int slot) { return &hb->hist[slot]; }
int hb_fidelity(const hb_state *hb, int slot) { return hb->fid[slot]; }

static void open_bracket(hb_state *hb)
{
    if (hb->n_open == hb->cap_open) {
        int cap = hb->cap_open ? 2 * hb->cap_open : 4;
        hb->open = nb_xrealloc_array(hb->open, (size_t)cap, sizeof *hb->open);
        hb->cap_open = cap;
    }
    bracket *b = &hb->open[hb->n_open++];
    memset(b, 0, sizeof *b);
    b->id = hb->n_started++;
    if (b->id % 2 == 0) { /* s = 1 */
        b->n_rungs = 2;
        b->slot[0] = 0, b->n[0] = HB_ETA * HB_ETA;
        b->slot[1] = 1, b->n[1] = HB_ETA;
    } else { /* s = 0 */
        b->n_rungs = 1;
        b->slot[0] = 1, b->n[0] = HB_ETA;
    }
}

/* Next job of bracket b, or 0 when it has none runnable now. */
static int bracket_job(hb_state *hb, bracket *b, nb_rng *rng, strat_ask *out)
{
    for (int r = 0; r < b->n_rungs; r++) {
        if (r > 0 && b->told[r - 1] < b->n[r - 1]) return 0; /* rung r not promoted yet */
        if (b->asked[r] >= b->n[r]) continue;
        int i = b->asked[r]++;
        if (r == 0) hb->sample(hb->ctx, hb, hb->fid[b->slot[0]], rng, &b->arch[0][i]);
        out->arch = b->arch[r][i];
        out->fidelity = hb->fid[b->slot[r]];
        out->tag = (b->id << 8) | ((uint32_t)r << 4) | (uint32_t)i;
        return 1;
    }
    return 0;
}

int hb_ask(hb_state *hb, nb_rng *rng, strat_ask *out)
{
    for (int i = 0; i < hb->n_open; i++)
        if (bracket_job(hb, &hb->open[i], rng, out)) return STRAT_ASK_OK;
    if (hb->n_open < hb->workers) {
        open_bracket(hb);
        if (bracket_job(hb, &hb->open[hb->n_open - 1], rng, out)) return STRAT_ASK_OK;
    }
    return STRAT_ASK_WAIT;
}

void hb_history_add(hb_history *h, uint32_t code, float score)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 64;
        h->codes = nb_xrealloc_array(h->codes, cap, sizeof *h->codes);
        h->scores = nb_xrealloc_array(h->scores, cap, sizeof *h->scores);
        h->cap = cap;
    }
    h->codes[h->n] = code;
    h->scores[h->n] = score;
    h->n++;
}

/* Rung r of b is complete: the best n[r+1] (ties: earlier slot) go on. */
static void promote(bracket *b, int r)
{
    int order[HB_MAXN];
    int n = b->n[r];
    for (int i = 0; i < n; i++) order[i] = i;
    for (int i = 1; i < n; i++) { /* insertion sort, descending score, stable */
        int x = order[i], j = i;
        while (j > 0 && b->score[r][order[j - 1]] < b->score[r][x]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
    for (int i = 0; i < b->n[r + 1]; i++) b->arch[r + 1][i] = b->arch[r][order[i]];
}

void hb_tell(hb_state *hb, const strat_ask *asked, float score)
{
    uint32_t id = asked->tag >> 8;
    int r = (int)((asked->tag >> 4) & 0xf), i = (int)(asked->tag & 0xf);
    int k = 0;
    while (k < hb->n_open && hb->open[k].id != id) k++;
    NB_ASSERT(k < hb->n_open);
    bracket *b = &hb->open[k];
    NB_ASSERT(r < b->n_rungs && i < b->n[r]);
    b->score[r][i] = score;
    b->told[r]++;
    hb_history_add(&hb->hist[b->slot[r]], space_code(&asked->arch), score);
    if (b->told[r] == b->n[r]) {
        if (r + 1 < b->n_rungs) {
            promote(b, r);
        } else { /* bracket done */
            memmove(&hb->open[k], &hb->open[k + 1], (size_t)(hb->n_open - k - 1) * sizeof *hb->open);
            hb->n_open--;
        }
    }
}

/* ---- plain Hyperband: rung-0 cells uniform at random (with replacement) ---- */

static void hb_random_sample(void *ctx, const hb_state *hb, int fidelity, nb_rng *rng,
                             space_arch *out)
{
    (void)ctx, (void)hb, (void)fidelity;
    space_random(rng, out);
}

static void *hyperband_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return hb_create(env, hb_random_sample, NULL);
}
static int hyperband_ask(void *state, nb_rng *rng, strat_ask *out) { return hb_ask(state, rng, out); }
static void hyperband_tell(void *state, const strat_ask *asked, float score, nb_rng *rng)
{
    (void)rng;
    hb_tell(state, asked, score);
}
static void hyperband_destroy(void *state) { hb_destroy(state); }

const strat_vtable strat_hyperband_vtable = {
    "hyperband", "Hyperband (Li et al. 2018), eta 3 over 12 and 200 epochs",
    hyperband_create, hyperband_ask, hyperband_tell, hyperband_destroy,
};
