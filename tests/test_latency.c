/* tests/test_latency.c - measured hardware columns: tab_add_hardware on a
 * tiny synthetic table (round trip, identical to a column the writer put
 * there, refusals that leave the original byte for byte intact), and the
 * stopping rule of `nastab latency` (nn/latency.c) on synthetic timings. */
#include <hdf5.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/nn.h"
#include "spaces/space.h"
#include "tables/tab.h"
#include "tables/tab_h5.h"
#include "test.h"

#define LA 6 /* synthetic architectures */

static void lat_tmp(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", test_tmpdir(), name);
}

static const float col_old[LA] = {0.5f, 1.5f, NAN, 2.5f, 3.5f, 4.5f};
static const float col_new[LA] = {10.f, NAN, 12.f, 13.f, NAN, 15.f};
static const tab_device_info info_old = {"hwnas_edgegpu_latency_cifar10", "edgegpu", "latency",
                                         "ms", "cifar10", 1, "HW-NAS-Bench", 0};
static const tab_device_info info_new = {"host_latency_b1", "host", "latency", "ms", "cifar10",
                                         1, "measured", 0};

/* A table of LA cells with one metric column and the `old` hardware column;
 * with_new adds `new` through the writer too. */
static nb_status write_small(const char *path, int with_new, char hex[17])
{
    space_arch archs[LA];
    for (int i = 0; i < LA; i++) archs[i] = space_from_code((uint32_t)(i * 2011 + 3));
    tab_writer *w;
    nb_status st = tab_writer_create(path, "nb201", LA, archs, &w);
    if (st != NB_OK) return st;
    float acc[LA] = {90, 91, 92, NAN, 94, 95};
    tab_metric_data d = {.final_mean = acc, .unit = "percent"};
    if ((st = tab_writer_metric(w, "cifar10", 200, TAB_VALID_ACC, &d)) != NB_OK ||
        (st = tab_writer_hardware(w, &info_old, col_old, NULL)) != NB_OK ||
        (with_new && (st = tab_writer_hardware(w, &info_new, col_new, "n")) != NB_OK)) {
        tab_writer_abort(w);
        return st;
    }
    return tab_writer_finish(w, hex);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(len > 0 ? (size_t)len : 1);
    *n = fread(b, 1, (size_t)len, f);
    fclose(f);
    return b;
}

/* The file at path has exactly the bytes of ref (len n). */
static int same_bytes(const char *path, const unsigned char *ref, size_t n)
{
    size_t m;
    unsigned char *b = slurp(path, &m);
    int same = b && m == n && memcmp(b, ref, n) == 0;
    free(b);
    return same;
}

static int no_tmp_left(const char *path)
{
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    return access(tmp, F_OK) != 0;
}

TEST(latency_add_hardware_round_trip)
{
    char path[512], ref[512], hex_ref[17];
    lat_tmp(path, sizeof path, "lat_add.h5");
    lat_tmp(ref, sizeof ref, "lat_ref.h5");
    CHECK_OK(write_small(path, 0, NULL));
    CHECK_OK(write_small(ref, 1, hex_ref));
    tab_add_opts o = {"n", "cpu=test; cores=1", 0};
    CHECK_OK(tab_add_hardware_ex(path, &info_new, col_new, &o));
    CHECK(no_tmp_left(path));

    tab_table *t;
    CHECK_OK(tab_open(path, &t));
    if (!t) return;
    CHECK_EQ_INT(tab_n_devices(t), 2);
    tab_device_info di;
    CHECK_OK(tab_device(t, 1, &di)); /* appended last */
    CHECK_STR(di.name, "host_latency_b1");
    CHECK_STR(di.device, "host");
    CHECK_STR(di.metric, "latency");
    CHECK_STR(di.unit, "ms");
    CHECK_STR(di.dataset, "cifar10");
    CHECK_STR(di.source, "measured");
    CHECK_EQ_INT(di.batch, 1);
    CHECK_EQ_INT(di.n_missing, 2);
    const float *v = tab_device_values(t, 1);
    CHECK(v != NULL);
    for (int i = 0; v && i < LA; i++)
        CHECK_MSG(isnan(col_new[i]) ? isnan(v[i]) : v[i] == col_new[i], "value %d: %g", i, v[i]);
    const float *v0 = tab_device_values(t, 0); /* the old column is intact */
    for (int i = 0; v0 && i < LA; i++)
        CHECK(isnan(col_old[i]) ? isnan(v0[i]) : v0[i] == col_old[i]);
    CHECK_OK(tab_verify(t));
    /* The checksum covers data and numeric attributes: adding the column
     * afterwards gives the file the writer would have written with it. */
    CHECK_STR(tab_checksum(t), hex_ref);
    tab_close(t);

    /* host and note are stored as string attributes. */
    tab_h5_quiet();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0);
    if (f < 0) return;
    hid_t d = H5Dopen2(f, "/hardware/host_latency_b1", H5P_DEFAULT);
    char *s = NULL;
    CHECK_EQ_INT(tab_h5_attr_str(d, "host", &s), 1);
    CHECK_STR(s, "cpu=test; cores=1");
    free(s);
    CHECK_EQ_INT(tab_h5_attr_str(d, "note", &s), 1);
    CHECK_STR(s, "n");
    free(s);
    H5Dclose(d);
    H5Fclose(f);
}

