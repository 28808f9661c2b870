/* reports/ws.c - the weight-sharing part of a report (rep_ws_report): the
 * series of a results file whose budget counts search epochs (`nastab
 * search`, results/RESULTS.md "Weight-sharing search") with their /ws
 * groups. About 620 lines (over the ~600 of one concept): three figures and
 * one table over the same per-method data, each figure's layout spelled out
 * for gnuplot as reports/report.c does.
 *
 * Per dataset d (written only when d has such series):
 *   ws_acc_<d>     the derived cell's table test accuracy (looked up, never
 *                  trained) after each epoch, mean over runs with a shaded
 *                  95 % t band, (a) over search epochs and (b) over wall
 *                  seconds (log axis; x is the runs' mean wall seconds at
 *                  that epoch); dotted: the table's optimum. Only series
 *                  counted in epochs are drawn here: black-box series count
 *                  simulated seconds, a unit no axis here shares, so they stay
 *                  in anytime_<d> (reports/report.c).
 *   ws_probs_<d>_<m>  per method m, six panels (one per cell edge, NB201
 *                  order) of each op's probability over epochs, mean over
 *                  runs; parameter-free ops (none, skip_connect,
 *                  avg_pool_3x3) dashed, so a collapse to them (Zela et al.,
 *                  ICLR 2020; NB201 sec. 5) shows as dashed lines rising.
 *                  Each op keeps one colour in every panel and figure.
 *   ws_rank_<d>    with `--rank-sample`: Kendall tau-b and Spearman rho of
 *                  the supernet's scores of the sampled cells against the
 *                  table, per method over epochs (mean, 95 % band).
 *   ws.md          the numbers: per method the final derived cell's table
 *                  accuracy, the supernet's own accuracy, wall and CPU
 *                  seconds, the share of parameter-free ops, tau and rho.
 * Style: reports/style.c (Okabe-Ito, a colour and dash per method name,
 * 8 pt text at the nominal width, PNG/PDF/SVG through one gnuplot script
 * per figure, kept beside its .dat so it can be edited and rerun). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/rep_private.h"

#define WS_E 6 /* edges of the NB201 cell */
#define WS_O 5 /* candidate ops */

static const char *const op_name[WS_O] = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                                          "avg_pool_3x3"};
/* One colour per op (Okabe-Ito), dashed for the parameter-free ones. */
static const char *const op_color[WS_O] = {"#000000", "#E69F00", "#56B4E9", "#0072B2", "#D55E00"};
static const int op_dash[WS_O] = {3, 2, 1, 1, 4};
static const int op_param_free[WS_O] = {1, 1, 0, 0, 1};
/* Edge e joins node edge_from[e] to node edge_to[e] (spaces/nb201.c order). */
static const int edge_from[WS_E] = {0, 0, 1, 0, 1, 2}, edge_to[WS_E] = {1, 2, 2, 3, 3, 3};

#define PT_CHAR (0.55 * RP_FONT_PT)
#define PT_LINE (1.25 * RP_FONT_PT)

typedef struct {
    const res_series *s; /* borrowed from the results */
    res_ws_series w;     /* read from the file; w.runs == 0 when the file has no /ws group */
} method;

static double mean_d(const double *x, size_t n, size_t stride)
{
    double s = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i * stride])) s += x[i * stride], k++;
    return k ? s / (double)k : NAN;
}

static void band(FILE *f, rep_stats t)
{
    double ci = isnan(t.ci95) ? 0 : t.ci95;
    if (t.n == 0) fputs(" NaN NaN NaN", f);
    else fprintf(f, " %.6f %.6f %.6f", t.mean, t.mean - ci, t.mean + ci);
}

/* The legend below the panels: an invisible panel across the bottom with
 * one NaN plot per entry. */
static void legend(FILE *f, double leg_frac, size_t rows, const char *const *title,
                   const char *const *color, const int *dash, size_t n)
{
    fprintf(f, "unset logscale\nunset border\nunset tics\nunset xlabel\nunset ylabel\nunset title\n"
               "unset grid\nunset arrow\nset lmargin at screen 0\nset rmargin at screen 1\n"
               "set bmargin at screen 0\nset tmargin at screen %.4f\nset xrange [0:1]\nset yrange [0:1]\n"
               "set key center center horizontal Left reverse maxrows %zu samplen 2.5 width 1 "
               "spacing 1.0\nplot ",
            leg_frac, rows);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%sNaN with lines linecolor rgb \"%s\" dashtype %d linewidth 1.5 title ", i ? ", \\\n     " : "",
                color[i], dash[i]);
        rp_gp_str(f, title[i]);
    }
    fputs("\nset border 3\nset tics\nunset multiplot\n", f);
}

