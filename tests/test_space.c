/* tests/test_space.c - the NB201 cell space: strings, codes, canonical form,
 * mutation, neighbours, encodings; the space interface (space_def) on NB201
 * against the free functions, the registry, crossover, the network
 * description, and the zeroed unused slots of space_arch. The NATS-Bench
 * size space: every string against the official meta file's order, the
 * strict parser, draws, neighbours, one-hot and its network description. */
#include <hdf5.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "spaces/space.h"
#include "tables/pickle.h"
#include "tables/tab.h"
#include "tables/tab_h5.h"
#include "test.h"

/* First three codes of space_random from nb_rng_init(&r, 42, 0, NB_PURPOSE_TEST). */
#define SPACE_TEST_RANDOM0 11925
#define SPACE_TEST_RANDOM1 8741
#define SPACE_TEST_RANDOM2 8864

/* The example of the header and of the NB201 README. */
static const char *const example =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|";

static space_arch arch6(int e0, int e1, int e2, int e3, int e4, int e5)
{
    space_arch a = {{(uint8_t)e0, (uint8_t)e1, (uint8_t)e2, (uint8_t)e3, (uint8_t)e4, (uint8_t)e5}};
    return a;
}

static int hamming(const space_arch *a, const space_arch *b)
{
    int d = 0;
    for (int e = 0; e < SPACE_NB201_EDGES; e++) d += a->op[e] != b->op[e];
    return d;
}

static int same_arch(const space_arch *a, const space_arch *b) { return hamming(a, b) == 0; }

TEST(space_names_and_edges)
{
    static const char *const want[] = {"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3",
                                       "avg_pool_3x3"};
    for (int op = 0; op < SPACE_NB201_OPS; op++) CHECK_STR(space_op_name(op), want[op]);
    CHECK(space_op_name(-1) == NULL);
    CHECK(space_op_name(SPACE_NB201_OPS) == NULL);
    static const int from[] = {0, 0, 1, 0, 1, 2}, to[] = {1, 2, 2, 3, 3, 3};
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        CHECK_EQ_INT(space_edge_from(e), from[e]);
        CHECK_EQ_INT(space_edge_to(e), to[e]);
    }
}

TEST(space_code_enumerates_15625_cells)
{
    static unsigned char seen[SPACE_NB201_SIZE];
    memset(seen, 0, sizeof seen);
    uint32_t distinct = 0;
    int bad = 0;
    /* every op tuple, built independently of space_from_code */
    for (int i = 0; i < 15625; i++) {
        space_arch a;
        int t = i;
        for (int e = 0; e < SPACE_NB201_EDGES; e++) {
            a.op[SPACE_NB201_EDGES - 1 - e] = (uint8_t)(t % 5);
            t /= 5;
        }
        uint32_t c = space_code(&a);
        if (c >= SPACE_NB201_SIZE) {
            bad++;
            continue;
        }
        if (!seen[c]) distinct++;
        seen[c] = 1;
        space_arch b = space_from_code(c);
        if (!same_arch(&a, &b)) bad++;
    }
    CHECK_EQ_INT(distinct, 15625);
    CHECK_EQ_INT(bad, 0);
    /* code = sum op[e] * 5^e: edge 0 is the least significant digit */
    space_arch e0 = arch6(1, 0, 0, 0, 0, 0), e5 = arch6(0, 0, 0, 0, 0, 1);
    CHECK_EQ_INT(space_code(&e0), 1);
    CHECK_EQ_INT(space_code(&e5), 3125);
}

TEST(space_parse_official_example)
{
    space_arch a;
    CHECK_OK(space_parse(example, &a));
    space_arch want = arch6(SPACE_OP_CONV3, SPACE_OP_CONV3, SPACE_OP_CONV3, SPACE_OP_SKIP,
                            SPACE_OP_CONV3, SPACE_OP_CONV1);
    CHECK(same_arch(&a, &want));
    CHECK_EQ_INT(space_code(&a), 3 + 3 * 5 + 3 * 25 + 1 * 125 + 3 * 625 + 2 * 3125);
    char buf[SPACE_STR_MAX];
    CHECK_EQ_INT(space_format(&a, buf, sizeof buf), strlen(example));
    CHECK_STR(buf, example);
    int counts[SPACE_NB201_OPS];
    space_op_counts(&a, counts);
    CHECK_EQ_INT(counts[SPACE_OP_NONE], 0);
    CHECK_EQ_INT(counts[SPACE_OP_SKIP], 1);
    CHECK_EQ_INT(counts[SPACE_OP_CONV1], 1);
    CHECK_EQ_INT(counts[SPACE_OP_CONV3], 4);
    CHECK_EQ_INT(counts[SPACE_OP_POOL], 0);
}

TEST(space_format_parse_roundtrip_all)
{
    int bad_parse = 0, bad_code = 0, bad_str = 0;
    size_t longest = 0;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) {
        space_arch a = space_from_code(c), b;
        char s1[SPACE_STR_MAX], s2[SPACE_STR_MAX];
        size_t l = space_format(&a, s1, sizeof s1);
        if (l > longest) longest = l;
        if (space_parse(s1, &b) != NB_OK) {
            bad_parse++;
            continue;
        }
        if (space_code(&b) != c) bad_code++;
        space_format(&b, s2, sizeof s2);
        if (strcmp(s1, s2) != 0) bad_str++;
    }
    CHECK_EQ_INT(bad_parse, 0);
    CHECK_EQ_INT(bad_code, 0);
    CHECK_EQ_INT(bad_str, 0);
    CHECK_EQ_INT(longest, 95); /* 6 edges x 15 + 3 '|' + 2 '+' */
    CHECK(longest < SPACE_STR_MAX);

    /* snprintf-like truncation */
    space_arch a;
    CHECK_OK(space_parse(example, &a));
    char small[8];
    CHECK_EQ_INT(space_format(&a, small, sizeof small), strlen(example));
    CHECK_STR(small, "|nor_co");
}

typedef struct {
    const char *in;
    const char *needle;
} bad_case;

#define G1 "|none~0|"
#define G2 "|none~0|none~1|"
#define G3 "|none~0|none~1|none~2|"

