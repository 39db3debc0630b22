/*
 * http.h -- cchc-web's HTTP layer: libmicrohttpd inside the libuv loop, the
 * request and its strictly parsed query string, the route table, the bearer
 * token, Server-Sent Events and the connection limits.
 *
 * libmicrohttpd runs in epoll mode without a thread of its own: its epoll
 * descriptor is watched with a uv_poll and MHD_run() is called when it is
 * readable and when the timer set from MHD_get_timeout() fires.
 *
 * This layer knows nothing of pages, the catalog or the aggregator.  The
 * application gives it a route table, a function that renders error answers
 * and a pointer of its own (http_config_t.app).  Pages include this header;
 * nothing here includes theirs.
 */
#ifndef CCHC_WEB_HTTP_H
#define CCHC_WEB_HTTP_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"

#define HTTP_MAX_ARGS 32        /* query parameters in one request */
#define HTTP_MAX_ROUTES 40      /* entries of a route table */
#define HTTP_MAX_PER_ADDRESS 64 /* connections one client address may hold */
#define HTTP_MAX_HEADERS 64     /* header fields in one request (431 above) */
#define HTTP_MAX_URI 2048       /* bytes of request URI (414 above) */
#define HTTP_MAX_BODY 16384     /* bytes of a POST body (413 above) */
#define HTTP_MAX_FORM_VALUE 4096u /* bytes of one form value (400 above) */
#define HTTP_MAX_UPLOAD (8 << 20) /* bytes of a file upload on cfg.upload_path (413 above) */
#define HTTP_MAX_FORM 160       /* fields in one POST body (a report form has one per indicator and tag) */
#define HTTP_SSE_MAX_BUFFER 65536 /* events waiting for one SSE client before it is dropped */

typedef struct http http_t;
typedef struct http_conn http_conn_t;
typedef struct http_sse http_sse_t;

/* One request.  path, the arguments, en and route are for handlers to read;
 * the rest belongs to the HTTP layer. */
typedef struct {
    http_t *h;
    struct MHD_Connection *conn;
    char *raw;                  /* the raw request URI (owned) */
    char path[256];
    int nargs;
    char *keys[HTTP_MAX_ARGS], *vals[HTTP_MAX_ARGS]; /* percent-decoded, in request order */
    bool en;                    /* answer in English (lang=en, or the default) */
    int route;                  /* index in the route table; see http_route_name() */
    int64_t t0;
    bool headers_seen;          /* the first call of the request handler (headers only) is over */
    bool handled;               /* an answer is queued */
    bool set_cookie;            /* the token came as ?token=: answer with the cookie */
    bool token_ok;              /* the bearer token was given (and one is configured) */
    bool post;                  /* method POST: the form body is in body (see http_form()) */
    char *body;                 /* the request body (malloc'ed, NUL-terminated; at most HTTP_MAX_BODY) */
    size_t body_len, body_cap;
    bool body_too_big;
    int nform;
    char *fkeys[HTTP_MAX_FORM], *fvals[HTTP_MAX_FORM]; /* the parsed form body */
    const char *upload;         /* multipart POST to cfg.upload_path: the file's bytes (in body), or NULL */
    size_t upload_len;
    char upload_name[256];      /* the file's name as the browser gave it */
    void *ctx;                  /* the application's, for this request (freed with ctx_free) */
    void (*ctx_free)(void *ctx);
    bool deferred;              /* the handler suspended the request (http_defer()) */
    void *pending;              /* the answer given by http_resume() (resp_t *) */
} req_t;

/* What a handler produces.  The HTTP layer sends it and frees body and file. */
typedef struct {
    int status;
    const char *ctype;          /* static string; text/html when NULL */
    buf_t body;
    char *file;                 /* a file to send instead of body (malloc'ed path; deleted after) */
    char disposition[160];      /* Content-Disposition, when not empty */
    char location[512];         /* Location, when not empty */
    char cookie[256];           /* Set-Cookie, when not empty */
} resp_t;

/* A route's handler: reads r, fills out.  It must set out->status. */
typedef void http_handler_fn(req_t *r, resp_t *out);
/* Renders an error answer with a sentence (HTML or JSON, the application
 * decides).  Called for 400/401/404/405/414/431 found by this layer. */
typedef void http_error_fn(req_t *r, resp_t *out, int status, const char *msg);
/* Called for every request (after the checks, before its route, also for
 * /events; when set, a request without the bearer token is not refused by
 * this layer: the gate decides, reading r->token_ok); returns true after answering in out (a refusal, a redirect),
 * false to let the route answer. */
