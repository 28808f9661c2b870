/* tests/main.c - the single entry point for unit tests.
 * Usage: nastab-tests [--table nb201.h5] [--quick] [--list] [NAME-SUBSTRING...] */
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

typedef struct {
    const char *name;
    test_fn fn;
} test_case;

static test_case cases[512];
static int n_cases;
static int cur_failures;
static const char *table_path;
static int quick;
static char tmpdir[256];

void test_register(const char *name, test_fn fn)
{
    NB_ASSERT(n_cases < (int)(sizeof cases / sizeof cases[0]));
    cases[n_cases].name = name;
    cases[n_cases].fn = fn;
    n_cases++;
}

void test_fail_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  FAIL %s:%d: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cur_failures++;
}

const char *test_table_path(void) { return table_path; }
int test_quick(void) { return quick; }

const char *test_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof tmpdir, "%s/nastab-tests-%ld", base ? base : "/tmp", (long)getpid());
        mkdir(tmpdir, 0700);
    }
    return tmpdir;
}

static int cmp_case(const void *a, const void *b)
{
    return strcmp(((const test_case *)a)->name, ((const test_case *)b)->name);
}

int main(int argc, char **argv)
{
    const char *filters[64];
    int n_filters = 0, list = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--table") && i + 1 < argc) table_path = argv[++i];
        else if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--list")) list = 1;
        else if (n_filters < 64) filters[n_filters++] = argv[i];
    }
    qsort(cases, (size_t)n_cases, sizeof cases[0], cmp_case);
    nb_log_level = 0; /* library chatter off; tests print their own failures */
    int passed = 0, failed = 0;
    for (int i = 0; i < n_cases; i++) {
        int match = n_filters == 0;
        for (int f = 0; f < n_filters; f++)
            if (strstr(cases[i].name, filters[f])) match = 1;
        if (!match) continue;
        if (list) {
            printf("%s\n", cases[i].name);
            continue;
        }
        cur_failures = 0;
        double t0 = nb_now();
        cases[i].fn();
        double dt = nb_now() - t0;
        if (cur_failures) {
            failed++;
            printf("FAIL %s (%.2fs)\n", cases[i].name, dt);
        } else {
            passed++;
            printf("ok   %s (%.2fs)\n", cases[i].name, dt);
        }
        fflush(stdout);
    }
    test_fixtures_close();
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    if (!list) printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
