/*
 * answer.c -- the packer, the reader and the spec of the QUERY answers,
 * expanded from answers.def.
 *
 * Each object of the definition becomes a table of fields (name, kind,
 * presence, offsets into its struct); one packer and one reader walk the
 * tables, so a field added to answers.def is packed, read, rendered as JSON
 * and documented at once.  The reader trusts nothing: a missing required
 * field, a wrong type or a count beyond the bytes is a clean error, never an
 * assertion -- answers come over the network.
 */
#include "answer.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the tables -------------------------------------------------------- */

#define ANS_HASOFF_REQ(T, name) 0
#define ANS_HASOFF_NIL(T, name) offsetof(T, has_##name)
#define ANS_HASOFF_OPT(T, name) offsetof(T, has_##name)
#define ANS_NOFF_STR(T, name) 0
#define ANS_NOFF_INT(T, name) 0
#define ANS_NOFF_UINT(T, name) 0
#define ANS_NOFF_FLOAT(T, name) 0
#define ANS_NOFF_BOOL(T, name) 0
#define ANS_NOFF_NUM(T, name) 0
#define ANS_NOFF_OBJ(T, name) 0
#define ANS_NOFF_LIST(T, name) offsetof(T, n_##name)
#define ANS_NOFF_MAP(T, name) offsetof(T, n_##name)
#define ANS_NOFF_IMAP(T, name) 0
#define ANS_NOFF_NUMMAP(T, name) 0
#define ANS_NOFF_STRLIST(T, name) 0
#define ANS_NOFF_VALUES(T, name) 0
#define ANS_NOFF_STRMAP(T, name) 0
/* `sub` names an object by token; NONE is an empty object, never walked. */
const ans_obj_t ans_obj_NONE = {"NONE", "", 0, 0, 0, NULL, 0};
#define ANS_OBJECT(name, doc)                                                                      \
    static const ans_field_t fields_##name[] = {ANSWER_FIELDS_##name(ANS_FIELD_##name)};           \
    const ans_obj_t ans_obj_##name = {#name, doc, sizeof(ans_##name##_t), sizeof(ans_##name##_entry_t), \
                                      offsetof(ans_##name##_entry_t, v), fields_##name,            \
                                      (int)(sizeof fields_##name / sizeof fields_##name[0])};

/* One field macro per object, so that offsetof() sees the object's struct
 * (a macro cannot define macros: an object added to answers.def without its
 * line here does not compile). */
#define ANS_FIELD_OF(T, kind, fname, sub, pres, doc)                                               \
    {#fname, AK_##kind, AP_##pres, offsetof(T, fname), ANS_HASOFF_##pres(T, fname),               \
     ANS_NOFF_##kind(T, fname), &ans_obj_##sub, doc},
#define ANS_FIELD_unit_ref(...) ANS_FIELD_OF(ans_unit_ref_t, __VA_ARGS__)
#define ANS_FIELD_indicator(...) ANS_FIELD_OF(ans_indicator_t, __VA_ARGS__)
#define ANS_FIELD_child(...) ANS_FIELD_OF(ans_child_t, __VA_ARGS__)
#define ANS_FIELD_rollup(...) ANS_FIELD_OF(ans_rollup_t, __VA_ARGS__)
#define ANS_FIELD_status(...) ANS_FIELD_OF(ans_status_t, __VA_ARGS__)
#define ANS_FIELD_unit_status(...) ANS_FIELD_OF(ans_unit_status_t, __VA_ARGS__)
#define ANS_FIELD_counts(...) ANS_FIELD_OF(ans_counts_t, __VA_ARGS__)
#define ANS_FIELD_units(...) ANS_FIELD_OF(ans_units_t, __VA_ARGS__)
#define ANS_FIELD_values(...) ANS_FIELD_OF(ans_values_t, __VA_ARGS__)
#define ANS_FIELD_version(...) ANS_FIELD_OF(ans_version_t, __VA_ARGS__)
#define ANS_FIELD_decision(...) ANS_FIELD_OF(ans_decision_t, __VA_ARGS__)
#define ANS_FIELD_history(...) ANS_FIELD_OF(ans_history_t, __VA_ARGS__)
#define ANS_FIELD_target(...) ANS_FIELD_OF(ans_target_t, __VA_ARGS__)
#define ANS_FIELD_targets(...) ANS_FIELD_OF(ans_targets_t, __VA_ARGS__)
#define ANS_FIELD_info(...) ANS_FIELD_OF(ans_info_t, __VA_ARGS__)
#define ANS_FIELD_stats(...) ANS_FIELD_OF(ans_stats_t, __VA_ARGS__)

ANSWER_OBJECTS(ANS_OBJECT)

static const struct {
    const char *what;
    const ans_obj_t *obj;
} answers[] = {
#define ANS_ROW(NAME, name, what, doc) {what, &ans_obj_##name},
    ANSWERS(ANS_ROW)
#undef ANS_ROW
};

const ans_obj_t *ans_for_what(const char *what)
{
    for (size_t i = 0; what && i < sizeof answers / sizeof answers[0]; i++)
        if (!strcmp(answers[i].what, what))
            return answers[i].obj;
    return NULL;
}

#define AT(base, off, T) ((T *)((char *)(base) + (off)))
#define CAT(base, off, T) ((const T *)((const char *)(base) + (off)))

static bool has(const ans_field_t *f, const void *v)
{
    return f->presence == AP_REQ || *CAT(v, f->has_off, bool);
}

/* ---- packing ----------------------------------------------------------- */

static void pack_str(msgpack_packer *pk, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s ? s : "", n);
}

static void pack_num(msgpack_packer *pk, ans_num_t n)
{
    if (n.kind == ANS_INT)
        msgpack_pack_int64(pk, n.i);
    else if (n.kind == ANS_FLOAT)
        msgpack_pack_double(pk, n.f);
    else
        msgpack_pack_nil(pk);
}

static void pack_field(msgpack_packer *pk, const ans_field_t *f, const void *v)
{
    const void *p = CAT(v, f->off, char);
    if (!has(f, v)) { /* NIL: present as nil */
        msgpack_pack_nil(pk);
        return;
    }
    switch (f->kind) {
    case AK_STR: pack_str(pk, *(const char *const *)p); break;
    case AK_INT: msgpack_pack_int64(pk, *(const int64_t *)p); break;
    case AK_UINT: msgpack_pack_uint64(pk, *(const uint64_t *)p); break;
    case AK_FLOAT: msgpack_pack_double(pk, *(const double *)p); break;
    case AK_BOOL: *(const bool *)p ? msgpack_pack_true(pk) : msgpack_pack_false(pk); break;
    case AK_NUM: pack_num(pk, *(const ans_num_t *)p); break;
    case AK_OBJ: ans_pack(pk, f->sub, p); break;
    case AK_LIST: {
        uint32_t n = *CAT(v, f->n_off, uint32_t);
        const char *items = *(const char *const *)p;
        msgpack_pack_array(pk, n);
        for (uint32_t i = 0; i < n; i++)
            ans_pack(pk, f->sub, items + (size_t)i * f->sub->size);
        break;
    }
    case AK_MAP: {
        uint32_t n = *CAT(v, f->n_off, uint32_t);
        const char *items = *(const char *const *)p;
        msgpack_pack_map(pk, n);
        for (uint32_t i = 0; i < n; i++) {
            const char *e = items + (size_t)i * f->sub->entry_size;
            pack_str(pk, *(const char *const *)e);
            ans_pack(pk, f->sub, e + f->sub->entry_voff);
        }
        break;
    }
    case AK_IMAP: {
        const ans_imap_t *m = p;
        msgpack_pack_map(pk, m->n);
        for (uint32_t i = 0; i < m->n; i++) {
            pack_str(pk, m->keys[i]);
            msgpack_pack_int64(pk, m->vals[i]);
        }
        break;
    }
    case AK_NUMMAP: {
        const ans_nummap_t *m = p;
        msgpack_pack_map(pk, m->n);
        for (uint32_t i = 0; i < m->n; i++) {
            pack_str(pk, m->keys[i]);
            pack_num(pk, m->vals[i]);
        }
        break;
    }
    case AK_STRLIST: {
        const ans_strlist_t *l = p;
        msgpack_pack_array(pk, l->n);
        for (uint32_t i = 0; i < l->n; i++)
            pack_str(pk, l->items[i]);
        break;
    }
    case AK_VALUES:
        if (proto_pack_values(pk, p))
            msgpack_pack_map(pk, 0);
        break;
    case AK_STRMAP:
        if (proto_pack_strmap(pk, p))
            msgpack_pack_map(pk, 0);
        break;
    }
}

int ans_pack(msgpack_packer *pk, const ans_obj_t *d, const void *v)
{
    size_t n = 0;
    for (int i = 0; i < d->nfields; i++)
        n += d->fields[i].presence != AP_OPT || has(&d->fields[i], v);
    msgpack_pack_map(pk, n);
    for (int i = 0; i < d->nfields; i++) {
        const ans_field_t *f = &d->fields[i];
        if (f->presence == AP_OPT && !has(f, v))
            continue;
        pack_str(pk, f->name);
        pack_field(pk, f, v);
    }
    return 0;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct {
    msgpack_zone *z;
    proto_error_t *err;
    const char *obj;   /* for the sentence */
} rd_t;

static int bad(rd_t *r, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(rd_t *r, const char *field, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return proto_fail(r->err, PROTO_E_MALFORMED, "answer '%s', field '%s': %s", r->obj, field, what);
}

static const char *read_str(rd_t *r, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return NULL;
    char *s = msgpack_zone_malloc(r->z, (size_t)o->via.str.size + 1);
    if (s) {
        memcpy(s, o->via.str.ptr, o->via.str.size);
        s[o->via.str.size] = '\0';
    }
    return s;
}

static bool read_int(const msgpack_object *o, int64_t *out)
{
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
        *out = (int64_t)o->via.u64;
        return true;
    }
    return false;
}

static bool read_num(const msgpack_object *o, ans_num_t *out)
{
    memset(out, 0, sizeof *out);
    if (o->type == MSGPACK_OBJECT_NIL)
        return true;
    if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64) {
        *out = ans_float(o->via.f64);
        return true;
    }
    int64_t i;
    if (!read_int(o, &i))
        return false;
    *out = ans_int(i);
    return true;
}

/* Space for n items of size each in the zone (n == 0: a harmless non-NULL). */
static void *zalloc(rd_t *r, size_t n, size_t size)
{
    if (n > SIZE_MAX / (size ? size : 1) / 2)
        return NULL;
    void *p = msgpack_zone_malloc(r->z, n * size + 1);
    if (p)
        memset(p, 0, n * size + 1);
    return p;
}

static int read_obj(rd_t *r, const ans_obj_t *d, const msgpack_object *o, void *out);

static int read_map_keys(rd_t *r, const ans_field_t *f, const msgpack_object *o, const char ***keys)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return bad(r, f->name, "not a map");
    *keys = zalloc(r, o->via.map.size, sizeof **keys);
    if (!*keys)
        return bad(r, f->name, "out of memory");
    for (uint32_t i = 0; i < o->via.map.size; i++)
        if (!((*keys)[i] = read_str(r, &o->via.map.ptr[i].key)))
            return bad(r, f->name, "a key is not a string");
    return 0;
}

static bool read_int_any(const msgpack_object *o, void *out) { return read_int(o, out); }
static bool read_num_any(const msgpack_object *o, void *out) { return read_num(o, out); }

/* A map of string -> one scalar each (IMAP, NUMMAP): keys and values into
 * two arrays in the zone, each value read by rd. */
static int read_scalar_map(rd_t *r, const ans_field_t *f, const msgpack_object *o, const char ***keys, void **vals,
                           size_t size, bool (*rd)(const msgpack_object *, void *), const char *what, uint32_t *n)
{
    int rc = read_map_keys(r, f, o, keys);
    if (rc)
        return rc;
    char *v = zalloc(r, o->via.map.size, size);
    if (!v)
        return bad(r, f->name, "out of memory");
    for (uint32_t i = 0; i < o->via.map.size; i++)
        if (!rd(&o->via.map.ptr[i].val, v + (size_t)i * size))
            return bad(r, f->name, "value of '%s' is not %s", (*keys)[i], what);
    *vals = v;
    *n = o->via.map.size;
    return 0;
}

static int read_field(rd_t *r, const ans_field_t *f, const msgpack_object *o, void *v)
{
    void *p = AT(v, f->off, char);
    /* nil is a NUM's value (no data: an OPT share of a bool nobody answered
     * is there as nil), for any other kind the field's absence */
    if (o->type == MSGPACK_OBJECT_NIL && f->presence != AP_REQ && f->kind != AK_NUM)
        return 0; /* has_<field> stays false */
    if (f->presence != AP_REQ)
        *AT(v, f->has_off, bool) = true;
    switch (f->kind) {
    case AK_STR:
        if (!(*(const char **)p = read_str(r, o)))
            return bad(r, f->name, "not a string");
        return 0;
    case AK_INT:
        return read_int(o, p) ? 0 : bad(r, f->name, "not an integer");
    case AK_UINT:
        if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            return bad(r, f->name, "not an unsigned integer");
        *(uint64_t *)p = o->via.u64;
        return 0;
    case AK_FLOAT: {
        int64_t i;
        if (o->type == MSGPACK_OBJECT_FLOAT32 || o->type == MSGPACK_OBJECT_FLOAT64)
            *(double *)p = o->via.f64;
        else if (read_int(o, &i))
            *(double *)p = (double)i;
        else
            return bad(r, f->name, "not a number");
        return 0;
    }
    case AK_BOOL:
        if (o->type != MSGPACK_OBJECT_BOOLEAN)
            return bad(r, f->name, "not true or false");
        *(bool *)p = o->via.boolean;
        return 0;
    case AK_NUM:
        return read_num(o, p) ? 0 : bad(r, f->name, "not a number or nil");
    case AK_OBJ:
        return read_obj(r, f->sub, o, p);
    case AK_LIST: {
        if (o->type != MSGPACK_OBJECT_ARRAY)
            return bad(r, f->name, "not an array");
        char *items = zalloc(r, o->via.array.size, f->sub->size);
        if (!items)
            return bad(r, f->name, "out of memory");
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            int rc = read_obj(r, f->sub, &o->via.array.ptr[i], items + (size_t)i * f->sub->size);
            if (rc)
                return rc;
        }
        *(char **)p = items;
        *AT(v, f->n_off, uint32_t) = o->via.array.size;
        return 0;
    }
    case AK_MAP: {
        if (o->type != MSGPACK_OBJECT_MAP)
            return bad(r, f->name, "not a map");
        char *items = zalloc(r, o->via.map.size, f->sub->entry_size);
        if (!items)
            return bad(r, f->name, "out of memory");
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            char *e = items + (size_t)i * f->sub->entry_size;
            if (!(*(const char **)e = read_str(r, &o->via.map.ptr[i].key)))
                return bad(r, f->name, "a key is not a string");
            int rc = read_obj(r, f->sub, &o->via.map.ptr[i].val, e + f->sub->entry_voff);
            if (rc)
                return rc;
        }
        *(char **)p = items;
        *AT(v, f->n_off, uint32_t) = o->via.map.size;
        return 0;
    }
    case AK_IMAP: {
        ans_imap_t *m = p;
        return read_scalar_map(r, f, o, &m->keys, (void **)&m->vals, sizeof *m->vals, read_int_any, "an integer",
                               &m->n);
    }
    case AK_NUMMAP: {
        ans_nummap_t *m = p;
        return read_scalar_map(r, f, o, &m->keys, (void **)&m->vals, sizeof *m->vals, read_num_any,
                               "a number or nil", &m->n);
    }
    case AK_STRLIST: {
        ans_strlist_t *l = p;
        if (o->type != MSGPACK_OBJECT_ARRAY)
            return bad(r, f->name, "not an array");
        if (!(l->items = zalloc(r, o->via.array.size, sizeof *l->items)))
            return bad(r, f->name, "out of memory");
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (!(l->items[i] = read_str(r, &o->via.array.ptr[i])))
                return bad(r, f->name, "item %u is not a string", i);
        l->n = o->via.array.size;
        return 0;
    }
    case AK_VALUES: {
        proto_values_t *vals = p;
        if (o->type != MSGPACK_OBJECT_MAP)
            return bad(r, f->name, "not a map");
        vals->n = o->via.map.size;
        vals->kv = o->via.map.ptr;
        vals->items = NULL;
        proto_value_t pv;
        for (uint32_t i = 0; i < vals->n; i++)
            if (proto_values_at(vals, i, &pv))
                return bad(r, f->name, "value %u is not an indicator value", i);
        return 0;
    }
    case AK_STRMAP: {
        proto_strmap_t *m = p;
        if (o->type != MSGPACK_OBJECT_MAP)
            return bad(r, f->name, "not a map");
        memset(m, 0, sizeof *m);
        m->n = o->via.map.size;
        m->kv = o->via.map.ptr;
        proto_strpair_t e;
        for (uint32_t i = 0; i < m->n; i++)
            if (proto_strmap_at(m, i, &e))
                return bad(r, f->name, "entry %u is not a string -> string", i);
        return 0;
    }
    }
    return bad(r, f->name, "unknown kind");
}

