/* strategies/mlp.c - the BANANAS predictor: a 10 x 20 ReLU network trained
 * from scratch by Adam on a mean-absolute-error loss (settings and sources
 * in strategies/surrogate.h).
 *
 * Speed: a 500-run BANANAS comparison fits ~ 10^5 of these, so the width
 * is a compile-time constant (inner loops of 20 floats vectorise at -O2),
 * zero inputs are skipped (the path encoding has at most 4 ones in 84,
 * and about half the ReLU outputs are 0; adding a*w with a = 0 changes
 * nothing), and the backward pass into a layer's input reads a transposed
 * copy of the weights refreshed after every step. Everything is float and
 * sequential; the order of every sum is fixed. */
#include "strategies/surrogate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define W STRAT_MLP_WIDTH
#define NL STRAT_MLP_LAYERS
#define B STRAT_MLP_BATCH
#define LR 0.01
#define BETA1 0.9
#define BETA2 0.99
#define EPS 1e-7

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
    size_t cap;                /* capacity of perm / ys */
    size_t *perm;
    float *ys;
};

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
    free(m);
}

static void transpose_all(strat_mlp *m)
{
    for (int l = 1; l < NL; l++) {
        const float *w = m->par + off_w(m, l);
        float *t = m->wt + (size_t)(l - 1) * W * W;
        for (int i = 0; i < W; i++)
            for (int j = 0; j < W; j++) t[j * W + i] = w[i * W + j];
    }
}

/* y[j] += a * x[j], j < W: the one inner loop (restrict and the constant
 * trip count let it vectorise at -O2). */
static inline void axpy(float *restrict y, float a, const float *restrict x)
{
    for (int j = 0; j < W; j++) y[j] += a * x[j];
}

/* z[j] = b[j] + sum_i in[i] w[i][j] (i ascending), then ReLU. sparse: skip
 * zero inputs (the input layer: the path encoding is mostly zeros; a
 * branch per input costs more than it saves on the hidden layers). The
 * SSE2 path keeps z in five registers and does the same operations in the
 * same order as the plain loop, so both give the same bits. */
static void dense_relu(const float *in, int n_in, const float *w, const float *b, float *out,
                       int sparse)
{
#if defined(__SSE2__) && W == 20
    __m128 z0 = _mm_loadu_ps(b), z1 = _mm_loadu_ps(b + 4), z2 = _mm_loadu_ps(b + 8),
           z3 = _mm_loadu_ps(b + 12), z4 = _mm_loadu_ps(b + 16);
    for (int i = 0; i < n_in; i++) {
        const float a = in[i];
        if (sparse && a == 0.0f) continue;
        const __m128 va = _mm_set1_ps(a);
        const float *wi = w + (size_t)i * W;
        z0 = _mm_add_ps(z0, _mm_mul_ps(va, _mm_loadu_ps(wi)));
        z1 = _mm_add_ps(z1, _mm_mul_ps(va, _mm_loadu_ps(wi + 4)));
        z2 = _mm_add_ps(z2, _mm_mul_ps(va, _mm_loadu_ps(wi + 8)));
        z3 = _mm_add_ps(z3, _mm_mul_ps(va, _mm_loadu_ps(wi + 12)));
        z4 = _mm_add_ps(z4, _mm_mul_ps(va, _mm_loadu_ps(wi + 16)));
    }
    const __m128 zero = _mm_setzero_ps(); /* max(z, 0) = z > 0 ? z : 0, NaN -> 0 */
    _mm_storeu_ps(out, _mm_max_ps(z0, zero));
    _mm_storeu_ps(out + 4, _mm_max_ps(z1, zero));
    _mm_storeu_ps(out + 8, _mm_max_ps(z2, zero));
    _mm_storeu_ps(out + 12, _mm_max_ps(z3, zero));
    _mm_storeu_ps(out + 16, _mm_max_ps(z4, zero));
#else
    float z[W];
    for (int j = 0; j < W; j++) z[j] = b[j];
    for (int i = 0; i < n_in; i++) {
        const float a = in[i];
        if (sparse && a == 0.0f) continue;
        axpy(z, a, w + (size_t)i * W);
    }
    for (int j = 0; j < W; j++) out[j] = z[j] > 0.0f ? z[j] : 0.0f;
#endif
}

static float head(const strat_mlp *m, const float *h)
{
    const float *wo = m->par + off_out(m);
    float s = wo[W];
    for (int j = 0; j < W; j++) s += wo[j] * h[j];
    return s;
}

float strat_mlp_predict(const strat_mlp *m, const float *x)
{
    float h[2][W];
    dense_relu(x, m->dim, m->par, m->par + off_b(m, 0), h[0], 1);
    for (int l = 1; l < NL; l++)
        dense_relu(h[(l - 1) & 1], W, m->par + off_w(m, l), m->par + off_b(m, l), h[l & 1], 0);
    return head(m, h[(NL - 1) & 1]) * m->ysd + m->ymu;
}

