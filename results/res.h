/* results/res.h - the outcome of a search comparison: the series type both
 * kinds of run fill, the two HDF5 results files, and the Pareto maths.
 *
 * What it does: defines res_series, the record of one (dataset, strategy)
 * comparison cell (one (dataset, hardware column, strategy) cell for a
 * multi-objective run): every run's incumbent trajectory on a time grid and
 * its final incumbent, and, for a multi-objective run, every evaluation, the
 * hypervolume over time and the table's true front. The search loop
 * (strategies/strat.h, strat_run) fills a res_series directly; a results
 * object takes it over whole (no field is copied between layers); reports/
 * reads it back. Two file formats, both atomic (temporary + fsync +
 * rename) and validated on read: "nastab-results" for single-objective
 * series (results/RESULTS.md) and "nastab-mo-results" for multi-objective
 * ones (results/MO_RESULTS.md). Pareto maths (non-dominated filter and
 * sort, crowding distance, exact 2-D hypervolume, a run's hypervolume over
 * time, a table's true front and feasible optimum) live here, below both the
 * strategies that search with them and the reports that draw them.
 * What it does not do: run searches (strategies/), statistics or figures
 * (reports/).
 *
 * One struct for both kinds: a single-objective series (n_objectives = 1)
 * leaves the multi-objective fields zero / NULL; a multi-objective one
 * (n_objectives = 2) leaves valid and final_valid NULL (its file does not
 * hold them). Every field a series has is written and read back.
 *
 * Usage:
 *     res_results *r = res_results_create(&meta);
 *     res_series s;
 *     if (strat_run(&cfg, &s) != NB_OK) ...   // strategies/strat.h fills s
 *     res_results_add(r, &s);                  // takes s over, zeroes it
 *     if (res_results_write(r, "results.h5") != NB_OK) puts(nb_errmsg());
 *     res_results_free(r);
 *     if (res_results_read("results.h5", &r) != NB_OK) puts(nb_errmsg());
 *     const res_series *x = res_results_find(r, "cifar10", "rea");
 * (res_mo_* is the same for multi-objective series.)
 */
#ifndef RES_H
#define RES_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"

#define RES_FORMAT_NAME "nastab-results"
#define RES_FORMAT_VERSION 2 /* 2: fixed-length strings, 1.10 metadata; 1 still read */
#define RES_PROTOCOL "nb201-v1" /* protocol version: see strategies/PROTOCOL.md */
/* The protocol of a run restricted to the cells with a per-epoch curve
 * (`nastab run --restrict-to-curves`): comparison tools, which refuse files
 * of different protocols, never compare it with an unrestricted run. */
#define RES_PROTOCOL_CURVE_CELLS "nb201-v1-curve-cells"
#define RES_MO_FORMAT_NAME "nastab-mo-results"
#define RES_MO_FORMAT_VERSION 2 /* as RES_FORMAT_VERSION; 1 still read */
#define RES_MO_PROTOCOL "nb201-mo-v1"
/* The same protocols on a table of the NATS-Bench size space (strategies:
 * strat_protocol.protocol "nats-sss"; strategies/PROTOCOL.md "The NATS-Bench
 * size space"): a results file says which space its runs searched, and
 * comparison tools refuse files of different protocols. */
#define RES_PROTOCOL_SSS "nats-sss-v1"
#define RES_PROTOCOL_SSS_CURVE_CELLS "nats-sss-v1-curve-cells"
#define RES_MO_PROTOCOL_SSS "nats-sss-mo-v1"
#define RES_MO_PROTOCOL_CURVE_CELLS "nb201-mo-v1-curve-cells"
#define RES_MO_PROTOCOL_SSS_CURVE_CELLS "nats-sss-mo-v1-curve-cells"
/* The protocol label a results file records (results/protocol.c): space is
 * the search protocol's name (strat_protocol.protocol: "nb201" or
 * "nats-sss"), mo = 1 for a multi-objective file, restricted = 1 for a run
 * restricted to the cells with a per-epoch curve. An unknown space gives
 * NULL (static strings; never free). E.g. ("nats-sss", 0, 0) ->
 * "nats-sss-v1". */
