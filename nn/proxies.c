/* nn/proxies.c - zero-cost proxies (nn/proxies.h; definitions and sources in
 * nn/PROXIES.md). Over 600 lines for a stated reason: the proxies need every
 * activation, the gradient of each conv output and of the input, which
 * nn_net keeps private, so this file walks the same space_net description
 * into a tape of kernel calls (nn/nn_kernels.h, the same kernels in the same
 * order as nn/net.c: tests/test_proxies.c checks logits and gradients
 * against nn_net bit for bit), plus a double-precision plain-loop pass for
 * synflow; the proxies share that tape.
 *
 * Tape: buffers (n, c, h, w) in one activation block, each with a gradient
 * in a second block; ops in execution order. Forward zeroes the node
 * buffers edges add into (bit for bit nn_net's NN_ADD0), backward visits
 * the ops in reverse: every op adds into its input's gradient, except the
 * readers that are the only consumer of their input (BN of a conv output,
 * GAP, linear), which overwrite it as nn/net.c does. */
#include "nn/proxies.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "nn/nn_kernels.h"

static const char *const zc_names[NN_ZC_COUNT] = {"synflow", "snip",    "grasp",  "fisher",
                                                  "grad_norm", "jacob_cov", "nwot", "zen",
                                                  "plain",   "l2_norm", "params", "flops"};

const char *nn_zc_name(nn_zc_id id) { return (unsigned)id < NN_ZC_COUNT ? zc_names[id] : NULL; }

int nn_zc_from_name(const char *name)
{
    for (int i = 0; i < NN_ZC_COUNT; i++)
        if (!strcmp(name, zc_names[i])) return i;
    char list[256] = "";
    for (int i = 0; i < NN_ZC_COUNT; i++) {
        strcat(list, i ? ", " : "");
        strcat(list, zc_names[i]);
    }
    nb_fail(NB_ENOTFOUND, "unknown proxy '%s' (known: %s)", name, list);
    return -1;
}

int nn_zc_uses_data(nn_zc_id id)
{
    return id == NN_ZC_SNIP || id == NN_ZC_GRASP || id == NN_ZC_FISHER || id == NN_ZC_GRAD_NORM ||
           id == NN_ZC_JACOB_COV || id == NN_ZC_NWOT || id == NN_ZC_PLAIN;
}

/* ---- the tape */

enum { T_CONV, T_BN, T_IDENT, T_POOL3, T_POOL2, T_GAPRELU, T_LINEAR };

typedef struct {
    int kind;
    int in, out, xhat; /* buffer ids (xhat: BN only) */
    int acc;           /* forward adds into out (NN_ADD) instead of setting it */
    nn_conv_desc d;    /* conv */
    int c, h, w;       /* input channels and size (linear: c inputs, h = classes) */
    size_t wofs, pofs; /* conv/linear weights; BN gamma (beta follows); linear bias */
    size_t sofs;       /* BN state: batch mean, invstd, running mean, running var (c each) */
} zop;

typedef struct {
    int c, h, w;
    size_t ofs; /* in the activation and gradient blocks, per image * B */
    int zero;   /* forward zeroes it first: ops add into it */
} zbuf;

typedef struct {
    nn_config cfg;
    int B; /* images the blocks hold */
    zop ops[8 + 6 * SPACE_NET_LAYERS_MAX * (1 + SPACE_NET_EDGES_MAX)];
    int n_ops;
    zbuf bufs[8 + SPACE_NET_LAYERS_MAX * (6 + SPACE_NET_NODES_MAX + 2 * SPACE_NET_EDGES_MAX)];
    int n_bufs;
    int xb, headb, featb, logitb;
    size_t n_params, n_state, n_act, n_scratch;
    float *p, *g, *state, *act, *gact, *scratch;
    int n; /* images of the last forward */
} znet;

static int add_buf(znet *z, int c, int h, int w, int zero)
{
    NB_ASSERT(z->n_bufs < (int)(sizeof z->bufs / sizeof z->bufs[0]));
    zbuf *b = &z->bufs[z->n_bufs];
    b->c = c, b->h = h, b->w = w, b->zero = zero;
    b->ofs = z->n_act;
    z->n_act += (size_t)z->B * c * h * w;
    return z->n_bufs++;
}

static zop *add_op(znet *z, int kind, int in, int out)
{
    NB_ASSERT(z->n_ops < (int)(sizeof z->ops / sizeof z->ops[0]));
    zop *o = &z->ops[z->n_ops++];
    memset(o, 0, sizeof *o);
    o->kind = kind, o->in = in, o->out = out;
    o->c = z->bufs[in].c, o->h = z->bufs[in].h, o->w = z->bufs[in].w;
    return o;
}

/* conv in -> new buffer (or into `into` with acc), parameters taken in nn/net.c's order */
static int conv_op(znet *z, int in, int cout, int k, int stride, int relu_in, int into)
{
    const zbuf *b = &z->bufs[in];
    int ho = nn_conv_out(b->h, k, stride, k / 2), wo = nn_conv_out(b->w, k, stride, k / 2);
    int out = into >= 0 ? into : add_buf(z, cout, ho, wo, 0);
    zop *o = add_op(z, T_CONV, in, out);
    o->d = (nn_conv_desc){b->c, cout, k, stride, k / 2, relu_in};
    o->acc = into >= 0;
    o->wofs = z->n_params;
    z->n_params += (size_t)cout * b->c * k * k;
    size_t s = nn_conv_scratch(&o->d, z->B, b->h, b->w);
    if (s > z->n_scratch) z->n_scratch = s;
    return out;
}

static void bn_op(znet *z, int in, int out, int acc)
{
    const zbuf *b = &z->bufs[in];
    int xh = add_buf(z, b->c, b->h, b->w, 0);
    zop *o = add_op(z, T_BN, in, out);
    o->xhat = xh, o->acc = acc;
    o->pofs = z->n_params;
    z->n_params += 2 * (size_t)b->c;
    o->sofs = z->n_state;
    z->n_state += 4 * (size_t)b->c;
}

