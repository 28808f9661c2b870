/* bench/cmd_addcol.c - `nastab tables add-column`: add a hardware column
 * (e.g. latencies measured on a phone by bench/probe) from a CSV file to a
 * table, through tab_add_hardware (atomic: the table is replaced only by a
 * complete, checksummed file).
 *
 * CSV: a header line "index,arch,value" or "index,arch,value,spread"; the
 * value column may be named value_<unit> (value_us) to give its unit, and a
 * value may carry a unit suffix (3.2ms, 850us, 0.004s); both are converted to
 * --unit, or refused when the dimension differs (mJ vs ms). One row per
 * architecture: the official NB201 index, its string (checked against the
 * table's cell at that index), the value (empty or "nan" = missing) and an
 * optional spread (checked, not stored). Indices given twice are masked
 * (NaN; neither value is trusted), indices absent are NaN. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "tables/tab.h"

#define CMD "tables add-column"

/* Units by dimension with their factor to the dimension's base unit. */
typedef struct {
    const char *name;
    int dim; /* 0 time, 1 energy */
    double scale;
} unit_def;
static const unit_def units[] = {
    {"s", 0, 1.0},  {"ms", 0, 1e-3}, {"us", 0, 1e-6}, {"ns", 0, 1e-9},
    {"J", 1, 1.0},  {"mJ", 1, 1e-3}, {"uJ", 1, 1e-6},
};

static const unit_def *find_unit(const char *s, size_t len)
{
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == len && !strncmp(units[i].name, s, len)) return &units[i];
    return NULL;
}

static void add_column_help(void)
{
    fputs("usage: nastab tables add-column FILE --csv CSV --name NAME --device DEV\n"
          "                                --batch B [--metric latency] [--unit ms]\n"
          "                                [--dataset D] [--source S] [--note TEXT] [--replace]\n"
          "                                [--allow-empty]\n"
          "\n"
          "Add hardware column /hardware/NAME to the table FILE from CSV rows\n"
          "index,arch,value[,spread] (header line required). Each arch must be the\n"
          "table's architecture at that index. The value column may be named\n"
          "value_<unit> and a value may carry a unit suffix (850us, 0.004s); they are\n"
          "converted to --unit (s, ms, us, ns; J, mJ, uJ), a different dimension is an\n"
          "error; inf is refused. Empty or nan values, indices given twice and absent\n"
          "indices are stored as NaN (missing); a CSV with no value at all is refused\n"
          "unless --allow-empty. FILE is replaced atomically and its checksum updated.\n"
          "\n"
          "  --csv CSV        input rows (required)\n"
          "  --name NAME      column name, e.g. pixel7_latency_b1 (required)\n"
          "  --device DEV     device attribute, e.g. pixel7 (required)\n"
          "  --batch B        batch size of the measurement, >= 1 (required)\n"
          "  --metric M       latency (default), energy, ...\n"
          "  --unit U         stored unit (default ms)\n"
          "  --dataset D      input dataset the networks were built for, one of the\n"
          "                   table's datasets (default \"\": none)\n"
          "  --source S       source attribute (default measured)\n"
          "  --note TEXT      note attribute\n"
          "  --replace        overwrite an existing column of that name\n"
          "  --allow-empty    add the column even when no row has a value\n",
          stdout);
}

/* Split line (modified in place) at commas into at most max fields. */
static int split_fields(char *line, char **f, int max)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == max) return max + 1;
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c) break;
        *c = 0;
        p = c + 1;
    }
    return n;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r' || s[l - 1] == '\n'))
        s[--l] = 0;
    return s;
}

typedef struct {
    const char *csv;
    tab_table *t;
    const unit_def *target;
    const unit_def *col_unit; /* from the header (value_<unit>), or NULL = target */
} csv_ctx;

/* Parse a value cell: number with an optional unit suffix, converted to the
 * target unit. *missing = 1 for an empty cell or nan. Returns 0 or prints an
 * error naming line and column and returns 1. */
