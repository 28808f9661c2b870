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

typedef struct {
    double v;
    size_t i;
} val_index;

static int cmp_vi(const void *a, const void *b)
{
    const val_index *x = a, *y = b;
    if (x->v != y->v) return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i);
}

/* NaN sorts last (as +inf). */
void rep_rank_avg(const double *x, size_t n, double *ranks)
{
    val_index *a = nb_xcalloc_array(n ? n : 1, sizeof *a);
    for (size_t i = 0; i < n; i++) a[i] = (val_index){isnan(x[i]) ? INFINITY : x[i], i};
    qsort(a, n, sizeof *a, cmp_vi);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && a[j + 1].v == a[i].v) j++;
        double mid = 0.5 * (double)(i + j) + 1.0;
        for (size_t k = i; k <= j; k++) ranks[a[k].i] = mid;
        i = j + 1;
    }
    free(a);
}

double rep_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2) return NAN;
    double *rx = nb_xcalloc_array(n, sizeof *rx), *ry = nb_xcalloc_array(n, sizeof *ry);
    rep_rank_avg(x, n, rx);
    rep_rank_avg(y, n, ry);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) {
        mx += rx[i];
        my += ry[i];
    }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    free(ry);
    return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
}

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
    out->ff = den > 0 ? (dn - 1) * out->chi2 / den : INFINITY;
    out->ff_p = den > 0 ? rep_f_sf(out->ff, dk - 1, (dk - 1) * (dn - 1)) : 0;
    out->q = rep_nemenyi_q(k, alpha);
    out->cd = out->q * sqrt(dk * (dk + 1) / (6 * dn));
    return NB_OK;
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
        if (s[j]->grid != grid || fabs(s[j]->budget - s[0]->budget) > 1e-9 * s[0]->budget) {
            nb_status st = nb_fail(NB_EINVAL, "rank over time on %s: %s and %s have different grids or budgets",
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

/* gnuplot-safe copy of a name (no quotes, backslashes, underscores-as-subscripts). */
static void gp_name(const char *s, char *out, size_t n)
{
    size_t j = 0;
    for (; *s && j + 3 < n; s++) {
        if (*s == '"' || *s == '\\' || *s == '\'') continue;
        if (*s == '_') out[j++] = '\\', out[j++] = '\\';
        out[j++] = *s;
    }
    out[j] = '\0';
}

/* The terminal lines for each asked format; the caller emits the plot after each. */
typedef struct {
    int flag;
    const char *term, *ext;
} gp_term;
static const gp_term gp_terms[] = {
    {REP_FMT_PNG, "pngcairo size 900,600 font 'sans,11'", "png"},
    {REP_FMT_PDF, "pdfcairo size 6in,4in font 'sans,9'", "pdf"},
    {REP_FMT_SVG, "svg size 900,600 font 'sans,11'", "svg"},
};

static FILE *open_in(const char *dir, const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) nb_fail(NB_EIO, "%s: cannot write: %s", path, strerror(errno));
    return f;
}

static nb_status close_file(FILE *f, const char *path)
{
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    return bad ? nb_fail(NB_EIO, "%s: write error", path) : NB_OK;
}

static nb_status rank_time_figure(const char *dir, const char *dataset, size_t k, const char **names,
                                  const double *ranks, const double *time, size_t grid, int formats,
                                  int *wrote_script)
{
    char path[4096], base[96];
    snprintf(base, sizeof base, "rank_%s", dataset);
    char dat[128], gp[128];
    snprintf(dat, sizeof dat, "%s.dat", base);
    snprintf(gp, sizeof gp, "%s.gp", base);
    FILE *f = open_in(dir, dat, path, sizeof path);
    if (!f) return NB_EIO;
    fprintf(f, "# time_s");
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
    char ds[64];
    gp_name(dataset, ds, sizeof ds);
    fprintf(f, "set title \"Average rank over simulated time: %s (1 = best; pairs run i of each strategy)\"\n", ds);
    fprintf(f, "set xlabel \"simulated time (s)\"\nset ylabel \"average rank of test regret\"\n");
    fprintf(f, "set yrange [%g:0.8]\nset key outside right\nset grid\n", (double)k + 0.2);
    for (size_t t = 0; t < sizeof gp_terms / sizeof gp_terms[0]; t++) {
        if (!(formats & gp_terms[t].flag)) continue;
        fprintf(f, "set terminal %s\nset output \"%s.%s\"\nplot ", gp_terms[t].term, base, gp_terms[t].ext);
        for (size_t j = 0; j < k; j++) {
            char nm[96];
            gp_name(names[j], nm, sizeof nm);
            fprintf(f, "%s\"%s\" using 1:%zu with lines lw 2 title \"%s\"", j ? ", " : "", dat, j + 2, nm);
        }
        fprintf(f, "\nset output\n");
    }
    if ((st = close_file(f, path)) != NB_OK) return st;
    *wrote_script = 1;
    return rp_gnuplot(dir, gp);
}

/* Critical-difference diagram (Demsar 2006, fig. 1-2): the rank axis, each
 * strategy's average rank with its label, and thick bars joining groups whose
 * ranks differ by less than the CD (not significantly different). */
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
    double dk = (double)k, half = ceil(dk / 2), xlo = 1 - 0.45 * (dk - 1) - 0.6, xhi = dk + 0.45 * (dk - 1) + 0.6;
    fprintf(f, "unset border\nunset xtics\nunset ytics\nunset key\n");
    fprintf(f, "set xrange [%g:%g]\nset yrange [%g:0.7]\n", xlo, xhi, -0.25 * (half + 1) - 0.3);
    fprintf(f, "set title \"Critical difference (Nemenyi, alpha = %g): CD = %.3f\"\n", alpha, cd);
    fprintf(f, "set arrow from 1,0 to %g,0 nohead lw 1.5\n", dk);
    for (size_t r = 1; r <= k; r++)
        fprintf(f, "set arrow from %zu,0 to %zu,0.08 nohead\nset label \"%zu\" at %zu,0.17 center\n", r, r, r, r);
    fprintf(f, "set arrow from 1,0.45 to %g,0.45 nohead lw 2\nset label \"CD\" at %g,0.55 center\n", 1 + cd,
            1 + cd / 2);
    for (size_t i = 0; i < k; i++) {
        size_t j = ord[i];
        int left = (double)i < half;
        size_t level = left ? i : k - 1 - i;
        double y = -0.25 * (double)(level + 1) - 0.15, xe = left ? 1 - 0.3 : dk + 0.3;
        char nm[96];
        gp_name(names[j], nm, sizeof nm);
        fprintf(f, "set arrow from %g,0 to %g,%g nohead\nset arrow from %g,%g to %g,%g nohead\n", avg[j], avg[j], y,
                avg[j], y, xe, y);
        fprintf(f, "set label \"%s (%.2f)\" at %g,%g %s\n", nm, avg[j], left ? xe - 0.05 : xe + 0.05, y,
                left ? "right" : "left");
    }
    /* Maximal runs of consecutive strategies within CD of each other. */
    size_t last_end = 0, bars = 0;
    for (size_t i = 0; i < k; i++) {
        size_t e = i;
        while (e + 1 < k && avg[ord[e + 1]] - avg[ord[i]] < cd) e++;
        if (e > i && (bars == 0 || e > last_end)) {
            double y = -0.06 - 0.07 * (double)bars;
            fprintf(f, "set arrow from %g,%g to %g,%g nohead lw 5\n", avg[ord[i]] - 0.03, y, avg[ord[e]] + 0.03, y);
            last_end = e;
            bars++;
        }
    }
    for (size_t t = 0; t < sizeof gp_terms / sizeof gp_terms[0]; t++) {
        if (!(formats & gp_terms[t].flag)) continue;
        fprintf(f, "set terminal %s\nset output \"cd_diagram.%s\"\nplot 1/0 notitle\nset output\n", gp_terms[t].term,
                gp_terms[t].ext);
    }
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
                ds[d]);
        for (size_t j = 0; j < k; j++) {
            double mean = 0;
            for (size_t g = 0; g < grid; g++) mean += ranks[j * grid + g] / (double)grid;
            fprintf(md, "| %s | %.2f | %.2f | %.2f | %.2f |\n", names[j], ranks[j * grid + (grid - 1) / 10],
                    ranks[j * grid + (grid - 1) / 2], ranks[j * grid + grid - 1], mean);
        }
        fprintf(md, "\nFigure: rank_%s.{png,pdf,svg}\n\n", ds[d]);
        int wrote = 0;
        nb_status fs = rank_time_figure(dir, ds[d], k, names, ranks, s0->time, grid, formats, &wrote);
        if (fs == NB_ETOOL) {
            tool = fs;
            snprintf(tool_msg, sizeof tool_msg, "%s", nb_errmsg());
        } else if (fs != NB_OK) {
            st = fs;
        }
        free(names);
        free(ranks);
    }
    /* Critical differences over the datasets that have every strategy. */
    size_t n_full = 0;
    for (size_t d = 0; d < nd; d++) {
        size_t have = 0;
        for (size_t i = 0; i < total; i++)
            if (!strcmp(res_results_get(r, i)->dataset, ds[d])) have++;
        if (have == ns) ds[n_full++] = ds[d];
    }
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
            fprintf(md, "## Across datasets\n\nMean final test regret per dataset, ranked per dataset; Friedman "
                        "test over %zu datasets and %zu strategies: chi2 = %.3f (p = %.3g), Iman-Davenport F = "
                        "%.3f (p = %.3g). Nemenyi critical difference at alpha 0.05: q = %.3f, CD = %.3f "
                        "(Demsar 2006).\n\n| strategy | average rank |\n|---|---|\n",
                    n_full, ns, fr.chi2, fr.chi2_p, fr.ff, fr.ff_p, fr.q, fr.cd);
            for (size_t j = 0; j < ns; j++) fprintf(md, "| %s | %.3f |\n", st_names[j], avg[j]);
            fprintf(md, "\nFigure: cd_diagram.{png,pdf,svg}\n");
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
