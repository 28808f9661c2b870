/* tests/test_zc_shipped.c - the shipped NB201 proxy columns (make table adds
 * tables/data/nb201-zc-cifar10.csv.gz to build/nb201.h5 as /zc/cifar10 and
 * /zc/cifar10-valid; provenance in tables/data/PROVENANCE.md) against the
 * engine: 8 classes drawn with a fixed seed are recomputed at the shape the
 * columns record (C=16 N=5 3x32x32 10 classes, batch 64 of N(0,1), seed 0,
 * as `nastab tables proxies` computed them) and must give the committed
 * values bit for bit; every cell carries its class representative's value
 * (the first cell of the class in table order, as precompute/zc.c); the
 * attributes the zero-cost strategies' clock charge reads are there. About
 * 1.5 CPU s (0.16 s a cell). */
#include <stdlib.h>
#include <string.h>

#include "nn/proxies.h"
#include "tables/tab_zc.h"
#include "test.h"

#define N_CHECK 8

TEST(zc_shipped_nb201_columns_recompute_bit_for_bit)
{
    tab_table *t = test_table();
    if (!t) return;
    const char *path = tab_path(t);
    const space_def *sp = tab_space(t);
    const size_t N = tab_n_archs(t);
    static const nn_zc_id ids[3] = {NN_ZC_SYNFLOW, NN_ZC_PARAMS, NN_ZC_FLOPS};
    double *col[3] = {0}, *valid[3] = {0};
    for (int p = 0; p < 3; p++) {
        size_t n = 0, nv = 0;
        const char *name = nn_zc_name(ids[p]);
        CHECK_OK(tab_zc_read(path, "cifar10", name, &col[p], &n));
        CHECK_OK(tab_zc_read(path, "cifar10-valid", name, &valid[p], &nv));
        CHECK(n == N && nv == N);
        if (n != N || nv != N) goto out;
        CHECK_MSG(!memcmp(col[p], valid[p], N * sizeof(double)), "cifar10-valid's %s is not cifar10's", name);
        double s = tab_zc_seconds(path, "cifar10", name);
        CHECK_MSG(s > 0.01 && s < 10, "seconds_per_cell of %s: %g", name, s);
        char *input = tab_zc_input(path, "cifar10", name);
        CHECK(input && !strcmp(input, "none"));
        free(input);
    }
    nn_zc_config zc = {nn_config_default(), 64, 0, NULL, NULL}; /* C=16 N=5, 10 classes, 3x32x32 */
    zc.net.batch = 64;
    float *x = nb_xmalloc((size_t)64 * 3 * 32 * 32 * sizeof(float));
    int32_t y[64];
    nn_zc_batch(NULL, 64, 3, 32, 32, 10, 0, x, y);
    zc.x = x, zc.y = y;
    nb_rng rng;
    nb_rng_init(&rng, 20261202, 0, NB_PURPOSE_TEST);
    uint32_t *canon = nb_xmalloc(N * sizeof(uint32_t));
    for (size_t i = 0; i < N; i++) canon[i] = space_canon(sp, sp->index(tab_arch(t, i)));
    for (int k = 0; k < N_CHECK; k++) {
        size_t i = (size_t)(nb_rng_below(&rng, N)), rep = 0;
        while (canon[rep] != canon[i]) rep++; /* the class's first cell */
        double v[3];
        CHECK_OK(nn_zc_compute(&zc, sp, tab_arch(t, rep), ids, 3, v));
        for (int p = 0; p < 3; p++)
            CHECK_MSG(!memcmp(&v[p], &col[p][i], sizeof(double)),
                      "cell %zu (class of cell %zu) %s: engine %.17g, shipped %.17g", i, rep,
                      nn_zc_name(ids[p]), v[p], col[p][i]);
    }
    free(canon), free(x);
out:
    for (int p = 0; p < 3; p++) free(col[p]), free(valid[p]);
}
