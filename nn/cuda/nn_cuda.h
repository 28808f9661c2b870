/* nn/cuda/nn_cuda.h - inference of nn/'s networks (built from a space's
 * network description, e.g. NB201's TinyNetwork) on an NVIDIA GPU (CUDA C,
 * cuBLAS), for latency columns measured on a GPU. Optional: built only where
 * nvcc exists (`make cuda`); nothing else in nastab depends on it.
 *
 * What it does: the eval-mode forward pass of the network nn/net.c builds
 * (same layers, same parameter layout: it takes the CPU network's parameter
 * block as is), with convolutions as im2col + cublasSgemmStridedBatched and
 * small kernels for batch norm (running statistics), ReLU (fused into the
 * im2col of ReLU-Conv layers), 3x3 and 2x2 average pooling, additions, the
 * global average pool and the linear layer; timing with CUDA events.
 * What it does not do: training, backward passes, mixed precision, several
 * GPUs. BN running statistics: nn.h does not expose the CPU network's, so
 * they are passed in (NULL = the freshly initialised ones, mean 0 and
 * variance 1, which is what an nn_net_init network holds).
 *
 * Status: written against CUDA 13 and compiled with nvcc; not yet run on a
 * GPU in this repository's CI (nn/cuda/check.sh compares its logits with
 * the CPU engine's where a GPU exists).
 *
 * Usage:
 *     nn_cuda_net *g;
 *     if (nn_cuda_net_create(&cfg, &space_nb201, &arch, nn_net_params(cpu), NULL, &g) != NB_OK) ...
 *     float logits[2 * 10];
 *     nn_cuda_net_forward(g, x, 2, logits);          // x (2, 3, 32, 32) on the host
 *     double ms;
 *     nn_cuda_net_time(g, 64, 100, &ms);             // median of 100 timed passes
 *     nn_cuda_net_destroy(g);
 */
#ifndef NN_CUDA_H
#define NN_CUDA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" { /* the engine's headers are C: C linkage for nb_fail, nn_* */
#endif

#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"

typedef struct nn_cuda_net nn_cuda_net;

/* Copy the network for (cfg, space, arch) to the GPU, built from
 * space->network(arch, cfg->C, cfg->N) like nn_net_create: params has
 * nn_net_param_count(cfg, space, arch) floats in nn/net.c's order (e.g.
 * nn_net_params of a CPU network); run_stats NULL or, per BN layer in
 * parameter order, running mean (c) then running variance (c). Activations
 * are sized for cfg->batch images. Fails with NB_EINVAL (bad config: the
 * message names the field), NB_ETOOL (no CUDA device, or a CUDA/cuBLAS
 * call failed: the message names it and the CUDA error) or NB_ENOMEM; an
 * invalid architecture gives the space's NB_EINVAL. */
nb_status nn_cuda_net_create(const nn_config *cfg, const space_def *space, const space_arch *arch,
                             const float *params, const float *run_stats, nn_cuda_net **out);
void nn_cuda_net_destroy(nn_cuda_net *g); /* accepts NULL */

/* Eval-mode forward of n <= cfg->batch images x (n, in_ch, H, W) (host
 * memory); logits (n, classes) copied back to the host. NB_ETOOL on a CUDA
 * failure. */
nb_status nn_cuda_net_forward(nn_cuda_net *g, const float *x, int n, float *logits);

/* Latency of one forward pass of n images already on the device (those of
 * the last nn_cuda_net_forward, zeros before; the time does not depend on
 * the values), in ms: `reps` passes each timed with CUDA events after 10
 * untimed ones; *median_ms gets their median. */
nb_status nn_cuda_net_time(nn_cuda_net *g, int n, int reps, double *median_ms);

/* "NVIDIA H100 80GB HBM3, CUDA 13.0, cc 9.0" of device 0, or NULL when none. */
const char *nn_cuda_device_name(void);

#ifdef __cplusplus
}
#endif

#endif
