/*
 * auth.c -- sessions, the gate, who sees what, failed logins (see auth.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "layout.h"
#include "log.h"
#include "web.h"

typedef struct {
    users_session_t s;
} auth_ctx_t;

const users_session_t *auth_session(const req_t *r)
{
    const auth_ctx_t *c = r->ctx;
    return c ? &c->s : NULL;
}

static bool is_api(const req_t *r)
{
    return !strncmp(r->path, "/api/", 5) || !strcmp(r->path, "/metrics") || !strcmp(r->path, "/events");
}

static bool consttime_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la && i < lb; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static void to_login(req_t *r, resp_t *o)
{
    if (is_api(r)) {
        layout_error(r, o, 401,
                     r->en ? "Sign in first (or give the bearer token)." : "Hãy đăng nhập trước (hoặc dùng bearer token).");
        return;
    }
    /* Back where the reader was after signing in: the page with its query
     * (a POST: the page and the place the form was for -- unit, dataset,
     * period -- what it posted is not replayed). */
    static const char *const place[] = {"unit", "dataset", "period"};
    buf_t here = {0}, loc = {0};
    buf_puts(&here, r->path);
    for (int i = 0; !r->post && i < r->nargs; i++) {
        if (!strcmp(r->keys[i], "token") || !strcmp(r->keys[i], "lang"))
            continue;
        buf_printf(&here, "%c%s=", here.p && strchr(here.p, '?') ? '&' : '?', r->keys[i]);
        buf_url(&here, r->vals[i]);
    }
    for (size_t i = 0; r->post && i < sizeof place / sizeof place[0]; i++) {
        const char *v = http_form(r, place[i]);
        if (!v || !*v)
            continue;
        buf_printf(&here, "%c%s=", here.p && strchr(here.p, '?') ? '&' : '?', place[i]);
        buf_url(&here, v);
    }
    buf_puts(&loc, "/login");
    bool back = here.p && here.len <= AUTH_NEXT_MAX && strcmp(here.p, "/") && strcmp(here.p, "/overview");
    if (back) {
        buf_puts(&loc, "?next=");
        buf_url(&loc, here.p);
    }
    if (r->en)
        buf_puts(&loc, back ? "&lang=en" : "?lang=en");
    o->status = 303;
    snprintf(o->location, sizeof o->location, "%s", loc.p && loc.len < sizeof o->location ? loc.p : "/login");
    buf_printf(&o->body, "<a href=\"%s\">login</a>", o->location);
    buf_free(&here);
    buf_free(&loc);
}

bool auth_next_ok(const char *next)
{
    if (!next || next[0] != '/' || next[1] == '/' || next[1] == '\\' || strlen(next) > AUTH_NEXT_MAX)
        return false;
    if (!strncmp(next, "/login", 6) || !strncmp(next, "/logout", 7))
        return false;
    for (const unsigned char *p = (const unsigned char *)next; *p; p++)
        if (*p < 0x21 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    return true;
}

bool auth_gate(req_t *r, resp_t *o)
{
    web_t *w = web_of(r);
    if (!w->users) /* accounts off: the bearer token alone, as before */
        return r->h->cfg.token && *r->h->cfg.token && !r->token_ok && strcmp(r->path, "/healthz")
                   ? (http_error(r, o, 401, "This server needs a bearer token (Authorization: Bearer ...)."), true)
                   : false;
    if (r->post && !web_takes_form(r->path)) {
        layout_error(r, o, 405,
                     r->en ? "This page takes no form (only GET and HEAD)."
                           : "Trang này không nhận biểu mẫu (chỉ GET và HEAD).");
        return true;
    }
    if (!strcmp(r->path, "/healthz") || !strcmp(r->path, "/login"))
        return false;
    if (r->token_ok && !r->post)
        return false; /* a machine with the bearer token: reads everything */
    const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, AUTH_COOKIE);
    auth_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        abort();
    int rc = tok ? users_session_get(w->users, tok, clock_now(), &c->s) : USERS_E_NOT_FOUND;
    if (rc) {
        free(c);
        if (rc != USERS_E_NOT_FOUND && rc != USERS_E_EXPIRED && rc != USERS_E_REVOKED && rc != USERS_E_DISABLED)
            log_warn("session: %s", users_strerror(rc));
        to_login(r, o);
        return true;
    }
    r->ctx = c;
    r->ctx_free = free;
    users_session_touch(w->users, tok, clock_now());
    if (r->post) {
        const char *csrf = http_form(r, "csrf");
        if (!csrf || !consttime_eq(csrf, c->s.csrf)) {
            layout_error(r, o, 403,
                         r->en ? "The form's security token is missing or wrong: reload the page and try again."
                               : "Thiếu hoặc sai mã bảo mật của biểu mẫu: hãy tải lại trang rồi thử lại.");
            return true;
        }
    }
    return false;
}

