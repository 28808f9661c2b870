/* nn/net.c - the TinyNetwork skeleton built from a space's plain network
 * description (spaces/space.h space_net): planning (every offset into the
 * parameter, state, activation and gradient blocks is fixed at create
 * time), parameter and FLOP counts, forward and backward passes. Nothing
 * here reads an architecture's decisions: only the description. (Over 600
 * lines: planning, the description check and both passes share the private
 * layout structs below.)
 *
 * Memory plan per cell: node buffers 1..n_nodes-1 (node 0 is the previous
 * block's output) and one buffer per conv edge that holds the conv output and, after
 * BN, its normalised value xhat (all the BN backward needs). Pool and skip
 * edges add straight into the destination node. In a cell that changes
 * width (space.h: NATS's InferCell) node 0 has cin channels, the other
 * nodes c; a skip edge out of node 0 is then planned as a conv edge (1x1,
 * no ReLU) with its BN. Gradients exist for nodes
 * only; the gradient of a conv output is a shared scratch (gs1), used and
 * consumed edge by edge. */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_kernels.h"

typedef struct {
    nn_conv_desc d;
    int h, w;    /* input size */
    size_t wofs; /* weights (cout, cin, k, k) in params */
} conv_l;

typedef struct {
    int c;
    size_t pofs; /* gamma (c) then beta (c) in params */
    size_t sofs; /* run_mean, run_var, batch mean, batch invstd (c each) in state */
} bn_l;

typedef struct {
    int op, from, to; /* space_net_op, nodes; a width-changing skip is RELU_CONV_BN, relu_in 0 */
    conv_l conv; /* conv edges */
    bn_l bn;
    size_t xh;   /* conv output / xhat (act) */
} edge_l;

enum { BLK_CELL, BLK_RED };
typedef struct {
    int kind;
    int c, h, w;               /* cell: channels (nodes 1..) and size; red: output */
    int n_nodes, n_edges;      /* cell: as space_net_cell */
    size_t node[SPACE_NET_NODES_MAX], gnode[SPACE_NET_NODES_MAX]; /* cell: activations, gradients */
    edge_l e[SPACE_NET_EDGES_MAX];
    /* cin: input channels (cell: node 0's); reduction block:
     * in -> conv_a/bn_a -> a -> conv_b/bn_b (+) pool2 -> conv_s -> out */
    int cin, hi, wi;
    size_t in, gin, out, gout;
    conv_l ca, cb, cs;
    bn_l ba, bb;
    size_t xa, a, ga, xb, pool;
} block_l;

struct nn_net {
    nn_config cfg;
    space_net desc;
    /* plan */
    size_t n_params, n_state, n_act, n_gact, n_conv_scratch, n_gs;
    double flops; /* per image, MACs (+ linear bias adds) */
    conv_l stem;
    bn_l stem_bn;
    size_t stem_xh;
    int n_blocks;
    block_l *blocks;
    int cl, hl, wl; /* last stage */
    size_t last, glast;
    bn_l head_bn;
    size_t head_xh, head_y, feat, gfeat, lin_w, lin_b, logits, dlogits;
    /* storage */
    float *params, *grads, *state, *act, *gact, *conv_scratch, *gs1, *gs2;
    /* last forward */
    const float *x;
    int n, train;
};

/* ---- planning */

typedef struct {
    struct nn_net *net;
    size_t B; /* batch the activations are sized for */
} planner;

static size_t take(size_t *counter, size_t n)
{
    size_t at = *counter;
    NB_ASSERT(*counter + n >= *counter);
    *counter += n;
    return at;
}

static size_t act_of(planner *p, int c, int h, int w)
{
    size_t n = p->B * (size_t)c * h * w;
    if (n > p->net->n_gs) p->net->n_gs = n;
    return take(&p->net->n_act, n);
}

static size_t gact_of(planner *p, int c, int h, int w)
{
    return take(&p->net->n_gact, p->B * (size_t)c * h * w);
}

