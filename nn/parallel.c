/* nn/parallel.c - the engine's threads. OpenBLAS's own threading changes the
 * bits of sgemm results with the thread count (measured: OpenBLAS 0.3.21,
 * Haswell kernel, 1 vs 2 threads differ in most elements), so OpenBLAS always
 * runs single-threaded and the engine splits work itself into tasks whose
 * boundaries do not depend on the thread count (nn/conv2d.c: fixed groups of
 * images); any reduction across tasks is summed afterwards in task order.
 * Threads are started per parallel region (a few per conv call; cheap next
 * to the GEMMs) so no pool outlives its use. */
#include "nn/nn_kernels.h"

#include <cblas.h>
#include <pthread.h>

#include "core/nb.h"

static int n_threads = 1;

void nn_kernels_set_threads(int n)
{
    n_threads = n < 1 ? 1 : n > 256 ? 256 : n;
    openblas_set_num_threads(1);
}

int nn_kernels_threads(void) { return n_threads; }

typedef struct {
    void (*fn)(void *ctx, int task);
    void *ctx;
    int n_tasks;
    int next; /* next task to take, atomically */
} par_job;

static void *worker(void *p)
{
    par_job *j = p;
    for (;;) {
        int t = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
        if (t >= j->n_tasks) break;
        j->fn(j->ctx, t);
    }
    return NULL;
}

void nn_parallel_for(int n_tasks, void (*fn)(void *ctx, int task), void *ctx)
{
    par_job j = {fn, ctx, n_tasks, 0};
    int extra = (n_threads < n_tasks ? n_threads : n_tasks) - 1;
    pthread_t th[256];
    int started = 0;
    for (int i = 0; i < extra; i++) {
        if (pthread_create(&th[started], NULL, worker, &j) != 0) break; /* fewer threads, same result */
        started++;
    }
    worker(&j);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
}
