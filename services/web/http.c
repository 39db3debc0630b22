/*
 * http.c -- libmicrohttpd inside the libuv loop: start and stop, the request
 * handler (checks, bearer token, routing) and sending answers (see http.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_internal.h"
#include "clock.h"
#include "log.h"

/* ------------------------------------------------------------------------
 * libmicrohttpd in the loop
 * ------------------------------------------------------------------------ */

static void on_mhd_timer(uv_timer_t *t);

void http__kick(http_t *h)
{
    if (!h->mhd)
        return;
    MHD_run(h->mhd);
    MHD_UNSIGNED_LONG_LONG to = 0;
    uint64_t ms = 1000;
    if (MHD_get_timeout(h->mhd, &to) == MHD_YES)
        ms = to < 1000 ? (uint64_t)to : 1000;
    if (!h->stopping)
        uv_timer_start(&h->timer, on_mhd_timer, ms, 0);
}

static void on_mhd_timer(uv_timer_t *t) { http__kick(t->data); }

static void on_mhd_poll(uv_poll_t *p, int status, int events)
{
    (void)status;
    (void)events;
    http__kick(p->data);
}

/* ------------------------------------------------------------------------
 * A request's life: created with its request line, freed when it ends
 * ------------------------------------------------------------------------ */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    req_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->h = cls;
    r->conn = conn;
    r->raw = strdup(uri ? uri : "");
    r->route = -1;
    r->t0 = clock_now_ms();
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    http__conn_idle(cls, conn);
    req_t *r = *con_cls;
    if (!r)
        return;
    if (r->ctx_free && r->ctx)
        r->ctx_free(r->ctx);
    if (r->pending) {
        resp_t *p = r->pending;
        buf_free(&p->body);
        if (p->file) {
            unlink(p->file);
            free(p->file);
        }
        free(p);
    }
    free(r->body);
    free(r->raw);
    free(r);
    *con_cls = NULL;
}

/* ------------------------------------------------------------------------
 * The bearer token
 * ------------------------------------------------------------------------ */

static bool consttime_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* The token as Authorization: Bearer, as the cookie, or as ?token= (which
 * sets the cookie, so that a browser needs it once). */
static bool authorized(req_t *r)
{
    const char *token = r->h->cfg.token;
    if (!token || !*token)
        return true;
    const char *a = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (a && !strncmp(a, "Bearer ", 7) && consttime_eq(a + 7, token))
        return true;
    const char *c = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "cchc_token");
    if (c && consttime_eq(c, token))
        return true;
    const char *t = http_arg(r, "token");
    if (t && consttime_eq(t, token)) {
        r->set_cookie = true;
        return true;
    }
    return false;
}

/* ------------------------------------------------------------------------
 * Answers
 * ------------------------------------------------------------------------ */

static int status_class(int s)
{
    return s >= 100 && s < 600 ? s / 100 - 1 : 5;
}

void http_error(req_t *r, resp_t *o, int status, const char *msg)
{
    r->h->cfg.error(r, o, status, msg);
}

