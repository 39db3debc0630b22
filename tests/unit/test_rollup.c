/*
 * test_rollup.c -- the aggregator's rollup store (rollup.h).
 *
 * Test names are "rollup-G.N what": G groups aggregation rules (1),
 * corrections and exactly-once (2), the randomized property test (3),
 * completeness (4), targets (5), catalog changes and bad records (6),
 * query errors and shapes (7), and decisions: approval, approved-only
 * rollups, on time by approval, extensions, silences, replay (8).  Each test writes a small catalog to a fresh
 * mkdtemp() directory and opens a fresh store next to it.
 */
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "catalog.h"
#include "rollup.h"
#include "store.h"

#define MAP_BYTES ((uint64_t)256 << 20)

#define assert_double_equal(a, b, eps)                                                       \
    do {                                                                                     \
        double a_ = (a), b_ = (b);                                                           \
        if (!(a_ - b_ <= (eps) && b_ - a_ <= (eps)))                                         \
            fail_msg("%s = %.12g, expected %.12g", #a, a_, b_);                              \
    } while (0)

/* ---- the fixture catalog ---------------------------------------------- */

/* HP (thanh_pho, not required)
 *   HP.SO.A (so)            HP.SO.A.P1 (phong)  HP.SO.A.P1.D1 (don_vi)
 *                           HP.SO.A.P2 (phong)
 *   HP.SO.B (so)
 *   HP.XA.C (xa)
 *   HP.XA.NEW (xa, opened 2025-08-01)
 *   HP.XA.OLD (xa, closed 2025-04-01) */
static const char UNITS_CSV[] =
    "code,name,kind,parent,opened,closed,email,webhook,parent_submits\n"
    "HP,Thành phố Hải Phòng,thanh_pho,,,,,,no\n"
    "HP.SO.A,Sở Xây dựng,so,HP,,,,,no\n"
    "HP.SO.A.P1,Phòng Quản lý,phong,HP.SO.A,,,,,no\n"
    "HP.SO.A.P1.D1,Đội Kiểm tra,don_vi,HP.SO.A.P1,,,,,no\n"
    "HP.SO.A.P2,Văn phòng Sở,phong,HP.SO.A,,,,,no\n"
    "HP.SO.B,Sở Y tế,so,HP,,,,,no\n"
    "HP.XA.C,Xã Việt Khê,xa,HP,,,,,no\n"
    "HP.XA.NEW,Xã Mới,xa,HP,2025-08-01,,,,no\n"
    "HP.XA.OLD,Xã Cũ,xa,HP,,2025-04-01,,,no\n";
static const char INDS_CSV[] =
    "code,name_vi,name_en,kind,numerator,denominator,across_units,across_time,tags,max\n"
    "POSTS,\"Tin, bài CCHC\",Posts,count,,,sum,sum,,1000000\n"
    "STAFF,Tổng số CBCCVC,Staff,stock,,,sum,last,,1000000\n"
    "PART,Tham gia cuộc thi,Participants,count,,,sum,sum,,1000000\n"
    "RATE,Tỷ lệ tham gia,Participation rate,rate,PART,STAFF,ratio,ratio,,\n"
    "PLAN,Ban hành kế hoạch,Plan issued,bool,,,count_yes,any,,\n"
    "HOTLINE,Công khai đường dây nóng,Hotline,bool,,,count_yes,last,,\n"
    "FORMS,Hình thức khác,Other forms,tags,,,count_tags,union,a|b|c,\n"
    "RADIO,Tin phát thanh,Radio items,count,,,sum,sum,,1000000\n";
static const char DS_CSV[] =
    "code,name,period_type,indicators,due_day,roll_forward,kinds,units,optional,on_time_by\n"
    "Q,Báo cáo quý,quarter,POSTS|STAFF|PART|RATE|PLAN|HOTLINE|FORMS|RADIO,10,yes,so|phong|don_vi|xa,,,\n"
    "M,Báo cáo tháng,month,POSTS|RADIO,10,yes,xa,,,submission\n"
    "QA,Báo cáo quý (tính đúng hạn khi được duyệt),quarter,POSTS,10,yes,so|xa,,,approval\n";
static const char TGT_CSV[] =
    "unit,indicator,period_type,min,max,from,to,note\n"
    "HP.XA.C,POSTS,year,20,,2025,2025,tối thiểu 20 tin bài/năm\n"
    "HP.XA.C,RADIO,month,2,,202507,202512,ít nhất 02 tin mỗi tháng\n"
    "HP.SO.B,RATE,year,100,,2025,2025,100% tham gia\n"
    "HP.SO.A,POSTS,quarter,3,5,2025Q3,2025Q4,từ 03 - 05 tin bài\n";
static const char HOL_CSV[] =
    "date,name,working\n"
    "2025-09-01,Quốc khánh (ngày liền kề),no\n"
    "2025-09-02,Quốc khánh,no\n";

enum { NIND = 8 };
static const char *const IND[NIND] = {"POSTS", "STAFF", "PART", "RATE", "PLAN", "HOTLINE", "FORMS", "RADIO"};
enum { I_POSTS, I_STAFF, I_PART, I_RATE, I_PLAN, I_HOTLINE, I_FORMS, I_RADIO };
static const char *const TAGS[3] = {"a", "b", "c"};

typedef struct {
    char dir[64];
    char catdir[128];
    char storedir[128];
    catalog_t *cat;
    rollup_t *r;
    uint64_t seq;
    msgpack_unpacked up;
    msgpack_sbuffer sb; /* the answer's strings point into it */
    bool approved;      /* queries ask QUERY.approved */
    const char *status; /* units queries: QUERY.status */
} fx_t;

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void diag(void *ud, const char *file, int line, const char *msg)
{
    (void)ud;
    print_message("# catalog %s:%d: %s\n", file, line, msg);
}

static catalog_t *load_catalog(const char *dir, const char *units, const char *inds)
{
    catalog_t *c = NULL;
    write_file(dir, "units.csv", units);
    write_file(dir, "indicators.csv", inds);
    write_file(dir, "datasets.csv", DS_CSV);
    write_file(dir, "targets.csv", TGT_CSV);
    write_file(dir, "holidays.csv", HOL_CSV);
    assert_int_equal(catalog_load(dir, &c, diag, NULL), 0);
    assert_non_null(c);
    return c;
}

static rollup_t *open_store(const char *dir, const catalog_t *cat, bool *rebuild)
{
    rollup_t *r = NULL;
    char err[256] = "";
    bool nr = false;
    int rc = rollup_open(dir, MAP_BYTES, cat, &r, &nr, err, sizeof err);
    if (rc)
        fail_msg("rollup_open: %s", err);
    if (rebuild)
        *rebuild = nr;
    else
        assert_false(nr);
    return r;
}

static int setup(void **state)
{
    fx_t *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/test_rollup.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->catdir, sizeof f->catdir, "%s/catalog", f->dir);
    snprintf(f->storedir, sizeof f->storedir, "%s/store", f->dir);
    mkdir(f->catdir, 0700);
    f->cat = load_catalog(f->catdir, UNITS_CSV, INDS_CSV);
    f->r = open_store(f->storedir, f->cat, NULL);
    msgpack_unpacked_init(&f->up);
    msgpack_sbuffer_init(&f->sb);
    *state = f;
    return 0;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    fx_t *f = *state;
    rollup_close(&f->r);
    catalog_destroy(&f->cat);
    msgpack_unpacked_destroy(&f->up);
    msgpack_sbuffer_destroy(&f->sb);
    nftw(f->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

#define TEST(name, fn) {name, fn, setup, teardown, NULL}

/* ---- records ---------------------------------------------------------- */

typedef struct {
    proto_record_t rec;
    proto_value_t vals[NIND];
} trec_t;

static int64_t T(const char *iso)
{
    int64_t t = 0;
    if (time_parse_iso(iso, &t) != 0)
        fail_msg("fixture time '%s' does not parse", iso);
    return t;
}

static void trec_init(trec_t *t, uint64_t seq, const char *unit, const char *ds, const char *period, uint32_t version,
                      int64_t received_at)
{
    memset(t, 0, sizeof *t);
    t->rec.seq = seq;
    snprintf(t->rec.id, sizeof t->rec.id, "id-%llu", (unsigned long long)seq);
    snprintf(t->rec.unit, sizeof t->rec.unit, "%s", unit);
    snprintf(t->rec.submitter, sizeof t->rec.submitter, "%s", unit);
    snprintf(t->rec.dataset, sizeof t->rec.dataset, "%s", ds);
    snprintf(t->rec.period, sizeof t->rec.period, "%s", period);
    t->rec.version = version;
    t->rec.received_at = received_at;
    snprintf(t->rec.note, sizeof t->rec.note, "ghi chú %llu", (unsigned long long)seq);
}

static proto_value_t *trec_val(trec_t *t, const char *code)
{
    proto_value_t *v = &t->vals[t->rec.values.n++];
    memset(v, 0, sizeof *v);
    snprintf(v->code, sizeof v->code, "%s", code);
    return v;
}

static void trec_int(trec_t *t, const char *code, int64_t i)
{
    proto_value_t *v = trec_val(t, code);
    v->kind = PV_INT;
    v->i = i;
}

static void trec_bool(trec_t *t, const char *code, bool b)
{
    proto_value_t *v = trec_val(t, code);
    v->kind = PV_BOOL;
    v->i = b;
}

static void trec_tags(trec_t *t, const char *code, unsigned mask)
{
    proto_value_t *v = trec_val(t, code);
    v->kind = PV_TAGS;
    for (int k = 0; k < 3; k++)
        if (mask & 1u << k) {
            v->tags[v->ntags].ptr = TAGS[k];
            v->tags[v->ntags++].len = 1;
        }
}

/* Applies trecs[0..n) in one batch; the records point at their own values. */
static int apply_n(rollup_t *r, trec_t *t, int n, rollup_outcome_t *out)
{
    proto_record_t *recs = calloc((size_t)n + 1, sizeof *recs);
    char err[256] = "";
    assert_non_null(recs);
    for (int i = 0; i < n; i++) {
        t[i].rec.values.items = t[i].vals;
        recs[i] = t[i].rec;
    }
    int rc = rollup_apply(r, recs, NULL, n, out, err, sizeof err);
    if (rc)
        print_message("# rollup_apply: %s\n", err);
    free(recs);
    return rc;
}

/* A one-record report with the common indicators; -1 leaves one out. */
static trec_t *mk(fx_t *f, const char *unit, const char *period, uint32_t version, const char *received)
{
    trec_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    trec_init(t, ++f->seq, unit, "Q", period, version, T(received));
    return t;
}

static void apply1(fx_t *f, trec_t *t)
{
    rollup_outcome_t oc;
    assert_int_equal(apply_n(f->r, t, 1, &oc), 0);
    assert_true(oc.applied);
    free(t);
}

/* ---- queries ---------------------------------------------------------- */

static int query_raw(fx_t *f, const char *what, const char *node, const char *ds, const char *period, int64_t now,
                     uint64_t limit, msgpack_sbuffer *sb, proto_error_t *err)
{
    proto_query_t q;
    msgpack_packer pk;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "%s", what);
    snprintf(q.node, sizeof q.node, "%s", node ? node : "");
    snprintf(q.dataset, sizeof q.dataset, "%s", ds ? ds : "");
    snprintf(q.period, sizeof q.period, "%s", period ? period : "");
    q.limit = limit;
    q.approved = f->approved;
    snprintf(q.status, sizeof q.status, "%s", f->status ? f->status : "");
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    return rollup_query(f->r, &q, now, &pk, err);
}

static const msgpack_object *query(fx_t *f, const char *what, const char *node, const char *ds, const char *period,
                                   int64_t now)
{
    proto_error_t err = {0};
    msgpack_unpacked_destroy(&f->up);
    msgpack_unpacked_init(&f->up);
    msgpack_sbuffer_destroy(&f->sb);
    msgpack_sbuffer_init(&f->sb);
    int rc = query_raw(f, what, node, ds, period, now, 0, &f->sb, &err);
    if (rc)
        fail_msg("query %s %s %s %s: %s %s", what, node ? node : "", ds ? ds : "", period ? period : "",
                 proto_err_code(rc), err.message);
    /* The aggregator sends the answer as RESULT.data without scanning it
     * again: it must stay within the depth a receiver's decoder accepts
     * (data is one level below the RESULT map). */
    assert_int_equal(proto_prescan(f->sb.data, f->sb.size, PROTO_MAX_DEPTH - 1), 0);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&f->up, f->sb.data, f->sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, f->sb.size);
    return &f->up.data;
}

/* The store's part of what=info (rollup_info()), packed as the aggregator
 * packs the whole answer (its own fields zero). */
static const msgpack_object *info(fx_t *f, uint64_t *applied)
{
    proto_error_t err = {0};
    msgpack_packer pk;
    msgpack_unpacked_destroy(&f->up);
    msgpack_unpacked_init(&f->up);
    msgpack_sbuffer_destroy(&f->sb);
    msgpack_sbuffer_init(&f->sb);
    msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
    ans_info_t a = {0};
    int rc = rollup_info(f->r, &a, &err);
    if (rc)
        fail_msg("info: %s %s", proto_err_code(rc), err.message);
    *applied = a.applied;
    ans_info_pack(&pk, &a);
    free(a.datasets.items);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&f->up, f->sb.data, f->sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, f->sb.size);
    assert_int_equal(f->up.data.type, MSGPACK_OBJECT_MAP);
    assert_int_equal(f->up.data.via.map.size, ans_obj_info.nfields);
    return &f->up.data;
}

static int query_err(fx_t *f, const char *what, const char *node, const char *ds, const char *period)
{
    msgpack_sbuffer sb;
    proto_error_t err = {0};
    msgpack_sbuffer_init(&sb);
    int rc = query_raw(f, what, node, ds, period, T("2025-12-31"), 0, &sb, &err);
    assert_int_equal(sb.size, 0); /* nothing packed on error */
    msgpack_sbuffer_destroy(&sb);
    if (rc)
        assert_int_equal(err.code, rc);
    return rc;
}

static const msgpack_object *mget(const msgpack_object *o, const char *key)
{
    if (!o || o->type != MSGPACK_OBJECT_MAP)
        fail_msg("not a map looking for '%s'", key);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object *k = &o->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) && !memcmp(k->via.str.ptr, key, k->via.str.size))
            return &o->via.map.ptr[i].val;
    }
    fail_msg("no key '%s'", key);
    return NULL;
}

static bool is_nil(const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_NIL;
}

static int64_t ival(const msgpack_object *o)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        return (int64_t)o->via.u64;
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return o->via.i64;
    fail_msg("not an integer (type %d)", o->type);
    return 0;
}

static double fval(const msgpack_object *o)
{
    if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32)
        return o->via.f64;
    fail_msg("not a float (type %d)", o->type);
    return 0;
}

static int64_t geti(const msgpack_object *o, const char *key)
{
    return ival(mget(o, key));
}

/* The six counters of a status answer. */
static void assert_counts(const msgpack_object *st, int64_t expected, int64_t received, int64_t on_time,
                          int64_t late, int64_t missing, int64_t pending)
{
    assert_int_equal(geti(st, "expected"), expected);
    assert_int_equal(geti(st, "received"), received);
    assert_int_equal(geti(st, "on_time"), on_time);
    assert_int_equal(geti(st, "late"), late);
    assert_int_equal(geti(st, "missing"), missing);
    assert_int_equal(geti(st, "pending"), pending);
}

static bool str_is(const msgpack_object *o, const char *s)
{
    return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) && !memcmp(o->via.str.ptr, s, o->via.str.size);
}

/* The entry of the "indicators" array of a rollup answer. */
static const msgpack_object *ind_of(const msgpack_object *ans, const char *code)
{
    const msgpack_object *a = mget(ans, "indicators");
    for (uint32_t i = 0; i < a->via.array.size; i++)
        if (str_is(mget(&a->via.array.ptr[i], "code"), code))
            return &a->via.array.ptr[i];
    fail_msg("indicator %s not in the answer", code);
    return NULL;
}

static const int64_t NOW = 1893456000; /* 2030-01-01: every deadline has passed */

