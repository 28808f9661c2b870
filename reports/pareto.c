/* reports/pareto.c - the multi-objective report (final hypervolume table,
 * fronts over the true front, hypervolume regret figures) and the gnuplot
 * helpers shared with devices.c. The Pareto maths it draws (fronts,
 * hypervolume) are results/pareto.c's. */
#include "reports/rep_private.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HV_REGRET_FLOOR 1e-5

rep_stats rep_mo_final_hv(const res_series *s)
{
    float *v = nb_xcalloc_array(s->runs, sizeof *v);
    for (size_t r = 0; r < s->runs; r++) v[r] = (float)s->hv[r * s->grid + s->grid - 1];
    rep_stats st = rep_stats_of(v, s->runs, 1);
    free(v);
    return st;
}

/* ---- the multi-objective report ---- */

/* Distinct (dataset, device) pairs in first-seen order: indices of their
 * first series. */
static size_t groups_of(const res_mo_results *r, size_t *first)
{
    size_t n = res_mo_count(r), k = 0;
    for (size_t i = 0; i < n; i++) {
        const res_series *s = res_mo_get(r, i);
        int seen = 0;
        for (size_t j = 0; j < k && !seen; j++) {
            const res_series *q = res_mo_get(r, first[j]);
            seen = !strcmp(q->dataset, s->dataset) && !strcmp(q->device, s->device);
        }
        if (!seen) first[k++] = i;
    }
    return k;
}

static int same_group(const res_series *a, const res_series *b)
{
    return !strcmp(a->dataset, b->dataset) && !strcmp(a->device, b->device);
}

