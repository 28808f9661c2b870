/* tests/test_results.c - the results module against the search loop: every
 * field strat_run sets reaches the file and comes back (single- and
 * multi-objective files), and single- and multi-objective runs go through
 * the same loop (random search and REA evaluate the same cells, with the
 * same incumbents, in both modes for the same seed when the latency bound
 * excludes nothing). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "results/res.h"
#include "strategies/strat.h"
#include "test.h"

/* A new field of res_series changes its size: add it to series_equal below
 * and to the file (results/RESULTS.md or MO_RESULTS.md), then update this. */
_Static_assert(sizeof(res_series) == 376 || sizeof(void *) != 8,
               "res_series changed: compare the new field in series_equal and store it in the file");

static int arr_eq(const void *a, const void *b, size_t n, size_t size)
{
    if (!a || !b) return a == b;
    return n == 0 || !memcmp(a, b, n * size);
}

#define SAME(f) (!memcmp(&a->f, &b->f, sizeof a->f)) /* bitwise: NaN equals NaN */

/* Every field of two series, arrays over their shapes; 0 names the first difference. */
static int series_equal(const res_series *a, const res_series *b)
{
    const size_t R = a->runs, G = a->grid, C = a->cap, F = a->n_front;
    const char *diff = NULL;
    if (strcmp(a->dataset, b->dataset) || strcmp(a->strategy, b->strategy) ||
        strcmp(a->device, b->device)) diff = "names";
    else if (!SAME(n_objectives) || !SAME(runs) || !SAME(grid) || !SAME(cap) || !SAME(n_front))
        diff = "sizes";
    else if (!SAME(budget) || !SAME(workers) || !SAME(optimum_valid) || !SAME(optimum_test))
        diff = "budget/workers/optimum";
    else if (!SAME(latency_max) || !SAME(lat_ref) || !SAME(hv_true) || !SAME(optimum_feasible))
        diff = "multi-objective scalars";
    else if (!arr_eq(a->time, b->time, G, sizeof *a->time)) diff = "time";
    else if (!arr_eq(a->valid, b->valid, R * G, sizeof *a->valid)) diff = "valid";
    else if (!arr_eq(a->test, b->test, R * G, sizeof *a->test)) diff = "test";
    else if (!arr_eq(a->final_valid, b->final_valid, R, sizeof *a->final_valid)) diff = "final_valid";
    else if (!arr_eq(a->final_test, b->final_test, R, sizeof *a->final_test)) diff = "final_test";
    else if (!arr_eq(a->final_arch, b->final_arch, R, sizeof *a->final_arch)) diff = "final_arch";
    else if (!arr_eq(a->n_evals, b->n_evals, R, sizeof *a->n_evals)) diff = "n_evals";
    else if (!arr_eq(a->eval_arch, b->eval_arch, R * C, sizeof *a->eval_arch)) diff = "eval_arch";
    else if (!arr_eq(a->eval_finish, b->eval_finish, R * C, sizeof *a->eval_finish)) diff = "eval_finish";
    else if (!arr_eq(a->eval_score, b->eval_score, R * C, sizeof *a->eval_score)) diff = "eval_score";
    else if (!arr_eq(a->eval_test, b->eval_test, R * C, sizeof *a->eval_test)) diff = "eval_test";
    else if (!arr_eq(a->eval_latency, b->eval_latency, R * C, sizeof *a->eval_latency)) diff = "eval_latency";
    else if (!arr_eq(a->hv, b->hv, R * G, sizeof *a->hv)) diff = "hv";
    else if (!arr_eq(a->front_arch, b->front_arch, F, sizeof *a->front_arch)) diff = "front_arch";
    else if (!arr_eq(a->front_test, b->front_test, F, sizeof *a->front_test)) diff = "front_test";
    else if (!arr_eq(a->front_latency, b->front_latency, F, sizeof *a->front_latency)) diff = "front_latency";
    if (diff) test_fail_at(__FILE__, __LINE__, "series %s/%s differ in %s", a->dataset, a->strategy, diff);
    return !diff;
}
#undef SAME

/* A deep copy of s (the loop's output is handed to the results object). */
static void series_copy(const res_series *s, res_series *d)
{
    *d = *s;
    const size_t R = s->runs, G = s->grid, C = s->cap, F = s->n_front;
#define DUP(f, n)                                                   \
    do {                                                            \
        if (s->f) {                                                 \
            d->f = nb_xcalloc_array((n) > 0 ? (n) : 1, sizeof *s->f); \
            memcpy(d->f, s->f, (n) * sizeof *s->f);                 \
        }                                                           \
    } while (0)
    DUP(time, G);
    DUP(valid, R * G);
    DUP(test, R * G);
    DUP(final_valid, R);
    DUP(final_test, R);
    DUP(final_arch, R);
    DUP(n_evals, R);
    DUP(eval_arch, R * C);
    DUP(eval_finish, R * C);
    DUP(eval_score, R * C);
    DUP(eval_test, R * C);
    DUP(eval_latency, R * C);
    DUP(hv, R * G);
    DUP(front_arch, F);
    DUP(front_test, F);
    DUP(front_latency, F);
#undef DUP
}

