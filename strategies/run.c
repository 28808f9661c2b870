/* strategies/run.c - the budgeted search loop: W simulated asynchronous
 * workers on a simulated clock, many independent runs spread over threads.
 *
 * One run (PROTOCOL.md "Simulated clock"):
 *   t = 0; every free worker asks the strategy for a job, which is charged
 *   train_time_per_epoch * epochs + eval_time seconds and finishes at
 *   t + cost. The earliest pending job (ties: earliest submission) finishes
 *   next; the clock jumps to it, the incumbent is updated, the strategy is
 *   told, and the freed worker asks again. The run stops when the earliest
 *   pending job would finish after the budget: that job and every later one
 *   do not count. With one worker this is exactly the sequential loop
 *   ask -> evaluate -> tell.
 *   A per-epoch ask (strat_ask.epoch > 0; PROTOCOL.md "Per-epoch budgets")
 *   is charged train_time_per_epoch * (epoch - from_epoch) + eval_time, is
 *   scored from the 200-epoch validation curve at that epoch, and ranks for
 *   the incumbent by its epoch (a classic ask by its fidelity).
 *   A multi-objective run (cfg->device set) goes through the same loop: the
 *   strategy is also told the cell's latency (+INFINITY when missing), every
 *   evaluation is recorded in order of finish, only a cell with latency <= L
 *   can become the incumbent (otherwise the same rule), and each run's
 *   hypervolume over time and the table's true front are filled in.
 *
 * Threads take runs from a shared counter; run r always uses RNG stream
 * (seed, r, NB_PURPOSE_SEARCH) and writes only row r of the outputs, so the
 * results do not depend on the thread count or the schedule. All table
 * columns are loaded before the threads start; the threads read borrowed
 * arrays only (no HDF5). (About 800 lines: the loop, its checkpoint set and
 * the loading of its columns, curves and latencies share one private state
 * struct; the registry, the pool and the strategies are in their own files.) */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration and outputs ---- */

strat_run_config strat_run_config_default(void)
{
    strat_run_config c;
    memset(&c, 0, sizeof c);
    c.dataset = "cifar10";
    c.strategy = "random";
    c.runs = 500;
    c.budget = 0; /* strat_default_budget(dataset) */
    c.seed = 0;
    c.workers = 1;
    c.threads = 0;
    c.grid = 101;
    c.progress = 0;
    c.curves = 0;
    return c;
}

strat_run_config strat_mo_config_default(void)
{
    strat_run_config c = strat_run_config_default();
    c.strategy = "nsga2";
    c.device = "edgegpu";
    c.runs = 100;
    return c;
}

/* The arrays of a series: (R, G) trajectories and (R) finals; with cap > 0
 * also the multi-objective ones, the evaluation trace padded with -1 / NaN. */
static void series_alloc(res_series *o, size_t runs, size_t grid, size_t cap, int n_obj)
{
    size_t gr, ev;
    NB_ASSERT(nb_mul_ok(runs, grid, &gr) && nb_mul_ok(runs, cap, &ev));
    o->n_objectives = n_obj;
    o->runs = runs;
    o->grid = grid;
    o->time = nb_xcalloc_array(grid, sizeof *o->time);
    o->test = nb_xcalloc_array(gr, sizeof *o->test);
    o->final_test = nb_xcalloc_array(runs, sizeof *o->final_test);
    o->final_arch = nb_xcalloc_array(runs, sizeof *o->final_arch);
    o->n_evals = nb_xcalloc_array(runs, sizeof *o->n_evals);
    if (n_obj == 1) {
        o->valid = nb_xcalloc_array(gr, sizeof *o->valid);
        o->final_valid = nb_xcalloc_array(runs, sizeof *o->final_valid);
        return;
    }
    o->cap = cap;
    o->hv = nb_xcalloc_array(gr, sizeof *o->hv);
    o->eval_arch = nb_xcalloc_array(ev, sizeof *o->eval_arch);
    o->eval_finish = nb_xcalloc_array(ev, sizeof *o->eval_finish);
    o->eval_score = nb_xcalloc_array(ev, sizeof *o->eval_score);
    o->eval_test = nb_xcalloc_array(ev, sizeof *o->eval_test);
    o->eval_latency = nb_xcalloc_array(ev, sizeof *o->eval_latency);
    for (size_t i = 0; i < ev; i++) {
        o->eval_arch[i] = -1;
        o->eval_finish[i] = NAN;
        o->eval_score[i] = o->eval_test[i] = o->eval_latency[i] = NAN;
    }
}

/* ---- shared read-only state of one strat_run ---- */

#define N_FID 2 /* at most: the search fidelity and the full schedule */

