/* tests/test_controller.c - the LSTM controller (nn/controller.h): the
 * hand-written backpropagation through time against central finite
 * differences for every parameter group (NB201 with ENAS's logit shaping,
 * a space of unequal choice counts without it, the default size on a
 * sample), sampling frequencies against the softmax, the draws each sample
 * takes, the baseline's arithmetic, a toy REINFORCE task that must
 * converge, bit-identical runs for one seed, and refused configurations. */
#include <stdlib.h>

#include "nn/controller.h"
#include "spaces/space.h"
#include "test.h"

static const char *const group_name[NN_CTRL_GROUPS] = {"start", "emb", "W", "b", "Wo", "bo"};

/* A space the controller sees only through n_decisions and n_choices:
 * unequal counts, one decision with a single choice. */
static const uint8_t uneven_choices[5] = {2, 5, 3, 1, 4};
static const space_def uneven_space = {
    .name = "uneven", .n_decisions = 5, .n_choices = uneven_choices, .size = 120};

static nn_ctrl *make(const nn_ctrl_config *cfg, const space_def *sp, uint64_t seed)
{
    nb_rng init;
    nb_rng_init(&init, seed, 0, NB_PURPOSE_INIT);
    nn_ctrl *c = NULL;
    CHECK_OK(nn_ctrl_create(cfg, sp, &init, &c));
    return c;
}

/* Every parameter uniform in +-r (biases too), so that gates and the tanh
 * of the logits sit away from their linear regions. */
static void scramble(nn_ctrl *c, double r, uint64_t seed)
{
    nb_rng g;
    nb_rng_init(&g, seed, 1, NB_PURPOSE_TEST);
    double *p = nn_ctrl_params(c);
    for (size_t i = 0; i < nn_ctrl_n_params(c); i++) p[i] = r * (2 * nb_rng_uniform(&g) - 1);
}

/* Verdict of the finite-difference check of dL/dparams for arch at a fixed
 * advantage: per group, the largest |fd - g| / (atol + rtol max(|fd|, |g|))
 * over `per_group` entries (all of them when per_group <= 0 or the group is
 * smaller), central differences with step h in double precision. <= 1
 * passes. With h = 1e-5 and |L| ~ 10 the rounding error of a difference is
 * ~1e-16 * 10 / 1e-5 = 1e-10 and the truncation error ~h^2 |L'''| ~ 1e-10,
 * both far under atol = 1e-8. */
static double gradcheck(nn_ctrl *c, const space_arch *a, double adv, int per_group, nb_rng *pick,
                        double verdict[NN_CTRL_GROUPS])
{
    const double h = 1e-5, atol = 1e-8, rtol = 1e-5;
    size_t n = nn_ctrl_n_params(c);
    nn_ctrl_zero_grad(c);
    nn_ctrl_loss_grad(c, a, adv);
    double *g = nb_xcalloc_array(n, sizeof *g);
    memcpy(g, nn_ctrl_grads(c), n * sizeof *g);
    double *p = nn_ctrl_params(c), worst = 0;
    for (int gr = 0; gr < NN_CTRL_GROUPS; gr++) {
        size_t cnt, off = nn_ctrl_group(c, gr, &cnt);
        size_t m = per_group <= 0 || (size_t)per_group >= cnt ? cnt : (size_t)per_group;
        verdict[gr] = 0;
        for (size_t s = 0; s < m; s++) {
            size_t i = off + (m == cnt ? s : (size_t)nb_rng_below(pick, cnt));
            double keep = p[i];
            p[i] = keep + h;
            double lp = nn_ctrl_loss(c, a, adv);
            p[i] = keep - h;
            double lm = nn_ctrl_loss(c, a, adv);
            p[i] = keep;
            double fd = (lp - lm) / (2 * h);
            double e = fabs(fd - g[i]) / (atol + rtol * fmax(fabs(fd), fabs(g[i])));
            if (e > verdict[gr]) verdict[gr] = e;
        }
        if (verdict[gr] > worst) worst = verdict[gr];
    }
    free(g);
    return worst;
}

