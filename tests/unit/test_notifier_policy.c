/*
 * test_notifier_policy.c -- the notifier's planning module (policy.c) and
 * its message texts (message.c), pure functions, against a small catalog.
 *
 * Test names are "notifier-G.N what": G groups configuration and working
 * hours (1), stages, catch-up and covered reports (2), escalation and
 * digests (3), messages (4).
 *
 * The notifier's sources are not in libcchc.a, so they are included here.
 *
 * Q3 2025 of CCHC_Q (due "before day 10"): the last day L is Tue
 * 2025-09-09; Sep 1-2 are holidays.  before-7 = Wed Aug 27, before-3 = Thu
 * Sep 4, before-1 = Mon Sep 8, due = Sep 9, after-1 = Wed Sep 10, escalate =
 * Fri Sep 12, weekly-1 = Fri Sep 19, weekly-2 = Fri Sep 26; closed at the Q4
 * deadline (end of Tue Dec 9).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../services/notifier/arrivals.c"
#include "../../services/notifier/digest.c"
#include "../../services/notifier/message.c"
#include "../../services/notifier/message_json.c"
#include "../../services/notifier/policy.c"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

static catalog_t *cat;
static char tmpdir[256];

static const char *units_csv =
    "code,name,kind,parent,opened,closed,email,webhook,parent_submits\n"
    "HP,Thành phố Hải Phòng,thanh_pho,,,,vanphong@hp.example,,no\n"
    "HP.SO.A,Sở Alpha,so,HP,2025-07-01,,so-a@hp.example,,no\n"
    "HP.SO.B,Sở Bêta,so,HP,2025-07-01,,so-b@hp.example,http://127.0.0.1:9/hook,no\n"
    "HP.SO.B.P,Phòng Một,phong,HP.SO.B,2025-07-01,,p1@so-b.example,,yes\n"
    "HP.XA.C,Xã Cê,xa,HP,2025-07-01,,ubnd@xa-c.example,,no\n";

static void copy_file(const char *from_dir, const char *name)
{
    char src[512], dst[512], buf[65536];
    snprintf(src, sizeof src, "%s/%s", from_dir, name);
    snprintf(dst, sizeof dst, "%s/%s", tmpdir, name);
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    if (!in || !out)
        fail_msg("cannot copy %s", src);
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    fclose(out);
}

static void write_file(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    fputs(text, f);
    fclose(f);
}

static void diag(void *ud, const char *file, int line, const char *msg)
{
    (void)ud;
    fprintf(stderr, "# catalog %s:%d: %s\n", file, line, msg);
}

static int setup_all(void **state)
{
    (void)state;
    const char *root = getenv("CCHC_ROOT");
    char from[512];
    snprintf(from, sizeof from, "%s/deploy/catalog", root ? root : ".");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cchc-notifier-test-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    copy_file(from, "indicators.csv");
    copy_file(from, "datasets.csv");
    copy_file(from, "holidays.csv");
    write_file("units.csv", units_csv);
    write_file("targets.csv", "unit,indicator,period_type,min,max,from,to,note\n");
    return catalog_load(tmpdir, &cat, diag, NULL) == 0 ? 0 : -1;
}

static int teardown_all(void **state)
{
    (void)state;
    catalog_destroy(&cat);
    const char *names[] = {"indicators.csv", "datasets.csv", "holidays.csv", "units.csv", "targets.csv"};
    for (size_t i = 0; i < 5; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        unlink(p);
    }
    rmdir(tmpdir);
    return 0;
}

static int64_t T(const char *s)
{
    int64_t t;
    if (time_parse_iso(s, &t))
        fail_msg("fixture time '%s' does not parse", s);
    return t;
}

/* ---- fixtures: the received set and the sent-log ------------------------ */

typedef struct {
    const char *received[16]; /* "UNIT DATASET PERIOD" */
    const char *done[64];     /* digest ids */
} world_t;

static bool w_received(void *ud, int unit, int ds, period_t p)
{
    world_t *w = ud;
    char k[256], pc[PERIOD_CODE_MAX];
    snprintf(k, sizeof k, "%s %s %s", cat->units[unit].code, cat->datasets[ds].code, period_format(p, pc, sizeof pc));
    for (int i = 0; i < 16 && w->received[i]; i++)
        if (!strcmp(w->received[i], k))
            return true;
    return false;
}

static bool w_done(void *ud, const char *id)
{
    world_t *w = ud;
    for (int i = 0; i < 64 && w->done[i]; i++)
        if (!strcmp(w->done[i], id))
            return true;
    return false;
}

static policy_t pol_default(void)
{
    policy_t p;
    policy_default(&p);
    return p;
}

/* An item as "UNIT/DATASET/PERIOD/STAGE" ("/sub" added for an escalation). */
static void item_line(const reminder_t *r, char *buf, size_t len)
{
    char pc[PERIOD_CODE_MAX];
    snprintf(buf, len, "%s/%s/%s/%s%s\n", cat->units[r->unit].code, cat->datasets[r->ds].code,
             period_format(r->period, pc, sizeof pc), r->stage, r->escalation ? "/sub" : "");
}

/* The plan at `when`, one item a line (only dataset CCHC_Q when only_q). */
static char *plan_items(const policy_t *pol, const char *when, world_t *w, bool only_q)
{
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, pol, T(when), w_received, NULL, w, &rs, &n), 0);
    char *out = calloc(1, 65536);
    for (int i = 0; i < n; i++) {
        if (only_q && strcmp(cat->datasets[rs[i].ds].code, "CCHC_Q"))
            continue;
        char line[256];
        item_line(&rs[i], line, sizeof line);
        strcat(out, line);
    }
    policy_free(rs, n);
    return out;
}

static void assert_text(const char *what, char *got, const char *want)
{
    if (strcmp(got, want)) {
        fprintf(stderr, "# %s:\n# got:\n%s# want:\n%s", what, got, want);
        free(got);
        fail_msg("%s differs", what);
    }
    free(got);
}

static void assert_plan(const policy_t *pol, const char *when, world_t *w, const char *want)
{
    assert_text(when, plan_items(pol, when, w, true), want);
}

/* The plan at `when` grouped: one line per digest, "ID: item, item". */
static char *plan_digests(const policy_t *pol, const char *when, world_t *w)
{
    reminder_t *rs;
    digest_t *ds;
    int n, nd;
    assert_int_equal(policy_plan(cat, pol, T(when), w_received, NULL, w, &rs, &n), 0);
    assert_int_equal(digest_group(cat, pol, T(when), rs, n, w_done, w, &ds, &nd), 0);
    char *out = calloc(1, 65536);
    for (int i = 0; i < nd; i++) {
        strcat(out, ds[i].id);
        strcat(out, ":");
        for (int k = 0; k < ds[i].nitems; k++) {
            char line[256];
            item_line(&ds[i].items[k], line, sizeof line);
            line[strlen(line) - 1] = '\0';
            strcat(out, k ? ", " : " ");
            strcat(out, strchr(line, '/') + 1);
        }
        strcat(out, "\n");
    }
    free(ds);
    policy_free(rs, n);
    return out;
}

/* ---- 1: configuration and working hours ---------------------------------- */

static void t_defaults(void **state)
{
    (void)state;
    policy_t p = pol_default();
    assert_int_equal(p.nbefore, 3);
    assert_int_equal(p.before[0], 7);
    assert_int_equal(p.before[2], 1);
    assert_true(p.on_due);
    assert_int_equal(p.after, 1);
    assert_int_equal(p.escalate, 3);
    assert_int_equal(p.weekly_days, 7);
    assert_int_equal(p.work_start, 8);
    assert_int_equal(p.work_end, 17);
    assert_int_equal(p.repeat_after, 5);
    assert_false(p.chase_covered);
}

static void t_config(void **state)
{
    (void)state;
    config_t *cfg;
    char err[256];
    assert_int_equal(config_load(NULL, &cfg, err, sizeof err), 0);
    config_set(cfg, "notifier", "before", "5, 2");
    config_set(cfg, "notifier", "work_start", "7");
    config_set(cfg, "notifier", "channels", "email,pub");
    config_set(cfg, "notifier", "repeat_after", "0");
    config_set(cfg, "notifier", "chase_covered", "yes");
    policy_t p;
    assert_int_equal(policy_from_config(&p, cfg, err, sizeof err), 0);
    assert_int_equal(p.nbefore, 2);
    assert_int_equal(p.before[0], 5);
    assert_int_equal(p.before[1], 2);
    assert_int_equal(p.work_start, 7);
    assert_int_equal(p.repeat_after, 0);
    assert_true(p.chase_covered);
    assert_true(p.email && p.pub && !p.webhook);
    config_set(cfg, "notifier", "work_end", "6");
    assert_int_equal(policy_from_config(&p, cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "work_end"));
    config_set(cfg, "notifier", "work_end", "17");
    config_set(cfg, "notifier", "before", "3,x");
    assert_int_equal(policy_from_config(&p, cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "before"));
    config_set(cfg, "notifier", "before", "3");
    config_set(cfg, "notifier", "repeat_after", "-1");
    assert_int_equal(policy_from_config(&p, cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "repeat_after"));
    config_destroy(&cfg);
}