/* Legend geometry for n entries of at most chars characters across wpt points. */
static size_t legend_rows(size_t n, size_t chars, double wpt)
{
    size_t cols = (size_t)fmax(1, floor((wpt - 10) / ((double)chars * PT_CHAR + 30)));
    if (cols > n) cols = n ? n : 1;
    return n ? (n + cols - 1) / cols : 1;
}

/* ---- ws_acc: table accuracy of the derived cell over epochs and wall seconds ---- */

static nb_status acc_figure(const char *dir, const char *safe, const method *m, size_t n, int formats)
{
    char stem[96], dat[112], gp[112];
    snprintf(stem, sizeof stem, "ws_acc_%s", safe);
    snprintf(dat, sizeof dat, "%s.dat", stem);
    snprintf(gp, sizeof gp, "%s.gp", stem);
    FILE *f;
    nb_status st = rp_open(dir, dat, &f);
    if (st) return st;
    fprintf(f, "# nastab weight-sharing search: the derived cell's table test accuracy, dataset %s\n"
               "# One block per method (gnuplot `index`), one row per epoch e = 1..E, columns:\n"
               "#  1 epoch  2 runs with a result  3 mean test acc [%%]  4 lower 95%% CI  5 upper\n"
               "#  6 mean wall seconds of the runs at that epoch  7 mean table valid acc [%%]\n",
            m[0].s->dataset);
    double emax = 1, wmin = INFINITY, wmax = -INFINITY, alo = INFINITY, ahi = -INFINITY;
    size_t chars = 0;
    for (size_t k = 0; k < n; k++) {
        const res_series *s = m[k].s;
        fprintf(f, "%s# index %zu: %s, %zu runs\n", k ? "\n\n" : "", k, s->strategy, s->runs);
        char title[96];
        chars = (size_t)fmax((double)chars, (double)snprintf(title, sizeof title, "%s (n=%zu)", s->strategy, s->runs));
        for (size_t g = 1; g < s->grid; g++) {
            rep_stats t = rep_stats_of(s->test + g, s->runs, s->grid), v = rep_stats_of(s->valid + g, s->runs, s->grid);
            double wall = m[k].w.runs ? mean_d(m[k].w.wall + (g - 1), m[k].w.runs, m[k].w.epochs) : NAN;
            fprintf(f, "%.10g %zu", s->time[g], t.n);
            band(f, t);
            fprintf(f, " %.6g %.6f\n", wall, isnan(v.mean) ? NAN : v.mean);
            emax = fmax(emax, s->time[g]);
            if (isfinite(wall) && wall > 0) wmin = fmin(wmin, wall), wmax = fmax(wmax, wall);
            double ci = isnan(t.ci95) ? 0 : t.ci95;
            if (t.n) alo = fmin(alo, t.mean - ci), ahi = fmax(ahi, t.mean + ci);
        }
    }
    double opt = m[0].s->optimum_test;
    if (isfinite(opt)) ahi = fmax(ahi, opt);
    if ((st = rp_close(dir, dat, f, NB_OK))) return st;
    if ((st = rp_open(dir, gp, &f))) return st;
    double w = rp_fig_width(formats), wpt = 72 * w;
    int stacked = w < 4;
    size_t rows = legend_rows(n, chars, wpt);
    double leg = (double)rows * PT_LINE + 4, panel = stacked ? 1.75 * 72 : 1.95 * 72;
    double hpt = leg + (stacked ? 2 : 1) * panel;
    fprintf(f, "# %s - written by nastab report; edit freely and rerun in this folder:\n"
               "#     gnuplot %s\n"
               "# Data: %s. Left (top): the derived cell's table test accuracy (looked up, never\n"
               "# trained) after each search epoch; right (bottom): the same over the runs' mean\n"
               "# wall seconds (log axis). Mean over runs with a shaded 95%% t band; dotted: the\n"
               "# table's optimum. Only series counted in epochs: simulated-time series of\n"
               "# black-box strategies share neither axis (they are in anytime_*).\n",
            gp, gp, dat);
    rp_gp_begin(f, formats, stem, w, hpt / 72);
    fputs("set datafile missing \"NaN\"\nset multiplot\nunset key\n", f);
    if (isfinite(alo) && isfinite(ahi)) { /* a wide band of few runs is cut at 0 and 100 % */
        double pad = fmax(0.04 * (ahi - alo), 0.05);
        fprintf(f, "set yrange [%.4f:%.4f]\n", fmax(alo - pad, 0), fmin(ahi + pad, 100));
    }
    fputs("set ylabel \"table test accuracy [%]\" offset 0.5,0\n", f);
    if (isfinite(opt))
        fprintf(f, "set arrow 1 from graph 0, first %.4f to graph 1, first %.4f nohead lc rgb \"#777777\" dt 3 lw 1\n",
                opt, opt);
    double lm = 38, rm = 14;
    for (int pass = 0; pass < 2; pass++) {
        double x0 = stacked ? lm : pass * wpt / 2 + lm, x1 = stacked ? wpt - rm : (pass + 1) * wpt / 2 - rm;
        double y1 = stacked ? hpt - 4 - pass * panel : hpt - 4;
        double y0 = stacked ? hpt - (pass + 1) * panel + 2.6 * PT_LINE + 4 : leg + 2.6 * PT_LINE + 4;
        fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\nset bmargin at screen %.4f\n"
                   "set tmargin at screen %.4f\n",
                x0 / wpt, x1 / wpt, y0 / hpt, y1 / hpt);
        if (pass == 0) {
            double step = fmax(1, ceil(rp_nice_step(emax, 8)));
            fprintf(f, "set xrange [1:%.10g]\nset xtics %.10g\nset format x \"%%.0f\"\n"
                       "set xlabel \"search epoch\" offset 0,0.4\n",
                    fmax(emax, 2), step);
        } else {
            double lo, hi;
            rp_log_range(isfinite(wmin) ? wmin : 1, isfinite(wmax) ? wmax : 10, &lo, &hi);
            rp_gp_log_axis(f, 'x', lo, hi);
            fputs("set xlabel \"wall seconds (mean over runs)\" offset 0,0.4\n", f);
        }
        fputs("plot ", f);
        for (int layer = 0; layer < 2; layer++)
            for (size_t k = 0; k < n; k++) {
                const char *col = rp_color(m[k].s->strategy);
                if (layer || k) fputs(", \\\n     ", f);
                rp_gp_str(f, dat);
                if (layer == 0) {
                    fprintf(f, " index %zu using %d:4:5 with filledcurves fillcolor rgb \"%s\" fillstyle "
                               "transparent solid 0.2 noborder notitle",
                            k, pass ? 6 : 1, col);
                } else {
                    fprintf(f, " index %zu using %d:3 with linespoints pointtype 7 pointsize 0.35 linecolor rgb "
                               "\"%s\" dashtype %d linewidth 1.5 notitle",
                            k, pass ? 6 : 1, col, rp_dash(m[k].s->strategy));
                }
            }
        fputc('\n', f);
        if (pass == 1) fputs("unset logscale x\n", f);
    }
    const char **titles = nb_xcalloc_array(n, sizeof *titles), **cols = nb_xcalloc_array(n, sizeof *cols);
    int *dashes = nb_xcalloc_array(n, sizeof *dashes);
    char (*tb)[96] = nb_xcalloc_array(n, sizeof *tb);
    for (size_t k = 0; k < n; k++) {
        snprintf(tb[k], sizeof tb[k], "%s (n=%zu)", m[k].s->strategy, m[k].s->runs);
        titles[k] = tb[k];
        cols[k] = rp_color(m[k].s->strategy);
        dashes[k] = rp_dash(m[k].s->strategy);
    }
    legend(f, leg / hpt, rows, titles, cols, dashes, n);
    rp_gp_end(f);
    free(titles);
    free(cols);
    free(dashes);
    free(tb);
    return rp_close(dir, gp, f, NB_OK);
}