static int parse_value(const csv_ctx *c, long line, const char *col, const char *s, int allow_neg,
                       double *out, int *missing)
{
    *missing = 0;
    char q[128];
    if (!s[0] || !strcmp(s, "nan") || !strcmp(s, "NaN") || !strcmp(s, "NAN") || !strcmp(s, "NA")) {
        *missing = 1;
        *out = NAN;
        return 0;
    }
    const char *word = s + (s[0] == '-' || s[0] == '+');
    if (!strcasecmp(word, "inf") || !strcasecmp(word, "infinity") || !strcasecmp(word, "nan")) {
        fprintf(stderr, "nastab " CMD ": %s:%ld: column '%s': '%s' is not a finite number "
                        "(a missing value is an empty field or nan)\n", c->csv, line, col, s);
        return 1;
    }
    size_t len = strlen(s), num = len;
    while (num > 0 && ((s[num - 1] >= 'a' && s[num - 1] <= 'z') ||
                       (s[num - 1] >= 'A' && s[num - 1] <= 'Z')))
        num--;
    const unit_def *u = c->col_unit ? c->col_unit : c->target;
    char buf[64];
    double v;
    if (num == 0 || num >= sizeof buf) goto bad; /* no digits before the letters */
    if (num < len) {
        u = find_unit(s + num, len - num);
        if (!u) {
            char qu[64];
            fprintf(stderr, "nastab " CMD ": %s:%ld: column '%s': unknown unit '%s' in '%s' "
                            "(known: s ms us ns J mJ uJ)\n", c->csv, line, col,
                    nb_esc(s + num, qu, sizeof qu), nb_esc(s, q, sizeof q));
            return 1;
        }
    }
    if (u->dim != c->target->dim) {
        fprintf(stderr, "nastab " CMD ": %s:%ld: column '%s': unit '%s' cannot be converted to "
                        "--unit %s\n", c->csv, line, col, u->name, c->target->name);
        return 1;
    }
    memcpy(buf, s, num);
    buf[num] = 0;
    nb_status pst = nb_parse_double(col, buf, allow_neg ? -HUGE_VAL : 0.0, HUGE_VAL, &v);
    if (pst == NB_ERANGE && strstr(nb_errmsg(), "finite")) {
        fprintf(stderr, "nastab " CMD ": %s:%ld: column '%s': '%s' is not a finite number\n",
                c->csv, line, col, nb_esc(s, q, sizeof q));
        return 1;
    }
    if (pst != NB_OK) goto bad;
    *out = v * (u->scale / c->target->scale);
    if (!isfinite(*out)) {
        fprintf(stderr, "nastab " CMD ": %s:%ld: column '%s': '%s' is not a finite number in %s\n",
                c->csv, line, col, nb_esc(s, q, sizeof q), c->target->name);
        return 1;
    }
    return 0;
bad:
    fprintf(stderr, "nastab " CMD ": %s:%ld: column '%s': '%s' is not a %snumber\n", c->csv, line,
            col, nb_esc(s, q, sizeof q), allow_neg ? "" : "non-negative ");
    return 1;
}

/* One line of f into buf (without the newline; cap >= 2): 1 read, 0 end of
 * file, -1 longer than cap - 2 bytes, -2 holds a NUL byte (fgets would cut
 * the line there and call it too long). */
static int read_line(FILE *f, char *buf, size_t cap)
{
    size_t n = 0;
    int ch, nul = 0;
    while ((ch = getc(f)) != EOF && ch != '\n') {
        if (ch == 0) nul = 1;
        if (n + 2 >= cap) return nul ? -2 : -1;
        buf[n++] = (char)ch;
    }
    buf[n] = 0;
    if (ch == EOF && n == 0) return 0;
    return nul ? -2 : 1;
}

