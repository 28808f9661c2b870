/* precompute/classes.c - the isomorphism classes the full-training mode
 * trains (precompute/pc.h) and their split into shards. */
#include "precompute/pc.h"

#include <stdlib.h>

/* 1 when a's network description has a cell layer whose output node no
 * path of present edges reaches from its input node (NB201: the 341
 * disconnected cells, space_is_disconnected): the network outputs a
 * constant. */
static int outputs_constant(const space_def *sp, const space_arch *a, space_net *net)
{
    if (sp->network(a, 1, 1, net) != NB_OK) return 0;
    int has_cell = 0;
    for (int l = 0; l < net->n_layers; l++) has_cell |= net->layer[l].kind == SPACE_NET_CELL;
    const space_net_cell *c = &net->cell;
    if (!has_cell || c->n_nodes < 2) return 0;
    uint8_t reach[SPACE_NET_NODES_MAX] = {1}; /* edges are sorted by `to` */
    for (int e = 0; e < c->n_edges; e++)
        if (reach[c->edge[e].from]) reach[c->edge[e].to] = 1;
    return !reach[c->n_nodes - 1];
}

void pc_classes_init(pc_classes *c, const space_def *sp, size_t archs_k)
{
    const uint32_t size = sp->size;
    /* class key: the canonical index, or one shared key for constant-output cells */
    int32_t *key_class = nb_xcalloc_array(size, sizeof *key_class);
    uint32_t *reps = nb_xcalloc_array(size, sizeof *reps);
    space_net *net = nb_xmalloc(sizeof *net);
    size_t total = 0;
    uint32_t disc_key = size;
    for (uint32_t k = 0; k < size; k++) key_class[k] = -1;
    int32_t *cls_all = nb_xcalloc_array(size, sizeof *cls_all);
    for (uint32_t code = 0; code < size; code++) {
        space_arch a = sp->arch(code);
        uint32_t key = space_canon(sp, code);
        if (outputs_constant(sp, &a, net)) {
            if (disc_key == size) disc_key = key;
            key = disc_key;
        }
        if (key_class[key] < 0) {
            key_class[key] = (int32_t)total;
            reps[total++] = code; /* codes ascend, so the first seen is the smallest */
        }
        cls_all[code] = key_class[key];
    }
    size_t n = archs_k && archs_k < total ? archs_k : total;
    c->space = sp;
    c->n = n;
    c->class_of = nb_xcalloc_array(size, sizeof *c->class_of);
    c->rep = nb_xcalloc_array(n, sizeof *c->rep);
    int32_t *sel = nb_xcalloc_array(total, sizeof *sel);
    for (size_t i = 0; i < total; i++) sel[i] = -1;
    if (n < total && !sp->canonical) {
        /* A space without isomorphism classes (sss): a seeded uniform sample,
         * the first n of a Fisher-Yates shuffle of the class list on the
         * stream (PC_SAMPLE_SEED, 0, NB_PURPOSE_DATA), trained in ascending
         * order. Index order is structured (the first layer varies slowest),
         * so an even spread would fix the last layers. */
        uint32_t *perm = nb_xcalloc_array(total, sizeof *perm);
        for (size_t i = 0; i < total; i++) perm[i] = (uint32_t)i;
        nb_rng rng;
        nb_rng_init(&rng, PC_SAMPLE_SEED, 0, NB_PURPOSE_DATA);
        for (size_t i = 0; i < n; i++) {
            size_t j = i + (size_t)nb_rng_below(&rng, total - i);
            uint32_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        for (size_t i = 0; i < n; i++) sel[perm[i]] = 0;
        size_t j = 0;
        for (size_t t = 0; t < total; t++)
            if (sel[t] == 0) {
                sel[t] = (int32_t)j;
                c->rep[j++] = reps[t];
            }
        free(perm);
    } else {
        for (size_t j = 0; j < n; j++) {
            size_t t = n == total ? j : j * total / n;
            sel[t] = (int32_t)j;
            c->rep[j] = reps[t];
        }
    }
    for (uint32_t code = 0; code < size; code++) c->class_of[code] = sel[cls_all[code]];
    free(net);
    free(sel);
    free(cls_all);
    free(reps);
    free(key_class);
}

void pc_classes_free(pc_classes *c)
{
    free(c->rep);
    free(c->class_of);
    c->rep = NULL;
    c->class_of = NULL;
    c->n = 0;
}

size_t pc_shard_size(const pc_classes *cl, int shard_k, int shard_n)
{
    size_t m = 0;
    for (size_t j = 0; j < cl->n; j++)
        if ((int)(j % (size_t)shard_n) == shard_k) m++;
    return m;
}
