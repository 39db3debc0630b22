/*
 * deliver.h -- e-mails and webhooks sent concurrently from the libuv loop,
 * through libcurl's multi interface.
 *
 * libcurl tells us which sockets to watch and when to time out
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION); we watch them with
 * uv_poll and one uv_timer and call curl_multi_socket_action() when they
 * fire.  Everything runs on the loop thread: no lock, no extra thread, and
 * the outcome of a transfer is handled by the same thread that takes the
 * aggregator's EVENTs.  The multi handle keeps its connections open between
 * transfers, so consecutive e-mails to one SMTP server (and POSTs to one
 * webhook host) reuse a connection instead of opening one per message.
 * How many transfers run at once, and to which destination, is the
 * caller's decision: deliver_email() and deliver_webhook() start at once.
 *
 * E-mail: SMTP (smtp_url, e.g. smtp://127.0.0.1:2525), MAIL FROM mail_from,
 * one RCPT; success is the server's 250 after DATA.  A 5xx answer is a
 * permanent rejection; anything else (connection refused, timeout, 4xx) is
 * transient.
 *
 * Webhook: POST of a JSON body with Content-Type: application/json and
 * Idempotency-Key: the key.  2xx is success; 4xx is a rejection and is not
 * retried; a timeout, a connection failure or a 5xx is retried up to
 * `webhook_attempts` times in all, waiting webhook_backoff_ms,
 * 2*webhook_backoff_ms, ... between (a uv_timer: the loop goes on).
 */
#ifndef CCHC_NOTIFIER_DELIVER_H
#define CCHC_NOTIFIER_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

typedef enum { DELIVER_SENT = 0, DELIVER_REJECTED, DELIVER_FAILED } deliver_status_t;

typedef struct {
    deliver_status_t status;
    int attempts;
    long code;          /* last SMTP / HTTP response code, 0 if none */
    char error[256];    /* empty on success */
} deliver_result_t;

typedef struct {
    const char *smtp_url;
    const char *mail_from;
    int smtp_timeout_ms;
    int webhook_timeout_ms;
    int webhook_attempts;
    int webhook_backoff_ms;
    int max_host_connections; /* libcurl's bound per host (CURLMOPT_MAX_HOST_CONNECTIONS) */
} deliver_opts_t;

typedef struct deliver deliver_t;

/* Called on the loop thread once per job when its outcome is known (after
 * the last webhook attempt).  job_ud is what the job was started with. */
typedef void (*deliver_done_fn)(void *ud, void *job_ud, const deliver_result_t *res);

void deliver_global_init(void);
void deliver_global_cleanup(void);

/* A deliverer on `loop`.  The strings of o are borrowed for its lifetime.
 * Returns 0 and *out, or -1. */
int deliver_new(uv_loop_t *loop, const deliver_opts_t *o, deliver_done_fn done, void *ud, deliver_t **out /* OUT */);

/* Starts sending `payload` (a complete RFC 5322 message, taken over: freed
 * by the deliverer) to `to`.  Returns 0; on -1 (out of memory) done is
 * never called and payload is freed. */
int deliver_email(deliver_t *d, const char *to, char *payload, void *job_ud);

/* Starts POSTing `json` (taken over) to url with Idempotency-Key: key.
 * Same returns as deliver_email(). */
int deliver_webhook(deliver_t *d, const char *url, const char *key, char *json, void *job_ud);

/* Jobs started and not yet done. */
int deliver_running(const deliver_t *d);

/* Ends the waits between webhook attempts: a job waiting for its next
 * attempt is done at once with its last failure.  Transfers under way go on
 * (their timeouts bound them). */
void deliver_stop_retries(deliver_t *d);

/* Closes the deliverer when no job is running (deliver_running() == 0):
 * its handles are closed, then closed(ud) is called and the deliverer is
 * freed.  NULL is a no-op. */
void deliver_close(deliver_t *d, void (*closed)(void *ud), void *ud);

const char *deliver_status_name(deliver_status_t s);

#endif
