/* core/file.c - atomic file replacement (nb_file_*, see core/nb.h): a file
 * is written under a temporary name in its own directory, synced, renamed
 * over the real name and the directory synced, so that a reader (or a crash)
 * sees the old file or the new one, never a part of either: rename(2) within
 * one file system is atomic (POSIX), and the same directory keeps it within
 * one file system. redis' rdbSave follows the same steps. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    nb_file_clean_stale(path);
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

int nb_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

nb_status nb_file_check_output(const char *out, const nb_file_input *in, size_t n)
{
    NB_ASSERT(out && (in || n == 0));
    for (size_t i = 0; i < n; i++) {
        if (!in[i].path || !nb_same_file(out, in[i].path)) continue;
        char qo[256], qi[256];
        nb_esc(out, qo, sizeof qo);
        nb_esc(in[i].path, qi, sizeof qi);
        if (!strcmp(out, in[i].path))
            return nb_fail(NB_EINVAL, "refusing to write %s: it is the input %s (same file); "
                                      "hint: write the output to another path",
                           qo, in[i].label);
        return nb_fail(NB_EINVAL, "refusing to write %s: it is the input %s %s (same file); "
                                  "hint: write the output to another path",
                       qo, in[i].label, qi);
    }
    return NB_OK;
}

int nb_file_clean_stale(const char *path)
{
    if (!path || !path[0]) return 0;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? nb_xstrdup(path) : nb_xstrdup(".");
    if (slash) dir[slash == path ? 1 : (size_t)(slash - path)] = 0;
    size_t blen = strlen(base);
    int removed = 0;
    DIR *d = opendir(dir);
    if (!d) {
        free(dir);
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *nm = e->d_name;
        if (strncmp(nm, base, blen) != 0 || strncmp(nm + blen, ".tmp.", 5) != 0) continue;
        const char *digits = nm + blen + 5;
        char *end;
        errno = 0;
        long pid = strtol(digits, &end, 10);
        if (errno || end == digits || *end || digits[0] < '1' || digits[0] > '9' || pid <= 0 ||
            pid == (long)getpid() || pid != (long)(pid_t)pid)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* alive, or not ours to judge */
        size_t n = strlen(dir) + strlen(nm) + 2;
        char *full = nb_xmalloc(n);
        snprintf(full, n, "%s/%s", dir, nm);
        struct stat sb;
        if (lstat(full, &sb) == 0 && S_ISREG(sb.st_mode) && unlink(full) == 0) {
            nb_debug("removed %s, the temporary of process %ld that is no longer running", full,
                     pid);
            removed++;
        }
        free(full);
    }
    closedir(d);
    free(dir);
    return removed;
}
