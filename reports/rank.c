/* reports/rank.c - ranking many strategies: mid-ranks, the Friedman test with
 * the Iman-Davenport F, the Nemenyi critical difference, average rank over
 * simulated time, and the gnuplot figures (rank vs time, CD diagram).
 * Reference: J. Demsar, "Statistical comparisons of classifiers over
 * multiple data sets", JMLR 7 (2006), sec. 3.2.2. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/rep.h"
#include "reports/rep_private.h"

/* ---- ranks ---- */

void rep_rank_avg(const double *x, size_t n, double *ranks) { nb_rank_avg(x, n, ranks); }

double rep_spearman(const double *x, const double *y, size_t n) { return nb_spearman(x, y, n); }

/* ---- special functions ---- */

/* Regularised upper incomplete gamma Q(a, x): the series for P when
 * x < a + 1, else the continued fraction for Q (modified Lentz). */
static double gamma_q(double a, double x)
{
    if (x <= 0) return 1;
    double lg = a * log(x) - x - lgamma(a);
    if (x < a + 1) {
        double term = 1 / a, sum = term;
        for (int n = 1; n < 1000; n++) {
            term *= x / (a + n);
            sum += term;
            if (fabs(term) < fabs(sum) * 1e-16) break;
        }
        return 1 - sum * exp(lg);
    }
    double tiny = 1e-300, b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
    for (int i = 1; i < 1000; i++) {
        double an = -i * (i - a);
        b += 2;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16) break;
    }
    return exp(lg) * h;
}

double rep_chi2_sf(double x, double df) { return gamma_q(df / 2, x / 2); }

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double beta_cf(double a, double b, double x)
{
    double tiny = 1e-300, qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m < 1000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16) break;
    }
    return h;
}

/* Regularised incomplete beta I_x(a, b). */
static double beta_inc(double a, double b, double x)
{
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2)) return exp(lbt) * beta_cf(a, b, x) / a;
    return 1 - exp(lbt) * beta_cf(b, a, 1 - x) / b;
}

/* P(F > f) for F(d1, d2) = I_{d2/(d2 + d1 f)}(d2/2, d1/2). */
double rep_f_sf(double f, double d1, double d2)
{
    if (f <= 0) return 1;
    return beta_inc(d2 / 2, d1 / 2, d2 / (d2 + d1 * f));
}

static double norm_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* Range of k iid N(0,1) (the studentized range with infinite df):
 * P(W <= q) = k * int phi(z) [Phi(z) - Phi(z - q)]^(k-1) dz, by Simpson's
 * rule on [-9, 9] (phi is below 1e-17 outside). */
double rep_range_cdf(double q, size_t k)
{
    NB_ASSERT(k >= 2);
    if (q <= 0) return 0;
    const int n = 3600; /* even */
    double lo = -9, hi = 9, h = (hi - lo) / n, sum = 0;
    for (int i = 0; i <= n; i++) {
        double z = lo + i * h;
        double f = exp(-0.5 * z * z) / sqrt(2 * M_PI) * pow(norm_cdf(z) - norm_cdf(z - q), (double)(k - 1));
        sum += f * (i == 0 || i == n ? 1 : (i % 2 ? 4 : 2));
    }
    double p = (double)k * sum * h / 3;
    return p > 1 ? 1 : p;
}

double rep_nemenyi_q(size_t k, double alpha)
{
    NB_ASSERT(k >= 2 && alpha > 0 && alpha < 1);
    double lo = 0, hi = 12;
    for (int it = 0; it < 60; it++) {
        double mid = 0.5 * (lo + hi);
        if (rep_range_cdf(mid, k) < 1 - alpha) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi) / sqrt(2.0);
}

/* ---- Friedman ---- */

