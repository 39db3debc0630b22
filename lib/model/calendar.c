/*
 * calendar.c -- working days and deadlines.
 *
 * A calendar is the weekend rule plus a sorted array of declared days (each a
 * day off or a working day).  The catalog declares tens of days, so a sorted
 * array beats a hash set: lookups are a binary search with no allocation and
 * good locality, and range questions ("which declared days lie in (a, b]?")
 * come for free.  Counting and adding working days use closed-form weekday
 * arithmetic corrected by the declared days in range, so their cost does not
 * grow with the distance (a reminder policy read from a config file cannot
 * make us loop for billions of days).  Days are carried in int64 inside and
 * saturate at the ends of the int32 range rather than overflow.
 */
#include "calendar.h"

#include <limits.h>
#include <stdlib.h>

/* Returned for an invalid period or due day: every other int32 is a day. */
#define DAY_INVALID INT32_MIN
/* 1970-01-05 (day 4) was a Monday: the anchor of weekday counting. */
#define MONDAY0 4

typedef struct {
    int32_t day;
    bool working;
} decl_t;

struct calendar {
    decl_t *decl; /* sorted by day, no duplicates */
    int n, cap;
};

calendar_t *calendar_new(void)
{
    return calloc(1, sizeof(calendar_t));
}

void calendar_destroy(calendar_t **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    free((*self_p)->decl);
    free(*self_p);
    *self_p = NULL;
}

/* Index of the first declaration with day >= `day` (n when none). */
static int lower_bound(const calendar_t *self, int64_t day)
{
    int lo = 0, hi = self->n;

    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (self->decl[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int grow(calendar_t *self)
{
    int cap;
    decl_t *d;

    if (self->n < self->cap)
        return 0;
    if (self->cap > INT_MAX / 2)
        return -1;
    cap = self->cap ? self->cap * 2 : 32;
    d = realloc(self->decl, (size_t)cap * sizeof(*d));
    if (d == NULL)
        return -1;
    self->decl = d;
    self->cap = cap;
    return 0;
}

int calendar_set(calendar_t *self, int32_t day, bool working)
{
    int i;

    if (self == NULL)
        return -1;
    i = lower_bound(self, day);
    if (i < self->n && self->decl[i].day == day) {
        self->decl[i].working = working; /* the last declaration wins */
        return 0;
    }
    if (grow(self) != 0)
        return -1;
    for (int j = self->n; j > i; j--)
        self->decl[j] = self->decl[j - 1];
    self->decl[i].day = day;
    self->decl[i].working = working;
    self->n++;
    return 0;
}

static bool weekday_rule(int64_t day)
{
    return date_weekday((int32_t)day) < 5;
}

bool calendar_is_working(const calendar_t *self, int32_t day)
{
    if (self != NULL && self->n > 0) {
        int i = lower_bound(self, day);
        if (i < self->n && self->decl[i].day == day)
            return self->decl[i].working;
    }
    return weekday_rule(day);
}

int32_t calendar_next_working(const calendar_t *self, int32_t day)
{
    /* Ends within n + 3 steps: only declared days can break the weekend
     * rule, and at most two weekend days follow any run of them. */
    for (int64_t d = day; d <= INT32_MAX; d++)
        if (calendar_is_working(self, (int32_t)d))
            return (int32_t)d;
    return INT32_MAX;
}

/* ---- counting --------------------------------------------------------- */

/* Weekdays (Mon..Fri) in (-inf, x], up to a constant: W(b) - W(a) is the
 * number of weekdays in (a, b]. */
static int64_t weekdays_upto(int64_t x)
{
    int64_t k = x - MONDAY0, q = k / 7, r = k % 7;

    if (r < 0) {
        r += 7;
        q--;
    }
    return 5 * q + (r < 5 ? r + 1 : 5);
}

/* Working days in (a, b] for a <= b: the weekend rule corrected by every
 * declaration in range that disagrees with it. */
static int64_t count_working(const calendar_t *self, int64_t a, int64_t b)
{
    int64_t n = weekdays_upto(b) - weekdays_upto(a);

    if (self == NULL)
        return n;
    for (int i = lower_bound(self, a + 1); i < self->n && self->decl[i].day <= b; i++)
        if (self->decl[i].working != weekday_rule(self->decl[i].day))
            n += self->decl[i].working ? 1 : -1;
    return n;
}

int calendar_working_between(const calendar_t *self, int32_t a, int32_t b)
{
    int64_t n = a <= b ? count_working(self, a, b) : -count_working(self, b, a);

    /* The int32 day range holds about 3e9 weekdays: more than an int. */
    if (n > INT_MAX)
        return INT_MAX;
    if (n < INT_MIN)
        return INT_MIN;
    return (int)n;
}

/* Declared days off that fall on weekdays: each can cost at most one working
 * day in any range, which bounds the search below. */
static int64_t weekday_offs(const calendar_t *self)
{
    int64_t n = 0;

    for (int i = 0; self != NULL && i < self->n; i++)
        n += !self->decl[i].working && weekday_rule(self->decl[i].day);
    return n;
}

/* Forward: the first d > day with count_working(day, d) >= n (n > 0).  The
 * count grows by one exactly at each working day, so that d is the n-th
 * working day after `day`.  7 calendar days hold 5 weekdays, hence the
 * upper bound; a binary search keeps the cost logarithmic. */
static int64_t add_forward(const calendar_t *self, int64_t day, int64_t n)
{
    int64_t need = n + weekday_offs(self);
    int64_t lo = day + 1, hi = day + (need / 5 + 1) * 7;

    if (hi > INT32_MAX)
        hi = INT32_MAX;
    if (lo > hi || count_working(self, day, hi) < n)
        return INT32_MAX;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (count_working(self, day, mid) >= n)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Backward: the last d < day with n working days in [d, day), that is
 * count_working(d - 1, day - 1) >= n (n > 0). */
static int64_t add_backward(const calendar_t *self, int64_t day, int64_t n)
{
    int64_t need = n + weekday_offs(self);
    int64_t lo = day - (need / 5 + 1) * 7, hi = day - 1;

    if (lo < (int64_t)INT32_MIN + 1)
        lo = (int64_t)INT32_MIN + 1;
    if (lo > hi || count_working(self, lo - 1, day - 1) < n)
        return INT32_MIN;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        if (count_working(self, mid - 1, day - 1) >= n)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int32_t calendar_add_working(const calendar_t *self, int32_t day, int n)
{
    if (n > 0)
        return (int32_t)add_forward(self, day, n);
    if (n < 0)
        return (int32_t)add_backward(self, day, -(int64_t)n);
    return day;
}

/* ---- deadlines -------------------------------------------------------- */

int32_t calendar_last_day(const calendar_t *self, period_t p, int due_day, bool roll_forward)
{
    int32_t day;

    /* Day 29..31 does not exist in every month; the catalog rejects it, and
     * here it is an error rather than a silent clamp. */
    if (!period_valid(p) || due_day < 1 || due_day > 28)
        return DAY_INVALID;
    /* "Before day N": the last day to submit is day N - 1, which for N == 1
     * is the last day of the previous month. */
    day = date_from_civil(p.year, period_last_month(p), due_day) - 1;
    return roll_forward ? calendar_next_working(self, day) : day;
}

int64_t calendar_deadline(const calendar_t *self, period_t p, int due_day, bool roll_forward)
{
    int32_t day = calendar_last_day(self, p, due_day, roll_forward);

    if (day == DAY_INVALID)
        return INT64_MIN;
    /* The end of the last day is the first instant of the next one. */
    return date_start_time(day) + 86400;
}
