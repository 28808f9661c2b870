/* tests/test_wsnas.c - weight-sharing search (wsnas/): the optimizers
 * against hand-computed steps; every method runs two tiny epochs on
 * synthetic images and gives a valid cell, finite numbers and probability
 * rows that sum to 1; 1 vs 2 engine threads give the same records and
 * weights bit for bit; the results file's /ws series round-trips. */
#include <stdlib.h>

#include "nn/nn.h"
#include "results/res.h"
#include "test.h"
#include "wsnas/ws.h"


TEST(ws_sgd_matches_hand_computation)
{
    ws_sgd_config c = {0.9, 0.1, 1, 0};
    ws_sgd *o = ws_sgd_create(2, &c);
    float p[2] = {1.0f, -2.0f}, g[2] = {0.5f, 0.25f};
    ws_sgd_step(o, p, g, 0.1);
    /* g' = g + 0.1 p = (0.6, 0.05); v = g'; p -= 0.1 (g' + 0.9 v) = 0.19 g' */
    CHECK(fabs(p[0] - 0.886) < 1e-6 && fabs(p[1] - (-2.0095)) < 1e-6);
    float g2[2] = {0.5f, 0.25f};
    ws_sgd_step(o, p, g2, 0.1);
    /* g' = 0.5 + 0.0886 = 0.5886; v = 0.54 + 0.5886 = 1.1286; p -= 0.1 (0.5886 + 1.01574) */
    CHECK_MSG(fabs(p[0] - 0.725566) < 1e-5, "p0 %.7f", p[0]);
    ws_sgd_destroy(o);
    /* clipping: |(3, 4)| = 5 scaled to 1, then plain SGD without momentum or decay */
    ws_sgd_config cc = {0, 0, 0, 1.0};
    o = ws_sgd_create(2, &cc);
    float q[2] = {0, 0}, h[2] = {3, 4};
    double norm = ws_sgd_step(o, q, h, 1.0);
    CHECK(fabs(norm - 5) < 1e-9);
    CHECK_MSG(fabs(q[0] + 0.6) < 1e-6 && fabs(q[1] + 0.8) < 1e-6, "q %.7f %.7f", q[0], q[1]);
    ws_sgd_destroy(o);
}

TEST(ws_adam_matches_hand_computation)
{
    ws_adam_config c = {0.1, 0.5, 0.999, 1e-8, 0.0};
    ws_adam *o = ws_adam_create(1, &c);
    float p = 1.0f, g = 0.5f;
    ws_adam_step(o, &p, &g); /* first step: m^ = g, v^ = g^2: p -= lr g / (|g| + eps) */
    CHECK_MSG(fabs(p - 0.9) < 1e-6, "p %.8f", p);
    g = -0.25f; /* m = 0.125 - 0.125 = 0 ... m = 0.5*0.25 + 0.5*(-0.25) = 0: no move */
    ws_adam_step(o, &p, &g);
    CHECK_MSG(fabs(p - 0.9) < 1e-6, "p %.8f", p);
    ws_adam_destroy(o);
    /* weight decay enters the gradient: g = 0 + wd p */
    ws_adam_config d = {0.01, 0.5, 0.999, 1e-8, 1e-3};
    o = ws_adam_create(1, &d);
    p = 2.0f;
    g = 0.0f;
    ws_adam_step(o, &p, &g);
    CHECK_MSG(fabs(p - 1.99) < 1e-6, "p %.8f", p);
    ws_adam_destroy(o);
    CHECK(fabs(ws_cosine_lr(0.025, 0.001, 0, 0, 10, 4) - 0.025) < 1e-12);
    CHECK(fabs(ws_cosine_lr(0.025, 0.001, 2, 0, 10, 4) - 0.013) < 1e-12);
    CHECK(fabs(ws_cosine_lr(0.025, 0.001, 3, 10, 10, 4) - 0.001) < 1e-12);
}

static void run_method(int m, int threads, ws_epoch *out, float *w, size_t nw)
{
    nn_data tr, va;
    test_fake_images(&tr, 64, 1);
    test_fake_images(&va, 64, 2);
    ws_config c = ws_preset("tiny");
    c.method = m;
    c.seed = 7;
    nn_set_threads(threads);
    ws_run *r = NULL;
    CHECK_OK(ws_run_create(&c, &tr, &va, 0, &r));
    if (r) {
        for (int e = 0; e < c.epochs; e++) ws_run_epoch(r, e, &out[e]);
        ws_block b[16];
        size_t k = ws_run_state(r, b, 16);
        if (w && k) memcpy(w, b[0].p, nw * sizeof *w < b[0].bytes ? nw * sizeof *w : b[0].bytes);
        ws_run_destroy(r);
    }
    nn_set_threads(1);
    nn_data_free(&tr);
    nn_data_free(&va);
}

static int cell_ok(const space_arch *a)
{
    for (int e = 0; e < SPACE_ARCH_MAX; e++)
        if (e < 6 ? a->op[e] >= 5 : a->op[e] != 0) return 0;
    return 1;
}

