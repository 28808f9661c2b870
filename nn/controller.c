/* nn/controller.c - the LSTM policy controller (contract: nn/controller.h).
 *
 * Forward, step t (H units, K = largest choice count, n = n_choices[t]):
 *   xh  = [x_t ; h_{t-1}]                        (2H), h_{-1} = c_{-1} = 0
 *   pre = W xh + b                                (4H), rows i, f, g, o
 *   i = sig(pre_i), f = sig(pre_f), g = tanh(pre_g), o = sig(pre_o)
 *   c_t = f * c_{t-1} + i * g,  h_t = o * tanh(c_t)
 *   z = Wo[0..n) h_t + bo[0..n),  s = z / temperature,  l = tanh_c * tanh(s)
 *   log p = l - logsumexp(l),  H_t = -sum_k p_k log p_k
 * Backward of L = sum_t [-A log p_t(a_t) - w H_t] (A the advantage, w the
 * entropy weight), by hand:
 *   dl_k  = -A (1[k = a_t] - p_k) + w p_k (log p_k + H_t)
 *           (dH/dl_k = -p_k (log p_k + H))
 *   dz    = dl * tanh_c (1 - tanh(s)^2) / temperature
 *   dWo  += dz h_t^T, dbo += dz, dh_t = Wo^T dz + (from step t+1)
 *   dc_t  = (from step t+1: dc_{t+1} * f_{t+1}) + dh_t * o * (1 - tanh(c_t)^2)
 *   dpre  = [dc g i(1-i); dc c_{t-1} f(1-f); dc i (1-g^2); dh tanh(c_t) o(1-o)]
 *   dW   += dpre xh^T, db += dpre, dxh = W^T dpre
 *   dxh[0..H) -> start (t = 0) or emb row a_{t-1};  dxh[H..2H) -> dh_{t-1}
 * Every loop runs in a fixed order in double precision: results are the
 * same bit for bit for the same inputs. Checked against central finite
 * differences by tests/test_controller.c. */
#include "nn/controller.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nn_ctrl {
    nn_ctrl_config cfg;
    const space_def *sp;
    int H, K, T;
    size_t n, off[NN_CTRL_GROUPS + 1];
    double *param, *grad, *m, *v; /* (n) each, one allocation */
    long adam_t;                  /* Adam steps taken */
    int n_acc;                    /* rewards accumulated since the last step */
    int has_baseline;
    double baseline;
    /* forward caches of the last run, one allocation */
    double *xh;   /* (T, 2H) [x_t ; h_{t-1}] */
    double *gate; /* (T, 4H) activated i, f, g, o */
    double *cs;   /* (T + 1, H) c_{t-1} at row t: row 0 is zero */
    double *hs;   /* (T, H) h_t */
    double *tc;   /* (T, H) tanh(c_t) */
    double *u;    /* (T, K) tanh(s), s = z / temperature */
    double *logp; /* (T, K) log-probabilities */
    double *p;    /* (T, K) probabilities */
    double *ent;  /* (T) H_t */
    /* backward scratch */
    double *dh, *dc, *dpre, *dxh, *dl; /* (H), (H), (4H), (2H), (K) */
};

nn_ctrl_config nn_ctrl_config_default(void)
{
    nn_ctrl_config c = {
        .hidden = 64,
        .temperature = 5.0,
        .tanh_c = 2.5,
        .init_range = 0.1,
        .lr = 1e-3,
        .beta1 = 0.0,
        .beta2 = 0.999,
        .eps = 1e-3,
        .grad_clip = 5.0,
        .entropy_weight = 1e-4,
        .baseline_decay = 0.99,
    };
    return c;
}

