/* bench/cmd_train.c - `nastab train`: train one NB201 architecture from
 * scratch with the C engine (nn/nn.h) on Fashion-MNIST or CIFAR-10/100 and
 * print per-epoch train/valid/test loss, accuracy and wall time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"

static void train_help(void)
{
    printf("usage: nastab train --arch STR --dataset fashion-mnist|cifar10|cifar100\n"
           "                    [--data-dir D] [--epochs E] [--channels C] [--cells N]\n"
           "                    [--batch B] [--lr X] [--seed S] [--threads T]\n"
           "                    [--train-subset K] [--eval-subset K] [--downsample F] [--retrain]\n"
           "                    [--json]\n"
           "\n"
           "Trains the NAS-Bench-201 network of one cell (TinyNetwork: stem, 3 stages of N\n"
           "cells, residual reductions, global pooling, linear) with SGD (Nesterov momentum\n"
           "0.9, weight decay 5e-4, cosine learning rate to 0, NB201's hyper-parameters) and\n"
           "prints train/valid/test loss and accuracy and the wall time of every epoch.\n"
           "By default it follows NB201's 12-epoch search setting: train on one half of the\n"
           "training set, validate on the other half (a fixed split, nn/nn.h\n"
           "nn_data_split), test on the test set. Results are bit-identical for any --threads.\n"
           "\n"
           "  --space SPACE      nb201 (default) or sss, the NATS-Bench size space (its\n"
           "                     widths are the architecture's: --channels, --cells ignored)\n"
           "  --arch STR         the space's string: an NB201 cell, e.g.\n"
           "                     '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'\n"
           "  --dataset D        fashion-mnist, cifar10 or cifar100 (required)\n"
           "  --data-dir D       folder with the files (default: fashion-mnist %s,\n"
           "                     cifar10 data/cifar10, cifar100 data/cifar100; the CIFAR\n"
           "                     binary files directly or in the official archive's subfolder)\n"
           "  --epochs E         epochs, also the length of the cosine schedule (default 12)\n"
           "  --channels C       stem width C; stages have C, 2C, 4C (default 16)\n"
           "  --cells N          cells per stage (default 5)\n"
           "  --batch B          images per step (default 256)\n"
           "  --lr X             initial learning rate (default 0.1)\n"
           "  --seed S           weights, data order and augmentation (default 0)\n"
           "  --threads T        threads, 0 = all cores (default 1)\n"
           "  --train-subset K   train on the first K images of the training split (default all)\n"
           "  --eval-subset K    validate and test on the first K images of each (default all)\n"
           "  --downsample F     shrink images by an integer factor F (box mean), e.g. 2 for\n"
           "                     14x14 Fashion-MNIST (default 1)\n"
           "  --retrain          NB201's final protocol for retraining the best architecture:\n"
           "                     train on the whole training set (no valid split), 200 epochs,\n"
           "                     C 16, N 5, batch 256, lr 0.1; options given explicitly win\n"
           "  --json             JSON lines instead of text: a \"start\" object, one \"epoch\"\n"
           "                     object per epoch as it ends, an \"end\" object (shape:\n"
           "                     README.md \"Machine-readable output\")\n",
           FMNIST_DIR);
}

static int parse_int(const char *what, const char *s, long lo, long hi, long dflt, long *out)
{
    if (!s) {
        *out = dflt;
        return 0;
    }
    return nb_parse_long(what, s, lo, hi, out) == NB_OK ? 0 : cli_fail("train", 1);
}

static void print_stats(const char *name, const nn_epoch_stats *s)
{
    printf("  %s loss %.4f acc %6.2f%%", name, s->loss, s->acc);
}

/* ---- --json: JSON lines (README.md "Machine-readable output") ---- */

static void json_stats(const char *name, const nn_epoch_stats *s)
{
    printf(",\"%s\":", name);
    if (!s) {
        fputs("null", stdout);
        return;
    }
    printf("{\"loss\":");
    cli_json_num(stdout, s->loss);
    printf(",\"acc\":");
    cli_json_num(stdout, s->acc);
    printf(",\"images\":%zu,\"seconds\":", s->n);
    cli_json_num(stdout, s->seconds);
    putchar('}');
}

