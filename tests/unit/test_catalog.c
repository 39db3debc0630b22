/*
 * test_catalog.c -- the catalog loader (catalog.h) and the shipped catalog.
 *
 * Test names are "catalog-G.N what": G groups the shipped Hai Phong catalog
 * (1), one broken copy per class of error with the exact FILE:LINE reported
 * (2), and size (3).  The shipped catalog is read from $CCHC_ROOT/deploy/catalog
 * (CCHC_ROOT defaults to "."); the broken copies are small fixtures written to
 * a fresh mkdtemp() directory, so their line numbers are known here.
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

#include "catalog.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

/* ---- helpers ---------------------------------------------------------- */

#define MAXDIAG 64
typedef struct {
    char line[MAXDIAG][600];
    int n;
} diags_t;

static void collect(void *ud, const char *file, int line, const char *msg)
{
    diags_t *d = ud;
    if (d->n < MAXDIAG)
        snprintf(d->line[d->n], sizeof d->line[0], "%s:%d: %s", file, line, msg);
    d->n++;
}

static void print_diags(const diags_t *d)
{
    for (int i = 0; i < d->n && i < MAXDIAG; i++)
        print_message("# %s\n", d->line[i]);
}

static char *shipped_dir(void)
{
    static char path[4096];
    const char *root = getenv("CCHC_ROOT");
    snprintf(path, sizeof path, "%s/deploy/catalog", root && *root ? root : ".");
    return path;
}

static catalog_t *load_shipped(void)
{
    diags_t d = {.n = 0};
    catalog_t *c = NULL;
    int rc = catalog_load(shipped_dir(), &c, collect, &d);
    if (rc != 0)
        print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(d.n, 0);
    assert_non_null(c);
    return c;
}

static int U(const catalog_t *c, const char *code)
{
    int u = catalog_unit(c, code);
    if (u < 0)
        fail_msg("unit %s not in the catalog", code);
    return u;
}

static period_t P(const char *code)
{
    period_t p = {0, 0, 0};
    if (period_parse(code, &p) != 0)
        fail_msg("fixture period '%s' does not parse", code);
    return p;
}

static void assert_time(int64_t t, const char *want)
{
    char buf[32];
    assert_string_equal(time_format_iso(t, buf, sizeof buf), want);
}

/* ---- the fixture catalog ---------------------------------------------- */

/* Line numbers matter: each string below is one line, numbered from 1. */
#define UNITS_HEAD "code,name,kind,parent,opened,closed,email,webhook,parent_submits\n"
#define UNITS_ROW_HP "HP,Thành phố Hải Phòng,thanh_pho,,,,,,\n"    /* 2 */
#define UNITS_ROWS UNITS_ROW_HP UNITS_ROWS_REST
#define UNITS_ROWS_REST                                                         \
    "HP.SO.A,Sở A,so,HP,2025-07-01,,vanphong@so-a.example,,no\n"   /* 3 */      \
    "HP.SO.A.VP,Văn phòng Sở A,phong,HP.SO.A,2025-07-01,,,,yes\n"  /* 4 */      \
    "HP.XA.B,Xã B,xa,HP,2025-07-01,2026-01-01,,http://127.0.0.1:9/h,no\n" /* 5 */
#define IND_HEAD "code,name_vi,name_en,kind,numerator,denominator,across_units,across_time,tags,max\n"
#define IND_ROWS                                                                \
    "POSTS,Tin bài,Posts,count,,,sum,sum,,1000\n"        /* 2 */                \
    "STAFF,Tổng số CBCCVC,Staff,stock,,,sum,last,,\n"    /* 3 */                \
    "PART,Tham gia,Participants,count,,,,,,\n"           /* 4 */                \
    "RATE,Tỷ lệ,Rate,rate,PART,STAFF,ratio,ratio,,\n"    /* 5 */                \
    "PLAN,Kế hoạch,Plan,bool,,,count_yes,any,,\n"        /* 6 */                \
    "FORMS,Hình thức,Forms,tags,,,count_tags,union,a|b|c,\n" /* 7 */
#define DS_HEAD "code,name,period_type,indicators,due_day,roll_forward,kinds,units\n"
#define DS_ROWS                                                                 \
    "DS,Báo cáo quý,quarter,POSTS|STAFF|PART|RATE|PLAN|FORMS,10,yes,so|xa|phong,\n" /* 2 */ \
    "DM,Báo cáo tháng,month,POSTS,10,yes,,HP.SO.A\n"     /* 3 */
#define DS_HEAD_OPT "code,name,period_type,indicators,due_day,roll_forward,kinds,units,optional\n"
#define DS_ROWS_OPT                                                             \
    "DS,Báo cáo quý,quarter,POSTS|STAFF|PART|RATE|PLAN|FORMS,10,yes,so|xa|phong,,PLAN|FORMS\n" /* 2 */ \
    "DM,Báo cáo tháng,month,POSTS,10,yes,,HP.SO.A,\n"   /* 3 */
#define TGT_HEAD "unit,indicator,period_type,min,max,from,to,note\n"
#define TGT_ROWS                                                                \
    "HP.SO.A,POSTS,quarter,3,5,2025Q3,2025Q4,\"ghi chú, có dấu phẩy\"\n" /* 2 */ \
    "HP.SO.A,RATE,year,100,,2025,2025,\n"                /* 3 */
#define HOL_HEAD "date,name,working\n"
#define HOL_ROWS                                                                \
    "2025-09-02,Quốc khánh,no\n"                         /* 2 */                \
    "2025-08-09,Làm bù,yes\n"                            /* 3 */                \
    "2025-12-09,Nghỉ thử,no\n"                           /* 4 */

typedef struct {
    const char *file[5]; /* NULL: the default content; "-": no file at all */
} fixture_t;

static const char *const fx_names[5] = {"units.csv", "indicators.csv", "datasets.csv", "targets.csv",
                                        "holidays.csv"};
static const char *const fx_default[5] = {
    UNITS_HEAD UNITS_ROWS, IND_HEAD IND_ROWS, DS_HEAD DS_ROWS, TGT_HEAD TGT_ROWS, HOL_HEAD HOL_ROWS,
};
enum { FU, FI, FD, FT, FH };

