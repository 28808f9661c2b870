/* strategies/strat_private.h - internals shared by the files of strategies/:
 * the built-in vtables (one file each), the run pool, the curve helpers, the
 * successive-halving engine (Hyperband, BOHB and their per-epoch versions)
 * and TPE. Not part of the public API; include only from the .c files of
 * strategies/. */
#ifndef STRAT_PRIVATE_H
#define STRAT_PRIVATE_H

#include "strategies/strat.h"

extern const strat_vtable strat_random_vtable;    /* random.c */
extern const strat_vtable strat_rea_vtable;       /* rea.c */
extern const strat_vtable strat_reinforce_vtable; /* reinforce.c */
extern const strat_vtable strat_hyperband_vtable; /* hyperband.c */
extern const strat_vtable strat_bohb_vtable;      /* bohb.c */
extern const strat_vtable strat_local_vtable;     /* local.c */
extern const strat_vtable strat_rnn_vtable;       /* rnn.c */
extern const strat_vtable strat_ga_vtable;        /* ga.c */
extern const strat_vtable strat_ga_point_vtable;  /* ga.c */
extern const strat_vtable strat_bananas_vtable;   /* bananas.c */
extern const strat_vtable strat_gpbo_vtable;      /* gpbo.c */
/* curve strategies (per-epoch budgets; strat_curve_builtin) */
extern const strat_vtable strat_hyperband_epochs_vtable; /* hb_epochs.c */
extern const strat_vtable strat_bohb_epochs_vtable;      /* hb_epochs.c */
extern const strat_vtable strat_lcstop_vtable;           /* lcstop.c */
/* multi-objective strategies (strat_mo_builtin; "random" is strat_random_vtable) */
extern const strat_vtable strat_nsga2_vtable;              /* nsga2.c */
extern const strat_vtable strat_scalarised_vtable;         /* scalarised.c */
extern const strat_vtable strat_rea_constrained_vtable;    /* rea.c */
extern const strat_vtable strat_random_constrained_vtable; /* random.c */

/* zero-cost proxy strategies (zc.c; PROTOCOL.md "Zero-cost proxies") */
extern const strat_vtable strat_zc_top_vtable;
extern const strat_vtable strat_rea_zc_vtable;
extern const strat_vtable strat_local_zc_vtable;
#define STRAT_ZC_SAMPLES 1000 /* cells each scores by the proxy */
typedef struct {
    const float *score; /* (space->size) proxy value by space->index, NaN = none; borrowed */
    double cost;        /* simulated seconds per proxy evaluation, e.g. 0.02 */
} strat_zc_env;
/* Simulated seconds of a published (GPU-timed) table per CPU second of the
 * engine (PROTOCOL.md "Zero-cost proxies"): NB201's training time per image
 * of the all-conv3x3 cell over the engine's CPU time per training image of
 * the same network on one core (0.692 ms / 46.3 ms). A table built by
 * nastab (attribute precompute_config) is timed in engine seconds: 1. */
#define STRAT_ZC_GPU_PER_CPU 0.0149
/* The proxy column name a zero-cost strategy needs ("synflow"), NULL for
 * any other strategy. */
const char *strat_zc_proxy(const strat_vtable *vt);
/* The proxy column of vt on the table's search dataset search_ds, by
 * space->index through code2idx (space->size entries, -1 = not in the
 * table), and its cost: the column's seconds_per_cell times
 * STRAT_ZC_GPU_PER_CPU (times 1 on a table nastab built). out->score is nb_xmalloc'd (caller frees).
 * NB_ENOTFOUND names the missing column with the command that makes it;
 * NB_EFORMAT for a column without seconds_per_cell. */
nb_status strat_zc_load(tab_table *t, int search_ds, const strat_vtable *vt, const int32_t *code2idx,
                        strat_zc_env *out);
/* Create one of the zero-cost strategies (their vtable create is not
 * called): draws and scores its sample from rng, sets *t_start to the
 * simulated seconds the proxy phase takes (the run's clock starts there). */
void *strat_zc_create(const strat_vtable *vt, const strat_env *env, const strat_zc_env *zc,
                      nb_rng *rng, double *t_start);

/* 1 when vt is one of strat_curve_builtin() (registry.c). */
int strat_is_curve_builtin(const strat_vtable *vt);

/* ---- the run pool (pool.c): one(ctx, r) for r in 0..runs-1 on up to
 * `threads` threads (0: one per core); stops taking runs after a failure
 * and returns the failure of the lowest run index, its message set.
 * label: progress bar text, or NULL for none. */
typedef nb_status (*strat_one_run_fn)(void *ctx, size_t r);
nb_status strat_run_pool(size_t runs, int threads, const char *label, strat_one_run_fn one, void *ctx);

