/* nn/nn.h - the training engine: TinyNetwork-style networks in C (float32, NCHW;
 * direct AVX-512/AVX2/portable convolutions for stride 1, OpenBLAS sgemm for
 * the rest), trained with SGD on Fashion-MNIST and CIFAR-10/100.
 *
 * What it does: builds the network a search space describes for one
 * architecture (space_def.network: the plain-data space_net of
 * spaces/space.h; for NB201, TinyNetwork for one cell) at any width C, depth
 * N, input size and class count; forward and backward passes
 * with every scratch buffer planned at create time (kernels never allocate);
 * parameter and FLOP counts that equal NB201's; SGD with Nesterov momentum,
 * weight decay and a cosine schedule (NB201's hyper-parameters); readers for
 * Fashion-MNIST IDX (gzip) and CIFAR binary files, deterministic splits,
 * augmentation and normalisation; an epoch loop with per-epoch statistics;
 * the NB201 training protocol by name; latency measurement; a weight-sharing
 * supernet of the NB201 cell (nn_super_*, nn/SUPERNET.md).
 * What it does not do: GPUs (see nn/cuda), read an architecture's decisions
 * (only the space's description of it), mixed
 * precision, checkpoint files. The op-level kernels (conv, batch norm, pool,
 * linear, loss) and their plain reference versions are in nn/nn_kernels.h.
 *
 * Network (the space_net skeleton; for NB201 TinyNetwork, Dong & Yang, ICLR
 * 2020, sec. 2.1 and the released xautodl code): stem conv3x3(in->C) + BN;
 * N cells at C; a residual reduction block C->2C; N cells; reduction
 * 2C->4C; N cells; BN + ReLU; global average pool; linear. A cell computes node i = sum_{j<i} op_{j->i}(node j)
 * with nor_conv_kxk = ReLU -> Conv(no bias) -> BN(affine), avg_pool_3x3 =
 * AvgPool(3, stride 1, pad 1, count_include_pad=False), skip = identity,
 * none = zero. Reduction block (ResNetBasicblock): ReLU-Conv3x3(stride 2)-BN,
 * ReLU-Conv3x3-BN, plus shortcut AvgPool(2, stride 2) then Conv1x1 (no BN).
 * The NATS-Bench size space (space_sss) describes the same skeleton at N = 1
 * with per-layer widths; a cell whose input width differs from its own
 * follows NATS's InferCell (spaces/space.h): edges out of its input map
 * the widths, a skip there is Conv1x1 + BN without ReLU.
 * Odd input sizes: the stride-2 conv gives ceil(H/2) rows; NB201's pool would
 * give floor(H/2), so the shortcut pool uses ceil mode (PyTorch
 * AvgPool2d(2, 2, ceil_mode=True)): a window that hangs over the last row or
 * column averages only its valid inputs. For even H this is exactly NB201.
 *
 * Determinism: weights come from nb_rng(seed, 0, NB_PURPOSE_INIT), data order
 * and augmentation from nb_rng(seed, epoch, NB_PURPOSE_DATA). OpenBLAS's own
 * threads change sgemm's result bits (measured, OpenBLAS 0.3.21), so OpenBLAS
 * runs single-threaded and the engine parallelises over fixed groups of
 * images with cross-group sums in group order (nn/parallel.c): training
 * numbers are the same bit for bit for any thread count (tests/test_nn.c
 * checks 1 vs 2 threads).
 *
 * Usage:
 *     nn_config cfg = nn_config_default();          // C=16 N=5, CIFAR-10 shape
 *     nn_net *net;
 *     if (nn_net_create(&cfg, &space_nb201, &arch, &net) != NB_OK) { puts(nb_errmsg()); return 1; }
 *     nn_net_init(net, seed);
 *     nn_sgd *opt = nn_sgd_create(net, &(nn_sgd_config){0.9, 5e-4, 1});
 *     double lr = nn_cosine_lr(0.1, epoch, step, steps_per_epoch, epochs);
 *     double loss = nn_net_train_step(net, opt, x, y, n, lr, &correct);
 *     nn_sgd_destroy(opt);
 *     nn_net_destroy(net);
 */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "spaces/space.h"

