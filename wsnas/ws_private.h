/* wsnas/ws_private.h - internals shared by the files of wsnas/ (not
 * installed): the optimizer and run structs, the per-method entry points,
 * and the helpers every method uses (batches, weight steps, scoring). */
#ifndef WS_PRIVATE_H
#define WS_PRIVATE_H

#include "nn/controller.h"
#include "wsnas/ws.h"

#define WS_EDGES 6
#define WS_OPS 5
#define WS_POP_MAX 64 /* SPOS population bound (children as many again) */

struct ws_sgd {
    size_t n;
    ws_sgd_config cfg;
    float *v; /* (n) velocity */
};

struct ws_adam {
    size_t n;
    ws_adam_config cfg;
    double *m, *v; /* (n) moments */
    double t;      /* steps taken (a double: one checkpoint block) */
};

struct ws_run {
    ws_config cfg;
    const nn_data *train, *valid;
    int run;
    nn_super *s;
    ws_sgd *sgd;
    ws_adam *adam;
    float alpha[WS_EDGES * WS_OPS]; /* (6, 5) architecture parameters */
    nb_rng rng;                     /* the method's draws: paths, Gumbel, EA, controller */
    nb_rng data_rng;                /* batch order and augmentation */
    size_t steps;                   /* weight steps per epoch */
    size_t *perm_t, *perm_v;        /* this epoch's orders of train / valid images */
    size_t vcur;                    /* next valid batch (cycling) for arch steps and rewards */
    float *x;                       /* (batch, in_ch, H, W) */
    int32_t *y;                     /* (batch) */
    float *w_save, *w_dir;          /* DARTS-V2: saved weights, d L_val / d w' */
    float *x2;                      /* DARTS-V2: the training batch kept across the valid one */
    int32_t *y2;
    double loss_sum;
    size_t loss_n;
    /* SPOS: population (and room for the children) with scores */
    space_arch pop[2 * WS_POP_MAX];
    float pop_score[2 * WS_POP_MAX];
    int n_pop;
    nn_ctrl *ctrl; /* ENAS */
};

/* ---- per-method entry points (one file each) */
void ws_darts_epoch(ws_run *r, int epoch, ws_epoch *out);
void ws_gdas_epoch(ws_run *r, int epoch, ws_epoch *out);
void ws_rsps_epoch(ws_run *r, int epoch, ws_epoch *out);
void ws_spos_epoch(ws_run *r, int epoch, ws_epoch *out);
void ws_enas_epoch(ws_run *r, int epoch, ws_epoch *out);

/* one epoch of uniform single-path training (rsps.c; SPOS and RSPS) */
void ws_uniform_train(ws_run *r, int epoch);

/* ---- helpers (wsnas/run.c) */
/* Training batch `step` of this epoch into r->x, r->y (augmented when
 * cfg.augment); returns its size. */
int ws_train_batch(ws_run *r, size_t step);
/* The next validation batch (cycling through this epoch's order) into
 * r->x, r->y; returns its size. */
int ws_valid_batch(ws_run *r);
/* Forward (train mode), loss, backward on r->x/r->y in the mode set; then
 * an SGD step on the weights at lr. Returns the loss and adds it to the
 * epoch's mean. */
double ws_weight_step(ws_run *r, int n, double lr);
/* lr of weight step `step` of `epoch`. */
double ws_lr(const ws_run *r, int epoch, size_t step);
/* % top-1 of the cell with inherited weights (path mode, eval) on the
 * first score_batches validation batches of this epoch's order. */
float ws_score(ws_run *r, const space_arch *a);
/* % top-1 of the supernet in the mode set, eval, first eval_images valid images. */
float ws_super_acc(ws_run *r);
/* argmax per edge of a (6, 5) array (first on ties) */
void ws_argmax(const float *w, space_arch *a);
/* softmax per edge of alpha into p (6, 5) */
void ws_softmax(const float *alpha, float *p);
/* a uniformly random cell from r->rng */
void ws_random_cell(ws_run *r, space_arch *a);
/* The epoch's mean training loss so far, and reset. */
double ws_take_loss(ws_run *r);

#endif
