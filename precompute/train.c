/* precompute/train.c - training a job's shard into its journal, and
 * retraining single cells (precompute/pc.h). Every class is trained with the
 * preset's protocol (pc_preset_protocol: NB201's recipe) once per seed. */
#include "precompute/pc.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    nn_data train, valid, test;
} pc_data;

static void data_free(pc_data *d)
{
    nn_data_free(&d->train);
    nn_data_free(&d->valid);
    nn_data_free(&d->test);
}

static nb_status data_load(const pc_job *job, pc_data *d)
{
    nn_protocol pr = pc_preset_protocol(job->preset, 0);
    return nn_protocol_data(&pr, job->dataset, job->data_dir, &d->train, &d->valid, &d->test);
}

/* Train class representative `code` (an index of the preset's space) for
 * every seed on data of shape d: vals [seed][epoch][PC_NV]. */
static nb_status train_class(const pc_preset *p, const pc_data *d, uint32_t code, float *vals)
{
    space_arch a = p->space->arch(code);
    nn_config cfg = {p->C, p->N, d->train.classes, d->train.c, d->train.h, d->train.w, p->batch, 0};
    nn_net *net = NULL;
    nb_status st = nn_net_create(&cfg, p->space, &a, &net);
    if (st != NB_OK) return st;
    for (int s = 0; s < p->n_seeds; s++) {
        nn_protocol pr = pc_preset_protocol(p, (uint64_t)p->seeds[s]);
        nn_net_init(net, (uint64_t)p->seeds[s]);
        nn_sgd *opt = nn_sgd_create(net, &pr.sgd);
        for (int e = 0; e < p->epochs; e++) {
            nn_epoch_stats st_tr, st_va, st_te;
            nn_train_epoch(net, opt, &d->train, &pr.train, e, &st_tr, NULL);
            nn_evaluate(net, &d->valid, &st_va);
            nn_evaluate(net, &d->test, &st_te);
            float *v = vals + ((size_t)s * (size_t)p->epochs + (size_t)e) * PC_NV;
            v[PC_TRAIN_ACC] = (float)st_tr.acc;
            v[PC_TRAIN_LOSS] = (float)st_tr.loss;
            v[PC_VALID_ACC] = (float)st_va.acc;
            v[PC_VALID_LOSS] = (float)st_va.loss;
            v[PC_TEST_ACC] = (float)st_te.acc;
            v[PC_TEST_LOSS] = (float)st_te.loss;
            v[PC_TRAIN_SEC] = (float)st_tr.seconds;
            v[PC_EVAL_SEC] = (float)(st_va.seconds + st_te.seconds);
        }
        nn_sgd_destroy(opt);
    }
    nn_net_destroy(net);
    return NB_OK;
}

/* 1 when the journal `path` (same job; absent = no) holds class code `code`. */
static int partner_has(const char *path, const pc_journal_header *want, uint32_t code)
{
    pc_journal_data j;
    int found = 0;
    if (pc_journal_read(path, want, &j) == NB_OK)
        for (size_t i = 0; i < j.n && !found; i++) found = j.codes[i] == code;
    pc_journal_data_free(&j);
    return found;
}

/* Records of a resumed journal must be distinct classes of this shard;
 * marks them in done (cl->n). */
static nb_status check_resumed(const char *path, const pc_journal_data *j, const pc_job *job,
                               const pc_classes *cl, uint8_t *done)
{
    for (size_t i = 0; i < j->n; i++) {
        int32_t c = j->codes[i] < cl->space->size ? cl->class_of[j->codes[i]] : -1;
        if (c < 0 || cl->rep[c] != j->codes[i] || (int)((size_t)c % (size_t)job->shard_n) != job->shard_k ||
            done[c])
            return nb_fail(NB_EFORMAT, "%s: record %zu names cell code %u, not a class of this shard "
                           "(or twice); hint: remove the journal", path, i + 1, j->codes[i]);
        done[c] = 1;
    }
    return NB_OK;
}

/* The header of the job's journal, with the shape of the data loaded. */
static void job_header(const pc_job *job, const pc_classes *cl, const pc_data *d, pc_journal_header *h)
{
    pc_journal_header_init(h, job, cl);
    h->n_train = (uint32_t)d->train.n;
    h->n_valid = (uint32_t)d->valid.n;
    h->n_test = (uint32_t)d->test.n;
    h->in_ch = (uint32_t)d->train.c;
    h->h = (uint32_t)d->train.h;
    h->w = (uint32_t)d->train.w;
    h->classes = (uint32_t)d->train.classes;
    pc_journal_header_seal(h);
}

