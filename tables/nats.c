/* tables/nats.c - NATS-Bench record and meta readers (topology and size
 * spaces: the same record layout); see nats.h.
 *
 * Layout of a record (NATS-Bench api_utils.ArchResults.create_from_state_dict
 * and ResultsCount, hp -> state):
 *   {hp: {'arch_index': int, 'arch_str': str, 'clear_net_done': bool,
 *         'dataset_seed': {dataset: [seed, ...]},
 *         'all_results': {(dataset, seed): {
 *             'name': dataset, 'seed': '0777', 'epochs': int,
 *             'train_acc1es' | 'train_acc5es' | 'train_losses' | 'train_times':
 *                 {epoch: float},
 *             'eval_names': [split, ...],
 *             'eval_acc1es' | 'eval_losses' | 'eval_times': {'split@epoch': float},
 *             'params': float, 'flop': float, 'latency': [float, ...],
 *             'arch_config': {'class_num': int, ...}, 'net_state_dict': None}}}}
 * A per-epoch dict holds each epoch at most once and may skip epochs: hp '200'
 * keeps the x-valid/x-test accuracy and loss of cifar100 and ImageNet16-120,
 * and the ori-test ones of cifar10-valid, only for the last epoch (their
 * times for every epoch); train_acc5es is None there. Skipped epochs are NaN.
 */
#include "tables/nats.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "tables/pickle.h"

/* Bounds that keep a hostile record's arrays small (NATS-Bench: 200 epochs,
 * at most 3 seeds): at most 4 x 4 x 16 runs of 1000 x 19 doubles. */
enum { NATS_MAX_EPOCHS = 1000, NATS_MAX_SEEDS = 16 };

static const char *hp_names[NATS_HP_COUNT] = {"12", "200", "01", "90"};
static const char *ds_names[NATS_DS_COUNT] = {"cifar10-valid", "cifar10", "cifar100",
                                              "ImageNet16-120"};
static const char *eval_names[NATS_EVAL_COUNT] = {"x-valid", "x-test", "ori-test", "valid",
                                                  "test"};

const char *nats_hp_name(nats_hp hp) { return (unsigned)hp < NATS_HP_COUNT ? hp_names[hp] : "?"; }
const char *nats_dataset_name(nats_dataset ds)
{
    return (unsigned)ds < NATS_DS_COUNT ? ds_names[ds] : "?";
}
const char *nats_eval_name(nats_eval e) { return (unsigned)e < NATS_EVAL_COUNT ? eval_names[e] : "?"; }

static int find_name(const char *const *names, int n, const char *s, size_t len)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) return i;
    return -1;
}
int nats_dataset_id(const char *name) { return find_name(ds_names, NATS_DS_COUNT, name, strlen(name)); }
int nats_eval_id(const char *name) { return find_name(eval_names, NATS_EVAL_COUNT, name, strlen(name)); }

nb_status nats_record_path(char *buf, size_t cap, const char *dir, long index)
{
    int k = snprintf(buf, cap, "%s/%06ld.pickle.pbz2", dir, index);
    if (k < 0 || (size_t)k >= cap)
        return nb_fail(NB_EINVAL, "path of NATS record %ld under '%s' is too long", index, dir);
    return NB_OK;
}

nb_status nats_meta_path(char *buf, size_t cap, const char *dir)
{
    int k = snprintf(buf, cap, "%s/meta.pickle.pbz2", dir);
    if (k < 0 || (size_t)k >= cap)
        return nb_fail(NB_EINVAL, "path of the NATS meta file under '%s' is too long", dir);
    return NB_OK;
}

/* ---- error context: "<file>: hp '200', cifar100 seed 777: <detail>" */

typedef struct {
    const char *file;
    const char *hp;
    const char *ds;
    long seed; /* -1: none */
} ctx;

__attribute__((format(printf, 2, 3)))
static nb_status bad(const ctx *c, const char *fmt, ...)
{
    char detail[600], where[200] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (c->hp && c->ds && c->seed >= 0)
        snprintf(where, sizeof where, " hp '%s', %s seed %ld:", c->hp, c->ds, c->seed);
    else if (c->hp)
        snprintf(where, sizeof where, " hp '%s':", c->hp);
    return nb_fail(NB_EFORMAT, "%s:%s %s (not a NATS-Bench record?)", c->file, where,
                   detail);
}

