/* bench/cmd_export.c - `nastab tables export FILE [--format csv|json]
 * [--dataset D] [--columns LIST] [--hardware]`: one row per architecture
 * (index, arch, the chosen columns), streamed to stdout. Zero-cost proxy
 * columns (zc/<proxy>) are read through tables/tab_zc.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cmd.h"
#include "core/nb.h"
#include "spaces/space.h"
#include "tables/tab.h"
#include "tables/tab_zc.h"

#define CMD "tables export"

/* argv[0] = "export". Exit 0 ok, 1 failure, 2 bad usage. */

enum { COL_METRIC, COL_COST, COL_HW, COL_ZC };

typedef struct {
    int kind;      /* COL_* */
    int ds;        /* dataset id (metric, cost) */
    int fid;       /* fidelity in epochs (metric) */
    int m;         /* tab_metric_id or tab_cost_id */
    int seed;      /* TAB_SEED_MEAN or a seed value */
    int epoch;     /* TAB_EPOCH_LAST or an epoch */
    int hw;        /* hardware column index */
    const float *v; /* cost / hardware values (N), borrowed */
    double *zv;     /* zero-cost proxy values (N), owned (tab_zc_read), or NULL */
    char name[160];
    char *damaged;  /* why the table cannot serve it (nb_xstrdup'd), or NULL */
} xcol;

typedef struct {
    xcol *c;
    size_t n, cap;
} xcols;

static void push(xcols *l, const xcol *c)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->c = nb_xrealloc_array(l->c, l->cap, sizeof *l->c);
    }
    l->c[l->n++] = *c;
}

/* Every column the table has (seed mean, final epoch), dataset ds_only or
 * all (-1); hardware columns when with_hw. */
static nb_status all_columns(tab_table *t, int ds_only, int with_hw, xcols *out)
{
    for (int ds = 0; ds < tab_n_datasets(t); ds++) {
        if (ds_only >= 0 && ds != ds_only) continue;
        int fid[8], nf = tab_fidelities(t, ds, fid, 8);
        for (int f = 0; f < nf && f < 8; f++)
            for (int m = 0; m < TAB_METRIC_COUNT; m++) {
                tab_column_info ci;
                nb_status cst = tab_column_info_get(t, ds, fid[f], (tab_metric_id)m, &ci);
                if (cst == NB_ENOTFOUND) continue;
                xcol c = {.kind = COL_METRIC, .ds = ds, .fid = fid[f], .m = m,
                          .seed = TAB_SEED_MEAN, .epoch = TAB_EPOCH_LAST,
                          .damaged = cst != NB_OK ? nb_xstrdup(nb_errmsg()) : NULL};
                snprintf(c.name, sizeof c.name, "%s/%d/%s", tab_dataset_name(t, ds), fid[f],
                         tab_metric_name((tab_metric_id)m));
                push(out, &c);
            }
        for (int k = 0; k < TAB_COST_COUNT; k++) {
            const float *v = tab_cost_column(t, ds, (tab_cost_id)k);
            if (!v) continue;
            xcol c = {.kind = COL_COST, .ds = ds, .m = k, .v = v};
            snprintf(c.name, sizeof c.name, "%s/%s", tab_dataset_name(t, ds),
                     tab_cost_name((tab_cost_id)k));
            push(out, &c);
        }
    }
    for (int i = 0; with_hw && i < tab_n_devices(t); i++) {
        tab_device_info d;
        if (tab_device(t, i, &d) != NB_OK) return NB_EFORMAT;
        xcol c = {.kind = COL_HW, .hw = i};
        snprintf(c.name, sizeof c.name, "hw/%s", d.name);
        push(out, &c);
    }
    return NB_OK;
}

/* A proxy column "zc/<proxy>" (of --dataset, or of the table's only
 * dataset) or "zc/<ds>/<proxy>", read whole into out->zv. 0 found, -2 absent
 * or ambiguous (message set), -3 unreadable (message set). */
