/* nn/latency_sample.c - the latency of a sample of architectures
 * (nn_latency_measure, nn/nn.h): one round per (architecture, batch size) in
 * each of two passes over the sample (forward, then backward), a third pass
 * for the undecided, each value decided by nn_lat_decide. The rounds of one
 * architecture are minutes apart, so a phase of contention on a shared
 * machine (another process taking a core for seconds) shows up as two rounds
 * that disagree, not as a stable, silently slow value.
 *
 * Test-only: the environment variable NASTAB_TEST_BUSY=K (an integer >= 0,
 * or "all") makes every round of the first K architectures of the sample
 * unstable, as on a machine too busy for timings to settle, so that the
 * tests reach the "flagged" paths of nastab latency and the probe on a
 * quiet machine (tests/cli/latency.sh). Unset or 0: no effect. A value
 * that is not a count is refused (NB_EINVAL), never silently ignored.
 * NASTAB_TEST_TIMER=fake replaces every timing (rounds and canary) by a
 * deterministic "time" from the network's size (fake_ms) without running
 * it, so that the tests' outcome does not depend on the load of the
 * machine running them; any other value is refused. */
#include <stdio.h>

#include "nn/nn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The canary: a fixed small network (C=8, N=1, every edge conv3x3, one
 * 3x32x32 image) timed right before and after every round. Its time only
 * changes when the machine does (another process on our core, a frequency
 * change), so a round whose canary is more than NN_LAT_CANARY_TOL above the
 * canary's median over the run so far is not trusted (treated as unstable).
 * The tolerance is wider than the rounds' 5%: the canary's own jitter must
 * not flag a quiet machine, and contention shows up as +50% or more. */
typedef struct {
    nn_net *net;
    float x[3 * 32 * 32]; // (1, 3, 32, 32)
    nn_lat_forward c;
} canary;

static nb_status canary_create(canary *cn, uint64_t seed)
{
    nn_config cc = {8, 1, 10, 3, 32, 32, 1, 0};
    /* the canary is an NB201 network (every edge nor_conv_3x3) whatever space is measured */
    const space_def *nb201 = space_find("nb201");
    space_arch a;
    nb_status st = nb201 ? nb201->parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
                                        "nor_conv_3x3~1|nor_conv_3x3~2|", &a)
                         : NB_ENOTFOUND;
    if (st != NB_OK) return st;
    st = nn_net_create(&cc, nb201, &a, &cn->net);
    if (st != NB_OK) return st;
    nn_net_init(cn->net, seed);
    nb_rng r;
    nb_rng_init(&r, seed, 2, NB_PURPOSE_TEST);
    for (size_t i = 0; i < sizeof cn->x / sizeof cn->x[0]; i++) cn->x[i] = (float)nb_rng_normal(&r);
    cn->c = (nn_lat_forward){cn->net, cn->x, 1, 1};
    cn->c.inner = nn_lat_calibrate_inner(&cn->c);
    return NB_OK;
}

/* NASTAB_TEST_TIMER=fake: ms from the parameter count and batch only. */
static double fake_ms(void *p)
{
    const nn_lat_forward *c = p;
    return 0.1 + 1e-5 * (double)nn_net_num_params(c->net) * c->batch;
}

static double canary_ms(canary *cn, double (*time_ms)(void *))
{
    double v[3];
    for (int i = 0; i < 3; i++) v[i] = time_ms(&cn->c);
    return nn_lat_median(v, 3);
}

/* The median of the positive canary times cy[0..m) (reordered), or INFINITY. */
static double canary_median(double *cy, size_t m, size_t *n_pos)
{
    size_t p = 0;
    for (size_t q = 0; q < m; q++)
        if (cy[q] > 0) cy[p++] = cy[q];
    *n_pos = p;
    return p ? nn_lat_median(cy, p) : INFINITY;
}

/* State of one measurement: rounds and canary times per (item, pass),
 * items are (batch b, sample position j) at b * k + j. */
typedef struct {
    const nn_latency_config *cfg;
    const space_arch *archs;
    size_t k, nitems;
    float *x;                 /* (max batch, in_ch, H, W) inputs */
    nn_lat_round_result *rr;  /* (nitems, 3) */
    double *cy;               /* (nitems, 3) slower canary around the round, 0 = none */
    unsigned char *done;      /* (nitems) */
    double *tv;               /* timing scratch (2 * max_reps) */
    canary cn;
    int use_canary;
    size_t busy_k;            /* NASTAB_TEST_BUSY: first busy_k items' rounds unstable */
    double (*time_ms)(void *); /* nn_lat_forward_ms, or fake_ms (NASTAB_TEST_TIMER) */
} sample_run;