static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void remove_dir(const char *dir)
{
    char path[4200];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, fx_names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static void make_dir(char *dir, const fixture_t *fx)
{
    strcpy(dir, "/tmp/cchc-catalog-XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < 5; i++) {
        const char *text = fx && fx->file[i] ? fx->file[i] : fx_default[i];
        if (strcmp(text, "-") != 0)
            write_file(dir, fx_names[i], text, strlen(text));
    }
}

/* Loads a fixture; returns the loader's result, problems in *d. */
static int load_fixture(const fixture_t *fx, diags_t *d, catalog_t **out)
{
    char dir[64];
    catalog_t *c = NULL;
    make_dir(dir, fx);
    d->n = 0;
    int rc = catalog_load(dir, &c, collect, d);
    remove_dir(dir);
    if (rc == 0)
        assert_non_null(c);
    else
        assert_null(c);
    if (out)
        *out = c;
    else
        catalog_destroy(&c);
    return rc;
}

/* Loads fx; `label` names the case in a failure.  With `where` NULL the
 * fixture must load without a problem; otherwise it must fail with exactly
 * `nproblems` problems, one of them at `where` ("units.csv:6:") with a
 * sentence that contains `what`. */
static void expect_problem(const char *label, const fixture_t *fx, int nproblems, const char *where,
                           const char *what)
{
    diags_t d;
    int want = where ? nproblems : 0;
    int rc = load_fixture(fx, &d, NULL);
    if (rc != want || d.n != want) {
        print_diags(&d);
        fail_msg("%s: %d problem(s) reported, the loader returned %d; want %d", label, d.n, rc, want);
    }
    for (int i = 0; i < d.n && i < MAXDIAG; i++)
        if (strncmp(d.line[i], where, strlen(where)) == 0 && strstr(d.line[i], what))
            return;
    if (want == 0)
        return;
    print_diags(&d);
    fail_msg("%s: no problem \"%s ...%s...\"", label, where, what);
}

#define FX(i, text) (&(fixture_t){.file = {[i] = (text)}})

/* ---- 1. the shipped catalog ------------------------------------------- */

static void shipped_counts(void **state)
{
    catalog_t *c = load_shipped();
    int by[5] = {0}; /* phuong, xa, dac_khu, so, roots */
    for (int i = 0; i < c->nunits; i++) {
        const char *k = c->units[i].kind;
        by[0] += !strcmp(k, "phuong");
        by[1] += !strcmp(k, "xa");
        by[2] += !strcmp(k, "dac_khu");
        by[3] += !strcmp(k, "so");
        by[4] += c->units[i].parent < 0;
        if (!strcmp(k, "phuong") || !strcmp(k, "xa") || !strcmp(k, "dac_khu")) {
            char buf[16];
            assert_int_equal(c->units[i].parent, U(c, "HP"));
            assert_string_equal(date_format(c->units[i].opened, buf, sizeof buf), "2025-07-01");
            assert_true(c->units[i].closed == CATALOG_DAY_NONE);
        }
    }
    assert_int_equal(by[0], 45);
    assert_int_equal(by[1], 67);
    assert_int_equal(by[2], 2);
    assert_int_equal(by[3], 11);
    assert_int_equal(by[4], 1);
    assert_int_equal(c->nunits, 139);
    assert_int_equal(c->ninds, 24);
    assert_int_equal(c->ndatasets, 3);
    assert_int_equal(c->ntargets, 9);
    assert_int_equal(c->nholidays, 31);
    assert_string_equal(c->units[U(c, "HP")].kind, "thanh_pho");
    assert_string_equal(c->units[U(c, "HP.SO.VAN_HOA_THE_THAO_DU_LICH")].name, "Sở Văn hóa, Thể thao và Du lịch");
    catalog_destroy(&c);
    assert_null(c);
}

static void shipped_cam_giang(void **state)
{
    catalog_t *c = load_shipped();
    int a = U(c, "HP.XA.CAM_GIANG"), b = U(c, "HP.XA.CAM_GIANG_2");
    assert_int_not_equal(a, b);
    /* exact bytes, GSO spelling: "Cẩm Giang" vs "Cẩm Giàng" (a-grave) */
    assert_string_equal(c->units[a].name, "X\xc3\xa3 C\xe1\xba\xa9m Giang");
    assert_string_equal(c->units[b].name, "X\xc3\xa3 C\xe1\xba\xa9m Gi\xc3\xa0ng");
    assert_string_equal(c->units[U(c, "HP.PHUONG.VIET_HOA")].name, "Phường Việt Hoà");
    assert_string_equal(c->units[U(c, "HP.XA.VIET_KHE")].name, "Xã Việt Khê");
    assert_string_equal(c->units[U(c, "HP.DAC_KHU.CAT_HAI")].kind, "dac_khu");
    /* every e-mail address is under the reserved .example TLD */
    for (int i = 0; i < c->nunits; i++) {
        const char *e = c->units[i].email;
        assert_non_null(e);
        assert_true(strlen(e) > 8 && !strcmp(e + strlen(e) - 8, ".example"));
    }
    catalog_destroy(&c);
}

static void shipped_lookups(void **state)
{
    catalog_t *c = load_shipped();
    char buf[] = "HP.XA.VIET_KHE.VHXH-and-more";
    int vk = U(c, "HP.XA.VIET_KHE");
    assert_int_equal(catalog_unit_n(c, buf, 14), vk);
    assert_int_equal(catalog_unit_n(c, buf, 19), U(c, "HP.XA.VIET_KHE.VHXH"));
    assert_int_equal(catalog_unit(c, "HP.XA.VIET_KH"), -1);
    assert_int_equal(catalog_unit(c, "hp"), -1);
    assert_int_equal(catalog_unit(c, ""), -1);
    assert_string_equal(c->units[vk].code, "HP.XA.VIET_KHE");

    int rate = catalog_indicator(c, "CONTEST_PARTICIPATION_RATE");
    assert_true(rate >= 0);
    assert_int_equal(c->inds[rate].kind, IND_RATE);
    assert_int_equal(c->inds[rate].num, catalog_indicator(c, "CONTEST_PARTICIPANTS"));
    assert_int_equal(c->inds[rate].den, catalog_indicator(c, "STAFF_TOTAL"));
    assert_int_equal(c->inds[rate].across_units, AGG_UNITS_RATIO);
    int tl = catalog_indicator(c, "TTHC_LISTED_RATE");
    assert_int_equal(c->inds[c->inds[tl].den].kind, IND_STOCK);
    assert_int_equal(c->inds[catalog_indicator(c, "STAFF_TOTAL")].across_time, AGG_TIME_LAST);
    assert_int_equal(c->inds[catalog_indicator(c, "PORTAL_POSTS")].across_time, AGG_TIME_SUM);
    assert_int_equal(c->inds[catalog_indicator(c, "PLAN_ISSUED")].kind, IND_BOOL);
    assert_string_equal(ind_kind_name(c->inds[catalog_indicator(c, "OTHER_FORMS")].kind), "tags");

    int of = catalog_indicator(c, "OTHER_FORMS");
    assert_int_equal(catalog_tag(c, of, "mang_xa_hoi", 11), 0);
    assert_true(catalog_tag(c, of, "truc_quan", 9) > 0);
    assert_int_equal(catalog_tag(c, of, "mang_xa", 7), -1);
    assert_int_equal(catalog_tag(c, catalog_indicator(c, "PORTAL_POSTS"), "mang_xa_hoi", 11), -1);

    int q = catalog_dataset(c, "CCHC_Q");
    assert_true(q >= 0);
    assert_int_equal(c->datasets[q].ptype, PERIOD_QUARTER);
    assert_int_equal(c->datasets[q].ninds, 24);
    assert_true(catalog_dataset_has(c, q, rate));
    /* every indicator but the two rates is required by default */
    int required = 0;
    for (int i = 0; i < c->ninds; i++)
        required += catalog_required(c, q, i);
    assert_int_equal(required, 22);
    assert_false(catalog_required(c, q, rate));
    assert_true(catalog_required(c, q, catalog_indicator(c, "OTHER_FORMS")));
    assert_int_equal(catalog_dataset(c, "CCHC_X"), -1);
    catalog_destroy(&c);
}

static void shipped_tree(void **state)
{
    catalog_t *c = load_shipped();
    int hp = U(c, "HP"), yt = U(c, "HP.SO.Y_TE"), cdc = U(c, "HP.SO.Y_TE.CDC");
    int vk = U(c, "HP.XA.VIET_KHE"), mttq = U(c, "HP.XA.VIET_KHE.MTTQ");
    assert_int_equal(c->units[hp].depth, 0);
    assert_int_equal(c->units[yt].depth, 1);
    assert_int_equal(c->units[cdc].depth, 2);
    assert_int_equal(c->units[vk].nchildren, 4);
    assert_int_equal(c->units[vk].children[0], U(c, "HP.XA.VIET_KHE.VHXH"));
    assert_int_equal(c->units[mttq].parent, vk);
    assert_string_equal(c->units[mttq].kind, "to_chuc");
    /* pre-order: the root first, the whole tree under it */
    assert_int_equal(c->preorder[0], hp);
    assert_int_equal(c->units[hp].subtree_first, 0);
    assert_int_equal(c->units[hp].subtree_end, c->nunits);
    assert_int_equal(c->units[vk].subtree_end - c->units[vk].subtree_first, 5);
    for (int k = c->units[vk].subtree_first; k < c->units[vk].subtree_end; k++)
        assert_true(catalog_is_ancestor(c, vk, c->preorder[k]));
    assert_true(catalog_is_ancestor(c, hp, cdc));
    assert_true(catalog_is_ancestor(c, cdc, cdc));
    assert_false(catalog_is_ancestor(c, cdc, yt));
    assert_false(catalog_is_ancestor(c, vk, cdc));
    assert_int_equal(c->units[U(c, "HP.DAC_KHU.CAT_HAI")].nchildren, 3);
    catalog_destroy(&c);
}

static void shipped_must_report(void **state)
{
    catalog_t *c = load_shipped();
    int q = catalog_dataset(c, "CCHC_Q"), y = catalog_dataset(c, "CCHC_Y");
    assert_true(q >= 0 && y >= 0);
    assert_true(catalog_must_report(c, q, U(c, "HP.XA.VIET_KHE")));
    assert_true(catalog_must_report(c, q, U(c, "HP.PHUONG.THANH_DONG")));
    assert_true(catalog_must_report(c, q, U(c, "HP.DAC_KHU.BACH_LONG_VI")));
    assert_true(catalog_must_report(c, q, U(c, "HP.SO.XAY_DUNG")));
    assert_true(catalog_must_report(c, q, U(c, "HP.VP.UBND")));
    assert_true(catalog_must_report(c, q, U(c, "HP.SO.Y_TE.CDC")));
    assert_true(catalog_must_report(c, y, U(c, "HP.XA.VIET_KHE.MTTQ")));
    assert_false(catalog_must_report(c, q, U(c, "HP"))); /* the city rolls up, it does not report */
    assert_false(catalog_must_report(c, -1, U(c, "HP.SO.Y_TE")));
    assert_false(catalog_must_report(c, q, c->nunits));
    int n = 0;
    for (int u = 0; u < c->nunits; u++)
        n += catalog_must_report(c, q, u);
    assert_int_equal(n, c->nunits - 1);
    /* open_in: the new communes exist from 2025-07-01 */
    int vk = U(c, "HP.XA.VIET_KHE");
    assert_false(catalog_open_in(c, vk, P("2025Q2")));
    assert_true(catalog_open_in(c, vk, P("2025Q3")));
    assert_true(catalog_open_in(c, vk, P("2025")));
    assert_true(catalog_open_in(c, U(c, "HP"), P("2021")));
    catalog_destroy(&c);
}

static void shipped_may_submit(void **state)
{
    catalog_t *c = load_shipped();
    int hp = U(c, "HP"), yt = U(c, "HP.SO.Y_TE"), cdc = U(c, "HP.SO.Y_TE.CDC"), tchc = U(c, "HP.SO.Y_TE.TCHC");
    int vk = U(c, "HP.XA.VIET_KHE"), vhxh = U(c, "HP.XA.VIET_KHE.VHXH"), kt = U(c, "HP.XA.VIET_KHE.KINH_TE");
    assert_true(c->units[cdc].parent_submits);
    assert_false(c->units[yt].parent_submits);
    assert_true(catalog_may_submit_for(c, yt, cdc));
    assert_true(catalog_may_submit_for(c, yt, tchc));
    assert_true(catalog_may_submit_for(c, cdc, cdc));
    assert_false(catalog_may_submit_for(c, cdc, yt));   /* not upward */
    assert_false(catalog_may_submit_for(c, tchc, cdc)); /* not sideways */
    assert_false(catalog_may_submit_for(c, hp, yt));    /* a Sở submits its own report */
    assert_false(catalog_may_submit_for(c, hp, cdc));   /* the chain stops at the Sở */
    assert_true(catalog_may_submit_for(c, vk, kt));
    assert_true(catalog_may_submit_for(c, vk, vhxh));
    assert_false(catalog_may_submit_for(c, vk, cdc));
    assert_false(catalog_may_submit_for(c, vk, -1));
    assert_false(catalog_may_submit_for(c, c->nunits, vk));
    catalog_destroy(&c);
}

static void shipped_deadlines(void **state)
{
    catalog_t *c = load_shipped();
    int q = catalog_dataset(c, "CCHC_Q"), s = catalog_dataset(c, "CCHC_S"), y = catalog_dataset(c, "CCHC_Y");
    assert_int_equal(c->datasets[q].due_day, 10);
    assert_true(c->datasets[q].roll_forward);
    /* "trước ngày 10 của tháng cuối quý": the 9th is the last day */
    assert_time(catalog_deadline(c, q, P("2025Q3")), "2025-09-10T00:00:00+07:00");
    assert_time(catalog_deadline(c, s, P("2025S1")), "2025-06-10T00:00:00+07:00");
    assert_time(catalog_deadline(c, y, P("2025")), "2025-12-10T00:00:00+07:00");
    /* 9 March 2025 is a Sunday: rolls to Monday the 10th */
    assert_time(catalog_deadline(c, q, P("2025Q1")), "2025-03-11T00:00:00+07:00");
    assert_int_equal(catalog_deadline(c, -1, P("2025Q3")), 0);
    /* holidays reached the calendar: 2 September 2025, and the make-up Saturday 26 April */
    int32_t d;
    assert_int_equal(date_parse("2025-09-02", &d), 0);
    assert_false(calendar_is_working(c->calendar, d));
    assert_int_equal(date_parse("2025-04-26", &d), 0);
    assert_true(calendar_is_working(c->calendar, d));
    int found = 0;
    for (int i = 0; i < c->nholidays; i++)
        if (c->holidays[i].day == d) {
            found = 1;
            assert_true(c->holidays[i].working);
            assert_string_equal(c->holidays[i].name, "Làm bù (thứ Bảy đi làm, hoán đổi cho 2/5)");
        }
    assert_true(found);
    catalog_destroy(&c);
}

static void shipped_targets(void **state)
{
    catalog_t *c = load_shipped();
    int xd = U(c, "HP.SO.XAY_DUNG"), vk = U(c, "HP.XA.VIET_KHE"), yt = U(c, "HP.SO.Y_TE");
    int seen = 0;
    for (int i = 0; i < c->ntargets; i++) {
        const target_t *t = &c->targets[i];
        const char *ind = c->inds[t->ind].code;
        if (t->unit == xd && !strcmp(ind, "PORTAL_POSTS")) {
            assert_int_equal(t->ptype, PERIOD_QUARTER);
            assert_true(t->has_min && t->has_max);
            assert_true(t->min == 3 && t->max == 5);
            assert_true(t->has_from && t->has_to);
            assert_int_equal(period_key(t->from), period_key(P("2025Q3")));
            assert_int_equal(period_key(t->to), period_key(P("2025Q4")));
            seen |= 1;
        }
        if (t->unit == vk && !strcmp(ind, "RADIO_ITEMS")) {
            assert_int_equal(t->ptype, PERIOD_MONTH);
            assert_true(t->has_min && t->min == 2 && !t->has_max);
            seen |= 2;
        }
        if (t->unit == yt && !strcmp(ind, "CONTEST_PARTICIPATION_RATE")) {
            assert_true(t->min == 100);
            seen |= 4;
        }
        if (t->unit == vk && !strcmp(ind, "PLAN_ISSUED")) {
            assert_int_equal(t->ptype, PERIOD_YEAR);
            assert_true(t->min == 1);
            seen |= 8;
        }
    }
    assert_int_equal(seen, 15);
    catalog_destroy(&c);
}

static void fixture_required(void **state)
{
    fixture_t fx = {{NULL, NULL, DS_HEAD_OPT DS_ROWS_OPT, NULL, NULL}};
    diags_t d;
    catalog_t *c = NULL;
    int rc = load_fixture(&fx, &d, &c);
    if (rc)
        print_diags(&d);
    assert_int_equal(rc, 0);
    int ds = catalog_dataset(c, "DS"), dm = catalog_dataset(c, "DM");
    const char *req[] = {"POSTS", "STAFF", "PART"}, *not_req[] = {"RATE", "PLAN", "FORMS"};
    for (int i = 0; i < 3; i++) {
        assert_true(catalog_required(c, ds, catalog_indicator(c, req[i])));
        assert_false(catalog_required(c, ds, catalog_indicator(c, not_req[i])));
    }
    assert_true(catalog_required(c, dm, catalog_indicator(c, "POSTS")));
    assert_false(catalog_required(c, dm, catalog_indicator(c, "STAFF"))); /* not in DM at all */
    catalog_destroy(&c);
}

static void fixture_loads(void **state)
{
    diags_t d;
    catalog_t *c = NULL;
    int rc = load_fixture(NULL, &d, &c);
    if (rc)
        print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(c->nunits, 4);
    assert_int_equal(c->ninds, 6);
    /* defaults of the aggregation columns come from the kind */
    int part = catalog_indicator(c, "PART");
    assert_int_equal(c->inds[part].across_units, AGG_UNITS_SUM);
    assert_int_equal(c->inds[part].across_time, AGG_TIME_SUM);
    assert_true(c->inds[part].max == INT64_MAX);
    assert_true(c->inds[catalog_indicator(c, "POSTS")].max == 1000);
    assert_int_equal(c->inds[catalog_indicator(c, "FORMS")].ntags, 3);
    assert_string_equal(c->targets[0].note, "ghi chú, có dấu phẩy");
    assert_null(c->units[U(c, "HP")].email);
    assert_string_equal(c->units[U(c, "HP.XA.B")].webhook, "http://127.0.0.1:9/h");
    /* a dataset for one named unit */
    int dm = catalog_dataset(c, "DM");
    assert_true(catalog_must_report(c, dm, U(c, "HP.SO.A")));
    assert_false(catalog_must_report(c, dm, U(c, "HP.XA.B")));
    /* the holidays of the fixture move deadlines: 9 Dec 2025 is off, Saturday 9 Aug 2025 works */
    int ds = catalog_dataset(c, "DS");
    assert_time(catalog_deadline(c, ds, P("2025Q4")), "2025-12-11T00:00:00+07:00");
    assert_time(catalog_deadline(c, dm, P("202508")), "2025-08-10T00:00:00+07:00");
    assert_time(catalog_deadline(c, dm, P("202511")), "2025-11-11T00:00:00+07:00"); /* Sunday 9 Nov */
    /* closed: the first day it no longer exists */
    int b = U(c, "HP.XA.B");
    assert_true(catalog_open_in(c, b, P("2025Q4")));
    assert_false(catalog_open_in(c, b, P("2026Q1")));
    assert_false(catalog_open_in(c, b, P("2025Q2")));
    catalog_destroy(&c);
}

static void fixture_bom_crlf_multiline(void **state)
{
    /* a note over two lines, a blank line, a row of empty cells as a
     * spreadsheet leaves them, CRLF line ends: the unknown unit on the last
     * row is still reported at its own line */
    const char *targets = "\xef\xbb\xbf" TGT_HEAD
                          "HP.SO.A,POSTS,quarter,3,5,2025Q3,2025Q4,\"dòng một\r\ndòng hai\"\r\n" /* 2-3 */
                          "\r\n"                                                           /* 4 */
                          ",,,,,,,\r\n"                                                    /* 5 */
                          "HP.NOPE,POSTS,year,1,,,,\r\n";                                  /* 6 */
    expect_problem("fixture_bom_crlf_multiline: the unknown unit on the last row", FX(FT, targets), 1,
                   "targets.csv:6:", "unknown unit 'HP.NOPE'");
    const char *units = "\xef\xbb\xbf" "code,name,kind,parent,opened,closed,email,webhook,parent_submits\r\n"
                        "HP,Thành phố Hải Phòng,thanh_pho,,,,,,\r\n"
                        "HP.SO.A,\"Sở A\",so,HP,,,,,\r\n"
                        "HP.SO.A.VP,VP,phong,HP.SO.A,,,,,yes\r\n"
                        "HP.XA.B,Xã B,xa,HP,,,,,"; /* no line end at the end */
    fixture_t fx = {.file = {[FU] = units, [FT] = targets}};
    fx.file[FT] = TGT_HEAD "HP.SO.A,POSTS,quarter,3,5,,,\"dòng một\r\ndòng hai\"\r\n";
    diags_t d;
    catalog_t *c = NULL;
    if (load_fixture(&fx, &d, &c) != 0)
        print_diags(&d);
    assert_non_null(c);
    assert_string_equal(c->units[0].code, "HP");
    assert_string_equal(c->units[0].name, "Thành phố Hải Phòng");
    assert_string_equal(c->units[1].name, "Sở A");
    assert_string_equal(c->units[3].code, "HP.XA.B");
    assert_string_equal(c->targets[0].note, "dòng một\r\ndòng hai");
    catalog_destroy(&c);
}

/* ---- 2. one broken copy per class of error ---------------------------- */

/* A case: the default fixture with one file replaced, and the problem that
 * must be reported.  Most cases add one row to the default file, which is
 * line 6 of units.csv, 8 of indicators.csv, 4 of datasets.csv and
 * targets.csv, 5 of holidays.csv. */
enum { LOADS = -1 };
typedef struct {
    int file;         /* FU, FI, FD, FT or FH */
    int line;         /* of that file, where the problem is reported; LOADS: there is none */
    const char *text; /* that file's whole content; "-": no file at all */
    const char *what; /* a fragment of the problem's sentence; for a fixture that loads, what it shows */
} bad_t;

/* The cases of one test: main() passes them as the test's state. */
typedef struct {
    const char *name; /* of the table, to name a failing case */
    const bad_t *cases;
    size_t n;
} bad_set_t;

static void run_bad(void **state)
{
    const bad_set_t *set = *state;
    assert_true(set->n > 0);
    for (size_t i = 0; i < set->n; i++) {
        const bad_t *b = &set->cases[i];
        fixture_t fx = {.file = {NULL}};
        fx.file[b->file] = b->text;
        char where[32], label[300];
        snprintf(where, sizeof where, "%s:%d:", fx_names[b->file], b->line);
        snprintf(label, sizeof label, "%s[%zu] (%s %s)", set->name, i, b->line == LOADS ? "loads:" : where, b->what);
        expect_problem(label, &fx, 1, b->line == LOADS ? NULL : where, b->what);
    }
}

static const bad_t err_missing_file[] = {
    {FH, 0, "-", "missing file"},
    /* no units file: the other files are not drowned in "unknown unit" */
    {FU, 0, "-", "missing file"},
    {FT, 0, "", "empty file"},
};

static const bad_t err_header[] = {
    {FU, 1, "code,name,kind,opened\nHP,Hải Phòng,thanh_pho,\n", "missing column 'parent'"},
    {FH, 1, "date,name,working,colour\n2025-09-02,Quốc khánh,no,red\n", "unknown column 'colour'"},
    {FH, 1, "date,name,Date\n", "column 'date' appears twice"},
    {FH, LOADS, "name,date\nTết,2026-02-17\n", "optional columns may be left out, and the order is free"},
};

static const bad_t err_unknown_parent[] = {
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP.XA.NOPE,,,,,\n", "unknown parent 'HP.XA.NOPE'"},
};

static const bad_t err_field_count[] = {
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,,,,\n", "expected 9 fields as in the header, found 8"},
    {FD, 4, DS_HEAD DS_ROWS "X,Y,quarter,POSTS,10,yes,xa,,extra\n", "expected 8 fields as in the header, found 9"},
};

#define A16 "AAAAAAAAAAAAAAAA"
static const bad_t err_codes[] = {
    {FU, 6, UNITS_HEAD UNITS_ROWS ",Không mã,xa,HP,,,,,\n", "empty code"},
    {FI, 8, IND_HEAD IND_ROWS "BAD CODE,Sai,,count,,,,,,\n", "code 'BAD CODE': use only A-Z a-z 0-9 . _ - :"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XÃ,Xã,xa,HP,,,,,\n", "use only A-Z"},
    {FU, 6, UNITS_HEAD UNITS_ROWS A16 A16 A16 A16 "A,Dài,xa,HP,,,,,\n", "at most 64 bytes"},
    {FU, LOADS, UNITS_HEAD UNITS_ROWS A16 A16 A16 A16 ",Dài,xa,HP,,,,,\n", "a code of 64 bytes is allowed"},
};
#undef A16

static const bad_t err_duplicate_code[] = {
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.SO.A,Sở A lần hai,so,HP,,,,,\n",
     "duplicate code 'HP.SO.A' (first on line 3)"},
    {FD, 4, DS_HEAD DS_ROWS "DS,Lại,year,POSTS,10,yes,xa,\n", "duplicate code 'DS' (first on line 2)"},
    {FI, 8, IND_HEAD IND_ROWS "POSTS,Lại,,count,,,,,,\n", "duplicate code 'POSTS' (first on line 2)"},
};

static const bad_t err_utf8[] = {
    /* "Xã" in Windows-1258 / Latin-1 style bytes: not UTF-8 */
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,X\xe3 C,xa,HP,,,,,\n", "invalid UTF-8 in name"},
    /* an overlong encoding of '/' */
    {FI, 8, IND_HEAD IND_ROWS "X,A\xc0\xaf" "B,,count,,,,,,\n", "invalid UTF-8 in name_vi"},
    {FH, 2, HOL_HEAD "2025-09-02,\"Quốc\tkhánh\",no\n", "control character"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,,xa,HP,,,,,\n", "empty name"},
};

static const bad_t err_optional[] = {
    {FD, 4, DS_HEAD_OPT DS_ROWS_OPT "X,Y,quarter,POSTS,10,yes,xa,,PLAN\n",
     "optional indicator 'PLAN' is not in the dataset's indicators"},
    {FD, 4, DS_HEAD_OPT DS_ROWS_OPT "X,Y,quarter,POSTS,10,yes,xa,,POSTS|\n", "empty item in the optional list"},
    {FD, LOADS, DS_HEAD_OPT DS_ROWS_OPT, "an optional list of the dataset's own indicators loads"},
};

static const bad_t err_unknown_kind[] = {
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.HUYEN.C,Huyện C,huyen,HP,,,,,\n", "unknown kind 'huyen'"},
    {FI, 8, IND_HEAD IND_ROWS "X,Tên,,number,,,,,,\n", "unknown kind 'number'"},
};

static const bad_t err_cycle[] = {
    {FU, 6,
     UNITS_HEAD UNITS_ROWS "C1,Một,phong,C3,,,,,\n" /* 6 */
                           "C2,Hai,phong,C1,,,,,\n" /* 7 */
                           "C3,Ba,phong,C2,,,,,\n"  /* 8 */
                           "C4,Bốn,phong,C3,,,,,\n" /* 9: below the cycle */,
     "cycle of parents (unit -> its parent): C1 -> C3 -> C2 -> C1"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "SELF,Tự,phong,SELF,,,,,\n", "cycle of parents (unit -> its parent): SELF -> SELF"},
};

static const bad_t err_dates[] = {
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,2025-07-01,2025-06-30,,,\n",
     "closed 2025-06-30 is not after opened 2025-07-01"},
    /* closed is the first day it no longer exists: the same day as opened means never open */
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,2025-07-01,2025-07-01,,,\n",
     "closed 2025-07-01 is not after opened 2025-07-01"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,2025-7-1,,,,\n", "bad date in opened: '2025-7-1'"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,,2025-02-29,,,\n", "bad date in closed"},
};

