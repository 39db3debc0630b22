/*
 * web.h -- cchc-web internals: the server state, requests, text buffers.
 *
 * One libuv loop drives libmicrohttpd (epoll mode, no thread of its own),
 * the aggregator's EVENT feed (SUB socket through zloop) and timers.  Every
 * page is produced synchronously from QUERY answers (client_query with a
 * short timeout); nothing is written anywhere.
 */
#ifndef CCHC_WEB_H
#define CCHC_WEB_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "catalog.h"
#include "client.h"
#include "config.h"
#include "proto.h"
#include "zloop.h"

/* ---- growable text buffer ------------------------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} buf_t;

void buf_put(buf_t *b, const char *s, size_t n);
void buf_puts(buf_t *b, const char *s);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HTML-escapes s (& < > " ') */
void buf_esc(buf_t *b, const char *s);
/* Percent-encodes s for a URL query value. */
void buf_url(buf_t *b, const char *s);
void buf_free(buf_t *b);

/* ---- server state ------------------------------------------------------- */

#define WEB_MAX_ARGS 32
#define WEB_ROUTES 24

typedef struct sse_client sse_client_t;

typedef struct {
    uv_loop_t *loop;
    config_t *cfg;
    catalog_t *cat;
    void *zctx;
    struct MHD_Daemon *mhd;
    uv_poll_t mhd_poll;
    uv_timer_t mhd_timer, heartbeat;
    uv_signal_t sigterm, sigint, sighup;
    void *sub;
    zloop_sock_t zsub;
    bool stopping;

    const char *aggregator, *events, *token, *lang;
    client_conn_t agg;          /* the kept connection to the aggregator */
    int query_timeout_ms;
    int64_t down_until_ms;      /* fail fast after a failed query */
    char last_error[256];

    sse_client_t *sse;          /* list of SSE clients */
    int nsse;

    /* metrics */
    int64_t started;
    unsigned long req_count[WEB_ROUTES][6]; /* by route and status class (1xx..5xx, other) */
    unsigned long queries, query_errors, query_unavailable;
    double query_seconds;
    unsigned long query_buckets[8];
    unsigned long events_received, events_on_time, events_late, events_corrections;
    int64_t last_event_delay;   /* seconds between collector receipt and the EVENT */
    uint64_t last_event_seq;
    bool aggregator_up;
} web_t;

/* One request's parsed query string (percent-decoded). */
typedef struct {
    web_t *w;
    struct MHD_Connection *conn;
    char *raw;                  /* the raw request URI (owned) */
    char path[256];
    int nargs;
    char *keys[WEB_MAX_ARGS], *vals[WEB_MAX_ARGS];
    bool en;                    /* English */
    bool headers_seen;  /* the first call of on_request() (headers only) is over */
    bool handled;
    bool set_cookie;
    int route;
    int64_t t0;
} req_t;

/* What a handler produces. */
typedef struct {
    int status;
    const char *ctype;
    buf_t body;
    char *file;                 /* a file to send instead of body (deleted after) */
    char disposition[160];
    char location[512];
} resp_t;

const char *req_arg(const req_t *r, const char *key);

/* Asks the aggregator (counts latency and errors).  *unavailable tells a
 * transport failure (the aggregator is down) from a refusal. */
json_t *web_query(web_t *w, const char *what, const char *node, const char *dataset, const char *period,
                  bool *unavailable, char *err, size_t errlen);
json_t *web_query_q(web_t *w, const proto_query_t *q, bool *unavailable, char *err, size_t errlen);
/* web_query_q() with a typed answer (client_conn_ask(): the same codes). */
int web_ask_q(web_t *w, const proto_query_t *q, client_answer_t *ans /* OUT */, proto_error_t *err /* OUT */);

/* ---- pages (pages.c) ------------------------------------------------------ */

typedef void (*handler_fn)(req_t *r, resp_t *out);

typedef struct {
    const char *path;
    const char *name;           /* metrics label */
    handler_fn fn;
} route_t;

extern const route_t web_routes[];
extern const int web_nroutes;

void page_metrics(req_t *r, resp_t *out);

/* Sends an error page (HTML or JSON for /api/) with a sentence. */
void web_error(req_t *r, resp_t *out, int status, const char *msg);

#endif
