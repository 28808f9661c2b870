/* tests/test_lc.c - per-epoch budgets: the curve strategies (hyperband-epochs,
 * bohb-epochs, lcstop) and the loop's per-epoch accounting, on a small
 * synthetic table with a 200-epoch validation curve for every cell (made
 * with the table writer), checked against independent re-computations from
 * the table's query API; the median stopping rule and the Hyperband rung
 * schedule on hand-made results; the clear failure on a table without
 * curves; and the NB201 table, which has curves for 200 cells only. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/strat.h"
#include "test.h"

#define LC_NA 64   /* cells in the synthetic table */
#define LC_EP 200  /* epochs of the curve */

/* Cell i: code i * 241 + 3; accuracy curve A_i * (1 - exp(-e / tau_i)),
 * A_i = 50 + (i * 37 % 64) * 0.75, tau_i = 5 + (i % 9) * 4 (so early and
 * late ranks differ); train time per epoch 1 + (i % 7) * 0.5 s, eval time
 * 0.25 * (1 + i % 3) s (exact in binary: costs are exact sums). */
static float lc_curve(int i, int e)
{
    double A = 50 + (double)(i * 37 % 64) * 0.75, tau = 5 + (i % 9) * 4;
    return (float)(A * (1 - exp(-(double)e / tau)));
}
static float lc_train(int i) { return 1.0f + (float)(i % 7) * 0.5f; }
static float lc_eval(int i) { return 0.25f * (float)(1 + i % 3); }

/* with_curve = 0 writes the same table without the per-epoch axis. */
static nb_status write_lc_table(const char *path, int with_curve)
{
    space_arch archs[LC_NA];
    for (int i = 0; i < LC_NA; i++) archs[i] = space_from_code((uint32_t)(i * 241 + 3));
    tab_writer *w;
    nb_status st = tab_writer_create(path, "nb201", LC_NA, archs, &w);
    if (st != NB_OK) return st;
    static float v200[LC_NA], v12[LC_NA], test[LC_NA], tt[LC_NA], et[LC_NA];
    static float curve[LC_NA * LC_EP];
    static int epochs[LC_EP];
    for (int e = 0; e < LC_EP; e++) epochs[e] = e + 1;
    for (int i = 0; i < LC_NA; i++) {
        for (int e = 0; e < LC_EP; e++) curve[i * LC_EP + e] = lc_curve(i, e + 1);
        v200[i] = curve[i * LC_EP + LC_EP - 1];
        v12[i] = lc_curve(i, 12) - 1.0f; /* the 12-epoch schedule is a different run */
        test[i] = v200[i] - 0.5f;
        tt[i] = lc_train(i);
        et[i] = lc_eval(i);
    }
    tab_metric_data d200 = {.final_mean = v200};
    if (with_curve) {
        d200.n_epochs = LC_EP;
        d200.epochs = epochs;
        d200.curve_mean = curve;
    }
    tab_metric_data d12 = {.final_mean = v12}, dt = {.final_mean = test};
    if ((st = tab_writer_metric(w, "cifar10-valid", 200, TAB_VALID_ACC, &d200)) != NB_OK ||
        (st = tab_writer_metric(w, "cifar10-valid", 12, TAB_VALID_ACC, &d12)) != NB_OK ||
        (st = tab_writer_metric(w, "cifar10-valid", 200, TAB_TEST_ACC, &dt)) != NB_OK ||
        (st = tab_writer_metric(w, "cifar10", 200, TAB_TEST_ACC, &dt)) != NB_OK ||
        (st = tab_writer_cost(w, "cifar10-valid", "train_time_per_epoch", tt, "s", NULL)) != NB_OK ||
        (st = tab_writer_cost(w, "cifar10-valid", "eval_time", et, "s", NULL)) != NB_OK) {
        tab_writer_abort(w);
        return st;
    }
    return tab_writer_finish(w, NULL);
}

/* The synthetic table (with curves or without), built once per process. */
static tab_table *lc_table(int with_curve)
{
    static tab_table *t[2];
    static int tried[2];
    if (t[with_curve] || tried[with_curve]) {
        if (!t[with_curve]) test_fail_at(__FILE__, __LINE__, "no synthetic table (see above)");
        return t[with_curve];
    }
    tried[with_curve] = 1;
    char path[512];
    snprintf(path, sizeof path, "%s/lc-%d.h5", test_tmpdir(), with_curve);
    nb_status st = write_lc_table(path, with_curve);
    if (st == NB_OK) st = tab_open(path, &t[with_curve]);
    if (st != NB_OK) test_fail_at(__FILE__, __LINE__, "synthetic table %s: %s", path, nb_errmsg());
    return t[with_curve];
}

