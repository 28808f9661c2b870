/* tests/test_ws_report.c - issue 12 items 4 and 5: the budget unit of a
 * results series (written, read back, assumed for older files), the gate's
 * refusal to compare units, the CSV column, the weight-sharing figures
 * (golden gnuplot scripts), the rank correlation moved to core/ and
 * `--rank-sample` (same cells for every method, tau/rho recorded, and the
 * search's own numbers unchanged by the scoring).
 *
 * Regenerate the golden scripts after an intended change with
 *     NASTAB_UPDATE_GOLDEN=1 build/nastab-tests --table build/nb201.h5 ws_report
 * and look at the figures (PNG) before committing them. */
#include <hdf5.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "reports/rep.h"
#include "tables/tab_h5.h"
#include "test.h"
#include "wsnas/ws.h"



/* A series of R runs x E epochs in `unit`; test accuracy rising by 1 per epoch. */
static void series(res_series *s, const char *strat, const char *unit, size_t R, size_t E, float base)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dataset, sizeof s->dataset, "fashion-mnist");
    snprintf(s->strategy, sizeof s->strategy, "%s", strat);
    snprintf(s->budget_unit, sizeof s->budget_unit, "%s", unit);
    s->n_objectives = 1;
    s->runs = R;
    s->grid = E + 1;
    s->budget = (double)E;
    s->workers = 1;
    s->optimum_valid = 90;
    s->optimum_test = 91;
    s->time = nb_xcalloc_array(E + 1, sizeof *s->time);
    s->valid = nb_xcalloc_array(R * (E + 1), sizeof *s->valid);
    s->test = nb_xcalloc_array(R * (E + 1), sizeof *s->test);
    s->final_valid = nb_xcalloc_array(R, sizeof *s->final_valid);
    s->final_test = nb_xcalloc_array(R, sizeof *s->final_test);
    s->final_arch = nb_xcalloc_array(R, sizeof *s->final_arch);
    s->n_evals = nb_xcalloc_array(R, sizeof *s->n_evals);
    for (size_t g = 0; g <= E; g++) s->time[g] = (double)g;
    for (size_t r = 0; r < R; r++) {
        for (size_t g = 0; g <= E; g++) {
            s->test[r * (E + 1) + g] = g ? base + (float)g + 0.5f * (float)r : NAN;
            s->valid[r * (E + 1) + g] = g ? base + (float)g - 1 + 0.5f * (float)r : NAN;
        }
        s->final_test[r] = s->test[r * (E + 1) + E];
        s->final_valid[r] = s->valid[r * (E + 1) + E];
        s->final_arch[r] = (int32_t)r;
        s->n_evals[r] = (uint32_t)E;
    }
}

/* Its /ws group: wall seconds 2^e, probabilities drifting to skip_connect on
 * edge 0, rank tau/rho rising (when K > 0). */
