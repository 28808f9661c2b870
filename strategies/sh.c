/* strategies/sh.c - the successive-halving engine over a budget grid
 * (Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
 * Optimization", JMLR 18, 2018; asynchrony as hpbandster's), shared by
 * hyperband and bohb (hyperband.c, bohb.c: two rungs, {12, 200} epochs) and
 * hyperband-epochs and bohb-epochs (hb_epochs.c: rungs on the recorded
 * epochs of the 200-epoch curve, checkpointed). The brackets and the
 * promotion rule are documented at sh_create in strat_private.h.
 * tag = bracket id (16 bits) | rung (4 bits) | slot (12 bits). */
#include "strategies/strat_private.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t id;  /* bracket number, 0, 1, ... */
    sh_plan plan;
    int asked[SH_MAX_LEVELS], told[SH_MAX_LEVELS];
    space_arch *arch[SH_MAX_LEVELS]; /* (plan.n[r]) */
    float *score[SH_MAX_LEVELS];     /* (plan.n[r]) */
} sh_bracket;

struct sh_state {
    const space_def *space;
    int workers;
    int n_levels;
    sh_budget grid[SH_MAX_LEVELS];
    int n_plans;
    sh_plan *plans;
    int checkpoint;
    sh_sample_fn sample;
    void *ctx;
    strat_history hist[SH_MAX_LEVELS]; /* observations per grid level */
    sh_bracket *open;                  /* (n_open) oldest first */
    int n_open, cap_open;
    uint32_t n_started;
};

void strat_history_add(strat_history *h, uint32_t code, float score)
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

void strat_history_free(strat_history *h)
{
    free(h->codes);
    free(h->scores);
    memset(h, 0, sizeof *h);
}

sh_state *sh_create(const space_def *space, int workers, const sh_budget *grid, int n_levels,
                    const sh_plan *plans, int n_plans, int checkpoint, sh_sample_fn sample,
                    void *ctx)
{
    NB_ASSERT(space && n_levels >= 1 && n_levels <= SH_MAX_LEVELS && n_plans >= 1 && sample);
    sh_state *sh = nb_xcalloc_array(1, sizeof *sh);
    sh->space = space;
    sh->workers = workers;
    sh->n_levels = n_levels;
    memcpy(sh->grid, grid, (size_t)n_levels * sizeof *grid);
    sh->n_plans = n_plans;
    sh->plans = nb_xcalloc_array((size_t)n_plans, sizeof *sh->plans);
    for (int p = 0; p < n_plans; p++) {
        NB_ASSERT(plans[p].n_rungs >= 1 && plans[p].level0 >= 0 &&
                  plans[p].level0 + plans[p].n_rungs <= n_levels);
        for (int r = 0; r < plans[p].n_rungs; r++)
            NB_ASSERT(plans[p].n[r] >= 1 && plans[p].n[r] <= SH_MAX_N &&
                      (r == 0 || plans[p].n[r] <= plans[p].n[r - 1]));
        sh->plans[p] = plans[p];
    }
    sh->checkpoint = checkpoint;
    sh->sample = sample;
    sh->ctx = ctx;
    return sh;
}

static void bracket_free(sh_bracket *b)
{
    for (int r = 0; r < b->plan.n_rungs; r++) {
        free(b->arch[r]);
        free(b->score[r]);
    }
}

void sh_destroy(sh_state *sh)
{
    if (!sh) return;
    for (int i = 0; i < sh->n_open; i++) bracket_free(&sh->open[i]);
    free(sh->open);
    for (int j = 0; j < SH_MAX_LEVELS; j++) strat_history_free(&sh->hist[j]);
    free(sh->plans);
    free(sh);
}

int sh_levels(const sh_state *sh) { return sh->n_levels; }
const space_def *sh_space(const sh_state *sh) { return sh->space; }
const strat_history *sh_observations(const sh_state *sh, int level) { return &sh->hist[level]; }

static void open_bracket(sh_state *sh)
{
    if (sh->n_open == sh->cap_open) {
        int cap = sh->cap_open ? 2 * sh->cap_open : 4;
        sh->open = nb_xrealloc_array(sh->open, (size_t)cap, sizeof *sh->open);
        sh->cap_open = cap;
    }
    sh_bracket *b = &sh->open[sh->n_open++];
    memset(b, 0, sizeof *b);
    b->id = sh->n_started++;
    b->plan = sh->plans[b->id % (uint32_t)sh->n_plans];
    for (int r = 0; r < b->plan.n_rungs; r++) {
        b->arch[r] = nb_xcalloc_array((size_t)b->plan.n[r], sizeof *b->arch[r]);
        b->score[r] = nb_xcalloc_array((size_t)b->plan.n[r], sizeof *b->score[r]);
    }
}

/* Next job of bracket b, or 0 when it has none runnable now. */
static int bracket_job(sh_state *sh, sh_bracket *b, nb_rng *rng, strat_ask *out)
{
    for (int r = 0; r < b->plan.n_rungs; r++) {
        if (r > 0 && b->told[r - 1] < b->plan.n[r - 1]) return 0; /* rung r not promoted yet */
        if (b->asked[r] >= b->plan.n[r]) continue;
        int i = b->asked[r]++;
        if (r == 0) sh->sample(sh->ctx, sh, rng, &b->arch[0][i]);
        const sh_budget *bud = &sh->grid[b->plan.level0 + r];
        out->arch = b->arch[r][i];
        out->fidelity = bud->fidelity;
        out->epoch = bud->epoch;
        out->from_epoch = sh->checkpoint && r > 0 ? sh->grid[b->plan.level0 + r - 1].epoch : 0;
        out->tag = ((b->id & 0xffffu) << 16) | ((uint32_t)r << 12) | (uint32_t)i;
        return 1;
    }
    return 0;
}

int sh_ask(sh_state *sh, nb_rng *rng, strat_ask *out)
{
    for (int i = 0; i < sh->n_open; i++)
        if (bracket_job(sh, &sh->open[i], rng, out)) return STRAT_ASK_OK;
    if (sh->n_open < sh->workers) {
        open_bracket(sh);
        if (bracket_job(sh, &sh->open[sh->n_open - 1], rng, out)) return STRAT_ASK_OK;
    }
    return STRAT_ASK_WAIT;
}

/* Rung r of b is complete: its best n[r+1] cells (ties: earlier slot) go on. */
static void promote(sh_bracket *b, int r)
{
    int n = b->plan.n[r];
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
    for (int i = 0; i < b->plan.n[r + 1]; i++) b->arch[r + 1][i] = b->arch[r][order[i]];
    free(order);
}

void sh_tell(sh_state *sh, const strat_ask *asked, float score)
{
    uint32_t id = asked->tag >> 16;
    int r = (int)((asked->tag >> 12) & 0xf), i = (int)(asked->tag & 0xfff);
    int k = 0;
    while (k < sh->n_open && (sh->open[k].id & 0xffffu) != id) k++;
    NB_ASSERT(k < sh->n_open);
    sh_bracket *b = &sh->open[k];
    NB_ASSERT(r < b->plan.n_rungs && i < b->plan.n[r]);
    b->score[r][i] = score;
    b->told[r]++;
    strat_history_add(&sh->hist[b->plan.level0 + r], sh->space->index(&asked->arch), score);
    if (b->told[r] == b->plan.n[r]) {
        if (r + 1 < b->plan.n_rungs) {
            promote(b, r);
        } else { /* bracket done */
            bracket_free(b);
            memmove(&sh->open[k], &sh->open[k + 1], (size_t)(sh->n_open - k - 1) * sizeof *sh->open);
            sh->n_open--;
        }
    }
}