static void check_verdict(const char *what, const double v[NN_CTRL_GROUPS])
{
    for (int g = 0; g < NN_CTRL_GROUPS; g++)
        CHECK_MSG(v[g] <= 1.0, "%s: group %s: finite-difference verdict %.3g > 1", what,
                  group_name[g], v[g]);
}

/* A sampled sequence that repeats a choice and uses others: every
 * embedding row used gets gradient from more than one path. */
static space_arch some_arch(nn_ctrl *c, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 2, NB_PURPOSE_TEST);
    nn_ctrl_draw d;
    nn_ctrl_sample(c, &r, &d);
    return d.arch;
}

TEST(ctrl_gradcheck_nb201_every_parameter)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.hidden = 16;
    cfg.temperature = 1.5; /* ENAS's shaping on, in its nonlinear range */
    cfg.tanh_c = 2.5;
    cfg.entropy_weight = 0.3; /* large, so the entropy's gradient weighs */
    nn_ctrl *c = make(&cfg, &space_nb201, 7);
    if (!c) return;
    scramble(c, 0.6, 7);
    space_arch a = some_arch(c, 7);
    double v[NN_CTRL_GROUPS];
    gradcheck(c, &a, 1.7, 0, NULL, v);
    check_verdict("nb201, all entries", v);
    gradcheck(c, &a, -0.4, 0, NULL, v); /* negative advantage */
    check_verdict("nb201, negative advantage", v);
    nn_ctrl_destroy(c);
}

TEST(ctrl_gradcheck_uneven_space_plain_logits)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.hidden = 12;
    cfg.temperature = 0; /* l = z */
    cfg.tanh_c = 0;
    cfg.entropy_weight = 0.5;
    nn_ctrl *c = make(&cfg, &uneven_space, 11);
    if (!c) return;
    scramble(c, 0.5, 11);
    space_arch a = some_arch(c, 11);
    double v[NN_CTRL_GROUPS];
    gradcheck(c, &a, 0.9, 0, NULL, v);
    check_verdict("uneven space", v);
    gradcheck(c, &a, 0.0, 0, NULL, v); /* the entropy term alone */
    check_verdict("uneven space, advantage 0", v);
    nn_ctrl_destroy(c);
}

TEST(ctrl_gradcheck_default_size_sampled)
{
    nn_ctrl_config cfg = nn_ctrl_config_default(); /* H = 64, T = 5, tanh_c 2.5 */
    cfg.entropy_weight = 0.1;
    nn_ctrl *c = make(&cfg, &space_nb201, 3);
    if (!c) return;
    scramble(c, 0.3, 3);
    space_arch a = some_arch(c, 3);
    nb_rng pick;
    nb_rng_init(&pick, 3, 3, NB_PURPOSE_TEST);
    double v[NN_CTRL_GROUPS];
    gradcheck(c, &a, 2.0, 40, &pick, v);
    check_verdict("default size, 40 entries per group", v);
    nn_ctrl_destroy(c);
}

/* Fresh controller, head bias set so decision 0's softmax is far from
 * uniform; 20000 draws of decision 0 against p. Pearson's X^2 with 4
 * degrees of freedom: 18.47 is its 0.999 quantile (the seed is fixed, so
 * the test is deterministic; a wrong inverse CDF gives X^2 in the
 * thousands). */
TEST(ctrl_sample_frequencies_match_softmax)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.hidden = 8;
    cfg.temperature = 1;
    cfg.tanh_c = 0;
    nn_ctrl *c = make(&cfg, &space_nb201, 5);
    if (!c) return;
    static const double bias[5] = {1.0, -1.0, 0.5, 2.0, 0.0};
    size_t cnt, off = nn_ctrl_group(c, NN_CTRL_BO, &cnt);
    CHECK_EQ_INT(cnt, 5);
    memcpy(nn_ctrl_params(c) + off, bias, sizeof bias);
    space_arch none = {{0}};
    double p[5], psum = 0;
    nn_ctrl_probs(c, &none, 0, p);
    for (int k = 0; k < 5; k++) psum += p[k];
    CHECK_NEAR(psum, 1.0, 1e-12);
    CHECK(p[3] > 0.4 && p[1] < 0.05); /* the bias shows */
    enum { N = 20000 };
    long count[5] = {0};
    nb_rng r;
    nb_rng_init(&r, 5, 0, NB_PURPOSE_TEST);
    for (int s = 0; s < N; s++) {
        nn_ctrl_draw d;
        nn_ctrl_sample(c, &r, &d);
        count[d.arch.op[0]]++;
    }
    double x2 = 0;
    for (int k = 0; k < 5; k++) {
        double e = N * p[k];
        x2 += (count[k] - e) * (count[k] - e) / e;
    }
    CHECK_MSG(x2 < 18.47, "X^2 = %.2f over 4 dof (counts %ld %ld %ld %ld %ld)", x2, count[0],
              count[1], count[2], count[3], count[4]);
    nn_ctrl_destroy(c);
}

