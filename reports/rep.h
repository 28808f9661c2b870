/* reports/rep.h - statistics and paper-ready output from results files.
 *
 * What it does: summarises the series of a results file (results/res.h:
 * mean, std, 95% confidence intervals); writes Markdown, LaTeX (booktabs)
 * and CSV tables and draws anytime curves (mean with 95% band, regret on a
 * log scale) through gnuplot as PDF, PNG and SVG (without gnuplot it says
 * so and still writes the tables); the statistical regression gate between
 * two results (Mann-Whitney U, bootstrap, Holm) and the ranking of many
 * strategies (average rank over time, Friedman + Nemenyi); the
 * multi-objective report (fronts, hypervolume regret); the cross-device
 * report (Kendall tau-b between hardware columns).
 * What it does not do: run searches (strategies/), own the results types or
 * their files (results/), Pareto maths (results/).
 *
 * Usage:
 *     res_results *r;
 *     if (res_results_read("results.h5", &r) != NB_OK) { puts(nb_errmsg()); return 1; }
 *     rep_write_markdown(r, stdout);
 *     rep_report(r, "report/", REP_FMT_MD | REP_FMT_TEX | REP_FMT_PNG);
 *     res_results_free(r);
 *
 * Failures: nb_status with one message naming the file or field; table and
 * figure writers fail with NB_EIO (stream or folder) or NB_ETOOL (gnuplot).
 * Ownership: results objects are borrowed; arrays returned through pointers
 * are malloc'd and freed by the caller, as each function says.
 */
#ifndef REP_H
#define REP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/nb.h"
#include "results/res.h"
#include "tables/tab.h"

/* ---- statistics ---- */
typedef struct {
    size_t n;        /* non-NaN values */
    double mean, std;/* std: sample standard deviation (n-1) */
    double ci95;     /* half-width of the 95% t-interval of the mean */
    double median, min, max;
} rep_stats;
/* Over n floats with stride (NaN ignored). No values gives n = 0 and NaNs;
 * one value gives std = ci95 = NaN (undefined) and mean = median = min = max. */
rep_stats rep_stats_of(const float *x, size_t n, size_t stride);
/* Two-sided Student t quantile t_{1-alpha/2, df}: P(|T| > t) = alpha.
 * df > 0, need not be an integer; df = INFINITY gives the normal quantile.
 * NaN for alpha outside (0, 1) or df <= 0. Accurate to ~1e-10. */
double rep_t_quantile(double alpha, double df);

/* ---- outputs ---- */
enum {
    REP_FMT_CSV = 1 << 0,
    REP_FMT_MD = 1 << 1,
    REP_FMT_TEX = 1 << 2,
    REP_FMT_PNG = 1 << 3,
    REP_FMT_PDF = 1 << 4,
    REP_FMT_SVG = 1 << 5,
    /* Figure width (at most one; default: text width 5.5 in, NeurIPS/ICLR):
     * 3.25 in (one column of a two-column paper) or 6.75 in (its full
     * width). Text is 8 pt at that size. */
    REP_FIG_COLUMN = 1 << 8,
    REP_FIG_FULL = 1 << 9
};
/* Parse "csv", "md", "tex", "png", "pdf", "svg" or a comma list; NB_EINVAL
 * names the bad word. */
nb_status rep_parse_formats(const char *s, int *mask);

/* CSV: header "dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std"
 * then one row per series (datasets in NB201 order, strategies first-seen),
 * accuracies as %.4f over the final incumbents (NaN ignored), "nan" when
 * undefined. Table writers fail only with NB_EIO (stream error). */
nb_status rep_write_csv(const res_results *r, FILE *f);
/* Markdown / LaTeX booktabs: final accuracy mean ± std per strategy and
 * dataset (valid and test columns per dataset), with the table's optimum row. */
nb_status rep_write_markdown(const res_results *r, FILE *f);
nb_status rep_write_latex(const res_results *r, FILE *f);

