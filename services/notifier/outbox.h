/*
 * outbox.h -- delivering a cycle's digests, concurrently, and recording
 * each outcome in the sent-log (loop thread).
 *
 * Digests wait in one queue per destination: the SMTP server, each webhook
 * host, the PUB socket.  A digest is started when its destination has fewer
 * than its bound of transfers under way (smtp_connections,
 * webhook_connections) and fewer than max_parallel digests are in flight
 * *or confirmed but not yet recorded*.  That second bound is what a crash
 * can cost: a kill -9 repeats at most max_parallel messages (each at most
 * once), the ones confirmed by their channel whose record had not been
 * committed -- with max_parallel = 1, exactly the old one-at-a-time
 * guarantee.
 *
 * Just before a digest starts, its items are checked again against what
 * has arrived (an EVENT may have come), and its text is composed then.  A
 * confirmation (SMTP 250, HTTP 2xx, PUB queued) or a failure is written to
 * the sent-log by one pool thread while the next transfers go on: the
 * outcomes that came in while the previous commit ran go in together, one
 * committed transaction per batch (sentlog_record_batch).  The bound above
 * counts them until their batch is committed, so a crash still repeats at
 * most max_parallel messages.
 */
#ifndef CCHC_NOTIFIER_OUTBOX_H
#define CCHC_NOTIFIER_OUTBOX_H

#include <stdbool.h>
#include <uv.h>

#include "catalog.h"
#include "deliver.h"
#include "digest.h"
#include "message.h"
#include "sentlog.h"

typedef struct {
    deliver_opts_t deliver;
    int max_parallel;        /* digests in flight or unrecorded, in all */
    int smtp_connections;    /* e-mails under way at once */
    int webhook_connections; /* POSTs under way at once, per webhook host */
    int kill_after_sends;    /* tests only: SIGKILL after the Nth confirmation, before its record */
} outbox_opts_t;

/* What the outbox needs from its owner (called on the loop thread). */
typedef struct {
    policy_received_fn received;
    /* the message options for recipient unit (link, contact, language, notes) */
    void (*message_opts)(void *ud, int unit, message_opts_t *mo /* OUT */);
    /* every digest of outbox_send() is done: delivered and recorded, failed
     * and recorded, cancelled, or left unsent because of outbox_stop() */
    void (*finished)(void *ud);
    void *ud;
} outbox_owner_t;

typedef struct outbox outbox_t;

/* An outbox on loop that records into log and publishes on pub (a ZeroMQ
 * PUB socket, used only by the loop thread from now on).  opts and owner
 * are copied.  Returns 0 and *out, or -1. */
int outbox_new(uv_loop_t *loop, const outbox_opts_t *opts, sentlog_t *log, void *pub, const outbox_owner_t *owner,
               outbox_t **out /* OUT */);

/* Delivers n digests of catalog c (both borrowed until finished() is
 * called; the catalog must not change meanwhile).  One batch at a time.
 * Returns 0, or -1 when a batch is still running (finished() is not called). */
int outbox_send(outbox_t *ob, const catalog_t *c, digest_t *digests, int n);

/* Starts nothing more, ends the waits between webhook attempts; finished()
 * follows once the transfers under way are done and recorded. */
void outbox_stop(outbox_t *ob);

/* true while a batch is running. */
bool outbox_busy(const outbox_t *ob);

/* Counters since outbox_new(). */
void outbox_counts(const outbox_t *ob, unsigned long *sent, unsigned long *rejected, unsigned long *failed);

/* Closes the outbox (no batch may be running): closed(ud) follows when its
 * handles are closed.  NULL is a no-op. */
void outbox_close(outbox_t *ob, void (*closed)(void *ud), void *ud);

#endif