TEST(space_parse_rejects_malformed)
{
    static const bad_case cases[] = {
        {"", "empty string"},
        {"none~0|+|none~0|none~1|+" G3, "at position 0: expected '|' to open node group 1"},
        {" " G1 "+" G2 "+" G3, "at position 0: expected '|' to open node group 1, found ' '"},
        {G1, "wrong number of node groups: found 1, expected 3"},
        {G1 "+" G2, "wrong number of node groups: found 2, expected 3"},
        {G1 "+" G2 "+" G3 "+" G1, "wrong number of node groups: more than 3"},
        {G1 "+|none~0|+" G3, "node group 2 has 1 edge, expected 2"},
        {"|none~0|none~1|+" G2 "+" G3, "node group 1 has more than 1 edge"},
        {G1 "+" G2 "+" G3 "none~3|", "node group 3 has more than 3 edges"},
        {"|nor_conv_3x3~0|+|conv_3x3~0|none~1|+" G3, "at position 18: unknown op 'conv_3x3'"},
        {"|nor_conv_3x3~0|+|conv_3x3~0|none~1|+" G3,
         "hint: ops are none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3"},
        {"|None~0|+" G2 "+" G3, "unknown op 'None'"},
        {G1 "+|none~1|none~0|+" G3, "bad input node index '~1' in node group 2: expected '~0'"},
        {G1 "+" G2 "+|none~0|none~2|none~1|", "bad input node index '~2' in node group 3: expected '~1'"},
        {"|none~00|+" G2 "+" G3, "bad input node index '~00'"},
        {"|none|+" G2 "+" G3, "at position 5: '~' missing after op 'none', found '|'"},
        {"|none0|+" G2 "+" G3, "unknown op 'none0'"},
        {"|none~|+" G2 "+" G3, "expected an input node index after '~'"},
        {"|none~x|+" G2 "+" G3, "expected an input node index after '~', found 'x'"},
        {"|none~0+" G2 "+" G3, "expected '|' after '~0', found '+'"},
        {"||+" G2 "+" G3, "at position 1: expected an op name"},
        {G1 "++" G2 "+" G3, "expected '|' to open node group 2, found '+'"},
        {G1 "+" G2 "+" G3 "x", "trailing characters 'x' after the third node group"},
        {G1 "+" G2 "+" G3 "\n", "trailing characters '\\n'"},
        {G1 "+" G2 "+" G3 " ", "at position 47: trailing characters ' '"},
        {G1 "x" G2 "+" G3, "expected '+' after node group 1, found 'x'"},
        {"|nor_conv_3x3~0|\xff", "expected '+' after node group 1, found '\\xff'"},
        {"|none~0|+|none~0|none~1|+|none~0|none~1|none~2", "expected '|' after '~2', found end of string"},
        {"|none~0|+|none~0|none~", "expected an input node index after '~', found end of string"},
        {"|none~0|+|none~0|", "node group 2 has 1 edge, expected 2, found end of string"},
    };
    space_arch sentinel = space_from_code(1234);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        space_arch out = sentinel;
        nb_status st = space_parse(cases[i].in, &out);
        CHECK_MSG(st == NB_EINVAL, "case %zu '%s': status %d", i, cases[i].in, (int)st);
        CHECK_MSG(strstr(nb_errmsg(), cases[i].needle) != NULL,
                  "case %zu: message '%s' lacks '%s'", i, nb_errmsg(), cases[i].needle);
        CHECK_MSG(strstr(nb_errmsg(), "arch string") != NULL, "case %zu: '%s'", i, nb_errmsg());
        CHECK_MSG(same_arch(&out, &sentinel), "case %zu: *out changed on failure", i);
    }
    space_arch out = sentinel;
    CHECK_STATUS(space_parse(NULL, &out), NB_EINVAL);
    CHECK_ERRMSG("NULL");
    CHECK(same_arch(&out, &sentinel));
}

TEST(space_parse_long_and_unterminated_input)
{
    space_arch sentinel = space_from_code(77), out = sentinel;
    /* 300 characters: refused without scanning it all */
    char big[301];
    memset(big, '|', 300);
    big[300] = '\0';
    CHECK_STATUS(space_parse(big, &out), NB_EINVAL);
    CHECK_ERRMSG("too long");
    CHECK(same_arch(&out, &sentinel));
    /* a valid string followed by padding to just under the limit: trailing */
    char pad[SPACE_STR_MAX];
    size_t l = strlen(example);
    memcpy(pad, example, l);
    memset(pad + l, ' ', SPACE_STR_MAX - 1 - l);
    pad[SPACE_STR_MAX - 1] = '\0';
    CHECK_STATUS(space_parse(pad, &out), NB_EINVAL);
    CHECK_ERRMSG("trailing characters");
    /* exactly SPACE_STR_MAX bytes with no NUL, on the heap so that the
     * sanitizer build catches any read past the end */
    char *raw = malloc(SPACE_STR_MAX);
    CHECK(raw != NULL);
    if (raw) {
        memset(raw, 'a', SPACE_STR_MAX);
        CHECK_STATUS(space_parse(raw, &out), NB_EINVAL);
        CHECK_ERRMSG("too long");
        free(raw);
    }
    CHECK(same_arch(&out, &sentinel));
}

/* Every proper prefix of a valid string fails; random byte edits either fail
 * or, the parser being strict, parse to a cell that prints back to exactly
 * the edited string (so no lenient acceptance slips through). */
TEST(space_parse_prefixes_and_random_edits)
{
    size_t l = strlen(example);
    char buf[SPACE_STR_MAX];
    space_arch sentinel = space_from_code(4321);
    int prefix_ok = 0;
    for (size_t k = 0; k < l; k++) {
        memcpy(buf, example, k);
        buf[k] = '\0';
        space_arch out = sentinel;
        if (space_parse(buf, &out) == NB_OK) prefix_ok++;
        if (!same_arch(&out, &sentinel)) prefix_ok++;
    }
    CHECK_EQ_INT(prefix_ok, 0);

    static const char alphabet[] = "|+~0123nor_cv13xskipavgl \xff";
    nb_rng rng;
    nb_rng_init(&rng, 7, 0, NB_PURPOSE_TEST);
    int n = test_quick() ? 2000 : 20000, accepted = 0, lenient = 0;
    for (int t = 0; t < n; t++) {
        space_arch a;
        space_random(&rng, &a);
        size_t len = space_format(&a, buf, sizeof buf);
        int edits = 1 + (int)nb_rng_below(&rng, 3);
        for (int k = 0; k < edits && len > 0; k++) {
            size_t at = (size_t)nb_rng_below(&rng, len);
            int kind = (int)nb_rng_below(&rng, 3);
            if (kind == 0) { /* replace */
                buf[at] = alphabet[nb_rng_below(&rng, sizeof alphabet - 1)];
            } else if (kind == 1) { /* delete */
                memmove(buf + at, buf + at + 1, len - at);
                len--;
            } else if (len + 1 < sizeof buf) { /* insert */
                memmove(buf + at + 1, buf + at, len - at + 1);
                buf[at] = alphabet[nb_rng_below(&rng, sizeof alphabet - 1)];
                len++;
            }
        }
        space_arch out;
        if (space_parse(buf, &out) == NB_OK) {
            accepted++;
            char back[SPACE_STR_MAX];
            space_format(&out, back, sizeof back);
            if (strcmp(back, buf) != 0) lenient++;
        } else if (!strstr(nb_errmsg(), "arch string: ")) {
            lenient++;
        }
    }
    CHECK_EQ_INT(lenient, 0);
    CHECK(accepted < n / 2); /* most random edits break the string */
}

TEST(space_canonical_6466_classes)
{
    CHECK_EQ_INT(space_n_unique(), 6466);
    /* count the classes independently: codes that are their own canonical */
    uint32_t reps = 0;
    int bad = 0;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) {
        uint32_t k = space_canonical_code(c);
        if (k > c) bad++;                          /* smallest in its class */
        if (space_canonical_code(k) != k) bad++;   /* idempotent */
        if (k == c) reps++;
        space_arch a = space_from_code(c), b = space_from_code(k);
        char sa[512], sb[512];
        space_canonical_str(&a, sa, sizeof sa);
        space_canonical_str(&b, sb, sizeof sb);
        if (strcmp(sa, sb) != 0) bad++; /* same class, same string */
    }
    CHECK_EQ_INT(reps, 6466);
    CHECK_EQ_INT(bad, 0);
    /* class sizes quoted in spaces/README.md */
    static uint16_t size[SPACE_NB201_SIZE];
    memset(size, 0, sizeof size);
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) size[space_canonical_code(c)]++;
    int singletons = 0, largest = 0;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) {
        singletons += size[c] == 1;
        if (size[c] > largest) largest = size[c];
    }
    CHECK_EQ_INT(singletons, 5116);
    CHECK_EQ_INT(largest, 275);
    /* different classes have different strings (the table is not coarser) */
    static char strs[6466][128];
    uint32_t n = 0;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE && n < 6466; c++)
        if (space_canonical_code(c) == c) {
            space_arch a = space_from_code(c);
            CHECK(space_canonical_str(&a, strs[n], sizeof strs[n]) < sizeof strs[n]);
            n++;
        }
    qsort(strs, n, sizeof strs[0], (int (*)(const void *, const void *))strcmp);
    int dup = 0;
    for (uint32_t i = 1; i < n; i++) dup += strcmp(strs[i - 1], strs[i]) == 0;
    CHECK_EQ_INT(dup, 0);
}