/* The tape of nn/net.c's plan(), same parameter order. */
static void build(znet *z, const space_net *d)
{
    const nn_config *cfg = &z->cfg;
    z->xb = add_buf(z, cfg->in_ch, cfg->H, cfg->W, 0);
    int c = d->stem_c;
    int cur = add_buf(z, c, cfg->H, cfg->W, 0);
    bn_op(z, conv_op(z, z->xb, c, 3, 1, 0, -1), cur, 0);
    for (int li = 0; li < d->n_layers; li++) {
        const int h = z->bufs[cur].h, w = z->bufs[cur].w, co = d->layer[li].c_out;
        if (d->layer[li].kind == SPACE_NET_RESBLOCK) {
            int a = add_buf(z, co, (h + 1) / 2, (w + 1) / 2, 0);
            bn_op(z, conv_op(z, cur, co, 3, 2, 1, -1), a, 0);
            int out = add_buf(z, co, (h + 1) / 2, (w + 1) / 2, 0);
            bn_op(z, conv_op(z, a, co, 3, 1, 1, -1), out, 0);
            int pool = add_buf(z, c, (h + 1) / 2, (w + 1) / 2, 0);
            add_op(z, T_POOL2, cur, pool);
            conv_op(z, pool, co, 1, 1, 0, out);
            cur = out, c = co;
            continue;
        }
        const space_net_cell *cell = &d->cell;
        int node[SPACE_NET_NODES_MAX];
        node[0] = cur;
        for (int k = 1; k < cell->n_nodes; k++) node[k] = add_buf(z, co, h, w, 1);
        for (int e = 0; e < cell->n_edges; e++) {
            const space_net_edge *se = &cell->edge[e];
            const int src = node[se->from], dst = node[se->to], ci = z->bufs[src].c;
            if (se->op == SPACE_NET_IDENTITY && ci != co)
                bn_op(z, conv_op(z, src, co, 1, 1, 0, -1), dst, 1);
            else if (se->op == SPACE_NET_IDENTITY)
                add_op(z, T_IDENT, src, dst);
            else if (se->op == SPACE_NET_AVG_POOL3)
                add_op(z, T_POOL3, src, dst)->acc = 1;
            else
                bn_op(z, conv_op(z, src, co, se->k, 1, 1, -1), dst, 1);
        }
        cur = node[cell->n_nodes - 1], c = co;
    }
    const int h = z->bufs[cur].h, w = z->bufs[cur].w;
    z->headb = add_buf(z, c, h, w, 0);
    bn_op(z, cur, z->headb, 0);
    z->featb = add_buf(z, c, 1, 1, 0);
    add_op(z, T_GAPRELU, z->headb, z->featb);
    z->logitb = add_buf(z, cfg->classes, 1, 1, 0);
    zop *o = add_op(z, T_LINEAR, z->featb, z->logitb);
    o->h = cfg->classes;
    o->wofs = z->n_params;
    z->n_params += (size_t)cfg->classes * c;
    o->pofs = z->n_params;
    z->n_params += (size_t)cfg->classes;
}

static void znet_free(znet *z)
{
    if (!z) return;
    free(z->p), free(z->g), free(z->state), free(z->act), free(z->gact), free(z->scratch);
    free(z);
}

/* The tape for (space, arch) at cfg with B images, parameters initialised
 * by nn_net_init(seed) (copied from an nn_net, which also checks the layout). */
static nb_status znet_create(const nn_config *cfg, int B, const space_def *space,
                             const space_arch *arch, uint64_t seed, znet **out)
{
    *out = NULL;
    nn_config c1 = *cfg;
    c1.batch = 1, c1.reference = 0;
    nn_net *net = NULL;
    nb_status st = nn_net_create(&c1, space, arch, &net);
    if (st != NB_OK) return st;
    space_net d;
    if ((st = space->network(arch, cfg->C, cfg->N, &d)) != NB_OK) {
        nn_net_destroy(net);
        return st;
    }
    znet *z = nb_xcalloc_array(1, sizeof *z);
    z->cfg = *cfg, z->B = B;
    build(z, &d);
    NB_ASSERT(z->n_params == nn_net_num_params(net));
    nn_net_init(net, seed);
    size_t bytes = (2 * z->n_act + z->n_scratch + 2 * z->n_params + z->n_state) * sizeof(float);
    z->p = malloc(z->n_params * sizeof(float));
    z->g = calloc(z->n_params, sizeof(float));
    z->state = calloc(z->n_state ? z->n_state : 1, sizeof(float));
    z->act = calloc(z->n_act, sizeof(float));
    z->gact = calloc(z->n_act, sizeof(float));
    z->scratch = calloc(z->n_scratch ? z->n_scratch : 1, sizeof(float));
    if (!z->p || !z->g || !z->state || !z->act || !z->gact || !z->scratch) {
        znet_free(z);
        nn_net_destroy(net);
        return nb_fail(NB_ENOMEM, "proxies: cannot allocate %.1f MiB for the network; hint: a "
                       "smaller --batch", bytes / 1048576.0);
    }
    memcpy(z->p, nn_net_params(net), z->n_params * sizeof(float));
    nn_net_destroy(net);
    for (int i = 0; i < z->n_ops; i++)
        if (z->ops[i].kind == T_BN)
            for (int ch = 0; ch < z->ops[i].c; ch++) z->state[z->ops[i].sofs + 3 * z->ops[i].c + ch] = 1.0f;
    *out = z;
    return NB_OK;
}

#define ZA(z, b) ((z)->act + (z)->bufs[b].ofs)
#define ZG(z, b) ((z)->gact + (z)->bufs[b].ofs)

static size_t buf_len(const znet *z, int b)
{
    const zbuf *u = &z->bufs[b];
    return (size_t)z->n * u->c * u->h * u->w;
}

static void add_into(float *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++) dst[i] += src[i];
}