/* Write everything asked for into dir (created if needed): summary.csv,
 * the figures and rep_rank_report's output, then the documents naming every
 * figure drawn: report.md, report.html (self-contained page, sortable table),
 * report_body.tex (fragment for \input: tables and figures with captions)
 * and report.tex (complete article around it; pdflatex compiles it). The
 * figures share one style (Okabe-Ito, a colour and dash per strategy name,
 * no titles, 8 pt text at the REP_FIG_* width). Per dataset anytime_<dataset>.{png,pdf,svg}
 * (incumbent test accuracy and test regret, log scale, mean with 95% band;
 * a curve starts once every run has a result) and final_<dataset>.{...}
 * (box plot of final test accuracy), plus the gnuplot scripts (.gp) and data
 * (.dat) that made them, so they can be restyled and rerun in dir.
 * Fails with NB_EIO (dir cannot be created or written: names it) or
 * NB_ETOOL: gnuplot missing ("gnuplot not found on PATH; figures skipped
 * ...; hint: apt-get install gnuplot-nox"; tables, scripts and data are
 * still written), gnuplot failing (names the script, quotes its error) or
 * lacking a terminal (names the missing figure). */
nb_status rep_report(const res_results *r, const char *dir, int formats);
/* Every file the reports write (rep_report, rep_mo_report,
 * rep_devices_report, rep_rank_report) appears complete under its final
 * name or not at all: a failure or a kill leaves the old file or none, and
 * the next report removes temporaries of dead processes. Files the report
 * reads, given here (borrowed until the next call; NULL, 0 clears), are
 * never written: a report that would write one fails with NB_EINVAL
 * "refusing to write DIR/NAME: it is the input results file R (same file)".
 *
 *     nb_file_input in[] = {{"results file", path}};
 *     rep_protect_inputs(in, 1);
 *     st = rep_report(r, dir, mask);
 *     rep_protect_inputs(NULL, 0);
 */
void rep_protect_inputs(const nb_file_input *in, size_t n);


/* ---- the regression gate (gate.c) ----
 * Compares a candidate's runs against a baseline's per (dataset, strategy)
 * on two per-run numbers, the final test regret and the time-averaged test
 * regret (area under the anytime regret curve divided by the budget), both
 * in percentage points: a two-sided Mann-Whitney U test (ties corrected;
 * exact for small tie-free samples), a bootstrap interval of the difference
 * in mean regret, and Holm's correction over every test of one comparison.
 * It refuses results made on different tables, protocols, budgets, worker
 * counts or grids, naming both values. It does not decide what a "better"
 * strategy is beyond lower regret.
 *     rep_gate_set *base, *cand;
 *     if (rep_gate_set_read("baseline.csv", &base) != NB_OK) ...   // summary or results file
 *     if (rep_gate_set_read("candidate.h5", &cand) != NB_OK) ...
 *     rep_gate_config cfg = rep_gate_config_default();
 *     rep_gate_row *rows; size_t n;
 *     if (rep_gate_compare(base, cand, &cfg, &rows, &n) != NB_OK) puts(nb_errmsg()); // refused
 *     rep_gate_print(rows, n, &cfg, stdout);
 *     int worse = rep_gate_failed(rows, n);                      // exit 1 when set
 *     free(rows); rep_gate_set_free(base); rep_gate_set_free(cand);
 */
#define REP_SUMMARY_FORMAT_NAME "nastab-gate-summary"
#define REP_SUMMARY_FORMAT_VERSION 1

/* ---- per-run regret of a series ----
 * regret(t) = optimum_test - test(t), percentage points. Before a run's first
 * result the curve is extended back flat from that first result; a run that
 * never got a result has regret = optimum_test (accuracy 0) throughout.
 * final[r]: regret at the end of the budget. auc[r]: trapezoid integral of
 * regret(t) over the series' time grid, divided by the budget (so it is the
 * time-averaged regret, same unit as final). Arrays (runs), caller-owned. */
void rep_series_regret(const res_series *s, double *final, double *auc);

/* ---- statistics ---- */
typedef struct {
    double u;   /* U of x: #{x_i > y_j} + 0.5 #{x_i == y_j} */
    double z;   /* normal score (tie- and continuity-corrected); 0 when exact */
    double p;   /* two-sided p-value */
    int exact;  /* 1: p from the exact null distribution (no ties, nx*ny <= 2500) */
} rep_mwu;
/* Two-sided Mann-Whitney U test of x against y (NaN values are not allowed:
 * NB_EINVAL). nx, ny >= 1. Exact p by counting when there are no ties and
 * the samples are small, else the normal approximation with the tie
 * correction of the variance and a 0.5 continuity correction (as
 * scipy.stats.mannwhitneyu, method="auto"/"asymptotic"). */
