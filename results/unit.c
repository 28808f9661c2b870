/* results/unit.c - the budget unit of a results series (res_budget_unit;
 * results/RESULTS.md, "Budget unit"): what a series' budget and time axis
 * count, so that no reader puts epochs on a simulated-seconds axis or gates
 * one against the other. */
#include <string.h>

#include "results/res.h"

const char *res_budget_unit(const res_series *s)
{
    return s && s->budget_unit[0] ? s->budget_unit : RES_UNIT_SIMULATED;
}

const char *res_unit_words(const char *unit)
{
    if (!unit || !unit[0] || !strcmp(unit, RES_UNIT_SIMULATED)) return "simulated seconds";
    if (!strcmp(unit, RES_UNIT_EPOCHS)) return "epochs";
    return unit;
}

int res_unit_known(const char *unit)
{
    return unit && (!strcmp(unit, RES_UNIT_SIMULATED) || !strcmp(unit, RES_UNIT_EPOCHS));
}
