/* tests/test_tab.c - the HDF5 table store: writer -> reader round trip on a
 * tiny synthetic table, every open error, and the real NB201 table against
 * the values PROVENANCE.md verifies. */
#include <hdf5.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "spaces/space.h"
#include "tables/tab.h"
#include "test.h"

/* ---- helpers */

static void tmp_path(char *buf, size_t n, const char *name)
{
    snprintf(buf, n, "%s/%s", test_tmpdir(), name);
}

static int file_exists(const char *p) { return access(p, F_OK) == 0; }

#define NA 5  /* synthetic architectures */

/* A tiny table: datasets "zeta" (fidelities 50 and 12) and "alpha" (50),
 * per-seed values, curves, a missing value, costs and two hardware columns. */
static nb_status write_synthetic(const char *path, char checksum[17])
{
    space_arch archs[NA];
    for (int i = 0; i < NA; i++) archs[i] = space_from_code((uint32_t)(i * 3001 + 7));
    tab_writer *w;
    nb_status st = tab_writer_create(path, "nb201", NA, archs, &w);
    if (st != NB_OK) return st;
    float mean[NA] = {10, 20, NAN, 40, 50};
    int seeds[2] = {1, 2};
    float fs[NA * 2] = {9, 11, 19, 21, NAN, NAN, 39, 41, 49, NAN};
    int epochs[3] = {1, 25, 50};
    float cm[NA * 3], cs[NA * 2 * 3];
    for (int i = 0; i < NA; i++)
        for (int e = 0; e < 3; e++) {
            cm[i * 3 + e] = (float)(100 * i + e);
            for (int s = 0; s < 2; s++) cs[(i * 2 + s) * 3 + e] = (float)(1000 * s + 100 * i + e);
        }
    cm[1 * 3 + 1] = NAN;
    tab_metric_data d = {.final_mean = mean, .n_seeds = 2, .seeds = seeds, .final_seeds = fs,
                         .n_epochs = 3, .epochs = epochs, .curve_mean = cm, .curve_seeds = cs,
                         .unit = "percent", .source = "synthetic"};
    float m12[NA] = {1, 2, 3, 4, 5}, loss[NA] = {0.5f, 0.4f, 0.3f, 0.2f, 0.1f};
    tab_metric_data d12 = {.final_mean = m12};
    tab_metric_data dl = {.final_mean = loss, .derived = "made up"};
    float params[NA] = {1.5f, 2.5f, 3.5f, NAN, 5.5f};
    float lat[NA] = {0.1f, 0.2f, NAN, 0.4f, 0.5f};
    tab_device_info hw = {.name = "hwnas_edgegpu_latency_cifar10", .device = "edgegpu",
                          .metric = "latency", .unit = "ms", .dataset = "cifar10", .batch = 1,
                          .source = "HW-NAS-Bench", .n_missing = 99};
    tab_device_info hw2 = {.name = "help_titanx_latency_b32", .device = "titanx",
                           .metric = "latency", .unit = "ms", .dataset = "", .batch = 32,
                           .source = "HELP"};
    if ((st = tab_writer_attr(w, "sources", "unit test")) != NB_OK ||
        (st = tab_writer_metric(w, "zeta", 50, TAB_VALID_ACC, &d)) != NB_OK ||
        (st = tab_writer_metric(w, "zeta", 12, TAB_VALID_ACC, &d12)) != NB_OK ||
        (st = tab_writer_metric(w, "alpha", 50, TAB_TEST_LOSS, &dl)) != NB_OK ||
        (st = tab_writer_cost(w, "zeta", "params", params, "M", NULL)) != NB_OK ||
        (st = tab_writer_hardware(w, &hw, lat, NULL)) != NB_OK ||
        (st = tab_writer_hardware(w, &hw2, m12, "note")) != NB_OK) {
        tab_writer_abort(w);
        return st;
    }
    return tab_writer_finish(w, checksum);
}

