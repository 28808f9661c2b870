/* reports/zc.c - proxies.md, proxies.csv, proxies.tex and the heat map
 * proxies_rho.{png,pdf,svg} (gnuplot script proxies_rho.gp, data
 * proxies_rho.dat): Spearman, Kendall tau-b and top-10% precision of every
 * /zc column against the final test accuracy (reports/rep_zc.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/rep.h"
#include "reports/rep_private.h"
#include "reports/rep_zc.h"
#include "tables/tab_zc.h"
typedef struct {
    double v;
    size_t i;
} vi;

static int cmp_vi_desc(const void *a, const void *b)
{
    const vi *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? 1 : -1;
    return x->i < y->i ? -1 : x->i > y->i;
}

double rep_zc_top10_precision(const double *p, const double *acc, size_t n)
{
    size_t k = n / 10 ? n / 10 : 1;
    vi *a = nb_xmalloc(n * sizeof *a), *b = nb_xmalloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) a[i] = (vi){p[i], i}, b[i] = (vi){acc[i], i};
    qsort(a, n, sizeof *a, cmp_vi_desc);
    qsort(b, n, sizeof *b, cmp_vi_desc);
    char *top = nb_xcalloc_array(n, 1);
    for (size_t i = 0; i < k; i++) top[b[i].i] = 1;
    size_t hit = 0;
    for (size_t i = 0; i < k; i++) hit += top[a[i].i];
    free(a), free(b), free(top);
    return (double)hit / k;
}

typedef struct {
    int ds, proxy; /* indices into the dataset names and cfg->proxies */
    char input[64];
    size_t n;
    double rho, tau, prec;
} zc_row;

/* Rows of one dataset: every named proxy column against acc (N), appended
 * to rows (capacity cfg->n_proxies per dataset). */
static int dataset_rows(const char *path, int ds, const char *dname, const rep_zc_config *cfg,
                        const double *acc, size_t N, zc_row *rows)
{
    int k_rows = 0;
    for (int p = 0; p < cfg->n_proxies; p++) {
        const char *name = cfg->proxies[p];
        if (tab_zc_exists(path, dname, name) != 1) continue;
        double *col = NULL;
        size_t n;
        if (tab_zc_read(path, dname, name, &col, &n) != NB_OK || n != N) {
            free(col);
            continue;
        }
        double *a = nb_xmalloc(N * sizeof(double)), *b = nb_xmalloc(N * sizeof(double));
        size_t k = 0;
        for (size_t i = 0; i < N; i++)
            if (isfinite(col[i]) && isfinite(acc[i])) a[k] = col[i], b[k] = acc[i], k++;
        char *input = tab_zc_input(path, dname, name);
        if (k >= 2) {
            zc_row *r = &rows[k_rows++];
            r->ds = ds, r->proxy = p, r->n = k;
            snprintf(r->input, sizeof r->input, "%s", input ? input : "");
            r->rho = rep_spearman(a, b, k), r->tau = rep_kendall_tau_b(a, b, k);
            r->prec = rep_zc_top10_precision(a, b, k);
        }
        free(input), free(a), free(b), free(col);
    }
    return k_rows;
}

static void tex_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (strchr("&%$#_{}", *s)) fputc('\\', f);
        fputc(*s, f);
    }
}

