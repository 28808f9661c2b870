/* spaces/nb201.c - the NB201 cell: op names, the official string (strict
 * parser and printer), the base-5 code, op counts, connectivity, random
 * cells, mutation and neighbours. */
#include "space.h"

#include <stdio.h>
#include <string.h>

static const char *const op_names[SPACE_NB201_OPS] = {
    "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3",
};

/* e0: 0->1 | e1: 0->2, e2: 1->2 | e3: 0->3, e4: 1->3, e5: 2->3 */
static const int edge_from[SPACE_NB201_EDGES] = {0, 0, 1, 0, 1, 2};
static const int edge_to[SPACE_NB201_EDGES] = {1, 2, 2, 3, 3, 3};

const char *space_op_name(int op)
{
    if (op < 0 || op >= SPACE_NB201_OPS) return NULL;
    return op_names[op];
}

int space_edge_from(int e)
{
    NB_ASSERT(e >= 0 && e < SPACE_NB201_EDGES);
    return edge_from[e];
}

int space_edge_to(int e)
{
    NB_ASSERT(e >= 0 && e < SPACE_NB201_EDGES);
    return edge_to[e];
}

/* ---- parsing ------------------------------------------------------------ */

#define OPS_HINT "hint: ops are none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3"
#define FORMAT_HINT                                                               \
    "hint: the form is |op~0|+|op~0|op~1|+|op~0|op~1|op~2| (3 node groups joined " \
    "by '+', node i lists its inputs 0..i-1 in order)"

/* Printable rendering of the first `len` bytes of s (stopping early at a
 * NUL) into buf, with C-style escapes for control and non-ASCII bytes;
 * "..." is appended when the rendering is cut short, by `len` (the caller
 * saw more) or by the buffer size. */
static void quote(const char *s, size_t len, int more, char *buf, size_t n)
{
    size_t o = 0, i;
    NB_ASSERT(n >= 8);
    for (i = 0; i < len && s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        char tmp[8];
        if (c >= 0x20 && c < 0x7f) {
            tmp[0] = (char)c;
            tmp[1] = '\0';
        } else if (c == '\n') {
            memcpy(tmp, "\\n", 3);
        } else if (c == '\t') {
            memcpy(tmp, "\\t", 3);
        } else {
            snprintf(tmp, sizeof tmp, "\\x%02x", c);
        }
        size_t l = strlen(tmp);
        if (o + l + 4 >= n) {
            more = 1;
            break; /* keep room for "..." and the NUL */
        }
        memcpy(buf + o, tmp, l);
        o += l;
    }
    if (more) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
}

/* What stands at s[p], for "found ..." in messages. */
static void describe_at(const char *s, size_t p, char *buf, size_t n)
{
    if (s[p] == '\0') {
        snprintf(buf, n, "end of string");
        return;
    }
    char q[48];
    quote(s + p, 1, 0, q, sizeof q);
    snprintf(buf, n, "'%s'", q);
}

static nb_status parse_fail(const char *s, size_t p, const char *what)
{
    char found[64];
    describe_at(s, p, found, sizeof found);
    return nb_fail(NB_EINVAL, "arch string: at position %zu: %s, found %s; %s", p, what, found,
                   FORMAT_HINT);
}

/* Length of the op-name token at s: up to '~', '|', '+' or the NUL. */
static size_t token_len(const char *s)
{
    size_t l = 0;
    while (s[l] && s[l] != '~' && s[l] != '|' && s[l] != '+') l++;
    return l;
}