/* Rewrite a root attribute of an existing file with raw HDF5 calls. */
static int patch_root(const char *path, const char *name, const char *sval, int ival, int del)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) return -1;
    if (H5Aexists(f, name) > 0) H5Adelete(f, name);
    if (!del) {
        hid_t sp = H5Screate(H5S_SCALAR), a;
        if (sval) {
            hid_t t = H5Tcopy(H5T_C_S1);
            H5Tset_size(t, H5T_VARIABLE);
            a = H5Acreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
            H5Awrite(a, t, &sval);
            H5Tclose(t);
        } else {
            a = H5Acreate2(f, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT);
            H5Awrite(a, H5T_NATIVE_INT, &ival);
        }
        H5Aclose(a);
        H5Sclose(sp);
    }
    H5Fclose(f);
    return 0;
}

/* ---- synthetic round trip */

TEST(tab_roundtrip_synthetic)
{
    char path[512], sum[17];
    tmp_path(path, sizeof path, "synth.h5");
    CHECK_OK(write_synthetic(path, sum));
    CHECK_EQ_INT(strlen(sum), 16);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(!file_exists(tmp)); /* renamed into place */

    tab_table *t = NULL;
    CHECK_OK(tab_open(path, &t));
    if (!t) return;
    CHECK_STR(tab_space(t)->name, "nb201");
    CHECK_EQ_INT(tab_n_archs(t), NA);
    CHECK_STR(tab_attr(t, "format"), "nastab-table");
    CHECK_STR(tab_attr(t, "schema_version"), "1");
    CHECK_STR(tab_attr(t, "n_archs"), "5");
    CHECK_STR(tab_attr(t, "sources"), "unit test");
    CHECK_STR(tab_checksum(t), sum);
    CHECK(tab_attr(t, "created") && tab_attr(t, "git_sha") && tab_attr(t, "nastab_version"));
    CHECK(tab_attr(t, "no_such_attr") == NULL);
    /* archs and the code -> index map */
    for (int i = 0; i < NA; i++) {
        space_arch a = space_from_code((uint32_t)(i * 3001 + 7));
        CHECK(!memcmp(tab_arch(t, (size_t)i)->op, a.op, 6));
        CHECK_EQ_INT(tab_index_of(t, &a), i);
        char s[SPACE_STR_MAX];
        space_format(&a, s, sizeof s);
        CHECK_EQ_INT(tab_index_of_str(t, s), i);
    }
    space_arch other = space_from_code(1);
    CHECK_EQ_INT(tab_index_of(t, &other), -1);
    /* datasets keep the order they were written in */
    CHECK_EQ_INT(tab_n_datasets(t), 2);
    CHECK_STR(tab_dataset_name(t, 0), "zeta");
    CHECK_STR(tab_dataset_name(t, 1), "alpha");
    int z = tab_dataset_id(t, "zeta"), al = tab_dataset_id(t, "alpha");
    CHECK_EQ_INT(z, 0);
    CHECK_EQ_INT(tab_dataset_id(t, "nope"), -1);
    int fid[8];
    CHECK_EQ_INT(tab_fidelities(t, z, fid, 8), 2);
    CHECK_EQ_INT(fid[0], 50);
    CHECK_EQ_INT(fid[1], 12);
    /* column info */
    tab_column_info ci;
    CHECK_OK(tab_column_info_get(t, z, 50, TAB_VALID_ACC, &ci));
    CHECK_EQ_INT(ci.n_seeds, 2);
    CHECK_EQ_INT(ci.seeds[1], 2);
    CHECK_EQ_INT(ci.n_epochs, 3);
    CHECK_EQ_INT(ci.epochs[2], 50);
    CHECK_OK(tab_column_info_get(t, z, 12, TAB_VALID_ACC, &ci));
    CHECK_EQ_INT(ci.n_seeds, 0);
    CHECK_EQ_INT(ci.n_epochs, 1);
    CHECK_EQ_INT(ci.epochs[0], 12);
    CHECK_STATUS(tab_column_info_get(t, z, 50, TAB_TEST_ACC, &ci), NB_ENOTFOUND);
    /* values: mean final, per seed, curves, NaN -> NB_EMISSING */
    float v;
    CHECK_OK(tab_metric(t, z, 50, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, 3, &v));
    CHECK_EQ_INT(v, 40);
    CHECK_OK(tab_metric(t, z, 50, TAB_VALID_ACC, TAB_SEED_MEAN, 50, 4, &v));
    CHECK_EQ_INT(v, 50);
    CHECK_STATUS(tab_metric(t, z, 50, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, 2, &v),
                 NB_EMISSING);
    CHECK(isnan(v));
    CHECK_OK(tab_metric(t, z, 50, TAB_VALID_ACC, 2, TAB_EPOCH_LAST, 1, &v));
    CHECK_EQ_INT(v, 21);
    CHECK_STATUS(tab_metric(t, z, 50, TAB_VALID_ACC, 2, TAB_EPOCH_LAST, 4, &v), NB_EMISSING);
    CHECK_OK(tab_metric(t, z, 50, TAB_VALID_ACC, TAB_SEED_MEAN, 25, 2, &v));
    CHECK_EQ_INT(v, 201);
    CHECK_STATUS(tab_metric(t, z, 50, TAB_VALID_ACC, TAB_SEED_MEAN, 25, 1, &v), NB_EMISSING);
    CHECK_OK(tab_metric(t, z, 50, TAB_VALID_ACC, 2, 1, 3, &v));
    CHECK_EQ_INT(v, 1300);
    CHECK_STATUS(tab_metric(t, z, 50, TAB_VALID_ACC, 3, TAB_EPOCH_LAST, 0, &v), NB_ENOTFOUND);
    CHECK_ERRMSG("no seed 3");
    CHECK_STATUS(tab_metric(t, z, 50, TAB_VALID_ACC, TAB_SEED_MEAN, 7, 0, &v), NB_ENOTFOUND);
    CHECK_ERRMSG("no epoch 7");
    CHECK_STATUS(tab_metric(t, z, 12, TAB_VALID_ACC, TAB_SEED_MEAN, 5, 0, &v), NB_ENOTFOUND);
    CHECK_OK(tab_metric(t, z, 12, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, 4, &v));
    CHECK_EQ_INT(v, 5);
    CHECK_OK(tab_metric(t, al, 50, TAB_TEST_LOSS, TAB_SEED_MEAN, TAB_EPOCH_LAST, 4, &v));
    CHECK_NEAR(v, 0.1, 1e-7);
    /* bad arguments */
    CHECK_STATUS(tab_metric(t, z, 50, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, NA, &v),
                 NB_EINVAL);
    CHECK_ERRMSG("out of range");
    CHECK_STATUS(tab_metric(t, 7, 50, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, 0, &v),
                 NB_ENOTFOUND);
    CHECK_STATUS(tab_metric(t, z, 200, TAB_VALID_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, 0, &v),
                 NB_ENOTFOUND);
    CHECK_ERRMSG("no 200-epoch fidelity");
    CHECK_STATUS(tab_metric(t, z, 50, TAB_TRAIN_ACC, TAB_SEED_MEAN, TAB_EPOCH_LAST, 0, &v),
                 NB_ENOTFOUND);
    CHECK_ERRMSG("no metric 'train_acc'");
    /* fast path and best */
    const float *fm = tab_metric_final(t, z, 50, TAB_VALID_ACC);
    CHECK(fm && fm[1] == 20 && isnan(fm[2]));
    CHECK(tab_metric_final(t, al, 12, TAB_VALID_ACC) == NULL);
    size_t bi;
    float bv;
    CHECK_OK(tab_best(t, z, 50, TAB_VALID_ACC, &bi, &bv));
    CHECK_EQ_INT(bi, 4);
    CHECK_EQ_INT(bv, 50);
    CHECK_OK(tab_preload(t, z, 50, TAB_VALID_ACC));
    /* costs */
    CHECK_OK(tab_cost(t, z, TAB_COST_PARAMS, 1, &v));
    CHECK_NEAR(v, 2.5, 1e-7);
    CHECK_STATUS(tab_cost(t, z, TAB_COST_PARAMS, 3, &v), NB_EMISSING);
    CHECK_STATUS(tab_cost(t, z, TAB_COST_FLOPS, 0, &v), NB_ENOTFOUND);
    CHECK_STATUS(tab_cost(t, al, TAB_COST_PARAMS, 0, &v), NB_ENOTFOUND);
    CHECK(tab_cost_column(t, z, TAB_COST_PARAMS) != NULL);
    /* hardware: attributes round trip, n_missing computed */
    CHECK_EQ_INT(tab_n_devices(t), 2);
    tab_device_info di;
    CHECK_OK(tab_device(t, 0, &di));
    CHECK_STR(di.name, "hwnas_edgegpu_latency_cifar10");
    CHECK_STR(di.device, "edgegpu");
    CHECK_STR(di.metric, "latency");
    CHECK_STR(di.unit, "ms");
    CHECK_STR(di.dataset, "cifar10");
    CHECK_STR(di.source, "HW-NAS-Bench");
    CHECK_EQ_INT(di.batch, 1);
    CHECK_EQ_INT(di.n_missing, 1);
    CHECK_OK(tab_device(t, 1, &di));
    CHECK_EQ_INT(di.batch, 32);
    CHECK_STR(di.dataset, "");
    CHECK_STATUS(tab_device(t, 2, &di), NB_ENOTFOUND);
    const float *hv = tab_device_values(t, 0);
    CHECK(hv && hv[1] == 0.2f && isnan(hv[2]));
    CHECK_OK(tab_verify(t));
    tab_close(t);
    tab_close(NULL);
}

