/* bench/exec/minimal_child.c - the least an external strategy can do
 * (strategies/EXEC_PROTOCOL.md): answer hello, and answer every ask with the
 * next architecture of the hello's "archs" list (a fixed stride through the
 * space); creates, tells and destroys are read and ignored. `make bench`
 * compiles it and times `nastab run --strategy-exec` with it, so that the
 * protocol's own cost (nastab's side, the socket, one line parsed per
 * message) is measured without any language runtime behind it.
 * Not a search strategy: do not gate it. Build: cc -O2 -o child minimal_child.c */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *line = NULL, **arch = NULL;
    size_t cap = 0, n = 0, next = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        if (strstr(line, "\"type\":\"ask\"")) {
            if (n == 0) return fprintf(stderr, "minimal_child: ask before a hello with archs\n"), 1;
            printf("{\"arch\":\"%s\"}\n", arch[next]);
            next = (next + 7919) % n; /* a prime stride: every architecture in turn */
            fflush(stdout);
        } else if (strstr(line, "\"type\":\"hello\"")) {
            char *p = strstr(line, "\"archs\":[\"");
            if (!p) return fprintf(stderr, "minimal_child: hello without archs\n"), 1;
            char *s = strdup(p + 10); /* "a","b",...] : official strings hold no quotes */
            for (char *q = s; q && *q;) {
                char *end = strchr(q, '"');
                if (!end) break;
                *end = '\0';
                arch = realloc(arch, (n + 1) * sizeof *arch);
                if (!arch) return 1;
                arch[n++] = q;
                q = end[1] == ',' && end[2] == '"' ? end + 3 : NULL;
            }
            printf("{\"type\":\"hello\",\"protocol\":1}\n");
            fflush(stdout);
        }
    }
    free(line);
    return 0;
}
