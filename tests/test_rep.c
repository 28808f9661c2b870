/* tests/test_rep.c - reports/: statistics, t quantiles, tables (golden
 * outputs), the results file (round trip, bad files, atomic write) and the
 * report folder with and without gnuplot. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "reports/rep.h"
#include "test.h"

/* ---- fixtures ---- */

/* A synthetic series: run i, grid point j has valid = base + i + j, test =
 * valid - 1; run 0 has no result at the first grid point (NaN). Finals are
 * the last grid column: valid base+i+grid-1, so with 3 runs mean base+grid,
 * std 1. */
static void make_series(res_series *s, const char *ds, const char *strat, size_t runs,
                        size_t grid, float base, double budget)
{
    memset(s, 0, sizeof *s);
    s->n_objectives = 1;
    snprintf(s->dataset, sizeof s->dataset, "%s", ds);
    snprintf(s->strategy, sizeof s->strategy, "%s", strat);
    s->runs = runs;
    s->grid = grid;
    s->budget = budget;
    s->workers = 1;
    s->time = nb_xcalloc_array(grid, sizeof *s->time);
    s->valid = nb_xcalloc_array(runs * grid, sizeof *s->valid);
    s->test = nb_xcalloc_array(runs * grid, sizeof *s->test);
    s->final_valid = nb_xcalloc_array(runs, sizeof *s->final_valid);
    s->final_test = nb_xcalloc_array(runs, sizeof *s->final_test);
    s->final_arch = nb_xcalloc_array(runs, sizeof *s->final_arch);
    s->n_evals = nb_xcalloc_array(runs, sizeof *s->n_evals);
    for (size_t j = 0; j < grid; j++) s->time[j] = budget * (double)(j + 1) / (double)grid;
    for (size_t i = 0; i < runs; i++) {
        for (size_t j = 0; j < grid; j++) {
            float v = base + (float)i + (float)j;
            s->valid[i * grid + j] = (i == 0 && j == 0) ? NAN : v;
            s->test[i * grid + j] = (i == 0 && j == 0) ? NAN : v - 1;
        }
        s->final_valid[i] = base + (float)i + (float)(grid - 1);
        s->final_test[i] = s->final_valid[i] - 1;
        s->final_arch[i] = (int32_t)(7 * i);
        s->n_evals[i] = (uint32_t)(10 + i);
    }
    s->optimum_valid = 91.6f;
    s->optimum_test = 94.37f;
}

/* Two datasets x two strategies, added in non-NB201 dataset order. */
static res_results *make_results(void)
{
    res_meta m = {.table_path = "build/nb201.h5",
                  .table_checksum = "abc123",
                  .protocol = RES_PROTOCOL,
                  .command = "nastab run --runs 3",
                  .seed = 18446744073709551615ull};
    res_results *r = res_results_create(&m);
    res_series s;
    make_series(&s, "cifar10", "rea", 3, 4, 88.0f, 1000.5);
    res_results_add(r, &s);
    CHECK(s.time == NULL && s.valid == NULL); /* ownership moved */
    make_series(&s, "cifar10", "local_search", 3, 4, 85.5f, 1000.5);
    res_results_add(r, &s);
    make_series(&s, "cifar10-valid", "rea", 3, 4, 86.25f, 2000);
    res_results_add(r, &s);
    make_series(&s, "cifar10-valid", "local_search", 3, 4, 80.0f, 2000);
    res_results_add(r, &s);
    return r;
}

/* Contents written to a FILE by fn, as a malloc'd string. */
static char *capture(nb_status (*fn)(const res_results *, FILE *), const res_results *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    NB_ASSERT(f);
    CHECK_OK(fn(r, f));
    fclose(f);
    return buf;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (len + 2 > cap) {
            cap = cap ? 2 * cap : 4096;
            buf = nb_xrealloc_array(buf, cap, 1);
        }
        buf[len++] = (char)c;
    }
    fclose(f);
    if (!buf) buf = nb_xcalloc_array(1, 1);
    buf[len] = '\0';
    return buf;
}

