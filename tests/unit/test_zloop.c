/*
 * test_zloop.c -- a ZeroMQ socket inside a libuv loop (zloop.h), with real
 * loops and real sockets over inproc:// and tcp://127.0.0.1.
 *
 * Test names are "zloop-G.N what": 1 bursts queued before the loop runs,
 * 2 request/reply with sends from inside the receive callback, 3 multipart
 * limits, 4 closing, 5 burst slicing (timers and other sockets are not
 * starved), 6 sends that cannot block.
 *
 * Every test arms a watchdog timer: when it fires the loop is stopped and the
 * test fails instead of hanging.  Every test ends with uv_loop_close() == 0
 * (no handle left behind) and zmq_ctx_term() (no socket left open).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "zloop.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}
#define TESTP(name, fn, param) {name, fn, NULL, NULL, (void *)(param)}

#define WATCHDOG_MS 30000
#define CLIENT_TIMEOUT_MS 15000

/* ------------------------------------------------------------------------
 * Harness: a loop, a watchdog, a context
 * ------------------------------------------------------------------------ */

typedef struct {
    uv_loop_t loop;
    uv_timer_t watchdog;
    bool timed_out, finished;
    void *ctx;
} h_t;

static void on_watchdog(uv_timer_t *t)
{
    h_t *h = t->data;
    h->timed_out = true;
    uv_stop(t->loop);
}

static void h_init(h_t *h)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(uv_loop_init(&h->loop), 0);
    assert_int_equal(uv_timer_init(&h->loop, &h->watchdog), 0);
    h->watchdog.data = h;
    assert_int_equal(uv_timer_start(&h->watchdog, on_watchdog, WATCHDOG_MS, 0), 0);
    h->ctx = zmq_ctx_new();
    assert_non_null(h->ctx);
}

/* The work is done: release the watchdog so that the loop ends by itself
 * once the sockets' handles are closed. */
static void h_finish(h_t *h)
{
    if (h->finished)
        return;
    h->finished = true;
    uv_close((uv_handle_t *)&h->watchdog, NULL);
}

static void h_run(h_t *h, const char *what)
{
    int rc = uv_run(&h->loop, UV_RUN_DEFAULT);
    if (h->timed_out)
        fail_msg("%s: timed out after %d ms", what, WATCHDOG_MS);
    /* 0: no active handle is left (uv_stop was not needed). */
    assert_int_equal(rc, 0);
    assert_true(h->finished);
}

static void h_end(h_t *h)
{
    assert_int_equal(uv_loop_close(&h->loop), 0);
    assert_int_equal(zmq_ctx_term(h->ctx), 0);
}

static void *mksock(h_t *h, int type)
{
    void *s = zmq_socket(h->ctx, type);
    assert_non_null(s);
    int zero = 0;
    assert_int_equal(zmq_setsockopt(s, ZMQ_LINGER, &zero, sizeof zero), 0);
    /* unlimited queues: a burst is queued whole, sends never block */
    assert_int_equal(zmq_setsockopt(s, ZMQ_SNDHWM, &zero, sizeof zero), 0);
    assert_int_equal(zmq_setsockopt(s, ZMQ_RCVHWM, &zero, sizeof zero), 0);
    return s;
}

/* Binds server and connects client over "inproc" or "tcp" (127.0.0.1, port
 * 0: the kernel picks one, read back with ZMQ_LAST_ENDPOINT). */
static void link_pair(void *server, void *client, const char *transport)
{
    static int n;
    char ep[256];
    if (!strcmp(transport, "inproc")) {
        snprintf(ep, sizeof ep, "inproc://zloop-test-%d", n++);
        assert_int_equal(zmq_bind(server, ep), 0);
    } else {
        if (zmq_bind(server, "tcp://127.0.0.1:0") != 0)
            fail_msg("bind tcp://127.0.0.1:0: %s", zmq_strerror(zmq_errno()));
        size_t sz = sizeof ep;
        assert_int_equal(zmq_getsockopt(server, ZMQ_LAST_ENDPOINT, ep, &sz), 0);
        assert_non_null(strstr(ep, "tcp://127.0.0.1:"));
        assert_string_not_equal(ep, "tcp://127.0.0.1:0");
    }
    if (zmq_connect(client, ep) != 0)
        fail_msg("connect %s: %s", ep, zmq_strerror(zmq_errno()));
}

/* Waits (outside the loop) until s has input; this also consumes the fd's
 * edge, so the loop starts with a socket whose fd is not readable. */
