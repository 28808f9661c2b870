/* strategies/strat.h - search strategies behind one ask/tell interface, and
 * the one budgeted search loop on a simulated clock.
 *
 * What it does: runs many independent searches of one strategy against a
 * table under a budget of simulated seconds, following the NAS-Bench-201
 * protocol (Dong & Yang, ICLR 2020, sec. 5; strategies/PROTOCOL.md): a
 * strategy sees the validation accuracy of the search fidelity (12 epochs by
 * default; Hyperband/BOHB also 200), each evaluation charges the table's
 * training time for that many epochs plus one validation pass, and the
 * result of a run is its incumbent's 200-epoch validation and test accuracy.
 * The same loop serves single-objective runs (one objective: the score) and
 * hardware-aware multi-objective runs (strat_run_config.device set: a second
 * objective, the latency of one hardware column, minimised; the loop then
 * also records every evaluation and the incumbent under the latency bound).
 * Where the table has per-epoch validation curves, the curve strategies
 * (strat_curve_builtin: hyperband-epochs, bohb-epochs, lcstop) ask for any
 * recorded epoch of the 200-epoch schedule and may continue a cell's
 * checkpoint, charged only the epochs trained since (PROTOCOL.md "Per-epoch
 * budgets"). Runs are spread over threads; run r always uses RNG stream
 * (seed, r, NB_PURPOSE_SEARCH), so results are bit-identical whatever the
 * thread count. Out-of-tree strategies load from a shared object
 * (strat_plugin_load) and implement the same vtable.
 * What it does not do: read or write result files (results/), print,
 * sandbox a plugin.
 *
 * Usage:
 *     strat_run_config cfg = strat_run_config_default();
 *     cfg.table = t; cfg.dataset = "cifar10"; cfg.strategy = "rea";
 *     cfg.runs = 500; cfg.budget = 12000;
 *     res_series out;                      // results/res.h
 *     if (strat_run(&cfg, &out) != NB_OK) puts(nb_errmsg());
 *     ... out.final_test[r] ...
 *     res_series_free(&out);               // or res_results_add(results, &out)
 * A multi-objective run: cfg = strat_mo_config_default(); cfg.device =
 * "edgegpu"; cfg.strategy = "nsga2"; the same strat_run(&cfg, &out).
 *
 * Failures: every nb_status function sets one message (nb_errmsg) naming
 * the field, strategy, run or cell at fault, with a hint where one helps.
 * Ownership: vtables are static (built-in) or borrowed from their plugin
 * until strat_plugin_close; outputs belong to the caller.
 */
#ifndef STRAT_H
#define STRAT_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"
#include "results/res.h"
#include "spaces/space.h"
#include "tables/tab.h"

/* How one dataset column is searched and reported. The protocol follows the
 * table's space (strategies/PROTOCOL.md): "nb201" (NB201 / NATS topology:
 * search 12 epochs, report 200) or "nats-sss" (NATS-Bench size space:
 * search 12 epochs, report 90). */
typedef struct {
    char name[32];       /* the column: "cifar10-valid", "cifar10", "cifar100", "ImageNet16-120" */
    int search_ds;       /* table dataset searched on (cifar10 -> cifar10-valid) */
    int search_fidelity; /* epochs of the searched result, 12 */
    int max_fidelity;    /* largest schedule: 200 (nb201), 90 (nats-sss) */
    int report_valid_ds; /* dataset whose max_fidelity valid_acc is reported */
    int report_test_ds;  /* dataset whose max_fidelity test_acc is reported (cifar10 for the CIFAR-10 column) */
    float optimum_valid; /* best report valid accuracy over the table */
    float optimum_test;  /* best report test accuracy over the table (regret is against this) */
    char protocol[16];   /* "nb201" or "nats-sss" (a generic dataset of a built table: "nb201") */
    double budget;       /* default budget, simulated seconds; 0 = none (the run takes 100 mean
                            search evaluations) */
} strat_protocol;
/* Resolve the protocol of the table's space for a dataset column;
 * NB_ENOTFOUND names a dataset or schedule the table lacks, listing the
 * columns it has. Loads the columns it needs. (The name is historical: it
 * serves every space with a protocol, NB201's and the NATS size space's.) */
nb_status strat_protocol_nb201(tab_table *t, const char *dataset, strat_protocol *out);
/* Default budget in simulated seconds for a dataset column: 12000 for the
 * CIFAR-10 columns (NB201 paper), scaled by the dataset's per-epoch cost for
 * the others: 24000 for cifar100, 72816 for ImageNet16-120 (see
 * PROTOCOL.md); 0 for a name that is not an NB201 column. */
double strat_default_budget(const char *dataset);

/* ---- the ask/tell interface every strategy implements ---- */

