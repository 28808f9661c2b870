/* bench/cmd_run.c - `nastab run`: many budgeted searches per (dataset,
 * strategy) against a table, written to one results file. */
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

static void run_help(void)
{
    printf("usage: nastab run --table FILE --dataset D[,D...] --strategy S[,S...] -o RESULTS\n"
           "                  [--runs R] [--budget SECONDS] [--seed N] [--workers W]\n"
           "                  [--threads T] [--grid G] [--strategy-plugin FILE.so]\n"
           "                  [--restrict-to-curves] [--json]\n"
           "                  [--strategy-exec 'CMD ARGS' [--strategy-name NAME]\n"
           "                   [--strategy-timeout SECONDS]] [--strategy-curves]\n"
           "\n"
           "Runs R independent searches of each strategy on each dataset column under a\n"
           "budget of simulated seconds, following the NAS-Bench-201 protocol\n"
           "(strategies/PROTOCOL.md), and writes every run's anytime trajectory to\n"
           "RESULTS (HDF5, results/RESULTS.md). Results are bit-identical for any --threads.\n"
           "\n"
           "  --table FILE      table built by `nastab tables import nb201` (required)\n"
           "  --dataset LIST    cifar10-valid, cifar10, cifar100, ImageNet16-120 (required)\n"
           "  --strategy LIST   strategies (required):\n");
    for (const strat_vtable *const *v = strat_builtin(); *v; v++)
        printf("                      %-16s %s\n", (*v)->name, (*v)->description);
    printf("                    needing per-epoch validation curves (NATS-Bench imports,\n"
           "                    tables built by `nastab tables build`):\n");
    for (const strat_vtable *const *v = strat_curve_builtin(); *v; v++)
        printf("                      %-16s %s\n", (*v)->name, (*v)->description);
    printf("  --strategy-plugin FILE.so  also run the out-of-tree strategy in this shared object\n"
           "                    (built against strategies/strat.h; see examples/strategy-plugin)\n");
    printf("  --strategy-exec 'CMD ARGS'  also run an external strategy: CMD (run by /bin/sh -c)\n"
           "                    speaks strategies/EXEC_PROTOCOL.md on its stdin/stdout, e.g.\n"
           "                    'python3 python/examples/rea.py' (python/nastab serves it)\n"
           "  --strategy-name NAME  its series name (default exec-<script basename>)\n"
           "  --strategy-timeout SECONDS  longest wait for one reply of the child (default %g)\n"
           "  --strategy-curves  serve the search dataset's per-epoch validation curves to the\n"
           "                    --strategy-plugin and --strategy-exec strategies (env curve_fidelity,\n"
           "                    epochs, curve_archs), so that they may ask per-epoch evaluations\n"
           "                    (strategies/PROTOCOL.md \"Per-epoch budgets\"); fails on a table\n"
           "                    without curves, and needs --restrict-to-curves on partial ones\n"
           "  --json            print a JSON summary on stdout instead of the Markdown table\n"
           "                    (shape: README.md \"Machine-readable output\")\n",
           STRAT_EXEC_TIMEOUT);
    printf("  --runs R          independent runs per (dataset, strategy) (default 500)\n"
           "  --budget SECONDS  simulated seconds per run (default per dataset: cifar10-valid\n"
           "                    and cifar10 %.0f, cifar100 %.0f, ImageNet16-120 %.0f)\n"
           "  --seed N          master seed; run r uses stream (N, r) (default 0)\n"
           "  --workers W       simulated asynchronous workers (default 1)\n"
           "  --threads T       OS threads, 0 = all cores (default 0)\n"
           "  --grid G          points of the anytime trajectory over [0, budget] (default 101)\n"
           "  --restrict-to-curves  when the per-epoch curves cover only part of the table\n"
           "                    (the shipped NB201 table: 200 of 15625 cells), run every\n"
           "                    strategy on those cells only, with the optimum and the regret\n"
           "                    over them; recorded in RESULTS (protocol %s;\n"
           "                    %s on an sss table), which\n"
           "                    `nastab check` never compares with an unrestricted run.\n"
           "                    Without it a curve strategy refuses partial curves\n"
           "  -o, --output FILE results file to write\n",
           strat_default_budget("cifar10"), strat_default_budget("cifar100"),
           strat_default_budget("ImageNet16-120"), RES_PROTOCOL_CURVE_CELLS,
           RES_PROTOCOL_SSS_CURVE_CELLS);
}

