/* nn/sgd.c - stochastic gradient descent as torch.optim.SGD (dampening 0),
 * the optimiser of NB201 (xautodl config "200E": lr 0.1, momentum 0.9,
 * Nesterov, weight decay 5e-4 on all parameters, cosine schedule to 0), and
 * the schedule. The velocity lives in one block beside the network's. */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>

struct nn_sgd {
    nn_sgd_config cfg;
    size_t n;
    float *v; /* velocity (n) */
};

nn_sgd *nn_sgd_create(const nn_net *net, const nn_sgd_config *cfg)
{
    nn_sgd *o = nb_xcalloc_array(1, sizeof *o);
    o->cfg = *cfg;
    o->n = nn_net_num_params(net);
    o->v = nb_xcalloc_array(o->n ? o->n : 1, sizeof *o->v);
    return o;
}

void nn_sgd_destroy(nn_sgd *opt)
{
    if (!opt) return;
    free(opt->v);
    free(opt);
}

void nn_sgd_step(nn_sgd *opt, nn_net *net, double lr)
{
    NB_ASSERT(nn_net_num_params(net) == opt->n);
    float *p = nn_net_params(net);
    const float *g = nn_net_grads(net);
    const float mu = (float)opt->cfg.momentum, wd = (float)opt->cfg.weight_decay, eta = (float)lr;
    for (size_t i = 0; i < opt->n; i++) {
        float d = g[i] + wd * p[i];
        opt->v[i] = mu * opt->v[i] + d;
        float step = opt->cfg.nesterov ? d + mu * opt->v[i] : opt->v[i];
        p[i] -= eta * step;
    }
}

double nn_cosine_lr(double lr0, int epoch, size_t step, size_t steps, int epochs)
{
    NB_ASSERT(epochs > 0 && steps > 0);
    double t = epoch + (double)step / (double)steps;
    return 0.5 * lr0 * (1.0 + cos(M_PI * t / epochs));
}

double nn_net_train_step(nn_net *net, nn_sgd *opt, const float *x, const int32_t *y, int n,
                         double lr, int *correct)
{
    nn_net_forward(net, x, n, 1);
    double loss = nn_net_loss(net, y, correct);
    nn_net_backward(net, y);
    nn_sgd_step(opt, net, lr);
    return loss;
}
