/* strategies/reinforce.c - REINFORCE (Williams 1992) as in NB201's baseline
 * (AutoDL-Projects exps/NATS-algos/reinforce.py):
 *   policy: one categorical distribution per edge, p = softmax(theta[e]),
 *           theta (6, 5) initialised to 0 (uniform);
 *   reward: the validation accuracy (percent) at 12 epochs;
 *   baseline b: exponential moving average of the rewards with momentum
 *           0.9 and bias correction (numerator/denominator), updated with
 *           the new reward BEFORE the advantage R - b is taken;
 *   loss:   -(R - b) * sum_e log p_e(a_e); d/dtheta[e][k] = -(R - b) * (1[k = a_e] - p_e[k]);
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

enum { E = SPACE_NB201_EDGES, K = SPACE_NB201_OPS };

typedef struct {
    int fidelity;
    double theta[E][K], m[E][K], v[E][K];
    long step;
    double ema_num, ema_den;
} rl_state;

static void softmax(const double *x, double *p)
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
    rl_state *s = nb_xcalloc_array(1, sizeof *s);
    s->fidelity = env->search_fidelity;
    return s;
}

static int rl_ask(void *state, nb_rng *rng, strat_ask *out)
{
    rl_state *s = state;
    for (int e = 0; e < E; e++) {
        double p[K];
        softmax(s->theta[e], p);
        double u = nb_rng_uniform(rng), c = 0;
        int k = 0;
        for (; k < K - 1; k++) {
            c += p[k];
            if (u < c) break;
        }
        out->arch.op[e] = (uint8_t)k;
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
    for (int e = 0; e < E; e++) {
        double p[K];
        softmax(s->theta[e], p);
        for (int k = 0; k < K; k++) {
            double grad = -adv * ((k == asked->arch.op[e]) - p[k]);
            s->m[e][k] = RL_BETA1 * s->m[e][k] + (1 - RL_BETA1) * grad;
            s->v[e][k] = RL_BETA2 * s->v[e][k] + (1 - RL_BETA2) * grad * grad;
            s->theta[e][k] -= RL_LR * (s->m[e][k] / bc1) / (sqrt(s->v[e][k] / bc2) + RL_EPS);
        }
    }
}

static void rl_destroy(void *state) { free(state); }

const strat_vtable strat_reinforce_vtable = {
    "reinforce", "REINFORCE: per-edge categorical policy, Adam lr 0.01, EMA baseline 0.9",
    rl_create, rl_ask, rl_tell, rl_destroy, 0,
};
