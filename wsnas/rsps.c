/* wsnas/rsps.c - random search with parameter sharing (Li & Talwalkar,
 * "Random Search and Reproducibility for Neural Architecture Search", UAI
 * 2019) as NB201 runs it (xautodl exps/NAS-Bench-201-algos/RANDOM-NAS.py):
 * every weight step trains one uniformly random path of the supernet on a
 * training batch; at the end of every epoch select_num random cells are
 * scored with the inherited weights on validation batches
 * (search_find_best) and the best is the derived cell. Difference: NB201
 * scores each cell on a different validation batch; here all candidates of
 * an epoch see the same score_batches batches (a fairer comparison at a
 * small batch count). The op probabilities recorded are the sampling
 * distribution, uniform. Also the weight phase of SPOS (spos.c). */
#include "wsnas/ws_private.h"

void ws_uniform_train(ws_run *r, int epoch)
{
    for (size_t step = 0; step < r->steps; step++) {
        space_arch a;
        ws_random_cell(r, &a);
        nn_super_set_path(r->s, &a);
        int n = ws_train_batch(r, step);
        ws_weight_step(r, n, ws_lr(r, epoch, step));
    }
}

void ws_rsps_epoch(ws_run *r, int epoch, ws_epoch *out)
{
    ws_uniform_train(r, epoch);
    out->train_loss = ws_take_loss(r);
    float best = -1;
    for (int k = 0; k < r->cfg.select_num; k++) {
        space_arch a;
        ws_random_cell(r, &a);
        float s = ws_score(r, &a);
        if (s > best) {
            best = s;
            out->arch = a;
        }
    }
    out->score = best;
    for (int i = 0; i < WS_EDGES * WS_OPS; i++) out->probs[i] = 1.0f / WS_OPS;
    nn_super_set_path(r->s, &out->arch);
    out->super_valid = ws_super_acc(r);
}
