/* bench/cmd_hw.c - hardware-aware commands:
 *   `nastab mo`             multi-objective searches (accuracy vs latency of a
 *                           hardware column) written to an MO results file;
 *   `nastab mo-report`      fronts, hypervolume curves and a Markdown table;
 *   `nastab devices-report` Kendall tau between hardware columns, and the best
 *                           cell under a latency budget per column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "reports/rep.h"
#include "results/res.h"
#include "strategies/strat.h"
#include "tables/tab.h"

#define MAX_ITEMS 16

static void mo_help(void)
{
    printf("usage: nastab mo --table FILE --dataset D[,D...] --device COLUMN[,COLUMN...]\n"
           "                 --strategy S[,S...] -o RESULTS [--runs R] [--budget SECONDS]\n"
           "                 [--latency-max L] [--population N] [--seed N] [--threads T]\n"
           "                 [--grid G] [--restrict-to-curves]\n"
           "\n"
           "Hardware-aware multi-objective search: maximise the 12-epoch validation accuracy,\n"
           "minimise the latency of one hardware column, on the simulated clock of\n"
           "`nastab run` (strategies/PROTOCOL.md; latency lookups are free, one worker).\n"
           "Every run's evaluations, hypervolume over time (results/MO_RESULTS.md) and\n"
           "constrained incumbent (best accuracy with latency <= L) go to RESULTS (HDF5).\n"
           "Results are bit-identical for any --threads.\n"
           "\n"
           "  --table FILE        table built by `nastab tables import nb201` (required)\n"
           "  --dataset LIST      cifar10-valid, cifar10, cifar100, ImageNet16-120 (required)\n"
           "  --device LIST       hardware columns (`nastab tables devices FILE`) or device\n"
           "                      names: edgegpu -> hwnas_edgegpu_latency_<dataset>,\n"
           "                      1080ti -> help_1080ti_latency_b1, ... (required)\n"
           "  --strategy LIST     (required):\n");
    for (const strat_vtable *const *v = strat_mo_builtin(); *v; v++)
        printf("                        %-19s %s\n", (*v)->name, (*v)->description);
    printf("  --runs R            independent runs per combination (default 100)\n"
           "  --budget SECONDS    simulated seconds per run (default per dataset, as `run`)\n"
           "  --latency-max L     latency bound in the column's unit (default: its median)\n"
           "  --population N      population of nsga2 (default 20) / rea-constrained (10)\n"
           "  --seed N            master seed; run r uses stream (N, r) (default 0)\n"
           "  --threads T         OS threads, 0 = all cores (default 0)\n"
           "  --grid G            points of the hypervolume trajectory (default 101)\n"
           "  --strategy-exec 'CMD'  also run an external strategy (strategies/EXEC_PROTOCOL.md;\n"
           "                      it is told [score, latency]); --strategy-name NAME,\n"
           "                      --strategy-timeout SECONDS as for `nastab run`\n"
           "  --restrict-to-curves  when the table holds only part of the space (an sss\n"
           "                      `tables build --sample K`): search only the cells with a\n"
           "                      per-epoch curve, as `nastab run --restrict-to-curves`\n"
           "                      (protocol ...-curve-cells in the results file)\n"
           "  --json              a JSON summary on stdout instead of the Markdown table\n"
           "                      (names are plain; a missing mean is -1)\n"
           "  -o, --output FILE   MO results file to write\n"
           "\n"
           "example:\n"
           "  nastab mo --table nb201.h5 --dataset cifar10 --device edgegpu \\\n"
           "      --strategy nsga2,scalarised,random,rea-constrained --runs 100 -o mo.h5\n"
           "  nastab mo-report mo.h5 -o mo-report/\n");
}

int cmd_mo(int argc, char **argv)
{
    const char *table = NULL, *dataset = NULL, *device = NULL, *strategy = NULL, *runs_s = NULL,
               *budget_s = NULL, *lmax_s = NULL, *pop_s = NULL, *seed_s = NULL,
               *threads_s = NULL, *grid_s = NULL, *out = NULL, *pos[1],
               *exec_s = NULL, *exec_name = NULL, *exec_to = NULL;
    int n_pos, help, json = 0, restrict_curves = 0;
    cli_opt opts[] = {
        {"--restrict-to-curves", NULL, NULL, &restrict_curves},
        {"--table", NULL, &table, NULL},         {"--dataset", NULL, &dataset, NULL},
        {"--device", NULL, &device, NULL},       {"--strategy", NULL, &strategy, NULL},
        {"--runs", NULL, &runs_s, NULL},         {"--budget", NULL, &budget_s, NULL},
        {"--latency-max", NULL, &lmax_s, NULL},  {"--population", NULL, &pop_s, NULL},
        {"--seed", NULL, &seed_s, NULL},         {"--threads", NULL, &threads_s, NULL},
        {"--grid", NULL, &grid_s, NULL},         {"--output", "-o", &out, NULL},
        {"--json", NULL, NULL, &json},           {"--strategy-exec", NULL, &exec_s, NULL},
        {"--strategy-name", NULL, &exec_name, NULL}, {"--strategy-timeout", NULL, &exec_to, NULL}};
    if (cli_parse("mo", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help))
        return 2;
    if (help) {
        mo_help();
        return 0;
    }
    if (!table) return cli_usage_error("mo", "missing --table FILE");
    if (!dataset) return cli_usage_error("mo", "missing --dataset");
    if (!device) return cli_usage_error("mo", "missing --device");
    if (!strategy && !exec_s) return cli_usage_error("mo", "missing --strategy (or --strategy-exec)");
    if ((exec_name || exec_to) && !exec_s)
        return cli_usage_error("mo", "--strategy-name and --strategy-timeout need --strategy-exec");
    if (!out) return cli_usage_error("mo", "missing -o RESULTS");
    nb_file_input inputs[] = {{"table", table}};
    if (nb_file_check_output(out, inputs, 1) != NB_OK) return cli_fail("mo", 0);
    strat_run_config cfg = strat_mo_config_default();
    long v;
    double budget = 0;
    if (runs_s) {
        if (nb_parse_long("--runs", runs_s, 1, 1000000, &v) != NB_OK) return cli_fail("mo", 1);
        cfg.runs = (size_t)v;
    }
    if (budget_s && nb_parse_double("--budget", budget_s, 1e-9, 1e12, &budget) != NB_OK)
        return cli_fail("mo", 1);
    if (lmax_s && nb_parse_double("--latency-max", lmax_s, 1e-12, 1e12, &cfg.latency_max) != NB_OK)
        return cli_fail("mo", 1);
    if (pop_s) {
        if (nb_parse_long("--population", pop_s, 2, 2048, &v) != NB_OK) return cli_fail("mo", 1);
        cfg.population = (int)v;
    }
    if (seed_s && nb_parse_u64("--seed", seed_s, &cfg.seed) != NB_OK) return cli_fail("mo", 1);
    if (threads_s) {
        if (nb_parse_long("--threads", threads_s, 0, 1024, &v) != NB_OK) return cli_fail("mo", 1);
        cfg.threads = (int)v;
    }
    if (grid_s) {
        if (nb_parse_long("--grid", grid_s, 2, 100000, &v) != NB_OK) return cli_fail("mo", 1);
        cfg.grid = (size_t)v;
    }
    char dbuf[512], vbuf[1024], sbuf[512];
    const char *datasets[MAX_ITEMS], *devices[MAX_ITEMS], *strategies[MAX_ITEMS + 1];
    int nd, nv, ns = 0;
    if (cli_split_list("mo", "--dataset", dataset, dbuf, sizeof dbuf, datasets, MAX_ITEMS, &nd) ||
        cli_split_list("mo", "--device", device, vbuf, sizeof vbuf, devices, MAX_ITEMS, &nv) ||
        (strategy && cli_split_list("mo", "--strategy", strategy, sbuf, sizeof sbuf, strategies,
                                    MAX_ITEMS, &ns)))
        return 2;
    for (int i = 0; i < ns; i++)
        if (!strat_find(strategies[i])) return cli_usage_error("mo", "--strategy: %s", nb_errmsg());
    strat_exec *ex = NULL; /* an external strategy: the last of strategies[] */
    if (exec_s) {
        strat_exec_config xc = {exec_s, exec_name, 0};
        if ((exec_to && nb_parse_double("--strategy-timeout", exec_to, 1e-3, 1e6, &xc.timeout) != NB_OK) ||
            strat_exec_open(&xc, &ex) != NB_OK)
            return cli_fail("mo", 1);
        strategies[ns++] = strat_exec_vtable(ex)->name;
    }
    tab_table *t;
    if (tab_open(table, &t) != NB_OK) {
        strat_exec_close(ex);
        return cli_fail("mo", 0);
    }
    char space_proto[16] = ""; /* the table's search protocol: "nb201" or "nats-sss" */
    for (int i = 0; i < nd; i++) {
        strat_protocol p;
        nb_status pst = strat_protocol_nb201(t, datasets[i], &p);
        if (pst == NB_OK) snprintf(space_proto, sizeof space_proto, "%s", p.protocol);
        if (pst != NB_OK) {
            tab_close(t);
            strat_exec_close(ex);
            /* a dataset the table lacks is a usage error; a damaged table is not */
            if (pst == NB_ENOTFOUND) return cli_usage_error("mo", "--dataset: %s", nb_errmsg());
            return cli_fail("mo", 0);
        }
        for (int k = 0; k < nv; k++)
            if (strat_device_column(t, datasets[i], devices[k]) < 0) {
                tab_close(t);
                strat_exec_close(ex);
                return cli_usage_error("mo", "--device: %s", nb_errmsg());
            }
    }
    char *cmdline = cli_command_line(argc, argv);
    res_meta meta = {.table_path = table, .table_checksum = tab_checksum(t),
                     .protocol = res_protocol_label(space_proto, 1, restrict_curves),
                     .command = cmdline, .seed = cfg.seed};
    res_mo_results *res = res_mo_create(&meta);
    cfg.table = t;
    cfg.progress = 1;
    cfg.restrict_to_curves = restrict_curves;
    int rc = 0;
    double t0 = nb_now();
    for (int d = 0; d < nd && rc == 0; d++)
        for (int k = 0; k < nv && rc == 0; k++)
            for (int s = 0; s < ns && rc == 0; s++) {
                cfg.dataset = datasets[d];
                cfg.device = devices[k];
                cfg.strategy = strategies[s];
                cfg.budget = budget;
                res_series ser; /* filled by the loop, taken over by res */
                int external = ex && s == ns - 1;
                cfg.vtable = external ? strat_exec_vtable(ex) : NULL;
                if ((external ? strat_exec_run(ex, &cfg, &ser) : strat_run(&cfg, &ser)) != NB_OK) {
                    rc = cli_fail("mo", 0);
                    break;
                }
                res_mo_add(res, &ser);
            }
    if (rc == 0) {
        if (res_mo_write(res, out) != NB_OK) {
            rc = cli_fail("mo", 0);
        } else if (json) {
            printf("{\"command\":\"mo\",\"format\":1,\"output\":\"%s\",\"series\":[", out);
            for (size_t i = 0; i < res_mo_count(res); i++) {
                const res_series *s = res_mo_get(res, i);
                rep_stats hv = rep_mo_final_hv(s), acc = rep_stats_of(s->final_test, s->runs, 1);
                printf("%s{\"dataset\":\"%s\",\"device\":\"%s\",\"strategy\":\"%s\",\"external\":%s,"
                       "\"runs\":%zu,\"final_hv_mean\":%.17g,\"final_hv_ci95\":%.17g,\"hv_true\":%.17g,"
                       "\"feasible_test_mean\":%.17g,\"runs_with_feasible\":%zu}",
                       i ? "," : "", s->dataset, s->device, s->strategy, s->external[0] ? "true" : "false",
                       s->runs, isfinite(hv.mean) ? hv.mean : -1.0, isfinite(hv.ci95) ? hv.ci95 : 0.0,
                       s->hv_true, isfinite(acc.mean) ? acc.mean : -1.0, acc.n);
            }
            printf("]}\n");
            nb_log("%zu series in %.2f s; results in %s", res_mo_count(res), nb_now() - t0, out);
        } else {
            printf("| dataset | column | strategy | runs | final HV (mean ± 95%% CI) | true HV | "
                   "feasible test acc [%%] |\n|---|---|---|---:|---:|---:|---:|\n");
            for (size_t i = 0; i < res_mo_count(res); i++) {
                const res_series *s = res_mo_get(res, i);
                rep_stats hv = rep_mo_final_hv(s), acc = rep_stats_of(s->final_test, s->runs, 1);
                printf("| %s | %s | %s | %zu | %.4f ± %.4f | %.4f | %.2f (%zu runs) |\n",
                       s->dataset, s->device, s->strategy, s->runs, hv.mean,
                       isfinite(hv.ci95) ? hv.ci95 : 0.0, s->hv_true, acc.mean, acc.n);
            }
            nb_log("%zu series in %.2f s; results in %s", res_mo_count(res), nb_now() - t0, out);
        }
    }
    res_mo_free(res);
    free(cmdline);
    tab_close(t);
    strat_exec_close(ex);
    return rc;
}