/* Named to sort before the other canonical tests, so that when this file
 * runs alone the class table is first built here, by 4 threads at once. */
static void *canon_worker(void *arg)
{
    uint16_t *out = arg;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) out[c] = (uint16_t)space_canonical_code(c);
    return NULL;
}

TEST(space_canonical_0_threads)
{
    enum { T = 4 };
    static uint16_t res[T][SPACE_NB201_SIZE];
    pthread_t th[T];
    int started[T];
    for (int t = 0; t < T; t++) started[t] = pthread_create(&th[t], NULL, canon_worker, res[t]) == 0;
    for (int t = 0; t < T; t++) {
        CHECK(started[t]);
        if (started[t]) pthread_join(th[t], NULL);
    }
    int differ = 0;
    for (int t = 1; t < T; t++)
        differ += started[t] && started[0] && memcmp(res[0], res[t], sizeof res[0]) != 0;
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(space_n_unique(), 6466);
}

static uint32_t canon_of(space_arch a) { return space_canonical_code(space_code(&a)); }

TEST(space_canonical_invariants)
{
    /* Node 2 unused (edge 2->3 is 'none'): the ops feeding node 2 do not matter. */
    uint32_t ref = canon_of(arch6(SPACE_OP_CONV3, 0, 0, SPACE_OP_CONV1, SPACE_OP_POOL, SPACE_OP_NONE));
    int differ = 0;
    for (int e1 = 0; e1 < 5; e1++)
        for (int e2 = 0; e2 < 5; e2++)
            differ += canon_of(arch6(SPACE_OP_CONV3, e1, e2, SPACE_OP_CONV1, SPACE_OP_POOL,
                                     SPACE_OP_NONE)) != ref;
    CHECK_EQ_INT(differ, 0);
    /* Node 1 unused (edges 1->2 and 1->3 are 'none'): edge 0->1 does not matter. */
    ref = canon_of(arch6(0, SPACE_OP_SKIP, SPACE_OP_NONE, SPACE_OP_CONV3, SPACE_OP_NONE, SPACE_OP_POOL));
    differ = 0;
    for (int e0 = 0; e0 < 5; e0++)
        differ += canon_of(arch6(e0, SPACE_OP_SKIP, SPACE_OP_NONE, SPACE_OP_CONV3, SPACE_OP_NONE,
                                 SPACE_OP_POOL)) != ref;
    CHECK_EQ_INT(differ, 0);
    /* Sums are unordered: with node 1 = skip(node 0), the inputs 0->3 and
     * 1->3 are interchangeable. */
    space_arch x = arch6(SPACE_OP_SKIP, 0, 0, SPACE_OP_CONV3, SPACE_OP_POOL, 0);
    space_arch y = arch6(SPACE_OP_SKIP, 0, 0, SPACE_OP_POOL, SPACE_OP_CONV3, 0);
    CHECK(space_code(&x) != space_code(&y));
    CHECK_EQ_INT(canon_of(x), canon_of(y));
    char sx[512], sy[512];
    space_canonical_str(&x, sx, sizeof sx);
    space_canonical_str(&y, sy, sizeof sy);
    CHECK_STR(sx, "#+(0)@avg_pool_3x3+(0)@nor_conv_3x3");
    CHECK_STR(sy, sx);
    /* skip_connect is the identity: conv on 0->3 equals skip 0->1 then conv 1->3 */
    CHECK_EQ_INT(canon_of(arch6(0, 0, 0, SPACE_OP_CONV1, 0, 0)),
                 canon_of(arch6(SPACE_OP_SKIP, 0, 0, 0, SPACE_OP_CONV1, 0)));
    /* ...but not a conv: conv 0->1 then conv 1->3 is deeper */
    CHECK(canon_of(arch6(0, 0, 0, SPACE_OP_CONV1, 0, 0)) !=
          canon_of(arch6(SPACE_OP_CONV1, 0, 0, 0, SPACE_OP_CONV1, 0)));
    /* x + x is not x: two skips into node 3 differ from one */
    CHECK(canon_of(arch6(SPACE_OP_SKIP, 0, 0, SPACE_OP_SKIP, SPACE_OP_SKIP, 0)) !=
          canon_of(arch6(0, 0, 0, SPACE_OP_SKIP, 0, 0)));
    /* NB201's literal zero test: node 2 fed by two 'none' edges reads "#+#",
     * which is not "#", so a conv out of it is NOT zero. Merging it would give
     * 6285 classes, not the published 6466. */
    CHECK(canon_of(arch6(0, 0, 0, 0, 0, SPACE_OP_CONV3)) != canon_of(arch6(0, 0, 0, 0, 0, 0)));
    /* whereas node 1 fed by 'none' reads "#" and a conv out of it vanishes */
    CHECK_EQ_INT(canon_of(arch6(0, 0, 0, 0, SPACE_OP_CONV3, 0)), canon_of(arch6(0, 0, 0, 0, 0, 0)));
    CHECK_EQ_INT(canon_of(arch6(0, 0, 0, 0, 0, 0)), 0);

    /* the official example, string worked out by hand */
    space_arch a;
    CHECK_OK(space_parse(example, &a));
    char s[512];
    size_t l = space_canonical_str(&a, s, sizeof s);
    CHECK_STR(s, "(((0)@nor_conv_3x3)@nor_conv_3x3+(0)@nor_conv_3x3)@nor_conv_1x1+"
                 "((0)@nor_conv_3x3)@nor_conv_3x3+0");
    CHECK_EQ_INT(l, strlen(s));
    char tiny[5];
    CHECK_EQ_INT(space_canonical_str(&a, tiny, sizeof tiny), l);
    CHECK_STR(tiny, "(((0");
    /* the longest unique string fits the documented 512 (it is 112) */
    size_t longest = 0;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) {
        space_arch b = space_from_code(c);
        size_t lb = space_canonical_str(&b, NULL, 0);
        if (lb > longest) longest = lb;
    }
    CHECK_EQ_INT(longest, 112);
}

/* Brute force: the four input->output paths as edge lists. */
static int disconnected_by_paths(const space_arch *a)
{
    static const int paths[4][3] = {{3, -1, -1}, {0, 4, -1}, {1, 5, -1}, {0, 2, 5}};
    for (int p = 0; p < 4; p++) {
        int open = 1;
        for (int j = 0; j < 3 && paths[p][j] >= 0; j++)
            if (a->op[paths[p][j]] == SPACE_OP_NONE) open = 0;
        if (open) return 0;
    }
    return 1;
}

TEST(space_disconnected_cells)
{
    int n = 0, mismatch = 0, enc_mismatch = 0;
    static unsigned char class_seen[SPACE_NB201_SIZE];
    memset(class_seen, 0, sizeof class_seen);
    int classes = 0;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) {
        space_arch a = space_from_code(c);
        int d = disconnected_by_paths(&a);
        n += d;
        mismatch += d != space_is_disconnected(&a);
        float pe[SPACE_PATH_DIM];
        space_path_encoding(&a, pe);
        float sum = 0;
        for (int i = 0; i < SPACE_PATH_DIM; i++) sum += pe[i];
        enc_mismatch += d != (sum == 0.0f);
        if (d) {
            uint32_t k = space_canonical_code(c);
            if (!class_seen[k]) classes++;
            class_seen[k] = 1;
        }
    }
    CHECK_EQ_INT(n, 341);
    CHECK_EQ_INT(mismatch, 0);
    CHECK_EQ_INT(enc_mismatch, 0);
    /* NB201's unique strings split them into 5 classes (see spaces/README.md) */
    CHECK_EQ_INT(classes, 5);
    space_arch all_none = arch6(0, 0, 0, 0, 0, 0), one_skip = arch6(0, 0, 0, SPACE_OP_SKIP, 0, 0);
    CHECK(space_is_disconnected(&all_none));
    CHECK(!space_is_disconnected(&one_skip));
}

