/* tests/test_proxies.c - zero-cost proxies (nn/proxies.h): the proxy
 * network against nn_net bit for bit, params/flops against the engine's
 * counts, NASWOT's kernel and log-determinant on constructed codes, the
 * Jacobi eigenvalues on a known matrix, invariances (synflow ignores the
 * data, nwot ignores the order of the batch), thread-count independence;
 * pc_zc_run (precompute/pc_zc.h) on a copy of tables/fmnist.h5: --limit,
 * class sharing, resume, thread independence of the written columns;
 * rep_zc_report on those columns and the top-10% precision. */
#include <stdio.h>
#include <stdlib.h>

#include "nn/nn.h"
#include "nn/proxies.h"
#include "precompute/pc_zc.h"
#include "reports/rep_zc.h"
#include "tables/tab_zc.h"
#include "test.h"

static nn_config tiny_cfg(int batch)
{
    nn_config c = {4, 1, 10, 1, 8, 8, batch, 0};
    return c;
}

static void tiny_batch(int n, uint64_t seed, float *x, int32_t *y)
{
    nn_zc_batch(NULL, n, 1, 8, 8, 10, seed, x, y);
}

static const char *archs[] = {
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_3x3~1|skip_connect~2|",
    "|skip_connect~0|+|none~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|nor_conv_3x3~2|",
};

TEST(zc_network_matches_nn_net_bit_for_bit)
{
    const int n = 6;
    nn_config cfg = tiny_cfg(n);
    float x[6 * 64];
    int32_t y[6];
    tiny_batch(n, 3, x, y);
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++) {
        space_arch arch;
        CHECK_OK(space_parse(archs[a], &arch));
        nn_net *net;
        CHECK_OK(nn_net_create(&cfg, &space_nb201, &arch, &net));
        nn_net_init(net, 5);
        const float *lg = nn_net_forward(net, x, n, 1);
        nn_net_backward(net, y);
        size_t P = nn_net_num_params(net);
        float *g = malloc(P * sizeof(float)), lz[60];
        nn_zc_config zc = {cfg, n, 5, x, y};
        CHECK_OK(nn_zc_forward_backward(&zc, &space_nb201, &arch, lz, g));
        CHECK(memcmp(lz, lg, sizeof lz) == 0);
        CHECK(memcmp(g, nn_net_grads(net), P * sizeof(float)) == 0);
        free(g);
        nn_net_destroy(net);
    }
}

TEST(zc_params_flops_equal_engine_counts)
{
    nn_config cfg = tiny_cfg(4);
    float x[4 * 64];
    int32_t y[4];
    tiny_batch(4, 1, x, y);
    space_arch arch;
    CHECK_OK(space_parse(archs[0], &arch));
    nn_zc_id ids[] = {NN_ZC_PARAMS, NN_ZC_FLOPS};
    double v[2];
    nn_zc_config zc = {cfg, 4, 1, x, y};
    CHECK_OK(nn_zc_compute(&zc, &space_nb201, &arch, ids, 2, v));
    CHECK(v[0] == (double)nn_net_param_count(&cfg, &space_nb201, &arch));
    CHECK(v[1] == nn_net_flops(&cfg, &space_nb201, &arch));
}

TEST(zc_nwot_kernel_and_logdet_on_constructed_codes)
{
    /* 3 images, 4 units: agreements counted by hand */
    const uint8_t codes[] = {1, 0, 1, 1, /**/ 1, 0, 0, 1, /**/ 0, 1, 0, 0};
    double K[9] = {0};
    nn_zc_nwot_kernel_add(codes, 3, 4, K);
    const double want[9] = {4, 3, 0, 3, 4, 1, 0, 1, 4};
    for (int i = 0; i < 9; i++) CHECK(K[i] == want[i]);
    /* det = 4(16-1) - 3(12-0) + 0 = 24 */
    CHECK_NEAR(nn_zc_logdet(K, 3), log(24.0), 1e-12);
    double S[4] = {1, 2, 2, 4}; /* singular */
    CHECK(isinf(nn_zc_logdet(S, 2)));
    double E[9] = {2, 1, 0, 1, 2, 0, 0, 0, 5}, ev[3]; /* eigenvalues 1, 3, 5 */
    nn_zc_sym_eigvals(E, 3, ev);
    CHECK_NEAR(ev[0], 1, 1e-12);
    CHECK_NEAR(ev[1], 3, 1e-12);
    CHECK_NEAR(ev[2], 5, 1e-12);
}

