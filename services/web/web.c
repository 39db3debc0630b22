/*
 * web.c -- cchc-web: the central office's dashboard, JSON API and /metrics.
 *
 * libmicrohttpd runs inside the libuv loop: the daemon is started with
 * MHD_USE_EPOLL and no thread of its own; its epoll descriptor is watched
 * with a uv_poll and MHD_run() is called when it is readable and when the
 * timer set from MHD_get_timeout() fires.  The aggregator's EVENTs arrive on
 * a SUB socket (zloop) and are pushed to Server-Sent-Events clients, whose
 * connections are suspended while they have nothing to send.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "log.h"
#include "sentlog.h"
#include "service.h"
#include "web.h"

#define SSE_MAX_BUFFER 65536
#define MAX_HEADERS 64
#define MAX_URI 2048

struct sse_client {
    web_t *w;
    struct MHD_Connection *conn;
    sse_client_t *next;
    char *buf;
    size_t len;
    bool suspended, dead;
};

/* ------------------------------------------------------------------------
 * Buffers
 * ------------------------------------------------------------------------ */

static bool buf_grow(buf_t *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void buf_put(buf_t *b, const char *s, size_t n)
{
    if (!buf_grow(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        buf_put(b, tmp, (size_t)n);
        return;
    }
    if (!buf_grow(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_esc(buf_t *b, const char *s)
{
    if (!s)
        return;
    const char *run = s;
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_put(b, run, (size_t)(s - run));
        buf_puts(b, rep);
        run = s + 1;
    }
    buf_put(b, run, (size_t)(s - run));
}

void buf_url(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
            c == '.' || c == '~') {
            buf_put(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_put(b, e, 3);
        }
    }
}

void buf_free(buf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ------------------------------------------------------------------------
 * Aggregator queries
 * ------------------------------------------------------------------------ */

/* Fails fast while the aggregator is marked down: true with the last
 * error in err. */
static bool query_down(web_t *w, char *err, size_t errlen)
{
    if (w->down_until_ms <= clock_now_ms())
        return false;
    snprintf(err, errlen, "%s", w->last_error[0] ? w->last_error : "the aggregator does not answer");
    w->query_unavailable++;
    return true;
}

/* Counts a QUERY sent at `a` (CLOCK_MONOTONIC) that failed or not; one
 * that got no answer (err says why) marks the aggregator down for a second. */
static void query_done(web_t *w, const struct timespec *a, bool failed, bool unavailable, const char *err)
{
    struct timespec b;
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
    static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1e300};
    w->queries++;
    w->query_seconds += s;
    for (int i = 0; i < 8; i++)
        if (s <= bounds[i])
            w->query_buckets[i]++;
    if (failed) {
        w->query_errors++;
        if (unavailable) {
            w->aggregator_up = false;
            w->query_unavailable++;
            snprintf(w->last_error, sizeof w->last_error, "%s", err);
            w->down_until_ms = clock_now_ms() + 1000;
        } else {
            w->aggregator_up = true;
        }
    } else {
        w->aggregator_up = true;
        w->down_until_ms = 0;
    }
}

json_t *web_query_q(web_t *w, const proto_query_t *q, bool *unavailable, char *err, size_t errlen)
{
    struct timespec a;
    if ((*unavailable = query_down(w, err, errlen)))
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &a);
    json_t *d = client_conn_query(&w->agg, w->query_timeout_ms, q, err, errlen);
    /* client_query says "E_CODE: ..." when the aggregator refused */
    *unavailable = !d && strncmp(err, "E_", 2) != 0;
    query_done(w, &a, !d, *unavailable, err);
    return d;
}

int web_ask_q(web_t *w, const proto_query_t *q, client_answer_t *ans, proto_error_t *err)
{
    struct timespec a;
    if (query_down(w, err->message, sizeof err->message)) {
        memset(ans, 0, sizeof *ans);
        err->code = PROTO_E_UNAVAILABLE;
        return PROTO_E_UNAVAILABLE;
    }
    clock_gettime(CLOCK_MONOTONIC, &a);
    int rc = client_conn_ask(&w->agg, w->query_timeout_ms, q, ans, err);
    query_done(w, &a, rc != 0, rc == PROTO_E_UNAVAILABLE, err->message);
    return rc;
}

json_t *web_query(web_t *w, const char *what, const char *node, const char *dataset, const char *period,
                  bool *unavailable, char *err, size_t errlen)
{
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "%s", what);
    snprintf(q.node, sizeof q.node, "%s", node ? node : "");
    snprintf(q.dataset, sizeof q.dataset, "%s", dataset ? dataset : "");
    snprintf(q.period, sizeof q.period, "%s", period ? period : "");
    return web_query_q(w, &q, unavailable, err, errlen);
}

/* ------------------------------------------------------------------------
 * Request parsing
 * ------------------------------------------------------------------------ */

const char *req_arg(const req_t *r, const char *key)
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

/* true when s is valid UTF-8 without control characters. */
static bool clean_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s;
        int n;
        if (c < 0x20 || c == 0x7f)
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

/* Splits the raw URI into path and arguments.  Returns NULL, or a sentence
 * saying why the query string is malformed. */
static const char *parse_uri(req_t *r, char *msgbuf, size_t msglen)
{
    char *q = strchr(r->raw, '?');
    size_t plen = q ? (size_t)(q - r->raw) : strlen(r->raw);
    if (plen >= sizeof r->path)
        plen = sizeof r->path - 1;
    memcpy(r->path, r->raw, plen);
    r->path[plen] = '\0';
    if (!q)
        return NULL;
    char *s = q + 1;
    while (*s) {
        char *amp = strchr(s, '&');
        if (amp)
            *amp = '\0';
        if (*s) {
            if (r->nargs >= WEB_MAX_ARGS) {
                snprintf(msgbuf, msglen, "The query string has more than %d parameters.", WEB_MAX_ARGS);
                return msgbuf;
            }
            char *eq = strchr(s, '=');
            char *v = eq ? eq + 1 : s + strlen(s);
            if (eq)
                *eq = '\0';
            size_t kl = strlen(s);
            bool ok = kl > 0 && kl <= 32;
            for (size_t i = 0; ok && i < kl; i++)
                ok = (s[i] >= 'a' && s[i] <= 'z') || s[i] == '_';
            if (!ok) {
                snprintf(msgbuf, msglen,
                         "The query string is malformed: parameter names are lower-case words such as node or period.");
                return msgbuf;
            }
            if (url_decode(v) || !clean_utf8((const unsigned char *)v)) {
                snprintf(msgbuf, msglen,
                         "The query string is malformed: the value of '%s' has a bad %%-escape or is not UTF-8 text.", s);
                return msgbuf;
            }
            if (strlen(v) > 256) {
                snprintf(msgbuf, msglen, "The value of '%s' is longer than 256 bytes.", s);
                return msgbuf;
            }
            for (int i = 0; i < r->nargs; i++)
                if (!strcmp(r->keys[i], s)) {
                    snprintf(msgbuf, msglen, "The query string gives '%s' more than once.", s);
                    return msgbuf;
                }
            r->keys[r->nargs] = s;
            r->vals[r->nargs] = v;
            r->nargs++;
        }
        if (!amp)
            break;
        s = amp + 1;
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * Server-Sent Events
 * ------------------------------------------------------------------------ */

static void sse_push(sse_client_t *c, const char *s, size_t n)
{
    if (c->dead)
        return;
    if (c->len + n > SSE_MAX_BUFFER) {
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

static void sse_broadcast(web_t *w, const char *s)
{
    for (sse_client_t *c = w->sse; c; c = c->next)
        sse_push(c, s, strlen(s));
}

static ssize_t sse_reader(void *cls, uint64_t pos, char *out, size_t max)
{
    sse_client_t *c = cls;
    (void)pos;
    if (c->w->stopping || (c->dead && c->len == 0))
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
    sse_client_t *c = cls;
    web_t *w = c->w;
    for (sse_client_t **pp = &w->sse; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    w->nsse--;
    free(c->buf);
    free(c);
}

static struct MHD_Response *sse_open(web_t *w, struct MHD_Connection *conn)
{
    sse_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->w = w;
    c->conn = conn;
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_reader, c, sse_free);
    if (!resp) {
        free(c);
        return NULL;
    }
    c->next = w->sse;
    w->sse = c;
    w->nsse++;
    const char hello[] = "retry: 2000\n: cchc-web events\n\n";
    sse_push(c, hello, sizeof hello - 1);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned int)0);
    return resp;
}

static void on_heartbeat(uv_timer_t *t)
{
    web_t *w = t->data;
    sse_broadcast(w, ": ping\n\n");
}

/* ------------------------------------------------------------------------
 * EVENTs from the aggregator
 * ------------------------------------------------------------------------ */

static void mhd_kick(web_t *w);

static void on_event(zloop_sock_t *zs, zmq_msg_t *frames, int n, void *ud)
{
    web_t *w = ud;
    (void)zs;
    if (n != 2)
        return;
    proto_msg_t m;
    proto_error_t err;
    if (proto_decode(zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), &m, &err) || m.type != PROTO_EVENT) {
        proto_msg_free(&m);
        return;
    }
    const proto_event_t *e = &m.u.event;
    w->events_received++;
    if (e->version == 1) {
        if (e->on_time)
            w->events_on_time++;
        else
            w->events_late++;
    } else {
        w->events_corrections++;
    }
    w->last_event_seq = e->seq;
    w->last_event_delay = clock_now() - e->received_at;
    w->aggregator_up = true;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:b}", "seq", (json_int_t)e->seq, "unit", e->unit,
                          "submitter", e->submitter, "dataset", e->dataset, "period", e->period, "version",
                          (json_int_t)e->version, "received_at", (json_int_t)e->received_at, "on_time", e->on_time);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s) {
        buf_t b = {0};
        buf_printf(&b, "id: %llu\nevent: applied\ndata: %s\n\n", (unsigned long long)e->seq, s);
        if (b.p)
            sse_broadcast(w, b.p);
        buf_free(&b);
        free(s);
    }
    json_decref(j);
    proto_msg_free(&m);
    mhd_kick(w);
}

