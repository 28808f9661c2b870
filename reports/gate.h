/* reports/gate.h - the statistical regression gate and the ranking of many
 * strategies (to be merged into reports/rep.h).
 *
 * What it does: compares a candidate's runs against a baseline's per
 * (dataset, strategy) on two per-run numbers, the final test regret and the
 * time-averaged test regret (area under the anytime regret curve divided by
 * the budget), both in percentage points: a two-sided Mann-Whitney U test
 * (ties corrected; exact for small tie-free samples), a bootstrap interval of
 * the difference in mean regret, and Holm's correction over every test of
 * one comparison. It refuses results made on different tables, protocols,
 * budgets, worker counts or grids, naming both values. It also ranks many
 * strategies: average rank over simulated time per dataset, and the Friedman
 * test with the Nemenyi critical difference across datasets (Demsar, JMLR
 * 2006), drawn through gnuplot.
 * What it does not do: run searches (strategies/); decide what a "better"
 * strategy is beyond lower regret.
 *
 * Usage:
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
#ifndef REP_GATE_H
#define REP_GATE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/nb.h"
#include "reports/rep.h"

#define REP_SUMMARY_FORMAT_NAME "nastab-gate-summary"
#define REP_SUMMARY_FORMAT_VERSION 1

/* ---- per-run regret of a series ----
 * regret(t) = optimum_test - test(t), percentage points. Before a run's first
 * result the curve is extended back flat from that first result; a run that
 * never got a result has regret = optimum_test (accuracy 0) throughout.
 * final[r]: regret at the end of the budget. auc[r]: trapezoid integral of
 * regret(t) over the series' time grid, divided by the budget (so it is the
 * time-averaged regret, same unit as final). Arrays (runs), caller-owned. */
void rep_series_regret(const rep_series *s, double *final, double *auc);

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
    double budget;         /* simulated seconds */
    int workers;
    size_t grid;
    size_t runs;
    double *final_regret;  /* (runs) percentage points */
    double *auc_regret;    /* (runs) time-averaged regret, percentage points */
} rep_gate_sample;
typedef struct rep_gate_set rep_gate_set;
/* Per-run regrets of every series of a results file, with its metadata. */
rep_gate_set *rep_gate_set_from_results(const rep_results *r);
/* Read a results file (HDF5) or a summary file (text, written by
 * rep_gate_set_write). NB_EIO names the path; NB_EFORMAT names the path and
 * line; NB_EVERSION says found and expected. *out: release with rep_gate_set_free. */
nb_status rep_gate_set_read(const char *path, rep_gate_set **out);
/* Summary file: "# nastab-gate-summary 1", "# key: value" metadata lines, a
 * CSV header dataset,strategy,budget,workers,grid,run,final_regret,auc_regret
 * and one row per run. Small enough to commit as a baseline. Written
 * atomically; NB_EIO names the path. */
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
 * skipped with a log line. Refuses (NB_EINVAL, message "refusing to compare:
 * ..." naming both values) different table checksums, protocols, budgets,
 * workers or grids, and an empty pairing. *rows: malloc'd, caller frees. */
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
} rep_friedman_result;
/* Friedman test over n blocks of k scores, lower is better: scores (n, k)
 * row-major. avg_ranks (k) out. NB_EINVAL when k < 2, k > 50 or n < 2. */
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
nb_status rep_rank_over_time(const rep_results *r, const char *dataset, size_t *n_strategies,
                             const char ***names, double **ranks, size_t *grid);
/* Write into dir: rank_<dataset>.{png,pdf,svg} (average rank vs time),
 * cd_diagram.{png,pdf,svg} (final test regret, Friedman + Nemenyi at 0.05,
 * when >= 2 datasets share >= 2 strategies), ranks.md (the numbers), and the
 * gnuplot scripts and data. NB_ETOOL when gnuplot is missing (ranks.md is
 * still written). */
nb_status rep_rank_report(const rep_results *r, const char *dir, int formats);

#endif
