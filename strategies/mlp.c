/* strategies/mlp.c - the BANANAS predictor: a 10 x 20 ReLU network trained
 * from scratch by Adam on a mean-absolute-error loss (settings and sources
 * in strategies/surrogate.h).
 *
 * Speed: a 500-run BANANAS comparison fits ~ 10^5 of these (about 2 x 10^8
 * forward/backward passes of one example), so
 *   - the three products of a hidden layer (forward, the weight gradient,
 *     the gradient into its input) are one kernel, mm20: out = init +
 *     sum_k in[., k] * M[k, .] over a row tile of the minibatch (4 rows at
 *     AVX width, 2 at SSE2 width), so each loaded row of M serves several
 *     examples and the additions of different rows overlap;
 *   - the input layer reads only the nonzero inputs of each training row
 *     (the path encoding has at most 4 ones in 84), listed once per fit;
 *   - Adam runs at vector width; the backward pass into a layer's input
 *     reads a transposed copy of the weights refreshed after every step.
 * Same bits at every width: every sum runs in a fixed order (k ascending
 * from init; the weight gradient over the minibatch in example order),
 * each product and sum is rounded separately (no fused multiply-add:
 * -ffp-contract=off), and the vector paths only do several of those sums
 * side by side. mm20_ref and adam's scalar loop are the plain reference;
 * strat_mlp_set_simd picks a width so the tests compare all three. */
#include "strategies/surrogate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define MLP_X86 1
#else
#define MLP_X86 0
#endif

#define W STRAT_MLP_WIDTH
#define NL STRAT_MLP_LAYERS
#define B STRAT_MLP_BATCH
#define LR 0.01
#define BETA1 0.9
#define BETA2 0.99
#define EPS 1e-7

#if W != 20
#error "mm20's vector tiles are written for STRAT_MLP_WIDTH 20 (8 + 8 + 4 lanes)"
#endif

/* Parameter block, in order: w0 (dim, W), b0 (W), then for l = 1 .. NL-1
 * wl (W, W), bl (W), then wout (W), bout (1). Row i of a weight matrix
 * holds the weights from input i to the W outputs. */
struct strat_mlp {
    int dim;
    size_t n_par;
    float *par, *grad, *m, *v; /* (n_par) each */
    float *wt;                 /* (NL - 1, W, W) transposes of w1 .. w_{NL-1} */
    float act[NL][B * W];      /* post-ReLU activations of the minibatch */
    float dz[B * W];           /* dL/dz of the layer being differentiated */
    float ymu, ysd;            /* target standardisation */
    size_t cap;                /* rows allocated in perm, ys, nz_off, nz_idx */
    size_t *perm;              /* (cap) */
    float *ys;                 /* (cap) standardised targets */
    size_t *nz_off;            /* (cap + 1): row r's nonzero inputs are */
    int *nz_idx;               /* nz_idx[nz_off[r] .. nz_off[r + 1]), ascending; (cap, dim) */
};

/* ---- the width the kernels run at ---- */
static int simd_cap = 2;

static int simd_level(void)
{
#if MLP_X86
    if (simd_cap >= 2 && __builtin_cpu_supports("avx")) return 2;
    return simd_cap >= 1 ? 1 : 0;
#else
    return simd_cap >= 1 ? 1 : 0;
#endif
}

int strat_mlp_set_simd(int level)
{
    simd_cap = level < 0 ? 0 : level > 2 ? 2 : level;
    return simd_level();
}

static size_t off_w(const strat_mlp *m, int l)
{
    return l == 0 ? 0 : (size_t)m->dim * W + W + (size_t)(l - 1) * (W * W + W);
}
static size_t off_b(const strat_mlp *m, int l) { return off_w(m, l) + (l == 0 ? (size_t)m->dim * W : W * W); }
static size_t off_out(const strat_mlp *m) { return off_w(m, NL); }

strat_mlp *strat_mlp_create(int dim)
{
    strat_mlp *m = nb_xcalloc_array(1, sizeof *m);
    m->dim = dim;
    m->n_par = off_out(m) + W + 1;
    m->par = nb_xcalloc_array(4 * m->n_par, sizeof *m->par);
    m->grad = m->par + m->n_par;
    m->m = m->grad + m->n_par;
    m->v = m->m + m->n_par;
    m->wt = nb_xcalloc_array((size_t)(NL - 1) * W * W, sizeof *m->wt);
    return m;
}

