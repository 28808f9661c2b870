/* bench/cmd_bench_supernet.c - `nastab bench supernet`: the training speed
 * of the engine's weight-sharing supernet (nn/SUPERNET.md), printed as
 * key=value lines for bench/torch/run_supernet.sh, which times the PyTorch
 * supernet of bench/torch/supernet.py beside it.
 *
 * One training step is what `nastab search` does per weight step
 * (wsnas/run.c ws_weight_step): forward in train mode, cross-entropy,
 * backward, then SGD (Nesterov 0.9, weight decay 5e-4, gradient clipping at
 * norm 5: ws_sgd_step) over the whole parameter block. Modes:
 *   mixed  DARTS: softmax(alpha) over the five ops of every edge, alpha fixed
 *          random N(0, 1e-3) values (as NB201 initialises them); the backward
 *          also gives d loss / d alpha;
 *   path   SPOS/RSPS: one op per edge, a new cell every step from a
 *          64-bit LCG that bench/torch/supernet.py implements identically, so
 *          both sides run the same sequence of cells.
 * Data: random N(0,1) images and random labels (as `nastab bench engine`).
 * Speed: images per second of the timed steps after warm-up repeats, the
 * median over repeats, in wall and in process CPU time (*_cpu_*).
 * loss_fnv1a hashes the bits of every step's loss: two builds with the same
 * hash computed the same numbers. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"
#include "wsnas/ws.h"

static void supernet_help(void)
{
    printf("usage: nastab bench supernet --mode mixed|path [--channels C] [--cells N]\n"
           "                             [--in-ch K] [--size S] [--classes K] [--batch B]\n"
           "                             [--steps T] [--repeats R] [--warmup W]\n"
           "                             [--threads T] [--seed S]\n"
           "\n"
           "Times one weight step of the engine's NB201 supernet on random data, as\n"
           "`nastab search` runs it: forward, cross-entropy, backward, SGD (Nesterov 0.9,\n"
           "weight decay 5e-4, clip 5) over all supernet weights. Prints key=value lines\n"
           "(training images per second, wall and process CPU time).\n"
           "\n"
           "  --mode M       mixed: DARTS's softmax(alpha)-weighted sum of all five ops\n"
           "                 on every edge; path: one op per edge, a new cell every step\n"
           "                 (SPOS, RSPS), the cells from a fixed LCG (seed)\n"
           "  --channels C   stem width (default 8: the search's proxy preset)\n"
           "  --cells N      cells per stage (default 1)\n"
           "  --in-ch K      input channels (default 1)\n"
           "  --size S       input height and width (default 14)\n"
           "  --classes K    classes (default 10)\n"
           "  --batch B      training batch (default 64)\n"
           "  --steps T      timed steps per repeat (default 10)\n"
           "  --repeats R    timed repeats; medians are reported (default 3)\n"
           "  --warmup W     untimed repeats first (default 1)\n"
           "  --threads T    engine threads (default 1)\n"
           "  --seed S       weights, data, alpha and cell sequence (default 0)\n");
}

static int opt_long(const char *name, const char *s, long lo, long hi, long *out)
{
    if (!s) return 0;
    return nb_parse_long(name, s, lo, hi, out) == NB_OK ? 0 : cli_fail("bench supernet", 1);
}

/* The cell sequence of path mode: Knuth's MMIX LCG, op = (state >> 33) % 5
 * per edge (bench/torch/supernet.py: next_cell). */
static void next_cell(uint64_t *state, space_arch *a)
{
    memset(a, 0, sizeof *a);
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
        a->op[e] = (uint8_t)((*state >> 33) % SPACE_NB201_OPS);
    }
}

