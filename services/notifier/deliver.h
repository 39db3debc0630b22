/*
 * deliver.h -- e-mails and webhooks sent concurrently, their outcomes
 * handed to the libuv loop.
 *
 * Webhooks go through libcurl's multi interface inside the loop: libcurl
 * tells us which sockets to watch and when to time out
 * (CURLMOPT_SOCKETFUNCTION, CURLMOPT_TIMERFUNCTION), we watch them with
 * uv_poll and one uv_timer and call curl_multi_socket_action() when they
 * fire.  No lock and no extra thread; the multi handle keeps connections
 * open between transfers, so POSTs to one host reuse a connection.
 *
 * E-mails cannot go the same way: libcurl reads the server's answer to the
 * end of the message (the 250) *blocking*, even under the multi interface
 * (its SMTP "done" phase; curl issue #8555, "More non-blocking" in its
 * TODO), so in the loop every e-mail would stop the loop -- EVENTs, signals,
 * the other transfers -- for as long as the server takes.  So each SMTP
 * connection gets its own thread and its own easy handle, reused from one
 * message to the next (the connection stays open, MAIL FROM follows the
 * previous 250); a thread blocks only itself.  Outcomes come back to the
 * loop through a uv_async_t.  There are `smtp_connections` such threads:
 * at most that many e-mails are under way at once, and a queued e-mail
 * waits for a free thread.
 *
 * How many transfers run at once, and to which destination, is otherwise
 * the caller's decision: deliver_email() and deliver_webhook() start (or
 * queue) at once.
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
    int smtp_connections;     /* SMTP sender threads, each with one connection */
    int max_host_connections; /* libcurl's bound per webhook host (CURLMOPT_MAX_HOST_CONNECTIONS) */
    int max_connections;      /* connections kept open for reuse (CURLMOPT_MAXCONNECTS; libcurl's default
                                 follows the transfers under way and closes idle ones too soon) */
} deliver_opts_t;

typedef struct deliver deliver_t;

/* Called on the loop thread once per job when its outcome is known (after
 * the last webhook attempt).  job_ud is what the job was started with. */
typedef void (*deliver_done_fn)(void *ud, void *job_ud, const deliver_result_t *res);

void deliver_global_init(void);
void deliver_global_cleanup(void);

/* A deliverer on `loop` (starts the SMTP threads).  The strings of o are
 * borrowed for its lifetime.  Returns 0 and *out, or -1. */
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
 * the SMTP threads end (QUIT on their connections), its handles are closed,
 * then closed(ud) is called and the deliverer is freed.  NULL is a no-op. */
void deliver_close(deliver_t *d, void (*closed)(void *ud), void *ud);

const char *deliver_status_name(deliver_status_t s);

#endif
