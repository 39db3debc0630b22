/*
 * test_answer.c -- the QUERY answers of proto/answers.def: what the packer
 * writes is what the reader reads; presence rules; hostile answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "answer.h"
#include "answer_json.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

typedef struct {
    msgpack_sbuffer sb;
    msgpack_unpacked up;
} buf_t;

static const msgpack_object *packed(buf_t *b, const ans_obj_t *d, const void *v)
{
    msgpack_packer pk;
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&pk, &b->sb, msgpack_sbuffer_write);
    assert_int_equal(ans_pack(&pk, d, v), 0);
    msgpack_unpacked_init(&b->up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&b->up, b->sb.data, b->sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, b->sb.size);
    return &b->up.data;
}

/* The wire's answer as JSON, to compare with answer_json() of the typed
 * one: maps with string keys -> objects (other keys dropped), binary and
 * ext -> null.  Test-only: no program reads answers this way any more.
 * Caller owns the result. */
static json_t *wire_json(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return json_null();
    case MSGPACK_OBJECT_BOOLEAN: return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return json_real(o->via.f64);
    case MSGPACK_OBJECT_STR: return json_stringn(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; i < o->via.array.size; i++)
            json_array_append_new(a, wire_json(&o->via.array.ptr[i]));
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (k->type == MSGPACK_OBJECT_STR)
                json_object_setn_new(m, k->via.str.ptr, k->via.str.size, wire_json(&o->via.map.ptr[i].val));
        }
        return m;
    }
    default: return json_null();
    }
}

static void done(buf_t *b)
{
    msgpack_unpacked_destroy(&b->up);
    msgpack_sbuffer_destroy(&b->sb);
}

/* answer-1.1 a units answer survives pack -> read with every kind of field */
static void units_round_trip(void **state)
{
    (void)state;
    ans_unit_status_t rows[2] = {
        {.code = "HP.XA.A", .name = "Xã Ánh Dương", .kind = "xa", .parent = "HP", .has_parent = true, .depth = 1,
         .status = "on_time", .received_at = 1757037600, .has_received_at = true, .version = 2,
         .has_version = true, .submitter = "HP.XA.A", .has_submitter = true},
        {.code = "HP", .name = "Hải Phòng", .kind = "thanh_pho", .depth = 0, .status = "missing"},
    };
    ans_counts_entry_t kinds[1] = {{"xa", {.expected = 2, .received = 1, .on_time = 1, .missing = 1}}};
    ans_units_t in = {{"HP", "Thành phố Hải Phòng", "thanh_pho"}, "CCHC_Q", "2025Q3", 1757437200, rows, 2, 2, 0,
                      kinds, 1};
    buf_t b;
    const msgpack_object *o = packed(&b, &ans_obj_units, &in);
    assert_int_equal(o->via.map.size, 8);
    ans_units_t out;
    proto_error_t err;
    assert_int_equal(ans_units_read(o, &b.up.zone[0], &out, &err), 0);
    assert_string_equal(out.node.name, "Thành phố Hải Phòng");
    assert_int_equal(out.deadline, 1757437200);
    assert_int_equal(out.n_units, 2);
    assert_string_equal(out.units[0].name, "Xã Ánh Dương");
    assert_true(out.units[0].has_parent && out.units[0].has_received_at && out.units[0].has_submitter);
    assert_int_equal(out.units[0].version, 2);
    /* NIL fields travel as nil and come back as absent */
    assert_false(out.units[1].has_parent || out.units[1].has_received_at || out.units[1].has_version);
    assert_null(out.units[1].parent);
    assert_int_equal(out.n_by_kind, 1);
    assert_string_equal(out.by_kind[0].key, "xa");
    assert_int_equal(out.by_kind[0].v.missing, 1);
    json_t *typed = answer_json(&ans_obj_units, &out), *wire = wire_json(o);
    assert_true(json_equal(typed, wire));
    json_decref(typed);
    json_decref(wire);
    done(&b);
}

/* answer-1.2 OPT fields are left out when they do not apply; NUM keeps int, float and nil apart; an OPT NUM
 * that applies without data (a yes/no nobody answered) stays there as nil */