TEST(zc_invariances_synflow_data_nwot_order)
{
    const int n = 8;
    nn_config cfg = tiny_cfg(n);
    float x[8 * 64], x2[8 * 64], xp[8 * 64];
    int32_t y[8], y2[8], yp[8];
    tiny_batch(n, 1, x, y);
    tiny_batch(n, 2, x2, y2);
    for (int i = 0; i < n; i++) { /* reversed batch */
        memcpy(xp + (size_t)i * 64, x + (size_t)(n - 1 - i) * 64, 64 * sizeof(float));
        yp[i] = y[n - 1 - i];
    }
    space_arch arch;
    CHECK_OK(space_parse(archs[0], &arch));
    nn_zc_id ids[] = {NN_ZC_SYNFLOW, NN_ZC_NWOT};
    double a[2], b[2], c[2];
    nn_zc_config z1 = {cfg, n, 9, x, y}, z2 = {cfg, n, 9, x2, y2}, z3 = {cfg, n, 9, xp, yp};
    CHECK_OK(nn_zc_compute(&z1, &space_nb201, &arch, ids, 2, a));
    CHECK_OK(nn_zc_compute(&z2, &space_nb201, &arch, ids, 2, b));
    CHECK_OK(nn_zc_compute(&z3, &space_nb201, &arch, ids, 2, c));
    CHECK(a[0] == b[0] && a[0] > 0);
    CHECK_NEAR(a[1], c[1], 1e-9 * fabs(a[1]));
    CHECK(isfinite(a[1]));
}

TEST(zc_all_proxies_finite_and_thread_independent)
{
    const int n = 8;
    nn_config cfg = tiny_cfg(n);
    float x[8 * 64];
    int32_t y[8];
    tiny_batch(n, 4, x, y);
    space_arch arch;
    CHECK_OK(space_parse(archs[0], &arch));
    nn_zc_id ids[NN_ZC_COUNT];
    for (int i = 0; i < NN_ZC_COUNT; i++) ids[i] = (nn_zc_id)i;
    double a[NN_ZC_COUNT], b[NN_ZC_COUNT];
    nn_zc_config zc = {cfg, n, 2, x, y};
    nn_set_threads(1);
    CHECK_OK(nn_zc_compute(&zc, &space_nb201, &arch, ids, NN_ZC_COUNT, a));
    nn_set_threads(2);
    CHECK_OK(nn_zc_compute(&zc, &space_nb201, &arch, ids, NN_ZC_COUNT, b));
    nn_set_threads(1);
    for (int i = 0; i < NN_ZC_COUNT; i++) {
        CHECK_MSG(isfinite(a[i]), "%s = %g", nn_zc_name((nn_zc_id)i), a[i]);
        CHECK_MSG(memcmp(&a[i], &b[i], sizeof a[i]) == 0, "%s differs across threads", nn_zc_name((nn_zc_id)i));
    }
    CHECK(nn_zc_from_name("synflow") == NN_ZC_SYNFLOW);
    CHECK(nn_zc_from_name("nope") == -1);
    CHECK_ERRMSG("jacob_cov");
}

/* grad_norm's gradient is nn_net's (bit for bit, above); check plain =
 * sum w dL/dw over all conv and linear weights against a central difference
 * of the loss along w: d/dt L((1 + t) w) when every conv/linear weight is
 * scaled (BN affine parameters and the bias unscaled). With train-mode BN the
 * loss is invariant to scaling a conv that feeds BN, so only the linear layer
 * and the shortcut convs contribute: plain must equal the derivative. */
TEST(zc_plain_matches_finite_difference_of_loss)
{
    const int n = 8;
    nn_config cfg = tiny_cfg(n);
    float x[8 * 64];
    int32_t y[8];
    tiny_batch(n, 6, x, y);
    space_arch arch;
    CHECK_OK(space_parse(archs[1], &arch));
    nn_zc_id id = NN_ZC_PLAIN;
    double plain;
    nn_zc_config zc = {cfg, n, 3, x, y};
    CHECK_OK(nn_zc_compute(&zc, &space_nb201, &arch, &id, 1, &plain));
    /* the only non-BN-followed weights: linear (last 10*16+10 params minus the bias) and the
     * shortcut 1x1 convs; scale the linear weight alone and compare with its own w.g term */
    nn_net *net;
    CHECK_OK(nn_net_create(&cfg, &space_nb201, &arch, &net));
    nn_net_init(net, 3);
    size_t P = nn_net_num_params(net), lw = P - 10 - 10 * 16;
    float *p = nn_net_params(net), *p0 = malloc(P * sizeof(float));
    memcpy(p0, p, P * sizeof(float));
    nn_net_forward(net, x, n, 1);
    nn_net_backward(net, y);
    double wg = 0;
    for (size_t k = lw; k < lw + 160; k++) wg += (double)p[k] * nn_net_grads(net)[k];
    const double t = 1e-3;
    double L[2];
    for (int s = 0; s < 2; s++) {
        for (size_t k = lw; k < lw + 160; k++) p[k] = (float)(p0[k] * (1 + (s ? -t : t)));
        nn_net_forward(net, x, n, 1);
        L[s] = nn_net_loss(net, y, NULL);
    }
    CHECK_NEAR((L[0] - L[1]) / (2 * t), wg, 1e-3 * fabs(wg) + 1e-5);
    CHECK(isfinite(plain));
    free(p0);
    nn_net_destroy(net);
}

