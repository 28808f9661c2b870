/* nn/conv_direct.c - the inner loops of the direct convolution (see
 * nn/conv_direct.h): register tiles of 16 output channels x 6 positions
 * (or 8 x 12), 12 accumulators of 8 lanes, on AVX2+FMA where the CPU has
 * it, and a portable fmaf() path that gives the same bits. */
#include "nn/conv_direct.h"

#include <math.h>
#include <string.h>

static int simd_level = 2;

int cd_set_simd(int level)
{
    simd_level = level < 0 ? 0 : level > 2 ? 2 : level;
    return cd_simd();
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CD_X86 1
static int have_avx2(void)
{
    return simd_level >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
static int have_avx512(void)
{
    return simd_level >= 2 && have_avx2() && __builtin_cpu_supports("avx512f");
}
#else
#define CD_X86 0
#endif

int cd_simd(void)
{
#if CD_X86
    return have_avx512() ? 2 : have_avx2() ? 1 : 0;
#else
    return 0;
#endif
}

/* Walks positions in order, p = img * ho * wo + oy * wo + ox: fills the
 * offsets of the next n (positions past np repeat the last one, so a tile
 * is always full; surplus results are not stored). No divisions: the
 * tiles are a few hundred cycles each. */
typedef struct {
    const cd_walk *w;
    int np, p, img, oy, ox;
} walker;

static void walker_init(walker *k, const cd_walk *w, int np)
{
    k->w = w, k->np = np, k->p = 0, k->img = 0, k->oy = 0, k->ox = 0;
}

static void walker_next(walker *k, int n, size_t *off)
{
    const cd_walk *w = k->w;
    for (int i = 0; i < n; i++) {
        off[i] = (size_t)k->img * w->img_stride + (size_t)k->oy * w->row + (size_t)k->ox * w->col;
        if (k->p + 1 >= k->np) continue; /* stay on the last position */
        k->p++;
        if (++k->ox == w->wo) {
            k->ox = 0;
            if (++k->oy == w->ho) k->oy = 0, k->img++;
        }
    }
}

/* ---- portable path: the same chains, one lane at a time */

static void gather_portable(const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                            const float *wt, float *out)
{
    const int np = n_img * w->ho * w->wo;
    walker k;
    walker_init(&k, w, np);
    for (int p = 0; p < np; p++) {
        size_t off;
        walker_next(&k, 1, &off);
        for (int o = 0; o < s->ldw; o++) {
            float a = 0.0f;
            for (int c = 0; c < s->nc; c++)
                for (int t = 0; t < s->ntap; t++)
                    a = fmaf(wt[((size_t)c * s->ntap + t) * s->ldw + o],
                             in[(size_t)c * s->plane + off + s->toff[t]], a);
            out[(size_t)p * s->ldw + o] = a;
        }
    }
}

static void wgrad_portable(const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                           const float *dy, float *acc)
{
    const int np = n_img * w->ho * w->wo, K = s->nc * s->ntap;
    for (int ct = 0; ct < K; ct++) {
        const size_t base = (size_t)(ct / s->ntap) * s->plane + s->toff[ct % s->ntap];
        for (int o = 0; o < s->ldw; o++) {
            float a = 0.0f;
            walker k;
            walker_init(&k, w, np);
            for (int p = 0; p < np; p++) {
                size_t off;
                walker_next(&k, 1, &off);
                a = fmaf(dy[(size_t)p * s->ldw + o], in[base + off], a);
            }
            acc[(size_t)ct * s->ldw + o] = a;
        }
    }
}

#if CD_X86
/* The register tiles, spelled out so that the 12 accumulators stay in
 * registers (GCC keeps an array of vectors in memory). */
#define CD_T __attribute__((target("avx2,fma"))) static
#define BC(p) _mm256_broadcast_ss(x##p + to)
#define F(a, w, b) a = _mm256_fmadd_ps(w, b, a)

/* 16 channels x 6 positions */
CD_T void gather_tile_2_6(const cd_shape *s, const float *in, const size_t *off,
                          const float *wt, float *out, int nvalid)
{
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
           a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    const float *x0 = in + off[0], *x1 = in + off[1], *x2 = in + off[2], *x3 = in + off[3],
                *x4 = in + off[4], *x5 = in + off[5];
    const int nc = s->nc, ntap = s->ntap, ldw = s->ldw;
    const int *toff = s->toff;
    const size_t plane = s->plane;
    const float *wc = wt;
    for (int c = 0; c < nc; c++) {
        for (int t = 0; t < ntap; t++, wc += ldw) {
            const size_t to = (size_t)toff[t];
            const __m256 w0 = _mm256_loadu_ps(wc), w1 = _mm256_loadu_ps(wc + 8);
            __m256 b;
            b = BC(0), F(a00, w0, b), F(a01, w1, b);
            b = BC(1), F(a10, w0, b), F(a11, w1, b);
            b = BC(2), F(a20, w0, b), F(a21, w1, b);
            b = BC(3), F(a30, w0, b), F(a31, w1, b);
            b = BC(4), F(a40, w0, b), F(a41, w1, b);
            b = BC(5), F(a50, w0, b), F(a51, w1, b);
        }
        x0 += plane, x1 += plane, x2 += plane, x3 += plane, x4 += plane, x5 += plane;
    }
    __m256 r[12] = {a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51};
    for (int p = 0; p < nvalid; p++) {
        _mm256_storeu_ps(out + (size_t)p * ldw, r[2 * p]);
        _mm256_storeu_ps(out + (size_t)p * ldw + 8, r[2 * p + 1]);
    }
}

/* 8 channels x 12 positions */
CD_T void gather_tile_1_12(const cd_shape *s, const float *in, const size_t *off,
                           const float *wt, float *out, int nvalid)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,
           a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    const float *x0 = in + off[0], *x1 = in + off[1], *x2 = in + off[2], *x3 = in + off[3],
                *x4 = in + off[4], *x5 = in + off[5], *x6 = in + off[6], *x7 = in + off[7],
                *x8 = in + off[8], *x9 = in + off[9], *x10 = in + off[10], *x11 = in + off[11];
    const int nc = s->nc, ntap = s->ntap, ldw = s->ldw;
    const int *toff = s->toff;
    const size_t plane = s->plane;
    const float *wc = wt;
    for (int c = 0; c < nc; c++) {
        for (int t = 0; t < ntap; t++, wc += ldw) {
            const size_t to = (size_t)toff[t];
            const __m256 w0 = _mm256_loadu_ps(wc);
            F(a0, w0, BC(0)), F(a1, w0, BC(1)), F(a2, w0, BC(2)), F(a3, w0, BC(3));
            F(a4, w0, BC(4)), F(a5, w0, BC(5)), F(a6, w0, BC(6)), F(a7, w0, BC(7));
            F(a8, w0, BC(8)), F(a9, w0, BC(9)), F(a10, w0, BC(10)), F(a11, w0, BC(11));
        }
        x0 += plane, x1 += plane, x2 += plane, x3 += plane, x4 += plane, x5 += plane;
        x6 += plane, x7 += plane, x8 += plane, x9 += plane, x10 += plane, x11 += plane;
    }
    __m256 r[12] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
    for (int p = 0; p < nvalid; p++) _mm256_storeu_ps(out + (size_t)p * ldw, r[p]);
}
#undef BC

/* dW tiles: 16 channels x 6 (channel, tap) pairs, or 8 x 12, summed over
 * every position of the group */
#define BC(j) _mm256_broadcast_ss(x##j + xo)
CD_T void wgrad_tile_2_6(const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                         const size_t *base, const float *dy, float *acc_out, int nvalid)
{
    __m256 a00 = _mm256_setzero_ps(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00,
           a30 = a00, a31 = a00, a40 = a00, a41 = a00, a50 = a00, a51 = a00;
    const int ldw = s->ldw, ho = w->ho, wo = w->wo;
    const size_t col = w->col;
    const float *dp = dy;
    for (int img = 0; img < n_img; img++)
        for (int oy = 0; oy < ho; oy++) {
            const float *xr = in + (size_t)img * w->img_stride + (size_t)oy * w->row;
            const float *x0 = xr + base[0], *x1 = xr + base[1], *x2 = xr + base[2],
                        *x3 = xr + base[3], *x4 = xr + base[4], *x5 = xr + base[5];
            for (int ox = 0; ox < wo; ox++, dp += ldw) {
                const size_t xo = (size_t)ox * col;
                const __m256 d0 = _mm256_loadu_ps(dp), d1 = _mm256_loadu_ps(dp + 8);
                __m256 b;
                b = BC(0), F(a00, d0, b), F(a01, d1, b);
                b = BC(1), F(a10, d0, b), F(a11, d1, b);
                b = BC(2), F(a20, d0, b), F(a21, d1, b);
                b = BC(3), F(a30, d0, b), F(a31, d1, b);
                b = BC(4), F(a40, d0, b), F(a41, d1, b);
                b = BC(5), F(a50, d0, b), F(a51, d1, b);
            }
        }
    __m256 r[12] = {a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51};
    for (int j = 0; j < nvalid; j++) {
        _mm256_storeu_ps(acc_out + (size_t)j * ldw, r[2 * j]);
        _mm256_storeu_ps(acc_out + (size_t)j * ldw + 8, r[2 * j + 1]);
    }
}

CD_T void wgrad_tile_1_12(const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                          const size_t *base, const float *dy, float *acc_out, int nvalid)
{
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0,
           a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
    const int ldw = s->ldw, ho = w->ho, wo = w->wo;
    const size_t col = w->col;
    const float *dp = dy;
    for (int img = 0; img < n_img; img++)
        for (int oy = 0; oy < ho; oy++) {
            const float *xr = in + (size_t)img * w->img_stride + (size_t)oy * w->row;
            const float *x0 = xr + base[0], *x1 = xr + base[1], *x2 = xr + base[2],
                        *x3 = xr + base[3], *x4 = xr + base[4], *x5 = xr + base[5],
                        *x6 = xr + base[6], *x7 = xr + base[7], *x8 = xr + base[8],
                        *x9 = xr + base[9], *x10 = xr + base[10], *x11 = xr + base[11];
            for (int ox = 0; ox < wo; ox++, dp += ldw) {
                const size_t xo = (size_t)ox * col;
                const __m256 d0 = _mm256_loadu_ps(dp);
                F(a0, d0, BC(0)), F(a1, d0, BC(1)), F(a2, d0, BC(2)), F(a3, d0, BC(3));
                F(a4, d0, BC(4)), F(a5, d0, BC(5)), F(a6, d0, BC(6)), F(a7, d0, BC(7));
                F(a8, d0, BC(8)), F(a9, d0, BC(9)), F(a10, d0, BC(10)), F(a11, d0, BC(11));
            }
        }
    __m256 r[12] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
    for (int j = 0; j < nvalid; j++) _mm256_storeu_ps(acc_out + (size_t)j * ldw, r[j]);
}
#undef BC
#undef F

/* AVX-512: 16 lanes, 32 registers. Tiles of 32 channels x 12 positions
 * and 16 channels x 16 positions (24 and 16 accumulators). */
#define CD_Z __attribute__((target("avx512f,avx2,fma"))) static
#define ZB(p) _mm512_set1_ps(x##p[to])
#define ZF(a, w, b) a = _mm512_fmadd_ps(w, b, a)
#define ZSTORE(ptr, v) _mm512_storeu_ps(ptr, v)

CD_Z void gather_z_2_12(const cd_shape *s, const float *in, const size_t *off, const float *wt,
                        float *out, int nvalid)
{
    __m512 z = _mm512_setzero_ps();
    __m512 a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z, a40 = z,
           a41 = z, a50 = z, a51 = z, a60 = z, a61 = z, a70 = z, a71 = z, a80 = z, a81 = z,
           a90 = z, a91 = z, aA0 = z, aA1 = z, aB0 = z, aB1 = z;
    const float *x0 = in + off[0], *x1 = in + off[1], *x2 = in + off[2], *x3 = in + off[3],
                *x4 = in + off[4], *x5 = in + off[5], *x6 = in + off[6], *x7 = in + off[7],
                *x8 = in + off[8], *x9 = in + off[9], *xA = in + off[10], *xB = in + off[11];
    const int nc = s->nc, ntap = s->ntap, ldw = s->ldw;
    const int *toff = s->toff;
    const size_t plane = s->plane;
    const float *wc = wt;
    for (int c = 0; c < nc; c++) {
        for (int t = 0; t < ntap; t++, wc += ldw) {
            const size_t to = (size_t)toff[t];
            const __m512 w0 = _mm512_loadu_ps(wc), w1 = _mm512_loadu_ps(wc + 16);
            __m512 b;
            b = ZB(0), ZF(a00, w0, b), ZF(a01, w1, b);
            b = ZB(1), ZF(a10, w0, b), ZF(a11, w1, b);
            b = ZB(2), ZF(a20, w0, b), ZF(a21, w1, b);
            b = ZB(3), ZF(a30, w0, b), ZF(a31, w1, b);
            b = ZB(4), ZF(a40, w0, b), ZF(a41, w1, b);
            b = ZB(5), ZF(a50, w0, b), ZF(a51, w1, b);
            b = ZB(6), ZF(a60, w0, b), ZF(a61, w1, b);
            b = ZB(7), ZF(a70, w0, b), ZF(a71, w1, b);
            b = ZB(8), ZF(a80, w0, b), ZF(a81, w1, b);
            b = ZB(9), ZF(a90, w0, b), ZF(a91, w1, b);
            b = ZB(A), ZF(aA0, w0, b), ZF(aA1, w1, b);
            b = ZB(B), ZF(aB0, w0, b), ZF(aB1, w1, b);
        }
        x0 += plane, x1 += plane, x2 += plane, x3 += plane, x4 += plane, x5 += plane;
        x6 += plane, x7 += plane, x8 += plane, x9 += plane, xA += plane, xB += plane;
    }
    __m512 r[24] = {a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51,
                    a60, a61, a70, a71, a80, a81, a90, a91, aA0, aA1, aB0, aB1};
    for (int p = 0; p < nvalid; p++) {
        ZSTORE(out + (size_t)p * ldw, r[2 * p]);
        ZSTORE(out + (size_t)p * ldw + 16, r[2 * p + 1]);
    }
}

CD_Z void gather_z_1_16(const cd_shape *s, const float *in, const size_t *off, const float *wt,
                        float *out, int nvalid)
{
    __m512 z = _mm512_setzero_ps();
    __m512 a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z,
           aA = z, aB = z, aC = z, aD = z, aE = z, aF = z;
    const float *x0 = in + off[0], *x1 = in + off[1], *x2 = in + off[2], *x3 = in + off[3],
                *x4 = in + off[4], *x5 = in + off[5], *x6 = in + off[6], *x7 = in + off[7],
                *x8 = in + off[8], *x9 = in + off[9], *xA = in + off[10], *xB = in + off[11],
                *xC = in + off[12], *xD = in + off[13], *xE = in + off[14], *xF = in + off[15];
    const int nc = s->nc, ntap = s->ntap, ldw = s->ldw;
    const int *toff = s->toff;
    const size_t plane = s->plane;
    const float *wc = wt;
    for (int c = 0; c < nc; c++) {
        for (int t = 0; t < ntap; t++, wc += ldw) {
            const size_t to = (size_t)toff[t];
            const __m512 w0 = _mm512_loadu_ps(wc);
            ZF(a0, w0, ZB(0)), ZF(a1, w0, ZB(1)), ZF(a2, w0, ZB(2)), ZF(a3, w0, ZB(3));
            ZF(a4, w0, ZB(4)), ZF(a5, w0, ZB(5)), ZF(a6, w0, ZB(6)), ZF(a7, w0, ZB(7));
            ZF(a8, w0, ZB(8)), ZF(a9, w0, ZB(9)), ZF(aA, w0, ZB(A)), ZF(aB, w0, ZB(B));
            ZF(aC, w0, ZB(C)), ZF(aD, w0, ZB(D)), ZF(aE, w0, ZB(E)), ZF(aF, w0, ZB(F));
        }
        x0 += plane, x1 += plane, x2 += plane, x3 += plane, x4 += plane, x5 += plane;
        x6 += plane, x7 += plane, x8 += plane, x9 += plane, xA += plane, xB += plane;
        xC += plane, xD += plane, xE += plane, xF += plane;
    }
    __m512 r[16] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, aA, aB, aC, aD, aE, aF};
    for (int p = 0; p < nvalid; p++) ZSTORE(out + (size_t)p * ldw, r[p]);
}
#undef ZB

#define ZB(j) _mm512_set1_ps(x##j[xo])
CD_Z void wgrad_z_2_12(const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                       const size_t *base, const float *dy, float *acc_out, int nvalid)
{
    __m512 z = _mm512_setzero_ps();
    __m512 a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z, a40 = z,
           a41 = z, a50 = z, a51 = z, a60 = z, a61 = z, a70 = z, a71 = z, a80 = z, a81 = z,
           a90 = z, a91 = z, aA0 = z, aA1 = z, aB0 = z, aB1 = z;
    const int ldw = s->ldw, ho = w->ho, wo = w->wo;
    const size_t col = w->col;
    const float *dp = dy;
    for (int img = 0; img < n_img; img++)
        for (int oy = 0; oy < ho; oy++) {
            const float *xr = in + (size_t)img * w->img_stride + (size_t)oy * w->row;
            const float *x0 = xr + base[0], *x1 = xr + base[1], *x2 = xr + base[2],
                        *x3 = xr + base[3], *x4 = xr + base[4], *x5 = xr + base[5],
                        *x6 = xr + base[6], *x7 = xr + base[7], *x8 = xr + base[8],
                        *x9 = xr + base[9], *xA = xr + base[10], *xB = xr + base[11];
            for (int ox = 0; ox < wo; ox++, dp += ldw) {
                const size_t xo = (size_t)ox * col;
                const __m512 d0 = _mm512_loadu_ps(dp), d1 = _mm512_loadu_ps(dp + 16);
                __m512 b;
                b = ZB(0), ZF(a00, d0, b), ZF(a01, d1, b);
                b = ZB(1), ZF(a10, d0, b), ZF(a11, d1, b);
                b = ZB(2), ZF(a20, d0, b), ZF(a21, d1, b);
                b = ZB(3), ZF(a30, d0, b), ZF(a31, d1, b);
                b = ZB(4), ZF(a40, d0, b), ZF(a41, d1, b);
                b = ZB(5), ZF(a50, d0, b), ZF(a51, d1, b);
                b = ZB(6), ZF(a60, d0, b), ZF(a61, d1, b);
                b = ZB(7), ZF(a70, d0, b), ZF(a71, d1, b);
                b = ZB(8), ZF(a80, d0, b), ZF(a81, d1, b);
                b = ZB(9), ZF(a90, d0, b), ZF(a91, d1, b);
                b = ZB(A), ZF(aA0, d0, b), ZF(aA1, d1, b);
                b = ZB(B), ZF(aB0, d0, b), ZF(aB1, d1, b);
            }
        }
    __m512 r[24] = {a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51,
                    a60, a61, a70, a71, a80, a81, a90, a91, aA0, aA1, aB0, aB1};
    for (int j = 0; j < nvalid; j++) {
        ZSTORE(acc_out + (size_t)j * ldw, r[2 * j]);
        ZSTORE(acc_out + (size_t)j * ldw + 16, r[2 * j + 1]);
    }
}

CD_Z void wgrad_z_1_16(const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                       const size_t *base, const float *dy, float *acc_out, int nvalid)
{
    __m512 z = _mm512_setzero_ps();
    __m512 a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z,
           aA = z, aB = z, aC = z, aD = z, aE = z, aF = z;
    const int ldw = s->ldw, ho = w->ho, wo = w->wo;
    const size_t col = w->col;
    const float *dp = dy;
    for (int img = 0; img < n_img; img++)
        for (int oy = 0; oy < ho; oy++) {
            const float *xr = in + (size_t)img * w->img_stride + (size_t)oy * w->row;
            const float *x0 = xr + base[0], *x1 = xr + base[1], *x2 = xr + base[2],
                        *x3 = xr + base[3], *x4 = xr + base[4], *x5 = xr + base[5],
                        *x6 = xr + base[6], *x7 = xr + base[7], *x8 = xr + base[8],
                        *x9 = xr + base[9], *xA = xr + base[10], *xB = xr + base[11],
                        *xC = xr + base[12], *xD = xr + base[13], *xE = xr + base[14],
                        *xF = xr + base[15];
            for (int ox = 0; ox < wo; ox++, dp += ldw) {
                const size_t xo = (size_t)ox * col;
                const __m512 d0 = _mm512_loadu_ps(dp);
                ZF(a0, d0, ZB(0)), ZF(a1, d0, ZB(1)), ZF(a2, d0, ZB(2)), ZF(a3, d0, ZB(3));
                ZF(a4, d0, ZB(4)), ZF(a5, d0, ZB(5)), ZF(a6, d0, ZB(6)), ZF(a7, d0, ZB(7));
                ZF(a8, d0, ZB(8)), ZF(a9, d0, ZB(9)), ZF(aA, d0, ZB(A)), ZF(aB, d0, ZB(B));
                ZF(aC, d0, ZB(C)), ZF(aD, d0, ZB(D)), ZF(aE, d0, ZB(E)), ZF(aF, d0, ZB(F));
            }
        }
    __m512 r[16] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, aA, aB, aC, aD, aE, aF};
    for (int j = 0; j < nvalid; j++) ZSTORE(acc_out + (size_t)j * ldw, r[j]);
}
#undef ZB
#undef ZF

