/* bench/cmd_arch.c - `nastab arch`: what one architecture of a search space
 * is, without a table (NATS-Bench's get_cost_info): its index, canonical
 * form, and the parameter count and FLOPs of its network for a dataset's
 * input shape and class count. */
#include <stdio.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "nn/nn.h"
#include "spaces/space.h"

typedef struct {
    const char *name;
    int classes, in_ch, hw;
} arch_dataset;

/* NB201 / NATS-Bench shapes, and Fashion-MNIST as nastab trains it. */
static const arch_dataset datasets[] = {
    {"cifar10", 10, 3, 32},         {"cifar10-valid", 10, 3, 32}, {"cifar100", 100, 3, 32},
    {"ImageNet16-120", 120, 3, 16}, {"fashion-mnist", 10, 1, 28},
};
#define N_DATASETS (sizeof datasets / sizeof datasets[0])

static void arch_help(void)
{
    printf("usage: nastab arch --space SPACE --arch STR [--dataset D] [--json]\n"
           "\n"
           "Describes one architecture of a search space without a table, as NATS-Bench's\n"
           "get_cost_info: its index in the space, its canonical form (NB201: the smallest\n"
           "code of its isomorphism class), and the parameter count and FLOPs of its network\n"
           "for the dataset's input shape and classes (NB201 at C 16, N 5; the size space's\n"
           "widths are the architecture's). FLOPs count multiply-accumulates of convs and\n"
           "the linear layer plus its bias adds, in millions, as NB201 and NATS-Bench do.\n"
           "\n"
           "  --space SPACE   nb201 or sss (the NATS-Bench size space) (required)\n"
           "  --arch STR      the space's string, e.g. sss '8:16:32:48:64', nb201\n"
           "                  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|'\n"
           "  --dataset D     cifar10 (default; 10 classes, 3x32x32), cifar10-valid (the same),\n"
           "                  cifar100 (100, 3x32x32), ImageNet16-120 (120, 3x16x16),\n"
           "                  fashion-mnist (10, 1x28x28)\n"
           "  --json          one JSON object instead of text\n"
           "\n"
           "NB201's index here is the space's base-5 code, not the official NB201 index\n"
           "(that mapping lives in the table: nastab tables query). Exit codes: 0 ok, 2 bad\n"
           "input (unknown space or dataset, a malformed string).\n"
           "\n"
           "example:\n"
           "  nastab arch --space sss --arch 8:8:8:16:32 --dataset cifar100\n");
}

int cmd_arch(int argc, char **argv)
{
    const char *space_s = NULL, *arch_s = NULL, *dataset = NULL;
    int json = 0, n_pos, help;
    const char *pos[1];
    cli_opt opts[] = {
        {"--space", NULL, &space_s, NULL},
        {"--arch", NULL, &arch_s, NULL},
        {"--dataset", NULL, &dataset, NULL},
        {"--json", NULL, NULL, &json},
    };
    if (cli_parse("arch", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help))
        return 2;
    if (help) {
        arch_help();
        return 0;
    }
    if (!space_s) return cli_usage_error("arch", "missing --space SPACE (nb201 or sss)");
    if (!arch_s) return cli_usage_error("arch", "missing --arch STR");
    const space_def *sp = space_find(space_s);
    if (!sp) return cli_fail("arch", 1);
    const arch_dataset *ds = &datasets[0];
    if (dataset) {
        ds = NULL;
        for (size_t i = 0; i < N_DATASETS && !ds; i++)
            if (!strcmp(datasets[i].name, dataset)) ds = &datasets[i];
        if (!ds)
            return cli_usage_error("arch",
                                   "--dataset: unknown '%.64s'; expected cifar10, cifar10-valid, "
                                   "cifar100, ImageNet16-120 or fashion-mnist",
                                   dataset);
    }
    space_arch a;
    if (sp->parse(arch_s, &a) != NB_OK) return cli_fail("arch", 1);

    char str[SPACE_STR_MAX], canon[SPACE_STR_MAX];
    NB_ASSERT(sp->str_max <= sizeof str);
    sp->format(&a, str, sizeof str);
    uint32_t index = sp->index(&a), canon_index = space_canon(sp, index);
    space_arch rep = sp->arch(canon_index);
    sp->format(&rep, canon, sizeof canon);
    nn_config cfg = nn_config_default(); /* C 16, N 5: NB201's benchmark scale */
    cfg.classes = ds->classes, cfg.in_ch = ds->in_ch, cfg.H = cfg.W = ds->hw, cfg.batch = 1;
    size_t params = nn_net_param_count(&cfg, sp, &a);
    double flops = nn_net_flops(&cfg, sp, &a);

    if (json) {
        printf("{\"space\": \"%s\", \"arch\": \"%s\", \"index\": %u, \"size\": %u", sp->name, str,
               index, sp->size);
        if (sp->canonical)
            printf(", \"canonical_index\": %u, \"canonical\": \"%s\"", canon_index, canon);
        printf(", \"dataset\": \"%s\", \"classes\": %d, \"input\": [%d, %d, %d], \"params\": %zu, "
               "\"params_m\": %.6f, \"flops_m\": %.6f}\n",
               ds->name, ds->classes, ds->in_ch, ds->hw, ds->hw, params, params / 1e6, flops);
        return 0;
    }
    printf("space      %s (%s)\n", sp->name, sp->title);
    printf("arch       %s\n", str);
    printf("index      %u of %u%s\n", index, sp->size,
           sp == &space_nb201 ? " (base-5 code, not the official NB201 index)" : "");
    if (sp->canonical)
        printf("canonical  %s (index %u%s)\n", canon, canon_index,
               canon_index == index ? ", itself" : "");
    else
        printf("canonical  none: every architecture is its own network\n");
    printf("dataset    %s (%d classes, %dx%dx%d)\n", ds->name, ds->classes, ds->in_ch, ds->hw,
           ds->hw);
    printf("params     %zu (%.6f M)\n", params, params / 1e6);
    printf("flops      %.6f M\n", flops);
    return 0;
}
