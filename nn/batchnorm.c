/* nn/batchnorm.c - batch normalisation (Ioffe & Szegedy 2015) per channel
 * over (n, h, w), with PyTorch's conventions that NB201 inherits: eps 1e-5,
 * running statistics r = (1 - 0.1) r + 0.1 * stat with the unbiased batch
 * variance, the biased one used to normalise. Sums in double, in a fixed
 * order, so results never depend on threads. */
#include "nn/nn_kernels.h"

#include <math.h>
#include <string.h>

#include "core/nb.h"

/* 4-wide through GCC/Clang vector extensions, lane-wise the scalar
 * arithmetic (no FMA: the default x86-64 target has none), so the vector
 * and scalar paths give the same bits. */
typedef float v4f __attribute__((vector_size(16)));

static void bn_apply(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                     const float *beta, float *y, int accumulate, int ch, float mean, float invstd)
{
    const float g = gamma[ch], be = beta[ch];
    const v4f vm = {mean, mean, mean, mean}, vi = {invstd, invstd, invstd, invstd},
              vg = {g, g, g, g}, vb = {be, be, be, be};
    for (int b = 0; b < n; b++) {
        size_t off = ((size_t)b * c + ch) * (size_t)hw;
        const float *xp = x + off; /* xhat may alias x: element-wise, read before write */
        float *hp = xhat + off, *yp = y + off;
        int i = 0;
        for (; i + 4 <= hw; i += 4) {
            v4f v, o, yo;
            memcpy(&v, xp + i, sizeof v);
            v = (v - vm) * vi;
            memcpy(hp + i, &v, sizeof v);
            o = vg * v + vb;
            if (accumulate) {
                memcpy(&yo, yp + i, sizeof yo);
                o = yo + o;
            }
            memcpy(yp + i, &o, sizeof o);
        }
        for (; i < hw; i++) {
            float v = (xp[i] - mean) * invstd;
            hp[i] = v;
            float o = g * v + be;
            yp[i] = accumulate ? yp[i] + o : o;
        }
    }
}

/* Per-channel sums over (n, hw) in double, each channel's terms added in
 * the same sequential order as a plain loop; up to 4 channels at once so
 * the dependent additions of different channels overlap. ss[k] = sum
 * (x - mu[k])^2 when mu != NULL, else s[k] = sum x. */
static void chan_sums(int n, int c, int hw, const float *x, int ch0, int nch, const double *mu,
                      double *out)
{
    double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int b = 0; b < n; b++) {
        const float *p0 = x + ((size_t)b * c + ch0) * (size_t)hw;
        const float *p1 = nch == 4 ? p0 + hw : p0, *p2 = nch == 4 ? p1 + hw : p0,
                    *p3 = nch == 4 ? p2 + hw : p0; /* stay inside x when nch == 1 */
        if (nch == 4 && mu) {
            const double m0 = mu[0], m1 = mu[1], m2 = mu[2], m3 = mu[3];
            for (int i = 0; i < hw; i++) {
                double t0 = p0[i] - m0, t1 = p1[i] - m1, t2 = p2[i] - m2, t3 = p3[i] - m3;
                a0 += t0 * t0, a1 += t1 * t1, a2 += t2 * t2, a3 += t3 * t3;
            }
        } else if (nch == 4) {
            for (int i = 0; i < hw; i++) a0 += p0[i], a1 += p1[i], a2 += p2[i], a3 += p3[i];
        } else if (mu) {
            for (int i = 0; i < hw; i++) {
                double t = p0[i] - mu[0];
                a0 += t * t;
            }
        } else {
            for (int i = 0; i < hw; i++) a0 += p0[i];
        }
    }
    out[0] = a0;
    if (nch == 4) out[1] = a1, out[2] = a2, out[3] = a3;
}