static void ws_of(res_ws_series *w, const char *strat, size_t R, size_t E, size_t K)
{
    memset(w, 0, sizeof *w);
    snprintf(w->dataset, sizeof w->dataset, "fashion-mnist");
    snprintf(w->method, sizeof w->method, "%s", strat);
    w->runs = R;
    w->epochs = E;
    w->arch = nb_xcalloc_array(R * E, sizeof *w->arch);
    w->super_valid = nb_xcalloc_array(R * E, sizeof *w->super_valid);
    w->score = nb_xcalloc_array(R * E, sizeof *w->score);
    w->wall = nb_xcalloc_array(R * E, sizeof *w->wall);
    w->cpu = nb_xcalloc_array(R * E, sizeof *w->cpu);
    w->probs = nb_xcalloc_array(R * E * 30, sizeof *w->probs);
    w->ops = nb_xcalloc_array(R * E * 6, sizeof *w->ops);
    for (size_t r = 0; r < R; r++)
        for (size_t e = 0; e < E; e++) {
            size_t i = r * E + e;
            w->super_valid[i] = 50 + (float)e;
            w->score[i] = NAN;
            w->wall[i] = (double)(1u << e) + 0.1 * (double)r;
            w->cpu[i] = w->wall[i];
            for (int k = 0; k < 30; k++) w->probs[i * 30 + (size_t)k] = 0.2f;
            float d = 0.1f * (float)e;
            w->probs[i * 30 + 1] = 0.2f + d; /* edge 0: skip_connect up, conv3x3 down */
            w->probs[i * 30 + 3] = 0.2f - d;
            for (int k = 0; k < 6; k++) w->ops[i * 6 + (size_t)k] = (uint8_t)(k < 2 ? 1 : 3);
        }
    if (!K) return;
    w->rank_k = K;
    snprintf(w->rank_against, sizeof w->rank_against, "valid_acc@3");
    snprintf(w->rank_scored_on, sizeof w->rank_scored_on, "first 64 validation images");
    w->rank_arch = nb_xcalloc_array(K, sizeof *w->rank_arch);
    w->rank_table = nb_xcalloc_array(K, sizeof *w->rank_table);
    w->rank_score = nb_xcalloc_array(R * E * K, sizeof *w->rank_score);
    w->rank_tau = nb_xcalloc_array(R * E, sizeof *w->rank_tau);
    w->rank_rho = nb_xcalloc_array(R * E, sizeof *w->rank_rho);
    for (size_t r = 0; r < R; r++)
        for (size_t e = 0; e < E; e++) {
            w->rank_tau[r * E + e] = 0.1f * (float)e + 0.05f * (float)r;
            w->rank_rho[r * E + e] = 0.15f * (float)e + 0.05f * (float)r;
        }
}

TEST(ws_report_rank_correlation_in_core)
{
    /* x = 1..5, y = 1 3 2 5 4: 8 concordant, 2 discordant pairs: tau = 0.6;
     * sum d^2 = 4: rho = 1 - 6 * 4 / (5 * 24) = 0.8 */
    double x[5] = {1, 2, 3, 4, 5}, y[5] = {1, 3, 2, 5, 4};
    CHECK_MSG(fabs(nb_kendall_tau_b(x, y, 5) - 0.6) < 1e-12, "tau %g", nb_kendall_tau_b(x, y, 5));
    CHECK_MSG(fabs(nb_spearman(x, y, 5) - 0.8) < 1e-12, "rho %g", nb_spearman(x, y, 5));
    CHECK(nb_kendall_tau_b(x, y, 5) == rep_kendall_tau_b(x, y, 5));
    CHECK(nb_spearman(x, y, 5) == rep_spearman(x, y, 5));
    double c[3] = {1, 1, 1};
    CHECK(isnan(nb_kendall_tau_b(x, c, 3)) && isnan(nb_spearman(c, y, 3)));
}

