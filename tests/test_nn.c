/* tests/test_nn.c - the training engine: every op's gradient against finite
 * differences, fast conv against the reference loops, NB201's pooling
 * borders, parameter and FLOP counts for all 15625 cells, a tiny network
 * trained a few steps (loss falls; bit-identical across runs and thread
 * counts; close to the reference path), SGD and the schedule by hand, the
 * dataset readers on generated, truncated and corrupt files, and the
 * NATS-Bench size space's networks (parameters and FLOPs against the
 * official records, gradients, training). */
#include <stdlib.h>
#include <zlib.h>

#include "nn/nn.h"
#include "nn/nn_kernels.h"
#include "spaces/space.h"
#include "tables/pickle.h"
#include "test.h"

/* ---- helpers */

static float *rand_tensor(size_t n, nb_rng *r, double away)
{
    /* uniform in +-[away, 1]: values stay clear of ReLU kinks for FD steps < away */
    float *p = nb_xcalloc_array(n, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        double u = away + (1.0 - away) * nb_rng_uniform(r);
        p[i] = (float)(nb_rng_below(r, 2) ? u : -u);
    }
    return p;
}

static double wsum(const float *a, const float *w, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * w[i];
    return s;
}

/* Verdict of a finite-difference check: the largest of
 * |fd - analytic| / (atol + rtol * max(|fd|, |analytic|)) over up to `samples`
 * coordinates of v (central differences, step eps); <= 1 passes. f evaluates
 * the scalar loss at the current v. */
typedef double (*loss_fn)(void *ctx);
static double fd_verdict(float *v, size_t n, const float *grad, loss_fn f, void *ctx, double eps,
                         double atol, double rtol, int samples, nb_rng *r)
{
    double worst = 0.0;
    for (int s = 0; s < samples && s < (int)n; s++) {
        size_t i = (int)n <= samples ? (size_t)s : (size_t)nb_rng_below(r, n);
        float keep = v[i];
        v[i] = keep + (float)eps;
        double lp = f(ctx);
        v[i] = keep - (float)eps;
        double lm = f(ctx);
        v[i] = keep;
        double fd = (lp - lm) / (2 * eps), g = grad[i];
        double e = fabs(fd - g) / (atol + rtol * fmax(fabs(fd), fabs(g)));
        if (e > worst) worst = e;
    }
    return worst;
}

/* ---- conv: fast vs reference, and finite differences */

typedef struct {
    nn_conv_desc d;
    int n, h, w, ho, wo;
    float *x, *wgt, *y, *r, *scr;
    int ref;
} conv_ctx;

static double conv_loss(void *p)
{
    conv_ctx *c = p;
    if (c->ref)
        nn_ref_conv2d_forward(&c->d, c->n, c->h, c->w, c->x, c->wgt, c->y, 0);
    else
        nn_conv2d_forward(&c->d, c->n, c->h, c->w, c->x, c->wgt, c->y, 0, c->scr);
    return wsum(c->y, c->r, (size_t)c->n * c->d.cout * c->ho * c->wo);
}

static const nn_conv_desc conv_cases[] = {
    {3, 4, 3, 1, 1, 0}, {3, 4, 3, 1, 1, 1}, {4, 5, 3, 2, 1, 1},
    {4, 3, 1, 1, 0, 1}, {2, 3, 1, 1, 0, 0}, {3, 6, 3, 2, 1, 0},
};

TEST(nn_conv_fast_matches_reference)
{
    nb_rng r;
    nb_rng_init(&r, 1, 0, NB_PURPOSE_TEST);
    const int sizes[][2] = {{5, 5}, {7, 6}, {8, 8}};
    for (size_t ci = 0; ci < sizeof conv_cases / sizeof conv_cases[0]; ci++)
        for (int si = 0; si < 3; si++) {
            const nn_conv_desc *d = &conv_cases[ci];
            int n = 3, h = sizes[si][0], w = sizes[si][1];
            int ho = nn_conv_out(h, d->k, d->stride, d->pad), wo = nn_conv_out(w, d->k, d->stride, d->pad);
            size_t nx = (size_t)n * d->cin * h * w, ny = (size_t)n * d->cout * ho * wo,
                   nw = (size_t)d->cout * d->cin * d->k * d->k;
            float *x = rand_tensor(nx, &r, 0), *wg = rand_tensor(nw, &r, 0), *dy = rand_tensor(ny, &r, 0);
            float *y1 = rand_tensor(ny, &r, 0), *y2 = nb_xcalloc_array(ny, sizeof(float));
            float *dx1 = rand_tensor(nx, &r, 0), *dx2 = nb_xcalloc_array(nx, sizeof(float));
            float *dw1 = rand_tensor(nw, &r, 0), *dw2 = nb_xcalloc_array(nw, sizeof(float));
            memcpy(y2, y1, ny * sizeof(float)); /* accumulate = 1 adds to the old contents */
            memcpy(dx2, dx1, nx * sizeof(float));
            memcpy(dw2, dw1, nw * sizeof(float));
            float *scr = nb_xcalloc_array(nn_conv_scratch(d, n, h, w), sizeof(float));
            nn_conv2d_forward(d, n, h, w, x, wg, y1, 1, scr);
            nn_ref_conv2d_forward(d, n, h, w, x, wg, y2, 1);
            nn_conv2d_backward(d, n, h, w, x, wg, dy, dx1, dw1, scr);
            nn_ref_conv2d_backward(d, n, h, w, x, wg, dy, dx2, dw2);
            double worst = 0;
            for (size_t i = 0; i < ny; i++) worst = fmax(worst, fabs(y1[i] - y2[i]) / (1e-5 + 1e-5 * fabs(y2[i])));
            for (size_t i = 0; i < nx; i++) worst = fmax(worst, fabs(dx1[i] - dx2[i]) / (1e-5 + 1e-5 * fabs(dx2[i])));
            for (size_t i = 0; i < nw; i++) worst = fmax(worst, fabs(dw1[i] - dw2[i]) / (1e-5 + 1e-5 * fabs(dw2[i])));
            CHECK_MSG(worst <= 1.0, "conv case %zu size %dx%d: fast vs reference error %.3g x tolerance", ci, h, w, worst);
            free(x), free(wg), free(dy), free(y1), free(y2), free(dx1), free(dx2), free(dw1), free(dw2), free(scr);
        }
}

TEST(nn_conv_gradients_match_finite_differences)
{
    nb_rng r;
    nb_rng_init(&r, 2, 0, NB_PURPOSE_TEST);
    for (int ref = 0; ref < 2; ref++)
        for (size_t ci = 0; ci < sizeof conv_cases / sizeof conv_cases[0]; ci++) {
            conv_ctx c = {conv_cases[ci], 2, 5, 6, 0, 0, NULL, NULL, NULL, NULL, NULL, ref};
            c.ho = nn_conv_out(c.h, c.d.k, c.d.stride, c.d.pad);
            c.wo = nn_conv_out(c.w, c.d.k, c.d.stride, c.d.pad);
            size_t nx = (size_t)c.n * c.d.cin * c.h * c.w, ny = (size_t)c.n * c.d.cout * c.ho * c.wo,
                   nw = (size_t)c.d.cout * c.d.cin * c.d.k * c.d.k;
            c.x = rand_tensor(nx, &r, 0.1), c.wgt = rand_tensor(nw, &r, 0), c.r = rand_tensor(ny, &r, 0);
            c.y = nb_xcalloc_array(ny, sizeof(float));
            c.scr = nb_xcalloc_array(nn_conv_scratch(&c.d, c.n, c.h, c.w), sizeof(float));
            float *dx = nb_xcalloc_array(nx, sizeof(float)), *dw = nb_xcalloc_array(nw, sizeof(float));
            if (ref)
                nn_ref_conv2d_backward(&c.d, c.n, c.h, c.w, c.x, c.wgt, c.r, dx, dw);
            else
                nn_conv2d_backward(&c.d, c.n, c.h, c.w, c.x, c.wgt, c.r, dx, dw, c.scr);
            double vx = fd_verdict(c.x, nx, dx, conv_loss, &c, 1e-2, 2e-3, 1e-2, 40, &r);
            double vw = fd_verdict(c.wgt, nw, dw, conv_loss, &c, 1e-2, 2e-3, 1e-2, 40, &r);
            CHECK_MSG(vx <= 1 && vw <= 1, "conv case %zu (ref %d): FD verdict dx %.3g dw %.3g", ci, ref, vx, vw);
            free(c.x), free(c.wgt), free(c.r), free(c.y), free(c.scr), free(dx), free(dw);
        }
}