nb_status rep_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, rep_mwu *out);
/* Holm's step-down adjusted p-values (Holm 1979): adj[i] for p[i], m tests;
 * reject test i at family-wise level alpha when adj[i] < alpha. */
void rep_holm(const double *p, size_t m, double *adj);
/* Percentile bootstrap interval at `level` (e.g. 0.95) of mean(x) - mean(y),
 * resampling x and y independently B times from RNG stream (seed, stream,
 * NB_PURPOSE_TEST): the same inputs always give the same interval. */
void rep_bootstrap_mean_diff(const double *x, size_t nx, const double *y, size_t ny, double level,
                             size_t B, uint64_t seed, uint64_t stream, double *lo, double *hi);
/* Standard normal upper tail, chi-square and F survival functions. */
double rep_normal_sf(double z);
double rep_chi2_sf(double x, double df);
double rep_f_sf(double f, double d1, double d2);

/* ---- the samples the gate compares ---- */
typedef struct {
    char dataset[32];      /* "cifar10" */
    char strategy[32];     /* "rea" */
    double budget;         /* in budget_unit */
    char budget_unit[24];  /* RES_UNIT_SIMULATED (nastab run), RES_UNIT_EPOCHS (nastab search);
                            * "" = simulated seconds */
    int workers;
    size_t grid;
    size_t runs;
    double *final_regret;  /* (runs) percentage points */
    double *auc_regret;    /* (runs) time-averaged regret, percentage points */
} rep_gate_sample;
typedef struct rep_gate_set rep_gate_set;
/* Per-run regrets of every series of a results file, with its metadata. */
rep_gate_set *rep_gate_set_from_results(const res_results *r);
/* Read a results file (HDF5) or a summary file (text, written by
 * rep_gate_set_write). NB_EIO names the path; NB_EFORMAT names the path and
 * line; NB_EVERSION says found and expected. *out: release with rep_gate_set_free. */
nb_status rep_gate_set_read(const char *path, rep_gate_set **out);
/* Summary file: "# nastab-gate-summary 1", "# key: value" metadata lines, a
 * CSV header dataset,strategy,budget,workers,grid,run,final_regret,auc_regret
 * and one row per run. Small enough to commit as a baseline. The budget's
 * unit is the line "# budget_unit: epochs" for `nastab search` results;
 * without that line (every summary of `nastab run`, and those of before
 * units were recorded) budgets are simulated seconds. Written atomically;
 * NB_EIO names the path, NB_EINVAL a set of two units. */
nb_status rep_gate_set_write(const rep_gate_set *s, const char *path);
size_t rep_gate_set_count(const rep_gate_set *s);
const rep_gate_sample *rep_gate_set_get(const rep_gate_set *s, size_t i); /* borrowed */
/* Metadata ("table_checksum", "protocol", "nastab_version", "git_sha",
 * "command", "table_path", "seed"), or NULL. Borrowed. */
const char *rep_gate_set_attr(const rep_gate_set *s, const char *name);
void rep_gate_set_free(rep_gate_set *s); /* accepts NULL */

/* ---- the gate ---- */
typedef struct {
    double alpha;          /* family-wise error rate over all tests of one comparison, 0.05 */
    double min_effect;     /* percentage points of mean regret that a failing "worse" must
                            * exceed with its whole interval, 0 */
    size_t bootstrap;      /* bootstrap resamples, 2000 */
    uint64_t seed;         /* bootstrap seed, 0: verdicts are reproducible */
    const char *strategy;  /* only compare this strategy (NULL: all paired ones) */
    const char *cand_strategy; /* with strategy: pair the baseline's `strategy` with
                                * this candidate strategy instead ("rea" vs "rea-weak") */
} rep_gate_config;
rep_gate_config rep_gate_config_default(void);