static const pk_value *need_key(const ctx *c, const pk_value *d, const char *key, pk_type t,
                                nb_status *st)
{
    const pk_value *v = pk_dict_get(d, key);
    if (!v) {
        *st = bad(c, "key '%s' is missing", key);
        return NULL;
    }
    if (v->type != t && !(t == PK_FLOAT && (v->type == PK_INT))) {
        *st = bad(c, "key '%s' is a %s, expected a %s", key, pk_type_name(v->type), pk_type_name(t));
        return NULL;
    }
    *st = NB_OK;
    return v;
}

/* ---- per-epoch dicts */

/* {epoch: float} into out[epochs]: each epoch at most once, NaN where the
 * record has none. A None value (hp '200' has no train top-5) with
 * `optional` leaves *outp NULL. */
static nb_status epoch_dict(const ctx *c, const pk_value *run, const char *key, int epochs,
                            int optional, double **outp)
{
    nb_status st;
    const pk_value *d = pk_dict_get(run, key);
    if (optional && d && d->type == PK_NONE) {
        *outp = NULL;
        return NB_OK;
    }
    if (!(d = need_key(c, run, key, PK_DICT, &st))) return st;
    double *out = *outp;
    if (d->u.dict.n > (size_t)epochs)
        return bad(c, "'%s' has %zu entries for %d epochs", key, d->u.dict.n, epochs);
    unsigned char seen[NATS_MAX_EPOCHS] = {0};
    for (size_t i = 0; i < d->u.dict.n; i++) {
        const pk_value *k = d->u.dict.keys[i];
        double x;
        if (k->type != PK_INT || k->u.i < 0 || k->u.i >= epochs)
            return bad(c, "'%s' has key #%zu that is not an epoch in 0..%d", key, i, epochs - 1);
        if (!pk_as_double(d->u.dict.vals[i], &x))
            return bad(c, "'%s'[%lld] is a %s, not a number", key, (long long)k->u.i,
                       pk_type_name(d->u.dict.vals[i]->type));
        if (seen[k->u.i]) return bad(c, "'%s' gives epoch %lld twice", key, (long long)k->u.i);
        seen[k->u.i] = 1;
        out[k->u.i] = x; /* the caller filled out[] with NaN */
    }
    return NB_OK;
}

/* {'split@epoch': float} for the splits in `present` (a bit per nats_eval),
 * into curves (NaN-filled by the caller); every key must name a listed split
 * and an epoch, at most once. */
static nb_status eval_dict(const ctx *c, const pk_value *run, const char *key, int epochs,
                           unsigned present, int which, nats_run *r)
{
    nb_status st;
    const pk_value *d = need_key(c, run, key, PK_DICT, &st);
    if (!d) return st;
    size_t nsplit = 0;
    for (int e = 0; e < NATS_EVAL_COUNT; e++) nsplit += (present >> e) & 1;
    if (d->u.dict.n > nsplit * (size_t)epochs)
        return bad(c, "'%s' has %zu entries for %zu splits x %d epochs", key, d->u.dict.n,
                   nsplit, epochs);
    size_t nseen = (size_t)NATS_EVAL_COUNT * (size_t)epochs;
    unsigned char *seen = calloc(nseen, 1);
    if (!seen) return nb_fail(NB_ENOMEM, "%s: out of memory", c->file);
    st = NB_OK;
    for (size_t i = 0; i < d->u.dict.n && st == NB_OK; i++) {
        const pk_value *k = d->u.dict.keys[i];
        if (k->type != PK_STR) {
            st = bad(c, "'%s' has a %s key, expected 'split@epoch'", key, pk_type_name(k->type));
            break;
        }
        const char *at = memchr(k->u.str.s, '@', k->u.str.n);
        int split = at ? find_name(eval_names, NATS_EVAL_COUNT, k->u.str.s,
                                   (size_t)(at - k->u.str.s))
                       : -1;
        long ep = -1;
        if (at) {
            const char *p = at + 1, *end = k->u.str.s + k->u.str.n;
            if (p < end && end - p <= 6) {
                ep = 0;
                for (; p < end; p++) {
                    if (*p < '0' || *p > '9') {
                        ep = -1;
                        break;
                    }
                    ep = ep * 10 + (*p - '0');
                }
            }
        }
        if (split < 0 || !((present >> split) & 1) || ep < 0 || ep >= epochs) {
            char shown[64];
            snprintf(shown, sizeof shown, "%.*s", (int)(k->u.str.n < 40 ? k->u.str.n : 40),
                     k->u.str.s);
            st = bad(c, "'%s' has key '%s', not a listed split @ an epoch in 0..%d", key, shown,
                     epochs - 1);
            break;
        }
        size_t slot = (size_t)split * (size_t)epochs + (size_t)ep;
        if (seen[slot]) {
            st = bad(c, "'%s' gives '%s@%ld' twice", key, eval_names[split], ep);
            break;
        }
        seen[slot] = 1;
        double x;
        if (!pk_as_double(d->u.dict.vals[i], &x)) {
            st = bad(c, "'%s'['%s@%ld'] is a %s, not a number", key, eval_names[split], ep,
                     pk_type_name(d->u.dict.vals[i]->type));
            break;
        }
        nats_curve *cv = &r->eval[split];
        double *dst = which == 0 ? cv->acc : which == 1 ? cv->loss : cv->time;
        dst[ep] = x;
    }
    free(seen);
    return st;
}

