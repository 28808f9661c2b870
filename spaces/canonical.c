/* spaces/canonical.c - NB201's "unique" cells: the canonical string of
 * CellStructure.to_unique_str(consider_zero=True) (Dong & Yang, NAS-Bench-201,
 * ICLR 2020; official code, lib/models/cell_searchs/genotypes.py), and the
 * table mapping every code to the smallest code of its class.
 *
 * The string, node by node (node 0 is "0"): every incoming edge j->i gives
 *   "#"                  when the op is none or node j's string is exactly "#"
 *   node j's string      when the op is skip_connect
 *   "(" s_j ")@" op      otherwise;
 * node i's string is those parts sorted (byte order, like Python's sorted())
 * and joined by '+'. The cell's string is node 3's. Note the test is for the
 * string "#" exactly: a node whose inputs are all zero reads "#+#" (or
 * "#+#+#") and is NOT treated as zero further on; this literal reading is
 * what gives the published 6466 classes (spaces/README.md). */
#include "space.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Longest node string over all 15625 cells is 112 characters; 256 leaves
 * room and every append is checked. */
#define NODE_STR_MAX 256

typedef struct {
    char s[NODE_STR_MAX];
    size_t len;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t l)
{
    NB_ASSERT(b->len + l < NODE_STR_MAX);
    memcpy(b->s + b->len, s, l);
    b->len += l;
    b->s[b->len] = '\0';
}

static void sb_put(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_cat(sbuf *b, const sbuf *x) { sb_putn(b, x->s, x->len); }

/* strlen of the op names, checked against space_op_name in build_table */
static const size_t op_len[SPACE_NB201_OPS] = {4, 12, 12, 12, 12};

static void sb_clear(sbuf *b)
{
    b->len = 0;
    b->s[0] = '\0';
}

/* The string of node i (1..3) of `a`, given the strings of nodes 0..i-1. */
static void node_str(const space_arch *a, int i, const sbuf *const prev[], sbuf *out)
{
    sbuf part[SPACE_NB201_NODES - 1];
    const sbuf *sorted[SPACE_NB201_NODES - 1];
    int e = i * (i - 1) / 2; /* first edge into node i */
    for (int j = 0; j < i; j++, e++) {
        NB_ASSERT(space_edge_from(e) == j && space_edge_to(e) == i);
        const sbuf *p = &part[j];
        sb_clear(&part[j]);
        int op = a->op[e];
        NB_ASSERT(op >= 0 && op < SPACE_NB201_OPS);
        if (op == SPACE_OP_NONE || (prev[j]->len == 1 && prev[j]->s[0] == '#')) {
            sb_putn(&part[j], "#", 1);
        } else if (op == SPACE_OP_SKIP) {
            p = prev[j]; /* the input's string itself */
        } else {
            sb_putn(&part[j], "(", 1);
            sb_cat(&part[j], prev[j]);
            sb_putn(&part[j], ")@", 2);
            sb_putn(&part[j], space_op_name(op), op_len[op]);
        }
        /* insertion sort of at most 3 strings, byte order */
        int k = j;
        while (k > 0 && strcmp(sorted[k - 1]->s, p->s) > 0) {
            sorted[k] = sorted[k - 1];
            k--;
        }
        sorted[k] = p;
    }
    sb_clear(out);
    for (int j = 0; j < i; j++) {
        if (j > 0) sb_putn(out, "+", 1);
        sb_cat(out, sorted[j]);
    }
}

/* Node 3's unique string of `a` into out. */
static void unique_str(const space_arch *a, sbuf *out)
{
    sbuf node[SPACE_NB201_NODES - 1];
    const sbuf *prev[SPACE_NB201_NODES - 1] = {&node[0], &node[1], &node[2]};
    sb_clear(&node[0]);
    sb_put(&node[0], "0");
    node_str(a, 1, prev, &node[1]);
    node_str(a, 2, prev, &node[2]);
    node_str(a, 3, prev, out);
}

size_t space_canonical_str(const space_arch *a, char *buf, size_t n)
{
    NB_ASSERT(a != NULL && (buf != NULL || n == 0));
    sbuf u;
    unique_str(a, &u);
    if (n > 0) {
        size_t c = u.len < n - 1 ? u.len : n - 1;
        memcpy(buf, u.s, c);
        buf[c] = '\0';
    }
    return u.len;
}

/* ---- the class table, built once ------------------------------------------ */

static uint16_t canon_of[SPACE_NB201_SIZE]; /* code -> smallest code of its class */
static uint32_t n_classes;
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

/* FNV-1a, 32 bit. */
static uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Strings of all 15625 codes, node 3's built from cached node 1 and 2
 * strings; an open-addressing hash set (load < 0.5, strings stored once in
 * an arena) maps each string to the first code that produced it. Codes are
 * visited in increasing order, so that first code is the smallest of its
 * class. About 2 ms (5 ms cold) on one core. */
static void build_table(void)
{
    enum { SLOTS = 1u << 15 }; /* > 2 x 15625 */
    size_t arena_size;
    NB_ASSERT(nb_mul_ok(SPACE_NB201_SIZE, NODE_STR_MAX, &arena_size));
    char *arena = nb_xmalloc(arena_size);
    const char **slot_str = nb_xcalloc_array(SLOTS, sizeof *slot_str);
    uint16_t *slot_code = nb_xcalloc_array(SLOTS, sizeof *slot_code);
    size_t used = 0;
    uint32_t classes = 0;
    for (int op = 0; op < SPACE_NB201_OPS; op++) NB_ASSERT(strlen(space_op_name(op)) == op_len[op]);
    /* node 1 depends on e0 only and node 2 on (e0, e1, e2): build those once */
    enum { N1 = SPACE_NB201_OPS, N2 = SPACE_NB201_OPS * SPACE_NB201_OPS * SPACE_NB201_OPS };
    sbuf *cache = nb_xcalloc_array(1 + N1 + N2, sizeof *cache);
    sbuf *n0 = cache, *n1 = cache + 1, *n2 = cache + 1 + N1;
    sb_put(n0, "0");
    for (uint32_t c = 0; c < N2; c++) {
        space_arch a = space_from_code(c); /* e3 = e4 = e5 = none */
        const sbuf *prev[2] = {n0, &n1[a.op[0]]};
        if (c < N1) node_str(&a, 1, prev, &n1[c]);
        node_str(&a, 2, prev, &n2[c]);
    }
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) {
        space_arch a = space_from_code(c);
        const sbuf *prev[3] = {n0, &n1[c % N1], &n2[c % N2]};
        sbuf u;
        node_str(&a, 3, prev, &u);
        uint32_t h = hash_str(u.s) & (SLOTS - 1);
        while (slot_str[h] && strcmp(slot_str[h], u.s) != 0) h = (h + 1) & (SLOTS - 1);
        if (!slot_str[h]) {
            memcpy(arena + used, u.s, u.len + 1);
            slot_str[h] = arena + used;
            slot_code[h] = (uint16_t)c;
            used += u.len + 1;
            classes++;
        }
        canon_of[c] = slot_code[h];
    }
    n_classes = classes;
    free(cache);
    free(slot_code);
    free(slot_str);
    free(arena);
}

static void ensure_table(void)
{
    int rc = pthread_once(&table_once, build_table);
    NB_ASSERT(rc == 0);
}

uint32_t space_canonical_code(uint32_t code)
{
    NB_ASSERT(code < SPACE_NB201_SIZE);
    ensure_table();
    return canon_of[code];
}

uint32_t space_n_unique(void)
{
    ensure_table();
    return n_classes;
}
