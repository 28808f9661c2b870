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

static const char *const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                      "#E69F00", "#56B4E9", "#000000", "#F0E442"};
#define N_PALETTE (sizeof palette / sizeof palette[0])

/* ---- files and directories ---- */


/* A string inside gnuplot double quotes. */
static void gp_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Global strategy index: a strategy keeps its colour in every figure. */
static size_t strat_index(const char **st, size_t n_st, const char *name)
{
    for (size_t i = 0; i < n_st; i++)
        if (!strcmp(st[i], name)) return i;
    return 0;
}

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
                                   const char *ds, const char **st, size_t n_st)
{
    FILE *f;
    nb_status status = rp_open(dir, file, &f);
    if (status) return status;
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
        gp_str(f, s->strategy);
        fputc('\n', f);
        free(v);
    }
    return rp_close(dir, file, f, NB_OK);
}

/* ---- gnuplot scripts ---- */

/* The per-format loop head: picks a terminal, falls back to libgd png when
 * pngcairo is missing, and skips (with a message) a format whose terminal
 * this gnuplot lacks. Font sizes are chosen so that text is ~9 pt when the
 * figure is printed at its nominal size. */
static void gp_terminals(FILE *f, int formats, const char *stem, const char *pdf_size,
                         const char *png_size, const char *svg_size)
{
    fputs("formats = \"", f);
    const char *sep = "";
    if (formats & REP_FMT_PNG) { fprintf(f, "%spng", sep); sep = " "; }
    if (formats & REP_FMT_PDF) { fprintf(f, "%spdf", sep); sep = " "; }
    if (formats & REP_FMT_SVG) { fprintf(f, "%ssvg", sep); }
    fputs("\"\n", f);
    fputs("terms = \" \".GPVAL_TERMINALS.\" \"\n", f);
    fputs("do for [fmt in formats] {\n", f);
    fputs("ok = 1\n", f);
    fprintf(f,
            "if (fmt eq \"png\") {\n"
            "    if (strstrt(terms, \" pngcairo \") > 0) {\n"
            "        set terminal pngcairo size %s font \"Helvetica,22\" linewidth 2.5 noenhanced\n"
            "    } else {\n"
            "        set terminal png size %s font \"Helvetica,22\" linewidth 2.5 noenhanced\n"
            "    }\n"
            "    fs = 22\n"
            "}\n",
            png_size, png_size);
    fprintf(f,
            "if (fmt eq \"pdf\") {\n"
            "    if (strstrt(terms, \" pdfcairo \") > 0) {\n"
            "        set terminal pdfcairo size %s font \"Helvetica,8\" linewidth 1 noenhanced\n"
            "        fs = 8\n"
            "    } else {\n"
            "        ok = 0\n"
            "    }\n"
            "}\n",
            pdf_size);
    fprintf(f,
            "if (fmt eq \"svg\") {\n"
            "    set terminal svg size %s dynamic font \"Helvetica,16\" linewidth 1.5 "
            "noenhanced\n"
            "    fs = 16\n"
            "}\n",
            svg_size);
    fprintf(f,
            "if (!ok) {\n"
            "    print sprintf(\"nastab: this gnuplot has no terminal for %%s; %s.%%s skipped "
            "(hint: install gnuplot-nox with cairo)\", fmt, fmt)\n"
            "} else {\n"
            "set output \"%s.\".fmt\n",
            stem, stem);
}

