/* nn/conv2d.c - 2-D convolution, two ways.
 *
 * Direct (use_direct: stride 1, odd k with pad k/2: NB201's cell convs, the
 * stem, the reduction block's second conv and shortcut). No im2col: the
 * input of an image is staged once, ReLU'd, in zero-bordered planes and
 * nn/conv_direct.c sums straight from them, vectorised over output
 * channels (or rows of positions for <= 8 channels), each output one FMA
 * chain over (ci, ky, kx). dx is the same sum over dy with the flipped,
 * transposed weights; dW sums over the positions of a group of images
 * (g = ceil(NN_CONV_DIRECT_COLS / (h*w)), fixed by the shapes) into the
 * group's slot, and the slots are added in group order. The numbers thus
 * depend on neither the thread count, nor the vector width, nor OpenBLAS.
 *
 * im2col + sgemm for the rest (the reduction's 3x3 stride-2 conv, other
 * shapes), several images folded into one GEMM so that late stages (8x8
 * maps) still make wide matrices. The batch is cut into groups of g images,
 * g = ceil(NN_CONV_GROUP_COLS / (ho*wo)), fixed by the shapes alone; a group
 * is one parallel task:
 *   cols (K = cin*k*k, Pg = g*ho*wo)        gathered input (ReLU when relu_in)
 *   Y    (cout, Pg) = W (cout, K) * cols    then scattered to NCHW
 * Backward per group: dYm (cout, Pg) gathered from dy; dWg = dYm * cols^T
 * into the group's own slot; dcols = W^T * dYm; col2im adds dcols into dx
 * (masked by x > 0 when relu_in); the groups' dWg are then summed in group
 * order. Every number is thus computed the same way for any thread count.
 * The 3x3 stride-2 shape gathers and scatters through one zero-bordered
 * padded plane per input plane (im2col_plane, col2im_plane): the same
 * numbers, bit for bit, as the direct gather (im2col, col2im_add) that
 * every other shape takes, at a fraction of its bounds tests and branches. */
#include "nn/nn_kernels.h"

#include <cblas.h>
#include <string.h>

#include "core/nb.h"
#include "nn/conv_direct.h"

int nn_kernels_set_simd(int level) { return cd_set_simd(level); }
int nn_kernels_simd(void) { return cd_simd(); }

int nn_conv_out(int size, int k, int stride, int pad) { return (size + 2 * pad - k) / stride + 1; }

typedef struct {
    const nn_conv_desc *d;
    int n, h, w, ho, wo, g, groups;
    size_t K, HWo;
    const float *x, *wgt, *dy;
    float *y, *dx, *dwgt, *scratch;
    int accumulate;
    const float *const *bn; /* eval BN folded into the direct forward's epilogue, or NULL */
    /* direct path (use_direct): output lanes of the forward / backward-data
     * sums, tap offsets, padded plane width */
    int direct, ldo, ldi, pw, toff[NN_CONV_DIRECT_KMAX * NN_CONV_DIRECT_KMAX];
} conv_job;

/* Stride 1, odd k <= NN_CONV_DIRECT_KMAX with "same" padding: all of NB201's
 * cell convs, the stem, and the reduction block's second conv and
 * shortcut. These take the direct path (nn/conv_direct.c); the rest
 * (the reduction's 3x3 stride-2 conv, and any other shape) im2col + sgemm. */
static int use_direct(const nn_conv_desc *d)
{
    return d->stride == 1 && d->k % 2 == 1 && d->k <= NN_CONV_DIRECT_KMAX && d->pad == d->k / 2;
}

static int round8(int v) { return (v + 7) / 8 * 8; }