/* ---- network configuration */
typedef struct {
    int C;         /* width handed to the space's description (space_def.network);
                    * NB201: stem width, stages of C, 2C, 4C channels; 16 */
    int N;         /* cells per stage, handed likewise. NB201: 5 */
    int classes;   /* output classes, e.g. 10 */
    int in_ch;     /* input channels: 1 Fashion-MNIST, 3 CIFAR */
    int H, W;      /* input height and width in pixels, e.g. 32 x 32 */
    int batch;     /* largest batch a forward pass will see (plans scratch), e.g. 256 */
    int reference; /* 1: conv uses the plain loop kernels of nn/ref.c (slow; tests) */
} nn_config;

/* C=16, N=5, 10 classes, 3x32x32 input, batch 64, fast kernels. */
nn_config nn_config_default(void);
/* The input and output of a dataset's network, set in *c (the rest kept):
 * cifar10 and cifar10-valid 3x32x32, 10 classes; cifar100 3x32x32, 100;
 * ImageNet16-120 3x16x16, 120; fashion-mnist 1x28x28, 10. NB_EINVAL for
 * another name, listing these. */
nb_status nn_dataset_shape(const char *dataset, nn_config *c);

/* Number of trainable parameters (conv and linear weights, linear bias, BN
 * affine gamma and beta; not BN running statistics) of the network for
 * `arch` of `space`. Equals NB201's count: 1,531,546 for the all-conv3x3
 * cell at C=16, N=5, 10 classes. Asserts on an invalid config or
 * architecture (check with nn_config_check, space_arch_valid). */
size_t nn_net_param_count(const nn_config *cfg, const space_def *space, const space_arch *arch);
/* FLOPs in millions, counted as NB201 does (xautodl get_model_infos):
 * multiply-accumulates of every conv (k*k*Cin*Cout*Ho*Wo) and of the linear
 * layer plus one add per linear output for its bias; pooling, BN, ReLU and
 * additions are not counted. For one image. CIFAR-10, C=16, N=5:
 * 7.78305 + 35.38944 n_conv3x3 + 3.93216 n_conv1x1. */
double nn_net_flops(const nn_config *cfg, const space_def *space, const space_arch *arch);
/* NB_EINVAL naming the field when a config value is out of range
 * (C 1..1024, N 1..64, classes 2..100000, in_ch 1..16, H, W 1..4096, batch 1..65536). */
nb_status nn_config_check(const nn_config *cfg);

/* ---- the network: opaque; owns parameters, gradients, BN running
 * statistics and all activations and scratch for cfg->batch images. */
typedef struct nn_net nn_net;

/* Builds the network `arch` denotes in `space` (borrowed, only during the
 * call): nn asks space->network(arch, cfg->C, cfg->N) for the plain
 * description and builds from that alone. NB_EINVAL for a bad config
 * (message names the field), an invalid architecture (the space's message)
 * or a description nn cannot build (e.g. a pool edge out of the input of a
 * cell that changes width);
 * NB_ENOMEM when the activation memory cannot be allocated (message gives
 * the size; hint: a smaller --batch). Parameters are zero until nn_net_init. */
nb_status nn_net_create(const nn_config *cfg, const space_def *space, const space_arch *arch,
                        nn_net **out);
void nn_net_destroy(nn_net *net); /* accepts NULL */
/* Deterministic initialisation from `seed`: PyTorch's defaults, which NB201
 * keeps (Kaiming-uniform with a = sqrt(5)): conv and linear weights and the
 * linear bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), drawn in parameter order
 * from nb_rng(seed, 0, NB_PURPOSE_INIT); BN gamma 1, beta 0, running mean 0,
 * running var 1. */
void nn_net_init(nn_net *net, uint64_t seed);
const nn_config *nn_net_config(const nn_net *net); /* borrowed */
size_t nn_net_num_params(const nn_net *net);
/* Parameter and gradient blocks, each nn_net_num_params floats; borrowed,
 * valid until nn_net_destroy. */
float *nn_net_params(nn_net *net);
float *nn_net_grads(nn_net *net);
/* Bytes held by activations and scratch (for reports). */
size_t nn_net_activation_bytes(const nn_net *net);