static nb_status write_anytime_gp(const res_results *r, const char *dir, const char *stem,
                                  const char *ds, const char **st, size_t n_st, int formats)
{
    char file[128], dat[128];
    snprintf(file, sizeof file, "%s.gp", stem);
    snprintf(dat, sizeof dat, "%s.dat", stem);
    FILE *f;
    nb_status status = rp_open(dir, file, &f);
    if (status) return status;
    const res_series *s0 = NULL;
    for (size_t k = 0; k < n_st && !s0; k++) s0 = res_results_find(r, ds, st[k]);
    fprintf(f, "# %s - written by nastab report; edit freely and rerun in this folder:\n"
            "#     gnuplot %s\n"
            "# Data: %s (columns described in its header). Mean over runs with a shaded 95%%\n"
            "# t confidence band; a curve starts once every run has a result.\n"
            "# Colours: Okabe-Ito palette (colour-blind safe).\n\n",
            file, file, dat);
    gp_terminals(f, formats, stem, "7in,2.6in", "1400,520", "1000,370");
    fputs("set datafile missing \"NaN\"\n"
          "set multiplot layout 1,2\nset rmargin 4\n"
          "set grid lc rgb \"#dddddd\"\n"
          "set border 3\nset tics nomirror out\n"
          "set autoscale xfixmin\n"
          "set xlabel \"simulated time [s]\"\n"
          "set key bottom right samplen 3 opaque box lc rgb \"#cccccc\" font \",\".sprintf(\"%g\", 0.85 * fs)\n", f);
    /* About four x tics at a 1-2-2.5-5 step, printed in full: SI prefixes
     * ("%.0s%c") would round 1.5e6 to "2M". */
    double tmax = 0;
    for (size_t k = 0; k < n_st; k++) {
        const res_series *s = res_results_find(r, ds, st[k]);
        if (s && s->time[s->grid - 1] > tmax) tmax = s->time[s->grid - 1];
    }
    if (tmax > 0) {
        double mag = pow(10, floor(log10(tmax / 4))), step = mag;
        static const double mult[] = {1, 2, 2.5, 5, 10};
        for (size_t i = 0; i < sizeof mult / sizeof mult[0]; i++) {
            step = mult[i] * mag;
            if (tmax / step <= 5) break;
        }
        fprintf(f, "set xtics %.10g\nset format x \"%s\"\n", step,
                step >= 1 && fmod(step, 1) == 0 ? "%.0f" : "%g");
    }
    fputs("set ylabel \"test accuracy [%]\"\n", f);
    fputs("set title ", f);
    {
        char t[160];
        snprintf(t, sizeof t, "(a) %s: incumbent test accuracy", ds);
        gp_str(f, t);
    }
    fputc('\n', f);
    /* Panel (a): bands first (drawn under all lines), then lines. */
    for (int pass = 0; pass < 2; pass++) {
        fputs(pass == 0 ? "plot " : "set logscale y\nset format y \"%g\"\n"
                                    "set ylabel \"regret [%]\"\nunset key\nset title ", f);
        if (pass == 1) {
            char t[160];
            snprintf(t, sizeof t, "(b) %s: test regret (optimum %.2f %%)", ds,
                     s0 ? (double)s0->optimum_test : NAN);
            gp_str(f, t);
            fputs("\nplot ", f);
        }
        int first = 1;
        size_t block = 0;
        for (int layer = 0; layer < 2; layer++) {
            block = 0;
            for (size_t k = 0; k < n_st; k++) {
                const res_series *s = res_results_find(r, ds, st[k]);
                if (!s) continue;
                size_t c = strat_index(st, n_st, s->strategy);
                const char *col = palette[c % N_PALETTE];
                if (!first) fputs(", \\\n     ", f);
                first = 0;
                gp_str(f, dat);
                if (layer == 0) {
                    fprintf(f, " index %zu using 1:%d:%d with filledcurves fillcolor rgb \"%s\" "
                            "fillstyle transparent solid 0.2 noborder notitle",
                            block, pass ? 7 : 4, pass ? 8 : 5, col);
                } else {
                    char title[96];
                    snprintf(title, sizeof title, "%s (n=%zu)", s->strategy, s->runs);
                    fprintf(f, " index %zu using 1:%d with lines linecolor rgb \"%s\" "
                            "dashtype %zu linewidth 1.5 title ",
                            block, pass ? 6 : 3, col, c % 5 + 1);
                    gp_str(f, title);
                }
                block++;
            }
        }
        fputc('\n', f);
    }
    fputs("unset logscale y\nunset multiplot\nset output\n}\n}\n", f);
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
            "# min and max over runs; data in %s.\n\n",
            file, file, dat);
    gp_terminals(f, formats, stem, "3.4in,2.4in", "680,480", "490,346");
    size_t n = 0;
    for (size_t k = 0; k < n_st; k++) n += res_results_find(r, ds, st[k]) != NULL;
    fprintf(f, "set border 3\nset tics nomirror out\nset xtics scale 0 rotate by 30 right\n"
            "set grid ytics lc rgb \"#dddddd\"\n"
            "set xrange [0.4:%zu.6]\nset offsets 0,0,0.5,0.5\n"
            "set ylabel \"final test accuracy [%%]\"\nset boxwidth 0.5\nunset key\n"
            "set title ",
            n);
    char t[160];
    snprintf(t, sizeof t, "%s: final test accuracy", ds);
    gp_str(f, t);
    fputs("\n", f);
    fputs("color(i) = word(\"", f);
    for (size_t i = 0; i < N_PALETTE; i++) fprintf(f, "%s%s", i ? " " : "", palette[i]);
    fputs("\", i)\n", f);
    /* Colour per box: a separate plot element per strategy keeps the
     * colours consistent with the anytime figures. */
    fputs("plot ", f);
    size_t pos = 0;
    for (size_t k = 0; k < n_st; k++) {
        const res_series *s = res_results_find(r, ds, st[k]);
        if (!s) continue;
        size_t c = strat_index(st, n_st, s->strategy);
        if (pos) fputs(", \\\n     ", f);
        gp_str(f, dat);
        fprintf(f, " every ::%zu::%zu using 1:2:3:4:5:xticlabels(9) with candlesticks "
                "whiskerbars 0.5 linecolor rgb \"%s\" fillstyle transparent solid 0.3 border, "
                "\\\n     ",
                pos, pos, palette[c % N_PALETTE]);
        gp_str(f, dat);
        fprintf(f, " every ::%zu::%zu using ($1-0.25):6:(0.5):(0) with vectors nohead "
                "linecolor rgb \"%s\" linewidth 2",
                pos, pos, palette[c % N_PALETTE]);
        pos++;
    }
    fputs("\nset output\n}\n}\n", f);
    return rp_close(dir, file, f, NB_OK);
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