/* value of an indicator in a rollup: INT64_MIN for nil */
static int64_t rv(fx_t *f, const char *node, const char *period, const char *code)
{
    const msgpack_object *v = mget(ind_of(query(f, "rollup", node, "Q", period, NOW), code), "value");
    return is_nil(v) ? INT64_MIN : ival(v);
}

static int64_t ru(fx_t *f, const char *node, const char *period, const char *code)
{
    return geti(ind_of(query(f, "rollup", node, "Q", period, NOW), code), "units");
}

#define NIL INT64_MIN

/* ---- 1. aggregation rules --------------------------------------------- */

static void counts_sum(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    t = mk(f, "HP.SO.A.P1.D1", "2025Q1", 1, "2025-03-01"), trec_int(t, "POSTS", 3), apply1(f, t);
    t = mk(f, "HP.SO.A.P1.D1", "2025Q2", 1, "2025-06-01"), trec_int(t, "POSTS", 4), apply1(f, t);
    t = mk(f, "HP.SO.A.P1", "2025Q1", 1, "2025-03-01"), trec_int(t, "POSTS", 10), apply1(f, t);
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 100), apply1(f, t);
    t = mk(f, "HP.XA.C", "2025Q4", 1, "2025-12-01"), trec_int(t, "POSTS", 1000), apply1(f, t);
    /* along the tree */
    assert_int_equal(rv(f, "HP.SO.A.P1.D1", "2025Q1", "POSTS"), 3);
    assert_int_equal(rv(f, "HP.SO.A.P1", "2025Q1", "POSTS"), 13);
    assert_int_equal(rv(f, "HP.SO.A", "2025Q1", "POSTS"), 13);
    assert_int_equal(ru(f, "HP.SO.A", "2025Q1", "POSTS"), 2);
    assert_int_equal(rv(f, "HP", "2025Q1", "POSTS"), 13);
    /* across quarters into the half-year and the year */
    assert_int_equal(rv(f, "HP.SO.A.P1.D1", "2025S1", "POSTS"), 7);
    assert_int_equal(ru(f, "HP.SO.A.P1.D1", "2025S1", "POSTS"), 1);
    assert_int_equal(rv(f, "HP.SO.A", "2025S1", "POSTS"), 17);
    assert_int_equal(rv(f, "HP.SO.A", "2025S2", "POSTS"), 100);
    assert_int_equal(rv(f, "HP", "2025S2", "POSTS"), 1100);
    assert_int_equal(rv(f, "HP", "2025", "POSTS"), 1117);
    assert_int_equal(ru(f, "HP", "2025", "POSTS"), 4); /* D1, P1, A, C */
    assert_int_equal(rv(f, "HP.SO.B", "2025", "POSTS"), NIL);
    /* children of HP list each child's subtree value */
    const msgpack_object *a = query(f, "rollup", "HP", "Q", "2025", NOW);
    const msgpack_object *ch = mget(a, "children");
    assert_int_equal(ch->via.array.size, 5);
    assert_true(str_is(mget(&ch->via.array.ptr[0], "code"), "HP.SO.A"));
    assert_int_equal(ival(mget(mget(&ch->via.array.ptr[0], "values"), "POSTS")), 117);
    assert_true(is_nil(mget(mget(&ch->via.array.ptr[1], "values"), "POSTS")));
}

static void stock_latest(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    t = mk(f, "HP.SO.A", "2025Q1", 1, "2025-03-01"), trec_int(t, "STAFF", 10), apply1(f, t);
    t = mk(f, "HP.SO.A", "2025Q2", 1, "2025-06-01"), trec_int(t, "STAFF", 12), apply1(f, t);
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 1), apply1(f, t); /* no STAFF */
    t = mk(f, "HP.SO.A.P2", "2025Q1", 1, "2025-03-01"), trec_int(t, "STAFF", 5), apply1(f, t);
    t = mk(f, "HP.SO.B", "2025Q4", 1, "2025-12-01"), trec_int(t, "STAFF", 7), apply1(f, t);
    assert_int_equal(rv(f, "HP.SO.A.P2", "2025", "STAFF"), 5);
    /* the latest quarter that has it, not the sum of quarters */
    assert_int_equal(rv(f, "HP.SO.A", "2025S1", "STAFF"), 12 + 5);
    assert_int_equal(rv(f, "HP.SO.A", "2025", "STAFF"), 12 + 5);
    assert_int_equal(ru(f, "HP.SO.A", "2025", "STAFF"), 2);
    assert_int_equal(rv(f, "HP.SO.A", "2025Q3", "STAFF"), NIL);
    /* summed across units */
    assert_int_equal(rv(f, "HP", "2025", "STAFF"), 12 + 5 + 7);
    assert_int_equal(rv(f, "HP", "2025S1", "STAFF"), 12 + 5);
    /* a correction of Q2 changes the year's latest */
    t = mk(f, "HP.SO.A", "2025Q2", 2, "2025-06-05"), trec_int(t, "STAFF", 20), apply1(f, t);
    assert_int_equal(rv(f, "HP", "2025", "STAFF"), 20 + 5 + 7);
    /* a later quarter takes over */
    t = mk(f, "HP.SO.A", "2025Q4", 1, "2025-12-01"), trec_int(t, "STAFF", 9), apply1(f, t);
    assert_int_equal(rv(f, "HP", "2025", "STAFF"), 9 + 5 + 7);
    assert_int_equal(rv(f, "HP", "2025S1", "STAFF"), 20 + 5);
}

static void rate_from_sums(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    /* A: 1 of 100 took part (1%); B: 50 of 50 (100%).  Averaging the rates
     * would say 50.5%; the rate of the sums is 51/150 = 34%. */
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "PART", 1), trec_int(t, "STAFF", 100), apply1(f, t);
    t = mk(f, "HP.SO.B", "2025Q3", 1, "2025-09-01"), trec_int(t, "PART", 50), trec_int(t, "STAFF", 50), apply1(f, t);
    const msgpack_object *r = ind_of(query(f, "rollup", "HP", "Q", "2025Q3", NOW), "RATE");
    assert_int_equal(geti(r, "num"), 51);
    assert_int_equal(geti(r, "den"), 150);
    assert_double_equal(fval(mget(r, "value")), 51.0 / 150.0, 1e-12);
    assert_int_equal(geti(r, "units"), 2);
    /* at every level: A alone, and across time (PART summed, STAFF latest) */
    r = ind_of(query(f, "rollup", "HP.SO.A", "Q", "2025Q3", NOW), "RATE");
    assert_double_equal(fval(mget(r, "value")), 0.01, 1e-12);
    t = mk(f, "HP.SO.A", "2025Q4", 1, "2025-12-01"), trec_int(t, "PART", 9), trec_int(t, "STAFF", 100), apply1(f, t);
    r = ind_of(query(f, "rollup", "HP.SO.A", "Q", "2025S2", NOW), "RATE");
    assert_int_equal(geti(r, "num"), 10);
    assert_int_equal(geti(r, "den"), 100);
    r = ind_of(query(f, "rollup", "HP", "Q", "2025", NOW), "RATE");
    assert_int_equal(geti(r, "num"), 60);
    assert_int_equal(geti(r, "den"), 150);
    assert_double_equal(fval(mget(r, "value")), 60.0 / 150.0, 1e-12);
    /* no data, and a zero denominator: nil */
    r = ind_of(query(f, "rollup", "HP.XA.C", "Q", "2025", NOW), "RATE");
    assert_true(is_nil(mget(r, "value")));
    t = mk(f, "HP.XA.C", "2025Q1", 1, "2025-03-01"), trec_int(t, "PART", 0), trec_int(t, "STAFF", 0), apply1(f, t);
    r = ind_of(query(f, "rollup", "HP.XA.C", "Q", "2025", NOW), "RATE");
    assert_true(is_nil(mget(r, "value")));
    assert_int_equal(geti(r, "den"), 0);
}

static void bool_yes_share(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    t = mk(f, "HP.SO.A", "2025Q1", 1, "2025-03-01"), trec_bool(t, "PLAN", true), trec_bool(t, "HOTLINE", true), apply1(f, t);
    t = mk(f, "HP.SO.A", "2025Q2", 1, "2025-06-01"), trec_bool(t, "PLAN", false), trec_bool(t, "HOTLINE", false), apply1(f, t);
    t = mk(f, "HP.SO.B", "2025Q1", 1, "2025-03-01"), trec_bool(t, "PLAN", false), trec_bool(t, "HOTLINE", true), apply1(f, t);
    t = mk(f, "HP.XA.C", "2025Q2", 1, "2025-06-01"), trec_bool(t, "PLAN", true), apply1(f, t);
    const msgpack_object *a = query(f, "rollup", "HP", "Q", "2025Q1", NOW), *p = ind_of(a, "PLAN");
    assert_int_equal(geti(p, "value"), 1);
    assert_int_equal(geti(p, "units"), 2);
    assert_double_equal(fval(mget(p, "share")), 0.5, 1e-12);
    /* PLAN is "any" across time: A said yes in Q1 */
    a = query(f, "rollup", "HP", "Q", "2025S1", NOW), p = ind_of(a, "PLAN");
    assert_int_equal(geti(p, "value"), 2); /* A (Q1 yes), C */
    assert_int_equal(geti(p, "units"), 3);
    assert_double_equal(fval(mget(p, "share")), 2.0 / 3.0, 1e-12);
    /* HOTLINE is "last": A's latest answer is no */
    p = ind_of(a, "HOTLINE");
    assert_int_equal(geti(p, "value"), 1); /* B only */
    assert_int_equal(geti(p, "units"), 2);
    assert_double_equal(fval(mget(p, "share")), 0.5, 1e-12);
    /* nobody answered: nil, no share */
    p = ind_of(query(f, "rollup", "HP.SO.A.P1", "Q", "2025", NOW), "PLAN");
    assert_true(is_nil(mget(p, "value")));
    assert_true(is_nil(mget(p, "share")));
    assert_int_equal(geti(p, "units"), 0);
}

static void tags_counts(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    t = mk(f, "HP.SO.A", "2025Q1", 1, "2025-03-01"), trec_tags(t, "FORMS", 1 | 2), apply1(f, t); /* a b */
    t = mk(f, "HP.SO.A", "2025Q2", 1, "2025-06-01"), trec_tags(t, "FORMS", 4), apply1(f, t);     /* c */
    t = mk(f, "HP.SO.B", "2025Q1", 1, "2025-03-01"), trec_tags(t, "FORMS", 2), apply1(f, t);     /* b */
    t = mk(f, "HP.XA.C", "2025Q1", 1, "2025-03-01"), trec_tags(t, "FORMS", 0), apply1(f, t);     /* answered, none */
    const msgpack_object *p = ind_of(query(f, "rollup", "HP", "Q", "2025Q1", NOW), "FORMS");
    assert_int_equal(geti(p, "value"), 3);
    assert_int_equal(geti(p, "units"), 3);
    assert_int_equal(geti(mget(p, "tags"), "a"), 1);
    assert_int_equal(geti(mget(p, "tags"), "b"), 2);
    assert_int_equal(geti(mget(p, "tags"), "c"), 0);
    /* union across time: A counts once per tag */
    p = ind_of(query(f, "rollup", "HP", "Q", "2025", NOW), "FORMS");
    assert_int_equal(geti(p, "units"), 3);
    assert_int_equal(geti(mget(p, "tags"), "a"), 1);
    assert_int_equal(geti(mget(p, "tags"), "b"), 2);
    assert_int_equal(geti(mget(p, "tags"), "c"), 1);
}

static void missing_not_zero(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 4), apply1(f, t);
    t = mk(f, "HP.SO.B", "2025Q3", 1, "2025-09-01"), trec_int(t, "RADIO", 2), apply1(f, t); /* no POSTS */
    t = mk(f, "HP.XA.C", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 0), apply1(f, t); /* a real 0 */
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), 4);
    assert_int_equal(ru(f, "HP", "2025Q3", "POSTS"), 2); /* A and C; B did not report it */
    assert_int_equal(rv(f, "HP.SO.B", "2025Q3", "POSTS"), NIL);
    assert_int_equal(ru(f, "HP.SO.B", "2025Q3", "POSTS"), 0);
    assert_int_equal(rv(f, "HP.XA.C", "2025Q3", "POSTS"), 0);
    assert_int_equal(ru(f, "HP.XA.C", "2025Q3", "POSTS"), 1);
    /* a correction that drops the indicator removes the unit from the count */
    t = mk(f, "HP.SO.A", "2025Q3", 2, "2025-09-02"), trec_int(t, "RADIO", 1), apply1(f, t);
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), 0);
    assert_int_equal(ru(f, "HP", "2025Q3", "POSTS"), 1);
    assert_int_equal(rv(f, "HP.SO.A", "2025", "POSTS"), NIL);
    /* a node nobody below reported for: nil everywhere, units 0, not an error */
    const msgpack_object *a = query(f, "rollup", "HP.XA.NEW", "Q", "2025Q3", NOW);
    const msgpack_object *inds = mget(a, "indicators");
    assert_int_equal(inds->via.array.size, NIND);
    for (uint32_t i = 0; i < inds->via.array.size; i++) {
        assert_true(is_nil(mget(&inds->via.array.ptr[i], "value")));
        assert_int_equal(geti(&inds->via.array.ptr[i], "units"), 0);
    }
}

/* ---- 2. corrections and exactly-once ---------------------------------- */

static const char *const ALL_UNITS[] = {"HP", "HP.SO.A", "HP.SO.A.P1", "HP.SO.A.P1.D1", "HP.SO.A.P2",
                                        "HP.SO.B", "HP.XA.C", "HP.XA.NEW", "HP.XA.OLD"};
#define NUNITS ((int)(sizeof ALL_UNITS / sizeof ALL_UNITS[0]))
static const char *const PERIODS_2025[] = {"2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025S1", "2025S2", "2025"};
#define NP25 7

/* Snapshot of every counted indicator (value, units) for every node x period. */
typedef struct {
    int64_t v[NUNITS][NP25][NIND], u[NUNITS][NP25][NIND];
} snap_t;

static void snapshot(fx_t *f, snap_t *s)
{
    for (int n = 0; n < NUNITS; n++)
        for (int p = 0; p < NP25; p++) {
            const msgpack_object *a = query(f, "rollup", ALL_UNITS[n], "Q", PERIODS_2025[p], NOW);
            for (int i = 0; i < NIND; i++) {
                const msgpack_object *e = ind_of(a, IND[i]);
                s->u[n][p][i] = geti(e, "units");
                const msgpack_object *v = mget(e, i == I_RATE ? "num" : "value");
                s->v[n][p][i] = is_nil(v) ? NIL : ival(v);
            }
        }
}

static void correction_difference(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    t = mk(f, "HP.SO.A.P1.D1", "2025Q2", 1, "2025-06-01");
    trec_int(t, "POSTS", 5), trec_int(t, "PART", 3), trec_int(t, "STAFF", 40), apply1(f, t);
    t = mk(f, "HP.SO.A.P1.D1", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 2), apply1(f, t);
    t = mk(f, "HP.SO.A.P2", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 7), apply1(f, t);
    t = mk(f, "HP.XA.C", "2025Q2", 1, "2025-06-01"), trec_int(t, "POSTS", 11), apply1(f, t);
    snap_t *before = calloc(1, sizeof *before), *after = calloc(1, sizeof *after);
    snapshot(f, before);
    /* D1 corrects Q2: POSTS 5 -> 8, PART 3 -> 1, STAFF unchanged */
    t = mk(f, "HP.SO.A.P1.D1", "2025Q2", 2, "2025-06-20");
    trec_int(t, "POSTS", 8), trec_int(t, "PART", 1), trec_int(t, "STAFF", 40), apply1(f, t);
    snapshot(f, after);
    const int affected[] = {0, 1, 2, 3}; /* HP, SO.A, P1, D1 */
    for (int n = 0; n < NUNITS; n++)
        for (int p = 0; p < NP25; p++) {
            bool anc = false;
            for (int k = 0; k < 4; k++)
                anc |= affected[k] == n;
            const char *pc = PERIODS_2025[p];
            bool covers = !strcmp(pc, "2025Q2") || !strcmp(pc, "2025S1") || !strcmp(pc, "2025");
            for (int i = 0; i < NIND; i++) {
                int64_t d = 0;
                if (anc && covers && i == I_POSTS)
                    d = 3;
                if (anc && covers && (i == I_PART || i == I_RATE))
                    d = -2;
                assert_int_equal(after->u[n][p][i], before->u[n][p][i]);
                if (d == 0)
                    assert_int_equal(after->v[n][p][i], before->v[n][p][i]);
                else
                    assert_int_equal(after->v[n][p][i] - before->v[n][p][i], d);
            }
        }
    assert_int_equal(rv(f, "HP", "2025", "POSTS"), 8 + 2 + 7 + 11);
    /* the leaf holds the new version's values, first arrival kept */
    const msgpack_object *v = query(f, "values", "HP.SO.A.P1.D1", "Q", "2025Q2", NOW);
    assert_int_equal(geti(v, "version"), 2);
    assert_int_equal(geti(mget(v, "values"), "POSTS"), 8);
    assert_int_equal(geti(v, "first_received_at"), T("2025-06-01"));
    assert_int_equal(geti(v, "received_at"), T("2025-06-20"));
    /* an older version arriving late changes nothing but the history */
    t = mk(f, "HP.SO.A.P1.D1", "2025Q2", 1, "2025-06-21"), trec_int(t, "POSTS", 99);
    rollup_outcome_t oc;
    assert_int_equal(apply_n(f->r, t, 1, &oc), 0);
    free(t);
    assert_false(oc.applied);
    snap_t *again = calloc(1, sizeof *again);
    snapshot(f, again);
    assert_memory_equal(again, after, sizeof *after);
    free(before), free(after), free(again);
}

