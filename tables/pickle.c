/* tables/pickle.c - safe pickle (protocols 2-5) and bz2 reader; see pickle.h.
 *
 * The pickle virtual machine (Python's Lib/pickle.py, opcode reference in
 * Lib/pickletools.py) is a stack machine: opcodes push values, MARK records
 * a stack position, container opcodes pop what lies above the last mark, and
 * a memo array lets later opcodes fetch values again. We run that machine on
 * plain data only. (About 1250 lines: the machine, its safety rules and the
 * bz2 framing are one state machine that is fuzzed as a unit, see
 * tests/fuzz; splitting it would spread the rules below across files.)
 * Safety rests on four rules:
 *   1. No code: GLOBAL/STACK_GLOBAL resolve only three names to an enum;
 *      REDUCE and BUILD are interpreted for those three alone.
 *   2. No shared mutable containers: a memo get (or DUP) of a list, dict or
 *      set is rejected. A container on the stack is then never inside another
 *      one, so the result is a tree (no cycles) and a container's depth is
 *      final once it is inserted somewhere.
 *   3. Every length is checked against the bytes that remain before anything
 *      is allocated, and every allocation counts against pk_limits.max_alloc.
 *   4. Every value lives in the document's arena, freed in one pass, so an
 *      error anywhere leaks nothing.
 */
#include "tables/pickle.h"

#include <bzlib.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- limits */

void pk_limits_default(pk_limits *lim)
{
    lim->max_input = (size_t)64 << 20;
    lim->max_alloc = (size_t)256 << 20;
    lim->max_depth = 64;
    lim->max_items = (size_t)4 << 20;
    lim->max_memo = (size_t)1 << 20;
}

/* ---- arena: chunks of at least 64 KiB, bump allocation, 16-byte aligned */

typedef struct pk_chunk {
    struct pk_chunk *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
} pk_chunk;

struct pk_doc {
    pk_chunk *chunks;
    size_t bytes; /* arena bytes obtained from malloc (chunk headers included) */
    pk_value *root;
};

const pk_value *pk_root(const pk_doc *doc) { return doc ? doc->root : NULL; }
size_t pk_doc_bytes(const pk_doc *doc) { return doc ? doc->bytes : 0; }

void pk_free(pk_doc *doc)
{
    if (!doc) return;
    pk_chunk *c = doc->chunks;
    while (c) {
        pk_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(doc);
}

/* ---- the machine */

typedef struct {
    const unsigned char *buf;
    size_t n, pos;   /* input and read position */
    size_t op_off;   /* offset of the opcode being executed */
    unsigned char op;
    const char *name;
    pk_limits lim;
    pk_doc *doc;
    size_t aux_bytes; /* stack + marks + memo arrays */
    pk_value **stack;
    size_t nstack, capstack;
    size_t *marks;
    size_t nmarks, capmarks;
    pk_value **memo;
    size_t nmemo;      /* allocated memo slots (all NULL-initialised) */
    size_t memo_count; /* slots in use: MEMOIZE stores at this index (= len(memo)) */
} pk_vm;

static const char *op_name(unsigned char op)
{
    switch (op) {
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'L': return "LONG";
    case 'M': return "BININT2";
    case 'N': return "NONE";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'X': return "BINUNICODE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'c': return "GLOBAL";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'g': return "GET";
    case 'h': return "BINGET";
    case 'i': return "INST";
    case 'j': return "LONG_BINGET";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 'G': return "BINFLOAT";
    case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return NULL;
    }
}

/* Fail with "<file>: pickle opcode NAME (0xNN) at offset N: <detail>". */
__attribute__((format(printf, 3, 4)))
static nb_status vm_fail(pk_vm *vm, nb_status st, const char *fmt, ...)
{
    char detail[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    const char *nm = op_name(vm->op);
    return nb_fail(st, "%s: pickle opcode %s (0x%02x) at offset %zu: %s",
                   vm->name ? vm->name : "<pickle>", nm ? nm : "unknown", vm->op,
                   vm->op_off, detail);
}

const char *pk_type_name(pk_type t)
{
    switch (t) {
    case PK_NONE: return "None";
    case PK_BOOL: return "bool";
    case PK_INT: return "int";
    case PK_FLOAT: return "float";
    case PK_STR: return "str";
    case PK_BYTES: return "bytes";
    case PK_LIST: return "list";
    case PK_TUPLE: return "tuple";
    case PK_DICT: return "dict";
    case PK_SET: return "set";
    case PK_DTYPE: return "numpy.dtype";
    case PK_GLOBAL: return "global";
    }
    return "?";
}

/* ---- allocation under the budget */

static int budget_ok(const pk_vm *vm, size_t more)
{
    size_t total = vm->doc->bytes + vm->aux_bytes;
    return more <= vm->lim.max_alloc && total <= vm->lim.max_alloc - more;
}

static nb_status arena_alloc(pk_vm *vm, size_t size, void **out)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    pk_chunk *c = vm->doc->chunks;
    if (!c || c->size - c->used < size) {
        size_t csize = size > ((size_t)64 << 10) ? size : ((size_t)64 << 10);
        if (csize > SIZE_MAX - sizeof(pk_chunk) || !budget_ok(vm, csize + sizeof(pk_chunk)))
            return vm_fail(vm, NB_ERANGE,
                           "allocation limit of %zu bytes exceeded (hint: pk_limits.max_alloc)",
                           vm->lim.max_alloc);
        pk_chunk *nc = malloc(sizeof(pk_chunk) + csize);
        if (!nc) return vm_fail(vm, NB_ENOMEM, "out of memory allocating %zu bytes", csize);
        nc->size = csize;
        nc->used = 0;
        nc->next = vm->doc->chunks;
        vm->doc->chunks = nc;
        vm->doc->bytes += sizeof(pk_chunk) + csize;
        c = nc;
    }
    *out = c->data + c->used;
    c->used += size;
    return NB_OK;
}

/* Grow a malloc'd array of `elem`-sized items to hold at least `need`. */
static nb_status aux_grow(pk_vm *vm, void **arr, size_t *cap, size_t need, size_t elem,
                          const char *what)
{
    if (need <= *cap) return NB_OK;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) break;
        ncap *= 2;
    }
    if (ncap < need) ncap = need;
    size_t oldb = *cap * elem, newb;
    if (!nb_mul_ok(ncap, elem, &newb) || !budget_ok(vm, newb - oldb))
        return vm_fail(vm, NB_ERANGE,
                       "allocation limit of %zu bytes exceeded growing the %s to %zu entries",
                       vm->lim.max_alloc, what, ncap);
    void *p = realloc(*arr, newb);
    if (!p) return vm_fail(vm, NB_ENOMEM, "out of memory growing the %s", what);
    vm->aux_bytes += newb - oldb;
    *arr = p;
    *cap = ncap;
    return NB_OK;
}

