#include "answer_json.h"

#include <string.h>

static json_t *num_json(ans_num_t n)
{
    if (n.kind == ANS_INT)
        return json_integer((json_int_t)n.i);
    if (n.kind == ANS_FLOAT)
        return json_real(n.f);
    return json_null();
}

static json_t *str_json(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *values_json(const proto_values_t *vals)
{
    json_t *o = json_object();
    proto_value_t v;
    for (uint32_t i = 0; o && i < vals->n; i++) {
        if (proto_values_at(vals, i, &v))
            continue;
        json_t *x;
        if (v.kind == PV_INT) {
            x = json_integer((json_int_t)v.i);
        } else if (v.kind == PV_BOOL) {
            x = json_boolean(v.i);
        } else {
            x = json_array();
            for (uint32_t t = 0; t < v.ntags; t++)
                json_array_append_new(x, json_stringn(v.tags[t].ptr, v.tags[t].len));
        }
        json_object_set_new(o, v.code, x);
    }
    return o;
}

static json_t *strmap_json(const proto_strmap_t *m)
{
    json_t *o = json_object();
    proto_strpair_t e;
    for (uint32_t i = 0; o && i < m->n; i++) {
        if (proto_strmap_at(m, i, &e) || e.code.len > 64)
            continue;
        char code[65];
        memcpy(code, e.code.ptr, e.code.len);
        code[e.code.len] = '\0';
        json_object_set_new(o, code, json_stringn(e.text.ptr, e.text.len));
    }
    return o;
}

static json_t *field_json(const ans_field_t *f, const void *v)
{
    const char *p = (const char *)v + f->off;
    if (f->presence != AP_REQ && !*(const bool *)((const char *)v + f->has_off))
        return json_null();
    switch (f->kind) {
    case AK_STR: return str_json(*(const char *const *)p);
    case AK_INT: return json_integer((json_int_t) * (const int64_t *)p);
    case AK_UINT: return json_integer((json_int_t) * (const uint64_t *)p);
    case AK_FLOAT: return json_real(*(const double *)p);
    case AK_BOOL: return json_boolean(*(const bool *)p);
    case AK_NUM: return num_json(*(const ans_num_t *)p);
    case AK_OBJ: return answer_json(f->sub, p);
    case AK_LIST: {
        uint32_t n = *(const uint32_t *)((const char *)v + f->n_off);
        const char *items = *(const char *const *)p;
        json_t *a = json_array();
        for (uint32_t i = 0; a && i < n; i++)
            json_array_append_new(a, answer_json(f->sub, items + (size_t)i * f->sub->size));
        return a;
    }
    case AK_MAP: {
        uint32_t n = *(const uint32_t *)((const char *)v + f->n_off);
        const char *items = *(const char *const *)p;
        json_t *o = json_object();
        for (uint32_t i = 0; o && i < n; i++) {
            const char *e = items + (size_t)i * f->sub->entry_size;
            json_object_set_new(o, *(const char *const *)e, answer_json(f->sub, e + f->sub->entry_voff));
        }
        return o;
    }
    case AK_IMAP: {
        const ans_imap_t *m = (const ans_imap_t *)p;
        json_t *o = json_object();
        for (uint32_t i = 0; o && i < m->n; i++)
            json_object_set_new(o, m->keys[i], json_integer((json_int_t)m->vals[i]));
        return o;
    }
    case AK_NUMMAP: {
        const ans_nummap_t *m = (const ans_nummap_t *)p;
        json_t *o = json_object();
        for (uint32_t i = 0; o && i < m->n; i++)
            json_object_set_new(o, m->keys[i], num_json(m->vals[i]));
        return o;
    }
    case AK_STRLIST: {
        const ans_strlist_t *l = (const ans_strlist_t *)p;
        json_t *a = json_array();
        for (uint32_t i = 0; a && i < l->n; i++)
            json_array_append_new(a, str_json(l->items[i]));
        return a;
    }
    case AK_VALUES: return values_json((const proto_values_t *)p);
    case AK_STRMAP: return strmap_json((const proto_strmap_t *)p);
    }
    return json_null();
}

json_t *answer_json(const ans_obj_t *d, const void *v)
{
    json_t *o = json_object();
    for (int i = 0; o && i < d->nfields; i++) {
        const ans_field_t *f = &d->fields[i];
        if (f->presence == AP_OPT && !*(const bool *)((const char *)v + f->has_off))
            continue;
        json_object_set_new(o, f->name, field_json(f, v));
    }
    return o;
}
