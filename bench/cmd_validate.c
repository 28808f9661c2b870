/* bench/cmd_validate.c - `nastab tables validate` (retrain a sample of a
 * built table and compare) and `nastab tables correlate` (rank agreement of
 * two tables' columns over the cells both hold). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "nn/nn.h"
#include "precompute/pc.h"
#include "reports/rep.h"
#include "tables/tab.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

static void compare_print(const char *what, const double *live, const double *tab, size_t n)
{
    double mad = 0, mx = 0;
    size_t same = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(live[i] - tab[i]);
        mad += d;
        if (d > mx) mx = d;
        same += live[i] == tab[i];
    }
    printf("%-9s spearman %.4f  kendall %.4f  mean |live - table| %.4f  max %.4f  identical %zu/%zu\n",
           what, rep_spearman(live, tab, n), rep_kendall_tau_b(live, tab, n), n ? mad / (double)n : NAN, mx,
           same, n);
}

int cmd_validate(int argc, char **argv)
{
    const char *sample_s = NULL, *seed_s = NULL, *dir = NULL, *threads_s = NULL;
    int n_pos, help;
    const char *pos[1];
    cli_opt opts[] = {
        {"--sample", NULL, &sample_s, NULL}, {"--seed", NULL, &seed_s, NULL},
        {"--data-dir", NULL, &dir, NULL},    {"--threads", NULL, &threads_s, NULL},
    };
    const char *cmd = "tables validate";
    if (cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, &n_pos, &help)) return 2;
    if (help) {
        printf("usage: nastab tables validate FILE --sample K [--seed S] [--data-dir DIR] [--threads T]\n"
               "\n"
               "Retrains K cells of a table built by `nastab tables build`, chosen at random\n"
               "(seed S, default 0) among distinct trained classes, with the table's recorded\n"
               "preset (the class's representative cell, which is the one the build trained),\n"
               "and prints for the final-epoch valid and test accuracy of every seed the\n"
               "Spearman and Kendall rank correlation and the mean absolute difference\n"
               "between the live and the table values. The engine is deterministic, so on\n"
               "the same machine and OpenBLAS kernel the values are identical.\n"
               "  --data-dir DIR  dataset folder (default as tables build)\n"
               "  --threads T     engine threads, 0 = all cores (default 1)\n");
        return 0;
    }
    if (n_pos != 1) return cli_usage_error(cmd, "expected one table FILE");
    if (!sample_s) return cli_usage_error(cmd, "missing --sample K");
    long k, threads = 1;
    uint64_t seed = 0;
    if (nb_parse_long("--sample", sample_s, 1, 100000, &k) != NB_OK) return cli_fail(cmd, 1);
    if (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK) return cli_fail(cmd, 1);
    if (threads_s && nb_parse_long("--threads", threads_s, 0, 256, &threads) != NB_OK) return cli_fail(cmd, 1);
    if (threads == 0) threads = nb_cpu_count();

    tab_table *t = NULL;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail(cmd, 0);
    int rc = 1;
    float *vals = NULL;
    double *a = NULL, *b = NULL;
    pc_sample smp;
    if (pc_sample_choose(t, (size_t)k, seed, &smp) != NB_OK) {
        fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
        goto done;
    }
    const pc_preset *p = smp.preset;
    const char *dataset = smp.dataset;
    if (!dir) dir = !strcmp(dataset, "fashion-mnist") ? FMNIST_DIR : !strcmp(dataset, "cifar10") ? "data/cifar10" : "data/cifar100";
    k = (long)smp.k;
    size_t nf = (size_t)p->n_seeds * (size_t)p->epochs * PC_NV;
    vals = nb_xcalloc_array((size_t)k * nf + 1, sizeof *vals);
    printf("retraining %ld of %zu trained classes of %s (preset %s, %s, %d epochs, %d seeds)\n", k,
           smp.n_trained, pos[0], p->name, dataset, p->epochs, p->n_seeds);
    const char *built = tab_attr(t, "precompute_machine");
    printf("built on: %s\nhere: OpenBLAS %s, direct conv %s (identical values expected when the "
           "OpenBLAS kernels match)\n",
           built ? built : "(not recorded)", nn_blas_corename(), nn_simd_name());
    fflush(stdout);
    pc_job job = {p, dataset, dir, 0, 0, 1, (int)threads, 0, NULL};
    double t0 = nb_now();
    if (pc_train_cells(&job, smp.codes, (size_t)k, vals) != NB_OK) {
        fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
        goto done;
    }
    printf("retrained in %.1fs\n", nb_now() - t0);
    a = nb_xcalloc_array((size_t)k + 1, sizeof *a);
    b = nb_xcalloc_array((size_t)k + 1, sizeof *b);
    for (int s = 0; s < p->n_seeds; s++)
        for (int q = 0; q < 2; q++) {
            char what[48];
            pc_sample_pairs(t, &smp, vals, s, q, a, b, what, sizeof what);
            compare_print(what, a, b, (size_t)k);
        }
    rc = 0;
done:
    free(a);
    free(b);
    free(vals);
    pc_sample_free(&smp);
    tab_close(t);
    return rc;
}

int cmd_correlate(int argc, char **argv)
{
    const char *ma_s = NULL, *mb_s = NULL, *fa_s = NULL, *fb_s = NULL, *sa_s = NULL, *sb_s = NULL;
    int n_pos, help, unique = 0;
    const char *pos[4];
    cli_opt opts[] = {
        {"--metric-a", NULL, &ma_s, NULL},   {"--metric-b", NULL, &mb_s, NULL},
        {"--fidelity-a", NULL, &fa_s, NULL}, {"--fidelity-b", NULL, &fb_s, NULL},
        {"--seed-a", NULL, &sa_s, NULL},     {"--seed-b", NULL, &sb_s, NULL},
        {"--unique", NULL, NULL, &unique},
    };
    const char *cmd = "tables correlate";
    if (cli_parse(cmd, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 4, &n_pos, &help)) return 2;
    if (help) {
        printf("usage: nastab tables correlate A.h5 DATASET_A B.h5 DATASET_B [--metric-a M] [--metric-b M]\n"
               "                               [--fidelity-a E] [--fidelity-b E] [--unique]\n"
               "\n"
               "Spearman's rho and Kendall's tau-b between a column of table A and a column of\n"
               "table B over the cells both hold with finite values (seed mean, final epoch),\n"
               "and the top-10 cells of A with their rank in B.\n"
               "  --metric-a/-b M    metric name (default test_acc)\n"
               "  --fidelity-a/-b E  schedule length (default: the dataset's largest)\n"
               "  --seed-a/-b S      one seed of the seed axis instead of the seed mean (e.g. the\n"
               "                     same table twice with seeds 777 and 888: seed-to-seed agreement)\n"
               "  --unique           one cell per isomorphism class (NB201's 6466 unique cells)\n");
        return 0;
    }
    if (n_pos != 4) return cli_usage_error(cmd, "expected A.h5 DATASET_A B.h5 DATASET_B");
    tab_metric_id m[2] = {TAB_TEST_ACC, TAB_TEST_ACC};
    const char *ms[2] = {ma_s, mb_s}, *fs[2] = {fa_s, fb_s};
    long fid[2] = {0, 0}, seed[2] = {TAB_SEED_MEAN, TAB_SEED_MEAN};
    const char *ss[2] = {sa_s, sb_s};
    for (int i = 0; i < 2; i++) {
        if (ss[i] && nb_parse_long("--seed", ss[i], 0, 1000000000L, &seed[i]) != NB_OK) return cli_fail(cmd, 1);
        if (ms[i] && (int)(m[i] = (tab_metric_id)tab_metric_from_name(ms[i])) < 0)
            return cli_usage_error(cmd, "--metric-%c: unknown '%s'", 'a' + i, ms[i]);
        if (fs[i] && nb_parse_long("--fidelity", fs[i], 1, 100000, &fid[i]) != NB_OK) return cli_fail(cmd, 1);
    }
    tab_table *t[2] = {NULL, NULL};
    int ds[2], rc = 1;
    const float *col[2];
    float *own[2] = {NULL, NULL};
    double *x = NULL, *y = NULL;
    size_t *row = NULL;
    pc_classes cl = {0};
    for (int i = 0; i < 2; i++) {
        const char *path = pos[2 * i], *dname = pos[2 * i + 1];
        if (tab_open(path, &t[i]) != NB_OK) {
            fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
            goto done;
        }
        if ((ds[i] = tab_dataset_id(t[i], dname)) < 0) {
            fprintf(stderr, "nastab %s: %s has no dataset '%s'\n", cmd, path, dname);
            goto done;
        }
        if (!fid[i]) {
            int f[16];
            int nfid = tab_fidelities(t[i], ds[i], f, 16);
            for (int j = 0; j < nfid && j < 16; j++)
                if (f[j] > fid[i]) fid[i] = f[j];
        }
        if (seed[i] == TAB_SEED_MEAN) {
            if (!(col[i] = tab_metric_final(t[i], ds[i], (int)fid[i], m[i]))) {
                fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
                goto done;
            }
            continue;
        }
        size_t na = tab_n_archs(t[i]);
        own[i] = nb_xcalloc_array(na, sizeof *own[i]);
        for (size_t r = 0; r < na; r++) {
            nb_status st = tab_metric(t[i], ds[i], (int)fid[i], m[i], (int)seed[i], TAB_EPOCH_LAST, r, &own[i][r]);
            if (st == NB_EMISSING) {
                own[i][r] = NAN;
            } else if (st != NB_OK) {
                fprintf(stderr, "nastab %s: %s\n", cmd, nb_errmsg());
                goto done;
            }
        }
        col[i] = own[i];
    }
    size_t n = tab_n_archs(t[0]), k = 0;
    x = nb_xcalloc_array(n, sizeof *x);
    y = nb_xcalloc_array(n, sizeof *y);
    row = nb_xcalloc_array(n, sizeof *row);
    const space_def *sp = tab_space(t[0]);
    if (unique) pc_classes_init(&cl, sp, 0);
    uint8_t *seen = nb_xcalloc_array(cl.n ? cl.n : 1, 1);
    for (size_t i = 0; i < n; i++) {
        const space_arch *a = tab_arch(t[0], i);
        long j = tab_index_of(t[1], a);
        if (j < 0 || isnan(col[0][i]) || isnan(col[1][j])) continue;
        if (unique) {
            int32_t c = cl.class_of[sp->index(a)];
            if (seen[c]) continue;
            seen[c] = 1;
        }
        x[k] = col[0][i];
        y[k] = col[1][j];
        row[k++] = i;
    }
    free(seen);
    printf("%s %s %s (%ld epochs) vs %s %s %s (%ld epochs): %zu %scells\n", pos[0], pos[1],
           tab_metric_name(m[0]), fid[0], pos[2], pos[3], tab_metric_name(m[1]), fid[1], k,
           unique ? "unique " : "");
    printf("spearman %.4f\nkendall %.4f\n", rep_spearman(x, y, k), rep_kendall_tau_b(x, y, k));
    /* top 10 of A by its metric (losses: lowest), with B's rank */
    int low = m[0] == TAB_TRAIN_LOSS || m[0] == TAB_VALID_LOSS || m[0] == TAB_TEST_LOSS;
    double *ry = nb_xcalloc_array(k ? k : 1, sizeof *ry);
    if (k) rep_rank_avg(y, k, ry);
    size_t *ord = nb_xcalloc_array(k ? k : 1, sizeof *ord);
    for (size_t i = 0; i < k; i++) ord[i] = i;
    for (size_t i = 0; i < k && i < 10; i++) { /* selection of the 10 best */
        size_t b = i;
        for (size_t j = i + 1; j < k; j++)
            if (low ? x[ord[j]] < x[ord[b]] : x[ord[j]] > x[ord[b]]) b = j;
        size_t tmp = ord[i];
        ord[i] = ord[b];
        ord[b] = tmp;
        char s[SPACE_STR_MAX];
        sp->format(tab_arch(t[0], row[ord[i]]), s, sizeof s);
        printf("top%-2zu %-8.2f B %-8.2f B rank %.0f of %zu  %s\n", i + 1, x[ord[i]], y[ord[i]],
               (double)k + 1 - ry[ord[i]], k, s);
    }
    free(ry);
    free(ord);
    rc = 0;
done:
    free(x);
    free(y);
    free(row);
    free(own[0]);
    free(own[1]);
    pc_classes_free(&cl);
    tab_close(t[0]);
    tab_close(t[1]);
    return rc;
}
