/*
 * fuzz_decode.c -- libFuzzer target for the protocol decoder.
 *
 * For every input:
 *   - proto_decode() must not crash, leak or read out of bounds (ASan, UBSan);
 *   - a failure must be one of the codec's error codes, with a sentence, and
 *     agree with proto_prescan() (a structural failure is E_MALFORMED);
 *   - a success must hold a message whose every field reads back
 *     (proto_values_at, proto_record_at) and whose required fields are marked
 *     present; it is then encoded again (decode-side LIST and ANY fields are
 *     first packed into their encode-side form), the result must decode to
 *     the same type and the same field values, be no larger than the input
 *     (the encoding is canonical and unknown fields are dropped), and encode
 *     again to the very same bytes.
 * Any violation aborts, which libFuzzer reports as a crash.
 *
 * Built and run by scripts/fuzz.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

#define CHECK(cond, ...)                                                                                           \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "fuzz_decode: check failed: %s: ", #cond);                                             \
            fprintf(stderr, __VA_ARGS__);                                                                          \
            fputc('\n', stderr);                                                                                   \
            abort();                                                                                               \
        }                                                                                                          \
    } while (0)

/* ---- packing decode-side fields into their encode-side form ------------ */

#define NSB 4
typedef struct {
    msgpack_sbuffer sb[NSB];
    int n;
} pool_t;

static msgpack_sbuffer *pool_sb(pool_t *p)
{
    CHECK(p->n < NSB, "sbuffer pool exhausted");
    msgpack_sbuffer_init(&p->sb[p->n]);
    return &p->sb[p->n++];
}

static void pool_free(pool_t *p)
{
    for (int i = 0; i < p->n; i++)
        msgpack_sbuffer_destroy(&p->sb[i]);
    p->n = 0;
}

static void conv_STR(void *f, pool_t *p) { (void)f, (void)p; }
static void conv_UINT(void *f, pool_t *p) { (void)f, (void)p; }
static void conv_INT(void *f, pool_t *p) { (void)f, (void)p; }
static void conv_BOOL(void *f, pool_t *p) { (void)f, (void)p; }
static void conv_VALUES(void *f, pool_t *p) { (void)f, (void)p; }
static void conv_STRMAP(void *f, pool_t *p) { (void)f, (void)p; }

static void conv_LIST(void *f, pool_t *p)
{
    proto_list_t *l = f;
    msgpack_sbuffer *sb = pool_sb(p);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    for (uint32_t i = 0; i < l->n; i++) {
        proto_record_t rec;
        proto_error_t err;
        int rc = proto_record_at(l, i, &rec, &err);
        CHECK(rc == 0, "record %u of a decoded list does not read back: %s", i, err.message);
        rc = proto_pack_record(&pk, &rec, &err);
        CHECK(rc == 0, "record %u of a decoded list does not pack: %s", i, err.message);
    }
    l->raw = sb->data;
    l->rawlen = sb->size;
}

static void conv_ANY(void *f, pool_t *p)
{
    proto_any_t *a = f;
    if (!a->obj)
        return;
    msgpack_sbuffer *sb = pool_sb(p);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_object(&pk, *a->obj);
    a->raw = sb->data;
    a->rawlen = sb->size;
}

#define CONV(kind, field, cs, mn, mx, pres, doc) conv_##kind(&s->field, p);
#define CONVDEF(NAME, name, maxb, doc)                                                                             \
    static void conv_##name(proto_##name##_t *s, pool_t *p) { PROTO_FIELDS_##NAME(CONV) }
PROTO_MESSAGES(CONVDEF)
#undef CONVDEF

static void conv_msg(proto_msg_t *m, pool_t *p)
{
    switch (m->type) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        conv_##name(&m->u.name, p);                                                                                \
        break;
        PROTO_MESSAGES(C)
#undef C
    default: CHECK(0, "decoded an unknown type %d", (int)m->type);
    }
}

/* ---- equality of two decoded messages, field by field -------------------- */

