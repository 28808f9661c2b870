/* bench/cmd_latency.c - `nastab latency`: measure the inference latency of a
 * deterministic sample of architectures with the C engine on this machine
 * and store it as hardware columns "<device>_latency_b<batch>" (ms) of the
 * table, with the host described in the column's attributes.
 *
 * Protocol: each sampled cell is built at the dataset's NB201 shape (C=16,
 * N=5, 3x32x32, 10 classes for CIFAR-10 by default), initialised from the
 * seed, and timed as one eval-mode forward pass (train = 0) of a batch of
 * random inputs, by the stopping rule of nn/nn.h (nn_latency_measure): rounds of 5..50
 * timings (after 2 warm-up passes) stopped when MAD/median < 2%; a round per
 * architecture in each of two passes over the sample (forward, then
 * backward), whose medians must agree within 5%; a third pass for the
 * rest, which must agree with one of them; else the value is NaN and
 * counted as flagged. Timings shorter than 2 ms average consecutive passes.
 * A canary network timed around every round detects a busy machine.
 *
 * Outputs: a measurement that stored no value (every value of a batch size
 * flagged) is a failure (exit 1, no column, no CSV); a partly flagged one
 * says so on stderr with the count. Every file written (plan, CSV) appears
 * complete under its name or not at all (core's nb_file_tmp_create /
 * nb_file_commit_stream), and none may be the table itself. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "nn/nn.h"
#include "reports/rep.h"
#include "tables/tab.h"

#define CMD "latency"
#define MAX_BATCHES 8
#define DEFAULT_SAMPLE 100

static void latency_help(void)
{
    printf("usage: nastab latency --table FILE --device NAME [--batch B[,B...]] [--threads T]\n"
           "                      [--sample K|all] [--seed S] [--dataset D] [--channels C]\n"
           "                      [--cells N] [--input HxW] [--csv-out FILE] [--csv-only]\n"
           "                      [--replace] [--plan-out FILE] [--space nb201|sss] [--json]\n"
           "\n"
           "Measure the inference latency (eval-mode forward pass, ms) of a sample of\n"
           "architectures with the C engine on this machine and add one hardware column\n"
           "per batch size, NAME_latency_b<B>, to the table (written atomically; the host\n"
           "is described in the column's `host` attribute). Each value is the mean of the\n"
           "medians of two rounds of 5..50 timings, taken in two passes over the sample,\n"
           "each round stopped when MAD/median < 2%%, the two agreeing within 5%%;\n"
           "otherwise a third pass, which must agree with one of them, and if still noisy\n"
           "the value is NaN and counted as flagged. A fixed canary network timed around\n"
           "every round detects a busy machine: rounds with a canary > 10%% above its median\n"
           "are not trusted. Architectures outside the sample are NaN.\n"
           "\n"
           "  --table FILE      table built by `nastab tables import nb201` (required)\n"
           "  --device NAME     column name prefix and `device` attribute, e.g. host (required)\n"
           "  --batch LIST      batch sizes (default 1)\n"
           "  --threads T       engine threads (default 1; values do not change the logits)\n"
           "  --sample K|all    architectures to measure, drawn from the seed (default %d,\n"
           "                    a few minutes at batch 1); all = every architecture\n"
           "  --seed S          sample, weights and inputs (default 0)\n"
           "  --dataset D       network shape and the column's `dataset` attribute:\n"
           "                    cifar10 (default), cifar10-valid, cifar100, ImageNet16-120\n"
           "  --channels C      stem width (default 16, NB201)\n"
           "  --cells N         cells per stage (default 5, NB201)\n"
           "  --input HxW       input size (default: the dataset's, 32x32 or 16x16)\n"
           "  --csv-out FILE    also write index,arch,value,spread rows (for `tables\n"
           "                    add-column`); with several batch sizes _b<B> is put before\n"
           "                    the extension\n"
           "  --csv-only        measure and write the CSV only, leave the table unchanged\n"
           "  --plan-out FILE   write the sample as index,arch rows and stop (no timing):\n"
           "                    the input of bench/probe on another device\n"
           "  --replace         overwrite existing columns of the same name\n"
           "  --space S         the table's space (nb201 or sss): refuse a table of the other\n"
           "                    one. An sss network takes its widths from the architecture\n"
           "                    (no --channels/--cells). A table holding part of its space\n"
           "                    (tables build --sample K) is sampled among the\n"
           "                    architectures it holds\n"
           "  --json            one JSON object on stdout instead of the text (shape:\n"
           "                    README.md \"Machine-readable output\")\n",
           DEFAULT_SAMPLE);
}

/* ---- argument helpers */

