/*
 * users.c -- the users store: opening it, its errors, the checks of names,
 * roles and passwords, and who may do what (users.h).  Accounts are in
 * users_account.c, sessions in users_session.c, the audit log in
 * users_audit.c.
 */
#include "users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto.h"
#include "users_int.h"
#include "utf8.h"

/* "A bit above interactive": one pass more than libsodium's interactive
 * limit at its memory (64 MiB); about half a second on our 2-CPU servers. */
#define USERS_OPSLIMIT (crypto_pwhash_OPSLIMIT_INTERACTIVE + 1)
#define USERS_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

const char *users_strerror(int rc)
{
    switch (rc) {
    case 0: return "ok";
    case USERS_E_EXISTS: return "a user with this login exists already";
    case USERS_E_NOT_FOUND: return "no such user or session";
    case USERS_E_BAD_PASSWORD: return "wrong login or password";
    case USERS_E_DISABLED: return "the user is disabled";
    case USERS_E_EXPIRED: return "the session has expired";
    case USERS_E_REVOKED: return "the session ended when the password was changed or the user disabled";
    case USERS_E_WEAK_PASSWORD: return "a password needs at least 10 characters";
    case USERS_E_LONG_PASSWORD: return "a password has at most 1024 bytes";
    case USERS_E_BAD_LOGIN:
        return "a login is 1 to 64 of a-z 0-9 . _ - beginning with a letter or a digit";
    case USERS_E_BAD_NAME: return "a display name is 1 to 256 bytes of UTF-8 text without control characters";
    case USERS_E_BAD_ROLES:
        return "roles are one or more of reporter, approver, viewer, admin; all but admin need a unit";
    case USERS_E_BAD_UNIT: return "a unit is a code of 1 to 64 of A-Z a-z 0-9 . _ - :";
    case USERS_E_INVALID: return "an argument is not valid";
    case USERS_E_CRYPTO: return "password hashing failed (out of memory?)";
    default: return store_strerror(rc);
    }
}

/* ---- options, open, close ------------------------------------------------- */

void users_options(const config_t *cfg, users_options_t *out)
{
    memset(out, 0, sizeof *out);
    out->dir = config_get(cfg, "web", "users_dir", "var/web");
    out->idle_s = config_int(cfg, "web", "session_idle_s", 30 * 60);
    out->absolute_s = config_int(cfg, "web", "session_max_s", 12 * 3600);
    out->map_bytes = (uint64_t)config_int(cfg, "web", "users_map_mb", 64) << 20;
}

int users_open(const users_options_t *opt, users_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium cannot start");
        return USERS_E_CRYPTO;
    }
    users_t *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return STORE_E_NOMEM;
    }
    u->idle_s = opt->idle_s > 0 ? opt->idle_s : 30 * 60;
    u->absolute_s = opt->absolute_s > 0 ? opt->absolute_s : 12 * 3600;
    u->opslimit = opt->opslimit ? opt->opslimit : USERS_OPSLIMIT;
    u->memlimit = opt->memlimit ? opt->memlimit : USERS_MEMLIMIT;
    pthread_mutex_init(&u->mu, NULL);
    const char *dir = opt->dir ? opt->dir : "var/web";
    int rc = store_open(dir, opt->map_bytes ? opt->map_bytes : (uint64_t)64 << 20, 4, &u->env, err, errlen);
    if (rc)
        goto fail;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)) == 0) {
        if ((rc = mdb_dbi_open(txn, "users", MDB_CREATE, &u->users)) ||
            (rc = mdb_dbi_open(txn, "sessions", MDB_CREATE, &u->sessions)) ||
            (rc = mdb_dbi_open(txn, "audit", MDB_CREATE, &u->audit)) ||
            (rc = mdb_dbi_open(txn, "drafts", MDB_CREATE, &u->drafts)))
            mdb_txn_abort(txn);
        else
            rc = mdb_txn_commit(txn);
    }
    if (rc) {
        snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    /* Password hashes and session hashes are for the service's user alone
     * (store_open makes files its group may read). */
    char path[4096];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (chmod(path, 0600) != 0) {
        rc = errno;
        snprintf(err, errlen, "%s: %s", path, strerror(rc));
        goto fail;
    }
    *out = u;
    return 0;
fail:
    users_close(&u);
    return rc;
}

void users_close(users_t **self_p)
{
    users_t *u = *self_p;
    if (!u)
        return;
    if (u->env)
        mdb_env_close(u->env);
    pthread_mutex_destroy(&u->mu);
    sodium_memzero(u->dummy, sizeof u->dummy);
    free(u);
    *self_p = NULL;
}

/* ---- checks ------------------------------------------------------------------- */

int users__login_key(const char *login, char out[USERS_LOGIN_MAX + 1])
{
    size_t n = 0;
    if (!login)
        return USERS_E_BAD_LOGIN;
    for (; login[n]; n++) {
        unsigned char c = (unsigned char)login[n];
        if (n == USERS_LOGIN_MAX)
            return USERS_E_BAD_LOGIN;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && (n == 0 || (c != '.' && c != '_' && c != '-')))
            return USERS_E_BAD_LOGIN;
        out[n] = (char)c;
    }
    out[n] = '\0';
    return n ? 0 : USERS_E_BAD_LOGIN;
}