nb_status rep_friedman(const double *scores, size_t n, size_t k, double alpha, double *avg_ranks,
                       rep_friedman_result *out)
{
    if (k < 2 || k > 50) return nb_fail(NB_EINVAL, "Friedman test: %zu strategies, need 2 to 50", k);
    if (n < 2) return nb_fail(NB_EINVAL, "Friedman test: %zu datasets, need at least 2", n);
    double *r = nb_xcalloc_array(k, sizeof *r);
    for (size_t j = 0; j < k; j++) avg_ranks[j] = 0;
    for (size_t i = 0; i < n; i++) {
        rep_rank_avg(scores + i * k, k, r);
        for (size_t j = 0; j < k; j++) avg_ranks[j] += r[j] / (double)n;
    }
    free(r);
    double dk = (double)k, dn = (double)n, ss = 0;
    for (size_t j = 0; j < k; j++) ss += avg_ranks[j] * avg_ranks[j];
    /* Demsar eq. (1)-(2): chi2_F = 12N/(k(k+1)) [sum R_j^2 - k(k+1)^2/4];
     * F_F = (N-1) chi2_F / (N(k-1) - chi2_F). */
    out->k = k;
    out->n = n;
    out->chi2 = 12 * dn / (dk * (dk + 1)) * (ss - dk * (dk + 1) * (dk + 1) / 4);
    if (out->chi2 < 0) out->chi2 = 0;
    out->chi2_p = rep_chi2_sf(out->chi2, dk - 1);
    double den = dn * (dk - 1) - out->chi2;
    /* chi2 reaches its maximum n (k-1) exactly when all blocks agree;
     * rounding may leave a tiny positive den, hence the relative test. */
    out->identical = den <= 1e-9 * dn * (dk - 1);
    out->ff = out->identical ? NAN : (dn - 1) * out->chi2 / den;
    out->ff_p = out->identical ? NAN : rep_f_sf(out->ff, dk - 1, (dk - 1) * (dn - 1));
    out->q = rep_nemenyi_q(k, alpha);
    out->cd = out->q * sqrt(dk * (dk + 1) / (6 * dn));
    return NB_OK;
}

size_t rep_independent_datasets(const char **ds, size_t n, const char **out)
{
    int has_c10 = 0;
    for (size_t i = 0; i < n; i++) has_c10 |= !strcmp(ds[i], "cifar10");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!(has_c10 && !strcmp(ds[i], "cifar10-valid"))) out[m++] = ds[i];
    return m;
}

/* ---- average rank over time ---- */

nb_status rep_rank_over_time(const res_results *r, const char *dataset, size_t *n_strategies,
                             const char ***names_out, double **ranks_out, size_t *grid_out)
{
    size_t total = res_results_count(r), k = 0;
    const res_series **s = nb_xcalloc_array(total ? total : 1, sizeof *s);
    for (size_t i = 0; i < total; i++) {
        const res_series *x = res_results_get(r, i);
        if (!strcmp(x->dataset, dataset)) s[k++] = x;
    }
    if (k < 2) {
        free(s);
        return nb_fail(NB_ENOTFOUND, "rank over time: %zu strateg%s on %s, need 2", k, k == 1 ? "y" : "ies",
                       dataset);
    }
    size_t grid = s[0]->grid, runs = s[0]->runs;
    for (size_t j = 1; j < k; j++) {
        if (s[j]->grid != grid || fabs(s[j]->budget - s[0]->budget) > 1e-9 * s[0]->budget ||
            strcmp(res_budget_unit(s[j]), res_budget_unit(s[0]))) {
            nb_status st = nb_fail(NB_EINVAL, "rank over time on %s: %s and %s have different grids, budgets "
                                   "or budget units",
                                   dataset, s[0]->strategy, s[j]->strategy);
            free(s);
            return st;
        }
        if (s[j]->runs < runs) runs = s[j]->runs;
    }
    double *ranks = nb_xcalloc_array(k * grid, sizeof *ranks);
    double *v = nb_xcalloc_array(k, sizeof *v), *rk = nb_xcalloc_array(k, sizeof *rk);
    for (size_t g = 0; g < grid; g++) {
        for (size_t i = 0; i < runs; i++) {
            /* Lower regret is better; no incumbent yet (NaN) ranks last. */
            for (size_t j = 0; j < k; j++) {
                float acc = s[j]->test[i * grid + g];
                v[j] = isnan(acc) ? NAN : (double)s[j]->optimum_test - (double)acc;
            }
            rep_rank_avg(v, k, rk);
            for (size_t j = 0; j < k; j++) ranks[j * grid + g] += rk[j] / (double)runs;
        }
    }
    const char **names = nb_xcalloc_array(k, sizeof *names);
    for (size_t j = 0; j < k; j++) names[j] = s[j]->strategy;
    free(v);
    free(rk);
    free(s);
    *n_strategies = k;
    *names_out = names;
    *ranks_out = ranks;
    *grid_out = grid;
    return NB_OK;
}

/* ---- figures ---- */

/* gnuplot-safe copy of a name for a double-quoted string (no quotes or
 * backslashes; the terminals are noenhanced, so '_' stays as it is). */