typedef enum { REP_GATE_FINAL = 0, REP_GATE_AUC = 1 } rep_gate_metric;
typedef enum { REP_GATE_SAME = 0, REP_GATE_BETTER = 1, REP_GATE_WORSE = 2 } rep_gate_verdict;
typedef struct {
    char dataset[32];
    char base_strategy[32], cand_strategy[32];
    rep_gate_metric metric;
    size_t n_base, n_cand;
    double mean_base, mean_cand; /* mean regret, pp */
    double diff, lo, hi;   /* mean_cand - mean_base (> 0: candidate worse) and its
                            * (1 - alpha) bootstrap interval, not multiplicity-adjusted */
    double a12;            /* P(candidate regret < baseline regret) + 0.5 P(tie): 0.5 = no effect */
    double p, p_holm;      /* Mann-Whitney two-sided p, Holm-adjusted over all rows */
    rep_gate_verdict verdict; /* significant (p_holm < alpha) in the direction of the ranks */
    int fails;             /* WORSE and lo > min_effect (the whole interval beyond E): the gate fails */
} rep_gate_row;
/* Pair the series: by (dataset, strategy) name; when no strategy name is in
 * both and each side has one strategy, those two are paired (a renamed or
 * plugin strategy against its baseline). Datasets in only one file are
 * skipped with a log line. Refuses (NB_EINVAL, message "refusing to compare
 * ..." naming both values) budgets in different units (simulated seconds vs
 * epochs: checked first, naming both units), different table checksums,
 * protocols, budgets, workers or grids, and an empty pairing. *rows: malloc'd, caller frees. */
nb_status rep_gate_compare(const rep_gate_set *base, const rep_gate_set *cand,
                           const rep_gate_config *cfg, rep_gate_row **rows, size_t *n_rows);
/* 1 when any row fails. */
int rep_gate_failed(const rep_gate_row *rows, size_t n);
/* The verdict table (one row per dataset, strategy and metric) and a last
 * line "gate: PASS" or "gate: FAIL (...)". */
void rep_gate_print(const rep_gate_row *rows, size_t n, const rep_gate_config *cfg, FILE *f);

/* ---- ranking many strategies (reports/rank.c) ---- */
/* Mid-ranks (ties averaged), 1 = smallest value; n values, ranks (n). */
void rep_rank_avg(const double *x, size_t n, double *ranks);
typedef struct {
    size_t k, n;        /* strategies, blocks (datasets) */
    double chi2, chi2_p;/* Friedman statistic and its chi-square(k-1) p-value */
    double ff, ff_p;    /* Iman-Davenport F and its F(k-1, (k-1)(n-1)) p-value */
    double q;           /* Nemenyi q_alpha: studentized range quantile / sqrt(2) */
    double cd;          /* critical difference q * sqrt(k (k+1) / (6 n)) */
    int identical;      /* 1: every block ranks the strategies the same way (chi2 = n (k-1)):
                         * F_F divides by zero and is not defined; ff and ff_p are NaN */
} rep_friedman_result;
/* The datasets of a results file that are independent blocks for the
 * Friedman test. NB201's cifar10-valid and cifar10 columns come from the same
 * searches (the same cells, chosen on the same validation split; only the
 * test accuracy they report differs), so counting both would double a block:
 * when both are present cifar10-valid is left out and cifar10 kept. Writes
 * the kept names (borrowed from ds) to out in order; returns their count. */
size_t rep_independent_datasets(const char **ds, size_t n, const char **out);
/* Friedman test over n blocks of k scores, lower is better: scores (n, k)
 * row-major. avg_ranks (k) out. NB_EINVAL when k < 2, k > 50 or n < 2.
 * Iman-Davenport F_F = (n-1) chi2 / (n (k-1) - chi2) (Demsar 2006, eq. 2);
 * when every block ranks alike the denominator is 0: out->identical = 1 and
 * F_F is NaN ("not defined: rankings identical"), never inf with p = 0. */
nb_status rep_friedman(const double *scores, size_t n, size_t k, double alpha, double *avg_ranks,
                       rep_friedman_result *out);
/* P(range of k iid standard normals <= q), and its alpha quantile divided
 * by sqrt(2) (the Nemenyi q of Demsar 2006, table 5a: k=4, alpha=0.05 gives
 * 2.569). k >= 2. */
double rep_range_cdf(double q, size_t k);
double rep_nemenyi_q(size_t k, double alpha);
/* Average rank over simulated time: per dataset of r with >= 2 strategies
 * (same budget and grid), the rank of each strategy's test regret among the
 * strategies at each grid point, pairing run i of every strategy, averaged
 * over runs. ranks (n_strategies, grid) row-major, malloc'd, caller frees;
 * names borrowed from r. NB_ENOTFOUND when the dataset has < 2 strategies. */