/* The objectives a strategy is told, in this order. */
enum {
    STRAT_OBJ_SCORE = 0,   /* validation accuracy (percent) at the asked fidelity/epoch: MAXIMISED */
    STRAT_OBJ_LATENCY = 1, /* latency of the run's hardware column (its unit, ms): MINIMISED;
                            * +INFINITY when the table has no value for the cell */
    STRAT_MAX_OBJECTIVES = 2
};

/* What a strategy may know about the problem. */
typedef struct {
    int n_fidelities;     /* number of fidelities available (1 or 2) */
    const int *fidelities;/* (n_fidelities) ascending epochs, e.g. {12, 200} */
    int search_fidelity;  /* the protocol's default fidelity (12) */
    int workers;          /* simulated workers sharing the strategy */
    /* Per-epoch budgets (PROTOCOL.md "Per-epoch budgets"): set when the
     * strategy needs learning curves (a built-in curve strategy, or
     * strat_run_config.curves = 1), else 0 / NULL. The arrays are borrowed
     * and stay valid until the strategy's destroy. */
    int curve_fidelity;   /* schedule whose validation curve is served (epochs), 200; 0 = none */
    int n_epochs;         /* length of epochs[] */
    const int *epochs;    /* (n_epochs) ascending 1-based epochs with a value, last = curve_fidelity */
    size_t n_curve_archs; /* cells with a value at every one of epochs[] */
    const uint32_t *curve_archs; /* (n_curve_archs) their space->index, ascending; only these may be asked with epoch > 0 */
    /* Objectives (interface version 3): tell() gets obj[0 .. n_objectives-1]
     * in the order of STRAT_OBJ_*: 1 = the score only; 2 = score and latency. */
    int n_objectives;     /* 1 or 2 */
    float latency_max;    /* constraint L on obj[1] (ms), e.g. 10.3; +INFINITY when unconstrained
                           * (always, with one objective). A strategy that honours it prefers
                           * cells with obj[1] <= L; the loop's incumbent always honours it */
    float lat_ref;        /* normaliser of obj[1]: 1.1 * largest latency of the column (ms); 1 with one objective */
    int population;       /* population size asked for; 0 = the strategy's default (nsga2 20, rea 10) */
    /* The table's search space (interface version 4; tab_space): a strategy
     * draws, mutates, indexes and encodes architectures only through it
     * (space->random, ->mutate, ->neighbours into space->max_neighbours
     * slots, ->index, ->arch, ->onehot, ->path where not NULL), never
     * through one space's constants. Static. */
    const space_def *space;
} strat_env;

typedef struct {
    space_arch arch; /* the architecture to evaluate; must be valid for env->space (space_arch_valid) */
    int fidelity;    /* epochs, one of env->fidelities */
    uint32_t tag;    /* strategy-private id echoed back in tell() */
    /* Per-epoch budgets (0 and 0 = the classic ask above). */
    int epoch;       /* 0, or one of env->epochs: train to this epoch of the env->curve_fidelity
                      * schedule (then fidelity must be env->curve_fidelity) and score the
                      * validation accuracy at that epoch, e.g. 22 */
    int from_epoch;  /* 0 = from scratch; 0 < from_epoch < epoch: continue this run's checkpoint
                      * of the same cell at from_epoch (an earlier finished ask of it at that
                      * epoch), charged (epoch - from_epoch) epochs + one validation pass */
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
    /* The result of an earlier ask: obj[0 .. env->n_objectives - 1] (see
     * STRAT_OBJ_*; obj[0] at the asked fidelity, at the asked epoch of it
     * when asked->epoch > 0). obj is borrowed for the call. */
    void (*tell)(void *state, const strat_ask *asked, const float *obj, nb_rng *rng);
    void (*destroy)(void *state);
    /* Objectives the strategy needs: 0 or 1 = runs anywhere; 2 = only in a
     * multi-objective run (strat_run_config.device set). */
    int min_objectives;
} strat_vtable;

/* Built-in strategies, NULL-terminated lists, and lookup by name (NULL with
 * the message listing the known names when absent). strat_builtin() lists
 * the strategies that run on any NB201 table; strat_curve_builtin() those
 * that need per-epoch validation curves of the search dataset
 * ("hyperband-epochs", "bohb-epochs", "lcstop"; PROTOCOL.md "Per-epoch
 * budgets"); strat_mo_builtin() the multi-objective ones ("nsga2",
 * "scalarised", "random", "rea-constrained", "random-constrained"). "random"
 * is in two lists: it is one strategy. strat_find() finds all. */
const strat_vtable *const *strat_builtin(void);
const strat_vtable *const *strat_curve_builtin(void);
const strat_vtable *const *strat_mo_builtin(void);
const strat_vtable *strat_find(const char *name);

