/* precompute/zc.c - zero-cost proxy columns of a table (precompute/pc_zc.h):
 * network shape from the table's preset, one representative per canonical
 * class, cells on threads, resume per proxy, columns written atomically. */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/nn.h"
#include "precompute/pc.h"
#include "precompute/pc_zc.h"
#include "tables/tab.h"
#include "tables/tab_zc.h"

pc_zc_config pc_zc_config_default(void)
{
    pc_zc_config c = {0};
    c.batch = 64;
    c.threads = 1;
    return c;
}

/* Network shape of a dataset's column: the preset of a built table, NB201's
 * C=16 N=5 at the dataset's image size otherwise. */
static nb_status table_shape(tab_table *t, const char *dataset, nn_config *cfg, int *downsample)
{
    nn_config c = nn_config_default();
    *downsample = 1;
    const char *pcfg = tab_attr(t, "precompute_config");
    if (pcfg && !strncmp(pcfg, "preset=", 7)) {
        char name[64];
        size_t k = strcspn(pcfg + 7, " ");
        snprintf(name, sizeof name, "%.*s", (int)(k < 63 ? k : 63), pcfg + 7);
        const pc_preset *p = pc_preset_find(name);
        if (!p)
            return nb_fail(NB_ENOTFOUND, "precompute_config names preset '%s', which this nastab "
                           "does not have; hint: nastab tables presets", name);
        c.C = p->C, c.N = p->N;
        *downsample = p->downsample;
    }
    nb_status st = nn_dataset_shape(dataset, &c);
    if (st != NB_OK) return st;
    if (c.H % *downsample) return nb_fail(NB_EINVAL, "downsample %d does not divide %d", *downsample, c.H);
    c.H /= *downsample, c.W /= *downsample;
    *cfg = c;
    return NB_OK;
}

nb_status pc_zc_shape(const char *path, const char *dataset, char *shape, size_t n)
{
    tab_table *t;
    nb_status st = tab_open(path, &t);
    if (st != NB_OK) return st;
    nn_config cfg;
    int down;
    if (tab_dataset_id(t, dataset) < 0) {
        char known[512] = "";
        for (int i = 0; i < tab_n_datasets(t); i++) {
            strncat(known, " ", sizeof known - strlen(known) - 1);
            strncat(known, tab_dataset_name(t, i), sizeof known - strlen(known) - 1);
        }
        st = nb_fail(NB_ENOTFOUND, "%s has no dataset '%s'; it has:%s", path, dataset, known);
    } else if ((st = table_shape(t, dataset, &cfg, &down)) == NB_OK) {
        snprintf(shape, n, "C=%d N=%d %dx%dx%d %d classes", cfg.C, cfg.N, cfg.in_ch, cfg.H, cfg.W,
                 cfg.classes);
    }
    tab_close(t);
    return st;
}

typedef struct {
    nn_zc_config zc;
    const space_def *space;
    const space_arch *archs; /* (n) class representatives */
    size_t n, done;
    const nn_zc_id *ids;
    int n_ids, n_threads;
    double *out; /* (n, n_ids) */
    nb_status *st; /* (n) */
    pc_zc_progress_fn progress;
    void *ctx;
    pthread_mutex_t lock;
    double cpu; /* the workers' CPU seconds, summed */
} job;

typedef struct {
    job *j;
    int t;
} worker_arg;