static nb_status write_tables(const char *dir, tab_table *t, const rep_zc_config *cfg, const zc_row *rows,
                              int n_rows, const char *fig_ext)
{
    FILE *md = NULL, *csv = NULL, *tex = NULL;
    nb_status st = rp_open(dir, "proxies.md", &md);
    if (st == NB_OK) st = rp_open(dir, "proxies.csv", &csv);
    if (st == NB_OK) st = rp_open(dir, "proxies.tex", &tex);
    if (st != NB_OK) {
        if (md) rp_close(dir, "proxies.md", md, st);
        if (csv) rp_close(dir, "proxies.csv", csv, st);
        return st;
    }
    fprintf(csv, "dataset,proxy,input,n,spearman,kendall,top10_precision\n");
    fprintf(md, "| dataset | proxy | input | n | Spearman rho | Kendall tau | top-10%% precision |\n"
                "|---|---|---|---:|---:|---:|---:|\n");
    fputs("% proxies.tex - written by nastab proxies-report (proxies.md, proxies.csv: the same\n"
          "% numbers); needs booktabs.\n\\begin{table}\n\\centering\n\\caption{Rank agreement of "
          "zero-cost proxies with the final test accuracy of ", tex);
    tex_text(tex, tab_path(t));
    fputs(" (mean over seeds, longest schedule), over the $n$ architectures with both values: "
          "Spearman's $\\rho$, Kendall's $\\tau_b$ and the share of the proxy's top 10\\% among "
          "the accuracy's top 10\\%. Input: what the data-dependent proxies read.}\n"
          "\\label{tab:nastab-proxies}\n\\begin{tabular}{lllrrrr}\n\\toprule\n"
          "dataset & proxy & input & $n$ & $\\rho$ & $\\tau_b$ & top-10\\% \\\\\n\\midrule\n", tex);
    for (int i = 0; i < n_rows; i++) {
        const zc_row *r = &rows[i];
        const char *dname = tab_dataset_name(t, r->ds), *name = cfg->proxies[r->proxy];
        fprintf(csv, "%s,%s,%s,%zu,%.4f,%.4f,%.4f\n", dname, name, r->input, r->n, r->rho, r->tau, r->prec);
        fprintf(md, "| %s | %s | %s | %zu | %.3f | %.3f | %.3f |\n", dname, name, r->input, r->n, r->rho,
                r->tau, r->prec);
        if (i && rows[i - 1].ds != r->ds) fputs("\\midrule\n", tex);
        tex_text(tex, dname);
        fputs(" & ", tex);
        tex_text(tex, name);
        fputs(" & ", tex);
        tex_text(tex, r->input);
        fprintf(tex, " & %zu & %.3f & %.3f & %.3f \\\\\n", r->n, r->rho, r->tau, r->prec);
    }
    fputs("\\bottomrule\n\\end{tabular}\n\\end{table}\n", tex);
    if (fig_ext)
        fprintf(md, "\n![Spearman rho heat map](proxies_rho.%s)\n\n*Heat map:* Spearman rho of each proxy "
                    "(rows, best mean first) with the final test accuracy on each dataset (columns); "
                    "blank where the table has no such column.\n", fig_ext);
    st = rp_close(dir, "proxies.md", md, NB_OK);
    st = rp_close(dir, "proxies.csv", csv, st);
    return rp_close(dir, "proxies.tex", tex, st);
}

typedef struct {
    double mean;
    int proxy;
} by_mean;

static int cmp_mean_desc(const void *a, const void *b)
{
    const by_mean *x = a, *y = b;
    if (x->mean != y->mean) return x->mean < y->mean ? 1 : -1;
    return x->proxy - y->proxy;
}

/* The heat map: proxies (rows, best mean rho first) x datasets (columns)
 * that have a row; proxies_rho.dat (the matrix, "nan" = no column),
 * proxies_rho_labels.dat (x y value text colour: what is drawn, a box and
 * its number per cell), proxies_rho.gp, figures. */
