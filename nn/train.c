/* nn/train.c - the epoch loop and evaluation over a dataset, and the BLAS
 * thread setting. Per epoch one permutation and all augmentation draws come
 * from nb_rng(seed, epoch, NB_PURPOSE_DATA), so a run is reproducible from
 * its seed alone. */
#include "nn/nn.h"
#include "nn/nn_kernels.h"

#include <cblas.h>
#include <stdlib.h>

void nn_set_threads(int n) { nn_kernels_set_threads(n); }

const char *nn_blas_corename(void)
{
    const char *s = openblas_get_corename();
    return s ? s : "unknown";
}

const char *nn_simd_name(void)
{
    static const char *const names[] = {"portable", "avx2", "avx512"};
    return names[nn_kernels_simd()];
}

void nn_train_epoch(nn_net *net, nn_sgd *opt, const nn_data *train, const nn_train_config *tc,
                    int epoch, nn_epoch_stats *st, nb_progress *progress)
{
    const nn_config *cfg = nn_net_config(net);
    NB_ASSERT(tc->batch >= 1 && tc->batch <= cfg->batch && train->n > 0);
    NB_ASSERT(train->c == cfg->in_ch && train->h == cfg->H && train->w == cfg->W);
    double t0 = nb_now();
    nb_rng r;
    nb_rng_init(&r, tc->seed, (uint64_t)epoch, NB_PURPOSE_DATA);
    size_t *idx = nb_xcalloc_array(train->n, sizeof *idx);
    for (size_t i = 0; i < train->n; i++) idx[i] = i;
    for (size_t i = train->n; i > 1; i--) {
        size_t j = (size_t)nb_rng_below(&r, i), t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
    const size_t pix = (size_t)train->c * train->h * train->w;
    float *x = nb_xcalloc_array((size_t)tc->batch * pix, sizeof *x);
    int32_t *y = nb_xcalloc_array((size_t)tc->batch, sizeof *y);
    const size_t steps = (train->n + (size_t)tc->batch - 1) / (size_t)tc->batch;
    double loss_sum = 0.0;
    long correct = 0;
    for (size_t s = 0; s < steps; s++) {
        size_t at = s * (size_t)tc->batch;
        int n = (int)(train->n - at < (size_t)tc->batch ? train->n - at : (size_t)tc->batch);
        nn_data_batch(train, idx + at, n, tc->augment, &r, x, y);
        double lr = nn_cosine_lr(tc->lr, epoch, s, steps, tc->epochs);
        int c = 0;
        loss_sum += nn_net_train_step(net, opt, x, y, n, lr, &c) * n;
        correct += c;
        nb_progress_add(progress, (uint64_t)n);
    }
    st->n = train->n;
    st->loss = loss_sum / (double)train->n;
    st->acc = 100.0 * (double)correct / (double)train->n;
    st->seconds = nb_now() - t0;
    free(idx);
    free(x);
    free(y);
}

void nn_evaluate(nn_net *net, const nn_data *d, nn_epoch_stats *st)
{
    const nn_config *cfg = nn_net_config(net);
    NB_ASSERT(d->c == cfg->in_ch && d->h == cfg->H && d->w == cfg->W);
    double t0 = nb_now();
    const size_t pix = (size_t)d->c * d->h * d->w, B = (size_t)cfg->batch;
    float *x = nb_xcalloc_array(B * pix, sizeof *x);
    int32_t *y = nb_xcalloc_array(B, sizeof *y);
    size_t *idx = nb_xcalloc_array(B, sizeof *idx);
    double loss_sum = 0.0;
    long correct = 0;
    for (size_t at = 0; at < d->n; at += B) {
        int n = (int)(d->n - at < B ? d->n - at : B);
        for (int i = 0; i < n; i++) idx[i] = at + (size_t)i;
        nn_data_batch(d, idx, n, 0, NULL, x, y);
        nn_net_forward(net, x, n, 0);
        int c = 0;
        loss_sum += nn_net_loss(net, y, &c) * n;
        correct += c;
    }
    st->n = d->n;
    st->loss = d->n ? loss_sum / (double)d->n : 0.0;
    st->acc = d->n ? 100.0 * (double)correct / (double)d->n : 0.0;
    st->seconds = nb_now() - t0;
    free(x);
    free(y);
    free(idx);
}
