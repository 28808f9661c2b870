/* spaces/sss.c - the NATS-Bench size search space (Dong et al., TPAMI 2021,
 * sec. 3): five layers whose channel counts each come from {8, 16, ..., 64}
 * around one fixed cell; its strings ("8:16:32:48:64"), NATS's index order,
 * random draws, mutation, neighbours, one-hot encoding and the network
 * description (spaces/README.md "The NATS-Bench size space"). */
#include "space.h"

#include <stdio.h>
#include <string.h>

static const uint8_t sss_choices[SPACE_SSS_LAYERS] = {8, 8, 8, 8, 8};

/* Width of choice k: 8 (k+1). */
static int width_of(int k) { return SPACE_SSS_STEP * (k + 1); }

/* ---- the official string ------------------------------------------------- */

/* The longest digit run the parser reads (valid widths have 1 or 2 digits):
 * with it the parser reads at most about 70 bytes of any input, terminated
 * or not, so it needs no length check up front. */
#define SSS_DIGITS_MAX 12

#define SSS_HINT                                                                          \
    "hint: the form is five widths joined by ':', each one of 8, 16, 24, 32, 40, 48, 56, " \
    "64, e.g. 8:16:32:48:64"

/* "'c'" for the byte at s[p] (escaped when not printable), or "end of string". */
static void found_at(const char *s, size_t p, char *buf, size_t n)
{
    unsigned char c = (unsigned char)s[p];
    if (c == '\0')
        snprintf(buf, n, "end of string");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(buf, n, "'%c'", c);
    else
        snprintf(buf, n, "'\\x%02x'", c);
}

static nb_status sss_fail(const char *s, size_t p, const char *what)
{
    char found[24];
    found_at(s, p, found, sizeof found);
    return nb_fail(NB_EINVAL, "arch string (sss): at position %zu: %s, found %s; %s", p, what,
                   found, SSS_HINT);
}

static nb_status sss_parse(const char *s, space_arch *out)
{
    NB_ASSERT(out != NULL);
    if (!s) return nb_fail(NB_EINVAL, "arch string (sss): NULL pointer");
    if (s[0] == '\0') return nb_fail(NB_EINVAL, "arch string (sss): empty string; %s", SSS_HINT);
    space_arch a = {{0}};
    size_t p = 0;
    char what[96];
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) {
        if (l > 0) {
            if (s[p] == '\0')
                return nb_fail(NB_EINVAL,
                               "arch string (sss): at position %zu: wrong number of layers: "
                               "found %d, expected %d; %s",
                               p, l, SPACE_SSS_LAYERS, SSS_HINT);
            if (s[p] != ':') {
                snprintf(what, sizeof what, "expected ':' after the width of layer %d", l);
                return sss_fail(s, p, what);
            }
            p++;
        }
        size_t d = 0;
        while (d < SSS_DIGITS_MAX && s[p + d] >= '0' && s[p + d] <= '9') d++;
        if (d == 0) {
            snprintf(what, sizeof what, "expected the width of layer %d (digits)", l + 1);
            return sss_fail(s, p, what);
        }
        int k = -1;
        for (int c = 0; c < SPACE_SSS_WIDTHS && k < 0; c++) {
            char w[8];
            int wl = snprintf(w, sizeof w, "%d", width_of(c));
            if ((size_t)wl == d && memcmp(s + p, w, d) == 0) k = c;
        }
        if (k < 0)
            return nb_fail(NB_EINVAL,
                           "arch string (sss): at position %zu: width '%.*s' of layer %d is not "
                           "one of the choices; %s",
                           p, (int)d, s + p, l + 1, SSS_HINT);
        a.op[l] = (uint8_t)k;
        p += d;
    }
    if (s[p] == ':')
        return nb_fail(NB_EINVAL,
                       "arch string (sss): at position %zu: wrong number of layers: more than "
                       "%d; %s",
                       p, SPACE_SSS_LAYERS, SSS_HINT);
    if (s[p] != '\0') return sss_fail(s, p, "trailing characters after the fifth width");
    *out = a;
    return NB_OK;
}

static size_t sss_format(const space_arch *a, char *buf, size_t n)
{
    char tmp[SPACE_SSS_STR_MAX];
    size_t o = 0;
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) {
        NB_ASSERT(a->op[l] < SPACE_SSS_WIDTHS);
        int w = snprintf(tmp + o, sizeof tmp - o, "%s%d", l ? ":" : "", width_of(a->op[l]));
        NB_ASSERT(w > 0 && (size_t)w < sizeof tmp - o);
        o += (size_t)w;
    }
    if (n > 0) {
        size_t c = o < n - 1 ? o : n - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return o;
}

/* ---- index, draws, neighbours ---------------------------------------------- */

static uint32_t sss_index(const space_arch *a)
{
    uint32_t i = 0;
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) {
        NB_ASSERT(a->op[l] < SPACE_SSS_WIDTHS);
        i = i * SPACE_SSS_WIDTHS + a->op[l];
    }
    return i;
}