static void conv_job_init(conv_job *j, const nn_conv_desc *d, int n, int h, int w)
{
    memset(j, 0, sizeof *j);
    j->d = d, j->n = n, j->h = h, j->w = w;
    j->ho = nn_conv_out(h, d->k, d->stride, d->pad);
    j->wo = nn_conv_out(w, d->k, d->stride, d->pad);
    NB_ASSERT(j->ho > 0 && j->wo > 0);
    j->HWo = (size_t)j->ho * j->wo;
    j->K = (size_t)d->cin * d->k * d->k;
    j->direct = use_direct(d);
    size_t cols = j->direct ? NN_CONV_DIRECT_COLS : NN_CONV_GROUP_COLS;
    j->g = (int)((cols + j->HWo - 1) / j->HWo);
    if (j->direct) {
        j->ldo = round8(d->cout), j->ldi = round8(d->cin), j->pw = w + 2 * d->pad;
        for (int t = 0; t < d->k * d->k; t++) j->toff[t] = (t / d->k) * j->pw + t % d->k;
    }
    if (j->g > n) j->g = n;
    j->groups = (n + j->g - 1) / j->g;
}

/* Padded plane (h + 2 pad) x (w + 2 pad) that im2col_plane/col2im_plane
 * stage one input plane in. */
static size_t plane_floats(const conv_job *j)
{
    return (size_t)(j->h + 2 * j->d->pad) * (size_t)(j->w + 2 * j->d->pad);
}

/* Per group: padded plane, cols (K x Pg), ym/dym (cout x Pg), dcols (K x Pg),
 * dW slot (cout x K) last. */
static size_t group_floats(const conv_job *j)
{
    size_t Pg = (size_t)j->g * j->HWo;
    return plane_floats(j) + (2 * j->K + (size_t)j->d->cout) * Pg + (size_t)j->d->cout * j->K;
}

/* 4-wide helpers through GCC/Clang vector extensions: -O2 does not vectorise
 * these loops by itself, and they dominate im2col/col2im. Lane-wise the
 * same arithmetic as the scalar tails (a mask, not a max: relu(NaN) = 0 and
 * relu(-0) = +0 either way), so results do not depend on the path. */
typedef float v4f __attribute__((vector_size(16)));
typedef int32_t v4i __attribute__((vector_size(16)));

static inline float relu1(float v) { return v > 0.0f ? v : 0.0f; }

/* dst[i] = max(src[i], 0) */
static inline void relu_copy(float *restrict dst, const float *restrict src, int n)
{
    const v4f z = {0, 0, 0, 0};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f v;
        memcpy(&v, src + i, sizeof v);
        v = (v4f)((v4i)v & (v > z));
        memcpy(dst + i, &v, sizeof v);
    }
    for (; i < n; i++) { /* a mask from a set-on-compare, not a branch on the data */
        uint32_t u, m = -(uint32_t)(src[i] > 0.0f);
        memcpy(&u, src + i, sizeof u);
        u &= m;
        memcpy(dst + i, &u, sizeof u);
    }
}

/* dst[i] = src[i] */
static inline void copy_n(float *restrict dst, const float *restrict src, int n)
{
    int i = 0;
    for (; i + 8 <= n; i += 8) memcpy(dst + i, src + i, 8 * sizeof *dst);
    for (; i + 4 <= n; i += 4) memcpy(dst + i, src + i, 4 * sizeof *dst);
    for (; i < n; i++) dst[i] = src[i];
}

/* dst[i] += x[i] > 0 ? g[i] : 0  (mask != 0), or dst[i] += g[i] (mask == 0) */
static void add_masked(float *restrict dst, const float *restrict g, const float *restrict x,
                       int mask, int n)
{
    const v4f z = {0, 0, 0, 0};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f d, v;
        memcpy(&d, dst + i, sizeof d);
        memcpy(&v, g + i, sizeof v);
        if (mask) {
            v4f xv;
            memcpy(&xv, x + i, sizeof xv);
            v = (v4f)((v4i)v & (xv > z));
        }
        d += v;
        memcpy(dst + i, &d, sizeof d);
    }
    for (; i < n; i++) dst[i] += (!mask || x[i] > 0.0f) ? g[i] : 0.0f;
}

