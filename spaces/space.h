/* spaces/space.h - the NAS-Bench-201 cell search space.
 *
 * What it does: a cell is a DAG on 4 nodes (0 = input, 3 = output) whose 6
 * edges j->i (j < i) each carry one of 5 ops. This module parses and prints
 * the official NB201 strings, numbers cells by a base-5 "code" (0..15624,
 * NOT the official NB201 index: that mapping lives in the table, see
 * tables/tab.h tab_index_of), computes the canonical form of isomorphic cells
 * (NB201's "unique" topologies), mutates, lists neighbours, and gives one-hot
 * and path feature encodings for model-based strategies.
 * What it does not do: know anything about accuracies (tables/) or build
 * networks (nn/ uses the plain description below).
 *
 * Edge order (the order ops appear in the official string):
 *   e0: 0->1 | e1: 0->2, e2: 1->2 | e3: 0->3, e4: 1->3, e5: 2->3
 * code = sum_e op[e] * 5^e.
 *
 * Usage:
 *     space_arch a;
 *     if (space_parse(str, &a) != NB_OK) { puts(nb_errmsg()); return 1; }
 *     char buf[SPACE_STR_MAX];
 *     space_format(&a, buf, sizeof buf);            // official string again
 *     uint32_t code = space_code(&a);
 *     uint32_t canon = space_canonical_code(code);   // smallest code isomorphic to it
 *     space_arch b;
 *     space_mutate(&a, &rng, &b);                   // one edge, another op
 */
#ifndef SPACE_H
#define SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"

#define SPACE_NB201_NODES 4
#define SPACE_NB201_EDGES 6
#define SPACE_NB201_OPS 5
#define SPACE_NB201_SIZE 15625u       /* 5^6 cells */
#define SPACE_STR_MAX 128             /* longest official string + NUL fits */
#define SPACE_NB201_NEIGHBOURS 24     /* 6 edges x 4 other ops */
#define SPACE_ONEHOT_DIM 30           /* 6 edges x 5 ops */

/* Op ids. Written to disk (tables store ops as uint8): only grow at the end. */
typedef enum {
    SPACE_OP_NONE = 0,  /* "none": the zero op, edge absent */
    SPACE_OP_SKIP = 1,  /* "skip_connect": identity */
    SPACE_OP_CONV1 = 2, /* "nor_conv_1x1": ReLU-Conv1x1-BN */
    SPACE_OP_CONV3 = 3, /* "nor_conv_3x3": ReLU-Conv3x3-BN */
    SPACE_OP_POOL = 4   /* "avg_pool_3x3": 3x3 average pooling, stride 1 */
} space_op;

typedef struct {
    uint8_t op[SPACE_NB201_EDGES]; /* space_op per edge, edge order above */
} space_arch;

/* Official op name ("nor_conv_3x3"), or NULL for an invalid id. */
const char *space_op_name(int op);
/* Source and destination node of edge e (0..5). */
int space_edge_from(int e);
int space_edge_to(int e);

/* Parse an official string such as
 * "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|".
 * Strict: exactly 3 node groups of 1, 2, 3 edges joined by '+', each edge
 * "|op~j|" with j the input node in order 0..i-1; no spaces, nothing after
 * the last '|'. On failure returns NB_EINVAL with a message naming the
 * character position (0-based) and what was expected (e.g. "arch string: at
 * position 18: unknown op 'conv_3x3'; hint: ops are none, skip_connect,
 * nor_conv_1x1, nor_conv_3x3, avg_pool_3x3"); *out is then unchanged.
 * Reads at most SPACE_STR_MAX bytes of s (longer input is an error); s NULL
 * is an error, out NULL an assertion. */
nb_status space_parse(const char *s, space_arch *out);
/* Write the official string into buf (size n >= SPACE_STR_MAX is always
 * enough; like snprintf, a smaller n truncates and the full length is still
 * returned). Returns the string length. */
size_t space_format(const space_arch *a, char *buf, size_t n);

