/*
 * users_account.c -- accounts: the stored record, adding, reading, changing,
 * and checking a password (users.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "users.h"
#include "users_int.h"

/* ---- the record (JSON) -------------------------------------------------------- */

/* Copies the JSON string j into dst (cap bytes with the NUL).  Returns 0 or
 * STORE_E_DAMAGED when j is not a string or does not fit. */
static int copy_string(char *dst, size_t cap, const json_t *j)
{
    const char *s = json_string_value(j);
    size_t n = s ? json_string_length(j) : 0;
    if (!s || n >= cap || memchr(s, '\0', n))
        return STORE_E_DAMAGED;
    memcpy(dst, s, n + 1);
    return 0;
}

static int decode(const MDB_val *v, const char *login, users__record_t *r)
{
    memset(r, 0, sizeof *r);
    json_t *j = json_loadb(v->mv_data, v->mv_size, 0, NULL);
    if (!j)
        return STORE_E_DAMAGED;
    int rc = copy_string(r->a.name, sizeof r->a.name, json_object_get(j, "name"));
    if (!rc)
        rc = copy_string(r->a.unit, sizeof r->a.unit, json_object_get(j, "unit"));
    if (!rc)
        rc = copy_string(r->hash, sizeof r->hash, json_object_get(j, "hash"));
    if (!rc && users_roles_parse(json_string_value(json_object_get(j, "roles")), &r->a.roles))
        rc = STORE_E_DAMAGED;
    r->a.enabled = json_is_true(json_object_get(j, "enabled"));
    r->a.created = json_integer_value(json_object_get(j, "created"));
    r->a.changed = json_integer_value(json_object_get(j, "changed"));
    r->a.password_changed = json_integer_value(json_object_get(j, "password_changed"));
    r->sgen = json_integer_value(json_object_get(j, "sgen"));
    snprintf(r->a.login, sizeof r->a.login, "%s", login);
    json_decref(j);
    return rc;
}

static int record_put(MDB_txn *txn, const users_t *u, const users__record_t *r, unsigned flags)
{
    char roles[64];
    json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:I, s:I, s:I, s:I, s:s}", "name", r->a.name, "unit", r->a.unit,
                          "roles", users_roles_format(r->a.roles, roles, sizeof roles), "enabled", r->a.enabled,
                          "created", (json_int_t)r->a.created, "changed", (json_int_t)r->a.changed,
                          "password_changed", (json_int_t)r->a.password_changed, "sgen", (json_int_t)r->sgen,
                          "hash", r->hash);
    return users__put_json(txn, u->users, r->a.login, strlen(r->a.login), j, flags);
}

int users__record_get(MDB_txn *txn, const users_t *u, const char *login, users__record_t *out)
{
    MDB_val k = {strlen(login), (void *)login}, v;
    int rc = mdb_get(txn, u->users, &k, &v);
    if (rc == MDB_NOTFOUND)
        return USERS_E_NOT_FOUND;
    return rc ? rc : decode(&v, login, out);
}

/* ---- changes ---------------------------------------------------------------------- */

static int hash_password(const users_t *u, const char *password, char out[crypto_pwhash_STRBYTES])
{
    int rc = users_check_password(password);
    if (rc)
        return rc;
    if (crypto_pwhash_str_alg(out, password, strlen(password), u->opslimit, u->memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return USERS_E_CRYPTO;
    return 0;
}

/* "nguyenvana roles=reporter unit=HP.XA.VIET_KHE" into buf. */
static const char *describe(const users_account_t *a, char *buf, size_t len)
{
    char roles[64];
    snprintf(buf, len, "%s roles=%s unit=%s", a->login, users_roles_format(a->roles, roles, sizeof roles), a->unit);
    return buf;
}

static int audit_change(MDB_txn *txn, const users_t *u, const users_actor_t *by, int64_t now, const char *action,
                        const users__record_t *r, const char *detail)
{
    users_event_t e = {.at = now,
                       .login = by ? by->login : NULL,
                       .source = by ? by->source : NULL,
                       .action = action,
                       .unit = r->a.unit,
                       .detail = detail};
    return users__audit_put(txn, u, &e, NULL);
}

int users_add(users_t *u, const users_account_t *a, const char *password, const users_actor_t *by, int64_t now)
{
    users__record_t r;
    memset(&r, 0, sizeof r);
    int rc = users__login_key(a->login, r.a.login);
    if (!rc)
        rc = users_check_name(a->name);
    if (!rc)
        rc = users__check_roles(a->roles, a->unit);
    if (!rc)
        rc = hash_password(u, password, r.hash);
    if (rc)
        return rc;
    snprintf(r.a.name, sizeof r.a.name, "%s", a->name);
    snprintf(r.a.unit, sizeof r.a.unit, "%s", a->unit);
    r.a.roles = a->roles;
    r.a.enabled = true;
    r.a.created = r.a.changed = r.a.password_changed = now;
    r.sgen = 1;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)))
        return rc;
    rc = record_put(txn, u, &r, MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        rc = USERS_E_EXISTS;
    char detail[USERS_NAME_MAX + 256];
    if (!rc)
        rc = audit_change(txn, u, by, now, "user_add", &r, describe(&r.a, detail, sizeof detail));
    return users__end(txn, rc);
}