/* dst[i] = x[i] > 0 ? sum[i] : dst[i] + 0.0f, through masks (no
 * data-dependent branch) */
static void select_masked(float *restrict dst, const float *restrict sum, const float *restrict x, int n)
{
    const v4f z = {0, 0, 0, 0};
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        v4f d, v, xv;
        memcpy(&d, dst + i, sizeof d);
        memcpy(&v, sum + i, sizeof v);
        memcpy(&xv, x + i, sizeof xv);
        v4i m = xv > z;
        d += z;
        d = (v4f)(((v4i)v & m) | ((v4i)d & ~m));
        memcpy(dst + i, &d, sizeof d);
    }
    for (; i < n; i++) dst[i] = x[i] > 0.0f ? sum[i] : dst[i] + 0.0f;
}

/* Output columns ox in [*lo, *hi) read an in-image input column
 * ix = ox*s - pad + kx; the others read padding. */
static void valid_range(int wo, int w, int s, int pad, int kx, int *lo, int *hi)
{
    int a = pad - kx, l = a > 0 ? (a + s - 1) / s : 0; /* smallest ox with ix >= 0 */
    int h = (w - 1 + pad - kx) / s + 1;                   /* ox with ix <= w-1 */
    if (w - 1 + pad - kx < 0) h = 0;
    if (h > wo) h = wo;
    if (l > h) l = h;
    *lo = l, *hi = h;
}

/* cols[(ci,ky,kx), (b-b0,oy,ox)] = x[b, ci, oy*s - pad + ky, ox*s - pad + kx] or 0 outside
 * (max(x, 0) when relu_in). Bounds are hoisted out of the inner loop. */
static void im2col(const conv_job *j, int b0, int b1, float *cols)
{
    const nn_conv_desc *d = j->d;
    const int k = d->k, s = d->stride, pad = d->pad, h = j->h, w = j->w, ho = j->ho, wo = j->wo;
    const int relu = d->relu_in;
    const size_t P = (size_t)(b1 - b0) * j->HWo, hw = (size_t)h * w;
    for (int ci = 0; ci < d->cin; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                float *row = cols + ((size_t)(ci * k + ky) * k + kx) * P;
                int lo, hi;
                valid_range(wo, w, s, pad, kx, &lo, &hi);
                for (int b = b0; b < b1; b++) {
                    const float *xc = j->x + ((size_t)b * d->cin + ci) * hw;
                    for (int oy = 0; oy < ho; oy++) {
                        int iy = oy * s - pad + ky;
                        float *r = row + ((size_t)(b - b0) * ho + oy) * wo;
                        if (iy < 0 || iy >= h) {
                            memset(r, 0, (size_t)wo * sizeof *r);
                            continue;
                        }
                        const float *xr = xc + (size_t)iy * w; /* ix = ox*s + kx - pad */
                        const int sh = kx - pad;
                        for (int ox = 0; ox < lo; ox++) r[ox] = 0.0f;
                        if (s == 1 && hi > lo && relu)
                            relu_copy(r + lo, xr + lo + sh, hi - lo);
                        else if (s == 1 && hi > lo)
                            memcpy(r + lo, xr + lo + sh, (size_t)(hi - lo) * sizeof *r);
                        else
                            for (int ox = lo; ox < hi; ox++) {
                                float v = xr[ox * s + sh];
                                r[ox] = relu ? relu1(v) : v;
                            }
                        for (int ox = hi; ox < wo; ox++) r[ox] = 0.0f;
                    }
                }
            }
}

