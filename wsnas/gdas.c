/* wsnas/gdas.c - GDAS (Dong & Yang, "Searching for A Robust Neural
 * Architecture in Four GPU Hours", CVPR 2019) as NB201 runs it (xautodl
 * exps/NAS-Bench-201-algos/GDAS.py, TinyNetworkGDAS): every forward samples
 * one op per edge with the hard Gumbel-softmax (nn_super_gdas_sample) and
 * runs only that path; the straight-through gradient reaches alpha
 * (nn_super_gdas_backward). Per step: a weight step on a training batch,
 * then an alpha step (Adam) on a validation batch, each with its own sample.
 * The temperature falls linearly per epoch, tau = tau_max - (tau_max -
 * tau_min) epoch / (epochs - 1), 10 -> 0.1 (GDAS.py: search_model.set_tau).
 * The derived cell is argmax alpha (genotype()). */
#include "wsnas/ws_private.h"

#include <math.h>

/* gumbel = -log(E), E ~ Exp(1) = -log(U): PyTorch's
 * -torch.empty_like(x).exponential_().log(); U in (0, 1). */
static void gumbel(ws_run *r, float *g)
{
    for (int i = 0; i < WS_EDGES * WS_OPS; i++) {
        double u;
        do u = nb_rng_uniform(&r->rng);
        while (u <= 0.0);
        double e = -log(u);
        g[i] = e > 0 ? (float)-log(e) : 0.0f;
    }
}

static void sample(ws_run *r, double tau, float *probs, float *hard)
{
    float g[WS_EDGES * WS_OPS];
    space_arch a;
    gumbel(r, g);
    nn_super_gdas_sample(r->alpha, g, tau, probs, &a, hard);
    nn_super_set_hard(r->s, &a, hard);
}

void ws_gdas_epoch(ws_run *r, int epoch, ws_epoch *out)
{
    int E = r->cfg.epochs;
    double tau = E > 1 ? r->cfg.tau_max - (r->cfg.tau_max - r->cfg.tau_min) * epoch / (E - 1)
                       : r->cfg.tau_max;
    float probs[WS_EDGES * WS_OPS], hard[WS_EDGES * WS_OPS], da[WS_EDGES * WS_OPS];
    for (size_t step = 0; step < r->steps; step++) {
        double lr = ws_lr(r, epoch, step);
        int n = ws_train_batch(r, step);
        sample(r, tau, probs, hard);
        ws_weight_step(r, n, lr);
        int nv = ws_valid_batch(r);
        sample(r, tau, probs, hard);
        nn_super_forward(r->s, r->x, nv, 1);
        nn_super_loss(r->s, r->y, NULL);
        nn_super_backward(r->s, r->y);
        nn_super_gdas_backward(r->alpha, probs, tau, nn_super_arch_grad(r->s), da);
        ws_adam_step(r->adam, r->alpha, da);
    }
    out->train_loss = ws_take_loss(r);
    ws_argmax(r->alpha, &out->arch);
    ws_softmax(r->alpha, out->probs);
    nn_super_set_path(r->s, &out->arch);
    out->super_valid = ws_super_acc(r);
    out->score = NAN;
}
