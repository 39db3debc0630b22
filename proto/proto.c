/*
 * proto.c -- the codec generated from messages.def.
 *
 * The field tables below are expanded from the definitions; the encoder, the
 * decoder and the Markdown spec all walk the same tables, so a field added to
 * messages.def is encoded, decoded, validated and documented at once.
 */
#include "proto.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Field tables
 * ------------------------------------------------------------------------ */

typedef enum { FK_STR, FK_UINT, FK_INT, FK_BOOL, FK_VALUES, FK_LIST, FK_ANY, FK_STRMAP } fkind_t;
typedef enum { CS_NONE, CS_CODE, CS_TEXT } charset_t;

typedef struct {
    const char *name;
    fkind_t kind;
    charset_t cs;
    size_t off;
    int64_t min;
    uint64_t max;
    bool required;
    const char *doc;
} field_t;

typedef struct {
    const char *name;
    size_t max_bytes;
    const char *doc;
    const field_t *fields;
    int nfields;
} msgdef_t;

#define PRES_REQ true
#define PRES_OPT false
#define FIELD(kind, fname, cs, mn, mx, pres, doc) \
    {#fname, FK_##kind, CS_##cs, offsetof(CUR, fname), (int64_t)(mn), (uint64_t)(mx), PRES_##pres, doc},

#define CUR proto_submit_t
static const field_t fields_submit[] = {PROTO_FIELDS_SUBMIT(FIELD)};
#undef CUR
#define CUR proto_decide_t
static const field_t fields_decide[] = {PROTO_FIELDS_DECIDE(FIELD)};
#undef CUR
#define CUR proto_ack_t
static const field_t fields_ack[] = {PROTO_FIELDS_ACK(FIELD)};
#undef CUR
#define CUR proto_nack_t
static const field_t fields_nack[] = {PROTO_FIELDS_NACK(FIELD)};
#undef CUR
#define CUR proto_fetch_t
static const field_t fields_fetch[] = {PROTO_FIELDS_FETCH(FIELD)};
#undef CUR
#define CUR proto_batch_t
static const field_t fields_batch[] = {PROTO_FIELDS_BATCH(FIELD)};
#undef CUR
#define CUR proto_record_t
static const field_t fields_record[] = {PROTO_FIELDS_RECORD(FIELD)};
#undef CUR
#define CUR proto_query_t
static const field_t fields_query[] = {PROTO_FIELDS_QUERY(FIELD)};
#undef CUR
#define CUR proto_result_t
static const field_t fields_result[] = {PROTO_FIELDS_RESULT(FIELD)};
#undef CUR
#define CUR proto_event_t
static const field_t fields_event[] = {PROTO_FIELDS_EVENT(FIELD)};
#undef CUR
#define CUR proto_reminder_t
static const field_t fields_reminder[] = {PROTO_FIELDS_REMINDER(FIELD)};
#undef CUR

static const msgdef_t msgdefs[PROTO_NTYPES] = {
#define DEF(NAME, name, maxb, doc) \
    [PROTO_##NAME] = {#NAME, maxb, doc, fields_##name, (int)(sizeof fields_##name / sizeof(field_t))},
    PROTO_MESSAGES(DEF) PROTO_NESTED(DEF)
#undef DEF
};

/* The `present` bitmask of a decoded message has one bit per field. */
#define FITS(NAME, name, maxb, doc) \
    _Static_assert(sizeof fields_##name / sizeof(field_t) <= 32, #NAME " has more than 32 fields");
PROTO_MESSAGES(FITS)
PROTO_NESTED(FITS)
#undef FITS

/* ------------------------------------------------------------------------
 * Names and errors
 * ------------------------------------------------------------------------ */

static const struct {
    int code;
    const char *wire;
    const char *sentence;
} errors[] = {
#define ERR(NAME, wire, sentence) {PROTO_E_##NAME, wire, sentence},
    PROTO_ERRORS(ERR)
#undef ERR
};

const char *proto_type_name(proto_type_t t)
{
    return (t > PROTO_NONE && t < PROTO_NTYPES) ? msgdefs[t].name : "NONE";
}

proto_type_t proto_type_from_name(const char *s, size_t len)
{
    for (int t = PROTO_NONE + 1; t < PROTO_NTYPES; t++)
        if (t != PROTO_RECORD && strlen(msgdefs[t].name) == len && !memcmp(msgdefs[t].name, s, len))
            return (proto_type_t)t;
    return PROTO_NONE;
}

size_t proto_type_max_bytes(proto_type_t t)
{
    return (t > PROTO_NONE && t < PROTO_NTYPES) ? msgdefs[t].max_bytes : 0;
}

const char *proto_err_code(int err)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == err)
            return errors[i].wire;
    return err == 0 ? "OK" : "E_UNKNOWN";
}

const char *proto_err_sentence(int err)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].code == err)
            return errors[i].sentence;
    return err == 0 ? "success" : "unknown error";
}

int proto_err_from_code(const char *code)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (!strcmp(errors[i].wire, code))
            return errors[i].code;
    return 0;
}