TEST(space_mutate_one_edge_uniform_and_deterministic)
{
    nb_rng r1, r2;
    nb_rng_init(&r1, 11, 3, NB_PURPOSE_TEST);
    nb_rng_init(&r2, 11, 3, NB_PURPOSE_TEST);
    enum { N = 60000 };
    long edge_count[SPACE_NB201_EDGES] = {0};
    long trans[SPACE_NB201_OPS][SPACE_NB201_OPS] = {{0}};
    int not_one = 0, not_same = 0;
    for (int t = 0; t < N; t++) {
        space_arch a = space_from_code((uint32_t)((t * 7919u) % SPACE_NB201_SIZE)), b, b2;
        space_mutate(&a, &r1, &b);
        space_mutate(&a, &r2, &b2);
        if (!same_arch(&b, &b2)) not_same++;
        if (hamming(&a, &b) != 1) {
            not_one++;
            continue;
        }
        for (int e = 0; e < SPACE_NB201_EDGES; e++)
            if (a.op[e] != b.op[e]) {
                edge_count[e]++;
                trans[a.op[e]][b.op[e]]++;
            }
    }
    CHECK_EQ_INT(not_one, 0);
    CHECK_EQ_INT(not_same, 0);
    /* chi-square over the 6 edges (5 dof): 99.9999% quantile is about 37 */
    double chi = 0, expect = N / 6.0;
    for (int e = 0; e < SPACE_NB201_EDGES; e++)
        chi += (edge_count[e] - expect) * (edge_count[e] - expect) / expect;
    CHECK_MSG(chi < 40.0, "edge chi-square %.1f", chi);
    /* given the old op, each of the 4 others equally likely (3 dof per row) */
    for (int from = 0; from < SPACE_NB201_OPS; from++) {
        long row = 0;
        for (int to = 0; to < SPACE_NB201_OPS; to++) row += trans[from][to];
        CHECK_EQ_INT(trans[from][from], 0);
        double c2 = 0, ex = row / 4.0;
        for (int to = 0; to < SPACE_NB201_OPS; to++)
            if (to != from) c2 += (trans[from][to] - ex) * (trans[from][to] - ex) / ex;
        CHECK_MSG(row > 1000 && c2 < 35.0, "row %d: n=%ld chi-square %.1f", from, row, c2);
    }
    /* out may alias the input */
    space_arch a = space_from_code(100), keep = a;
    space_mutate(&a, &r1, &a);
    CHECK_EQ_INT(hamming(&a, &keep), 1);
}

TEST(space_random_uniform_and_pinned)
{
    nb_rng rng;
    nb_rng_init(&rng, 42, 0, NB_PURPOSE_TEST);
    /* pinned first outputs: changing how a cell is drawn changes every search */
    uint32_t first[3];
    for (int i = 0; i < 3; i++) {
        space_arch a;
        space_random(&rng, &a);
        first[i] = space_code(&a);
    }
    uint32_t again[3];
    nb_rng_init(&rng, 42, 0, NB_PURPOSE_TEST);
    for (int i = 0; i < 3; i++) {
        space_arch a;
        space_random(&rng, &a);
        again[i] = space_code(&a);
    }
    for (int i = 0; i < 3; i++) CHECK_EQ_INT(again[i], first[i]);
    CHECK_EQ_INT(first[0], SPACE_TEST_RANDOM0);
    CHECK_EQ_INT(first[1], SPACE_TEST_RANDOM1);
    CHECK_EQ_INT(first[2], SPACE_TEST_RANDOM2);

    /* per-edge op marginals: 6 x 5 cells, chi-square per edge (4 dof) */
    enum { N = 50000 };
    long cnt[SPACE_NB201_EDGES][SPACE_NB201_OPS] = {{0}};
    static uint32_t hits[SPACE_NB201_SIZE];
    memset(hits, 0, sizeof hits);
    for (int t = 0; t < N; t++) {
        space_arch a;
        space_random(&rng, &a);
        for (int e = 0; e < SPACE_NB201_EDGES; e++) cnt[e][a.op[e]]++;
        hits[space_code(&a)]++;
    }
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        double c2 = 0, ex = N / 5.0;
        for (int op = 0; op < SPACE_NB201_OPS; op++)
            c2 += (cnt[e][op] - ex) * (cnt[e][op] - ex) / ex;
        CHECK_MSG(c2 < 35.0, "edge %d chi-square %.1f", e, c2);
    }
    /* whole-space chi-square, 15624 dof: mean 15624, sd 177; allow 8 sd */
    double c2 = 0, ex = (double)N / SPACE_NB201_SIZE;
    for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) c2 += (hits[c] - ex) * (hits[c] - ex) / ex;
    CHECK_MSG(fabs(c2 - 15624.0) < 8 * 177.0, "space chi-square %.0f", c2);
}

TEST(space_neighbours_24_at_distance_1)
{
    nb_rng rng;
    nb_rng_init(&rng, 5, 0, NB_PURPOSE_TEST);
    for (int t = 0; t < 50; t++) {
        space_arch a, nb[SPACE_NB201_NEIGHBOURS];
        space_random(&rng, &a);
        space_neighbours(&a, nb);
        /* documented order: edge 0..5, op ascending, skipping the current op */
        int i = 0, order_bad = 0, dist_bad = 0, dup = 0;
        for (int e = 0; e < SPACE_NB201_EDGES; e++)
            for (int op = 0; op < SPACE_NB201_OPS; op++) {
                if (op == a.op[e]) continue;
                space_arch want = a;
                want.op[e] = (uint8_t)op;
                order_bad += !same_arch(&nb[i], &want);
                i++;
            }
        for (i = 0; i < SPACE_NB201_NEIGHBOURS; i++) {
            dist_bad += hamming(&a, &nb[i]) != 1;
            for (int j = 0; j < i; j++) dup += same_arch(&nb[i], &nb[j]);
        }
        /* and they are all of them: brute force over the space */
        int at1 = 0;
        for (uint32_t c = 0; c < SPACE_NB201_SIZE; c++) {
            space_arch b = space_from_code(c);
            at1 += hamming(&a, &b) == 1;
        }
        CHECK_EQ_INT(order_bad, 0);
        CHECK_EQ_INT(dist_bad, 0);
        CHECK_EQ_INT(dup, 0);
        CHECK_EQ_INT(at1, SPACE_NB201_NEIGHBOURS);
    }
}

static void check_features(const float *f, int n, const int *ones, int n_ones, const char *what)
{
    int bad = 0;
    for (int i = 0; i < n; i++) {
        int want = 0;
        for (int k = 0; k < n_ones; k++) want |= ones[k] == i;
        if (f[i] != (float)want) bad++;
    }
    CHECK_MSG(bad == 0, "%s: %d features differ from the hand-computed ones", what, bad);
}