/* A draw's log_prob and entropy are the sums along its choices of the
 * conditional distributions nn_ctrl_probs reports; nn_ctrl_loss agrees;
 * a sample takes exactly one uniform per decision and u picks by inverse
 * CDF. */
TEST(ctrl_sample_draws_and_sums)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.hidden = 10;
    nn_ctrl *c = make(&cfg, &uneven_space, 9);
    if (!c) return;
    scramble(c, 1.0, 9);
    nb_rng r, mirror;
    nb_rng_init(&r, 9, 0, NB_PURPOSE_TEST);
    mirror = r;
    for (int s = 0; s < 20; s++) {
        nn_ctrl_draw d;
        nn_ctrl_sample(c, &r, &d);
        double lp = 0, ent = 0;
        for (int t = 0; t < uneven_space.n_decisions; t++) {
            double p[8], cum = 0;
            nn_ctrl_probs(c, &d.arch, t, p);
            double u = nb_rng_uniform(&mirror); /* the draw this decision took */
            int k = 0;
            while (k < uneven_choices[t] - 1 && u >= cum + p[k]) cum += p[k++];
            CHECK_EQ_INT(d.arch.op[t], k);
            lp += log(p[d.arch.op[t]]);
            for (int j = 0; j < uneven_choices[t]; j++) ent -= p[j] * log(p[j]);
        }
        CHECK_NEAR(d.log_prob, lp, 1e-12);
        CHECK_NEAR(d.entropy, ent, 1e-12);
        CHECK_NEAR(nn_ctrl_loss(c, &d.arch, 2.0), -2.0 * lp - cfg.entropy_weight * ent, 1e-12);
        for (int t = uneven_space.n_decisions; t < SPACE_ARCH_MAX; t++)
            CHECK_EQ_INT(d.arch.op[t], 0);
    }
    CHECK(memcmp(&r, &mirror, sizeof r) == 0); /* no extra draw */
    nn_ctrl_destroy(c);
}

TEST(ctrl_greedy_takes_the_argmax)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.hidden = 8;
    nn_ctrl *c = make(&cfg, &space_nb201, 4);
    if (!c) return;
    size_t off = nn_ctrl_group(c, NN_CTRL_BO, NULL);
    nn_ctrl_params(c)[off + 2] = 3.0; /* tanh(3/5) * 2.5 = 1.35 over the others' ~0 */
    nn_ctrl_draw d;
    nn_ctrl_greedy(c, &d);
    for (int t = 0; t < SPACE_NB201_EDGES; t++) CHECK_EQ_INT(d.arch.op[t], 2);
    CHECK_NEAR(d.log_prob, nn_ctrl_loss(c, &d.arch, -1.0) + cfg.entropy_weight * d.entropy,
               1e-12);
    nn_ctrl_destroy(c);
}

/* NB201's baseline: the first reward sets it, then b -= (1 - decay)(b - R),
 * taken before the advantage; step averages what was accumulated. */