int cmd_tables_add_column(int argc, char **argv)
{
    const char *csv = NULL, *name = NULL, *device = NULL, *batch_s = NULL, *metric = NULL,
               *unit = NULL, *dataset = NULL, *source = NULL, *note = NULL;
    int replace = 0, allow_empty = 0, help = 0, n_pos = 0;
    const cli_opt opts[] = {
        {"--csv", NULL, &csv, NULL},         {"--name", NULL, &name, NULL},
        {"--device", NULL, &device, NULL},   {"--batch", NULL, &batch_s, NULL},
        {"--metric", NULL, &metric, NULL},   {"--unit", NULL, &unit, NULL},
        {"--dataset", NULL, &dataset, NULL}, {"--source", NULL, &source, NULL},
        {"--note", NULL, &note, NULL},       {"--replace", NULL, NULL, &replace},
        {"--allow-empty", NULL, NULL, &allow_empty},
    };
    const char *pos[1];
    if (cli_parse(CMD, argc, argv, opts, sizeof opts / sizeof opts[0], pos, 1, &n_pos, &help))
        return 2;
    if (help) {
        add_column_help();
        return 0;
    }
    if (n_pos != 1) return cli_usage_error(CMD, "expected one table FILE");
    if (!csv) return cli_usage_error(CMD, "missing --csv CSV");
    if (!name) return cli_usage_error(CMD, "missing --name NAME");
    if (!device) return cli_usage_error(CMD, "missing --device DEV");
    if (!batch_s) return cli_usage_error(CMD, "missing --batch B");
    long batch;
    if (nb_parse_long("--batch", batch_s, 1, 1 << 20, &batch) != NB_OK) return cli_fail(CMD, 1);
    if (!metric) metric = "latency";
    if (!unit) unit = "ms";
    csv_ctx c = {csv, NULL, find_unit(unit, strlen(unit)), NULL};
    if (!c.target)
        return cli_usage_error(CMD, "--unit: unknown unit '%s' (known: s ms us ns J mJ uJ)", unit);
    if (!strcmp(metric, "latency") && c.target->dim != 0)
        return cli_usage_error(CMD, "--unit: '%s' is not a time unit, but --metric is latency", unit);

    nb_file_input in[] = {{"CSV", csv}};
    if (nb_file_check_output(pos[0], in, 1) != NB_OK) return cli_fail(CMD, 0);
    FILE *f = fopen(csv, "r");
    if (!f) {
        char q[256];
        fprintf(stderr, "nastab " CMD ": cannot open %s: %s\n", nb_esc(csv, q, sizeof q),
                strerror(errno));
        return 1;
    }
    if (tab_open(pos[0], &c.t) != NB_OK) {
        fclose(f);
        return cli_fail(CMD, 0);
    }
    if (dataset && dataset[0] && tab_dataset_id(c.t, dataset) < 0) {
        char known[256] = "", q[128];
        for (int i = 0; i < tab_n_datasets(c.t); i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, tab_dataset_name(c.t, i), sizeof known - strlen(known) - 1);
        }
        fclose(f);
        tab_close(c.t);
        return cli_usage_error(CMD, "--dataset: '%s' is not a dataset of %s; it has: %s",
                               nb_esc(dataset, q, sizeof q), pos[0], known);
    }
    const size_t n = tab_n_archs(c.t);
    float *val = nb_xcalloc_array(n, sizeof *val);
    unsigned char *seen = nb_xcalloc_array(n, 1);
    for (size_t i = 0; i < n; i++) val[i] = NAN;
    int rc = 0, has_spread = 0;
    long line = 0;
    size_t rows = 0, dups = 0, missing_vals = 0;
    char buf[4096], q[160];
    int got;
    while (rc == 0 && (got = read_line(f, buf, sizeof buf)) != 0) {
        line++;
        if (got == -1) {
            fprintf(stderr, "nastab " CMD ": %s:%ld: line longer than %zu bytes\n", csv, line,
                    sizeof buf - 2);
            rc = 1;
            break;
        }
        if (got == -2) {
            fprintf(stderr, "nastab " CMD ": %s:%ld: NUL byte in the line (a binary file, not a "
                            "CSV?)\n", csv, line);
            rc = 1;
            break;
        }
        char *fl[5];
        char *s = trim(buf);
        if (line > 1 && !s[0]) continue;
        int nf = split_fields(s, fl, 4);
        for (int i = 0; i < nf && i < 4; i++) fl[i] = trim(fl[i]);
        if (line == 1) {
            /* Header: index,arch,value[_unit][,spread] */
            if (nf < 3 || nf > 4 || strcmp(fl[0], "index") || strcmp(fl[1], "arch") ||
                strncmp(fl[2], "value", 5) || (fl[2][5] && fl[2][5] != '_') ||
                (nf == 4 && strcmp(fl[3], "spread"))) {
                fprintf(stderr, "nastab " CMD ": %s:1: expected the header "
                                "index,arch,value[,spread], got '%s'\n", csv, nb_esc(s, q, sizeof q));
                rc = 1;
                break;
            }
            if (fl[2][5] == '_') {
                c.col_unit = find_unit(fl[2] + 6, strlen(fl[2] + 6));
                if (!c.col_unit) {
                    char qu[64];
                    fprintf(stderr, "nastab " CMD ": %s:1: column '%s': unknown unit '%s' (known: "
                                    "s ms us ns J mJ uJ)\n", csv, nb_esc(fl[2], q, sizeof q),
                            nb_esc(fl[2] + 6, qu, sizeof qu));
                    rc = 1;
                    break;
                }
                if (c.col_unit->dim != c.target->dim) {
                    fprintf(stderr, "nastab " CMD ": %s:1: column '%s': unit '%s' cannot be "
                                    "converted to --unit %s\n", csv, fl[2], c.col_unit->name, unit);
                    rc = 1;
                    break;
                }
            }
            has_spread = nf == 4;
            continue;
        }
        if (nf != 3 + has_spread) {
            fprintf(stderr, "nastab " CMD ": %s:%ld: expected %d fields, got %d\n", csv, line,
                    3 + has_spread, nf > 4 ? 5 : nf);
            rc = 1;
            break;
        }
        long idx;
        if (nb_parse_long("index", fl[0], 0, (long)n - 1, &idx) != NB_OK) {
            fprintf(stderr, "nastab " CMD ": %s:%ld: column 'index': %s\n", csv, line,
                    nb_esc(nb_errmsg(), q, sizeof q));
            rc = 1;
            break;
        }
        char want[SPACE_STR_MAX];
        tab_space(c.t)->format(tab_arch(c.t, (size_t)idx), want, sizeof want);
        if (strcmp(fl[1], want) != 0) {
            fprintf(stderr, "nastab " CMD ": %s:%ld: column 'arch': '%s' is not the table's "
                            "architecture at index %ld ('%s')\n", csv, line,
                    nb_esc(fl[1], q, sizeof q), idx, want);
            rc = 1;
            break;
        }
        double v, sp;
        int miss, smiss;
        if (parse_value(&c, line, "value", fl[2], 0, &v, &miss) ||
            (has_spread && parse_value(&c, line, "spread", fl[3], 0, &sp, &smiss))) {
            rc = 1;
            break;
        }
        rows++;
        missing_vals += miss;
        if (seen[idx]) {
            if (seen[idx] == 1) dups++;
            seen[idx] = 2;
            val[idx] = NAN;
            continue;
        }
        seen[idx] = 1;
        val[idx] = (float)v;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "nastab " CMD ": read error on %s\n", csv);
        rc = 1;
    }
    if (rc == 0 && line == 0) {
        fprintf(stderr, "nastab " CMD ": %s: empty file; expected the header "
                        "index,arch,value[,spread]\n", csv);
        rc = 1;
    }
    fclose(f);
    size_t stored = 0, absent = 0;
    for (size_t i = 0; i < n; i++) stored += !isnan(val[i]), absent += !seen[i];
    tab_close(c.t);
    if (rc == 0 && stored == 0 && !allow_empty) {
        fprintf(stderr, "nastab " CMD ": %s: no value to store (%zu rows, %zu empty or nan): "
                        "refusing to add a column that is missing for every architecture; "
                        "hint: --allow-empty adds it anyway\n", csv, rows, missing_vals);
        rc = 1;
    }
    if (rc == 0) {
        if (stored == 0)
            fprintf(stderr, "nastab " CMD ": warning: %s: column %s is missing for every "
                            "architecture (--allow-empty; n_missing = %zu records it)\n", csv,
                    name, n);
        if (dups)
            nb_log("%s: %zu indices appear more than once; their values are stored as NaN", csv,
                   dups);
        tab_device_info di = {name, device, metric, unit, dataset ? dataset : "", (int)batch,
                              source ? source : "measured", 0};
        tab_add_opts o = {note, NULL, replace};
        if (tab_add_hardware_ex(pos[0], &di, val, &o) != NB_OK) {
            rc = cli_fail(CMD, 0);
        } else {
            printf("added hardware column %s to %s: %zu rows, %zu values stored, %zu missing "
                   "(%zu empty values, %zu indices repeated, %zu indices absent)\n", name, pos[0],
                   rows, stored, n - stored, missing_vals, dups, absent);
        }
    }
    free(val);
    free(seen);
    return rc;
}
