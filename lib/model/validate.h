/*
 * validate.h -- checks a SUBMIT against the catalog (the collector's rules).
 */
#ifndef CCHC_VALIDATE_H
#define CCHC_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "proto.h"

/* Checks, in this order: known unit (E_UNKNOWN_UNIT); the submitter may
 * submit for it (E_FORBIDDEN); known dataset (E_UNKNOWN_DATASET); the unit
 * must report it (E_NOT_REQUIRED); the period parses and has the dataset's
 * type (E_PERIOD); it has begun by `now` (E_FUTURE_PERIOD); the unit is
 * open during it (E_UNIT_CLOSED); every value: an indicator of the dataset
 * that is not computed (E_UNKNOWN_INDICATOR), of the right kind (E_VALUE),
 * not negative (E_NEGATIVE), not above the indicator's max (E_VALUE), tags
 * from the list and not repeated (E_TAG); every rate of the dataset whose
 * numerator and denominator are both present has numerator <= denominator
 * (E_RATIO); every required indicator is there (E_INCOMPLETE); every
 * comment names an indicator of the dataset (E_UNKNOWN_INDICATOR).
 * `submitter` is a unit index (-1 = trusted, insecure mode); a `gateway`
 * submitter (cchc-web's key) may submit for any unit of its subtree and must
 * name the user who entered the report (entered_by), any other key may not.
 * Returns 0, or a negative proto_err_t with a sentence in *err. */
int validate_submit(const catalog_t *c, const proto_submit_t *s, int submitter, bool gateway, int64_t now,
                    proto_error_t *err);

/* The decisions of a DECIDE (its `decision` field). */
typedef enum {
    DECIDE_NONE = 0,
    DECIDE_APPROVE,   /* a report version is accepted by the unit's head or the office above */
    DECIDE_RETURN,    /* sent back for correction, with a note saying why */
    DECIDE_EXTEND,    /* the office above moves the deadline to `due` */
    DECIDE_SILENCE,   /* no more reminders for this report */
    DECIDE_UNSILENCE, /* reminders again */
} decide_kind_t;

/* The decision named `name`, or DECIDE_NONE. */
decide_kind_t validate_decision_kind(const char *name);

/* Checks a DECIDE, in this order: a known decision (E_FIELD); the key's
 * rights (E_FORBIDDEN): a gateway key for any unit of its subtree, naming
 * the user (entered_by); another key names no user, and decides approve and
 * return for its own unit and the units under it, extend, silence and
 * unsilence only for units under it (never its own); then unit, dataset and
 * period as validate_submit() (E_UNKNOWN_UNIT, E_UNKNOWN_DATASET,
 * E_NOT_REQUIRED, E_PERIOD, E_FUTURE_PERIOD, E_UNIT_CLOSED); then the
 * fields of the decision (E_FIELD): approve and return need a version and
 * take no due date, return a note; extend needs a due date YYYY-MM-DD not
 * before the period's first day and a note, and takes no version; silence
 * and unsilence take neither.  Whether the version is the latest is the
 * journal's to check (journal_append()).  Returns 0, or a negative
 * proto_err_t with a sentence in *err. */
int validate_decide(const catalog_t *c, const proto_decide_t *d, int submitter, bool gateway, int64_t now,
                    proto_error_t *err);

#endif
