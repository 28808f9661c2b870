/* precompute/table.c - the table of the full-training mode, written from
 * the journals of every shard of one job (precompute/pc.h): the journals'
 * union, checked for completeness and agreement; the provenance attributes;
 * the metrics per seed and epoch with their seed means; params, FLOPs and
 * the cost model's times; tab_writer commits the file atomically. */
#include "precompute/pc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nb.h"
#include "tables/tab.h"

/* Read every journal; all must be of one job (only the shard number
 * differs), of an unchanged preset (*preset) and trained on the same data. */
static nb_status load_journals(const char *const *journals, int n_journals, pc_journal_data *js,
                               const pc_preset **preset)
{
    nb_status st;
    for (int i = 0; i < n_journals; i++) {
        if ((st = pc_journal_read(journals[i], NULL, &js[i])) != NB_OK) return st;
        if (i) { /* same job as the first journal; only the shard number differs */
            pc_journal_header a = js[0].h;
            a.shard_k = js[i].h.shard_k;
            if ((st = pc_journal_header_check(journals[i], &js[i].h, &a)) != NB_OK) return st;
        }
    }
    const pc_journal_header *h = &js[0].h;
    const pc_preset *p = pc_preset_find(h->preset);
    if (!p) return NB_EFORMAT;
    if (pc_preset_crc(p) != h->preset_crc)
        return nb_fail(NB_EFORMAT, "%s: preset '%s' changed since the journal was written "
                       "(fingerprint %08x, now %08x)", journals[0], p->name, h->preset_crc, pc_preset_crc(p));
    for (int i = 0; i < n_journals; i++)
        if (js[i].h.n_train != h->n_train || js[i].h.n_valid != h->n_valid || js[i].h.h != h->h ||
            js[i].h.w != h->w || js[i].h.classes != h->classes || js[i].h.in_ch != h->in_ch ||
            js[i].h.n_test != h->n_test)
            return nb_fail(NB_EFORMAT, "%s: trained on other data (%u train images) than %s (%u)",
                           journals[i], js[i].h.n_train, journals[0], h->n_train);
    *preset = p;
    return NB_OK;
}

/* by_code (the space's size): class representative index -> its record, the
 * union of all journals (a shard may have a forward and a --reverse journal
 * that overlap by the classes in flight when they met; the engine is
 * deterministic, so such duplicates must agree on every metric). */
static nb_status index_records(const char *const *journals, int n_journals, const pc_journal_data *js,
                               const pc_classes *cl, const float **by_code)
{
    const pc_journal_header *h = &js[0].h;
    const size_t SE = (size_t)h->n_seeds * h->n_epochs, nf = pc_journal_record_floats(h);
    for (int i = 0; i < n_journals; i++)
        for (size_t r = 0; r < js[i].n; r++) {
            uint32_t c = js[i].codes[r];
            const float *v = js[i].vals + r * nf;
            if (c >= cl->space->size || cl->class_of[c] < 0 || cl->rep[cl->class_of[c]] != c)
                return nb_fail(NB_EFORMAT, "%s: record %zu: cell code %u is not a class of this job",
                               journals[i], r + 1, c);
            if (!by_code[c]) {
                by_code[c] = v;
                continue;
            }
            for (size_t q = 0; q < SE; q++)
                for (int m = 0; m < PC_TRAIN_SEC; m++)
                    if (memcmp(&by_code[c][q * PC_NV + (size_t)m], &v[q * PC_NV + (size_t)m], sizeof(float)))
                        return nb_fail(NB_EFORMAT, "%s: record %zu: cell code %u was trained twice with "
                                       "different results (not the same engine build or machine?)",
                                       journals[i], r + 1, c);
        }
    return NB_OK;
}