/* One change of a stored account: fn edits *r and writes the audit detail;
 * it returns 0 (changed), 1 (nothing to change) or an error. */
typedef int (*change_fn)(users__record_t *r, const void *arg, int64_t now, char *detail, size_t dlen);

/* Applies fn to the account of login in one write transaction, with its
 * audit event `action`. */
static int change(users_t *u, const char *login, change_fn fn, const void *arg, const char *action,
                  const users_actor_t *by, int64_t now)
{
    char key[USERS_LOGIN_MAX + 1], detail[USERS_AUDIT_DETAIL_MAX];
    int rc = users__login_key(login, key);
    if (rc)
        return rc;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)))
        return rc;
    users__record_t r;
    rc = users__record_get(txn, u, key, &r);
    if (!rc)
        rc = fn(&r, arg, now, detail, sizeof detail);
    if (rc == 1) {
        mdb_txn_abort(txn);
        return 0;
    }
    if (!rc) {
        r.a.changed = now;
        rc = record_put(txn, u, &r, 0);
    }
    if (!rc)
        rc = audit_change(txn, u, by, now, action, &r, detail);
    return users__end(txn, rc);
}

static int new_password(users__record_t *r, const void *hash, int64_t now, char *detail, size_t dlen)
{
    memcpy(r->hash, hash, sizeof r->hash);
    r->sgen++; /* every session opened before is refused */
    r->a.password_changed = now;
    snprintf(detail, dlen, "%s", r->a.login);
    return 0;
}

int users_set_password(users_t *u, const char *login, const char *password, const users_actor_t *by, int64_t now)
{
    char hash[crypto_pwhash_STRBYTES];
    int rc = users_check_login(login);
    if (!rc)
        rc = hash_password(u, password, hash);
    return rc ? rc : change(u, login, new_password, hash, "password", by, now);
}

typedef struct {
    unsigned roles;
    const char *unit;
} roles_arg_t;

static int new_roles(users__record_t *r, const void *arg, int64_t now, char *detail, size_t dlen)
{
    const roles_arg_t *a = arg;
    if (r->a.roles == a->roles && strcmp(r->a.unit, a->unit) == 0)
        return 1;
    char was[USERS_LOGIN_MAX + USERS_UNIT_MAX + 64], roles[64];
    describe(&r->a, was, sizeof was);
    r->a.roles = a->roles;
    snprintf(r->a.unit, sizeof r->a.unit, "%s", a->unit);
    snprintf(detail, dlen, "%s roles=%s unit=%s (was %s)", r->a.login, users_roles_format(a->roles, roles, sizeof roles),
             r->a.unit, strchr(was, ' ') + 1);
    return 0;
}

int users_set_roles(users_t *u, const char *login, unsigned roles, const char *unit, const users_actor_t *by,
                    int64_t now)
{
    roles_arg_t a = {roles, unit ? unit : ""};
    int rc = users__check_roles(roles, a.unit);
    return rc ? rc : change(u, login, new_roles, &a, "user_roles", by, now);
}

static int new_enabled(users__record_t *r, const void *enabled, int64_t now, char *detail, size_t dlen)
{
    if (r->a.enabled == *(const bool *)enabled)
        return 1;
    r->a.enabled = *(const bool *)enabled;
    /* A disabled user's sessions are refused while it is disabled; a new
     * generation keeps them refused after it is enabled again, so a token
     * that was the reason for disabling it does not come back. */
    if (!r->a.enabled)
        r->sgen++;
    snprintf(detail, dlen, "%s", r->a.login);
    return 0;
}

