/* wsnas/darts.c - DARTS (Liu, Simonyan & Yang, "DARTS: Differentiable
 * Architecture Search", ICLR 2019) on the NB201 supernet, as NB201 runs it
 * (xautodl exps/NAS-Bench-201-algos/DARTS-V1.py and DARTS-V2.py).
 *
 * Every edge is the softmax(alpha_e)-weighted sum of its five ops (mixed
 * mode). Per step of an epoch:
 *   darts-v1 (first order): a weight step on a training batch (SGD), then an
 *     alpha step on a validation batch with d L_val(w, alpha) / d alpha (Adam);
 *   darts-v2 (second order, DARTS eq. 6-8): the alpha step first, with the
 *     gradient at the unrolled weights w' = w - xi (m + dL_train/dw + wd w)
 *     (xi the current weight lr, m the momentum buffer times 0.9, as
 *     xautodl's _compute_unrolled_model):
 *       d alpha = d L_val(w', a)/d a - xi (d L_train(w+, a)/d a - d L_train(w-, a)/d a) / (2 R),
 *       w+- = w +- R dw',  dw' = d L_val(w', a)/d w',  R = 0.01 / ||dw'||,
 *     then the weight step on the same training batch.
 * The derived cell is argmax alpha per edge; its probabilities softmax(alpha). */
#include "wsnas/ws_private.h"

#include <math.h>
#include <string.h>

/* d L / d alpha of the batch in r->x/r->y at the current weights (mixed
 * mode set), into g (30); the weight gradient is left in nn_super_grads. */
static double grad_alpha(ws_run *r, int n, float *g)
{
    nn_super_forward(r->s, r->x, n, 1);
    double loss = nn_super_loss(r->s, r->y, NULL);
    nn_super_backward(r->s, r->y);
    memcpy(g, nn_super_arch_grad(r->s), WS_EDGES * WS_OPS * sizeof *g);
    return loss;
}

/* DARTS-V2's alpha gradient for the training batch now in r->x/r->y;
 * leaves the training batch in r->x/r->y (restored) and the weights as
 * they were. */
static void unrolled_grad(ws_run *r, int n, double xi, float *dalpha)
{
    float *w = nn_super_params(r->s), *gw = nn_super_grads(r->s);
    size_t np = nn_super_num_params(r->s);
    const ws_sgd_config *c = &r->cfg.w_sgd;
    float tmp[WS_EDGES * WS_OPS], gp[WS_EDGES * WS_OPS], gm[WS_EDGES * WS_OPS];
    size_t img = (size_t)r->cfg.net.in_ch * r->cfg.net.H * r->cfg.net.W;
    memcpy(r->w_save, w, np * sizeof *w);
    memcpy(r->x2, r->x, (size_t)n * img * sizeof *r->x);
    memcpy(r->y2, r->y, (size_t)n * sizeof *r->y);
    /* w' = w - xi (momentum * v + g + wd w) */
    grad_alpha(r, n, tmp);
    for (size_t i = 0; i < np; i++) {
        float v = (float)c->momentum * r->sgd->v[i];
        w[i] = r->w_save[i] - (float)xi * (v + gw[i] + (float)c->weight_decay * r->w_save[i]);
    }
    /* at w': d L_val / d alpha and d L_val / d w' */
    int nv = ws_valid_batch(r);
    grad_alpha(r, nv, dalpha);
    double ss = 0;
    for (size_t i = 0; i < np; i++) ss += (double)gw[i] * gw[i];
    memcpy(r->w_dir, gw, np * sizeof *gw);
    double R = r->cfg.unroll_eps / (sqrt(ss) + 1e-12);
    /* the Hessian-vector product by central differences on the training batch */
    memcpy(r->x, r->x2, (size_t)n * img * sizeof *r->x);
    memcpy(r->y, r->y2, (size_t)n * sizeof *r->y);
    for (size_t i = 0; i < np; i++) w[i] = r->w_save[i] + (float)R * r->w_dir[i];
    grad_alpha(r, n, gp);
    for (size_t i = 0; i < np; i++) w[i] = r->w_save[i] - (float)R * r->w_dir[i];
    grad_alpha(r, n, gm);
    for (int k = 0; k < WS_EDGES * WS_OPS; k++)
        dalpha[k] = (float)(dalpha[k] - xi * ((double)gp[k] - gm[k]) / (2 * R));
    memcpy(w, r->w_save, np * sizeof *w);
}

void ws_darts_epoch(ws_run *r, int epoch, ws_epoch *out)
{
    float g[WS_EDGES * WS_OPS];
    for (size_t step = 0; step < r->steps; step++) {
        double lr = ws_lr(r, epoch, step);
        nn_super_set_mixed(r->s, r->alpha);
        int n = ws_train_batch(r, step);
        if (r->cfg.method == WS_DARTS_V2) {
            unrolled_grad(r, n, lr, g);
            ws_adam_step(r->adam, r->alpha, g);
            nn_super_set_mixed(r->s, r->alpha);
            ws_weight_step(r, n, lr);
        } else {
            ws_weight_step(r, n, lr);
            int nv = ws_valid_batch(r);
            grad_alpha(r, nv, g);
            ws_adam_step(r->adam, r->alpha, g);
            nn_super_set_mixed(r->s, r->alpha);
        }
    }
    out->train_loss = ws_take_loss(r);
    ws_argmax(r->alpha, &out->arch);
    ws_softmax(r->alpha, out->probs);
    nn_super_set_mixed(r->s, r->alpha);
    out->super_valid = ws_super_acc(r);
    out->score = NAN;
}
