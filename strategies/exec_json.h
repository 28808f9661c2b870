/* strategies/exec_json.h - the JSON of the external-strategy protocol
 * (strategies/EXEC_PROTOCOL.md), private to strategies/exec.c and its
 * tests: a growable string to build one message line, and a reader of one
 * reply line, a flat JSON object whose values are strings, numbers, true,
 * false or null (arrays and objects are skipped, not read).
 * It does not do general JSON: no nested reads, no \u escapes beyond
 * ASCII (a \u escape above 0x7f is read as '?').
 *
 *     xj_buf b = {0};
 *     xj_raw(&b, "{\"type\":\"ask\",\"run\":");
 *     xj_u64(&b, 7);
 *     xj_raw(&b, "}\n");                        // b.s, b.n: the line
 *     xj_obj o;
 *     if (xj_parse("{\"arch\":\"|...|\"}", &o) == 0) xj_str(&o, "arch") ...
 *     xj_free(&b);
 */
#ifndef STRAT_EXEC_JSON_H
#define STRAT_EXEC_JSON_H

#include <stddef.h>
#include <stdint.h>

/* ---- writing ---- */
typedef struct {
    char *s;  /* NUL-terminated; owned, xj_free */
    size_t n; /* length without the NUL */
    size_t cap;
} xj_buf;
void xj_raw(xj_buf *b, const char *s);     /* appends s as is */
void xj_string(xj_buf *b, const char *s);  /* appends s quoted and escaped */
void xj_u64(xj_buf *b, uint64_t v);
void xj_int(xj_buf *b, long v);
void xj_num(xj_buf *b, double v);          /* %.17g (round trips); null when not finite */
void xj_clear(xj_buf *b);                  /* length 0, keeps the memory */
void xj_free(xj_buf *b);                   /* accepts a zeroed buffer */

/* ---- reading one flat object ---- */
#define XJ_MAX_KEYS 16
#define XJ_STR_MAX 1024
typedef enum { XJ_NULL, XJ_BOOL, XJ_NUM, XJ_STR, XJ_SKIPPED } xj_type;
typedef struct {
    char key[32];
    xj_type type;
    double num;            /* XJ_NUM; XJ_BOOL: 0 or 1 */
    char str[XJ_STR_MAX];  /* XJ_STR, unescaped */
} xj_val;
typedef struct {
    int n;
    xj_val v[XJ_MAX_KEYS];
} xj_obj;
/* Parses line (one object, surrounding blanks allowed) into *o. Returns 0,
 * or -1 with a short reason in why (size why_n) for anything else: not an
 * object, a bad token, a key or string too long, too many keys, trailing
 * text. */
int xj_parse(const char *line, xj_obj *o, char *why, size_t why_n);
/* The value of key, or NULL when absent. */
const xj_val *xj_get(const xj_obj *o, const char *key);

#endif