static void rollup_optional_and_num(void **state)
{
    (void)state;
    const char *tagk[] = {"a", "b"};
    int64_t tagv[] = {3, 0};
    ans_indicator_t inds[4] = {
        {.code = "POSTS", .name_vi = "Tin bài", .name_en = "", .kind = "count", .value = ans_int(12), .units = 2},
        {.code = "RATE", .name_vi = "Tỷ lệ", .name_en = "", .kind = "rate", .value = ans_float(0.25), .units = 2,
         .num = 1, .den = 4, .has_num = true, .has_den = true},
        {.code = "FORMS", .name_vi = "Hình thức", .name_en = "", .kind = "tags", .value = {ANS_NIL}, .units = 0,
         .tags = {2, tagk, tagv}, .has_tags = true},
        {.code = "PLAN", .name_vi = "Kế hoạch", .name_en = "", .kind = "bool", .value = ans_int(0), .units = 0,
         .share = {ANS_NIL}, .has_share = true},
    };
    const char *codes[] = {"POSTS"};
    ans_num_t vals[] = {{ANS_NIL}};
    ans_child_t ch = {"HP.XA.A", "Xã A", "xa", {1, codes, vals}};
    ans_rollup_t in = {{"HP", "HP", "thanh_pho"}, "Q", "2025", inds, 4, &ch, 1};
    buf_t b;
    const msgpack_object *o = packed(&b, &ans_obj_rollup, &in);
    const msgpack_object *arr = &o->via.map.ptr[3].val;
    assert_int_equal(arr->via.array.ptr[0].via.map.size, 6); /* no share, num, den, tags */
    assert_int_equal(arr->via.array.ptr[1].via.map.size, 8); /* num, den */
    assert_int_equal(arr->via.array.ptr[2].via.map.size, 7); /* tags */
    assert_int_equal(arr->via.array.ptr[3].via.map.size, 7); /* share, nil */
    ans_rollup_t out;
    assert_int_equal(ans_rollup_read(o, &b.up.zone[0], &out, NULL), 0);
    assert_int_equal(out.indicators[0].value.kind, ANS_INT);
    assert_int_equal(out.indicators[0].value.i, 12);
    assert_int_equal(out.indicators[1].value.kind, ANS_FLOAT);
    assert_true(out.indicators[1].value.f == 0.25);
    assert_int_equal(out.indicators[2].value.kind, ANS_NIL);
    assert_false(out.indicators[0].has_num || out.indicators[0].has_tags);
    assert_true(out.indicators[1].has_num && out.indicators[1].den == 4);
    assert_int_equal(ans_imap_find(&out.indicators[2].tags, "a"), 0);
    assert_int_equal(out.indicators[2].tags.vals[0], 3);
    assert_int_equal(out.children[0].values.vals[ans_nummap_find(&out.children[0].values, "POSTS")].kind, ANS_NIL);
    assert_false(out.indicators[0].has_share);
    assert_true(out.indicators[3].has_share);
    assert_int_equal(out.indicators[3].share.kind, ANS_NIL);
    /* the JSON rendered from the typed answer is the wire answer, field for field */
    json_t *typed = answer_json(&ans_obj_rollup, &out), *wire = wire_json(o);
    assert_true(json_equal(typed, wire));
    json_decref(typed);
    json_decref(wire);
    done(&b);
}

/* answer-1.3 a missing required field, a wrong type or a duplicate key is E_MALFORMED naming the field;
 * an unknown field is ignored */
