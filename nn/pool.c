/* nn/pool.c - average pooling with NB201's semantics.
 * pool3: AvgPool2d(3, stride 1, padding 1, count_include_pad=False), NB201's
 *   avg_pool_3x3 op (xautodl cell_operations.py POOLING): each output is the
 *   mean of its in-image neighbours only.
 * pool2: the reduction block's shortcut AvgPool2d(2, stride 2), here in ceil
 *   mode so odd sizes give ceil(h/2) like the stride-2 conv beside it (see
 *   nn/nn.h); a window cut by the border averages its valid inputs. */
#include "nn/nn_kernels.h"

#include "core/nb.h"
#include "nn/nn_vec.h"

/* One output of pool3: the window's in-image inputs summed row by row from
 * +0, divided by their count, then set / added / +0-added into y. */
static inline void pool3_point(const float *xp, float *yp, int h, int w, int oy, int ox, int accumulate)
{
    int y0 = oy > 0 ? oy - 1 : 0, y1 = oy + 1 < h ? oy + 1 : h - 1;
    int x0 = ox > 0 ? ox - 1 : 0, x1 = ox + 1 < w ? ox + 1 : w - 1;
    float s = 0.0f;
    for (int iy = y0; iy <= y1; iy++)
        for (int ix = x0; ix <= x1; ix++) s += xp[iy * w + ix];
    float v = s / (float)((y1 - y0 + 1) * (x1 - x0 + 1));
    yp[oy * w + ox] = accumulate == NN_ADD    ? yp[oy * w + ox] + v
                      : accumulate == NN_ADD0 ? 0.0f + v
                                              : v;
}

/* Columns 1 .. w-2 in lanes of 8: their windows span three in-image
 * columns, so each lane adds the same inputs in the same order as
 * pool3_point (same bits). Up to four vectors run as independent chains;
 * the last, partial block is a vector that overlaps the previous one, its
 * already-written lanes kept as they are. Rows narrower than 10 and the
 * border columns go one by one. */
typedef int32_t v8i __attribute__((vector_size(32)));

/* s[k] += rows r0..r1 of plane (row length w), columns ox+8k-1 .. ox+8k+1 in
 * 8 lanes, in raster order; nk <= 4 vectors as independent chains */
static inline void acc3(const float *plane, int w, int r0, int r1, int ox, int nk, v8f *s)
{
    for (int iy = r0; iy <= r1; iy++)
        for (int d = -1; d <= 1; d++)
            for (int k = 0; k < nk; k++) {
                v8f l;
                V8F_LOAD(l, plane + iy * w + ox + 8 * k + d);
                s[k] += l;
            }
}

/* o[0..7] from v by mode (pool3_point's), lanes j with ox + j < keep_below untouched */
static inline void put8(float *o, const v8f *vin, int accumulate, int ox, int keep_below)
{
    v8f v = *vin;
    const v8f zero = {0, 0, 0, 0, 0, 0, 0, 0};
    v8f cur;
    V8F_LOAD(cur, o);
    if (accumulate == NN_ADD)
        v = cur + v;
    else if (accumulate == NN_ADD0)
        v = zero + v;
    if (ox < keep_below) {
        const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
        v8i keep = lane < (keep_below - ox);
        v = (v8f)(((v8i)v & ~keep) | ((v8i)cur & keep));
    }
    V8F_STORE(o, v);
}

NN_CLONES
void nn_avgpool3_forward(int n, int c, int h, int w, const float *x, float *y, int accumulate)
{
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *xp = x + p * h * w;
        float *yp = y + p * h * w;
        for (int oy = 0; oy < h; oy++) {
            int y0 = oy > 0 ? oy - 1 : 0, y1 = oy + 1 < h ? oy + 1 : h - 1;
            if (w < 10) {
                for (int ox = 0; ox < w; ox++) pool3_point(xp, yp, h, w, oy, ox, accumulate);
                continue;
            }
            const float cnt = (float)((y1 - y0 + 1) * 3);
            const v8f vc = {cnt, cnt, cnt, cnt, cnt, cnt, cnt, cnt}, zero = {0, 0, 0, 0, 0, 0, 0, 0};
            pool3_point(xp, yp, h, w, oy, 0, accumulate);
            pool3_point(xp, yp, h, w, oy, w - 1, accumulate);
            const int nb = (w - 2) / 8;
            v8f sk[4];
            for (int b0 = 0; b0 < nb; b0 += 4) {
                int nk = nb - b0 < 4 ? nb - b0 : 4, ox = 1 + 8 * b0;
                sk[0] = sk[1] = sk[2] = sk[3] = zero;
                acc3(xp, w, y0, y1, ox, nk, sk);
                for (int k = 0; k < nk; k++) {
                    v8f v = sk[k] / vc;
                    put8(yp + oy * w + ox + 8 * k, &v, accumulate, 0, 0);
                }
            }
            const int done = 1 + 8 * nb;
            if (done < w - 1) {
                const int ox = w - 9;
                sk[0] = zero;
                acc3(xp, w, y0, y1, ox, 1, sk);
                v8f v = sk[0] / vc;
                put8(yp + oy * w + ox, &v, accumulate, ox, done);
            }
        }
    }
}