static const bad_t err_rate[] = {
    {FI, 8, IND_HEAD IND_ROWS "R2,Tỷ lệ,,rate,PART,,ratio,ratio,,\n", "a rate needs a denominator"},
    {FI, 8, IND_HEAD IND_ROWS "R2,Tỷ lệ,,rate,NOPE,STAFF,ratio,ratio,,\n", "unknown numerator 'NOPE'"},
    {FI, 8, IND_HEAD IND_ROWS "R2,Tỷ lệ,,rate,PLAN,STAFF,ratio,ratio,,\n",
     "numerator 'PLAN' is a bool indicator; a rate needs a count or a stock"},
    {FI, 8, IND_HEAD IND_ROWS "C2,Đếm,,count,POSTS,,,,,\n", "only a rate has a numerator"},
    {FI, LOADS, IND_HEAD "R0,Tỷ lệ,,rate,LATER,STAFF,,,,\n" IND_ROWS "LATER,Sau,,count,,,,,,\n",
     "a numerator defined below the rate is fine"},
};

static const bad_t err_tags[] = {
    {FI, 8, IND_HEAD IND_ROWS "T2,Thẻ,,tags,,,count_tags,union,,\n", "a tags indicator needs its allowed tags"},
    {FI, 8, IND_HEAD IND_ROWS "T2,Thẻ,,tags,,,,,x|y|x,\n", "tag 'x' listed twice"},
    {FI, 8, IND_HEAD IND_ROWS "C2,Đếm,,count,,,,,x|y,\n", "only a tags indicator lists tags"},
};

