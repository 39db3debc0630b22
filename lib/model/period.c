/*
 * period.c -- reporting periods (civil dates are civil.c's).
 *
 * Everything here is pure integer arithmetic on values: no allocation, no
 * global state, no locale (digits are tested as ASCII, never with isdigit(),
 * so a user's LC_CTYPE cannot change what a period code means).  Bad input
 * never crashes: parsers return -1, constructors return an invalid period
 * (type PERIOD_NONE), and date helpers saturate instead of overflowing.
 */
#include "period.h"

#include <stdio.h>
#include <string.h>

/* Returned by period_first_day()/period_last_day() for an invalid period:
 * every other int32 value is a real day, so the sentinel must be extreme. */
#define DAY_INVALID INT32_MIN

static const period_t period_none = {0, PERIOD_NONE, 0};

/* ---- helpers ---------------------------------------------------------- */

int period_type_months(period_type_t t)
{
    switch (t) {
    case PERIOD_MONTH: return 1;
    case PERIOD_QUARTER: return 3;
    case PERIOD_HALF: return 6;
    case PERIOD_YEAR: return 12;
    default: return 0;
    }
}

static period_t make_period(int year, int type, int index)
{
    period_t p = {(uint16_t)year, (uint8_t)type, (uint8_t)index};
    return p;
}

/* ---- periods ---------------------------------------------------------- */

bool period_valid(period_t p)
{
    int span = period_type_months(p.type);
    return span != 0 && p.year >= PERIOD_YEAR_MIN && p.year <= PERIOD_YEAR_MAX &&
           p.index >= 1 && p.index <= 12 / span;
}

int period_parse(const char *s, period_t *out)
{
    int year, idx;
    size_t len;
    period_t p;

    if (s == NULL || out == NULL)
        return -1;
    len = strnlen(s, PERIOD_CODE_MAX);
    if ((len != 4 && len != 6) || civil_digits(s, 4, &year) != 0)
        return -1;
    if (len == 4) {
        p = make_period(year, PERIOD_YEAR, 1);
    } else if (s[4] == 'Q' || s[4] == 'S') {
        if (civil_digits(s + 5, 1, &idx) != 0)
            return -1;
        p = make_period(year, s[4] == 'Q' ? PERIOD_QUARTER : PERIOD_HALF, idx);
    } else {
        if (civil_digits(s + 4, 2, &idx) != 0)
            return -1;
        p = make_period(year, PERIOD_MONTH, idx);
    }
    /* Every value read (year <= 9999, index <= 99) fits the struct's fields,
     * so the ranges are checked once, here, and *out is left alone on error. */
    if (!period_valid(p))
        return -1;
    *out = p;
    return 0;
}

const char *period_format(period_t p, char *buf, size_t len)
{
    int n;

    if (buf == NULL || len == 0)
        return "";
    buf[0] = '\0';
    if (!period_valid(p))
        return buf;
    switch (p.type) {
    case PERIOD_MONTH: n = snprintf(buf, len, "%04d%02d", p.year, p.index); break;
    case PERIOD_QUARTER: n = snprintf(buf, len, "%04dQ%d", p.year, p.index); break;
    case PERIOD_HALF: n = snprintf(buf, len, "%04dS%d", p.year, p.index); break;
    default: n = snprintf(buf, len, "%04d", p.year); break;
    }
    /* A truncated code would be a different, valid-looking code ("2025Q"). */
    if (n < 0 || (size_t)n >= len)
        buf[0] = '\0';
    return buf;
}

int period_first_month(period_t p)
{
    if (!period_valid(p))
        return 0;
    return (p.index - 1) * period_type_months(p.type) + 1;
}

int period_last_month(period_t p)
{
    if (!period_valid(p))
        return 0;
    return p.index * period_type_months(p.type);
}

