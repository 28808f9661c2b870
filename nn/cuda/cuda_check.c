/* nn/cuda/cuda_check.c - checks the GPU inference path (nn/cuda/net_cuda.cu)
 * against the CPU engine and measures its latency; run by nn/cuda/check.sh.
 *
 * For a few cells (every op kind, and the extremes all-conv3x3 and
 * all-none): build the CPU network (nn_net_create + nn_net_init, NB201
 * shape C=16 N=5 32x32 10 classes), copy its parameters to the GPU, run both
 * in eval mode on the same 4 random images and compare the logits:
 * |gpu - cpu| <= 1e-3 + 1e-3 |cpu| for every logit (float32 sums in a
 * different order; cuBLAS may use TF32 only if enabled, which we do not).
 * Then the GPU latency at batch 1 and 64 (median of 100 CUDA-event timed
 * passes after 10 untimed ones) and, for reference, the CPU's at batch 1.
 * Exit: 0 all match, 1 a mismatch or a failure, 77 no CUDA device (skip). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/nb.h"
#include "nn/cuda/nn_cuda.h"
#include "nn/nn.h"
#include "nn/nn_kernels.h"
#include "spaces/space.h"

static const char *const cells[] = {
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|nor_conv_1x1~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|none~1|avg_pool_3x3~2|",
    "|avg_pool_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|nor_conv_3x3~0|skip_connect~1|avg_pool_3x3~2|",
    "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
    "|skip_connect~0|+|none~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|",
};

static double cpu_ms(nn_net *net, const float *x, int n)
{
    struct timespec a, b;
    double best = HUGE_VAL;
    for (int r = 0; r < 7; r++) {
        clock_gettime(CLOCK_MONOTONIC, &a);
        nn_net_forward(net, x, n, 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) * 1e-6;
        if (r >= 2 && ms < best) best = ms; /* 2 warm-up passes */
    }
    return best;
}

int main(void)
{
    const char *dev = nn_cuda_device_name();
    if (!dev) {
        printf("cuda-check: SKIPPED: no CUDA device\n");
        return 77;
    }
    printf("cuda-check: device %s\n", dev);
    nn_kernels_set_threads(1);
    nn_config cfg = nn_config_default(); /* C=16 N=5 3x32x32 10 classes */
    cfg.batch = 64;
    const int nimg = 4;
    size_t nin = (size_t)cfg.batch * 3 * cfg.H * cfg.W;
    float *x = nb_xcalloc_array(nin, sizeof *x);
    nb_rng r;
    nb_rng_init(&r, 7, 0, NB_PURPOSE_TEST);
    for (size_t i = 0; i < nin; i++) x[i] = (float)nb_rng_normal(&r);
    float gl[4 * 10];
    int bad = 0;
    for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
        space_arch a;
        nn_net *net = NULL;
        nn_cuda_net *g = NULL;
        if (space_parse(cells[c], &a) != NB_OK || nn_net_create(&cfg, &space_nb201, &a, &net) != NB_OK) {
            printf("FAIL %s: %s\n", cells[c], nb_errmsg());
            bad++;
            continue;
        }
        nn_net_init(net, 1);
        const float *cl = nn_net_forward(net, x, nimg, 0);
        double maxd = 0;
        int ok = nn_cuda_net_create(&cfg, &space_nb201, &a, nn_net_params(net), NULL, &g) == NB_OK &&
                 nn_cuda_net_forward(g, x, nimg, gl) == NB_OK;
        if (!ok) {
            printf("FAIL %s: %s\n", cells[c], nb_errmsg());
            bad++;
        } else {
            for (int i = 0; i < nimg * cfg.classes; i++) {
                double d = fabs((double)gl[i] - cl[i]);
                if (d > maxd) maxd = d;
                if (!(d <= 1e-3 + 1e-3 * fabs(cl[i]))) ok = 0;
            }
            double g1 = NAN, g64 = NAN;
            if (nn_cuda_net_time(g, 1, 100, &g1) != NB_OK || nn_cuda_net_time(g, 64, 100, &g64) != NB_OK) {
                printf("FAIL %s: timing: %s\n", cells[c], nb_errmsg());
                ok = 0;
            }
            printf("%s %s: max |logit diff| %.2e; GPU %.3f ms (b1) %.3f ms (b64); CPU %.2f ms (b1, 1 thread)\n",
                   ok ? "ok  " : "FAIL", cells[c], maxd, g1, g64, cpu_ms(net, x, 1));
            bad += !ok;
        }
        nn_cuda_net_destroy(g);
        nn_net_destroy(net);
    }
    free(x);
    printf("cuda-check: %d of %zu cells match\n", (int)(sizeof cells / sizeof cells[0]) - bad,
           sizeof cells / sizeof cells[0]);
    return bad ? 1 : 0;
}
