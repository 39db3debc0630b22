/*
 * http_conn.c -- connections: the request deadline and the per-address and
 * global limits.
 *
 * libmicrohttpd's own timeout (MHD_OPTION_CONNECTION_TIMEOUT) counts idle
 * time only: a client that sends one header line every few seconds
 * (slowloris) is never idle and would hold its connection for ever.  So
 * every connection is tracked from accept (MHD_OPTION_NOTIFY_CONNECTION),
 * and one that has not had a response queued within header_timeout_s of
 * its accept, or of the end of its previous response, is shut down: its
 * socket gets shutdown(2), libmicrohttpd reads end-of-file and closes it
 * the ordinary way.  There is no call in libmicrohttpd 0.9.75 to close a
 * connection that has not reached the request handler.
 *
 * The per-address and global limits are counted here too rather than by
 * MHD_OPTION_PER_IP_CONNECTION_LIMIT, which refuses the newcomer: when an
 * address (or the server) is full, the oldest connection still waiting for
 * its request goes instead, so slow connections can only push each other
 * out, never a client that sends its request at once.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "http_internal.h"

static int64_t mono_ms(void) { return (int64_t)(uv_hrtime() / 1000000); }

static int64_t deadline_ms(const http_t *h) { return (int64_t)h->cfg.header_timeout_s * 1000; }

static http_conn_t *conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* Shuts the socket down; libmicrohttpd sees end-of-file and closes it. */
static void conn_cut(struct MHD_Connection *mc, http_conn_t *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci)
        shutdown(ci->connect_fd, SHUT_RDWR);
    if (c)
        c->closing = true;
}

/* The connection that has waited longest for its request, other than
 * `self`; only from address `ip` when same_ip.  NULL when none waits. */
static http_conn_t *conn_oldest_waiting(http_t *h, const http_conn_t *self, bool same_ip)
{
    http_conn_t *best = NULL;
    for (http_conn_t *c = h->conns; c; c = c->next)
        if (c != self && !c->answered && !c->closing && (!same_ip || c->ip == self->ip) &&
            (!best || c->since_ms < best->since_ms))
            best = c;
    return best;
}

static void on_deadline(uv_timer_t *t);

static void deadline_arm(http_t *h, int64_t in_ms)
{
    if (h->stopping)
        return;
    if (in_ms < 10)
        in_ms = 10;
    uv_timer_start(&h->deadline, on_deadline, (uint64_t)in_ms, 0);
}

/* Closes every waiting connection past its deadline; re-arms the timer for
 * the next one. */
static void on_deadline(uv_timer_t *t)
{
    http_t *h = t->data;
    int64_t now = mono_ms(), next = -1;
    bool cut = false;
    for (http_conn_t *c = h->conns; c; c = c->next) {
        if (c->answered || c->closing)
            continue;
        int64_t left = c->since_ms + deadline_ms(h) - now;
        if (left <= 0) {
            conn_cut(c->mc, c);
            h->conns_cut++;
            cut = true;
        } else if (next < 0 || left < next) {
            next = left;
        }
    }
    if (next >= 0)
        deadline_arm(h, next);
    if (cut)
        http__kick(h);
}

/* A new connection: track it, make room for it. */
static void conn_started(http_t *h, struct MHD_Connection *mc, void **ctx)
{
    http_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        conn_cut(mc, NULL);
        return;
    }
    c->mc = mc;
    c->since_ms = mono_ms();
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        c->ip = ((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr.s_addr;
    int same = 0, total = 0;
    for (http_conn_t *x = h->conns; x; x = x->next)
        if (!x->closing) {
            total++;
            same += x->ip == c->ip;
        }
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    *ctx = c;
    if (same >= HTTP_MAX_PER_ADDRESS) {
        /* the address is full: its longest-waiting connection goes, or this
         * one when all of them are being answered (e.g. SSE streams) */
        http_conn_t *v = conn_oldest_waiting(h, c, true);
        conn_cut(v ? v->mc : mc, v ? v : c);
        if (v)
            h->conns_evicted++;
    } else if (total + 1 >= h->cfg.max_connections) {
        /* libmicrohttpd accepts no more now: free a slot for the next one */
        http_conn_t *v = conn_oldest_waiting(h, c, false);
        if (v) {
            conn_cut(v->mc, v);
            h->conns_evicted++;
        }
    }
    if (!uv_is_active((uv_handle_t *)&h->deadline))
        deadline_arm(h, deadline_ms(h));
}

void http__on_connection(void *cls, struct MHD_Connection *mc, void **ctx, enum MHD_ConnectionNotificationCode what)
{
    http_t *h = cls;
    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_started(h, mc, ctx);
        return;
    }
    http_conn_t *c = *ctx;
    if (!c)
        return;
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
    *ctx = NULL;
}

void http__conn_answered(struct MHD_Connection *mc)
{
    http_conn_t *c = conn_of(mc);
    if (c)
        c->answered = true;
}

void http__conn_idle(http_t *h, struct MHD_Connection *mc)
{
    http_conn_t *c = conn_of(mc);
    if (!c)
        return;
    c->answered = false;
    c->since_ms = mono_ms();
    if (!uv_is_active((uv_handle_t *)&h->deadline))
        deadline_arm(h, deadline_ms(h));
}
