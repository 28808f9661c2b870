/* bench/probe/probe.c - stand-alone latency probe for edge devices: the C
 * engine (nn/, core/, spaces/; no HDF5, no zlib, OpenBLAS optional) in one
 * static binary that times the eval-mode forward pass of NB201 cells on the
 * device and writes CSV rows index,arch,value,spread (ms) that
 * `nastab tables add-column` stores as a hardware column.
 *
 * The architectures come from a plan CSV made on the host, whose first two
 * columns are index,arch (header required), e.g. from
 *     nastab latency --table nb201.h5 --device pixel7 --sample 100 --plan-out plan.csv
 * The timing protocol is the one of `nastab latency` (nn_latency_measure, nn/nn.h): a
 * round of 5..50 timings per architecture in each of two passes over the
 * plan, medians agreeing within 5%, a third pass for the rest, else NaN
 * (an empty value field). --logits prints the logits of a fixed input
 * instead, to check a cross-compiled build against the host (check.sh).
 *
 * Build (bench/probe/check.sh does both):
 *   host:    cc  -std=c11 -O2 -I. probe.c ENGINE_SOURCES -lopenblas
 *   aarch64: aarch64-linux-gnu-gcc -std=c11 -O2 -static -I. -Inn/blas_shim
 *            probe.c nn/blas_shim/refblas.c ENGINE_SOURCES        (plain-loop sgemm, no OpenBLAS) */
#include <cblas.h> /* OpenBLAS, or nn/blas_shim/cblas.h first on the include path */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/nb.h"
#include "nn/nn.h"
#include "nn/nn_kernels.h"
#include "spaces/space.h"

static void usage(FILE *f)
{
    fputs("usage: probe PLAN.csv [-o OUT.csv] [--batch B] [--channels C] [--cells N]\n"
          "             [--classes K] [--input HxW] [--threads T] [--seed S] [--reference]\n"
          "             [--logits]\n"
          "Times the eval-mode forward pass of each architecture of PLAN.csv (first columns\n"
          "index,arch; header required) and writes index,arch,value,spread (ms) to OUT.csv\n"
          "(default stdout) for `nastab tables add-column`. Defaults: batch 1, C=16, N=5,\n"
          "10 classes, 32x32 (NB201 CIFAR-10), 1 thread, seed 0. --reference: the plain\n"
          "loop convolution of nn/ref.c. --logits: print index,logits... of one fixed\n"
          "input per architecture instead of timing (checks a build against another).\n",
          f);
}

typedef struct {
    long index;
    space_arch arch;
    char str[SPACE_STR_MAX];
} plan_row;

/* Read PLAN.csv: header "index,arch..." then index,arch[,anything] rows. */
static int read_plan(const char *path, plan_row **rows, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "probe: cannot open %s\n", path);
        return 1;
    }
    char line[1024];
    size_t cap = 64;
    *rows = nb_xcalloc_array(cap, sizeof **rows);
    *n = 0;
    long ln = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        line[strcspn(line, "\r\n")] = 0;
        if (ln == 1) {
            if (strncmp(line, "index,arch", 10) != 0) {
                fprintf(stderr, "probe: %s:1: expected a header starting index,arch\n", path);
                fclose(f);
                return 1;
            }
            continue;
        }
        if (!line[0]) continue;
        char *c1 = strchr(line, ',');
        if (!c1) {
            fprintf(stderr, "probe: %s:%ld: expected index,arch\n", path, ln);
            fclose(f);
            return 1;
        }
        *c1 = 0;
        char *arch = c1 + 1, *c2 = strchr(arch, ',');
        if (c2) *c2 = 0;
        if (*n == cap) {
            cap *= 2;
            *rows = nb_xrealloc_array(*rows, cap, sizeof **rows);
        }
        plan_row *r = &(*rows)[*n];
        if (nb_parse_long("index", line, 0, 1L << 30, &r->index) != NB_OK ||
            space_find("nb201")->parse(arch, &r->arch) != NB_OK) { /* the probe times NB201 cells */
            fprintf(stderr, "probe: %s:%ld: %s\n", path, ln, nb_errmsg());
            fclose(f);
            return 1;
        }
        snprintf(r->str, sizeof r->str, "%s", arch);
        (*n)++;
    }
    fclose(f);
    if (*n == 0) {
        fprintf(stderr, "probe: %s: no architectures\n", path);
        return 1;
    }
    return 0;
}

static const char *need(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "probe: %s needs a value\n", argv[*i]);
        exit(2);
    }
    return argv[++*i];
}

