/* core/status.c - status codes, the per-thread error message, assertions. */
#include "nb.h"

#include <stdarg.h>
#include <stdlib.h>

#ifndef NB_VERSION
#define NB_VERSION "0.1.0"
#endif
#ifndef NB_GIT_SHA
#define NB_GIT_SHA "unknown"
#endif

static _Thread_local char errbuf[1024];

nb_status nb_fail(nb_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, sizeof errbuf, fmt, ap);
    va_end(ap);
    return st;
}

const char *nb_errmsg(void) { return errbuf; }

const char *nb_status_name(nb_status st)
{
    switch (st) {
    case NB_OK: return "ok";
    case NB_EINVAL: return "invalid input";
    case NB_EIO: return "I/O error";
    case NB_EFORMAT: return "bad file format";
    case NB_EVERSION: return "format version mismatch";
    case NB_ENOMEM: return "out of memory";
    case NB_ENOTFOUND: return "not found";
    case NB_EMISSING: return "missing value";
    case NB_ETOOL: return "external tool failed";
    case NB_ERANGE: return "out of range";
    case NB_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

void nb_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "nastab: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}

const char *nb_version(void) { return NB_VERSION; }
const char *nb_git_sha(void) { return NB_GIT_SHA; }