/* Resolve a hardware column for a dataset column: an exact column name
 * ("hwnas_edgegpu_latency_cifar10", "help_1080ti_latency_b1"), or a device
 * short name tried as hwnas_<dev>_latency_<ds> (ds = cifar10 for both
 * CIFAR-10 columns), then help_<dev>_latency, then help_<dev>_latency_b1.
 * Returns the column index, or -1 with NB_ENOTFOUND set listing devices
 * (NB_EINVAL when device is NULL or empty). */
int strat_device_column(tab_table *t, const char *dataset, const char *device);

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
    int curves;            /* 1: serve per-epoch curves to cfg->vtable (strat_env.curve_*), failing
                            * without them; implied for the built-in curve strategies; default 0 */
    int restrict_to_curves; /* 1: when the search dataset's per-epoch curves cover only part of
                            * the table, restrict the whole protocol to the cells with a curve:
                            * a proposal of another cell is told missing (score NaN) at no
                            * cost, and the optimum (so the regret) is the best of those cells;
                            * res_series.restricted_cells records it. 0 (default): a strategy
                            * that is served curves refuses partial ones (NB_EINVAL) */
    /* Multi-objective runs */
    const char *device;    /* NULL: single-objective run; else the hardware column or device name
                            * whose latency is the second objective, e.g. "edgegpu" (strat_device_column) */
    double latency_max;    /* constraint L (ms); 0 = median latency of the column */
    int population;        /* 0 = the strategy's default; else 2..2048 */
} strat_run_config;
/* Defaults of a single-objective run (runs 500, strategy "random") and of a
 * multi-objective one (runs 100, strategy "nsga2", device "edgegpu"). */
strat_run_config strat_run_config_default(void);
strat_run_config strat_mo_config_default(void);

/* Run cfg->runs independent searches into *out (results/res.h), which is
 * zeroed first and then allocated and filled whole: a single-objective
 * series (n_objectives 1) when cfg->device is NULL; a multi-objective one
 * (n_objectives 2: also every evaluation, each run's hypervolume over time,
 * the table's true front and feasible optimum) when it names a hardware
 * column. *out is owned by the caller: res_series_free, or hand it to
 * res_results_add / res_mo_add. Failures (*out zeroed): NB_EINVAL (bad
 * config: names the field; a strategy served curves that cover only part
 * of the table, without restrict_to_curves: names the coverage, "per-epoch
 * curves for 200 of 15625 cells", and hints --restrict-to-curves; also a strategy asking for a fidelity other than
 * 12 or 200, or a per-epoch ask with an epoch not in env->epochs, a cell
 * without a curve, or a from_epoch it has no checkpoint for; a strategy
 * that needs more objectives than the run has), NB_ENOTFOUND
 * (dataset/strategy/device column, a proposed cell not in the table; a
 * curve strategy on a table without a validation curve for the search
 * dataset at 200 epochs: the message names the strategy, dataset and
 * schedule and hints how to get curves), NB_EFORMAT (a cost column with a
 * non-finite or negative value; a latency column with a negative or
 * infinite one), NB_EMISSING (a latency column without any value),
 * NB_EINTERNAL (a strategy answered STRAT_ASK_WAIT with nothing pending),
 * table I/O errors. */
nb_status strat_run(const strat_run_config *cfg, res_series *out);

/* ---- out-of-tree strategies (plugins) ----
 * A plugin is a shared object exporting two symbols:
 *     int nastab_strategy_abi;                  // == STRAT_INTERFACE_VERSION
 *     const strat_vtable *nastab_strategy(void); // the strategy
 * It reaches the search space through env->space and calls back into the
 * nastab binary for nb_rng_* (the binary exports them), so it is built
 * without linking libnastab:
 *     cc -shared -fPIC -O2 $(pkg-config --cflags nastab) my_strategy.c -o my_strategy.so
 *     nastab run --strategy-plugin ./my_strategy.so --table nb201.h5 --dataset cifar10 ...
 * Writing one (examples/strategy-plugin):
 *     #include "strategies/strat.h"
 *     static void *my_create(const strat_env *env, nb_rng *rng) { ... }
 *     ...
 *     static const strat_vtable my_vt = {"mine", "one line", my_create, my_ask, my_tell, my_destroy, 0};
 *     STRAT_PLUGIN(my_vt)
 * A plugin is not sandboxed (it runs in the process, with its rights) and
 * must not be unloaded while a strat_vtable from it is in use. */

/* Version of the strategy interface (strat_vtable, strat_env, strat_ask and
 * the space/RNG functions a plugin calls), bumped whenever any of them
 * changes in a way a compiled plugin would notice. 2 appended the per-epoch
 * fields to strat_env and strat_ask; 3 made tell() take the objective
 * vector, appended the objective fields to strat_env and min_objectives to
 * strat_vtable; 4 appended strat_env.space (the table's search space): the
 * layout grew, and architectures are reached only through it now, not
 * through the NB201 functions a version-3 plugin calls, so such a plugin
 * would silently search NB201 on another space's table. */
