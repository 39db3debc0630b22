/*
 * test_calendar.c -- working days and deadlines (calendar.h).
 *
 * Test names are "calendar-G.N what": G groups working days (1), deadlines
 * (2) and counting / adding working days (3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "calendar.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

static int32_t D(const char *s)
{
    int32_t d = 0;
    if (date_parse(s, &d) != 0)
        fail_msg("fixture date '%s' does not parse", s);
    return d;
}

static period_t P(const char *code)
{
    period_t p = {0, 0, 0};
    if (period_parse(code, &p) != 0)
        fail_msg("fixture period '%s' does not parse", code);
    return p;
}

static void assert_day(int32_t day, const char *s)
{
    char buf[16];
    assert_string_equal(date_format(day, buf, sizeof buf), s);
}

static void assert_deadline(const calendar_t *cal, const char *period, int due_day, bool roll,
                            const char *want)
{
    char buf[32];
    assert_string_equal(time_format_iso(calendar_deadline(cal, P(period), due_day, roll), buf,
                                        sizeof buf), want);
}

static int setup_cal(void **state)
{
    *state = calendar_new();
    return *state == NULL ? -1 : 0;
}

static int teardown_cal(void **state)
{
    calendar_t *cal = *state;
    calendar_destroy(&cal);
    return 0;
}

#define TEST_CAL(name, fn) {name, fn, setup_cal, teardown_cal, NULL}

/* A small deterministic generator: tests must not depend on rand()'s state. */
static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

/* ---- 1. working days ---------------------------------------------------- */

static void weekends_only(void **state)
{
    calendar_t *empty = *state;
    int32_t mon = D("2025-09-08");
    for (int i = 0; i < 14; i++) {
        bool want = (i % 7) < 5;
        assert_int_equal(calendar_is_working(NULL, mon + i), want);
        assert_int_equal(calendar_is_working(empty, mon + i), want);
    }
    /* The ends of the day range are ordinary days. */
    assert_int_equal(calendar_is_working(NULL, INT32_MAX), date_weekday(INT32_MAX) < 5);
    assert_int_equal(calendar_is_working(empty, INT32_MIN), date_weekday(INT32_MIN) < 5);
}

static void declared_days(void **state)
{
    calendar_t *cal = *state;
    assert_int_equal(calendar_set(cal, D("2025-09-01"), false), 0); /* Monday off */
    assert_int_equal(calendar_set(cal, D("2025-04-26"), true), 0);  /* make-up Saturday */
    assert_false(calendar_is_working(cal, D("2025-09-01")));
    assert_true(calendar_is_working(cal, D("2025-09-03")));
    assert_true(calendar_is_working(cal, D("2025-04-26")));
    assert_false(calendar_is_working(cal, D("2025-04-27")));
    /* The last declaration of a day wins. */
    assert_int_equal(calendar_set(cal, D("2025-09-01"), true), 0);
    assert_true(calendar_is_working(cal, D("2025-09-01")));
    assert_int_equal(calendar_set(cal, D("2025-09-01"), false), 0);
    assert_false(calendar_is_working(cal, D("2025-09-01")));
    assert_int_equal(calendar_set(NULL, 0, false), -1);
}

static void many_declarations(void **state)
{
    /* 300 random declarations in random order, checked day by day against a
     * plain array: the sorted store must agree everywhere. */
    calendar_t *cal = *state;
    enum { SPAN = 2000 };
    signed char ref[SPAN];
    uint32_t seed = 12345;
    int32_t base = D("2024-01-01");
    memset(ref, -1, sizeof ref);
    for (int i = 0; i < 300; i++) {
        int k = (int)(lcg(&seed) % SPAN);
        bool w = lcg(&seed) & 1;
        assert_int_equal(calendar_set(cal, base + k, w), 0);
        ref[k] = w;
    }
    for (int k = 0; k < SPAN; k++) {
        bool want = ref[k] >= 0 ? ref[k] == 1 : date_weekday(base + k) < 5;
        assert_int_equal(calendar_is_working(cal, base + k), want);
    }
}

