/* tests/test_zc_shipped.c - the shipped NB201 proxy columns (make table adds
 * tables/data/nb201-zc-{cifar10,cifar100,ImageNet16-120}.csv.gz to build/nb201.h5
 * as /zc/<dataset>, cifar10's also as /zc/cifar10-valid; provenance in tables/data/PROVENANCE.md) against the
 * engine: 8 classes drawn with a fixed seed are recomputed at the shape the
 * columns record (C=16 N=5 3x32x32 10 classes, batch 64 of N(0,1), seed 0,
 * as `nastab tables proxies` computed them) and must give the committed
 * values bit for bit; every cell carries its class representative's value
 * (the first cell of the class in table order, as precompute/zc.c); the
 * attributes the zero-cost strategies' clock charge reads are there; the
 * same for 3 classes of cifar100 and ImageNet16-120 at their networks. About
 * 2.5 CPU s (0.05-0.16 s a cell). */
#include <stdlib.h>
#include <string.h>

#include "nn/proxies.h"
#include "tables/tab_zc.h"
#include "test.h"

/* The shipped columns of `ds` at NB201's network of that dataset (classes,
 * size x size inputs): n_check classes drawn with a fixed seed recomputed by
 * the engine, bit for bit; the attributes the zc strategies read. */
static void check_shipped(tab_table *t, const char *ds, int classes, int size, int n_check)
{
    const char *path = tab_path(t);
    const space_def *sp = tab_space(t);
    const size_t N = tab_n_archs(t);
    static const nn_zc_id ids[3] = {NN_ZC_SYNFLOW, NN_ZC_PARAMS, NN_ZC_FLOPS};
    double *col[3] = {0};
    for (int p = 0; p < 3; p++) {
        size_t n = 0;
        const char *name = nn_zc_name(ids[p]);
        CHECK_OK(tab_zc_read(path, ds, name, &col[p], &n));
        CHECK_MSG(n == N, "%s/%s: %zu values", ds, name, n);
        if (n != N) goto out;
        double s = tab_zc_seconds(path, ds, name);
        CHECK_MSG(s > 0.01 && s < 10, "seconds_per_cell of %s/%s: %g", ds, name, s);
        char *input = tab_zc_input(path, ds, name);
        CHECK(input && !strcmp(input, "none"));
        free(input);
    }
    nn_zc_config zc = {nn_config_default(), 64, 0, NULL, NULL}; /* C=16 N=5 */
    zc.net.batch = 64;
    zc.net.classes = classes;
    zc.net.H = zc.net.W = size;
    float *x = nb_xmalloc((size_t)64 * 3 * (size_t)size * (size_t)size * sizeof(float));
    int32_t y[64];
    nn_zc_batch(NULL, 64, 3, size, size, classes, 0, x, y);
    zc.x = x, zc.y = y;
    nb_rng rng;
    nb_rng_init(&rng, 20261202, 0, NB_PURPOSE_TEST);
    uint32_t *canon = nb_xmalloc(N * sizeof(uint32_t));
    for (size_t i = 0; i < N; i++) canon[i] = space_canon(sp, sp->index(tab_arch(t, i)));
    for (int k = 0; k < n_check; k++) {
        size_t i = (size_t)(nb_rng_below(&rng, N)), rep = 0;
        while (canon[rep] != canon[i]) rep++; /* the class's first cell */
        double v[3];
        CHECK_OK(nn_zc_compute(&zc, sp, tab_arch(t, rep), ids, 3, v));
        for (int p = 0; p < 3; p++)
            CHECK_MSG(!memcmp(&v[p], &col[p][i], sizeof(double)),
                      "%s cell %zu (class of cell %zu) %s: engine %.17g, shipped %.17g", ds, i, rep,
                      nn_zc_name(ids[p]), v[p], col[p][i]);
    }
    free(canon), free(x);
out:
    for (int p = 0; p < 3; p++) free(col[p]);
}

TEST(zc_shipped_nb201_columns_recompute_bit_for_bit)
{
    tab_table *t = test_table();
    if (!t) return;
    check_shipped(t, "cifar10", 10, 32, 8);
    /* cifar10-valid carries cifar10's values (the same network) */
    const char *path = tab_path(t);
    for (int p = 0; p < 3; p++) {
        const char *name = nn_zc_name(p == 0 ? NN_ZC_SYNFLOW : p == 1 ? NN_ZC_PARAMS : NN_ZC_FLOPS);
        double *a = NULL, *b = NULL;
        size_t na = 0, nb = 0;
        CHECK_OK(tab_zc_read(path, "cifar10", name, &a, &na));
        CHECK_OK(tab_zc_read(path, "cifar10-valid", name, &b, &nb));
        CHECK_MSG(na == nb && a && b && !memcmp(a, b, na * sizeof(double)), "cifar10-valid's %s is not cifar10's", name);
        free(a), free(b);
    }
}

/* synflow sums over the classifier's outputs: CIFAR-100's and
 * ImageNet16-120's networks have their own columns */
TEST(zc_shipped_nb201_cifar100_imagenet_recompute_bit_for_bit)
{
    tab_table *t = test_table();
    if (!t) return;
    check_shipped(t, "cifar100", 100, 32, 3);
    check_shipped(t, "ImageNet16-120", 120, 16, 3);
}
