/* bench/cmd_report.c - `nastab report`: tables and figures from a results file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "reports/rep.h"

int cmd_report(int argc, char **argv)
{
    const char *dir = NULL, *format = NULL, *width = NULL, *pos[1];
    int n_pos, help;
    cli_opt opts[] = {{"--output", "-o", &dir, NULL},
                      {"--format", NULL, &format, NULL},
                      {"--figure-width", NULL, &width, NULL}};
    if (cli_parse("report", argc, argv, opts, 3, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        printf("usage: nastab report RESULTS [-o DIR] [--format LIST]\n"
               "\n"
               "  -o, --output DIR  folder for the report (default: report)\n"
               "  --format LIST     comma list of csv, md, tex, png, pdf, svg\n"
               "                    (default: md,tex,csv,png,pdf,svg into DIR)\n"
               "  --figure-width W  column (3.25 in), text (5.5 in, default) or full (6.75 in):\n"
               "                    the width the figures are drawn for, text 8 pt at that size\n"
               "\n"
               "With a single text format (csv, md or tex) and no -o, the table is printed to\n"
               "stdout; `--format csv` gives one row per (dataset, strategy) with columns\n"
               "dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std.\n"
               "Figures (per dataset: incumbent test accuracy and test regret on a log scale\n"
               "over simulated time, mean with 95%% confidence band) need gnuplot; without it\n"
               "the tables are still written and the command exits 1 with a hint.\n"
               "\n"
               "A results file of `nastab search` (budget unit: epochs; results/RESULTS.md)\n"
               "gets ws.md and, per dataset, ws_acc_* (the derived cell's table accuracy over\n"
               "epochs and over wall seconds), ws_probs_*_METHOD (op probabilities per edge over\n"
               "epochs) and, with --rank-sample, ws_rank_* (Kendall tau, Spearman rho); its CSV\n"
               "rows gain a last column budget_unit. Series counted in different units never\n"
               "share an axis.\n");
        return 0;
    }
    if (n_pos != 1) return cli_usage_error("report", "expected one RESULTS file");
    int mask = REP_FMT_MD | REP_FMT_TEX | REP_FMT_CSV | REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    if (format && rep_parse_formats(format, &mask) != NB_OK) return cli_fail("report", 1);
    if (width) {
        if (!strcmp(width, "column")) mask |= REP_FIG_COLUMN;
        else if (!strcmp(width, "full")) mask |= REP_FIG_FULL;
        else if (strcmp(width, "text"))
            return cli_usage_error("report", "--figure-width: '%s' is not column, text or full",
                                   width);
    }
    res_results *r;
    if (res_results_read(pos[0], &r) != NB_OK) return cli_fail("report", 0);
    int rc = 0;
    nb_status st = NB_OK;
    int text_only = mask & ~(REP_FIG_COLUMN | REP_FIG_FULL);
    if (!dir && (text_only == REP_FMT_CSV || text_only == REP_FMT_MD || text_only == REP_FMT_TEX)) {
        st = text_only == REP_FMT_CSV ? rep_write_csv(r, stdout)
             : text_only == REP_FMT_MD ? rep_write_markdown(r, stdout)
                                  : rep_write_latex(r, stdout);
    } else {
        const char *d = dir ? dir : "report";
        nb_file_input in[] = {{"results file", pos[0]}};
        rep_protect_inputs(in, 1);
        /* weight-sharing figures first (reports/ws.c): rep_report's documents name them */
        nb_status ws = rep_ws_report(r, pos[0], d, mask);
        char *ws_msg = ws != NB_OK ? nb_xstrdup(nb_errmsg()) : NULL;
        st = ws == NB_OK || ws == NB_ETOOL ? rep_report(r, d, mask) : ws;
        if (st == NB_OK && ws != NB_OK) st = nb_fail(ws, "%s", ws_msg);
        free(ws_msg);
        rep_protect_inputs(NULL, 0);
        if (st == NB_OK) nb_log("report written to %s/", d);
    }
    if (st != NB_OK) rc = cli_fail("report", 0);
    res_results_free(r);
    return rc;
}
