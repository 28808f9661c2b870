/* wsnas/optim.c - SGD (Nesterov, weight decay, gradient clipping) and Adam
 * over raw float blocks, and the cosine schedule with a floor: PyTorch's
 * torch.optim.SGD, torch.nn.utils.clip_grad_norm_, torch.optim.Adam and
 * CosineAnnealingLR(eta_min), the optimizers of NB201's search scripts
 * (xautodl exps/NAS-Bench-201-algos/NAME.py). Sums in double, in index order. */
#include "wsnas/ws_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ws_sgd *ws_sgd_create(size_t n, const ws_sgd_config *cfg)
{
    NB_ASSERT(cfg);
    ws_sgd *o = nb_xcalloc_array(1, sizeof *o);
    o->n = n;
    o->cfg = *cfg;
    o->v = nb_xcalloc_array(n ? n : 1, sizeof *o->v);
    return o;
}

void ws_sgd_destroy(ws_sgd *o)
{
    if (!o) return;
    free(o->v);
    free(o);
}

float *ws_sgd_velocity(ws_sgd *o) { return o->v; }

double ws_sgd_step(ws_sgd *o, float *p, float *g, double lr)
{
    double ss = 0;
    for (size_t i = 0; i < o->n; i++) ss += (double)g[i] * g[i];
    double norm = sqrt(ss);
    if (o->cfg.grad_clip > 0) {
        double coef = o->cfg.grad_clip / (norm + 1e-6);
        if (coef < 1)
            for (size_t i = 0; i < o->n; i++) g[i] = (float)(g[i] * coef);
    }
    const float mom = (float)o->cfg.momentum, wd = (float)o->cfg.weight_decay, flr = (float)lr;
    for (size_t i = 0; i < o->n; i++) {
        float gi = g[i] + wd * p[i];
        float v = mom * o->v[i] + gi;
        o->v[i] = v;
        p[i] -= flr * (o->cfg.nesterov ? gi + mom * v : v);
    }
    return norm;
}

ws_adam *ws_adam_create(size_t n, const ws_adam_config *cfg)
{
    NB_ASSERT(cfg);
    ws_adam *o = nb_xcalloc_array(1, sizeof *o);
    o->n = n;
    o->cfg = *cfg;
    o->m = nb_xcalloc_array(n ? n : 1, sizeof *o->m);
    o->v = nb_xcalloc_array(n ? n : 1, sizeof *o->v);
    return o;
}

void ws_adam_destroy(ws_adam *o)
{
    if (!o) return;
    free(o->m);
    free(o->v);
    free(o);
}

void ws_adam_step(ws_adam *o, float *p, const float *g)
{
    const ws_adam_config *c = &o->cfg;
    o->t += 1;
    double bc1 = 1 - pow(c->beta1, o->t), bc2 = 1 - pow(c->beta2, o->t);
    for (size_t i = 0; i < o->n; i++) {
        double gi = g[i] + c->weight_decay * p[i];
        o->m[i] = c->beta1 * o->m[i] + (1 - c->beta1) * gi;
        o->v[i] = c->beta2 * o->v[i] + (1 - c->beta2) * gi * gi;
        p[i] = (float)(p[i] - c->lr * (o->m[i] / bc1) / (sqrt(o->v[i] / bc2) + c->eps));
    }
}

double ws_cosine_lr(double lr0, double lr_min, int epoch, size_t step, size_t steps, int epochs)
{
    double t = epoch + (steps ? (double)step / (double)steps : 0.0);
    return lr_min + (lr0 - lr_min) * (1 + cos(M_PI * t / epochs)) / 2;
}
