/*
 * arrivals.h -- what the notifier knows has arrived, and the target notes.
 *
 * Filled by arrivals_refresh() (QUERY units and targets to the aggregator,
 * on a pool thread) and by arrivals_mark() (an EVENT, on the loop thread);
 * read by the plan (pool thread) and before each send (loop thread).  The
 * received set is guarded by a mutex; the notes are written only by
 * arrivals_refresh() while no delivery is running, and read between
 * refreshes.
 */
#ifndef CCHC_NOTIFIER_ARRIVALS_H
#define CCHC_NOTIFIER_ARRIVALS_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "policy.h"
#include "answer.h"

typedef struct arrivals arrivals_t;

/* Returns NULL when out of memory. */
arrivals_t *arrivals_new(void);
void arrivals_destroy(arrivals_t **self_p);

/* (unit, dataset, period) has arrived (codes as on the wire). */
void arrivals_mark(arrivals_t *a, const char *unit, const char *ds, const char *period);
bool arrivals_received(arrivals_t *a, const catalog_t *c, int unit, int ds, period_t p);

/* The extension, silence and approval of (unit, dataset, period) as the
 * last units answer gave them (all zero when none). */
void arrivals_facts(arrivals_t *a, const catalog_t *c, int unit, int ds, period_t p, policy_facts_t *out /* OUT */);

/* Takes in one units answer for (ds, period) (codes): marks received the
 * units on time or late, and keeps each unit's extension (due), silence
 * and approval ("awaiting" since received_at).  arrivals_refresh() calls
 * it for every answer; tests call it with hand-built answers. */
void arrivals_apply(arrivals_t *a, const ans_units_t *ans, const char *ds, const char *period);

/* Forgets every awaiting approval of (ds, period) (codes), before the
 * answers of QUERY units status=awaiting for it are applied: they list only
 * the reports awaiting approval, so one approved or returned since is not
 * in them.  Extensions and silences stay as they were. */
void arrivals_forget_awaiting(arrivals_t *a, const char *ds, const char *period);

/* Asks the aggregator what has arrived for every dataset period with a
 * reminder window open at t -- and, for a covered dataset, for the periods
 * of its covering dataset inside it -- and the targets behind schedule
 * (the notes); then, for the other periods of the approval queue
 * (policy_approval_periods), only the reports awaiting approval: one QUERY
 * units status=awaiting per root, dataset and period, newest first, going
 * no further back for a dataset once the aggregator answers E_PERIOD (and
 * past E_NOT_FOUND: nothing there).
 * Returns 0, or -1 when it could not tell (then nothing may be sent;
 * logged). */
int arrivals_refresh(arrivals_t *a, void *zmq_ctx, const char *endpoint, int timeout_ms, const catalog_t *c,
                     const policy_t *pol, int64_t t);

/* The note lines of unit for (ds, p), or NULL. */
const char *arrivals_notes(arrivals_t *a, int unit, int ds, period_t p);

/* Drops the notes (before the catalog they index changes). */
void arrivals_clear_notes(arrivals_t *a);

#endif
