/*
 * test_proto.c -- the wire codec (proto.h): round trips and hostile input.
 *
 * Test names are "proto-G.N what" (or "proto-G TYPE what" for the tests
 * generated once per message type): 1 round trips, 2 the encoder's own
 * checks, 3 BATCH and RESULT payloads, 4 hostile bytes, 5 per-field
 * validation, 6 error codes and names, 7 the generated spec.
 *
 * Most of the per-type machinery is expanded from messages.def, so a message
 * or field added there is filled, encoded, decoded, compared and mutated here
 * without editing this file (the compiler fails if a new field kind appears).
 *
 * Hostile inputs are written as raw bytes or with a small msgpack writer of
 * our own (mp_*), independent of msgpack-c and of proto_encode().  Every
 * decode reads from an exact-size heap copy so that AddressSanitizer sees
 * any over-read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

/* ------------------------------------------------------------------------
 * An independent msgpack writer
 * ------------------------------------------------------------------------ */

typedef struct {
    unsigned char *p;
    size_t len, cap;
} mb_t;

static void mb_put(mb_t *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + n)
            c *= 2;
        b->p = realloc(b->p, c);
        assert_non_null(b->p);
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->len, d, n);
    b->len += n;
}

static void mb_free(mb_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void mb_byte(mb_t *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    mb_put(b, &c, 1);
}

static void mb_be(mb_t *b, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--)
        mb_byte(b, (unsigned)(v >> (8 * i)) & 0xff);
}

static void mp_map(mb_t *b, uint32_t n)
{
    if (n < 16)
        mb_byte(b, 0x80 | n);
    else if (n < 65536)
        mb_byte(b, 0xde), mb_be(b, n, 2);
    else
        mb_byte(b, 0xdf), mb_be(b, n, 4);
}

static void mp_arr(mb_t *b, uint32_t n)
{
    if (n < 16)
        mb_byte(b, 0x90 | n);
    else if (n < 65536)
        mb_byte(b, 0xdc), mb_be(b, n, 2);
    else
        mb_byte(b, 0xdd), mb_be(b, n, 4);
}

static void mp_strn(mb_t *b, const char *s, size_t n)
{
    if (n < 32)
        mb_byte(b, 0xa0 | (unsigned)n);
    else if (n < 256)
        mb_byte(b, 0xd9), mb_be(b, n, 1);
    else if (n < 65536)
        mb_byte(b, 0xda), mb_be(b, n, 2);
    else
        mb_byte(b, 0xdb), mb_be(b, n, 4);
    mb_put(b, s, n);
}

static void mp_str(mb_t *b, const char *s)
{
    mp_strn(b, s, strlen(s));
}

static void mp_bin(mb_t *b, const char *s, size_t n)
{
    mb_byte(b, 0xc4);
    mb_be(b, n, 1);
    mb_put(b, s, n);
}

static void mp_uint(mb_t *b, uint64_t v)
{
    if (v < 128)
        mb_byte(b, (unsigned)v);
    else if (v < 256)
        mb_byte(b, 0xcc), mb_be(b, v, 1);
    else if (v < 65536)
        mb_byte(b, 0xcd), mb_be(b, v, 2);
    else if (v <= 0xffffffffu)
        mb_byte(b, 0xce), mb_be(b, v, 4);
    else
        mb_byte(b, 0xcf), mb_be(b, v, 8);
}

static void mp_int(mb_t *b, int64_t v)
{
    if (v >= 0)
        mp_uint(b, (uint64_t)v);
    else if (v >= -32)
        mb_byte(b, (unsigned)(v & 0xff));
    else if (v >= INT8_MIN)
        mb_byte(b, 0xd0), mb_be(b, (uint64_t)v, 1);
    else if (v >= INT16_MIN)
        mb_byte(b, 0xd1), mb_be(b, (uint64_t)v, 2);
    else if (v >= INT32_MIN)
        mb_byte(b, 0xd2), mb_be(b, (uint64_t)v, 4);
    else
        mb_byte(b, 0xd3), mb_be(b, (uint64_t)v, 8);
}

static void mp_bool(mb_t *b, bool v)
{
    mb_byte(b, v ? 0xc3 : 0xc2);
}

static void mp_nil(mb_t *b)
{
    mb_byte(b, 0xc0);
}

static void mp_f64(mb_t *b, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    mb_byte(b, 0xcb);
    mb_be(b, u, 8);
}

static void mp_f32(mb_t *b, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    mb_byte(b, 0xca);
    mb_be(b, u, 4);
}

static void mp_kv_str(mb_t *b, const char *k, const char *v)
{
    mp_str(b, k);
    mp_str(b, v);
}

/* The start of a message written by hand: a map of nfields + 2 pairs,
 * "v": 1 and "type"; the caller writes the nfields others. */
static void mp_head(mb_t *b, uint32_t nfields, const char *type)
{
    mp_map(b, nfields + 2);
    mp_str(b, "v");
    mp_uint(b, 1);
    mp_kv_str(b, "type", type);
}

/* A SUBMIT of unit HN01, dataset CCHC_Q, period 2025Q3, written up to the
 * key "values"; the caller writes the values and then `more` fields. */
static void mp_submit_head(mb_t *b, const char *id, uint32_t more)
{
    mp_head(b, 5 + more, "SUBMIT");
    mp_kv_str(b, "id", id);
    mp_kv_str(b, "unit", "HN01");
    mp_kv_str(b, "dataset", "CCHC_Q");
    mp_kv_str(b, "period", "2025Q3");
    mp_str(b, "values");
}

/* A BATCH written up to the header of its array of n records. */
static void mp_batch_head(mb_t *b, uint64_t after, uint64_t head, uint32_t n)
{
    mp_head(b, 3, "BATCH");
    mp_str(b, "after");
    mp_uint(b, after);
    mp_str(b, "head");
    mp_uint(b, head);
    mp_str(b, "records");
    mp_arr(b, n);
}

/* ------------------------------------------------------------------------
 * Decoding helpers (exact-size copies, error checks that name the case)
 * ------------------------------------------------------------------------ */

static void *dup_exact(const void *buf, size_t len)
{
    void *c = malloc(len ? len : 1);
    assert_non_null(c);
    if (len)
        memcpy(c, buf, len);
    return c;
}

/* Decodes buf and expects error `code` whose sentence contains `needle`
 * (when not NULL). */
static void expect_err(const char *what, const void *buf, size_t len, int code, const char *needle)
{
    void *copy = dup_exact(buf, len);
    proto_msg_t m;
    proto_error_t err;
    memset(&err, 0, sizeof err);
    int rc = proto_decode(copy, len, &m, &err);
    proto_msg_free(&m);
    free(copy);
    if (rc != code)
        fail_msg("%s: expected %s, got %s (%s)", what, proto_err_code(code), proto_err_code(rc),
                 rc ? err.message : "decoded without error");
    if (err.code != code)
        fail_msg("%s: err.code is %s, return value %s", what, proto_err_code(err.code), proto_err_code(rc));
    if (err.message[0] == '\0')
        fail_msg("%s: empty error sentence", what);
    if (needle && !strstr(err.message, needle))
        fail_msg("%s: error sentence \"%s\" does not mention %s", what, err.message, needle);
}

static void expect_err_mb(const char *what, const mb_t *b, int code, const char *needle)
{
    expect_err(what, b->p, b->len, code, needle);
}

/* Decodes buf, expecting success and type t; returns the exact-size copy the
 * message borrows (free it after proto_msg_free). */
static void *decode_ok(const char *what, const void *buf, size_t len, proto_type_t t, proto_msg_t *m)
{
    void *copy = dup_exact(buf, len);
    proto_error_t err;
    memset(&err, 0, sizeof err);
    int rc = proto_decode(copy, len, m, &err);
    if (rc != 0)
        fail_msg("%s: expected success, got %s: %s", what, proto_err_code(rc), err.message);
    if (m->type != t)
        fail_msg("%s: decoded type %s, expected %s", what, proto_type_name(m->type), proto_type_name(t));
    return copy;
}

static void check_ok(const char *what, const mb_t *b, proto_type_t t)
{
    proto_msg_t m;
    void *c = decode_ok(what, b->p, b->len, t, &m);
    proto_msg_free(&m);
    free(c);
}

/* code 0: b decodes as a message of type t; else expect_err_mb(). */
static void expect_decode(const char *what, const mb_t *b, proto_type_t t, int code, const char *needle)
{
    if (code == 0)
        check_ok(what, b, t);
    else
        expect_err_mb(what, b, code, needle);
}

/* A SUBMIT whose values map is given as raw bytes. */
static void submit_values(mb_t *b, const mb_t *values)
{
    b->len = 0;
    mp_submit_head(b, "s1", 0);
    mb_put(b, values->p, values->len);
}

/* A SUBMIT whose values map is v must decode (code 0) or be refused with
 * code naming needle; the case is named by the printf-style fmt. */
