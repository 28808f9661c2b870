/* nn/cuda/net_cuda.cu - the eval-mode forward pass of the network a space
 * describes (spaces/space.h space_net; NB201's TinyNetwork) on a GPU (see
 * nn/cuda/nn_cuda.h). Built from the description, like nn/net.c, and
 * mirroring it layer by layer:
 *
 *   stem: conv3x3(in_ch -> stem_c) + BN
 *   layers, each a cell or a residual block:
 *     cell: node i = sum over its in-edges of op(node from); ReLU-Conv-BN
 *           edges, avg_pool_3x3 count_include_pad=False, identity; a node
 *           no edge reaches is zero
 *     residual block: ReLU-Conv3x3(s2)-BN, ReLU-Conv3x3-BN, plus the
 *           shortcut AvgPool(2, 2, ceil mode) then Conv1x1 (no BN)
 *   BN, ReLU + global average pool, linear.
 *
 * Parameters are read from the CPU network's block in nn/net.c's planning
 * order (take() calls in plan()): stem conv, stem BN (gamma, beta); per
 * layer: residual ca, ba, cb, bb, cs, or a cell's conv edges in the
 * description's edge order, each conv then its BN; head BN; linear weight
 * (classes, c); bias. The total is checked against nn_net_param_count.
 *
 * Convolution: im2col per image with the input ReLU fused in (col (K, P),
 * K = cin*k*k, P = ho*wo), then one strided-batched SGEMM over images:
 * row-major Y_b (cout, P) = W (cout, K) Col_b (K, P), i.e. column-major
 * Y_b^T (P, cout) = Col_b^T (P, K) W^T (K, cout). */
#define _Noreturn [[noreturn]] /* core/nb.h is C11; nvcc compiles C++ */
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/cuda/nn_cuda.h"
extern "C" {
#include "nn/nn_kernels.h" /* NN_BN_EPS */
}

typedef struct {
    int cin, cout, k, stride, pad, relu_in;
    int h, w;    /* input size */
    size_t wofs; /* weights (cout, cin, k, k) in the parameter block */
} gconv;

typedef struct {
    int c;
    size_t pofs; /* gamma (c) then beta (c) in the parameter block */
    size_t sofs; /* running mean (c) then variance (c) in the statistics block */
} gbn;

typedef struct {
    int red; /* 1: reduction block */
    int c, h, w; /* cell: channels and size; reduction: output */
    int cin, hi, wi; /* reduction input */
    int n_edges;     /* cell: the description's present edges */
    space_net_edge edge[SPACE_NET_EDGES_MAX];
    gconv conv[SPACE_NET_EDGES_MAX]; /* conv edges */
    gbn bn[SPACE_NET_EDGES_MAX];
    gconv ca, cb, cs;
    gbn ba, bb;
} gblock;

struct nn_cuda_net {
    nn_config cfg;
    space_net desc;
    cublasHandle_t blas;
    float *params_d, *stats_d;
    gconv stem;
    gbn stem_bn;
    int n_blocks;
    gblock *blocks;
    gbn head_bn;
    int cl, hl, wl;
    size_t lin_w, lin_b; /* (classes, cl) and (classes) in the parameter block */
    /* activations, each cfg.batch times the largest tensor per image: the
     * cell's nodes (at least 2, for the residual block's in and out), then
     * two scratch tensors; n_buf of them */
    int n_buf;
    float *buf[SPACE_NET_NODES_MAX + 2], *col, *feat, *logits, *x_d;
    size_t act_floats, col_floats;
};