static void json_start(const space_def *sp, const char *arch, const char *dataset, const char *dir,
                       const nn_data *train, const nn_data *valid, const nn_data *test,
                       const nn_config *cfg, nn_net *net, const space_arch *a, double lr,
                       long epochs, uint64_t seed, long threads, int retrain)
{
    printf("{\"command\":\"train\",\"format\":1,\"type\":\"start\",\"space\":");
    cli_json_str(stdout, sp->name);
    printf(",\"arch\":");
    cli_json_str(stdout, arch);
    printf(",\"dataset\":");
    cli_json_str(stdout, dataset);
    printf(",\"data_dir\":");
    cli_json_str(stdout, dir);
    printf(",\"input\":[%d,%d,%d],\"classes\":%d,\"n_train\":%zu,\"n_valid\":%zu,\"n_test\":%zu,"
           "\"retrain\":%s,",
           train->c, train->h, train->w, train->classes, train->n, valid->n, test->n,
           retrain ? "true" : "false");
    if (sp == &space_sss) /* the widths are the architecture: no C and N */
        printf("\"channels\":null,\"cells\":null");
    else
        printf("\"channels\":%d,\"cells\":%d", cfg->C, cfg->N);
    printf(",\"params\":%zu,\"mflops\":", nn_net_num_params(net));
    cli_json_num(stdout, nn_net_flops(cfg, sp, a));
    printf(",\"batch\":%d,\"lr\":", cfg->batch);
    cli_json_num(stdout, lr);
    printf(",\"epochs\":%ld,\"seed\":%llu,\"threads\":%ld,\"conv\":", epochs,
           (unsigned long long)seed, threads);
    cli_json_str(stdout, nn_simd_name());
    printf(",\"openblas\":");
    cli_json_str(stdout, nn_blas_corename());
    printf("}\n");
}

