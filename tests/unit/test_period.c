/*
 * test_period.c -- periods, civil dates and ISO 8601 instants (period.h).
 *
 * Test names are "period-G.N what": G groups parsing (1), containment (2),
 * iteration (3), period days and keys (4), civil dates (5), instants (6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "period.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

static period_t P(const char *code)
{
    period_t p = {0, 0, 0};
    if (period_parse(code, &p) != 0)
        fail_msg("fixture period '%s' does not parse", code);
    return p;
}

static void assert_period(period_t p, const char *code)
{
    char buf[PERIOD_CODE_MAX];
    assert_string_equal(period_format(p, buf, sizeof buf), code);
}

static int32_t D(const char *s)
{
    int32_t d = 0;
    if (date_parse(s, &d) != 0)
        fail_msg("fixture date '%s' does not parse", s);
    return d;
}

static void assert_day(int32_t day, const char *s)
{
    char buf[16];
    assert_string_equal(date_format(day, buf, sizeof buf), s);
}

/* ---- 1. parsing and formatting ------------------------------------------ */

static void parse_months(void **state)
{
    period_t p;
    assert_int_equal(period_parse("202509", &p), 0);
    assert_int_equal(p.year, 2025);
    assert_int_equal(p.type, PERIOD_MONTH);
    assert_int_equal(p.index, 9);
    assert_int_equal(period_parse("197001", &p), 0);
    assert_int_equal(period_parse("999912", &p), 0);
    assert_int_equal(p.year, 9999);
    assert_int_equal(p.index, 12);
}

static void parse_other_types(void **state)
{
    period_t p;
    assert_int_equal(period_parse("2025Q3", &p), 0);
    assert_true(p.year == 2025 && p.type == PERIOD_QUARTER && p.index == 3);
    assert_int_equal(period_parse("2025S2", &p), 0);
    assert_true(p.year == 2025 && p.type == PERIOD_HALF && p.index == 2);
    assert_int_equal(period_parse("2025", &p), 0);
    assert_true(p.year == 2025 && p.type == PERIOD_YEAR && p.index == 1);
}

static void parse_rejects(void **state)
{
    static const char *bad[] = {
        "", "2", "202", "20250", "2025Q", "2025S", "2025Q0", "2025Q5", "2025S0", "2025S3",
        "202500", "202513", "202599", "1969", "196912", "1969Q4", "0000", "10000", "2025q3",
        "2025s1", "2025H1", "2025M9", "2025-09", "2025 ", " 2025", "2025\n", "+2025",
        "-2025", "2025Q3x", "2025Q10", "20250901", "２０２５", "20a5", "2025Y",
    };
    period_t p = {2000, PERIOD_YEAR, 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (period_parse(bad[i], &p) != -1)
            fail_msg("accepted '%s'", bad[i]);
        /* *out is left alone on failure. */
        assert_true(p.year == 2000 && p.type == PERIOD_YEAR && p.index == 1);
    }
    assert_int_equal(period_parse(NULL, &p), -1);
    assert_int_equal(period_parse("2025", NULL), -1);
}

static void format_round_trip(void **state)
{
    static const period_type_t types[] = {PERIOD_MONTH, PERIOD_QUARTER, PERIOD_HALF, PERIOD_YEAR};
    char buf[PERIOD_CODE_MAX];
    int n = 0;
    for (int y = 1970; y <= 9999; y += 7) {
        for (size_t t = 0; t < 4; t++) {
            period_t year = {(uint16_t)y, PERIOD_YEAR, 1}, kids[12], back;
            int k = period_children(year, types[t], kids, 12);
            for (int i = 0; i < k; i++, n++) {
                assert_int_equal(period_parse(period_format(kids[i], buf, sizeof buf), &back), 0);
                assert_memory_equal(&back, &kids[i], sizeof back);
            }
        }
    }
    assert_true(n > 1000);
    assert_period(P("202509"), "202509");
    assert_period(P("2025Q3"), "2025Q3");
    assert_period(P("2025S2"), "2025S2");
    assert_period(P("2025"), "2025");
}

