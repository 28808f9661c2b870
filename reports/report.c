/* reports/report.c - the report folder: tables, gnuplot data and scripts,
 * and the figures gnuplot draws from them.
 *
 * Figures (per dataset d, one gnuplot script each, run with the report
 * folder as working directory so users can edit and rerun it there):
 *   anytime_<d>.{png,pdf,svg}: (a) incumbent test accuracy vs simulated
 *     time, (b) test regret (optimum_test - test) on a log y axis; each
 *     strategy as the mean over runs with a shaded 95% t confidence band.
 *     A curve starts at the first grid time at which every run has a result
 *     (before that, averaging only the runs that already have one would mix
 *     populations; those rows are NaN in the .dat file, with the count of
 *     contributing runs kept in column 2).
 *   final_<d>.{png,pdf,svg}: box plot of the final test accuracy per
 *     strategy (box: quartiles, bar: median, whiskers: min and max).
 * Colours follow the Okabe-Ito palette (colour-blind safe; Okabe & Ito
 * 2008), with dash patterns so the lines survive grey-scale printing; a
 * strategy keeps its colour across datasets. */
#include "reports/rep.h"
#include "reports/rep_private.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define REGRET_FLOOR 1e-3 /* percent; lower clip for the log-scale regret axis */

/* Data ranges of one dataset's anytime figure, gathered while its .dat file
 * is written so the axes fit the data (not the next round tick). */
typedef struct {
    double tmax;             /* budget [s] */
    double acc_lo, acc_hi;   /* band of the accuracy panel, incl. the optimum */
    double reg_lo, reg_hi;   /* mean regret min, band max (log panel) */
    double optimum;          /* table optimum test accuracy [%] */
    size_t title_chars;      /* longest legend entry */
    size_t n;                /* strategies drawn */
} fig_range;

/* First grid index at which every run has a result, or grid if never. */
static size_t curve_start(const res_series *s)
{
    for (size_t j = 0; j < s->grid; j++) {
        size_t k = 0;
        for (size_t i = 0; i < s->runs; i++) k += !isnan(s->test[i * s->grid + j]);
        if (k == s->runs) return j;
    }
    return s->grid;
}

/* ---- data files ---- */

static nb_status write_anytime_dat(const res_results *r, const char *dir, const char *file,
                                   const char *ds, const char **st, size_t n_st, fig_range *fr)
{
    FILE *f;
    nb_status status = rp_open(dir, file, &f);
    if (status) return status;
    *fr = (fig_range){0, INFINITY, -INFINITY, INFINITY, -INFINITY, NAN, 0, 0};
    fprintf(f, "# nastab anytime curves, dataset %s (written by nastab report)\n", ds);
    fputs("# One block per strategy (gnuplot `index`), columns:\n"
          "#  1 simulated time [s]  2 runs with a result at this time\n"
          "#  3 mean test acc [%]  4 lower 95% CI  5 upper 95% CI\n"
          "#  6 mean test regret [%]  7 regret lower 95% CI  8 regret upper 95% CI\n"
          "#  9 median test acc [%]  10 mean valid acc [%]\n", f);
    fprintf(f, "# Regret = optimum_test - test; columns 6-8 are clipped below at %g for the "
            "log axis.\n", REGRET_FLOOR);
    fputs("# Columns 3-10 are NaN until every run has a result (curves start there).\n", f);
    size_t block = 0;
    for (size_t k = 0; k < n_st; k++) {
        const res_series *s = res_results_find(r, ds, st[k]);
        if (!s) continue;
        fprintf(f, "%s# index %zu: %s, %zu runs, optimum_test %.4f\n", block ? "\n\n" : "",
                block, s->strategy, s->runs, (double)s->optimum_test);
        if (s->budget > fr->tmax) fr->tmax = s->budget;
        if (s->time[s->grid - 1] > fr->tmax) fr->tmax = s->time[s->grid - 1];
        fr->optimum = s->optimum_test;
        char title[96];
        fr->title_chars = fmax((double)fr->title_chars,
                               (double)snprintf(title, sizeof title, "%s (n=%zu)", s->strategy,
                                                s->runs));
        fr->n++;
        size_t j0 = curve_start(s);
        for (size_t j = 0; j < s->grid; j++) {
            rep_stats t = rep_stats_of(s->test + j, s->runs, s->grid);
            fprintf(f, "%.10g %zu", s->time[j], t.n);
            if (j < j0) {
                fputs(" NaN NaN NaN NaN NaN NaN NaN NaN\n", f);
                continue;
            }
            rep_stats v = rep_stats_of(s->valid + j, s->runs, s->grid);
            double ci = isnan(t.ci95) ? 0 : t.ci95;
            double opt = s->optimum_test;
            double reg = fmax(opt - t.mean, REGRET_FLOOR);
            double rlo = fmax(opt - (t.mean + ci), REGRET_FLOOR);
            double rhi = fmax(opt - (t.mean - ci), REGRET_FLOOR);
            fprintf(f, " %.6f %.6f %.6f %.6g %.6g %.6g %.6f %.6f\n", t.mean, t.mean - ci,
                    t.mean + ci, reg, rlo, rhi, t.median, v.mean);
            fr->acc_lo = fmin(fr->acc_lo, t.mean - ci);
            fr->acc_hi = fmax(fr->acc_hi, fmax(t.mean + ci, opt));
            fr->reg_lo = fmin(fr->reg_lo, reg);
            fr->reg_hi = fmax(fr->reg_hi, rhi);
        }
        block++;
    }
    return rp_close(dir, file, f, NB_OK);
}

