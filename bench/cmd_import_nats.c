/* bench/cmd_import_nats.c - `nastab tables import nats-tss|nats-sss DIR -o FILE [--strict]`:
 * the NATS-Bench archive importers, topology and size space (tab_import_nats in
 * tables/tab.h). */
#include <stdio.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "tables/tab.h"

static const char *const help_tss =
    "usage: nastab tables import nats-tss DIR -o FILE [--strict]\n"
    "  DIR            folder of the official NATS-Bench topology archive\n"
    "                 (NATS-tss-v1_0-3ffb9-simple: 000000.pickle.pbz2 ...\n"
    "                 015624.pickle.pbz2 and meta.pickle.pbz2; tss_-prefixed\n"
    "                 names are accepted too)\n"
    "  -o, --output FILE   table to write (HDF5, tables/SCHEMA.md); written beside\n"
    "                 FILE and renamed into place when complete\n"
    "  --strict       fail at the first missing or bad record (default: log it by\n"
    "                 file name, mask the architecture as NaN, import the rest;\n"
    "                 the gaps are in /archs/present and /archs/import_status)\n"
    "Every seed and epoch of both schedules (12 and 200 epochs) is stored; rows\n"
    "are official NB201 indices from the meta file.\n";

static const char *const help_sss =
    "usage: nastab tables import nats-sss DIR -o FILE [--strict]\n"
    "  DIR            folder of the official NATS-Bench size archive\n"
    "                 (NATS-sss-v1_0-50262-simple: 000000.pickle.pbz2 ...\n"
    "                 032767.pickle.pbz2 and meta.pickle.pbz2; sss_-prefixed\n"
    "                 names are accepted too)\n"
    "  -o, --output FILE   table to write (HDF5, space 'sss', tables/SCHEMA.md);\n"
    "                 written beside FILE and renamed into place when complete\n"
    "  --strict       fail at the first missing record too (default: a missing\n"
    "                 record file is logged and its row masked as NaN, recorded in\n"
    "                 /archs/present and /archs/import_status)\n"
    "A record that is unreadable, of another index, or whose schedules or datasets\n"
    "differ from the archive's ('01', '12', '90'; cifar10-valid, cifar10, cifar100,\n"
    "ImageNet16-120) stops the import: nothing is written. Every seed and epoch of\n"
    "the three schedules is stored; rows are official NATS sss indices (meta file).\n";

/* argv[0] = "nats-tss" or "nats-sss". Exit 0 ok, 1 failure, 2 bad usage. */
int cmd_tables_import_nats(int argc, char **argv)
{
    int sss = !strcmp(argv[0], "nats-sss");
    const char *cmd = sss ? "tables import nats-sss" : "tables import nats-tss";
    const char *out = NULL, *pos[1];
    int n_pos, help, strict = 0;
    cli_opt opts[] = {{"--output", "-o", &out, NULL}, {"--strict", NULL, NULL, &strict}};
    if (cli_parse(cmd, argc, argv, opts, 2, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        fputs(sss ? help_sss : help_tss, stdout);
        return 0;
    }
    if (n_pos != 1) return cli_usage_error(cmd, "expected the archive folder DIR");
    if (!out) return cli_usage_error(cmd, "missing -o FILE");
    tab_nats_import_cfg cfg = {.archive_dir = pos[0], .strict = strict, .space = sss ? "sss" : "nb201"};
    double t0 = nb_now();
    if (tab_import_nats(&cfg, out) != NB_OK) return cli_fail(cmd, 0);
    nb_log("wrote %s in %.2f s", out, nb_now() - t0);
    return 0;
}
