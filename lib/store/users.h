/*
 * users.h -- cchc-web's accounts, sessions and audit log (LMDB).
 *
 * One environment in its own directory ([web] users_dir, default var/web),
 * three databases:
 *   users     login -> the account (JSON: display name, unit, roles, enabled,
 *             times, password generation, the argon2id string of the password)
 *   sessions  BLAKE2b-256(token) -> the session (JSON: login, created, last
 *             seen, CSRF token, the account's session generation)
 *   audit     seq (u64 big-endian) -> one event (JSON); append-only
 *
 * Passwords are kept only as the string of crypto_pwhash_str_alg (argon2id,
 * "$argon2id$v=19$m=...,t=...,p=1$salt$hash"), never logged, never copied
 * into a users_account_t.  A session token is given to the caller once, by
 * users_session_new(); the store keeps only its hash, so a copy of the store
 * (a backup) opens no session.
 *
 * Time: every function that depends on the time takes `now` (Unix seconds)
 * instead of reading a clock, so that tests and `--now` decide it.
 *
 * Revocation is immediate: users_session_get() reads the account on every
 * call and refuses a session whose user is disabled, or whose password was
 * changed or user disabled since the session was opened (the account's
 * session generation moved on).
 *
 * Every change to an account (add, password, roles, disable, enable) writes
 * its audit event in the same transaction, naming who did it (users_actor_t),
 * so no change can happen without its trace.  Logins, failed logins, logouts
 * and the reports' own events are the caller's to append
 * (users_audit_append()), since only the caller knows the source address and
 * what was meant.
 *
 * Threads: a users_t may be shared by threads; LMDB serialises the writers.
 * users_verify() and the password setters spend ~0.5 s and 64 MiB (argon2id)
 * outside any transaction: call them from a worker thread, not an event loop.
 *
 * Errors: 0 is success; USERS_E_* (below) are named states; anything else is
 * a store error (an LMDB or errno code, STORE_E_*) passed through.
 * users_strerror() names all of them.
 */
#ifndef CCHC_USERS_H
#define CCHC_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "config.h"

typedef struct users users_t;

enum {
    USERS_E_EXISTS = -100,       /* a user with this login exists already */
    USERS_E_NOT_FOUND = -101,    /* no such user, or no such session */
    USERS_E_BAD_PASSWORD = -102, /* wrong login or password (the two are never told apart) */
    USERS_E_DISABLED = -103,     /* the user is disabled */
    USERS_E_EXPIRED = -104,      /* the session was idle too long or is too old */
    USERS_E_REVOKED = -105,      /* the session predates a new password or a disable of its user */
    USERS_E_WEAK_PASSWORD = -106, /* a new password shorter than USERS_PASSWORD_MIN characters */
    USERS_E_LONG_PASSWORD = -107, /* a new password longer than USERS_PASSWORD_MAX bytes */
    USERS_E_BAD_LOGIN = -108,    /* not a login name (see users_check_login) */
    USERS_E_BAD_NAME = -109,     /* not a display name (see users_check_name) */
    USERS_E_BAD_ROLES = -110,    /* no role, an unknown role, or a unit role without a unit */
    USERS_E_BAD_UNIT = -111,     /* not a code (1..CATALOG_CODE_MAX of A-Z a-z 0-9 . _ - :) */
    USERS_E_INVALID = -112,      /* another argument is not valid (an audit action, a token) */
    USERS_E_CRYPTO = -113,       /* libsodium failed (out of memory for argon2id) */
};

/* A sentence for any return code of this module (English, for logs; the
 * CLI and the web translate the USERS_E_* codes for people).  Never NULL. */
const char *users_strerror(int rc);

#define USERS_LOGIN_MAX 64      /* bytes in a login name */
#define USERS_NAME_MAX 256      /* bytes in a display name (UTF-8) */
#define USERS_UNIT_MAX CATALOG_CODE_MAX
#define USERS_PASSWORD_MIN 10   /* characters (UTF-8 code points) */
#define USERS_PASSWORD_MAX 1024 /* bytes */
#define USERS_TOKEN_LEN 64      /* hex characters of a session or CSRF token (32 random bytes) */

/* ---- options ------------------------------------------------------------- */

typedef struct {
    const char *dir;         /* [web] users_dir, default "var/web" */
    int64_t idle_s;          /* [web] session_idle_s: a session unused this long ends (default 1800) */
    int64_t absolute_s;      /* [web] session_max_s: a session this old ends (default 43200) */
    uint64_t map_bytes;      /* [web] users_map_mb, default 64 MiB */
    /* argon2id cost of new hashes: 0 means our default (3 passes, 64 MiB,
     * a little above libsodium's "interactive").  Tests lower them to run
     * fast; a stored hash of another cost is rehashed at its next login. */
    unsigned long long opslimit;
    size_t memlimit;
} users_options_t;

