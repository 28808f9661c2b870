/* strategies/strat.h - search strategies behind one ask/tell interface, and
 * the budgeted search loop on a simulated clock.
 *
 * What it does: runs many independent searches of one strategy against a
 * table under a budget of simulated seconds, following the NAS-Bench-201
 * protocol (Dong & Yang, ICLR 2020, sec. 5; documented in
 * strategies/PROTOCOL.md): a strategy sees only the validation accuracy of
 * the search fidelity (12 epochs by default; Hyperband/BOHB also 200), each
 * evaluation charges the table's training time for that many epochs plus one
 * validation pass, and the result of a run is its incumbent's 200-epoch
 * validation and test accuracy. Runs are spread over threads; run r always
 * uses RNG stream (seed, r), so results are bit-identical whatever the
 * thread count.
 * What it does not do: read or write result files (reports/), print.
 *
 * Usage:
 *     strat_run_config cfg = strat_run_config_default();
 *     cfg.table = t; cfg.dataset = "cifar10"; cfg.strategy = "rea";
 *     cfg.runs = 500; cfg.budget = 12000;
 *     strat_output out;                    // caller allocates the arrays:
 *     strat_output_alloc(&out, cfg.runs, cfg.grid);
 *     if (strat_run(&cfg, &out) != NB_OK) puts(nb_errmsg());
 *     ... out.final_test[r] ...
 *     strat_output_free(&out);
 */
#ifndef STRAT_H
#define STRAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "spaces/space.h"
#include "tables/tab.h"

/* How one NB201 dataset column is searched and reported. */
typedef struct {
    char name[32];       /* the column: "cifar10-valid", "cifar10", "cifar100", "ImageNet16-120" */
    int search_ds;       /* table dataset searched on (cifar10 -> cifar10-valid) */
    int search_fidelity; /* epochs of the searched result, 12 */
    int max_fidelity;    /* largest schedule, 200 */
    int report_valid_ds; /* dataset whose 200-epoch valid_acc is reported */
    int report_test_ds;  /* dataset whose 200-epoch test_acc is reported (cifar10 for the CIFAR-10 column) */
    float optimum_valid; /* best report valid accuracy over the table */
    float optimum_test;  /* best report test accuracy over the table (regret is against this) */
} strat_protocol;
/* Resolve the protocol for a dataset column; NB_ENOTFOUND names a dataset
 * the table lacks, listing the ones it has. Loads the columns it needs. */
nb_status strat_protocol_nb201(tab_table *t, const char *dataset, strat_protocol *out);
/* Default budget in simulated seconds for a dataset column: 12000 for the
 * CIFAR-10 columns (NB201 paper), scaled by the dataset's per-epoch cost for
 * the others: 24000 for cifar100, 72816 for ImageNet16-120 (see
 * PROTOCOL.md); 0 for a name that is not an NB201 column. */
double strat_default_budget(const char *dataset);

/* ---- the ask/tell interface every strategy implements ---- */

/* What a strategy may know about the problem. */
typedef struct {
    int n_fidelities;     /* number of fidelities available (1 or 2) */
    const int *fidelities;/* (n_fidelities) ascending epochs, e.g. {12, 200} */
    int search_fidelity;  /* the protocol's default fidelity (12) */
    int workers;          /* simulated workers sharing the strategy */
} strat_env;

typedef struct {
    space_arch arch; /* the cell to evaluate */
    int fidelity;    /* epochs, one of env->fidelities */
    uint32_t tag;    /* strategy-private id echoed back in tell() */
} strat_ask;

enum { STRAT_ASK_OK = 0, STRAT_ASK_WAIT = 1 }; /* WAIT: nothing to propose until a tell */

typedef struct {
    const char *name;        /* "rea" */
    const char *description; /* one line for --help */
    /* New state for one run; aborts on OOM. */
    void *(*create)(const strat_env *env, nb_rng *rng);
    /* Propose the next evaluation (STRAT_ASK_OK) or ask the loop to wait for
     * a pending result (STRAT_ASK_WAIT; never when nothing is pending). */
    int (*ask)(void *state, nb_rng *rng, strat_ask *out);
    /* The result of an earlier ask: validation accuracy (percent) at the
     * asked fidelity. */
    void (*tell)(void *state, const strat_ask *asked, float score, nb_rng *rng);
    void (*destroy)(void *state);
} strat_vtable;

/* Built-in strategies, NULL-terminated list, and lookup by name (NULL with
 * the message listing the known names when absent). */
const strat_vtable *const *strat_builtin(void);
const strat_vtable *strat_find(const char *name);

/* ---- the search loop ---- */
typedef struct {
    tab_table *table;      /* opened table; borrowed */
    const char *dataset;   /* NB201 column, e.g. "cifar10" */
    const char *strategy;  /* built-in name, e.g. "rea" (ignored when vtable set) */
    const strat_vtable *vtable; /* optional: a strategy not in the built-in list */
    size_t runs;           /* independent runs, default 500 */
    double budget;         /* simulated seconds per run; 0 means strat_default_budget; negative or non-finite is NB_EINVAL */
    uint64_t seed;         /* master seed, default 0 */
    int workers;           /* simulated asynchronous workers, default 1 */
    int threads;           /* OS threads, 0 = all cores; never changes results */
    size_t grid;           /* trajectory points over [0, budget], default 101, at least 2 */
    int progress;          /* 1: progress bar on stderr (when a terminal) */
} strat_run_config;
strat_run_config strat_run_config_default(void);

/* Output arrays: allocate with strat_output_alloc (or point them at your
 * own storage of the documented shapes). */
typedef struct {
    size_t runs, grid;
    double budget;        /* the budget actually used, seconds */
    double *time;         /* (grid) simulated seconds, time[g] = budget*g/(grid-1) */
    float *valid;         /* (runs, grid) incumbent's report valid acc at time[g]; NaN before the first result */
    float *test;          /* (runs, grid) incumbent's report test acc */
    float *final_valid;   /* (runs) at the end of the budget */
    float *final_test;    /* (runs) */
    int32_t *final_arch;  /* (runs) table index of the final incumbent, -1 if none */
    uint32_t *n_evals;    /* (runs) evaluations finished within the budget */
    strat_protocol proto; /* filled by strat_run */
} strat_output;
void strat_output_alloc(strat_output *o, size_t runs, size_t grid);
void strat_output_free(strat_output *o); /* frees what strat_output_alloc made */

/* Run cfg->runs independent searches. Failures: NB_EINVAL (bad config:
 * names the field; also a strategy asking for a fidelity other than 12 or
 * 200), NB_ENOTFOUND (dataset/strategy, a proposed cell not in the table),
 * NB_EFORMAT (a cost column with a non-finite or negative value),
 * NB_EINTERNAL (a strategy answered STRAT_ASK_WAIT with nothing pending),
 * table I/O errors. On failure the outputs are unspecified. */
nb_status strat_run(const strat_run_config *cfg, strat_output *out);

#endif