static nb_status check_config(const nn_ctrl_config *cfg, const space_def *sp)
{
    const char *hint = "hint: start from nn_ctrl_config_default()";
    if (cfg->hidden < 1 || cfg->hidden > 4096)
        return nb_fail(NB_EINVAL, "controller: hidden = %d, want 1..4096; %s", cfg->hidden, hint);
    struct {
        const char *name;
        double v, lo, hi;
        int open_hi, open_lo;
    } f[] = {
        {"temperature", cfg->temperature, 0, HUGE_VAL, 0, 0},
        {"tanh_c", cfg->tanh_c, 0, HUGE_VAL, 0, 0},
        {"init_range", cfg->init_range, 0, HUGE_VAL, 0, 0},
        {"lr", cfg->lr, 0, HUGE_VAL, 0, 1},
        {"beta1", cfg->beta1, 0, 1, 1, 0},
        {"beta2", cfg->beta2, 0, 1, 1, 0},
        {"eps", cfg->eps, 0, HUGE_VAL, 0, 1},
        {"grad_clip", cfg->grad_clip, 0, HUGE_VAL, 0, 0},
        {"entropy_weight", cfg->entropy_weight, 0, HUGE_VAL, 0, 0},
        {"baseline_decay", cfg->baseline_decay, 0, 1, 0, 0},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        double v = f[i].v;
        int bad = !isfinite(v) || v < f[i].lo || v > f[i].hi || (f[i].open_lo && v == f[i].lo) ||
                  (f[i].open_hi && v == f[i].hi);
        if (bad)
            return nb_fail(NB_EINVAL, "controller: %s = %g, want %s%g, %g%s; %s", f[i].name, v,
                           f[i].open_lo ? "(" : "[", f[i].lo, f[i].hi, f[i].open_hi ? ")" : "]",
                           hint);
    }
    if (!sp || sp->n_decisions < 1 || sp->n_decisions > SPACE_ARCH_MAX || !sp->n_choices)
        return nb_fail(NB_EINVAL, "controller: space '%s' has %d decisions, want 1..%d",
                       sp && sp->name ? sp->name : "(null)", sp ? sp->n_decisions : 0,
                       SPACE_ARCH_MAX);
    for (int t = 0; t < sp->n_decisions; t++)
        if (sp->n_choices[t] < 1)
            return nb_fail(NB_EINVAL, "controller: space '%s': decision %d has no choice",
                           sp->name ? sp->name : "(null)", t);
    return NB_OK;
}

nb_status nn_ctrl_create(const nn_ctrl_config *cfg, const space_def *sp, nb_rng *init,
                         nn_ctrl **out)
{
    NB_ASSERT(cfg && init && out);
    *out = NULL;
    nb_status st = check_config(cfg, sp);
    if (st != NB_OK) return st;
    nn_ctrl *c = nb_xcalloc_array(1, sizeof *c);
    c->cfg = *cfg;
    c->sp = sp;
    c->H = cfg->hidden;
    c->T = sp->n_decisions;
    c->K = 0;
    for (int t = 0; t < c->T; t++)
        if (sp->n_choices[t] > c->K) c->K = sp->n_choices[t];
    size_t H = (size_t)c->H, K = (size_t)c->K, T = (size_t)c->T;
    size_t len[NN_CTRL_GROUPS] = {H, K * H, 4 * H * 2 * H, 4 * H, K * H, K};
    c->off[0] = 0;
    for (int g = 0; g < NN_CTRL_GROUPS; g++) c->off[g + 1] = c->off[g] + len[g];
    c->n = c->off[NN_CTRL_GROUPS];
    c->param = nb_xcalloc_array(4 * c->n, sizeof *c->param);
    c->grad = c->param + c->n;
    c->m = c->grad + c->n;
    c->v = c->m + c->n;
    size_t cache = T * 2 * H + T * 4 * H + (T + 1) * H + 2 * T * H + 3 * T * K + T;
    size_t scratch = H + H + 4 * H + 2 * H + K;
    c->xh = nb_xcalloc_array(cache + scratch, sizeof *c->xh);
    c->gate = c->xh + T * 2 * H;
    c->cs = c->gate + T * 4 * H;
    c->hs = c->cs + (T + 1) * H;
    c->tc = c->hs + T * H;
    c->u = c->tc + T * H;
    c->logp = c->u + T * K;
    c->p = c->logp + T * K;
    c->ent = c->p + T * K;
    c->dh = c->ent + T;
    c->dc = c->dh + H;
    c->dpre = c->dc + H;
    c->dxh = c->dpre + 4 * H;
    c->dl = c->dxh + 2 * H;
    /* weights uniform in +-init_range, one draw each in block order; b, bo stay 0 */
    static const int weights[] = {NN_CTRL_START, NN_CTRL_EMB, NN_CTRL_W, NN_CTRL_WO};
    for (size_t i = 0; i < sizeof weights / sizeof weights[0]; i++) {
        int g = weights[i];
        for (size_t j = c->off[g]; j < c->off[g + 1]; j++)
            c->param[j] = cfg->init_range * (2.0 * nb_rng_uniform(init) - 1.0);
    }
    *out = c;
    return NB_OK;
}

