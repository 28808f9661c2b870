/* strategies/mo.h - hardware-aware multi-objective search on the table
 * (temporary header: the lead merges it into strategies/strat.h).
 *
 * What it does: runs many independent searches that trade the validation
 * accuracy of the search fidelity (maximised) against the latency of one
 * hardware column of the table (minimised), on the same simulated clock and
 * NB201 protocol as strat_run (strategies/PROTOCOL.md): each evaluation is
 * charged train_time_per_epoch * 12 + eval_time of the search dataset; a
 * latency lookup costs no simulated time but is only known once the cell has
 * been evaluated (a strategy learns score and latency together in tell).
 * One simulated worker; run r uses RNG stream (seed, r, NB_PURPOSE_SEARCH),
 * so results are bit-identical for any thread count.
 * Strategies:
 *   nsga2               NSGA-II (Deb et al., IEEE TEVC 2002): fast
 *                       non-dominated sort, crowding distance, binary
 *                       tournament, mutation only (space_mutate), population 20
 *   scalarised          random scalarisation (ParEGO-style, Knowles 2006): a
 *                       fresh uniform weight per evaluation, augmented
 *                       Tchebycheff over normalised objectives; the parent is
 *                       the best evaluated cell under that weight, mutated
 *   random              uniform random cells (the multi-objective baseline)
 *   rea-constrained     REA (P 10, S 3) where a cell with latency > L loses
 *                       every tournament against a feasible one
 *   random-constrained  uniform random cells
 * Every run records its whole evaluation trace, and for every strategy the
 * constrained incumbent: the best search score among evaluated cells with
 * latency <= L (an infeasible cell costs its evaluation but never becomes
 * incumbent). Missing latencies (NaN, e.g. edgetpu) count as +infinity:
 * such a cell is infeasible and dominated by any cell with a latency.
 * What it does not do: compute hypervolumes or write files (reports/pareto.h).
 *
 * Usage:
 *     strat_mo_config cfg = strat_mo_config_default();
 *     cfg.table = t; cfg.dataset = "cifar10"; cfg.device = "edgegpu";
 *     cfg.strategy = "nsga2"; cfg.runs = 100;
 *     strat_mo_output out;
 *     if (strat_mo_run(&cfg, &out) != NB_OK) puts(nb_errmsg());
 *     ... out.eval_arch[r * out.cap + i], out.final_test[r] ...
 *     strat_mo_output_free(&out);
 */
#ifndef STRAT_MO_H
#define STRAT_MO_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "spaces/space.h"
#include "strategies/strat.h"
#include "tables/tab.h"

/* What a multi-objective strategy knows about the problem. */
typedef struct {
    int population;    /* population size: nsga2 20, rea-constrained 10 (0 in config = these) */
    float latency_max; /* constraint L, unit of the column (ms), e.g. 10.3 */
    float lat_ref;     /* normaliser: 1.1 * largest latency of the column (ms) */
} strat_mo_env;

typedef struct {
    const char *name;        /* "nsga2" */
    const char *description; /* one line for --help */
    void *(*create)(const strat_mo_env *env, nb_rng *rng); /* aborts on OOM */
    void (*ask)(void *state, nb_rng *rng, space_arch *out);
    /* score: validation accuracy (percent) at the search fidelity; latency:
     * the column's value, +INFINITY when missing. */
    void (*tell)(void *state, const space_arch *a, float score, float latency, nb_rng *rng);
    void (*destroy)(void *state); /* accepts NULL */
} strat_mo_vtable;

/* Built-in multi-objective strategies (NULL-terminated) and lookup by name
 * (NULL with the message listing the known names). */
const strat_mo_vtable *const *strat_mo_builtin(void);
const strat_mo_vtable *strat_mo_find(const char *name);

/* Resolve a hardware column for a dataset column: an exact column name
 * ("hwnas_edgegpu_latency_cifar10", "help_1080ti_latency_b1"), or a device
 * short name tried as hwnas_<dev>_latency_<ds> (ds = cifar10 for both
 * CIFAR-10 columns), then help_<dev>_latency, then help_<dev>_latency_b1.
 * Returns the column index, or -1 with NB_ENOTFOUND set listing devices. */