static const bad_t err_aggregation[] = {
    {FI, 8, IND_HEAD IND_ROWS "C2,Đếm,,count,,,sum,last,,\n",
     "across_time 'last' does not fit a count indicator (expected sum)"},
    {FI, 8, IND_HEAD IND_ROWS "S2,Số,,stock,,,sum,sum,,\n",
     "across_time 'sum' does not fit a stock indicator (expected last)"},
    {FI, 8, IND_HEAD IND_ROWS "B2,Có,,bool,,,sum,any,,\n",
     "across_units 'sum' does not fit a bool indicator (expected count_yes)"},
    {FI, 8, IND_HEAD IND_ROWS "R2,Tỷ lệ,,rate,PART,STAFF,sum,ratio,,\n",
     "across_units 'sum' does not fit a rate indicator"},
    {FI, 8, IND_HEAD IND_ROWS "C2,Đếm,,count,,,average,,,\n", "unknown across_units 'average'"},
    {FI, 8, IND_HEAD IND_ROWS "B2,Có,,bool,,,,,,5\n", "max applies only to count and stock"},
};

static const bad_t err_period_type[] = {
    {FD, 4, DS_HEAD DS_ROWS "DW,Tuần,week,POSTS,10,yes,xa,\n", "unknown period type 'week'"},
    {FT, 2, TGT_HEAD "HP.SO.A,POSTS,quarterly,3,,,,\n", "unknown period type 'quarterly'"},
};