/* ------------------------------------------------------------------------
 * libmicrohttpd glue
 * ------------------------------------------------------------------------ */

static void on_mhd_timer(uv_timer_t *t);

static void mhd_kick(web_t *w)
{
    if (!w->mhd)
        return;
    MHD_run(w->mhd);
    MHD_UNSIGNED_LONG_LONG to = 0;
    uint64_t ms = 1000;
    if (MHD_get_timeout(w->mhd, &to) == MHD_YES)
        ms = to < 1000 ? (uint64_t)to : 1000;
    if (!w->stopping)
        uv_timer_start(&w->mhd_timer, on_mhd_timer, ms, 0);
}

static void on_mhd_timer(uv_timer_t *t) { mhd_kick(t->data); }

static void on_mhd_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    mhd_kick(p->data);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    web_t *w = cls;
    req_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->w = w;
    r->conn = conn;
    r->raw = strdup(uri ? uri : "");
    r->route = -1;
    r->t0 = clock_now_ms();
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    req_t *r = *con_cls;
    if (!r)
        return;
    free(r->raw);
    free(r);
    *con_cls = NULL;
}

static bool consttime_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static bool authorized(req_t *r)
{
    web_t *w = r->w;
    if (!w->token || !*w->token)
        return true;
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && !strncmp(h, "Bearer ", 7) && consttime_eq(h + 7, w->token))
        return true;
    const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "cchc_token");
    if (c && consttime_eq(c, w->token))
        return true;
    const char *t = req_arg(r, "token");
    if (t && consttime_eq(t, w->token)) {
        r->set_cookie = true;
        return true;
    }
    return false;
}

