/* core/alloc.c - checked allocation: OOM and size overflow abort with file:line. */
#include "nb.h"

#include <stdlib.h>
#include <string.h>

static _Noreturn void oom(size_t n, const char *file, int line)
{
    fprintf(stderr, "nastab: out of memory allocating %zu bytes (%s:%d)\n", n, file, line);
    abort();
}

int nb_mul_ok(size_t a, size_t b, size_t *out)
{
    if (b != 0 && a > SIZE_MAX / b) return 0;
    *out = a * b;
    return 1;
}

void *nb_xmalloc_at(size_t n, const char *file, int line)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n, file, line);
    return p;
}

void *nb_xcalloc_at(size_t n, size_t size, const char *file, int line)
{
    size_t total;
    if (!nb_mul_ok(n, size, &total)) oom(SIZE_MAX, file, line);
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(total, file, line);
    return p;
}

void *nb_xrealloc_at(void *p, size_t n, size_t size, const char *file, int line)
{
    size_t total;
    if (!nb_mul_ok(n, size, &total)) oom(SIZE_MAX, file, line);
    void *q = realloc(p, total ? total : 1);
    if (!q) oom(total, file, line);
    return q;
}

char *nb_xstrdup_at(const char *s, const char *file, int line)
{
    size_t n = strlen(s) + 1;
    char *p = nb_xmalloc_at(n, file, line);
    memcpy(p, s, n);
    return p;
}
