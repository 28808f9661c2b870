/* nn/supernet.c - the weight-sharing supernet of the NB201 cell space
 * (public API and modes in nn/nn.h, section "supernet"; design notes in
 * nn/SUPERNET.md).
 *
 * Batch norm. NB201's search code builds its search cells with affine=False
 * (xautodl models/cell_searchs/search_cells.py NAS201SearchCell, and every
 * NB201 algorithm script: DARTS-V1/V2, GDAS, SETN, RANDOM-NAS, ENAS pass
 * 'affine': False, 'track_running_stats': bool(xargs.track_running_stats)),
 * as DARTS's MixedOp does (ReLUConvBN(affine=False)): with shared weights a
 * per-op gamma would scale with the op's weight in the mix, and the
 * mixing weights are the only scales the search should learn. So the cell's
 * ReLU-Conv-BN ops here have no gamma or beta; training uses the batch
 * statistics; in eval the running statistics are used when
 * track_running_stats is 1 and the batch statistics again when it is 0
 * (PyTorch's track_running_stats=False), which is what a sub-network
 * evaluated with inherited weights needs, as running statistics gathered
 * over many sampled paths fit none of them. The stem, reduction and head
 * BNs are affine with running statistics, as xautodl builds them.
 *
 * Implementation: every BN of a cell op calls the affine kernels of
 * nn/nn_kernels.h with beta 0 and a gamma vector filled with the op's
 * weight w (1 in path mode): y = w * xhat, and the backward's dgamma summed
 * over channels is d loss / d w. Path mode calls the same kernels in the
 * same order with the same accumulate modes as nn/net.c, so a supernet in
 * path mode computes bit for bit what nn_net computes for that cell with
 * cell BN gamma 1 and beta 0 (tests/test_supernet.c). The skeleton's
 * wiring (stem, reduction block, head) mirrors nn/net.c for that reason.
 *
 * Memory, per cell (B batch, c channels, h x w image, X = B c h w floats):
 * 3 node buffers and 3 node gradients; per edge one conv-output/xhat buffer
 * for the 1x1 and one for the 3x3 conv, 12 in all, and one pooling output
 * (mixed and hard modes keep it for the arch gradient's dot product instead
 * of recomputing it in the backward: about 8% of a mixed step), 6 in all;
 * so 24 X per cell against nn_net's 3 + 3 + (number of conv edges). Skip's
 * output is its input. Plus scratch shared by all cells: 2 buffers of the
 * largest activation (scaled gradients, reduction shortcut) and conv scratch.
 * (Over 600 lines: planning, the passes in three modes and the loader share
 * the private layout structs below, as in nn/net.c. GDAS's sampling and
 * straight-through chain, which need none of them, are nn/supernet_gdas.c.) */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_kernels.h"

#define N_E SPACE_NB201_EDGES
#define N_O SPACE_NB201_OPS
#define N_AW (N_E * N_O)

typedef struct {
    nn_conv_desc d;
    int h, w;    /* input size */
    size_t wofs; /* weights (cout, cin, k, k) in params */
} conv_l;

typedef struct {
    int c;
    size_t pofs; /* gamma (c) then beta (c) in params; affine BNs only */
    size_t sofs; /* run_mean, run_var, batch mean, batch invstd (c each) in state */
} bn_l;

typedef struct {
    int from, to;
    conv_l conv[2]; /* nor_conv_1x1, nor_conv_3x3 */
    bn_l bn[2];     /* non-affine: state only */
    size_t buf[2];  /* conv output, then xhat (act) */
    size_t pool;    /* avg_pool_3x3 output of mixed and hard modes, kept for the backward (act) */
} edge_l;

enum { BLK_CELL, BLK_RED };
typedef struct {
    int kind;
    int c, h, w;
    size_t node[SPACE_NB201_NODES], gnode[SPACE_NB201_NODES];
    edge_l e[N_E];
    /* reduction block, as nn/net.c */
    int cin, hi, wi;
    size_t in, gin, out, gout;
    conv_l ca, cb, cs;
    bn_l ba, bb;
    size_t xa, a, ga, xb, pool;
} block_l;