static int read_obj(rd_t *r, const ans_obj_t *d, const msgpack_object *o, void *out)
{
    const char *outer = r->obj;
    r->obj = d->name;
    memset(out, 0, d->size);
    if (o == NULL || o->type != MSGPACK_OBJECT_MAP)
        return proto_fail(r->err, PROTO_E_MALFORMED, "answer '%s': not a map", d->name);
    uint64_t seen = 0; /* bit i: field i was read */
    for (uint32_t k = 0; k < o->via.map.size; k++) {
        const msgpack_object *key = &o->via.map.ptr[k].key;
        if (key->type != MSGPACK_OBJECT_STR)
            continue;
        for (int i = 0; i < d->nfields; i++) {
            const ans_field_t *f = &d->fields[i];
            if (strlen(f->name) != key->via.str.size || memcmp(f->name, key->via.str.ptr, key->via.str.size))
                continue;
            if (seen & (1ull << i))
                return bad(r, f->name, "appears twice");
            seen |= 1ull << i;
            int rc = read_field(r, f, &o->via.map.ptr[k].val, out);
            if (rc)
                return rc;
            r->obj = d->name;
            break;
        }
        /* a field this reader does not know is ignored: a newer server may add one */
    }
    for (int i = 0; i < d->nfields; i++)
        if (d->fields[i].presence == AP_REQ && !(seen & (1ull << i)))
            return bad(r, d->fields[i].name, "missing");
    r->obj = outer;
    return 0;
}

