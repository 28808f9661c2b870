/* nn/controller.h - the LSTM policy controller of ENAS (Pham et al., ICML
 * 2018) and of Zoph & Le's RL search (ICLR 2017), trained by REINFORCE: one
 * implementation for the black-box `rnn` strategy and for weight-sharing
 * `enas`.
 *
 * What it does: a one-layer LSTM emits an architecture of any space_def one
 * decision at a time (NB201: 6 edges x 5 ops). Step t reads an input
 * vector (a learned start embedding at t = 0, else the learned embedding of
 * the choice sampled at t - 1), updates (h, c) and maps h through a linear
 * head to logits over decision t's choices; those are shaped as ENAS does,
 *     l = tanh_c * tanh(z / temperature),   z = Wo h + bo,
 * and sampled by inverse CDF. Training is REINFORCE (Williams 1992) with an
 * exponential-moving-average baseline and an entropy bonus; the gradient is
 * backpropagation through time written out by hand (nn/controller.c), the
 * step is Adam on all parameters, with optional clipping of the gradient's
 * global L2 norm. Everything is double precision and sequential: the same
 * seed gives the same samples and parameters bit for bit.
 * What it does not do: evaluate architectures, own an RNG (every draw is
 * from the nb_rng handed in), threads, files or checkpoints, multi-layer
 * LSTMs, ENAS's skip-connection attention (NB201 has no such decision).
 *
 * Parameters (one block of doubles, in this order; H = hidden, K = the
 * largest choice count of the space, NB201 5):
 *   start (H)       the first step's input            (ENAS g_emb)
 *   emb   (K, H)    row k: input after choosing k      (ENAS w_emb)
 *   W     (4H, 2H)  gate rows i, f, g, o (PyTorch's order); columns
 *                   0..H-1 multiply the input, H..2H-1 the previous h
 *   b     (4H)      gate bias (PyTorch's b_ih + b_hh as one vector)
 *   Wo    (K, H)    logit head                         (ENAS w_soft)
 *   bo    (K)       head bias                          (ENAS b_soft)
 * The embedding and the head are shared by all decisions, as in ENAS
 * (micro_controller.py: one w_emb, one w_soft for every op decision) and
 * NB201 (xautodl search_model_enas_utils.py: one nn.Embedding, one
 * nn.Linear). Decision t uses the first n_choices[t] rows of emb/Wo/bo and
 * its softmax runs over those only, so spaces with unequal choice counts
 * work; NB201 uses all 5 everywhere. Initialisation: every weight uniform
 * in +-init_range (0.1 as ENAS and NB201), the biases b and bo zero (ENAS's
 * LSTM has no bias; its value at creation is then ENAS's).
 *
 * Reward and baseline (NB201's exps/algos/ENAS.py train_controller, ENAS's
 * build_trainer): for each reward R the baseline moves first,
 *     b = R on the first reward (NB201; ENAS starts at 0),
 *     b <- b - (1 - decay) (b - R) on every later one,
 * then the sample's loss is
 *     L = -(R - b) * sum_t log p_t(a_t) - entropy_weight * sum_t H_t
 * and its gradient is added to the accumulator; nn_ctrl_step averages the
 * accumulated gradients (NB201 divides each loss by num_aggregate), clips,
 * and takes one Adam step. Difference from ENAS/NB201: they add
 * entropy_weight * sum H to the reward (ENAS under stop_gradient) instead
 * of differentiating the entropy; here the bonus is the entropy's own
 * gradient (the regulariser of Williams & Peng 1991), and R is the reward
 * as given: NB201's ENAS rewards the accuracy as a fraction (top-1 / 100),
 * and the defaults (lr, entropy_weight) assume that scale. The
 * log-probabilities are recomputed under the current parameters when the
 * reward arrives (a strategy with asynchronous workers may have stepped in
 * between; the gradient is that of the current policy).
 *
 * Defaults (nn_ctrl_config_default): hidden 64, one layer (ENAS's
 * micro_controller.py and NB201's Controller default to 2 layers of 32;
 * issue 13 asks for one layer of 64-100); temperature 5 and tanh_c 2.5
 * (NB201's Controller); Adam lr 1e-3, betas (0, 0.999), eps 1e-3 (NB201's
 * configs/nas-benchmark/algos/ENAS.config); clip 5 (ENAS.py,
 * clip_grad_norm_(controller.parameters(), 5.0)); entropy_weight 1e-4 and
 * baseline decay 0.99 (NB201's ENAS.sh and ENAS's cifar10 flags).
 *
 * Usage, the `rnn` strategy (ask: sample; tell: reward = validation accuracy):
 *     nb_rng init; nb_rng_init(&init, seed, run, NB_PURPOSE_INIT);
 *     nn_ctrl_config cfg = nn_ctrl_config_default();
 *     nn_ctrl *c;
 *     if (nn_ctrl_create(&cfg, &space_nb201, &init, &c) != NB_OK) return fail();
 *     nn_ctrl_draw d;
 *     nn_ctrl_sample(c, rng, &d);                   // ask: d.arch, n_decisions draws
 *     nn_ctrl_update(c, &asked->arch, score / 100, NULL); // tell: one REINFORCE step
 *     nn_ctrl_destroy(c);
 * ENAS (reward = the supernet's validation accuracy on a batch, as a
 * fraction; NB201 averages 20 samples per step, 50 steps per epoch):
 *     for (s = 0; s < 20; s++) {
 *         nn_ctrl_sample(c, rng, &d);
 *         nn_ctrl_accumulate(c, &d.arch, supernet_valid_acc(&d.arch, batch), NULL);
 *     }
 *     nn_ctrl_step(c, NULL);                         // mean gradient, clip, Adam
 *     nn_ctrl_greedy(c, &d);                         // a derived cell, no draws
 * (NB201's get_best_arch derives the cell otherwise: 10 samples, the best
 * on a validation batch.)
 *
 * Failures: nn_ctrl_create returns NB_EINVAL naming the field and value for
 * a bad configuration or space (no decisions, more than SPACE_ARCH_MAX, a
 * decision with no choice); every other function asserts its arguments
 * (an architecture outside the space is a programmer error) and cannot
 * fail. Ownership: the caller destroys what create returns; the space is
 * borrowed and must outlive the controller; pointers returned by
 * nn_ctrl_params/nn_ctrl_grads are borrowed, valid until destroy.
 */