/* Forward pass on n <= cfg->batch images x (n, in_ch, H, W). train = 1 uses
 * batch statistics in BN and updates the running ones (momentum 0.1, as
 * PyTorch); train = 0 uses the running statistics. x is borrowed until the
 * next forward (the backward pass reads it). Returns the logits
 * (n, classes), borrowed until the next forward. */
const float *nn_net_forward(nn_net *net, const float *x, int n, int train);
/* Mean softmax cross-entropy of the last forward's logits against labels
 * y[n] (each in 0..classes-1, asserted); *correct (may be NULL) gets the
 * number of top-1 hits. */
double nn_net_loss(const nn_net *net, const int32_t *y, int *correct);
/* Backward pass of the mean cross-entropy after a train-mode forward:
 * overwrites the gradient block with d loss / d params. */
void nn_net_backward(nn_net *net, const int32_t *y);

/* ---- SGD (PyTorch semantics, as NB201 uses it): g = grad + wd * p;
 * v = momentum * v + g; p -= lr * (nesterov ? g + momentum * v : v).
 * Weight decay applies to every parameter (NB201 passes model.parameters()). */
typedef struct {
    double momentum;     /* 0.9 in NB201 */
    double weight_decay; /* 5e-4 in NB201 */
    int nesterov;        /* 1 in NB201 */
} nn_sgd_config;
typedef struct nn_sgd nn_sgd;
/* Velocity block of nn_net_num_params floats, zero. Aborts on OOM. */
nn_sgd *nn_sgd_create(const nn_net *net, const nn_sgd_config *cfg);
void nn_sgd_destroy(nn_sgd *opt); /* accepts NULL */
void nn_sgd_step(nn_sgd *opt, nn_net *net, double lr);
/* Cosine annealing to 0 (NB201: per iteration, fractional epoch
 * t = epoch + step / steps): lr = lr0 * (1 + cos(pi * t / epochs)) / 2. */
double nn_cosine_lr(double lr0, int epoch, size_t step, size_t steps, int epochs);

/* forward(train) + loss + backward + SGD step; returns the batch's mean loss. */
double nn_net_train_step(nn_net *net, nn_sgd *opt, const float *x, const int32_t *y, int n,
                         double lr, int *correct);

/* ---- datasets: images kept as raw bytes, converted per batch. */
typedef struct {
    size_t n;           /* images */
    int c, h, w;        /* 1x28x28 Fashion-MNIST, 3x32x32 CIFAR */
    int classes;        /* 10 or 100 */
    float mean[3];      /* per-channel normalisation, in [0, 1] pixel units */
    float std[3];
    uint8_t *x;         /* (n, c, h, w) pixels 0..255, owned */
    uint8_t *y;         /* (n) labels 0..classes-1, owned */
} nn_data;

/* Fashion-MNIST IDX pair (gzip or plain; read with zlib): images magic
 * 0x00000803 with dims (n, rows, cols), labels magic 0x00000801 with (n).
 * NB_EIO when a file cannot be opened, NB_EFORMAT naming file and byte
 * offset/field for bad magic, a count mismatch, a label > 9 or truncation. */
nb_status nn_data_read_idx(const char *images_path, const char *labels_path, nn_data *out);
/* CIFAR binary records: 10 classes: 1 label byte + 3072 pixel bytes
 * (R, G, B planes of 32x32); 100 classes: coarse byte, fine byte, 3072
 * pixels (the fine label is used). Files are concatenated in order.
 * NB_EFORMAT naming the file and offset for a partial record or a label out
 * of range. */
nb_status nn_data_read_cifar(const char *const *paths, int n_paths, int classes, nn_data *out);
/* The standard file names under dir: dataset "fashion-mnist"
 * ({train,t10k}-{images-idx3,labels-idx1}-ubyte.gz), "cifar10"
 * (data_batch_1..5.bin, test_batch.bin) or "cifar100" (train.bin, test.bin);
 * test = 1 reads the test set. Sets mean/std: CIFAR-10 and CIFAR-100 as NB201
 * (xautodl get_datasets), Fashion-MNIST 0.2860 / 0.3530. NB_ENOTFOUND for an
 * unknown dataset name. */
