/* reports/gate.c - the statistical regression gate: per-run regret, the
 * Mann-Whitney U test, Holm's correction, bootstrap intervals, summary files
 * and the baseline-vs-candidate comparison behind `nastab check`. (About 710
 * lines: the summary format, the refusal rules and the comparison share the
 * private gate-set struct; the generic statistics are in reports/stats.c.) */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/rep.h"

/* ---- per-run regret ---- */

void rep_series_regret(const res_series *s, double *final, double *auc)
{
    NB_ASSERT(s && s->grid >= 1);
    double opt = s->optimum_test;
    double span = s->grid >= 2 ? s->time[s->grid - 1] - s->time[0] : 0;
    if (!(span > 0)) span = s->budget > 0 ? s->budget : 1;
    for (size_t r = 0; r < s->runs; r++) {
        const float *acc = s->test + r * s->grid;
        size_t g0 = 0;
        while (g0 < s->grid && isnan(acc[g0])) g0++;
        if (g0 == s->grid) { /* never a result: nothing to deploy, accuracy 0 */
            final[r] = opt;
            auc[r] = opt;
            continue;
        }
        double area = 0, prev = opt - (double)acc[g0];
        for (size_t g = 1; g < s->grid; g++) {
            double cur = isnan(acc[g]) ? prev : opt - (double)acc[g];
            if (g <= g0) cur = opt - (double)acc[g0]; /* flat back-fill before the first result */
            area += 0.5 * (prev + cur) * (s->time[g] - s->time[g - 1]);
            prev = cur;
        }
        auc[r] = s->grid >= 2 ? area / span : prev;
        float ft = s->final_test ? s->final_test[r] : acc[s->grid - 1];
        final[r] = isnan(ft) ? prev : opt - (double)ft;
    }
}

/* ---- distributions ---- */

double rep_normal_sf(double z) { return 0.5 * erfc(z / sqrt(2.0)); }

/* ---- Mann-Whitney U ---- */

typedef struct {
    double v;
    int g; /* 0: x, 1: y */
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    double x = ((const tagged *)a)->v, y = ((const tagged *)b)->v;
    return (x > y) - (x < y);
}

/* Exact two-sided p of U (no ties): number of orderings of nx x's and ny y's
 * with U(x) = u, by the recurrence on the largest element (Mann & Whitney
 * 1947): c(m, n, u) = c(m-1, n, u-n) + c(m, n-1, u). Two layers of (ny+1)
 * rows of (nx*ny+1) counts. */
static double mwu_exact_p(size_t nx, size_t ny, double u)
{
    size_t umax = nx * ny, w = umax + 1;
    double *prev = nb_xcalloc_array((ny + 1) * w, sizeof *prev);
    double *cur = nb_xcalloc_array((ny + 1) * w, sizeof *cur);
    for (size_t n = 0; n <= ny; n++) prev[n * w] = 1; /* m = 0: U = 0 */
    for (size_t m = 1; m <= nx; m++) {
        for (size_t n = 0; n <= ny; n++) {
            for (size_t v = 0; v <= umax; v++) {
                double c = v >= n ? prev[n * w + v - n] : 0;
                if (n > 0) c += cur[(n - 1) * w + v];
                cur[n * w + v] = c;
            }
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    const double *c = prev + ny * w;
    double total = 0, le = 0, ge = 0;
    for (size_t v = 0; v <= umax; v++) {
        total += c[v];
        if ((double)v <= u + 1e-9) le += c[v];
        if ((double)v >= u - 1e-9) ge += c[v];
    }
    free(prev);
    free(cur);
    double p = 2 * fmin(le, ge) / total;
    return p > 1 ? 1 : p;
}

nb_status rep_mann_whitney(const double *x, size_t nx, const double *y, size_t ny, rep_mwu *out)
{
    if (nx == 0 || ny == 0) return nb_fail(NB_EINVAL, "Mann-Whitney: empty sample (%zu, %zu values)", nx, ny);
    size_t n = nx + ny;
    tagged *a = nb_xcalloc_array(n, sizeof *a);
    for (size_t i = 0; i < nx; i++) a[i] = (tagged){x[i], 0};
    for (size_t j = 0; j < ny; j++) a[nx + j] = (tagged){y[j], 1};
    for (size_t i = 0; i < n; i++) {
        if (isnan(a[i].v)) {
            free(a);
            return nb_fail(NB_EINVAL, "Mann-Whitney: NaN in the %s sample", i < nx ? "first" : "second");
        }
    }
    qsort(a, n, sizeof *a, cmp_tagged);
    /* Rank sum of x with mid-ranks; tie term sum(t^3 - t). */
    double rx = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && a[j + 1].v == a[i].v) j++;
        double mid = 0.5 * (double)(i + j) + 1.0, t = (double)(j - i + 1);
        for (size_t k = i; k <= j; k++)
            if (a[k].g == 0) rx += mid;
        ties += t * t * t - t;
        i = j + 1;
    }
    free(a);
    double dnx = (double)nx, dny = (double)ny, dn = (double)n;
    out->u = rx - dnx * (dnx + 1) / 2;
    double mu = dnx * dny / 2;
    if (ties == 0 && nx * ny <= 2500) {
        out->exact = 1;
        out->z = 0;
        out->p = mwu_exact_p(nx, ny, out->u);
        return NB_OK;
    }
    out->exact = 0;
    double var = dnx * dny / 12 * ((dn + 1) - ties / (dn * (dn - 1)));
    if (!(var > 0)) { /* every value tied: no evidence either way */
        out->z = 0;
        out->p = 1;
        return NB_OK;
    }
    double z = (fabs(out->u - mu) - 0.5) / sqrt(var);
    if (z < 0) z = 0;
    out->z = out->u >= mu ? z : -z;
    double p = 2 * rep_normal_sf(z);
    out->p = p > 1 ? 1 : p;
    return NB_OK;
}