/* Train-mode forward (batch statistics; running statistics updated). */
static void zforward(znet *z, const float *x, int n)
{
    NB_ASSERT(n >= 1 && n <= z->B);
    z->n = n;
    for (int b = 0; b < z->n_bufs; b++)
        if (z->bufs[b].zero) memset(ZA(z, b), 0, buf_len(z, b) * sizeof(float));
    memcpy(ZA(z, z->xb), x, buf_len(z, z->xb) * sizeof(float));
    for (int i = 0; i < z->n_ops; i++) {
        const zop *o = &z->ops[i];
        float *in = ZA(z, o->in), *out = ZA(z, o->out);
        const int hw = o->h * o->w;
        switch (o->kind) {
        case T_CONV:
            nn_conv2d_forward(&o->d, n, o->h, o->w, in, z->p + o->wofs, out, o->acc ? NN_ADD : NN_SET,
                              z->scratch);
            break;
        case T_BN: {
            float *s = z->state + o->sofs;
            nn_bn_forward_train(n, o->c, hw, in, ZA(z, o->xhat), z->p + o->pofs, z->p + o->pofs + o->c,
                                out, o->acc ? NN_ADD : NN_SET, s, s + o->c, s + 2 * o->c,
                                s + 3 * o->c);
            break;
        }
        case T_IDENT: add_into(out, in, buf_len(z, o->in)); break;
        case T_POOL3: nn_avgpool3_forward(n, o->c, o->h, o->w, in, out, NN_ADD); break;
        case T_POOL2: nn_avgpool2_forward(n, o->c, o->h, o->w, in, out); break;
        case T_GAPRELU: nn_gap_relu_forward(n, o->c, hw, in, out); break;
        default:
            nn_linear_forward(n, o->c, o->h, in, z->p + o->wofs, z->p + o->pofs, out);
        }
    }
}

/* Backward of the last forward from dlogits (n, classes): parameter
 * gradients into z->g (overwritten), activation gradients into z->gact;
 * the input's gradient too when want_dx. */
static void zbackward(znet *z, const float *dlogits, int want_dx)
{
    const int n = z->n;
    memset(z->g, 0, z->n_params * sizeof(float));
    memset(z->gact, 0, z->n_act * sizeof(float));
    memcpy(ZG(z, z->logitb), dlogits, buf_len(z, z->logitb) * sizeof(float));
    for (int i = z->n_ops - 1; i >= 0; i--) {
        const zop *o = &z->ops[i];
        const float *in = ZA(z, o->in), *gout = ZG(z, o->out);
        float *gin = ZG(z, o->in);
        const int hw = o->h * o->w;
        switch (o->kind) {
        case T_CONV:
            nn_conv2d_backward(&o->d, n, o->h, o->w, in, z->p + o->wofs, gout,
                               o->in == z->xb && !want_dx ? NULL : gin, z->g + o->wofs, z->scratch);
            break;
        case T_BN:
            nn_bn_backward(n, o->c, hw, ZA(z, o->xhat), z->p + o->pofs, z->state + o->sofs + o->c,
                           gout, gin, z->g + o->pofs, z->g + o->pofs + o->c);
            break;
        case T_IDENT: add_into(gin, gout, buf_len(z, o->in)); break;
        case T_POOL3: nn_avgpool3_backward(n, o->c, o->h, o->w, gout, gin); break;
        case T_POOL2: nn_avgpool2_backward(n, o->c, o->h, o->w, gout, gin); break;
        case T_GAPRELU: nn_gap_relu_backward(n, o->c, hw, in, gout, gin); break;
        default:
            nn_linear_backward(n, o->c, o->h, in, z->p + o->wofs, gout, gin, z->g + o->wofs,
                               z->g + o->pofs);
        }
    }
}

/* Mean cross-entropy gradient of the last forward into dl (n, classes). */
static double xent_grad(const znet *z, const int32_t *y, float *dl)
{
    return nn_softmax_xent(z->n, z->cfg.classes, ZA(z, z->logitb), y, dl, NULL);
}

static size_t weight_len(const zop *o)
{
    return o->kind == T_CONV ? (size_t)o->d.cout * o->d.cin * o->d.k * o->d.k : (size_t)o->c * o->h;
}

static int has_weight(const zop *o) { return o->kind == T_CONV || o->kind == T_LINEAR; }

nb_status nn_zc_forward_backward(const nn_zc_config *cfg, const space_def *space,
                                 const space_arch *arch, float *logits, float *grads)
{
    znet *z;
    nb_status st = znet_create(&cfg->net, cfg->batch, space, arch, cfg->seed, &z);
    if (st != NB_OK) return st;
    zforward(z, cfg->x, cfg->batch);
    size_t nl = (size_t)cfg->batch * cfg->net.classes;
    memcpy(logits, ZA(z, z->logitb), nl * sizeof(float));
    float *dl = nb_xcalloc_array(nl, sizeof(float));
    xent_grad(z, cfg->y, dl);
    zbackward(z, dl, 0);
    memcpy(grads, z->g, z->n_params * sizeof(float));
    free(dl);
    znet_free(z);
    return NB_OK;
}

/* ---- small dense linear algebra (double) */

double nn_zc_logdet(double *A, int n)
{
    double s = 0;
    for (int k = 0; k < n; k++) {
        int p = k;
        for (int i = k + 1; i < n; i++)
            if (fabs(A[(size_t)i * n + k]) > fabs(A[(size_t)p * n + k])) p = i;
        if (A[(size_t)p * n + k] == 0.0) return -INFINITY;
        if (p != k)
            for (int j = 0; j < n; j++) {
                double t = A[(size_t)k * n + j];
                A[(size_t)k * n + j] = A[(size_t)p * n + j];
                A[(size_t)p * n + j] = t;
            }
        const double piv = A[(size_t)k * n + k];
        s += log(fabs(piv));
        for (int i = k + 1; i < n; i++) {
            const double f = A[(size_t)i * n + k] / piv;
            for (int j = k + 1; j < n; j++) A[(size_t)i * n + j] -= f * A[(size_t)k * n + j];
        }
    }
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void nn_zc_sym_eigvals(double *A, int n, double *ev)
{
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                if (i != j) off += A[(size_t)i * n + j] * A[(size_t)i * n + j];
                else diag += A[(size_t)i * n + j] * A[(size_t)i * n + j];
        if (off <= 1e-30 * (diag > 1e-300 ? diag : 1e-300)) break;
        for (int p = 0; p < n - 1; p++)
            for (int q = p + 1; q < n; q++) {
                const double apq = A[(size_t)p * n + q];
                if (apq == 0.0) continue;
                const double app = A[(size_t)p * n + p], aqq = A[(size_t)q * n + q];
                const double theta = (aqq - app) / (2 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                const double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < n; k++) { /* columns p, q */
                    const double akp = A[(size_t)k * n + p], akq = A[(size_t)k * n + q];
                    A[(size_t)k * n + p] = c * akp - s * akq;
                    A[(size_t)k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) { /* rows p, q */
                    const double apk = A[(size_t)p * n + k], aqk = A[(size_t)q * n + k];
                    A[(size_t)p * n + k] = c * apk - s * aqk;
                    A[(size_t)q * n + k] = s * apk + c * aqk;
                }
            }
    }
    for (int i = 0; i < n; i++) ev[i] = A[(size_t)i * n + i];
    qsort(ev, (size_t)n, sizeof *ev, cmp_double);
}

void nn_zc_nwot_kernel_add(const uint8_t *codes, int n, size_t d, double *K)
{
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            const uint8_t *a = codes + (size_t)i * d, *b = codes + (size_t)j * d;
            size_t agree = 0;
            for (size_t k = 0; k < d; k++) agree += a[k] == b[k];
            K[(size_t)i * n + j] += (double)agree;
            if (j != i) K[(size_t)j * n + i] += (double)agree;
        }
}