#define CUDA_TRY(call)                                                                         \
    do {                                                                                       \
        cudaError_t e_ = (call);                                                               \
        if (e_ != cudaSuccess) {                                                               \
            st = nb_fail(NB_ETOOL, "cuda: %s failed: %s", #call, cudaGetErrorString(e_));      \
            goto fail;                                                                         \
        }                                                                                      \
    } while (0)
/* The same, returning the status (for functions without cleanup). */
#define CUDA_RET(call)                                                                         \
    do {                                                                                       \
        cudaError_t e_ = (call);                                                               \
        if (e_ != cudaSuccess)                                                                 \
            return nb_fail(NB_ETOOL, "cuda: %s failed: %s", #call, cudaGetErrorString(e_));    \
    } while (0)
#define BLAS_TRY(call)                                                                         \
    do {                                                                                       \
        cublasStatus_t s_ = (call);                                                            \
        if (s_ != CUBLAS_STATUS_SUCCESS) {                                                     \
            st = nb_fail(NB_ETOOL, "cublas: %s failed: status %d", #call, (int)s_);            \
            goto fail;                                                                         \
        }                                                                                      \
    } while (0)

/* ---- kernels (one thread per output element, grid-stride loops) */

#define GRID(n) (unsigned)(((n) + 255) / 256 < 65535 ? ((n) + 255) / 256 : 65535), 256

__global__ void k_im2col(int n, int cin, int h, int w, int k, int stride, int pad, int relu,
                         int ho, int wo, const float *__restrict__ x, float *__restrict__ col)
{
    /* col[b][(ci*k + ky)*k + kx][oy*wo + ox] */
    size_t P = (size_t)ho * wo, K = (size_t)cin * k * k, total = (size_t)n * K * P;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x) {
        size_t p = i % P, kk = (i / P) % K, b = i / (P * K);
        int ox = (int)(p % wo), oy = (int)(p / wo);
        int kx = (int)(kk % k), ky = (int)((kk / k) % k), ci = (int)(kk / ((size_t)k * k));
        int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
        float v = 0.0f;
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
            v = x[(((size_t)b * cin + ci) * h + iy) * w + ix];
            if (relu && v < 0.0f) v = 0.0f;
        }
        col[i] = v;
    }
}

/* y (+)= gamma * (x - mean) / sqrt(var + eps) + beta, per channel. */
__global__ void k_bn_eval(int n, int c, int hw, const float *__restrict__ x,
                          const float *__restrict__ gamma, const float *__restrict__ beta,
                          const float *__restrict__ mean, const float *__restrict__ var,
                          float *__restrict__ y, int acc)
{
    size_t total = (size_t)n * c * hw;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x) {
        int ch = (int)((i / hw) % c);
        float invstd = (float)(1.0 / sqrt((double)var[ch] + NN_BN_EPS));
        float v = gamma[ch] * ((x[i] - mean[ch]) * invstd) + beta[ch];
        y[i] = acc ? y[i] + v : v;
    }
}

__global__ void k_add(size_t total, const float *__restrict__ src, float *__restrict__ dst)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x)
        dst[i] += src[i];
}

/* 3x3, stride 1, pad 1, count_include_pad=False; accumulates into y. */
__global__ void k_avgpool3_acc(int n, int c, int h, int w, const float *__restrict__ x,
                               float *__restrict__ y)
{
    size_t total = (size_t)n * c * h * w;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x) {
        int ox = (int)(i % w), oy = (int)((i / w) % h);
        const float *xp = x + (i / ((size_t)h * w)) * h * w;
        int y0 = oy > 0 ? oy - 1 : 0, y1 = oy + 1 < h ? oy + 1 : h - 1;
        int x0 = ox > 0 ? ox - 1 : 0, x1 = ox + 1 < w ? ox + 1 : w - 1;
        float s = 0.0f;
        for (int iy = y0; iy <= y1; iy++)
            for (int ix = x0; ix <= x1; ix++) s += xp[iy * w + ix];
        y[i] += s / (float)((y1 - y0 + 1) * (x1 - x0 + 1));
    }
}

/* 2x2, stride 2, ceil mode: output ceil(h/2) x ceil(w/2), mean of in-image inputs. */
__global__ void k_avgpool2(int n, int c, int h, int w, const float *__restrict__ x,
                           float *__restrict__ y)
{
    int ho = (h + 1) / 2, wo = (w + 1) / 2;
    size_t total = (size_t)n * c * ho * wo;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x) {
        int ox = (int)(i % wo), oy = (int)((i / wo) % ho);
        const float *xp = x + (i / ((size_t)ho * wo)) * h * w;
        float s = 0.0f;
        int cnt = 0;
        for (int iy = 2 * oy; iy < 2 * oy + 2 && iy < h; iy++)
            for (int ix = 2 * ox; ix < 2 * ox + 2 && ix < w; ix++) s += xp[iy * w + ix], cnt++;
        y[i] = s / (float)cnt;
    }
}

