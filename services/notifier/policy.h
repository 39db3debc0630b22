/*
 * policy.h -- what each recipient is owed at an instant (pure: no I/O).
 *
 * An obligation is unit x dataset x period: the unit must report the dataset
 * (catalog_must_report) and is open in the period.  Its deadline is the
 * catalog's (calendar.h); L is the last day to submit.  The stages:
 *
 *   audience UNIT    before-N   N working days before L (N from `before`)
 *                    due        on L
 *                    after-N    N working days after L (N = `after`)
 *                    weekly-K   escalate day + 7K calendar days
 *   audience PARENT  escalate   `escalate` working days after L, one item
 *                               per (parent, dataset, period) listing every
 *                               direct sub-unit that has not reported
 *                    weekly-K   the same, weekly
 *
 * A stage becomes due at work_start (local time) of its day.  Nothing is
 * planned outside working hours (work_start <= hour < work_end on a working
 * day).  The period is closed (no more reminders) at the next period's
 * deadline, or close_after_days calendar days after the deadline when that
 * is set.  Catch-up: for each obligation and audience only the LATEST stage
 * whose time has come counts; earlier stages that were never sent are
 * skipped.
 *
 * Covered reports.  A dataset B is *covered* by a dataset A when A has a
 * finer period type (quarter < half < year), the same due rule, every
 * indicator B requires, and every unit that must report B must report A:
 * then B's figures are the combination of A's (the aggregator rolls a
 * unit's quarters up into its half-year and year), and B's deadline is the
 * deadline of A's last sub-period.  Unless `chase_covered` is set, a unit
 * owes B for period p only when neither B's report for p nor every A report
 * it owes inside p has arrived; the item then names the missing A periods
 * (its `gaps`).  In the shipped catalog CCHC_Q covers CCHC_S and CCHC_Y.
 * Every missing A period is an item of its own in the recipient's plan:
 * when A's own window for it has closed (Q3 after Q4's deadline, while the
 * year is still chased), the plan adds it (`gap`, with the covered item's
 * stage and instant), for the unit and, listing the late sub-units, for
 * its parent; the covered item then folds into them (digest_fold).
 *
 * Extensions and silences (the central office's DECIDE extend / silence,
 * given by the aggregator's units answer as unit_status.due and .silenced,
 * read through policy_facts_fn).  A unit with an extension is reminded
 * against its own deadline: its stages (before-N, due, after-N, weekly-K)
 * are counted from its own last day, its parent lists it in an escalation
 * only once the escalation stage of its own last day has come, and its
 * obligation closes as much later as its deadline moved (but only while
 * the dataset period has a reminder window open for someone: an extension
 * past the next period's deadline is not chased beyond it).  The same holds
 * for a missing period a covered item lacks: an extended quarter counts in
 * the unit's gaps only once a stage of its own last day has come, in its
 * parent's escalation only once its own escalation stage has, and its gap
 * item carries its extended deadline and stage.  A silenced
 * obligation gets no reminder and no escalation, and a covered report does
 * not count a silenced quarter as missing.
 *
 * Approvals.  A report received whose latest version has waited for
 * approval (unit_status.approval == "awaiting", since its received_at) for
 * `approve_after` working days gives the unit whose head approves it (the
 * facts' `approver`: the unit itself, or the unit that enters a
 * parent_submits office's reports; nobody where the deployment has no
 * approval step) an item of stage "awaiting-N" (approval == true, owner =
 * the reporting unit), listed in the same digest: "N báo cáo đang chờ
 * duyệt".  The periods looked at are those the web's approval queue shows
 * (services/web/page_approve.c): every period of every dataset from the
 * current one back to the same one PERIOD_APPROVAL_YEARS years ago -- and any
 * period with a reminder window open besides -- so a report that came late,
 * or a correction of an old period, still reaches its head after the
 * period's reminder window has closed (policy_approval_periods).
 *
 * The plan is a list of items, one per (recipient, dataset, period,
 * audience); digest.h groups them into one message per recipient.
 */
#ifndef CCHC_NOTIFIER_POLICY_H
#define CCHC_NOTIFIER_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "config.h"

#define POLICY_BEFORE_MAX 8
#define POLICY_ID_MAX 192
#define POLICY_STAGE_MAX 24

typedef struct {
    int before[POLICY_BEFORE_MAX]; /* working days before L, any order */
    int nbefore;
    bool on_due;          /* a reminder on L itself */
    int after;            /* working days after L (0: none) */
    int escalate;         /* working days after L for the parent (0: none) */
    int weekly_days;      /* repeat every N calendar days after the escalation (0: never) */
    int work_start, work_end; /* hours, local time */
    int close_after_days; /* 0: closed at the next period's deadline */
    int repeat_after;     /* working days after which an unchanged digest is sent again (0: never) */
    bool chase_covered;   /* chase covered datasets even when the finer reports cover them */
    int approve_after;    /* working days a report may await approval before its head is reminded (0: never) */
    bool email, webhook, pub; /* channels in use */
} policy_t;

typedef enum { CH_EMAIL = 0, CH_WEBHOOK, CH_PUB } channel_t;

/* One thing a recipient is told: an obligation of its own (escalation ==
 * false) or its direct sub-units' late reports for one dataset and period. */