/* ---- Holm ---- */

typedef struct {
    double p;
    size_t i;
} p_index;

static int cmp_p(const void *a, const void *b)
{
    const p_index *x = a, *y = b;
    if (x->p != y->p) return (x->p > y->p) - (x->p < y->p);
    return (x->i > y->i) - (x->i < y->i);
}

void rep_holm(const double *p, size_t m, double *adj)
{
    if (m == 0) return;
    p_index *s = nb_xcalloc_array(m, sizeof *s);
    for (size_t i = 0; i < m; i++) s[i] = (p_index){p[i], i};
    qsort(s, m, sizeof *s, cmp_p);
    double run = 0;
    for (size_t j = 0; j < m; j++) {
        double a = (double)(m - j) * s[j].p;
        if (a > 1) a = 1;
        if (a > run) run = a; /* step-down: adjusted p never decreases */
        adj[s[j].i] = run;
    }
    free(s);
}

/* ---- bootstrap ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile_sorted(const double *v, size_t n, double q)
{
    double h = q * (double)(n - 1);
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return v[n - 1];
    return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

void rep_bootstrap_mean_diff(const double *x, size_t nx, const double *y, size_t ny, double level,
                             size_t B, uint64_t seed, uint64_t stream, double *lo, double *hi)
{
    NB_ASSERT(nx > 0 && ny > 0 && B > 0 && level > 0 && level < 1);
    nb_rng rng;
    nb_rng_init(&rng, seed, stream, NB_PURPOSE_TEST);
    double *d = nb_xcalloc_array(B, sizeof *d);
    for (size_t b = 0; b < B; b++) {
        double sx = 0, sy = 0;
        for (size_t i = 0; i < nx; i++) sx += x[nb_rng_below(&rng, nx)];
        for (size_t j = 0; j < ny; j++) sy += y[nb_rng_below(&rng, ny)];
        d[b] = sx / (double)nx - sy / (double)ny;
    }
    qsort(d, B, sizeof *d, cmp_double);
    *lo = quantile_sorted(d, B, (1 - level) / 2);
    *hi = quantile_sorted(d, B, (1 + level) / 2);
    free(d);
}

/* ---- gate sets ---- */

static const char *sample_unit(const rep_gate_sample *s)
{
    return s->budget_unit[0] ? s->budget_unit : RES_UNIT_SIMULATED;
}

enum { G_TABLE_CHECKSUM, G_PROTOCOL, G_VERSION, G_GIT_SHA, G_COMMAND, G_TABLE_PATH, G_SEED, G_COUNT };
static const char *const gate_attr_names[G_COUNT] = {"table_checksum", "protocol", "nastab_version",
                                                     "git_sha", "command", "table_path", "seed"};

struct rep_gate_set {
    char *attr[G_COUNT]; /* owned, "" when absent */
    size_t n, cap;
    rep_gate_sample *s;  /* (n) */
};

static rep_gate_set *set_new(void)
{
    rep_gate_set *g = nb_xcalloc_array(1, sizeof *g);
    for (int a = 0; a < G_COUNT; a++) g->attr[a] = nb_xstrdup("");
    return g;
}

static void set_attr(rep_gate_set *g, int a, const char *v)
{
    free(g->attr[a]);
    g->attr[a] = nb_xstrdup(v ? v : "");
}

