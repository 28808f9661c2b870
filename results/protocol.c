/* results/protocol.c - the protocol label a results file records: which
 * search space's protocol its runs followed (NAS-Bench-201's cell space or
 * NATS-Bench's size space), single- or multi-objective, restricted to the
 * cells with a per-epoch curve or not (results/res.h). Comparison tools
 * (reports/gate.c) refuse files whose labels differ. */
#include <string.h>

#include "results/res.h"

static const struct {
    const char *space;
    const char *label[2][2]; /* [mo][restricted] */
} labels[] = {
    {"nb201", {{RES_PROTOCOL, RES_PROTOCOL_CURVE_CELLS}, {RES_MO_PROTOCOL, RES_MO_PROTOCOL_CURVE_CELLS}}},
    {"nats-sss",
     {{RES_PROTOCOL_SSS, RES_PROTOCOL_SSS_CURVE_CELLS}, {RES_MO_PROTOCOL_SSS, RES_MO_PROTOCOL_SSS_CURVE_CELLS}}},
};
#define N_LABELS (sizeof labels / sizeof labels[0])

const char *res_protocol_label(const char *space, int mo, int restricted)
{
    for (size_t i = 0; space && i < N_LABELS; i++)
        if (!strcmp(labels[i].space, space)) return labels[i].label[mo != 0][restricted != 0];
    return NULL;
}

int res_protocol_restricted(const char *label)
{
    static const char suffix[] = "-curve-cells";
    size_t n = label ? strlen(label) : 0, m = sizeof suffix - 1;
    return n > m && !strcmp(label + n - m, suffix);
}

const char *res_protocol_space(const char *label)
{
    for (size_t i = 0; label && i < N_LABELS; i++) {
        size_t m = strlen(labels[i].space);
        if (!strncmp(label, labels[i].space, m) && label[m] == '-') return labels[i].space;
    }
    return "";
}