struct nn_super {
    nn_super_config cfg;
    size_t n_params, n_state, n_act, n_gact, n_conv_scratch, n_gs;
    int cmax;
    conv_l stem;
    bn_l stem_bn;
    size_t stem_xh;
    int n_blocks;
    block_l *blocks;
    int cl, hl, wl;
    size_t last, glast;
    bn_l head_bn;
    size_t head_xh, head_y, feat, gfeat, lin_w, lin_b, logits, dlogits;
    float *params, *grads, *state, *act, *gact, *conv_scratch, *gs1, *gs2;
    float *gvec, *zeros, *sink; /* cmax: gamma = w; cmax: beta 0; 4 cmax: discarded outputs */
    /* edge weights */
    nn_super_mode mode;
    space_arch arch;
    float alpha[N_AW], w[N_AW], dw[N_AW];
    /* last forward */
    const float *x;
    int n, train;
};

/* ---- planning (the parameter order is nn_net's, with each cell edge
 * holding its 1x1 then its 3x3 conv and no cell BN parameters) */

static size_t take(size_t *counter, size_t n)
{
    size_t at = *counter;
    NB_ASSERT(*counter + n >= *counter);
    *counter += n;
    return at;
}

static size_t act_of(nn_super *s, int c, int h, int w)
{
    size_t n = (size_t)s->cfg.net.batch * c * h * w;
    if (n > s->n_gs) s->n_gs = n;
    return take(&s->n_act, n);
}

static size_t gact_of(nn_super *s, int c, int h, int w)
{
    return take(&s->n_gact, (size_t)s->cfg.net.batch * c * h * w);
}

static conv_l conv_of(nn_super *s, int cin, int cout, int k, int stride, int relu_in, int h, int w)
{
    conv_l c = {{cin, cout, k, stride, k / 2, relu_in}, h, w, 0};
    c.wofs = take(&s->n_params, (size_t)cout * cin * k * k);
    size_t sc = nn_conv_scratch(&c.d, s->cfg.net.batch, h, w);
    if (sc > s->n_conv_scratch) s->n_conv_scratch = sc;
    return c;
}

static bn_l bn_of(nn_super *s, int c, int affine)
{
    bn_l b = {c, 0, 0};
    if (affine) b.pofs = take(&s->n_params, 2 * (size_t)c);
    b.sofs = take(&s->n_state, 4 * (size_t)c);
    if (c > s->cmax) s->cmax = c;
    return b;
}

static void plan(nn_super *s, const space_net *d)
{
    const nn_config *cfg = &s->cfg.net;
    int c = d->stem_c, h = cfg->H, w = cfg->W;
    s->stem = conv_of(s, cfg->in_ch, c, 3, 1, 0, h, w);
    s->stem_bn = bn_of(s, c, 1);
    s->stem_xh = act_of(s, c, h, w);
    size_t cur = act_of(s, c, h, w), gcur = gact_of(s, c, h, w);
    s->n_blocks = d->n_layers;
    s->blocks = nb_xcalloc_array((size_t)s->n_blocks, sizeof *s->blocks);
    for (int bi = 0; bi < d->n_layers; bi++) {
        block_l *b = &s->blocks[bi];
        if (d->layer[bi].kind == SPACE_NET_RESBLOCK) {
            b->kind = BLK_RED;
            b->cin = c, b->hi = h, b->wi = w;
            b->in = cur, b->gin = gcur;
            int co = d->layer[bi].c_out, ho = (h + 1) / 2, wo = (w + 1) / 2;
            b->c = co, b->h = ho, b->w = wo;
            b->ca = conv_of(s, c, co, 3, 2, 1, h, w);
            b->ba = bn_of(s, co, 1);
            b->cb = conv_of(s, co, co, 3, 1, 1, ho, wo);
            b->bb = bn_of(s, co, 1);
            b->cs = conv_of(s, c, co, 1, 1, 0, ho, wo);
            b->xa = act_of(s, co, ho, wo);
            b->a = act_of(s, co, ho, wo);
            b->ga = gact_of(s, co, ho, wo);
            b->xb = act_of(s, co, ho, wo);
            b->pool = act_of(s, c, ho, wo);
            b->out = act_of(s, co, ho, wo);
            b->gout = gact_of(s, co, ho, wo);
            cur = b->out, gcur = b->gout;
            c = co, h = ho, w = wo;
            continue;
        }
        NB_ASSERT(d->layer[bi].kind == SPACE_NET_CELL && d->layer[bi].c_out == c);
        b->kind = BLK_CELL;
        b->c = c, b->h = h, b->w = w;
        b->node[0] = cur, b->gnode[0] = gcur;
        for (int k = 1; k < SPACE_NB201_NODES; k++) {
            b->node[k] = act_of(s, c, h, w);
            b->gnode[k] = gact_of(s, c, h, w);
        }
        for (int e = 0; e < N_E; e++) {
            edge_l *ed = &b->e[e];
            ed->from = space_edge_from(e), ed->to = space_edge_to(e);
            for (int k = 0; k < 2; k++) {
                ed->conv[k] = conv_of(s, c, c, k ? 3 : 1, 1, 1, h, w);
                ed->bn[k] = bn_of(s, c, 0);
                ed->buf[k] = act_of(s, c, h, w);
            }
            ed->pool = act_of(s, c, h, w);
        }
        cur = b->node[SPACE_NB201_NODES - 1], gcur = b->gnode[SPACE_NB201_NODES - 1];
    }
    s->cl = c, s->hl = h, s->wl = w;
    s->last = cur, s->glast = gcur;
    s->head_bn = bn_of(s, c, 1);
    s->head_xh = act_of(s, c, h, w);
    s->head_y = act_of(s, c, h, w);
    s->feat = take(&s->n_act, (size_t)cfg->batch * c);
    s->gfeat = take(&s->n_act, (size_t)cfg->batch * c);
    s->lin_w = take(&s->n_params, (size_t)cfg->classes * c);
    s->lin_b = take(&s->n_params, (size_t)cfg->classes);
    s->logits = take(&s->n_act, (size_t)cfg->batch * cfg->classes);
    s->dlogits = take(&s->n_act, (size_t)cfg->batch * cfg->classes);
}

