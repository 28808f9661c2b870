/* strategies/mo.c - the multi-objective search loop (accuracy vs latency of
 * one hardware column) and the simple multi-objective strategies: random,
 * random-constrained, rea-constrained, scalarised. NSGA-II is in nsga2.c.
 *
 * One run (same clock as strategies/run.c with one worker, PROTOCOL.md):
 *   t = 0; ask; the cell costs train_time_per_epoch * 12 + eval_time of the
 *   search dataset and finishes at t + cost; if that is after the budget the
 *   run stops (the evaluation does not count); else the clock jumps there,
 *   the evaluation is recorded, the constrained incumbent is updated
 *   (feasible: latency <= L; best search score, ties keep the earlier), and
 *   the strategy is told the score and the latency.
 * Threads take runs from a shared counter; run r uses RNG stream
 * (seed, r, NB_PURPOSE_SEARCH) and writes only row r of the outputs. */
#include "strategies/strat.h"
#include "strategies/strat_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MO_SEARCH_EPOCHS 12
#define MO_REPORT_EPOCHS 200
#define MO_REA_P 10
#define MO_REA_S 3
#define MO_SCAL_INIT 10    /* random cells before scalarised parents are used */
#define MO_SCAL_RHO 0.05   /* ParEGO's augmented-Tchebycheff rho (Knowles 2006) */
#define MO_MISSING_F1 2.0  /* normalised latency given to a missing latency */

extern const strat_mo_vtable strat_mo_nsga2_vtable; /* nsga2.c */

/* ---- random / random-constrained: uniform cells, nothing learnt ---- */

static void *rand_create(const strat_mo_env *env, nb_rng *rng)
{
    (void)env;
    (void)rng;
    return nb_xcalloc_array(1, 1);
}
static void rand_ask(void *state, nb_rng *rng, space_arch *out)
{
    (void)state;
    space_random(rng, out);
}
static void rand_tell(void *state, const space_arch *a, float score, float latency, nb_rng *rng)
{
    (void)state;
    (void)a;
    (void)score;
    (void)latency;
    (void)rng;
}
static void rand_destroy(void *state) { free(state); }

static const strat_mo_vtable random_vtable = {
    "random", "uniform random cells; the front of everything evaluated",
    rand_create, rand_ask, rand_tell, rand_destroy,
};
static const strat_mo_vtable random_constrained_vtable = {
    "random-constrained", "uniform random cells; incumbent: best accuracy with latency <= L",
    rand_create, rand_ask, rand_tell, rand_destroy,
};

/* ---- rea-constrained: REA (P 10, S 3) with constraint domination ---- */

typedef struct {
    float latency_max;
    int n_asked_random, size, head, pop;
    space_arch arch[MO_REA_P];
    float score[MO_REA_P], lat[MO_REA_P];
} rea_c_state;

/* a better than b (Deb 2000's constraint handling): feasible beats
 * infeasible; two feasible: higher score; two infeasible: lower latency. */
static int rea_c_better(const rea_c_state *s, int a, int b)
{
    int fa = s->lat[a] <= s->latency_max, fb = s->lat[b] <= s->latency_max;
    if (fa != fb) return fa;
    if (fa) return s->score[a] > s->score[b];
    return s->lat[a] < s->lat[b];
}

static void *rea_c_create(const strat_mo_env *env, nb_rng *rng)
{
    (void)rng;
    rea_c_state *s = nb_xcalloc_array(1, sizeof *s);
    s->latency_max = env->latency_max;
    s->pop = env->population > 0 && env->population < MO_REA_P ? env->population : MO_REA_P;
    return s;
}

static void rea_c_ask(void *state, nb_rng *rng, space_arch *out)
{
    rea_c_state *s = state;
    if (s->n_asked_random < s->pop || s->size == 0) {
        s->n_asked_random++;
        space_random(rng, out);
        return;
    }
    int best = -1;
    for (int k = 0; k < MO_REA_S; k++) {
        int i = (s->head + (int)nb_rng_below(rng, (uint64_t)s->size)) % s->pop;
        if (best < 0 || rea_c_better(s, i, best)) best = i;
    }
    space_mutate(&s->arch[best], rng, out);
}

static void rea_c_tell(void *state, const space_arch *a, float score, float latency, nb_rng *rng)
{
    (void)rng;
    rea_c_state *s = state;
    int i;
    if (s->size < s->pop) {
        i = (s->head + s->size) % s->pop;
        s->size++;
    } else {
        i = s->head;
        s->head = (s->head + 1) % s->pop;
    }
    s->arch[i] = *a;
    s->score[i] = score;
    s->lat[i] = latency; /* +INFINITY when missing: infeasible, worst */
}