/* feat (n, c) = mean over hw of relu(x). One thread per (image, channel). */
__global__ void k_gap_relu(int n, int c, int hw, const float *__restrict__ x,
                           float *__restrict__ feat)
{
    size_t total = (size_t)n * c;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x) {
        const float *xp = x + i * hw;
        float s = 0.0f;
        for (int j = 0; j < hw; j++) s += xp[j] > 0.0f ? xp[j] : 0.0f;
        feat[i] = s / (float)hw;
    }
}

/* y (n, out) = feat (n, in) W^T + b. */
__global__ void k_linear(int n, int in, int out, const float *__restrict__ feat,
                         const float *__restrict__ wgt, const float *__restrict__ b,
                         float *__restrict__ y)
{
    size_t total = (size_t)n * out;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total;
         i += (size_t)gridDim.x * blockDim.x) {
        int o = (int)(i % out);
        const float *f = feat + (i / out) * in, *wr = wgt + (size_t)o * in;
        float s = 0.0f;
        for (int j = 0; j < in; j++) s += f[j] * wr[j];
        y[i] = s + b[o];
    }
}

/* ---- planning: walks the parameter block in nn/net.c's order */

typedef struct {
    size_t at;  /* parameter floats taken so far */
    size_t sat; /* running-statistics floats taken so far */
    size_t act; /* largest tensor per image (floats): sizes every activation buffer */
    size_t col; /* largest im2col matrix per image (floats) */
} walker;

static void grow(size_t *m, size_t v) { *m = v > *m ? v : *m; }

static gconv conv_of(walker *wk, int cin, int cout, int k, int stride, int relu_in, int h, int w)
{
    gconv c = {cin, cout, k, stride, k / 2, relu_in, h, w, wk->at};
    wk->at += (size_t)cout * cin * k * k;
    size_t ho = (size_t)((h + 2 * c.pad - k) / stride + 1), wo = (size_t)((w + 2 * c.pad - k) / stride + 1);
    grow(&wk->act, (size_t)cin * h * w);
    grow(&wk->act, (size_t)cout * ho * wo);
    grow(&wk->col, (size_t)cin * k * k * ho * wo);
    return c;
}

static gbn bn_of(walker *wk, int c)
{
    gbn b = {c, wk->at, wk->sat};
    wk->at += 2 * (size_t)c;
    wk->sat += 2 * (size_t)c;
    return b;
}

static void plan(nn_cuda_net *g, walker *wk)
{
    const nn_config *cfg = &g->cfg;
    const space_net *d = &g->desc;
    int c = d->stem_c, h = cfg->H, w = cfg->W;
    g->stem = conv_of(wk, cfg->in_ch, c, 3, 1, 0, h, w);
    g->stem_bn = bn_of(wk, c);
    for (int bi = 0; bi < d->n_layers; bi++) {
        if (d->layer[bi].kind == SPACE_NET_RESBLOCK) {
            gblock *r = &g->blocks[bi];
            int co = d->layer[bi].c_out, ho = (h + 1) / 2, wo = (w + 1) / 2;
            r->red = 1;
            r->cin = c, r->hi = h, r->wi = w;
            r->c = co, r->h = ho, r->w = wo;
            r->ca = conv_of(wk, c, co, 3, 2, 1, h, w);
            r->ba = bn_of(wk, co);
            r->cb = conv_of(wk, co, co, 3, 1, 1, ho, wo);
            r->bb = bn_of(wk, co);
            r->cs = conv_of(wk, c, co, 1, 1, 0, ho, wo);
            c = co, h = ho, w = wo;
            continue;
        }
        gblock *b = &g->blocks[bi];
        b->red = 0;
        b->c = c, b->h = h, b->w = w;
        b->n_edges = d->cell.n_edges;
        for (int e = 0; e < d->cell.n_edges; e++) {
            b->edge[e] = d->cell.edge[e];
            if (b->edge[e].op == SPACE_NET_RELU_CONV_BN) {
                b->conv[e] = conv_of(wk, c, c, b->edge[e].k, 1, 1, h, w);
                b->bn[e] = bn_of(wk, c);
            }
        }
    }
    g->cl = c, g->hl = h, g->wl = w;
    g->head_bn = bn_of(wk, c);
    g->lin_w = wk->at;
    wk->at += (size_t)cfg->classes * c;
    g->lin_b = wk->at;
    wk->at += (size_t)cfg->classes;
}

/* The running statistics of a freshly initialised network: mean 0, var 1. */
static void unit_var(const gbn *b, float *stats)
{
    for (int k = 0; k < b->c; k++) stats[b->sofs + b->c + k] = 1.0f;
}

