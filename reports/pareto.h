/* reports/pareto.h - Pareto fronts, the 2-D hypervolume, multi-objective
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
 * What it does not do: run searches (strategies/mo.h).
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
#ifndef REP_PARETO_H
#define REP_PARETO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/nb.h"
#include "reports/rep.h"
#include "tables/tab.h"

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
