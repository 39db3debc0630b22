/*
 * calendar.h -- working days and deadlines.
 *
 * Saturdays and Sundays are days off, except a Saturday declared a working
 * day (make-up Saturday).  Holidays from the catalog are days off.  The due
 * rule of the seeds: a report is due "before day N of the last month of the
 * period"; the last day to submit is day N-1; when that day is not a working
 * day it moves forward to the next working day (Civil Code art. 148) if the
 * dataset says so; the deadline is the end of that day, local time.
 */
#ifndef CCHC_CALENDAR_H
#define CCHC_CALENDAR_H

#include <stdbool.h>
#include <stdint.h>

#include "period.h"

typedef struct calendar calendar_t;

/* Caller owns the calendar and must destroy it with calendar_destroy(). */
calendar_t *calendar_new(void);
void calendar_destroy(calendar_t **self_p);

/* Declares `day` a day off (working == false) or a working day (working ==
 * true, e.g. a make-up Saturday).  The last declaration of a day wins.
 * Returns 0, or -1 on allocation failure. */
int calendar_set(calendar_t *self, int32_t day, bool working);

/* true when `day` is a working day.  A NULL calendar knows only weekends. */
bool calendar_is_working(const calendar_t *self, int32_t day);

/* The next working day on or after `day`. */
int32_t calendar_next_working(const calendar_t *self, int32_t day);

/* Adds n working days to day (n may be negative); with n == 0 returns day. */
int32_t calendar_add_working(const calendar_t *self, int32_t day, int n);

/* Number of working days from a to b: positive when b is after a. Counts the
 * working days in (a, b]; negative mirror when b < a. */
int calendar_working_between(const calendar_t *self, int32_t a, int32_t b);

/* The last civil day to submit period p under the due rule: the day before
 * day `due_day` of the period's last month, rolled forward to a working day
 * when `roll_forward`.  due_day is 1..28 (due_day == 1 means the last day of
 * the month before). */
int32_t calendar_last_day(const calendar_t *self, period_t p, int due_day, bool roll_forward);

/* The deadline instant (UTC seconds): the end of calendar_last_day(), that is
 * local midnight of the following day. */
int64_t calendar_deadline(const calendar_t *self, period_t p, int due_day, bool roll_forward);

#endif