static nb_status new_value(pk_vm *vm, pk_type t, pk_value **out)
{
    void *p;
    nb_status st = arena_alloc(vm, sizeof(pk_value), &p);
    if (st != NB_OK) return st;
    pk_value *v = p;
    memset(v, 0, sizeof *v);
    v->type = t;
    v->shareable_ = (t != PK_LIST && t != PK_DICT && t != PK_SET);
    *out = v;
    return NB_OK;
}

/* ---- stack and marks */

static nb_status push(pk_vm *vm, pk_value *v)
{
    if (vm->nstack >= vm->lim.max_items)
        return vm_fail(vm, NB_ERANGE, "stack holds more than %zu values (pk_limits.max_items)",
                       vm->lim.max_items);
    nb_status st = aux_grow(vm, (void **)&vm->stack, &vm->capstack, vm->nstack + 1,
                            sizeof *vm->stack, "stack");
    if (st != NB_OK) return st;
    vm->stack[vm->nstack++] = v;
    return NB_OK;
}

static nb_status pop(pk_vm *vm, pk_value **out)
{
    size_t floor = vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
    if (vm->nstack <= floor)
        return vm_fail(vm, NB_EFORMAT, "%s", vm->nstack ? "pops across a MARK" : "stack is empty");
    *out = vm->stack[--vm->nstack];
    return NB_OK;
}

static nb_status top(pk_vm *vm, pk_value **out)
{
    size_t floor = vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
    if (vm->nstack <= floor)
        return vm_fail(vm, NB_EFORMAT, "%s", vm->nstack ? "reads across a MARK" : "stack is empty");
    *out = vm->stack[vm->nstack - 1];
    return NB_OK;
}

/* Pop the topmost mark; *first = index of the first value above it. */
static nb_status pop_mark(pk_vm *vm, size_t *first)
{
    if (vm->nmarks == 0) return vm_fail(vm, NB_EFORMAT, "no MARK on the stack");
    *first = vm->marks[--vm->nmarks];
    return NB_OK;
}

/* ---- reading operands */

static nb_status need(pk_vm *vm, size_t k)
{
    if (vm->n - vm->pos < k)
        return vm_fail(vm, NB_EFORMAT, "truncated: needs %zu bytes, only %zu remain", k,
                       vm->n - vm->pos);
    return NB_OK;
}

