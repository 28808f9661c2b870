/* tests/test_gate.c - the regression gate and the ranking: statistics on
 * hand-checked inputs, summary files, refusals, and planted differences on
 * the real NB201 table (a weakened REA is caught; REA against itself with
 * other seeds passes). */
#include <stdlib.h>

#include "reports/rep.h"
#include "spaces/space.h"
#include "strategies/strat.h"
#include "tables/tab.h"
#include "test.h"

/* ---- Mann-Whitney U ---- */

TEST(gate_mwu_exact_scipy_example)
{
    /* scipy.stats.mannwhitneyu docs: diagnosis ages, U_M = 17, exact two-sided p = 1/9. */
    double males[] = {19, 22, 16, 29, 24}, females[] = {20, 11, 17, 12};
    rep_mwu t;
    CHECK_OK(rep_mann_whitney(males, 5, females, 4, &t));
    CHECK_NEAR(t.u, 17, 0);
    CHECK(t.exact);
    CHECK_NEAR(t.p, 0.1111111111111111, 1e-12);
    /* Swapping the samples gives U_F = 3 and the same p. */
    CHECK_OK(rep_mann_whitney(females, 4, males, 5, &t));
    CHECK_NEAR(t.u, 3, 0);
    CHECK_NEAR(t.p, 0.1111111111111111, 1e-12);
}

TEST(gate_mwu_ties_normal_approximation)
{
    /* x = {1,2,2,3}, y = {2,3,4,4,5}: mid-ranks give U = 2.5; the tie-corrected
     * variance is 20/12 * (10 - 36/72) = 15.8333; z = (|2.5 - 10| - 0.5) / sqrt(var)
     * = 1.75919, two-sided p = 0.0785459 (as scipy, method="asymptotic"). */
    double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 4, 5};
    rep_mwu t;
    CHECK_OK(rep_mann_whitney(x, 4, y, 5, &t));
    CHECK(!t.exact);
    CHECK_NEAR(t.u, 2.5, 0);
    CHECK_NEAR(t.z, -1.759186414825121, 1e-9);
    CHECK_NEAR(t.p, 0.0785458509511907, 1e-9);
    /* All values tied: no evidence, p = 1. */
    double c[] = {7, 7, 7};
    CHECK_OK(rep_mann_whitney(c, 3, c, 3, &t));
    CHECK_NEAR(t.p, 1, 0);
    /* NaN is refused, naming the sample. */
    double bad[] = {1, NAN};
    CHECK_STATUS(rep_mann_whitney(x, 4, bad, 2, &t), NB_EINVAL);
    CHECK_ERRMSG("NaN in the second sample");
}

TEST(gate_mwu_exact_matches_normal_for_large_samples)
{
    /* 50 vs 50 tie-free values: the exact p (counting) and the normal
     * approximation (formula written out here) agree to 0.005. */
    double x[50], y[50];
    nb_rng rng;
    nb_rng_init(&rng, 7, 0, NB_PURPOSE_TEST);
    for (int i = 0; i < 50; i++) x[i] = nb_rng_normal(&rng) + 0.4, y[i] = nb_rng_normal(&rng);
    rep_mwu t;
    CHECK_OK(rep_mann_whitney(x, 50, y, 50, &t));
    CHECK(t.exact);
    double z = (fabs(t.u - 1250) - 0.5) / sqrt(2500.0 * 101 / 12);
    CHECK_NEAR(t.p, erfc(z / sqrt(2.0)), 0.005);
    CHECK(t.p < 0.2);
}

TEST(gate_holm_hand_example)
{
    /* Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04,
     * then made monotone: 0.02, 0.03, 0.06, 0.06. */
    double p[] = {0.01, 0.04, 0.03, 0.005}, adj[4];
    rep_holm(p, 4, adj);
    CHECK_NEAR(adj[0], 0.03, 1e-15);
    CHECK_NEAR(adj[1], 0.06, 1e-15);
    CHECK_NEAR(adj[2], 0.06, 1e-15);
    CHECK_NEAR(adj[3], 0.02, 1e-15);
    double q[] = {0.6, 0.9}, qa[2];
    rep_holm(q, 2, qa);
    CHECK_NEAR(qa[0], 1, 0); /* capped at 1 */
    CHECK_NEAR(qa[1], 1, 0);
}