/* Fills *out from the [web] section of cfg (NULL: the defaults).  The
 * strings are owned by cfg. */
void users_options(const config_t *cfg, users_options_t *out /* OUT */);

/* Opens (creating) the store in opt->dir.  Returns 0 and *out (caller
 * closes it with users_close()), or a store error with a sentence in err
 * (also USERS_E_CRYPTO when libsodium cannot start). */
int users_open(const users_options_t *opt, users_t **out /* OUT */, char *err, size_t errlen);

/* Closes the store and nulls *self_p; NULL is a harmless no-op. */
void users_close(users_t **self_p);

/* ---- roles ----------------------------------------------------------------- */

enum {
    USERS_ROLE_REPORTER = 1u << 0, /* fills in and submits the reports of its unit */
    USERS_ROLE_APPROVER = 1u << 1, /* approves or returns the reports of its unit */
    USERS_ROLE_VIEWER = 1u << 2,   /* reads everything of its unit's subtree */
    USERS_ROLE_ADMIN = 1u << 3,    /* manages users; sees everything (global, no unit) */
    USERS_ROLES_ALL = 0xfu,
    USERS_ROLES_UNIT = USERS_ROLE_REPORTER | USERS_ROLE_APPROVER | USERS_ROLE_VIEWER, /* need a unit */
};

/* "reporter,approver" -> bits.  Returns 0, or USERS_E_BAD_ROLES for an
 * empty list or an unknown name. */
int users_roles_parse(const char *text, unsigned *roles /* OUT */);

/* bits -> "reporter,approver" (in the order of the enum) into buf; returns buf. */
const char *users_roles_format(unsigned roles, char *buf, size_t len);

/* ---- accounts -------------------------------------------------------------- */

typedef struct {
    char login[USERS_LOGIN_MAX + 1]; /* lower case */
    char name[USERS_NAME_MAX + 1];   /* display name, UTF-8 ("Nguyễn Văn A") */
    char unit[USERS_UNIT_MAX + 1];   /* the unit the roles apply to; "" for an admin alone */
    unsigned roles;                  /* USERS_ROLE_* bits */
    bool enabled;
    int64_t created;                 /* Unix seconds */
    int64_t changed;                 /* the last change of anything */
    int64_t password_changed;        /* the last change of the password */
} users_account_t;

/* Who changes an account, for its audit event: a login of this store (the
 * web) or an operator of the CLI ("cli:root"), and where from ("10.0.0.7",
 * "cli").  NULL fields are recorded as "". */
typedef struct {
    const char *login;
    const char *source;
} users_actor_t;

/* A login name: 1..USERS_LOGIN_MAX of a-z 0-9 . _ - beginning with a letter
 * or a digit.  Upper-case letters are accepted and folded (logins are
 * case-insensitive: "NguyenVanA" is "nguyenvana").  Returns 0 or
 * USERS_E_BAD_LOGIN. */
int users_check_login(const char *login);

/* A display name: 1..USERS_NAME_MAX bytes of valid UTF-8 without control
 * characters.  Returns 0 or USERS_E_BAD_NAME. */
int users_check_name(const char *name);

/* A new password: at least USERS_PASSWORD_MIN characters, at most
 * USERS_PASSWORD_MAX bytes.  Returns 0, USERS_E_WEAK_PASSWORD or
 * USERS_E_LONG_PASSWORD.  (The setters check it too; a form calls it to
 * answer before spending the hash.) */
int users_check_password(const char *password);

/* Adds an enabled user: a->login, a->name, a->roles, a->unit are taken (the
 * rest is ignored).  A unit role needs a unit; whether the unit is in the
 * catalog is the caller's to check (the store has no catalog).  Audits
 * "user_add".  Returns 0, USERS_E_EXISTS, USERS_E_BAD_LOGIN, USERS_E_BAD_NAME,
 * USERS_E_BAD_ROLES, USERS_E_BAD_UNIT, USERS_E_WEAK_PASSWORD,
 * USERS_E_LONG_PASSWORD, USERS_E_CRYPTO or a store error. */
int users_add(users_t *u, const users_account_t *a, const char *password, const users_actor_t *by, int64_t now);

/* The account of `login` into *out.  Returns 0, USERS_E_NOT_FOUND,
 * USERS_E_BAD_LOGIN or a store error. */
int users_get(users_t *u, const char *login, users_account_t *out /* OUT */);