static float *alloc_floats(size_t n, nb_status *st, const char *what)
{
    size_t bytes;
    if (*st != NB_OK) return NULL;
    if (!nb_mul_ok(n ? n : 1, sizeof(float), &bytes)) {
        *st = nb_fail(NB_ENOMEM, "supernet: %s: %zu floats overflow size_t", what, n);
        return NULL;
    }
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p)
        *st = nb_fail(NB_ENOMEM, "supernet: cannot allocate %s (%.1f MiB); hint: a smaller --batch",
                      what, bytes / 1048576.0);
    return p;
}

nb_status nn_super_create(const nn_super_config *cfg, nn_super **out)
{
    *out = NULL;
    nb_status st = nn_config_check(&cfg->net);
    if (st != NB_OK) return st;
    space_net desc;
    space_arch any = {{0}};
    if ((st = space_nb201_network(&any, cfg->net.C, cfg->net.N, &desc)) != NB_OK) return st;
    nn_super *s = nb_xcalloc_array(1, sizeof *s);
    s->cfg = *cfg;
    nn_kernels_set_threads(nn_kernels_threads()); /* OpenBLAS to one thread, see nn/parallel.c */
    plan(s, &desc);
    s->params = alloc_floats(s->n_params, &st, "parameters");
    s->grads = alloc_floats(s->n_params, &st, "gradients");
    s->state = alloc_floats(s->n_state, &st, "batch-norm statistics");
    s->act = alloc_floats(s->n_act, &st, "activations");
    s->gact = alloc_floats(s->n_gact, &st, "activation gradients");
    s->conv_scratch = alloc_floats(cfg->net.reference ? 0 : s->n_conv_scratch, &st, "conv scratch");
    s->gs1 = alloc_floats(s->n_gs, &st, "gradient scratch");
    s->gs2 = alloc_floats(s->n_gs, &st, "gradient scratch");
    s->gvec = alloc_floats((size_t)s->cmax, &st, "batch-norm weights");
    s->zeros = alloc_floats((size_t)s->cmax, &st, "batch-norm weights");
    s->sink = alloc_floats(4 * (size_t)s->cmax, &st, "batch-norm scratch");
    if (st != NB_OK) {
        nn_super_destroy(s);
        return st;
    }
    nn_super_set_mixed(s, s->alpha);
    *out = s;
    return NB_OK;
}

void nn_super_destroy(nn_super *s)
{
    if (!s) return;
    free(s->blocks);
    free(s->params), free(s->grads), free(s->state), free(s->act), free(s->gact);
    free(s->conv_scratch), free(s->gs1), free(s->gs2);
    free(s->gvec), free(s->zeros), free(s->sink);
    free(s);
}

const nn_super_config *nn_super_get_config(const nn_super *s) { return &s->cfg; }
size_t nn_super_num_params(const nn_super *s) { return s->n_params; }
float *nn_super_params(nn_super *s) { return s->params; }
float *nn_super_grads(nn_super *s) { return s->grads; }
const float *nn_super_arch_grad(const nn_super *s) { return s->dw; }
nn_super_mode nn_super_mode_of(const nn_super *s) { return s->mode; }
const float *nn_super_edge_weights(const nn_super *s) { return s->w; }
size_t nn_super_num_state(const nn_super *s) { return s->n_state; }
float *nn_super_state(nn_super *s) { return s->state; }

