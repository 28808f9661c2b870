/* tests/test_supernet.c - the weight-sharing supernet (nn/supernet.c):
 * d loss / d alpha in mixed mode and a sample of weight gradients against
 * central finite differences; GDAS's straight-through gradient against its
 * definition; path (fixed) mode against the standalone nn_net of the cell
 * holding the same weights, bit for bit; 1 vs 2 threads bit for bit in
 * mixed and path modes; a few SGD steps reduce the loss; bad arguments. */
#include <stdlib.h>

#include "nn/nn.h"
#include "nn/nn_kernels.h"
#include "spaces/space.h"
#include "test.h"

#define N_AW (SPACE_NB201_EDGES * SPACE_NB201_OPS)

/* Random images with a class-dependent mean (learnable), labels uniform. */
static void batch_of(float *x, int32_t *y, int n, size_t pix, int classes, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_TEST);
    for (int s = 0; s < n; s++) {
        y[s] = (int32_t)nb_rng_below(&r, (uint64_t)classes);
        for (size_t i = 0; i < pix; i++)
            x[s * pix + i] = (float)(nb_rng_normal(&r) + 0.5 * ((y[s] + (int)i) % 3 - 1));
    }
}

static void rand_alpha(float *a, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_TEST);
    for (int i = 0; i < N_AW; i++) a[i] = (float)(2.0 * nb_rng_uniform(&r) - 1.0);
}

static nn_super *make_super(const nn_config *cfg, uint64_t seed)
{
    nn_super_config sc = {*cfg, 0};
    nn_super *s = NULL;
    nb_status st = nn_super_create(&sc, &s);
    NB_ASSERT(st == NB_OK);
    nn_super_init(s, seed);
    return s;
}

static double super_loss(nn_super *s, const float *x, const int32_t *y, int n)
{
    nn_super_forward(s, x, n, 1);
    return nn_super_loss(s, y, NULL);
}

/* Mixed mode, d loss / d alpha for all 30 entries. Central differences on
 * the float loss: with the reference kernels (double sums) the loss is
 * smooth to ~1e-7; step 1e-3 puts the rounding error of the quotient near
 * 1e-7 / 1e-3 = 1e-4, and the truncation error (eps^2 / 6 * f''') is far
 * below that for alpha, which enters through softmax weights of O(1)
 * curvature. So atol 2e-4 plus 2% relative. */