/* ---- ws_probs: op probabilities per edge over epochs, one figure per method ---- */

static nb_status probs_figure(const char *dir, const char *safe, const method *m, int formats, char *stem,
                              size_t stem_cap)
{
    char msafe[64], dat[224], gp[224];
    rp_safe_name(m->s->strategy, msafe, sizeof msafe);
    snprintf(stem, stem_cap, "ws_probs_%s_%s", safe, msafe);
    snprintf(dat, sizeof dat, "%s.dat", stem);
    snprintf(gp, sizeof gp, "%s.gp", stem);
    const res_ws_series *w = &m->w;
    size_t R = w->runs, E = w->epochs;
    FILE *f;
    nb_status st = rp_open(dir, dat, &f);
    if (st) return st;
    fprintf(f, "# nastab weight-sharing search: per-edge op probabilities of %s, dataset %s, mean over %zu runs\n"
               "# (wsnas/METHODS.md: softmax(alpha) for DARTS/GDAS, the controller's for ENAS, the\n"
               "# population's op frequencies for SPOS, the uniform sampling distribution for RSPS).\n"
               "# One block per edge (gnuplot `index`, NB201 order), columns: 1 epoch, then %s, %s,\n"
               "# %s, %s, %s\n",
            m->s->strategy, m->s->dataset, R, op_name[0], op_name[1], op_name[2], op_name[3], op_name[4]);
    for (int e = 0; e < WS_E; e++) {
        fprintf(f, "%s# index %d: edge %d -> %d\n", e ? "\n\n" : "", e, edge_from[e], edge_to[e]);
        for (size_t t = 0; t < E; t++) {
            fprintf(f, "%zu", t + 1);
            for (int o = 0; o < WS_O; o++) {
                double s = 0;
                for (size_t r = 0; r < R; r++) s += w->probs[((r * E + t) * WS_E + (size_t)e) * WS_O + (size_t)o];
                fprintf(f, " %.6f", s / (double)R);
            }
            fputc('\n', f);
        }
    }
    if ((st = rp_close(dir, dat, f, NB_OK))) return st;
    if ((st = rp_open(dir, gp, &f))) return st;
    double w_in = rp_fig_width(formats), wpt = 72 * w_in;
    int cols = w_in < 4 ? 2 : 3, rows_p = WS_E / cols;
    size_t lrows = legend_rows(WS_O, 14, wpt);
    double leg = (double)lrows * PT_LINE + 4, panel = (w_in < 4 ? 1.2 : 1.35) * 72, hpt = leg + rows_p * panel;
    fprintf(f, "# %s - written by nastab report; edit freely and rerun in this folder:\n"
               "#     gnuplot %s\n"
               "# Data: %s. Op probabilities of each edge of the cell over search epochs, mean\n"
               "# over runs; dashed: the parameter-free ops (none, skip_connect, avg_pool_3x3),\n"
               "# so a collapse to them shows as dashed lines rising. An op keeps its colour.\n",
            gp, gp, dat);
    rp_gp_begin(f, formats, stem, w_in, hpt / 72);
    double step = fmax(1, ceil(rp_nice_step((double)E, 4)));
    fprintf(f, "set datafile missing \"NaN\"\nset multiplot\nunset key\nset yrange [0:1]\nset ytics 0.25\n"
               "set xrange [1:%zu]\nset xtics %.10g\nset format x \"%%.0f\"\n",
            E > 1 ? E : 2, step);
    double pw = wpt / cols;
    for (int e = 0; e < WS_E; e++) {
        int row = e / cols, col = e % cols;
        double x0 = col * pw + 40, x1 = (col + 1) * pw - 6;
        double y1 = hpt - row * panel - PT_LINE - 4, y0 = hpt - (row + 1) * panel + 2.2 * PT_LINE + 2;
        fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\nset bmargin at screen %.4f\n"
                   "set tmargin at screen %.4f\n",
                x0 / wpt, x1 / wpt, y0 / hpt, y1 / hpt);
        fprintf(f, "set title \"edge %d -> %d\" offset 0,-0.6\n", edge_from[e], edge_to[e]);
        fprintf(f, "set xlabel %s\nset ylabel %s\n", row == rows_p - 1 ? "\"search epoch\" offset 0,0.5" : "\"\"",
                col == 0 ? "\"probability\" offset 1.5,0" : "\"\"");
        fputs("plot ", f);
        for (int o = 0; o < WS_O; o++) {
            if (o) fputs(", \\\n     ", f);
            rp_gp_str(f, dat);
            fprintf(f, " index %d using 1:%d with lines linecolor rgb \"%s\" dashtype %d linewidth 1.5 notitle", e,
                    o + 2, op_color[o], op_dash[o]);
        }
        fputc('\n', f);
    }
    fputs("unset title\n", f);
    legend(f, leg / hpt, lrows, op_name, op_color, op_dash, WS_O);
    rp_gp_end(f);
    return rp_close(dir, gp, f, NB_OK);
}