nb_status nn_data_load(const char *dataset, const char *dir, int test, nn_data *out);
void nn_data_free(nn_data *d); /* frees the arrays, zeroes *d; accepts an all-zero d */
/* The fixed train/valid split (NB201 "-valid" manner: the training set cut in
 * two halves; NB201 ships its own random list, we derive ours): a permutation
 * from nb_rng(201, 0, NB_PURPOSE_DATA), independent of any training seed;
 * `first` gets the images at permutation positions [0, n_first), `second` the
 * rest, each in ascending original index. Copies; n_first <= src->n. */
void nn_data_split(const nn_data *src, size_t n_first, nn_data *first, nn_data *second);
/* Keep the first k images (k <= n). */
void nn_data_truncate(nn_data *d, size_t k);
/* Shrink images by an integer factor (box average, rounded); h and w must be
 * divisible by f (NB_EINVAL otherwise). E.g. Fashion-MNIST 28x28 -> 14x14. */
nb_status nn_data_downsample(nn_data *d, int f);

/* Make a float batch of the images idx[0..n): pad/crop/flip when aug != 0
 * (random crop with zero padding `pad` = 4 for 32x32 and 2 otherwise, as in
 * NB201's RandomCrop(32, padding=4), then horizontal flip with p = 1/2, both
 * drawn from rng), then normalise (x/255 - mean) / std. x (n, c, h, w), y (n). */
void nn_data_batch(const nn_data *d, const size_t *idx, int n, int aug, nb_rng *rng, float *x,
                   int32_t *y);

/* ---- epoch loop */
typedef struct {
    int batch;      /* images per step, e.g. 256 */
    int epochs;     /* length of the cosine schedule, e.g. 200 */
    double lr;      /* initial learning rate, e.g. 0.1 */
    uint64_t seed;  /* data order and augmentation */
    int augment;    /* 1: crop and flip */
} nn_train_config;
typedef struct {
    double loss;    /* mean cross-entropy */
    double acc;     /* top-1 accuracy in percent */
    size_t n;       /* images seen */
    double seconds; /* wall time */
} nn_epoch_stats;
/* One epoch over `train` in the order of a permutation from
 * nb_rng(seed, epoch, NB_PURPOSE_DATA); the last partial batch is used.
 * progress may be NULL. */
void nn_train_epoch(nn_net *net, nn_sgd *opt, const nn_data *train, const nn_train_config *tc,
                    int epoch, nn_epoch_stats *st, nb_progress *progress);
/* Loss and accuracy of the eval-mode network on all of d, in order. */
void nn_evaluate(nn_net *net, const nn_data *d, nn_epoch_stats *st);

/* ---- threads used by the kernels, process-wide (default 1); results do not
 * depend on it. Also pins OpenBLAS to one thread. */
void nn_set_threads(int n);
/* The OpenBLAS kernel in use, e.g. "Haswell"; borrowed. */
const char *nn_blas_corename(void);
/* The vector path of the direct convolution: "avx512", "avx2" or
 * "portable" (the same numbers on each); static string. */
const char *nn_simd_name(void);

/* ==== training protocols (nn/protocol.c) ====
 * A protocol is everything besides the network that fixes a training run's
 * numbers: optimizer, schedule, batch, augmentation, and which images train,
 * validate and test. Callers start from a named one and change fields.
 *
 *     nn_protocol p = nn_protocol_nb201(12, seed);   // NB201's search setting
 *     p.n_train = 500;                                // a subset, e.g. for tests
 *     nn_data tr, va, te;
 *     if (nn_protocol_data(&p, "cifar10", dir, &tr, &va, &te) != NB_OK) return 1;
 *     nn_sgd *opt = nn_sgd_create(net, &p.sgd);
 *     for (int e = 0; e < p.train.epochs; e++) nn_train_epoch(net, opt, &tr, &p.train, e, &st, NULL);
 */
typedef struct {
    nn_sgd_config sgd;     /* optimizer; NB201: momentum 0.9, weight decay 5e-4, Nesterov */
    nn_train_config train; /* batch (256), epochs (= cosine schedule length), lr (0.1), seed, augment (1) */
    int split;             /* 1: train on one half of the training set and validate on the other
                            * (nn_data_split at n/2, NB201's "-valid"); 0: train on all of it, no
                            * validation images (NB201's final retraining) */
    int downsample;        /* image shrink factor (nn_data_downsample), 1 = full size, e.g. 2 */
    size_t n_train;        /* keep the first K training images, 0 = all, e.g. 500 */
    size_t n_eval;         /* keep the first K validation and the first K test images, 0 = all */
} nn_protocol;