const char *res_protocol_label(const char *space, int mo, int restricted);
/* 1 when a label names a run restricted to the cells with a curve
 * ("...-curve-cells"), else 0. */
int res_protocol_restricted(const char *label);
/* The space part of a label: "nats-sss" for "nats-sss-v1..." or
 * "nats-sss-mo-v1...", "nb201" for "nb201-...", "" for anything else
 * (static; never free). */
const char *res_protocol_space(const char *label);

/* One comparison cell. Arrays come from malloc; owned by whoever holds the
 * struct (the results object once added). Shapes use R = runs, G = grid,
 * C = cap, F = n_front. */
typedef struct {
    char dataset[32];     /* NB201 column name, "cifar10" */
    char strategy[32];    /* "rea" */
    char device[96];      /* multi-objective: hardware column, "hwnas_edgegpu_latency_cifar10"; else "" */
    int n_objectives;     /* 1: single-objective series; 2: multi-objective (accuracy, latency) */
    size_t runs, grid;    /* R >= 1, G >= 1 */
    double budget;        /* per run, in budget_unit: simulated seconds (nastab run), epochs (nastab search) */
    int workers;          /* simulated workers of the clock */
    float optimum_valid;  /* table's best report valid acc, % */
    float optimum_test;   /* table's best report test acc, %: regret = optimum_test - test */
    size_t restricted_cells; /* 0: the protocol covered the whole table; else the run was
                              * restricted to these many cells (those with a per-epoch curve,
                              * strat_run_config.restrict_to_curves), optimum_* are theirs */
    char external[512];   /* "" for a built-in or plugin strategy; else the command of the
                           * external strategy (strat_exec_run), "python3 rea.py" */
    int external_protocol; /* its EXEC_PROTOCOL.md version, 1; 0 when external is "" */
    double *time;         /* (G) seconds, time[g] = budget * g / (G - 1) */
    float *valid;         /* (R, G) incumbent's report valid acc, NaN before the first result; NULL when MO */
    float *test;          /* (R, G) incumbent's report test acc (MO: the constrained incumbent, "inc_test") */
    float *final_valid;   /* (R) incumbent at the end of the budget, NaN if none; NULL when MO */
    float *final_test;    /* (R) */
    int32_t *final_arch;  /* (R) table index, -1 if none */
    uint32_t *n_evals;    /* (R) evaluations finished within the budget */
    /* ---- multi-objective only (n_objectives = 2; zero / NULL otherwise) ---- */
    size_t cap;           /* C: evaluations a run can record at most */
    float latency_max;    /* constraint L, unit of the column (ms) */
    float lat_ref;        /* normaliser: 1.1 * largest latency of the column */
    int32_t *eval_arch;   /* (R, C) table index in order of finish, -1 padding */
    double *eval_finish;  /* (R, C) finish time, s, NaN padding */
    float *eval_score;    /* (R, C) search score: valid acc @12 epochs, % */
    float *eval_test;     /* (R, C) report test acc @200 epochs, % */
    float *eval_latency;  /* (R, C) latency, NaN missing or padding */
    double *hv;           /* (R, G) hypervolume of the run's front (res_hv_trajectory) */
    size_t n_front;       /* F: the table's true front (report test acc vs latency) */
    int32_t *front_arch;  /* (F) table indices, increasing latency */
    float *front_test;    /* (F) */
    float *front_latency; /* (F) */
    double hv_true;       /* hypervolume of the true front */
    float optimum_feasible; /* best report test acc with latency <= L (cell chosen by valid acc) */
    /* ---- the unit of budget and time (single-objective files; RESULTS.md "Budget unit") ---- */
    char budget_unit[24];  /* RES_UNIT_SIMULATED, RES_UNIT_EPOCHS; "" = simulated seconds */
    int budget_unit_assumed; /* set by the reader: the file recorded no unit (written before
                              * units were recorded) and simulated seconds were assumed */
} res_series;

/* Budget units: what time[] and budget count. `nastab run` budgets a
 * simulated clock (strategies/PROTOCOL.md); `nastab search` counts search
 * epochs (its wall seconds are in the /ws group, res_ws_series.wall). */