static nb_status write_heatmap(const char *dir, tab_table *t, const rep_zc_config *cfg, const zc_row *rows,
                               int n_rows, int formats)
{
    int nd = tab_n_datasets(t), np = cfg->n_proxies;
    int *dcol = nb_xmalloc((size_t)nd * sizeof(int)), m_ds = 0;
    int *dsel = nb_xmalloc((size_t)nd * sizeof(int));
    by_mean *pm = nb_xcalloc_array((size_t)np, sizeof *pm);
    int *cnt = nb_xcalloc_array((size_t)np, sizeof(int));
    double *mat = nb_xmalloc((size_t)np * nd * sizeof(double));
    for (size_t i = 0; i < (size_t)np * nd; i++) mat[i] = NAN;
    for (int d = 0; d < nd; d++) dcol[d] = -1;
    for (int i = 0; i < n_rows; i++) {
        const zc_row *r = &rows[i];
        if (dcol[r->ds] < 0) dsel[m_ds] = r->ds, dcol[r->ds] = m_ds++;
        mat[(size_t)r->proxy * nd + dcol[r->ds]] = r->rho;
        if (isfinite(r->rho)) pm[r->proxy].mean += r->rho, cnt[r->proxy]++;
    }
    int m_p = 0;
    for (int p = 0; p < np; p++)
        if (cnt[p]) pm[m_p++] = (by_mean){pm[p].mean / cnt[p], p};
    qsort(pm, (size_t)m_p, sizeof *pm, cmp_mean_desc);
    FILE *f = NULL;
    nb_status st = rp_open(dir, "proxies_rho.dat", &f);
    if (st != NB_OK) goto done;
    fprintf(f, "# Spearman rho, %d proxies (rows, best mean first) x %d datasets (columns)\n# rows:", m_p, m_ds);
    for (int a = 0; a < m_p; a++) fprintf(f, " %s", cfg->proxies[pm[a].proxy]);
    fputs("\n# columns:", f);
    for (int b = 0; b < m_ds; b++) fprintf(f, " %s", tab_dataset_name(t, dsel[b]));
    fputc('\n', f);
    for (int a = 0; a < m_p; a++)
        for (int b = 0; b < m_ds; b++) {
            double v = mat[(size_t)pm[a].proxy * nd + b];
            fprintf(f, isfinite(v) ? "%s%.4f" : "%snan", b ? " " : "", v);
            if (b == m_ds - 1) fputc('\n', f);
        }
    if ((st = rp_close(dir, "proxies_rho.dat", f, NB_OK)) != NB_OK) goto done;
    if ((st = rp_open(dir, "proxies_rho_labels.dat", &f)) != NB_OK) goto done;
    fputs("# column row value text-colour (white on the darkest cells)\n", f);
    for (int a = 0; a < m_p; a++)
        for (int b = 0; b < m_ds; b++) {
            double v = mat[(size_t)pm[a].proxy * nd + b];
            if (isfinite(v)) fprintf(f, "%d %d %.2f %d\n", b, a, v, fabs(v) > 0.6 ? 0xFFFFFF : 0x000000);
        }
    if ((st = rp_close(dir, "proxies_rho_labels.dat", f, NB_OK)) != NB_OK) goto done;
    if ((st = rp_open(dir, "proxies_rho.gp", &f)) != NB_OK) goto done;
    /* Rows 14 pt (taller when few, so the colour bar's five ticks and its
     * label fit: at least 110 pt of map), columns as wide as the longest
     * dataset name (labels on top, horizontal), the proxy names' width from
     * the longest one, the colour bar on the right. */
    size_t chars = 0, dchars = 0;
    for (int a = 0; a < m_p; a++) chars = strlen(cfg->proxies[pm[a].proxy]) > chars ? strlen(cfg->proxies[pm[a].proxy]) : chars;
    for (int b = 0; b < m_ds; b++) {
        size_t l = strlen(rp_display_name(tab_dataset_name(t, dsel[b])));
        dchars = l > dchars ? l : dchars;
    }
    double ch = fmax(14, 110.0 / m_p), cw = fmax(36, (double)dchars * 0.55 * RP_FONT_PT + 10);
    double lab = (double)chars * 0.62 * RP_FONT_PT + 12, cb = 66, top = 8, bot = 8;
    double W = lab + cw * m_ds + cb, H = top + ch * m_p + 14 + bot;
    fputs("# proxies_rho.gp - written by nastab proxies-report; rerun: gnuplot proxies_rho.gp\n"
          "# Spearman rho of each zero-cost proxy with the final test accuracy.\n", f);
    rp_gp_begin(f, formats, "proxies_rho", W / 72, H / 72);
    fprintf(f, "set palette defined (-1 \"#B2182B\", 0 \"#F7F7F7\", 1 \"#2166AC\")\n"
               "set cbrange [-1:1]\nset cbtics 0.5\nset datafile missing \"nan\"\nunset key\nunset grid\n"
               "set border 15 lw 0.5\nset cblabel \"Spearman rho\" offset 1.5,0\n"
               "set lmargin at screen %.4f\nset rmargin at screen %.4f\n"
               "set tmargin at screen %.4f\nset bmargin at screen %.4f\n"
               "set colorbox user origin screen %.4f, screen %.4f size screen %.4f, screen %.4f\n"
               "set xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\nset tics scale 0\nset x2tics\nunset xtics\n",
            lab / W, (lab + cw * m_ds) / W, 1 - (top + 14) / H, bot / H, (lab + cw * m_ds + 8) / W, bot / H,
            8 / W, ch * m_p / H, m_ds - 1, m_p - 1);
    fputs("set x2range [-0.5:", f);
    fprintf(f, "%d.5]\nset x2tics (", m_ds - 1);
    for (int b = 0; b < m_ds; b++) {
        fputs(b ? ", " : "", f);
        rp_gp_str(f, rp_display_name(tab_dataset_name(t, dsel[b])));
        fprintf(f, " %d", b);
    }
    fputs(")\nset ytics (", f);
    for (int a = 0; a < m_p; a++) {
        fputs(a ? ", " : "", f);
        rp_gp_str(f, cfg->proxies[pm[a].proxy]);
        fprintf(f, " %d", a);
    }
    /* boxes, not `matrix with image`: an image needs two pixels a side */
    fputs(")\nplot \"proxies_rho_labels.dat\" using 1:2:(0.5):(0.5):3 with boxxyerror fs solid 1 noborder "
          "lc palette, \\\n"
          "     \"\" using 1:2:(sprintf(\"%.2f\", $3)):4 with labels tc rgb variable\n", f);
    rp_gp_end(f);
    if ((st = rp_close(dir, "proxies_rho.gp", f, NB_OK)) != NB_OK) goto done;
    st = rp_gnuplot(dir, "proxies_rho.gp");
done:
    free(dcol), free(dsel), free(pm), free(cnt), free(mat);
    return st;
}

