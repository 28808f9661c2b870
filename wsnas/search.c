/* wsnas/search.c - the job of `nastab search` (ws_search, wsnas/ws.h):
 * methods x runs x epochs, every derived cell looked up in the table, a
 * checkpoint after every epoch, the results file at the end.
 *
 * Checkpoint "<out>.ckpt" (binary, this machine's byte order; written
 * atomically with nb_file_*): magic "NBWSCK01", a 64-bit FNV-1a key of
 * everything that fixes the job's numbers (methods, runs, settings, data
 * sizes, table checksum, dataset), the shape (M, R, E) and the position
 * (method, run, epochs finished), every finished epoch's record so far,
 * with --rank-sample K the K sampled cells' scores of those epochs, the
 * current run's state blocks (ws_run_state: supernet, optimizers, alpha,
 * RNGs, population, ENAS's controller), and a CRC-32 (zlib) of all the
 * bytes before it.
 * Resuming restores the state bit for bit, so a resumed job writes the same
 * numbers as an uninterrupted one (seconds aside).
 *
 * Ranking quality (--rank-sample K, issue 12 item 5): K distinct cells of
 * the table are drawn once from nb_rng(seed, 0, NB_PURPOSE_SAMPLE), among
 * those with a validation accuracy at the table's highest fidelity, so every
 * method, run and epoch of a seed scores the same cells. After each epoch
 * each cell is scored with the supernet's current weights in path mode on
 * the first eval_images validation images (ws_super_acc: eval mode, batch
 * statistics, no RNG draw, no state kept), so scoring changes nothing the
 * search does next: a search with and without it gives the same numbers.
 * Kendall's tau-b and Spearman's rho of the K scores against the table's
 * validation accuracies (core/rankcorr.c) are computed when the results are
 * written. */
#include "wsnas/ws_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "results/res.h"

#define CK_MAGIC "NBWSCK01"
#define CK_MAX_BLOCKS 24

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

typedef struct {
    int M, R, E;
    ws_epoch *rec; /* (M, R, E) */
    double *wall;  /* (M, R, E) seconds of the run so far */
    double *cpu;
    int K;          /* --rank-sample: cells scored per epoch, 0 = off */
    float *rank;    /* (M, R, E, K) % score of each sampled cell after each epoch; NULL when K = 0 */
    int pm, pr, pe; /* position: method, run, epochs finished of that run */
} job;

static size_t at(const job *j, int m, int r, int e) { return ((size_t)m * j->R + r) * j->E + e; }

/* ---- checkpoint */
typedef struct {
    FILE *f;
    uLong crc;
} ckw;

static void wr(ckw *w, const void *p, size_t n)
{
    if (!n) return;
    fwrite(p, 1, n, w->f);
    w->crc = crc32(w->crc, p, (uInt)n);
}

static nb_status ck_write(const char *path, uint64_t key, const job *j, const ws_block *b, size_t nb)
{
    char *tmp;
    FILE *f;
    nb_status st = nb_file_tmp_create(path, &tmp, &f);
    if (st != NB_OK) return st;
    ckw w = {f, crc32(0L, Z_NULL, 0)};
    uint32_t hdr[7] = {(uint32_t)j->M, (uint32_t)j->R, (uint32_t)j->E, (uint32_t)j->pm,
                       (uint32_t)j->pr, (uint32_t)j->pe, (uint32_t)nb};
    size_t n = (size_t)j->M * j->R * j->E;
    wr(&w, CK_MAGIC, 8);
    wr(&w, &key, sizeof key);
    wr(&w, hdr, sizeof hdr);
    wr(&w, j->rec, n * sizeof *j->rec);
    wr(&w, j->wall, n * sizeof *j->wall);
    wr(&w, j->cpu, n * sizeof *j->cpu);
    if (j->K) wr(&w, j->rank, n * (size_t)j->K * sizeof *j->rank);
    for (size_t i = 0; i < nb; i++) {
        uint64_t bytes = b[i].bytes;
        wr(&w, &bytes, sizeof bytes);
        wr(&w, b[i].p, b[i].bytes);
    }
    uint32_t crc = (uint32_t)w.crc;
    fwrite(&crc, 1, sizeof crc, f);
    st = nb_file_commit_stream(f, tmp, path);
    free(tmp);
    return st;
}