#define RES_UNIT_SIMULATED "simulated-seconds"
#define RES_UNIT_EPOCHS "epochs"
/* The unit of s: its budget_unit, or RES_UNIT_SIMULATED when empty. Borrowed. */
const char *res_budget_unit(const res_series *s);
/* Words for messages and axis labels: "simulated seconds", "epochs", else the name. */
const char *res_unit_words(const char *unit);
/* 1 when unit is one of the units above. */
int res_unit_known(const char *unit);

/* Frees every array of s and zeroes it; accepts NULL. */
void res_series_free(res_series *s);

/* Sanity limits of the sizes a results file declares, checked before
 * anything is allocated (res_check_dims): runs and grid as `nastab run`
 * accepts them, and at most 2^28 values per (runs, grid or cap) array. */
#define RES_MAX_RUNS 10000000ull
#define RES_MAX_GRID 100000ull
#define RES_MAX_CELLS (1ull << 28)
/* NB_EFORMAT naming path and obj ("/series/cifar10/rea") when a declared
 * size is out of those limits (runs or grid 0; cap, n_front 0 are fine). */
nb_status res_check_dims(const char *path, const char *obj, uint64_t runs, uint64_t grid,
                         uint64_t cap, uint64_t n_front);
/* NB_EFORMAT when a dataset of n values of elem bytes, over 1 MiB, has
 * under 1/2048 of that stored (more than compression can explain): checked
 * before the reader allocates for it. */
nb_status res_check_stored(const char *path, const char *obj, const char *name, size_t n,
                           size_t elem, uint64_t stored);
/* The check every reader applies to a series it read, once (so report,
 * check and mo-report all get it): budget finite and > 0, workers >= 1,
 * finite optima, times finite and non-decreasing, every accuracy finite or
 * NaN (missing; never +-inf), final_arch / eval_arch >= -1. NB_EFORMAT
 * names path, obj, the field and the index. */
nb_status res_series_check(const res_series *s, const char *path, const char *obj);

/* File-level metadata. Strings copied in. */
typedef struct {
    const char *table_path;     /* table the runs used */
    const char *table_checksum; /* its content checksum */
    const char *protocol;       /* RES_PROTOCOL / RES_MO_PROTOCOL; NULL = that default */
    const char *command;        /* full command line that made the file */
    uint64_t seed;              /* master seed */
} res_meta;

/* ---- single-objective results ("nastab-results", RESULTS.md) ---- */
typedef struct res_results res_results;
res_results *res_results_create(const res_meta *meta);
/* Takes s over (its arrays) and zeroes *s. Asserts (programmer error):
 * n_objectives 1; dataset/strategy non-empty, without '/', and not yet
 * present; runs, grid >= 1; every array non-NULL. */
void res_results_add(res_results *r, res_series *s);
size_t res_results_count(const res_results *r);
const res_series *res_results_get(const res_results *r, size_t i); /* borrowed */
/* The series of (dataset, strategy), or NULL. Borrowed. */
const res_series *res_results_find(const res_results *r, const char *dataset, const char *strategy);
/* Distinct dataset names in NB201 order (cifar10-valid, cifar10, cifar100,
 * ImageNet16-120, then others first-seen) / distinct strategy names in
 * first-seen order. Fills up to cap borrowed pointers, returns the count
 * (which may exceed cap). */
size_t res_results_datasets(const res_results *r, const char **names, size_t cap);
size_t res_results_strategies(const res_results *r, const char **names, size_t cap);
/* Metadata attribute by name ("table_checksum", "nastab_version", "git_sha",
 * "protocol", "command", "seed", "table_path", "created"), or NULL. Borrowed. */
const char *res_results_attr(const res_results *r, const char *name);
void res_results_free(res_results *r); /* accepts NULL */
/* Write atomically: "<path>.tmp.<pid>", fsync, rename over path; on any
 * failure the temporary is removed and an existing file at path is left
 * as it was. NB_EIO names the path (and errno's reason). */
