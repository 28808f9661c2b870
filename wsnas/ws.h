/* wsnas/ws.h - weight-sharing NAS on the engine's supernet: DARTS (first and
 * second order), GDAS, RSPS, SPOS and ENAS searching the NB201 cell space,
 * each derived cell looked up in a table (never trained). Issue 12 items 2-3;
 * the methods, their settings and sources: wsnas/METHODS.md.
 *
 * What it does: the optimizers the supernet lacks (SGD with Nesterov
 * momentum, weight decay and gradient clipping over a raw parameter block;
 * Adam for the architecture parameters); one search run of one method,
 * epoch by epoch (bilevel: weights on the training split, architecture on
 * the validation split), reporting after every epoch the derived cell, the
 * per-edge op probabilities, the supernet's own validation accuracy and the
 * wall and CPU seconds so far; and the whole `nastab search` job (methods x
 * runs, a checkpoint after every epoch that resumes after kill -9, the
 * results file written atomically at the end).
 * What it does not do: load data (nn_protocol_data), draw figures or gate
 * results (reports/), train a derived cell from scratch (nastab train).
 *
 * Determinism: every draw comes from nb_rng streams (seed, run, purpose)
 * kept in the run's state; the engine is bit-identical for any thread count
 * and this module's own loops are serial, so the results (everything but
 * the seconds) are the same bit for bit for any nn_set_threads.
 *
 * Usage (one run, a callback per epoch):
 *     ws_config cfg = ws_preset("proxy");             // or "tiny"
 *     cfg.method = ws_method_find("gdas");
 *     ws_run *r;
 *     if (ws_run_create(&cfg, &train, &valid, run, &r) != NB_OK) return fail();
 *     for (int e = 0; e < cfg.epochs; e++) {
 *         ws_epoch ep;
 *         ws_run_epoch(r, e, &ep);                     // ep.arch, ep.probs, ep.super_valid
 *     }
 *     ws_run_destroy(r);
 * The whole job: ws_search (below).
 *
 * Failures: functions returning nb_status return NB_OK or a negative code
 * with one message (nb_errmsg) naming the field, file or value; everything
 * else asserts its arguments. Ownership: the caller destroys what create
 * returns; data and tables handed in are borrowed for the call (ws_run:
 * until ws_run_destroy).
 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"
#include "tables/tab.h"

/* ---- optimizers over a raw float block */

/* SGD as PyTorch (NB201's search scripts): optional clipping of the
 * gradient's global L2 norm first (torch.nn.utils.clip_grad_norm_: scale by
 * clip / (norm + 1e-6) when that is < 1), then g = grad + wd * p;
 * v = momentum * v + g; p -= lr * (nesterov ? g + momentum * v : v). */
typedef struct {
    double momentum;     /* 0.9 */
    double weight_decay; /* 5e-4 (NB201 search configs) */
    int nesterov;        /* 1 */
    double grad_clip;    /* 5.0 (NB201's scripts); 0 = none */
} ws_sgd_config;
typedef struct ws_sgd ws_sgd;
/* Velocity of n floats, zero. Aborts on OOM (nb_xmalloc). */
ws_sgd *ws_sgd_create(size_t n, const ws_sgd_config *cfg);
void ws_sgd_destroy(ws_sgd *o); /* accepts NULL */
/* One step on p (n floats) with gradient g (n floats, scaled in place when
 * clipped). Returns the gradient's L2 norm before clipping. */
double ws_sgd_step(ws_sgd *o, float *p, float *g, double lr);
float *ws_sgd_velocity(ws_sgd *o); /* (n) borrowed; checkpoints and tests */

/* Adam as PyTorch torch.optim.Adam (L2 weight decay added to the gradient):
 * g = grad + wd * p; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). NB201's
 * architecture optimizer: lr 3e-4, betas (0.5, 0.999), eps 1e-8, wd 1e-3. */
typedef struct {
    double lr, beta1, beta2, eps, weight_decay;
} ws_adam_config;
typedef struct ws_adam ws_adam;
ws_adam *ws_adam_create(size_t n, const ws_adam_config *cfg); /* m = v = 0, t = 0 */
void ws_adam_destroy(ws_adam *o);                              /* accepts NULL */
void ws_adam_step(ws_adam *o, float *p, const float *g);