/* NASTAB_TEST_BUSY (see the top of this file) into *k (0 when unset). */
static nb_status test_busy(size_t *k)
{
    const char *e = getenv("NASTAB_TEST_BUSY");
    long v = 0;
    *k = 0;
    if (!e || !e[0]) return NB_OK;
    if (!strcmp(e, "all")) {
        *k = (size_t)-1;
        return NB_OK;
    }
    if (nb_parse_long("NASTAB_TEST_BUSY", e, 0, 1000000000L, &v) != NB_OK) return NB_EINVAL;
    *k = (size_t)v;
    return NB_OK;
}

/* NASTAB_TEST_TIMER (see the top of this file) into *fn. */
static nb_status test_timer(double (**fn)(void *))
{
    const char *e = getenv("NASTAB_TEST_TIMER");
    *fn = nn_lat_forward_ms;
    if (!e || !e[0]) return NB_OK;
    if (strcmp(e, "fake") != 0)
        return nb_fail(NB_EINVAL, "NASTAB_TEST_TIMER: '%s' is not 'fake' (a test-only setting)", e);
    *fn = fake_ms;
    return NB_OK;
}

/* Pass `pass` over the sample: one round for every undecided item. */
static nb_status run_pass(sample_run *s, int pass, nb_progress *prog, nn_latency_result *out)
{
    const nn_latency_config *cfg = s->cfg;
    const size_t k = s->k;
    for (size_t jj = 0; jj < k; jj++) {
        size_t j = pass == 1 ? k - 1 - jj : jj;
        int need = 0;
        for (int b = 0; b < cfg->n_batches; b++) need |= !s->done[(size_t)b * k + j];
        if (!need) continue;
        nn_net *net = NULL;
        nb_status st = nn_net_create(&cfg->net, cfg->space, &s->archs[j], &net);
        if (st != NB_OK) return st;
        nn_net_init(net, cfg->seed);
        for (int b = 0; b < cfg->n_batches; b++) {
            size_t it = (size_t)b * k + j;
            if (s->done[it]) continue;
            nn_lat_forward c = {net, s->x, cfg->batches[b], 1};
            c.inner = s->time_ms == fake_ms ? 1 : nn_lat_calibrate_inner(&c);
            double c0 = s->use_canary ? canary_ms(&s->cn, s->time_ms) : 0;
            nn_lat_round(&cfg->rule, s->time_ms, &c, s->tv, s->tv + cfg->rule.max_reps,
                         &s->rr[it * 3 + pass]);
            if (j < s->busy_k) s->rr[it * 3 + pass].stable = 0;
            if (!s->use_canary) continue;
            double c1 = canary_ms(&s->cn, s->time_ms);
            s->cy[it * 3 + pass] = c0 > c1 ? c0 : c1;
            if (c0 < out->canary_best) out->canary_best = c0;
            if (c1 < out->canary_best) out->canary_best = c1;
        }
        nn_net_destroy(net);
        if (pass < 2) nb_progress_add(prog, 1);
    }
    return NB_OK;
}

/* After pass `pass` >= 1: distrust contended rounds, decide what can be. */
static void decide_pass(sample_run *s, int pass, nn_latency_result *out)
{
    const nn_latency_config *cfg = s->cfg;
    /* The canary's typical time so far: the median over all rounds timed
     * up to now (robust to the rare fast outlier that "best" would pick up
     * on a VM whose clock and neighbours jitter). */
    double *cs = nb_xcalloc_array(s->nitems * 3, sizeof *cs);
    memcpy(cs, s->cy, s->nitems * 3 * sizeof *cs);
    size_t m;
    double cref = canary_median(cs, s->nitems * 3, &m);
    free(cs);
    for (size_t it = 0; it < s->nitems; it++) {
        if (s->done[it]) continue;
        for (int q = 0; q <= pass; q++) /* contended rounds are not trusted */
            if (s->rr[it * 3 + q].stable && s->cy[it * 3 + q] > cref * (1 + NN_LAT_CANARY_TOL)) {
                s->rr[it * 3 + q].stable = 0;
                out->contended++;
            }
        nn_lat_result r;
        if (!nn_lat_decide(&cfg->rule, &s->rr[it * 3], pass + 1, &r)) continue;
        s->done[it] = 1;
        int b = (int)(it / s->k);
        size_t j = it % s->k;
        out->value[it] = (float)r.value;
        out->spread[it] = (float)r.spread;
        out->flagged[b] += r.flagged;
        if (r.flagged)
            nb_debug("index %zu batch %d: no two of 3 rounds stable, uncontended and within %.0f%% "
                     "(medians %.4g %.4g %.4g ms), stored as NaN", cfg->ids ? cfg->ids[j] : j,
                     cfg->batches[b], cfg->rule.agree * 100, s->rr[it * 3].median,
                     s->rr[it * 3 + 1].median, s->rr[it * 3 + 2].median);
    }
}