/* Few output channels (<= 16) on maps >= 8 wide: vectorised over row
 * segments of up to 16 output positions instead (segment sg: row sg /
 * nseg, columns 16 (sg % nseg) ..), NCO channels x R segments per tile,
 * written straight into NCHW planes with the epilogue. The same chain per
 * output as cd_gather (over (c, t) from 0), so the same bits. */
typedef struct {
    int ho, wo, nseg, nsegs;
    size_t pw, hw;
} rows_geo;

CD_Z void rows_setup(const rows_geo *g, int sg0, int nv, int R, const float *in, const float **xr,
                     size_t *at, __mmask16 *lm)
{
    for (int r = 0; r < R; r++) {
        int sg = sg0 + (r < nv ? r : nv - 1), oy = sg / g->nseg, ox = 16 * (sg % g->nseg);
        int lanes = g->wo - ox < 16 ? g->wo - ox : 16;
        lm[r] = (__mmask16)((1u << lanes) - 1u);
        xr[r] = in + (size_t)oy * g->pw + ox;
        at[r] = (size_t)oy * g->wo + ox;
    }
}

/* acc[o * R + r] -> channel o0 + o, segment r, through the epilogue */
CD_Z void rows_store(const rows_geo *g, int o0, int nout, int NCO, int R, int nv,
                     const __m512 *acc, const size_t *at, const __mmask16 *lm, float *dst,
                     const cd_epi *e)
{
    const __m512 z = _mm512_setzero_ps();
    for (int o = 0; o < NCO && o0 + o < nout; o++) {
        const int c = o0 + o;
        for (int r = 0; r < nv; r++) {
            const size_t q = (size_t)c * g->hw + at[r];
            __m512 v = acc[o * R + r];
            if (e->bn) { /* (v - mean) * invstd, then gamma * . + beta: no FMA, as bn_apply */
                v = _mm512_mul_ps(_mm512_sub_ps(v, _mm512_set1_ps(e->bn[0][c])), _mm512_set1_ps(e->bn[1][c]));
                v = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(e->bn[2][c]), v), _mm512_set1_ps(e->bn[3][c]));
            }
            if (e->mode == CD_ADD_POS) {
                __mmask16 pos = _mm512_mask_cmp_ps_mask(lm[r], _mm512_maskz_loadu_ps(lm[r], e->mask + q), z, _CMP_GT_OQ);
                v = _mm512_maskz_mov_ps(pos, v);
            }
            if (e->mode == CD_ADD0)
                v = _mm512_add_ps(z, v);
            else if (e->mode != CD_SET)
                v = _mm512_add_ps(_mm512_maskz_loadu_ps(lm[r], dst + q), v);
            _mm512_mask_storeu_ps(dst + q, lm[r], v);
        }
    }
}

