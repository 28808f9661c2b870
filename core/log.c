/* core/log.c - logging, the progress bar, clock and CPU count. */
#define _POSIX_C_SOURCE 200809L
#include "nb.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int nb_log_level = 1;

void nb_log(const char *fmt, ...)
{
    if (nb_log_level < 1) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("nastab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void nb_debug(const char *fmt, ...)
{
    if (nb_log_level < 2) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("nastab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

double nb_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double nb_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int nb_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

struct nb_progress {
    pthread_mutex_t mu;
    char label[64];
    uint64_t total, done;
    double start, last_draw;
};

static void draw(nb_progress *p, int final)
{
    double now = nb_now();
    if (!final && now - p->last_draw < 0.1) return;
    p->last_draw = now;
    double frac = p->total ? (double)p->done / (double)p->total : 1.0;
    if (frac > 1) frac = 1;
    int width = 30, fill = (int)(frac * width);
    char bar[40];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    double el = now - p->start;
    double eta = frac > 0 ? el / frac - el : 0;
    fprintf(stderr, "\r%-24s [%s] %3d%% %llu/%llu  %.1fs elapsed, %.1fs left ", p->label, bar,
            (int)(frac * 100), (unsigned long long)p->done, (unsigned long long)p->total, el,
            final ? 0.0 : eta);
    if (final) fputc('\n', stderr);
    fflush(stderr);
}

nb_progress *nb_progress_start(const char *label, uint64_t total)
{
    if (nb_log_level < 1 || !isatty(STDERR_FILENO)) return NULL;
    nb_progress *p = nb_xcalloc_array(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total;
    p->start = nb_now();
    p->last_draw = 0;
    draw(p, 0);
    return p;
}

void nb_progress_add(nb_progress *p, uint64_t done)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->done += done;
    draw(p, 0);
    pthread_mutex_unlock(&p->mu);
}

void nb_progress_finish(nb_progress *p)
{
    if (!p) return;
    p->done = p->total;
    draw(p, 1);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
