/* tests/test_sss_protocol.c - NATS-Bench's size-space protocol beyond
 * CIFAR-10: the default budgets of every column (20000 / 40000 / 60000 s,
 * strategies/PROTOCOL.md, from NATS-Bench's exps/NATS-Bench/draw-fig6.py),
 * and the protocol labels results files record (results/protocol.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/res.h"
#include "spaces/space.h"
#include "strategies/strat.h"
#include "tables/tab.h"
#include "tests/test.h"

#define N SPACE_SSS_SIZE

/* Every cell at 12 and 90 epochs on the three NATS datasets (and
 * cifar10-valid), accuracy from the index, cost 1 s per epoch. */
static nb_status write_table(const char *path)
{
    space_arch *archs = malloc(N * sizeof *archs);
    float *acc = malloc(N * sizeof(float)), *tt = malloc(N * sizeof(float));
    for (uint32_t i = 0; i < N; i++) {
        archs[i] = space_sss.arch(i);
        acc[i] = 50.0f + (float)(i % 1000) / 40.0f;
        tt[i] = 1.0f;
    }
    tab_writer *w = NULL;
    nb_status st = tab_writer_create(path, "sss", N, archs, &w);
    static const char *const ds[] = {"cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"};
    tab_metric_data d = {.final_mean = acc, .unit = "percent"};
    for (size_t k = 0; st == NB_OK && k < 4; k++)
        for (int f = 0; f < 2 && st == NB_OK; f++) {
            int fid = f ? 90 : 12;
            if ((st = tab_writer_metric(w, ds[k], fid, TAB_VALID_ACC, &d)) == NB_OK)
                st = tab_writer_metric(w, ds[k], fid, TAB_TEST_ACC, &d);
        }
    for (size_t k = 0; st == NB_OK && k < 4; k++)
        if ((st = tab_writer_cost(w, ds[k], "train_time_per_epoch", tt, "s", NULL)) == NB_OK)
            st = tab_writer_cost(w, ds[k], "eval_time", tt, "s", NULL);
    if (st == NB_OK) st = tab_writer_finish(w, NULL);
    else if (w) tab_writer_abort(w);
    free(archs);
    free(acc);
    free(tt);
    return st;
}

TEST(sss_protocol_budgets_every_column)
{
    char path[600];
    snprintf(path, sizeof path, "%s/sss-budgets.h5", test_tmpdir());
    CHECK_OK(write_table(path));
    tab_table *t = NULL;
    CHECK_OK(tab_open(path, &t));
    if (!t) return;
    static const struct { const char *col; double budget; } want[] = {
        {"cifar10-valid", 20000}, {"cifar10", 20000}, {"cifar100", 40000}, {"ImageNet16-120", 60000}};
    for (size_t k = 0; k < 4; k++) {
        strat_protocol p;
        CHECK_OK(strat_protocol_nb201(t, want[k].col, &p));
        CHECK_STR(p.protocol, "nats-sss");
        CHECK_NEAR(p.budget, want[k].budget, 0);
        CHECK_EQ_INT(p.search_fidelity, 12);
        CHECK_EQ_INT(p.max_fidelity, 90);
    }
    tab_close(t);
}

TEST(sss_protocol_labels)
{
    CHECK_STR(res_protocol_label("nb201", 0, 0), "nb201-v1");
    CHECK_STR(res_protocol_label("nb201", 0, 1), "nb201-v1-curve-cells");
    CHECK_STR(res_protocol_label("nb201", 1, 0), "nb201-mo-v1");
    CHECK_STR(res_protocol_label("nats-sss", 0, 0), "nats-sss-v1");
    CHECK_STR(res_protocol_label("nats-sss", 0, 1), "nats-sss-v1-curve-cells");
    CHECK_STR(res_protocol_label("nats-sss", 1, 0), "nats-sss-mo-v1");
    CHECK_STR(res_protocol_label("nats-sss", 1, 1), "nats-sss-mo-v1-curve-cells");
    CHECK(res_protocol_label("tss", 0, 0) == NULL);
    CHECK(res_protocol_restricted("nats-sss-v1-curve-cells"));
    CHECK(res_protocol_restricted("nb201-v1-curve-cells"));
    CHECK(!res_protocol_restricted("nats-sss-v1"));
    CHECK_STR(res_protocol_space("nats-sss-mo-v1"), "nats-sss");
    CHECK_STR(res_protocol_space("nb201-v1-curve-cells"), "nb201");
    CHECK_STR(res_protocol_space("abc"), "");
    CHECK_STR(res_protocol_space("nb201"), ""); /* a label has a version after the space */
}