static void format_rejects(void **state)
{
    char buf[PERIOD_CODE_MAX], small[6];
    period_t bad[] = {{0, 0, 0}, {2025, PERIOD_MONTH, 13}, {2025, PERIOD_QUARTER, 0},
                      {2025, PERIOD_HALF, 3}, {1969, PERIOD_YEAR, 1}, {10000, PERIOD_YEAR, 1},
                      {2025, 9, 1}, {2025, PERIOD_YEAR, 2}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(period_valid(bad[i]));
        assert_string_equal(period_format(bad[i], buf, sizeof buf), "");
    }
    /* A truncated code would read as another code ("2025Q"): nothing instead. */
    assert_string_equal(period_format(P("2025Q3"), small, sizeof small), "");
    assert_string_equal(period_format(P("2025Q3"), NULL, 0), "");
    assert_string_equal(period_format(P("2025Q3"), buf, 7), "2025Q3");
}

static void type_names(void **state)
{
    assert_int_equal(period_type_parse("month"), PERIOD_MONTH);
    assert_int_equal(period_type_parse("quarter"), PERIOD_QUARTER);
    assert_int_equal(period_type_parse("half"), PERIOD_HALF);
    assert_int_equal(period_type_parse("year"), PERIOD_YEAR);
    assert_int_equal(period_type_parse("Month"), PERIOD_NONE);
    assert_int_equal(period_type_parse("none"), PERIOD_NONE);
    assert_int_equal(period_type_parse(""), PERIOD_NONE);
    assert_int_equal(period_type_parse(NULL), PERIOD_NONE);
    for (int t = PERIOD_MONTH; t <= PERIOD_YEAR; t++)
        assert_int_equal(period_type_parse(period_type_name((period_type_t)t)), t);
    assert_string_equal(period_type_name(PERIOD_NONE), "none");
    assert_string_equal(period_type_name((period_type_t)42), "none");
}

/* ---- 2. containment ----------------------------------------------------- */

static void parent_chain(void **state)
{
    period_t p = P("202512");
    assert_period(p = period_parent(p), "2025Q4");
    assert_period(p = period_parent(p), "2025S2");
    assert_period(p = period_parent(p), "2025");
    assert_int_equal(period_parent(p).type, PERIOD_NONE);
    assert_period(period_parent(P("202501")), "2025Q1");
    assert_period(period_parent(P("202506")), "2025Q2");
    assert_period(period_parent(P("202507")), "2025Q3");
    assert_period(period_parent(P("2025Q2")), "2025S1");
    assert_period(period_parent(P("2025Q3")), "2025S2");
    assert_int_equal(period_parent((period_t){2025, PERIOD_MONTH, 13}).type, PERIOD_NONE);
}

static void contains(void **state)
{
    assert_true(period_contains(P("2025"), P("202512")));
    assert_true(period_contains(P("2025S2"), P("202507")));
    assert_true(period_contains(P("2025Q3"), P("202509")));
    assert_true(period_contains(P("2025S1"), P("2025Q2")));
    assert_true(period_contains(P("2025Q3"), P("2025Q3")));
    assert_false(period_contains(P("2025Q3"), P("202510")));
    assert_false(period_contains(P("2025S1"), P("2025Q3")));
    assert_false(period_contains(P("2025"), P("202601")));
    assert_false(period_contains(P("2026"), P("202512")));
    assert_false(period_contains(P("202509"), P("2025Q3")));
    assert_false(period_contains(P("2025"), (period_t){2025, PERIOD_MONTH, 0}));
    assert_false(period_contains((period_t){0, 0, 0}, P("202509")));
}