TEST(ws_report_budget_unit_roundtrip_and_default)
{
    char *dir = test_subdir("ws_report_unit");
    char p[600];
    snprintf(p, sizeof p, "%s/u.h5", dir);
    res_meta m = {"t.h5", "abc", "nb201-ws-v1", "nastab search", 1};
    res_results *r = res_results_create(&m);
    res_series s;
    series(&s, "gdas", RES_UNIT_EPOCHS, 2, 3, 40);
    res_results_add(r, &s);
    series(&s, "random", "", 2, 3, 40); /* "" = simulated seconds, written explicitly */
    res_results_add(r, &s);
    CHECK_OK(res_results_write(r, p));
    res_results_free(r);
    res_results *b = NULL;
    CHECK_OK(res_results_read(p, &b));
    const res_series *g = b ? res_results_find(b, "fashion-mnist", "gdas") : NULL;
    const res_series *x = b ? res_results_find(b, "fashion-mnist", "random") : NULL;
    CHECK(g && !strcmp(res_budget_unit(g), "epochs") && !g->budget_unit_assumed);
    CHECK(x && !strcmp(x->budget_unit, "simulated-seconds") && !x->budget_unit_assumed);
    res_results_free(b);
    /* a file of before units: the attribute removed -> simulated seconds, flagged */
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0 && H5Adelete_by_name(f, "/series/fashion-mnist/random", "budget_unit", H5P_DEFAULT) >= 0);
    H5Fclose(f);
    CHECK_OK(res_results_read(p, &b));
    x = b ? res_results_find(b, "fashion-mnist", "random") : NULL;
    CHECK(x && x->budget_unit_assumed && !strcmp(res_budget_unit(x), RES_UNIT_SIMULATED));
    res_results_free(b);
    /* an unknown unit is refused, naming it */
    f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t sg = H5Gopen2(f, "/series/fashion-mnist/gdas", H5P_DEFAULT);
    CHECK(sg >= 0 && H5Adelete(sg, "budget_unit") >= 0 && tab_h5_put_str(sg, "/series/fashion-mnist/gdas", "budget_unit", "fortnights", p) == NB_OK);
    H5Gclose(sg);
    H5Fclose(f);
    CHECK_STATUS(res_results_read(p, &b), NB_EFORMAT);
    CHECK(strstr(nb_errmsg(), "fortnights") != NULL);
    free(dir);
}

TEST(ws_report_gate_refuses_other_units)
{
    res_meta m = {"t.h5", "abc", "nb201-ws-v1", "nastab search", 1};
    res_results *ws = res_results_create(&m), *ws2 = res_results_create(&m), *bb = res_results_create(&m);
    res_series s;
    series(&s, "gdas", RES_UNIT_EPOCHS, 3, 4, 40);
    res_results_add(ws, &s);
    series(&s, "gdas", RES_UNIT_EPOCHS, 3, 5, 40);
    res_results_add(ws2, &s);
    series(&s, "gdas", RES_UNIT_SIMULATED, 3, 4, 40);
    res_results_add(bb, &s);
    rep_gate_set *a = rep_gate_set_from_results(ws), *b = rep_gate_set_from_results(bb),
                 *c = rep_gate_set_from_results(ws2);
    rep_gate_config cfg = rep_gate_config_default();
    rep_gate_row *rows = NULL;
    size_t n = 0;
    CHECK_STATUS(rep_gate_compare(a, b, &cfg, &rows, &n), NB_EINVAL);
    CHECK_MSG(strstr(nb_errmsg(), "counts epochs") && strstr(nb_errmsg(), "counts simulated seconds"), "%s",
              nb_errmsg());
    CHECK_STATUS(rep_gate_compare(b, a, &cfg, &rows, &n), NB_EINVAL);
    CHECK_STATUS(rep_gate_compare(a, c, &cfg, &rows, &n), NB_EINVAL); /* 4 vs 5 epochs */
    CHECK_MSG(strstr(nb_errmsg(), "4 epochs vs candidate 5 epochs"), "%s", nb_errmsg());
    CHECK_OK(rep_gate_compare(a, a, &cfg, &rows, &n));
    CHECK(n == 2);
    free(rows);
    /* the summary keeps the unit; without the line it is simulated seconds */
    char *dir = test_subdir("ws_report_gate"), p[600];
    snprintf(p, sizeof p, "%s/s.csv", dir);
    CHECK_OK(rep_gate_set_write(a, p));
    char *txt = test_slurp(p);
    CHECK(txt && strstr(txt, "# budget_unit: epochs\n"));
    free(txt);
    rep_gate_set *back = NULL;
    CHECK_OK(rep_gate_set_read(p, &back));
    CHECK_STATUS(rep_gate_compare(back, b, &cfg, &rows, &n), NB_EINVAL);
    rep_gate_set_free(back);
    snprintf(p, sizeof p, "%s/b.csv", dir);
    CHECK_OK(rep_gate_set_write(b, p));
    txt = test_slurp(p);
    CHECK(txt && !strstr(txt, "budget_unit")); /* a run's summary is as before */
    free(txt);
    rep_gate_set_free(a);
    rep_gate_set_free(b);
    rep_gate_set_free(c);
    res_results_free(ws);
    res_results_free(ws2);
    res_results_free(bb);
    free(dir);
}