static void expect_values(const mb_t *v, int code, const char *needle, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void expect_values(const mb_t *v, int code, const char *needle, const char *fmt, ...)
{
    char what[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    mb_t b = {0};
    submit_values(&b, v);
    expect_decode(what, &b, PROTO_SUBMIT, code, needle);
    mb_free(&b);
}

/* A case given as bytes, named for its failure. */
typedef struct {
    const char *what;
    const char *bytes;
    size_t len;
} raw_t;

/* A buffer over given bytes, to read only. */
static mb_t mb_of(const void *p, size_t len)
{
    return (mb_t){(unsigned char *)p, len, len};
}

/* ------------------------------------------------------------------------
 * Field tables of the test, expanded from messages.def
 * ------------------------------------------------------------------------ */

enum { K_STR, K_UINT, K_INT, K_BOOL, K_VALUES, K_LIST, K_ANY, K_STRMAP };
enum { C_NONE, C_CODE, C_TEXT };
#define P_REQ true
#define P_OPT false

typedef struct {
    const char *name;
    int kind, cs;
    int64_t min;
    uint64_t max;
    bool req;
} tf_t;

typedef struct {
    proto_type_t type;
    const char *name;
    size_t max_bytes;
    const tf_t *fields;
    int nfields;
    bool nested;
} tm_t;

#define TF(kind, field, cs, mn, mx, pres, doc) {#field, K_##kind, C_##cs, (int64_t)(mn), (uint64_t)(mx), P_##pres},
#define TFDEF(NAME, name, maxb, doc) static const tf_t tf_##name[] = {PROTO_FIELDS_##NAME(TF)};
PROTO_MESSAGES(TFDEF)
PROTO_NESTED(TFDEF)
#undef TFDEF

static const tm_t tmsgs[] = {
#define TM(NAME, name, maxb, doc) {PROTO_##NAME, #NAME, maxb, tf_##name, (int)(sizeof tf_##name / sizeof(tf_t)), false},
    PROTO_MESSAGES(TM)
#undef TM
#define TM(NAME, name, maxb, doc) {PROTO_##NAME, #NAME, maxb, tf_##name, (int)(sizeof tf_##name / sizeof(tf_t)), true},
    PROTO_NESTED(TM)
#undef TM
};
#define NTMSGS ((int)(sizeof tmsgs / sizeof tmsgs[0]))

static const tm_t *tm_of(proto_type_t t)
{
    for (int i = 0; i < NTMSGS; i++)
        if (tmsgs[i].type == t)
            return &tmsgs[i];
    fail_msg("no table for type %d", (int)t);
    return NULL;
}

/* ------------------------------------------------------------------------
 * Sample data
 * ------------------------------------------------------------------------ */

static proto_value_t sample_values[16];
static uint32_t nsample;
static char sample_tags[PROTO_TAGS_MAX][PROTO_TAG_MAX + 1];

static proto_value_t *add_value(proto_value_t *arr, uint32_t *n, const char *code, int kind, int64_t i)
{
    proto_value_t *v = &arr[(*n)++];
    memset(v, 0, sizeof *v);
    snprintf(v->code, sizeof v->code, "%s", code);
    v->kind = (uint8_t)kind;
    v->i = i;
    return v;
}

static void set_tag(proto_value_t *v, const char *s)
{
    v->tags[v->ntags].ptr = s;
    v->tags[v->ntags].len = (uint32_t)strlen(s);
    v->ntags++;
}

/* Every value kind and boundary: positive, zero, negative, INT64_MIN/MAX,
 * true, false, tags (none, a few, PROTO_TAGS_MAX of PROTO_TAG_MAX bytes),
 * and an indicator code of 64 bytes using every code character. */
static void init_samples(void)
{
    if (nsample)
        return;
    uint32_t n = 0;
    add_value(sample_values, &n, "visits", PV_INT, 1234);
    add_value(sample_values, &n, "deaths", PV_INT, 0);
    add_value(sample_values, &n, "adjust", PV_INT, -7);
    add_value(sample_values, &n, "max", PV_INT, INT64_MAX);
    add_value(sample_values, &n, "min", PV_INT, INT64_MIN);
    add_value(sample_values, &n, "has_lab", PV_BOOL, 1);
    add_value(sample_values, &n, "closed", PV_BOOL, 0);
    proto_value_t *v = add_value(sample_values, &n, "services", PV_TAGS, 0);
    set_tag(v, "vaccination");
    set_tag(v, "antenatal");
    set_tag(v, "family-planning");
    add_value(sample_values, &n, "none", PV_TAGS, 0);
    v = add_value(sample_values, &n, "all_tags", PV_TAGS, 0);
    for (int t = 0; t < PROTO_TAGS_MAX; t++) {
        memset(sample_tags[t], 'x', PROTO_TAG_MAX);
        sample_tags[t][PROTO_TAG_MAX] = '\0';
        char head[16];
        snprintf(head, sizeof head, "t%02d.", t);
        memcpy(sample_tags[t], head, strlen(head));
        set_tag(v, sample_tags[t]);
    }
    char code[65];
    const char *cc = "Az09._-:";
    for (int i = 0; i < 64; i++)
        code[i] = cc[i % 8];
    code[64] = '\0';
    add_value(sample_values, &n, code, PV_INT, 1);
    nsample = n;
}

/* Independent equality of two values (not proto_value_equal, which is also
 * under test). */
static void cmp_value(const char *ctx, const proto_value_t *a, const proto_value_t *b)
{
    if (strcmp(a->code, b->code))
        fail_msg("%s: indicator \"%s\" decoded as \"%s\"", ctx, a->code, b->code);
    if (a->kind != b->kind)
        fail_msg("%s: indicator %s kind %d decoded as %d", ctx, a->code, a->kind, b->kind);
    if (a->kind != PV_TAGS && a->i != b->i)
        fail_msg("%s: indicator %s value %lld decoded as %lld", ctx, a->code, (long long)a->i, (long long)b->i);
    if (a->kind == PV_TAGS) {
        if (a->ntags != b->ntags)
            fail_msg("%s: indicator %s has %u tags, decoded %u", ctx, a->code, a->ntags, b->ntags);
        for (uint32_t t = 0; t < a->ntags; t++)
            if (a->tags[t].len != b->tags[t].len || memcmp(a->tags[t].ptr, b->tags[t].ptr, a->tags[t].len))
                fail_msg("%s: indicator %s tag %u differs", ctx, a->code, t);
    }
    if (!proto_value_equal(a, b))
        fail_msg("%s: proto_value_equal says indicator %s differs", ctx, a->code);
}

/* ------------------------------------------------------------------------
 * Generated fill / compare / convert, one function per message type
 * ------------------------------------------------------------------------ */

enum { V_MAX, V_MIN };

static void fill_STR(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    char *s = dst;
    size_t len = var == V_MAX ? (size_t)mx : (size_t)mn, i = 0;
    if (cs == C_CODE) {
        const char *cc = "Aa0._:-Zz9";
        for (; i < len; i++)
            s[i] = cc[i % 10];
    } else {
        /* UTF-8 sequences of 1, 2, 3 and 4 bytes, then ASCII to fill. */
        static const char *const units[] = {"a", "\xc3\xa9", "\xe1\xbb\x87", "\xf0\x9f\x98\x80"};
        for (int u = 0; i < len; u = (u + 1) % 4) {
            size_t ul = strlen(units[u]);
            if (i + ul > len)
                ul = 1, u = 0;
            memcpy(s + i, units[u], ul);
            i += ul;
        }
    }
    s[len] = '\0';
}

static void fill_UINT(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    *(uint64_t *)dst = var == V_MAX ? mx : (uint64_t)mn;
}

static void fill_INT(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    *(int64_t *)dst = var == V_MAX ? (int64_t)mx : mn;
}

static void fill_BOOL(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    *(bool *)dst = var == V_MAX;
}

static void fill_VALUES(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    proto_values_t *v = dst;
    init_samples();
    memset(v, 0, sizeof *v);
    if (var == V_MAX) {
        v->n = nsample;
        v->items = sample_values;
    }
}

/* STRMAP samples: a 64-byte code of every code character, a text of
 * PROTO_STRMAP_TEXT_MAX bytes ending in a 3-byte character, Vietnamese, one
 * byte. */
static proto_strpair_t sample_pairs[4];
static char pair_code[65], pair_long[PROTO_STRMAP_TEXT_MAX + 1];

static void fill_STRMAP(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    proto_strmap_t *m = dst;
    memset(m, 0, sizeof *m);
    if (var != V_MAX)
        return;
    for (int i = 0; i < 64; i++)
        pair_code[i] = "Az09._-:"[i % 8];
    memset(pair_long, 'x', PROTO_STRMAP_TEXT_MAX - 3);
    memcpy(pair_long + PROTO_STRMAP_TEXT_MAX - 3, "\xe1\xbb\x87", 3);
    const char *vi = "g\xe1\xbb\x93m 3 tin \xc4\x91\xc4\x83ng l\xe1\xba\xa1i";
    sample_pairs[0] = (proto_strpair_t){{"PORTAL_POSTS", 12}, {vi, (uint32_t)strlen(vi)}};
    sample_pairs[1] = (proto_strpair_t){{pair_code, 64}, {"1", 1}};
    sample_pairs[2] = (proto_strpair_t){{"X", 1}, {pair_long, PROTO_STRMAP_TEXT_MAX}};
    sample_pairs[3] = (proto_strpair_t){{"a:b", 3}, {"\"quoted\", tab\t", 14}};
    m->n = 4;
    m->items = sample_pairs;
    (void)cs, (void)mn, (void)mx;
}

/* The records packed into the LIST of the last fill (compared field by
 * field after decoding) and the bytes they were packed into. */
#define NRECS 3
static proto_record_t g_recs[NRECS];
static uint32_t g_nrecs;
static msgpack_sbuffer g_list_sb;
static bool g_list_sb_init;
static msgpack_sbuffer g_any_sb;
static bool g_any_sb_init;

static void fill_record(proto_record_t *s, int var);

static void realistic_record(proto_record_t *r, uint64_t seq)
{
    init_samples();
    memset(r, 0, sizeof *r);
    r->seq = seq;
    snprintf(r->id, sizeof r->id, "sub-%llu", (unsigned long long)seq);
    strcpy(r->unit, "HN01");
    strcpy(r->submitter, "HN");
    strcpy(r->dataset, "CCHC_Q");
    strcpy(r->period, "2025Q3");
    r->values.n = 3;
    r->values.items = sample_values;
    r->received_at = 1760000000 + (int64_t)seq;
    r->version = 1;
    if (seq % 2)
        strcpy(r->note, "ghi ch\xc3\xba");
}

static void pack_records(msgpack_sbuffer *sb, const proto_record_t *recs, uint32_t n)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    for (uint32_t i = 0; i < n; i++) {
        proto_error_t err;
        int rc = proto_pack_record(&pk, &recs[i], &err);
        if (rc)
            fail_msg("proto_pack_record(%u): %s %s", i, proto_err_code(rc), err.message);
    }
}

static void fill_LIST(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    proto_list_t *l = dst;
    memset(l, 0, sizeof *l);
    if (var != V_MAX)
        return;
    fill_record(&g_recs[0], V_MAX);
    fill_record(&g_recs[1], V_MIN);
    realistic_record(&g_recs[2], 42);
    g_nrecs = NRECS;
    if (g_list_sb_init)
        msgpack_sbuffer_destroy(&g_list_sb);
    msgpack_sbuffer_init(&g_list_sb);
    g_list_sb_init = true;
    pack_records(&g_list_sb, g_recs, g_nrecs);
    l->n = g_nrecs;
    l->raw = g_list_sb.data;
    l->rawlen = g_list_sb.size;
}

/* An answer of a plausible shape, with every msgpack kind but ext. */
static void pack_sample_any(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 6);
    msgpack_pack_str_with_body(pk, "rows", 4);
    msgpack_pack_array(pk, 2);
    msgpack_pack_map(pk, 4);
    msgpack_pack_str_with_body(pk, "node", 4);
    msgpack_pack_str_with_body(pk, "HN", 2);
    msgpack_pack_str_with_body(pk, "count", 5);
    msgpack_pack_int64(pk, 12);
    msgpack_pack_str_with_body(pk, "ok", 2);
    msgpack_pack_true(pk);
    msgpack_pack_str_with_body(pk, "ratio", 5);
    msgpack_pack_double(pk, 0.25);
    msgpack_pack_map(pk, 4);
    msgpack_pack_str_with_body(pk, "node", 4);
    msgpack_pack_str_with_body(pk, "HCM", 3);
    msgpack_pack_str_with_body(pk, "count", 5);
    msgpack_pack_int64(pk, -1);
    msgpack_pack_str_with_body(pk, "ok", 2);
    msgpack_pack_false(pk);
    msgpack_pack_str_with_body(pk, "ratio", 5);
    msgpack_pack_nil(pk);
    msgpack_pack_str_with_body(pk, "total", 5);
    msgpack_pack_uint64(pk, UINT64_MAX);
    msgpack_pack_str_with_body(pk, "bin", 3);
    msgpack_pack_bin_with_body(pk, "\x00\x01\x02", 3);
    msgpack_pack_str_with_body(pk, "empty", 5);
    msgpack_pack_array(pk, 0);
    msgpack_pack_str_with_body(pk, "deep", 4); /* data is level 2: 3, 4, 5, 6 */
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 1);
    msgpack_pack_map(pk, 1);
    msgpack_pack_int64(pk, 1); /* non-string keys are fine inside ANY */
    msgpack_pack_float(pk, 1.5f);
    msgpack_pack_str_with_body(pk, "f32", 3);
    msgpack_pack_float(pk, 2.5f);
}

static void fill_ANY(void *dst, int cs, int64_t mn, uint64_t mx, int var)
{
    proto_any_t *a = dst;
    memset(a, 0, sizeof *a);
    if (var != V_MAX)
        return;
    if (g_any_sb_init)
        msgpack_sbuffer_destroy(&g_any_sb);
    msgpack_sbuffer_init(&g_any_sb);
    g_any_sb_init = true;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &g_any_sb, msgpack_sbuffer_write);
    pack_sample_any(&pk);
    a->raw = g_any_sb.data;
    a->rawlen = g_any_sb.size;
}

#define FILL(kind, field, cs, mn, mx, pres, doc) fill_##kind(&s->field, C_##cs, (int64_t)(mn), (uint64_t)(mx), var);
#define FILLDEF(NAME, name, maxb, doc)                                                                             \
    static void fill_##name(proto_##name##_t *s, int var)                                                         \
    {                                                                                                              \
        memset(s, 0, sizeof *s);                                                                                   \
        PROTO_FIELDS_##NAME(FILL)                                                                                  \
    }
PROTO_MESSAGES(FILLDEF)
PROTO_NESTED(FILLDEF)
#undef FILLDEF

static void fill_msg(proto_msg_t *m, proto_type_t t, int var)
{
    memset(m, 0, sizeof *m);
    m->type = t;
    switch (t) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        fill_##name(&m->u.name, var);                                                                              \
        break;
        PROTO_MESSAGES(C)
#undef C
    default:
        fail_msg("fill_msg: type %d", (int)t);
    }
}

/* Is a field of the encode-side struct set (sent when optional)? */
static bool set_STR(const void *p) { return ((const char *)p)[0] != '\0'; }
static bool set_UINT(const void *p) { return *(const uint64_t *)p != 0; }
static bool set_INT(const void *p) { return *(const int64_t *)p != 0; }
static bool set_BOOL(const void *p) { return *(const bool *)p; }
static bool set_VALUES(const void *p) { return ((const proto_values_t *)p)->n > 0; }
static bool set_LIST(const void *p) { return ((const proto_list_t *)p)->n > 0; }
static bool set_ANY(const void *p) { return ((const proto_any_t *)p)->raw != NULL; }
static bool set_STRMAP(const void *p) { return ((const proto_strmap_t *)p)->n > 0; }

static void cmp_STR(const char *ctx, const char *f, const void *a, const void *b)
{
    if (strcmp(a, b))
        fail_msg("%s.%s: sent \"%.80s\", decoded \"%.80s\"", ctx, f, (const char *)a, (const char *)b);
}

static void cmp_UINT(const char *ctx, const char *f, const void *a, const void *b)
{
    if (*(const uint64_t *)a != *(const uint64_t *)b)
        fail_msg("%s.%s: sent %llu, decoded %llu", ctx, f, (unsigned long long)*(const uint64_t *)a,
                 (unsigned long long)*(const uint64_t *)b);
}

static void cmp_INT(const char *ctx, const char *f, const void *a, const void *b)
{
    if (*(const int64_t *)a != *(const int64_t *)b)
        fail_msg("%s.%s: sent %lld, decoded %lld", ctx, f, (long long)*(const int64_t *)a,
                 (long long)*(const int64_t *)b);
}

static void cmp_BOOL(const char *ctx, const char *f, const void *a, const void *b)
{
    if (*(const bool *)a != *(const bool *)b)
        fail_msg("%s.%s: sent %d, decoded %d", ctx, f, *(const bool *)a, *(const bool *)b);
}

static void cmp_VALUES(const char *ctx, const char *f, const void *pa, const void *pb)
{
    const proto_values_t *a = pa, *b = pb;
    if (a->n != b->n)
        fail_msg("%s.%s: sent %u values, decoded %u", ctx, f, a->n, b->n);
    for (uint32_t i = 0; i < a->n; i++) {
        proto_value_t va, vb;
        if (proto_values_at(a, i, &va) || proto_values_at(b, i, &vb))
            fail_msg("%s.%s: proto_values_at(%u) failed", ctx, f, i);
        char c[128];
        snprintf(c, sizeof c, "%s.%s", ctx, f);
        cmp_value(c, &va, &vb);
    }
    proto_value_t dummy;
    if (proto_values_at(b, b->n, &dummy) == 0)
        fail_msg("%s.%s: proto_values_at(n) succeeded", ctx, f);
}

/* Entry by entry in order (the encoder keeps the order), and
 * proto_strmap_equal() in both directions. */
static void cmp_STRMAP(const char *ctx, const char *f, const void *pa, const void *pb)
{
    const proto_strmap_t *a = pa, *b = pb;
    if (a->n != b->n)
        fail_msg("%s.%s: sent %u entries, decoded %u", ctx, f, a->n, b->n);
    for (uint32_t i = 0; i < a->n; i++) {
        proto_strpair_t ea, eb;
        if (proto_strmap_at(a, i, &ea) || proto_strmap_at(b, i, &eb))
            fail_msg("%s.%s: proto_strmap_at(%u) failed", ctx, f, i);
        if (ea.code.len != eb.code.len || memcmp(ea.code.ptr, eb.code.ptr, ea.code.len) ||
            ea.text.len != eb.text.len || memcmp(ea.text.ptr, eb.text.ptr, ea.text.len))
            fail_msg("%s.%s: entry %u differs", ctx, f, i);
    }
    if (!proto_strmap_equal(a, b) || !proto_strmap_equal(b, a))
        fail_msg("%s.%s: proto_strmap_equal says they differ", ctx, f);
    proto_strpair_t dummy;
    if (proto_strmap_at(b, b->n, &dummy) == 0)
        fail_msg("%s.%s: proto_strmap_at(n) succeeded", ctx, f);
}

static void cmp_record(const char *ctx, const proto_record_t *want, const proto_record_t *got);

static void cmp_LIST(const char *ctx, const char *f, const void *pa, const void *pb)
{
    const proto_list_t *a = pa, *b = pb;
    if (a->n != b->n)
        fail_msg("%s.%s: sent %u entries, decoded %u", ctx, f, a->n, b->n);
    if (a->n == 0)
        return;
    if (a->raw != g_list_sb.data || a->n != g_nrecs)
        fail_msg("%s.%s: the list was not built by fill_LIST", ctx, f);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (uint32_t i = 0; i < b->n; i++) {
        proto_record_t rec;
        proto_error_t err;
        int rc = proto_record_at(b, i, &rec, &err);
        if (rc)
            fail_msg("%s.%s[%u]: %s", ctx, f, i, err.message);
        char c[128];
        snprintf(c, sizeof c, "%s.%s[%u]", ctx, f, i);
        cmp_record(c, &g_recs[i], &rec);
        assert_int_equal(proto_pack_record(&pk, &rec, NULL), 0);
    }
    /* The decoded records pack back to the very bytes that were sent. */
    if (sb.size != a->rawlen || memcmp(sb.data, a->raw, sb.size))
        fail_msg("%s.%s: repacked records differ from the sent bytes", ctx, f);
    msgpack_sbuffer_destroy(&sb);
    proto_record_t rec;
    proto_error_t err;
    if (proto_record_at(b, b->n, &rec, &err) == 0)
        fail_msg("%s.%s: proto_record_at(n) succeeded", ctx, f);
}

