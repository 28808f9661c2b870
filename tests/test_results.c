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
_Static_assert(sizeof(res_series) == 928 || sizeof(void *) != 8,
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
        strcmp(a->device, b->device) || strcmp(a->external, b->external) ||
        !SAME(external_protocol)) diff = "names";
    else if (!SAME(n_objectives) || !SAME(runs) || !SAME(grid) || !SAME(cap) || !SAME(n_front))
        diff = "sizes";
    else if (!SAME(budget) || !SAME(workers) || !SAME(optimum_valid) || !SAME(optimum_test) ||
             !SAME(restricted_cells) || strcmp(res_budget_unit(a), res_budget_unit(b)) ||
             !SAME(budget_unit_assumed))
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
    c.restrict_to_curves = 1; /* so restricted_cells is set (200: the cells with a curve) */
    res_series o, keep;
    CHECK_OK(strat_run(&c, &o));
    CHECK_EQ_INT(o.n_objectives, 1);
    CHECK_EQ_INT(o.restricted_cells, 200);
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

/* ---- what a reader refuses (issue 11, items 2 and 9): every reader gets
 * the same check, at read, before anything is allocated for a declared
 * size. The files are valid results files with one value changed. */
#include <hdf5.h>

static void so_file(const char *path)
{
    res_series s;
    memset(&s, 0, sizeof s);
    s.n_objectives = 1;
    snprintf(s.dataset, sizeof s.dataset, "cifar10");
    snprintf(s.strategy, sizeof s.strategy, "rea");
    s.runs = 3;
    s.grid = 4;
    s.budget = 100;
    s.workers = 1;
    s.optimum_valid = 91;
    s.optimum_test = 94;
    s.time = nb_xcalloc_array(4, sizeof *s.time);
    s.valid = nb_xcalloc_array(12, sizeof *s.valid);
    s.test = nb_xcalloc_array(12, sizeof *s.test);
    s.final_valid = nb_xcalloc_array(3, sizeof(float));
    s.final_test = nb_xcalloc_array(3, sizeof(float));
    s.final_arch = nb_xcalloc_array(3, sizeof(int32_t));
    s.n_evals = nb_xcalloc_array(3, sizeof(uint32_t));
    for (int g = 0; g < 4; g++) s.time[g] = 25.0 * g;
    for (int i = 0; i < 12; i++) s.valid[i] = s.test[i] = 90;
    for (int r = 0; r < 3; r++) s.final_valid[r] = s.final_test[r] = 90;
    res_meta meta = {"t.h5", "abc", NULL, "test", 0};
    res_results *r = res_results_create(&meta);
    res_results_add(r, &s);
    CHECK_OK(res_results_write(r, path));
    res_results_free(r);
}

/* Overwrite attribute `name` of /series/cifar10/rea with one value of type t. */
static void set_attr(const char *path, const char *name, hid_t t, const void *v)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "series/cifar10/rea", H5P_DEFAULT);
    H5Adelete(g, name);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(a >= 0 && H5Awrite(a, t, v) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Gclose(g);
    H5Fclose(f);
}

/* Overwrite element i of dataset /series/cifar10/rea/name (float or int32). */
static void set_elem(const char *path, const char *name, hid_t t, size_t i, const void *v)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    char full[96];
    snprintf(full, sizeof full, "series/cifar10/rea/%s", name);
    hid_t d = H5Dopen2(f, full, H5P_DEFAULT), fs = H5Dget_space(d);
    hsize_t n = (hsize_t)H5Sget_simple_extent_npoints(fs);
    void *buf = nb_xcalloc_array((size_t)n, 8);
    CHECK(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    memcpy((char *)buf + i * H5Tget_size(t), v, H5Tget_size(t));
    CHECK(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    free(buf);
    H5Sclose(fs);
    H5Dclose(d);
    H5Fclose(f);
}

static void expect_refused(const char *path, const char *needle)
{
    res_results *r = NULL;
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);
    CHECK(r == NULL);
    CHECK_ERRMSG(path);
    CHECK_ERRMSG(needle);
    res_results_free(r);
}

TEST(results_read_refuses_bad_numbers)
{
    char path[600];
    snprintf(path, sizeof path, "%s/bad-numbers.h5", test_tmpdir());
    double d;
    int32_t i32;
    float f;
    so_file(path);
    res_results *ok = NULL;
    CHECK_OK(res_results_read(path, &ok));
    res_results_free(ok);

    d = -5;
    set_attr(path, "budget", H5T_NATIVE_DOUBLE, &d);
    expect_refused(path, "budget -5");
    so_file(path);
    d = NAN;
    set_attr(path, "budget", H5T_NATIVE_DOUBLE, &d);
    expect_refused(path, "budget nan");
    so_file(path);
    i32 = -3;
    set_attr(path, "workers", H5T_NATIVE_INT32, &i32);
    expect_refused(path, "workers -3");
    so_file(path);
    i32 = -7;
    set_elem(path, "final_arch", H5T_NATIVE_INT32, 1, &i32);
    expect_refused(path, "final_arch[1] is -7");
    so_file(path);
    f = INFINITY;
    set_elem(path, "final_test", H5T_NATIVE_FLOAT, 2, &f);
    expect_refused(path, "final_test[2] is inf");
    so_file(path);
    f = -INFINITY;
    set_elem(path, "test", H5T_NATIVE_FLOAT, 5, &f);
    expect_refused(path, "test[5] is -inf");
    so_file(path);
    f = NAN; /* NaN is a missing value: accepted */
    set_elem(path, "final_test", H5T_NATIVE_FLOAT, 2, &f);
    CHECK_OK(res_results_read(path, &ok));
    res_results_free(ok);
}

/* A small file declaring runs = 2^31 and grid = 2^20, with datasets of that
 * shape that hold no data (never written chunks): a format error, not an
 * allocation of petabytes. */
TEST(results_read_refuses_huge_declared_sizes)
{
    char path[600];
    snprintf(path, sizeof path, "%s/huge.h5", test_tmpdir());
    so_file(path);
    uint64_t runs = (uint64_t)1 << 31, grid = (uint64_t)1 << 20;
    set_attr(path, "runs", H5T_NATIVE_UINT64, &runs);
    set_attr(path, "grid", H5T_NATIVE_UINT64, &grid);
    expect_refused(path, "runs 2147483648, grid 1048576");
    /* within the limits, but the datasets declare far more than the file holds */
    so_file(path);
    runs = 4000;
    grid = 20000;
    set_attr(path, "runs", H5T_NATIVE_UINT64, &runs);
    set_attr(path, "grid", H5T_NATIVE_UINT64, &grid);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t g = H5Gopen2(f, "series/cifar10/rea", H5P_DEFAULT);
    hsize_t dims[2] = {runs, grid}, dims1[1] = {grid}, chunk[2] = {1, 1024};
    H5Ldelete(g, "time", H5P_DEFAULT);
    hid_t sp1 = H5Screate_simple(1, dims1, NULL);
    hid_t t = H5Dcreate2(g, "time", H5T_IEEE_F64LE, sp1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    double *tv = nb_xcalloc_array(grid, sizeof *tv);
    H5Dwrite(t, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, tv);
    free(tv);
    H5Dclose(t);
    H5Sclose(sp1);
    H5Ldelete(g, "valid", H5P_DEFAULT);
    hid_t sp = H5Screate_simple(2, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    hid_t d = H5Dcreate2(g, "valid", H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(d >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Gclose(g);
    H5Fclose(f);
    expect_refused(path, "declares 80000000 values but the file holds only 0 bytes");
}