static double quantile_sorted(const float *v, size_t n, double q)
{
    /* Linear interpolation between order statistics (Hyndman & Fan type 7). */
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    size_t hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - (double)lo) * ((double)v[hi] - (double)v[lo]);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static nb_status write_final_dat(const res_results *r, const char *dir, const char *file,
                                 const char *ds, const char **st, size_t n_st)
{
    FILE *f;
    nb_status status = rp_open(dir, file, &f);
    if (status) return status;
    fprintf(f, "# nastab final test accuracy [%%], dataset %s (written by nastab report)\n"
            "# columns: 1 position  2 q1  3 min  4 max  5 q3  6 median  7 mean  8 runs with a "
            "result  9 strategy\n", ds);
    size_t pos = 0;
    for (size_t k = 0; k < n_st; k++) {
        const res_series *s = res_results_find(r, ds, st[k]);
        if (!s) continue;
        float *v = nb_xcalloc_array(s->runs, sizeof *v);
        size_t n = 0;
        for (size_t i = 0; i < s->runs; i++)
            if (!isnan(s->final_test[i])) v[n++] = s->final_test[i];
        pos++;
        if (n == 0) {
            fprintf(f, "%zu NaN NaN NaN NaN NaN NaN 0 ", pos);
        } else {
            qsort(v, n, sizeof *v, cmp_float);
            double mean = 0;
            for (size_t i = 0; i < n; i++) mean += v[i];
            mean /= (double)n;
            fprintf(f, "%zu %.6f %.6f %.6f %.6f %.6f %.6f %zu ", pos, quantile_sorted(v, n, 0.25),
                    (double)v[0], (double)v[n - 1], quantile_sorted(v, n, 0.75),
                    quantile_sorted(v, n, 0.5), mean, n);
        }
        rp_gp_str(f, s->strategy);
        fputc('\n', f);
        free(v);
    }
    return rp_close(dir, file, f, NB_OK);
}

/* ---- gnuplot scripts ---- */

/* Layout of the anytime figure, in points (1/72 in) at the nominal size:
 * two panels side by side (stacked below 4 in), one legend below them
 * spanning the figure (outside the plotting areas, so it hides no curve),
 * its columns as many as fit at 8 pt. */
#define PT_CHAR (0.55 * RP_FONT_PT) /* mean Helvetica glyph width */
#define PT_LINE (1.25 * RP_FONT_PT)