int proto_fail(proto_error_t *err, int code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ------------------------------------------------------------------------
 * Pre-scan: lengths, counts and depth checked before msgpack-c allocates
 * ------------------------------------------------------------------------ */

/* Reads a big-endian unsigned integer of n bytes. */
static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* msgpack-c reserves one msgpack_object per array element and per map pair
 * before reading them, so a 5-byte header claiming 2^32 elements would make
 * it allocate 100 GB.  We walk the bytes first: each element needs at least
 * one byte, so a count larger than the bytes left is a lie. */
/* Walks one msgpack value from *pp (checking every length and count against
 * end, the nesting against max_depth); on success *pp is just past it. */
static int scan_value(const unsigned char **pp, const unsigned char *end, int max_depth)
{
    const unsigned char *p = *pp;
    uint64_t pending[PROTO_MAX_DEPTH + 2]; /* objects still expected at each level */
    int depth = 0;
    pending[0] = 1;

    if (max_depth > PROTO_MAX_DEPTH)
        max_depth = PROTO_MAX_DEPTH;
    while (depth > 0 || pending[0] > 0) {
        if (pending[depth] == 0) {
            depth--;
            continue;
        }
        if (p >= end)
            return PROTO_E_MALFORMED;
        pending[depth]--;
        unsigned c = *p++;
        uint64_t skip = 0, items = 0;
        int hdr = 0; /* bytes of length that follow the type byte */
        if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
            continue;
        else if (c >= 0x80 && c <= 0x8f)
            items = 2 * (uint64_t)(c & 0x0f);
        else if (c >= 0x90 && c <= 0x9f)
            items = c & 0x0f;
        else if (c >= 0xa0 && c <= 0xbf)
            skip = c & 0x1f;
        else {
            switch (c) {
            case 0xc4: case 0xd9: hdr = 1; break;         /* bin8, str8 */
            case 0xc5: case 0xda: hdr = 2; break;         /* bin16, str16 */
            case 0xc6: case 0xdb: hdr = 4; break;         /* bin32, str32 */
            case 0xca: skip = 4; break;                   /* float32 */
            case 0xcb: skip = 8; break;                   /* float64 */
            case 0xcc: case 0xd0: skip = 1; break;
            case 0xcd: case 0xd1: skip = 2; break;
            case 0xce: case 0xd2: skip = 4; break;
            case 0xcf: case 0xd3: skip = 8; break;
            case 0xdc: case 0xdd: case 0xde: case 0xdf: { /* array16/32, map16/32 */
                int n = (c == 0xdc || c == 0xde) ? 2 : 4;
                if ((size_t)(end - p) < (size_t)n)
                    return PROTO_E_MALFORMED;
                items = be(p, n);
                p += n;
                if (c >= 0xde)
                    items *= 2;
                break;
            }
            default: /* 0xc1 never used; ext types are not part of the protocol */
                return PROTO_E_MALFORMED;
            }
            if (hdr) {
                if ((size_t)(end - p) < (size_t)hdr)
                    return PROTO_E_MALFORMED;
                skip = be(p, hdr);
                p += hdr;
            }
        }
        if (skip) {
            if (skip > (uint64_t)(end - p))
                return PROTO_E_MALFORMED;
            p += skip;
        } else if (items || (c >= 0x80 && c <= 0x9f) || c == 0xdc || c == 0xdd || c == 0xde || c == 0xdf) {
            if (items > (uint64_t)(end - p))
                return PROTO_E_MALFORMED;
            if (depth + 1 > max_depth)
                return PROTO_E_MALFORMED;
            pending[++depth] = items;
        }
    }
    *pp = p;
    return 0;
}

int proto_prescan(const void *buf, size_t len, int max_depth)
{
    const unsigned char *p = buf, *end = p + len;
    int rc = scan_value(&p, end, max_depth);
    return rc ? rc : p == end ? 0 : PROTO_E_MALFORMED;
}

/* The count of the map or array header at *p (advancing past it), or -1. */
static int64_t container_count(const unsigned char **pp, const unsigned char *end, bool map)
{
    const unsigned char *p = *pp;
    if (p >= end)
        return -1;
    unsigned c = *p++;
    uint8_t fix = map ? 0x80 : 0x90, c16 = map ? 0xde : 0xdc, c32 = map ? 0xdf : 0xdd;
    int64_t n = -1;
    if ((c & 0xf0) == fix)
        n = c & 0x0f;
    else if ((c == c16 || c == c32) && end - p >= (c == c16 ? 2 : 4)) {
        n = (int64_t)be(p, c == c16 ? 2 : 4);
        p += c == c16 ? 2 : 4;
    }
    *pp = p;
    return n;
}

/* True when the str at *p is `key` (advancing past it either way). */
static bool span_key_is(const unsigned char **pp, const unsigned char *end, const char *key)
{
    const unsigned char *start = *pp;
    if (scan_value(pp, end, 1))
        return false;
    size_t n = strlen(key), hdr = (*start >= 0xa0 && *start <= 0xbf) ? 1 : *start == 0xd9 ? 2 : *start == 0xda ? 3 : 5;
    return (size_t)(*pp - start) == hdr + n && !memcmp(start + hdr, key, n);
}

/* The bytes of the value under `key` of the map in buf (already checked by
 * proto_decode): 0 with *span pointing into buf, or -1. */
static int field_span(const void *buf, size_t len, const char *key, proto_str_t *span)
{
    const unsigned char *p = buf, *end = p + len;
    int64_t pairs = container_count(&p, end, true);
    for (int64_t i = 0; i < pairs; i++) {
        bool match = span_key_is(&p, end, key);
        const unsigned char *start = p;
        if (scan_value(&p, end, PROTO_MAX_DEPTH))
            return -1;
        if (match) {
            span->ptr = (const char *)start;
            span->len = (uint32_t)(p - start);
            return 0;
        }
    }
    return -1;
}

/* The bytes of each of the n elements of the array under `key`. */
static int array_spans(const void *buf, size_t len, const char *key, proto_str_t *spans, uint32_t n)
{
    proto_str_t arr;
    if (field_span(buf, len, key, &arr))
        return -1;
    const unsigned char *p = (const unsigned char *)arr.ptr, *end = p + arr.len;
    if (container_count(&p, end, false) != (int64_t)n)
        return -1;
    for (uint32_t k = 0; k < n; k++) {
        const unsigned char *start = p;
        if (scan_value(&p, end, PROTO_MAX_DEPTH))
            return -1;
        spans[k].ptr = (const char *)start;
        spans[k].len = (uint32_t)(p - start);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Field checks shared by encoder and decoder
 * ------------------------------------------------------------------------ */

bool proto_code_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || c == ':';
}

/* Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF, no NUL. */
static bool utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + len;
    while (p < e) {
        unsigned c = *p;
        if (c == 0)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        int n;
        uint32_t cp;
        if ((c & 0xe0) == 0xc0) n = 1, cp = c & 0x1f;
        else if ((c & 0xf0) == 0xe0) n = 2, cp = c & 0x0f;
        else if ((c & 0xf8) == 0xf0) n = 3, cp = c & 0x07;
        else return false;
        if (e - p <= n)
            return false;
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        p += n + 1;
    }
    return true;
}

static int check_str(const field_t *f, const char *s, size_t len, proto_error_t *err)
{
    if ((int64_t)len < f->min || len > f->max)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': length %zu outside %lld..%llu bytes", f->name, len,
                          (long long)f->min, (unsigned long long)f->max);
    if (f->cs == CS_CODE) {
        for (size_t i = 0; i < len; i++)
            if (!proto_code_char((unsigned char)s[i]))
                return proto_fail(err, PROTO_E_FIELD, "field '%s': only letters, digits and . _ - : are allowed",
                                  f->name);
    } else if (!utf8_valid(s, len)) {
        return proto_fail(err, PROTO_E_FIELD, "field '%s': not valid UTF-8", f->name);
    }
    return 0;
}