TEST(tab_writer_rejects_bad_input)
{
    char path[512];
    tmp_path(path, sizeof path, "bad_writer.h5");
    space_arch archs[2] = {space_from_code(5), space_from_code(5)};
    tab_writer *w = NULL;
    CHECK_STATUS(tab_writer_create(path, "nb201", 2, archs, &w), NB_EINVAL);
    CHECK_ERRMSG("repeats arch 0");
    CHECK(!file_exists(path));
    archs[1] = space_from_code(6);
    CHECK_OK(tab_writer_create(path, "nb201", 2, archs, &w));
    float v[2] = {1, 2};
    tab_metric_data d = {.final_mean = v};
    CHECK_OK(tab_writer_metric(w, "ds", 12, TAB_VALID_ACC, &d));
    CHECK_STATUS(tab_writer_metric(w, "ds", 12, TAB_VALID_ACC, &d), NB_EINVAL);
    CHECK_ERRMSG("written twice");
    int ep[2] = {5, 3};
    tab_metric_data bad = {.final_mean = v, .n_epochs = 2, .epochs = ep, .curve_mean = v};
    CHECK_STATUS(tab_writer_metric(w, "ds", 12, TAB_TEST_ACC, &bad), NB_EINVAL);
    CHECK_ERRMSG("epochs must increase");
    CHECK_STATUS(tab_writer_metric(w, "a/b", 12, TAB_TEST_ACC, &d), NB_EINVAL);
    CHECK_STATUS(tab_writer_attr(w, "schema_version", "9"), NB_EINVAL);
    tab_writer_abort(w);
    tab_writer_abort(NULL);
    CHECK(!file_exists(path));
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(!file_exists(tmp));
}

