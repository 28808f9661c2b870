/* strategies/reinforce.c - REINFORCE (Williams 1992) as in NB201's baseline
 * (AutoDL-Projects exps/NATS-algos/reinforce.py):
 *   policy: one categorical distribution per decision (NB201: per edge),
 *           p = softmax(theta[d]), theta[d] of the decision's n_choices
 *           (NB201: 6 x 5) initialised to 0 (uniform);
 *   reward: the validation accuracy (percent) at 12 epochs;
 *   baseline b: exponential moving average of the rewards with momentum
 *           0.9 and bias correction (numerator/denominator), updated with
 *           the new reward BEFORE the advantage R - b is taken;
 *   loss:   -(R - b) * sum_d log p_d(a_d); d/dtheta[d][k] = -(R - b) * (1[k = a_d] - p_d[k]);
 *   step:   Adam (Kingma & Ba 2015), lr 0.01, beta1 0.9, beta2 0.999, eps 1e-8.
 * With asynchronous workers the gradient is taken under the current policy
 * when the result arrives (the log-probability is not stored at ask time). */
#include "strategies/strat_private.h"

#include <math.h>
#include <stdlib.h>

#define RL_LR 0.01
#define RL_BETA1 0.9
#define RL_BETA2 0.999
#define RL_EPS 1e-8
#define RL_EMA 0.9

typedef struct {
    int fidelity;
    int n_dec;                   /* space->n_decisions */
    int k[SPACE_ARCH_MAX];       /* choices of decision d */
    size_t off[SPACE_ARCH_MAX];  /* decision d's parameters start at theta + off[d] */
    double *theta, *m, *v, *p;   /* (sum k) policy logits, Adam moments; p: softmax scratch */
    long step;
    double ema_num, ema_den;
} rl_state;

static void softmax(const double *x, int K, double *p)
{
    double mx = x[0];
    for (int k = 1; k < K; k++) mx = x[k] > mx ? x[k] : mx;
    double s = 0;
    for (int k = 0; k < K; k++) s += (p[k] = exp(x[k] - mx));
    for (int k = 0; k < K; k++) p[k] /= s;
}

static void *rl_create(const strat_env *env, nb_rng *rng)
{
    (void)rng;
    const space_def *sp = env->space;
    rl_state *s = nb_xcalloc_array(1, sizeof *s);
    s->fidelity = env->search_fidelity;
    s->n_dec = sp->n_decisions;
    size_t n = 0;
    for (int d = 0; d < s->n_dec; d++) {
        s->k[d] = sp->n_choices[d];
        s->off[d] = n;
        n += (size_t)s->k[d];
    }
    s->theta = nb_xcalloc_array(n, sizeof *s->theta);
    s->m = nb_xcalloc_array(n, sizeof *s->m);
    s->v = nb_xcalloc_array(n, sizeof *s->v);
    s->p = nb_xcalloc_array(n, sizeof *s->p);
    return s;
}

static int rl_ask(void *state, nb_rng *rng, strat_ask *out)
{
    rl_state *s = state;
    for (int d = 0; d < s->n_dec; d++) {
        const int K = s->k[d];
        double *p = s->p + s->off[d];
        softmax(s->theta + s->off[d], K, p);
        double u = nb_rng_uniform(rng), c = 0;
        int k = 0;
        for (; k < K - 1; k++) {
            c += p[k];
            if (u < c) break;
        }
        out->arch.op[d] = (uint8_t)k;
    }
    out->fidelity = s->fidelity;
    out->tag = 0;
    return STRAT_ASK_OK;
}

static void rl_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    const float score = obj[STRAT_OBJ_SCORE];
    (void)rng;
    rl_state *s = state;
    double R = score;
    s->ema_num = RL_EMA * s->ema_num + (1 - RL_EMA) * R;
    s->ema_den = RL_EMA * s->ema_den + (1 - RL_EMA);
    double adv = R - s->ema_num / s->ema_den;
    s->step++;
    double bc1 = 1 - pow(RL_BETA1, (double)s->step), bc2 = 1 - pow(RL_BETA2, (double)s->step);
    for (int d = 0; d < s->n_dec; d++) {
        const int K = s->k[d];
        double *theta = s->theta + s->off[d], *m = s->m + s->off[d], *v = s->v + s->off[d];
        double *p = s->p + s->off[d];
        softmax(theta, K, p);
        for (int k = 0; k < K; k++) {
            double grad = -adv * ((k == asked->arch.op[d]) - p[k]);
            m[k] = RL_BETA1 * m[k] + (1 - RL_BETA1) * grad;
            v[k] = RL_BETA2 * v[k] + (1 - RL_BETA2) * grad * grad;
            theta[k] -= RL_LR * (m[k] / bc1) / (sqrt(v[k] / bc2) + RL_EPS);
        }
    }
}

static void rl_destroy(void *state)
{
    rl_state *s = state;
    if (!s) return;
    free(s->theta);
    free(s->m);
    free(s->v);
    free(s->p);
    free(s);
}

const strat_vtable strat_reinforce_vtable = {
    "reinforce", "REINFORCE: per-decision categorical policy, Adam lr 0.01, EMA baseline 0.9",
    rl_create, rl_ask, rl_tell, rl_destroy, 0,
};