static void cmp_ANY(const char *ctx, const char *f, const void *pa, const void *pb)
{
    const proto_any_t *a = pa, *b = pb;
    if (!a->raw) {
        if (b->obj)
            fail_msg("%s.%s: absent, but decoded an object", ctx, f);
        return;
    }
    if (!b->obj)
        fail_msg("%s.%s: sent, but not decoded", ctx, f);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_object(&pk, *b->obj);
    if (sb.size != a->rawlen || memcmp(sb.data, a->raw, sb.size))
        fail_msg("%s.%s: the decoded object packs to %zu bytes that differ from the %zu sent", ctx, f, sb.size,
                 a->rawlen);
    msgpack_sbuffer_destroy(&sb);
}

static void check_present(const char *ctx, const char *f, uint32_t present, int j, bool want)
{
    bool got = (present >> j) & 1u;
    if (got != want)
        fail_msg("%s.%s: present bit is %d, expected %d", ctx, f, got, want);
}

#define CMP(kind, field, cs, mn, mx, pres, doc)                                                                    \
    cmp_##kind(ctx, #field, &want->field, &got->field);                                                            \
    check_present(ctx, #field, got->present, j, P_##pres || set_##kind(&want->field));                            \
    j++;
#define CMPDEF(NAME, name, maxb, doc)                                                                              \
    static void cmp_##name(const char *ctx, const proto_##name##_t *want, const proto_##name##_t *got)            \
    {                                                                                                              \
        int j = 0;                                                                                                 \
        PROTO_FIELDS_##NAME(CMP)                                                                                   \
        if (got->present >> j)                                                                                     \
            fail_msg("%s: present bits beyond the last field: 0x%x", ctx, got->present);                          \
    }
PROTO_MESSAGES(CMPDEF)
PROTO_NESTED(CMPDEF)
#undef CMPDEF

static void cmp_msg(const char *ctx, const proto_msg_t *want, const proto_msg_t *got)
{
    if (want->type != got->type)
        fail_msg("%s: type %s decoded as %s", ctx, proto_type_name(want->type), proto_type_name(got->type));
    switch (want->type) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        cmp_##name(ctx, &want->u.name, &got->u.name);                                                              \
        break;
        PROTO_MESSAGES(C)
#undef C
    default:
        fail_msg("cmp_msg: type %d", (int)want->type);
    }
}

/* Turns the decode-side LIST and ANY fields of a decoded message into their
 * encode-side form, so that the message can be encoded again.  The packed
 * bytes live in sbuffers appended to conv_sbs (freed by conv_free). */
#define NCONV 8
static msgpack_sbuffer conv_sbs[NCONV];
static int nconv;

static msgpack_sbuffer *conv_sb(void)
{
    assert_true(nconv < NCONV);
    msgpack_sbuffer_init(&conv_sbs[nconv]);
    return &conv_sbs[nconv++];
}

static void conv_free(void)
{
    for (int i = 0; i < nconv; i++)
        msgpack_sbuffer_destroy(&conv_sbs[i]);
    nconv = 0;
}

static void conv_STR(void *p) { (void)p; }
static void conv_UINT(void *p) { (void)p; }
static void conv_INT(void *p) { (void)p; }
static void conv_BOOL(void *p) { (void)p; }
static void conv_VALUES(void *p) { (void)p; }
static void conv_STRMAP(void *p) { (void)p; }

static void conv_LIST(void *p)
{
    proto_list_t *l = p;
    msgpack_sbuffer *sb = conv_sb();
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    for (uint32_t i = 0; i < l->n; i++) {
        proto_record_t rec;
        assert_int_equal(proto_record_at(l, i, &rec, NULL), 0);
        assert_int_equal(proto_pack_record(&pk, &rec, NULL), 0);
    }
    l->raw = sb->data;
    l->rawlen = sb->size;
}

static void conv_ANY(void *p)
{
    proto_any_t *a = p;
    if (!a->obj)
        return;
    msgpack_sbuffer *sb = conv_sb();
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_object(&pk, *a->obj);
    a->raw = sb->data;
    a->rawlen = sb->size;
}

#define CONV(kind, field, cs, mn, mx, pres, doc) conv_##kind(&s->field);
#define CONVDEF(NAME, name, maxb, doc)                                                                             \
    static void conv_##name(proto_##name##_t *s) { PROTO_FIELDS_##NAME(CONV) }
PROTO_MESSAGES(CONVDEF)
#undef CONVDEF

static void conv_msg(proto_msg_t *m)
{
    switch (m->type) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        conv_##name(&m->u.name);                                                                                   \
        break;
        PROTO_MESSAGES(C)
#undef C
    default:
        fail_msg("conv_msg: type %d", (int)m->type);
    }
}

static void encode_ok(const char *what, const proto_msg_t *m, char **out, size_t *len)
{
    proto_error_t err;
    memset(&err, 0, sizeof err);
    int rc = proto_encode(m, out, len, &err);
    if (rc)
        fail_msg("%s: encode failed: %s %s", what, proto_err_code(rc), err.message);
    assert_non_null(*out);
}

static void group_free(void)
{
    if (g_list_sb_init)
        msgpack_sbuffer_destroy(&g_list_sb);
    if (g_any_sb_init)
        msgpack_sbuffer_destroy(&g_any_sb);
    g_list_sb_init = g_any_sb_init = false;
    conv_free();
}

/* ------------------------------------------------------------------------
 * 1. Round trips
 * ------------------------------------------------------------------------ */

static void roundtrip(proto_type_t t, int var)
{
    char ctx[64];
    snprintf(ctx, sizeof ctx, "%s(%s)", proto_type_name(t), var == V_MAX ? "max" : "min");
    proto_msg_t in, out;
    fill_msg(&in, t, var);
    char *buf;
    size_t len;
    encode_ok(ctx, &in, &buf, &len);
    assert_true(len <= proto_type_max_bytes(t));
    void *copy = decode_ok(ctx, buf, len, t, &out);
    cmp_msg(ctx, &in, &out);

    /* Encoding the decoded message gives the same bytes (the encoding is
     * canonical and nothing is lost on the way). */
    conv_msg(&out);
    char *buf2;
    size_t len2;
    encode_ok(ctx, &out, &buf2, &len2);
    if (len2 != len || memcmp(buf, buf2, len))
        fail_msg("%s: re-encoding the decoded message gives different bytes (%zu vs %zu)", ctx, len2, len);
    free(buf2);
    proto_msg_free(&out);
    proto_msg_free(&out); /* twice is harmless */
    free(copy);
    free(buf);
    group_free();
}

static void test_rt_max(void **state)
{
    roundtrip((proto_type_t)(intptr_t)*state, V_MAX);
}

static void test_rt_min(void **state)
{
    roundtrip((proto_type_t)(intptr_t)*state, V_MIN);
}

/* A realistic SUBMIT, and its bytes written by hand. */
static proto_value_t real_vals[8];
static uint32_t nreal;

static void realistic_submit(proto_msg_t *m)
{
    memset(m, 0, sizeof *m);
    nreal = 0;
    add_value(real_vals, &nreal, "visits", PV_INT, 1234);
    add_value(real_vals, &nreal, "deaths", PV_INT, 0);
    add_value(real_vals, &nreal, "has_lab", PV_BOOL, 1);
    add_value(real_vals, &nreal, "closed", PV_BOOL, 0);
    proto_value_t *v = add_value(real_vals, &nreal, "services", PV_TAGS, 0);
    set_tag(v, "vaccination");
    set_tag(v, "antenatal");
    add_value(real_vals, &nreal, "adjust", PV_INT, -7);
    m->type = PROTO_SUBMIT;
    proto_submit_t *s = &m->u.submit;
    strcpy(s->id, "HN01-2025Q3-1");
    strcpy(s->unit, "HN01");
    strcpy(s->dataset, "CCHC_Q");
    strcpy(s->period, "2025Q3");
    s->values.n = nreal;
    s->values.items = real_vals;
    strcpy(s->note, "B\xc3\xa1o c\xc3\xa1o qu\xc3\xbd 3");
}

static void hand_submit(mb_t *b)
{
    mp_submit_head(b, "HN01-2025Q3-1", 1);
    mp_map(b, 6);
    mp_str(b, "visits");
    mp_int(b, 1234);
    mp_str(b, "deaths");
    mp_int(b, 0);
    mp_str(b, "has_lab");
    mp_bool(b, true);
    mp_str(b, "closed");
    mp_bool(b, false);
    mp_str(b, "services");
    mp_arr(b, 2);
    mp_str(b, "vaccination");
    mp_str(b, "antenatal");
    mp_str(b, "adjust");
    mp_int(b, -7);
    mp_kv_str(b, "note", "B\xc3\xa1o c\xc3\xa1o qu\xc3\xbd 3");
}

static void submit_exact(void **state)
{
    proto_msg_t in, out;
    realistic_submit(&in);
    char *buf;
    size_t len;
    encode_ok("SUBMIT", &in, &buf, &len);
    mb_t hand = {0};
    hand_submit(&hand);
    if (len != hand.len || memcmp(buf, hand.p, len))
        fail_msg("proto_encode's %zu bytes differ from the %zu hand-written ones", len, hand.len);

    void *copy = decode_ok("hand SUBMIT", hand.p, hand.len, PROTO_SUBMIT, &out);
    const proto_submit_t *s = &out.u.submit;
    assert_string_equal(s->id, "HN01-2025Q3-1");
    assert_string_equal(s->unit, "HN01");
    assert_string_equal(s->dataset, "CCHC_Q");
    assert_string_equal(s->period, "2025Q3");
    assert_string_equal(s->note, "B\xc3\xa1o c\xc3\xa1o qu\xc3\xbd 3");
    assert_int_equal(s->present, 0x3f);
    assert_int_equal(s->values.n, 6);
    proto_value_t v;
    assert_int_equal(proto_values_at(&s->values, 0, &v), 0);
    assert_string_equal(v.code, "visits");
    assert_int_equal(v.kind, PV_INT);
    assert_int_equal(v.i, 1234);
    assert_int_equal(proto_values_at(&s->values, 2, &v), 0);
    assert_string_equal(v.code, "has_lab");
    assert_int_equal(v.kind, PV_BOOL);
    assert_int_equal(v.i, 1);
    assert_int_equal(proto_values_at(&s->values, 3, &v), 0);
    assert_int_equal(v.kind, PV_BOOL);
    assert_int_equal(v.i, 0);
    assert_int_equal(proto_values_at(&s->values, 4, &v), 0);
    assert_int_equal(v.kind, PV_TAGS);
    assert_int_equal(v.ntags, 2);
    assert_int_equal(v.tags[1].len, 9);
    assert_memory_equal(v.tags[1].ptr, "antenatal", 9);
    assert_int_equal(proto_values_at(&s->values, 5, &v), 0);
    assert_int_equal(v.kind, PV_INT);
    assert_int_equal(v.i, -7);
    cmp_msg("SUBMIT", &in, &out);
    proto_msg_free(&out);
    free(copy);
    free(buf);
    mb_free(&hand);
}

/* A DECIDE as proto_encode() writes it, its bytes written by hand, and
 * hostile variants: each field of the wrong kind or out of range. */
static void decide_hand(mb_t *b, const char *decision, void (*version)(mb_t *), const char *due)
{
    b->len = 0;
    mp_head(b, 6 + (version != NULL) + (due != NULL), "DECIDE");
    mp_kv_str(b, "id", "dec-1");
    mp_kv_str(b, "unit", "HP.XA.VIET_KHE");
    mp_kv_str(b, "dataset", "CCHC_Q");
    mp_kv_str(b, "period", "2025Q3");
    mp_kv_str(b, "decision", decision);
    if (version) {
        mp_str(b, "version");
        version(b);
    }
    if (due)
        mp_kv_str(b, "due", due);
    mp_kv_str(b, "note", "Tr\xe1\xba\xa3 l\xe1\xba\xa1i: thi\xe1\xba\xbfu s\xe1\xbb\x91 li\xe1\xbb\x87u");
}

static void ver2(mb_t *b) { mp_uint(b, 2); }
static void ver_neg(mb_t *b) { mp_int(b, -2); }
static void ver_str(mb_t *b) { mp_str(b, "2"); }
static void ver_big(mb_t *b) { mp_uint(b, (uint64_t)UINT32_MAX + 1); }

static void decide_exact(void **state)
{
    proto_msg_t in, out;
    memset(&in, 0, sizeof in);
    in.type = PROTO_DECIDE;
    proto_decide_t *d = &in.u.decide;
    strcpy(d->id, "dec-1");
    strcpy(d->unit, "HP.XA.VIET_KHE");
    strcpy(d->dataset, "CCHC_Q");
    strcpy(d->period, "2025Q3");
    strcpy(d->decision, "return");
    d->version = 2;
    strcpy(d->note, "Tr\xe1\xba\xa3 l\xe1\xba\xa1i: thi\xe1\xba\xbfu s\xe1\xbb\x91 li\xe1\xbb\x87u");
    char *buf;
    size_t len;
    encode_ok("DECIDE", &in, &buf, &len);
    mb_t hand = {0};
    decide_hand(&hand, "return", ver2, NULL);
    if (len != hand.len || memcmp(buf, hand.p, len))
        fail_msg("proto_encode's %zu bytes differ from the %zu hand-written ones", len, hand.len);
    void *copy = decode_ok("hand DECIDE", hand.p, hand.len, PROTO_DECIDE, &out);
    assert_string_equal(out.u.decide.decision, "return");
    assert_int_equal(out.u.decide.version, 2);
    assert_string_equal(out.u.decide.due, "");
    cmp_msg("DECIDE", &in, &out);
    proto_msg_free(&out);
    free(copy);
    free(buf);
    /* an extension: due, no version */
    decide_hand(&hand, "extend", NULL, "2025-10-20");
    copy = decode_ok("DECIDE extend", hand.p, hand.len, PROTO_DECIDE, &out);
    assert_string_equal(out.u.decide.due, "2025-10-20");
    assert_int_equal(out.u.decide.version, 0);
    proto_msg_free(&out);
    free(copy);
    /* hostile: the decoder names the field; the collector's checks come later */
    decide_hand(&hand, "return", ver_neg, NULL);
    expect_err_mb("negative version", &hand, PROTO_E_FIELD, "'version'");
    decide_hand(&hand, "return", ver_str, NULL);
    expect_err_mb("version as a string", &hand, PROTO_E_FIELD, "'version'");
    decide_hand(&hand, "return", ver_big, NULL);
    expect_err_mb("version above 2^32-1", &hand, PROTO_E_FIELD, "'version'");
    decide_hand(&hand, "approve now", ver2, NULL);
    expect_err_mb("decision with a space", &hand, PROTO_E_FIELD, "'decision'");
    decide_hand(&hand, "", ver2, NULL);
    expect_err_mb("empty decision", &hand, PROTO_E_FIELD, "'decision'");
    decide_hand(&hand, "unsilence-forever", ver2, NULL);
    expect_err_mb("decision of 17 bytes", &hand, PROTO_E_FIELD, "'decision'");
    decide_hand(&hand, "extend", NULL, "2025-10-20T00");
    expect_err_mb("due of 13 bytes", &hand, PROTO_E_FIELD, "'due'");
    decide_hand(&hand, "extend", NULL, "20/10/2025");
    expect_err_mb("due with slashes", &hand, PROTO_E_FIELD, "'due'");
    mb_free(&hand);
}