/* ---- ws_rank: tau and rho of the supernet's ranking over epochs ---- */

static nb_status rank_figure(const char *dir, const char *safe, const method *m, size_t n, int formats)
{
    char stem[96], dat[112], gp[112];
    snprintf(stem, sizeof stem, "ws_rank_%s", safe);
    snprintf(dat, sizeof dat, "%s.dat", stem);
    snprintf(gp, sizeof gp, "%s.gp", stem);
    FILE *f;
    nb_status st = rp_open(dir, dat, &f);
    if (st) return st;
    fprintf(f, "# nastab weight-sharing search: how the supernet ranks K sampled cells, dataset %s\n"
               "# One block per method with --rank-sample data (gnuplot `index`), one row per epoch:\n"
               "#  1 epoch  2 runs  3 mean Kendall tau-b  4 lower 95%% CI  5 upper  6 mean Spearman rho\n"
               "#  7 lower 95%% CI  8 upper\n",
            m[0].s->dataset);
    double emax = 2, lo = 0, hi = 0;
    size_t block = 0, chars = 0, used = 0;
    const method **drawn = nb_xcalloc_array(n, sizeof *drawn);
    for (size_t k = 0; k < n; k++) {
        const res_ws_series *w = &m[k].w;
        if (!w->rank_k) continue;
        drawn[used++] = &m[k];
        fprintf(f, "%s# index %zu: %s, %zu runs, K = %zu cells; scores: %s; against: %s\n", block ? "\n\n" : "",
                block, w->method, w->runs, w->rank_k, w->rank_scored_on, w->rank_against);
        char title[96];
        chars = (size_t)fmax((double)chars, (double)snprintf(title, sizeof title, "%s (n=%zu)", w->method, w->runs));
        for (size_t t = 0; t < w->epochs; t++) {
            rep_stats a = rep_stats_of(w->rank_tau + t, w->runs, w->epochs),
                      b = rep_stats_of(w->rank_rho + t, w->runs, w->epochs);
            fprintf(f, "%zu %zu", t + 1, a.n);
            band(f, a);
            band(f, b);
            fputc('\n', f);
            double ca = isnan(a.ci95) ? 0 : a.ci95, cb = isnan(b.ci95) ? 0 : b.ci95;
            if (a.n) lo = fmin(lo, a.mean - ca), hi = fmax(hi, a.mean + ca);
            if (b.n) lo = fmin(lo, b.mean - cb), hi = fmax(hi, b.mean + cb);
        }
        emax = fmax(emax, (double)w->epochs);
        block++;
    }
    if ((st = rp_close(dir, dat, f, NB_OK))) {
        free(drawn);
        return st;
    }
    if ((st = rp_open(dir, gp, &f))) {
        free(drawn);
        return st;
    }
    double w_in = rp_fig_width(formats), wpt = 72 * w_in;
    int stacked = w_in < 4;
    size_t rows = legend_rows(used, chars, wpt);
    double leg = (double)rows * PT_LINE + 4, panel = stacked ? 1.6 * 72 : 1.8 * 72;
    double hpt = leg + (stacked ? 2 : 1) * panel;
    fprintf(f, "# %s - written by nastab report; edit freely and rerun in this folder:\n"
               "#     gnuplot %s\n"
               "# Data: %s. Rank correlation between the supernet's scores of the --rank-sample\n"
               "# cells (inherited weights) and the table's accuracy of the same cells, after each\n"
               "# search epoch: Kendall tau-b (left or top) and Spearman rho (right or bottom), mean\n"
               "# over runs with a shaded 95%% t band; dotted: 0 (no agreement).\n",
            gp, gp, dat);
    rp_gp_begin(f, formats, stem, w_in, hpt / 72);
    double step = fmax(1, ceil(rp_nice_step(emax, 8)));
    lo = fmax(-1, floor(lo * 10 - 0.5) / 10), hi = fmin(1, ceil(hi * 10 + 0.5) / 10);
    fprintf(f, "set datafile missing \"NaN\"\nset multiplot\nunset key\nset xrange [1:%.10g]\nset xtics %.10g\n"
               "set format x \"%%.0f\"\nset xlabel \"search epoch\" offset 0,0.4\nset yrange [%.2f:%.2f]\n"
               "set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead lc rgb \"#777777\" dt 3 lw 1\n",
            emax, step, lo, hi);
    double lm = 38, rm = 14;
    for (int pass = 0; pass < 2; pass++) {
        double x0 = stacked ? lm : pass * wpt / 2 + lm, x1 = stacked ? wpt - rm : (pass + 1) * wpt / 2 - rm;
        double y1 = stacked ? hpt - 4 - pass * panel : hpt - 4;
        double y0 = stacked ? hpt - (pass + 1) * panel + 2.6 * PT_LINE + 4 : leg + 2.6 * PT_LINE + 4;
        fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\nset bmargin at screen %.4f\n"
                   "set tmargin at screen %.4f\nset ylabel \"%s\" offset 0.5,0\nplot ",
                x0 / wpt, x1 / wpt, y0 / hpt, y1 / hpt, pass ? "Spearman rho" : "Kendall tau-b");
        for (int layer = 0; layer < 2; layer++)
            for (size_t k = 0; k < used; k++) {
                const char *col = rp_color(drawn[k]->s->strategy);
                if (layer || k) fputs(", \\\n     ", f);
                rp_gp_str(f, dat);
                if (layer == 0)
                    fprintf(f, " index %zu using 1:%d:%d with filledcurves fillcolor rgb \"%s\" fillstyle "
                               "transparent solid 0.2 noborder notitle",
                            k, pass ? 7 : 4, pass ? 8 : 5, col);
                else
                    fprintf(f, " index %zu using 1:%d with linespoints pointtype 7 pointsize 0.35 linecolor rgb "
                               "\"%s\" dashtype %d linewidth 1.5 notitle",
                            k, pass ? 6 : 3, col, rp_dash(drawn[k]->s->strategy));
            }
        fputc('\n', f);
    }
    const char **titles = nb_xcalloc_array(used + 1, sizeof *titles), **cols = nb_xcalloc_array(used + 1, sizeof *cols);
    int *dashes = nb_xcalloc_array(used + 1, sizeof *dashes);
    char (*tb)[96] = nb_xcalloc_array(used + 1, sizeof *tb);
    for (size_t k = 0; k < used; k++) {
        snprintf(tb[k], sizeof tb[k], "%s (n=%zu)", drawn[k]->s->strategy, drawn[k]->s->runs);
        titles[k] = tb[k];
        cols[k] = rp_color(drawn[k]->s->strategy);
        dashes[k] = rp_dash(drawn[k]->s->strategy);
    }
    legend(f, leg / hpt, rows, titles, cols, dashes, used);
    rp_gp_end(f);
    free(titles);
    free(cols);
    free(dashes);
    free(tb);
    free(drawn);
    return rp_close(dir, gp, f, NB_OK);
}