TEST(ws_report_csv_and_figures_golden)
{
    char *dir = test_subdir("ws_report_fig"), p[600], csv[2048] = "";
    snprintf(p, sizeof p, "%s/ws.h5", dir);
    res_meta m = {"t.h5", "abc", "nb201-ws-v1", "nastab search", 1};
    res_results *r = res_results_create(&m);
    res_series s;
    res_ws_series w[2];
    series(&s, "darts-v1", RES_UNIT_EPOCHS, 3, 4, 40);
    res_results_add(r, &s);
    series(&s, "rsps", RES_UNIT_EPOCHS, 3, 4, 42);
    res_results_add(r, &s);
    ws_of(&w[0], "darts-v1", 3, 4, 5);
    ws_of(&w[1], "rsps", 3, 4, 0);
    CHECK_OK(res_ws_write(r, w, 2, p));
    res_results_free(r);
    r = NULL;
    CHECK_OK(res_results_read(p, &r));
    if (!r) return;
    FILE *f = fmemopen(csv, sizeof csv, "w");
    CHECK_OK(rep_write_csv(r, f));
    fclose(f);
    CHECK_MSG(strstr(csv, "test_std,budget_unit\n") && strstr(csv, "fashion-mnist,rsps,3,4,") &&
                  strstr(csv, ",epochs\n"),
              "%s", csv);
    char *out = test_subdir("ws_report_fig/out");
    int all = REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG | REP_FMT_MD;
    nb_status st = rep_ws_report(r, p, out, all);
    int gp = system("command -v gnuplot >/dev/null 2>&1") == 0;
    CHECK_MSG(st == NB_OK || (st == NB_ETOOL && !gp), "%s", nb_errmsg());
    test_check_golden(out, "ws_acc_fashion-mnist.gp");
    test_check_golden(out, "ws_probs_fashion-mnist_darts-v1.gp");
    test_check_golden(out, "ws_rank_fashion-mnist.gp");
    char q[800];
    snprintf(q, sizeof q, "%s/ws_rank_fashion-mnist.dat", out);
    char *dat = test_slurp(q);
    CHECK(dat && strstr(dat, "darts-v1") && !strstr(dat, "index 1")); /* rsps has no rank data */
    free(dat);
    snprintf(q, sizeof q, "%s/ws.md", out);
    char *md = test_slurp(q);
    /* darts-v1 row: final test 44 + 0.5 r -> mean 44.5, std 0.5; 2 of 6 ops skip_connect;
     * tau at the last epoch 0.3 + 0.05 r -> 0.350 */
    CHECK_MSG(md && strstr(md, "| darts-v1 | 3 | 4 | 44.50 ± 0.50 |") && strstr(md, "| 2.0 ± 0.0 |") &&
                  strstr(md, "| 0.350 ± 0.050 |"),
              "%s", md ? md : "(none)");
    free(md);
    /* the anytime figure leaves the epoch series out: its axis is simulated time */
    CHECK(rep_report(r, out, REP_FMT_PNG | REP_FMT_SVG | REP_FMT_MD) == NB_OK || !gp);
    snprintf(q, sizeof q, "%s/anytime_fashion-mnist.gp", out);
    struct stat sb;
    CHECK(stat(q, &sb) != 0);
    snprintf(q, sizeof q, "%s/report.md", out);
    if (gp) {
        char *rep = test_slurp(q);
        CHECK(rep && strstr(rep, "ws_acc_fashion-mnist") && strstr(rep, "ws_probs_fashion-mnist_rsps"));
        free(rep);
    }
    res_ws_series_free(&w[0]);
    res_ws_series_free(&w[1]);
    res_results_free(r);
    free(out);
    free(dir);
}


