/*
 * proto.h -- encoder, decoder and validator for the wire protocol.
 *
 * The messages are defined once, in messages.def; the structs below and the
 * codec in proto.c are generated from that definition with X-macros.
 *
 * Decoding never trusts its input: before msgpack-c builds any object, a
 * structural pre-scan checks every length, container count and nesting depth
 * against the bytes that remain, so nothing is allocated in proportion to a
 * count the bytes cannot back.  Then every field is checked against its
 * definition (type, length, range, character set).
 */
#ifndef CCHC_PROTO_H
#define CCHC_PROTO_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "messages.def"

#define PROTO_VERSION 1
#define PROTO_MAX_DEPTH 6        /* nesting of maps/arrays in any message */
#define PROTO_TAGS_MAX 32        /* tags in one value */
#define PROTO_TAG_MAX 64         /* bytes in one tag */
#define PROTO_MAX_FRAME 67108864 /* the largest message of any type */
#define PROTO_STRMAP_TEXT_MAX 512 /* bytes in one text of a STRMAP field (a comment) */

typedef enum {
    PROTO_NONE = 0,
#define PROTO_X(NAME, name, max, doc) PROTO_##NAME,
    PROTO_MESSAGES(PROTO_X) PROTO_NESTED(PROTO_X)
#undef PROTO_X
    PROTO_NTYPES
} proto_type_t;

/* Error codes: 0 is success, the others are negative. */
typedef enum {
    PROTO_OK = 0,
#define PROTO_X(NAME, code, sentence) PROTO_E_##NAME,
    PROTO_E_FIRST_ = -100,
    PROTO_ERRORS(PROTO_X)
#undef PROTO_X
} proto_err_t;

/* A string that is not NUL-terminated (borrowed). */
typedef struct {
    const char *ptr;
    uint32_t len;
} proto_str_t;

typedef enum { PV_INT = 1, PV_BOOL, PV_TAGS } proto_value_kind_t;

/* One indicator value: an integer, a yes/no or a set of tags. */
typedef struct {
    char code[65];
    uint8_t kind;        /* proto_value_kind_t */
    int64_t i;           /* PV_INT; PV_BOOL: 0 or 1 */
    uint32_t ntags;      /* PV_TAGS */
    proto_str_t tags[PROTO_TAGS_MAX];
} proto_value_t;

/* The VALUES field.  A decoded message refers to its msgpack map (kv); a
 * message built for encoding points to an array of values (items).  Read
 * either with proto_values_at(). */
typedef struct {
    uint32_t n;
    const proto_value_t *items;     /* encode side */
    const msgpack_object_kv *kv;    /* decode side (borrowed from the message) */
    const char *raw;                /* decode side of a SUBMIT: the map's bytes as received (borrowed from */
    uint32_t rawlen;                /* the input); an encoder copies them as they are */
} proto_values_t;

/* One entry of a STRMAP field: a code and its text (both borrowed, not
 * NUL-terminated). */
typedef struct {
    proto_str_t code;
    proto_str_t text;
} proto_strpair_t;

/* The STRMAP field: code -> UTF-8 text (SUBMIT.comments: indicator code ->
 * a comment beside its value).  Like VALUES: a decoded message refers to
 * its msgpack map (kv), a message built for encoding to an array of pairs
 * (items); read either with proto_strmap_at().  A decoded SUBMIT also keeps
 * the map's bytes as received (raw), which an encoder copies as they are. */
typedef struct {
    uint32_t n;
    const proto_strpair_t *items;   /* encode side */
    const msgpack_object_kv *kv;    /* decode side (borrowed from the message) */
    const char *raw;                /* decode side of a SUBMIT: the map's bytes (borrowed from the input) */
    uint32_t rawlen;
} proto_strmap_t;

/* The LIST field: n nested RECORDs.  Decode side: proto_decode() decodes
 * each record once into `recs` and keeps in `spans` the bytes it came as
 * (both in the message's zone; spans borrow the input buffer), `objs` is
 * the msgpack array (proto_record_at() reads one again); encode side: `raw`
 * holds the records already packed one after another (proto_pack_record()). */
