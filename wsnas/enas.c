/* wsnas/enas.c - ENAS (Pham et al., "Efficient Neural Architecture Search
 * via Parameter Sharing", ICML 2018) as NB201 runs it (xautodl
 * exps/NAS-Bench-201-algos/ENAS.py): each epoch alternates
 *   1. the shared weights: every step the controller (nn/controller.h, an
 *      LSTM emitting the six ops one by one) samples a cell, whose path is
 *      trained on a training batch;
 *   2. the controller: ctrl_steps REINFORCE updates, each averaging
 *      ctrl_aggregate samples rewarded by the sampled cell's accuracy (a
 *      fraction) with inherited weights on the next validation batch
 *      (moving-average baseline and entropy bonus: nn_ctrl_accumulate).
 * The derived cell (NB201's get_best_arch): ctrl_derive sampled cells
 * scored on score_batches validation batches, the best; the controller's
 * greedy cell when ctrl_derive is 0. The op probabilities recorded are the
 * controller's per decision along the derived cell. NB201 runs 50 updates
 * of 20 samples per epoch; the proxy preset fewer (wsnas/METHODS.md). */
#include "wsnas/ws_private.h"

static double reward(ws_run *r, const space_arch *a)
{
    nn_super_set_path(r->s, a);
    int n = ws_valid_batch(r), c = 0;
    nn_super_forward(r->s, r->x, n, 0);
    nn_super_loss(r->s, r->y, &c);
    return (double)c / n;
}

void ws_enas_epoch(ws_run *r, int epoch, ws_epoch *out)
{
    nn_ctrl_draw d;
    for (size_t step = 0; step < r->steps; step++) {
        nn_ctrl_sample(r->ctrl, &r->rng, &d);
        nn_super_set_path(r->s, &d.arch);
        int n = ws_train_batch(r, step);
        ws_weight_step(r, n, ws_lr(r, epoch, step));
    }
    out->train_loss = ws_take_loss(r);
    for (int k = 0; k < r->cfg.ctrl_steps; k++) {
        for (int j = 0; j < r->cfg.ctrl_aggregate; j++) {
            nn_ctrl_sample(r->ctrl, &r->rng, &d);
            nn_ctrl_accumulate(r->ctrl, &d.arch, reward(r, &d.arch), NULL);
        }
        nn_ctrl_step(r->ctrl, NULL);
    }
    if (r->cfg.ctrl_derive > 0) {
        float best = -1;
        for (int k = 0; k < r->cfg.ctrl_derive; k++) {
            nn_ctrl_sample(r->ctrl, &r->rng, &d);
            float s = ws_score(r, &d.arch);
            if (s > best) {
                best = s;
                out->arch = d.arch;
            }
        }
        out->score = best;
    } else {
        nn_ctrl_greedy(r->ctrl, &d);
        out->arch = d.arch;
        out->score = ws_score(r, &out->arch);
    }
    for (int e = 0; e < WS_EDGES; e++) {
        double p[WS_OPS];
        nn_ctrl_probs(r->ctrl, &out->arch, e, p);
        for (int o = 0; o < WS_OPS; o++) out->probs[e * WS_OPS + o] = (float)p[o];
    }
    nn_super_set_path(r->s, &out->arch);
    out->super_valid = ws_super_acc(r);
}