TEST(gate_bootstrap_interval)
{
    double one[5] = {1, 1, 1, 1, 1}, zero[3] = {0, 0, 0}, lo, hi;
    rep_bootstrap_mean_diff(one, 5, zero, 3, 0.95, 500, 0, 0, &lo, &hi);
    CHECK_NEAR(lo, 1, 0);
    CHECK_NEAR(hi, 1, 0);
    /* N(0.5, 1) vs N(0, 1), 200 each: the 95% interval covers 0.5 and not 0;
     * the same seed gives the same interval. */
    double x[200], y[200], lo2, hi2;
    nb_rng rng;
    nb_rng_init(&rng, 3, 0, NB_PURPOSE_TEST);
    for (int i = 0; i < 200; i++) x[i] = nb_rng_normal(&rng) + 0.5, y[i] = nb_rng_normal(&rng);
    rep_bootstrap_mean_diff(x, 200, y, 200, 0.95, 2000, 11, 4, &lo, &hi);
    rep_bootstrap_mean_diff(x, 200, y, 200, 0.95, 2000, 11, 4, &lo2, &hi2);
    CHECK(lo < 0.5 && hi > 0.5 && lo > 0);
    CHECK_NEAR(hi - lo, 2 * 1.96 * sqrt(2.0 / 200), 0.06);
    CHECK(lo == lo2 && hi == hi2);
}

/* ---- Friedman / Nemenyi ---- */

TEST(gate_nemenyi_q_matches_demsar_table)
{
    /* Demsar 2006, table 5(a): q_0.05 and q_0.10 for k = 2..10. */
    static const double q05[] = {1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164};
    static const double q10[] = {1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920};
    for (size_t k = 2; k <= (test_quick() ? 4u : 10u); k++) { /* --quick: valgrind */
        CHECK_NEAR(rep_nemenyi_q(k, 0.05), q05[k - 2], 0.0015);
        CHECK_NEAR(rep_nemenyi_q(k, 0.10), q10[k - 2], 0.0015);
    }
    CHECK(rep_nemenyi_q(12, 0.05) > rep_nemenyi_q(11, 0.05));
    CHECK(rep_nemenyi_q(11, 0.05) > 3.164);
}

TEST(gate_distributions)
{
    CHECK_NEAR(rep_chi2_sf(3.841458820694124, 1), 0.05, 1e-9);
    CHECK_NEAR(rep_chi2_sf(7.814727903251178, 3), 0.05, 1e-9);
    CHECK_NEAR(rep_chi2_sf(2, 2), exp(-1), 1e-12); /* df 2: exp(-x/2) */
    /* F(1, d) = t(d)^2: P(F > t^2) = two-sided t tail; t_{0.975,10} = 2.228138852. */
    CHECK_NEAR(rep_f_sf(2.228138851986274 * 2.228138851986274, 1, 10), 0.05, 1e-8);
    /* Demsar 2006 sec. 3.2.2: the 0.05 critical value of F(3, 39) is 2.85. */
    CHECK_NEAR(rep_f_sf(2.85, 3, 39), 0.05, 0.002);
    CHECK_NEAR(rep_normal_sf(1.959963984540054), 0.025, 1e-12);
}