static const char *const curve_names[] = {"hyperband-epochs", "bohb-epochs", "lcstop"};
#define N_CURVE 3

static strat_run_config lc_config(tab_table *t, const char *strategy)
{
    strat_run_config c = strat_run_config_default();
    c.table = t;
    c.dataset = "cifar10";
    c.strategy = strategy;
    c.runs = 4;
    c.grid = 21;
    c.threads = 1;
    c.budget = 4000; /* ~ 10-20 full 200-epoch trainings of the synthetic cells */
    return c;
}

static int same_output(const res_series *a, const res_series *b)
{
    size_t cells = a->runs * a->grid;
    return !memcmp(a->valid, b->valid, cells * sizeof *a->valid) &&
           !memcmp(a->test, b->test, cells * sizeof *a->test) &&
           !memcmp(a->final_arch, b->final_arch, a->runs * sizeof *a->final_arch) &&
           !memcmp(a->n_evals, b->n_evals, a->runs * sizeof *a->n_evals);
}

/* ---- a logging wrapper around a curve strategy (one run, one thread) ---- */
typedef struct {
    strat_ask ask;
    float score;
} lc_rec;
static struct {
    const strat_vtable *inner;
    lc_rec rec[100000];
    size_t n;
} lcl;
static void *lcw_create(const strat_env *env, nb_rng *rng)
{
    lcl.n = 0;
    return lcl.inner->create(env, rng);
}
static int lcw_ask(void *s, nb_rng *rng, strat_ask *out) { return lcl.inner->ask(s, rng, out); }
static void lcw_tell(void *s, const strat_ask *a, const float *obj, nb_rng *rng)
{
    const float score = obj[STRAT_OBJ_SCORE];
    if (lcl.n < sizeof lcl.rec / sizeof lcl.rec[0]) lcl.rec[lcl.n++] = (lc_rec){*a, score};
    lcl.inner->tell(s, a, obj, rng);
}
static void lcw_destroy(void *s) { lcl.inner->destroy(s); }
static const strat_vtable lcw_vt = {"lc-wrap", "logging wrapper", lcw_create, lcw_ask, lcw_tell,
                                    lcw_destroy, 0};

/* Every told result re-computed from the table: the score is the curve at
 * the asked epoch, a continuation continues a finished evaluation of the
 * same cell, the clock charges the epochs trained since (plus one eval
 * pass), the incumbent is the best score at the highest epoch so far. */
