/*
 * http_upload.c -- a file uploaded with a form (multipart/form-data), on
 * the one path the application names (http_config_t.upload_path).
 *
 * The body is collected like any POST body, up to HTTP_MAX_UPLOAD instead of
 * HTTP_MAX_BODY (http_post.c), then parsed by libmicrohttpd's own
 * MHD_PostProcessor: the text fields become the form (http_form(), the CSRF
 * token among them), the first file field becomes r->upload.  Everything
 * ends up in one new r->body (file bytes, then the fields), freed with the
 * request as before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_internal.h"

#define FIELD_MAX 1024 /* bytes of one text field */

bool http__is_upload(const req_t *r)
{
    const char *up = r->h->cfg.upload_path;
    size_t n = up ? strlen(up) : 0;
    if (!n || !r->raw || strncmp(r->raw, up, n) || (r->raw[n] && r->raw[n] != '?'))
        return false;
    const char *ct = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    return ct && !strncasecmp(ct, "multipart/form-data", 19);
}

typedef struct {
    char *file;                 /* the file's bytes */
    size_t flen, fcap;
    char fname[256];
    bool has_file;
    char *keys[HTTP_MAX_FORM], *vals[HTTP_MAX_FORM];
    int n;
    const char *bad;            /* why the body is refused */
} parts_t;

static bool append(char **p, size_t *len, size_t *cap, const char *data, size_t n, size_t max)
{
    if (*len + n > max)
        return false;
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n + 1)
            c *= 2;
        char *q = realloc(*p, c);
        if (!q)
            return false;
        *p = q;
        *cap = c;
    }
    memcpy(*p + *len, data, n);
    *len += n;
    (*p)[*len] = '\0';
    return true;
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                               const char *ctype, const char *enc, const char *data, uint64_t off, size_t size)
{
    parts_t *p = cls;
    if (filename) { /* the file: the first file field only */
        if (off == 0 && !p->has_file) {
            p->has_file = true;
            snprintf(p->fname, sizeof p->fname, "%s", filename);
        } else if (off == 0) {
            p->bad = "Mỗi lần chỉ gửi một tệp. (The form may carry one file only.)";
            return MHD_NO;
        }
        if (!append(&p->file, &p->flen, &p->fcap, data, size, HTTP_MAX_UPLOAD)) {
            p->bad = "Tệp quá lớn: tối đa 8 MiB. (The uploaded file is too large: 8 MiB at most.)";
            return MHD_NO;
        }
        return MHD_YES;
    }
    int i = p->n - 1;
    if (off == 0 || i < 0 || strcmp(p->keys[i], key)) {
        if (p->n == HTTP_MAX_FORM) {
            p->bad = "Biểu mẫu có quá nhiều trường. (The form has too many fields.)";
            return MHD_NO;
        }
        i = p->n++;
        p->keys[i] = strdup(key);
        p->vals[i] = strdup("");
        if (!p->keys[i] || !p->vals[i]) {
            p->bad = "Out of memory.";
            return MHD_NO;
        }
    }
    size_t len = strlen(p->vals[i]), cap = len + 1;
    if (memchr(data, '\0', size) || !append(&p->vals[i], &len, &cap, data, size, FIELD_MAX)) {
        p->bad = "Một trường của biểu mẫu quá dài hoặc chứa byte NUL. (A form field is too long or holds a NUL byte.)";
        return MHD_NO;
    }
    return MHD_YES;
}

/* Moves the parts into one buffer that replaces r->body. */
static int adopt(req_t *r, parts_t *p)
{
    size_t total = p->flen + 1;
    for (int i = 0; i < p->n; i++)
        total += strlen(p->keys[i]) + strlen(p->vals[i]) + 2;
    char *b = malloc(total);
    if (!b)
        return -1;
    if (p->flen)
        memcpy(b, p->file, p->flen);
    b[p->flen] = '\0';
    size_t o = p->flen + 1;
    for (int i = 0; i < p->n; i++) {
        r->fkeys[i] = strcpy(b + o, p->keys[i]);
        o += strlen(p->keys[i]) + 1;
        r->fvals[i] = strcpy(b + o, p->vals[i]);
        o += strlen(p->vals[i]) + 1;
    }
    r->nform = p->n;
    free(r->body);
    r->body = b;
    r->body_len = p->flen;
    r->body_cap = total;
    r->upload = p->has_file ? b : NULL;
    r->upload_len = p->flen;
    snprintf(r->upload_name, sizeof r->upload_name, "%s", p->fname);
    return 0;
}

const char *http__parse_upload(req_t *r)
{
    parts_t p;
    memset(&p, 0, sizeof p);
    struct MHD_PostProcessor *pp = MHD_create_post_processor(r->conn, 65536, on_part, &p);
    if (!pp)
        return "The form is not multipart/form-data with a boundary.";
    if (MHD_post_process(pp, r->body ? r->body : "", r->body_len) != MHD_YES && !p.bad)
        p.bad = "The form body is malformed.";
    if (MHD_destroy_post_processor(pp) != MHD_YES && !p.bad)
        p.bad = "The form body is cut short.";
    if (!p.bad && adopt(r, &p))
        p.bad = "Out of memory.";
    for (int i = 0; i < p.n; i++) {
        free(p.keys[i]);
        free(p.vals[i]);
    }
    free(p.file);
    return p.bad;
}
