/*
 * page_login.c -- /login (GET: the form; POST: check the password off the
 * loop thread, open a session, set the cookie) and /logout (POST).
 *
 * users_verify() costs ~0.5 s of argon2id: the request is suspended
 * (http_defer) while a libuv worker runs it, and answered (http_resume) on
 * the loop thread afterwards.  Failed logins are limited per login name and
 * per address (auth.h); login, login_failed and logout are audited.
 *
 * The form has a CSRF token too, though no session exists yet (a forged
 * login would sign the victim in as the attacker): a random token in a
 * cookie of its own (LOGIN_COOKIE, path /login) and the same in the form's
 * csrf field; a POST whose two do not match is refused before any password
 * is checked.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "clock.h"
#include "log.h"
#include "page.h"



#define LOGIN_COOKIE "cchc_login"
#define LOGIN_TOKEN_BYTES 32

/* The request's login token (LOGIN_COOKIE), or NULL when it has none of the
 * right shape. */
static const char *login_cookie(req_t *r)
{
    const char *t = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);
    if (!t || strlen(t) != 2 * LOGIN_TOKEN_BYTES || strspn(t, "0123456789abcdef") != 2 * LOGIN_TOKEN_BYTES)
        return NULL;
    return t;
}

/* The form's token: the request's own, else a new one set as the cookie. */
static void login_token(req_t *r, resp_t *o, char out[2 * LOGIN_TOKEN_BYTES + 1])
{
    const char *t = login_cookie(r);
    if (t) {
        memcpy(out, t, 2 * LOGIN_TOKEN_BYTES + 1);
        return;
    }
    unsigned char raw[LOGIN_TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, 2 * LOGIN_TOKEN_BYTES + 1, raw, sizeof raw);
    snprintf(o->cookie, sizeof o->cookie, LOGIN_COOKIE "=%s; Path=/login; HttpOnly; SameSite=Strict; Max-Age=86400%s",
             out, web_of(r)->secure_cookies ? "; Secure" : "");
}

/* ---- the form ---------------------------------------------------------- */

static void login_form(req_t *r, resp_t *o, int status, const char *msg, const char *login)
{
    buf_t *b = &o->body;
    char token[2 * LOGIN_TOKEN_BYTES + 1];
    o->status = status;
    login_token(r, o, token);
    layout_begin(r, b, T(r, "Đăng nhập", "Sign in"), "", NULL);
    buf_printf(b, "<h1>%s</h1>", T(r, "Đăng nhập", "Sign in"));
    const char *next = r->post ? http_form(r, "next") : http_arg(r, "next");
    if (msg) {
        buf_puts(b, "<p class=\"error\" role=\"alert\" data-error=\"login\">");
        buf_esc(b, msg);
        buf_puts(b, "</p>");
    } else if (auth_next_ok(next)) { /* sent here by a page: say why */
        buf_printf(b, "<p class=\"warn\" id=\"why\">%s</p>",
                   T(r, "Bạn chưa đăng nhập hoặc phiên làm việc đã hết hạn. Hãy đăng nhập để tiếp tục; "
                        "số liệu đã “Lưu nháp” vẫn còn nguyên.",
                     "You are not signed in, or your session has ended. Sign in to go on; "
                     "what you saved as a draft is still there."));
    }
    buf_printf(b, "<form method=\"post\" action=\"/login%s\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">",
               r->en ? "?lang=en" : "", token);
    if (auth_next_ok(next)) { /* where to go back after signing in */
        buf_puts(b, "<input type=\"hidden\" name=\"next\" value=\"");
        buf_esc(b, next);
        buf_puts(b, "\">");
    }
    buf_printf(b, "<p><label>%s<br><input name=\"login\" autocomplete=\"username\" required value=\"",
               T(r, "Tên đăng nhập", "Login"));
    buf_esc(b, login ? login : "");
    buf_printf(b, "\"></label></p><p><label>%s<br><input type=\"password\" name=\"password\" "
                  "autocomplete=\"current-password\" required></label></p>",
               T(r, "Mật khẩu", "Password"));
    buf_printf(b, "<p><button type=\"submit\">%s</button></p></form>", T(r, "Đăng nhập", "Sign in"));
    layout_end(r, b);
}

/* ---- the check, off the loop thread -------------------------------------- */

typedef struct {
    uv_work_t work;
    req_t *r;
    users_t *users;
    char login[USERS_LOGIN_MAX + 1];
    char password[257];
    char addr[64];
    int rc;
    users_account_t acct;
} login_job_t;

static void verify_work(uv_work_t *wk)
{
    login_job_t *j = wk->data;
    j->rc = users_verify(j->users, j->login, j->password, &j->acct);
    sodium_memzero(j->password, sizeof j->password);
}