static long num(const char *what, const char *s, long lo, long hi)
{
    long v;
    if (nb_parse_long(what, s, lo, hi, &v) != NB_OK) {
        fprintf(stderr, "probe: %s\n", nb_errmsg());
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *plan = NULL, *out = NULL;
    nn_config cfg = nn_config_default();
    cfg.batch = 1;
    long threads = 1, seed = 0;
    int logits = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-o")) out = need(argc, argv, &i);
        else if (!strcmp(a, "--batch")) cfg.batch = (int)num("--batch", need(argc, argv, &i), 1, 4096);
        else if (!strcmp(a, "--channels")) cfg.C = (int)num("--channels", need(argc, argv, &i), 1, 256);
        else if (!strcmp(a, "--cells")) cfg.N = (int)num("--cells", need(argc, argv, &i), 1, 20);
        else if (!strcmp(a, "--classes")) cfg.classes = (int)num("--classes", need(argc, argv, &i), 2, 1000);
        else if (!strcmp(a, "--threads")) threads = num("--threads", need(argc, argv, &i), 1, 256);
        else if (!strcmp(a, "--seed")) seed = num("--seed", need(argc, argv, &i), 0, 1L << 30);
        else if (!strcmp(a, "--reference")) cfg.reference = 1;
        else if (!strcmp(a, "--logits")) logits = 1;
        else if (!strcmp(a, "--input")) {
            const char *s = need(argc, argv, &i);
            int h, w;
            char tail;
            if (sscanf(s, "%dx%d%c", &h, &w, &tail) != 2 || h < 1 || w < 1 || h > 1024 || w > 1024) {
                fprintf(stderr, "probe: --input: '%s' is not HxW (e.g. 32x32)\n", s);
                return 2;
            }
            cfg.H = h, cfg.W = w;
        } else if (a[0] == '-') {
            fprintf(stderr, "probe: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!plan) plan = a;
        else {
            fprintf(stderr, "probe: unexpected argument '%s'\n", a);
            return 2;
        }
    }
    if (!plan) {
        usage(stderr);
        return 2;
    }
    plan_row *rows = NULL;
    size_t n = 0;
    if (read_plan(plan, &rows, &n)) {
        free(rows);
        return 1;
    }
    /* The output appears complete or not at all, and never over the plan. */
    struct stat sp, so;
    if (out && stat(plan, &sp) == 0 && stat(out, &so) == 0 && sp.st_dev == so.st_dev &&
        sp.st_ino == so.st_ino) {
        fprintf(stderr, "probe: refusing to write -o %s: it is the plan %s (same file)\n", out, plan);
        free(rows);
        return 1;
    }
    char *otmp = NULL;
    FILE *fo = stdout;
    if (out && nb_file_tmp_create(out, &otmp, &fo) != NB_OK) {
        fprintf(stderr, "probe: %s\n", nb_errmsg());
        free(rows);
        return 1;
    }
    nn_kernels_set_threads((int)threads);
    size_t nin = (size_t)cfg.batch * cfg.in_ch * cfg.H * cfg.W;
    float *x = nb_xcalloc_array(nin, sizeof *x);
    nb_rng xr;
    nb_rng_init(&xr, (uint64_t)seed, 1, NB_PURPOSE_TEST);
    for (size_t i = 0; i < nin; i++) x[i] = (float)nb_rng_normal(&xr);
    int rc = 0;

    if (logits) {
        for (size_t j = 0; j < n && rc == 0; j++) {
            nn_net *net;
            if (nn_net_create(&cfg, space_find("nb201"), &rows[j].arch, &net) != NB_OK) {
                fprintf(stderr, "probe: %s\n", nb_errmsg());
                rc = 1;
                break;
            }
            nn_net_init(net, (uint64_t)seed);
            const float *y = nn_net_forward(net, x, 1, 0);
            fprintf(fo, "%ld", rows[j].index);
            for (int k = 0; k < cfg.classes; k++) fprintf(fo, ",%.9g", y[k]);
            fputc('\n', fo);
            nn_net_destroy(net);
        }
    } else {
        space_arch *archs = nb_xcalloc_array(n, sizeof *archs);
        for (size_t j = 0; j < n; j++) archs[j] = rows[j].arch;
        const int batches[1] = {cfg.batch};
        nn_latency_config lc = {cfg, batches, 1, (uint64_t)seed, nn_lat_rule_default(), 0, NULL,
                                space_find("nb201")};
        nn_latency_result res;
        if (nn_latency_measure(&lc, archs, n, &res) != NB_OK) {
            fprintf(stderr, "probe: %s\n", nb_errmsg());
            rc = 1;
        }
        free(archs);
        if (rc == 0 && (size_t)res.flagged[0] == n) {
            fprintf(stderr, "probe: all %zu values flagged noisy (no two of 3 rounds stable and "
                            "agreeing): nothing written; hint: measure on a quiet device\n", n);
            rc = 1;
        } else if (rc == 0 && res.flagged[0] > 0) {
            fprintf(stderr, "probe: warning: %d of %zu values flagged noisy (empty value)\n",
                    res.flagged[0], n);
        }
        if (rc == 0) {
            fprintf(fo, "index,arch,value,spread\n");
            for (size_t j = 0; j < n; j++) {
                if (isnan(res.value[j])) fprintf(fo, "%ld,%s,,\n", rows[j].index, rows[j].str);
                else
                    fprintf(fo, "%ld,%s,%.6g,%.3g\n", rows[j].index, rows[j].str, res.value[j],
                            res.spread[j]);
            }
            fprintf(stderr,
                    "probe: %zu architectures, %d flagged noisy (empty value), %.1f s; C=%d N=%d "
                    "%dx%d batch %d, %ld threads, conv %s, BLAS %s\n",
                    n, res.flagged[0], res.seconds, cfg.C, cfg.N, cfg.H, cfg.W, cfg.batch, threads,
                    cfg.reference ? "nn/ref.c loops" : "im2col + sgemm", openblas_get_corename());
        }
        nn_latency_free(&res);
    }
    if (out && rc != 0) {
        fclose(fo);
        nb_file_discard(otmp);
    } else if (out && nb_file_commit_stream(fo, otmp, out) != NB_OK) {
        fprintf(stderr, "probe: %s\n", nb_errmsg());
        rc = 1;
    }
    free(otmp);
    free(x);
    free(rows);
    return rc;
}