#ifndef NN_CONTROLLER_H
#define NN_CONTROLLER_H

#include <stddef.h>

#include "core/nb.h"
#include "spaces/space.h"

typedef struct {
    int hidden;            /* LSTM units H, 64 */
    double temperature;    /* z / temperature before the tanh, 5.0; 0 = no division */
    double tanh_c;         /* l = tanh_c * tanh(.), 2.5; 0 = no tanh (l = z / temperature) */
    double init_range;     /* weights uniform in +-init_range at creation, 0.1 */
    double lr;             /* Adam step size, 1e-3 */
    double beta1, beta2;   /* Adam moment decays, 0.0 and 0.999 */
    double eps;            /* Adam denominator term, 1e-3 */
    double grad_clip;      /* bound on the mean gradient's global L2 norm, 5.0; 0 = none */
    double entropy_weight; /* weight of -sum_t H_t in the loss, 1e-4 */
    double baseline_decay; /* EMA decay of the reward baseline, 0.99 */
} nn_ctrl_config;

/* The defaults listed at the top. */
nn_ctrl_config nn_ctrl_config_default(void);

typedef struct nn_ctrl nn_ctrl;

/* One generated architecture. */
typedef struct {
    space_arch arch;  /* the choices, unused slots 0 */
    double log_prob;  /* sum_t log p_t(arch.op[t]) under the parameters that generated it */
    double entropy;   /* sum_t H_t, each H_t the entropy of decision t's distribution (nats) */
} nn_ctrl_draw;

/* What one nn_ctrl_accumulate / nn_ctrl_step did (either may be NULL). */
typedef struct {
    double baseline;  /* b after this reward */
    double advantage; /* R - b */
    double log_prob;  /* of the architecture, current parameters */
    double entropy;   /* sum_t H_t along it */
    double loss;      /* L of this sample */
    double grad_norm; /* nn_ctrl_step: L2 norm of the mean gradient before clipping */
    int samples;      /* nn_ctrl_step: gradients averaged (0: no step taken) */
} nn_ctrl_stats;

/* A controller for space sp (borrowed) with weights drawn from init, one
 * uniform per weight in block order (the biases take no draw). NB_EINVAL
 * (nothing allocated, *out NULL) for hidden outside 1..4096, a negative
 * temperature, tanh_c or init_range, lr <= 0, a beta outside [0, 1),
 * eps <= 0, a negative grad_clip or entropy_weight, a decay outside [0, 1],
 * or a space with 0 or more than SPACE_ARCH_MAX decisions or a decision
 * with 0 choices. */
