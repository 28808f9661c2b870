/* nn/conv_direct.c - the inner loops of the direct convolution (see
 * nn/conv_direct.h): register tiles vectorised over output channels
 * (AVX-512: 32 x 12 and 16 x 16 positions; AVX2: 16 x 6 and 8 x 12), row
 * tiles for 16 channels or fewer (AVX-512), input staging and the
 * plane/tile transposes with their epilogues; and a portable fmaf() path
 * for each that gives the same bits. (About 660 lines: the AVX-512, AVX2 and
 * portable versions of each tile must be read side by side to see that they
 * sum in the same order, which is what makes the bits equal; split across
 * files they would drift.) */
#include "nn/conv_direct.h"

#include <math.h>
#include <string.h>

#include "core/nb.h"

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
/* The register tiles. Each is written once below as a template over the
 * list of its positions (gather) or (channel, tap) pairs (wgrad), with one
 * named accumulator per lane vector (GCC keeps arrays of vectors in
 * memory), and instantiated for AVX2 (8 lanes) and AVX-512 (16 lanes)
 * through the ISA macros VEC, ZERO, LOADU, STOREU, BCAST, FMA, LANES. */
#define L6(X) X(0) X(1) X(2) X(3) X(4) X(5)
#define L12(X) L6(X) X(6) X(7) X(8) X(9) X(10) X(11)
#define L16(X) L12(X) X(12) X(13) X(14) X(15)