static void children(void **state)
{
    period_t out[12];
    assert_int_equal(period_children(P("2025"), PERIOD_MONTH, out, 12), 12);
    assert_period(out[0], "202501");
    assert_period(out[11], "202512");
    assert_int_equal(period_children(P("2025"), PERIOD_QUARTER, out, 12), 4);
    assert_period(out[3], "2025Q4");
    assert_int_equal(period_children(P("2025S2"), PERIOD_MONTH, out, 12), 6);
    assert_period(out[0], "202507");
    assert_period(out[5], "202512");
    assert_int_equal(period_children(P("2025S2"), PERIOD_QUARTER, out, 12), 2);
    assert_period(out[0], "2025Q3");
    assert_period(out[1], "2025Q4");
    assert_int_equal(period_children(P("2025Q3"), PERIOD_MONTH, out, 12), 3);
    assert_period(out[0], "202507");
    assert_period(out[2], "202509");
    /* A period contains itself. */
    assert_int_equal(period_children(P("2025Q3"), PERIOD_QUARTER, out, 12), 1);
    assert_period(out[0], "2025Q3");
    assert_int_equal(period_children(P("2025Q3"), PERIOD_HALF, out, 12), 0);
    assert_int_equal(period_children(P("202509"), PERIOD_YEAR, out, 12), 0);
    assert_int_equal(period_children(P("2025"), PERIOD_NONE, out, 12), 0);
    assert_int_equal(period_children((period_t){0, 0, 0}, PERIOD_MONTH, out, 12), 0);
}

static void children_truncated(void **state)
{
    period_t out[3] = {{0, 0, 0}, {0, 0, 0}, {7, 7, 7}};
    /* The full count comes back; only `max` entries are written. */
    assert_int_equal(period_children(P("2025"), PERIOD_MONTH, out, 2), 12);
    assert_period(out[1], "202502");
    assert_int_equal(out[2].year, 7);
    assert_int_equal(period_children(P("2025"), PERIOD_MONTH, NULL, 0), 12);
    assert_int_equal(period_children(P("2025"), PERIOD_MONTH, out, -5), 12);
}

static void children_have_parent(void **state)
{
    /* Every month belongs to exactly one quarter, half and year. */
    for (period_t m = P("202401"); m.year < 2027; m = period_next(m)) {
        period_t q = period_parent(m), h = period_parent(q), y = period_parent(h);
        assert_true(period_contains(q, m) && period_contains(h, m) && period_contains(y, m));
        assert_true(period_contains(h, q) && period_contains(y, q) && period_contains(y, h));
        assert_false(period_contains(period_next(q), m));
        assert_false(period_contains(period_prev(h), m));
    }
}

/* ---- 3. iteration ------------------------------------------------------- */

static void next_year_end(void **state)
{
    assert_period(period_next(P("2025Q4")), "2026Q1");
    assert_period(period_next(P("202512")), "202601");
    assert_period(period_next(P("2025S2")), "2026S1");
    assert_period(period_next(P("2025")), "2026");
    assert_period(period_next(P("202509")), "202510");
    assert_period(period_next(P("2025Q3")), "2025Q4");
    assert_period(period_next(P("2025S1")), "2025S2");
}

static void prev_year_end(void **state)
{
    assert_period(period_prev(P("2026S1")), "2025S2");
    assert_period(period_prev(P("202601")), "202512");
    assert_period(period_prev(P("2026Q1")), "2025Q4");
    assert_period(period_prev(P("2026")), "2025");
    assert_period(period_prev(P("202510")), "202509");
}

static void iteration_limits(void **state)
{
    assert_int_equal(period_next(P("9999")).type, PERIOD_NONE);
    assert_int_equal(period_next(P("999912")).type, PERIOD_NONE);
    assert_int_equal(period_next(P("9999Q4")).type, PERIOD_NONE);
    assert_period(period_next(P("9999Q3")), "9999Q4");
    assert_int_equal(period_prev(P("1970")).type, PERIOD_NONE);
    assert_int_equal(period_prev(P("197001")).type, PERIOD_NONE);
    assert_int_equal(period_prev(P("1970S1")).type, PERIOD_NONE);
    assert_int_equal(period_next((period_t){2025, PERIOD_QUARTER, 5}).type, PERIOD_NONE);
    assert_int_equal(period_prev((period_t){2025, 0, 1}).type, PERIOD_NONE);
}

static void iteration_inverse(void **state)
{
    /* 240 months from 2015: next and prev undo each other and keys grow. */
    period_t p = P("201501");
    for (int i = 0; i < 240; i++) {
        period_t n = period_next(p), back = period_prev(n);
        assert_memory_equal(&back, &p, sizeof p);
        assert_true(period_key(n) > period_key(p));
        assert_int_equal(period_first_day(n), period_last_day(p) + 1);
        p = n;
    }
    assert_period(p, "203501");
}