static int parse_batches(const char *s, int *b, int *nb)
{
    char buf[256];
    if (strlen(s) >= sizeof buf) return cli_usage_error(CMD, "--batch: list too long");
    strcpy(buf, s);
    *nb = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long v;
        if (*nb >= MAX_BATCHES) return cli_usage_error(CMD, "--batch: more than %d sizes", MAX_BATCHES);
        if (nb_parse_long("--batch", tok, 1, 4096, &v) != NB_OK) return cli_fail(CMD, 1);
        for (int k = 0; k < *nb; k++)
            if (b[k] == v) return cli_usage_error(CMD, "--batch: %ld given twice", v);
        b[(*nb)++] = (int)v;
    }
    if (*nb == 0) return cli_usage_error(CMD, "--batch: empty list");
    return 0;
}

static int parse_input(const char *s, int *h, int *w)
{
    char buf[64];
    if (strlen(s) >= sizeof buf) return cli_usage_error(CMD, "--input: '%s' is not HxW", s);
    strcpy(buf, s);
    char *x = strchr(buf, 'x');
    if (!x) return cli_usage_error(CMD, "--input: '%s' is not HxW (e.g. 32x32)", s);
    *x = 0;
    long hh, ww;
    if (nb_parse_long("--input height", buf, 1, 1024, &hh) != NB_OK ||
        nb_parse_long("--input width", x + 1, 1, 1024, &ww) != NB_OK)
        return cli_fail(CMD, 1);
    *h = (int)hh, *w = (int)ww;
    return 0;
}

/* out_b = path with "_b<B>" before the extension (when several batches). */
static void csv_name(const char *path, int batch, int several, char *out, size_t n)
{
    if (!several) {
        snprintf(out, n, "%s", path);
        return;
    }
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash)) dot = path + strlen(path);
    snprintf(out, n, "%.*s_b%d%s", (int)(dot - path), path, batch, dot);
}

static int refuse_table_output(const char *opt, const char *out, const char *table)
{
    nb_file_input in[] = {{"table", table}};
    if (nb_file_check_output(out, in, 1) == NB_OK) return 0;
    fprintf(stderr, "nastab " CMD ": %s: %s\n", opt, nb_errmsg());
    return 1;
}