/* Without the optional note: 7 keys, note absent and empty. */
static void submit_no_note(void **state)
{
    proto_msg_t in, out;
    realistic_submit(&in);
    in.u.submit.note[0] = '\0';
    char *buf;
    size_t len;
    encode_ok("SUBMIT", &in, &buf, &len);
    assert_int_equal((unsigned char)buf[0], 0x87);
    void *copy = decode_ok("SUBMIT without note", buf, len, PROTO_SUBMIT, &out);
    assert_int_equal(out.u.submit.present, 0x1f);
    assert_string_equal(out.u.submit.note, "");
    cmp_msg("SUBMIT", &in, &out);
    proto_msg_free(&out);
    free(copy);
    free(buf);
}

/* The decoder accepts any valid msgpack form, not only the shortest:
 * str8/str16 for short strings, uint64 for small numbers, map16 headers. */
static void non_canonical_forms(void **state)
{
    mb_t b = {0};
    mb_byte(&b, 0xde), mb_be(&b, 7, 2); /* map16 with 7 entries */
    mp_str(&b, "v");
    mb_byte(&b, 0xcf), mb_be(&b, 1, 8); /* uint64 1 */
    mb_byte(&b, 0xd9), mb_be(&b, 4, 1), mb_put(&b, "type", 4);
    mb_byte(&b, 0xda), mb_be(&b, 3, 2), mb_put(&b, "ACK", 3);
    mp_kv_str(&b, "id", "x1");
    mp_kv_str(&b, "status", "accepted");
    mp_str(&b, "seq");
    mb_byte(&b, 0xd3), mb_be(&b, 5, 8); /* int64 5 */
    mp_str(&b, "version");
    mb_byte(&b, 0xd0), mb_be(&b, 1, 1); /* int8 1 */
    mp_str(&b, "received_at");
    mb_byte(&b, 0xce), mb_be(&b, 1760000000u, 4);
    proto_msg_t m;
    void *c = decode_ok("non-canonical ACK", b.p, b.len, PROTO_ACK, &m);
    assert_int_equal(m.u.ack.seq, 5);
    assert_int_equal(m.u.ack.version, 1);
    assert_int_equal(m.u.ack.received_at, 1760000000);
    assert_string_equal(m.u.ack.status, "accepted");
    proto_msg_free(&m);
    free(c);
    mb_free(&b);
}

/* Unknown fields, of any msgpack kind but ext, are ignored wherever they
 * appear (forward compatibility), at the top and inside RECORDs. */
static void unknown_fields_ignored(void **state)
{
    mb_t b = {0};
    mp_map(&b, 8 + 6);
    mp_str(&b, "future_map");
    mp_map(&b, 2);
    mp_kv_str(&b, "a", "b");
    mp_uint(&b, 7);
    mp_arr(&b, 1);
    mp_nil(&b);
    mp_str(&b, "future_bin");
    mp_bin(&b, "\x00\xff", 2);
    mp_str(&b, "future_float");
    mp_f64(&b, 3.25);
    mp_str(&b, "future_nil");
    mp_nil(&b);
    mp_str(&b, "Note"); /* keys are case-sensitive: not "note" */
    mp_str(&b, "\xff not even utf-8");
    mp_str(&b, "");
    mp_int(&b, -1);
    /* then the usual fields */
    mb_t s = {0};
    hand_submit(&s);
    mb_put(&b, s.p + 1, s.len - 1); /* without its map header */
    proto_msg_t m;
    void *c = decode_ok("SUBMIT with unknown fields", b.p, b.len, PROTO_SUBMIT, &m);
    proto_msg_t want;
    realistic_submit(&want);
    cmp_msg("SUBMIT", &want, &m);
    proto_msg_free(&m);
    free(c);

    /* inside a RECORD too */
    proto_record_t rec;
    realistic_record(&rec, 7);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    pack_records(&sb, &rec, 1);
    b.len = 0;
    mp_batch_head(&b, 6, 7, 1);
    mb_byte(&b, (unsigned char)sb.data[0] + 2); /* the record's fixmap, two more pairs */
    mp_kv_str(&b, "x_new", "later");
    mp_str(&b, "x_list");
    mp_arr(&b, 2);
    mp_nil(&b);
    mp_f32(&b, 0.5f);
    mb_put(&b, sb.data + 1, sb.size - 1);
    c = decode_ok("RECORD with unknown fields", b.p, b.len, PROTO_BATCH, &m);
    proto_record_t got;
    assert_int_equal(proto_record_at(&m.u.batch.records, 0, &got, NULL), 0);
    cmp_record("records[0]", &rec, &got);
    proto_msg_free(&m);
    free(c);
    msgpack_sbuffer_destroy(&sb);
    mb_free(&b);
    mb_free(&s);
}

/* ------------------------------------------------------------------------
 * 2. The encoder's own checks
 * ------------------------------------------------------------------------ */

static void expect_encode_err(const char *what, const proto_msg_t *m, int code, const char *needle)
{
    char *out = (char *)1;
    size_t len = 99;
    proto_error_t err;
    memset(&err, 0, sizeof err);
    int rc = proto_encode(m, &out, &len, &err);
    if (rc != code)
        fail_msg("%s: encode returned %s, expected %s (%s)", what, proto_err_code(rc), proto_err_code(code),
                 err.message);
    assert_null(out);
    assert_int_equal(len, 0);
    if (needle && !strstr(err.message, needle))
        fail_msg("%s: sentence \"%s\" does not mention %s", what, err.message, needle);
    /* err may be NULL */
    assert_int_equal(proto_encode(m, &out, &len, NULL), code);
    assert_null(out);
}

static void encoder_checks(void **state)
{
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_NONE;
    expect_encode_err("type NONE", &m, PROTO_E_TYPE, NULL);
    m.type = PROTO_RECORD;
    expect_encode_err("type RECORD", &m, PROTO_E_TYPE, NULL);
    m.type = PROTO_NTYPES;
    expect_encode_err("type NTYPES", &m, PROTO_E_TYPE, NULL);

    /* the realistic SUBMIT with one thing broken */
#define BROKEN(what, breakage, code, needle)                                                                       \
    do {                                                                                                           \
        realistic_submit(&m);                                                                                      \
        breakage;                                                                                                  \
        expect_encode_err(what, &m, code, needle);                                                                 \
    } while (0)
    BROKEN("id with a space", strcpy(m.u.submit.id, "a b"), PROTO_E_FIELD, "'id'");
    BROKEN("empty unit", m.u.submit.unit[0] = '\0', PROTO_E_FIELD, "'unit'");
    BROKEN("short period", strcpy(m.u.submit.period, "202"), PROTO_E_FIELD, "'period'");
    BROKEN("note not UTF-8", strcpy(m.u.submit.note, "bad \xc3"), PROTO_E_FIELD, "'note'");
    BROKEN("bool value 2", real_vals[2].i = 2, PROTO_E_VALUE, "has_lab");
    BROKEN("value kind 0", real_vals[0].kind = 0, PROTO_E_VALUE, "visits");
    BROKEN("33 tags", real_vals[4].ntags = PROTO_TAGS_MAX + 1, PROTO_E_VALUE, "services");
    BROKEN("tag with a space", (real_vals[4].tags[0].ptr = "bad tag", real_vals[4].tags[0].len = 7), PROTO_E_VALUE,
           "services");
    BROKEN("indicator code with a space", strcpy(real_vals[1].code, "de aths"), PROTO_E_FIELD, "values");
    BROKEN("257 values", m.u.submit.values.n = 257, PROTO_E_FIELD, "'values'");
#undef BROKEN

    memset(&m, 0, sizeof m);
    m.type = PROTO_ACK;
    strcpy(m.u.ack.id, "x");
    strcpy(m.u.ack.status, "accepted");
    m.u.ack.version = 1;
    expect_encode_err("ACK seq 0", &m, PROTO_E_FIELD, "'seq'");
    m.u.ack.seq = 1;
    m.u.ack.received_at = -1;
    expect_encode_err("ACK negative time", &m, PROTO_E_FIELD, "'received_at'");
    m.u.ack.received_at = 0;
    m.u.ack.version = (uint64_t)UINT32_MAX + 1;
    expect_encode_err("ACK version 2^32", &m, PROTO_E_FIELD, "'version'");

    memset(&m, 0, sizeof m);
    m.type = PROTO_FETCH;
    m.u.fetch.max = 10001;
    expect_encode_err("FETCH max 10001", &m, PROTO_E_FIELD, "'max'");
    m.u.fetch.max = 10;
    m.u.fetch.wait_ms = 60001;
    expect_encode_err("FETCH wait_ms 60001", &m, PROTO_E_FIELD, "'wait_ms'");

    memset(&m, 0, sizeof m);
    m.type = PROTO_BATCH;
    m.u.batch.records.n = 2; /* but no raw bytes */
    expect_encode_err("BATCH without record bytes", &m, PROTO_E_FIELD, "'records'");
    m.u.batch.records.n = 10001;
    m.u.batch.records.raw = "";
    expect_encode_err("BATCH of 10001 records", &m, PROTO_E_FIELD, "'records'");

    /* A SUBMIT larger than 65536 bytes: 256 values of 32 tags of 64 bytes. */
    static proto_value_t many[256];
    init_samples();
    for (int i = 0; i < 256; i++) {
        many[i] = sample_values[nsample - 2]; /* all_tags */
        snprintf(many[i].code, sizeof many[i].code, "ind%03d", i);
    }
    realistic_submit(&m);
    m.u.submit.values.n = 256;
    m.u.submit.values.items = many;
    expect_encode_err("SUBMIT of 550 kB", &m, PROTO_E_TOO_LARGE, "SUBMIT");

    /* proto_pack_record validates too. */
    proto_record_t r;
    realistic_record(&r, 0); /* seq 0 < 1 */
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    proto_error_t err;
    assert_int_equal(proto_pack_record(&pk, &r, &err), PROTO_E_FIELD);
    assert_non_null(strstr(err.message, "'seq'"));
    msgpack_sbuffer_destroy(&sb);
}

/* The largest values the definition allows encode; one more is refused. */
static void encoder_limits(void **state)
{
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_ACK;
    strcpy(m.u.ack.id, "x");
    strcpy(m.u.ack.status, "duplicate");
    m.u.ack.seq = UINT64_MAX;
    m.u.ack.version = UINT32_MAX;
    m.u.ack.received_at = INT64_MAX;
    char *buf;
    size_t len;
    encode_ok("ACK at limits", &m, &buf, &len);
    proto_msg_t out;
    void *c = decode_ok("ACK at limits", buf, len, PROTO_ACK, &out);
    assert_true(out.u.ack.seq == UINT64_MAX);
    assert_true(out.u.ack.version == UINT32_MAX);
    assert_true(out.u.ack.received_at == INT64_MAX);
    proto_msg_free(&out);
    free(c);
    free(buf);
}

/* ------------------------------------------------------------------------
 * 3. BATCH records and RESULT payloads
 * ------------------------------------------------------------------------ */

static void batch_records(void **state)
{
    enum { N = 5 };
    proto_record_t recs[N];
    for (int i = 0; i < N; i++)
        realistic_record(&recs[i], 101 + (uint64_t)i);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    pack_records(&sb, recs, N);
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_BATCH;
    m.u.batch.after = 100;
    m.u.batch.head = 250;
    m.u.batch.records.n = N;
    m.u.batch.records.raw = sb.data;
    m.u.batch.records.rawlen = sb.size;
    char *buf;
    size_t len;
    encode_ok("BATCH", &m, &buf, &len);
    proto_msg_t out;
    void *c = decode_ok("BATCH", buf, len, PROTO_BATCH, &out);
    assert_int_equal(out.u.batch.after, 100);
    assert_int_equal(out.u.batch.head, 250);
    assert_int_equal(out.u.batch.records.n, N);
    for (uint32_t i = 0; i < N; i++) {
        proto_record_t r;
        proto_error_t err;
        assert_int_equal(proto_record_at(&out.u.batch.records, i, &r, &err), 0);
        assert_int_equal(r.seq, 101 + i);
        char ctx[32];
        snprintf(ctx, sizeof ctx, "records[%u]", i);
        cmp_record(ctx, &recs[i], &r);
        assert_int_equal(r.present & (1u << 9), (i + 101) % 2 ? 1u << 9 : 0); /* note */
    }
    proto_record_t r;
    proto_error_t err;
    assert_int_equal(proto_record_at(&out.u.batch.records, N, &r, &err), PROTO_E_FIELD);
    proto_msg_free(&out);
    free(c);
    free(buf);
    msgpack_sbuffer_destroy(&sb);
}

/* A BATCH of exactly 10000 records decodes; 10001 do not. */
static void batch_limits(void **state)
{
    for (uint32_t n = 10000; n <= 10001; n++) {
        mb_t b = {0};
        mp_batch_head(&b, 0, n, n);
        for (uint32_t i = 0; i < n; i++) {
            mp_map(&b, 9);
            mp_str(&b, "seq");
            mp_uint(&b, i + 1);
            mp_kv_str(&b, "id", "s");
            mp_kv_str(&b, "unit", "U");
            mp_kv_str(&b, "submitter", "U");
            mp_kv_str(&b, "dataset", "D");
            mp_kv_str(&b, "period", "2025");
            mp_str(&b, "values");
            mp_map(&b, 0);
            mp_str(&b, "received_at");
            mp_uint(&b, 0);
            mp_str(&b, "version");
            mp_uint(&b, 1);
        }
        if (n == 10000) {
            proto_msg_t m;
            void *c = decode_ok("BATCH of 10000", b.p, b.len, PROTO_BATCH, &m);
            assert_int_equal(m.u.batch.records.n, 10000);
            proto_record_t r;
            assert_int_equal(proto_record_at(&m.u.batch.records, 9999, &r, NULL), 0);
            assert_int_equal(r.seq, 10000);
            proto_msg_free(&m);
            free(c);
        } else {
            expect_err_mb("BATCH of 10001", &b, PROTO_E_FIELD, "'records'");
        }
        mb_free(&b);
    }
}

static void batch_bad_records(void **state)
{
    mb_t b = {0};
    mp_batch_head(&b, 0, 0, 2);
    size_t at = b.len;
    mp_map(&b, 0);
    mp_str(&b, "not a record");
    expect_err_mb("record is an empty map", &b, PROTO_E_FIELD, "'seq'");
    b.len = at;
    mp_str(&b, "not a record");
    mp_map(&b, 0);
    expect_err_mb("record is a string", &b, PROTO_E_FIELD, "records[0]");
    mb_free(&b);
}

