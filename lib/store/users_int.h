/*
 * users_int.h -- private to users.c, users_session.c and users_audit.c.
 */
#ifndef CCHC_USERS_INT_H
#define CCHC_USERS_INT_H

#include <jansson.h>
#include <lmdb.h>
#include <pthread.h>
#include <sodium.h>

#include "store.h"
#include "users.h"

struct users {
    MDB_env *env;
    MDB_dbi users, sessions, audit, drafts;
    int64_t idle_s, absolute_s;
    unsigned long long opslimit;
    size_t memlimit;
    /* An argon2id string of a random password at the store's cost, made at
     * the first verification of any login (guarded by mu). */
    pthread_mutex_t mu;
    char dummy[crypto_pwhash_STRBYTES];
};

/* An account as stored: the public part and what never leaves the module. */
typedef struct {
    users_account_t a;
    char hash[crypto_pwhash_STRBYTES]; /* argon2id string */
    int64_t sgen; /* session generation: +1 at a new password and at a disable,
                   * which refuse every session opened before */
} users__record_t;

/* Folds a valid login into out (lower case).  Returns 0 or USERS_E_BAD_LOGIN. */
int users__login_key(const char *login, char out[USERS_LOGIN_MAX + 1]);

/* The length (1..4) of the UTF-8 character at s (n > 0 bytes), or 0 when
 * the bytes are not one or it is a control character. */
size_t users__text_char(const unsigned char *s, size_t n);

/* Roles and their unit as users_add() takes them (unit may be NULL: none).
 * Returns 0, USERS_E_BAD_ROLES or USERS_E_BAD_UNIT. */
int users__check_roles(unsigned roles, const char *unit);

/* Reads the record of login (a folded key) in txn.  Returns 0,
 * USERS_E_NOT_FOUND, STORE_E_DAMAGED or an LMDB error. */
int users__record_get(MDB_txn *txn, const users_t *u, const char *login, users__record_t *out /* OUT */);

/* Appends e to the audit log inside txn.  Returns 0, USERS_E_INVALID,
 * STORE_E_NOMEM or an LMDB error. */
int users__audit_put(MDB_txn *txn, const users_t *u, const users_event_t *e, uint64_t *seq /* OUT */);

/* JSON text of j (consumed) stored under key in dbi.  Returns 0,
 * STORE_E_NOMEM or an LMDB error. */
int users__put_json(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, json_t *j, unsigned flags);

/* Commits txn when rc is 0, aborts it otherwise; returns the outcome. */
int users__end(MDB_txn *txn, int rc);

#endif
