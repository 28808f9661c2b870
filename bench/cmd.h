/* bench/cmd.h - the `nastab` subcommands. Each takes the arguments after
 * its own name (argv[0] is the subcommand name) and returns the process exit
 * code: 0 ok, 1 failure, 2 bad usage. Each prints its own --help (with
 * defaults) to stdout and errors as "nastab <cmd>: <message>" to stderr. */
#ifndef NASTAB_CMD_H
#define NASTAB_CMD_H

#include <stddef.h>
#include <stdio.h>

/* One function a subcommand, in the file named beside it. */
int cmd_tables(int argc, char **argv);             /* bench/cmd_tables.c: import, info, query, verify, devices, export */
int cmd_tables_import_nats(int argc, char **argv); /* bench/cmd_import_nats.c; argv[0] = "nats-tss" or "nats-sss" */
int cmd_tables_export(int argc, char **argv);      /* bench/cmd_export.c; argv[0] = "export" */
int cmd_tables_add_column(int argc, char **argv);  /* bench/cmd_addcol.c; argv[0] = "add-column" */
int cmd_tables_proxies(int argc, char **argv);      /* bench/cmd_proxies.c; argv[0] = "proxies" */
int cmd_proxies_report(int argc, char **argv);      /* bench/cmd_proxies.c: nastab proxies-report */
int cmd_build(int argc, char **argv);              /* bench/cmd_build.c: tables build */
int cmd_merge(int argc, char **argv);              /* bench/cmd_build.c: tables merge */
int cmd_validate(int argc, char **argv);           /* bench/cmd_validate.c: tables validate */
int cmd_correlate(int argc, char **argv);          /* bench/cmd_validate.c: tables correlate */
int cmd_run(int argc, char **argv);                /* bench/cmd_run.c */
int cmd_report(int argc, char **argv);             /* bench/cmd_report.c */
int cmd_check(int argc, char **argv);              /* bench/cmd_check.c */
int cmd_bench(int argc, char **argv);              /* bench/cmd_bench.c */
int cmd_bench_engine(int argc, char **argv);       /* bench/cmd_bench_engine.c: nastab bench engine */
int cmd_bench_supernet(int argc, char **argv);     /* bench/cmd_bench_supernet.c: nastab bench supernet */
int cmd_train(int argc, char **argv);              /* bench/cmd_train.c */
int cmd_arch(int argc, char **argv);               /* bench/cmd_arch.c */
int cmd_search(int argc, char **argv);             /* bench/cmd_search.c */
int cmd_latency(int argc, char **argv);            /* bench/cmd_latency.c */
int cmd_mo(int argc, char **argv);                 /* bench/cmd_hw.c */
int cmd_mo_report(int argc, char **argv);          /* bench/cmd_hw.c */
int cmd_devices_report(int argc, char **argv);     /* bench/cmd_hw.c */

/* ---- shared helpers for subcommands (bench/cli.c) */
/* Print "nastab <cmd>: <msg>" with the current nb_errmsg() and return 1 (or 2 for NB_EINVAL/NB_ERANGE usage errors when usage != 0). */
int cli_fail(const char *cmd, int usage);
/* The median of v[0..n) (n >= 1; sorts v in place). */
double cli_median(double *v, int n);
/* Error about usage: prints "nastab <cmd>: <formatted>\nTry 'nastab <cmd> --help'." and returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A small, strict option parser: "--name VALUE", "--name=VALUE", short
 * aliases ("-o VALUE"), flags, and positionals. Unknown options, missing
 * values, a value given twice and too many positionals are usage errors
 * (message printed, returns 2). "--help"/"-h" sets *help. Returns 0 when ok. */
typedef struct {
    const char *name;   /* "--runs" */
    const char *alias;  /* "-o" or NULL */
    const char **value; /* set for options that take a value, else NULL */
    int *flag;          /* set to 1 for flags (value == NULL) */
} cli_opt;
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t n_opts,
              const char **pos, int max_pos, int *n_pos, int *help);
/* Split a comma list (copied into buf of size n) into at most max_items
 * distinct items; usage errors (too long, too many, duplicate, empty) are
 * printed and return 2, else 0. */
int cli_split_list(const char *cmd, const char *opt, const char *s, char *buf, size_t n,
                   const char **items, int max_items, int *count);
/* "nastab ARGV..." joined with spaces, malloc'd (caller frees): recorded in result files. */
char *cli_command_line(int argc, char **argv);
/* --json output (bench/cli_json.c; shapes in README.md "Machine-readable
 * output"): s quoted and escaped (NULL: null); v with %.17g, null when not
 * finite. */
void cli_json_str(FILE *f, const char *s);
void cli_json_num(FILE *f, double v);

#endif
