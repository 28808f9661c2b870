/* strategies/zc.c - strategies that use a zero-cost proxy (nn/PROXIES.md)
 * stored in the table (/zc/<search dataset>/synflow), with the proxy's
 * compute time charged on the simulated clock (PROTOCOL.md "Zero-cost
 * proxies"):
 *
 *   zc-top   score STRAT_ZC_SAMPLES uniform random cells (distinct) by the
 *            proxy, then evaluate them in descending proxy order (the
 *            proxy-only baseline of Abdelfattah et al., "Zero-Cost Proxies
 *            for Lightweight NAS", ICLR 2021, sec. 5: the best-ranked cell is
 *            the one trained; under a budget the next ones follow);
 *   rea-zc   REA (rea.c) whose initial population is the proxy's top 10 of
 *            the sample instead of 10 random cells (the "zero-cost warmup"
 *            of Abdelfattah et al. sec. 5.1);
 *   local-zc local search (local.c) whose first centre is the proxy's best
 *            cell of the sample instead of a random one (restarts stay
 *            random).
 *
 * The proxy phase comes first: the sample is scored by the workers in
 * parallel, each cell costing env cost seconds, so the run's clock starts at
 * ceil(STRAT_ZC_SAMPLES / workers) * cost. The sample is drawn from the
 * run's stream before anything else, so results stay bit-identical for any
 * thread count. Cells without a proxy value (NaN) rank last. */
#include "strategies/strat_private.h"

#include "tables/tab_zc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const strat_vtable *inner; /* rea or local; NULL for zc-top */
    void *in;                  /* its state */
    const space_def *space;
    int fidelity;
    uint32_t *rank; /* (STRAT_ZC_SAMPLES) the sample, best proxy first */
    int n_rank;
    int next;    /* zc-top: next rank to ask; rea-zc: initial asks replaced so far */
    int n_first; /* asks to take from the ranking: zc-top all, rea-zc 10, local-zc 1 */
} zc_state;

typedef struct {
    const float *score;
    uint32_t code;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    int nx = isnan(x->score[x->code]), ny = isnan(y->score[y->code]);
    if (nx != ny) return nx - ny; /* NaN last */
    float u = x->score[x->code], v = y->score[y->code];
    if (u != v) return u < v ? 1 : -1; /* descending */
    return x->code < y->code ? -1 : x->code > y->code; /* ties: smaller index, a total order */
}

void *strat_zc_create(const strat_vtable *vt, const strat_env *env, const strat_zc_env *zc,
                      nb_rng *rng, double *t_start)
{
    const space_def *sp = env->space;
    zc_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = sp;
    s->fidelity = env->search_fidelity;
    size_t n = STRAT_ZC_SAMPLES < sp->size ? STRAT_ZC_SAMPLES : sp->size;
    uint8_t *seen = nb_xcalloc_array(sp->size, 1);
    ranked *r = nb_xcalloc_array(n, sizeof *r);
    for (size_t k = 0; k < n;) { /* distinct uniform cells */
        space_arch a;
        sp->random(rng, &a);
        uint32_t c = sp->index(&a);
        if (seen[c]) continue;
        seen[c] = 1;
        r[k].score = zc->score;
        r[k++].code = c;
    }
    qsort(r, n, sizeof *r, cmp_ranked);
    s->rank = nb_xcalloc_array(n, sizeof *s->rank);
    for (size_t k = 0; k < n; k++) s->rank[k] = r[k].code;
    s->n_rank = (int)n;
    free(r);
    free(seen);
    const int W = env->workers > 0 ? env->workers : 1;
    *t_start = ceil((double)n / W) * zc->cost;
    if (vt == &strat_rea_zc_vtable) s->inner = &strat_rea_vtable, s->n_first = 10;
    else if (vt == &strat_local_zc_vtable) s->inner = &strat_local_vtable, s->n_first = 1;
    else s->n_first = s->n_rank;
    if (s->n_first > s->n_rank) s->n_first = s->n_rank;
    if (s->inner) s->in = s->inner->create(env, rng);
    return s;
}