/* ---- ws.md ---- */

static void pm(FILE *f, rep_stats s, int prec)
{
    if (s.n == 0) fputs(" - |", f);
    else if (s.n == 1 || isnan(s.std)) fprintf(f, " %.*f |", prec, s.mean);
    else fprintf(f, " %.*f ± %.*f |", prec, s.mean, prec, s.std);
}

static void write_md_dataset(FILE *f, const method *m, size_t n)
{
    fprintf(f, "## %s\n\n", rp_display_name(m[0].s->dataset));
    fprintf(f, "Table optimum: test %.2f %%, validation %.2f %%. Accuracies of the derived cell are looked up in "
               "the table (never trained), after the last epoch; mean ± std over runs.\n\n",
            (double)m[0].s->optimum_test, (double)m[0].s->optimum_valid);
    fputs("| method | runs | epochs | table test % | table valid % | supernet valid % | wall s | CPU s | "
          "parameter-free ops in the cell (of 6) | parameter-free probability (per edge) | Kendall tau | "
          "Spearman rho |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n", f);
    for (size_t k = 0; k < n; k++) {
        const res_series *s = m[k].s;
        const res_ws_series *w = &m[k].w;
        fprintf(f, "| %s | %zu | %zu |", s->strategy, s->runs, s->grid - 1);
        pm(f, rep_stats_of(s->final_test, s->runs, 1), 2);
        pm(f, rep_stats_of(s->final_valid, s->runs, 1), 2);
        if (!w->runs) {
            fputs(" - | - | - | - | - | - | - |\n", f);
            continue;
        }
        size_t R = w->runs, E = w->epochs;
        float *last = nb_xcalloc_array(R, sizeof *last), *wall = nb_xcalloc_array(R, sizeof *wall),
              *cpu = nb_xcalloc_array(R, sizeof *cpu), *free_ops = nb_xcalloc_array(R, sizeof *free_ops),
              *free_p = nb_xcalloc_array(R, sizeof *free_p);
        for (size_t r = 0; r < R; r++) {
            size_t i = r * E + E - 1;
            last[r] = w->super_valid[i];
            wall[r] = (float)w->wall[i];
            cpu[r] = (float)w->cpu[i];
            double p = 0;
            for (int e = 0; e < WS_E; e++)
                for (int o = 0; o < WS_O; o++)
                    if (op_param_free[o]) p += w->probs[(i * WS_E + (size_t)e) * WS_O + (size_t)o];
            free_p[r] = (float)(p / WS_E);
            int cnt = 0;
            for (int e = 0; e < WS_E && w->ops; e++) cnt += w->ops[i * WS_E + (size_t)e] < WS_O &&
                                                             op_param_free[w->ops[i * WS_E + (size_t)e]];
            free_ops[r] = w->ops ? (float)cnt : NAN; /* files of before `ops` lack the cell's ops */
        }
        pm(f, rep_stats_of(last, R, 1), 2);
        pm(f, rep_stats_of(wall, R, 1), 1);
        pm(f, rep_stats_of(cpu, R, 1), 1);
        pm(f, rep_stats_of(free_ops, R, 1), 1);
        pm(f, rep_stats_of(free_p, R, 1), 3);
        if (w->rank_k) {
            pm(f, rep_stats_of(w->rank_tau + E - 1, R, E), 3);
            pm(f, rep_stats_of(w->rank_rho + E - 1, R, E), 3);
        } else {
            fputs(" - | - |", f);
        }
        fputc('\n', f);
        free(last);
        free(wall);
        free(cpu);
        free(free_ops);
        free(free_p);
    }
    const res_ws_series *any = NULL;
    for (size_t k = 0; k < n && !any; k++)
        if (m[k].w.rank_k) any = &m[k].w;
    fputs("\nParameter-free ops: none, skip_connect, avg_pool_3x3; the count is over the 6 edges of the "
          "derived cell after the last epoch, the probability their recorded mass averaged over the edges "
          "(0.6 when uniform, as RSPS records its sampling distribution).\n",
          f);
    if (any)
        fprintf(f, "Rank correlation after the last epoch over K = %zu cells sampled once from the seed (the same "
                   "cells for every method): the supernet's score (%s) against %s.\n",
                any->rank_k, any->rank_scored_on, any->rank_against);
    else
        fputs("Rank correlation: not measured (run `nastab search` with --rank-sample K).\n", f);
    fputc('\n', f);
}

