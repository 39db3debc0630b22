/*
 * http_internal.h -- what the HTTP layer's files share among themselves
 * (http.c, http_req.c, http_conn.c, http_sse.c).  Not for pages.
 */
#ifndef CCHC_WEB_HTTP_INTERNAL_H
#define CCHC_WEB_HTTP_INTERNAL_H

#include "http.h"

/* Runs libmicrohttpd now and re-arms its timer (http.c). */
void http__kick(http_t *h);

/* ---- the request (http_req.c) --------------------------------------------- */

/* Splits r->raw into r->path and the arguments.  Returns NULL, or a
 * sentence (in msgbuf, or static) saying why the query string is malformed. */
const char *http__parse_uri(req_t *r, char *msgbuf, size_t msglen);
/* Parses r->body (a form) into r->fkeys/fvals; like http__parse_uri. */
const char *http__parse_form(req_t *r, char *msgbuf, size_t msglen);

/* Appends n bytes of a POST body to r->body (past HTTP_MAX_BODY it only
 * sets r->body_too_big).  Returns 0, or -1 out of memory (http_post.c). */
int http__body_append(req_t *r, const char *data, size_t n);

/* ---- connections: deadline and limits (http_conn.c) ------------------------ */

/* One TCP connection (libmicrohttpd's socket context), from accept to close.
 * A connection is "waiting" from its accept, or from the end of its previous
 * response, until a response to its next request is queued; a waiting
 * connection must get there within header_timeout_s whatever it sends
 * meanwhile, and is the first to be closed when its address or the server
 * is full. */
struct http_conn {
    http_conn_t *prev, *next;
    struct MHD_Connection *mc;
    uint32_t ip;                /* IPv4 address, network order */
    int64_t since_ms;           /* start of the current wait (monotonic ms) */
    bool answered;              /* a response is queued and not yet sent */
    bool closing;               /* shut down by us; libmicrohttpd will close it */
};

/* MHD_OPTION_NOTIFY_CONNECTION: tracks connections, applies the limits. */
void http__on_connection(void *cls, struct MHD_Connection *mc, void **ctx, enum MHD_ConnectionNotificationCode what);
/* A response is queued on mc: it no longer waits. */
void http__conn_answered(struct MHD_Connection *mc);
/* The response on mc has been sent (or the request ended): the wait for the
 * next request on the kept-alive connection starts now. */
void http__conn_idle(http_t *h, struct MHD_Connection *mc);

/* ---- Server-Sent Events (http_sse.c) ---------------------------------------- */

/* A response streaming events to conn, or NULL. */
struct MHD_Response *http__sse_open(http_t *h, req_t *r);
/* Wakes every suspended stream so that it can end (at stop). */
void http__sse_wake_all(http_t *h);
/* The heartbeat timer: ": ping" to every client. */
void http__sse_heartbeat(uv_timer_t *t);

#endif
