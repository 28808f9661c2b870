/* spaces/space.c - the registry of search spaces and the helpers every
 * space can use: validity, canonical form with a NULL default, and the two
 * crossovers over a decision vector. */
#include "space.h"

#include <stdio.h>
#include <string.h>

static const space_def *const registry[] = {&space_nb201, &space_sss, NULL};

const space_def *const *space_list(void) { return registry; }

const space_def *space_find(const char *name)
{
    char known[256];
    size_t o = 0;
    known[0] = '\0';
    for (int i = 0; registry[i]; i++) {
        if (name && strcmp(registry[i]->name, name) == 0) return registry[i];
        int w = snprintf(known + o, sizeof known - o, "%s%s", i ? ", " : "", registry[i]->name);
        if (w > 0 && (size_t)w < sizeof known - o) o += (size_t)w;
    }
    if (!name) {
        nb_fail(NB_EINVAL, "search space: no name given; hint: known spaces are %s", known);
        return NULL;
    }
    nb_fail(NB_ENOTFOUND, "search space '%.64s' is not known; hint: known spaces are %s", name,
            known);
    return NULL;
}

int space_arch_valid(const space_def *sp, const space_arch *a)
{
    for (int d = 0; d < SPACE_ARCH_MAX; d++) {
        if (d < sp->n_decisions ? a->op[d] >= sp->n_choices[d] : a->op[d] != 0) return 0;
    }
    return 1;
}

uint32_t space_canon(const space_def *sp, uint32_t index)
{
    NB_ASSERT(index < sp->size);
    return sp->canonical ? sp->canonical(index) : index;
}

uint32_t space_n_classes(const space_def *sp) { return sp->n_classes ? sp->n_classes() : sp->size; }

void space_cross_uniform(int n, const space_arch *a, const space_arch *b, nb_rng *rng,
                         space_arch *out)
{
    NB_ASSERT(n >= 2 && n <= SPACE_ARCH_MAX);
    uint64_t mask = nb_rng_below(rng, (uint64_t)1 << n);
    space_arch c = {{0}};
    for (int d = 0; d < n; d++) c.op[d] = (mask >> d) & 1 ? b->op[d] : a->op[d];
    *out = c;
}

void space_cross_point(int n, const space_arch *a, const space_arch *b, nb_rng *rng,
                       space_arch *out)
{
    NB_ASSERT(n >= 2 && n <= SPACE_ARCH_MAX);
    int cut = 1 + (int)nb_rng_below(rng, (uint64_t)(n - 1));
    space_arch c = {{0}};
    for (int d = 0; d < n; d++) c.op[d] = d < cut ? a->op[d] : b->op[d];
    *out = c;
}
