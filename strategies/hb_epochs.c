/* strategies/hb_epochs.c - Hyperband (Li et al., JMLR 2018) and BOHB
 * (Falkner, Klein & Hutter, ICML 2018) with every recorded epoch of the
 * 200-epoch schedule's validation curve as a possible budget, and
 * checkpointed promotion: a cell promoted from rung epoch e1 to e2 continues
 * its training and is charged only e2 - e1 epochs plus one validation pass
 * (strat_ask.from_epoch; PROTOCOL.md "Per-epoch budgets").
 *
 * Budgets, as hpbandster's HyperBand/BOHB (which NB201's BOHB ran): eta = 3,
 * R = env->curve_fidelity (200), r_min = the first recorded epoch (1),
 * s_max = floor(log_eta(R / r_min)) = 4; the budget grid is
 * R * eta^-k, k = s_max..0, rounded to the nearest epoch and then up to the
 * next recorded one: {2, 7, 22, 67, 200}. Bracket number b runs
 * s = s_max - (b mod (s_max + 1)) (s = 4, 3, 2, 1, 0, 4, ...), with
 * n_0 = floor((s_max + 1) / (s + 1)) * eta^s cells at budget grid[s_max - s]
 * and n_i = max(1, floor(n_0 * eta^-i)) at rung i (grid[s_max - s + i]):
 *   s = 4: 81 @2, 27 @7, 9 @22, 3 @67, 1 @200;   s = 3: 27 @7, 9, 3, 1;
 *   s = 2: 9 @22, 3, 1;   s = 1: 6 @67, 2 @200;   s = 0: 5 @200.
 * After a rung completes its best n_{i+1} cells (ties: earlier sampled) go
 * on. Asynchrony as in hyperband.c: the oldest open bracket with runnable
 * work is served first; a new one opens when none has work and fewer than
 * `workers` are open; otherwise the worker waits.
 *
 * Cells are drawn only among env->curve_archs (cells with a value at every
 * epoch of the curve): hyperband-epochs uniformly, bohb-epochs with BOHB's
 * TPE model (bohb.c's bohb_propose) fit on the largest budget with enough
 * observations. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HBE_ETA 3
#define HBE_MAX_LEVELS 16  /* budget grid length; s_max + 1 */
#define HBE_MAX_N 4096     /* cells in rung 0 (fits the 12-bit tag field) */

void strat_curve_random(const strat_env *env, nb_rng *rng, space_arch *out)
{
    NB_ASSERT(env->n_curve_archs > 0);
    *out = space_from_code(env->curve_archs[nb_rng_below(rng, env->n_curve_archs)]);
}

int strat_curve_has(const strat_env *env, uint32_t code)
{
    size_t lo = 0, hi = env->n_curve_archs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (env->curve_archs[mid] < code) lo = mid + 1;
        else hi = mid;
    }
    return lo < env->n_curve_archs && env->curve_archs[lo] == code;
}

typedef struct {
    uint32_t id;    /* bracket number, 0, 1, ... */
    int s;          /* rungs - 1 */
    int level0;     /* grid level of rung 0: s_max - s */
    int n[HBE_MAX_LEVELS];
    int asked[HBE_MAX_LEVELS], told[HBE_MAX_LEVELS];
    space_arch *arch[HBE_MAX_LEVELS]; /* (n[r]) */
    float *score[HBE_MAX_LEVELS];     /* (n[r]) */
} hbe_bracket;

typedef struct {
    strat_env env;        /* copy; its arrays are the loop's, valid for the whole run */
    int workers;
    int s_max;
    int grid[HBE_MAX_LEVELS]; /* (s_max + 1) budget epochs, ascending */
    int use_model;            /* 1: BOHB proposals, 0: uniform */
    bohb_ctx ctx;
    hb_history hist[HBE_MAX_LEVELS]; /* observations per grid level */
    hbe_bracket *open;               /* (n_open) oldest first */
    int n_open, cap_open;
    uint32_t n_started;
} hbe_state;

/* Smallest recorded epoch >= e (the last one when none is). */
static int recorded_at_least(const strat_env *env, int e)
{
    for (int k = 0; k < env->n_epochs; k++)
        if (env->epochs[k] >= e) return env->epochs[k];
    return env->epochs[env->n_epochs - 1];
}

static void *hbe_create(const strat_env *env, int use_model)
{
    NB_ASSERT(env->curve_fidelity > 0 && env->n_epochs > 0 && env->n_curve_archs > 0);
    hbe_state *h = nb_xcalloc_array(1, sizeof *h);
    h->env = *env;
    h->workers = env->workers;
    h->use_model = use_model;
    const double R = env->curve_fidelity, rmin = env->epochs[0];
    int s_max = (int)floor(log(R / rmin) / log((double)HBE_ETA) + 1e-9);
    if (s_max > HBE_MAX_LEVELS - 1) s_max = HBE_MAX_LEVELS - 1;
    if (s_max < 0) s_max = 0;
    /* grid[j] = R * eta^(j - s_max), j = 0..s_max, on recorded epochs, strictly increasing */
    int n = 0;
    for (int j = 0; j <= s_max; j++) {
        double b = R * pow((double)HBE_ETA, (double)(j - s_max));
        int e = recorded_at_least(env, (int)lround(b) < 1 ? 1 : (int)lround(b));
        if (j == s_max) e = env->curve_fidelity;
        if (n > 0 && e <= h->grid[n - 1]) continue; /* rounding collided: drop the level */
        h->grid[n++] = e;
    }
    h->s_max = n - 1;
    return h;
}

static void bracket_free(hbe_bracket *b)
{
    for (int r = 0; r <= b->s; r++) {
        free(b->arch[r]);
        free(b->score[r]);
    }
}