/* dx[b, ci, iy, ix] += dcols[...] (times [x > 0] when relu_in), the inverse gather. */
static void col2im_add(const conv_job *j, int b0, int b1, const float *dcols)
{
    const nn_conv_desc *d = j->d;
    const int k = d->k, s = d->stride, pad = d->pad, h = j->h, w = j->w, ho = j->ho, wo = j->wo;
    const int relu = d->relu_in;
    const size_t P = (size_t)(b1 - b0) * j->HWo, hw = (size_t)h * w;
    for (int ci = 0; ci < d->cin; ci++)
        for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++) {
                const float *row = dcols + ((size_t)(ci * k + ky) * k + kx) * P;
                int lo, hi;
                valid_range(wo, w, s, pad, kx, &lo, &hi);
                for (int b = b0; b < b1; b++) {
                    size_t base = ((size_t)b * d->cin + ci) * hw;
                    for (int oy = 0; oy < ho; oy++) {
                        int iy = oy * s - pad + ky;
                        if (iy < 0 || iy >= h) continue;
                        const float *r = row + ((size_t)(b - b0) * ho + oy) * wo;
                        float *dr = j->dx + base + (size_t)iy * w; /* ix = ox*s + kx - pad */
                        const float *xr = j->x + base + (size_t)iy * w;
                        const int sh = kx - pad;
                        if (s == 1 && hi > lo)
                            add_masked(dr + lo + sh, r + lo, xr + lo + sh, relu, hi - lo);
                        else
                            for (int ox = lo; ox < hi; ox++)
                                dr[ox * s + sh] += (!relu || xr[ox * s + sh] > 0.0f) ? r[ox] : 0.0f;
                    }
                }
            }
}

/* The reduction block's 3x3 stride-2 pad-1 conv (the one NB201 shape the
 * direct path does not take) stages one input plane at a time, ReLU'd, in a
 * zero-bordered padded plane, so every cols row is a run of plain loads
 * with no bounds or sign tests. Every input pixel is read by some tap,
 * which the masked write-back of col2im_plane relies on. */
static int use_plane(const nn_conv_desc *d) { return d->k == 3 && d->pad == 1 && d->stride == 2; }

/* Same cols as im2col (element for element). plane: plane_floats floats. */
static void im2col_plane(const conv_job *j, int b0, int b1, float *cols, float *plane)
{
    const nn_conv_desc *d = j->d;
    const int k = d->k, pad = d->pad, st = d->stride, h = j->h, w = j->w, ho = j->ho, wo = j->wo,
              pw = w + 2 * pad;
    const size_t P = (size_t)(b1 - b0) * j->HWo, hw = (size_t)h * w;
    if (pad) memset(plane, 0, plane_floats(j) * sizeof *plane); /* the border stays zero */
    for (int b = b0; b < b1; b++)
        for (int ci = 0; ci < d->cin; ci++) {
            const float *xc = j->x + ((size_t)b * d->cin + ci) * hw;
            float *dst0 = cols + (size_t)ci * k * k * P + (size_t)(b - b0) * j->HWo;
            for (int iy = 0; iy < h; iy++) {
                float *pr = plane + (size_t)(iy + pad) * pw + pad;
                if (d->relu_in)
                    relu_copy(pr, xc + (size_t)iy * w, w);
                else
                    memcpy(pr, xc + (size_t)iy * w, (size_t)w * sizeof *pr);
            }
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    float *r = dst0 + (size_t)(ky * k + kx) * P;
                    const float *src = plane + (size_t)ky * pw + kx;
                    for (int oy = 0; oy < ho; oy++)
                        for (int ox = 0; ox < wo; ox++) r[(size_t)oy * wo + ox] = src[(size_t)oy * st * pw + (size_t)ox * st];
                }
        }
}

/* Same result as col2im_add, bit for bit: each dx element still receives
 * its contributions in (ky, kx) order starting from its old value; the
 * padded plane holds those running sums (border sums are discarded). Where
 * relu_in masks an element the old code added +0.0 for each contribution,
 * i.e. dx + 0.0f, which the write-back reproduces. */