void nn_bn_forward_train(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                         const float *beta, float *y, int accumulate, float *mean,
                         float *invstd, float *run_mean, float *run_var)
{
    const double M = (double)n * hw;
    NB_ASSERT(M > 1);
    int nch;
    for (int ch0 = 0; ch0 < c; ch0 += nch) {
        nch = c - ch0 >= 4 ? 4 : 1; /* the last c % 4 channels one at a time */
        double s[4], mu[4], ss[4];
        chan_sums(n, c, hw, x, ch0, nch, NULL, s);
        for (int k = 0; k < nch; k++) mu[k] = s[k] / M;
        chan_sums(n, c, hw, x, ch0, nch, mu, ss);
        for (int k = 0; k < nch; k++) {
            const int ch = ch0 + k;
            double var = ss[k] / M;
            mean[ch] = (float)mu[k];
            invstd[ch] = (float)(1.0 / sqrt(var + NN_BN_EPS));
            run_mean[ch] = (float)((1.0 - NN_BN_MOMENTUM) * run_mean[ch] + NN_BN_MOMENTUM * mu[k]);
            run_var[ch] = (float)((1.0 - NN_BN_MOMENTUM) * run_var[ch] + NN_BN_MOMENTUM * ss[k] / (M - 1.0));
            bn_apply(n, c, hw, x, xhat, gamma, beta, y, accumulate, ch, mean[ch], invstd[ch]);
        }
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

/* sdy[k] = sum dy, sdyx[k] = sum dy * xhat over (n, hw) for channels
 * ch0..ch0+nch-1 (nch 4 or 1), each in plain sequential order. */
static void chan_sums2(int n, int c, int hw, const float *dy, const float *xhat, int ch0, int nch,
                       double *sdy, double *sdyx)
{
    double a[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
    for (int b = 0; b < n; b++) {
        size_t off = ((size_t)b * c + ch0) * (size_t)hw;
        const float *d0 = dy + off, *x0 = xhat + off;
        if (nch == 4) {
            const float *d1 = d0 + hw, *d2 = d1 + hw, *d3 = d2 + hw;
            const float *x1 = x0 + hw, *x2 = x1 + hw, *x3 = x2 + hw;
            double a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3], q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
            for (int i = 0; i < hw; i++) {
                a0 += d0[i], a1 += d1[i], a2 += d2[i], a3 += d3[i];
                q0 += (double)d0[i] * x0[i], q1 += (double)d1[i] * x1[i];
                q2 += (double)d2[i] * x2[i], q3 += (double)d3[i] * x3[i];
            }
            a[0] = a0, a[1] = a1, a[2] = a2, a[3] = a3, q[0] = q0, q[1] = q1, q[2] = q2, q[3] = q3;
        } else {
            double a0 = a[0], q0 = q[0];
            for (int i = 0; i < hw; i++) {
                a0 += d0[i];
                q0 += (double)d0[i] * x0[i];
            }
            a[0] = a0, q[0] = q0;
        }
    }
    for (int k = 0; k < nch; k++) sdy[k] = a[k], sdyx[k] = q[k];
}

void nn_bn_backward(int n, int c, int hw, const float *xhat, const float *gamma,
                    const float *invstd, const float *dy, float *dx, float *dgamma, float *dbeta)
{
    const double M = (double)n * hw;
    int nch;
    for (int ch0 = 0; ch0 < c; ch0 += nch) {
        nch = c - ch0 >= 4 ? 4 : 1;
        double sdy[4], sdyx[4]; /* sum dy, sum dy * xhat */
        chan_sums2(n, c, hw, dy, xhat, ch0, nch, sdy, sdyx);
        for (int k = 0; k < nch; k++) {
            const int ch = ch0 + k;
            dgamma[ch] += (float)sdyx[k];
            dbeta[ch] += (float)sdy[k];
            /* with dxhat = gamma dy: dx = gamma invstd (dy - sdy/M - xhat sdyx/M) */
            const float g = gamma[ch] * invstd[ch];
            const float a = (float)(sdy[k] / M), bq = (float)(sdyx[k] / M);
            const v4f vg = {g, g, g, g}, va = {a, a, a, a}, vq = {bq, bq, bq, bq};
            for (int b = 0; b < n; b++) {
                size_t off = ((size_t)b * c + ch) * (size_t)hw;
                int i = 0;
                for (; i + 4 <= hw; i += 4) {
                    v4f d, xh;
                    memcpy(&d, dy + off + i, sizeof d);
                    memcpy(&xh, xhat + off + i, sizeof xh);
                    d = vg * (d - va - xh * vq);
                    memcpy(dx + off + i, &d, sizeof d);
                }
                for (; i < hw; i++) dx[off + i] = g * (dy[off + i] - a - xhat[off + i] * bq);
            }
        }
    }
}
