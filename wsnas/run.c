/* wsnas/run.c - one search run: the supernet, its optimizers and RNGs, the
 * per-epoch data orders, and the helpers every method shares (batches,
 * a weight step, scoring a cell with inherited weights, the supernet's
 * validation accuracy). The methods themselves: darts.c, gdas.c, rsps.c,
 * spos.c, enas.c. */
#include "wsnas/ws_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A run's streams: nb_rng(seed, run, INIT) gives the weights' seed, alpha
 * and the controller's weights; (seed, run, SEARCH) the method's draws;
 * (seed, run, DATA) batch orders and augmentation. */

static int data_matches(const nn_data *d, const nn_config *c)
{
    return d && d->n > 0 && d->c == c->in_ch && d->h == c->H && d->w == c->W && d->classes == c->classes;
}

nb_status ws_run_create(const ws_config *cfg, const nn_data *train, const nn_data *valid, int run,
                        ws_run **out)
{
    nb_status st;
    *out = NULL;
    if ((st = ws_config_check(cfg)) != NB_OK) return st;
    if (!data_matches(train, &cfg->net) || !data_matches(valid, &cfg->net))
        return nb_fail(NB_EINVAL,
                       "search data (%zu train images %dx%dx%d, %d classes) does not match the supernet "
                       "(%dx%dx%d, %d classes) or a split is empty",
                       train ? train->n : 0, train ? train->c : 0, train ? train->h : 0,
                       train ? train->w : 0, train ? train->classes : 0, cfg->net.in_ch, cfg->net.H,
                       cfg->net.W, cfg->net.classes);
    if (train->n < (size_t)cfg->net.batch || valid->n < (size_t)cfg->net.batch)
        return nb_fail(NB_EINVAL, "search data: %zu train / %zu valid images, fewer than a batch (%d)",
                       train->n, valid->n, cfg->net.batch);
    ws_run *r = nb_xcalloc_array(1, sizeof *r);
    r->cfg = *cfg;
    r->train = train;
    r->valid = valid;
    r->run = run;
    nn_super_config sc = {cfg->net, cfg->track_running_stats};
    if ((st = nn_super_create(&sc, &r->s)) != NB_OK) {
        free(r);
        return st;
    }
    nb_rng init;
    nb_rng_init(&init, cfg->seed, (uint64_t)run, NB_PURPOSE_INIT);
    nn_super_init(r->s, nb_rng_u64(&init)); /* the weights' seed: first draw of (seed, run, INIT) */
    size_t n = nn_super_num_params(r->s);
    r->sgd = ws_sgd_create(n, &cfg->w_sgd);
    r->adam = ws_adam_create(WS_EDGES * WS_OPS, &cfg->a_adam);
    nb_rng_init(&r->rng, cfg->seed, (uint64_t)run, NB_PURPOSE_SEARCH);
    nb_rng_init(&r->data_rng, cfg->seed, (uint64_t)run, NB_PURPOSE_DATA);
    /* NB201: arch_parameters = 1e-3 * torch.randn(edges, ops) */
    for (int i = 0; i < WS_EDGES * WS_OPS; i++) r->alpha[i] = (float)(1e-3 * nb_rng_normal(&init));
    r->steps = cfg->steps ? cfg->steps : train->n / (size_t)cfg->net.batch;
    if (r->steps < 1) r->steps = 1;
    r->perm_t = nb_xcalloc_array(train->n, sizeof *r->perm_t);
    r->perm_v = nb_xcalloc_array(valid->n, sizeof *r->perm_v);
    size_t img = (size_t)cfg->net.in_ch * cfg->net.H * cfg->net.W;
    r->x = nb_xcalloc_array((size_t)cfg->net.batch * img, sizeof *r->x);
    r->y = nb_xcalloc_array((size_t)cfg->net.batch, sizeof *r->y);
    if (cfg->method == WS_DARTS_V2) {
        r->w_save = nb_xcalloc_array(n, sizeof *r->w_save);
        r->w_dir = nb_xcalloc_array(n, sizeof *r->w_dir);
        r->x2 = nb_xcalloc_array((size_t)cfg->net.batch * img, sizeof *r->x2);
        r->y2 = nb_xcalloc_array((size_t)cfg->net.batch, sizeof *r->y2);
    }
    if (cfg->method == WS_ENAS) {
        nn_ctrl_config cc = nn_ctrl_config_default();
        if ((st = nn_ctrl_create(&cc, &space_nb201, &init, &r->ctrl)) != NB_OK) {
            ws_run_destroy(r);
            return st;
        }
    }
    *out = r;
    return NB_OK;
}

