/* reports/devices.c - how much hardware columns agree: Kendall's tau-b
 * between every pair of a table's hardware columns, and per column the most
 * accurate cell under a latency budget.

 * Kendall's tau-b: core/rankcorr.c (Knight's O(n log n) algorithm). */
#include "reports/rep_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* the maths lives in core/rankcorr.c (wsnas/ ranks cells with it too) */
double rep_kendall_tau_b(const double *x, const double *y, size_t n) { return nb_kendall_tau_b(x, y, n); }

/* ---- the report ---- */

static int metric_match(const char *metric, const tab_device_info *d)
{
    return !strcmp(metric, "all") || !strcmp(metric, d->metric);
}

/* valid/test datasets holding the 200-epoch accuracy of a dataset name. */
static void acc_datasets(const char *ds, const char **valid, const char **test)
{
    if (!strcmp(ds, "cifar10") || !strcmp(ds, "cifar10-valid")) {
        *valid = "cifar10-valid";
        *test = "cifar10";
    } else {
        *valid = *test = ds;
    }
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static nb_status best_under_budget(tab_table *t, FILE *f, int col, const tab_device_info *d,
                                   const char *fallback_ds)
{
    const float *lat = tab_device_values(t, col);
    if (!lat) return NB_ENOTFOUND;
    const char *ds = d->dataset && d->dataset[0] ? d->dataset : fallback_ds, *vds, *tds;
    acc_datasets(ds, &vds, &tds);
    int vi = tab_dataset_id(t, vds), ti = tab_dataset_id(t, tds);
    if (vi < 0 || ti < 0) {
        fprintf(f, "| %s | %s | - | - | - | - | (no dataset %s) |\n", d->name, ds, vds);
        return NB_OK;
    }
    const float *valid = tab_metric_final(t, vi, 200, TAB_VALID_ACC);
    const float *test = tab_metric_final(t, ti, 200, TAB_TEST_ACC);
    if (!valid || !test) return NB_ENOTFOUND;
    size_t n = tab_n_archs(t), k = 0;
    float *v = nb_xcalloc_array(n, sizeof *v);
    for (size_t i = 0; i < n; i++)
        if (isfinite(lat[i])) v[k++] = lat[i];
    if (k == 0) {
        free(v);
        fprintf(f, "| %s | %s | - | - | - | - | (no latency) |\n", d->name, ds);
        return NB_OK;
    }
    qsort(v, k, sizeof *v, cmp_float);
    float budget = k % 2 ? v[k / 2] : 0.5f * (v[k / 2 - 1] + v[k / 2]);
    free(v);
    long best = -1, best_all = -1;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(valid[i]) || !isfinite(test[i]) || !isfinite(lat[i])) continue;
        if (best_all < 0 || valid[i] > valid[best_all]) best_all = (long)i;
        if (lat[i] <= budget && (best < 0 || valid[i] > valid[best])) best = (long)i;
    }
    if (best < 0) {
        fprintf(f, "| %s | %s | %.4g | - | - | - | - |\n", d->name, ds, (double)budget);
        return NB_OK;
    }
    char s[SPACE_STR_MAX];
    tab_space(t)->format(tab_arch(t, (size_t)best), s, sizeof s);
    fprintf(f, "| %s | %s | %.4g %s | %.2f | %.4g | %.2f (%.4g %s) | `%s` |\n", d->name, ds,
            (double)budget, d->unit, (double)test[best], (double)lat[best],
            (double)test[best_all], (double)lat[best_all], d->unit, s);
    return NB_OK;
}

/* Leaf order of an average-linkage clustering on similarity tau (NaN counts
 * as 0): repeatedly merge the two clusters with the highest mean pairwise
 * tau, appending the second's members to the first's, so columns that agree
 * end up next to each other in the heat map. O(m^3), m is a few dozen. */