TEST(lc_budget_accounting_all_curve_strategies)
{
    tab_table *t = lc_table(1);
    if (!t) return;
    int ds = tab_dataset_id(t, "cifar10-valid");
    for (int s = 0; s < N_CURVE; s++) {
        lcl.inner = strat_find(curve_names[s]);
        CHECK(lcl.inner != NULL);
        if (!lcl.inner) continue;
        strat_run_config c = lc_config(t, NULL);
        c.vtable = &lcw_vt;
        c.curves = 1; /* the wrapper is not a built-in: ask for curves */
        c.runs = 1;
        c.grid = 200;
        c.seed = 3;
        res_series o;
        CHECK_OK(strat_run(&c, &o));
        double now = 0, scratch_cost = 0;
        int inc_level = -1, n_cont = 0, failures = 0;
        float inc_score = -INFINITY, inc_valid = NAN;
        long inc_idx = -1;
        size_t g = 0;
        for (size_t i = 0; i < lcl.n && failures < 5; i++) {
            const strat_ask *a = &lcl.rec[i].ask;
            long idx = tab_index_of(t, &a->arch);
            CHECK(idx >= 0 && a->fidelity == 200 && a->epoch >= 1 && a->epoch <= 200);
            float v, tt, et;
            CHECK_OK(tab_metric(t, ds, 200, TAB_VALID_ACC, TAB_SEED_MEAN, a->epoch, (size_t)idx, &v));
            CHECK_NEAR(v, lc_curve((int)idx, a->epoch), 1e-4);
            if (v != lcl.rec[i].score) failures++;
            CHECK_MSG(v == lcl.rec[i].score, "%s: eval %zu told %g, curve says %g", curve_names[s],
                      i, (double)lcl.rec[i].score, (double)v);
            if (a->from_epoch > 0) {
                n_cont++;
                int found = 0;
                for (size_t j = 0; j < i && !found; j++)
                    found = !memcmp(&lcl.rec[j].ask.arch, &a->arch, sizeof a->arch) &&
                            lcl.rec[j].ask.epoch == a->from_epoch;
                CHECK_MSG(found, "%s: eval %zu continues from epoch %d never trained",
                          curve_names[s], i, a->from_epoch);
            }
            CHECK_OK(tab_cost(t, ds, TAB_COST_TRAIN_TIME, (size_t)idx, &tt));
            CHECK_OK(tab_cost(t, ds, TAB_COST_EVAL_TIME, (size_t)idx, &et));
            CHECK(tt == lc_train((int)idx) && et == lc_eval((int)idx));
            now += (double)tt * (a->epoch - a->from_epoch) + (double)et;
            scratch_cost += (double)tt * a->epoch + (double)et;
            CHECK_MSG(now <= o.budget, "%s: eval %zu ends at %g > budget", curve_names[s], i, now);
            for (; g < o.grid && o.time[g] < now; g++) {
                int same = (isnan(inc_valid) && isnan(o.valid[g])) || o.valid[g] == inc_valid;
                if (!same) failures++;
                CHECK_MSG(same, "%s: grid %zu valid %g, want %g", curve_names[s], g,
                          (double)o.valid[g], (double)inc_valid);
            }
            if (a->epoch > inc_level || (a->epoch == inc_level && v > inc_score)) {
                inc_level = a->epoch;
                inc_score = v;
                inc_idx = idx;
                CHECK_OK(tab_metric(t, ds, 200, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST,
                                    (size_t)idx, &inc_valid));
            }
        }
        CHECK_EQ_INT(o.n_evals[0], lcl.n);
        CHECK_MSG(lcl.n > 20, "%s: only %zu evaluations", curve_names[s], lcl.n);
        CHECK_MSG(n_cont > 0, "%s: never continued a checkpoint", curve_names[s]);
        /* continuing is cheaper than retraining, and the budget was used */
        CHECK(scratch_cost > now);
        CHECK(now > 0.9 * o.budget);
        CHECK_EQ_INT(o.final_arch[0], inc_idx);
        CHECK(o.final_valid[0] == inc_valid);
        for (; g < o.grid; g++) CHECK(o.valid[g] == inc_valid);
        res_series_free(&o);
    }
}

/* A scripted strategy: cell 0 to epoch 10, continued to 30, then to 50.
 * With a budget of exactly 30 epochs + 2 eval passes of cell 0, the first
 * two fit (the second charged 20 epochs) and the third does not. */
static int script_step;
static int script_bad; /* 1: continue from an epoch never trained */
static void *script_create(const strat_env *env, nb_rng *rng)
{
    (void)env, (void)rng;
    script_step = 0;
    return &script_step;
}
static int script_ask(void *s, nb_rng *rng, strat_ask *out)
{
    (void)s, (void)rng;
    static const int ep[3] = {10, 30, 50}, from[3] = {0, 10, 30};
    int k = script_step < 3 ? script_step : 2;
    out->arch = space_from_code(3); /* cell 0 of the synthetic table */
    out->fidelity = 200;
    out->epoch = ep[k];
    out->from_epoch = script_bad && k == 1 ? 20 : from[k];
    script_step++;
    return STRAT_ASK_OK;
}
static void script_tell(void *s, const strat_ask *a, const float *obj, nb_rng *rng)
{
    (void)s, (void)a, (void)obj, (void)rng;
}
static void script_destroy(void *s) { (void)s; }
static const strat_vtable script_vt = {"script", "scripted continuations", script_create,
                                       script_ask, script_tell, script_destroy, 0};

