/*
 * test_notifier_policy.c -- the notifier's planning module (policy.c) and
 * its message texts (message.c), pure functions, against a small catalog.
 *
 * Test names are "notifier-G.N what": G groups configuration and working
 * hours (1), stages and catch-up (2), escalation (3), messages (4).
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

#include "../../services/notifier/message.c"
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
    const char *done[64];     /* ids */
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

/* The plan at `when`, as "ID" lines joined with '\n' (only dataset CCHC_Q
 * lines when only_q). */
static char *plan_ids(const policy_t *pol, const char *when, world_t *w, bool only_q)
{
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, pol, T(when), w_received, w_done, w, &rs, &n), 0);
    char *out = calloc(1, 65536);
    for (int i = 0; i < n; i++) {
        if (only_q && strcmp(cat->datasets[rs[i].ds].code, "CCHC_Q"))
            continue;
        strcat(out, rs[i].id);
        strcat(out, "\n");
    }
    policy_free(rs, n);
    return out;
}

static void assert_plan(const policy_t *pol, const char *when, world_t *w, const char *want)
{
    char *got = plan_ids(pol, when, w, true);
    if (strcmp(got, want)) {
        fprintf(stderr, "# plan at %s:\n# got:\n%s# want:\n%s", when, got, want);
        free(got);
        fail_msg("plan at %s differs", when);
    }
    free(got);
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
    policy_t p;
    assert_int_equal(policy_from_config(&p, cfg, err, sizeof err), 0);
    assert_int_equal(p.nbefore, 2);
    assert_int_equal(p.before[0], 5);
    assert_int_equal(p.before[1], 2);
    assert_int_equal(p.work_start, 7);
    assert_true(p.email && p.pub && !p.webhook);
    config_set(cfg, "notifier", "work_end", "6");
    assert_int_equal(policy_from_config(&p, cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "work_end"));
    config_set(cfg, "notifier", "work_end", "17");
    config_set(cfg, "notifier", "before", "3,x");
    assert_int_equal(policy_from_config(&p, cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "before"));
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

/* ---- 2: stages and catch-up ----------------------------------------------- */

#define UNIT_LINES(stage)                                                                                          \
    "HP.SO.A/CCHC_Q/2025Q3/" stage "/email\nHP.SO.A/CCHC_Q/2025Q3/" stage "/pub\n"                                 \
    "HP.SO.B/CCHC_Q/2025Q3/" stage "/email\nHP.SO.B/CCHC_Q/2025Q3/" stage "/webhook\n"                             \
    "HP.SO.B/CCHC_Q/2025Q3/" stage "/pub\n"                                                                        \
    "HP.SO.B.P/CCHC_Q/2025Q3/" stage "/email\nHP.SO.B.P/CCHC_Q/2025Q3/" stage "/pub\n"                             \
    "HP.XA.C/CCHC_Q/2025Q3/" stage "/email\nHP.XA.C/CCHC_Q/2025Q3/" stage "/pub\n"

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
    char *got = plan_ids(&p, "2025-09-08T09:00:00+07:00", &w, true);
    assert_null(strstr(got, "before-7"));
    assert_null(strstr(got, "before-3"));
    assert_non_null(strstr(got, "HP.SO.A/CCHC_Q/2025Q3/before-1/email"));
    free(got);
    /* once before-1 is in the sent-log, nothing more that day */
    world_t w2 = {.done = {"HP.SO.A/CCHC_Q/2025Q3/before-1/email", "HP.SO.A/CCHC_Q/2025Q3/before-1/pub"}};
    got = plan_ids(&p, "2025-09-08T15:00:00+07:00", &w2, true);
    assert_null(strstr(got, "HP.SO.A/"));
    assert_non_null(strstr(got, "HP.SO.B/CCHC_Q/2025Q3/before-1/email"));
    free(got);
    /* a stage partly delivered: only the missing channel */
    world_t w3 = {.done = {"HP.SO.B/CCHC_Q/2025Q3/before-1/email", "HP.SO.B/CCHC_Q/2025Q3/before-1/pub"}};
    got = plan_ids(&p, "2025-09-08T15:00:00+07:00", &w3, true);
    assert_non_null(strstr(got, "HP.SO.B/CCHC_Q/2025Q3/before-1/webhook"));
    assert_null(strstr(got, "HP.SO.B/CCHC_Q/2025Q3/before-1/email"));
    free(got);
}