/* Base-5 code, 0..15624, and its inverse (code must be < SPACE_NB201_SIZE). */
uint32_t space_code(const space_arch *a);
space_arch space_from_code(uint32_t code);

/* Canonical form of isomorphic cells, following NB201's definition
 * (CellStructure.to_unique_str(consider_zero=True)): a 'none' edge, or an
 * edge out of a node whose string is exactly the zero "#" (node 1 fed by
 * 'none'), contributes zero; skip_connect is the identity; the inputs of a
 * node are an unordered sum. Literal NB201 semantics: a node that sums only
 * zeros ("#+#") is not itself treated as zero, which is what gives 6466
 * (spaces/README.md). Two cells with the same canonical form denote the same
 * network up to a relabelling of the weights, if an op fed by zero is taken
 * as zero (exact for avg_pool; ReLU-Conv-BN then outputs BN's shift). Cells
 * computing the same function can still differ (all 341 disconnected cells
 * output zeros but form 5 classes).
 * space_canonical_str writes that unique string (n >= 512 is enough, the
 * longest is 112; a smaller n truncates like snprintf) and returns its
 * length; space_canonical_code returns the smallest code in the class
 * (table built once on first use, pthread_once, ~ms). space_n_unique() is
 * the number of classes, 6466 (the NB201 paper's count). */
size_t space_canonical_str(const space_arch *a, char *buf, size_t n);
uint32_t space_canonical_code(uint32_t code);
uint32_t space_n_unique(void);

/* True (1) when the output is disconnected from the input (every path to
 * node 3 passes a 'none' edge): such a cell outputs zeros. 341 of the 15625
 * cells are. */
int space_is_disconnected(const space_arch *a);

/* Counts of each op in the cell: counts[op] for op in 0..4. */
void space_op_counts(const space_arch *a, int counts[SPACE_NB201_OPS]);

/* One edge chosen uniformly, its op replaced by one of the 4 others chosen
 * uniformly: *out differs from *a in exactly one edge. Draws two numbers
 * from rng (edge, then op). out may equal a. */
void space_mutate(const space_arch *a, nb_rng *rng, space_arch *out);
/* Uniform random cell (one draw from rng). */
void space_random(nb_rng *rng, space_arch *out);
/* All 24 cells at Hamming distance 1, in order (edge 0..5, op ascending). */
void space_neighbours(const space_arch *a, space_arch out[SPACE_NB201_NEIGHBOURS]);

/* One-hot encoding: out[e*5 + op] = 1, else 0 (length SPACE_ONEHOT_DIM). */
void space_onehot(const space_arch *a, float out[SPACE_ONEHOT_DIM]);
/* Path encoding (White et al., BANANAS, AAAI 2021, sec. 3): one feature per
 * possible sequence of ops along an input->output path: paths 0->3, 0->1->3,
 * 0->2->3, 0->1->2->3, ops over the 4 non-'none' ops, so 4 + 16 + 64 = 84
 * features; a feature is 1 when some present path (no 'none' edge) carries
 * that op sequence. Layout: a path of length L with ops o_0 (edge leaving
 * node 0) .. o_{L-1}, digits d_j = o_j - 1 in 0..3, sets feature
 *     start(L) + sum_j d_j * 4^j,   start(1) = 0, start(2) = 4, start(3) = 20;
 * 0->1->3 and 0->2->3 share the length-2 block. So at most 4 features are 1,
 * and a disconnected cell encodes as all zeros.
 * Differs from NASLib's NB201 path encoding (encode_paths, 5^1+5^2+5^3 = 155
 * features), which keeps 'none' as a fifth op letter and so always sets
 * exactly 4 features, one per path, whether or not the path exists; here a
 * path through 'none' carries no signal, as in BANANAS on NAS-Bench-101
 * where only existing paths are features. */
#define SPACE_PATH_DIM 84
void space_path_encoding(const space_arch *a, float out[SPACE_PATH_DIM]);

#endif
