/* bench/cmd_search.c - `nastab search`: weight-sharing NAS (DARTS, GDAS,
 * RSPS, SPOS, ENAS) on the engine's supernet, derived cells looked up in a
 * table. Parses, loads the data, calls ws_search (wsnas/ws.h), prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "nn/nn.h"
#include "tables/tab.h"
#include "wsnas/ws.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

static void search_help(void)
{
    printf("usage: nastab search --method LIST --table FILE -o RESULTS.h5 [--dataset D]\n"
           "                     [--epochs E] [--runs R] [--seed S] [--threads T]\n"
           "                     [--data-dir D] [--preset NAME] [--arch-lr X] [--rank-sample K]\n"
           "\n"
           "Weight-sharing NAS on the C engine's NB201 supernet (nn/SUPERNET.md). For every\n"
           "epoch of every run it records the derived cell, that cell's validation and test\n"
           "accuracy LOOKED UP in the table (never trained), the supernet's own validation\n"
           "accuracy, wall and CPU seconds so far and the per-edge op probabilities\n"
           "(results file: results/RESULTS.md, 'Weight-sharing search').\n"
           "\n"
           "methods (wsnas/METHODS.md has the settings and sources):\n"
           "  darts-v1  DARTS first order (Liu et al., ICLR 2019; NB201 DARTS-V1.py)\n"
           "  darts-v2  DARTS second order, finite-difference Hessian-vector product (eq. 7-8)\n"
           "  gdas      hard Gumbel-softmax, tau 10 -> 0.1 linearly (Dong & Yang, CVPR 2019)\n"
           "  rsps      random paths; each epoch the best of K random cells (Li & Talwalkar, UAI 2019)\n"
           "  spos      uniform single paths + evolution scored by the supernet (Guo et al., ECCV 2020)\n"
           "  enas      LSTM controller, REINFORCE on the supernet's accuracy (Pham et al., ICML 2018)\n"
           "Weights: SGD Nesterov 0.9, lr 0.025 -> 0.001 cosine, wd 5e-4, clip 5, batch 64, on\n"
           "the training half; alpha: Adam 3e-4, betas (0.5, 0.999), wd 1e-3, on the validation\n"
           "half (NB201's search scripts).\n"
           "\n"
           "options:\n"
           "  --method LIST      comma-separated methods (required)\n"
           "  --table FILE       table of the same dataset and the nb201 space (required),\n"
           "                     e.g. tables/fmnist.h5\n"
           "  -o FILE            results file, written atomically when everything finished\n"
           "  --dataset D        fashion-mnist (default) or cifar10; must be a column of the table\n"
           "  --data-dir D       image files (default %s for fashion-mnist)\n"
           "  --preset NAME      proxy (default) or tiny\n"
           "  --epochs E         search epochs (default: the preset's, proxy 10)\n"
           "  --runs R           runs per method (default 3)\n"
           "  --seed S           master seed (default 0); run r uses RNG streams (S, r, purpose)\n"
           "  --threads T        engine threads, 0 = all cores (default 1); results are the same\n"
           "                     bit for bit for any T (the seconds aside)\n"
           "  --arch-lr X        Adam lr of alpha (darts-v1, darts-v2, gdas; default 3e-4 as NB201).\n"
           "                     Adam moves alpha by about X per step, so the proxy's 320 steps move\n"
           "                     it by at most ~0.1 at 3e-4 (NB201: ~20k steps); wsnas/RESULTS.md\n"
           "                     also reports X = 0.018 (3e-4 x 60, NB201's total movement)\n"
           "  --rank-sample K    after every epoch, score K table cells (a sample drawn from the\n"
           "                     seed: the same cells for every method, run and epoch) with the\n"
           "                     supernet's weights on the first validation images the supernet's\n"
           "                     accuracy uses, and record Kendall tau-b and Spearman rho of those\n"
           "                     scores against the table's validation accuracy at its highest\n"
           "                     fidelity (results/RESULTS.md); K >= 2, default 0 = off. Costs K\n"
           "                     evaluations per epoch, kept out of the recorded seconds\n"
           "\n"
           "preset proxy: supernet C=8 N=1, 14x14 Fashion-MNIST (28x28 box-averaged by 2),\n"
           "  2048 training + 1024 validation images (NB201's half/half split), batch 64,\n"
           "  32 weight steps per epoch, 10 epochs; RSPS scores 20 cells per epoch, SPOS keeps a\n"
           "  population of 10 (top 5 parents, mutation 0.1, 5 final generations), ENAS makes\n"
           "  10 controller updates of 5 samples per epoch and derives from 20 samples; scores\n"
           "  use 2 validation batches, the supernet's accuracy the 1024 validation images.\n"
           "  Measured CPU seconds per method-run (one thread, this project's 2-core VM;\n"
           "  wsnas/RESULTS.md): darts-v1 76, darts-v2 196, gdas 28, rsps 16, spos 17, enas 20.\n"
           "preset tiny: C=4, 64 + 64 images, 2 epochs of 3 steps (tests).\n"
           "\n"
           "Resume: a checkpoint FILE.ckpt (CRC-32 checked) is written after every epoch; after\n"
           "kill -9 the same command continues from the last finished epoch, bit for bit.\n"
           "Exit codes: 0 ok, 1 failure, 2 bad usage.\n",
           FMNIST_DIR);
}

static int parse_int(const char *what, const char *s, long lo, long hi, long dflt, long *out)
{
    if (!s) {
        *out = dflt;
        return 0;
    }
    return nb_parse_long(what, s, lo, hi, out) == NB_OK ? 0 : cli_fail("search", 1);
}

int cmd_search(int argc, char **argv)
{
    const char *method_s = NULL, *table_s = NULL, *out = NULL, *dataset = NULL, *dir = NULL,
               *preset = NULL, *epochs_s = NULL, *runs_s = NULL, *seed_s = NULL, *threads_s = NULL,
               *alr_s = NULL, *rank_s = NULL;
    int n_pos, help;
    const char *pos[1];
    cli_opt opts[] = {
        {"--method", NULL, &method_s, NULL}, {"--table", NULL, &table_s, NULL},
        {"--output", "-o", &out, NULL},      {"--dataset", NULL, &dataset, NULL},
        {"--data-dir", NULL, &dir, NULL},    {"--preset", NULL, &preset, NULL},
        {"--epochs", NULL, &epochs_s, NULL}, {"--runs", NULL, &runs_s, NULL},
        {"--seed", NULL, &seed_s, NULL},     {"--threads", NULL, &threads_s, NULL},
        {"--arch-lr", NULL, &alr_s, NULL},   {"--rank-sample", NULL, &rank_s, NULL},
    };
    if (cli_parse("search", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help)) return 2;
    if (help) {
        search_help();
        return 0;
    }
    if (!dataset) dataset = "fashion-mnist";
    if (!preset) preset = "proxy";
    if (!method_s) return cli_usage_error("search", "missing --method LIST (known: %s)", ws_method_list());
    if (!table_s) return cli_usage_error("search", "missing --table FILE");
    if (!out) return cli_usage_error("search", "missing -o RESULTS.h5");
    char buf[256];
    const char *methods[WS_N_METHODS];
    int n_methods;
    if (cli_split_list("search", "--method", method_s, buf, sizeof buf, methods, WS_N_METHODS, &n_methods))
        return 2;
    for (int i = 0; i < n_methods; i++)
        if (ws_method_find(methods[i]) < 0)
            return cli_usage_error("search", "--method: unknown '%s'; known: %s", methods[i], ws_method_list());
    if (strcmp(dataset, "fashion-mnist") && strcmp(dataset, "cifar10"))
        return cli_usage_error("search", "--dataset: unknown '%s'; expected fashion-mnist or cifar10", dataset);
    ws_config cfg;
    if (ws_preset_get(preset, &cfg) != NB_OK) return cli_usage_error("search", "--preset: %s", nb_errmsg());
    long epochs, runs, threads, rank_k;
    uint64_t seed = 0;
    if (parse_int("--epochs", epochs_s, 1, 100000, cfg.epochs, &epochs) ||
        parse_int("--runs", runs_s, 1, 10000, 3, &runs) || parse_int("--threads", threads_s, 0, 256, 1, &threads) ||
        parse_int("--rank-sample", rank_s, 0, 100000, 0, &rank_k))
        return 2;
    if (rank_k == 1)
        return cli_usage_error("search", "--rank-sample 1: a rank correlation needs at least 2 cells (0 = off)");
    if (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK) return cli_fail("search", 1);
    if (alr_s && nb_parse_double("--arch-lr", alr_s, 1e-9, 10.0, &cfg.a_adam.lr) != NB_OK)
        return cli_fail("search", 1);
    if (threads == 0) threads = nb_cpu_count();
    if (!dir) dir = !strcmp(dataset, "fashion-mnist") ? FMNIST_DIR : "data/cifar10";
    cfg.epochs = (int)epochs;
    cfg.seed = seed;

    int rc = 1;
    tab_table *t = NULL;
    nn_data train = {0}, valid = {0}, test = {0};
    char *cmdline = cli_command_line(argc, argv);
    if (tab_open(table_s, &t) != NB_OK) {
        fprintf(stderr, "nastab search: %s\n", nb_errmsg());
        goto done;
    }
    if (tab_dataset_id(t, dataset) < 0) {
        fprintf(stderr,
                "nastab search: table %s has no dataset '%s' (its first: '%s'); hint: search the "
                "dataset the table was built for, or give its table\n",
                table_s, dataset, tab_n_datasets(t) ? tab_dataset_name(t, 0) : "none");
        goto done;
    }
    if (strcmp(tab_space(t)->name, "nb201")) {
        fprintf(stderr, "nastab search: table %s is of space '%s'; the supernet searches 'nb201'\n", table_s,
                tab_space(t)->name);
        goto done;
    }
    nn_protocol p = nn_protocol_nb201(cfg.epochs, seed);
    p.downsample = !strcmp(dataset, "fashion-mnist") ? cfg.downsample : 1;
    p.n_train = cfg.n_train;
    p.n_eval = cfg.n_valid;
    if (nn_protocol_data(&p, dataset, dir, &train, &valid, &test) != NB_OK) {
        fprintf(stderr, "nastab search: %s (--data-dir %s)\n", nb_errmsg(), dir);
        goto done;
    }
    cfg.net.in_ch = train.c;
    cfg.net.H = train.h;
    cfg.net.W = train.w;
    cfg.net.classes = train.classes;
    nn_set_threads((int)threads);
    ws_search_config sc = {methods, n_methods, (int)runs, cfg, dataset, &train, &valid, t, out,
                           cmdline, preset, 1, (int)rank_k};
    double t0 = nb_now();
    if (ws_search(&sc) != NB_OK) {
        fprintf(stderr, "nastab search: %s\n", nb_errmsg());
        goto done;
    }
    printf("wrote %s: %d method(s) x %ld run(s) x %d epochs in %.1f s\n", out, n_methods, runs,
           cfg.epochs, nb_now() - t0);
    rc = 0;
done:
    nn_data_free(&train);
    nn_data_free(&valid);
    nn_data_free(&test);
    tab_close(t);
    free(cmdline);
    return rc;
}
