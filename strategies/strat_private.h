/* strategies/strat_private.h - internals shared by the files of strategies/:
 * the built-in vtables (one file each) and the successive-halving engine that
 * Hyperband and BOHB share. Not part of the public API; include only from
 * the .c files of strategies/. */
#ifndef STRAT_PRIVATE_H
#define STRAT_PRIVATE_H

#include "strategies/strat.h"

extern const strat_vtable strat_random_vtable;    /* random.c */
extern const strat_vtable strat_rea_vtable;       /* rea.c */
extern const strat_vtable strat_reinforce_vtable; /* reinforce.c */
extern const strat_vtable strat_hyperband_vtable; /* hyperband.c */
extern const strat_vtable strat_bohb_vtable;      /* bohb.c */
extern const strat_vtable strat_local_vtable;     /* local.c */
/* curve strategies (per-epoch budgets; strat_curve_builtin) */
extern const strat_vtable strat_hyperband_epochs_vtable; /* hb_epochs.c */
extern const strat_vtable strat_bohb_epochs_vtable;      /* hb_epochs.c */
extern const strat_vtable strat_lcstop_vtable;           /* lcstop.c */

/* ---- the run pool (pool.c): one(ctx, r) for r in 0..runs-1 on up to
 * `threads` threads (0: one per core); stops taking runs after a failure
 * and returns the failure of the lowest run index, its message set.
 * label: progress bar text, or NULL for none. */
typedef nb_status (*strat_one_run_fn)(void *ctx, size_t r);
nb_status strat_run_pool(size_t runs, int threads, const char *label, strat_one_run_fn one, void *ctx);

/* A uniform random cell among env->curve_archs (hb_epochs.c). */
void strat_curve_random(const strat_env *env, nb_rng *rng, space_arch *out);
/* 1 when code is one of env->curve_archs (binary search; hb_epochs.c). */
int strat_curve_has(const strat_env *env, uint32_t code);

/* ---- successive halving over the fidelities {12, 200} (hyperband.c) ----
 * Brackets (eta = 3, two rungs; PROTOCOL.md "Hyperband and BOHB"):
 *   s = 1: 9 configurations at the low fidelity, the best 3 promoted to the high one;
 *   s = 0: 3 configurations straight at the high fidelity.
 * Brackets alternate s = 1, 0, 1, 0, ...; a new bracket starts when the
 * open ones have nothing to run and fewer than `workers` brackets are open
 * (with one worker: strictly one bracket after another). */
typedef struct hb_state hb_state;
/* Draws a new configuration for rung 0 of a bracket whose rung-0 fidelity
 * is `fidelity`; ctx is the owner's (BOHB's model), obs the history. */
typedef void (*hb_sample_fn)(void *ctx, const hb_state *hb, int fidelity, nb_rng *rng,
                             space_arch *out);
hb_state *hb_create(const strat_env *env, hb_sample_fn sample, void *ctx);
int hb_ask(hb_state *hb, nb_rng *rng, strat_ask *out);
void hb_tell(hb_state *hb, const strat_ask *asked, float score);
void hb_destroy(hb_state *hb);

/* Every finished evaluation, per fidelity slot (0 = low, 1 = high), in the
 * order told: codes[i] (space_code) and scores[i] (valid acc, percent). */
typedef struct {
    size_t n, cap;
    uint32_t *codes;
    float *scores;
} hb_history;
/* Append one observation (cell code, score), growing the arrays. */
void hb_history_add(hb_history *h, uint32_t code, float score);
const hb_history *hb_observations(const hb_state *hb, int slot);
int hb_fidelity(const hb_state *hb, int slot);

/* ---- BOHB's TPE proposal (bohb.c), shared by bohb and bohb-epochs ----
 * levels[0..n_levels-1]: observation sets, highest budget first; the model
 * is fit on the first with at least N_min + 2 observations (PROTOCOL.md).
 * env: NULL draws any cell (space_random); non-NULL restricts every draw to
 * env->curve_archs (a candidate outside the set is skipped; when none of
 * the candidates is in it, a random member is drawn). */
typedef struct {
    size_t cap;
    size_t *order; /* scratch: observation indices sorted by score */
} bohb_ctx;
void bohb_propose(bohb_ctx *ctx, const hb_history *const *levels, int n_levels,
                  const strat_env *env, nb_rng *rng, space_arch *out);

#endif