static int status_class(int s)
{
    return s >= 100 && s < 600 ? s / 100 - 1 : 5;
}

static enum MHD_Result send_resp(req_t *r, resp_t *o)
{
    struct MHD_Response *resp;
    if (o->file) {
        FILE *f = fopen(o->file, "rb");
        buf_t b = {0};
        if (f) {
            char tmp[8192];
            size_t n;
            while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
                buf_put(&b, tmp, n);
            fclose(f);
        }
        unlink(o->file);
        free(o->file);
        o->file = NULL;
        buf_free(&o->body);
        o->body = b;
    }
    resp = MHD_create_response_from_buffer(o->body.len, o->body.p ? o->body.p : (void *)"", MHD_RESPMEM_MUST_COPY);
    buf_free(&o->body);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", o->ctype ? o->ctype : "text/html; charset=utf-8");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                            "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'");
    if (o->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", o->disposition);
    if (o->location[0])
        MHD_add_response_header(resp, "Location", o->location);
    if (o->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"cchc\"");
    if (r->set_cookie) {
        buf_t c = {0};
        buf_printf(&c, "cchc_token=%s; Path=/; HttpOnly; SameSite=Strict", r->w->token);
        if (c.p)
            MHD_add_response_header(resp, "Set-Cookie", c.p);
        buf_free(&c);
    }
    enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)o->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    web_t *w = cls;
    (void)url;
    (void)version;
    (void)upload;
    req_t *r = *con_cls;
    if (!r)
        return MHD_NO;
    /* The first call comes with the headers only: answering then counts as
     * an early reply, after which libmicrohttpd closes the connection.
     * Answer on the next call, once the (empty) body has been read, so that
     * the connection can be kept alive. */
    if (!r->headers_seen) {
        r->headers_seen = true;
        return MHD_YES;
    }
    if (r->handled) {
        *upload_size = 0; /* a body we do not want: discard */
        return MHD_YES;
    }
    r->handled = true;
    *upload_size = 0; /* a body we do not want (only GET and HEAD are served): discard */
    resp_t o;
    memset(&o, 0, sizeof o);
    char msg[256];
    const char *bad;
    int nheaders = MHD_get_connection_values(conn, MHD_HEADER_KIND, NULL, NULL);
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        web_error(r, &o, 405, "Only GET and HEAD are allowed: cchc-web only reads.");
    } else if (strlen(r->raw) > MAX_URI) {
        web_error(r, &o, 414, "The request URI is too long.");
    } else if (nheaders > MAX_HEADERS) {
        web_error(r, &o, 431, "The request has too many header fields.");
    } else if ((bad = parse_uri(r, msg, sizeof msg))) {
        web_error(r, &o, 400, bad);
    } else {
        const char *lang = req_arg(r, "lang");
        r->en = lang ? !strcmp(lang, "en") : !strcmp(w->lang, "en");
        if (lang && strcmp(lang, "en") && strcmp(lang, "vi")) {
            web_error(r, &o, 400, "lang must be vi or en.");
        } else if (strcmp(r->path, "/healthz") && !authorized(r)) {
            web_error(r, &o, 401, "This server needs a bearer token (Authorization: Bearer ...).");
        } else if (!strcmp(r->path, "/events")) {
            r->route = web_nroutes;
            w->req_count[r->route][status_class(200)]++;
            struct MHD_Response *resp = sse_open(w, conn);
            if (!resp)
                return MHD_NO;
            enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
            MHD_destroy_response(resp);
            return rc;
        } else {
            for (int i = 0; i < web_nroutes; i++)
                if (!strcmp(r->path, web_routes[i].path)) {
                    r->route = i;
                    web_routes[i].fn(r, &o);
                    break;
                }
            if (r->route < 0)
                web_error(r, &o, 404, "There is no such page.");
        }
    }
    int ri = r->route >= 0 ? r->route : web_nroutes + 1;
    w->req_count[ri][status_class(o.status)]++;
    return send_resp(r, &o);
}

