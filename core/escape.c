/* core/escape.c - nb_esc (see core/nb.h): input quoted in a message is made
 * safe for a terminal. Valid UTF-8 passes unchanged (file names and notes in
 * other scripts stay readable); control characters, whose bytes a terminal
 * would obey (ESC sequences, backspace, a bell), and bytes that are not UTF-8
 * become \xHH. */
#include <string.h>

#include "core/nb.h"

/* Length of the valid UTF-8 sequence at s (2..4) encoding a code point that
 * is not a C1 control, surrogate or overlong form; 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07;
    else return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 2 && cp < 0xa0) || (len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp < 0xe000))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* Bytes of input at p taken as one piece, and the bytes it takes in the
 * output (itself, or 4 for \xHH). */
static size_t piece(const unsigned char *p, size_t *out)
{
    size_t len = *p >= 0x20 && *p < 0x7f ? 1 : utf8_len(p);
    *out = len ? len : 4;
    return len ? len : 1;
}

char *nb_esc(const char *s, char *buf, size_t n)
{
    NB_ASSERT(buf && n >= 4);
    if (!s) s = "(null)";
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t total = 0, w = 0;
    for (const unsigned char *q = p; *q; total += w) q += piece(q, &w);
    /* Room for the whole text, or for what fits before "..." and the NUL. */
    size_t room = total + 1 <= n ? total : n - 4, o = 0;
    while (*p) {
        size_t in = piece(p, &w);
        if (o + w > room) break;
        if (w == in) {
            memcpy(buf + o, p, in);
        } else {
            buf[o] = '\\';
            buf[o + 1] = 'x';
            buf[o + 2] = hex[*p >> 4];
            buf[o + 3] = hex[*p & 15];
        }
        o += w;
        p += in;
    }
    if (*p) {
        memcpy(buf + o, "...", 4);
        return buf;
    }
    buf[o] = 0;
    return buf;
}
