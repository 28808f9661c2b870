/* strategies/exec_json.c - message lines of the external-strategy protocol:
 * a string builder for the lines nastab writes and a reader for the flat
 * objects a child answers with (exec_json.h). */
#include "strategies/exec_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nb.h"

static void reserve(xj_buf *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + extra + 1) cap *= 2;
    b->s = nb_xrealloc_array(b->s, cap, 1);
    b->cap = cap;
}

static void append(xj_buf *b, const char *s, size_t n)
{
    reserve(b, n);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

void xj_raw(xj_buf *b, const char *s) { append(b, s, strlen(s)); }

void xj_string(xj_buf *b, const char *s)
{
    append(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c;
            append(b, esc, 2);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            append(b, esc, 6);
        } else {
            append(b, (const char *)&c, 1);
        }
    }
    append(b, "\"", 1);
}

void xj_u64(xj_buf *b, uint64_t v)
{
    char t[32];
    append(b, t, (size_t)snprintf(t, sizeof t, "%llu", (unsigned long long)v));
}

void xj_int(xj_buf *b, long v)
{
    char t[32];
    append(b, t, (size_t)snprintf(t, sizeof t, "%ld", v));
}

void xj_num(xj_buf *b, double v)
{
    if (!isfinite(v)) {
        append(b, "null", 4);
        return;
    }
    char t[40];
    append(b, t, (size_t)snprintf(t, sizeof t, "%.17g", v));
}

void xj_clear(xj_buf *b)
{
    b->n = 0;
    if (b->s) b->s[0] = '\0';
}

void xj_free(xj_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->n = b->cap = 0;
}

/* ---- reader ---- */

typedef struct {
    const char *p, *start;
    char *why;
    size_t why_n;
} rd;

static int bad(rd *r, const char *what)
{
    snprintf(r->why, r->why_n, "%s at byte %zu", what, (size_t)(r->p - r->start));
    return -1;
}

static void blanks(rd *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n') r->p++;
}

/* A string into out (size n); -1 on a bad escape, an unterminated string or overflow. */
static int read_string(rd *r, char *out, size_t n)
{
    if (*r->p != '"') return bad(r, "expected a string");
    r->p++;
    size_t k = 0;
    for (;;) {
        char c = *r->p++;
        if (c == '\0') return bad(r, "unterminated string");
        if (c == '"') break;
        if (c == '\\') {
            char e = *r->p++;
            switch (e) {
            case '"': case '\\': case '/': c = e; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u': {
                unsigned v = 0;
                for (int i = 0; i < 4; i++) {
                    char h = *r->p++;
                    v <<= 4;
                    if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
                    else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
                    else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
                    else return bad(r, "bad \\u escape");
                }
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            default: return bad(r, "bad escape");
            }
        } else if ((unsigned char)c < 0x20) {
            return bad(r, "control character in a string");
        }
        if (k + 1 >= n) return bad(r, "string too long");
        out[k++] = c;
    }
    out[k] = '\0';
    return 0;
}

/* Skips a nested array or object, strings included. */
static int skip_nested(rd *r)
{
    int depth = 0;
    do {
        char c = *r->p;
        if (c == '\0') return bad(r, "unterminated array or object");
        if (c == '"') {
            r->p++;
            while (*r->p && *r->p != '"') r->p += (*r->p == '\\' && r->p[1]) ? 2 : 1;
            if (!*r->p) return bad(r, "unterminated string");
        } else if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            depth--;
        }
        r->p++;
    } while (depth > 0);
    return 0;
}

static int read_value(rd *r, xj_val *v)
{
    char c = *r->p;
    if (c == '"') {
        v->type = XJ_STR;
        return read_string(r, v->str, sizeof v->str);
    }
    if (c == '[' || c == '{') {
        v->type = XJ_SKIPPED;
        return skip_nested(r);
    }
    if (!strncmp(r->p, "true", 4) || !strncmp(r->p, "false", 5)) {
        v->type = XJ_BOOL;
        v->num = c == 't';
        r->p += c == 't' ? 4 : 5;
        return 0;
    }
    if (!strncmp(r->p, "null", 4)) {
        v->type = XJ_NULL;
        r->p += 4;
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        v->num = strtod(r->p, &end);
        if (end == r->p) return bad(r, "bad number");
        r->p = end;
        v->type = XJ_NUM;
        return 0;
    }
    return bad(r, "expected a value");
}

int xj_parse(const char *line, xj_obj *o, char *why, size_t why_n)
{
    rd r = {line, line, why, why_n};
    o->n = 0;
    blanks(&r);
    if (*r.p != '{') return bad(&r, "not a JSON object");
    r.p++;
    blanks(&r);
    if (*r.p == '}') {
        r.p++;
    } else {
        for (;;) {
            blanks(&r);
            if (o->n >= XJ_MAX_KEYS) return bad(&r, "too many keys");
            xj_val *v = &o->v[o->n];
            if (read_string(&r, v->key, sizeof v->key)) return -1;
            blanks(&r);
            if (*r.p++ != ':') return bad(&r, "expected ':'");
            blanks(&r);
            if (read_value(&r, v)) return -1;
            o->n++;
            blanks(&r);
            if (*r.p == ',') {
                r.p++;
                continue;
            }
            if (*r.p == '}') {
                r.p++;
                break;
            }
            return bad(&r, "expected ',' or '}'");
        }
    }
    blanks(&r);
    if (*r.p) return bad(&r, "text after the object");
    return 0;
}

const xj_val *xj_get(const xj_obj *o, const char *key)
{
    for (int i = 0; i < o->n; i++)
        if (!strcmp(o->v[i].key, key)) return &o->v[i];
    return NULL;
}
