/* reports/files.c - output files of the reports module: directories,
 * checked open/close, file-name-safe names. Shared by report.c (anytime
 * figures and tables), pareto.c (multi-objective report), devices.c and
 * rank.c (reports/rep_private.h). */
#include <errno.h>
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