/* ---- open errors */

TEST(tab_open_schema_version_mismatch)
{
    char path[512];
    tmp_path(path, sizeof path, "v7.h5");
    CHECK_OK(write_synthetic(path, NULL));
    CHECK_EQ_INT(patch_root(path, "schema_version", NULL, 7, 0), 0);
    tab_table *t = (tab_table *)1;
    CHECK_STATUS(tab_open(path, &t), NB_EVERSION);
    CHECK(t == NULL);
    CHECK_ERRMSG("found schema_version 7, expected 1");
    CHECK_ERRMSG("hint: rebuild with `nastab tables import nb201 -o FILE`");
    CHECK_ERRMSG(path);
}

TEST(tab_open_wrong_format)
{
    char path[512];
    tmp_path(path, sizeof path, "fmt.h5");
    CHECK_OK(write_synthetic(path, NULL));
    CHECK_EQ_INT(patch_root(path, "format", "nastab-results", 0, 0), 0);
    tab_table *t;
    CHECK_STATUS(tab_open(path, &t), NB_EFORMAT);
    CHECK_ERRMSG("format is 'nastab-results', expected 'nastab-table'");
    CHECK_EQ_INT(patch_root(path, "format", NULL, 0, 1), 0);
    CHECK_STATUS(tab_open(path, &t), NB_EFORMAT);
    CHECK_ERRMSG("not a nastab table");
    CHECK_ERRMSG("'format' missing");
}