static const bad_t err_dataset_refs[] = {
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS|NOPE,10,yes,xa,\n", "unknown indicator 'NOPE'"},
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS,10,yes,xa,HP.NOPE\n", "unknown unit 'HP.NOPE'"},
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS,10,yes,xa|huyen,\n", "unknown kind 'huyen'"},
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS|STAFF|RATE,10,yes,xa,\n",
     "rate RATE needs its numerator PART in the dataset too"},
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS,10,yes,,\n", "a dataset needs kinds or units"},
};

static const bad_t err_due_day[] = {
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS,29,yes,xa,\n", "due_day must be a whole number from 1 to 28, not '29'"},
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS,0,yes,xa,\n", "not '0'"},
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS,,yes,xa,\n", "not ''"},
};

static const bad_t err_yes_no[] = {
    {FD, 4, DS_HEAD DS_ROWS "D2,Tên,year,POSTS,10,có,xa,\n", "roll_forward must be yes or no, not 'có'"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,,,,,1\n", "parent_submits must be yes or no, not '1'"},
    {FH, 2, HOL_HEAD "2025-09-06,Thứ Bảy,maybe\n", "working must be yes or no"},
    {FU, 2, UNITS_HEAD "HP,Hải Phòng,thanh_pho,,,,,,yes\n" UNITS_ROWS_REST,
     "parent_submits is yes but the unit has no parent"},
};

#define DS_HEAD_OTB "code,name,period_type,indicators,due_day,roll_forward,kinds,units,optional,on_time_by\n"
#define DS_ROWS_OTB                                                             \
    "DS,Báo cáo quý,quarter,POSTS|STAFF|PART|RATE|PLAN|FORMS,10,yes,so|xa|phong,,,\n" /* 2 */ \
    "DM,Báo cáo tháng,month,POSTS,10,yes,,HP.SO.A,,submission\n" /* 3 */

static const bad_t err_on_time_by[] = {
    {FD, 4, DS_HEAD_OTB DS_ROWS_OTB "D2,Tên,year,POSTS,10,yes,xa,,,duyệt\n",
     "on_time_by must be submission or approval, not 'duyệt'"},
    {FD, 4, DS_HEAD_OTB DS_ROWS_OTB "D2,Tên,year,POSTS,10,yes,xa,,,Approval\n", "not 'Approval'"},
    {FD, LOADS, DS_HEAD_OTB DS_ROWS_OTB "D2,Tên,year,POSTS,10,yes,xa,,,approval\n", "approval is allowed"},
};

static const bad_t err_target_refs[] = {
    {FT, 4, TGT_HEAD TGT_ROWS "HP.NOPE,POSTS,year,1,,,,\n", "unknown unit 'HP.NOPE'"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP,NOPE,year,1,,,,\n", "unknown indicator 'NOPE'"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP,FORMS,year,1,,,,\n", "FORMS is a tags indicator"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP,POSTS,year,,,,,\n", "a target needs a min or a max"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP,POSTS,year,abc,,,,\n", "min must be a number"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP,POSTS,year,1,,2025Q5,,\n", "bad period in from"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP,POSTS,year,1,,2026,2025,\n", "from 2026 is after to 2025"},
};

static const bad_t err_target_min_max[] = {
    {FT, 4, TGT_HEAD TGT_ROWS "HP.SO.A,POSTS,quarter,5,3,,,\n", "min 5 is greater than max 3"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP.SO.A,POSTS,quarter,-1,,,,\n", "must not be negative"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP.SO.A,POSTS,quarter,,2000,,,\n", "above the max of POSTS (1000)"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP.SO.A,PLAN,year,2,,,,\n", "is 0 or 1"},
};

static const bad_t err_target_rate[] = {
    {FT, 4, TGT_HEAD TGT_ROWS "HP.SO.A,RATE,year,101,,,,\n", "a target on the rate RATE is a percent from 0 to 100"},
    {FT, 4, TGT_HEAD TGT_ROWS "HP.SO.A,RATE,year,,-5,,,\n", "percent from 0 to 100"},
    {FT, LOADS, TGT_HEAD "HP.SO.A,RATE,year,0,100,,,\n", "0 and 100 are allowed"},
};

static const bad_t err_holiday_date[] = {
    {FH, 5, HOL_HEAD HOL_ROWS "2026-02-30,Không có,no\n", "bad date '2026-02-30'"},
    {FH, 5, HOL_HEAD HOL_ROWS "17/02/2026,Tết,no\n", "bad date '17/02/2026'"},
    {FH, 5, HOL_HEAD HOL_ROWS ",Tết,no\n", "empty date"},
    {FH, 5, HOL_HEAD HOL_ROWS "2025-09-03,Thứ Tư,yes\n", "is a weekday"},
};

static const bad_t err_holiday_duplicate[] = {
    {FH, 5, HOL_HEAD HOL_ROWS "2025-09-02,Quốc khánh lần hai,no\n", "duplicate date 2025-09-02 (first on line 2)"},
};

static void err_quoting(void **state)
{
    /* a stray quote on line 6 and an unknown parent on line 7: both found */
    const fixture_t *units = FX(FU, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã \"C\",xa,HP,,,,,\n"
                                                          "HP.XA.D,Xã D,xa,NOPE,,,,,\n");
    expect_problem("err_quoting: the stray quote", units, 2, "units.csv:6:", "bad quoting");
    expect_problem("err_quoting: the unknown parent after it", units, 2, "units.csv:7:", "unknown parent 'NOPE'");
    expect_problem("err_quoting: a quote left open",
                   FX(FH, HOL_HEAD HOL_ROWS "2025-12-31,\"Chưa đóng ngoặc,no\n"), 1, "holidays.csv:5:",
                   "unterminated quoted field");
}

static void err_sizes(void **state)
{
    /* a field of 4097 bytes */
    size_t n = 4097;
    char *big = malloc(n + 200);
    assert_non_null(big);
    int o = snprintf(big, 200, "%s", HOL_HEAD HOL_ROWS "2025-12-31,");
    memset(big + o, 'a', n);
    strcpy(big + o + n, ",no\n");
    expect_problem("err_sizes: a field of 4097 bytes", FX(FH, big), 1, "holidays.csv:5:",
                   "field 2 is longer than 4096 bytes");
    free(big);

    /* a file over 64 MiB: a sparse file costs nothing */
    char dir[64], path[200];
    make_dir(dir, NULL);
    snprintf(path, sizeof path, "%s/targets.csv", dir);
    assert_int_equal(truncate(path, (64 << 20) + 1), 0);
    diags_t d = {.n = 0};
    catalog_t *c = NULL;
    assert_int_equal(catalog_load(dir, &c, collect, &d), 1);
    assert_null(c);
    assert_string_equal(d.line[0], "targets.csv:0: file is larger than 64 MiB");
    remove_dir(dir);
}

static void err_all_at_once(void **state)
{
    /* problems in three files are all reported, sorted by file and line */
    fixture_t fx = {.file = {
                        [FU] = UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,NOPE,,,,,\n" /* 6 */
                               "HP.XA.D,Xã D,huyen,HP,,,,,\n",                    /* 7 */
                        [FT] = TGT_HEAD TGT_ROWS "HP.XA.ZZ,POSTS,year,1,,,,\n",   /* 4 */
                        [FH] = HOL_HEAD "2025-13-01,Sai,no\n",                    /* 2 */
                    }};
    diags_t d;
    assert_int_equal(load_fixture(&fx, &d, NULL), 4);
    assert_string_equal(d.line[0], "units.csv:6: unknown parent 'NOPE'");
    assert_true(!strncmp(d.line[1], "units.csv:7: unknown kind 'huyen'", 33));
    assert_string_equal(d.line[2], "targets.csv:4: unknown unit 'HP.XA.ZZ'");
    assert_string_equal(d.line[3], "holidays.csv:2: bad date '2025-13-01' (expected YYYY-MM-DD)");
    /* a NULL diag still counts */
    char dir[64];
    catalog_t *c = (catalog_t *)&fx; /* must be set to NULL */
    make_dir(dir, &fx);
    assert_int_equal(catalog_load(dir, &c, NULL, NULL), 4);
    assert_null(c);
    remove_dir(dir);
}

static const bad_t err_contact[] = {
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,,,vanphong@,,\n", "bad e-mail address 'vanphong@'"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,,,van phong@xa-c.example,,\n", "bad e-mail address"},
    {FU, 6, UNITS_HEAD UNITS_ROWS "HP.XA.C,Xã C,xa,HP,,,,ftp://127.0.0.1/x,\n", "bad webhook 'ftp://127.0.0.1/x'"},
};

/* ---- 3. size ---------------------------------------------------------- */

/* A chain of 100,000 units, each the parent of the next: recursion would
 * overflow the stack; every lookup must still hit. */
static void deep_chain(void **state)
{
    enum { N = 100000 };
    size_t cap = (size_t)N * 64 + 200, o = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    o += (size_t)snprintf(text + o, cap - o, UNITS_HEAD "HP,Gốc,thanh_pho,,,,,,\n");
    for (int i = 1; i < N; i++)
        o += (size_t)snprintf(text + o, cap - o, "U%d,Đơn vị %d,don_vi,U%d,,,,,yes\n", i, i, i - 1);
    memcpy(strstr(text, ",U0,"), ",HP,", 4); /* the first one hangs under the root */
    char dir[64];
    make_dir(dir, &(fixture_t){.file = {[FU] = "-", [FD] = DS_HEAD "DS,Quý,quarter,POSTS,10,yes,don_vi,\n",
                                        [FT] = TGT_HEAD}});
    write_file(dir, "units.csv", text, o);
    free(text);
    diags_t d = {.n = 0};
    catalog_t *c = NULL;
    int rc = catalog_load(dir, &c, collect, &d);
    remove_dir(dir);
    if (rc)
        print_diags(&d);
    assert_int_equal(rc, 0);
    assert_int_equal(c->nunits, N);
    int last = catalog_unit(c, "U99999");
    assert_int_equal(c->units[last].depth, N - 1);
    assert_int_equal(c->preorder[N - 1], last);
    assert_int_equal(c->units[0].subtree_end, N);
    assert_true(catalog_is_ancestor(c, 0, last));
    assert_true(catalog_may_submit_for(c, 0, last)); /* parent_submits all the way up */
    assert_false(catalog_may_submit_for(c, last, 0));
    char code[16];
    for (int i = 1; i < N; i++) {
        int len = snprintf(code, sizeof code, "U%d", i);
        assert_int_equal(catalog_unit_n(c, code, (size_t)len), i);
    }
    catalog_destroy(&c);
}

/* A test of group 2: run_bad() over a table of cases. */
#define BAD(name, cases) {name, run_bad, NULL, NULL, &(bad_set_t){#cases, cases, sizeof cases / sizeof cases[0]}}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("catalog-1.1 ships the Hai Phong catalog", shipped_counts),
        TEST("catalog-1.2 Cam Giang and Cam Giang (a-grave) are distinct, names are exact", shipped_cam_giang),
        TEST("catalog-1.3 lookups by code, indicators and tags", shipped_lookups),
        TEST("catalog-1.4 tree: depth, children, pre-order, ancestors", shipped_tree),
        TEST("catalog-1.5 must_report and open_in", shipped_must_report),
        TEST("catalog-1.6 may_submit_for follows parent_submits", shipped_may_submit),
        TEST("catalog-1.7 deadlines via the catalog and its holidays", shipped_deadlines),
        TEST("catalog-1.8 targets of the seeds", shipped_targets),
        TEST("catalog-1.9 fixture loads with defaults and its own holidays", fixture_loads),
        TEST("catalog-1.10 BOM, CRLF, multi-line fields keep line numbers", fixture_bom_crlf_multiline),
        BAD("catalog-2.1 missing or empty file", err_missing_file),
        BAD("catalog-2.2 missing, unknown or repeated header column", err_header),
        BAD("catalog-2.3 unknown parent reported with file:line", err_unknown_parent),
        BAD("catalog-2.4 wrong field count", err_field_count),
        BAD("catalog-2.5 empty, bad or too long code", err_codes),
        BAD("catalog-2.6 duplicate code", err_duplicate_code),
        BAD("catalog-2.7 invalid UTF-8 or control character in a name", err_utf8),
        BAD("catalog-2.8 unknown kind", err_unknown_kind),
        BAD("catalog-2.9 cycle in the tree", err_cycle),
        BAD("catalog-2.10 bad dates, closed before opened", err_dates),
        BAD("catalog-2.11 rate without or with a bad numerator or denominator", err_rate),
        BAD("catalog-2.12 tags indicator without tags", err_tags),
        BAD("catalog-2.13 inconsistent aggregation", err_aggregation),
        BAD("catalog-2.14 unknown period type", err_period_type),
        BAD("catalog-2.15 dataset refers to unknown indicator, unit or kind", err_dataset_refs),
        BAD("catalog-2.16 due_day out of 1..28", err_due_day),
        BAD("catalog-2.17 bad yes/no", err_yes_no),
                BAD("catalog-2.18 target for an unknown unit or indicator, bad bounds or span", err_target_refs),
        BAD("catalog-2.19 target min > max or out of the indicator's range", err_target_min_max),
        BAD("catalog-2.20 target on a rate outside 0..100", err_target_rate),
        BAD("catalog-2.21 bad holiday date", err_holiday_date),
        BAD("catalog-2.22 duplicate holiday date", err_holiday_duplicate),
        TEST("catalog-2.23 bad quoting reported at its line, the rest still checked", err_quoting),
        TEST("catalog-2.24 field over 4096 bytes, file over 64 MiB", err_sizes),
        TEST("catalog-2.25 every problem of every file in one pass, in order", err_all_at_once),
        BAD("catalog-2.26 bad e-mail address or webhook", err_contact),
        BAD("catalog-2.27 optional indicators must be the dataset's own", err_optional),
        BAD("catalog-2.28 on_time_by is submission or approval", err_on_time_by),
        TEST("catalog-1.11 required indicators: all but rates, minus the optional column", fixture_required),
        TEST("catalog-3.1 a 100,000-deep tree loads without recursion, lookups hit", deep_chain),
    };
    return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
