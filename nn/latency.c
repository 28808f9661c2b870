/* nn/latency.c - inference latency of the engine (nn/nn.h, "latency
 * measurement"): the stopping rule (rounds of timings stopped on a stable
 * median, two agreeing rounds per value, a third when they do not, else
 * flagged), the timed eval-mode forward pass, and the measurement of a
 * sample of architectures that `nastab latency` and bench/probe run. Needs
 * only core/, spaces/ and the network (no HDF5, no zlib), so the probe links
 * it on devices without them. */
#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

nn_lat_rule nn_lat_rule_default(void)
{
    nn_lat_rule r = {2, 5, 50, 0.02, 0.05};
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double nn_lat_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void nn_lat_median_mad(const double *v, size_t n, double *tmp, double *median, double *mad)
{
    memcpy(tmp, v, n * sizeof *v);
    double m = nn_lat_median(tmp, n);
    for (size_t i = 0; i < n; i++) tmp[i] = fabs(v[i] - m);
    *median = m;
    *mad = nn_lat_median(tmp, n);
}

void nn_lat_round(const nn_lat_rule *rule, double (*time_ms)(void *), void *ctx, double *v,
                  double *tmp, nn_lat_round_result *out)
{
    int n = 0, cap = rule->max_reps < 1 ? 1 : rule->max_reps;
    double med = 0, mad = 0;
    out->stable = 0;
    for (int i = 0; i < rule->warmup; i++) (void)time_ms(ctx);
    while (n < cap) {
        v[n++] = time_ms(ctx);
        if (n < rule->min_reps) continue;
        nn_lat_median_mad(v, (size_t)n, tmp, &med, &mad);
        if (med > 0 && mad / med < rule->max_rmad) {
            out->stable = 1;
            break;
        }
    }
    if (!out->stable) nn_lat_median_mad(v, (size_t)n, tmp, &med, &mad);
    out->median = med, out->mad = mad, out->n = n;
}

int nn_lat_decide(const nn_lat_rule *rule, const nn_lat_round_result *r, int k, nn_lat_result *out)
{
    int bi = -1, bj = -1;
    double best = HUGE_VAL;
    for (int i = 0; i < k; i++)
        for (int j = i + 1; j < k; j++) {
            if (!r[i].stable || !r[j].stable) continue;
            double lo = r[i].median < r[j].median ? r[i].median : r[j].median;
            if (!(lo > 0)) continue;
            double d = fabs(r[i].median - r[j].median) / lo;
            if (d <= rule->agree && d < best) best = d, bi = i, bj = j;
        }
    if (bi < 0 && k < 3) return 0;
    out->reps = 0;
    for (int i = 0; i < k; i++) out->reps += r[i].n;
    out->attempts = k;
    out->flagged = bi < 0;
    out->value = out->spread = NAN;
    if (bi >= 0) {
        out->value = 0.5 * (r[bi].median + r[bj].median);
        double half = 0.5 * fabs(r[bi].median - r[bj].median);
        out->spread = r[bi].mad > r[bj].mad ? r[bi].mad : r[bj].mad;
        if (half > out->spread) out->spread = half;
    }
    return 1;
}

void nn_lat_measure(const nn_lat_rule *rule, double (*time_ms)(void *), void *ctx, nn_lat_result *out)
{
    nn_lat_rule r = *rule;
    r.max_reps = r.max_reps < 1 ? 1 : r.max_reps > NN_LAT_MAX_REPS ? NN_LAT_MAX_REPS : r.max_reps;
    memset(out, 0, sizeof *out);
    out->value = out->spread = NAN;
    out->flagged = 1;
    double *v = calloc(2 * (size_t)r.max_reps, sizeof *v);
    if (!v) return; /* no number without a measurement */
    nn_lat_round_result rr[3];
    int k = 0;
    do nn_lat_round(&r, time_ms, ctx, v, v + r.max_reps, &rr[k++]);
    while (k < 2 || !nn_lat_decide(&r, rr, k, out));
    free(v);
}

double nn_lat_forward_ms(void *p)
{
    nn_lat_forward *c = p;
    struct timespec a, b;
    volatile float sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int r = 0; r < c->inner; r++) sink += nn_net_forward(c->net, c->x, c->batch, 0)[0];
    clock_gettime(CLOCK_MONOTONIC, &b);
    (void)sink;
    return ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) * 1e-6) /
           c->inner;
}

int nn_lat_calibrate_inner(nn_lat_forward *c)
{
    c->inner = 3;
    (void)nn_lat_forward_ms(c);
    c->inner = 5;
    double ms = nn_lat_forward_ms(c);
    c->inner = 1;
    if (ms >= NN_LAT_MIN_TIMING_MS) return 1;
    int r = ms > 0 ? (int)ceil(NN_LAT_MIN_TIMING_MS / ms) : NN_LAT_MAX_INNER;
    return r > NN_LAT_MAX_INNER ? NN_LAT_MAX_INNER : r;
}