/* ---- the proxies */

/* NASWOT (Mellor et al., ICML 2021, sec. 3; NASLib nwot.py): every ReLU's
 * input x (conv edges with relu_in, the last BN+ReLU) gives codes x > 0 per
 * image; K = sum over ReLUs of c c^T + (1-c)(1-c)^T; score log|det K|. */
static double zc_nwot(znet *z)
{
    const int n = z->n;
    double *K = nb_xcalloc_array((size_t)n * n, sizeof(double));
    uint8_t *codes = NULL;
    size_t cap = 0;
    for (int i = 0; i < z->n_ops; i++) {
        const zop *o = &z->ops[i];
        int b;
        if (o->kind == T_CONV && o->d.relu_in) b = o->in;
        else if (o->kind == T_GAPRELU) b = o->in;
        else continue;
        const size_t d = (size_t)z->bufs[b].c * z->bufs[b].h * z->bufs[b].w;
        if (d * n > cap) {
            free(codes);
            cap = d * n;
            codes = nb_xmalloc(cap);
        }
        const float *a = ZA(z, b);
        for (size_t k = 0; k < d * n; k++) codes[k] = a[k] > 0.0f;
        nn_zc_nwot_kernel_add(codes, n, d, K);
    }
    free(codes);
    double s = nn_zc_logdet(K, n);
    free(K);
    return s;
}

/* jacob_cov (Mellor et al. 2020 v1, eq. 2; NASLib jacov.py): J = d sum(logits)
 * / d x per image; corr = corrcoef(J); score -sum(log(v + k) + 1/(v + k)),
 * k = 1e-5, over the eigenvalues v of corr. NaN when an image's J is constant. */
static double zc_jacob_cov(znet *z)
{
    const int n = z->n;
    size_t nl = (size_t)n * z->cfg.classes, d = buf_len(z, z->xb) / n;
    float *ones = nb_xmalloc(nl * sizeof(float));
    for (size_t i = 0; i < nl; i++) ones[i] = 1.0f;
    zbackward(z, ones, 1);
    free(ones);
    const float *J = ZG(z, z->xb);
    double *C = nb_xcalloc_array((size_t)n * n, sizeof(double)), *m = nb_xcalloc_array(n, sizeof(double));
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (size_t k = 0; k < d; k++) s += J[(size_t)i * d + k];
        m[i] = s / d;
    }
    for (int i = 0; i < n; i++)
        for (int j = i; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < d; k++)
                s += (J[(size_t)i * d + k] - m[i]) * (J[(size_t)j * d + k] - m[j]);
            C[(size_t)i * n + j] = C[(size_t)j * n + i] = s;
        }
    double v = 0;
    for (int i = 0; i < n; i++)
        if (!(C[(size_t)i * n + i] > 0)) v = NAN;
    if (v == 0) {
        double *R = nb_xcalloc_array((size_t)n * n, sizeof(double)), *ev = m;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                R[(size_t)i * n + j] =
                    C[(size_t)i * n + j] / sqrt(C[(size_t)i * n + i] * C[(size_t)j * n + j]);
        nn_zc_sym_eigvals(R, n, ev);
        const double k = 1e-5;
        for (int i = 0; i < n; i++) v -= log(ev[i] + k) + 1.0 / (ev[i] + k);
        free(R);
    }
    free(C), free(m);
    return v;
}

/* Fisher (Theis et al. 2018; Turner et al. 2020; NASLib fisher.py): for
 * every conv and linear output a with gradient g of the loss, per image n
 * and channel k: s_nk = sum_hw a g; score sum_k 0.5 mean_n s_nk^2. A conv
 * that adds into its destination (the residual shortcut) is recomputed
 * alone into scratch: a is its own output. Needs the CE backward done. */
static double zc_fisher(znet *z)
{
    const int n = z->n;
    double total = 0;
    float *own = NULL;
    for (int i = 0; i < z->n_ops; i++) {
        const zop *o = &z->ops[i];
        if (!has_weight(o)) continue;
        const zbuf *ob = &z->bufs[o->out];
        const size_t hw = (size_t)ob->h * ob->w, len = buf_len(z, o->out);
        const float *a = ZA(z, o->out), *g = ZG(z, o->out);
        if (o->kind == T_CONV && o->acc) {
            own = nb_xmalloc(len * sizeof(float));
            nn_conv2d_forward(&o->d, n, o->h, o->w, ZA(z, o->in), z->p + o->wofs, own, NN_SET,
                              z->scratch);
            a = own;
        }
        for (int k = 0; k < ob->c; k++) {
            double sq = 0;
            for (int im = 0; im < n; im++) {
                const size_t base = ((size_t)im * ob->c + k) * hw;
                double s = 0;
                for (size_t q = 0; q < hw; q++) s += (double)a[base + q] * g[base + q];
                sq += s * s;
            }
            total += 0.5 * sq / n;
        }
        free(own);
        own = NULL;
    }
    return total;
}

/* Gradient statistics over conv and linear weights (NASLib snip.py,
 * grad_norm.py, plain.py, l2_norm.py): snip sum |w g|, grad_norm sum over
 * layers of ||g||_2, plain sum w g, l2_norm sum over layers of ||w||_2. */
