/* tests/test.h - the unit-test harness: TEST(name) registers a test case at
 * load time (no central list to edit); CHECK* record failures with file:line
 * and keep going; the runner prints "N passed, N failed".
 *
 *     TEST(space_parse_roundtrip) {
 *         space_arch a;
 *         CHECK_OK(space_parse(s, &a));
 *         CHECK_EQ_INT(space_code(&a), 42);
 *     }
 *
 * Tests that need the NB201 table ask the fixture for it; without one they
 * fail, they do not skip:
 *
 *     TEST(tab_best_cifar10) {
 *         tab_table *t = test_table();   // borrowed; NULL after a recorded failure
 *         if (!t) return;
 *         ...
 *     }
 */
#ifndef NASTAB_TEST_H
#define NASTAB_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/nb.h"
#include "nn/nn.h"
#include "tables/tab.h"

typedef void (*test_fn)(void);
void test_register(const char *name, test_fn fn);
void test_fail_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Path of the NB201 table given with --table, or NULL. */
const char *test_table_path(void);
/* The NB201 table given with --table (tests/fixture.c), opened once per
 * process on first use. Borrowed: do not tab_close it; the runner closes it
 * at exit (test_fixtures_close). When --table was not given or the file does
 * not open, every call records a failure at the caller's file:line naming
 * the reason (with nb_errmsg's message) and returns NULL. */
#define test_table() test_table_at(__FILE__, __LINE__)
tab_table *test_table_at(const char *file, int line);
/* Close what the fixtures opened; main calls it once all tests have run. */
void test_fixtures_close(void);
/* A scratch directory private to this test process (created on demand). */
const char *test_tmpdir(void);
/* "<test_tmpdir()>/<name>", created (mode 0755) if absent; nb_xmalloc'd,
 * caller frees. */
char *test_subdir(const char *name);
/* The number of entries of dir whose name contains needle (e.g. ".tmp." to
 * find temporaries left behind), or -1 when dir cannot be read. */
int test_count_entries(const char *dir, const char *needle);
/* The horizontal text labels of a gnuplot SVG at path whose boxes overlap
 * or leave the canvas (viewBox): each label from its translate(x,y),
 * font-size and text-anchor, width 0.55 em per character, height 0.75 em
 * above the baseline; rotated labels are skipped. Returns their count (the
 * first is described in what), -1 when path cannot be read.
 * (tests/test_rep_figures.c) */
int test_svg_label_overlaps(const char *path, char *what, size_t cap);
/* The whole file at path, NUL-terminated; NULL when it cannot be read.
 * The caller frees it. */
char *test_slurp(const char *path);
/* dir/name against the golden file tests/fixtures/report/name (rewritten
 * first when NASTAB_UPDATE_GOLDEN is set): a failed check when they differ. */
void test_check_golden(const char *dir, const char *name);
/* n fake 1x14x14 images of 10 classes whose class shows in the mean
 * brightness, drawn from (seed, 0, TEST); free d->x and d->y. */
void test_fake_images(nn_data *d, size_t n, uint64_t seed);
/* 1 when the runner was started with --quick (valgrind): skip the slowest loops. */
int test_quick(void);

#define TEST(name)                                                          \
    static void name(void);                                                 \
    __attribute__((constructor)) static void name##_register(void)          \
    {                                                                       \
        test_register(#name, name);                                         \
    }                                                                       \
    static void name(void)

#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) test_fail_at(__FILE__, __LINE__, "CHECK(%s)", #cond);  \
    } while (0)
#define CHECK_MSG(cond, ...)                                                \
    do {                                                                    \
        if (!(cond)) test_fail_at(__FILE__, __LINE__, __VA_ARGS__);         \
    } while (0)
#define CHECK_OK(expr)                                                      \
    do {                                                                    \
        nb_status st_ = (expr);                                             \
        if (st_ != NB_OK)                                                   \
            test_fail_at(__FILE__, __LINE__, "%s returned %d: %s", #expr,   \
                         (int)st_, nb_errmsg());                            \
    } while (0)
#define CHECK_STATUS(expr, want)                                            \
    do {                                                                    \
        nb_status st_ = (expr);                                             \
        if (st_ != (want))                                                  \
            test_fail_at(__FILE__, __LINE__, "%s returned %d, want %d (%s)",\
                         #expr, (int)st_, (int)(want), nb_errmsg());        \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                  \
    do {                                                                    \
        long long a_ = (long long)(a), b_ = (long long)(b);                 \
        if (a_ != b_)                                                       \
            test_fail_at(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a,  \
                         #b, a_, b_);                                       \
    } while (0)
#define CHECK_NEAR(a, b, tol)                                               \
    do {                                                                    \
        double a_ = (double)(a), b_ = (double)(b);                          \
        if (!(fabs(a_ - b_) <= (tol)))                                      \
            test_fail_at(__FILE__, __LINE__, "%s ~= %s: %.9g vs %.9g (tol %g)", \
                         #a, #b, a_, b_, (double)(tol));                    \
    } while (0)
#define CHECK_STR(a, b)                                                     \
    do {                                                                    \
        const char *a_ = (a), *b_ = (b);                                    \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                              \
            test_fail_at(__FILE__, __LINE__, "%s == %s: '%s' vs '%s'", #a,  \
                         #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");       \
    } while (0)
/* The last error message contains `needle`. */
#define CHECK_ERRMSG(needle)                                                \
    do {                                                                    \
        if (!strstr(nb_errmsg(), (needle)))                                 \
            test_fail_at(__FILE__, __LINE__, "error message '%s' lacks '%s'", \
                         nb_errmsg(), (needle));                            \
    } while (0)

#endif
