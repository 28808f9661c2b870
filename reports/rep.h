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

#endif
