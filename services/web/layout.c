/*
 * layout.c -- the frame of every HTML page, the error answers and the
 * navigation pieces (see layout.h).
 */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "layout.h"
#include "view.h"
#include "web.h"

static const char *CSS =
    "body{font-family:system-ui,'Segoe UI',Roboto,Arial,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}"
    "header{background:#8b1c1c;color:#fff;padding:.6em 1em;display:flex;flex-wrap:wrap;gap:1em;align-items:center}"
    "header a{color:#fff;text-decoration:none;margin-right:.8em}header a.on{font-weight:bold;text-decoration:underline}"
    "header .brand{font-weight:bold;margin-right:1.5em}header .lang{margin-left:auto}"
    "main{padding:1em 1.5em;max-width:1200px}"
    "table{border-collapse:collapse;background:#fff;margin:.5em 0 1.2em}th,td{border:1px solid #d0d7de;padding:.3em .6em;"
    "vertical-align:top}th{background:#eef2f6;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".crumb a{margin-right:.3em}.note{color:#57606a}.warn{background:#fff4d6;border:1px solid #e3b341;padding:.6em 1em}"
    ".err{background:#ffe3e3;border:1px solid #d1242f;padding:.6em 1em}"
    ".st-on_time,.st-met,.st-on_track{color:#116329}.st-late,.st-above_max{color:#9a6700}"
    ".st-missing,.st-behind{color:#d1242f;font-weight:bold}.st-pending,.st-no_data{color:#57606a}"
    "form.f{margin:.5em 0;display:flex;gap:.6em;flex-wrap:wrap;align-items:end}form.f label{display:flex;"
    "flex-direction:column;font-size:.85em}.filters a{margin-right:.6em}.filters a.on{font-weight:bold}"
    "#live{font-size:.85em;color:#57606a}"
    "ul.kpi{list-style:none;padding:0;margin:.5em 0;display:flex;flex-wrap:wrap;gap:.5em}"
    "ul.kpi li{background:#fff;border:1px solid #d0d7de;padding:.4em .8em;min-width:6.5em}"
    "ul.kpi span{display:block;font-size:.8em;color:#57606a}ul.kpi b{font-size:1.3em}"
    /* a wide table scrolls inside its own box; charts shrink to the screen */
    ".scroll{overflow-x:auto;max-width:100%;margin:.5em 0 1.2em}.scroll table{margin:0}"
    "svg{max-width:100%;height:auto}"
    "@media (max-width:600px){main{padding:.6em}header{padding:.5em .6em;gap:.4em}header a{margin-right:.5em}"
    "header .lang{margin-left:0}.opt{display:none}h1{font-size:1.3em}}"
    /* the report form (/entry): one column, big targets for fingers */
    "form.entry{max-width:46em}fieldset.grp{border:1px solid #d0d7de;background:#fff;margin:0 0 1em;padding:.4em .8em}"
    "fieldset.grp legend{font-weight:bold;padding:0 .3em}.fld{margin:.6em 0 .9em}.fld label{display:block}"
    ".fld input:not([type=checkbox]),.fld textarea,.f select{font-size:1em;padding:.35em;box-sizing:border-box;"
    "width:100%;max-width:22em;font-family:inherit}.fld textarea{max-width:100%}"
    "form.f label{min-width:0;max-width:100%}.f select{width:100%;max-width:28em}"
    "label.chk{display:flex;gap:.5em;align-items:center;padding:.2em 0}label.chk input{width:1.3em;height:1.3em}"
    "fieldset.tags{border:0;padding:0;margin:0}fieldset.tags legend{padding:0}"
    ".fld small{display:block;color:#57606a;font-size:.85em}.fld small.changed{color:#9a6700}"
    ".measure{color:#57606a}.req{color:#d1242f}.fld.bad input{border:2px solid #d1242f}"
    ".ferr{color:#d1242f;margin:.2em 0;font-weight:bold}.ok{background:#dafbe1;border:1px solid #1a7f37;padding:.6em 1em}"
    ".actions button{font-size:1.05em;padding:.5em 1em;margin:.2em .4em .2em 0}"
    "button.primary{background:#8b1c1c;color:#fff;border:1px solid #8b1c1c}"
    /* the approval page (/approve): the rows that differ from the previous version */
    "tr.changed td{background:#fff4d6}form.decide textarea{font-family:inherit;font-size:1em;padding:.35em;"
    "box-sizing:border-box}"
    /* a comment beside a value: folded under its field; shown under the value on /approve */
    "details.cmt{margin:.2em 0;font-size:.9em}details.cmt summary{color:#0969da;cursor:pointer;padding:.2em 0}"
    "td small.cmt{display:block;color:#57606a;font-style:italic;text-align:left}";

/* "1" when the request asks the overview over approved reports only and the
 * link goes to the overview (which keeps that choice), else NULL. */
static const char *kept_approved(const req_t *r, const char *path)
{
    const char *ap = http_arg(r, "approved");
    return ap && !strcmp(ap, "1") && !strcmp(path, "/overview") ? "1" : NULL;
}

static const char *SCRIPT =
    "(function(){if(!window.EventSource||!window.fetch)return;var q=location.search.match(/[?&]token=([^&]*)/);"
    "var es=new EventSource('/events'+(q?'?token='+q[1]:''));var t=null;var live=document.getElementById('live');"
    "es.addEventListener('applied',function(e){var d={};try{d=JSON.parse(e.data)}catch(x){}"
    "clearTimeout(t);t=setTimeout(function(){fetch(location.href,{credentials:'same-origin'}).then(function(r){"
    "return r.text()}).then(function(h){var doc=new DOMParser().parseFromString(h,'text/html');"
    "var m=doc.querySelector('main'),o=document.querySelector('main');if(m&&o){o.replaceWith(m);}"
    "var l=document.getElementById('live');if(l){l.textContent=(l.dataset.msg||'')+' '+(d.unit||'')+' '+"
    "new Date().toLocaleTimeString();}document.body.setAttribute('data-seq',d.seq||'');});},250);});"
    "es.onopen=function(){if(live)live.setAttribute('data-connected','1')};})();";

/* With accounts on, a visitor who has not signed in (the login page, an
 * error): no dashboard links it could not open, no live updates it may not
 * receive. */
static bool signed_out(req_t *r)
{
    return web_of(r)->users && !auth_session(r) && !r->token_ok;
}

/* The navigation: the four pages, for the same unit, period and dataset. */
static void nav(req_t *r, buf_t *b, const char *active, const layout_place_t *pl)
{
    if (signed_out(r))
        return;
    static const struct {
        const char *path, *vi, *en;
    } items[] = {{"/overview", "Tổng quan", "Overview"},
                 {"/completeness", "Tình hình nộp báo cáo", "Completeness"},
                 {"/targets", "Tiến độ chỉ tiêu", "Targets"},
                 {"/report", "Báo cáo tổng hợp", "Consolidated report"}};
    buf_puts(b, "<nav>");
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        buf_puts(b, "<a ");
        view_href(b, r, items[i].path, "node", pl->node, "dataset", pl->dataset, "period", pl->period, "approved",
                  kept_approved(r, items[i].path), NULL);
        buf_printf(b, "%s>%s</a>", !strcmp(active, items[i].path) ? " class=\"on\"" : "",
                   T(r, items[i].vi, items[i].en));
    }
    const users_session_t *s = auth_session(r);
    if (s && (s->user.roles & USERS_ROLE_REPORTER)) { /* data entry, for reporters */
        buf_puts(b, "<a ");
        view_href(b, r, "/entry", NULL);
        buf_printf(b, "%s>%s</a>", !strcmp(active, "/entry") ? " class=\"on\"" : "", T(r, "Nhập báo cáo", "Enter a report"));
    }
    if (s && web_of(r)->gw && (s->user.roles & (USERS_ROLE_APPROVER | USERS_ROLE_ADMIN)))
        buf_printf(b, "<a href=\"/approve%s\"%s>%s</a>", r->en ? "?lang=en" : "",
                   !strcmp(active, "/approve") ? " class=\"on\"" : "", T(r, "Duyệt báo cáo", "Approvals"));
    if (s && (s->user.roles & USERS_ROLE_REPORTER)) buf_printf(b, "<a href=\"/entry/upload%s\"%s>%s</a>", r->en ? "?lang=en" : "", !strcmp(active, "/entry/upload") ? " class=\"on\"" : "", T(r, "Nộp bằng Excel", "Excel upload"));
    if (s) { /* accounts: who is signed in, and the logout form (with the CSRF token) */
        buf_puts(b, " <form method=\"post\" action=\"/logout\" class=\"logout\"><span data-user=\"");
        buf_esc(b, s->user.login);
        buf_puts(b, "\">");
        buf_esc(b, s->user.name);
        buf_puts(b, "</span> ");
        auth_csrf_field(r, b);
        buf_printf(b, "<button type=\"submit\">%s</button></form>", T(r, "Đăng xuất", "Sign out"));
    }
    buf_puts(b, "</nav>");
}