int cmd_bench_supernet(int argc, char **argv)
{
    const double t_start = nb_now();
    const char *mode_s = NULL, *c_s = NULL, *n_s = NULL, *in_s = NULL, *size_s = NULL,
               *cls_s = NULL, *batch_s = NULL, *steps_s = NULL, *rep_s = NULL, *warm_s = NULL,
               *thr_s = NULL, *seed_s = NULL, *pos[1];
    int n_pos, help;
    cli_opt opts[] = {
        {"--mode", NULL, &mode_s, NULL},     {"--channels", NULL, &c_s, NULL},
        {"--cells", NULL, &n_s, NULL},       {"--in-ch", NULL, &in_s, NULL},
        {"--size", NULL, &size_s, NULL},     {"--classes", NULL, &cls_s, NULL},
        {"--batch", NULL, &batch_s, NULL},   {"--steps", NULL, &steps_s, NULL},
        {"--repeats", NULL, &rep_s, NULL},   {"--warmup", NULL, &warm_s, NULL},
        {"--threads", NULL, &thr_s, NULL},   {"--seed", NULL, &seed_s, NULL},
    };
    if (cli_parse("bench supernet", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos,
                  &help))
        return 2;
    if (help) {
        supernet_help();
        return 0;
    }
    if (!mode_s || (strcmp(mode_s, "mixed") && strcmp(mode_s, "path"))) {
        fprintf(stderr, "nastab bench supernet: --mode must be mixed or path (got %s)\n",
                mode_s ? mode_s : "none");
        return 2;
    }
    const int mixed = !strcmp(mode_s, "mixed");
    long C = 8, N = 1, in_ch = 1, size = 14, classes = 10, batch = 64, steps = 10, repeats = 3,
         warm = 1, threads = 1;
    uint64_t seed = 0;
    if (opt_long("--channels", c_s, 1, 1024, &C) || opt_long("--cells", n_s, 1, 64, &N) ||
        opt_long("--in-ch", in_s, 1, 16, &in_ch) || opt_long("--size", size_s, 1, 4096, &size) ||
        opt_long("--classes", cls_s, 2, 100000, &classes) ||
        opt_long("--batch", batch_s, 2, 65536, &batch) ||
        opt_long("--steps", steps_s, 1, 100000, &steps) ||
        opt_long("--repeats", rep_s, 1, 1000, &repeats) ||
        opt_long("--warmup", warm_s, 0, 1000, &warm) ||
        opt_long("--threads", thr_s, 1, 256, &threads))
        return 2;
    if (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK)
        return cli_fail("bench supernet", 1);

    nn_set_threads((int)threads);
    nn_super_config sc = {{(int)C, (int)N, (int)classes, (int)in_ch, (int)size, (int)size, (int)batch, 0},
                          0};
    nn_super *s;
    if (nn_super_create(&sc, &s) != NB_OK) return cli_fail("bench supernet", 1);
    nn_super_init(s, seed);
    const ws_sgd_config sgd_cfg = {0.9, 5e-4, 1, 5.0};
    ws_sgd *opt = ws_sgd_create(nn_super_num_params(s), &sgd_cfg);

    const size_t pix = (size_t)in_ch * size * size;
    float *x = nb_xcalloc_array((size_t)batch * pix, sizeof *x);
    int32_t *y = nb_xcalloc_array((size_t)batch, sizeof *y);
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_TEST);
    for (size_t i = 0; i < (size_t)batch * pix; i++) x[i] = (float)nb_rng_normal(&r);
    for (long i = 0; i < batch; i++) y[i] = (int32_t)nb_rng_below(&r, (uint64_t)classes);
    float alpha[SPACE_NB201_EDGES * SPACE_NB201_OPS];
    for (int i = 0; i < SPACE_NB201_EDGES * SPACE_NB201_OPS; i++)
        alpha[i] = (float)(1e-3 * nb_rng_normal(&r));
    uint64_t lcg = seed;
    space_arch cell;

    double *t = nb_xcalloc_array((size_t)repeats, sizeof *t),
           *tc = nb_xcalloc_array((size_t)repeats, sizeof *tc);
    uint64_t h = 1469598103934665603ULL; /* FNV-1a over the loss bits */
    double first_loss = 0, last_loss = 0, asum = 0;
    /* OpenBLAS's idle worker thread spins for ~0.13 s after the library
     * starts; wait it out so it does not count in the process CPU time */
    for (double t_end = t_start + 0.3; nb_now() < t_end;) nanosleep(&(struct timespec){0, 10000000}, NULL);
    for (long rep = -warm; rep < repeats; rep++) {
        double t0 = nb_now(), c0 = nb_cpu_now();
        for (long k = 0; k < steps; k++) {
            if (mixed) {
                nn_super_set_mixed(s, alpha);
            } else {
                next_cell(&lcg, &cell);
                nn_super_set_path(s, &cell);
            }
            nn_super_forward(s, x, (int)batch, 1);
            double loss = nn_super_loss(s, y, NULL);
            nn_super_backward(s, y);
            ws_sgd_step(opt, nn_super_params(s), nn_super_grads(s), 0.025);
            unsigned char b[sizeof loss];
            memcpy(b, &loss, sizeof b);
            for (size_t q = 0; q < sizeof b; q++) h = (h ^ b[q]) * 1099511628211ULL;
            if (rep == -warm && k == 0) first_loss = loss;
            last_loss = loss;
        }
        if (rep >= 0) {
            t[rep] = (double)batch * (double)steps / (nb_now() - t0);
            tc[rep] = (double)batch * (double)steps / (nb_cpu_now() - c0);
        }
    }
    if (mixed) {
        const float *ag = nn_super_arch_grad(s);
        for (int i = 0; i < SPACE_NB201_EDGES * SPACE_NB201_OPS; i++) asum += fabs((double)ag[i]);
    }

    printf("config=C%ld_N%ld_%ldx%ldx%ld_cls%ld_b%ld\n", C, N, in_ch, size, size, classes, batch);
    printf("mode=%s\n", mode_s);
    printf("threads=%ld\n", threads);
    printf("openblas_corename=%s\n", nn_blas_corename());
    printf("conv_simd=%s\n", nn_simd_name());
    printf("params=%zu\n", nn_super_num_params(s));
    printf("activation_mib=%.1f\n", (double)nn_super_activation_bytes(s) / 1048576.0);
    printf("steps=%ld\nrepeats=%ld\nwarmup=%ld\n", steps, repeats, warm);
    printf("train_images_per_s=%.2f\n", cli_median(t, (int)repeats));
    printf("train_cpu_images_per_s=%.2f\n", cli_median(tc, (int)repeats));
    printf("loss_first=%.9g\nloss_last=%.9g\n", first_loss, last_loss);
    if (mixed) printf("arch_grad_l1=%.9g\n", asum);
    printf("loss_fnv1a=%016llx\n", (unsigned long long)h);
    free(t);
    free(tc);
    free(x);
    free(y);
    ws_sgd_destroy(opt);
    nn_super_destroy(s);
    return 0;
}