static void result_payloads(void **state)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack_sample_any(&pk);

    /* ok = true with data */
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_RESULT;
    m.u.result.qid = 77;
    m.u.result.ok = true;
    m.u.result.data.raw = sb.data;
    m.u.result.data.rawlen = sb.size;
    char *buf;
    size_t len;
    encode_ok("RESULT ok", &m, &buf, &len);
    proto_msg_t out;
    void *c = decode_ok("RESULT ok", buf, len, PROTO_RESULT, &out);
    assert_int_equal(out.u.result.qid, 77);
    assert_true(out.u.result.ok);
    assert_int_equal(out.u.result.present, 1u | 2u | 16u);
    const msgpack_object *d = out.u.result.data.obj;
    assert_non_null(d);
    assert_int_equal(d->type, MSGPACK_OBJECT_MAP);
    assert_int_equal(d->via.map.size, 6);
    const msgpack_object *rows = &d->via.map.ptr[0].val;
    assert_int_equal(rows->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(rows->via.array.size, 2);
    const msgpack_object *r1 = &rows->via.array.ptr[1];
    assert_int_equal(r1->via.map.ptr[1].val.type, MSGPACK_OBJECT_NEGATIVE_INTEGER);
    assert_int_equal(r1->via.map.ptr[1].val.via.i64, -1);
    assert_true(d->via.map.ptr[1].val.via.u64 == UINT64_MAX);
    assert_int_equal(d->via.map.ptr[2].val.type, MSGPACK_OBJECT_BIN);
    msgpack_sbuffer re;
    msgpack_sbuffer_init(&re);
    msgpack_packer rpk;
    msgpack_packer_init(&rpk, &re, msgpack_sbuffer_write);
    msgpack_pack_object(&rpk, *d);
    assert_int_equal(re.size, sb.size);
    assert_memory_equal(re.data, sb.data, sb.size);
    msgpack_sbuffer_destroy(&re);
    proto_msg_free(&out);
    free(c);
    free(buf);

    /* ok = false with code and message, no data */
    memset(&m, 0, sizeof m);
    m.type = PROTO_RESULT;
    m.u.result.qid = 0;
    strcpy(m.u.result.code, "E_NOT_FOUND");
    strcpy(m.u.result.message, "nothing is known for this node");
    encode_ok("RESULT refused", &m, &buf, &len);
    c = decode_ok("RESULT refused", buf, len, PROTO_RESULT, &out);
    assert_false(out.u.result.ok);
    assert_null(out.u.result.data.obj);
    assert_string_equal(out.u.result.code, "E_NOT_FOUND");
    assert_int_equal(out.u.result.present, 1u | 2u | 4u | 8u);
    proto_msg_free(&out);
    free(c);
    free(buf);

    /* data: nil is present (an object of type nil), not absent */
    mb_t b = {0};
    mp_head(&b, 3, "RESULT");
    mp_str(&b, "qid");
    mp_uint(&b, 3);
    mp_str(&b, "ok");
    mp_bool(&b, true);
    mp_str(&b, "data");
    mp_nil(&b);
    c = decode_ok("RESULT data nil", b.p, b.len, PROTO_RESULT, &out);
    assert_non_null(out.u.result.data.obj);
    assert_int_equal(out.u.result.data.obj->type, MSGPACK_OBJECT_NIL);
    proto_msg_free(&out);
    free(c);
    mb_free(&b);
    msgpack_sbuffer_destroy(&sb);
}

/* proto_pack_head() with the data packed in place behind it gives the bytes
 * proto_encode() gives for the same message with data.raw.  `pack_data`
 * packs the value (NULL: an error RESULT, no data). */
static void head_equals_encode(const char *what, const proto_msg_t *m, void (*pack_data)(msgpack_packer *))
{
    msgpack_sbuffer data, sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&data);
    msgpack_sbuffer_init(&sb);
    proto_msg_t full = *m;
    if (pack_data) {
        msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
        pack_data(&pk);
        full.u.result.data.raw = data.data;
        full.u.result.data.rawlen = data.size;
    }
    char *want;
    size_t wlen;
    encode_ok(what, &full, &want, &wlen);

    proto_error_t err;
    memset(&err, 0, sizeof err);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = proto_pack_head(&pk, m, pack_data != NULL, &err);
    if (rc)
        fail_msg("%s: proto_pack_head failed: %s %s", what, proto_err_code(rc), err.message);
    if (pack_data)
        pack_data(&pk);
    if (sb.size != wlen || memcmp(sb.data, want, wlen))
        fail_msg("%s: %zu bytes in place, proto_encode() gives %zu, or other bytes", what, sb.size, wlen);
    free(want);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&data);
}

static void expect_head_err(const char *what, const proto_msg_t *m, bool data_follows, int code, const char *needle)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    proto_error_t err;
    memset(&err, 0, sizeof err);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = proto_pack_head(&pk, m, data_follows, &err);
    if (rc != code)
        fail_msg("%s: proto_pack_head returned %s, expected %s (%s)", what, proto_err_code(rc), proto_err_code(code),
                 err.message);
    if (needle && !strstr(err.message, needle))
        fail_msg("%s: sentence \"%s\" does not mention %s", what, err.message, needle);
    assert_int_equal(proto_pack_head(&pk, m, data_follows, NULL), code); /* err may be NULL */
    msgpack_sbuffer_destroy(&sb);
}

/* A BATCH as the collector sends it: proto_pack_head(), the records' array
 * header, then the records' bytes as stored -- the bytes proto_encode()
 * gives for the same BATCH with records.raw. */
static void batch_in_place(const proto_msg_t *full)
{
    char *want;
    size_t wlen;
    encode_ok("BATCH", full, &want, &wlen);
    proto_msg_t m = *full;
    m.u.batch.records.n = 0;
    m.u.batch.records.raw = NULL;
    m.u.batch.records.rawlen = 0;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(proto_pack_head(&pk, &m, true, NULL), 0);
    msgpack_pack_array(&pk, full->u.batch.records.n);
    msgpack_sbuffer_write(&sb, full->u.batch.records.raw, full->u.batch.records.rawlen);
    if (sb.size != wlen || memcmp(sb.data, want, wlen))
        fail_msg("BATCH: %zu bytes in place, proto_encode() gives %zu, or other bytes", sb.size, wlen);
    free(want);
    msgpack_sbuffer_destroy(&sb);
}

static void values_as_bytes(void **state)
{
    /* values in forms our encoder would not write: a map16 of 1, a uint64 7 */
    static const char values[] = "\xde\x00\x01\xacPORTAL_POSTS\xcf\x00\x00\x00\x00\x00\x00\x00\x07";
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 8);
    proto_pack_cstr(&pk, "v");
    msgpack_pack_uint32(&pk, 1);
    proto_pack_cstr(&pk, "type");
    proto_pack_cstr(&pk, "SUBMIT");
    const char *kv[] = {"id", "a-1", "unit", "HP.XA.A", "dataset", "Q", "period", "2025Q3", "note", ""};
    for (int i = 0; i < 10; i += 2) {
        proto_pack_cstr(&pk, kv[i]);
        proto_pack_cstr(&pk, kv[i + 1]);
    }
    proto_pack_cstr(&pk, "values");
    msgpack_sbuffer_write(&sb, values, sizeof values - 1);
    proto_msg_t m;
    void *copy = decode_ok("SUBMIT with unusual forms", sb.data, sb.size, PROTO_SUBMIT, &m);
    assert_int_equal(m.u.submit.values.rawlen, sizeof values - 1);
    proto_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = 1;
    rec.version = 1;
    strcpy(rec.id, "a-1");
    strcpy(rec.unit, "HP.XA.A");
    strcpy(rec.submitter, "HP.XA.A");
    strcpy(rec.dataset, "Q");
    strcpy(rec.period, "2025Q3");
    rec.values = m.u.submit.values;
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
    assert_int_equal(proto_pack_record(&pk, &rec, NULL), 0);
    assert_non_null(memmem(out.data, out.size, values, sizeof values - 1));
    /* and the record still decodes to the same value */
    assert_int_equal(proto_prescan(out.data, out.size, PROTO_MAX_DEPTH), 0);
    msgpack_sbuffer_destroy(&out);
    proto_msg_free(&m);
    free(copy);
    msgpack_sbuffer_destroy(&sb);
}

static void result_in_place(void **state)
{
    /* an answer */
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_RESULT;
    m.u.result.qid = 77;
    m.u.result.ok = true;
    head_equals_encode("RESULT with data", &m, pack_sample_any);
    m.u.result.qid = UINT64_MAX;
    head_equals_encode("RESULT with data, largest qid", &m, pack_sample_any);

    /* a refusal: code and message, no data */
    memset(&m, 0, sizeof m);
    m.type = PROTO_RESULT;
    m.u.result.qid = 78;
    strcpy(m.u.result.code, "E_NOT_FOUND");
    strcpy(m.u.result.message, "Không có dữ liệu: nothing is known for this node");
    head_equals_encode("RESULT refused", &m, NULL);

    /* every field at its limit and minimal, as the round trips fill them */
    fill_msg(&m, PROTO_RESULT, V_MAX);
    m.u.result.data.raw = NULL; /* packed in place instead */
    m.u.result.data.rawlen = 0;
    head_equals_encode("RESULT(max)", &m, pack_sample_any);
    head_equals_encode("RESULT(max) without data", &m, NULL);
    fill_msg(&m, PROTO_RESULT, V_MIN);
    head_equals_encode("RESULT(min)", &m, NULL);
    head_equals_encode("RESULT(min) with data", &m, pack_sample_any);
    group_free();

    /* refused like proto_encode(), and only for a message ending in ANY
     * whose value the caller packs */
    memset(&m, 0, sizeof m);
    m.type = PROTO_RESULT;
    strcpy(m.u.result.code, "E NOT FOUND");
    expect_head_err("bad code", &m, false, PROTO_E_FIELD, "'code'");
    expect_head_err("bad code, data follows", &m, true, PROTO_E_FIELD, "'code'");
    memset(&m, 0, sizeof m);
    m.type = PROTO_RESULT;
    m.u.result.data.raw = "\xc0";
    m.u.result.data.rawlen = 1;
    expect_head_err("data given", &m, true, PROTO_E_FIELD, "'data'");
    fill_msg(&m, PROTO_ACK, V_MAX);
    expect_head_err("ACK", &m, false, PROTO_E_TYPE, "ACK");
    fill_msg(&m, PROTO_BATCH, V_MAX);
    expect_head_err("BATCH with records given", &m, true, PROTO_E_FIELD, "'records'");
    batch_in_place(&m);
    m.type = PROTO_RECORD;
    expect_head_err("RECORD", &m, false, PROTO_E_TYPE, NULL);
    m.type = PROTO_NONE;
    expect_head_err("NONE", &m, false, PROTO_E_TYPE, NULL);
    group_free();
}

/* ------------------------------------------------------------------------
 * 4. Hostile bytes
 * ------------------------------------------------------------------------ */

/* Every prefix of a valid message is refused as malformed, never read past. */
static void truncated_everywhere(void **state)
{
    mb_t hand = {0};
    hand_submit(&hand);
    proto_msg_t in;
    fill_msg(&in, PROTO_SUBMIT, V_MAX);
    char *big;
    size_t biglen;
    encode_ok("SUBMIT max", &in, &big, &biglen);
    struct {
        const unsigned char *p;
        size_t len;
    } cases[] = {{hand.p, hand.len}, {(const unsigned char *)big, biglen}};
    for (int k = 0; k < 2; k++) {
        check_ok("whole", &(mb_t){(unsigned char *)cases[k].p, cases[k].len, cases[k].len}, PROTO_SUBMIT);
        for (size_t n = 0; n < cases[k].len; n++) {
            char what[96];
            snprintf(what, sizeof what, "SUBMIT %d truncated to %zu of %zu bytes", k, n, cases[k].len);
            expect_err(what, cases[k].p, n, PROTO_E_MALFORMED, NULL);
        }
    }
    free(big);
    mb_free(&hand);
}