TEST(gate_friedman_demsar_example)
{
    /* 14 datasets x 4 strategies built to give Demsar's average ranks 3.143,
     * 2.000, 2.893, 1.964 (sec. 3.2.2): chi2_F = 9.28, F_F = 3.69,
     * CD(0.05) = 2.569 * sqrt(4*5 / (6*14)) = 1.25. */
    static const double s[14][4] = {
        {2, 3, 4, 1}, {4, 3, 1, 2}, {4, 1, 3, 2}, {4, 2, 3, 1}, {3, 2, 4, 1},
        {4, 2, 3, 1}, {3, 2, 4, 1}, {2, 1, 4, 3}, {2, 1, 3.5, 3.5}, {4, 1, 3, 2},
        {3, 2, 1, 4}, {2, 1, 3, 4}, {4, 3, 2, 1}, {3, 4, 2, 1}};
    double avg[4];
    rep_friedman_result fr;
    CHECK_OK(rep_friedman(&s[0][0], 14, 4, 0.05, avg, &fr));
    CHECK_NEAR(avg[0], 44 / 14.0, 1e-12);
    CHECK_NEAR(avg[1], 2.0, 1e-12);
    CHECK_NEAR(avg[2], 40.5 / 14, 1e-12);
    CHECK_NEAR(avg[3], 27.5 / 14, 1e-12);
    CHECK_NEAR(fr.chi2, 9.28, 0.01);
    CHECK_NEAR(fr.ff, 3.69, 0.01);
    CHECK(fr.ff_p < 0.05 && fr.ff_p > 0.01);
    CHECK_NEAR(fr.cd, 1.25, 0.005);
    CHECK_STATUS(rep_friedman(&s[0][0], 1, 4, 0.05, avg, &fr), NB_EINVAL);
    CHECK_ERRMSG("need at least 2");
}

TEST(gate_rank_avg_ties)
{
    double x[] = {3, 1, 3, NAN, 2}, r[5];
    rep_rank_avg(x, 5, r);
    CHECK_NEAR(r[0], 3.5, 0);
    CHECK_NEAR(r[1], 1, 0);
    CHECK_NEAR(r[2], 3.5, 0);
    CHECK_NEAR(r[3], 5, 0); /* NaN ranks last */
    CHECK_NEAR(r[4], 2, 0);
}

/* ---- synthetic results files ---- */

/* A series whose run r reaches accuracy `final - shift(r)` at grid point g >= 1
 * (NaN at g = 0), regret against optimum 95. */
static void add_series(res_results *res, const char *ds, const char *strat, size_t runs, size_t grid,
                       double budget, double level, double noise, uint64_t seed)
{
    res_series s;
    memset(&s, 0, sizeof s);
    s.n_objectives = 1;
    snprintf(s.dataset, sizeof s.dataset, "%s", ds);
    snprintf(s.strategy, sizeof s.strategy, "%s", strat);
    s.runs = runs;
    s.grid = grid;
    s.budget = budget;
    s.workers = 1;
    s.time = malloc(grid * sizeof *s.time);
    s.valid = malloc(runs * grid * sizeof *s.valid);
    s.test = malloc(runs * grid * sizeof *s.test);
    s.final_valid = malloc(runs * sizeof(float));
    s.final_test = malloc(runs * sizeof(float));
    s.final_arch = malloc(runs * sizeof(int32_t));
    s.n_evals = malloc(runs * sizeof(uint32_t));
    s.optimum_valid = 92;
    s.optimum_test = 95;
    nb_rng rng;
    nb_rng_init(&rng, seed, 0, NB_PURPOSE_TEST);
    for (size_t g = 0; g < grid; g++) s.time[g] = budget * (double)g / (double)(grid - 1);
    for (size_t r = 0; r < runs; r++) {
        double end = level + noise * nb_rng_normal(&rng);
        for (size_t g = 0; g < grid; g++) {
            float v = g == 0 ? NAN : (float)(end - 2.0 / (double)g);
            s.test[r * grid + g] = v;
            s.valid[r * grid + g] = v;
        }
        s.final_test[r] = s.test[r * grid + grid - 1];
        s.final_valid[r] = s.final_test[r];
        s.final_arch[r] = 1;
        s.n_evals[r] = 10;
    }
    res_results_add(res, &s);
}

static res_results *make_results(const char *checksum, const char *protocol)
{
    res_meta m = {.table_path = "synthetic.h5", .table_checksum = checksum, .protocol = protocol,
                  .command = "test", .seed = 0};
    return res_results_create(&m);
}