#define STRAT_INTERFACE_VERSION 4

#define STRAT_PLUGIN_ABI_SYMBOL "nastab_strategy_abi"
#define STRAT_PLUGIN_SYMBOL "nastab_strategy"

/* Exports the two symbols for `vtable` (a strat_vtable object). */
#define STRAT_PLUGIN(vtable)                                                                    \
    __attribute__((visibility("default"))) const int nastab_strategy_abi = STRAT_INTERFACE_VERSION; \
    __attribute__((visibility("default"))) const strat_vtable *nastab_strategy(void);           \
    const strat_vtable *nastab_strategy(void) { return &(vtable); }

typedef struct strat_plugin strat_plugin;

/* Load the shared object at path (a name without '/' is taken relative to
 * the current directory, not searched in the library path) and return its
 * strategy. Fails with NB_EIO (dlopen failed: names the path and gives the
 * loader's message, e.g. a missing file or an undefined symbol), NB_EFORMAT
 * (a symbol is missing: names it and says how to export it; or the vtable
 * lacks a function or has a bad name: names the field), NB_EVERSION (built
 * against another interface version: says found and expected, and "hint:
 * rebuild the plugin against this nastab's headers"), NB_EINVAL (its name
 * is a built-in strategy's). *vt borrowed, valid until strat_plugin_close;
 * *out owned by the caller. *vt is a copy of the plugin's vtable whose
 * functions call the plugin's under an exit guard: a plugin that calls
 * exit() inside create/ask/tell/destroy makes the process print "strategy
 * plugin PATH ('NAME') called exit() inside its ask" and end with status 1.
 * At most 16 plugins are loaded at a time. */
nb_status strat_plugin_load(const char *path, const strat_vtable **vt, strat_plugin **out);
/* Unload (dlclose); accepts NULL. */
void strat_plugin_close(strat_plugin *p);

/* ---- external strategies: a child process (strategies/EXEC_PROTOCOL.md) ----
 * Any program that speaks the protocol on its stdin/stdout (newline-
 * delimited JSON; python/nastab serves it for a Python class) runs as a
 * strategy; the clock, the budget, the workers and the results stay here.
 *     strat_exec_config xc = {"python3 python/examples/rea.py", NULL, 0};
 *     strat_exec *ex;
 *     if (strat_exec_open(&xc, &ex) != NB_OK) ...
 *     if (strat_exec_run(ex, &cfg, &out) != NB_OK) puts(nb_errmsg());
 *     strat_exec_close(ex);
 * One child serves every run of a series (run ids, each with a seed drawn
 * from the run's stream), so the results are bit-identical for any
 * --threads when the child is deterministic given each run's seed. The
 * child is not sandboxed (it runs with the user's rights). */
#define STRAT_EXEC_PROTOCOL 1   /* version of EXEC_PROTOCOL.md, recorded in results files */
#define STRAT_EXEC_TIMEOUT 60.0 /* default seconds for one reply */
typedef struct {
    const char *command; /* run by /bin/sh -c, e.g. "python3 rea.py --pop 10" */
    const char *name;    /* series name, 1-31 of [A-Za-z0-9_.-]; NULL: "exec-" + the basename
                          * of the command's last word without extension ("exec-rea") */
    double timeout;      /* seconds per reply (and for the child to exit at the end); 0 = default */
} strat_exec_config;
typedef struct strat_exec strat_exec;
/* Checks the configuration; starts nothing. NB_EINVAL: empty command, bad
 * timeout or name, a built-in strategy's name, 8 open already. *out owned by
 * the caller (strat_exec_close). */
nb_status strat_exec_open(const strat_exec_config *cfg, strat_exec **out);
/* Its vtable (borrowed, valid until strat_exec_close) and command. */
const strat_vtable *strat_exec_vtable(const strat_exec *ex);
const char *strat_exec_command(const strat_exec *ex);
/* strat_run of cfg with ex's vtable, the child started at the first run's
 * create and ended (EOF on its stdin, then it must exit 0) after the last;
 * out->external / external_protocol record it. Fails as strat_run does,
 * and, for the child: NB_ETOOL (it exited, was killed, hung past the
 * timeout, did not exit at the end), NB_EFORMAT (a line that is not a
 * protocol message), NB_EINVAL (an architecture that does not parse, a bad
 * fidelity or epoch, an error it reported), NB_EVERSION (another protocol
 * version); each message names the child, its command, the run id and the
 * tail of its stderr. *out zeroed on failure. */
nb_status strat_exec_run(strat_exec *ex, const strat_run_config *cfg, res_series *out);
/* Ends a child still running and frees; accepts NULL. */
void strat_exec_close(strat_exec *ex);

#endif
