/* nn/batchnorm.c - batch normalisation (Ioffe & Szegedy 2015) per channel
 * over (n, h, w), with PyTorch's conventions that NB201 inherits: eps 1e-5,
 * running statistics r = (1 - 0.1) r + 0.1 * stat with the unbiased batch
 * variance, the biased one used to normalise. Sums in double, in a fixed
 * order, so results never depend on threads. */
#include "nn/nn_kernels.h"

#include <math.h>

#include "core/nb.h"

static void bn_apply(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                     const float *beta, float *y, int accumulate, int ch, float mean, float invstd)
{
    for (int b = 0; b < n; b++) {
        size_t off = ((size_t)b * c + ch) * (size_t)hw;
        const float *xp = x + off;
        float *hp = xhat + off, *yp = y + off;
        for (int i = 0; i < hw; i++) {
            float v = (xp[i] - mean) * invstd;
            hp[i] = v;
            float o = gamma[ch] * v + beta[ch];
            yp[i] = accumulate ? yp[i] + o : o;
        }
    }
}

void nn_bn_forward_train(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                         const float *beta, float *y, int accumulate, float *mean,
                         float *invstd, float *run_mean, float *run_var)
{
    const double M = (double)n * hw;
    NB_ASSERT(M > 1);
    for (int ch = 0; ch < c; ch++) {
        double s = 0.0;
        for (int b = 0; b < n; b++) {
            const float *xp = x + ((size_t)b * c + ch) * (size_t)hw;
            for (int i = 0; i < hw; i++) s += xp[i];
        }
        double mu = s / M, ss = 0.0;
        for (int b = 0; b < n; b++) {
            const float *xp = x + ((size_t)b * c + ch) * (size_t)hw;
            for (int i = 0; i < hw; i++) {
                double t = xp[i] - mu;
                ss += t * t;
            }
        }
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

void nn_bn_backward(int n, int c, int hw, const float *xhat, const float *gamma,
                    const float *invstd, const float *dy, float *dx, float *dgamma, float *dbeta)
{
    const double M = (double)n * hw;
    for (int ch = 0; ch < c; ch++) {
        double sdy = 0.0, sdyx = 0.0; /* sum dy, sum dy * xhat */
        for (int b = 0; b < n; b++) {
            size_t off = ((size_t)b * c + ch) * (size_t)hw;
            for (int i = 0; i < hw; i++) {
                sdy += dy[off + i];
                sdyx += (double)dy[off + i] * xhat[off + i];
            }
        }
        dgamma[ch] += (float)sdyx;
        dbeta[ch] += (float)sdy;
        /* with dxhat = gamma dy: dx = gamma invstd (dy - sdy/M - xhat sdyx/M) */
        const float g = gamma[ch] * invstd[ch];
        const float a = (float)(sdy / M), bq = (float)(sdyx / M);
        for (int b = 0; b < n; b++) {
            size_t off = ((size_t)b * c + ch) * (size_t)hw;
            for (int i = 0; i < hw; i++) dx[off + i] = g * (dy[off + i] - a - xhat[off + i] * bq);
        }
    }
}
