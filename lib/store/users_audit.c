/*
 * users_audit.c -- the audit log (users.h): an append-only database of
 * seq (u64 big-endian, from 1) -> {at, login, source, action, unit, detail}.
 */
#include <string.h>

#include "users.h"
#include "users_int.h"

/* Copies in (NULL: "") into out (max + 1 bytes), keeping at most max bytes:
 * UTF-8 text stays as it is, a control character or a byte that is not
 * UTF-8 becomes '?', and a cut never splits a character. */
static void clean(const char *in, char *out, size_t max)
{
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    size_t n = strlen((const char *)s), o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = users__text_char(s + i, n - i);
        if (o + (len ? len : 1) > max)
            break;
        if (len)
            memcpy(out + o, s + i, len);
        else
            out[o] = '?';
        o += len ? len : 1;
        i += len ? len : 1;
    }
    out[o] = '\0';
}

/* 1..32 of a-z _ */
static bool action_ok(const char *a)
{
    size_t n = a ? strlen(a) : 0;
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((a[i] >= 'a' && a[i] <= 'z') || a[i] == '_'))
            return false;
    return true;
}

int users__audit_put(MDB_txn *txn, const users_t *u, const users_event_t *e, uint64_t *seq)
{
    if (!action_ok(e->action))
        return USERS_E_INVALID;
    char login[USERS_AUDIT_FIELD_MAX + 1], source[USERS_AUDIT_FIELD_MAX + 1], unit[USERS_AUDIT_FIELD_MAX + 1];
    char detail[USERS_AUDIT_DETAIL_MAX + 1];
    clean(e->login, login, USERS_AUDIT_FIELD_MAX);
    clean(e->source, source, USERS_AUDIT_FIELD_MAX);
    clean(e->unit, unit, USERS_AUDIT_FIELD_MAX);
    clean(e->detail, detail, USERS_AUDIT_DETAIL_MAX);

    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t next = 1;
    int rc = mdb_cursor_open(txn, u->audit, &cur);
    if (rc)
        return rc;
    rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    mdb_cursor_close(cur);
    if (rc == 0 && k.mv_size == 8)
        next = store_get_u64(k.mv_data) + 1;
    else if (rc == 0)
        return STORE_E_DAMAGED;
    else if (rc != MDB_NOTFOUND)
        return rc;

    unsigned char key[8];
    store_put_u64(key, next);
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "at", (json_int_t)e->at, "login", login, "source", source,
                          "action", e->action, "unit", unit, "detail", detail);
    rc = users__put_json(txn, u->audit, key, sizeof key, j, MDB_APPEND);
    if (!rc && seq)
        *seq = next;
    return rc;
}

int users_audit_append(users_t *u, const users_event_t *e, uint64_t *seq)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(u->env, NULL, 0, &txn);
    if (rc)
        return rc;
    return users__end(txn, users__audit_put(txn, u, e, seq));
}

static const char *field(const json_t *j, const char *name)
{
    const char *s = json_string_value(json_object_get(j, name));
    return s ? s : "";
}

/* true when the event's unit is in the subtree of root (-1: no filter). */
static bool in_subtree(const catalog_t *cat, int root, const char *unit)
{
    if (root < 0)
        return true;
    int i = catalog_unit(cat, unit);
    return i >= 0 && catalog_is_ancestor(cat, root, i);
}

int users_audit_each(users_t *u, const catalog_t *cat, const char *unit, size_t limit, users_audit_fn fn, void *ud)
{
    int root = -1;
    if (unit && (!cat || (root = catalog_unit(cat, unit)) < 0))
        return USERS_E_INVALID;
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = store_read_cursor(u->env, u->audit, &txn, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    size_t shown = 0;
    for (int op = MDB_LAST; (limit == 0 || shown < limit) && (rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0;
         op = MDB_PREV) {
        json_t *j = k.mv_size == 8 ? json_loadb(v.mv_data, v.mv_size, 0, NULL) : NULL;
        if (!j) {
            rc = STORE_E_DAMAGED;
            break;
        }
        users_event_t e = {.seq = store_get_u64(k.mv_data),
                           .at = json_integer_value(json_object_get(j, "at")),
                           .login = field(j, "login"),
                           .source = field(j, "source"),
                           .action = field(j, "action"),
                           .unit = field(j, "unit"),
                           .detail = field(j, "detail")};
        if (in_subtree(cat, root, e.unit)) {
            shown++;
            rc = fn(ud, &e);
        }
        json_decref(j);
        if (rc)
            break;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}