static void run_free(nats_run *r)
{
    if (r) free(r->block_);
}

/* One all_results entry into *r (r zeroed by the caller). */
static nb_status read_run(const ctx *c, const pk_value *v, nats_dataset ds, nats_run *r)
{
    nb_status st;
    const pk_value *x;
    if (v->type != PK_DICT) return bad(c, "result is a %s, not a dict", pk_type_name(v->type));
    if (!(x = need_key(c, v, "name", PK_STR, &st))) return st;
    if (strcmp(x->u.str.s, ds_names[ds]) != 0)
        return bad(c, "'name' is '%.40s', expected '%s'", x->u.str.s, ds_names[ds]);
    if (!(x = need_key(c, v, "seed", PK_STR, &st))) return st;
    {
        long s = 0;
        int ok = x->u.str.n > 0 && x->u.str.n <= 9;
        for (size_t i = 0; ok && i < x->u.str.n; i++) {
            if (x->u.str.s[i] < '0' || x->u.str.s[i] > '9') ok = 0;
            else s = s * 10 + (x->u.str.s[i] - '0');
        }
        if (!ok || s != r->seed)
            return bad(c, "'seed' is '%.20s', expected the seed %d of the results key",
                       x->u.str.s, r->seed);
    }
    if (!(x = need_key(c, v, "epochs", PK_INT, &st))) return st;
    if (x->u.i < 1 || x->u.i > NATS_MAX_EPOCHS)
        return bad(c, "'epochs' is %lld, not in 1..%d", (long long)x->u.i, NATS_MAX_EPOCHS);
    int epochs = (int)x->u.i;
    r->epochs = epochs;
    if (!(x = need_key(c, v, "params", PK_FLOAT, &st))) return st;
    pk_as_double(x, &r->params);
    if (!(x = need_key(c, v, "flop", PK_FLOAT, &st))) return st;
    pk_as_double(x, &r->flops);
    const pk_value *lat = need_key(c, v, "latency", PK_LIST, &st);
    if (!lat) return st;
    if (lat->u.seq.n > 1024) return bad(c, "'latency' has %zu values", lat->u.seq.n);
    const pk_value *cfg = need_key(c, v, "arch_config", PK_DICT, &st);
    if (!cfg) return st;
    if (!(x = need_key(c, cfg, "class_num", PK_INT, &st))) return st;
    if (x->u.i < 1 || x->u.i > 100000)
        return bad(c, "'arch_config' class_num is %lld", (long long)x->u.i);
    r->class_num = (int)x->u.i;

    const pk_value *names = need_key(c, v, "eval_names", PK_LIST, &st);
    if (!names) return st;
    unsigned present = 0;
    for (size_t i = 0; i < names->u.seq.n; i++) {
        const pk_value *nm = names->u.seq.items[i];
        int e = nm->type == PK_STR ? find_name(eval_names, NATS_EVAL_COUNT, nm->u.str.s, nm->u.str.n)
                                   : -1;
        if (e < 0)
            return bad(c, "'eval_names'[%zu] is %s%.40s%s, not one of x-valid, x-test, ori-test, "
                          "valid, test",
                       i, nm->type == PK_STR ? "'" : "a ",
                       nm->type == PK_STR ? nm->u.str.s : pk_type_name(nm->type),
                       nm->type == PK_STR ? "'" : "");
        if ((present >> e) & 1) return bad(c, "'eval_names' lists '%s' twice", eval_names[e]);
        present |= 1u << e;
    }

    /* One block: 4 train curves, 3 per split, then the latency list. */
    size_t nsplit = 0;
    for (int e = 0; e < NATS_EVAL_COUNT; e++) nsplit += (present >> e) & 1;
    size_t ncurves = 4 + 3 * nsplit, total = ncurves * (size_t)epochs + lat->u.seq.n;
    r->block_ = calloc(total ? total : 1, sizeof(double));
    if (!r->block_) return nb_fail(NB_ENOMEM, "%s: out of memory", c->file);
    double *p = r->block_;
    r->train_acc1 = p, p += epochs;
    r->train_acc5 = p, p += epochs;
    r->train_loss = p, p += epochs;
    r->train_time = p, p += epochs;
    for (size_t i = 0; i < ncurves * (size_t)epochs; i++) r->block_[i] = NAN;
    for (int e = 0; e < NATS_EVAL_COUNT; e++) {
        if (!((present >> e) & 1)) continue;
        r->eval[e].acc = p, p += epochs;
        r->eval[e].loss = p, p += epochs;
        r->eval[e].time = p, p += epochs;
    }
    r->latency = p;
    r->n_latency = lat->u.seq.n;
    for (size_t i = 0; i < lat->u.seq.n; i++)
        if (!pk_as_double(lat->u.seq.items[i], &r->latency[i]))
            return bad(c, "'latency'[%zu] is a %s, not a number", i,
                       pk_type_name(lat->u.seq.items[i]->type));

    if ((st = epoch_dict(c, v, "train_acc1es", epochs, 0, &r->train_acc1)) != NB_OK ||
        (st = epoch_dict(c, v, "train_acc5es", epochs, 1, &r->train_acc5)) != NB_OK ||
        (st = epoch_dict(c, v, "train_losses", epochs, 0, &r->train_loss)) != NB_OK ||
        (st = epoch_dict(c, v, "train_times", epochs, 0, &r->train_time)) != NB_OK ||
        (st = eval_dict(c, v, "eval_acc1es", epochs, present, 0, r)) != NB_OK ||
        (st = eval_dict(c, v, "eval_losses", epochs, present, 1, r)) != NB_OK ||
        (st = eval_dict(c, v, "eval_times", epochs, present, 2, r)) != NB_OK)
        return st;
    return NB_OK;
}

