/* strategies/protocol.c - how each dataset column is searched and reported,
 * and the default budgets, per search space: NAS-Bench-201's protocol
 * (Dong & Yang, ICLR 2020, sec. 5; NATS-Bench simulate_train_eval) for the
 * cell space, NATS-Bench's size-space protocol (Dong et al., TPAMI 2021:
 * search on the 12-epoch schedule, report the 90-epoch one) for "sss".
 * Details and sources: strategies/PROTOCOL.md. */
#include "strategies/strat.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SEARCH_EPOCHS 12
#define FULL_EPOCHS 200     /* NB201 / NATS topology: the reported schedule */
#define SSS_FULL_EPOCHS 90  /* NATS size space: the reported schedule */

/* Per-epoch training cost relative to cifar10-valid (tables/data/PROVENANCE.md:
 * cifar10 = cifar100 = 2x, ImageNet16-120 = 6.068x, exact for every arch).
 * The CIFAR-10 column searches on cifar10-valid, so it is charged 1x. */
static const struct {
    const char *column;
    const char *search;
    const char *report_valid;
    const char *report_test;
    double cost_ratio;
} columns[] = {
    {"cifar10-valid", "cifar10-valid", "cifar10-valid", "cifar10-valid", 1.0},
    {"cifar10", "cifar10-valid", "cifar10-valid", "cifar10", 1.0},
    {"cifar100", "cifar100", "cifar100", "cifar100", 2.0},
    {"ImageNet16-120", "ImageNet16-120", "ImageNet16-120", "ImageNet16-120", 6.068},
};
#define N_COLUMNS (sizeof columns / sizeof columns[0])
#define BASE_BUDGET 12000.0 /* NB201 scripts: --time_budget 12000 (CIFAR-10) */
/* NATS-Bench size space (PROTOCOL.md "The NATS-Bench size space"): time
 * budgets of NATS-Bench's non-weight-sharing searches on the size space, in
 * the order of columns[] (the CIFAR-10 columns share CIFAR-10's):
 * 20000 / 40000 / 60000 s (exps/NATS-Bench/draw-fig6.py, the paper's
 * Figure 6: "cifar10-T20000", "cifar100-T40000", "ImageNet16-120-T60000" for
 * sss; the topology space's ImageNet16-120 budget is 120000 s). */
static const double sss_budget[] = {20000.0, 20000.0, 40000.0, 60000.0};

static int column_of(const char *name)
{
    if (!name) return -1;
    for (size_t i = 0; i < N_COLUMNS; i++)
        if (!strcmp(columns[i].column, name)) return (int)i;
    return -1;
}

double strat_default_budget(const char *dataset)
{
    int c = column_of(dataset);
    if (c < 0) return 0.0;
    return BASE_BUDGET * columns[c].cost_ratio;
}

/* "cifar10-valid, cifar10, ..." of the columns this table can serve: the
 * NB201 columns whose datasets it has, then its other datasets with a
 * schedule (searched by the generic protocol of strat_protocol_nb201). */
static void list_columns(tab_table *t, char *buf, size_t n)
{
    buf[0] = '\0';
    size_t len = 0;
    int full = 0;
    for (size_t i = 0; i < N_COLUMNS && !full; i++) {
        if (tab_dataset_id(t, columns[i].search) < 0 ||
            tab_dataset_id(t, columns[i].report_test) < 0)
            continue;
        int w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "", columns[i].column);
        if (w < 0 || (size_t)w >= n - len) full = 1;
        else len += (size_t)w;
    }
    for (int ds = 0; ds < tab_n_datasets(t) && !full; ds++) {
        const char *name = tab_dataset_name(t, ds);
        int fid[16];
        if (!name || column_of(name) >= 0 || tab_fidelities(t, ds, fid, 16) < 1) continue;
        int w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "", name);
        if (w < 0 || (size_t)w >= n - len) full = 1;
        else len += (size_t)w;
    }
    if (!len) snprintf(buf, n, "(none)");
}

static nb_status need_ds(tab_table *t, const char *dataset, const char *ds, int *out)
{
    *out = tab_dataset_id(t, ds);
    if (*out >= 0) return NB_OK;
    char have[256];
    list_columns(t, have, sizeof have);
    return nb_fail(NB_ENOTFOUND,
                   "dataset '%s': the table %s has no dataset '%s'; columns it can serve: %s",
                   dataset, tab_path(t), ds, have);
}

static nb_status need_fidelity(tab_table *t, int ds, int epochs)
{
    int fid[16];
    int n = tab_fidelities(t, ds, fid, 16);
    for (int i = 0; i < n && i < 16; i++)
        if (fid[i] == epochs) return NB_OK;
    return nb_fail(NB_ENOTFOUND, "dataset '%s' in %s has no %d-epoch schedule",
                   tab_dataset_name(t, ds), tab_path(t), epochs);
}