/* per list element p: accumulators a<p>_0 (and a<p>_1 for 2 vectors) */
#define ACC1(p) VEC a##p##_0 = ZERO;
#define ACC2(p) VEC a##p##_0 = ZERO, a##p##_1 = ZERO;
#define FMA1(p, v0, v1, ptr) { const VEC b = BCAST(ptr); a##p##_0 = FMA(v0, b, a##p##_0); }
#define FMA2(p, v0, v1, ptr)                                                                   \
    { const VEC b = BCAST(ptr); a##p##_0 = FMA(v0, b, a##p##_0); a##p##_1 = FMA(v1, b, a##p##_1); }
#define OUT1(p, dst) if (p < nvalid) STOREU((dst) + (size_t)p * ldw, a##p##_0);
#define OUT2(p, dst)                                                                           \
    if (p < nvalid) {                                                                          \
        STOREU((dst) + (size_t)p * ldw, a##p##_0);                                             \
        STOREU((dst) + (size_t)p * ldw + LANES, a##p##_1);                                     \
    }

/* cd_gather's tile: NV vectors of channels x the positions of list L */
#define G_XPTR(p) const float *x##p = in + off[p];
#define G_STEP1(p) FMA1(p, w0, w1, x##p + to)
#define G_STEP2(p) FMA2(p, w0, w1, x##p + to)
#define G_NEXT(p) x##p += plane;
#define G_OUT1(p) OUT1(p, out)
#define G_OUT2(p) OUT2(p, out)
#define GATHER_TILE(NAME, ATTR, L, NV)                                                         \
    ATTR void NAME(const cd_shape *s, const float *in, const size_t *off, const float *wt,     \
                   float *out, int nvalid)                                                     \
    {                                                                                          \
        L(ACC##NV) L(G_XPTR)                                                                   \
        const int nc = s->nc, ntap = s->ntap, ldw = s->ldw;                                    \
        const int *toff = s->toff;                                                             \
        const size_t plane = s->plane;                                                         \
        const float *wc = wt;                                                                  \
        for (int c = 0; c < nc; c++) {                                                         \
            for (int t = 0; t < ntap; t++, wc += ldw) {                                        \
                const size_t to = (size_t)toff[t];                                             \
                const VEC w0 = LOADU(wc), w1 = NV == 2 ? LOADU(wc + LANES) : w0;               \
                (void)w1;                                                                      \
                L(G_STEP##NV)                                                                  \
            }                                                                                  \
            L(G_NEXT)                                                                          \
        }                                                                                      \
        L(G_OUT##NV)                                                                           \
    }

/* cd_wgrad's tile: NV vectors of channels x the (channel, tap) pairs of
 * list L, summed over every position of the group */
#define W_XPTR(j) const float *x##j = xr + base[j];
#define W_STEP1(j) FMA1(j, d0, d1, x##j + xo)
#define W_STEP2(j) FMA2(j, d0, d1, x##j + xo)
#define W_OUT1(j) OUT1(j, acc_out)
#define W_OUT2(j) OUT2(j, acc_out)
#define WGRAD_TILE(NAME, ATTR, L, NV)                                                          \
    ATTR void NAME(const cd_shape *s, const cd_walk *w, int n_img, const float *in,            \
                   const size_t *base, const float *dy, float *acc_out, int nvalid)            \
    {                                                                                          \
        L(ACC##NV)                                                                             \
        const int ldw = s->ldw, ho = w->ho, wo = w->wo;                                        \
        const size_t col = w->col;                                                             \
        const float *dp = dy;                                                                  \
        for (int img = 0; img < n_img; img++)                                                  \
            for (int oy = 0; oy < ho; oy++) {                                                  \
                const float *xr = in + (size_t)img * w->img_stride + (size_t)oy * w->row;      \
                L(W_XPTR)                                                                      \
                for (int ox = 0; ox < wo; ox++, dp += ldw) {                                   \
                    const size_t xo = (size_t)ox * col;                                        \
                    const VEC d0 = LOADU(dp), d1 = NV == 2 ? LOADU(dp + LANES) : d0;           \
                    (void)d1;                                                                  \
                    L(W_STEP##NV)                                                              \
                }                                                                              \
            }                                                                                  \
        L(W_OUT##NV)                                                                           \
    }

/* AVX2: 16 registers; tiles of 16 channels x 6 and 8 x 12 (12 accumulators) */
#define CD_T __attribute__((target("avx2,fma"))) static
#define VEC __m256
#define ZERO _mm256_setzero_ps()
#define LOADU _mm256_loadu_ps
#define STOREU _mm256_storeu_ps
#define BCAST(ptr) _mm256_broadcast_ss(ptr)
#define FMA _mm256_fmadd_ps
#define LANES 8
GATHER_TILE(gather_tile_2_6, CD_T, L6, 2)
GATHER_TILE(gather_tile_1_12, CD_T, L12, 1)
WGRAD_TILE(wgrad_tile_2_6, CD_T, L6, 2)
WGRAD_TILE(wgrad_tile_1_12, CD_T, L12, 1)
#undef VEC
#undef ZERO
#undef LOADU
#undef STOREU
#undef BCAST
#undef FMA
#undef LANES

/* AVX-512: 32 registers; tiles of 32 channels x 12 and 16 x 16 (24 and 16
 * accumulators; the broadcasts fold into the FMAs) */
#define CD_Z __attribute__((target("avx512f,avx2,fma"))) static
#define VEC __m512
#define ZERO _mm512_setzero_ps()
#define LOADU _mm512_loadu_ps
#define STOREU _mm512_storeu_ps
#define BCAST(ptr) _mm512_set1_ps(*(ptr))
#define FMA _mm512_fmadd_ps
#define LANES 16
GATHER_TILE(gather_z_2_12, CD_Z, L12, 2)
GATHER_TILE(gather_z_1_16, CD_Z, L16, 1)
WGRAD_TILE(wgrad_z_2_12, CD_Z, L12, 2)
WGRAD_TILE(wgrad_z_1_16, CD_Z, L16, 1)
#undef VEC
#undef ZERO
#undef LOADU
#undef STOREU
#undef BCAST
#undef FMA
#undef LANES

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

#endif

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
#if CD_X86
    rows_geo g = {ho, wo, (wo + 15) / 16, 0, pw, (size_t)ho * wo};
    g.nsegs = ho * g.nseg;
    if (nout <= 4) {
        for (int sg = 0; sg < g.nsegs; sg += 6) rows_z_4_6(s, &g, 0, nout, sg, in, wt, dst, e);
        return;
    }
    for (int o0 = 0; o0 < nout; o0 += 8)
        for (int sg = 0; sg < g.nsegs; sg += 3) rows_z_8_3(s, &g, o0, nout, sg, in, wt, dst, e);
#else
    (void)s, (void)nout, (void)ho, (void)wo, (void)pw, (void)in, (void)wt, (void)dst, (void)e;
    NB_ASSERT(!"cd_rows without AVX-512: cd_rows_ok said no");
#endif
}

#if CD_X86
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

/* 8 lanes at a time, the row's tail as one masked move (AVX2) */
CD_T void stage_a(const float *src, int c, int h, int w, int relu, float *dst, size_t plane,
                  size_t pw, int pad)
{
    const __m256 z = _mm256_setzero_ps();
    const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(w % 8), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const int w8 = w - w % 8;
    for (int ci = 0; ci < c; ci++)
        for (int iy = 0; iy < h; iy++) {
            float *r = dst + ci * plane + (size_t)(iy + pad) * pw + pad;
            const float *q = src + ((size_t)ci * h + iy) * w;
            for (int x = 0; x < w8; x += 8) {
                __m256 v = _mm256_loadu_ps(q + x);
                if (relu) v = _mm256_max_ps(v, z);
                _mm256_storeu_ps(r + x, v);
            }
            if (w8 < w) {
                __m256 v = _mm256_maskload_ps(q + w8, tail);
                if (relu) v = _mm256_max_ps(v, z);
                _mm256_maskstore_ps(r + w8, tail, v);
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
    if (have_avx2()) {
        stage_a(src, c, h, w, relu, dst, plane, pw, pad);
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
