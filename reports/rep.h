/* reports/rep.h - results files, statistics, and paper-ready output.
 *
 * What it does: stores the outcome of `nastab run` (every run's anytime
 * trajectory on a time grid, final incumbent, configuration and the table's
 * checksum) in an HDF5 results file (format "nastab-results", see
 * reports/RESULTS.md); summarises it (mean, std, 95% confidence intervals);
 * writes Markdown, LaTeX (booktabs) and CSV tables; and draws anytime curves
 * (mean with 95% band, regret on a log scale) through gnuplot as PDF, PNG
 * and SVG. Without gnuplot it says so and still writes the tables.
 * What it does not do: run searches (strategies/).
 *
 * Usage:
 *     rep_results *r;
 *     if (rep_results_read("results.h5", &r) != NB_OK) { puts(nb_errmsg()); return 1; }
 *     rep_write_markdown(r, stdout);
 *     rep_report(r, "report/", REP_FMT_MD | REP_FMT_TEX | REP_FMT_PNG);
 *     rep_results_free(r);
 */
#ifndef REP_H
#define REP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/nb.h"
#include "tables/tab.h"

#define REP_FORMAT_NAME "nastab-results"
#define REP_FORMAT_VERSION 1
#define REP_PROTOCOL "nb201-v1" /* protocol version: see strategies/PROTOCOL.md */

/* One (dataset, strategy) cell of a comparison. Arrays owned by the results
 * object once added. */
typedef struct {
    char dataset[32];     /* NB201 column name, "cifar10" */
    char strategy[32];    /* "rea" */
    size_t runs, grid;
    double budget;        /* simulated seconds */
    int workers;
    double *time;         /* (grid) seconds */
    float *valid;         /* (runs, grid) incumbent valid acc, NaN before the first result */
    float *test;          /* (runs, grid) incumbent test acc */
    float *final_valid;   /* (runs) */
    float *final_test;    /* (runs) */
    int32_t *final_arch;  /* (runs) table index, -1 if none */
    uint32_t *n_evals;    /* (runs) */
    float optimum_valid;  /* table's best report valid acc */
    float optimum_test;   /* table's best report test acc: regret = optimum_test - test */
} rep_series;

/* File-level metadata. Strings copied in. */
typedef struct {
    const char *table_path;     /* table the runs used */
    const char *table_checksum; /* its content checksum */
    const char *protocol;       /* REP_PROTOCOL */
    const char *command;        /* full command line that made the file */
    uint64_t seed;              /* master seed */
} rep_meta;

typedef struct rep_results rep_results;
rep_results *rep_results_create(const rep_meta *meta);
/* Takes ownership of the series' arrays (they must come from malloc) and
 * sets the caller's array pointers to NULL. Asserts (programmer error):
 * dataset/strategy non-empty, without '/', and not yet present; runs >= 1,
 * grid >= 1; all arrays non-NULL. */
void rep_results_add(rep_results *r, rep_series *s);
size_t rep_results_count(const rep_results *r);
const rep_series *rep_results_get(const rep_results *r, size_t i); /* borrowed */
/* The series of (dataset, strategy), or NULL. Borrowed. */
const rep_series *rep_results_find(const rep_results *r, const char *dataset,
                                   const char *strategy);
/* Distinct dataset names in NB201 order (cifar10-valid, cifar10, cifar100,
 * ImageNet16-120, then others first-seen) / distinct strategy names in
 * first-seen order. Fills up to cap borrowed pointers, returns the count
 * (which may exceed cap). */
size_t rep_results_datasets(const rep_results *r, const char **names, size_t cap);
size_t rep_results_strategies(const rep_results *r, const char **names, size_t cap);
/* Metadata attribute by name ("table_checksum", "nastab_version", "git_sha",
 * "protocol", "command", "seed", "table_path", "created"), or NULL. Borrowed. */
const char *rep_results_attr(const rep_results *r, const char *name);
void rep_results_free(rep_results *r); /* accepts NULL */

/* Write atomically: "<path>.tmp.<pid>", fsync, rename over path; on any
 * failure the temporary is removed and an existing file at path is left
 * as it was. NB_EIO names the path (and errno's reason). */
nb_status rep_results_write(const rep_results *r, const char *path);
/* Read and validate. NB_EIO: cannot open (names the path). NB_EFORMAT: not
 * HDF5 (garbage, empty, truncated), not a results file, or an object
 * missing / of the wrong type or shape (names it: "/series/cifar10/rea/test").
 * NB_EVERSION: says found, expected and a hint. *out owned by the caller
 * (rep_results_free); NULL on failure. */
nb_status rep_results_read(const char *path, rep_results **out);

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
    REP_FMT_SVG = 1 << 5
};
/* Parse "csv", "md", "tex", "png", "pdf", "svg" or a comma list; NB_EINVAL
 * names the bad word. */