/* Reads the checkpoint's records and position into j (shape already set).
 * With b non-NULL also the current run's state into the blocks b (sizes
 * must match; *has_state = 1 when restored); with b NULL *has_state says
 * whether the checkpoint holds state. A position inside a run without
 * state is moved to that run's start. NB_ENOTFOUND (no message) when there
 * is no checkpoint. */
static nb_status ck_read(const char *path, uint64_t key, job *j, ws_block *b, size_t nb, int *has_state)
{
    *has_state = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NB_ENOTFOUND;
    nb_status st = NB_OK;
    unsigned char *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0) size = ftell(f);
    if (size < 8 + 8 + 28 + 4 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return nb_fail(NB_EFORMAT, "%s: checkpoint truncated (%ld bytes); hint: remove it to start over",
                       path, size);
    }
    buf = nb_xmalloc((size_t)size);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    const unsigned char *p = buf, *end = buf + size - 4;
    uint32_t crc, hdr[7];
    uint64_t k;
    size_t n = (size_t)j->M * j->R * j->E;
    memcpy(&crc, end, 4);
    if (got != (size_t)size || crc != (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, (uInt)(size - 4))) {
        st = nb_fail(NB_EFORMAT, "%s: checkpoint corrupt (CRC-32 mismatch); hint: remove it to start over",
                     path);
        goto done;
    }
    memcpy(&k, p + 8, 8);
    memcpy(hdr, p + 16, sizeof hdr);
    if (memcmp(p, CK_MAGIC, 8) != 0 || k != key || hdr[0] != (uint32_t)j->M || hdr[1] != (uint32_t)j->R ||
        hdr[2] != (uint32_t)j->E) {
        st = nb_fail(NB_EFORMAT,
                     "%s: checkpoint of another search (different methods, runs, settings, data or "
                     "table); hint: remove it, or use another -o",
                     path);
        goto done;
    }
    p += 16 + sizeof hdr;
    size_t need = n * (sizeof *j->rec + 2 * sizeof(double) + (size_t)j->K * sizeof(float));
    if ((size_t)(end - p) < need || hdr[3] > (uint32_t)j->M || hdr[4] >= (uint32_t)j->R ||
        hdr[5] > (uint32_t)j->E) {
        st = nb_fail(NB_EFORMAT, "%s: checkpoint inconsistent; hint: remove it to start over", path);
        goto done;
    }
    memcpy(j->rec, p, n * sizeof *j->rec);
    p += n * sizeof *j->rec;
    memcpy(j->wall, p, n * sizeof(double));
    p += n * sizeof(double);
    memcpy(j->cpu, p, n * sizeof(double));
    p += n * sizeof(double);
    if (j->K) {
        memcpy(j->rank, p, n * (size_t)j->K * sizeof *j->rank);
        p += n * (size_t)j->K * sizeof *j->rank;
    }
    j->pm = (int)hdr[3];
    j->pr = (int)hdr[4];
    j->pe = (int)hdr[5];
    if (hdr[6] > 0 && j->pe < j->E && !b) {
        *has_state = 1;
    } else if (hdr[6] > 0 && j->pe < j->E) {
        if (hdr[6] != nb) {
            st = nb_fail(NB_EFORMAT, "%s: checkpoint holds %u state blocks, expected %zu", path, hdr[6], nb);
            goto done;
        }
        for (size_t i = 0; i < nb; i++) {
            uint64_t bytes;
            if ((size_t)(end - p) < 8) goto short_;
            memcpy(&bytes, p, 8);
            p += 8;
            if (bytes != b[i].bytes || (size_t)(end - p) < bytes) goto short_;
            memcpy(b[i].p, p, bytes);
            p += bytes;
        }
        *has_state = 1;
    } else if (j->pe < j->E) {
        j->pe = 0; /* no state: the run starts over */
    }
    goto done;
short_:
    st = nb_fail(NB_EFORMAT, "%s: checkpoint state block size mismatch; hint: remove it to start over", path);
done:
    free(buf);
    return st;
}