/* Headers whose counts or lengths the bytes cannot back. */
static void lying_headers(void **state)
{
    static const raw_t raw[] = {
        {"map32 of 2^32-1 pairs", "\xdf\xff\xff\xff\xff\xa1v\x01", 8},
        {"array32 of 2^32-1", "\xdd\xff\xff\xff\xff\x01\x02\x03", 8},
        {"map16 of 65535 pairs", "\xde\xff\xff\xa1v\x01", 6},
        {"array16 of 65535", "\xdc\xff\xff\x01", 4},
        {"fixmap of 15 pairs with 1", "\x8f\xa1v\x01", 4},
        {"map32 header cut", "\xdf\xff\xff", 3},
        {"str32 of 2^31-1", "\xdb\x7f\xff\xff\xff" "abc", 8},
        {"str32 of 2^32-1", "\xdb\xff\xff\xff\xff" "abc", 8},
        {"str16 beyond", "\xda\x01\x00" "abc", 6},
        {"str8 beyond", "\xd9\xc8" "abc", 5},
        {"fixstr beyond", "\xbf" "abc", 4},
        {"bin32 beyond", "\xc6\xff\xff\xff\xff\x00", 6},
        {"uint64 cut", "\xcf\x00\x00", 3},
        {"float64 cut", "\xcb\x00", 2},
        {"never-used byte 0xc1", "\xc1", 1},
        {"ext8", "\xc7\x01\x01\x00", 4},
        {"fixext1", "\xd4\x01\x00", 3},
        {"empty", "", 0},
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        expect_err(raw[i].what, raw[i].bytes, raw[i].len, PROTO_E_MALFORMED, NULL);

    /* The same lies inside an otherwise valid SUBMIT. */
    static const raw_t inner[] = {
        {"values map32 of 2^32-1", "\xdf\xff\xff\xff\xff\xa1" "a\x01", 8},
        {"tags array32 of 2^32-1", "\x81\xa1" "a\xdd\xff\xff\xff\xff\xa1x", 10},
        {"values str32 key beyond", "\x81\xdb\x00\x01\x00\x00" "a\x01", 8},
        {"ext value", "\x81\xa1" "a\xd4\x01\x00", 6},
    };
    for (size_t i = 0; i < sizeof inner / sizeof inner[0]; i++) {
        mb_t v = mb_of(inner[i].bytes, inner[i].len);
        expect_values(&v, PROTO_E_MALFORMED, NULL, "%s", inner[i].what);
    }
}

/* A SUBMIT with an unknown field nested `levels` deep (the message map is
 * level 1, so the deepest container is at level 1 + levels). */
static void nested_submit(mb_t *b, int levels, bool maps)
{
    mp_submit_head(b, "s1", 1);
    mp_map(b, 0);
    mp_str(b, "x_nested");
    for (int i = 0; i < levels; i++) {
        if (maps) {
            mp_map(b, 1);
            mp_str(b, "k");
        } else {
            mp_arr(b, 1);
        }
    }
    mp_uint(b, 1);
}

static void nesting_depth(void **state)
{
    for (int maps = 0; maps < 2; maps++) {
        mb_t b = {0};
        nested_submit(&b, PROTO_MAX_DEPTH - 1, maps);
        check_ok("nesting exactly PROTO_MAX_DEPTH", &b, PROTO_SUBMIT);
        assert_int_equal(proto_prescan(b.p, b.len, PROTO_MAX_DEPTH), 0);
        assert_int_equal(proto_prescan(b.p, b.len, PROTO_MAX_DEPTH - 1), PROTO_E_MALFORMED);
        b.len = 0;
        nested_submit(&b, PROTO_MAX_DEPTH, maps);
        expect_err_mb("nesting PROTO_MAX_DEPTH + 1", &b, PROTO_E_MALFORMED, "nesting");
        /* a larger max_depth is clamped to PROTO_MAX_DEPTH */
        assert_int_equal(proto_prescan(b.p, b.len, PROTO_MAX_DEPTH + 10), PROTO_E_MALFORMED);
        mb_free(&b);
    }
    /* 100000 nested one-element arrays: refused without recursion. */
    mb_t deep = {0};
    for (int i = 0; i < 100000; i++)
        mb_byte(&deep, 0x91);
    mb_byte(&deep, 0x01);
    expect_err_mb("100000 nested arrays", &deep, PROTO_E_MALFORMED, NULL);
    /* empty containers count as a level too */
    deep.len = 0;
    for (int i = 0; i < PROTO_MAX_DEPTH; i++)
        mb_byte(&deep, 0x91);
    mb_byte(&deep, 0x90);
    assert_int_equal(proto_prescan(deep.p, deep.len, PROTO_MAX_DEPTH), PROTO_E_MALFORMED);
    assert_int_equal(proto_prescan(deep.p + 1, deep.len - 1, PROTO_MAX_DEPTH), 0);
    mb_free(&deep);
}

static void trailing_and_not_a_map(void **state)
{
    mb_t b = {0};
    hand_submit(&b);
    size_t one = b.len;
    mp_nil(&b);
    expect_err_mb("SUBMIT + nil", &b, PROTO_E_MALFORMED, "trailing");
    b.len = one;
    hand_submit(&b);
    expect_err_mb("two SUBMITs in one frame", &b, PROTO_E_MALFORMED, NULL);
    b.len = one;
    mb_byte(&b, 0x00);
    expect_err_mb("SUBMIT + NUL byte", &b, PROTO_E_MALFORMED, NULL);
    mb_free(&b);

    static const raw_t raw[] = {
        {"integer", "\x01", 1},
        {"nil", "\xc0", 1},
        {"string", "\xa6SUBMIT", 7},
        {"array of v and type", "\x92\x01\xa6SUBMIT", 9},
        {"empty array", "\x90", 1},
        {"bin", "\xc4\x01\x00", 3},
        {"float", "\xcb\x3f\xf0\x00\x00\x00\x00\x00\x00", 9},
    };
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        expect_err(raw[i].what, raw[i].bytes, raw[i].len, PROTO_E_MALFORMED, "map");

    /* keys that are not strings */
    b = (mb_t){0};
    mp_head(&b, 1, "FETCH");
    mp_uint(&b, 5);
    mp_uint(&b, 5);
    expect_err_mb("integer key", &b, PROTO_E_MALFORMED, "keys");
    mb_free(&b);
}

static void header_with(mb_t *b, uint32_t nfields, void (*v)(mb_t *), void (*type)(mb_t *))
{
    mp_map(b, nfields + (v != NULL) + (type != NULL));
    if (v) {
        mp_str(b, "v");
        v(b);
    }
    if (type) {
        mp_str(b, "type");
        type(b);
    }
}

static void v1(mb_t *b) { mp_uint(b, 1); }
static void v2(mb_t *b) { mp_uint(b, 2); }
static void v0(mb_t *b) { mp_uint(b, 0); }
static void vneg(mb_t *b) { mp_int(b, -1); }
static void vstr(mb_t *b) { mp_str(b, "1"); }
static void vfloat(mb_t *b) { mp_f64(b, 1.0); }
static void vhuge(mb_t *b) { mp_uint(b, UINT64_MAX); }
static void t_fetch(mb_t *b) { mp_str(b, "FETCH"); }
static void t_nope(mb_t *b) { mp_str(b, "HELLO"); }
static void t_record(mb_t *b) { mp_str(b, "RECORD"); }
static void t_lower(mb_t *b) { mp_str(b, "fetch"); }
static void t_int(mb_t *b) { mp_uint(b, 4); }
static void t_bin(mb_t *b) { mp_bin(b, "FETCH", 5); }
static void t_nul(mb_t *b) { mp_strn(b, "FETCH\0", 6); }
static void t_long(mb_t *b)
{
    char s[1000];
    memset(s, 'Q', sizeof s);
    mp_strn(b, s, sizeof s);
}

static void fetch_body(mb_t *b)
{
    mp_str(b, "after");
    mp_uint(b, 0);
    mp_str(b, "max");
    mp_uint(b, 10);
}

static void version_and_type(void **state)
{
    static const struct {
        const char *what;
        void (*v)(mb_t *);
        void (*t)(mb_t *);
        int code;
        const char *needle;
    } cases[] = {
        {"valid FETCH", v1, t_fetch, 0, NULL},
        {"no v", NULL, t_fetch, PROTO_E_VERSION, "'v'"},
        {"v = 2", v2, t_fetch, PROTO_E_VERSION, "2"},
        {"v = 0", v0, t_fetch, PROTO_E_VERSION, NULL},
        {"v = -1", vneg, t_fetch, PROTO_E_VERSION, NULL},
        {"v = \"1\"", vstr, t_fetch, PROTO_E_VERSION, NULL},
        {"v = 1.0", vfloat, t_fetch, PROTO_E_VERSION, NULL},
        {"v = 2^64-1", vhuge, t_fetch, PROTO_E_VERSION, NULL},
        {"v = 2 and an unknown type: the version is checked first", v2, t_nope, PROTO_E_VERSION, NULL},
        {"no v, no type", NULL, NULL, PROTO_E_VERSION, NULL},
        {"no type", v1, NULL, PROTO_E_TYPE, "'type'"},
        {"unknown type", v1, t_nope, PROTO_E_TYPE, "HELLO"},
        {"RECORD is not a message", v1, t_record, PROTO_E_TYPE, "RECORD"},
        {"type names are case-sensitive", v1, t_lower, PROTO_E_TYPE, NULL},
        {"type as integer", v1, t_int, PROTO_E_TYPE, NULL},
        {"type as bin", v1, t_bin, PROTO_E_TYPE, NULL},
        {"type with a NUL", v1, t_nul, PROTO_E_TYPE, NULL},
        {"type of 1000 bytes", v1, t_long, PROTO_E_TYPE, "QQQQ"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mb_t b = {0};
        header_with(&b, 2, cases[i].v, cases[i].t);
        fetch_body(&b);
        expect_decode(cases[i].what, &b, PROTO_FETCH, cases[i].code, cases[i].needle);
        mb_free(&b);
    }
    /* "v" and "type" may come anywhere in the map */
    mb_t b = {0};
    mp_map(&b, 4);
    fetch_body(&b);
    mp_kv_str(&b, "type", "FETCH");
    mp_str(&b, "v");
    mp_uint(&b, 1);
    check_ok("v and type last", &b, PROTO_FETCH);
    mb_free(&b);
}

/* A repeated "v" or "type" is as ambiguous as a repeated field: a decoder
 * that keeps the first and one that keeps the last would disagree. */
static void repeated_header(void **state)
{
    mb_t b = {0};
    mp_head(&b, 3, "FETCH");
    fetch_body(&b);
    mp_kv_str(&b, "type", "NACK");
    expect_err_mb("type twice", &b, PROTO_E_TYPE, "twice");
    b.len = 0;
    mp_map(&b, 5);
    mp_str(&b, "v");
    mp_uint(&b, 2);
    mp_kv_str(&b, "type", "FETCH");
    fetch_body(&b);
    mp_str(&b, "v");
    mp_uint(&b, 1);
    expect_err_mb("v twice", &b, PROTO_E_VERSION, "twice");
    mb_free(&b);
}

/* The bytes of a string literal and their number (NULs included). */
#define RAW(s) s, sizeof s - 1
/* A values map of one indicator: its key and its value, as msgpack.  The
 * markers used below: 0x80-0x8f map of 0-15 pairs, 0x90-0x9f array of 0-15,
 * 0xa0-0xbf string of 0-31 bytes, 0xc0 nil, 0xc3 true, 0xc4 bin8,
 * 0xca float32, 0xcb float64, 0xcf uint64; 0x00-0x7f is that integer. */
#define ONE(key, val) RAW("\x81" key val)
#define CASES "\xa5" "cases"
#define SVC "\xa3" "svc"

static void values_hostile(void **state)
{
    static const struct {
        const char *what;
        const char *bytes; /* the values map */
        size_t len;
        int code;
        const char *needle;
    } cases[] = {
        /* values that are neither an integer, a bool nor tags */
        {"float64 value", ONE(CASES, "\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00"), PROTO_E_VALUE, "cases"}, /* 1.5 */
        {"float64 2.0 (whole, still a float)", ONE(CASES, "\xcb\x40\x00\x00\x00\x00\x00\x00\x00"), PROTO_E_VALUE,
         "cases"},
        {"float32 value", ONE(CASES, "\xca\x3f\x80\x00\x00"), PROTO_E_VALUE, "cases"}, /* 1.0f */
        {"nil value", ONE(CASES, "\xc0"), PROTO_E_VALUE, "cases"},
        {"string value", ONE(CASES, "\xa2" "12"), PROTO_E_VALUE, "cases"},
        {"map value", ONE(CASES, "\x80"), PROTO_E_VALUE, "cases"},
        {"bin value", ONE(CASES, "\xc4\x01" "1"), PROTO_E_VALUE, "cases"},
        {"value 2^63", ONE(CASES, "\xcf\x80\x00\x00\x00\x00\x00\x00\x00"), PROTO_E_VALUE, "cases"},
        /* tags: an array of one */
        {"empty tag", ONE(SVC, "\x91\xa0"), PROTO_E_VALUE, "svc"},
        {"tag with a space", ONE(SVC, "\x91\xa5" "a tag"), PROTO_E_VALUE, "svc"},
        {"tag with a NUL", ONE(SVC, "\x91\xa3" "a\0b"), PROTO_E_VALUE, "svc"},
        {"tag not a string", ONE(SVC, "\x91\x01"), PROTO_E_VALUE, "svc"},
        {"tag as bin", ONE(SVC, "\x91\xc4\x02" "ab"), PROTO_E_VALUE, "svc"},
        /* indicator codes (the keys), with the value 1 */
        {"integer key", ONE("\x01", "\x01"), PROTO_E_FIELD, "values"},
        {"bin key", ONE("\xc4\x02" "ab", "\x01"), PROTO_E_FIELD, "values"},
        {"empty key", ONE("\xa0", "\x01"), PROTO_E_FIELD, "values"},
        {"key with a space", ONE("\xa3" "a b", "\x01"), PROTO_E_FIELD, "values"},
        {"key with a non-ASCII letter", ONE("\xa3" "s\xc3\xb4", "\x01"), PROTO_E_FIELD, "values"},
        {"key with a NUL", ONE("\xa3" "a\0b", "\x01"), PROTO_E_FIELD, "values"},
        /* duplicates: "a" and "a\0b" would both read as indicator "a" */
        {"indicator twice", RAW("\x82\xa1" "a" "\x01" "\xa1" "a" "\x02"), PROTO_E_FIELD, "a appears twice"},
        {"indicator twice, other kinds", RAW("\x83\xa1" "b" "\xc3" "\xa1" "a" "\x01" "\xa1" "b" "\x90"), PROTO_E_FIELD,
         "b appears twice"},
        {"a and a-NUL-b", RAW("\x82\xa1" "a" "\x01" "\xa3" "a\0b" "\x02"), PROTO_E_FIELD, "values"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mb_t v = mb_of(cases[i].bytes, cases[i].len);
        expect_values(&v, cases[i].code, cases[i].needle, "%s", cases[i].what);
    }

    /* each limit decodes, one more is refused: tags of an indicator, bytes
     * of a tag and of an indicator code, values in a SUBMIT */
    mb_t v = {0};
    char s[80], k[16];
    memset(s, 'x', sizeof s);
    for (uint32_t over = 0; over <= 1; over++) {
        v.len = 0;
        mp_map(&v, 1);
        mp_str(&v, "svc");
        mp_arr(&v, PROTO_TAGS_MAX + over);
        for (uint32_t i = 0; i < PROTO_TAGS_MAX + over; i++) {
            snprintf(k, sizeof k, "t%u", i);
            mp_str(&v, k);
        }
        expect_values(&v, over ? PROTO_E_VALUE : 0, "svc", "%u tags", PROTO_TAGS_MAX + over);
        v.len = 0;
        mp_map(&v, 1);
        mp_str(&v, "svc");
        mp_arr(&v, 1);
        mp_strn(&v, s, PROTO_TAG_MAX + over);
        expect_values(&v, over ? PROTO_E_VALUE : 0, "svc", "tag of %u bytes", PROTO_TAG_MAX + over);
        v.len = 0;
        mp_map(&v, 1);
        mp_strn(&v, s, 64 + over);
        mp_uint(&v, 1);
        expect_values(&v, over ? PROTO_E_FIELD : 0, "values", "key of %u bytes", 64 + over);
        v.len = 0;
        mp_map(&v, 256 + over);
        for (uint32_t i = 0; i < 256 + over; i++) {
            snprintf(k, sizeof k, "i%u", i);
            mp_str(&v, k);
            mp_uint(&v, i);
        }
        expect_values(&v, over ? PROTO_E_FIELD : 0, "'values'", "%u values", 256 + over);
    }

    /* negative integers and the extremes decode: the collector, not the
     * codec, decides which indicators may be negative */
    v.len = 0;
    mp_map(&v, 4);
    mp_str(&v, "neg");
    mp_int(&v, -1);
    mp_str(&v, "neg16");
    mp_int(&v, -1000);
    mp_str(&v, "min");
    mp_int(&v, INT64_MIN);
    mp_str(&v, "max");
    mp_uint(&v, INT64_MAX);
    mb_t b = {0};
    submit_values(&b, &v);
    proto_msg_t m;
    void *c = decode_ok("negative values", b.p, b.len, PROTO_SUBMIT, &m);
    proto_value_t pv;
    int64_t want[] = {-1, -1000, INT64_MIN, INT64_MAX};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(proto_values_at(&m.u.submit.values, i, &pv), 0);
        assert_int_equal(pv.kind, PV_INT);
        assert_true(pv.i == want[i]);
    }
    proto_msg_free(&m);
    free(c);
    mb_free(&v);
    mb_free(&b);
}
#undef RAW
#undef ONE
#undef CASES
#undef SVC

static void utf8_strictness(void **state)
{
    static const struct {
        const char *what, *s;
        size_t len;
        bool ok;
    } cases[] = {
        {"ASCII", "plain", 5, true},
        {"2-byte U+0080", "\xc2\x80", 2, true},
        {"3-byte U+D7FF", "\xed\x9f\xbf", 3, true},
        {"3-byte U+E000", "\xee\x80\x80", 3, true},
        {"3-byte U+FFFF", "\xef\xbf\xbf", 3, true},
        {"4-byte U+10000", "\xf0\x90\x80\x80", 4, true},
        {"4-byte U+10FFFF", "\xf4\x8f\xbf\xbf", 4, true},
        {"Vietnamese", "Ti\xe1\xba\xbfng Vi\xe1\xbb\x87t", 14, true},
        {"overlong NUL", "\xc0\x80", 2, false},
        {"overlong 2-byte", "\xc1\xbf", 2, false},
        {"overlong 3-byte", "\xe0\x80\x80", 3, false},
        {"overlong 3-byte U+07FF", "\xe0\x9f\xbf", 3, false},
        {"overlong 4-byte", "\xf0\x80\x80\x80", 4, false},
        {"overlong 4-byte U+FFFF", "\xf0\x8f\xbf\xbf", 4, false},
        {"surrogate U+D800", "\xed\xa0\x80", 3, false},
        {"surrogate U+DFFF", "\xed\xbf\xbf", 3, false},
        {"above U+10FFFF", "\xf4\x90\x80\x80", 4, false},
        {"lead byte F5", "\xf5\x80\x80\x80", 4, false},
        {"lead byte F8", "\xf8\x88\x80\x80\x80", 5, false},
        {"lead byte FF", "\xff", 1, false},
        {"lone continuation", "a\x80", 2, false},
        {"cut 2-byte at end", "a\xc3", 2, false},
        {"cut 3-byte at end", "a\xe2\x82", 3, false},
        {"cut 4-byte at end", "a\xf0\x9f\x98", 4, false},
        {"bad continuation", "\xe2\x28\xa1", 3, false},
        {"NUL", "a\0b", 3, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mb_t b = {0};
        mp_submit_head(&b, "s1", 1);
        mp_map(&b, 0);
        mp_str(&b, "note");
        mp_strn(&b, cases[i].s, cases[i].len);
        char what[96];
        snprintf(what, sizeof what, "note: %s", cases[i].what);
        if (cases[i].ok) {
            proto_msg_t m;
            void *c = decode_ok(what, b.p, b.len, PROTO_SUBMIT, &m);
            assert_int_equal(strlen(m.u.submit.note), cases[i].len);
            assert_memory_equal(m.u.submit.note, cases[i].s, cases[i].len);
            proto_msg_free(&m);
            free(c);
        } else {
            expect_err_mb(what, &b, PROTO_E_FIELD, "'note'");
        }
        mb_free(&b);
    }
}

/* Size limits per type, to the byte. */
static void size_limits(void **state)
{
    for (int t = PROTO_NONE + 1; t < PROTO_NTYPES; t++) {
        size_t max = proto_type_max_bytes((proto_type_t)t);
        if (t == PROTO_RECORD || max > 1000000)
            continue;
        /* a minimal valid message padded with an unknown string field to
         * exactly max bytes, then max + 1 */
        proto_msg_t m;
        fill_msg(&m, (proto_type_t)t, V_MIN);
        char *buf;
        size_t len;
        encode_ok("minimal", &m, &buf, &len);
        group_free();
        for (size_t want = max; want <= max + 1; want++) {
            mb_t b = {0};
            /* header: the map grows by one entry (fixmap stays 1 byte as
             * long as there are < 16 entries) */
            assert_true((unsigned char)buf[0] >= 0x80 && (unsigned char)buf[0] < 0x8f);
            mb_byte(&b, (unsigned char)buf[0] + 1);
            mb_put(&b, buf + 1, len - 1);
            mp_str(&b, "x");
            size_t pad = want - b.len - 5; /* str32 header */
            char *p = malloc(pad);
            memset(p, 'p', pad);
            mb_byte(&b, 0xdb), mb_be(&b, pad, 4), mb_put(&b, p, pad);
            free(p);
            assert_int_equal(b.len, want);
            char what[64];
            snprintf(what, sizeof what, "%s of %zu bytes", proto_type_name((proto_type_t)t), want);
            expect_decode(what, &b, (proto_type_t)t, want == max ? 0 : PROTO_E_TOO_LARGE,
                          proto_type_name((proto_type_t)t));
            mb_free(&b);
        }
        free(buf);
    }
    /* beyond PROTO_MAX_FRAME nothing is even scanned */
    size_t n = (size_t)PROTO_MAX_FRAME + 1;
    char *huge = calloc(1, n);
    assert_non_null(huge);
    proto_msg_t m;
    proto_error_t err;
    assert_int_equal(proto_decode(huge, n, &m, &err), PROTO_E_TOO_LARGE);
    assert_int_equal(err.code, PROTO_E_TOO_LARGE);
    proto_msg_free(&m);
    free(huge);
}

/* ------------------------------------------------------------------------
 * 5. Per-field validation, generated for every message type
 * ------------------------------------------------------------------------ */

enum { MUT_REMOVE, MUT_REPLACE, MUT_DUP };

/* Re-encodes the map in src with `key` removed, replaced by the raw bytes in
 * val, or repeated. */
static void rewrite(const void *src, size_t srclen, const char *key, const mb_t *val, int mode, mb_t *out)
{
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&up, src, srclen, &off), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *m = &up.data;
    assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
    uint32_t n = 0;
    bool found = false;
    size_t klen = strlen(key);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        bool match = k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen && !memcmp(k->via.str.ptr, key, klen);
        found |= match;
        n += !match ? 1 : mode == MUT_REMOVE ? 0 : mode == MUT_DUP ? 2 : 1;
    }
    if (!found)
        fail_msg("rewrite: no key '%s' in the message", key);
    out->len = 0;
    mp_map(out, n);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object_kv *kv = &m->via.map.ptr[i];
        bool match = kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == klen &&
                     !memcmp(kv->key.via.str.ptr, key, klen);
        if (match && mode == MUT_REMOVE)
            continue;
        if (match && mode == MUT_REPLACE) {
            mp_str(out, key);
            mb_put(out, val->p, val->len);
            continue;
        }
        for (int rep = 0; rep < (match && mode == MUT_DUP ? 2 : 1); rep++) {
            msgpack_sbuffer_clear(&sb);
            msgpack_pack_object(&pk, kv->key);
            msgpack_pack_object(&pk, kv->val);
            mb_put(out, sb.data, sb.size);
        }
    }
    msgpack_sbuffer_destroy(&sb);
    msgpack_unpacked_destroy(&up);
}