static bool eq_STR(const void *a, const void *b) { return !strcmp(a, b); }
static bool eq_UINT(const void *a, const void *b) { return *(const uint64_t *)a == *(const uint64_t *)b; }
static bool eq_INT(const void *a, const void *b) { return *(const int64_t *)a == *(const int64_t *)b; }
static bool eq_BOOL(const void *a, const void *b) { return *(const bool *)a == *(const bool *)b; }

static bool eq_VALUES(const void *pa, const void *pb)
{
    const proto_values_t *a = pa, *b = pb;
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        proto_value_t va, vb;
        CHECK(proto_values_at(a, i, &va) == 0 && proto_values_at(b, i, &vb) == 0, "value %u does not read back", i);
        if (!proto_value_equal(&va, &vb))
            return false;
    }
    return true;
}

static bool eq_STRMAP(const void *a, const void *b) { return proto_strmap_equal(a, b); }

static bool eq_record(const proto_record_t *a, const proto_record_t *b, const char **which);

static bool eq_LIST(const void *pa, const void *pb)
{
    const proto_list_t *a = pa, *b = pb;
    if (a->n != b->n)
        return false;
    for (uint32_t i = 0; i < a->n; i++) {
        proto_record_t ra, rb;
        CHECK(proto_record_at(a, i, &ra, NULL) == 0 && proto_record_at(b, i, &rb, NULL) == 0,
              "record %u does not read back", i);
        const char *which = NULL;
        if (!eq_record(&ra, &rb, &which))
            return false;
    }
    return true;
}

static bool eq_ANY(const void *pa, const void *pb)
{
    const proto_any_t *a = pa, *b = pb;
    if (!a->raw || !b->raw)
        return !a->raw && !b->raw;
    return a->rawlen == b->rawlen && !memcmp(a->raw, b->raw, a->rawlen);
}

#define EQ(kind, field, cs, mn, mx, pres, doc)                                                                     \
    if (!eq_##kind(&a->field, &b->field)) {                                                                        \
        *which = #field;                                                                                           \
        return false;                                                                                              \
    }
#define EQDEF(NAME, name, maxb, doc)                                                                               \
    static bool eq_##name(const proto_##name##_t *a, const proto_##name##_t *b, const char **which)                \
    {                                                                                                              \
        PROTO_FIELDS_##NAME(EQ) return true;                                                                       \
    }
PROTO_MESSAGES(EQDEF)
PROTO_NESTED(EQDEF)
#undef EQDEF

static void check_eq(const proto_msg_t *a, const proto_msg_t *b)
{
    const char *which = "?";
    bool eq = false;
    switch (a->type) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        eq = eq_##name(&a->u.name, &b->u.name, &which);                                                            \
        break;
        PROTO_MESSAGES(C)
#undef C
    default: break;
    }
    CHECK(eq, "%s.%s changed in a decode/encode/decode round trip", proto_type_name(a->type), which);
}

/* ---- required fields are marked present ---------------------------------- */

#define REQMASK(kind, field, cs, mn, mx, pres, doc) m |= (uint32_t)PRES_BIT_##pres << j++;
#define PRES_BIT_REQ 1u
#define PRES_BIT_OPT 0u
#define REQDEF(NAME, name, maxb, doc)                                                                              \
    static uint32_t req_##name(void)                                                                               \
    {                                                                                                              \
        uint32_t m = 0;                                                                                            \
        int j = 0;                                                                                                 \
        PROTO_FIELDS_##NAME(REQMASK) return m;                                                                     \
    }
PROTO_MESSAGES(REQDEF)
PROTO_NESTED(REQDEF)
#undef REQDEF

static void check_records(const proto_list_t *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        proto_record_t r;
        proto_error_t err;
        CHECK(proto_record_at(l, i, &r, &err) == 0, "record %u of a decoded BATCH: %s", i, err.message);
        CHECK((r.present & req_record()) == req_record(), "record %u lacks a required field", i);
        proto_value_t v;
        for (uint32_t k = 0; k < r.values.n; k++)
            CHECK(proto_values_at(&r.values, k, &v) == 0, "record %u value %u does not read back", i, k);
    }
}