typedef struct {
    const strat_vtable *vt;
    const strat_run_config *cfg;
    double budget;
    size_t n_archs;
    int n_fid;                  /* 2 for NB201 columns (12, 200); 1 for a one-schedule table */
    int fidelities[N_FID];      /* ascending epochs: the protocol's search and max fidelity */
    const float *search[N_FID]; /* (n_archs) search valid acc at fidelities[i] */
    const float *rep_valid;     /* (n_archs) report valid acc, 200 epochs */
    const float *rep_test;      /* (n_archs) report test acc, 200 epochs */
    const float *train_time;    /* (n_archs) seconds per epoch, search dataset */
    const float *eval_time;     /* (n_archs) seconds per validation pass, search dataset */
    const space_def *space;     /* the table's (tab_space) */
    int32_t *code2idx;          /* (space->size) space->index -> table row, -1 absent */
    /* per-epoch curves (only when the strategy needs them; else curve_fid = 0) */
    int curve_fid;              /* schedule of the curve, 200 */
    int n_epochs;
    const int *epochs;          /* (n_epochs) borrowed from the table */
    int *epoch_pos;             /* (curve_fid + 1) epoch -> column of curve, -1 when not recorded */
    float *curve;               /* (n_archs, n_epochs) seed-mean valid acc, NaN = missing */
    size_t n_curve_archs;
    uint32_t *curve_archs;      /* (n_curve_archs) indices with a complete curve, ascending */
    int serve_curves;           /* 1: the strategy is given the curves (env.curve_*) */
    uint8_t *has_curve;         /* (n_archs) 1 = the cell has a complete curve (with the curves) */
    int restricted;             /* 1: cfg->restrict_to_curves on a table whose curves cover
                                 * part of it: only cells with has_curve are searched */
    /* multi-objective runs (n_obj = 2; else latency = NULL) */
    int n_obj;
    const float *latency;       /* (n_archs) the hardware column, NaN = missing */
    float latency_max;          /* constraint L; +INFINITY unconstrained */
    float lat_ref;
    int population;
    strat_zc_env zc;            /* zero-cost strategies (zc.c): the proxy; else score NULL */
    res_series *out;            /* filled row by row */
} shared;

typedef struct {
    double finish;
    uint64_t seq;
    int32_t idx;
    strat_ask ask;
} job;

/* The checkpoints of one run: (cell, epoch) pairs of finished per-epoch
 * evaluations, an open-addressing set of keys code * (curve_fid + 1) + epoch
 * + 1 (0 = empty slot). */
typedef struct {
    uint64_t *key;
    size_t cap, n;
} ckpt_set;

static uint64_t ckpt_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
}

static int ckpt_has(const ckpt_set *c, uint64_t k)
{
    if (!c->cap) return 0;
    for (size_t i = ckpt_hash(k) & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        if (c->key[i] == k) return 1;
        if (c->key[i] == 0) return 0;
    }
}

static void ckpt_add(ckpt_set *c, uint64_t k)
{
    if (ckpt_has(c, k)) return;
    if (2 * (c->n + 1) > c->cap) { /* keep the load factor <= 1/2 */
        size_t cap = c->cap ? 2 * c->cap : 256;
        uint64_t *old = c->key;
        size_t old_cap = c->cap;
        c->key = nb_xcalloc_array(cap, sizeof *c->key);
        c->cap = cap;
        c->n = 0;
        for (size_t i = 0; i < old_cap; i++)
            if (old[i]) ckpt_add(c, old[i]);
        free(old);
    }
    size_t i = ckpt_hash(k) & (c->cap - 1);
    while (c->key[i]) i = (i + 1) & (c->cap - 1);
    c->key[i] = k;
    c->n++;
}

static uint64_t ckpt_key(const shared *sh, uint32_t code, int epoch)
{
    return (uint64_t)code * (uint64_t)(sh->curve_fid + 1) + (uint64_t)epoch + 1;
}

/* Checks a per-epoch ask (a->epoch > 0) of cell idx; NB_EINVAL names what is wrong. */
static nb_status check_epoch_ask(const shared *sh, size_t r, const strat_ask *a, int32_t idx,
                                 const ckpt_set *ck)
{
    char s[SPACE_STR_MAX];
    sh->space->format(&a->arch, s, sizeof s);
    if (!sh->serve_curves)
        return nb_fail(NB_EINVAL, "strategy '%s' (run %zu) asked %s at epoch %d, but it was not "
                       "given curves; hint: set strat_run_config.curves = 1", sh->vt->name, r, s,
                       a->epoch);
    if (a->fidelity != sh->curve_fid || a->epoch > sh->curve_fid || sh->epoch_pos[a->epoch] < 0)
        return nb_fail(NB_EINVAL, "strategy '%s' (run %zu) asked %s at epoch %d of the %d-epoch "
                       "schedule; the curve has epochs 1..%d of the %d-epoch schedule (%d recorded)",
                       sh->vt->name, r, s, a->epoch, a->fidelity, sh->curve_fid, sh->curve_fid,
                       sh->n_epochs);
    if (isnan(sh->curve[(size_t)idx * (size_t)sh->n_epochs + (size_t)sh->epoch_pos[a->epoch]]))
        return nb_fail(NB_EINVAL, "strategy '%s' (run %zu) asked %s at epoch %d: the table has no "
                       "validation accuracy there (only cells of env->curve_archs can be asked)",
                       sh->vt->name, r, s, a->epoch);
    if (a->from_epoch < 0 || a->from_epoch >= a->epoch ||
        (a->from_epoch > 0 && !ckpt_has(ck, ckpt_key(sh, sh->space->index(&a->arch), a->from_epoch))))
        return nb_fail(NB_EINVAL, "strategy '%s' (run %zu) asked %s from epoch %d to %d: no "
                       "checkpoint of it at epoch %d in this run (from_epoch must be 0 or an "
                       "earlier finished epoch of the same cell, below epoch)",
                       sh->vt->name, r, s, a->from_epoch, a->epoch, a->from_epoch);
    return NB_OK;
}

