/* tests/test_tab_damage.c - a table whose own numbers are wrong: a column
 * whose seeds/epochs attribute is bad, an attribute that does not match its
 * dataset's shape, a dataset declaring absurd sizes. Each is NB_EFORMAT with
 * a message naming the column, before anything is allocated from the file's
 * numbers (issue 11, items 6 and 9). */
#include <hdf5.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "spaces/space.h"
#include "tables/tab.h"
#include "test.h"

#define NA 3
#define COL "/datasets/c10/12/valid_acc"

/* A tiny table: c10 at 12 epochs, valid_acc with seeds {1, 2} and a
 * seed-mean curve at epochs {1, 6, 12}. */
static nb_status write_small(const char *path)
{
    space_arch archs[NA];
    for (int i = 0; i < NA; i++) archs[i] = space_from_code((uint32_t)(i * 4001 + 3));
    tab_writer *w;
    nb_status st = tab_writer_create(path, "nb201", NA, archs, &w);
    if (st != NB_OK) return st;
    float mean[NA] = {10, 20, 30}, fs[NA * 2] = {9, 11, 19, 21, 29, 31}, cm[NA * 3];
    for (int i = 0; i < NA * 3; i++) cm[i] = (float)i;
    int seeds[2] = {1, 2}, epochs[3] = {1, 6, 12};
    tab_metric_data d = {.final_mean = mean, .n_seeds = 2, .seeds = seeds, .final_seeds = fs,
                         .n_epochs = 3, .epochs = epochs, .curve_mean = cm};
    if ((st = tab_writer_metric(w, "c10", 12, TAB_VALID_ACC, &d)) != NB_OK) {
        tab_writer_abort(w);
        return st;
    }
    return tab_writer_finish(w, NULL);
}

/* Replace the int64 attribute `name` of dataset dpath by v[0..n). */
static void set_attr(const char *path, const char *dpath, const char *name, const long long *v,
                     size_t n)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, dpath, H5P_DEFAULT) : -1;
    CHECK_MSG(d >= 0, "cannot open %s in %s", dpath, path);
    if (d >= 0) {
        if (H5Aexists(d, name) > 0) H5Adelete(d, name);
        hsize_t dim = n;
        hid_t sp = H5Screate_simple(1, &dim, NULL);
        hid_t a = H5Acreate2(d, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        CHECK(a >= 0 && H5Awrite(a, H5T_NATIVE_LLONG, v) >= 0);
        H5Aclose(a);
        H5Sclose(sp);
        H5Dclose(d);
    }
    if (f >= 0) H5Fclose(f);
}

/* Replace dataset dpath by a chunked float dataset of the given shape (only
 * fill values: a few bytes on disk, whatever it declares). */
static void replace_dataset(const char *path, const char *dpath, int rank, const hsize_t *dims)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0);
    if (f < 0) return;
    H5Ldelete(f, dpath, H5P_DEFAULT);
    hsize_t chunk[3] = {1, 1, 1};
    hid_t sp = H5Screate_simple(rank, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, rank, chunk);
    hid_t d = H5Dcreate2(f, dpath, H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    CHECK(d >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Fclose(f);
}

static void make_small(const char *name, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", test_tmpdir(), name);
    CHECK_OK(write_small(path));
}

/* The column info of c10/12/valid_acc fails with NB_EFORMAT naming it. */
static void expect_damaged(const char *path, const char *needle)
{
    tab_table *t = NULL;
    CHECK_OK(tab_open(path, &t));
    if (!t) return;
    tab_column_info ci;
    CHECK_STATUS(tab_column_info_get(t, 0, 12, TAB_VALID_ACC, &ci), NB_EFORMAT);
    CHECK_ERRMSG("column " COL " is damaged");
    CHECK_ERRMSG(needle);
    float v;
    CHECK_STATUS(tab_metric(t, 0, 12, TAB_VALID_ACC, 1, TAB_EPOCH_LAST, 0, &v), NB_EFORMAT);
    CHECK_STATUS(tab_preload(t, 0, 12, TAB_VALID_ACC), NB_EFORMAT);
    tab_close(t);
}

TEST(tab_damage_bad_seed_value_named)
{
    char path[600];
    make_small("bad-seed.h5", path, sizeof path);
    /* The bad value first: the message used to read it after free(). */
    long long bad[2] = {-5, 2};
    set_attr(path, COL "/final_seeds", "seeds", bad, 2);
    expect_damaged(path, "has the bad value -5 at position 0");
    long long eps[3] = {1, 13, 12}; /* past the fidelity */
    make_small("bad-epoch.h5", path, sizeof path);
    set_attr(path, COL "/curve_mean", "epochs", eps, 3);
    expect_damaged(path, "attribute 'epochs'");
    expect_damaged(path, "bad value 13 at position 1");
}

TEST(tab_damage_axis_must_match_the_dataset)
{
    char path[600];
    make_small("seeds-len.h5", path, sizeof path);
    long long three[3] = {1, 2, 3};
    set_attr(path, COL "/final_seeds", "seeds", three, 3);
    expect_damaged(path, "lists 3 seeds for an axis of 2");
    make_small("epochs-len.h5", path, sizeof path);
    long long two[2] = {1, 12};
    set_attr(path, COL "/curve_mean", "epochs", two, 2);
    expect_damaged(path, "lists 2 epochs for an axis of 3");
}

TEST(tab_damage_absurd_sizes_refused_before_allocation)
{
    char path[600];
    /* 100,000 seeds, attribute and dataset agreeing: a few KB on disk that
     * would ask for 1.25 TB at NB201's size. */
    make_small("many-seeds.h5", path, sizeof path);
    hsize_t dims[2] = {NA, 100000};
    replace_dataset(path, COL "/final_seeds", 2, dims);
    long long *s = malloc(100000 * sizeof *s);
    for (int i = 0; i < 100000; i++) s[i] = i;
    set_attr(path, COL "/final_seeds", "seeds", s, 100000);
    free(s);
    expect_damaged(path, "lists 100000 seeds for an axis of 100000 (at most 1000)");
}

/* ---- every object of a table has a checksummed (version 2, "OHDR") header */

static herr_t count_link(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)name;
    if (info->type == H5L_TYPE_HARD) ++*(int *)data;
    return 0;
}