static void gp_name(const char *s, char *out, size_t n)
{
    size_t j = 0;
    for (; *s && j + 1 < n; s++) {
        if (*s == '"' || *s == '\\' || *s == '\'') continue;
        out[j++] = *s;
    }
    out[j] = '\0';
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f;
    return rp_open(dir, name, &f) == NB_OK ? f : NULL;
}

/* path is "dir/name" as open_in made it. */
static nb_status close_file(FILE *f, const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    return rp_close(dir, slash + 1, f, NB_OK);
}

static nb_status rank_time_figure(const char *dir, const char *dataset, size_t k, const char **names,
                                  const double *ranks, const double *time, size_t grid, double budget,
                                  const char *unit, int formats, int *wrote_script)
{
    int epochs = !strcmp(unit, RES_UNIT_EPOCHS); /* `nastab search` results: the axis counts epochs */
    char path[4096], base[96];
    snprintf(base, sizeof base, "rank_%s", dataset);
    char dat[128], gp[128];
    snprintf(dat, sizeof dat, "%s.dat", base);
    snprintf(gp, sizeof gp, "%s.gp", base);
    FILE *f = open_in(dir, dat, path, sizeof path);
    if (!f) return NB_EIO;
    fprintf(f, epochs ? "# epoch" : "# time_s");
    for (size_t j = 0; j < k; j++) fprintf(f, " %s", names[j]);
    fprintf(f, "\n");
    for (size_t g = 0; g < grid; g++) {
        fprintf(f, "%.6g", time[g]);
        for (size_t j = 0; j < k; j++) fprintf(f, " %.6f", ranks[j * grid + g]);
        fprintf(f, "\n");
    }
    nb_status st = close_file(f, path);
    if (st != NB_OK) return st;
    if (!(formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG))) return NB_OK;
    if (!(f = open_in(dir, gp, path, sizeof path))) return NB_EIO;
    fprintf(f, "# %s - written by nastab report; rerun in this folder: gnuplot %s\n"
               "# Average rank of test regret over %s (1 = best; run i of each\n"
               "# strategy paired), legend right of the axes.\n", gp, gp,
            epochs ? "search epochs" : "simulated time");
    double w = fmin(rp_fig_width(formats), 5.5), budget_max = budget > 0 ? budget : time[grid - 1];
    rp_gp_begin(f, formats, base, w, 2.2);
    size_t chars = 0;
    for (size_t j = 0; j < k; j++) chars = strlen(names[j]) > chars ? strlen(names[j]) : chars;
    /* Legend outside the axes on the right: its width from the longest name. */
    double wpt = 72 * w, key = (double)chars * 0.55 * RP_FONT_PT + 30;
    double pw = wpt - 36 - key - 8, label = (floor(log10(fmax(budget_max, 1))) + 1) * 4.4 + 12;
    double step = rp_nice_step(budget_max, (int)fmax(2, floor(pw / label)));
    if (epochs) step = fmax(1, ceil(step)); /* whole epochs */
    fprintf(f, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", 36 / wpt, (wpt - key) / wpt);
    fprintf(f, "set xlabel \"%s\" offset 0,0.4\nset ylabel \"average rank\" offset 1,0\n"
               "set xrange [0:%.10g]\nset xtics %.10g\nset format x \"%%.0f\"\n"
               "set yrange [%g:0.8]\nset ytics 1\n"
               "set key at screen 1, graph 1 right top vertical Left reverse samplen 2 spacing 1.0\n",
            epochs ? "search epoch" : "simulated time [s]", budget_max, step, (double)k + 0.2);
    fputs("plot ", f);
    for (size_t j = 0; j < k; j++) {
        fprintf(f, "%s\"%s\" using 1:%zu with lines lc rgb \"%s\" dt %d lw 1.5 title ", j ? ", \\\n     " : "", dat,
                j + 2, rp_color(names[j]), rp_dash(names[j]));
        rp_gp_str(f, names[j]);
    }
    fputc('\n', f);
    rp_gp_end(f);
    if ((st = close_file(f, path)) != NB_OK) return st;
    *wrote_script = 1;
    return rp_gnuplot(dir, gp);
}

/* Number of CD bars: maximal runs of consecutive strategies (by rank, ord)
 * whose average ranks differ by less than cd. */
static size_t cd_bar_count(const size_t *ord, const double *avg, size_t k, double cd)
{
    size_t n = 0;
    for (size_t i = 0, last = 0; i < k; i++) {
        size_t e = i;
        while (e + 1 < k && avg[ord[e + 1]] - avg[ord[i]] < cd) e++;
        if (e > i && (n == 0 || e > last)) last = e, n++;
    }
    return n;
}