static void t_hours(void **state)
{
    (void)state;
    policy_t p = pol_default();
    assert_false(policy_in_hours(cat, &p, T("2025-09-08T07:59:59+07:00")));
    assert_true(policy_in_hours(cat, &p, T("2025-09-08T08:00:00+07:00")));
    assert_true(policy_in_hours(cat, &p, T("2025-09-08T16:59:59+07:00")));
    assert_false(policy_in_hours(cat, &p, T("2025-09-08T17:00:00+07:00")));
    assert_false(policy_in_hours(cat, &p, T("2025-09-06T10:00:00+07:00"))); /* Saturday */
    assert_false(policy_in_hours(cat, &p, T("2025-09-02T10:00:00+07:00"))); /* National Day */
    char b[32];
    /* Monday Sep 1 is a holiday, Sep 2 too: the next working hour is Wed 08:00 */
    assert_string_equal(time_format_iso(policy_next_hours(cat, &p, T("2025-08-29T17:30:00+07:00")), b, sizeof b),
                        "2025-09-03T08:00:00+07:00");
    assert_string_equal(time_format_iso(policy_next_hours(cat, &p, T("2025-09-08T06:00:00+07:00")), b, sizeof b),
                        "2025-09-08T08:00:00+07:00");
    /* a make-up working Saturday counts */
    assert_true(policy_in_hours(cat, &p, T("2026-01-10T09:00:00+07:00")));
}

static void t_outside_hours_empty(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {0};
    assert_plan(&p, "2025-09-08T07:30:00+07:00", &w, "");
    assert_plan(&p, "2025-09-08T17:00:00+07:00", &w, "");
    assert_plan(&p, "2025-09-02T09:00:00+07:00", &w, ""); /* holiday */
    assert_plan(&p, "2025-09-06T09:00:00+07:00", &w, ""); /* Saturday */
}

/* ---- 2: stages, catch-up, covered reports ---------------------------------- */

#define UNIT_LINES(stage)                                                                                          \
    "HP.SO.A/CCHC_Q/2025Q3/" stage "\nHP.SO.B/CCHC_Q/2025Q3/" stage "\n"                                           \
    "HP.SO.B.P/CCHC_Q/2025Q3/" stage "\nHP.XA.C/CCHC_Q/2025Q3/" stage "\n"

static void t_stages(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {0};
    assert_plan(&p, "2025-08-26T16:00:00+07:00", &w, "");
    assert_plan(&p, "2025-08-27T08:00:00+07:00", &w, UNIT_LINES("before-7"));
    assert_plan(&p, "2025-09-03T10:00:00+07:00", &w, UNIT_LINES("before-7"));
    assert_plan(&p, "2025-09-04T08:00:00+07:00", &w, UNIT_LINES("before-3"));
    assert_plan(&p, "2025-09-08T09:00:00+07:00", &w, UNIT_LINES("before-1"));
    assert_plan(&p, "2025-09-09T16:59:00+07:00", &w, UNIT_LINES("due"));
    assert_plan(&p, "2025-09-10T08:00:00+07:00", &w, UNIT_LINES("after-1"));
}

static void t_catch_up(void **state)
{
    (void)state;
    policy_t p = pol_default();
    /* down from Aug 20 to Sep 8: only before-1 is planned, not before-7 or before-3 */
    world_t w = {0};
    char *got = plan_items(&p, "2025-09-08T09:00:00+07:00", &w, true);
    assert_null(strstr(got, "before-7"));
    assert_null(strstr(got, "before-3"));
    assert_non_null(strstr(got, "HP.SO.A/CCHC_Q/2025Q3/before-1"));
    free(got);
}

static void t_received_excluded(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {.received = {"HP.SO.A CCHC_Q 2025Q3", "HP.SO.B CCHC_Q 2025Q3", "HP.XA.C CCHC_Q 2025Q3"}};
    assert_plan(&p, "2025-09-08T09:00:00+07:00", &w, "HP.SO.B.P/CCHC_Q/2025Q3/before-1\n");
    world_t all = {.received = {"HP.SO.A CCHC_Q 2025Q3", "HP.SO.B CCHC_Q 2025Q3", "HP.XA.C CCHC_Q 2025Q3",
                                "HP.SO.B.P CCHC_Q 2025Q3"}};
    assert_plan(&p, "2025-09-15T09:00:00+07:00", &all, "");
}

static void t_closed(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {0};
    char *got = plan_items(&p, "2025-12-09T09:00:00+07:00", &w, true);
    assert_non_null(strstr(got, "2025Q3/weekly-12"));
    free(got);
    got = plan_items(&p, "2025-12-10T09:00:00+07:00", &w, true);
    assert_null(strstr(got, "2025Q3/weekly")); /* Q3's own window has closed */
    assert_non_null(strstr(got, "HP.SO.A/CCHC_Q/2025Q4/after-1"));
    /* but the half-year and the year still lack it: it is told as an item
     * of its own, at their stage */
    assert_non_null(strstr(got, "HP.SO.A/CCHC_Q/2025Q3/after-1\n"));
    free(got);
    p.chase_covered = true; /* the half-year and year chased on their own: Q3 closed is closed */
    got = plan_items(&p, "2025-12-10T09:00:00+07:00", &w, true);
    assert_null(strstr(got, "2025Q3"));
    free(got);
    p.chase_covered = false;
    /* close_after_days: 30 days after the deadline */
    p.close_after_days = 30;
    got = plan_items(&p, "2025-10-09T09:00:00+07:00", &w, true);
    assert_non_null(strstr(got, "2025Q3/weekly-3"));
    free(got);
    got = plan_items(&p, "2025-10-10T09:00:00+07:00", &w, true);
    assert_null(strstr(got, "2025Q3"));
    free(got);
}

static void t_weekly(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {.received = {"HP.SO.A CCHC_Q 2025Q3", "HP.SO.B CCHC_Q 2025Q3", "HP.SO.B.P CCHC_Q 2025Q3"}};
    assert_plan(&p, "2025-09-19T07:59:00+07:00", &w, "");
    assert_plan(&p, "2025-09-18T09:00:00+07:00", &w,
                "HP/CCHC_Q/2025Q3/escalate/sub\nHP.XA.C/CCHC_Q/2025Q3/after-1\n");
    assert_plan(&p, "2025-09-19T08:00:00+07:00", &w,
                "HP/CCHC_Q/2025Q3/weekly-1/sub\nHP.XA.C/CCHC_Q/2025Q3/weekly-1\n");
    assert_plan(&p, "2025-09-26T10:00:00+07:00", &w,
                "HP/CCHC_Q/2025Q3/weekly-2/sub\nHP.XA.C/CCHC_Q/2025Q3/weekly-2\n");
}

/* CCHC_Q covers CCHC_S and CCHC_Y (same indicators, same due rule, same
 * reporters): on Mon 2025-12-08 (before-1 of Q4, S2 and the year, weekly-12
 * of Q3) a unit is chased for S2 and the year only while a quarter it owes
 * inside them is missing. */
static void t_covered(void **state)
{
    (void)state;
    policy_t p = pol_default();
    assert_int_equal(policy_cover(cat, &p, catalog_dataset(cat, "CCHC_S")), catalog_dataset(cat, "CCHC_Q"));
    assert_int_equal(policy_cover(cat, &p, catalog_dataset(cat, "CCHC_Y")), catalog_dataset(cat, "CCHC_Q"));
    assert_int_equal(policy_cover(cat, &p, catalog_dataset(cat, "CCHC_Q")), -1);
    world_t w = {.received = {"HP.SO.B CCHC_Q 2025Q3", "HP.SO.B CCHC_Q 2025Q4", "HP.XA.C CCHC_Q 2025Q3",
                              "HP.SO.B.P CCHC_Q 2025Q3", "HP.SO.B.P CCHC_Q 2025Q4"}};
    assert_text("covered", plan_items(&p, "2025-12-08T09:00:00+07:00", &w, false),
                "HP/CCHC_Q/2025Q3/weekly-12/sub\n"
                "HP.SO.A/CCHC_Q/2025Q3/weekly-12\nHP.SO.A/CCHC_Q/2025Q4/before-1\n"
                "HP.SO.A/CCHC_S/2025S2/before-1\nHP.SO.A/CCHC_Y/2025/before-1\n"
                "HP.XA.C/CCHC_Q/2025Q4/before-1\nHP.XA.C/CCHC_S/2025S2/before-1\nHP.XA.C/CCHC_Y/2025/before-1\n");
    /* the gaps: the quarters owed and missing (the units opened on 2025-07-01: no Q1, Q2) */
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, &p, T("2025-12-08T09:00:00+07:00"), w_received, NULL, &w, &rs, &n), 0);
    for (int i = 0; i < n; i++) {
        const char *u = cat->units[rs[i].unit].code, *d = cat->datasets[rs[i].ds].code;
        if (!strcmp(d, "CCHC_Y") && !strcmp(u, "HP.SO.A"))
            assert_int_equal(rs[i].gaps, 1 << 2 | 1 << 3);
        if (!strcmp(d, "CCHC_Y") && !strcmp(u, "HP.XA.C"))
            assert_int_equal(rs[i].gaps, 1 << 3);
        if (!strcmp(d, "CCHC_S") && !strcmp(u, "HP.XA.C"))
            assert_int_equal(rs[i].gaps, 1 << 1);
    }
    /* a late report arrives: the year's item shrinks, then goes */
    world_t later = {.received = {"HP.XA.C CCHC_Q 2025Q3"}};
    for (int i = 0; i < n; i++)
        if (!strcmp(cat->units[rs[i].unit].code, "HP.XA.C") && !strcmp(cat->datasets[rs[i].ds].code, "CCHC_Y")) {
            assert_true(policy_still_due(cat, &rs[i], w_received, &later));
            later.received[1] = "HP.XA.C CCHC_Q 2025Q4";
            assert_false(policy_still_due(cat, &rs[i], w_received, &later));
            assert_true(rs[i].cancelled);
        }
    policy_free(rs, n);
    /* chase_covered: every dataset on its own, as before */
    p.chase_covered = true;
    char *got = plan_items(&p, "2025-12-08T09:00:00+07:00", &w, false);
    assert_non_null(strstr(got, "HP.SO.B/CCHC_S/2025S2/before-1\nHP.SO.B/CCHC_Y/2025/before-1\n"));
    free(got);
}