/* NB201's hyper-parameter set (Dong & Yang, ICLR 2020, sec. 2.3, Table 2;
 * xautodl configs/nas-benchmark/hyper-opts/200E.config, 12E.config): SGD
 * Nesterov momentum 0.9, weight decay 5e-4, lr 0.1 cosine to 0, batch 256,
 * crop + flip, the half/half train/valid split, full-size images. epochs:
 * 200 (the benchmark) or 12 (the search setting). Never fails. */
nn_protocol nn_protocol_nb201(int epochs, uint64_t seed);
/* The protocol's data: the training and test sets of `dataset` from dir
 * (nn_data_load), both downsampled, the training set split (p->split) and
 * cut to the subsets. Fills *train, *valid (empty without split), *test,
 * owned by the caller (nn_data_free). Errors as nn_data_load; NB_EINVAL when
 * the downsample factor does not divide the image size. On failure all
 * three are empty. */
nb_status nn_protocol_data(const nn_protocol *p, const char *dataset, const char *dir, nn_data *train,
                           nn_data *valid, nn_data *test);
/* ==== end of training protocols ==== */

/* ==== latency measurement (nn/latency.c, nn/latency_sample.c) ====
 * Times a callback until its median is stable, and refuses to report a
 * median that is not: a round takes at least min_reps and at most max_reps
 * timings and ends as soon as the relative median absolute deviation
 * (MAD / median) is below max_rmad; a value needs two independent rounds
 * whose medians are both stable and agree within `agree` (relative); when
 * they do not, a third round must be stable and agree with one of the first
 * two; otherwise the value is flagged (NaN), never a silently noisy number.
 * The timed callback is one eval-mode forward pass (nn_lat_forward_ms);
 * nn_latency_measure runs the whole protocol of `nastab latency` and the
 * probe over a sample of architectures.
 * Does not: warm caches beyond `warmup` untimed calls, pin threads, control
 * the CPU frequency, or store anything (bench/cmd_latency.c writes columns).
 *
 *     nn_lat_rule rule = nn_lat_rule_default();
 *     nn_lat_result r;
 *     nn_lat_measure(&rule, time_one_forward_ms, ctx, &r);  // one item, rounds back to back
 *     if (r.flagged) n_flagged++;                            // r.value is NaN then
 *
 *     nn_latency_config lc = {cfg, batches, 1, seed, nn_lat_rule_default(), 1, NULL};
 *     nn_latency_result res;
 *     if (nn_latency_measure(&lc, archs, k, &res) != NB_OK) return 1;
 *     use(res.value[0 * k + j]);                             // ms of archs[j] at batches[0]
 *     nn_latency_free(&res);
 */
typedef struct {
    int warmup;      /* untimed calls before each round, e.g. 2 */
    int min_reps;    /* timings per round at least, e.g. 5 */
    int max_reps;    /* and at most, e.g. 50 (<= NN_LAT_MAX_REPS) */
    double max_rmad; /* a round is stable when MAD / median < this, e.g. 0.02 */
    double agree;    /* two rounds agree when |m1 - m2| / min(m1, m2) <= this, e.g. 0.05 */
} nn_lat_rule;
#define NN_LAT_MAX_REPS 1000

typedef struct {
    double value;  /* mean of the two agreeing rounds' medians, or NaN when flagged */
    double spread; /* max(their MADs, half their difference), same unit; NaN when flagged */
    int reps;      /* timed calls in total, all rounds (warm-up not counted) */
    int attempts;  /* rounds taken: 2, or 3 when the first two did not agree */
    int flagged;   /* 1: no stable, agreeing pair among 3 rounds */
} nn_lat_result;

typedef struct {
    double median; /* of the round's timings */
    double mad;    /* their median absolute deviation */
    int n;         /* timings taken */
    int stable;    /* 1: stopped by the MAD criterion */
} nn_lat_round_result;