static conv_l conv_of(planner *p, int cin, int cout, int k, int stride, int relu_in, int h, int w)
{
    conv_l c = {{cin, cout, k, stride, k / 2, relu_in}, h, w, 0};
    c.wofs = take(&p->net->n_params, (size_t)cout * cin * k * k);
    int ho = nn_conv_out(h, k, stride, k / 2), wo = nn_conv_out(w, k, stride, k / 2);
    p->net->flops += (double)k * k * cin * cout * ho * wo;
    size_t s = nn_conv_scratch(&c.d, (int)p->B, h, w);
    if (s > p->net->n_conv_scratch) p->net->n_conv_scratch = s;
    return c;
}

static bn_l bn_of(planner *p, int c)
{
    bn_l b = {c, 0, 0};
    b.pofs = take(&p->net->n_params, 2 * (size_t)c);
    b.sofs = take(&p->net->n_state, 4 * (size_t)c);
    return b;
}

/* Fill every offset of net for net->cfg and net->desc (blocks allocated
 * here). The order of the take() calls is the parameter layout (see
 * nn/cuda/net_cuda.cu, which walks it again). */
static void plan(struct nn_net *net)
{
    const nn_config *cfg = &net->cfg;
    const space_net *d = &net->desc;
    const space_net_cell *cell = &d->cell;
    planner p = {net, (size_t)cfg->batch};
    int c = d->stem_c, h = cfg->H, w = cfg->W;
    net->stem = conv_of(&p, cfg->in_ch, c, 3, 1, 0, h, w);
    net->stem_bn = bn_of(&p, c);
    net->stem_xh = act_of(&p, c, h, w);
    size_t cur = act_of(&p, c, h, w), gcur = gact_of(&p, c, h, w);
    net->n_blocks = d->n_layers;
    net->blocks = nb_xcalloc_array((size_t)net->n_blocks, sizeof *net->blocks);
    for (int bi = 0; bi < d->n_layers; bi++) {
        block_l *b = &net->blocks[bi];
        if (d->layer[bi].kind == SPACE_NET_RESBLOCK) {
            block_l *r = b;
            r->kind = BLK_RED;
            r->cin = c, r->hi = h, r->wi = w;
            r->in = cur, r->gin = gcur;
            int co = d->layer[bi].c_out, ho = (h + 1) / 2, wo = (w + 1) / 2;
            r->c = co, r->h = ho, r->w = wo;
            r->ca = conv_of(&p, c, co, 3, 2, 1, h, w);
            r->ba = bn_of(&p, co);
            r->cb = conv_of(&p, co, co, 3, 1, 1, ho, wo);
            r->bb = bn_of(&p, co);
            r->cs = conv_of(&p, c, co, 1, 1, 0, ho, wo);
            NB_ASSERT(nn_conv_out(h, 3, 2, 1) == ho && nn_conv_out(w, 3, 2, 1) == wo);
            r->xa = act_of(&p, co, ho, wo);
            r->a = act_of(&p, co, ho, wo);
            r->ga = gact_of(&p, co, ho, wo);
            r->xb = act_of(&p, co, ho, wo);
            r->pool = act_of(&p, c, ho, wo);
            r->out = act_of(&p, co, ho, wo);
            r->gout = gact_of(&p, co, ho, wo);
            cur = r->out, gcur = r->gout;
            c = co, h = ho, w = wo;
            continue;
        }
        NB_ASSERT(d->layer[bi].kind == SPACE_NET_CELL);
        const int cin = c;
        c = d->layer[bi].c_out;
        b->kind = BLK_CELL;
        b->cin = cin;
        b->c = c, b->h = h, b->w = w;
        b->n_nodes = cell->n_nodes, b->n_edges = cell->n_edges;
        b->node[0] = cur, b->gnode[0] = gcur;
        for (int k = 1; k < cell->n_nodes; k++) {
            b->node[k] = act_of(&p, c, h, w);
            b->gnode[k] = gact_of(&p, c, h, w);
        }
        for (int e = 0; e < cell->n_edges; e++) {
            edge_l *ed = &b->e[e];
            const space_net_edge *se = &cell->edge[e];
            ed->op = se->op;
            ed->from = se->from, ed->to = se->to;
            const int ci = se->from == 0 ? cin : c;
            if (ed->op == SPACE_NET_IDENTITY && ci != c) { /* FactorizedReduce, stride 1 */
                ed->op = SPACE_NET_RELU_CONV_BN;
                ed->conv = conv_of(&p, ci, c, 1, 1, 0, h, w);
                ed->bn = bn_of(&p, c);
                ed->xh = act_of(&p, c, h, w);
            } else if (ed->op == SPACE_NET_RELU_CONV_BN) {
                ed->conv = conv_of(&p, ci, c, se->k, 1, 1, h, w);
                ed->bn = bn_of(&p, c);
                ed->xh = act_of(&p, c, h, w);
            }
        }
        cur = b->node[cell->n_nodes - 1], gcur = b->gnode[cell->n_nodes - 1];
    }
    net->cl = c, net->hl = h, net->wl = w;
    net->last = cur, net->glast = gcur;
    net->head_bn = bn_of(&p, c);
    net->head_xh = act_of(&p, c, h, w);
    net->head_y = act_of(&p, c, h, w);
    net->feat = take(&net->n_act, p.B * (size_t)c);
    net->gfeat = take(&net->n_act, p.B * (size_t)c);
    net->lin_w = take(&net->n_params, (size_t)cfg->classes * c);
    net->lin_b = take(&net->n_params, (size_t)cfg->classes);
    net->logits = take(&net->n_act, p.B * (size_t)cfg->classes);
    net->dlogits = take(&net->n_act, p.B * (size_t)cfg->classes);
    net->flops += (double)c * cfg->classes + cfg->classes;
}