/* ---- 3: escalation and digests ------------------------------------------------- */

static void t_escalation_grouping(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {.received = {"HP.SO.B CCHC_Q 2025Q3"}};
    assert_plan(&p, "2025-09-11T16:00:00+07:00", &w,
                "HP.SO.A/CCHC_Q/2025Q3/after-1\nHP.SO.B.P/CCHC_Q/2025Q3/after-1\nHP.XA.C/CCHC_Q/2025Q3/after-1\n");
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, &p, T("2025-09-12T08:30:00+07:00"), w_received, NULL, &w, &rs, &n), 0);
    int hp = 0, sob = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(cat->datasets[rs[i].ds].code, "CCHC_Q") || !rs[i].escalation)
            continue;
        assert_string_equal(rs[i].stage, "escalate");
        const char *to = cat->units[rs[i].unit].code;
        if (!strcmp(to, "HP")) {
            hp++;
            /* one item listing both late direct sub-units, not B (received) */
            assert_int_equal(rs[i].nlate, 2);
            assert_string_equal(cat->units[rs[i].late[0]].code, "HP.SO.A");
            assert_string_equal(cat->units[rs[i].late[1]].code, "HP.XA.C");
        } else {
            assert_string_equal(to, "HP.SO.B");
            sob++;
            assert_int_equal(rs[i].nlate, 1);
            assert_string_equal(cat->units[rs[i].late[0]].code, "HP.SO.B.P");
        }
    }
    assert_int_equal(hp, 1);
    assert_int_equal(sob, 1);
    policy_free(rs, n);
}

/* One digest per recipient and channel, whatever it is owed. */
static void t_digest_grouping(void **state)
{
    (void)state;
    policy_t p = pol_default();
    p.pub = false;
    world_t w = {.received = {"HP.SO.B CCHC_Q 2025Q3", "HP.SO.B.P CCHC_Q 2025Q3"}};
    /* HP's newest stage is Q3's weekly-12 on Fri Dec 5: its key day */
    assert_text("digests at 2025-12-08", plan_digests(&p, "2025-12-08T09:00:00+07:00", &w),
                "HP/2025-12-05/email: CCHC_Q/2025Q3/weekly-12/sub\n"
                "HP.SO.A/2025-12-08/email: CCHC_Q/2025Q3/weekly-12, CCHC_Q/2025Q4/before-1, "
                "CCHC_S/2025S2/before-1, CCHC_Y/2025/before-1\n"
                "HP.SO.B/2025-12-08/email: CCHC_Q/2025Q4/before-1, CCHC_S/2025S2/before-1, CCHC_Y/2025/before-1\n"
                "HP.SO.B/2025-12-08/webhook: CCHC_Q/2025Q4/before-1, CCHC_S/2025S2/before-1, CCHC_Y/2025/before-1\n"
                "HP.SO.B.P/2025-12-08/email: CCHC_Q/2025Q4/before-1, CCHC_S/2025S2/before-1, CCHC_Y/2025/before-1\n"
                "HP.XA.C/2025-12-08/email: CCHC_Q/2025Q3/weekly-12, CCHC_Q/2025Q4/before-1, "
                "CCHC_S/2025S2/before-1, CCHC_Y/2025/before-1\n");
    /* the half-year and the year are said within the quarters that make them up */
    reminder_t *rs;
    digest_t *ds;
    int n, nd;
    assert_int_equal(policy_plan(cat, &p, T("2025-12-08T09:00:00+07:00"), w_received, NULL, &w, &rs, &n), 0);
    assert_int_equal(digest_group(cat, &p, T("2025-12-08T09:00:00+07:00"), rs, n, w_done, &w, &ds, &nd), 0);
    for (int i = 0; i < nd; i++) {
        bool folded[8];
        int own, esc, appr;
        digest_fold(cat, &ds[i], folded);
        digest_count(&ds[i], folded, &own, &esc, &appr);
        const char *u = cat->units[ds[i].unit].code;
        if (!strcmp(u, "HP.SO.A")) {
            assert_int_equal(own, 2); /* Q3 and Q4; S2 and the year folded into them */
            assert_true(folded[2] && folded[3]);
        } else if (!strcmp(u, "HP.SO.B")) {
            assert_int_equal(own, 1); /* Q4 only: Q3 arrived, S2 and the year wait for Q4 alone */
        }
    }
    free(ds);
    policy_free(rs, n);
}

/* Sent-log rules: not twice a day, not again while unchanged, again after repeat_after. */
static void t_digest_repeat(void **state)
{
    (void)state;
    policy_t p = pol_default();
    p.pub = p.webhook = false;
    p.nbefore = 1; /* before-7 only: Wed Aug 27, then nothing new until the due day */
    p.on_due = false;
    p.after = p.escalate = p.weekly_days = 0;
    p.repeat_after = 2;
    world_t w = {.received = {"HP.SO.B CCHC_Q 2025Q3", "HP.SO.B.P CCHC_Q 2025Q3", "HP.XA.C CCHC_Q 2025Q3"},
                 .done = {"HP.SO.A/2025-08-27/email"}};
    assert_text("sent the same day", plan_digests(&p, "2025-08-27T15:00:00+07:00", &w), "");
    assert_text("unchanged, within repeat_after", plan_digests(&p, "2025-08-28T09:00:00+07:00", &w), "");
    /* two working days after Aug 27: the same digest again, under a new id */
    assert_text("repeat", plan_digests(&p, "2025-08-29T09:00:00+07:00", &w),
                "HP.SO.A/2025-08-29/email: CCHC_Q/2025Q3/before-7\n");
    /* and then every two working days (Sep 1-2 are holidays) */
    assert_text("repeat 2", plan_digests(&p, "2025-09-04T09:00:00+07:00", &w),
                "HP.SO.A/2025-09-04/email: CCHC_Q/2025Q3/before-7\n");
    p.repeat_after = 0;
    assert_text("no repeat", plan_digests(&p, "2025-09-04T09:00:00+07:00", &w), "");
    /* a digest sent on a day after the key day (the key day's went unsent) counts for that day too */
    p.repeat_after = 0;
    world_t w2 = {.received = {"HP.SO.B CCHC_Q 2025Q3", "HP.SO.B.P CCHC_Q 2025Q3", "HP.XA.C CCHC_Q 2025Q3"},
                  .done = {"HP.SO.A/2025-09-03/email"}};
    assert_text("sent after the key day", plan_digests(&p, "2025-09-04T09:00:00+07:00", &w2), "");
    /* something new (the default policy's before-3 on Sep 4): sent although Sep 3 had one */
    p = pol_default();
    p.pub = p.webhook = false;
    assert_text("changed", plan_digests(&p, "2025-09-04T09:00:00+07:00", &w2),
                "HP.SO.A/2025-09-04/email: CCHC_Q/2025Q3/before-3\n");
}

/* ---- 4: messages ----------------------------------------------------------- */

static int b64val(char ch)
{
    const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(t, ch);
    return ch && p ? (int)(p - t) : -1;
}

static size_t b64dec(const char *s, size_t n, char *out)
{
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(s[i]);
        if (v < 0)
            continue;
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits & 0xFF);
        }
    }
    out[o] = '\0';
    return o;
}