/* Objects (root + hard links) and "OHDR" signatures in the file at path. */
static void count_headers(const char *path, int *objects, int *ohdr)
{
    *objects = 1;
    *ohdr = 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    CHECK(f >= 0);
    if (f < 0) return;
    CHECK(H5Lvisit(f, H5_INDEX_NAME, H5_ITER_NATIVE, count_link, objects) >= 0);
    H5Fclose(f);
    FILE *fp = fopen(path, "rb");
    CHECK(fp != NULL);
    if (!fp) return;
    char win[4] = {0};
    int c;
    while ((c = getc(fp)) != EOF) {
        memmove(win, win + 1, 3);
        win[3] = (char)c;
        *ohdr += !memcmp(win, "OHDR", 4);
    }
    fclose(fp);
}

TEST(tab_every_object_header_is_checksummed)
{
    char path[600];
    make_small("ohdr.h5", path, sizeof path);
    int objects, ohdr;
    count_headers(path, &objects, &ohdr);
    CHECK_MSG(ohdr >= objects, "written: %d objects, %d version-2 headers", objects, ohdr);
    /* add-column creates /hardware and a dataset in an existing file. */
    float v[NA] = {1, 2, 3};
    tab_device_info hw = {.name = "probe_b1", .device = "probe", .metric = "latency",
                          .unit = "ms", .dataset = "", .batch = 1, .source = "test"};
    CHECK_OK(tab_add_hardware(path, &hw, v, "note"));
    count_headers(path, &objects, &ohdr);
    CHECK_MSG(ohdr >= objects, "after add-column: %d objects, %d version-2 headers", objects,
              ohdr);
}

/* The NATS-Bench importer writes the same checksummed format. */
TEST(tab_nats_import_headers_are_checksummed)
{
    char dir[600], out[700];
    snprintf(dir, sizeof dir, "%s/nats-ohdr", test_tmpdir());
    mkdir(dir, 0700);
    const char *from[2] = {"tests/fixtures/nats-tss/meta64.pickle.pbz2",
                           "tests/fixtures/nats-tss/tss_000000.pickle.pbz2"};
    const char *to[2] = {"meta.pickle.pbz2", "000000.pickle.pbz2"};
    for (int i = 0; i < 2; i++) {
        char p[700];
        snprintf(p, sizeof p, "%s/%s", dir, to[i]);
        FILE *in = fopen(from[i], "rb"), *o = fopen(p, "wb");
        CHECK(in && o);
        int c;
        while (in && o && (c = getc(in)) != EOF) putc(c, o);
        if (in) fclose(in);
        if (o) fclose(o);
    }
    snprintf(out, sizeof out, "%s/nats-ohdr.h5", test_tmpdir());
    tab_nats_import_cfg cfg = {.archive_dir = dir, .strict = 0};
    int lvl = nb_log_level;
    nb_log_level = 0;
    CHECK_OK(tab_import_nats(&cfg, out));
    nb_log_level = lvl;
    int objects, ohdr;
    count_headers(out, &objects, &ohdr);
    CHECK_MSG(ohdr >= objects, "nats import: %d objects, %d version-2 headers", objects, ohdr);
}