size_t nn_super_activation_bytes(const nn_super *s)
{
    size_t conv = s->cfg.net.reference ? 0 : s->n_conv_scratch;
    return (s->n_act + s->n_gact + conv + 2 * s->n_gs + 6 * (size_t)s->cmax) * sizeof(float);
}

/* ---- initialisation, nn_net_init's scheme */

static void init_uniform(float *p, size_t n, double bound, nb_rng *r)
{
    for (size_t i = 0; i < n; i++) p[i] = (float)((2.0 * nb_rng_uniform(r) - 1.0) * bound);
}

static void init_conv(nn_super *s, const conv_l *c, nb_rng *r)
{
    size_t fan_in = (size_t)c->d.cin * c->d.k * c->d.k;
    init_uniform(s->params + c->wofs, fan_in * c->d.cout, 1.0 / sqrt((double)fan_in), r);
}

static void init_bn(nn_super *s, const bn_l *b, int affine)
{
    for (int i = 0; i < b->c; i++) {
        if (affine) {
            s->params[b->pofs + i] = 1.0f;
            s->params[b->pofs + b->c + i] = 0.0f;
        }
        s->state[b->sofs + i] = 0.0f;
        s->state[b->sofs + b->c + i] = 1.0f;
    }
}

void nn_super_init(nn_super *s, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_INIT);
    memset(s->params, 0, s->n_params * sizeof(float));
    memset(s->state, 0, s->n_state * sizeof(float));
    init_conv(s, &s->stem, &r);
    init_bn(s, &s->stem_bn, 1);
    for (int i = 0; i < s->n_blocks; i++) {
        block_l *b = &s->blocks[i];
        if (b->kind == BLK_RED) {
            init_conv(s, &b->ca, &r);
            init_bn(s, &b->ba, 1);
            init_conv(s, &b->cb, &r);
            init_bn(s, &b->bb, 1);
            init_conv(s, &b->cs, &r);
            continue;
        }
        for (int e = 0; e < N_E; e++)
            for (int k = 0; k < 2; k++) {
                init_conv(s, &b->e[e].conv[k], &r);
                init_bn(s, &b->e[e].bn[k], 0);
            }
    }
    init_bn(s, &s->head_bn, 1);
    double bound = 1.0 / sqrt((double)s->cl);
    init_uniform(s->params + s->lin_w, (size_t)s->cfg.net.classes * s->cl, bound, &r);
    init_uniform(s->params + s->lin_b, (size_t)s->cfg.net.classes, bound, &r);
}

/* ---- edge weights */

void nn_super_set_mixed(nn_super *s, const float *alpha)
{
    memmove(s->alpha, alpha, sizeof s->alpha);
    for (int e = 0; e < N_E; e++) {
        const float *a = s->alpha + e * N_O;
        double m = a[0], z = 0.0;
        for (int o = 1; o < N_O; o++) m = fmax(m, a[o]);
        for (int o = 0; o < N_O; o++) z += exp(a[o] - m);
        for (int o = 0; o < N_O; o++) s->w[e * N_O + o] = (float)(exp(a[o] - m) / z);
    }
    s->mode = NN_SUPER_MIXED;
}

void nn_super_set_path(nn_super *s, const space_arch *arch)
{
    NB_ASSERT(space_arch_valid(&space_nb201, arch));
    s->arch = *arch;
    for (int i = 0; i < N_AW; i++) s->w[i] = i % N_O == arch->op[i / N_O] ? 1.0f : 0.0f;
    s->mode = NN_SUPER_PATH;
}

void nn_super_set_hard(nn_super *s, const space_arch *arch, const float *hard)
{
    NB_ASSERT(space_arch_valid(&space_nb201, arch));
    s->arch = *arch;
    memmove(s->w, hard, sizeof s->w);
    s->mode = NN_SUPER_HARD;
}

/* 1 when op o of edge e runs (its output is computed) */
static int runs(const nn_super *s, int e, int o)
{
    return s->mode == NN_SUPER_MIXED || s->arch.op[e] == o;
}

/* ---- forward */

#define A(ofs) (s->act + (ofs))
#define G(ofs) (s->gact + (ofs))

static void conv_fwd(nn_super *s, const conv_l *c, const float *x, float *y, int acc)
{
    if (s->cfg.net.reference)
        nn_ref_conv2d_forward(&c->d, s->n, c->h, c->w, x, s->params + c->wofs, y, acc);
    else
        nn_conv2d_forward(&c->d, s->n, c->h, c->w, x, s->params + c->wofs, y, acc, s->conv_scratch);
}