typedef bool http_gate_fn(req_t *r, resp_t *out);

/* Who may read which event of the SSE stream.  open() is called once per
 * stream, after the gate passed it, and returns the stream's state (NULL:
 * every event); may() is asked for each event with a topic and answers 1
 * (send it), 0 (not for this reader) or -1 (the reader's right is gone:
 * close the stream); close() frees the state.  Unset functions let all pass. */
typedef struct {
    void *(*open)(req_t *r);
    int (*may)(void *state, const char *topic);
    void (*close)(void *state);
} http_sse_filter_t;

typedef struct {
    const char *path;           /* exact match, no query string */
    const char *name;           /* label in cchc_web_requests_total */
    http_handler_fn *fn;
} http_route_t;

typedef struct {
    const char *listen;         /* "HOST:PORT", IPv4 */
    int timeout_s;              /* idle timeout of a connection */
    int header_timeout_s;       /* a request must be complete this long after accept or the previous answer */
    int max_connections;        /* open at once (HTTP_MAX_PER_ADDRESS from one address) */
    const char *token;          /* bearer token every route but /healthz needs; NULL or "" for none */
    bool en;                    /* English unless ?lang=vi */
    const http_route_t *routes; /* the route table (kept by the caller) */
    int nroutes;                /* at most HTTP_MAX_ROUTES */
    http_error_fn *error;
    http_gate_fn *gate;         /* NULL: none */
    bool allow_post;            /* POST with an application/x-www-form-urlencoded body */
    const char *upload_path;    /* the path that also takes multipart/form-data with a file (NULL: none) */
    http_sse_filter_t sse_filter;
    void *app;                  /* the application's own pointer, for handlers */
} http_config_t;

/* The server.  The caller allocates it (zeroed) and keeps it until
 * http_destroy(); the fields are read by metrics, written only here. */
struct http {
    http_config_t cfg;
    uv_loop_t *loop;
    struct MHD_Daemon *mhd;
    uv_poll_t poll;
    uv_timer_t timer;           /* MHD_get_timeout() */
    uv_timer_t heartbeat;       /* SSE ping */
    uv_timer_t deadline;        /* closes connections past header_timeout_s */
    bool started, stopping;
    http_conn_t *conns;         /* every open connection */
    http_sse_t *sse;            /* SSE clients */
    int nsse;
    /* metrics */
    unsigned long req_count[HTTP_MAX_ROUTES + 2][6]; /* by route (+ events, unknown) and status class */
    unsigned long conns_cut, conns_evicted;
};

/* Starts listening.  Returns 0, or -1 after logging why (bad listen
 * address, port in use, bad limits).  After -1 nothing needs closing. */
int http_start(http_t *h, uv_loop_t *loop, const http_config_t *cfg);
/* Ends the SSE streams and closes the layer's libuv handles (the loop then
 * runs out).  Harmless twice or before http_start(). */
void http_stop(http_t *h);
/* Stops libmicrohttpd and closes every connection; after the loop ran out. */
void http_destroy(http_t *h);

/* Sends s (one or more complete SSE events, or a ": comment") to every SSE
 * client that may read topic (the unit an event is about; NULL: everyone,
 * e.g. a ping), as cfg.sse_filter decides.  Not from inside a handler. */
void http_broadcast(http_t *h, const char *topic, const char *s);

/* The value of query parameter key, or NULL.  Owned by the request. */
const char *http_arg(const req_t *r, const char *key);
/* The value of form field key of a POST body (parsed as the query string
 * is), or NULL. */
const char *http_form(const req_t *r, const char *key);
/* The client's address as text ("127.0.0.1") into buf; returns buf. */
const char *http_peer(const req_t *r, char *buf, size_t len);

/* Suspends the request: the handler returns without an answer, and work
 * (e.g. uv_queue_work) goes on.  Later, on the loop thread, http_resume()
 * gives the answer (it takes out's body and file). */
void http_defer(req_t *r);
void http_resume(req_t *r, resp_t *out);

/* Renders an error answer through the configured http_error_fn. */
void http_error(req_t *r, resp_t *out, int status, const char *msg);

/* Route slots for metrics: 0..nroutes-1 are the table, then "events" (the
 * SSE stream) and "unknown" (no route).  http_route_slots() is nroutes + 2. */
int http_route_slots(const http_t *h);
const char *http_route_name(const http_t *h, int slot);

#endif