TEST(space_encodings_hand_computed)
{
    space_arch a;
    CHECK_OK(space_parse(example, &a)); /* conv3, conv3 conv3, skip conv3 conv1 */
    float oh[SPACE_ONEHOT_DIM], pe[SPACE_PATH_DIM];
    space_onehot(&a, oh);
    /* e*5 + op: 0*5+3, 1*5+3, 2*5+3, 3*5+1, 4*5+3, 5*5+2 */
    static const int oh_ones[] = {3, 8, 13, 16, 23, 27};
    check_features(oh, SPACE_ONEHOT_DIM, oh_ones, 6, "one-hot of the example");

    /* paths, digit = op-1 (skip 0, conv1 1, conv3 2, pool 3), input side least significant:
     *   0->3       skip                 -> 0 + 0                    = 0
     *   0->1->3    conv3, conv3         -> 4 + 2 + 2*4              = 14
     *   0->2->3    conv3, conv1         -> 4 + 2 + 1*4              = 10
     *   0->1->2->3 conv3, conv3, conv1  -> 20 + 2 + 2*4 + 1*16      = 46 */
    space_path_encoding(&a, pe);
    static const int pe_ones[] = {0, 14, 10, 46};
    check_features(pe, SPACE_PATH_DIM, pe_ones, 4, "path encoding of the example");

    /* 'none' edges remove paths: e0 pool, e1 none, e2 skip, e3 none, e4 pool, e5 pool
     *   0->3 absent, 0->2->3 absent (e1),
     *   0->1->3    pool, pool           -> 4 + 3 + 3*4              = 19
     *   0->1->2->3 pool, skip, pool     -> 20 + 3 + 0*4 + 3*16      = 71 */
    space_arch b = arch6(SPACE_OP_POOL, SPACE_OP_NONE, SPACE_OP_SKIP, SPACE_OP_NONE, SPACE_OP_POOL,
                         SPACE_OP_POOL);
    space_path_encoding(&b, pe);
    static const int pe_ones_b[] = {19, 71};
    check_features(pe, SPACE_PATH_DIM, pe_ones_b, 2, "path encoding with none edges");

    /* both length-2 paths with the same ops share one feature: all conv3
     *   0->3: 2;  0->1->3 and 0->2->3: 4 + 2 + 8 = 14;  0->1->2->3: 20 + 2 + 8 + 32 = 62 */
    space_arch c = arch6(3, 3, 3, 3, 3, 3);
    space_path_encoding(&c, pe);
    static const int pe_ones_c[] = {2, 14, 62};
    check_features(pe, SPACE_PATH_DIM, pe_ones_c, 3, "path encoding, all conv3");

    /* every one of the 84 features is used by some cell, one-hot rows sum to 1 */
    int used[SPACE_PATH_DIM] = {0}, rows_bad = 0;
    for (uint32_t k = 0; k < SPACE_NB201_SIZE; k++) {
        space_arch x = space_from_code(k);
        space_path_encoding(&x, pe);
        for (int i = 0; i < SPACE_PATH_DIM; i++) used[i] |= pe[i] != 0.0f;
        space_onehot(&x, oh);
        for (int e = 0; e < SPACE_NB201_EDGES; e++) {
            float s = 0;
            for (int op = 0; op < SPACE_NB201_OPS; op++) s += oh[e * 5 + op];
            rows_bad += s != 1.0f || oh[e * 5 + x.op[e]] != 1.0f;
        }
    }
    int unused = 0;
    for (int i = 0; i < SPACE_PATH_DIM; i++) unused += !used[i];
    CHECK_EQ_INT(unused, 0);
    CHECK_EQ_INT(rows_bad, 0);
}

/* ---- the space interface ------------------------------------------------ */

static int same_struct(const space_arch *a, const space_arch *b)
{
    return memcmp(a, b, sizeof *a) == 0;
}

/* Slots past the space's decisions are 0. */
static int tail_zero(const space_arch *a)
{
    for (int d = SPACE_NB201_EDGES; d < SPACE_ARCH_MAX; d++)
        if (a->op[d] != 0) return 0;
    return 1;
}

TEST(space_registry_finds_nb201_and_refuses_unknown)
{
    const space_def *sp = space_find("nb201");
    CHECK(sp == &space_nb201);
    CHECK_STR(sp->name, "nb201");
    CHECK_EQ_INT(sp->n_decisions, SPACE_NB201_EDGES);
    CHECK_EQ_INT(sp->size, SPACE_NB201_SIZE);
    for (int d = 0; d < sp->n_decisions; d++) CHECK_EQ_INT(sp->n_choices[d], SPACE_NB201_OPS);
    CHECK_EQ_INT(sp->max_neighbours, SPACE_NB201_NEIGHBOURS);
    CHECK_EQ_INT(sp->onehot_dim, SPACE_ONEHOT_DIM);
    CHECK_EQ_INT(sp->path_dim, SPACE_PATH_DIM);
    CHECK_EQ_INT(space_n_classes(sp), 6466);
    int n = 0, has = 0;
    for (const space_def *const *l = space_list(); *l; l++, n++) has |= *l == &space_nb201;
    CHECK(n >= 1 && has);
    CHECK(space_find("nats-sss") == NULL);
    CHECK_ERRMSG("'nats-sss' is not known");
    CHECK_ERRMSG("nb201");
    CHECK(space_find("NB201") == NULL);
    CHECK(space_find(NULL) == NULL);
    CHECK_ERRMSG("known spaces are nb201");
}

TEST(space_interface_equals_nb201_functions_on_all_cells)
{
    const space_def *sp = &space_nb201;
    char b1[SPACE_STR_MAX], b2[SPACE_STR_MAX];
    float f1[SPACE_PATH_DIM], f2[SPACE_PATH_DIM];
    int bad = 0;
    for (uint32_t k = 0; k < SPACE_NB201_SIZE; k++) {
        space_arch a = space_from_code(k), b = sp->arch(k), c;
        bad += !same_struct(&a, &b) || sp->index(&a) != k;
        size_t l1 = space_format(&a, b1, sizeof b1), l2 = sp->format(&b, b2, sizeof b2);
        bad += l1 != l2 || strcmp(b1, b2) != 0 || l2 >= sp->str_max;
        memset(&c, 0xAA, sizeof c);
        bad += sp->parse(b2, &c) != NB_OK || !same_struct(&c, &a);
        bad += space_canon(sp, k) != space_canonical_code(k);
        space_onehot(&a, f1);
        sp->onehot(&a, f2);
        bad += memcmp(f1, f2, SPACE_ONEHOT_DIM * sizeof(float)) != 0;
        space_path_encoding(&a, f1);
        sp->path(&a, f2);
        bad += memcmp(f1, f2, SPACE_PATH_DIM * sizeof(float)) != 0;
    }
    CHECK_EQ_INT(bad, 0);
    space_arch x;
    CHECK_STATUS(sp->parse("|none~0|", &x), NB_EINVAL);
}

TEST(space_interface_same_draws_as_nb201_functions)
{
    const space_def *sp = &space_nb201;
    nb_rng r1, r2;
    nb_rng_init(&r1, 9, 1, NB_PURPOSE_TEST);
    nb_rng_init(&r2, 9, 1, NB_PURPOSE_TEST);
    space_arch n1[SPACE_NB201_NEIGHBOURS], n2[SPACE_NB201_NEIGHBOURS];
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        space_arch a, b, m1, m2;
        space_random(&r1, &a);
        sp->random(&r2, &b);
        bad += !same_struct(&a, &b);
        space_mutate(&a, &r1, &m1);
        sp->mutate(&b, &r2, &m2);
        bad += !same_struct(&m1, &m2);
        space_neighbours(&a, n1);
        bad += sp->neighbours(&b, n2) != SPACE_NB201_NEIGHBOURS;
        bad += memcmp(n1, n2, sizeof n1) != 0;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(nb_rng_u64(&r1) == nb_rng_u64(&r2)); /* the streams stayed in step */
}