/* Decodes a header of encoded-words back to UTF-8. */
static void decode_header(const char *h, char *out)
{
    out[0] = '\0';
    const char *p = h;
    while ((p = strstr(p, "=?UTF-8?B?"))) {
        p += 10;
        const char *e = strstr(p, "?=");
        assert_non_null(e);
        assert_true(e - p + 12 <= 75);
        b64dec(p, (size_t)(e - p), out + strlen(out));
        p = e + 2;
    }
}


/* ---- extensions, silences, approvals: hand-built units answers ---------- */

/* The arrivals of one hand-built units answer for CCHC_Q 2025Q3 (what the
 * aggregator answers once it applies DECIDE): HP.SO.A silenced, HP.XA.C
 * extended to Fri 2025-09-19, HP.SO.B received on Fri Sep 5 and awaiting
 * approval, HP.SO.B.P missing. */
static arrivals_t *decided_arrivals(void)
{
    arrivals_t *a = arrivals_new();
    assert_non_null(a);
    ans_unit_status_t u[4];
    memset(u, 0, sizeof u);
    u[0] = (ans_unit_status_t){.code = "HP.SO.A", .name = "Sở Alpha", .kind = "so", .status = "missing",
                               .has_silenced = true, .silenced = true};
    u[1] = (ans_unit_status_t){.code = "HP.SO.B", .name = "Sở Bêta", .kind = "so", .status = "on_time",
                               .has_received_at = true, .received_at = T("2025-09-05T10:00:00+07:00"),
                               .has_approval = true, .approval = "awaiting"};
    u[2] = (ans_unit_status_t){.code = "HP.SO.B.P", .name = "Phòng Một", .kind = "phong", .status = "missing"};
    /* the extended deadline: the end of the new last day */
    u[3] = (ans_unit_status_t){.code = "HP.XA.C", .name = "Xã Cê", .kind = "xa", .status = "pending",
                               .has_due = true, .due = T("2025-09-20T00:00:00+07:00"), .has_due_reason = true,
                               .due_reason = "Bão số 3"};
    ans_units_t ans = {.units = u, .n_units = 4};
    arrivals_apply(a, &ans, "CCHC_Q", "2025Q3");
    return a;
}

static bool a_received(void *ud, int unit, int ds, period_t p) { return arrivals_received(ud, cat, unit, ds, p); }

static void a_facts(void *ud, int unit, int ds, period_t p, policy_facts_t *f)
{
    arrivals_facts(ud, cat, unit, ds, p, f);
}

/* The CCHC_Q items at `when` from arrivals a: "UNIT/PERIOD/STAGE[/sub late,late][/approve][ L=dd/mm]". */
static char *decided_plan(arrivals_t *a, const char *when)
{
    policy_t p = pol_default();
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, &p, T(when), a_received, a_facts, a, &rs, &n), 0);
    char *out = calloc(1, 65536);
    for (int i = 0; i < n; i++) {
        char line[512], pc[PERIOD_CODE_MAX], dl[16];
        if (strcmp(cat->datasets[rs[i].ds].code, "CCHC_Q"))
            continue;
        snprintf(line, sizeof line, "%s/%s/%s", cat->units[rs[i].unit].code,
                 period_format(rs[i].period, pc, sizeof pc), rs[i].stage);
        strcat(out, line);
        for (int k = 0; k < rs[i].nlate; k++) {
            strcat(out, k ? "," : "/sub ");
            strcat(out, cat->units[rs[i].late[k]].code);
        }
        if (rs[i].approval)
            strcat(out, "/approve");
        if (rs[i].extended) {
            snprintf(line, sizeof line, " L=%s", date_format(rs[i].last_day, dl, sizeof dl));
            strcat(out, line);
        }
        strcat(out, "\n");
    }
    policy_free(rs, n);
    return out;
}

static void t_extension(void **state)
{
    (void)state;
    arrivals_t *a = decided_arrivals();
    /* Wed Sep 10: the others are a day late (after-1); Xã Cê, extended to
     * Fri Sep 19, is 7 working days before its own last day */
    assert_text("extension at 2025-09-10", decided_plan(a, "2025-09-10T09:00:00+07:00"),
                "HP.SO.B/2025Q3/awaiting-2/approve\n"
                "HP.SO.B.P/2025Q3/after-1\n"
                "HP.XA.C/2025Q3/before-7 L=2025-09-19\n");
    /* Fri Sep 12: the city's escalation lists its late sub-units, but not
     * Xã Cê (its escalation comes 3 working days after Sep 19) nor the
     * silenced Sở Alpha; Sở Bêta escalates its Phòng */
    assert_text("extension at 2025-09-12", decided_plan(a, "2025-09-12T09:00:00+07:00"),
                "HP.SO.B/2025Q3/awaiting-2/approve\n"
                "HP.SO.B/2025Q3/escalate/sub HP.SO.B.P\n"
                "HP.SO.B.P/2025Q3/after-1\n"
                "HP.XA.C/2025Q3/before-7 L=2025-09-19\n");
    /* Wed Sep 24: Xã Cê's own escalation day -- now its parent is told */
    assert_text("extension at 2025-09-24", decided_plan(a, "2025-09-24T09:00:00+07:00"),
                "HP/2025Q3/escalate/sub HP.XA.C\n"
                "HP.SO.B/2025Q3/awaiting-2/approve\n"
                "HP.SO.B/2025Q3/weekly-1/sub HP.SO.B.P\n"
                "HP.SO.B.P/2025Q3/weekly-1\n"
                "HP.XA.C/2025Q3/after-1 L=2025-09-19\n");
    arrivals_destroy(&a);
}

/* One hand-built units answer for (ds, period): every unit received, but
 * `missing` (if any), which has an extension to the end of `due_day`. */
static void apply_answer(arrivals_t *a, const char *ds, const char *period, const char *missing, const char *due_day)
{
    ans_unit_status_t u[5];
    int n = 0;
    memset(u, 0, sizeof u);
    for (int i = 0; i < cat->nunits && n < 5; i++) {
        ans_unit_status_t *x = &u[n++];
        x->code = cat->units[i].code;
        x->name = cat->units[i].name;
        x->kind = "so";
        x->status = "on_time";
        if (missing && !strcmp(missing, x->code)) {
            char iso[64];
            snprintf(iso, sizeof iso, "%sT00:00:00+07:00", due_day);
            x->status = "pending";
            x->has_due = true;
            x->due = T(iso) + DAY_SECONDS; /* the end of its new last day */
        }
    }
    ans_units_t ans = {.units = u, .n_units = (uint32_t)n};
    arrivals_apply(a, &ans, ds, period);
}

/* Every item at `when` from arrivals a: "UNIT/DATASET/PERIOD/STAGE[/sub late,late][ L=dd/mm]". */
static char *all_plan(arrivals_t *a, const char *when)
{
    policy_t p = pol_default();
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, &p, T(when), a_received, a_facts, a, &rs, &n), 0);
    char *out = calloc(1, 65536);
    for (int i = 0; i < n; i++) {
        char line[512], pc[PERIOD_CODE_MAX], dl[16];
        snprintf(line, sizeof line, "%s/%s/%s/%s", cat->units[rs[i].unit].code, cat->datasets[rs[i].ds].code,
                 period_format(rs[i].period, pc, sizeof pc), rs[i].stage);
        strcat(out, line);
        for (int k = 0; k < rs[i].nlate; k++) {
            strcat(out, k ? "," : "/sub ");
            strcat(out, cat->units[rs[i].late[k]].code);
        }
        if (rs[i].extended) {
            snprintf(line, sizeof line, " L=%s", date_format(rs[i].last_day, dl, sizeof dl));
            strcat(out, line);
        }
        strcat(out, "\n");
    }
    policy_free(rs, n);
    return out;
}

/* Issue 13: an extension of a quarter is respected by the items the covered
 * half-year and year bring back.  (1) Xã Cê's Q3, its window closed on Dec 9,
 * extended to Wed Dec 31: on Mon Dec 22 the year and half-year still lack
 * it, but it is told against its own last day (before-7, not overdue) and
 * the city is not told it is late; its escalation comes 3 working days after
 * Dec 31 (Jan 1-2 are holidays: Wed Jan 7).  (2) Phòng Một's Q4 extended to
 * Fri Dec 19: on Mon Dec 22 it is a day late (after-1), and Sở Bêta's
 * escalation -- of Q4 and of the half-year and year it covers -- waits until
 * Wed Dec 24. */