int cmd_train(int argc, char **argv)
{
    const char *arch_s = NULL, *dataset = NULL, *dir = NULL, *epochs_s = NULL, *ch_s = NULL,
               *cells_s = NULL, *batch_s = NULL, *lr_s = NULL, *seed_s = NULL, *threads_s = NULL,
               *subset_s = NULL, *esubset_s = NULL, *down_s = NULL, *space_s = NULL;
    int retrain = 0, json = 0, n_pos, help;
    const char *pos[1];
    cli_opt opts[] = {
        {"--arch", NULL, &arch_s, NULL},          {"--dataset", NULL, &dataset, NULL},
        {"--data-dir", NULL, &dir, NULL},         {"--epochs", NULL, &epochs_s, NULL},
        {"--channels", NULL, &ch_s, NULL},        {"--cells", NULL, &cells_s, NULL},
        {"--batch", NULL, &batch_s, NULL},        {"--lr", NULL, &lr_s, NULL},
        {"--seed", NULL, &seed_s, NULL},          {"--threads", NULL, &threads_s, NULL},
        {"--train-subset", NULL, &subset_s, NULL}, {"--eval-subset", NULL, &esubset_s, NULL},
        {"--downsample", NULL, &down_s, NULL},    {"--retrain", NULL, NULL, &retrain},
        {"--space", NULL, &space_s, NULL},        {"--json", NULL, NULL, &json},
    };
    if (cli_parse("train", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help)) return 2;
    if (help) {
        train_help();
        return 0;
    }
    if (!arch_s) return cli_usage_error("train", "missing --arch STR");
    if (!dataset) return cli_usage_error("train", "missing --dataset");
    if (strcmp(dataset, "fashion-mnist") && strcmp(dataset, "cifar10") && strcmp(dataset, "cifar100"))
        return cli_usage_error("train", "--dataset: unknown '%s'; expected fashion-mnist, cifar10 or cifar100", dataset);
    const space_def *sp = space_find(space_s ? space_s : "nb201");
    space_arch arch;
    if (!sp || sp->parse(arch_s, &arch) != NB_OK) return cli_fail("train", 1);
    long epochs, C, N, batch, threads, subset, esubset, down;
    uint64_t seed = 0;
    const nn_protocol nb201 = nn_protocol_nb201(retrain ? 200 : 12, 0); /* the defaults */
    double lr = nb201.train.lr;
    if (parse_int("--epochs", epochs_s, 1, 100000, nb201.train.epochs, &epochs) ||
        parse_int("--channels", ch_s, 1, 1024, 16, &C) || parse_int("--cells", cells_s, 1, 64, 5, &N) ||
        parse_int("--batch", batch_s, 2, 65536, nb201.train.batch, &batch) ||
        parse_int("--threads", threads_s, 0, 256, 1, &threads) ||
        parse_int("--train-subset", subset_s, 1, 1000000000L, 0, &subset) ||
        parse_int("--eval-subset", esubset_s, 1, 1000000000L, 0, &esubset) ||
        parse_int("--downsample", down_s, 1, 64, 1, &down))
        return 2;
    if (lr_s && nb_parse_double("--lr", lr_s, 1e-9, 100.0, &lr) != NB_OK) return cli_fail("train", 1);
    if (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK) return cli_fail("train", 1);
    if (threads == 0) threads = nb_cpu_count();
    if (!dir) dir = !strcmp(dataset, "fashion-mnist") ? FMNIST_DIR : !strcmp(dataset, "cifar10") ? "data/cifar10" : "data/cifar100";

    int rc = 1;
    nn_data train = {0}, valid = {0}, test = {0};
    nn_net *net = NULL;
    nn_sgd *opt = NULL;
    nn_protocol pr = nb201;
    pr.train.epochs = (int)epochs;
    pr.train.seed = seed;
    pr.train.batch = (int)batch;
    pr.train.lr = lr;
    pr.split = !retrain;
    pr.downsample = (int)down;
    pr.n_train = (size_t)subset;
    pr.n_eval = (size_t)esubset;
    nb_status ld = nn_protocol_data(&pr, dataset, dir, &train, &valid, &test);
    if (ld == NB_EINVAL) {
        rc = cli_usage_error("train", "--downsample: %s", nb_errmsg());
        goto done;
    }
    if (ld != NB_OK) {
        fprintf(stderr, "nastab train: %s\n", nb_errmsg());
        goto done;
    }

    nn_config cfg = {(int)C, (int)N, train.classes, train.c, train.h, train.w, (int)batch, 0};
    nn_set_threads((int)threads);
    if (nn_net_create(&cfg, sp, &arch, &net) != NB_OK) {
        fprintf(stderr, "nastab train: %s\n", nb_errmsg());
        goto done;
    }
    nn_net_init(net, seed);
    opt = nn_sgd_create(net, &pr.sgd);
    char canon[SPACE_STR_MAX];
    sp->format(&arch, canon, sizeof canon);
    if (json) {
        json_start(sp, canon, dataset, dir, &train, &valid, &test, &cfg, net, &arch, lr, epochs, seed,
                   threads, retrain);
    } else {
        printf("arch %s\n", canon);
        printf("dataset %s (%s), %dx%dx%d, %d classes: train %zu, valid %zu, test %zu%s\n", dataset,
               dir, train.c, train.h, train.w, train.classes, train.n, valid.n, test.n,
               retrain ? " (retrain: whole training set)" : "");
        char shape[SPACE_STR_MAX + 64];
        if (sp == &space_sss) snprintf(shape, sizeof shape, "widths %s (NATS-Bench size space)", canon);
        else snprintf(shape, sizeof shape, "C=%ld N=%ld", C, N);
        printf("network %s: %zu parameters, %.2f MFLOPs/image, %.0f MiB activations at batch %ld\n",
               shape, nn_net_num_params(net), nn_net_flops(&cfg, sp, &arch),
               nn_net_activation_bytes(net) / 1048576.0, batch);
        printf("sgd lr %g nesterov momentum 0.9 wd 5e-4 cosine, %ld epochs, seed %llu, %ld threads, "
               "conv %s, OpenBLAS %s\n",
               lr, epochs, (unsigned long long)seed, threads, nn_simd_name(), nn_blas_corename());
    }
    fflush(stdout);
    double t_all = nb_now();
    for (int e = 0; e < epochs; e++) {
        char label[64];
        snprintf(label, sizeof label, "epoch %d/%ld", e + 1, epochs);
        nb_progress *pg = nb_progress_start(label, train.n);
        nn_epoch_stats st, sv = {0}, ste = {0};
        nn_train_epoch(net, opt, &train, &pr.train, e, &st, pg);
        nb_progress_finish(pg);
        if (valid.n) nn_evaluate(net, &valid, &sv);
        nn_evaluate(net, &test, &ste);
        if (json) {
            printf("{\"command\":\"train\",\"format\":1,\"type\":\"epoch\",\"epoch\":%d,\"epochs\":%ld",
                   e + 1, epochs);
            json_stats("train", &st);
            json_stats("valid", valid.n ? &sv : NULL);
            json_stats("test", &ste);
            printf(",\"seconds\":");
            cli_json_num(stdout, st.seconds + sv.seconds + ste.seconds);
            printf("}\n");
            fflush(stdout);
            continue;
        }
        printf("epoch %3d/%ld", e + 1, epochs);
        print_stats("train", &st);
        if (valid.n) print_stats("valid", &sv);
        print_stats("test", &ste);
        printf("  time %.1fs (%.0f img/s train)\n", st.seconds + sv.seconds + ste.seconds,
               st.n / (st.seconds > 0 ? st.seconds : 1e-9));
        fflush(stdout);
    }
    if (json) {
        printf("{\"command\":\"train\",\"format\":1,\"type\":\"end\",\"epochs\":%ld,\"total_s\":", epochs);
        cli_json_num(stdout, nb_now() - t_all);
        printf("}\n");
    } else {
        printf("total %.1fs\n", nb_now() - t_all);
    }
    rc = 0;
done:
    nn_sgd_destroy(opt);
    nn_net_destroy(net);
    nn_data_free(&train);
    nn_data_free(&valid);
    nn_data_free(&test);
    return rc;
}