/* NB_EINVAL when nn cannot build the description: sizes out of range,
 * an edge that is not forward or not topologically sorted, an unknown op or
 * kernel, a cell that changes width with a pool edge out of its input. */
static nb_status check_desc(const space_net *d)
{
    const space_net_cell *cell = &d->cell;
    if (d->stem_c < 1 || d->n_layers < 0 || d->n_layers > SPACE_NET_LAYERS_MAX)
        return nb_fail(NB_EINVAL, "network description: stem width %d or %d layers out of range",
                       d->stem_c, d->n_layers);
    if (cell->n_nodes < 2 || cell->n_nodes > SPACE_NET_NODES_MAX || cell->n_edges < 0 ||
        cell->n_edges > SPACE_NET_EDGES_MAX)
        return nb_fail(NB_EINVAL, "network description: a cell of %d nodes and %d edges",
                       cell->n_nodes, cell->n_edges);
    for (int e = 0; e < cell->n_edges; e++) {
        const space_net_edge *se = &cell->edge[e];
        int ok_op = se->op == SPACE_NET_IDENTITY || se->op == SPACE_NET_AVG_POOL3 ||
                    (se->op == SPACE_NET_RELU_CONV_BN && (se->k == 1 || se->k == 3));
        if (se->from >= se->to || se->to >= cell->n_nodes || !ok_op ||
            (e > 0 && cell->edge[e - 1].to > se->to))
            return nb_fail(NB_EINVAL,
                           "network description: cell edge %d (%d -> %d, op %d, k %d) is not a "
                           "forward edge in destination order with a known op",
                           e, se->from, se->to, se->op, se->k);
    }
    int c = d->stem_c;
    for (int i = 0; i < d->n_layers; i++) {
        const space_net_layer *l = &d->layer[i];
        if ((l->kind != SPACE_NET_CELL && l->kind != SPACE_NET_RESBLOCK) || l->c_out < 1)
            return nb_fail(NB_EINVAL, "network description: layer %d: kind %d, %d channels", i,
                           l->kind, l->c_out);
        if (l->kind == SPACE_NET_CELL && l->c_out != c)
            for (int e = 0; e < cell->n_edges; e++)
                if (cell->edge[e].from == 0 && cell->edge[e].op == SPACE_NET_AVG_POOL3)
                    return nb_fail(NB_EINVAL,
                                   "network description: layer %d: a cell from %d to %d "
                                   "channels with a pool edge out of its input (edge %d); hint: "
                                   "nn changes width only through conv and skip edges",
                                   i, c, l->c_out, e);
        c = l->c_out;
    }
    return NB_OK;
}