int strat_mo_device_column(tab_table *t, const char *dataset, const char *device);

typedef struct {
    tab_table *table;      /* opened table; borrowed */
    const char *dataset;   /* NB201 column, e.g. "cifar10" */
    const char *device;    /* hardware column or device name, e.g. "edgegpu" */
    const char *strategy;  /* built-in name (ignored when vtable set) */
    const strat_mo_vtable *vtable; /* optional: a strategy not in the built-in list */
    size_t runs;           /* independent runs, default 100 */
    double budget;         /* simulated seconds per run; 0 = strat_default_budget(dataset) */
    uint64_t seed;         /* master seed, default 0 */
    int threads;           /* OS threads, 0 = all cores; never changes results */
    size_t grid;           /* trajectory points over [0, budget], default 101, >= 2 */
    int population;        /* 0 = the strategy's default */
    double latency_max;    /* constraint L (ms); 0 = median latency of the column */
    int progress;          /* 1: progress bar on stderr */
} strat_mo_config;
strat_mo_config strat_mo_config_default(void);

/* Everything strat_mo_run records; allocated by strat_mo_run, released with
 * strat_mo_output_free. Evaluation arrays are (runs, cap), row r holding
 * run r's n_evals[r] evaluations in order of finish time, the rest padded
 * with -1 / NaN. */
typedef struct {
    size_t runs, grid;
    size_t cap;            /* evaluations a run can afford at most: floor(budget / cheapest cost) */
    double budget;         /* seconds actually used */
    int device_column;     /* index of the hardware column (tab_device) */
    float latency_max;     /* L used */
    float lat_ref;         /* 1.1 * largest latency of the column */
    double *time;          /* (grid) time[g] = budget * g / (grid - 1) */
    uint32_t *n_evals;     /* (runs) */
    int32_t *eval_arch;    /* (runs, cap) table index, -1 padding */
    double *eval_finish;   /* (runs, cap) simulated finish time, s */
    float *eval_score;     /* (runs, cap) search score (valid acc @12 epochs, %) */
    float *eval_valid;     /* (runs, cap) report valid acc @200 epochs, % */
    float *eval_test;      /* (runs, cap) report test acc @200 epochs, % */
    float *eval_latency;   /* (runs, cap) latency, NaN when missing */
    float *inc_test;       /* (runs, grid) constrained incumbent's test acc; NaN before the first feasible result */
    float *final_valid;    /* (runs) constrained incumbent at the end, NaN if none */
    float *final_test;     /* (runs) */
    float *final_latency;  /* (runs) */
    int32_t *final_arch;   /* (runs) table index, -1 if none */
    strat_protocol proto;  /* filled by strat_mo_run */
} strat_mo_output;
void strat_mo_output_free(strat_mo_output *o); /* accepts NULL and a zeroed struct */

/* Run cfg->runs independent searches; fills *out (owned by the caller,
 * release with strat_mo_output_free; zeroed on failure). Failures:
 * NB_EINVAL (bad config: names the field), NB_ENOTFOUND (dataset, device
 * column or strategy), NB_EFORMAT (a cost column unusable), table I/O. */
nb_status strat_mo_run(const strat_mo_config *cfg, strat_mo_output *out);

/* ---- NSGA-II building blocks (nsga2.c), exposed for tests ----
 * Objectives are minimised: f[2*i + 0], f[2*i + 1] for point i. */
/* Fast non-dominated sort (Deb et al. 2002, sec. III-A): rank[i] = 0 for the
 * first front, 1 for the next, ... O(n^2). n <= 4096. */
void strat_mo_nondominated_sort(const double *f, size_t n, int *rank);
/* Crowding distance (sec. III-B) of the m points idx[0..m-1] of one front:
 * per objective, sort, boundary points get +INFINITY, interior ones add
 * (f[next] - f[prev]) / (f_max - f_min) (nothing when f_max == f_min). */
void strat_mo_crowding(const double *f, const size_t *idx, size_t m, double *dist);

#endif