/* ------------------------------------------------------------------------
 * Metrics (Prometheus text format)
 * ------------------------------------------------------------------------ */

/* The collector's own counters: QUERY what=stats on its journal feed. */
static json_t *collector_stats(web_t *w)
{
    const char *ep = config_get(w->cfg, "web", "collector",
                                config_get(w->cfg, "collector", "journal_endpoint", "tcp://127.0.0.1:7101"));
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "stats");
    char err[256];
    return client_query(w->zctx, ep, w->query_timeout_ms, &q, err, sizeof err);
}

static void metrics_collector(buf_t *b, json_t *st)
{
    if (!st)
        return;
    buf_puts(b, "# HELP cchc_submissions_total Submissions answered by the collector since it started, by outcome.\n"
                "# TYPE cchc_submissions_total counter\n");
    buf_printf(b, "cchc_submissions_total{service=\"collector\",outcome=\"accepted\"} %lld\n",
               (long long)json_integer_value(json_object_get(st, "accepted")));
    buf_printf(b, "cchc_submissions_total{service=\"collector\",outcome=\"duplicate\"} %lld\n",
               (long long)json_integer_value(json_object_get(st, "duplicates")));
    buf_puts(b, "# HELP cchc_submissions_rejected_total Submissions refused (NACK) by the collector, by error code.\n"
                "# TYPE cchc_submissions_rejected_total counter\n");
    const char *code;
    json_t *n;
    json_object_foreach(json_object_get(st, "rejected_by_code"), code, n)
        buf_printf(b, "cchc_submissions_rejected_total{service=\"collector\",code=\"%s\"} %lld\n", code,
                   (long long)json_integer_value(n));
    buf_puts(b, "# HELP cchc_collector_queued Submissions waiting for their commit.\n# TYPE cchc_collector_queued gauge\n");
    buf_printf(b, "cchc_collector_queued{service=\"collector\"} %lld\n",
               (long long)json_integer_value(json_object_get(st, "queued")));
    buf_puts(b, "# HELP cchc_collector_commits_total Journal transactions (one fsync each).\n"
                "# TYPE cchc_collector_commits_total counter\n");
    buf_printf(b, "cchc_collector_commits_total{service=\"collector\"} %lld\n",
               (long long)json_integer_value(json_object_get(st, "commits")));
}