/* An asked architecture must be one of the table's space: NB_EINVAL names
 * the strategy and the first bad decision (a plugin may return anything). */
static nb_status check_arch(const shared *sh, size_t r, const space_arch *a)
{
    if (space_arch_valid(sh->space, a)) return NB_OK;
    const space_def *sp = sh->space;
    int d = 0;
    while (d < SPACE_ARCH_MAX && a->op[d] < (d < sp->n_decisions ? sp->n_choices[d] : 1)) d++;
    if (d < sp->n_decisions)
        return nb_fail(NB_EINVAL, "strategy '%s' (run %zu) asked an invalid %s architecture: "
                       "decision %d is %d, its choices are 0..%d; hint: draw architectures "
                       "with env->space (random, mutate, neighbours, arch)", sh->vt->name, r,
                       sp->name, d, a->op[d], sp->n_choices[d] - 1);
    return nb_fail(NB_EINVAL, "strategy '%s' (run %zu) asked an invalid %s architecture: slot %d "
                   "is %d, but the space has %d decisions and the slots after them must be 0; "
                   "hint: draw architectures with env->space", sh->vt->name, r, sp->name,
                   d < SPACE_ARCH_MAX ? d : 0, d < SPACE_ARCH_MAX ? a->op[d] : 0, sp->n_decisions);
}

static int fid_slot(const shared *sh, int fidelity)
{
    for (int i = 0; i < sh->n_fid; i++)
        if (sh->fidelities[i] == fidelity) return i;
    return -1;
}

/* A restricted run gives up after this many consecutive proposals outside
 * its cells (each costs no simulated time, so a strategy that never leaves
 * them would loop for ever). */
#define MAX_OUTSIDE 1000000