/* Classes present; unless partial, every shard must be complete. */
static nb_status count_present(const pc_journal_header *h, const pc_classes *cl, const float *const *by_code,
                               int partial, size_t *present)
{
    *present = 0;
    for (int k = 0; k < (int)h->shard_n; k++) {
        size_t want_n = 0, have_n = 0;
        for (size_t c = 0; c < cl->n; c++)
            if ((int)(c % h->shard_n) == k) {
                want_n++;
                have_n += by_code[cl->rep[c]] != NULL;
            }
        *present += have_n;
        if (have_n != want_n && !partial)
            return nb_fail(NB_EFORMAT, "shard %d/%u is incomplete: %zu of %zu classes in the journals given; "
                           "hint: pass every shard's journal, or rerun its build with the same arguments "
                           "to finish it", k, h->shard_n, have_n, want_n);
    }
    return NB_OK;
}

/* The table's architectures: like's order (its checksum into like_sum) or
 * all of the space in index order. *archs owned by the caller. */
static nb_status table_archs(const space_def *sp, const char *like, space_arch **archs, size_t *n,
                             char *like_sum, size_t ls)
{
    if (!like) {
        *n = sp->size;
        *archs = nb_xcalloc_array(*n, sizeof **archs);
        for (uint32_t c = 0; c < *n; c++) (*archs)[c] = sp->arch(c);
        return NB_OK;
    }
    tab_table *lt = NULL;
    nb_status st = tab_open(like, &lt);
    if (st != NB_OK) return st;
    if (tab_space(lt) != sp) {
        st = nb_fail(NB_EFORMAT, "--like %s: its space is %s, the preset trains %s; hint: give a "
                     "table of the preset's space", like, tab_space(lt)->name, sp->name);
        tab_close(lt);
        return st;
    }
    *n = tab_n_archs(lt);
    *archs = nb_xcalloc_array(*n, sizeof **archs);
    for (size_t i = 0; i < *n; i++) (*archs)[i] = *tab_arch(lt, i);
    snprintf(like_sum, ls, "%s", tab_checksum(lt) ? tab_checksum(lt) : "?");
    tab_close(lt);
    return NB_OK;
}

static void machine_text(char *buf, size_t n)
{
    nb_host host;
    nb_host_get(&host);
    snprintf(buf, n, "%s, %d cores, OpenBLAS %s", host.cpu[0] ? host.cpu : "unknown CPU", host.cores,
             nn_blas_corename());
}

/* Provenance: how the values were made, the preset, the machine, the seeds,
 * the classes and the architecture order. */