TEST(space_crossover_takes_each_decision_from_a_parent)
{
    const space_def *sp = &space_nb201;
    space_arch a = arch6(0, 1, 2, 3, 4, 0), b = arch6(4, 3, 2, 1, 0, 1);
    nb_rng r, q;
    nb_rng_init(&r, 5, 0, NB_PURPOSE_TEST);
    nb_rng_init(&q, 5, 0, NB_PURPOSE_TEST);
    int from_b[SPACE_NB201_EDGES] = {0}, cuts[SPACE_NB201_EDGES] = {0}, bad = 0;
    const int n = 3000;
    for (int i = 0; i < n; i++) {
        space_arch c;
        sp->crossover_uniform(&a, &b, &r, &c);
        uint64_t mask = nb_rng_below(&q, 1u << SPACE_NB201_EDGES); /* the documented draw */
        for (int d = 0; d < SPACE_NB201_EDGES; d++) {
            bad += c.op[d] != ((mask >> d) & 1 ? b.op[d] : a.op[d]);
            from_b[d] += a.op[d] != b.op[d] && c.op[d] == b.op[d];
        }
        bad += !tail_zero(&c);
        sp->crossover_point(&a, &b, &r, &c);
        int cut = 1 + (int)nb_rng_below(&q, SPACE_NB201_EDGES - 1);
        cuts[cut]++;
        for (int d = 0; d < SPACE_NB201_EDGES; d++) {
            bad += c.op[d] != (d < cut ? a.op[d] : b.op[d]);
        }
        bad += !tail_zero(&c);
    }
    CHECK_EQ_INT(bad, 0);
    for (int d = 0; d < SPACE_NB201_EDGES; d++)
        if (a.op[d] != b.op[d])
            CHECK_MSG(from_b[d] > n / 2 - 200 && from_b[d] < n / 2 + 200,
                      "uniform crossover: decision %d from b %d of %d times", d, from_b[d], n);
    CHECK_EQ_INT(cuts[0], 0);
    for (int cut = 1; cut < SPACE_NB201_EDGES; cut++)
        CHECK_MSG(cuts[cut] > n / 5 - 150 && cuts[cut] < n / 5 + 150, "cut %d drawn %d times",
                  cut, cuts[cut]);
    /* out may alias a parent */
    space_arch c = a;
    nb_rng_init(&r, 5, 0, NB_PURPOSE_TEST);
    sp->crossover_point(&c, &b, &r, &c);
    nb_rng_init(&q, 5, 0, NB_PURPOSE_TEST);
    int cut = 1 + (int)nb_rng_below(&q, SPACE_NB201_EDGES - 1);
    for (int d = 0; d < SPACE_NB201_EDGES; d++) CHECK(c.op[d] == (d < cut ? a.op[d] : b.op[d]));
}

TEST(space_constructors_zero_unused_slots)
{
    const space_def *sp = &space_nb201;
    nb_rng r;
    nb_rng_init(&r, 3, 0, NB_PURPOSE_TEST);
    space_arch a, b, c, nb[SPACE_NB201_NEIGHBOURS];
    int bad = 0;
    for (int i = 0; i < 200; i++) {
        memset(&a, 0xAA, sizeof a);
        space_random(&r, &a);
        bad += !tail_zero(&a);
        memset(&b, 0xAA, sizeof b);
        sp->random(&r, &b);
        bad += !tail_zero(&b);
        memset(&c, 0xAA, sizeof c);
        space_mutate(&a, &r, &c);
        bad += !tail_zero(&c);
        memset(nb, 0xAA, sizeof nb);
        space_neighbours(&a, nb);
        for (int k = 0; k < SPACE_NB201_NEIGHBOURS; k++) bad += !tail_zero(&nb[k]);
        memset(&c, 0xAA, sizeof c);
        c = space_from_code((uint32_t)nb_rng_below(&r, SPACE_NB201_SIZE));
        bad += !tail_zero(&c);
        char s[SPACE_STR_MAX];
        space_format(&a, s, sizeof s);
        memset(&c, 0xAA, sizeof c);
        bad += space_parse(s, &c) != NB_OK || !tail_zero(&c);
        bad += !space_arch_valid(sp, &a) || !space_arch_valid(sp, &c);
    }
    CHECK_EQ_INT(bad, 0);
    /* the check itself: a nonzero unused slot or an op out of range is invalid */
    a = space_from_code(77);
    a.op[SPACE_ARCH_MAX - 1] = 1;
    CHECK(!space_arch_valid(sp, &a));
    a = space_from_code(77);
    a.op[2] = SPACE_NB201_OPS;
    CHECK(!space_arch_valid(sp, &a));
}

TEST(space_nb201_network_description)
{
    const space_def *sp = &space_nb201;
    space_arch a;
    CHECK_OK(space_parse(example, &a));
    space_net d;
    CHECK_OK(sp->network(&a, 16, 5, &d));
    CHECK_EQ_INT(d.stem_c, 16);
    CHECK_EQ_INT(d.n_layers, 17);
    for (int i = 0; i < d.n_layers; i++) {
        int stage = i < 5 ? 0 : i < 11 ? 1 : 2;
        int res = i == 5 || i == 11;
        CHECK_EQ_INT(d.layer[i].kind, res ? SPACE_NET_RESBLOCK : SPACE_NET_CELL);
        CHECK_EQ_INT(d.layer[i].c_out, 16 << stage);
    }
    /* |conv3~0|+|conv3~0|conv3~1|+|skip~0|conv3~1|conv1~2| */
    static const space_net_edge want[] = {
        {0, 1, SPACE_NET_RELU_CONV_BN, 3}, {0, 2, SPACE_NET_RELU_CONV_BN, 3},
        {1, 2, SPACE_NET_RELU_CONV_BN, 3}, {0, 3, SPACE_NET_IDENTITY, 0},
        {1, 3, SPACE_NET_RELU_CONV_BN, 3}, {2, 3, SPACE_NET_RELU_CONV_BN, 1},
    };
    CHECK_EQ_INT(d.cell.n_nodes, 4);
    CHECK_EQ_INT(d.cell.n_edges, 6);
    for (int e = 0; e < 6; e++) CHECK(memcmp(&d.cell.edge[e], &want[e], sizeof want[e]) == 0);

    /* 'none' edges are left out; avg_pool maps to the pool op */
    CHECK_OK(space_parse("|none~0|+|avg_pool_3x3~0|none~1|+|none~0|none~1|skip_connect~2|", &a));
    CHECK_OK(sp->network(&a, 8, 1, &d));
    CHECK_EQ_INT(d.n_layers, 5);
    CHECK_EQ_INT(d.layer[4].c_out, 32);
    CHECK_EQ_INT(d.cell.n_edges, 2);
    CHECK(d.cell.edge[0].from == 0 && d.cell.edge[0].to == 2 &&
          d.cell.edge[0].op == SPACE_NET_AVG_POOL3);
    CHECK(d.cell.edge[1].from == 2 && d.cell.edge[1].to == 3 &&
          d.cell.edge[1].op == SPACE_NET_IDENTITY);

    CHECK_STATUS(sp->network(&a, 0, 5, &d), NB_EINVAL);
    CHECK_ERRMSG("width C");
    CHECK_STATUS(sp->network(&a, 16, 0, &d), NB_EINVAL);
    a.op[3] = SPACE_NB201_OPS;
    CHECK_STATUS(sp->network(&a, 16, 5, &d), NB_EINVAL);
    CHECK_ERRMSG("edge 3");
}

