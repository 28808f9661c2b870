/* bench/main.c - the `nastab` command: git-style subcommands. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"tables", cmd_tables, "build, inspect, query and verify table files (HDF5)"},
    {"run", cmd_run, "compare search strategies on a table under a simulated-time budget"},
    {"report", cmd_report, "figures and Markdown/LaTeX/CSV tables from a results file"},
    {"train", cmd_train, "train one NB201 architecture with the C engine on real data"},
    {"arch", cmd_arch, "index, canonical form, parameters and FLOPs of one architecture"},
    {"search", cmd_search, "weight-sharing NAS (DARTS, GDAS, RSPS, SPOS, ENAS) on the engine's supernet"},
    {"check", cmd_check, "statistical regression gate: candidate results against a baseline"},
    {"mo", cmd_mo, "hardware-aware multi-objective search (accuracy vs latency)"},
    {"mo-report", cmd_mo_report, "fronts and hypervolume figures from an MO results file"},
    {"devices-report", cmd_devices_report, "rank agreement of hardware columns (Kendall tau)"},
    {"proxies-report", cmd_proxies_report, "rank agreement of zero-cost proxy columns with test accuracy"},
    {"latency", cmd_latency, "measure inference latency with the C engine into a hardware column"},
    {"bench", cmd_bench, "micro-benchmarks of the table store (used by `make bench`)"},
};

/* The exit status once stdout is flushed and closed: rc, or 1 (with a
 * message) when that fails. */
static int cli_finish_stdout(int rc)
{
    /* A full disk or a closed pipe shows up only when the buffered output is
     * flushed: without this check `nastab tables query ... > /dev/full`
     * printed nothing and exited 0. */
    errno = 0;
    int bad = fflush(stdout) != 0 || ferror(stdout);
    int e = errno;
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (!bad) return rc;
    fprintf(stderr, "nastab: cannot write the standard output: %s\n",
            e ? strerror(e) : "write error");
    return rc ? rc : 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: nastab [--version] [--quiet|--verbose] <command> [<args>]\n"
            "\n"
            "nastab: reproducible tabular NAS benchmarks (NAS-Bench-201) in C.\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-15s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "Run 'nastab <command> --help' for a command's options and defaults.\n"
            "Exit codes: 0 ok, 1 failure, 2 bad usage.\n"
            "\n"
            "example:\n"
            "  nastab tables import nb201 -o nb201.h5\n"
            "  nastab run --table nb201.h5 --dataset cifar10 --strategy random,rea --runs 500 -o res.h5\n"
            "  nastab report res.h5 -o report/\n");
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return cli_finish_stdout(0);
        } else if (!strcmp(argv[i], "--version")) {
            printf("nastab %s (git %s)\n", nb_version(), nb_git_sha());
            return cli_finish_stdout(0);
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            nb_log_level = 0;
        } else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v")) {
            nb_log_level = 2;
        } else {
            fprintf(stderr, "nastab: unknown option '%s'\nTry 'nastab --help'.\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++)
        if (!strcmp(argv[i], commands[c].name))
            return cli_finish_stdout(commands[c].fn(argc - i, argv + i));
    fprintf(stderr, "nastab: unknown command '%s'\nTry 'nastab --help'.\n", argv[i]);
    return 2;
}