static void set_unit_variances(const nn_cuda_net *g, float *stats)
{
    unit_var(&g->stem_bn, stats);
    for (int i = 0; i < g->n_blocks; i++) {
        const gblock *b = &g->blocks[i];
        if (b->red) {
            unit_var(&b->ba, stats);
            unit_var(&b->bb, stats);
            continue;
        }
        for (int e = 0; e < b->n_edges; e++)
            if (b->edge[e].op == SPACE_NET_RELU_CONV_BN) unit_var(&b->bn[e], stats);
    }
    unit_var(&g->head_bn, stats);
}

/* ---- forward */

static nb_status conv_fwd(nn_cuda_net *g, const gconv *c, int n, const float *x, float *y,
                          int acc)
{
    nb_status st = NB_OK;
    int ho = (c->h + 2 * c->pad - c->k) / c->stride + 1;
    int wo = (c->w + 2 * c->pad - c->k) / c->stride + 1;
    int P = ho * wo, K = c->cin * c->k * c->k;
    const float one = 1.0f, beta = acc ? 1.0f : 0.0f;
    size_t total = (size_t)n * K * P;
    k_im2col<<<GRID(total)>>>(n, c->cin, c->h, c->w, c->k, c->stride, c->pad, c->relu_in, ho, wo,
                              x, g->col);
    CUDA_TRY(cudaGetLastError());
    BLAS_TRY(cublasSgemmStridedBatched(g->blas, CUBLAS_OP_N, CUBLAS_OP_N, P, c->cout, K, &one,
                                       g->col, P, (long long)K * P, g->params_d + c->wofs, K, 0,
                                       &beta, y, P,
                                       (long long)c->cout * P, n));
    return NB_OK;
fail:
    return st;
}

static void bn_fwd(const nn_cuda_net *g, const gbn *b, int n, int hw, const float *x, float *y,
                   int acc)
{
    size_t total = (size_t)n * b->c * hw;
    const float *p = g->params_d + b->pofs, *s = g->stats_d + b->sofs;
    k_bn_eval<<<GRID(total)>>>(n, b->c, hw, x, p, p + b->c, s, s + b->c, y, acc);
}

/* Forward of n images at g->x_d into g->logits (device). */
static nb_status forward_device(nn_cuda_net *g, int n)
{
    nb_status st = NB_OK;
    const nn_config *cfg = &g->cfg;
    const int nodes = g->n_buf - 2, last = g->desc.cell.n_nodes - 1;
    float *node[SPACE_NET_NODES_MAX];
    for (int k = 0; k < nodes; k++) node[k] = g->buf[k];
    float *cur = node[0], *tmp = g->buf[nodes], *aux = g->buf[nodes + 1];
    if ((st = conv_fwd(g, &g->stem, n, g->x_d, tmp, 0)) != NB_OK) return st;
    bn_fwd(g, &g->stem_bn, n, cfg->H * cfg->W, tmp, cur, 0);
    for (int i = 0; i < g->n_blocks; i++) {
        const gblock *b = &g->blocks[i];
        int hw = b->h * b->w;
        size_t sz = (size_t)n * b->c * hw;
        if (b->red) {
            /* out = bn_b(conv_b(relu(bn_a(conv_a(relu(in)))))) + conv_s(pool2(in)) */
            float *out = node[1];
            if ((st = conv_fwd(g, &b->ca, n, cur, tmp, 0)) != NB_OK) return st;
            bn_fwd(g, &b->ba, n, hw, tmp, aux, 0);
            if ((st = conv_fwd(g, &b->cb, n, aux, tmp, 0)) != NB_OK) return st;
            bn_fwd(g, &b->bb, n, hw, tmp, out, 0);
            size_t pt = (size_t)n * b->cin * hw;
            k_avgpool2<<<GRID(pt)>>>(n, b->cin, b->hi, b->wi, cur, aux);
            if ((st = conv_fwd(g, &b->cs, n, aux, out, 1)) != NB_OK) return st;
            node[1] = cur, cur = out, node[0] = cur;
            continue;
        }
        for (int k = 1; k <= last; k++) CUDA_RET(cudaMemsetAsync(node[k], 0, sz * sizeof(float)));
        for (int e = 0; e < b->n_edges; e++) {
            const float *src = node[b->edge[e].from];
            float *dst = node[b->edge[e].to];
            switch (b->edge[e].op) {
            case SPACE_NET_IDENTITY: k_add<<<GRID(sz)>>>(sz, src, dst); break;
            case SPACE_NET_AVG_POOL3: k_avgpool3_acc<<<GRID(sz)>>>(n, b->c, b->h, b->w, src, dst); break;
            default:
                if ((st = conv_fwd(g, &b->conv[e], n, src, tmp, 0)) != NB_OK) return st;
                bn_fwd(g, &b->bn[e], n, hw, tmp, dst, 1);
            }
        }
        /* the output node becomes the next block's node 0; the old node 0 is reused. */
        float *old = node[0];
        cur = node[last];
        node[0] = cur, node[last] = old;
    }
    int hw = g->hl * g->wl;
    bn_fwd(g, &g->head_bn, n, hw, cur, tmp, 0);
    k_gap_relu<<<GRID((size_t)n * g->cl)>>>(n, g->cl, hw, tmp, g->feat);
    k_linear<<<GRID((size_t)n * cfg->classes)>>>(n, g->cl, cfg->classes, g->feat,
                                                 g->params_d + g->lin_w, g->params_d + g->lin_b,
                                                 g->logits);
    CUDA_RET(cudaGetLastError());
    return NB_OK;
}