TEST(ws_report_rank_sample_changes_nothing_else)
{
    tab_table *t = test_table();
    if (!t) return;
    char *dir = test_subdir("ws_report_rank");
    char pa[600], pb[600];
    snprintf(pa, sizeof pa, "%s/a.h5", dir);
    snprintf(pb, sizeof pb, "%s/b.h5", dir);
    nn_data tr, va;
    test_fake_images(&tr, 64, 1);
    test_fake_images(&va, 64, 2);
    static const char *const methods[] = {"darts-v1", "darts-v2", "gdas", "rsps", "spos", "enas"};
    ws_search_config sc = {methods, 6, 1, ws_preset("tiny"), "cifar10-valid", &tr, &va, t, pa, "test", "tiny", 0, 6};
    sc.base.seed = 5;
    CHECK_OK(ws_search(&sc));
    sc.out = pb;
    sc.rank_sample = 0;
    CHECK_OK(ws_search(&sc));
    for (int k = 0; k < 6; k++) {
        res_ws_series a, b;
        CHECK_OK(res_ws_read(pa, "cifar10-valid", methods[k], &a));
        CHECK_OK(res_ws_read(pb, "cifar10-valid", methods[k], &b));
        size_t n = a.runs * a.epochs;
        CHECK_MSG(a.rank_k == 6 && b.rank_k == 0 && !b.rank_tau, "%s: rank_k %zu/%zu", methods[k], a.rank_k,
                  b.rank_k);
        CHECK_MSG(n && !memcmp(a.arch, b.arch, n * sizeof *a.arch) &&
                      !memcmp(a.super_valid, b.super_valid, n * sizeof *a.super_valid) &&
                      !memcmp(a.probs, b.probs, n * 30 * sizeof *a.probs),
                  "%s: scoring the sample changed the search", methods[k]);
        if (a.rank_k == 6) {
            res_ws_series first;
            CHECK_OK(res_ws_read(pa, "cifar10-valid", methods[0], &first));
            CHECK_MSG(!memcmp(a.rank_arch, first.rank_arch, 6 * sizeof *a.rank_arch),
                      "%s: another sample of cells", methods[k]);
            res_ws_series_free(&first);
            /* tau and rho are those of the recorded scores against the recorded table values */
            double x[6], y[6];
            for (int i = 0; i < 6; i++) x[i] = a.rank_score[(a.epochs - 1) * 6 + (size_t)i], y[i] = a.rank_table[i];
            float tau = (float)nb_kendall_tau_b(x, y, 6), rho = (float)nb_spearman(x, y, 6);
            CHECK_MSG((isnan(tau) && isnan(a.rank_tau[a.epochs - 1])) || tau == a.rank_tau[a.epochs - 1],
                      "%s: tau %g recorded %g", methods[k], tau, a.rank_tau[a.epochs - 1]);
            CHECK((isnan(rho) && isnan(a.rank_rho[a.epochs - 1])) || rho == a.rank_rho[a.epochs - 1]);
            for (int i = 0; i < 6; i++) CHECK(a.rank_arch[i] >= 0 && isfinite(a.rank_table[i]));
        }
        res_ws_series_free(&a);
        res_ws_series_free(&b);
    }
    /* a sample larger than the table's cells is refused, saying how many there are */
    sc.rank_sample = 100000;
    CHECK_STATUS(ws_search(&sc), NB_EINVAL);
    CHECK(strstr(nb_errmsg(), "cells with a validation accuracy") != NULL);
    sc.rank_sample = 1;
    CHECK_STATUS(ws_search(&sc), NB_EINVAL);
    nn_data_free(&tr);
    nn_data_free(&va);
    free(dir);
}
