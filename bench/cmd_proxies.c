/* bench/cmd_proxies.c - `nastab tables proxies` (zero-cost proxies computed
 * by the engine, nn/proxies.h, written as /zc/<dataset>/<proxy> columns,
 * tables/tab_zc.h) and `nastab proxies-report` (their rank agreement with
 * the table's final test accuracy). The per-cell loop lives here: it joins
 * a table (tables/), a preset (precompute/) and the engine (nn/). */
#include <math.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/cmd.h"
#include "nn/nn.h"
#include "nn/proxies.h"
#include "precompute/pc.h"
#include "reports/rep.h"
#include "tables/tab.h"
#include "tables/tab_zc.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

/* Network shape of a dataset's column: the preset of a built table, NB201's
 * C=16 N=5 at the dataset's image size otherwise. */
static nb_status table_shape(tab_table *t, const char *dataset, nn_config *cfg, int *downsample)
{
    nn_config c = nn_config_default();
    *downsample = 1;
    const char *pcfg = tab_attr(t, "precompute_config");
    if (pcfg && !strncmp(pcfg, "preset=", 7)) {
        char name[64];
        size_t k = strcspn(pcfg + 7, " ");
        snprintf(name, sizeof name, "%.*s", (int)(k < 63 ? k : 63), pcfg + 7);
        const pc_preset *p = pc_preset_find(name);
        if (!p) return NB_ENOTFOUND;
        c.C = p->C, c.N = p->N;
        *downsample = p->downsample;
    }
    if (!strcmp(dataset, "fashion-mnist")) c.in_ch = 1, c.H = c.W = 28;
    else if (!strcmp(dataset, "cifar10") || !strncmp(dataset, "cifar10-", 8)) c.classes = 10;
    else if (!strncmp(dataset, "cifar100", 8)) c.classes = 100;
    else if (!strncmp(dataset, "ImageNet16", 10)) c.classes = 120, c.H = c.W = 16;
    else return nb_fail(NB_EINVAL, "dataset '%s': no known network shape", dataset);
    if (c.H % *downsample) return nb_fail(NB_EINVAL, "downsample %d does not divide %d", *downsample, c.H);
    c.H /= *downsample, c.W /= *downsample;
    *cfg = c;
    return NB_OK;
}

typedef struct {
    nn_zc_config zc;
    const space_def *space;
    const space_arch *archs; /* (n) class representatives */
    size_t n;
    const nn_zc_id *ids;
    int n_ids, n_threads;
    double *out; /* (n, n_ids) */
    nb_status *st;
    nb_progress *bar;
    pthread_mutex_t *lock;
} job;

typedef struct {
    job *j;
    int t;
} worker_arg;

