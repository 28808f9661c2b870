/* tests/test_sss_cost.c - the sss presets' cost model (precompute/preset.c)
 * is a fit of sss networks' measured wall times, not NB201's coefficients:
 * refitting the committed journal of a 20-network sss-tiny build
 * (tests/fixtures/sss-cost) gives the presets' coefficients within their
 * rounding. The simulated clock of a search on an sss table built by
 * `nastab tables build` comes from these. Also Spearman's rho
 * (precompute/agree.c), which sss builds store as their seed agreement. */
#include <math.h>
#include <string.h>

#include "precompute/pc.h"
#include "tests/test.h"

static int within(double got, double want, double rel) { return fabs(got - want) <= rel * fabs(want); }

TEST(sss_cost_model_is_fit_on_sss_networks)
{
    pc_journal_data j;
    memset(&j, 0, sizeof j);
    CHECK_OK(pc_journal_read("tests/fixtures/sss-cost/sss-tiny-sample20.journal", NULL, &j));
    CHECK_EQ_INT((int)j.n, 20);
    const pc_preset *tiny = pc_preset_find(j.h.preset);
    CHECK(tiny != NULL);
    if (!tiny) {
        pc_journal_data_free(&j);
        return;
    }
    CHECK_STR(tiny->name, "sss-tiny");
    nn_config cfg = {tiny->C, tiny->N, (int)j.h.classes, (int)j.h.in_ch, (int)j.h.h, (int)j.h.w, tiny->batch, 0};
    pc_cost_fit fit;
    pc_cost_fit_journals(&j, 1, tiny->space, &cfg, &fit);
    CHECK(fit.ok);
    static const char *const names[] = {"sss-tiny", "sss-fmnist"};
    for (int k = 0; k < 2; k++) {
        const pc_preset *p = pc_preset_find(names[k]);
        CHECK(p && p->space == &space_sss);
        if (!p) continue;
        /* the presets round the fit to two digits */
        CHECK(within(p->cost_train_a, fit.train_a, 0.05));
        CHECK(within(p->cost_train_b, fit.train_b, 0.05));
        CHECK(within(p->cost_eval_a, fit.eval_a, 0.05));
        CHECK(within(p->cost_eval_b, fit.eval_b, 0.05));
    }
    pc_journal_data_free(&j);
}

TEST(sss_spearman_rho)
{
    const double x[] = {1, 2, 3, 4, 5}, y[] = {5, 6, 7, 8, 7}, z[] = {5, 4, 3, 2, 1};
    CHECK_NEAR(pc_spearman(x, x, 5), 1.0, 1e-12);
    CHECK_NEAR(pc_spearman(x, z, 5), -1.0, 1e-12);
    /* y's ranks 1 2 3.5 5 3.5: rho = Pearson of the ranks = 8 / sqrt(95) */
    CHECK_NEAR(pc_spearman(x, y, 5), 0.82078268166812329, 1e-12);
    CHECK(isnan(pc_spearman(x, y, 2)));
    const double c[] = {3, 3, 3};
    CHECK(isnan(pc_spearman(x, c, 3)));
}
