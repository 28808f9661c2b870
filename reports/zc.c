/* reports/zc.c - proxies.md and proxies.csv: Spearman, Kendall tau-b and
 * top-10% precision of every /zc column against the final test accuracy
 * (reports/rep_zc.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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

/* Rows of one dataset: every named proxy column against acc (N). */
static int dataset_rows(const char *path, const char *dname, const rep_zc_config *cfg,
                        const double *acc, size_t N, FILE *md, FILE *csv)
{
    int rows = 0;
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
            double rho = rep_spearman(a, b, k), tau = rep_kendall_tau_b(a, b, k);
            double prec = rep_zc_top10_precision(a, b, k);
            fprintf(csv, "%s,%s,%s,%zu,%.4f,%.4f,%.4f\n", dname, name, input ? input : "", k, rho, tau, prec);
            fprintf(md, "| %s | %s | %s | %zu | %.3f | %.3f | %.3f |\n", dname, name,
                    input ? input : "", k, rho, tau, prec);
            rows++;
        }
        free(input), free(a), free(b), free(col);
    }
    return rows;
}

nb_status rep_zc_report(tab_table *t, const rep_zc_config *cfg, const char *dir, int *rows)
{
    *rows = 0;
    const char *path = tab_path(t);
    FILE *md = NULL, *csv = NULL;
    nb_status st = rp_mkdir_p(dir);
    if (st == NB_OK) st = rp_open(dir, "proxies.md", &md);
    if (st == NB_OK) st = rp_open(dir, "proxies.csv", &csv);
    if (st != NB_OK) {
        if (md) fclose(md);
        return st;
    }
    fprintf(csv, "dataset,proxy,input,n,spearman,kendall,top10_precision\n");
    fprintf(md, "| dataset | proxy | input | n | Spearman rho | Kendall tau | top-10%% precision |\n"
                "|---|---|---|---:|---:|---:|---:|\n");
    const size_t N = tab_n_archs(t);
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        int fid[16], nf = tab_fidelities(t, ds, fid, 16), best = 0;
        for (int i = 0; i < nf; i++) best = fid[i] > best ? fid[i] : best;
        double *acc = nb_xmalloc(N * sizeof(double));
        for (size_t i = 0; i < N; i++) {
            float v;
            acc[i] = tab_metric(t, ds, best, TAB_TEST_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, i, &v) == NB_OK ? v : NAN;
        }
        *rows += dataset_rows(path, tab_dataset_name(t, ds), cfg, acc, N, md, csv);
        free(acc);
    }
    st = rp_close(dir, "proxies.md", md, NB_OK);
    st = rp_close(dir, "proxies.csv", csv, st);
    if (st == NB_OK && *rows == 0)
        st = nb_fail(NB_ENOTFOUND, "%s has no proxy columns; hint: nastab tables proxies %s --dataset D",
                     path, path);
    return st;
}