static void hbe_destroy(void *state)
{
    hbe_state *h = state;
    if (!h) return;
    for (int i = 0; i < h->n_open; i++) bracket_free(&h->open[i]);
    free(h->open);
    for (int j = 0; j < HBE_MAX_LEVELS; j++) {
        free(h->hist[j].codes);
        free(h->hist[j].scores);
    }
    free(h->ctx.order);
    free(h);
}

static void open_bracket(hbe_state *h)
{
    if (h->n_open == h->cap_open) {
        int cap = h->cap_open ? 2 * h->cap_open : 4;
        h->open = nb_xrealloc_array(h->open, (size_t)cap, sizeof *h->open);
        h->cap_open = cap;
    }
    hbe_bracket *b = &h->open[h->n_open++];
    memset(b, 0, sizeof *b);
    b->id = h->n_started++;
    b->s = h->s_max - (int)(b->id % (uint32_t)(h->s_max + 1));
    b->level0 = h->s_max - b->s;
    double n0 = floor((double)(h->s_max + 1) / (b->s + 1)) * pow((double)HBE_ETA, b->s);
    for (int r = 0; r <= b->s; r++) {
        double ni = floor(n0 * pow((double)HBE_ETA, -r));
        b->n[r] = ni < 1 ? 1 : (int)ni;
        NB_ASSERT(b->n[r] <= HBE_MAX_N);
        b->arch[r] = nb_xcalloc_array((size_t)b->n[r], sizeof *b->arch[r]);
        b->score[r] = nb_xcalloc_array((size_t)b->n[r], sizeof *b->score[r]);
    }
}

static void sample(hbe_state *h, nb_rng *rng, space_arch *out)
{
    if (!h->use_model) {
        strat_curve_random(&h->env, rng, out);
        return;
    }
    const hb_history *levels[HBE_MAX_LEVELS];
    for (int j = 0; j <= h->s_max; j++) levels[j] = &h->hist[h->s_max - j]; /* largest first */
    bohb_propose(&h->ctx, levels, h->s_max + 1, &h->env, rng, out);
}

/* tag = bracket id (16 bits) | rung (4 bits) | slot (12 bits) */
static int bracket_job(hbe_state *h, hbe_bracket *b, nb_rng *rng, strat_ask *out)
{
    for (int r = 0; r <= b->s; r++) {
        if (r > 0 && b->told[r - 1] < b->n[r - 1]) return 0; /* rung r not promoted yet */
        if (b->asked[r] >= b->n[r]) continue;
        int i = b->asked[r]++;
        if (r == 0) sample(h, rng, &b->arch[0][i]);
        out->arch = b->arch[r][i];
        out->fidelity = h->env.curve_fidelity;
        out->epoch = h->grid[b->level0 + r];
        out->from_epoch = r == 0 ? 0 : h->grid[b->level0 + r - 1];
        out->tag = ((b->id & 0xffffu) << 16) | ((uint32_t)r << 12) | (uint32_t)i;
        return 1;
    }
    return 0;
}

static int hbe_ask(void *state, nb_rng *rng, strat_ask *out)
{
    hbe_state *h = state;
    for (int i = 0; i < h->n_open; i++)
        if (bracket_job(h, &h->open[i], rng, out)) return STRAT_ASK_OK;
    if (h->n_open < h->workers) {
        open_bracket(h);
        if (bracket_job(h, &h->open[h->n_open - 1], rng, out)) return STRAT_ASK_OK;
    }
    return STRAT_ASK_WAIT;
}

/* Rung r of b is complete: its best n[r+1] cells (ties: earlier slot) go on. */
static void promote(hbe_bracket *b, int r)
{
    int n = b->n[r];
    int *order = nb_xcalloc_array((size_t)n, sizeof *order);
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
    free(order);
}

static void hbe_tell(void *state, const strat_ask *asked, float score, nb_rng *rng)
{
    (void)rng;
    hbe_state *h = state;
    uint32_t id = asked->tag >> 16;
    int r = (int)((asked->tag >> 12) & 0xf), i = (int)(asked->tag & 0xfff);
    int k = 0;
    while (k < h->n_open && (h->open[k].id & 0xffffu) != id) k++;
    NB_ASSERT(k < h->n_open);
    hbe_bracket *b = &h->open[k];
    NB_ASSERT(r <= b->s && i < b->n[r]);
    b->score[r][i] = score;
    b->told[r]++;
    hb_history_add(&h->hist[b->level0 + r], space_code(&asked->arch), score);
    if (b->told[r] == b->n[r]) {
        if (r < b->s) {
            promote(b, r);
        } else { /* bracket done */
            bracket_free(b);
            memmove(&h->open[k], &h->open[k + 1], (size_t)(h->n_open - k - 1) * sizeof *h->open);
            h->n_open--;
        }
    }
}

static void *hyperband_epochs_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return hbe_create(env, 0);
}

static void *bohb_epochs_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    return hbe_create(env, 1);
}

const strat_vtable strat_hyperband_epochs_vtable = {
    "hyperband-epochs",
    "Hyperband (Li et al. 2018), eta 3 over epochs {2,7,22,67,200} of the 200-epoch curve, checkpointed",
    hyperband_epochs_create, hbe_ask, hbe_tell, hbe_destroy,
};

const strat_vtable strat_bohb_epochs_vtable = {
    "bohb-epochs",
    "BOHB (Falkner et al. 2018) over epochs {2,7,22,67,200} of the 200-epoch curve, checkpointed",
    bohb_epochs_create, hbe_ask, hbe_tell, hbe_destroy,
};