nb_status rep_zc_report(tab_table *t, const rep_zc_config *cfg, const char *dir, int *rows)
{
    *rows = 0;
    const char *path = tab_path(t);
    nb_status st = rp_mkdir_p(dir);
    if (st != NB_OK) return st;
    const size_t N = tab_n_archs(t);
    const int nd = tab_n_datasets(t);
    zc_row *r = nb_xcalloc_array((size_t)(nd ? nd : 1) * (size_t)(cfg->n_proxies ? cfg->n_proxies : 1), sizeof *r);
    int n = 0;
    for (int ds = 0; ds < nd; ds++) {
        int fid[16], nf = tab_fidelities(t, ds, fid, 16), best = 0;
        for (int i = 0; i < nf; i++) best = fid[i] > best ? fid[i] : best;
        double *acc = nb_xmalloc(N * sizeof(double));
        for (size_t i = 0; i < N; i++) {
            float v;
            acc[i] = tab_metric(t, ds, best, TAB_TEST_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, i, &v) == NB_OK ? v : NAN;
        }
        n += dataset_rows(path, ds, tab_dataset_name(t, ds), cfg, acc, N, r + n);
        free(acc);
    }
    const int figs = cfg->formats & (REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG);
    const char *ext = !n || !figs ? NULL : figs & REP_FMT_PNG ? "png" : figs & REP_FMT_SVG ? "svg" : "pdf";
    st = write_tables(dir, t, cfg, r, n, ext);
    *rows = n;
    if (st == NB_OK && n == 0)
        st = nb_fail(NB_ENOTFOUND, "%s has no proxy columns; hint: nastab tables proxies %s --dataset D",
                     path, path);
    if (st == NB_OK && figs) st = write_heatmap(dir, t, cfg, r, n, figs);
    free(r);
    return st;
}