int users_check_login(const char *login)
{
    char key[USERS_LOGIN_MAX + 1];
    return users__login_key(login, key);
}

size_t users__text_char(const unsigned char *s, size_t n)
{
    size_t len = utf8_seq(s, n);
    /* C0 controls and DEL, and the C1 controls U+0080..U+009F (C2 80..9F):
     * names and audit text are printed in terminals and pages, where they
     * would do harm. */
    if ((len == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (len == 2 && s[0] == 0xc2 && s[1] < 0xa0))
        return 0;
    return len;
}

int users_check_name(const char *name)
{
    if (!name)
        return USERS_E_BAD_NAME;
    size_t n = strnlen(name, USERS_NAME_MAX + 1);
    if (n == 0 || n > USERS_NAME_MAX)
        return USERS_E_BAD_NAME;
    for (size_t i = 0, len; i < n; i += len)
        if ((len = users__text_char((const unsigned char *)name + i, n - i)) == 0)
            return USERS_E_BAD_NAME;
    return 0;
}

int users_check_password(const char *password)
{
    size_t bytes = password ? strlen(password) : 0, chars = 0;
    if (bytes > USERS_PASSWORD_MAX)
        return USERS_E_LONG_PASSWORD;
    /* Characters, not bytes: "mật khẩu" is 8 of them.  A byte that does not
     * continue a UTF-8 sequence starts a character. */
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)password[i] & 0xc0) != 0x80;
    return chars >= USERS_PASSWORD_MIN ? 0 : USERS_E_WEAK_PASSWORD;
}

/* A unit code, "" allowed (no unit). */
static int check_unit(const char *unit)
{
    size_t n = strnlen(unit, USERS_UNIT_MAX + 1);
    if (n > USERS_UNIT_MAX)
        return USERS_E_BAD_UNIT;
    for (size_t i = 0; i < n; i++)
        if (!proto_code_char((unsigned char)unit[i]))
            return USERS_E_BAD_UNIT;
    return 0;
}

int users__check_roles(unsigned roles, const char *unit)
{
    if (!unit)
        unit = "";
    if (roles == 0 || (roles & ~(unsigned)USERS_ROLES_ALL))
        return USERS_E_BAD_ROLES;
    int rc = check_unit(unit);
    if (rc)
        return rc;
    return (roles & USERS_ROLES_UNIT) && !*unit ? USERS_E_BAD_ROLES : 0;
}

/* ---- roles -------------------------------------------------------------------- */

static const char *const role_names[] = {"reporter", "approver", "viewer", "admin"};
#define NROLES (sizeof role_names / sizeof role_names[0])

int users_roles_parse(const char *text, unsigned *roles)
{
    *roles = 0;
    const char *p = text ? text : "";
    while (*p) {
        size_t n = strcspn(p, ",");
        size_t i = 0;
        while (i < NROLES && (strlen(role_names[i]) != n || strncmp(p, role_names[i], n) != 0))
            i++;
        if (i == NROLES)
            return USERS_E_BAD_ROLES;
        *roles |= 1u << i;
        p += n;
        if (*p == ',')
            p++;
    }
    return *roles ? 0 : USERS_E_BAD_ROLES;
}

const char *users_roles_format(unsigned roles, char *buf, size_t len)
{
    size_t o = 0;
    if (len)
        buf[0] = '\0';
    for (size_t i = 0; i < NROLES; i++)
        if (roles & (1u << i)) {
            int w = snprintf(buf + o, len - o, "%s%s", o ? "," : "", role_names[i]);
            if (w < 0 || (size_t)w >= len - o)
                break;
            o += (size_t)w;
        }
    return buf;
}

/* ---- who may do what ------------------------------------------------------------ */

bool users_allows(const catalog_t *cat, const users_account_t *a, unsigned role, const char *unit)
{
    if (!a->enabled)
        return false;
    if (a->roles & USERS_ROLE_ADMIN)
        return true;
    if (!(a->roles & role) || !unit || !cat)
        return false;
    int mine = catalog_unit(cat, a->unit), it = catalog_unit(cat, unit);
    if (mine < 0 || it < 0)
        return false;
    if (role == USERS_ROLE_VIEWER)
        return catalog_is_ancestor(cat, mine, it);
    return catalog_may_submit_for(cat, mine, it); /* its own unit, and the offices it reports for */
}

/* ---- shared by the files of the module --------------------------------------------- */

int users__put_json(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, json_t *j, unsigned flags)
{
    char *txt = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (!txt)
        return STORE_E_NOMEM;
    MDB_val k = {klen, (void *)key}, v = {strlen(txt), txt};
    int rc = mdb_put(txn, dbi, &k, &v, flags);
    free(txt);
    return rc;
}

int users__end(MDB_txn *txn, int rc)
{
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}
