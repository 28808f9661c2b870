/* wsnas/spos.c - Single Path One-Shot (Guo et al., "Single Path One-Shot
 * Neural Architecture Search with Uniform Sampling", ECCV 2020): the
 * supernet is trained one uniformly random path per step (as RSPS,
 * ws_uniform_train), and sub-networks are chosen by an evolutionary search
 * scored by the supernet's validation accuracy with inherited weights
 * (sec. 3.3: population 50, 20 generations, parents from the top 10, 25
 * mutants with per-choice probability 0.1 and 25 crossovers per generation).
 *
 * Here the evolution runs alongside the training so that every epoch has a
 * current best sub-network: after each epoch's weight steps the population
 * (ea_population P, random at the first epoch) is rescored with the current
 * weights, then one generation: P/2 mutants (each edge resampled with
 * probability ea_mutation, at least one edge changed) and P - P/2 uniform
 * crossovers, parents drawn uniformly from the best ea_topk, children not
 * already in the population; the best P of parents and children survive
 * (ties: the older). After the last epoch ea_final more generations run on
 * the final weights, as SPOS's search after training. The derived cell is
 * the best member; the op probabilities recorded are the op frequencies
 * per edge in the population. */
#include "wsnas/ws_private.h"

#include <string.h>

static int in_pop(const ws_run *r, int n, const space_arch *a)
{
    for (int i = 0; i < n; i++)
        if (!memcmp(r->pop[i].op, a->op, WS_EDGES)) return 1;
    return 0;
}

/* stable sort of pop[0..n) by score, best first (insertion sort: n <= 128) */
static void sort_pop(ws_run *r, int n)
{
    for (int i = 1; i < n; i++) {
        space_arch a = r->pop[i];
        float s = r->pop_score[i];
        int j = i - 1;
        while (j >= 0 && r->pop_score[j] < s) {
            r->pop[j + 1] = r->pop[j];
            r->pop_score[j + 1] = r->pop_score[j];
            j--;
        }
        r->pop[j + 1] = a;
        r->pop_score[j + 1] = s;
    }
}

static void child(ws_run *r, int i, space_arch *c)
{
    int k = r->cfg.ea_topk < r->n_pop ? r->cfg.ea_topk : r->n_pop;
    const space_arch *p1 = &r->pop[nb_rng_below(&r->rng, (uint64_t)k)];
    *c = *p1;
    if (i < r->cfg.ea_population / 2) {
        int changed = 0;
        for (int e = 0; e < WS_EDGES; e++)
            if (nb_rng_uniform(&r->rng) < r->cfg.ea_mutation) {
                c->op[e] = (uint8_t)nb_rng_below(&r->rng, WS_OPS);
                changed |= c->op[e] != p1->op[e];
            }
        if (!changed) {
            int e = (int)nb_rng_below(&r->rng, WS_EDGES);
            c->op[e] = (uint8_t)((p1->op[e] + 1 + nb_rng_below(&r->rng, WS_OPS - 1)) % WS_OPS);
        }
    } else {
        const space_arch *p2 = &r->pop[nb_rng_below(&r->rng, (uint64_t)k)];
        for (int e = 0; e < WS_EDGES; e++)
            if (nb_rng_below(&r->rng, 2)) c->op[e] = p2->op[e];
    }
}

static void generation(ws_run *r)
{
    int P = r->cfg.ea_population, n = r->n_pop;
    for (int i = 0; i < P; i++) {
        space_arch c;
        int tries = 0;
        do child(r, i, &c);
        while (in_pop(r, n, &c) && ++tries < 20);
        if (in_pop(r, n, &c)) continue;
        r->pop[n] = c;
        r->pop_score[n] = ws_score(r, &c);
        n++;
    }
    sort_pop(r, n);
    r->n_pop = n < P ? n : P;
}

void ws_spos_epoch(ws_run *r, int epoch, ws_epoch *out)
{
    ws_uniform_train(r, epoch);
    out->train_loss = ws_take_loss(r);
    int P = r->cfg.ea_population;
    if (r->n_pop == 0) {
        while (r->n_pop < P) {
            space_arch a;
            ws_random_cell(r, &a);
            if (in_pop(r, r->n_pop, &a)) continue;
            r->pop[r->n_pop++] = a;
        }
    }
    for (int i = 0; i < r->n_pop; i++) r->pop_score[i] = ws_score(r, &r->pop[i]);
    sort_pop(r, r->n_pop);
    int gens = 1 + (epoch == r->cfg.epochs - 1 ? r->cfg.ea_final : 0);
    for (int g = 0; g < gens; g++) generation(r);
    out->arch = r->pop[0];
    out->score = r->pop_score[0];
    memset(out->probs, 0, sizeof out->probs);
    for (int i = 0; i < r->n_pop; i++)
        for (int e = 0; e < WS_EDGES; e++) out->probs[e * WS_OPS + r->pop[i].op[e]] += 1.0f / r->n_pop;
    nn_super_set_path(r->s, &out->arch);
    out->super_valid = ws_super_acc(r);
}
