#include "utf8.h"
#include <string.h>

size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, cp = c & 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, cp = c & 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, cp = c & 0x07, min = 0x10000;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static size_t blank_at(const char *s, size_t n) /* bytes of the blank starting at s (n left), or 0 */
{
    if (n >= 1 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        return 1;
    return n >= 2 && s[0] == '\xC2' && s[1] == '\xA0' ? 2 : 0;
}

const char *utf8_trim(const char *s, size_t *len)
{
    size_t n = strlen(s), k;
    while ((k = blank_at(s, n)) != 0) {
        s += k;
        n -= k;
    }
    while (n && (blank_at(s + n - 1, 1) || (n >= 2 && blank_at(s + n - 2, 2) == 2)))
        n -= blank_at(s + n - 1, 1) ? 1 : 2;
    *len = n;
    return s;
}