static rep_gate_sample *set_push(rep_gate_set *g)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? 2 * g->cap : 8;
        g->s = nb_xrealloc_array(g->s, cap, sizeof *g->s);
        g->cap = cap;
    }
    rep_gate_sample *s = &g->s[g->n++];
    memset(s, 0, sizeof *s);
    return s;
}

void rep_gate_set_free(rep_gate_set *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->s[i].final_regret);
        free(g->s[i].auc_regret);
    }
    for (int a = 0; a < G_COUNT; a++) free(g->attr[a]);
    free(g->s);
    free(g);
}

size_t rep_gate_set_count(const rep_gate_set *g) { return g->n; }
const rep_gate_sample *rep_gate_set_get(const rep_gate_set *g, size_t i)
{
    NB_ASSERT(i < g->n);
    return &g->s[i];
}
const char *rep_gate_set_attr(const rep_gate_set *g, const char *name)
{
    for (int a = 0; a < G_COUNT; a++)
        if (!strcmp(name, gate_attr_names[a])) return g->attr[a];
    return NULL;
}

rep_gate_set *rep_gate_set_from_results(const res_results *r)
{
    rep_gate_set *g = set_new();
    for (int a = 0; a < G_COUNT; a++) set_attr(g, a, res_results_attr(r, gate_attr_names[a]));
    for (size_t i = 0; i < res_results_count(r); i++) {
        const res_series *ser = res_results_get(r, i);
        rep_gate_sample *s = set_push(g);
        snprintf(s->dataset, sizeof s->dataset, "%s", ser->dataset);
        snprintf(s->strategy, sizeof s->strategy, "%s", ser->strategy);
        s->budget = ser->budget;
        snprintf(s->budget_unit, sizeof s->budget_unit, "%s", res_budget_unit(ser));
        s->workers = ser->workers;
        s->grid = ser->grid;
        s->runs = ser->runs;
        s->final_regret = nb_xcalloc_array(ser->runs ? ser->runs : 1, sizeof *s->final_regret);
        s->auc_regret = nb_xcalloc_array(ser->runs ? ser->runs : 1, sizeof *s->auc_regret);
        rep_series_regret(ser, s->final_regret, s->auc_regret);
    }
    return g;
}

/* Summary reader: one line at a time, strict. */
static nb_status parse_row(const char *path, size_t line, char *buf, rep_gate_set *g)
{
    char *field[8];
    int nf = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok && nf < 9; tok = strtok_r(NULL, ",", &save)) {
        if (nf == 8) return nb_fail(NB_EFORMAT, "%s:%zu: more than 8 fields", path, line);
        field[nf++] = tok;
    }
    if (nf != 8) return nb_fail(NB_EFORMAT, "%s:%zu: %d fields, expected 8", path, line, nf);
    double budget, fr, auc;
    long workers, grid, run;
    char what[64];
    snprintf(what, sizeof what, "%s:%zu: budget", path, line);
    if (nb_parse_double(what, field[2], 0, 1e15, &budget) != NB_OK) return NB_EFORMAT;
    snprintf(what, sizeof what, "%s:%zu: workers", path, line);
    if (nb_parse_long(what, field[3], 1, 1 << 20, &workers) != NB_OK) return NB_EFORMAT;
    snprintf(what, sizeof what, "%s:%zu: grid", path, line);
    if (nb_parse_long(what, field[4], 1, 1L << 30, &grid) != NB_OK) return NB_EFORMAT;
    snprintf(what, sizeof what, "%s:%zu: run", path, line);
    if (nb_parse_long(what, field[5], 0, 1L << 40, &run) != NB_OK) return NB_EFORMAT;
    snprintf(what, sizeof what, "%s:%zu: final_regret", path, line);
    if (nb_parse_double(what, field[6], -1e6, 1e6, &fr) != NB_OK) return NB_EFORMAT;
    snprintf(what, sizeof what, "%s:%zu: auc_regret", path, line);
    if (nb_parse_double(what, field[7], -1e6, 1e6, &auc) != NB_OK) return NB_EFORMAT;
    if (strlen(field[0]) >= 32 || strlen(field[1]) >= 32)
        return nb_fail(NB_EFORMAT, "%s:%zu: dataset or strategy name longer than 31 bytes", path, line);
    rep_gate_sample *s = g->n ? &g->s[g->n - 1] : NULL;
    if (!s || strcmp(s->dataset, field[0]) || strcmp(s->strategy, field[1])) {
        for (size_t i = 0; i < g->n; i++)
            if (!strcmp(g->s[i].dataset, field[0]) && !strcmp(g->s[i].strategy, field[1]))
                return nb_fail(NB_EFORMAT, "%s:%zu: rows of %s/%s are not contiguous", path, line,
                               field[0], field[1]);
        s = set_push(g);
        snprintf(s->dataset, sizeof s->dataset, "%s", field[0]);
        snprintf(s->strategy, sizeof s->strategy, "%s", field[1]);
        s->budget = budget;
        s->workers = (int)workers;
        s->grid = (size_t)grid;
    } else if (s->budget != budget || s->workers != (int)workers || s->grid != (size_t)grid) {
        return nb_fail(NB_EFORMAT, "%s:%zu: budget/workers/grid differ within %s/%s", path, line,
                       s->dataset, s->strategy);
    }
    if ((size_t)run != s->runs)
        return nb_fail(NB_EFORMAT, "%s:%zu: run %ld, expected %zu", path, line, run, s->runs);
    s->final_regret = nb_xrealloc_array(s->final_regret, s->runs + 1, sizeof *s->final_regret);
    s->auc_regret = nb_xrealloc_array(s->auc_regret, s->runs + 1, sizeof *s->auc_regret);
    s->final_regret[s->runs] = fr;
    s->auc_regret[s->runs] = auc;
    s->runs++;
    return NB_OK;
}

