/* bench/cmd_bench_engine.c - `nastab bench engine`: the C training engine's
 * speed on one NB201 network, printed as key=value lines for
 * bench/torch/run.sh, which times PyTorch on the same network beside it.
 *
 * Training: images per second of nn_net_train_step (forward, loss,
 * backward, SGD Nesterov step) on random N(0,1) data of the configured shape,
 * after warm-up steps; the median over timed repeats. Inference: eval-mode
 * forward latency for batch 1 and batch 64, median over repeats. Each is
 * measured in wall time and in process CPU time (*_cpu_*), the latter
 * steadier on a shared machine.
 * loss_fnv1a is a hash of the bits of every training step's loss (a fixed
 * seed), logits_fnv1a one of the eval-mode logits after training: two
 * builds with the same hashes computed the same numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"

#define ENGINE_ALL_CONV3 "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"

static void engine_help(void)
{
    printf("usage: nastab bench engine [--arch STR] [--channels C] [--cells N] [--in-ch K]\n"
           "                           [--size S] [--classes K] [--batch B] [--steps T]\n"
           "                           [--repeats R] [--threads T] [--seed S]\n"
           "\n"
           "Times the C engine on one NB201 network with random data: training images per\n"
           "second (forward + backward + SGD Nesterov step) and eval-mode inference latency\n"
           "at batch 1 and 64. Prints key=value lines.\n"
           "\n"
           "  --arch STR     NB201 cell string (default all nor_conv_3x3)\n"
           "  --channels C   stem width (default 16)\n"
           "  --cells N      cells per stage (default 5)\n"
           "  --in-ch K      input channels (default 3)\n"
           "  --size S       input height and width (default 32)\n"
           "  --classes K    classes (default 10)\n"
           "  --batch B      training batch (default 64)\n"
           "  --steps T      timed training steps per repeat (default 3)\n"
           "  --repeats R    repeats; medians are reported (default 3)\n"
           "  --threads T    engine threads (default 1)\n"
           "  --seed S       weights and data (default 0)\n");
}

static int opt_long(const char *name, const char *s, long lo, long hi, long *out)
{
    if (!s) return 0;
    return nb_parse_long(name, s, lo, hi, out) == NB_OK ? 0 : cli_fail("bench engine", 1);
}

int cmd_bench_engine(int argc, char **argv)
{
    const double t_start = nb_now();
    const char *arch_s = NULL, *c_s = NULL, *n_s = NULL, *in_s = NULL, *size_s = NULL,
               *cls_s = NULL, *batch_s = NULL, *steps_s = NULL, *rep_s = NULL, *thr_s = NULL,
               *seed_s = NULL, *pos[1];
    int n_pos, help;
    cli_opt opts[] = {
        {"--arch", NULL, &arch_s, NULL},     {"--channels", NULL, &c_s, NULL},
        {"--cells", NULL, &n_s, NULL},       {"--in-ch", NULL, &in_s, NULL},
        {"--size", NULL, &size_s, NULL},     {"--classes", NULL, &cls_s, NULL},
        {"--batch", NULL, &batch_s, NULL},   {"--steps", NULL, &steps_s, NULL},
        {"--repeats", NULL, &rep_s, NULL},   {"--threads", NULL, &thr_s, NULL},
        {"--seed", NULL, &seed_s, NULL},
    };
    if (cli_parse("bench engine", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos,
                  &help))
        return 2;
    if (help) {
        engine_help();
        return 0;
    }
    long C = 16, N = 5, in_ch = 3, size = 32, classes = 10, batch = 64, steps = 3, repeats = 3,
         threads = 1;
    uint64_t seed = 0;
    if (opt_long("--channels", c_s, 1, 1024, &C) || opt_long("--cells", n_s, 1, 64, &N) ||
        opt_long("--in-ch", in_s, 1, 16, &in_ch) || opt_long("--size", size_s, 1, 4096, &size) ||
        opt_long("--classes", cls_s, 2, 100000, &classes) ||
        opt_long("--batch", batch_s, 2, 65536, &batch) ||
        opt_long("--steps", steps_s, 1, 100000, &steps) ||
        opt_long("--repeats", rep_s, 1, 1000, &repeats) ||
        opt_long("--threads", thr_s, 1, 256, &threads))
        return 1;
    if (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK) return cli_fail("bench engine", 1);
    if (!arch_s) arch_s = ENGINE_ALL_CONV3;
    const space_def *sp = space_find("nb201"); /* the command times NB201 networks by definition */
    if (!sp) return cli_fail("bench engine", 0);
    space_arch arch;
    if (sp->parse(arch_s, &arch) != NB_OK) return cli_fail("bench engine", 1);

    nn_set_threads((int)threads);
    const int infer_b = 64;
    nn_config cfg = {(int)C, (int)N, (int)classes, (int)in_ch, (int)size, (int)size,
                     (int)(batch > infer_b ? batch : infer_b), 0};
    nn_net *net;
    if (nn_net_create(&cfg, sp, &arch, &net) != NB_OK) return cli_fail("bench engine", 1);
    nn_net_init(net, seed);
    const nn_protocol nb201 = nn_protocol_nb201(1, seed);
    nn_sgd *opt = nn_sgd_create(net, &nb201.sgd);

    const size_t pix = (size_t)in_ch * size * size;
    float *x = nb_xcalloc_array((size_t)cfg.batch * pix, sizeof *x);
    int32_t *y = nb_xcalloc_array((size_t)cfg.batch, sizeof *y);
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_TEST);
    for (size_t i = 0; i < (size_t)cfg.batch * pix; i++) x[i] = (float)nb_rng_normal(&r);
    for (int i = 0; i < cfg.batch; i++) y[i] = (int32_t)nb_rng_below(&r, (uint64_t)classes);

    double *t = nb_xcalloc_array((size_t)repeats, sizeof *t),
           *tc = nb_xcalloc_array((size_t)repeats, sizeof *tc);
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over the loss bits */
    double first_loss = 0, last_loss = 0;
    /* OpenBLAS's idle worker thread spins for ~0.13 s after the library
     * starts; wait it out so it does not count in the process CPU time */
    for (double t_end = t_start + 0.3; nb_now() < t_end;) nanosleep(&(struct timespec){0, 10000000}, NULL);
    const int warm = 1;
    for (long rep = -warm; rep < repeats; rep++) {
        double t0 = nb_now(), c0 = nb_cpu_now();
        for (long s = 0; s < steps; s++) {
            double loss = nn_net_train_step(net, opt, x, y, (int)batch, 0.01, NULL);
            unsigned char b[sizeof loss];
            memcpy(b, &loss, sizeof b);
            for (size_t k = 0; k < sizeof b; k++) h = (h ^ b[k]) * 1099511628211ULL;
            if (rep == -warm && s == 0) first_loss = loss;
            last_loss = loss;
        }
        if (rep >= 0) {
            t[rep] = (double)batch * (double)steps / (nb_now() - t0);
            tc[rep] = (double)batch * (double)steps / (nb_cpu_now() - c0);
        }
    }
    double train_ips = cli_median(t, (int)repeats), train_cpu_ips = cli_median(tc, (int)repeats);

    double lat[2], lat_cpu[2];
    uint64_t hi = 1469598103934665603ULL; /* FNV-1a over the eval logits of the first 64 images */
    {
        const float *lg = nn_net_forward(net, x, infer_b, 0);
        const unsigned char *bytes = (const unsigned char *)lg;
        for (size_t k = 0; k < (size_t)infer_b * (size_t)classes * sizeof *lg; k++)
            hi = (hi ^ bytes[k]) * 1099511628211ULL;
    }
    const int nb_[2] = {1, infer_b};
    for (int k = 0; k < 2; k++) {
        int reps = k == 0 ? 20 : (int)repeats;
        double *v = nb_xcalloc_array((size_t)reps, sizeof *v),
               *vc = nb_xcalloc_array((size_t)reps, sizeof *vc);
        nn_net_forward(net, x, nb_[k], 0); /* warm-up */
        for (int i = 0; i < reps; i++) {
            double t0 = nb_now(), c0 = nb_cpu_now();
            nn_net_forward(net, x, nb_[k], 0);
            v[i] = 1e3 * (nb_now() - t0);
            vc[i] = 1e3 * (nb_cpu_now() - c0);
        }
        lat[k] = cli_median(v, reps);
        lat_cpu[k] = cli_median(vc, reps);
        free(v);
        free(vc);
    }

    char canon[256];
    sp->format(&arch, canon, sizeof canon);
    printf("config=C%ld_N%ld_%ldx%ldx%ld_cls%ld_b%ld\n", C, N, in_ch, size, size, classes, batch);
    printf("arch=%s\n", canon);
    printf("threads=%ld\n", threads);
    printf("openblas_corename=%s\n", nn_blas_corename());
    printf("conv_simd=%s\n", nn_simd_name());
    printf("params=%zu\n", nn_net_num_params(net));
    printf("activation_mib=%.1f\n", (double)nn_net_activation_bytes(net) / 1048576.0);
    printf("train_images_per_s=%.2f\n", train_ips);
    printf("infer_ms_b1=%.3f\n", lat[0]);
    printf("infer_ms_b64=%.3f\n", lat[1]);
    printf("train_cpu_images_per_s=%.2f\n", train_cpu_ips);
    printf("infer_cpu_ms_b1=%.3f\n", lat_cpu[0]);
    printf("infer_cpu_ms_b64=%.3f\n", lat_cpu[1]);
    printf("loss_first=%.9g\nloss_last=%.9g\n", first_loss, last_loss);
    printf("loss_fnv1a=%016llx\n", (unsigned long long)h);
    printf("logits_fnv1a=%016llx\n", (unsigned long long)hi);
    free(t);
    free(tc);
    free(x);
    free(y);
    nn_sgd_destroy(opt);
    nn_net_destroy(net);
    return 0;
}