static nb_status write_attrs(tab_writer *w, const pc_preset *p, const pc_journal_header *h, const pc_classes *cl,
                             const space_arch *archs, size_t n, const char *like, const char *like_sum)
{
    char text[1024], buf[2048], mach[384];
    pc_preset_text(p, text, sizeof text);
    machine_text(mach, sizeof mach);
    size_t trained_cells = 0;
    for (size_t i = 0; i < n; i++) trained_cells += cl->class_of[cl->space->index(&archs[i])] >= 0;
    /* the protocol's text: pc_preset_protocol, i.e. nn_protocol_nb201 */
    if (p->space == &space_sss)
        snprintf(buf, sizeof buf,
                 "trained with the nastab C engine (nn/) by `nastab tables build --space sss --preset %s "
                 "--dataset %s`: the NATS-Bench size-space network of each architecture (its five "
                 "widths), %ux%ux%u images, SGD Nesterov 0.9, wd 5e-4, lr %g cosine, batch %d, %d "
                 "epochs, seeds as the seed axis; train on %u images of one half of the training set, "
                 "valid on %u of the other half, test on %u test images. Every architecture is its own "
                 "class; %zu of %zu architectures trained (a seeded uniform sample, pc_classes_init), "
                 "the others missing (NaN).",
                 p->name, h->dataset, h->in_ch, h->h, h->w, p->lr, p->batch, p->epochs, h->n_train,
                 h->n_valid, h->n_test, trained_cells, n);
    else
    snprintf(buf, sizeof buf,
             "trained with the nastab C engine (nn/) by `nastab tables build --preset %s --dataset %s`: "
             "NB201 TinyNetwork C=%d N=%d, %ux%ux%u images, SGD Nesterov 0.9, wd 5e-4, lr %g cosine, "
             "batch %d, %d epochs, seeds as the seed axis; train on %u images of one half of the "
             "training set, valid on %u of the other half, test on %u test images. Each isomorphism "
             "class (space_canonical_code; the disconnected cells as one class) is trained once and "
             "its values are given to all its cells: %zu classes, %zu of %zu cells.",
             p->name, h->dataset, p->C, p->N, h->in_ch, h->h, h->w, p->lr, p->batch, p->epochs, h->n_train,
             h->n_valid, h->n_test, cl->n, trained_cells, n);
    nb_status st;
    if ((st = tab_writer_attr(w, "sources", buf)) != NB_OK ||
        (st = tab_writer_attr(w, "precompute_preset", p->name)) != NB_OK ||
        (st = tab_writer_attr(w, "precompute_config", text)) != NB_OK ||
        (st = tab_writer_attr(w, "precompute_machine", mach)) != NB_OK)
        return st;
    snprintf(buf, sizeof buf, "%08x", h->preset_crc);
    if ((st = tab_writer_attr(w, "precompute_preset_crc", buf)) != NB_OK) return st;
    int l = 0;
    for (size_t s = 0; s < h->n_seeds; s++) l += snprintf(buf + l, sizeof buf - (size_t)l, "%s%d", s ? " " : "", p->seeds[s]);
    if ((st = tab_writer_attr(w, "precompute_seeds", buf)) != NB_OK) return st;
    snprintf(buf, sizeof buf, "%zu", cl->n);
    if ((st = tab_writer_attr(w, "precompute_classes", buf)) != NB_OK) return st;
    snprintf(buf, sizeof buf, "%s",
             like ? "the architecture order of the table given with --like"
             : p->space == &space_sss ? "NATS-Bench size-space index order (the official meta file's)"
                                      : "base-5 code order (index = space_code)");
    if (like) snprintf(buf + strlen(buf), sizeof buf - strlen(buf), " (content checksum %s)", like_sum);
    return tab_writer_attr(w, "arch_order", buf);
}

void pc_seed_stats(const float *v, size_t S, size_t E, int m, float *per_seed, float *mean,
                   float *final_seed, float *final_mean)
{
    for (size_t e = 0; e < E; e++) {
        double sum = 0;
        for (size_t s = 0; s < S; s++) {
            float x = v ? v[(s * E + e) * PC_NV + (size_t)m] : NAN;
            per_seed[s * E + e] = x;
            sum += x;
        }
        mean[e] = (float)(sum / (double)S);
    }
    for (size_t s = 0; s < S; s++) final_seed[s] = per_seed[s * E + E - 1];
    *final_mean = mean[E - 1];
}

/* The six metrics, final and per epoch, per seed and the seed mean; every
 * cell gets its class's values. */
static nb_status write_metrics(tab_writer *w, const pc_preset *p, const pc_journal_header *h, const pc_classes *cl,
                               const float *const *by_code, const space_arch *archs, size_t n)
{
    static const struct { int v; tab_metric_id m; const char *unit; } mets[] = {
        {PC_TRAIN_ACC, TAB_TRAIN_ACC, "percent"}, {PC_TRAIN_LOSS, TAB_TRAIN_LOSS, NULL},
        {PC_VALID_ACC, TAB_VALID_ACC, "percent"}, {PC_VALID_LOSS, TAB_VALID_LOSS, NULL},
        {PC_TEST_ACC, TAB_TEST_ACC, "percent"},   {PC_TEST_LOSS, TAB_TEST_LOSS, NULL},
    };
    const size_t S = h->n_seeds, E = h->n_epochs;
    float *fs = nb_xcalloc_array(n * S, sizeof *fs), *fm = nb_xcalloc_array(n, sizeof *fm);
    float *cs = nb_xcalloc_array(n * S * E, sizeof *cs), *cm = nb_xcalloc_array(n * E, sizeof *cm);
    int seeds[PC_MAX_SEEDS], epochs[PC_MAX_EPOCHS];
    for (size_t s = 0; s < S; s++) seeds[s] = p->seeds[s];
    for (size_t e = 0; e < E; e++) epochs[e] = (int)e + 1;
    nb_status st = NB_OK;
    for (size_t k = 0; k < sizeof mets / sizeof mets[0] && st == NB_OK; k++) {
        for (size_t i = 0; i < n; i++) {
            int32_t c = cl->class_of[cl->space->index(&archs[i])];
            pc_seed_stats(c >= 0 ? by_code[cl->rep[c]] : NULL, S, E, mets[k].v, cs + i * S * E, cm + i * E,
                          fs + i * S, fm + i);
        }
        tab_metric_data md = {fm, (int)S, seeds, fs, (int)E, epochs, cm, cs, mets[k].unit,
                              "nastab tables build (C engine)", NULL};
        st = tab_writer_metric(w, h->dataset, (int)E, mets[k].m, &md);
    }
    free(fs);
    free(fm);
    free(cs);
    free(cm);
    return st;
}

