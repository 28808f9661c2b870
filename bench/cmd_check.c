/* bench/cmd_check.c - `nastab check`: the statistical regression gate of a
 * candidate's results against a baseline (reports/rep.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "reports/rep.h"

static void check_help(void)
{
    rep_gate_config d = rep_gate_config_default();
    printf("usage: nastab check --baseline FILE --candidate FILE [--alpha A] [--min-effect E]\n"
           "                    [--strategy NAME[:CANDIDATE_NAME]] [--bootstrap B] [--json]\n"
           "       nastab check --summarize RESULTS -o SUMMARY\n"
           "\n"
           "Compares the candidate's runs against the baseline's, per dataset and strategy, on\n"
           "the final test regret and on the regret averaged over the budget (area under the\n"
           "anytime regret curve / budget), both in percentage points: two-sided Mann-Whitney U\n"
           "test, Holm's correction over all tests, bootstrap interval of the difference in mean\n"
           "regret. Prints a verdict table (better / no significant difference / worse).\n"
           "FILE is a results file of `nastab run` or a summary written by --summarize.\n"
           "Strategies are paired by name; two files of one strategy each are paired whatever\n"
           "their names (a plugin against a built-in baseline).\n"
           "Refuses results made on different tables (content checksum), protocol versions,\n"
           "budgets, worker counts or grids, naming both values, and, first, budgets in\n"
           "different units (`nastab search` counts epochs, `nastab run` simulated seconds).\n"
           "\n"
           "  --baseline FILE   the reference results (required)\n"
           "  --candidate FILE  the results under test (required)\n"
           "  --alpha A         family-wise error rate over all tests (default %g)\n"
           "  --min-effect E    fail only when worse by more than E percentage points of\n"
           "                    mean regret: significant ranks and the whole interval above E\n"
           "                    (default %g)\n"
           "  --strategy NAME   compare only this strategy (default: every paired one);\n"
           "                    NAME:CAND pairs the baseline's NAME with the candidate's CAND\n"
           "  --bootstrap B     bootstrap resamples for the intervals (default %zu, seed %llu)\n"
           "  --summarize RESULTS  write RESULTS' per-run regrets as a small text summary\n"
           "                    (a committable baseline) to -o SUMMARY\n"
           "  --json            print one JSON object (every row of the table and the\n"
           "                    verdict) instead of the text (shape: README.md\n"
           "                    \"Machine-readable output\"); the exit status is the same\n"
           "\n"
           "Exit status: 0 when no strategy is significantly worse by more than E, 1 when one\n"
           "is (or a file cannot be read), 2 on bad usage or a refused comparison.\n",
           d.alpha, d.min_effect, d.bootstrap, (unsigned long long)d.seed);
}

/* ---- --json: the verdict table as one object (README.md "Machine-readable output") ---- */

static void check_json(const char *base_s, const char *cand_s, const rep_gate_set *base,
                       const rep_gate_row *rows, size_t n, const rep_gate_config *cfg, FILE *f)
{
    static const char *verdict[] = {"same", "better", "worse"};
    fprintf(f, "{\"command\":\"check\",\"format\":1,\"baseline\":");
    cli_json_str(f, base_s);
    fprintf(f, ",\"candidate\":");
    cli_json_str(f, cand_s);
    fprintf(f, ",\"table_checksum\":");
    cli_json_str(f, rep_gate_set_attr(base, "table_checksum"));
    fprintf(f, ",\"protocol\":");
    cli_json_str(f, rep_gate_set_attr(base, "protocol"));
    fprintf(f, ",\"alpha\":");
    cli_json_num(f, cfg->alpha);
    fprintf(f, ",\"min_effect\":");
    cli_json_num(f, cfg->min_effect);
    fprintf(f, ",\"bootstrap\":%zu,\"rows\":[", cfg->bootstrap);
    for (size_t i = 0; i < n; i++) {
        const rep_gate_row *r = &rows[i];
        fprintf(f, "%s{\"dataset\":", i ? "," : "");
        cli_json_str(f, r->dataset);
        fprintf(f, ",\"baseline_strategy\":");
        cli_json_str(f, r->base_strategy);
        fprintf(f, ",\"candidate_strategy\":");
        cli_json_str(f, r->cand_strategy);
        fprintf(f, ",\"metric\":\"%s\",\"runs_baseline\":%zu,\"runs_candidate\":%zu",
                r->metric == REP_GATE_FINAL ? "final" : "auc", r->n_base, r->n_cand);
        const char *k[] = {"mean_baseline", "mean_candidate", "diff", "lo", "hi", "a12", "p", "p_holm"};
        const double v[] = {r->mean_base, r->mean_cand, r->diff, r->lo, r->hi, r->a12, r->p, r->p_holm};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++) {
            fprintf(f, ",\"%s\":", k[j]);
            cli_json_num(f, v[j]);
        }
        fprintf(f, ",\"verdict\":\"%s\",\"fails\":%s}", verdict[r->verdict], r->fails ? "true" : "false");
    }
    int failed = rep_gate_failed(rows, n);
    fprintf(f, "],\"gate\":\"%s\",\"exit\":%d}\n", failed ? "FAIL" : "PASS", failed);
}