static int cmp_run(const void *a, const void *b)
{
    int x = ((const nats_run *)a)->seed, y = ((const nats_run *)b)->seed;
    return (x > y) - (x < y);
}

static nb_status read_hp(ctx *c, const pk_value *h, nats_hp hp, nats_record *rec)
{
    nb_status st;
    const pk_value *x;
    c->hp = hp_names[hp];
    if (h->type != PK_DICT) return bad(c, "value is a %s, not a dict", pk_type_name(h->type));
    if (!(x = need_key(c, h, "arch_index", PK_INT, &st))) return st;
    if (x->u.i < 0 || x->u.i >= 1000000000) return bad(c, "'arch_index' is %lld", (long long)x->u.i);
    if (rec->index >= 0 && rec->index != x->u.i)
        return bad(c, "'arch_index' %lld differs from %ld of another hp", (long long)x->u.i,
                   rec->index);
    rec->index = (long)x->u.i;
    if (!(x = need_key(c, h, "arch_str", PK_STR, &st))) return st;
    if (x->u.str.n == 0 || x->u.str.n > 1000 || strlen(x->u.str.s) != x->u.str.n)
        return bad(c, "'arch_str' is not a plain string of 1 to 1000 characters");
    if (rec->arch_str && strcmp(rec->arch_str, x->u.str.s) != 0)
        return bad(c, "'arch_str' differs between hps");
    if (!rec->arch_str) rec->arch_str = nb_xstrdup(x->u.str.s);
    const pk_value *all = need_key(c, h, "all_results", PK_DICT, &st);
    if (!all) return st;
    const pk_value *dseed = need_key(c, h, "dataset_seed", PK_DICT, &st);
    if (!dseed) return st;

    /* Count runs per dataset, then fill. */
    size_t count[NATS_DS_COUNT] = {0};
    for (size_t i = 0; i < all->u.dict.n; i++) {
        const pk_value *k = all->u.dict.keys[i];
        int ds = -1;
        if (k->type == PK_TUPLE && k->u.seq.n == 2 && k->u.seq.items[0]->type == PK_STR &&
            k->u.seq.items[1]->type == PK_INT && k->u.seq.items[1]->u.i >= 0 &&
            k->u.seq.items[1]->u.i <= 1000000000)
            ds = find_name(ds_names, NATS_DS_COUNT, k->u.seq.items[0]->u.str.s,
                           k->u.seq.items[0]->u.str.n);
        if (ds < 0)
            return bad(c, "'all_results' key #%zu is not (dataset, seed) with a known dataset", i);
        if (++count[ds] > NATS_MAX_SEEDS)
            return bad(c, "'all_results' holds more than %d %s runs", NATS_MAX_SEEDS, ds_names[ds]);
    }
    for (int ds = 0; ds < NATS_DS_COUNT; ds++) {
        if (!count[ds]) continue;
        rec->runs[hp][ds].runs = nb_xcalloc_array(count[ds], sizeof(nats_run));
    }
    for (size_t i = 0; i < all->u.dict.n; i++) {
        const pk_value *k = all->u.dict.keys[i];
        int ds = find_name(ds_names, NATS_DS_COUNT, k->u.seq.items[0]->u.str.s,
                           k->u.seq.items[0]->u.str.n);
        nats_runs *rs = &rec->runs[hp][ds];
        nats_run *r = &rs->runs[rs->n_runs++];
        r->seed = (int)k->u.seq.items[1]->u.i;
        c->ds = ds_names[ds];
        c->seed = r->seed;
        for (size_t j = 0; j + 1 < rs->n_runs; j++)
            if (rs->runs[j].seed == r->seed) return bad(c, "run given twice in 'all_results'");
        if ((st = read_run(c, all->u.dict.vals[i], (nats_dataset)ds, r)) != NB_OK) return st;
    }
    c->ds = NULL;
    c->seed = -1;

    /* dataset_seed must list exactly the runs found. */
    size_t listed = 0;
    for (size_t i = 0; i < dseed->u.dict.n; i++) {
        const pk_value *k = dseed->u.dict.keys[i], *l = dseed->u.dict.vals[i];
        int ds = k->type == PK_STR ? find_name(ds_names, NATS_DS_COUNT, k->u.str.s, k->u.str.n) : -1;
        if (ds < 0 || l->type != PK_LIST)
            return bad(c, "'dataset_seed' entry #%zu is not dataset: [seeds]", i);
        for (size_t j = 0; j < l->u.seq.n; j++) {
            const pk_value *s = l->u.seq.items[j];
            if (s->type != PK_INT || s->u.i < 0 || s->u.i > 1000000000 ||
                !nats_record_run(rec, hp, (nats_dataset)ds, (int)s->u.i))
                return bad(c, "'dataset_seed' lists a %s seed with no result", ds_names[ds]);
            listed++;
        }
    }
    if (listed != all->u.dict.n)
        return bad(c, "'dataset_seed' lists %zu runs, 'all_results' holds %zu", listed,
                   all->u.dict.n);
    for (int ds = 0; ds < NATS_DS_COUNT; ds++)
        if (rec->runs[hp][ds].n_runs > 1)
            qsort(rec->runs[hp][ds].runs, rec->runs[hp][ds].n_runs, sizeof(nats_run), cmp_run);
    rec->has_hp[hp] = 1;
    return NB_OK;
}

