/*
 * policy.h -- which reminders are due at an instant (pure: no I/O).
 *
 * An obligation is unit x dataset x period: the unit must report the dataset
 * (catalog_must_report) and is open in the period.  Its deadline is the
 * catalog's (calendar.h); L is the last day to submit.  The stages:
 *
 *   audience UNIT    before-N   N working days before L (N from `before`)
 *                    due        on L
 *                    after-N    N working days after L (N = `after`)
 *                    weekly-K   escalate day + 7K calendar days
 *   audience PARENT  escalate   `escalate` working days after L, one message
 *                               per (parent, dataset, period) listing every
 *                               direct sub-unit that has not reported
 *                    weekly-K   the same, weekly
 *
 * A stage becomes due at work_start (local time) of its day.  Reminders go
 * out only in working hours (work_start <= hour < work_end on a working
 * day): outside them the plan is empty and everything waits.  The period is
 * closed (no more reminders) at the next period's deadline, or
 * close_after_days calendar days after the deadline when that is set.
 *
 * Catch-up: for each obligation and audience only the LATEST stage whose
 * time has come is considered; earlier stages that were never sent are
 * skipped.  A reminder whose id the sent-log already holds is not planned
 * again.  Ids: UNIT/DATASET/PERIOD/STAGE/CHANNEL (the unit is the
 * recipient: the parent for an escalation).
 */
#ifndef CCHC_NOTIFIER_POLICY_H
#define CCHC_NOTIFIER_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "config.h"

#define POLICY_BEFORE_MAX 8
#define POLICY_ID_MAX 192
#define POLICY_STAGE_MAX 32

typedef struct {
    int before[POLICY_BEFORE_MAX]; /* working days before L, any order */
    int nbefore;
    bool on_due;          /* a reminder on L itself */
    int after;            /* working days after L (0: none) */
    int escalate;         /* working days after L for the parent (0: none) */
    int weekly_days;      /* repeat every N calendar days after the escalation (0: never) */
    int work_start, work_end; /* hours, local time */
    int close_after_days; /* 0: closed at the next period's deadline */
    bool email, webhook, pub; /* channels in use */
} policy_t;

typedef enum { CH_EMAIL = 0, CH_WEBHOOK, CH_PUB } channel_t;

typedef struct {
    char id[POLICY_ID_MAX];      /* UNIT/DATASET/PERIOD/STAGE/CHANNEL */
    char stage[POLICY_STAGE_MAX];
    int unit;                    /* the recipient unit */
    int ds;
    period_t period;
    int64_t deadline;            /* Unix seconds */
    int32_t last_day;            /* civil day L */
    int64_t at;                  /* when the stage became due */
    bool escalation;             /* to the parent, listing `late` */
    int *late;                   /* escalation: sub-units that have not reported (owned) */
    int nlate;
    channel_t channel;
    const char *recipient;       /* e-mail address, URL or unit code (borrowed from the catalog) */
} reminder_t;

/* Has (unit, dataset, period) been received?  Unknown means "yes": the
 * caller must not plan without knowing. */
typedef bool (*policy_received_fn)(void *ud, int unit, int ds, period_t p);
/* Is this reminder id done (sent, or given up on) in the sent-log? */
typedef bool (*policy_done_fn)(void *ud, const char *id);

/* The defaults: 7, 3, 1 working days before, on the day, 1 after, escalate
 * 3 after, weekly; 08:00-17:00; every channel. */
void policy_default(policy_t *p);

/* Reads [notifier] before, on_due, after, escalate_after, weekly_days,
 * work_start, work_end, close_after_days, channels over the defaults.
 * Returns 0, or -1 with a sentence in err. */
int policy_from_config(policy_t *p, const config_t *cfg, char *err, size_t errlen);

/* true when t is inside working hours (a working day, work_start <= hour < work_end). */
bool policy_in_hours(const catalog_t *c, const policy_t *pol, int64_t t);
/* The first instant >= t inside working hours. */
int64_t policy_next_hours(const catalog_t *c, const policy_t *pol, int64_t t);

/* The periods of dataset ds that have a reminder window open at t (the
 * first stage has come and the period is not closed), oldest first.
 * Returns their number (at most max). */
int policy_periods(const catalog_t *c, const policy_t *pol, int ds, int64_t t, period_t *out, int max);

/* The instant the period closes. */
int64_t policy_close(const catalog_t *c, const policy_t *pol, int ds, period_t p);

/* Every reminder due at t, in a stable order (dataset, period, unit
 * pre-order, channel).  Returns 0 with *out (free with policy_free) and *n,
 * or -1 on allocation failure. */
int policy_plan(const catalog_t *c, const policy_t *pol, int64_t t, policy_received_fn received,
                policy_done_fn done, void *ud, reminder_t **out /* OUT */, int *n /* OUT */);
void policy_free(reminder_t *r, int n);

const char *channel_name(channel_t ch);

#endif
