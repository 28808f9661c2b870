/* spaces/space.h - search spaces behind one interface, and the NAS-Bench-201
 * cell space, the first of them.
 *
 * What it does: `space_def` is a search space as a table of functions and
 * numbers (name, size, parse/format of the official strings, index <->
 * architecture, random sample, mutation, neighbours, crossover, canonical
 * form, feature encodings, and the plain-data network description nn/
 * builds from); `space_find` looks one up by the name tables store. An
 * architecture of any space is a `space_arch`: one choice index per
 * decision. Two spaces are registered: NB201's cell space (`space_nb201`;
 * its free functions below, space_parse, space_code, space_mutate, ..., are
 * what its definition points at, draw for draw) and the NATS-Bench size
 * space (`space_sss`, spaces/sss.c).
 * What it does not do: know anything about accuracies (tables/) or build
 * networks (nn/ builds from the `space_net` description below). How to add
 * a space, and what each function must guarantee: spaces/README.md.
 *
 * The NB201 cell is a DAG on 4 nodes (0 = input, 3 = output) whose 6 edges
 * j->i (j < i) each carry one of 5 ops. Its architectures are numbered by a
 * base-5 "code" (0..15624, NOT the official NB201 index: that mapping lives
 * in the table, see tables/tab.h tab_index_of).
 * Edge order (the order ops appear in the official string):
 *   e0: 0->1 | e1: 0->2, e2: 1->2 | e3: 0->3, e4: 1->3, e5: 2->3
 * code = sum_e op[e] * 5^e.
 *
 * Usage:
 *     const space_def *sp = space_find("nb201");      // or tab_space(table)
 *     if (!sp) { puts(nb_errmsg()); return 1; }
 *     space_arch a, b;
 *     if (sp->parse(str, &a) != NB_OK) { puts(nb_errmsg()); return 1; }
 *     char buf[SPACE_STR_MAX];
 *     sp->format(&a, buf, sizeof buf);               // official string again
 *     uint32_t i = sp->index(&a);                    // 0 .. sp->size - 1
 *     sp->mutate(&a, &rng, &b);                      // one decision, another choice
 *     space_net net;
 *     sp->network(&a, 16, 5, &net);                  // what nn_net_create builds
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

/* Most decisions an architecture of any registered space has. */
#define SPACE_ARCH_MAX 8

/* An architecture: one choice index per decision, decisions 0 ..
 * n_decisions - 1 of its space (space_def below); the slots after them are
 * always 0, so whole structs compare and hash alike (every constructor in
 * spaces/ zeroes them; tests/test_space.c checks). NB201: op[e] is the
 * space_op of edge e, edge order above; op[6], op[7] are 0. Not stored on
 * disk as a struct (tables store n_decisions bytes per row). */