TEST(ws_every_method_runs_tiny)
{
    for (int m = 0; m < WS_N_METHODS; m++) {
        ws_epoch ep[2];
        memset(ep, 0, sizeof ep);
        run_method(m, 1, ep, NULL, 0);
        for (int e = 0; e < 2; e++) {
            CHECK_MSG(cell_ok(&ep[e].arch), "%s: invalid cell", ws_method_name(m));
            CHECK_MSG(isfinite(ep[e].train_loss) && ep[e].train_loss > 0, "%s: loss %g",
                      ws_method_name(m), ep[e].train_loss);
            CHECK_MSG(ep[e].super_valid >= 0 && ep[e].super_valid <= 100, "%s: acc %g",
                      ws_method_name(m), ep[e].super_valid);
            for (int k = 0; k < 6; k++) {
                double s = 0;
                for (int o = 0; o < 5; o++) {
                    CHECK(isfinite(ep[e].probs[k * 5 + o]) && ep[e].probs[k * 5 + o] >= 0);
                    s += ep[e].probs[k * 5 + o];
                }
                CHECK_MSG(fabs(s - 1) < 1e-5, "%s: edge %d sums to %g", ws_method_name(m), k, s);
            }
        }
    }
    CHECK(ws_method_find("darts-v1") == WS_DARTS_V1 && ws_method_find("nope") == -1);
    ws_config c;
    CHECK_STATUS(ws_preset_get("huge", &c), NB_ENOTFOUND);
}

TEST(ws_search_same_bits_for_1_and_2_threads)
{
    int methods[] = {WS_DARTS_V1, WS_GDAS};
    for (size_t i = 0; i < 2; i++) {
        ws_epoch a[2], b[2];
        memset(a, 0, sizeof a);
        memset(b, 0, sizeof b);
        float wa[512], wb[512];
        run_method(methods[i], 1, a, wa, 512);
        run_method(methods[i], 2, b, wb, 512);
        CHECK_MSG(!memcmp(a, b, sizeof a), "%s: records differ", ws_method_name(methods[i]));
        CHECK_MSG(!memcmp(wa, wb, sizeof wa), "%s: weights differ", ws_method_name(methods[i]));
    }
}

TEST(ws_series_roundtrip)
{
    char *dir = test_subdir("wsnas");
    char path[512];
    snprintf(path, sizeof path, "%s/ws.h5", dir);
    res_meta meta = {"t.h5", "abc", "nb201-ws-v1", "nastab search", 3};
    res_results *r = res_results_create(&meta);
    res_series s;
    memset(&s, 0, sizeof s);
    strcpy(s.dataset, "fashion-mnist");
    strcpy(s.strategy, "gdas");
    s.n_objectives = 1;
    s.runs = 1;
    s.grid = 3;
    s.budget = 2;
    s.workers = 1;
    s.time = nb_xcalloc_array(3, sizeof *s.time);
    s.valid = nb_xcalloc_array(3, sizeof *s.valid);
    s.test = nb_xcalloc_array(3, sizeof *s.test);
    s.final_valid = nb_xcalloc_array(1, sizeof *s.final_valid);
    s.final_test = nb_xcalloc_array(1, sizeof *s.final_test);
    s.final_arch = nb_xcalloc_array(1, sizeof *s.final_arch);
    s.n_evals = nb_xcalloc_array(1, sizeof *s.n_evals);
    res_results_add(r, &s);
    res_ws_series w = {.dataset = "fashion-mnist", .method = "gdas", .runs = 1, .epochs = 2};
    w.arch = nb_xcalloc_array(2, sizeof *w.arch);
    w.super_valid = nb_xcalloc_array(2, sizeof *w.super_valid);
    w.score = nb_xcalloc_array(2, sizeof *w.score);
    w.wall = nb_xcalloc_array(2, sizeof *w.wall);
    w.cpu = nb_xcalloc_array(2, sizeof *w.cpu);
    w.probs = nb_xcalloc_array(60, sizeof *w.probs);
    w.arch[1] = 42;
    w.super_valid[0] = 55.5f;
    w.cpu[1] = 1.25;
    w.probs[59] = 0.75f;
    CHECK_OK(res_ws_write(r, &w, 1, path));
    res_results *back = NULL;
    CHECK_OK(res_results_read(path, &back));
    CHECK(back && res_results_find(back, "fashion-mnist", "gdas"));
    res_results_free(back);
    res_ws_series rb;
    CHECK_OK(res_ws_read(path, "fashion-mnist", "gdas", &rb));
    CHECK(rb.runs == 1 && rb.epochs == 2 && rb.arch[1] == 42 && rb.super_valid[0] == 55.5f &&
          rb.cpu[1] == 1.25 && rb.probs[59] == 0.75f);
    res_ws_series_free(&rb);
    CHECK_STATUS(res_ws_read(path, "fashion-mnist", "enas", &rb), NB_ENOTFOUND);
    CHECK(test_count_entries(dir, ".tmp.") == 0);
    res_ws_series_free(&w);
    res_results_free(r);
    free(dir);
}
