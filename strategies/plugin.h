/* strategies/plugin.h - out-of-tree strategies loaded from a shared object
 * (to be merged into strategies/strat.h; installed as
 * $(PREFIX)/include/nastab/strategies/plugin.h).
 *
 * What it does: defines the interface version a plugin is built against and
 * the two symbols a plugin exports, and loads a plugin with dlopen:
 *
 *     int nastab_strategy_abi;                  // == STRAT_INTERFACE_VERSION
 *     const strat_vtable *nastab_strategy(void); // the strategy
 *
 * A plugin implements the same ask/tell interface as the built-in strategies
 * (strat_vtable in strategies/strat.h): create() gets the problem (strat_env)
 * and the run's own RNG stream (seed, run, NB_PURPOSE_SEARCH); ask() proposes
 * a cell and fidelity; tell() gets its validation accuracy; the loop charges
 * the simulated cost and stops at the budget. The plugin calls back into the
 * nastab binary for space_* and nb_rng_* (the binary exports them), so it is
 * built without linking libnastab:
 *
 *     cc -shared -fPIC -O2 $(pkg-config --cflags nastab) my_strategy.c -o my_strategy.so
 *     nastab run --strategy-plugin ./my_strategy.so --table nb201.h5 --dataset cifar10 ...
 *
 * What it does not do: sandbox a plugin (it runs in the process, with its
 * rights), or unload it while a strat_vtable from it is in use.
 *
 * Writing one:
 *     #include "strategies/plugin.h"
 *     static void *my_create(const strat_env *env, nb_rng *rng) { ... }
 *     ...
 *     static const strat_vtable my_vt = {"mine", "one line", my_create, my_ask, my_tell, my_destroy};
 *     STRAT_PLUGIN(my_vt)
 */
#ifndef STRAT_PLUGIN_H
#define STRAT_PLUGIN_H

#include "core/nb.h"
#include "strategies/strat.h"

/* Version of the strategy interface (strat_vtable, strat_env, strat_ask and
 * the space/RNG functions a plugin calls). Bumped whenever any of them
 * changes in a way a compiled plugin would notice. */
#define STRAT_INTERFACE_VERSION 1

#define STRAT_PLUGIN_ABI_SYMBOL "nastab_strategy_abi"
#define STRAT_PLUGIN_SYMBOL "nastab_strategy"

/* Exports the two symbols for `vtable` (a strat_vtable object). */
#define STRAT_PLUGIN(vtable)                                                                    \
    __attribute__((visibility("default"))) const int nastab_strategy_abi = STRAT_INTERFACE_VERSION; \
    __attribute__((visibility("default"))) const strat_vtable *nastab_strategy(void);           \
    const strat_vtable *nastab_strategy(void) { return &(vtable); }

typedef struct strat_plugin strat_plugin;

/* Load the shared object at path (a name without '/' is taken relative to
 * the current directory, not searched in the library path) and return its
 * strategy. Fails with NB_EIO (dlopen failed: names the path and gives the
 * loader's message, e.g. a missing file or an undefined symbol), NB_EFORMAT
 * (a symbol is missing: names it and says how to export it; or the vtable
 * lacks a function or has a bad name: names the field), NB_EVERSION (built
 * against another interface version: says found and expected, and "hint:
 * rebuild the plugin against this nastab's headers"), NB_EINVAL (its name
 * is a built-in strategy's). *vt borrowed, valid until strat_plugin_close;
 * *out owned by the caller. */
nb_status strat_plugin_load(const char *path, const strat_vtable **vt, strat_plugin **out);
/* Unload (dlclose); accepts NULL. */
void strat_plugin_close(strat_plugin *p);

#endif