TEST(gate_series_regret_backfills_and_averages)
{
    res_results *res = make_results("abc", RES_PROTOCOL);
    add_series(res, "cifar10", "rea", 1, 3, 100, 94, 0, 1);
    const res_series *s = res_results_get(res, 0);
    /* test = NaN, 92, 93 -> regret 3 (back-filled), 3, 2 over t = 0, 50, 100:
     * area = 50 * (3 + 3) / 2 + 50 * (3 + 2) / 2 = 275, / 100 = 2.75. */
    double fin, auc;
    rep_series_regret(s, &fin, &auc);
    CHECK_NEAR(fin, 2, 1e-6);
    CHECK_NEAR(auc, 2.75, 1e-6);
    res_results_free(res);
}

TEST(gate_compare_planted_shift_and_refusals)
{
    res_results *b = make_results("abc", RES_PROTOCOL), *c = make_results("abc", RES_PROTOCOL);
    add_series(b, "cifar10", "rea", 60, 11, 1000, 94, 0.3, 1);
    add_series(b, "cifar100", "rea", 60, 11, 2000, 70, 0.3, 2);
    add_series(c, "cifar10", "rea", 60, 11, 1000, 93.6, 0.3, 3);  /* 0.4 pp worse */
    add_series(c, "cifar100", "rea", 60, 11, 2000, 70, 0.3, 4);    /* same */
    rep_gate_set *gb = rep_gate_set_from_results(b), *gc = rep_gate_set_from_results(c);
    rep_gate_config cfg = rep_gate_config_default();
    rep_gate_row *rows;
    size_t n;
    CHECK_OK(rep_gate_compare(gb, gc, &cfg, &rows, &n));
    CHECK_EQ_INT(n, 4);
    if (n == 4) {
        CHECK_EQ_INT(rows[0].verdict, REP_GATE_WORSE);
        CHECK(rows[0].fails);
        CHECK_NEAR(rows[0].diff, 0.4, 0.15);
        CHECK(rows[0].lo > 0 && rows[0].hi > rows[0].diff);
        CHECK(rows[0].a12 < 0.3);
        CHECK_EQ_INT(rows[2].verdict, REP_GATE_SAME);
        CHECK(rep_gate_failed(rows, n));
        free(rows);
    }
    /* A minimum effect above the planted 0.4 pp lets it pass. */
    cfg.min_effect = 1.0;
    CHECK_OK(rep_gate_compare(gb, gc, &cfg, &rows, &n));
    CHECK(!rep_gate_failed(rows, n));
    free(rows);
    /* Candidate vs itself: nothing significant. */
    cfg = rep_gate_config_default();
    CHECK_OK(rep_gate_compare(gb, gb, &cfg, &rows, &n));
    CHECK(!rep_gate_failed(rows, n));
    for (size_t i = 0; i < n; i++) CHECK_NEAR(rows[i].p, 1, 1e-9);
    free(rows);
    rep_gate_set_free(gc);
    res_results_free(c);

    /* Refusals name both values. */
    c = make_results("def", RES_PROTOCOL);
    add_series(c, "cifar10", "rea", 60, 11, 1000, 94, 0.3, 3);
    gc = rep_gate_set_from_results(c);
    CHECK_STATUS(rep_gate_compare(gb, gc, &cfg, &rows, &n), NB_EINVAL);
    CHECK_ERRMSG("baseline abc");
    CHECK_ERRMSG("candidate def");
    rep_gate_set_free(gc);
    res_results_free(c);

    c = make_results("abc", "nb201-v0");
    add_series(c, "cifar10", "rea", 60, 11, 1000, 94, 0.3, 3);
    gc = rep_gate_set_from_results(c);
    CHECK_STATUS(rep_gate_compare(gb, gc, &cfg, &rows, &n), NB_EINVAL);
    CHECK_ERRMSG("protocol");
    CHECK_ERRMSG("nb201-v0");
    rep_gate_set_free(gc);
    res_results_free(c);

    c = make_results("abc", RES_PROTOCOL);
    add_series(c, "cifar10", "rea", 60, 11, 500, 94, 0.3, 3);
    gc = rep_gate_set_from_results(c);
    CHECK_STATUS(rep_gate_compare(gb, gc, &cfg, &rows, &n), NB_EINVAL);
    CHECK_ERRMSG("budgets differ on cifar10: baseline 1000 s vs candidate 500 s");
    rep_gate_set_free(gc);
    res_results_free(c);

    c = make_results("abc", RES_PROTOCOL);
    add_series(c, "cifar10", "random", 60, 11, 1000, 94, 0.3, 3);
    add_series(c, "cifar10", "local", 60, 11, 1000, 94, 0.3, 3);
    gc = rep_gate_set_from_results(c);
    CHECK_STATUS(rep_gate_compare(gb, gc, &cfg, &rows, &n), NB_EINVAL);
    CHECK_ERRMSG("no strategy in common");
    rep_gate_set_free(gc);
    res_results_free(c);

    /* A run restricted to the cells with per-epoch curves is never compared
     * with an unrestricted one; the message names both (issue 11 item 1). */
    c = make_results("abc", RES_PROTOCOL_CURVE_CELLS);
    add_series(c, "cifar10", "rea", 60, 11, 1000, 94, 0.3, 3);
    gc = rep_gate_set_from_results(c);
    CHECK_STATUS(rep_gate_compare(gb, gc, &cfg, &rows, &n), NB_EINVAL);
    CHECK_ERRMSG("baseline unrestricted (protocol nb201-v1");
    CHECK_ERRMSG("candidate restricted (protocol nb201-v1-curve-cells");
    CHECK_ERRMSG("--restrict-to-curves");
    CHECK_STATUS(rep_gate_compare(gc, gb, &cfg, &rows, &n), NB_EINVAL);
    CHECK_ERRMSG("baseline restricted");
    rep_gate_set_free(gc);
    res_results_free(c);

    /* A failing test names its cell once (the message was formatted into
     * the buffer it read: "cifar10/rea: cifar10/rea: ..."; issue 11 item 11). */
    c = make_results("abc", RES_PROTOCOL);
    add_series(c, "cifar10", "rea", 60, 11, 1000, 94, 0.3, 3);
    ((res_series *)res_results_get(c, 0))->optimum_test = NAN; /* regrets NaN */
    gc = rep_gate_set_from_results(c);
    CHECK_STATUS(rep_gate_compare(gb, gc, &cfg, &rows, &n), NB_EINVAL);
    CHECK_ERRMSG("cifar10/rea: Mann-Whitney: NaN");
    CHECK(strstr(nb_errmsg(), "cifar10/rea: cifar10/rea") == NULL);
    rep_gate_set_free(gc);
    res_results_free(c);

    rep_gate_set_free(gb);
    res_results_free(b);
}