TEST(tab_open_missing_object)
{
    char path[512];
    tmp_path(path, sizeof path, "noarchs.h5");
    CHECK_OK(write_synthetic(path, NULL));
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0);
    CHECK(H5Ldelete(f, "/archs/ops", H5P_DEFAULT) >= 0);
    H5Fclose(f);
    tab_table *t;
    CHECK_STATUS(tab_open(path, &t), NB_EFORMAT);
    CHECK_ERRMSG("'/archs/ops' is missing");
}

TEST(tab_verify_detects_modified_data)
{
    char path[512];
    tmp_path(path, sizeof path, "tamper.h5");
    CHECK_OK(write_synthetic(path, NULL));
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/datasets/zeta/50/valid_acc/final_mean", H5P_DEFAULT);
    float v[NA] = {10, 20, NAN, 40, 50.5f};
    CHECK(d >= 0 && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Fclose(f);
    tab_table *t = NULL;
    CHECK_OK(tab_open(path, &t));
    if (!t) return;
    CHECK_STATUS(tab_verify(t), NB_EFORMAT);
    CHECK_ERRMSG("content checksum mismatch");
    tab_close(t);
}

TEST(tab_open_bad_files)
{
    tab_table *t = NULL;
    CHECK_STATUS(tab_open("/nonexistent/dir/nb201.h5", &t), NB_EIO);
    CHECK_ERRMSG("/nonexistent/dir/nb201.h5");
    CHECK(t == NULL);
    char path[512];
    tmp_path(path, sizeof path, "garbage.h5");
    FILE *fp = fopen(path, "wb");
    CHECK(fp != NULL);
    if (!fp) return;
    for (int i = 0; i < 5000; i++) fputs("this is not an HDF5 file\n", fp);
    fclose(fp);
    CHECK_STATUS(tab_open(path, &t), NB_EFORMAT);
    CHECK_ERRMSG("not an HDF5 file");
    CHECK_ERRMSG(path);
    fp = fopen(path, "wb");
    fclose(fp);
    CHECK_STATUS(tab_open(path, &t), NB_EFORMAT); /* empty file */
}

/* Copy the first half of src into dst. */
static int copy_half(const char *src, const char *dst)
{
    FILE *in = fopen(src, "rb");
    if (!in) return -1;
    fseek(in, 0, SEEK_END);
    long n = ftell(in) / 2;
    fseek(in, 0, SEEK_SET);
    char *buf = malloc((size_t)n);
    int ok = buf && fread(buf, 1, (size_t)n, in) == (size_t)n;
    fclose(in);
    FILE *out = ok ? fopen(dst, "wb") : NULL;
    ok = out && fwrite(buf, 1, (size_t)n, out) == (size_t)n;
    if (out) fclose(out);
    free(buf);
    return ok ? 0 : -1;
}

TEST(tab_open_truncated_file)
{
    char src[512], dst[512];
    tmp_path(src, sizeof src, "full.h5");
    tmp_path(dst, sizeof dst, "half.h5");
    CHECK_OK(write_synthetic(src, NULL));
    CHECK_EQ_INT(copy_half(src, dst), 0);
    tab_table *t = NULL;
    CHECK_STATUS(tab_open(dst, &t), NB_EFORMAT);
    CHECK_ERRMSG(dst);
    CHECK(t == NULL);
    tab_table *real = test_table();
    if (!real) return;
    tmp_path(dst, sizeof dst, "nb201-half.h5");
    CHECK_EQ_INT(copy_half(tab_path(real), dst), 0);
    CHECK_STATUS(tab_open(dst, &t), NB_EFORMAT);
    CHECK_ERRMSG(dst);
    unlink(dst);
}

/* ---- the real NB201 table */

TEST(tab_nb201_verified_values)
{
    tab_table *t = test_table(); /* tab_open's speed is measured by `make bench`, not here */
    if (!t) return;
    CHECK_EQ_INT(tab_n_archs(t), 15625);
    CHECK_EQ_INT(tab_n_datasets(t), 4);
    CHECK_STR(tab_dataset_name(t, 0), "cifar10-valid");
    CHECK_STR(tab_dataset_name(t, 3), "ImageNet16-120");
    int c10v = tab_dataset_id(t, "cifar10-valid"), c10 = tab_dataset_id(t, "cifar10");
    int c100 = tab_dataset_id(t, "cifar100"), in16 = tab_dataset_id(t, "ImageNet16-120");
    size_t bi;
    float bv;
    CHECK_OK(tab_best(t, c10v, 200, TAB_VALID_ACC, &bi, &bv));
    CHECK_EQ_INT(bi, 6111);
    CHECK_NEAR(bv, 91.6067, 1e-3);
    CHECK_OK(tab_best(t, c10, 200, TAB_TEST_ACC, &bi, &bv));
    CHECK_EQ_INT(bi, 6111);
    CHECK_NEAR(bv, 94.3733, 1e-3);
    CHECK_OK(tab_best(t, c100, 200, TAB_TEST_ACC, &bi, &bv));
    CHECK_EQ_INT(bi, 9930);
    CHECK_NEAR(bv, 73.5133, 1e-3);
    CHECK_OK(tab_best(t, in16, 200, TAB_TEST_ACC, &bi, &bv));
    CHECK_NEAR(bv, 47.3111, 1e-3);
    /* the all-skip cell, index 1835: 39.77 / 54.30 / 15.03 / 15.61 / 16.43 / 16.32 */
    const char *skip = "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|"
                       "skip_connect~1|skip_connect~2|";
    CHECK_EQ_INT(tab_index_of_str(t, skip), 1835);
    struct { int ds; tab_metric_id m; double want; } sk[] = {
        {c10v, TAB_VALID_ACC, 39.77}, {c10, TAB_TEST_ACC, 54.30},  {c100, TAB_VALID_ACC, 15.03},
        {c100, TAB_TEST_ACC, 15.61},  {in16, TAB_VALID_ACC, 16.43}, {in16, TAB_TEST_ACC, 16.32}};
    for (size_t k = 0; k < sizeof sk / sizeof sk[0]; k++) {
        float v = 0;
        CHECK_OK(tab_metric(t, sk[k].ds, 200, sk[k].m, TAB_SEED_MEAN, TAB_EPOCH_LAST, 1835, &v));
        CHECK_NEAR(v, sk[k].want, 0.006);
    }
    /* the all-conv3x3 cell, index 1462: 1,531,546 parameters on CIFAR-10 */
    const char *conv = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|"
                       "nor_conv_3x3~1|nor_conv_3x3~2|";
    CHECK_EQ_INT(tab_index_of_str(t, conv), 1462);
    float p = 0;
    CHECK_OK(tab_cost(t, c10, TAB_COST_PARAMS, 1462, &p));
    CHECK_NEAR(p, 1.531546, 1e-6);
    CHECK_OK(tab_cost(t, c10v, TAB_COST_PARAMS, 1462, &p));
    CHECK_NEAR(p, 1.531546, 1e-6);
    CHECK_OK(tab_verify(t));
}

TEST(tab_nb201_index_string_mapping)
{
    tab_table *t = test_table();
    if (!t) return;
    struct { long idx; const char *s; } known[] = {
        {0, "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|"
            "skip_connect~2|"},
        {1, "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
            "skip_connect~2|"},
        {11, "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|"
             "avg_pool_3x3~2|"},
        {1835, "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|"
               "skip_connect~2|"}};
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++) {
        CHECK_EQ_INT(tab_index_of_str(t, known[k].s), known[k].idx);
        char s[SPACE_STR_MAX];
        space_format(tab_arch(t, (size_t)known[k].idx), s, sizeof s);
        CHECK_STR(s, known[k].s);
    }
    /* the map is a bijection over all 15625 cells */
    int ok = 1;
    for (size_t i = 0; i < tab_n_archs(t); i++) ok &= tab_index_of(t, tab_arch(t, i)) == (long)i;
    CHECK(ok);
    CHECK_EQ_INT(tab_index_of_str(t, "|conv~0|"), -1);
}

