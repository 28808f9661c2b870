/* tests/fixture.c - the shared fixtures of the unit tests (see test.h): the
 * NB201 table given with --table, opened on first use, kept open for the
 * rest of the process and closed by the runner before it exits; scratch
 * subdirectories and a count of the entries in one; whole-file reads,
 * golden-file checks and fake images shared by several test files. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "test.h"

static tab_table *nb201;
static int tried;
static char why[1024]; /* why there is no table, once known */

tab_table *test_table_at(const char *file, int line)
{
    if (!tried) {
        tried = 1;
        const char *path = test_table_path();
        if (!path)
            snprintf(why, sizeof why, "no NB201 table; hint: run the tests with --table FILE "
                                      "(`make unit` passes build/nb201.h5)");
        else if (tab_open(path, &nb201) != NB_OK)
            snprintf(why, sizeof why, "cannot open the NB201 table: %s", nb_errmsg());
    }
    if (!nb201) test_fail_at(file, line, "%s", why);
    return nb201;
}

void test_fixtures_close(void)
{
    tab_close(nb201);
    nb201 = NULL;
    tried = 0;
}

char *test_subdir(const char *name)
{
    size_t n = strlen(test_tmpdir()) + strlen(name) + 2;
    char *d = nb_xmalloc(n);
    snprintf(d, n, "%s/%s", test_tmpdir(), name);
    mkdir(d, 0755);
    return d;
}

int test_count_entries(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += strstr(e->d_name, needle) != NULL;
    closedir(d);
    return n;
}

char *test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4097 > cap) buf = nb_xrealloc_array(buf, cap = cap ? 2 * cap : 8192, 1);
        got = fread(buf + len, 1, 4096, f);
        len += got;
    } while (got);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

void test_check_golden(const char *dir, const char *name)
{
    char got_p[800], want_p[300];
    snprintf(got_p, sizeof got_p, "%s/%s", dir, name);
    snprintf(want_p, sizeof want_p, "tests/fixtures/report/%s", name);
    char *got = test_slurp(got_p);
    if (getenv("NASTAB_UPDATE_GOLDEN") && got) {
        FILE *g = fopen(want_p, "w");
        if (g) fputs(got, g), fclose(g);
    }
    char *want = test_slurp(want_p);
    CHECK_MSG(got && want && !strcmp(got, want), "%s differs from %s", got_p, want_p);
    free(got);
    free(want);
}

void test_fake_images(nn_data *d, size_t n, uint64_t seed)
{
    nb_rng r;
    nb_rng_init(&r, seed, 0, NB_PURPOSE_TEST);
    memset(d, 0, sizeof *d);
    d->n = n;
    d->c = 1;
    d->h = d->w = 14;
    d->classes = 10;
    d->mean[0] = 0.5f;
    d->std[0] = 0.25f;
    d->x = nb_xmalloc(n * 196);
    d->y = nb_xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        d->y[i] = (uint8_t)nb_rng_below(&r, 10);
        for (int p = 0; p < 196; p++) d->x[i * 196 + p] = (uint8_t)(d->y[i] * 20 + nb_rng_below(&r, 50));
    }
}