static void col2im_plane(const conv_job *j, int b0, int b1, const float *dcols, float *plane)
{
    const nn_conv_desc *d = j->d;
    const int k = d->k, pad = d->pad, st = d->stride, h = j->h, w = j->w, ho = j->ho, wo = j->wo,
              pw = w + 2 * pad;
    const int relu = d->relu_in;
    const size_t P = (size_t)(b1 - b0) * j->HWo, hw = (size_t)h * w;
    if (pad) memset(plane, 0, plane_floats(j) * sizeof *plane);
    for (int b = b0; b < b1; b++)
        for (int ci = 0; ci < d->cin; ci++) {
            const size_t base = ((size_t)b * d->cin + ci) * hw;
            float *dxc = j->dx + base;
            const float *xc = j->x + base;
            const float *src0 = dcols + (size_t)ci * k * k * P + (size_t)(b - b0) * j->HWo;
            for (int iy = 0; iy < h; iy++)
                memcpy(plane + (size_t)(iy + pad) * pw + pad, dxc + (size_t)iy * w, (size_t)w * sizeof *dxc);
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++) {
                    const float *r = src0 + (size_t)(ky * k + kx) * P;
                    float *dst = plane + (size_t)ky * pw + kx;
                    for (int oy = 0; oy < ho; oy++)
                        for (int ox = 0; ox < wo; ox++) dst[(size_t)oy * st * pw + (size_t)ox * st] += r[(size_t)oy * wo + ox];
                }
            for (int iy = 0; iy < h; iy++) {
                const float *pr = plane + (size_t)(iy + pad) * pw + pad;
                float *dr = dxc + (size_t)iy * w;
                const float *xr = xc + (size_t)iy * w;
                if (!relu)
                    memcpy(dr, pr, (size_t)w * sizeof *dr);
                else
                    select_masked(dr, pr, xr, w);
            }
        }
}

/* ---- direct path. Scratch: the two transposed weight sets, shared (head),
 * then per group: xs (g images' staged, ReLU'd, zero-bordered input
 * planes), dyT (dy of g images, position-major, ldo lanes), dyp (g
 * images' dy in zero-bordered planes), tile (g images' sums,
 * position-major; the tiles of cd_gather run across images) and the
 * group's dW slot (K x ldo, [ci, tap][co]). */
static size_t direct_head(const conv_job *j)
{
    const size_t T = (size_t)j->d->k * j->d->k;
    return j->K * j->ldo + (size_t)j->d->cout * T * j->ldi;
}

static size_t direct_group(const conv_job *j)
{
    const size_t g = (size_t)j->g, pl = plane_floats(j), lmax = j->ldo > j->ldi ? j->ldo : j->ldi;
    return g * j->d->cin * pl + g * j->HWo * j->ldo + g * j->d->cout * pl + g * j->HWo * lmax +
           j->K * j->ldo;
}

size_t nn_conv_scratch(const nn_conv_desc *d, int n, int h, int w)
{
    conv_job j;
    conv_job_init(&j, d, n, h, w);
    if (j.direct) return direct_head(&j) + direct_group(&j) * (size_t)j.groups;
    return group_floats(&j) * (size_t)j.groups;
}

typedef struct {
    float *xs, *dyT, *dyp, *tile, *slot;
} direct_bufs;

static direct_bufs direct_split(const conv_job *j, int t)
{
    direct_bufs b;
    const size_t pl = plane_floats(j), lmax = j->ldo > j->ldi ? j->ldo : j->ldi;
    b.xs = j->scratch + direct_head(j) + direct_group(j) * (size_t)t;
    b.dyT = b.xs + (size_t)j->g * j->d->cin * pl;
    b.dyp = b.dyT + (size_t)j->g * j->HWo * j->ldo;
    b.tile = b.dyp + (size_t)j->g * j->d->cout * pl;
    b.slot = b.tile + (size_t)j->g * j->HWo * lmax;
    return b;
}

/* planes (c of h x w, ReLU'd when relu) into zero-bordered planes; the
 * border must already be zero */