/* ---- report.md / report.tex ---- */

static nb_status write_report_md(const res_results *r, const char *dir, const char **ds,
                                 size_t n_ds, const char **st, size_t n_st, int formats)
{
    FILE *f;
    nb_status status = rp_open(dir, "report.md", &f);
    if (status) return status;
    fprintf(f, "# nastab report\n\n"
            "- results: created %s by nastab %s (git %s), protocol %s, seed %s\n"
            "- command: `%s`\n"
            "- table: %s (checksum %s)\n\n",
            res_results_attr(r, "created"), res_results_attr(r, "nastab_version"),
            res_results_attr(r, "git_sha"), res_results_attr(r, "protocol"),
            res_results_attr(r, "seed"), res_results_attr(r, "command"),
            res_results_attr(r, "table_path"), res_results_attr(r, "table_checksum"));
    status = rep_write_markdown(r, f);
    const char *ext = formats & REP_FMT_PNG ? "png" : formats & REP_FMT_SVG ? "svg" : NULL;
    if (status == NB_OK && n_ds && (formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG))) {
        fputs("\n## Anytime performance\n\n"
              "Mean over runs with a shaded 95% t confidence band; (a) incumbent test "
              "accuracy, (b) test regret on a log scale. A curve starts at the first time at "
              "which every run has a result:", f);
        const char *sep = " ";
        for (size_t d = 0; d < n_ds; d++) {
            for (size_t k = 0; k < n_st; k++) {
                const res_series *s = res_results_find(r, ds[d], st[k]);
                if (!s) continue;
                size_t j0 = curve_start(s);
                if (j0 < s->grid) fprintf(f, "%s%s/%s %.6g s", sep, s->dataset, s->strategy,
                                          s->time[j0]);
                else fprintf(f, "%s%s/%s never", sep, s->dataset, s->strategy);
                sep = ", ";
            }
        }
        fputs(".\n\n", f);
        for (size_t d = 0; d < n_ds; d++) {
            char stem[80];
            rp_safe_name(ds[d], stem, sizeof stem);
            if (ext) fprintf(f, "![anytime %s](anytime_%s.%s)\n![final %s](final_%s.%s)\n\n",
                             ds[d], stem, ext, ds[d], stem, ext);
            else fprintf(f, "- %s: anytime_%s.pdf, final_%s.pdf\n", ds[d], stem, stem);
        }
    }
    return rp_close(dir, "report.md", f, status);
}