static tab_table *open_table(void)
{
    tab_table *t = NULL;
    if (!test_table_path()) {
        test_fail_at(__FILE__, __LINE__, "needs --table nb201.h5");
        return NULL;
    }
    if (tab_open(test_table_path(), &t) != NB_OK) test_fail_at(__FILE__, __LINE__, "%s", nb_errmsg());
    return t;
}

static strat_run_config small(tab_table *t, const char *strategy, const char *device)
{
    strat_run_config c = device ? strat_mo_config_default() : strat_run_config_default();
    c.table = t;
    c.dataset = "cifar10";
    c.strategy = strategy;
    c.device = device;
    c.runs = 4;
    c.grid = 11;
    c.threads = 1;
    c.budget = 4000;
    return c;
}

TEST(results_so_every_field_roundtrips)
{
    tab_table *t = open_table();
    if (!t) return;
    strat_run_config c = small(t, "rea", NULL);
    c.workers = 2;
    res_series o, keep;
    CHECK_OK(strat_run(&c, &o));
    CHECK_EQ_INT(o.n_objectives, 1);
    CHECK(o.valid && o.final_valid && !o.eval_arch && !o.hv);
    series_copy(&o, &keep);
    res_meta meta = {tab_path(t), tab_checksum(t), NULL, "test", 0};
    res_results *r = res_results_create(&meta);
    res_results_add(r, &o);
    CHECK(o.time == NULL && o.runs == 0); /* taken over whole */
    char path[600];
    snprintf(path, sizeof path, "%s/every-field.h5", test_tmpdir());
    CHECK_OK(res_results_write(r, path));
    res_results *b = NULL;
    CHECK_OK(res_results_read(path, &b));
    if (b && res_results_count(b) == 1) CHECK(series_equal(&keep, res_results_get(b, 0)));
    res_results_free(b);
    res_results_free(r);
    res_series_free(&keep);
    tab_close(t);
}

TEST(results_mo_every_field_roundtrips)
{
    tab_table *t = open_table();
    if (!t) return;
    strat_run_config c = small(t, "nsga2", "edgegpu");
    res_series o, keep;
    CHECK_OK(strat_run(&c, &o));
    CHECK_EQ_INT(o.n_objectives, 2);
    CHECK(!o.valid && !o.final_valid && o.eval_arch && o.hv && o.n_front > 0);
    series_copy(&o, &keep);
    res_meta meta = {tab_path(t), tab_checksum(t), NULL, "test", 0};
    res_mo_results *r = res_mo_create(&meta);
    res_mo_add(r, &o);
    char path[600];
    snprintf(path, sizeof path, "%s/every-field-mo.h5", test_tmpdir());
    CHECK_OK(res_mo_write(r, path));
    res_mo_results *b = NULL;
    CHECK_OK(res_mo_read(path, &b));
    if (b && res_mo_count(b) == 1) CHECK(series_equal(&keep, res_mo_get(b, 0)));
    res_mo_free(b);
    res_mo_free(r);
    res_series_free(&keep);
    tab_close(t);
}

TEST(results_so_and_mo_runs_share_the_loop)
{
    tab_table *t = open_table();
    if (!t) return;
    const char *names[] = {"random", "rea"};
    for (int k = 0; k < 2; k++) {
        strat_run_config so = small(t, names[k], NULL), mo = small(t, names[k], "edgegpu");
        mo.runs = so.runs = 6;
        mo.latency_max = 1e9; /* every cell feasible: the constrained incumbent is the plain one */
        res_series a, b;
        CHECK_OK(strat_run(&so, &a));
        CHECK_OK(strat_run(&mo, &b));
        if (!a.runs || !b.runs) continue;
        CHECK_MSG(!memcmp(a.n_evals, b.n_evals, a.runs * sizeof *a.n_evals) &&
                      !memcmp(a.final_arch, b.final_arch, a.runs * sizeof *a.final_arch) &&
                      !memcmp(a.test, b.test, a.runs * a.grid * sizeof *a.test) &&
                      !memcmp(a.time, b.time, a.grid * sizeof *a.time),
                  "%s: single- and multi-objective runs differ", names[k]);
        /* the trace's first cell is the run's first random draw in both modes */
        nb_rng rng;
        nb_rng_init(&rng, so.seed, 0, NB_PURPOSE_SEARCH);
        space_arch first;
        space_random(&rng, &first);
        CHECK_EQ_INT(b.eval_arch[0], tab_index_of(t, &first));
        res_series_free(&a);
        res_series_free(&b);
    }
    /* a multi-objective strategy is refused in a single-objective run */
    strat_run_config so = small(t, "nsga2", NULL);
    res_series x;
    CHECK_STATUS(strat_run(&so, &x), NB_EINVAL);
    CHECK_ERRMSG("needs 2 objectives");
    tab_close(t);
}