/* ---- public API */

static char device_name[320];

extern "C" const char *nn_cuda_device_name(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess || n < 1) return NULL;
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, 0) != cudaSuccess) return NULL;
    int rt = 0;
    cudaRuntimeGetVersion(&rt);
    snprintf(device_name, sizeof device_name, "%.200s, CUDA runtime %d.%d, cc %d.%d", p.name,
             rt / 1000, (rt % 1000) / 10, p.major, p.minor);
    return device_name;
}

extern "C" nb_status nn_cuda_net_create(const nn_config *cfg, const space_def *space,
                                        const space_arch *arch, const float *params,
                                        const float *run_stats, nn_cuda_net **out)
{
    *out = NULL;
    nb_status st = nn_config_check(cfg);
    if (st != NB_OK) return st;
    if (!params) return nb_fail(NB_EINVAL, "cuda network: no parameters");
    int ndev = 0;
    if (cudaGetDeviceCount(&ndev) != cudaSuccess || ndev < 1)
        return nb_fail(NB_ETOOL, "cuda network: no CUDA device");
    nn_cuda_net *g = (nn_cuda_net *)nb_xcalloc_array(1, sizeof *g);
    g->cfg = *cfg;
    if ((st = space->network(arch, cfg->C, cfg->N, &g->desc)) != NB_OK) {
        free(g);
        return st;
    }
    for (int i = 0, c = g->desc.stem_c; i < g->desc.n_layers; c = g->desc.layer[i++].c_out)
        if (g->desc.layer[i].kind == SPACE_NET_CELL && g->desc.layer[i].c_out != c) {
            free(g);
            return nb_fail(NB_EINVAL,
                           "cuda network: layer %d is a cell from %d to %d channels; hint: the "
                           "GPU path builds cells that keep their width (NB201), train this "
                           "space on the CPU",
                           i, c, g->desc.layer[i].c_out);
        }
    g->n_blocks = g->desc.n_layers;
    g->blocks = (gblock *)nb_xcalloc_array((size_t)g->n_blocks, sizeof *g->blocks);
    g->n_buf = (g->desc.cell.n_nodes > 2 ? g->desc.cell.n_nodes : 2) + 2;
    size_t np = nn_net_param_count(cfg, space, arch); /* asserts nn/net.c can build it */
    walker wk = {0, 0, 0, 0};
    plan(g, &wk);
    NB_ASSERT(wk.at == np); /* the same layout as nn/net.c */
    const size_t ns = wk.sat;   /* running statistics: mean (c), var (c) per BN */
    float *stats = NULL;
    size_t B = (size_t)cfg->batch, big;
    size_t in_floats = B * (size_t)cfg->in_ch * cfg->H * cfg->W;
    g->act_floats = B * wk.act; /* every conv input and output, hence every node */
    g->col_floats = B * wk.col;
    big = g->act_floats;
    CUDA_TRY(cudaMalloc((void **)&g->params_d, np * sizeof(float)));
    CUDA_TRY(cudaMemcpy(g->params_d, params, np * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_TRY(cudaMalloc((void **)&g->stats_d, ns * sizeof(float)));
    if (!run_stats) {
        /* nn_net_init's values: mean 0, variance 1 (layers of [mean c | var c]). */
        stats = (float *)nb_xcalloc_array(ns, sizeof *stats);
        set_unit_variances(g, stats);
        run_stats = stats;
    }
    CUDA_TRY(cudaMemcpy(g->stats_d, run_stats, ns * sizeof(float), cudaMemcpyHostToDevice));
    free(stats);
    stats = NULL;
    for (int i = 0; i < g->n_buf; i++) CUDA_TRY(cudaMalloc((void **)&g->buf[i], big * sizeof(float)));
    CUDA_TRY(cudaMalloc((void **)&g->col, g->col_floats * sizeof(float)));
    CUDA_TRY(cudaMalloc((void **)&g->x_d, in_floats * sizeof(float)));
    CUDA_TRY(cudaMemset(g->x_d, 0, in_floats * sizeof(float)));
    CUDA_TRY(cudaMalloc((void **)&g->feat, B * (size_t)g->cl * sizeof(float)));
    CUDA_TRY(cudaMalloc((void **)&g->logits, B * (size_t)cfg->classes * sizeof(float)));
    BLAS_TRY(cublasCreate(&g->blas));
    /* Plain FP32 SGEMM: no TF32 tensor-op rounding (it would cost ~1e-3
     * relative accuracy and make the CPU comparison meaningless). */
    BLAS_TRY(cublasSetMathMode(g->blas, CUBLAS_DEFAULT_MATH));
    *out = g;
    return NB_OK;
fail:
    free(stats);
    nn_cuda_net_destroy(g);
    return st;
}

extern "C" void nn_cuda_net_destroy(nn_cuda_net *g)
{
    if (!g) return;
    if (g->blas) cublasDestroy(g->blas);
    cudaFree(g->params_d);
    cudaFree(g->stats_d);
    for (int i = 0; i < g->n_buf; i++) cudaFree(g->buf[i]);
    cudaFree(g->col);
    cudaFree(g->x_d);
    cudaFree(g->feat);
    cudaFree(g->logits);
    free(g->blocks);
    free(g);
}

extern "C" nb_status nn_cuda_net_forward(nn_cuda_net *g, const float *x, int n, float *logits)
{
    NB_ASSERT(n >= 1 && n <= g->cfg.batch);
    size_t in = (size_t)n * g->cfg.in_ch * g->cfg.H * g->cfg.W;
    CUDA_RET(cudaMemcpy(g->x_d, x, in * sizeof(float), cudaMemcpyHostToDevice));
    nb_status st = forward_device(g, n);
    if (st != NB_OK) return st;
    CUDA_RET(cudaMemcpy(logits, g->logits, (size_t)n * g->cfg.classes * sizeof(float),
                        cudaMemcpyDeviceToHost));
    return NB_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

extern "C" nb_status nn_cuda_net_time(nn_cuda_net *g, int n, int reps, double *median_ms)
{
    NB_ASSERT(n >= 1 && n <= g->cfg.batch && reps >= 1);
    nb_status st = NB_OK;
    cudaEvent_t a = NULL, b = NULL;
    double *v = (double *)nb_xcalloc_array((size_t)reps, sizeof *v);
    CUDA_TRY(cudaEventCreate(&a));
    CUDA_TRY(cudaEventCreate(&b));
    for (int i = 0; i < 10; i++)
        if ((st = forward_device(g, n)) != NB_OK) goto fail;
    CUDA_TRY(cudaDeviceSynchronize());
    for (int r = 0; r < reps; r++) {
        CUDA_TRY(cudaEventRecord(a));
        if ((st = forward_device(g, n)) != NB_OK) goto fail;
        CUDA_TRY(cudaEventRecord(b));
        CUDA_TRY(cudaEventSynchronize(b));
        float ms = 0;
        CUDA_TRY(cudaEventElapsedTime(&ms, a, b));
        v[r] = ms;
    }
    qsort(v, (size_t)reps, sizeof *v, cmp_double);
    *median_ms = reps % 2 ? v[reps / 2] : 0.5 * (v[reps / 2 - 1] + v[reps / 2]);
fail:
    if (a) cudaEventDestroy(a);
    if (b) cudaEventDestroy(b);
    free(v);
    return st;
}