static void t_received_excluded(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {.received = {"HP.SO.A CCHC_Q 2025Q3", "HP.SO.B CCHC_Q 2025Q3", "HP.XA.C CCHC_Q 2025Q3"}};
    assert_plan(&p, "2025-09-08T09:00:00+07:00", &w,
                "HP.SO.B.P/CCHC_Q/2025Q3/before-1/email\nHP.SO.B.P/CCHC_Q/2025Q3/before-1/pub\n");
    world_t all = {.received = {"HP.SO.A CCHC_Q 2025Q3", "HP.SO.B CCHC_Q 2025Q3", "HP.XA.C CCHC_Q 2025Q3",
                                "HP.SO.B.P CCHC_Q 2025Q3"}};
    assert_plan(&p, "2025-09-15T09:00:00+07:00", &all, "");
}

static void t_closed(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {0};
    char *got = plan_ids(&p, "2025-12-09T09:00:00+07:00", &w, true);
    assert_non_null(strstr(got, "2025Q3/weekly-12/"));
    free(got);
    got = plan_ids(&p, "2025-12-10T09:00:00+07:00", &w, true);
    assert_null(strstr(got, "2025Q3"));
    assert_non_null(strstr(got, "HP.SO.A/CCHC_Q/2025Q4/after-1/email"));
    free(got);
    /* close_after_days: 30 days after the deadline */
    p.close_after_days = 30;
    got = plan_ids(&p, "2025-10-09T09:00:00+07:00", &w, true);
    assert_non_null(strstr(got, "2025Q3/weekly-3/"));
    free(got);
    got = plan_ids(&p, "2025-10-10T09:00:00+07:00", &w, true);
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
                "HP.XA.C/CCHC_Q/2025Q3/after-1/email\nHP.XA.C/CCHC_Q/2025Q3/after-1/pub\n"
                "HP/CCHC_Q/2025Q3/escalate/email\nHP/CCHC_Q/2025Q3/escalate/pub\n");
    assert_plan(&p, "2025-09-19T08:00:00+07:00", &w,
                "HP.XA.C/CCHC_Q/2025Q3/weekly-1/email\nHP.XA.C/CCHC_Q/2025Q3/weekly-1/pub\n"
                "HP/CCHC_Q/2025Q3/weekly-1/email\nHP/CCHC_Q/2025Q3/weekly-1/pub\n");
    assert_plan(&p, "2025-09-26T10:00:00+07:00", &w,
                "HP.XA.C/CCHC_Q/2025Q3/weekly-2/email\nHP.XA.C/CCHC_Q/2025Q3/weekly-2/pub\n"
                "HP/CCHC_Q/2025Q3/weekly-2/email\nHP/CCHC_Q/2025Q3/weekly-2/pub\n");
}

/* ---- 3: escalation ------------------------------------------------------- */

static void t_escalation_grouping(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {.received = {"HP.SO.B CCHC_Q 2025Q3"}};
    assert_plan(&p, "2025-09-11T16:00:00+07:00", &w,
                "HP.SO.A/CCHC_Q/2025Q3/after-1/email\nHP.SO.A/CCHC_Q/2025Q3/after-1/pub\n"
                "HP.SO.B.P/CCHC_Q/2025Q3/after-1/email\nHP.SO.B.P/CCHC_Q/2025Q3/after-1/pub\n"
                "HP.XA.C/CCHC_Q/2025Q3/after-1/email\nHP.XA.C/CCHC_Q/2025Q3/after-1/pub\n");
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, &p, T("2025-09-12T08:30:00+07:00"), w_received, w_done, &w, &rs, &n), 0);
    int hp = 0, sob = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(cat->datasets[rs[i].ds].code, "CCHC_Q") || !rs[i].escalation)
            continue;
        assert_string_equal(rs[i].stage, "escalate");
        const char *to = cat->units[rs[i].unit].code;
        if (!strcmp(to, "HP")) {
            hp++;
            /* one message listing both late direct sub-units, not B (received) */
            assert_int_equal(rs[i].nlate, 2);
            assert_string_equal(cat->units[rs[i].late[0]].code, "HP.SO.A");
            assert_string_equal(cat->units[rs[i].late[1]].code, "HP.XA.C");
            if (rs[i].channel == CH_EMAIL)
                assert_string_equal(rs[i].recipient, "vanphong@hp.example");
        } else {
            assert_string_equal(to, "HP.SO.B");
            sob++;
            assert_int_equal(rs[i].nlate, 1);
            assert_string_equal(cat->units[rs[i].late[0]].code, "HP.SO.B.P");
        }
    }
    assert_int_equal(hp, 2);  /* email + pub */
    assert_int_equal(sob, 3); /* email + webhook + pub */
    policy_free(rs, n);
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