nb_status rep_rank_over_time(const res_results *r, const char *dataset, size_t *n_strategies,
                             const char ***names, double **ranks, size_t *grid);
/* Write into dir: rank_<dataset>.{png,pdf,svg} (average rank vs time),
 * cd_diagram.{png,pdf,svg} (final test regret, Friedman + Nemenyi at 0.05,
 * when >= 2 datasets share >= 2 strategies), ranks.md (the numbers), and the
 * gnuplot scripts and data. NB_ETOOL when gnuplot is missing (ranks.md is
 * still written). */
nb_status rep_rank_report(const res_results *r, const char *dir, int formats);

/* ---- the multi-objective report (pareto.c) ----
 * Objectives and the hypervolume are defined in results/MO_RESULTS.md and
 * computed by results/res.h (res_hv2d, res_hv_trajectory). */

/* Final hypervolume statistics of a series over runs (grid's last point). */
rep_stats rep_mo_final_hv(const res_series *s);

/* Into dir (created): mo_report.md (per dataset and column: strategy, runs,
 * evaluations, final hypervolume mean and 95% CI, regret to the true front,
 * best feasible test accuracy), and per (dataset, column) front_<d>_<c> and
 * hv_<d>_<c> figures (.gp/.dat and the formats asked) when gnuplot exists
 * (NB_ETOOL after writing the Markdown when it does not). */
nb_status rep_mo_report(const res_mo_results *r, const char *dir, int formats);

/* ---- the weight-sharing report (reports/ws.c) ----
 * Series counted in search epochs (`nastab search`; res_budget_unit
 * RES_UNIT_EPOCHS) with their /ws groups (res_ws_read of the same file).
 * Into dir: ws.md (per dataset and method: final table accuracy of the
 * derived cell, the supernet's accuracy, wall and CPU seconds, the share of
 * parameter-free ops, Kendall tau and Spearman rho with --rank-sample) and,
 * with figure formats, per dataset ws_acc_<d> (the derived cell's table test
 * accuracy over epochs and over wall seconds; simulated-time series are never
 * drawn on these axes), ws_probs_<d>_<method> (op probabilities of each edge
 * over epochs: a collapse to parameter-free ops shows) and ws_rank_<d> (tau
 * and rho over epochs, when recorded), each with its .gp and .dat. Run it
 * before rep_report into the same dir so the documents name its figures.
 * Nothing to do (NB_OK) for a file without such series. Fails with NB_EIO
 * (dir), NB_EFORMAT (a /ws group damaged or of another shape than its
 * series, named) or NB_ETOOL (gnuplot missing or failing; ws.md and the
 * scripts are still written). */
nb_status rep_ws_report(const res_results *r, const char *path, const char *dir, int formats);
/* 1 when r has a series counted in epochs. */
int rep_ws_has_series(const res_results *r);

/* ---- cross-device report (reports/devices.c) ---- */

/* Kendall's tau-b of (x[i], y[i]), pairs with a NaN skipped; Knight (1966):
 * sort by (x, y), count ties, count discordant pairs as merge-sort swaps on
 * y; O(n log n). NaN when fewer than 2 pairs or one side is constant. */
double rep_kendall_tau_b(const double *x, const double *y, size_t n);
/* Spearman's rho of (x[i], y[i]): the Pearson correlation of their
 * mid-ranks (rep_rank_avg; reports/rank.c). NaN when n < 2 or one side is
 * constant. */
double rep_spearman(const double *x, const double *y, size_t n);

typedef struct {
    const char *dataset;  /* accuracy column for HELP columns (no dataset), e.g. "cifar10" */
    const char *metric;   /* hardware metric to include: "latency" (default), "energy", "all" */
    int formats;          /* REP_FMT_* for the heatmap (MD always written) */
} rep_devices_config;
/* Into dir: devices.md (tau-b matrix as a Markdown table with column keys,
 * number of common cells per pair, and per column the best-test-accuracy
 * cell among those with latency <= the column's median, chosen by 200-epoch
 * validation accuracy), tau.dat/devices_tau.gp and the heatmap
 * devices_tau.{png,pdf,svg} when gnuplot exists (else NB_ETOOL after the
 * Markdown). Fails with NB_ENOTFOUND when no column matches the metric. */
nb_status rep_devices_report(tab_table *t, const rep_devices_config *cfg, const char *dir);

#endif