/* One run r: writes row r of the outputs. */
static nb_status one_run(const shared *sh, size_t r)
{
    const strat_run_config *cfg = sh->cfg;
    res_series *o = sh->out;
    const int mo = sh->n_obj > 1; /* record the trace; the incumbent is constrained */
    const size_t grid = o->grid;
    const int W = cfg->workers;
    float *row_valid = o->valid ? o->valid + r * grid : NULL;
    float *row_test = o->test + r * grid;
    const size_t base = r * o->cap;

    nb_rng rng;
    nb_rng_init(&rng, cfg->seed, r, NB_PURPOSE_SEARCH);
    strat_env env;
    memset(&env, 0, sizeof env);
    env.n_fidelities = sh->n_fid;
    env.fidelities = sh->fidelities;
    env.search_fidelity = sh->fidelities[0];
    env.workers = W;
    if (sh->serve_curves) {
        env.curve_fidelity = sh->curve_fid;
        env.n_epochs = sh->n_epochs;
        env.epochs = sh->epochs;
        env.n_curve_archs = sh->n_curve_archs;
        env.curve_archs = sh->curve_archs;
    }
    env.n_objectives = sh->n_obj;
    env.latency_max = sh->latency_max;
    env.lat_ref = sh->lat_ref;
    env.population = sh->population;
    env.space = sh->space;
    ckpt_set ck = {NULL, 0, 0};
    double now = 0.0; /* a zero-cost strategy's proxy phase comes first */
    void *state = sh->zc.score ? strat_zc_create(sh->vt, &env, &sh->zc, &rng, &now)
                               : sh->vt->create(&env, &rng);
    job *pend = nb_xcalloc_array((size_t)W, sizeof *pend);
    int n_pend = 0;
    uint64_t seq = 0;
    int n_outside = 0; /* consecutive proposals outside a restricted run's cells */
    nb_status st = NB_OK;

    /* incumbent: best search score at the highest fidelity finished so far
     * (among the feasible cells in a multi-objective run) */
    int inc_fid = -1;
    float inc_score = -INFINITY;
    int32_t inc_idx = -1;
    float inc_valid = NAN, inc_test = NAN;
    size_t g = 0; /* next grid point to write */
    uint32_t n_evals = 0;

    for (;;) {
        /* every free worker asks */
        while (n_pend < W) {
            strat_ask a;
            memset(&a, 0, sizeof a);
            int rc = sh->vt->ask(state, &rng, &a);
            if (rc == STRAT_ASK_WAIT) {
                if (n_pend == 0) {
                    st = nb_fail(NB_EINTERNAL,
                                 "strategy '%s' (run %zu) waited with no evaluation pending",
                                 sh->vt->name, r);
                    goto done;
                }
                break;
            }
            int slot = fid_slot(sh, a.fidelity);
            if (rc != STRAT_ASK_OK || slot < 0 || a.epoch < 0) {
                st = nb_fail(NB_EINVAL,
                             "strategy '%s' (run %zu): ask returned %d with fidelity %d "
                             "(epoch %d); fidelities are %d and %d, epoch >= 0",
                             sh->vt->name, r, rc, a.fidelity, a.epoch, sh->fidelities[0],
                             sh->fidelities[sh->n_fid - 1]);
                goto done;
            }
            if ((st = check_arch(sh, r, &a.arch)) != NB_OK) goto done;
            int32_t idx = sh->code2idx[sh->space->index(&a.arch)];
            if (idx < 0) {
                char s[SPACE_STR_MAX];
                sh->space->format(&a.arch, s, sizeof s);
                st = nb_fail(NB_ENOTFOUND, "strategy '%s' (run %zu) proposed %s: not in table",
                             sh->vt->name, r, s);
                goto done;
            }
            if (sh->restricted && !sh->has_curve[idx]) {
                /* a restricted run: the cell is outside the protocol, told missing at no cost */
                if (++n_outside > MAX_OUTSIDE) {
                    st = nb_fail(NB_EINVAL, "strategy '%s' (run %zu) proposed %d cells in a row "
                                 "outside the %zu cells this run is restricted to (cells with a "
                                 "per-epoch curve); hint: run it without --restrict-to-curves on "
                                 "a table with complete curves", sh->vt->name, r, MAX_OUTSIDE,
                                 sh->n_curve_archs);
                    goto done;
                }
                float miss[STRAT_MAX_OBJECTIVES] = {NAN, INFINITY};
                sh->vt->tell(state, &a, miss, &rng);
                continue;
            }
            n_outside = 0;
            if (a.epoch > 0 && (st = check_epoch_ask(sh, r, &a, idx, &ck)) != NB_OK) goto done;
            /* classic: the whole schedule; per-epoch: only the epochs not yet trained */
            int trained = a.epoch > 0 ? a.epoch - a.from_epoch : a.fidelity;
            double cost = (double)sh->train_time[idx] * trained + (double)sh->eval_time[idx];
            pend[n_pend].finish = now + cost;
            pend[n_pend].seq = seq++;
            pend[n_pend].idx = idx;
            pend[n_pend].ask = a;
            n_pend++;
        }
        /* the earliest pending job finishes next */
        int k = 0;
        for (int i = 1; i < n_pend; i++)
            if (pend[i].finish < pend[k].finish ||
                (pend[i].finish == pend[k].finish && pend[i].seq < pend[k].seq))
                k = i;
        job j = pend[k];
        pend[k] = pend[--n_pend];
        if (j.finish > sh->budget) break; /* it and all later jobs end past the budget */
        now = j.finish;
        /* grid points strictly before this result see the old incumbent */
        for (; g < grid && o->time[g] < now; g++) {
            if (row_valid) row_valid[g] = inc_valid;
            row_test[g] = inc_test;
        }
        float obj[STRAT_MAX_OBJECTIVES];
        int level; /* incumbent rule: epochs trained (the fidelity for a classic ask) */
        if (j.ask.epoch > 0) {
            obj[STRAT_OBJ_SCORE] = sh->curve[(size_t)j.idx * (size_t)sh->n_epochs +
                                             (size_t)sh->epoch_pos[j.ask.epoch]];
            level = j.ask.epoch;
            ckpt_add(&ck, ckpt_key(sh, sh->space->index(&j.ask.arch), j.ask.epoch));
        } else {
            obj[STRAT_OBJ_SCORE] = sh->search[fid_slot(sh, j.ask.fidelity)][j.idx];
            level = j.ask.fidelity;
        }
        const float score = obj[STRAT_OBJ_SCORE];
        int feasible = 1;
        if (mo) {
            float lat = sh->latency[j.idx];
            NB_ASSERT(n_evals < o->cap);
            o->eval_arch[base + n_evals] = j.idx;
            o->eval_finish[base + n_evals] = now;
            o->eval_score[base + n_evals] = score;
            o->eval_test[base + n_evals] = sh->rep_test[j.idx];
            o->eval_latency[base + n_evals] = lat;
            obj[STRAT_OBJ_LATENCY] = isfinite(lat) ? lat : INFINITY;
            feasible = obj[STRAT_OBJ_LATENCY] <= sh->latency_max;
        }
        n_evals++;
        /* a missing value (NaN: a cell the table has no data for) never becomes the incumbent */
        if (feasible && !isnan(score) &&
            (level > inc_fid || (level == inc_fid && score > inc_score))) {
            inc_fid = level;
            inc_score = score;
            inc_idx = j.idx;
            inc_valid = sh->rep_valid[j.idx];
            inc_test = sh->rep_test[j.idx];
        }
        sh->vt->tell(state, &j.ask, obj, &rng);
    }
    for (; g < grid; g++) {
        if (row_valid) row_valid[g] = inc_valid;
        row_test[g] = inc_test;
    }
    if (o->final_valid) o->final_valid[r] = inc_valid;
    o->final_test[r] = inc_test;
    o->final_arch[r] = inc_idx;
    o->n_evals[r] = n_evals;
    if (mo) res_hv_trajectory(o, r, o->hv + r * grid);
done:
    sh->vt->destroy(state);
    free(pend);
    free(ck.key);
    return st;
}

