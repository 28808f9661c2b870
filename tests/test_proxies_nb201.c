/* tests/test_proxies_nb201.c - our synflow at NB201's own shape (CIFAR-10:
 * C=16, N=5, 3x32x32, 10 classes) against the published synflow scores of
 * NB201 cells 0-199 (tables/data/curves200.csv.gz, provenance in
 * tables/data/PROVENANCE.md: the zero-cost-nas implementation, PyTorch
 * weights): synflow is data-independent, so the two must rank the cells
 * alike (Spearman rho >= 0.98, the criterion; 0.9991 measured).
 * `make test` checks cells 0-49 (about 7 CPU s); `make test-proxies` (run
 * by .ci/run) all 200 (NASTAB_ZC_CELLS=200: 34 CPU s, 0.17 s a cell);
 * under --quick (valgrind) the first 20 cells only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "nn/proxies.h"
#include "reports/rep.h"
#include "test.h"


#define N_PUB 200
#define PUB_PATH "tables/data/curves200.csv.gz"

/* Column `col` (0-based; the first ten columns hold no quoted commas) of
 * each row of curves200.csv.gz into v[arch_i], arch strings into s.
 * Returns the rows read, -1 when the file or its header is not as expected. */
static int read_published(const char *want, double *v, char (*s)[SPACE_STR_MAX])
{
    gzFile f = gzopen(PUB_PATH, "rb");
    if (!f) return -1;
    static char line[1 << 16];
    int col = -1, rows = 0;
    if (gzgets(f, line, sizeof line)) {
        char *tok = strtok(line, ",\n");
        for (int c = 0; tok; c++, tok = strtok(NULL, ",\n"))
            if (!strcmp(tok, want)) col = c;
    }
    while (col > 1 && gzgets(f, line, sizeof line)) {
        char *f0 = line, *p = line, *fields[12];
        int nf = 0;
        for (; *p && nf < 12; p++)
            if (*p == ',') {
                *p = '\0';
                fields[nf++] = f0;
                f0 = p + 1;
            }
        if (nf <= col) break;
        int i = atoi(fields[0]);
        if (i < 0 || i >= N_PUB) break;
        v[i] = strtod(fields[col], NULL);
        snprintf(s[i], SPACE_STR_MAX, "%s", fields[1]);
        rows++;
    }
    gzclose(f);
    return col > 1 ? rows : -1;
}

TEST(zc_synflow_ranks_nb201_cells_like_the_published_scores)
{
    static double pub[N_PUB], ours[N_PUB];
    static char str[N_PUB][SPACE_STR_MAX];
    int rows = read_published("synflow", pub, str);
    CHECK(rows == N_PUB);
    if (rows != N_PUB) return;
    const char *env = getenv("NASTAB_ZC_CELLS");
    int n = test_quick() ? 20 : env ? atoi(env) : 50;
    if (n < 10 || n > N_PUB) n = N_PUB;
    nn_config net = nn_config_default(); /* C=16 N=5, 10 classes, 3x32x32 */
    net.batch = 2;
    float x[2 * 3 * 32 * 32] = {0};
    int32_t y[2] = {0, 1};
    nn_zc_config zc = {net, 2, 0, x, y};
    const nn_zc_id id = NN_ZC_SYNFLOW;
    clock_t t0 = clock();
    tab_table *t = test_table();
    if (!t) return;
    for (int i = 0; i < n; i++) {
        space_arch a;
        CHECK_OK(space_parse(str[i], &a));
        /* the file's index is NB201's: the table's row i is the same cell */
        CHECK(!memcmp(tab_arch(t, (size_t)i), &a, sizeof a));
        CHECK_OK(nn_zc_compute(&zc, &space_nb201, &a, &id, 1, &ours[i]));
    }
    double rho = rep_spearman(ours, pub, (size_t)n);
    printf("  synflow at C=16 N=5 3x32x32 vs published, cells 0-%d: Spearman %.4f, Kendall %.4f "
           "(%.2f CPU s per cell)\n", n - 1, rho, rep_kendall_tau_b(ours, pub, (size_t)n),
           (double)(clock() - t0) / CLOCKS_PER_SEC / n);
    CHECK(rho >= 0.98);
}

/* The double-precision conv behind synflow (tap-outer loops) against the
 * plain reference loop it replaced (net.reference = 1): the same bits, on
 * cells with every op and the stride-2 residual blocks (C=4 N=1 3x12x12). */
TEST(zc_synflow_fast_conv_same_bits_as_reference)
{
    nn_config net = {4, 1, 10, 3, 12, 12, 2, 0};
    float x[2 * 3 * 12 * 12] = {0};
    int32_t y[2] = {0, 1};
    const nn_zc_id id = NN_ZC_SYNFLOW;
    const uint32_t cells[] = {0, 1462, 6111, 1835, 9930, 12345};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        space_arch a = space_nb201.arch(cells[i]);
        double fast, ref;
        nn_zc_config zc = {net, 2, 3, x, y};
        CHECK_OK(nn_zc_compute(&zc, &space_nb201, &a, &id, 1, &fast));
        zc.net.reference = 1;
        CHECK_OK(nn_zc_compute(&zc, &space_nb201, &a, &id, 1, &ref));
        CHECK(memcmp(&fast, &ref, sizeof fast) == 0);
    }
}
