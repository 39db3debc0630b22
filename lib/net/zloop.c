#include "zloop.h"

#include <errno.h>
#include <string.h>

#define ZLOOP_DEFAULT_BURST 256

static bool has_input(zloop_sock_t *zs)
{
    uint32_t ev = 0;
    size_t sz = sizeof ev;
    if (zmq_getsockopt(zs->zsock, ZMQ_EVENTS, &ev, &sz) != 0)
        return false;
    return (ev & ZMQ_POLLIN) != 0;
}

static void idle_set(zloop_sock_t *zs, bool on);

/* Receives one multipart message and hands it to the callback.  Returns
 * false when nothing was waiting. */
static bool recv_one(zloop_sock_t *zs)
{
    zmq_msg_t frames[ZLOOP_MAX_FRAMES];
    int n = 0, more = 1;
    bool too_long = false;
    while (more) {
        zmq_msg_t scratch, *m = n < ZLOOP_MAX_FRAMES ? &frames[n] : &scratch;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, zs->zsock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(m);
            /* EAGAIN on the first frame: nothing waiting.  Frames of one
             * message arrive atomically, so a later failure is only EINTR or
             * a closing context; drop what we have. */
            for (int i = 0; i < n && i < ZLOOP_MAX_FRAMES; i++)
                zmq_msg_close(&frames[i]);
            return false;
        }
        more = zmq_msg_more(m);
        if (m == &scratch) {
            too_long = true;
            zmq_msg_close(m);
        } else {
            n++;
        }
    }
    if (too_long && !zs->keep_long) {
        zs->dropped++;
    } else {
        zs->received++;
        zs->truncated = too_long;
        zs->cb(zs, frames, n, zs->ud);
        zs->truncated = false;
    }
    for (int i = 0; i < n; i++)
        zmq_msg_close(&frames[i]);
    return true;
}

static void drain(zloop_sock_t *zs)
{
    for (unsigned i = 0; i < zs->burst; i++) {
        if (zs->closing || !has_input(zs)) {
            idle_set(zs, false);
            return;
        }
        if (!recv_one(zs)) {
            idle_set(zs, false);
            return;
        }
    }
    /* Burst exhausted with input still waiting: continue next iteration.
     * The fd will not wake us (its edge is spent), the idle handle will. */
    idle_set(zs, !zs->closing && has_input(zs));
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    zloop_sock_t *zs = h->data;
    (void)status;
    (void)events;
    drain(zs);
}

static void on_idle(uv_idle_t *h)
{
    drain(h->data);
}

static void idle_set(zloop_sock_t *zs, bool on)
{
    if (on == zs->idle_on || zs->closing)
        return;
    zs->idle_on = on;
    if (on)
        uv_idle_start(&zs->idle, on_idle);
    else
        uv_idle_stop(&zs->idle);
}

int zloop_sock_init(uv_loop_t *loop, zloop_sock_t *zs, void *zsock, zloop_recv_cb cb, void *ud)
{
    memset(zs, 0, sizeof *zs);
    zs->zsock = zsock;
    zs->cb = cb;
    zs->ud = ud;
    zs->burst = ZLOOP_DEFAULT_BURST;
    int fd;
    size_t sz = sizeof fd;
    if (zmq_getsockopt(zsock, ZMQ_FD, &fd, &sz) != 0)
        return UV_EINVAL;
    int rc = uv_poll_init(loop, &zs->poll, fd);
    if (rc)
        return rc;
    uv_idle_init(loop, &zs->idle); /* cannot fail */
    zs->poll.data = zs;
    zs->idle.data = zs;
    zs->open_handles = 2;
    if ((rc = uv_poll_start(&zs->poll, UV_READABLE, on_poll))) {
        /* Started handles must be closed; the caller learns of the error
         * and never gets a close callback (as documented in zloop.h). */
        zs->close_cb = NULL;
        zs->closing = true;
        uv_close((uv_handle_t *)&zs->poll, NULL);
        uv_close((uv_handle_t *)&zs->idle, NULL);
        return rc;
    }
    /* Messages may already be queued (the fd edge came before we watched). */
    idle_set(zs, true);
    return 0;
}

/* After a send, input that arrived meanwhile may have no edge left to wake
 * us: look, and schedule a drain on the next iteration if there is some. */
static void after_send(zloop_sock_t *zs)
{
    if (!zs->closing && has_input(zs))
        idle_set(zs, true);
}

int zloop_send_frames(zloop_sock_t *zs, zmq_msg_t *frames, int n)
{
    int rc = 0;
    for (int i = 0; i < n; i++) {
        if (rc == 0 && zmq_msg_send(&frames[i], zs->zsock, ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0)) < 0)
            rc = -1;
        if (rc != 0)
            zmq_msg_close(&frames[i]); /* a sent frame is already released by libzmq */
    }
    after_send(zs);
    return rc;
}

int zloop_send(zloop_sock_t *zs, const void *const *bufs, const size_t *lens, int n)
{
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if (zmq_send(zs->zsock, bufs[i], lens[i], ZMQ_DONTWAIT | (i + 1 < n ? ZMQ_SNDMORE : 0)) < 0)
            rc = -1;
    after_send(zs);
    return rc;
}

static void on_handle_closed(uv_handle_t *h)
{
    zloop_sock_t *zs = h->data;
    if (--zs->open_handles == 0 && zs->close_cb)
        zs->close_cb(zs);
}

void zloop_sock_close(zloop_sock_t *zs, zloop_close_cb close_cb)
{
    if (zs->closing)
        return;
    if (zs->idle_on)
        uv_idle_stop(&zs->idle);
    zs->closing = true;
    zs->close_cb = close_cb;
    uv_close((uv_handle_t *)&zs->poll, on_handle_closed);
    uv_close((uv_handle_t *)&zs->idle, on_handle_closed);
}

void zloop_close_zsock(zloop_sock_t *zs)
{
    zmq_close(zs->zsock);
}