static space_arch sss_arch(uint32_t index)
{
    NB_ASSERT(index < SPACE_SSS_SIZE);
    space_arch a = {{0}};
    for (int l = SPACE_SSS_LAYERS - 1; l >= 0; l--) {
        a.op[l] = (uint8_t)(index % SPACE_SSS_WIDTHS);
        index /= SPACE_SSS_WIDTHS;
    }
    return a;
}

static void sss_random(nb_rng *rng, space_arch *out)
{
    *out = sss_arch((uint32_t)nb_rng_below(rng, SPACE_SSS_SIZE));
}

static void sss_mutate(const space_arch *a, nb_rng *rng, space_arch *out)
{
    space_arch b = *a;
    int l = (int)nb_rng_below(rng, SPACE_SSS_LAYERS);
    int k = (int)nb_rng_below(rng, SPACE_SSS_WIDTHS - 1); /* index among the 7 other widths */
    NB_ASSERT(b.op[l] < SPACE_SSS_WIDTHS);
    b.op[l] = (uint8_t)(k < b.op[l] ? k : k + 1);
    *out = b;
}

static int sss_neighbours(const space_arch *a, space_arch *out)
{
    int n = 0;
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) {
        NB_ASSERT(a->op[l] < SPACE_SSS_WIDTHS);
        if (a->op[l] > 0) {
            out[n] = *a;
            out[n++].op[l] = (uint8_t)(a->op[l] - 1);
        }
        if (a->op[l] + 1 < SPACE_SSS_WIDTHS) {
            out[n] = *a;
            out[n++].op[l] = (uint8_t)(a->op[l] + 1);
        }
    }
    return n;
}

static void sss_cross_uniform(const space_arch *a, const space_arch *b, nb_rng *rng,
                              space_arch *out)
{
    space_cross_uniform(SPACE_SSS_LAYERS, a, b, rng, out);
}

static void sss_cross_point(const space_arch *a, const space_arch *b, nb_rng *rng,
                            space_arch *out)
{
    space_cross_point(SPACE_SSS_LAYERS, a, b, rng, out);
}

static void sss_onehot(const space_arch *a, float *out)
{
    for (int i = 0; i < SPACE_SSS_LAYERS * SPACE_SSS_WIDTHS; i++) out[i] = 0.0f;
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) {
        NB_ASSERT(a->op[l] < SPACE_SSS_WIDTHS);
        out[l * SPACE_SSS_WIDTHS + a->op[l]] = 1.0f;
    }
}

/* ---- the network ------------------------------------------------------------ */

nb_status space_sss_network(const space_arch *a, int C, int N, space_net *out)
{
    NB_ASSERT(a != NULL && out != NULL);
    (void)C, (void)N; /* the widths are the architecture's, the depth is fixed */
    for (int l = 0; l < SPACE_SSS_LAYERS; l++)
        if (a->op[l] >= SPACE_SSS_WIDTHS)
            return nb_fail(NB_EINVAL, "network (sss): layer %d has width choice %d, valid 0..%d",
                           l + 1, a->op[l], SPACE_SSS_WIDTHS - 1);
    /* NB201's TinyNetwork at N = 1 (cell, block, cell, block, cell) with
     * NATS's fixed cell, then each layer's own width */
    space_arch cell = {{SPACE_OP_CONV3, SPACE_OP_CONV3, SPACE_OP_CONV3, SPACE_OP_SKIP,
                        SPACE_OP_CONV3, SPACE_OP_CONV3}};
    nb_status st = space_nb201_network(&cell, width_of(a->op[0]), 1, out);
    if (st != NB_OK) return st;
    NB_ASSERT(out->n_layers == SPACE_SSS_LAYERS);
    for (int l = 0; l < SPACE_SSS_LAYERS; l++) out->layer[l].c_out = width_of(a->op[l]);
    return NB_OK;
}

const space_def space_sss = {
    .name = "sss",
    .title = "NATS-Bench size space: 5 layers x 8 widths (8..64), 32768 networks",
    .n_decisions = SPACE_SSS_LAYERS,
    .n_choices = sss_choices,
    .size = SPACE_SSS_SIZE,
    .str_max = SPACE_SSS_STR_MAX,
    .max_neighbours = SPACE_SSS_NEIGHBOURS,
    .onehot_dim = SPACE_SSS_LAYERS * SPACE_SSS_WIDTHS,
    .path_dim = 0,
    .parse = sss_parse,
    .format = sss_format,
    .index = sss_index,
    .arch = sss_arch,
    .random = sss_random,
    .mutate = sss_mutate,
    .neighbours = sss_neighbours,
    .crossover_uniform = sss_cross_uniform,
    .crossover_point = sss_cross_point,
    .canonical = NULL,
    .n_classes = NULL,
    .onehot = sss_onehot,
    .path = NULL,
    .network = space_sss_network,
};
