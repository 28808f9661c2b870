/* bench/cli.c - error helpers shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"

/* Every message goes through nb_esc: the arguments, file names and file
 * contents it quotes reach the terminal with their control bytes as \xHH
 * (a CSV or file name holding ESC sequences cannot drive the terminal). */
int cli_fail(const char *cmd, int usage)
{
    char q[4 * 1024 + 4];
    fprintf(stderr, "nastab %s: %s\n", cmd, nb_esc(nb_errmsg(), q, sizeof q));
    return usage ? 2 : 1;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[2048], q[4 * sizeof msg + 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "nastab %s: %s\nTry 'nastab %s --help'.\n", cmd, nb_esc(msg, q, sizeof q), cmd);
    return 2;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t n_opts,
              const char **pos, int max_pos, int *n_pos, int *help)
{
    *n_pos = 0;
    *help = 0;
    int only_pos = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            if (*n_pos >= max_pos) return cli_usage_error(cmd, "unexpected argument '%s'", a);
            pos[(*n_pos)++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = 1;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            *help = 1;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq && a[1] == '-' ? (size_t)(eq - a) : strlen(a);
        const cli_opt *o = NULL;
        for (size_t k = 0; k < n_opts && !o; k++) {
            if ((strlen(opts[k].name) == len && !strncmp(opts[k].name, a, len)) ||
                (opts[k].alias && !strcmp(opts[k].alias, a)))
                o = &opts[k];
        }
        if (!o) return cli_usage_error(cmd, "unknown option '%.*s'", (int)len, a);
        if (!o->value) {
            if (eq && a[1] == '-') return cli_usage_error(cmd, "option %s takes no value", o->name);
            *o->flag = 1;
            continue;
        }
        const char *v;
        if (eq && a[1] == '-') {
            v = eq + 1;
        } else {
            if (i + 1 >= argc) return cli_usage_error(cmd, "option %s needs a value", o->name);
            v = argv[++i];
        }
        if (*o->value) return cli_usage_error(cmd, "option %s given twice", o->name);
        *o->value = v;
    }
    return 0;
}

int cli_split_list(const char *cmd, const char *opt, const char *s, char *buf, size_t n,
                   const char **items, int max_items, int *count)
{
    if (strlen(s) >= n) return cli_usage_error(cmd, "%s: list too long", opt);
    strcpy(buf, s);
    *count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (*count >= max_items) return cli_usage_error(cmd, "%s: more than %d items", opt, max_items);
        for (int k = 0; k < *count; k++)
            if (!strcmp(items[k], tok)) return cli_usage_error(cmd, "%s: '%s' given twice", opt, tok);
        items[(*count)++] = tok;
    }
    if (*count == 0) return cli_usage_error(cmd, "%s: empty list", opt);
    return 0;
}

char *cli_command_line(int argc, char **argv)
{
    size_t n = 8;
    for (int i = 0; i < argc; i++) n += strlen(argv[i]) + 1;
    char *s = nb_xmalloc(n);
    strcpy(s, "nastab");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cli_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
