/* strategies/scalarised.c - random scalarisation, ParEGO-style (Knowles,
 * "ParEGO: a hybrid algorithm with on-line landscape approximation for
 * expensive multiobjective optimization problems", IEEE TEVC 10(1), 2006):
 * a fresh uniform weight per ask, augmented Tchebycheff over the normalised
 * objectives (both minimised, as in nsga2.c)
 *   f0 = 1 - score / 100,   f1 = latency / lat_ref   (2 when missing);
 * the parent is the best evaluated cell under that weight, mutated
 * (space->mutate). The first 10 asks are uniform random cells. Needs two
 * objectives (min_objectives 2). */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>

#define SCAL_INIT 10    /* random cells before scalarised parents are used */
#define SCAL_RHO 0.05   /* ParEGO's augmented-Tchebycheff rho (Knowles 2006) */
#define SCAL_MISSING_F1 2.0 /* normalised latency given to a missing latency */

typedef struct {
    const space_def *space;
    int fidelity;
    double lat_ref;
    size_t n, cap;
    space_arch *arch;
    double *f; /* (n, 2) normalised, minimised */
} scal_state;

static void *scal_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    scal_state *s = nb_xcalloc_array(1, sizeof *s);
    s->space = env->space;
    s->fidelity = env->search_fidelity;
    s->lat_ref = env->lat_ref > 0 ? env->lat_ref : 1.0;
    return s;
}

static int scal_ask(void *state, nb_rng *rng, strat_ask *out)
{
    scal_state *s = state;
    out->fidelity = s->fidelity;
    out->tag = 0;
    if (s->n < SCAL_INIT) {
        s->space->random(rng, &out->arch);
        return STRAT_ASK_OK;
    }
    /* lambda uniform on the 2-simplex; augmented Tchebycheff
     *   g(x) = max_i lambda_i f_i(x) + rho * sum_i lambda_i f_i(x)
     * (ParEGO, Knowles 2006, eq. 2), minimised over the evaluated cells. */
    double l0 = nb_rng_uniform(rng), l1 = 1.0 - l0;
    size_t best = 0;
    double gbest = INFINITY;
    for (size_t i = 0; i < s->n; i++) {
        double a = l0 * s->f[2 * i], b = l1 * s->f[2 * i + 1];
        double g = (a > b ? a : b) + SCAL_RHO * (a + b);
        if (g < gbest) {
            gbest = g;
            best = i;
        }
    }
    s->space->mutate(&s->arch[best], rng, &out->arch);
    return STRAT_ASK_OK;
}

static void scal_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    scal_state *s = state;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        s->arch = nb_xrealloc_array(s->arch, cap, sizeof *s->arch);
        s->f = nb_xrealloc_array(s->f, cap, 2 * sizeof *s->f);
        s->cap = cap;
    }
    const float latency = obj[STRAT_OBJ_LATENCY];
    s->arch[s->n] = asked->arch;
    s->f[2 * s->n] = 1.0 - (double)obj[STRAT_OBJ_SCORE] / 100.0;
    s->f[2 * s->n + 1] = isfinite(latency) ? (double)latency / s->lat_ref : SCAL_MISSING_F1;
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

const strat_vtable strat_scalarised_vtable = {
    "scalarised",
    "random scalarisation (ParEGO-style weights per evaluation), best cell under it mutated",
    scal_create, scal_ask, scal_tell, scal_destroy, 2,
};
