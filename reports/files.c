/* reports/files.c - output files of the reports module: directories,
 * checked open/close, file-name-safe names. Shared by report.c (anytime
 * figures and tables), pareto.c (multi-objective report), devices.c and
 * rank.c (reports/rep_private.h), and the one way reports run gnuplot.
 * Every file appears complete under its final name or not at all: text
 * files are written to "<name>.tmp.<pid>" and renamed by rp_close
 * (core/file.c); gnuplot draws to "<stem>.<fmt>.tmp.<pid>" and
 * rp_run_gnuplot renames each figure after gnuplot succeeds (or removes
 * them when it fails). */
#include <dirent.h>
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

/* Files the current report reads (rep_protect_inputs); borrowed. */
static const nb_file_input *rp_inputs;
static size_t rp_n_inputs;

void rep_protect_inputs(const nb_file_input *in, size_t n)
{
    rp_inputs = in;
    rp_n_inputs = in ? n : 0;
}

nb_status rp_open(const char *dir, const char *name, FILE **f)
{
    *f = NULL;
    char *p = rp_join(dir, name), *tmp = NULL;
    nb_status st = nb_file_check_output(p, rp_inputs, rp_n_inputs);
    if (st == NB_OK) st = nb_file_tmp_create(p, &tmp, f);
    free(tmp);
    free(p);
    return st;
}

nb_status rp_close(const char *dir, const char *name, FILE *f, nb_status st)
{
    char *p = rp_join(dir, name), *tmp = nb_file_tmpname(p);
    if (st != NB_OK) {
        fclose(f);
        nb_file_discard(tmp);
    } else {
        st = nb_file_commit_stream(f, tmp, p);
    }
    free(tmp);
    free(p);
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

/* 1 when name is "<stem>.{png,pdf,svg}.tmp.<this pid>": a figure this
 * process's gnuplot drew and has not committed; *stem_len is the length of
 * the final name. */
static int own_figure_tmp(const char *name, const char *suffix, size_t *final_len)
{
    size_t n = strlen(name), ns = strlen(suffix);
    if (n <= ns + 4 || strcmp(name + n - ns, suffix)) return 0;
    const char *ext = name + n - ns - 4;
    if (strncmp(ext, ".png", 4) && strncmp(ext, ".pdf", 4) && strncmp(ext, ".svg", 4)) return 0;
    *final_len = n - ns;
    return 1;
}

/* 1 when the figure at path ends as a whole file of its format does (a PNG
 * with its IEND chunk, a PDF with %%EOF, an SVG with </svg>): gnuplot exits
 * 0 after a write failed, so a full disk shows only as a cut file. */
static int figure_complete(const char *path, const char *ext)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    unsigned char buf[64];
    size_t n = 0;
    if (fseek(f, -(long)sizeof buf, SEEK_END) != 0) rewind(f);
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    static const unsigned char iend[8] = {'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
    if (!strncmp(ext, ".png", 4)) return n >= 8 && !memcmp(buf + n - 8, iend, 8);
    const char *mark = !strncmp(ext, ".pdf", 4) ? "%%EOF" : "</svg>";
    size_t m = strlen(mark);
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(buf + i, mark, m)) return 1;
    return 0;
}

/* Commit (keep != 0) or remove every figure gnuplot drew to a temporary
 * name in dir; an empty one is removed (gnuplot drew nothing into it), and
 * a committed figure's stale temporaries of dead processes go too. */
static nb_status settle_figures(const char *dir, int keep)
{
    char suffix[40];
    snprintf(suffix, sizeof suffix, ".tmp.%ld", (long)getpid());
    DIR *d = opendir(dir);
    if (!d) return keep ? nb_fail(NB_EIO, "cannot read directory %s: %s", dir, strerror(errno))
                        : NB_OK;
    nb_status st = NB_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len;
        if (!own_figure_tmp(e->d_name, suffix, &len)) continue;
        char *tmp = rp_join(dir, e->d_name), *fin = nb_xstrdup(tmp);
        fin[strlen(dir) + 1 + len] = '\0';
        struct stat sb;
        int full = keep && st == NB_OK && stat(tmp, &sb) == 0 && sb.st_size > 0;
        if (full && !figure_complete(tmp, e->d_name + len - 4)) {
            st = nb_fail(NB_EIO, "gnuplot wrote %s cut short (disk full?); it was removed", fin);
            full = 0;
        }
        if (full) {
            st = nb_file_commit(tmp, fin);
            if (st == NB_OK) nb_file_clean_stale(fin);
        } else {
            nb_file_discard(tmp);
        }
        free(tmp);
        free(fin);
    }
    closedir(d);
    return st;
}

/* 1 when the log at path has a line from the script itself ("nastab: this
 * gnuplot has no terminal ..."): worth keeping after a run that succeeded. */
static int log_has_note(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char buf[300];
    int note = 0;
    while (!note && fgets(buf, sizeof buf, f)) note = strncmp(buf, "nastab: ", 8) == 0;
    fclose(f);
    return note;
}

/* Run `gnuplot script` in dir with output to log; NB_ETOOL names the script
 * and quotes the first error line. gnuplot draws to temporary names
 * (nastab_tmp, see rp_gp_begin), committed here when it succeeds and removed
 * when it fails; the log is removed after a success (unless the script
 * printed a note into it) and kept, named in the message, after a failure. */
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
        char set_tmp[64];
        snprintf(set_tmp, sizeof set_tmp, "nastab_tmp = \".tmp.%ld\"", (long)getppid());
        execl(gnuplot, "gnuplot", "-e", set_tmp, script, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return nb_fail(NB_ETOOL, "waiting for gnuplot (%s) failed", script);
    char *lp = rp_join(dir, log);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        nb_status st = settle_figures(dir, 1);
        if (!log_has_note(lp)) unlink(lp);
        free(lp);
        return st;
    }
    settle_figures(dir, 0);
    char line[300] = "";
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