static long fsize(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* ---- statistics ---- */

TEST(rep_stats_hand_computed)
{
    const float x[] = {1, 2, NAN, 3, 4};
    rep_stats s = rep_stats_of(x, 5, 1);
    CHECK_EQ_INT(s.n, 4);
    CHECK_NEAR(s.mean, 2.5, 1e-12);
    CHECK_NEAR(s.std, sqrt(5.0 / 3.0), 1e-12); /* sum of squares 5, n-1 = 3 */
    CHECK_NEAR(s.ci95, 3.18244630528371 * sqrt(5.0 / 3.0) / 2.0, 1e-9);
    CHECK_NEAR(s.median, 2.5, 1e-12);
    CHECK_NEAR(s.min, 1, 0);
    CHECK_NEAR(s.max, 4, 0);
    /* Stride: a column of a (3, 2) row-major matrix. */
    const float m[] = {10, -1, 20, -1, 60, -1};
    s = rep_stats_of(m, 3, 2);
    CHECK_EQ_INT(s.n, 3);
    CHECK_NEAR(s.mean, 30, 1e-12);
    CHECK_NEAR(s.median, 20, 0);
    CHECK_NEAR(s.std, sqrt((400.0 + 100.0 + 900.0) / 2.0), 1e-9);
}

TEST(rep_stats_one_and_none)
{
    const float one[] = {NAN, 7.5f, NAN};
    rep_stats s = rep_stats_of(one, 3, 1);
    CHECK_EQ_INT(s.n, 1);
    CHECK_NEAR(s.mean, 7.5, 0);
    CHECK_NEAR(s.median, 7.5, 0);
    CHECK(isnan(s.std) && isnan(s.ci95)); /* undefined for one value */
    const float none[] = {NAN, NAN};
    s = rep_stats_of(none, 2, 1);
    CHECK_EQ_INT(s.n, 0);
    CHECK(isnan(s.mean) && isnan(s.std) && isnan(s.median) && isnan(s.min));
    s = rep_stats_of(NULL, 0, 1);
    CHECK_EQ_INT(s.n, 0);
    CHECK(isnan(s.mean));
}

TEST(rep_t_quantile_known_values)
{
    CHECK_NEAR(rep_t_quantile(0.05, 1), 12.7062047, 1e-6);
    CHECK_NEAR(rep_t_quantile(0.05, 1), tan(0.475 * M_PI), 1e-9); /* Cauchy: exact */
    CHECK_NEAR(rep_t_quantile(0.05, 2), 4.30265273, 1e-6);
    CHECK_NEAR(rep_t_quantile(0.05, 10), 2.2281389, 1e-6);
    CHECK_NEAR(rep_t_quantile(0.05, 30), 2.0422725, 1e-6);
    CHECK_NEAR(rep_t_quantile(0.01, 5), 4.0321430, 1e-6);
    CHECK_NEAR(rep_t_quantile(0.05, 1e6), 1.959966, 1e-6);
    CHECK_NEAR(rep_t_quantile(0.05, 1e9), 1.959964, 1e-6);
    CHECK_NEAR(rep_t_quantile(0.05, INFINITY), 1.959964, 1e-6);
    /* Continuous across the switch to the large-df expansion. */
    CHECK_NEAR(rep_t_quantile(0.05, 1e5), rep_t_quantile(0.05, 1e5 * (1 + 1e-9)), 1e-9);
    CHECK(isnan(rep_t_quantile(0, 3)) && isnan(rep_t_quantile(0.05, 0)));
}

TEST(rep_parse_formats_words)
{
    int m = 0;
    CHECK_OK(rep_parse_formats("png,pdf", &m));
    CHECK_EQ_INT(m, REP_FMT_PNG | REP_FMT_PDF);
    CHECK_OK(rep_parse_formats("csv", &m));
    CHECK_EQ_INT(m, REP_FMT_CSV);
    CHECK_STATUS(rep_parse_formats("md,jpg", &m), NB_EINVAL);
    CHECK_ERRMSG("'jpg'");
    CHECK_STATUS(rep_parse_formats("md,,tex", &m), NB_EINVAL);
}

/* ---- tables: golden outputs ---- */

static const char golden_csv[] =
    "dataset,strategy,runs,budget,valid_mean,valid_std,test_mean,test_std\n"
    "cifar10-valid,rea,3,2000,90.2500,1.0000,89.2500,1.0000\n"
    "cifar10-valid,local_search,3,2000,84.0000,1.0000,83.0000,1.0000\n"
    "cifar10,rea,3,1000.5,92.0000,1.0000,91.0000,1.0000\n"
    "cifar10,local_search,3,1000.5,89.5000,1.0000,88.5000,1.0000\n";

static const char golden_md[] =
    "Final accuracy [%] of the incumbent (mean ± std over runs).\n"
    "\n"
    "| strategy | CIFAR-10-valid valid | CIFAR-10-valid test | CIFAR-10 valid | CIFAR-10 test |\n"
    "|---|---:|---:|---:|---:|\n"
    "| rea | 90.25 ± 1.00 | 89.25 ± 1.00 | 92.00 ± 1.00 | 91.00 ± 1.00 |\n"
    "| local\\_search | 84.00 ± 1.00 | 83.00 ± 1.00 | 89.50 ± 1.00 | 88.50 ± 1.00 |\n"
    "| optimum (table) | 91.60 | 94.37 | 91.60 | 94.37 |\n"
    "\n"
    "Runs and budget (simulated time): CIFAR-10-valid: 3 runs, budget 2000 s; CIFAR-10: 3 runs, "
    "budget 1000.5 s.\n";

static const char golden_tex[] =
    "% Generated by nastab report; needs \\usepackage{booktabs} and {graphicx}.\n"
    "\\begin{table}[t]\n"
    "\\centering\n"
    "\\small\n"
    "\\caption{Final test and validation accuracy [\\%] of the incumbent (mean $\\pm$ std over "
    "runs). CIFAR-10-valid: 3 runs, budget 2000\\,s; CIFAR-10: 3 runs, budget 1000.5\\,s.}\n"
    "\\label{tab:nastab-final}\n"
    "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%\n"
    "\\begin{tabular}{lcccc}\n"
    "\\toprule\n"
    " & \\multicolumn{2}{c}{CIFAR-10-valid} & \\multicolumn{2}{c}{CIFAR-10} \\\\\n"
    "\\cmidrule(lr){2-3}\\cmidrule(lr){4-5}\n"
    "strategy & valid & test & valid & test \\\\\n"
    "\\midrule\n"
    "rea & $90.25 \\pm 1.00$ & $89.25 \\pm 1.00$ & $92.00 \\pm 1.00$ & $91.00 \\pm 1.00$ \\\\\n"
    "local\\_search & $84.00 \\pm 1.00$ & $83.00 \\pm 1.00$ & $89.50 \\pm 1.00$ & "
    "$88.50 \\pm 1.00$ \\\\\n"
    "\\midrule\n"
    "optimum (table) & $91.60$ & $94.37$ & $91.60$ & $94.37$ \\\\\n"
    "\\bottomrule\n"
    "\\end{tabular}}\n"
    "\\end{table}\n";

TEST(rep_tables_golden)
{
    res_results *r = make_results();
    const char *ds[4], *st[4];
    CHECK_EQ_INT(res_results_datasets(r, ds, 4), 2);
    CHECK_STR(ds[0], "cifar10-valid"); /* NB201 order, not insertion order */
    CHECK_STR(ds[1], "cifar10");
    CHECK_EQ_INT(res_results_strategies(r, st, 4), 2);
    CHECK_STR(st[0], "rea");
    CHECK_STR(st[1], "local_search");
    char *csv = capture(rep_write_csv, r), *md = capture(rep_write_markdown, r),
         *tex = capture(rep_write_latex, r);
    CHECK_STR(csv, golden_csv);
    CHECK_STR(md, golden_md);
    CHECK_STR(tex, golden_tex);
    free(csv);
    free(md);
    free(tex);
    res_results_free(r);
}

TEST(rep_tables_missing_cell_and_single_run)
{
    res_results *r = res_results_create(NULL);
    res_series s;
    make_series(&s, "cifar100", "rea", 1, 2, 70.0f, 100);
    res_results_add(r, &s);
    make_series(&s, "ImageNet16-120", "random", 3, 2, 40.0f, 100);
    res_results_add(r, &s);
    char *md = capture(rep_write_markdown, r);
    /* One run: no ± std; strategy absent on a dataset: "-". */
    CHECK_MSG(strstr(md, "| rea | 71.00 | 70.00 | - | - |\n") != NULL, "md was:\n%s", md);
    CHECK_MSG(strstr(md, "| random | - | - | 42.00 ± 1.00 | 41.00 ± 1.00 |\n") != NULL,
              "md was:\n%s", md);
    char *csv = capture(rep_write_csv, r);
    CHECK_MSG(strstr(csv, "cifar100,rea,1,100,71.0000,nan,70.0000,nan\n") != NULL, "csv:\n%s",
              csv);
    free(md);
    free(csv);
    res_results_free(r);
}

/* ---- results file ---- */

static void check_same(const res_results *a, const res_results *b)
{
    static const char *names[] = {"protocol", "nastab_version", "git_sha", "created", "command",
                                  "seed", "table_path", "table_checksum"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        CHECK_STR(res_results_attr(a, names[i]), res_results_attr(b, names[i]));
    CHECK_EQ_INT(res_results_count(a), res_results_count(b));
    for (size_t k = 0; k < res_results_count(a) && k < res_results_count(b); k++) {
        const res_series *x = res_results_get(a, k), *y = res_results_get(b, k);
        CHECK_STR(x->dataset, y->dataset);
        CHECK_STR(x->strategy, y->strategy);
        CHECK_EQ_INT(x->runs, y->runs);
        CHECK_EQ_INT(x->grid, y->grid);
        CHECK(x->budget == y->budget && x->workers == y->workers);
        CHECK(x->optimum_valid == y->optimum_valid && x->optimum_test == y->optimum_test);
        if (x->runs != y->runs || x->grid != y->grid) continue;
        size_t cells = x->runs * x->grid;
        CHECK(!memcmp(x->time, y->time, x->grid * sizeof *x->time));
        /* memcmp also compares the NaNs bit for bit */
        CHECK(!memcmp(x->valid, y->valid, cells * sizeof *x->valid));
        CHECK(!memcmp(x->test, y->test, cells * sizeof *x->test));
        CHECK(!memcmp(x->final_valid, y->final_valid, x->runs * sizeof(float)));
        CHECK(!memcmp(x->final_test, y->final_test, x->runs * sizeof(float)));
        CHECK(!memcmp(x->final_arch, y->final_arch, x->runs * sizeof(int32_t)));
        CHECK(!memcmp(x->n_evals, y->n_evals, x->runs * sizeof(uint32_t)));
    }
}

TEST(res_results_roundtrip)
{
    res_results *r = make_results();
    res_series big; /* big enough to be chunked and compressed */
    make_series(&big, "cifar100", "rea", 40, 300, 60.0f, 5e4);
    big.workers = 8;
    big.final_arch[3] = -1;
    res_results_add(r, &big);
    char path[600];
    snprintf(path, sizeof path, "%s/roundtrip.h5", test_tmpdir());
    CHECK_OK(res_results_write(r, path));
    res_results *b = NULL;
    CHECK_OK(res_results_read(path, &b));
    if (b) {
        check_same(r, b);
        CHECK_STR(res_results_attr(b, "seed"), "18446744073709551615");
        CHECK_STR(res_results_attr(b, "format"), RES_FORMAT_NAME);
        CHECK_STR(res_results_attr(b, "nastab_version"), nb_version());
        CHECK(strlen(res_results_attr(b, "created")) == 20); /* 2024-01-02T03:04:05Z */
        /* first-seen strategy order survives the file */
        const char *st[4];
        res_results_strategies(b, st, 4);
        CHECK_STR(st[0], "rea");
        CHECK_STR(st[1], "local_search");
        CHECK(res_results_find(b, "cifar100", "rea") != NULL);
        CHECK(res_results_find(b, "cifar100", "bohb") == NULL);
    }
    /* Writing what was read gives the same object again. */
    res_results *c = NULL;
    if (b) {
        CHECK_OK(res_results_write(b, path));
        CHECK_OK(res_results_read(path, &c));
    }
    if (c) check_same(b, c);
    res_results_free(c);
    res_results_free(b);
    res_results_free(r);
}

/* Write a valid file and let edit() damage it with the HDF5 API. */
static void write_then_edit(const char *path, void (*edit)(hid_t f))
{
    res_results *r = make_results();
    CHECK_OK(res_results_write(r, path));
    res_results_free(r);
    H5E_auto2_t fn;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &fn, &data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    CHECK(f >= 0);
    if (f >= 0) {
        edit(f);
        H5Fclose(f);
    }
    H5Eset_auto2(H5E_DEFAULT, fn, data);
}

static void edit_version(hid_t f)
{
    hid_t a = H5Aopen(f, "format_version", H5P_DEFAULT);
    int v = 99;
    CHECK(a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &v) >= 0);
    H5Aclose(a);
}

static void edit_drop_test(hid_t f) { CHECK(H5Ldelete(f, "/series/cifar10/rea/test", H5P_DEFAULT) >= 0); }

static void edit_reshape_valid(hid_t f)
{
    CHECK(H5Ldelete(f, "/series/cifar10-valid/local_search/valid", H5P_DEFAULT) >= 0);
    hsize_t dims[2] = {2, 4};
    float z[8] = {0};
    hid_t sp = H5Screate_simple(2, dims, NULL);
    hid_t d = H5Dcreate2(f, "/series/cifar10-valid/local_search/valid", H5T_NATIVE_FLOAT, sp,
                         H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    CHECK(d >= 0 && H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, z) >= 0);
    H5Dclose(d);
    H5Sclose(sp);
}

static void edit_drop_format(hid_t f) { CHECK(H5Adelete(f, "format") >= 0); }
static void edit_drop_checksum(hid_t f) { CHECK(H5Adelete(f, "table_checksum") >= 0); }

TEST(res_results_read_errors)
{
    char path[600];
    res_results *r = (res_results *)&path; /* must be reset to NULL on failure */
    snprintf(path, sizeof path, "%s/absent.h5", test_tmpdir());
    CHECK_STATUS(res_results_read(path, &r), NB_EIO);
    CHECK_ERRMSG("absent.h5");
    CHECK(r == NULL);

    /* Garbage bytes. */
    snprintf(path, sizeof path, "%s/garbage.h5", test_tmpdir());
    FILE *f = fopen(path, "wb");
    nb_rng rng;
    nb_rng_init(&rng, 1, 0, NB_PURPOSE_TEST);
    for (int i = 0; i < 4096; i++) fputc((int)(nb_rng_u64(&rng) & 0xff), f);
    fclose(f);
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);
    CHECK_ERRMSG("not an HDF5 file");
    /* Empty file. */
    f = fopen(path, "wb");
    fclose(f);
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);

    /* Truncated: a real results file cut in half. */
    snprintf(path, sizeof path, "%s/truncated.h5", test_tmpdir());
    res_results *big = res_results_create(NULL);
    res_series s;
    make_series(&s, "cifar10", "rea", 50, 400, 60.0f, 100);
    res_results_add(big, &s);
    CHECK_OK(res_results_write(big, path));
    res_results_free(big);
    long n = fsize(path);
    CHECK(n > 10000);
    CHECK(truncate(path, n / 2) == 0);
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);
    CHECK_ERRMSG("truncated.h5");

    snprintf(path, sizeof path, "%s/version.h5", test_tmpdir());
    write_then_edit(path, edit_version);
    CHECK_STATUS(res_results_read(path, &r), NB_EVERSION);
    CHECK_ERRMSG("format_version 99");
    CHECK_ERRMSG("expected 1..2");
    CHECK_ERRMSG("hint:");

    snprintf(path, sizeof path, "%s/missing.h5", test_tmpdir());
    write_then_edit(path, edit_drop_test);
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);
    CHECK_ERRMSG("dataset /series/cifar10/rea/test is missing");

    snprintf(path, sizeof path, "%s/shape.h5", test_tmpdir());
    write_then_edit(path, edit_reshape_valid);
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);
    CHECK_ERRMSG("/series/cifar10-valid/local_search/valid has shape (2, 4), expected (3, 4)");

    snprintf(path, sizeof path, "%s/noformat.h5", test_tmpdir());
    write_then_edit(path, edit_drop_format);
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);
    CHECK_ERRMSG("not a nastab results file");

    snprintf(path, sizeof path, "%s/nochecksum.h5", test_tmpdir());
    write_then_edit(path, edit_drop_checksum);
    CHECK_STATUS(res_results_read(path, &r), NB_EFORMAT);
    CHECK_ERRMSG("attribute table_checksum of / is missing");
    CHECK(r == NULL);
}