static void wait_input(void *s)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    assert_int_equal(zmq_poll(&it, 1, CLIENT_TIMEOUT_MS), 1);
    uint32_t ev = 0;
    size_t sz = sizeof ev;
    assert_int_equal(zmq_getsockopt(s, ZMQ_EVENTS, &ev, &sz), 0);
    assert_true(ev & ZMQ_POLLIN);
}

/* The usual close_cb body: the handles are released, close the socket. */
static void close_zsock(zloop_sock_t *zs)
{
    assert_int_equal(zmq_close(zs->zsock), 0);
    zs->zsock = NULL;
}

static uint32_t frame_u32(zmq_msg_t *m, bool *ok)
{
    uint32_t v = 0;
    if (zmq_msg_size(m) != sizeof v) {
        *ok = false;
        return 0;
    }
    memcpy(&v, zmq_msg_data(m), sizeof v);
    return v;
}

/* ------------------------------------------------------------------------
 * 1. A burst queued before the loop runs
 * ------------------------------------------------------------------------ */

#define BURST_N 10000

typedef struct {
    h_t h;
    zloop_sock_t zs;
    unsigned got, bad;
    int closed;
} burst_t;

static void on_burst_closed(zloop_sock_t *zs)
{
    burst_t *b = zs->ud;
    close_zsock(zs);
    b->closed++;
}

static void burst_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    burst_t *b = ud;
    bool ok = n == 1;
    if (ok && frame_u32(&f[0], &ok) != b->got)
        ok = false;
    b->bad += !ok;
    if (++b->got == BURST_N) {
        zloop_sock_close(zs, on_burst_closed);
        h_finish(&b->h);
    }
}

static void burst(void **state)
{
    const char *transport = *state;
    burst_t b;
    memset(&b, 0, sizeof b);
    h_init(&b.h);
    void *pull = mksock(&b.h, ZMQ_PULL), *push = mksock(&b.h, ZMQ_PUSH);
    link_pair(pull, push, transport);
    for (uint32_t i = 0; i < BURST_N; i++)
        assert_int_equal(zmq_send(push, &i, sizeof i, ZMQ_DONTWAIT), sizeof i);
    wait_input(pull);
    assert_int_equal(zloop_sock_init(&b.h.loop, &b.zs, pull, burst_cb, &b), 0);
    h_run(&b.h, "burst");
    assert_int_equal(b.got, BURST_N);
    assert_int_equal(b.bad, 0);
    assert_int_equal(b.closed, 1);
    assert_int_equal(b.zs.received, BURST_N);
    assert_int_equal(b.zs.dropped, 0);
    zmq_close(push);
    h_end(&b.h);
}

/* ------------------------------------------------------------------------
 * 2. Request/reply: the loop-side ROUTER replies from inside the callback
 * ------------------------------------------------------------------------ */

#define ECHO_N 5000

/* Echoes a message back to its sender, moving the frames (identity first). */
static void router_cb(zloop_sock_t *zs, zmq_msg_t *frames, int n, void *ud)
{
    unsigned *echoed = ud;
    zmq_msg_t out[ZLOOP_MAX_FRAMES];
    for (int i = 0; i < n; i++) {
        zmq_msg_init(&out[i]);
        zmq_msg_move(&out[i], &frames[i]);
    }
    if (zloop_send_frames(zs, out, n) == 0)
        (*echoed)++;
}

typedef struct {
    const char *transport;
    unsigned window; /* requests in flight */
} echo_param_t;

typedef struct {
    h_t h;
    zloop_sock_t router;
    unsigned echoed;
    void *dealer;
    unsigned window;
    uv_async_t done;
    /* written by the client thread, read after join */
    unsigned client_sent, client_got, client_bad;
    int client_errno;
    int closed;
} echo_t;

static void on_router_closed(zloop_sock_t *zs)
{
    echo_t *e = (echo_t *)((char *)zs - offsetof(echo_t, router));
    close_zsock(zs);
    e->closed++;
}

static void on_client_done(uv_async_t *a)
{
    echo_t *e = a->data;
    zloop_sock_close(&e->router, on_router_closed);
    uv_close((uv_handle_t *)a, NULL);
    h_finish(&e->h);
}

/* The client, in its own thread with blocking calls: keeps `window`
 * requests in flight until ECHO_N replies came back, in order. */
static void *client_main(void *arg)
{
    echo_t *e = arg;
    unsigned sent = 0, got = 0;
    while (got < ECHO_N) {
        while (sent < ECHO_N && sent - got < e->window) {
            if (zmq_send(e->dealer, &sent, sizeof sent, 0) != sizeof sent) {
                e->client_errno = zmq_errno();
                goto out;
            }
            sent++;
        }
        uint32_t v;
        int rc = zmq_recv(e->dealer, &v, sizeof v, 0);
        if (rc != sizeof v) {
            e->client_errno = rc < 0 ? zmq_errno() : EPROTO;
            goto out;
        }
        e->client_bad += v != got;
        got++;
    }
out:
    e->client_sent = sent;
    e->client_got = got;
    uv_async_send(&e->done);
    return NULL;
}