static void hostile(void **state)
{
    (void)state;
    ans_status_t st = {{"HP", "Hải Phòng", "thanh_pho"}, "Q", "2025Q3", 1, 10, 8, 6, 2, 2, 0, 0.6, 5, 2, 1, 0, 0};
    buf_t b;
    const msgpack_object *good = packed(&b, &ans_obj_status, &st);
    ans_status_t out;
    proto_error_t err;
    /* drop `expected` (field 4) by shortening a copy of the map */
    msgpack_object m = *good;
    msgpack_object_kv kv[32];
    memcpy(kv, good->via.map.ptr, good->via.map.size * sizeof kv[0]);
    for (uint32_t i = 4; i + 1 < m.via.map.size; i++)
        kv[i] = kv[i + 1];
    m.via.map.size--;
    m.via.map.ptr = kv;
    assert_int_equal(ans_status_read(&m, &b.up.zone[0], &out, &err), PROTO_E_MALFORMED);
    assert_non_null(strstr(err.message, "'expected': missing"));
    /* a string where an integer belongs */
    memcpy(kv, good->via.map.ptr, good->via.map.size * sizeof kv[0]);
    m.via.map.size = good->via.map.size;
    kv[5].val = kv[1].val;
    assert_int_equal(ans_status_read(&m, &b.up.zone[0], &out, &err), PROTO_E_MALFORMED);
    assert_non_null(strstr(err.message, "'received': not an integer"));
    /* the same key twice */
    memcpy(kv, good->via.map.ptr, good->via.map.size * sizeof kv[0]);
    kv[6] = kv[5];
    assert_int_equal(ans_status_read(&m, &b.up.zone[0], &out, &err), PROTO_E_MALFORMED);
    assert_non_null(strstr(err.message, "appears twice"));
    /* a key this reader does not know (a newer server's field): ignored */
    memcpy(kv, good->via.map.ptr, good->via.map.size * sizeof kv[0]);
    kv[m.via.map.size] = kv[1];
    kv[m.via.map.size].key.via.str.ptr = "newfield";
    kv[m.via.map.size].key.via.str.size = 8;
    m.via.map.size++;
    assert_int_equal(ans_status_read(&m, &b.up.zone[0], &out, &err), 0);
    assert_int_equal(out.on_time, 6);
    assert_true(out.share_on_time == 0.6);
    /* not a map at all */
    assert_int_equal(ans_status_read(&kv[1].val, &b.up.zone[0], &out, &err), PROTO_E_MALFORMED);
    done(&b);
}

/* answer-1.4 every QUERY.what has an answer object; the spec lists every object */
static void what_table(void **state)
{
    (void)state;
    const char *whats[] = {"rollup", "status", "units", "values", "history", "targets", "info", "stats"};
    for (size_t i = 0; i < sizeof whats / sizeof whats[0]; i++) {
        const ans_obj_t *d = ans_for_what(whats[i]);
        assert_non_null(d);
        assert_string_equal(d->name, whats[i]);
    }
    assert_null(ans_for_what("frobnicate"));
    assert_null(ans_for_what(NULL));
}

/* answer-1.5 */
static void values_json_equal(void **state)
{
    (void)state;
    proto_value_t items[3] = {{.code = "POSTS", .kind = PV_INT, .i = 7}, {.code = "PLAN", .kind = PV_BOOL, .i = 1},
                              {.code = "FORMS", .kind = PV_TAGS, .ntags = 2, .tags = {{"a", 1}, {"khac", 4}}}};
    ans_values_t in = {.unit = "HP.XA.A", .dataset = "Q", .period = "2025Q3", .version = 2, .seq = 17,
                       .id = "id-1", .submitter = "HP.XA.A", .received_at = 100, .first_received_at = 90,
                       .on_time = true, .values = {.n = 3, .items = items}, .note = "ghi chú",
                       .entered_by = "nguyen.van.a", .has_entered_by = true, .approval = "approved",
                       .approved_version = 2, .has_approved_version = true};
    buf_t b;
    const msgpack_object *o = packed(&b, &ans_obj_values, &in);
    ans_values_t out;
    assert_int_equal(ans_values_read(o, &b.up.zone[0], &out, NULL), 0);
    assert_int_equal(out.values.n, 3);
    assert_string_equal(out.note, "ghi chú");
    json_t *typed = answer_json(&ans_obj_values, &out), *wire = wire_json(o);
    assert_true(json_equal(typed, wire));
    assert_int_equal(json_array_size(json_object_get(json_object_get(typed, "values"), "FORMS")), 2);
    json_decref(typed);
    json_decref(wire);
    done(&b);
}

/* answer-1.7 comments beside values (STRMAP): packed as code -> text,
 * read back, JSON equal to the wire's; absent when there are none; a text
 * that is not a string is refused naming the field */
