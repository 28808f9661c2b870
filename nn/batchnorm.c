/* nn/batchnorm.c - batch normalisation (Ioffe & Szegedy 2015) per channel
 * over (n, h, w), with PyTorch's conventions that NB201 inherits: eps 1e-5,
 * running statistics r = (1 - 0.1) r + 0.1 * stat with the unbiased batch
 * variance, the biased one used to normalise. Sums in double, in a fixed
 * order, so results never depend on threads. */
#include "nn/nn_kernels.h"

#include <math.h>
#include <string.h>

#include "core/nb.h"
#include "nn/nn_vec.h"

NN_CLONES
static void bn_apply(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                     const float *beta, float *y, int accumulate, int ch, float mean, float invstd)
{
    const float g = gamma[ch], be = beta[ch];
    const v8f vm = {mean, mean, mean, mean, mean, mean, mean, mean},
              vi = {invstd, invstd, invstd, invstd, invstd, invstd, invstd, invstd},
              vg = {g, g, g, g, g, g, g, g}, vb = {be, be, be, be, be, be, be, be},
              vz = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int b = 0; b < n; b++) {
        size_t off = ((size_t)b * c + ch) * (size_t)hw;
        const float *xp = x + off; /* xhat may alias x: element-wise, read before write */
        float *hp = xhat ? xhat + off : NULL, *yp = y + off;
        int i = 0;
        for (; i + 8 <= hw; i += 8) {
            v8f v, o, yo;
            memcpy(&v, xp + i, sizeof v);
            v = (v - vm) * vi;
            if (xhat) memcpy(hp + i, &v, sizeof v);
            o = vg * v + vb;
            if (accumulate == NN_ADD) {
                memcpy(&yo, yp + i, sizeof yo);
                o = yo + o;
            } else if (accumulate == NN_ADD0) {
                o = vz + o;
            }
            memcpy(yp + i, &o, sizeof o);
        }
        for (; i < hw; i++) {
            float v = (xp[i] - mean) * invstd;
            if (xhat) hp[i] = v;
            float o = g * v + be;
            yp[i] = accumulate == NN_ADD ? yp[i] + o : accumulate == NN_ADD0 ? 0.0f + o : o;
        }
    }
}

