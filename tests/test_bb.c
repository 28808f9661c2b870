/* tests/test_bb.c - the black-box strategies of issue 13 (rnn, ga,
 * ga-point, bananas, gp-bo) and their models: the GP posterior and marginal
 * likelihood against the closed form on two points, the BANANAS network
 * fitting a known function of the path encoding, crossover taking every
 * edge from a parent, the GA's generations, and bit-identical runs for any
 * thread and worker count. (The controller's gradient check is in
 * test_controller.c.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spaces/space.h"
#include "strategies/strat.h"
#include "strategies/surrogate.h"
#include "test.h"

/* Two 1-d points x = 0, 1 with targets 1, -1; kernel sf2 exp(-d^2 / 2l^2)
 * plus noise sf2 lambda. By hand: A = [[1+lam, k], [k, 1+lam]], k =
 * exp(-1/2l^2), mean(x*) = c*' A^-1 y, var(x*) = sf2 (1 - c*' A^-1 c*),
 * log p(y) = -y' A^-1 y / 2 sf2 - log det(sf2 A) / 2 - log 2 pi. */
TEST(bb_gp_two_point_closed_form)
{
    const double l = 0.8, sf2 = 2.0, lam = 0.1;
    const float x[2] = {0.0f, 1.0f};
    const double y[2] = {1.0, -1.0};
    strat_gp *g = strat_gp_create(1);
    double lml = 0;
    CHECK_OK(strat_gp_fit(g, x, y, 2, l, sf2, lam, 1, &lml));
    const double k = exp(-1.0 / (2 * l * l)), a = 1 + lam, det = a * a - k * k;
    /* A^-1 = [[a, -k], [-k, a]] / det */
    const double ai[2][2] = {{a / det, -k / det}, {-k / det, a / det}};
    const double quad = y[0] * (ai[0][0] * y[0] + ai[0][1] * y[1]) +
                        y[1] * (ai[1][0] * y[0] + ai[1][1] * y[1]);
    const double want_lml = -0.5 * quad / sf2 - 0.5 * log(sf2 * sf2 * det) - log(2 * M_PI);
    CHECK_NEAR(lml, want_lml, 1e-12);
    const float xs[3] = {0.5f, 2.0f, 0.0f};
    double mean[3], var[3];
    strat_gp_predict(g, xs, 3, mean, var);
    for (int i = 0; i < 3; i++) {
        const double c0 = exp(-(double)xs[i] * xs[i] / (2 * l * l));
        const double c1 = exp(-((double)xs[i] - 1) * ((double)xs[i] - 1) / (2 * l * l));
        const double w0 = ai[0][0] * c0 + ai[0][1] * c1, w1 = ai[1][0] * c0 + ai[1][1] * c1;
        CHECK_NEAR(mean[i], w0 * y[0] + w1 * y[1], 1e-12);
        CHECK_NEAR(var[i], sf2 * (1 - (w0 * c0 + w1 * c1)), 1e-12);
    }
    CHECK_NEAR(mean[0], 0.0, 1e-12); /* midway between +1 and -1 */
    double hl, hs, hn;
    strat_gp_hyper(g, &hl, &hs, &hn);
    CHECK(hl == l && hs == sf2 && hn == lam);
    /* identical points without noise: not positive definite, a message */
    const float xd[2] = {0.0f, 0.0f};
    CHECK_STATUS(strat_gp_fit(g, xd, y, 2, l, sf2, 0, 1, NULL), NB_ERANGE);
    CHECK_ERRMSG("positive definite");
    strat_gp_destroy(g);
}

/* The marginal-likelihood fit on NB201 cells: the posterior mean at the
 * training cells tracks a smooth function of the one-hot encoding better
 * than the constant mean, and the chosen noise is small for noiseless data. */
