/*
 * answer.h -- the answers to QUERY as C structs, their packer and their
 * typed reader, all generated from answers.def.
 *
 * A server fills a struct and calls ans_<name>_pack(); the map it writes
 * holds exactly the fields the definition says (REQ and NIL always, OPT when
 * has_<field> is set), counted from the definition.  A client decodes the
 * RESULT once (proto_decode) and reads its `data` with ans_<name>_read(),
 * which fills the struct with strings and arrays allocated in the message's
 * msgpack zone: they live as long as the decoded message.
 *
 * Strings are NUL-terminated `const char *` on both sides.  A NIL or OPT
 * field has `bool has_<field>`; a NIL string may also be NULL.  A NUM's nil
 * is a value (kind ANS_NIL): read, it sets has_<field> like any value, so an
 * OPT NUM that is there as nil stays there.
 */
#ifndef CCHC_ANSWER_H
#define CCHC_ANSWER_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "answers.def"
#include "proto.h"

/* NUM: a rollup value. */
typedef enum { ANS_NIL = 0, ANS_INT, ANS_FLOAT } ans_num_kind_t;
typedef struct {
    uint8_t kind; /* ans_num_kind_t */
    int64_t i;
    double f;
} ans_num_t;

typedef struct {
    uint32_t n;
    const char **keys;
    int64_t *vals;
} ans_imap_t;

typedef struct {
    uint32_t n;
    const char **keys;
    ans_num_t *vals;
} ans_nummap_t;

typedef struct {
    uint32_t n;
    const char **items;
} ans_strlist_t;

/* ---- the structs ----------------------------------------------------- */

#define ANS_CT_STR(name, sub) const char *name;
#define ANS_CT_INT(name, sub) int64_t name;
#define ANS_CT_UINT(name, sub) uint64_t name;
#define ANS_CT_FLOAT(name, sub) double name;
#define ANS_CT_BOOL(name, sub) bool name;
#define ANS_CT_NUM(name, sub) ans_num_t name;
#define ANS_CT_OBJ(name, sub) ans_##sub##_t name;
#define ANS_CT_LIST(name, sub) ans_##sub##_t *name; uint32_t n_##name;
#define ANS_CT_MAP(name, sub) ans_##sub##_entry_t *name; uint32_t n_##name;
#define ANS_CT_IMAP(name, sub) ans_imap_t name;
#define ANS_CT_NUMMAP(name, sub) ans_nummap_t name;
#define ANS_CT_STRLIST(name, sub) ans_strlist_t name;
#define ANS_CT_VALUES(name, sub) proto_values_t name;
#define ANS_CT_STRMAP(name, sub) proto_strmap_t name;
#define ANS_HAS_REQ(name)
#define ANS_HAS_NIL(name) bool has_##name;
#define ANS_HAS_OPT(name) bool has_##name;
#define ANS_MEMBER(kind, name, sub, pres, doc) ANS_CT_##kind(name, sub) ANS_HAS_##pres(name)
#define ANS_STRUCT(name, doc)                                                                      \
    typedef struct {                                                                               \
        ANSWER_FIELDS_##name(ANS_MEMBER)                                                           \
    } ans_##name##_t;                                                                              \
    typedef struct {                                                                               \
        const char *key;                                                                           \
        ans_##name##_t v;                                                                          \
    } ans_##name##_entry_t;
ANSWER_OBJECTS(ANS_STRUCT)
#undef ANS_STRUCT

/* ---- introspection: what the generic walkers (and answer_json.c) use --- */

typedef enum {
    AK_STR, AK_INT, AK_UINT, AK_FLOAT, AK_BOOL, AK_NUM, AK_OBJ, AK_LIST, AK_MAP, AK_IMAP, AK_NUMMAP,
    AK_STRLIST, AK_VALUES, AK_STRMAP
} ans_kind_t;
typedef enum { AP_REQ, AP_NIL, AP_OPT } ans_presence_t;

typedef struct ans_obj ans_obj_t;
typedef struct {
    const char *name;
    ans_kind_t kind;
    ans_presence_t presence;
    size_t off;      /* of the member */
    size_t has_off;  /* of has_<name> (NIL, OPT) */
    size_t n_off;    /* of n_<name> (LIST, MAP) */
    const ans_obj_t *sub; /* OBJ, LIST, MAP */
    const char *doc;
} ans_field_t;

struct ans_obj {
    const char *name;
    const char *doc;
    size_t size;       /* sizeof the struct */
    size_t entry_size; /* sizeof its MAP entry */
    size_t entry_voff; /* offset of the struct in that entry */
    const ans_field_t *fields;
    int nfields;
};

#define ANS_DESC_DECL(name, doc) extern const ans_obj_t ans_obj_##name;
ANSWER_OBJECTS(ANS_DESC_DECL)
extern const ans_obj_t ans_obj_NONE;
#undef ANS_DESC_DECL

/* The answers, by QUERY.what. */
typedef enum {
#define ANS_ENUM(NAME, name, what, doc) ANS_##NAME,
    ANSWERS(ANS_ENUM)
#undef ANS_ENUM
    ANS_COUNT_
} ans_what_t;

/* The answer object of QUERY.what `what`, or NULL. */
const ans_obj_t *ans_for_what(const char *what);

/* Generic packer and reader (the typed ones below call these).
 * ans_pack() returns 0.  ans_read() returns 0, or PROTO_E_MALFORMED with a
 * sentence naming the field in err (when not NULL); the out struct then
 * holds what was read so far and must not be used. */
int ans_pack(msgpack_packer *pk, const ans_obj_t *d, const void *v);
int ans_read(const ans_obj_t *d, const msgpack_object *o, msgpack_zone *z, void *out, proto_error_t *err);

#define ANS_TYPED(name, doc)                                                                       \
    static inline int ans_##name##_pack(msgpack_packer *pk, const ans_##name##_t *v)              \
    {                                                                                              \
        return ans_pack(pk, &ans_obj_##name, v);                                                   \
    }                                                                                              \
    static inline int ans_##name##_read(const msgpack_object *o, msgpack_zone *z, ans_##name##_t *out, \
                                        proto_error_t *err)                                        \
    {                                                                                              \
        return ans_read(&ans_obj_##name, o, z, out, err);                                          \
    }
ANSWER_OBJECTS(ANS_TYPED)
#undef ANS_TYPED

/* NUM helpers. */
static inline ans_num_t ans_int(int64_t i) { return (ans_num_t){.kind = ANS_INT, .i = i}; }
static inline ans_num_t ans_float(double f) { return (ans_num_t){.kind = ANS_FLOAT, .f = f}; }
static inline double ans_num_value(ans_num_t n) { return n.kind == ANS_FLOAT ? n.f : (double)n.i; }

/* Lookups in the maps of an answer: the index of key, or -1. */
int ans_imap_find(const ans_imap_t *m, const char *key);
int ans_nummap_find(const ans_nummap_t *m, const char *key);

/* The Markdown tables of every answer object (docs/protocol.md). */
void ans_spec_markdown(FILE *f);

#endif
