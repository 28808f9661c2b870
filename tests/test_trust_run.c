/* tests/test_trust_run.c - the search loop refuses columns that are not
 * numbers (issue 11 item 2): a search column without any value, and
 * infinite accuracies, fail with the column named instead of giving "nan"
 * or infinite results. NaN stays a missing value. */
#include <math.h>
#include <string.h>

#include "strategies/strat.h"
#include "tables/tab.h"
#include "test.h"

#define TR_NA 15625 /* every cell: random search may propose any */

/* A small NB201-shaped table: cifar10-valid at 12 and 200 epochs, cifar10
 * test at 200, costs. v12_fill: the value of every 12-epoch score, or, when
 * NaN, a NaN column; bad200: a value planted at cell 7 of the 200-epoch
 * validation column. */
static tab_table *tr_table(const char *name, float v12_fill, float bad200)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.h5", test_tmpdir(), name);
    static space_arch archs[TR_NA];
    for (int i = 0; i < TR_NA; i++) archs[i] = space_from_code((uint32_t)i);
    tab_writer *w;
    if (tab_writer_create(path, "nb201", TR_NA, archs, &w) != NB_OK) {
        test_fail_at(__FILE__, __LINE__, "%s", nb_errmsg());
        return NULL;
    }
    static float v12[TR_NA], v200[TR_NA], test[TR_NA], tt[TR_NA], et[TR_NA];
    for (int i = 0; i < TR_NA; i++) {
        v12[i] = isnan(v12_fill) ? NAN : v12_fill + (float)i * 0.1f;
        v200[i] = 80.0f + (float)(i % 13);
        test[i] = v200[i] - 0.5f;
        tt[i] = 1.0f + (float)(i % 3);
        et[i] = 0.5f;
    }
    v200[7] = bad200;
    tab_metric_data d12 = {.final_mean = v12}, d200 = {.final_mean = v200}, dt = {.final_mean = test};
    nb_status st;
    if ((st = tab_writer_metric(w, "cifar10-valid", 12, TAB_VALID_ACC, &d12)) != NB_OK ||
        (st = tab_writer_metric(w, "cifar10-valid", 200, TAB_VALID_ACC, &d200)) != NB_OK ||
        (st = tab_writer_metric(w, "cifar10-valid", 200, TAB_TEST_ACC, &dt)) != NB_OK ||
        (st = tab_writer_metric(w, "cifar10", 200, TAB_TEST_ACC, &dt)) != NB_OK ||
        (st = tab_writer_cost(w, "cifar10-valid", "train_time_per_epoch", tt, "s", NULL)) != NB_OK ||
        (st = tab_writer_cost(w, "cifar10-valid", "eval_time", et, "s", NULL)) != NB_OK) {
        tab_writer_abort(w);
        test_fail_at(__FILE__, __LINE__, "%s", nb_errmsg());
        return NULL;
    }
    tab_table *t = NULL;
    if (tab_writer_finish(w, NULL) != NB_OK || tab_open(path, &t) != NB_OK)
        test_fail_at(__FILE__, __LINE__, "%s", nb_errmsg());
    return t;
}

static strat_run_config tr_config(tab_table *t)
{
    strat_run_config c = strat_run_config_default();
    c.table = t;
    c.dataset = "cifar10";
    c.strategy = "random";
    c.runs = 3;
    c.grid = 5;
    c.threads = 1;
    c.budget = 500;
    return c;
}

TEST(trust_run_refuses_search_column_without_values)
{
    tab_table *t = tr_table("tr-nan12", NAN, 85.0f);
    if (!t) return;
    strat_run_config c = tr_config(t);
    res_series o;
    CHECK_STATUS(strat_run(&c, &o), NB_EMISSING);
    CHECK_ERRMSG("valid_acc of cifar10-valid at 12 epochs");
    CHECK_ERRMSG("values for 0 of 15625 cells");
    res_series_free(&o);
    tab_close(t);
}

TEST(trust_run_refuses_infinite_accuracies)
{
    tab_table *t = tr_table("tr-inf200", 60.0f, INFINITY);
    if (!t) return;
    strat_run_config c = tr_config(t);
    res_series o;
    CHECK(strat_run(&c, &o) != NB_OK);
    CHECK_ERRMSG("arch 7 has inf");
    res_series_free(&o);
    tab_close(t);
    /* NaN is a missing value: the run goes on, and every result is finite */
    t = tr_table("tr-nan200", 60.0f, NAN);
    if (!t) return;
    c = tr_config(t);
    CHECK_OK(strat_run(&c, &o));
    for (size_t r = 0; r < o.runs; r++) CHECK(isfinite(o.final_test[r]));
    res_series_free(&o);
    tab_close(t);
}
