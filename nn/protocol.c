/* nn/protocol.c - named training protocols (nn/nn.h): NB201's recipe in one
 * place, and the data it trains on (load, optional downsample, the fixed
 * train/valid split, subsets). */
#include "nn/nn.h"

#include <string.h>

/* NB201's hyper-parameter set H (Dong & Yang, NAS-Bench-201, ICLR 2020,
 * sec. 2.3 and Table 2; the released xautodl configs
 * configs/nas-benchmark/hyper-opts/200E.config and, for the 12-epoch search
 * setting, 12E.config): SGD with Nesterov momentum 0.9, weight decay 5e-4,
 * learning rate 0.1 cosine-annealed to 0 per iteration, batch 256, random
 * crop + flip, cross-entropy; train on one half of the training set and
 * validate on the other ("-valid"). */
nn_protocol nn_protocol_nb201(int epochs, uint64_t seed)
{
    nn_protocol p;
    memset(&p, 0, sizeof p);
    p.sgd = (nn_sgd_config){0.9, 5e-4, 1};
    p.train = (nn_train_config){256, epochs, 0.1, seed, 1};
    p.split = 1;
    p.downsample = 1;
    return p;
}

nb_status nn_protocol_data(const nn_protocol *p, const char *dataset, const char *dir, nn_data *train,
                           nn_data *valid, nn_data *test)
{
    nn_data full = {0};
    memset(train, 0, sizeof *train);
    memset(valid, 0, sizeof *valid);
    memset(test, 0, sizeof *test);
    nb_status st;
    if ((st = nn_data_load(dataset, dir, 0, &full)) != NB_OK ||
        (st = nn_data_load(dataset, dir, 1, test)) != NB_OK ||
        (st = nn_data_downsample(&full, p->downsample)) != NB_OK ||
        (st = nn_data_downsample(test, p->downsample)) != NB_OK) {
        nn_data_free(&full);
        nn_data_free(test);
        return st;
    }
    if (p->split) {
        nn_data_split(&full, full.n / 2, train, valid);
        nn_data_free(&full);
    } else {
        *train = full;
    }
    if (p->n_train && p->n_train < train->n) nn_data_truncate(train, p->n_train);
    if (p->n_eval && p->n_eval < valid->n) nn_data_truncate(valid, p->n_eval);
    if (p->n_eval && p->n_eval < test->n) nn_data_truncate(test, p->n_eval);
    return NB_OK;
}