static void *work(void *p)
{
    worker_arg *w = p;
    job *j = w->j;
    struct timespec t0, t1;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
    for (size_t i = (size_t)w->t; i < j->n; i += (size_t)j->n_threads) {
        j->st[i] = nn_zc_compute(&j->zc, j->space, &j->archs[i], j->ids, j->n_ids, j->out + i * j->n_ids);
        pthread_mutex_lock(&j->lock);
        j->done++;
        if (j->progress) j->progress(j->ctx, j->done, j->n);
        pthread_mutex_unlock(&j->lock);
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
    pthread_mutex_lock(&j->lock);
    j->cpu += (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    pthread_mutex_unlock(&j->lock);
    return NULL;
}

/* The batch: the dataset's training images, else N(0,1). x (batch, in_ch,
 * H, W) and y (batch) nb_xmalloc'd into *x, *y. */
static nb_status draw_batch(const pc_zc_config *c, const nn_config *cfg, int down, float **x,
                            int32_t **y, int *have_data)
{
    const char *ds = c->dataset;
    nn_data d = {0};
    *have_data = 0;
    const char *ddir = c->data_dir ? c->data_dir : !strcmp(ds, "fashion-mnist") ? PC_ZC_FMNIST_DIR : NULL;
    const char *dname = !strcmp(ds, "fashion-mnist") ? "fashion-mnist"
                        : !strncmp(ds, "cifar100", 8) ? "cifar100" : "cifar10";
    if (ddir && strncmp(ds, "ImageNet", 8)) {
        nb_status st = nn_data_load(dname, ddir, 0, &d);
        if (st == NB_OK && down != 1) st = nn_data_downsample(&d, down);
        if (st == NB_OK) *have_data = 1;
        else if (c->data_dir) {
            nn_data_free(&d);
            return st;
        }
    }
    size_t nx = (size_t)c->batch * cfg->in_ch * cfg->H * cfg->W;
    *x = nb_xmalloc(nx * sizeof(float));
    *y = nb_xmalloc((size_t)c->batch * sizeof(int32_t));
    nn_zc_batch(*have_data ? &d : NULL, c->batch, cfg->in_ch, cfg->H, cfg->W, cfg->classes, c->seed, *x, *y);
    nn_data_free(&d);
    return NB_OK;
}

/* One representative per canonical class, in order of first appearance:
 * rep_idx[k] is the first architecture of class k, cls_of[i] the class of
 * architecture i; both (N) nb_xmalloc'd. Returns the number of classes. */
static size_t class_reps(tab_table *t, size_t **cls_of, size_t **rep_idx)
{
    const space_def *sp = tab_space(t);
    size_t N = tab_n_archs(t), n_cls = 0;
    *cls_of = nb_xmalloc(N * sizeof(size_t));
    *rep_idx = nb_xmalloc(N * sizeof(size_t));
    uint32_t *canon = nb_xmalloc(N * sizeof(uint32_t)), cmax = 0;
    for (size_t i = 0; i < N; i++) canon[i] = space_canon(sp, sp->index(tab_arch(t, i)));
    for (size_t i = 0; i < N; i++) cmax = canon[i] > cmax ? canon[i] : cmax;
    size_t *first = nb_xmalloc(((size_t)cmax + 1) * sizeof(size_t));
    for (size_t c = 0; c <= cmax; c++) first[c] = SIZE_MAX;
    for (size_t i = 0; i < N; i++) {
        if (first[canon[i]] == SIZE_MAX) {
            first[canon[i]] = n_cls;
            (*rep_idx)[n_cls++] = i;
        }
        (*cls_of)[i] = first[canon[i]];
    }
    free(first);
    free(canon);
    return n_cls;
}

static nb_status no_dataset(tab_table *t, const pc_zc_config *c)
{
    char known[512] = "";
    for (int i = 0; i < tab_n_datasets(t); i++) {
        strncat(known, " ", sizeof known - strlen(known) - 1);
        strncat(known, tab_dataset_name(t, i), sizeof known - strlen(known) - 1);
    }
    return nb_fail(NB_ENOTFOUND, "%s has no dataset '%s'; it has:%s", c->path, c->dataset, known);
}

nb_status pc_zc_run(const pc_zc_config *c, pc_zc_progress_fn progress, void *ctx, pc_zc_result *r)
{
    memset(r, 0, sizeof *r);
    if (!c->path || !c->dataset) return nb_fail(NB_EINVAL, "pc_zc_run: path and dataset are required");
    if (c->batch < 2 || c->threads < 1 || c->threads > 256 ||
        (c->ids && (c->n_ids < 1 || c->n_ids > NN_ZC_COUNT)))
        return nb_fail(NB_EINVAL, "pc_zc_run: batch %d (>= 2), threads %d (1..256) or %d proxies out of range",
                       c->batch, c->threads, c->n_ids);
    nn_zc_id ids[NN_ZC_COUNT];
    int n_ids = c->ids ? c->n_ids : NN_ZC_COUNT;
    for (int i = 0; i < n_ids; i++) ids[i] = c->ids ? c->ids[i] : (nn_zc_id)i;
    tab_table *t;
    nb_status st = tab_open(c->path, &t);
    if (st != NB_OK) return st;
    float *x = NULL;
    int32_t *y = NULL;
    size_t *cls_of = NULL, *rep_idx = NULL;
    space_arch *archs = NULL;
    double *out = NULL, *col = NULL;
    nb_status *cst = NULL;
    if (tab_dataset_id(t, c->dataset) < 0) {
        st = no_dataset(t, c);
        goto done;
    }
    nn_config cfg;
    int down;
    if ((st = table_shape(t, c->dataset, &cfg, &down)) != NB_OK) goto done;
    cfg.batch = c->batch;
    if ((st = draw_batch(c, &cfg, down, &x, &y, &r->have_data)) != NB_OK) goto done;
    const space_def *sp = tab_space(t);
    const size_t N = tab_n_archs(t);
    r->n_cells = N;
    r->n_classes = class_reps(t, &cls_of, &rep_idx);
    nn_zc_id todo[NN_ZC_COUNT];
    for (int i = 0; i < n_ids; i++) {
        int ex = tab_zc_exists(c->path, c->dataset, nn_zc_name(ids[i]));
        if (ex < 0) {
            st = NB_EIO;
            goto done;
        }
        if (!ex || c->replace) todo[r->n_todo++] = ids[i];
    }
    if (r->n_todo == 0) goto done;
    size_t n_run = c->limit && c->limit < r->n_classes ? c->limit : r->n_classes;
    archs = nb_xmalloc(n_run * sizeof *archs);
    for (size_t i = 0; i < n_run; i++) archs[i] = *tab_arch(t, rep_idx[i]);
    out = nb_xmalloc(n_run * r->n_todo * sizeof(double));
    cst = nb_xcalloc_array(n_run, sizeof(nb_status));
    nn_set_threads(1);
    job j = {{cfg, c->batch, c->seed, x, y}, sp, archs, n_run, 0, todo, r->n_todo, c->threads, out, cst,
             progress, ctx, PTHREAD_MUTEX_INITIALIZER, 0.0};
    if (progress) progress(ctx, 0, n_run);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t th[256];
    worker_arg wa[256];
    for (int k = 0; k < c->threads; k++) {
        wa[k] = (worker_arg){&j, k};
        pthread_create(&th[k], NULL, work, &wa[k]);
    }
    for (int k = 0; k < c->threads; k++) pthread_join(th[k], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->n_run = n_run;
    r->seconds = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
    r->seconds_per_cell = j.cpu / (double)n_run;
    snprintf(r->shape, sizeof r->shape, "C=%d N=%d %dx%dx%d %d classes", cfg.C, cfg.N, cfg.in_ch, cfg.H,
             cfg.W, cfg.classes);
    for (size_t i = 0; i < n_run; i++)
        if (cst[i] != NB_OK) {
            char a[SPACE_STR_MAX];
            space_format(&archs[i], a, sizeof a);
            st = nb_fail(cst[i], "%s: proxies of class %zu (%s) failed: %s", c->path, i, a,
                         nb_status_name(cst[i]));
            goto done;
        }
    col = nb_xmalloc(N * sizeof(double));
    const char *input = r->have_data ? "training images" : "N(0,1)";
    for (int p = 0; p < r->n_todo; p++) {
        for (size_t i = 0; i < N; i++) col[i] = cls_of[i] < n_run ? out[cls_of[i] * r->n_todo + p] : NAN;
        tab_zc_attrs a = {nn_zc_uses_data(todo[p]) ? input : "none", c->batch, c->seed, r->shape,
                          r->seconds_per_cell, NULL};
        if ((st = tab_zc_write(c->path, c->dataset, nn_zc_name(todo[p]), col, &a)) != NB_OK) goto done;
        r->written[r->n_written++] = todo[p];
    }
done:
    free(col), free(archs), free(out), free(cst);
    free(cls_of), free(rep_idx), free(x), free(y);
    tab_close(t);
    return st;
}