static int check_value(const proto_value_t *v, proto_error_t *err)
{
    size_t cl = strnlen(v->code, sizeof v->code);
    if (cl == 0 || cl > 64)
        return proto_fail(err, PROTO_E_FIELD, "field 'values': indicator code must be 1..64 bytes");
    for (size_t i = 0; i < cl; i++)
        if (!proto_code_char((unsigned char)v->code[i]))
            return proto_fail(err, PROTO_E_FIELD, "field 'values': bad character in indicator code");
    if (v->kind == PV_BOOL && (v->i != 0 && v->i != 1))
        return proto_fail(err, PROTO_E_VALUE, "indicator %s: a yes/no value must be true or false", v->code);
    if (v->kind == PV_TAGS) {
        if (v->ntags > PROTO_TAGS_MAX)
            return proto_fail(err, PROTO_E_VALUE, "indicator %s: more than %d tags", v->code, PROTO_TAGS_MAX);
        for (uint32_t t = 0; t < v->ntags; t++) {
            if (v->tags[t].len == 0 || v->tags[t].len > PROTO_TAG_MAX)
                return proto_fail(err, PROTO_E_VALUE, "indicator %s: a tag must be 1..%d bytes", v->code,
                                  PROTO_TAG_MAX);
            for (uint32_t k = 0; k < v->tags[t].len; k++)
                if (!proto_code_char((unsigned char)v->tags[t].ptr[k]))
                    return proto_fail(err, PROTO_E_VALUE, "indicator %s: bad character in a tag", v->code);
        }
    } else if (v->kind != PV_INT && v->kind != PV_BOOL) {
        return proto_fail(err, PROTO_E_VALUE, "indicator %s: unknown value kind", v->code);
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Values
 * ------------------------------------------------------------------------ */

/* Reads one msgpack key/value pair into a proto_value_t, checking types. */
/* A float as a sentence shows it: 3.0 keeps its point ("not 3" would read
 * as if the integer 3 had been refused). */
static const char *float_text(double f, char *buf, size_t len)
{
    snprintf(buf, len, "%g", f);
    if (!strpbrk(buf, ".eni"))  /* no point, exponent, inf or nan */
        snprintf(buf + strlen(buf), len - strlen(buf), ".0");
    return buf;
}

static int value_from_kv(const msgpack_object_kv *kv, proto_value_t *out, proto_error_t *err)
{
    memset(out, 0, offsetof(proto_value_t, tags));
    if (kv->key.type != MSGPACK_OBJECT_STR)
        return proto_fail(err, PROTO_E_FIELD, "field 'values': keys must be indicator codes (strings)");
    if (kv->key.via.str.size == 0 || kv->key.via.str.size > 64)
        return proto_fail(err, PROTO_E_FIELD, "field 'values': indicator code must be 1..64 bytes");
    /* A NUL would cut the code short ("a\0b" read as "a"): refuse it here,
     * check_value() sees only the C string. */
    if (memchr(kv->key.via.str.ptr, '\0', kv->key.via.str.size))
        return proto_fail(err, PROTO_E_FIELD, "field 'values': bad character in indicator code");
    memcpy(out->code, kv->key.via.str.ptr, kv->key.via.str.size);
    out->code[kv->key.via.str.size] = '\0';
    const msgpack_object *v = &kv->val;
    switch (v->type) {
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (v->via.u64 > INT64_MAX)
            return proto_fail(err, PROTO_E_VALUE, "indicator %s: value too large", out->code);
        out->kind = PV_INT;
        out->i = (int64_t)v->via.u64;
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        out->kind = PV_INT;
        out->i = v->via.i64;
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        out->kind = PV_BOOL;
        out->i = v->via.boolean ? 1 : 0;
        break;
    case MSGPACK_OBJECT_ARRAY:
        out->kind = PV_TAGS;
        if (v->via.array.size > PROTO_TAGS_MAX)
            return proto_fail(err, PROTO_E_VALUE, "indicator %s: more than %d tags", out->code, PROTO_TAGS_MAX);
        out->ntags = v->via.array.size;
        for (uint32_t t = 0; t < out->ntags; t++) {
            const msgpack_object *o = &v->via.array.ptr[t];
            if (o->type != MSGPACK_OBJECT_STR)
                return proto_fail(err, PROTO_E_VALUE, "indicator %s: tags must be strings", out->code);
            out->tags[t].ptr = o->via.str.ptr;
            out->tags[t].len = o->via.str.size;
        }
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
    {
        char num[48];
        return proto_fail(err, PROTO_E_VALUE,
                          "indicator %s: a whole number (a msgpack integer) is expected, not the floating-point %s",
                          out->code, float_text(v->via.f64, num, sizeof num));
    }
    default:
        return proto_fail(err, PROTO_E_VALUE, "indicator %s: value must be an integer, true/false or a list of tags",
                          out->code);
    }
    return check_value(out, err);
}

int proto_values_at(const proto_values_t *vals, uint32_t i, proto_value_t *out)
{
    if (i >= vals->n)
        return PROTO_E_FIELD;
    if (vals->items) {
        *out = vals->items[i];
        return 0;
    }
    if (!vals->kv)
        return PROTO_E_FIELD;
    return value_from_kv(&vals->kv[i], out, NULL);
}

/* Two values alike: the same code, kind and number; tags in the same order,
 * or (as_set) the same tags in any order -- a few each, never repeated
 * (validate.c). */
static bool value_alike(const proto_value_t *a, const proto_value_t *b, bool as_set)
{
    if (strcmp(a->code, b->code) || a->kind != b->kind)
        return false;
    if (a->kind != PV_TAGS)
        return a->i == b->i;
    if (a->ntags != b->ntags)
        return false;
    for (uint32_t i = 0; i < a->ntags; i++) {
        bool found = false;
        for (uint32_t k = as_set ? 0 : i; k < (as_set ? b->ntags : i + 1) && !found; k++)
            found = a->tags[i].len == b->tags[k].len && !memcmp(a->tags[i].ptr, b->tags[k].ptr, a->tags[i].len);
        if (!found)
            return false;
    }
    return true;
}

bool proto_value_equal(const proto_value_t *a, const proto_value_t *b)
{
    return value_alike(a, b, false);
}

bool proto_value_same(const proto_value_t *a, const proto_value_t *b)
{
    return value_alike(a, b, true);
}

static int decode_values(const field_t *f, const msgpack_object *o, proto_values_t *out, proto_error_t *err)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': must be a map of indicator code to value", f->name);
    if (o->via.map.size > f->max)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': more than %llu values", f->name,
                          (unsigned long long)f->max);
    proto_value_t v;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        int rc = value_from_kv(&o->via.map.ptr[i], &v, err);
        if (rc)
            return rc;
        /* Duplicate keys would make "the value of X" ambiguous. */
        const msgpack_object *k = &o->via.map.ptr[i].key;
        for (uint32_t j = 0; j < i; j++) {
            const msgpack_object *kj = &o->via.map.ptr[j].key;
            if (kj->via.str.size == k->via.str.size && !memcmp(kj->via.str.ptr, k->via.str.ptr, k->via.str.size))
                return proto_fail(err, PROTO_E_FIELD, "field '%s': indicator %s appears twice", f->name, v.code);
        }
    }
    out->n = o->via.map.size;
    out->kv = o->via.map.ptr;
    out->items = NULL;
    return 0;
}

