/*
 * period.h -- reporting periods and civil dates.
 *
 * A period is a month (`202509`), a quarter (`2025Q3`), a half-year (`2025S2`)
 * or a year (`2025`).  Periods nest: month -> quarter -> half-year -> year.
 * Dates are civil day numbers (days since 1970-01-01, proleptic Gregorian) so
 * that arithmetic on them is plain integer arithmetic.  Local time is
 * Asia/Ho_Chi_Minh, which has been UTC+7 without daylight saving since 1975;
 * we therefore use a fixed offset instead of the tz database.
 */
#ifndef CCHC_PERIOD_H
#define CCHC_PERIOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "civil.h"

#define PERIOD_TZ_OFFSET CIVIL_TZ_OFFSET
#define PERIOD_CODE_MAX 8           /* longest code "2025Q3" + NUL, rounded up */
#define PERIOD_YEAR_MIN 1970
#define PERIOD_YEAR_MAX 9999

typedef enum {
    PERIOD_NONE = 0,
    PERIOD_MONTH = 1,
    PERIOD_QUARTER = 2,
    PERIOD_HALF = 3,
    PERIOD_YEAR = 4,
} period_type_t;

typedef struct {
    uint16_t year;
    uint8_t type;  /* period_type_t */
    uint8_t index; /* month 1..12, quarter 1..4, half 1..2, year 1 */
} period_t;

/* Parses a period code.  Returns 0, or -1 when `s` is not exactly one of the
 * four forms (no spaces, no trailing bytes, month 01..12, quarter 1..4,
 * half 1..2, year 1970..9999). */
int period_parse(const char *s, period_t *out /* OUT */);

/* Writes the canonical code into buf (at least PERIOD_CODE_MAX bytes).
 * Returns buf, or "" when p is not valid. */
const char *period_format(period_t p, char *buf, size_t len);

bool period_valid(period_t p);

/* The period of the next coarser type that contains p; a year has no parent
 * (the result has type PERIOD_NONE). */
period_t period_parent(period_t p);

/* true when `inner` lies inside `outer` (a period contains itself). */
bool period_contains(period_t outer, period_t inner);

/* Next / previous period of the same type (crosses year ends). */
period_t period_next(period_t p);
period_t period_prev(period_t p);

/* First and last month (1..12) of the period. */
int period_first_month(period_t p);
int period_last_month(period_t p);

/* The sub-periods of type `type` inside p, in order, written to out (at most
 * `max`).  Returns their number (12 months in a year, 4 quarters, ...), 0 when
 * `type` is coarser than p's type. */
int period_children(period_t p, period_type_t type, period_t *out, int max);

/* Months covered by one period of type t (0 for an unknown type). */
int period_type_months(period_type_t t);

/* The period of type `type` that contains the civil day `day`. */
period_t period_of_day(int32_t day, period_type_t type);

/* First and last civil day of the period (inclusive). */
int32_t period_first_day(period_t p);
int32_t period_last_day(period_t p);

/* Sortable 32-bit key: year<<16 | type<<8 | index (big-endian in LMDB keys). */
uint32_t period_key(period_t p);
period_t period_from_key(uint32_t key);

/* "month", "quarter", "half", "year" <-> period_type_t (PERIOD_NONE if unknown). */
period_type_t period_type_parse(const char *s);
const char *period_type_name(period_type_t t);

/* How far back approval reaches: a report awaiting approval is listed in
 * its head's queue (cchc-web /approve) and reminded (cchc-notifier) from the
 * current period back to the same period this many years before. */
#define PERIOD_APPROVAL_YEARS 3

/* true when p (of today's type) is today or one of the periods before it
 * back to the same period `years` years earlier. */
bool period_within_years(period_t p, period_t today, int years);

#endif