/* Critical-difference diagram in Demsar's layout (2006, fig. 1-2): a rank
 * axis on top (1 at the left), each strategy's average rank with a line down
 * and out to its name (the better half on the left, the worse on the right),
 * the CD as a bar above the axis, and thick bars joining groups whose ranks
 * differ by less than the CD. The canvas is sized to its content: width from
 * the longest label, height from the number of rows. */
static nb_status cd_figure(const char *dir, size_t k, const char **names, const double *avg, double cd,
                           double alpha, int formats)
{
    size_t *ord = nb_xcalloc_array(k, sizeof *ord);
    for (size_t j = 0; j < k; j++) ord[j] = j;
    for (size_t a = 1; a < k; a++) /* insertion sort by average rank */
        for (size_t b = a; b > 0 && avg[ord[b]] < avg[ord[b - 1]]; b--) {
            size_t t = ord[b];
            ord[b] = ord[b - 1];
            ord[b - 1] = t;
        }
    char path[4096];
    FILE *f = open_in(dir, "cd_diagram.gp", path, sizeof path);
    if (!f) {
        free(ord);
        return NB_EIO;
    }
    size_t half = (k + 1) / 2, chars = 0;
    for (size_t j = 0; j < k; j++) chars = strlen(names[j]) + 7 > chars ? strlen(names[j]) + 7 : chars;
    /* Coordinates: x in rank units, y in text lines (8 pt * 1.4) below the axis. */
    double w = fmin(rp_fig_width(formats), 3.25), wpt = 72 * w, line = 1.4 * RP_FONT_PT;
    /* 0.66 em per character covers the widest lower-case runs of Helvetica
     * and of the fonts substituted for it; the axis keeps at least 100 pt,
     * and the canvas grows (the labels are not shrunk or cut) when long
     * names need more than the column. */
    double label_pt = (double)chars * 0.66 * RP_FONT_PT + 8, axis_pt = wpt - 2 * label_pt;
    if (axis_pt < 100) {
        axis_pt = 100;
        wpt = axis_pt + 2 * label_pt;
        w = wpt / 72;
    }
    double unit = axis_pt / (double)(k > 1 ? k - 1 : 1); /* points per rank */
    double xlo = 1 - label_pt / unit, xhi = (double)k + label_pt / unit;
    double rows = (double)half + 1, top = 3.2, hpt = (rows + top) * line;
    fprintf(f, "# cd_diagram.gp - written by nastab report; rerun: gnuplot cd_diagram.gp\n"
               "# Nemenyi test at alpha = %g: CD = %.3f; bars join strategies whose average ranks\n"
               "# differ by less than CD (not significantly different).\n", alpha, cd);
    size_t n_bars = cd_bar_count(ord, avg, k, cd);
    if (n_bars > 1) hpt += 0.4 * (double)(n_bars - 1) * line;
    rp_gp_begin(f, formats, "cd_diagram", w, hpt / 72);
    /* The body runs once per format: start each pass without the previous
     * pass's labels and arrows (else the SVG holds each text three times). */
    fprintf(f, "unset label\nunset arrow\nunset border\nunset xtics\nunset ytics\nunset grid\nunset key\n"
               "set lmargin 0\nset rmargin 0\nset tmargin 0\nset bmargin 0\n"
               "set xrange [%g:%g]\nset yrange [%g:%g]\n",
            xlo, xhi, -rows, top);
    fprintf(f, "set arrow from 1,0 to %zu,0 nohead lw 1\n", k);
    for (size_t r = 1; r <= k; r++)
        fprintf(f, "set arrow from %zu,0 to %zu,0.3 nohead lw 1\nset label \"%zu\" at %zu,0.9 center\n", r, r, r, r);
    double cdx = fmin(1 + cd, (double)k + 0.5 * label_pt / unit);
    fprintf(f, "set arrow from 1,2.2 to %g,2.2 nohead lw 1.5\nset arrow from 1,2.0 to 1,2.4 nohead lw 1\n"
               "set arrow from %g,2.0 to %g,2.4 nohead lw 1\nset label \"CD = %.2f\" at %g,2.8 center\n",
            cdx, cdx, cdx, cd, 0.5 * (1 + cdx));
    /* The name rows start below the CD bars. */
    double drop = n_bars > 1 ? 0.4 * (double)(n_bars - 1) : 0;
    rows += drop;
    fprintf(f, "set yrange [%g:%g]\n", -rows, top);
    for (size_t i = 0; i < k; i++) {
        size_t j = ord[i];
        int left = i < half;
        size_t level = left ? i : k - 1 - i;
        double y = -(double)level - 1.0 - drop, xe = left ? 1 - 0.15 * label_pt / unit : (double)k + 0.15 * label_pt / unit;
        char nm[96];
        gp_name(names[j], nm, sizeof nm);
        fprintf(f, "set arrow from %g,0 to %g,%g nohead lc rgb \"%s\" lw 1\n"
                   "set arrow from %g,%g to %g,%g nohead lc rgb \"%s\" lw 1\n",
                avg[j], avg[j], y, rp_color(names[j]), avg[j], y, xe, y, rp_color(names[j]));
        fprintf(f, "set label \"%s (%.2f)\" at %g,%g %s\n", nm, avg[j], left ? xe - 0.03 * label_pt / unit : xe + 0.03 * label_pt / unit, y,
                left ? "right" : "left");
    }
    /* Maximal runs of consecutive strategies within CD of each other. */
    size_t last_end = 0, bars = 0;
    for (size_t i = 0; i < k; i++) {
        size_t e = i;
        while (e + 1 < k && avg[ord[e + 1]] - avg[ord[i]] < cd) e++;
        if (e > i && (bars == 0 || e > last_end)) {
            double y = -0.3 - 0.4 * (double)bars;
            fprintf(f, "set arrow from %g,%g to %g,%g nohead lw 3\n", avg[ord[i]] - 0.02, y, avg[ord[e]] + 0.02, y);
            last_end = e;
            bars++;
        }
    }
    fputs("plot NaN notitle\n", f);
    rp_gp_end(f);
    free(ord);
    nb_status st = close_file(f, path);
    if (st != NB_OK) return st;
    return rp_gnuplot(dir, "cd_diagram.gp");
}

