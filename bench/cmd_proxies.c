/* bench/cmd_proxies.c - `nastab tables proxies` (zero-cost proxies computed
 * by the engine, nn/proxies.h, written as /zc/<dataset>/<proxy> columns,
 * tables/tab_zc.h) and `nastab proxies-report` (their rank agreement with
 * the table's final test accuracy): parse, call precompute/pc_zc.h or
 * reports/rep_zc.h, print. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench/cmd.h"
#include "nn/proxies.h"
#include "precompute/pc_zc.h"
#include "reports/rep.h"
#include "reports/rep_zc.h"
#include "tables/tab.h"
#include "tables/tab_zc.h"

/* The progress bar, started at done == 0 (pc_zc_progress_fn). */
static void on_progress(void *ctx, size_t done, size_t total)
{
    nb_progress **bar = ctx;
    if (done == 0) *bar = nb_progress_start("proxies", total);
    else nb_progress_add(*bar, 1);
}

/* --to-csv / --from-csv (tables/tab_zc.h): move computed columns to and
 * from a file; ids NULL = every proxy column D has. */
static int csv_mode(const char *CMD, const char *path, const char *dataset, const char *to_csv,
                    const char *from_csv, const nn_zc_id *ids, int n_ids)
{
    if (to_csv && from_csv) return cli_usage_error(CMD, "--to-csv and --from-csv together");
    if (from_csv) {
        char shape[128];
        int n = 0;
        if (pc_zc_shape(path, dataset, shape, sizeof shape) != NB_OK ||
            tab_zc_import_csv(path, from_csv, dataset, shape, &n) != NB_OK)
            return cli_fail(CMD, 0);
        printf("added %d proxy columns of %s to /zc/%s of %s\n", n, from_csv, dataset, path);
        return 0;
    }
    const char *names[NN_ZC_COUNT];
    int n = 0;
    for (int p = 0; p < (ids ? n_ids : NN_ZC_COUNT); p++) {
        const char *name = nn_zc_name(ids ? ids[p] : (nn_zc_id)p);
        int ex = tab_zc_exists(path, dataset, name);
        if (ex < 0) return cli_fail(CMD, 0);
        if (ex || ids) names[n++] = name; /* a named missing column is an error of the export */
    }
    if (n == 0) {
        nb_fail(NB_ENOTFOUND, "%s has no proxy columns of %s; hint: nastab tables proxies %s --dataset %s",
                path, dataset, path, dataset);
        return cli_fail(CMD, 0);
    }
    if (tab_zc_export_csv(path, dataset, names, n, to_csv) != NB_OK) return cli_fail(CMD, 0);
    printf("wrote %d proxy columns of /zc/%s to %s\n", n, dataset, to_csv);
    return 0;
}