static nb_status read_summary(const char *path, FILE *f, rep_gate_set **out)
{
    rep_gate_set *g = set_new();
    char buf[8192], unit[24] = RES_UNIT_SIMULATED;
    size_t line = 0;
    int header = 0;
    nb_status st = NB_OK;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        size_t len = strlen(buf);
        if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
            st = nb_fail(NB_EFORMAT, "%s:%zu: line longer than %zu bytes", path, line, sizeof buf - 2);
            goto fail;
        }
        while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) buf[--len] = '\0';
        if (line == 1) {
            int ver;
            char name[64];
            if (sscanf(buf, "# %63s %d", name, &ver) != 2 || strcmp(name, REP_SUMMARY_FORMAT_NAME)) {
                st = nb_fail(NB_EFORMAT, "%s: not a results file or a %s file", path, REP_SUMMARY_FORMAT_NAME);
                goto fail;
            }
            if (ver != REP_SUMMARY_FORMAT_VERSION) {
                st = nb_fail(NB_EVERSION, "%s: %s version %d, expected %d; hint: rewrite it with "
                             "nastab check --summarize RESULTS -o FILE", path, REP_SUMMARY_FORMAT_NAME,
                             ver, REP_SUMMARY_FORMAT_VERSION);
                goto fail;
            }
            continue;
        }
        if (buf[0] == '#') {
            char *colon = strstr(buf, ": ");
            if (!colon) continue;
            *colon = '\0';
            for (int a = 0; a < G_COUNT; a++)
                if (!strcmp(buf + 2, gate_attr_names[a])) set_attr(g, a, colon + 2);
            if (!strcmp(buf + 2, "budget_unit")) { /* absent: simulated seconds (results/RESULTS.md) */
                if (!res_unit_known(colon + 2)) {
                    st = nb_fail(NB_EFORMAT, "%s:%zu: budget_unit '%.40s' is not a known unit (%s, %s)",
                                 path, line, colon + 2, RES_UNIT_SIMULATED, RES_UNIT_EPOCHS);
                    goto fail;
                }
                snprintf(unit, sizeof unit, "%s", colon + 2);
            }
            continue;
        }
        if (len == 0) continue;
        if (!header) {
            if (strcmp(buf, "dataset,strategy,budget,workers,grid,run,final_regret,auc_regret")) {
                st = nb_fail(NB_EFORMAT, "%s:%zu: expected the header dataset,strategy,budget,"
                             "workers,grid,run,final_regret,auc_regret", path, line);
                goto fail;
            }
            header = 1;
            continue;
        }
        if ((st = parse_row(path, line, buf, g)) != NB_OK) goto fail;
    }
    if (ferror(f)) {
        st = nb_fail(NB_EIO, "%s: read error: %s", path, strerror(errno));
        goto fail;
    }
    if (line == 0) {
        st = nb_fail(NB_EFORMAT, "%s: empty file", path);
        goto fail;
    }
    for (size_t i = 0; i < g->n; i++) snprintf(g->s[i].budget_unit, sizeof g->s[i].budget_unit, "%s", unit);
    *out = g;
    return NB_OK;
fail:
    rep_gate_set_free(g);
    return st;
}