/* warmup 2, 5..50 timings, MAD/median < 2%, rounds within 5%. */
nn_lat_rule nn_lat_rule_default(void);
/* Median of v[0..n) (n >= 1); sorts v in place. */
double nn_lat_median(double *v, size_t n);
/* Median and MAD (median of |v - median|, not scaled) of v[0..n); v is left
 * untouched; tmp has room for n doubles. */
void nn_lat_median_mad(const double *v, size_t n, double *tmp, double *median, double *mad);
/* One round: `warmup` untimed calls, then timings into v (room for
 * rule->max_reps) until MAD/median < max_rmad after at least min_reps, or
 * max_reps timings; tmp has room for max_reps doubles. */
void nn_lat_round(const nn_lat_rule *rule, double (*time_ms)(void *), void *ctx, double *v,
                  double *tmp, nn_lat_round_result *out);
/* Decide from k rounds of one item (k = 2 or 3, independent). Returns 0 when
 * a third round is needed (k == 2 and the two are not both stable and in
 * agreement), else 1 with *out filled: the value is the mean of the two
 * medians of the closest agreeing pair of stable rounds, spread the largest
 * of their MADs and half their difference; no such pair: flagged, NaN. */
int nn_lat_decide(const nn_lat_rule *rule, const nn_lat_round_result *r, int k, nn_lat_result *out);
/* Measure one item with rounds back to back: two rounds, a third when they
 * do not agree, then nn_lat_decide. Never fails; out->flagged says whether
 * out->value is usable (also flagged when the scratch cannot be allocated). */
void nn_lat_measure(const nn_lat_rule *rule, double (*time_ms)(void *), void *ctx, nn_lat_result *out);

/* The timed callback: one eval-mode forward pass of `batch` images (the mean
 * of `inner` consecutive passes). A timing shorter than NN_LAT_MIN_TIMING_MS
 * is dominated by timer and scheduler jitter, so nn_lat_calibrate_inner picks
 * `inner` to make one timing last about that long, from the mean of 5 passes
 * after 3 untimed ones (the first passes after creating a network are slower:
 * cold caches, page faults). */
#define NN_LAT_MIN_TIMING_MS 2.0
#define NN_LAT_MAX_INNER 64
typedef struct {
    nn_net *net;    /* borrowed */
    const float *x; /* (batch, in_ch, H, W), borrowed */
    int batch, inner;
} nn_lat_forward;
double nn_lat_forward_ms(void *forward); /* an nn_lat_forward *; milliseconds per pass */
int nn_lat_calibrate_inner(nn_lat_forward *c); /* 1..NN_LAT_MAX_INNER */

/* A round whose canary network ran more than this above the canary's median
 * so far is not trusted (nn/latency_sample.c). */
#define NN_LAT_CANARY_TOL 0.10
typedef struct {
    nn_config net;        /* network shape; net.batch = the largest of batches */
    const int *batches;   /* (n_batches) batch sizes to time, e.g. {1, 64} */
    int n_batches;        /* >= 1 */
    uint64_t seed;        /* weights and inputs (nb_rng(seed, 1, TEST)) */
    nn_lat_rule rule;     /* e.g. nn_lat_rule_default() */
    int canary;           /* 1: time a canary network around every round and distrust
                           * rounds on a busy machine (nastab latency); 0: not (the probe) */
    const size_t *ids;    /* (k) names of the sample items in debug messages (e.g. table
                           * indices), or NULL for their positions */
    const space_def *space; /* the space of archs[], e.g. tab_space(table) or &space_nb201 */
} nn_latency_config;
typedef struct {
    float *value;         /* (n_batches, k) ms, NaN when flagged; owned, nn_latency_free */
    float *spread;        /* (n_batches, k) ms */
    int *flagged;         /* (n_batches) values flagged noisy */
    long contended;       /* rounds distrusted because the canary was slow */
    double canary_best;   /* fastest canary time, ms (HUGE_VAL without canary) */
    double canary_median; /* median canary time over all rounds, ms (NaN without) */
    double seconds;       /* wall time of the measurement */
} nn_latency_result;
/* Every architecture archs[0..k) at every batch size: a round per
 * (architecture, batch) in a forward pass over the sample, one in a backward
 * pass, a third pass for the undecided; nn_lat_decide per value. A network
 * per architecture, initialised from cfg->seed. Draws a progress bar.
 * Errors: as nn_net_create (out is then empty). */