static nb_status write_anytime_gp(const res_results *r, const char *dir, const char *stem,
                                  const char *ds, const char **st, size_t n_st, int formats,
                                  const fig_range *fr)
{
    char file[128], dat[128];
    snprintf(file, sizeof file, "%s.gp", stem);
    snprintf(dat, sizeof dat, "%s.dat", stem);
    FILE *f;
    nb_status status = rp_open(dir, file, &f);
    if (status) return status;
    double w = rp_fig_width(formats), wpt = 72 * w;
    int stacked = w < 4;
    double entry = (double)fr->title_chars * PT_CHAR + 30; /* sample + gap */
    size_t cols = (size_t)fmax(1, floor((wpt - 10) / entry));
    if (cols > fr->n) cols = fr->n ? fr->n : 1;
    size_t rows = fr->n ? (fr->n + cols - 1) / cols : 1;
    double leg = (double)rows * PT_LINE + 4, panel = stacked ? 1.75 * 72 : 1.95 * 72;
    double hpt = leg + (stacked ? 2 : 1) * panel, h = hpt / 72;
    fprintf(f, "# %s - written by nastab report; edit freely and rerun in this folder:\n"
            "#     gnuplot %s\n"
            "# Data: %s (columns described in its header). Mean over runs with a shaded 95%%\n"
            "# t confidence band; a curve starts once every run has a result. Left (top):\n"
            "# incumbent test accuracy, dotted line the table optimum; right (bottom): test\n"
            "# regret, log scale. The caption belongs to the document, not the image.\n",
            file, file, dat);
    rp_gp_begin(f, formats, stem, w, h);
    fputs("set datafile missing \"NaN\"\nset multiplot\n", f);
    fprintf(f, "set xrange [0:%.10g]\nset xlabel \"simulated time [s]\" offset 0,0.4\n",
            fr->tmax);
    /* x tics: labels of the budget's digits plus a gap must fit the panel. */
    double lm = 38, rm = 14, pw = (stacked ? wpt : wpt / 2) - lm - rm;
    double label = (floor(log10(fmax(fr->tmax, 1))) + 1) * PT_CHAR + 12;
    double step = rp_nice_step(fr->tmax, (int)fmax(2, floor(pw / label)));
    fprintf(f, "set xtics %.10g\nset format x \"%s\"\n", step,
            step >= 1 && fmod(step, 1) == 0 ? "%.0f" : "%g");
    fputs("unset key\n", f);
    for (int pass = 0; pass < 2; pass++) {
        double x0 = stacked ? lm : pass * wpt / 2 + lm, x1 = stacked ? wpt - rm : (pass + 1) * wpt / 2 - rm;
        double y1 = stacked ? hpt - 4 - pass * panel : hpt - 4;
        double y0 = stacked ? hpt - (pass + 1) * panel + 2.6 * PT_LINE + 4 : leg + 2.6 * PT_LINE + 4;
        fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
                   "set bmargin at screen %.4f\nset tmargin at screen %.4f\n",
                x0 / wpt, x1 / wpt, y0 / hpt, y1 / hpt);
        if (pass == 0) {
            /* Reset what the regret panel of the previous format set. */
            fputs("unset logscale y\nset ytics autofreq\nset format y \"%g\"\n"
                  "set ylabel \"test accuracy [%]\" offset 0.5,0\n", f);
            double a_lo = fr->acc_lo, a_hi = fr->acc_hi;
            if (isfinite(a_lo) && isfinite(a_hi)) {
                double pad = fmax(0.04 * (a_hi - a_lo), 0.05);
                fprintf(f, "set yrange [%.4f:%.4f]\n", a_lo - pad, a_hi + pad);
            }
            if (!isnan(fr->optimum))
                fprintf(f, "set arrow 1 from graph 0, first %.4f to graph 1, first %.4f nohead "
                           "lc rgb \"#777777\" dt 3 lw 1\n",
                        fr->optimum, fr->optimum);
        } else {
            fputs("unset arrow 1\nunset key\nset ylabel \"test regret [%]\" offset 0.5,0\n", f);
            double lo, hi;
            rp_log_range(fr->reg_lo, fr->reg_hi, &lo, &hi);
            rp_gp_log_axis(f, 'y', lo, hi);
        }
        fputs("plot ", f);
        int first = 1;
        for (int layer = 0; layer < 2; layer++) {
            size_t block = 0;
            for (size_t k = 0; k < n_st; k++) {
                const res_series *s = res_results_find(r, ds, st[k]);
                if (!s) continue;
                const char *col = rp_color(s->strategy);
                if (!first) fputs(", \\\n     ", f);
                first = 0;
                rp_gp_str(f, dat);
                if (layer == 0) {
                    fprintf(f, " index %zu using 1:%d:%d with filledcurves fillcolor rgb \"%s\" "
                            "fillstyle transparent solid 0.2 noborder notitle",
                            block, pass ? 7 : 4, pass ? 8 : 5, col);
                } else {
                    char title[96];
                    snprintf(title, sizeof title, "%s (n=%zu)", s->strategy, s->runs);
                    fprintf(f, " index %zu using 1:%d with lines linecolor rgb \"%s\" "
                            "dashtype %d linewidth 1.5 title ",
                            block, pass ? 6 : 3, col, rp_dash(s->strategy));
                    rp_gp_str(f, title);
                }
                block++;
            }
        }
        fputc('\n', f);
    }
    /* The legend: a third, invisible panel across the figure's bottom. */
    fprintf(f, "unset logscale y\nunset border\nunset tics\nunset xlabel\nunset ylabel\n"
               "unset grid\nunset arrow 1\nset lmargin at screen 0\nset rmargin at screen 1\n"
               "set bmargin at screen 0\nset tmargin at screen %.4f\n"
               "set xrange [0:1]\nset yrange [0:1]\nunset logscale\n"
               "set key center center horizontal Left reverse maxrows %zu samplen 2.5 "
               "width 1 spacing 1.0\nplot ",
            leg / hpt, rows);
    size_t e = 0;
    for (size_t k = 0; k < n_st; k++) {
        const res_series *s = res_results_find(r, ds, st[k]);
        if (!s) continue;
        char title[96];
        snprintf(title, sizeof title, "%s (n=%zu)", s->strategy, s->runs);
        fprintf(f, "%sNaN with lines linecolor rgb \"%s\" dashtype %d linewidth 1.5 title ",
                e++ ? ", \\\n     " : "", rp_color(s->strategy), rp_dash(s->strategy));
        rp_gp_str(f, title);
    }
    fputs("\nset border 3\nset tics\nunset multiplot\n", f);
    rp_gp_end(f);
    return rp_close(dir, file, f, NB_OK);
}