static void rea_c_destroy(void *state) { free(state); }

static const strat_mo_vtable rea_constrained_vtable = {
    "rea-constrained",
    "REA (P 10, S 3) where latency > L loses to feasible cells (constraint domination)",
    rea_c_create, rea_c_ask, rea_c_tell, rea_c_destroy,
};

/* ---- scalarised: a random weight per ask, greedy parent, mutation ---- */

typedef struct {
    double lat_ref;
    size_t n, cap;
    space_arch *arch;
    double *f; /* (n, 2) normalised, minimised */
} scal_state;

static void *scal_create(const strat_mo_env *env, nb_rng *rng)
{
    (void)rng;
    scal_state *s = nb_xcalloc_array(1, sizeof *s);
    s->lat_ref = env->lat_ref > 0 ? env->lat_ref : 1.0;
    return s;
}

static void scal_ask(void *state, nb_rng *rng, space_arch *out)
{
    scal_state *s = state;
    if (s->n < MO_SCAL_INIT) {
        space_random(rng, out);
        return;
    }
    /* lambda uniform on the 2-simplex; augmented Tchebycheff
     *   g(x) = max_i lambda_i f_i(x) + rho * sum_i lambda_i f_i(x)
     * (ParEGO, Knowles 2006, eq. 2), minimised over the evaluated cells. */
    double l0 = nb_rng_uniform(rng), l1 = 1.0 - l0;
    size_t best = 0;
    double gbest = INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        double a = l0 * s->f[2 * i], b = l1 * s->f[2 * i + 1];
        double g = (a > b ? a : b) + MO_SCAL_RHO * (a + b);
        if (g < gbest) {
            gbest = g;
            best = i;
        }
    }
    space_mutate(&s->arch[best], rng, out);
}

static void scal_tell(void *state, const space_arch *a, float score, float latency, nb_rng *rng)
{
    (void)rng;
    scal_state *s = state;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        s->arch = nb_xrealloc_array(s->arch, cap, sizeof *s->arch);
        s->f = nb_xrealloc_array(s->f, cap, 2 * sizeof *s->f);
        s->cap = cap;
    }
    s->arch[s->n] = *a;
    s->f[2 * s->n] = 1.0 - (double)score / 100.0;
    s->f[2 * s->n + 1] = isfinite(latency) ? (double)latency / s->lat_ref : MO_MISSING_F1;
    s->n++;
}

static void scal_destroy(void *state)
{
    scal_state *s = state;
    if (!s) return;
    free(s->arch);
    free(s->f);
    free(s);
}

static const strat_mo_vtable scalarised_vtable = {
    "scalarised",
    "random scalarisation (ParEGO-style weights per evaluation), best cell under it mutated",
    scal_create, scal_ask, scal_tell, scal_destroy,
};

/* ---- registry ---- */

static const strat_mo_vtable *const builtin[] = {
    &strat_mo_nsga2_vtable, &scalarised_vtable, &random_vtable, &rea_constrained_vtable,
    &random_constrained_vtable, NULL,
};

const strat_mo_vtable *const *strat_mo_builtin(void) { return builtin; }

const strat_mo_vtable *strat_mo_find(const char *name)
{
    char known[256];
    size_t len = 0;
    known[0] = '\0';
    for (size_t i = 0; builtin[i]; i++) {
        if (name && !strcmp(builtin[i]->name, name)) return builtin[i];
        int w = snprintf(known + len, sizeof known - len, "%s%s", i ? ", " : "", builtin[i]->name);
        if (w > 0 && (size_t)w < sizeof known - len) len += (size_t)w;
    }
    nb_fail(NB_ENOTFOUND, "multi-objective strategy '%s' is unknown; known: %s",
            name ? name : "(null)", known);
    return NULL;
}

/* ---- device columns ---- */

static int find_column(tab_table *t, const char *name)
{
    int n = tab_n_devices(t);
    for (int i = 0; i < n; i++) {
        tab_device_info info;
        if (tab_device(t, i, &info) == NB_OK && !strcmp(info.name, name)) return i;
    }
    return -1;
}