/* The description of (space, arch) at cfg's scale, checked. */
static nb_status describe(const nn_config *cfg, const space_def *space, const space_arch *arch,
                          space_net *out)
{
    nb_status st = space->network(arch, cfg->C, cfg->N, out);
    return st != NB_OK ? st : check_desc(out);
}

nn_config nn_config_default(void)
{
    nn_config c = {16, 5, 10, 3, 32, 32, 64, 0};
    return c;
}

nb_status nn_dataset_shape(const char *dataset, nn_config *c)
{
    static const struct {
        const char *name;
        int in_ch, H, classes;
    } known[] = {{"cifar10", 3, 32, 10},        {"cifar10-valid", 3, 32, 10}, {"cifar100", 3, 32, 100},
                 {"ImageNet16-120", 3, 16, 120}, {"fashion-mnist", 1, 28, 10}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(dataset, known[i].name)) {
            c->in_ch = known[i].in_ch;
            c->H = c->W = known[i].H;
            c->classes = known[i].classes;
            return NB_OK;
        }
    return nb_fail(NB_EINVAL, "dataset '%s': no known network shape (cifar10, cifar10-valid, "
                   "cifar100, ImageNet16-120, fashion-mnist)", dataset);
}

nb_status nn_config_check(const nn_config *cfg)
{
    struct { const char *name; int v, lo, hi; } f[] = {
        {"C (channels)", cfg->C, 1, 1024},   {"N (cells per stage)", cfg->N, 1, 64},
        {"classes", cfg->classes, 2, 100000}, {"in_ch (input channels)", cfg->in_ch, 1, 16},
        {"H (input height)", cfg->H, 1, 4096}, {"W (input width)", cfg->W, 1, 4096},
        {"batch", cfg->batch, 1, 65536},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].v < f[i].lo || f[i].v > f[i].hi)
            return nb_fail(NB_EINVAL, "network config: %s = %d out of range %d..%d", f[i].name,
                           f[i].v, f[i].lo, f[i].hi);
    return NB_OK;
}

static void plan_only(const nn_config *cfg, const space_def *space, const space_arch *arch,
                      struct nn_net *net)
{
    NB_ASSERT(nn_config_check(cfg) == NB_OK);
    memset(net, 0, sizeof *net);
    net->cfg = *cfg;
    net->cfg.batch = 1;
    nb_status st = describe(cfg, space, arch, &net->desc);
    NB_ASSERT(st == NB_OK);
    plan(net);
    free(net->blocks);
}

size_t nn_net_param_count(const nn_config *cfg, const space_def *space, const space_arch *arch)
{
    struct nn_net net;
    plan_only(cfg, space, arch, &net);
    return net.n_params;
}

double nn_net_flops(const nn_config *cfg, const space_def *space, const space_arch *arch)
{
    struct nn_net net;
    plan_only(cfg, space, arch, &net);
    return net.flops / 1e6;
}

static float *alloc_floats(size_t n, nb_status *st, const char *what)
{
    size_t bytes;
    if (*st != NB_OK) return NULL;
    if (!nb_mul_ok(n ? n : 1, sizeof(float), &bytes)) {
        *st = nb_fail(NB_ENOMEM, "network: %s: %zu floats overflow size_t", what, n);
        return NULL;
    }
    float *p = calloc(n ? n : 1, sizeof(float));
    if (!p)
        *st = nb_fail(NB_ENOMEM, "network: cannot allocate %s (%.1f MiB); hint: a smaller --batch",
                      what, bytes / 1048576.0);
    return p;
}