static void check_decoded(const proto_msg_t *m)
{
    uint32_t present = *(const uint32_t *)&m->u, req = 0;
    switch (m->type) {
#define C(NAME, name, maxb, doc)                                                                                   \
    case PROTO_##NAME:                                                                                             \
        req = req_##name();                                                                                        \
        break;
        PROTO_MESSAGES(C)
#undef C
    default: CHECK(0, "decoded type %d", (int)m->type);
    }
    CHECK((present & req) == req, "%s decoded without a required field", proto_type_name(m->type));
    const proto_values_t *vals = m->type == PROTO_SUBMIT ? &m->u.submit.values : NULL;
    if (vals) {
        proto_value_t v;
        for (uint32_t k = 0; k < vals->n; k++) {
            CHECK(proto_values_at(vals, k, &v) == 0, "value %u does not read back", k);
            CHECK(v.kind == PV_INT || v.kind == PV_BOOL || v.kind == PV_TAGS, "value kind %d", v.kind);
            CHECK(v.code[0] != '\0', "empty indicator code");
        }
        CHECK(proto_values_at(vals, vals->n, &v) != 0, "proto_values_at(n) succeeded");
    }
    if (m->type == PROTO_BATCH)
        check_records(&m->u.batch.records);
}

/* ---- the target ---------------------------------------------------------- */

static bool codec_error(int rc)
{
    return rc == PROTO_E_MALFORMED || rc == PROTO_E_TOO_LARGE || rc == PROTO_E_VERSION || rc == PROTO_E_TYPE ||
           rc == PROTO_E_FIELD || rc == PROTO_E_VALUE;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    proto_msg_t m, m2;
    proto_error_t err;
    memset(&err, 0, sizeof err);
    int rc = proto_decode(data, size, &m, &err);
    int pre = size <= PROTO_MAX_FRAME ? proto_prescan(data, size, PROTO_MAX_DEPTH) : PROTO_E_TOO_LARGE;
    if (rc != 0) {
        CHECK(rc < 0 && codec_error(rc), "decode returned %d (%s)", rc, proto_err_code(rc));
        CHECK(err.code == rc, "err.code %d, returned %d", err.code, rc);
        CHECK(err.message[0] != '\0' && memchr(err.message, '\0', sizeof err.message), "bad error sentence");
        CHECK(pre == 0 || rc == PROTO_E_MALFORMED || rc == PROTO_E_TOO_LARGE,
              "prescan refuses the input but decode said %s", proto_err_code(rc));
        proto_msg_free(&m);
        return 0;
    }
    CHECK(pre == 0, "decoded an input that the prescan refuses");
    CHECK(size <= proto_type_max_bytes(m.type), "decoded %s of %zu bytes", proto_type_name(m.type), size);
    check_decoded(&m);

    /* encode what was decoded */
    pool_t pool = {.n = 0};
    conv_msg(&m, &pool);
    char *e1 = NULL, *e2 = NULL;
    size_t l1 = 0, l2 = 0;
    rc = proto_encode(&m, &e1, &l1, &err);
    CHECK(rc == 0, "a decoded %s does not encode: %s %s", proto_type_name(m.type), proto_err_code(rc), err.message);
    CHECK(l1 <= size, "re-encoding grew the message from %zu to %zu bytes", size, l1);

    /* decode that again: same type, same fields */
    rc = proto_decode(e1, l1, &m2, &err);
    CHECK(rc == 0, "a re-encoded %s does not decode: %s %s", proto_type_name(m.type), proto_err_code(rc),
          err.message);
    CHECK(m2.type == m.type, "type %s became %s", proto_type_name(m.type), proto_type_name(m2.type));
    pool_t pool2 = {.n = 0};
    conv_msg(&m2, &pool2);
    check_eq(&m, &m2);

    /* and once more: the same bytes */
    rc = proto_encode(&m2, &e2, &l2, &err);
    CHECK(rc == 0, "second encode failed: %s", err.message);
    CHECK(l2 == l1 && !memcmp(e1, e2, l1), "encode(decode(encode(x))) differs from encode(x)");

    free(e1);
    free(e2);
    proto_msg_free(&m2);
    pool_free(&pool2);
    proto_msg_free(&m);
    pool_free(&pool);
    return 0;
}
