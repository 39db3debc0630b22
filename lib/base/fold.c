#include "fold.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* U+00C0..U+00FF without their marks, '\0' where there is no plain letter
 * (Æ, ×, Þ, ß, æ, ÷, þ: kept as they are). */
static const char LATIN1[65] = "aaaaaa\0ceeeeiiiidnooooo\0ouuuuy\0\0"
                               "aaaaaa\0ceeeeiiiidnooooo\0ouuuuy\0y";

/* The plain lower-case letter of code point cp, or 0 when it has none. */
static char fold_cp(unsigned cp)
{
    if (cp >= 0xc0 && cp <= 0xff)
        return LATIN1[cp - 0xc0];
    switch (cp) {
    case 0x102: case 0x103: return 'a';  /* Ă ă */
    case 0x110: case 0x111: return 'd';  /* Đ đ */
    case 0x128: case 0x129: return 'i';  /* Ĩ ĩ */
    case 0x168: case 0x169: return 'u';  /* Ũ ũ */
    case 0x1a0: case 0x1a1: return 'o';  /* Ơ ơ */
    case 0x1af: case 0x1b0: return 'u';  /* Ư ư */
    }
    /* Latin Extended Additional: the Vietnamese block, upper and lower
     * case alternating, vowels in the order a, e, i, o, u, y */
    if (cp >= 0x1ea0 && cp <= 0x1ef9)
        return cp <= 0x1eb7 ? 'a' : cp <= 0x1ec7 ? 'e' : cp <= 0x1ecb ? 'i' : cp <= 0x1ee3 ? 'o'
               : cp <= 0x1ef1 ? 'u' : 'y';
    return 0;
}

static bool is_sep(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '_' || c == '.' || c == '-' || c == '/';
}

size_t fold_text(const char *s, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), i = 0, o = 0;
    bool sep = false; /* a separator is owed before the next character */
    while (i < n) {
        unsigned char c = p[i];
        size_t len = 1;
        char one = 0;
        if (c < 0x80) {
            if (is_sep(c)) {
                sep = o > 0;
                i++;
                continue;
            }
            one = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : (char)c;
        } else if ((len = utf8_seq(p + i, n - i)) == 0) {
            len = 1; /* not UTF-8: the byte as it is */
        } else {
            unsigned cp = len == 2 ? (c & 0x1fu) << 6 | (p[i + 1] & 0x3fu)
                          : len == 3 ? (c & 0x0fu) << 12 | (p[i + 1] & 0x3fu) << 6 | (p[i + 2] & 0x3fu)
                                     : 0x10000; /* 4 bytes: no letter of ours */
            if (cp >= 0x300 && cp <= 0x36f) { /* a combining mark: dropped */
                i += len;
                continue;
            }
            if (cp == 0xa0 || cp == 0x2013 || cp == 0x2014) { /* no-break space, en and em dash */
                sep = o > 0;
                i += len;
                continue;
            }
            one = fold_cp(cp);
        }
        size_t need = (one ? 1 : len) + (sep ? 1 : 0);
        if (o + need >= size)
            break;
        if (sep)
            out[o++] = ' ';
        sep = false;
        if (one)
            out[o++] = one;
        else
            memcpy(out + o, p + i, len), o += len;
        i += len;
    }
    out[o] = '\0';
    return o;
}

bool fold_contains(const char *hay, const char *needle)
{
    if (!*needle)
        return true;
    size_t n = strlen(hay) + 1;
    char stack[FOLD_STACK_MAX];
    char *buf = n <= sizeof stack ? stack : malloc(n);
    if (!buf)
        return false;
    fold_text(hay, buf, n);
    bool found = strstr(buf, needle) != NULL;
    if (buf != stack)
        free(buf);
    return found;
}
