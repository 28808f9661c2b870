/* reports/files.c - output files of the reports module: directories,
 * checked open/close, file-name-safe names. Shared by report.c (anytime
 * figures and tables), pareto.c (multi-objective report), devices.c and
 * rank.c (reports/rep_private.h), and the one way reports run gnuplot. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reports/rep_private.h"

nb_status rp_mkdir_p(const char *dir)
{
    char *p = nb_xstrdup(dir);
    nb_status st = NB_OK;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            st = nb_fail(NB_EIO, "cannot create directory %s: %s", p, strerror(errno));
            break;
        }
        struct stat sb;
        if (stat(p, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            st = nb_fail(NB_EIO, "cannot create directory %s: %s exists and is not a "
                         "directory", dir, p);
            break;
        }
        *s = c;
        if (!c) break;
    }
    free(p);
    return st;
}

char *rp_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = nb_xmalloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

nb_status rp_open(const char *dir, const char *name, FILE **f)
{
    char *p = rp_join(dir, name);
    *f = fopen(p, "w");
    nb_status st = NB_OK;
    if (!*f) st = nb_fail(NB_EIO, "cannot write %s: %s (directory %s not writable?)", p,
                          strerror(errno), dir);
    free(p);
    return st;
}

nb_status rp_close(const char *dir, const char *name, FILE *f, nb_status st)
{
    int bad = ferror(f);
    if (fclose(f) != 0) bad = 1;
    if (st == NB_OK && bad) {
        char *p = rp_join(dir, name);
        st = nb_fail(NB_EIO, "writing %s failed (disk full?)", p);
        free(p);
    }
    return st;
}

/* File-name-safe copy of a dataset name. */
void rp_safe_name(const char *s, char *out, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}

/* ---- running gnuplot ---- */

/* Absolute path of gnuplot from $PATH, or NULL. */
char *rp_find_gnuplot(void)
{
    const char *path = getenv("PATH");
    if (!path || !*path) return NULL;
    char *copy = nb_xstrdup(path), *save = NULL, *found = NULL;
    for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *p = rp_join(*d ? d : ".", "gnuplot");
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0) found = p;
        else free(p);
    }
    free(copy);
    return found;
}

/* Run `gnuplot script` in dir with output to log; NB_ETOOL names the script
 * and quotes the first error line. */
nb_status rp_run_gnuplot(const char *gnuplot, const char *dir, const char *script,
                         const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return nb_fail(NB_ETOOL, "cannot start gnuplot for %s/%s: %s", dir, script,
                                strerror(errno));
    if (pid == 0) {
        if (chdir(dir) != 0) _exit(126);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execl(gnuplot, "gnuplot", script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return nb_fail(NB_ETOOL, "waiting for gnuplot (%s) failed", script);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return NB_OK;
    char line[300] = "";
    char *lp = rp_join(dir, log);
    FILE *f = fopen(lp, "r");
    if (f) {
        char buf[300];
        while (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\n")] = '\0';
            if (buf[strspn(buf, " ^")] == '\0') continue;
            snprintf(line, sizeof line, "%s", buf);
            if (strstr(buf, "rror") || strstr(buf, "line ")) break;
        }
        fclose(f);
    }
    nb_status st;
    if (WIFEXITED(status))
        st = nb_fail(NB_ETOOL, "gnuplot failed on %s/%s (exit %d)%s%s; log: %s", dir, script,
                     WEXITSTATUS(status), line[0] ? ": " : "", line, lp);
    else
        st = nb_fail(NB_ETOOL, "gnuplot was killed by a signal on %s/%s; log: %s", dir, script,
                     lp);
    free(lp);
    return st;
}

nb_status rp_gnuplot(const char *dir, const char *script)
{
    char *gp = rp_find_gnuplot();
    if (!gp) return nb_fail(NB_ETOOL, "gnuplot not found; %s/%s written but not drawn; hint: "
                                      "apt-get install gnuplot-nox", dir, script);
    char log[160];
    snprintf(log, sizeof log, "%.150s.log", script);
    nb_status st = rp_run_gnuplot(gp, dir, script, log);
    free(gp);
    return st;
}
