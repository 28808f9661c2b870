/* strategies/lcstop.c - random search with the median stopping rule
 * (Golovin et al., "Google Vizier: A Service for Black-Box Optimization",
 * KDD 2017, sec. 3.2.2), a learning-curve early-stopping baseline.
 *
 * A trial is a uniform random cell among env->curve_archs, trained epoch by
 * epoch along the 200-epoch schedule and evaluated at the report epochs
 *   step = max(1, curve_fidelity / 20): every recorded epoch that is a
 *   multiple of step, and the last one (200: epochs 10, 20, ..., 200);
 * each report continues the trial's checkpoint (charged the epochs since
 * the previous report plus one validation pass). Median stopping rule: at
 * report s a trial is stopped when its best validation accuracy so far is
 * strictly below the median, over the completed trials (trained to the last
 * epoch), of their running averages of the reported accuracies up to s
 * (mean of their reports 1..s); the rule applies once at least
 * LC_MIN_COMPLETED = 3 trials have completed (Ray Tune's MedianStoppingRule
 * default min_samples_required = 3) and never at the last report. Median
 * of an even count: the mean of the two middle values. A stopped trial is
 * discarded (it never counts for the median) and a new one starts.
 * One trial per worker: with W workers W trials train side by side; a
 * worker whose trial has a result continues it, else starts a new trial,
 * so lcstop never waits. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LC_REPORTS 20         /* report every curve_fidelity / LC_REPORTS epochs */
#define LC_MIN_COMPLETED 3

typedef struct {
    int active;      /* 1: a trial occupies the slot */
    int ready;       /* 1: its last result is in, next report can be asked */
    space_arch arch;
    int k;           /* reports told so far */
    float best;      /* best reported accuracy */
    double sum;      /* sum of reported accuracies */
    float *avg;      /* (n_rep) running average after each report */
} lc_trial;

typedef struct {
    int n_rep;
    int *rep;        /* (n_rep) report epochs, ascending, last = curve_fidelity */
    strat_env env;   /* copy; its arrays are the loop's, valid for the whole run */
    int n_slots;
    lc_trial *slot;  /* (n_slots = workers) */
    size_t n_done, cap_done;
    float *done;     /* (n_done, n_rep) running averages of the completed trials */
    float *scratch;  /* (cap_done) */
} lc_state;

static void *lc_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    NB_ASSERT(env->curve_fidelity > 0 && env->n_epochs > 0 && env->n_curve_archs > 0);
    lc_state *s = nb_xcalloc_array(1, sizeof *s);
    s->env = *env;
    int step = env->curve_fidelity / LC_REPORTS;
    if (step < 1) step = 1;
    s->rep = nb_xcalloc_array((size_t)env->n_epochs, sizeof *s->rep);
    for (int k = 0; k < env->n_epochs; k++) {
        int e = env->epochs[k];
        if (e % step == 0 || k == env->n_epochs - 1) s->rep[s->n_rep++] = e;
    }
    s->n_slots = env->workers;
    s->slot = nb_xcalloc_array((size_t)s->n_slots, sizeof *s->slot);
    for (int i = 0; i < s->n_slots; i++)
        s->slot[i].avg = nb_xcalloc_array((size_t)s->n_rep, sizeof *s->slot[i].avg);
    return s;
}

static void lc_destroy(void *state)
{
    lc_state *s = state;
    if (!s) return;
    for (int i = 0; s->slot && i < s->n_slots; i++) free(s->slot[i].avg);
    free(s->slot);
    free(s->rep);
    free(s->done);
    free(s->scratch);
    free(s);
}

static int lc_ask(void *state, nb_rng *rng, strat_ask *out)
{
    lc_state *s = state;
    int free_slot = -1;
    for (int i = 0; i < s->n_slots; i++) {
        lc_trial *t = &s->slot[i];
        if (t->active && t->ready) { /* continue: next report from the last checkpoint */
            t->ready = 0;
            out->arch = t->arch;
            out->fidelity = s->env.curve_fidelity;
            out->epoch = s->rep[t->k];
            out->from_epoch = s->rep[t->k - 1];
            out->tag = (uint32_t)i;
            return STRAT_ASK_OK;
        }
        if (!t->active && free_slot < 0) free_slot = i;
    }
    NB_ASSERT(free_slot >= 0); /* the loop asks only for a free worker */
    lc_trial *t = &s->slot[free_slot];
    t->active = 1;
    t->ready = 0;
    t->k = 0;
    t->best = -INFINITY;
    t->sum = 0;
    strat_curve_random(&s->env, rng, &t->arch);
    out->arch = t->arch;
    out->fidelity = s->env.curve_fidelity;
    out->epoch = s->rep[0];
    out->from_epoch = 0;
    out->tag = (uint32_t)free_slot;
    return STRAT_ASK_OK;
}

/* Median of the completed trials' running averages at report k. */
static float median_at(lc_state *s, int k)
{
    size_t n = s->n_done;
    float *v = s->scratch;
    for (size_t i = 0; i < n; i++) {
        float x = s->done[i * (size_t)s->n_rep + (size_t)k];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) { /* insertion sort, ascending */
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

static void lc_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    const float score = obj[STRAT_OBJ_SCORE];
    (void)rng;
    lc_state *s = state;
    NB_ASSERT(asked->tag < (uint32_t)s->n_slots);
    lc_trial *t = &s->slot[asked->tag];
    NB_ASSERT(t->active && !t->ready && s->rep[t->k] == asked->epoch);
    if (score > t->best) t->best = score;
    t->sum += score;
    t->avg[t->k] = (float)(t->sum / (t->k + 1));
    int k = t->k++;
    if (t->k == s->n_rep) { /* completed: joins the median's reference set */
        if (s->n_done == s->cap_done) {
            size_t cap = s->cap_done ? 2 * s->cap_done : 16;
            s->done = nb_xrealloc_array(s->done, cap * (size_t)s->n_rep, sizeof *s->done);
            s->scratch = nb_xrealloc_array(s->scratch, cap, sizeof *s->scratch);
            s->cap_done = cap;
        }
        memcpy(s->done + s->n_done * (size_t)s->n_rep, t->avg, (size_t)s->n_rep * sizeof *t->avg);
        s->n_done++;
        t->active = 0;
        return;
    }
    if (s->n_done >= LC_MIN_COMPLETED && t->best < median_at(s, k)) {
        t->active = 0; /* stopped early */
        return;
    }
    t->ready = 1;
}

const strat_vtable strat_lcstop_vtable = {
    "lcstop",
    "random search with the median stopping rule (Golovin et al. 2017) along the 200-epoch curve",
    lc_create, lc_ask, lc_tell, lc_destroy, 0,
};