static void *zc_create_plain(const strat_env *env, nb_rng *rng)
{
    (void)env, (void)rng;
    NB_ASSERT(!"a zero-cost strategy is created by strat_zc_create (strategies/run.c)");
    return NULL;
}

static int zc_ask(void *state, nb_rng *rng, strat_ask *out)
{
    zc_state *s = state;
    if (!s->inner) { /* zc-top: the ranking in order, then random cells */
        out->fidelity = s->fidelity;
        out->tag = 0;
        if (s->next < s->n_rank) out->arch = s->space->arch(s->rank[s->next++]);
        else s->space->random(rng, &out->arch);
        return STRAT_ASK_OK;
    }
    if (s->inner == &strat_local_vtable && s->next < s->n_first) {
        /* local search's first start: the proxy's best; its tell makes it the centre */
        out->arch = s->space->arch(s->rank[s->next++]);
        out->fidelity = s->fidelity;
        out->tag = s->space->index(&out->arch);
        return STRAT_ASK_OK;
    }
    int rc = s->inner->ask(s->in, rng, out);
    if (rc == STRAT_ASK_OK && s->inner == &strat_rea_vtable && s->next < s->n_first)
        out->arch = s->space->arch(s->rank[s->next++]); /* an initial-population ask of REA */
    return rc;
}

static void zc_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    zc_state *s = state;
    if (s->inner) s->inner->tell(s->in, asked, obj, rng);
}

static void zc_destroy(void *state)
{
    zc_state *s = state;
    if (!s) return;
    if (s->inner) s->inner->destroy(s->in);
    free(s->rank);
    free(s);
}

const strat_vtable strat_zc_top_vtable = {
    "zc-top", "proxy only: synflow of 1000 random cells, evaluated best first (Abdelfattah et al. 2021)",
    zc_create_plain, zc_ask, zc_tell, zc_destroy, 0,
};

const strat_vtable strat_rea_zc_vtable = {
    "rea-zc", "REA whose initial population is synflow's top 10 of 1000 random cells",
    zc_create_plain, zc_ask, zc_tell, zc_destroy, 0,
};

const strat_vtable strat_local_zc_vtable = {
    "local-zc", "local search starting from synflow's best of 1000 random cells",
    zc_create_plain, zc_ask, zc_tell, zc_destroy, 0,
};

const char *strat_zc_proxy(const strat_vtable *vt)
{
    return vt == &strat_zc_top_vtable || vt == &strat_rea_zc_vtable || vt == &strat_local_zc_vtable
               ? "synflow"
               : NULL;
}

nb_status strat_zc_load(tab_table *t, int search_ds, const strat_vtable *vt, const int32_t *code2idx,
                        strat_zc_env *out)
{
    memset(out, 0, sizeof *out);
    const char *proxy = strat_zc_proxy(vt), *ds = tab_dataset_name(t, search_ds), *path = tab_path(t);
    double *col = NULL;
    size_t n = 0;
    if (tab_zc_read(path, ds, proxy, &col, &n) != NB_OK || n != tab_n_archs(t)) {
        free(col);
        return nb_fail(NB_ENOTFOUND, "strategy '%s' needs the proxy column /zc/%s/%s, which %s "
                       "lacks; hint: nastab tables proxies %s --dataset %s --proxies %s",
                       vt->name, ds, proxy, path, path, ds, proxy);
    }
    const double cpu = tab_zc_seconds(path, ds, proxy);
    if (!(cpu >= 0) || !isfinite(cpu)) {
        free(col);
        return nb_fail(NB_EFORMAT, "proxy column /zc/%s/%s of %s has no seconds_per_cell attribute "
                       "(the measured cost %s charges); hint: recompute it with nastab tables "
                       "proxies --replace", ds, proxy, path, vt->name);
    }
    const space_def *sp = tab_space(t);
    float *score = nb_xcalloc_array(sp->size, sizeof *score);
    for (uint32_t c = 0; c < sp->size; c++)
        score[c] = code2idx[c] >= 0 ? (float)col[code2idx[c]] : NAN;
    free(col);
    out->score = score;
    out->cost = cpu * (tab_attr(t, "precompute_config") ? 1.0 : STRAT_ZC_GPU_PER_CPU);
    return NB_OK;
}