static void replay_changes_nothing(void **state)
{
    fx_t *f = *state;
    trec_t batch[6];
    const char *units[6] = {"HP.SO.A", "HP.SO.A.P1", "HP.SO.B", "HP.XA.C", "HP.SO.A", "HP.XA.NEW"};
    const char *periods[6] = {"2025Q1", "2025Q2", "2025Q3", "2025Q3", "2025Q1", "2025Q4"};
    for (int i = 0; i < 6; i++) {
        trec_init(&batch[i], ++f->seq, units[i], "Q", periods[i], i == 4 ? 2 : 1, T("2025-09-01") + i);
        trec_int(&batch[i], "POSTS", 10 + i);
        trec_bool(&batch[i], "PLAN", i & 1);
    }
    rollup_outcome_t oc[6];
    assert_int_equal(apply_n(f->r, batch, 6, oc), 0);
    for (int i = 0; i < 6; i++)
        assert_true(oc[i].applied);
    assert_int_equal(rollup_applied(f->r), f->seq);
    snap_t *s1 = calloc(1, sizeof *s1), *s2 = calloc(1, sizeof *s2);
    snapshot(f, s1);
    const msgpack_object *st = query(f, "status", "HP", "Q", "2025", NOW);
    int64_t received = geti(st, "received");
    /* the same batch again (a replay after a crash): nothing changes */
    assert_int_equal(apply_n(f->r, batch, 6, oc), 0);
    for (int i = 0; i < 6; i++) {
        assert_false(oc[i].applied);
        assert_int_equal(oc[i].seq, batch[i].rec.seq);
    }
    /* and a batch overlapping the applied part: only the new tail counts */
    trec_t more[2] = {batch[5]};
    trec_init(&more[1], ++f->seq, "HP.SO.B", "Q", "2025Q4", 1, T("2025-12-01"));
    trec_int(&more[1], "POSTS", 1);
    assert_int_equal(apply_n(f->r, more, 2, oc), 0);
    assert_false(oc[0].applied);
    assert_true(oc[1].applied);
    snapshot(f, s2);
    assert_int_equal(s2->v[0][6][I_POSTS], s1->v[0][6][I_POSTS] + 1);
    s2->v[0][6][I_POSTS] = s1->v[0][6][I_POSTS];
    s2->v[0][3][I_POSTS] = s1->v[0][3][I_POSTS];
    s2->v[0][5][I_POSTS] = s1->v[0][5][I_POSTS];
    s2->u[0][6][I_POSTS] = s1->u[0][6][I_POSTS], s2->u[0][3][I_POSTS] = s1->u[0][3][I_POSTS];
    s2->u[0][5][I_POSTS] = s1->u[0][5][I_POSTS];
    for (int p = 0; p < NP25; p++)
        for (int i = 0; i < NIND; i++) {
            s2->v[5][p][i] = s1->v[5][p][i];
            s2->u[5][p][i] = s1->u[5][p][i];
        }
    assert_memory_equal(s1, s2, sizeof *s1);
    st = query(f, "status", "HP", "Q", "2025", NOW);
    assert_int_equal(geti(st, "received"), received + 1);
    assert_int_equal(rollup_applied(f->r), f->seq);
    free(s1), free(s2);
}

/* ---- 3. property test ------------------------------------------------- */

#define NREC 2000
#define NQ 8 /* 2025Q1 .. 2026Q4 */

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

typedef struct {
    bool has[NIND];
    int64_t v[NIND];
} vals_t;

typedef struct {
    int ver;
    vals_t latest;
    int64_t first_at;
} cell_t;

static const char *qcode(int q, char *buf)
{
    buf[0] = '2', buf[1] = '0', buf[2] = '2', buf[3] = (char)('5' + q / 4);
    buf[4] = 'Q', buf[5] = (char)('1' + q % 4), buf[6] = '\0';
    return buf;
}

/* The naive recount: node value of one indicator over quarters [q0, q1]. */
typedef struct {
    int64_t v, units, tags[3];
} naive_t;

static naive_t naive(const catalog_t *c, cell_t cells[][NQ], int node, int ind, int q0, int q1)
{
    naive_t r = {0};
    for (int u = 0; u < NUNITS; u++) {
        if (!catalog_is_ancestor(c, node, catalog_unit(c, ALL_UNITS[u])))
            continue;
        bool has = false;
        int64_t v = 0;
        for (int q = q0; q <= q1; q++) {
            const cell_t *ce = &cells[u][q];
            if (!ce->ver || !ce->latest.has[ind])
                continue;
            int64_t x = ce->latest.v[ind];
            switch (ind) {
            case I_POSTS: case I_PART: case I_RADIO: v += x; break;
            case I_STAFF: case I_HOTLINE: v = x; break;
            case I_PLAN: v = v || x; break;
            case I_FORMS: v |= x; break;
            }
            has = true;
        }
        if (!has)
            continue;
        r.units++;
        if (ind == I_FORMS) {
            for (int k = 0; k < 3; k++)
                r.tags[k] += (v >> k) & 1;
            r.v++;
        } else {
            r.v += v;
        }
    }
    return r;
}

static void gen_values(uint32_t *rng, trec_t *t, vals_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < NIND; i++) {
        if (i == I_RATE || lcg(rng) % 10 < 3)
            continue;
        int64_t x;
        switch (i) {
        case I_PLAN: case I_HOTLINE: x = lcg(rng) % 2; trec_bool(t, IND[i], x); break;
        case I_FORMS: x = lcg(rng) % 8; trec_tags(t, IND[i], (unsigned)x); break;
        default: x = lcg(rng) % 50; trec_int(t, IND[i], x); break;
        }
        out->has[i] = true;
        out->v[i] = x;
    }
}

static void compare_stores(fx_t *a, fx_t *b, const char *what, const char *node, const char *period)
{
    msgpack_sbuffer sa, sb;
    proto_error_t e1, e2;
    msgpack_sbuffer_init(&sa);
    msgpack_sbuffer_init(&sb);
    assert_int_equal(query_raw(a, what, node, "Q", period, NOW, 0, &sa, &e1), 0);
    assert_int_equal(query_raw(b, what, node, "Q", period, NOW, 0, &sb, &e2), 0);
    if (sa.size != sb.size || memcmp(sa.data, sb.data, sa.size))
        fail_msg("%s %s %s differs between the batched and the one-by-one store", what, node, period);
    msgpack_sbuffer_destroy(&sa);
    msgpack_sbuffer_destroy(&sb);
}

static void property_random(void **state)
{
    fx_t *f = *state;
    fx_t g = {0}; /* the second store, fed one record at a time */
    snprintf(g.storedir, sizeof g.storedir, "%s/store2", f->dir);
    g.cat = f->cat;
    g.r = open_store(g.storedir, f->cat, NULL);
    msgpack_unpacked_init(&g.up);
    msgpack_sbuffer_init(&g.sb);

    static cell_t cells[NUNITS][NQ];
    memset(cells, 0, sizeof cells);
    trec_t *recs = calloc(NREC, sizeof *recs);
    assert_non_null(recs);
    uint32_t rng = 20250930;
    int reported[NUNITS * NQ], nrep = 0;
    for (int i = 0; i < NREC; i++) {
        int u, q;
        if (nrep > 0 && lcg(&rng) % 10 < 3) { /* a correction of something reported */
            int k = reported[lcg(&rng) % (uint32_t)nrep];
            u = k / NQ, q = k % NQ;
        } else {
            u = (int)(lcg(&rng) % NUNITS), q = (int)(lcg(&rng) % NQ);
        }
        cell_t *ce = &cells[u][q];
        if (ce->ver == 0)
            reported[nrep++] = u * NQ + q;
        char pc[8];
        period_t p;
        period_parse(qcode(q, pc), &p);
        /* around the deadline: some early, some late */
        int64_t dl = catalog_deadline(f->cat, catalog_dataset(f->cat, "Q"), p);
        int64_t at = dl - 86400 * 20 + (int64_t)(lcg(&rng) % (86400 * 30));
        trec_init(&recs[i], (uint64_t)i + 1, ALL_UNITS[u], "Q", pc, (uint32_t)++ce->ver, at);
        gen_values(&rng, &recs[i], &ce->latest);
        if (ce->ver == 1)
            ce->first_at = at;
    }
    /* store f: random batch sizes; store g: one at a time */
    for (int i = 0; i < NREC;) {
        int n = 1 + (int)(lcg(&rng) % 150);
        if (n > NREC - i)
            n = NREC - i;
        assert_int_equal(apply_n(f->r, recs + i, n, NULL), 0);
        i += n;
    }
    for (int i = 0; i < NREC; i++)
        assert_int_equal(apply_n(g.r, recs + i, 1, NULL), 0);
    assert_int_equal(rollup_applied(f->r), NREC);
    assert_int_equal(rollup_applied(g.r), NREC);

    const char *periods[] = {"2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4",
                             "2025S1", "2025S2", "2026S1", "2026S2", "2025", "2026"};
    const int q0[] = {0, 1, 2, 3, 4, 5, 6, 7, 0, 2, 4, 6, 0, 4}, q1[] = {0, 1, 2, 3, 4, 5, 6, 7, 1, 3, 5, 7, 3, 7};
    int qds = catalog_dataset(f->cat, "Q");
    for (int n = 0; n < NUNITS; n++) {
        int node = catalog_unit(f->cat, ALL_UNITS[n]);
        for (int p = 0; p < 14; p++) {
            compare_stores(f, &g, "rollup", ALL_UNITS[n], periods[p]);
            compare_stores(f, &g, "status", ALL_UNITS[n], periods[p]);
            const msgpack_object *a = query(f, "rollup", ALL_UNITS[n], "Q", periods[p], NOW);
            for (int i = 0; i < NIND; i++) {
                const msgpack_object *e = ind_of(a, IND[i]);
                if (i == I_RATE) {
                    naive_t num = naive(f->cat, cells, node, I_PART, q0[p], q1[p]);
                    naive_t den = naive(f->cat, cells, node, I_STAFF, q0[p], q1[p]);
                    assert_int_equal(geti(e, "num"), num.v);
                    assert_int_equal(geti(e, "den"), den.v);
                    if (den.units == 0 || den.v == 0)
                        assert_true(is_nil(mget(e, "value")));
                    else
                        assert_double_equal(fval(mget(e, "value")), (double)num.v / (double)den.v, 1e-12);
                    continue;
                }
                naive_t want = naive(f->cat, cells, node, i, q0[p], q1[p]);
                assert_int_equal(geti(e, "units"), want.units);
                if (want.units == 0)
                    assert_true(is_nil(mget(e, "value")));
                else
                    assert_int_equal(geti(e, "value"), want.v);
                if (i == I_FORMS)
                    for (int k = 0; k < 3; k++)
                        assert_int_equal(geti(mget(e, "tags"), TAGS[k]), want.tags[k]);
            }
            /* completeness: obligated units of the subtree with a report */
            int64_t rec = 0, ot = 0;
            for (int u = 0; u < NUNITS; u++) {
                int uu = catalog_unit(f->cat, ALL_UNITS[u]);
                if (!catalog_is_ancestor(f->cat, node, uu))
                    continue;
                for (int q = q0[p]; q <= q1[p]; q++) {
                    char pc[8];
                    period_t pq;
                    period_parse(qcode(q, pc), &pq);
                    if (!cells[u][q].ver || !catalog_must_report(f->cat, qds, uu) || !catalog_open_in(f->cat, uu, pq))
                        continue;
                    rec++;
                    ot += cells[u][q].first_at < catalog_deadline(f->cat, qds, pq);
                }
            }
            const msgpack_object *st = query(f, "status", ALL_UNITS[n], "Q", periods[p], NOW);
            assert_int_equal(geti(st, "received"), rec);
            assert_int_equal(geti(st, "on_time"), ot);
            assert_int_equal(geti(st, "late"), rec - ot);
            assert_true(geti(st, "received") <= geti(st, "expected"));
        }
    }
    free(recs);
    rollup_close(&g.r);
    msgpack_unpacked_destroy(&g.up);
    msgpack_sbuffer_destroy(&g.sb);
}

/* ---- 4. completeness -------------------------------------------------- */

