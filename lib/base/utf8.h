/*
 * utf8.h -- checking UTF-8 text one sequence at a time.
 *
 * Catalog files come from spreadsheets, which may save in another encoding;
 * a name is accepted only when it is valid UTF-8, and a bad byte is quoted
 * in a message as \xNN rather than printed raw.
 */
#ifndef CCHC_UTF8_H
#define CCHC_UTF8_H

#include <stddef.h>

/* The length (1 to 4) of the valid UTF-8 sequence at `s`, which has `n` > 0
 * bytes, or 0 when it is not one: overlong forms, surrogates and code points
 * above U+10FFFF are refused, as is a sequence cut short by `n`. */
size_t utf8_seq(const unsigned char *s, size_t n);

/* Text typed by a person without the blanks around it: spaces, tabs, line
 * ends and the no-break space (U+00A0) that spreadsheets and phones leave.
 * Returns where it starts in s (NUL-terminated) and its length in *len. */
const char *utf8_trim(const char *s, size_t *len);

#endif
