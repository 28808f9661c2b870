/* tests/test_core.c - core/: the atomic file replacement (nb_file_*): a
 * commit replaces the old file and leaves no temporary; every failure (no
 * such directory, a directory in the way, a write error, a read-only
 * directory when not root) leaves the old file as it was, no temporary
 * behind, and a message naming the file and the OS error. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
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
