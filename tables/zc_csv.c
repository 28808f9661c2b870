/* tables/zc_csv.c - proxy columns /zc/<dataset>/<proxy> to and from a CSV
 * file (tables/tab_zc.h, tab_zc_export_csv / tab_zc_import_csv): how a
 * column computed once (hours of CPU) ships as a small committed file
 * (tables/data/nb201-zc-*.csv.gz) that `make table` adds back in seconds,
 * with every attribute the computed column had.
 *
 * Format (gzip when the name ends in .gz), values written with %.17g so
 * that strtod gives back the same double, empty = NaN:
 *
 *     # nastab zero-cost proxy columns 1
 *     # space: nb201
 *     # archs: 15625
 *     # dataset: cifar10
 *     # attrs synflow: input=none; batch=64; seed=0; seconds_per_cell=0.16081286297757501; shape=C=16 N=5 3x32x32 10 classes
 *     index,synflow
 *     0,1.5141222399999999e+20
 *
 * An optional "; note=..." ends an attrs line when the column had a note. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tables/tab_h5.h"
#include "tables/tab_zc.h"

#define ZC_CSV_MAGIC "# nastab zero-cost proxy columns 1"
#define ZC_CSV_MAX 32 /* columns in one file */

/* The table's architecture count (/archs/str) and its "space" attribute
 * (nb_xmalloc'd into *space, caller frees). */
static nb_status table_ident(const char *path, size_t *n, char **space)
{
    tab_h5_quiet();
    *n = 0, *space = NULL;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return tab_h5_fail(NB_EIO, path, "cannot open", NULL);
    hid_t d = H5Dopen2(f, "/archs/str", H5P_DEFAULT);
    if (d >= 0) {
        hsize_t len = 0;
        hid_t s = H5Dget_space(d);
        H5Sget_simple_extent_dims(s, &len, NULL);
        H5Sclose(s);
        H5Dclose(d);
        *n = (size_t)len;
    }
    if (tab_h5_attr_str(f, "space", space) != 1) *space = NULL;
    H5Fclose(f);
    H5Eclear2(H5E_DEFAULT);
    if (*n == 0 || !*space) {
        free(*space);
        *space = NULL;
        return nb_fail(NB_EFORMAT, "%s: no /archs/str or no space attribute; not a nastab table", path);
    }
    return NB_OK;
}

/* The attributes of one column; strings nb_xmalloc'd (free_attrs). */
static nb_status read_attrs(const char *path, const char *dataset, const char *proxy, tab_zc_attrs *a)
{
    char dpath[256];
    snprintf(dpath, sizeof dpath, "/zc/%s/%s", dataset, proxy);
    memset(a, 0, sizeof *a);
    a->seconds_per_cell = NAN;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = f >= 0 && H5Lexists(f, "/zc", H5P_DEFAULT) > 0 && H5Lexists(f, dpath, H5P_DEFAULT) > 0
                  ? H5Dopen2(f, dpath, H5P_DEFAULT)
                  : H5I_INVALID_HID;
    nb_status st = NB_OK;
    char *input = NULL, *shape = NULL, *note = NULL;
    long long *v = NULL;
    size_t nv = 0;
    if (d < 0) {
        st = nb_fail(NB_ENOTFOUND, "%s: no proxy column %s; hint: nastab tables proxies %s --dataset %s "
                     "--proxies %s", path, dpath, path, dataset, proxy);
        goto out;
    }
    if (tab_h5_attr_str(d, "input", &input) != 1 || tab_h5_attr_str(d, "shape", &shape) != 1) {
        st = nb_fail(NB_EFORMAT, "%s: %s lacks the attribute input or shape", path, dpath);
        goto out;
    }
    if (tab_h5_attr_str(d, "note", &note) != 1) note = NULL;
    if (tab_h5_attr_ints(d, "batch", &v, &nv) != 1 || nv != 1) {
        st = nb_fail(NB_EFORMAT, "%s: %s lacks the attribute batch", path, dpath);
        goto out;
    }
    a->batch = (int)v[0];
    free(v), v = NULL;
    if (tab_h5_attr_ints(d, "seed", &v, &nv) != 1 || nv != 1) {
        st = nb_fail(NB_EFORMAT, "%s: %s lacks the attribute seed", path, dpath);
        goto out;
    }
    a->seed = (uint64_t)v[0];
    if (H5Aexists(d, "seconds_per_cell") > 0) {
        hid_t at = H5Aopen(d, "seconds_per_cell", H5P_DEFAULT);
        if (at < 0 || H5Aread(at, H5T_NATIVE_DOUBLE, &a->seconds_per_cell) < 0) a->seconds_per_cell = NAN;
        tab_h5_close(at, H5Aclose);
    }
out:
    free(v);
    if (st == NB_OK) a->input = input, a->shape = shape, a->note = note;
    else free(input), free(shape), free(note);
    tab_h5_close(d, H5Dclose);
    tab_h5_close(f, H5Fclose);
    H5Eclear2(H5E_DEFAULT);
    return st;
}