/* Calls fn for every account in login order, inside one read transaction:
 * fn must not write to this store.  fn returns 0 to go on, anything else to
 * stop (users_each then returns that value).  Returns 0 or a store error. */
typedef int (*users_each_fn)(void *ud, const users_account_t *a);
int users_each(users_t *u, users_each_fn fn, void *ud);

/* Sets a new password.  Every session of the user opened before is refused
 * from now on (USERS_E_REVOKED).  Audits "password".  Returns 0, USERS_E_NOT_FOUND, USERS_E_BAD_LOGIN,
 * USERS_E_WEAK_PASSWORD, USERS_E_LONG_PASSWORD, USERS_E_CRYPTO or a store
 * error. */
int users_set_password(users_t *u, const char *login, const char *password, const users_actor_t *by, int64_t now);

/* Replaces the roles and their unit (as in users_add).  Audits "user_roles".
 * Returns 0, USERS_E_NOT_FOUND, USERS_E_BAD_LOGIN, USERS_E_BAD_ROLES,
 * USERS_E_BAD_UNIT or a store error. */
int users_set_roles(users_t *u, const char *login, unsigned roles, const char *unit, const users_actor_t *by,
                    int64_t now);

/* Disables or enables a user.  Disabling refuses the user's sessions at once
 * (USERS_E_DISABLED) and for good: enabled again, they stay refused
 * (USERS_E_REVOKED).  Audits "user_disable" or "user_enable"; the same state
 * again changes nothing and writes nothing.  Returns 0, USERS_E_NOT_FOUND, USERS_E_BAD_LOGIN or a store
 * error. */
int users_set_enabled(users_t *u, const char *login, bool enabled, const users_actor_t *by, int64_t now);

/* Checks a login and password; on success fills *out (may be NULL).  An
 * unknown login is checked against a dummy hash, so it costs the time of a
 * wrong password and answers the same code.  A hash of another cost than
 * the store's is replaced by a new one (the password is at hand only now).
 * Returns 0, USERS_E_BAD_PASSWORD (wrong password, unknown or malformed
 * login), USERS_E_DISABLED (right password, disabled user: said only to
 * whoever knows the password), USERS_E_CRYPTO or a store error.  Writes no
 * audit event: append "login" or "login_failed" yourself. */
int users_verify(users_t *u, const char *login, const char *password, users_account_t *out /* OUT */);

/* true when account a may act as `role` (one USERS_ROLE_* bit) on `unit`: a
 * reporter or approver on its own unit and on the units it submits for
 * (parent_submits children, catalog_may_submit_for), a viewer on its unit's subtree
 * (catalog order), an admin on every unit; a disabled account on none.  An
 * admin needs no unit; the others need one the catalog has. */
bool users_allows(const catalog_t *cat, const users_account_t *a, unsigned role, const char *unit);

/* ---- sessions -------------------------------------------------------------- */

typedef struct {
    int64_t created;                   /* Unix seconds */
    int64_t seen;                      /* the last users_session_touch() (or created) */
    char csrf[USERS_TOKEN_LEN + 1];    /* this session's CSRF token (hex), the same for its whole life */
    users_account_t user;              /* the account, as read by this call */
} users_session_t;

/* Opens a session for an enabled user (after users_verify()).  Writes the
 * new token (hex, USERS_TOKEN_LEN characters and a NUL) into token: give it
 * to the browser; it is never stored and cannot be read back.  *out (may be
 * NULL) receives the session.  Expired sessions of every user are deleted
 * in the same transaction.  Returns 0, USERS_E_NOT_FOUND, USERS_E_BAD_LOGIN,
 * USERS_E_DISABLED or a store error. */
int users_session_new(users_t *u, const char *login, int64_t now, char token[USERS_TOKEN_LEN + 1] /* OUT */,
                      users_session_t *out /* OUT */);

/* The session of `token` at time now, into *out (may be NULL).  Returns 0;
 * USERS_E_NOT_FOUND (unknown or malformed token, ended session, user gone);
 * USERS_E_EXPIRED (unused for idle_s, or opened absolute_s ago);
 * USERS_E_DISABLED; USERS_E_REVOKED (the password changed since it was
 * opened); or a store error.  Reads only. */
int users_session_get(users_t *u, const char *token, int64_t now, users_session_t *out /* OUT */);

/* Marks the session used at `now` (the idle expiry counts from here), after
 * the same checks as users_session_get() and with the same returns.  Writes
 * only when the last mark is a minute old or more, so a page's many
 * requests cost one write: the idle expiry is exact to a minute. */
int users_session_touch(users_t *u, const char *token, int64_t now);

