/* tests/fixture.c - the shared fixtures of the unit tests (see test.h): the
 * NB201 table given with --table, opened on first use, kept open for the
 * rest of the process and closed by the runner before it exits; scratch
 * subdirectories and a count of the entries in one. */
#include <dirent.h>
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