TEST(lc_continuation_charges_only_extra_epochs)
{
    tab_table *t = lc_table(1);
    if (!t) return;
    strat_run_config c = lc_config(t, NULL);
    c.vtable = &script_vt;
    c.curves = 1;
    c.runs = 1;
    c.budget = 30.0 * lc_train(0) + 2.0 * lc_eval(0); /* 30 epochs + 2 passes */
    script_bad = 0;
    res_series o;
    CHECK_OK(strat_run(&c, &o));
    CHECK_EQ_INT(o.n_evals[0], 2); /* a retrain from scratch (40 epochs) would not fit */
    CHECK_EQ_INT(o.final_arch[0], 0);
    c.budget -= 0.125; /* a hair less: the continuation no longer fits */
    res_series_free(&o);
    CHECK_OK(strat_run(&c, &o));
    CHECK_EQ_INT(o.n_evals[0], 1);
    /* continuing from an epoch the run never reached is refused */
    script_bad = 1;
    res_series_free(&o);
    CHECK_STATUS(strat_run(&c, &o), NB_EINVAL);
    CHECK_ERRMSG("no checkpoint of it at epoch 20");
    script_bad = 0;
    /* a per-epoch ask needs curves to be served */
    c.curves = 0;
    CHECK_STATUS(strat_run(&c, &o), NB_EINVAL);
    CHECK_ERRMSG("curves = 1");
    res_series_free(&o);
}

/* Same seed -> identical; threads 1 vs 2 and the same with 3 workers
 * bit-identical; another seed differs. */
TEST(lc_determinism_and_threads)
{
    tab_table *t = lc_table(1);
    if (!t) return;
    for (int s = 0; s < N_CURVE; s++) {
        for (int workers = 1; workers <= 3; workers += 2) {
            strat_run_config c = lc_config(t, curve_names[s]);
            c.workers = workers;
            res_series a, b, d, e;
            CHECK_OK(strat_run(&c, &a));
            CHECK_OK(strat_run(&c, &b));
            CHECK_MSG(same_output(&a, &b), "%s W=%d: same seed differs", curve_names[s], workers);
            c.threads = 2;
            CHECK_OK(strat_run(&c, &d));
            CHECK_MSG(same_output(&a, &d), "%s W=%d: threads 2 differ", curve_names[s], workers);
            c.seed = 1;
            CHECK_OK(strat_run(&c, &e));
            CHECK_MSG(!same_output(&a, &e), "%s W=%d: seeds 0 and 1 identical", curve_names[s],
                      workers);
            for (size_t r = 0; r < c.runs; r++)
                CHECK_MSG(a.n_evals[r] > 0 && a.final_arch[r] >= 0, "%s run %zu found nothing",
                          curve_names[s], r);
            res_series_free(&a);
            res_series_free(&b);
            res_series_free(&d);
            res_series_free(&e);
        }
    }
}

/* An env for driving a curve strategy by hand: epochs 1..200, 64 cells. */
static int env_epochs[LC_EP];
static uint32_t env_codes[LC_NA];
static strat_env hand_env(int workers)
{
    for (int e = 0; e < LC_EP; e++) env_epochs[e] = e + 1;
    for (int i = 0; i < LC_NA; i++) env_codes[i] = (uint32_t)(i * 241 + 3); /* ascending */
    static const int fid[2] = {12, 200};
    return (strat_env){.n_fidelities = 2, .fidelities = fid, .search_fidelity = 12,
                       .workers = workers, .curve_fidelity = 200, .n_epochs = LC_EP,
                       .epochs = env_epochs, .n_curve_archs = LC_NA, .curve_archs = env_codes,
                       .space = &space_nb201};
}

/* Median stopping rule on hand-made curves: three good trials complete
 * (no stopping before three), then a trial clearly below their median is
 * stopped at its first report, one above it continues. */