/* The language switch: this URL with every parameter but lang and token,
 * the period resolved when the request had none, and the other language. */
static void lang_switch(req_t *r, buf_t *b, const layout_place_t *pl)
{
    buf_puts(b, "<span class=\"lang\"><a id=\"lang-switch\" href=\"");
    buf_esc(b, r->path);
    char sep = '?';
    for (int i = 0; i < r->nargs; i++) {
        if (!strcmp(r->keys[i], "lang") || !strcmp(r->keys[i], "token"))
            continue;
        buf_t tmp = {0};
        buf_printf(&tmp, "%c%s=", sep, r->keys[i]);
        buf_url(&tmp, r->vals[i]);
        buf_esc(b, tmp.p);
        buf_free(&tmp);
        sep = '&';
    }
    if (pl->period && !http_arg(r, "period") && !http_arg(r, "from") && !http_arg(r, "to")) {
        buf_printf(b, "%cperiod=", sep);
        buf_url(b, pl->period);
        sep = '&';
    }
    buf_printf(b, "%clang=%s\">%s</a></span>", sep, r->en ? "vi" : "en", r->en ? "Tiếng Việt" : "English");
}

void layout_begin(req_t *r, buf_t *b, const char *title, const char *active, const layout_place_t *pl)
{
    static const layout_place_t nowhere = {0};
    if (!pl)
        pl = &nowhere;
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"");
    buf_puts(b, r->en ? "en" : "vi");
    buf_puts(b, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,"
                "initial-scale=1\"><title>");
    buf_esc(b, title);
    buf_puts(b, " — CCHC Hải Phòng</title><style>");
    buf_puts(b, CSS);
    buf_puts(b, "</style></head><body><header><span class=\"brand\">");
    buf_puts(b, T(r, "Tuyên truyền CCHC Hải Phòng", "Hai Phong CCHC reporting"));
    buf_puts(b, "</span>");
    nav(r, b, active, pl);
    lang_switch(r, b, pl);
    buf_puts(b, "</header>\n<main data-node=\"");
    buf_esc(b, pl->node ? pl->node : "");
    buf_puts(b, "\" data-dataset=\"");
    buf_esc(b, pl->dataset ? pl->dataset : "");
    buf_puts(b, "\" data-period=\"");
    buf_esc(b, pl->period ? pl->period : "");
    buf_puts(b, "\">");
}