TEST(tab_nb201_seeds_curves_hardware)
{
    tab_table *t = test_table();
    if (!t) return;
    int c10v = tab_dataset_id(t, "cifar10-valid"), c100 = tab_dataset_id(t, "cifar100");
    tab_column_info ci;
    CHECK_OK(tab_column_info_get(t, c10v, 200, TAB_VALID_ACC, &ci));
    CHECK_EQ_INT(ci.n_seeds, 3);
    CHECK_EQ_INT(ci.seeds[0], 777);
    CHECK_EQ_INT(ci.seeds[2], 999);
    CHECK_EQ_INT(ci.n_epochs, 200);
    /* index 0: seeds 82.092 / 81.616 / 82.240; first epoch of the curve 27.2067 */
    float v;
    CHECK_OK(tab_metric(t, c10v, 200, TAB_VALID_ACC, 888, TAB_EPOCH_LAST, 0, &v));
    CHECK_NEAR(v, 81.616, 1e-4);
    CHECK_OK(tab_metric(t, c10v, 200, TAB_TRAIN_ACC, TAB_SEED_MEAN, 1, 0, &v));
    CHECK_NEAR(v, 27.20667, 1e-4);
    CHECK_STATUS(tab_metric(t, c10v, 200, TAB_VALID_ACC, TAB_SEED_MEAN, 100, 5000, &v),
                 NB_EMISSING); /* curves only for indices 0..199 */
    /* about half of the archs lack seed 999 at 200 epochs: NaN, never imputed */
    const float *m = tab_metric_final(t, c100, 200, TAB_VALTEST_ACC);
    CHECK(m != NULL);
    size_t n999 = 0;
    for (size_t i = 0; i < tab_n_archs(t); i++)
        n999 += tab_metric(t, c100, 200, TAB_VALTEST_ACC, 999, TAB_EPOCH_LAST, i, &v) ==
                NB_EMISSING;
    CHECK_EQ_INT(n999, 7456);
    CHECK_STATUS(tab_metric(t, c100, 12, TAB_VALID_ACC, 777, TAB_EPOCH_LAST, 0, &v), NB_ENOTFOUND);
    /* hardware: 57 published columns (30 HW-NAS-Bench + 27 HELP); edgetpu -1 ->
     * NaN for 4699 archs. `make table` adds the measured host column of
     * tables/data/host_latency_b1.csv (100 cells). */
    int n_edgetpu = 0, n_published = 0, n_host = 0;
    for (int i = 0; i < tab_n_devices(t); i++) {
        tab_device_info di;
        CHECK_OK(tab_device(t, i, &di));
        if (!strcmp(di.source, "measured")) {
            CHECK_STR(di.name, "host_latency_b1");
            CHECK_STR(di.unit, "ms");
            CHECK_EQ_INT(di.batch, 1);
            CHECK_EQ_INT(di.n_missing, 15625 - 100);
            n_host++;
            continue;
        }
        n_published++;
        if (!strcmp(di.device, "edgetpu")) {
            n_edgetpu++;
            CHECK_EQ_INT(di.n_missing, 4699);
            const float *hv = tab_device_values(t, i);
            size_t nn = 0;
            for (size_t k = 0; hv && k < tab_n_archs(t); k++) nn += isnan(hv[k]) != 0;
            CHECK_EQ_INT(nn, 4699);
        } else {
            CHECK_EQ_INT(di.n_missing, 0);
        }
        if (!strcmp(di.name, "help_1080ti_latency_b256")) {
            CHECK_EQ_INT(di.batch, 256);
            CHECK_STR(di.source, "HELP");
        }
        if (!strcmp(di.name, "help_essential_ph_1_latency")) CHECK_EQ_INT(di.batch, 1);
        if (!strcmp(di.name, "hwnas_eyeriss_arithmetic_intensity_ImageNet16-120")) {
            CHECK_STR(di.dataset, "ImageNet16-120");
            CHECK_STR(di.metric, "arithmetic_intensity");
        }
    }
    CHECK_EQ_INT(n_edgetpu, 3);
    CHECK_EQ_INT(n_published, 57);
    CHECK_EQ_INT(n_host, 1); /* the table `make` builds */
}