TEST(gate_summary_roundtrip_and_results_file)
{
    res_results *b = make_results("abc123", RES_PROTOCOL);
    add_series(b, "cifar10", "rea", 5, 11, 1000, 94, 0.3, 1);
    add_series(b, "cifar10", "random", 4, 11, 1000, 93, 0.3, 2);
    char h5[512], csv[512], bad[512];
    snprintf(h5, sizeof h5, "%s/gate.h5", test_tmpdir());
    snprintf(csv, sizeof csv, "%s/gate.csv", test_tmpdir());
    snprintf(bad, sizeof bad, "%s/gate-bad.csv", test_tmpdir());
    CHECK_OK(res_results_write(b, h5));
    rep_gate_set *g1 = NULL, *g2 = NULL;
    CHECK_OK(rep_gate_set_read(h5, &g1));
    if (g1) {
        CHECK_OK(rep_gate_set_write(g1, csv));
        CHECK_OK(rep_gate_set_read(csv, &g2));
    }
    if (g1 && g2) {
        CHECK_EQ_INT(rep_gate_set_count(g2), 2);
        CHECK_STR(rep_gate_set_attr(g2, "table_checksum"), "abc123");
        CHECK_STR(rep_gate_set_attr(g2, "protocol"), RES_PROTOCOL);
        const rep_gate_sample *a = rep_gate_set_get(g1, 1), *c = rep_gate_set_get(g2, 1);
        CHECK_STR(c->strategy, "random");
        CHECK_EQ_INT(c->runs, 4);
        CHECK_EQ_INT(c->grid, 11);
        CHECK_NEAR(c->budget, 1000, 0);
        for (size_t r = 0; r < 4; r++) {
            CHECK_NEAR(c->final_regret[r], a->final_regret[r], 1e-6);
            CHECK_NEAR(c->auc_regret[r], a->auc_regret[r], 1e-6);
        }
    }
    rep_gate_set_free(g1);
    rep_gate_set_free(g2);
    /* Bad summaries name the file and line. */
    FILE *f = fopen(bad, "w");
    fprintf(f, "# nastab-gate-summary 1\ndataset,strategy,budget,workers,grid,run,final_regret,auc_regret\n"
               "cifar10,rea,1000,1,11,0,0.5,x\n");
    fclose(f);
    CHECK_STATUS(rep_gate_set_read(bad, &g1), NB_EFORMAT);
    CHECK_ERRMSG("gate-bad.csv:3: auc_regret");
    f = fopen(bad, "w");
    fprintf(f, "# nastab-gate-summary 7\n");
    fclose(f);
    CHECK_STATUS(rep_gate_set_read(bad, &g1), NB_EVERSION);
    CHECK_ERRMSG("version 7, expected 1");
    f = fopen(bad, "w");
    fprintf(f, "hello\n");
    fclose(f);
    CHECK_STATUS(rep_gate_set_read(bad, &g1), NB_EFORMAT);
    CHECK_ERRMSG("not a results file");
    res_results_free(b);
}