static void next_working(void **state)
{
    calendar_t *cal = *state;
    assert_day(calendar_next_working(NULL, D("2025-08-09")), "2025-08-11");
    assert_day(calendar_next_working(NULL, D("2025-08-11")), "2025-08-11");
    assert_int_equal(calendar_set(cal, D("2025-08-11"), false), 0);
    assert_int_equal(calendar_set(cal, D("2025-08-12"), false), 0);
    assert_day(calendar_next_working(cal, D("2025-08-09")), "2025-08-13");
    assert_int_equal(calendar_set(cal, D("2025-08-10"), true), 0); /* a working Sunday */
    assert_day(calendar_next_working(cal, D("2025-08-09")), "2025-08-10");
    /* At the very end of the day range there is nothing after: saturate. */
    int32_t last = calendar_next_working(NULL, INT32_MAX - 10);
    assert_true(last >= INT32_MAX - 10);
    assert_int_equal(calendar_next_working(NULL, INT32_MAX), INT32_MAX);
}

/* ---- 2. deadlines ------------------------------------------------------- */

static void quarter_deadline(void **state)
{
    /* Before 10 September: last day Tue 2025-09-09. */
    assert_day(calendar_last_day(NULL, P("2025Q3"), 10, true), "2025-09-09");
    assert_deadline(NULL, "2025Q3", 10, true, "2025-09-10T00:00:00+07:00");
    assert_deadline(*state, "2025Q3", 10, true, "2025-09-10T00:00:00+07:00");
    assert_deadline(NULL, "2025Q4", 10, true, "2025-12-10T00:00:00+07:00");
    assert_deadline(NULL, "2026Q2", 10, true, "2026-06-10T00:00:00+07:00");
}

static void half_year_deadline(void **state)
{
    /* Before 10 June 2025: Mon 2025-06-09. */
    assert_day(calendar_last_day(NULL, P("2025S1"), 10, true), "2025-06-09");
    assert_deadline(NULL, "2025S1", 10, true, "2025-06-10T00:00:00+07:00");
    assert_deadline(NULL, "2025", 10, true, "2025-12-10T00:00:00+07:00");
}

static void weekend_rolls(void **state)
{
    /* 9 August 2025 is a Saturday: Monday 11 August. */
    assert_day(calendar_last_day(NULL, P("202508"), 10, true), "2025-08-11");
    assert_deadline(NULL, "202508", 10, true, "2025-08-12T00:00:00+07:00");
    /* A Sunday: 31 August 2025 (due day 1 of September) rolls to Monday. */
    assert_day(calendar_last_day(NULL, P("202509"), 1, true), "2025-09-01");
}

static void holidays_roll(void **state)
{
    calendar_t *cal = *state;
    assert_int_equal(calendar_set(cal, D("2025-09-01"), false), 0);
    assert_int_equal(calendar_set(cal, D("2025-09-02"), false), 0);
    /* Before 2 September: 1 September is off, so is the 2nd: Wednesday. */
    assert_day(calendar_last_day(cal, P("202509"), 2, true), "2025-09-03");
    assert_deadline(cal, "202509", 2, true, "2025-09-04T00:00:00+07:00");
    assert_deadline(cal, "2025Q3", 2, true, "2025-09-04T00:00:00+07:00");
    /* Without the holidays the Monday stands. */
    assert_day(calendar_last_day(NULL, P("202509"), 2, true), "2025-09-01");
}

static void tet_rolls(void **state)
{
    /* A Tet-like break: Mon 16 to Fri 20 February 2026 off, with the
     * weekends around it.  Before 17 February rolls to Monday 23rd. */
    calendar_t *cal = *state;
    for (int32_t d = D("2026-02-16"); d <= D("2026-02-20"); d++)
        assert_int_equal(calendar_set(cal, d, false), 0);
    assert_day(calendar_last_day(cal, P("202602"), 17, true), "2026-02-23");
    assert_deadline(cal, "202602", 17, true, "2026-02-24T00:00:00+07:00");
    assert_day(calendar_last_day(cal, P("202602"), 17, false), "2026-02-16");
}

static void makeup_saturday(void **state)
{
    /* 26 April 2025 was a make-up working Saturday. */
    calendar_t *cal = *state;
    assert_day(calendar_last_day(cal, P("202504"), 27, true), "2025-04-28");
    assert_int_equal(calendar_set(cal, D("2025-04-26"), true), 0);
    assert_day(calendar_last_day(cal, P("202504"), 27, true), "2025-04-26");
    assert_deadline(cal, "202504", 27, true, "2025-04-27T00:00:00+07:00");
}