void ws_run_destroy(ws_run *r)
{
    if (!r) return;
    nn_super_destroy(r->s);
    ws_sgd_destroy(r->sgd);
    ws_adam_destroy(r->adam);
    nn_ctrl_destroy(r->ctrl);
    free(r->perm_t);
    free(r->perm_v);
    free(r->x);
    free(r->y);
    free(r->w_save);
    free(r->w_dir);
    free(r->x2);
    free(r->y2);
    free(r);
}

static void shuffle(size_t *p, size_t n, nb_rng *rng)
{
    for (size_t i = 0; i < n; i++) p[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)nb_rng_below(rng, i);
        size_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
}

void ws_run_epoch(ws_run *r, int epoch, ws_epoch *out)
{
    NB_ASSERT(epoch >= 0 && epoch < r->cfg.epochs);
    memset(out, 0, sizeof *out);
    shuffle(r->perm_t, r->train->n, &r->data_rng);
    shuffle(r->perm_v, r->valid->n, &r->data_rng);
    r->vcur = 0;
    r->loss_sum = 0;
    r->loss_n = 0;
    switch (r->cfg.method) {
    case WS_DARTS_V1:
    case WS_DARTS_V2: ws_darts_epoch(r, epoch, out); break;
    case WS_GDAS: ws_gdas_epoch(r, epoch, out); break;
    case WS_RSPS: ws_rsps_epoch(r, epoch, out); break;
    case WS_SPOS: ws_spos_epoch(r, epoch, out); break;
    case WS_ENAS: ws_enas_epoch(r, epoch, out); break;
    default: NB_ASSERT(0);
    }
}

size_t ws_run_state(ws_run *r, ws_block *b, size_t cap)
{
    size_t n = nn_super_num_params(r->s);
    ws_block all[] = {
        {nn_super_params(r->s), n * sizeof(float)},
        {nn_super_state(r->s), nn_super_num_state(r->s) * sizeof(float)},
        {r->sgd->v, n * sizeof(float)},
        {r->alpha, sizeof r->alpha},
        {r->adam->m, r->adam->n * sizeof(double)},
        {r->adam->v, r->adam->n * sizeof(double)},
        {&r->adam->t, sizeof r->adam->t},
        {&r->rng, sizeof r->rng},
        {&r->data_rng, sizeof r->data_rng},
        {r->pop, sizeof r->pop},
        {r->pop_score, sizeof r->pop_score},
        {&r->n_pop, sizeof r->n_pop},
    };
    size_t k = sizeof all / sizeof all[0];
    for (size_t i = 0; i < k && i < cap; i++) b[i] = all[i];
    if (r->ctrl) { /* ENAS: the controller's parameters, Adam state and baseline */
        void *p[NN_CTRL_STATE_BLOCKS];
        size_t bytes[NN_CTRL_STATE_BLOCKS];
        size_t nc = nn_ctrl_state(r->ctrl, p, bytes, NN_CTRL_STATE_BLOCKS);
        for (size_t i = 0; i < nc; i++, k++)
            if (k < cap) b[k] = (ws_block){p[i], bytes[i]};
    }
    return k;
}

static int batch_of(ws_run *r, const nn_data *d, const size_t *perm, size_t start, int aug)
{
    size_t idx[4096];
    int B = r->cfg.net.batch;
    NB_ASSERT(B <= 4096);
    for (int i = 0; i < B; i++) idx[i] = perm[(start + (size_t)i) % d->n];
    nn_data_batch(d, idx, B, aug, &r->data_rng, r->x, r->y);
    return B;
}