int cmd_check(int argc, char **argv)
{
    const char *base_s = NULL, *cand_s = NULL, *alpha_s = NULL, *eff_s = NULL, *strat_s = NULL,
               *boot_s = NULL, *sum_s = NULL, *out_s = NULL, *pos[1];
    int n_pos, help, json = 0;
    cli_opt opts[] = {{"--json", NULL, NULL, &json},
                      {"--baseline", NULL, &base_s, NULL},   {"--candidate", NULL, &cand_s, NULL},
                      {"--alpha", NULL, &alpha_s, NULL},     {"--min-effect", NULL, &eff_s, NULL},
                      {"--strategy", NULL, &strat_s, NULL},  {"--bootstrap", NULL, &boot_s, NULL},
                      {"--summarize", NULL, &sum_s, NULL},   {"--output", "-o", &out_s, NULL}};
    if (cli_parse("check", argc, argv, opts, sizeof opts / sizeof opts[0], pos, 0, &n_pos, &help)) return 2;
    if (help) {
        check_help();
        return 0;
    }
    if (sum_s) {
        if (base_s || cand_s) return cli_usage_error("check", "--summarize does not take --baseline/--candidate");
        if (!out_s) return cli_usage_error("check", "--summarize needs -o SUMMARY");
        if (json) return cli_usage_error("check", "--json is for a comparison, not --summarize");
        nb_file_input inputs[] = {{"results file", sum_s}};
        if (nb_file_check_output(out_s, inputs, 1) != NB_OK) return cli_fail("check", 0);
        rep_gate_set *g;
        if (rep_gate_set_read(sum_s, &g) != NB_OK) return cli_fail("check", 0);
        int rc = rep_gate_set_write(g, out_s) != NB_OK ? cli_fail("check", 0) : 0;
        if (rc == 0) nb_log("summary of %zu series written to %s", rep_gate_set_count(g), out_s);
        rep_gate_set_free(g);
        return rc;
    }
    if (out_s) return cli_usage_error("check", "-o is only for --summarize");
    if (!base_s) return cli_usage_error("check", "missing --baseline FILE");
    if (!cand_s) return cli_usage_error("check", "missing --candidate FILE");
    rep_gate_config cfg = rep_gate_config_default();
    if (alpha_s && nb_parse_double("--alpha", alpha_s, 1e-12, 0.5, &cfg.alpha) != NB_OK)
        return cli_fail("check", 1);
    if (eff_s && nb_parse_double("--min-effect", eff_s, 0, 100, &cfg.min_effect) != NB_OK)
        return cli_fail("check", 1);
    if (boot_s) {
        long b;
        if (nb_parse_long("--bootstrap", boot_s, 100, 1000000, &b) != NB_OK) return cli_fail("check", 1);
        cfg.bootstrap = (size_t)b;
    }
    char pair[72];
    if (strat_s) {
        if (snprintf(pair, sizeof pair, "%s", strat_s) >= (int)sizeof pair)
            return cli_usage_error("check", "--strategy: '%s' is too long", strat_s);
        char *colon = strchr(pair, ':');
        if (colon) {
            *colon = '\0';
            cfg.cand_strategy = colon + 1;
        }
        if (!pair[0] || (colon && !colon[1]))
            return cli_usage_error("check", "--strategy: expected NAME or NAME:CANDIDATE_NAME, got '%s'", strat_s);
        cfg.strategy = pair;
    }

    rep_gate_set *base = NULL, *cand = NULL;
    rep_gate_row *rows = NULL;
    size_t n = 0;
    int rc;
    if (rep_gate_set_read(base_s, &base) != NB_OK || rep_gate_set_read(cand_s, &cand) != NB_OK) {
        rc = cli_fail("check", 0);
        goto done;
    }
    if (rep_gate_compare(base, cand, &cfg, &rows, &n) != NB_OK) {
        rc = cli_fail("check", 1); /* a refused comparison is a usage error: exit 2 */
        goto done;
    }
    if (json) {
        check_json(base_s, cand_s, base, rows, n, &cfg, stdout);
        rc = rep_gate_failed(rows, n) ? 1 : 0;
        goto done;
    }
    printf("baseline:  %s (nastab %s, git %s)\ncandidate: %s (nastab %s, git %s)\ntable checksum %s, protocol %s\n\n",
           base_s, rep_gate_set_attr(base, "nastab_version"), rep_gate_set_attr(base, "git_sha"), cand_s,
           rep_gate_set_attr(cand, "nastab_version"), rep_gate_set_attr(cand, "git_sha"),
           rep_gate_set_attr(base, "table_checksum"), rep_gate_set_attr(base, "protocol"));
    rep_gate_print(rows, n, &cfg, stdout);
    rc = rep_gate_failed(rows, n) ? 1 : 0;
done:
    free(rows);
    rep_gate_set_free(base);
    rep_gate_set_free(cand);
    return rc;
}