static uint64_t job_key(const ws_search_config *sc, const char *checksum)
{
    uint64_t h = 1469598103934665603ull;
    char s[512];
    for (int m = 0; m < sc->n_methods; m++) h = fnv(h, sc->methods[m], strlen(sc->methods[m]) + 1);
    const ws_config *c = &sc->base;
    snprintf(s, sizeof s,
             "ds=%d runs=%d epochs=%d C=%d N=%d in=%dx%dx%d cl=%d batch=%d steps=%zu trs=%d aug=%d lr=%.17g,%.17g "
             "sgd=%.17g,%.17g,%d,%.17g adam=%.17g,%.17g,%.17g,%.17g,%.17g tau=%.17g,%.17g eps=%.17g "
             "sel=%d sb=%d ev=%d ea=%d,%d,%.17g,%d ctrl=%d,%d,%d seed=%llu ntr=%zu nva=%zu ds=%s tab=%s",
             c->downsample, sc->runs, c->epochs, c->net.C, c->net.N, c->net.in_ch, c->net.H, c->net.W, c->net.classes,
             c->net.batch, c->steps, c->track_running_stats, c->augment, c->w_lr, c->w_lr_min,
             c->w_sgd.momentum, c->w_sgd.weight_decay, c->w_sgd.nesterov, c->w_sgd.grad_clip,
             c->a_adam.lr, c->a_adam.beta1, c->a_adam.beta2, c->a_adam.eps, c->a_adam.weight_decay,
             c->tau_max, c->tau_min, c->unroll_eps, c->select_num, c->score_batches, c->eval_images,
             c->ea_population, c->ea_topk, c->ea_mutation, c->ea_final, c->ctrl_steps,
             c->ctrl_aggregate, c->ctrl_derive, (unsigned long long)c->seed, sc->train->n,
             sc->valid->n, sc->dataset, checksum ? checksum : "");
    h = fnv(h, s, strlen(s));
    if (sc->rank_sample > 0) { /* absent when off: checkpoints of before the option still match */
        snprintf(s, sizeof s, "rank=%d", sc->rank_sample);
        h = fnv(h, s, strlen(s));
    }
    return h;
}

/* K distinct table indices with a finite tv (n cells), drawn without
 * replacement (partial Fisher-Yates over the eligible indices) from
 * nb_rng(seed, 0, NB_PURPOSE_SAMPLE). NB_EINVAL when fewer than K cells
 * qualify. */
static nb_status rank_sample(const tab_table *t, const float *tv, uint64_t seed, int K, int32_t *out)
{
    size_t n = tab_n_archs(t), m = 0;
    size_t *ok = nb_xcalloc_array(n ? n : 1, sizeof *ok);
    for (size_t i = 0; i < n; i++)
        if (isfinite(tv[i])) ok[m++] = i;
    if ((size_t)K > m) {
        free(ok);
        return nb_fail(NB_EINVAL, "--rank-sample %d: the table %s has only %zu cells with a validation "
                       "accuracy to rank against; hint: use at most %zu", K, tab_path(t), m, m);
    }
    nb_rng rng;
    nb_rng_init(&rng, seed, 0, NB_PURPOSE_SAMPLE);
    for (int k = 0; k < K; k++) {
        size_t j = (size_t)k + (size_t)nb_rng_below(&rng, m - (size_t)k), tmp = ok[k];
        ok[k] = ok[j];
        ok[j] = tmp;
        out[k] = (int32_t)ok[k];
    }
    free(ok);
    return NB_OK;
}