static void stage_planes(const conv_job *j, const float *src, int c, int relu, float *dst)
{
    cd_stage(src, c, j->h, j->w, relu, dst, plane_floats(j), (size_t)j->pw, j->d->pad);
}

static cd_shape direct_shape(const conv_job *j, int nc, int ldw)
{
    cd_shape s = {nc, j->d->k * j->d->k, j->toff, plane_floats(j), ldw};
    return s;
}

static cd_walk direct_walk(const conv_job *j)
{
    cd_walk w = {j->ho, j->wo, (size_t)j->pw, 1, (size_t)j->d->cin * plane_floats(j)};
    return w;
}

static void direct_forward_group(void *p, int t)
{
    const conv_job *j = p;
    const int cout = j->d->cout, cin = j->d->cin, b0 = t * j->g, b1 = b0 + j->g < j->n ? b0 + j->g : j->n;
    const size_t HW = j->HWo;
    direct_bufs bf = direct_split(j, t);
    const cd_shape s = direct_shape(j, cin, j->ldo);
    const cd_walk w = direct_walk(j);
    const int rows = cd_rows_ok(&s, j->wo);
    const cd_epi e = {j->accumulate == NN_ADD ? CD_ADD : j->accumulate == NN_ADD0 ? CD_ADD0 : CD_SET, NULL, j->bn};
    const size_t pl = plane_floats(j), chw = (size_t)cin * j->h * j->w;
    if (rows) { /* one image at a time, straight into y */
        memset(bf.xs, 0, (size_t)cin * pl * sizeof *bf.xs);
        for (int b = b0; b < b1; b++) {
            stage_planes(j, j->x + (size_t)b * chw, cin, j->d->relu_in, bf.xs);
            cd_rows(&s, cout, j->ho, j->wo, (size_t)j->pw, bf.xs, j->scratch,
                    j->y + (size_t)b * cout * HW, &e);
        }
        return;
    }
    memset(bf.xs, 0, (size_t)(b1 - b0) * cin * pl * sizeof *bf.xs);
    for (int b = b0; b < b1; b++)
        stage_planes(j, j->x + (size_t)b * chw, cin, j->d->relu_in, bf.xs + (size_t)(b - b0) * cin * pl);
    cd_gather(&s, &w, b1 - b0, bf.xs, j->scratch, bf.tile);
    for (int b = b0; b < b1; b++)
        cd_from_tile(bf.tile + (size_t)(b - b0) * HW * j->ldo, j->ldo, cout, HW,
                     j->y + (size_t)b * cout * HW, &e);
}