int cmd_tables_proxies(int argc, char **argv)
{
    const char *CMD = "tables proxies";
    const char *dataset = NULL, *list = NULL, *batch_s = NULL, *seed_s = NULL, *dir = NULL,
               *threads_s = NULL, *limit_s = NULL, *to_csv = NULL, *from_csv = NULL, *pos[1];
    int help = 0, n_pos = 0, replace = 0;
    cli_opt opts[] = {{"--dataset", NULL, &dataset, NULL}, {"--proxies", NULL, &list, NULL},
                      {"--batch", NULL, &batch_s, NULL},   {"--seed", NULL, &seed_s, NULL},
                      {"--data-dir", NULL, &dir, NULL},    {"--threads", NULL, &threads_s, NULL},
                      {"--limit", NULL, &limit_s, NULL},   {"--replace", NULL, NULL, &replace},
                      {"--to-csv", NULL, &to_csv, NULL},   {"--from-csv", NULL, &from_csv, NULL}};
    int rc = cli_parse(CMD, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, &n_pos, &help);
    if (rc) return rc;
    if (help) {
        printf("usage: nastab tables proxies FILE --dataset D [--proxies LIST] [--batch B] [--seed S]\n"
               "                             [--data-dir DIR] [--threads T] [--limit K] [--replace]\n"
               "Zero-cost proxies (nn/PROXIES.md) of every unique cell at the network shape of D's\n"
               "column (a built table's preset; NB201 C=16 N=5 otherwise), each written as the\n"
               "column /zc/D/<proxy> (tables/SCHEMA.md) atomically with the checksum updated.\n"
               "Resumable: proxies whose column exists are skipped (unless --replace).\n"
               "  --proxies LIST  comma list (default: all): synflow, snip, grasp, fisher, grad_norm,\n"
               "                  jacob_cov, nwot, zen, plain, l2_norm, params, flops\n"
               "  --batch B       minibatch images (default 64)\n"
               "  --seed S        weights and batch draw (default 0)\n"
               "  --data-dir DIR  dataset folder (default fashion-mnist: %s); without the\n"
               "                  dataset's files the batch is N(0,1) (recorded as attribute input)\n"
               "  --threads T     cells in parallel (default 1; same numbers for any T)\n"
               "  --limit K       only the first K classes (the others NaN): timing and previews\n"
               "  --to-csv OUT    compute nothing: write the existing columns of D named by --proxies\n"
               "                  (default: all it has) with their attributes to OUT (.gz: gzip)\n"
               "  --from-csv IN   compute nothing: add the columns of a --to-csv file as /zc/D/...,\n"
               "                  attributes kept, refused unless computed at D's network shape\n",
               PC_ZC_FMNIST_DIR);
        return 0;
    }
    if (n_pos != 1 || !dataset) return cli_usage_error(CMD, "need FILE and --dataset");
    long batch = 64, threads = 1, limit = 0;
    uint64_t seed = 0;
    if ((batch_s && nb_parse_long("--batch", batch_s, 2, 4096, &batch) != NB_OK) ||
        (threads_s && nb_parse_long("--threads", threads_s, 1, 256, &threads) != NB_OK) ||
        (limit_s && nb_parse_long("--limit", limit_s, 1, 100000000, &limit) != NB_OK) ||
        (seed_s && nb_parse_u64("--seed", seed_s, &seed) != NB_OK))
        return cli_fail(CMD, 1);
    nn_zc_id ids[NN_ZC_COUNT];
    int n_ids = 0;
    if (list) {
        char buf[512];
        const char *items[NN_ZC_COUNT + 1];
        int k;
        if ((rc = cli_split_list(CMD, "--proxies", list, buf, sizeof buf, items, NN_ZC_COUNT, &k))) return rc;
        for (int i = 0; i < k; i++) {
            int id = nn_zc_from_name(items[i]);
            if (id < 0) return cli_fail(CMD, 1);
            ids[n_ids++] = (nn_zc_id)id;
        }
    }
    if (to_csv || from_csv) return csv_mode(CMD, pos[0], dataset, to_csv, from_csv, list ? ids : NULL, n_ids);
    pc_zc_config c = pc_zc_config_default();
    c.path = pos[0], c.dataset = dataset, c.data_dir = dir, c.replace = replace;
    c.ids = n_ids ? ids : NULL, c.n_ids = n_ids;
    c.batch = (int)batch, c.seed = seed, c.threads = (int)threads, c.limit = (size_t)limit;
    pc_zc_result r;
    nb_progress *bar = NULL;
    nb_status st = pc_zc_run(&c, on_progress, &bar, &r);
    nb_progress_finish(bar);
    if (st == NB_OK && r.n_todo == 0) {
        printf("every requested proxy column exists (use --replace to recompute)\n");
        return 0;
    }
    if (r.n_run)
        printf("%zu of %zu classes (%zu cells), %s, %s batch of %ld: %.4f CPU s per cell (%.1f s wall, "
               "%ld threads)\n", r.n_run, r.n_classes, r.n_cells, r.shape, r.have_data ? "data" : "N(0,1)",
               batch, r.seconds_per_cell, r.seconds, threads);
    for (int i = 0; i < r.n_written; i++) printf("wrote /zc/%s/%s\n", dataset, nn_zc_name(r.written[i]));
    return st == NB_OK ? 0 : cli_fail(CMD, 0);
}

int cmd_proxies_report(int argc, char **argv)
{
    const char *CMD = "proxies-report", *outdir = NULL, *format = NULL, *pos[1];
    int help = 0, n_pos = 0;
    cli_opt opts[] = {{"--out", "-o", &outdir, NULL}, {"--format", NULL, &format, NULL}};
    int rc = cli_parse(CMD, argc, argv, opts, 2, pos, 1, &n_pos, &help);
    if (rc) return rc;
    if (help) {
        printf("usage: nastab proxies-report FILE -o DIR [--format LIST]\n"
               "For every dataset and proxy column /zc/<dataset>/<proxy> of the table: Spearman rho,\n"
               "Kendall tau-b and the precision of the proxy's top 10%% against the final test\n"
               "accuracy (mean over seeds, longest schedule), over the architectures both have,\n"
               "as DIR/proxies.md, DIR/proxies.csv and DIR/proxies.tex, and a heat map of rho\n"
               "(proxies x datasets) DIR/proxies_rho.{png,pdf,svg} drawn by gnuplot (script and\n"
               "data kept beside it).\n"
               "  --format LIST     heat map formats: png, pdf, svg (default all three)\n");
        return 0;
    }
    if (n_pos != 1 || !outdir) return cli_usage_error(CMD, "need FILE and -o DIR");
    int mask = REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    if (format && rep_parse_formats(format, &mask) != NB_OK) return cli_fail(CMD, 1);
    mask &= REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    if (!mask) return cli_usage_error(CMD, "--format: the heat map is png, pdf or svg");
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail(CMD, 0);
    const char *names[NN_ZC_COUNT];
    for (int p = 0; p < NN_ZC_COUNT; p++) names[p] = nn_zc_name((nn_zc_id)p);
    rep_zc_config c = {names, NN_ZC_COUNT, mask};
    int rows;
    nb_file_input in[] = {{"table", pos[0]}};
    rep_protect_inputs(in, 1);
    nb_status st = rep_zc_report(t, &c, outdir, &rows);
    rep_protect_inputs(NULL, 0);
    tab_close(t);
    if (st != NB_OK) return cli_fail(CMD, 0);
    printf("wrote %s/proxies.md, proxies.csv, proxies.tex and the heat map proxies_rho (%d rows)\n",
           outdir, rows);
    return 0;
}