/* The valid message of type t that the mutations start from (V_MAX, every
 * field present).  RECORD is mutated inside a BATCH of one record. */
typedef struct {
    proto_type_t t;
    char *base;
    size_t baselen;
} mutctx_t;

static void wrap(const mutctx_t *mc, const mb_t *inner, mb_t *out)
{
    out->len = 0;
    if (mc->t != PROTO_RECORD) {
        mb_put(out, inner->p, inner->len);
        return;
    }
    mp_batch_head(out, 0, 1, 1);
    mb_put(out, inner->p, inner->len);
}

static proto_type_t outer_type(const mutctx_t *mc)
{
    return mc->t == PROTO_RECORD ? PROTO_BATCH : mc->t;
}

/* Applies one mutation and checks the outcome: code 0 means "decodes". */
static void mutate_expect(const mutctx_t *mc, const tf_t *f, int mode, const mb_t *val, int code, const char *needle,
                          const char *what)
{
    mb_t inner = {0}, msg = {0};
    rewrite(mc->base, mc->baselen, f->name, val, mode, &inner);
    wrap(mc, &inner, &msg);
    char desc[160];
    snprintf(desc, sizeof desc, "%s.%s %s", proto_type_name(mc->t), f->name, what);
    if (code == 0) {
        check_ok(desc, &msg, outer_type(mc));
    } else {
        char quoted[80];
        snprintf(quoted, sizeof quoted, "'%s'", f->name);
        expect_err_mb(desc, &msg, code, needle ? needle : quoted);
        if (needle) { /* the field is named in any case */
            void *c = dup_exact(msg.p, msg.len);
            proto_msg_t m;
            proto_error_t err;
            proto_decode(c, msg.len, &m, &err);
            if (!strstr(err.message, quoted))
                fail_msg("%s: error sentence \"%s\" does not name %s", desc, err.message, quoted);
            proto_msg_free(&m);
            free(c);
        }
    }
    mb_free(&inner);
    mb_free(&msg);
}

static void str_of(mb_t *b, char c, size_t n)
{
    char *s = malloc(n + 1);
    memset(s, c, n);
    mp_strn(b, s, n);
    free(s);
}

/* A string of length len (at least 3) with `bad` in the middle. */
static void str_with(mb_t *b, size_t len, const char *bad)
{
    size_t bl = strlen(bad);
    if (len < bl + 2)
        len = bl + 2;
    char *s = malloc(len);
    memset(s, 'a', len);
    memcpy(s + 1, bad, bl);
    mp_strn(b, s, len);
    free(s);
}

static void mutate_field(const mutctx_t *mc, const tf_t *f, int j)
{
    mb_t v = {0};
    /* absent */
    if (f->req) {
        mutate_expect(mc, f, MUT_REMOVE, NULL, PROTO_E_FIELD, "missing", "absent");
    } else {
        mutate_expect(mc, f, MUT_REMOVE, NULL, 0, NULL, "absent (optional)");
    }
    /* repeated */
    mutate_expect(mc, f, MUT_DUP, NULL, PROTO_E_FIELD, "appears twice", "twice");

#define CASE(expr, code, what)                                                                                     \
    do {                                                                                                           \
        v.len = 0;                                                                                                 \
        expr;                                                                                                      \
        mutate_expect(mc, f, MUT_REPLACE, &v, code, NULL, what);                                                   \
    } while (0)

    switch (f->kind) {
    case K_STR:
        CASE(mp_uint(&v, 7), PROTO_E_FIELD, "as integer");
        CASE(mp_nil(&v), PROTO_E_FIELD, "as nil");
        CASE(mp_bin(&v, "abcd", 4), PROTO_E_FIELD, "as bin (strings are str, not bin)");
        CASE(mp_arr(&v, 0), PROTO_E_FIELD, "as array");
        CASE(str_of(&v, 'a', f->max), 0, "at its maximum length");
        CASE(str_of(&v, 'a', f->max + 1), PROTO_E_FIELD, "one byte too long");
        if (f->min > 0) {
            CASE(str_of(&v, 'a', (size_t)f->min), 0, "at its minimum length");
            CASE(str_of(&v, 'a', (size_t)f->min - 1), PROTO_E_FIELD, "one byte too short");
        }
        if (f->cs == C_CODE) {
            size_t len = f->min > 3 ? (size_t)f->min : 3;
            CASE(str_with(&v, len, " "), PROTO_E_FIELD, "with a space");
            CASE(str_with(&v, len, "/"), PROTO_E_FIELD, "with a slash");
            CASE(str_with(&v, len, "\xc3\xa9"), PROTO_E_FIELD, "with a non-ASCII letter");
            CASE(str_with(&v, len, "\x01"), PROTO_E_FIELD, "with a control character");
            CASE(mp_strn(&v, "a\0bc", len > 4 ? 4 : len), PROTO_E_FIELD, "with a NUL");
            CASE(mp_str(&v, &"Az09._-:"[8 - (f->max < 8 ? f->max : 8)]), 0, "with every kind of code character");
        } else {
            size_t len = f->min > 3 ? (size_t)f->min : 3;
            CASE(str_with(&v, len, "\xc3"), PROTO_E_FIELD, "with a cut UTF-8 sequence");
            CASE(str_with(&v, len, "\xed\xa0\x80"), PROTO_E_FIELD, "with a surrogate");
            CASE(str_with(&v, len, "\xc0\x80"), PROTO_E_FIELD, "with an overlong NUL");
            CASE(mp_strn(&v, "a\0bc", 4), PROTO_E_FIELD, "with a NUL");
        }
        break;
    case K_UINT:
        CASE(mp_str(&v, "1"), PROTO_E_FIELD, "as string");
        CASE(mp_f64(&v, 1.0), PROTO_E_FIELD, "as float");
        CASE(mp_int(&v, -1), PROTO_E_FIELD, "negative");
        CASE(mp_bool(&v, true), PROTO_E_FIELD, "as bool");
        CASE(mp_uint(&v, f->max), 0, "at its maximum");
        CASE(mp_uint(&v, (uint64_t)f->min), 0, "at its minimum");
        if (f->max < UINT64_MAX)
            CASE(mp_uint(&v, f->max + 1), PROTO_E_FIELD, "above its maximum");
        if (f->min > 0)
            CASE(mp_uint(&v, (uint64_t)f->min - 1), PROTO_E_FIELD, "below its minimum");
        break;
    case K_INT:
        CASE(mp_str(&v, "1"), PROTO_E_FIELD, "as string");
        CASE(mp_f64(&v, 1.0), PROTO_E_FIELD, "as float");
        CASE(mp_nil(&v), PROTO_E_FIELD, "as nil");
        CASE(mp_int(&v, (int64_t)f->max), 0, "at its maximum");
        CASE(mp_int(&v, f->min), 0, "at its minimum");
        if (f->max < (uint64_t)INT64_MAX)
            CASE(mp_uint(&v, f->max + 1), PROTO_E_FIELD, "above its maximum");
        else
            CASE(mp_uint(&v, (uint64_t)INT64_MAX + 1), PROTO_E_FIELD, "at 2^63");
        if (f->min > INT64_MIN)
            CASE(mp_int(&v, f->min - 1), PROTO_E_FIELD, "below its minimum");
        break;
    case K_BOOL:
        CASE(mp_uint(&v, 1), PROTO_E_FIELD, "as integer 1");
        CASE(mp_nil(&v), PROTO_E_FIELD, "as nil");
        CASE(mp_str(&v, "true"), PROTO_E_FIELD, "as string");
        CASE(mp_bool(&v, false), 0, "false");
        break;
    case K_VALUES:
        CASE(mp_arr(&v, 0), PROTO_E_FIELD, "as array");
        CASE(mp_nil(&v), PROTO_E_FIELD, "as nil");
        CASE(mp_map(&v, 0), 0, "empty");
        CASE(
            {
                mp_map(&v, (uint32_t)f->max + 1);
                for (uint64_t i = 0; i <= f->max; i++) {
                    char k[16];
                    snprintf(k, sizeof k, "i%llu", (unsigned long long)i);
                    mp_str(&v, k);
                    mp_uint(&v, 1);
                }
            },
            PROTO_E_FIELD, "with one value too many");
        break;
    case K_STRMAP:
        CASE(mp_arr(&v, 0), PROTO_E_FIELD, "as array");
        CASE(mp_nil(&v), PROTO_E_FIELD, "as nil");
        CASE(mp_map(&v, 0), 0, "empty");
        CASE({ mp_map(&v, 1); mp_str(&v, "A"); str_of(&v, 'y', PROTO_STRMAP_TEXT_MAX); }, 0, "a text at its maximum");
        CASE({ mp_map(&v, 1); mp_str(&v, "A"); str_of(&v, 'y', PROTO_STRMAP_TEXT_MAX + 1); }, PROTO_E_FIELD,
             "a text one byte too long");
        CASE({ mp_map(&v, 1); mp_str(&v, "A"); mp_str(&v, ""); }, PROTO_E_FIELD, "an empty text");
        CASE({ mp_map(&v, 1); mp_str(&v, "A"); mp_uint(&v, 3); }, PROTO_E_FIELD, "a text as integer");
        CASE({ mp_map(&v, 1); mp_str(&v, "A"); mp_bin(&v, "ab", 2); }, PROTO_E_FIELD, "a text as bin");
        CASE({ mp_map(&v, 1); mp_str(&v, "A"); str_with(&v, 5, "\xc3"); }, PROTO_E_FIELD, "a cut UTF-8 text");
        CASE({ mp_map(&v, 1); mp_str(&v, "A"); mp_strn(&v, "a\0b", 3); }, PROTO_E_FIELD, "a text with a NUL");
        CASE({ mp_map(&v, 1); mp_str(&v, "a b"); mp_str(&v, "x"); }, PROTO_E_FIELD, "a code with a space");
        CASE({ mp_map(&v, 1); mp_str(&v, ""); mp_str(&v, "x"); }, PROTO_E_FIELD, "an empty code");
        CASE({ mp_map(&v, 1); str_of(&v, 'C', 65); mp_str(&v, "x"); }, PROTO_E_FIELD, "a code of 65 bytes");
        CASE({ mp_map(&v, 1); mp_uint(&v, 1); mp_str(&v, "x"); }, PROTO_E_FIELD, "an integer key");
        CASE({ mp_map(&v, 2); mp_str(&v, "A"); mp_str(&v, "x"); mp_str(&v, "A"); mp_str(&v, "y"); }, PROTO_E_FIELD,
             "a code twice");
        CASE(
            {
                mp_map(&v, (uint32_t)f->max + 1);
                for (uint64_t i = 0; i <= f->max; i++) {
                    char k[16];
                    snprintf(k, sizeof k, "i%llu", (unsigned long long)i);
                    mp_str(&v, k);
                    mp_str(&v, "x");
                }
            },
            PROTO_E_FIELD, "with one entry too many");
        break;
    case K_LIST:
        CASE(mp_map(&v, 0), PROTO_E_FIELD, "as map");
        CASE(mp_nil(&v), PROTO_E_FIELD, "as nil");
        CASE(mp_arr(&v, 0), 0, "empty");
        CASE(
            {
                mp_arr(&v, (uint32_t)f->max + 1);
                for (uint64_t i = 0; i <= f->max; i++)
                    mp_nil(&v);
            },
            PROTO_E_FIELD, "with one entry too many");
        break;
    case K_ANY:
        CASE(mp_nil(&v), 0, "as nil");
        CASE(mp_f64(&v, 0.5), 0, "as float");
        CASE(mp_bin(&v, "x", 1), 0, "as bin");
        break;
    default:
        fail_msg("field kind %d has no mutations", f->kind);
    }
#undef CASE
    (void)j;
    mb_free(&v);
}