static nb_status write_final_gp(const res_results *r, const char *dir, const char *stem,
                                const char *ds, const char **st, size_t n_st, int formats)
{
    char file[128], dat[128];
    snprintf(file, sizeof file, "%s.gp", stem);
    snprintf(dat, sizeof dat, "%s.dat", stem);
    FILE *f;
    nb_status status = rp_open(dir, file, &f);
    if (status) return status;
    fprintf(f, "# %s - written by nastab report; edit freely and rerun in this folder:\n"
            "#     gnuplot %s\n"
            "# Final test accuracy per strategy: box = quartiles, bar = median, whiskers =\n"
            "# min and max over runs; data in %s.\n",
            file, file, dat);
    double w = fmin(rp_fig_width(formats), 3.25);
    rp_gp_begin(f, formats, stem, w, 2.3);
    size_t n = 0;
    for (size_t k = 0; k < n_st; k++) n += res_results_find(r, ds, st[k]) != NULL;
    fprintf(f, "set xtics scale 0 rotate by 30 right\nunset grid\n"
            "set grid ytics lc rgb \"#e0e0e0\" lw 0.6\n"
            "set xrange [0.4:%zu.6]\nset offsets 0,0,graph 0.04,graph 0.04\n"
            "set ylabel \"final test accuracy [%%]\" offset 1,0\nset boxwidth 0.5\nunset key\n",
            n);
    /* Colour per box: a separate plot element per strategy keeps the
     * colours consistent with the anytime figures. */
    fputs("plot ", f);
    size_t pos = 0;
    for (size_t k = 0; k < n_st; k++) {
        const res_series *s = res_results_find(r, ds, st[k]);
        if (!s) continue;
        const char *col = rp_color(s->strategy);
        if (pos) fputs(", \\\n     ", f);
        rp_gp_str(f, dat);
        fprintf(f, " every ::%zu::%zu using 1:2:3:4:5:xticlabels(9) with candlesticks "
                "whiskerbars 0.5 linecolor rgb \"%s\" fillstyle transparent solid 0.3 border "
                "title ", pos, pos, col);
        rp_gp_str(f, s->strategy);
        fputs(", \\\n     ", f);
        rp_gp_str(f, dat);
        fprintf(f, " every ::%zu::%zu using ($1-0.25):6:(0.5):(0) with vectors nohead "
                "linecolor rgb \"%s\" linewidth 2 notitle",
                pos, pos, col);
        pos++;
    }
    fputc('\n', f);
    rp_gp_end(f);
    return rp_close(dir, file, f, NB_OK);
}