static void t_extension_covered_closed(void **state)
{
    (void)state;
    arrivals_t *a = arrivals_new();
    assert_non_null(a);
    apply_answer(a, "CCHC_Q", "2025Q3", "HP.XA.C", "2025-12-31");
    apply_answer(a, "CCHC_Q", "2025Q4", NULL, NULL);
    assert_text("closed quarter extended, 2025-12-22", all_plan(a, "2025-12-22T09:00:00+07:00"),
                "HP.XA.C/CCHC_Q/2025Q3/before-7 L=2025-12-31\n"
                "HP.XA.C/CCHC_S/2025S2/weekly-1\n"
                "HP.XA.C/CCHC_Y/2025/weekly-1\n");
    /* Tue Jan 6: still not the city's business */
    assert_text("closed quarter extended, 2026-01-06", all_plan(a, "2026-01-06T09:00:00+07:00"),
                "HP.XA.C/CCHC_Q/2025Q3/after-1 L=2025-12-31\n"
                "HP.XA.C/CCHC_S/2025S2/weekly-3\n"
                "HP.XA.C/CCHC_Y/2025/weekly-3\n");
    /* Wed Jan 7: its own escalation day -- the city is told (under the
     * half-year's and year's stage, which the quarter folds into) */
    assert_text("closed quarter extended, 2026-01-07", all_plan(a, "2026-01-07T09:00:00+07:00"),
                "HP/CCHC_Q/2025Q3/weekly-3/sub HP.XA.C\n"
                "HP/CCHC_S/2025S2/weekly-3/sub HP.XA.C\n"
                "HP/CCHC_Y/2025/weekly-3/sub HP.XA.C\n"
                "HP.XA.C/CCHC_Q/2025Q3/after-1 L=2025-12-31\n"
                "HP.XA.C/CCHC_S/2025S2/weekly-3\n"
                "HP.XA.C/CCHC_Y/2025/weekly-3\n");
    arrivals_destroy(&a);
}

static void t_extension_covered_open(void **state)
{
    (void)state;
    arrivals_t *a = arrivals_new();
    assert_non_null(a);
    apply_answer(a, "CCHC_Q", "2025Q3", NULL, NULL);
    apply_answer(a, "CCHC_Q", "2025Q4", "HP.SO.B.P", "2025-12-19");
    const char *want22 = "HP.SO.B.P/CCHC_Q/2025Q4/after-1 L=2025-12-19\n"
                         "HP.SO.B.P/CCHC_S/2025S2/weekly-1\n"
                         "HP.SO.B.P/CCHC_Y/2025/weekly-1\n";
    assert_text("open quarter extended, 2025-12-22", all_plan(a, "2025-12-22T09:00:00+07:00"), want22);
    assert_text("open quarter extended, 2025-12-23", all_plan(a, "2025-12-23T09:00:00+07:00"), want22);
    assert_text("open quarter extended, 2025-12-24", all_plan(a, "2025-12-24T09:00:00+07:00"),
                "HP.SO.B/CCHC_Q/2025Q4/escalate/sub HP.SO.B.P\n"
                "HP.SO.B/CCHC_S/2025S2/weekly-1/sub HP.SO.B.P\n"
                "HP.SO.B/CCHC_Y/2025/weekly-1/sub HP.SO.B.P\n"
                "HP.SO.B.P/CCHC_Q/2025Q4/after-1 L=2025-12-19\n"
                "HP.SO.B.P/CCHC_S/2025S2/weekly-1\n"
                "HP.SO.B.P/CCHC_Y/2025/weekly-1\n");
    arrivals_destroy(&a);
}

/* Approvals: Sở Bêta's Q3 report has awaited its approval since Fri Sep 5;
 * on Tue Sep 9 (2 working days later) its digest tells its head, with the
 * approval page; not before. */
static void assert_no_codes(const char *body);

static void t_approval(void **state)
{
    (void)state;
    arrivals_t *a = decided_arrivals();
    assert_text("approval at 2025-09-08", decided_plan(a, "2025-09-08T16:00:00+07:00"),
                "HP.SO.B.P/2025Q3/before-1\n"); /* and nothing for Xã Cê: its before-7 is Sep 10 */
    policy_t p = pol_default();
    p.webhook = p.pub = false;
    reminder_t *rs;
    digest_t *ds;
    int n, nd, seen = 0;
    int64_t t = T("2025-09-10T09:00:00+07:00");
    assert_int_equal(policy_plan(cat, &p, t, a_received, a_facts, a, &rs, &n), 0);
    assert_int_equal(digest_group(cat, &p, t, rs, n, NULL, NULL, &ds, &nd), 0);
    message_opts_t mo = {"https://cchc.haiphong.example/nop-bao-cao", NULL, false, NULL, NULL,
                         "https://cchc.haiphong.example/approve"};
    for (int i = 0; i < nd; i++) {
        message_t m;
        char items[512];
        assert_int_equal(message_compose(cat, &ds[i], &mo, t, &m), 0);
        const char *u = cat->units[ds[i].unit].code;
        if (!strcmp(u, "HP.SO.B")) {
            seen++;
            assert_string_equal(m.subject, "1 báo cáo CCHC đang chờ duyệt");
            assert_non_null(strstr(m.body, "1 báo cáo đang chờ duyệt"));
            assert_non_null(strstr(m.body, "- Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý, quý 3/2025\n"));
            assert_non_null(strstr(m.body, "Duyệt hoặc trả lại báo cáo tại: https://cchc.haiphong.example/approve\n"));
            assert_null(strstr(m.body, "chưa nhận được"));
            assert_string_equal(digest_items(cat, &ds[i], items, sizeof items), "approve:CCHC_Q/2025Q3/awaiting-2");
        } else if (!strcmp(u, "HP.XA.C")) {
            seen++;
            assert_non_null(strstr(m.body, "   Hạn nộp (đã được gia hạn): hết ngày 19/09/2025 (còn 7 ngày làm việc)\n"));
            assert_null(strstr(m.body, "chờ duyệt"));
        }
        assert_no_codes(m.body);
        message_free(&m);
    }
    assert_int_equal(seen, 2);
    free(ds);
    policy_free(rs, n);
    p.approve_after = 0; /* never */
    assert_int_equal(policy_plan(cat, &p, t, a_received, a_facts, a, &rs, &n), 0);
    for (int i = 0; i < n; i++)
        assert_false(rs[i].approval);
    policy_free(rs, n);
    arrivals_destroy(&a);
}

/* Approvals outside the reminder windows (issue 12, H15): on Mon Dec 22
 * quý 3/2025's window has closed (at Q4's deadline, Dec 9), but Xã Cê's Q3
 * report, late on Sep 16, and Sở Alpha's, sent Sep 8 within its extension,
 * still await their heads' approval: they are reminded, as the web's
 * approval queue lists them (the current period back three years), in the
 * same digest as the unit's Q4 reminder.  Then a refresh asks Q3 with
 * status=awaiting: Sở Alpha's has been approved since (not listed), so its
 * reminder stops and its extension stays known. */
static void t_approval_old_periods(void **state)
{
    (void)state;
    arrivals_t *a = arrivals_new();
    assert_non_null(a);
    ans_unit_status_t u[2];
    memset(u, 0, sizeof u);
    u[0] = (ans_unit_status_t){.code = "HP.SO.A", .name = "Sở Alpha", .kind = "so", .status = "on_time",
                               .has_received_at = true, .received_at = T("2025-09-08T10:00:00+07:00"),
                               .has_approval = true, .approval = "awaiting", .has_due = true,
                               .due = T("2025-09-20T00:00:00+07:00")};
    u[1] = (ans_unit_status_t){.code = "HP.XA.C", .name = "Xã Cê", .kind = "xa", .status = "late",
                               .has_received_at = true, .received_at = T("2025-09-16T10:00:00+07:00"),
                               .has_approval = true, .approval = "awaiting"};
    arrivals_apply(a, &(ans_units_t){.units = u, .n_units = 2}, "CCHC_Q", "2025Q3");
    const char *when = "2025-12-22T09:00:00+07:00";
    char *plan = decided_plan(a, when);
    if (!strstr(plan, "HP.SO.A/2025Q3/awaiting-2/approve\n") || !strstr(plan, "HP.XA.C/2025Q3/awaiting-2/approve\n")) {
        fprintf(stderr, "# plan at %s:\n%s", when, plan);
        free(plan);
        fail_msg("the Q3 reports awaiting approval are not reminded after Q3's window closed");
    }
    free(plan);

    /* the digest: Xã Cê's Q4 reminder and its Q3 awaiting approval together */
    policy_t p = pol_default();
    p.webhook = p.pub = false;
    reminder_t *rs;
    digest_t *ds;
    int n, nd, seen = 0;
    int64_t t = T(when);
    assert_int_equal(policy_plan(cat, &p, t, a_received, a_facts, a, &rs, &n), 0);
    assert_int_equal(digest_group(cat, &p, t, rs, n, NULL, NULL, &ds, &nd), 0);
    message_opts_t mo = {"https://cchc.haiphong.example/nop-bao-cao", NULL, false, NULL, NULL,
                         "https://cchc.haiphong.example/approve"};
    for (int i = 0; i < nd; i++) {
        if (strcmp(cat->units[ds[i].unit].code, "HP.XA.C"))
            continue;
        seen++;
        message_t m;
        char items[512];
        assert_int_equal(message_compose(cat, &ds[i], &mo, t, &m), 0);
        digest_items(cat, &ds[i], items, sizeof items);
        assert_non_null(strstr(items, "CCHC_Q/2025Q4/"));
        assert_non_null(strstr(items, "approve:CCHC_Q/2025Q3/awaiting-2"));
        assert_non_null(strstr(m.body, "1 báo cáo đang chờ duyệt"));
        assert_non_null(strstr(m.body, "- Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý, quý 3/2025\n"));
        message_free(&m);
    }
    assert_int_equal(seen, 1);
    free(ds);
    policy_free(rs, n);

    /* the refresh's status=awaiting answer for Q3 lists Xã Cê only */
    arrivals_forget_awaiting(a, "CCHC_Q", "2025Q3");
    arrivals_apply(a, &(ans_units_t){.units = &u[1], .n_units = 1}, "CCHC_Q", "2025Q3");
    plan = decided_plan(a, when);
    assert_null(strstr(plan, "HP.SO.A/2025Q3/awaiting-2"));
    assert_non_null(strstr(plan, "HP.XA.C/2025Q3/awaiting-2/approve\n"));
    free(plan);
    policy_facts_t f;
    arrivals_facts(a, cat, catalog_unit(cat, "HP.SO.A"), catalog_dataset(cat, "CCHC_Q"), (period_t){.year = 2025, .type = PERIOD_QUARTER, .index = 3}, &f);
    assert_int_equal(f.awaiting, 0);
    assert_true(f.due == T("2025-09-20T00:00:00+07:00"));
    arrivals_destroy(&a);
}

