/* tests/fuzz/fuzz_pickle.c - libFuzzer target for the NATS-Bench reader path:
 * bz2 -> pickle -> value tree -> record extraction (tables/pickle.c,
 * tables/nats.c). Inputs starting with "BZh" go through libbz2 first; any
 * other input is read as a raw pickle, so the fuzzer can reach the pickle
 * machine without having to forge bz2 CRCs. Every call must return a status
 * (any status) without crashing, leaking or tripping a sanitizer.
 *
 * Build and run: tests/fuzz/run.sh [SECONDS]   (clang -fsanitize=fuzzer,address,undefined)
 * The same inputs are replayed by the unit test pickle_corpus_replay. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tables/nats.h"
#include "tables/pickle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visit every value so that a dangling or misaligned pointer in the tree
 * shows up under ASan; returns a checksum the optimiser cannot drop. */
static size_t walk(const pk_value *v)
{
    size_t h = (size_t)v->type;
    switch (v->type) {
    case PK_STR:
    case PK_BYTES: return h + v->u.str.n + (unsigned char)v->u.str.s[v->u.str.n];
    case PK_LIST:
    case PK_TUPLE:
    case PK_SET:
        for (size_t i = 0; i < v->u.seq.n; i++) h += walk(v->u.seq.items[i]);
        return h;
    case PK_DICT:
        for (size_t i = 0; i < v->u.dict.n; i++)
            h += walk(v->u.dict.keys[i]) + walk(v->u.dict.vals[i]);
        return h;
    default: return h;
    }
}

volatile size_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pk_limits lim;
    pk_limits_default(&lim);
    lim.max_input = (size_t)8 << 20; /* keep bz2 bombs cheap */
    lim.max_alloc = (size_t)64 << 20;
    unsigned char *raw = NULL;
    size_t nraw = size;
    const uint8_t *pickle = data;
    if (size >= 3 && data[0] == 'B' && data[1] == 'Z' && data[2] == 'h') {
        if (pk_bz2_decompress(data, size, "fuzz", lim.max_input, &raw, &nraw) != NB_OK) return 0;
        pickle = raw;
    }
    pk_doc *doc = NULL;
    int ok = pk_parse(pickle, nraw, "fuzz", &lim, &doc) == NB_OK;
    if (ok) fuzz_sink += walk(pk_root(doc));
    pk_free(doc);
    if (ok) {
        nats_record *r = NULL; /* the record layer on the same bytes (raw path) */
        (void)nats_parse_record(pickle, nraw, "fuzz", &r);
        nats_record_free(r);
    }
    free(raw);
    return 0;
}