TEST(gate_rank_over_time_and_report)
{
    res_results *r = make_results("abc", RES_PROTOCOL);
    add_series(r, "cifar10", "good", 20, 11, 1000, 94, 0.01, 1);
    add_series(r, "cifar10", "bad", 20, 11, 1000, 90, 0.01, 2);
    add_series(r, "cifar100", "good", 20, 11, 1000, 70, 0.01, 3);
    add_series(r, "cifar100", "bad", 20, 11, 1000, 60, 0.01, 4);
    size_t k, grid;
    const char **names;
    double *ranks;
    CHECK_OK(rep_rank_over_time(r, "cifar10", &k, &names, &ranks, &grid));
    CHECK_EQ_INT(k, 2);
    CHECK_EQ_INT(grid, 11);
    if (k == 2 && grid == 11) {
        CHECK_STR(names[0], "good");
        CHECK_NEAR(ranks[0], 1.5, 1e-12); /* no incumbent yet: tied */
        CHECK_NEAR(ranks[10], 1, 1e-12);
        CHECK_NEAR(ranks[11 + 10], 2, 1e-12);
        free(names);
        free(ranks);
    }
    CHECK_STATUS(rep_rank_over_time(r, "ImageNet16-120", &k, &names, &ranks, &grid), NB_ENOTFOUND);
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/ranks", test_tmpdir());
    CHECK_OK(rep_rank_report(r, dir, REP_FMT_MD | REP_FMT_PNG));
    snprintf(path, sizeof path, "%s/ranks.md", dir);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (f) fclose(f);
    snprintf(path, sizeof path, "%s/rank_cifar10.png", dir);
    f = fopen(path, "r");
    CHECK_MSG(f != NULL, "%s not written", path);
    if (f) fclose(f);
    snprintf(path, sizeof path, "%s/cd_diagram.png", dir);
    f = fopen(path, "r");
    CHECK_MSG(f != NULL, "%s not written", path);
    if (f) fclose(f);
    res_results_free(r);
}

/* ---- planted differences on the NB201 table ---- */

/* REA whose mutation is random sampling: the built-in REA, but every cell it
 * proposes is replaced by a uniformly random one before evaluation (its
 * population then only ever holds random cells: random search in disguise). */
