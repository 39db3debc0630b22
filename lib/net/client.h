/*
 * client.h -- talking to the collector and the aggregator from a program.
 *
 * client_submit() implements the Lazy Pirate pattern: send, wait up to
 * timeout_ms for the answer; on silence close the socket, open a new one
 * and send the very same bytes again (same submission id), up to `retries`
 * times.  Because the collector is idempotent on the submission id, a retry
 * can never store a report twice.
 */
#ifndef CCHC_CLIENT_H
#define CCHC_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "answer.h"
#include "config.h"
#include "proto.h"

typedef struct {
    const char *endpoint;
    const char *server_public;  /* Z85; NULL = no CURVE (insecure collector) */
    const char *public_key, *secret_key;
    int timeout_ms;
    int retries;
} client_opts_t;

/* Why client_submit() has no answer.  Only CLIENT_NO_ANSWER leaves the
 * outcome open: the SUBMIT left and may have been stored. */
#define CLIENT_NO_ANSWER (-1)     /* sent; no (readable) answer after every retry */
#define CLIENT_NOT_SENT (-2)      /* nothing left: the message could not be encoded */
#define CLIENT_BAD_ENDPOINT (-3)  /* nothing left: the endpoint is not an address ZeroMQ can connect to */

/* Sends one SUBMIT.  Returns 0 with *reply an ACK or NACK (caller frees
 * with proto_msg_free(); `*buf` holds the bytes it borrows: free() it), or
 * one of the CLIENT_* codes above with a sentence in err. */
int client_submit(void *ctx, const client_opts_t *o, const proto_msg_t *submit, proto_msg_t *reply /* OUT */,
                  char **buf /* OUT */, char *err, size_t errlen);

/* Sends one DECIDE (a decision: approve, return, extend, silence,
 * unsilence; docs/protocol.md "Decisions") with the same Lazy Pirate
 * retries, the decision given as its fields.  When d->id is empty a new id
 * is made (client_make_id()) and written back to d->id, so the caller can
 * send the very same decision again.  Returns as client_submit(): 0 with
 * *reply an ACK (its version: the version decided, 0 for extend, silence,
 * unsilence) or a NACK, or a CLIENT_* code with a sentence in err. */
int client_decide(void *ctx, const client_opts_t *o, proto_decide_t *d, proto_msg_t *reply /* OUT */,
                  char **buf /* OUT */, char *err, size_t errlen);

/* A new submission (or decision) id of code characters only: the tail of
 * `unit`, `period` and 12 random hex digits (any character outside the
 * code set becomes '_'), at most 64 bytes.  out holds at least 65 bytes. */
void client_make_id(char *out, size_t n, const char *unit, const char *period);

/* How a retry is announced.  By default request() prints one English line
 * on stderr ("cchc: no answer from ..., retrying (1/3)"); a program that
 * speaks to people in another language installs its own notice once, before
 * its first request.  attempt counts from 1, retries is the number allowed. */
typedef void (*client_retry_fn)(const char *endpoint, int timeout_ms, int attempt, int retries);
void client_set_retry_notice(client_retry_fn fn);

/* One connection to one endpoint kept across QUERYs (the web asks the
 * aggregator several times per page: a fresh connection each time costs a
 * TCP and ZMTP handshake, about 1 ms here).  The socket is opened by the
 * first query and closed after any query that got no answer (Lazy Pirate),
 * so a late answer is never taken for the next one.  One thread at a time;
 * client_conn_close() before the context is terminated. */
typedef struct {
    void *ctx;
    const char *endpoint;
    void *sock;  /* NULL until the first query, and after a failed one */
    bool keep;   /* keep the socket after an answer (false: one-shot) */
} client_conn_t;

void client_conn_init(client_conn_t *c, void *ctx, const char *endpoint);
void client_conn_close(client_conn_t *c);

/* A typed answer to one QUERY (proto/answers.def): u holds the answer of
 * QUERY.what (u.status for "status"...), whose strings and arrays live in
 * the decoded RESULT's zone.  Release with client_answer_free(). */
typedef struct {
    proto_msg_t result;
    bool has_result;
    char *buf; /* the bytes the RESULT borrows */
    union {
#define CLIENT_ANSWER_MEMBER(NAME, name, what, doc) ans_##name##_t name;
        ANSWERS(CLIENT_ANSWER_MEMBER)
#undef CLIENT_ANSWER_MEMBER
    } u;
} client_answer_t;

/* Asks one QUERY and reads its answer into a->u: decoded once, typed.
 * Returns 0, or a negative proto_err_t with a sentence in err: the
 * aggregator's own code and sentence when it refused (E_NOT_FOUND,
 * E_PERIOD...), E_UNAVAILABLE when nothing answered, E_MALFORMED when the
 * answer is not of its shape; a is then empty (freeing it is harmless). */
int client_conn_ask(client_conn_t *c, int timeout_ms, const proto_query_t *q, client_answer_t *a /* OUT */,
                    proto_error_t *err /* OUT */);
int client_ask(void *ctx, const char *endpoint, int timeout_ms, const proto_query_t *q, client_answer_t *a /* OUT */,
               proto_error_t *err /* OUT */);
void client_answer_free(client_answer_t *a);

/* Fills client options from the [client] section (and the key files it names). */
int client_opts_from_config(const config_t *cfg, client_opts_t *o, char *pub, char *sec, char *srv, char *err,
                            size_t errlen);

#endif