static void completeness_deadline(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    /* Q3 2025 is due before 10 September (2025-09-10T00:00+07:00). */
    int64_t deadline = T("2025-09-10T00:00:00+07:00");
    const msgpack_object *st = query(f, "status", "HP", "Q", "2025Q3", T("2025-09-05"));
    assert_int_equal(geti(st, "deadline"), deadline);
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 1), apply1(f, t);
    t = mk(f, "HP.SO.A.P1", "2025Q3", 1, "2025-09-09T23:59:59+07:00"), apply1(f, t);
    t = mk(f, "HP.XA.C", "2025Q3", 1, "2025-09-03"), apply1(f, t);
    t = mk(f, "HP.XA.C", "2025Q3", 2, "2025-09-15"), apply1(f, t); /* a late correction stays on time */
    t = mk(f, "HP", "2025Q3", 1, "2025-09-03"), apply1(f, t);      /* not required: not counted */
    t = mk(f, "HP.XA.OLD", "2025Q3", 1, "2025-09-03"), apply1(f, t); /* closed: not counted */

    /* expected in Q3: A, P1, D1, P2, B, C, NEW = 7 (OLD closed, HP not required) */
    st = query(f, "status", "HP", "Q", "2025Q3", T("2025-09-05"));
    assert_counts(st, 7, 3, 3, 0, 0, 4);
    assert_double_equal(fval(mget(st, "share_on_time")), 3.0 / 7.0, 1e-12);

    /* exactly at the deadline: too late */
    t = mk(f, "HP.SO.B", "2025Q3", 1, "2025-09-10T00:00:00+07:00");
    rollup_outcome_t oc;
    assert_int_equal(apply_n(f->r, t, 1, &oc), 0);
    free(t);
    assert_true(oc.applied);
    assert_false(oc.on_time);
    st = query(f, "status", "HP", "Q", "2025Q3", T("2025-09-20"));
    assert_counts(st, 7, 4, 3, 1, 3, 0);

    /* a subtree */
    st = query(f, "status", "HP.SO.A", "Q", "2025Q3", T("2025-09-20"));
    assert_int_equal(geti(st, "expected"), 4);
    assert_int_equal(geti(st, "received"), 2);
    assert_int_equal(geti(st, "missing"), 2);

    /* the year, asked on 20 September: Q4 has not begun.
     * Q1: 7 (OLD open, NEW not yet), Q2: 6 (OLD closed 1 April), Q3: 7 */
    st = query(f, "status", "HP", "Q", "2025", T("2025-09-20"));
    assert_int_equal(geti(st, "expected"), 20);
    assert_int_equal(geti(st, "received"), 4);
    assert_int_equal(geti(st, "missing"), 16);
    assert_int_equal(geti(st, "pending"), 0);
    assert_int_equal(geti(st, "deadline"), catalog_deadline(f->cat, 0, (period_t){2025, PERIOD_QUARTER, 4}));
    /* once Q4 begins its obligations are pending */
    st = query(f, "status", "HP", "Q", "2025", T("2025-10-02"));
    assert_int_equal(geti(st, "expected"), 27);
    assert_int_equal(geti(st, "pending"), 7);
    /* before the year begins nothing is expected */
    st = query(f, "status", "HP", "Q", "2025", T("2024-12-31"));
    assert_int_equal(geti(st, "expected"), 0);

    /* never above 100%, and the parts always add up */
    const char *ps[] = {"2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025S1", "2025S2", "2025"};
    const int64_t nows[] = {T("2025-01-15"), T("2025-09-05"), T("2025-09-20"), T("2026-06-01")};
    for (int n = 0; n < NUNITS; n++)
        for (int p = 0; p < 7; p++)
            for (int k = 0; k < 4; k++) {
                st = query(f, "status", ALL_UNITS[n], "Q", ps[p], nows[k]);
                int64_t e = geti(st, "expected"), r = geti(st, "received");
                assert_true(r <= e);
                assert_int_equal(geti(st, "missing") + geti(st, "pending") + r, e);
                assert_int_equal(geti(st, "on_time") + geti(st, "late"), r);
                assert_true(fval(mget(st, "share_on_time")) <= 1.0);
            }

    /* the units list of Q3 */
    const msgpack_object *us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-20"));
    const msgpack_object *arr = mget(us, "units");
    assert_int_equal(arr->via.array.size, 7);
    const char *want_code[] = {"HP.SO.A", "HP.SO.A.P1", "HP.SO.A.P1.D1", "HP.SO.A.P2", "HP.SO.B", "HP.XA.C", "HP.XA.NEW"};
    const char *want_st[] = {"on_time", "on_time", "missing", "missing", "late", "on_time", "missing"};
    for (int i = 0; i < 7; i++) {
        const msgpack_object *e = &arr->via.array.ptr[i];
        assert_true(str_is(mget(e, "code"), want_code[i]));
        if (!str_is(mget(e, "status"), want_st[i]))
            fail_msg("%s: status is not %s", want_code[i], want_st[i]);
    }
    assert_int_equal(geti(&arr->via.array.ptr[5], "version"), 2);
    assert_int_equal(geti(&arr->via.array.ptr[5], "received_at"), T("2025-09-03"));
    assert_true(str_is(mget(&arr->via.array.ptr[5], "submitter"), "HP.XA.C"));
    assert_true(str_is(mget(&arr->via.array.ptr[2], "parent"), "HP.SO.A.P1"));
    assert_int_equal(geti(&arr->via.array.ptr[2], "depth"), 3);
    assert_true(is_nil(mget(&arr->via.array.ptr[2], "received_at")));
    const msgpack_object *bk = mget(mget(us, "by_kind"), "xa");
    assert_int_equal(geti(bk, "expected"), 2);
    assert_int_equal(geti(bk, "on_time"), 1);
    assert_int_equal(geti(bk, "missing"), 1);
    bk = mget(mget(us, "by_kind"), "phong");
    assert_int_equal(geti(bk, "expected"), 2);
    /* before the deadline the same units are pending */
    us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-05"));
    assert_true(str_is(mget(&mget(us, "units")->via.array.ptr[2], "status"), "pending"));

    /* filters and pages: matched counts every match, by_kind stays whole */
    struct {
        const char *status, *kind, *search;
        uint64_t offset, limit;
        int64_t matched;
        const char *first; /* first code of the page, NULL: empty page */
        uint32_t n;
    } fl[] = {
        {"missing", "", "", 0, 0, 3, "HP.SO.A.P1.D1", 3},
        {"received", "", "", 0, 0, 4, "HP.SO.A", 4},
        {"late", "", "", 0, 0, 1, "HP.SO.B", 1},
        {"", "xa", "", 0, 0, 2, "HP.XA.C", 2},
        {"", "", "xa.c", 0, 0, 1, "HP.XA.C", 1},   /* ASCII in any case */
        {"", "", "XA C", 0, 0, 1, "HP.XA.C", 1},   /* a space for the code's '.' */
        {"", "", "VIỆT KHÊ", 0, 0, 1, "HP.XA.C", 1}, /* folded: case and marks (fold.h) */
        {"", "", "viet khe", 0, 0, 1, "HP.XA.C", 1},
        {"", "", "doi kiem", 0, 0, 1, "HP.SO.A.P1.D1", 1}, /* Đ: d */
        {"", "", "vietkhe", 0, 0, 0, NULL, 0},
        {"", "", "P1", 0, 0, 2, "HP.SO.A.P1", 2},
        {"", "", "", 2, 3, 7, "HP.SO.A.P1.D1", 3}, /* a page */
        {"", "", "", 6, 3, 7, "HP.XA.NEW", 1},     /* the last, short page */
        {"", "", "", 9, 3, 7, NULL, 0},            /* past the end */
        {"missing", "xa", "", 0, 0, 1, "HP.XA.NEW", 1},
    };
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++) {
        proto_query_t q;
        memset(&q, 0, sizeof q);
        strcpy(q.what, "units");
        strcpy(q.node, "HP");
        strcpy(q.dataset, "Q");
        strcpy(q.period, "2025Q3");
        strcpy(q.status, fl[i].status);
        strcpy(q.kind, fl[i].kind);
        strcpy(q.search, fl[i].search);
        q.offset = fl[i].offset;
        q.limit = fl[i].limit;
        msgpack_sbuffer_destroy(&f->sb);
        msgpack_sbuffer_init(&f->sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &f->sb, msgpack_sbuffer_write);
        proto_error_t err = {0};
        assert_int_equal(rollup_query(f->r, &q, T("2025-09-20"), &pk, &err), 0);
        msgpack_unpacked_destroy(&f->up);
        msgpack_unpacked_init(&f->up);
        size_t off = 0;
        assert_int_equal(msgpack_unpack_next(&f->up, f->sb.data, f->sb.size, &off), MSGPACK_UNPACK_SUCCESS);
        us = &f->up.data;
        arr = mget(us, "units");
        if (geti(us, "matched") != fl[i].matched || arr->via.array.size != fl[i].n)
            fail_msg("filter %zu: matched %lld, page of %u", i, (long long)geti(us, "matched"), arr->via.array.size);
        assert_int_equal(geti(us, "offset"), (int64_t)fl[i].offset);
        if (fl[i].first && !str_is(mget(&arr->via.array.ptr[0], "code"), fl[i].first))
            fail_msg("filter %zu: the page does not start with %s", i, fl[i].first);
        assert_int_equal(geti(mget(mget(us, "by_kind"), "xa"), "expected"), 2);
    }
}

/* The entries of the store's `node` database (the store must be closed);
 * every key must name a unit with children. */
static size_t node_entries(fx_t *f)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    MDB_stat st;
    size_t seen = 0;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_open(env, f->storedir, MDB_RDONLY | MDB_NOTLS, 0640), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "node", 0, &dbi), 0);
    assert_int_equal(mdb_stat(txn, dbi, &st), 0);
    assert_int_equal(mdb_cursor_open(txn, dbi, &cur), 0);
    while (mdb_cursor_get(cur, &k, &v, seen ? MDB_NEXT : MDB_FIRST) == 0) {
        char code[CATALOG_CODE_MAX + 1];
        size_t n = strnlen(k.mv_data, k.mv_size);
        assert_true(n < sizeof code);
        memcpy(code, k.mv_data, n);
        code[n] = '\0';
        int u = catalog_unit(f->cat, code);
        assert_true(u >= 0);
        if (f->cat->units[u].nchildren == 0)
            fail_msg("a node record for the childless unit %s", code);
        seen++;
    }
    assert_int_equal(seen, st.ms_entries);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    return seen;
}

/* The value of indicator `code` for child `child` in a rollup answer. */
static const msgpack_object *child_value(const msgpack_object *ans, const char *child, const char *code)
{
    const msgpack_object *a = mget(ans, "children");
    for (uint32_t i = 0; i < a->via.array.size; i++)
        if (str_is(mget(&a->via.array.ptr[i], "code"), child))
            return mget(mget(&a->via.array.ptr[i], "values"), code);
    fail_msg("child %s not in the answer", child);
    return NULL;
}

static void childless_units(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    /* HP.SO.B: Q1 on time, Q2 late and corrected; Q deadlines are the 10th
     * of the last month */
    t = mk(f, "HP.SO.B", "2025Q1", 1, "2025-03-01"), trec_int(t, "POSTS", 3), trec_int(t, "STAFF", 40),
    trec_tags(t, "FORMS", 5), apply1(f, t);
    t = mk(f, "HP.SO.B", "2025Q2", 1, "2025-08-01"), trec_int(t, "POSTS", 4), apply1(f, t);
    t = mk(f, "HP.SO.B", "2025Q2", 2, "2025-08-05"), trec_int(t, "POSTS", 6), trec_bool(t, "PLAN", true), apply1(f, t);
    t = mk(f, "HP.SO.A.P1.D1", "2025Q1", 1, "2025-03-02"), trec_int(t, "POSTS", 2), apply1(f, t);
    /* closed in Q3: a value, but no obligation and nothing counted */
    t = mk(f, "HP.XA.OLD", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 5), apply1(f, t);
    /* not required to report M: a value, nothing counted */
    t = calloc(1, sizeof *t);
    trec_init(t, ++f->seq, "HP.SO.B", "M", "202501", 1, T("2025-01-05"));
    trec_int(t, "RADIO", 9);
    apply1(f, t);

    /* rollup of a childless unit: its own value, no children */
    const msgpack_object *a = query(f, "rollup", "HP.SO.B", "Q", "2025Q1", NOW);
    assert_int_equal(geti(ind_of(a, "POSTS"), "value"), 3);
    assert_int_equal(geti(ind_of(a, "POSTS"), "units"), 1);
    assert_int_equal(geti(ind_of(a, "STAFF"), "value"), 40);
    assert_int_equal(geti(mget(ind_of(a, "FORMS"), "tags"), "c"), 1);
    assert_int_equal(geti(mget(ind_of(a, "FORMS"), "tags"), "b"), 0);
    assert_true(is_nil(mget(ind_of(a, "PLAN"), "value")));
    assert_int_equal(mget(a, "children")->via.array.size, 0);
    assert_int_equal(rv(f, "HP.SO.B", "2025Q2", "POSTS"), 6);
    assert_int_equal(rv(f, "HP.SO.B", "2025S1", "POSTS"), 9);
    assert_int_equal(rv(f, "HP.SO.B", "2025S1", "STAFF"), 40);
    assert_int_equal(rv(f, "HP.SO.B", "2025", "PLAN"), 1);
    assert_int_equal(rv(f, "HP.SO.B", "2025S2", "POSTS"), NIL);
    assert_int_equal(rv(f, "HP.XA.OLD", "2025", "POSTS"), 5);
    assert_int_equal(rv(f, "HP.XA.C", "2025", "POSTS"), NIL);
    a = query(f, "rollup", "HP.SO.B", "M", "2025Q1", NOW);
    assert_int_equal(geti(ind_of(a, "RADIO"), "value"), 9);

    /* childless units as children: the same values as their own rollup */
    a = query(f, "rollup", "HP", "Q", "2025S1", NOW);
    assert_int_equal(geti(ind_of(a, "POSTS"), "value"), 11);
    assert_int_equal(ival(child_value(a, "HP.SO.B", "POSTS")), 9);
    assert_int_equal(ival(child_value(a, "HP.SO.A", "POSTS")), 2);
    assert_true(is_nil(child_value(a, "HP.XA.C", "POSTS")));
    a = query(f, "rollup", "HP.SO.A.P1", "Q", "2025Q1", NOW);
    assert_int_equal(ival(child_value(a, "HP.SO.A.P1.D1", "POSTS")), 2);
    a = query(f, "rollup", "HP", "Q", "2025", NOW);
    assert_int_equal(ival(child_value(a, "HP.XA.OLD", "POSTS")), 5);

    /* status of a childless unit: its own leaves, counted as apply counts */
    const msgpack_object *st = query(f, "status", "HP.SO.B", "Q", "2025", NOW);
    assert_counts(st, 4, 2, 1, 1, 2, 0);
    st = query(f, "status", "HP.SO.B", "Q", "2025Q2", NOW);
    assert_int_equal(geti(st, "received"), 1);
    assert_int_equal(geti(st, "late"), 1); /* the correction does not count again */
    st = query(f, "status", "HP.XA.OLD", "Q", "2025", NOW);
    assert_int_equal(geti(st, "expected"), 1); /* Q1 only */
    assert_int_equal(geti(st, "received"), 0);
    assert_int_equal(geti(st, "missing"), 1);
    st = query(f, "status", "HP.SO.B", "M", "2025Q1", NOW);
    assert_int_equal(geti(st, "expected"), 0);
    assert_int_equal(geti(st, "received"), 0);
    st = query(f, "status", "HP.SO.A.P1.D1", "Q", "2025Q1", NOW);
    assert_int_equal(geti(st, "received"), 1);
    assert_int_equal(geti(st, "on_time"), 1);
    /* the parents' node records agree */
    st = query(f, "status", "HP", "Q", "2025", NOW);
    assert_int_equal(geti(st, "received"), 3);
    assert_int_equal(geti(st, "on_time"), 2);
    assert_int_equal(geti(st, "late"), 1);
    st = query(f, "status", "HP.SO.A.P1", "Q", "2025Q1", NOW);
    assert_int_equal(geti(st, "received"), 1);

    /* node records only for units with children: HP, HP.SO.A, HP.SO.A.P1 */
    rollup_close(&f->r);
    size_t n = node_entries(f);
    assert_true(n > 0);
    f->r = open_store(f->storedir, f->cat, NULL);
    assert_int_equal(rv(f, "HP.SO.B", "2025S1", "POSTS"), 9);
}

/* ---- 5. targets ------------------------------------------------------- */

/* The entry for unit/indicator in a targets answer. */
static const msgpack_object *target_of(const msgpack_object *ans, const char *unit, const char *ind)
{
    const msgpack_object *a = mget(ans, "targets");
    for (uint32_t i = 0; i < a->via.array.size; i++)
        if (str_is(mget(&a->via.array.ptr[i], "unit"), unit) && str_is(mget(&a->via.array.ptr[i], "indicator"), ind))
            return &a->via.array.ptr[i];
    return NULL;
}

static void targets_yearly(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    t = mk(f, "HP.XA.C", "2025Q1", 1, "2025-03-01"), trec_int(t, "POSTS", 5), apply1(f, t);
    t = mk(f, "HP.XA.C", "2025Q2", 1, "2025-06-01"), trec_int(t, "POSTS", 5), apply1(f, t);
    t = mk(f, "HP.XA.C", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 5), trec_int(t, "RADIO", 7), apply1(f, t);
    const msgpack_object *a = query(f, "targets", "HP", NULL, "2025Q3", NOW);
    const msgpack_object *e = target_of(a, "HP.XA.C", "POSTS");
    assert_non_null(e);
    assert_double_equal(fval(mget(e, "expected_by_now")), 15.0, 1e-9);
    assert_double_equal(fval(mget(e, "actual")), 15.0, 1e-9);
    assert_true(str_is(mget(e, "status"), "on_track"));
    assert_true(str_is(mget(e, "period_type"), "year"));
    assert_double_equal(fval(mget(e, "min")), 20.0, 1e-9);
    assert_true(is_nil(mget(e, "max")));
    /* monthly target asked for a quarter: 2 x 3 months */
    e = target_of(a, "HP.XA.C", "RADIO");
    assert_non_null(e);
    assert_double_equal(fval(mget(e, "expected_by_now")), 6.0, 1e-9);
    assert_double_equal(fval(mget(e, "actual")), 7.0, 1e-9);
    assert_true(str_is(mget(e, "status"), "met"));
    /* one post fewer: behind, and listed first */
    t = mk(f, "HP.XA.C", "2025Q3", 2, "2025-09-02"), trec_int(t, "POSTS", 4), trec_int(t, "RADIO", 5), apply1(f, t);
    a = query(f, "targets", "HP", "Q", "2025Q3", NOW);
    e = target_of(a, "HP.XA.C", "POSTS");
    assert_double_equal(fval(mget(e, "actual")), 14.0, 1e-9);
    assert_true(str_is(mget(e, "status"), "behind"));
    assert_true(str_is(mget(&mget(a, "targets")->via.array.ptr[0], "status"), "behind"));
    e = target_of(a, "HP.XA.C", "RADIO");
    assert_true(str_is(mget(e, "status"), "behind")); /* 5 < 6 */
    /* the whole year: met once Q4 brings the total to 20 */
    t = mk(f, "HP.XA.C", "2025Q4", 1, "2025-12-01"), trec_int(t, "POSTS", 6), apply1(f, t);
    a = query(f, "targets", "HP.XA.C", NULL, "2025", NOW);
    e = target_of(a, "HP.XA.C", "POSTS");
    assert_double_equal(fval(mget(e, "expected_by_now")), 20.0, 1e-9);
    assert_true(str_is(mget(e, "status"), "met"));
    /* RADIO (from 202507) is not in force for the whole year, nor for Q2 */
    assert_null(target_of(a, "HP.XA.C", "RADIO"));
    a = query(f, "targets", "HP", NULL, "2025Q2", NOW);
    assert_null(target_of(a, "HP.XA.C", "RADIO"));
    assert_non_null(target_of(a, "HP.XA.C", "POSTS"));
    /* other years: the 2025 targets are not in force */
    a = query(f, "targets", "HP", NULL, "2026Q1", NOW);
    assert_int_equal(mget(a, "targets")->via.array.size, 0);
    /* a subtree without targets */
    a = query(f, "targets", "HP.SO.A.P1", NULL, "2025Q3", NOW);
    assert_int_equal(mget(a, "targets")->via.array.size, 0);
}