TEST(bb_gp_fit_ml_interpolates)
{
    nb_rng rng;
    nb_rng_init(&rng, 5, 0, NB_PURPOSE_TEST);
    enum { N = 60 };
    float x[N * SPACE_ONEHOT_DIM];
    double y[N], mean[N], var[N];
    for (int i = 0; i < N; i++) {
        space_arch a;
        space_random(&rng, &a);
        space_onehot(&a, x + i * SPACE_ONEHOT_DIM);
        int c[SPACE_NB201_OPS];
        space_op_counts(&a, c);
        y[i] = 70 + 3.0 * c[SPACE_OP_CONV3] - 2.0 * c[SPACE_OP_NONE] + 0.5 * c[SPACE_OP_SKIP];
    }
    strat_gp *g = strat_gp_create(SPACE_ONEHOT_DIM);
    CHECK_OK(strat_gp_fit_ml(g, x, y, N));
    strat_gp_predict(g, x, N, mean, var);
    double mu = 0, sse = 0, sst = 0;
    for (int i = 0; i < N; i++) mu += y[i] / N;
    for (int i = 0; i < N; i++) {
        sse += (mean[i] - y[i]) * (mean[i] - y[i]);
        sst += (y[i] - mu) * (y[i] - mu);
        CHECK(var[i] >= 0);
    }
    CHECK_MSG(sse < 0.05 * sst, "GP fit: residual %g of total %g", sse, sst);
    double l, sf2, lam;
    strat_gp_hyper(g, &l, &sf2, &lam);
    CHECK_MSG(lam <= 1e-2, "noise ratio %g for noiseless data", lam);
    strat_gp_destroy(g);
}

/* One BANANAS ensemble member learns a known function of the path
 * encoding: on held-out cells its mean absolute error is well below that of
 * predicting the mean; a second fit from the same stream gives the same bits. */
TEST(bb_mlp_fits_known_function)
{
    nb_rng rng;
    nb_rng_init(&rng, 9, 0, NB_PURPOSE_TEST);
    enum { NTR = 200, NTE = 100, D = SPACE_PATH_DIM };
    float *x = calloc((NTR + NTE) * D, sizeof *x), y[NTR + NTE];
    float wgt[D];
    for (int k = 0; k < D; k++) wgt[k] = (float)(3 * nb_rng_normal(&rng));
    for (int i = 0; i < NTR + NTE; i++) {
        space_arch a;
        space_random(&rng, &a);
        space_path_encoding(&a, x + i * D);
        double s = 60;
        for (int k = 0; k < D; k++) s += wgt[k] * x[i * D + k];
        y[i] = (float)s;
    }
    strat_mlp *m = strat_mlp_create(D);
    nb_rng fit;
    nb_rng_init(&fit, 1, 0, NB_PURPOSE_TEST);
    double train_mae = strat_mlp_fit(m, x, y, NTR, 0, &fit);
    double mu = 0, base = 0, err = 0;
    for (int i = 0; i < NTR; i++) mu += y[i] / NTR;
    float pred[NTE];
    for (int i = 0; i < NTE; i++) {
        pred[i] = strat_mlp_predict(m, x + (NTR + i) * D);
        err += fabs(pred[i] - y[NTR + i]) / NTE;
        base += fabs(mu - y[NTR + i]) / NTE;
    }
    CHECK_MSG(err < 0.35 * base, "held-out MAE %g vs %g for the mean (train MAE %g)", err, base,
              train_mae);
    nb_rng_init(&fit, 1, 0, NB_PURPOSE_TEST);
    strat_mlp_fit(m, x, y, NTR, 0, &fit);
    for (int i = 0; i < NTE; i++) CHECK(strat_mlp_predict(m, x + (NTR + i) * D) == pred[i]);
    strat_mlp_destroy(m);
    free(x);
}

/* Crossover through the space interface: every decision of a child is its
 * parent's at that decision; uniform mixes both parents, one-point keeps a
 * prefix of a and the rest of b, and the unused slots stay 0. */
