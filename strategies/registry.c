/* strategies/registry.c - the built-in strategies by name: the lists
 * strat_builtin / strat_curve_builtin / strat_mo_builtin and strat_find. */
#include "strategies/strat_private.h"

#include <stdio.h>
#include <string.h>

static const strat_vtable *const builtin[] = {
    &strat_random_vtable, &strat_rea_vtable,   &strat_reinforce_vtable,
    &strat_bohb_vtable,   &strat_hyperband_vtable, &strat_local_vtable,
    &strat_rnn_vtable,    &strat_ga_vtable,    &strat_ga_point_vtable,
    &strat_bananas_vtable, &strat_gpbo_vtable, NULL,
};

/* Strategies that ask per-epoch budgets (PROTOCOL.md "Per-epoch budgets"). */
static const strat_vtable *const curve_builtin[] = {
    &strat_hyperband_epochs_vtable, &strat_bohb_epochs_vtable, &strat_lcstop_vtable, NULL,
};

/* Multi-objective comparisons (`nastab mo`); random is the same strategy as above. */
static const strat_vtable *const mo_builtin[] = {
    &strat_nsga2_vtable, &strat_scalarised_vtable, &strat_random_vtable,
    &strat_rea_constrained_vtable, &strat_random_constrained_vtable, NULL,
};

/* Strategies that read a zero-cost proxy column of the table (zc.c); run
 * only by name, so that loops over strat_builtin() need no proxy column. */
static const strat_vtable *const zc_builtin[] = {
    &strat_zc_top_vtable, &strat_rea_zc_vtable, &strat_local_zc_vtable, NULL,
};

const strat_vtable *const *strat_builtin(void) { return builtin; }
const strat_vtable *const *strat_curve_builtin(void) { return curve_builtin; }
const strat_vtable *const *strat_mo_builtin(void) { return mo_builtin; }

int strat_is_curve_builtin(const strat_vtable *vt)
{
    for (size_t i = 0; curve_builtin[i]; i++)
        if (curve_builtin[i] == vt) return 1;
    return 0;
}

const strat_vtable *strat_find(const char *name)
{
    char known[512];
    size_t len = 0;
    known[0] = '\0';
    const strat_vtable *const *lists[4] = {builtin, curve_builtin, mo_builtin, zc_builtin};
    for (int l = 0; l < 4; l++)
        for (size_t i = 0; lists[l][i]; i++) {
            if (name && !strcmp(lists[l][i]->name, name)) return lists[l][i];
            if (l == 2 && lists[l][i] == &strat_random_vtable) continue; /* listed once */
            int w = snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "",
                             lists[l][i]->name);
            if (w > 0 && (size_t)w < sizeof known - len) len += (size_t)w;
        }
    nb_fail(NB_ENOTFOUND, "strategy '%s' is unknown; known strategies: %s", name ? name : "(null)",
            known);
    return NULL;
}