/* Reminders by outcome, read from the notifier's sent-log (read-only). */
static void metrics_notifier(web_t *w, buf_t *b)
{
    const char *dir = config_get(w->cfg, "notifier", "data_dir", "var/notifier");
    sentlog_t *sl;
    char err[256];
    sentlog_counts_t c;
    if (sentlog_open(dir, true, &sl, err, sizeof err))
        return; /* no notifier on this machine */
    int rc = sentlog_count(sl, &c);
    sentlog_close(&sl);
    if (rc)
        return;
    buf_puts(b, "# HELP cchc_reminders_total Reminders in the notifier's sent-log, by status.\n"
                "# TYPE cchc_reminders_total gauge\n");
    buf_printf(b, "cchc_reminders_total{service=\"notifier\",status=\"sent\"} %llu\n", (unsigned long long)c.sent);
    buf_printf(b, "cchc_reminders_total{service=\"notifier\",status=\"rejected\"} %llu\n",
               (unsigned long long)c.rejected);
    buf_printf(b, "cchc_reminders_total{service=\"notifier\",status=\"failed\"} %llu\n", (unsigned long long)c.failed);
}

void page_metrics(req_t *r, resp_t *o)
{
    web_t *w = r->w;
    buf_t *b = &o->body;
    o->status = 200;
    o->ctype = "text/plain; version=0.0.4; charset=utf-8";
    char err[256];
    bool down;
    json_t *info = web_query(w, "info", NULL, NULL, NULL, &down, err, sizeof err);
    buf_puts(b, "# HELP cchc_up Whether the service answered (web: this process; aggregator: a QUERY info).\n"
                "# TYPE cchc_up gauge\n");
    json_t *cstats = collector_stats(w);
    buf_printf(b, "cchc_up{service=\"web\"} 1\ncchc_up{service=\"aggregator\"} %d\ncchc_up{service=\"collector\"} %d\n",
               info ? 1 : 0, cstats ? 1 : 0);
    buf_puts(b, "# HELP cchc_start_time_seconds Start time of the process, Unix seconds.\n"
                "# TYPE cchc_start_time_seconds gauge\n");
    buf_printf(b, "cchc_start_time_seconds{service=\"web\"} %lld\n", (long long)w->started);
    if (info) {
        buf_puts(b, "# HELP cchc_aggregator_applied_seq The last journal sequence number the aggregator applied.\n"
                    "# TYPE cchc_aggregator_applied_seq gauge\n");
        buf_printf(b, "cchc_aggregator_applied_seq{service=\"aggregator\"} %lld\n",
                   (long long)json_integer_value(json_object_get(info, "applied")));
        json_t *head = json_object_get(info, "head");
        if (json_is_integer(head)) {
            buf_puts(b, "# HELP cchc_journal_length The journal's highest sequence number (collector).\n"
                        "# TYPE cchc_journal_length gauge\n");
            buf_printf(b, "cchc_journal_length{service=\"collector\"} %lld\n", (long long)json_integer_value(head));
            buf_puts(b, "# HELP cchc_aggregator_lag_records Journal entries not yet applied by the aggregator.\n"
                        "# TYPE cchc_aggregator_lag_records gauge\n");
            buf_printf(b, "cchc_aggregator_lag_records{service=\"aggregator\"} %lld\n",
                       (long long)(json_integer_value(head) - json_integer_value(json_object_get(info, "applied"))));
        }
        buf_puts(b, "# HELP cchc_catalog_units Units in the aggregator's catalog.\n# TYPE cchc_catalog_units gauge\n");
        buf_printf(b, "cchc_catalog_units{service=\"aggregator\"} %lld\n",
                   (long long)json_integer_value(json_object_get(info, "units")));
        json_decref(info);
    }
    metrics_collector(b, cstats);
    json_decref(cstats);
    metrics_notifier(w, b);
    buf_puts(b, "# HELP cchc_submissions_applied_total Submissions applied by the aggregator since cchc-web started "
                "(from its EVENTs), by kind.\n# TYPE cchc_submissions_applied_total counter\n");
    buf_printf(b,
               "cchc_submissions_applied_total{service=\"aggregator\",kind=\"on_time\"} %lu\n"
               "cchc_submissions_applied_total{service=\"aggregator\",kind=\"late\"} %lu\n"
               "cchc_submissions_applied_total{service=\"aggregator\",kind=\"correction\"} %lu\n",
               w->events_on_time, w->events_late, w->events_corrections);
    buf_puts(b, "# HELP cchc_aggregator_apply_delay_seconds Seconds between the collector receiving the last "
                "applied submission and its EVENT reaching cchc-web.\n"
                "# TYPE cchc_aggregator_apply_delay_seconds gauge\n");
    buf_printf(b, "cchc_aggregator_apply_delay_seconds{service=\"aggregator\"} %lld\n",
               (long long)w->last_event_delay);
    buf_puts(b, "# HELP cchc_web_query_duration_seconds Latency of QUERYs from cchc-web to the aggregator.\n"
                "# TYPE cchc_web_query_duration_seconds histogram\n");
    static const char *le[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.05", "0.25", "+Inf"};
    for (int i = 0; i < 8; i++)
        buf_printf(b, "cchc_web_query_duration_seconds_bucket{service=\"web\",le=\"%s\"} %lu\n", le[i],
                   w->query_buckets[i]);
    buf_printf(b, "cchc_web_query_duration_seconds_sum{service=\"web\"} %.6f\n", w->query_seconds);
    buf_printf(b, "cchc_web_query_duration_seconds_count{service=\"web\"} %lu\n", w->queries);
    buf_puts(b, "# HELP cchc_web_query_errors_total QUERYs that failed, by reason.\n"
                "# TYPE cchc_web_query_errors_total counter\n");
    buf_printf(b, "cchc_web_query_errors_total{service=\"web\",reason=\"refused\"} %lu\n",
               w->query_errors - (w->query_unavailable > w->query_errors ? w->query_errors : w->query_unavailable));
    buf_printf(b, "cchc_web_query_errors_total{service=\"web\",reason=\"unavailable\"} %lu\n", w->query_unavailable);
    buf_puts(b, "# HELP cchc_web_sse_clients Open Server-Sent-Events connections.\n# TYPE cchc_web_sse_clients gauge\n");
    buf_printf(b, "cchc_web_sse_clients{service=\"web\"} %d\n", w->nsse);
    buf_puts(b, "# HELP cchc_web_events_total EVENTs received from the aggregator.\n"
                "# TYPE cchc_web_events_total counter\n");
    buf_printf(b, "cchc_web_events_total{service=\"web\"} %lu\n", w->events_received);
    buf_puts(b, "# HELP cchc_web_requests_total HTTP requests answered, by route and status class.\n"
                "# TYPE cchc_web_requests_total counter\n");
    static const char *cls[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    for (int i = 0; i < web_nroutes + 2; i++) {
        const char *name = i < web_nroutes ? web_routes[i].name : i == web_nroutes ? "events" : "unknown";
        for (int k = 0; k < 6; k++)
            if (w->req_count[i][k] || (k == 1 && i < web_nroutes))
                buf_printf(b, "cchc_web_requests_total{service=\"web\",route=\"%s\",code=\"%s\"} %lu\n", name,
                           cls[k], w->req_count[i][k] + (r->route == i && k == 1 ? 1 : 0));
    }
}

/* ------------------------------------------------------------------------
 * Start and stop
 * ------------------------------------------------------------------------ */

static void on_closed_sock(zloop_sock_t *zs)
{
    zmq_close(zs->zsock);
}

static void web_stop(web_t *w)
{
    if (w->stopping)
        return;
    w->stopping = true;
    log_info("stopping");
    for (sse_client_t *c = w->sse; c; c = c->next)
        if (c->suspended) {
            c->suspended = false;
            MHD_resume_connection(c->conn);
        }
    if (w->mhd) {
        MHD_run(w->mhd);
        MHD_run(w->mhd);
    }
    uv_poll_stop(&w->mhd_poll);
    uv_close((uv_handle_t *)&w->mhd_poll, NULL);
    uv_close((uv_handle_t *)&w->mhd_timer, NULL);
    uv_close((uv_handle_t *)&w->heartbeat, NULL);
    uv_close((uv_handle_t *)&w->sigterm, NULL);
    uv_close((uv_handle_t *)&w->sigint, NULL);
    uv_close((uv_handle_t *)&w->sighup, NULL);
    if (w->sub)
        zloop_sock_close(&w->zsub, on_closed_sock);
    w->sub = NULL;
}

static void on_signal(uv_signal_t *h, int signum)
{
    (void)signum;
    web_stop(h->data);
}

/* SIGHUP: reload the catalog (a broken one is refused, the old one kept).
 * Everything runs on this one thread, so the swap is safe. */
static void on_hup(uv_signal_t *h, int signum)
{
    web_t *w = h->data;
    (void)signum;
    catalog_t *cat = service_load_catalog(config_get(w->cfg, "catalog", "dir", "deploy/catalog"));
    if (!cat) {
        log_error("SIGHUP: keeping the previous catalog");
        return;
    }
    catalog_destroy(&w->cat);
    w->cat = cat;
}

static int parse_listen(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535)
        return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &sa->sin_addr) != 1)
        return -1;
    return 0;
}

