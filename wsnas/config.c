/* wsnas/config.c - method names, the named presets and the config check.
 * Hyper-parameters and their sources: wsnas/METHODS.md. */
#include "wsnas/ws_private.h"

#include <string.h>

static const char *const method_names[WS_N_METHODS] = {"darts-v1", "darts-v2", "gdas",
                                                       "rsps",     "spos",     "enas"};

const char *ws_method_name(int m) { return m >= 0 && m < WS_N_METHODS ? method_names[m] : NULL; }

int ws_method_find(const char *name)
{
    for (int m = 0; name && m < WS_N_METHODS; m++)
        if (!strcmp(name, method_names[m])) return m;
    return -1;
}

const char *ws_method_list(void) { return "darts-v1, darts-v2, gdas, rsps, spos, enas"; }

const char *ws_preset_list(void) { return "proxy, tiny"; }

/* NB201's search settings (xautodl configs/nas-benchmark/algos/NAME.config and
 * scripts-search/algos/NAME.sh): batch 64, SGD lr 0.025 -> 0.001 cosine,
 * momentum 0.9 Nesterov, wd 5e-4, gradient clip 5; alpha Adam 3e-4,
 * (0.5, 0.999), wd 1e-3; GDAS tau 10 -> 0.1; RSPS select_num 100 (here
 * scaled down with the data). */
static ws_config base(void)
{
    ws_config c;
    memset(&c, 0, sizeof c);
    c.method = WS_DARTS_V1;
    c.net = nn_config_default();
    c.net.classes = 10;
    c.net.in_ch = 1;
    c.net.H = c.net.W = 14;
    c.net.batch = 64;
    c.track_running_stats = 0;
    c.augment = 1;
    c.w_lr = 0.025;
    c.w_lr_min = 0.001;
    c.w_sgd = (ws_sgd_config){0.9, 5e-4, 1, 5.0};
    c.a_adam = (ws_adam_config){3e-4, 0.5, 0.999, 1e-8, 1e-3};
    c.tau_max = 10;
    c.tau_min = 0.1;
    c.unroll_eps = 0.01;
    c.seed = 0;
    c.downsample = 2;
    return c;
}

nb_status ws_preset_get(const char *name, ws_config *out)
{
    ws_config c = base();
    if (name && !strcmp(name, "proxy")) {
        c.net.C = 8;
        c.net.N = 1;
        c.epochs = 10;
        c.select_num = 20;
        c.score_batches = 2;
        c.eval_images = 1000;
        c.ea_population = 10;
        c.ea_topk = 5;
        c.ea_mutation = 0.1;
        c.ea_final = 5;
        c.ctrl_steps = 10;
        c.ctrl_aggregate = 5;
        c.ctrl_derive = 20;
        c.n_train = 2048;
        c.n_valid = 1024;
    } else if (name && !strcmp(name, "tiny")) {
        c.net.C = 4;
        c.net.N = 1;
        c.net.batch = 16;
        c.epochs = 2;
        c.steps = 3;
        c.select_num = 3;
        c.score_batches = 1;
        c.eval_images = 32;
        c.ea_population = 3;
        c.ea_topk = 2;
        c.ea_mutation = 0.1;
        c.ea_final = 1;
        c.ctrl_steps = 2;
        c.ctrl_aggregate = 2;
        c.ctrl_derive = 3;
        c.n_train = 64;
        c.n_valid = 64;
    } else {
        return nb_fail(NB_ENOTFOUND, "unknown preset '%s'; known: %s", name ? name : "(null)",
                       ws_preset_list());
    }
    *out = c;
    return NB_OK;
}

ws_config ws_preset(const char *name)
{
    ws_config c;
    nb_status st = ws_preset_get(name, &c);
    NB_ASSERT(st == NB_OK);
    return c;
}

nb_status ws_config_check(const ws_config *c)
{
    nb_status st;
    if (c->method < 0 || c->method >= WS_N_METHODS)
        return nb_fail(NB_EINVAL, "method: %d is not a method (known: %s)", c->method, ws_method_list());
    if ((st = nn_config_check(&c->net)) != NB_OK) return st;
    if (c->epochs < 1) return nb_fail(NB_EINVAL, "epochs: %d, expected at least 1", c->epochs);
    if (c->w_lr <= 0 || c->w_lr_min < 0) return nb_fail(NB_EINVAL, "w_lr: must be positive");
    if (c->tau_max <= 0 || c->tau_min <= 0) return nb_fail(NB_EINVAL, "tau: must be positive");
    if (c->select_num < 1) return nb_fail(NB_EINVAL, "select_num: %d, expected >= 1", c->select_num);
    if (c->score_batches < 1) return nb_fail(NB_EINVAL, "score_batches: %d, expected >= 1", c->score_batches);
    if (c->eval_images < 1) return nb_fail(NB_EINVAL, "eval_images: %d, expected >= 1", c->eval_images);
    if (c->ea_population < 2 || c->ea_population > WS_POP_MAX)
        return nb_fail(NB_EINVAL, "ea_population: %d, expected 2..%d", c->ea_population, WS_POP_MAX);
    if (c->ea_topk < 1 || c->ea_topk > c->ea_population)
        return nb_fail(NB_EINVAL, "ea_topk: %d, expected 1..ea_population", c->ea_topk);
    if (c->ctrl_steps < 1 || c->ctrl_aggregate < 1 || c->ctrl_derive < 0)
        return nb_fail(NB_EINVAL, "ctrl_steps/ctrl_aggregate: expected >= 1");
    return NB_OK;
}