void nn_ctrl_destroy(nn_ctrl *c)
{
    if (!c) return;
    free(c->param);
    free(c->xh);
    free(c);
}

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

/* One LSTM step and the distribution of decision t; xh[t]'s first half
 * (the input) is already set. */
static void cell(nn_ctrl *c, int t)
{
    const int H = c->H, K = c->K, n = c->sp->n_choices[t];
    double *xh = c->xh + (size_t)t * 2 * H;
    const double *hprev = t ? c->hs + (size_t)(t - 1) * H : NULL;
    for (int j = 0; j < H; j++) xh[H + j] = hprev ? hprev[j] : 0.0;
    const double *W = c->param + c->off[NN_CTRL_W], *b = c->param + c->off[NN_CTRL_B];
    double *gate = c->gate + (size_t)t * 4 * H;
    for (int r = 0; r < 4 * H; r++) {
        const double *w = W + (size_t)r * 2 * H;
        double s = b[r];
        for (int j = 0; j < 2 * H; j++) s += w[j] * xh[j];
        gate[r] = r >= 2 * H && r < 3 * H ? tanh(s) : sigmoid(s);
    }
    const double *cprev = c->cs + (size_t)t * H;
    double *cn = c->cs + (size_t)(t + 1) * H, *h = c->hs + (size_t)t * H,
           *tc = c->tc + (size_t)t * H;
    for (int j = 0; j < H; j++) {
        double i = gate[j], f = gate[H + j], g = gate[2 * H + j], o = gate[3 * H + j];
        cn[j] = f * cprev[j] + i * g;
        tc[j] = tanh(cn[j]);
        h[j] = o * tc[j];
    }
    const double *Wo = c->param + c->off[NN_CTRL_WO], *bo = c->param + c->off[NN_CTRL_BO];
    double *u = c->u + (size_t)t * K, *lp = c->logp + (size_t)t * K, *p = c->p + (size_t)t * K;
    double mx = -HUGE_VAL;
    for (int k = 0; k < n; k++) {
        double z = bo[k];
        for (int j = 0; j < H; j++) z += Wo[(size_t)k * H + j] * h[j];
        double s = c->cfg.temperature > 0 ? z / c->cfg.temperature : z;
        double l = s;
        if (c->cfg.tanh_c > 0) {
            u[k] = tanh(s);
            l = c->cfg.tanh_c * u[k];
        }
        lp[k] = l;
        if (l > mx) mx = l;
    }
    double sum = 0.0;
    for (int k = 0; k < n; k++) sum += exp(lp[k] - mx);
    double lse = mx + log(sum), ent = 0.0;
    for (int k = 0; k < n; k++) {
        lp[k] -= lse;
        p[k] = exp(lp[k]);
        ent -= p[k] * lp[k];
    }
    c->ent[t] = ent;
}

typedef enum { RUN_GIVEN, RUN_SAMPLE, RUN_GREEDY, RUN_PROBE } run_mode;

/* Steps 0 .. steps-1. GIVEN reads the choices from a, SAMPLE and GREEDY
 * write them there; PROBE is GIVEN without a choice at the last step. */