/* generated: NCO channels x R segments, accumulators spelled out */
CD_Z void rows_z_8_3(const cd_shape *s, const rows_geo *g, int o0, int nout, int sg0,
                        const float *in, const float *wt, float *dst, const cd_epi *e)
{
    const float *xr[3];
    size_t at[3];
    __mmask16 lm[3];
    const int nv = g->nsegs - sg0 < 3 ? g->nsegs - sg0 : 3;
    rows_setup(g, sg0, nv, 3, in, xr, at, lm);
    const __m512 z = _mm512_setzero_ps();
    __m512 a0_0 = z, a0_1 = z, a0_2 = z, a1_0 = z, a1_1 = z, a1_2 = z, a2_0 = z, a2_1 = z, a2_2 = z, a3_0 = z, a3_1 = z, a3_2 = z, a4_0 = z, a4_1 = z, a4_2 = z, a5_0 = z, a5_1 = z, a5_2 = z, a6_0 = z, a6_1 = z, a6_2 = z, a7_0 = z, a7_1 = z, a7_2 = z;
    const float *x0 = xr[0]; const float *x1 = xr[1]; const float *x2 = xr[2];
    const __mmask16 m0 = lm[0]; const __mmask16 m1 = lm[1]; const __mmask16 m2 = lm[2];
    const int nc = s->nc, ntap = s->ntap, ldw = s->ldw;
    const int *toff = s->toff;
    const size_t plane = s->plane;
    const float *wc = wt + o0;
    for (int c = 0; c < nc; c++) {
        for (int t = 0; t < ntap; t++, wc += ldw) {
            const int to = toff[t];
            const __m512 v0 = _mm512_maskz_loadu_ps(m0, x0 + to); const __m512 v1 = _mm512_maskz_loadu_ps(m1, x1 + to); const __m512 v2 = _mm512_maskz_loadu_ps(m2, x2 + to);
            __m512 w;
            w = _mm512_set1_ps(wc[0]);
            a0_0 = _mm512_fmadd_ps(w, v0, a0_0); a0_1 = _mm512_fmadd_ps(w, v1, a0_1); a0_2 = _mm512_fmadd_ps(w, v2, a0_2);
            w = _mm512_set1_ps(wc[1]);
            a1_0 = _mm512_fmadd_ps(w, v0, a1_0); a1_1 = _mm512_fmadd_ps(w, v1, a1_1); a1_2 = _mm512_fmadd_ps(w, v2, a1_2);
            w = _mm512_set1_ps(wc[2]);
            a2_0 = _mm512_fmadd_ps(w, v0, a2_0); a2_1 = _mm512_fmadd_ps(w, v1, a2_1); a2_2 = _mm512_fmadd_ps(w, v2, a2_2);
            w = _mm512_set1_ps(wc[3]);
            a3_0 = _mm512_fmadd_ps(w, v0, a3_0); a3_1 = _mm512_fmadd_ps(w, v1, a3_1); a3_2 = _mm512_fmadd_ps(w, v2, a3_2);
            w = _mm512_set1_ps(wc[4]);
            a4_0 = _mm512_fmadd_ps(w, v0, a4_0); a4_1 = _mm512_fmadd_ps(w, v1, a4_1); a4_2 = _mm512_fmadd_ps(w, v2, a4_2);
            w = _mm512_set1_ps(wc[5]);
            a5_0 = _mm512_fmadd_ps(w, v0, a5_0); a5_1 = _mm512_fmadd_ps(w, v1, a5_1); a5_2 = _mm512_fmadd_ps(w, v2, a5_2);
            w = _mm512_set1_ps(wc[6]);
            a6_0 = _mm512_fmadd_ps(w, v0, a6_0); a6_1 = _mm512_fmadd_ps(w, v1, a6_1); a6_2 = _mm512_fmadd_ps(w, v2, a6_2);
            w = _mm512_set1_ps(wc[7]);
            a7_0 = _mm512_fmadd_ps(w, v0, a7_0); a7_1 = _mm512_fmadd_ps(w, v1, a7_1); a7_2 = _mm512_fmadd_ps(w, v2, a7_2);
        }
        x0 += plane; x1 += plane; x2 += plane;
    }
    const __m512 acc[24] = {a0_0, a0_1, a0_2, a1_0, a1_1, a1_2, a2_0, a2_1, a2_2, a3_0, a3_1, a3_2, a4_0, a4_1, a4_2, a5_0, a5_1, a5_2, a6_0, a6_1, a6_2, a7_0, a7_1, a7_2};
    rows_store(g, o0, nout, 8, 3, nv, acc, at, lm, dst, e);
}