static void echo_thread(void **state)
{
    const echo_param_t *p = *state;
    echo_t e;
    memset(&e, 0, sizeof e);
    h_init(&e.h);
    e.window = p->window;
    void *router = mksock(&e.h, ZMQ_ROUTER);
    e.dealer = mksock(&e.h, ZMQ_DEALER);
    int tmo = CLIENT_TIMEOUT_MS;
    assert_int_equal(zmq_setsockopt(e.dealer, ZMQ_RCVTIMEO, &tmo, sizeof tmo), 0);
    assert_int_equal(zmq_setsockopt(e.dealer, ZMQ_SNDTIMEO, &tmo, sizeof tmo), 0);
    link_pair(router, e.dealer, p->transport);
    assert_int_equal(zloop_sock_init(&e.h.loop, &e.router, router, router_cb, &e.echoed), 0);
    assert_int_equal(uv_async_init(&e.h.loop, &e.done, on_client_done), 0);
    e.done.data = &e;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, client_main, &e), 0);
    h_run(&e.h, "echo");
    assert_int_equal(pthread_join(th, NULL), 0);
    if (e.client_errno)
        fail_msg("client stopped after %u replies of %u: %s", e.client_got, ECHO_N, zmq_strerror(e.client_errno));
    assert_int_equal(e.client_sent, ECHO_N);
    assert_int_equal(e.client_got, ECHO_N);
    assert_int_equal(e.client_bad, 0);
    assert_int_equal(e.echoed, ECHO_N);
    assert_int_equal(e.router.received, ECHO_N);
    assert_int_equal(e.closed, 1);
    zmq_close(e.dealer);
    h_end(&e.h);
}

/* Both ends in the loop: the DEALER sends its next request from inside its
 * receive callback, the ROUTER replies from inside its own. */
typedef struct {
    h_t h;
    zloop_sock_t router, dealer;
    unsigned echoed, sent, got, bad, send_errors;
    int closed;
} pingpong_t;

static pingpong_t *g_pp;

static void on_pp_closed(zloop_sock_t *zs)
{
    close_zsock(zs);
    g_pp->closed++;
}

static void pp_send(pingpong_t *p)
{
    const void *bufs[1] = {&p->sent};
    size_t lens[1] = {sizeof p->sent};
    if (zloop_send(&p->dealer, bufs, lens, 1) == 0)
        p->sent++;
    else
        p->send_errors++;
}

static void dealer_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    pingpong_t *p = ud;
    bool ok = n == 1;
    if (ok && frame_u32(&f[0], &ok) != p->got)
        ok = false;
    p->bad += !ok;
    p->got++;
    if (p->got == ECHO_N) {
        zloop_sock_close(&p->dealer, on_pp_closed);
        zloop_sock_close(&p->router, on_pp_closed);
        h_finish(&p->h);
    } else if (p->sent < ECHO_N) {
        pp_send(p);
    }
}

static void echo_in_loop(void **state)
{
    const echo_param_t *param = *state;
    pingpong_t p;
    memset(&p, 0, sizeof p);
    g_pp = &p;
    h_init(&p.h);
    void *router = mksock(&p.h, ZMQ_ROUTER), *dealer = mksock(&p.h, ZMQ_DEALER);
    link_pair(router, dealer, param->transport);
    assert_int_equal(zloop_sock_init(&p.h.loop, &p.router, router, router_cb, &p.echoed), 0);
    assert_int_equal(zloop_sock_init(&p.h.loop, &p.dealer, dealer, dealer_cb, &p), 0);
    for (unsigned i = 0; i < param->window; i++)
        pp_send(&p);
    h_run(&p.h, "in-loop echo");
    assert_int_equal(p.send_errors, 0);
    assert_int_equal(p.sent, ECHO_N);
    assert_int_equal(p.got, ECHO_N);
    assert_int_equal(p.bad, 0);
    assert_int_equal(p.echoed, ECHO_N);
    assert_int_equal(p.closed, 2);
    h_end(&p.h);
    g_pp = NULL;
}

/* A send made outside the socket's own receive callback (here from a timer,
 * as a service answers after its work is done) reads the socket's pending
 * commands, and with them the signal of a request that has just arrived: the
 * fd is no longer readable although a message waits.  zloop re-checks
 * ZMQ_EVENTS after every send; without that the request is stranded and
 * this test times out.  (Sends from inside the callback are covered by the
 * drain loop's own re-check.) */
