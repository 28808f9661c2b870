/* nn/proxies.h - zero-cost proxies: scores of an untrained network from one
 * minibatch (or none), computed by the engine (nn/proxies.c; definitions,
 * sources and deviations in nn/PROXIES.md).
 *
 * What it does: builds the network a space describes for one architecture
 * (the same description, parameter layout, initialisation and kernels as
 * nn_net; a forward pass gives nn_net's logits bit for bit), runs the passes
 * each proxy needs on a caller-supplied batch and returns one double per
 * requested proxy: synflow (double precision, |weights|, all-ones input, no
 * batch norm), snip, grasp, fisher, grad_norm, jacob_cov, nwot, zen, plain,
 * l2_norm, params, flops. Results depend only on (config, architecture,
 * batch, seed): the same bits for any thread count.
 * What it does not do: read tables or datasets (nn_zc_batch makes the batch
 * from an nn_data the caller loaded), pick which architectures to score, or
 * store anything (tables/tab_zc.h writes columns).
 *
 * Usage:
 *     nn_zc_config zc = {cfg, 64, 7, x, y};          // cfg.batch >= 64; x (64, C, H, W)
 *     nn_zc_id ids[] = {NN_ZC_SYNFLOW, NN_ZC_NWOT};
 *     double v[2];
 *     if (nn_zc_compute(&zc, &space_nb201, &arch, ids, 2, v) != NB_OK) puts(nb_errmsg());
 */
#ifndef NN_PROXIES_H
#define NN_PROXIES_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"

/* Proxy ids; the order is the --proxies default order. */
typedef enum {
    NN_ZC_SYNFLOW = 0,
    NN_ZC_SNIP,
    NN_ZC_GRASP,
    NN_ZC_FISHER,
    NN_ZC_GRAD_NORM,
    NN_ZC_JACOB_COV,
    NN_ZC_NWOT,
    NN_ZC_ZEN,
    NN_ZC_PLAIN,
    NN_ZC_L2_NORM,
    NN_ZC_PARAMS,
    NN_ZC_FLOPS,
    NN_ZC_COUNT
} nn_zc_id;

/* "synflow", ... (static), or NULL for an id out of range. */
const char *nn_zc_name(nn_zc_id id);
/* Id of a name, or -1 with NB_ENOTFOUND's message listing every name. */
int nn_zc_from_name(const char *name);
/* 1 when the proxy reads the batch's images (the column records whether they
 * were real images or N(0,1)); 0 for synflow, zen (its own N(0,1) inputs
 * by definition), params, flops. */
int nn_zc_uses_data(nn_zc_id id);

typedef struct {
    nn_config net;     /* network shape; net.batch >= batch; net.reference = 1: synflow
                        * through the plain-loop reference conv (same bits, slower; tests) */
    int batch;         /* images in x, e.g. 64 (>= 2: nwot and jacob_cov compare images) */
    uint64_t seed;     /* weights (nn_net_init), zen's inputs and grasp's nothing; e.g. 0 */
    const float *x;    /* (batch, in_ch, H, W) normalised images, borrowed */
    const int32_t *y;  /* (batch) labels in 0..classes-1, borrowed */
} nn_zc_config;

/* Every proxy ids[0..n) of `arch` in `space`, into out[0..n). A proxy whose
 * value is undefined (e.g. log of 0) gives NaN, not an error. Fails as
 * nn_net_create (bad config, an architecture the engine cannot build,
 * NB_ENOMEM) or NB_EINVAL for batch out of 2..net.batch. Uses the kernel
 * thread setting of the caller's thread (nn_set_threads); call from several
 * threads at once with it at 1. */
nb_status nn_zc_compute(const nn_zc_config *cfg, const space_def *space, const space_arch *arch,
                        const nn_zc_id *ids, int n, double *out);

/* The batch the proxies read: `batch` images of d drawn without replacement
 * with nb_rng(seed, 0, NB_PURPOSE_DATA), normalised, no augmentation, into
 * x (batch, c, h, w) and y (batch); d == NULL: N(0,1) pixels and uniform
 * labels in 0..classes-1 from nb_rng(seed, 1, NB_PURPOSE_DATA). Asserts
 * batch <= d->n. */
void nn_zc_batch(const nn_data *d, int batch, int in_ch, int h, int w, int classes, uint64_t seed,
                 float *x, int32_t *y);

/* ---- internals exposed for tests (tests/test_proxies.c) */
/* NASWOT's kernel from binary codes: codes (n, d) bytes 0/1; K (n, n) gets
 * K[i][j] += number of units where images i and j agree (c c^T + (1-c)(1-c)^T). */
void nn_zc_nwot_kernel_add(const uint8_t *codes, int n, size_t d, double *K);
/* log |det A| of A (n, n), row-major, by LU with partial pivoting (A is
 * destroyed); -inf when singular. */
double nn_zc_logdet(double *A, int n);
/* Eigenvalues of the symmetric A (n, n) by cyclic Jacobi rotations (A is
 * destroyed), ascending into ev (n). */
void nn_zc_sym_eigvals(double *A, int n, double *ev);
/* Forward pass of the proxy network (train-mode BN) on x, logits into
 * logits (batch, classes), and the gradient of the mean cross-entropy
 * against y into grads (nn_net_num_params floats, nn_net's layout): the
 * same bits as nn_net_forward + nn_net_backward (tests check). */
nb_status nn_zc_forward_backward(const nn_zc_config *cfg, const space_def *space,
                                 const space_arch *arch, float *logits, float *grads);

#endif