static void run(nn_ctrl *c, int steps, run_mode mode, space_arch *a, nb_rng *rng,
                double *log_prob, double *entropy)
{
    const int H = c->H, K = c->K;
    double lp = 0.0, ent = 0.0;
    for (int t = 0; t < steps; t++) {
        const double *x = t == 0 ? c->param + c->off[NN_CTRL_START]
                                 : c->param + c->off[NN_CTRL_EMB] + (size_t)a->op[t - 1] * H;
        memcpy(c->xh + (size_t)t * 2 * H, x, (size_t)H * sizeof *x);
        cell(c, t);
        if (mode == RUN_PROBE && t == steps - 1) break;
        const int n = c->sp->n_choices[t];
        const double *p = c->p + (size_t)t * K;
        int k = 0;
        if (mode == RUN_GIVEN || mode == RUN_PROBE) {
            k = a->op[t];
            NB_ASSERT(k < n);
        } else if (mode == RUN_SAMPLE) {
            double uu = nb_rng_uniform(rng), cum = 0.0;
            k = -1;
            for (int j = 0; j < n; j++) {
                cum += p[j];
                if (uu < cum) {
                    k = j;
                    break;
                }
            }
            if (k < 0) /* rounding left u above the total: the last choice that can occur */
                for (k = n - 1; k > 0 && p[k] == 0.0; k--) {}
            a->op[t] = (uint8_t)k;
        } else {
            for (int j = 1; j < n; j++)
                if (p[j] > p[k]) k = j;
            a->op[t] = (uint8_t)k;
        }
        lp += c->logp[(size_t)t * K + k];
        ent += c->ent[t];
    }
    if (log_prob) *log_prob = lp;
    if (entropy) *entropy = ent;
}

void nn_ctrl_sample(nn_ctrl *c, nb_rng *rng, nn_ctrl_draw *out)
{
    NB_ASSERT(c && rng && out);
    memset(&out->arch, 0, sizeof out->arch);
    run(c, c->T, RUN_SAMPLE, &out->arch, rng, &out->log_prob, &out->entropy);
}

void nn_ctrl_greedy(nn_ctrl *c, nn_ctrl_draw *out)
{
    NB_ASSERT(c && out);
    memset(&out->arch, 0, sizeof out->arch);
    run(c, c->T, RUN_GREEDY, &out->arch, NULL, &out->log_prob, &out->entropy);
}

void nn_ctrl_probs(nn_ctrl *c, const space_arch *prefix, int t, double *p)
{
    NB_ASSERT(c && prefix && p && t >= 0 && t < c->T);
    space_arch a = *prefix;
    run(c, t + 1, RUN_PROBE, &a, NULL, NULL, NULL);
    memcpy(p, c->p + (size_t)t * c->K, (size_t)c->sp->n_choices[t] * sizeof *p);
}

static void check_arch(const nn_ctrl *c, const space_arch *a)
{
    NB_ASSERT(a);
    for (int t = 0; t < c->T; t++) NB_ASSERT(a->op[t] < c->sp->n_choices[t]);
}

/* Forward of arch under the current parameters; L, and the sums of log p and H_t. */
static double forward_loss(nn_ctrl *c, const space_arch *arch, double advantage, double *lp,
                           double *ent)
{
    NB_ASSERT(c);
    check_arch(c, arch);
    space_arch a = *arch;
    run(c, c->T, RUN_GIVEN, &a, NULL, lp, ent);
    return -advantage * *lp - c->cfg.entropy_weight * *ent;
}

double nn_ctrl_loss(nn_ctrl *c, const space_arch *arch, double advantage)
{
    double lp, ent;
    return forward_loss(c, arch, advantage, &lp, &ent);
}