TEST(res_results_atomic_write)
{
    char *dir = test_subdir("atomic");
    char path[600], bad[700];
    snprintf(path, sizeof path, "%s/results.h5", dir);
    res_results *r = make_results();
    /* Overwriting an existing file replaces it and leaves no temporary. */
    CHECK_OK(res_results_write(r, path));
    long n1 = fsize(path);
    CHECK_OK(res_results_write(r, path));
    CHECK_EQ_INT(fsize(path), n1);
    CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);

    /* A directory that does not exist: NB_EIO naming the path. */
    snprintf(bad, sizeof bad, "%s/no/such/dir/results.h5", dir);
    CHECK_STATUS(res_results_write(r, bad), NB_EIO);
    CHECK_ERRMSG("no/such/dir/results.h5");

    /* The target is a non-empty directory: rename fails after the file was
     * written; the directory stays and the temporary is removed. */
    snprintf(bad, sizeof bad, "%s/occupied", dir);
    mkdir(bad, 0755);
    char inner[800];
    snprintf(inner, sizeof inner, "%s/keep", bad);
    fclose(fopen(inner, "w"));
    CHECK_STATUS(res_results_write(r, bad), NB_EIO);
    CHECK_ERRMSG("occupied");
    CHECK(fsize(inner) == 0);
    CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);

    /* A read-only directory (only meaningful when not root): the old file
     * survives untouched. */
    if (geteuid() != 0) {
        chmod(dir, 0555);
        res_series s;
        make_series(&s, "cifar100", "rea", 2, 2, 50.0f, 10);
        res_results_add(r, &s);
        CHECK_STATUS(res_results_write(r, path), NB_EIO);
        chmod(dir, 0755);
        res_results *old = NULL;
        CHECK_OK(res_results_read(path, &old));
        CHECK_EQ_INT(res_results_count(old), 4);
        res_results_free(old);
        CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);
    }
    res_results_free(r);
    free(dir);
}

