/*
 * http_req.c -- the request's URI: path and a strictly parsed query string.
 *
 * Parameter names are lower-case words; values are percent-decoded and must
 * be UTF-8 text without control characters, at most 256 bytes; a parameter
 * may not be repeated; at most HTTP_MAX_ARGS of them.  A POST's form body is
 * parsed the same way, except that it may hold HTTP_MAX_FORM fields whose
 * names (up to 80 bytes) may also have digits: a report form names one field
 * per indicator (v_portal_posts) and tag, and values of up to
 * HTTP_MAX_FORM_VALUE bytes (a note: the page checks its own, smaller limit
 * and says so beside the field, keeping what was typed).  Anything else is a sentence for a
 * 400.  Decoding happens in place in r->raw (r->body).
 */
#include <stdio.h>
#include <string.h>

#include "http_internal.h"


const char *http_arg(const req_t *r, const char *key)
{
    for (int i = 0; i < r->nargs; i++)
        if (!strcmp(r->keys[i], key))
            return r->vals[i];
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX and '+' in place; -1 on a bad escape. */
static int url_decode(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '+') {
            *o++ = ' ';
        } else if (*s == '%') {
            int h = hexval(s[1]), l = h >= 0 ? hexval(s[2]) : -1;
            if (h < 0 || l < 0)
                return -1;
            *o++ = (char)(h * 16 + l);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return 0;
}

/* true when s is valid UTF-8 without control characters (but tabs and line
 * ends when `lines`: a form's textarea sends CR LF between lines). */
static bool clean_utf8(const unsigned char *s, bool lines)
{
    while (*s) {
        unsigned c = *s;
        int n;
        if ((c < 0x20 && !(lines && (c == '\t' || c == '\r' || c == '\n'))) || c == 0x7f)
            return false;
        if (c < 0x80)
            n = 0;
        else if ((c & 0xE0) == 0xC0 && c >= 0xC2)
            n = 1;
        else if ((c & 0xF0) == 0xE0)
            n = 2;
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4)
            n = 3;
        else
            return false;
        s++;
        for (int i = 0; i < n; i++, s++)
            if ((*s & 0xC0) != 0x80)
                return false;
    }
    return true;
}

const char *http_form(const req_t *r, const char *key)
{
    for (int i = 0; i < r->nform; i++)
        if (!strcmp(r->fkeys[i], key))
            return r->fvals[i];
    return NULL;
}

/* Parses "a=1&b=2" in place into keys/vals (*n of them, at most max);
 * form: the rules of a form body (longer names, digits). */
static const char *parse_pairs(char *s, char **keys, char **vals, int *n, int max, bool form, char *msgbuf,
                               size_t msglen)
{
    while (*s) {
        char *amp = strchr(s, '&');
        if (amp)
            *amp = '\0';
        if (*s) {
            if (*n >= max) {
                snprintf(msgbuf, msglen, "%s có quá %d tham số. (The %s has more than %d parameters.)",
                         form ? "Biểu mẫu" : "Địa chỉ trang", max, form ? "form" : "query string", max);
                return msgbuf;
            }
            char *eq = strchr(s, '=');
            char *v = eq ? eq + 1 : s + strlen(s);
            if (eq)
                *eq = '\0';
            size_t kl = strlen(s);
            bool ok = kl > 0 && kl <= (form ? 80u : 32u);
            for (size_t i = 0; ok && i < kl; i++)
                ok = (s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || (form && s[i] >= '0' && s[i] <= '9');
            if (!ok) {
                snprintf(msgbuf, msglen,
                         "Địa chỉ trang bị sai: tên tham số là chữ thường như node hoặc period. (The query string is malformed: "
                         "parameter names are lower-case words such as node or period.)");
                return msgbuf;
            }
            if (url_decode(v) || !clean_utf8((const unsigned char *)v, form)) {
                snprintf(msgbuf, msglen,
                         "Địa chỉ trang bị sai: giá trị của '%s' có mã %%-escape hỏng hoặc không phải văn bản UTF-8. (The "
                         "query string is malformed: the value of '%s' has a bad %%-escape or is not UTF-8 text.)",
                         s, s);
                return msgbuf;
            }
            if (form) { /* CR LF (a textarea's line end) kept as LF alone */
                char *w = v;
                for (const char *q = v; *q; q++)
                    if (!(q[0] == '\r' && q[1] == '\n'))
                        *w++ = *q;
                *w = '\0';
            }
            if (strlen(v) > (form ? HTTP_MAX_FORM_VALUE : 256u)) {
                snprintf(msgbuf, msglen, "Giá trị của '%s' dài quá %u byte. (The value of '%s' is longer than %u bytes.)",
                         s, form ? HTTP_MAX_FORM_VALUE : 256u, s, form ? HTTP_MAX_FORM_VALUE : 256u);
                return msgbuf;
            }
            for (int i = 0; i < *n; i++)
                if (!strcmp(keys[i], s)) {
                    snprintf(msgbuf, msglen, "Địa chỉ trang có tham số '%s' hai lần. (The query string gives '%s' more than once.)", s,
                             s);
                    return msgbuf;
                }
            keys[*n] = s;
            vals[*n] = v;
            (*n)++;
        }
        if (!amp)
            break;
        s = amp + 1;
    }
    return NULL;
}

const char *http__parse_uri(req_t *r, char *msgbuf, size_t msglen)
{
    char *q = strchr(r->raw, '?');
    size_t plen = q ? (size_t)(q - r->raw) : strlen(r->raw);
    if (plen >= sizeof r->path)
        plen = sizeof r->path - 1;
    memcpy(r->path, r->raw, plen);
    r->path[plen] = '\0';
    if (!q)
        return NULL;
    return parse_pairs(q + 1, r->keys, r->vals, &r->nargs, HTTP_MAX_ARGS, false, msgbuf, msglen);
}

const char *http__parse_form(req_t *r, char *msgbuf, size_t msglen)
{
    if (!r->body)
        return NULL;
    if (strlen(r->body) != r->body_len)
        return "The form body contains a NUL byte.";
    return parse_pairs(r->body, r->fkeys, r->fvals, &r->nform, HTTP_MAX_FORM, true, msgbuf, msglen);
}
