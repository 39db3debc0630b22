/*
 * digest.h -- one message per recipient (pure: no I/O).
 *
 * The items a recipient is owed at an instant (policy_plan) are grouped the
 * way Alertmanager groups alerts: by recipient, into one digest per
 * recipient unit and channel that lists every item, its own reports and its
 * late sub-units alike.  The sent-log remembers digests, not items, under
 * the id UNIT/DAY/CHANNEL, where DAY is the digest's *key day*: the day the
 * newest of its stages became due, moved forward by `repeat_after` working
 * days as many times as fit before today.  So:
 *
 *  - a digest goes out when something new is in it (a stage came: a new
 *    report window, a reminder turning into "overdue", an escalation);
 *  - an unchanged digest is not sent again until `repeat_after` working
 *    days have passed (Alertmanager's repeat_interval), and a digest that
 *    only lost items (reports arrived) is not sent again at all;
 *  - a recipient gets at most one digest a day on each channel: a digest
 *    whose key day, or any day after it up to today, is in the sent-log is
 *    not sent.
 */
#ifndef CCHC_NOTIFIER_DIGEST_H
#define CCHC_NOTIFIER_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "policy.h"

typedef struct {
    char id[POLICY_ID_MAX];  /* UNIT/YYYY-MM-DD/CHANNEL: sent-log key, Idempotency-Key, Message-ID */
    int unit;                /* the recipient unit */
    channel_t channel;
    const char *recipient;   /* e-mail address, URL or unit code (borrowed from the catalog) */
    int32_t key_day;
    reminder_t *items;       /* borrowed: the plan's items for this unit */
    int nitems;
} digest_t;

/* Is this digest id done (sent, or given up on) in the sent-log? */
typedef bool (*digest_done_fn)(void *ud, const char *id);

/* The key day of a recipient's items (cancelled ones left out) at t. */
int32_t digest_key_day(const catalog_t *c, const policy_t *pol, const reminder_t *items, int n, int64_t t);

/* UNIT/YYYY-MM-DD/CHANNEL into buf (POLICY_ID_MAX bytes). */
const char *digest_id(const catalog_t *c, int unit, int32_t day, channel_t ch, char *buf, size_t len);

/* Groups the plan's items (as policy_plan orders them) into the digests
 * due at t: one per recipient and channel in use that has an address,
 * unless done() says it went out already (see above).  Returns 0 with *out
 * (free() it; the items stay the plan's) and *n, or -1 on allocation
 * failure. */
int digest_group(const catalog_t *c, const policy_t *pol, int64_t t, reminder_t *items, int nitems,
                 digest_done_fn done, void *ud, digest_t **out /* OUT */, int *n /* OUT */);

/* Which items need not be listed on their own (folded[i], parallel to
 * d->items): an item of a covered dataset (a half-year or year report)
 * whose every missing period is an item of the covering dataset in the same
 * digest -- for an escalation, an item listing the same late unit.  Sending
 * the quarterly report is then all the reader has to do. */
void digest_fold(const catalog_t *c, const digest_t *d, bool *folded /* OUT */);

/* The items left in d, for machines and logs:
 * "CCHC_Q/2025Q3/before-1, sub:CCHC_Q/2025Q3/escalate(3),
 * approve:CCHC_Q/2025Q2/awaiting-2" (sub: an escalation, with the number of
 * late sub-units; approve: a report awaiting the unit's approval).  Cut to
 * len. */
const char *digest_items(const catalog_t *c, const digest_t *d, char *buf, size_t len);

/* For the k-th late unit of escalation item r of a covered dataset: true
 * when every period it lacks is an escalation item of this digest that
 * lists it (the reader is told there already). */
bool digest_late_folded(const catalog_t *c, const digest_t *d, const reminder_t *r, int k);

/* Counts of the items left to show: own reports owed, escalation items,
 * and own reports awaiting approval. */
void digest_count(const digest_t *d, const bool *folded, int *own, int *esc, int *approve);

#endif