TEST(latency_add_hardware_refusals_leave_original_intact)
{
    char path[512];
    lat_tmp(path, sizeof path, "lat_dup.h5");
    CHECK_OK(write_small(path, 1, NULL));
    size_t n;
    unsigned char *orig = slurp(path, &n);
    CHECK(orig != NULL);
    if (!orig) return;

    /* Duplicate name without replace. */
    float other[LA] = {1, 2, 3, 4, 5, 6};
    CHECK_STATUS(tab_add_hardware(path, &info_new, other, NULL), NB_EINVAL);
    CHECK_ERRMSG("hardware column 'host_latency_b1' exists");
    CHECK_ERRMSG("--replace");
    CHECK(same_bytes(path, orig, n));
    CHECK(no_tmp_left(path));

    /* Bad names. */
    tab_device_info bad = info_new;
    bad.name = "a/b";
    CHECK_STATUS(tab_add_hardware(path, &bad, other, NULL), NB_EINVAL);
    CHECK_ERRMSG("bad hardware column name 'a/b'");
    bad.name = "";
    CHECK_STATUS(tab_add_hardware(path, &bad, other, NULL), NB_EINVAL);
    CHECK(same_bytes(path, orig, n));

    /* Not a table: the error names the file, nothing is created. */
    char junk[512];
    lat_tmp(junk, sizeof junk, "lat_junk.h5");
    FILE *jf = fopen(junk, "w");
    if (jf) {
        fputs("not hdf5\n", jf);
        fclose(jf);
    }
    CHECK(tab_add_hardware(junk, &info_new, other, NULL) != NB_OK);
    CHECK_ERRMSG("lat_junk.h5");
    CHECK(no_tmp_left(junk));

    /* With replace: the values change, the column count does not. */
    tab_add_opts o = {NULL, NULL, 1};
    CHECK_OK(tab_add_hardware_ex(path, &info_new, other, &o));
    tab_table *t;
    CHECK_OK(tab_open(path, &t));
    if (!t) {
        free(orig);
        return;
    }
    CHECK_EQ_INT(tab_n_devices(t), 2);
    tab_device_info di;
    CHECK_OK(tab_device(t, 1, &di));
    CHECK_STR(di.name, "host_latency_b1");
    CHECK_EQ_INT(di.n_missing, 0);
    const float *v = tab_device_values(t, 1);
    CHECK(v && v[0] == 1.0f && v[5] == 6.0f);
    CHECK_OK(tab_verify(t));
    tab_close(t);
    free(orig);
}

TEST(latency_add_hardware_refuses_damaged_table)
{
    char path[512];
    lat_tmp(path, sizeof path, "lat_damaged.h5");
    CHECK_OK(write_small(path, 0, NULL));
    /* Change one stored value behind the checksum's back. */
    tab_h5_quiet();
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0);
    if (f < 0) return;
    hid_t d = H5Dopen2(f, "/hardware/hwnas_edgegpu_latency_cifar10", H5P_DEFAULT);
    float v[LA];
    memcpy(v, col_old, sizeof v);
    v[0] = 99.f;
    CHECK(d >= 0 && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Fclose(f);
    size_t n;
    unsigned char *orig = slurp(path, &n);
    CHECK_STATUS(tab_add_hardware(path, &info_new, col_new, NULL), NB_EFORMAT);
    CHECK_ERRMSG("checksum mismatch");
    CHECK(orig && same_bytes(path, orig, n));
    CHECK(no_tmp_left(path));
    free(orig);
}

/* ---- the stopping rule on synthetic timings */

typedef struct {
    int calls;
    int mode;   /* 0 steady, 1 noisy, 2 drift between rounds, 3 noisy first round only */
} fake_clock;

