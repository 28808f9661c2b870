/* nn/conv_direct.h - private to nn/conv2d.c: the two inner loops of the
 * direct (im2col-free) convolution, vectorised over output channels.
 *
 * A "staged" input is a set of zero-bordered planes, one per channel c,
 * `plane` floats apart; position p of the output reads, for tap t, the float
 * in[c * plane + off(p) + toff[t]]. Weights are transposed so that the
 * channels a tap feeds are contiguous: wt[(c * ntap + t) * ldw + o], o <
 * ldw, ldw a multiple of 8 (lanes past the real count are zero).
 *
 * Every output is one fused multiply-add chain in a fixed order, started
 * from 0: over (c, t) for cd_gather, over the positions p for cd_wgrad.
 * The AVX2 path computes 8 such chains per instruction and the portable
 * path one at a time with fmaf(); both give the same bits, so results do
 * not depend on the CPU, the vector width or the thread count. */
#ifndef NN_CONV_DIRECT_H
#define NN_CONV_DIRECT_H

#include <stddef.h>

typedef struct {
    int nc, ntap;     /* channels and taps summed over */
    const int *toff;  /* tap offsets within a plane (ntap) */
    size_t plane;     /* floats per staged plane */
    int ldw;          /* output lanes, a multiple of 8 */
} cd_shape;

/* Output positions: p = 0 .. np-1 walks an ho x wo map row by row;
 * off(p) = img * img_stride + oy * row + ox * col. */
typedef struct {
    int ho, wo;
    size_t row, col, img_stride;
} cd_walk;

/* out[p * ldw + o] = sum_{c, t} wt[(c * ntap + t) * ldw + o] * in[c * plane + off(p) + toff[t]]
 * for p < n_img * ho * wo (tiles run across images), all o < ldw. */
void cd_gather(const cd_shape *s, const cd_walk *w, int n_img, const float *in, const float *wt,
               float *out);

/* acc[(c * ntap + t) * ldw + o] = sum over p < n_img * ho * wo of
 * dy[p * ldw + o] * in[c * plane + off(p) + toff[t]]  (overwrites acc). */
void cd_wgrad(const cd_shape *s, const cd_walk *w, int n_img, const float *in, const float *dy,
              float *acc);

/* What happens to a sum v of channel c at position q on its way out
 * (dst[c * hw + q]): with bn, v = bn[2][c] * ((v - bn[0][c]) * bn[1][c]) +
 * bn[3][c] (eval batch norm: mean, invstd, gamma, beta; the ops and order
 * of nn_bn_forward_eval); then by mode dst = v (CD_SET), dst += v (CD_ADD),
 * dst = +0 + v (CD_ADD0), dst += mask > 0 ? v : 0 (CD_ADD_POS, mask
 * [c * hw + q]). */
enum { CD_SET, CD_ADD, CD_ADD_POS, CD_ADD0 };
typedef struct {
    int mode;
    const float *mask;
    const float *const *bn; /* NULL or {mean, invstd, gamma, beta} */
} cd_epi;

/* Between planes (nch planes of hw floats, NCHW) and position-major tiles
 * (hw rows of ld floats, ld >= nch, a multiple of 8):
 * cd_to_tile: tile[q * ld + c] = src[c * hw + q], lanes nch..ld-1 zeroed;
 * cd_from_tile: dst[c * hw + q] <- tile[q * ld + c] through e. */
void cd_to_tile(const float *src, int nch, size_t hw, float *tile, int ld);
void cd_from_tile(const float *tile, int ld, int nch, size_t hw, float *dst, const cd_epi *e);

/* Few output lanes (ldw 8 or 16) on maps >= 8 wide, with AVX-512: cd_rows
 * computes cd_gather's sums (same bits) a row at a time for one image
 * (walk of stride 1, rows pw apart) and applies the epilogue e
 * itself: dst holds nout planes of ho x wo. cd_rows_ok says whether it
 * applies; otherwise use cd_gather + cd_from_tile. */
int cd_rows_ok(const cd_shape *s, int wo);
void cd_rows(const cd_shape *s, int nout, int ho, int wo, size_t pw, const float *in,
             const float *wt, float *dst, const cd_epi *e);

/* c planes of h x w (src) into the interiors of zero-bordered planes
 * (plane floats apart, rows pw apart, border pad), max(v, +0) when relu. */
void cd_stage(const float *src, int c, int h, int w, int relu, float *dst, size_t plane, size_t pw,
              int pad);

/* See nn_kernels_set_simd. */
int cd_set_simd(int level);
int cd_simd(void);

#endif