static void targets_rate_and_max(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    /* 100% participation at SO.B: PART summed over the year, STAFF latest */
    t = mk(f, "HP.SO.B", "2025Q1", 1, "2025-03-01"), trec_int(t, "PART", 10), trec_int(t, "STAFF", 40), apply1(f, t);
    t = mk(f, "HP.SO.B", "2025Q3", 1, "2025-09-01"), trec_int(t, "PART", 20), trec_int(t, "STAFF", 40), apply1(f, t);
    const msgpack_object *a = query(f, "targets", "HP", NULL, "2025Q3", NOW);
    const msgpack_object *e = target_of(a, "HP.SO.B", "RATE");
    assert_non_null(e);
    assert_double_equal(fval(mget(e, "actual")), 75.0, 1e-9);
    assert_double_equal(fval(mget(e, "expected_by_now")), 100.0, 1e-9); /* a rate is not pro-rated */
    assert_true(str_is(mget(e, "status"), "behind"));
    t = mk(f, "HP.SO.B", "2025Q3", 2, "2025-09-05"), trec_int(t, "PART", 30), trec_int(t, "STAFF", 40), apply1(f, t);
    a = query(f, "targets", "HP", NULL, "2025Q3", NOW);
    e = target_of(a, "HP.SO.B", "RATE");
    assert_double_equal(fval(mget(e, "actual")), 100.0, 1e-9);
    assert_true(str_is(mget(e, "status"), "on_track"));
    a = query(f, "targets", "HP", NULL, "2025", NOW);
    assert_true(str_is(mget(target_of(a, "HP.SO.B", "RATE"), "status"), "met"));
    /* SO.A: 3..5 posts per quarter; its own value, not its subtree's */
    t = mk(f, "HP.SO.A.P1", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 50), apply1(f, t);
    a = query(f, "targets", "HP", NULL, "2025Q3", NOW);
    e = target_of(a, "HP.SO.A", "POSTS");
    assert_true(str_is(mget(e, "status"), "no_data"));
    assert_true(is_nil(mget(e, "actual")));
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 7), apply1(f, t);
    a = query(f, "targets", "HP", NULL, "2025Q3", NOW);
    e = target_of(a, "HP.SO.A", "POSTS");
    assert_true(str_is(mget(e, "status"), "above_max"));
    assert_double_equal(fval(mget(e, "max")), 5.0, 1e-9);
    /* order: behind, no_data, on_track, above_max, met */
    t = mk(f, "HP.XA.C", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 1), apply1(f, t);
    a = query(f, "targets", "HP", NULL, "2025Q3", NOW);
    const msgpack_object *arr = mget(a, "targets");
    static const char *const rank[] = {"behind", "no_data", "on_track", "above_max", "met"};
    int last = 0;
    for (uint32_t i = 0; i < arr->via.array.size; i++) {
        int k = 0;
        while (k < 5 && !str_is(mget(&arr->via.array.ptr[i], "status"), rank[k]))
            k++;
        assert_true(k < 5);
        assert_true(k >= last);
        last = k;
    }
    assert_int_equal(arr->via.array.size, 4);
    assert_true(str_is(mget(&arr->via.array.ptr[0], "unit"), "HP.XA.C"));
}

/* ---- 6. catalog changes and bad records ------------------------------- */

static void signature_change(void **state)
{
    fx_t *f = *state;
    trec_t *t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01");
    trec_int(t, "POSTS", 1);
    apply1(f, t);
    rollup_close(&f->r);
    /* the same catalog again: no rebuild */
    bool rebuild = true;
    f->r = open_store(f->storedir, f->cat, &rebuild);
    assert_false(rebuild);
    assert_false(rollup_set_catalog(f->r, f->cat));
    rollup_close(&f->r);
    /* a new tag changes the FORMS slots */
    char inds[sizeof INDS_CSV + 8];
    snprintf(inds, sizeof inds, "%s", INDS_CSV);
    char *p = strstr(inds, "a|b|c");
    assert_non_null(p);
    memmove(p + 7, p + 5, strlen(p + 5) + 1);
    memcpy(p, "a|b|c|d", 7);
    char dir2[160];
    snprintf(dir2, sizeof dir2, "%s/catalog2", f->dir);
    mkdir(dir2, 0700);
    catalog_t *c2 = load_catalog(dir2, UNITS_CSV, inds);
    f->r = open_store(f->storedir, c2, &rebuild);
    assert_true(rebuild);
    /* until the reset other queries are refused, info still answers */
    assert_int_equal(query_err(f, "rollup", "HP", "Q", "2025"), PROTO_E_BUSY);
    uint64_t applied = 0;
    assert_int_equal(geti(info(f, &applied), "applied"), 1);
    assert_int_equal(applied, 1);
    /* applying before the reset is refused, nothing changes */
    t = mk(f, "HP.SO.A", "2025Q4", 1, "2025-12-01");
    assert_int_not_equal(apply_n(f->r, t, 1, NULL), 0);
    free(t);
    assert_int_equal(rollup_applied(f->r), 1);
    char err[256];
    assert_int_equal(rollup_reset(f->r, err, sizeof err), 0);
    assert_int_equal(rollup_applied(f->r), 0);
    assert_false(rollup_set_catalog(f->r, c2));
    /* a unit moved to another parent: set_catalog reports it */
    char units[sizeof UNITS_CSV + 8];
    snprintf(units, sizeof units, "%s", UNITS_CSV);
    p = strstr(units, "HP.SO.A.P2,Văn phòng Sở,phong,HP.SO.A,");
    assert_non_null(p);
    memcpy(strstr(p, ",HP.SO.A,"), ",HP.SO.B,", 9);
    char dir3[160];
    snprintf(dir3, sizeof dir3, "%s/catalog3", f->dir);
    mkdir(dir3, 0700);
    catalog_t *c3 = load_catalog(dir3, units, inds);
    assert_true(rollup_set_catalog(f->r, c3));
    assert_int_equal(rollup_reset(f->r, err, sizeof err), 0);
    assert_false(rollup_set_catalog(f->r, c3));
    /* back to the first catalog: changed again */
    assert_true(rollup_set_catalog(f->r, f->cat));
    assert_int_equal(rollup_reset(f->r, err, sizeof err), 0);
    f->seq = 0;
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 2), apply1(f, t);
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), 2);
    catalog_destroy(&c2);
    catalog_destroy(&c3);
}

/* Raw LMDB on the store: put (db, key[0..klen)) -> val, or tell whether db
 * exists (val NULL). */
static int raw_store(const char *dir, const char *db, const char *key, size_t klen, const void *val, size_t len)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 8), 0);
    assert_int_equal(mdb_env_set_mapsize(env, MAP_BYTES), 0);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    int rc = mdb_dbi_open(txn, db, val ? MDB_CREATE : 0, &dbi);
    if (rc == 0 && val) {
        MDB_val k = {klen, (void *)key}, v = {len, (void *)val};
        assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
    return rc;
}

/* A store of the layout before unit values moved into the leaf records
 * (another signature, a "uval" database): rebuilt, and "uval" is gone. */
static void previous_layout(void **state)
{
    fx_t *f = *state;
    trec_t *t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01");
    trec_int(t, "POSTS", 1);
    apply1(f, t);
    rollup_close(&f->r);
    uint64_t old_sig = 42;
    int64_t slots[4] = {1, 1, 0, 0};
    raw_store(f->storedir, "meta", "signature", 9, &old_sig, sizeof old_sig);
    raw_store(f->storedir, "uval", "HP.SO.A", 7, slots, sizeof slots);
    bool rebuild = false;
    f->r = open_store(f->storedir, f->cat, &rebuild);
    assert_true(rebuild);
    char err[256];
    assert_int_equal(rollup_reset(f->r, err, sizeof err), 0);
    assert_int_equal(rollup_applied(f->r), 0);
    rollup_close(&f->r);
    assert_int_equal(raw_store(f->storedir, "uval", NULL, 0, NULL, 0), MDB_NOTFOUND);
    f->r = open_store(f->storedir, f->cat, NULL);
    f->seq = 0;
    t = mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"), trec_int(t, "POSTS", 3), apply1(f, t);
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), 3);
    assert_int_equal(rv(f, "HP", "2025", "POSTS"), 3);
}

/* A leaf record damaged on disk: its old value is unknown, so the next
 * record of that leaf is refused with STORE_E_STALE and the store is
 * stale; after a reset and a replay the rollups are exact again. */
static void damaged_leaf(void **state)
{
    fx_t *f = *state;
    trec_t *t1 = mk(f, "HP.XA.C", "2025Q3", 1, "2025-09-01");
    trec_int(t1, "POSTS", 5);
    apply1(f, t1);
    rollup_close(&f->r);
    period_t p;
    period_parse("2025Q3", &p);
    uint32_t pk = period_key(p);
    char key[32] = "HP.XA.C\0Q\0";
    size_t kl = 10;
    key[kl++] = (char)(pk >> 24), key[kl++] = (char)(pk >> 16), key[kl++] = (char)(pk >> 8), key[kl++] = (char)pk;
    raw_store(f->storedir, "leaf", key, kl, "bad", 3);
    f->r = open_store(f->storedir, f->cat, NULL);
    trec_t *t2 = mk(f, "HP.XA.C", "2025Q3", 2, "2025-09-02");
    trec_int(t2, "POSTS", 7);
    assert_int_equal(apply_n(f->r, t2, 1, NULL), STORE_E_STALE);
    free(t2);
    assert_true(rollup_stale(f->r));
    assert_int_equal(rollup_applied(f->r), 1);
    assert_int_equal(query_err(f, "rollup", "HP", "Q", "2025Q3"), PROTO_E_BUSY);
    char err[256];
    assert_int_equal(rollup_reset(f->r, err, sizeof err), 0);
    assert_false(rollup_stale(f->r));
    f->seq = 0;
    t1 = mk(f, "HP.XA.C", "2025Q3", 1, "2025-09-01"), trec_int(t1, "POSTS", 5), apply1(f, t1);
    t2 = mk(f, "HP.XA.C", "2025Q3", 2, "2025-09-02"), trec_int(t2, "POSTS", 7), apply1(f, t2);
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), 7);
    assert_int_equal(rv(f, "HP", "2025", "POSTS"), 7);
}

static void bad_records_skipped(void **state)
{
    fx_t *f = *state;
    trec_t b[5];
    trec_init(&b[0], ++f->seq, "HP.SO.A", "Q", "2025Q3", 1, T("2025-09-01"));
    trec_int(&b[0], "POSTS", 1);
    trec_init(&b[1], ++f->seq, "HP.NO.SUCH", "Q", "2025Q3", 1, T("2025-09-01")); /* unknown unit */
    trec_int(&b[1], "POSTS", 100);
    trec_init(&b[2], ++f->seq, "HP.SO.B", "NOPE", "2025Q3", 1, T("2025-09-01")); /* unknown dataset */
    trec_int(&b[2], "POSTS", 100);
    trec_init(&b[3], ++f->seq, "HP.SO.B", "Q", "202509", 1, T("2025-09-01")); /* a month for a quarterly dataset */
    trec_int(&b[3], "POSTS", 100);
    trec_init(&b[4], ++f->seq, "HP.XA.C", "Q", "2025Q3", 1, T("2025-09-01"));
    trec_int(&b[4], "POSTS", 2);
    trec_int(&b[4], "NOT_AN_INDICATOR", 5); /* ignored */
    rollup_outcome_t oc[5];
    assert_int_equal(apply_n(f->r, b, 5, oc), 0);
    assert_true(oc[0].applied);
    assert_false(oc[1].applied);
    assert_false(oc[2].applied);
    assert_false(oc[3].applied);
    assert_true(oc[4].applied);
    assert_int_equal(rollup_applied(f->r), f->seq);
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), 3);
    assert_int_equal(ru(f, "HP", "2025Q3", "POSTS"), 2);
    /* the month record is kept in history, under its own period */
    const msgpack_object *h = query(f, "history", "HP.SO.B", "M", "202509", NOW);
    assert_int_equal(mget(h, "versions")->via.array.size, 0); /* another dataset */
    assert_int_equal(query_err(f, "values", "HP.SO.B", "Q", "2025Q3"), PROTO_E_NOT_FOUND);
}

/* A batch being applied on another thread while the catalog is swapped
 * (SIGHUP in the aggregator): the batch finishes with the layouts it began
 * with; nothing is freed under it (run under ASan). */
typedef struct {
    rollup_t *r;
    trec_t *recs;
    int n, batch, failed;
} applier_t;

static void *applier(void *arg)
{
    applier_t *a = arg;
    proto_record_t *recs = calloc((size_t)a->batch, sizeof *recs);
    char err[256];
    for (int i = 0; recs && i < a->n; i += a->batch) {
        int n = a->n - i < a->batch ? a->n - i : a->batch;
        for (int k = 0; k < n; k++) {
            a->recs[i + k].rec.values.items = a->recs[i + k].vals;
            recs[k] = a->recs[i + k].rec;
        }
        if (rollup_apply(a->r, recs, NULL, n, NULL, err, sizeof err))
            a->failed++; /* refused while the layout is marked changed */
    }
    free(recs);
    return NULL;
}

static void swap_while_applying(void **state)
{
    fx_t *f = *state;
    char inds[sizeof INDS_CSV + 8];
    snprintf(inds, sizeof inds, "%s", INDS_CSV);
    char *p = strstr(inds, "a|b|c");
    memmove(p + 7, p + 5, strlen(p + 5) + 1);
    memcpy(p, "a|b|c|d", 7);
    char dir2[160];
    snprintf(dir2, sizeof dir2, "%s/catalog2", f->dir);
    mkdir(dir2, 0700);
    catalog_t *c2 = load_catalog(dir2, UNITS_CSV, inds);
    enum { N = 3000 };
    trec_t *recs = calloc(N, sizeof *recs);
    assert_non_null(recs);
    for (int i = 0; i < N; i++) {
        char pc[8];
        trec_init(&recs[i], (uint64_t)i + 1, ALL_UNITS[i % NUNITS], "Q", qcode(i % NQ, pc), (uint32_t)(i / (NUNITS * NQ)) + 1,
                  T("2025-09-01"));
        trec_int(&recs[i], "POSTS", i % 7);
        trec_tags(&recs[i], "FORMS", (unsigned)i % 8);
    }
    applier_t a = {f->r, recs, N, 50, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, applier, &a), 0);
    for (int k = 0; k < 200; k++) {
        assert_true(rollup_set_catalog(f->r, c2)); /* changed: applying is refused until reset */
        assert_int_equal(query_err(f, "rollup", "HP", "Q", "2025"), PROTO_E_BUSY);
        assert_false(rollup_set_catalog(f->r, f->cat)); /* back: nothing to rebuild */
        query(f, "rollup", "HP", "Q", "2025", NOW);
        query(f, "status", "HP", "Q", "2025", NOW);
    }
    pthread_join(th, NULL);
    /* whatever was refused is applied now, in order */
    uint64_t applied = rollup_applied(f->r);
    if (applied < N)
        assert_int_equal(apply_n(f->r, recs + applied, N - (int)applied, NULL), 0);
    assert_int_equal(rollup_applied(f->r), N);
    int64_t sum = 0;
    for (int i = 0; i < N; i++)
        if (!strcmp(recs[i].rec.period, "2025Q1") || !strcmp(recs[i].rec.period, "2025Q2") ||
            !strcmp(recs[i].rec.period, "2025Q3") || !strcmp(recs[i].rec.period, "2025Q4")) {
            /* only the latest version of each unit/period counts */
            bool latest = true;
            for (int j = i + 1; j < N && latest; j++)
                latest = strcmp(recs[j].rec.unit, recs[i].rec.unit) || strcmp(recs[j].rec.period, recs[i].rec.period);
            if (latest)
                sum += recs[i].vals[0].i;
        }
    assert_int_equal(rv(f, "HP", "2025", "POSTS"), sum);
    free(recs);
    catalog_destroy(&c2);
}

