/* core/file.c - atomic file replacement (nb_file_*, see core/nb.h): a file
 * is written under a temporary name in its own directory, synced, renamed
 * over the real name and the directory synced, so that a reader (or a crash)
 * sees the old file or the new one, never a part of either: rename(2) within
 * one file system is atomic (POSIX), and the same directory keeps it within
 * one file system. redis' rdbSave follows the same steps. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nb.h"

char *nb_file_tmpname(const char *path)
{
    NB_ASSERT(path);
    size_t n = strlen(path) + 32;
    char *tmp = nb_xmalloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    return tmp;
}

nb_status nb_file_tmp_create(const char *path, char **tmp, FILE **f)
{
    NB_ASSERT(path && tmp);
    *tmp = NULL;
    if (f) *f = NULL;
    if (!path[0]) return nb_fail(NB_EINVAL, "cannot write a file with an empty name");
    char *t = nb_file_tmpname(path);
    /* Created here rather than by the writer (fopen, H5Fcreate) so that a
     * directory that is not writable fails with errno's reason. */
    int fd = open(t, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        nb_status st = nb_fail(NB_EIO, "%s: cannot create temporary file %s: %s", path, t,
                               strerror(errno));
        free(t);
        return st;
    }
    if (f) {
        *f = fdopen(fd, "w");
        if (!*f) {
            nb_status st = nb_fail(NB_EIO, "%s: cannot open temporary file %s: %s", path, t,
                                   strerror(errno));
            close(fd);
            unlink(t);
            free(t);
            return st;
        }
    } else {
        close(fd);
    }
    *tmp = t;
    return NB_OK;
}

void nb_file_discard(const char *tmp)
{
    if (tmp) unlink(tmp);
}

/* fsync the file or directory at p. A directory's fsync may be refused by
 * the file system (EINVAL on some network and FUSE mounts): the rename has
 * happened by then, so that failure is not reported. */
static nb_status sync_path(const char *path, const char *p, int dir)
{
    int fd = open(p, dir ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) {
        if (dir) return NB_OK;
        return nb_fail(NB_EIO, "%s: cannot open %s to sync it: %s", path, p, strerror(errno));
    }
    int rc = fsync(fd), e = errno;
    close(fd);
    if (rc != 0 && !dir) return nb_fail(NB_EIO, "%s: cannot sync %s: %s", path, p, strerror(e));
    return NB_OK;
}

nb_status nb_file_commit(const char *tmp, const char *path)
{
    NB_ASSERT(tmp && path);
    nb_status st = sync_path(path, tmp, 0);
    if (st != NB_OK) {
        unlink(tmp);
        return st;
    }
    if (rename(tmp, path) != 0) {
        st = nb_fail(NB_EIO, "%s: cannot rename %s into place: %s", path, tmp, strerror(errno));
        unlink(tmp);
        return st;
    }
    char *dir = nb_xstrdup(path), *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = 0;
    else if (slash)
        *slash = 0;
    sync_path(path, slash ? dir : ".", 1);
    free(dir);
    return NB_OK;
}

nb_status nb_file_commit_stream(FILE *f, const char *tmp, const char *path)
{
    NB_ASSERT(f && tmp && path);
    int bad = ferror(f) != 0;
    int e = bad && errno ? errno : EIO; /* errno as the failed write left it */
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        nb_status st = nb_fail(NB_EIO, "%s: cannot write %s: %s", path, tmp, strerror(e));
        unlink(tmp);
        return st;
    }
    return nb_file_commit(tmp, path);
}
