/* strategies/rnn.c - reinforcement learning with an LSTM controller (Zoph &
 * Le, ICLR 2017; the controller of ENAS, Pham et al., ICML 2018): the
 * controller of nn/controller.h emits the space's decisions one at a time
 * (NB201: the six edge ops), each sampled choice embedded and fed to the
 * next step, and learns by REINFORCE with an exponential-moving-average
 * baseline (decay 0.99) and an entropy bonus (weight 1e-4), Adam, one
 * update per reward. reward = the validation accuracy at the search
 * fidelity as a fraction (percent / 100, the scale NB201's ENAS rewards and
 * the controller's defaults assume). One LSTM layer of 64 units,
 * temperature 5, tanh constant 2.5, clip 5 (nn_ctrl_config_default).
 * Step size: lr RNN_LR = 0.01 instead of ENAS's 1e-3, whose ~100 updates
 * at NB201's budget would leave the policy within a few percent of uniform;
 * 0.01 is NB201's REINFORCE step size (strategies/reinforce.c). Adam's
 * beta1 stays ENAS's 0.
 * A missing score (NaN, a restricted run) teaches nothing.
 * The weights are drawn from the run's search stream at create.
 * Asynchronous workers: every ask samples from the current policy; a reward
 * updates the policy when it arrives, with the log-probability of the told
 * architecture recomputed under the current weights (nn_ctrl_update), as
 * asynchronous policy-gradient workers do (Zoph & Le sec. 3.3). */
#include "strategies/strat_private.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "nn/controller.h"

#define RNN_LR 0.01

typedef struct {
    int fidelity;
    nn_ctrl *ctrl;
} rnn_state;

static void *rnn_create(const strat_env *env, nb_rng *rng)
{
    rnn_state *s = nb_xcalloc_array(1, sizeof *s);
    s->fidelity = env->search_fidelity;
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.lr = RNN_LR;
    nb_status st = nn_ctrl_create(&cfg, env->space, rng, &s->ctrl);
    assert(st == NB_OK && "the default controller fits every registered space");
    (void)st;
    return s;
}

static int rnn_ask(void *state, nb_rng *rng, strat_ask *out)
{
    rnn_state *s = state;
    nn_ctrl_draw d;
    nn_ctrl_sample(s->ctrl, rng, &d);
    out->arch = d.arch;
    out->fidelity = s->fidelity;
    out->tag = 0;
    return STRAT_ASK_OK;
}

static void rnn_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    (void)rng;
    rnn_state *s = state;
    const float score = obj[STRAT_OBJ_SCORE];
    if (isnan(score)) return;
    nn_ctrl_update(s->ctrl, &asked->arch, score / 100.0, NULL);
}

static void rnn_destroy(void *state)
{
    rnn_state *s = state;
    if (!s) return;
    nn_ctrl_destroy(s->ctrl);
    free(s);
}

const strat_vtable strat_rnn_vtable = {
    "rnn", "RL with an LSTM controller (Zoph & Le 2017, ENAS's): REINFORCE, EMA baseline, entropy bonus, Adam",
    rnn_create, rnn_ask, rnn_tell, rnn_destroy, 0,
};
