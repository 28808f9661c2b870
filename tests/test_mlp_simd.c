/* tests/test_mlp_simd.c - the BANANAS network's vector kernels
 * (strategies/mlp.c: the mm20 row tiles at SSE2 and AVX width, Adam at
 * vector width, the skipped bias-correction divisions) against its plain
 * reference loops: the same training data and stream at every SIMD level
 * must give the same bits in the training error and in every prediction. */
#include <stdlib.h>
#include <string.h>

#include "spaces/space.h"
#include "strategies/surrogate.h"
#include "test.h"

TEST(bb_mlp_same_bits_on_every_simd_level)
{
    /* 75 rows: minibatches of 32, 32 and 11 (row tiles of 4 and 2 and a
     * remainder of 3 and 1), 600 Adam steps (the beta1 correction rounds to
     * 1 from step 165 on). Targets: a nonlinear function of the path
     * encoding plus noise, so ReLUs switch and some gradients are zero. */
    enum { NTR = 75, NTE = 60, D = SPACE_PATH_DIM, LV = 3 };
    nb_rng rng;
    nb_rng_init(&rng, 31, 0, NB_PURPOSE_TEST);
    float *x = calloc((NTR + NTE) * D, sizeof *x), y[NTR];
    for (int i = 0; i < NTR + NTE; i++) {
        space_arch a;
        space_random(&rng, &a);
        space_path_encoding(&a, x + i * D);
        if (i < NTR) {
            double s = 0;
            for (int k = 0; k < D; k++) s += (k % 7 - 3) * x[i * D + k];
            y[i] = (float)(70 + 5 * tanh(s) + nb_rng_normal(&rng));
        }
    }
    double mae[LV];
    float pred[LV][NTE];
    int level[LV];
    strat_mlp *m = strat_mlp_create(D);
    for (int lv = 0; lv < LV; lv++) {
        level[lv] = strat_mlp_set_simd(lv);
        nb_rng fit;
        nb_rng_init(&fit, 4, 0, NB_PURPOSE_TEST);
        mae[lv] = strat_mlp_fit(m, x, y, NTR, 0, &fit);
        for (int i = 0; i < NTE; i++) pred[lv][i] = strat_mlp_predict(m, x + (NTR + i) * D);
    }
    strat_mlp_set_simd(2);
    CHECK_MSG(level[0] == 0 && level[1] == 1, "levels %d %d", level[0], level[1]);
    for (int lv = 1; lv < LV; lv++) {
        CHECK_MSG(memcmp(&mae[lv], &mae[0], sizeof mae[0]) == 0, "level %d: train MAE %.9g vs %.9g",
                  level[lv], mae[lv], mae[0]);
        int diff = 0;
        for (int i = 0; i < NTE; i++) diff += memcmp(&pred[lv][i], &pred[0][i], sizeof(float)) != 0;
        CHECK_MSG(diff == 0, "level %d: %d of %d predictions differ from the reference (first %.9g vs %.9g)",
                  level[lv], diff, NTE, pred[lv][0], pred[0][0]);
    }
    /* the fit learned something: the reference is not a constant */
    CHECK(pred[0][0] != pred[0][1] || pred[0][1] != pred[0][2]);
    strat_mlp_destroy(m);
    free(x);
}