#define STRAND_ROUNDS 20

typedef struct {
    h_t h;
    zloop_sock_t router;
    void *dealer;
    uv_timer_t t;
    zmq_msg_t identity;
    bool have_identity;
    unsigned got, bad;
    int closed;
} strand_t;

static void on_strand_closed(zloop_sock_t *zs)
{
    strand_t *s = (strand_t *)((char *)zs - offsetof(strand_t, router));
    close_zsock(zs);
    s->closed++;
}

static void strand_round(uv_timer_t *t)
{
    strand_t *s = t->data;
    uint32_t k = s->got;
    /* the request: over inproc its arrival is signalled at once */
    if (zmq_send(s->dealer, &k, sizeof k, ZMQ_DONTWAIT) != sizeof k)
        s->bad++;
    /* libzmq reads a socket's commands on send at most once a millisecond */
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
    /* an unsolicited message to the client, sent from outside the callback */
    if (k % 2) {
        const void *bufs[2] = {zmq_msg_data(&s->identity), "tick"};
        size_t lens[2] = {zmq_msg_size(&s->identity), 4};
        if (zloop_send(&s->router, bufs, lens, 2) != 0)
            s->bad++;
    } else {
        zmq_msg_t fr[2];
        zmq_msg_init(&fr[0]);
        zmq_msg_copy(&fr[0], &s->identity);
        zmq_msg_init_size(&fr[1], 4);
        memcpy(zmq_msg_data(&fr[1]), "tock", 4);
        if (zloop_send_frames(&s->router, fr, 2) != 0)
            s->bad++;
    }
}

static void strand_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    strand_t *s = ud;
    bool ok = n == 2;
    if (ok && frame_u32(&f[1], &ok) != s->got)
        ok = false;
    s->bad += !ok;
    if (n >= 1 && !s->have_identity) {
        zmq_msg_init(&s->identity);
        zmq_msg_copy(&s->identity, &f[0]);
        s->have_identity = true;
    }
    if (++s->got == STRAND_ROUNDS + 1) {
        zloop_sock_close(zs, on_strand_closed);
        uv_close((uv_handle_t *)&s->t, NULL);
        h_finish(&s->h);
    } else {
        uv_timer_start(&s->t, strand_round, 1, 0);
    }
}

static void send_outside_callback(void **state)
{
    strand_t s;
    memset(&s, 0, sizeof s);
    h_init(&s.h);
    void *router = mksock(&s.h, ZMQ_ROUTER);
    s.dealer = mksock(&s.h, ZMQ_DEALER);
    link_pair(router, s.dealer, "inproc");
    uint32_t zero = 0;
    assert_int_equal(zmq_send(s.dealer, &zero, sizeof zero, ZMQ_DONTWAIT), sizeof zero);
    assert_int_equal(zloop_sock_init(&s.h.loop, &s.router, router, strand_cb, &s), 0);
    uv_timer_init(&s.h.loop, &s.t);
    s.t.data = &s;
    h_run(&s.h, "send outside the callback");
    assert_int_equal(s.got, STRAND_ROUNDS + 1);
    assert_int_equal(s.bad, 0);
    assert_int_equal(s.closed, 1);
    /* the client got every unsolicited message */
    char buf[8];
    int ticks = 0;
    while (zmq_recv(s.dealer, buf, sizeof buf, ZMQ_DONTWAIT) == 4)
        ticks++;
    assert_int_equal(ticks, STRAND_ROUNDS);
    zmq_msg_close(&s.identity);
    zmq_close(s.dealer);
    h_end(&s.h);
}

/* ------------------------------------------------------------------------
 * 3. Multipart limits
 * ------------------------------------------------------------------------ */

typedef struct {
    h_t h;
    zloop_sock_t zs;
    int calls;
    int nframes[8];
    char first[8][8], last[8][8];
    bool cut[8]; /* zs->truncated during the call */
    int closed;
} multi_t;

static void on_multi_closed(zloop_sock_t *zs)
{
    multi_t *m = zs->ud;
    close_zsock(zs);
    m->closed++;
}

static void copy_frame(char *dst, zmq_msg_t *m)
{
    size_t n = zmq_msg_size(m) < 7 ? zmq_msg_size(m) : 7;
    memcpy(dst, zmq_msg_data(m), n);
    dst[n] = '\0';
}