static void direct_backward_group(void *p, int t)
{
    const conv_job *j = p;
    const int cout = j->d->cout, cin = j->d->cin, b0 = t * j->g, b1 = b0 + j->g < j->n ? b0 + j->g : j->n;
    const size_t HW = j->HWo, pl = plane_floats(j), chw = (size_t)cin * HW;
    direct_bufs bf = direct_split(j, t);
    cd_walk w = direct_walk(j);
    /* dW of the group's images */
    memset(bf.xs, 0, (size_t)(b1 - b0) * cin * pl * sizeof *bf.xs);
    for (int b = b0; b < b1; b++)
        stage_planes(j, j->x + (size_t)b * chw, cin, j->d->relu_in, bf.xs + (size_t)(b - b0) * cin * pl);
    for (int b = b0; b < b1; b++)
        cd_to_tile(j->dy + (size_t)b * cout * HW, cout, HW, bf.dyT + (size_t)(b - b0) * HW * j->ldo, j->ldo);
    const cd_shape sw = direct_shape(j, cin, j->ldo);
    cd_wgrad(&sw, &w, b1 - b0, bf.xs, bf.dyT, bf.slot);
    if (!j->dx) return;
    /* dx: the same sums as the forward pass over dy with the flipped,
     * transposed weights (second half of the head) */
    const cd_shape sd = direct_shape(j, cout, j->ldi);
    const float *wb = j->scratch + j->K * j->ldo;
    const int rows = cd_rows_ok(&sd, j->wo);
    const cd_epi e = {j->d->relu_in ? CD_ADD_POS : CD_ADD, NULL, NULL};
    const size_t cpl = (size_t)cout * pl;
    if (rows) { /* one image at a time, straight into dx */
        memset(bf.dyp, 0, cpl * sizeof *bf.dyp);
        for (int b = b0; b < b1; b++) {
            stage_planes(j, j->dy + (size_t)b * cout * HW, cout, 0, bf.dyp);
            cd_epi eb = e;
            eb.mask = j->x + (size_t)b * chw;
            cd_rows(&sd, cin, j->ho, j->wo, (size_t)j->pw, bf.dyp, wb, j->dx + (size_t)b * chw, &eb);
        }
        return;
    }
    memset(bf.dyp, 0, (size_t)(b1 - b0) * cpl * sizeof *bf.dyp);
    for (int b = b0; b < b1; b++)
        stage_planes(j, j->dy + (size_t)b * cout * HW, cout, 0, bf.dyp + (size_t)(b - b0) * cpl);
    w.img_stride = cpl;
    cd_gather(&sd, &w, b1 - b0, bf.dyp, wb, bf.tile);
    for (int b = b0; b < b1; b++) {
        cd_epi eb = e;
        eb.mask = j->x + (size_t)b * chw;
        cd_from_tile(bf.tile + (size_t)(b - b0) * HW * j->ldi, j->ldi, cin, HW, j->dx + (size_t)b * chw, &eb);
    }
}

/* Head of the scratch: for the forward sums wf[(ci, tap) * ldo + co] =
 * W[co, ci, tap]; for dx wb[(co, tap) * ldi + ci] = W[co, ci, k*k-1-tap]
 * (flipped). */
static void direct_weights(const conv_job *j, int backward)
{
    const int cout = j->d->cout, cin = j->d->cin, T = j->d->k * j->d->k;
    float *wf = j->scratch, *wb = wf + j->K * j->ldo;
    if (!backward) {
        memset(wf, 0, j->K * j->ldo * sizeof *wf);
        for (int co = 0; co < cout; co++)
            for (size_t ct = 0; ct < j->K; ct++) wf[ct * j->ldo + co] = j->wgt[co * j->K + ct];
        return;
    }
    memset(wb, 0, (size_t)cout * T * j->ldi * sizeof *wb);
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++)
            for (int t = 0; t < T; t++)
                wb[((size_t)co * T + t) * j->ldi + ci] = j->wgt[co * j->K + (size_t)ci * T + (T - 1 - t)];
}

static void forward_group(void *p, int t)
{
    const conv_job *j = p;
    const int cout = j->d->cout, b0 = t * j->g, b1 = b0 + j->g < j->n ? b0 + j->g : j->n;
    const size_t P = (size_t)(b1 - b0) * j->HWo;
    float *plane = j->scratch + group_floats(j) * (size_t)t, *cols = plane + plane_floats(j),
          *ym = cols + j->K * P;
    if (use_plane(j->d))
        im2col_plane(j, b0, b1, cols, plane);
    else
        im2col(j, b0, b1, cols);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, (int)P, (int)j->K, 1.0f, j->wgt,
                (int)j->K, cols, (int)P, 0.0f, ym, (int)P);
    for (int b = b0; b < b1; b++)
        for (int co = 0; co < cout; co++) {
            const float *src = ym + (size_t)co * P + (size_t)(b - b0) * j->HWo;
            float *dst = j->y + ((size_t)b * cout + co) * j->HWo;
            if (j->accumulate)
                for (size_t q = 0; q < j->HWo; q++) dst[q] += src[q];
            else
                copy_n(dst, src, (int)j->HWo);
        }
}