static void comments_round_trip(void **state)
{
    (void)state;
    const char *vi = "g\xe1\xbb\x93m 3 tin \xc4\x91\xc4\x83ng l\xe1\xba\xa1i";
    proto_strpair_t pairs[2] = {{{"POSTS", 5}, {vi, (uint32_t)strlen(vi)}}, {{"PLAN", 4}, {"x", 1}}};
    ans_version_t in = {.version = 1, .seq = 3, .id = "a", .submitter = "U", .received_at = 5, .note = "",
                        .comments = {.n = 2, .items = pairs}, .has_comments = true};
    buf_t b;
    const msgpack_object *o = packed(&b, &ans_obj_version, &in);
    ans_version_t out;
    assert_int_equal(ans_version_read(o, &b.up.zone[0], &out, NULL), 0);
    assert_true(out.has_comments);
    assert_true(proto_strmap_equal(&out.comments, &in.comments));
    json_t *typed = answer_json(&ans_obj_version, &out), *wire = wire_json(o);
    assert_true(json_equal(typed, wire));
    assert_string_equal(json_string_value(json_object_get(json_object_get(typed, "comments"), "POSTS")), vi);
    json_decref(typed);
    json_decref(wire);
    done(&b);
    /* none: the field is left out */
    in.has_comments = false;
    in.comments.n = 0;
    o = packed(&b, &ans_obj_version, &in);
    for (uint32_t i = 0; i < o->via.map.size; i++)
        assert_false(o->via.map.ptr[i].key.via.str.size == 8 &&
                     !memcmp(o->via.map.ptr[i].key.via.str.ptr, "comments", 8));
    assert_int_equal(ans_version_read(o, &b.up.zone[0], &out, NULL), 0);
    assert_false(out.has_comments);
    done(&b);
    /* a text that is not a string */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 8);
    const char *keys[] = {"version", "seq", "id", "submitter", "received_at", "values", "note", "comments"};
    for (int k = 0; k < 8; k++) {
        msgpack_pack_str_with_body(&pk, keys[k], strlen(keys[k]));
        if (k == 2 || k == 3 || k == 6)
            msgpack_pack_str_with_body(&pk, "x", 1);
        else if (k == 5)
            msgpack_pack_map(&pk, 0);
        else if (k == 7) {
            msgpack_pack_map(&pk, 1);
            msgpack_pack_str_with_body(&pk, "POSTS", 5);
            msgpack_pack_int(&pk, 3);
        } else
            msgpack_pack_int(&pk, 1);
    }
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
    proto_error_t err;
    assert_int_equal(ans_version_read(&up.data, up.zone, &out, &err), PROTO_E_MALFORMED);
    assert_non_null(strstr(err.message, "comments"));
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
}

/* answer-1.6 an OPT NUM that is there as nil (the share of a bool nobody
 * answered) is read as there, and its JSON keeps the null */
static void opt_num_nil(void **state)
{
    (void)state;
    ans_indicator_t inds[2] = {
        {.code = "PLAN", .name_vi = "Kế hoạch", .name_en = "", .kind = "bool", .value = ans_int(0), .units = 0,
         .share = {ANS_NIL}, .has_share = true},
        {.code = "HOTLINE", .name_vi = "Đường dây nóng", .name_en = "", .kind = "bool", .value = ans_int(1),
         .units = 2, .share = ans_float(0.5), .has_share = true},
    };
    ans_rollup_t in = {{"HP", "HP", "thanh_pho"}, "Q", "2025", inds, 2, NULL, 0};
    buf_t b;
    const msgpack_object *o = packed(&b, &ans_obj_rollup, &in);
    ans_rollup_t out;
    assert_int_equal(ans_rollup_read(o, &b.up.zone[0], &out, NULL), 0);
    assert_true(out.indicators[0].has_share);
    assert_int_equal(out.indicators[0].share.kind, ANS_NIL);
    assert_true(out.indicators[1].has_share && out.indicators[1].share.f == 0.5);
    json_t *typed = answer_json(&ans_obj_rollup, &out), *wire = wire_json(o);
    assert_true(json_equal(typed, wire));
    assert_true(json_is_null(json_object_get(json_array_get(json_object_get(typed, "indicators"), 0), "share")));
    json_decref(typed);
    json_decref(wire);
    done(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("answer-1.1 a units answer survives pack -> read with every kind of field", units_round_trip),
        TEST("answer-1.2 OPT fields left out when they do not apply; NUM keeps int, float and nil apart; an OPT "
             "NUM without data stays as nil",
             rollup_optional_and_num),
        TEST("answer-1.3 missing, mistyped or repeated field is E_MALFORMED naming it; unknown fields ignored",
             hostile),
        TEST("answer-1.4 every QUERY.what has its answer object", what_table),
        TEST("answer-1.5 values travel as the submitted map; JSON of a values answer equals the wire's",
             values_json_equal),
        TEST("answer-1.6 an OPT NUM there as nil stays there; its JSON keeps the null", opt_num_nil),
        TEST("answer-1.7 comments (STRMAP) survive pack -> read -> JSON; absent when none; a non-string text refused",
             comments_round_trip),
    };
    return cmocka_run_group_tests_name("answer", tests, NULL, NULL);
}