/* ---- 4. days and keys --------------------------------------------------- */

static void first_last_day(void **state)
{
    assert_day(period_first_day(P("2025Q3")), "2025-07-01");
    assert_day(period_last_day(P("2025Q3")), "2025-09-30");
    assert_day(period_last_day(P("202402")), "2024-02-29");
    assert_day(period_last_day(P("202502")), "2025-02-28");
    assert_day(period_last_day(P("210002")), "2100-02-28");
    assert_day(period_last_day(P("200002")), "2000-02-29");
    assert_day(period_first_day(P("2025S2")), "2025-07-01");
    assert_day(period_last_day(P("2025S1")), "2025-06-30");
    assert_day(period_first_day(P("2025")), "2025-01-01");
    assert_day(period_last_day(P("2025")), "2025-12-31");
    assert_int_equal(period_first_day(P("1970")), 0);
    assert_int_equal(period_last_day(P("2024")) - period_first_day(P("2024")), 365);
    assert_int_equal(period_first_day((period_t){0, 0, 0}), INT32_MIN);
    assert_int_equal(period_last_day((period_t){2025, PERIOD_MONTH, 13}), INT32_MIN);
    assert_int_equal(period_first_month(P("2025S2")), 7);
    assert_int_equal(period_last_month(P("2025Q3")), 9);
    assert_int_equal(period_last_month((period_t){0, 0, 0}), 0);
}

static void of_day(void **state)
{
    assert_period(period_of_day(D("2025-09-09"), PERIOD_MONTH), "202509");
    assert_period(period_of_day(D("2025-09-09"), PERIOD_QUARTER), "2025Q3");
    assert_period(period_of_day(D("2025-09-09"), PERIOD_HALF), "2025S2");
    assert_period(period_of_day(D("2025-09-09"), PERIOD_YEAR), "2025");
    assert_period(period_of_day(D("2025-12-31"), PERIOD_QUARTER), "2025Q4");
    assert_period(period_of_day(D("2026-01-01"), PERIOD_QUARTER), "2026Q1");
    assert_period(period_of_day(D("2025-06-30"), PERIOD_HALF), "2025S1");
    assert_int_equal(period_of_day(-1, PERIOD_MONTH).type, PERIOD_NONE);
    assert_int_equal(period_of_day(INT32_MAX, PERIOD_MONTH).type, PERIOD_NONE);
    assert_int_equal(period_of_day(INT32_MIN, PERIOD_YEAR).type, PERIOD_NONE);
    assert_int_equal(period_of_day(0, PERIOD_NONE).type, PERIOD_NONE);
    assert_int_equal(period_of_day(0, (period_type_t)9).type, PERIOD_NONE);
}

static void keys(void **state)
{
    period_t p = P("2025Q3"), back = period_from_key(period_key(p));
    assert_int_equal(period_key(p), (2025u << 16) | (2u << 8) | 3u);
    assert_memory_equal(&back, &p, sizeof p);
    assert_true(period_key(P("2025Q4")) < period_key(P("2026Q1")));
    assert_true(period_key(P("202512")) < period_key(P("202601")));
    assert_int_equal(period_from_key(0).type, PERIOD_NONE);
    assert_int_equal(period_from_key(0xffffffffu).type, PERIOD_NONE);
    assert_int_equal(period_from_key((2025u << 16) | (1u << 8) | 13u).type, PERIOD_NONE);
    assert_int_equal(period_from_key((2025u << 16) | (5u << 8) | 1u).type, PERIOD_NONE);
}

/* ---- 5. civil dates ----------------------------------------------------- */