/* Reads a file answer into the body (and deletes the file). */
static void load_file(resp_t *o)
{
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

static enum MHD_Result send_resp(req_t *r, resp_t *o)
{
    if (o->file)
        load_file(o);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(o->body.len, o->body.p ? o->body.p : (void *)"", MHD_RESPMEM_MUST_COPY);
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
    if (o->cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", o->cookie);
    if (o->status == 401)
        MHD_add_response_header(resp, "WWW-Authenticate", "Bearer realm=\"cchc\"");
    if (r->set_cookie) {
        buf_t c = {0};
        buf_printf(&c, "cchc_token=%s; Path=/; HttpOnly; SameSite=Strict", r->h->cfg.token);
        if (c.p)
            MHD_add_response_header(resp, "Set-Cookie", c.p);
        buf_free(&c);
    }
    enum MHD_Result rc = MHD_queue_response(r->conn, (unsigned)o->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* The SSE stream: counted as route "events", answered by http_sse.c. */
static enum MHD_Result open_events(req_t *r)
{
    http_t *h = r->h;
    r->route = h->cfg.nroutes;
    h->req_count[r->route][status_class(200)]++;
    struct MHD_Response *resp = http__sse_open(h, r);
    if (!resp)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* Checks the request, then hands it to its route.  Sets *events instead
 * when the request is for the SSE stream (the caller opens it). */
static void dispatch(req_t *r, const char *method, resp_t *o, bool *events)
{
    http_t *h = r->h;
    char msg[256];
    const char *bad;
    *events = false;
    int nheaders = MHD_get_connection_values(r->conn, MHD_HEADER_KIND, NULL, NULL);
    r->post = h->cfg.allow_post && !strcmp(method, "POST");
    if (strcmp(method, "GET") && strcmp(method, "HEAD") && !r->post) {
        http_error(r, o, 405, h->cfg.allow_post ? "Only GET, HEAD and POST are allowed."
                                                : "Only GET and HEAD are allowed: cchc-web only reads.");
        return;
    }
    if (r->body_too_big) {
        http_error(r, o, 413,
                   "Nội dung gửi lên quá lớn: một biểu mẫu tối đa 16 KiB (một ghi chú khoảng 340 chữ), một tệp tối đa "
                   "8 MiB. (The request body is too large: 16 KiB for a form, 8 MiB for a file.)");
        return;
    }
    if (strlen(r->raw) > HTTP_MAX_URI) {
        http_error(r, o, 414, "The request URI is too long.");
        return;
    }
    if (nheaders > HTTP_MAX_HEADERS) {
        http_error(r, o, 431, "The request has too many header fields.");
        return;
    }
    if ((bad = http__parse_uri(r, msg, sizeof msg))) {
        http_error(r, o, 400, bad);
        return;
    }
    const char *lang = http_arg(r, "lang");
    r->en = lang ? !strcmp(lang, "en") : h->cfg.en;
    if (r->post && (bad = http__is_upload(r) ? http__parse_upload(r) : http__parse_form(r, msg, sizeof msg))) {
        http_error(r, o, 400, bad);
        return;
    }
    if (lang && strcmp(lang, "en") && strcmp(lang, "vi")) {
        http_error(r, o, 400, "Tham số lang chỉ nhận vi hoặc en. (lang must be vi or en.)");
    } else if (!(r->token_ok = authorized(r) && h->cfg.token && *h->cfg.token) && !h->cfg.gate &&
               strcmp(r->path, "/healthz") && !authorized(r)) {
        http_error(r, o, 401, "This server needs a bearer token (Authorization: Bearer ...).");
    } else if (h->cfg.gate && h->cfg.gate(r, o)) {
        return;
    } else if (!strcmp(r->path, "/events")) {
        *events = true;
    } else {
        for (int i = 0; i < h->cfg.nroutes; i++)
            if (!strcmp(r->path, h->cfg.routes[i].path)) {
                r->route = i;
                h->cfg.routes[i].fn(r, o);
                break;
            }
        if (r->route < 0)
            http_error(r, o, 404, "There is no such page.");
    }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    http_t *h = cls;
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
    if (*upload_size) {
        /* keep a POST body (when POST is served), up to HTTP_MAX_BODY */
        if (h->cfg.allow_post && !strcmp(method, "POST") && http__body_append(r, upload, *upload_size))
            return MHD_NO;
        *upload_size = 0; /* otherwise: a body we do not want, discarded */
        return MHD_YES;
    }
    if (r->pending) { /* resumed: the deferred answer */
        resp_t *p = r->pending;
        r->pending = NULL;
        int slot = r->route >= 0 ? r->route : h->cfg.nroutes + 1;
        h->req_count[slot][status_class(p->status)]++;
        enum MHD_Result rc = send_resp(r, p);
        free(p);
        return rc;
    }
    if (r->handled)
        return MHD_YES;
    r->handled = true;
    http__conn_answered(conn); /* whatever happens below, a response is queued (or the connection closed) */
    resp_t o;
    memset(&o, 0, sizeof o);
    bool events;
    dispatch(r, method, &o, &events);
    if (events)
        return open_events(r);
    if (r->deferred)
        return MHD_YES;
    int slot = r->route >= 0 ? r->route : h->cfg.nroutes + 1;
    h->req_count[slot][status_class(o.status)]++;
    return send_resp(r, &o);
}

/* ------------------------------------------------------------------------
 * Start and stop
 * ------------------------------------------------------------------------ */

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

int http_start(http_t *h, uv_loop_t *loop, const http_config_t *cfg)
{
    h->cfg = *cfg;
    h->loop = loop;
    if (cfg->timeout_s < 1 || cfg->header_timeout_s < 1 || cfg->max_connections < 1) {
        log_error("[web] timeout_s, header_timeout_s and max_connections must be at least 1");
        return -1;
    }
    if (cfg->nroutes > HTTP_MAX_ROUTES) {
        log_error("the route table has %d routes, more than HTTP_MAX_ROUTES (%d)", cfg->nroutes, HTTP_MAX_ROUTES);
        return -1;
    }
    struct sockaddr_in sa;
    if (parse_listen(cfg->listen, &sa)) {
        log_error("[web] listen = %s is not HOST:PORT with an IPv4 address (e.g. 127.0.0.1:8080)", cfg->listen);
        return -1;
    }
    h->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                              on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              /* SO_REUSEADDR: a restart must not wait for the old connections' TIME_WAIT */
                              MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->timeout_s,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768, MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned int)cfg->max_connections,
                              /* the per-address limit and the request deadline: see http_conn.c */
                              MHD_OPTION_NOTIFY_CONNECTION, http__on_connection, h,
                              MHD_OPTION_URI_LOG_CALLBACK, on_uri, h, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                              MHD_OPTION_END);
    if (!h->mhd) {
        log_error("cannot listen on %s: %s", cfg->listen, strerror(errno));
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    if (!di) {
        log_error("libmicrohttpd has no epoll descriptor");
        MHD_stop_daemon(h->mhd);
        h->mhd = NULL;
        return -1;
    }
    uv_poll_init(loop, &h->poll, di->epoll_fd);
    h->poll.data = h;
    uv_poll_start(&h->poll, UV_READABLE, on_mhd_poll);
    uv_timer_init(loop, &h->timer);
    h->timer.data = h;
    uv_timer_init(loop, &h->deadline);
    h->deadline.data = h;
    uv_timer_init(loop, &h->heartbeat);
    h->heartbeat.data = h;
    uv_timer_start(&h->heartbeat, http__sse_heartbeat, 15000, 15000);
    h->started = true;
    http__kick(h);
    return 0;
}

void http_stop(http_t *h)
{
    if (!h->started || h->stopping)
        return;
    h->stopping = true;
    /* suspended SSE streams must run once more to end */
    http__sse_wake_all(h);
    MHD_run(h->mhd);
    MHD_run(h->mhd);
    uv_poll_stop(&h->poll);
    uv_close((uv_handle_t *)&h->poll, NULL);
    uv_close((uv_handle_t *)&h->timer, NULL);
    uv_close((uv_handle_t *)&h->deadline, NULL);
    uv_close((uv_handle_t *)&h->heartbeat, NULL);
}

void http_destroy(http_t *h)
{
    if (h->mhd)
        MHD_stop_daemon(h->mhd);
    h->mhd = NULL;
}

int http_route_slots(const http_t *h) { return h->cfg.nroutes + 2; }

const char *http_route_name(const http_t *h, int slot)
{
    if (slot >= 0 && slot < h->cfg.nroutes)
        return h->cfg.routes[slot].name;
    return slot == h->cfg.nroutes ? "events" : "unknown";
}