CD_Z void rows_z_4_6(const cd_shape *s, const rows_geo *g, int o0, int nout, int sg0,
                        const float *in, const float *wt, float *dst, const cd_epi *e)
{
    const float *xr[6];
    size_t at[6];
    __mmask16 lm[6];
    const int nv = g->nsegs - sg0 < 6 ? g->nsegs - sg0 : 6;
    rows_setup(g, sg0, nv, 6, in, xr, at, lm);
    const __m512 z = _mm512_setzero_ps();
    __m512 a0_0 = z, a0_1 = z, a0_2 = z, a0_3 = z, a0_4 = z, a0_5 = z, a1_0 = z, a1_1 = z, a1_2 = z, a1_3 = z, a1_4 = z, a1_5 = z, a2_0 = z, a2_1 = z, a2_2 = z, a2_3 = z, a2_4 = z, a2_5 = z, a3_0 = z, a3_1 = z, a3_2 = z, a3_3 = z, a3_4 = z, a3_5 = z;
    const float *x0 = xr[0]; const float *x1 = xr[1]; const float *x2 = xr[2]; const float *x3 = xr[3]; const float *x4 = xr[4]; const float *x5 = xr[5];
    const __mmask16 m0 = lm[0]; const __mmask16 m1 = lm[1]; const __mmask16 m2 = lm[2]; const __mmask16 m3 = lm[3]; const __mmask16 m4 = lm[4]; const __mmask16 m5 = lm[5];
    const int nc = s->nc, ntap = s->ntap, ldw = s->ldw;
    const int *toff = s->toff;
    const size_t plane = s->plane;
    const float *wc = wt + o0;
    for (int c = 0; c < nc; c++) {
        for (int t = 0; t < ntap; t++, wc += ldw) {
            const int to = toff[t];
            const __m512 v0 = _mm512_maskz_loadu_ps(m0, x0 + to); const __m512 v1 = _mm512_maskz_loadu_ps(m1, x1 + to); const __m512 v2 = _mm512_maskz_loadu_ps(m2, x2 + to); const __m512 v3 = _mm512_maskz_loadu_ps(m3, x3 + to); const __m512 v4 = _mm512_maskz_loadu_ps(m4, x4 + to); const __m512 v5 = _mm512_maskz_loadu_ps(m5, x5 + to);
            __m512 w;
            w = _mm512_set1_ps(wc[0]);
            a0_0 = _mm512_fmadd_ps(w, v0, a0_0); a0_1 = _mm512_fmadd_ps(w, v1, a0_1); a0_2 = _mm512_fmadd_ps(w, v2, a0_2); a0_3 = _mm512_fmadd_ps(w, v3, a0_3); a0_4 = _mm512_fmadd_ps(w, v4, a0_4); a0_5 = _mm512_fmadd_ps(w, v5, a0_5);
            w = _mm512_set1_ps(wc[1]);
            a1_0 = _mm512_fmadd_ps(w, v0, a1_0); a1_1 = _mm512_fmadd_ps(w, v1, a1_1); a1_2 = _mm512_fmadd_ps(w, v2, a1_2); a1_3 = _mm512_fmadd_ps(w, v3, a1_3); a1_4 = _mm512_fmadd_ps(w, v4, a1_4); a1_5 = _mm512_fmadd_ps(w, v5, a1_5);
            w = _mm512_set1_ps(wc[2]);
            a2_0 = _mm512_fmadd_ps(w, v0, a2_0); a2_1 = _mm512_fmadd_ps(w, v1, a2_1); a2_2 = _mm512_fmadd_ps(w, v2, a2_2); a2_3 = _mm512_fmadd_ps(w, v3, a2_3); a2_4 = _mm512_fmadd_ps(w, v4, a2_4); a2_5 = _mm512_fmadd_ps(w, v5, a2_5);
            w = _mm512_set1_ps(wc[3]);
            a3_0 = _mm512_fmadd_ps(w, v0, a3_0); a3_1 = _mm512_fmadd_ps(w, v1, a3_1); a3_2 = _mm512_fmadd_ps(w, v2, a3_2); a3_3 = _mm512_fmadd_ps(w, v3, a3_3); a3_4 = _mm512_fmadd_ps(w, v4, a3_4); a3_5 = _mm512_fmadd_ps(w, v5, a3_5);
        }
        x0 += plane; x1 += plane; x2 += plane; x3 += plane; x4 += plane; x5 += plane;
    }
    const __m512 acc[24] = {a0_0, a0_1, a0_2, a0_3, a0_4, a0_5, a1_0, a1_1, a1_2, a1_3, a1_4, a1_5, a2_0, a2_1, a2_2, a2_3, a2_4, a2_5, a3_0, a3_1, a3_2, a3_3, a3_4, a3_5};
    rows_store(g, o0, nout, 4, 6, nv, acc, at, lm, dst, e);
}