nb_status rep_parse_formats(const char *s, int *mask);

/* CSV: header "dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std"
 * then one row per series (datasets in NB201 order, strategies first-seen),
 * accuracies as %.4f over the final incumbents (NaN ignored), "nan" when
 * undefined. Table writers fail only with NB_EIO (stream error). */
nb_status rep_write_csv(const rep_results *r, FILE *f);
/* Markdown / LaTeX booktabs: final accuracy mean ± std per strategy and
 * dataset (valid and test columns per dataset), with the table's optimum row. */
nb_status rep_write_markdown(const rep_results *r, FILE *f);
nb_status rep_write_latex(const rep_results *r, FILE *f);

/* Write everything asked for into dir (created if needed): report.md,
 * report.tex, summary.csv, and per dataset anytime_<dataset>.{png,pdf,svg}
 * (incumbent test accuracy and test regret, log scale, mean with 95% band;
 * a curve starts once every run has a result) and final_<dataset>.{...}
 * (box plot of final test accuracy), plus the gnuplot scripts (.gp) and data
 * (.dat) that made them, so they can be restyled and rerun in dir.
 * Fails with NB_EIO (dir cannot be created or written: names it) or
 * NB_ETOOL: gnuplot missing ("gnuplot not found on PATH; figures skipped
 * ...; hint: apt-get install gnuplot-nox"; tables, scripts and data are
 * still written), gnuplot failing (names the script, quotes its error) or
 * lacking a terminal (names the missing figure). */
nb_status rep_report(const rep_results *r, const char *dir, int formats);


/* ======================================================================
 * The regression gate and strategy ranking
 * ====================================================================== */
/* reports/rep.h - the statistical regression gate and the ranking of many
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

/* ======================================================================
 * Multi-objective results: Pareto fronts, hypervolume, cross-device report
 * ====================================================================== */
/* reports/rep.h - Pareto fronts, the 2-D hypervolume, multi-objective
 * results files and their report, and the cross-device report (temporary
 * header: the lead merges it into reports/rep.h).
 *
 * What it does: Pareto filtering and the exact 2-D hypervolume (sort and
 * sweep, O(n log n)); the hypervolume of a search run over simulated time;
 * the multi-objective results file (format "nastab-mo-results", layout in
 * reports/MO_RESULTS.md) and its report (Markdown table, gnuplot figures of
 * the found fronts over the true front and of the hypervolume regret);
 * Kendall's tau-b (Knight's O(n log n) algorithm) and the cross-device report
 * (tau between every pair of hardware columns as a heatmap and a Markdown
 * table, best accuracy under a latency budget per column).
 * What it does not do: run searches (strategies/strat.h).
 *
 * Objectives, normalised and minimised (reports/MO_RESULTS.md):
 *     f1 = 1 - accuracy / 100,   f2 = latency / lat_ref,
 *     lat_ref = 1.1 * the largest latency of the column over the table,
 * reference point (1, 1), i.e. (0 % accuracy, 1.1 x the slowest cell), so
 * every measured cell adds a positive area and the hypervolume is in [0, 1).
 *
 * Usage:
 *     size_t keep[N];
 *     size_t k = rep_pareto_filter(f1, f2, n, keep);        // non-dominated, by f1
 *     double hv = rep_hv2d(f1, f2, n, 1.0, 1.0);
 *     rep_mo_results *r = rep_mo_create(&meta);
 *     rep_mo_add(r, &series);                                // takes the arrays
 *     rep_mo_write(r, "mo.h5"); rep_mo_report(r, "report/", REP_FMT_MD | REP_FMT_PNG);
 *     rep_mo_free(r);
 */


#define REP_MO_FORMAT_NAME "nastab-mo-results"
#define REP_MO_FORMAT_VERSION 1
#define REP_MO_PROTOCOL "nb201-mo-v1"

/* ---- fronts and hypervolume (both objectives minimised) ---- */

/* Indices of the non-dominated points among (f1[i], f2[i]), i < n, written to
 * keep[] (room for n) in increasing f1 (so decreasing f2); returns their
 * count. Of several identical points only the lowest index is kept. Points
 * with a NaN coordinate are skipped. */
size_t rep_pareto_filter(const double *f1, const double *f2, size_t n, size_t *keep);
/* Exact area dominated by the points and bounded by the reference point
 * (r1, r2): sort by f1, sweep keeping the lowest f2 so far, add rectangles.
 * Points not strictly better than the reference in both objectives, and NaN
 * points, add nothing. 0 for n = 0. */
double rep_hv2d(const double *f1, const double *f2, size_t n, double r1, double r2);
/* The normalised objectives of (accuracy %, latency) for lat_ref. */
void rep_mo_normalise(float acc, float latency, float lat_ref, double *f1, double *f2);