/* ------------------------------------------------------------------------
 * STRMAP: code -> text (comments beside values)
 * ------------------------------------------------------------------------ */

/* Checks one pair: a code of 1..64 code characters and a text of
 * 1..PROTO_STRMAP_TEXT_MAX bytes of strict UTF-8 (or of code characters,
 * for a CODE charset). */
static int check_strpair(const field_t *f, const proto_strpair_t *e, proto_error_t *err)
{
    if (e->code.len == 0 || e->code.len > 64)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': a code must be 1..64 bytes", f->name);
    for (uint32_t i = 0; i < e->code.len; i++)
        if (!proto_code_char((unsigned char)e->code.ptr[i]))
            return proto_fail(err, PROTO_E_FIELD, "field '%s': only letters, digits and . _ - : are allowed in a code",
                              f->name);
    if (e->text.len == 0 || e->text.len > PROTO_STRMAP_TEXT_MAX)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': the text of %.*s is %u bytes, not 1..%d", f->name,
                          (int)e->code.len, e->code.ptr, e->text.len, PROTO_STRMAP_TEXT_MAX);
    bool ok = true;
    if (f->cs == CS_CODE) {
        for (uint32_t i = 0; i < e->text.len && ok; i++)
            ok = proto_code_char((unsigned char)e->text.ptr[i]);
    } else {
        ok = utf8_valid(e->text.ptr, e->text.len);
    }
    if (!ok)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': the text of %.*s is not valid %s", f->name,
                          (int)e->code.len, e->code.ptr, f->cs == CS_CODE ? "code" : "UTF-8");
    return 0;
}

static int strpair_from_kv(const msgpack_object_kv *kv, proto_strpair_t *out)
{
    if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_STR)
        return PROTO_E_FIELD;
    out->code = (proto_str_t){kv->key.via.str.ptr, kv->key.via.str.size};
    out->text = (proto_str_t){kv->val.via.str.ptr, kv->val.via.str.size};
    return 0;
}

int proto_strmap_at(const proto_strmap_t *m, uint32_t i, proto_strpair_t *out)
{
    if (i >= m->n)
        return PROTO_E_FIELD;
    if (m->items) {
        *out = m->items[i];
        return 0;
    }
    return m->kv ? strpair_from_kv(&m->kv[i], out) : PROTO_E_FIELD;
}

static bool str_eq(proto_str_t a, proto_str_t b)
{
    return a.len == b.len && !memcmp(a.ptr, b.ptr, a.len);
}

bool proto_strmap_equal(const proto_strmap_t *a, const proto_strmap_t *b)
{
    if (a->n != b->n)
        return false;
    proto_strpair_t ea, eb;
    for (uint32_t i = 0; i < a->n; i++) {
        if (proto_strmap_at(a, i, &ea))
            return false;
        bool found = false;
        for (uint32_t k = 0; k < b->n && !found; k++)
            found = proto_strmap_at(b, k, &eb) == 0 && str_eq(ea.code, eb.code) && str_eq(ea.text, eb.text);
        if (!found)
            return false;
    }
    return true;
}

static int decode_strmap(const field_t *f, const msgpack_object *o, proto_strmap_t *out, proto_error_t *err)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': must be a map of code to text", f->name);
    if (o->via.map.size > f->max)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': more than %llu entries", f->name,
                          (unsigned long long)f->max);
    proto_strpair_t e, ej;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        if (strpair_from_kv(&o->via.map.ptr[i], &e))
            return proto_fail(err, PROTO_E_FIELD, "field '%s': keys and texts must be strings", f->name);
        int rc = check_strpair(f, &e, err);
        if (rc)
            return rc;
        for (uint32_t j = 0; j < i; j++)
            if (strpair_from_kv(&o->via.map.ptr[j], &ej) == 0 && str_eq(e.code, ej.code))
                return proto_fail(err, PROTO_E_FIELD, "field '%s': %.*s appears twice", f->name, (int)e.code.len,
                                  e.code.ptr);
    }
    out->n = o->via.map.size;
    out->kv = o->via.map.ptr;
    out->items = NULL;
    return 0;
}