nb_status nn_ctrl_create(const nn_ctrl_config *cfg, const space_def *sp, nb_rng *init,
                         nn_ctrl **out);
void nn_ctrl_destroy(nn_ctrl *c); /* accepts NULL */

/* Generate one architecture: exactly n_decisions draws from rng, one
 * nb_rng_uniform u per decision in order, the choice the first k with
 * u < p_0 + ... + p_k (the last choice of nonzero probability if rounding
 * leaves u above the total). */
void nn_ctrl_sample(nn_ctrl *c, nb_rng *rng, nn_ctrl_draw *out);
/* The most probable choice at every step (ties: the lowest index), each
 * fed to the next step: the decoded architecture, no draws. */
void nn_ctrl_greedy(nn_ctrl *c, nn_ctrl_draw *out);
/* p[k], k < n_choices[t]: the distribution of decision t after the choices
 * prefix->op[0 .. t-1] (later slots of prefix are ignored). For ENAS's
 * per-edge probability figures along the greedy path, and for tests. */
void nn_ctrl_probs(nn_ctrl *c, const space_arch *prefix, int t, double *p);

/* REINFORCE with the baseline (top of this header): move the baseline with
 * reward, add the gradient of L for arch to the accumulator. */
void nn_ctrl_accumulate(nn_ctrl *c, const space_arch *arch, double reward, nn_ctrl_stats *st);
/* Mean of the accumulated gradients, clipped to grad_clip, one Adam step,
 * accumulator cleared. Nothing happens (st->samples = 0) when nothing was
 * accumulated. */
void nn_ctrl_step(nn_ctrl *c, nn_ctrl_stats *st);
/* nn_ctrl_accumulate then nn_ctrl_step: one update per reward. */
void nn_ctrl_update(nn_ctrl *c, const space_arch *arch, double reward, nn_ctrl_stats *st);
/* The baseline b (0 before the first reward). */
double nn_ctrl_baseline(const nn_ctrl *c);

/* ---- the parameters as data, for gradient checks and inspection */
enum { NN_CTRL_START, NN_CTRL_EMB, NN_CTRL_W, NN_CTRL_B, NN_CTRL_WO, NN_CTRL_BO, NN_CTRL_GROUPS };
/* Offset of group g (NN_CTRL_*) in the block; *count its length. */
size_t nn_ctrl_group(const nn_ctrl *c, int g, size_t *count);
size_t nn_ctrl_n_params(const nn_ctrl *c);
/* The parameter block (writable: a caller may set values, e.g. a test)
 * and the accumulated gradient; borrowed, valid until destroy. */
double *nn_ctrl_params(nn_ctrl *c);
const double *nn_ctrl_grads(const nn_ctrl *c);
/* L = -advantage * sum_t log p_t(arch.op[t]) - entropy_weight * sum_t H_t
 * at the current parameters (the configured entropy_weight); no baseline
 * update. nn_ctrl_loss_grad also ADDS dL/dparams to the accumulator
 * without counting a sample (nn_ctrl_step divides by the number of
 * nn_ctrl_accumulate calls only). The building blocks of
 * nn_ctrl_accumulate, and the loss of the finite-difference check. */
double nn_ctrl_loss(nn_ctrl *c, const space_arch *arch, double advantage);
double nn_ctrl_loss_grad(nn_ctrl *c, const space_arch *arch, double advantage);
/* Zero the accumulator and its sample count. */
void nn_ctrl_zero_grad(nn_ctrl *c);

/* ---- checkpoints: everything a step depends on, as (pointer, bytes)
 * blocks: the parameters, Adam's moments m and v and step count, the
 * baseline and whether it is set. Between steps (no reward accumulated)
 * these blocks are the whole state: restoring their bytes into a fresh
 * controller of the same config and space continues bit for bit
 * (tests/cli/search.sh resumes a killed ENAS search). Fills ptr/bytes up
 * to cap; returns the count
 * (NN_CTRL_STATE_BLOCKS). Borrowed, valid until destroy. */
#define NN_CTRL_STATE_BLOCKS 6
size_t nn_ctrl_state(nn_ctrl *c, void **ptr, size_t *bytes, size_t cap);

#endif