nb_status rep_rank_report(const res_results *r, const char *dir, int formats)
{
    nb_status st = rp_mkdir_p(dir), tool = NB_OK;
    if (st != NB_OK) return st;
    char tool_msg[512] = "";
    size_t total = res_results_count(r);
    /* Distinct datasets and strategies in file order. */
    const char **ds = nb_xcalloc_array(total + 1, sizeof *ds), **st_names = nb_xcalloc_array(total + 1, sizeof *st_names);
    size_t nd = 0, ns = 0;
    for (size_t i = 0; i < total; i++) {
        const res_series *s = res_results_get(r, i);
        size_t a = 0, b = 0;
        while (a < nd && strcmp(ds[a], s->dataset)) a++;
        if (a == nd) ds[nd++] = s->dataset;
        while (b < ns && strcmp(st_names[b], s->strategy)) b++;
        if (b == ns) st_names[ns++] = s->strategy;
    }
    char path[4096];
    FILE *md = open_in(dir, "ranks.md", path, sizeof path);
    if (!md) {
        free(ds);
        free(st_names);
        return NB_EIO;
    }
    fprintf(md, "# Ranking\n\nRank of each strategy's test regret among the strategies (1 = best), pairing run i "
                "of every strategy, averaged over runs.\n\n");
    for (size_t d = 0; d < nd && st == NB_OK; d++) {
        size_t k, grid;
        const char **names;
        double *ranks;
        if (rep_rank_over_time(r, ds[d], &k, &names, &ranks, &grid) != NB_OK) continue;
        const res_series *s0 = NULL;
        for (size_t i = 0; i < total && !s0; i++)
            if (!strcmp(res_results_get(r, i)->dataset, ds[d])) s0 = res_results_get(r, i);
        fprintf(md, "## %s\n\n| strategy | rank at 10%% | 50%% | end of budget | mean over time |\n|---|---|---|---|---|\n",
                rp_display_name(ds[d]));
        for (size_t j = 0; j < k; j++) {
            double mean = 0;
            for (size_t g = 0; g < grid; g++) mean += ranks[j * grid + g] / (double)grid;
            fprintf(md, "| %s | %.2f | %.2f | %.2f | %.2f |\n", names[j], ranks[j * grid + (grid - 1) / 10],
                    ranks[j * grid + (grid - 1) / 2], ranks[j * grid + grid - 1], mean);
        }
        fprintf(md, "\nFigure: rank_%s.{png,pdf,svg}\n\n", ds[d]);
        int wrote = 0;
        nb_status fs = rank_time_figure(dir, ds[d], k, names, ranks, s0->time, grid, s0->budget,
                                        res_budget_unit(s0), formats, &wrote);
        if (fs == NB_ETOOL) {
            tool = fs;
            snprintf(tool_msg, sizeof tool_msg, "%s", nb_errmsg());
        } else if (fs != NB_OK) {
            st = fs;
        }
        free(names);
        free(ranks);
    }
    /* Critical differences over the independent datasets that have every
     * strategy (cifar10-valid and cifar10 are one block: see
     * rep_independent_datasets). */
    size_t n_full = 0, n_all = 0;
    for (size_t d = 0; d < nd; d++) {
        size_t have = 0;
        for (size_t i = 0; i < total; i++)
            if (!strcmp(res_results_get(r, i)->dataset, ds[d])) have++;
        if (have == ns) ds[n_all++] = ds[d];
    }
    n_full = rep_independent_datasets(ds, n_all, ds);
    int dropped = n_full < n_all;
    if (st == NB_OK && ns >= 2 && n_full >= 2) {
        double *scores = nb_xcalloc_array(n_full * ns, sizeof *scores), *avg = nb_xcalloc_array(ns, sizeof *avg);
        for (size_t i = 0; i < total; i++) {
            const res_series *s = res_results_get(r, i);
            size_t d = 0, j = 0;
            while (d < n_full && strcmp(ds[d], s->dataset)) d++;
            while (j < ns && strcmp(st_names[j], s->strategy)) j++;
            if (d == n_full) continue;
            double *fin = nb_xcalloc_array(s->runs ? s->runs : 1, sizeof *fin);
            double *auc = nb_xcalloc_array(s->runs ? s->runs : 1, sizeof *auc), sum = 0;
            rep_series_regret(s, fin, auc);
            for (size_t q = 0; q < s->runs; q++) sum += fin[q];
            scores[d * ns + j] = s->runs ? sum / (double)s->runs : NAN;
            free(fin);
            free(auc);
        }
        rep_friedman_result fr;
        if (rep_friedman(scores, n_full, ns, 0.05, avg, &fr) == NB_OK) {
            fprintf(md, "## Across datasets\n\nMean final test regret per dataset, ranked per dataset; "
                        "Friedman test over %zu independent datasets (", n_full);
            for (size_t d = 0; d < n_full; d++) fprintf(md, "%s%s", d ? ", " : "", rp_display_name(ds[d]));
            fprintf(md, ")%s and %zu strategies: chi2 = %.3f (p = %.3g); ",
                    dropped ? "; CIFAR-10-valid is left out because it holds the same searches as "
                              "CIFAR-10 (only the reported test split differs), so it is not an "
                              "independent block,"
                            : "",
                    ns, fr.chi2, fr.chi2_p);
            if (fr.identical)
                fputs("Iman-Davenport F not defined: the rankings are identical on every dataset "
                      "(perfect agreement, chi2 at its maximum n (k-1)). ", md);
            else
                fprintf(md, "Iman-Davenport F = %.3f (p = %.3g). ", fr.ff, fr.ff_p);
            fprintf(md, "Nemenyi critical difference at alpha 0.05: q = %.3f, CD = %.3f "
                        "(Demsar 2006).\n\n| strategy | average rank |\n|---|---|\n",
                    fr.q, fr.cd);
            for (size_t j = 0; j < ns; j++) fprintf(md, "| %s | %.3f |\n", st_names[j], avg[j]);
            fprintf(md, "\nFigure: cd_diagram.{png,pdf,svg}\n");
            nb_status ts = rp_write_ranks_tex(dir, st_names, avg, ns, ds, n_full, dropped, &fr);
            if (ts != NB_OK) st = ts;
            if (formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG)) {
                nb_status fs = cd_figure(dir, ns, st_names, avg, fr.cd, 0.05, formats);
                if (fs == NB_ETOOL) {
                    tool = fs;
                    snprintf(tool_msg, sizeof tool_msg, "%s", nb_errmsg());
                } else if (fs != NB_OK) {
                    st = fs;
                }
            }
        }
        free(scores);
        free(avg);
    }
    nb_status cs = close_file(md, path);
    free(ds);
    free(st_names);
    if (st != NB_OK) return st;
    if (cs != NB_OK) return cs;
    if (tool != NB_OK) return nb_fail(tool, "%s", tool_msg);
    return NB_OK;
}
