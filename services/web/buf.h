/*
 * buf.h -- cchc-web's growable text buffer and the escaping it writes with.
 *
 * Every page, error and metric is appended to a buf_t.  A buffer that cannot
 * grow remembers it (oom) and ignores further appends, so a page is built
 * without checking each call; the caller looks at oom once, if at all.
 * This module knows nothing of HTTP or of the catalog.
 */
#ifndef CCHC_WEB_BUF_H
#define CCHC_WEB_BUF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *p;                    /* NUL-terminated once anything was appended; NULL before */
    size_t len, cap;
    bool oom;                   /* an append failed: the content is incomplete */
} buf_t;

/* Appends n bytes of s. */
void buf_put(buf_t *b, const char *s, size_t n);
/* Appends the string s. */
void buf_puts(buf_t *b, const char *s);
/* Appends printf-formatted text (any length). */
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s HTML-escaped (& < > " '), fit for text and quoted attributes.
 * A NULL s appends nothing. */
void buf_esc(buf_t *b, const char *s);
/* buf_esc() of the n bytes at s (a string that is not NUL-terminated). */
void buf_escn(buf_t *b, const char *s, size_t n);
/* Appends s percent-encoded for a URL query value (RFC 3986 unreserved
 * characters kept). */
void buf_url(buf_t *b, const char *s);
/* Appends j as compact JSON (jansson escapes the strings) and a newline;
 * "null" when j is NULL or cannot be encoded.  Does not take j. */
void buf_json(buf_t *b, const json_t *j);
/* Frees the text and empties the buffer; it may be used again. */
void buf_free(buf_t *b);

#endif