static int resolve_zc(const char *path, tab_table *t, int ds_only, const char *want, xcol *out)
{
    const char *rest = want + 3, *slash = strchr(rest, '/');
    char ds[128];
    if (slash) {
        snprintf(ds, sizeof ds, "%.*s", (int)(slash - rest), rest);
        rest = slash + 1;
    } else if (ds_only >= 0 || tab_n_datasets(t) == 1) {
        snprintf(ds, sizeof ds, "%s", tab_dataset_name(t, ds_only >= 0 ? ds_only : 0));
    } else {
        nb_fail(NB_EINVAL, "column '%s': which dataset? hint: --dataset D or zc/<dataset>/<proxy>", want);
        return -2;
    }
    int ex = tab_zc_exists(path, ds, rest);
    if (ex < 0) return -3;
    if (ex == 0) {
        nb_fail(NB_ENOTFOUND, "column '%s': %s has no /zc/%s/%s; hint: nastab tables proxies %s --dataset %s",
                want, path, ds, rest, path, ds);
        return -2;
    }
    size_t n;
    if (tab_zc_read(path, ds, rest, &out->zv, &n) != NB_OK) return -3;
    if (n != tab_n_archs(t)) {
        free(out->zv);
        out->zv = NULL;
        nb_fail(NB_EFORMAT, "column '%s': /zc/%s/%s has %zu values, the table %zu architectures", want,
                ds, rest, n, tab_n_archs(t));
        return -3;
    }
    out->kind = COL_ZC;
    snprintf(out->name, sizeof out->name, "%s", want);
    return 0;
}

/* Resolve one requested name: "<ds>/<fid>/<metric>[@SEED][:EPOCH]",
 * "<ds>/<cost>", "hw/<column>" or "zc/[<ds>/]<proxy>". 0 found, -1 unknown,
 * -2 bad seed/epoch or absent proxy column, -3 a damaged column (message set). */
static int resolve(const char *path, tab_table *t, int ds_only, const xcols *valid, const char *want,
                   xcol *out)
{
    *out = (xcol){0};
    if (!strncmp(want, "zc/", 3)) return resolve_zc(path, t, ds_only, want, out);
    char base[160];
    snprintf(base, sizeof base, "%s", want);
    int seed = TAB_SEED_MEAN, epoch = TAB_EPOCH_LAST;
    char *colon = strchr(base, ':'), *at = strchr(base, '@');
    if (colon) {
        *colon = 0;
        long e;
        if (nb_parse_long("epoch", colon + 1, 1, 100000, &e) != NB_OK) return -2;
        epoch = (int)e;
    }
    if (at) {
        *at = 0;
        long s;
        if (nb_parse_long("seed", at + 1, 0, 1000000000, &s) != NB_OK) return -2;
        seed = (int)s;
    }
    for (size_t i = 0; i < valid->n; i++) {
        if (strcmp(valid->c[i].name, base) != 0) continue;
        if (valid->c[i].damaged) {
            nb_fail(NB_EFORMAT, "column '%s' is damaged: %s", base, valid->c[i].damaged);
            return -3;
        }
        *out = valid->c[i];
        out->damaged = NULL;
        if (seed != TAB_SEED_MEAN || epoch != TAB_EPOCH_LAST) {
            if (out->kind != COL_METRIC) {
                nb_fail(NB_EINVAL, "column '%s': @SEED and :EPOCH apply to metric columns only", want);
                return -2;
            }
            tab_column_info ci;
            if (tab_column_info_get(t, out->ds, out->fid, (tab_metric_id)out->m, &ci) != NB_OK)
                return -2;
            int ok_s = seed == TAB_SEED_MEAN, ok_e = epoch == TAB_EPOCH_LAST;
            for (int k = 0; k < ci.n_seeds; k++) ok_s |= ci.seeds[k] == seed;
            for (int k = 0; k < ci.n_epochs; k++) ok_e |= ci.epochs[k] == epoch;
            if (!ok_s || !ok_e) {
                nb_fail(NB_EINVAL, "column '%s': the table has no %s %d for %s (%d seeds, %d epochs stored)",
                        want, ok_s ? "epoch" : "seed", ok_s ? epoch : seed, base, ci.n_seeds,
                        ci.n_epochs);
                return -2;
            }
        }
        out->seed = seed;
        out->epoch = epoch;
        snprintf(out->name, sizeof out->name, "%s", want);
        return 0;
    }
    return -1;
}

