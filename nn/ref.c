/* nn/ref.c - the plain reference convolution: the definition written as
 * loops, double accumulators, no scratch. Slow; the fast kernels of
 * nn/conv2d.c are tested against it, and a network built with
 * nn_config.reference = 1 trains with it. */
#include "nn/nn_kernels.h"

#include "core/nb.h"

static inline float relu_if(float v, int on) { return (on && v < 0.0f) ? 0.0f : v; }

void nn_ref_conv2d_forward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                           const float *wgt, float *y, int accumulate)
{
    const int k = d->k, s = d->stride, pad = d->pad;
    const int ho = nn_conv_out(h, k, s, pad), wo = nn_conv_out(w, k, s, pad);
    for (int b = 0; b < n; b++)
        for (int co = 0; co < d->cout; co++)
            for (int oy = 0; oy < ho; oy++)
                for (int ox = 0; ox < wo; ox++) {
                    double acc = 0.0;
                    for (int ci = 0; ci < d->cin; ci++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy * s - pad + ky, ix = ox * s - pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                float xv = x[(((size_t)b * d->cin + ci) * h + iy) * w + ix];
                                float wv = wgt[(((size_t)co * d->cin + ci) * k + ky) * k + kx];
                                acc += (double)relu_if(xv, d->relu_in) * wv;
                            }
                    float *o = &y[(((size_t)b * d->cout + co) * ho + oy) * wo + ox];
                    *o = accumulate ? *o + (float)acc : (float)acc;
                }
}

void nn_ref_conv2d_backward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                            const float *wgt, const float *dy, float *dx, float *dwgt)
{
    const int k = d->k, s = d->stride, pad = d->pad;
    const int ho = nn_conv_out(h, k, s, pad), wo = nn_conv_out(w, k, s, pad);
    /* dW[co, ci, ky, kx] = sum_{b, oy, ox} dy[b, co, oy, ox] * relu(x)[b, ci, iy, ix] */
    for (int co = 0; co < d->cout; co++)
        for (int ci = 0; ci < d->cin; ci++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    double acc = 0.0;
                    for (int b = 0; b < n; b++)
                        for (int oy = 0; oy < ho; oy++)
                            for (int ox = 0; ox < wo; ox++) {
                                int iy = oy * s - pad + ky, ix = ox * s - pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                float xv = x[(((size_t)b * d->cin + ci) * h + iy) * w + ix];
                                acc += (double)dy[(((size_t)b * d->cout + co) * ho + oy) * wo + ox] *
                                       relu_if(xv, d->relu_in);
                            }
                    dwgt[(((size_t)co * d->cin + ci) * k + ky) * k + kx] += (float)acc;
                }
    if (!dx) return;
    /* dx[b, ci, iy, ix] += [x > 0] * sum_{co, ky, kx} dy[b, co, oy, ox] * W[co, ci, ky, kx]
     * over the (oy, ox) with oy*s - pad + ky = iy and ox*s - pad + kx = ix. */
    for (int b = 0; b < n; b++)
        for (int ci = 0; ci < d->cin; ci++)
            for (int iy = 0; iy < h; iy++)
                for (int ix = 0; ix < w; ix++) {
                    size_t xi = (((size_t)b * d->cin + ci) * h + iy) * w + ix;
                    if (d->relu_in && !(x[xi] > 0.0f)) continue;
                    double acc = 0.0;
                    for (int co = 0; co < d->cout; co++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                int ty = iy + pad - ky, tx = ix + pad - kx;
                                if (ty < 0 || tx < 0 || ty % s || tx % s) continue;
                                int oy = ty / s, ox = tx / s;
                                if (oy >= ho || ox >= wo) continue;
                                acc += (double)dy[(((size_t)b * d->cout + co) * ho + oy) * wo + ox] *
                                       wgt[(((size_t)co * d->cin + ci) * k + ky) * k + kx];
                            }
                    dx[xi] += (float)acc;
                }
}