/* ---- --json: the summary on stdout (README.md "Machine-readable output") ---- */

/* Mean and sample standard deviation of the finite values of v[0..n-1]. */
static void mean_sd(const float *v, size_t n, double off, double *mean, double *sd, size_t *k)
{
    double s = 0, s2 = 0;
    *k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) s += off - v[i], (*k)++;
    *mean = *k ? s / (double)*k : NAN;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) s2 += (off - v[i] - *mean) * (off - v[i] - *mean);
    *sd = *k > 1 ? sqrt(s2 / (double)(*k - 1)) : NAN;
}

static void run_json(const res_results *res, const char *out, double elapsed, FILE *f)
{
    fprintf(f, "{\"command\":\"run\",\"format\":1,\"output\":");
    cli_json_str(f, out);
    fprintf(f, ",\"elapsed_s\":");
    cli_json_num(f, elapsed);
    fprintf(f, ",\"series\":[");
    for (size_t i = 0; i < res_results_count(res); i++) {
        const res_series *s = res_results_get(res, i);
        double m, sd, mr, sdr;
        size_t k, kr;
        mean_sd(s->final_test, s->runs, 0, &m, &sd, &k);
        mean_sd(s->final_test, s->runs, s->optimum_test, &mr, &sdr, &kr);
        double ev = 0;
        for (size_t r = 0; r < s->runs; r++) ev += s->n_evals[r];
        fprintf(f, "%s{\"dataset\":", i ? "," : "");
        cli_json_str(f, s->dataset);
        fprintf(f, ",\"strategy\":");
        cli_json_str(f, s->strategy);
        fprintf(f, ",\"external\":");
        if (s->external[0]) cli_json_str(f, s->external);
        else fputs("null", f);
        fprintf(f, ",\"runs\":%zu,\"runs_with_result\":%zu,\"budget_s\":", s->runs, k);
        cli_json_num(f, s->budget);
        fprintf(f, ",\"workers\":%d,\"optimum_test\":", s->workers);
        cli_json_num(f, s->optimum_test);
        fprintf(f, ",\"final_test_mean\":");
        cli_json_num(f, -m);
        fprintf(f, ",\"final_test_sd\":");
        cli_json_num(f, sd);
        fprintf(f, ",\"final_regret_mean\":");
        cli_json_num(f, mr);
        fprintf(f, ",\"final_regret_sd\":");
        cli_json_num(f, sdr);
        fprintf(f, ",\"evals_mean\":");
        cli_json_num(f, ev / (double)s->runs);
        fprintf(f, ",\"restricted_cells\":%zu}", s->restricted_cells);
    }
    fprintf(f, "]}\n");
}