typedef struct {
    uint8_t op[SPACE_ARCH_MAX];
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

/* ---- the plain-data network description ---------------------------------
 *
 * What an architecture denotes, as data nn/ builds a network from without
 * knowing the space: a TinyNetwork skeleton (Dong & Yang, NAS-Bench-201,
 * ICLR 2020, sec. 2.1; NATS-Bench uses the same one):
 *
 *   stem: conv3x3(in_ch -> stem_c, stride 1, pad 1, no bias) + BN
 *   layer[0 .. n_layers): each a cell or a residual block, its input the
 *       previous layer's output (the stem's for layer 0)
 *   head: BN + ReLU, global average pool, linear(c_last -> classes)
 *
 * The head is fixed; classes, in_ch and the image size are the data's
 * (nn_config), not the architecture's.
 *
 * A residual block (ResNetBasicblock, stride 2) maps c_in -> c_out and
 * halves the image (ceil): ReLU-Conv3x3(stride 2)-BN, ReLU-Conv3x3-BN, plus
 * the shortcut AvgPool(2, stride 2) then Conv1x1 (no BN).
 * A cell layer computes `cell` at c_out channels and keeps the size: node 0
 * is the layer's input, node i = sum of op(node from) over the edges into
 * it, the output is node n_nodes - 1; a node no edge reaches is zero. The
 * channel counts are per layer so that a space of widths (the NATS-Bench
 * size space: five layers' counts) is described the same way.
 * A cell whose input has c_in != c_out channels (the previous layer's, or
 * the stem's, c_out) changes width as NATS-Bench's InferCell does (xautodl
 * cell_infers): every edge out of node 0 maps c_in -> c_out, the others
 * stay at c_out; a RELU_CONV_BN edge out of node 0 reads c_in channels, an
 * IDENTITY edge out of node 0 becomes Conv1x1 (no bias) + BN without a ReLU
 * (xautodl's FactorizedReduce at stride 1), and an AVG_POOL3 edge out of
 * node 0 is not built (nn/ answers NB_EINVAL; NATS would put a
 * ReLU-Conv1x1-BN before the pool). A cell that keeps its width is
 * unchanged by this rule.
 */
#define SPACE_NET_NODES_MAX 8
#define SPACE_NET_EDGES_MAX 28  /* a complete DAG on 8 nodes */
#define SPACE_NET_LAYERS_MAX 256

/* What an edge computes. Only grows at the end. */
typedef enum {
    SPACE_NET_IDENTITY = 1,    /* adds its input unchanged */
    SPACE_NET_RELU_CONV_BN = 2, /* ReLU -> Conv k x k (stride 1, pad k/2, no bias) -> BN (affine) */
    SPACE_NET_AVG_POOL3 = 3    /* AvgPool 3x3, stride 1, pad 1, count_include_pad=False */
} space_net_op;

typedef struct {
    uint8_t from, to; /* nodes, from < to */
    uint8_t op;       /* space_net_op */
    uint8_t k;        /* conv kernel size (1 or 3) for SPACE_NET_RELU_CONV_BN, else 0 */
} space_net_edge;

/* A cell as a DAG. Zero edges (NB201 'none') are left out. Edges are listed
 * sorted by `to` (a topological order, which nn/ relies on), and within one
 * destination in the order the space lists them: that order fixes the
 * parameter layout and the summation order, so it is part of the contract. */
typedef struct {
    int n_nodes;                              /* NB201: 4 */
    int n_edges;                              /* present edges, NB201: 0..6 */
    space_net_edge edge[SPACE_NET_EDGES_MAX];
} space_net_cell;

typedef enum { SPACE_NET_CELL = 0, SPACE_NET_RESBLOCK = 1 } space_net_layer_kind;

typedef struct {
    int kind;  /* space_net_layer_kind */
    int c_out; /* output channels, e.g. 16 */
} space_net_layer;

typedef struct {
    int stem_c;                                /* stem output channels, NB201: C */
    int n_layers;                              /* NB201: 3N + 2 */
    space_net_layer layer[SPACE_NET_LAYERS_MAX];
    space_net_cell cell;                       /* what every SPACE_NET_CELL layer computes */
} space_net;

/* ---- the space interface ------------------------------------------------
 *
 * A space is a const table of numbers and functions. Every function is pure
 * apart from the rng it is handed; none allocates; architectures handed in
 * must be valid for the space (decisions within their choice counts: assert
 * otherwise, except parse and network, which return NB_EINVAL). Every
 * space_arch a function writes has its unused slots zero. Functions marked
 * "may be NULL" are absent where the space has no such notion.
 */
typedef struct space_def {
    const char *name;        /* the registry key tables store in their 'space' attribute, "nb201" */
    const char *title;       /* one line for listings */
    int n_decisions;         /* decisions per architecture, <= SPACE_ARCH_MAX; NB201: 6 edges */
    const uint8_t *n_choices; /* choices per decision (n_decisions entries); NB201: 5 each */
    uint32_t size;           /* architectures, prod n_choices; NB201: 15625 */
    size_t str_max;          /* a format buffer of this size always suffices; NB201: SPACE_STR_MAX */
    int max_neighbours;      /* most architectures neighbours fills; NB201: 24 */
    int onehot_dim;          /* length of the one-hot encoding; NB201: 30 */
    int path_dim;            /* length of the path encoding, 0 when path is NULL; NB201: 84 */

    /* The official string: parse fails with NB_EINVAL and a message naming
     * the position; *out unchanged then. format writes like snprintf and
     * returns the full length. */
    nb_status (*parse)(const char *s, space_arch *out);
    size_t (*format)(const space_arch *a, char *buf, size_t n);
    /* A bijection between architectures and 0 .. size - 1 (NB201: the
     * base-5 code); arch asserts index < size. */
    uint32_t (*index)(const space_arch *a);
    space_arch (*arch)(uint32_t index);
    /* Uniform over all size architectures (NB201: one draw). */
    void (*random)(nb_rng *rng, space_arch *out);
    /* One decision changed to another of its choices; out may equal a.
     * NB201: two draws (edge, then op among the 4 others). */
    void (*mutate)(const space_arch *a, nb_rng *rng, space_arch *out);
    /* Fills out[] (max_neighbours entries) with the architectures one
     * mutation away, in a fixed order; returns how many. NB201: 24, edge
     * 0..5, op ascending. */
    int (*neighbours)(const space_arch *a, space_arch *out);
    /* Children of a and b taking every decision from one parent (out may
     * equal a or b). uniform: one draw, nb_rng_below(rng, 2^n_decisions):
     * bit d set -> decision d from b, else from a. point: one draw,
     * cut = 1 + nb_rng_below(rng, n_decisions - 1): decisions < cut from
     * a, the rest from b (needs n_decisions >= 2). space_cross_uniform and
     * space_cross_point below implement both for any space. */
    void (*crossover_uniform)(const space_arch *a, const space_arch *b, nb_rng *rng,
                              space_arch *out);
    void (*crossover_point)(const space_arch *a, const space_arch *b, nb_rng *rng,
                            space_arch *out);
    /* The smallest index isomorphic to `index`, and the number of classes.
     * May be NULL (every architecture its own class): use space_canon and
     * space_n_classes, which handle that. */
    uint32_t (*canonical)(uint32_t index);
    uint32_t (*n_classes)(void);
    /* Feature encodings for model-based strategies: one-hot over
     * (decision, choice), onehot_dim floats; path encoding, path_dim floats
     * (may be NULL). */
    void (*onehot)(const space_arch *a, float *out);
    void (*path)(const space_arch *a, float *out);
    /* The network `a` denotes at width C and cells per stage N (the scale
     * knobs of NB201's TinyNetwork(C, N); a space whose architectures fix
     * the widths documents which it ignores). NB_EINVAL naming the bad
     * value for an invalid architecture, C < 1 or N < 1, or more layers than
     * SPACE_NET_LAYERS_MAX. Writes all of *out, unused layers and edges 0. */
    nb_status (*network)(const space_arch *a, int C, int N, space_net *out);
} space_def;

/* The NAS-Bench-201 cell space: every function above is the free NB201
 * function of this header (space_parse, space_code, space_mutate, ...). */
extern const space_def space_nb201;

/* The registered spaces, NULL-terminated; static. */
const space_def *const *space_list(void);
/* The space named `name`, or NULL with NB_ENOTFOUND and a message listing
 * the known ones (e.g. "search space 'nats-sss' is not known; hint: known
 * spaces are nb201"). name NULL is an error. */
const space_def *space_find(const char *name);

/* 1 when every decision of a is within its choice count and the unused
 * slots are 0, else 0. */
int space_arch_valid(const space_def *sp, const space_arch *a);
/* sp->canonical(index), or index where the space has none. */
uint32_t space_canon(const space_def *sp, uint32_t index);
/* sp->n_classes(), or sp->size where the space has no canonical form. */
uint32_t space_n_classes(const space_def *sp);

/* The two crossovers for n decisions (2..SPACE_ARCH_MAX), with the draws
 * documented at space_def.crossover_uniform; slots >= n of out are 0. */
void space_cross_uniform(int n, const space_arch *a, const space_arch *b, nb_rng *rng,
                         space_arch *out);
void space_cross_point(int n, const space_arch *a, const space_arch *b, nb_rng *rng,
                       space_arch *out);

/* ---- the NATS-Bench size space (spaces/sss.c) ----------------------------
 *
 * NATS-Bench's size search space (Dong et al., TPAMI 2021, sec. 3): one
 * fixed cell, NB201's best topology
 * |nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|,
 * in TinyNetwork with one cell per stage (cell, residual block, cell,
 * block, cell); the five layers' channel counts are the decisions, each
 * from {8, 16, 24, 32, 40, 48, 56, 64} (op[l] = width / 8 - 1). The stem
 * has layer 1's width. Strings are NATS's, the widths joined by ':'
 * ("8:16:32:48:64"); the index is NATS's (the order of the official meta
 * file: layer 1 most significant, index = sum_l op[l] * 8^(4-l); index 0 =
 * "8:8:8:8:8", 11 = "8:8:8:16:32"). Every string is its own network: no
 * canonical form (canonical NULL), no path encoding.
 *   random:     one draw, nb_rng_below(rng, 32768), then the index's arch;
 *   mutate:     two draws, layer (0..4) then one of the 7 other widths;
 *   neighbours: each layer one step (8 channels) down then up, layers in
 *               order, where the step stays in 8..64: 5 to 10 architectures
 *               (a subset of one mutation away; the step is what
 *               hill-climbing over widths is expected to take);
 *   crossovers: space_cross_uniform / space_cross_point over 5 decisions;
 *   one-hot:    out[l * 8 + op[l]] = 1, 40 floats;
 *   network:    the widths are the architecture's: C and N are ignored. */
#define SPACE_SSS_LAYERS 5
#define SPACE_SSS_WIDTHS 8
#define SPACE_SSS_STEP 8            /* widths are 8, 16, ..., 64 */
#define SPACE_SSS_SIZE 32768u       /* 8^5 */
#define SPACE_SSS_STR_MAX 16        /* "64:64:64:64:64" is 14 characters */
#define SPACE_SSS_NEIGHBOURS 10     /* 5 layers x (down, up) */

extern const space_def space_sss;
/* space_sss.network: stem_c = layer 1's width, layers cell, block, cell,
 * block, cell at the five widths, the fixed cell's six edges. */
nb_status space_sss_network(const space_arch *a, int C, int N, space_net *out);

/* The NB201 network description (space_nb201.network): stem_c = C; N
 * cells at C, a residual block to 2C, N cells, a block to 4C, N cells; the
 * cell's edges are the non-'none' edges in edge order, conv1x1 and conv3x3
 * as SPACE_NET_RELU_CONV_BN with k 1 and 3, avg_pool_3x3 as
 * SPACE_NET_AVG_POOL3, skip_connect as SPACE_NET_IDENTITY. */
nb_status space_nb201_network(const space_arch *a, int C, int N, space_net *out);

#endif