/* ---- the results */
static nb_status write_results(const ws_search_config *sc, const job *j, const int *ids,
                               const float *tv, const float *tt, float opt_v, float opt_t,
                               const int32_t *rank_arch, int fid)
{
    res_meta meta = {tab_path(sc->table), tab_checksum(sc->table), "nb201-ws-v1", sc->command,
                     sc->base.seed};
    res_results *res = res_results_create(&meta);
    res_ws_series *ws = nb_xcalloc_array((size_t)j->M, sizeof *ws);
    size_t R = (size_t)j->R, E = (size_t)j->E, G = E + 1;
    for (int m = 0; m < j->M; m++) {
        res_series s;
        memset(&s, 0, sizeof s);
        snprintf(s.dataset, sizeof s.dataset, "%s", sc->dataset);
        snprintf(s.strategy, sizeof s.strategy, "%s", ws_method_name(ids[m]));
        s.n_objectives = 1;
        s.runs = R;
        s.grid = G;
        s.budget = (double)E;
        s.workers = 1;
        s.optimum_valid = opt_v;
        s.optimum_test = opt_t;
        snprintf(s.budget_unit, sizeof s.budget_unit, "%s", RES_UNIT_EPOCHS);
        s.time = nb_xcalloc_array(G, sizeof *s.time);
        s.valid = nb_xcalloc_array(R * G, sizeof *s.valid);
        s.test = nb_xcalloc_array(R * G, sizeof *s.test);
        s.final_valid = nb_xcalloc_array(R, sizeof *s.final_valid);
        s.final_test = nb_xcalloc_array(R, sizeof *s.final_test);
        s.final_arch = nb_xcalloc_array(R, sizeof *s.final_arch);
        s.n_evals = nb_xcalloc_array(R, sizeof *s.n_evals);
        res_ws_series *w = &ws[m];
        snprintf(w->dataset, sizeof w->dataset, "%s", sc->dataset);
        snprintf(w->method, sizeof w->method, "%s", s.strategy);
        w->runs = R;
        w->epochs = E;
        w->arch = nb_xcalloc_array(R * E, sizeof *w->arch);
        w->super_valid = nb_xcalloc_array(R * E, sizeof *w->super_valid);
        w->score = nb_xcalloc_array(R * E, sizeof *w->score);
        w->wall = nb_xcalloc_array(R * E, sizeof *w->wall);
        w->cpu = nb_xcalloc_array(R * E, sizeof *w->cpu);
        w->probs = nb_xcalloc_array(R * E * 30, sizeof *w->probs);
        w->ops = nb_xcalloc_array(R * E * 6, sizeof *w->ops);
        size_t K = (size_t)j->K;
        double *sx = NULL, *ty = NULL;
        if (K) {
            w->rank_k = K;
            snprintf(w->rank_against, sizeof w->rank_against,
                     "valid_acc@%d: the table's validation accuracy at its highest fidelity", fid);
            snprintf(w->rank_scored_on, sizeof w->rank_scored_on,
                     "top-1 %% on the first %d validation images, inherited weights, path mode",
                     sc->base.eval_images < (int)sc->valid->n ? sc->base.eval_images : (int)sc->valid->n);
            w->rank_arch = nb_xcalloc_array(K, sizeof *w->rank_arch);
            w->rank_table = nb_xcalloc_array(K, sizeof *w->rank_table);
            w->rank_score = nb_xcalloc_array(R * E * K, sizeof *w->rank_score);
            w->rank_tau = nb_xcalloc_array(R * E, sizeof *w->rank_tau);
            w->rank_rho = nb_xcalloc_array(R * E, sizeof *w->rank_rho);
            sx = nb_xcalloc_array(K, sizeof *sx);
            ty = nb_xcalloc_array(K, sizeof *ty);
            for (size_t k = 0; k < K; k++) {
                w->rank_arch[k] = rank_arch[k];
                w->rank_table[k] = tv[rank_arch[k]];
                ty[k] = tv[rank_arch[k]];
            }
        }
        for (size_t g = 0; g < G; g++) s.time[g] = (double)g;
        for (size_t r = 0; r < R; r++) {
            s.valid[r * G] = s.test[r * G] = NAN;
            for (size_t e = 0; e < E; e++) {
                const ws_epoch *ep = &j->rec[at(j, m, (int)r, (int)e)];
                long idx = tab_index_of(sc->table, &ep->arch);
                float v = idx >= 0 ? tv[idx] : NAN, t = idx >= 0 ? tt[idx] : NAN;
                s.valid[r * G + e + 1] = v;
                s.test[r * G + e + 1] = t;
                w->arch[r * E + e] = (int32_t)idx;
                w->super_valid[r * E + e] = ep->super_valid;
                w->score[r * E + e] = ep->score;
                w->wall[r * E + e] = j->wall[at(j, m, (int)r, (int)e)];
                w->cpu[r * E + e] = j->cpu[at(j, m, (int)r, (int)e)];
                memcpy(w->probs + (r * E + e) * 30, ep->probs, sizeof ep->probs);
                memcpy(w->ops + (r * E + e) * 6, ep->arch.op, 6);
                if (K) {
                    const float *sc_k = j->rank + at(j, m, (int)r, (int)e) * K;
                    memcpy(w->rank_score + (r * E + e) * K, sc_k, K * sizeof *sc_k);
                    for (size_t k = 0; k < K; k++) sx[k] = sc_k[k];
                    w->rank_tau[r * E + e] = (float)nb_kendall_tau_b(sx, ty, K);
                    w->rank_rho[r * E + e] = (float)nb_spearman(sx, ty, K);
                }
                if (e == E - 1) {
                    s.final_valid[r] = v;
                    s.final_test[r] = t;
                    s.final_arch[r] = (int32_t)idx;
                    s.n_evals[r] = (uint32_t)E;
                }
            }
        }
        free(sx);
        free(ty);
        res_results_add(res, &s);
    }
    nb_status st = res_ws_write(res, ws, (size_t)j->M, sc->out);
    for (int m = 0; m < j->M; m++) res_ws_series_free(&ws[m]);
    free(ws);
    res_results_free(res);
    return st;
}

