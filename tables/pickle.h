/* tables/pickle.h - a safe reader of Python pickles into a plain value tree
 * (internal to the tables module; the NATS-Bench importer is its user).
 *
 * What it does: decodes pickle protocols 2-5 (the binary opcodes of
 * Python's pickletools documentation, Lib/pickletools.py) into a tree of
 * none / bool / int / float / str / bytes / list / tuple / dict / set values.
 * Exactly three globals are understood, and only as data constructors:
 *   collections.OrderedDict      REDUCE with () -> an empty dict
 *   numpy.dtype                  REDUCE with ('f8', False, True) -> a dtype
 *                                descriptor; BUILD with numpy's state tuple
 *                                sets its byte order
 *   numpy.core.multiarray.scalar REDUCE with (dtype, raw bytes) -> a float,
 *                                int or bool decoded by the dtype
 * (numpy >= 2 spells the last one numpy._core.multiarray.scalar; accepted.)
 * Also reads bz2-compressed pickles (NATS-Bench's .pickle.pbz2) via libbz2.
 *
 * What it does not do: execute anything. Every other global, any REDUCE or
 * BUILD outside the cases above, persistent ids, extension codes, class
 * instances (NEWOBJ, INST, OBJ), out-of-band buffers and the text opcodes of
 * protocols 0/1 are rejected with NB_EFORMAT and a message naming the opcode
 * and its byte offset (or the global as module.name). Shared references to
 * lists, dicts and sets (memo gets or DUP of a mutable container) are
 * rejected too: the result is therefore always a tree, never a cyclic graph,
 * and immutable values (str, numbers, tuples of them) may be shared.
 * Limits on input size, nesting depth, stack, memo and total allocation
 * (pk_limits) bound the memory a hostile file can claim.
 *
 * Usage:
 *     pk_doc *doc;
 *     if (pk_read_bz2_file("meta.pickle.pbz2", NULL, &doc) != NB_OK) {
 *         fprintf(stderr, "%s\n", nb_errmsg());
 *         return 1;
 *     }
 *     const pk_value *archs = pk_dict_get(pk_root(doc), "meta_archs");
 *     if (archs && archs->type == PK_LIST)
 *         printf("%zu archs, first %s\n", archs->u.seq.n, archs->u.seq.items[0]->u.str.s);
 *     pk_free(doc);
 *
 * Ownership: every value belongs to its pk_doc; pointers stay valid until
 * pk_free. Values are read-only for callers.
 */
#ifndef TABLES_PICKLE_H
#define TABLES_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/nb.h"

typedef enum {
    PK_NONE = 0,
    PK_BOOL,
    PK_INT,    /* int64; larger Python ints are rejected */
    PK_FLOAT,  /* double, bit-exact as stored */
    PK_STR,    /* UTF-8 (validated), NUL-terminated, may hold embedded NULs */
    PK_BYTES,  /* raw bytes, also NUL-terminated for convenience */
    PK_LIST,
    PK_TUPLE,
    PK_DICT,   /* insertion-ordered (dict and OrderedDict alike) */
    PK_SET,    /* set or frozenset, in insertion order, duplicates kept */
    PK_DTYPE,  /* a numpy.dtype descriptor */
    PK_GLOBAL  /* one of the three allowed callables, unapplied */
} pk_type;

typedef enum {
    PK_G_ORDEREDDICT = 1, /* collections.OrderedDict */
    PK_G_DTYPE = 2,       /* numpy.dtype */
    PK_G_SCALAR = 3       /* numpy.core.multiarray.scalar */
} pk_global_id;