static void conv_bwd(nn_super *s, const conv_l *c, const float *x, const float *dy, float *dx)
{
    if (s->cfg.net.reference)
        nn_ref_conv2d_backward(&c->d, s->n, c->h, c->w, x, s->params + c->wofs, dy, dx,
                               s->grads + c->wofs);
    else
        nn_conv2d_backward(&c->d, s->n, c->h, c->w, x, s->params + c->wofs, dy, dx,
                           s->grads + c->wofs, s->conv_scratch);
}

/* Affine BN (stem, reductions, head) as nn/net.c; xhat NULL in eval. */
static void bn_fwd(nn_super *s, const bn_l *b, int hw, const float *x, float *xhat, float *y, int acc)
{
    const float *gamma = s->params + b->pofs, *beta = gamma + b->c;
    float *st = s->state + b->sofs;
    if (s->train)
        nn_bn_forward_train(s->n, b->c, hw, x, xhat, gamma, beta, y, acc, st + 2 * b->c,
                            st + 3 * b->c, st, st + b->c);
    else
        nn_bn_forward_eval(s->n, b->c, hw, x, NULL, gamma, beta, y, acc, st, st + b->c);
}

static void bn_bwd(nn_super *s, const bn_l *b, int hw, const float *xhat, const float *dy, float *dx)
{
    nn_bn_backward(s->n, b->c, hw, xhat, s->params + b->pofs, s->state + b->sofs + 3 * b->c, dy,
                   dx, s->grads + b->pofs, s->grads + b->pofs + b->c);
}

/* conv then affine BN into y (mode NN_SET / NN_ADD / NN_ADD0); in eval the
 * conv output goes to scratch (same numbers as nn_net's fused eval path). */
static void conv_bn_fwd(nn_super *s, const conv_l *c, const bn_l *b, const float *x, size_t convbuf,
                        float *y, int mode)
{
    const int hw = nn_conv_out(c->h, c->d.k, c->d.stride, c->d.pad) *
                   nn_conv_out(c->w, c->d.k, c->d.stride, c->d.pad);
    float *o = s->train ? A(convbuf) : s->gs1;
    conv_fwd(s, c, x, o, 0);
    bn_fwd(s, b, hw, o, s->train ? o : NULL, y, mode);
}

static void fill(float *v, int n, float x)
{
    for (int i = 0; i < n; i++) v[i] = x;
}

/* A cell op's ReLU-Conv-BN (non-affine BN scaled by wt: y = wt * xhat)
 * into dst with mode. */
static void cell_conv_fwd(nn_super *s, const block_l *b, const edge_l *ed, int k, const float *src,
                          float *dst, int mode, float wt)
{
    const int hw = b->h * b->w, c = b->c;
    const bn_l *bn = &ed->bn[k];
    float *st = s->state + bn->sofs;
    float *o = s->train ? A(ed->buf[k]) : s->gs1;
    conv_fwd(s, &ed->conv[k], src, o, 0);
    fill(s->gvec, c, wt);
    if (s->train)
        nn_bn_forward_train(s->n, c, hw, o, o, s->gvec, s->zeros, dst, mode, st + 2 * c, st + 3 * c,
                            st, st + c);
    else if (s->cfg.track_running_stats)
        nn_bn_forward_eval(s->n, c, hw, o, NULL, s->gvec, s->zeros, dst, mode, st, st + c);
    else
        nn_bn_forward_train(s->n, c, hw, o, NULL, s->gvec, s->zeros, dst, mode, s->sink,
                            s->sink + c, s->sink + 2 * c, s->sink + 3 * c);
}

static void add_into(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

static void axpy(float *dst, float a, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] += a * src[i];
}

/* Path mode: nn/net.c's cell_forward for the chosen ops ('none' edges
 * left out): the first edge into a node writes +0 + v, the others add;
 * nodes no edge reaches are zeroed. */
