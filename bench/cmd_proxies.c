/* bench/cmd_proxies.c - `nastab tables proxies` (zero-cost proxies computed
 * by the engine, nn/proxies.h, written as /zc/<dataset>/<proxy> columns,
 * tables/tab_zc.h) and `nastab proxies-report` (their rank agreement with
 * the table's final test accuracy): parse, call precompute/pc_zc.h, print. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/cmd.h"
#include "nn/nn.h"
#include "nn/proxies.h"
#include "precompute/pc_zc.h"
#include "reports/rep.h"
#include "tables/tab.h"
#include "tables/tab_zc.h"

/* The progress bar, started at done == 0 (pc_zc_progress_fn). */
static void on_progress(void *ctx, size_t done, size_t total)
{
    nb_progress **bar = ctx;
    if (done == 0) *bar = nb_progress_start("proxies", total);
    else nb_progress_add(*bar, 1);
}

int cmd_tables_proxies(int argc, char **argv)
{
    const char *CMD = "tables proxies";
    const char *dataset = NULL, *list = NULL, *batch_s = NULL, *seed_s = NULL, *dir = NULL,
               *threads_s = NULL, *limit_s = NULL, *pos[1];
    int help = 0, n_pos = 0, replace = 0;
    cli_opt opts[] = {{"--dataset", NULL, &dataset, NULL}, {"--proxies", NULL, &list, NULL},
                      {"--batch", NULL, &batch_s, NULL},   {"--seed", NULL, &seed_s, NULL},
                      {"--data-dir", NULL, &dir, NULL},    {"--threads", NULL, &threads_s, NULL},
                      {"--limit", NULL, &limit_s, NULL},   {"--replace", NULL, NULL, &replace}};
    int rc = cli_parse(CMD, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, &n_pos, &help);
    if (rc) return rc;
    if (help) {
        printf("usage: nastab tables proxies FILE --dataset D [--proxies LIST] [--batch B] [--seed S]\n"
               "                             [--data-dir DIR] [--threads T] [--limit K] [--replace]\n"
               "Zero-cost proxies (nn/PROXIES.md) of every unique cell at the network shape of D's\n"
               "column (a built table's preset; NB201 C=16 N=5 otherwise), each written as the\n"
               "column /zc/D/<proxy> (tables/SCHEMA.md) atomically with the checksum updated.\n"
               "Resumable: proxies whose column exists are skipped (unless --replace).\n"
               "  --proxies LIST  comma list (default: all): synflow, snip, grasp, fisher, grad_norm,\n"
               "                  jacob_cov, nwot, zen, plain, l2_norm, params, flops\n"
               "  --batch B       minibatch images (default 64)\n"
               "  --seed S        weights and batch draw (default 0)\n"
               "  --data-dir DIR  dataset folder (default fashion-mnist: %s); without the\n"
               "                  dataset's files the batch is N(0,1) (recorded as attribute input)\n"
               "  --threads T     cells in parallel (default 1; same numbers for any T)\n"
               "  --limit K       only the first K classes (the others NaN): timing and previews\n",
               PC_ZC_FMNIST_DIR);
        return 0;
    }
    if (n_pos != 1 || !dataset) return cli_usage_error(CMD, "need FILE and --dataset");
    long batch = 64, threads = 1, limit = 0;
    uint64_t seed = 0;
    if ((batch_s && nb_parse_long("--batch", batch_s, 2, 4096, &batch) != NB_OK) ||
        (threads_s && nb_parse_long("--threads", threads_s, 1, 256, &threads) != NB_OK) ||
        (limit_s && nb_parse_long("--limit", limit_s, 1, 100000000, &limit) != NB_OK) ||
        (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK))
        return cli_fail(CMD, 1);
    nn_zc_id ids[NN_ZC_COUNT];
    int n_ids = 0;
    if (list) {
        char buf[512];
        const char *items[NN_ZC_COUNT + 1];
        int k;
        if ((rc = cli_split_list(CMD, "--proxies", list, buf, sizeof buf, items, NN_ZC_COUNT, &k))) return rc;
        for (int i = 0; i < k; i++) {
            int id = nn_zc_from_name(items[i]);
            if (id < 0) return cli_fail(CMD, 1);
            ids[n_ids++] = (nn_zc_id)id;
        }
    }
    pc_zc_config c = pc_zc_config_default();
    c.path = pos[0], c.dataset = dataset, c.data_dir = dir, c.replace = replace;
    c.ids = n_ids ? ids : NULL, c.n_ids = n_ids;
    c.batch = (int)batch, c.seed = seed, c.threads = (int)threads, c.limit = (size_t)limit;
    pc_zc_result r;
    nb_progress *bar = NULL;
    nb_status st = pc_zc_run(&c, on_progress, &bar, &r);
    nb_progress_finish(bar);
    if (st == NB_OK && r.n_todo == 0) {
        printf("every requested proxy column exists (use --replace to recompute)\n");
        return 0;
    }
    if (r.n_run)
        printf("%zu of %zu classes (%zu cells), %s, %s batch of %ld: %.4f CPU s per cell (%.1f s wall, "
               "%ld threads)\n", r.n_run, r.n_classes, r.n_cells, r.shape, r.have_data ? "data" : "N(0,1)",
               batch, r.seconds_per_cell, r.seconds, threads);
    for (int i = 0; i < r.n_written; i++) printf("wrote /zc/%s/%s\n", dataset, nn_zc_name(r.written[i]));
    return st == NB_OK ? 0 : cli_fail(CMD, 0);
}

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