nb_status nn_latency_measure(const nn_latency_config *cfg, const space_arch *archs, size_t k,
                             nn_latency_result *out)
{
    NB_ASSERT(cfg->n_batches >= 1 && k >= 1);
    NB_ASSERT(cfg->rule.max_reps >= 1 && cfg->rule.max_reps <= NN_LAT_MAX_REPS);
    memset(out, 0, sizeof *out);
    sample_run s = {cfg, archs, k, (size_t)cfg->n_batches * k, NULL, NULL, NULL, NULL, NULL, {0},
                    cfg->canary, 0, NULL};
    /* before anything is allocated */
    if (test_busy(&s.busy_k) != NB_OK || test_timer(&s.time_ms) != NB_OK) return NB_EINVAL;
    size_t nin = (size_t)cfg->net.batch * (size_t)cfg->net.in_ch * (size_t)cfg->net.H * (size_t)cfg->net.W;
    s.x = nb_xcalloc_array(nin, sizeof *s.x);
    nb_rng xr;
    nb_rng_init(&xr, cfg->seed, 1, NB_PURPOSE_TEST);
    for (size_t i = 0; i < nin; i++) s.x[i] = (float)nb_rng_normal(&xr);
    out->value = nb_xcalloc_array(s.nitems, sizeof *out->value);
    out->spread = nb_xcalloc_array(s.nitems, sizeof *out->spread);
    out->flagged = nb_xcalloc_array((size_t)cfg->n_batches, sizeof *out->flagged);
    for (size_t i = 0; i < s.nitems; i++) out->value[i] = out->spread[i] = NAN;
    out->canary_best = HUGE_VAL;
    out->canary_median = NAN;
    s.rr = nb_xcalloc_array(s.nitems * 3, sizeof *s.rr);
    s.done = nb_xcalloc_array(s.nitems, 1);
    s.tv = nb_xcalloc_array(2 * (size_t)cfg->rule.max_reps, sizeof *s.tv);
    s.cy = nb_xcalloc_array(s.nitems * 3, sizeof *s.cy);
    nb_status st = s.use_canary ? canary_create(&s.cn, cfg->seed) : NB_OK;
    double t0 = nb_now();
    nb_progress *prog = st == NB_OK ? nb_progress_start("latency", 2 * k) : NULL;
    for (int pass = 0; pass < 3 && st == NB_OK; pass++) {
        st = run_pass(&s, pass, prog, out);
        if (st == NB_OK && pass >= 1) decide_pass(&s, pass, out);
    }
    nb_progress_finish(prog);
    nn_net_destroy(s.cn.net);
    size_t m;
    double cmed = canary_median(s.cy, s.nitems * 3, &m); /* sorts the first m */
    if (m) {
        out->canary_median = cmed;
        nb_debug("canary over %zu rounds: best %.4g, 10%% %.4g, median %.4g, 90%% %.4g ms", m, s.cy[0],
                 s.cy[m / 10], cmed, s.cy[m * 9 / 10]);
    }
    out->seconds = nb_now() - t0;
    free(s.x);
    free(s.rr);
    free(s.done);
    free(s.tv);
    free(s.cy);
    if (st != NB_OK) nn_latency_free(out);
    return st;
}

void nn_latency_free(nn_latency_result *r)
{
    free(r->value);
    free(r->spread);
    free(r->flagged);
    memset(r, 0, sizeof *r);
}

void nn_latency_host(char *buf, size_t n, int threads)
{
    nb_host host;
    nb_host_get(&host);
    snprintf(buf, n,
             "cpu=%s; cores=%d; threads=%d; blas=OpenBLAS %s (single-threaded); "
             "compiler=%s; flags=-O2 -g; nastab=%s (git %s); date=%s",
             host.cpu[0] ? host.cpu : "unknown", host.cores, threads, nn_blas_corename(),
             host.compiler, nb_version(), nb_git_sha(), host.date);
}