int cd_rows_ok(const cd_shape *s, int wo)
{
#if CD_X86
    /* where rows beat the channel tiles: <= 8 lanes of channels (half an
     * AVX-512 register idle otherwise), or 16 channels on maps whose rows
     * fill most of 16 lanes */
    return have_avx512() && wo >= 8 && (s->ldw == 8 || (s->ldw == 16 && (wo % 16 == 0 || wo % 16 >= 14)));
#else
    (void)s, (void)wo;
    return 0;
#endif
}

void cd_rows(const cd_shape *s, int nout, int ho, int wo, size_t pw, const float *in,
             const float *wt, float *dst, const cd_epi *e)
{
    rows_geo g = {ho, wo, (wo + 15) / 16, 0, pw, (size_t)ho * wo};
    g.nsegs = ho * g.nseg;
    if (nout <= 4) {
        for (int sg = 0; sg < g.nsegs; sg += 6) rows_z_4_6(s, &g, 0, nout, sg, in, wt, dst, e);
        return;
    }
    for (int o0 = 0; o0 < nout; o0 += 8)
        for (int sg = 0; sg < g.nsegs; sg += 3) rows_z_8_3(s, &g, o0, nout, sg, in, wt, dst, e);
}

/* The drivers: output lanes in chunks of 32 or 16 (AVX-512) or 16 or 8
 * (AVX2); each chunk in tiles of np positions (gather) or (channel, tap)
 * pairs (wgrad). */