nb_status nn_net_create(const nn_config *cfg, const space_def *space, const space_arch *arch,
                        nn_net **out)
{
    *out = NULL;
    nb_status st = nn_config_check(cfg);
    if (st != NB_OK) return st;
    nn_net *net = nb_xcalloc_array(1, sizeof *net);
    if ((st = describe(cfg, space, arch, &net->desc)) != NB_OK) {
        free(net);
        return st;
    }
    net->cfg = *cfg;
    nn_kernels_set_threads(nn_kernels_threads()); /* OpenBLAS to one thread, see nn/parallel.c */
    plan(net);
    net->params = alloc_floats(net->n_params, &st, "parameters");
    net->grads = alloc_floats(net->n_params, &st, "gradients");
    net->state = alloc_floats(net->n_state, &st, "batch-norm statistics");
    net->act = alloc_floats(net->n_act, &st, "activations");
    net->gact = alloc_floats(net->n_gact, &st, "activation gradients");
    net->conv_scratch = alloc_floats(cfg->reference ? 0 : net->n_conv_scratch, &st, "conv scratch");
    net->gs1 = alloc_floats(net->n_gs, &st, "gradient scratch");
    net->gs2 = alloc_floats(net->n_gs, &st, "gradient scratch");
    if (st != NB_OK) goto fail;
    *out = net;
    return NB_OK;
fail:
    nn_net_destroy(net);
    return st;
}

void nn_net_destroy(nn_net *net)
{
    if (!net) return;
    free(net->blocks);
    free(net->params);
    free(net->grads);
    free(net->state);
    free(net->act);
    free(net->gact);
    free(net->conv_scratch);
    free(net->gs1);
    free(net->gs2);
    free(net);
}

const nn_config *nn_net_config(const nn_net *net) { return &net->cfg; }
size_t nn_net_num_params(const nn_net *net) { return net->n_params; }
float *nn_net_params(nn_net *net) { return net->params; }
float *nn_net_grads(nn_net *net) { return net->grads; }

size_t nn_net_activation_bytes(const nn_net *net)
{
    size_t conv = net->cfg.reference ? 0 : net->n_conv_scratch;
    return (net->n_act + net->n_gact + conv + 2 * net->n_gs) * sizeof(float);
}

/* ---- initialisation */

static void init_uniform(float *p, size_t n, double bound, nb_rng *r)
{
    for (size_t i = 0; i < n; i++) p[i] = (float)((2.0 * nb_rng_uniform(r) - 1.0) * bound);
}

static void init_conv(nn_net *net, const conv_l *c, nb_rng *r)
{
    size_t fan_in = (size_t)c->d.cin * c->d.k * c->d.k;
    init_uniform(net->params + c->wofs, fan_in * c->d.cout, 1.0 / sqrt((double)fan_in), r);
}

static void init_bn(nn_net *net, const bn_l *b)
{
    for (int i = 0; i < b->c; i++) {
        net->params[b->pofs + i] = 1.0f;
        net->params[b->pofs + b->c + i] = 0.0f;
        net->state[b->sofs + i] = 0.0f;
        net->state[b->sofs + b->c + i] = 1.0f;
    }
}

