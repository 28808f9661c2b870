/* strategies/tpe.c - BOHB's TPE-style proposal (Falkner, Klein & Hutter,
 * ICML 2018), shared by bohb (bohb.c) and bohb-epochs (hb_epochs.c), which
 * draw their rung-0 cells with it instead of uniformly. Settings follow the
 * paper (sec. 4) and hpbandster's defaults; each decision of the space is
 * a categorical variable (NB201: one op per edge, d = 6, K = 5 values):
 *   - a fraction rho = 1/3 of the proposals is uniform random;
 *   - the model uses the highest fidelity with at least N_min + 2
 *     observations, N_min = d + 1 (7 on NB201); before that, proposals are random;
 *   - observations sorted by validation accuracy: the good set is the best
 *     max(N_min, q*N), the bad set the worst max(N_min, (1-q)*N), q = 0.15
 *     (the two sets may overlap when N is small, as in the paper);
 *   - l(x) and g(x) are product kernel densities over the decisions with the
 *     Aitchison-Aitken kernel k(x, x_i) = 1 - lambda if x == x_i, else
 *     lambda / (K - 1); lambda per decision by the normal reference rule on
 *     the choice ids (1.06 * sd * n^(-1/(4+d)), statsmodels' rule used by
 *     hpbandster), at least 1e-3 and at most (K - 1)/K (the uniform kernel);
 *   - 64 candidates are drawn from l: a random good point, each decision kept with
 *     probability 1 - min(1, 3 * lambda) (bandwidth factor 3) and otherwise
 *     uniform; the candidate maximising l(x) / g(x) is proposed. */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BOHB_RANDOM_FRACTION (1.0 / 3.0)
#define BOHB_Q 0.15
#define BOHB_SAMPLES 64
#define BOHB_BW_FACTOR 3.0
#define BOHB_MIN_BW 1e-3

typedef struct {
    const space_def *sp;
    const uint32_t *codes; /* indices of sp */
    const size_t *idx;     /* (n) rows of codes[] in the set */
    size_t n;
    double bw[SPACE_ARCH_MAX];
} kde;

static void kde_fit(kde *m)
{
    const int D = m->sp->n_decisions;
    double expo = -1.0 / (4.0 + D);
    for (int e = 0; e < D; e++) {
        const int K = m->sp->n_choices[e];
        const double max_bw = (double)(K - 1) / K;
        double mean = 0, var = 0;
        for (size_t i = 0; i < m->n; i++) mean += m->sp->arch(m->codes[m->idx[i]]).op[e];
        mean /= (double)m->n;
        for (size_t i = 0; i < m->n; i++) {
            double d = m->sp->arch(m->codes[m->idx[i]]).op[e] - mean;
            var += d * d;
        }
        var /= (double)m->n; /* numpy's std (ddof 0), as statsmodels */
        double bw = 1.06 * sqrt(var) * pow((double)m->n, expo);
        m->bw[e] = bw < BOHB_MIN_BW ? BOHB_MIN_BW : bw > max_bw ? max_bw : bw;
    }
}

static double kde_pdf(const kde *m, const space_arch *x)
{
    const int D = m->sp->n_decisions;
    double sum = 0;
    for (size_t i = 0; i < m->n; i++) {
        space_arch xi = m->sp->arch(m->codes[m->idx[i]]);
        double p = 1;
        for (int e = 0; e < D; e++)
            p *= x->op[e] == xi.op[e] ? 1 - m->bw[e] : m->bw[e] / (m->sp->n_choices[e] - 1);
        sum += p;
    }
    return sum / (double)m->n;
}

static void sort_desc(size_t *order, size_t n, const float *score)
{
    /* insertion sort (n is at most a few hundred): descending, stable */
    for (size_t i = 0; i < n; i++) order[i] = i;
    for (size_t i = 1; i < n; i++) {
        size_t x = order[i], j = i;
        while (j > 0 && score[order[j - 1]] < score[x]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = x;
    }
}

static void draw_random(const space_def *sp, const strat_env *env, nb_rng *rng, space_arch *out)
{
    if (env) strat_curve_random(env, rng, out);
    else sp->random(rng, out);
}

void strat_tpe_propose(strat_tpe *ctx, const strat_history *const *levels, int n_levels,
                       const space_def *sp, const strat_env *env, nb_rng *rng, space_arch *out)
{
    const int D = sp->n_decisions;
    const size_t n_min = (size_t)D + 1; /* N_min = d + 1 */
    if (nb_rng_uniform(rng) < BOHB_RANDOM_FRACTION) {
        draw_random(sp, env, rng, out);
        return;
    }
    const strat_history *h = NULL;
    for (int l = 0; l < n_levels; l++)
        if (levels[l]->n >= n_min + 2) {
            h = levels[l];
            break;
        }
    if (!h) {
        draw_random(sp, env, rng, out);
        return;
    }
    size_t N = h->n;
    if (ctx->cap < N) {
        ctx->order = nb_xrealloc_array(ctx->order, N, sizeof *ctx->order);
        ctx->cap = N;
    }
    sort_desc(ctx->order, N, h->scores);
    size_t n_good = (size_t)floor(BOHB_Q * (double)N), n_bad = (size_t)floor((1 - BOHB_Q) * (double)N);
    if (n_good < n_min) n_good = n_min;
    if (n_bad < n_min) n_bad = n_min;
    kde good = {sp, h->codes, ctx->order, n_good, {0}};
    kde bad = {sp, h->codes, ctx->order + (N - n_bad), n_bad, {0}};
    kde_fit(&good);
    kde_fit(&bad);

    double best = -1;
    for (int c = 0; c < BOHB_SAMPLES; c++) {
        space_arch base = sp->arch(h->codes[good.idx[nb_rng_below(rng, good.n)]]), x;
        memset(&x, 0, sizeof x);
        for (int e = 0; e < D; e++) {
            double bw = BOHB_BW_FACTOR * good.bw[e];
            if (nb_rng_uniform(rng) < 1 - bw) x.op[e] = base.op[e];
            else x.op[e] = (uint8_t)nb_rng_below(rng, sp->n_choices[e]);
        }
        if (env && !strat_curve_has(env, sp->index(&x))) continue; /* no curve: cannot evaluate */
        double l = kde_pdf(&good, &x), g = kde_pdf(&bad, &x);
        double ratio = l / (g > 1e-32 ? g : 1e-32);
        if (ratio > best) {
            best = ratio;
            *out = x;
        }
    }
    if (best < 0) draw_random(sp, env, rng, out); /* only with env: no candidate had a curve */
}

void strat_tpe_propose_sh(strat_tpe *ctx, const sh_state *sh, const strat_env *env, nb_rng *rng,
                          space_arch *out)
{
    const strat_history *levels[SH_MAX_LEVELS];
    int n = sh_levels(sh);
    for (int j = 0; j < n; j++) levels[j] = sh_observations(sh, n - 1 - j); /* largest first */
    strat_tpe_propose(ctx, levels, n, sh_space(sh), env, rng, out);
}

void strat_tpe_free(strat_tpe *ctx)
{
    free(ctx->order);
    ctx->order = NULL;
    ctx->cap = 0;
}