nb_status res_results_write(const res_results *r, const char *path);
/* Read and validate. NB_EIO: cannot open (names the path). NB_EFORMAT: not
 * HDF5 (garbage, empty, truncated), not a results file, or an object
 * missing / of the wrong type or shape (names it: "/series/cifar10/rea/test").
 * NB_EVERSION: says found, expected and a hint. *out owned by the caller
 * (res_results_free); NULL on failure. */
nb_status res_results_read(const char *path, res_results **out);

/* ---- multi-objective results ("nastab-mo-results", MO_RESULTS.md) ---- */
typedef struct res_mo_results res_mo_results;
res_mo_results *res_mo_create(const res_meta *meta);
/* Takes s over and zeroes *s; fills hv when NULL (res_hv_trajectory).
 * Asserts (programmer error): n_objectives 2; names non-empty, fitting and
 * without '/'; runs, grid >= 1; arrays non-NULL (front arrays when n_front,
 * eval arrays when cap). */
void res_mo_add(res_mo_results *r, res_series *s);
size_t res_mo_count(const res_mo_results *r);
const res_series *res_mo_get(const res_mo_results *r, size_t i); /* borrowed */
/* Root attribute ("command", "table_checksum", "created", "seed", ...) or NULL. */
const char *res_mo_attr(const res_mo_results *r, const char *name);
void res_mo_free(res_mo_results *r); /* accepts NULL */
/* Atomic write (temporary + fsync + rename); NB_EIO names the path. */
nb_status res_mo_write(const res_mo_results *r, const char *path);
/* NB_EIO / NB_EFORMAT (names the object) / NB_EVERSION. */
nb_status res_mo_read(const char *path, res_mo_results **out);

/* ---- Pareto maths (pareto.c); both objectives minimised ----
 * Normalised objectives (MO_RESULTS.md): f1 = 1 - accuracy / 100,
 * f2 = latency / lat_ref; reference point (1, 1), so every measured cell
 * adds a positive area and the hypervolume is in [0, 1). */

/* Indices of the non-dominated points among (f1[i], f2[i]), i < n, written to
 * keep[] (room for n) in increasing f1 (so decreasing f2); returns their
 * count. Of several identical points only the lowest index is kept. Points
 * with a NaN coordinate are skipped. */
size_t res_pareto_filter(const double *f1, const double *f2, size_t n, size_t *keep);
/* Exact area dominated by the points and bounded by the reference point
 * (r1, r2): sort by f1, sweep keeping the lowest f2 so far, add rectangles.
 * Points not strictly better than the reference in both objectives, and NaN
 * points, add nothing. 0 for n = 0. */
double res_hv2d(const double *f1, const double *f2, size_t n, double r1, double r2);
/* The normalised objectives of (accuracy %, latency) for lat_ref. */
void res_normalise(float acc, float latency, float lat_ref, double *f1, double *f2);
/* Fast non-dominated sort (Deb et al., IEEE TEVC 2002, sec. III-A) of the n
 * points f[2*i], f[2*i+1]: rank[i] = 0 for the first front, 1 for the next,
 * ... O(n^2). n <= 4096. */
void res_nondominated_sort(const double *f, size_t n, int *rank);
/* Crowding distance (sec. III-B) of the m points idx[0..m-1] of one front:
 * per objective, sort, boundary points get +INFINITY, interior ones add
 * (f[next] - f[prev]) / (f_max - f_min) (nothing when f_max == f_min). */
void res_crowding(const double *f, const size_t *idx, size_t m, double *dist);
/* True front of a table column: the non-dominated cells of (max acc, min
 * latency) among the n cells whose acc and latency are both finite.
 * *front (owned by the caller, free()) receives their indices in increasing
 * latency; returns the count; *hv its normalised hypervolume. */
size_t res_true_front(const float *acc, const float *latency, size_t n, float lat_ref,
                      int32_t **front, double *hv);
/* Fills s's true front (n_front, front_*, hv_true) and optimum_feasible
 * (test acc of the best cell by valid acc among those with latency <=
 * s->latency_max; NaN when none) from the table's columns over n cells:
 * test and valid accuracy (report datasets, 200 epochs) and latency. */