TEST(bb_crossover_takes_parent_ops)
{
    const space_def *sp = &space_nb201;
    nb_rng rng;
    nb_rng_init(&rng, 3, 0, NB_PURPOSE_TEST);
    int from_a = 0, from_b = 0;
    for (int t = 0; t < 2000; t++) {
        space_arch a, b, u, p;
        sp->random(&rng, &a);
        sp->random(&rng, &b);
        sp->crossover_uniform(&a, &b, &rng, &u);
        sp->crossover_point(&a, &b, &rng, &p);
        CHECK(space_arch_valid(sp, &u) && space_arch_valid(sp, &p));
        int cut = -1;
        for (int d = 0; d < sp->n_decisions; d++) {
            CHECK_MSG(u.op[d] == a.op[d] || u.op[d] == b.op[d], "uniform: edge %d op %d from neither", d, u.op[d]);
            CHECK(p.op[d] == a.op[d] || p.op[d] == b.op[d]);
            if (a.op[d] != b.op[d]) {
                from_a += u.op[d] == a.op[d];
                from_b += u.op[d] == b.op[d];
                if (p.op[d] == b.op[d] && cut < 0) cut = d;
                if (cut >= 0) CHECK_MSG(p.op[d] == b.op[d], "one-point: a's op after the cut at edge %d", d);
            }
        }
    }
    CHECK_MSG(from_a > 4000 && from_b > 4000, "uniform crossover: %d edges from a, %d from b", from_a, from_b);
}

/* The new strategies through the loop: threads 1 and 2, workers 1 and 3,
 * give the same bits run for run; a different seed differs. */
TEST(bb_strategies_thread_independent)
{
    tab_table *t = test_table();
    if (!t) return;
    const char *names[] = {"rnn", "ga", "ga-point", "bananas", "gp-bo"};
    for (size_t s = 0; s < sizeof names / sizeof names[0]; s++)
        for (int w = 1; w <= 3; w += 2) {
            strat_run_config c = strat_run_config_default();
            c.table = t;
            c.dataset = "cifar100";
            c.strategy = names[s];
            c.runs = 2;
            c.grid = 11;
            c.budget = 6000; /* ~25 evaluations: two BANANAS batches, 15 GP fits */
            c.workers = w;
            c.threads = 1;
            res_series a, b;
            CHECK_OK(strat_run(&c, &a));
            c.threads = 2;
            CHECK_OK(strat_run(&c, &b));
            CHECK_MSG(!memcmp(a.final_test, b.final_test, c.runs * sizeof *a.final_test) &&
                          !memcmp(a.test, b.test, c.runs * c.grid * sizeof *a.test) &&
                          !memcmp(a.n_evals, b.n_evals, c.runs * sizeof *a.n_evals),
                      "%s workers %d: threads 1 and 2 differ", names[s], w);
            for (size_t r = 0; r < c.runs; r++)
                CHECK_MSG(a.n_evals[r] > 10 && a.final_arch[r] >= 0, "%s run %zu: %u evaluations",
                          names[s], r, (unsigned)a.n_evals[r]);
            res_series_free(&a);
            res_series_free(&b);
        }
}

/* The GA's first generation is P = 20 random cells; with 30 workers the
 * 21st ask waits for the generation (one worker at a time after that is
 * the loop's business): 20 cells in flight, no more. */
static int ga_max_inflight, ga_inflight;
static const strat_vtable *ga_inner;
static void *ga_w_create(const strat_env *env, nb_rng *rng)
{
    ga_max_inflight = ga_inflight = 0;
    return ga_inner->create(env, rng);
}
static int ga_w_ask(void *s, nb_rng *rng, strat_ask *out)
{
    int r = ga_inner->ask(s, rng, out);
    if (r == STRAT_ASK_OK && ++ga_inflight > ga_max_inflight) ga_max_inflight = ga_inflight;
    return r;
}
static void ga_w_tell(void *s, const strat_ask *a, const float *obj, nb_rng *rng)
{
    ga_inflight--;
    ga_inner->tell(s, a, obj, rng);
}
static void ga_w_destroy(void *s) { ga_inner->destroy(s); }
static const strat_vtable ga_wrap = {"ga-wrapped", "test", ga_w_create, ga_w_ask, ga_w_tell,
                                     ga_w_destroy, 0};

TEST(bb_ga_generation_bounds_parallelism)
{
    tab_table *t = test_table();
    if (!t) return;
    ga_inner = strat_find("ga");
    CHECK(ga_inner != NULL);
    if (!ga_inner) return;
    strat_run_config c = strat_run_config_default();
    c.table = t;
    c.dataset = "cifar10";
    c.vtable = &ga_wrap;
    c.runs = 1;
    c.threads = 1;
    c.workers = 30;
    res_series o;
    CHECK_OK(strat_run(&c, &o));
    CHECK_EQ_INT(ga_max_inflight, 20);
    CHECK(o.n_evals[0] > 40);
    res_series_free(&o);
}