static void free_attrs(tab_zc_attrs *a)
{
    free((char *)a->input), free((char *)a->shape), free((char *)a->note);
    memset(a, 0, sizeof *a);
}

/* A string that goes into a "k=v; " list: no ';' and no line break. */
static int clean(const char *s)
{
    return s && !strpbrk(s, ";\n\r");
}

nb_status tab_zc_export_csv(const char *path, const char *dataset, const char *const *proxies, int n,
                            const char *csv_path)
{
    if (n < 1 || n > ZC_CSV_MAX) return nb_fail(NB_EINVAL, "export: %d proxy columns (1..%d)", n, ZC_CSV_MAX);
    if (!strcmp(path, csv_path)) return nb_fail(NB_EINVAL, "export: %s is the table itself", csv_path);
    size_t N;
    char *space = NULL;
    nb_status st = table_ident(path, &N, &space);
    if (st != NB_OK) return st;
    tab_zc_attrs attrs[ZC_CSV_MAX] = {{0}};
    double *col[ZC_CSV_MAX] = {0};
    char *tmp = NULL;
    gzFile gz = NULL;
    int k;
    for (k = 0; k < n; k++) {
        size_t len;
        if ((st = read_attrs(path, dataset, proxies[k], &attrs[k])) != NB_OK ||
            (st = tab_zc_read(path, dataset, proxies[k], &col[k], &len)) != NB_OK)
            goto out;
        if (len != N) {
            st = nb_fail(NB_EFORMAT, "%s: /zc/%s/%s has %zu values for %zu architectures", path, dataset,
                         proxies[k], len, N);
            goto out;
        }
        if (!clean(attrs[k].input) || !clean(attrs[k].shape) || (attrs[k].note && !clean(attrs[k].note))) {
            st = nb_fail(NB_EFORMAT, "%s: /zc/%s/%s has an attribute with ';' or a line break", path,
                         dataset, proxies[k]);
            goto out;
        }
    }
    tmp = nb_file_tmpname(csv_path);
    size_t L = strlen(csv_path);
    gz = gzopen(tmp, L > 3 && !strcmp(csv_path + L - 3, ".gz") ? "wb9" : "wbT");
    if (!gz) {
        st = nb_fail(NB_EIO, "%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    gzprintf(gz, "%s\n# space: %s\n# archs: %zu\n# dataset: %s\n", ZC_CSV_MAGIC, space, N, dataset);
    for (k = 0; k < n; k++) {
        gzprintf(gz, "# attrs %s: input=%s; batch=%d; seed=%llu; seconds_per_cell=%.17g; shape=%s",
                 proxies[k], attrs[k].input, attrs[k].batch, (unsigned long long)attrs[k].seed,
                 attrs[k].seconds_per_cell, attrs[k].shape);
        if (attrs[k].note) gzprintf(gz, "; note=%s", attrs[k].note);
        gzputs(gz, "\n");
    }
    gzputs(gz, "index");
    for (k = 0; k < n; k++) gzprintf(gz, ",%s", proxies[k]);
    gzputs(gz, "\n");
    for (size_t i = 0; i < N; i++) {
        char line[40 * ZC_CSV_MAX];
        int p = snprintf(line, sizeof line, "%zu", i);
        for (k = 0; k < n; k++)
            p += isfinite(col[k][i]) ? snprintf(line + p, sizeof line - (size_t)p, ",%.17g", col[k][i])
                                     : snprintf(line + p, sizeof line - (size_t)p, ",");
        line[p++] = '\n';
        if (gzwrite(gz, line, (unsigned)p) != p) {
            st = nb_fail(NB_EIO, "%s: write failed", tmp);
            break;
        }
    }
    if (gzclose(gz) != Z_OK && st == NB_OK) st = nb_fail(NB_EIO, "%s: close failed", tmp);
    gz = NULL;
    if (st == NB_OK) st = nb_file_commit(tmp, csv_path);
    else nb_file_discard(tmp);
out:
    if (gz) {
        gzclose(gz);
        nb_file_discard(tmp);
    }
    for (k = 0; k < n; k++) free_attrs(&attrs[k]), free(col[k]);
    free(tmp), free(space);
    return st;
}

/* ---- import */

typedef struct {
    char name[101];
    tab_zc_attrs a;
    char input[128], shape[128], note[512];
} csv_col;

/* "k=v; k=v; ..." of an attrs line into c; 0 when a key is missing or bad. */
static int parse_attrs(char *s, csv_col *c)
{
    int have = 0;
    c->a.seconds_per_cell = NAN;
    for (char *tok = s; tok && *tok;) {
        char *next = strstr(tok, "; ");
        if (next) *next = '\0', next += 2;
        char *eq = strchr(tok, '=');
        if (!eq) return 0;
        *eq = '\0';
        const char *k = tok, *v = eq + 1;
        char *end;
        if (!strcmp(k, "input")) snprintf(c->input, sizeof c->input, "%s", v), have |= 1;
        else if (!strcmp(k, "shape")) snprintf(c->shape, sizeof c->shape, "%s", v), have |= 2;
        else if (!strcmp(k, "note")) snprintf(c->note, sizeof c->note, "%s", v);
        else if (!strcmp(k, "batch")) c->a.batch = (int)strtol(v, &end, 10), have |= *end ? 0 : 4;
        else if (!strcmp(k, "seed")) c->a.seed = strtoull(v, &end, 10), have |= *end ? 0 : 8;
        else if (!strcmp(k, "seconds_per_cell")) c->a.seconds_per_cell = strtod(v, &end), have |= *end ? 0 : 16;
        else return 0;
        tok = next;
    }
    return have == 31;
}

nb_status tab_zc_import_csv(const char *path, const char *csv_path, const char *dataset,
                            const char *expect_shape, int *n_written)
{
    *n_written = 0;
    size_t N;
    char *space = NULL;
    nb_status st = table_ident(path, &N, &space);
    if (st != NB_OK) return st;
    gzFile gz = gzopen(csv_path, "rb");
    if (!gz) {
        free(space);
        return nb_fail(NB_EIO, "%s: cannot open: %s", csv_path, strerror(errno ? errno : ENOENT));
    }
    char *line = nb_xmalloc(1 << 14);
    csv_col *cols = nb_xcalloc_array(ZC_CSV_MAX, sizeof *cols);
    double *val[ZC_CSV_MAX] = {0};
    char src_ds[101] = "", file_space[64] = "";
    size_t file_n = 0, row = 0;
    long lineno = 0;
    int n = 0, header = 0;
    const char *base = strrchr(csv_path, '/') ? strrchr(csv_path, '/') + 1 : csv_path;
    while (gzgets(gz, line, 1 << 14)) {
        lineno++;
        size_t L = strlen(line);
        if (L && line[L - 1] == '\n') line[--L] = '\0';
        if (L && line[L - 1] == '\r') line[--L] = '\0';
        if (lineno == 1) {
            if (strcmp(line, ZC_CSV_MAGIC)) {
                st = nb_fail(NB_EFORMAT, "%s: first line is not \"%s\"; hint: make the file with nastab "
                             "tables proxies TABLE --dataset D --to-csv FILE", csv_path, ZC_CSV_MAGIC);
                goto out;
            }
            continue;
        }
        if (line[0] == '#') {
            if (!strncmp(line, "# space: ", 9)) snprintf(file_space, sizeof file_space, "%s", line + 9);
            else if (!strncmp(line, "# archs: ", 9)) file_n = strtoull(line + 9, NULL, 10);
            else if (!strncmp(line, "# dataset: ", 11)) snprintf(src_ds, sizeof src_ds, "%s", line + 11);
            else if (!strncmp(line, "# attrs ", 8)) {
                char *colon = strstr(line + 8, ": ");
                if (n == ZC_CSV_MAX || !colon || colon - (line + 8) > 100) {
                    st = nb_fail(NB_EFORMAT, "%s:%ld: bad attrs line (or over %d columns)", csv_path, lineno,
                                 ZC_CSV_MAX);
                    goto out;
                }
                *colon = '\0';
                snprintf(cols[n].name, sizeof cols[n].name, "%s", line + 8);
                if (!parse_attrs(colon + 2, &cols[n])) {
                    st = nb_fail(NB_EFORMAT, "%s:%ld: attrs of %s need input, batch, seed, seconds_per_cell, "
                                 "shape", csv_path, lineno, cols[n].name);
                    goto out;
                }
                n++;
            }
            continue;
        }
        if (!header) { /* index,<name>,... in the attrs order */
            header = 1;
            if (strcmp(file_space, space) || file_n != N || !src_ds[0] || n == 0) {
                st = nb_fail(NB_EFORMAT, "%s: columns of space '%s' with %zu architectures (dataset '%s', %d "
                             "columns); the table %s is space '%s' with %zu", csv_path, file_space, file_n,
                             src_ds, n, path, space, N);
                goto out;
            }
            char *tok = strtok(line, ",");
            int ok = tok && !strcmp(tok, "index"), k = 0;
            for (tok = strtok(NULL, ","); ok && tok; tok = strtok(NULL, ","), k++)
                ok = k < n && !strcmp(tok, cols[k].name);
            if (!ok || k != n) {
                st = nb_fail(NB_EFORMAT, "%s:%ld: header is not index and the %d attrs columns in order",
                             csv_path, lineno, n);
                goto out;
            }
            if (expect_shape) /* the network the values were computed for is the dataset's */
                for (k = 0; k < n; k++)
                    if (strcmp(cols[k].shape, expect_shape)) {
                        st = nb_fail(NB_EINVAL, "%s: %s was computed at shape '%s'; dataset %s of %s has "
                                     "shape '%s'", csv_path, cols[k].name, cols[k].shape, dataset, path,
                                     expect_shape);
                        goto out;
                    }
            for (k = 0; k < n; k++) val[k] = nb_xcalloc_array(N, sizeof(double));
            continue;
        }
        char *p = line, *end;
        unsigned long long idx = strtoull(p, &end, 10);
        if (end == p || *end != ',' || idx != row || row >= N) {
            st = nb_fail(NB_EFORMAT, "%s:%ld: expected a row for index %zu", csv_path, lineno, row);
            goto out;
        }
        int bad = 0;
        for (int k = 0; k < n && !bad; k++) {
            if (*end != ',') {
                bad = 1;
                break;
            }
            p = end + 1;
            if (*p == ',' || *p == '\0') {
                val[k][row] = NAN, end = p;
                continue;
            }
            val[k][row] = strtod(p, &end);
            bad = end == p;
        }
        if (bad || *end != '\0') {
            st = nb_fail(NB_EFORMAT, "%s:%ld: expected index and %d numbers (empty = NaN)", csv_path, lineno, n);
            goto out;
        }
        row++;
    }
    int zerr;
    gzerror(gz, &zerr);
    if (zerr != Z_OK && zerr != Z_STREAM_END) {
        st = nb_fail(NB_EFORMAT, "%s: corrupt gzip data after line %ld", csv_path, lineno);
        goto out;
    }
    if (!header || row != N) {
        st = nb_fail(NB_EFORMAT, "%s: %zu rows for %zu architectures (truncated?)", csv_path, row, N);
        goto out;
    }
    for (int k = 0; k < n; k++) {
        char note[1024];
        if (strcmp(src_ds, dataset))
            snprintf(note, sizeof note, "the values of %s's column (the same network: %s), imported from %s%s%s",
                     src_ds, cols[k].shape, base, cols[k].note[0] ? "; " : "", cols[k].note);
        else
            snprintf(note, sizeof note, "imported from %s%s%s", base, cols[k].note[0] ? "; " : "", cols[k].note);
        tab_zc_attrs a = cols[k].a;
        a.input = cols[k].input, a.shape = cols[k].shape, a.note = note;
        if ((st = tab_zc_write(path, dataset, cols[k].name, val[k], &a)) != NB_OK) goto out;
        (*n_written)++;
    }
out:
    gzclose(gz);
    for (int k = 0; k < n; k++) free(val[k]);
    free(cols), free(space), free(line);
    return st;
}