/* p -= lr mhat / (sqrt(vhat) + eps) after the moment updates. The SSE2
 * path does the same correctly rounded operations four at a time (no
 * fused multiply-add: -ffp-contract=off), so both give the same bits; it
 * exists because sqrtf keeps the plain loop scalar at -O2 (errno). */
static void adam(float *restrict p, const float *restrict g, float *restrict mo, float *restrict v,
                 size_t n, float bc1, float bc2)
{
    const float b1 = (float)BETA1, b2 = (float)BETA2, c1 = (float)(1 - BETA1),
                c2 = (float)(1 - BETA2), lr = (float)LR, eps = (float)EPS;
    size_t k = 0;
#ifdef __SSE2__
    const __m128 vb1 = _mm_set1_ps(b1), vb2 = _mm_set1_ps(b2), vc1 = _mm_set1_ps(c1),
                 vc2 = _mm_set1_ps(c2), vlr = _mm_set1_ps(lr), veps = _mm_set1_ps(eps),
                 vbc1 = _mm_set1_ps(bc1), vbc2 = _mm_set1_ps(bc2);
    for (; k + 4 <= n; k += 4) {
        const __m128 gk = _mm_loadu_ps(g + k);
        const __m128 mk = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(mo + k)), _mm_mul_ps(vc1, gk));
        const __m128 vk = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + k)),
                                     _mm_mul_ps(_mm_mul_ps(vc2, gk), gk));
        _mm_storeu_ps(mo + k, mk);
        _mm_storeu_ps(v + k, vk);
        const __m128 den = _mm_add_ps(_mm_sqrt_ps(_mm_div_ps(vk, vbc2)), veps);
        const __m128 upd = _mm_div_ps(_mm_mul_ps(vlr, _mm_div_ps(mk, vbc1)), den);
        _mm_storeu_ps(p + k, _mm_sub_ps(_mm_loadu_ps(p + k), upd));
    }
#endif
    for (; k < n; k++) {
        mo[k] = b1 * mo[k] + c1 * g[k];
        v[k] = b2 * v[k] + c2 * g[k] * g[k];
        p[k] -= lr * (mo[k] / bc1) / (sqrtf(v[k] / bc2) + eps);
    }
}

/* One Adam step on the minibatch rows idx[0 .. nb-1]; returns the batch's
 * sum of absolute errors (standardised units). */