/* ---- importer error messages on small malformed inputs */

/* Write dir/nb201.csv.gz: the real header and first two rows, with row
 * `bad_row` (0 or 1) passed through `edit`. */
static int write_bad_csv(const char *dir, void (*edit)(char *line, size_t cap))
{
    gzFile in = gzopen("tables/data/nb201.csv.gz", "rb");
    if (!in) return -1;
    char path[600];
    snprintf(path, sizeof path, "%s/nb201.csv.gz", dir);
    gzFile out = gzopen(path, "wb");
    static char line[1 << 15];
    for (int i = 0; i < 3 && gzgets(in, line, sizeof line); i++) {
        if (i == 2) edit(line, sizeof line);
        gzputs(out, line);
    }
    gzclose(in);
    gzclose(out);
    return 0;
}

static void replace_first(char *line, size_t cap, const char *from, const char *to)
{
    char *p = strstr(line, from);
    if (!p) return;
    char rest[1 << 15];
    snprintf(rest, sizeof rest, "%s", p + strlen(from));
    snprintf(p, cap - (size_t)(p - line), "%s%s", to, rest);
}
static void edit_number(char *l, size_t n) { replace_first(l, n, ",93.66,", ",93.6x6,"); }
static void edit_columns(char *l, size_t n) { replace_first(l, n, ",93.66,", ","); }
static void edit_arch(char *l, size_t n) { replace_first(l, n, "avg_pool_3x3~1", "avg_pool_3x3~3"); }
static void edit_tuple(char *l, size_t n) { replace_first(l, n, "(2, 2, 0, 4, 2, 0)", "(2, 2, 0, 4, 2, 1)"); }
static void edit_seeds(char *l, size_t n) { replace_first(l, n, "90.712000;", ""); }