static void no_roll(void **state)
{
    calendar_t *cal = *state;
    assert_int_equal(calendar_set(cal, D("2025-09-01"), false), 0);
    assert_day(calendar_last_day(NULL, P("202508"), 10, false), "2025-08-09");
    assert_deadline(NULL, "202508", 10, false, "2025-08-10T00:00:00+07:00");
    assert_day(calendar_last_day(cal, P("202509"), 2, false), "2025-09-01");
}

static void due_day_one(void **state)
{
    /* Day 1 means the last day of the month before, across months and years. */
    assert_day(calendar_last_day(NULL, P("2025Q3"), 1, false), "2025-08-31");
    assert_day(calendar_last_day(NULL, P("2025Q1"), 1, false), "2025-02-28");
    assert_day(calendar_last_day(NULL, P("2024Q1"), 1, false), "2024-02-29");
    assert_day(calendar_last_day(NULL, P("202501"), 1, false), "2024-12-31");
    assert_deadline(NULL, "202501", 1, false, "2025-01-01T00:00:00+07:00");
    assert_day(calendar_last_day(NULL, P("202601"), 1, true), "2025-12-31");
    assert_day(calendar_last_day(NULL, P("202505"), 28, false), "2025-05-27");
}

static void bad_arguments(void **state)
{
    period_t none = {0, 0, 0}, bad = {2025, PERIOD_MONTH, 13};
    assert_int_equal(calendar_last_day(NULL, P("2025Q3"), 0, true), INT32_MIN);
    assert_int_equal(calendar_last_day(NULL, P("2025Q3"), 29, true), INT32_MIN);
    assert_int_equal(calendar_last_day(NULL, P("2025Q3"), -5, true), INT32_MIN);
    assert_int_equal(calendar_last_day(NULL, none, 10, true), INT32_MIN);
    assert_int_equal(calendar_last_day(NULL, bad, 10, true), INT32_MIN);
    assert_true(calendar_deadline(NULL, bad, 10, true) == INT64_MIN);
    assert_true(calendar_deadline(NULL, P("2025Q3"), INT_MAX, true) == INT64_MIN);
    /* The last period there is still has a deadline. */
    assert_deadline(NULL, "9999", 28, true, "9999-12-28T00:00:00+07:00");
    calendar_destroy(NULL);
    calendar_t *none_cal = NULL;
    calendar_destroy(&none_cal);
}

/* ---- 3. counting and adding --------------------------------------------- */

static void between_basic(void **state)
{
    int32_t mon = D("2025-09-08"), fri = mon + 4, sat = mon + 5, nmon = mon + 7;
    assert_int_equal(calendar_working_between(NULL, mon, fri), 4);
    assert_int_equal(calendar_working_between(NULL, fri, nmon), 1);
    assert_int_equal(calendar_working_between(NULL, fri, sat), 0);
    assert_int_equal(calendar_working_between(NULL, mon, mon), 0);
    assert_int_equal(calendar_working_between(NULL, fri, mon), -4);
    assert_int_equal(calendar_working_between(NULL, mon, nmon + 7), 10);
    assert_int_equal(calendar_working_between(NULL, D("2025-01-01") - 1, D("2025-12-31")), 261);
}

static void add_basic(void **state)
{
    calendar_t *cal = *state;
    int32_t mon = D("2025-09-08"), fri = mon + 4, sat = mon + 5, sun = mon + 6;
    assert_int_equal(calendar_add_working(NULL, fri, 1), mon + 7);
    assert_int_equal(calendar_add_working(NULL, sat, 1), mon + 7);
    assert_int_equal(calendar_add_working(NULL, sun, 1), mon + 7);
    assert_int_equal(calendar_add_working(NULL, mon, 5), mon + 7);
    assert_int_equal(calendar_add_working(NULL, mon, -1), mon - 3);
    assert_int_equal(calendar_add_working(NULL, sat, -1), fri);
    assert_int_equal(calendar_add_working(NULL, sat, 0), sat);
    /* "3 working days after the deadline" of 202508 (Mon 11 August), with
     * 2 September (National Day) off: Thursday 14 August. */
    assert_int_equal(calendar_set(cal, D("2025-09-02"), false), 0);
    assert_day(calendar_add_working(cal, calendar_last_day(cal, P("202508"), 10, true), 3),
               "2025-08-14");
    assert_day(calendar_add_working(cal, D("2025-08-29"), 3), "2025-09-04");
    assert_day(calendar_add_working(cal, D("2025-09-04"), -3), "2025-08-29");
}