void layout_end(req_t *r, buf_t *b)
{
    if (signed_out(r)) {
        buf_puts(b, "</main></body></html>\n");
        return;
    }
    buf_printf(b, "<p id=\"live\" data-msg=\"%s\"></p></main>\n<script>", T(r, "Đã cập nhật:", "Updated:"));
    buf_puts(b, SCRIPT);
    buf_puts(b, "</script></body></html>\n");
}

void layout_end_static(req_t *r, buf_t *b)
{
    (void)r;
    buf_puts(b, "</main></body></html>\n");
}

/* The heading of an error page: what happened, in words. */
static const char *status_title(const req_t *r, int status)
{
    switch (status) {
    case 400: return T(r, "Yêu cầu không hợp lệ", "Bad request");
    case 401: return T(r, "Cần đăng nhập", "Sign-in needed");
    case 403: return T(r, "Không được phép", "Not allowed");
    case 404: return T(r, "Không tìm thấy", "Not found");
    case 405: return T(r, "Thao tác không được phép", "Method not allowed");
    case 503: return T(r, "Tạm thời chưa có số liệu", "Temporarily unavailable");
    default: return T(r, "Có lỗi xảy ra", "Something went wrong");
    }
}

void layout_error(req_t *r, resp_t *o, int status, const char *msg)
{
    layout_failure(r, o, status, NULL, msg);
}