TEST(tab_import_error_messages)
{
    char dir[512], out[600];
    tmp_path(dir, sizeof dir, "badsrc");
    mkdir(dir, 0700);
    snprintf(out, sizeof out, "%s/out.h5", dir);
    /* an existing output must survive a failed import untouched */
    FILE *fp = fopen(out, "wb");
    if (fp) {
        fputs("old", fp);
        fclose(fp);
    }
    struct { void (*edit)(char *, size_t); const char *needles[3]; } cases[] = {
        {edit_number, {"line 3", "c10_200_test_acc_mean", "93.6x6"}},
        {edit_columns, {"line 3", "100 columns, expected 101", "nb201.csv.gz"}},
        {edit_arch, {"line 3", "arch_str", "avg_pool_3x3~3"}},
        {edit_tuple, {"line 3", "naslib_tuple", "(2, 2, 0, 4, 2, 1)"}},
        {edit_seeds, {"line 3", "c10valid_200_valid_acc_perseed", "length differs"}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        CHECK_EQ_INT(write_bad_csv(dir, cases[k].edit), 0);
        CHECK_STATUS(tab_import_nb201(dir, out), NB_EFORMAT);
        for (int j = 0; j < 3; j++) CHECK_ERRMSG(cases[k].needles[j]);
    }
    fp = fopen(out, "rb");
    char buf[8] = {0};
    CHECK(fp && fread(buf, 1, 7, fp) == 3);
    if (fp) fclose(fp);
    CHECK_STR(buf, "old");
    CHECK_STATUS(tab_import_nb201("/nonexistent-src", out), NB_EIO);
    CHECK_ERRMSG("/nonexistent-src/nb201.csv.gz");
}