/* ---- batch norm */

typedef struct {
    int n, c, hw;
    float *x, *xh, *g, *b, *y, *r, *mean, *inv, *rm, *rv;
} bn_ctx;

static double bn_loss(void *p)
{
    bn_ctx *c = p;
    nn_bn_forward_train(c->n, c->c, c->hw, c->x, c->xh, c->g, c->b, c->y, 0, c->mean, c->inv, c->rm, c->rv);
    return wsum(c->y, c->r, (size_t)c->n * c->c * c->hw);
}

TEST(nn_batchnorm_gradients_and_statistics)
{
    nb_rng r;
    nb_rng_init(&r, 3, 0, NB_PURPOSE_TEST);
    bn_ctx c = {3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    size_t nx = (size_t)c.n * c.c * c.hw;
    c.x = rand_tensor(nx, &r, 0), c.r = rand_tensor(nx, &r, 0);
    c.g = rand_tensor(c.c, &r, 0.5), c.b = rand_tensor(c.c, &r, 0);
    c.xh = nb_xcalloc_array(nx, sizeof(float)), c.y = nb_xcalloc_array(nx, sizeof(float));
    c.mean = nb_xcalloc_array(c.c, sizeof(float)), c.inv = nb_xcalloc_array(c.c, sizeof(float));
    c.rm = nb_xcalloc_array(c.c, sizeof(float)), c.rv = nb_xcalloc_array(c.c, sizeof(float));
    bn_loss(&c);
    float *dx = nb_xcalloc_array(nx, sizeof(float));
    float *dg = nb_xcalloc_array(c.c, sizeof(float)), *db = nb_xcalloc_array(c.c, sizeof(float));
    nn_bn_backward(c.n, c.c, c.hw, c.xh, c.g, c.inv, c.r, dx, dg, db);
    CHECK(fd_verdict(c.x, nx, dx, bn_loss, &c, 1e-2, 2e-3, 1e-2, 60, &r) <= 1);
    CHECK(fd_verdict(c.g, c.c, dg, bn_loss, &c, 1e-2, 2e-3, 1e-2, 4, &r) <= 1);
    CHECK(fd_verdict(c.b, c.c, db, bn_loss, &c, 1e-2, 2e-3, 1e-2, 4, &r) <= 1);
    free(dx), free(dg), free(db), free(c.x), free(c.r), free(c.g), free(c.b), free(c.xh), free(c.y);
    free(c.mean), free(c.inv), free(c.rm), free(c.rv);

    /* hand example: one channel, values 1..4 (n = 2, hw = 2): mean 2.5, biased var 1.25,
     * unbiased 5/3; running stats from (0, 1): 0.25 and 0.9 + 0.1 * 5/3. */
    float x[4] = {1, 2, 3, 4}, xh[4], y[4], g = 2, b = 1, m, inv, rm = 0, rv = 1;
    nn_bn_forward_train(2, 1, 2, x, xh, &g, &b, y, 0, &m, &inv, &rm, &rv);
    CHECK_NEAR(m, 2.5, 1e-7);
    CHECK_NEAR(inv, 1.0 / sqrt(1.25 + 1e-5), 1e-6);
    CHECK_NEAR(y[0], 1 + 2 * (1 - 2.5) / sqrt(1.25 + 1e-5), 1e-5);
    CHECK_NEAR(rm, 0.25, 1e-7);
    CHECK_NEAR(rv, 0.9 + 0.1 * 5.0 / 3.0, 1e-6);
    /* eval mode uses the running statistics */
    nn_bn_forward_eval(2, 1, 2, x, xh, &g, &b, y, 0, &rm, &rv);
    CHECK_NEAR(y[3], 1 + 2 * (4 - 0.25) / sqrt(rv + 1e-5), 1e-5);
}

/* ---- pooling, gap, linear, loss */

typedef struct {
    int kind; /* 0 pool3, 1 pool2, 2 gap_relu, 3 linear (x), 4 linear (w), 5 linear (b), 6 xent */
    int n, c, h, w;
    float *x, *y, *r, *wgt, *b;
    int32_t *lab;
} misc_ctx;

static double misc_loss(void *p)
{
    misc_ctx *m = p;
    size_t ny;
    switch (m->kind) {
    case 0: nn_avgpool3_forward(m->n, m->c, m->h, m->w, m->x, m->y, 0); ny = (size_t)m->n * m->c * m->h * m->w; break;
    case 1: nn_avgpool2_forward(m->n, m->c, m->h, m->w, m->x, m->y); ny = (size_t)m->n * m->c * ((m->h + 1) / 2) * ((m->w + 1) / 2); break;
    case 2: nn_gap_relu_forward(m->n, m->c, m->h * m->w, m->x, m->y); ny = (size_t)m->n * m->c; break;
    case 6: return nn_softmax_xent(m->n, m->c, m->x, m->lab, NULL, NULL);
    default: nn_linear_forward(m->n, m->c, m->h, m->x, m->wgt, m->b, m->y); ny = (size_t)m->n * m->h; break;
    }
    return wsum(m->y, m->r, ny);
}

TEST(nn_pool_gap_linear_loss_gradients)
{
    nb_rng r;
    nb_rng_init(&r, 4, 0, NB_PURPOSE_TEST);
    misc_ctx m = {0, 2, 3, 5, 7, NULL, NULL, NULL, NULL, NULL, NULL};
    size_t nx = (size_t)m.n * m.c * m.h * m.w;
    m.x = rand_tensor(nx, &r, 0.1), m.y = nb_xcalloc_array(nx, sizeof(float)), m.r = rand_tensor(nx, &r, 0);
    for (int kind = 0; kind < 3; kind++) {
        m.kind = kind;
        float *dx = nb_xcalloc_array(nx, sizeof(float));
        if (kind == 0) nn_avgpool3_backward(m.n, m.c, m.h, m.w, m.r, dx);
        if (kind == 1) nn_avgpool2_backward(m.n, m.c, m.h, m.w, m.r, dx);
        if (kind == 2) nn_gap_relu_backward(m.n, m.c, m.h * m.w, m.x, m.r, dx);
        double v = fd_verdict(m.x, nx, dx, misc_loss, &m, 1e-2, 2e-3, 1e-2, 80, &r);
        CHECK_MSG(v <= 1, "op kind %d: FD verdict %.3g", kind, v);
        free(dx);
    }
    /* linear: n = 2, in = c = 3, out = h = 5 */
    m.kind = 3;
    m.wgt = rand_tensor(15, &r, 0), m.b = rand_tensor(5, &r, 0);
    float dx[6] = {0}, dw[15] = {0}, db[5] = {0};
    nn_linear_backward(2, 3, 5, m.x, m.wgt, m.r, dx, dw, db);
    CHECK(fd_verdict(m.x, 6, dx, misc_loss, &m, 1e-2, 2e-3, 1e-2, 6, &r) <= 1);
    CHECK(fd_verdict(m.wgt, 15, dw, misc_loss, &m, 1e-2, 2e-3, 1e-2, 15, &r) <= 1);
    CHECK(fd_verdict(m.b, 5, db, misc_loss, &m, 1e-2, 2e-3, 1e-2, 5, &r) <= 1);
    /* softmax cross-entropy: n = 2 rows of c = 3... use 4 classes */
    int32_t lab[2] = {1, 3};
    m.kind = 6, m.c = 4, m.lab = lab;
    float dl[8];
    int correct = 0;
    nn_softmax_xent(2, 4, m.x, lab, dl, &correct);
    CHECK(fd_verdict(m.x, 8, dl, misc_loss, &m, 1e-2, 2e-3, 1e-2, 8, &r) <= 1);
    float uniform[4] = {0, 0, 0, 0};
    int32_t one = 2;
    CHECK_NEAR(nn_softmax_xent(1, 4, uniform, &one, NULL, NULL), log(4.0), 1e-12);
    free(m.x), free(m.y), free(m.r), free(m.wgt), free(m.b);
}

TEST(nn_pool_border_semantics)
{
    /* NB201 avg_pool_3x3 has count_include_pad=False: a corner averages 4
     * inputs, an edge 6, the centre 9. */
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, y[9];
    nn_avgpool3_forward(1, 1, 3, 3, x, y, 0);
    CHECK_NEAR(y[0], (1 + 2 + 4 + 5) / 4.0, 1e-6);
    CHECK_NEAR(y[1], (1 + 2 + 3 + 4 + 5 + 6) / 6.0, 1e-6);
    CHECK_NEAR(y[4], 5.0, 1e-6);
    CHECK_NEAR(y[8], (5 + 6 + 8 + 9) / 4.0, 1e-6);
    /* accumulate adds */
    nn_avgpool3_forward(1, 1, 3, 3, x, y, 1);
    CHECK_NEAR(y[4], 10.0, 1e-6);
    /* shortcut pool 2x2 stride 2, ceil mode: 3x3 -> 2x2, cut windows average valid inputs */
    float p[4];
    nn_avgpool2_forward(1, 1, 3, 3, x, p);
    CHECK_NEAR(p[0], 3.0, 1e-6);
    CHECK_NEAR(p[1], 4.5, 1e-6);
    CHECK_NEAR(p[2], 7.5, 1e-6);
    CHECK_NEAR(p[3], 9.0, 1e-6);
    /* even sizes: exactly NB201's AvgPool2d(2, 2) */
    float x4[16], p4[4];
    for (int i = 0; i < 16; i++) x4[i] = (float)i;
    nn_avgpool2_forward(1, 1, 4, 4, x4, p4);
    CHECK_NEAR(p4[0], (0 + 1 + 4 + 5) / 4.0, 1e-6);
    CHECK_NEAR(p4[3], (10 + 11 + 14 + 15) / 4.0, 1e-6);
}

/* ---- counts */

TEST(nn_param_count_all_cells)
{
    nn_config cfg = nn_config_default();
    space_arch a;
    CHECK_OK(space_parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", &a));
    CHECK_EQ_INT(nn_net_param_count(&cfg, &space_nb201, &a), 1531546);
    int bad_exact = 0, bad_m = 0, bad_100 = 0;
    for (uint32_t code = 0; code < SPACE_NB201_SIZE; code++) {
        space_arch c = space_from_code(code);
        int cnt[SPACE_NB201_OPS];
        space_op_counts(&c, cnt);
        int n3 = cnt[SPACE_OP_CONV3], n1 = cnt[SPACE_OP_CONV1];
        cfg.classes = 10;
        size_t p10 = nn_net_param_count(&cfg, &space_nb201, &c);
        /* exact: base 73306 (stem 464, reductions 14464 + 57600, lastact 128,
         * classifier 650); per 3x3 conv edge 5 * (2336 + 9280 + 36992); per 1x1 5 * 5600 */
        if (p10 != 73306u + 243040u * n3 + 28000u * n1) bad_exact++;
        if (fabs(p10 / 1e6 - (0.073306 + 0.24304 * n3 + 0.028 * n1)) > 1e-6) bad_m++;
        cfg.classes = 100;
        size_t p100 = nn_net_param_count(&cfg, &space_nb201, &c);
        if (fabs(p100 / 1e6 - (0.073306 + 0.24304 * n3 + 0.028 * n1 + 0.00585)) > 1e-6) bad_100++;
    }
    CHECK_EQ_INT(bad_exact, 0);
    CHECK_EQ_INT(bad_m, 0);
    CHECK_EQ_INT(bad_100, 0);
}

TEST(nn_flops_all_cells)
{
    nn_config cfg = nn_config_default();
    int bad = 0;
    for (uint32_t code = 0; code < SPACE_NB201_SIZE; code++) {
        space_arch c = space_from_code(code);
        int cnt[SPACE_NB201_OPS];
        space_op_counts(&c, cnt);
        double want = 7.78305 + 35.38944 * cnt[SPACE_OP_CONV3] + 3.93216 * cnt[SPACE_OP_CONV1];
        if (fabs(nn_net_flops(&cfg, &space_nb201, &c) - want) > 1e-9) bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

/* ---- whole network */

static const char *ALL_OPS =
    "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|";

static void fill_batch(float *x, int32_t *y, int n, size_t pix, int classes, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_TEST);
    for (int s = 0; s < n; s++) {
        y[s] = (int32_t)nb_rng_below(&r, (uint64_t)classes);
        /* a class-dependent mean makes the task learnable */
        for (size_t i = 0; i < pix; i++) x[s * pix + i] = (float)(nb_rng_normal(&r) + 0.5 * ((y[s] + (int)i) % 3 - 1));
    }
}

typedef struct {
    nn_net *net;
    const float *x;
    const int32_t *y;
    int n;
} net_ctx;

static double net_loss(void *p)
{
    net_ctx *c = p;
    nn_net_forward(c->net, c->x, c->n, 1);
    return nn_net_loss(c->net, c->y, NULL);
}

TEST(nn_network_gradient_matches_finite_differences)
{
    /* 7x7 input: 7 -> 4 -> 2 exercises the ceil-mode shortcut; every op type present.
     * Train-mode BN on 4 images of 2x2 makes the loss strongly curved, so the
     * step is small (3e-4: FD converges to the analytic value as the step
     * shrinks; at 1e-2 a third of the coordinates are off by curvature) and
     * the reference kernels (double sums) keep the float loss smooth. ReLU
     * kinks can spoil a few coordinates, so the verdict allows 5% of them. */
    nn_config cfg = {2, 1, 3, 2, 7, 7, 4, 1};
    space_arch a;
    CHECK_OK(space_parse(ALL_OPS, &a));
    nn_net *net;
    CHECK_OK(nn_net_create(&cfg, &space_nb201, &a, &net));
    nn_net_init(net, 5);
    size_t np = nn_net_num_params(net), pix = 2 * 7 * 7;
    float x[4 * 98];
    int32_t y[4];
    fill_batch(x, y, 4, pix, 3, 9);
    /* move BN gammas and betas off their init so their gradients are generic */
    nb_rng r;
    nb_rng_init(&r, 6, 0, NB_PURPOSE_TEST);
    float *p = nn_net_params(net);
    for (size_t i = 0; i < np; i++) p[i] += (float)(0.1 * (nb_rng_uniform(&r) - 0.5));
    net_ctx c = {net, x, y, 4};
    net_loss(&c);
    nn_net_backward(net, y);
    float *g = nb_xcalloc_array(np, sizeof(float));
    memcpy(g, nn_net_grads(net), np * sizeof(float));
    int bad = 0, tried = 0;
    for (size_t i = 0; i < np; i += 1 + np / 150, tried++) {
        float keep = p[i];
        double eps = 3e-4;
        p[i] = keep + (float)eps;
        double lp = net_loss(&c);
        p[i] = keep - (float)eps;
        double lm = net_loss(&c);
        p[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        if (fabs(fd - g[i]) > 1e-3 + 3e-2 * fmax(fabs(fd), fabs(g[i]))) {
            bad++;
            if (getenv("NN_DEBUG")) fprintf(stderr, "param %zu: fd %.6g analytic %.6g\n", i, fd, g[i]);
        }
    }
    CHECK_MSG(bad <= tried / 20, "%d of %d parameter gradients disagree with finite differences", bad, tried);
    free(g);
    nn_net_destroy(net);
}

/* Train the tiny network `steps` steps on a fixed batch; returns losses[] and the final params. */
static float *train_tiny(int reference, int threads, int steps, double *losses, size_t *np_out)
{
    nn_config cfg = {4, 1, 10, 3, 8, 8, 16, reference};
    space_arch a;
    NB_ASSERT(space_parse(ALL_OPS, &a) == NB_OK);
    nn_net *net;
    NB_ASSERT(nn_net_create(&cfg, &space_nb201, &a, &net) == NB_OK);
    nn_net_init(net, 42);
    nn_sgd *opt = nn_sgd_create(net, &(nn_sgd_config){0.9, 5e-4, 1});
    nn_set_threads(threads);
    float x[16 * 192];
    int32_t y[16];
    fill_batch(x, y, 16, 192, 10, 7);
    for (int s = 0; s < steps; s++) losses[s] = nn_net_train_step(net, opt, x, y, 16, 0.05, NULL);
    nn_set_threads(1);
    size_t np = nn_net_num_params(net);
    float *p = nb_xcalloc_array(np, sizeof(float));
    memcpy(p, nn_net_params(net), np * sizeof(float));
    *np_out = np;
    nn_sgd_destroy(opt);
    nn_net_destroy(net);
    return p;
}

TEST(nn_tiny_network_trains_deterministically)
{
    enum { STEPS = 12 };
    double l1[STEPS], l2[STEPS], l3[STEPS], lr_[STEPS];
    size_t n1, n2, n3, nr;
    float *p1 = train_tiny(0, 1, STEPS, l1, &n1);
    float *p2 = train_tiny(0, 1, STEPS, l2, &n2);
    float *p3 = train_tiny(0, 2, STEPS, l3, &n3);
    float *pr = train_tiny(1, 1, STEPS, lr_, &nr);
    CHECK_MSG(l1[STEPS - 1] < 0.5 * l1[0], "loss %.4f -> %.4f did not halve", l1[0], l1[STEPS - 1]);
    CHECK(n1 == n2 && n1 == n3 && n1 == nr);
    CHECK_MSG(memcmp(p1, p2, n1 * sizeof(float)) == 0, "two runs with one seed differ");
    CHECK_MSG(memcmp(l1, l2, sizeof l1) == 0, "two runs with one seed give other losses");
    CHECK_MSG(memcmp(p1, p3, n1 * sizeof(float)) == 0, "1 and 2 BLAS threads differ");
    /* the reference path sums in another order: same trajectory within float noise */
    for (int s = 0; s < STEPS; s++) CHECK_NEAR(l1[s], lr_[s], 1e-3 + 1e-3 * fabs(lr_[s]));
    double worst = 0;
    for (size_t i = 0; i < n1; i++) worst = fmax(worst, fabs(p1[i] - pr[i]) / (1e-3 + 1e-2 * fabs(pr[i])));
    CHECK_MSG(worst <= 1, "fast vs reference parameters after %d steps: %.3g x tolerance", STEPS, worst);
    free(p1), free(p2), free(p3), free(pr);
}

/* Worst error of a fast conv's y, dx, dw against the reference loops, in
 * units of the tolerance (tol absolute + tol relative; dw_abs absolute for
 * dw). dx and dw of the fast side started from zero. */
static double conv_vs_reference(const nn_conv_desc *d, int n, int h, int w, const float *x,
                                const float *wg, const float *dy, const float *y, const float *dx,
                                const float *dw, double tol, double dw_abs)
{
    int ho = nn_conv_out(h, d->k, d->stride, d->pad), wo = nn_conv_out(w, d->k, d->stride, d->pad);
    size_t nx = (size_t)n * d->cin * h * w, ny = (size_t)n * d->cout * ho * wo,
           nw = (size_t)d->cout * d->cin * d->k * d->k;
    float *yr = nb_xcalloc_array(ny, sizeof(float)), *dxr = nb_xcalloc_array(nx, sizeof(float)),
          *dwr = nb_xcalloc_array(nw, sizeof(float));
    nn_ref_conv2d_forward(d, n, h, w, x, wg, yr, 0);
    nn_ref_conv2d_backward(d, n, h, w, x, wg, dy, dxr, dwr);
    double worst = 0;
    for (size_t i = 0; i < ny; i++) worst = fmax(worst, fabs(y[i] - yr[i]) / (tol + tol * fabs(yr[i])));
    for (size_t i = 0; i < nx; i++) worst = fmax(worst, fabs(dx[i] - dxr[i]) / (tol + tol * fabs(dxr[i])));
    for (size_t i = 0; i < nw; i++) worst = fmax(worst, fabs(dw[i] - dwr[i]) / (dw_abs + tol * fabs(dwr[i])));
    free(yr), free(dxr), free(dwr);
    return worst;
}

TEST(nn_sgemm_shapes_thread_independent)
{
    /* A stage-1 conv of the real network (C=16, 32x32) on 8 images: large
     * enough for OpenBLAS to use its threads. 1 vs 2 threads must agree bit for bit. */
    nn_conv_desc d = {16, 16, 3, 1, 1, 1};
    int n = 8, h = 32, w = 32;
    nb_rng r;
    nb_rng_init(&r, 8, 0, NB_PURPOSE_TEST);
    size_t nx = (size_t)n * 16 * h * w, nw = 16 * 16 * 9;
    float *x = rand_tensor(nx, &r, 0), *wg = rand_tensor(nw, &r, 0), *dy = rand_tensor(nx, &r, 0);
    float *scr = nb_xcalloc_array(nn_conv_scratch(&d, n, h, w), sizeof(float));
    float *out[2][3];
    for (int t = 0; t < 2; t++) {
        nn_set_threads(t + 1);
        for (int k = 0; k < 3; k++) out[t][k] = nb_xcalloc_array(k == 2 ? nw : nx, sizeof(float));
        nn_conv2d_forward(&d, n, h, w, x, wg, out[t][0], 0, scr);
        nn_conv2d_backward(&d, n, h, w, x, wg, dy, out[t][1], out[t][2], scr);
    }
    nn_set_threads(1);
    /* several image groups (2 per group here): still the reference result */
    double worst = conv_vs_reference(&d, n, h, w, x, wg, dy, out[0][0], out[0][1], out[0][2], 1e-4, 1e-3);
    CHECK_MSG(worst <= 1, "grouped conv vs reference: %.3g x tolerance", worst);
    CHECK(memcmp(out[0][0], out[1][0], nx * sizeof(float)) == 0);
    CHECK(memcmp(out[0][1], out[1][1], nx * sizeof(float)) == 0);
    CHECK(memcmp(out[0][2], out[1][2], nw * sizeof(float)) == 0);
    for (int t = 0; t < 2; t++)
        for (int k = 0; k < 3; k++) free(out[t][k]);
    free(x), free(wg), free(dy), free(scr);
}

TEST(nn_direct_conv_same_bits_on_every_simd_level)
{
    /* The direct path's vector tiles (32 / 16 / 8 channels, 12 / 16 / 6
     * positions or (channel, tap) pairs) against the portable fmaf path:
     * channel counts that leave every kind of remainder, map widths that
     * split tiles across rows and images, 1x1 and 3x3, ReLU on and off.
     * Every level must give the same bits, and all must match the
     * double-precision reference loops. */
    static const struct { int cin, cout, k, relu, n, h, w; } cs[] = {
        {3, 16, 3, 0, 2, 9, 9},  {8, 8, 3, 1, 3, 14, 14}, {16, 16, 3, 1, 2, 7, 7},
        {32, 32, 3, 1, 5, 4, 4}, {16, 40, 1, 1, 2, 5, 6},  {40, 24, 3, 1, 2, 6, 5},
        {64, 64, 1, 1, 3, 8, 8}, {5, 7, 3, 1, 2, 3, 11},  {4, 4, 3, 1, 3, 14, 14},
        {8, 4, 1, 1, 2, 16, 9},  {4, 8, 3, 0, 2, 13, 8},   {16, 16, 3, 1, 2, 32, 30},
        {12, 14, 3, 1, 2, 5, 46},
    };
    const int top = nn_kernels_simd();
    nb_rng r;
    nb_rng_init(&r, 21, 0, NB_PURPOSE_TEST);
    for (size_t c = 0; c < sizeof cs / sizeof cs[0]; c++) {
        nn_conv_desc d = {cs[c].cin, cs[c].cout, cs[c].k, 1, cs[c].k / 2, cs[c].relu};
        const int n = cs[c].n, h = cs[c].h, w = cs[c].w;
        size_t nx = (size_t)n * d.cin * h * w, ny = (size_t)n * d.cout * h * w,
               nw = (size_t)d.cout * d.cin * d.k * d.k;
        float *x = rand_tensor(nx, &r, 0), *wg = rand_tensor(nw, &r, 0), *dy = rand_tensor(ny, &r, 0);
        float *scr = nb_xcalloc_array(nn_conv_scratch(&d, n, h, w), sizeof(float));
        float *out[3][3];
        for (int lv = 0; lv <= 2; lv++) {
            nn_kernels_set_simd(lv);
            out[lv][0] = nb_xcalloc_array(ny, sizeof(float));
            out[lv][1] = nb_xcalloc_array(nx, sizeof(float));
            out[lv][2] = nb_xcalloc_array(nw, sizeof(float));
            nn_conv2d_forward(&d, n, h, w, x, wg, out[lv][0], 0, scr);
            nn_conv2d_backward(&d, n, h, w, x, wg, dy, out[lv][1], out[lv][2], scr);
        }
        /* eval conv + BN folded into the epilogue: the bits of the two calls, every level */
        float *mean = rand_tensor((size_t)d.cout, &r, 0), *var = rand_tensor((size_t)d.cout, &r, 0.1),
              *gb = rand_tensor(2 * (size_t)d.cout, &r, 0), *invstd = nb_xcalloc_array((size_t)d.cout, sizeof(float));
        for (int o = 0; o < d.cout; o++) {
            var[o] = fabsf(var[o]);
            invstd[o] = (float)(1.0 / sqrt((double)var[o] + NN_BN_EPS));
        }
        const float *const bn[4] = {mean, invstd, gb, gb + d.cout};
        float *yc = nb_xcalloc_array(ny, sizeof(float)), *yb = nb_xcalloc_array(ny, sizeof(float)),
              *yf = nb_xcalloc_array(ny, sizeof(float));
        nn_conv2d_forward(&d, n, h, w, x, wg, yc, 0, scr);
        for (int mode = NN_SET; mode <= NN_ADD0; mode++) {
            for (size_t i = 0; i < ny; i++) yb[i] = mode == NN_ADD0 ? 0.0f : dy[i];
            nn_bn_forward_eval(n, d.cout, h * w, yc, NULL, gb, gb + d.cout, yb, mode, mean, var);
            for (int lv = 0; lv <= 2; lv++) {
                nn_kernels_set_simd(lv);
                for (size_t i = 0; i < ny; i++) yf[i] = mode == NN_ADD ? dy[i] : -1.0f;
                CHECK(nn_conv2d_forward_bn(&d, n, h, w, x, wg, bn, yf, mode, scr) == 1);
                CHECK_MSG(memcmp(yf, yb, ny * sizeof(float)) == 0, "case %zu mode %d level %d: fused conv+BN differs", c, mode, lv);
            }
        }
        free(mean), free(var), free(gb), free(invstd), free(yc), free(yb), free(yf);
        nn_kernels_set_simd(2);
        for (int lv = 1; lv <= 2; lv++) {
            CHECK_MSG(memcmp(out[0][0], out[lv][0], ny * sizeof(float)) == 0, "case %zu level %d: y differs", c, lv);
            CHECK_MSG(memcmp(out[0][1], out[lv][1], nx * sizeof(float)) == 0, "case %zu level %d: dx differs", c, lv);
            CHECK_MSG(memcmp(out[0][2], out[lv][2], nw * sizeof(float)) == 0, "case %zu level %d: dw differs", c, lv);
        }
        double worst = conv_vs_reference(&d, n, h, w, x, wg, dy, out[0][0], out[0][1], out[0][2], 1e-4, 1e-4);
        CHECK_MSG(worst <= 1, "case %zu: direct conv vs reference %.3g x tolerance", c, worst);
        for (int lv = 0; lv <= 2; lv++)
            for (int k = 0; k < 3; k++) free(out[lv][k]);
        free(x), free(wg), free(dy), free(scr);
    }
    CHECK_EQ_INT(nn_kernels_simd(), top);
}

TEST(nn_odd_input_sizes_run)
{
    /* Fashion-MNIST shapes: 28 -> 14 -> 7 and 14 -> 7 -> 4 (ceil-mode reduction) */
    const int sizes[] = {28, 14, 7};
    space_arch a;
    CHECK_OK(space_parse(ALL_OPS, &a));
    for (int i = 0; i < 3; i++) {
        nn_config cfg = {4, 1, 10, 1, sizes[i], sizes[i], 4, 0};
        nn_net *net;
        CHECK_OK(nn_net_create(&cfg, &space_nb201, &a, &net));
        nn_net_init(net, 1);
        size_t pix = (size_t)sizes[i] * sizes[i];
        float *x = nb_xcalloc_array(4 * pix, sizeof(float));
        int32_t y[4];
        fill_batch(x, y, 4, pix, 10, 3);
        nn_sgd *opt = nn_sgd_create(net, &(nn_sgd_config){0.9, 5e-4, 1});
        double l0 = nn_net_train_step(net, opt, x, y, 4, 0.05, NULL);
        CHECK_MSG(isfinite(l0) && l0 > 0, "size %d: loss %g", sizes[i], l0);
        const float *logits = nn_net_forward(net, x, 4, 0);
        for (int k = 0; k < 40; k++) CHECK(isfinite(logits[k]));
        nn_sgd_destroy(opt);
        nn_net_destroy(net);
        free(x);
    }
    nn_config bad = {4, 1, 10, 1, 28, 28, 0, 0};
    nn_net *net = NULL;
    CHECK_STATUS(nn_net_create(&bad, &space_nb201, &a, &net), NB_EINVAL);
    CHECK_ERRMSG("batch");
    CHECK(net == NULL);
}

TEST(nn_sgd_and_cosine_schedule_by_hand)
{
    nn_config cfg = {1, 1, 2, 1, 2, 2, 1, 0};
    space_arch a = space_from_code(0);
    nn_net *net;
    CHECK_OK(nn_net_create(&cfg, &space_nb201, &a, &net));
    nn_sgd *opt = nn_sgd_create(net, &(nn_sgd_config){0.9, 0.1, 1});
    float *p = nn_net_params(net), *g = nn_net_grads(net);
    p[0] = 1.0f, g[0] = 0.5f;
    /* torch SGD, nesterov: d = g + wd p; v = mu v + d; p -= lr (d + mu v) */
    nn_sgd_step(opt, net, 0.1);
    CHECK_NEAR(p[0], 0.886, 1e-6);
    nn_sgd_step(opt, net, 0.1);
    CHECK_NEAR(p[0], 0.725566, 1e-6);
    nn_sgd_destroy(opt);
    nn_net_destroy(net);
    CHECK_NEAR(nn_cosine_lr(0.1, 0, 0, 10, 200), 0.1, 1e-15);
    CHECK_NEAR(nn_cosine_lr(0.1, 100, 0, 10, 200), 0.05, 1e-15);
    CHECK_NEAR(nn_cosine_lr(0.1, 99, 5, 10, 200), 0.5 * 0.1 * (1 + cos(M_PI * 99.5 / 200)), 1e-15);
    CHECK_NEAR(nn_cosine_lr(0.1, 200, 0, 10, 200), 0.0, 1e-15);
}

/* ---- datasets */

static void write_gz(const char *path, const unsigned char *b, size_t n)
{
    gzFile f = gzopen(path, "wb");
    NB_ASSERT(f);
    NB_ASSERT(gzwrite(f, b, (unsigned)n) == (int)n);
    gzclose(f);
}

static void write_raw(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    NB_ASSERT(f);
    NB_ASSERT(fwrite(b, 1, n, f) == n);
    fclose(f);
}

static void be(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

TEST(nn_idx_reader_and_errors)
{
    char im[512], lb[512], bad[512];
    snprintf(im, sizeof im, "%s/nn-img.gz", test_tmpdir());
    snprintf(lb, sizeof lb, "%s/nn-lab.gz", test_tmpdir());
    snprintf(bad, sizeof bad, "%s/nn-bad.gz", test_tmpdir());
    unsigned char ib[16 + 5 * 16], lbuf[8 + 5];
    be(ib, 0x803), be(ib + 4, 5), be(ib + 8, 4), be(ib + 12, 4);
    for (int i = 0; i < 80; i++) ib[16 + i] = (unsigned char)(i * 3);
    be(lbuf, 0x801), be(lbuf + 4, 5);
    for (int i = 0; i < 5; i++) lbuf[8 + i] = (unsigned char)(9 - i);
    write_gz(im, ib, sizeof ib);
    write_gz(lb, lbuf, sizeof lbuf);
    nn_data d;
    CHECK_OK(nn_data_read_idx(im, lb, &d));
    CHECK_EQ_INT(d.n, 5);
    CHECK_EQ_INT(d.h, 4);
    CHECK_EQ_INT(d.c, 1);
    CHECK_EQ_INT(d.x[17], 51);
    CHECK_EQ_INT(d.y[4], 5);
    /* downsample 4x4 -> 2x2: box mean, rounded */
    CHECK_OK(nn_data_downsample(&d, 2));
    CHECK_EQ_INT(d.h, 2);
    CHECK_EQ_INT(d.x[0], (0 + 3 + 12 + 15 + 2) / 4);
    CHECK_STATUS(nn_data_downsample(&d, 3), NB_EINVAL);
    nn_data_free(&d);

    /* truncated pixels */
    write_gz(bad, ib, sizeof ib - 7);
    CHECK_STATUS(nn_data_read_idx(bad, lb, &d), NB_EFORMAT);
    CHECK_ERRMSG("nn-bad.gz");
    CHECK_ERRMSG("truncated at byte offset 89");
    CHECK(d.x == NULL);
    /* wrong magic */
    CHECK_STATUS(nn_data_read_idx(lb, lb, &d), NB_EFORMAT);
    CHECK_ERRMSG("magic 0x00000801");
    /* count mismatch */
    unsigned char l4[12];
    memcpy(l4, lbuf, 12);
    be(l4 + 4, 4);
    write_gz(bad, l4, sizeof l4);
    CHECK_STATUS(nn_data_read_idx(im, bad, &d), NB_EFORMAT);
    CHECK_ERRMSG("4 labels");
    /* label out of range */
    unsigned char l10[13];
    memcpy(l10, lbuf, 13);
    l10[11] = 10;
    write_gz(bad, l10, sizeof l10);
    CHECK_STATUS(nn_data_read_idx(im, bad, &d), NB_EFORMAT);
    CHECK_ERRMSG("label 10 at byte offset 11");
    /* a cut gzip stream */
    FILE *f = fopen(im, "rb");
    unsigned char gzb[512];
    size_t gzn = fread(gzb, 1, sizeof gzb, f);
    fclose(f);
    write_raw(bad, gzb, gzn - 12);
    CHECK(nn_data_read_idx(bad, lb, &d) == NB_EFORMAT);
    CHECK_ERRMSG("nn-bad.gz");
    /* missing file */
    CHECK_STATUS(nn_data_read_idx("/nonexistent/x.gz", lb, &d), NB_EIO);
    CHECK_ERRMSG("/nonexistent/x.gz");
}

TEST(nn_cifar_reader_split_and_batches)
{
    char p10[512], p100[512];
    snprintf(p10, sizeof p10, "%s/nn-c10.bin", test_tmpdir());
    snprintf(p100, sizeof p100, "%s/nn-c100.bin", test_tmpdir());
    enum { R10 = 3073, R100 = 3074, N = 6 };
    unsigned char *b = nb_xcalloc_array(N * R100, 1);
    for (int r = 0; r < N; r++) {
        b[r * R10] = (unsigned char)r;
        for (int i = 0; i < 3072; i++) b[r * R10 + 1 + i] = (unsigned char)(r * 10 + i % 7);
    }
    write_raw(p10, b, N * R10);
    nn_data d;
    const char *paths[2] = {p10, p10};
    CHECK_OK(nn_data_read_cifar(paths, 2, 10, &d));
    CHECK_EQ_INT(d.n, 2 * N);
    CHECK_EQ_INT(d.y[N + 5], 5);
    CHECK_EQ_INT(d.x[(size_t)3 * 3072 + 1025], 30 + 1025 % 7);
    CHECK_NEAR(d.mean[0], 125.3 / 255, 1e-6);

    /* split: disjoint, complete, fixed */
    nn_data a, c, a2, c2;
    nn_data_split(&d, 5, &a, &c);
    nn_data_split(&d, 5, &a2, &c2);
    CHECK_EQ_INT(a.n, 5);
    CHECK_EQ_INT(c.n, 7);
    CHECK(memcmp(a.y, a2.y, 5) == 0 && memcmp(c.x, c2.x, 7 * 3072) == 0);
    int hist[6] = {0};
    for (size_t i = 0; i < a.n; i++) hist[a.y[i]]++;
    for (size_t i = 0; i < c.n; i++) hist[c.y[i]]++;
    for (int i = 0; i < 6; i++) CHECK_EQ_INT(hist[i], 2);
    nn_data_free(&a), nn_data_free(&c), nn_data_free(&a2), nn_data_free(&c2);

    /* batches: no augmentation = normalised pixels; augmentation = one of the
     * (2*4+1)^2 crops, maybe flipped, with zero (black) padding */
    size_t idx[2] = {3, 7};
    float x[2 * 3072], xa[2 * 3072];
    int32_t y[2];
    nn_data_batch(&d, idx, 2, 0, NULL, x, y);
    CHECK_EQ_INT(y[1], 1);
    CHECK_NEAR(x[5], (d.x[3 * 3072 + 5] / 255.0 - d.mean[0]) / d.std[0], 1e-6);
    nb_rng r;
    nb_rng_init(&r, 1, 0, NB_PURPOSE_DATA);
    nn_data_batch(&d, idx, 1, 1, &r, xa, y);
    int matches = 0;
    for (int dy = -4; dy <= 4; dy++)
        for (int dx = -4; dx <= 4; dx++)
            for (int fl = 0; fl < 2; fl++) {
                int ok = 1;
                for (int ch = 0; ch < 3 && ok; ch++)
                    for (int oy = 0; oy < 32 && ok; oy++)
                        for (int ox = 0; ox < 32 && ok; ox++) {
                            int iy = oy + dy, ix = (fl ? 31 - ox : ox) + dx;
                            int v = (iy >= 0 && iy < 32 && ix >= 0 && ix < 32) ? d.x[3 * 3072 + (ch * 32 + iy) * 32 + ix] : 0;
                            float want = (v / 255.0f - d.mean[ch]) / d.std[ch];
                            if (xa[(ch * 32 + oy) * 32 + ox] != want) ok = 0;
                        }
                matches += ok;
            }
    CHECK(matches >= 1);
    nn_data_free(&d);

    /* truncated: 2.5 records */
    write_raw(p10, b, 2 * R10 + 1500);
    CHECK_STATUS(nn_data_read_cifar(paths, 1, 10, &d), NB_EFORMAT);
    CHECK_ERRMSG("nn-c10.bin");
    CHECK_ERRMSG("partial record at byte offset 6146");
    /* label out of range */
    b[R10 * 2] = 10;
    write_raw(p10, b, N * R10);
    CHECK_STATUS(nn_data_read_cifar(paths, 1, 10, &d), NB_EFORMAT);
    CHECK_ERRMSG("record 2 at byte offset 6146: label 10");
    /* CIFAR-100: coarse byte then fine byte; the fine label is used */
    for (int r2 = 0; r2 < N; r2++) b[r2 * R100] = 19, b[r2 * R100 + 1] = (unsigned char)(90 + r2);
    write_raw(p100, b, N * R100);
    const char *pp[1] = {p100};
    CHECK_OK(nn_data_read_cifar(pp, 1, 100, &d));
    CHECK_EQ_INT(d.y[4], 94);
    nn_data_free(&d);
    CHECK_STATUS(nn_data_load("mnist", "/tmp", 0, &d), NB_ENOTFOUND);
    free(b);
}

/* nn/conv2d.c stages NB201's convs (odd k, pad k/2, stride 1; 3x3 stride 2)
 * through a padded plane and gathers every other shape directly; the
 * padded-plane path must give the same numbers for every thread count, and
 * the direct gather must still match the reference. */
TEST(nn_conv_other_shapes_match_reference)
{
    static const nn_conv_desc cases[] = {
        {3, 4, 2, 1, 0, 1}, {3, 4, 1, 2, 0, 1}, {2, 3, 3, 1, 0, 1}, {2, 3, 5, 2, 2, 1}, {3, 2, 5, 1, 2, 1},
    };
    nb_rng r;
    nb_rng_init(&r, 11, 0, NB_PURPOSE_TEST);
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const nn_conv_desc *d = &cases[ci];
        int n = 3, h = 7, w = 6;
        int ho = nn_conv_out(h, d->k, d->stride, d->pad), wo = nn_conv_out(w, d->k, d->stride, d->pad);
        size_t nx = (size_t)n * d->cin * h * w, ny = (size_t)n * d->cout * ho * wo,
               nw = (size_t)d->cout * d->cin * d->k * d->k;
        float *x = rand_tensor(nx, &r, 0), *wg = rand_tensor(nw, &r, 0), *dy = rand_tensor(ny, &r, 0);
        float *y1 = nb_xcalloc_array(ny, sizeof(float)), *dx1 = nb_xcalloc_array(nx, sizeof(float)),
              *dw1 = nb_xcalloc_array(nw, sizeof(float));
        float *scr = nb_xcalloc_array(nn_conv_scratch(d, n, h, w), sizeof(float));
        nn_conv2d_forward(d, n, h, w, x, wg, y1, 0, scr);
        nn_conv2d_backward(d, n, h, w, x, wg, dy, dx1, dw1, scr);
        double worst = conv_vs_reference(d, n, h, w, x, wg, dy, y1, dx1, dw1, 1e-5, 1e-5);
        CHECK_MSG(worst <= 1.0, "conv case %zu (k %d stride %d pad %d): fast vs reference error %.3g x tolerance",
                  ci, d->k, d->stride, d->pad, worst);
        free(x), free(wg), free(dy), free(y1), free(dx1), free(dw1), free(scr);
    }
}

TEST(nn_conv_staged_paths_thread_independent)
{
    /* 14x14 and 7x7 maps (widths with vector tails), 3x3 stride 1 and 2, 1x1,
     * ReLU'd input with exact zeros and negative zeros: 1 vs 2 threads agree
     * bit for bit, and dx where x <= 0 is left as it was (+0.0 added). */
    static const nn_conv_desc cases[] = {{8, 8, 3, 1, 1, 1}, {8, 16, 3, 2, 1, 1}, {8, 8, 1, 1, 0, 1}};
    nb_rng r;
    nb_rng_init(&r, 12, 0, NB_PURPOSE_TEST);
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const nn_conv_desc *d = &cases[ci];
        int n = 24, h = 14, w = 14;
        int ho = nn_conv_out(h, d->k, d->stride, d->pad), wo = nn_conv_out(w, d->k, d->stride, d->pad);
        size_t nx = (size_t)n * d->cin * h * w, ny = (size_t)n * d->cout * ho * wo,
               nw = (size_t)d->cout * d->cin * d->k * d->k;
        float *x = rand_tensor(nx, &r, 0), *wg = rand_tensor(nw, &r, 0), *dy = rand_tensor(ny, &r, 0);
        for (size_t i = 0; i < nx; i += 7) x[i] = (i / 7) % 2 ? 0.0f : -0.0f;
        float *dx0 = rand_tensor(nx, &r, 0);
        float *out[2][3];
        float *scr = nb_xcalloc_array(nn_conv_scratch(d, n, h, w), sizeof(float));
        for (int t = 0; t < 2; t++) {
            nn_set_threads(t + 1);
            out[t][0] = nb_xcalloc_array(ny, sizeof(float));
            out[t][1] = nb_xcalloc_array(nx, sizeof(float));
            out[t][2] = nb_xcalloc_array(nw, sizeof(float));
            memcpy(out[t][1], dx0, nx * sizeof(float));
            nn_conv2d_forward(d, n, h, w, x, wg, out[t][0], 0, scr);
            nn_conv2d_backward(d, n, h, w, x, wg, dy, out[t][1], out[t][2], scr);
        }
        nn_set_threads(1);
        CHECK(memcmp(out[0][0], out[1][0], ny * sizeof(float)) == 0);
        CHECK(memcmp(out[0][1], out[1][1], nx * sizeof(float)) == 0);
        CHECK(memcmp(out[0][2], out[1][2], nw * sizeof(float)) == 0);
        int kept = 1;
        for (size_t i = 0; i < nx; i++)
            if (!(x[i] > 0.0f) && out[0][1][i] != dx0[i]) kept = 0;
        CHECK_MSG(kept, "conv case %zu: dx changed where relu(x) is 0", ci);
        for (int t = 0; t < 2; t++)
            for (int k = 0; k < 3; k++) free(out[t][k]);
        free(x), free(wg), free(dy), free(dx0), free(scr);
    }
}

/* A space that describes one fixed network by hand, whatever the
 * architecture: ALL_OPS's cell at C=4, N=1, written out as plain data. */
static nb_status handmade_network(const space_arch *a, int C, int N, space_net *out)
{
    (void)a;
    NB_ASSERT(C == 4 && N == 1);
    memset(out, 0, sizeof *out);
    out->stem_c = 4;
    out->n_layers = 5;
    static const space_net_layer layers[5] = {
        {SPACE_NET_CELL, 4}, {SPACE_NET_RESBLOCK, 8}, {SPACE_NET_CELL, 8},
        {SPACE_NET_RESBLOCK, 16}, {SPACE_NET_CELL, 16},
    };
    memcpy(out->layer, layers, sizeof layers);
    /* |nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2| */
    static const space_net_edge edges[5] = {
        {0, 1, SPACE_NET_RELU_CONV_BN, 3}, {0, 2, SPACE_NET_AVG_POOL3, 0},
        {1, 2, SPACE_NET_RELU_CONV_BN, 1}, {0, 3, SPACE_NET_IDENTITY, 0},
        {2, 3, SPACE_NET_RELU_CONV_BN, 3},
    };
    out->cell.n_nodes = 4;
    out->cell.n_edges = 5;
    memcpy(out->cell.edge, edges, sizeof edges);
    return NB_OK;
}

/* The same description with a cell that widens and has a pool edge out of
 * its input: nn refuses it (space.h: NATS's InferCell would put a conv
 * before the pool). */
static nb_status widening_network(const space_arch *a, int C, int N, space_net *out)
{
    handmade_network(a, C, N, out);
    out->layer[0].c_out = 6;
    return NB_OK;
}

TEST(nn_network_from_description_equals_nb201_path)
{
    space_arch a;
    CHECK_OK(space_parse(ALL_OPS, &a));
    space_net d;
    CHECK_OK(space_nb201.network(&a, 4, 1, &d));
    space_net h;
    handmade_network(&a, 4, 1, &h);
    CHECK(d.n_layers == h.n_layers && d.stem_c == h.stem_c &&
          memcmp(d.layer, h.layer, (size_t)d.n_layers * sizeof d.layer[0]) == 0 &&
          memcmp(&d.cell, &h.cell, sizeof d.cell) == 0);
    space_def hand = space_nb201;
    hand.network = handmade_network;
    space_arch other = space_from_code(0); /* ignored by the handmade space */
    nn_config cfg = {4, 1, 10, 1, 8, 8, 4, 0};
    CHECK_EQ_INT(nn_net_param_count(&cfg, &hand, &other), nn_net_param_count(&cfg, &space_nb201, &a));
    CHECK(nn_net_flops(&cfg, &hand, &other) == nn_net_flops(&cfg, &space_nb201, &a));
    nn_net *n1, *n2;
    CHECK_OK(nn_net_create(&cfg, &space_nb201, &a, &n1));
    CHECK_OK(nn_net_create(&cfg, &hand, &other, &n2));
    nn_net_init(n1, 7);
    nn_net_init(n2, 7);
    size_t pix = 64;
    float x[4 * 64];
    int32_t y[4];
    fill_batch(x, y, 4, pix, 10, 5);
    nn_sgd *o1 = nn_sgd_create(n1, &(nn_sgd_config){0.9, 5e-4, 1});
    nn_sgd *o2 = nn_sgd_create(n2, &(nn_sgd_config){0.9, 5e-4, 1});
    double l1 = nn_net_train_step(n1, o1, x, y, 4, 0.05, NULL);
    double l2 = nn_net_train_step(n2, o2, x, y, 4, 0.05, NULL);
    CHECK(memcmp(&l1, &l2, sizeof l1) == 0);
    const float *g1 = nn_net_forward(n1, x, 4, 0);
    const float *g2 = nn_net_forward(n2, x, 4, 0);
    CHECK(memcmp(g1, g2, 40 * sizeof(float)) == 0);
    CHECK(memcmp(nn_net_params(n1), nn_net_params(n2), nn_net_num_params(n1) * sizeof(float)) == 0);
    nn_sgd_destroy(o1);
    nn_sgd_destroy(o2);
    nn_net_destroy(n1);
    nn_net_destroy(n2);

    hand.network = widening_network;
    nn_net *n3 = NULL;
    CHECK_STATUS(nn_net_create(&cfg, &hand, &other, &n3), NB_EINVAL);
    CHECK_ERRMSG("pool edge out of its input");
    CHECK(n3 == NULL);
    a.op[0] = 9;
    CHECK_STATUS(nn_net_create(&cfg, &space_nb201, &a, &n3), NB_EINVAL);
    CHECK_ERRMSG("edge 0");
}

/* ---- the NATS-Bench size space's networks */

/* Parameters and FLOPs of every (schedule, dataset, seed) entry of the two
 * official records (read with the pickle reader) against nn's counts. */
TEST(nn_sss_params_and_flops_equal_official_records)
{
    static const char *const files[2] = {"tests/fixtures/nats-sss/sss_000000.pickle.pbz2",
                                         "tests/fixtures/nats-sss/sss_000011.pickle.pbz2"};
    int checked = 0, seen_c10 = 0, seen_c100 = 0, seen_im = 0;
    for (int f = 0; f < 2; f++) {
        pk_doc *doc = NULL;
        CHECK_OK(pk_read_bz2_file(files[f], NULL, &doc));
        if (!doc) continue;
        const pk_value *root = pk_root(doc);
        CHECK(root->type == PK_DICT && root->u.dict.n == 3);
        for (size_t s = 0; root->type == PK_DICT && s < root->u.dict.n; s++) {
            const pk_value *rec = root->u.dict.vals[s];
            const pk_value *as = pk_dict_get(rec, "arch_str"), *ai = pk_dict_get(rec, "arch_index");
            const pk_value *all = pk_dict_get(rec, "all_results");
            CHECK(as && as->type == PK_STR && ai && ai->type == PK_INT && all && all->type == PK_DICT);
            if (!as || as->type != PK_STR || !ai || ai->type != PK_INT || !all || all->type != PK_DICT)
                continue;
            space_arch a;
            CHECK_OK(space_sss.parse(as->u.str.s, &a));
            CHECK_EQ_INT(space_sss.index(&a), ai->u.i);
            for (size_t k = 0; k < all->u.dict.n; k++) {
                const pk_value *key = all->u.dict.keys[k], *res = all->u.dict.vals[k];
                CHECK(key->type == PK_TUPLE && key->u.seq.n == 2 && key->u.seq.items[0]->type == PK_STR);
                if (key->type != PK_TUPLE || key->u.seq.n != 2) continue;
                const char *ds = key->u.seq.items[0]->u.str.s;
                nn_config cfg = {16, 5, 10, 3, 32, 32, 1, 0}; /* C, N: ignored by the size space */
                if (!strcmp(ds, "cifar10") || !strcmp(ds, "cifar10-valid"))
                    seen_c10 = 1;
                else if (!strcmp(ds, "cifar100"))
                    cfg.classes = 100, seen_c100 = 1;
                else if (!strcmp(ds, "ImageNet16-120"))
                    cfg.classes = 120, cfg.H = cfg.W = 16, seen_im = 1;
                else {
                    CHECK_MSG(0, "%s: unexpected dataset '%s'", files[f], ds);
                    continue;
                }
                double params, flop;
                CHECK(pk_as_double(pk_dict_get(res, "params"), &params));
                CHECK(pk_as_double(pk_dict_get(res, "flop"), &flop));
                size_t np = nn_net_param_count(&cfg, &space_sss, &a);
                double fl = nn_net_flops(&cfg, &space_sss, &a);
                CHECK_MSG(fabs((double)np - params * 1e6) < 0.5, "%s %s: %zu parameters, official %.6f M",
                          as->u.str.s, ds, np, params);
                CHECK_MSG(fabs(fl - flop) < 5e-7, "%s %s: %.6f MFLOPs, official %.6f", as->u.str.s, ds,
                          fl, flop);
                checked++;
            }
        }
        pk_free(doc);
    }
    CHECK_MSG(checked >= 24 && seen_c10 && seen_c100 && seen_im, "%d entries checked", checked);
    /* the figures of the issue and PROVENANCE.md, independently of the reader */
    space_arch a;
    CHECK_OK(space_sss.parse("8:8:8:8:8", &a));
    nn_config cfg = {16, 5, 10, 3, 32, 32, 1, 0};
    CHECK_EQ_INT(nn_net_param_count(&cfg, &space_sss, &a), 11714);
    CHECK_NEAR(nn_net_flops(&cfg, &space_sss, &a), 4.481114, 1e-9);
    cfg.classes = 100;
    CHECK_EQ_INT(nn_net_param_count(&cfg, &space_sss, &a), 12524);
    cfg.classes = 120, cfg.H = cfg.W = 16;
    CHECK_EQ_INT(nn_net_param_count(&cfg, &space_sss, &a), 12704);
    CHECK_OK(space_sss.parse("8:8:8:16:32", &a));
    cfg = (nn_config){16, 5, 10, 3, 32, 32, 1, 0};
    CHECK_EQ_INT(nn_net_param_count(&cfg, &space_sss, &a), 49202);
    CHECK_NEAR(nn_net_flops(&cfg, &space_sss, &a), 6.84065, 1e-9);
}

/* Cells that narrow (24 -> 16, 32 -> 24): every parameter's gradient
 * against finite differences, as nn_network_gradient_matches_finite_differences. */
TEST(nn_sss_gradient_matches_finite_differences)
{
    nn_config cfg = {1, 1, 3, 2, 7, 7, 4, 1};
    space_arch a;
    CHECK_OK(space_sss.parse("8:24:16:32:24", &a));
    nn_net *net;
    CHECK_OK(nn_net_create(&cfg, &space_sss, &a, &net));
    if (!net) return;
    nn_net_init(net, 5);
    size_t np = nn_net_num_params(net), pix = 2 * 7 * 7;
    float x[4 * 98];
    int32_t y[4];
    fill_batch(x, y, 4, pix, 3, 9);
    nb_rng r;
    nb_rng_init(&r, 6, 0, NB_PURPOSE_TEST);
    float *p = nn_net_params(net);
    for (size_t i = 0; i < np; i++) p[i] += (float)(0.1 * (nb_rng_uniform(&r) - 0.5));
    net_ctx c = {net, x, y, 4};
    net_loss(&c);
    nn_net_backward(net, y);
    float *g = nb_xcalloc_array(np, sizeof(float));
    memcpy(g, nn_net_grads(net), np * sizeof(float));
    int bad = 0, tried = 0;
    for (size_t i = 0; i < np; i += 1 + np / 120, tried++) {
        float keep = p[i];
        double eps = 3e-4;
        p[i] = keep + (float)eps;
        double lp = net_loss(&c);
        p[i] = keep - (float)eps;
        double lm = net_loss(&c);
        p[i] = keep;
        double fd = (lp - lm) / (2 * eps);
        if (fabs(fd - g[i]) > 1e-3 + 3e-2 * fmax(fabs(fd), fabs(g[i]))) {
            bad++;
            if (getenv("NN_DEBUG")) fprintf(stderr, "param %zu: fd %.6g analytic %.6g\n", i, fd, g[i]);
        }
    }
    CHECK_MSG(bad <= tried / 20, "%d of %d parameter gradients disagree with finite differences", bad, tried);
    free(g);
    nn_net_destroy(net);
}

/* An SSS network whose cells widen (16 -> 24, 16 -> 32) trained a few steps. */
static float *train_sss(int reference, int threads, int steps, double *losses, size_t *np_out)
{
    nn_config cfg = {16, 5, 10, 3, 8, 8, 16, reference};
    space_arch a;
    NB_ASSERT(space_sss.parse("8:16:24:16:32", &a) == NB_OK);
    nn_net *net;
    NB_ASSERT(nn_net_create(&cfg, &space_sss, &a, &net) == NB_OK);
    nn_net_init(net, 42);
    nn_sgd *opt = nn_sgd_create(net, &(nn_sgd_config){0.9, 5e-4, 1});
    nn_set_threads(threads);
    float x[16 * 192];
    int32_t y[16];
    fill_batch(x, y, 16, 192, 10, 7);
    for (int s = 0; s < steps; s++) losses[s] = nn_net_train_step(net, opt, x, y, 16, 0.05, NULL);
    nn_set_threads(1);
    size_t np = nn_net_num_params(net);
    float *p = nb_xcalloc_array(np, sizeof(float));
    memcpy(p, nn_net_params(net), np * sizeof(float));
    *np_out = np;
    nn_sgd_destroy(opt);
    nn_net_destroy(net);
    return p;
}

TEST(nn_sss_network_trains_deterministically)
{
    enum { STEPS = 12 };
    double l1[STEPS], l2[STEPS], lr_[STEPS];
    size_t n1, n2, nr;
    float *p1 = train_sss(0, 1, STEPS, l1, &n1);
    float *p2 = train_sss(0, 2, STEPS, l2, &n2);
    float *pr = train_sss(1, 1, STEPS, lr_, &nr);
    CHECK_MSG(l1[STEPS - 1] < 0.5 * l1[0], "loss %.4f -> %.4f did not halve", l1[0], l1[STEPS - 1]);
    CHECK(n1 == n2 && n1 == nr);
    CHECK_MSG(memcmp(p1, p2, n1 * sizeof(float)) == 0, "1 and 2 threads differ");
    CHECK_MSG(memcmp(l1, l2, sizeof l1) == 0, "1 and 2 threads give other losses");
    for (int s = 0; s < STEPS; s++) CHECK_NEAR(l1[s], lr_[s], 1e-3 + 1e-3 * fabs(lr_[s]));
    free(p1), free(p2), free(pr);
}