/* dx[iy][ix] receives g = dy / count of every output whose window holds it,
 * in raster order of the outputs (what scattering output by output gives):
 * computed here as a gather, columns 1 .. w-2 eight at a time, from a plane
 * of g (maps up to POOL_G_MAX pixels; larger ones scatter one by one). */
#define POOL_G_MAX 4096

static void pool3_backward_scatter(int h, int w, const float *dyp, float *dxp)
{
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

static inline void pool3_gather_point(const float *g, float *dxp, int h, int w, int iy, int ix)
{
    int y0 = iy > 0 ? iy - 1 : 0, y1 = iy + 1 < h ? iy + 1 : h - 1;
    int x0 = ix > 0 ? ix - 1 : 0, x1 = ix + 1 < w ? ix + 1 : w - 1;
    float a = dxp[iy * w + ix];
    for (int oy = y0; oy <= y1; oy++)
        for (int ox = x0; ox <= x1; ox++) a += g[oy * w + ox];
    dxp[iy * w + ix] = a;
}

NN_CLONES
void nn_avgpool3_backward(int n, int c, int h, int w, const float *dy, float *dx)
{
    float g[POOL_G_MAX];
    for (size_t p = 0; p < (size_t)n * c; p++) {
        const float *dyp = dy + p * h * w;
        float *dxp = dx + p * h * w;
        if ((size_t)h * w > POOL_G_MAX) {
            pool3_backward_scatter(h, w, dyp, dxp);
            continue;
        }
        for (int oy = 0; oy < h; oy++) {
            int y0 = oy > 0 ? oy - 1 : 0, y1 = oy + 1 < h ? oy + 1 : h - 1;
            for (int ox = 0; ox < w; ox++) {
                int x0 = ox > 0 ? ox - 1 : 0, x1 = ox + 1 < w ? ox + 1 : w - 1;
                g[oy * w + ox] = dyp[oy * w + ox] / (float)((y1 - y0 + 1) * (x1 - x0 + 1));
            }
        }
        for (int iy = 0; iy < h; iy++) {
            int y0 = iy > 0 ? iy - 1 : 0, y1 = iy + 1 < h ? iy + 1 : h - 1;
            if (w < 10) {
                for (int ix = 0; ix < w; ix++) pool3_gather_point(g, dxp, h, w, iy, ix);
                continue;
            }
            pool3_gather_point(g, dxp, h, w, iy, 0);
            pool3_gather_point(g, dxp, h, w, iy, w - 1);
            /* the running sum starts from dx, then the window in raster order */
            const int nb = (w - 2) / 8;
            v8f a[4];
            for (int b0 = 0; b0 < nb; b0 += 4) {
                int nk = nb - b0 < 4 ? nb - b0 : 4, ix = 1 + 8 * b0;
                for (int k = 0; k < nk; k++) V8F_LOAD(a[k], dxp + iy * w + ix + 8 * k);
                acc3(g, w, y0, y1, ix, nk, a);
                for (int k = 0; k < nk; k++) V8F_STORE(dxp + iy * w + ix + 8 * k, a[k]);
            }
            const int done = 1 + 8 * nb;
            if (done < w - 1) { /* overlapping last vector; its done lanes kept */
                const int ix = w - 9;
                v8f cur;
                V8F_LOAD(cur, dxp + iy * w + ix);
                a[0] = cur;
                acc3(g, w, y0, y1, ix, 1, a);
                const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
                v8i keep = lane < (done - ix);
                a[0] = (v8f)(((v8i)a[0] & ~keep) | ((v8i)cur & keep));
                V8F_STORE(dxp + iy * w + ix, a[0]);
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
