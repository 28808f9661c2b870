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

TEST(sss_seed_agreement_is_spearman_of_the_two_seeds)
{
    /* 5 records, 2 seeds, 1 epoch: seed 0 valid 1..5, seed 1 valid 5 6 7 8 7 */
    const float s0[] = {1, 2, 3, 4, 5}, s1[] = {5, 6, 7, 8, 7};
    float rec[5][2 * PC_NV];
    const float *recs[6];
    for (size_t r = 0; r < 5; r++) {
        for (size_t k = 0; k < 2 * PC_NV; k++) rec[r][k] = 0;
        rec[r][0 * PC_NV + PC_VALID_ACC] = s0[r];
        rec[r][1 * PC_NV + PC_VALID_ACC] = s1[r];
        recs[r] = rec[r];
    }
    recs[5] = NULL; /* a class not trained: skipped */
    size_t used = 0;
    /* seed 1's ranks 1 2 3.5 5 3.5: rho = Pearson of the ranks = 8 / sqrt(95) */
    CHECK_NEAR(pc_seed_agreement(recs, 6, 2, 1, PC_VALID_ACC, &used), 0.82078268166812329, 1e-12);
    CHECK(used == 5);
    CHECK(isnan(pc_seed_agreement(recs, 2, 2, 1, PC_VALID_ACC, &used))); /* 2 records */
    CHECK(isnan(pc_seed_agreement(recs, 5, 1, 1, PC_VALID_ACC, &used))); /* 1 seed */
    for (size_t r = 0; r < 5; r++) rec[r][1 * PC_NV + PC_VALID_ACC] = 3;
    CHECK(isnan(pc_seed_agreement(recs, 5, 2, 1, PC_VALID_ACC, &used))); /* constant seed */
}