static int copy_table(const char *from, const char *to)
{
    FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL;
    if (!a || !b) {
        if (a) fclose(a);
        return -1;
    }
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, a)) > 0) fwrite(buf, 1, n, b);
    fclose(a);
    return fclose(b);
}

typedef struct {
    size_t calls, last, total;
} progress_log;

static void log_progress(void *ctx, size_t done, size_t total)
{
    progress_log *l = ctx;
    l->calls++, l->last = done, l->total = total;
}

TEST(zc_pc_run_limit_resume_threads)
{
    char *dir = test_subdir("pc_zc");
    char p1[600], p2[600];
    snprintf(p1, sizeof p1, "%s/t1.h5", dir);
    snprintf(p2, sizeof p2, "%s/t2.h5", dir);
    CHECK(copy_table("tables/fmnist.h5", p1) == 0 && copy_table("tables/fmnist.h5", p2) == 0);
    const nn_zc_id ids[] = {NN_ZC_SYNFLOW, NN_ZC_PARAMS};
    pc_zc_config c = pc_zc_config_default();
    c.path = p1, c.dataset = "fashion-mnist", c.ids = ids, c.n_ids = 2, c.batch = 8, c.limit = 3;
    c.replace = 1; /* tables/fmnist.h5 ships full synflow and params columns */
    pc_zc_result r;
    progress_log log = {0};
    CHECK_OK(pc_zc_run(&c, log_progress, &log, &r));
    CHECK(r.n_run == 3 && r.n_classes > 3 && r.n_cells == 15625);
    CHECK_EQ_INT(r.n_written, 2);
    CHECK(r.written[0] == NN_ZC_SYNFLOW && r.written[1] == NN_ZC_PARAMS);
    CHECK(log.calls == 4 && log.last == 3 && log.total == 3);
    /* resume: both columns exist, nothing to do */
    c.replace = 0;
    CHECK_OK(pc_zc_run(&c, NULL, NULL, &r));
    CHECK(r.n_todo == 0 && r.n_run == 0 && r.n_written == 0);
    /* the same columns on 2 threads, into the other copy */
    c.path = p2, c.threads = 2, c.replace = 1;
    CHECK_OK(pc_zc_run(&c, NULL, NULL, &r));
    tab_table *t;
    CHECK_OK(tab_open(p1, &t));
    const space_def *sp = tab_space(t);
    for (int k = 0; k < 2; k++) {
        double *a, *b;
        size_t na, nb;
        CHECK_OK(tab_zc_read(p1, "fashion-mnist", nn_zc_name(ids[k]), &a, &na));
        CHECK_OK(tab_zc_read(p2, "fashion-mnist", nn_zc_name(ids[k]), &b, &nb));
        CHECK(na == 15625 && nb == na);
        CHECK(memcmp(a, b, na * sizeof(double)) == 0);
        /* the first 3 classes have values, shared by every member; the rest NaN */
        uint32_t cls[3];
        size_t n_cls = 0, finite = 0;
        for (size_t i = 0; i < na; i++) {
            uint32_t cc = space_canon(sp, sp->index(tab_arch(t, i)));
            size_t j = 0;
            while (j < n_cls && cls[j] != cc) j++;
            if (j == n_cls && n_cls < 3) cls[n_cls++] = cc;
            if (j < n_cls) {
                CHECK(isfinite(a[i]));
                finite++;
            } else {
                CHECK(isnan(a[i]));
            }
        }
        CHECK(finite >= 3);
        free(a), free(b);
    }
    const char *names[] = {"grasp", "synflow", "params"};
    rep_zc_config rc = {names, 3, 0}; /* no figure: gnuplot is tests/cli/proxies_report.sh's */
    int rows;
    char *rdir = test_subdir("pc_zc/rep");
    CHECK_OK(rep_zc_report(t, &rc, rdir, &rows));
    CHECK_EQ_INT(rows, 3); /* tables/fmnist.h5 ships all twelve columns, grasp included */
    free(rdir);
    tab_close(t);
    c.dataset = "cifar10";
    CHECK_STATUS(pc_zc_run(&c, NULL, NULL, &r), NB_ENOTFOUND);
    CHECK_ERRMSG("has no dataset 'cifar10'; it has: fashion-mnist");
    free(dir);
}

TEST(zc_top10_precision_on_constructed_ranks)
{
    double p[20], acc[20];
    for (int i = 0; i < 20; i++) acc[i] = i, p[i] = i;
    CHECK_NEAR(rep_zc_top10_precision(p, acc, 20), 1.0, 0);
    for (int i = 0; i < 20; i++) p[i] = -i;
    CHECK_NEAR(rep_zc_top10_precision(p, acc, 20), 0.0, 0);
    p[19] = 100; /* one of the top 2 right */
    CHECK_NEAR(rep_zc_top10_precision(p, acc, 20), 0.5, 0);
}
