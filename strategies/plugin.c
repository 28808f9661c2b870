/* strategies/plugin.c - loading out-of-tree strategies with dlopen, and the
 * guard that turns an exit() from inside a plugin into a failure: the
 * vtable handed out wraps the plugin's, counting the calls in progress; an
 * atexit handler that finds one in progress says so and ends the process
 * with status 1 (a plugin's exit(0) must not look like a successful run
 * that wrote nothing). */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "strategies/strat.h"

struct strat_plugin {
    void *handle;
    const strat_vtable *vt; /* the plugin's own */
    strat_vtable guarded;   /* handed out: the same, each call under the exit guard */
    char path[256];
};

/* ---- the exit guard ---- */
static atomic_int guard_depth;                 /* plugin calls in progress, all threads */
static _Atomic(const strat_plugin *) guard_in; /* the plugin of the latest call */
static _Atomic(const char *) guard_fn;         /* its function */
static atomic_flag guard_registered = ATOMIC_FLAG_INIT;

static void guard_at_exit(void)
{
    if (atomic_load(&guard_depth) <= 0) return;
    const strat_plugin *p = atomic_load(&guard_in);
    char msg[512];
    int n = snprintf(msg, sizeof msg, "nastab: strategy plugin %s ('%s') called exit() inside "
                     "its %s; no results were written; hint: a strategy must return from "
                     "create/ask/tell/destroy, never exit\n", p ? p->path : "?",
                     p && p->vt->name ? p->vt->name : "?", atomic_load(&guard_fn));
    if (n > 0) {
        ssize_t w = write(2, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
        (void)w;
    }
    _exit(1);
}

static void guard_enter(const strat_plugin *p, const char *fn)
{
    atomic_store(&guard_in, p);
    atomic_store(&guard_fn, fn);
    atomic_fetch_add(&guard_depth, 1);
}
static void guard_leave(void) { atomic_fetch_sub(&guard_depth, 1); }

typedef struct {
    const strat_plugin *p;
    void *state; /* the plugin's */
} guarded_state;

/* The guarded vtable finds its plugin through the state it created; create
 * finds it through the vtable pointer: env does not carry it, so the
 * guarded create of each plugin is reached through a lookup of the latest
 * loaded plugin with that vtable (one process rarely loads more than one). */
#define MAX_PLUGINS 16
static _Atomic(strat_plugin *) loaded[MAX_PLUGINS];

static void *guarded_create_of(const strat_plugin *p, const strat_env *env, nb_rng *rng)
{
    guarded_state *g = nb_xcalloc_array(1, sizeof *g);
    g->p = p;
    guard_enter(p, "create");
    g->state = p->vt->create(env, rng);
    guard_leave();
    return g;
}

static int guarded_ask(void *state, nb_rng *rng, strat_ask *out)
{
    guarded_state *g = state;
    guard_enter(g->p, "ask");
    int rc = g->p->vt->ask(g->state, rng, out);
    guard_leave();
    return rc;
}

static void guarded_tell(void *state, const strat_ask *asked, const float *obj, nb_rng *rng)
{
    guarded_state *g = state;
    guard_enter(g->p, "tell");
    g->p->vt->tell(g->state, asked, obj, rng);
    guard_leave();
}

static void guarded_destroy(void *state)
{
    guarded_state *g = state;
    guard_enter(g->p, "destroy");
    g->p->vt->destroy(g->state);
    guard_leave();
    free(g);
}

#define GUARDED_CREATE(k)                                                             \
    static void *guarded_create_##k(const strat_env *env, nb_rng *rng)                \
    {                                                                                 \
        return guarded_create_of(atomic_load(&loaded[k]), env, rng);                  \
    }
GUARDED_CREATE(0) GUARDED_CREATE(1) GUARDED_CREATE(2) GUARDED_CREATE(3)
GUARDED_CREATE(4) GUARDED_CREATE(5) GUARDED_CREATE(6) GUARDED_CREATE(7)
GUARDED_CREATE(8) GUARDED_CREATE(9) GUARDED_CREATE(10) GUARDED_CREATE(11)
GUARDED_CREATE(12) GUARDED_CREATE(13) GUARDED_CREATE(14) GUARDED_CREATE(15)
static void *(*const guarded_creates[MAX_PLUGINS])(const strat_env *, nb_rng *) = {
    guarded_create_0,  guarded_create_1,  guarded_create_2,  guarded_create_3,
    guarded_create_4,  guarded_create_5,  guarded_create_6,  guarded_create_7,
    guarded_create_8,  guarded_create_9,  guarded_create_10, guarded_create_11,
    guarded_create_12, guarded_create_13, guarded_create_14, guarded_create_15};

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
    int slot = -1;
    for (int k = 0; k < MAX_PLUGINS && slot < 0; k++)
        if (!atomic_load(&loaded[k])) slot = k;
    if (slot < 0) {
        st = nb_fail(NB_EINVAL, "strategy plugin %s: %d plugins are loaded already; hint: close "
                     "one (strat_plugin_close)", path, MAX_PLUGINS);
        goto fail;
    }
    strat_plugin *p = nb_xcalloc_array(1, sizeof *p);
    p->handle = h;
    p->vt = v;
    snprintf(p->path, sizeof p->path, "%s", path);
    p->guarded = *v;
    p->guarded.create = guarded_creates[slot];
    p->guarded.ask = guarded_ask;
    p->guarded.tell = guarded_tell;
    p->guarded.destroy = guarded_destroy;
    atomic_store(&loaded[slot], p);
    if (!atomic_flag_test_and_set(&guard_registered)) atexit(guard_at_exit);
    *vt = &p->guarded;
    *out = p;
    return NB_OK;
fail:
    dlclose(h);
    return st;
}

void strat_plugin_close(strat_plugin *p)
{
    if (!p) return;
    for (int k = 0; k < MAX_PLUGINS; k++)
        if (atomic_load(&loaded[k]) == p) atomic_store(&loaded[k], NULL);
    dlclose(p->handle);
    free(p);
}