int cmd_run(int argc, char **argv)
{
    const char *table = NULL, *dataset = NULL, *strategy = NULL, *runs_s = NULL, *budget_s = NULL,
               *seed_s = NULL, *workers_s = NULL, *threads_s = NULL, *grid_s = NULL, *out = NULL, *plugin_s = NULL,
               *exec_s = NULL, *exec_name = NULL, *exec_to = NULL;
    const char *pos[1];
    int n_pos, help, restrict_curves = 0, json = 0, serve_curves = 0;
    cli_opt opts[] = {{"--restrict-to-curves", NULL, NULL, &restrict_curves},
                      {"--strategy-curves", NULL, NULL, &serve_curves},
                      {"--json", NULL, NULL, &json},
                      {"--strategy-exec", NULL, &exec_s, NULL},
                      {"--strategy-name", NULL, &exec_name, NULL},
                      {"--strategy-timeout", NULL, &exec_to, NULL},
                      {"--table", NULL, &table, NULL},       {"--dataset", NULL, &dataset, NULL},
                      {"--strategy", NULL, &strategy, NULL}, {"--runs", NULL, &runs_s, NULL},
                      {"--budget", NULL, &budget_s, NULL},   {"--seed", NULL, &seed_s, NULL},
                      {"--workers", NULL, &workers_s, NULL}, {"--threads", NULL, &threads_s, NULL},
                      {"--grid", NULL, &grid_s, NULL},       {"--output", "-o", &out, NULL},
                      {"--strategy-plugin", NULL, &plugin_s, NULL}};
    if (cli_parse("run", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help)) return 2;
    if (help) {
        run_help();
        return 0;
    }
    if (!table) return cli_usage_error("run", "missing --table FILE");
    if (!dataset) return cli_usage_error("run", "missing --dataset");
    if (!strategy && !plugin_s && !exec_s)
        return cli_usage_error("run", "missing --strategy (or --strategy-plugin, --strategy-exec)");
    if ((exec_name || exec_to) && !exec_s)
        return cli_usage_error("run", "--strategy-name and --strategy-timeout need --strategy-exec");
    if (serve_curves && !plugin_s && !exec_s)
        return cli_usage_error("run", "--strategy-curves is for --strategy-plugin or --strategy-exec (the "
                                      "built-in curve strategies get the curves anyway)");
    if (!out) return cli_usage_error("run", "missing -o RESULTS");
    nb_file_input inputs[] = {{"table", table}};
    if (nb_file_check_output(out, inputs, 1) != NB_OK) return cli_fail("run", 0);

    strat_run_config cfg = strat_run_config_default();
    long v;
    double budget = 0;
    if (runs_s) {
        if (nb_parse_long("--runs", runs_s, 1, 10000000, &v) != NB_OK) return cli_fail("run", 1);
        cfg.runs = (size_t)v;
    }
    if (budget_s && nb_parse_double("--budget", budget_s, 1e-9, 1e12, &budget) != NB_OK)
        return cli_fail("run", 1);
    if (seed_s && nb_parse_u64("--seed", seed_s, &cfg.seed) != NB_OK) return cli_fail("run", 1);
    if (workers_s) {
        if (nb_parse_long("--workers", workers_s, 1, 4096, &v) != NB_OK) return cli_fail("run", 1);
        cfg.workers = (int)v;
    }
    if (threads_s) {
        if (nb_parse_long("--threads", threads_s, 0, 1024, &v) != NB_OK) return cli_fail("run", 1);
        cfg.threads = (int)v;
    }
    if (grid_s) {
        if (nb_parse_long("--grid", grid_s, 2, 100000, &v) != NB_OK) return cli_fail("run", 1);
        cfg.grid = (size_t)v;
    }
    char dbuf[512], sbuf[512];
    const char *datasets[MAX_ITEMS], *strategies[MAX_ITEMS + 2];
    const strat_vtable *vtables[MAX_ITEMS + 2];
    int nd, ns = 0;
    if (cli_split_list("run", "--dataset", dataset, dbuf, sizeof dbuf, datasets, MAX_ITEMS, &nd)) return 2;
    if (strategy && cli_split_list("run", "--strategy", strategy, sbuf, sizeof sbuf, strategies, MAX_ITEMS, &ns)) return 2;
    for (int i = 0; i < ns; i++)
        if (!(vtables[i] = strat_find(strategies[i]))) return cli_usage_error("run", "--strategy: %s", nb_errmsg());
    const int first_extra = ns; /* the plugin's and the child's series follow */
    strat_plugin *plugin = NULL;
    if (plugin_s) {
        const strat_vtable *pv;
        nb_status pst = strat_plugin_load(plugin_s, &pv, &plugin);
        if (pst != NB_OK) return cli_fail("run", pst == NB_EINVAL);
        for (int i = 0; i < ns; i++)
            if (!strcmp(strategies[i], pv->name)) {
                strat_plugin_close(plugin);
                return cli_usage_error("run", "--strategy-plugin: '%s' is also in --strategy", pv->name);
            }
        strategies[ns] = pv->name;
        vtables[ns++] = pv;
    }

    strat_exec *ex = NULL;
    if (exec_s) {
        strat_exec_config xc = {exec_s, exec_name, 0};
        if ((exec_to && nb_parse_double("--strategy-timeout", exec_to, 1e-3, 1e6, &xc.timeout) != NB_OK) ||
            strat_exec_open(&xc, &ex) != NB_OK) {
            strat_plugin_close(plugin);
            return cli_fail("run", 1);
        }
        const strat_vtable *xv = strat_exec_vtable(ex);
        for (int i = 0; i < ns; i++)
            if (!strcmp(strategies[i], xv->name)) {
                strat_plugin_close(plugin);
                strat_exec_close(ex);
                return cli_usage_error("run", "--strategy-exec: '%s' is also in --strategy or "
                                       "--strategy-plugin; hint: --strategy-name", xv->name);
            }
        strategies[ns] = xv->name;
        vtables[ns++] = xv;
    }

    tab_table *t;
    if (tab_open(table, &t) != NB_OK) {
        strat_plugin_close(plugin);
        strat_exec_close(ex);
        return cli_fail("run", 0);
    }
    char space_proto[16] = ""; /* the table's search protocol: "nb201" or "nats-sss" */
    for (int i = 0; i < nd; i++) {
        strat_protocol p;
        nb_status pst = strat_protocol_nb201(t, datasets[i], &p);
        if (pst == NB_OK) snprintf(space_proto, sizeof space_proto, "%s", p.protocol);
        if (pst != NB_OK) {
            tab_close(t);
            strat_plugin_close(plugin);
            strat_exec_close(ex);
            /* a dataset the table lacks is a usage error; a table that cannot
             * be read (I/O, damaged) is not */
            if (pst == NB_ENOTFOUND) return cli_usage_error("run", "--dataset: %s", nb_errmsg());
            return cli_fail("run", 0);
        }
    }

    /* The command line, recorded in the results file. */
    char *cmdline = cli_command_line(argc, argv);
    res_meta meta = {.table_path = table,
                     .table_checksum = tab_checksum(t),
                     .protocol = res_protocol_label(space_proto, 0, restrict_curves),
                     .command = cmdline,
                     .seed = cfg.seed};
    res_results *res = res_results_create(&meta);
    cfg.table = t;
    cfg.progress = 1;
    cfg.restrict_to_curves = restrict_curves;
    int rc = 0;
    double t0 = nb_now();
    for (int d = 0; d < nd && rc == 0; d++) {
        for (int s = 0; s < ns && rc == 0; s++) {
            cfg.dataset = datasets[d];
            cfg.strategy = strategies[s];
            cfg.vtable = vtables[s];
            cfg.curves = serve_curves && s >= first_extra;
            cfg.budget = budget; /* 0: the protocol's default (strat_protocol.budget) */
            res_series ser; /* filled by the loop, taken over by res */
            double t1 = nb_now();
            nb_status rst = ex && vtables[s] == strat_exec_vtable(ex) ? strat_exec_run(ex, &cfg, &ser)
                                                                       : strat_run(&cfg, &ser);
            if (rst != NB_OK) {
                rc = cli_fail("run", 0);
                break;
            }
            nb_debug("%s / %s: %zu runs in %.3f s", datasets[d], strategies[s], cfg.runs, nb_now() - t1);
            res_results_add(res, &ser);
        }
    }
    double elapsed = nb_now() - t0;
    if (rc == 0) {
        if (res_results_write(res, out) != NB_OK) {
            rc = cli_fail("run", 0);
        } else {
            if (json) run_json(res, out, elapsed, stdout);
            else rep_write_markdown(res, stdout);
            nb_log("%d dataset(s) x %d strateg%s x %zu runs in %.2f s; results in %s", nd, ns,
                   ns == 1 ? "y" : "ies", cfg.runs, elapsed, out);
        }
    }
    res_results_free(res);
    free(cmdline);
    tab_close(t);
    strat_plugin_close(plugin);
    strat_exec_close(ex);
    return rc;
}