/* ---- report folder ---- */

static int has_prefix_bytes(const char *path, const char *magic, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char buf[16] = {0};
    size_t got = fread(buf, 1, n, f);
    fclose(f);
    return got == n && !memcmp(buf, magic, n);
}

static int file_contains(const char *path, const char *needle)
{
    char *t = read_text(path);
    int ok = t && strstr(t, needle) != NULL;
    free(t);
    return ok;
}

TEST(rep_report_with_gnuplot)
{
    char *dir = test_subdir("report");
    char sub[600], p[800];
    snprintf(sub, sizeof sub, "%s/nested/out", dir); /* created as needed */
    res_results *r = make_results();
    int all = REP_FMT_CSV | REP_FMT_MD | REP_FMT_TEX | REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    CHECK_OK(rep_report(r, sub, all));
    static const char *ds[] = {"cifar10", "cifar10-valid"};
    for (int d = 0; d < 2; d++) {
        for (int kind = 0; kind < 2; kind++) {
            const char *stem = kind ? "final" : "anytime";
            snprintf(p, sizeof p, "%s/%s_%s.png", sub, stem, ds[d]);
            CHECK_MSG(has_prefix_bytes(p, "\x89PNG\r\n\x1a\n", 8), "%s is not a PNG", p);
            snprintf(p, sizeof p, "%s/%s_%s.pdf", sub, stem, ds[d]);
            CHECK_MSG(has_prefix_bytes(p, "%PDF", 4) && fsize(p) > 1000, "%s is not a PDF", p);
            snprintf(p, sizeof p, "%s/%s_%s.svg", sub, stem, ds[d]);
            CHECK_MSG(file_contains(p, "<svg"), "%s is not an SVG", p);
            snprintf(p, sizeof p, "%s/%s_%s.gp", sub, stem, ds[d]);
            CHECK(fsize(p) > 0);
            snprintf(p, sizeof p, "%s/%s_%s.dat", sub, stem, ds[d]);
            CHECK(fsize(p) > 0);
        }
    }
    /* Curves start once every run has a result: grid point 0 is NaN (run 0
     * has none), grid point 1 averages all 3 runs: test = 88+0+1-1, 89, 90. */
    snprintf(p, sizeof p, "%s/anytime_cifar10.dat", sub);
    CHECK(file_contains(p, "250.125 2 NaN"));
    CHECK(file_contains(p, "500.25 3 89.000000 "));
    snprintf(p, sizeof p, "%s/summary.csv", sub);
    char *csv = read_text(p);
    CHECK_STR(csv, golden_csv);
    free(csv);
    snprintf(p, sizeof p, "%s/report.md", sub);
    CHECK(file_contains(p, golden_md));
    CHECK(file_contains(p, "![anytime_cifar10](anytime_cifar10.png)"));
    snprintf(p, sizeof p, "%s/report_body.tex", sub);
    CHECK(file_contains(p, golden_tex));
    CHECK(file_contains(p, "{\\includegraphics{anytime_cifar10.pdf}}"));
    snprintf(p, sizeof p, "%s/report.tex", sub);
    CHECK(file_contains(p, "\\documentclass"));
    CHECK(file_contains(p, "\\input{report_body.tex}"));
    snprintf(p, sizeof p, "%s/report.html", sub);
    CHECK(file_contains(p, "<img src=\"anytime_cifar10.svg\""));
    res_results_free(r);
    free(dir);
}