static void *weak_create(const strat_env *env, nb_rng *rng) { return strat_find("rea")->create(env, rng); }
static int weak_ask(void *st, nb_rng *rng, strat_ask *out)
{
    int rc = strat_find("rea")->ask(st, rng, out);
    if (rc == STRAT_ASK_OK) space_random(rng, &out->arch);
    return rc;
}
static void weak_tell(void *st, const strat_ask *a, const float *obj, nb_rng *rng) { strat_find("rea")->tell(st, a, obj, rng); }
static void weak_destroy(void *st) { strat_find("rea")->destroy(st); }
static const strat_vtable weak_rea = {"rea-weak", "REA with mutation replaced by random sampling", weak_create,
                                      weak_ask, weak_tell, weak_destroy, 0};

/* Run `vt` (or the built-in `name`) on a dataset and return its gate set. */
static rep_gate_set *run_set(tab_table *t, const char *dataset, const char *name, const strat_vtable *vt,
                             size_t runs, uint64_t seed)
{
    strat_run_config cfg = strat_run_config_default();
    cfg.table = t;
    cfg.dataset = dataset;
    cfg.strategy = name;
    cfg.vtable = vt;
    cfg.runs = runs;
    cfg.seed = seed;
    cfg.grid = 51;
    res_series o;
    if (strat_run(&cfg, &o) != NB_OK) {
        test_fail_at(__FILE__, __LINE__, "strat_run %s: %s", name, nb_errmsg());
        res_series_free(&o);
        return NULL;
    }
    res_meta m = {.table_path = tab_path(t), .table_checksum = tab_checksum(t), .protocol = RES_PROTOCOL,
                  .command = "test", .seed = seed};
    res_results *res = res_results_create(&m);
    res_results_add(res, &o); /* takes the series as the loop filled it */
    rep_gate_set *g = rep_gate_set_from_results(res);
    res_results_free(res);
    return g;
}

TEST(gate_planted_weak_rea_is_caught)
{
    tab_table *t = test_table();
    if (!t) return;
    rep_gate_set *base = run_set(t, "cifar10", "rea", NULL, 100, 11);
    rep_gate_set *weak = run_set(t, "cifar10", "rea", &weak_rea, 100, 12);
    rep_gate_config cfg = rep_gate_config_default(); /* default alpha and min effect */
    rep_gate_row *rows = NULL;
    size_t n = 0;
    if (base && weak) {
        CHECK_OK(rep_gate_compare(base, weak, &cfg, &rows, &n));
        CHECK_EQ_INT(n, 2);
        CHECK(rep_gate_failed(rows, n));
        for (size_t i = 0; i < n; i++) {
            CHECK_STR(rows[i].cand_strategy, "rea-weak");
            CHECK(rows[i].diff > 0); /* more regret */
        }
        if (n == 2) CHECK_EQ_INT(rows[0].verdict, REP_GATE_WORSE); /* final regret */
    }
    free(rows);
    rep_gate_set_free(base);
    rep_gate_set_free(weak);
    /* Power (NASTAB_GATE_PAIRS set): how often the weakened REA is caught
     * over independent seed pairs, at NASTAB_GATE_RUNS runs each. */
    const char *ep = getenv("NASTAB_GATE_PAIRS"), *er = getenv("NASTAB_GATE_RUNS");
    size_t pairs = ep ? (size_t)atol(ep) : 0, runs = er ? (size_t)atol(er) : 100, caught = 0;
    for (size_t i = 0; i < pairs; i++) {
        rep_gate_set *a = run_set(t, "cifar10", "rea", NULL, runs, 3000 + 2 * i);
        rep_gate_set *w = run_set(t, "cifar10", "rea", &weak_rea, runs, 3001 + 2 * i);
        if (a && w && rep_gate_compare(a, w, &cfg, &rows, &n) == NB_OK) {
            caught += (size_t)rep_gate_failed(rows, n);
            free(rows);
        }
        rep_gate_set_free(a);
        rep_gate_set_free(w);
    }
    if (pairs)
        printf("  power: weakened REA caught in %zu of %zu seed pairs (%.3f) at %zu runs, alpha %.2f\n", caught,
               pairs, (double)caught / (double)pairs, runs, cfg.alpha);
}