void strat_mlp_destroy(strat_mlp *m)
{
    if (!m) return;
    free(m->par);
    free(m->wt);
    free(m->perm);
    free(m->ys);
    free(m->nz_off);
    free(m->nz_idx);
    free(m);
}

/* wt = the transposes of w1 .. w_{NL-1} (pure data movement: 4 x 4
 * blocks through SSE registers where there are some) */
static void transpose_all(strat_mlp *m)
{
    for (int l = 1; l < NL; l++) {
        const float *w = m->par + off_w(m, l);
        float *t = m->wt + (size_t)(l - 1) * W * W;
#if MLP_X86
        for (int i = 0; i < W; i += 4)
            for (int j = 0; j < W; j += 4) {
                __m128 r0 = _mm_loadu_ps(w + i * W + j), r1 = _mm_loadu_ps(w + (i + 1) * W + j),
                       r2 = _mm_loadu_ps(w + (i + 2) * W + j), r3 = _mm_loadu_ps(w + (i + 3) * W + j);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                _mm_storeu_ps(t + j * W + i, r0);
                _mm_storeu_ps(t + (j + 1) * W + i, r1);
                _mm_storeu_ps(t + (j + 2) * W + i, r2);
                _mm_storeu_ps(t + (j + 3) * W + i, r3);
            }
#else
        for (int i = 0; i < W; i++)
            for (int j = 0; j < W; j++) t[j * W + i] = w[i * W + j];
#endif
    }
}

/* ---- mm20: for r < nr,
 *   out[r, j] = post(init[r, j] + sum_{k < K} in[r * rs + k * ks] * M[k, j]),
 * the sum from init with k ascending, j < 20. post: none, ReLU (z > 0 ? z
 * : 0; NaN -> 0) or a mask (mask[r, j] > 0 ? z : 0). init rows are irs
 * apart (0: one row for all). out may be in (each row's inputs are all read
 * before it is written) or init. */
enum { POST_NONE, POST_RELU, POST_MASK };
typedef struct {
    int nr, K;
    const float *in;
    size_t rs, ks;
    const float *M;    /* (K, 20) */
    const float *init; /* (nr, 20) rows irs apart */
    size_t irs;
    float *out;        /* (nr, 20) */
    int post;
    const float *mask; /* (nr, 20) for POST_MASK */
} mm20_args;

static const float zero_row[W], one = 1.0f;

static void mm20_ref(const mm20_args *a)
{
    for (int r = 0; r < a->nr; r++) {
        float z[W];
        for (int j = 0; j < W; j++) z[j] = a->init[(size_t)r * a->irs + j];
        for (int k = 0; k < a->K; k++) {
            const float s = a->in[(size_t)r * a->rs + (size_t)k * a->ks];
            const float *mk = a->M + (size_t)k * W;
            for (int j = 0; j < W; j++) z[j] += s * mk[j];
        }
        float *o = a->out + (size_t)r * W;
        if (a->post == POST_RELU)
            for (int j = 0; j < W; j++) z[j] = z[j] > 0.0f ? z[j] : 0.0f;
        else if (a->post == POST_MASK)
            for (int j = 0; j < W; j++) z[j] = a->mask[(size_t)r * W + j] > 0.0f ? z[j] : 0.0f;
        for (int j = 0; j < W; j++) o[j] = z[j];
    }
}

/* The vector tiles, in GCC's vector extensions (lane-wise IEEE operations,
 * each rounded). A row of 20 is five 4-lane quads at SSE2 width (the
 * x86-64 baseline; elsewhere GCC lowers them to what the target has) and
 * two 8-lane vectors and a quad under target("avx"). A tile of R rows keeps
 * its sums in registers: SSE2 R = 2 (10 of 16), AVX R = 4 (12 of 16). */
typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));
typedef int v8i __attribute__((vector_size(32)));
typedef int v4i __attribute__((vector_size(16)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
typedef float v4u __attribute__((vector_size(16), aligned(4), may_alias));
#define LD8(p) (*(const v8u *)(const void *)(p))
#define LD4(p) (*(const v4u *)(const void *)(p))
#define ST8(p, x) (*(v8u *)(void *)(p) = (x))
#define ST4(p, x) (*(v4u *)(void *)(p) = (x))
/* z & (c > 0): z where c > 0, else +0 (all bits clear; NaN c -> 0) */
#define KEEP8(z, c) ((v8)((v8i)(z) & ((c) > (v8){0})))
#define KEEP4(z, c) ((v4)((v4i)(z) & ((c) > (v4){0})))

#define ROWS4(X) X(0) X(1) X(2) X(3)
#define ROWS2(X) X(0) X(1)
#define ROWS1(X) X(0)
/* the post-processing of one sum vector z at column c of row r + q */
#define T_POST(KEEP, LD, z, q, c)                                                               \
    if (a->post == POST_RELU)                                                                   \
        z = KEEP(z, z);                                                                         \
    else if (a->post == POST_MASK)                                                              \
        z = KEEP(z, LD(a->mask + (size_t)(r + q) * W + (c)));
/* AVX rows: z0 (8) z1 (8) z2 (4) */
#define A_INIT(q)                                                                               \
    const float *ip##q = a->init + (size_t)(r + q) * a->irs;                                    \
    v8 z0_##q = LD8(ip##q), z1_##q = LD8(ip##q + 8);                                            \
    v4 z2_##q = LD4(ip##q + 16);
#define A_MAC(q)                                                                                \
    {                                                                                           \
        const float s = in[(size_t)q * rs + (size_t)k * ks];                                    \
        const v8 s8 = {s, s, s, s, s, s, s, s};                                                 \
        const v4 s4 = __builtin_shufflevector(s8, s8, 0, 1, 2, 3); /* the low half */           \
        z0_##q += s8 * m0, z1_##q += s8 * m1, z2_##q += s4 * m2;                                \
    }
#define A_STORE(q)                                                                              \
    {                                                                                           \
        T_POST(KEEP8, LD8, z0_##q, q, 0)                                                        \
        T_POST(KEEP8, LD8, z1_##q, q, 8)                                                        \
        T_POST(KEEP4, LD4, z2_##q, q, 16)                                                       \
        float *o = a->out + (size_t)(r + q) * W;                                                \
        ST8(o, z0_##q), ST8(o + 8, z1_##q), ST4(o + 16, z2_##q);                                \
    }
#define A_TILE(ROWS)                                                                            \
    {                                                                                           \
        ROWS(A_INIT)                                                                            \
        const float *in = a->in + (size_t)r * rs;                                               \
        for (int k = 0; k < a->K; k++) {                                                        \
            const float *mk = a->M + (size_t)k * W;                                             \
            const v8 m0 = LD8(mk), m1 = LD8(mk + 8);                                            \
            const v4 m2 = LD4(mk + 16);                                                         \
            ROWS(A_MAC)                                                                         \
        }                                                                                       \
        ROWS(A_STORE)                                                                           \
    }
/* SSE2 rows: z0 .. z4 (4 each) */
#define S_INIT(q)                                                                               \
    const float *ip##q = a->init + (size_t)(r + q) * a->irs;                                    \
    v4 z0_##q = LD4(ip##q), z1_##q = LD4(ip##q + 4), z2_##q = LD4(ip##q + 8),                   \
       z3_##q = LD4(ip##q + 12), z4_##q = LD4(ip##q + 16);
#define S_MAC(q)                                                                                \
    {                                                                                           \
        const float s = in[(size_t)q * rs + (size_t)k * ks];                                    \
        const v4 s4 = {s, s, s, s};                                                             \
        z0_##q += s4 * m0, z1_##q += s4 * m1, z2_##q += s4 * m2, z3_##q += s4 * m3;             \
        z4_##q += s4 * m4;                                                                      \
    }
#define S_STORE(q)                                                                              \
    {                                                                                           \
        T_POST(KEEP4, LD4, z0_##q, q, 0)                                                        \
        T_POST(KEEP4, LD4, z1_##q, q, 4)                                                        \
        T_POST(KEEP4, LD4, z2_##q, q, 8)                                                        \
        T_POST(KEEP4, LD4, z3_##q, q, 12)                                                       \
        T_POST(KEEP4, LD4, z4_##q, q, 16)                                                       \
        float *o = a->out + (size_t)(r + q) * W;                                                \
        ST4(o, z0_##q), ST4(o + 4, z1_##q), ST4(o + 8, z2_##q), ST4(o + 12, z3_##q);            \
        ST4(o + 16, z4_##q);                                                                    \
    }
#define S_TILE(ROWS)                                                                            \
    {                                                                                           \
        ROWS(S_INIT)                                                                            \
        const float *in = a->in + (size_t)r * rs;                                               \
        for (int k = 0; k < a->K; k++) {                                                        \
            const float *mk = a->M + (size_t)k * W;                                             \
            const v4 m0 = LD4(mk), m1 = LD4(mk + 4), m2 = LD4(mk + 8), m3 = LD4(mk + 12),       \
                     m4 = LD4(mk + 16);                                                         \
            ROWS(S_MAC)                                                                         \
        }                                                                                       \
        ROWS(S_STORE)                                                                           \
    }

#define DEFINE_MM20(NAME, ATTR, TILE, R, ROWS)                                                  \
    ATTR static void NAME(const mm20_args *a)                                                   \
    {                                                                                           \
        const size_t rs = a->rs, ks = a->ks;                                                    \
        int r = 0;                                                                              \
        for (; r + R <= a->nr; r += R) TILE(ROWS)                                               \
        for (; r < a->nr; r++) TILE(ROWS1)                                                      \
    }
DEFINE_MM20(mm20_vec, , S_TILE, 2, ROWS2)
#if MLP_X86
DEFINE_MM20(mm20_avx, __attribute__((target("avx"))), A_TILE, 4, ROWS4)
#endif

static void mm20(const mm20_args *a)
{
    switch (simd_level()) {
#if MLP_X86
    case 2: mm20_avx(a); return;
#endif
    case 1: mm20_vec(a); return;
    default: mm20_ref(a); return;
    }
}

/* y[j] += a * x[j], j < 20, at SSE2 width wherever this file is built
 * (the loops of one example: the input layer, the output layer, biases) */
static inline void axpy20(float *y, float a, const float *x)
{
    const v4 a4 = {a, a, a, a};
    for (int j = 0; j < W; j += 4) ST4(y + j, LD4(y + j) + a4 * LD4(x + j));
}

/* ---- Adam (Kingma & Ba 2015, Algorithm 1) ----
 * p -= lr mhat / (sqrt(vhat) + eps) after the moment updates. The vector
 * paths do the same correctly rounded operations 4 or 8 at a time (sqrtf
 * keeps the plain loop scalar at -O2: errno). Once a bias correction
 * 1 - beta^t rounds to 1.0f (t >= 165 for beta1, t >= 1700 or so for
 * beta2) its division is skipped: x / 1 is x exactly, and the divider is
 * what this loop waits on. */
#define ADAM_CONSTS                                                                             \
    const float b1 = (float)BETA1, b2 = (float)BETA2, c1 = (float)(1 - BETA1),                  \
                c2 = (float)(1 - BETA2), lr = (float)LR, eps = (float)EPS;                      \
    const int one1 = bc1 == 1.0f, one2 = bc2 == 1.0f
#define ADAM_SCALAR(k)                                                                          \
    mo[k] = b1 * mo[k] + c1 * g[k];                                                             \
    v[k] = b2 * v[k] + c2 * g[k] * g[k];                                                        \
    p[k] -= lr * (one1 ? mo[k] : mo[k] / bc1) / (sqrtf(one2 ? v[k] : v[k] / bc2) + eps)
#define ADAM_VEC(VT, SET1, LOADU, STOREU, SQRT, N)                                              \
    const VT vb1 = SET1(b1), vb2 = SET1(b2), vc1 = SET1(c1), vc2 = SET1(c2), vlr = SET1(lr),    \
             veps = SET1(eps), vbc1 = SET1(bc1), vbc2 = SET1(bc2);                              \
    for (; k + N <= n; k += N) {                                                                \
        const VT gk = LOADU(g + k);                                                             \
        const VT mk = vb1 * LOADU(mo + k) + vc1 * gk;                                           \
        const VT vk = vb2 * LOADU(v + k) + vc2 * gk * gk;                                       \
        STOREU(mo + k, mk);                                                                     \
        STOREU(v + k, vk);                                                                      \
        VT mh = mk, vh = vk;                                                                    \
        if (!one1) mh = mk / vbc1;                                                              \
        if (!one2) vh = vk / vbc2;                                                              \
        STOREU(p + k, LOADU(p + k) - vlr * mh / (SQRT(vh) + veps));                             \
    }

static void adam_ref(float *restrict p, const float *restrict g, float *restrict mo,
                     float *restrict v, size_t n, float bc1, float bc2)
{
    ADAM_CONSTS;
    for (size_t k = 0; k < n; k++) {
        ADAM_SCALAR(k);
    }
}

#if MLP_X86
static void adam_sse(float *restrict p, const float *restrict g, float *restrict mo,
                     float *restrict v, size_t n, float bc1, float bc2)
{
    ADAM_CONSTS;
    size_t k = 0;
    ADAM_VEC(__m128, _mm_set1_ps, _mm_loadu_ps, _mm_storeu_ps, _mm_sqrt_ps, 4)
    for (; k < n; k++) {
        ADAM_SCALAR(k);
    }
}

__attribute__((target("avx"))) static void adam_avx(float *restrict p, const float *restrict g,
                                                    float *restrict mo, float *restrict v,
                                                    size_t n, float bc1, float bc2)
{
    ADAM_CONSTS;
    size_t k = 0;
    ADAM_VEC(__m256, _mm256_set1_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_sqrt_ps, 8)
    for (; k < n; k++) {
        ADAM_SCALAR(k);
    }
}
#endif

static void adam(float *p, const float *g, float *mo, float *v, size_t n, float bc1, float bc2)
{
    switch (simd_level()) {
#if MLP_X86
    case 2: adam_avx(p, g, mo, v, n, bc1, bc2); return;
    case 1: adam_sse(p, g, mo, v, n, bc1, bc2); return;
#endif
    default: adam_ref(p, g, mo, v, n, bc1, bc2); return;
    }
}

/* ---- forward, backward, step ---- */

/* out = ReLU(b + sum over the nonzero inputs i, ascending, of x[i] w[i]) */
static void input_layer(const float *x, const int *nz, size_t n_nz, const float *w,
                        const float *b, float *out)
{
    float z[W];
    memcpy(z, b, sizeof z);
    for (size_t p = 0; p < n_nz; p++) axpy20(z, x[nz[p]], w + (size_t)nz[p] * W);
    for (int j = 0; j < W; j += 4) ST4(out + j, KEEP4(LD4(z + j), LD4(z + j)));
}

static float head(const strat_mlp *m, const float *h)
{
    const float *wo = m->par + off_out(m);
    float s = wo[W];
    for (int j = 0; j < W; j++) s += wo[j] * h[j];
    return s;
}

/* hidden layers 1 .. NL-1 on nr rows of act (forward, ReLU) */
static void hidden_forward(const strat_mlp *m, float (*act)[B * W], int nr)
{
    for (int l = 1; l < NL; l++) {
        mm20_args a = {nr, W, act[l - 1], W, 1, m->par + off_w(m, l), m->par + off_b(m, l), 0,
                       act[l], POST_RELU, NULL};
        mm20(&a);
    }
}

float strat_mlp_predict(const strat_mlp *m, const float *x)
{
    float act[NL][B * W];
    int nz[128], n_nz = 0;
    NB_ASSERT(m->dim <= 128);
    for (int i = 0; i < m->dim; i++)
        if (x[i] != 0.0f) nz[n_nz++] = i;
    input_layer(x, nz, (size_t)n_nz, m->par, m->par + off_b(m, 0), act[0]);
    hidden_forward(m, act, 1);
    return head(m, act[NL - 1]) * m->ysd + m->ymu;
}

/* One Adam step on the minibatch rows idx[0 .. nb-1]; returns the batch's
 * sum of absolute errors (standardised units). */
static double step(strat_mlp *m, const float *x, const size_t *idx, int nb, long t)
{
    const size_t dim = (size_t)m->dim;
    memset(m->grad, 0, m->n_par * sizeof *m->grad);
    for (int b = 0; b < nb; b++) {
        const size_t r = idx[b];
        input_layer(x + r * dim, m->nz_idx + m->nz_off[r], m->nz_off[r + 1] - m->nz_off[r],
                    m->par, m->par + off_b(m, 0), m->act[0] + b * W);
    }
    hidden_forward(m, m->act, nb);
    /* output layer and MAE: dL/dyhat = sign(yhat - y) / nb */
    float *wo = m->par + off_out(m), *gwo = m->grad + off_out(m);
    double sae = 0;
    for (int b = 0; b < nb; b++) {
        const float *h = m->act[NL - 1] + b * W;
        const float e = head(m, h) - m->ys[idx[b]];
        sae += fabsf(e);
        const float g = (e > 0.0f ? 1.0f : e < 0.0f ? -1.0f : 0.0f) / (float)nb;
        axpy20(gwo, g, h);
        /* dz = h > 0 ? g wo : 0 */
        const v4 g4 = {g, g, g, g};
        float *dzb = m->dz + b * W;
        for (int j = 0; j < W; j += 4) ST4(dzb + j, KEEP4(g4 * LD4(wo + j), LD4(h + j)));
        gwo[W] += g;
    }
    /* layers NL-1 .. 0: dz holds dL/dz of layer l */
    for (int l = NL - 1; l >= 0; l--) {
        float *gw = m->grad + off_w(m, l), *gb = m->grad + off_b(m, l);
        /* gb += 1 * dz_b over b ascending (the product is exact) */
        mm20_args gba = {1, nb, &one, 0, 0, m->dz, gb, 0, gb, POST_NONE, NULL};
        mm20(&gba);
        if (l == 0) {
            /* gw[i] += x_b[i] dz_b over the nonzero x_b[i], b ascending */
            for (int b = 0; b < nb; b++) {
                const size_t r = idx[b];
                const float *xb = x + r * dim, *dzb = m->dz + b * W;
                for (size_t p = m->nz_off[r]; p < m->nz_off[r + 1]; p++) {
                    const int i = m->nz_idx[p];
                    axpy20(gw + (size_t)i * W, xb[i], dzb);
                }
            }
            break;
        }
        /* gw[i, j] += sum_b act[l-1][b, i] dz[b, j], b ascending: rows i of
         * gw, k = b, the input read down a column of act */
        mm20_args gwa = {W, nb, m->act[l - 1], 1, W, m->dz, gw, W, gw, POST_NONE, NULL};
        mm20(&gwa);
        /* dz = (dz W^T) through the transposed copy (j ascending from 0),
         * then the ReLU of layer l-1: kept where act[l-1] > 0 */
        mm20_args da = {nb, W, m->dz, W, 1, m->wt + (size_t)(l - 1) * W * W, zero_row, 0, m->dz,
                        POST_MASK, m->act[l - 1]};
        mm20(&da);
    }
    adam(m->par, m->grad, m->m, m->v, m->n_par, (float)(1.0 - pow(BETA1, (double)t)),
         (float)(1.0 - pow(BETA2, (double)t)));
    transpose_all(m);
    return sae;
}

double strat_mlp_fit(strat_mlp *m, const float *x, const float *y, size_t n, int epochs,
                     nb_rng *rng)
{
    if (epochs <= 0) epochs = STRAT_MLP_EPOCHS;
    const size_t dim = (size_t)m->dim;
    if (n > m->cap) {
        m->cap = n;
        free(m->perm);
        free(m->ys);
        free(m->nz_off);
        free(m->nz_idx);
        m->perm = nb_xcalloc_array(n, sizeof *m->perm);
        m->ys = nb_xcalloc_array(n, sizeof *m->ys);
        m->nz_off = nb_xcalloc_array(n + 1, sizeof *m->nz_off);
        m->nz_idx = nb_xcalloc_array(n, dim * sizeof *m->nz_idx);
    }
    m->nz_off[0] = 0;
    for (size_t r = 0; r < n; r++) {
        size_t o = m->nz_off[r];
        for (size_t i = 0; i < dim; i++)
            if (x[r * dim + i] != 0.0f) m->nz_idx[o++] = (int)i;
        m->nz_off[r + 1] = o;
    }
    double mu = 0, var = 0;
    for (size_t i = 0; i < n; i++) mu += y[i];
    mu /= (double)n;
    for (size_t i = 0; i < n; i++) var += (y[i] - mu) * (y[i] - mu);
    double sd = sqrt(var / (double)n);
    m->ymu = (float)mu;
    m->ysd = sd > 0 ? (float)sd : 1.0f;
    for (size_t i = 0; i < n; i++) m->ys[i] = (float)((y[i] - mu) / m->ysd);
    /* Glorot-uniform weights, zero biases, zero Adam moments */
    memset(m->par, 0, 4 * m->n_par * sizeof *m->par);
    for (int l = 0; l <= NL; l++) {
        const int fan_in = l == 0 ? m->dim : W, fan_out = l == NL ? 1 : W;
        const double lim = sqrt(6.0 / (fan_in + fan_out));
        float *w = m->par + (l == NL ? off_out(m) : off_w(m, l));
        for (size_t k = 0; k < (size_t)fan_in * fan_out; k++)
            w[k] = (float)((2 * nb_rng_uniform(rng) - 1) * lim);
    }
    transpose_all(m);
    for (size_t i = 0; i < n; i++) m->perm[i] = i;
    long t = 0;
    double sae = 0;
    for (int e = 0; e < epochs; e++) {
        for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
            size_t j = (size_t)nb_rng_below(rng, i), tmp = m->perm[i - 1];
            m->perm[i - 1] = m->perm[j];
            m->perm[j] = tmp;
        }
        sae = 0;
        for (size_t s = 0; s < n; s += B) {
            int nb = (int)(n - s < B ? n - s : B);
            sae += step(m, x, m->perm + s, nb, ++t);
        }
    }
    return sae / (double)n * m->ysd;
}
