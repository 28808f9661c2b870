/* strategies/surrogate.h - the two surrogate models of the model-based
 * black-box strategies: a small feed-forward network trained by Adam (the
 * BANANAS ensemble member, mlp.c) and a Gaussian process with a
 * squared-exponential kernel whose hyper-parameters maximise the marginal
 * likelihood (gp-bo, gp.c). Private to strategies/ (and its tests).
 *
 * What it does: fit on (features, target) pairs from scratch, predict. All
 * arithmetic is sequential and every draw is from the nb_rng handed in, so
 * the same inputs give the same bits on any thread.
 * What it does not do: choose architectures, encode them (the space's
 * onehot / path encodings do), or share anything between runs.
 *
 * Usage (one BANANAS ensemble member; x is (n, dim) row-major):
 *     strat_mlp *m = strat_mlp_create(dim);
 *     strat_mlp_fit(m, x, y, n, rng);              // 200 epochs of Adam, from scratch
 *     float yhat = strat_mlp_predict(m, x_new);
 *     strat_mlp_destroy(m);
 * A GP (x row-major (n, dim), y any scale: standardised inside):
 *     strat_gp *g = strat_gp_create(dim);
 *     if (strat_gp_fit_ml(g, x, y, n) != NB_OK) ...; // grid over (length, noise)
 *     strat_gp_predict(g, xs, m, mean, var);         // m candidates at once
 *     strat_gp_destroy(g);
 * Failures: create aborts on OOM; the GP fits return NB_ERANGE (with a
 * message) when no Cholesky factorisation succeeds; everything else asserts.
 */
#ifndef STRAT_SURROGATE_H
#define STRAT_SURROGATE_H

#include <stddef.h>

#include "core/nb.h"
#include "spaces/space.h"
#include "strategies/strat_private.h"

/* ---- the BANANAS predictor (mlp.c) ----
 * White, Neiswanger & Savani, "BANANAS", AAAI 2021, sec. 5 and their code
 * (naszilla/bananas meta_neural_net.py): a fully connected network of
 * STRAT_MLP_LAYERS hidden layers of STRAT_MLP_WIDTH ReLU units and a linear
 * output, Glorot-uniform weights and zero biases, mean-absolute-error loss,
 * Adam (lr 0.01, betas 0.9 / 0.99, eps 1e-7), minibatches of 32 reshuffled
 * every epoch, 200 epochs. The target is standardised (mean 0, std 1) before
 * training as NASLib's MLPPredictor does, and predictions are mapped back. */
#define STRAT_MLP_LAYERS 10
#define STRAT_MLP_WIDTH 20
#define STRAT_MLP_EPOCHS 200
#define STRAT_MLP_BATCH 32

typedef struct strat_mlp strat_mlp;
strat_mlp *strat_mlp_create(int dim);
void strat_mlp_destroy(strat_mlp *m); /* accepts NULL */
/* Train from scratch on x (n, dim) and y (n): new weights from rng, then
 * epochs x ceil(n / batch) Adam steps; draws from rng for the weights and
 * one shuffle per epoch. n >= 1. epochs 0 = STRAT_MLP_EPOCHS. Returns the
 * mean absolute error of the last epoch (each minibatch before its step),
 * in the units of y. */
double strat_mlp_fit(strat_mlp *m, const float *x, const float *y, size_t n, int epochs,
                     nb_rng *rng);
float strat_mlp_predict(const strat_mlp *m, const float *x);
/* The widest kernels strat_mlp_fit / predict may use: 0 the plain
 * reference loops, 1 SSE2 width, 2 AVX where the CPU has it (the default);
 * returns the level now in use. Every level gives the same bits (a test
 * hook; not for use while another thread fits). */
int strat_mlp_set_simd(int level);

/* ---- the Gaussian process (gp.c) ----
 * Rasmussen & Williams, "Gaussian Processes for Machine Learning", 2006,
 * Algorithm 2.1. Kernel k(x, x') = sf2 exp(-|x - x'|^2 / (2 l^2)), noise
 * variance sf2 * lambda, zero mean on the standardised targets. The
 * Cholesky factor and the triangular solves are LAPACKE's (dpotrf, dtrtrs,
 * dpotrs). */
typedef struct strat_gp strat_gp;
strat_gp *strat_gp_create(int dim);
void strat_gp_destroy(strat_gp *g); /* accepts NULL */
/* Fit with fixed hyper-parameters length l > 0, signal variance sf2 > 0
 * and noise ratio lambda >= 0 (noise variance sf2 * lambda); raw = 1 uses
 * y as given (no standardisation). NB_ERANGE when the kernel matrix is
 * not positive definite. Writes the log marginal likelihood (of the
 * targets the GP sees) to *lml when lml is not NULL. */
nb_status strat_gp_fit(strat_gp *g, const float *x, const double *y, size_t n, double l,
                       double sf2, double lambda, int raw, double *lml);
/* Standardise y, then maximise the log marginal likelihood over the grid
 * l in {0.5, 0.75, 1, 1.5, 2, 3, 4, 6} x lambda in {1e-4, 1e-3, 1e-2,
 * 0.1, 0.3, 1}, with sf2 at its closed-form optimum y'(C + lambda I)^-1 y / n
 * for each pair (C the unit-variance kernel matrix); keeps the best fit. */
nb_status strat_gp_fit_ml(strat_gp *g, const float *x, const double *y, size_t n);
/* Posterior of the latent function at xs (m, dim), in the units of y:
 * mean[i] and var[i] (>= 0). */
void strat_gp_predict(strat_gp *g, const float *xs, size_t m, double *mean, double *var);
/* The chosen hyper-parameters of the last fit. */
void strat_gp_hyper(const strat_gp *g, double *l, double *sf2, double *lambda);


/* ---- what a model-based strategy has seen (evals.c) ----
 * Results in tell order (the strat_history of strat_private.h) with their
 * cells and feature rows (x, (n, dim)), and the space indices of the cells asked but not yet told. dim is set by
 * the strategy before the first tell; the rest starts zeroed. */
typedef struct {
    int dim;               /* feature length, e.g. the space's path_dim */
    strat_history obs;     /* (obs.n) results: space index and score, in tell order (sh.c's type) */
    size_t arch_cap;       /* capacity of arch and x */
    space_arch *arch;      /* (obs.n) */
    float *x;              /* (obs.n, dim) features, filled by the strategy */
    uint32_t *pend;        /* (n_pend) pending cells */
    size_t n_pend, pend_cap;
} strat_evals;
/* Record an ask of cell `id`. */
void strat_evals_pending(strat_evals *h, uint32_t id);
/* The result of cell `id`: no longer pending; a NaN score (missing) is not
 * recorded (returns NULL), otherwise it is appended and the row of x to
 * fill with its features is returned (valid until the next tell). */
float *strat_evals_tell(strat_evals *h, uint32_t id, const space_arch *a, float score);
/* 1 when `id` has a result or is pending. */
int strat_evals_seen(const strat_evals *h, uint32_t id);
/* Positions of the best and second-best score (ties: the earlier); both 0
 * when n <= 1. */
void strat_evals_best_two(const strat_evals *h, size_t top[2]);
void strat_evals_free(strat_evals *h); /* frees the arrays, zeroes *h */

#endif