static void multi_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    multi_t *m = ud;
    if (m->calls < 8) {
        m->nframes[m->calls] = n;
        m->cut[m->calls] = zs->truncated;
        copy_frame(m->first[m->calls], &f[0]);
        copy_frame(m->last[m->calls], &f[n - 1]);
    }
    m->calls++;
    if (n == 1 && zmq_msg_size(&f[0]) == 3 && !memcmp(zmq_msg_data(&f[0]), "end", 3)) {
        zloop_sock_close(zs, on_multi_closed);
        h_finish(&m->h);
    }
}

static void send_parts(void *s, const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char buf[16];
        int len = snprintf(buf, sizeof buf, "%s%d", prefix, i);
        assert_int_equal(zmq_send(s, buf, (size_t)len, ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0)), len);
    }
}

static void multipart(void **state)
{
    const char *transport = *state;
    multi_t m;
    memset(&m, 0, sizeof m);
    h_init(&m.h);
    void *pull = mksock(&m.h, ZMQ_PULL), *push = mksock(&m.h, ZMQ_PUSH);
    link_pair(pull, push, transport);
    send_parts(push, "a", ZLOOP_MAX_FRAMES + 1); /* dropped */
    send_parts(push, "b", ZLOOP_MAX_FRAMES);     /* the most that is delivered */
    send_parts(push, "c", 1);
    send_parts(push, "d", 100); /* dropped */
    send_parts(push, "e", 2);
    assert_int_equal(zmq_send(push, "end", 3, ZMQ_DONTWAIT), 3);
    wait_input(pull);
    assert_int_equal(zloop_sock_init(&m.h.loop, &m.zs, pull, multi_cb, &m), 0);
    h_run(&m.h, "multipart");
    assert_int_equal(m.calls, 4);
    assert_int_equal(m.zs.dropped, 2);
    assert_int_equal(m.zs.received, 4);
    assert_int_equal(m.nframes[0], ZLOOP_MAX_FRAMES);
    assert_string_equal(m.first[0], "b0");
    char want[8];
    snprintf(want, sizeof want, "b%d", ZLOOP_MAX_FRAMES - 1);
    assert_string_equal(m.last[0], want);
    assert_int_equal(m.nframes[1], 1);
    assert_string_equal(m.first[1], "c0");
    assert_int_equal(m.nframes[2], 2);
    assert_string_equal(m.first[2], "e0");
    assert_string_equal(m.last[2], "e1");
    assert_int_equal(m.nframes[3], 1);
    assert_int_equal(m.closed, 1);
    zmq_close(push);
    h_end(&m.h);
}

/* With keep_long, a message too long is handed over cut, and marked. */
static void multipart_cut(void **state)
{
    (void)state;
    multi_t m;
    memset(&m, 0, sizeof m);
    h_init(&m.h);
    void *pull = mksock(&m.h, ZMQ_PULL), *push = mksock(&m.h, ZMQ_PUSH);
    link_pair(pull, push, "inproc");
    send_parts(push, "a", ZLOOP_MAX_FRAMES + 5);
    send_parts(push, "b", ZLOOP_MAX_FRAMES);
    assert_int_equal(zmq_send(push, "end", 3, ZMQ_DONTWAIT), 3);
    wait_input(pull);
    assert_int_equal(zloop_sock_init(&m.h.loop, &m.zs, pull, multi_cb, &m), 0);
    m.zs.keep_long = true;
    h_run(&m.h, "multipart_cut");
    assert_int_equal(m.calls, 3);
    assert_int_equal(m.zs.dropped, 0);
    assert_int_equal(m.nframes[0], ZLOOP_MAX_FRAMES);
    assert_string_equal(m.first[0], "a0");
    char want[8];
    snprintf(want, sizeof want, "a%d", ZLOOP_MAX_FRAMES - 1);
    assert_string_equal(m.last[0], want);
    assert_true(m.cut[0]);
    assert_int_equal(m.nframes[1], ZLOOP_MAX_FRAMES);
    assert_false(m.cut[1]); /* exactly ZLOOP_MAX_FRAMES is whole */
    assert_false(m.cut[2]);
    assert_false(m.zs.truncated);
    zmq_close(push);
    h_end(&m.h);
}

/* ------------------------------------------------------------------------
 * 4. Closing
 * ------------------------------------------------------------------------ */

typedef struct {
    h_t h;
    zloop_sock_t zs;
    int calls, closed;
    bool close_in_cb;
} closer_t;

static void on_closer_closed(zloop_sock_t *zs)
{
    closer_t *c = zs->ud;
    /* the caller may now close the ZeroMQ socket and free the memory */
    assert_int_equal(zmq_close(zs->zsock), 0);
    zs->zsock = NULL;
    c->closed++;
    h_finish(&c->h);
}

static void closer_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    closer_t *c = ud;
    c->calls++;
    zloop_sock_close(zs, on_closer_closed);
    zloop_sock_close(zs, on_closer_closed); /* twice is harmless */
}