nb_status rep_gate_set_read(const char *path, rep_gate_set **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return nb_fail(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char magic[8] = {0};
    size_t got = fread(magic, 1, sizeof magic, f);
    if (got == 8 && !memcmp(magic, "\x89HDF\r\n\x1a\n", 8)) {
        fclose(f);
        res_results *r;
        nb_status st = res_results_read(path, &r);
        if (st != NB_OK) return st;
        *out = rep_gate_set_from_results(r);
        res_results_free(r);
        return NB_OK;
    }
    rewind(f);
    nb_status st = read_summary(path, f, out);
    fclose(f);
    return st;
}

nb_status rep_gate_set_write(const rep_gate_set *g, const char *path)
{
    /* One budget unit per summary: a "# budget_unit:" line unless it is simulated
     * seconds, the unit of every summary written before units were recorded. */
    const char *unit = g->n ? sample_unit(&g->s[0]) : RES_UNIT_SIMULATED;
    for (size_t i = 1; i < g->n; i++)
        if (strcmp(sample_unit(&g->s[i]), unit))
            return nb_fail(NB_EINVAL, "%s: cannot summarize series of two budget units (%s and %s) in "
                           "one summary", path, res_unit_words(unit), res_unit_words(sample_unit(&g->s[i])));
    char *tmp;
    FILE *f;
    nb_status st = nb_file_tmp_create(path, &tmp, &f);
    if (st != NB_OK) return st;
    fprintf(f, "# %s %d\n", REP_SUMMARY_FORMAT_NAME, REP_SUMMARY_FORMAT_VERSION);
    fprintf(f, "# per-run final and time-averaged test regret (percentage points); reports/rep.h\n");
    for (int a = 0; a < G_COUNT; a++) {
        char v[1024];
        snprintf(v, sizeof v, "%s", g->attr[a]);
        for (char *c = v; *c; c++)
            if (*c == '\n' || *c == '\r') *c = ' ';
        fprintf(f, "# %s: %s\n", gate_attr_names[a], v);
    }
    if (strcmp(unit, RES_UNIT_SIMULATED)) fprintf(f, "# budget_unit: %s\n", unit);
    fprintf(f, "dataset,strategy,budget,workers,grid,run,final_regret,auc_regret\n");
    for (size_t i = 0; i < g->n; i++) {
        const rep_gate_sample *s = &g->s[i];
        for (size_t r = 0; r < s->runs; r++)
            fprintf(f, "%s,%s,%.17g,%d,%zu,%zu,%.9g,%.9g\n", s->dataset, s->strategy, s->budget,
                    s->workers, s->grid, r, s->final_regret[r], s->auc_regret[r]);
    }
    st = nb_file_commit_stream(f, tmp, path);
    free(tmp);
    return st;
}

/* ---- the comparison ---- */

rep_gate_config rep_gate_config_default(void)
{
    rep_gate_config c = {.alpha = 0.05, .min_effect = 0, .bootstrap = 2000, .seed = 0, .strategy = NULL,
                         .cand_strategy = NULL};
    return c;
}

static int has_strategy(const rep_gate_set *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->s[i].strategy, name)) return 1;
    return 0;
}

/* Distinct strategy names, comma-separated, into buf; returns the count. */
static int list_strategies(const rep_gate_set *g, char *buf, size_t n)
{
    int count = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < g->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(g->s[j].strategy, g->s[i].strategy)) seen = 1;
        if (seen) continue;
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", count ? ", " : "", g->s[i].strategy);
        count++;
    }
    return count;
}

static const rep_gate_sample *find_sample(const rep_gate_set *g, const char *ds, const char *strat)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->s[i].dataset, ds) && (!strat || !strcmp(g->s[i].strategy, strat))) return &g->s[i];
    return NULL;
}

static nb_status refuse_attr(const rep_gate_set *b, const rep_gate_set *c, int a, const char *what,
                             const char *hint)
{
    const char *vb = b->attr[a][0] ? b->attr[a] : "(missing)";
    const char *vc = c->attr[a][0] ? c->attr[a] : "(missing)";
    if (a == G_TABLE_CHECKSUM)
        return nb_fail(NB_EINVAL, "refusing to compare: %s differ: baseline %s (%s) vs candidate %s (%s); hint: %s",
                       what, vb, b->attr[G_TABLE_PATH][0] ? b->attr[G_TABLE_PATH] : "?", vc,
                       c->attr[G_TABLE_PATH][0] ? c->attr[G_TABLE_PATH] : "?", hint);
    return nb_fail(NB_EINVAL, "refusing to compare: %s differ: baseline %s vs candidate %s; hint: %s", what,
                   vb, vc, hint);
}

static int same_double(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b)); }