static double fake_time(void *p)
{
    fake_clock *c = p;
    int k = c->calls++;
    switch (c->mode) {
    case 0: return 10.0 * (1.0 + 0.001 * (k % 3)); /* 0.1% jitter */
    case 1: return 10.0 * (1.0 + 0.3 * sin(2.3 * k)); /* +-30%: MAD/median ~ 0.2 */
    case 2: return 10.0 * pow(1.1, k / 5);           /* rounds of 5 steady, each 10% slower */
    default: return k < 50 ? 10.0 * (1.0 + 0.3 * sin(2.3 * k)) : 20.0;
    }
}

TEST(latency_rule_median_and_mad)
{
    double a[3] = {3, 1, 2}, b[4] = {4, 1, 3, 2}, t[5], med, mad;
    CHECK_NEAR(nn_lat_median(a, 3), 2.0, 0);
    CHECK_NEAR(nn_lat_median(b, 4), 2.5, 0);
    const double c[5] = {1, 2, 3, 4, 100};
    nn_lat_median_mad(c, 5, t, &med, &mad);
    CHECK_NEAR(med, 3.0, 0);
    CHECK_NEAR(mad, 1.0, 0); /* |c - 3| = 2 1 0 1 97 -> median 1: the outlier does not count */
}

TEST(latency_rule_steady_series_is_stored)
{
    nn_lat_rule rule = nn_lat_rule_default();
    fake_clock c = {0, 0};
    nn_lat_result r;
    nn_lat_measure(&rule, fake_time, &c, &r);
    CHECK_EQ_INT(r.flagged, 0);
    CHECK_EQ_INT(r.attempts, 2);
    CHECK_EQ_INT(r.reps, 2 * rule.min_reps); /* each round stops as soon as allowed */
    CHECK_EQ_INT(c.calls, 2 * rule.warmup + r.reps);
    CHECK_NEAR(r.value, 10.01, 0.0101);
    CHECK(r.spread >= 0 && r.spread < 0.02);
}

TEST(latency_rule_noisy_series_is_flagged)
{
    nn_lat_rule rule = nn_lat_rule_default();
    fake_clock c = {0, 1};
    nn_lat_result r;
    nn_lat_measure(&rule, fake_time, &c, &r);
    CHECK_EQ_INT(r.flagged, 1);
    CHECK(isnan(r.value) && isnan(r.spread)); /* never a silently noisy number */
    CHECK_EQ_INT(r.attempts, 3);
    CHECK_EQ_INT(r.reps, 3 * rule.max_reps);

    /* Steady rounds whose medians drift apart (10, 11, 12.1) are flagged too. */
    rule.warmup = 0;
    fake_clock d = {0, 2};
    nn_lat_measure(&rule, fake_time, &d, &r);
    CHECK_EQ_INT(r.flagged, 1);
    CHECK_EQ_INT(r.attempts, 3);

    /* A noisy first round, then two steady agreeing ones: stored from those. */
    fake_clock e = {0, 3};
    nn_lat_measure(&rule, fake_time, &e, &r);
    CHECK_EQ_INT(r.flagged, 0);
    CHECK_EQ_INT(r.attempts, 3);
    CHECK_NEAR(r.value, 20.0, 0);
}

TEST(latency_rule_decide_pairs)
{
    nn_lat_rule rule = nn_lat_rule_default(); /* agree within 5% */
    nn_lat_result out;
    nn_lat_round_result a[3] = {{10.0, 0.05, 5, 1}, {10.3, 0.02, 5, 1}, {0, 0, 0, 0}};
    CHECK_EQ_INT(nn_lat_decide(&rule, a, 2, &out), 1);
    CHECK_EQ_INT(out.flagged, 0);
    CHECK_NEAR(out.value, 10.15, 1e-12);
    CHECK_NEAR(out.spread, 0.15, 1e-12); /* half the difference beats both MADs */
    nn_lat_round_result b[3] = {{10.0, 0.01, 5, 1}, {11.0, 0.01, 7, 1}, {10.2, 0.03, 9, 1}};
    CHECK_EQ_INT(nn_lat_decide(&rule, b, 2, &out), 0); /* 10% apart: a third round */
    CHECK_EQ_INT(nn_lat_decide(&rule, b, 3, &out), 1);
    CHECK_EQ_INT(out.flagged, 0);
    CHECK_NEAR(out.value, 10.1, 1e-12); /* the closest agreeing pair: rounds 1 and 3 */
    CHECK_EQ_INT(out.reps, 21);
    b[2].stable = 0; /* an unstable round never vouches for another */
    CHECK_EQ_INT(nn_lat_decide(&rule, b, 3, &out), 1);
    CHECK_EQ_INT(out.flagged, 1);
    CHECK(isnan(out.value));
}