static void t_message(void **state)
{
    (void)state;
    policy_t p = pol_default();
    world_t w = {0};
    reminder_t *rs;
    int n;
    assert_int_equal(policy_plan(cat, &p, T("2025-09-08T09:00:00+07:00"), w_received, w_done, &w, &rs, &n), 0);
    assert_true(n > 0);
    message_t m;
    assert_int_equal(message_compose(cat, &rs[0], NULL, T("2025-09-08T09:00:00+07:00"), &m), 0);
    assert_string_equal(m.subject, "Nhắc nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025");
    assert_non_null(strstr(m.body, "Kính gửi: Sở Alpha"));
    assert_non_null(strstr(m.body, "còn 1 ngày làm việc"));
    assert_non_null(strstr(m.body, "English: Reminder"));
    char *enc = message_encode_header(m.subject), dec[1024];
    decode_header(enc, dec);
    assert_string_equal(dec, m.subject);
    free(enc);
    char *mail = message_email("cchc@hp.example", "so-a@hp.example", rs[0].id, &m, T("2025-09-08T09:00:00+07:00"));
    assert_non_null(strstr(mail, "Date: Mon, 08 Sep 2025 09:00:00 +0700\r\n"));
    assert_non_null(strstr(mail, "To: so-a@hp.example\r\n"));
    assert_non_null(strstr(mail, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(mail, "Content-Transfer-Encoding: base64\r\n"));
    const char *body = strstr(mail, "\r\n\r\n");
    assert_non_null(body);
    char *plain = malloc(strlen(body) + 1);
    b64dec(body, strlen(body), plain);
    assert_string_equal(plain, m.body);
    free(plain);
    free(mail);
    char pid[80];
    message_proto_id(cat, &rs[0], pid, sizeof pid);
    assert_string_equal(pid, "HP.SO.A:CCHC_Q:2025Q3:before-1");
    json_t *j = message_json(cat, &rs[0], &m);
    assert_string_equal(json_string_value(json_object_get(j, "stage")), "before-1");
    assert_string_equal(json_string_value(json_object_get(j, "id")), rs[0].id);
    json_decref(j);
    message_free(&m);
    policy_free(rs, n);

    /* escalation text lists the late units; an overdue unit gets "Quá hạn" */
    world_t w2 = {.received = {"HP.SO.B CCHC_Q 2025Q3"}};
    assert_int_equal(policy_plan(cat, &p, T("2025-09-12T09:00:00+07:00"), w_received, w_done, &w2, &rs, &n), 0);
    bool seen_esc = false, seen_late = false;
    for (int i = 0; i < n; i++) {
        assert_int_equal(message_compose(cat, &rs[i], NULL, T("2025-09-12T09:00:00+07:00"), &m), 0);
        if (rs[i].escalation && rs[i].unit == catalog_unit(cat, "HP") && !strcmp(cat->datasets[rs[i].ds].code, "CCHC_Q")) {
            seen_esc = true;
            assert_string_equal(m.subject, "Đơn vị trực thuộc chưa nộp báo cáo CCHC quý 3/2025 (2 đơn vị) — hạn 09/09/2025");
            assert_non_null(strstr(m.body, "- Sở Alpha (HP.SO.A)"));
            assert_non_null(strstr(m.body, "- Xã Cê (HP.XA.C)"));
            assert_null(strstr(m.body, "HP.SO.B)"));
            assert_non_null(strstr(m.body, "đã quá hạn 3 ngày làm việc"));
        } else if (!rs[i].escalation) {
            seen_late = true;
            assert_string_equal(m.subject, "Quá hạn nộp báo cáo CCHC quý 3/2025 — hạn 09/09/2025");
        }
        message_free(&m);
    }
    assert_true(seen_esc && seen_late);
    policy_free(rs, n);
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
        TEST("notifier-1.1 default policy: 7/3/1 before, due, after 1, escalate 3, weekly, 08-17", t_defaults),
        TEST("notifier-1.2 policy from [notifier] config, bad values refused", t_config),
        TEST("notifier-1.3 working hours, weekends, holidays, make-up Saturday", t_hours),
        TEST("notifier-1.4 nothing is planned outside working hours", t_outside_hours_empty),
        TEST("notifier-2.1 each stage at its working day, every channel of the unit", t_stages),
        TEST("notifier-2.2 catch-up: only the latest stage, sent-log excludes, missing channel only", t_catch_up),
        TEST("notifier-2.3 units that reported get nothing", t_received_excluded),
        TEST("notifier-2.4 the period closes at the next deadline (or close_after_days)", t_closed),
        TEST("notifier-2.5 weekly reminders after the escalation", t_weekly),
        TEST("notifier-3.1 one escalation per parent lists all its late sub-units", t_escalation_grouping),
        TEST("notifier-4.1 Vietnamese subject/body, MIME e-mail, JSON, REMINDER id", t_message),
        TEST("notifier-4.2 long subjects split into encoded-words on character boundaries", t_encode_long),
    };
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
