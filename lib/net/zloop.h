/*
 * zloop.h -- a ZeroMQ socket inside a libuv loop.
 *
 * libzmq exposes one file descriptor per socket (ZMQ_FD) that is
 * edge-triggered: it becomes readable when the socket's state *may* have
 * changed, and says nothing about how many messages wait.  So on every
 * wake-up we drain with ZMQ_DONTWAIT until ZMQ_EVENTS no longer shows
 * ZMQ_POLLIN, and after every send we re-check ZMQ_EVENTS, because a send can
 * consume the edge that announced an incoming message.  A burst is delivered
 * in slices of at most `burst` messages per loop iteration (the rest through
 * an idle handle) so one busy socket cannot starve timers and other sockets.
 *
 * The caller allocates zloop_sock_t (usually inside its own struct) and owns
 * the ZeroMQ socket; zloop_sock_close() stops watching it and calls close_cb
 * when libuv has released the handles, after which the caller may
 * zmq_close() the socket and free the memory.
 */
#ifndef CCHC_ZLOOP_H
#define CCHC_ZLOOP_H

#include <stdbool.h>
#include <uv.h>
#include <zmq.h>

#define ZLOOP_MAX_FRAMES 8 /* longer multipart messages are dropped, or cut (keep_long) */

typedef struct zloop_sock zloop_sock_t;

/* Called once per received multipart message.  The frames are closed after
 * the callback returns; move them out with zmq_msg_move() to keep them. */
typedef void (*zloop_recv_cb)(zloop_sock_t *zs, zmq_msg_t *frames, int nframes, void *ud);
typedef void (*zloop_close_cb)(zloop_sock_t *zs);

struct zloop_sock {
    uv_poll_t poll;
    uv_idle_t idle;
    void *zsock;
    zloop_recv_cb cb;
    void *ud;
    unsigned burst;
    int open_handles;
    bool closing;
    bool idle_on;
    /* Set by the caller to be handed a message of more than ZLOOP_MAX_FRAMES
     * frames too, cut to its first ZLOOP_MAX_FRAMES, with `truncated` set
     * during that callback (a server that answers every message, even a
     * malformed one); otherwise such a message is dropped and counted. */
    bool keep_long;
    bool truncated;
    zloop_close_cb close_cb;
    unsigned long received, dropped;
};

/* Starts watching zsock.  Returns 0, or a negative libuv error: then nothing
 * watches the socket and close_cb will never be called; if the error came
 * from uv_poll_start(), the handles are already closing and `zs` must stay
 * allocated until the loop has run once more. */
int zloop_sock_init(uv_loop_t *loop, zloop_sock_t *zs, void *zsock, zloop_recv_cb cb, void *ud);

/* Sends a multipart message built from n buffers (copied).  Never blocks:
 * returns 0, or -1 with errno (EAGAIN when the peer's queue is full). */
int zloop_send(zloop_sock_t *zs, const void *const *bufs, const size_t *lens, int n);

/* Sends n frames, taking ownership of them (they are closed or sent). */
int zloop_send_frames(zloop_sock_t *zs, zmq_msg_t *frames, int n);

/* Stops watching; close_cb (may be NULL) runs from the loop when done. */
void zloop_sock_close(zloop_sock_t *zs, zloop_close_cb close_cb);

/* A close_cb that closes the ZeroMQ socket too: what a service does with a
 * socket it owns. */
void zloop_close_zsock(zloop_sock_t *zs);

#endif