/* Closed from inside the receive callback with 99 more messages queued:
 * no further callback, close_cb once, the loop ends by itself. */
static void close_in_callback(void **state)
{
    const char *transport = *state;
    closer_t c;
    memset(&c, 0, sizeof c);
    h_init(&c.h);
    void *pull = mksock(&c.h, ZMQ_PULL), *push = mksock(&c.h, ZMQ_PUSH);
    link_pair(pull, push, transport);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(zmq_send(push, &i, sizeof i, ZMQ_DONTWAIT), sizeof i);
    wait_input(pull);
    assert_int_equal(zloop_sock_init(&c.h.loop, &c.zs, pull, closer_cb, &c), 0);
    h_run(&c.h, "close in callback");
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.closed, 1);
    assert_int_equal(c.zs.received, 1);
    assert_null(c.zs.zsock);
    zmq_close(push);
    h_end(&c.h);
}

/* Closed before the loop ever runs, with messages waiting. */
static void close_before_run(void **state)
{
    closer_t c;
    memset(&c, 0, sizeof c);
    h_init(&c.h);
    void *pull = mksock(&c.h, ZMQ_PULL), *push = mksock(&c.h, ZMQ_PUSH);
    link_pair(pull, push, "inproc");
    for (uint32_t i = 0; i < 10; i++)
        assert_int_equal(zmq_send(push, &i, sizeof i, ZMQ_DONTWAIT), sizeof i);
    assert_int_equal(zloop_sock_init(&c.h.loop, &c.zs, pull, closer_cb, &c), 0);
    zloop_sock_close(&c.zs, on_closer_closed);
    zloop_sock_close(&c.zs, NULL);
    h_run(&c.h, "close before run");
    assert_int_equal(c.calls, 0);
    assert_int_equal(c.closed, 1);
    zmq_close(push);
    h_end(&c.h);
}

/* Closed from a timer while idle, then the loop is reused for a new socket
 * on the same ZeroMQ endpoint. */
typedef struct {
    h_t h;
    zloop_sock_t zs;
    uv_timer_t t;
    int closed, calls;
} idle_close_t;

static void on_ic_closed(zloop_sock_t *zs)
{
    idle_close_t *ic = zs->ud;
    close_zsock(zs);
    ic->closed++;
    h_finish(&ic->h);
}

static void ic_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    ((idle_close_t *)ud)->calls++;
}

static void on_ic_timer(uv_timer_t *t)
{
    idle_close_t *ic = t->data;
    zloop_sock_close(&ic->zs, on_ic_closed);
    uv_close((uv_handle_t *)t, NULL);
}

static void close_from_timer(void **state)
{
    idle_close_t ic;
    memset(&ic, 0, sizeof ic);
    h_init(&ic.h);
    void *pull = mksock(&ic.h, ZMQ_PULL);
    assert_int_equal(zmq_bind(pull, "tcp://127.0.0.1:0"), 0);
    assert_int_equal(zloop_sock_init(&ic.h.loop, &ic.zs, pull, ic_cb, &ic), 0);
    uv_timer_init(&ic.h.loop, &ic.t);
    ic.t.data = &ic;
    uv_timer_start(&ic.t, on_ic_timer, 20, 0);
    h_run(&ic.h, "close from timer");
    assert_int_equal(ic.closed, 1);
    assert_int_equal(ic.calls, 0);
    h_end(&ic.h);
}

/* ------------------------------------------------------------------------
 * 5. Burst slicing
 * ------------------------------------------------------------------------ */

#define SLICE_N 2000

typedef struct {
    h_t h;
    zloop_sock_t zs;
    uv_timer_t tick;
    unsigned got, bad;
    unsigned fires[SLICE_N];
    unsigned nfires;
    int closed;
} slice_t;

static void on_slice_closed(zloop_sock_t *zs)
{
    slice_t *s = zs->ud;
    close_zsock(zs);
    s->closed++;
}

static void on_tick(uv_timer_t *t)
{
    slice_t *s = t->data;
    s->fires[s->nfires++] = s->got;
}

static void slice_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    slice_t *s = ud;
    bool ok = n == 1;
    if (ok && frame_u32(&f[0], &ok) != s->got)
        ok = false;
    s->bad += !ok;
    s->got++;
    /* a timer due at once: it runs as soon as the loop gets to timers */
    if (!uv_is_active((uv_handle_t *)&s->tick))
        uv_timer_start(&s->tick, on_tick, 0, 0);
    if (s->got == SLICE_N) {
        zloop_sock_close(zs, on_slice_closed);
        uv_close((uv_handle_t *)&s->tick, NULL);
        h_finish(&s->h);
    }
}