void nn_net_init(nn_net *net, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_INIT);
    memset(net->params, 0, net->n_params * sizeof(float));
    memset(net->state, 0, net->n_state * sizeof(float));
    init_conv(net, &net->stem, &r);
    init_bn(net, &net->stem_bn);
    for (int i = 0; i < net->n_blocks; i++) {
        block_l *b = &net->blocks[i];
        if (b->kind == BLK_RED) {
            init_conv(net, &b->ca, &r);
            init_bn(net, &b->ba);
            init_conv(net, &b->cb, &r);
            init_bn(net, &b->bb);
            init_conv(net, &b->cs, &r);
            continue;
        }
        for (int e = 0; e < b->n_edges; e++)
            if (b->e[e].op == SPACE_NET_RELU_CONV_BN) {
                init_conv(net, &b->e[e].conv, &r);
                init_bn(net, &b->e[e].bn);
            }
    }
    init_bn(net, &net->head_bn);
    double bound = 1.0 / sqrt((double)net->cl);
    init_uniform(net->params + net->lin_w, (size_t)net->cfg.classes * net->cl, bound, &r);
    init_uniform(net->params + net->lin_b, (size_t)net->cfg.classes, bound, &r);
}

/* ---- forward */

#define A(ofs) (net->act + (ofs))
#define G(ofs) (net->gact + (ofs))

static void conv_fwd(nn_net *net, const conv_l *c, const float *x, float *y, int acc)
{
    if (net->cfg.reference)
        nn_ref_conv2d_forward(&c->d, net->n, c->h, c->w, x, net->params + c->wofs, y, acc);
    else
        nn_conv2d_forward(&c->d, net->n, c->h, c->w, x, net->params + c->wofs, y, acc,
                          net->conv_scratch);
}

static void conv_bwd(nn_net *net, const conv_l *c, const float *x, const float *dy, float *dx)
{
    if (net->cfg.reference)
        nn_ref_conv2d_backward(&c->d, net->n, c->h, c->w, x, net->params + c->wofs, dy, dx,
                               net->grads + c->wofs);
    else
        nn_conv2d_backward(&c->d, net->n, c->h, c->w, x, net->params + c->wofs, dy, dx,
                           net->grads + c->wofs, net->conv_scratch);
}

static void bn_fwd(nn_net *net, const bn_l *b, int hw, const float *x, float *xhat, float *y, int acc)
{
    const float *gamma = net->params + b->pofs, *beta = gamma + b->c;
    float *s = net->state + b->sofs;
    if (net->train)
        nn_bn_forward_train(net->n, b->c, hw, x, xhat, gamma, beta, y, acc, s + 2 * b->c,
                            s + 3 * b->c, s, s + b->c);
    else
        nn_bn_forward_eval(net->n, b->c, hw, x, xhat, gamma, beta, y, acc, s, s + b->c);
}

static void bn_bwd(nn_net *net, const bn_l *b, int hw, const float *xhat, const float *dy, float *dx)
{
    nn_bn_backward(net->n, b->c, hw, xhat, net->params + b->pofs, net->state + b->sofs + 3 * b->c,
                   dy, dx, net->grads + b->pofs, net->grads + b->pofs + b->c);
}

/* Where a conv writes the output its BN reads: the edge's own buffer in
 * training (the backward pass needs xhat), one shared scratch in eval, so
 * inference touches a fraction of the memory (same numbers). */
static float *conv_out(nn_net *net, size_t ofs) { return net->train ? A(ofs) : net->gs1; }

/* xhat destination: none in eval */
static float *xhat_out(nn_net *net, float *buf) { return net->train ? buf : NULL; }

/* conv then BN into y (mode NN_SET / NN_ADD / NN_ADD0); convbuf is the
 * conv output's own buffer in training. In eval the direct-path convs apply
 * BN in their epilogue (same bits, one pass less). */
static void conv_bn_fwd(nn_net *net, const conv_l *c, const bn_l *b, const float *x, size_t convbuf,
                        float *y, int mode)
{
    const int hw = nn_conv_out(c->h, c->d.k, c->d.stride, c->d.pad) *
                   nn_conv_out(c->w, c->d.k, c->d.stride, c->d.pad);
    if (!net->train && !net->cfg.reference) {
        const float *s = net->state + b->sofs, *gamma = net->params + b->pofs;
        float *invstd = net->gs2; /* unused in eval */
        for (int ch = 0; ch < b->c; ch++) invstd[ch] = (float)(1.0 / sqrt((double)s[b->c + ch] + NN_BN_EPS));
        const float *const bn[4] = {s, invstd, gamma, gamma + b->c};
        if (nn_conv2d_forward_bn(&c->d, net->n, c->h, c->w, x, net->params + c->wofs, bn, y, mode,
                                 net->conv_scratch))
            return;
    }
    float *o = conv_out(net, convbuf);
    conv_fwd(net, c, x, o, 0);
    bn_fwd(net, b, hw, o, xhat_out(net, o), y, mode);
}

