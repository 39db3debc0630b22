/*
 * auth.h -- accounts in cchc-web ([web] accounts = yes): the session of a
 * request, the gate every request passes (session cookie or bearer token,
 * CSRF token of every POST), who may see which unit, and the limit on
 * failed logins.  With accounts off, every function lets everything pass.
 *
 * Pages include this header; the HTTP layer knows nothing of it (it only
 * calls the gate through http_config_t.gate).
 */
#ifndef CCHC_WEB_AUTH_H
#define CCHC_WEB_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "http.h"
#include "users.h"

#define AUTH_COOKIE "cchc_session"
#define AUTH_FAIL_MAX 5          /* failed logins per login name ... */
#define AUTH_FAIL_MAX_ADDR 20    /* ... and per client address (an office behind one NAT address) ... */
#define AUTH_FAIL_WINDOW_S 900   /* ... within 15 minutes */
#define AUTH_FAIL_SLOTS 512      /* entries of the failure table (oldest replaced) */

typedef struct {
    char key[96];                /* "l:login" or "a:address" */
    int64_t first;               /* the window's first failure */
    int count;
} auth_fail_t;

/* The gate (http_gate_fn): a POST to a path that takes no form (routes.c
 * WEB_FORMS) is
 * 405; /healthz and /login pass; a request with the
 * bearer token passes as a machine (it sees everything); otherwise the
 * session cookie must open a session (else 401 for /api/, /metrics, /events;
 * a redirect to /login for pages); a POST must carry the session's CSRF
 * token in the form field csrf (else 403). */
bool auth_gate(req_t *r, resp_t *out);

/* The session of the request, or NULL (accounts off, or a machine with the
 * bearer token). */
const users_session_t *auth_session(const req_t *r);

/* true when the request may read unit `node` (catalog index): accounts off,
 * a machine, an admin, a viewer of an ancestor, a reporter or approver of
 * the unit itself. */
bool auth_may_see(req_t *r, int node);
/* The SSE stream's filter (http_sse_filter_t): a reader with a session gets
 * the events of the units it may see, and its stream ends at the first
 * event after its session ends; accounts off or a machine: every event. */
void *auth_sse_open(req_t *r);
int auth_sse_may(void *state, const char *unit);
void auth_sse_close(void *state);

/* The unit a page opens on when none is asked: the user's unit; the root for
 * an admin, a machine, or without accounts. */
int auth_default_node(req_t *r);

/* A page without a session is sent to /login?next=PAGE (its path and query,
 * at most AUTH_NEXT_MAX bytes); after signing in, the reader goes back to
 * PAGE when auth_next_ok(): a local path ("/entry?..."), never another
 * site ("//evil", "http:..."), nor /login or /logout. */
#define AUTH_NEXT_MAX 256
bool auth_next_ok(const char *next);

/* The display name of user `login` ("Nguyễn Thị Lan") for a page, escaped
 * into b; the login itself when there is no such account (any more) or
 * accounts are off. */
void auth_user_name(req_t *r, buf_t *b, const char *login);

/* <input type=hidden name=csrf value=...> for the request's session (nothing
 * without one). */
void auth_csrf_field(req_t *r, buf_t *b);

/* The limit on failed logins: true when `login` has had AUTH_FAIL_MAX, or
 * `addr` AUTH_FAIL_MAX_ADDR, failures in the last AUTH_FAIL_WINDOW_S
 * seconds.  The table is in memory: a restart forgets it. */
bool auth_limited(req_t *r, const char *login, const char *addr, int64_t now);
/* Counts one failure of both. */
void auth_failed(req_t *r, const char *login, const char *addr, int64_t now);

/* Appends an audit event (errors are logged, never fatal). */
void auth_audit(req_t *r, const char *login, const char *action, const char *unit, const char *detail);

#endif