static void *work(void *p)
{
    worker_arg *w = p;
    job *j = w->j;
    for (size_t i = (size_t)w->t; i < j->n; i += (size_t)j->n_threads) {
        j->st[i] = nn_zc_compute(&j->zc, j->space, &j->archs[i], j->ids, j->n_ids, j->out + i * j->n_ids);
        pthread_mutex_lock(j->lock);
        nb_progress_add(j->bar, 1);
        pthread_mutex_unlock(j->lock);
    }
    return NULL;
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
               FMNIST_DIR);
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
    } else {
        for (int i = 0; i < NN_ZC_COUNT; i++) ids[n_ids++] = (nn_zc_id)i;
    }
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail(CMD, 0);
    int ds = tab_dataset_id(t, dataset);
    if (ds < 0) {
        fprintf(stderr, "nastab %s: %s has no dataset '%s'; it has:", CMD, pos[0], dataset);
        for (int i = 0; i < tab_n_datasets(t); i++) fprintf(stderr, " %s", tab_dataset_name(t, i));
        fprintf(stderr, "\n");
        tab_close(t);
        return 1;
    }
    nn_config cfg;
    int down;
    if (table_shape(t, dataset, &cfg, &down) != NB_OK) {
        tab_close(t);
        return cli_fail(CMD, 0);
    }
    cfg.batch = (int)batch;
    /* the batch: the dataset's training images, else N(0,1) */
    nn_data d = {0};
    int have_data = 0;
    const char *ddir = dir ? dir : !strcmp(dataset, "fashion-mnist") ? FMNIST_DIR : NULL;
    const char *dname = !strcmp(dataset, "fashion-mnist") ? "fashion-mnist"
                        : !strncmp(dataset, "cifar100", 8) ? "cifar100" : "cifar10";
    if (ddir && strncmp(dataset, "ImageNet", 8)) {
        if (nn_data_load(dname, ddir, 0, &d) == NB_OK && (down == 1 || nn_data_downsample(&d, down) == NB_OK))
            have_data = 1;
        else if (dir) {
            tab_close(t);
            return cli_fail(CMD, 0);
        }
    }
    size_t nx = (size_t)batch * cfg.in_ch * cfg.H * cfg.W;
    float *x = nb_xmalloc(nx * sizeof(float));
    int32_t *y = nb_xmalloc((size_t)batch * sizeof(int32_t));
    nn_zc_batch(have_data ? &d : NULL, (int)batch, cfg.in_ch, cfg.H, cfg.W, cfg.classes, seed, x, y);
    nn_data_free(&d);
    /* classes: one representative per canonical class */
    const space_def *sp = tab_space(t);
    size_t N = tab_n_archs(t), n_cls = 0;
    size_t *cls_of = nb_xmalloc(N * sizeof(size_t)), *rep_idx = nb_xmalloc(N * sizeof(size_t));
    uint32_t *canon = nb_xmalloc(N * sizeof(uint32_t));
    for (size_t i = 0; i < N; i++) canon[i] = space_canon(sp, sp->index(tab_arch(t, i)));
    uint32_t cmax = 0;
    for (size_t i = 0; i < N; i++) cmax = canon[i] > cmax ? canon[i] : cmax;
    size_t *first = nb_xmalloc(((size_t)cmax + 1) * sizeof(size_t));
    for (size_t c = 0; c <= cmax; c++) first[c] = SIZE_MAX;
    for (size_t i = 0; i < N; i++) {
        if (first[canon[i]] == SIZE_MAX) {
            first[canon[i]] = n_cls;
            rep_idx[n_cls++] = i;
        }
        cls_of[i] = first[canon[i]];
    }
    free(first);
    int todo[NN_ZC_COUNT], n_todo = 0;
    for (int i = 0; i < n_ids; i++) {
        int ex = tab_zc_exists(pos[0], dataset, nn_zc_name(ids[i]));
        if (ex < 0) return cli_fail(CMD, 0);
        if (!ex || replace) todo[n_todo++] = ids[i];
    }
    rc = 0;
    if (n_todo == 0) {
        printf("every requested proxy column exists (use --replace to recompute)\n");
        goto done;
    }
    size_t n_run = limit && (size_t)limit < n_cls ? (size_t)limit : n_cls;
    space_arch *archs = nb_xmalloc(n_run * sizeof *archs);
    for (size_t i = 0; i < n_run; i++) archs[i] = *tab_arch(t, rep_idx[i]);
    nn_zc_id run_ids[NN_ZC_COUNT];
    for (int i = 0; i < n_todo; i++) run_ids[i] = (nn_zc_id)todo[i];
    double *out = nb_xmalloc(n_run * n_todo * sizeof(double));
    nb_status *st = nb_xcalloc_array(n_run, sizeof(nb_status));
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    nn_set_threads(1);
    job j = {{cfg, (int)batch, seed, x, y}, sp, archs, n_run, run_ids, n_todo, (int)threads, out, st,
             nb_progress_start("proxies", n_run), &lock};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th[256];
    worker_arg wa[256];
    for (int k = 0; k < threads; k++) {
        wa[k] = (worker_arg){&j, k};
        pthread_create(&th[k], NULL, work, &wa[k]);
    }
    for (int k = 0; k < threads; k++) pthread_join(th[k], NULL);
    nb_progress_finish(j.bar);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    double per_cell = secs * threads / (double)n_run;
    char shape[128];
    snprintf(shape, sizeof shape, "C=%d N=%d %dx%dx%d %d classes", cfg.C, cfg.N, cfg.in_ch, cfg.H,
             cfg.W, cfg.classes);
    printf("%zu of %zu classes (%zu cells), %s, %s batch of %ld: %.4f CPU s per cell (%.1f s wall, "
           "%ld threads)\n", n_run, n_cls, N, shape, have_data ? "data" : "N(0,1)", batch, per_cell,
           secs, threads);
    for (size_t i = 0; i < n_run; i++)
        if (st[i] != NB_OK) {
            rc = cli_fail(CMD, 0);
            goto free_run;
        }
    double *col = nb_xmalloc(N * sizeof(double));
    char input[160];
    snprintf(input, sizeof input, "%s", have_data ? "training images" : "N(0,1)");
    for (int p = 0; p < n_todo && rc == 0; p++) {
        for (size_t i = 0; i < N; i++) col[i] = cls_of[i] < n_run ? out[cls_of[i] * n_todo + p] : NAN;
        tab_zc_attrs a = {nn_zc_uses_data(run_ids[p]) ? input : "none", (int)batch, seed, shape, per_cell};
        if (tab_zc_write(pos[0], dataset, nn_zc_name(run_ids[p]), col, &a) != NB_OK) rc = cli_fail(CMD, 0);
        else printf("wrote /zc/%s/%s\n", dataset, nn_zc_name(run_ids[p]));
    }
    free(col);
free_run:
    free(archs), free(out), free(st);
done:
    free(cls_of), free(rep_idx), free(canon), free(x), free(y);
    tab_close(t);
    return rc;
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
