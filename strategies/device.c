/* strategies/device.c - which hardware column of a table a multi-objective
 * run minimises (strat_device_column): an exact column name, or a device
 * short name resolved per dataset. */
#include "strategies/strat.h"

#include <stdio.h>
#include <string.h>

static int find_column(tab_table *t, const char *name)
{
    int n = tab_n_devices(t);
    for (int i = 0; i < n; i++) {
        tab_device_info info;
        if (tab_device(t, i, &info) == NB_OK && !strcmp(info.name, name)) return i;
    }
    return -1;
}

int strat_device_column(tab_table *t, const char *dataset, const char *device)
{
    NB_ASSERT(t);
    if (!device || !*device) {
        nb_fail(NB_EINVAL, "device: none given; hint: a column name such as "
                           "hwnas_edgegpu_latency_cifar10 or a device such as edgegpu");
        return -1;
    }
    int c = find_column(t, device);
    if (c >= 0) return c;
    const char *ds = dataset && !strncmp(dataset, "cifar10", 7) && strcmp(dataset, "cifar100")
                         ? "cifar10"
                         : (dataset ? dataset : "cifar10");
    char name[160];
    snprintf(name, sizeof name, "hwnas_%s_latency_%s", device, ds);
    if ((c = find_column(t, name)) >= 0) return c;
    snprintf(name, sizeof name, "help_%s_latency", device);
    if ((c = find_column(t, name)) >= 0) return c;
    snprintf(name, sizeof name, "help_%s_latency_b1", device);
    if ((c = find_column(t, name)) >= 0) return c;
    /* list the distinct devices, first-seen order */
    char known[1024];
    size_t len = 0;
    known[0] = '\0';
    int n = tab_n_devices(t);
    for (int i = 0; i < n; i++) {
        tab_device_info info, prev;
        if (tab_device(t, i, &info) != NB_OK) continue;
        int dup = 0;
        for (int j = 0; j < i && !dup; j++)
            dup = tab_device(t, j, &prev) == NB_OK && !strcmp(prev.device, info.device);
        if (dup) continue;
        int w = snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "", info.device);
        if (w > 0 && (size_t)w < sizeof known - len) len += (size_t)w;
    }
    nb_fail(NB_ENOTFOUND, "device '%s': no hardware column of that name in %s, nor %s-latency "
                          "column for dataset %s; devices: %s; hint: nastab tables devices FILE",
            device, tab_path(t), device, ds, len ? known : "(none)");
    return -1;
}

