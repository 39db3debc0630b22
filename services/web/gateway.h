/*
 * gateway.h -- cchc-web speaks for its users to the collector: one message
 * (a SUBMIT, a DECIDE, ...) sent with the web's *gateway key* ([web]
 * gateway_key, keyring role `gateway`, docs/operations.md) on a libuv
 * worker thread, while the request waits suspended; the answer (ACK, NACK
 * or silence) is given to a callback on the loop thread, which fills the
 * response, and the request is then resumed.
 *
 * The collector judges everything (rights, values); the message must name
 * its user (entered_by).  Sending goes through client_submit(): Lazy Pirate
 * retries with the very same bytes, so a retry is idempotent on the
 * message's id.
 *
 *     static void done(req_t *r, const gateway_result_t *res, void *ud, resp_t *out)
 *     {   ... res->reply->type == PROTO_ACK ... fill out ...   }
 *
 *     if (gateway_send(r, &msg, done, ctx))   // not sent: answer now
 *         ...;
 *     // else return: done() answers later
 *
 * Configuration, section [web]: gateway_key (the key file; without it the
 * gateway is off), submit_endpoint (default [client] collector, then
 * [collector] endpoint), server_key (the collector's public key; default
 * [client] server_key, then [collector] server_key), submit_timeout_ms
 * (default 3000) and submit_retries (default 1).
 */
#ifndef CCHC_WEB_GATEWAY_H
#define CCHC_WEB_GATEWAY_H

#include <stdbool.h>

#include "config.h"
#include "http.h"
#include "proto.h"

typedef struct gateway gateway_t;

/* Why gateway_send() did not send (the callback is then never called). */
#define GATEWAY_E_OFF (-1)     /* no [web] gateway_key configured */
#define GATEWAY_E_INVALID (-2) /* the message does not encode (a field out of its range): err says which */

/* The outcome given to the callback. */
typedef struct {
    int rc;                   /* 0: reply is an ACK or NACK; otherwise a CLIENT_* code of client.h */
    const proto_msg_t *reply; /* when rc is 0; valid during the callback only */
    const char *err;          /* when rc is not 0: a sentence (English, for logs) */
    bool maybe_stored;        /* rc is CLIENT_NO_ANSWER: the message left and may have been stored */
} gateway_result_t;

/* Called on the loop thread with the outcome; fills out (status, body...),
 * after which the request is resumed with it. */
typedef void gateway_done_fn(req_t *r, const gateway_result_t *res, void *ud, resp_t *out);

/* Reads [web] (see above).  Returns 0 with *out (NULL when no gateway_key
 * is configured: the gateway is off), or -1 with a sentence in err (a key
 * file that cannot be read, a key without its secret half).  zctx is the
 * application's ZeroMQ context (kept, not owned). */
int gateway_open(const config_t *cfg, void *zctx, gateway_t **out /* OUT */, char *err, size_t errlen);

/* Frees the gateway and nulls *self_p; NULL is a no-op.  After the loop ran
 * out (no send in flight). */
void gateway_close(gateway_t **self_p);

/* The endpoint messages go to (for logs); "" when off. */
const char *gateway_endpoint(const gateway_t *g);

/* Sends msg (encoded now: the caller may free it when this returns) from a
 * worker thread and suspends r (http_defer).  Returns 0: done(r, result,
 * ud, out) will be called exactly once on the loop thread and r then
 * resumed with out.  Returns GATEWAY_E_OFF or GATEWAY_E_INVALID (a sentence
 * in err): nothing was sent, r is not suspended, done is never called. */
int gateway_send(gateway_t *g, req_t *r, const proto_msg_t *msg, gateway_done_fn *done, void *ud, char *err,
                 size_t errlen);

#endif
