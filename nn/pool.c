/* nn/pool.c - average pooling with NB201's semantics.
 * pool3: AvgPool2d(3, stride 1, padding 1, count_include_pad=False), NB201's
 *   avg_pool_3x3 op (xautodl cell_operations.py POOLING): each output is the
 *   mean of its in-image neighbours only.
 * pool2: the reduction block's shortcut AvgPool2d(2, stride 2), here in ceil
 *   mode so odd sizes give ceil(h/2) like the stride-2 conv beside it (see
 *   nn/nn.h); a window cut by the border averages its valid inputs. */
#include "nn/nn_kernels.h"

#include "core/nb.h"

void nn_avgpool3_forward(int n, int c, int h, int w, const float *x, float *y, int accumulate)
{
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *xp = x + p * h * w;
        float *yp = y + p * h * w;
        for (int oy = 0; oy < h; oy++) {
            int y0 = oy > 0 ? oy - 1 : 0, y1 = oy + 1 < h ? oy + 1 : h - 1;
            for (int ox = 0; ox < w; ox++) {
                int x0 = ox > 0 ? ox - 1 : 0, x1 = ox + 1 < w ? ox + 1 : w - 1;
                float s = 0.0f;
                for (int iy = y0; iy <= y1; iy++)
                    for (int ix = x0; ix <= x1; ix++) s += xp[iy * w + ix];
                float v = s / (float)((y1 - y0 + 1) * (x1 - x0 + 1));
                yp[oy * w + ox] = accumulate == NN_ADD    ? yp[oy * w + ox] + v
                                  : accumulate == NN_ADD0 ? 0.0f + v
                                                          : v;
            }
        }
    }
}

void nn_avgpool3_backward(int n, int c, int h, int w, const float *dy, float *dx)
{
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *dyp = dy + p * h * w;
        float *dxp = dx + p * h * w;
        for (int oy = 0; oy < h; oy++) {
            int y0 = oy > 0 ? oy - 1 : 0, y1 = oy + 1 < h ? oy + 1 : h - 1;
            for (int ox = 0; ox < w; ox++) {
                int x0 = ox > 0 ? ox - 1 : 0, x1 = ox + 1 < w ? ox + 1 : w - 1;
                float g = dyp[oy * w + ox] / (float)((y1 - y0 + 1) * (x1 - x0 + 1));
                for (int iy = y0; iy <= y1; iy++)
                    for (int ix = x0; ix <= x1; ix++) dxp[iy * w + ix] += g;
            }
        }
    }
}

void nn_avgpool2_forward(int n, int c, int h, int w, const float *x, float *y)
{
    const int ho = (h + 1) / 2, wo = (w + 1) / 2;
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *xp = x + p * h * w;
        float *yp = y + p * ho * wo;
        for (int oy = 0; oy < ho; oy++) {
            int y1 = 2 * oy + 1 < h ? 2 * oy + 1 : h - 1;
            for (int ox = 0; ox < wo; ox++) {
                int x1 = 2 * ox + 1 < w ? 2 * ox + 1 : w - 1;
                float s = 0.0f;
                for (int iy = 2 * oy; iy <= y1; iy++)
                    for (int ix = 2 * ox; ix <= x1; ix++) s += xp[iy * w + ix];
                yp[oy * wo + ox] = s / (float)((y1 - 2 * oy + 1) * (x1 - 2 * ox + 1));
            }
        }
    }
}

void nn_avgpool2_backward(int n, int c, int h, int w, const float *dy, float *dx)
{
    const int ho = (h + 1) / 2, wo = (w + 1) / 2;
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *dyp = dy + p * ho * wo;
        float *dxp = dx + p * h * w;
        for (int oy = 0; oy < ho; oy++) {
            int y1 = 2 * oy + 1 < h ? 2 * oy + 1 : h - 1;
            for (int ox = 0; ox < wo; ox++) {
                int x1 = 2 * ox + 1 < w ? 2 * ox + 1 : w - 1;
                float g = dyp[oy * wo + ox] / (float)((y1 - 2 * oy + 1) * (x1 - 2 * ox + 1));
                for (int iy = 2 * oy; iy <= y1; iy++)
                    for (int ix = 2 * ox; ix <= x1; ix++) dxp[iy * w + ix] += g;
            }
        }
    }
}