/* The 8 lane sums added in a fixed tree */
static double lanes_sum(const v8d *v)
{
    const v8d a = *v;
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/* A channel's sum over (n, hw) in double: element i of each image's plane
 * goes to lane i % 8, images in order; the lanes are then summed by
 * lanes_sum. sq: sum (x - mu)^2, else sum x. Eight independent chains,
 * not one (a single chain of dependent double adds was a fifth of a
 * training step). */
NN_CLONES
static double chan_sum(int n, int c, int hw, const float *x, int ch, int sq, double mu)
{
    v8d a = {0, 0, 0, 0, 0, 0, 0, 0};
    const v8d vm = {mu, mu, mu, mu, mu, mu, mu, mu};
    for (int b = 0; b < n; b++) {
        const float *p = x + ((size_t)b * c + ch) * (size_t)hw;
        int i = 0;
        for (; i + 8 <= hw; i += 8) {
            v8f v;
            memcpy(&v, p + i, sizeof v);
            v8d d = __builtin_convertvector(v, v8d);
            if (sq) {
                d = d - vm;
                d = d * d;
            }
            a = a + d;
        }
        for (; i < hw; i++) {
            double t = p[i];
            if (sq) {
                t = t - mu;
                t = t * t;
            }
            a[i & 7] += t;
        }
    }
    return lanes_sum(&a);
}

void nn_bn_forward_train(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                         const float *beta, float *y, int accumulate, float *mean,
                         float *invstd, float *run_mean, float *run_var)
{
    const double M = (double)n * hw;
    NB_ASSERT(M > 1);
    for (int ch = 0; ch < c; ch++) {
        double mu = chan_sum(n, c, hw, x, ch, 0, 0.0) / M, ss = chan_sum(n, c, hw, x, ch, 1, mu);
        double var = ss / M;
        mean[ch] = (float)mu;
        invstd[ch] = (float)(1.0 / sqrt(var + NN_BN_EPS));
        run_mean[ch] = (float)((1.0 - NN_BN_MOMENTUM) * run_mean[ch] + NN_BN_MOMENTUM * mu);
        run_var[ch] = (float)((1.0 - NN_BN_MOMENTUM) * run_var[ch] + NN_BN_MOMENTUM * ss / (M - 1.0));
        bn_apply(n, c, hw, x, xhat, gamma, beta, y, accumulate, ch, mean[ch], invstd[ch]);
    }
}

void nn_bn_forward_eval(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                        const float *beta, float *y, int accumulate, const float *run_mean,
                        const float *run_var)
{
    for (int ch = 0; ch < c; ch++)
        bn_apply(n, c, hw, x, xhat, gamma, beta, y, accumulate, ch, run_mean[ch],
                 (float)(1.0 / sqrt((double)run_var[ch] + NN_BN_EPS)));
}

/* *sdy = sum dy, *sdyx = sum dy * xhat over (n, hw) for one channel, in
 * chan_sum's lane order. */
NN_CLONES
static void chan_sums2(int n, int c, int hw, const float *dy, const float *xhat, int ch,
                       double *sdy, double *sdyx)
{
    v8d a = {0, 0, 0, 0, 0, 0, 0, 0}, q = a;
    for (int b = 0; b < n; b++) {
        size_t off = ((size_t)b * c + ch) * (size_t)hw;
        const float *d0 = dy + off, *x0 = xhat + off;
        int i = 0;
        for (; i + 8 <= hw; i += 8) {
            v8f dv, xv;
            memcpy(&dv, d0 + i, sizeof dv);
            memcpy(&xv, x0 + i, sizeof xv);
            v8d dd = __builtin_convertvector(dv, v8d), xd = __builtin_convertvector(xv, v8d);
            a = a + dd;
            q = q + dd * xd;
        }
        for (; i < hw; i++) {
            a[i & 7] += (double)d0[i];
            q[i & 7] += (double)d0[i] * (double)x0[i];
        }
    }
    *sdy = lanes_sum(&a), *sdyx = lanes_sum(&q);
}

/* dx = g (dy - a - xhat bq) for one channel */
NN_CLONES
static void bn_backward_apply(int n, int c, int hw, const float *xhat, const float *dy, float *dx,
                              int ch, float g, float a, float bq)
{
    const v8f vg = {g, g, g, g, g, g, g, g}, va = {a, a, a, a, a, a, a, a},
              vq = {bq, bq, bq, bq, bq, bq, bq, bq};
    for (int b = 0; b < n; b++) {
        size_t off = ((size_t)b * c + ch) * (size_t)hw;
        int i = 0;
        for (; i + 8 <= hw; i += 8) {
            v8f d, xh;
            memcpy(&d, dy + off + i, sizeof d);
            memcpy(&xh, xhat + off + i, sizeof xh);
            d = vg * (d - va - xh * vq);
            memcpy(dx + off + i, &d, sizeof d);
        }
        for (; i < hw; i++) dx[off + i] = g * (dy[off + i] - a - xhat[off + i] * bq);
    }
}

void nn_bn_backward(int n, int c, int hw, const float *xhat, const float *gamma,
                    const float *invstd, const float *dy, float *dx, float *dgamma, float *dbeta)
{
    const double M = (double)n * hw;
    for (int ch = 0; ch < c; ch++) {
        double sdy, sdyx; /* sum dy, sum dy * xhat */
        chan_sums2(n, c, hw, dy, xhat, ch, &sdy, &sdyx);
        dgamma[ch] += (float)sdyx;
        dbeta[ch] += (float)sdy;
        /* with dxhat = gamma dy: dx = gamma invstd (dy - sdy/M - xhat sdyx/M) */
        bn_backward_apply(n, c, hw, xhat, dy, dx, ch, gamma[ch] * invstd[ch], (float)(sdy / M),
                          (float)(sdyx / M));
    }
}