/* ---- learning-curve helpers (curves.c) ---- */
/* A uniform random cell among env->curve_archs (n_curve_archs > 0). */
void strat_curve_random(const strat_env *env, nb_rng *rng, space_arch *out);
/* 1 when index (env->space->index) is one of env->curve_archs (binary search). */
int strat_curve_has(const strat_env *env, uint32_t index);

/* ---- observations (sh.c): every finished evaluation of one budget level,
 * in the order told: codes[i] (the space's index) and scores[i] (valid acc, %). */
typedef struct {
    size_t n, cap;
    uint32_t *codes;
    float *scores;
} strat_history;
/* Append one observation (cell index, score), growing the arrays. */
void strat_history_add(strat_history *h, uint32_t code, float score);
void strat_history_free(strat_history *h);

/* ---- successive halving over a budget grid (sh.c) ----
 * Li et al., JMLR 2018 (Hyperband) as hpbandster runs it. The grid holds
 * the budgets in ascending order; a budget is a classic fidelity (epoch 0)
 * or an epoch of the curve_fidelity schedule (PROTOCOL.md "Per-epoch
 * budgets"). Bracket number b follows plans[b mod n_plans]: n[0] cells drawn
 * by sample() at grid level level0, the best n[r] of rung r-1 (ties: earlier
 * slot) at level level0 + r. With `checkpoint`, a promoted cell continues
 * from the previous rung's epoch (strat_ask.from_epoch). Asynchrony: the
 * oldest open bracket with runnable work is served first; a new bracket
 * opens when none has work and fewer than `workers` are open; otherwise the
 * worker waits (STRAT_ASK_WAIT). With one worker brackets run one after
 * another. Hyperband over {12, 200} epochs is its two-rung case
 * (hyperband.c), hyperband-epochs the many-rung one (hb_epochs.c). */
#define SH_MAX_LEVELS 16  /* grid length */
#define SH_MAX_N 4096     /* cells per rung (12-bit tag field) */
typedef struct {
    int fidelity; /* epochs of the ask, one of env->fidelities (or env->curve_fidelity) */
    int epoch;    /* 0: classic ask; else the epoch of the curve_fidelity schedule */
} sh_budget;
typedef struct {
    int level0;            /* grid level of rung 0 */
    int n_rungs;           /* rungs, level0 + n_rungs <= grid length */
    int n[SH_MAX_LEVELS];  /* (n_rungs) cells per rung, non-increasing, <= SH_MAX_N */
} sh_plan;
typedef struct sh_state sh_state;
/* Draws a new rung-0 cell; ctx is the owner's (BOHB's model). */
typedef void (*sh_sample_fn)(void *ctx, const sh_state *sh, nb_rng *rng, space_arch *out);
/* grid and plans are copied; space (static) indexes the observations.
 * Aborts on OOM. */
sh_state *sh_create(const space_def *space, int workers, const sh_budget *grid, int n_levels,
                    const sh_plan *plans, int n_plans, int checkpoint, sh_sample_fn sample,
                    void *ctx);
int sh_ask(sh_state *sh, nb_rng *rng, strat_ask *out);
void sh_tell(sh_state *sh, const strat_ask *asked, float score);
void sh_destroy(sh_state *sh); /* accepts NULL */
int sh_levels(const sh_state *sh);
/* The space given to sh_create. */
const space_def *sh_space(const sh_state *sh);
/* The two-rung Hyperband engine over env's low and high fidelity (hyperband.c). */
sh_state *strat_hyperband_engine(const strat_env *env, sh_sample_fn sample, void *ctx);
/* Observations of grid level `level` (borrowed, valid until sh_destroy). */
const strat_history *sh_observations(const sh_state *sh, int level);

/* ---- TPE proposal (tpe.c), BOHB's model (Falkner et al. 2018) ----
 * levels[0..n_levels-1]: observation sets (indices of space), highest
 * budget first; the model is fit on the first with at least N_min + 2
 * observations (PROTOCOL.md), one categorical variable per decision of
 * space. env: NULL draws any architecture (space->random); non-NULL
 * restricts every draw to env->curve_archs (a candidate outside the set is
 * skipped; when none of the candidates is in it, a random member is drawn). */
typedef struct {
    size_t cap;
    size_t *order; /* scratch: observation indices sorted by score */
} strat_tpe;
void strat_tpe_propose(strat_tpe *ctx, const strat_history *const *levels, int n_levels,
                       const space_def *space, const strat_env *env, nb_rng *rng,
                       space_arch *out);
void strat_tpe_free(strat_tpe *ctx);
/* TPE over every level of sh (its space), highest budget first. */
void strat_tpe_propose_sh(strat_tpe *ctx, const sh_state *sh, const strat_env *env, nb_rng *rng,
                          space_arch *out);

#endif
