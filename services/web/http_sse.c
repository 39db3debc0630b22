/*
 * http_sse.c -- Server-Sent Events: one stream per client, fed by
 * http_broadcast().
 *
 * A client's connection is suspended (MHD_suspend_connection) while it has
 * nothing to send and resumed when an event arrives.  A client that does
 * not read is dropped once HTTP_SSE_MAX_BUFFER bytes wait for it; the
 * heartbeat sends ": ping" every 15 s so that proxies keep the stream open.
 */
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

struct http_sse {
    http_t *h;
    struct MHD_Connection *conn;
    http_sse_t *next;
    void *may;                  /* the filter's state for this reader (cfg.sse_filter) */
    char *buf;                  /* bytes not yet handed to libmicrohttpd */
    size_t len;
    bool suspended, dead;
};


static void sse_push(http_sse_t *c, const char *s, size_t n)
{
    if (c->dead)
        return;
    if (c->len + n > HTTP_SSE_MAX_BUFFER) {
        c->dead = true; /* too slow a reader: close it */
    } else {
        char *p = realloc(c->buf, c->len + n);
        if (!p) {
            c->dead = true;
        } else {
            c->buf = p;
            memcpy(c->buf + c->len, s, n);
            c->len += n;
        }
    }
    if (c->suspended) {
        c->suspended = false;
        MHD_resume_connection(c->conn);
    }
}

void http_broadcast(http_t *h, const char *topic, const char *s)
{
    const http_sse_filter_t *f = &h->cfg.sse_filter;
    for (http_sse_t *c = h->sse; c; c = c->next) {
        int ok = topic && c->may && f->may ? f->may(c->may, topic) : 1;
        if (ok < 0) {
            c->dead = true; /* the session ended: the stream ends with it */
            c->len = 0;
            if (c->suspended) {
                c->suspended = false;
                MHD_resume_connection(c->conn);
            }
        } else if (ok) {
            sse_push(c, s, strlen(s));
        }
    }
    http__kick(h); /* resumed streams send now, not at libmicrohttpd's next timeout */
}

static ssize_t sse_reader(void *cls, uint64_t pos, char *out, size_t max)
{
    http_sse_t *c = cls;
    (void)pos;
    if (c->h->stopping || (c->dead && c->len == 0))
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (c->len == 0) {
        c->suspended = true;
        MHD_suspend_connection(c->conn);
        return 0;
    }
    size_t n = c->len < max ? c->len : max;
    memcpy(out, c->buf, n);
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    http_sse_t *c = cls;
    http_t *h = c->h;
    for (http_sse_t **pp = &h->sse; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    h->nsse--;
    if (c->may && h->cfg.sse_filter.close)
        h->cfg.sse_filter.close(c->may);
    free(c->buf);
    free(c);
}

struct MHD_Response *http__sse_open(http_t *h, req_t *r)
{
    http_sse_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->h = h;
    c->conn = r->conn;
    c->may = h->cfg.sse_filter.open ? h->cfg.sse_filter.open(r) : NULL;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_reader, c, sse_free);
    if (!resp) {
        if (c->may && h->cfg.sse_filter.close)
            h->cfg.sse_filter.close(c->may);
        free(c);
        return NULL;
    }
    c->next = h->sse;
    h->sse = c;
    h->nsse++;
    const char hello[] = "retry: 2000\n: cchc-web events\n\n";
    sse_push(c, hello, sizeof hello - 1);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    MHD_set_connection_option(r->conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
    return resp;
}

void http__sse_heartbeat(uv_timer_t *t)
{
    http_t *h = t->data;
    http_broadcast(h, NULL, ": ping\n\n");
}

void http__sse_wake_all(http_t *h)
{
    for (http_sse_t *c = h->sse; c; c = c->next)
        if (c->suspended) {
            c->suspended = false;
            MHD_resume_connection(c->conn);
        }
}