static void cluster_order(const double *tau, int m, int *order)
{
    int *mem = nb_xcalloc_array((size_t)m * (size_t)m, sizeof *mem);
    int *size = nb_xcalloc_array((size_t)m, sizeof *size);
    for (int a = 0; a < m; a++) mem[(size_t)a * m] = a, size[a] = 1;
    for (int step = 1; step < m; step++) {
        int ba = -1, bb = -1;
        double best = -INFINITY;
        for (int a = 0; a < m; a++) {
            if (!size[a]) continue;
            for (int b = a + 1; b < m; b++) {
                if (!size[b]) continue;
                double s = 0;
                for (int i = 0; i < size[a]; i++)
                    for (int j = 0; j < size[b]; j++) {
                        double t = tau[(size_t)mem[(size_t)a * m + i] * m + mem[(size_t)b * m + j]];
                        s += isnan(t) ? 0 : t;
                    }
                s /= (double)size[a] * size[b];
                if (s > best) best = s, ba = a, bb = b;
            }
        }
        for (int j = 0; j < size[bb]; j++) mem[(size_t)ba * m + size[ba] + j] = mem[(size_t)bb * m + j];
        size[ba] += size[bb];
        size[bb] = 0;
    }
    for (int a = 0; a < m; a++)
        if (size[a] == m) memcpy(order, mem + (size_t)a * m, (size_t)m * sizeof *order);
    if (m == 1) order[0] = 0;
    free(mem);
    free(size);
}

/* A short heat-map label: "hwnas_edgegpu_latency_cifar10" -> "HW edgegpu C10",
 * "help_titanxp_latency_b256" -> "HELP titanxp b256"; unknown names kept. */
static void short_label(const char *name, char *out, size_t cap)
{
    static const char *const rep[][2] = {{"hwnas_", "HW "},        {"help_", "HELP "},
                                         {"_latency", ""},         {"_energy", " E"},
                                         {"ImageNet16-120", "IN16"}, {"cifar100", "C100"},
                                         {"cifar10", "C10"}};
    size_t j = 0;
    for (const char *s = name; *s && j + 1 < cap;) {
        size_t k = 0;
        for (; k < sizeof rep / sizeof rep[0]; k++)
            if (!strncmp(s, rep[k][0], strlen(rep[k][0]))) break;
        if (k < sizeof rep / sizeof rep[0]) {
            for (const char *r = rep[k][1]; *r && j + 1 < cap; r++) out[j++] = *r;
            s += strlen(rep[k][0]);
        } else {
            out[j++] = *s == '_' ? ' ' : *s;
            s++;
        }
    }
    out[j] = '\0';
}