/* ---- 7. queries ------------------------------------------------------- */

static void query_errors(void **state)
{
    fx_t *f = *state;
    assert_int_equal(query_err(f, "rollup", "HP.NO", "Q", "2025Q3"), PROTO_E_UNKNOWN_UNIT);
    assert_int_equal(query_err(f, "rollup", "HP", "NOPE", "2025Q3"), PROTO_E_UNKNOWN_DATASET);
    assert_int_equal(query_err(f, "rollup", "HP", "Q", "202509"), PROTO_E_PERIOD); /* finer than quarter */
    assert_int_equal(query_err(f, "rollup", "HP", "Q", "2025Q5"), PROTO_E_PERIOD);
    assert_int_equal(query_err(f, "rollup", "HP", "Q", ""), PROTO_E_QUERY);
    assert_int_equal(query_err(f, "status", "HP", "Q", "2025-09"), PROTO_E_PERIOD);
    assert_int_equal(query_err(f, "units", "HP", "Q", "2025"), PROTO_E_PERIOD);
    assert_int_equal(query_err(f, "values", "HP.SO.A", "Q", "2025S1"), PROTO_E_PERIOD);
    assert_int_equal(query_err(f, "values", "HP.SO.A", "Q", "2025Q3"), PROTO_E_NOT_FOUND);
    assert_int_equal(query_err(f, "frobnicate", "HP", "Q", "2025Q3"), PROTO_E_QUERY);
    /* defaults: the first root and the first dataset */
    const msgpack_object *a = query(f, "rollup", NULL, NULL, "2025", NOW);
    assert_true(str_is(mget(mget(a, "node"), "code"), "HP"));
    assert_true(str_is(mget(mget(a, "node"), "name"), "Thành phố Hải Phòng"));
    assert_true(str_is(mget(a, "dataset"), "Q"));
    assert_true(str_is(mget(a, "period"), "2025"));
    const msgpack_object *e = ind_of(a, "POSTS");
    assert_true(str_is(mget(e, "name_vi"), "Tin, bài CCHC"));
    assert_true(str_is(mget(e, "kind"), "count"));
    /* info is the aggregator's: the store packs its part, no period needed */
    assert_int_equal(query_err(f, "info", NULL, NULL, NULL), PROTO_E_QUERY);
    uint64_t applied = 99;
    a = info(f, &applied);
    assert_int_equal(applied, 0);
    assert_int_equal(geti(a, "applied"), 0);
    assert_int_equal(geti(a, "units"), NUNITS);
    assert_int_equal(mget(a, "datasets")->via.array.size, 3);
    assert_true(str_is(&mget(a, "datasets")->via.array.ptr[0], "Q"));
    apply1(f, mk(f, "HP.SO.A", "2025Q3", 1, "2025-09-01"));
    a = info(f, &applied);
    assert_int_equal(applied, 1);
    assert_int_equal(geti(a, "applied"), 1);
}

static void values_and_history(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    for (uint32_t v = 1; v <= 5; v++) {
        t = mk(f, "HP.XA.C", "2025Q3", v, "2025-09-01");
        t->rec.received_at += v;
        trec_int(t, "POSTS", v * 10);
        trec_tags(t, "FORMS", 3);
        trec_bool(t, "PLAN", v & 1);
        apply1(f, t);
    }
    const msgpack_object *v = query(f, "values", "HP.XA.C", "Q", "2025Q3", NOW);
    assert_true(str_is(mget(v, "unit"), "HP.XA.C"));
    assert_true(str_is(mget(v, "dataset"), "Q"));
    assert_true(str_is(mget(v, "period"), "2025Q3"));
    assert_int_equal(geti(v, "version"), 5);
    assert_int_equal(geti(v, "seq"), 5);
    assert_true(str_is(mget(v, "id"), "id-5"));
    assert_true(str_is(mget(v, "submitter"), "HP.XA.C"));
    assert_int_equal(geti(v, "received_at"), T("2025-09-01") + 5);
    assert_int_equal(geti(v, "first_received_at"), T("2025-09-01") + 1);
    assert_true(mget(v, "on_time")->via.boolean);
    assert_int_equal(geti(mget(v, "values"), "POSTS"), 50);
    assert_true(mget(mget(v, "values"), "PLAN")->via.boolean);
    assert_int_equal(mget(mget(v, "values"), "FORMS")->via.array.size, 2);
    assert_true(str_is(mget(v, "note"), "ghi chú 5"));
    /* history: newest first, default limit, explicit limit */
    const msgpack_object *h = query(f, "history", "HP.XA.C", "Q", "2025Q3", NOW);
    const msgpack_object *vs = mget(h, "versions");
    assert_int_equal(vs->via.array.size, 5);
    for (uint32_t i = 0; i < 5; i++) {
        assert_int_equal(geti(&vs->via.array.ptr[i], "version"), 5 - i);
        assert_int_equal(geti(mget(&vs->via.array.ptr[i], "values"), "POSTS"), (5 - i) * 10);
    }
    msgpack_sbuffer sb;
    proto_error_t err;
    msgpack_sbuffer_init(&sb);
    assert_int_equal(query_raw(f, "history", "HP.XA.C", "Q", "2025Q3", NOW, 2, &sb, &err), 0);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    vs = mget(&up.data, "versions");
    assert_int_equal(vs->via.array.size, 2);
    assert_int_equal(geti(&vs->via.array.ptr[1], "version"), 4);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    /* neighbours do not leak in */
    h = query(f, "history", "HP.XA.C", "Q", "2025Q2", NOW);
    assert_int_equal(mget(h, "versions")->via.array.size, 0);
    assert_int_equal(query_err(f, "history", "HP.XA", "Q", "2025Q3"), PROTO_E_UNKNOWN_UNIT);
}

static void monthly_chain(void **state)
{
    fx_t *f = *state;
    trec_t *t;
    const char *months[] = {"202501", "202502", "202503", "202507"};
    for (int i = 0; i < 4; i++) {
        t = calloc(1, sizeof *t);
        trec_init(t, ++f->seq, "HP.XA.C", "M", months[i], 1, T("2025-08-01"));
        trec_int(t, "RADIO", i + 1);
        apply1(f, t);
    }
    const msgpack_object *a = query(f, "rollup", "HP", "M", "2025Q1", NOW);
    assert_int_equal(geti(ind_of(a, "RADIO"), "value"), 6);
    a = query(f, "rollup", "HP", "M", "2025", NOW);
    assert_int_equal(geti(ind_of(a, "RADIO"), "value"), 10);
    a = query(f, "rollup", "HP", "M", "202507", NOW);
    assert_int_equal(geti(ind_of(a, "RADIO"), "value"), 4);
    /* status over a quarter of months: 2 xa (C, OLD) in Jan..Mar */
    const msgpack_object *st = query(f, "status", "HP", "M", "2025Q1", NOW);
    assert_int_equal(geti(st, "expected"), 6);
    assert_int_equal(geti(st, "received"), 3);
    assert_int_equal(geti(st, "late"), 3);
    /* the quarterly dataset is untouched */
    assert_int_equal(rv(f, "HP", "2025", "RADIO"), NIL);
}

/* ---- decisions (rollup-8.x) --------------------------------------------- */

/* A decision record on (unit, ds, period): approve / return of a version,
 * extend to a day, silence / unsilence. */
static trec_t *mkdec(fx_t *f, const char *decision, const char *unit, const char *ds, const char *period,
                     uint32_t version, const char *received, const char *due, const char *note, const char *by)
{
    trec_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    trec_init(t, ++f->seq, unit, ds, period, version, T(received));
    snprintf(t->rec.decision, sizeof t->rec.decision, "%s", decision);
    snprintf(t->rec.due, sizeof t->rec.due, "%s", due ? due : "");
    snprintf(t->rec.note, sizeof t->rec.note, "%s", note ? note : "");
    snprintf(t->rec.entered_by, sizeof t->rec.entered_by, "%s", by ? by : "");
    snprintf(t->rec.submitter, sizeof t->rec.submitter, "HP");
    return t;
}

/* Applies one decision; returns whether it changed something. */
static bool decide(fx_t *f, trec_t *t)
{
    rollup_outcome_t oc;
    assert_int_equal(apply_n(f->r, t, 1, &oc), 0);
    assert_true(oc.decision);
    free(t);
    return oc.applied;
}

/* A quarterly report of unit with POSTS = posts (and STAFF = staff). */
static void report(fx_t *f, const char *unit, const char *period, uint32_t version, const char *received,
                   int64_t posts, int64_t staff)
{
    trec_t *t = mk(f, unit, period, version, received);
    trec_int(t, "POSTS", posts);
    trec_int(t, "STAFF", staff);
    apply1(f, t);
}

static const char *sget(const msgpack_object *o, const char *key, char *buf, size_t len)
{
    const msgpack_object *v = mget(o, key);
    if (v->type != MSGPACK_OBJECT_STR)
        fail_msg("%s is not a string", key);
    snprintf(buf, len, "%.*s", (int)v->via.str.size, v->via.str.ptr);
    return buf;
}

static bool has_key(const msgpack_object *o, const char *key)
{
    for (uint32_t i = 0; i < o->via.map.size; i++)
        if (str_is(&o->via.map.ptr[i].key, key))
            return true;
    return false;
}

/* The approval counters of a status answer. */
static void assert_approval(const msgpack_object *st, int64_t approved, int64_t awaiting, int64_t returned)
{
    assert_int_equal(geti(st, "approved"), approved);
    assert_int_equal(geti(st, "awaiting"), awaiting);
    assert_int_equal(geti(st, "returned"), returned);
}

/* The unit_status of code in a units answer. */
static const msgpack_object *unit_of(const msgpack_object *us, const char *code)
{
    const msgpack_object *arr = mget(us, "units");
    for (uint32_t i = 0; i < arr->via.array.size; i++)
        if (str_is(mget(&arr->via.array.ptr[i], "code"), code))
            return &arr->via.array.ptr[i];
    fail_msg("%s is not in the units answer", code);
    return NULL;
}

