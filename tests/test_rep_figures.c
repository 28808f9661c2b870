/* tests/test_rep_figures.c - the special figures of reports/: the
 * critical-difference diagram (ranks), the Pareto-front and hypervolume
 * figures (mo-report) and the device heat map (devices-report). Each
 * figure's gnuplot script is compared with a golden file in
 * tests/fixtures/report/ (sizes, ranges, ticks, palette, layout), and where
 * gnuplot is installed no two horizontal text labels of its SVG overlap
 * (test_svg_label_overlaps) and none leaves the canvas.
 *
 * After an intended change to a figure, regenerate the golden files with
 *     NASTAB_UPDATE_GOLDEN=1 build/nastab-tests --table build/nb201.h5 rep_fig
 * and look at the figures (PNG) before committing them. */
#include <stdlib.h>
#include <sys/stat.h>

#include "reports/rep.h"
#include "test.h"


int test_svg_label_overlaps(const char *path, char *what, size_t cap)
{
    char *t = test_slurp(path);
    if (!t) return -1;
    double vw = 0, vh = 0;
    char *vb = strstr(t, "viewBox=\"");
    if (!vb || sscanf(vb, "viewBox=\"0 0 %lf %lf\"", &vw, &vh) != 2) vw = vh = 0;
    double box[400][4];
    char txt[400][64];
    size_t n = 0;
    for (char *g = strstr(t, "<g transform=\"translate("); g && n < 400;
         g = strstr(g + 1, "<g transform=\"translate(")) {
        double x, y, fs = 0;
        char *end = strchr(g, '>');
        if (!end || sscanf(g, "<g transform=\"translate(%lf,%lf)", &x, &y) != 2) continue;
        char *rot = strstr(g, "rotate("), *fsp = strstr(g, "font-size=\""), *tx = strstr(end, "<text>");
        if ((rot && rot < end) || !fsp || fsp > end || !tx) continue;
        if (strchr(end + 1, '<') != tx) continue; /* the text must follow the group */
        fs = atof(fsp + 11);
        char *te = strstr(tx, "</text>");
        size_t len = te ? (size_t)(te - tx - 6) : 0;
        if (!len || len >= sizeof txt[0]) continue;
        double w = 0.55 * fs * (double)len, x0 = x;
        char *anc = strstr(g, "text-anchor=\"");
        if (anc && anc < end && !strncmp(anc + 13, "end", 3)) x0 = x - w;
        else if (anc && anc < end && !strncmp(anc + 13, "middle", 6)) x0 = x - w / 2;
        box[n][0] = x0, box[n][1] = x0 + w, box[n][2] = y - 0.75 * fs, box[n][3] = y;
        memcpy(txt[n], tx + 6, len);
        txt[n][len] = '\0';
        n++;
    }
    int bad = 0;
    for (size_t i = 0; i < n && vw > 0; i++)
        if (box[i][0] < -0.5 || box[i][1] > vw + 0.5 || box[i][2] < -0.5 || box[i][3] > vh + 0.5) {
            if (!bad)
                snprintf(what, cap, "'%.60s' [%.0f,%.0f]x[%.0f,%.0f] outside the %.0fx%.0f canvas",
                         txt[i], box[i][0], box[i][1], box[i][2], box[i][3], vw, vh);
            bad++;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (box[i][0] < box[j][1] && box[j][0] < box[i][1] && box[i][2] < box[j][3] &&
                box[j][2] < box[i][3]) {
                if (!bad)
                    snprintf(what, cap, "'%.60s' [%.0f,%.0f]x[%.0f,%.0f] and '%.60s' [%.0f,%.0f]x[%.0f,%.0f]",
                             txt[i], box[i][0], box[i][1], box[i][2], box[i][3], txt[j], box[j][0],
                             box[j][1], box[j][2], box[j][3]);
                bad++;
            }
    free(t);
    return bad;
}

static int has_gnuplot(void) { return system("command -v gnuplot >/dev/null 2>&1") == 0; }


/* The SVG's text labels: none overlaps another, none outside the canvas. */
static void check_svg_labels(const char *dir, const char *name)
{
    char p[800], what[200] = "";
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int bad = test_svg_label_overlaps(p, what, sizeof what);
    CHECK_MSG(bad == 0, "%s: %d overlapping or cut labels, e.g. %s", p, bad, what);
}

/* A single-objective series whose runs all reach `final` (test accuracy, %)
 * linearly over the grid, with run i adding 0.1 * i. */
static void so_series(res_series *s, const char *ds, const char *strat, float final)
{
    size_t runs = 3, grid = 4;
    memset(s, 0, sizeof *s);
    s->n_objectives = 1;
    snprintf(s->dataset, sizeof s->dataset, "%s", ds);
    snprintf(s->strategy, sizeof s->strategy, "%s", strat);
    s->runs = runs, s->grid = grid, s->budget = 1000, s->workers = 1;
    s->time = nb_xcalloc_array(grid, sizeof *s->time);
    s->valid = nb_xcalloc_array(runs * grid, sizeof *s->valid);
    s->test = nb_xcalloc_array(runs * grid, sizeof *s->test);
    s->final_valid = nb_xcalloc_array(runs, sizeof *s->final_valid);
    s->final_test = nb_xcalloc_array(runs, sizeof *s->final_test);
    s->final_arch = nb_xcalloc_array(runs, sizeof *s->final_arch);
    s->n_evals = nb_xcalloc_array(runs, sizeof *s->n_evals);
    for (size_t j = 0; j < grid; j++) s->time[j] = 1000.0 * (double)j / (double)(grid - 1);
    for (size_t i = 0; i < runs; i++) {
        for (size_t j = 0; j < grid; j++) {
            float v = final - 3.0f * (float)(grid - 1 - j) + 0.1f * (float)i;
            s->test[i * grid + j] = v;
            s->valid[i * grid + j] = v - 2;
        }
        s->final_test[i] = s->test[i * grid + grid - 1];
        s->final_valid[i] = s->final_test[i] - 2;
        s->final_arch[i] = (int32_t)i;
        s->n_evals[i] = 20;
    }
    s->optimum_valid = 92.0f;
    s->optimum_test = 95.0f;
}

/* CD diagram: three independent datasets (cifar10-valid is left out as the
 * same searches as cifar10), five strategies with long and short names. */
TEST(rep_fig_cd_diagram)
{
    res_meta m = {.table_path = "nb201.h5", .table_checksum = "abc", .command = "nastab run", .seed = 1};
    res_results *r = res_results_create(&m);
    static const char *ds[] = {"cifar10", "cifar10-valid", "cifar100", "ImageNet16-120"};
    static const char *st[] = {"random", "rea", "local_search", "bohb", "reinforce"};
    static const float acc[4][5] = {{93.0f, 94.0f, 94.2f, 93.5f, 93.2f},
                                    {90.0f, 91.0f, 91.2f, 90.5f, 90.2f},
                                    {70.0f, 72.5f, 72.0f, 71.0f, 70.5f},
                                    {44.0f, 46.0f, 46.5f, 45.0f, 44.5f}};
    for (size_t d = 0; d < 4; d++)
        for (size_t k = 0; k < 5; k++) {
            res_series s;
            so_series(&s, ds[d], st[k], acc[d][k]);
            res_results_add(r, &s);
        }
    char *dir = test_subdir("rep_fig_cd"), p[800];
    int all = REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    nb_status rs = rep_rank_report(r, dir, all);
    CHECK(rs == NB_OK || (rs == NB_ETOOL && !has_gnuplot()));
    test_check_golden(dir, "cd_diagram.gp");
    /* Human-read Markdown names datasets for people. */
    snprintf(p, sizeof p, "%s/ranks.md", dir);
    char *md = test_slurp(p);
    CHECK(md && strstr(md, "## CIFAR-100") && strstr(md, "ImageNet16-120"));
    CHECK(md && strstr(md, "over 3 independent datasets (CIFAR-10, CIFAR-100, ImageNet16-120)"));
    free(md);
    if (has_gnuplot()) {
        check_svg_labels(dir, "cd_diagram.svg");
        check_svg_labels(dir, "rank_ImageNet16-120.svg");
    }
    res_results_free(r);
    free(dir);
}

/* A multi-objective series: run i evaluates six cells of latency 1..6 ms,
 * search score rising with latency except one dominated cell, so its front
 * is a staircase; the true front has four cells and dominates every cell. */
static void mo_series(res_series *s, const char *strat, float shift)
{
    size_t runs = 3, grid = 5, cap = 6;
    memset(s, 0, sizeof *s);
    s->n_objectives = 2;
    snprintf(s->dataset, sizeof s->dataset, "cifar10");
    snprintf(s->strategy, sizeof s->strategy, "%s", strat);
    snprintf(s->device, sizeof s->device, "hwnas_edgegpu_latency_cifar10");
    s->runs = runs, s->grid = grid, s->cap = cap, s->budget = 600, s->workers = 1;
    s->latency_max = 4.0f;
    s->lat_ref = 1.1f * 8.0f;
    s->time = nb_xcalloc_array(grid, sizeof *s->time);
    s->test = nb_xcalloc_array(runs * grid, sizeof *s->test);
    s->final_test = nb_xcalloc_array(runs, sizeof *s->final_test);
    s->final_arch = nb_xcalloc_array(runs, sizeof *s->final_arch);
    s->n_evals = nb_xcalloc_array(runs, sizeof *s->n_evals);
    s->eval_arch = nb_xcalloc_array(runs * cap, sizeof *s->eval_arch);
    s->eval_finish = nb_xcalloc_array(runs * cap, sizeof *s->eval_finish);
    s->eval_score = nb_xcalloc_array(runs * cap, sizeof *s->eval_score);
    s->eval_test = nb_xcalloc_array(runs * cap, sizeof *s->eval_test);
    s->eval_latency = nb_xcalloc_array(runs * cap, sizeof *s->eval_latency);
    for (size_t g = 0; g < grid; g++) s->time[g] = 600.0 * (double)g / (double)(grid - 1);
    static const float lat[6] = {1.0f, 2.0f, 2.5f, 3.0f, 5.0f, 6.0f};
    static const float acc[6] = {85.0f, 89.0f, 88.0f, 91.0f, 91.5f, 93.0f};
    for (size_t i = 0; i < runs; i++) {
        for (size_t e = 0; e < cap; e++) {
            size_t c = i * cap + e;
            s->eval_arch[c] = (int32_t)(10 * i + e);
            s->eval_finish[c] = 90.0 * (double)(e + 1);
            s->eval_latency[c] = lat[e] + 0.1f * (float)i;
            s->eval_test[c] = acc[e] + shift - 0.3f * (float)i;
            s->eval_score[c] = s->eval_test[c] - 1.0f;
        }
        for (size_t g = 0; g < grid; g++) s->test[i * grid + g] = g ? 91.0f + shift : NAN;
        s->final_test[i] = 91.0f + shift - 0.3f * (float)i;
        s->final_arch[i] = (int32_t)(10 * i + 3);
        s->n_evals[i] = (uint32_t)cap;
    }
    static const float ft[4] = {86.0f, 90.0f, 92.0f, 94.0f}, fl[4] = {0.9f, 1.8f, 2.8f, 5.5f};
    s->n_front = 4;
    s->front_arch = nb_xcalloc_array(4, sizeof *s->front_arch);
    s->front_test = nb_xcalloc_array(4, sizeof *s->front_test);
    s->front_latency = nb_xcalloc_array(4, sizeof *s->front_latency);
    for (size_t k = 0; k < 4; k++) {
        s->front_arch[k] = (int32_t)(100 + k);
        s->front_test[k] = ft[k];
        s->front_latency[k] = fl[k];
    }
    double f1[4], f2[4];
    for (size_t k = 0; k < 4; k++) res_normalise(ft[k], fl[k], s->lat_ref, &f1[k], &f2[k]);
    s->hv_true = res_hv2d(f1, f2, 4, 1, 1);
    s->optimum_feasible = 92.0f;
}

TEST(rep_fig_pareto_and_hv)
{
    res_meta m = {.table_path = "nb201.h5", .table_checksum = "abc", .command = "nastab mo", .seed = 1};
    res_mo_results *r = res_mo_create(&m);
    res_series s;
    mo_series(&s, "nsga2", 0.0f);
    res_mo_add(r, &s);
    mo_series(&s, "random-constrained", -1.0f);
    res_mo_add(r, &s);
    char *dir = test_subdir("rep_fig_mo");
    int all = REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    nb_status rs = rep_mo_report(r, dir, all);
    CHECK(rs == NB_OK || (rs == NB_ETOOL && !has_gnuplot()));
    test_check_golden(dir, "front_cifar10_hwnas_edgegpu_latency_cifar10.gp");
    test_check_golden(dir, "hv_cifar10_hwnas_edgegpu_latency_cifar10.gp");
    if (has_gnuplot()) {
        check_svg_labels(dir, "front_cifar10_hwnas_edgegpu_latency_cifar10.svg");
        check_svg_labels(dir, "hv_cifar10_hwnas_edgegpu_latency_cifar10.svg");
    }
    res_mo_free(r);
    free(dir);
}

/* The heat map of the table's hardware latency columns (the committed
 * NB201 table; the script holds no path). */
TEST(rep_fig_devices_heat_map)
{
    tab_table *t = test_table();
    if (!t) return;
    char *dir = test_subdir("rep_fig_devices");
    rep_devices_config cfg = {.dataset = "cifar10", .metric = "latency",
                              .formats = REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG};
    nb_status rs = rep_devices_report(t, &cfg, dir);
    CHECK(rs == NB_OK || (rs == NB_ETOOL && !has_gnuplot()));
    test_check_golden(dir, "devices_tau.gp");
    /* Row labels (horizontal) are checked; the column labels are rotated by
     * 90 degrees and skipped by the check: they sit at the same pitch as
     * the rows, so they do not overlap either. */
    if (has_gnuplot()) check_svg_labels(dir, "devices_tau.svg");
    free(dir);
}