void layout_failure(req_t *r, resp_t *o, int status, const char *lead, const char *msg)
{
    buf_free(&o->body);
    o->status = status;
    if (view_is_api(r) || !strcmp(r->path, "/metrics") || !strcmp(r->path, "/events")) {
        o->ctype = "application/json; charset=utf-8";
        json_t *j = json_pack("{s:{s:i, s:s}}", "error", "status", status, "message", msg);
        buf_json(&o->body, j);
        json_decref(j);
        return;
    }
    o->ctype = "text/html; charset=utf-8";
    buf_t *b = &o->body;
    buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                  "content=\"width=device-width,initial-scale=1\">", r->en ? "en" : "vi");
    if (status == 503)
        buf_puts(b, "<meta http-equiv=\"refresh\" content=\"10\">");
    const char *what = status_title(r, status);
    buf_printf(b, "<title>%s</title><style>%s</style></head><body><header><span class=\"brand\">%s</span>"
                  "<nav><a href=\"/overview%s\">%s</a></nav></header><main><h1 data-status=\"%d\">%s</h1>"
                  "<p class=\"%s\" id=\"error\">",
               what, CSS, T(r, "Tuyên truyền CCHC Hải Phòng", "Hai Phong CCHC reporting"), r->en ? "?lang=en" : "",
               T(r, "Tổng quan", "Overview"), status, what, status == 503 ? "warn" : "err");
    /* the sentence for the reader; the aggregator's own words (with its
     * code) only folded away, for whoever reports the problem */
    buf_esc(b, lead ? lead : msg);
    buf_puts(b, "</p>");
    if (lead) {
        buf_printf(b, "<details class=\"note\"><summary>%s</summary><p id=\"detail\">", T(r, "Chi tiết kỹ thuật", "Technical detail"));
        buf_esc(b, msg);
        buf_puts(b, "</p></details>");
    }
    buf_puts(b, "</main></body></html>\n");
}

void layout_breadcrumb(req_t *r, buf_t *b, int node, const char *path, int ds, const char *period)
{
    const catalog_t *c = web_of(r)->cat;
    int chain[64], n = 0;
    for (int u = node; u >= 0 && n < 64; u = c->units[u].parent)
        chain[n++] = u;
    buf_puts(b, "<p class=\"crumb\">");
    for (int i = n - 1; i >= 0; i--) {
        if (!auth_may_see(r, chain[i])) { /* above the reader's own subtree: its name, not a door it cannot open */
            buf_esc(b, c->units[chain[i]].name);
        } else {
            buf_puts(b, "<a ");
            view_href(b, r, path, "node", c->units[chain[i]].code, "dataset", c->datasets[ds].code, "period", period,
                      "approved", kept_approved(r, path), NULL);
            buf_puts(b, ">");
            buf_esc(b, c->units[chain[i]].name);
            buf_puts(b, "</a>");
        }
        if (i)
            buf_puts(b, " › ");
    }
    buf_puts(b, "</p>");
}

void layout_dataset_select(req_t *r, buf_t *b, int ds)
{
    const catalog_t *c = web_of(r)->cat;
    buf_printf(b, "<label>%s<select name=\"dataset\">", T(r, "Loại báo cáo", "Report"));
    for (int i = 0; i < c->ndatasets; i++) {
        buf_puts(b, "<option value=\"");
        buf_esc(b, c->datasets[i].code);
        buf_printf(b, "\"%s>", i == ds ? " selected" : "");
        buf_esc(b, catalog_dataset_name(c, i, r->en));
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select></label>");
}

void layout_selector(req_t *r, buf_t *b, const char *path, int node, int ds, const char *period)
{
    const catalog_t *c = web_of(r)->cat;
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"");
    buf_esc(b, path);
    buf_puts(b, "\"><input type=\"hidden\" name=\"node\" value=\"");
    buf_esc(b, c->units[node].code);
    buf_puts(b, "\">");
    if (ds >= 0) {
        layout_dataset_select(r, b, ds);
    } else if (http_arg(r, "dataset")) {
        buf_puts(b, "<input type=\"hidden\" name=\"dataset\" value=\"");
        buf_esc(b, http_arg(r, "dataset"));
        buf_puts(b, "\">");
    }
    buf_printf(b, "<label>%s<input name=\"period\" size=\"8\" value=\"%s\"></label>", T(r, "Kỳ", "Period"),
               period);
    if (http_arg(r, "lang"))
        buf_printf(b, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", r->en ? "en" : "vi");
    const char *ap = http_arg(r, "approved"); /* the overview's choice of figures stays */
    if (ap && !strcmp(ap, "1"))
        buf_puts(b, "<input type=\"hidden\" name=\"approved\" value=\"1\">");
    buf_printf(b, "<button>%s</button></form>", T(r, "Xem", "Show"));
}
