/*
 * sentlog.h -- the notifier's LMDB sent-log.
 *
 * One database "sent": reminder id (UNIT/DATASET/PERIOD/STAGE/CHANNEL) ->
 * a JSON object {status, at, attempts, tries, recipient, error}.  status is
 * "sent" (the channel confirmed: SMTP 250, HTTP 2xx, PUB queued), "rejected"
 * (a permanent refusal: SMTP 5xx, HTTP 4xx; never retried) or "failed" (a
 * transient failure: retried at the next tick until `tries` reaches the
 * limit).  An entry is written only after the channel answered, in a
 * committed transaction (its own, or one shared by the outcomes of a batch,
 * sentlog_record_batch), so a crash loses nothing and repeats at most the
 * reminders confirmed and not yet committed.
 */
#ifndef CCHC_SENTLOG_H
#define CCHC_SENTLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct sentlog sentlog_t;

typedef struct {
    const char *status;    /* sent, rejected, failed */
    int64_t at;            /* service clock, Unix seconds */
    int attempts;          /* attempts in this delivery */
    const char *recipient;
    const char *error;     /* may be NULL */
} sentlog_entry_t;

/* Opens (creating) the sent-log in dir; read_only opens an existing one
 * without creating (returns -1 with err when absent). */
int sentlog_open(const char *dir, bool read_only, sentlog_t **out, char *err, size_t errlen);
void sentlog_close(sentlog_t **self_p);

/* true when the id needs no further delivery: sent, rejected, or failed at
 * least max_tries times. */
bool sentlog_done(sentlog_t *s, const char *id, int max_tries);

/* Records an outcome (for "failed", increments the stored tries).  Returns
 * 0 or an LMDB error. */
int sentlog_record(sentlog_t *s, const char *id, const sentlog_entry_t *e);

/* Records n outcomes (ids[i] with e[i]) in one committed transaction: all
 * of them, or none (then returns the LMDB error).  An id may appear twice;
 * the later entry wins and its tries count the earlier. */
int sentlog_record_batch(sentlog_t *s, const char *const *ids, const sentlog_entry_t *e, int n);

/* Prints every entry, one line each: id status tries attempts at recipient error. */
int sentlog_dump(sentlog_t *s, FILE *out);

typedef struct {
    uint64_t sent, rejected, failed;
} sentlog_counts_t;

/* Counts the entries by status (for monitoring).  Returns 0 or an LMDB error. */
int sentlog_count(sentlog_t *s, sentlog_counts_t *out /* OUT */);

#endif