nb_status rep_gate_compare(const rep_gate_set *base, const rep_gate_set *cand, const rep_gate_config *cfg,
                           rep_gate_row **rows_out, size_t *n_out)
{
    *rows_out = NULL;
    *n_out = 0;
    if (!(cfg->alpha > 0 && cfg->alpha < 1)) return nb_fail(NB_EINVAL, "alpha %g is not in (0, 1)", cfg->alpha);
    if (!(cfg->min_effect >= 0)) return nb_fail(NB_EINVAL, "min effect %g is negative", cfg->min_effect);
    if (cfg->bootstrap < 10) return nb_fail(NB_EINVAL, "bootstrap resamples %zu < 10", cfg->bootstrap);
    /* Runs of different search spaces' protocols (NB201's cell space, NATS-Bench's
     * size space): name both protocols, not only the tables' checksums. */
    const char *spb = res_protocol_space(base->attr[G_PROTOCOL]), *spc = res_protocol_space(cand->attr[G_PROTOCOL]);
    if (spb[0] && spc[0] && strcmp(spb, spc))
        return nb_fail(NB_EINVAL, "refusing to compare runs of different protocols: baseline "
                       "protocol %s (table %s) vs candidate protocol %s (table %s); they search "
                       "different spaces (%s vs %s); hint: compare runs on the same table",
                       base->attr[G_PROTOCOL], base->attr[G_TABLE_PATH][0] ? base->attr[G_TABLE_PATH] : "?",
                       cand->attr[G_PROTOCOL],
                       cand->attr[G_TABLE_PATH][0] ? cand->attr[G_TABLE_PATH] : "?", spb, spc);
    if (strcmp(base->attr[G_TABLE_CHECKSUM], cand->attr[G_TABLE_CHECKSUM]) || !base->attr[G_TABLE_CHECKSUM][0])
        return refuse_attr(base, cand, G_TABLE_CHECKSUM, "the tables' content checksums",
                           "run both on the same table (nastab tables info shows its checksum)");
    /* Budget units first: a simulated clock against search epochs is no
     * comparison at all, whatever else agrees (results/RESULTS.md "Budget unit"). */
    for (size_t i = 0; i < base->n; i++)
        for (size_t k = 0; k < cand->n; k++)
            if (strcmp(sample_unit(&base->s[i]), sample_unit(&cand->s[k])))
                return nb_fail(NB_EINVAL, "refusing to compare budgets in different units: baseline %s/%s "
                               "counts %s (budget %g) vs candidate %s/%s counts %s (budget %g); hint: gate "
                               "`nastab search` results against `nastab search` results, and `nastab run` "
                               "results against `nastab run` results",
                               base->s[i].dataset, base->s[i].strategy, res_unit_words(sample_unit(&base->s[i])),
                               base->s[i].budget, cand->s[k].dataset, cand->s[k].strategy,
                               res_unit_words(sample_unit(&cand->s[k])), cand->s[k].budget);
    int rb = res_protocol_restricted(base->attr[G_PROTOCOL]),
        rc = res_protocol_restricted(cand->attr[G_PROTOCOL]);
    if (rb != rc)
        return nb_fail(NB_EINVAL, "refusing to compare a run restricted to the cells with "
                       "per-epoch curves (--restrict-to-curves) with an unrestricted one: baseline "
                       "%s (protocol %s, table %s) vs candidate %s (protocol %s, table %s); their "
                       "optima and regrets are over different sets of cells; hint: run both with "
                       "or both without --restrict-to-curves",
                       rb ? "restricted" : "unrestricted", base->attr[G_PROTOCOL],
                       base->attr[G_TABLE_PATH][0] ? base->attr[G_TABLE_PATH] : "?",
                       rc ? "restricted" : "unrestricted", cand->attr[G_PROTOCOL],
                       cand->attr[G_TABLE_PATH][0] ? cand->attr[G_TABLE_PATH] : "?");
    if (strcmp(base->attr[G_PROTOCOL], cand->attr[G_PROTOCOL]) || !base->attr[G_PROTOCOL][0])
        return refuse_attr(base, cand, G_PROTOCOL, "the protocol versions",
                           "re-run the baseline with this version of nastab");

    /* Pairing of strategies. */
    char lb[512], lc[512];
    int nb = list_strategies(base, lb, sizeof lb), nc = list_strategies(cand, lc, sizeof lc);
    const char *only = cfg->strategy, *cand_name = cfg->cand_strategy ? cfg->cand_strategy : only;
    int by_name = 0;
    if (only) {
        if (!has_strategy(base, only))
            return nb_fail(NB_EINVAL, "refusing to compare: strategy '%s' is not in the baseline (it has %s)",
                           only, lb);
        if (!has_strategy(cand, cand_name))
            return nb_fail(NB_EINVAL, "refusing to compare: strategy '%s' is not in the candidate (it has %s)",
                           cand_name, lc);
        by_name = 1;
    } else {
        for (size_t i = 0; i < base->n && !by_name; i++)
            if (has_strategy(cand, base->s[i].strategy)) by_name = 1;
        if (!by_name && !(nb == 1 && nc == 1))
            return nb_fail(NB_EINVAL, "refusing to compare: no strategy in common (baseline has %s; "
                           "candidate has %s); hint: compare files of one strategy each, or use --strategy",
                           lb, lc);
    }

    size_t cap = 2 * base->n + 2, n = 0;
    rep_gate_row *rows = nb_xcalloc_array(cap, sizeof *rows);
    nb_status st = NB_OK;
    for (size_t i = 0; i < base->n; i++) {
        const rep_gate_sample *b = &base->s[i];
        if (only && strcmp(b->strategy, only)) continue;
        if (by_name && !only && !has_strategy(cand, b->strategy)) continue;
        const rep_gate_sample *c = find_sample(cand, b->dataset, only ? cand_name : by_name ? b->strategy : NULL);
        if (!c) {
            nb_log("check: %s/%s only in the baseline; skipped", b->dataset, b->strategy);
            continue;
        }
        if (!same_double(b->budget, c->budget) && !strcmp(sample_unit(b), RES_UNIT_EPOCHS)) {
            st = nb_fail(NB_EINVAL, "refusing to compare: budgets differ on %s: baseline %g epochs vs "
                         "candidate %g epochs; hint: run the candidate's nastab search with --epochs %g",
                         b->dataset, b->budget, c->budget, b->budget);
            goto fail;
        }
        if (!same_double(b->budget, c->budget)) {
            st = nb_fail(NB_EINVAL, "refusing to compare: budgets differ on %s: baseline %g s vs "
                         "candidate %g s; hint: run the candidate with --budget %g", b->dataset,
                         b->budget, c->budget, b->budget);
            goto fail;
        }
        if (b->workers != c->workers) {
            st = nb_fail(NB_EINVAL, "refusing to compare: workers differ on %s: baseline %d vs candidate %d; "
                         "hint: run the candidate with --workers %d", b->dataset, b->workers, c->workers,
                         b->workers);
            goto fail;
        }
        if (b->grid != c->grid) {
            st = nb_fail(NB_EINVAL, "refusing to compare: grids differ on %s: baseline %zu vs candidate %zu "
                         "points; hint: run the candidate with --grid %zu", b->dataset, b->grid, c->grid,
                         b->grid);
            goto fail;
        }
        if (b->runs < 2 || c->runs < 2) {
            st = nb_fail(NB_EINVAL, "refusing to compare %s/%s: %zu baseline and %zu candidate runs; "
                         "need at least 2 each", b->dataset, b->strategy, b->runs, c->runs);
            goto fail;
        }
        for (int m = 0; m < 2; m++) {
            if (n == cap) {
                cap *= 2;
                rows = nb_xrealloc_array(rows, cap, sizeof *rows);
            }
            rep_gate_row *row = &rows[n];
            memset(row, 0, sizeof *row);
            snprintf(row->dataset, sizeof row->dataset, "%s", b->dataset);
            snprintf(row->base_strategy, sizeof row->base_strategy, "%s", b->strategy);
            snprintf(row->cand_strategy, sizeof row->cand_strategy, "%s", c->strategy);
            row->metric = m == 0 ? REP_GATE_FINAL : REP_GATE_AUC;
            const double *xb = m == 0 ? b->final_regret : b->auc_regret;
            const double *xc = m == 0 ? c->final_regret : c->auc_regret;
            row->n_base = b->runs;
            row->n_cand = c->runs;
            double sb = 0, sc = 0;
            for (size_t r = 0; r < b->runs; r++) sb += xb[r];
            for (size_t r = 0; r < c->runs; r++) sc += xc[r];
            row->mean_base = sb / (double)b->runs;
            row->mean_cand = sc / (double)c->runs;
            row->diff = row->mean_cand - row->mean_base;
            rep_mwu t;
            if ((st = rep_mann_whitney(xc, c->runs, xb, b->runs, &t)) != NB_OK) {
                char why[512]; /* nb_fail formats into the buffer nb_errmsg() returns */
                snprintf(why, sizeof why, "%s", nb_errmsg());
                nb_fail(st, "%s/%s: %s", b->dataset, b->strategy, why);
                goto fail;
            }
            double pairs = (double)b->runs * (double)c->runs;
            row->a12 = (pairs - t.u) / pairs;
            row->p = t.p;
            rep_bootstrap_mean_diff(xc, c->runs, xb, b->runs, 1 - cfg->alpha, cfg->bootstrap, cfg->seed,
                                    (uint64_t)n, &row->lo, &row->hi);
            n++;
        }
    }
    if (n == 0) {
        st = nb_fail(NB_EINVAL, "refusing to compare: no dataset in common for the paired strategies "
                     "(baseline has %s; candidate has %s)", lb, lc);
        goto fail;
    }
    double *p = nb_xcalloc_array(n, sizeof *p), *adj = nb_xcalloc_array(n, sizeof *adj);
    for (size_t i = 0; i < n; i++) p[i] = rows[i].p;
    rep_holm(p, n, adj);
    for (size_t i = 0; i < n; i++) {
        rep_gate_row *row = &rows[i];
        row->p_holm = adj[i];
        row->verdict = REP_GATE_SAME;
        if (adj[i] < cfg->alpha) row->verdict = row->a12 < 0.5 ? REP_GATE_WORSE : REP_GATE_BETTER;
        /* Worse by more than E: the ranks say worse (Holm-adjusted) and the
         * whole interval of the mean difference lies above E. */
        row->fails = row->verdict == REP_GATE_WORSE && row->lo > cfg->min_effect;
    }
    free(p);
    free(adj);
    *rows_out = rows;
    *n_out = n;
    return NB_OK;
fail:
    free(rows);
    return st;
}