/* Exact params and FLOPs per cell; times from the cost model. */
static nb_status write_costs(tab_writer *w, const pc_preset *p, const pc_journal_header *h, const nn_config *cfg,
                             const space_arch *archs, size_t n)
{
    float *costs = nb_xcalloc_array(4 * n, sizeof *costs);
    float *par = costs, *fl = costs + n, *tt = costs + 2 * n, *et = costs + 3 * n;
    for (size_t i = 0; i < n; i++) {
        par[i] = (float)((double)nn_net_param_count(cfg, p->space, &archs[i]) / 1e6);
        double f = nn_net_flops(cfg, p->space, &archs[i]);
        fl[i] = (float)f;
        tt[i] = (float)pc_cost_train_time(p, (double)h->n_train, f);
        et[i] = (float)pc_cost_eval_time(p, (double)h->n_valid, f);
    }
    char ft[256], fe[256], buf[600];
    snprintf(ft, sizeof ft, "%u images * (%.3g + %.3g * flops) s (cost model of preset %s; measured wall times are in the journal)",
             h->n_train, p->cost_train_a, p->cost_train_b, p->name);
    snprintf(fe, sizeof fe, "%u images * (%.3g + %.3g * flops) s (cost model of preset %s)", h->n_valid,
             p->cost_eval_a, p->cost_eval_b, p->name);
    nb_status st;
    if ((st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_PARAMS), par, "M", NULL)) == NB_OK &&
        (st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_FLOPS), fl, "M", NULL)) == NB_OK &&
        (st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_TRAIN_TIME), tt, "s", ft)) == NB_OK &&
        (st = tab_writer_cost(w, h->dataset, tab_cost_name(TAB_COST_EVAL_TIME), et, "s", fe)) == NB_OK) {
        snprintf(buf, sizeof buf, "train_time_per_epoch = %s; eval_time = %s", ft, fe);
        st = tab_writer_attr(w, "cost_model", buf);
    }
    free(costs);
    return st;
}

/* An sss table (a sample of the size space): how well its two seeds agree
 * (Spearman's rho of the final valid and test accuracy over the trained
 * architectures), and what it is good for. */