static void approval_cycle(void **state)
{
    fx_t *f = *state;
    char buf[256];
    const char *D1 = "HP.SO.A.P1.D1"; /* childless, under HP.SO.A (a node record) */
    report(f, D1, "2025Q3", 1, "2025-09-01", 10, 100);
    report(f, "HP.SO.B", "2025Q3", 1, "2025-09-02", 5, 50);
    const msgpack_object *v = query(f, "values", D1, "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "awaiting");
    assert_false(has_key(v, "approved_version") || has_key(v, "decided_by") || has_key(v, "due") ||
                 has_key(v, "silenced"));
    assert_approval(query(f, "status", "HP", "Q", "2025Q3", NOW), 0, 2, 0);

    /* returned with a comment, by a user through the gateway */
    assert_true(decide(f, mkdec(f, "return", D1, "Q", "2025Q3", 1, "2025-09-03", NULL, "Thiếu số liệu quý", "ng.van.a")));
    v = query(f, "values", D1, "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "returned");
    assert_string_equal(sget(v, "decided_by", buf, sizeof buf), "ng.van.a");
    assert_string_equal(sget(v, "decision_note", buf, sizeof buf), "Thiếu số liệu quý");
    const char *nodes[] = {"HP", "HP.SO.A", "HP.SO.A.P1", D1};
    for (int i = 0; i < 4; i++)
        assert_approval(query(f, "status", nodes[i], "Q", "2025Q3", NOW), 0, i == 0 ? 1 : 0, 1);
    assert_approval(query(f, "status", "HP", "Q", "2025", NOW), 0, 1, 1);

    /* the correction awaits again */
    report(f, D1, "2025Q3", 2, "2025-09-04", 12, 100);
    v = query(f, "values", D1, "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "awaiting");
    assert_false(has_key(v, "decided_by"));
    assert_approval(query(f, "status", "HP.SO.A", "Q", "2025Q3", NOW), 0, 1, 0);

    /* approved (by the key's unit: no user) */
    assert_true(decide(f, mkdec(f, "approve", D1, "Q", "2025Q3", 2, "2025-09-05", NULL, "", NULL)));
    v = query(f, "values", D1, "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "approved");
    assert_int_equal(geti(v, "approved_version"), 2);
    assert_string_equal(sget(v, "decided_by", buf, sizeof buf), "HP");
    for (int i = 0; i < 4; i++)
        assert_approval(query(f, "status", nodes[i], "Q", "2025Q3", NOW), 1, i == 0 ? 1 : 0, 0);
    /* received, on time and late are those of reports, untouched */
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", NOW), 7, 2, 2, 0, 5, 0);

    /* the units answer: approval per unit, counters per kind, the filter */
    const msgpack_object *us = query(f, "units", "HP", "Q", "2025Q3", NOW);
    assert_string_equal(sget(unit_of(us, D1), "approval", buf, sizeof buf), "approved");
    assert_string_equal(sget(unit_of(us, "HP.SO.B"), "approval", buf, sizeof buf), "awaiting");
    assert_false(has_key(unit_of(us, "HP.XA.C"), "approval"));
    const msgpack_object *so = mget(mget(us, "by_kind"), "so"), *dv = mget(mget(us, "by_kind"), "don_vi");
    assert_int_equal(geti(so, "awaiting"), 1);
    assert_int_equal(geti(so, "approved"), 0);
    assert_int_equal(geti(dv, "approved"), 1);
    assert_int_equal(geti(dv, "returned"), 0);
    const char *filters[] = {"awaiting", "approved", "returned"};
    const char *only[] = {"HP.SO.B", D1, NULL};
    for (int i = 0; i < 3; i++) {
        f->status = filters[i];
        us = query(f, "units", "HP", "Q", "2025Q3", NOW);
        assert_int_equal(geti(us, "matched"), only[i] ? 1 : 0);
        if (only[i])
            assert_true(str_is(mget(&mget(us, "units")->via.array.ptr[0], "code"), only[i]));
    }
    f->status = NULL;

    /* a further correction: awaiting again, the approved version stays 2 */
    report(f, D1, "2025Q3", 3, "2025-09-06", 20, 100);
    v = query(f, "values", D1, "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "awaiting");
    assert_int_equal(geti(v, "approved_version"), 2);
    assert_approval(query(f, "status", "HP", "Q", "2025Q3", NOW), 0, 2, 0);

    /* which version counts over approved data: version 2 (12) until the
     * correction (20) is approved; the latest versions' rollups see 20 */
    f->approved = true;
    assert_int_equal(rv(f, "HP.SO.A", "2025Q3", "POSTS"), 12);
    assert_int_equal(rv(f, D1, "2025", "POSTS"), 12);
    assert_int_equal(rv(f, "HP", "2025S2", "POSTS"), 12); /* HP.SO.B was never approved */
    f->approved = false;
    assert_int_equal(rv(f, "HP", "2025S2", "POSTS"), 25);
    assert_true(decide(f, mkdec(f, "approve", D1, "Q", "2025Q3", 3, "2025-09-07", NULL, "", NULL)));
    f->approved = true;
    assert_int_equal(rv(f, "HP", "2025", "POSTS"), 20);
    /* a change of mind on version 3: back to version 2's values */
    assert_true(decide(f, mkdec(f, "return", D1, "Q", "2025Q3", 3, "2025-09-08", NULL, "nhầm", NULL)));
    assert_int_equal(rv(f, "HP", "2025", "POSTS"), 12);
    assert_int_equal(rv(f, "HP.SO.A.P1", "2025Q3", "STAFF"), 100);
    f->approved = false;
    v = query(f, "values", D1, "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "returned");
    assert_int_equal(geti(v, "approved_version"), 2);
    assert_approval(query(f, "status", "HP", "Q", "2025Q3", NOW), 0, 1, 1);
}

static void stale_decisions(void **state)
{
    fx_t *f = *state;
    char buf[256];
    /* a decision on a report not received: kept, changes nothing */
    assert_false(decide(f, mkdec(f, "approve", "HP.SO.B", "Q", "2025Q3", 1, "2025-09-01", NULL, "", NULL)));
    assert_int_equal(query_err(f, "values", "HP.SO.B", "Q", "2025Q3"), PROTO_E_NOT_FOUND);
    report(f, "HP.SO.B", "2025Q3", 1, "2025-09-02", 5, 50);
    report(f, "HP.SO.B", "2025Q3", 2, "2025-09-03", 6, 50);
    /* version 1 is no longer the latest */
    assert_false(decide(f, mkdec(f, "approve", "HP.SO.B", "Q", "2025Q3", 1, "2025-09-04", NULL, "", "a")));
    assert_false(decide(f, mkdec(f, "return", "HP.SO.B", "Q", "2025Q3", 1, "2025-09-04", NULL, "cũ", "a")));
    const msgpack_object *v = query(f, "values", "HP.SO.B", "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "awaiting");
    assert_false(has_key(v, "approved_version"));
    f->approved = true;
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), NIL);
    f->approved = false;
    /* approved; the same decision again changes nothing */
    assert_true(decide(f, mkdec(f, "approve", "HP.SO.B", "Q", "2025Q3", 2, "2025-09-05", NULL, "đạt", "b")));
    assert_false(decide(f, mkdec(f, "approve", "HP.SO.B", "Q", "2025Q3", 2, "2025-09-06", NULL, "", "c")));
    f->approved = true;
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), 6);
    f->approved = false;
    /* a change of mind: returned after all -- the approval is withdrawn
     * (no version approved before it: nothing counts as approved) */
    assert_true(decide(f, mkdec(f, "return", "HP.SO.B", "Q", "2025Q3", 2, "2025-09-06", NULL, "sai", "c")));
    assert_false(decide(f, mkdec(f, "return", "HP.SO.B", "Q", "2025Q3", 2, "2025-09-06", NULL, "sai", "c")));
    v = query(f, "values", "HP.SO.B", "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "returned");
    assert_false(has_key(v, "approved_version"));
    assert_approval(query(f, "status", "HP", "Q", "2025Q3", NOW), 0, 0, 1);
    f->approved = true;
    assert_int_equal(rv(f, "HP", "2025Q3", "POSTS"), NIL);
    f->approved = false;
    /* and approved again */
    assert_true(decide(f, mkdec(f, "approve", "HP.SO.B", "Q", "2025Q3", 2, "2025-09-07", NULL, "đạt", "b")));
    v = query(f, "values", "HP.SO.B", "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "approved");
    assert_string_equal(sget(v, "decided_by", buf, sizeof buf), "b");
    assert_string_equal(sget(v, "decision_note", buf, sizeof buf), "đạt");
    assert_approval(query(f, "status", "HP", "Q", "2025Q3", NOW), 1, 0, 0);
    /* unknown decision, unknown unit: kept in their history only */
    assert_false(decide(f, mkdec(f, "bless", "HP.SO.B", "Q", "2025Q3", 2, "2025-09-08", NULL, "", NULL)));
    assert_false(decide(f, mkdec(f, "approve", "HP.NO.SUCH", "Q", "2025Q3", 1, "2025-09-08", NULL, "", NULL)));
    assert_approval(query(f, "status", "HP", "Q", "2025Q3", NOW), 1, 0, 0);

    /* history: every decision on the report, newest first, besides the versions */
    const msgpack_object *h = query(f, "history", "HP.SO.B", "Q", "2025Q3", NOW);
    assert_int_equal(mget(h, "versions")->via.array.size, 2);
    const msgpack_object *ds = mget(h, "decisions");
    static const char *const want[] = {"bless",  "approve", "return", "return", "approve",
                                       "approve", "return",  "approve", "approve"};
    assert_int_equal(ds->via.array.size, 9);
    for (uint32_t i = 0; i < 9; i++) {
        const msgpack_object *d = &ds->via.array.ptr[i];
        assert_string_equal(sget(d, "decision", buf, sizeof buf), want[i]);
        if (i > 0)
            assert_true(geti(d, "seq") < geti(&ds->via.array.ptr[i - 1], "seq"));
    }
    const msgpack_object *first = &ds->via.array.ptr[5]; /* the first approval of version 2 */
    assert_int_equal(geti(first, "version"), 2);
    assert_string_equal(sget(first, "entered_by", buf, sizeof buf), "b");
    assert_string_equal(sget(first, "submitter", buf, sizeof buf), "HP");
    assert_string_equal(sget(first, "note", buf, sizeof buf), "đạt");
    assert_int_equal(geti(first, "received_at"), T("2025-09-05"));
    assert_false(has_key(first, "due"));
    assert_false(has_key(&ds->via.array.ptr[0], "entered_by"));
    /* the history of the unknown unit holds its decision */
    assert_int_equal(query_err(f, "history", "HP.NO.SUCH", "Q", "2025Q3"), PROTO_E_UNKNOWN_UNIT);
}

static void extension_before_arrival(void **state)
{
    fx_t *f = *state;
    char buf[256];
    int64_t own = T("2025-09-21T00:00:00+07:00"); /* the end of 2025-09-20 */
    assert_true(decide(f, mkdec(f, "extend", "HP.SO.B", "Q", "2025Q3", 0, "2025-09-05", "2025-09-20",
                                "Mất điện kéo dài", "ng.van.b")));
    /* after the dataset's deadline, before its own: pending, not missing */
    const msgpack_object *st = query(f, "status", "HP", "Q", "2025Q3", T("2025-09-15"));
    assert_counts(st, 7, 0, 0, 0, 6, 1);
    assert_int_equal(geti(st, "extended"), 1);
    st = query(f, "status", "HP.SO.B", "Q", "2025", T("2025-09-15"));
    assert_counts(st, 3, 0, 0, 0, 2, 1); /* Q1, Q2 missing; Q3 pending; Q4 not begun */
    assert_int_equal(geti(st, "extended"), 1);
    const msgpack_object *us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-15"));
    const msgpack_object *b = unit_of(us, "HP.SO.B");
    assert_string_equal(sget(b, "status", buf, sizeof buf), "pending");
    assert_int_equal(geti(b, "due"), own);
    assert_string_equal(sget(b, "due_reason", buf, sizeof buf), "Mất điện kéo dài");
    assert_false(has_key(unit_of(us, "HP.XA.C"), "due"));
    assert_int_equal(geti(mget(mget(us, "by_kind"), "so"), "pending"), 1);
    assert_int_equal(geti(mget(mget(us, "by_kind"), "so"), "missing"), 1);
    /* before the dataset's deadline both are pending; after its own, missing */
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", T("2025-09-05")), 7, 0, 0, 0, 0, 7);
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", T("2025-09-22")), 7, 0, 0, 0, 7, 0);
    us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-22"));
    assert_string_equal(sget(unit_of(us, "HP.SO.B"), "status", buf, sizeof buf), "missing");

    /* it arrives after the dataset's deadline, before its own: on time */
    report(f, "HP.SO.B", "2025Q3", 1, "2025-09-18", 5, 50);
    report(f, "HP.XA.C", "2025Q3", 1, "2025-09-18", 5, 50);
    st = query(f, "status", "HP", "Q", "2025Q3", T("2025-09-25"));
    assert_counts(st, 7, 2, 1, 1, 5, 0);
    assert_int_equal(geti(st, "extended"), 1);
    const msgpack_object *v = query(f, "values", "HP.SO.B", "Q", "2025Q3", NOW);
    assert_true(mget(v, "on_time")->via.boolean);
    assert_int_equal(geti(v, "due"), own);
    us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-25"));
    assert_string_equal(sget(unit_of(us, "HP.SO.B"), "status", buf, sizeof buf), "on_time");
    assert_string_equal(sget(unit_of(us, "HP.XA.C"), "status", buf, sizeof buf), "late");
    /* the history shows the extension with its day */
    const msgpack_object *d = &mget(query(f, "history", "HP.SO.B", "Q", "2025Q3", NOW), "decisions")->via.array.ptr[0];
    assert_string_equal(sget(d, "decision", buf, sizeof buf), "extend");
    assert_string_equal(sget(d, "due", buf, sizeof buf), "2025-09-20");
    assert_int_equal(geti(d, "version"), 0);
}

static void extension_after_arrival(void **state)
{
    fx_t *f = *state;
    const char *D1 = "HP.SO.A.P1.D1";
    report(f, D1, "2025Q3", 1, "2025-09-15", 10, 100);      /* late: the deadline was 2025-09-10 */
    report(f, "HP.SO.B", "2025Q3", 1, "2025-09-15", 5, 50); /* late, never extended */
    report(f, D1, "2025Q2", 1, "2025-06-01", 1, 1);         /* on time, another quarter */
    const char *nodes[] = {"HP", "HP.SO.A", "HP.SO.A.P1", D1};
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", NOW), 7, 2, 0, 2, 5, 0);
    /* extended after it arrived: late -> on time, everywhere, once */
    assert_true(decide(f, mkdec(f, "extend", D1, "Q", "2025Q3", 0, "2025-09-16", "2025-09-20", "Lũ lụt", "x")));
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", NOW), 7, 2, 1, 1, 5, 0);
    for (int i = 1; i < 4; i++)
        assert_counts(query(f, "status", nodes[i], "Q", "2025Q3", NOW), i == 1 ? 4 : i == 2 ? 2 : 1, 1, 1, 0,
                      i == 1 ? 3 : i == 2 ? 1 : 0, 0);
    assert_counts(query(f, "status", "HP.SO.A", "Q", "2025", NOW), 16, 2, 2, 0, 14, 0);
    assert_true(mget(query(f, "values", D1, "Q", "2025Q3", NOW), "on_time")->via.boolean);
    /* extended again to a day before it arrived: the latest extension wins */
    assert_true(decide(f, mkdec(f, "extend", D1, "Q", "2025Q3", 0, "2025-09-17", "2025-09-12", "sửa", "x")));
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", NOW), 7, 2, 0, 2, 5, 0);
    assert_counts(query(f, "status", "HP.SO.A", "Q", "2025", NOW), 16, 2, 1, 1, 14, 0);
    assert_true(decide(f, mkdec(f, "extend", D1, "Q", "2025Q3", 0, "2025-09-18", "2025-09-30", "lần 3", "x")));
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", NOW), 7, 2, 1, 1, 5, 0);
    /* the same extension twice changes nothing more */
    decide(f, mkdec(f, "extend", D1, "Q", "2025Q3", 0, "2025-09-19", "2025-09-30", "lần 4", "x"));
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", NOW), 7, 2, 1, 1, 5, 0);
    assert_int_equal(geti(query(f, "status", "HP", "Q", "2025Q3", NOW), "extended"), 1);
    /* a correction keeps the first version's timeliness */
    report(f, D1, "2025Q3", 2, "2025-10-15", 11, 100);
    assert_counts(query(f, "status", "HP", "Q", "2025Q3", NOW), 7, 2, 1, 1, 5, 0);
}

static void silences(void **state)
{
    fx_t *f = *state;
    report(f, "HP.SO.B", "2025Q3", 1, "2025-09-01", 5, 50);
    snap_t before, after;
    snapshot(f, &before);
    assert_true(decide(f, mkdec(f, "silence", "HP.XA.C", "Q", "2025Q3", 0, "2025-09-11", NULL, "đã gọi điện", "a")));
    assert_true(decide(f, mkdec(f, "silence", "HP.SO.B", "Q", "2025Q3", 0, "2025-09-11", NULL, "", "a")));
    assert_true(decide(f, mkdec(f, "silence", "HP", "Q", "2025Q3", 0, "2025-09-11", NULL, "", "a"))); /* no obligation */
    assert_false(decide(f, mkdec(f, "silence", "HP.XA.C", "Q", "2025Q3", 0, "2025-09-12", NULL, "", "a")));
    const msgpack_object *st = query(f, "status", "HP", "Q", "2025Q3", T("2025-09-20"));
    assert_counts(st, 7, 1, 1, 0, 6, 0);
    assert_int_equal(geti(st, "silenced"), 2);
    assert_int_equal(geti(st, "extended"), 0);
    assert_int_equal(geti(query(f, "status", "HP", "Q", "2025", T("2025-09-20")), "silenced"), 2);
    const msgpack_object *us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-20"));
    assert_true(mget(unit_of(us, "HP.XA.C"), "silenced")->via.boolean);
    assert_false(has_key(unit_of(us, "HP.XA.NEW"), "silenced"));
    assert_false(has_key(unit_of(us, "HP.XA.C"), "due"));
    assert_true(mget(query(f, "values", "HP.SO.B", "Q", "2025Q3", NOW), "silenced")->via.boolean);
    snapshot(f, &after);
    assert_memory_equal(&before, &after, sizeof before); /* no rollup moved */
    assert_true(decide(f, mkdec(f, "unsilence", "HP.XA.C", "Q", "2025Q3", 0, "2025-09-13", NULL, "", "a")));
    assert_false(decide(f, mkdec(f, "unsilence", "HP.XA.C", "Q", "2025Q3", 0, "2025-09-14", NULL, "", "a")));
    assert_int_equal(geti(query(f, "status", "HP", "Q", "2025Q3", T("2025-09-20")), "silenced"), 1);
    us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-20"));
    assert_false(has_key(unit_of(us, "HP.XA.C"), "silenced"));
    /* silenced and extended: unsilencing keeps the extension */
    decide(f, mkdec(f, "extend", "HP.XA.C", "Q", "2025Q3", 0, "2025-09-15", "2025-09-25", "lý do", "a"));
    decide(f, mkdec(f, "silence", "HP.XA.C", "Q", "2025Q3", 0, "2025-09-16", NULL, "", "a"));
    decide(f, mkdec(f, "unsilence", "HP.XA.C", "Q", "2025Q3", 0, "2025-09-17", NULL, "", "a"));
    us = query(f, "units", "HP", "Q", "2025Q3", T("2025-09-20"));
    char buf[64];
    assert_string_equal(sget(unit_of(us, "HP.XA.C"), "due_reason", buf, sizeof buf), "lý do");
    assert_false(has_key(unit_of(us, "HP.XA.C"), "silenced"));
}

/* Approved-only rollups equal a hand sum over the latest approved version
 * of each report, at every node and period of 2025; the rollups of the
 * latest versions stay those of the latest versions. */
typedef struct {
    uint32_t ver;
    int state;               /* the latest version: 0 awaiting, 1 approved, 2 returned */
    int64_t posts, staff;    /* the latest version's */
    bool appr;               /* a version is approved */
    int64_t aposts, astaff;  /* the latest approved version's */
    bool prev;               /* the version approved before it (a withdrawal falls back to it) */
    int64_t pposts, pstaff;
} acell_t;

static void hand_sum(const catalog_t *c, acell_t cells[][4], int node, int p, bool approved, int64_t *posts,
                     int64_t *staff, int64_t *units)
{
    static const int q0[NP25] = {0, 1, 2, 3, 0, 2, 0}, q1[NP25] = {0, 1, 2, 3, 1, 3, 3};
    const unit_t *n = &c->units[catalog_unit(c, ALL_UNITS[node])];
    *posts = *staff = *units = 0;
    for (int u = 0; u < NUNITS; u++) {
        int pos = c->units[catalog_unit(c, ALL_UNITS[u])].subtree_first;
        if (pos < n->subtree_first || pos >= n->subtree_end)
            continue;
        bool any = false;
        int64_t last = 0;
        for (int q = q0[p]; q <= q1[p]; q++) {
            const acell_t *x = &cells[u][q];
            if (approved ? !x->appr : x->ver == 0)
                continue;
            any = true;
            *posts += approved ? x->aposts : x->posts;
            last = approved ? x->astaff : x->staff; /* a stock: the latest quarter's */
        }
        *units += any;
        *staff += last;
    }
}

static void approved_only(void **state)
{
    fx_t *f = *state;
    static acell_t cells[NUNITS][4];
    memset(cells, 0, sizeof cells);
    uint32_t rng = 20251205;
    char qc[8];
    for (int step = 0; step < 400; step++) {
        int u = (int)(lcg(&rng) % NUNITS), q = (int)(lcg(&rng) % 4), action = (int)(lcg(&rng) % 4);
        acell_t *x = &cells[u][q];
        qcode(q, qc);
        if (x->ver == 0 || action == 0) {
            x->ver++;
            x->state = 0;
            x->posts = lcg(&rng) % 100;
            x->staff = lcg(&rng) % 1000;
            report(f, ALL_UNITS[u], qc, x->ver, "2025-09-01", x->posts, x->staff);
        } else {
            /* now and then a decision on an older version: ignored; the
             * same decision twice: ignored; a change of mind applies */
            uint32_t ver = lcg(&rng) % 5 == 0 ? x->ver - 1 : x->ver;
            int want = action == 3 ? 2 : 1;
            bool applies = ver == x->ver && x->state != want;
            bool ok = decide(f, mkdec(f, want == 2 ? "return" : "approve", ALL_UNITS[u], "Q", qc, ver, "2025-09-02",
                                      NULL, "", NULL));
            assert_int_equal(ok, applies);
            if (applies && want == 1) {
                x->prev = x->appr;
                x->pposts = x->aposts;
                x->pstaff = x->astaff;
                x->appr = true;
                x->aposts = x->posts;
                x->astaff = x->staff;
            } else if (applies && x->state == 1) {
                x->appr = x->prev;
                x->aposts = x->pposts;
                x->astaff = x->pstaff;
                x->prev = false;
            }
            if (applies)
                x->state = want;
        }
        if (step % 100 != 99)
            continue;
        for (int a = 0; a < 2; a++) {
            f->approved = a;
            for (int n = 0; n < NUNITS; n++)
                for (int p = 0; p < NP25; p++) {
                    int64_t posts, staff, units;
                    hand_sum(f->cat, cells, n, p, a, &posts, &staff, &units);
                    const msgpack_object *ans = query(f, "rollup", ALL_UNITS[n], "Q", PERIODS_2025[p], NOW);
                    const msgpack_object *pv = mget(ind_of(ans, "POSTS"), "value");
                    const msgpack_object *sv = mget(ind_of(ans, "STAFF"), "value");
                    if (geti(ind_of(ans, "POSTS"), "units") != units || (units ? ival(pv) != posts : !is_nil(pv)) ||
                        (units ? ival(sv) != staff : !is_nil(sv)))
                        fail_msg("step %d %s %s %s: POSTS %lld STAFF %lld units %lld, by hand %lld %lld %lld", step,
                                 a ? "approved" : "latest", ALL_UNITS[n], PERIODS_2025[p],
                                 is_nil(pv) ? -1LL : (long long)ival(pv), is_nil(sv) ? -1LL : (long long)ival(sv),
                                 (long long)geti(ind_of(ans, "POSTS"), "units"), (long long)posts, (long long)staff,
                                 (long long)units);
                }
        }
        f->approved = false;
    }
    /* targets over approved data: HP.SO.A POSTS per quarter, from its own approved report */
    f->approved = true;
    const msgpack_object *t = target_of(query(f, "targets", "HP.SO.A", NULL, "2025Q3", NOW), "HP.SO.A", "POSTS");
    const acell_t *x = &cells[1][2];
    if (x->appr)
        assert_double_equal(fval(mget(t, "actual")), (double)x->aposts, 1e-9);
    else
        assert_true(is_nil(mget(t, "actual")));
    f->approved = false;
}

static void on_time_by_approval(void **state)
{
    fx_t *f = *state;
    char buf[64];
    assert_int_equal(f->cat->datasets[catalog_dataset(f->cat, "QA")].on_time_by, ON_TIME_BY_APPROVAL);
    assert_int_equal(f->cat->datasets[catalog_dataset(f->cat, "Q")].on_time_by, ON_TIME_BY_SUBMISSION);
    /* deadline 2025-09-10 00:00 +07; so and xa must report: HP.SO.A, HP.SO.B, HP.XA.C, HP.XA.NEW */
    static const char *const units[] = {"HP.SO.A", "HP.SO.B", "HP.XA.C"};
    for (int i = 0; i < 3; i++) {
        trec_t *t = calloc(1, sizeof *t);
        trec_init(t, ++f->seq, units[i], "QA", "2025Q3", 1, T("2025-09-01"));
        trec_int(t, "POSTS", 1);
        apply1(f, t);
    }
    /* received before the deadline, not approved yet: not on time */
    assert_counts(query(f, "status", "HP", "QA", "2025Q3", NOW), 4, 3, 0, 3, 1, 0);
    /* approved before the deadline: on time */
    decide(f, mkdec(f, "approve", "HP.SO.A", "QA", "2025Q3", 1, "2025-09-05", NULL, "", NULL));
    /* returned before, approved after the deadline: late */
    decide(f, mkdec(f, "return", "HP.SO.B", "QA", "2025Q3", 1, "2025-09-05", NULL, "sai", NULL));
    trec_t *t = calloc(1, sizeof *t);
    trec_init(t, ++f->seq, "HP.SO.B", "QA", "2025Q3", 2, T("2025-09-08"));
    trec_int(t, "POSTS", 2);
    apply1(f, t);
    decide(f, mkdec(f, "approve", "HP.SO.B", "QA", "2025Q3", 2, "2025-09-12", NULL, "", NULL));
    const msgpack_object *st = query(f, "status", "HP", "QA", "2025Q3", NOW);
    assert_counts(st, 4, 3, 1, 2, 1, 0);
    assert_approval(st, 2, 1, 0);
    /* the first approval decides: a correction approved later changes nothing */
    t = calloc(1, sizeof *t);
    trec_init(t, ++f->seq, "HP.SO.A", "QA", "2025Q3", 2, T("2025-09-20"));
    trec_int(t, "POSTS", 3);
    apply1(f, t);
    decide(f, mkdec(f, "approve", "HP.SO.A", "QA", "2025Q3", 2, "2025-09-21", NULL, "", NULL));
    assert_counts(query(f, "status", "HP", "QA", "2025Q3", NOW), 4, 3, 1, 2, 1, 0);
    /* an extension past the approval day makes HP.SO.B on time; one for
     * HP.XA.C changes nothing until it is approved before it */
    decide(f, mkdec(f, "extend", "HP.SO.B", "QA", "2025Q3", 0, "2025-09-13", "2025-09-15", "bão", NULL));
    decide(f, mkdec(f, "extend", "HP.XA.C", "QA", "2025Q3", 0, "2025-09-13", "2025-09-30", "bão", NULL));
    assert_counts(query(f, "status", "HP", "QA", "2025Q3", NOW), 4, 3, 2, 1, 1, 0);
    decide(f, mkdec(f, "approve", "HP.XA.C", "QA", "2025Q3", 1, "2025-09-25", NULL, "", NULL));
    assert_counts(query(f, "status", "HP", "QA", "2025Q3", NOW), 4, 3, 3, 0, 1, 0);
    const msgpack_object *us = query(f, "units", "HP", "QA", "2025Q3", NOW);
    assert_string_equal(sget(unit_of(us, "HP.XA.C"), "status", buf, sizeof buf), "on_time");
    assert_true(mget(query(f, "values", "HP.XA.C", "QA", "2025Q3", NOW), "on_time")->via.boolean);
}

/* The answers that depend on decisions, packed, for comparing two stores. */
static void decision_answers(fx_t *f, msgpack_sbuffer *out)
{
    static const char *const what[] = {"status", "status", "units", "values", "history", "rollup", "rollup", "units"};
    static const char *const node[] = {"HP", "HP.SO.A", "HP", "HP.SO.A.P1.D1", "HP.SO.A.P1.D1", "HP", "HP.SO.A", "HP"};
    static const char *const per[] = {"2025", "2025Q3", "2025Q3", "2025Q3", "2025Q3", "2025", "2025S2", "2025Q2"};
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < sizeof what / sizeof what[0]; i++) {
            proto_error_t err = {0};
            f->approved = k && !strcmp(what[i], "rollup");
            assert_int_equal(query_raw(f, what[i], node[i], "Q", per[i], k ? T("2025-09-15") : NOW, 0, out, &err), 0);
        }
    f->approved = false;
}

static void decisions_replay(void **state)
{
    fx_t *f = *state;
    enum { N = 40 };
    trec_t *jr = calloc(N, sizeof *jr);
    assert_non_null(jr);
    uint64_t seq0 = f->seq;
    const char *D1 = "HP.SO.A.P1.D1";
    /* a journal of reports and decisions */
    int n = 0;
    static const struct {
        const char *dec, *unit, *period;
        uint32_t ver;
        const char *at, *due;
    } j[] = {
        {NULL, "HP.SO.A.P1.D1", "2025Q3", 1, "2025-09-15", NULL}, {"extend", "HP.SO.A.P1.D1", "2025Q3", 0, "2025-09-16", "2025-09-20"},
        {"return", "HP.SO.A.P1.D1", "2025Q3", 1, "2025-09-16", NULL}, {NULL, "HP.SO.A.P1.D1", "2025Q3", 2, "2025-09-17", NULL},
        {"approve", "HP.SO.A.P1.D1", "2025Q3", 2, "2025-09-18", NULL}, {NULL, "HP.SO.B", "2025Q3", 1, "2025-09-01", NULL},
        {"approve", "HP.SO.B", "2025Q3", 1, "2025-09-02", NULL}, {NULL, "HP.SO.B", "2025Q3", 2, "2025-09-03", NULL},
        {"approve", "HP.SO.B", "2025Q3", 1, "2025-09-04", NULL}, {"silence", "HP.XA.C", "2025Q3", 0, "2025-09-05", NULL},
        {"extend", "HP.XA.NEW", "2025Q3", 0, "2025-09-05", "2025-09-25"}, {NULL, "HP.SO.A", "2025Q2", 1, "2025-06-01", NULL},
        {"approve", "HP.SO.A", "2025Q2", 1, "2025-06-02", NULL}, {NULL, "HP.SO.A", "2025Q4", 1, "2025-12-01", NULL},
        {"approve", "HP.SO.A", "2025Q4", 1, "2025-12-02", NULL}, {"unsilence", "HP.XA.C", "2025Q3", 0, "2025-09-06", NULL},
        {"silence", "HP.SO.B", "2025Q3", 0, "2025-09-06", NULL}, {NULL, "HP.SO.A", "2025Q4", 2, "2025-12-03", NULL},
    };
    for (size_t i = 0; i < sizeof j / sizeof j[0]; i++, n++) {
        trec_t *t;
        if (j[i].dec) {
            t = mkdec(f, j[i].dec, j[i].unit, "Q", j[i].period, j[i].ver, j[i].at, j[i].due, "lý do", "u1");
        } else {
            t = mk(f, j[i].unit, j[i].period, j[i].ver, j[i].at);
            trec_int(t, "POSTS", 10 * (int64_t)i + 1);
            trec_int(t, "STAFF", 100 + (int64_t)i);
        }
        jr[n] = *t;
        free(t);
    }
    (void)D1;
    /* applied in uneven batches */
    for (int i = 0; i < n;) {
        int b = 1 + i % 4;
        if (i + b > n)
            b = n - i;
        for (int k = 0; k < b; k++)
            jr[i + k].rec.values.items = jr[i + k].vals;
        assert_int_equal(apply_n(f->r, jr + i, b, NULL), 0);
        i += b;
    }
    msgpack_sbuffer a, b;
    msgpack_sbuffer_init(&a);
    msgpack_sbuffer_init(&b);
    decision_answers(f, &a);
    /* reset and replay in one batch */
    char err[256];
    assert_int_equal(rollup_reset(f->r, err, sizeof err), 0);
    assert_int_equal(apply_n(f->r, jr, n, NULL), 0);
    decision_answers(f, &b);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size);
    /* replaying the applied journal again changes nothing */
    assert_int_equal(apply_n(f->r, jr, n, NULL), 0);
    msgpack_sbuffer_clear(&b);
    decision_answers(f, &b);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size);
    /* and the answers say what the journal says */
    char buf[64];
    const msgpack_object *v = query(f, "values", "HP.SO.B", "Q", "2025Q3", NOW);
    assert_string_equal(sget(v, "approval", buf, sizeof buf), "awaiting"); /* approve of v1 came after v2 */
    assert_int_equal(geti(v, "approved_version"), 1);
    const msgpack_object *st = query(f, "status", "HP", "Q", "2025Q3", T("2025-09-21"));
    assert_counts(st, 7, 2, 2, 0, 4, 1); /* D1 on time by its extension; HP.XA.NEW pending until 09-25 */
    assert_approval(st, 1, 1, 0);
    assert_int_equal(geti(st, "extended"), 2);
    assert_int_equal(geti(st, "silenced"), 1);
    msgpack_sbuffer_destroy(&a);
    msgpack_sbuffer_destroy(&b);
    free(jr);
    (void)seq0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("rollup-1.1 counts sum along the tree and across quarters into S and year", counts_sum),
        TEST("rollup-1.2 stock takes the latest quarter across time, sums across units", stock_latest),
        TEST("rollup-1.3 rate from summed numerator and denominator, not averaged", rate_from_sums),
        TEST("rollup-1.4 bool yes count and share (any / last)", bool_yes_share),
        TEST("rollup-1.5 tags per-tag unit counts, union across time", tags_counts),
        TEST("rollup-1.6 a missing indicator is not 0", missing_not_zero),
        TEST("rollup-1.7 monthly dataset rolls up into quarter and year", monthly_chain),
        TEST("rollup-2.1 a correction changes every rollup by exactly the difference", correction_difference),
        TEST("rollup-2.2 replaying an applied batch changes nothing", replay_changes_nothing),
        TEST("rollup-3.1 random batches equal one-by-one and a naive recount", property_random),
        TEST("rollup-4.1 completeness around the deadline, never above 100%", completeness_deadline),
        TEST("rollup-4.2 childless units: no node record, rollup and status from their own leaves", childless_units),
        TEST("rollup-5.1 targets: yearly pro-rated, monthly asked for a quarter", targets_yearly),
        TEST("rollup-5.2 targets: rate 100%, above max, order", targets_rate_and_max),
        TEST("rollup-6.1 signature change needs a rebuild", signature_change),
        TEST("rollup-6.2 unknown unit, dataset or period: skipped, batch applied", bad_records_skipped),
        TEST("rollup-6.3 catalog swapped while a batch is applied", swap_while_applying),
        TEST("rollup-6.4 a store of the previous layout is rebuilt without its unit-value table", previous_layout),
        TEST("rollup-6.5 a damaged leaf makes the store stale; a replay makes it exact", damaged_leaf),
        TEST("rollup-7.1 query errors and defaults", query_errors),
        TEST("rollup-7.2 values and history", values_and_history),
        TEST("rollup-8.1 approve, return, correction: approval state and counters", approval_cycle),
        TEST("rollup-8.2 a decision on a stale or decided version changes nothing; history lists decisions", stale_decisions),
        TEST("rollup-8.3 approved-only rollups equal a hand sum over approved versions", approved_only),
        TEST("rollup-8.4 on_time_by = approval: on time when first approved before the deadline", on_time_by_approval),
        TEST("rollup-8.5 an extension before arrival: pending until the unit's own deadline, then on time", extension_before_arrival),
        TEST("rollup-8.6 an extension after arrival moves late to on time, exactly once", extension_after_arrival),
        TEST("rollup-8.7 silences: flags only, no count moves", silences),
        TEST("rollup-8.8 reset and replay of reports and decisions gives the same answers", decisions_replay),
    };
    return cmocka_run_group_tests_name("rollup", tests, NULL, NULL);
}