int users_set_enabled(users_t *u, const char *login, bool enabled, const users_actor_t *by, int64_t now)
{
    return change(u, login, new_enabled, &enabled, enabled ? "user_enable" : "user_disable", by, now);
}

/* ---- reading ------------------------------------------------------------------------ */

int users_get(users_t *u, const char *login, users_account_t *out)
{
    char key[USERS_LOGIN_MAX + 1];
    int rc = users__login_key(login, key);
    if (rc)
        return rc;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, MDB_RDONLY, &txn)))
        return rc;
    users__record_t r;
    rc = users__record_get(txn, u, key, &r);
    mdb_txn_abort(txn);
    if (!rc)
        *out = r.a;
    return rc;
}

int users_each(users_t *u, users_each_fn fn, void *ud)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = store_read_cursor(u->env, u->users, &txn, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (int op = MDB_FIRST; rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0; op = MDB_NEXT) {
        char login[USERS_LOGIN_MAX + 1];
        users__record_t r;
        if (k.mv_size > USERS_LOGIN_MAX) {
            rc = STORE_E_DAMAGED;
            break;
        }
        memcpy(login, k.mv_data, k.mv_size);
        login[k.mv_size] = '\0';
        if ((rc = decode(&v, login, &r)) == 0)
            rc = fn(ud, &r.a);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* ---- verifying a password ------------------------------------------------------------- */

/* The dummy hash (users.h: an unknown login costs a verification too).  It
 * is made by the first verification of any login, so that the first probe
 * is slow whether or not the login exists. */
static int dummy_hash(users_t *u, const char **out)
{
    int rc = 0;
    pthread_mutex_lock(&u->mu);
    if (!u->dummy[0]) {
        unsigned char raw[16];
        char pw[2 * sizeof raw + 1];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
        if (crypto_pwhash_str_alg(u->dummy, pw, strlen(pw), u->opslimit, u->memlimit, crypto_pwhash_ALG_ARGON2ID13)) {
            u->dummy[0] = '\0';
            rc = USERS_E_CRYPTO;
        }
    }
    pthread_mutex_unlock(&u->mu);
    *out = u->dummy;
    return rc;
}

/* Replaces the hash `old` of login by one at the store's cost, unless the
 * password changed meanwhile.  A failure changes nothing and is not an
 * error of the login: the old hash still verifies. */
static void rehash(users_t *u, const char *login, const char *old, const char *password)
{
    users__record_t r;
    char hash[crypto_pwhash_STRBYTES];
    MDB_txn *txn;
    if (crypto_pwhash_str_alg(hash, password, strlen(password), u->opslimit, u->memlimit,
                              crypto_pwhash_ALG_ARGON2ID13) != 0 ||
        mdb_txn_begin(u->env, NULL, 0, &txn) != 0)
        return;
    int rc = users__record_get(txn, u, login, &r);
    if (!rc && strcmp(r.hash, old) == 0) {
        memcpy(r.hash, hash, sizeof r.hash);
        rc = record_put(txn, u, &r, 0);
    } else if (!rc) {
        rc = 1;
    }
    users__end(txn, rc);
}

int users_verify(users_t *u, const char *login, const char *password, users_account_t *out)
{
    const char *dummy;
    int rc = dummy_hash(u, &dummy);
    if (rc)
        return rc;
    if (!password)
        password = "";
    size_t plen = strlen(password);
    char key[USERS_LOGIN_MAX + 1];
    users__record_t r;
    bool known = false;
    if (users__login_key(login, key) == 0 && plen <= USERS_PASSWORD_MAX) {
        MDB_txn *txn;
        if ((rc = mdb_txn_begin(u->env, NULL, MDB_RDONLY, &txn)))
            return rc;
        rc = users__record_get(txn, u, key, &r);
        mdb_txn_abort(txn);
        if (rc && rc != USERS_E_NOT_FOUND)
            return rc;
        known = rc == 0;
    }
    if (!known) {
        /* The same work as for a known login, and the same answer. */
        int ignored = crypto_pwhash_str_verify(dummy, password, plen);
        (void)ignored;
        return USERS_E_BAD_PASSWORD;
    }
    if (crypto_pwhash_str_verify(r.hash, password, plen) != 0)
        return USERS_E_BAD_PASSWORD;
    if (!r.a.enabled)
        return USERS_E_DISABLED;
    if (crypto_pwhash_str_needs_rehash(r.hash, u->opslimit, u->memlimit) == 1)
        rehash(u, key, r.hash, password);
    if (out)
        *out = r.a;
    return 0;
}