static void cell_forward_path(nn_super *s, const block_l *b)
{
    const size_t sz = (size_t)s->n * b->c * b->h * b->w;
    int seen[SPACE_NB201_NODES] = {0};
    for (int e = 0; e < N_E; e++)
        if (s->arch.op[e] != SPACE_OP_NONE) seen[b->e[e].to] = 1;
    for (int k = 1; k < SPACE_NB201_NODES; k++)
        if (!seen[k]) memset(A(b->node[k]), 0, sz * sizeof(float));
    memset(seen, 0, sizeof seen);
    for (int e = 0; e < N_E; e++) {
        const edge_l *ed = &b->e[e];
        const int op = s->arch.op[e];
        if (op == SPACE_OP_NONE) continue;
        const float *src = A(b->node[ed->from]);
        float *dst = A(b->node[ed->to]);
        const int mode = seen[ed->to] ? NN_ADD : NN_ADD0;
        seen[ed->to] = 1;
        switch (op) {
        case SPACE_OP_SKIP:
            if (mode == NN_ADD)
                add_into(dst, src, sz);
            else
                for (size_t i = 0; i < sz; i++) dst[i] = 0.0f + src[i];
            break;
        case SPACE_OP_POOL: nn_avgpool3_forward(s->n, b->c, b->h, b->w, src, dst, mode); break;
        default: cell_conv_fwd(s, b, ed, op == SPACE_OP_CONV3, src, dst, mode, 1.0f);
        }
    }
}

/* Mixed and hard modes: node = sum over edges and ops, in edge then op
 * order, of w * op(x) for the ops that run, plus w (a constant) for the
 * ops that do not (hard mode; xautodl forward_gdas). 'none' adds w * 0. */
static void cell_forward_weighted(nn_super *s, const block_l *b)
{
    const size_t sz = (size_t)s->n * b->c * b->h * b->w;
    for (int k = 1; k < SPACE_NB201_NODES; k++) memset(A(b->node[k]), 0, sz * sizeof(float));
    for (int e = 0; e < N_E; e++) {
        const edge_l *ed = &b->e[e];
        const float *src = A(b->node[ed->from]);
        float *dst = A(b->node[ed->to]);
        for (int o = 0; o < N_O; o++) {
            const float wt = s->w[e * N_O + o];
            if (!runs(s, e, o)) {
                for (size_t i = 0; i < sz; i++) dst[i] += wt;
                continue;
            }
            switch (o) {
            case SPACE_OP_NONE: break;
            case SPACE_OP_SKIP: axpy(dst, wt, src, sz); break;
            case SPACE_OP_POOL:
                nn_avgpool3_forward(s->n, b->c, b->h, b->w, src, A(ed->pool), NN_SET);
                axpy(dst, wt, A(ed->pool), sz);
                break;
            default: cell_conv_fwd(s, b, ed, o == SPACE_OP_CONV3, src, dst, NN_ADD, wt);
            }
        }
    }
}

static void red_forward(nn_super *s, const block_l *r)
{
    conv_bn_fwd(s, &r->ca, &r->ba, A(r->in), r->xa, A(r->a), NN_SET);
    conv_bn_fwd(s, &r->cb, &r->bb, A(r->a), r->xb, A(r->out), NN_SET);
    nn_avgpool2_forward(s->n, r->cin, r->hi, r->wi, A(r->in), A(r->pool));
    conv_fwd(s, &r->cs, A(r->pool), A(r->out), 1);
}

const float *nn_super_forward(nn_super *s, const float *x, int n, int train)
{
    NB_ASSERT(n >= 1 && n <= s->cfg.net.batch);
    s->x = x, s->n = n, s->train = train;
    conv_bn_fwd(s, &s->stem, &s->stem_bn, x, s->stem_xh, A(s->blocks[0].node[0]), NN_SET);
    for (int i = 0; i < s->n_blocks; i++) {
        const block_l *b = &s->blocks[i];
        if (b->kind == BLK_RED)
            red_forward(s, b);
        else if (s->mode == NN_SUPER_PATH)
            cell_forward_path(s, b);
        else
            cell_forward_weighted(s, b);
    }
    const int hw = s->hl * s->wl;
    bn_fwd(s, &s->head_bn, hw, A(s->last), train ? A(s->head_xh) : NULL, A(s->head_y), 0);
    nn_gap_relu_forward(n, s->cl, hw, A(s->head_y), A(s->feat));
    nn_linear_forward(n, s->cl, s->cfg.net.classes, A(s->feat), s->params + s->lin_w,
                      s->params + s->lin_b, A(s->logits));
    return A(s->logits);
}

double nn_super_loss(const nn_super *s, const int32_t *y, int *correct)
{
    return nn_softmax_xent(s->n, s->cfg.net.classes, s->act + s->logits, y, NULL, correct);
}

/* ---- backward */

static double dot(const float *a, const float *b, size_t n)
{
    double t = 0.0;
    for (size_t i = 0; i < n; i++) t += (double)a[i] * b[i];
    return t;
}

/* A cell op's conv backward: BN (gamma = wt) from gdst into gs1, conv into
 * gsrc. Returns sum over channels of dgamma = d loss / d wt. */
