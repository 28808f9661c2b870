/* tests/test_zc_strat.c - the zero-cost strategies (strategies/zc.c) on
 * tables/fmnist.h5, which carries /zc/fashion-mnist/synflow: the proxy
 * phase is charged on the simulated clock (a budget shorter than it leaves
 * no evaluation, a longer one does), zc-top evaluates the sample's best
 * proxy cell first, results do not depend on the thread count, and a table
 * without the column is refused naming it. */
#include <stdlib.h>

#include "strategies/strat.h"
#include "tables/tab_zc.h"
#include "test.h"

static tab_table *fmnist(void)
{
    tab_table *t = NULL;
    CHECK_OK(tab_open("tables/fmnist.h5", &t));
    return t;
}

TEST(zc_strategies_charge_the_proxy_phase)
{
    tab_table *t = fmnist();
    if (!t) return;
    /* 1000 cells at the column's measured CPU seconds (engine seconds: a built table) */
    double t0 = 1000 * tab_zc_seconds("tables/fmnist.h5", "fashion-mnist", "synflow");
    CHECK(t0 > 0);
    const char *names[] = {"zc-top", "rea-zc", "local-zc"};
    for (int k = 0; k < 3; k++) {
        strat_run_config c = strat_run_config_default();
        c.table = t, c.dataset = "fashion-mnist", c.strategy = names[k], c.runs = 4, c.threads = 1;
        c.budget = 0.99 * t0;
        res_series o;
        CHECK_OK(strat_run(&c, &o));
        for (size_t r = 0; r < 4; r++) CHECK(o.n_evals[r] == 0);
        res_series_free(&o);
        c.budget = t0 + 5.0;
        CHECK_OK(strat_run(&c, &o));
        for (size_t r = 0; r < 4; r++) CHECK(o.n_evals[r] > 0);
        res_series_free(&o);
    }
    tab_close(t);
}

TEST(zc_top_threads_and_first_cell)
{
    tab_table *t = fmnist();
    if (!t) return;
    double *zc;
    size_t n;
    CHECK_OK(tab_zc_read("tables/fmnist.h5", "fashion-mnist", "synflow", &zc, &n));
    strat_run_config c = strat_run_config_default();
    c.table = t, c.dataset = "fashion-mnist", c.strategy = "zc-top", c.runs = 6, c.threads = 1;
    res_series a, b;
    CHECK_OK(strat_run(&c, &a));
    c.threads = 2;
    CHECK_OK(strat_run(&c, &b));
    for (size_t r = 0; r < 6; r++) {
        CHECK(a.final_arch[r] == b.final_arch[r]);
        CHECK(a.n_evals[r] == b.n_evals[r]);
    }
    /* budget for one evaluation after the proxy phase: the incumbent is the
     * first cell asked, which must have a synflow at least that of most cells */
    c.budget = 1000 * tab_zc_seconds("tables/fmnist.h5", "fashion-mnist", "synflow") + 0.6;
    res_series o;
    CHECK_OK(strat_run(&c, &o));
    for (size_t r = 0; r < 6; r++) {
        if (o.n_evals[r] != 1) continue;
        size_t below = 0;
        for (size_t i = 0; i < n; i++) below += zc[i] <= zc[o.final_arch[r]];
        CHECK(below > n * 9 / 10); /* the best of 1000 random cells is in the top 10% */
    }
    res_series_free(&a), res_series_free(&b), res_series_free(&o);
    free(zc);
    tab_close(t);
}

TEST(zc_strategies_refuse_a_table_without_the_proxy)
{
    tab_table *t = test_table(); /* build/nb201.h5: make table ships /zc columns */
    if (!t) return;
    tab_table *bare; /* the second Fashion-MNIST table ships none */
    CHECK_OK(tab_open("tables/fmnist-c8.h5", &bare));
    if (!bare) return;
    strat_run_config c = strat_run_config_default();
    c.table = bare, c.dataset = "fashion-mnist", c.strategy = "rea-zc", c.runs = 2;
    res_series o;
    CHECK(strat_run(&c, &o) == NB_ENOTFOUND);
    CHECK(strstr(nb_errmsg(), "/zc/fashion-mnist/synflow") != NULL);
    CHECK(strstr(nb_errmsg(), "hint: nastab tables proxies") != NULL);
    tab_close(bare);
    c.table = t, c.dataset = "cifar10"; /* searches cifar10-valid: the shipped column (make table) */
    CHECK_OK(strat_run(&c, &o));
    res_series_free(&o);
    c.dataset = "cifar100";
    CHECK_OK(strat_run(&c, &o));
    res_series_free(&o);
}
