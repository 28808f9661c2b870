/* spaces/nb201_def.c - the NB201 cell space behind the space interface:
 * its space_def (pointing at the free functions of spaces/nb201.c,
 * canonical.c and encode.c) and its network description, NB201's
 * TinyNetwork (Dong & Yang, ICLR 2020, sec. 2.1; xautodl TinyNetwork). */
#include "space.h"

#include <string.h>

static const uint8_t nb201_choices[SPACE_NB201_EDGES] = {5, 5, 5, 5, 5, 5};

static int nb201_neighbours(const space_arch *a, space_arch *out)
{
    space_neighbours(a, out);
    return SPACE_NB201_NEIGHBOURS;
}

static void nb201_cross_uniform(const space_arch *a, const space_arch *b, nb_rng *rng,
                                space_arch *out)
{
    space_cross_uniform(SPACE_NB201_EDGES, a, b, rng, out);
}

static void nb201_cross_point(const space_arch *a, const space_arch *b, nb_rng *rng,
                              space_arch *out)
{
    space_cross_point(SPACE_NB201_EDGES, a, b, rng, out);
}

nb_status space_nb201_network(const space_arch *a, int C, int N, space_net *out)
{
    NB_ASSERT(a != NULL && out != NULL);
    for (int e = 0; e < SPACE_NB201_EDGES; e++)
        if (a->op[e] >= SPACE_NB201_OPS)
            return nb_fail(NB_EINVAL, "network: edge %d has op id %d, valid 0..4", e, a->op[e]);
    if (C < 1) return nb_fail(NB_EINVAL, "network: width C = %d, must be >= 1", C);
    if (N < 1 || 3 * N + 2 > SPACE_NET_LAYERS_MAX)
        return nb_fail(NB_EINVAL, "network: cells per stage N = %d out of range 1..%d", N,
                       (SPACE_NET_LAYERS_MAX - 2) / 3);
    memset(out, 0, sizeof *out); /* unused layers and edges zero: descriptions compare whole */
    out->stem_c = C;
    int c = C;
    for (int stage = 0; stage < 3; stage++) {
        if (stage > 0) {
            c *= 2;
            out->layer[out->n_layers++] = (space_net_layer){SPACE_NET_RESBLOCK, c};
        }
        for (int i = 0; i < N; i++) out->layer[out->n_layers++] = (space_net_layer){SPACE_NET_CELL, c};
    }
    space_net_cell *cell = &out->cell;
    cell->n_nodes = SPACE_NB201_NODES;
    cell->n_edges = 0;
    for (int e = 0; e < SPACE_NB201_EDGES; e++) { /* edge order is sorted by destination */
        space_net_edge ed = {(uint8_t)space_edge_from(e), (uint8_t)space_edge_to(e), 0, 0};
        switch (a->op[e]) {
        case SPACE_OP_NONE: continue;
        case SPACE_OP_SKIP: ed.op = SPACE_NET_IDENTITY; break;
        case SPACE_OP_CONV1: ed.op = SPACE_NET_RELU_CONV_BN, ed.k = 1; break;
        case SPACE_OP_CONV3: ed.op = SPACE_NET_RELU_CONV_BN, ed.k = 3; break;
        default: ed.op = SPACE_NET_AVG_POOL3; break;
        }
        cell->edge[cell->n_edges++] = ed;
    }
    return NB_OK;
}

const space_def space_nb201 = {
    .name = "nb201",
    .title = "NAS-Bench-201 cell: 6 edges x 5 ops, 15625 cells",
    .n_decisions = SPACE_NB201_EDGES,
    .n_choices = nb201_choices,
    .size = SPACE_NB201_SIZE,
    .str_max = SPACE_STR_MAX,
    .max_neighbours = SPACE_NB201_NEIGHBOURS,
    .onehot_dim = SPACE_ONEHOT_DIM,
    .path_dim = SPACE_PATH_DIM,
    .parse = space_parse,
    .format = space_format,
    .index = space_code,
    .arch = space_from_code,
    .random = space_random,
    .mutate = space_mutate,
    .neighbours = nb201_neighbours,
    .crossover_uniform = nb201_cross_uniform,
    .crossover_point = nb201_cross_point,
    .canonical = space_canonical_code,
    .n_classes = space_n_unique,
    .onehot = space_onehot,
    .path = space_path_encoding,
    .network = space_nb201_network,
};