typedef struct pk_value pk_value;
struct pk_value {
    pk_type type;
    union {
        int b;       /* PK_BOOL: 0 or 1 */
        int64_t i;   /* PK_INT */
        double f;    /* PK_FLOAT */
        struct {
            const char *s; /* NUL-terminated */
            size_t n;      /* length in bytes, without the NUL */
        } str;             /* PK_STR, PK_BYTES */
        struct {
            pk_value **items;
            size_t n;
        } seq;             /* PK_LIST, PK_TUPLE, PK_SET */
        struct {
            pk_value **keys, **vals; /* (n) each, in insertion order */
            size_t n;
        } dict;            /* PK_DICT; a key set twice appears twice,
                              pk_dict_get returns the last value (as Python) */
        struct {
            char kind;  /* 'f' float, 'i' signed, 'u' unsigned, 'b' bool */
            char order; /* '<' little, '>' big, '|' not applicable, '=' native */
            int size;   /* bytes: 1, 2, 4 or 8 */
        } dtype;           /* PK_DTYPE */
        pk_global_id global; /* PK_GLOBAL */
    } u;
    /* Internal bookkeeping (do not use): container capacity, nesting depth
     * and whether the value may be shared (no list/dict/set inside). */
    size_t cap_;
    uint32_t depth_;
    uint8_t shareable_;
};

/* Resource limits; pass NULL for the defaults (sized for NATS-Bench files,
 * whose records decompress to ~330 KB and whose meta file to ~1.4 MB). */
typedef struct {
    size_t max_input;  /* largest (decompressed) pickle in bytes; default 64 MiB */
    size_t max_alloc;  /* total bytes the value tree, stack and memo may use; default 256 MiB */
    size_t max_depth;  /* deepest container nesting; default 64 */
    size_t max_items;  /* most items in one container / on the stack; default 4 Mi */
    size_t max_memo;   /* largest memo index + 1; default 1 Mi */
} pk_limits;
void pk_limits_default(pk_limits *lim);

typedef struct pk_doc pk_doc;

/* Decode one pickle from buf[0..n). `name` (a file name, for messages) may be
 * NULL. On success *out owns the tree (free with pk_free). Fails with
 * NB_EFORMAT (malformed, truncated, unsupported or disallowed content: the
 * message names `name`, the opcode by name and code, and its byte offset, or
 * the refused global as module.name), NB_EVERSION (a protocol other than
 * 2..5), NB_ERANGE (a limit of `lim` exceeded: the message names the pk_limits
 * field) or NB_ENOMEM. *out is NULL on failure and nothing leaks. */
nb_status pk_parse(const void *buf, size_t n, const char *name, const pk_limits *lim,
                   pk_doc **out);

/* Decompress a whole bz2 stream (concatenated streams allowed) into a fresh
 * buffer of at most max_out bytes. `name` is used in messages. On success
 * *out (caller frees with free()) holds *out_n bytes. Fails with NB_EFORMAT
 * (not bz2, corrupt, truncated) or NB_ERANGE (larger than max_out). */
nb_status pk_bz2_decompress(const void *in, size_t n, const char *name, size_t max_out,
                            unsigned char **out, size_t *out_n);

/* pk_bz2_decompress then pk_parse, on a buffer. */
nb_status pk_parse_bz2(const void *in, size_t n, const char *name, const pk_limits *lim,
                       pk_doc **out);

/* Read a .pickle.pbz2 file (or a plain pickle when it does not start with
 * "BZh"). Fails with NB_EIO when the file cannot be read, else as above. */
nb_status pk_read_bz2_file(const char *path, const pk_limits *lim, pk_doc **out);

/* The top-level value; borrowed, valid until pk_free. */
const pk_value *pk_root(const pk_doc *doc);
/* Bytes the tree holds (for memory reports). */
size_t pk_doc_bytes(const pk_doc *doc);
/* Frees the document and every value in it; accepts NULL. */
void pk_free(pk_doc *doc);

/* The value of str key `key` in dict `d` (the last one when repeated), or
 * NULL when d is not a dict or has no such key. */
const pk_value *pk_dict_get(const pk_value *d, const char *key);
/* Short name of a type, e.g. "dict". */
const char *pk_type_name(pk_type t);
/* 1 and *out when v is a float, an int or a bool (as Python's float()). */
int pk_as_double(const pk_value *v, double *out);

#endif