static nb_status write_report_tex(const res_results *r, const char *dir, const char **ds,
                                  size_t n_ds, int formats)
{
    FILE *f;
    nb_status status = rp_open(dir, "report.tex", &f);
    if (status) return status;
    fputs("% nastab report: \\input{report.tex} (needs booktabs and graphicx).\n", f);
    status = rep_write_latex(r, f);
    if (status == NB_OK && (formats & REP_FMT_PDF)) {
        for (size_t d = 0; d < n_ds; d++) {
            char stem[80];
            rp_safe_name(ds[d], stem, sizeof stem);
            fprintf(f, "\n\\begin{figure*}[t]\n\\centering\n"
                    "\\includegraphics[width=\\textwidth]{anytime_%s.pdf}\n\\caption{", stem);
            for (const char *c = ds[d]; *c; c++) {
                if (strchr("&%$#_{}", *c)) fputc('\\', f);
                if (strchr("~^\\", *c)) fputc('-', f);
                else fputc(*c, f);
            }
            fprintf(f, ": (a) incumbent test accuracy and (b) test regret over simulated time; "
                    "mean over runs with 95\\%% confidence band.}\n\\label{fig:anytime-%s}\n"
                    "\\end{figure*}\n", stem);
        }
    }
    return rp_close(dir, "report.tex", f, status);
}

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
    res_results_datasets(r, ds, n_ds);
    res_results_strategies(r, sn, n_st);

    if (formats & REP_FMT_CSV) {
        FILE *f;
        if ((st = rp_open(dir, "summary.csv", &f))) goto done;
        if ((st = rp_close(dir, "summary.csv", f, rep_write_csv(r, f)))) goto done;
    }
    if ((formats & REP_FMT_MD) && (st = write_report_md(r, dir, ds, n_ds, sn, n_st, formats)))
        goto done;
    if ((formats & REP_FMT_TEX) && (st = write_report_tex(r, dir, ds, n_ds, formats))) goto done;

    int figs = formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG);
    if (!figs || n_ds == 0) goto done;
    /* Data and scripts first: they are useful even without gnuplot here. */
    for (size_t d = 0; d < n_ds; d++) {
        char safe[64], stem[80], dat[96];
        rp_safe_name(ds[d], safe, sizeof safe);
        snprintf(stem, sizeof stem, "anytime_%s", safe);
        snprintf(dat, sizeof dat, "%s.dat", stem);
        if ((st = write_anytime_dat(r, dir, dat, ds[d], sn, n_st)) ||
            (st = write_anytime_gp(r, dir, stem, ds[d], sn, n_st, figs)))
            goto done;
        snprintf(stem, sizeof stem, "final_%s", safe);
        snprintf(dat, sizeof dat, "%s.dat", stem);
        if ((st = write_final_dat(r, dir, dat, ds[d], sn, n_st)) ||
            (st = write_final_gp(r, dir, stem, ds[d], sn, n_st, figs)))
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
    if (first_err) st = nb_fail(NB_ETOOL, "%s", first_err);
done:
    free(first_err);
    free(gnuplot);
    free(ds);
    free(sn);
    return st;
}