int strat_mo_device_column(tab_table *t, const char *dataset, const char *device)
{
    NB_ASSERT(t);
    if (!device || !*device) {
        nb_fail(NB_EINVAL, "device: none given; hint: a column name such as "
                           "hwnas_edgegpu_latency_cifar10 or a device such as edgegpu");
        return -1;
    }
    int c = find_column(t, device);
    if (c >= 0) return c;
    const char *ds = dataset && !strncmp(dataset, "cifar10", 7) && strcmp(dataset, "cifar100")
                         ? "cifar10"
                         : (dataset ? dataset : "cifar10");
    char name[160];
    snprintf(name, sizeof name, "hwnas_%s_latency_%s", device, ds);
    if ((c = find_column(t, name)) >= 0) return c;
    snprintf(name, sizeof name, "help_%s_latency", device);
    if ((c = find_column(t, name)) >= 0) return c;
    snprintf(name, sizeof name, "help_%s_latency_b1", device);
    if ((c = find_column(t, name)) >= 0) return c;
    /* list the distinct devices, first-seen order */
    char known[1024];
    size_t len = 0;
    known[0] = '\0';
    int n = tab_n_devices(t);
    for (int i = 0; i < n; i++) {
        tab_device_info info, prev;
        if (tab_device(t, i, &info) != NB_OK) continue;
        int dup = 0;
        for (int j = 0; j < i && !dup; j++)
            dup = tab_device(t, j, &prev) == NB_OK && !strcmp(prev.device, info.device);
        if (dup) continue;
        int w = snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "", info.device);
        if (w > 0 && (size_t)w < sizeof known - len) len += (size_t)w;
    }
    nb_fail(NB_ENOTFOUND, "device '%s': no hardware column of that name in %s, nor %s-latency "
                          "column for dataset %s; devices: %s; hint: nastab tables devices FILE",
            device, tab_path(t), device, ds, len ? known : "(none)");
    return -1;
}

/* ---- configuration and outputs ---- */

strat_mo_config strat_mo_config_default(void)
{
    strat_mo_config c;
    memset(&c, 0, sizeof c);
    c.dataset = "cifar10";
    c.device = "edgegpu";
    c.strategy = "nsga2";
    c.runs = 100;
    c.grid = 101;
    return c;
}

void strat_mo_output_free(strat_mo_output *o)
{
    if (!o) return;
    free(o->time);
    free(o->n_evals);
    free(o->eval_arch);
    free(o->eval_finish);
    free(o->eval_score);
    free(o->eval_valid);
    free(o->eval_test);
    free(o->eval_latency);
    free(o->inc_test);
    free(o->final_valid);
    free(o->final_test);
    free(o->final_latency);
    free(o->final_arch);
    memset(o, 0, sizeof *o);
}

/* ---- the loop ---- */

typedef struct {
    const strat_mo_vtable *vt;
    const strat_mo_config *cfg;
    strat_mo_env env;
    double budget;
    size_t n_archs;
    const float *search, *rep_valid, *rep_test, *train_time, *eval_time, *latency;
    int32_t code2idx[SPACE_NB201_SIZE];
    strat_mo_output *out;
} mo_shared;

static nb_status one_run(const mo_shared *sh, size_t r)
{
    strat_mo_output *o = sh->out;
    const size_t grid = o->grid, cap = o->cap;
    nb_rng rng;
    nb_rng_init(&rng, sh->cfg->seed, r, NB_PURPOSE_SEARCH);
    void *state = sh->vt->create(&sh->env, &rng);
    float *inc_row = o->inc_test + r * grid;
    size_t base = r * cap;
    float inc_score = -INFINITY, inc_valid = NAN, inc_test = NAN, inc_lat = NAN;
    int32_t inc_idx = -1;
    size_t g = 0, n = 0;
    double now = 0.0;
    nb_status st = NB_OK;
    for (;;) {
        space_arch a;
        sh->vt->ask(state, &rng, &a);
        uint32_t code = space_code(&a);
        int32_t idx = code < SPACE_NB201_SIZE ? sh->code2idx[code] : -1;
        if (idx < 0) {
            char s[SPACE_STR_MAX];
            space_format(&a, s, sizeof s);
            st = nb_fail(NB_ENOTFOUND, "strategy '%s' (run %zu) proposed %s: not in table",
                         sh->vt->name, r, s);
            goto done;
        }
        double finish =
            now + (double)sh->train_time[idx] * MO_SEARCH_EPOCHS + (double)sh->eval_time[idx];
        if (finish > sh->budget) break;
        NB_ASSERT(n < cap); /* cap = floor(budget / cheapest cost) + 1 */
        now = finish;
        while (g < grid && o->time[g] < now) inc_row[g++] = inc_test;
        float score = sh->search[idx], lat = sh->latency[idx];
        o->eval_arch[base + n] = idx;
        o->eval_finish[base + n] = now;
        o->eval_score[base + n] = score;
        o->eval_valid[base + n] = sh->rep_valid[idx];
        o->eval_test[base + n] = sh->rep_test[idx];
        o->eval_latency[base + n] = lat;
        n++;
        if (isfinite(lat) && lat <= sh->env.latency_max && score > inc_score) {
            inc_score = score;
            inc_idx = idx;
            inc_valid = sh->rep_valid[idx];
            inc_test = sh->rep_test[idx];
            inc_lat = lat;
        }
        sh->vt->tell(state, &a, score, isfinite(lat) ? lat : INFINITY, &rng);
    }
    for (; g < grid; g++) inc_row[g] = inc_test;
    o->n_evals[r] = (uint32_t)n;
    o->final_valid[r] = inc_valid;
    o->final_test[r] = inc_test;
    o->final_latency[r] = inc_lat;
    o->final_arch[r] = inc_idx;
done:
    sh->vt->destroy(state);
    return st;
}