int rep_gate_failed(const rep_gate_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].fails) return 1;
    return 0;
}

static const char *verdict_name(const rep_gate_row *r)
{
    if (r->verdict == REP_GATE_BETTER) return "better";
    if (r->verdict == REP_GATE_WORSE) return r->fails ? "WORSE" : "worse, not beyond min effect";
    return "no significant difference";
}

void rep_gate_print(const rep_gate_row *rows, size_t n, const rep_gate_config *cfg, FILE *f)
{
    fprintf(f, "%-15s %-22s %-6s %9s %10s %10s %9s %-21s %5s %8s %8s  %s\n", "dataset", "strategy",
            "metric", "runs b/c", "base", "candidate", "diff", "interval", "A12", "p", "p_holm", "verdict");
    for (size_t i = 0; i < n; i++) {
        const rep_gate_row *r = &rows[i];
        char name[72], runs[32], ci[48];
        if (strcmp(r->base_strategy, r->cand_strategy))
            snprintf(name, sizeof name, "%s->%s", r->base_strategy, r->cand_strategy);
        else
            snprintf(name, sizeof name, "%s", r->cand_strategy);
        snprintf(runs, sizeof runs, "%zu/%zu", r->n_base, r->n_cand);
        snprintf(ci, sizeof ci, "[%+.3f, %+.3f]", r->lo, r->hi);
        fprintf(f, "%-15s %-22s %-6s %9s %10.4f %10.4f %+9.4f %-21s %5.2f %8.2g %8.2g  %s\n", r->dataset, name,
                r->metric == REP_GATE_FINAL ? "final" : "auc", runs, r->mean_base, r->mean_cand, r->diff, ci,
                r->a12, r->p, r->p_holm, verdict_name(r));
    }
    fprintf(f, "\nregret in percentage points (lower is better): final = at the end of the budget, auc =\n"
               "averaged over the budget. diff = candidate - baseline mean with its %.0f%% bootstrap interval;\n"
               "A12 = P(candidate run beats baseline run); p: two-sided Mann-Whitney U, p_holm: Holm over %zu tests.\n",
            100 * (1 - cfg->alpha), n);
    size_t worst = n;
    int nf = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].fails) {
            nf++;
            if (worst == n || rows[i].p_holm < rows[worst].p_holm) worst = i;
        }
    if (nf == 0) {
        fprintf(f, "gate: PASS (nothing significantly worse by more than %g pp at alpha %g)\n", cfg->min_effect,
                cfg->alpha);
    } else {
        const rep_gate_row *r = &rows[worst];
        fprintf(f, "gate: FAIL (%d test%s significantly worse by more than %g pp at alpha %g; e.g. %s on %s, "
                   "%s regret %+.3f pp [%+.3f, %+.3f], p_holm %.2g)\n",
                nf, nf == 1 ? "" : "s", cfg->min_effect, cfg->alpha, r->cand_strategy, r->dataset,
                r->metric == REP_GATE_FINAL ? "final" : "auc", r->diff, r->lo, r->hi, r->p_holm);
    }
}