/* The approval queue's periods: the current one back to the same one three
 * years earlier, newest first (services/web/page_approve.c). */
static void t_approval_periods(void **state)
{
    (void)state;
    period_t ps[64];
    char pc[PERIOD_CODE_MAX];
    int q = catalog_dataset(cat, "CCHC_Q"), y = catalog_dataset(cat, "CCHC_Y");
    int n = policy_approval_periods(cat, q, T("2025-12-22T09:00:00+07:00"), ps, 64);
    assert_int_equal(n, 13);
    assert_string_equal(period_format(ps[0], pc, sizeof pc), "2025Q4");
    assert_string_equal(period_format(ps[1], pc, sizeof pc), "2025Q3");
    assert_string_equal(period_format(ps[12], pc, sizeof pc), "2022Q4");
    n = policy_approval_periods(cat, y, T("2026-01-05T09:00:00+07:00"), ps, 64);
    assert_int_equal(n, 4);
    assert_string_equal(period_format(ps[0], pc, sizeof pc), "2026");
    assert_string_equal(period_format(ps[3], pc, sizeof pc), "2023");
    assert_int_equal(policy_approval_periods(cat, q, T("2025-12-22T09:00:00+07:00"), ps, 5), 5);
}

/* Who approves (the notifier's facts, from [notifier] approvers): Phòng
 * Một's reports are entered by Sở Bêta (parent_submits), whose head approves
 * them; Sở Bêta's own report awaits too, but here nobody is asked for it
 * (approver -1: the deployment has no approval step for it). */
static void approver_facts(void *ud, int unit, int ds, period_t p, policy_facts_t *f)
{
    arrivals_facts(ud, cat, unit, ds, p, f);
    if (!f->awaiting)
        return;
    if (!strcmp(cat->units[unit].code, "HP.SO.B.P"))
        f->approver = 1 + catalog_unit(cat, "HP.SO.B");
    else if (!strcmp(cat->units[unit].code, "HP.SO.B"))
        f->approver = -1;
}

static void t_approval_route(void **state)
{
    (void)state;
    arrivals_t *a = arrivals_new();
    assert_non_null(a);
    ans_unit_status_t u[2];
    memset(u, 0, sizeof u);
    u[0] = (ans_unit_status_t){.code = "HP.SO.B", .name = "Sở Bêta", .kind = "so", .status = "on_time",
                               .has_received_at = true, .received_at = T("2025-09-05T10:00:00+07:00"),
                               .has_approval = true, .approval = "awaiting"};
    u[1] = (ans_unit_status_t){.code = "HP.SO.B.P", .name = "Phòng Một", .kind = "phong", .status = "on_time",
                               .has_received_at = true, .received_at = T("2025-09-05T10:00:00+07:00"),
                               .has_approval = true, .approval = "awaiting"};
    ans_units_t ans = {.units = u, .n_units = 2};
    arrivals_apply(a, &ans, "CCHC_Q", "2025Q3");
    policy_t p = pol_default();
    p.webhook = p.pub = false;
    reminder_t *rs;
    digest_t *ds;
    int n, nd, seen = 0;
    int64_t t = T("2025-09-10T09:00:00+07:00");
    assert_int_equal(policy_plan(cat, &p, t, a_received, approver_facts, a, &rs, &n), 0);
    for (int i = 0; i < n; i++)
        if (rs[i].approval) { /* one: Phòng Một's, to Sở Bêta */
            seen++;
            assert_string_equal(cat->units[rs[i].unit].code, "HP.SO.B");
            assert_string_equal(cat->units[rs[i].owner].code, "HP.SO.B.P");
        }
    assert_int_equal(seen, 1);
    assert_int_equal(digest_group(cat, &p, t, rs, n, NULL, NULL, &ds, &nd), 0);
    message_opts_t mo = {"https://cchc.haiphong.example/nop-bao-cao", NULL, false, NULL, NULL,
                         "https://cchc.haiphong.example/approve"};
    seen = 0;
    for (int i = 0; i < nd; i++) {
        message_t m;
        char items[512];
        assert_int_equal(message_compose(cat, &ds[i], &mo, t, &m), 0);
        const char *code = cat->units[ds[i].unit].code;
        if (!strcmp(code, "HP.SO.B")) {
            seen++;
            assert_string_equal(m.subject, "1 báo cáo CCHC đang chờ duyệt");
            assert_non_null(strstr(m.body, "- Phòng Một: Báo cáo kết quả tuyên truyền cải cách hành chính hàng "
                                           "quý, quý 3/2025\n"));
            assert_string_equal(digest_items(cat, &ds[i], items, sizeof items),
                                "approve:CCHC_Q/2025Q3/awaiting-2@HP.SO.B.P");
            json_t *j = message_json(cat, &ds[i], &m);
            json_t *it = json_array_get(json_object_get(j, "items"), 0);
            assert_string_equal(json_string_value(json_object_get(json_object_get(it, "report_unit"), "code")),
                                "HP.SO.B.P");
            json_decref(j);
        } else {
            assert_null(strstr(m.body, "chờ duyệt")); /* Phòng Một itself is not asked */
        }
        message_free(&m);
    }
    assert_int_equal(seen, 1);
    free(ds);
    policy_free(rs, n);
    arrivals_destroy(&a);
}

/* One digest with both: Xã Cê sent Q3 on Mon Sep 22 (awaiting its head's
 * approval since) and has an extension of Q4 to Tue Dec 16.  On Mon Dec 8
 * its digest reminds it of Q4 against Dec 16 and tells its head that Q3
 * waits for approval.  The text goes to build/test-logs for docs/notifier.md. */
static void t_sample_extension_approval(void **state)
{
    (void)state;
    arrivals_t *a = arrivals_new();
    assert_non_null(a);
    ans_unit_status_t q3 = {.code = "HP.XA.C", .name = "Xã Cê", .kind = "xa", .status = "late",
                            .has_received_at = true, .received_at = T("2025-09-22T10:00:00+07:00"),
                            .has_approval = true, .approval = "awaiting"};
    ans_unit_status_t q4 = {.code = "HP.XA.C", .name = "Xã Cê", .kind = "xa", .status = "pending", .has_due = true,
                            .due = T("2025-12-17T00:00:00+07:00"), .has_due_reason = true,
                            .due_reason = "Sáp nhập đơn vị hành chính"};
    arrivals_apply(a, &(ans_units_t){.units = &q3, .n_units = 1}, "CCHC_Q", "2025Q3");
    arrivals_apply(a, &(ans_units_t){.units = &q4, .n_units = 1}, "CCHC_Q", "2025Q4");
    policy_t p = pol_default();
    p.webhook = p.pub = false;
    reminder_t *rs;
    digest_t *ds;
    int n, nd, seen = 0;
    int64_t t = T("2025-12-08T09:00:00+07:00");
    assert_int_equal(policy_plan(cat, &p, t, a_received, a_facts, a, &rs, &n), 0);
    assert_int_equal(digest_group(cat, &p, t, rs, n, NULL, NULL, &ds, &nd), 0);
    message_opts_t mo = {"https://baocao.cchc.haiphong.example/nop-bao-cao", NULL, false, NULL, NULL,
                         "https://baocao.cchc.haiphong.example/approve"};
    for (int i = 0; i < nd; i++) {
        if (strcmp(cat->units[ds[i].unit].code, "HP.XA.C"))
            continue;
        message_t m;
        char items[512], path[512];
        assert_int_equal(message_compose(cat, &ds[i], &mo, t, &m), 0);
        seen++;
        digest_items(cat, &ds[i], items, sizeof items);
        assert_non_null(strstr(items, "CCHC_Q/2025Q4/before-7"));
        assert_non_null(strstr(items, "approve:CCHC_Q/2025Q3/awaiting-2"));
        assert_non_null(strstr(m.body, "   Kỳ báo cáo: quý 4/2025\n"
                                       "   Hạn nộp (đã được gia hạn): hết ngày 16/12/2025 (còn 6 ngày làm việc)\n"));
        assert_non_null(strstr(m.body, "1 báo cáo đang chờ duyệt"));
        assert_non_null(strstr(m.body, "- Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý, quý 3/2025\n"));
        assert_non_null(strstr(m.body, "Duyệt hoặc trả lại báo cáo tại: https://baocao.cchc.haiphong.example/approve\n"));
        assert_no_codes(m.body);
        const char *root = getenv("CCHC_ROOT");
        snprintf(path, sizeof path, "%s/build/test-logs/notifier-sample-extension-approval.txt", root ? root : ".");
        FILE *f = fopen(path, "w");
        if (f) {
            fprintf(f, "To: %s\nSubject: %s\nX-CCHC-Items: %s\n\n%s", ds[i].recipient, m.subject, items, m.body);
            fclose(f);
        }
        message_free(&m);
    }
    assert_int_equal(seen, 1);
    free(ds);
    policy_free(rs, n);
    arrivals_destroy(&a);
}

