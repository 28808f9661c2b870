/* bench/cmd_bench.c - `nastab bench`: micro-benchmarks behind `make bench`.
 *   nastab bench open FILE      open-to-first-query time and peak RSS (run in a fresh process)
 *   nastab bench query FILE     random metric queries per second on one core
 *   nastab bench blas           the OpenBLAS kernel and thread count in use
 *   nastab bench engine         the C engine's training and inference speed
 *   nastab bench supernet       the weight-sharing supernet's training speed
 * Output is key=value lines for bench/run-bench.sh to collect. */
#include <cblas.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "tables/tab.h"

static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int bench_open(const char *path)
{
    double t0 = nb_now();
    tab_table *t;
    if (tab_open(path, &t) != NB_OK) return cli_fail("bench", 0);
    int ds = tab_dataset_id(t, "cifar10");
    float v = 0;
    if (ds < 0 || tab_metric(t, ds, 200, TAB_TEST_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, 6111, &v) != NB_OK) {
        tab_close(t);
        return cli_fail("bench", 0);
    }
    double t1 = nb_now();
    printf("open_to_first_query_ms=%.3f\n", (t1 - t0) * 1e3);
    printf("first_query_value=%.4f\n", (double)v);
    printf("peak_rss_mb=%.1f\n", (double)peak_rss_kb() / 1024.0);
    tab_close(t);
    return 0;
}

typedef struct {
    int ds, fid;
    tab_metric_id m;
} combo;

static int bench_query(const char *path, long n_queries)
{
    tab_table *t;
    if (tab_open(path, &t) != NB_OK) return cli_fail("bench", 0);
    combo combos[256];
    int nc = 0;
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        int fid[8], nf = tab_fidelities(t, ds, fid, 8);
        for (int f = 0; f < nf && f < 8; f++)
            for (int m = 0; m < TAB_METRIC_COUNT && nc < 256; m++) {
                tab_column_info ci;
                if (tab_column_info_get(t, ds, fid[f], (tab_metric_id)m, &ci) != NB_OK) continue;
                if (tab_preload(t, ds, fid[f], (tab_metric_id)m) != NB_OK) {
                    tab_close(t);
                    return cli_fail("bench", 0);
                }
                combos[nc++] = (combo){ds, fid[f], (tab_metric_id)m};
            }
    }
    /* Pre-draw the random queries so the timed loop measures the store only. */
    enum { BATCH = 1 << 16 };
    static uint32_t qidx[BATCH];
    static uint8_t qcombo[BATCH];
    nb_rng rng;
    nb_rng_init(&rng, 42, 0, NB_PURPOSE_TEST);
    size_t n_archs = tab_n_archs(t);
    for (int i = 0; i < BATCH; i++) {
        qidx[i] = (uint32_t)nb_rng_below(&rng, n_archs);
        qcombo[i] = (uint8_t)nb_rng_below(&rng, (uint64_t)nc);
    }
    double sum = 0;
    long missing = 0;
    double t0 = nb_now();
    for (long q = 0; q < n_queries; q++) {
        int i = (int)(q & (BATCH - 1));
        const combo *c = &combos[qcombo[i]];
        float v;
        if (tab_metric(t, c->ds, c->fid, c->m, TAB_SEED_MEAN, TAB_EPOCH_LAST, qidx[i], &v) == NB_OK) sum += v;
        else missing++;
    }
    double dt = nb_now() - t0;
    printf("queries=%ld\ncolumns=%d\nqueries_per_second=%.0f\nmissing=%ld\nchecksum_of_values=%.3f\n", n_queries,
           nc, (double)n_queries / dt, missing, sum);
    printf("peak_rss_mb=%.1f\n", (double)peak_rss_kb() / 1024.0);
    tab_close(t);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    const char *queries = NULL, *pos[2];
    int n_pos, help;
    cli_opt opts[] = {{"--queries", NULL, &queries, NULL}};
    if (argc > 1 && !strcmp(argv[1], "engine")) return cmd_bench_engine(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "supernet")) return cmd_bench_supernet(argc - 1, argv + 1);
    if (cli_parse("bench", argc, argv, opts, 1, pos, 2, &n_pos, &help)) return 2;
    if (help || n_pos == 0) {
        fputs("usage: nastab bench open FILE | query FILE [--queries N] | blas | engine [...] | supernet [...]\n"
              "  open FILE     time from tab_open to the first answered query, peak RSS\n"
              "  query FILE    random metric queries per second, one core\n"
              "  --queries N   number of timed queries (default 20000000)\n"
              "  blas          OpenBLAS kernel (core name) and configuration\n"
              "  engine        C engine training images/s and inference latency (see its --help)\n"
              "  supernet      supernet training images/s, mixed or path mode (see its --help)\n",
              help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (!strcmp(pos[0], "blas")) {
        printf("openblas_corename=%s\nopenblas_config=%s\nopenblas_threads=%d\n", openblas_get_corename(),
               openblas_get_config(), openblas_get_num_threads());
        return 0;
    }
    if (n_pos != 2) return cli_usage_error("bench", "'%s' needs a FILE", pos[0]);
    if (!strcmp(pos[0], "open")) return bench_open(pos[1]);
    if (!strcmp(pos[0], "query")) {
        long n = 20000000;
        if (queries && nb_parse_long("--queries", queries, 1, 1L << 40, &n) != NB_OK) return cli_fail("bench", 1);
        return bench_query(pos[1], n);
    }
    return cli_usage_error("bench", "unknown benchmark '%s' (open, query, blas)", pos[0]);
}