void res_fill_front(res_series *s, const float *test, const float *valid, const float *latency,
                    size_t n);
/* Hypervolume of run `run` of s at each grid time (hv[grid]): the run's front
 * at time t is the non-dominated set, under the *search* objectives (score,
 * latency), of its evaluations finished by t (NaN latency excluded); its
 * hypervolume is measured on the *report* objectives (test acc, latency),
 * as single-objective runs select by validation and report test. */
void res_hv_trajectory(const res_series *s, size_t run, double *hv);

/* ==== weight-sharing search series (results/ws.c; results/RESULTS.md, section
 * "Weight-sharing search") ====
 * What `nastab search` records beyond a res_series (whose time axis is then
 * in epochs: time[g] = g, budget = epochs, budget_unit RES_UNIT_EPOCHS):
 * per run and epoch the derived cell, the supernet's own validation accuracy,
 * the derived cell's search score, wall and CPU seconds so far and the
 * per-edge op probabilities, and with --rank-sample the scores of K sampled
 * cells and their rank correlation with the table, in /ws/<dataset>/<method>
 * of the same file.
 *
 *     res_ws_series w = {...};                       // arrays malloc'd
 *     if (res_ws_write(results, &w, 1, "out.h5") != NB_OK) puts(nb_errmsg());
 *     res_ws_series back;
 *     if (res_ws_read("out.h5", "fashion-mnist", "gdas", &back) == NB_OK) use(back.probs);
 *     res_ws_series_free(&back);
 */
typedef struct {
    char dataset[32];   /* "fashion-mnist" */
    char method[32];    /* "gdas": the strategy name of the matching res_series */
    size_t runs;        /* R */
    size_t epochs;      /* E */
    int32_t *arch;      /* (R, E) table index of the derived cell after each epoch, -1 if absent */
    float *super_valid; /* (R, E) % top-1 of the supernet on validation images */
    float *score;       /* (R, E) % the derived cell's search score, NaN when the method has none */
    double *wall;       /* (R, E) wall seconds of the run so far */
    double *cpu;        /* (R, E) CPU seconds of the run so far (process time) */
    float *probs;       /* (R, E, 6, 5) per-edge op probabilities, NB201 edge and op order */
    uint8_t *ops;       /* (R, E, 6) the derived cell's op per edge (0..4, NB201 op order); NULL
                         * when read from a file of before it was recorded */
    /* ranking quality (`nastab search --rank-sample K`; all NULL and rank_k 0 without it) */
    size_t rank_k;         /* K sampled cells, the same for every method, run and epoch */
    char rank_against[96]; /* what the scores are ranked against: "valid_acc@200" (the table's
                            * validation accuracy at its highest fidelity) */
    char rank_scored_on[96]; /* what the supernet scored: "first 1000 validation images" */
    int32_t *rank_arch;    /* (K) table indices of the sampled cells */
    float *rank_table;     /* (K) % their table accuracy (rank_against) */
    float *rank_score;     /* (R, E, K) % top-1 of each cell with the supernet's weights after epoch e */
    float *rank_tau;       /* (R, E) Kendall tau-b of rank_score[r, e, :] vs rank_table */
    float *rank_rho;       /* (R, E) Spearman rho of the same */
} res_ws_series;
/* Frees the arrays and zeroes s; accepts NULL. */
void res_ws_series_free(res_ws_series *s);
/* res_results_write(r) plus the n weight-sharing series, atomically: the
 * whole file goes to a temporary beside path, then is renamed over it.
 * Each ws series' (dataset, method) should have a res_series in r whose
 * budget_unit is RES_UNIT_EPOCHS. NB_EIO names the path and object. */
nb_status res_ws_write(const res_results *r, const res_ws_series *ws, size_t n, const char *path);
/* Read /ws/<dataset>/<method> of a results file. NB_EIO cannot open;
 * NB_ENOTFOUND no such series; NB_EFORMAT an object missing or of the wrong
 * shape (named). *out owned by the caller (res_ws_series_free). */
nb_status res_ws_read(const char *path, const char *dataset, const char *method, res_ws_series *out);
/* ==== end of weight-sharing search series ==== */

#endif