static double cell_conv_bwd(nn_super *s, const block_l *b, const edge_l *ed, int k, const float *gdst,
                            float *gsrc, float wt)
{
    const int hw = b->h * b->w, c = b->c;
    const bn_l *bn = &ed->bn[k];
    fill(s->gvec, c, wt);
    memset(s->sink, 0, 2 * (size_t)c * sizeof(float));
    nn_bn_backward(s->n, c, hw, A(ed->buf[k]), s->gvec, s->state + bn->sofs + 3 * c, gdst, s->gs1,
                   s->sink, s->sink + c);
    conv_bwd(s, &ed->conv[k], A(b->node[ed->from]), s->gs1, gsrc);
    double t = 0.0;
    for (int ch = 0; ch < c; ch++) t += s->sink[ch];
    return t;
}

static void cell_backward(nn_super *s, const block_l *b, double *dw)
{
    const size_t sz = (size_t)s->n * b->c * b->h * b->w;
    for (int k = 0; k < SPACE_NB201_NODES - 1; k++) memset(G(b->gnode[k]), 0, sz * sizeof(float));
    for (int e = N_E - 1; e >= 0; e--) {
        const edge_l *ed = &b->e[e];
        const float *gdst = G(b->gnode[ed->to]), *src = A(b->node[ed->from]);
        float *gsrc = G(b->gnode[ed->from]);
        if (s->mode == NN_SUPER_PATH) {
            /* nn/net.c's cell_backward */
            switch (s->arch.op[e]) {
            case SPACE_OP_NONE: break;
            case SPACE_OP_SKIP: add_into(gsrc, gdst, sz); break;
            case SPACE_OP_POOL: nn_avgpool3_backward(s->n, b->c, b->h, b->w, gdst, gsrc); break;
            default: cell_conv_bwd(s, b, ed, s->arch.op[e] == SPACE_OP_CONV3, gdst, gsrc, 1.0f);
            }
            continue;
        }
        for (int o = N_O - 1; o >= 0; o--) {
            const float wt = s->w[e * N_O + o];
            double *d = &dw[e * N_O + o];
            if (!runs(s, e, o)) {
                for (size_t i = 0; i < sz; i++) *d += gdst[i];
                continue;
            }
            switch (o) {
            case SPACE_OP_NONE: break;
            case SPACE_OP_SKIP:
                *d += dot(gdst, src, sz);
                axpy(gsrc, wt, gdst, sz);
                break;
            case SPACE_OP_POOL:
                *d += dot(gdst, A(ed->pool), sz);
                for (size_t i = 0; i < sz; i++) s->gs1[i] = wt * gdst[i];
                nn_avgpool3_backward(s->n, b->c, b->h, b->w, s->gs1, gsrc);
                break;
            default: *d += cell_conv_bwd(s, b, ed, o == SPACE_OP_CONV3, gdst, gsrc, wt);
            }
        }
    }
}

static void red_backward(nn_super *s, const block_l *r)
{
    const int hw = r->h * r->w;
    memset(G(r->gin), 0, (size_t)s->n * r->cin * r->hi * r->wi * sizeof(float));
    memset(G(r->ga), 0, (size_t)s->n * r->c * hw * sizeof(float));
    memset(s->gs2, 0, (size_t)s->n * r->cin * hw * sizeof(float));
    conv_bwd(s, &r->cs, A(r->pool), G(r->gout), s->gs2);
    nn_avgpool2_backward(s->n, r->cin, r->hi, r->wi, s->gs2, G(r->gin));
    bn_bwd(s, &r->bb, hw, A(r->xb), G(r->gout), s->gs1);
    conv_bwd(s, &r->cb, A(r->a), s->gs1, G(r->ga));
    bn_bwd(s, &r->ba, hw, A(r->xa), G(r->ga), s->gs1);
    conv_bwd(s, &r->ca, A(r->in), s->gs1, G(r->gin));
}