static void zc_weight_stats(const znet *z, double *snip, double *gnorm, double *plain, double *l2)
{
    *snip = *gnorm = *plain = *l2 = 0;
    for (int i = 0; i < z->n_ops; i++) {
        const zop *o = &z->ops[i];
        if (!has_weight(o)) continue;
        const float *w = z->p + o->wofs, *g = z->g + o->wofs;
        double gg = 0, ww = 0;
        for (size_t k = 0; k < weight_len(o); k++) {
            *snip += fabs((double)w[k] * g[k]);
            *plain += (double)w[k] * g[k];
            gg += (double)g[k] * g[k];
            ww += (double)w[k] * w[k];
        }
        *gnorm += sqrt(gg);
        *l2 += sqrt(ww);
    }
}

/* GraSP (Wang et al., ICLR 2020, eq. 8; NASLib grasp.py): -sum w (H g) over
 * conv and linear weights, g the CE gradient, H the Hessian of the CE loss
 * in those weights. The engine has no double backward, so H g is the
 * central difference of the gradient along g: (grad(w + t g) -
 * grad(w - t g)) / 2t with t = 1e-2 / ||g|| (a perturbation of norm 0.01).
 * Needs the CE gradient in z->g; leaves z->p as it found it. */
static double zc_grasp(znet *z, const float *x, const int32_t *y)
{
    const size_t P = z->n_params;
    float *g0 = nb_xmalloc(P * sizeof(float)), *p0 = nb_xmalloc(P * sizeof(float));
    float *gp = nb_xmalloc(P * sizeof(float));
    float *dl = nb_xmalloc((size_t)z->n * z->cfg.classes * sizeof(float));
    memcpy(g0, z->g, P * sizeof(float));
    memcpy(p0, z->p, P * sizeof(float));
    double gn = 0;
    for (int i = 0; i < z->n_ops; i++)
        if (has_weight(&z->ops[i]))
            for (size_t k = 0; k < weight_len(&z->ops[i]); k++)
                gn += (double)g0[z->ops[i].wofs + k] * g0[z->ops[i].wofs + k];
    double v = NAN;
    if (gn > 0) {
        const double t = 1e-2 / sqrt(gn);
        const int n = z->n;
        for (int sign = 1; sign >= -1; sign -= 2) {
            for (int i = 0; i < z->n_ops; i++)
                if (has_weight(&z->ops[i]))
                    for (size_t k = 0; k < weight_len(&z->ops[i]); k++) {
                        size_t q = z->ops[i].wofs + k;
                        z->p[q] = (float)(p0[q] + sign * t * g0[q]);
                    }
            zforward(z, x, n);
            xent_grad(z, y, dl);
            zbackward(z, dl, 0);
            if (sign == 1) memcpy(gp, z->g, P * sizeof(float));
        }
        v = 0;
        for (int i = 0; i < z->n_ops; i++)
            if (has_weight(&z->ops[i]))
                for (size_t k = 0; k < weight_len(&z->ops[i]); k++) {
                    size_t q = z->ops[i].wofs + k;
                    v -= (double)p0[q] * (((double)gp[q] - z->g[q]) / (2 * t));
                }
        memcpy(z->p, p0, P * sizeof(float));
    }
    memcpy(z->g, g0, P * sizeof(float));
    free(g0), free(p0), free(gp), free(dl);
    return v;
}

/* Zen-NAS (Lin et al., ICCV 2021, Alg. 1; ZenNAS compute_zen_score.py):
 * weights ~ N(0, 1) (conv, linear), BN gamma 1 beta 0, biases 0; inputs
 * x1, x2 ~ N(0, 1); f = the pre-GAP feature (last BN + ReLU) of x1 and of
 * x1 + 0.01 x2, both in train mode; score log(mean_n sum |f(x1) - f(x1 +
 * 0.01 x2)|) + sum over BNs log sqrt(mean running_var). */
static double zc_zen(znet *z, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 2, NB_PURPOSE_INIT);
    memset(z->p, 0, z->n_params * sizeof(float));
    for (int i = 0; i < z->n_ops; i++) {
        zop *o = &z->ops[i];
        if (has_weight(o))
            for (size_t k = 0; k < weight_len(o); k++) z->p[o->wofs + k] = (float)nb_rng_normal(&r);
        if (o->kind == T_BN) {
            for (int ch = 0; ch < o->c; ch++) {
                z->p[o->pofs + ch] = 1.0f;
                z->state[o->sofs + 2 * o->c + ch] = 0.0f;
                z->state[o->sofs + 3 * o->c + ch] = 1.0f;
            }
        }
    }
    const int n = z->B;
    const size_t len = (size_t)n * z->cfg.in_ch * z->cfg.H * z->cfg.W;
    float *x1 = nb_xmalloc(len * sizeof(float)), *x2 = nb_xmalloc(len * sizeof(float));
    nb_rng_init(&r, seed, 2, NB_PURPOSE_DATA);
    for (size_t k = 0; k < len; k++) x1[k] = (float)nb_rng_normal(&r);
    for (size_t k = 0; k < len; k++) x2[k] = x1[k] + 0.01f * (float)nb_rng_normal(&r);
    zforward(z, x1, n);
    const size_t fl = buf_len(z, z->headb);
    float *f1 = nb_xmalloc(fl * sizeof(float));
    memcpy(f1, ZA(z, z->headb), fl * sizeof(float));
    zforward(z, x2, n);
    const float *f2 = ZA(z, z->headb);
    double s = 0;
    for (size_t k = 0; k < fl; k++) s += fabs((double)fmaxf(f1[k], 0.0f) - fmaxf(f2[k], 0.0f));
    double v = log(s / n);
    for (int i = 0; i < z->n_ops; i++) {
        const zop *o = &z->ops[i];
        if (o->kind != T_BN) continue;
        double m = 0;
        for (int ch = 0; ch < o->c; ch++) m += z->state[o->sofs + 3 * o->c + ch];
        v += log(sqrt(m / o->c));
    }
    free(x1), free(x2), free(f1);
    return v;
}

/* ---- synflow: double precision, batch of one, no batch norm */