static nb_status one_run_cb(void *ctx, size_t r) { return one_run(ctx, r); }

/* A per-arch column that must be finite (and > 0 when positive != 0) for
 * every cell of the run (in[i] != 0; in NULL: every cell). A missing value
 * (NaN) in an unrestricted run: the table lacks cells a strategy may propose,
 * so the run refuses and names the restriction. */
static nb_status check_column(const float *v, size_t n, const uint8_t *in, int positive,
                              const char *what, const char *ds, const char *path)
{
    for (size_t i = 0; i < n; i++) {
        if (in && !in[i]) continue;
        if (isnan(v[i]) && !in) {
            size_t have = 0;
            for (size_t j = 0; j < n; j++) have += !isnan(v[j]);
            return nb_fail(NB_EMISSING, "%s of dataset '%s' in %s: arch %zu is missing (the table "
                           "holds %zu of %zu architectures); a strategy would propose cells the "
                           "table lacks; hint: --restrict-to-curves restricts the run, its optimum "
                           "and regret to the cells with a per-epoch curve",
                           what, ds, path, i, have, n);
        }
        if (!isfinite(v[i]) || (positive ? v[i] <= 0 : v[i] < 0))
            return nb_fail(NB_EFORMAT, "%s of dataset '%s': arch %zu has %g; the search loop "
                           "needs a %s value for every architecture",
                           what, ds, i, (double)v[i], positive ? "positive" : "non-negative");
    }
    return NB_OK;
}

/* An accuracy column the loop reads: finite or NaN (missing) values only,
 * and at least one value. what: "valid_acc of cifar10-valid at 12 epochs". */
static nb_status check_acc_column(const float *v, size_t n, const char *what, const char *path)
{
    size_t have = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) continue;
        if (!isfinite(v[i]))
            return nb_fail(NB_EFORMAT, "%s in %s: arch %zu has %g; accuracies must be finite "
                           "(NaN = missing); damaged or badly built table?", what, path, i,
                           (double)v[i]);
        have++;
    }
    if (have == 0)
        return nb_fail(NB_EMISSING, "%s in %s has values for 0 of %zu cells (every one NaN = "
                       "missing): nothing to search or report; hint: `nastab tables info %s` "
                       "shows the columns", what, path, n, path);
    return NB_OK;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Loads the search dataset's per-epoch validation curve of the 200-epoch
 * schedule (seed mean) into sh: NB_ENOTFOUND with the hint when the table
 * has none, or no cell has a complete one. */
static nb_status load_curves(shared *sh, tab_table *t, const strat_protocol *p, const char *who)
{
    const char *ds = tab_dataset_name(t, p->search_ds);
    const int fid = p->max_fidelity;
    tab_column_info info;
    nb_status st = tab_column_info_get(t, p->search_ds, fid, TAB_VALID_ACC, &info);
    if (st != NB_OK && st != NB_ENOTFOUND) return st;
    if (st == NB_ENOTFOUND || info.n_epochs < 2)
        return nb_fail(NB_ENOTFOUND, "%s needs per-epoch validation curves; the table %s has none "
                       "for %s at %d epochs; hint: import NATS-Bench with `nastab tables import "
                       "nats-tss` or build a table with `nastab tables build`",
                       who, tab_path(t), ds, fid);
    NB_ASSERT(info.epochs[info.n_epochs - 1] <= fid && info.epochs[0] >= 1);
    sh->curve_fid = fid;
    sh->n_epochs = info.n_epochs;
    sh->epochs = info.epochs;
    sh->epoch_pos = nb_xcalloc_array((size_t)fid + 1, sizeof *sh->epoch_pos);
    for (int e = 0; e <= fid; e++) sh->epoch_pos[e] = -1;
    for (int k = 0; k < info.n_epochs; k++) sh->epoch_pos[info.epochs[k]] = k;
    size_t cells;
    if (!nb_mul_ok(sh->n_archs, (size_t)info.n_epochs, &cells))
        return nb_fail(NB_EINVAL, "curves: %zu archs x %d epochs overflows", sh->n_archs,
                       info.n_epochs);
    sh->curve = nb_xcalloc_array(cells ? cells : 1, sizeof *sh->curve);
    sh->curve_archs = nb_xcalloc_array(sh->n_archs ? sh->n_archs : 1, sizeof *sh->curve_archs);
    sh->has_curve = nb_xcalloc_array(sh->n_archs ? sh->n_archs : 1, sizeof *sh->has_curve);
    for (size_t i = 0; i < sh->n_archs; i++) {
        float *row = sh->curve + i * (size_t)info.n_epochs;
        int k = 0;
        for (; k < info.n_epochs; k++) {
            st = tab_metric(t, p->search_ds, fid, TAB_VALID_ACC, TAB_SEED_MEAN, info.epochs[k], i,
                            &row[k]);
            if (st == NB_EMISSING) break; /* the rest stays unusable: a curve has no gaps here */
            if (st != NB_OK) return st;
            if (isinf(row[k]))
                return nb_fail(NB_EFORMAT, "the %d-epoch validation curve of %s in %s: arch %zu "
                               "has %g at epoch %d; accuracies must be finite (NaN = missing)",
                               fid, ds, tab_path(t), i, (double)row[k], info.epochs[k]);
        }
        for (int q = k; q < info.n_epochs; q++) row[q] = NAN;
        if (k == info.n_epochs) {
            sh->curve_archs[sh->n_curve_archs++] = sh->space->index(tab_arch(t, i));
            sh->has_curve[i] = 1;
        }
    }
    if (sh->n_curve_archs == 0)
        return nb_fail(NB_ENOTFOUND, "%s needs per-epoch validation curves; the table %s has a "
                       "curve column for %s at %d epochs but no architecture with a value at "
                       "every epoch; hint: import NATS-Bench with `nastab tables import nats-tss` "
                       "or build a table with `nastab tables build`", who, tab_path(t), ds, fid);
    qsort(sh->curve_archs, sh->n_curve_archs, sizeof *sh->curve_archs, cmp_u32);
    return NB_OK;
}