nb_status space_parse(const char *s, space_arch *out)
{
    NB_ASSERT(out != NULL);
    if (!s) return nb_fail(NB_EINVAL, "arch string: NULL pointer");
    size_t len = strnlen(s, SPACE_STR_MAX);
    if (len == 0) return nb_fail(NB_EINVAL, "arch string: empty string; %s", FORMAT_HINT);
    if (len >= SPACE_STR_MAX)
        return nb_fail(NB_EINVAL,
                       "arch string: too long (%d characters or more; the longest official "
                       "string has 95)",
                       SPACE_STR_MAX);

    space_arch a = {{0}};
    size_t p = 0;
    int e = 0;
    for (int node = 1; node < SPACE_NB201_NODES; node++) {
        if (node > 1) {
            if (s[p] == '\0')
                return nb_fail(NB_EINVAL,
                               "arch string: at position %zu: wrong number of node groups: "
                               "found %d, expected 3; %s",
                               p, node - 1, FORMAT_HINT);
            if (s[p] != '+') {
                char what[96];
                if (token_len(s + p) > 0 && s[p + token_len(s + p)] == '~')
                    snprintf(what, sizeof what,
                             "node group %d has more than %d edge%s (expected '+' after it)",
                             node - 1, node - 1, node - 1 == 1 ? "" : "s");
                else
                    snprintf(what, sizeof what, "expected '+' after node group %d", node - 1);
                return parse_fail(s, p, what);
            }
            p++;
        }
        if (s[p] != '|') {
            char what[64];
            snprintf(what, sizeof what, "expected '|' to open node group %d", node);
            return parse_fail(s, p, what);
        }
        p++;
        for (int j = 0; j < node; j++, e++) {
            size_t tl = token_len(s + p);
            if (tl == 0) {
                if (j > 0 && (s[p] == '+' || s[p] == '\0')) {
                    char what[96];
                    snprintf(what, sizeof what, "node group %d has %d edge%s, expected %d", node, j,
                             j == 1 ? "" : "s", node);
                    return parse_fail(s, p, what);
                }
                return parse_fail(s, p, "expected an op name");
            }
            int op = -1;
            for (int k = 0; k < SPACE_NB201_OPS; k++)
                if (strlen(op_names[k]) == tl && memcmp(op_names[k], s + p, tl) == 0) op = k;
            if (op < 0) {
                char q[48];
                quote(s + p, tl < 32 ? tl : 32, tl > 32, q, sizeof q);
                return nb_fail(NB_EINVAL, "arch string: at position %zu: unknown op '%s'; %s", p,
                               q, OPS_HINT);
            }
            p += tl;
            if (s[p] != '~') {
                char what[80];
                snprintf(what, sizeof what, "'~' missing after op '%s'", op_names[op]);
                return parse_fail(s, p, what);
            }
            p++;
            size_t dl = 0;
            while (s[p + dl] >= '0' && s[p + dl] <= '9') dl++;
            if (dl == 0) return parse_fail(s, p, "expected an input node index after '~'");
            if (dl != 1 || s[p] - '0' != j) {
                char q[48];
                quote(s + p, dl < 16 ? dl : 16, dl > 16, q, sizeof q);
                return nb_fail(NB_EINVAL,
                               "arch string: at position %zu: bad input node index '~%s' in node "
                               "group %d: expected '~%d'; %s",
                               p, q, node, j, FORMAT_HINT);
            }
            p++;
            if (s[p] != '|') {
                char what[64];
                snprintf(what, sizeof what, "expected '|' after '~%d'", j);
                return parse_fail(s, p, what);
            }
            p++;
            a.op[e] = (uint8_t)op;
        }
    }
    if (s[p] != '\0') {
        if (s[p] == '+')
            return nb_fail(NB_EINVAL,
                           "arch string: at position %zu: wrong number of node groups: more "
                           "than 3; %s",
                           p, FORMAT_HINT);
        if (token_len(s + p) > 0 && s[p + token_len(s + p)] == '~')
            return parse_fail(s, p, "node group 3 has more than 3 edges (expected end of string)");
        char q[48];
        quote(s + p, 16, strnlen(s + p, 17) > 16, q, sizeof q);
        return nb_fail(NB_EINVAL,
                       "arch string: at position %zu: trailing characters '%s' after the third "
                       "node group",
                       p, q);
    }
    NB_ASSERT(e == SPACE_NB201_EDGES);
    *out = a;
    return NB_OK;
}