/* The plain reference conv of one image (the first implementation; nn_zc_config
 * net.reference = 1 selects it, tests/test_proxies_nb201.c checks dconv against
 * it): forward y += conv(relu?(x), w), or backward dx += masked conv^T(dy, w),
 * dw += dy * relu?(x), looping over output pixels, then ci, ky, kx. */
static void dconv_ref(const zop *o, const double *x, const double *w, double *y, int fwd, const double *dy,
                  double *dx, double *dw)
{
    const nn_conv_desc *d = &o->d;
    const int ho = nn_conv_out(o->h, d->k, d->stride, d->pad), wo = nn_conv_out(o->w, d->k, d->stride, d->pad);
    for (int co = 0; co < d->cout; co++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                const size_t yi = ((size_t)co * ho + oy) * wo + ox;
                double s = 0;
                for (int ci = 0; ci < d->cin; ci++)
                    for (int ky = 0; ky < d->k; ky++) {
                        const int iy = oy * d->stride - d->pad + ky;
                        if (iy < 0 || iy >= o->h) continue;
                        for (int kx = 0; kx < d->k; kx++) {
                            const int ix = ox * d->stride - d->pad + kx;
                            if (ix < 0 || ix >= o->w) continue;
                            const size_t xi = ((size_t)ci * o->h + iy) * o->w + ix;
                            const size_t wi = (((size_t)co * d->cin + ci) * d->k + ky) * d->k + kx;
                            const double xv = d->relu_in && x[xi] < 0 ? 0.0 : x[xi];
                            if (fwd) {
                                s += w[wi] * xv;
                            } else {
                                dw[wi] += dy[yi] * xv;
                                if (!(d->relu_in && x[xi] <= 0)) dx[xi] += dy[yi] * w[wi];
                            }
                        }
                    }
                if (fwd) y[yi] += s;
            }
}

/* y[i] += a * x[i], i < n */
static inline void daxpy(double *y, const double *x, double a, int n)
{
    for (int i = 0; i < n; i++) y[i] += a * x[i];
}

/* y[i] += a * g[i] where m[i], i < n */
static inline void daxpy_masked(double *y, const double *g, double a, const uint8_t *m, int n)
{
    for (int i = 0; i < n; i++)
        if (m[i]) y[i] += a * g[i];
}

/* Valid output range [*lo, *hi) along one axis for kernel offset kk: input
 * coordinate o * stride - pad + kk in [0, n). */
static void drange(int n, int no, int stride, int pad, int kk, int *lo, int *hi)
{
    int a = pad - kk, b = n - 1 + pad - kk; /* need a <= o * stride <= b */
    *lo = a <= 0 ? 0 : (a + stride - 1) / stride;
    *hi = b < 0 ? 0 : b / stride + 1;
    if (*hi > no) *hi = no;
    if (*lo > *hi) *lo = *hi;
}

/* Double-precision conv of one image, forward (y += conv(relu?(x), w)) or
 * backward (dx += masked conv^T(dy, w), dw += dy * relu?(x)). The loops run
 * over kernel taps outside and output pixels inside (4x faster than
 * dconv_ref), yet every output, dx and dw element receives its terms in the
 * order of dconv_ref (the forward sums taps in (ci, ky, kx) order into a
 * per-pixel partial; dx visits taps with ky, kx descending so that each
 * input pixel sees its output pixels in ascending order; each dw sums its
 * output pixels in ascending order, cout chains side by side), so the
 * results are the same bits. xr, m: scratch of the input size (ReLU'd
 * input, its mask); part: (cout + 1) * ho * wo (one output channel forward;
 * dy transposed and the cout sums backward). */
static void dconv(const zop *o, const double *x, const double *w, double *y, int fwd, const double *dy,
                  double *dx, double *dw, double *xr, uint8_t *m, double *part)
{
    const nn_conv_desc *d = &o->d;
    const int K = d->k, S = d->stride, P = d->pad, H = o->h, W = o->w;
    const int ho = nn_conv_out(H, K, S, P), wo = nn_conv_out(W, K, S, P);
    const size_t in_len = (size_t)d->cin * H * W;
    for (size_t i = 0; i < in_len; i++) {
        xr[i] = d->relu_in && x[i] < 0 ? 0.0 : x[i];
        m[i] = !(d->relu_in && x[i] <= 0);
    }
    int ylo[8], yhi[8], xlo[8], xhi[8];
    NB_ASSERT(K <= 8);
    for (int kk = 0; kk < K; kk++) {
        drange(H, ho, S, P, kk, &ylo[kk], &yhi[kk]);
        drange(W, wo, S, P, kk, &xlo[kk], &xhi[kk]);
    }
    for (int co = 0; co < d->cout; co++) {
        if (fwd) memset(part, 0, (size_t)ho * wo * sizeof(double));
        const double *g = fwd ? NULL : dy + (size_t)co * ho * wo;
        for (int ci = 0; ci < d->cin; ci++) {
            const double *xc = xr + (size_t)ci * H * W;
            const uint8_t *mc = m + (size_t)ci * H * W;
            double *dxc = fwd ? NULL : dx + (size_t)ci * H * W;
            for (int a = 0; a < K; a++) {
                const int ky = fwd ? a : K - 1 - a;
                for (int b = 0; b < K; b++) {
                    const int kx = fwd ? b : K - 1 - b;
                    const double wv = w[(((size_t)co * d->cin + ci) * K + ky) * K + kx];
                    for (int oy = ylo[ky]; oy < yhi[ky]; oy++) {
                        /* input pixel of output ox: row0 + ox * S (row0 itself may be -P) */
                        const ptrdiff_t row0 = (ptrdiff_t)(oy * S - P + ky) * W - P + kx;
                        const int lo = xlo[kx], n = xhi[kx] - lo;
                        if (fwd) {
                            double *prow = part + (size_t)oy * wo;
                            if (S == 1)
                                daxpy(prow + lo, xc + row0 + lo, wv, n);
                            else
                                for (int ox = lo; ox < lo + n; ox++) prow[ox] += wv * xc[row0 + ox * S];
                            continue;
                        }
                        const double *grow = g + (size_t)oy * wo;
                        if (S == 1)
                            daxpy_masked(dxc + row0 + lo, grow + lo, wv, mc + row0 + lo, n);
                        else
                            for (int ox = lo; ox < lo + n; ox++)
                                if (mc[row0 + ox * S]) dxc[row0 + ox * S] += grow[ox] * wv;
                    }
                }
            }
        }
        if (fwd)
            for (size_t q = 0; q < (size_t)ho * wo; q++) y[(size_t)co * ho * wo + q] += part[q];
    }
    if (fwd) return;
    /* dw: dy transposed to (ho*wo, cout), so that the cout sums of one tap
     * run side by side (independent chains, each in ascending pixel order) */
    const int CO = d->cout;
    for (int co = 0; co < CO; co++)
        for (size_t q = 0; q < (size_t)ho * wo; q++) part[q * CO + co] = dy[(size_t)co * ho * wo + q];
    double *acc = part + (size_t)ho * wo * CO;
    for (int ci = 0; ci < d->cin; ci++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++) {
                for (int co = 0; co < CO; co++) acc[co] = 0;
                for (int oy = ylo[ky]; oy < yhi[ky]; oy++) {
                    const ptrdiff_t row0 = ((ptrdiff_t)ci * H + oy * S - P + ky) * W - P + kx;
                    for (int ox = xlo[kx]; ox < xhi[kx]; ox++) {
                        const double xv = xr[row0 + ox * S], *gt = part + ((size_t)oy * wo + ox) * CO;
                        daxpy(acc, gt, xv, CO);
                    }
                }
                for (int co = 0; co < CO; co++) dw[(((size_t)co * d->cin + ci) * K + ky) * K + kx] += acc[co];
            }
}

