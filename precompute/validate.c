/* precompute/validate.c - what `nastab tables validate` retrains and
 * compares (precompute/pc.h): one cell per trained class of a built table,
 * a seeded sample of them, and the pairs of retrained and stored values. */
#include "precompute/pc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pc_sample_free(pc_sample *s)
{
    free(s->rows);
    free(s->codes);
    memset(s, 0, sizeof *s);
}

/* The table's recorded preset, unchanged since the build. */
static nb_status table_preset(tab_table *t, const pc_preset **out)
{
    const char *pname = tab_attr(t, "precompute_preset"), *pcrc = tab_attr(t, "precompute_preset_crc");
    if (!pname)
        return nb_fail(NB_EFORMAT, "%s has no attribute precompute_preset: not built by `nastab "
                       "tables build`", tab_path(t));
    const pc_preset *p = pc_preset_find(pname);
    if (!p) {
        char why[512];
        snprintf(why, sizeof why, "%s", nb_errmsg());
        return nb_fail(NB_ENOTFOUND, "%s: %s", tab_path(t), why);
    }
    char want[16];
    snprintf(want, sizeof want, "%08x", pc_preset_crc(p));
    if (!pcrc || strcmp(pcrc, want))
        return nb_fail(NB_EFORMAT, "%s: preset '%s' fingerprint %s, this build has %s: the preset "
                       "changed", tab_path(t), pname, pcrc ? pcrc : "(none)", want);
    if (tab_space(t) != p->space)
        return nb_fail(NB_EFORMAT, "%s: its space is %s, preset '%s' trains %s", tab_path(t),
                       tab_space(t)->name, pname, p->space->name);
    *out = p;
    return NB_OK;
}

nb_status pc_sample_choose(tab_table *t, size_t k, uint64_t seed, pc_sample *out)
{
    memset(out, 0, sizeof *out);
    const pc_preset *p = NULL;
    nb_status st = table_preset(t, &p);
    if (st != NB_OK) return st;
    const char *dataset = tab_dataset_name(t, 0);
    const float *va = tab_metric_final(t, 0, p->epochs, TAB_VALID_ACC);
    if (!va) return NB_ENOTFOUND;
    out->preset = p;
    out->dataset = dataset;
    /* candidates: one row per trained class (its representative's row) */
    const space_def *sp = p->space;
    pc_classes cl;
    pc_classes_init(&cl, sp, 0);
    size_t n = tab_n_archs(t), m = 0;
    size_t *rows = nb_xcalloc_array(n ? n : 1, sizeof *rows);
    uint8_t *seen = nb_xcalloc_array(cl.n, 1);
    for (size_t i = 0; i < n; i++) {
        uint32_t code = sp->index(tab_arch(t, i));
        int32_t c = cl.class_of[code];
        if (cl.rep[c] == code && !isnan(va[i]) && !seen[c]) {
            seen[c] = 1;
            rows[m++] = i;
        }
    }
    free(seen);
    pc_classes_free(&cl);
    if (k > m) k = m;
    nb_rng rng;
    nb_rng_init(&rng, seed, 0, NB_PURPOSE_DATA);
    for (size_t i = 0; i < k; i++) { /* partial Fisher-Yates */
        size_t j = i + (size_t)nb_rng_below(&rng, m - i);
        size_t tmp = rows[i];
        rows[i] = rows[j];
        rows[j] = tmp;
    }
    out->n_trained = m;
    out->k = k;
    out->rows = rows;
    out->codes = nb_xcalloc_array(k ? k : 1, sizeof *out->codes);
    for (size_t i = 0; i < k; i++) out->codes[i] = sp->index(tab_arch(t, rows[i]));
    return NB_OK;
}

void pc_sample_pairs(tab_table *t, const pc_sample *s, const float *vals, int seed_slot, int q,
                     double *live, double *table, char *what, size_t what_n)
{
    static const struct { int v; tab_metric_id m; const char *name; } mets[] = {
        {PC_VALID_ACC, TAB_VALID_ACC, "valid_acc"}, {PC_TEST_ACC, TAB_TEST_ACC, "test_acc"}};
    const pc_preset *p = s->preset;
    NB_ASSERT(seed_slot >= 0 && seed_slot < p->n_seeds && (q == 0 || q == 1));
    const size_t nf = (size_t)p->n_seeds * (size_t)p->epochs * PC_NV;
    for (size_t i = 0; i < s->k; i++) {
        float x;
        live[i] = vals[i * nf + ((size_t)seed_slot * (size_t)p->epochs + (size_t)p->epochs - 1) * PC_NV +
                       (size_t)mets[q].v];
        table[i] = tab_metric(t, 0, p->epochs, mets[q].m, p->seeds[seed_slot], TAB_EPOCH_LAST, s->rows[i],
                              &x) == NB_OK ? x : NAN;
    }
    snprintf(what, what_n, "%s s%d", mets[q].name, p->seeds[seed_slot]);
}