/* Cosine annealing from lr0 to lr_min over `epochs` (PyTorch
 * CosineAnnealingLR with eta_min, stepped per iteration as NB201):
 * t = epoch + step / steps; lr = lr_min + (lr0 - lr_min) (1 + cos(pi t / epochs)) / 2. */
double ws_cosine_lr(double lr0, double lr_min, int epoch, size_t step, size_t steps, int epochs);

/* ---- methods */
typedef enum {
    WS_DARTS_V1 = 0, /* wsnas/darts.c */
    WS_DARTS_V2 = 1, /* wsnas/darts.c */
    WS_GDAS = 2,     /* wsnas/gdas.c */
    WS_RSPS = 3,     /* wsnas/rsps.c */
    WS_SPOS = 4,     /* wsnas/spos.c */
    WS_ENAS = 5,     /* wsnas/enas.c */
    WS_N_METHODS
} ws_method;
const char *ws_method_name(int m); /* "darts-v1"; NULL out of range */
int ws_method_find(const char *name); /* id or -1 */
/* "darts-v1, darts-v2, gdas, rsps, spos, enas" (static). */
const char *ws_method_list(void);

/* One method's search settings (a transparent struct: start from ws_preset). */
typedef struct {
    int method;              /* ws_method */
    nn_config net;           /* supernet shape: C, N, classes, in_ch, H, W, batch (the
                              * weight-step batch, 64 in NB201's configs) */
    int epochs;              /* search epochs (the cosine schedule's length), e.g. 10 */
    size_t steps;            /* weight steps per epoch; 0 = n_train / batch */
    int track_running_stats; /* cell BN in eval: 0 batch statistics (the default here) */
    int augment;             /* 1: crop + flip on training batches */
    double w_lr, w_lr_min;   /* weights: cosine 0.025 -> 0.001 (DARTS, GDAS, RSPS, SPOS) */
    ws_sgd_config w_sgd;     /* momentum 0.9 Nesterov, wd 5e-4, clip 5 */
    ws_adam_config a_adam;   /* alpha: lr 3e-4, betas (0.5, 0.999), eps 1e-8, wd 1e-3 */
    double tau_max, tau_min; /* GDAS temperature, 10 -> 0.1 linearly over epochs */
    double unroll_eps;       /* DARTS-V2 finite-difference radius: 0.01 / ||dw'|| */
    int select_num;          /* RSPS: random cells scored at each epoch's end (NB201: 100) */
    int score_batches;       /* validation batches per candidate score (RSPS, SPOS, ENAS) */
    int eval_images;         /* supernet validation accuracy over the first K valid images */
    int ea_population;       /* SPOS: population P (children per generation = P) */
    int ea_topk;             /* SPOS: parents drawn from the best k */
    double ea_mutation;      /* SPOS: per-edge resampling probability of a mutant */
    int ea_final;            /* SPOS: extra generations after the last epoch */
    int ctrl_steps;          /* ENAS: controller updates per epoch (NB201: 50) */
    int ctrl_aggregate;      /* ENAS: samples averaged per update (NB201: 20) */
    int ctrl_derive;         /* ENAS: cells sampled to derive (NB201 get_best_arch: 100); 0 = greedy */
    uint64_t seed;           /* master seed: run r uses nb_rng(seed, r, purpose) */
    /* the data the preset is meant for (read by the caller that loads it,
     * `nastab search`; ws_run takes whatever data it is given) */
    int downsample;          /* image shrink factor, 2: Fashion-MNIST 28x28 -> 14x14 */
    size_t n_train;          /* first K images of the training half (weights), e.g. 2000 */
    size_t n_valid;          /* first K images of the validation half (architecture), e.g. 1000 */
} ws_config;

/* Named settings: "proxy" (the default of `nastab search`: C=8 N=1, 14x14
 * Fashion-MNIST, 2048 + 1024 images, 10 epochs; wsnas/METHODS.md, cost in
 * wsnas/RESULTS.md) and "tiny" (C=4 N=1, 64 + 64 images, 2 epochs of 3
 * steps: tests). Method-independent: set .method afterwards.
 * ws_preset_get: NB_ENOTFOUND for another name (the message lists the
 * known ones); ws_preset asserts the name exists. */