/* The curves cover only part of the table: refuse (the search would cover
 * those cells while its regret is against the whole table), or, with
 * cfg->restrict_to_curves, restrict the run to them (sh->restricted) and
 * the protocol's optimum to the best of those cells. */
static nb_status restrict_to_curves(shared *sh, tab_table *t, strat_protocol *p)
{
    if (!sh->cfg->restrict_to_curves)
        return nb_fail(NB_EINVAL, "strategy '%s' on %s: the table %s has per-epoch curves for "
                       "%zu of %zu cells (%s, %d epochs); its search would cover only those "
                       "cells while its regret is against the whole table; hint: "
                       "--restrict-to-curves restricts every strategy of the run, the optimum "
                       "and the regret to those cells (strat_run_config.restrict_to_curves)",
                       sh->vt->name, p->name, tab_path(t), sh->n_curve_archs, sh->n_archs,
                       tab_dataset_name(t, p->search_ds), sh->curve_fid);
    sh->restricted = 1;
    float best_valid = -INFINITY, best_test = -INFINITY;
    for (size_t i = 0; i < sh->n_archs; i++) {
        if (!sh->has_curve[i]) continue;
        if (sh->rep_valid[i] > best_valid) best_valid = sh->rep_valid[i];
        if (sh->rep_test[i] > best_test) best_test = sh->rep_test[i];
    }
    p->optimum_valid = isfinite(best_valid) ? best_valid : NAN;
    p->optimum_test = isfinite(best_test) ? best_test : NAN;
    return NB_OK;
}

static nb_status validate(const strat_run_config *cfg)
{
    if (!cfg) return nb_fail(NB_EINVAL, "strat_run: config is NULL");
    if (!cfg->table) return nb_fail(NB_EINVAL, "table: no table given");
    if (!cfg->dataset) return nb_fail(NB_EINVAL, "dataset: none given");
    if (cfg->runs == 0) return nb_fail(NB_EINVAL, "runs: 0; hint: at least 1 run");
    if (cfg->grid < 2) return nb_fail(NB_EINVAL, "grid: %zu points; need at least 2", cfg->grid);
    if (isnan(cfg->budget) || cfg->budget < 0 || isinf(cfg->budget))
        return nb_fail(NB_EINVAL, "budget: %g seconds; must be positive (0 = the dataset's default)",
                       cfg->budget);
    if (cfg->workers < 1)
        return nb_fail(NB_EINVAL, "workers: %d; must be >= 1", cfg->workers);
    if (cfg->threads < 0)
        return nb_fail(NB_EINVAL, "threads: %d; must be >= 0 (0 = all cores)", cfg->threads);
    if (cfg->population < 0 || cfg->population == 1 || cfg->population > 2048)
        return nb_fail(NB_EINVAL, "population: %d; must be 0 (default) or 2..2048",
                       cfg->population);
    if (!(cfg->latency_max >= 0) || isinf(cfg->latency_max))
        return nb_fail(NB_EINVAL, "latency_max: %g; must be positive (0 = the column's median)",
                       cfg->latency_max);
    return NB_OK;
}

static void shared_free(shared *sh)
{
    if (!sh) return;
    free(sh->epoch_pos);
    free(sh->curve);
    free(sh->curve_archs);
    free(sh->has_curve);
    free(sh->code2idx);
    free((float *)sh->zc.score);
    free(sh);
}

/* Everything both kinds of run need: the strategy, the protocol, the
 * columns, the budget, the curves. *out owned by the caller (shared_free). */