static const char *test_notes(void *ud, int unit, int ds, period_t p)
{
    (void)ud;
    (void)ds;
    (void)p;
    return !strcmp(cat->units[unit].code, "HP.SO.A")
               ? "- Tỷ lệ CBCCVC tham gia cuộc thi: đạt 91,5%, yêu cầu ít nhất 100% đến hết năm 2025\n"
               : NULL;
}

/* The digests at `when`, composed; calls check(digest, message) for each. */
static void each_message(const policy_t *p, const char *when, world_t *w, const message_opts_t *mo,
                         void (*check)(const digest_t *d, const message_t *m))
{
    reminder_t *rs;
    digest_t *ds;
    int n, nd;
    assert_int_equal(policy_plan(cat, p, T(when), w_received, NULL, w, &rs, &n), 0);
    assert_int_equal(digest_group(cat, p, T(when), rs, n, w_done, w, &ds, &nd), 0);
    assert_true(nd > 0);
    for (int i = 0; i < nd; i++) {
        message_t m;
        assert_int_equal(message_compose(cat, &ds[i], mo, T(when), &m), 0);
        check(&ds[i], &m);
        message_free(&m);
    }
    free(ds);
    policy_free(rs, n);
}

/* No code of the catalog in a text meant for people. */
static void assert_no_codes(const char *body)
{
    for (int u = 0; u < cat->nunits; u++)
        if (strstr(body, cat->units[u].code) && !strstr(cat->units[u].code, "@"))
            fail_msg("unit code %s in:\n%s", cat->units[u].code, body);
    for (int d = 0; d < cat->ndatasets; d++)
        if (strstr(body, cat->datasets[d].code))
            fail_msg("dataset code %s in:\n%s", cat->datasets[d].code, body);
    for (int i = 0; i < cat->ninds; i++)
        if (strstr(body, cat->inds[i].code))
            fail_msg("indicator code %s in:\n%s", cat->inds[i].code, body);
}

static void check_before1(const digest_t *d, const message_t *m)
{
    if (d->channel != CH_EMAIL)
        return;
    assert_string_equal(m->subject, "Nhắc nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025");
    assert_non_null(strstr(m->body, "Kính gửi: "));
    assert_non_null(strstr(m->body, "1. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n"
                                    "   Kỳ báo cáo: quý 3/2025\n"
                                    "   Hạn nộp: hết ngày 09/09/2025 (còn 1 ngày làm việc)\n"));
    assert_non_null(strstr(m->body, "Nộp báo cáo tại: https://cchc.haiphong.example/nop-bao-cao\n"));
    assert_non_null(strstr(m->body, "Cần hỗ trợ, xin liên hệ: Thành phố Hải Phòng (vanphong@hp.example)\n"));
    assert_null(strstr(m->body, "English"));
    assert_no_codes(m->body);
    char items[256];
    char *mail = message_email("cchc@hp.example", d->recipient, d->id, digest_items(cat, d, items, sizeof items), m,
                               T("2025-09-08T09:00:00+07:00"));
    assert_non_null(strstr(mail, "X-CCHC-Items: CCHC_Q/2025Q3/before-1\r\n"));
    assert_non_null(strstr(mail, "Date: Mon, 08 Sep 2025 09:00:00 +0700\r\n"));
    assert_non_null(strstr(mail, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(mail, "X-CCHC-Reminder: HP.SO.A/2025-09-08/email\r\n"));
    char *enc = message_encode_header(m->subject), dec[1024];
    decode_header(enc, dec);
    assert_string_equal(dec, m->subject);
    free(enc);
    const char *body = strstr(mail, "\r\n\r\n");
    char *plain = malloc(strlen(body) + 1);
    b64dec(body, strlen(body), plain);
    assert_string_equal(plain, m->body);
    free(plain);
    free(mail);
    json_t *j = message_json(cat, d, m);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "HP.SO.A/2025-09-08/email");
    assert_string_equal(json_string_value(json_object_get(j, "stage")), "before-1");
    assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
    json_decref(j);
    char pid[80];
    message_proto_id(cat, &d->items[0], pid, sizeof pid);
    assert_string_equal(pid, "HP.SO.A:CCHC_Q:2025Q3:before-1");
}

static void t_message(void **state)
{
    (void)state;
    policy_t p = pol_default();
    p.webhook = p.pub = false;
    world_t w = {.received = {"HP.SO.B CCHC_Q 2025Q3", "HP.SO.B.P CCHC_Q 2025Q3", "HP.XA.C CCHC_Q 2025Q3"}};
    message_opts_t mo = {"https://cchc.haiphong.example/nop-bao-cao", NULL, false, NULL, NULL, NULL};
    each_message(&p, "2025-09-08T09:00:00+07:00", &w, &mo, check_before1);
}

/* What a unit's digest must say (has) and must not (lacks), checked by check_texts(). */
typedef struct {
    const char *unit, *subject;
    const char *has[4], *lacks[2];
} expect_t;

/* Dec 8: HP.SO.A owes Q3 (overdue), Q4, S2 and the year; HP is told about its sub-units. */
static const expect_t dec8[] = {
    {.unit = "HP.SO.A",
     /* split by state: what is overdue, then what is coming due */
     .subject = "Quá hạn nộp báo cáo CCHC quý 3/2025 (hạn 09/09/2025); sắp đến hạn báo cáo quý 4/2025 (hạn "
                "09/12/2025)",
     .has = {"chưa nhận được các báo cáo sau của đơn vị:\n\n"
      "1. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n"
      "   Kỳ báo cáo: quý 3/2025\n"
      "   Hạn nộp: hết ngày 09/09/2025 (đã quá hạn ",
      "2. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n"
      "   Kỳ báo cáo: quý 4/2025\n"
      "   Hạn nộp: hết ngày 09/12/2025 (còn 1 ngày làm việc)\n"
      "   Các báo cáo quý trên đồng thời là số liệu cho: Báo cáo kết quả tuyên truyền cải "
      "cách hành chính 06 tháng (6 tháng cuối năm 2025); Báo cáo kết quả tuyên "
      "truyền cải cách hành chính năm (năm 2025) – không phải nộp riêng.\n\n",
      "Chỉ tiêu chưa đạt tiến độ:\n- Tỷ lệ CBCCVC tham gia cuộc thi: đạt 91,5%"},
     .lacks = {"3. ", "riêng.\n2. "}}, /* the folded reports said once, under the last quarter */
    {.unit = "HP",
     .subject = "Đơn vị trực thuộc chưa nộp báo cáo CCHC quý 3/2025 (1 đơn vị) — hạn 09/09/2025",
     .has = {"Các đơn vị trực thuộc sau chưa nộp báo cáo:\n\n"
      "1. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n"
      "   Kỳ báo cáo: quý 3/2025, hạn nộp hết ngày 09/09/2025 (đã quá hạn ",
      "1 đơn vị chưa nộp:\n   - Sở Alpha (so-a@hp.example)\n\n",
      "Đơn vị trực thuộc có chỉ tiêu chưa đạt tiến độ:\n* Sở Alpha:\n- Tỷ lệ"}},
    {.unit = NULL}};

/* Dec 12: Q3 has closed, but S2 and the year still lack it: it is an item
 * of its own (the reports owed are Q3 and Q4, both overdue), and S2 and
 * the year fold into them -- never counted as reports owed. */