static void civil_known(void **state)
{
    int y, m, d;
    assert_int_equal(date_from_civil(1970, 1, 1), 0);
    assert_int_equal(date_from_civil(2025, 9, 9), 20340);
    assert_int_equal(date_from_civil(2000, 3, 1), 11017);
    assert_int_equal(date_from_civil(1969, 12, 31), -1);
    assert_int_equal(date_from_civil(1600, 2, 29), -135081);
    date_to_civil(20340, &y, &m, &d);
    assert_true(y == 2025 && m == 9 && d == 9);
    date_to_civil(-1, &y, &m, &d);
    assert_true(y == 1969 && m == 12 && d == 31);
    date_to_civil(0, NULL, NULL, NULL); /* outputs are optional */
}

static void civil_round_trip(void **state)
{
    /* Every day from 1900 to 2100 round-trips and follows its predecessor. */
    int32_t first = date_from_civil(1900, 1, 1), last = date_from_civil(2100, 12, 31);
    int py = 1899, pm = 12, pd = 31;
    for (int32_t day = first; day <= last; day++) {
        int y, m, d;
        date_to_civil(day, &y, &m, &d);
        assert_int_equal(date_from_civil(y, m, d), day);
        assert_true((y == py && m == pm && d == pd + 1) || (y == py && m == pm + 1 && d == 1) ||
                    (y == py + 1 && m == 1 && pm == 12 && d == 1));
        py = y, pm = m, pd = d;
    }
    assert_int_equal(date_from_civil(99999999, 1, 1), INT32_MAX); /* saturates */
}

static void weekday(void **state)
{
    assert_int_equal(date_weekday(0), 3);                 /* 1970-01-01 Thursday */
    assert_int_equal(date_weekday(D("2025-09-09")), 1);   /* Tuesday */
    assert_int_equal(date_weekday(D("2025-08-09")), 5);   /* Saturday */
    assert_int_equal(date_weekday(D("2025-08-31")), 6);   /* Sunday */
    assert_int_equal(date_weekday(D("2025-06-09")), 0);   /* Monday */
    assert_int_equal(date_weekday(-1), 2);                /* 1969-12-31 Wednesday */
    assert_int_equal(date_weekday(-4), 6);                /* 1969-12-28 Sunday */
    assert_true(date_weekday(INT32_MIN) >= 0 && date_weekday(INT32_MIN) <= 6);
    assert_true(date_weekday(INT32_MAX) >= 0 && date_weekday(INT32_MAX) <= 6);
}

static void date_parse_strict(void **state)
{
    static const char *bad[] = {
        "2025-02-29", "2100-02-29", "2025-13-01", "2025-00-10", "2025-04-31", "2025-09-00",
        "2025-09-32", "2025-9-09",  "2025/09/09", "2025-09-09 ", "2025-09-09T", "20250909",
        "2025-09-9",  "",          "2025-09-0a", " 2025-09-09", "2025-09-091",
    };
    int32_t d = 77;
    assert_int_equal(date_parse("2024-02-29", &d), 0);
    assert_day(d, "2024-02-29");
    assert_int_equal(date_parse("2000-02-29", &d), 0);
    assert_int_equal(date_parse("2025-12-31", &d), 0);
    assert_int_equal(d + 1, D("2026-01-01"));
    d = 77;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (date_parse(bad[i], &d) != -1)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(d, 77);
    assert_int_equal(date_parse(NULL, &d), -1);
    assert_int_equal(date_parse("2025-09-09", NULL), -1);
}

static void date_format_bounds(void **state)
{
    char buf[11], small[10];
    assert_string_equal(date_format(0, buf, sizeof buf), "1970-01-01");
    assert_string_equal(date_format(D("2024-02-29"), buf, sizeof buf), "2024-02-29");
    assert_string_equal(date_format(0, small, sizeof small), "");
    assert_string_equal(date_format(INT32_MAX, buf, sizeof buf), "");
    assert_string_equal(date_format(INT32_MIN, buf, sizeof buf), "");
    assert_string_equal(date_format(0, NULL, 0), "");
}

/* ---- 6. instants -------------------------------------------------------- */

static int64_t T(const char *s)
{
    int64_t t = 0;
    if (time_parse_iso(s, &t) != 0)
        fail_msg("fixture instant '%s' does not parse", s);
    return t;
}

static void assert_instant(int64_t t, const char *s)
{
    char buf[32];
    assert_string_equal(time_format_iso(t, buf, sizeof buf), s);
}

