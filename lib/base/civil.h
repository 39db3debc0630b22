/*
 * civil.h -- civil dates (days since 1970-01-01, proleptic Gregorian) and
 * instants (Unix seconds) in local time: Asia/Ho_Chi_Minh, a fixed UTC+7
 * since 1975, so no tz database is needed.
 */
#ifndef CCHC_CIVIL_H
#define CCHC_CIVIL_H

#include <stddef.h>
#include <stdint.h>

#define CIVIL_TZ_OFFSET (7 * 3600) /* seconds east of UTC, Asia/Ho_Chi_Minh */

int32_t date_from_civil(int y, int m, int d);
void date_to_civil(int32_t day, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday */
int date_weekday(int32_t day);
/* Parses YYYY-MM-DD strictly (valid month and day). Returns 0 or -1. */
int date_parse(const char *s, int32_t *day /* OUT */);
/* Writes YYYY-MM-DD; buf at least 11 bytes. */
const char *date_format(int32_t day, char *buf, size_t len);

/* Local civil day of a UTC instant (seconds), and the UTC instant of local
 * midnight at the start of a civil day. */
int32_t date_of_time(int64_t t);
int64_t date_start_time(int32_t day);

/* Parses an ISO 8601 instant: YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]; without
 * an offset the time is local (+07:00).  Also accepts a bare YYYY-MM-DD
 * (local midnight).  Returns 0 or -1. */
int time_parse_iso(const char *s, int64_t *t /* OUT */);
/* Formats t as local time with offset: 2025-09-10T00:00:00+07:00 (26 bytes). */
const char *time_format_iso(int64_t t, char *buf, size_t len);

/* Days in month m (1..12) of year y; 0 for another m. */
int date_days_in_month(int64_t y, int m);

/* Parses exactly n ASCII digits of s into *val.  Returns 0 or -1 (stops at
 * the first non-digit, so a shorter string is never read past its NUL). */
int civil_digits(const char *s, int n, int *val);

#endif