static const expect_t dec12[] = {
    {.unit = "HP.SO.A",
     .subject = "Quá hạn nộp 2 báo cáo CCHC: quý 3/2025, quý 4/2025",
     .has = {"1. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n"
      "   Kỳ báo cáo: quý 3/2025\n"
      "   Hạn nộp: hết ngày 09/09/2025 (đã quá hạn ",
      "2. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n"
      "   Kỳ báo cáo: quý 4/2025\n"
      "   Hạn nộp: hết ngày 09/12/2025 (đã quá hạn 3 ngày làm việc)\n"
      "   Các báo cáo quý trên đồng thời là số liệu cho: Báo cáo kết quả tuyên truyền cải "
      "cách hành chính 06 tháng (6 tháng cuối năm 2025); Báo cáo kết quả tuyên "
      "truyền cải cách hành chính năm (năm 2025) – không phải nộp riêng.\n\n"},
     .lacks = {"3. ", "Số liệu kỳ này"}},
    /* Sở Alpha lacks Q3 and Q4, Xã Cê Q4 alone: each quarter is an item */
    {.unit = "HP",
     .subject = "Đơn vị trực thuộc chưa nộp 2 báo cáo CCHC (2 đơn vị)",
     .has = {"   Kỳ báo cáo: quý 3/2025, hạn nộp hết ngày 09/09/2025 (đã quá hạn ",
      "; 1 đơn vị chưa nộp:\n   - Sở Alpha (so-a@hp.example)\n2. ",
      "   Kỳ báo cáo: quý 4/2025, hạn nộp hết ngày 09/12/2025 (đã quá hạn 3 ngày làm việc); 2 đơn vị chưa nộp:\n"},
     .lacks = {"còn thiếu báo cáo", "3. "}},
    {.unit = NULL}};

static const expect_t *expected;

static void check_texts(const digest_t *d, const message_t *m)
{
    assert_no_codes(m->body);
    assert_null(strstr(m->body, "năm kỳ năm"));
    assert_null(strstr(m->body, "English"));
    assert_non_null(strstr(m->body, "Cần hỗ trợ, xin liên hệ: Văn phòng, 0225 3 123 456\n"));
    for (const expect_t *e = expected; e->unit; e++) {
        if (strcmp(cat->units[d->unit].code, e->unit))
            continue;
        assert_string_equal(m->subject, e->subject);
        for (int i = 0; i < 4 && e->has[i]; i++)
            if (!strstr(m->body, e->has[i]))
                fail_msg("%s: no\n%s\nin\n%s", e->unit, e->has[i], m->body);
        for (int i = 0; i < 2 && e->lacks[i]; i++)
            assert_null(strstr(m->body, e->lacks[i]));
    }
}

static void t_message_digest(void **state)
{
    (void)state;
    policy_t p = pol_default();
    p.webhook = p.pub = false;
    world_t w = {.received = {"HP.SO.B CCHC_Q 2025Q3", "HP.SO.B CCHC_Q 2025Q4", "HP.SO.B.P CCHC_Q 2025Q3",
                              "HP.SO.B.P CCHC_Q 2025Q4", "HP.XA.C CCHC_Q 2025Q3"}};
    message_opts_t mo = {NULL, "Văn phòng, 0225 3 123 456", false, test_notes, NULL, NULL};
    expected = dec8;
    each_message(&p, "2025-12-08T09:00:00+07:00", &w, &mo, check_texts);
    expected = dec12;
    each_message(&p, "2025-12-12T09:00:00+07:00", &w, &mo, check_texts);
}

static void check_english(const digest_t *d, const message_t *m)
{
    (void)d;
    const char *en = strstr(m->body, "\n---\nEnglish\n\nTo: ");
    assert_non_null(en);
    assert_non_null(strstr(en, "Reports not yet received from your unit:\n\n"
                               "1. Báo cáo kết quả tuyên truyền cải cách hành chính hàng quý\n"
                               "   Period: Q3 2025\n   Due by the end of 09/09/2025 (1 working day(s) left)\n"));
    assert_no_codes(m->body);
}

static void t_message_english(void **state)
{
    (void)state;
    policy_t p = pol_default();
    p.webhook = p.pub = false;
    world_t w = {0};
    message_opts_t mo = {NULL, NULL, true, NULL, NULL, NULL};
    each_message(&p, "2025-09-08T09:00:00+07:00", &w, &mo, check_english);
}

static void t_numbers(void **state)
{
    (void)state;
    char b[64], line[512];
    assert_string_equal(message_number(91.5493, true, b, sizeof b), "91,5%");
    assert_string_equal(message_number(100, true, b, sizeof b), "100%");
    assert_string_equal(message_number(4200, false, b, sizeof b), "4.200");
    assert_string_equal(message_number(1234567.25, false, b, sizeof b), "1.234.567,3");
    assert_string_equal(message_number(-3, false, b, sizeof b), "-3");
    assert_string_equal(message_number(0.04, true, b, sizeof b), "0%");
    period_t y;
    period_parse("2025", &y);
    message_target_line(cat, catalog_indicator(cat, "CONTEST_PARTICIPATION_RATE"), "Tỷ lệ tham gia", 91.5493, 100, y,
                        line, sizeof line);
    assert_string_equal(line, "- Tỷ lệ tham gia: đạt 91,5%, yêu cầu ít nhất 100% đến hết năm 2025\n");
    message_target_line(cat, catalog_indicator(cat, "PORTAL_POSTS"), "Tin, bài", 5, 15, y, line, sizeof line);
    assert_string_equal(line, "- Tin, bài: đạt 5, cần ít nhất 15 đến hết năm 2025, còn thiếu 10\n");
    message_target_line(cat, catalog_indicator(cat, "PLAN_ISSUED"), "Ban hành kế hoạch", 0, 1, y, line, sizeof line);
    assert_string_equal(line, "- Ban hành kế hoạch: chưa có (yêu cầu phải có đến hết năm 2025)\n");
}

static void t_encode_long(void **state)
{
    (void)state;
    const char *s = "Đơn vị trực thuộc chưa nộp báo cáo CCHC 6 tháng cuối năm 2025 (12 đơn vị) — hạn 09/12/2025 ữữữữữữữ";
    char *enc = message_encode_header(s), dec[1024];
    assert_non_null(strstr(enc, "\r\n =?UTF-8?B?"));
    decode_header(enc, dec);
    assert_string_equal(dec, s);
    free(enc);
    char *b = message_base64("abcd", 4, 0);
    assert_string_equal(b, "YWJjZA==");
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("notifier-1.1 default policy: 7/3/1 before, due, after 1, escalate 3, weekly, 08-17, repeat 5", t_defaults),
        TEST("notifier-1.2 policy from [notifier] config, bad values refused", t_config),
        TEST("notifier-1.3 working hours, weekends, holidays, make-up Saturday", t_hours),
        TEST("notifier-1.4 nothing is planned outside working hours", t_outside_hours_empty),
        TEST("notifier-2.1 each stage at its working day", t_stages),
        TEST("notifier-2.2 catch-up: only the latest stage", t_catch_up),
        TEST("notifier-2.3 units that reported get nothing", t_received_excluded),
        TEST("notifier-2.4 the period closes at the next deadline (or close_after_days)", t_closed),
        TEST("notifier-2.5 weekly reminders after the escalation", t_weekly),
        TEST("notifier-2.6 half-year and year covered by the quarters: chased only for missing quarters", t_covered),
        TEST("notifier-2.7 an extension moves a unit's reminders and its escalation; a silenced unit gets nothing",
             t_extension),
        TEST("notifier-2.8 a closed quarter extended: told through the half-year and year against its own last "
             "day, its parent told only from its own escalation day", t_extension_covered_closed),
        TEST("notifier-2.9 an open quarter extended: no escalation through the half-year and year before its own "
             "escalation day", t_extension_covered_open),
        TEST("notifier-3.1 one escalation item per parent lists all its late sub-units", t_escalation_grouping),
        TEST("notifier-3.2 one digest per recipient and channel; covered items folded", t_digest_grouping),
        TEST("notifier-3.3 not twice a day, not repeated unchanged before repeat_after, sent when changed",
             t_digest_repeat),
        TEST("notifier-3.4 a report awaiting approval 2 working days: the approver line in the unit's digest",
             t_approval),
        TEST("notifier-3.5 one digest with an extended report and a report awaiting approval (the docs' sample)",
             t_sample_extension_approval),
        TEST("notifier-3.6 an approval reminder goes to the unit whose head approves (a parent_submits office's to "
             "its parent), none where nobody approves", t_approval_route),
        TEST("notifier-3.7 a report awaiting approval is reminded after its period's window closed, over the web "
             "queue's periods (current back 3 years); an approval since stops it", t_approval_old_periods),
        TEST("notifier-3.8 the approval queue's periods: the current one back to the same one three years earlier",
             t_approval_periods),
        TEST("notifier-4.1 Vietnamese subject/body, link, contact, MIME e-mail, JSON, REMINDER id", t_message),
        TEST("notifier-4.2 long subjects split into encoded-words on character boundaries", t_encode_long),
        TEST("notifier-4.3 a digest's text: names not codes, folded reports, late sub-units, targets", t_message_digest),
        TEST("notifier-4.4 the English part only for English readers", t_message_english),
        TEST("notifier-4.5 figures the Vietnamese way: 4.200, 91,5%", t_numbers),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