nb_status nn_latency_measure(const nn_latency_config *cfg, const space_arch *archs, size_t k,
                             nn_latency_result *out);
void nn_latency_free(nn_latency_result *r); /* accepts an all-zero r */
/* The machine a measurement ran on, as stored with a latency column:
 * "cpu=...; cores=2; threads=1; blas=OpenBLAS Haswell (single-threaded);
 * compiler=...; flags=-O2 -g; nastab=0.1.0 (git ...); date=..." (truncated
 * to n like snprintf). */
void nn_latency_host(char *buf, size_t n, int threads);
/* ==== end of latency measurement ==== */


/* ==== supernet (nn/supernet.c, nn/supernet_gdas.c, nn/SUPERNET.md): weight sharing over NB201 ====
 *
 * What it does: one network in which every edge of the NB201 cell holds all
 * five candidate ops (none, skip_connect, nor_conv_1x1, nor_conv_3x3,
 * avg_pool_3x3), each conv with its own weights, inside the TinyNetwork
 * skeleton of nn_net (stem, 3 stages of N cells, residual reductions, BN +
 * ReLU, global pool, linear) at any C, N, input size and class count. An
 * edge runs in one of three modes, set before each forward:
 *   mixed  (DARTS): edge output = sum_o softmax(alpha_e)_o op_o(x); backward
 *          also gives d loss / d alpha (6 x 5);
 *   path   (SPOS, RSPS, ENAS training; the fixed evaluation of an inherited
 *          cell): only arch->op[e] runs, weight 1; no arch gradient;
 *   hard   (GDAS): only arch->op[e] runs, scaled by its hard weight h[e][o];
 *          every other op adds its weight h[e][o] (0 in value) as a constant,
 *          as xautodl's forward_gdas; backward gives d loss / d h (6 x 5),
 *          which nn_super_gdas_backward turns into d loss / d alpha.
 * Cell-op batch norm is non-affine (NB201's search cells, affine=False):
 * batch statistics in training; in eval the running statistics when
 * track_running_stats is 1, batch statistics again when 0. The stem,
 * reduction and head BNs are affine as in nn_net. Every scratch buffer is
 * planned at create; results are bit for bit the same for any thread count.
 * What it does not do: the search methods (SGD/Adam on alpha, sampling
 * schedules), data loading, optimizer state (nn_sgd works on nn_net only).
 *
 * Usage (one DARTS first-order step; alpha (6, 5) owned by the caller):
 *     nn_super_config sc = {cfg, 0};               // cfg: an nn_config
 *     nn_super *s;
 *     if (nn_super_create(&sc, &s) != NB_OK) { puts(nb_errmsg()); return 1; }
 *     nn_super_init(s, seed);
 *     nn_super_set_mixed(s, alpha);
 *     nn_super_forward(s, x, n, 1);
 *     double loss = nn_super_loss(s, y, NULL);
 *     nn_super_backward(s, y);                     // nn_super_grads, nn_super_arch_grad
 *     nn_super_destroy(s);
 */
typedef struct {
    nn_config net;           /* skeleton and batch as for nn_net: C, N, classes, in_ch, H, W,
                              * batch, reference; e.g. C=16, N=5 */
    int track_running_stats; /* cell-op BN in eval: 1 running statistics, 0 batch statistics
                              * (PyTorch track_running_stats=False); NB201's scripts take both */
} nn_super_config;

typedef enum {
    NN_SUPER_MIXED = 0, /* softmax(alpha) over all ops, DARTS */
    NN_SUPER_PATH = 1,  /* one op per edge, weight 1 */
    NN_SUPER_HARD = 2   /* one op per edge with GDAS's straight-through hard weights */
} nn_super_mode;

typedef struct nn_super nn_super;

/* NB_EINVAL naming the field for a bad config (nn_config_check);
 * NB_ENOMEM with the size when the memory cannot be allocated. Parameters
 * are zero until nn_super_init; the mode is NN_SUPER_MIXED with alpha 0
 * (uniform weights). */
