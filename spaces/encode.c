/* spaces/encode.c - feature encodings of a cell for model-based strategies:
 * one-hot per edge, and the path encoding of BANANAS (White et al., AAAI
 * 2021, sec. 3) restricted to paths that exist (no 'none' edge). */
#include "space.h"

void space_onehot(const space_arch *a, float out[SPACE_ONEHOT_DIM])
{
    for (int i = 0; i < SPACE_ONEHOT_DIM; i++) out[i] = 0.0f;
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        NB_ASSERT(a->op[e] < SPACE_NB201_OPS);
        out[e * SPACE_NB201_OPS + a->op[e]] = 1.0f;
    }
}

/* The four input->output paths as edge lists, input side first:
 * 0->3 (e3), 0->1->3 (e0, e4), 0->2->3 (e1, e5), 0->1->2->3 (e0, e2, e5). */
static const int path_len[4] = {1, 2, 2, 3};
static const int path_edges[4][3] = {{3, -1, -1}, {0, 4, -1}, {1, 5, -1}, {0, 2, 5}};
/* First feature of the block of paths of length 1, 2, 3: 4 + 16 + 64 = 84. */
static const int block_start[4] = {0, 0, 4, 20};

void space_path_encoding(const space_arch *a, float out[SPACE_PATH_DIM])
{
    for (int i = 0; i < SPACE_PATH_DIM; i++) out[i] = 0.0f;
    for (int p = 0; p < 4; p++) {
        int idx = 0, scale = 1, present = 1;
        for (int j = 0; j < path_len[p]; j++) {
            int op = a->op[path_edges[p][j]];
            NB_ASSERT(op < SPACE_NB201_OPS);
            if (op == SPACE_OP_NONE) {
                present = 0;
                break;
            }
            idx += (op - 1) * scale; /* ops 1..4 -> digit 0..3, base 4 */
            scale *= 4;
        }
        if (present) out[block_start[path_len[p]] + idx] = 1.0f;
    }
}
