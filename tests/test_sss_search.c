/* tests/test_sss_search.c - search on tables of the NATS-Bench size space:
 * the "nats-sss" protocol (strategies/protocol.c: search 12 epochs, report
 * 90, NATS-Bench's budgets), random and rea through env->space on a complete
 * synthetic 32768-cell table, and a partial table: an unrestricted run
 * refuses (a strategy would propose cells the table lacks), a run restricted
 * with restrict_to_curves only ever evaluates cells the table holds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/res.h"
#include "spaces/space.h"
#include "strategies/strat.h"
#include "tables/tab.h"
#include "tests/test.h"

#define N SPACE_SSS_SIZE
#define N_CURVE 3

/* A deterministic accuracy in (50, 95): wider is better, with a hashed
 * wiggle so the optimum is not simply the widest network. */
static float synth_acc(uint32_t i, int epochs)
{
    space_arch a = space_sss.arch(i);
    float w = 0;
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) w += (float)(a.op[l] + 1) * (float)(l + 1);
    uint32_t h = i * 2654435761u;
    return 50.0f + 0.5f * w + (float)(h >> 24) / 64.0f + (epochs == 90 ? 10.0f : 0.0f);
}

/* keep(i): the cell is in the table (1) or missing, NaN everywhere (0). */
static nb_status write_synth(const char *path, int partial)
{
    space_arch *archs = malloc(N * sizeof *archs);
    float *v12 = malloc(N * sizeof(float)), *v90 = malloc(N * sizeof(float));
    float *curve = malloc((size_t)N * N_CURVE * sizeof(float));
    float *tt = malloc(N * sizeof(float)), *et = malloc(N * sizeof(float));
    static const int epochs[N_CURVE] = {30, 60, 90};
    for (uint32_t i = 0; i < N; i++) {
        archs[i] = space_sss.arch(i);
        int keep = !partial || (i % 3 == 0);
        v12[i] = keep ? synth_acc(i, 12) : NAN;
        v90[i] = keep ? synth_acc(i, 90) : NAN;
        for (int e = 0; e < N_CURVE; e++)
            curve[(size_t)i * N_CURVE + e] = keep ? v90[i] - (float)(N_CURVE - 1 - e) : NAN;
        tt[i] = keep ? 5.0f + (float)(i % 7) : NAN;
        et[i] = keep ? 0.5f : NAN;
    }
    tab_writer *w;
    nb_status st = tab_writer_create(path, "sss", N, archs, &w);
    if (st == NB_OK) {
        tab_metric_data d12 = {.final_mean = v12, .unit = "percent"};
        tab_metric_data d90 = {.final_mean = v90, .n_epochs = N_CURVE, .epochs = epochs,
                               .curve_mean = curve, .unit = "percent"};
        if ((st = tab_writer_metric(w, "cifar10-valid", 12, TAB_VALID_ACC, &d12)) != NB_OK ||
            (st = tab_writer_metric(w, "cifar10-valid", 90, TAB_VALID_ACC, &d90)) != NB_OK ||
            (st = tab_writer_metric(w, "cifar10", 90, TAB_TEST_ACC, &d90)) != NB_OK ||
            (st = tab_writer_cost(w, "cifar10-valid", "train_time_per_epoch", tt, "s", NULL)) != NB_OK ||
            (st = tab_writer_cost(w, "cifar10-valid", "eval_time", et, "s", NULL)) != NB_OK)
            tab_writer_abort(w);
        else
            st = tab_writer_finish(w, NULL);
    }
    free(archs);
    free(v12);
    free(v90);
    free(curve);
    free(tt);
    free(et);
    return st;
}

static tab_table *open_synth(const char *name, int partial)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
    tab_table *t = NULL;
    if (tab_open(path, &t) == NB_OK) return t;
    CHECK_OK(write_synth(path, partial));
    CHECK_OK(tab_open(path, &t));
    return t;
}

TEST(sss_protocol_is_nats_size_space)
{
    tab_table *t = open_synth("sss-full.h5", 0);
    if (!t) return;
    strat_protocol p;
    CHECK_OK(strat_protocol_nb201(t, "cifar10", &p));
    CHECK_STR(p.protocol, "nats-sss");
    CHECK_EQ_INT(p.search_fidelity, 12);
    CHECK_EQ_INT(p.max_fidelity, 90);
    CHECK_NEAR(p.budget, 20000, 0);
    CHECK_STR(tab_dataset_name(t, p.search_ds), "cifar10-valid");
    CHECK_STR(tab_dataset_name(t, p.report_test_ds), "cifar10");
    size_t best;
    float v;
    CHECK_OK(tab_best(t, p.report_test_ds, 90, TAB_TEST_ACC, &best, &v));
    CHECK(p.optimum_test == v);
    /* the table lacks cifar100: named, with the columns it can serve */
    CHECK_STATUS(strat_protocol_nb201(t, "cifar100", &p), NB_ENOTFOUND);
    CHECK_ERRMSG("cifar100");
    tab_close(t);
}

static void run_twice(tab_table *t, const char *strategy, int restrict_cells, res_series *a)
{
    strat_run_config c = strat_run_config_default();
    c.table = t;
    c.dataset = "cifar10";
    c.strategy = strategy;
    c.runs = 4;
    c.threads = 2;
    c.seed = 7;
    c.budget = 3000;
    c.restrict_to_curves = restrict_cells;
    res_series b;
    CHECK_OK(strat_run(&c, a));
    c.threads = 1;
    CHECK_OK(strat_run(&c, &b));
    for (size_t r = 0; r < c.runs; r++) {
        CHECK_EQ_INT(a->final_arch[r], b.final_arch[r]);
        CHECK(memcmp(&a->final_test[r], &b.final_test[r], sizeof(float)) == 0);
    }
    res_series_free(&b);
}

TEST(sss_random_and_rea_search_the_size_space)
{
    tab_table *t = open_synth("sss-full.h5", 0);
    if (!t) return;
    const char *names[] = {"random", "rea", "local"};
    for (int s = 0; s < 3; s++) {
        res_series o;
        run_twice(t, names[s], 0, &o);
        CHECK_EQ_INT(o.restricted_cells, 0);
        for (size_t r = 0; r < o.runs; r++) {
            CHECK(o.final_arch[r] >= 0 && o.final_arch[r] < (int32_t)N);
            CHECK(o.final_test[r] <= o.optimum_test);
            CHECK(o.n_evals[r] > 10);
        }
        res_series_free(&o);
    }
    tab_close(t);
}

TEST(sss_partial_table_restricted_or_refused)
{
    tab_table *t = open_synth("sss-third.h5", 1);
    if (!t) return;
    strat_run_config c = strat_run_config_default();
    c.table = t;
    c.dataset = "cifar10";
    c.strategy = "random";
    c.runs = 2;
    res_series o;
    CHECK_STATUS(strat_run(&c, &o), NB_EMISSING);
    CHECK_ERRMSG("holds 10923 of 32768");
    CHECK_ERRMSG("--restrict-to-curves");
    const float *v90 = tab_metric_final(t, tab_dataset_id(t, "cifar10"), 90, TAB_TEST_ACC);
    CHECK(v90 != NULL);
    for (int s = 0; s < 2 && v90; s++) {
        run_twice(t, s ? "rea" : "random", 1, &o);
        CHECK_EQ_INT(o.restricted_cells, 10923);
        for (size_t r = 0; r < o.runs; r++) {
            CHECK(o.final_arch[r] >= 0 && o.final_arch[r] % 3 == 0);
            CHECK(!isnan(v90[o.final_arch[r]]));
        }
        res_series_free(&o);
    }
    tab_close(t);
}
