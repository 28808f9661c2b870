/* tests/test_core.c - core/: the atomic file replacement (nb_file_*): a
 * commit replaces the old file and leaves no temporary; every failure (no
 * such directory, a directory in the way, a write error, a read-only
 * directory when not root) leaves the old file as it was, no temporary
 * behind, and a message naming the file and the OS error. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

/* The whole (short) content of path, or "" when unreadable. */
static const char *slurp(const char *path)
{
    static char buf[256];
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Replace path with `text` through nb_file_tmp_create + nb_file_commit_stream. */
static nb_status write_text(const char *path, const char *text)
{
    char *tmp;
    FILE *f;
    nb_status st = nb_file_tmp_create(path, &tmp, &f);
    if (st != NB_OK) return st;
    fputs(text, f);
    st = nb_file_commit_stream(f, tmp, path);
    free(tmp);
    return st;
}

TEST(core_file_commit_replaces)
{
    char *dir = test_subdir("commit"), path[600];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    CHECK_OK(write_text(path, "old\n"));
    CHECK_STR(slurp(path), "old\n");
    CHECK_OK(write_text(path, "new\n"));
    CHECK_STR(slurp(path), "new\n");
    CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);

    /* A writer that creates the file itself (as H5Fcreate does). */
    char *tmp = nb_file_tmpname(path);
    CHECK(strstr(tmp, ".tmp.") != NULL && !strncmp(tmp, path, strlen(path)));
    FILE *f = fopen(tmp, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("third\n", f);
        fclose(f);
    }
    CHECK_OK(nb_file_commit(tmp, path));
    CHECK_STR(slurp(path), "third\n");
    CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);
    free(tmp);

    /* A bare name: the directory is the current one. */
    char *cwd = getcwd(NULL, 0);
    CHECK(cwd && chdir(dir) == 0);
    CHECK_OK(write_text("bare.txt", "bare\n"));
    CHECK_STR(slurp("bare.txt"), "bare\n");
    CHECK(cwd && chdir(cwd) == 0);
    free(cwd);
    free(dir);
}

TEST(core_file_failures_keep_the_old_file)
{
    char *dir = test_subdir("commit-fail"), path[600], bad[700];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    CHECK_OK(write_text(path, "old\n"));

    /* No such directory: the temporary cannot be created. */
    snprintf(bad, sizeof bad, "%s/no/such/dir/out.txt", dir);
    char *tmp = NULL;
    FILE *f = stderr; /* set to NULL on failure */
    CHECK_STATUS(nb_file_tmp_create(bad, &tmp, &f), NB_EIO);
    CHECK(tmp == NULL && f == NULL);
    CHECK_ERRMSG("no/such/dir/out.txt");
    CHECK_ERRMSG("No such file or directory");
    CHECK_STATUS(nb_file_tmp_create("", &tmp, NULL), NB_EINVAL);

    /* A non-empty directory in the way: the rename fails after the data was
     * written; the directory keeps its content, the temporary is removed. */
    snprintf(bad, sizeof bad, "%s/occupied", dir);
    mkdir(bad, 0755);
    char inner[800];
    snprintf(inner, sizeof inner, "%s/keep", bad);
    CHECK_OK(write_text(inner, "kept\n"));
    CHECK_STATUS(write_text(bad, "lost\n"), NB_EIO);
    CHECK_ERRMSG("occupied: cannot rename");
    CHECK_ERRMSG(strerror(EISDIR));
    CHECK_STR(slurp(inner), "kept\n");
    CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);

    /* A write error recorded in the stream: nothing is renamed. */
    CHECK_OK(nb_file_tmp_create(path, &tmp, NULL));
    f = fopen(tmp, "r");
    CHECK(f != NULL);
    if (f) {
        fputs("partial", f); /* a read-only stream: the write fails */
        CHECK_STATUS(nb_file_commit_stream(f, tmp, path), NB_EIO);
        CHECK_ERRMSG("out.txt: cannot write");
    }
    free(tmp);
    CHECK_STR(slurp(path), "old\n");
    CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);

    /* A temporary that vanished before the commit. */
    tmp = nb_file_tmpname(path);
    CHECK_STATUS(nb_file_commit(tmp, path), NB_EIO);
    CHECK_ERRMSG("cannot open");
    nb_file_discard(tmp); /* absent: fine */
    nb_file_discard(NULL);
    free(tmp);
    CHECK_STR(slurp(path), "old\n");

    /* A read-only directory (only meaningful when not root). */
    if (geteuid() != 0) {
        chmod(dir, 0555);
        CHECK_STATUS(write_text(path, "new\n"), NB_EIO);
        CHECK_ERRMSG(strerror(EACCES));
        chmod(dir, 0755);
        CHECK_STR(slurp(path), "old\n");
        CHECK_EQ_INT(test_count_entries(dir, ".tmp."), 0);
    }
    free(dir);
}