TEST(ctrl_baseline_and_accumulation)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.hidden = 6;
    cfg.baseline_decay = 0.9;
    cfg.grad_clip = 0;
    nn_ctrl *c = make(&cfg, &space_nb201, 2);
    if (!c) return;
    space_arch a = space_from_code(1234), b = space_from_code(77);
    nn_ctrl_stats st;
    CHECK_EQ_INT(nn_ctrl_baseline(c), 0);
    nn_ctrl_accumulate(c, &a, 80.0, &st);
    CHECK(st.baseline == 80.0 && st.advantage == 0.0);
    nn_ctrl_accumulate(c, &b, 90.0, &st);
    CHECK_NEAR(st.baseline, 81.0, 1e-12);
    CHECK_NEAR(st.advantage, 9.0, 1e-12);
    CHECK_NEAR(nn_ctrl_baseline(c), 81.0, 1e-12);
    /* the accumulator is the sum of the two samples' gradients */
    size_t n = nn_ctrl_n_params(c);
    double *sum = nb_xcalloc_array(n, sizeof *sum);
    memcpy(sum, nn_ctrl_grads(c), n * sizeof *sum);
    nn_ctrl_zero_grad(c);
    nn_ctrl_loss_grad(c, &a, 0.0);
    nn_ctrl_loss_grad(c, &b, 9.0);
    CHECK(memcmp(sum, nn_ctrl_grads(c), n * sizeof *sum) == 0);
    nn_ctrl_zero_grad(c);
    nn_ctrl_step(c, &st);
    CHECK_EQ_INT(st.samples, 0); /* nothing accumulated: no step */
    /* one Adam step on the mean gradient: with beta1 = 0 the first step is
     * -lr * g / (|g| + eps) per coordinate */
    nn_ctrl_accumulate(c, &a, 70.0, NULL);
    nn_ctrl_accumulate(c, &b, 95.0, NULL);
    for (size_t i = 0; i < n; i++) sum[i] = nn_ctrl_grads(c)[i] / 2;
    double *before = nb_xcalloc_array(n, sizeof *before);
    memcpy(before, nn_ctrl_params(c), n * sizeof *before);
    nn_ctrl_step(c, &st);
    CHECK_EQ_INT(st.samples, 2);
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double want = before[i] - cfg.lr * sum[i] / (fabs(sum[i]) + cfg.eps);
        worst = fmax(worst, fabs(nn_ctrl_params(c)[i] - want));
    }
    CHECK_NEAR(worst, 0, 1e-15);
    for (size_t i = 0; i < n; i++) CHECK(nn_ctrl_grads(c)[i] == 0.0);
    free(before);
    free(sum);
    nn_ctrl_destroy(c);
}

/* Reward = the number of decisions equal to op 3 (nor_conv_3x3). With the
 * default controller and NB201's optimiser, 300 REINFORCE steps must make
 * the greedy decode all 3s and that cell likely: P = 5^-6 = 6.4e-5 at the
 * start; measured 0.56 .. 0.65 over seeds 1..8 after 300 steps (the greedy
 * decode was all 3s from step 5 .. 35 on). */
TEST(ctrl_reinforce_toy_converges)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    nn_ctrl *c = make(&cfg, &space_nb201, 1);
    if (!c) return;
    nb_rng r;
    nb_rng_init(&r, 1, 0, NB_PURPOSE_SEARCH);
    nn_ctrl_draw d;
    nn_ctrl_greedy(c, &d);
    double ent0 = d.entropy;
    int steps = 300, first_all3 = -1;
    for (int s = 0; s < steps; s++) {
        nn_ctrl_sample(c, &r, &d);
        int reward = 0;
        for (int t = 0; t < SPACE_NB201_EDGES; t++) reward += d.arch.op[t] == 3;
        nn_ctrl_update(c, &d.arch, reward, NULL);
        nn_ctrl_greedy(c, &d);
        int all3 = 1;
        for (int t = 0; t < SPACE_NB201_EDGES; t++) all3 &= d.arch.op[t] == 3;
        if (all3 && first_all3 < 0) first_all3 = s + 1;
        if (!all3) first_all3 = -1;
    }
    nn_ctrl_greedy(c, &d);
    char buf[SPACE_STR_MAX];
    space_format(&d.arch, buf, sizeof buf);
    CHECK_MSG(first_all3 > 0, "greedy decode after %d updates: %s", steps, buf);
    CHECK(d.entropy < ent0);
    CHECK_MSG(exp(d.log_prob) > 0.4, "P(all 3s) = %.3f after %d updates", exp(d.log_prob), steps);
    nn_ctrl_destroy(c);
}