struct proto_record_s;
typedef struct {
    uint32_t n;
    const msgpack_object *objs;     /* decode side */
    const struct proto_record_s *recs; /* decode side: n decoded records */
    const proto_str_t *spans;       /* decode side: the bytes of each */
    const char *raw;                /* encode side */
    size_t rawlen;
} proto_list_t;

/* The ANY field: decode side `obj` (NULL when absent); encode side `raw`
 * holds one packed msgpack value (NULL when absent). */
typedef struct {
    const msgpack_object *obj;
    const char *raw;
    size_t rawlen;
} proto_any_t;

#define PROTO_CT_STR(name, max) char name[(max) + 1];
#define PROTO_CT_UINT(name, max) uint64_t name;
#define PROTO_CT_INT(name, max) int64_t name;
#define PROTO_CT_BOOL(name, max) bool name;
#define PROTO_CT_VALUES(name, max) proto_values_t name;
#define PROTO_CT_STRMAP(name, max) proto_strmap_t name;
#define PROTO_CT_LIST(name, max) proto_list_t name;
#define PROTO_CT_ANY(name, max) proto_any_t name;
#define PROTO_MEMBER(kind, name, cs, min, max, pres, doc) PROTO_CT_##kind(name, max)
#define PROTO_STRUCT(NAME, name, maxb, doc)                                                    \
    typedef struct proto_##name##_s {                                                          \
        uint32_t present; /* decode side: bit i set when field i was in the message */         \
        PROTO_FIELDS_##NAME(PROTO_MEMBER)                                                      \
    } proto_##name##_t;
PROTO_MESSAGES(PROTO_STRUCT)
PROTO_NESTED(PROTO_STRUCT)
#undef PROTO_STRUCT

/* A decoded (or to-be-encoded) message.  A decoded message owns the msgpack
 * zone its borrowed pointers live in; it also borrows the input bytes, which
 * must outlive it.  Release with proto_msg_free(). */
typedef struct {
    proto_type_t type;
    union {
#define PROTO_UMEMBER(NAME, name, maxb, doc) proto_##name##_t name;
        PROTO_MESSAGES(PROTO_UMEMBER)
#undef PROTO_UMEMBER
    } u;
    msgpack_unpacked unpacked;
    bool has_unpacked;
} proto_msg_t;

/* Why a decode failed: the error code and a sentence naming the field. */
typedef struct {
    proto_err_t code;
    char message[256];
} proto_error_t;

/* Decodes one message from buf.  Returns 0 and fills *msg (release with
 * proto_msg_free() even on failure), or a negative proto_err_t with *err
 * describing the problem.  buf must outlive msg. */
int proto_decode(const void *buf, size_t len, proto_msg_t *msg /* OUT */, proto_error_t *err /* OUT */);

/* After a failed proto_decode() of a map: copies its "id" (when it is a
 * valid id) into out, so that a NACK can name the submission it refuses.
 * Returns 0, or -1 (out = "") when there is no usable id. */
int proto_peek_id(const proto_msg_t *msg, char *out /* OUT */, size_t len);

/* Releases what a decoded message owns; the struct may then be reused. */
void proto_msg_free(proto_msg_t *msg);

/* Encodes msg (type and the union member of that type) into *out, a buffer
 * the function allocates (caller frees with free()).  Validates every field
 * against the definition first: returns 0, or a negative proto_err_t with
 * *err set (may be NULL) and *out NULL. */
int proto_encode(const proto_msg_t *msg, char **out /* OUT */, size_t *outlen /* OUT */, proto_error_t *err);