TEST(lc_lcstop_median_rule)
{
    const strat_vtable *vt = strat_find("lcstop");
    CHECK(vt != NULL);
    if (!vt) return;
    strat_env env = hand_env(1);
    nb_rng rng;
    nb_rng_init(&rng, 5, 0, NB_PURPOSE_SEARCH);
    void *st = vt->create(&env, &rng);
    strat_ask a;
    /* trial 0: below everything, but nothing has completed yet: never stopped */
    int reports = 0, prev = 0;
    for (;;) {
        memset(&a, 0, sizeof a);
        CHECK_EQ_INT(vt->ask(st, &rng, &a), STRAT_ASK_OK);
        CHECK_EQ_INT(a.from_epoch, prev); /* continues its own checkpoint */
        CHECK_EQ_INT(a.fidelity, 200);
        reports++;
        vt->tell(st, &a, &(float){5.0f}, &rng);
        prev = a.epoch;
        if (a.epoch == 200) break;
    }
    CHECK_EQ_INT(reports, 20); /* epochs 10, 20, ..., 200 */
    /* trials 1-3: complete at 80 % (median of running averages: 80, as trial 0 is 5) */
    for (int k = 0; k < 3; k++) {
        prev = 0;
        do {
            memset(&a, 0, sizeof a);
            CHECK_EQ_INT(vt->ask(st, &rng, &a), STRAT_ASK_OK);
            CHECK_EQ_INT(a.from_epoch, prev);
            vt->tell(st, &a, &(float){80.0f}, &rng);
            prev = a.epoch;
        } while (a.epoch < 200);
    }
    /* 4 completed (5, 80, 80, 80): median 80. A trial at 50 is stopped at epoch 10. */
    memset(&a, 0, sizeof a);
    vt->ask(st, &rng, &a);
    CHECK_EQ_INT(a.epoch, 10);
    CHECK_EQ_INT(a.from_epoch, 0);
    vt->tell(st, &a, &(float){50.0f}, &rng);
    memset(&a, 0, sizeof a);
    vt->ask(st, &rng, &a);
    CHECK_MSG(a.epoch == 10 && a.from_epoch == 0, "the trial below the median was continued "
              "(epoch %d from %d)", a.epoch, a.from_epoch);
    /* this new trial is at 90 > 80: it continues from its checkpoint */
    vt->tell(st, &a, &(float){90.0f}, &rng);
    memset(&a, 0, sizeof a);
    vt->ask(st, &rng, &a);
    CHECK_EQ_INT(a.epoch, 20);
    CHECK_EQ_INT(a.from_epoch, 10);
    /* its best so far (90) stays above the median even when it dips */
    vt->tell(st, &a, &(float){70.0f}, &rng);
    memset(&a, 0, sizeof a);
    vt->ask(st, &rng, &a);
    CHECK_EQ_INT(a.from_epoch, 20);
    vt->destroy(st);
}

/* Hyperband over epochs: the five bracket shapes of hpbandster with eta 3
 * and R = 200 (81@2 -> 27@7 -> 9@22 -> 3@67 -> 1@200, then 27@7 ...), the
 * promoted cells the best of their rung, continuing from the rung below. */
TEST(lc_hyperband_epochs_rungs)
{
    const strat_vtable *vt = strat_find("hyperband-epochs");
    CHECK(vt != NULL);
    if (!vt) return;
    strat_env env = hand_env(1);
    nb_rng rng;
    nb_rng_init(&rng, 9, 0, NB_PURPOSE_SEARCH);
    void *st = vt->create(&env, &rng);
    static const int want_n[5][5] = {{81, 27, 9, 3, 1}, {27, 9, 3, 1}, {9, 3, 1}, {6, 2}, {5}};
    static const int want_e[5][5] = {{2, 7, 22, 67, 200}, {7, 22, 67, 200}, {22, 67, 200},
                                     {67, 200}, {200}};
    static const int rungs[5] = {5, 4, 3, 2, 1};
    for (int b = 0; b < 5; b++) {
        float prev_scores[81];
        uint32_t prev_codes[81];
        int prev_n = 0;
        for (int r = 0; r < rungs[b]; r++) {
            strat_ask asks[81];
            float scores[81];
            for (int i = 0; i < want_n[b][r]; i++) {
                memset(&asks[i], 0, sizeof asks[i]);
                CHECK_EQ_INT(vt->ask(st, &rng, &asks[i]), STRAT_ASK_OK);
                CHECK_MSG(asks[i].epoch == want_e[b][r], "bracket %d rung %d ask %d: epoch %d, "
                          "want %d", b, r, i, asks[i].epoch, want_e[b][r]);
                CHECK_EQ_INT(asks[i].from_epoch, r ? want_e[b][r - 1] : 0);
                CHECK(asks[i].fidelity == 200);
                CHECK(space_code(&asks[i].arch) % 241 == 3); /* one of env->curve_archs */
            }
            /* the rung is complete only after its last tell: the next ask waits */
            if (want_n[b][r] > 0) {
                strat_ask w;
                memset(&w, 0, sizeof w);
                CHECK_EQ_INT(vt->ask(st, &rng, &w), STRAT_ASK_WAIT);
            }
            if (r > 0) { /* promoted = the best want_n[b][r] of the rung below */
                float cut = INFINITY;
                int used[81] = {0};
                for (int i = 0; i < want_n[b][r]; i++) {
                    uint32_t code = space_code(&asks[i].arch);
                    int found = -1; /* a cell drawn twice: its best unused slot */
                    for (int j = 0; j < prev_n; j++)
                        if (prev_codes[j] == code && !used[j] &&
                            (found < 0 || prev_scores[j] > prev_scores[found]))
                            found = j;
                    CHECK(found >= 0);
                    if (found < 0) continue;
                    used[found] = 1;
                    if (prev_scores[found] < cut) cut = prev_scores[found];
                }
                int better = 0; /* cells of the rung below strictly better than the worst promoted */
                for (int j = 0; j < prev_n; j++) better += prev_scores[j] > cut;
                CHECK(better < want_n[b][r]);
            }
            for (int i = 0; i < want_n[b][r]; i++) {
                scores[i] = (float)nb_rng_uniform(&rng) * 100.0f;
                vt->tell(st, &asks[i], &(float){scores[i]}, &rng);
                prev_codes[i] = space_code(&asks[i].arch);
                prev_scores[i] = scores[i];
            }
            prev_n = want_n[b][r];
        }
    }
    vt->destroy(st);
}