TEST(rep_report_without_gnuplot)
{
    char *dir = test_subdir("nognuplot");
    char *empty = test_subdir("emptybin");
    char p[800];
    const char *old = getenv("PATH");
    char *saved = old ? nb_xstrdup(old) : NULL;
    setenv("PATH", empty, 1);
    res_results *r = make_results();
    nb_status st = rep_report(r, dir, REP_FMT_CSV | REP_FMT_MD | REP_FMT_TEX | REP_FMT_PNG);
    if (saved) setenv("PATH", saved, 1);
    else unsetenv("PATH");
    CHECK_EQ_INT(st, NB_ETOOL);
    CHECK_ERRMSG("gnuplot not found on PATH");
    CHECK_ERRMSG("hint: apt-get install gnuplot-nox");
    snprintf(p, sizeof p, "%s/summary.csv", dir);
    char *csv = read_text(p);
    CHECK_STR(csv, golden_csv);
    free(csv);
    snprintf(p, sizeof p, "%s/report.md", dir);
    CHECK(file_contains(p, golden_md));
    snprintf(p, sizeof p, "%s/report_body.tex", dir);
    CHECK(file_contains(p, golden_tex));
    /* Scripts and data are there for later; figures are not. */
    snprintf(p, sizeof p, "%s/anytime_cifar10.gp", dir);
    CHECK(fsize(p) > 0);
    snprintf(p, sizeof p, "%s/anytime_cifar10.png", dir);
    CHECK(fsize(p) < 0);
    /* Tables only: no gnuplot needed, no error. */
    setenv("PATH", empty, 1);
    st = rep_report(r, dir, REP_FMT_MD);
    if (saved) setenv("PATH", saved, 1);
    CHECK_EQ_INT(st, NB_OK);
    free(saved);
    res_results_free(r);
    free(empty);
    free(dir);
}

