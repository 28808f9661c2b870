/* strategies/plugin.c - loading out-of-tree strategies with dlopen. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/strat.h"

struct strat_plugin {
    void *handle;
    const strat_vtable *vt;
};

/* Strategy names end up in results files and figure names: keep them plain. */
static int plain_name(const char *s)
{
    if (!s || !*s || strlen(s) >= 32) return 0;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

nb_status strat_plugin_load(const char *path, const strat_vtable **vt, strat_plugin **out)
{
    *vt = NULL;
    *out = NULL;
    size_t n = strlen(path) + 3;
    char *full = nb_xmalloc(n);
    snprintf(full, n, "%s%s", strchr(path, '/') ? "" : "./", path);
    dlerror();
    void *h = dlopen(full, RTLD_NOW | RTLD_LOCAL);
    free(full);
    if (!h) {
        const char *e = dlerror();
        return nb_fail(NB_EIO, "strategy plugin %s: cannot load: %s", path, e ? e : "unknown error");
    }
    nb_status st;
    const int *abi = dlsym(h, STRAT_PLUGIN_ABI_SYMBOL);
    if (!abi) {
        st = nb_fail(NB_EFORMAT, "strategy plugin %s: missing symbol '%s'; hint: end the plugin's source "
                     "with STRAT_PLUGIN(your_vtable) from strategies/strat.h", path, STRAT_PLUGIN_ABI_SYMBOL);
        goto fail;
    }
    if (*abi != STRAT_INTERFACE_VERSION) {
        st = nb_fail(NB_EVERSION, "strategy plugin %s: built against strategy interface version %d, this "
                     "nastab has version %d; hint: rebuild the plugin against this nastab's headers "
                     "(pkg-config --cflags nastab)", path, *abi, STRAT_INTERFACE_VERSION);
        goto fail;
    }
    /* dlsym returns void *; POSIX guarantees the conversion to a function pointer. */
    const strat_vtable *(*get)(void);
    void *sym = dlsym(h, STRAT_PLUGIN_SYMBOL);
    if (!sym) {
        st = nb_fail(NB_EFORMAT, "strategy plugin %s: missing symbol '%s'; hint: end the plugin's source "
                     "with STRAT_PLUGIN(your_vtable) from strategies/strat.h", path, STRAT_PLUGIN_SYMBOL);
        goto fail;
    }
    memcpy(&get, &sym, sizeof get);
    const strat_vtable *v = get();
    const char *missing = !v              ? "the vtable (nastab_strategy() returned NULL)"
                          : !v->create    ? "create"
                          : !v->ask       ? "ask"
                          : !v->tell      ? "tell"
                          : !v->destroy   ? "destroy"
                                          : NULL;
    if (missing) {
        st = nb_fail(NB_EFORMAT, "strategy plugin %s: strat_vtable lacks %s", path, missing);
        goto fail;
    }
    if (!plain_name(v->name)) {
        st = nb_fail(NB_EFORMAT, "strategy plugin %s: strat_vtable name '%s' must be 1-31 characters of "
                     "[A-Za-z0-9_.-]", path, v->name ? v->name : "(null)");
        goto fail;
    }
    if (v->min_objectives < 0 || v->min_objectives > STRAT_MAX_OBJECTIVES) {
        st = nb_fail(NB_EFORMAT, "strategy plugin %s: strat_vtable min_objectives is %d; must be 0..%d",
                     path, v->min_objectives, STRAT_MAX_OBJECTIVES);
        goto fail;
    }
    if (strat_find(v->name)) { /* built-in, including the curve strategies */
        st = nb_fail(NB_EINVAL, "strategy plugin %s: name '%s' is a built-in strategy's; hint: give the "
                     "plugin's strat_vtable another name", path, v->name);
        goto fail;
    }
    strat_plugin *p = nb_xcalloc_array(1, sizeof *p);
    p->handle = h;
    p->vt = v;
    *vt = v;
    *out = p;
    return NB_OK;
fail:
    dlclose(h);
    return st;
}

void strat_plugin_close(strat_plugin *p)
{
    if (!p) return;
    dlclose(p->handle);
    free(p);
}