static nb_status one_run_cb(void *ctx, size_t r) { return one_run(ctx, r); }

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static nb_status validate(const strat_mo_config *cfg)
{
    if (!cfg) return nb_fail(NB_EINVAL, "strat_mo_run: config is NULL");
    if (!cfg->table) return nb_fail(NB_EINVAL, "table: no table given");
    if (!cfg->dataset) return nb_fail(NB_EINVAL, "dataset: none given");
    if (cfg->runs == 0) return nb_fail(NB_EINVAL, "runs: 0; hint: at least 1 run");
    if (cfg->grid < 2) return nb_fail(NB_EINVAL, "grid: %zu points; need at least 2", cfg->grid);
    if (!(cfg->budget >= 0) || isinf(cfg->budget))
        return nb_fail(NB_EINVAL, "budget: %g seconds; must be positive (0 = the dataset's default)",
                       cfg->budget);
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

static void alloc_output(strat_mo_output *o, size_t runs, size_t grid, size_t cap)
{
    size_t ev, gr;
    NB_ASSERT(nb_mul_ok(runs, cap, &ev) && nb_mul_ok(runs, grid, &gr));
    o->runs = runs;
    o->grid = grid;
    o->cap = cap;
    o->time = nb_xcalloc_array(grid, sizeof *o->time);
    o->n_evals = nb_xcalloc_array(runs, sizeof *o->n_evals);
    o->eval_arch = nb_xcalloc_array(ev, sizeof *o->eval_arch);
    o->eval_finish = nb_xcalloc_array(ev, sizeof *o->eval_finish);
    o->eval_score = nb_xcalloc_array(ev, sizeof *o->eval_score);
    o->eval_valid = nb_xcalloc_array(ev, sizeof *o->eval_valid);
    o->eval_test = nb_xcalloc_array(ev, sizeof *o->eval_test);
    o->eval_latency = nb_xcalloc_array(ev, sizeof *o->eval_latency);
    for (size_t i = 0; i < ev; i++) {
        o->eval_arch[i] = -1;
        o->eval_finish[i] = NAN;
        o->eval_score[i] = o->eval_valid[i] = o->eval_test[i] = o->eval_latency[i] = NAN;
    }
    o->inc_test = nb_xcalloc_array(gr, sizeof *o->inc_test);
    o->final_valid = nb_xcalloc_array(runs, sizeof *o->final_valid);
    o->final_test = nb_xcalloc_array(runs, sizeof *o->final_test);
    o->final_latency = nb_xcalloc_array(runs, sizeof *o->final_latency);
    o->final_arch = nb_xcalloc_array(runs, sizeof *o->final_arch);
}

#define MO_MAX_EVAL_CELLS ((size_t)1 << 28) /* runs * cap guard: ~7 GB of traces */

nb_status strat_mo_run(const strat_mo_config *cfg, strat_mo_output *out)
{
    NB_ASSERT(out);
    memset(out, 0, sizeof *out);
    nb_status st = validate(cfg);
    if (st != NB_OK) return st;
    const strat_mo_vtable *vt = cfg->vtable ? cfg->vtable : strat_mo_find(cfg->strategy);
    if (!vt) return NB_ENOTFOUND;
    tab_table *t = cfg->table;
    strat_protocol proto;
    if ((st = strat_protocol_nb201(t, cfg->dataset, &proto)) != NB_OK) return st;
    int col = strat_mo_device_column(t, cfg->dataset, cfg->device);
    if (col < 0) return NB_ENOTFOUND;
    tab_device_info info;
    if ((st = tab_device(t, col, &info)) != NB_OK) return st;

    mo_shared *sh = nb_xcalloc_array(1, sizeof *sh);
    float *sorted = NULL;
    sh->vt = vt;
    sh->cfg = cfg;
    sh->budget = cfg->budget > 0 ? cfg->budget : strat_default_budget(cfg->dataset);
    sh->n_archs = tab_n_archs(t);
    const char *sname = tab_dataset_name(t, proto.search_ds);
    if (!(sh->search = tab_metric_final(t, proto.search_ds, MO_SEARCH_EPOCHS, TAB_VALID_ACC)) ||
        !(sh->rep_valid = tab_metric_final(t, proto.report_valid_ds, MO_REPORT_EPOCHS, TAB_VALID_ACC)) ||
        !(sh->rep_test = tab_metric_final(t, proto.report_test_ds, MO_REPORT_EPOCHS, TAB_TEST_ACC)) ||
        !(sh->train_time = tab_cost_column(t, proto.search_ds, TAB_COST_TRAIN_TIME)) ||
        !(sh->eval_time = tab_cost_column(t, proto.search_ds, TAB_COST_EVAL_TIME)) ||
        !(sh->latency = tab_device_values(t, col))) {
        st = NB_ENOTFOUND;
        goto fail;
    }
    /* cheapest evaluation bounds the number of evaluations per run */
    double min_cost = INFINITY;
    for (size_t i = 0; i < sh->n_archs; i++) {
        double c = (double)sh->train_time[i] * MO_SEARCH_EPOCHS + (double)sh->eval_time[i];
        if (!isfinite(c) || !(sh->train_time[i] > 0) || sh->eval_time[i] < 0) {
            st = nb_fail(NB_EFORMAT, "train_time_per_epoch/eval_time of dataset '%s': arch %zu "
                                     "has %g/%g; the search loop needs positive costs",
                         sname, i, (double)sh->train_time[i], (double)sh->eval_time[i]);
            goto fail;
        }
        if (c < min_cost) min_cost = c;
    }
    /* latency column: finite values must be >= 0; median and max of them */
    sorted = nb_xcalloc_array(sh->n_archs, sizeof *sorted);
    size_t nf = 0;
    for (size_t i = 0; i < sh->n_archs; i++) {
        float v = sh->latency[i];
        if (isnan(v)) continue;
        if (!isfinite(v) || v < 0) {
            st = nb_fail(NB_EFORMAT, "hardware column %s: arch %zu has %g; latencies must be "
                                     "finite and >= 0 (NaN = missing)",
                         info.name, i, (double)v);
            goto fail;
        }
        sorted[nf++] = v;
    }
    if (nf == 0) {
        st = nb_fail(NB_EMISSING, "hardware column %s has no value", info.name);
        goto fail;
    }
    qsort(sorted, nf, sizeof *sorted, cmp_float);
    float median = nf % 2 ? sorted[nf / 2] : 0.5f * (sorted[nf / 2 - 1] + sorted[nf / 2]);
    sh->env.population = cfg->population;
    sh->env.latency_max = cfg->latency_max > 0 ? (float)cfg->latency_max : median;
    sh->env.lat_ref = 1.1f * sorted[nf - 1];
    if (!(sh->env.lat_ref > 0)) sh->env.lat_ref = 1.0f;

    double capd = floor(sh->budget / min_cost) + 1.0;
    size_t cap = (size_t)capd, cells;
    if (capd > (double)MO_MAX_EVAL_CELLS || !nb_mul_ok(cap, cfg->runs, &cells) ||
        cells > MO_MAX_EVAL_CELLS) {
        st = nb_fail(NB_EINVAL, "budget %g s x %zu runs allows up to %.0f evaluations per run: "
                                "too many to record; hint: fewer runs or a smaller budget",
                     sh->budget, cfg->runs, capd);
        goto fail;
    }
    for (uint32_t code = 0; code < SPACE_NB201_SIZE; code++) {
        space_arch a = space_from_code(code);
        long idx = tab_index_of(t, &a);
        sh->code2idx[code] = (idx >= 0 && (size_t)idx < sh->n_archs) ? (int32_t)idx : -1;
    }
    alloc_output(out, cfg->runs, cfg->grid, cap);
    out->budget = sh->budget;
    out->device_column = col;
    out->latency_max = sh->env.latency_max;
    out->lat_ref = sh->env.lat_ref;
    out->proto = proto;
    for (size_t g = 0; g < out->grid; g++)
        out->time[g] = sh->budget * (double)g / (double)(out->grid - 1);
    sh->out = out;

    char label[96];
    snprintf(label, sizeof label, "%s %s %s", vt->name, proto.name, info.device);
    st = strat_run_pool(cfg->runs, cfg->threads, cfg->progress ? label : NULL, one_run_cb, sh);
    if (st != NB_OK) strat_mo_output_free(out);
fail:
    free(sorted);
    free(sh);
    return st;
}