/* Run whose final hypervolume is the median (lower median; ties: lower run). */
static size_t median_run(const res_series *s)
{
    size_t *o = nb_xcalloc_array(s->runs, sizeof *o);
    for (size_t r = 0; r < s->runs; r++) o[r] = r;
    for (size_t a = 1; a < s->runs; a++) /* insertion sort by final hv, stable */
        for (size_t b = a; b > 0; b--) {
            double x = s->hv[o[b - 1] * s->grid + s->grid - 1], y = s->hv[o[b] * s->grid + s->grid - 1];
            if (x <= y) break;
            size_t t = o[b];
            o[b] = o[b - 1];
            o[b - 1] = t;
        }
    size_t m = o[(s->runs - 1) / 2];
    free(o);
    return m;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static nb_status write_front_files(const res_mo_results *r, size_t g0, const char *dir,
                                   const char *stem, int formats)
{
    const res_series *s0 = res_mo_get(r, g0);
    char dat[300], gpf[300];
    snprintf(dat, sizeof dat, "%s.dat", stem);
    snprintf(gpf, sizeof gpf, "%s.gp", stem);
    FILE *f;
    nb_status st = rp_open(dir, dat, &f);
    if (st) return st;
    fprintf(f, "# %s: Pareto fronts, test accuracy [%%] vs latency (%s)\n"
               "# block 0: the table's true front; block k: strategy k's median run "
               "(by final hypervolume), its front selected by search score\n"
               "# columns: latency test_acc table_index\n",
            s0->dataset, s0->device);
    /* y axis: from the runs' fronts up to the best cell, so the region where
     * the fronts differ fills the panel (the true front's slow-but-poor
     * start is clipped at the bottom). */
    double y_lo = INFINITY, y_hi = -INFINITY, *accs = NULL;
    size_t n_acc = 0;
    for (size_t k = 0; k < s0->n_front; k++) {
        fprintf(f, "%.6g %.4f %d\n", (double)s0->front_latency[k], (double)s0->front_test[k],
                s0->front_arch[k]);
        if (isfinite(s0->front_test[k])) y_hi = fmax(y_hi, s0->front_test[k]);
    }
    size_t n = res_mo_count(r);
    for (size_t i = 0; i < n; i++) {
        const res_series *s = res_mo_get(r, i);
        if (!same_group(s, s0)) continue;
        size_t run = median_run(s), ne = s->n_evals[run], base = run * s->cap;
        fprintf(f, "\n\n# %s run %zu\n", s->strategy, run);
        double *a = nb_xcalloc_array(ne ? ne : 1, sizeof *a), *b = nb_xcalloc_array(ne ? ne : 1, sizeof *b);
        size_t *keep = nb_xcalloc_array(ne ? ne : 1, sizeof *keep);
        for (size_t e = 0; e < ne; e++) {
            a[e] = isfinite(s->eval_latency[base + e]) ? -(double)s->eval_score[base + e] : NAN;
            b[e] = s->eval_latency[base + e];
        }
        size_t k = res_pareto_filter(b, a, ne, keep); /* by latency ascending */
        for (size_t j = 0; j < k; j++) {
            double acc = s->eval_test[base + keep[j]];
            fprintf(f, "%.6g %.4f %d\n", (double)s->eval_latency[base + keep[j]], acc,
                    s->eval_arch[base + keep[j]]);
            if (isfinite(acc)) {
                y_lo = fmin(y_lo, acc);
                y_hi = fmax(y_hi, acc);
                accs = nb_xrealloc_array(accs, n_acc + 1, sizeof *accs);
                accs[n_acc++] = acc;
            }
        }
        free(a);
        free(b);
        free(keep);
    }
    if ((st = rp_close(dir, dat, f, NB_OK))) return st;
    if ((st = rp_open(dir, gpf, &f))) return st;
    fprintf(f, "# %s - written by nastab mo-report; rerun with: gnuplot %s\n", gpf, gpf);
    fputs("# The table's true front (grey staircase: the best test accuracy reachable\n"
          "# within each latency) and each strategy's median run (by final HV): the run's\n"
          "# front is chosen by search score and drawn at test accuracy, so its points are\n"
          "# joined by plain lines, which may step down, not by a staircase.\n", f);
    rp_gp_begin(f, formats, stem, fmin(rp_fig_width(formats), 3.25), 2.6);
    fputs("set key bottom right samplen 2 spacing 1.0\nset ylabel \"test accuracy [%]\" offset 1,0\n", f);
    /* A degenerate fast corner (a cell at 10 %, chance level) would stretch
     * the axis over the empty middle: the bottom is the runs' lowest point
     * but no more than 3x the spread above the median below the median. */
    if (n_acc > 2) {
        qsort(accs, n_acc, sizeof *accs, cmp_double);
        double med = accs[n_acc / 2];
        y_lo = fmax(y_lo, med - 3 * (accs[n_acc - 1] - med));
    }
    free(accs);
    if (isfinite(y_lo) && isfinite(y_hi) && y_hi > y_lo) {
        double pad = 0.05 * (y_hi - y_lo);
        fprintf(f, "set yrange [%.3f:%.3f]\n", y_lo - pad, y_hi + pad);
    }
    fputs("set xlabel ", f);
    {
        char t[160];
        snprintf(t, sizeof t, "latency on %s [ms]", s0->device);
        rp_gp_str(f, t);
    }
    fputs("\nplot ", f);
    rp_gp_str(f, dat);
    fputs(" index 0 using 1:2 with steps lc rgb \"#888888\" lw 2.5 title \"true front\"", f);
    size_t block = 1;
    for (size_t i = 0; i < n; i++) {
        const res_series *s = res_mo_get(r, i);
        if (!same_group(s, s0)) continue;
        const char *col = rp_color(s->strategy);
        fputs(", \\\n     ", f);
        rp_gp_str(f, dat);
        fprintf(f, " index %zu using 1:2 with points lc rgb \"%s\" pt %zu ps 0.5 notitle, \\\n     ",
                block, col, block % 7 + 4);
        rp_gp_str(f, dat);
        fprintf(f, " index %zu using 1:2 with lines lc rgb \"%s\" dt %d lw 1.2 title ", block, col,
                rp_dash(s->strategy));
        rp_gp_str(f, s->strategy);
        block++;
    }
    fputc('\n', f);
    rp_gp_end(f);
    return rp_close(dir, gpf, f, NB_OK);
}

static nb_status write_hv_files(const res_mo_results *r, size_t g0, const char *dir,
                                const char *stem, int formats)
{
    const res_series *s0 = res_mo_get(r, g0);
    char dat[300], gpf[300];
    snprintf(dat, sizeof dat, "%s.dat", stem);
    snprintf(gpf, sizeof gpf, "%s.gp", stem);
    FILE *f;
    nb_status st = rp_open(dir, dat, &f);
    if (st) return st;
    fprintf(f, "# %s, %s: hypervolume regret (true %.6f minus run's) over runs\n"
               "# one block per strategy; columns: time mean lo95 hi95 (t interval of the mean,"
               " lo clipped at %g for the log axis)\n",
            s0->dataset, s0->device, s0->hv_true, HV_REGRET_FLOOR);
    size_t n = res_mo_count(r);
    float *v = NULL;
    double m_lo = INFINITY, m_hi = -INFINITY, r_lo, r_hi;
    for (size_t i = 0; i < n; i++) {
        const res_series *s = res_mo_get(r, i);
        if (!same_group(s, s0)) continue;
        v = nb_xrealloc_array(v, s->runs, sizeof *v);
        fprintf(f, "# %s\n", s->strategy);
        for (size_t g = 0; g < s->grid; g++) {
            for (size_t k = 0; k < s->runs; k++)
                v[k] = (float)(s->hv_true - s->hv[k * s->grid + g]);
            rep_stats stt = rep_stats_of(v, s->runs, 1);
            double ci = isfinite(stt.ci95) ? stt.ci95 : 0.0;
            double lo = stt.mean - ci, hi = stt.mean + ci;
            if (lo < HV_REGRET_FLOOR) lo = HV_REGRET_FLOOR;
            if (isfinite(stt.mean) && stt.mean > 0) m_lo = fmin(m_lo, stt.mean);
            if (isfinite(hi)) m_hi = fmax(m_hi, hi);
            fprintf(f, "%.6g %.6g %.6g %.6g\n", s->time[g], stt.mean, lo, hi);
        }
        fputs("\n\n", f);
    }
    free(v);
    rp_log_range(isfinite(m_lo) ? m_lo : HV_REGRET_FLOOR, m_hi, &r_lo, &r_hi);
    if ((st = rp_close(dir, dat, f, NB_OK))) return st;
    if ((st = rp_open(dir, gpf, &f))) return st;
    fprintf(f, "# %s - written by nastab mo-report; rerun with: gnuplot %s\n"
               "# Mean hypervolume regret over runs with a shaded 95%% t band.\n",
            gpf, gpf);
    rp_gp_begin(f, formats, stem, fmin(rp_fig_width(formats), 3.25), 2.4);
    fprintf(f, "set key top right samplen 2\nset xrange [0:%.10g]\n"
               "set xlabel \"simulated time [s]\"\nset ylabel \"hypervolume regret\" offset 1,0\n",
            s0->budget);
    rp_gp_log_axis(f, 'y', r_lo, r_hi);
    fputs("plot ", f);
    size_t block = 0;
    for (int layer = 0; layer < 2; layer++) {
        block = 0;
        for (size_t i = 0; i < n; i++) {
            const res_series *s = res_mo_get(r, i);
            if (!same_group(s, s0)) continue;
            if (layer || block) fputs(", \\\n     ", f);
            rp_gp_str(f, dat);
            if (!layer) {
                /* the band's lower edge is clipped at the axis bottom, so
                 * that a band reaching below it is drawn flat along the
                 * axis instead of running off the panel */
                fprintf(f, " index %zu using 1:($3 < %.6g ? %.6g : $3):4 with filledcurves "
                           "fc rgb \"%s\" fs transparent solid 0.2 noborder notitle",
                        block, r_lo, r_lo, rp_color(s->strategy));
            } else {
                fprintf(f, " index %zu using 1:2 with lines lc rgb \"%s\" dt %d lw 1.5 title ",
                        block, rp_color(s->strategy), rp_dash(s->strategy));
                rp_gp_str(f, s->strategy);
            }
            block++;
        }
    }
    fputc('\n', f);
    rp_gp_end(f);
    return rp_close(dir, gpf, f, NB_OK);
}

static nb_status write_md(const res_mo_results *r, const size_t *first, size_t ng,
                          const char *dir, int formats)
{
    const char *ext = formats & REP_FMT_PNG ? "png" : formats & REP_FMT_SVG ? "svg" : NULL;
    FILE *f;
    nb_status st = rp_open(dir, "mo_report.md", &f);
    if (st) return st;
    fprintf(f, "# Multi-objective search: accuracy vs latency\n\n"
               "Hypervolume (HV) on normalised objectives (1 - test acc/100, latency / "
               "(1.1 x the column's maximum)), reference point (1, 1); a run's front is chosen "
               "by its search score and measured on the table's final test accuracy (200 epochs on "
               "NB201; results/MO_RESULTS.md). Mean ± 95%% t half-width over runs.\n"
               "Constrained incumbent: best search score with latency <= L; its test accuracy "
               "(mean ± std over runs that have one).\n\n");
    const char *cmd = res_mo_attr(r, "command");
    if (cmd) fprintf(f, "Command: `%s`\n\n", cmd);
    size_t n = res_mo_count(r);
    for (size_t gi = 0; gi < ng; gi++) {
        const res_series *s0 = res_mo_get(r, first[gi]);
        fprintf(f, "## %s, %s\n\nTrue front: %zu cells, HV %.4f. Latency bound L = %.4g; the "
                   "table's best feasible cell by validation accuracy tests at %.2f %% (a run's "
                   "incumbent, chosen by its own search score, can test higher). Budget %.0f s.\n\n",
                s0->dataset, s0->device, s0->n_front, s0->hv_true, (double)s0->latency_max,
                (double)s0->optimum_feasible, s0->budget);
        fputs("| strategy | runs | evals | final HV | HV regret | feasible runs | feasible test acc [%] |\n"
              "|---|---:|---:|---:|---:|---:|---:|\n", f);
        for (size_t i = 0; i < n; i++) {
            const res_series *s = res_mo_get(r, i);
            if (!same_group(s, s0)) continue;
            rep_stats hv = rep_mo_final_hv(s);
            rep_stats acc = rep_stats_of(s->final_test, s->runs, 1);
            double ev = 0;
            for (size_t k = 0; k < s->runs; k++) ev += s->n_evals[k];
            ev /= (double)s->runs;
            fprintf(f, "| %s | %zu | %.1f | %.4f ± %.4f | %.4f | %zu | %.2f ± %.2f |\n",
                    s->strategy, s->runs, ev, hv.mean, isfinite(hv.ci95) ? hv.ci95 : 0.0,
                    s->hv_true - hv.mean, acc.n, acc.mean, isfinite(acc.std) ? acc.std : 0.0);
        }
        fputc('\n', f);
        if (ext) {
            char d[64], dev[128];
            rp_safe_name(s0->dataset, d, sizeof d);
            rp_safe_name(s0->device, dev, sizeof dev);
            fprintf(f, "![front](front_%s_%s.%s)\n\n*Pareto fronts:* the best test accuracy "
                       "reachable within each latency [ms] for the table's true front (grey "
                       "staircase), and the front of each strategy's median run by final "
                       "hypervolume (points joined by lines). A run's front is chosen by its "
                       "search score and drawn at test accuracy, so it can step down where a "
                       "cell that searched better tests worse.\n\n"
                       "![hypervolume](hv_%s_%s.%s)\n\n*Hypervolume regret* over simulated time "
                       "(log scale): mean over runs with a shaded 95 %% t band, its lower edge "
                       "clipped at the axis bottom.\n\n",
                    d, dev, ext, d, dev, ext);
        }
    }
    return rp_close(dir, "mo_report.md", f, NB_OK);
}

nb_status rep_mo_report(const res_mo_results *r, const char *dir, int formats)
{
    NB_ASSERT(r && dir);
    nb_status st = rp_mkdir_p(dir);
    if (st) return st;
    size_t n = res_mo_count(r);
    size_t *first = nb_xcalloc_array(n ? n : 1, sizeof *first);
    size_t ng = groups_of(r, first);
    if ((st = write_md(r, first, ng, dir, formats))) goto done;
    int figs = formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG);
    nb_status tool = NB_OK;
    for (size_t gi = 0; gi < ng; gi++) {
        const res_series *s0 = res_mo_get(r, first[gi]);
        char ds[64], dev[128], stem[256];
        rp_safe_name(s0->dataset, ds, sizeof ds);
        rp_safe_name(s0->device, dev, sizeof dev);
        snprintf(stem, sizeof stem, "front_%s_%s", ds, dev);
        if ((st = write_front_files(r, first[gi], dir, stem, figs))) goto done;
        char gp[300];
        snprintf(gp, sizeof gp, "%s.gp", stem);
        if (figs && tool == NB_OK) tool = rp_gnuplot(dir, gp);
        snprintf(stem, sizeof stem, "hv_%s_%s", ds, dev);
        if ((st = write_hv_files(r, first[gi], dir, stem, figs))) goto done;
        snprintf(gp, sizeof gp, "%s.gp", stem);
        if (figs && tool == NB_OK) tool = rp_gnuplot(dir, gp);
    }
    st = tool;
done:
    free(first);
    return st;
}