nb_status ws_preset_get(const char *name, ws_config *out);
ws_config ws_preset(const char *name);
const char *ws_preset_list(void);      /* "proxy, tiny" */
/* NB_EINVAL naming the field for a value out of range. */
nb_status ws_config_check(const ws_config *cfg);

/* What one epoch produced. */
typedef struct {
    space_arch arch;   /* derived cell: argmax alpha per edge (DARTS, GDAS), the best
                        * cell found so far in this epoch's scoring (RSPS, SPOS), the
                        * controller's derived cell (ENAS) */
    float probs[30];   /* (6, 5) per-edge op probabilities: softmax(alpha) (DARTS, GDAS);
                        * the controller's along its derived cell (ENAS); the op
                        * frequencies of the population (SPOS); uniform 0.2 (RSPS) */
    float super_valid; /* % top-1 of the supernet on the first eval_images validation
                        * images: mixed mode with alpha (DARTS), the derived cell with
                        * inherited weights (the others) */
    float score;       /* the derived cell's own search score (% on score_batches), NaN
                        * for DARTS/GDAS */
    double train_loss; /* mean loss of the epoch's weight steps */
} ws_epoch;

typedef struct ws_run ws_run;
/* A run `run` of cfg->method: supernet initialised from nb_rng(seed, run,
 * INIT), alpha = 1e-3 N(0, 1) as NB201. train and valid are borrowed until
 * ws_run_destroy. NB_EINVAL for a bad config (ws_config_check) or data whose
 * shape differs from cfg->net (names both), NB_ENOMEM from the supernet. */
nb_status ws_run_create(const ws_config *cfg, const nn_data *train, const nn_data *valid, int run,
                        ws_run **out);
void ws_run_destroy(ws_run *r); /* accepts NULL */
/* One search epoch (epoch < cfg->epochs, called in order from 0 or from the
 * epoch after a restored checkpoint), then the derivation; fills *out. */
void ws_run_epoch(ws_run *r, int epoch, ws_epoch *out);
/* The run's state as a list of (pointer, bytes) blocks, for checkpoints: the
 * supernet's parameters and BN statistics, optimizer states, alpha, RNGs,
 * population, and for ENAS the controller's parameters, Adam state and
 * baseline (nn_ctrl_state). Returns the count; fills up to cap. Borrowed. */
typedef struct {
    void *p;
    size_t bytes;
} ws_block;
size_t ws_run_state(ws_run *r, ws_block *blocks, size_t cap);

/* ---- the whole job of `nastab search` */
typedef struct {
    const char *const *methods; /* (n_methods) method names, e.g. {"darts-v1", "gdas"} */
    int n_methods;
    int runs;                   /* independent runs per method, e.g. 3 */
    ws_config base;             /* settings (method ignored) */
    const char *dataset;        /* "fashion-mnist": the table's dataset column */
    const nn_data *train, *valid; /* the search splits, borrowed */
    tab_table *table;           /* borrowed: derived cells are looked up here */
    const char *out;            /* results file; the checkpoint is "<out>.ckpt" */
    const char *command;        /* command line recorded in the file */
    const char *preset;         /* preset name recorded in the file */
    int progress;               /* 1: progress bar (on a terminal) */
    int rank_sample;            /* K >= 2: after every epoch score K sampled table cells with the
                                 * supernet's weights and record Kendall tau / Spearman rho against
                                 * the table (wsnas/search.c says how); 0 = off (the default) */
} ws_search_config;
/* Runs every method x run x epoch, resuming from "<out>.ckpt" when it
 * exists and belongs to this job (same methods, runs, settings, data and
 * table); writes the checkpoint after every epoch (atomically, CRC-32
 * checked), the results file atomically at the end, then removes the
 * checkpoint. With rank_sample K the file also holds, per method, run and
 * epoch, the K sampled cells' scores and their tau/rho against the table.
 * Errors: NB_ENOTFOUND unknown method (lists the known ones) or a table
 * without the dataset (names both); NB_EINVAL a table of another space
 * (names both), a bad config, or rank_sample 1, negative or above the
 * table's cells with a validation accuracy (says how many there are);
 * NB_EFORMAT a corrupt checkpoint or one of another job (names it; hint:
 * remove it); NB_EIO writing. Nothing is written under `out` unless
 * everything finished. */
nb_status ws_search(const ws_search_config *sc);

#endif