static void report(pc_progress_fn progress, void *ctx, pc_event *ev)
{
    if (progress) progress(ctx, ev);
}

nb_status pc_train_shard(const pc_job *job, const pc_classes *cl, const char *path,
                         pc_progress_fn progress, void *ctx)
{
    const pc_preset *p = job->preset;
    NB_ASSERT(p && job->shard_n >= 1 && job->shard_k >= 0 && job->shard_k < job->shard_n);
    NB_ASSERT(p->n_seeds >= 1 && p->n_seeds <= PC_MAX_SEEDS && p->epochs >= 1 && p->epochs <= PC_MAX_EPOCHS);
    pc_data d;
    nb_status st = data_load(job, &d);
    if (st != NB_OK) return st;
    pc_journal_header want;
    job_header(job, cl, &d, &want);
    pc_journal *jr = NULL;
    pc_journal_data j;
    uint8_t *done = NULL;
    float *vals = NULL;
    if ((st = pc_journal_open(path, &want, &jr, &j)) != NB_OK) goto fail;
    pc_event ev = {PC_EV_DROPPED, job, path, NULL, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if (j.dropped) {
        ev.dropped = j.dropped;
        report(progress, ctx, &ev);
        ev.dropped = 0;
    }
    done = nb_xcalloc_array(cl->n, 1);
    if ((st = check_resumed(path, &j, job, cl, done)) != NB_OK) goto fail;
    size_t todo = pc_shard_size(cl, job->shard_k, job->shard_n), have = j.n;
    ev.kind = PC_EV_START;
    ev.h = &want;
    ev.todo = todo;
    ev.have = have;
    report(progress, ctx, &ev);
    ev.h = NULL;
    nn_set_threads(job->threads);
    vals = nb_xcalloc_array(pc_journal_record_floats(&want), sizeof *vals);
    double t0 = nb_now();
    size_t trained = 0;
    for (size_t i = 0; i < cl->n; i++) {
        size_t c = job->reverse ? cl->n - 1 - i : i;
        if ((int)(c % (size_t)job->shard_n) != job->shard_k || done[c]) continue;
        if (job->partner && partner_has(job->partner, &want, cl->rep[c])) {
            ev.kind = PC_EV_MET;
            ev.cls = c;
            ev.have = have;
            report(progress, ctx, &ev);
            break;
        }
        double t1 = nb_now();
        if ((st = train_class(p, &d, cl->rep[c], vals)) != NB_OK ||
            (st = pc_journal_append(jr, cl->rep[c], vals)) != NB_OK)
            goto fail;
        trained++;
        have++;
        double now = nb_now();
        const float *last = vals + ((size_t)want.n_seeds * want.n_epochs - 1) * PC_NV;
        ev.kind = PC_EV_CLASS;
        ev.cls = c;
        ev.code = cl->rep[c];
        ev.have = have;
        ev.valid = last[PC_VALID_ACC];
        ev.test = last[PC_TEST_ACC];
        ev.sec = now - t1;
        ev.eta = (now - t0) / (double)trained * (double)(todo - have);
        report(progress, ctx, &ev);
    }
    ev = (pc_event){PC_EV_DONE, job, path, NULL, 0, todo, have, trained, 0, 0, 0, 0, nb_now() - t0, 0};
    report(progress, ctx, &ev);
    st = NB_OK;
fail:
    pc_journal_close(jr);
    free(vals);
    free(done);
    pc_journal_data_free(&j);
    data_free(&d);
    return st;
}

nb_status pc_train_cells(const pc_job *job, const uint32_t *codes, size_t n, float *vals)
{
    pc_data d;
    nb_status st = data_load(job, &d);
    if (st != NB_OK) return st;
    nn_set_threads(job->threads);
    size_t nf = (size_t)job->preset->n_seeds * (size_t)job->preset->epochs * PC_NV;
    for (size_t i = 0; i < n && st == NB_OK; i++) st = train_class(job->preset, &d, codes[i], vals + i * nf);
    data_free(&d);
    return st;
}