static nb_status best_of(tab_table *t, int ds, int full_epochs, tab_metric_id m, float *out)
{
    size_t idx;
    nb_status st = tab_best(t, ds, full_epochs, m, &idx, out);
    if (st != NB_OK) return st;
    return NB_OK;
}

nb_status strat_protocol_nb201(tab_table *t, const char *dataset, strat_protocol *out)
{
    NB_ASSERT(t && out);
    const int sss = tab_space(t) == &space_sss;
    const char *proto_name = sss ? "nats-sss" : "nb201";
    const int full_epochs = sss ? SSS_FULL_EPOCHS : FULL_EPOCHS;
    int c = column_of(dataset);
    int gds = c < 0 && dataset ? tab_dataset_id(t, dataset) : -1;
    if (gds >= 0) {
        /* Not an NB201 column but a dataset of the table (e.g. a table built
         * by `nastab tables build`): search on its validation accuracy at its
         * shortest schedule, report its valid and test accuracy at the
         * longest; with one schedule both are the same. */
        int fid[16], nf = tab_fidelities(t, gds, fid, 16);
        if (nf < 1) return nb_fail(NB_ENOTFOUND, "dataset '%s' in %s has no schedule", dataset, tab_path(t));
        strat_protocol p;
        memset(&p, 0, sizeof p);
        snprintf(p.name, sizeof p.name, "%s", dataset);
        snprintf(p.protocol, sizeof p.protocol, "%s", proto_name);
        p.search_ds = p.report_valid_ds = p.report_test_ds = gds;
        p.search_fidelity = p.max_fidelity = fid[0];
        for (int i = 0; i < nf && i < 16; i++) {
            if (fid[i] < p.search_fidelity) p.search_fidelity = fid[i];
            if (fid[i] > p.max_fidelity) p.max_fidelity = fid[i];
        }
        nb_status st;
        size_t idx;
        if ((st = tab_preload(t, gds, p.search_fidelity, TAB_VALID_ACC)) != NB_OK ||
            (st = tab_preload(t, gds, p.max_fidelity, TAB_VALID_ACC)) != NB_OK ||
            (st = tab_preload(t, gds, p.max_fidelity, TAB_TEST_ACC)) != NB_OK ||
            (st = tab_best(t, gds, p.max_fidelity, TAB_VALID_ACC, &idx, &p.optimum_valid)) != NB_OK ||
            (st = tab_best(t, gds, p.max_fidelity, TAB_TEST_ACC, &idx, &p.optimum_test)) != NB_OK)
            return st;
        *out = p;
        return NB_OK;
    }
    if (c < 0) {
        char have[256];
        list_columns(t, have, sizeof have);
        return nb_fail(NB_ENOTFOUND, "dataset '%s' is not a column of the %s protocol; known: %s",
                       dataset ? dataset : "(null)", sss ? "NATS-Bench size-space" : "NAS-Bench-201",
                       have);
    }
    strat_protocol p;
    memset(&p, 0, sizeof p);
    snprintf(p.name, sizeof p.name, "%s", columns[c].column);
    snprintf(p.protocol, sizeof p.protocol, "%s", proto_name);
    p.search_fidelity = SEARCH_EPOCHS;
    p.max_fidelity = full_epochs;
    p.budget = sss ? sss_budget[c] : BASE_BUDGET * columns[c].cost_ratio;
    nb_status st;
    if ((st = need_ds(t, dataset, columns[c].search, &p.search_ds)) != NB_OK) return st;
    if ((st = need_ds(t, dataset, columns[c].report_valid, &p.report_valid_ds)) != NB_OK) return st;
    if ((st = need_ds(t, dataset, columns[c].report_test, &p.report_test_ds)) != NB_OK) return st;
    if ((st = need_fidelity(t, p.search_ds, SEARCH_EPOCHS)) != NB_OK) return st;
    if ((st = need_fidelity(t, p.search_ds, full_epochs)) != NB_OK) return st;
    if ((st = tab_preload(t, p.search_ds, SEARCH_EPOCHS, TAB_VALID_ACC)) != NB_OK) return st;
    if ((st = tab_preload(t, p.search_ds, full_epochs, TAB_VALID_ACC)) != NB_OK) return st;
    if ((st = tab_preload(t, p.report_valid_ds, full_epochs, TAB_VALID_ACC)) != NB_OK) return st;
    if ((st = tab_preload(t, p.report_test_ds, full_epochs, TAB_TEST_ACC)) != NB_OK) return st;
    if ((st = best_of(t, p.report_valid_ds, full_epochs, TAB_VALID_ACC, &p.optimum_valid)) != NB_OK)
        return st;
    if ((st = best_of(t, p.report_test_ds, full_epochs, TAB_TEST_ACC, &p.optimum_test)) != NB_OK)
        return st;
    *out = p;
    return NB_OK;
}