static uint64_t rd_le(const unsigned char *p, int k)
{
    uint64_t v = 0;
    for (int i = k - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* ---- containers */

static nb_status check_depth(pk_vm *vm, pk_value *parent, const pk_value *child)
{
    uint32_t d = child->depth_ + 1;
    if (d > parent->depth_) {
        if (d > vm->lim.max_depth)
            return vm_fail(vm, NB_ERANGE, "containers nested deeper than %zu (pk_limits.max_depth)",
                           vm->lim.max_depth);
        parent->depth_ = d;
    }
    return NB_OK;
}

/* Append `k` values to a list/tuple/set (seq) or `k` key/value pairs (dict),
 * taking them from `src`. Grows through the arena with doubling. */
static nb_status seq_append(pk_vm *vm, pk_value *c, pk_value *const *src, size_t k)
{
    if (k == 0) return NB_OK;
    size_t n = c->u.seq.n;
    if (k > vm->lim.max_items || n > vm->lim.max_items - k)
        return vm_fail(vm, NB_ERANGE, "a %s would hold more than %zu items (pk_limits.max_items)",
                       pk_type_name(c->type), vm->lim.max_items);
    for (size_t i = 0; i < k; i++) {
        nb_status st = check_depth(vm, c, src[i]);
        if (st != NB_OK) return st;
        if (c->type == PK_SET && !src[i]->shareable_)
            return vm_fail(vm, NB_EFORMAT, "unhashable %s added to a set",
                           pk_type_name(src[i]->type));
        if (c->type == PK_TUPLE && !src[i]->shareable_) c->shareable_ = 0;
    }
    if (n + k > c->cap_) {
        size_t ncap = c->cap_ ? c->cap_ * 2 : 8;
        if (ncap < n + k) ncap = n + k;
        size_t bytes;
        if (!nb_mul_ok(ncap, sizeof(pk_value *), &bytes))
            return vm_fail(vm, NB_ERANGE, "container size overflow");
        void *p;
        nb_status st = arena_alloc(vm, bytes, &p);
        if (st != NB_OK) return st;
        if (n) memcpy(p, c->u.seq.items, n * sizeof(pk_value *));
        c->u.seq.items = p;
        c->cap_ = ncap;
    }
    memcpy(c->u.seq.items + n, src, k * sizeof(pk_value *));
    c->u.seq.n = n + k;
    return NB_OK;
}

static nb_status dict_set(pk_vm *vm, pk_value *d, pk_value *const *kv, size_t npairs)
{
    if (npairs == 0) return NB_OK;
    size_t n = d->u.dict.n;
    if (npairs > vm->lim.max_items || n > vm->lim.max_items - npairs)
        return vm_fail(vm, NB_ERANGE, "a dict would hold more than %zu items (pk_limits.max_items)",
                       vm->lim.max_items);
    for (size_t i = 0; i < 2 * npairs; i++) {
        if (i % 2 == 0 && !kv[i]->shareable_)
            return vm_fail(vm, NB_EFORMAT, "unhashable dict key of type %s",
                           pk_type_name(kv[i]->type));
        nb_status st = check_depth(vm, d, kv[i]);
        if (st != NB_OK) return st;
    }
    if (n + npairs > d->cap_) {
        size_t ncap = d->cap_ ? d->cap_ * 2 : 8;
        if (ncap < n + npairs) ncap = n + npairs;
        size_t bytes;
        if (!nb_mul_ok(ncap, 2 * sizeof(pk_value *), &bytes))
            return vm_fail(vm, NB_ERANGE, "container size overflow");
        void *p;
        nb_status st = arena_alloc(vm, bytes, &p);
        if (st != NB_OK) return st;
        pk_value **keys = p, **vals = keys + ncap;
        if (n) {
            memcpy(keys, d->u.dict.keys, n * sizeof(pk_value *));
            memcpy(vals, d->u.dict.vals, n * sizeof(pk_value *));
        }
        d->u.dict.keys = keys;
        d->u.dict.vals = vals;
        d->cap_ = ncap;
    }
    for (size_t i = 0; i < npairs; i++) {
        d->u.dict.keys[n + i] = kv[2 * i];
        d->u.dict.vals[n + i] = kv[2 * i + 1];
    }
    d->u.dict.n = n + npairs;
    return NB_OK;
}

/* Build a tuple from the top `k` stack values (above `first`). */
static nb_status make_tuple(pk_vm *vm, size_t first)
{
    pk_value *t;
    nb_status st = new_value(vm, PK_TUPLE, &t);
    if (st != NB_OK) return st;
    st = seq_append(vm, t, vm->stack + first, vm->nstack - first);
    if (st != NB_OK) return st;
    vm->nstack = first;
    return push(vm, t);
}

static nb_status tuple_n(pk_vm *vm, size_t k)
{
    size_t floor = vm->nmarks ? vm->marks[vm->nmarks - 1] : 0;
    if (vm->nstack < floor + k)
        return vm_fail(vm, NB_EFORMAT, "needs %zu values on the stack, finds %zu", k,
                       vm->nstack - floor);
    return make_tuple(vm, vm->nstack - k);
}

/* ---- strings */

static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
        else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
        else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
        else return 0;
        if (n - i < len) return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

/* Push a str (utf8 != 0: validated; ascii_only: Python 2 str) or bytes of
 * `len` bytes read from the input. */
static nb_status push_string(pk_vm *vm, uint64_t len, pk_type t, int ascii_only)
{
    if (len > vm->n - vm->pos)
        return vm_fail(vm, NB_EFORMAT, "truncated: a %s of %llu bytes, only %zu remain",
                       pk_type_name(t), (unsigned long long)len, vm->n - vm->pos);
    const unsigned char *s = vm->buf + vm->pos;
    size_t n = (size_t)len;
    if (t == PK_STR) {
        if (ascii_only) {
            for (size_t i = 0; i < n; i++)
                if (s[i] >= 0x80)
                    return vm_fail(vm, NB_EFORMAT, "non-ASCII byte 0x%02x in a Python 2 string",
                                   s[i]);
        } else if (!utf8_valid(s, n)) {
            return vm_fail(vm, NB_EFORMAT, "invalid UTF-8 in a str of %zu bytes", n);
        }
    }
    pk_value *v;
    nb_status st = new_value(vm, t, &v);
    if (st != NB_OK) return st;
    void *p;
    st = arena_alloc(vm, n + 1, &p);
    if (st != NB_OK) return st;
    memcpy(p, s, n);
    ((char *)p)[n] = '\0';
    v->u.str.s = p;
    v->u.str.n = n;
    vm->pos += n;
    return push(vm, v);
}

static nb_status push_int(pk_vm *vm, int64_t i)
{
    pk_value *v;
    nb_status st = new_value(vm, PK_INT, &v);
    if (st != NB_OK) return st;
    v->u.i = i;
    return push(vm, v);
}

/* ---- globals */

static int str_is(const pk_value *v, const char *s)
{
    size_t n = strlen(s);
    return v->type == PK_STR && v->u.str.n == n && memcmp(v->u.str.s, s, n) == 0;
}

/* Copy the first 80 bytes of s for a message, non-printable ones as \xNN,
 * "..." when cut. cap >= 8. */
static void printable(char *dst, size_t cap, const char *s, size_t n)
{
    size_t j = 0, i = 0;
    for (; i < n && i < 80 && j + 8 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f) {
            dst[j++] = (char)c;
        } else {
            snprintf(dst + j, cap - j, "\\x%02x", c);
            j += 4;
        }
    }
    if (i < n) memcpy(dst + j, "...", 3), j += 3;
    dst[j] = '\0';
}

static nb_status push_global(pk_vm *vm, const pk_value *mod, const pk_value *name)
{
    pk_global_id g = 0;
    if (str_is(mod, "collections") && str_is(name, "OrderedDict")) g = PK_G_ORDEREDDICT;
    else if (str_is(mod, "numpy") && str_is(name, "dtype")) g = PK_G_DTYPE;
    else if ((str_is(mod, "numpy.core.multiarray") || str_is(mod, "numpy._core.multiarray")) &&
             str_is(name, "scalar"))
        g = PK_G_SCALAR;
    if (!g) {
        char m[340], nm[340];
        printable(m, sizeof m, mod->u.str.s, mod->u.str.n);
        printable(nm, sizeof nm, name->u.str.s, name->u.str.n);
        return vm_fail(vm, NB_EFORMAT,
                       "global %s.%s is not allowed (only collections.OrderedDict, numpy.dtype "
                       "and numpy.core.multiarray.scalar are read, and nothing is executed)",
                       m, nm);
    }
    pk_value *v;
    nb_status st = new_value(vm, PK_GLOBAL, &v);
    if (st != NB_OK) return st;
    v->u.global = g;
    return push(vm, v);
}

/* GLOBAL: "module\nname\n" as text lines (protocols 0-3 write it). */
static nb_status op_global_text(pk_vm *vm)
{
    pk_value parts[2];
    for (int k = 0; k < 2; k++) {
        const unsigned char *s = vm->buf + vm->pos;
        size_t rem = vm->n - vm->pos, len = 0;
        while (len < rem && len < 256 && s[len] != '\n') len++;
        if (len >= rem) return vm_fail(vm, NB_EFORMAT, "truncated: no newline ends the %s",
                                       k ? "name" : "module");
        if (s[len] != '\n')
            return vm_fail(vm, NB_EFORMAT, "%s longer than 256 bytes", k ? "name" : "module");
        memset(&parts[k], 0, sizeof parts[k]);
        parts[k].type = PK_STR;
        parts[k].u.str.s = (const char *)s;
        parts[k].u.str.n = len;
        vm->pos += len + 1;
    }
    return push_global(vm, &parts[0], &parts[1]);
}

/* ---- numpy dtype and scalar */

static int parse_dtype_str(const pk_value *s, char *kind, char *order, int *size)
{
    if (s->type != PK_STR || s->u.str.n < 2 || s->u.str.n > 4) return 0;
    const char *p = s->u.str.s;
    *order = '=';
    if (*p == '<' || *p == '>' || *p == '|' || *p == '=') *order = *p++;
    char k = *p++;
    if (k != 'f' && k != 'i' && k != 'u' && k != 'b') return 0;
    if (p[0] < '1' || p[0] > '8' || (size_t)(p + 1 - s->u.str.s) != s->u.str.n) return 0;
    int sz = p[0] - '0';
    if (k == 'f' && sz != 4 && sz != 8) return 0;
    if ((k == 'i' || k == 'u') && sz != 1 && sz != 2 && sz != 4 && sz != 8) return 0;
    if (k == 'b' && sz != 1) return 0;
    *kind = k;
    *size = sz;
    if (sz == 1) *order = '|';
    return 1;
}

static int host_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static nb_status reduce_global(pk_vm *vm, pk_global_id g, const pk_value *args)
{
    pk_value *v;
    nb_status st;
    size_t na = args->u.seq.n;
    pk_value *const *a = args->u.seq.items;
    switch (g) {
    case PK_G_ORDEREDDICT:
        if (na != 0)
            return vm_fail(vm, NB_EFORMAT,
                           "collections.OrderedDict called with %zu arguments (only () is read)", na);
        st = new_value(vm, PK_DICT, &v);
        if (st != NB_OK) return st;
        return push(vm, v);
    case PK_G_DTYPE: {
        char kind, order;
        int size;
        if (na < 1 || na > 3 || !parse_dtype_str(a[0], &kind, &order, &size)) {
            char s[100] = "?";
            if (na >= 1 && a[0]->type == PK_STR) printable(s, sizeof s, a[0]->u.str.s, a[0]->u.str.n);
            return vm_fail(vm, NB_EFORMAT,
                           "numpy.dtype('%s') with %zu arguments is not supported (only "
                           "f4 f8 i1-i8 u1-u8 b1)",
                           s, na);
        }
        st = new_value(vm, PK_DTYPE, &v);
        if (st != NB_OK) return st;
        v->u.dtype.kind = kind;
        v->u.dtype.order = order;
        v->u.dtype.size = size;
        return push(vm, v);
    }
    case PK_G_SCALAR: {
        if (na != 2 || a[0]->type != PK_DTYPE || a[1]->type != PK_BYTES)
            return vm_fail(vm, NB_EFORMAT,
                           "numpy scalar needs (dtype, bytes), got %zu arguments%s%s", na,
                           na ? " starting with " : "", na ? pk_type_name(a[0]->type) : "");
        const pk_value *dt = a[0];
        size_t sz = (size_t)dt->u.dtype.size;
        if (a[1]->u.str.n != sz)
            return vm_fail(vm, NB_EFORMAT, "numpy scalar of dtype %c%d has %zu bytes, not %zu",
                           dt->u.dtype.kind, dt->u.dtype.size, a[1]->u.str.n, sz);
        unsigned char raw[8];
        memcpy(raw, a[1]->u.str.s, sz);
        int little = dt->u.dtype.order == '<' || (dt->u.dtype.order != '>' && host_little());
        if (!little)
            for (size_t i = 0; i < sz / 2; i++) {
                unsigned char t = raw[i];
                raw[i] = raw[sz - 1 - i];
                raw[sz - 1 - i] = t;
            }
        uint64_t u = rd_le(raw, (int)sz);
        if (dt->u.dtype.kind == 'f') {
            st = new_value(vm, PK_FLOAT, &v);
            if (st != NB_OK) return st;
            if (sz == 8) {
                memcpy(&v->u.f, &u, 8);
            } else {
                uint32_t u32 = (uint32_t)u;
                float f;
                memcpy(&f, &u32, 4);
                v->u.f = f;
            }
        } else if (dt->u.dtype.kind == 'b') {
            st = new_value(vm, PK_BOOL, &v);
            if (st != NB_OK) return st;
            v->u.b = u != 0;
        } else {
            int64_t i;
            if (dt->u.dtype.kind == 'i') {
                int shift = 64 - 8 * (int)sz;
                i = shift ? (int64_t)(u << shift) >> shift : (int64_t)u;
            } else {
                if (u > (uint64_t)INT64_MAX)
                    return vm_fail(vm, NB_EFORMAT, "numpy uint64 %llu does not fit in int64",
                                   (unsigned long long)u);
                i = (int64_t)u;
            }
            st = new_value(vm, PK_INT, &v);
            if (st != NB_OK) return st;
            v->u.i = i;
        }
        return push(vm, v);
    }
    }
    return vm_fail(vm, NB_EINTERNAL, "unknown global id %d", (int)g);
}

static nb_status op_reduce(pk_vm *vm)
{
    pk_value *args, *fn;
    nb_status st = pop(vm, &args);
    if (st == NB_OK) st = pop(vm, &fn);
    if (st != NB_OK) return st;
    if (fn->type != PK_GLOBAL)
        return vm_fail(vm, NB_EFORMAT,
                       "REDUCE calls a %s; only collections.OrderedDict, numpy.dtype and "
                       "numpy.core.multiarray.scalar may be applied",
                       pk_type_name(fn->type));
    if (args->type != PK_TUPLE)
        return vm_fail(vm, NB_EFORMAT, "REDUCE arguments are a %s, not a tuple",
                       pk_type_name(args->type));
    return reduce_global(vm, fn->u.global, args);
}

/* BUILD: only numpy.dtype's __setstate__ state (version, byteorder,
 * subarray, names, fields, elsize, alignment, flags[, metadata]) for a plain
 * (non-structured) dtype; it sets the byte order. */
static nb_status op_build(pk_vm *vm)
{
    pk_value *state, *obj;
    nb_status st = pop(vm, &state);
    if (st == NB_OK) st = top(vm, &obj);
    if (st != NB_OK) return st;
    if (obj->type != PK_DTYPE)
        return vm_fail(vm, NB_EFORMAT, "BUILD on a %s is not supported (only numpy.dtype state)",
                       pk_type_name(obj->type));
    pk_value *const *s = state->u.seq.items;
    size_t n = state->type == PK_TUPLE ? state->u.seq.n : 0;
    if (n < 8 || n > 9 || s[0]->type != PK_INT || s[1]->type != PK_STR || s[1]->u.str.n != 1 ||
        !strchr("<>|=", s[1]->u.str.s[0]) || s[2]->type != PK_NONE || s[3]->type != PK_NONE ||
        s[4]->type != PK_NONE)
        return vm_fail(vm, NB_EFORMAT,
                       "numpy.dtype state is not (version, byteorder, None, None, None, ...) "
                       "for a plain dtype (got a %s of %zu items)",
                       pk_type_name(state->type), n);
    char order = s[1]->u.str.s[0];
    if (obj->u.dtype.size == 1 && order != '|' && order != '=')
        return vm_fail(vm, NB_EFORMAT, "byte order '%c' for a one-byte dtype", order);
    obj->u.dtype.order = order;
    return NB_OK;
}

/* ---- memo */

static nb_status memo_put(pk_vm *vm, uint64_t idx)
{
    pk_value *v;
    nb_status st = top(vm, &v);
    if (st != NB_OK) return st;
    if (idx >= vm->lim.max_memo)
        return vm_fail(vm, NB_ERANGE, "memo index %llu exceeds the limit %zu (pk_limits.max_memo)",
                       (unsigned long long)idx, vm->lim.max_memo);
    size_t old = vm->nmemo;
    st = aux_grow(vm, (void **)&vm->memo, &vm->nmemo, (size_t)idx + 1, sizeof *vm->memo, "memo");
    if (st != NB_OK) return st;
    for (size_t i = old; i < vm->nmemo; i++) vm->memo[i] = NULL;
    if (!vm->memo[idx]) vm->memo_count++;
    vm->memo[idx] = v;
    return NB_OK;
}

/* Push a memoised or duplicated value; only values without a list, dict or
 * set inside may be shared (rule 2 of the header comment). */
static nb_status push_shared(pk_vm *vm, pk_value *v, const char *from)
{
    if (!v->shareable_)
        return vm_fail(vm, NB_EFORMAT,
                       "%s is a %s: shared or recursive references to mutable containers are "
                       "not supported (memo abuse)",
                       from, pk_type_name(v->type));
    return push(vm, v);
}

static nb_status memo_get(pk_vm *vm, uint64_t idx)
{
    if (idx >= vm->nmemo || !vm->memo[idx])
        return vm_fail(vm, NB_EFORMAT, "memo entry %llu was never stored", (unsigned long long)idx);
    char from[64];
    snprintf(from, sizeof from, "memo entry %llu", (unsigned long long)idx);
    return push_shared(vm, vm->memo[idx], from);
}

/* ---- the loop */

static nb_status step(pk_vm *vm, int *stop)
{
    nb_status st = NB_OK;
    pk_value *v, *a, *b;
    size_t first = 0;
    const unsigned char *p;
    vm->op_off = vm->pos;
    vm->op = vm->buf[vm->pos++];
    switch (vm->op) {
    case 0x80: /* PROTO */
        if ((st = need(vm, 1)) != NB_OK) return st;
        if (vm->buf[vm->pos] < 2 || vm->buf[vm->pos] > 5)
            return vm_fail(vm, NB_EVERSION, "pickle protocol %d is not supported (only 2 to 5)",
                           vm->buf[vm->pos]);
        vm->pos++;
        return NB_OK;
    case 0x95: { /* FRAME: a length hint; the opcodes inside are read as usual */
        if ((st = need(vm, 8)) != NB_OK) return st;
        uint64_t len = rd_le(vm->buf + vm->pos, 8);
        vm->pos += 8;
        if (len > vm->n - vm->pos)
            return vm_fail(vm, NB_EFORMAT, "truncated: frame of %llu bytes, only %zu remain",
                           (unsigned long long)len, vm->n - vm->pos);
        return NB_OK;
    }
    case '.': /* STOP */
        if (vm->nmarks)
            return vm_fail(vm, NB_EFORMAT, "%zu MARKs left open", vm->nmarks);
        if (vm->nstack != 1)
            return vm_fail(vm, NB_EFORMAT, "stack holds %zu values, not 1", vm->nstack);
        *stop = 1;
        return NB_OK;
    case '(': /* MARK */
        if (vm->nmarks >= vm->lim.max_items)
            return vm_fail(vm, NB_ERANGE, "more than %zu open MARKs", vm->lim.max_items);
        if ((st = aux_grow(vm, (void **)&vm->marks, &vm->capmarks, vm->nmarks + 1,
                           sizeof *vm->marks, "mark stack")) != NB_OK)
            return st;
        vm->marks[vm->nmarks++] = vm->nstack;
        return NB_OK;
    case '0': /* POP */
        return pop(vm, &v);
    case '1': /* POP_MARK */
        if ((st = pop_mark(vm, &first)) != NB_OK) return st;
        vm->nstack = first;
        return NB_OK;
    case '2': /* DUP */
        if ((st = top(vm, &v)) != NB_OK) return st;
        return push_shared(vm, v, "the duplicated value");
    case 'N':
        if ((st = new_value(vm, PK_NONE, &v)) != NB_OK) return st;
        return push(vm, v);
    case 0x88: /* NEWTRUE */
    case 0x89: /* NEWFALSE */
        if ((st = new_value(vm, PK_BOOL, &v)) != NB_OK) return st;
        v->u.b = vm->op == 0x88;
        return push(vm, v);
    case 'J': /* BININT: int32 little-endian */
        if ((st = need(vm, 4)) != NB_OK) return st;
        p = vm->buf + vm->pos;
        vm->pos += 4;
        return push_int(vm, (int32_t)(uint32_t)rd_le(p, 4));
    case 'K': /* BININT1 */
        if ((st = need(vm, 1)) != NB_OK) return st;
        return push_int(vm, vm->buf[vm->pos++]);
    case 'M': /* BININT2 */
        if ((st = need(vm, 2)) != NB_OK) return st;
        p = vm->buf + vm->pos;
        vm->pos += 2;
        return push_int(vm, (int64_t)rd_le(p, 2));
    case 0x8a: /* LONG1 */
    case 0x8b: { /* LONG4: little-endian two's complement of n bytes */
        uint64_t len;
        if (vm->op == 0x8a) {
            if ((st = need(vm, 1)) != NB_OK) return st;
            len = vm->buf[vm->pos++];
        } else {
            if ((st = need(vm, 4)) != NB_OK) return st;
            int32_t l = (int32_t)(uint32_t)rd_le(vm->buf + vm->pos, 4);
            vm->pos += 4;
            if (l < 0) return vm_fail(vm, NB_EFORMAT, "negative length %d", (int)l);
            len = (uint64_t)l;
        }
        if (len > 8)
            return vm_fail(vm, NB_ERANGE,
                           "integer of %llu bytes does not fit in int64 (larger Python ints "
                           "are not supported)",
                           (unsigned long long)len);
        if ((st = need(vm, (size_t)len)) != NB_OK) return st;
        uint64_t u = len ? rd_le(vm->buf + vm->pos, (int)len) : 0;
        vm->pos += (size_t)len;
        int shift = 64 - 8 * (int)len;
        int64_t i = len == 0 ? 0 : shift ? (int64_t)(u << shift) >> shift : (int64_t)u;
        return push_int(vm, i);
    }
    case 'G': { /* BINFLOAT: IEEE double, big-endian */
        if ((st = need(vm, 8)) != NB_OK) return st;
        p = vm->buf + vm->pos;
        vm->pos += 8;
        uint64_t u = 0;
        for (int i = 0; i < 8; i++) u = (u << 8) | p[i];
        if ((st = new_value(vm, PK_FLOAT, &v)) != NB_OK) return st;
        memcpy(&v->u.f, &u, 8);
        return push(vm, v);
    }
    case 0x8c: /* SHORT_BINUNICODE */
    case 'C':  /* SHORT_BINBYTES */
    case 'U':  /* SHORT_BINSTRING */
        if ((st = need(vm, 1)) != NB_OK) return st;
        return push_string(vm, vm->buf[vm->pos++], vm->op == 'C' ? PK_BYTES : PK_STR,
                           vm->op == 'U');
    case 'X': /* BINUNICODE */
    case 'B': /* BINBYTES */
    case 'T': { /* BINSTRING (signed length) */
        if ((st = need(vm, 4)) != NB_OK) return st;
        uint64_t len = rd_le(vm->buf + vm->pos, 4);
        vm->pos += 4;
        if (vm->op == 'T' && len > INT32_MAX)
            return vm_fail(vm, NB_EFORMAT, "negative length");
        return push_string(vm, len, vm->op == 'B' ? PK_BYTES : PK_STR, vm->op == 'T');
    }
    case 0x8d: /* BINUNICODE8 */
    case 0x8e: /* BINBYTES8 */
    case 0x96: { /* BYTEARRAY8 (read as bytes) */
        if ((st = need(vm, 8)) != NB_OK) return st;
        uint64_t len = rd_le(vm->buf + vm->pos, 8);
        vm->pos += 8;
        return push_string(vm, len, vm->op == 0x8d ? PK_STR : PK_BYTES, 0);
    }
    case ']': /* EMPTY_LIST */
    case '}': /* EMPTY_DICT */
    case 0x8f: /* EMPTY_SET */
    case ')': /* EMPTY_TUPLE */
        if ((st = new_value(vm, vm->op == ']' ? PK_LIST : vm->op == '}' ? PK_DICT
                                : vm->op == ')' ? PK_TUPLE : PK_SET, &v)) != NB_OK)
            return st;
        return push(vm, v);
    case 'a': /* APPEND */
        if ((st = pop(vm, &b)) != NB_OK || (st = top(vm, &a)) != NB_OK) return st;
        if (a->type != PK_LIST)
            return vm_fail(vm, NB_EFORMAT, "APPEND to a %s, not a list", pk_type_name(a->type));
        return seq_append(vm, a, &b, 1);
    case 'e': /* APPENDS */
    case 0x90: /* ADDITEMS */
        if ((st = pop_mark(vm, &first)) != NB_OK) return st;
        if (first == 0 || (vm->nmarks && first <= vm->marks[vm->nmarks - 1]))
            return vm_fail(vm, NB_EFORMAT, "no container below the MARK");
        a = vm->stack[first - 1];
        if (a->type != (vm->op == 'e' ? PK_LIST : PK_SET))
            return vm_fail(vm, NB_EFORMAT, "adds items to a %s, not a %s", pk_type_name(a->type),
                           vm->op == 'e' ? "list" : "set");
        st = seq_append(vm, a, vm->stack + first, vm->nstack - first);
        vm->nstack = first;
        return st;
    case 'l': /* LIST */
    case 0x91: /* FROZENSET */
        if ((st = pop_mark(vm, &first)) != NB_OK) return st;
        if ((st = new_value(vm, vm->op == 'l' ? PK_LIST : PK_SET, &v)) != NB_OK) return st;
        if ((st = seq_append(vm, v, vm->stack + first, vm->nstack - first)) != NB_OK) return st;
        if (vm->op == 0x91) {
            v->shareable_ = 1; /* frozen; items were checked hashable */
        }
        vm->nstack = first;
        return push(vm, v);
    case 't': /* TUPLE */
        if ((st = pop_mark(vm, &first)) != NB_OK) return st;
        return make_tuple(vm, first);
    case 0x85: return tuple_n(vm, 1);
    case 0x86: return tuple_n(vm, 2);
    case 0x87: return tuple_n(vm, 3);
    case 's': /* SETITEM */
        if (vm->nstack < 3 + (vm->nmarks ? vm->marks[vm->nmarks - 1] : 0))
            return vm_fail(vm, NB_EFORMAT, "needs a dict, a key and a value on the stack");
        a = vm->stack[vm->nstack - 3];
        if (a->type != PK_DICT)
            return vm_fail(vm, NB_EFORMAT, "sets an item of a %s, not a dict",
                           pk_type_name(a->type));
        if ((st = dict_set(vm, a, vm->stack + vm->nstack - 2, 1)) != NB_OK) return st;
        vm->nstack -= 2;
        return NB_OK;
    case 'u': /* SETITEMS */
    case 'd': /* DICT */
        if ((st = pop_mark(vm, &first)) != NB_OK) return st;
        if ((vm->nstack - first) % 2)
            return vm_fail(vm, NB_EFORMAT, "odd number (%zu) of keys and values",
                           vm->nstack - first);
        if (vm->op == 'u') {
            if (first == 0 || (vm->nmarks && first <= vm->marks[vm->nmarks - 1]))
                return vm_fail(vm, NB_EFORMAT, "no dict below the MARK");
            a = vm->stack[first - 1];
            if (a->type != PK_DICT)
                return vm_fail(vm, NB_EFORMAT, "sets items of a %s, not a dict",
                               pk_type_name(a->type));
        } else if ((st = new_value(vm, PK_DICT, &a)) != NB_OK) {
            return st;
        }
        if ((st = dict_set(vm, a, vm->stack + first, (vm->nstack - first) / 2)) != NB_OK)
            return st;
        vm->nstack = first;
        return vm->op == 'd' ? push(vm, a) : NB_OK;
    case 0x94: /* MEMOIZE */
        return memo_put(vm, vm->memo_count);
    case 'q': /* BINPUT */
        if ((st = need(vm, 1)) != NB_OK) return st;
        return memo_put(vm, vm->buf[vm->pos++]);
    case 'r': /* LONG_BINPUT */
        if ((st = need(vm, 4)) != NB_OK) return st;
        p = vm->buf + vm->pos;
        vm->pos += 4;
        return memo_put(vm, rd_le(p, 4));
    case 'h': /* BINGET */
        if ((st = need(vm, 1)) != NB_OK) return st;
        return memo_get(vm, vm->buf[vm->pos++]);
    case 'j': /* LONG_BINGET */
        if ((st = need(vm, 4)) != NB_OK) return st;
        p = vm->buf + vm->pos;
        vm->pos += 4;
        return memo_get(vm, rd_le(p, 4));
    case 'c': /* GLOBAL */
        return op_global_text(vm);
    case 0x93: /* STACK_GLOBAL */
        if ((st = pop(vm, &b)) != NB_OK || (st = pop(vm, &a)) != NB_OK) return st;
        if (a->type != PK_STR || b->type != PK_STR)
            return vm_fail(vm, NB_EFORMAT, "module and name are a %s and a %s, not str",
                           pk_type_name(a->type), pk_type_name(b->type));
        return push_global(vm, a, b);
    case 'R':
        return op_reduce(vm);
    case 'b':
        return op_build(vm);
    default:
        if (op_name(vm->op))
            return vm_fail(vm, NB_EFORMAT, "opcode not supported by this reader (nothing is "
                                           "executed; only plain data, OrderedDict and numpy "
                                           "scalars are read)");
        return vm_fail(vm, NB_EFORMAT, "unknown opcode");
    }
}

nb_status pk_parse(const void *buf, size_t n, const char *name, const pk_limits *lim,
                   pk_doc **out)
{
    NB_ASSERT(out && (buf || n == 0));
    *out = NULL;
    pk_vm vm;
    memset(&vm, 0, sizeof vm);
    vm.buf = buf;
    vm.n = n;
    vm.name = name;
    if (lim) vm.lim = *lim;
    else pk_limits_default(&vm.lim);
    if (n > vm.lim.max_input)
        return nb_fail(NB_ERANGE, "%s: pickle of %zu bytes exceeds the limit of %zu bytes",
                       name ? name : "<pickle>", n, vm.lim.max_input);
    vm.doc = calloc(1, sizeof *vm.doc);
    if (!vm.doc) return nb_fail(NB_ENOMEM, "out of memory");
    /* A non-NULL stack from the start: stack + 0 on NULL would be undefined. */
    nb_status st = aux_grow(&vm, (void **)&vm.stack, &vm.capstack, 64, sizeof *vm.stack, "stack");
    if (st != NB_OK) goto fail;
    int stop = 0;
    while (!stop) {
        if (vm.pos >= vm.n) {
            st = nb_fail(NB_EFORMAT, "%s: truncated pickle: no STOP opcode in %zu bytes",
                         name ? name : "<pickle>", n);
            goto fail;
        }
        st = step(&vm, &stop);
        if (st != NB_OK) goto fail;
    }
    if (vm.pos != vm.n) {
        st = nb_fail(NB_EFORMAT, "%s: %zu bytes of trailing data after STOP at offset %zu",
                     name ? name : "<pickle>", vm.n - vm.pos, vm.op_off);
        goto fail;
    }
    vm.doc->root = vm.stack[0];
    free(vm.stack);
    free(vm.marks);
    free(vm.memo);
    *out = vm.doc;
    return NB_OK;
fail:
    free(vm.stack);
    free(vm.marks);
    free(vm.memo);
    pk_free(vm.doc);
    return st;
}

/* ---- bz2 */

static const char *bz_err_name(int ret)
{
    switch (ret) {
    case BZ_DATA_ERROR: return "corrupt data (BZ_DATA_ERROR: CRC or structure mismatch)";
    case BZ_DATA_ERROR_MAGIC: return "not a bz2 stream (bad magic; BZ_DATA_ERROR_MAGIC)";
    case BZ_MEM_ERROR: return "out of memory (BZ_MEM_ERROR)";
    case BZ_PARAM_ERROR: return "bad parameter (BZ_PARAM_ERROR)";
    default: return "unexpected libbz2 status";
    }
}

nb_status pk_bz2_decompress(const void *in, size_t n, const char *name, size_t max_out,
                            unsigned char **out, size_t *out_n)
{
    NB_ASSERT(out && out_n && (in || n == 0));
    *out = NULL;
    *out_n = 0;
    const char *nm = name ? name : "<bz2>";
    if (n == 0) return nb_fail(NB_EFORMAT, "%s: empty file, expected a bz2 stream", nm);
    size_t cap = n < (max_out / 4) ? 4 * n : max_out;
    if (cap < 4096) cap = max_out < 4096 ? max_out : 4096;
    if (cap == 0) cap = 1;
    unsigned char *buf = malloc(cap);
    if (!buf) return nb_fail(NB_ENOMEM, "%s: out of memory", nm);
    size_t have = 0, consumed = 0;
    nb_status st = NB_OK;
    /* One pass of the loop per concatenated stream (as Python's bz2 module). */
    while (consumed < n) {
        bz_stream z;
        memset(&z, 0, sizeof z);
        int ret = BZ2_bzDecompressInit(&z, 0, 0);
        if (ret != BZ_OK) {
            st = nb_fail(NB_ENOMEM, "%s: bz2 init failed: %s", nm, bz_err_name(ret));
            goto fail;
        }
        for (;;) {
            if (have == cap) {
                if (cap >= max_out) {
                    BZ2_bzDecompressEnd(&z);
                    st = nb_fail(NB_ERANGE,
                                 "%s: decompresses to more than the limit of %zu bytes "
                                 "(pk_limits.max_input)",
                                 nm, max_out);
                    goto fail;
                }
                size_t ncap = cap > max_out / 2 ? max_out : 2 * cap;
                unsigned char *nb = realloc(buf, ncap);
                if (!nb) {
                    BZ2_bzDecompressEnd(&z);
                    st = nb_fail(NB_ENOMEM, "%s: out of memory growing to %zu bytes", nm, ncap);
                    goto fail;
                }
                buf = nb;
                cap = ncap;
            }
            /* libbz2 counts in unsigned int: feed at most 1 GiB per call. */
            size_t in_left = n - consumed, out_left = cap - have;
            z.next_in = (char *)((const char *)in + consumed);
            z.avail_in = (unsigned)(in_left > (1u << 30) ? (1u << 30) : in_left);
            z.next_out = (char *)buf + have;
            z.avail_out = (unsigned)(out_left > (1u << 30) ? (1u << 30) : out_left);
            unsigned ain = z.avail_in, aout = z.avail_out;
            ret = BZ2_bzDecompress(&z);
            consumed += ain - z.avail_in;
            have += aout - z.avail_out;
            if (ret == BZ_STREAM_END) break;
            if (ret != BZ_OK) {
                BZ2_bzDecompressEnd(&z);
                st = nb_fail(NB_EFORMAT, "%s: bz2 %s at compressed byte ~%zu", nm,
                             bz_err_name(ret), consumed);
                goto fail;
            }
            if (consumed == n && z.avail_out > 0) {
                BZ2_bzDecompressEnd(&z);
                st = nb_fail(NB_EFORMAT,
                             "%s: truncated bz2 stream: input ends after %zu bytes before the "
                             "end-of-stream marker",
                             nm, n);
                goto fail;
            }
            if (ain == z.avail_in && aout == z.avail_out) {
                BZ2_bzDecompressEnd(&z);
                st = nb_fail(NB_EFORMAT, "%s: bz2 decoder made no progress at byte %zu", nm,
                             consumed);
                goto fail;
            }
        }
        BZ2_bzDecompressEnd(&z);
    }
    *out = buf;
    *out_n = have;
    return NB_OK;
fail:
    free(buf);
    return st;
}

nb_status pk_parse_bz2(const void *in, size_t n, const char *name, const pk_limits *lim,
                       pk_doc **out)
{
    NB_ASSERT(out);
    *out = NULL;
    pk_limits l;
    if (lim) l = *lim;
    else pk_limits_default(&l);
    unsigned char *raw;
    size_t nraw;
    nb_status st = pk_bz2_decompress(in, n, name, l.max_input, &raw, &nraw);
    if (st != NB_OK) return st;
    st = pk_parse(raw, nraw, name, &l, out);
    free(raw);
    return st;
}

nb_status pk_read_bz2_file(const char *path, const pk_limits *lim, pk_doc **out)
{
    NB_ASSERT(path && out);
    *out = NULL;
    pk_limits l;
    if (lim) l = *lim;
    else pk_limits_default(&l);
    FILE *f = fopen(path, "rb");
    if (!f) return nb_fail(NB_EIO, "%s: cannot open: %s", path, strerror(errno));
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    nb_status st = NB_OK;
    for (;;) {
        if (n == cap) {
            if (cap >= l.max_input) {
                st = nb_fail(NB_ERANGE, "%s: file larger than the limit of %zu bytes", path,
                             l.max_input);
                goto done;
            }
            size_t ncap = cap ? (cap > l.max_input / 2 ? l.max_input : 2 * cap) : 65536;
            if (ncap > l.max_input) ncap = l.max_input;
            unsigned char *nb = realloc(buf, ncap ? ncap : 1);
            if (!nb) {
                st = nb_fail(NB_ENOMEM, "%s: out of memory reading the file", path);
                goto done;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) st = nb_fail(NB_EIO, "%s: read error: %s", path, strerror(errno));
            break;
        }
    }
    if (st == NB_OK) {
        if (n >= 3 && memcmp(buf, "BZh", 3) == 0) st = pk_parse_bz2(buf, n, path, &l, out);
        else if (n == 0) st = nb_fail(NB_EFORMAT, "%s: empty file", path);
        else st = pk_parse(buf, n, path, &l, out);
    }
done:
    fclose(f);
    free(buf);
    return st;
}

/* ---- accessors */

const pk_value *pk_dict_get(const pk_value *d, const char *key)
{
    if (!d || d->type != PK_DICT) return NULL;
    for (size_t i = d->u.dict.n; i-- > 0;)
        if (str_is(d->u.dict.keys[i], key)) return d->u.dict.vals[i];
    return NULL;
}

int pk_as_double(const pk_value *v, double *out)
{
    if (!v) return 0;
    switch (v->type) {
    case PK_FLOAT: *out = v->u.f; return 1;
    case PK_INT: *out = (double)v->u.i; return 1;
    case PK_BOOL: *out = v->u.b; return 1;
    default: return 0;
    }
}