TEST(rep_report_failing_gnuplot_and_bad_dir)
{
    char *dir = test_subdir("badgnuplot");
    char *bin = test_subdir("fakebin");
    char p[800];
    snprintf(p, sizeof p, "%s/gnuplot", bin);
    FILE *f = fopen(p, "w");
    fputs("#!/bin/sh\necho 'line 3: unknown terminal' >&2\nexit 1\n", f);
    fclose(f);
    chmod(p, 0755);
    const char *old = getenv("PATH");
    char *saved = old ? nb_xstrdup(old) : NULL;
    setenv("PATH", bin, 1);
    res_results *r = make_results();
    nb_status st = rep_report(r, dir, REP_FMT_PNG);
    if (saved) setenv("PATH", saved, 1);
    CHECK_EQ_INT(st, NB_ETOOL);
    CHECK_ERRMSG("anytime_cifar10-valid.gp");
    CHECK_ERRMSG("unknown terminal");

    /* A gnuplot that exits 0 but draws nothing (no such terminal): the
     * missing figure is named, and a stale one from an earlier report does
     * not pass for new. */
    snprintf(p, sizeof p, "%s/gnuplot", bin);
    f = fopen(p, "w");
    fputs("#!/bin/sh\nexit 0\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/anytime_cifar10-valid.png", dir);
    f = fopen(p, "w");
    fputs("stale", f);
    fclose(f);
    setenv("PATH", bin, 1);
    st = rep_report(r, dir, REP_FMT_PNG);
    if (saved) setenv("PATH", saved, 1);
    CHECK_EQ_INT(st, NB_ETOOL);
    CHECK_ERRMSG("wrote no");
    CHECK_ERRMSG("anytime_cifar10-valid.png");
    CHECK(fsize(p) < 0);

    /* A report directory below a regular file cannot be created. */
    snprintf(p, sizeof p, "%s/plainfile", dir);
    fclose(fopen(p, "w"));
    snprintf(p, sizeof p, "%s/plainfile/report", dir);
    CHECK_STATUS(rep_report(r, p, REP_FMT_MD), NB_EIO);
    CHECK_ERRMSG("plainfile");
    res_results_free(r);
    free(saved);
    free(bin);
    free(dir);
}