nb_status nn_super_create(const nn_super_config *cfg, nn_super **out);
void nn_super_destroy(nn_super *s); /* accepts NULL */
/* nn_net_init's scheme in the supernet's parameter order: conv and linear
 * weights ~ U(-1/sqrt(fan_in), +), BN gamma 1, beta 0, running mean 0, var 1. */
void nn_super_init(nn_super *s, uint64_t seed);
const nn_super_config *nn_super_get_config(const nn_super *s); /* borrowed */
size_t nn_super_num_params(const nn_super *s);
/* Parameter and gradient blocks (nn_super_num_params floats); borrowed,
 * valid until nn_super_destroy. */
float *nn_super_params(nn_super *s);
float *nn_super_grads(nn_super *s);
/* Batch-norm statistics block (nn_super_num_state floats: per BN running
 * mean, running var, last batch mean, last batch invstd), for checkpoints;
 * borrowed, valid until nn_super_destroy. */
size_t nn_super_num_state(const nn_super *s);
float *nn_super_state(nn_super *s);
/* Bytes of activations and scratch (all modes share them; mixed mode uses
 * them all): see nn/SUPERNET.md for the formula. */
size_t nn_super_activation_bytes(const nn_super *s);

/* Edge weights for the following forwards. alpha, hard: (6, 5) floats,
 * [edge][op] in spaces/space.h's edge and op order, copied. arch must be a
 * valid NB201 cell (asserted). */
void nn_super_set_mixed(nn_super *s, const float *alpha);
void nn_super_set_path(nn_super *s, const space_arch *arch);
void nn_super_set_hard(nn_super *s, const space_arch *arch, const float *hard);
nn_super_mode nn_super_mode_of(const nn_super *s);
/* The (6, 5) op weights in effect: softmax(alpha) (mixed), one-hot (path),
 * hard (hard). Borrowed, valid until the next set. */
const float *nn_super_edge_weights(const nn_super *s);

/* As nn_net_forward / nn_net_loss / nn_net_backward: logits (n, classes)
 * borrowed until the next forward; backward after a train-mode forward
 * overwrites the gradient block and the arch gradient. */
const float *nn_super_forward(nn_super *s, const float *x, int n, int train);
double nn_super_loss(const nn_super *s, const int32_t *y, int *correct);
void nn_super_backward(nn_super *s, const int32_t *y);
/* (6, 5) floats from the last backward: d loss / d alpha (mixed), d loss /
 * d hard (hard), zeros (path). Borrowed, valid until the next backward. */
const float *nn_super_arch_grad(const nn_super *s);

/* GDAS sampling (Dong & Yang, CVPR 2019, eq. 5; xautodl TinyNetworkGDAS):
 * logits = (log_softmax(alpha_e) + gumbel_e) / tau, probs = softmax(logits),
 * arch->op[e] = argmax probs_e (first on ties), hard = one_hot - probs + probs
 * computed in float as PyTorch does (value 1 or 0, up to rounding).
 * gumbel (6, 5): the caller's -log(Exp(1)) draws. All arrays (6, 5). */
void nn_super_gdas_sample(const float *alpha, const float *gumbel, double tau, float *probs,
                          space_arch *arch, float *hard);
/* The straight-through chain: d loss / d hard passes unchanged to probs
 * (hard = one_hot - probs.detach() + probs), then through the softmax, the
 * 1/tau and the log_softmax back to alpha. dalpha (6, 5) is overwritten. */
void nn_super_gdas_backward(const float *alpha, const float *probs, double tau,
                            const float *dhard, float *dalpha);

/* Copy the sub-network `arch` out of the supernet into `net`, an nn_net
 * built for the same C, N, classes, in_ch, H, W and for `arch` (batch and
 * reference may differ): stem, reductions, head and the chosen convs'
 * weights; cell BN gamma 1, beta 0 (the supernet's non-affine BN). Running
 * statistics are not copied (nn.h has no access to them): call nn_net_init
 * first (running mean 0, var 1), then re-estimate them with train-mode
 * forwards before an eval-mode forward. NB_EINVAL when the shapes or the
 * parameter count do not match. */
nb_status nn_super_load_net(const nn_super *s, const space_arch *arch, nn_net *net);
/* ==== end of supernet ==== */

#endif