/* Step-by-step references: obviously right, and slow. */
static int32_t ref_add(const calendar_t *cal, int32_t day, int n)
{
    int step = n > 0 ? 1 : -1;
    while (n != 0) {
        day += step;
        if (calendar_is_working(cal, day))
            n -= step;
    }
    return day;
}

static int ref_between(const calendar_t *cal, int32_t a, int32_t b)
{
    int n = 0;
    for (int32_t d = a + 1; d <= b; d++)
        n += calendar_is_working(cal, d);
    for (int32_t d = b + 1; d <= a; d++)
        n -= calendar_is_working(cal, d);
    return n;
}

static void agree_with_reference(void **state)
{
    calendar_t *cal = *state;
    uint32_t seed = 777;
    int32_t base = D("2025-01-01");
    /* Clusters of days off and working weekend days, as in a real year. */
    for (int i = 0; i < 60; i++)
        assert_int_equal(calendar_set(cal, base + (int32_t)(lcg(&seed) % 500), lcg(&seed) % 3 == 0), 0);
    for (int i = 0; i < 3000; i++) {
        int32_t a = base - 50 + (int32_t)(lcg(&seed) % 600);
        int32_t b = base - 50 + (int32_t)(lcg(&seed) % 600);
        int n = (int)(lcg(&seed) % 81) - 40;
        assert_int_equal(calendar_working_between(cal, a, b), ref_between(cal, a, b));
        assert_int_equal(calendar_add_working(cal, a, n), ref_add(cal, a, n));
        /* n > 0: n working days in (a, d]; n < 0: -n working days in [d, a). */
        int32_t d = calendar_add_working(cal, a, n);
        if (n > 0)
            assert_int_equal(calendar_working_between(cal, a, d), n);
        if (n < 0)
            assert_int_equal(calendar_working_between(cal, d - 1, a - 1), -n);
    }
}

static void extremes(void **state)
{
    /* Huge counts must neither overflow nor take long. */
    calendar_t *cal = *state;
    clock_t start = clock();
    assert_int_equal(calendar_set(cal, D("2025-09-02"), false), 0);
    assert_int_equal(calendar_add_working(cal, 0, INT_MAX), INT32_MAX);
    assert_int_equal(calendar_add_working(cal, 0, INT_MIN), INT32_MIN);
    assert_int_equal(calendar_add_working(NULL, INT32_MAX, 1), INT32_MAX);
    assert_int_equal(calendar_add_working(NULL, INT32_MIN, -1), INT32_MIN);
    int32_t far = calendar_add_working(cal, 0, 1000000000);
    assert_int_equal(calendar_working_between(cal, 0, far), 1000000000);
    assert_int_equal(calendar_working_between(cal, INT32_MIN, INT32_MAX), INT_MAX);
    assert_int_equal(calendar_working_between(cal, INT32_MAX, INT32_MIN), INT_MIN);
    assert_true(clock() - start < CLOCKS_PER_SEC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST_CAL("calendar-1.1 without declarations only weekends are off", weekends_only),
        TEST_CAL("calendar-1.2 declared days off and working days, last wins", declared_days),
        TEST_CAL("calendar-1.3 many declarations agree with a plain array", many_declarations),
        TEST_CAL("calendar-1.4 next working day", next_working),
        TEST_CAL("calendar-2.1 quarter deadline 2025Q3", quarter_deadline),
        TEST_CAL("calendar-2.2 half-year deadline 2025S1", half_year_deadline),
        TEST_CAL("calendar-2.3 deadline on a weekend rolls to Monday", weekend_rolls),
        TEST_CAL("calendar-2.4 deadline rolls over declared days off", holidays_roll),
        TEST_CAL("calendar-2.5 deadline rolls over Tet", tet_rolls),
        TEST_CAL("calendar-2.6 make-up Saturday is a working day", makeup_saturday),
        TEST_CAL("calendar-2.7 roll_forward false keeps the day", no_roll),
        TEST_CAL("calendar-2.8 due day 1 is the last day of the month before", due_day_one),
        TEST_CAL("calendar-2.9 bad period or due day gives a sentinel", bad_arguments),
        TEST_CAL("calendar-3.1 working days between two days", between_basic),
        TEST_CAL("calendar-3.2 adding working days", add_basic),
        TEST_CAL("calendar-3.3 counting and adding agree with step-by-step", agree_with_reference),
        TEST_CAL("calendar-3.4 huge counts saturate quickly", extremes),
    };
    return cmocka_run_group_tests_name("calendar", tests, NULL, NULL);
}