/* Packs msg with pk as proto_encode() would, except the value of its last
 * field, which must be an ANY or LIST field left unset (raw NULL): RESULT's
 * data, BATCH's records (the caller then packs the array: its header and the
 * RECORDs' bytes).  With data_follows, that field's key is packed
 * last and the caller must then pack exactly one msgpack value with the same
 * packer -- so an answer is packed once, in place behind its envelope,
 * instead of being copied in and scanned again by proto_encode().  The
 * value is not checked: only a caller whose own code packs it may do this.
 * Without data_follows the field is absent and the message is complete.
 * Either way the bytes are proto_encode()'s for the same message (with
 * data.raw pointing to that value).  The other fields are validated as by
 * proto_encode(); the size limit (proto_type_max_bytes()) is the caller's to
 * check once the value is packed.  Returns 0, or a negative proto_err_t with
 * *err set (may be NULL); pk may then hold part of a message. */
int proto_pack_head(msgpack_packer *pk, const proto_msg_t *msg, bool data_follows, proto_error_t *err);

/* Packs one RECORD into a packer (to build BATCH.records.raw); validates it.
 * Returns 0 or a negative proto_err_t. */
int proto_pack_record(msgpack_packer *pk, const proto_record_t *rec, proto_error_t *err);

/* Decodes element i of a decoded LIST of RECORDs. Returns 0 or negative. */
int proto_record_at(const proto_list_t *list, uint32_t i, proto_record_t *rec /* OUT */, proto_error_t *err);

/* Value i of a VALUES field (either side).  Returns 0 or a negative
 * proto_err_t (a decoded message's values were validated, so this fails
 * only for i >= n). */
int proto_values_at(const proto_values_t *vals, uint32_t i, proto_value_t *out /* OUT */);

/* Entry i of a STRMAP field (either side).  Returns 0, or PROTO_E_FIELD
 * for i >= n (a decoded message's map was validated). */
int proto_strmap_at(const proto_strmap_t *m, uint32_t i, proto_strpair_t *out /* OUT */);

/* true when a and b hold the same codes with the same texts, in any order. */
bool proto_strmap_equal(const proto_strmap_t *a, const proto_strmap_t *b);

/* Packs a STRMAP map (its raw bytes when it has them).  Returns 0 or a
 * negative proto_err_t. */
int proto_pack_strmap(msgpack_packer *pk, const proto_strmap_t *m);

/* Packs a NUL-terminated string as a msgpack str. */
void proto_pack_cstr(msgpack_packer *pk, const char *s);

/* Packs a VALUES map (helper for callers that build their own maps). */
int proto_pack_values(msgpack_packer *pk, const proto_values_t *vals);

/* The pre-scan alone: 0 when buf holds exactly one msgpack value whose
 * lengths and counts are backed by its bytes and whose depth is at most
 * max_depth; PROTO_E_MALFORMED otherwise. */
int proto_prescan(const void *buf, size_t len, int max_depth);

/* Names and limits. */
const char *proto_type_name(proto_type_t t);          /* "SUBMIT" ... */
proto_type_t proto_type_from_name(const char *s, size_t len);
size_t proto_type_max_bytes(proto_type_t t);
const char *proto_err_code(int err);                   /* "E_VALUE" ... */
const char *proto_err_sentence(int err);
int proto_err_from_code(const char *code);             /* 0 when unknown */

/* Fills *err with code and a printf-style sentence; returns code. */
int proto_fail(proto_error_t *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Writes the field tables and the error table of the protocol as Markdown
 * (the generated part of docs/protocol.md). */
void proto_spec_markdown(FILE *out);

/* Equality of two proto_value_t (code, kind and content). */
/* true for the characters of a code: A-Z a-z 0-9 . _ - :  The one rule for
 * every code, on the wire (CODE fields, indicator codes, tags) and in the
 * catalog (unit, indicator and dataset codes, tags). */
bool proto_code_char(unsigned char c);

bool proto_value_equal(const proto_value_t *a, const proto_value_t *b);

/* The same value as a person reads it: as proto_value_equal(), except that
 * tags are a set (the same tags in any order).  Pages and the sheet's
 * "unchanged" use it; "same content" of a SUBMIT stays byte-exact. */
bool proto_value_same(const proto_value_t *a, const proto_value_t *b);

#endif