static void burst_slicing(void **state)
{
    slice_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    h_init(&s->h);
    void *pull = mksock(&s->h, ZMQ_PULL), *push = mksock(&s->h, ZMQ_PUSH);
    link_pair(pull, push, "inproc");
    for (uint32_t i = 0; i < SLICE_N; i++)
        assert_int_equal(zmq_send(push, &i, sizeof i, ZMQ_DONTWAIT), sizeof i);
    wait_input(pull);
    assert_int_equal(zloop_sock_init(&s->h.loop, &s->zs, pull, slice_cb, s), 0);
    uv_timer_init(&s->h.loop, &s->tick);
    s->tick.data = s;
    h_run(&s->h, "burst slicing");
    assert_int_equal(s->got, SLICE_N);
    assert_int_equal(s->bad, 0);
    unsigned burst = s->zs.burst;
    assert_true(burst > 0 && burst < SLICE_N / 2);
    /* The timer ran while messages were still waiting, at slice boundaries
     * (never in the middle of a slice), more than once. */
    if (s->nfires < 2)
        fail_msg("the timer ran %u times during a burst of %d (slices of %u)", s->nfires, SLICE_N, burst);
    for (unsigned i = 0; i < s->nfires; i++) {
        if (s->fires[i] == 0 || s->fires[i] >= SLICE_N || s->fires[i] % burst != 0)
            fail_msg("timer %u ran after %u messages (slices of %u)", i, s->fires[i], burst);
        if (i > 0 && s->fires[i] <= s->fires[i - 1])
            fail_msg("timer %u ran after %u messages, the previous after %u", i, s->fires[i], s->fires[i - 1]);
    }
    assert_true(s->fires[0] <= 2 * burst);
    assert_int_equal(s->closed, 1);
    zmq_close(push);
    h_end(&s->h);
    free(s);
}

/* Two sockets with a burst each: they take turns, neither finishes before
 * the other has started. */
typedef struct {
    h_t *h;
    zloop_sock_t zs;
    unsigned got, other_at_finish;
    struct two_t *two;
    int closed;
} side_t;

typedef struct two_t {
    h_t h;
    side_t a, b;
    int done;
} two_t;

static void on_side_closed(zloop_sock_t *zs)
{
    side_t *s = zs->ud;
    close_zsock(zs);
    s->closed++;
}

static void side_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    side_t *s = ud;
    side_t *other = s == &s->two->a ? &s->two->b : &s->two->a;
    if (++s->got == SLICE_N) {
        s->other_at_finish = other->got;
        zloop_sock_close(zs, on_side_closed);
        if (++s->two->done == 2)
            h_finish(&s->two->h);
    }
}

static void two_sockets(void **state)
{
    two_t t;
    memset(&t, 0, sizeof t);
    h_init(&t.h);
    side_t *sides[2] = {&t.a, &t.b};
    void *pushes[2];
    for (int i = 0; i < 2; i++) {
        void *pull = mksock(&t.h, ZMQ_PULL);
        pushes[i] = mksock(&t.h, ZMQ_PUSH);
        link_pair(pull, pushes[i], "inproc");
        for (uint32_t k = 0; k < SLICE_N; k++)
            assert_int_equal(zmq_send(pushes[i], &k, sizeof k, ZMQ_DONTWAIT), sizeof k);
        wait_input(pull);
        sides[i]->two = &t;
        assert_int_equal(zloop_sock_init(&t.h.loop, &sides[i]->zs, pull, side_cb, sides[i]), 0);
    }
    h_run(&t.h, "two sockets");
    assert_int_equal(t.a.got, SLICE_N);
    assert_int_equal(t.b.got, SLICE_N);
    side_t *first = t.a.other_at_finish < t.b.other_at_finish ? &t.a : &t.b;
    if (first->other_at_finish == 0)
        fail_msg("one socket received all %d messages before the other received any", SLICE_N);
    assert_true(first->other_at_finish >= SLICE_N / 2);
    assert_int_equal(t.a.closed + t.b.closed, 2);
    zmq_close(pushes[0]);
    zmq_close(pushes[1]);
    h_end(&t.h);
}

/* ------------------------------------------------------------------------
 * 6. Sends never block
 * ------------------------------------------------------------------------ */

typedef struct {
    h_t h;
    zloop_sock_t zs;
    int closed;
} sender_t;

static void on_sender_closed(zloop_sock_t *zs)
{
    sender_t *s = zs->ud;
    close_zsock(zs);
    s->closed++;
    h_finish(&s->h);
}

static void nop_cb(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
}