size_t space_format(const space_arch *a, char *buf, size_t n)
{
    NB_ASSERT(a != NULL && (buf != NULL || n == 0));
    char tmp[SPACE_STR_MAX];
    size_t o = 0;
    int e = 0;
    for (int node = 1; node < SPACE_NB201_NODES; node++) {
        if (node > 1) tmp[o++] = '+';
        tmp[o++] = '|';
        for (int j = 0; j < node; j++, e++) {
            const char *name = space_op_name(a->op[e]);
            NB_ASSERT(name != NULL);
            int w = snprintf(tmp + o, sizeof tmp - o, "%s~%d|", name, j);
            NB_ASSERT(w > 0 && (size_t)w < sizeof tmp - o);
            o += (size_t)w;
        }
    }
    tmp[o] = '\0';
    if (n > 0) {
        size_t c = o < n - 1 ? o : n - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return o;
}

/* ---- code ---------------------------------------------------------------- */

uint32_t space_code(const space_arch *a)
{
    uint32_t code = 0;
    for (int e = SPACE_NB201_EDGES - 1; e >= 0; e--) {
        NB_ASSERT(a->op[e] < SPACE_NB201_OPS);
        code = code * SPACE_NB201_OPS + a->op[e];
    }
    return code;
}

space_arch space_from_code(uint32_t code)
{
    NB_ASSERT(code < SPACE_NB201_SIZE);
    space_arch a = {{0}};
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        a.op[e] = (uint8_t)(code % SPACE_NB201_OPS);
        code /= SPACE_NB201_OPS;
    }
    return a;
}

/* ---- structure ------------------------------------------------------------ */

int space_is_disconnected(const space_arch *a)
{
    int reach[SPACE_NB201_NODES] = {1, 0, 0, 0};
    for (int e = 0; e < SPACE_NB201_EDGES; e++) /* edges are in topological order */
        if (a->op[e] != SPACE_OP_NONE && reach[edge_from[e]]) reach[edge_to[e]] = 1;
    return !reach[SPACE_NB201_NODES - 1];
}

void space_op_counts(const space_arch *a, int counts[SPACE_NB201_OPS])
{
    for (int k = 0; k < SPACE_NB201_OPS; k++) counts[k] = 0;
    for (int e = 0; e < SPACE_NB201_EDGES; e++) {
        NB_ASSERT(a->op[e] < SPACE_NB201_OPS);
        counts[a->op[e]]++;
    }
}

/* ---- random cells, mutation, neighbours ------------------------------------ */

void space_mutate(const space_arch *a, nb_rng *rng, space_arch *out)
{
    space_arch b = *a;
    int e = (int)nb_rng_below(rng, SPACE_NB201_EDGES);
    int k = (int)nb_rng_below(rng, SPACE_NB201_OPS - 1); /* index among the 4 other ops */
    NB_ASSERT(b.op[e] < SPACE_NB201_OPS);
    b.op[e] = (uint8_t)(k < b.op[e] ? k : k + 1);
    *out = b;
}

void space_random(nb_rng *rng, space_arch *out)
{
    *out = space_from_code((uint32_t)nb_rng_below(rng, SPACE_NB201_SIZE));
}

void space_neighbours(const space_arch *a, space_arch out[SPACE_NB201_NEIGHBOURS])
{
    int i = 0;
    for (int e = 0; e < SPACE_NB201_EDGES; e++)
        for (int op = 0; op < SPACE_NB201_OPS; op++) {
            if (op == a->op[e]) continue;
            out[i] = *a;
            out[i].op[e] = (uint8_t)op;
            i++;
        }
    NB_ASSERT(i == SPACE_NB201_NEIGHBOURS);
}