TEST(space_table_of_unknown_space_refused)
{
    char path[512];
    snprintf(path, sizeof path, "%s/space-unknown.h5", test_tmpdir());
    space_arch archs[2] = {space_from_code(1), space_from_code(2)};
    tab_writer *w;
    CHECK_OK(tab_writer_create(path, "nb201", 2, archs, &w));
    CHECK_OK(tab_writer_finish(w, NULL));
    tab_table *t;
    CHECK_OK(tab_open(path, &t));
    CHECK(tab_space(t) == &space_nb201);
    tab_close(t);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0);
    CHECK(H5Adelete(f, "space") >= 0);
    CHECK_OK(tab_h5_set_str(f, path, "space", "nats-sss"));
    H5Fclose(f);
    t = NULL;
    CHECK_STATUS(tab_open(path, &t), NB_EFORMAT);
    CHECK(t == NULL);
    CHECK_ERRMSG("'nats-sss' is not known");
    CHECK_ERRMSG("known spaces are nb201");
    remove(path);
}

/* ---- the NATS-Bench size space ------------------------------------------- */

#define SSS_FIX "tests/fixtures/nats-sss"

static int sss_tail_zero(const space_arch *a)
{
    for (int d = SPACE_SSS_LAYERS; d < SPACE_ARCH_MAX; d++)
        if (a->op[d] != 0) return 0;
    return 1;
}

static int sss_distance(const space_arch *a, const space_arch *b)
{
    int d = 0;
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) d += a->op[l] != b->op[l];
    return d;
}

TEST(space_sss_registered)
{
    const space_def *sp = space_find("sss");
    CHECK(sp == &space_sss);
    if (!sp) return;
    CHECK_EQ_INT(sp->n_decisions, 5);
    CHECK_EQ_INT(sp->size, 32768);
    for (int d = 0; d < 5; d++) CHECK_EQ_INT(sp->n_choices[d], 8);
    CHECK_EQ_INT(sp->onehot_dim, 40);
    CHECK_EQ_INT(sp->path_dim, 0);
    CHECK(sp->path == NULL && sp->canonical == NULL && sp->n_classes == NULL);
    CHECK_EQ_INT(space_n_classes(sp), 32768);
    CHECK_EQ_INT(space_canon(sp, 12345), 12345);
    CHECK(space_find("nats-sss") == NULL);
    CHECK_ERRMSG("known spaces are nb201, sss");
}

/* Every index: format, parse back, index again; and the string equals the
 * official meta file's entry at that index (NATS's order). */
TEST(space_sss_all_32768_in_official_order)
{
    const space_def *sp = &space_sss;
    pk_doc *doc = NULL;
    CHECK_OK(pk_read_bz2_file(SSS_FIX "/sss_meta.pickle.pbz2", NULL, &doc));
    if (!doc) return;
    const pk_value *archs = pk_dict_get(pk_root(doc), "meta_archs");
    CHECK(archs && archs->type == PK_LIST && archs->u.seq.n == SPACE_SSS_SIZE);
    if (!archs || archs->type != PK_LIST || archs->u.seq.n != SPACE_SSS_SIZE) {
        pk_free(doc);
        return;
    }
    int bad_str = 0, bad_round = 0;
    size_t longest = 0;
    for (uint32_t i = 0; i < SPACE_SSS_SIZE; i++) {
        space_arch a = sp->arch(i), b;
        char buf[SPACE_SSS_STR_MAX];
        size_t l = sp->format(&a, buf, sizeof buf);
        if (l > longest) longest = l;
        const pk_value *v = archs->u.seq.items[i];
        bad_str += v->type != PK_STR || strcmp(v->u.str.s, buf) != 0;
        memset(&b, 0xAA, sizeof b);
        bad_round += sp->parse(buf, &b) != NB_OK || !same_struct(&a, &b) || sp->index(&b) != i ||
                     !space_arch_valid(sp, &a);
    }
    CHECK_EQ_INT(bad_str, 0);
    CHECK_EQ_INT(bad_round, 0);
    CHECK_EQ_INT(longest, 14);
    CHECK(longest < sp->str_max);
    pk_free(doc);
    space_arch a;
    CHECK_OK(sp->parse("8:8:8:16:32", &a));
    CHECK_EQ_INT(sp->index(&a), 11);
    CHECK_OK(sp->parse("64:64:64:64:64", &a));
    CHECK_EQ_INT(sp->index(&a), 32767);
    CHECK_OK(sp->parse("8:16:32:48:64", &a));
    CHECK(a.op[0] == 0 && a.op[1] == 1 && a.op[2] == 3 && a.op[3] == 5 && a.op[4] == 7);
    /* format truncates like snprintf and returns the full length */
    char small[6];
    CHECK_EQ_INT(sp->format(&a, small, sizeof small), 13);
    CHECK_STR(small, "8:16:");
}

TEST(space_sss_parse_rejects_malformed)
{
    static const bad_case cases[] = {
        {"", "empty string"},
        {"8:8:8:8", "at position 7: wrong number of layers: found 4, expected 5"},
        {"8", "at position 1: wrong number of layers: found 1, expected 5"},
        {"8:8:8:8:8:8", "at position 9: wrong number of layers: more than 5"},
        {"8:8:12:8:8", "at position 4: width '12' of layer 3 is not one of the choices"},
        {"8:8:0:8:8", "width '0' of layer 3"},
        {"08:8:8:8:8", "at position 0: width '08' of layer 1"},
        {"8:8:8:8:72", "width '72' of layer 5"},
        {"8:8:8:8:640", "width '640'"},
        {"8:8:8:8:99999999999999999999", "width '999999999999'"},
        {"8:8:8:8:8 ", "at position 9: trailing characters after the fifth width, found ' '"},
        {"8:8:8:8:8\n", "found '\\x0a'"},
        {" 8:8:8:8:8", "at position 0: expected the width of layer 1 (digits), found ' '"},
        {"8::8:8:8", "at position 2: expected the width of layer 2 (digits), found ':'"},
        {"8:8:8:8:", "at position 8: expected the width of layer 5 (digits), found end of string"},
        {"8,8,8,8,8", "at position 1: expected ':' after the width of layer 1, found ','"},
        {"8:16a:8:8:8", "at position 4: expected ':' after the width of layer 2, found 'a'"},
        {"+8:8:8:8:8", "expected the width of layer 1"},
        {"8:8:8:8:-8", "found '-'"},
        {"8:8:8:8:8\xff", "found '\\xff'"},
        {"|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
         "nor_conv_3x3~2|",
         "at position 0: expected the width of layer 1 (digits), found '|'"},
        {"8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8:8",
         "at position 9: wrong number of layers: more than 5"},
    };
    space_arch sentinel = space_sss.arch(4321);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        space_arch out = sentinel;
        nb_status st = space_sss.parse(cases[i].in, &out);
        CHECK_MSG(st == NB_EINVAL, "case %zu '%s': status %d", i, cases[i].in, (int)st);
        CHECK_MSG(strstr(nb_errmsg(), cases[i].needle) != NULL,
                  "case %zu: message '%s' lacks '%s'", i, nb_errmsg(), cases[i].needle);
        CHECK_MSG(strstr(nb_errmsg(), "arch string (sss)") != NULL, "case %zu: '%s'", i,
                  nb_errmsg());
        CHECK_MSG(same_struct(&out, &sentinel), "case %zu: *out changed on failure", i);
    }
    CHECK_STATUS(space_sss.parse("8:8:8:8:9", &sentinel), NB_EINVAL);
    CHECK_ERRMSG("hint: the form is five widths joined by ':'");
    space_arch out = sentinel;
    CHECK_STATUS(space_sss.parse(NULL, &out), NB_EINVAL);
    CHECK(same_struct(&out, &sentinel));
    /* an NB201 string is not an SSS string and the other way round */
    CHECK_STATUS(space_nb201.parse("8:16:32:48:64", &out), NB_EINVAL);
    /* 16 bytes with no NUL, on the heap so that the sanitizer build catches
     * a read past the end: the digit run stops at 12 */
    char *raw = malloc(16);
    CHECK(raw != NULL);
    if (raw) {
        memset(raw, '8', 16);
        CHECK_STATUS(space_sss.parse(raw, &out), NB_EINVAL);
        CHECK_ERRMSG("width '888888888888' of layer 1");
        free(raw);
    }
    CHECK(same_struct(&out, &sentinel));
}

