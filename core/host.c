/* core/host.c - a description of the machine for outputs that record where
 * they were measured or built (nb_host_get, core/nb.h): the CPU model from
 * /proc/cpuinfo, the online cores, the compiler of this build, the UTC date. */
#include "nb.h"

#include <string.h>
#include <time.h>

/* The first non-empty value of a "model name" (x86), "Hardware" or "Model"
 * (ARM boards) line, blanks and the line end stripped; "" when none. */
static void cpu_model(char *buf, size_t n)
{
    buf[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) && strncmp(line, "Hardware", 8) &&
            strncmp(line, "Model", 5))
            continue;
        char *c = strchr(line, ':');
        if (!c) continue;
        c++;
        while (*c == ' ' || *c == '\t') c++;
        c[strcspn(c, "\r\n")] = 0;
        if (*c) {
            snprintf(buf, n, "%s", c);
            break;
        }
    }
    fclose(f);
}

void nb_host_get(nb_host *h)
{
    memset(h, 0, sizeof *h);
    cpu_model(h->cpu, sizeof h->cpu);
    h->cores = nb_cpu_count();
#if defined(__clang__)
    snprintf(h->compiler, sizeof h->compiler, "%s", "clang " __VERSION__);
#elif defined(__GNUC__)
    snprintf(h->compiler, sizeof h->compiler, "%s", "gcc " __VERSION__);
#else
    snprintf(h->compiler, sizeof h->compiler, "%s", "unknown");
#endif
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(h->date, sizeof h->date, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}