static void local_day(void **state)
{
    /* Local midnight of 2025-09-10 is 17:00 UTC on the 9th. */
    int32_t d10 = D("2025-09-10");
    assert_int_equal(date_start_time(d10), T("2025-09-09T17:00:00Z"));
    assert_int_equal(date_of_time(T("2025-09-09T17:00:00Z")), d10);
    assert_int_equal(date_of_time(T("2025-09-09T16:59:59Z")), d10 - 1);
    assert_int_equal(date_start_time(0), -7 * 3600);
    assert_int_equal(date_of_time(-7 * 3600), 0);
    assert_int_equal(date_of_time(-7 * 3600 - 1), -1);
    assert_int_equal(date_of_time(0), 0);
    assert_int_equal(date_of_time(17 * 3600), 1);
    assert_int_equal(date_of_time(INT64_MAX), INT32_MAX);
    assert_int_equal(date_of_time(INT64_MIN), INT32_MIN);
    for (int32_t d = -800; d < 800; d += 13) {
        assert_int_equal(date_of_time(date_start_time(d)), d);
        assert_int_equal(date_of_time(date_start_time(d) + 86399), d);
    }
}

static void iso_parse_forms(void **state)
{
    int64_t t0 = T("2025-09-10T00:00:00+07:00");
    assert_int_equal(t0, date_start_time(D("2025-09-10")));
    assert_int_equal(T("2025-09-10"), t0);
    assert_int_equal(T("2025-09-10T00:00"), t0);
    assert_int_equal(T("2025-09-10T00:00:00"), t0);
    assert_int_equal(T("2025-09-09T17:00:00Z"), t0);
    assert_int_equal(T("2025-09-09T17:00Z"), t0);
    assert_int_equal(T("2025-09-09T17:00:00+00:00"), t0);
    assert_int_equal(T("2025-09-09T17:00:00-00:00"), t0);
    assert_int_equal(T("2025-09-09T11:30:00-05:30"), t0);
    assert_int_equal(T("2025-09-10T02:00:00+09:00"), t0);
    assert_int_equal(T("2025-09-10T00:00:59"), t0 + 59);
    assert_int_equal(T("2025-09-10T23:59:59"), t0 + 86399);
    assert_int_equal(T("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(T("2024-02-29T12:00"), date_start_time(D("2024-02-29")) + 12 * 3600);
}

static void iso_parse_rejects(void **state)
{
    static const char *bad[] = {
        "",
        "2025-09-10T",
        "2025-09-10T00",
        "2025-09-10T00:0",
        "2025-09-10T0:00",
        "2025-09-10T24:00",
        "2025-09-10T23:60",
        "2025-09-10T23:59:60",
        "2025-09-10T00:00:00.000",
        "2025-09-10T00:00:00+0700",
        "2025-09-10T00:00:00+07",
        "2025-09-10T00:00:00+24:00",
        "2025-09-10T00:00:00+07:60",
        "2025-09-10T00:00:00z",
        "2025-09-10T00:00:00ZZ",
        "2025-09-10T00:00:00Z ",
        "2025-09-10T00:00:00+07:00x",
        "2025-09-10t00:00:00",
        "2025-09-10 00:00:00",
        "2025-09-10x",
        "2025-13-10T00:00",
        "2025-02-30T00:00",
        "2025-02-29",
        "2025-02-29T00:00:00Z",
        "2025-09-10T00:00:",
        "2025-09-10T00:00:5",
        "2025-09-10T-1:00",
        "1.5",
    };
    int64_t t = 42;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (time_parse_iso(bad[i], &t) != -1)
            fail_msg("accepted '%s'", bad[i]);
    assert_int_equal(t, 42);
    assert_int_equal(time_parse_iso(NULL, &t), -1);
    assert_int_equal(time_parse_iso("2025-09-10", NULL), -1);
    assert_int_equal(time_parse_iso("2024-02-29T00:00:00Z", &t), 0);
}

static void iso_format(void **state)
{
    char small[25];
    assert_instant(date_start_time(D("2025-09-10")), "2025-09-10T00:00:00+07:00");
    assert_instant(T("2025-12-31T17:00:00Z"), "2026-01-01T00:00:00+07:00");
    assert_instant(T("2025-12-31T16:59:59Z"), "2025-12-31T23:59:59+07:00");
    assert_instant(T("2024-02-28T17:00:00Z"), "2024-02-29T00:00:00+07:00");
    assert_instant(T("2025-02-28T17:00:00Z"), "2025-03-01T00:00:00+07:00");
    assert_instant(0, "1970-01-01T07:00:00+07:00");
    assert_instant(-7 * 3600 - 1, "1969-12-31T23:59:59+07:00");
    assert_string_equal(time_format_iso(0, small, sizeof small), "");
    assert_string_equal(time_format_iso(0, NULL, 0), "");
    assert_instant(INT64_MAX, "");
    assert_instant(INT64_MIN, "");
}

static void within_years(void **state)
{
    (void)state;
    period_t today, p;
    period_parse("2026Q4", &today);
    const struct {
        const char *code;
        bool in;
    } cases[] = {{"2026Q4", true}, {"2026Q1", true}, {"2024Q1", true}, {"2023Q4", true},
                 {"2023Q3", false}, {"2027Q1", false}, {"2020Q4", false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(period_parse(cases[i].code, &p), 0);
        assert_int_equal(period_within_years(p, today, PERIOD_APPROVAL_YEARS), cases[i].in);
    }
    period_parse("2026", &today);
    period_parse("2023", &p);
    assert_true(period_within_years(p, today, 3));
    period_parse("2022", &p);
    assert_false(period_within_years(p, today, 3));
}

static void iso_round_trip(void **state)
{
    char buf[26];
    /* Every 7919 s (prime, so all times of day come up) over four years. */
    for (int64_t t = T("2023-01-01"); t < T("2027-01-01"); t += 7919) {
        int64_t back = 0;
        assert_int_equal(time_parse_iso(time_format_iso(t, buf, sizeof buf), &back), 0);
        assert_int_equal(back, t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("period-1.1 parse month codes", parse_months),
        TEST("period-1.2 parse quarter, half-year and year codes", parse_other_types),
        TEST("period-1.3 parse rejects malformed codes", parse_rejects),
        TEST("period-1.4 format round-trips every code", format_round_trip),
        TEST("period-1.5 format rejects invalid periods and short buffers", format_rejects),
        TEST("period-1.6 type names", type_names),
        TEST("period-2.1 parent chain month to year", parent_chain),
        TEST("period-2.2 containment", contains),
        TEST("period-2.3 children", children),
        TEST("period-2.4 children with a short array", children_truncated),
        TEST("period-2.5 every month lies in its parents", children_have_parent),
        TEST("period-3.1 next crosses year ends", next_year_end),
        TEST("period-3.2 prev crosses year ends", prev_year_end),
        TEST("period-3.3 next and prev stop at the year range", iteration_limits),
        TEST("period-3.4 next and prev are inverses", iteration_inverse),
        TEST("period-4.1 first and last day, leap years", first_last_day),
        TEST("period-4.2 period of a day", of_day),
        TEST("period-4.3 keys sort and round-trip", keys),
        TEST("period-5.1 civil dates known values", civil_known),
        TEST("period-5.2 civil dates round-trip 1900-2100", civil_round_trip),
        TEST("period-5.3 weekday", weekday),
        TEST("period-5.4 date parse is strict, leap years", date_parse_strict),
        TEST("period-5.5 date format bounds", date_format_bounds),
        TEST("period-6.1 local day at fixed +07:00", local_day),
        TEST("period-6.2 ISO parse accepts instants and dates", iso_parse_forms),
        TEST("period-6.3 ISO parse rejects malformed instants", iso_parse_rejects),
        TEST("period-6.4 ISO format, year end and leap day", iso_format),
        TEST("period-6.5 ISO format and parse round-trip", iso_round_trip),
        TEST("period-3.5 within N years back (the approval queue's reach)", within_years),
    };
    return cmocka_run_group_tests_name("period", tests, NULL, NULL);
}