int proto_pack_strmap(msgpack_packer *pk, const proto_strmap_t *m)
{
    if (m->raw) /* decoded, so checked, by proto_decode(): the bytes as they came */
        return pk->callback(pk->data, m->raw, m->rawlen) ? PROTO_E_STORAGE : 0;
    proto_strpair_t e;
    msgpack_pack_map(pk, m->n);
    for (uint32_t i = 0; i < m->n; i++) {
        if (proto_strmap_at(m, i, &e))
            return PROTO_E_FIELD;
        msgpack_pack_str(pk, e.code.len);
        msgpack_pack_str_body(pk, e.code.ptr, e.code.len);
        msgpack_pack_str(pk, e.text.len);
        msgpack_pack_str_body(pk, e.text.ptr, e.text.len);
    }
    return 0;
}

int proto_pack_values(msgpack_packer *pk, const proto_values_t *vals)
{
    if (vals->raw) /* decoded, so checked, by proto_decode(): the bytes as they came */
        return pk->callback(pk->data, vals->raw, vals->rawlen) ? PROTO_E_STORAGE : 0;
    proto_value_t v;
    msgpack_pack_map(pk, vals->n);
    for (uint32_t i = 0; i < vals->n; i++) {
        if (proto_values_at(vals, i, &v))
            return PROTO_E_FIELD;
        size_t cl = strlen(v.code);
        msgpack_pack_str(pk, cl);
        msgpack_pack_str_body(pk, v.code, cl);
        if (v.kind == PV_INT)
            msgpack_pack_int64(pk, v.i);
        else if (v.kind == PV_BOOL)
            v.i ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
        else {
            msgpack_pack_array(pk, v.ntags);
            for (uint32_t t = 0; t < v.ntags; t++) {
                msgpack_pack_str(pk, v.tags[t].len);
                msgpack_pack_str_body(pk, v.tags[t].ptr, v.tags[t].len);
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Decoder
 * ------------------------------------------------------------------------ */

static int decode_fields(proto_type_t t, const msgpack_object *map, void *st, uint32_t *present, proto_error_t *err);

static int decode_list(const field_t *f, const msgpack_object *o, proto_list_t *out, proto_error_t *err)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': must be an array", f->name);
    if (o->via.array.size > f->max)
        return proto_fail(err, PROTO_E_FIELD, "field '%s': more than %llu entries", f->name,
                          (unsigned long long)f->max);
    out->n = o->via.array.size;
    out->objs = o->via.array.ptr;
    out->raw = NULL;
    return 0; /* the records are decoded (and so validated) by decode_records() */
}

/* Decodes every RECORD of a decoded BATCH once, into its zone, with the
 * bytes each one was sent as (stored as they are, never re-encoded). */
static int decode_records(proto_msg_t *msg, const void *buf, size_t len, proto_error_t *err)
{
    proto_list_t *l = &msg->u.batch.records;
    if (l->n == 0)
        return 0;
    proto_record_t *recs = msgpack_zone_malloc(msg->unpacked.zone, (size_t)l->n * sizeof *recs);
    proto_str_t *spans = msgpack_zone_malloc(msg->unpacked.zone, (size_t)l->n * sizeof *spans);
    if (!recs || !spans)
        return proto_fail(err, PROTO_E_TOO_LARGE, "no memory for %u records", l->n);
    for (uint32_t i = 0; i < l->n; i++) {
        int rc = proto_record_at(l, i, &recs[i], err);
        if (rc)
            return rc;
    }
    if (array_spans(buf, len, "records", spans, l->n))
        return proto_fail(err, PROTO_E_MALFORMED, "field 'records': its bytes could not be delimited");
    l->recs = recs;
    l->spans = spans;
    return 0;
}

/* What a msgpack value is, for a sentence ("not an integer"). */
static const char *object_kind(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "true/false";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return "a floating-point number";
    case MSGPACK_OBJECT_ARRAY: return "an array";
    case MSGPACK_OBJECT_MAP: return "a map";
    case MSGPACK_OBJECT_BIN: return "binary data (bin)";
    default: return "another kind of value";
    }
}

static int decode_field(const field_t *f, const msgpack_object *o, char *st, proto_error_t *err)
{
    void *dst = st + f->off;
    switch (f->kind) {
    case FK_STR:
        if (o->type != MSGPACK_OBJECT_STR)
            return proto_fail(err, PROTO_E_FIELD, "field '%s': must be a string", f->name);
        if (check_str(f, o->via.str.ptr, o->via.str.size, err))
            return err ? err->code : PROTO_E_FIELD;
        memcpy(dst, o->via.str.ptr, o->via.str.size);
        ((char *)dst)[o->via.str.size] = '\0';
        return 0;
    case FK_UINT:
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return proto_fail(err, PROTO_E_FIELD, "field '%s': must be an unsigned integer", f->name);
        if (o->via.u64 < (uint64_t)f->min || o->via.u64 > f->max)
            return proto_fail(err, PROTO_E_FIELD, "field '%s': %llu outside %lld..%llu", f->name,
                              (unsigned long long)o->via.u64, (long long)f->min, (unsigned long long)f->max);
        *(uint64_t *)dst = o->via.u64;
        return 0;
    case FK_INT: {
        int64_t v;
        if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX)
            v = (int64_t)o->via.u64;
        else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
            v = o->via.i64;
        else
            return proto_fail(err, PROTO_E_FIELD, "field '%s': must be an integer", f->name);
        if (v < f->min || (v > 0 && (uint64_t)v > f->max))
            return proto_fail(err, PROTO_E_FIELD, "field '%s': %lld out of range", f->name, (long long)v);
        *(int64_t *)dst = v;
        return 0;
    }
    case FK_BOOL:
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
            return proto_fail(err, PROTO_E_FIELD, "field '%s': must be true or false", f->name);
        *(bool *)dst = o->via.boolean;
        return 0;
    case FK_VALUES:
        return decode_values(f, o, dst, err);
    case FK_LIST:
        return decode_list(f, o, dst, err);
    case FK_ANY:
        ((proto_any_t *)dst)->obj = o;
        return 0;
    case FK_STRMAP:
        return decode_strmap(f, o, dst, err);
    }
    return proto_fail(err, PROTO_E_FIELD, "field '%s': unknown kind", f->name);
}

static bool key_is(const msgpack_object *k, const char *s)
{
    size_t n = strlen(s);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n && !memcmp(k->via.str.ptr, s, n);
}

/* Decodes the fields of message type t from a msgpack map into st.  Unknown
 * keys are ignored (a newer peer may send more); duplicates are refused. */
static int decode_fields(proto_type_t t, const msgpack_object *map, void *st, uint32_t *present, proto_error_t *err)
{
    const msgdef_t *d = &msgdefs[t];
    *present = 0;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type != MSGPACK_OBJECT_STR)
            return proto_fail(err, PROTO_E_MALFORMED, "%s: map keys must be strings", d->name);
        for (int j = 0; j < d->nfields; j++) {
            const field_t *f = &d->fields[j];
            if (!key_is(k, f->name))
                continue;
            if (*present & (1u << j))
                return proto_fail(err, PROTO_E_FIELD, "%s: field '%s' appears twice", d->name, f->name);
            int rc = decode_field(f, &map->via.map.ptr[i].val, st, err);
            if (rc)
                return rc;
            *present |= 1u << j;
            break;
        }
    }
    for (int j = 0; j < d->nfields; j++)
        if (d->fields[j].required && !(*present & (1u << j)))
            return proto_fail(err, PROTO_E_FIELD, "%s: missing field '%s'", d->name, d->fields[j].name);
    return 0;
}

