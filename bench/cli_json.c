/* bench/cli_json.c - the JSON writer of the commands' --json outputs (run,
 * check, train, tables info, tables devices, latency; shapes in README.md
 * "Machine-readable output"): a quoted, escaped string and a number that
 * round-trips. The callers write the braces, brackets and keys. */
#include <math.h>
#include <stdio.h>

#include "bench/cmd.h"

void cli_json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
    }
    fputc('"', f);
}

void cli_json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.17g", v);
    else fputs("null", f);
}
