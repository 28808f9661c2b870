/* precompute/classes.c - the isomorphism classes the full-training mode
 * trains (precompute/pc.h) and their split into shards. */
#include "precompute/pc.h"

#include <stdlib.h>

void pc_classes_init(pc_classes *c, size_t archs_k)
{
    /* class key: the canonical code, or one shared key for disconnected cells */
    int32_t *key_class = nb_xcalloc_array(SPACE_NB201_SIZE, sizeof *key_class);
    uint32_t *reps = nb_xcalloc_array(SPACE_NB201_SIZE, sizeof *reps);
    size_t total = 0;
    uint32_t disc_key = SPACE_NB201_SIZE;
    for (uint32_t k = 0; k < SPACE_NB201_SIZE; k++) key_class[k] = -1;
    int32_t *cls_all = nb_xcalloc_array(SPACE_NB201_SIZE, sizeof *cls_all);
    for (uint32_t code = 0; code < SPACE_NB201_SIZE; code++) {
        space_arch a = space_from_code(code);
        uint32_t key = space_canonical_code(code);
        if (space_is_disconnected(&a)) {
            if (disc_key == SPACE_NB201_SIZE) disc_key = key;
            key = disc_key;
        }
        if (key_class[key] < 0) {
            key_class[key] = (int32_t)total;
            reps[total++] = code; /* codes ascend, so the first seen is the smallest */
        }
        cls_all[code] = key_class[key];
    }
    size_t n = archs_k && archs_k < total ? archs_k : total;
    c->n = n;
    c->rep = nb_xcalloc_array(n, sizeof *c->rep);
    int32_t *sel = nb_xcalloc_array(total, sizeof *sel);
    for (size_t i = 0; i < total; i++) sel[i] = -1;
    for (size_t j = 0; j < n; j++) {
        size_t t = n == total ? j : j * total / n;
        sel[t] = (int32_t)j;
        c->rep[j] = reps[t];
    }
    for (uint32_t code = 0; code < SPACE_NB201_SIZE; code++) c->class_of[code] = sel[cls_all[code]];
    free(sel);
    free(cls_all);
    free(reps);
    free(key_class);
}

void pc_classes_free(pc_classes *c)
{
    free(c->rep);
    c->rep = NULL;
    c->n = 0;
}

size_t pc_shard_size(const pc_classes *cl, int shard_k, int shard_n)
{
    size_t m = 0;
    for (size_t j = 0; j < cl->n; j++)
        if ((int)(j % (size_t)shard_n) == shard_k) m++;
    return m;
}