/* ---- rank statistics (issue 17) ---- */

TEST(rep_friedman_constructed_and_identical)
{
    /* 4 blocks, 3 strategies, ranks (1,2,3) (1,2,3) (1,3,2) (2,1,3): average
     * ranks 1.25, 2, 2.75; chi2 = 12*4/(3*4) (13.125 - 12) = 4.5 (Demsar eq. 1);
     * F_F = 3 * 4.5 / (4*2 - 4.5) = 27/7 (eq. 2). */
    double s[4][3] = {{1, 2, 3}, {1, 2, 3}, {1, 3, 2}, {2, 1, 3}}, avg[6];
    rep_friedman_result fr;
    CHECK_OK(rep_friedman(&s[0][0], 4, 3, 0.05, avg, &fr));
    CHECK(fabs(avg[0] - 1.25) < 1e-12 && fabs(avg[2] - 2.75) < 1e-12);
    CHECK(fabs(fr.chi2 - 4.5) < 1e-12);
    CHECK(!fr.identical && fabs(fr.ff - 27.0 / 7.0) < 1e-12);
    /* Perfect agreement over the three independent columns of `make run`
     * (6 strategies): chi2 = n (k-1) = 15, p = 0.0104, CD = 2.850 *
     * sqrt(6*7/18) = 4.35; F_F not defined (no inf, no p = 0). */
    double a[3][6];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 6; j++) a[i][j] = j + 0.1 * i;
    CHECK_OK(rep_friedman(&a[0][0], 3, 6, 0.05, avg, &fr));
    CHECK(fabs(fr.chi2 - 15.0) < 1e-9);
    CHECK(fabs(fr.chi2_p - 0.0104) < 5e-5);
    CHECK(fabs(fr.cd - 4.35) < 5e-3);
    CHECK(fr.identical && isnan(fr.ff) && isnan(fr.ff_p));
}

TEST(rep_friedman_dedup_rule)
{
    const char *ds[] = {"cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"}, *out[4];
    CHECK_EQ_INT(rep_independent_datasets(ds, 4, out), 3);
    CHECK_STR(out[0], "cifar10");
    CHECK_STR(out[2], "ImageNet16-120");
    const char *ds2[] = {"cifar10-valid", "cifar100"};
    CHECK_EQ_INT(rep_independent_datasets(ds2, 2, out), 2); /* no cifar10: kept */
    CHECK_STR(out[0], "cifar10-valid");
    /* In a report: the 4 columns of make_results-like data count as 1 + 1. */
    res_results *r = make_results();
    char *dir = test_subdir("ranks_dedup"), p[700];
    nb_status st = rep_rank_report(r, dir, REP_FMT_MD);
    CHECK(st == NB_OK || st == NB_ENOTFOUND);
    snprintf(p, sizeof p, "%s/ranks.md", dir);
    /* Only cifar10 and cifar10-valid: one independent dataset, no Friedman test. */
    CHECK(!file_contains(p, "Friedman test over 2"));
    res_results_free(r);
    free(dir);
}

/* The stroke colour of the legend sample of series `name` in a gnuplot SVG:
 * the first stroke='rgb(...)' after "<text>name". */
static int svg_series_color(const char *path, const char *name, char *out, size_t cap)
{
    char *t = read_text(path), needle[128];
    if (!t) return 0;
    snprintf(needle, sizeof needle, "<text>%s", name);
    char *a = strstr(t, needle), *c = a ? strstr(a, "stroke='rgb(") : NULL;
    int ok = 0;
    if (c) {
        char *e = strchr(c, ')');
        size_t n = e ? (size_t)(e - c) : 0;
        if (n && n < cap) {
            memcpy(out, c, n);
            out[n] = '\0';
            ok = 1;
        }
    }
    free(t);
    return ok;
}