static nb_status write_sss_purpose(tab_writer *w, const pc_preset *p, const pc_journal_header *h,
                                   const pc_classes *cl, const float *const *by_code)
{
    const float **recs = nb_xcalloc_array(cl->n ? cl->n : 1, sizeof *recs);
    for (size_t c = 0; c < cl->n; c++) recs[c] = by_code[cl->rep[c]];
    size_t nv = 0, nt = 0;
    double rv = pc_seed_agreement(recs, cl->n, h->n_seeds, h->n_epochs, PC_VALID_ACC, &nv);
    double rt = pc_seed_agreement(recs, cl->n, h->n_seeds, h->n_epochs, PC_TEST_ACC, &nt);
    free(recs);
    char buf[1024];
    if (h->n_seeds >= 2)
        snprintf(buf, sizeof buf, "Spearman rho between seeds %d and %d over the %zu trained "
                 "architectures, final epoch: valid_acc %.3f, test_acc %.3f (over %zu)",
                 p->seeds[0], p->seeds[1], nv, rv, rt, nt);
    else
        snprintf(buf, sizeof buf, "one seed: no seed agreement to measure");
    nb_status st = tab_writer_attr(w, "seed_agreement", buf);
    if (st != NB_OK) return st;
    snprintf(buf, sizeof buf,
             "a small table of the NATS-Bench size space on %s, trained by the C engine on a seeded "
             "uniform sample (tables build --sample K); the other architectures are NaN. Good for: "
             "running the size-space search and multi-objective code on real trained networks "
             "(nastab run / mo --restrict-to-curves), and measuring how stable a cheap training "
             "protocol's ranking of widths is (seed_agreement). Not a substitute for NATS-Bench's "
             "CIFAR numbers: a few epochs on a few hundred small images; see README.md, \"The "
             "NATS-Bench size space (sss)\".", h->dataset);
    return tab_writer_attr(w, "purpose", buf);
}

static nb_status write_table(const char *out, const char *const *journals, int n_journals,
                             const char *like, int partial, pc_table_info *info)
{
    NB_ASSERT(out && journals && n_journals >= 1);
    pc_table_info local;
    if (!info) info = &local;
    memset(info, 0, sizeof *info);
    pc_journal_data *js = nb_xcalloc_array((size_t)n_journals, sizeof *js);
    const float **by_code = NULL;
    space_arch *archs = NULL;
    tab_writer *w = NULL;
    pc_classes cl = {0};
    char like_sum[64] = "", buf[128];
    const pc_preset *p = NULL;
    size_t n = 0;
    nb_status st = load_journals(journals, n_journals, js, &p);
    if (st != NB_OK) goto fail;
    const pc_journal_header *h = &js[0].h;
    by_code = nb_xcalloc_array(p->space->size, sizeof *by_code);
    pc_classes_init(&cl, p->space, h->archs_k);
    if ((st = index_records(journals, n_journals, js, &cl, by_code)) != NB_OK ||
        (st = count_present(h, &cl, by_code, partial, &info->present)) != NB_OK ||
        (st = table_archs(p->space, like, &archs, &n, like_sum, sizeof like_sum)) != NB_OK ||
        (st = tab_writer_create(out, p->space->name, n, archs, &w)) != NB_OK ||
        (st = write_attrs(w, p, h, &cl, archs, n, like, like_sum)) != NB_OK ||
        (st = write_metrics(w, p, h, &cl, by_code, archs, n)) != NB_OK)
        goto fail;
    nn_config cfg = {p->C, p->N, (int)h->classes, (int)h->in_ch, (int)h->h, (int)h->w, p->batch, 0};
    if ((st = write_costs(w, p, h, &cfg, archs, n)) != NB_OK) goto fail;
    pc_cost_fit_journals(js, n_journals, p->space, &cfg, &info->fit);
    if (p->space == &space_sss && (st = write_sss_purpose(w, p, h, &cl, by_code)) != NB_OK) goto fail;
    if (partial) {
        snprintf(buf, sizeof buf, "%zu of %zu classes present (merged from a build in progress)", info->present, cl.n);
        if ((st = tab_writer_attr(w, "precompute_incomplete", buf)) != NB_OK) goto fail;
    }
    st = tab_writer_finish(w, info->checksum);
    w = NULL;
    info->preset = p;
    info->cells = n;
    info->classes = cl.n;
fail:
    tab_writer_abort(w);
    for (int i = 0; i < n_journals; i++) pc_journal_data_free(&js[i]);
    free(js);
    free(archs);
    free(by_code);
    pc_classes_free(&cl);
    return st;
}

nb_status pc_write_table(const char *out, const char *const *journals, int n_journals, const char *like,
                         pc_table_info *info)
{
    return write_table(out, journals, n_journals, like, 0, info);
}

nb_status pc_write_table_partial(const char *out, const char *const *journals, int n_journals,
                                 const char *like, pc_table_info *info)
{
    return write_table(out, journals, n_journals, like, 1, info);
}
