/* core/parse.c - strict number parsing: whole string, no trailing junk, range-checked. */
#include "nb.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

nb_status nb_parse_long(const char *what, const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return nb_fail(NB_EINVAL, "%s: expected an integer, got an empty value", what);
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || end == s || s[0] == ' ')
        return nb_fail(NB_EINVAL, "%s: '%s' is not an integer", what, s);
    if (errno == ERANGE || v < lo || v > hi)
        return nb_fail(NB_ERANGE, "%s: %s is out of range [%ld, %ld]", what, s, lo, hi);
    *out = v;
    return NB_OK;
}

nb_status nb_parse_u64(const char *what, const char *s, uint64_t *out)
{
    if (!s || !*s) return nb_fail(NB_EINVAL, "%s: expected an unsigned integer, got an empty value", what);
    if (s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return nb_fail(NB_EINVAL, "%s: '%s' is not an unsigned integer", what, s);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || end == s) return nb_fail(NB_EINVAL, "%s: '%s' is not an unsigned integer", what, s);
    if (errno == ERANGE) return nb_fail(NB_ERANGE, "%s: %s does not fit in 64 bits", what, s);
    *out = (uint64_t)v;
    return NB_OK;
}

nb_status nb_parse_double(const char *what, const char *s, double lo, double hi, double *out)
{
    if (!s || !*s) return nb_fail(NB_EINVAL, "%s: expected a number, got an empty value", what);
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || end == s || s[0] == ' ')
        return nb_fail(NB_EINVAL, "%s: '%s' is not a number", what, s);
    if (!isfinite(v) || errno == ERANGE)
        return nb_fail(NB_ERANGE, "%s: '%s' is not a finite number", what, s);
    if (v < lo || v > hi) return nb_fail(NB_ERANGE, "%s: %s is out of range [%g, %g]", what, s, lo, hi);
    *out = v;
    return NB_OK;
}
