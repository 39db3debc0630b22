/*
 * deliver.h -- sending one reminder through libcurl (blocking; called on a
 * pool thread).
 *
 * E-mail: SMTP (smtp_url, e.g. smtp://127.0.0.1:2525), MAIL FROM mail_from,
 * one RCPT; success is the server's 250 after DATA.  A 5xx answer is a
 * permanent rejection; anything else (connection refused, timeout, 4xx) is
 * transient.
 *
 * Webhook: POST of a JSON body with Content-Type: application/json and
 * Idempotency-Key: the reminder id.  2xx is success; 4xx is a rejection and
 * is not retried; a timeout, a connection failure or a 5xx is retried up to
 * `attempts` times in all, waiting backoff_ms, 2*backoff_ms, ... between.
 */
#ifndef CCHC_NOTIFIER_DELIVER_H
#define CCHC_NOTIFIER_DELIVER_H

#include <stdbool.h>
#include <stddef.h>

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
    volatile int *stopping; /* when set, stop retrying (may be NULL) */
} deliver_opts_t;

void deliver_global_init(void);
void deliver_global_cleanup(void);

/* Sends `payload` (a complete RFC 5322 message) to `to`. */
void deliver_email(const deliver_opts_t *o, const char *to, const char *payload, deliver_result_t *res);

/* POSTs `json` to url with Idempotency-Key: key. */
void deliver_webhook(const deliver_opts_t *o, const char *url, const char *key, const char *json,
                     deliver_result_t *res);

const char *deliver_status_name(deliver_status_t s);

#endif
