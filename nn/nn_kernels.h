/* nn/nn_kernels.h - the op layer under nn/nn.h: forward and backward
 * kernels on NCHW float tensors, and the plain reference kernels they are
 * tested against. Used by nn/net.c and tests/test_nn.c; applications use nn.h.
 *
 * Conventions: shapes are explicit ints (n, c, h, w); no kernel allocates;
 * where a kernel needs scratch it says how many floats (nn_conv_scratch).
 * "accumulate" outputs add into the destination (dst += ...), others
 * overwrite it. Where the forward kernels take an accumulate flag, the
 * value NN_ADD0 writes dst = +0.0f + v: bit for bit what adding into a
 * zeroed buffer gives (-0 becomes +0), without zeroing it first.
 *
 *     nn_conv_desc d = {.cin = 16, .cout = 16, .k = 3, .stride = 1, .pad = 1, .relu_in = 1};
 *     float *scr = nb_xcalloc_array(nn_conv_scratch(&d, n, h, w), sizeof(float));
 *     nn_conv2d_forward(&d, n, h, w, x, wgt, y, 0, scr);
 */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* The accumulate argument of the forward kernels (see the conventions above). */
enum { NN_SET = 0, NN_ADD = 1, NN_ADD0 = 2 };

/* ---- threads: the kernels split work into tasks with boundaries fixed
 * independently of the thread count, so results are bitwise identical for
 * any count. OpenBLAS itself is kept at one thread (its threaded sgemm
 * changes result bits). Process-wide setting; default 1. */
void nn_kernels_set_threads(int n);
int nn_kernels_threads(void);
/* Runs fn(ctx, t) for t in 0..n_tasks-1 on up to nn_kernels_threads()
 * threads; returns when all are done. Tasks must write disjoint memory. */
void nn_parallel_for(int n_tasks, void (*fn)(void *ctx, int task), void *ctx);

/* ---- 2-D convolution, no bias, square kernel, optional ReLU on the input
 * (NB201's ReLUConvBN: the conv reads max(x, 0); the backward pass then
 * masks dx by x > 0). Output size ho = (h + 2 pad - k) / stride + 1. */
typedef struct {
    int cin, cout;  /* channels in and out */
    int k;          /* kernel size: 1 or 3 (any odd or even k works) */
    int stride;     /* 1 or 2 */
    int pad;        /* zero padding on each side */
    int relu_in;    /* 1: convolve relu(x) */
} nn_conv_desc;

int nn_conv_out(int size, int k, int stride, int pad);
/* The widest vector path the direct convolution may take: 0 portable C
 * (fmaf), 1 AVX2+FMA, 2 AVX-512 (default); the CPU's own limit applies.
 * Every level gives the same bits (tests check). Returns the level now in
 * effect; nn_kernels_simd() reports it. Not thread-safe: set it before
 * training. */
int nn_kernels_set_simd(int level);
int nn_kernels_simd(void);
/* Floats of scratch nn_conv2d_forward/backward need for n images h x w. */
size_t nn_conv_scratch(const nn_conv_desc *d, int n, int h, int w);
/* y (n, cout, ho, wo) = conv(x (n, cin, h, w), wgt (cout, cin, k, k)).
 * Stride 1 with odd k <= NN_CONV_DIRECT_KMAX and pad k/2 (NB201's cell
 * convs): direct convolution, vectorised over output channels, each output
 * one fused multiply-add chain in a fixed order (same bits on any x86-64 or
 * other CPU, any thread count), groups of NN_CONV_DIRECT_COLS output pixels
 * or more. Other shapes: im2col + sgemm per group of images
 * (NN_CONV_GROUP_COLS pixels or more). The groups are the parallel tasks. */
#define NN_CONV_GROUP_COLS 2048
#define NN_CONV_DIRECT_COLS 512
#define NN_CONV_DIRECT_KMAX 7
/* accumulate: NN_SET, NN_ADD, or NN_ADD0 (direct-path shapes only) */
void nn_conv2d_forward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                       const float *wgt, float *y, int accumulate, float *scratch);
/* Eval-mode conv + batch norm in one pass, where the conv takes the direct
 * path: y (accumulate: NN_SET, NN_ADD or NN_ADD0) receives bn applied to
 * the conv output, bn = {mean, invstd, gamma, beta} per output channel,
 * with the ops of nn_bn_forward_eval (same bits as the two calls).
 * Returns 0, doing nothing, for shapes the direct path does not take. */