void nn_super_backward(nn_super *s, const int32_t *y)
{
    NB_ASSERT(s->train && s->x);
    const int n = s->n, hw = s->hl * s->wl;
    double dw[N_AW] = {0};
    memset(s->grads, 0, s->n_params * sizeof(float));
    nn_softmax_xent(n, s->cfg.net.classes, A(s->logits), y, A(s->dlogits), NULL);
    nn_linear_backward(n, s->cl, s->cfg.net.classes, A(s->feat), s->params + s->lin_w,
                       A(s->dlogits), A(s->gfeat), s->grads + s->lin_w, s->grads + s->lin_b);
    nn_gap_relu_backward(n, s->cl, hw, A(s->head_y), A(s->gfeat), s->gs1);
    bn_bwd(s, &s->head_bn, hw, A(s->head_xh), s->gs1, G(s->glast));
    for (int i = s->n_blocks - 1; i >= 0; i--) {
        if (s->blocks[i].kind == BLK_CELL)
            cell_backward(s, &s->blocks[i], dw);
        else
            red_backward(s, &s->blocks[i]);
    }
    bn_bwd(s, &s->stem_bn, s->cfg.net.H * s->cfg.net.W, A(s->stem_xh), G(s->blocks[0].gnode[0]),
           s->gs1);
    conv_bwd(s, &s->stem, s->x, s->gs1, NULL);
    /* mixed: chain d loss / d w through w = softmax(alpha) per edge:
     * d alpha_o = w_o (dw_o - sum_q w_q dw_q) */
    for (int e = 0; e < N_E; e++) {
        double sum = 0.0;
        if (s->mode == NN_SUPER_MIXED)
            for (int o = 0; o < N_O; o++) sum += (double)s->w[e * N_O + o] * dw[e * N_O + o];
        for (int o = 0; o < N_O; o++) {
            const int i = e * N_O + o;
            s->dw[i] = s->mode == NN_SUPER_MIXED ? (float)(s->w[i] * (dw[i] - sum))
                       : s->mode == NN_SUPER_HARD ? (float)dw[i]
                                                  : 0.0f;
        }
    }
}

/* ---- a sub-network into an nn_net, in nn_net's parameter order (nn/net.c
 * plan(): stem conv, stem BN; per reduction conv_a, BN_a, conv_b, BN_b,
 * shortcut conv; per cell the non-'none' edges in order, a conv edge's
 * weights then its BN gamma and beta; head BN; linear weight, bias). */

static size_t put(float *dst, size_t at, const float *src, size_t n)
{
    memcpy(dst + at, src, n * sizeof(float));
    return at + n;
}

nb_status nn_super_load_net(const nn_super *s, const space_arch *arch, nn_net *net)
{
    const nn_config *a = &s->cfg.net, *b = nn_net_config(net);
    if (a->C != b->C || a->N != b->N || a->classes != b->classes || a->in_ch != b->in_ch ||
        a->H != b->H || a->W != b->W)
        return nb_fail(NB_EINVAL,
                       "supernet: network C=%d N=%d classes=%d in %dx%dx%d does not match the "
                       "supernet's C=%d N=%d classes=%d in %dx%dx%d",
                       b->C, b->N, b->classes, b->in_ch, b->H, b->W, a->C, a->N, a->classes,
                       a->in_ch, a->H, a->W);
    if (!space_arch_valid(&space_nb201, arch))
        return nb_fail(NB_EINVAL, "supernet: not a valid NB201 cell");
    size_t want = nn_net_param_count(b, &space_nb201, arch);
    if (nn_net_num_params(net) != want)
        return nb_fail(NB_EINVAL,
                       "supernet: the network has %zu parameters, cell needs %zu; hint: build the "
                       "nn_net for the same cell",
                       nn_net_num_params(net), want);
    float *p = nn_net_params(net);
    const float *q = s->params;
    size_t at = 0;
#define CONV(c) (at = put(p, at, q + (c).wofs, (size_t)(c).d.cout * (c).d.cin * (c).d.k * (c).d.k))
#define BN(bn) (at = put(p, at, q + (bn).pofs, 2 * (size_t)(bn).c))
    CONV(s->stem);
    BN(s->stem_bn);
    for (int i = 0; i < s->n_blocks; i++) {
        const block_l *bl = &s->blocks[i];
        if (bl->kind == BLK_RED) {
            CONV(bl->ca);
            BN(bl->ba);
            CONV(bl->cb);
            BN(bl->bb);
            CONV(bl->cs);
            continue;
        }
        for (int e = 0; e < N_E; e++) {
            const int op = arch->op[e];
            if (op != SPACE_OP_CONV1 && op != SPACE_OP_CONV3) continue;
            CONV(bl->e[e].conv[op == SPACE_OP_CONV3]);
            fill(p + at, bl->c, 1.0f);
            fill(p + at + bl->c, bl->c, 0.0f);
            at += 2 * (size_t)bl->c;
        }
    }
    BN(s->head_bn);
    at = put(p, at, q + s->lin_w, (size_t)a->classes * s->cl);
    at = put(p, at, q + s->lin_b, (size_t)a->classes);
#undef CONV
#undef BN
    NB_ASSERT(at == want);
    return NB_OK;
}
