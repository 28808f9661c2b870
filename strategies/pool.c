/* strategies/pool.c - the runs of a comparison spread over threads
 * (strat_run, single- or multi-objective): each thread takes the next run index until
 * none are left or a run has failed; the failure reported is the one of the
 * lowest run index, so the message does not depend on thread timing. */
#include "strategies/strat_private.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    size_t runs;
    strat_one_run_fn one;
    void *ctx;
    atomic_size_t next;
    atomic_int stop;
    pthread_mutex_t mu;
    size_t err_run;
    nb_status err;
    char errmsg[512];
    nb_progress *progress;
} run_pool;

static void *pool_worker(void *arg)
{
    run_pool *p = arg;
    for (;;) {
        if (atomic_load(&p->stop)) break;
        size_t r = atomic_fetch_add(&p->next, 1);
        if (r >= p->runs) break;
        nb_status st = p->one(p->ctx, r);
        if (st != NB_OK) {
            pthread_mutex_lock(&p->mu);
            if (p->err == NB_OK || r < p->err_run) {
                p->err = st;
                p->err_run = r;
                snprintf(p->errmsg, sizeof p->errmsg, "%s", nb_errmsg());
            }
            pthread_mutex_unlock(&p->mu);
            atomic_store(&p->stop, 1);
        }
        nb_progress_add(p->progress, 1);
    }
    return NULL;
}

nb_status strat_run_pool(size_t runs, int threads, const char *label, strat_one_run_fn one, void *ctx)
{
    run_pool *p = nb_xcalloc_array(1, sizeof *p);
    p->runs = runs, p->one = one, p->ctx = ctx;
    atomic_init(&p->next, 0);
    atomic_init(&p->stop, 0);
    pthread_mutex_init(&p->mu, NULL);
    p->err = NB_OK;
    if (label) p->progress = nb_progress_start(label, runs);
    if (threads <= 0) threads = nb_cpu_count();
    if ((size_t)threads > runs) threads = (int)runs;
    if (threads <= 1) {
        pool_worker(p);
    } else {
        pthread_t *tid = nb_xcalloc_array((size_t)threads, sizeof *tid);
        int started = 0;
        for (; started < threads; started++)
            if (pthread_create(&tid[started], NULL, pool_worker, p) != 0) break;
        if (started == 0) pool_worker(p); /* no thread could start: do it here */
        for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
        free(tid);
    }
    nb_progress_finish(p->progress);
    pthread_mutex_destroy(&p->mu);
    nb_status st = p->err;
    if (st != NB_OK) nb_fail(st, "%s", p->errmsg);
    free(p);
    return st;
}