static nb_status record_from_doc(const char *name, const pk_doc *doc, nats_record **out)
{
    ctx c = {name, NULL, NULL, -1};
    const pk_value *root = pk_root(doc);
    if (root->type != PK_DICT)
        return bad(&c, "top level is a %s, expected a dict of hps", pk_type_name(root->type));
    nats_record *rec = nb_xcalloc_array(1, sizeof *rec);
    rec->index = -1;
    nb_status st = NB_OK;
    for (size_t i = 0; i < root->u.dict.n; i++) {
        const pk_value *k = root->u.dict.keys[i];
        if (k->type != PK_STR) {
            st = bad(&c, "top-level key #%zu is a %s, expected an hp string", i,
                     pk_type_name(k->type));
            goto fail;
        }
        int hp = find_name(hp_names, NATS_HP_COUNT, k->u.str.s, k->u.str.n);
        if (hp < 0) { /* other schedules are not read; importers check what they need */
            rec->n_other_hps++;
            continue;
        }
        if (rec->has_hp[hp]) {
            st = bad(&c, "hp '%s' given twice", hp_names[hp]);
            goto fail;
        }
        if ((st = read_hp(&c, root->u.dict.vals[i], (nats_hp)hp, rec)) != NB_OK) goto fail;
        c.hp = NULL;
    }
    int any = 0;
    for (int hp = 0; hp < NATS_HP_COUNT; hp++) any |= rec->has_hp[hp];
    if (!any) {
        st = bad(&c, "neither hp '12' nor hp '200' (topology space) nor '01'/'90' (size space) is present");
        goto fail;
    }
    *out = rec;
    return NB_OK;
fail:
    nats_record_free(rec);
    return st;
}