nb_status rep_devices_report(tab_table *t, const rep_devices_config *cfg, const char *dir)
{
    NB_ASSERT(t && dir);
    const char *metric = cfg && cfg->metric ? cfg->metric : "latency";
    const char *fallback = cfg && cfg->dataset ? cfg->dataset : "cifar10";
    int formats = cfg ? cfg->formats : 0;
    int nd = tab_n_devices(t);
    int *cols = nb_xcalloc_array(nd > 0 ? (size_t)nd : 1, sizeof *cols), m = 0;
    tab_device_info *info = nb_xcalloc_array(nd > 0 ? (size_t)nd : 1, sizeof *info);
    double *tau = NULL, *x = NULL, *y = NULL;
    size_t *common = NULL;
    nb_status st = NB_OK;
    for (int i = 0; i < nd; i++) {
        tab_device_info d;
        if ((st = tab_device(t, i, &d)) != NB_OK) goto done;
        if (!metric_match(metric, &d)) continue;
        if (!tab_device_values(t, i)) {
            st = NB_ENOTFOUND;
            goto done;
        }
        info[m] = d;
        cols[m++] = i;
    }
    if (m == 0) {
        st = nb_fail(NB_ENOTFOUND, "%s: no hardware column with metric '%s'; hint: --metric "
                                   "latency, energy or all", tab_path(t), metric);
        goto done;
    }
    if ((st = rp_mkdir_p(dir))) goto done;
    size_t n = tab_n_archs(t), mm = (size_t)m * (size_t)m;
    tau = nb_xcalloc_array(mm, sizeof *tau);
    common = nb_xcalloc_array(mm, sizeof *common);
    x = nb_xcalloc_array(n, sizeof *x);
    y = nb_xcalloc_array(n, sizeof *y);
    for (int a = 0; a < m; a++) {
        const float *va = tab_device_values(t, cols[a]);
        for (int b = a; b < m; b++) {
            const float *vb = tab_device_values(t, cols[b]);
            size_t c = 0;
            for (size_t i = 0; i < n; i++) {
                int ok = isfinite(va[i]) && isfinite(vb[i]);
                x[i] = ok ? va[i] : NAN;
                y[i] = ok ? vb[i] : NAN;
                c += (size_t)ok;
            }
            double tv = rep_kendall_tau_b(x, y, n);
            tau[(size_t)a * m + b] = tau[(size_t)b * m + a] = tv;
            common[(size_t)a * m + b] = common[(size_t)b * m + a] = c;
        }
    }
    FILE *f;
    if ((st = rp_open(dir, "devices.md", &f))) goto done;
    fprintf(f, "# Hardware columns of %s: rank agreement\n\n"
               "Kendall's tau-b between every pair of `%s` columns (%d columns), over the cells "
               "that have a value in both (edgetpu lacks 4699). 1 = same order, 0 = unrelated.\n\n"
               "## Columns\n\n| key | column | device | unit | dataset | batch | source | missing |\n"
               "|---|---|---|---|---|---:|---|---:|\n",
            tab_path(t), metric, m);
    for (int a = 0; a < m; a++)
        fprintf(f, "| c%d | %s | %s | %s | %s | %d | %s | %zu |\n", a, info[a].name,
                info[a].device, info[a].unit, info[a].dataset[0] ? info[a].dataset : "-",
                info[a].batch, info[a].source, info[a].n_missing);
    fputs("\n## Kendall tau-b\n\n| |", f);
    for (int b = 0; b < m; b++) fprintf(f, " c%d |", b);
    fputs("\n|---|", f);
    for (int b = 0; b < m; b++) fputs("---:|", f);
    fputc('\n', f);
    for (int a = 0; a < m; a++) {
        fprintf(f, "| c%d |", a);
        for (int b = 0; b < m; b++) fprintf(f, " %.2f |", tau[(size_t)a * m + b]);
        fputc('\n', f);
    }
    /* the most and least similar pairs, for a quick read */
    int lo_a = 0, lo_b = 0;
    double lo = INFINITY;
    for (int a = 0; a < m; a++)
        for (int b = a + 1; b < m; b++)
            if (tau[(size_t)a * m + b] < lo) {
                lo = tau[(size_t)a * m + b];
                lo_a = a;
                lo_b = b;
            }
    if (m > 1)
        fprintf(f, "\nLeast agreeing pair: %s vs %s, tau-b %.3f over %zu cells.\n",
                info[lo_a].name, info[lo_b].name, lo, common[(size_t)lo_a * m + lo_b]);
    if (formats & (REP_FMT_PNG | REP_FMT_SVG))
        fprintf(f, "\n![Kendall tau-b heat map](devices_tau.%s)\n\n*Heat map:* the same matrix "
                   "with rows and columns in clustered order (average linkage), labels "
                   "shortened (HW = HW-NAS-Bench, HELP = HELP; C10, C100, IN16 = the dataset).\n",
                formats & REP_FMT_PNG ? "png" : "svg");
    fprintf(f, "\n## Best cell under a latency budget\n\n"
               "Budget: the column's median over the table. The cell is chosen by 200-epoch "
               "validation accuracy among those within the budget; its 200-epoch test accuracy "
               "is shown beside that of the cell chosen without a budget. Columns without a "
               "dataset (HELP) use %s.\n\n"
               "| column | dataset | budget | test acc [%%] | latency | unconstrained test acc "
               "(latency) | cell |\n|---|---|---:|---:|---:|---:|---|\n",
            fallback);
    for (int a = 0; a < m; a++)
        if ((st = best_under_budget(t, f, cols[a], &info[a], fallback))) break;
    if ((st = rp_close(dir, "devices.md", f, st))) goto done;

    /* heatmap data and script: rows and columns in clustered order */
    int *ord = nb_xcalloc_array((size_t)m, sizeof *ord);
    cluster_order(tau, m, ord);
    if ((st = rp_open(dir, "devices_tau.dat", &f))) {
        free(ord);
        goto done;
    }
    fprintf(f, "# Kendall tau-b matrix, %d x %d, rows and columns in clustered order "
               "(average linkage on tau); row i is key c<k> in devices.md for:\n#", m, m);
    for (int a = 0; a < m; a++) fprintf(f, " c%d", ord[a]);
    fputc('\n', f);
    for (int a = 0; a < m; a++) {
        for (int b = 0; b < m; b++)
            fprintf(f, "%s%.4f", b ? " " : "", tau[(size_t)ord[a] * m + ord[b]]);
        fputc('\n', f);
    }
    if ((st = rp_close(dir, "devices_tau.dat", f, NB_OK))) {
        free(ord);
        goto done;
    }
    if ((st = rp_open(dir, "devices_tau.gp", &f))) {
        free(ord);
        goto done;
    }
    /* Cells at a 7.6 pt pitch (46 columns fit 6.75 in with their labels;
     * 8 pt glyphs are ~6 pt high, so labels do not overlap); the width of the
     * labels from the longest one; 8 pt above the map for the colour bar's
     * top tick label. */
    size_t chars = 0;
    char lab[96];
    for (int a = 0; a < m; a++) {
        short_label(info[a].name, lab, sizeof lab);
        if (strlen(lab) > chars) chars = strlen(lab);
    }
    double cell = 7.6, lab_pt = (double)chars * 0.55 * RP_FONT_PT + 8, cb = 48;
    double side = cell * m, wpt = lab_pt + side + cb + 6, hpt = side + lab_pt + 11;
    fputs("# devices_tau.gp - written by nastab devices-report; rerun: gnuplot devices_tau.gp\n"
          "# Kendall tau-b between hardware columns, clustered order; labels shortened\n"
          "# (HW = HW-NAS-Bench, HELP = HELP; C10/C100/IN16 = the accuracy dataset).\n", f);
    rp_gp_begin(f, formats ? formats : REP_FMT_PNG, "devices_tau", wpt / 72, hpt / 72);
    /* A diverging scale over [-1, 1] when some pair disagrees (tau < 0);
     * else the sequential half [0, 1], so the colours spread over the data. */
    double tau_min = 0;
    for (size_t i = 0; i < mm; i++)
        if (!isnan(tau[i])) tau_min = fmin(tau_min, tau[i]);
    if (tau_min < 0)
        fputs("set palette defined (-1 \"#B2182B\", 0 \"#F7F7F7\", 1 \"#2166AC\")\n"
              "set cbrange [-1:1]\nset cbtics 0.5\n", f);
    else
        fputs("set palette defined (0 \"#F7F7F7\", 1 \"#2166AC\")\n"
              "set cbrange [0:1]\nset cbtics 0.25\n", f);
    fprintf(f, "set datafile missing \"nan\"\nunset key\nunset grid\nset border 15 lw 0.5\n"
               "set cblabel \"Kendall tau-b\" offset -0.5,0\n"
               "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
               "set tmargin at screen %.4f\nset bmargin at screen %.4f\n"
               "set colorbox user origin screen %.4f, screen %.4f size screen %.4f, screen %.4f\n"
               "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n"
               "set tics scale 0\nset xtics rotate by 90 right\n",
            lab_pt / wpt, (lab_pt + side) / wpt, 1 - 8 / hpt, (lab_pt + 3) / hpt,
            (lab_pt + side + 8) / wpt, (lab_pt + 3) / hpt, 8 / wpt, side / hpt, m - 1, m - 1);
    for (int axis = 0; axis < 2; axis++) {
        fprintf(f, "set %ctics (", axis ? 'y' : 'x');
        for (int a = 0; a < m; a++) {
            short_label(info[ord[a]].name, lab, sizeof lab);
            fprintf(f, "%s", a ? ", " : "");
            rp_gp_str(f, lab);
            fprintf(f, " %d", a);
        }
        fputs(")\n", f);
    }
    fputs("plot \"devices_tau.dat\" matrix with image\n", f);
    free(ord);
    rp_gp_end(f);
    if ((st = rp_close(dir, "devices_tau.gp", f, NB_OK))) goto done;
    if (formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG)) st = rp_gnuplot(dir, "devices_tau.gp");
done:
    free(cols);
    free(info);
    free(tau);
    free(common);
    free(x);
    free(y);
    return st;
}