enum { K_Y1_12, K_Y2_6, K_Z1_16, K_Z2_12 };

static int pick(int z, int left, int *lanes, int *n)
{
    if (z && left >= 32) return *lanes = 32, *n = 12, K_Z2_12;
    if (z && left >= 16) return *lanes = 16, *n = 16, K_Z1_16;
    if (left >= 16) return *lanes = 16, *n = 6, K_Y2_6;
    return *lanes = 8, *n = 12, K_Y1_12;
}

static void gather_simd(int z, const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                        const float *wt, float *out)
{
    const int np = n_img * w->ho * w->wo;
    size_t off[16];
    for (int o0 = 0, lanes, NP; o0 < s->ldw; o0 += lanes) {
        int k = pick(z, s->ldw - o0, &lanes, &NP);
        walker wk;
        walker_init(&wk, w, np);
        for (int p0 = 0; p0 < np; p0 += NP) {
            walker_next(&wk, NP, off);
            int nvalid = np - p0 < NP ? np - p0 : NP;
            float *o = out + (size_t)p0 * s->ldw + o0;
            switch (k) {
            case K_Z2_12: gather_z_2_12(s, in, off, wt + o0, o, nvalid); break;
            case K_Z1_16: gather_z_1_16(s, in, off, wt + o0, o, nvalid); break;
            case K_Y2_6: gather_tile_2_6(s, in, off, wt + o0, o, nvalid); break;
            default: gather_tile_1_12(s, in, off, wt + o0, o, nvalid);
            }
        }
    }
}