static void test_fields(void **state)
{
    proto_type_t t = (proto_type_t)(intptr_t)*state;
    const tm_t *tm = tm_of(t);
    mutctx_t mc = {t, NULL, 0};
    if (t == PROTO_RECORD) {
        proto_record_t r;
        fill_record(&r, V_MAX);
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        pack_records(&sb, &r, 1);
        mc.baselen = sb.size;
        mc.base = msgpack_sbuffer_release(&sb);
    } else {
        proto_msg_t m;
        fill_msg(&m, t, V_MAX);
        encode_ok("base", &m, &mc.base, &mc.baselen);
    }
    /* the base decodes */
    mb_t b = {0}, inner = {(unsigned char *)mc.base, mc.baselen, mc.baselen};
    wrap(&mc, &inner, &b);
    check_ok("base message", &b, outer_type(&mc));
    mb_free(&b);
    for (int j = 0; j < tm->nfields; j++)
        mutate_field(&mc, &tm->fields[j], j);
    free(mc.base);
    group_free();
}

/* ------------------------------------------------------------------------
 * 6. Error codes and names
 * ------------------------------------------------------------------------ */

/* Tags are a set for a reader (proto_value_same), an ordered list for "same
 * content" (proto_value_equal). */
static void value_same_and_equal(void **state)
{
    (void)state;
    proto_value_t a = {.code = "OTHER_FORMS", .kind = PV_TAGS, .ntags = 2}, b = a, c = a, n1 = {.code = "X", .kind = PV_INT, .i = 3},
                  n2 = n1;
    a.tags[0] = (proto_str_t){"truc_quan", 9};
    a.tags[1] = (proto_str_t){"mang_xa_hoi", 11};
    b.tags[0] = a.tags[1];
    b.tags[1] = a.tags[0];
    c.tags[0] = a.tags[0];
    c.tags[1] = (proto_str_t){"khac", 4};
    assert_true(proto_value_same(&a, &b));
    assert_false(proto_value_equal(&a, &b));
    assert_true(proto_value_equal(&a, &a));
    assert_false(proto_value_same(&a, &c));
    c.ntags = 1;
    assert_false(proto_value_same(&a, &c));
    assert_true(proto_value_same(&n1, &n2));
    n2.i = 4;
    assert_false(proto_value_same(&n1, &n2));
    snprintf(n2.code, sizeof n2.code, "Y");
    n2.i = 3;
    assert_false(proto_value_same(&n1, &n2));
}

static void error_codes(void **state)
{
    static const struct {
        int code;
        const char *wire, *sentence;
    } errs[] = {
#define E(NAME, wire, sentence) {PROTO_E_##NAME, wire, sentence},
        PROTO_ERRORS(E)
#undef E
    };
    size_t n = sizeof errs / sizeof errs[0];
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        assert_true(errs[i].code < 0);
        assert_string_equal(proto_err_code(errs[i].code), errs[i].wire);
        assert_string_equal(proto_err_sentence(errs[i].code), errs[i].sentence);
        assert_int_equal(proto_err_from_code(errs[i].wire), errs[i].code);
        assert_int_equal(proto_err_from_code(proto_err_code(errs[i].code)), errs[i].code);
        assert_true(strncmp(errs[i].wire, "E_", 2) == 0);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(errs[i].code, errs[j].code);
            assert_string_not_equal(errs[i].wire, errs[j].wire);
        }
    }
    assert_string_equal(proto_err_code(0), "OK");
    assert_string_equal(proto_err_code(12345), "E_UNKNOWN");
    assert_string_equal(proto_err_code(-12345), "E_UNKNOWN");
    assert_string_equal(proto_err_sentence(0), "success");
    assert_int_equal(proto_err_from_code("E_NOPE"), 0);
    assert_int_equal(proto_err_from_code(""), 0);
    assert_int_equal(proto_err_from_code("e_value"), 0);

    proto_error_t err;
    assert_int_equal(proto_fail(&err, PROTO_E_VALUE, "indicator %s: %d", "x", 5), PROTO_E_VALUE);
    assert_int_equal(err.code, PROTO_E_VALUE);
    assert_string_equal(err.message, "indicator x: 5");
    assert_int_equal(proto_fail(NULL, PROTO_E_BUSY, "x"), PROTO_E_BUSY);
    char longs[600];
    memset(longs, 'z', sizeof longs - 1);
    longs[sizeof longs - 1] = '\0';
    proto_fail(&err, PROTO_E_QUERY, "%s", longs);
    assert_int_equal(strlen(err.message), sizeof err.message - 1);
}

static void type_names(void **state)
{
    static const struct {
        proto_type_t t;
        const char *name;
        size_t max;
    } types[] = {
#define T(NAME, name, maxb, doc) {PROTO_##NAME, #NAME, maxb},
        PROTO_MESSAGES(T)
#undef T
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        assert_string_equal(proto_type_name(types[i].t), types[i].name);
        assert_int_equal(proto_type_from_name(types[i].name, strlen(types[i].name)), types[i].t);
        assert_int_equal(proto_type_max_bytes(types[i].t), types[i].max);
        assert_true(types[i].max <= PROTO_MAX_FRAME);
        /* a prefix or an extension of a name is not a name */
        assert_int_equal(proto_type_from_name(types[i].name, strlen(types[i].name) - 1), PROTO_NONE);
    }
    assert_int_equal(proto_type_from_name("RECORD", 6), PROTO_NONE);
    assert_string_equal(proto_type_name(PROTO_RECORD), "RECORD");
    assert_string_equal(proto_type_name(PROTO_NONE), "NONE");
    assert_string_equal(proto_type_name(PROTO_NTYPES), "NONE");
    assert_int_equal(proto_type_max_bytes(PROTO_NONE), 0);
    assert_int_equal(proto_type_from_name("SUBMITX", 7), PROTO_NONE);
    assert_int_equal(proto_type_from_name("", 0), PROTO_NONE);
    /* the present mask must hold every field */
    for (int i = 0; i < NTMSGS; i++)
        assert_true(tmsgs[i].nfields <= 32);
}

/* ------------------------------------------------------------------------
 * 7. The generated spec
 * ------------------------------------------------------------------------ */

static void spec_markdown(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    proto_spec_markdown(f);
    fclose(f);
    char line[256];
    for (int i = 0; i < NTMSGS; i++) {
        snprintf(line, sizeof line, "### %s\n", tmsgs[i].name);
        if (!strstr(text, line))
            fail_msg("spec lacks a section for %s", tmsgs[i].name);
        snprintf(line, sizeof line, "At most %zu bytes.", tmsgs[i].max_bytes);
        if (!strstr(text, line))
            fail_msg("spec lacks the size of %s", tmsgs[i].name);
        for (int j = 0; j < tmsgs[i].nfields; j++) {
            snprintf(line, sizeof line, "| `%s` |", tmsgs[i].fields[j].name);
            if (!strstr(text, line))
                fail_msg("spec lacks %s.%s", tmsgs[i].name, tmsgs[i].fields[j].name);
        }
    }
#define E(NAME, wire, sentence)                                                                                    \
    if (!strstr(text, "| `" wire "` | " sentence " |"))                                                           \
        fail_msg("spec lacks error " wire);
    PROTO_ERRORS(E)
#undef E
    assert_non_null(strstr(text, "| `period` | string (code) | 4..6 bytes | yes |"));
    assert_non_null(strstr(text, "| `seq` | unsigned int | ≥ 1 | yes |"));
    assert_true(len > 0 && text[len - 1] == '\n');
    free(text);
}

/* ------------------------------------------------------------------------ */

#define PER_TYPE_RT(NAME, name, maxb, doc)                                                                         \
    {"proto-1 " #NAME " round trip, every field at its limit", test_rt_max, NULL, NULL,                            \
     (void *)(intptr_t)PROTO_##NAME},                                                                              \
        {"proto-1 " #NAME " round trip, minimal (optional fields absent)", test_rt_min, NULL, NULL,                \
         (void *)(intptr_t)PROTO_##NAME},
#define PER_TYPE_FIELDS(NAME, name, maxb, doc)                                                                     \
    {"proto-5 " #NAME " every field: absent, repeated, mistyped, out of range, bad characters", test_fields,       \
     NULL, NULL, (void *)(intptr_t)PROTO_##NAME},

int main(void)
{
    const struct CMUnitTest tests[] = {
        PROTO_MESSAGES(PER_TYPE_RT)
        TEST("proto-1.1 SUBMIT round trip, bytes equal a hand-written encoding", submit_exact),
        TEST("proto-1.2 SUBMIT without the optional note", submit_no_note),
        TEST("proto-1.5 DECIDE bytes equal a hand-written encoding; its fields of the wrong kind or range", decide_exact),
        TEST("proto-1.3 non-canonical msgpack forms decode", non_canonical_forms),
        TEST("proto-1.4 unknown fields are ignored (forward compatibility)", unknown_fields_ignored),
        TEST("proto-2.1 the encoder validates and refuses", encoder_checks),
        TEST("proto-2.2 the encoder's range limits", encoder_limits),
        TEST("proto-3.1 BATCH with several RECORDs via proto_pack_record", batch_records),
        TEST("proto-3.2 BATCH of 10000 records decodes, 10001 do not", batch_limits),
        TEST("proto-3.3 BATCH with a bad record", batch_bad_records),
        TEST("proto-3.4 RESULT with an ANY payload, refused, nil data", result_payloads),
        TEST("proto-3.5 RESULT and BATCH packed in place (proto_pack_head) equal proto_encode", result_in_place),
        TEST("proto-3.6 a SUBMIT's values travel on as the bytes they came as (into a RECORD)", values_as_bytes),
        TEST("proto-4.1 SUBMIT truncated at every byte offset", truncated_everywhere),
        TEST("proto-4.2 headers claiming more than the bytes hold", lying_headers),
        TEST("proto-4.3 nesting deeper than PROTO_MAX_DEPTH", nesting_depth),
        TEST("proto-4.4 trailing bytes; not a map; non-string keys", trailing_and_not_a_map),
        TEST("proto-4.5 version and type (E_VERSION, E_TYPE)", version_and_type),
        TEST("proto-4.6 repeated v or type", repeated_header),
        TEST("proto-4.7 hostile values: floats, tags, keys, duplicates, negatives", values_hostile),
        TEST("proto-4.8 strict UTF-8 in text fields", utf8_strictness),
        TEST("proto-4.9 size limit of every type, to the byte (E_TOO_LARGE)", size_limits),
        PROTO_MESSAGES(PER_TYPE_FIELDS)
        PROTO_NESTED(PER_TYPE_FIELDS)
        TEST("proto-3.7 tags are a set for a reader, a list for same content", value_same_and_equal),
        TEST("proto-6.1 error codes round trip", error_codes),
        TEST("proto-6.2 message type names and limits", type_names),
        TEST("proto-7.1 the generated spec lists every message, field and error", spec_markdown),
    };
    return cmocka_run_group_tests_name("proto", tests, NULL, NULL);
}