/* Share of the proxy's top 10% (highest values) among accuracy's top 10%. */
static double top10_precision(const double *p, const double *acc, size_t n)
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

int cmd_proxies_report(int argc, char **argv)
{
    const char *CMD = "proxies-report", *outdir = NULL, *pos[1];
    int help = 0, n_pos = 0;
    cli_opt opts[] = {{"--out", "-o", &outdir, NULL}};
    int rc = cli_parse(CMD, argc, argv, opts, 1, pos, 1, &n_pos, &help);
    if (rc) return rc;
    if (help) {
        printf("usage: nastab proxies-report FILE -o DIR\n"
               "For every dataset and proxy column /zc/<dataset>/<proxy> of the table: Spearman rho,\n"
               "Kendall tau-b and the precision of the proxy's top 10%% against the final test\n"
               "accuracy (mean over seeds, longest schedule), over the architectures both have,\n"
               "as DIR/proxies.md and DIR/proxies.csv.\n");
        return 0;
    }
    if (n_pos != 1 || !outdir) return cli_usage_error(CMD, "need FILE and -o DIR");
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail(CMD, 0);
    mkdir(outdir, 0755);
    char pmd[1024], pcsv[1024];
    snprintf(pmd, sizeof pmd, "%s/proxies.md", outdir);
    snprintf(pcsv, sizeof pcsv, "%s/proxies.csv", outdir);
    FILE *md = fopen(pmd, "w"), *csv = fopen(pcsv, "w");
    if (!md || !csv) {
        fprintf(stderr, "nastab %s: cannot write %s\n", CMD, outdir);
        if (md) fclose(md);
        if (csv) fclose(csv);
        tab_close(t);
        return 1;
    }
    fprintf(csv, "dataset,proxy,input,n,spearman,kendall,top10_precision\n");
    fprintf(md, "| dataset | proxy | input | n | Spearman rho | Kendall tau | top-10%% precision |\n"
                "|---|---|---|---:|---:|---:|---:|\n");
    int rows = 0;
    const size_t N = tab_n_archs(t);
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        const char *dname = tab_dataset_name(t, ds);
        int fid[16], nf = tab_fidelities(t, ds, fid, 16), best = 0;
        for (int i = 0; i < nf; i++) best = fid[i] > best ? fid[i] : best;
        double *acc = nb_xmalloc(N * sizeof(double));
        for (size_t i = 0; i < N; i++) {
            float v;
            acc[i] = tab_metric(t, ds, best, TAB_TEST_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, i, &v) == NB_OK ? v : NAN;
        }
        for (int p = 0; p < NN_ZC_COUNT; p++) {
            const char *name = nn_zc_name((nn_zc_id)p);
            if (tab_zc_exists(pos[0], dname, name) != 1) continue;
            double *col;
            size_t n;
            if (tab_zc_read(pos[0], dname, name, &col, &n) != NB_OK || n != N) {
                free(col);
                continue;
            }
            double *a = nb_xmalloc(N * sizeof(double)), *b = nb_xmalloc(N * sizeof(double));
            size_t k = 0;
            for (size_t i = 0; i < N; i++)
                if (isfinite(col[i]) && isfinite(acc[i])) a[k] = col[i], b[k] = acc[i], k++;
            char *input = tab_zc_input(pos[0], dname, name);
            if (k >= 2) {
                double rho = rep_spearman(a, b, k), tau = rep_kendall_tau_b(a, b, k);
                double prec = top10_precision(a, b, k);
                fprintf(csv, "%s,%s,%s,%zu,%.4f,%.4f,%.4f\n", dname, name, input ? input : "", k, rho, tau, prec);
                fprintf(md, "| %s | %s | %s | %zu | %.3f | %.3f | %.3f |\n", dname, name,
                        input ? input : "", k, rho, tau, prec);
                rows++;
            }
            free(input), free(a), free(b), free(col);
        }
        free(acc);
    }
    fclose(md);
    fclose(csv);
    tab_close(t);
    if (!rows) {
        fprintf(stderr, "nastab %s: %s has no proxy columns; hint: nastab tables proxies %s --dataset D\n",
                CMD, pos[0], pos[0]);
        return 1;
    }
    printf("wrote %s and %s (%d rows)\n", pmd, pcsv, rows);
    return 0;
}