/* True front of a table column: the non-dominated cells of (max acc, min
 * latency) among the n cells whose acc and latency are both finite.
 * *front (owned by the caller, free()) receives their indices in increasing
 * latency; returns the count; *hv its normalised hypervolume. */
size_t rep_mo_true_front(const float *acc, const float *latency, size_t n, float lat_ref,
                         int32_t **front, double *hv);

/* ---- multi-objective results ---- */

/* One (dataset, hardware column, strategy). Arrays owned by the results
 * object once added (they must come from malloc). */
typedef struct {
    char dataset[32];     /* NB201 column, "cifar10" */
    char device[96];      /* hardware column name, "hwnas_edgegpu_latency_cifar10" */
    char strategy[32];    /* "nsga2" */
    size_t runs, grid;
    size_t cap;           /* evaluations recorded per run at most (row length) */
    double budget;        /* simulated seconds per run */
    float latency_max;    /* constraint L, unit of the column */
    float lat_ref;        /* normaliser: 1.1 * largest latency of the column */
    double *time;         /* (grid) seconds */
    uint32_t *n_evals;    /* (runs) */
    int32_t *eval_arch;   /* (runs, cap) table index in order of finish, -1 padding */
    double *eval_finish;  /* (runs, cap) finish time, s, NaN padding */
    float *eval_score;    /* (runs, cap) search score: valid acc @12 epochs, % */
    float *eval_test;     /* (runs, cap) report test acc @200 epochs, % */
    float *eval_latency;  /* (runs, cap) latency, NaN missing or padding */
    float *inc_test;      /* (runs, grid) constrained incumbent's test acc, NaN before one */
    float *final_test;    /* (runs) constrained incumbent at the end, NaN if none */
    int32_t *final_arch;  /* (runs) -1 if none */
    double *hv;           /* (runs, grid) run's hypervolume; NULL: rep_mo_add computes it */
    size_t n_front;       /* the table's true front (report test acc vs latency) */
    int32_t *front_arch;  /* (n_front) table indices, increasing latency */
    float *front_test;    /* (n_front) */
    float *front_latency; /* (n_front) */
    double hv_true;       /* hypervolume of the true front */
    float optimum_feasible; /* best report test acc with latency <= L over the table */
} rep_mo_series;

/* Hypervolume of run `run` of s at each grid time (hv[grid]): the run's front
 * at time t is the non-dominated set, under the *search* objectives (score,
 * latency), of its evaluations finished by t (NaN latency excluded); its
 * hypervolume is measured on the *report* objectives (test acc, latency),
 * as single-objective runs select by validation and report test. */
void rep_mo_hv_trajectory(const rep_mo_series *s, size_t run, double *hv);

typedef struct rep_mo_results rep_mo_results;
rep_mo_results *rep_mo_create(const rep_meta *meta);
/* Takes ownership of the arrays and NULLs the caller's pointers; fills hv
 * when NULL. Asserts (programmer error): names non-empty, fitting and
 * without '/'; runs, grid >= 1; arrays non-NULL (front arrays when n_front). */
void rep_mo_add(rep_mo_results *r, rep_mo_series *s);
size_t rep_mo_count(const rep_mo_results *r);
const rep_mo_series *rep_mo_get(const rep_mo_results *r, size_t i); /* borrowed */
/* Root attribute ("command", "table_checksum", "created", ...) or NULL. */
const char *rep_mo_attr(const rep_mo_results *r, const char *name);
void rep_mo_free(rep_mo_results *r); /* accepts NULL */
/* Atomic write (temporary + fsync + rename); NB_EIO names the path. */
nb_status rep_mo_write(const rep_mo_results *r, const char *path);
/* NB_EIO / NB_EFORMAT (names the object) / NB_EVERSION. */
nb_status rep_mo_read(const char *path, rep_mo_results **out);

/* Final hypervolume statistics of a series over runs (grid's last point). */
rep_stats rep_mo_final_hv(const rep_mo_series *s);

/* Into dir (created): mo_report.md (per dataset and column: strategy, runs,
 * evaluations, final hypervolume mean and 95% CI, regret to the true front,
 * best feasible test accuracy), and per (dataset, column) front_<d>_<c> and
 * hv_<d>_<c> figures (.gp/.dat and the formats asked) when gnuplot exists
 * (NB_ETOOL after writing the Markdown when it does not). */
nb_status rep_mo_report(const rep_mo_results *r, const char *dir, int formats);

/* ---- cross-device report (reports/devices.c) ---- */

/* Kendall's tau-b of (x[i], y[i]), pairs with a NaN skipped; Knight (1966):
 * sort by (x, y), count ties, count discordant pairs as merge-sort swaps on
 * y; O(n log n). NaN when fewer than 2 pairs or one side is constant. */
double rep_kendall_tau_b(const double *x, const double *y, size_t n);

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