/* The forward pass of a prepared job (bn: direct path only). */
static void forward_job(conv_job *j, const float *x, const float *wgt, float *y, int accumulate,
                        float *scratch, const float *const *bn)
{
    j->x = x, j->wgt = wgt, j->y = y, j->accumulate = accumulate, j->scratch = scratch, j->bn = bn;
    if (j->direct) {
        direct_weights(j, 0);
        nn_parallel_for(j->groups, direct_forward_group, j);
        return;
    }
    NB_ASSERT(accumulate != NN_ADD0 && !bn);
    nn_parallel_for(j->groups, forward_group, j);
}

void nn_conv2d_forward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                       const float *wgt, float *y, int accumulate, float *scratch)
{
    conv_job j;
    conv_job_init(&j, d, n, h, w);
    forward_job(&j, x, wgt, y, accumulate, scratch, NULL);
}

int nn_conv2d_forward_bn(const nn_conv_desc *d, int n, int h, int w, const float *x,
                         const float *wgt, const float *const bn[4], float *y, int accumulate,
                         float *scratch)
{
    conv_job j;
    conv_job_init(&j, d, n, h, w);
    if (!j.direct) return 0;
    forward_job(&j, x, wgt, y, accumulate, scratch, bn);
    return 1;
}

static void backward_group(void *p, int t)
{
    const conv_job *j = p;
    const int cout = j->d->cout, b0 = t * j->g, b1 = b0 + j->g < j->n ? b0 + j->g : j->n;
    const size_t P = (size_t)(b1 - b0) * j->HWo, Pg = (size_t)j->g * j->HWo;
    float *plane = j->scratch + group_floats(j) * (size_t)t, *cols = plane + plane_floats(j),
          *dym = cols + j->K * Pg,
          *dcols = dym + (size_t)cout * Pg, *dwg = dcols + j->K * Pg;
    for (int b = b0; b < b1; b++)
        for (int co = 0; co < cout; co++)
            copy_n(dym + (size_t)co * P + (size_t)(b - b0) * j->HWo,
                   j->dy + ((size_t)b * cout + co) * j->HWo, (int)j->HWo);
    if (use_plane(j->d))
        im2col_plane(j, b0, b1, cols, plane);
    else
        im2col(j, b0, b1, cols);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, (int)j->K, (int)P, 1.0f, dym,
                (int)P, cols, (int)P, 0.0f, dwg, (int)j->K);
    if (!j->dx) return;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)j->K, (int)P, cout, 1.0f, j->wgt,
                (int)j->K, dym, (int)P, 0.0f, dcols, (int)P);
    if (use_plane(j->d))
        col2im_plane(j, b0, b1, dcols, plane);
    else
        col2im_add(j, b0, b1, dcols);
}

void nn_conv2d_backward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                        const float *wgt, const float *dy, float *dx, float *dwgt,
                        float *scratch)
{
    conv_job j;
    conv_job_init(&j, d, n, h, w);
    j.x = x, j.wgt = wgt, j.dy = dy, j.dx = dx, j.dwgt = dwgt, j.scratch = scratch;
    if (j.direct) {
        if (dx) direct_weights(&j, 1);
        nn_parallel_for(j.groups, direct_backward_group, &j);
        /* dW += the groups' slots, in group order */
        for (int t = 0; t < j.groups; t++) {
            const float *slot = direct_split(&j, t).slot;
            for (int co = 0; co < d->cout; co++)
                for (size_t ct = 0; ct < j.K; ct++) dwgt[co * j.K + ct] += slot[ct * j.ldo + co];
        }
        return;
    }
    nn_parallel_for(j.groups, backward_group, &j);
    /* dW += sum over groups, in group order */
    const size_t nw = (size_t)d->cout * j.K, stride = group_floats(&j),
                 off = stride - nw; /* the dW slot ends each group's region */
    for (int t = 0; t < j.groups; t++) {
        const float *dwg = scratch + stride * (size_t)t + off;
        for (size_t i = 0; i < nw; i++) dwgt[i] += dwg[i];
    }
}
