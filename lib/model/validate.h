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
 * (E_RATIO); every required indicator is there (E_INCOMPLETE).
 * `submitter` is a unit index (-1 = trusted, insecure mode); a `gateway`
 * submitter (cchc-web's key) may submit for any unit of its subtree and must
 * name the user who entered the report (entered_by), any other key may not.
 * Returns 0, or a negative proto_err_t with a sentence in *err. */
int validate_submit(const catalog_t *c, const proto_submit_t *s, int submitter, bool gateway, int64_t now,
                    proto_error_t *err);

#endif