/* The period of type t in year y that contains month m (all valid). */
static period_t period_of_month(int y, int m, int t)
{
    return make_period(y, t, (m - 1) / period_type_months(t) + 1);
}

period_t period_parent(period_t p)
{
    if (!period_valid(p) || p.type == PERIOD_YEAR)
        return period_none;
    return period_of_month(p.year, period_first_month(p), p.type + 1);
}

bool period_contains(period_t outer, period_t inner)
{
    if (!period_valid(outer) || !period_valid(inner))
        return false;
    /* Periods are aligned on their spans, so month ranges decide. */
    return outer.year == inner.year && outer.type >= inner.type &&
           period_first_month(outer) <= period_first_month(inner) &&
           period_last_month(inner) <= period_last_month(outer);
}

period_t period_next(period_t p)
{
    if (!period_valid(p))
        return period_none;
    if (p.index < 12 / period_type_months(p.type))
        return make_period(p.year, p.type, p.index + 1);
    if (p.year >= PERIOD_YEAR_MAX)
        return period_none;
    return make_period(p.year + 1, p.type, 1);
}

period_t period_prev(period_t p)
{
    if (!period_valid(p))
        return period_none;
    if (p.index > 1)
        return make_period(p.year, p.type, p.index - 1);
    if (p.year <= PERIOD_YEAR_MIN)
        return period_none;
    return make_period(p.year - 1, p.type, 12 / period_type_months(p.type));
}

int period_children(period_t p, period_type_t type, period_t *out, int max)
{
    int span = period_type_months(type), n, first;

    if (!period_valid(p) || span == 0 || (int)type > p.type)
        return 0;
    n = period_type_months(p.type) / span;
    first = (period_first_month(p) - 1) / span + 1;
    /* Like snprintf: the full count is returned even when max cuts it short,
     * so a caller can tell that its array was too small. */
    for (int i = 0; out != NULL && i < n && i < max; i++)
        out[i] = make_period(p.year, type, first + i);
    return n;
}

period_t period_of_day(int32_t day, period_type_t type)
{
    int y, m, d;

    if (period_type_months(type) == 0)
        return period_none;
    date_to_civil(day, &y, &m, &d);
    if (y < PERIOD_YEAR_MIN || y > PERIOD_YEAR_MAX)
        return period_none;
    return period_of_month(y, m, type);
}

int32_t period_first_day(period_t p)
{
    if (!period_valid(p))
        return DAY_INVALID;
    return date_from_civil(p.year, period_first_month(p), 1);
}

int32_t period_last_day(period_t p)
{
    if (!period_valid(p))
        return DAY_INVALID;
    int m = period_last_month(p);
    return date_from_civil(p.year, m, date_days_in_month(p.year, m));
}

uint32_t period_key(period_t p)
{
    return (uint32_t)p.year << 16 | (uint32_t)p.type << 8 | p.index;
}

period_t period_from_key(uint32_t key)
{
    period_t p = make_period((int)(key >> 16), (int)(key >> 8 & 0xff), (int)(key & 0xff));
    return period_valid(p) ? p : period_none;
}

static const char *const type_names[] = {"none", "month", "quarter", "half", "year"};

period_type_t period_type_parse(const char *s)
{
    if (s == NULL)
        return PERIOD_NONE;
    for (int t = PERIOD_MONTH; t <= PERIOD_YEAR; t++)
        if (strcmp(s, type_names[t]) == 0)
            return (period_type_t)t;
    return PERIOD_NONE;
}

const char *period_type_name(period_type_t t)
{
    /* "none" rather than NULL so that callers may print it unchecked. */
    if ((int)t < PERIOD_MONTH || (int)t > PERIOD_YEAR)
        return type_names[0];
    return type_names[t];
}

bool period_within_years(period_t p, period_t today, int years)
{
    if (p.year > today.year || (p.year == today.year && p.index > today.index))
        return false;
    return p.year + years > today.year || (p.year + years == today.year && p.index >= today.index);
}