/* BPTT through the caches of the last run (see the top of this file). */
static void backward(nn_ctrl *c, const space_arch *a, double A)
{
    const int H = c->H, K = c->K;
    const double w = c->cfg.entropy_weight, tc_c = c->cfg.tanh_c, temp = c->cfg.temperature;
    const double *W = c->param + c->off[NN_CTRL_W], *Wo = c->param + c->off[NN_CTRL_WO];
    double *gstart = c->grad + c->off[NN_CTRL_START], *gemb = c->grad + c->off[NN_CTRL_EMB];
    double *gW = c->grad + c->off[NN_CTRL_W], *gb = c->grad + c->off[NN_CTRL_B];
    double *gWo = c->grad + c->off[NN_CTRL_WO], *gbo = c->grad + c->off[NN_CTRL_BO];
    double *dh = c->dh, *dc = c->dc, *dpre = c->dpre, *dxh = c->dxh, *dl = c->dl;
    /* dh, dc hold what flows back from step t+1: nothing after the last step */
    memset(dh, 0, (size_t)H * sizeof *dh);
    memset(dc, 0, (size_t)H * sizeof *dc);
    for (int t = c->T - 1; t >= 0; t--) {
        const int n = c->sp->n_choices[t], at = a->op[t];
        const double *p = c->p + (size_t)t * K, *lp = c->logp + (size_t)t * K,
                     *u = c->u + (size_t)t * K;
        const double *h = c->hs + (size_t)t * H, *tc = c->tc + (size_t)t * H;
        const double *cprev = c->cs + (size_t)t * H, *gate = c->gate + (size_t)t * 4 * H;
        const double *xh = c->xh + (size_t)t * 2 * H;
        for (int k = 0; k < n; k++) {
            double d = -A * ((k == at ? 1.0 : 0.0) - p[k]) + w * p[k] * (lp[k] + c->ent[t]);
            if (tc_c > 0) d *= tc_c * (1.0 - u[k] * u[k]);
            if (temp > 0) d /= temp;
            dl[k] = d;
            gbo[k] += d;
            for (int j = 0; j < H; j++) gWo[(size_t)k * H + j] += d * h[j];
        }
        for (int j = 0; j < H; j++) {
            double s = dh[j];
            for (int k = 0; k < n; k++) s += Wo[(size_t)k * H + j] * dl[k];
            double i = gate[j], f = gate[H + j], g = gate[2 * H + j], o = gate[3 * H + j];
            double dcj = dc[j] + s * o * (1.0 - tc[j] * tc[j]);
            dpre[j] = dcj * g * i * (1.0 - i);
            dpre[H + j] = dcj * cprev[j] * f * (1.0 - f);
            dpre[2 * H + j] = dcj * i * (1.0 - g * g);
            dpre[3 * H + j] = s * tc[j] * o * (1.0 - o);
            dc[j] = dcj * f; /* to c_{t-1} */
        }
        memset(dxh, 0, (size_t)2 * H * sizeof *dxh);
        for (int r = 0; r < 4 * H; r++) {
            const double *wr = W + (size_t)r * 2 * H;
            double *gr = gW + (size_t)r * 2 * H, d = dpre[r];
            gb[r] += d;
            for (int j = 0; j < 2 * H; j++) {
                gr[j] += d * xh[j];
                dxh[j] += wr[j] * d;
            }
        }
        double *gx = t == 0 ? gstart : gemb + (size_t)a->op[t - 1] * H;
        for (int j = 0; j < H; j++) {
            gx[j] += dxh[j];
            dh[j] = dxh[H + j]; /* to h_{t-1} */
        }
    }
}

double nn_ctrl_loss_grad(nn_ctrl *c, const space_arch *arch, double advantage)
{
    double L = nn_ctrl_loss(c, arch, advantage);
    backward(c, arch, advantage);
    return L;
}

void nn_ctrl_accumulate(nn_ctrl *c, const space_arch *arch, double reward, nn_ctrl_stats *st)
{
    NB_ASSERT(c && isfinite(reward));
    if (!c->has_baseline) {
        c->baseline = reward;
        c->has_baseline = 1;
    } else {
        c->baseline -= (1.0 - c->cfg.baseline_decay) * (c->baseline - reward);
    }
    double A = reward - c->baseline, lp, ent;
    double L = forward_loss(c, arch, A, &lp, &ent);
    backward(c, arch, A);
    c->n_acc++;
    if (st) {
        memset(st, 0, sizeof *st);
        st->baseline = c->baseline;
        st->advantage = A;
        st->log_prob = lp;
        st->entropy = ent;
        st->loss = L;
    }
}