typedef struct {
    int unit;                    /* the recipient unit */
    int ds;
    period_t period;
    char stage[POLICY_STAGE_MAX];
    int64_t deadline;            /* Unix seconds */
    int32_t last_day;            /* civil day L */
    int64_t at;                  /* when the stage became due */
    bool escalation;             /* to the parent, listing `late` */
    bool approval;               /* a report awaiting the recipient's approval (received) */
    int owner;                   /* whose report it is: `unit`, or for an approval a sub-unit whose
                                    reports the recipient enters and approves (parent_submits) */
    bool extended;               /* deadline and last_day are the unit's extended ones */
    bool overdue;                /* an after-, escalate or weekly- stage */
    int *late;                   /* escalation: sub-units that have not reported (owned) */
    uint16_t *late_gaps;         /* escalation of a covered dataset: each late unit's gaps (owned) */
    int nlate;
    int cover;                   /* the dataset covering ds, or -1 */
    uint16_t gaps;               /* own item of a covered dataset: bit i = the i-th `cover` period
                                    inside `period` is owed and missing */
    bool cancelled;              /* nothing left to say: received since the plan */
    bool gap;                    /* a period of a covering dataset (a quarter) whose own reminder window
                                    has closed, listed because a covered item (a half-year or year)
                                    still lacks it: stage and `at` are that item's */
} reminder_t;

/* Has (unit, dataset, period) been received?  Unknown means "yes": the
 * caller must not plan without knowing. */
typedef bool (*policy_received_fn)(void *ud, int unit, int ds, period_t p);

/* What the central office decided about one obligation, and its approval. */
typedef struct {
    int64_t due;       /* the unit's extended deadline, Unix seconds (end of its last day); 0: the catalog's */
    bool silenced;     /* no reminder, no escalation */
    int64_t awaiting;  /* received and awaiting approval since (Unix seconds); 0: not awaiting */
    int approver;      /* with awaiting: who approves it -- 0: the unit itself; 1 + U: unit U (the
                          unit that enters a parent_submits office's reports); -1: nobody is asked
                          (the deployment has no approval step for it): no reminder */
} policy_facts_t;

/* Fills *out for (unit, dataset, period); all zero when nothing is known. */
typedef void (*policy_facts_fn)(void *ud, int unit, int ds, period_t p, policy_facts_t *out /* OUT */);

/* The defaults: 7, 3, 1 working days before, on the day, 1 after, escalate
 * 3 after, weekly; 08:00-17:00; repeat an unchanged digest after 5 working
 * days; covered datasets not chased; approvers reminded after 2 working
 * days; every channel. */
void policy_default(policy_t *p);

/* Reads [notifier] before, on_due, after, escalate_after, weekly_days,
 * work_start, work_end, close_after_days, repeat_after, chase_covered,
 * approve_after, channels over the defaults.  Returns 0, or -1 with a sentence in err. */
int policy_from_config(policy_t *p, const config_t *cfg, char *err, size_t errlen);

/* true when t is inside working hours (a working day, work_start <= hour < work_end). */
bool policy_in_hours(const catalog_t *c, const policy_t *pol, int64_t t);
/* The first instant >= t inside working hours. */
int64_t policy_next_hours(const catalog_t *c, const policy_t *pol, int64_t t);

/* The periods of dataset ds that have a reminder window open at t (the
 * first stage has come and the period is not closed), oldest first.
 * Returns their number (at most max). */
int policy_periods(const catalog_t *c, const policy_t *pol, int ds, int64_t t, period_t *out, int max);

/* The periods of dataset ds whose reports awaiting approval are reminded
 * (besides those of policy_periods): the current period at t back to the
 * same period PERIOD_APPROVAL_YEARS years earlier, newest first, as the web's
 * approval queue lists them.  Returns their number (at most max). */
int policy_approval_periods(const catalog_t *c, int ds, int64_t t, period_t *out, int max);

/* The instant the period closes. */
int64_t policy_close(const catalog_t *c, const policy_t *pol, int ds, period_t p);

/* The dataset covering ds (see above), or -1 (always -1 with chase_covered). */
int policy_cover(const catalog_t *c, const policy_t *pol, int ds);

/* The periods of dataset `cover` inside p (for a covered item's gaps: bit
 * i is out[i]).  Returns their number (at most 16). */
int policy_cover_periods(const catalog_t *c, int cover, period_t p, period_t out[16]);

/* Every item due at t, grouped by recipient (recipients in pre-order; then
 * dataset, period, own before escalation).  facts may be NULL (no
 * extension, silence or approval known).  Returns 0 with *out (free with
 * policy_free) and *n, or -1 on allocation failure. */
int policy_plan(const catalog_t *c, const policy_t *pol, int64_t t, policy_received_fn received,
                policy_facts_fn facts, void *ud, reminder_t **out /* OUT */, int *n /* OUT */);
void policy_free(reminder_t *r, int n);

/* Checks an item again just before it is sent: drops the late sub-units
 * and the gaps that have been received since, and sets r->cancelled when
 * nothing is left.  Returns !r->cancelled. */
bool policy_still_due(const catalog_t *c, reminder_t *r, policy_received_fn received, void *ud);

const char *channel_name(channel_t ch);

#endif