int nn_conv2d_forward_bn(const nn_conv_desc *d, int n, int h, int w, const float *x,
                         const float *wgt, const float *const bn[4], float *y, int accumulate,
                         float *scratch);
/* dwgt += dL/dwgt; dx += dL/dx when dx != NULL (accumulates). */
void nn_conv2d_backward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                        const float *wgt, const float *dy, float *dx, float *dwgt,
                        float *scratch);
/* Plain loops, double accumulators; same contract, no scratch. */
void nn_ref_conv2d_forward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                           const float *wgt, float *y, int accumulate);
void nn_ref_conv2d_backward(const nn_conv_desc *d, int n, int h, int w, const float *x,
                            const float *wgt, const float *dy, float *dx, float *dwgt);

/* ---- batch norm over (n, h, w) per channel, affine, eps 1e-5.
 * Train: mean and biased variance of the batch normalise; the running
 * statistics move by momentum m: r = (1-m) r + m * stat, with the unbiased
 * variance (PyTorch). xhat (may alias x; NULL in eval: not kept) receives
 * the normalised input,
 * y = gamma * xhat + beta (accumulate adds), mean/invstd (c) are kept for
 * the backward pass. Eval: running statistics instead, nothing updated. */
#define NN_BN_EPS 1e-5
#define NN_BN_MOMENTUM 0.1
void nn_bn_forward_train(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                         const float *beta, float *y, int accumulate, float *mean,
                         float *invstd, float *run_mean, float *run_var);
void nn_bn_forward_eval(int n, int c, int hw, const float *x, float *xhat, const float *gamma,
                        const float *beta, float *y, int accumulate, const float *run_mean,
                        const float *run_var);
/* dx (overwritten) from dy and the saved xhat, invstd; dgamma, dbeta accumulate:
 * dx = invstd/M * (M dxhat - sum dxhat - xhat sum(dxhat xhat)), dxhat = gamma dy,
 * M = n*hw. */
void nn_bn_backward(int n, int c, int hw, const float *xhat, const float *gamma,
                    const float *invstd, const float *dy, float *dx, float *dgamma, float *dbeta);

/* ---- average pooling. pool3: 3x3, stride 1, pad 1, count_include_pad=False
 * (each output divides by its number of in-image inputs: 4 at a corner, 6 on
 * an edge, 9 inside). pool2: 2x2, stride 2, ceil mode: output
 * ceil(h/2) x ceil(w/2), each divides by its in-image inputs. */
void nn_avgpool3_forward(int n, int c, int h, int w, const float *x, float *y, int accumulate);
void nn_avgpool3_backward(int n, int c, int h, int w, const float *dy, float *dx); /* dx += */
void nn_avgpool2_forward(int n, int c, int h, int w, const float *x, float *y);
void nn_avgpool2_backward(int n, int c, int h, int w, const float *dy, float *dx); /* dx += */

/* ---- global average pool of relu(x) (NB201's lastact ReLU fused in):
 * y (n, c) = mean over hw of max(x, 0); backward dx (overwritten) =
 * dy / hw where x > 0. */
void nn_gap_relu_forward(int n, int c, int hw, const float *x, float *y);
void nn_gap_relu_backward(int n, int c, int hw, const float *x, const float *dy, float *dx);

/* ---- linear: y (n, out) = x (n, in) W^T + b, W (out, in), b (out).
 * Backward: dW, db accumulate; dx (overwritten) when not NULL. */
void nn_linear_forward(int n, int in, int out, const float *x, const float *wgt, const float *b,
                       float *y);
void nn_linear_backward(int n, int in, int out, const float *x, const float *wgt,
                        const float *dy, float *dx, float *dwgt, float *db);

/* ---- softmax cross-entropy, mean over the batch. Returns the mean loss;
 * *correct += top-1 hits (ties: lowest class) when not NULL; dlogits
 * (n, classes) = (softmax - onehot) / n when not NULL. */
double nn_softmax_xent(int n, int classes, const float *logits, const int32_t *y,
                       float *dlogits, int *correct);

#endif