static void wgrad_simd(int z, const cd_shape *s, const cd_walk *w, int n_img, const float *in,
                       const float *dy, float *acc)
{
    const int K = s->nc * s->ntap;
    size_t base[16];
    for (int o0 = 0, lanes, NT; o0 < s->ldw; o0 += lanes) {
        int k = pick(z, s->ldw - o0, &lanes, &NT);
        for (int ct0 = 0; ct0 < K; ct0 += NT) {
            for (int j = 0; j < NT; j++) {
                int ct = ct0 + j < K ? ct0 + j : K - 1;
                base[j] = (size_t)(ct / s->ntap) * s->plane + s->toff[ct % s->ntap];
            }
            int nvalid = K - ct0 < NT ? K - ct0 : NT;
            float *a = acc + (size_t)ct0 * s->ldw + o0;
            switch (k) {
            case K_Z2_12: wgrad_z_2_12(s, w, n_img, in, base, dy + o0, a, nvalid); break;
            case K_Z1_16: wgrad_z_1_16(s, w, n_img, in, base, dy + o0, a, nvalid); break;
            case K_Y2_6: wgrad_tile_2_6(s, w, n_img, in, base, dy + o0, a, nvalid); break;
            default: wgrad_tile_1_12(s, w, n_img, in, base, dy + o0, a, nvalid);
            }
        }
    }
}

#endif

/* ---- staging: c planes of h x w into zero-bordered planes (border left
 * as it is), ReLU'd when relu. ReLU is max(v, +0) lane-wise, which is
 * v > 0 ? v : +0 (NaN and -0 give +0) like the portable path. */

static void stage_portable(const float *src, int c, int h, int w, int relu, float *dst,
                           size_t plane, size_t pw, int pad)
{
    for (int ci = 0; ci < c; ci++)
        for (int iy = 0; iy < h; iy++) {
            float *r = dst + ci * plane + (size_t)(iy + pad) * pw + pad;
            const float *q = src + ((size_t)ci * h + iy) * w;
            for (int x = 0; x < w; x++) r[x] = relu ? (q[x] > 0.0f ? q[x] : 0.0f) : q[x];
        }
}

#if CD_X86
/* one masked 16-lane move per row segment */
CD_Z void stage_z(const float *src, int c, int h, int w, int relu, float *dst, size_t plane,
                  size_t pw, int pad)
{
    const __m512 z = _mm512_setzero_ps();
    for (int ci = 0; ci < c; ci++)
        for (int iy = 0; iy < h; iy++) {
            float *r = dst + ci * plane + (size_t)(iy + pad) * pw + pad;
            const float *q = src + ((size_t)ci * h + iy) * w;
            for (int x = 0; x < w; x += 16) {
                const __mmask16 m = (__mmask16)(w - x >= 16 ? 0xFFFFu : (1u << (w - x)) - 1u);
                __m512 v = _mm512_maskz_loadu_ps(m, q + x);
                if (relu) v = _mm512_max_ps(v, z);
                _mm512_mask_storeu_ps(r + x, m, v);
            }
        }
}
#endif