static double step(strat_mlp *m, const float *x, const size_t *idx, int nb, long t)
{
    memset(m->grad, 0, m->n_par * sizeof *m->grad);
    for (int b = 0; b < nb; b++) {
        const float *xb = x + idx[b] * (size_t)m->dim;
        dense_relu(xb, m->dim, m->par, m->par + off_b(m, 0), m->act[0] + b * W, 1);
        for (int l = 1; l < NL; l++)
            dense_relu(m->act[l - 1] + b * W, W, m->par + off_w(m, l), m->par + off_b(m, l),
                       m->act[l] + b * W, 0);
    }
    /* output layer and MAE: dL/dyhat = sign(yhat - y) / nb */
    float *wo = m->par + off_out(m), *gwo = m->grad + off_out(m);
    double sae = 0;
    for (int b = 0; b < nb; b++) {
        const float *h = m->act[NL - 1] + b * W;
        const float e = head(m, h) - m->ys[idx[b]];
        sae += fabsf(e);
        const float g = (e > 0.0f ? 1.0f : e < 0.0f ? -1.0f : 0.0f) / (float)nb;
        for (int j = 0; j < W; j++) {
            gwo[j] += g * h[j];
            m->dz[b * W + j] = h[j] > 0.0f ? g * wo[j] : 0.0f;
        }
        gwo[W] += g;
    }
    /* hidden layers NL-1 .. 1: dz holds dL/dz of layer l */
    for (int l = NL - 1; l >= 0; l--) {
        const int n_in = l == 0 ? m->dim : W;
        float *gw = m->grad + off_w(m, l), *gb = m->grad + off_b(m, l);
        for (int b = 0; b < nb; b++) axpy(gb, 1.0f, m->dz + b * W);
        /* gw[i] += in_b[i] dz_b over b ascending, row by row */
        for (int i = 0; i < n_in; i++) {
            float *gwi = gw + (size_t)i * W;
#if defined(__SSE2__) && W == 20
            __m128 g0 = _mm_loadu_ps(gwi), g1 = _mm_loadu_ps(gwi + 4), g2 = _mm_loadu_ps(gwi + 8),
                   g3 = _mm_loadu_ps(gwi + 12), g4 = _mm_loadu_ps(gwi + 16);
#endif
            for (int b = 0; b < nb; b++) {
                const float a = l == 0 ? x[idx[b] * (size_t)m->dim + i] : m->act[l - 1][b * W + i];
                if (l == 0 && a == 0.0f) continue;
                const float *dz = m->dz + b * W;
#if defined(__SSE2__) && W == 20
                const __m128 va = _mm_set1_ps(a);
                g0 = _mm_add_ps(g0, _mm_mul_ps(va, _mm_loadu_ps(dz)));
                g1 = _mm_add_ps(g1, _mm_mul_ps(va, _mm_loadu_ps(dz + 4)));
                g2 = _mm_add_ps(g2, _mm_mul_ps(va, _mm_loadu_ps(dz + 8)));
                g3 = _mm_add_ps(g3, _mm_mul_ps(va, _mm_loadu_ps(dz + 12)));
                g4 = _mm_add_ps(g4, _mm_mul_ps(va, _mm_loadu_ps(dz + 16)));
#else
                axpy(gwi, a, dz);
#endif
            }
#if defined(__SSE2__) && W == 20
            _mm_storeu_ps(gwi, g0);
            _mm_storeu_ps(gwi + 4, g1);
            _mm_storeu_ps(gwi + 8, g2);
            _mm_storeu_ps(gwi + 12, g3);
            _mm_storeu_ps(gwi + 16, g4);
#endif
        }
        if (l == 0) break;
        /* da = dz W^T through the transposed copy (j ascending), then the
         * ReLU of layer l-1: dz = h > 0 ? da : 0 */
        const float *wt = m->wt + (size_t)(l - 1) * W * W;
        for (int b = 0; b < nb; b++) {
            const float *h = m->act[l - 1] + b * W;
            float *dzb = m->dz + b * W;
#if defined(__SSE2__) && W == 20
            __m128 d0 = _mm_setzero_ps(), d1 = d0, d2 = d0, d3 = d0, d4 = d0;
            for (int j = 0; j < W; j++) {
                const __m128 g = _mm_set1_ps(dzb[j]);
                const float *wj = wt + j * W;
                d0 = _mm_add_ps(d0, _mm_mul_ps(g, _mm_loadu_ps(wj)));
                d1 = _mm_add_ps(d1, _mm_mul_ps(g, _mm_loadu_ps(wj + 4)));
                d2 = _mm_add_ps(d2, _mm_mul_ps(g, _mm_loadu_ps(wj + 8)));
                d3 = _mm_add_ps(d3, _mm_mul_ps(g, _mm_loadu_ps(wj + 12)));
                d4 = _mm_add_ps(d4, _mm_mul_ps(g, _mm_loadu_ps(wj + 16)));
            }
            const __m128 zero = _mm_setzero_ps();
            _mm_storeu_ps(dzb, _mm_and_ps(d0, _mm_cmpgt_ps(_mm_loadu_ps(h), zero)));
            _mm_storeu_ps(dzb + 4, _mm_and_ps(d1, _mm_cmpgt_ps(_mm_loadu_ps(h + 4), zero)));
            _mm_storeu_ps(dzb + 8, _mm_and_ps(d2, _mm_cmpgt_ps(_mm_loadu_ps(h + 8), zero)));
            _mm_storeu_ps(dzb + 12, _mm_and_ps(d3, _mm_cmpgt_ps(_mm_loadu_ps(h + 12), zero)));
            _mm_storeu_ps(dzb + 16, _mm_and_ps(d4, _mm_cmpgt_ps(_mm_loadu_ps(h + 16), zero)));
#else
            float da[W];
            for (int i = 0; i < W; i++) da[i] = 0.0f;
            for (int j = 0; j < W; j++) axpy(da, dzb[j], wt + j * W);
            for (int i = 0; i < W; i++) dzb[i] = h[i] > 0.0f ? da[i] : 0.0f;
#endif
        }
    }
    /* Adam (Kingma & Ba 2015, Algorithm 1) */
    adam(m->par, m->grad, m->m, m->v, m->n_par, (float)(1.0 - pow(BETA1, (double)t)),
         (float)(1.0 - pow(BETA2, (double)t)));
    transpose_all(m);
    return sae;
}

double strat_mlp_fit(strat_mlp *m, const float *x, const float *y, size_t n, int epochs,
                     nb_rng *rng)
{
    if (epochs <= 0) epochs = STRAT_MLP_EPOCHS;
    if (n > m->cap) {
        m->cap = n;
        free(m->perm);
        free(m->ys);
        m->perm = nb_xcalloc_array(n, sizeof *m->perm);
        m->ys = nb_xcalloc_array(n, sizeof *m->ys);
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