int proto_record_at(const proto_list_t *list, uint32_t i, proto_record_t *rec, proto_error_t *err)
{
    if (i >= list->n || !list->objs)
        return proto_fail(err, PROTO_E_FIELD, "record %u out of range", i);
    const msgpack_object *o = &list->objs[i];
    if (o->type != MSGPACK_OBJECT_MAP)
        return proto_fail(err, PROTO_E_FIELD, "records[%u]: must be a map", i);
    memset(rec, 0, sizeof *rec);
    return decode_fields(PROTO_RECORD, o, rec, &rec->present, err);
}

void proto_msg_free(proto_msg_t *msg)
{
    if (msg && msg->has_unpacked) {
        msgpack_unpacked_destroy(&msg->unpacked);
        msg->has_unpacked = false;
    }
}

int proto_decode(const void *buf, size_t len, proto_msg_t *msg, proto_error_t *err)
{
    memset(msg, 0, offsetof(proto_msg_t, unpacked));
    msg->has_unpacked = false;
    if (len > PROTO_MAX_FRAME)
        return proto_fail(err, PROTO_E_TOO_LARGE, "message of %zu bytes exceeds %d", len, PROTO_MAX_FRAME);
    if (proto_prescan(buf, len, PROTO_MAX_DEPTH))
        return proto_fail(err, PROTO_E_MALFORMED,
                          "not one well-formed msgpack value (bad length, count, nesting deeper than %d, or trailing bytes)",
                          PROTO_MAX_DEPTH);
    msgpack_unpacked_init(&msg->unpacked);
    msg->has_unpacked = true;
    size_t off = 0;
    if (msgpack_unpack_next(&msg->unpacked, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        return proto_fail(err, PROTO_E_MALFORMED, "msgpack could not be decoded");
    const msgpack_object *top = &msg->unpacked.data;
    if (top->type != MSGPACK_OBJECT_MAP)
        return proto_fail(err, PROTO_E_MALFORMED, "a message must be a msgpack map");

    const msgpack_object *v = NULL, *type = NULL;
    for (uint32_t i = 0; i < top->via.map.size; i++) {
        const msgpack_object *k = &top->via.map.ptr[i].key;
        /* Repeated, they would be ambiguous (first or last?): refused. */
        if (key_is(k, "v")) {
            if (v)
                return proto_fail(err, PROTO_E_VERSION, "'v' appears twice");
            v = &top->via.map.ptr[i].val;
        } else if (key_is(k, "type")) {
            if (type)
                return proto_fail(err, PROTO_E_TYPE, "'type' appears twice");
            type = &top->via.map.ptr[i].val;
        }
    }
    if (!v)
        return proto_fail(err, PROTO_E_VERSION, "missing protocol version 'v'");
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return proto_fail(err, PROTO_E_VERSION, "protocol version 'v' must be an unsigned integer (%d)", PROTO_VERSION);
    if (v->via.u64 != PROTO_VERSION)
        return proto_fail(err, PROTO_E_VERSION, "protocol version %llu is not supported (this server speaks %d)",
                          (unsigned long long)v->via.u64, PROTO_VERSION);
    if (!type)
        return proto_fail(err, PROTO_E_TYPE, "missing message 'type'");
    if (type->type != MSGPACK_OBJECT_STR)
        return proto_fail(err, PROTO_E_TYPE, "message 'type' must be a string naming the message (\"SUBMIT\", ...), "
                          "not %s", object_kind(type));
    proto_type_t t = proto_type_from_name(type->via.str.ptr, type->via.str.size);
    if (t == PROTO_NONE)
        return proto_fail(err, PROTO_E_TYPE, "unknown message type '%.*s'",
                          (int)(type->via.str.size > 32 ? 32 : type->via.str.size), type->via.str.ptr);
    if (len > msgdefs[t].max_bytes)
        return proto_fail(err, PROTO_E_TOO_LARGE, "%s of %zu bytes exceeds the limit of %zu", msgdefs[t].name, len,
                          msgdefs[t].max_bytes);
    msg->type = t;
    /* Every struct in the union starts with its `present` mask. */
    int rc = decode_fields(t, top, &msg->u, (uint32_t *)&msg->u, err);
    if (rc == 0 && t == PROTO_BATCH)
        rc = decode_records(msg, buf, len, err);
    if (rc == 0 && t == PROTO_SUBMIT) {
        /* the values travel on as the bytes they came as (into the journal) */
        proto_str_t span;
        if (field_span(buf, len, "values", &span) == 0) {
            msg->u.submit.values.raw = span.ptr;
            msg->u.submit.values.rawlen = span.len;
        }
        if (msg->u.submit.comments.n && field_span(buf, len, "comments", &span) == 0) {
            msg->u.submit.comments.raw = span.ptr;
            msg->u.submit.comments.rawlen = span.len;
        }
    }
    return rc;
}

int proto_peek_id(const proto_msg_t *msg, char *out, size_t len)
{
    if (len)
        out[0] = '\0';
    if (!msg->has_unpacked || msg->unpacked.data.type != MSGPACK_OBJECT_MAP || len < 2)
        return -1;
    const msgpack_object *top = &msg->unpacked.data;
    for (uint32_t i = 0; i < top->via.map.size; i++) {
        const msgpack_object *v = &top->via.map.ptr[i].val;
        if (!key_is(&top->via.map.ptr[i].key, "id") || v->type != MSGPACK_OBJECT_STR)
            continue;
        uint32_t n = v->via.str.size;
        if (n == 0 || n > 64 || n >= len)
            return -1;
        for (uint32_t k = 0; k < n; k++)
            if (!proto_code_char((unsigned char)v->via.str.ptr[k]))
                return -1;
        memcpy(out, v->via.str.ptr, n);
        out[n] = '\0';
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------------------------
 * Encoder
 * ------------------------------------------------------------------------ */

static bool field_is_set(const field_t *f, const char *st)
{
    const void *p = st + f->off;
    switch (f->kind) {
    case FK_STR: return ((const char *)p)[0] != '\0';
    case FK_UINT: return *(const uint64_t *)p != 0;
    case FK_INT: return *(const int64_t *)p != 0;
    case FK_BOOL: return *(const bool *)p;
    case FK_VALUES: return ((const proto_values_t *)p)->n > 0;
    case FK_LIST: return ((const proto_list_t *)p)->n > 0;
    case FK_ANY: return ((const proto_any_t *)p)->raw != NULL;
    case FK_STRMAP: return ((const proto_strmap_t *)p)->n > 0;
    }
    return false;
}

void proto_pack_cstr(msgpack_packer *pk, const char *s)
{
    size_t n = strlen(s);
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* LIST and ANY carry bytes packed elsewhere; they go through the packer's
 * own callback, like everything else, so any packer will do. */
static int encode_field(msgpack_packer *pk, const field_t *f, const char *st, proto_error_t *err)
{
    const void *p = st + f->off;
    switch (f->kind) {
    case FK_STR: {
        const char *s = p;
        int rc = check_str(f, s, strlen(s), err);
        if (rc)
            return rc;
        proto_pack_cstr(pk, s);
        return 0;
    }
    case FK_UINT: {
        uint64_t v = *(const uint64_t *)p;
        if (v < (uint64_t)f->min || v > f->max)
            return proto_fail(err, PROTO_E_FIELD, "field '%s': %llu out of range", f->name, (unsigned long long)v);
        return msgpack_pack_uint64(pk, v) ? PROTO_E_STORAGE : 0;
    }
    case FK_INT: {
        int64_t v = *(const int64_t *)p;
        if (v < f->min || (v > 0 && (uint64_t)v > f->max))
            return proto_fail(err, PROTO_E_FIELD, "field '%s': %lld out of range", f->name, (long long)v);
        return msgpack_pack_int64(pk, v) ? PROTO_E_STORAGE : 0;
    }
    case FK_BOOL:
        return *(const bool *)p ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case FK_VALUES: {
        const proto_values_t *vals = p;
        if (vals->n > f->max)
            return proto_fail(err, PROTO_E_FIELD, "field '%s': more than %llu values", f->name,
                              (unsigned long long)f->max);
        proto_value_t v;
        for (uint32_t i = 0; !vals->raw && i < vals->n; i++) {
            if (proto_values_at(vals, i, &v))
                return proto_fail(err, PROTO_E_FIELD, "field '%s': value %u cannot be read", f->name, i);
            int rc = check_value(&v, err);
            if (rc)
                return rc;
        }
        return proto_pack_values(pk, vals);
    }
    case FK_LIST: {
        const proto_list_t *l = p;
        if (l->n > f->max || (l->n && !l->raw))
            return proto_fail(err, PROTO_E_FIELD, "field '%s': bad list", f->name);
        msgpack_pack_array(pk, l->n);
        if (l->n && pk->callback(pk->data, l->raw, l->rawlen))
            return proto_fail(err, PROTO_E_FIELD, "field '%s': out of memory", f->name);
        return 0;
    }
    case FK_ANY: {
        const proto_any_t *a = p;
        if (a->rawlen == 0 || pk->callback(pk->data, a->raw, a->rawlen))
            return proto_fail(err, PROTO_E_FIELD, "field '%s': empty or out of memory", f->name);
        return 0;
    }
    case FK_STRMAP: {
        const proto_strmap_t *m = p;
        if (m->n > f->max)
            return proto_fail(err, PROTO_E_FIELD, "field '%s': more than %llu entries", f->name,
                              (unsigned long long)f->max);
        proto_strpair_t e;
        for (uint32_t i = 0; !m->raw && i < m->n; i++) {
            if (proto_strmap_at(m, i, &e))
                return proto_fail(err, PROTO_E_FIELD, "field '%s': entry %u cannot be read", f->name, i);
            int rc = check_strpair(f, &e, err);
            if (rc)
                return rc;
            for (uint32_t j = 0; j < i; j++) {
                proto_strpair_t ej;
                if (proto_strmap_at(m, j, &ej) == 0 && str_eq(e.code, ej.code))
                    return proto_fail(err, PROTO_E_FIELD, "field '%s': %.*s appears twice", f->name,
                                      (int)e.code.len, e.code.ptr);
            }
        }
        return proto_pack_strmap(pk, m);
    }
    }
    return PROTO_E_FIELD;
}

/* Packs the fields of type t from st as a map; `header` adds v and type.
 * With `open`, the last field is counted and only its key is packed: the
 * caller packs its value next (proto_pack_head()). */
static int encode_fields(msgpack_packer *pk, proto_type_t t, const void *st, bool header, bool open,
                         proto_error_t *err)
{
    const msgdef_t *d = &msgdefs[t];
    int nf = open ? d->nfields - 1 : d->nfields;
    uint32_t n = (header ? 2 : 0) + (open ? 1 : 0);
    for (int j = 0; j < nf; j++)
        n += d->fields[j].required || field_is_set(&d->fields[j], st);
    msgpack_pack_map(pk, n);
    if (header) {
        proto_pack_cstr(pk, "v");
        msgpack_pack_uint32(pk, PROTO_VERSION);
        proto_pack_cstr(pk, "type");
        proto_pack_cstr(pk, d->name);
    }
    for (int j = 0; j < nf; j++) {
        const field_t *f = &d->fields[j];
        if (!f->required && !field_is_set(f, st))
            continue;
        proto_pack_cstr(pk, f->name);
        int rc = encode_field(pk, f, st, err);
        if (rc)
            return rc < 0 ? rc : proto_fail(err, PROTO_E_FIELD, "field '%s': could not encode", f->name);
    }
    if (open)
        proto_pack_cstr(pk, d->fields[nf].name);
    return 0;
}

int proto_pack_record(msgpack_packer *pk, const proto_record_t *rec, proto_error_t *err)
{
    return encode_fields(pk, PROTO_RECORD, rec, false, false, err);
}

int proto_pack_head(msgpack_packer *pk, const proto_msg_t *msg, bool data_follows, proto_error_t *err)
{
    if (msg->type <= PROTO_NONE || msg->type >= PROTO_NTYPES || msg->type == PROTO_RECORD)
        return proto_fail(err, PROTO_E_TYPE, "cannot encode message type %d", (int)msg->type);
    const msgdef_t *d = &msgdefs[msg->type];
    const field_t *last = &d->fields[d->nfields - 1];
    if (last->kind != FK_ANY && last->kind != FK_LIST)
        return proto_fail(err, PROTO_E_TYPE, "%s does not end with a field of any value or a list", d->name);
    if (field_is_set(last, (const char *)&msg->u))
        return proto_fail(err, PROTO_E_FIELD, "%s: field '%s' is packed by the caller, not given", d->name,
                          last->name);
    return encode_fields(pk, msg->type, &msg->u, true, data_follows, err);
}

int proto_encode(const proto_msg_t *msg, char **out, size_t *outlen, proto_error_t *err)
{
    *out = NULL;
    *outlen = 0;
    if (msg->type <= PROTO_NONE || msg->type >= PROTO_NTYPES || msg->type == PROTO_RECORD)
        return proto_fail(err, PROTO_E_TYPE, "cannot encode message type %d", (int)msg->type);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = encode_fields(&pk, msg->type, &msg->u, true, false, err);
    if (rc == 0 && sb.size > msgdefs[msg->type].max_bytes)
        rc = proto_fail(err, PROTO_E_TOO_LARGE, "%s of %zu bytes exceeds the limit of %zu", msgdefs[msg->type].name,
                        sb.size, msgdefs[msg->type].max_bytes);
    /* LIST and ANY carry bytes packed elsewhere: never send what a receiver
     * would refuse (a wrong record count, a truncated value, too deep). */
    if (rc == 0 && proto_prescan(sb.data, sb.size, PROTO_MAX_DEPTH))
        rc = proto_fail(err, PROTO_E_FIELD, "%s: the packed records or data are not well-formed msgpack",
                        msgdefs[msg->type].name);
    if (rc) {
        msgpack_sbuffer_destroy(&sb);
        return rc;
    }
    *outlen = sb.size;
    *out = msgpack_sbuffer_release(&sb);
    return 0;
}

/* ------------------------------------------------------------------------
 * The spec, generated
 * ------------------------------------------------------------------------ */

static const char *kind_doc(const field_t *f)
{
    switch (f->kind) {
    case FK_STR: return f->cs == CS_CODE ? "string (code)" : "string (UTF-8)";
    case FK_UINT: return "unsigned int";
    case FK_INT: return "int";
    case FK_BOOL: return "bool";
    case FK_VALUES: return "map str→value";
    case FK_LIST: return "array of RECORD";
    case FK_ANY: return "any";
    case FK_STRMAP: return f->cs == CS_CODE ? "map str→str (code)" : "map str→str (UTF-8)";
    }
    return "?";
}

static void limit_doc(const field_t *f, char *buf, size_t n)
{
    switch (f->kind) {
    case FK_STR: snprintf(buf, n, "%lld..%llu bytes", (long long)f->min, (unsigned long long)f->max); break;
    case FK_UINT:
    case FK_INT:
        if (f->max == UINT64_MAX || f->max == (uint64_t)INT64_MAX)
            snprintf(buf, n, "≥ %lld", (long long)f->min);
        else
            snprintf(buf, n, "%lld..%llu", (long long)f->min, (unsigned long long)f->max);
        break;
    case FK_VALUES:
    case FK_LIST: snprintf(buf, n, "≤ %llu entries", (unsigned long long)f->max); break;
    case FK_STRMAP:
        snprintf(buf, n, "≤ %llu entries of ≤ %d bytes", (unsigned long long)f->max, PROTO_STRMAP_TEXT_MAX);
        break;
    default: snprintf(buf, n, "—"); break;
    }
}

void proto_spec_markdown(FILE *out)
{
    for (int t = PROTO_NONE + 1; t < PROTO_NTYPES; t++) {
        const msgdef_t *d = &msgdefs[t];
        fprintf(out, "### %s\n\n%s. At most %zu bytes.\n\n", d->name, d->doc, d->max_bytes);
        fprintf(out, "| field | type | limits | required | meaning |\n|---|---|---|---|---|\n");
        for (int j = 0; j < d->nfields; j++) {
            const field_t *f = &d->fields[j];
            char lim[64];
            limit_doc(f, lim, sizeof lim);
            fprintf(out, "| `%s` | %s | %s | %s | %s |\n", f->name, kind_doc(f), lim, f->required ? "yes" : "no",
                    f->doc);
        }
        fprintf(out, "\n");
    }
    fprintf(out, "### Error codes\n\n| code | meaning |\n|---|---|\n");
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        fprintf(out, "| `%s` | %s |\n", errors[i].wire, errors[i].sentence);
    fprintf(out, "\n");
}