int cmd_mo_report(int argc, char **argv)
{
    const char *dir = NULL, *format = NULL, *pos[1];
    int n_pos, help;
    cli_opt opts[] = {{"--output", "-o", &dir, NULL}, {"--format", NULL, &format, NULL}};
    if (cli_parse("mo-report", argc, argv, opts, 2, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        printf("usage: nastab mo-report RESULTS [-o DIR] [--format LIST]\n"
               "\n"
               "From a file written by `nastab mo`: DIR/mo_report.md (final hypervolume,\n"
               "regret to the true front, best feasible test accuracy per strategy) and per\n"
               "(dataset, column) front_<d>_<c> (median run's front over the true front) and\n"
               "hv_<d>_<c> (hypervolume regret, log scale, mean with 95%% band) figures.\n"
               "\n"
               "  -o, --output DIR  report folder (default mo-report)\n"
               "  --format LIST     figure formats: png, pdf, svg (default all three)\n");
        return 0;
    }
    if (n_pos != 1) return cli_usage_error("mo-report", "expected one RESULTS file");
    int mask = REP_FMT_MD | REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    if (format && rep_parse_formats(format, &mask) != NB_OK) return cli_fail("mo-report", 1);
    res_mo_results *r;
    if (res_mo_read(pos[0], &r) != NB_OK) return cli_fail("mo-report", 0);
    nb_file_input in[] = {{"results file", pos[0]}};
    rep_protect_inputs(in, 1);
    nb_status st = rep_mo_report(r, dir ? dir : "mo-report", mask);
    rep_protect_inputs(NULL, 0);
    res_mo_free(r);
    if (st == NB_ETOOL) {
        fprintf(stderr, "nastab mo-report: %s\n", nb_errmsg());
        return 1;
    }
    if (st != NB_OK) return cli_fail("mo-report", 0);
    nb_log("report written to %s/", dir ? dir : "mo-report");
    return 0;
}

int cmd_devices_report(int argc, char **argv)
{
    const char *table = NULL, *dir = NULL, *format = NULL, *metric = NULL, *dataset = NULL,
               *pos[1];
    int n_pos, help;
    cli_opt opts[] = {{"--table", NULL, &table, NULL},   {"--output", "-o", &dir, NULL},
                      {"--format", NULL, &format, NULL}, {"--metric", NULL, &metric, NULL},
                      {"--dataset", NULL, &dataset, NULL}};
    if (cli_parse("devices-report", argc, argv, opts, 5, pos, 0, &n_pos, &help)) return 2;
    if (help) {
        printf("usage: nastab devices-report --table FILE [-o DIR] [--metric M] [--dataset D]\n"
               "                             [--format LIST]\n"
               "\n"
               "How far hardware columns agree: Kendall tau-b between every pair of the\n"
               "table's hardware columns (cells present in both), as DIR/devices.md and a\n"
               "heatmap devices_tau.{png,...}; and per column the most accurate cell under a\n"
               "latency budget (the column's median).\n"
               "\n"
               "  --table FILE      table (required)\n"
               "  -o, --output DIR  report folder (default devices-report)\n"
               "  --metric M        latency (default), energy, arithmetic_intensity or all\n"
               "  --dataset D       accuracy for columns without a dataset (HELP): cifar10\n"
               "                    (default), cifar100, ImageNet16-120\n"
               "  --format LIST     heatmap formats: png, pdf, svg (default all three)\n");
        return 0;
    }
    if (!table) return cli_usage_error("devices-report", "missing --table FILE");
    int mask = REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    if (format && rep_parse_formats(format, &mask) != NB_OK) return cli_fail("devices-report", 1);
    tab_table *t;
    if (tab_open(table, &t) != NB_OK) return cli_fail("devices-report", 0);
    if (dataset && tab_dataset_id(t, dataset) < 0) {
        tab_close(t);
        return cli_usage_error("devices-report", "--dataset: '%s' is not in %s", dataset, table);
    }
    rep_devices_config cfg = {dataset ? dataset : "cifar10", metric ? metric : "latency", mask};
    nb_file_input in[] = {{"table", table}};
    rep_protect_inputs(in, 1);
    nb_status st = rep_devices_report(t, &cfg, dir ? dir : "devices-report");
    rep_protect_inputs(NULL, 0);
    tab_close(t);
    if (st == NB_ETOOL) {
        fprintf(stderr, "nastab devices-report: %s\n", nb_errmsg());
        return 1;
    }
    if (st != NB_OK) return cli_fail("devices-report", st == NB_ENOTFOUND);
    nb_log("report written to %s/", dir ? dir : "devices-report");
    return 0;
}