/* pool3 (stride 1, pad 1, count_include_pad False) or pool2 (ceil mode):
 * y += or dx += through the same windows */
static void dpool(const zop *o, int three, const double *x, double *y, const double *dy, double *dx)
{
    const int ho = three ? o->h : (o->h + 1) / 2, wo = three ? o->w : (o->w + 1) / 2;
    for (int c = 0; c < o->c; c++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                int y0 = three ? oy - 1 : 2 * oy, x0 = three ? ox - 1 : 2 * ox, k = three ? 3 : 2;
                int cnt = 0;
                for (int iy = y0; iy < y0 + k; iy++)
                    for (int ix = x0; ix < x0 + k; ix++) cnt += iy >= 0 && iy < o->h && ix >= 0 && ix < o->w;
                const size_t yi = ((size_t)c * ho + oy) * wo + ox;
                double s = 0;
                for (int iy = y0; iy < y0 + k; iy++)
                    for (int ix = x0; ix < x0 + k; ix++) {
                        if (iy < 0 || iy >= o->h || ix < 0 || ix >= o->w) continue;
                        const size_t xi = ((size_t)c * o->h + iy) * o->w + ix;
                        if (y) s += x[xi];
                        else dx[xi] += dy[yi] / cnt;
                    }
                if (y) y[yi] += s / cnt;
            }
}

/* SynFlow (Tanaka et al., NeurIPS 2020; zero-cost-nas synflow.py,
 * @measure('synflow', bn=False)): the network without batch norm, every
 * parameter replaced by its absolute value, in double; one all-ones input;
 * R = sum of the logits; score sum over conv and linear weights of w dR/dw. */
static double zc_synflow(const znet *z)
{
    size_t *ofs = nb_xcalloc_array((size_t)z->n_bufs + 1, sizeof(size_t));
    for (int b = 0; b < z->n_bufs; b++)
        ofs[b + 1] = ofs[b] + (size_t)z->bufs[b].c * z->bufs[b].h * z->bufs[b].w;
    double *a = nb_xcalloc_array(ofs[z->n_bufs], sizeof(double));
    double *ga = nb_xcalloc_array(ofs[z->n_bufs], sizeof(double));
    double *w = nb_xmalloc(z->n_params * sizeof(double)), *gw = nb_xcalloc_array(z->n_params, sizeof(double));
    for (size_t k = 0; k < z->n_params; k++) w[k] = fabs((double)z->p[k]);
    for (size_t k = ofs[z->xb]; k < ofs[z->xb + 1]; k++) a[k] = 1.0;
    size_t in_max = 1, out_max = 1; /* dconv scratch: largest conv input; (cout + 1) * output plane */
    for (int i = 0; i < z->n_ops; i++) {
        const zop *o = &z->ops[i];
        if (o->kind != T_CONV) continue;
        size_t li = ofs[o->in + 1] - ofs[o->in];
        size_t lo = ((size_t)o->d.cout + 1) * z->bufs[o->out].h * z->bufs[o->out].w;
        in_max = li > in_max ? li : in_max;
        out_max = lo > out_max ? lo : out_max;
    }
    double *xr = nb_xmalloc(in_max * sizeof(double)), *part = nb_xmalloc(out_max * sizeof(double));
    uint8_t *m = nb_xmalloc(in_max);
    for (int i = 0; i < z->n_ops; i++) {
        const zop *o = &z->ops[i];
        double *in = a + ofs[o->in], *out = a + ofs[o->out];
        const size_t len = ofs[o->in + 1] - ofs[o->in];
        switch (o->kind) {
        case T_CONV:
            if (z->cfg.reference) dconv_ref(o, in, w + o->wofs, out, 1, NULL, NULL, NULL);
            else dconv(o, in, w + o->wofs, out, 1, NULL, NULL, NULL, xr, m, part);
            break;
        case T_BN:
        case T_IDENT:
            for (size_t k = 0; k < len; k++) out[k] += in[k];
            break;
        case T_POOL3: dpool(o, 1, in, out, NULL, NULL); break;
        case T_POOL2: dpool(o, 0, in, out, NULL, NULL); break;
        case T_GAPRELU:
            for (int c = 0; c < o->c; c++) {
                double s = 0;
                for (int q = 0; q < o->h * o->w; q++) s += fmax(in[(size_t)c * o->h * o->w + q], 0.0);
                out[c] = s / (o->h * o->w);
            }
            break;
        default:
            for (int j = 0; j < o->h; j++) {
                double s = w[o->pofs + j];
                for (int c = 0; c < o->c; c++) s += w[o->wofs + (size_t)j * o->c + c] * in[c];
                out[j] = s;
            }
        }
    }
    for (size_t k = ofs[z->logitb]; k < ofs[z->logitb + 1]; k++) ga[k] = 1.0;
    for (int i = z->n_ops - 1; i >= 0; i--) {
        const zop *o = &z->ops[i];
        const double *in = a + ofs[o->in], *gout = ga + ofs[o->out];
        double *gin = ga + ofs[o->in];
        const size_t len = ofs[o->in + 1] - ofs[o->in];
        switch (o->kind) {
        case T_CONV:
            if (z->cfg.reference) dconv_ref(o, in, w + o->wofs, NULL, 0, gout, gin, gw + o->wofs);
            else dconv(o, in, w + o->wofs, NULL, 0, gout, gin, gw + o->wofs, xr, m, part);
            break;
        case T_BN:
        case T_IDENT:
            for (size_t k = 0; k < len; k++) gin[k] += gout[k];
            break;
        case T_POOL3: dpool(o, 1, NULL, NULL, gout, gin); break;
        case T_POOL2: dpool(o, 0, NULL, NULL, gout, gin); break;
        case T_GAPRELU:
            for (int c = 0; c < o->c; c++)
                for (int q = 0; q < o->h * o->w; q++) {
                    const size_t k = (size_t)c * o->h * o->w + q;
                    if (in[k] > 0) gin[k] += gout[c] / (o->h * o->w);
                }
            break;
        default:
            for (int j = 0; j < o->h; j++)
                for (int c = 0; c < o->c; c++) {
                    gw[o->wofs + (size_t)j * o->c + c] += gout[j] * in[c];
                    gin[c] += gout[j] * w[o->wofs + (size_t)j * o->c + c];
                }
        }
    }
    double s = 0;
    for (int i = 0; i < z->n_ops; i++)
        if (has_weight(&z->ops[i]))
            for (size_t k = 0; k < weight_len(&z->ops[i]); k++)
                s += w[z->ops[i].wofs + k] * gw[z->ops[i].wofs + k];
    free(ofs), free(a), free(ga), free(w), free(gw), free(xr), free(part), free(m);
    return s;
}