/* Same seed, same streams: the same samples and parameters bit for bit
 * after updates; another seed differs. */
TEST(ctrl_deterministic_for_a_seed)
{
    nn_ctrl_config cfg = nn_ctrl_config_default();
    cfg.hidden = 24;
    nn_ctrl *c[3] = {make(&cfg, &space_nb201, 42), make(&cfg, &space_nb201, 42),
                     make(&cfg, &space_nb201, 43)};
    if (!c[0] || !c[1] || !c[2]) goto done;
    nb_rng r[3];
    for (int k = 0; k < 3; k++) nb_rng_init(&r[k], k == 2 ? 43 : 42, 0, NB_PURPOSE_SEARCH);
    int same_arch = 1;
    for (int s = 0; s < 60; s++) {
        nn_ctrl_draw d[3];
        for (int k = 0; k < 3; k++) {
            nn_ctrl_sample(c[k], &r[k], &d[k]);
            double reward = space_code(&d[k].arch) % 97 / 97.0;
            if (s % 4 == 3)
                nn_ctrl_update(c[k], &d[k].arch, reward, NULL);
            else
                nn_ctrl_accumulate(c[k], &d[k].arch, reward, NULL);
        }
        same_arch &= memcmp(&d[0], &d[1], sizeof d[0]) == 0;
    }
    size_t n = nn_ctrl_n_params(c[0]);
    CHECK(same_arch);
    CHECK(memcmp(nn_ctrl_params(c[0]), nn_ctrl_params(c[1]), n * sizeof(double)) == 0);
    CHECK(memcmp(nn_ctrl_params(c[0]), nn_ctrl_params(c[2]), n * sizeof(double)) != 0);
    CHECK(nn_ctrl_baseline(c[0]) == nn_ctrl_baseline(c[1]));
done:
    for (int k = 0; k < 3; k++) nn_ctrl_destroy(c[k]);
}

TEST(ctrl_refuses_bad_configurations)
{
    nb_rng init;
    nb_rng_init(&init, 1, 0, NB_PURPOSE_INIT);
    static const struct {
        const char *field;
        int which;
        double v;
    } bad[] = {{"hidden", 0, 0},          {"temperature", 1, -1},  {"tanh_c", 2, -0.5},
               {"lr", 3, 0},              {"beta1", 4, 1.0},       {"beta2", 5, -0.1},
               {"eps", 6, 0},             {"grad_clip", 7, -1},    {"entropy_weight", 8, NAN},
               {"baseline_decay", 9, 1.5}, {"init_range", 10, -1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nn_ctrl_config cfg = nn_ctrl_config_default();
        double *f[] = {NULL,      &cfg.temperature, &cfg.tanh_c,    &cfg.lr,
                       &cfg.beta1, &cfg.beta2,      &cfg.eps,       &cfg.grad_clip,
                       &cfg.entropy_weight, &cfg.baseline_decay, &cfg.init_range};
        if (bad[i].which == 0)
            cfg.hidden = (int)bad[i].v;
        else
            *f[bad[i].which] = bad[i].v;
        nn_ctrl *c = NULL;
        CHECK_STATUS(nn_ctrl_create(&cfg, &space_nb201, &init, &c), NB_EINVAL);
        CHECK_ERRMSG(bad[i].field);
        CHECK(c == NULL);
    }
    nn_ctrl_config cfg = nn_ctrl_config_default();
    nn_ctrl *c;
    space_def empty = {.name = "empty", .n_decisions = 0, .n_choices = uneven_choices};
    CHECK_STATUS(nn_ctrl_create(&cfg, &empty, &init, &c), NB_EINVAL);
    CHECK_ERRMSG("'empty' has 0 decisions");
    static const uint8_t zero[2] = {3, 0};
    space_def nochoice = {.name = "nochoice", .n_decisions = 2, .n_choices = zero};
    CHECK_STATUS(nn_ctrl_create(&cfg, &nochoice, &init, &c), NB_EINVAL);
    CHECK_ERRMSG("decision 1 has no choice");
}