static int write_csv(const char *path, tab_table *t, const size_t *idx, size_t k,
                     const float *val, const float *spread)
{
    char *tmp;
    FILE *f;
    if (nb_file_tmp_create(path, &tmp, &f) != NB_OK) return cli_fail(CMD, 0);
    fprintf(f, "index,arch,value,spread\n");
    char s[SPACE_STR_MAX];
    for (size_t j = 0; j < k; j++) {
        size_t i = idx[j];
        tab_space(t)->format(tab_arch(t, i), s, sizeof s);
        if (isnan(val[i])) fprintf(f, "%zu,%s,,\n", i, s);
        else fprintf(f, "%zu,%s,%.6g,%.3g\n", i, s, val[i], spread[i]);
    }
    nb_status st = nb_file_commit_stream(f, tmp, path);
    free(tmp);
    return st == NB_OK ? 0 : cli_fail(CMD, 0);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Kendall tau-b of v against c over the sampled architectures where both
 * are finite (a flagged value is NaN: it takes no part); prints the pair
 * count, and no tau below 3 pairs. */
static void print_tau(const char *label, const size_t *idx, size_t k, const float *v,
                      const float *c, double *x, double *y, FILE *jf)
{
    size_t m = 0;
    for (size_t j = 0; j < k; j++)
        if (isfinite(v[idx[j]]) && isfinite(c[idx[j]])) x[m] = v[idx[j]], y[m++] = c[idx[j]];
    if (jf) {
        fprintf(jf, "{\"against\":");
        cli_json_str(jf, label);
        fprintf(jf, ",\"pairs\":%zu,\"tau_b\":", m);
        cli_json_num(jf, m < 3 ? NAN : rep_kendall_tau_b(x, y, m));
        fputc('}', jf);
    } else if (m < 3) printf("  %-44s   n/a   (n=%zu finite pairs, need 3)\n", label, m);
    else printf("  %-44s %+.3f  (n=%zu)\n", label, rep_kendall_tau_b(x, y, m), m);
}

/* Kendall tau-b of the new column against every other latency column and
 * the dataset's FLOPs, over the sampled architectures; jf != NULL: to jf
 * as a JSON array of {"against","pairs","tau_b"}. */
static void print_taus(tab_table *t, const char *ds, const size_t *idx, size_t k, const float *v,
                       const char *name, FILE *jf)
{
    double *x = nb_xcalloc_array(k, sizeof *x), *y = nb_xcalloc_array(k, sizeof *y);
    int dsid = tab_dataset_id(t, ds), n = 0;
    const float *fl = dsid >= 0 ? tab_cost_column(t, dsid, TAB_COST_FLOPS) : NULL;
    if (jf) fputc('[', jf);
    else printf("%s: Kendall tau-b over the sampled architectures with finite values\n", name);
    if (fl) print_tau(jf ? "flops" : "flops (NB201, this dataset)", idx, k, v, fl, x, y, jf), n++;
    for (int i = 0; i < tab_n_devices(t); i++) {
        tab_device_info di;
        const float *c;
        if (tab_device(t, i, &di) != NB_OK || !(c = tab_device_values(t, i))) continue;
        if (strcmp(di.metric, "latency") != 0 || !strcmp(di.name, name)) continue;
        if (jf && n++) fputc(',', jf);
        print_tau(di.name, idx, k, v, c, x, y, jf);
    }
    if (jf) fputc(']', jf);
    free(x);
    free(y);
}

/* --json (README.md "Machine-readable output"): the object without its
 * closing "stored" key and brace, to jf. val: (nbatch, n) per table index. */
static void latency_json(FILE *jf, tab_table *t, const char *table, const char *device,
                         const char *dataset, const nn_config *cfg, uint64_t seed, long threads,
                         const size_t *idx, size_t k, size_t n, const int *batches, int nbatch,
                         char names[][96], const float *val, const nn_latency_result *res,
                         const char *host, const char *csv_out)
{
    fprintf(jf, "{\"command\":\"latency\",\"format\":1,\"type\":\"measure\",\"table\":");
    cli_json_str(jf, table);
    fprintf(jf, ",\"device\":");
    cli_json_str(jf, device);
    fprintf(jf, ",\"dataset\":");
    cli_json_str(jf, dataset);
    fprintf(jf, ",\"channels\":%d,\"cells\":%d,\"input\":[%d,%d,%d],\"classes\":%d,\"sample\":%zu,"
                "\"archs\":%zu,\"seed\":%llu,\"threads\":%ld,\"seconds\":",
            cfg->C, cfg->N, cfg->in_ch, cfg->H, cfg->W, cfg->classes, k, n, (unsigned long long)seed,
            threads);
    cli_json_num(jf, res->seconds);
    fprintf(jf, ",\"contended_rounds\":%ld,\"canary_best_ms\":", res->contended);
    cli_json_num(jf, res->canary_best);
    fprintf(jf, ",\"canary_median_ms\":");
    cli_json_num(jf, res->canary_median);
    fprintf(jf, ",\"host\":");
    cli_json_str(jf, host);
    fprintf(jf, ",\"columns\":[");
    double *v = nb_xcalloc_array(k, sizeof *v);
    for (int b = 0; b < nbatch; b++) {
        size_t m = 0;
        for (size_t j = 0; j < k; j++)
            if (!isnan(val[(size_t)b * n + idx[j]])) v[m++] = val[(size_t)b * n + idx[j]];
        double med = m ? nn_lat_median(v, m) : NAN; /* sorts v */
        fprintf(jf, "%s{\"name\":", b ? "," : "");
        cli_json_str(jf, names[b]);
        fprintf(jf, ",\"batch\":%d,\"unit\":\"ms\",\"measured\":%zu,\"flagged\":%d,\"median_ms\":",
                batches[b], m, res->flagged[b]);
        cli_json_num(jf, med);
        fprintf(jf, ",\"min_ms\":");
        cli_json_num(jf, m ? v[0] : NAN);
        fprintf(jf, ",\"max_ms\":");
        cli_json_num(jf, m ? v[m - 1] : NAN);
        char path[1024];
        if (csv_out) csv_name(csv_out, batches[b], nbatch > 1, path, sizeof path);
        fprintf(jf, ",\"csv\":");
        cli_json_str(jf, csv_out ? path : NULL);
        fprintf(jf, ",\"kendall\":");
        print_taus(t, dataset, idx, k, val + (size_t)b * n, names[b], jf);
        fputc('}', jf);
    }
    free(v);
    fputc(']', jf);
}

int cmd_latency(int argc, char **argv)
{
    const char *table = NULL, *device = NULL, *batch_s = NULL, *threads_s = NULL, *sample_s = NULL,
               *seed_s = NULL, *dataset = NULL, *ch_s = NULL, *cells_s = NULL, *input_s = NULL,
               *csv_out = NULL, *plan_out = NULL, *space_s = NULL;
    int csv_only = 0, replace = 0, json = 0, help = 0, n_pos = 0;
    const cli_opt opts[] = {
        {"--table", NULL, &table, NULL},       {"--device", NULL, &device, NULL},
        {"--batch", NULL, &batch_s, NULL},     {"--threads", NULL, &threads_s, NULL},
        {"--sample", NULL, &sample_s, NULL},   {"--seed", NULL, &seed_s, NULL},
        {"--dataset", NULL, &dataset, NULL},   {"--channels", NULL, &ch_s, NULL},
        {"--cells", NULL, &cells_s, NULL},     {"--input", NULL, &input_s, NULL},
        {"--csv-out", NULL, &csv_out, NULL},   {"--csv-only", NULL, NULL, &csv_only},
        {"--replace", NULL, NULL, &replace},   {"--plan-out", NULL, &plan_out, NULL},
        {"--json", NULL, NULL, &json},         {"--space", NULL, &space_s, NULL},
    };
    const char *pos[1];
    if (cli_parse(CMD, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help))
        return 2;
    if (help) {
        latency_help();
        return 0;
    }
    if (!table) return cli_usage_error(CMD, "missing --table FILE");
    if (!device) return cli_usage_error(CMD, "missing --device NAME");
    if (!device[0] || strlen(device) > 60 || strchr(device, '/'))
        return cli_usage_error(CMD, "--device: '%s' must be 1..60 characters without '/'", device);
    if (csv_only && !csv_out) return cli_usage_error(CMD, "--csv-only needs --csv-out FILE");

    int batches[MAX_BATCHES] = {1}, nbatch = 1;
    if (batch_s && parse_batches(batch_s, batches, &nbatch)) return 2;
    long threads = 1, C = 16, N = 5;
    uint64_t seed = 0;
    if (threads_s && nb_parse_long("--threads", threads_s, 1, 256, &threads) != NB_OK)
        return cli_fail(CMD, 1);
    if (ch_s && nb_parse_long("--channels", ch_s, 1, 256, &C) != NB_OK) return cli_fail(CMD, 1);
    if (cells_s && nb_parse_long("--cells", cells_s, 1, 20, &N) != NB_OK) return cli_fail(CMD, 1);
    if (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK) return cli_fail(CMD, 1);
    if (!dataset) dataset = "cifar10";
    nn_config shape = nn_config_default();
    if (nn_dataset_shape(dataset, &shape) != NB_OK || shape.in_ch != 3)
        return cli_usage_error(CMD, "--dataset: unknown '%s' (cifar10, cifar10-valid, cifar100, "
                                    "ImageNet16-120)", dataset);
    int classes = shape.classes, H = shape.H, W = shape.W;
    if (input_s && parse_input(input_s, &H, &W)) return 2;

    const space_def *want_space = NULL;
    if (space_s && !(want_space = space_find(space_s))) return cli_usage_error(CMD, "--space: %s", nb_errmsg());
    tab_table *t = NULL;
    if (tab_open(table, &t) != NB_OK) return cli_fail(CMD, 0);
    const int sss = tab_space(t) == &space_sss;
    if ((want_space && want_space != tab_space(t)) || (sss && (ch_s || cells_s))) {
        const char *have = tab_space(t)->name; /* static */
        const int other = want_space && want_space != tab_space(t);
        tab_close(t);
        if (other)
            return cli_usage_error(CMD, "--space %s: %s is a table of space '%s'; hint: --space %s "
                                   "or a table of space '%s'", space_s, table, have, have, space_s);
        return cli_usage_error(CMD, "--channels/--cells: %s is a table of space 'sss', whose "
                               "networks take every layer's width from the architecture", table);
    }
    const size_t n = tab_n_archs(t);
    /* The sample: the first k of the held architectures in a seeded order
     * (every one of a complete table; a partial one, e.g. an sss --sample K
     * build, stores the others as NaN). */
    size_t *perm = nb_xcalloc_array(n ? n : 1, sizeof *perm);
    const size_t n_held = tab_sample_held(t, seed, perm);
    if (n_held == 0) {
        fprintf(stderr, "nastab " CMD ": %s holds no architecture with an accuracy (every value "
                        "NaN); nothing to measure\n", table);
        free(perm);
        tab_close(t);
        return 1;
    }
    size_t k = DEFAULT_SAMPLE < n_held ? DEFAULT_SAMPLE : n_held;
    if (sample_s && !strcmp(sample_s, "all")) {
        k = n_held;
    } else if (sample_s) {
        long kk;
        if (nb_parse_long("--sample", sample_s, 1, (long)n_held, &kk) != NB_OK) {
            free(perm);
            tab_close(t);
            return cli_fail(CMD, 1);
        }
        k = (size_t)kk;
    }
    /* Refuse an existing column before minutes of measuring, not after. */
    char names[MAX_BATCHES][96];
    for (int b = 0; b < nbatch; b++) {
        snprintf(names[b], sizeof names[b], "%s_latency_b%d", device, batches[b]);
        for (int i = 0; !csv_only && !plan_out && !replace && i < tab_n_devices(t); i++) {
            tab_device_info di;
            if (tab_device(t, i, &di) == NB_OK && !strcmp(di.name, names[b])) {
                fprintf(stderr, "nastab " CMD ": %s already has hardware column '%s'; hint: "
                                "--replace to overwrite it\n", table, names[b]);
                free(perm);
                tab_close(t);
                return 1;
            }
        }
    }

    /* No output may be the table (a CSV or plan over it would destroy it). */
    int same = plan_out && refuse_table_output("--plan-out", plan_out, table);
    for (int b = 0; b < nbatch && csv_out && !plan_out && !same; b++) {
        char path[1024];
        csv_name(csv_out, batches[b], nbatch > 1, path, sizeof path);
        same = refuse_table_output("--csv-out", path, table);
    }
    if (same) {
        free(perm);
        tab_close(t);
        return 1;
    }

    if (plan_out) { /* the sample only, for bench/probe on another machine */
        qsort(perm, k, sizeof *perm, cmp_size);
        char *ptmp;
        FILE *pf;
        int prc = 0;
        if (nb_file_tmp_create(plan_out, &ptmp, &pf) != NB_OK) {
            prc = cli_fail(CMD, 0);
        } else {
            char s[SPACE_STR_MAX];
            fprintf(pf, "index,arch\n");
            for (size_t j = 0; j < k; j++) {
                tab_space(t)->format(tab_arch(t, perm[j]), s, sizeof s);
                fprintf(pf, "%zu,%s\n", perm[j], s);
            }
            if (nb_file_commit_stream(pf, ptmp, plan_out) != NB_OK) prc = cli_fail(CMD, 0);
            free(ptmp);
        }
        if (prc == 0 && json) {
            printf("{\"command\":\"latency\",\"format\":1,\"type\":\"plan\",\"plan_out\":");
            cli_json_str(stdout, plan_out);
            printf(",\"sample\":%zu,\"seed\":%llu}\n", k, (unsigned long long)seed);
        } else if (prc == 0) {
            printf("wrote the plan of %zu architectures to %s\n", k, plan_out);
        }
        free(perm);
        tab_close(t);
        return prc;
    }

    nn_set_threads((int)threads);
    int maxb = 1;
    for (int b = 0; b < nbatch; b++) maxb = batches[b] > maxb ? batches[b] : maxb;
    nn_config cfg = {(int)C, (int)N, classes, 3, H, W, maxb, 0};
    const nn_lat_rule rule = nn_lat_rule_default();
    space_arch *archs = nb_xcalloc_array(k, sizeof *archs);
    for (size_t j = 0; j < k; j++) archs[j] = *tab_arch(t, perm[j]);
    nn_latency_config lc = {cfg, batches, nbatch, seed, rule, 1, perm, tab_space(t)};
    nn_latency_result res;
    nb_status st = nn_latency_measure(&lc, archs, k, &res);
    free(archs);
    if (st != NB_OK) {
        free(perm);
        tab_close(t);
        return cli_fail(CMD, 0);
    }
    /* per table index, NaN outside the sample */
    float *val = nb_xcalloc_array((size_t)nbatch * n, sizeof *val);
    float *spr = nb_xcalloc_array((size_t)nbatch * n, sizeof *spr);
    for (size_t i = 0; i < (size_t)nbatch * n; i++) val[i] = spr[i] = NAN;
    for (int b = 0; b < nbatch; b++)
        for (size_t j = 0; j < k; j++) {
            val[(size_t)b * n + perm[j]] = res.value[(size_t)b * k + j];
            spr[(size_t)b * n + perm[j]] = res.spread[(size_t)b * k + j];
        }
    int rc = 0;
    qsort(perm, k, sizeof *perm, cmp_size); /* the sample in index order for the CSV */

    /* A batch size whose every value is flagged stored nothing: fail before
     * writing anything; a partly flagged one is stated on stderr. */
    for (int b = 0; b < nbatch; b++) {
        if ((size_t)res.flagged[b] < k) continue;
        fprintf(stderr,
                "nastab " CMD ": all %zu values of %s flagged noisy: no two of 3 rounds per "
                "architecture were stable (MAD/median < %.0f%%) and within %.0f%% (%ld rounds "
                "distrusted because the canary network ran > %.0f%% slower than its median); "
                "nothing stored, %s is unchanged%s; hint: measure on a quiet machine (nothing "
                "else running, fixed CPU frequency)\n",
                k, names[b], rule.max_rmad * 100, rule.agree * 100, res.contended,
                NN_LAT_CANARY_TOL * 100, table, csv_out ? " and no CSV written" : "");
        rc = 1;
    }
    for (int b = 0; b < nbatch && rc == 0; b++)
        if (res.flagged[b] > 0)
            fprintf(stderr, "nastab " CMD ": warning: %d of %zu values of %s flagged noisy and "
                            "stored as NaN (no two of 3 rounds stable and agreeing); the column "
                            "holds %zu measured values\n",
                    res.flagged[b], k, names[b], k - (size_t)res.flagged[b]);
    if (rc != 0) {
        tab_close(t);
        nn_latency_free(&res);
        free(val);
        free(spr);
        free(perm);
        return rc;
    }

    char host[1024];
    nn_latency_host(host, sizeof host, (int)threads);
    for (int b = 0; b < nbatch && rc == 0 && csv_out; b++) {
        char path[1024];
        csv_name(csv_out, batches[b], nbatch > 1, path, sizeof path);
        rc = write_csv(path, t, perm, k, val + (size_t)b * n, spr + (size_t)b * n);
        if (rc == 0 && !json) printf("wrote %s\n", path);
    }
    for (int b = 0; b < nbatch && rc == 0 && !json; b++) {
        double *tmpv = nb_xcalloc_array(k, sizeof *tmpv);
        size_t m = 0;
        for (size_t j = 0; j < k; j++) {
            float v = val[(size_t)b * n + perm[j]];
            if (!isnan(v)) tmpv[m++] = v;
        }
        double med = m ? nn_lat_median(tmpv, m) : NAN;
        printf("%s: %zu measured, %d flagged noisy (NaN), median %.4g ms, range %.4g..%.4g ms\n",
               names[b], m, res.flagged[b], med, m ? tmpv[0] : NAN, m ? tmpv[m - 1] : NAN);
        free(tmpv);
        print_taus(t, dataset, perm, k, val + (size_t)b * n, names[b], NULL);
    }
    /* --json: the object is built while the table is open (the taus read
     * it) and printed once the columns are stored, so it appears whole or
     * not at all. */
    char *jbuf = NULL;
    size_t jlen = 0;
    FILE *jf = json && rc == 0 ? open_memstream(&jbuf, &jlen) : NULL;
    if (json && rc == 0 && !jf) {
        fprintf(stderr, "nastab " CMD ": --json: out of memory for the output; nothing stored\n");
        rc = 1;
    }
    if (jf)
        latency_json(jf, t, table, device, dataset, &cfg, seed, threads, perm, k, n, batches, nbatch,
                     names, val, &res, host, csv_out);
    if (!json) {
        printf("measured %zu architectures x %d batch sizes in %.1f s; ", k, nbatch, res.seconds);
        if (res.contended > 0)
            printf("%ld rounds discarded because the canary network ran > %.0f%% slower than its "
                   "median (best %.4g ms, median %.4g ms): the machine was busy\n", res.contended,
                   NN_LAT_CANARY_TOL * 100, res.canary_best, res.canary_median);
        else
            printf("no round discarded by the canary network (best %.4g ms, median %.4g ms)\n",
                   res.canary_best, res.canary_median);
        printf("host: %s\n", host);
    }
    tab_close(t);
    t = NULL;
    for (int b = 0; b < nbatch && rc == 0 && !csv_only; b++) {
        char note[800], net_s[96] = "", pool_s[96] = "";
        if (sss) snprintf(net_s, sizeof net_s, "each architecture's NATS-Bench size-space network");
        else snprintf(net_s, sizeof net_s, "network C=%ld N=%ld", C, N);
        if (n_held < n) snprintf(pool_s, sizeof pool_s, " held by the table (of %zu rows)", n);
        snprintf(note, sizeof note,
                 "nastab latency: eval-mode forward pass of the C engine, mean of the medians of "
                 "two agreeing rounds (of 3 at most, in separate passes over the sample) of 5..50 "
                 "timings (MAD/median < %.0f%%, rounds within %.0f%%), each after %d warm-up "
                 "passes, rounds with a slow canary network (busy machine) not trusted; a timing "
                 "under %.0f ms averages consecutive passes; %s input 3x%dx%d, %d classes; sample of %zu "
                 "of %zu architectures%s (seed %llu), the rest NaN; %d flagged noisy (NaN)",
                 rule.max_rmad * 100, rule.agree * 100, rule.warmup, NN_LAT_MIN_TIMING_MS, net_s, H, W, classes, k,
                 n_held, pool_s, (unsigned long long)seed, res.flagged[b]);
        tab_device_info di = {names[b], device, "latency", "ms", dataset, batches[b], "measured", 0};
        tab_add_opts o = {note, host, replace};
        if (tab_add_hardware_ex(table, &di, val + (size_t)b * n, &o) != NB_OK) rc = cli_fail(CMD, 0);
        else if (!json) printf("added hardware column %s to %s\n", names[b], table);
    }
    if (jf) {
        fprintf(jf, ",\"stored\":%s}\n", csv_only ? "false" : "true");
        if (fclose(jf) == 0 && rc == 0) fwrite(jbuf, 1, jlen, stdout);
        free(jbuf);
    }
    tab_close(t);
    nn_latency_free(&res);
    free(val);
    free(spr);
    free(perm);
    return rc;
}