/* A pid that is not running: a child that has exited and been reaped. */
static long dead_pid(void)
{
    pid_t p = fork();
    if (p == 0) _exit(0);
    int status;
    waitpid(p, &status, 0);
    return (long)p;
}

TEST(core_file_stale_temporaries_are_cleaned)
{
    char *dir = test_subdir("stale"), path[600], stale[700], live[700], other[700];
    snprintf(path, sizeof path, "%s/out.h5", dir);
    snprintf(stale, sizeof stale, "%s.tmp.%ld", path, dead_pid());
    snprintf(live, sizeof live, "%s.tmp.%ld", path, (long)getppid()); /* a live process */
    snprintf(other, sizeof other, "%s/other.h5.tmp.%ld", dir, dead_pid()); /* another file's */
    const char *made[] = {stale, live, other};
    for (int i = 0; i < 3; i++) {
        FILE *f = fopen(made[i], "w");
        CHECK(f != NULL);
        if (f) fclose(f);
    }
    CHECK_OK(write_text(path, "new\n"));
    CHECK_STR(slurp(path), "new\n");
    CHECK_MSG(access(stale, F_OK) != 0, "the dead process's temporary %s is still there", stale);
    CHECK_MSG(access(live, F_OK) == 0, "a live process's temporary %s was removed", live);
    CHECK_MSG(access(other, F_OK) == 0, "another file's temporary %s was removed", other);
    unlink(live);
    unlink(other);
    CHECK_EQ_INT(nb_file_clean_stale(path), 0);
    free(dir);
}

TEST(core_file_output_is_not_an_input)
{
    char *dir = test_subdir("same"), a[600], b[600], ln[600], c[600];
    snprintf(a, sizeof a, "%s/a.h5", dir);
    snprintf(b, sizeof b, "%s/./a.h5", dir);
    snprintf(ln, sizeof ln, "%s/link.h5", dir);
    snprintf(c, sizeof c, "%s/c.h5", dir);
    CHECK_OK(write_text(a, "table\n"));
    unlink(ln);
    CHECK(link(a, ln) == 0);
    CHECK_EQ_INT(nb_same_file(a, a), 1);
    CHECK_EQ_INT(nb_same_file(a, b), 1);
    CHECK_EQ_INT(nb_same_file(a, ln), 1);
    CHECK_EQ_INT(nb_same_file(a, c), 0); /* c does not exist */
    CHECK_OK(write_text(c, "other\n"));
    CHECK_EQ_INT(nb_same_file(a, c), 0);
    nb_file_input in[] = {{"meta file", NULL}, {"table", a}};
    CHECK_OK(nb_file_check_output(c, in, 2));
    CHECK_STATUS(nb_file_check_output(a, in, 2), NB_EINVAL);
    CHECK_ERRMSG("refusing to write");
    CHECK_ERRMSG("it is the input table (same file)");
    CHECK_STATUS(nb_file_check_output(ln, in, 2), NB_EINVAL);
    CHECK_ERRMSG("link.h5: it is the input table");
    CHECK_ERRMSG("a.h5 (same file)");
    free(dir);
}

TEST(core_esc_quotes_binary)
{
    char q[32];
    CHECK_STR(nb_esc("plain.csv", q, sizeof q), "plain.csv");
    CHECK_STR(nb_esc("a\x1b[2Jb\x01\x7f", q, sizeof q), "a\\x1b[2Jb\\x01\\x7f");
    CHECK_STR(nb_esc("caf\xc3\xa9", q, sizeof q), "caf\xc3\xa9");      /* UTF-8 stays */
    CHECK_STR(nb_esc("\xc2\x9b", q, sizeof q), "\\xc2\\x9b");          /* C1 control */
    CHECK_STR(nb_esc("\xff\xfe", q, sizeof q), "\\xff\\xfe");          /* not UTF-8 */
    CHECK_STR(nb_esc(NULL, q, sizeof q), "(null)");
    char small[8];
    CHECK_STR(nb_esc("abcdefghij", small, sizeof small), "abcd...");
    CHECK_STR(nb_esc("abcdefg", small, sizeof small), "abcdefg");
    CHECK_STR(nb_esc("\x01\x02", small, sizeof small), "\\x01...");
}