static nb_status prepare(const strat_run_config *cfg, int n_obj, strat_protocol *proto, shared **out)
{
    *out = NULL;
    nb_status st = validate(cfg);
    if (st != NB_OK) return st;
    const strat_vtable *vt = cfg->vtable ? cfg->vtable : strat_find(cfg->strategy);
    if (!vt) return NB_ENOTFOUND;
    if (vt->min_objectives > n_obj)
        return nb_fail(NB_EINVAL, "strategy '%s' needs %d objectives; this run has %d; hint: "
                       "run it with a hardware column (`nastab mo --device ...`)",
                       vt->name, vt->min_objectives, n_obj);

    tab_table *t = cfg->table;
    if ((st = strat_protocol_nb201(t, cfg->dataset, proto)) != NB_OK) return st;

    shared *sh = nb_xcalloc_array(1, sizeof *sh);
    sh->vt = vt;
    sh->cfg = cfg;
    sh->n_obj = n_obj;
    sh->latency_max = INFINITY;
    sh->lat_ref = 1.0f;
    sh->budget = cfg->budget > 0 ? cfg->budget : proto->budget;
    sh->n_archs = tab_n_archs(t);
    sh->space = tab_space(t);
    sh->fidelities[0] = proto->search_fidelity;
    sh->fidelities[1] = proto->max_fidelity;
    sh->n_fid = proto->search_fidelity == proto->max_fidelity ? 1 : 2;
    if (sh->n_fid < 2 && (!strcmp(vt->name, "hyperband") || !strcmp(vt->name, "bohb"))) {
        st = nb_fail(NB_EINVAL, "strategy '%s' needs two fidelities; dataset '%s' of %s has one "
                     "schedule (%d epochs); hint: hyperband-epochs or bohb-epochs use its curve",
                     vt->name, cfg->dataset, tab_path(t), proto->max_fidelity);
        goto fail;
    }
    const char *sname = tab_dataset_name(t, proto->search_ds);
    for (int i = 0; i < sh->n_fid; i++)
        if (!(sh->search[i] = tab_metric_final(t, proto->search_ds, sh->fidelities[i], TAB_VALID_ACC))) {
            st = NB_ENOTFOUND;
            goto fail;
        }
    if (!(sh->rep_valid = tab_metric_final(t, proto->report_valid_ds, proto->max_fidelity, TAB_VALID_ACC)) ||
        !(sh->rep_test = tab_metric_final(t, proto->report_test_ds, proto->max_fidelity, TAB_TEST_ACC)) ||
        !(sh->train_time = tab_cost_column(t, proto->search_ds, TAB_COST_TRAIN_TIME)) ||
        !(sh->eval_time = tab_cost_column(t, proto->search_ds, TAB_COST_EVAL_TIME))) {
        st = NB_ENOTFOUND;
        goto fail;
    }
    char what[160];
    for (int i = 0; i < sh->n_fid; i++) {
        snprintf(what, sizeof what, "valid_acc of %s at %d epochs", sname, sh->fidelities[i]);
        if ((st = check_acc_column(sh->search[i], sh->n_archs, what, tab_path(t))) != NB_OK) goto fail;
    }
    snprintf(what, sizeof what, "valid_acc of %s at %d epochs",
             tab_dataset_name(t, proto->report_valid_ds), proto->max_fidelity);
    if ((st = check_acc_column(sh->rep_valid, sh->n_archs, what, tab_path(t))) != NB_OK) goto fail;
    snprintf(what, sizeof what, "test_acc of %s at %d epochs",
             tab_dataset_name(t, proto->report_test_ds), proto->max_fidelity);
    if ((st = check_acc_column(sh->rep_test, sh->n_archs, what, tab_path(t))) != NB_OK) goto fail;
    sh->serve_curves = cfg->curves || strat_is_curve_builtin(vt);
    if ((sh->serve_curves || cfg->restrict_to_curves) &&
        (st = load_curves(sh, t, proto, vt->name)) != NB_OK)
        goto fail;
    if (sh->curve_fid && sh->n_curve_archs < sh->n_archs &&
        (st = restrict_to_curves(sh, t, proto)) != NB_OK)
        goto fail;
    /* costs: every cell the run can evaluate (a restricted run: its cells) */
    const uint8_t *in = sh->restricted ? sh->has_curve : NULL;
    if ((st = check_column(sh->train_time, sh->n_archs, in, 1, "train_time_per_epoch", sname,
                           tab_path(t))) != NB_OK ||
        (st = check_column(sh->eval_time, sh->n_archs, in, 0, "eval_time", sname, tab_path(t))) != NB_OK)
        goto fail;
    if (sh->budget <= 0) { /* not a protocol column: 100 mean search evaluations */
        double sum = 0;
        size_t n_in = 0;
        for (size_t i = 0; i < sh->n_archs; i++) {
            if (in && !in[i]) continue;
            sum += (double)sh->train_time[i] * sh->fidelities[0] + (double)sh->eval_time[i];
            n_in++;
        }
        sh->budget = 100.0 * sum / (double)n_in;
    }
    sh->code2idx = nb_xcalloc_array(sh->space->size, sizeof *sh->code2idx);
    for (uint32_t code = 0; code < sh->space->size; code++) {
        space_arch a = sh->space->arch(code);
        long idx = tab_index_of(t, &a);
        sh->code2idx[code] = (idx >= 0 && (size_t)idx < sh->n_archs) ? (int32_t)idx : -1;
    }
    if (strat_zc_proxy(vt) && (st = strat_zc_load(t, proto->search_ds, vt, sh->code2idx, &sh->zc)) != NB_OK)
        goto fail;
    *out = sh;
    return NB_OK;
fail:
    shared_free(sh);
    return st;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

#define MO_MAX_EVAL_CELLS ((size_t)1 << 28) /* runs * cap guard: ~7 GB of traces */

/* The hardware column of a multi-objective run: checks its values, sets
 * sh->latency, latency_max (cfg's, or the median) and lat_ref. */
static nb_status load_latency(shared *sh, int col)
{
    tab_table *t = sh->cfg->table;
    tab_device_info info;
    nb_status st = tab_device(t, col, &info);
    if (st != NB_OK) return st;
    if (!(sh->latency = tab_device_values(t, col))) return NB_ENOTFOUND;
    /* finite values must be >= 0; median and max of them */
    float *sorted = nb_xcalloc_array(sh->n_archs ? sh->n_archs : 1, sizeof *sorted);
    size_t nf = 0;
    for (size_t i = 0; i < sh->n_archs; i++) {
        float v = sh->latency[i];
        if (isnan(v)) continue;
        if (!isfinite(v) || v < 0) {
            st = nb_fail(NB_EFORMAT, "hardware column %s: arch %zu has %g; latencies must be "
                                     "finite and >= 0 (NaN = missing)",
                         info.name, i, (double)v);
            goto done;
        }
        sorted[nf++] = v;
    }
    if (nf == 0) {
        st = nb_fail(NB_EMISSING, "hardware column %s has no value", info.name);
        goto done;
    }
    qsort(sorted, nf, sizeof *sorted, cmp_float);
    float median = nf % 2 ? sorted[nf / 2] : 0.5f * (sorted[nf / 2 - 1] + sorted[nf / 2]);
    sh->latency_max = sh->cfg->latency_max > 0 ? (float)sh->cfg->latency_max : median;
    sh->lat_ref = 1.1f * sorted[nf - 1];
    if (!(sh->lat_ref > 0)) sh->lat_ref = 1.0f;
done:
    free(sorted);
    return st;
}

nb_status strat_run(const strat_run_config *cfg, res_series *out)
{
    NB_ASSERT(out);
    memset(out, 0, sizeof *out);
    const int n_obj = cfg && cfg->device ? 2 : 1;
    strat_protocol proto;
    shared *sh = NULL;
    nb_status st = prepare(cfg, n_obj, &proto, &sh);
    if (st != NB_OK) return st;
    size_t cap = 0;
    int col = -1;
    tab_device_info info;
    memset(&info, 0, sizeof info);
    if (n_obj > 1) {
        if ((col = strat_device_column(cfg->table, cfg->dataset, cfg->device)) < 0) {
            st = NB_ENOTFOUND;
            goto fail;
        }
        if ((st = tab_device(cfg->table, col, &info)) != NB_OK ||
            (st = load_latency(sh, col)) != NB_OK)
            goto fail;
        sh->population = cfg->population;
        /* the cheapest evaluation bounds the evaluations of a run */
        double min_cost = INFINITY;
        for (size_t i = 0; i < sh->n_archs; i++) {
            double c = (double)sh->train_time[i] * sh->fidelities[0] + (double)sh->eval_time[i];
            if (c < min_cost) min_cost = c;
        }
        double capd = (floor(sh->budget / min_cost) + 1.0) * cfg->workers;
        size_t cells;
        cap = (size_t)capd;
        if (capd > (double)MO_MAX_EVAL_CELLS || !nb_mul_ok(cap, cfg->runs, &cells) ||
            cells > MO_MAX_EVAL_CELLS) {
            st = nb_fail(NB_EINVAL, "budget %g s x %zu runs allows up to %.0f evaluations per "
                                    "run: too many to record; hint: fewer runs or a smaller budget",
                         sh->budget, cfg->runs, capd);
            goto fail;
        }
    }
    series_alloc(out, cfg->runs, cfg->grid, cap, n_obj);
    snprintf(out->dataset, sizeof out->dataset, "%s", proto.name);
    snprintf(out->strategy, sizeof out->strategy, "%s", sh->vt->name);
    snprintf(out->device, sizeof out->device, "%s", n_obj > 1 ? info.name : "");
    out->budget = sh->budget;
    out->workers = cfg->workers;
    out->optimum_valid = proto.optimum_valid;
    out->optimum_test = proto.optimum_test;
    out->restricted_cells = sh->restricted ? sh->n_curve_archs : 0;
    out->latency_max = n_obj > 1 ? sh->latency_max : 0.0f;
    out->lat_ref = n_obj > 1 ? sh->lat_ref : 0.0f;
    for (size_t g = 0; g < out->grid; g++)
        out->time[g] = sh->budget * (double)g / (double)(out->grid - 1);
    sh->out = out;

    char label[160];
    if (n_obj > 1) snprintf(label, sizeof label, "%s %s %s", sh->vt->name, proto.name, info.device);
    else snprintf(label, sizeof label, "%s %s", sh->vt->name, proto.name);
    st = strat_run_pool(cfg->runs, cfg->threads, cfg->progress ? label : NULL, one_run_cb, sh);
    if (st == NB_OK && n_obj > 1) res_fill_front(out, sh->rep_test, sh->rep_valid, sh->latency, sh->n_archs);
fail:
    if (st != NB_OK) res_series_free(out);
    shared_free(sh);
    return st;
}