/* Ends one session (logout).  Returns 0, USERS_E_NOT_FOUND or a store error. */
int users_session_end(users_t *u, const char *token);

/* Ends every session of `login`; *ended (may be NULL) receives how many.
 * Returns 0, USERS_E_BAD_LOGIN or a store error. */
int users_sessions_end_for(users_t *u, const char *login, int *ended /* OUT */);

/* ---- audit log -------------------------------------------------------------- */

/* One event.  Actions so far: login, login_failed, logout, submit, approve,
 * return, user_add, user_roles, user_disable, user_enable, password. */
typedef struct {
    uint64_t seq;       /* out: its place in the log, from 1 */
    int64_t at;         /* Unix seconds */
    const char *login;  /* who acted (for login_failed: the login tried) */
    const char *source; /* the client's address, "cli" ... */
    const char *action; /* 1..32 of a-z _ */
    const char *unit;   /* the unit concerned, or "" */
    const char *detail; /* free text: the report, the user changed ... */
} users_event_t;

#define USERS_AUDIT_FIELD_MAX 64   /* bytes kept of login, source, unit */
#define USERS_AUDIT_DETAIL_MAX 1024 /* bytes kept of detail */

/* Appends e (its seq is ignored) and sets *seq (may be NULL).  Text is kept
 * as text whatever it holds -- invalid UTF-8 and control characters become
 * '?', overlong fields are cut at a character boundary -- so a hostile login
 * tried at the form is recorded, not refused.  NULL strings are "".
 * Returns 0, USERS_E_INVALID (an action that is not 1..32 of a-z _) or a
 * store error. */
int users_audit_append(users_t *u, const users_event_t *e, uint64_t *seq /* OUT */);

/* Calls fn for the events, newest first, at most `limit` of them (0: all),
 * inside one read transaction (fn must not write to this store; the strings
 * are valid during the call only).  With `unit` (may be NULL), only the
 * events whose unit is in that unit's subtree in cat.  fn returns 0 to go
 * on, anything else to stop (users_audit_each then returns that value).
 * Returns 0, USERS_E_INVALID (a unit without cat, or not in cat) or a store
 * error. */
typedef int (*users_audit_fn)(void *ud, const users_event_t *e);
int users_audit_each(users_t *u, const catalog_t *cat, const char *unit, size_t limit, users_audit_fn fn, void *ud);

/* ---- drafts of reports (cchc-web's data entry) ------------------------------ */

/* A report being entered in cchc-web, kept until it is submitted: one per
 * unit/dataset/period.  The content is the page's own (JSON text of the
 * form's fields); the store only compares it.  rev counts the changes of
 * content and never goes back, even after a submission, so that
 * unit/dataset/period/rev names one content for good (the web derives the
 * submission id from it: a retry of the same content is the same id). */
typedef struct {
    uint32_t rev;                    /* 1 at the first save; +1 at each save that changes the content */
    bool submitted;                  /* this content was accepted by the collector (users_draft_submitted) */
    uint32_t version;                /* the report version it became, when submitted */
    int64_t at;                      /* Unix seconds of the last save */
    char by[USERS_LOGIN_MAX + 1];    /* who saved it last */
    char *content;                   /* malloc'ed JSON text; users_draft_free() */
} users_draft_t;

#define USERS_DRAFT_MAX 16384        /* bytes of a draft's content */

/* Saves content as the draft of unit/dataset/period (codes).  Content equal
 * to the stored one keeps its rev (and its submitted state); other content
 * gets rev + 1 and is not submitted.  *out (may be NULL) receives the draft
 * as stored (free it with users_draft_free()).  Returns 0,
 * USERS_E_INVALID (a code that is not one, content empty or longer than
 * USERS_DRAFT_MAX), USERS_E_BAD_LOGIN or a store error. */
int users_draft_save(users_t *u, const char *unit, const char *dataset, const char *period, const char *content,
                     const char *login, int64_t now, users_draft_t *out /* OUT */);

/* The draft of unit/dataset/period into *out (free with users_draft_free()).
 * Returns 0, USERS_E_NOT_FOUND, USERS_E_INVALID or a store error. */
int users_draft_get(users_t *u, const char *unit, const char *dataset, const char *period,
                    users_draft_t *out /* OUT */);

/* Marks revision rev submitted as report version `version` (the collector
 * accepted it).  A draft changed since (another rev) is left alone.
 * Returns 0, USERS_E_NOT_FOUND, USERS_E_INVALID or a store error. */
int users_draft_submitted(users_t *u, const char *unit, const char *dataset, const char *period, uint32_t rev,
                          uint32_t version);

/* Frees what *d holds; harmless twice. */
void users_draft_free(users_draft_t *d);

#endif