TEST(super_alpha_gradient_matches_finite_differences)
{
    nn_config cfg = {3, 1, 3, 2, 6, 6, 4, 1};
    nn_super *s = make_super(&cfg, 3);
    float x[4 * 72], alpha[N_AW], ga[N_AW];
    int32_t y[4];
    batch_of(x, y, 4, 72, 3, 11);
    rand_alpha(alpha, 5);
    nn_super_set_mixed(s, alpha);
    super_loss(s, x, y, 4);
    nn_super_backward(s, y);
    memcpy(ga, nn_super_arch_grad(s), sizeof ga);
    int bad = 0;
    double gmax = 0;
    for (int i = 0; i < N_AW; i++) {
        const double eps = 1e-3;
        float keep = alpha[i];
        alpha[i] = keep + (float)eps;
        nn_super_set_mixed(s, alpha);
        double lp = super_loss(s, x, y, 4);
        alpha[i] = keep - (float)eps;
        nn_super_set_mixed(s, alpha);
        double lm = super_loss(s, x, y, 4);
        alpha[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        gmax = fmax(gmax, fabs(fd));
        if (fabs(fd - ga[i]) > 2e-4 + 2e-2 * fmax(fabs(fd), fabs(ga[i]))) {
            bad++;
            test_fail_at(__FILE__, __LINE__, "d loss / d alpha[edge %d][op %d]: fd %.6g analytic %.6g",
                         i / SPACE_NB201_OPS, i % SPACE_NB201_OPS, fd, ga[i]);
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_MSG(gmax > 1e-3, "alpha gradients all tiny (%.3g): the check would be vacuous", gmax);
    nn_super_destroy(s);
}

/* Mixed mode, a sample of ~150 weights over every layer. Train-mode BN on
 * tiny planes makes the loss strongly curved (see tests/test_nn.c
 * nn_network_gradient_matches_finite_differences): step 3e-4, reference
 * kernels, atol 1e-3 + 3% relative, and ReLU kinks may spoil up to 5%. */
TEST(super_weight_gradients_match_finite_differences)
{
    nn_config cfg = {2, 1, 3, 2, 7, 7, 4, 1};
    nn_super *s = make_super(&cfg, 4);
    float x[4 * 98], alpha[N_AW];
    int32_t y[4];
    batch_of(x, y, 4, 98, 3, 12);
    rand_alpha(alpha, 6);
    nn_super_set_mixed(s, alpha);
    size_t np = nn_super_num_params(s);
    float *p = nn_super_params(s);
    nb_rng r;
    nb_rng_init(&r, 7, 0, NB_PURPOSE_TEST);
    for (size_t i = 0; i < np; i++) p[i] += (float)(0.1 * (nb_rng_uniform(&r) - 0.5));
    super_loss(s, x, y, 4);
    nn_super_backward(s, y);
    float *g = nb_xcalloc_array(np, sizeof(float));
    memcpy(g, nn_super_grads(s), np * sizeof(float));
    int bad = 0, tried = 0;
    for (size_t i = 0; i < np; i += 1 + np / 150, tried++) {
        const double eps = 3e-4;
        float keep = p[i];
        p[i] = keep + (float)eps;
        double lp = super_loss(s, x, y, 4);
        p[i] = keep - (float)eps;
        double lm = super_loss(s, x, y, 4);
        p[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        if (fabs(fd - g[i]) > 1e-3 + 3e-2 * fmax(fabs(fd), fabs(g[i]))) {
            bad++;
            if (getenv("NN_DEBUG")) fprintf(stderr, "param %zu: fd %.6g analytic %.6g\n", i, fd, g[i]);
        }
    }
    CHECK_MSG(bad <= tried / 20, "%d of %d weight gradients disagree with finite differences", bad, tried);
    free(g);
    nn_super_destroy(s);
}

/* GDAS: (1) the sample against a double recomputation of its definition;
 * (2) in hard mode d loss / d hard against central differences of the
 * forward out = h[chosen] op(x) + sum_{other o} h[o], all 30 entries; (3)
 * nn_super_gdas_backward against central differences (double) of
 * alpha -> <dhard, probs(alpha)>, which is what the straight-through
 * estimator hard = one_hot - probs.detach() + probs differentiates. */
static void probs_of(const double *alpha, const float *gumbel, double tau, double *p)
{
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        const double *a = alpha + e * 5;
        double z = 0, lg[5], zz = 0;
        for (int o = 0; o < 5; o++) z += exp(a[o]);
        for (int o = 0; o < 5; o++) lg[o] = (a[o] - log(z) + gumbel[e * 5 + o]) / tau;
        for (int o = 0; o < 5; o++) zz += exp(lg[o]);
        for (int o = 0; o < 5; o++) p[e * 5 + o] = exp(lg[o]) / zz;
    }
}

TEST(super_gdas_straight_through_matches_definition)
{
    float alpha[N_AW], gumbel[N_AW], probs[N_AW], hard[N_AW], dh[N_AW], da[N_AW];
    rand_alpha(alpha, 8);
    nb_rng r;
    nb_rng_init(&r, 9, 0, NB_PURPOSE_TEST);
    for (int i = 0; i < N_AW; i++) gumbel[i] = (float)-log(-log(nb_rng_uniform(&r) * 0.998 + 0.001));
    const double tau = 2.0;
    space_arch a;
    nn_super_gdas_sample(alpha, gumbel, tau, probs, &a, hard);
    double ad[N_AW], pd[N_AW];
    for (int i = 0; i < N_AW; i++) ad[i] = alpha[i];
    probs_of(ad, gumbel, tau, pd);
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        int best = 0;
        for (int o = 0; o < 5; o++) {
            CHECK_NEAR(probs[e * 5 + o], pd[e * 5 + o], 1e-6);
            if (pd[e * 5 + o] > pd[e * 5 + best]) best = o;
            CHECK_NEAR(hard[e * 5 + o], o == a.op[e] ? 1.0 : 0.0, 1e-7);
        }
        CHECK_EQ_INT(a.op[e], best);
    }
    /* (2) d loss / d hard */
    nn_config cfg = {3, 1, 3, 2, 6, 6, 4, 1};
    nn_super *s = make_super(&cfg, 10);
    float x[4 * 72];
    int32_t y[4];
    batch_of(x, y, 4, 72, 3, 13);
    nn_super_set_hard(s, &a, hard);
    CHECK_EQ_INT(nn_super_mode_of(s), NN_SUPER_HARD);
    super_loss(s, x, y, 4);
    nn_super_backward(s, y);
    memcpy(dh, nn_super_arch_grad(s), sizeof dh);
    for (int i = 0; i < N_AW; i++) {
        const double eps = 1e-3;
        float h[N_AW];
        memcpy(h, hard, sizeof h);
        h[i] = hard[i] + (float)eps;
        nn_super_set_hard(s, &a, h);
        double lp = super_loss(s, x, y, 4);
        h[i] = hard[i] - (float)eps;
        nn_super_set_hard(s, &a, h);
        double lm = super_loss(s, x, y, 4);
        double fd = (lp - lm) / (2 * eps);
        CHECK_MSG(fabs(fd - dh[i]) <= 2e-4 + 2e-2 * fmax(fabs(fd), fabs(dh[i])),
                  "d loss / d hard[edge %d][op %d]: fd %.6g analytic %.6g", i / 5, i % 5, fd, dh[i]);
    }
    /* (3) the chain to alpha */
    nn_super_gdas_backward(alpha, probs, tau, dh, da);
    for (int i = 0; i < N_AW; i++) {
        const double eps = 1e-5;
        double keep = ad[i], lp = 0, lm = 0;
        ad[i] = keep + eps;
        probs_of(ad, gumbel, tau, pd);
        for (int j = 0; j < N_AW; j++) lp += dh[j] * pd[j];
        ad[i] = keep - eps;
        probs_of(ad, gumbel, tau, pd);
        for (int j = 0; j < N_AW; j++) lm += dh[j] * pd[j];
        ad[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        CHECK_MSG(fabs(fd - da[i]) <= 1e-6 + 1e-4 * fabs(fd), "d alpha[%d]: fd %.8g analytic %.8g",
                  i, fd, da[i]);
    }
    nn_super_destroy(s);
}

/* Path mode = the standalone nn_net of the cell with the supernet's
 * weights (nn_super_load_net; cell BN gamma 1, beta 0), both in train mode
 * (batch statistics in every BN): logits, loss, and the stem's and the
 * linear layer's weight gradients bit for bit. Fast kernels, N = 2, odd
 * size (ceil-mode reductions), cells with 'none' edges, a disconnected one
 * and the all-conv one. */
TEST(super_path_mode_equals_standalone_network)
{
    const char *cells[] = {
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|",
        "|none~0|+|none~0|none~1|+|avg_pool_3x3~0|none~1|skip_connect~2|",
        "|none~0|+|none~0|nor_conv_1x1~1|+|none~0|none~1|none~2|",
        "|skip_connect~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|",
    };
    nn_config cfg = {4, 2, 5, 3, 9, 9, 6, 0};
    nn_super *s = make_super(&cfg, 21);
    float x[6 * 243];
    int32_t y[6];
    batch_of(x, y, 6, 243, 5, 14);
    for (size_t ci = 0; ci < sizeof cells / sizeof cells[0]; ci++) {
        space_arch a;
        CHECK_OK(space_parse(cells[ci], &a));
        nn_net *net;
        CHECK_OK(nn_net_create(&cfg, &space_nb201, &a, &net));
        CHECK_OK(nn_super_load_net(s, &a, net));
        nn_super_set_path(s, &a);
        const float *ls = nn_super_forward(s, x, 6, 1);
        const float *ln = nn_net_forward(net, x, 6, 1);
        CHECK_MSG(memcmp(ls, ln, 6 * 5 * sizeof(float)) == 0, "cell %zu: logits differ", ci);
        CHECK(nn_super_loss(s, y, NULL) == nn_net_loss(net, y, NULL));
        nn_super_backward(s, y);
        nn_net_backward(net, y);
        const size_t stem = 4 * 3 * 9, lin = 5 * 16 + 5;
        const float *gs = nn_super_grads(s), *gn = nn_net_grads(net);
        CHECK_MSG(memcmp(gs, gn, stem * sizeof(float)) == 0, "cell %zu: stem gradients differ", ci);
        CHECK_MSG(memcmp(gs + nn_super_num_params(s) - lin, gn + nn_net_num_params(net) - lin,
                         lin * sizeof(float)) == 0,
                  "cell %zu: linear gradients differ", ci);
        for (int i = 0; i < N_AW; i++) CHECK(nn_super_arch_grad(s)[i] == 0.0f);
        nn_net_destroy(net);
    }
    nn_super_destroy(s);
}

/* Eval mode with track_running_stats = 1 uses running statistics in every
 * BN: a fresh supernet (running mean 0, var 1 everywhere) in path mode
 * gives the eval logits of the standalone network (also fresh statistics)
 * bit for bit. With track_running_stats = 0 the cell BNs use batch
 * statistics in eval, so the logits differ for a cell with a conv. */
TEST(super_eval_mode_running_statistics)
{
    nn_config cfg = {4, 1, 5, 3, 8, 8, 6, 0};
    space_arch a;
    CHECK_OK(space_parse("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|"
                         "none~1|nor_conv_3x3~2|",
                         &a));
    float x[6 * 192];
    int32_t y[6];
    batch_of(x, y, 6, 192, 5, 20);
    float logits[2][30];
    for (int track = 0; track < 2; track++) {
        nn_super_config sc = {cfg, track};
        nn_super *s;
        CHECK_OK(nn_super_create(&sc, &s));
        nn_super_init(s, 22);
        nn_net *net;
        CHECK_OK(nn_net_create(&cfg, &space_nb201, &a, &net));
        nn_net_init(net, 0); /* running mean 0, var 1; the parameters are overwritten */
        CHECK_OK(nn_super_load_net(s, &a, net));
        nn_super_set_path(s, &a);
        memcpy(logits[track], nn_super_forward(s, x, 6, 0), sizeof logits[track]);
        const float *ln = nn_net_forward(net, x, 6, 0);
        if (track) CHECK_MSG(memcmp(logits[track], ln, sizeof logits[track]) == 0, "eval logits differ");
        nn_net_destroy(net);
        nn_super_destroy(s);
    }
    CHECK(memcmp(logits[0], logits[1], sizeof logits[0]) != 0);
}

/* forward + backward at 1 or 2 threads: logits, gradients and arch gradient */
static void run_threads(int threads, int mixed, float *out, size_t n_out)
{
    nn_config cfg = {4, 1, 10, 3, 8, 8, 16, 0};
    nn_super *s = make_super(&cfg, 31);
    float x[16 * 192], alpha[N_AW];
    int32_t y[16];
    batch_of(x, y, 16, 192, 10, 15);
    if (mixed) {
        rand_alpha(alpha, 16);
        nn_super_set_mixed(s, alpha);
    } else {
        space_arch a;
        NB_ASSERT(space_parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|"
                              "nor_conv_3x3~1|nor_conv_3x3~2|",
                              &a) == NB_OK);
        nn_super_set_path(s, &a);
    }
    nn_set_threads(threads);
    const float *l = nn_super_forward(s, x, 16, 1);
    NB_ASSERT(n_out == 160 + nn_super_num_params(s) + N_AW);
    memcpy(out, l, 160 * sizeof(float));
    nn_super_backward(s, y);
    nn_set_threads(1);
    memcpy(out + 160, nn_super_grads(s), nn_super_num_params(s) * sizeof(float));
    memcpy(out + 160 + nn_super_num_params(s), nn_super_arch_grad(s), N_AW * sizeof(float));
    nn_super_destroy(s);
}

TEST(super_thread_count_independent)
{
    nn_config cfg = {4, 1, 10, 3, 8, 8, 16, 0};
    nn_super *s = make_super(&cfg, 31);
    size_t n = 160 + nn_super_num_params(s) + N_AW;
    nn_super_destroy(s);
    float *a = nb_xcalloc_array(n, sizeof(float)), *b = nb_xcalloc_array(n, sizeof(float));
    for (int mixed = 0; mixed < 2; mixed++) {
        run_threads(1, mixed, a, n);
        run_threads(2, mixed, b, n);
        CHECK_MSG(memcmp(a, b, n * sizeof(float)) == 0, "%s mode: 1 and 2 threads differ",
                  mixed ? "mixed" : "path");
    }
    free(a), free(b);
}

/* Mean loss of the path-mode supernet over 8 fixed cells (train-mode BN). */
static double paths_loss(nn_super *s, const float *x, const int32_t *y, int n)
{
    nb_rng r;
    nb_rng_init(&r, 19, 0, NB_PURPOSE_TEST);
    double t = 0;
    for (int i = 0; i < 8; i++) {
        space_arch a;
        space_random(&r, &a);
        nn_super_set_path(s, &a);
        t += super_loss(s, x, y, n) / 8;
    }
    return t;
}

/* A few steps of plain SGD on the weights, in mixed mode (DARTS with fixed
 * alpha) and with one uniformly drawn path per step (SPOS), on a fixed
 * batch: the loss falls (mixed: its own loss, by 40%; single path, lr 0.2:
 * the mean loss of 8 fixed cells, by 10%, as one path's loss is noisy from
 * step to step and each path gets a twentieth of the steps). */
TEST(super_training_reduces_loss)
{
    nn_config cfg = {4, 1, 10, 3, 8, 8, 16, 0};
    float x[16 * 192], alpha[N_AW] = {0};
    int32_t y[16];
    batch_of(x, y, 16, 192, 10, 17);
    for (int mixed = 0; mixed < 2; mixed++) {
        nn_super *s = make_super(&cfg, 41);
        nb_rng r;
        nb_rng_init(&r, 18, 0, NB_PURPOSE_TEST);
        size_t np = nn_super_num_params(s);
        float *p = nn_super_params(s);
        const float *g = nn_super_grads(s);
        double first = mixed ? 0 : paths_loss(s, x, y, 16), last = 0;
        for (int step = 0; step < 20; step++) {
            if (mixed) {
                nn_super_set_mixed(s, alpha);
            } else {
                space_arch a;
                space_random(&r, &a);
                nn_super_set_path(s, &a);
            }
            double l = super_loss(s, x, y, 16);
            nn_super_backward(s, y);
            for (size_t i = 0; i < np; i++) p[i] -= (mixed ? 0.05f : 0.2f) * g[i];
            if (mixed && step == 0) first = l;
            last = l;
        }
        if (!mixed) last = paths_loss(s, x, y, 16);
        CHECK_MSG(last < (mixed ? 0.6 : 0.9) * first, "%s: loss %.4f -> %.4f", mixed ? "mixed" : "single path",
                  first, last);
        nn_super_destroy(s);
    }
}

TEST(super_bad_arguments)
{
    nn_config cfg = {4, 1, 10, 3, 8, 8, 4, 0};
    nn_super_config bad = {cfg, 0};
    bad.net.C = 0;
    nn_super *s = NULL;
    CHECK_STATUS(nn_super_create(&bad, &s), NB_EINVAL);
    CHECK_ERRMSG("C (channels)");
    CHECK(s == NULL);
    s = make_super(&cfg, 1);
    space_arch a, b;
    CHECK_OK(space_parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|", &a));
    CHECK_OK(space_parse("|nor_conv_1x1~0|+|none~0|none~1|+|none~0|none~1|nor_conv_1x1~2|", &b));
    nn_config other = cfg;
    other.C = 8;
    nn_net *net;
    CHECK_OK(nn_net_create(&other, &space_nb201, &a, &net));
    CHECK_STATUS(nn_super_load_net(s, &a, net), NB_EINVAL);
    CHECK_ERRMSG("does not match");
    nn_net_destroy(net);
    CHECK_OK(nn_net_create(&cfg, &space_nb201, &a, &net));
    CHECK_STATUS(nn_super_load_net(s, &b, net), NB_EINVAL);
    CHECK_ERRMSG("same cell");
    nn_net_destroy(net);
    CHECK(nn_super_activation_bytes(s) > 0);
    /* the last BN is the head's (16 channels): running mean, running var, mean, invstd */
    size_t ns = nn_super_num_state(s);
    CHECK(ns > 64 && nn_super_state(s)[ns - 48] == 1.0f && nn_super_state(s)[ns - 49] == 0.0f);
    nn_super_set_path(s, &a);
    CHECK_EQ_INT(nn_super_mode_of(s), NN_SUPER_PATH);
    CHECK(nn_super_edge_weights(s)[3] == 1.0f && nn_super_edge_weights(s)[2] == 0.0f);
    nn_super_destroy(s);
    nn_super_destroy(NULL);
}