int ans_read(const ans_obj_t *d, const msgpack_object *o, msgpack_zone *z, void *out, proto_error_t *err)
{
    proto_error_t scratch;
    rd_t r = {z, err ? err : &scratch, d->name};
    return read_obj(&r, d, o, out);
}

int ans_imap_find(const ans_imap_t *m, const char *key)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key))
            return (int)i;
    return -1;
}

int ans_nummap_find(const ans_nummap_t *m, const char *key)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (!strcmp(m->keys[i], key))
            return (int)i;
    return -1;
}

/* ---- the spec ---------------------------------------------------------- */

static const char *kind_text(const ans_field_t *f, char *buf, size_t len)
{
    switch (f->kind) {
    case AK_STR: return "string";
    case AK_INT: return "int";
    case AK_UINT: return "unsigned int";
    case AK_FLOAT: return "float";
    case AK_BOOL: return "bool";
    case AK_NUM: return "int, float or nil";
    case AK_OBJ: snprintf(buf, len, "map `%s`", f->sub->name); return buf;
    case AK_LIST: snprintf(buf, len, "array of `%s`", f->sub->name); return buf;
    case AK_MAP: snprintf(buf, len, "map str→`%s`", f->sub->name); return buf;
    case AK_IMAP: return "map str→int";
    case AK_NUMMAP: return "map str→(int, float or nil)";
    case AK_STRLIST: return "array of string";
    case AK_VALUES: return "map str→value (as SUBMIT.values)";
    case AK_STRMAP: return "map str→str (as SUBMIT.comments)";
    }
    return "?";
}