static void add_into(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* The first edge into a node writes +0 + v (NN_ADD0), the others add: the
 * same bits as zeroing the nodes first; only nodes no edge reaches are zeroed. */
static void cell_forward(nn_net *net, const block_l *b)
{
    const int hw = b->h * b->w;
    const size_t sz = (size_t)net->n * b->c * hw;
    int seen[SPACE_NET_NODES_MAX] = {0};
    for (int e = 0; e < b->n_edges; e++) seen[b->e[e].to] = 1;
    for (int k = 1; k < b->n_nodes; k++)
        if (!seen[k]) memset(A(b->node[k]), 0, sz * sizeof(float));
    memset(seen, 0, sizeof seen);
    for (int e = 0; e < b->n_edges; e++) {
        const edge_l *ed = &b->e[e];
        const float *src = A(b->node[ed->from]);
        float *dst = A(b->node[ed->to]);
        const int mode = seen[ed->to] ? NN_ADD : NN_ADD0;
        seen[ed->to] = 1;
        switch (ed->op) {
        case SPACE_NET_IDENTITY:
            if (mode == NN_ADD)
                add_into(dst, src, sz);
            else
                for (size_t i = 0; i < sz; i++) dst[i] = 0.0f + src[i];
            break;
        case SPACE_NET_AVG_POOL3: nn_avgpool3_forward(net->n, b->c, b->h, b->w, src, dst, mode); break;
        default: conv_bn_fwd(net, &ed->conv, &ed->bn, src, ed->xh, dst, mode);
        }
    }
}

static void red_forward(nn_net *net, const block_l *r)
{
    conv_bn_fwd(net, &r->ca, &r->ba, A(r->in), r->xa, A(r->a), NN_SET);
    conv_bn_fwd(net, &r->cb, &r->bb, A(r->a), r->xb, A(r->out), NN_SET);
    nn_avgpool2_forward(net->n, r->cin, r->hi, r->wi, A(r->in), A(r->pool));
    conv_fwd(net, &r->cs, A(r->pool), A(r->out), 1);
}

const float *nn_net_forward(nn_net *net, const float *x, int n, int train)
{
    NB_ASSERT(n >= 1 && n <= net->cfg.batch);
    net->x = x, net->n = n, net->train = train;
    const size_t first = net->blocks[0].node[0];
    conv_bn_fwd(net, &net->stem, &net->stem_bn, x, net->stem_xh, A(first), NN_SET);
    for (int i = 0; i < net->n_blocks; i++) {
        if (net->blocks[i].kind == BLK_CELL)
            cell_forward(net, &net->blocks[i]);
        else
            red_forward(net, &net->blocks[i]);
    }
    const int hw = net->hl * net->wl;
    bn_fwd(net, &net->head_bn, hw, A(net->last), xhat_out(net, A(net->head_xh)), A(net->head_y), 0);
    nn_gap_relu_forward(n, net->cl, hw, A(net->head_y), A(net->feat));
    nn_linear_forward(n, net->cl, net->cfg.classes, A(net->feat), net->params + net->lin_w,
                      net->params + net->lin_b, A(net->logits));
    return A(net->logits);
}

double nn_net_loss(const nn_net *net, const int32_t *y, int *correct)
{
    return nn_softmax_xent(net->n, net->cfg.classes, net->act + net->logits, y, NULL, correct);
}

/* ---- backward */

static void cell_backward(nn_net *net, const block_l *b)
{
    const int hw = b->h * b->w;
    const size_t sz = (size_t)net->n * b->c * hw;
    /* The gradients edges add into start at zero, zeroed here rather than
     * all at once per step, so they are still in cache when the adds come.
     * The output node's gradient is complete: the blocks after this one
     * made it. Node 0 has cin channels. */
    memset(G(b->gnode[0]), 0, (size_t)net->n * b->cin * hw * sizeof(float));
    for (int k = 1; k < b->n_nodes - 1; k++) memset(G(b->gnode[k]), 0, sz * sizeof(float));
    /* Edges are sorted by destination, so in reverse order a node's gradient
     * is complete before the edges leaving it are visited. */
    for (int e = b->n_edges - 1; e >= 0; e--) {
        const edge_l *ed = &b->e[e];
        const float *gdst = G(b->gnode[ed->to]);
        float *gsrc = G(b->gnode[ed->from]);
        switch (ed->op) {
        case SPACE_NET_IDENTITY: add_into(gsrc, gdst, sz); break;
        case SPACE_NET_AVG_POOL3: nn_avgpool3_backward(net->n, b->c, b->h, b->w, gdst, gsrc); break;
        default:
            bn_bwd(net, &ed->bn, hw, A(ed->xh), gdst, net->gs1);
            conv_bwd(net, &ed->conv, A(b->node[ed->from]), net->gs1, gsrc);
        }
    }
}

static void red_backward(nn_net *net, const block_l *r)
{
    const int hw = r->h * r->w;
    /* shortcut: out += conv_s(pool2(in)); gin and ga receive sums */
    memset(G(r->gin), 0, (size_t)net->n * r->cin * r->hi * r->wi * sizeof(float));
    memset(G(r->ga), 0, (size_t)net->n * r->c * hw * sizeof(float));
    memset(net->gs2, 0, (size_t)net->n * r->cin * hw * sizeof(float));
    conv_bwd(net, &r->cs, A(r->pool), G(r->gout), net->gs2);
    nn_avgpool2_backward(net->n, r->cin, r->hi, r->wi, net->gs2, G(r->gin));
    /* main path: out = bn_b(conv_b(relu(a))), a = bn_a(conv_a(relu(in))) */
    bn_bwd(net, &r->bb, hw, A(r->xb), G(r->gout), net->gs1);
    conv_bwd(net, &r->cb, A(r->a), net->gs1, G(r->ga));
    bn_bwd(net, &r->ba, hw, A(r->xa), G(r->ga), net->gs1);
    conv_bwd(net, &r->ca, A(r->in), net->gs1, G(r->gin));
}

void nn_net_backward(nn_net *net, const int32_t *y)
{
    NB_ASSERT(net->train && net->x);
    const int n = net->n, hw = net->hl * net->wl;
    memset(net->grads, 0, net->n_params * sizeof(float));
    /* the activation gradients are zeroed block by block, where they are used */
    nn_softmax_xent(n, net->cfg.classes, A(net->logits), y, A(net->dlogits), NULL);
    nn_linear_backward(n, net->cl, net->cfg.classes, A(net->feat), net->params + net->lin_w,
                       A(net->dlogits), A(net->gfeat), net->grads + net->lin_w,
                       net->grads + net->lin_b);
    nn_gap_relu_backward(n, net->cl, hw, A(net->head_y), A(net->gfeat), net->gs1);
    bn_bwd(net, &net->head_bn, hw, A(net->head_xh), net->gs1, G(net->glast));
    for (int i = net->n_blocks - 1; i >= 0; i--) {
        if (net->blocks[i].kind == BLK_CELL)
            cell_backward(net, &net->blocks[i]);
        else
            red_backward(net, &net->blocks[i]);
    }
    bn_bwd(net, &net->stem_bn, net->cfg.H * net->cfg.W, A(net->stem_xh),
           G(net->blocks[0].gnode[0]), net->gs1);
    conv_bwd(net, &net->stem, net->x, net->gs1, NULL);
}
