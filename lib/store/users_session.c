/*
 * users_session.c -- sessions (users.h).
 *
 * A token is 32 random bytes, given to the browser as 64 hex digits; the
 * database key is BLAKE2b-256 of those bytes, so neither the store nor a
 * backup of it can open a session.  The record (JSON) is {login, created,
 * seen, csrf, sgen}: sgen is the account's session generation when the
 * session was opened; a different one in the account means that the
 * password changed or the user was disabled since, and the session is
 * refused (USERS_E_REVOKED) -- revocation without finding the sessions.
 */
#include <string.h>

#include "users.h"
#include "users_int.h"

#define TOKEN_BYTES 32
#define KEY_BYTES crypto_generichash_BYTES /* 32 */
#define TOUCH_EVERY_S 60                   /* users_session_touch writes at most this often */

/* The database key of a token.  Returns 0, or USERS_E_NOT_FOUND for a
 * token that is not exactly USERS_TOKEN_LEN hex digits. */
static int session_key(const char *token, unsigned char key[KEY_BYTES])
{
    unsigned char raw[TOKEN_BYTES];
    size_t n = 0;
    const char *end = NULL;
    if (!token || strnlen(token, USERS_TOKEN_LEN + 1) != USERS_TOKEN_LEN ||
        sodium_hex2bin(raw, sizeof raw, token, USERS_TOKEN_LEN, NULL, &n, &end) != 0 || n != sizeof raw || *end)
        return USERS_E_NOT_FOUND;
    crypto_generichash(key, KEY_BYTES, raw, sizeof raw, NULL, 0);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

static bool expired(const users_t *u, int64_t created, int64_t seen, int64_t now)
{
    return now - seen >= u->idle_s || now - created >= u->absolute_s;
}

/* Reads the session under key and checks it at `now` against its account.
 * Returns 0 with *out and, when keep is not NULL, the record in *keep (the
 * caller releases it); or a refusal of users_session_get(). */
static int check(MDB_txn *txn, const users_t *u, const unsigned char key[KEY_BYTES], int64_t now,
                 users_session_t *out, json_t **keep)
{
    MDB_val k = {KEY_BYTES, (void *)key}, v;
    int rc = mdb_get(txn, u->sessions, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? USERS_E_NOT_FOUND : rc;
    json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
    if (!j)
        return STORE_E_DAMAGED;
    const char *login = json_string_value(json_object_get(j, "login"));
    const char *csrf = json_string_value(json_object_get(j, "csrf"));
    int64_t sgen = json_integer_value(json_object_get(j, "sgen"));
    memset(out, 0, sizeof *out);
    out->created = json_integer_value(json_object_get(j, "created"));
    out->seen = json_integer_value(json_object_get(j, "seen"));
    users__record_t r;
    if (!login || !csrf || strlen(csrf) != USERS_TOKEN_LEN)
        rc = STORE_E_DAMAGED;
    else if (expired(u, out->created, out->seen, now))
        rc = USERS_E_EXPIRED;
    else if ((rc = users__record_get(txn, u, login, &r)) == 0) {
        if (!r.a.enabled)
            rc = USERS_E_DISABLED;
        else if (r.sgen != sgen)
            rc = USERS_E_REVOKED;
        memcpy(out->csrf, csrf, USERS_TOKEN_LEN + 1);
        out->user = r.a;
    }
    if (rc == 0 && keep)
        *keep = j;
    else
        json_decref(j);
    return rc;
}

/* ---- deleting sessions ------------------------------------------------------- */

/* Deletes in txn every session for which doomed() is true; *n (may be NULL)
 * counts them.  Returns 0 or an LMDB error. */
typedef bool (*doomed_fn)(const json_t *session, const void *ud);
static int sessions_delete(MDB_txn *txn, const users_t *u, doomed_fn doomed, const void *ud, int *n)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, u->sessions, &cur), count = 0;
    if (rc)
        return rc;
    MDB_val k, v;
    for (int op = MDB_FIRST; (rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) == 0; op = MDB_NEXT) {
        json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        /* A record that cannot be read opens nothing: it goes too. */
        bool del = !j || doomed(j, ud);
        json_decref(j);
        /* After a delete, LMDB's MDB_NEXT yields the record that took its place. */
        if (del && (rc = mdb_cursor_del(cur, 0)) != 0)
            break;
        count += del;
    }
    mdb_cursor_close(cur);
    if (n)
        *n = count;
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static bool session_of(const json_t *session, const void *login)
{
    const char *l = json_string_value(json_object_get(session, "login"));
    return l && strcmp(l, login) == 0;
}

typedef struct {
    const users_t *u;
    int64_t now;
} when_t;

static bool session_expired(const json_t *session, const void *ud)
{
    const when_t *w = ud;
    return expired(w->u, json_integer_value(json_object_get(session, "created")),
                   json_integer_value(json_object_get(session, "seen")), w->now);
}

/* ---- the API ------------------------------------------------------------------ */

int users_session_new(users_t *u, const char *login, int64_t now, char token[USERS_TOKEN_LEN + 1],
                      users_session_t *out)
{
    char who[USERS_LOGIN_MAX + 1], csrf[USERS_TOKEN_LEN + 1];
    unsigned char raw[TOKEN_BYTES], key[KEY_BYTES];
    int rc = users__login_key(login, who);
    if (rc)
        return rc;
    randombytes_buf(raw, sizeof raw);
    crypto_generichash(key, sizeof key, raw, sizeof raw, NULL, 0);
    unsigned char c[TOKEN_BYTES];
    randombytes_buf(c, sizeof c);
    sodium_bin2hex(csrf, sizeof csrf, c, sizeof c);

    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)))
        goto out;
    users__record_t r;
    rc = users__record_get(txn, u, who, &r);
    if (!rc && !r.a.enabled)
        rc = USERS_E_DISABLED;
    when_t w = {u, now};
    if (!rc)
        rc = sessions_delete(txn, u, session_expired, &w, NULL);
    if (!rc) {
        json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:I}", "login", who, "created", (json_int_t)now, "seen",
                              (json_int_t)now, "csrf", csrf, "sgen", (json_int_t)r.sgen);
        rc = users__put_json(txn, u->sessions, key, sizeof key, j, MDB_NOOVERWRITE);
    }
    if ((rc = users__end(txn, rc)) != 0)
        goto out;
    sodium_bin2hex(token, USERS_TOKEN_LEN + 1, raw, sizeof raw);
    if (out) {
        memset(out, 0, sizeof *out);
        out->created = out->seen = now;
        memcpy(out->csrf, csrf, sizeof csrf);
        out->user = r.a;
    }