static const char *const presence_text[] = {"yes", "yes, may be nil", "no"};

void ans_spec_markdown(FILE *f)
{
    fprintf(f, "### Answers\n\n");
    fprintf(f, "The `data` of a RESULT, by QUERY.what (`answers.def`):\n\n| what | answer |\n|---|---|\n");
#define ANS_SPEC_ROW(NAME, name, what, doc) fprintf(f, "| `%s` | `%s`: %s |\n", what, #name, doc);
    ANSWERS(ANS_SPEC_ROW)
#undef ANS_SPEC_ROW
    fprintf(f, "\nA reader ignores fields it does not know. \"present: no\" means the field is left out when it "
               "does not apply.\n");
#define ANS_SPEC_OBJ(name, doc) &ans_obj_##name,
    const ans_obj_t *objs[] = {ANSWER_OBJECTS(ANS_SPEC_OBJ)};
#undef ANS_SPEC_OBJ
    for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++) {
        const ans_obj_t *d = objs[k];
        fprintf(f, "\n#### `%s`\n\n%s.\n\n| field | type | present | meaning |\n|---|---|---|---|\n", d->name, d->doc);
        for (int i = 0; i < d->nfields; i++) {
            char buf[64];
            const ans_field_t *x = &d->fields[i];
            fprintf(f, "| `%s` | %s | %s | %s |\n", x->name, kind_text(x, buf, sizeof buf),
                    presence_text[x->presence], x->doc);
        }
    }
}