/* The strategies of st[0..n) whose series on ds counts simulated seconds,
 * into out (room for n); returns their count. */
static size_t sim_strategies(const res_results *r, const char *ds, const char **st, size_t n,
                             const char **out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const res_series *s = res_results_find(r, ds, st[i]);
        if (s && !strcmp(res_budget_unit(s), RES_UNIT_SIMULATED)) out[k++] = st[i];
    }
    return k;
}

/* ---- running gnuplot ---- */

static long file_size(const char *dir, const char *name)
{
    char *p = rp_join(dir, name);
    struct stat sb;
    long n = stat(p, &sb) == 0 && S_ISREG(sb.st_mode) ? (long)sb.st_size : -1;
    free(p);
    return n;
}

static void remove_file(const char *dir, const char *name)
{
    char *p = rp_join(dir, name);
    unlink(p);
    free(p);
}

static const struct {
    int bit;
    const char *ext;
} fig_exts[] = {{REP_FMT_PNG, "png"}, {REP_FMT_PDF, "pdf"}, {REP_FMT_SVG, "svg"}};

nb_status rep_report(const res_results *r, const char *dir, int formats)
{
    NB_ASSERT(r && dir);
    if (!dir[0]) return nb_fail(NB_EINVAL, "report directory: empty path");
    nb_status st = rp_mkdir_p(dir);
    if (st) return st;
    size_t n_ds = res_results_datasets(r, NULL, 0), n_st = res_results_strategies(r, NULL, 0);
    const char **ds = nb_xcalloc_array(n_ds + 1, sizeof *ds);
    const char **sn = nb_xcalloc_array(n_st + 1, sizeof *sn);
    char *gnuplot = NULL, *first_err = NULL;
    const char **sim = NULL;
    res_results_datasets(r, ds, n_ds);
    res_results_strategies(r, sn, n_st);

    if (formats & REP_FMT_CSV) {
        FILE *f;
        if ((st = rp_open(dir, "summary.csv", &f))) goto done;
        if ((st = rp_close(dir, "summary.csv", f, rep_write_csv(r, f)))) goto done;
    }

    int figs = formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG);
    if (!figs || n_ds == 0) {
        /* Tables only: ranks.md still (no gnuplot needed without figures). */
        if (n_ds && (formats & REP_FMT_MD)) {
            nb_status rs = rep_rank_report(r, dir, formats);
            if (rs != NB_OK && rs != NB_ENOTFOUND) st = rs;
        }
        goto done;
    }
    /* Data and scripts first: they are useful even without gnuplot here. The
     * anytime figure's axis is simulated time: series counted in another unit
     * (`nastab search`: epochs) are drawn by rep_ws_report (reports/ws.c). */
    sim = nb_xcalloc_array(n_st + 1, sizeof *sim);
    for (size_t d = 0; d < n_ds; d++) {
        char safe[64], stem[80], dat[96];
        rp_safe_name(ds[d], safe, sizeof safe);
        snprintf(stem, sizeof stem, "anytime_%s", safe);
        snprintf(dat, sizeof dat, "%s.dat", stem);
        fig_range fr;
        size_t n_sim = sim_strategies(r, ds[d], sn, n_st, sim);
        if (n_sim && ((st = write_anytime_dat(r, dir, dat, ds[d], sim, n_sim, &fr)) ||
                      (st = write_anytime_gp(r, dir, stem, ds[d], sim, n_sim, formats, &fr))))
            goto done;
        snprintf(stem, sizeof stem, "final_%s", safe);
        snprintf(dat, sizeof dat, "%s.dat", stem);
        if ((st = write_final_dat(r, dir, dat, ds[d], sn, n_st)) ||
            (st = write_final_gp(r, dir, stem, ds[d], sn, n_st, formats)))
            goto done;
    }
    if (!(gnuplot = rp_find_gnuplot())) {
        st = nb_fail(NB_ETOOL, "gnuplot not found on PATH; figures skipped (tables, data and "
                     "scripts written to %s/); hint: apt-get install gnuplot-nox",
                     dir);
        goto done;
    }
    for (size_t d = 0; d < n_ds; d++) {
        char safe[64];
        rp_safe_name(ds[d], safe, sizeof safe);
        for (int kind = 0; kind < 2; kind++) {
            char stem[80], script[96], log[96], out[100];
            snprintf(stem, sizeof stem, "%s_%s", kind ? "final" : "anytime", safe);
            if (!kind && !sim_strategies(r, ds[d], sn, n_st, sim)) {
                for (size_t e = 0; e < 3; e++) { /* no simulated-time series: no anytime figure */
                    snprintf(out, sizeof out, "%s.%s", stem, fig_exts[e].ext);
                    remove_file(dir, out);
                }
                continue;
            }
            snprintf(script, sizeof script, "%s.gp", stem);
            snprintf(log, sizeof log, "%s.log", stem);
            /* Stale figures from an earlier report must not pass for new ones. */
            for (size_t e = 0; e < 3; e++) {
                snprintf(out, sizeof out, "%s.%s", stem, fig_exts[e].ext);
                if (figs & fig_exts[e].bit) remove_file(dir, out);
            }
            /* A failing figure does not stop the others; the first failure
             * is reported at the end. */
            nb_status fst = rp_run_gnuplot(gnuplot, dir, script, log);
            for (size_t e = 0; e < 3 && fst == NB_OK; e++) {
                if (!(figs & fig_exts[e].bit)) continue;
                snprintf(out, sizeof out, "%s.%s", stem, fig_exts[e].ext);
                if (file_size(dir, out) <= 0)
                    fst = nb_fail(NB_ETOOL, "gnuplot ran %s/%s but wrote no %s/%s (terminal "
                                  "missing?); see %s/%s",
                                  dir, script, dir, out, dir, log);
            }
            if (fst != NB_OK && !first_err) first_err = nb_xstrdup(nb_errmsg());
            if (fst == NB_OK && file_size(dir, log) == 0) remove_file(dir, log);
        }
    }
    /* Rank over time and the CD diagram need >= 2 strategies; a results
     * file with one strategy simply has none (NB_ENOTFOUND). */
    if (!first_err) {
        nb_status rs = rep_rank_report(r, dir, formats);
        if (rs != NB_OK && rs != NB_ENOTFOUND) first_err = nb_xstrdup(nb_errmsg());
    }
    if (first_err) st = nb_fail(NB_ETOOL, "%s", first_err);
done:
    /* The documents last: they name every figure drawn (none when gnuplot
     * is missing or failed; the tables are still there). */
    if (st == NB_OK || st == NB_ETOOL) {
        char *msg = st ? nb_xstrdup(nb_errmsg()) : NULL;
        nb_status ds_st = rp_write_documents(r, dir, formats);
        if (ds_st != NB_OK) st = ds_st;
        else if (msg) st = nb_fail(NB_ETOOL, "%s", msg);
        free(msg);
    }
    free(first_err);
    free(gnuplot);
    free(ds);
    free(sn);
    free(sim);
    return st;
}
