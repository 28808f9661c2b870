/* bench/latency.h - the stopping rule of `nastab latency` (header-only, so
 * the unit tests check the same code the command runs).
 *
 * What it does: times a callback until its median is stable, and refuses to
 * report a median that is not: a round takes at least min_reps and at most
 * max_reps timings and ends as soon as the relative median absolute deviation
 * (MAD / median) is below max_rmad; a measurement is two independent rounds
 * whose medians must both be stable and agree within `agree` (relative);
 * when they do not, a third round is taken and must be stable and agree with
 * one of the first two; otherwise the result is flagged (value NaN), never a
 * silently noisy number.
 * What it does not do: warm caches beyond `warmup` untimed calls, pin
 * threads or control the CPU frequency.
 *
 *     lat_rule rule = lat_rule_default();
 *     lat_result r;
 *     lat_measure(&rule, time_one_forward_ms, ctx, &r);   // or lat_round + lat_decide
 *     if (r.flagged) n_flagged++;        // r.value is NaN then
 */
#ifndef NASTAB_LATENCY_H
#define NASTAB_LATENCY_H

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/nn.h"

typedef struct {
    int warmup;      /* untimed calls before each round, e.g. 2 */
    int min_reps;    /* timings per round at least, e.g. 5 */
    int max_reps;    /* and at most, e.g. 50 (<= LAT_MAX_REPS) */
    double max_rmad; /* a round is stable when MAD / median < this, e.g. 0.02 */
    double agree;    /* two rounds agree when |m1 - m2| / min(m1, m2) <= this, e.g. 0.05 */
} lat_rule;

#define LAT_MAX_REPS 1000

typedef struct {
    double value;  /* mean of the two agreeing rounds' medians, or NaN when flagged */
    double spread; /* max(their MADs, half their difference), same unit; NaN when flagged */
    int reps;      /* timed calls in total, all rounds (warm-up not counted) */
    int attempts;  /* rounds taken: 2, or 3 when the first two did not agree */
    int flagged;   /* 1: no stable, agreeing pair among 3 rounds */
} lat_result;

static inline lat_rule lat_rule_default(void)
{
    lat_rule r = {2, 5, 50, 0.02, 0.05};
    return r;
}

static inline int lat_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (n >= 1); sorts v in place. */
static inline double lat_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, lat_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Median and MAD (median of |v - median|, not scaled) of v[0..n); v is
 * left untouched; tmp has room for n doubles. */
static inline void lat_median_mad(const double *v, size_t n, double *tmp, double *median,
                                  double *mad)
{
    memcpy(tmp, v, n * sizeof *v);
    double m = lat_median(tmp, n);
    for (size_t i = 0; i < n; i++) tmp[i] = fabs(v[i] - m);
    *median = m;
    *mad = lat_median(tmp, n);
}

/* One round: `warmup` untimed calls, then timings into v (room for
 * rule->max_reps) until MAD/median < max_rmad after at least min_reps, or
 * max_reps timings; tmp has room for max_reps doubles. */
typedef struct {
    double median; /* of the round's timings */
    double mad;    /* their median absolute deviation */
    int n;         /* timings taken */
    int stable;    /* 1: stopped by the MAD criterion */
} lat_round_result;

static inline void lat_round(const lat_rule *rule, double (*time_ms)(void *), void *ctx, double *v,
                             double *tmp, lat_round_result *out)
{
    int n = 0, cap = rule->max_reps < 1 ? 1 : rule->max_reps;
    double med = 0, mad = 0;
    out->stable = 0;
    for (int i = 0; i < rule->warmup; i++) (void)time_ms(ctx);
    while (n < cap) {
        v[n++] = time_ms(ctx);
        if (n < rule->min_reps) continue;
        lat_median_mad(v, (size_t)n, tmp, &med, &mad);
        if (med > 0 && mad / med < rule->max_rmad) {
            out->stable = 1;
            break;
        }
    }
    if (!out->stable) lat_median_mad(v, (size_t)n, tmp, &med, &mad);
    out->median = med, out->mad = mad, out->n = n;
}

/* Decide from k rounds of one item (k = 2 or 3, independent: the command
 * runs them in separate passes over the sample, minutes apart, so a phase
 * of contention on the machine hits one round, not both). Returns 0 when a
 * third round is needed (k == 2 and the two are not both stable and in
 * agreement), else 1 with *out filled: the value is the mean of the two
 * medians of the closest agreeing pair of stable rounds, spread the largest
 * of their MADs and half their difference; no such pair: flagged, NaN. */
static inline int lat_decide(const lat_rule *rule, const lat_round_result *r, int k,
                             lat_result *out)
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

/* Measure one item with rounds back to back (the command interleaves items
 * instead): two rounds, a third when they do not agree, then lat_decide.
 * Never fails; out->flagged says whether out->value is usable. */
static inline void lat_measure(const lat_rule *rule, double (*time_ms)(void *), void *ctx,
                               lat_result *out)
{
    lat_rule r = *rule;
    r.max_reps = r.max_reps < 1 ? 1 : r.max_reps > LAT_MAX_REPS ? LAT_MAX_REPS : r.max_reps;
    memset(out, 0, sizeof *out);
    out->value = out->spread = NAN;
    out->flagged = 1;
    double *v = calloc(2 * (size_t)r.max_reps, sizeof *v);
    if (!v) return; /* no number without a measurement */
    lat_round_result rr[3];
    int k = 0;
    do lat_round(&r, time_ms, ctx, v, v + r.max_reps, &rr[k++]);
    while (k < 2 || !lat_decide(&r, rr, k, out));
    free(v);
}

/* ---- the callback both `nastab latency` and the probe time: one eval
 * forward pass of batch images (the mean of `inner` consecutive passes). A
 * timing shorter than LAT_MIN_TIMING_MS is dominated by timer and scheduler
 * jitter, so lat_calibrate_inner picks `inner` to make one timing last about
 * that long, from the mean of 5 passes after 3 untimed ones (the first
 * passes after creating a network are slower: cold caches, page faults). */
#define LAT_MIN_TIMING_MS 2.0
#define LAT_MAX_INNER 64

typedef struct {
    nn_net *net;
    const float *x;
    int batch, inner;
} lat_forward;

static inline double lat_forward_ms(void *p)
{
    lat_forward *c = p;
    struct timespec a, b;
    volatile float sink = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int r = 0; r < c->inner; r++) sink += nn_net_forward(c->net, c->x, c->batch, 0)[0];
    clock_gettime(CLOCK_MONOTONIC, &b);
    (void)sink;
    return ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) * 1e-6) /
           c->inner;
}

static inline int lat_calibrate_inner(lat_forward *c)
{
    c->inner = 3;
    (void)lat_forward_ms(c);
    c->inner = 5;
    double ms = lat_forward_ms(c);
    c->inner = 1;
    if (ms >= LAT_MIN_TIMING_MS) return 1;
    int r = ms > 0 ? (int)ceil(LAT_MIN_TIMING_MS / ms) : LAT_MAX_INNER;
    return r > LAT_MAX_INNER ? LAT_MAX_INNER : r;
}

#endif