nb_status nats_parse_record(const void *data, size_t n, const char *name, nats_record **out)
{
    NB_ASSERT(out);
    *out = NULL;
    pk_doc *doc;
    const unsigned char *b = data;
    nb_status st = n >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h'
                       ? pk_parse_bz2(data, n, name ? name : "<record>", NULL, &doc)
                       : pk_parse(data, n, name ? name : "<record>", NULL, &doc);
    if (st != NB_OK) return st;
    st = record_from_doc(name ? name : "<record>", doc, out);
    pk_free(doc);
    return st;
}

nb_status nats_read_record(const char *path, nats_record **out)
{
    NB_ASSERT(path && out);
    *out = NULL;
    pk_doc *doc;
    nb_status st = pk_read_bz2_file(path, NULL, &doc);
    if (st != NB_OK) return st;
    st = record_from_doc(path, doc, out);
    pk_free(doc);
    return st;
}

void nats_record_free(nats_record *r)
{
    if (!r) return;
    for (int hp = 0; hp < NATS_HP_COUNT; hp++)
        for (int ds = 0; ds < NATS_DS_COUNT; ds++) {
            nats_runs *rs = &r->runs[hp][ds];
            for (size_t i = 0; i < rs->n_runs; i++) run_free(&rs->runs[i]);
            free(rs->runs);
        }
    free(r->arch_str);
    free(r);
}

const nats_run *nats_record_run(const nats_record *r, nats_hp hp, nats_dataset ds, int seed)
{
    if (!r || (unsigned)hp >= NATS_HP_COUNT || (unsigned)ds >= NATS_DS_COUNT) return NULL;
    const nats_runs *rs = &r->runs[hp][ds];
    for (size_t i = 0; i < rs->n_runs; i++)
        if (rs->runs[i].seed == seed) return &rs->runs[i];
    return NULL;
}

/* ---- meta */

nb_status nats_read_meta(const char *path, nats_meta **out)
{
    NB_ASSERT(path && out);
    *out = NULL;
    pk_doc *doc;
    nb_status st = pk_read_bz2_file(path, NULL, &doc);
    if (st != NB_OK) return st;
    ctx c = {path, NULL, NULL, -1};
    const pk_value *archs = need_key(&c, pk_root(doc), "meta_archs", PK_LIST, &st);
    if (!archs) {
        if (pk_root(doc)->type != PK_DICT)
            st = bad(&c, "top level is a %s, expected the meta dict",
                     pk_type_name(pk_root(doc)->type));
        pk_free(doc);
        return st;
    }
    size_t n = archs->u.seq.n, bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const pk_value *s = archs->u.seq.items[i];
        if (s->type != PK_STR || strlen(s->u.str.s) != s->u.str.n) {
            st = bad(&c, "'meta_archs'[%zu] is a %s, not a plain str", i, pk_type_name(s->type));
            pk_free(doc);
            return st;
        }
        bytes += s->u.str.n + 1;
    }
    const pk_value *total = pk_dict_get(pk_root(doc), "total_archs");
    if (total && (total->type != PK_INT || total->u.i != (int64_t)n)) {
        st = bad(&c, "'total_archs' does not equal the %zu entries of 'meta_archs'", n);
        pk_free(doc);
        return st;
    }
    /* One block: the pointer array, then the strings. */
    size_t ptrs;
    if (!nb_mul_ok(n, sizeof(char *), &ptrs)) NB_ASSERT(!"meta size overflow");
    nats_meta *m = nb_xcalloc_array(1, sizeof *m);
    m->arch = nb_xmalloc(ptrs + bytes);
    char *p = (char *)(m->arch + n);
    for (size_t i = 0; i < n; i++) {
        const pk_value *s = archs->u.seq.items[i];
        memcpy(p, s->u.str.s, s->u.str.n + 1);
        m->arch[i] = p;
        p += s->u.str.n + 1;
    }
    m->n = n;
    pk_free(doc);
    *out = m;
    return NB_OK;
}

void nats_meta_free(nats_meta *m)
{
    if (!m) return;
    free(m->arch);
    free(m);
}
