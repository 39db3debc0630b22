/*
 * civil.c -- civil dates and instants, Asia/Ho_Chi_Minh (a fixed UTC+7).
 *
 * Pure integer arithmetic, as period.c: no allocation, no global state, no
 * locale (digits are tested as ASCII).  Parsers return -1 on bad input and
 * date helpers saturate instead of overflowing.
 */
#include "civil.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define SECS_PER_DAY 86400
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define EPOCH_SHIFT 719468

/* Parses exactly n ASCII digits.  Stops at the first non-digit, so a string
 * shorter than n is detected at its NUL and never read past. */
int civil_digits(const char *s, int n, int *val)
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

int date_days_in_month(int64_t y, int m)
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

    if (civil_digits(s, 4, &y) != 0 || s[4] != '-' || civil_digits(s + 5, 2, &m) != 0 ||
        s[7] != '-' || civil_digits(s + 8, 2, &d) != 0)
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > date_days_in_month(y, m))
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
    if (r + CIVIL_TZ_OFFSET >= SECS_PER_DAY)
        q++;
    return clamp_day(q);
}

int64_t date_start_time(int32_t day)
{
    return (int64_t)day * SECS_PER_DAY - CIVIL_TZ_OFFSET;
}

/* Reads what follows "HH:MM": an optional ":SS", then nothing (local time),
 * "Z" or "+HH:MM"/"-HH:MM", then the end of the string.  Sets the seconds
 * and the offset east of UTC in seconds. */
static int parse_tail(const char *s, int *sec, int *off)
{
    int hh, mm;

    *sec = 0;
    *off = CIVIL_TZ_OFFSET;
    if (*s == ':') {
        if (civil_digits(s + 1, 2, sec) != 0 || *sec > 59)
            return -1;
        s += 3;
    }
    if (*s == '\0')
        return 0;
    if (*s == 'Z') {
        *off = 0;
        return s[1] == '\0' ? 0 : -1;
    }
    if ((*s != '+' && *s != '-') || civil_digits(s + 1, 2, &hh) != 0 || s[3] != ':' ||
        civil_digits(s + 4, 2, &mm) != 0 || s[6] != '\0' || hh > 23 || mm > 59)
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
    if (s[10] != 'T' || civil_digits(s + 11, 2, &hh) != 0 || s[13] != ':' ||
        civil_digits(s + 14, 2, &mi) != 0 || hh > 23 || mi > 59 ||
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