nb_status nn_zc_compute(const nn_zc_config *cfg, const space_def *space, const space_arch *arch,
                        const nn_zc_id *ids, int n, double *out)
{
    if (cfg->batch < 2 || cfg->batch > cfg->net.batch)
        return nb_fail(NB_EINVAL, "proxies: batch %d out of range 2..%d", cfg->batch, cfg->net.batch);
    znet *z;
    nb_status st = znet_create(&cfg->net, cfg->batch, space, arch, cfg->seed, &z);
    if (st != NB_OK) return st;
    int want[NN_ZC_COUNT] = {0};
    for (int i = 0; i < n; i++) {
        NB_ASSERT((unsigned)ids[i] < NN_ZC_COUNT);
        want[ids[i]] = 1;
    }
    double v[NN_ZC_COUNT];
    for (int i = 0; i < NN_ZC_COUNT; i++) v[i] = NAN;
    if (want[NN_ZC_SYNFLOW]) v[NN_ZC_SYNFLOW] = zc_synflow(z);
    if (want[NN_ZC_PARAMS]) v[NN_ZC_PARAMS] = (double)nn_net_param_count(&cfg->net, space, arch);
    if (want[NN_ZC_FLOPS]) v[NN_ZC_FLOPS] = nn_net_flops(&cfg->net, space, arch);
    if (want[NN_ZC_NWOT] || want[NN_ZC_JACOB_COV]) {
        zforward(z, cfg->x, cfg->batch);
        if (want[NN_ZC_NWOT]) v[NN_ZC_NWOT] = zc_nwot(z);
        if (want[NN_ZC_JACOB_COV]) v[NN_ZC_JACOB_COV] = zc_jacob_cov(z);
    }
    if (want[NN_ZC_SNIP] || want[NN_ZC_GRAD_NORM] || want[NN_ZC_PLAIN] || want[NN_ZC_L2_NORM] ||
        want[NN_ZC_FISHER] || want[NN_ZC_GRASP]) {
        float *dl = nb_xmalloc((size_t)cfg->batch * cfg->net.classes * sizeof(float));
        zforward(z, cfg->x, cfg->batch);
        xent_grad(z, cfg->y, dl);
        zbackward(z, dl, 0);
        free(dl);
        zc_weight_stats(z, &v[NN_ZC_SNIP], &v[NN_ZC_GRAD_NORM], &v[NN_ZC_PLAIN], &v[NN_ZC_L2_NORM]);
        if (want[NN_ZC_FISHER]) v[NN_ZC_FISHER] = zc_fisher(z);
        if (want[NN_ZC_GRASP]) v[NN_ZC_GRASP] = zc_grasp(z, cfg->x, cfg->y);
    }
    if (want[NN_ZC_ZEN]) v[NN_ZC_ZEN] = zc_zen(z, cfg->seed); /* last: re-initialises the weights */
    for (int i = 0; i < n; i++) out[i] = v[ids[i]];
    znet_free(z);
    return NB_OK;
}

void nn_zc_batch(const nn_data *d, int batch, int in_ch, int h, int w, int classes, uint64_t seed,
                 float *x, int32_t *y)
{
    nb_rng r;
    if (!d) {
        nb_rng_init(&r, seed, 1, NB_PURPOSE_DATA);
        const size_t len = (size_t)batch * in_ch * h * w;
        for (size_t k = 0; k < len; k++) x[k] = (float)nb_rng_normal(&r);
        for (int i = 0; i < batch; i++) y[i] = (int32_t)nb_rng_below(&r, (uint64_t)classes);
        return;
    }
    NB_ASSERT((size_t)batch <= d->n && d->c == in_ch && d->h == h && d->w == w);
    nb_rng_init(&r, seed, 0, NB_PURPOSE_DATA);
    size_t *perm = nb_xmalloc(d->n * sizeof(size_t));
    for (size_t i = 0; i < d->n; i++) perm[i] = i;
    for (int i = 0; i < batch; i++) { /* partial Fisher-Yates */
        size_t j = i + (size_t)nb_rng_below(&r, d->n - i), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    nn_data_batch(d, perm, batch, 0, &r, x, y);
    free(perm);
}