static void verify_done(uv_work_t *wk, int status)
{
    login_job_t *j = wk->data;
    req_t *r = j->r;
    web_t *w = web_of(r);
    resp_t o;
    memset(&o, 0, sizeof o);
    int64_t now = clock_now();
    char token[USERS_TOKEN_LEN + 1];
    if (status == 0 && j->rc == 0 && users_session_new(w->users, j->acct.login, now, token, NULL) == 0) {
        auth_audit(r, j->acct.login, "login", j->acct.unit, "");
        snprintf(o.cookie, sizeof o.cookie, AUTH_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
                 w->secure_cookies ? "; Secure" : "");
        sodium_memzero(token, sizeof token);
        o.status = 303;
        const char *next = http_form(r, "next");
        if (auth_next_ok(next))
            snprintf(o.location, sizeof o.location, "%s%s", next,
                     !r->en ? "" : strchr(next, '?') ? "&lang=en" : "?lang=en");
        else
            snprintf(o.location, sizeof o.location, "/overview%s", r->en ? "?lang=en" : "");
        buf_printf(&o.body, "<a href=\"%s\">overview</a>", o.location);
    } else {
        auth_failed(r, j->login, j->addr, now);
        auth_audit(r, j->login, "login_failed", "", j->rc == USERS_E_DISABLED ? "disabled" : "");
        if (j->rc && j->rc != USERS_E_BAD_PASSWORD && j->rc != USERS_E_DISABLED)
            log_error("login: %s", users_strerror(j->rc));
        login_form(r, &o, 401,
                   j->rc == USERS_E_DISABLED ? T(r, "Tài khoản này đã bị khóa.", "This account is disabled.")
                                             : T(r, "Sai tên đăng nhập hoặc mật khẩu.", "Wrong login or password."),
                   j->login);
    }
    free(j);
    http_resume(r, &o);
}

static void login_post(req_t *r, resp_t *o)
{
    web_t *w = web_of(r);
    const char *login = http_form(r, "login"), *password = http_form(r, "password");
    char addr[64];
    http_peer(r, addr, sizeof addr);
    const char *mine = login_cookie(r), *sent = http_form(r, "csrf");
    if (!mine || !sent || strlen(sent) != strlen(mine) || sodium_memcmp(mine, sent, strlen(mine))) {
        login_form(r, o, 403,
                   T(r, "Trang đăng nhập đã cũ hoặc thiếu mã bảo mật (trình duyệt cần cho phép cookie). "
                        "Hãy nhập lại tên đăng nhập và mật khẩu.",
                     "The sign-in page was stale or had no security token (the browser must accept cookies). "
                     "Enter your login and password again."),
                   login && strlen(login) <= USERS_LOGIN_MAX ? login : NULL);
        return;
    }
    if (!login || !password || !*login || strlen(login) > USERS_LOGIN_MAX) {
        login_form(r, o, 400, T(r, "Hãy nhập tên đăng nhập và mật khẩu.", "Enter your login and password."), login);
        return;
    }
    if (auth_limited(r, login, addr, clock_now())) {
        auth_audit(r, login, "login_failed", "", "rate-limited");
        login_form(r, o, 429,
                   T(r, "Đăng nhập sai quá nhiều lần. Vui lòng chờ 15 phút rồi thử lại.",
                     "Too many failed sign-ins. Please wait 15 minutes and try again."),
                   login);
        return;
    }
    login_job_t *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    j->r = r;
    j->users = w->users;
    j->work.data = j;
    snprintf(j->login, sizeof j->login, "%s", login);
    snprintf(j->password, sizeof j->password, "%s", password);
    snprintf(j->addr, sizeof j->addr, "%s", addr);
    http_defer(r);
    if (uv_queue_work(w->loop, &j->work, verify_work, verify_done)) {
        j->rc = USERS_E_CRYPTO;
        verify_done(&j->work, -1);
    }
}

void page_login(req_t *r, resp_t *o)
{
    if (!web_of(r)->users) {
        layout_error(r, o, 404, "There is no such page (accounts are off).");
        return;
    }
    if (r->post)
        login_post(r, o);
    else
        login_form(r, o, 200, NULL, NULL);
}

void page_logout(req_t *r, resp_t *o)
{
    web_t *w = web_of(r);
    const users_session_t *s = auth_session(r);
    if (!w->users || !r->post || !s) {
        layout_error(r, o, r->post ? 404 : 405, "Log out with the form's POST.");
        return;
    }
    const char *tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, AUTH_COOKIE);
    if (tok)
        users_session_end(w->users, tok);
    auth_audit(r, s->user.login, "logout", s->user.unit, "");
    snprintf(o->cookie, sizeof o->cookie, AUTH_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             w->secure_cookies ? "; Secure" : "");
    o->status = 303;
    snprintf(o->location, sizeof o->location, "/login%s", r->en ? "?lang=en" : "");
}