void cd_stage(const float *src, int c, int h, int w, int relu, float *dst, size_t plane, size_t pw,
              int pad)
{
#if CD_X86
    if (have_avx512()) {
        stage_z(src, c, h, w, relu, dst, plane, pw, pad);
        return;
    }
#endif
    stage_portable(src, c, h, w, relu, dst, plane, pw, pad);
}

/* ---- transposes between planes and tiles */

static void to_tile_portable(const float *src, int nch, size_t hw, size_t q0, float *tile, int ld)
{
    for (size_t q = q0; q < hw; q++) {
        float *r = tile + q * ld;
        for (int c = 0; c < nch; c++) r[c] = src[c * hw + q];
        for (int c = nch; c < ld; c++) r[c] = 0.0f;
    }
}

static void from_tile_portable(const float *tile, int ld, int nch, size_t hw, size_t q0,
                               float *dst, const cd_epi *e)
{
    for (int c = 0; c < nch; c++) {
        float *d = dst + c * hw;
        const float *m = e->mask ? e->mask + c * hw : NULL;
        for (size_t q = q0; q < hw; q++) {
            float v = tile[q * ld + c];
            if (e->bn) {
                v = (v - e->bn[0][c]) * e->bn[1][c];
                v = e->bn[2][c] * v + e->bn[3][c];
            }
            if (e->mode == CD_SET)
                d[q] = v;
            else if (e->mode == CD_ADD)
                d[q] += v;
            else if (e->mode == CD_ADD0)
                d[q] = 0.0f + v;
            else
                d[q] += m[q] > 0.0f ? v : 0.0f;
        }
    }
}

#if CD_X86
/* r[0..7] (8 x 8) transposed in place */
CD_T void tr8(__m256 *r)
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20), r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20), r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31), r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31), r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* 8 x 8 blocks; channels past nch in a block read/write nothing */
CD_T void to_tile_avx2(const float *src, int nch, size_t hw, float *tile, int ld)
{
    const size_t q8 = hw / 8 * 8;
    for (int c0 = 0; c0 < ld; c0 += 8)
        for (size_t q = 0; q < q8; q += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++)
                r[i] = c0 + i < nch ? _mm256_loadu_ps(src + (size_t)(c0 + i) * hw + q) : _mm256_setzero_ps();
            tr8(r);
            for (int i = 0; i < 8; i++) _mm256_storeu_ps(tile + (q + i) * ld + c0, r[i]);
        }
    to_tile_portable(src, nch, hw, q8, tile, ld);
}

CD_T void from_tile_avx2(const float *tile, int ld, int nch, size_t hw, float *dst,
                         const cd_epi *e)
{
    const size_t q8 = hw / 8 * 8;
    const __m256 z = _mm256_setzero_ps();
    const int mode = e->mode;
    for (int c0 = 0; c0 < nch; c0 += 8)
        for (size_t q = 0; q < q8; q += 8) {
            __m256 r[8];
            for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(tile + (q + i) * ld + c0);
            tr8(r);
            for (int i = 0; i < 8 && c0 + i < nch; i++) {
                const int c = c0 + i;
                float *d = dst + (size_t)c * hw + q;
                __m256 v = r[i];
                if (e->bn) { /* (v - mean) * invstd, then gamma * . + beta: no FMA, as bn_apply */
                    v = _mm256_mul_ps(_mm256_sub_ps(v, _mm256_set1_ps(e->bn[0][c])), _mm256_set1_ps(e->bn[1][c]));
                    v = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(e->bn[2][c]), v), _mm256_set1_ps(e->bn[3][c]));
                }
                if (mode == CD_ADD_POS) /* a mask, not a select on the data: v or +0 */
                    v = _mm256_and_ps(v, _mm256_cmp_ps(_mm256_loadu_ps(e->mask + (size_t)c * hw + q), z, _CMP_GT_OQ));
                if (mode == CD_ADD0)
                    v = _mm256_add_ps(z, v);
                else if (mode != CD_SET)
                    v = _mm256_add_ps(_mm256_loadu_ps(d), v);
                _mm256_storeu_ps(d, v);
            }
        }
    from_tile_portable(tile, ld, nch, hw, q8, dst, e);
}
#endif

void cd_to_tile(const float *src, int nch, size_t hw, float *tile, int ld)
{
#if CD_X86
    if (have_avx2()) {
        to_tile_avx2(src, nch, hw, tile, ld);
        return;
    }
#endif
    to_tile_portable(src, nch, hw, 0, tile, ld);
}

void cd_from_tile(const float *tile, int ld, int nch, size_t hw, float *dst, const cd_epi *e)
{
#if CD_X86
    if (have_avx2()) {
        from_tile_avx2(tile, ld, nch, hw, dst, e);
        return;
    }
#endif
    from_tile_portable(tile, ld, nch, hw, 0, dst, e);
}

void cd_gather(const cd_shape *s, const cd_walk *w, int n_img, const float *in, const float *wt,
               float *out)
{
#if CD_X86
    if (have_avx2()) {
        gather_simd(have_avx512(), s, w, n_img, in, wt, out);
        return;
    }
#endif
    gather_portable(s, w, n_img, in, wt, out);
}

void cd_wgrad(const cd_shape *s, const cd_walk *w, int n_img, const float *in, const float *dy,
              float *acc)
{
#if CD_X86
    if (have_avx2()) {
        wgrad_simd(have_avx512(), s, w, n_img, in, dy, acc);
        return;
    }
#endif
    wgrad_portable(s, w, n_img, in, dy, acc);
}