int ws_train_batch(ws_run *r, size_t step)
{
    return batch_of(r, r->train, r->perm_t, step * (size_t)r->cfg.net.batch, r->cfg.augment);
}

int ws_valid_batch(ws_run *r)
{
    size_t start = r->vcur * (size_t)r->cfg.net.batch;
    r->vcur = (r->vcur + 1) % (r->valid->n / (size_t)r->cfg.net.batch);
    return batch_of(r, r->valid, r->perm_v, start, 0);
}

double ws_weight_step(ws_run *r, int n, double lr)
{
    nn_super_forward(r->s, r->x, n, 1);
    double loss = nn_super_loss(r->s, r->y, NULL);
    nn_super_backward(r->s, r->y);
    ws_sgd_step(r->sgd, nn_super_params(r->s), nn_super_grads(r->s), lr);
    r->loss_sum += loss;
    r->loss_n++;
    return loss;
}

double ws_lr(const ws_run *r, int epoch, size_t step)
{
    return ws_cosine_lr(r->cfg.w_lr, r->cfg.w_lr_min, epoch, step, r->steps, r->cfg.epochs);
}

float ws_score(ws_run *r, const space_arch *a)
{
    nn_super_set_path(r->s, a);
    int B = r->cfg.net.batch, hits = 0, total = 0;
    for (int b = 0; b < r->cfg.score_batches; b++) {
        int n = batch_of(r, r->valid, r->perm_v, (size_t)b * B, 0);
        int c = 0;
        nn_super_forward(r->s, r->x, n, 0);
        nn_super_loss(r->s, r->y, &c);
        hits += c;
        total += n;
    }
    return (float)(100.0 * hits / total);
}

float ws_super_acc(ws_run *r)
{
    size_t n = (size_t)r->cfg.eval_images < r->valid->n ? (size_t)r->cfg.eval_images : r->valid->n;
    size_t idx[4096];
    int B = r->cfg.net.batch, hits = 0;
    for (size_t s = 0; s < n; s += (size_t)B) {
        int m = (int)(n - s < (size_t)B ? n - s : (size_t)B), c = 0;
        for (int i = 0; i < m; i++) idx[i] = s + (size_t)i;
        nn_data_batch(r->valid, idx, m, 0, &r->data_rng, r->x, r->y);
        nn_super_forward(r->s, r->x, m, 0);
        nn_super_loss(r->s, r->y, &c);
        hits += c;
    }
    return (float)(100.0 * hits / (double)n);
}

void ws_argmax(const float *w, space_arch *a)
{
    memset(a, 0, sizeof *a);
    for (int e = 0; e < WS_EDGES; e++) {
        int best = 0;
        for (int o = 1; o < WS_OPS; o++)
            if (w[e * WS_OPS + o] > w[e * WS_OPS + best]) best = o;
        a->op[e] = (uint8_t)best;
    }
}

void ws_softmax(const float *alpha, float *p)
{
    for (int e = 0; e < WS_EDGES; e++) {
        const float *a = alpha + e * WS_OPS;
        double mx = a[0], z = 0;
        for (int o = 1; o < WS_OPS; o++) mx = a[o] > mx ? a[o] : mx;
        for (int o = 0; o < WS_OPS; o++) z += exp(a[o] - mx);
        for (int o = 0; o < WS_OPS; o++) p[e * WS_OPS + o] = (float)(exp(a[o] - mx) / z);
    }
}

void ws_random_cell(ws_run *r, space_arch *a)
{
    memset(a, 0, sizeof *a);
    for (int e = 0; e < WS_EDGES; e++) a->op[e] = (uint8_t)nb_rng_below(&r->rng, WS_OPS);
}

double ws_take_loss(ws_run *r)
{
    double m = r->loss_n ? r->loss_sum / (double)r->loss_n : NAN;
    r->loss_sum = 0;
    r->loss_n = 0;
    return m;
}