static bool user_may_see(const catalog_t *cat, const users_account_t *a, const char *code)
{
    return users_allows(cat, a, USERS_ROLE_VIEWER, code) || users_allows(cat, a, USERS_ROLE_REPORTER, code) ||
           users_allows(cat, a, USERS_ROLE_APPROVER, code);
}

bool auth_may_see(req_t *r, int node)
{
    const users_session_t *s = auth_session(r);
    return !s || user_may_see(web_of(r)->cat, &s->user, web_of(r)->cat->units[node].code);
}

/* ---- the event stream ----------------------------------------------------- */

typedef struct {
    web_t *w;
    char token[USERS_TOKEN_LEN + 1];
} auth_stream_t;

void *auth_sse_open(req_t *r)
{
    const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, AUTH_COOKIE);
    if (!auth_session(r) || !tok)
        return NULL; /* accounts off, or a machine: every event */
    auth_stream_t *st = calloc(1, sizeof *st);
    if (!st)
        abort();
    st->w = web_of(r);
    snprintf(st->token, sizeof st->token, "%s", tok);
    return st;
}

int auth_sse_may(void *state, const char *unit)
{
    auth_stream_t *st = state;
    users_session_t s;
    /* the session is read again for every event: a logout, a disabled user
     * or a changed password ends the stream at the next event */
    if (users_session_get(st->w->users, st->token, clock_now(), &s))
        return -1;
    return catalog_unit(st->w->cat, unit) >= 0 && user_may_see(st->w->cat, &s.user, unit);
}

void auth_sse_close(void *state)
{
    free(state);
}

int auth_default_node(req_t *r)
{
    const catalog_t *cat = web_of(r)->cat;
    int root = cat->nunits ? cat->preorder[0] : -1;
    const users_session_t *s = auth_session(r);
    if (!s || (s->user.roles & USERS_ROLE_ADMIN) || !s->user.unit[0])
        return root;
    int u = catalog_unit(cat, s->user.unit);
    return u >= 0 ? u : root;
}

void auth_user_name(req_t *r, buf_t *b, const char *login)
{
    users_account_t a;
    users_t *u = web_of(r)->users;
    buf_esc(b, u && login && users_get(u, login, &a) == 0 && a.name[0] ? a.name : login);
}

void auth_csrf_field(req_t *r, buf_t *b)
{
    const users_session_t *s = auth_session(r);
    if (s)
        buf_printf(b, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", s->csrf);
}

/* ---- failed logins ------------------------------------------------------- */

static auth_fail_t *slot(web_t *w, const char *key, int64_t now, bool create)
{
    auth_fail_t *oldest = &w->fails[0];
    for (int i = 0; i < AUTH_FAIL_SLOTS; i++) {
        auth_fail_t *f = &w->fails[i];
        if (f->key[0] && now - f->first >= AUTH_FAIL_WINDOW_S)
            f->key[0] = '\0';
        if (f->key[0] && !strcmp(f->key, key))
            return f;
        if (!f->key[0] || (oldest->key[0] && f->first < oldest->first))
            oldest = f;
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof *oldest);
    snprintf(oldest->key, sizeof oldest->key, "%s", key);
    oldest->first = now;
    return oldest;
}

static void keys(char lk[96], char ak[96], const char *login, const char *addr)
{
    snprintf(lk, 96, "l:");
    for (size_t i = 0; login[i] && i < 80; i++)
        lk[2 + i] = (char)(login[i] >= 'A' && login[i] <= 'Z' ? login[i] + 32 : login[i]), lk[3 + i] = '\0';
    snprintf(ak, 96, "a:%s", addr);
}

bool auth_limited(req_t *r, const char *login, const char *addr, int64_t now)
{
    web_t *w = web_of(r);
    char lk[96], ak[96];
    keys(lk, ak, login, addr);
    auth_fail_t *a = slot(w, lk, now, false), *b = slot(w, ak, now, false);
    return (a && a->count >= AUTH_FAIL_MAX) || (b && b->count >= AUTH_FAIL_MAX_ADDR);
}

void auth_failed(req_t *r, const char *login, const char *addr, int64_t now)
{
    web_t *w = web_of(r);
    char lk[96], ak[96];
    keys(lk, ak, login, addr);
    slot(w, lk, now, true)->count++;
    slot(w, ak, now, true)->count++;
}

void auth_audit(req_t *r, const char *login, const char *action, const char *unit, const char *detail)
{
    web_t *w = web_of(r);
    char addr[64];
    users_event_t e = {.at = clock_now(), .login = login, .source = http_peer(r, addr, sizeof addr),
                       .action = action, .unit = unit, .detail = detail};
    int rc = users_audit_append(w->users, &e, NULL);
    if (rc)
        log_error("audit %s: %s", action, users_strerror(rc));
}