static int web_start(web_t *w)
{
    const config_t *cfg = w->cfg;
    const char *listen = config_get(cfg, "web", "listen", "127.0.0.1:8080");
    w->aggregator = config_get(cfg, "web", "aggregator",
                               config_get(cfg, "aggregator", "query_endpoint", "tcp://127.0.0.1:7102"));
    w->events = config_get(cfg, "web", "events",
                           config_get(cfg, "aggregator", "event_endpoint", "tcp://127.0.0.1:7103"));
    w->token = config_get(cfg, "web", "token", NULL);
    w->lang = config_get(cfg, "web", "lang", "vi");
    w->query_timeout_ms = (int)config_int(cfg, "web", "query_timeout_ms", 1000);
    int timeout_s = (int)config_int(cfg, "web", "timeout_s", 15);
    int max_conn = (int)config_int(cfg, "web", "max_connections", 256);
    struct sockaddr_in sa;
    if (parse_listen(listen, &sa)) {
        log_error("[web] listen = %s is not HOST:PORT with an IPv4 address (e.g. 127.0.0.1:8080)", listen);
        return -1;
    }
    w->zctx = zmq_ctx_new();
    client_conn_init(&w->agg, w->zctx, w->aggregator);
    w->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                              on_request, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              /* SO_REUSEADDR: a restart must not wait for the old connections' TIME_WAIT */
                              MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)timeout_s,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned int)max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)64,
                              MHD_OPTION_URI_LOG_CALLBACK, on_uri, w, MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
                              MHD_OPTION_END);
    if (!w->mhd) {
        log_error("cannot listen on %s: %s", listen, strerror(errno));
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(w->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (!di) {
        log_error("libmicrohttpd has no epoll descriptor");
        return -1;
    }
    uv_poll_init(w->loop, &w->mhd_poll, di->epoll_fd);
    w->mhd_poll.data = w;
    uv_poll_start(&w->mhd_poll, UV_READABLE, on_mhd_poll);
    uv_timer_init(w->loop, &w->mhd_timer);
    w->mhd_timer.data = w;
    uv_timer_init(w->loop, &w->heartbeat);
    w->heartbeat.data = w;
    uv_timer_start(&w->heartbeat, on_heartbeat, 15000, 15000);
    mhd_kick(w);

    w->sub = zmq_socket(w->zctx, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt(w->sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(w->sub, ZMQ_SUBSCRIBE, "", 0);
    int64_t maxmsg = 65536;
    zmq_setsockopt(w->sub, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (zmq_connect(w->sub, w->events)) {
        log_error("cannot connect to the aggregator's events %s: %s", w->events, zmq_strerror(errno));
        zmq_close(w->sub);
        w->sub = NULL;
    } else {
        zloop_sock_init(w->loop, &w->zsub, w->sub, on_event, w);
    }
    uv_signal_init(w->loop, &w->sigterm);
    uv_signal_init(w->loop, &w->sigint);
    uv_signal_init(w->loop, &w->sighup);
    w->sigterm.data = w->sigint.data = w->sighup.data = w;
    uv_signal_start(&w->sigterm, on_signal, SIGTERM);
    uv_signal_start(&w->sigint, on_signal, SIGINT);
    uv_signal_start(&w->sighup, on_hup, SIGHUP);
    log_info("listening on http://%s/ (aggregator %s, events %s%s)", listen, w->aggregator, w->events,
             w->token && *w->token ? ", bearer token required" : "");
    return 0;
}

int main(int argc, char **argv)
{
    service_args_t args = {.name = "web"};
    int rc = service_parse_args(argc, argv, &args, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    static web_t w;
    if (service_load(&args, argc, argv, &w.cfg, &w.cat))
        return 1;
    signal(SIGPIPE, SIG_IGN);
    w.loop = uv_default_loop();
    w.started = clock_now();
    int status = 0;
    if (web_start(&w) == 0) {
        uv_run(w.loop, UV_RUN_DEFAULT);
    } else {
        status = 1;
        w.stopping = true;
    }
    uv_run(w.loop, UV_RUN_DEFAULT);
    if (w.mhd)
        MHD_stop_daemon(w.mhd);
    if (w.sub)
        zmq_close(w.sub);
    client_conn_close(&w.agg);
    if (w.zctx)
        zmq_ctx_term(w.zctx);
    uv_loop_close(w.loop);
    catalog_destroy(&w.cat);
    config_destroy(&w.cfg);
    log_info("stopped");
    return status;
}