nb_status ws_search(const ws_search_config *sc)
{
    int ids[WS_N_METHODS * 4];
    nb_status st;
    if (sc->n_methods < 1 || sc->n_methods > (int)(sizeof ids / sizeof ids[0]))
        return nb_fail(NB_EINVAL, "methods: %d given, expected 1..%d", sc->n_methods,
                       (int)(sizeof ids / sizeof ids[0]));
    for (int m = 0; m < sc->n_methods; m++)
        if ((ids[m] = ws_method_find(sc->methods[m])) < 0)
            return nb_fail(NB_ENOTFOUND, "unknown method '%s'; known: %s", sc->methods[m], ws_method_list());
    if (sc->runs < 1) return nb_fail(NB_EINVAL, "runs: %d, expected at least 1", sc->runs);
    ws_config c = sc->base;
    c.method = ids[0];
    if ((st = ws_config_check(&c)) != NB_OK) return st;
    const space_def *sp = tab_space(sc->table);
    if (!sp || strcmp(sp->name, "nb201"))
        return nb_fail(NB_EINVAL, "table %s is of space '%s', the supernet searches 'nb201'",
                       tab_path(sc->table), sp ? sp->name : "?");
    int ds = tab_dataset_id(sc->table, sc->dataset);
    if (ds < 0) {
        char have[256] = "";
        for (int i = 0; i < tab_n_datasets(sc->table); i++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s", i ? ", " : "",
                     tab_dataset_name(sc->table, i));
        return nb_fail(NB_ENOTFOUND, "table %s has no dataset '%s' (it has: %s); hint: search the dataset the table was built for",
                       tab_path(sc->table), sc->dataset, have);
    }
    int fids[16], nf = tab_fidelities(sc->table, ds, fids, 16), fid = fids[0];
    for (int i = 1; i < nf && i < 16; i++) fid = fids[i] > fid ? fids[i] : fid;
    const float *tv = tab_metric_final(sc->table, ds, fid, TAB_VALID_ACC);
    const float *tt = tab_metric_final(sc->table, ds, fid, TAB_TEST_ACC);
    if (!tv || !tt) return NB_EFORMAT;
    size_t bi;
    float opt_v = NAN, opt_t = NAN;
    tab_best(sc->table, ds, fid, TAB_VALID_ACC, &bi, &opt_v);
    tab_best(sc->table, ds, fid, TAB_TEST_ACC, &bi, &opt_t);

    if (sc->rank_sample < 0 || sc->rank_sample > 100000)
        return nb_fail(NB_EINVAL, "--rank-sample %d: expected 0 (off) .. 100000", sc->rank_sample);
    int32_t *rank_arch = NULL;
    if (sc->rank_sample == 1)
        return nb_fail(NB_EINVAL, "--rank-sample 1: a rank correlation needs at least 2 cells");
    if (sc->rank_sample > 0) {
        rank_arch = nb_xcalloc_array((size_t)sc->rank_sample, sizeof *rank_arch);
        if ((st = rank_sample(sc->table, tv, sc->base.seed, sc->rank_sample, rank_arch)) != NB_OK) {
            free(rank_arch);
            return st;
        }
    }
    job j = {sc->n_methods, sc->runs, c.epochs, NULL, NULL, NULL, sc->rank_sample, NULL, 0, 0, 0};
    size_t n = (size_t)j.M * j.R * j.E;
    j.rec = nb_xcalloc_array(n, sizeof *j.rec);
    if (j.K) j.rank = nb_xcalloc_array(n * (size_t)j.K, sizeof *j.rank);
    j.wall = nb_xcalloc_array(n, sizeof *j.wall);
    j.cpu = nb_xcalloc_array(n, sizeof *j.cpu);
    size_t plen = strlen(sc->out) + 8;
    char *ck = nb_xmalloc(plen);
    snprintf(ck, plen, "%s.ckpt", sc->out);
    uint64_t key = job_key(sc, tab_checksum(sc->table));
    ws_run *run = NULL;
    nb_progress *prog = NULL;

    /* where to start: the checkpoint's position, its state loaded below */
    int has_state = 0;
    ws_block blk[CK_MAX_BLOCKS];
    size_t nblk = 0;
    st = ck_read(ck, key, &j, NULL, 0, &has_state);
    if (st == NB_ENOTFOUND)
        st = NB_OK;
    else if (st != NB_OK)
        goto done;
    if (j.pe == j.E) { /* that run finished: the next one */
        j.pe = 0;
        if (++j.pr == j.R) j.pr = 0, j.pm++;
    }
    if (sc->progress) {
        prog = nb_progress_start("search", (uint64_t)n);
        nb_progress_add(prog, j.pm >= j.M ? n : ((size_t)j.pm * j.R + j.pr) * j.E + (size_t)j.pe);
    }
    int start_m = j.pm, start_r = j.pr, start_e = j.pe;
    for (int m = start_m; m < j.M && st == NB_OK; m++) {
        for (int r = (m == start_m ? start_r : 0); r < j.R && st == NB_OK; r++) {
            c = sc->base;
            c.method = ids[m];
            if ((st = ws_run_create(&c, sc->train, sc->valid, r, &run)) != NB_OK) goto done;
            nblk = ws_run_state(run, blk, CK_MAX_BLOCKS);
            NB_ASSERT(nblk <= CK_MAX_BLOCKS);
            int e0 = 0;
            if (m == start_m && r == start_r && start_e > 0) {
                job probe = j;
                int hs;
                probe.rec = nb_xcalloc_array(n, sizeof *probe.rec);
                probe.wall = nb_xcalloc_array(n, sizeof *probe.wall);
                probe.cpu = nb_xcalloc_array(n, sizeof *probe.cpu);
                probe.rank = j.K ? nb_xcalloc_array(n * (size_t)j.K, sizeof *probe.rank) : NULL;
                st = ck_read(ck, key, &probe, blk, nblk, &hs);
                free(probe.rec);
                free(probe.wall);
                free(probe.cpu);
                free(probe.rank);
                if (st != NB_OK) goto done;
                e0 = start_e;
            }
            double wall0 = e0 ? j.wall[at(&j, m, r, e0 - 1)] : 0, cpu0 = e0 ? j.cpu[at(&j, m, r, e0 - 1)] : 0;
            double t0 = nb_now(), c0 = nb_cpu_now(); /* t0, c0 move past each rank scoring */
            for (int e = e0; e < j.E; e++) {
                ws_epoch ep;
                ws_run_epoch(run, e, &ep);
                j.rec[at(&j, m, r, e)] = ep;
                j.wall[at(&j, m, r, e)] = wall0 + nb_now() - t0;
                j.cpu[at(&j, m, r, e)] = cpu0 + nb_cpu_now() - c0;
                if (j.K) { /* outside the seconds: they time the search alone */
                    double t1 = nb_now(), c1 = nb_cpu_now();
                    for (int k = 0; k < j.K; k++) {
                        nn_super_set_path(run->s, tab_arch(sc->table, (size_t)rank_arch[k]));
                        j.rank[at(&j, m, r, e) * (size_t)j.K + (size_t)k] = ws_super_acc(run);
                    }
                    t0 += nb_now() - t1;
                    c0 += nb_cpu_now() - c1;
                }
                j.pm = m, j.pr = r, j.pe = e + 1;
                if (nblk > 0 || e == j.E - 1)
                    if ((st = ck_write(ck, key, &j, blk, nblk)) != NB_OK) goto done;
                nb_progress_add(prog, 1);
            }
            ws_run_destroy(run);
            run = NULL;
        }
    }
    nb_progress_finish(prog);
    prog = NULL;
    if ((st = write_results(sc, &j, ids, tv, tt, opt_v, opt_t, rank_arch, fid)) != NB_OK) goto done;
    unlink(ck);
done:
    nb_progress_finish(prog);
    ws_run_destroy(run);
    free(j.rec);
    free(j.wall);
    free(j.cpu);
    free(j.rank);
    free(rank_arch);
    free(ck);
    return st;
}