TEST(space_sss_draws_pinned_and_uniform)
{
    const space_def *sp = &space_sss;
    nb_rng r, q;
    nb_rng_init(&r, 42, 0, NB_PURPOSE_TEST);
    nb_rng_init(&q, 42, 0, NB_PURPOSE_TEST);
    int count[5][8] = {{0}}, bad = 0;
    const int n = 16000;
    for (int i = 0; i < n; i++) {
        space_arch a, m;
        memset(&a, 0xAA, sizeof a);
        sp->random(&r, &a);
        bad += sp->index(&a) != (uint32_t)nb_rng_below(&q, SPACE_SSS_SIZE) || !sss_tail_zero(&a);
        for (int l = 0; l < 5; l++) count[l][a.op[l]]++;
        memset(&m, 0xAA, sizeof m);
        sp->mutate(&a, &r, &m);
        int l = (int)nb_rng_below(&q, 5), k = (int)nb_rng_below(&q, 7);
        bad += sss_distance(&a, &m) != 1 || m.op[l] == a.op[l] || !sss_tail_zero(&m) ||
               m.op[l] != (k < a.op[l] ? k : k + 1);
    }
    CHECK_EQ_INT(bad, 0);
    for (int l = 0; l < 5; l++)
        for (int k = 0; k < 8; k++)
            CHECK_MSG(count[l][k] > n / 8 - 250 && count[l][k] < n / 8 + 250,
                      "layer %d width %d drawn %d times of %d", l, 8 * (k + 1), count[l][k], n);
    /* crossovers: the documented draws over 5 decisions */
    space_arch a = sp->arch(0), b = sp->arch(SPACE_SSS_SIZE - 1), c;
    nb_rng_init(&r, 5, 0, NB_PURPOSE_TEST);
    nb_rng_init(&q, 5, 0, NB_PURPOSE_TEST);
    for (int i = 0; i < 200; i++) {
        sp->crossover_uniform(&a, &b, &r, &c);
        uint64_t mask = nb_rng_below(&q, 1u << 5);
        for (int l = 0; l < 5; l++) bad += c.op[l] != ((mask >> l) & 1 ? 7 : 0);
        sp->crossover_point(&a, &b, &r, &c);
        int cut = 1 + (int)nb_rng_below(&q, 4);
        for (int l = 0; l < 5; l++) bad += c.op[l] != (l < cut ? 0 : 7);
        bad += !sss_tail_zero(&c);
    }
    CHECK_EQ_INT(bad, 0);
}

TEST(space_sss_neighbours_one_step)
{
    const space_def *sp = &space_sss;
    space_arch out[SPACE_SSS_NEIGHBOURS];
    int bad = 0, hist[11] = {0};
    for (uint32_t i = 0; i < SPACE_SSS_SIZE; i += 7) {
        space_arch a = sp->arch(i);
        memset(out, 0xAA, sizeof out);
        int n = sp->neighbours(&a, out);
        int want = 0;
        for (int l = 0; l < 5; l++) want += (a.op[l] > 0) + (a.op[l] < 7);
        bad += n != want || n > sp->max_neighbours;
        if (n >= 0 && n <= 10) hist[n]++;
        for (int k = 0; k < n; k++) {
            bad += sss_distance(&a, &out[k]) != 1 || !sss_tail_zero(&out[k]);
            for (int l = 0; l < 5; l++)
                if (out[k].op[l] != a.op[l]) bad += abs(out[k].op[l] - a.op[l]) != 1;
            if (k > 0) bad += sp->index(&out[k]) == sp->index(&out[k - 1]);
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(hist[5] > 0 && hist[10] > 0);
    /* the documented order: layer by layer, down then up */
    space_arch a;
    CHECK_OK(sp->parse("8:16:64:32:8", &a));
    CHECK_EQ_INT(sp->neighbours(&a, out), 7);
    static const char *const want[7] = {"16:16:64:32:8", "8:8:64:32:8",  "8:24:64:32:8",
                                        "8:16:56:32:8",  "8:16:64:24:8", "8:16:64:40:8",
                                        "8:16:64:32:16"};
    for (int k = 0; k < 7; k++) {
        char buf[SPACE_SSS_STR_MAX];
        sp->format(&out[k], buf, sizeof buf);
        CHECK_STR(buf, want[k]);
    }
}

TEST(space_sss_onehot)
{
    space_arch a;
    CHECK_OK(space_sss.parse("8:16:32:48:64", &a));
    float f[40];
    memset(f, 0xAA, sizeof f);
    space_sss.onehot(&a, f);
    int ones = 0;
    for (int i = 0; i < 40; i++) ones += f[i] == 1.0f;
    CHECK_EQ_INT(ones, 5);
    CHECK(f[0] == 1.0f && f[8 + 1] == 1.0f && f[16 + 3] == 1.0f && f[24 + 5] == 1.0f &&
          f[32 + 7] == 1.0f && f[1] == 0.0f);
}

TEST(space_sss_network_description)
{
    space_arch a;
    CHECK_OK(space_sss.parse("8:16:32:48:64", &a));
    space_net d, e;
    memset(&d, 0xAA, sizeof d);
    CHECK_OK(space_sss.network(&a, 16, 5, &d));
    CHECK_EQ_INT(d.stem_c, 8);
    CHECK_EQ_INT(d.n_layers, 5);
    static const int kind[5] = {SPACE_NET_CELL, SPACE_NET_RESBLOCK, SPACE_NET_CELL,
                                SPACE_NET_RESBLOCK, SPACE_NET_CELL};
    for (int l = 0; l < 5; l++) {
        CHECK_EQ_INT(d.layer[l].kind, kind[l]);
        CHECK_EQ_INT(d.layer[l].c_out, (int)(8 * (a.op[l] + 1)));
    }
    for (int l = 5; l < SPACE_NET_LAYERS_MAX; l++) CHECK(d.layer[l].kind == 0 && d.layer[l].c_out == 0);
    /* NATS's fixed cell: NB201's best, conv3 everywhere but the skip 0->3 */
    static const space_net_edge want[] = {
        {0, 1, SPACE_NET_RELU_CONV_BN, 3}, {0, 2, SPACE_NET_RELU_CONV_BN, 3},
        {1, 2, SPACE_NET_RELU_CONV_BN, 3}, {0, 3, SPACE_NET_IDENTITY, 0},
        {1, 3, SPACE_NET_RELU_CONV_BN, 3}, {2, 3, SPACE_NET_RELU_CONV_BN, 3},
    };
    CHECK_EQ_INT(d.cell.n_nodes, 4);
    CHECK_EQ_INT(d.cell.n_edges, 6);
    for (int k = 0; k < 6; k++) CHECK(memcmp(&d.cell.edge[k], &want[k], sizeof want[k]) == 0);
    /* C and N are ignored; the description compares whole */
    memset(&e, 0x55, sizeof e);
    CHECK_OK(space_sss.network(&a, 3, 1, &e));
    CHECK(memcmp(&d, &e, sizeof d) == 0);
    a.op[2] = 8;
    CHECK_STATUS(space_sss.network(&a, 16, 5, &d), NB_EINVAL);
    CHECK_ERRMSG("layer 3");
}