static void send_eagain(void **state)
{
    sender_t s;
    memset(&s, 0, sizeof s);
    h_init(&s.h);
    void *push = mksock(&s.h, ZMQ_PUSH); /* no peer: nothing can be queued */
    assert_int_equal(zloop_sock_init(&s.h.loop, &s.zs, push, nop_cb, &s), 0);
    char big[200];
    memset(big, 'x', sizeof big);
    const void *bufs[2] = {big, big};
    size_t lens[2] = {sizeof big, 10};
    errno = 0;
    assert_int_equal(zloop_send(&s.zs, bufs, lens, 2), -1);
    assert_int_equal(errno, EAGAIN);
    /* the frames are released even though they were not sent (LeakSanitizer
     * would see them otherwise) */
    zmq_msg_t frames[3];
    for (int i = 0; i < 3; i++) {
        assert_int_equal(zmq_msg_init_size(&frames[i], 500), 0);
        memset(zmq_msg_data(&frames[i]), 'y', 500);
    }
    assert_int_equal(zloop_send_frames(&s.zs, frames, 3), -1);
    assert_int_equal(errno, EAGAIN);
    zloop_sock_close(&s.zs, on_sender_closed);
    h_run(&s.h, "send EAGAIN");
    assert_int_equal(s.closed, 1);
    h_end(&s.h);
}

/* ------------------------------------------------------------------------ */

static const echo_param_t echo_inproc_1 = {"inproc", 1}, echo_inproc_64 = {"inproc", 64},
                          echo_inproc_all = {"inproc", ECHO_N}, echo_tcp_1 = {"tcp", 1}, echo_tcp_64 = {"tcp", 64},
                          echo_tcp_all = {"tcp", ECHO_N};

int main(void)
{
    const struct CMUnitTest tests[] = {
        TESTP("zloop-1.1 PUSH burst of 10000 before the loop runs, inproc: all arrive in order", burst, "inproc"),
        TESTP("zloop-1.2 PUSH burst of 10000 before the loop runs, tcp: all arrive in order", burst, "tcp"),
        TESTP("zloop-2.1 ROUTER echo from the callback, inproc, client thread, 1 in flight", echo_thread,
              &echo_inproc_1),
        TESTP("zloop-2.2 ROUTER echo from the callback, inproc, client thread, 64 in flight", echo_thread,
              &echo_inproc_64),
        TESTP("zloop-2.3 ROUTER echo from the callback, inproc, client thread, 5000 at once", echo_thread,
              &echo_inproc_all),
        TESTP("zloop-2.4 ROUTER echo from the callback, tcp, client thread, 1 in flight", echo_thread, &echo_tcp_1),
        TESTP("zloop-2.5 ROUTER echo from the callback, tcp, client thread, 64 in flight", echo_thread,
              &echo_tcp_64),
        TESTP("zloop-2.6 ROUTER echo from the callback, tcp, client thread, 5000 at once", echo_thread,
              &echo_tcp_all),
        TESTP("zloop-2.7 ROUTER and DEALER both in the loop, inproc, ping-pong", echo_in_loop, &echo_inproc_1),
        TESTP("zloop-2.8 ROUTER and DEALER both in the loop, tcp, ping-pong", echo_in_loop, &echo_tcp_1),
        TESTP("zloop-2.9 ROUTER and DEALER both in the loop, tcp, 64 in flight", echo_in_loop, &echo_tcp_64),
        TEST("zloop-2.10 a send from outside the callback does not strand a request that just arrived",
             send_outside_callback),
        TESTP("zloop-3.1 multipart longer than ZLOOP_MAX_FRAMES is dropped and counted, inproc", multipart,
              "inproc"),
        TESTP("zloop-3.2 multipart longer than ZLOOP_MAX_FRAMES is dropped and counted, tcp", multipart, "tcp"),
        TEST("zloop-3.3 with keep_long, a multipart too long is handed over cut and marked truncated", multipart_cut),
        TESTP("zloop-4.1 close from the receive callback, inproc: no handle left", close_in_callback, "inproc"),
        TESTP("zloop-4.2 close from the receive callback, tcp: no handle left", close_in_callback, "tcp"),
        TEST("zloop-4.3 close before the loop runs", close_before_run),
        TEST("zloop-4.4 close an idle socket from a timer", close_from_timer),
        TEST("zloop-5.1 burst slicing: a timer runs between slices", burst_slicing),
        TEST("zloop-5.2 burst slicing: two busy sockets take turns", two_sockets),
        TEST("zloop-6.1 sends never block: EAGAIN, frames released", send_eagain),
    };
    return cmocka_run_group_tests_name("zloop", tests, NULL, NULL);
}
