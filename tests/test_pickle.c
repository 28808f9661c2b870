/* tests/test_pickle.c - the safe pickle reader (tables/pickle.h) and the
 * NATS-Bench record reader (tables/nats.h).
 *
 * Expected values come from Python's own unpickler via
 * tests/fixtures/pickle/make_expected.py (committed output; Python is not
 * run here). Paths are relative to the repository root, where the test
 * runner is started. */
#include <dirent.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tables/nats.h"
#include "tables/pickle.h"
#include "test.h"

#define TSS_DIR "tests/fixtures/nats-tss"
#define PK_DIR "tests/fixtures/pickle"

/* ---- helpers */

static int slurp(const char *path, unsigned char **buf, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t cap = 1 << 16, len = 0;
    unsigned char *b = nb_xmalloc(cap);
    for (;;) {
        if (len == cap) b = nb_xrealloc_array(b, cap *= 2, 1);
        size_t got = fread(b + len, 1, cap - len, f);
        if (got == 0) break;
        len += got;
    }
    fclose(f);
    *buf = b;
    *n = len;
    return 1;
}

static int write_file(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    int ok = fwrite(buf, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* Same double bit for bit, or both NaN (an epoch absent from the record). */
static int same_double(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_put(sbuf *s, const char *t, size_t k)
{
    if (s->n + k + 1 > s->cap) {
        s->cap = 2 * (s->n + k + 1);
        s->p = nb_xrealloc_array(s->p, s->cap, 1);
    }
    memcpy(s->p + s->n, t, k);
    s->n += k;
    s->p[s->n] = '\0';
}

static void sb_fmt(sbuf *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sbuf *s, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_put(s, tmp, (size_t)k);
}

/* The canonical text of make_expected.py's render(). */
static void render(sbuf *s, const pk_value *v)
{
    switch (v->type) {
    case PK_NONE: sb_put(s, "N", 1); return;
    case PK_BOOL: sb_put(s, v->u.b ? "T" : "F", 1); return;
    case PK_INT: sb_fmt(s, "i%lld", (long long)v->u.i); return;
    case PK_FLOAT: {
        uint64_t u;
        memcpy(&u, &v->u.f, 8);
        sb_fmt(s, "f%016llx", (unsigned long long)u);
        return;
    }
    case PK_STR:
        sb_fmt(s, "s%zu:", v->u.str.n);
        sb_put(s, v->u.str.s, v->u.str.n);
        return;
    case PK_BYTES:
        sb_put(s, "b", 1);
        for (size_t i = 0; i < v->u.str.n; i++) sb_fmt(s, "%02x", (unsigned char)v->u.str.s[i]);
        return;
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET: {
        const char *br = v->type == PK_LIST ? "[]" : v->type == PK_TUPLE ? "()" : "<>";
        sb_put(s, br, 1);
        for (size_t i = 0; i < v->u.seq.n; i++) {
            if (i) sb_put(s, ",", 1);
            render(s, v->u.seq.items[i]);
        }
        sb_put(s, br + 1, 1);
        return;
    }
    case PK_DICT:
        sb_put(s, "{", 1);
        for (size_t i = 0; i < v->u.dict.n; i++) {
            if (i) sb_put(s, ",", 1);
            render(s, v->u.dict.keys[i]);
            sb_put(s, ":", 1);
            render(s, v->u.dict.vals[i]);
        }
        sb_put(s, "}", 1);
        return;
    case PK_DTYPE: sb_fmt(s, "dtype(%c%c%d)", v->u.dtype.order, v->u.dtype.kind, v->u.dtype.size); return;
    case PK_GLOBAL: sb_fmt(s, "global(%d)", (int)v->u.global); return;
    }
}

/* Parse a raw pickle held in a C string literal and render it ("" on error). */
static char *render_bytes(const char *bytes, size_t n, nb_status *st)
{
    pk_doc *doc;
    *st = pk_parse(bytes, n, "test.pkl", NULL, &doc);
    sbuf s = {0};
    sb_put(&s, "", 0);
    if (*st == NB_OK) render(&s, pk_root(doc));
    pk_free(doc);
    return s.p;
}

#define LIT(s) (s), (sizeof(s) - 1)

/* ---- whole records against Python's values */

static double *curve_of(const nats_run *r, const char *metric)
{
    if (!strcmp(metric, "train_acc1")) return r->train_acc1;
    if (!strcmp(metric, "train_acc5")) return r->train_acc5;
    if (!strcmp(metric, "train_loss")) return r->train_loss;
    if (!strcmp(metric, "train_time")) return r->train_time;
    const char *us = strrchr(metric, '_');
    if (!us) return NULL;
    char split[32];
    size_t k = (size_t)(us - metric);
    if (k >= sizeof split) return NULL;
    memcpy(split, metric, k);
    split[k] = '\0';
    int e = nats_eval_id(split);
    if (e < 0) return NULL;
    const nats_curve *c = &r->eval[e];
    return !strcmp(us + 1, "acc") ? c->acc : !strcmp(us + 1, "loss") ? c->loss
                                   : !strcmp(us + 1, "time") ? c->time : NULL;
}

static size_t curves_in_record(const nats_record *rec, size_t *runs)
{
    size_t n = 0;
    *runs = 0;
    for (int hp = 0; hp < NATS_HP_COUNT; hp++)
        for (int ds = 0; ds < NATS_DS_COUNT; ds++)
            for (size_t i = 0; i < rec->runs[hp][ds].n_runs; i++) {
                const nats_run *r = &rec->runs[hp][ds].runs[i];
                (*runs)++;
                n += 3 + (r->train_acc5 != NULL);
                for (int e = 0; e < NATS_EVAL_COUNT; e++) n += 3 * (r->eval[e].acc != NULL);
            }
    return n;
}

static void check_record_exact(long index)
{
    char path[256], exp_path[256];
    snprintf(path, sizeof path, TSS_DIR "/tss_%06ld.pickle.pbz2", index);
    snprintf(exp_path, sizeof exp_path, PK_DIR "/tss_%06ld.expected.csv.bz2", index);
    nats_record *rec = NULL;
    CHECK_OK(nats_read_record(path, &rec));
    unsigned char *z = NULL, *csv = NULL;
    size_t nz = 0, ncsv = 0;
    CHECK_MSG(slurp(exp_path, &z, &nz), "cannot read %s", exp_path);
    if (!rec || !z) goto done;
    CHECK_OK(pk_bz2_decompress(z, nz, exp_path, (size_t)64 << 20, &csv, &ncsv));
    if (!csv) goto done;
    csv = nb_xrealloc_array(csv, ncsv + 1, 1);
    csv[ncsv] = '\0';

    size_t n_runs = 0, n_curves = 0, n_values = 0, n_nan = 0;
    char *save = NULL;
    for (char *line = strtok_r((char *)csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[9] = {0};
        int nf = 0;
        char *fs = NULL;
        for (char *t = strtok_r(line, ",", &fs); t && nf < 9; t = strtok_r(NULL, ",", &fs)) f[nf++] = t;
        if (!strcmp(f[0], "arch")) {
            CHECK_EQ_INT(atol(f[1]), index);
            CHECK_EQ_INT(rec->index, index);
            CHECK_STR(rec->arch_str, f[2]);
            continue;
        }
        CHECK_MSG(nf >= 6, "short line in %s", exp_path);
        if (nf < 6) break;
        int hp = !strcmp(f[1], "12") ? NATS_HP_12 : !strcmp(f[1], "200") ? NATS_HP_200 : -1;
        int ds = nats_dataset_id(f[2]);
        int seed = atoi(f[3]);
        const nats_run *r = hp >= 0 && ds >= 0 ? nats_record_run(rec, (nats_hp)hp, (nats_dataset)ds, seed) : NULL;
        CHECK_MSG(r, "%s: no run hp %s %s seed %d", path, f[1], f[2], seed);
        if (!r) continue;
        if (!strcmp(f[0], "run")) {
            n_runs++;
            CHECK_EQ_INT(r->epochs, atoi(f[4]));
            CHECK_EQ_INT(r->class_num, atoi(f[5]));
            CHECK(same_double(r->params, strtod(f[6], NULL)));
            CHECK(same_double(r->flops, strtod(f[7], NULL)));
            size_t nl = 0;
            char *ls = NULL;
            for (char *t = strtok_r(f[8], ";", &ls); t; t = strtok_r(NULL, ";", &ls), nl++)
                CHECK(nl < r->n_latency && same_double(r->latency[nl], strtod(t, NULL)));
            CHECK_EQ_INT(nl, r->n_latency);
        } else {
            n_curves++;
            const double *c = curve_of(r, f[4]);
            CHECK_MSG(c, "%s: hp %s %s seed %d has no curve %s", path, f[1], f[2], seed, f[4]);
            if (!c) continue;
            int e = 0;
            char *vs = NULL;
            for (char *t = strtok_r(f[5], ";", &vs); t; t = strtok_r(NULL, ";", &vs), e++) {
                double want = strtod(t, NULL);
                if (e >= r->epochs) break;
                n_values++;
                n_nan += isnan(want) != 0;
                CHECK_MSG(same_double(c[e], want),
                          "%s: hp %s %s seed %d %s[%d] = %.17g, Python says %s", path, f[1],
                          f[2], seed, f[4], e, c[e], t);
            }
            CHECK_EQ_INT(e, r->epochs);
        }
    }
    /* Nothing in the record went unchecked. */
    size_t rec_runs, rec_curves = curves_in_record(rec, &rec_runs);
    CHECK_EQ_INT(rec_runs, n_runs);
    CHECK_EQ_INT(rec_curves, n_curves);
    CHECK_EQ_INT(n_runs, 17); /* hp 12: 2+1+1+1 seeds; hp 200: 4 datasets x 3 seeds */
    /* hp '200' keeps some eval accuracies/losses for the last epoch only */
    CHECK_EQ_INT(n_values, 24036);
    CHECK_EQ_INT(n_nan, 5970);
done:
    free(z);
    free(csv);
    nats_record_free(rec);
}

TEST(pickle_nats_record_0_exact) { check_record_exact(0); }
TEST(pickle_nats_record_11_exact) { check_record_exact(11); }

TEST(pickle_nats_record_known_values)
{
    nats_record *r = NULL;
    CHECK_OK(nats_read_record(TSS_DIR "/tss_000000.pickle.pbz2", &r));
    if (!r) return;
    CHECK(r->has_hp[NATS_HP_12] && r->has_hp[NATS_HP_200]);
    const nats_run *run = nats_record_run(r, NATS_HP_12, NATS_DS_CIFAR10_VALID, 777);
    CHECK(run != NULL);
    if (run) {
        CHECK_EQ_INT(run->epochs, 12);
        CHECK(run->train_acc1[0] == 28.172000009765625);  /* pickletools offset 247 */
        CHECK(run->params == 0.129306);                  /* a numpy float64 scalar */
        CHECK(run->eval[NATS_EVAL_X_VALID].acc[11] == 62.71199997802734);
        CHECK(run->eval[NATS_EVAL_X_TEST].acc == NULL); /* cifar10-valid has no x-test */
    }
    run = nats_record_run(r, NATS_HP_200, NATS_DS_CIFAR100, 888);
    CHECK(run != NULL);
    if (run) {
        CHECK_EQ_INT(run->epochs, 200);
        CHECK(run->train_acc5 == NULL); /* None in the simple archive */
        CHECK(isnan(run->eval[NATS_EVAL_X_TEST].acc[0]));
        CHECK(!isnan(run->eval[NATS_EVAL_X_TEST].acc[199]));
        CHECK(!isnan(run->eval[NATS_EVAL_X_TEST].time[0]));
    }
    CHECK(nats_record_run(r, NATS_HP_200, NATS_DS_CIFAR10, 111) == NULL);
    CHECK_EQ_INT(r->runs[NATS_HP_200][NATS_DS_IMAGENET16].n_runs, 3);
    CHECK_EQ_INT(r->runs[NATS_HP_200][NATS_DS_IMAGENET16].runs[0].seed, 777); /* sorted */
    nats_record_free(r);
}

/* FNV-1a 64 over every arch string followed by '\n' (as make_expected.py). */
static uint64_t fnv_archs(const nats_meta *m)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < m->n; i++) {
        for (const unsigned char *p = (const unsigned char *)m->arch[i]; *p; p++)
            h = (h ^ *p) * 0x100000001b3ull;
        h = (h ^ '\n') * 0x100000001b3ull;
    }
    return h;
}

TEST(pickle_nats_meta)
{
    nats_meta *m = NULL;
    CHECK_OK(nats_read_meta(TSS_DIR "/tss_meta.pickle.pbz2", &m));
    if (!m) return;
    CHECK_EQ_INT(m->n, NATS_TSS_ARCHS);
    unsigned char *exp = NULL;
    size_t n = 0;
    CHECK(slurp(PK_DIR "/meta.expected.csv", &exp, &n));
    if (exp) {
        exp = nb_xrealloc_array(exp, n + 1, 1);
        exp[n] = '\0';
        char *save = NULL;
        int lines = 0;
        for (char *l = strtok_r((char *)exp, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            lines++;
            if (!strncmp(l, "count,", 6)) CHECK_EQ_INT(atol(l + 6), m->n);
            else if (!strncmp(l, "fnv1a64,", 8))
                CHECK_EQ_INT(fnv_archs(m) == strtoull(l + 8, NULL, 16), 1);
            else if (!strncmp(l, "arch,", 5)) {
                char *comma;
                long i = strtol(l + 5, &comma, 10);
                CHECK(i >= 0 && (size_t)i < m->n);
                if (i >= 0 && (size_t)i < m->n) CHECK_STR(m->arch[i], comma + 1);
            }
        }
        CHECK_EQ_INT(lines, 6);
    }
    free(exp);
    /* The meta entries agree with the records' own strings. */
    for (long idx = 0; idx <= 11; idx += 11) {
        char path[128];
        snprintf(path, sizeof path, TSS_DIR "/tss_%06ld.pickle.pbz2", idx);
        nats_record *r = NULL;
        CHECK_OK(nats_read_record(path, &r));
        if (r) CHECK_STR(m->arch[idx], r->arch_str);
        nats_record_free(r);
    }
    nats_meta_free(m);
}

TEST(pickle_nats_wrong_file_kind)
{
    nats_record *r = NULL;
    CHECK_STATUS(nats_read_record(TSS_DIR "/tss_meta.pickle.pbz2", &r), NB_EFORMAT);
    CHECK_ERRMSG("tss_meta.pickle.pbz2");
    CHECK_ERRMSG("neither hp '12' nor hp '200'");
    CHECK(r == NULL);
    nats_meta *m = NULL;
    CHECK_STATUS(nats_read_meta(TSS_DIR "/tss_000011.pickle.pbz2", &m), NB_EFORMAT);
    CHECK_ERRMSG("'meta_archs' is missing");
    CHECK(m == NULL);
    CHECK_STATUS(nats_read_record(TSS_DIR "/no-such-file.pickle.pbz2", &r), NB_EIO);
    CHECK_ERRMSG("no-such-file.pickle.pbz2");
    char buf[64];
    CHECK_OK(nats_record_path(buf, sizeof buf, "arch", 42));
    CHECK_STR(buf, "arch/000042.pickle.pbz2");
    CHECK_STATUS(nats_record_path(buf, 8, "arch", 42), NB_EINVAL);
}

/* ---- pickles written by Python with protocols 2..5 */

TEST(pickle_python_protocols)
{
    for (int p = 2; p <= 5; p++) {
        char path[128], exp_path[128];
        snprintf(path, sizeof path, PK_DIR "/values_p%d.pickle", p);
        snprintf(exp_path, sizeof exp_path, PK_DIR "/values_p%d.expected", p);
        pk_doc *doc = NULL;
        CHECK_OK(pk_read_bz2_file(path, NULL, &doc));
        unsigned char *exp = NULL;
        size_t n = 0;
        CHECK(slurp(exp_path, &exp, &n));
        if (doc && exp) {
            while (n && exp[n - 1] == '\n') n--;
            sbuf s = {0};
            render(&s, pk_root(doc));
            CHECK_MSG(s.n == n && memcmp(s.p, exp, n) == 0, "protocol %d: C renders\n%s\n", p, s.p);
            free(s.p);
            const pk_value *ints = pk_dict_get(pk_root(doc), "ints");
            CHECK(ints && ints->type == PK_LIST && ints->u.seq.items[12]->u.i == INT64_MIN);
        }
        free(exp);
        pk_free(doc);
    }
}

/* ---- hand-built pickles: value decoding */

#define G_SCALAR "\x8c\x15numpy.core.multiarray\x8c\x06scalar\x93"
#define G_DTYPE "\x8c\x05numpy\x8c\x05" "dtype\x93"
/* numpy's dtype state (version 3, byte order, no subarray/names/fields, -1, -1, 0) */
#define DT_STATE(order) "(K\x03\x8c\x01" order "NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"

TEST(pickle_handbuilt_values)
{
    static const struct {
        const char *bytes;
        size_t n;
        const char *want;
    } cases[] = {
        /* big-endian float64 1.5 through BUILD's byte order */
        {LIT("\x80\x04" G_SCALAR G_DTYPE "\x8c\x02" "f8\x89\x88\x87R" DT_STATE(">")
             "C\x08\x3f\xf8\x00\x00\x00\x00\x00\x00\x86R."), "f3ff8000000000000"},
        /* little-endian int16 -300, unsigned big-endian 256 from the dtype string */
        {LIT("\x80\x04" G_SCALAR G_DTYPE "\x8c\x02i2\x89\x88\x87R" DT_STATE("<")
             "C\x02\xd4\xfe\x86R."), "i-300"},
        {LIT("\x80\x04" G_SCALAR G_DTYPE "\x8c\x03>u4\x89\x88\x87R" "C\x04\x00\x00\x01\x00\x86R."),
         "i256"},
        /* float32 0.1 widened exactly */
        {LIT("\x80\x04" G_SCALAR G_DTYPE "\x8c\x02" "f4\x89\x88\x87R" DT_STATE("<")
             "C\x04\xcd\xcc\xcc\x3d\x86R."), "f3fb99999a0000000"},
        {LIT("\x80\x02\x8a\x02\x00\xff."), "i-256"},
        {LIT("\x80\x02\x8a\x00."), "i0"},
        {LIT("\x80\x02\x8b\x08\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x7f."), "i9223372036854775807"},
        {LIT("\x80\x02J\xff\xff\xff\xff."), "i-1"},
        {LIT("\x80\x02M\xff\xff."), "i65535"},
        {LIT("\x80\x04\x8c\x01x2\x86."), "(s1:x,s1:x)"},          /* DUP of a str */
        {LIT("\x80\x04K\x01\x85\x94h\x00\x86."), "((i1),(i1))"}, /* shared immutable tuple */
        {LIT("\x80\x02" "ccollections\nOrderedDict\n)R(K\x02K\x01K\x01K\x02u."), "{i2:i1,i1:i2}"},
        {LIT("\x80\x02(K\x01K\x02" "d."), "{i1:i2}"},
        {LIT("\x80\x02(K\x01Nl."), "[i1,N]"},
        {LIT("\x80\x04\x8f(K\x01\x90."), "<i1>"},
        {LIT("\x80\x04(K\x01\x91."), "<i1>"},
        {LIT("\x80\x02U\x02" "ab."), "s2:ab"},                     /* Python 2 str */
        {LIT("\x80\x05\x96\x02\x00\x00\x00\x00\x00\x00\x00\x01\x02."), "b0102"},
        {LIT("\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00\x88\x89\x86."), "(T,F)"},
        {LIT("\x80\x04}(K\x01K\x02K\x01K\x03u."), "{i1:i2,i1:i3}"}, /* a key set twice */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nb_status st;
        char *got = render_bytes(cases[i].bytes, cases[i].n, &st);
        CHECK_MSG(st == NB_OK && !strcmp(got, cases[i].want), "case %zu: status %d '%s', want '%s' (%s)",
                  i, (int)st, got, cases[i].want, nb_errmsg());
        free(got);
    }
    /* pk_dict_get returns the last value of a repeated key, as Python does. */
    pk_doc *doc;
    CHECK_OK(pk_parse(LIT("\x80\x04}(\x8c\x01" "aK\x01\x8c\x01" "aK\x03u."), NULL, NULL, &doc));
    if (doc) {
        const pk_value *a = pk_dict_get(pk_root(doc), "a");
        CHECK(a && a->type == PK_INT && a->u.i == 3);
        CHECK(pk_dict_get(pk_root(doc), "b") == NULL);
    }
    pk_free(doc);
}

/* ---- hand-built pickles: everything outside the subset is refused */

TEST(pickle_rejects_malformed)
{
    static const struct {
        const char *bytes;
        size_t n;
        nb_status st;
        const char *needle;
    } cases[] = {
        {LIT("\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x02hi\x85R."), NB_EFORMAT,
         "global os.system is not allowed"},
        {LIT("\x80\x02" "cposix\nsystem\nU\x02id\x85R."), NB_EFORMAT, "global posix.system is not allowed"},
        {LIT("\x80\x02" "c__builtin__\neval\n."), NB_EFORMAT, "global __builtin__.eval"},
        {LIT("\x80\x02" "co\x01s\nsystem\n."), NB_EFORMAT, "global o\\x01s.system"},
        {LIT("\x80\x04\x8c\x08" "builtins\x8c\x07getattr\x93."), NB_EFORMAT, "global builtins.getattr"},
        {LIT("\x80\x04\x8c\x05numpy\x8c\x04load\x93."), NB_EFORMAT, "global numpy.load"},
        {LIT("\x80\x02)\x81."), NB_EFORMAT, "NEWOBJ (0x81) at offset 3"},
        {LIT("\x80\x02P1\n."), NB_EFORMAT, "PERSID (0x50) at offset 2"},
        {LIT("\x80\x02ios\nsystem\n."), NB_EFORMAT, "INST (0x69) at offset 2"},
        {LIT("\x80\x02\x82\x01."), NB_EFORMAT, "EXT1 (0x82)"},
        {LIT("\x80\x02I1\n."), NB_EFORMAT, "INT (0x49) at offset 2"},
        {LIT("\x80\x04\xff."), NB_EFORMAT, "unknown (0xff) at offset 2"},
        {LIT("\x80\x04]\x94h\x00" "a."), NB_EFORMAT, "memo abuse"},         /* list inside itself */
        {LIT("\x80\x04}2."), NB_EFORMAT, "memo abuse"},                   /* DUP of a dict */
        {LIT("\x80\x04h\x05."), NB_EFORMAT, "memo entry 5 was never stored"},
        {LIT("\x80\x04Nr\xff\xff\xff\x7f."), NB_ERANGE, "memo index 2147483647 exceeds"},
        {LIT("\x80\x04\x8d\xff\xff\xff\xff\xff\xff\xff\x3f."), NB_EFORMAT, "truncated: a str of"},
        {LIT("\x80\x04X\xff\xff\xff\xff" "abc."), NB_EFORMAT, "truncated: a str of 4294967295 bytes"},
        {LIT("\x80\x04\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00."), NB_ERANGE,
         "LONG1 (0x8a) at offset 2: integer of 9 bytes does not fit in int64"},
        {LIT("\x80\x04\x8b\x00\x00\x00\x80."), NB_EFORMAT, "negative length"},
        {LIT("\x80\x04\x8c\x01x)R."), NB_EFORMAT, "REDUCE calls a str"},
        {LIT("\x80\x04\x8c\x0b" "collections\x8c\x0bOrderedDict\x93]\x85R."), NB_EFORMAT,
         "OrderedDict called with 1 arguments"},
        {LIT("\x80\x04}}b."), NB_EFORMAT, "BUILD on a dict is not supported"},
        {LIT("\x80\x04" G_DTYPE "\x8c\x02O8\x89\x88\x87R."), NB_EFORMAT, "numpy.dtype('O8')"},
        {LIT("\x80\x04" G_SCALAR G_DTYPE "\x8c\x02" "f8\x89\x88\x87R" "C\x04" "abcd\x86R."), NB_EFORMAT,
         "has 4 bytes, not 8"},
        {LIT("\x80\x04" G_DTYPE "\x8c\x02" "f8\x89\x88\x87R(K\x03\x8c\x01<NN}NNNtb."), NB_EFORMAT,
         "numpy.dtype state"},
        {LIT("\x80\x04N"), NB_EFORMAT, "no STOP opcode"},
        {LIT("\x80\x04N.N"), NB_EFORMAT, "1 bytes of trailing data after STOP"},
        {LIT("\x80\x06N."), NB_EVERSION, "protocol 6 is not supported"},
        {LIT("\x80\x04\x8c\x02\xc3\x28."), NB_EFORMAT, "invalid UTF-8"},
        {LIT("\x80\x04" "a."), NB_EFORMAT, "APPEND (0x61) at offset 2: stack is empty"},
        {LIT("\x80\x04](NNu."), NB_EFORMAT, "sets items of a list"},
        {LIT("\x80\x04}]Ns."), NB_EFORMAT, "unhashable dict key of type list"},
        {LIT("\x80\x04N(0."), NB_EFORMAT, "pops across a MARK"},
        {LIT("\x80\x04N(."), NB_EFORMAT, "1 MARKs left open"},
        {LIT("\x80\x04NN."), NB_EFORMAT, "stack holds 2 values, not 1"},
        {LIT("\x80\x04\x95\xff\x00\x00\x00\x00\x00\x00\x00N."), NB_EFORMAT, "truncated: frame of 255"},
        {LIT(""), NB_EFORMAT, "no STOP opcode in 0 bytes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pk_doc *doc = (pk_doc *)&doc; /* must come back NULL */
        nb_status st = pk_parse(cases[i].bytes, cases[i].n, "test.pkl", NULL, &doc);
        CHECK_MSG(st == cases[i].st && strstr(nb_errmsg(), cases[i].needle) &&
                      strstr(nb_errmsg(), "test.pkl") && doc == NULL,
                  "case %zu: status %d, message '%s', want %d with '%s'", i, (int)st,
                  nb_errmsg(), (int)cases[i].st, cases[i].needle);
        pk_free(st == NB_OK ? doc : NULL);
    }
}

TEST(pickle_nesting_and_limits)
{
    /* 70 nested lists: ] x70 then APPEND x69, and 70 nested tuples. */
    char deep[200];
    size_t n = 0;
    deep[n++] = (char)0x80;
    deep[n++] = 4;
    for (int i = 0; i < 70; i++) deep[n++] = ']';
    for (int i = 0; i < 69; i++) deep[n++] = 'a';
    deep[n++] = '.';
    pk_doc *doc = NULL;
    CHECK_STATUS(pk_parse(deep, n, "deep.pkl", NULL, &doc), NB_ERANGE);
    CHECK_ERRMSG("nested deeper than 64");
    n = 2;
    deep[n++] = ')';
    for (int i = 0; i < 70; i++) deep[n++] = (char)0x85;
    deep[n++] = '.';
    CHECK_STATUS(pk_parse(deep, n, "deep.pkl", NULL, &doc), NB_ERANGE);
    CHECK_ERRMSG("TUPLE1 (0x85)");
    /* 63 levels are fine. */
    n = 2;
    deep[n++] = ')';
    for (int i = 0; i < 63; i++) deep[n++] = (char)0x85;
    deep[n++] = '.';
    CHECK_OK(pk_parse(deep, n, "deep.pkl", NULL, &doc));
    pk_free(doc);

    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_items = 4;
    CHECK_STATUS(pk_parse(LIT("\x80\x04(NNNNNl."), "t.pkl", &lim, &doc), NB_ERANGE);
    CHECK_ERRMSG("stack holds more than 4 values");
    pk_limits_default(&lim);
    lim.max_alloc = 4096;
    CHECK_STATUS(pk_read_bz2_file(PK_DIR "/values_p4.pickle", &lim, &doc), NB_ERANGE);
    CHECK_ERRMSG("allocation limit of 4096 bytes exceeded");
    pk_limits_default(&lim);
    lim.max_input = 100;
    CHECK_STATUS(pk_read_bz2_file(TSS_DIR "/tss_meta.pickle.pbz2", &lim, &doc), NB_ERANGE);
    CHECK_ERRMSG("tss_meta.pickle.pbz2");
    CHECK(doc == NULL);
    pk_limits_default(&lim);
    lim.max_input = 100000; /* the meta pickle decompresses to 1.38 MB */
    unsigned char *z;
    size_t nz;
    CHECK(slurp(TSS_DIR "/tss_meta.pickle.pbz2", &z, &nz));
    CHECK_STATUS(pk_parse_bz2(z, nz, "meta", &lim, &doc), NB_ERANGE);
    CHECK_ERRMSG("decompresses to more than the limit of 100000 bytes");
    free(z);
}

/* ---- damaged bz2 */

TEST(pickle_bz2_damage)
{
    unsigned char *z = NULL;
    size_t nz = 0;
    CHECK(slurp(TSS_DIR "/tss_000011.pickle.pbz2", &z, &nz));
    if (!z) return;
    char path[512];
    snprintf(path, sizeof path, "%s/damaged.pickle.pbz2", test_tmpdir());
    const size_t cuts[] = {4, 10, 100, 5000, nz / 2, nz - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        CHECK(write_file(path, z, cuts[i]));
        nats_record *r = (nats_record *)&r;
        nb_status st = nats_read_record(path, &r);
        CHECK_MSG(st == NB_EFORMAT && strstr(nb_errmsg(), path) &&
                      strstr(nb_errmsg(), "truncated bz2 stream") && r == NULL,
                  "cut at %zu: status %d '%s'", cuts[i], (int)st, nb_errmsg());
    }
    /* One flipped byte in the compressed data: libbz2's block CRC or the
     * Huffman decoding catches it. */
    const size_t flips[] = {20, 1000, nz / 2, nz - 20};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        z[flips[i]] ^= 0x55;
        CHECK(write_file(path, z, nz));
        z[flips[i]] ^= 0x55;
        nats_record *r = NULL;
        nb_status st = nats_read_record(path, &r);
        CHECK_MSG(st == NB_EFORMAT && strstr(nb_errmsg(), path) && strstr(nb_errmsg(), "bz2") &&
                      r == NULL,
                  "flip at %zu: status %d '%s'", flips[i], (int)st, nb_errmsg());
    }
    /* Not bz2 at all: the magic is checked; a file of text is not a pickle. */
    unsigned char bad[] = "BZh9 this is not bzip2";
    pk_doc *doc = NULL;
    CHECK_STATUS(pk_parse_bz2(bad, sizeof bad - 1, "bad.pbz2", NULL, &doc), NB_EFORMAT);
    CHECK_ERRMSG("bad.pbz2: bz2");
    CHECK(write_file(path, "@ not a pickle\n", 15));
    CHECK_STATUS(pk_read_bz2_file(path, NULL, &doc), NB_EFORMAT);
    CHECK_ERRMSG("unknown opcode");
    /* Two concatenated streams read as one (as Python's bz2 module does). */
    unsigned char *two = nb_xmalloc(2 * nz);
    memcpy(two, z, nz);
    memcpy(two + nz, z, nz);
    unsigned char *raw = NULL;
    size_t nraw = 0;
    CHECK_OK(pk_bz2_decompress(two, 2 * nz, "two", (size_t)64 << 20, &raw, &nraw));
    CHECK_EQ_INT(nraw, 2 * 325802); /* tss_000011 decompresses to 325802 bytes */
    free(raw);
    free(two);
    free(z);
}

/* ---- the fuzz corpus: every file goes through the fuzz target's path */

static void fuzz_path(const unsigned char *data, size_t size)
{
    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_input = (size_t)8 << 20;
    lim.max_alloc = (size_t)64 << 20;
    unsigned char *raw = NULL;
    size_t nraw = size;
    const unsigned char *pickle = data;
    if (size >= 3 && !memcmp(data, "BZh", 3)) {
        if (pk_bz2_decompress(data, size, "corpus", lim.max_input, &raw, &nraw) != NB_OK) return;
        pickle = raw;
    }
    pk_doc *doc = NULL;
    int ok = pk_parse(pickle, nraw, "corpus", &lim, &doc) == NB_OK;
    if (ok) {
        sbuf s = {0};
        render(&s, pk_root(doc));
        free(s.p);
    }
    pk_free(doc);
    if (ok) {
        nats_record *r = NULL;
        (void)nats_parse_record(pickle, nraw, "corpus", &r);
        nats_record_free(r);
    }
    free(raw);
}

TEST(pickle_corpus_replay)
{
    DIR *d = opendir(PK_DIR "/corpus");
    CHECK_MSG(d != NULL, "cannot open " PK_DIR "/corpus");
    if (!d) return;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, PK_DIR "/corpus/%s", e->d_name);
        unsigned char *buf;
        size_t n;
        if (!slurp(path, &buf, &n)) continue;
        fuzz_path(buf, n);
        free(buf);
        files++;
    }
    closedir(d);
    CHECK(files >= 10);
    /* The seed record (record 11 cut to 3 epochs) reads as a record, raw and bz2. */
    const char *seeds[] = {PK_DIR "/corpus/mini_record.pickle", PK_DIR "/corpus/mini_record.pickle.pbz2"};
    for (int i = 0; i < 2; i++) {
        unsigned char *buf;
        size_t n;
        CHECK(slurp(seeds[i], &buf, &n));
        nats_record *r = NULL;
        CHECK_OK(nats_parse_record(buf, n, seeds[i], &r));
        if (r) {
            CHECK_EQ_INT(r->index, 11);
            const nats_run *run = nats_record_run(r, NATS_HP_200, NATS_DS_CIFAR100, 999);
            CHECK(run && run->epochs == 3 && isnan(run->eval[NATS_EVAL_X_TEST].acc[2]));
        }
        nats_record_free(r);
        free(buf);
    }
}