out:
    sodium_memzero(raw, sizeof raw);
    return rc;
}

int users_session_get(users_t *u, const char *token, int64_t now, users_session_t *out)
{
    unsigned char key[KEY_BYTES];
    users_session_t s;
    int rc = session_key(token, key);
    if (rc)
        return rc;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, MDB_RDONLY, &txn)))
        return rc;
    rc = check(txn, u, key, now, out ? out : &s, NULL);
    mdb_txn_abort(txn);
    return rc;
}

int users_session_touch(users_t *u, const char *token, int64_t now)
{
    users_session_t s;
    int rc = users_session_get(u, token, now, &s);
    if (rc || now - s.seen < TOUCH_EVERY_S)
        return rc; /* a read is enough: no write for a session used a moment ago */
    unsigned char key[KEY_BYTES];
    session_key(token, key);
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)))
        return rc;
    json_t *j = NULL;
    /* Checked again: it may have ended between the read and this write. */
    if ((rc = check(txn, u, key, now, &s, &j)) == 0) {
        json_object_set_new(j, "seen", json_integer(now));
        rc = users__put_json(txn, u->sessions, key, sizeof key, j, 0);
    }
    return users__end(txn, rc);
}

int users_session_end(users_t *u, const char *token)
{
    unsigned char key[KEY_BYTES];
    int rc = session_key(token, key);
    if (rc)
        return rc;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)))
        return rc;
    MDB_val k = {sizeof key, key};
    rc = mdb_del(txn, u->sessions, &k, NULL);
    return users__end(txn, rc == MDB_NOTFOUND ? USERS_E_NOT_FOUND : rc);
}

int users_sessions_end_for(users_t *u, const char *login, int *ended)
{
    char who[USERS_LOGIN_MAX + 1];
    int rc = users__login_key(login, who);
    if (ended)
        *ended = 0;
    if (rc)
        return rc;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)))
        return rc;
    rc = sessions_delete(txn, u, session_of, who, ended);
    return users__end(txn, rc);
}