static void print_json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putchar('\\');
        if ((unsigned char)*s < 0x20) printf("\\u%04x", (unsigned char)*s);
        else putchar(*s);
    }
    putchar('"');
}

static void print_csv_field(const char *s)
{
    if (!strpbrk(s, ",\"\n")) {
        fputs(s, stdout);
        return;
    }
    putchar('"');
    for (; *s; s++) {
        if (*s == '"') putchar('"');
        putchar(*s);
    }
    putchar('"');
}

int cmd_tables_export(int argc, char **argv)
{
    const char *format = NULL, *dataset = NULL, *columns = NULL, *pos[1];
    int n_pos, help, with_hw = 0;
    cli_opt opts[] = {{"--format", NULL, &format, NULL},
                      {"--dataset", NULL, &dataset, NULL},
                      {"--columns", NULL, &columns, NULL},
                      {"--hardware", NULL, NULL, &with_hw}};
    if (cli_parse(CMD, argc, argv, opts, 4, pos, 1, &n_pos, &help)) return 2;
    if (help) {
        fputs("usage: nastab tables export FILE [--format csv|json] [--dataset D]\n"
              "                            [--columns LIST] [--hardware]\n"
              "One row per architecture: index, arch (the table space's string: an official\n"
              "NB201 cell, or NATS' widths 8:16:32:48:64 on an sss table), then the\n"
              "columns, streamed to stdout. Missing values: empty in CSV, null in JSON.\n"
              "  --format F     csv (default) or json (an array of objects)\n"
              "  --dataset D    default columns of this dataset only (default: all datasets)\n"
              "  --columns LIST comma-separated column names (default: every metric as the\n"
              "                 seed mean at the final epoch, then every cost):\n"
              "                   <dataset>/<epochs>/<metric>   e.g. cifar10-valid/200/valid_acc\n"
              "                   ...@SEED   one seed, e.g. cifar10-valid/200/valid_acc@888\n"
              "                   ...:EPOCH  one epoch, e.g. cifar10-valid/200/valid_acc@888:12\n"
              "                   <dataset>/<cost>   e.g. cifar100/params, cifar10/flops\n"
              "                   hw/<column>   a hardware column (see `nastab tables devices`)\n"
              "                   zc/<proxy>   a zero-cost proxy column of --dataset D (or of the\n"
              "                                table's only dataset), e.g. zc/synflow; printed with\n"
              "                                17 digits; zc/<dataset>/<proxy> names the dataset\n"
              "  --hardware     add every hardware column to the default columns\n",
              stdout);
        return 0;
    }
    if (n_pos != 1) return cli_usage_error(CMD, "expected one FILE");
    int json = 0;
    if (format && !strcmp(format, "json")) json = 1;
    else if (format && strcmp(format, "csv") != 0)
        return cli_usage_error(CMD, "--format: '%s' is not csv or json", format);
    tab_table *t;
    if (tab_open(pos[0], &t) != NB_OK) return cli_fail(CMD, 0);
    int rc = 0, ds_only = -1;
    xcols valid = {0}, sel = {0};
    if (dataset && (ds_only = tab_dataset_id(t, dataset)) < 0) {
        char known[256] = "";
        for (int i = 0; i < tab_n_datasets(t); i++) {
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, tab_dataset_name(t, i), sizeof known - strlen(known) - 1);
        }
        rc = cli_usage_error(CMD, "unknown dataset '%s'; the table has: %s", dataset, known);
        goto done;
    }
    if (all_columns(t, columns ? -1 : ds_only, columns ? 1 : with_hw, &valid) != NB_OK) {
        rc = cli_fail(CMD, 0);
        goto done;
    }
    if (!columns) {
        for (size_t i = 0; i < valid.n && !rc; i++)
            if (valid.c[i].damaged) {
                char q[1100];
                fprintf(stderr, "nastab %s: column '%s' is damaged: %s\n", CMD, valid.c[i].name,
                        nb_esc(valid.c[i].damaged, q, sizeof q));
                rc = 1;
            }
        if (rc) goto done;
        sel = valid;
        valid = (xcols){0};
    } else {
        char *list = nb_xstrdup(columns), *save = NULL;
        for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            xcol c;
            int r = resolve(pos[0], t, ds_only, &valid, tok, &c);
            if (r == -2 || r == -3) {
                rc = cli_fail(CMD, r == -2);
                break;
            }
            if (r == -1) {
                char q[256];
                fprintf(stderr, "nastab %s: unknown column '%s'; valid columns:\n", CMD,
                        nb_esc(tok, q, sizeof q));
                for (size_t i = 0; i < valid.n; i++) fprintf(stderr, "  %s\n", valid.c[i].name);
                fprintf(stderr, "  (metric columns also take @SEED and :EPOCH; see --help)\n");
                rc = 2;
                break;
            }
            push(&sel, &c);
        }
        free(list);
        if (rc) goto done;
        if (!sel.n) {
            rc = cli_usage_error(CMD, "--columns: no column named");
            goto done;
        }
    }
    for (size_t k = 0; k < sel.n; k++) {
        xcol *c = &sel.c[k];
        if (c->kind == COL_HW && !(c->v = tab_device_values(t, c->hw))) {
            rc = cli_fail(CMD, 0);
            goto done;
        }
        if (c->kind == COL_METRIC &&
            tab_preload(t, c->ds, c->fid, (tab_metric_id)c->m) != NB_OK) {
            rc = cli_fail(CMD, 0);
            goto done;
        }
    }
    if (json) {
        fputs("[\n", stdout);
    } else {
        fputs("index,arch", stdout);
        for (size_t k = 0; k < sel.n; k++) {
            putchar(',');
            print_csv_field(sel.c[k].name);
        }
        putchar('\n');
    }
    char s[SPACE_STR_MAX];
    for (size_t i = 0; i < tab_n_archs(t); i++) {
        tab_space(t)->format(tab_arch(t, i), s, sizeof s);
        if (json) printf("%s{\"index\": %zu, \"arch\": \"%s\"", i ? ",\n" : "", i, s);
        else printf("%zu,%s", i, s);
        for (size_t k = 0; k < sel.n; k++) {
            const xcol *c = &sel.c[k];
            float v = NAN;
            if (c->kind == COL_ZC) {
                double z = c->zv[i];
                if (json) {
                    fputs(", ", stdout);
                    print_json_str(c->name);
                    fputs(": ", stdout);
                    if (isnan(z)) fputs("null", stdout);
                    else printf("%.17g", z);
                } else {
                    putchar(',');
                    if (!isnan(z)) printf("%.17g", z);
                }
                continue;
            }
            if (c->kind == COL_METRIC) {
                nb_status st = tab_metric(t, c->ds, c->fid, (tab_metric_id)c->m, c->seed, c->epoch,
                                          i, &v);
                if (st != NB_OK && st != NB_EMISSING) {
                    rc = cli_fail(CMD, 0);
                    goto done;
                }
                if (st != NB_OK) v = NAN;
            } else {
                v = c->v[i];
            }
            if (json) {
                fputs(", ", stdout);
                print_json_str(c->name);
                fputs(": ", stdout);
                if (isnan(v)) fputs("null", stdout);
                else printf("%.9g", (double)v);
            } else {
                putchar(',');
                if (!isnan(v)) printf("%.9g", (double)v);
            }
        }
        putchar(json ? '}' : '\n');
    }
    if (json) fputs("\n]\n", stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "nastab %s: cannot write to stdout\n", CMD);
        rc = 1;
    }
done:
    for (size_t i = 0; i < valid.n; i++) free(valid.c[i].damaged);
    for (size_t i = 0; i < sel.n; i++) free(sel.c[i].damaged), free(sel.c[i].zv);
    free(valid.c);
    free(sel.c);
    tab_close(t);
    return rc;
}
