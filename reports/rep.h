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
/* Takes ownership of the series' arrays (they must come from malloc). */
void rep_results_add(rep_results *r, rep_series *s);
size_t rep_results_count(const rep_results *r);
const rep_series *rep_results_get(const rep_results *r, size_t i); /* borrowed */
/* Metadata attribute by name ("table_checksum", "nastab_version", "git_sha",
 * "protocol", "command", "seed", "table_path", "created"), or NULL. Borrowed. */
const char *rep_results_attr(const rep_results *r, const char *name);
void rep_results_free(rep_results *r); /* accepts NULL */

/* Write atomically (temporary file + rename). NB_EIO names the path. */
nb_status rep_results_write(const rep_results *r, const char *path);
/* Read; NB_EIO / NB_EFORMAT (names the missing object) / NB_EVERSION. */
nb_status rep_results_read(const char *path, rep_results **out);

/* ---- statistics ---- */
typedef struct {
    size_t n;        /* non-NaN values */
    double mean, std;/* std: sample standard deviation (n-1) */
    double ci95;     /* half-width of the 95% t-interval of the mean */
    double median, min, max;
} rep_stats;
/* Over n floats with stride (NaN ignored). n == 0 gives NaNs. */
rep_stats rep_stats_of(const float *x, size_t n, size_t stride);
/* Two-sided Student t quantile t_{1-alpha/2, df} (df >= 1). */
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
 * then one row per series. */
nb_status rep_write_csv(const rep_results *r, FILE *f);
/* Markdown / LaTeX booktabs: final accuracy mean ± std per strategy and
 * dataset (valid and test columns per dataset), with the table's optimum row. */
nb_status rep_write_markdown(const rep_results *r, FILE *f);
nb_status rep_write_latex(const rep_results *r, FILE *f);

/* Write everything asked for into dir (created if needed): report.md,
 * report.tex, summary.csv, and per dataset anytime_<dataset>.{png,pdf,svg}
 * (incumbent test accuracy and test regret, log scale, mean with 95% band)
 * plus the gnuplot scripts and data files that made them. When gnuplot is
 * missing: writes the tables, says "gnuplot not found; hint: apt-get install
 * gnuplot-nox" and returns NB_ETOOL. */
nb_status rep_report(const rep_results *r, const char *dir, int formats);

#endif