/* ---- the report ---- */

static void remove_stale(const char *dir, const char *stem, int figs)
{
    static const struct {
        int bit;
        const char *ext;
    } ext[] = {{REP_FMT_PNG, "png"}, {REP_FMT_PDF, "pdf"}, {REP_FMT_SVG, "svg"}};
    for (size_t e = 0; e < 3; e++) {
        if (!(figs & ext[e].bit)) continue;
        char name[200];
        snprintf(name, sizeof name, "%s.%s", stem, ext[e].ext);
        char *p = rp_join(dir, name);
        unlink(p);
        free(p);
    }
}

static nb_status draw(const char *gnuplot, const char *dir, const char *stem, int figs)
{
    char script[200], log[200];
    snprintf(script, sizeof script, "%s.gp", stem);
    snprintf(log, sizeof log, "%s.log", stem);
    remove_stale(dir, stem, figs);
    nb_status st = rp_run_gnuplot(gnuplot, dir, script, log);
    char *lp = rp_join(dir, log);
    struct stat sb;
    if (st == NB_OK && stat(lp, &sb) == 0 && sb.st_size == 0) unlink(lp);
    free(lp);
    return st;
}

int rep_ws_has_series(const res_results *r)
{
    for (size_t i = 0; i < res_results_count(r); i++)
        if (!strcmp(res_budget_unit(res_results_get(r, i)), RES_UNIT_EPOCHS)) return 1;
    return 0;
}