void nn_ctrl_step(nn_ctrl *c, nn_ctrl_stats *st)
{
    NB_ASSERT(c);
    if (st) {
        st->samples = c->n_acc;
        st->grad_norm = 0.0;
    }
    if (c->n_acc == 0) return;
    const size_t n = c->n;
    double scale = 1.0 / c->n_acc, ss = 0.0;
    for (size_t i = 0; i < n; i++) {
        c->grad[i] *= scale;
        ss += c->grad[i] * c->grad[i];
    }
    double norm = sqrt(ss);
    if (st) st->grad_norm = norm;
    /* PyTorch's clip_grad_norm_: g *= max_norm / (norm + 1e-6) when norm > max_norm */
    if (c->cfg.grad_clip > 0 && norm > c->cfg.grad_clip) {
        double k = c->cfg.grad_clip / (norm + 1e-6);
        for (size_t i = 0; i < n; i++) c->grad[i] *= k;
    }
    /* Adam (Kingma & Ba 2015) in PyTorch's form:
     * theta -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps) */
    c->adam_t++;
    const double b1 = c->cfg.beta1, b2 = c->cfg.beta2;
    const double bc1 = 1.0 - pow(b1, (double)c->adam_t), bc2 = 1.0 - pow(b2, (double)c->adam_t);
    const double step = c->cfg.lr / bc1, sbc2 = sqrt(bc2);
    for (size_t i = 0; i < n; i++) {
        double g = c->grad[i];
        c->m[i] = b1 * c->m[i] + (1.0 - b1) * g;
        c->v[i] = b2 * c->v[i] + (1.0 - b2) * g * g;
        c->param[i] -= step * c->m[i] / (sqrt(c->v[i]) / sbc2 + c->cfg.eps);
    }
    nn_ctrl_zero_grad(c);
}

void nn_ctrl_update(nn_ctrl *c, const space_arch *arch, double reward, nn_ctrl_stats *st)
{
    nn_ctrl_stats acc;
    nn_ctrl_accumulate(c, arch, reward, &acc);
    nn_ctrl_step(c, &acc);
    if (st) *st = acc;
}

double nn_ctrl_baseline(const nn_ctrl *c) { return c->baseline; }

size_t nn_ctrl_group(const nn_ctrl *c, int g, size_t *count)
{
    NB_ASSERT(c && g >= 0 && g < NN_CTRL_GROUPS);
    if (count) *count = c->off[g + 1] - c->off[g];
    return c->off[g];
}

size_t nn_ctrl_n_params(const nn_ctrl *c) { return c->n; }
double *nn_ctrl_params(nn_ctrl *c) { return c->param; }
const double *nn_ctrl_grads(const nn_ctrl *c) { return c->grad; }

void nn_ctrl_zero_grad(nn_ctrl *c)
{
    memset(c->grad, 0, c->n * sizeof *c->grad);
    c->n_acc = 0;
}

size_t nn_ctrl_state(nn_ctrl *c, void **ptr, size_t *bytes, size_t cap)
{
    void *p[NN_CTRL_STATE_BLOCKS] = {c->param, c->m, c->v, &c->adam_t, &c->has_baseline, &c->baseline};
    size_t b[NN_CTRL_STATE_BLOCKS] = {c->n * sizeof *c->param, c->n * sizeof *c->m, c->n * sizeof *c->v,
                                      sizeof c->adam_t, sizeof c->has_baseline, sizeof c->baseline};
    for (size_t i = 0; i < NN_CTRL_STATE_BLOCKS && i < cap; i++) {
        ptr[i] = p[i];
        bytes[i] = b[i];
    }
    return NN_CTRL_STATE_BLOCKS;
}