TEST(gate_rerun_with_other_seeds_passes)
{
    tab_table *t = test_table();
    if (!t) return;
    rep_gate_set *a = run_set(t, "cifar10", "rea", NULL, 100, 11);
    rep_gate_set *b = run_set(t, "cifar10", "rea", NULL, 100, 13);
    rep_gate_config cfg = rep_gate_config_default();
    rep_gate_row *rows = NULL;
    size_t n = 0;
    if (a && b) {
        CHECK_OK(rep_gate_compare(a, b, &cfg, &rows, &n));
        CHECK_EQ_INT(n, 2);
        CHECK(!rep_gate_failed(rows, n));
        for (size_t i = 0; i < n; i++) CHECK(rows[i].lo < 0 && rows[i].hi > 0);
    }
    free(rows);
    rep_gate_set_free(a);
    rep_gate_set_free(b);
}

/* False alarms: the gate on pairs of independent runs of one strategy (other
 * seeds) must fail at a rate near (at most) alpha. Quick by default (40 pairs
 * of 20 runs); NASTAB_GATE_PAIRS=200 NASTAB_GATE_RUNS=50 gives the number
 * quoted in the README (prints the rates). */
TEST(gate_false_alarm_rate_near_alpha)
{
    tab_table *t = test_table();
    if (!t) return;
    const char *ep = getenv("NASTAB_GATE_PAIRS"), *er = getenv("NASTAB_GATE_RUNS");
    size_t pairs = ep ? (size_t)atol(ep) : test_quick() ? 10 : 40, runs = er ? (size_t)atol(er) : 20;
    if (pairs < 1) pairs = 1;
    if (runs < 2) runs = 2;
    static const char *const strategies[] = {"random", "rea"};
    for (int s = 0; s < 2; s++) {
        size_t gate_fail = 0, any_sig = 0, test_sig = 0, tests = 0;
        rep_gate_config cfg = rep_gate_config_default();
        if (!ep) cfg.bootstrap = 200; /* quick mode: coarser intervals */
        for (size_t i = 0; i < pairs; i++) {
            rep_gate_set *a = run_set(t, "cifar10", strategies[s], NULL, runs, 1000 + 2 * i);
            rep_gate_set *b = run_set(t, "cifar10", strategies[s], NULL, runs, 1001 + 2 * i);
            rep_gate_row *rows = NULL;
            size_t n = 0;
            if (a && b && rep_gate_compare(a, b, &cfg, &rows, &n) == NB_OK) {
                gate_fail += (size_t)rep_gate_failed(rows, n);
                int sig = 0;
                for (size_t k = 0; k < n; k++) {
                    tests++;
                    test_sig += rows[k].p < cfg.alpha;
                    sig |= rows[k].verdict != REP_GATE_SAME;
                }
                any_sig += (size_t)sig;
            }
            free(rows);
            rep_gate_set_free(a);
            rep_gate_set_free(b);
        }
        if (ep)
            printf("  false alarms, %s vs %s on cifar10, %zu pairs x %zu runs, alpha %.2f: gate fails %zu "
                   "(%.3f), any significant difference %zu (%.3f), single uncorrected tests %zu/%zu (%.3f)\n",
                   strategies[s], strategies[s], pairs, runs, cfg.alpha, gate_fail, (double)gate_fail / (double)pairs,
                   any_sig, (double)any_sig / (double)pairs, test_sig, tests, (double)test_sig / (double)tests);
        /* P(Binomial(40, 0.05) > 8) < 1e-3: a gate that is not controlling its
         * error rate (no Holm, wrong variance, one-sided p) shows here. */
        CHECK_MSG((double)any_sig <= 0.05 * (double)pairs + 3 * sqrt(0.05 * 0.95 * (double)pairs) + 1,
                  "%s: %zu of %zu same-strategy pairs differ significantly", strategies[s], any_sig, pairs);
    }
}