static int has_figure_file(const char *dir, const char *stem)
{
    char p[800];
    snprintf(p, sizeof p, "%s/%s.png", dir, stem);
    return fsize(p) > 0;
}

TEST(rep_report_style_documents)
{
    char *dir = test_subdir("report_style"), p[800];
    res_results *r = make_results();
    int all = REP_FMT_CSV | REP_FMT_MD | REP_FMT_TEX | REP_FMT_PNG | REP_FMT_PDF | REP_FMT_SVG;
    CHECK_OK(rep_report(r, dir, all));
    /* One colour per strategy name across figures: rea in the anytime and
     * in the rank figure, and it is Okabe-Ito vermillion (#D55E00). */
    char c1[64] = "", c2[64] = "";
    snprintf(p, sizeof p, "%s/anytime_cifar10.svg", dir);
    CHECK(svg_series_color(p, "rea", c1, sizeof c1));
    snprintf(p, sizeof p, "%s/rank_cifar10.svg", dir);
    CHECK(svg_series_color(p, "rea", c2, sizeof c2));
    CHECK_STR(c1, c2);
    CHECK_STR(c1, "stroke='rgb(213,  94,   0");
    /* The script: 5.5 in wide PDF with 8 pt text, x axis ending at the budget,
     * regret on explicit log ticks. */
    snprintf(p, sizeof p, "%s/anytime_cifar10.gp", dir);
    CHECK(file_contains(p, "pdfcairo size 5.500in,"));
    CHECK(file_contains(p, "font \"Helvetica,8\""));
    CHECK(file_contains(p, "set xrange [0:1000.5]"));
    CHECK(file_contains(p, "set logscale y"));
    /* No two horizontal labels overlap (tick labels, axis labels, legend). */
    static const char *svgs[] = {"anytime_cifar10.svg", "final_cifar10.svg", "rank_cifar10.svg"};
    for (size_t i = 0; i < sizeof svgs / sizeof svgs[0]; i++) {
        char what[200] = "";
        snprintf(p, sizeof p, "%s/%s", dir, svgs[i]);
        int bad = test_svg_label_overlaps(p, what, sizeof what);
        CHECK_MSG(bad == 0, "%s: %d overlapping labels, e.g. %s", p, bad, what);
    }
    /* Golden scripts (sizes, ranges, ticks, palette, layout): a change to the
     * style shows up here. After an intended change, regenerate with
     * NASTAB_UPDATE_GOLDEN=1 build/nastab-tests rep_report_style_documents
     * and look at the figures before committing the new files. */
    static const char *golden[] = {"anytime_cifar10.gp", "final_cifar10.gp", "rank_cifar10.gp"};
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        char want_p[300];
        snprintf(p, sizeof p, "%s/%s", dir, golden[i]);
        snprintf(want_p, sizeof want_p, "tests/fixtures/report/%s", golden[i]);
        char *got = read_text(p);
        if (getenv("NASTAB_UPDATE_GOLDEN")) {
            FILE *g = fopen(want_p, "w");
            if (g) fputs(got ? got : "", g), fclose(g);
        }
        char *want = read_text(want_p);
        CHECK_MSG(got && want && !strcmp(got, want), "%s differs from %s", p, want_p);
        free(got);
        free(want);
    }
    /* report.md embeds every figure drawn. */
    static const char *stems[] = {"anytime_cifar10", "anytime_cifar10-valid", "final_cifar10",
                                  "final_cifar10-valid", "rank_cifar10", "rank_cifar10-valid",
                                  "cd_diagram"};
    char md[700];
    snprintf(md, sizeof md, "%s/report.md", dir);
    for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++) {
        if (!has_figure_file(dir, stems[i])) continue;
        char ref[200];
        snprintf(ref, sizeof ref, "](%s.png)", stems[i]);
        CHECK_MSG(file_contains(md, ref), "report.md does not embed %s.png", stems[i]);
    }
    /* report.tex compiles on its own (skipped without pdflatex). */
    if (system("command -v pdflatex >/dev/null 2>&1") != 0) {
        printf("  (skipped: pdflatex not found; apt-get install texlive-latex-base "
               "texlive-latex-recommended)\n");
    } else {
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "cd '%s' && pdflatex -interaction=nonstopmode -halt-on-error "
                 "report.tex >pdflatex.out 2>&1", dir);
        CHECK_MSG(system(cmd) == 0, "pdflatex report.tex failed; see %s/pdflatex.out", dir);
        snprintf(p, sizeof p, "%s/report.pdf", dir);
        CHECK(fsize(p) > 1000);
    }
    res_results_free(r);
    free(dir);
}