/* A table without per-epoch curves: the curve strategies fail with the
 * message the user needs (the classic ones on such a table: test_strat.c). */
TEST(lc_table_without_curves_fails_clearly)
{
    tab_table *t = lc_table(0);
    if (!t) return;
    for (int s = 0; s < N_CURVE; s++) {
        strat_run_config c = lc_config(t, curve_names[s]);
        res_series o;
        CHECK_STATUS(strat_run(&c, &o), NB_ENOTFOUND);
        CHECK_ERRMSG(curve_names[s]);
        CHECK_ERRMSG("needs per-epoch validation curves");
        CHECK_ERRMSG("none for cifar10-valid at 200 epochs");
        CHECK_ERRMSG("nastab tables import nats-tss");
        CHECK_ERRMSG("nastab tables build");
        res_series_free(&o);
    }
    CHECK(strat_find("lcstop") == strat_curve_builtin()[2]);
    CHECK(strat_find("nope") == NULL);
    CHECK_ERRMSG("bohb-epochs");
}

/* The NB201 table has cifar10-valid 200-epoch curves for cells 0..199 only:
 * by default the curve strategies refuse it, naming the coverage (their
 * search would cover 1.3 % of the space while their regret is against the
 * whole table; issue 11 item 1); with restrict_to_curves every strategy of
 * the run (curve or not) searches those cells only, the optimum is theirs,
 * and the series records it; the columns without curves fail clearly. */
TEST(lc_nb201_restricted_to_cells_with_curves)
{
    tab_table *t = test_table();
    if (!t) return;
    /* the optimum of the 200 cells with a curve */
    const float *test = tab_metric_final(t, tab_dataset_id(t, "cifar10"), 200, TAB_TEST_ACC);
    float best = -1;
    for (size_t i = 0; test && i < 200; i++)
        if (test[i] > best) best = test[i];
    static const char *const all[] = {"hyperband-epochs", "bohb-epochs", "lcstop", "random", "rea"};
    for (int s = 0; s < 5; s++) {
        strat_run_config c = lc_config(t, all[s]);
        c.budget = 0; /* the default 12000 s */
        c.runs = 8;
        res_series o;
        if (s < N_CURVE) {
            CHECK_STATUS(strat_run(&c, &o), NB_EINVAL);
            CHECK_ERRMSG(all[s]);
            CHECK_ERRMSG("per-epoch curves for 200 of 15625 cells");
            CHECK_ERRMSG("--restrict-to-curves");
            res_series_free(&o);
        } else {
            CHECK_OK(strat_run(&c, &o)); /* a classic strategy is not restricted by default */
            CHECK_EQ_INT(o.restricted_cells, 0);
            res_series_free(&o);
        }
        c.restrict_to_curves = 1;
        CHECK_OK(strat_run(&c, &o));
        CHECK_EQ_INT(o.restricted_cells, 200);
        CHECK(o.optimum_test == best);
        for (size_t r = 0; r < c.runs; r++) {
            CHECK_MSG(o.final_arch[r] >= 0 && o.final_arch[r] < 200,
                      "%s run %zu: incumbent %d has no curve", all[s], r, (int)o.final_arch[r]);
            CHECK(o.n_evals[r] > 5);
            CHECK(o.final_test[r] <= best);
        }
        c.dataset = "cifar100";
        res_series_free(&o);
        CHECK_STATUS(strat_run(&c, &o), NB_ENOTFOUND);
        CHECK_ERRMSG("none for cifar100 at 200 epochs");
        res_series_free(&o);
    }
}
