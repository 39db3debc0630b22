/*
 * period.c -- reporting periods and civil dates.
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

#define SECS_PER_DAY 86400
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define EPOCH_SHIFT 719468
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

/* Parses exactly n ASCII digits.  Stops at the first non-digit, so a string
 * shorter than n is detected at its NUL and never read past. */
static int parse_digits(const char *s, int n, int *val)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *val = v;
    return 0;
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
}

static int32_t clamp_day(int64_t d)
{
    if (d < INT32_MIN)
        return INT32_MIN;
    if (d > INT32_MAX)
        return INT32_MAX;
    return (int32_t)d;
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
    if ((len != 4 && len != 6) || parse_digits(s, 4, &year) != 0)
        return -1;
    if (len == 4) {
        p = make_period(year, PERIOD_YEAR, 1);
    } else if (s[4] == 'Q' || s[4] == 'S') {
        if (parse_digits(s + 5, 1, &idx) != 0)
            return -1;
        p = make_period(year, s[4] == 'Q' ? PERIOD_QUARTER : PERIOD_HALF, idx);
    } else {
        if (parse_digits(s + 4, 2, &idx) != 0)
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
    return date_from_civil(p.year, m, days_in_month(p.year, m));
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

/* ---- civil dates ------------------------------------------------------ */

/* Howard Hinnant's days_from_civil: the year is shifted to start on 1 March
 * so that the leap day is the last day of a (shifted) year.  int64 inside so
 * that absurd inputs saturate instead of overflowing. */
int32_t date_from_civil(int y, int m, int d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                  /* [0, 399] */
    int64_t mp = (int64_t)m + (m > 2 ? -3 : 9);                    /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;             /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return clamp_day(era * 146097 + doe - EPOCH_SHIFT);
}

void date_to_civil(int32_t day, int *y, int *m, int *d)
{
    int64_t z = (int64_t)day + EPOCH_SHIFT;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int mm = (int)(mp < 10 ? mp + 3 : mp - 9);

    if (y != NULL)
        *y = (int)(yoe + era * 400 + (mm <= 2));
    if (m != NULL)
        *m = mm;
    if (d != NULL)
        *d = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int date_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (3); % 7 first so that +10 cannot overflow. */
    return (day % 7 + 10) % 7;
}

/* Reads "YYYY-MM-DD" from the first 10 bytes of s; what follows is the
 * caller's business. */
static int parse_ymd(const char *s, int32_t *day)
{
    int y, m, d;

    if (parse_digits(s, 4, &y) != 0 || s[4] != '-' || parse_digits(s + 5, 2, &m) != 0 ||
        s[7] != '-' || parse_digits(s + 8, 2, &d) != 0)
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return -1;
    *day = date_from_civil(y, m, d);
    return 0;
}

int date_parse(const char *s, int32_t *day)
{
    int32_t v;

    if (s == NULL || day == NULL || parse_ymd(s, &v) != 0 || s[10] != '\0')
        return -1;
    *day = v;
    return 0;
}

const char *date_format(int32_t day, char *buf, size_t len)
{
    int y, m, d;

    if (buf == NULL || len == 0)
        return "";
    buf[0] = '\0';
    date_to_civil(day, &y, &m, &d);
    /* Outside 0000..9999 the text would not be YYYY-MM-DD any more. */
    if (len < 11 || y < 0 || y > 9999)
        return buf;
    snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
    return buf;
}

int32_t date_of_time(int64_t t)
{
    /* Floor division first and the offset on the remainder: t + offset
     * could overflow near INT64_MAX. */
    int64_t q = t / SECS_PER_DAY, r = t % SECS_PER_DAY;

    if (r < 0) {
        r += SECS_PER_DAY;
        q--;
    }
    if (r + PERIOD_TZ_OFFSET >= SECS_PER_DAY)
        q++;
    return clamp_day(q);
}

int64_t date_start_time(int32_t day)
{
    return (int64_t)day * SECS_PER_DAY - PERIOD_TZ_OFFSET;
}

/* Reads what follows "HH:MM": an optional ":SS", then nothing (local time),
 * "Z" or "+HH:MM"/"-HH:MM", then the end of the string.  Sets the seconds
 * and the offset east of UTC in seconds. */
static int parse_tail(const char *s, int *sec, int *off)
{
    int hh, mm;

    *sec = 0;
    *off = PERIOD_TZ_OFFSET;
    if (*s == ':') {
        if (parse_digits(s + 1, 2, sec) != 0 || *sec > 59)
            return -1;
        s += 3;
    }
    if (*s == '\0')
        return 0;
    if (*s == 'Z') {
        *off = 0;
        return s[1] == '\0' ? 0 : -1;
    }
    if ((*s != '+' && *s != '-') || parse_digits(s + 1, 2, &hh) != 0 || s[3] != ':' ||
        parse_digits(s + 4, 2, &mm) != 0 || s[6] != '\0' || hh > 23 || mm > 59)
        return -1;
    *off = (*s == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
    return 0;
}

int time_parse_iso(const char *s, int64_t *t)
{
    int32_t day;
    int hh, mi, ss, off;

    if (s == NULL || t == NULL || parse_ymd(s, &day) != 0)
        return -1;
    if (s[10] == '\0') {
        *t = date_start_time(day);
        return 0;
    }
    if (s[10] != 'T' || parse_digits(s + 11, 2, &hh) != 0 || s[13] != ':' ||
        parse_digits(s + 14, 2, &mi) != 0 || hh > 23 || mi > 59 ||
        parse_tail(s + 16, &ss, &off) != 0)
        return -1;
    *t = (int64_t)day * SECS_PER_DAY + hh * 3600 + mi * 60 + ss - off;
    return 0;
}

const char *time_format_iso(int64_t t, char *buf, size_t len)
{
    int32_t day = date_of_time(t);
    int y, m, d;
    int64_t sod;

    if (buf == NULL || len == 0)
        return "";
    buf[0] = '\0';
    date_to_civil(day, &y, &m, &d);
    /* The year check also rules out a saturated day, so sod below is exact. */
    if (len < 26 || y < 0 || y > 9999)
        return buf;
    sod = t - date_start_time(day);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60));
    return buf;
}