nb_status rep_ws_report(const res_results *r, const char *path, const char *dir, int formats)
{
    NB_ASSERT(r && path && dir);
    if (!rep_ws_has_series(r)) return NB_OK;
    nb_status st = rp_mkdir_p(dir);
    if (st) return st;
    size_t n_ds = res_results_datasets(r, NULL, 0), total = res_results_count(r);
    const char **ds = nb_xcalloc_array(n_ds + 1, sizeof *ds);
    res_results_datasets(r, ds, n_ds);
    method *m = nb_xcalloc_array(total + 1, sizeof *m);
    int figs = formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG);
    char *gnuplot = figs ? rp_find_gnuplot() : NULL, *first_err = NULL;
    FILE *md = NULL;
    if ((formats & REP_FMT_MD) && (st = rp_open(dir, "ws.md", &md))) goto done;
    if (md)
        fprintf(md, "# Weight-sharing search\n\nFrom %s (`%s`). Figures: ws_acc_* (table accuracy of the derived "
                    "cell over epochs and wall seconds: mean over runs, shaded 95 %% t band, dotted line the "
                    "table's optimum), ws_probs_* (op probabilities per edge), ws_rank_* "
                    "(rank correlation, with --rank-sample; dotted line 0).\n\n",
                path, res_results_attr(r, "command") ? res_results_attr(r, "command") : "");
    for (size_t d = 0; d < n_ds && st == NB_OK; d++) {
        size_t n = 0;
        for (size_t i = 0; i < total; i++) {
            const res_series *s = res_results_get(r, i);
            if (strcmp(s->dataset, ds[d]) || strcmp(res_budget_unit(s), RES_UNIT_EPOCHS)) continue;
            memset(&m[n], 0, sizeof m[n]);
            m[n].s = s;
            nb_status rs = res_ws_read(path, s->dataset, s->strategy, &m[n].w);
            if (rs == NB_ENOTFOUND) {
                nb_log("report: %s has no /ws/%s/%s; its op-probability figure and seconds are left out", path,
                       s->dataset, s->strategy);
            } else if (rs != NB_OK) {
                st = rs;
                n++;
                break;
            } else if (m[n].w.epochs + 1 != s->grid || m[n].w.runs != s->runs) {
                st = nb_fail(NB_EFORMAT, "%s: /ws/%s/%s has %zu runs x %zu epochs but its series %zu x %zu", path,
                             s->dataset, s->strategy, m[n].w.runs, m[n].w.epochs, s->runs, s->grid - 1);
                n++;
                break;
            }
            n++;
        }
        if (st == NB_OK && n && md) write_md_dataset(md, m, n);
        if (st == NB_OK && n && figs) {
            char safe[64], stem[200];
            rp_safe_name(ds[d], safe, sizeof safe);
            int any_rank = 0;
            if ((st = acc_figure(dir, safe, m, n, formats))) goto next;
            snprintf(stem, sizeof stem, "ws_acc_%s", safe);
            if (gnuplot && draw(gnuplot, dir, stem, figs) != NB_OK && !first_err) first_err = nb_xstrdup(nb_errmsg());
            for (size_t k = 0; k < n; k++) {
                any_rank |= m[k].w.rank_k > 0;
                if (!m[k].w.runs) continue;
                if ((st = probs_figure(dir, safe, &m[k], formats, stem, sizeof stem))) goto next;
                if (gnuplot && draw(gnuplot, dir, stem, figs) != NB_OK && !first_err)
                    first_err = nb_xstrdup(nb_errmsg());
            }
            snprintf(stem, sizeof stem, "ws_rank_%s", safe);
            if (any_rank) {
                if ((st = rank_figure(dir, safe, m, n, formats))) goto next;
                if (gnuplot && draw(gnuplot, dir, stem, figs) != NB_OK && !first_err)
                    first_err = nb_xstrdup(nb_errmsg());
            } else {
                remove_stale(dir, stem, figs); /* an earlier report's ranking is not this file's */
            }
        }
    next:
        for (size_t k = 0; k < n; k++) res_ws_series_free(&m[k].w);
    }
    if (md) {
        nb_status cs = rp_close(dir, "ws.md", md, st);
        md = NULL;
        if (st == NB_OK) st = cs;
    }
    if (st == NB_OK && figs && !gnuplot)
        st = nb_fail(NB_ETOOL, "gnuplot not found on PATH; weight-sharing figures skipped (data and scripts "
                               "written to %s/); hint: apt-get install gnuplot-nox",
                     dir);
    else if (st == NB_OK && first_err)
        st = nb_fail(NB_ETOOL, "%s", first_err);
done:
    if (md) rp_close(dir, "ws.md", md, st);
    free(first_err);
    free(gnuplot);
    free(m);
    free(ds);
    return st;
}
