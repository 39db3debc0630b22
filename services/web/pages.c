/*
 * pages.c -- cchc-web's pages (HTML, Vietnamese with an English switch) and
 * their JSON twins under /api/.  Every catalog string is HTML-escaped.
 * Pages work without JavaScript; a small inline script listens to /events
 * and refreshes the page's <main> when a submission is applied.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "report.h"
#include "web.h"

#define T(r_, vi_, en_) ((r_)->en ? (en_) : (vi_))

/* ------------------------------------------------------------------------
 * Small helpers
 * ------------------------------------------------------------------------ */

static bool is_api(const req_t *r) { return !strncmp(r->path, "/api/", 5); }

static void fmt_int(buf_t *b, int64_t v, bool en)
{
    char tmp[32], out[48];
    snprintf(tmp, sizeof tmp, "%" PRId64, v < 0 ? -v : v);
    size_t n = strlen(tmp), o = 0;
    if (v < 0)
        out[o++] = '-';
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = en ? ',' : '.';
        out[o++] = tmp[i];
    }
    out[o] = '\0';
    buf_puts(b, out);
}

static void fmt_pct(buf_t *b, double share, bool en)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.1f%%", 100.0 * share);
    if (!en)
        for (char *p = tmp; *p; p++)
            if (*p == '.')
                *p = ',';
    buf_puts(b, tmp);
}

static const char *kind_label(const char *k, bool en)
{
    static const struct {
        const char *k, *vi, *en;
    } t[] = {{"thanh_pho", "Thành phố", "City"},      {"so", "Sở", "Department"},
             {"co_quan", "Cơ quan", "Agency"},         {"xa", "Xã", "Commune"},
             {"phuong", "Phường", "Ward"},             {"dac_khu", "Đặc khu", "Special zone"},
             {"phong", "Phòng", "Division"},           {"don_vi", "Đơn vị", "Unit"},
             {"to_chuc", "Tổ chức", "Organisation"},   {"tinh", "Tỉnh", "Province"},
             {"quoc_gia", "Quốc gia", "Country"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (k && !strcmp(k, t[i].k))
            return en ? t[i].en : t[i].vi;
    return k ? k : "";
}

static const char *status_label(const char *s, bool en)
{
    if (!s)
        return "";
    if (!strcmp(s, "on_time"))
        return en ? "On time" : "Đúng hạn";
    if (!strcmp(s, "late"))
        return en ? "Late" : "Trễ hạn";
    if (!strcmp(s, "missing"))
        return en ? "Missing" : "Chưa nộp (quá hạn)";
    if (!strcmp(s, "pending"))
        return en ? "Not due yet" : "Chưa đến hạn";
    if (!strcmp(s, "met"))
        return en ? "Met" : "Đạt";
    if (!strcmp(s, "on_track"))
        return en ? "On track" : "Đúng tiến độ";
    if (!strcmp(s, "behind"))
        return en ? "Behind" : "Chậm tiến độ";
    if (!strcmp(s, "above_max"))
        return en ? "Above maximum" : "Vượt mức tối đa";
    if (!strcmp(s, "no_data"))
        return en ? "No data" : "Chưa có số liệu";
    return s;
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static void time_text(buf_t *b, json_t *v)
{
    if (!json_is_integer(v)) {
        buf_puts(b, "–");
        return;
    }
    char t[40];
    time_format_iso(json_integer_value(v), t, sizeof t);
    t[16] = '\0';
    t[10] = ' ';
    buf_puts(b, t);
}

/* Appends href="PATH?k=v&..." keeping lang; pairs end with NULL. */
static void href(buf_t *b, const req_t *r, const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    buf_puts(b, "href=\"");
    buf_esc(b, path);
    char sep = '?';
    const char *k;
    while ((k = va_arg(ap, const char *))) {
        const char *v = va_arg(ap, const char *);
        if (!v || !*v)
            continue;
        buf_t tmp = {0};
        buf_printf(&tmp, "%c%s=", sep, k);
        buf_url(&tmp, v);
        buf_esc(b, tmp.p);
        buf_free(&tmp);
        sep = '&';
    }
    va_end(ap);
    const char *lang = req_arg(r, "lang");
    if (lang)
        buf_printf(b, "%clang=%s", sep == '?' ? '?' : '&', strcmp(lang, "en") ? "vi" : "en");
    buf_puts(b, "\"");
}

/* ------------------------------------------------------------------------
 * Layout
 * ------------------------------------------------------------------------ */

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
    "#live{font-size:.85em;color:#57606a}";

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

static void page_begin(req_t *r, buf_t *b, const char *title, const char *active)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"");
    buf_puts(b, r->en ? "en" : "vi");
    buf_puts(b, "\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,"
                "initial-scale=1\"><title>");
    buf_esc(b, title);
    buf_puts(b, " — CCHC Hải Phòng</title><style>");
    buf_puts(b, CSS);
    buf_puts(b, "</style></head><body><header><span class=\"brand\">");
    buf_puts(b, T(r, "Tuyên truyền CCHC Hải Phòng", "Hai Phong CCHC reporting"));
    buf_puts(b, "</span><nav>");
    static const struct {
        const char *path, *vi, *en;
    } nav[] = {{"/overview", "Tổng quan", "Overview"},
               {"/completeness", "Tình hình nộp báo cáo", "Completeness"},
               {"/targets", "Tiến độ chỉ tiêu", "Targets"},
               {"/report", "Báo cáo tổng hợp", "Consolidated report"}};
    const char *node = req_arg(r, "node");
    for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
        buf_puts(b, "<a ");
        href(b, r, nav[i].path, "node", node, NULL);
        buf_printf(b, "%s>%s</a>", !strcmp(active, nav[i].path) ? " class=\"on\"" : "", T(r, nav[i].vi, nav[i].en));
    }
    buf_puts(b, "</nav><span class=\"lang\">");
    /* the language switch keeps every other parameter */
    buf_puts(b, "<a id=\"lang-switch\" href=\"");
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
    buf_printf(b, "%clang=%s\">%s</a></span></header>\n<main>", sep, r->en ? "vi" : "en",
               r->en ? "Tiếng Việt" : "English");
}

static void page_end(req_t *r, buf_t *b)
{
    buf_printf(b, "<p id=\"live\" data-msg=\"%s\"></p></main>\n<script>", T(r, "Đã cập nhật:", "Updated:"));
    buf_puts(b, SCRIPT);
    buf_puts(b, "</script></body></html>\n");
}

void web_error(req_t *r, resp_t *o, int status, const char *msg)
{
    buf_free(&o->body);
    o->status = status;
    if (is_api(r) || !strcmp(r->path, "/metrics") || !strcmp(r->path, "/events")) {
        o->ctype = "application/json; charset=utf-8";
        json_t *j = json_pack("{s:{s:i, s:s}}", "error", "status", status, "message", msg);
        char *s = json_dumps(j, JSON_COMPACT);
        buf_puts(&o->body, s ? s : "{}");
        buf_puts(&o->body, "\n");
        free(s);
        json_decref(j);
        return;
    }
    o->ctype = "text/html; charset=utf-8";
    buf_t *b = &o->body;
    bool en = r->en;
    buf_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">", en ? "en" : "vi");
    if (status == 503)
        buf_puts(b, "<meta http-equiv=\"refresh\" content=\"10\">");
    buf_printf(b, "<title>%d</title><style>%s</style></head><body><header><span class=\"brand\">%s</span>"
                  "<nav><a href=\"/overview\">%s</a></nav></header><main><h1>%d</h1><p class=\"%s\" id=\"error\">",
               status, CSS, T(r, "Tuyên truyền CCHC Hải Phòng", "Hai Phong CCHC reporting"),
               T(r, "Tổng quan", "Overview"), status, status == 503 ? "warn" : "err");
    if (status == 503)
        buf_puts(b, T(r, "Không kết nối được với bộ tổng hợp số liệu (aggregator); trang sẽ tự thử lại. ",
                      "The aggregator does not answer; this page will retry. "));
    buf_esc(b, msg);
    buf_puts(b, "</p></main></body></html>\n");
}

/* Turns a failed query into the right answer. */
static void query_failed(req_t *r, resp_t *o, bool unavailable, const char *err)
{
    int status = 400;
    if (unavailable)
        status = 503;
    else if (strstr(err, "E_NOT_FOUND") || strstr(err, "E_UNKNOWN"))
        status = 404;
    web_error(r, o, status, err);
}

static void send_json(resp_t *o, json_t *j)
{
    o->status = 200;
    o->ctype = "application/json; charset=utf-8";
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
    buf_puts(&o->body, s ? s : "null");
    buf_puts(&o->body, "\n");
    free(s);
    json_decref(j);
}

/* ------------------------------------------------------------------------
 * Common parameters: node, dataset, period
 * ------------------------------------------------------------------------ */

typedef struct {
    int node, ds;
    period_t p;
    char period[PERIOD_CODE_MAX];
} params_t;

static int get_params(req_t *r, resp_t *o, params_t *pp, const char *node_key)
{
    const catalog_t *c = r->w->cat;
    char msg[400];
    const char *node = req_arg(r, node_key);
    pp->node = node ? catalog_unit(c, node) : (c->nunits ? c->preorder[0] : -1);
    if (pp->node < 0) {
        snprintf(msg, sizeof msg, "The unit '%s' is not in the catalog.", node ? node : "");
        web_error(r, o, 404, msg);
        return -1;
    }
    const char *ds = req_arg(r, "dataset");
    pp->ds = ds ? catalog_dataset(c, ds) : 0;
    if (pp->ds < 0 || pp->ds >= c->ndatasets) {
        snprintf(msg, sizeof msg, "The dataset '%s' is not in the catalog.", ds ? ds : "");
        web_error(r, o, 400, msg);
        return -1;
    }
    const char *per = req_arg(r, "period");
    if (per) {
        if (period_parse(per, &pp->p)) {
            snprintf(msg, sizeof msg,
                     "The period '%s' is not a period: write 202509 (month), 2025Q3 (quarter), 2025S2 (half-year) "
                     "or 2025 (year).", per);
            web_error(r, o, 400, msg);
            return -1;
        }
    } else {
        pp->p = period_of_day(date_of_time(clock_now()), c->datasets[pp->ds].ptype);
    }
    period_format(pp->p, pp->period, sizeof pp->period);
    return 0;
}

static void breadcrumb(req_t *r, buf_t *b, int node, const char *path, const params_t *pp)
{
    const catalog_t *c = r->w->cat;
    int chain[64], n = 0;
    for (int u = node; u >= 0 && n < 64; u = c->units[u].parent)
        chain[n++] = u;
    buf_puts(b, "<p class=\"crumb\">");
    for (int i = n - 1; i >= 0; i--) {
        buf_puts(b, "<a ");
        href(b, r, path, "node", c->units[chain[i]].code, "dataset", c->datasets[pp->ds].code, "period", pp->period,
             NULL);
        buf_puts(b, ">");
        buf_esc(b, c->units[chain[i]].name);
        buf_puts(b, "</a>");
        if (i)
            buf_puts(b, " › ");
    }
    buf_puts(b, "</p>");
}

static void selector_form(req_t *r, buf_t *b, const char *path, const params_t *pp, bool with_dataset)
{
    const catalog_t *c = r->w->cat;
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"");
    buf_esc(b, path);
    buf_puts(b, "\"><input type=\"hidden\" name=\"node\" value=\"");
    buf_esc(b, c->units[pp->node].code);
    buf_puts(b, "\">");
    if (with_dataset) {
        buf_printf(b, "<label>%s<select name=\"dataset\">", T(r, "Loại báo cáo", "Report"));
        for (int i = 0; i < c->ndatasets; i++) {
            buf_puts(b, "<option value=\"");
            buf_esc(b, c->datasets[i].code);
            buf_printf(b, "\"%s>", i == pp->ds ? " selected" : "");
            buf_esc(b, c->datasets[i].code);
            buf_puts(b, "</option>");
        }
        buf_puts(b, "</select></label>");
    }
    buf_printf(b, "<label>%s<input name=\"period\" size=\"8\" value=\"%s\"></label>", T(r, "Kỳ", "Period"),
               pp->period);
    if (req_arg(r, "lang"))
        buf_printf(b, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", r->en ? "en" : "vi");
    buf_printf(b, "<button>%s</button></form>", T(r, "Xem", "Show"));
}

/* ------------------------------------------------------------------------
 * SVG charts
 * ------------------------------------------------------------------------ */

typedef struct {
    char label[48];
    double v;
    bool has;
} point_t;

static void svg_bars(buf_t *b, const char *id, const char *title, const point_t *pts, int n, bool pct)
{
    const int W = 600, H = 240, L = 50, B = 40, TOP = 24;
    double max = 0;
    for (int i = 0; i < n; i++)
        if (pts[i].has && pts[i].v > max)
            max = pts[i].v;
    if (max <= 0)
        max = 1;
    buf_printf(b, "<svg id=\"%s\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                  "role=\"img\" aria-label=\"", id, W, H, W, H);
    buf_esc(b, title);
    buf_puts(b, "\" style=\"background:#fff;border:1px solid #d0d7de\"><title>");
    buf_esc(b, title);
    buf_printf(b, "</title><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\"/>", L, H - B, W - 10, H - B);
    double slot = n ? (double)(W - L - 20) / n : 0;
    for (int i = 0; i < n; i++) {
        double x = L + 10 + slot * i, bw = slot * 0.6;
        double h = pts[i].has ? (pts[i].v / max) * (H - B - TOP) : 0;
        buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#8b1c1c\"/>", x,
                   H - B - h, bw, h);
        char val[32];
        if (!pts[i].has)
            snprintf(val, sizeof val, "–");
        else if (pct)
            snprintf(val, sizeof val, "%.1f%%", 100 * pts[i].v);
        else
            snprintf(val, sizeof val, "%.0f", pts[i].v);
        buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">%s</text>", x + bw / 2,
                   H - B - h - 4, val);
        buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">", x + bw / 2, H - B + 16);
        buf_esc(b, pts[i].label);
        buf_puts(b, "</text>");
    }
    buf_puts(b, "</svg>");
}

static void svg_share(buf_t *b, double share, bool en)
{
    int w = (int)(300 * (share < 0 ? 0 : share > 1 ? 1 : share) + 0.5);
    buf_printf(b, "<svg class=\"share\" xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" height=\"22\" role=\"img\" "
                  "aria-label=\"%.1f%%\"><rect width=\"300\" height=\"18\" fill=\"#eef2f6\" stroke=\"#d0d7de\"/>"
                  "<rect width=\"%d\" height=\"18\" fill=\"#2da44e\"/><text x=\"306\" y=\"14\" font-size=\"13\">",
               100 * share, w);
    fmt_pct(b, share, en);
    buf_puts(b, "</text></svg>");
}

/* ------------------------------------------------------------------------
 * Overview: a node by indicator x period, drill-down along the unit tree
 * ------------------------------------------------------------------------ */

static void value_text(buf_t *b, json_t *ind, json_t *v, bool en)
{
    const char *kind = jstr(ind, "kind");
    if (!v || json_is_null(v)) {
        buf_puts(b, "–");
    } else if (json_is_real(v)) {
        fmt_pct(b, json_real_value(v), en);
    } else if (json_is_integer(v)) {
        fmt_int(b, json_integer_value(v), en);
        if (!strcmp(kind, "bool") && json_is_real(json_object_get(ind, "share"))) {
            buf_puts(b, " (");
            fmt_pct(b, json_real_value(json_object_get(ind, "share")), en);
            buf_puts(b, ")");
        }
    }
}

static void data_value(buf_t *b, json_t *v)
{
    if (json_is_integer(v))
        buf_printf(b, " data-value=\"%" JSON_INTEGER_FORMAT "\"", json_integer_value(v));
    else if (json_is_real(v))
        buf_printf(b, " data-value=\"%.6f\"", json_real_value(v));
    else
        buf_puts(b, " data-value=\"\"");
}

static void page_overview(req_t *r, resp_t *o)
{
    web_t *w = r->w;
    const catalog_t *c = w->cat;
    params_t pp;
    if (get_params(r, o, &pp, "node"))
        return;
    const dataset_t *ds = &c->datasets[pp.ds];
    const char *indc = req_arg(r, "ind");
    int ind = indc ? catalog_indicator(c, indc) : (ds->ninds ? ds->inds[0] : -1);
    if (ind < 0 || !catalog_dataset_has(c, pp.ds, ind)) {
        web_error(r, o, 400, "The indicator 'ind' is not part of this dataset.");
        return;
    }
    char err[512];
    bool down;
    json_t *d = web_query(w, "rollup", c->units[pp.node].code, ds->code, pp.period, &down, err, sizeof err);
    if (!d) {
        query_failed(r, o, down, err);
        return;
    }
    /* trend: the dataset's periods inside the year of `period` (or the 5
     * years up to it for a yearly dataset) */
    period_t year = pp.p;
    while (year.type != PERIOD_YEAR)
        year = period_parent(year);
    period_t tp[12];
    int nt = 0;
    if (ds->ptype < PERIOD_YEAR) {
        nt = period_children(year, ds->ptype, tp, 12);
    } else {
        period_t y = year;
        for (int i = 0; i < 4; i++)
            y = period_prev(y);
        for (nt = 0; nt < 5; nt++, y = period_next(y))
            tp[nt] = y;
    }
    point_t pts[12];
    json_t *trend = json_array();
    for (int i = 0; i < nt; i++) {
        char pc[PERIOD_CODE_MAX];
        period_format(tp[i], pc, sizeof pc);
        report_period_label(tp[i], r->en, pts[i].label, sizeof pts[i].label);
        pts[i].has = false;
        json_t *v = json_null();
        json_t *t = web_query(w, "rollup", c->units[pp.node].code, ds->code, pc, &down, err, sizeof err);
        size_t k;
        json_t *it;
        json_array_foreach(t ? json_object_get(t, "indicators") : NULL, k, it)
        {
            if (strcmp(jstr(it, "code"), c->inds[ind].code))
                continue;
            json_t *x = json_object_get(it, "value");
            if (json_is_number(x)) {
                pts[i].has = true;
                pts[i].v = json_number_value(x);
                v = json_incref(x);
            }
        }
        json_decref(t);
        json_array_append_new(trend, json_pack("{s:s, s:o}", "period", pc, "value", v));
    }
    if (is_api(r)) {
        json_object_set_new(d, "trend", json_pack("{s:s, s:o}", "indicator", c->inds[ind].code, "points", trend));
        send_json(o, d);
        return;
    }
    buf_t *b = &o->body;
    o->status = 200;
    char lab[64];
    const unit_t *u = &c->units[pp.node];
    page_begin(r, b, T(r, "Tổng quan", "Overview"), "/overview");
    breadcrumb(r, b, pp.node, "/overview", &pp);
    buf_puts(b, "<h1 id=\"title\">");
    buf_esc(b, u->name);
    buf_printf(b, " — %s</h1>", report_period_label(pp.p, r->en, lab, sizeof lab));
    buf_puts(b, "<p class=\"note\">");
    buf_esc(b, ds->name);
    buf_puts(b, " (");
    buf_esc(b, ds->code);
    buf_puts(b, ")</p>");
    selector_form(r, b, "/overview", &pp, true);
    buf_printf(b, "<p><a id=\"units-link\" ");
    href(b, r, "/completeness", "node", u->code, "dataset", ds->code, "period", pp.period, NULL);
    buf_printf(b, ">%s</a> · <a ", T(r, "Tình hình nộp báo cáo của các đơn vị", "Which units reported"));
    href(b, r, "/unit", "code", u->code, "dataset", ds->code, "period", pp.period, NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Báo cáo của chính đơn vị này", "This unit's own reports"));

    buf_printf(b, "<h2>%s</h2><table id=\"indicators\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "</tr></thead><tbody>",
               T(r, "Chỉ tiêu", "Indicators"), T(r, "STT", "#"), T(r, "Chỉ tiêu", "Indicator"),
               T(r, "Giá trị", "Value"), T(r, "Số đơn vị báo cáo", "Units reporting"));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(d, "indicators"), i, it)
    {
        const char *code = jstr(it, "code");
        buf_printf(b, "<tr data-ind=\"");
        buf_esc(b, code);
        buf_printf(b, "\"><td class=\"n\">%zu</td><td><a ", i + 1);
        href(b, r, "/overview", "node", u->code, "dataset", ds->code, "period", pp.period, "ind", code, NULL);
        buf_puts(b, " title=\"");
        buf_esc(b, code);
        buf_puts(b, "\">");
        buf_esc(b, r->en ? jstr(it, "name_en") : jstr(it, "name_vi"));
        buf_puts(b, "</a>");
        json_t *tags = json_object_get(it, "tags");
        if (json_object_size(tags)) {
            buf_puts(b, "<br><span class=\"note\">");
            const char *tk;
            json_t *tv;
            bool first = true;
            json_object_foreach(tags, tk, tv)
            {
                buf_printf(b, "%s", first ? "" : ", ");
                buf_esc(b, tk);
                buf_printf(b, ": %" JSON_INTEGER_FORMAT, json_integer_value(tv));
                first = false;
            }
            buf_puts(b, "</span>");
        }
        buf_puts(b, "</td><td class=\"n val\"");
        data_value(b, json_object_get(it, "value"));
        buf_puts(b, ">");
        value_text(b, it, json_object_get(it, "value"), r->en);
        buf_puts(b, "</td><td class=\"n\">");
        fmt_int(b, json_integer_value(json_object_get(it, "units")), r->en);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");

    const char *iname = r->en ? c->inds[ind].name_en : c->inds[ind].name_vi;
    buf_t title = {0};
    buf_printf(&title, "%s — %s", T(r, "Diễn biến theo kỳ", "Trend by period"), iname ? iname : "");
    buf_puts(b, "<h2>");
    buf_esc(b, title.p);
    buf_puts(b, "</h2>");
    svg_bars(b, "trend", title.p, pts, nt, c->inds[ind].kind == IND_RATE);
    buf_free(&title);
    json_decref(trend);

    json_t *children = json_object_get(d, "children");
    if (json_array_size(children)) {
        buf_printf(b, "<h2>%s</h2><table id=\"children\"><thead><tr><th>%s</th><th>%s</th><th>", T(r, "Đơn vị trực thuộc",
                   "Units below"), T(r, "Đơn vị", "Unit"), T(r, "Loại", "Kind"));
        buf_esc(b, iname);
        buf_puts(b, "</th></tr></thead><tbody>");
        json_t *ch;
        json_array_foreach(children, i, ch)
        {
            const char *cc = jstr(ch, "code");
            buf_puts(b, "<tr data-unit=\"");
            buf_esc(b, cc);
            buf_puts(b, "\"><td><a class=\"drill\" ");
            href(b, r, "/overview", "node", cc, "dataset", ds->code, "period", pp.period, "ind",
                 indc ? c->inds[ind].code : NULL, NULL);
            buf_puts(b, ">");
            buf_esc(b, jstr(ch, "name"));
            buf_puts(b, "</a></td><td>");
            buf_esc(b, kind_label(jstr(ch, "kind"), r->en));
            json_t *v = json_object_get(json_object_get(ch, "values"), c->inds[ind].code);
            buf_puts(b, "</td><td class=\"n val\"");
            data_value(b, v);
            buf_puts(b, ">");
            if (json_is_real(v))
                fmt_pct(b, json_real_value(v), r->en);
            else if (json_is_integer(v))
                fmt_int(b, json_integer_value(v), r->en);
            else
                buf_puts(b, "–");
            buf_puts(b, "</td></tr>");
        }
        buf_puts(b, "</tbody></table>");
    }
    json_decref(d);
    page_end(r, b);
}

/* ------------------------------------------------------------------------
 * Completeness: every unit for a period, on time / late / missing
 * ------------------------------------------------------------------------ */

static const char *g_sort;
static int status_rank(const char *s)
{
    if (!strcmp(s, "missing"))
        return 0;
    if (!strcmp(s, "late"))
        return 1;
    if (!strcmp(s, "pending"))
        return 2;
    return 3;
}

static int cmp_units(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int c = 0;
    if (!strcmp(g_sort, "name"))
        c = strcmp(jstr(a, "name"), jstr(b, "name"));
    else if (!strcmp(g_sort, "code"))
        c = strcmp(jstr(a, "code"), jstr(b, "code"));
    else if (!strcmp(g_sort, "status"))
        c = status_rank(jstr(a, "status")) - status_rank(jstr(b, "status"));
    else if (!strcmp(g_sort, "received")) {
        json_int_t x = json_integer_value(json_object_get(a, "received_at"));
        json_int_t y = json_integer_value(json_object_get(b, "received_at"));
        bool hx = json_is_integer(json_object_get(a, "received_at")), hy = json_is_integer(json_object_get(b, "received_at"));
        c = hx != hy ? (hx ? -1 : 1) : (x < y ? -1 : x > y);
    }
    if (!c) {
        json_int_t x = json_integer_value(json_object_get(a, "_i")), y = json_integer_value(json_object_get(b, "_i"));
        c = x < y ? -1 : x > y;
    }
    return c;
}

static void page_completeness(req_t *r, resp_t *o)
{
    web_t *w = r->w;
    const catalog_t *c = w->cat;
    params_t pp;
    if (get_params(r, o, &pp, "node"))
        return;
    const char *kind = req_arg(r, "kind");
    const char *sort = req_arg(r, "sort");
    const char *order = req_arg(r, "order");
    if (kind && *kind) {
        bool known = false;
        for (int i = 0; i < c->nunits && !known; i++)
            known = !strcmp(c->units[i].kind, kind);
        if (!known) {
            web_error(r, o, 400, "kind must be a unit kind of the catalog, such as so, xa, phuong or dac_khu.");
            return;
        }
    } else {
        kind = NULL;
    }
    if (!sort || !*sort)
        sort = "tree";
    if (strcmp(sort, "tree") && strcmp(sort, "name") && strcmp(sort, "code") && strcmp(sort, "status") &&
        strcmp(sort, "received")) {
        web_error(r, o, 400, "sort must be tree, name, code, status or received.");
        return;
    }
    bool desc = order && !strcmp(order, "desc");
    if (order && strcmp(order, "asc") && strcmp(order, "desc")) {
        web_error(r, o, 400, "order must be asc or desc.");
        return;
    }
    const dataset_t *ds = &c->datasets[pp.ds];
    char err[512];
    bool down;
    json_t *units = web_query(w, "units", c->units[pp.node].code, ds->code, pp.period, &down, err, sizeof err);
    if (!units) {
        query_failed(r, o, down, err);
        return;
    }
    json_t *st = web_query(w, "status", c->units[pp.node].code, ds->code, pp.period, &down, err, sizeof err);
    if (!st) {
        json_decref(units);
        query_failed(r, o, down, err);
        return;
    }
    /* filter and sort */
    json_t *all = json_object_get(units, "units");
    size_t n = json_array_size(all), m = 0;
    json_t **rows = calloc(n ? n : 1, sizeof *rows);
    for (size_t i = 0; i < n; i++) {
        json_t *x = json_array_get(all, i);
        if (kind && strcmp(jstr(x, "kind"), kind))
            continue;
        json_object_set_new(x, "_i", json_integer((json_int_t)i));
        rows[m++] = x;
    }
    if (strcmp(sort, "tree")) {
        g_sort = sort;
        qsort(rows, m, sizeof *rows, cmp_units);
    }
    if (desc)
        for (size_t i = 0; i < m / 2; i++) {
            json_t *t = rows[i];
            rows[i] = rows[m - 1 - i];
            rows[m - 1 - i] = t;
        }
    json_int_t cnt[4] = {0};
    static const char *sts[] = {"on_time", "late", "missing", "pending"};
    for (size_t i = 0; i < m; i++)
        for (int k = 0; k < 4; k++)
            if (!strcmp(jstr(rows[i], "status"), sts[k]))
                cnt[k]++;
    json_int_t expected = 0;
    double share;
    json_t *by_kind = json_object_get(units, "by_kind");
    if (kind) {
        json_t *bk = json_object_get(by_kind, kind);
        expected = json_integer_value(json_object_get(bk, "expected"));
        json_int_t ot = json_integer_value(json_object_get(bk, "on_time"));
        share = expected ? (double)ot / (double)expected : 0;
    } else {
        expected = json_integer_value(json_object_get(st, "expected"));
        share = json_number_value(json_object_get(st, "share_on_time"));
    }
    if (is_api(r)) {
        json_t *list = json_array();
        for (size_t i = 0; i < m; i++) {
            json_object_del(rows[i], "_i");
            json_array_append(list, rows[i]);
        }
        json_t *j = json_pack("{s:O, s:s, s:s, s:s?, s:s, s:s, s:O, s:O, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:f}}",
                              "node", json_object_get(units, "node"), "dataset", ds->code, "period", pp.period,
                              "kind", kind, "sort", sort, "order", desc ? "desc" : "asc", "status", st, "by_kind",
                              by_kind, "units", list, "summary", "expected", expected, "on_time", cnt[0], "late",
                              cnt[1], "missing", cnt[2], "pending", cnt[3], "share_on_time", share);
        free(rows);
        json_decref(units);
        json_decref(st);
        send_json(o, j);
        return;
    }
    buf_t *b = &o->body;
    o->status = 200;
    const unit_t *u = &c->units[pp.node];
    char lab[64];
    page_begin(r, b, T(r, "Tình hình nộp báo cáo", "Completeness"), "/completeness");
    breadcrumb(r, b, pp.node, "/completeness", &pp);
    buf_puts(b, "<h1 id=\"title\">");
    buf_puts(b, T(r, "Tình hình nộp báo cáo — ", "Completeness — "));
    buf_esc(b, u->name);
    buf_printf(b, ", %s</h1>", report_period_label(pp.p, r->en, lab, sizeof lab));
    selector_form(r, b, "/completeness", &pp, true);
    json_t *dl = json_object_get(st, "deadline");
    /* The deadline is the end of the last day to submit: show that day,
     * which is what the seeds' "trước ngày 10" means to a reader. */
    buf_printf(b, "<p>%s: ", T(r, "Hạn nộp (hết ngày)", "Deadline (end of)"));
    if (json_is_integer(dl)) {
        char day[16];
        date_format(date_of_time(json_integer_value(dl) - 1), day, sizeof day);
        buf_esc(b, day);
        buf_puts(b, " <small>(");
        time_text(b, dl);
        buf_puts(b, ")</small>");
    } else {
        time_text(b, dl);
    }
    buf_puts(b, "</p>");

    /* summary */
    buf_printf(b, "<table id=\"summary\"><tr><th>%s</th><td class=\"n\" id=\"n-expected\" data-count=\"%" JSON_INTEGER_FORMAT
                  "\">%" JSON_INTEGER_FORMAT "</td></tr>", T(r, "Phải nộp", "Expected"), expected, expected);
    for (int k = 0; k < 4; k++)
        buf_printf(b, "<tr><th class=\"st-%s\">%s</th><td class=\"n\" id=\"n-%s\" data-count=\"%" JSON_INTEGER_FORMAT
                      "\">%" JSON_INTEGER_FORMAT "</td></tr>",
                   sts[k], status_label(sts[k], r->en), sts[k], cnt[k], cnt[k]);
    buf_printf(b, "<tr><th>%s</th><td id=\"share\" data-share=\"%.6f\">", T(r, "Tỷ lệ đúng hạn", "Share on time"),
               share);
    svg_share(b, share, r->en);
    buf_puts(b, "</td></tr></table>");

    /* completeness by kind chart */
    size_t nk = json_object_size(by_kind);
    if (nk) {
        const int W = 600, rowh = 26, L = 120;
        int H = (int)nk * rowh + 40;
        buf_printf(b, "<h2>%s</h2><svg id=\"by-kind\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                      "role=\"img\" aria-label=\"%s\" style=\"background:#fff;border:1px solid #d0d7de\">",
                   T(r, "Theo loại đơn vị", "By kind of unit"), W, H, T(r, "Theo loại đơn vị", "By kind of unit"));
        static const char *colors[] = {"#2da44e", "#d4a72c", "#cf222e", "#afb8c1"};
        const char *k;
        json_t *v;
        int row = 0;
        json_object_foreach(by_kind, k, v)
        {
            json_int_t e = json_integer_value(json_object_get(v, "expected"));
            double x = L;
            int y = 10 + row * rowh;
            buf_printf(b, "<text x=\"4\" y=\"%d\" font-size=\"12\">", y + 14);
            buf_esc(b, kind_label(k, r->en));
            buf_printf(b, " (%" JSON_INTEGER_FORMAT ")</text>", e);
            for (int s = 0; s < 4 && e > 0; s++) {
                json_int_t q = json_integer_value(json_object_get(v, sts[s]));
                double wd = (double)(W - L - 20) * (double)q / (double)e;
                if (q > 0)
                    buf_printf(b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>%s: %"
                                  JSON_INTEGER_FORMAT "</title></rect>", x, y, wd, colors[s], status_label(sts[s], r->en), q);
                x += wd;
            }
            row++;
        }
        int y = 14 + row * rowh, lx = 4;
        for (int s = 0; s < 4; s++) {
            const char *legend = status_label(sts[s], r->en);
            buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
                          "font-size=\"12\">%s</text>", lx, y, colors[s], lx + 16, y + 11, legend);
            /* About 7 px per character at 12 px: the next item starts after this label. */
            int chars = 0;
            for (const unsigned char *ch = (const unsigned char *)legend; *ch; ch++)
                chars += (*ch & 0xc0) != 0x80;
            lx += 16 + chars * 7 + 14;
        }
        buf_puts(b, "</svg>");
    }

    /* filters */
    buf_printf(b, "<p class=\"filters\" id=\"kinds\">%s: <a ", T(r, "Lọc theo loại", "Filter by kind"));
    href(b, r, "/completeness", "node", u->code, "dataset", ds->code, "period", pp.period, "sort", sort, NULL);
    buf_printf(b, "%s>%s</a>", kind ? "" : " class=\"on\"", T(r, "Tất cả", "All"));
    const char *k;
    json_t *v;
    json_object_foreach(by_kind, k, v)
    {
        buf_puts(b, "<a ");
        href(b, r, "/completeness", "node", u->code, "dataset", ds->code, "period", pp.period, "kind", k, "sort",
             sort, NULL);
        buf_printf(b, "%s>", kind && !strcmp(kind, k) ? " class=\"on\"" : "");
        buf_esc(b, kind_label(k, r->en));
        buf_puts(b, "</a>");
    }
    buf_puts(b, "</p>");

    /* the table, sortable by its headers */
    static const struct {
        const char *key, *vi, *en;
    } cols[] = {{"code", "Mã", "Code"}, {"name", "Đơn vị", "Unit"}, {NULL, "Loại", "Kind"},
                {"status", "Tình trạng", "Status"}, {"received", "Thời điểm nộp", "Received"},
                {NULL, "Phiên bản", "Version"}};
    buf_puts(b, "<table id=\"units\"><thead><tr>");
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        buf_puts(b, "<th>");
        if (cols[i].key) {
            bool on = !strcmp(sort, cols[i].key);
            buf_puts(b, "<a ");
            href(b, r, "/completeness", "node", u->code, "dataset", ds->code, "period", pp.period, "kind", kind,
                 "sort", cols[i].key, "order", on && !desc ? "desc" : NULL, NULL);
            buf_printf(b, ">%s%s</a>", T(r, cols[i].vi, cols[i].en), on ? (desc ? " ▼" : " ▲") : "");
        } else {
            buf_puts(b, T(r, cols[i].vi, cols[i].en));
        }
        buf_puts(b, "</th>");
    }
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < m; i++) {
        json_t *x = rows[i];
        const char *s = jstr(x, "status");
        buf_puts(b, "<tr data-unit=\"");
        buf_esc(b, jstr(x, "code"));
        buf_puts(b, "\" data-status=\"");
        buf_esc(b, s);
        buf_puts(b, "\"><td>");
        buf_esc(b, jstr(x, "code"));
        buf_puts(b, "</td><td><a ");
        href(b, r, "/unit", "code", jstr(x, "code"), "dataset", ds->code, "period", pp.period, NULL);
        buf_puts(b, ">");
        buf_esc(b, jstr(x, "name"));
        buf_puts(b, "</a></td><td>");
        buf_esc(b, kind_label(jstr(x, "kind"), r->en));
        buf_puts(b, "</td><td class=\"st-");
        buf_esc(b, s);
        buf_puts(b, "\">");
        buf_esc(b, status_label(s, r->en));
        buf_puts(b, "</td><td>");
        time_text(b, json_object_get(x, "received_at"));
        buf_puts(b, "</td><td class=\"n\">");
        json_t *ver = json_object_get(x, "version");
        if (json_is_integer(ver))
            buf_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(ver));
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
    free(rows);
    json_decref(units);
    json_decref(st);
    page_end(r, b);
}

/* ------------------------------------------------------------------------
 * Targets
 * ------------------------------------------------------------------------ */

static void num_cell(buf_t *b, json_t *v, bool rate, bool en)
{
    buf_puts(b, "<td class=\"n\">");
    if (json_is_number(v)) {
        double x = json_number_value(v);
        char t[32];
        snprintf(t, sizeof t, rate ? "%.1f%%" : "%.2f", x);
        /* trim ".00" */
        char *dot = strchr(t, '.');
        if (!rate && dot && !strcmp(dot, ".00"))
            *dot = '\0';
        if (!en)
            for (char *p = t; *p; p++)
                if (*p == '.')
                    *p = ',';
        buf_puts(b, t);
    } else {
        buf_puts(b, "–");
    }
    buf_puts(b, "</td>");
}

static void page_targets(req_t *r, resp_t *o)
{
    web_t *w = r->w;
    const catalog_t *c = w->cat;
    params_t pp;
    if (get_params(r, o, &pp, "node"))
        return;
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "targets");
    snprintf(q.node, sizeof q.node, "%s", c->units[pp.node].code);
    snprintf(q.period, sizeof q.period, "%.6s", pp.period);
    if (req_arg(r, "dataset"))
        snprintf(q.dataset, sizeof q.dataset, "%s", c->datasets[pp.ds].code);
    char err[512];
    bool down;
    json_t *d = web_query_q(w, &q, &down, err, sizeof err);
    if (!d) {
        query_failed(r, o, down, err);
        return;
    }
    if (is_api(r)) {
        send_json(o, d);
        return;
    }
    buf_t *b = &o->body;
    o->status = 200;
    char lab[64];
    page_begin(r, b, T(r, "Tiến độ chỉ tiêu", "Targets"), "/targets");
    breadcrumb(r, b, pp.node, "/targets", &pp);
    buf_printf(b, "<h1 id=\"title\">%s — ", T(r, "Tiến độ thực hiện chỉ tiêu", "Progress against targets"));
    buf_esc(b, c->units[pp.node].name);
    buf_printf(b, ", %s</h1>", report_period_label(pp.p, r->en, lab, sizeof lab));
    selector_form(r, b, "/targets", &pp, false);
    buf_printf(b, "<p class=\"note\">%s</p>", T(r, "Các đơn vị chậm tiến độ được xếp trước.",
                                                 "Units behind their targets come first."));
    buf_printf(b, "<table id=\"targets\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
               T(r, "Đơn vị", "Unit"), T(r, "Chỉ tiêu", "Indicator"), T(r, "Kỳ", "Per"), T(r, "Tối thiểu", "Min"),
               T(r, "Tối đa", "Max"), T(r, "Thực hiện", "Actual"), T(r, "Cần đạt đến nay", "Expected by now"),
               T(r, "Đánh giá", "Status"));
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(d, "targets"), i, t)
    {
        const char *ic = jstr(t, "indicator");
        int ind = catalog_indicator(c, ic);
        bool rate = ind >= 0 && c->inds[ind].kind == IND_RATE;
        const char *s = jstr(t, "status");
        buf_puts(b, "<tr data-unit=\"");
        buf_esc(b, jstr(t, "unit"));
        buf_puts(b, "\" data-status=\"");
        buf_esc(b, s);
        buf_puts(b, "\"><td><a ");
        href(b, r, "/unit", "code", jstr(t, "unit"), NULL);
        buf_puts(b, ">");
        buf_esc(b, jstr(t, "name"));
        buf_puts(b, "</a></td><td>");
        buf_esc(b, ind >= 0 && r->en ? c->inds[ind].name_en : jstr(t, "name_vi"));
        buf_puts(b, "</td><td>");
        buf_esc(b, jstr(t, "period_type"));
        buf_puts(b, "</td>");
        /* rates: min and max are percent, actual is 0..1 */
        num_cell(b, json_object_get(t, "min"), rate, r->en);
        num_cell(b, json_object_get(t, "max"), rate, r->en);
        json_t *act = json_object_get(t, "actual");
        json_t *scaled = rate && json_is_number(act) ? json_real(100 * json_number_value(act)) : json_incref(act);
        num_cell(b, scaled, rate, r->en);
        json_decref(scaled);
        num_cell(b, json_object_get(t, "expected_by_now"), rate, r->en);
        buf_puts(b, "<td class=\"st-");
        buf_esc(b, s);
        buf_puts(b, "\">");
        buf_esc(b, status_label(s, r->en));
        buf_puts(b, "</td></tr>");
    }
    if (!json_array_size(json_object_get(d, "targets")))
        buf_printf(b, "<tr><td colspan=\"8\">%s</td></tr>", T(r, "Không có chỉ tiêu nào trong kỳ này.",
                                                               "No target is in force for this period."));
    buf_puts(b, "</tbody></table>");
    json_decref(d);
    page_end(r, b);
}

/* ------------------------------------------------------------------------
 * A unit: its submissions, versions and corrections
 * ------------------------------------------------------------------------ */

static void value_plain(buf_t *b, json_t *v, bool en)
{
    if (json_is_integer(v))
        fmt_int(b, json_integer_value(v), en);
    else if (json_is_true(v))
        buf_puts(b, en ? "yes" : "có");
    else if (json_is_false(v))
        buf_puts(b, en ? "no" : "không");
    else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            if (i)
                buf_puts(b, ", ");
            buf_esc(b, json_string_value(x));
        }
    } else
        buf_puts(b, "–");
}

static void page_unit(req_t *r, resp_t *o)
{
    web_t *w = r->w;
    const catalog_t *c = w->cat;
    params_t pp;
    if (!req_arg(r, "code")) {
        web_error(r, o, 400, "This page needs code=UNIT, e.g. /unit?code=HP.SO.XAY_DUNG.");
        return;
    }
    if (get_params(r, o, &pp, "code"))
        return;
    const dataset_t *ds = &c->datasets[pp.ds];
    const unit_t *u = &c->units[pp.node];
    char err[512];
    bool down;
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "history");
    snprintf(q.node, sizeof q.node, "%s", u->code);
    snprintf(q.dataset, sizeof q.dataset, "%s", ds->code);
    snprintf(q.period, sizeof q.period, "%.6s", pp.period);
    q.limit = 100;
    json_t *h = web_query_q(w, &q, &down, err, sizeof err);
    if (!h && (down || !strstr(err, "E_NOT_FOUND"))) {
        query_failed(r, o, down, err);
        return;
    }
    json_t *versions = h ? json_object_get(h, "versions") : NULL;
    if (is_api(r)) {
        json_t *vs = versions ? json_incref(versions) : json_array();
        json_t *j = json_pack("{s:{s:s, s:s, s:s, s:s?}, s:s, s:s, s:o}", "unit", "code", u->code, "name", u->name,
                              "kind", u->kind, "parent", u->parent >= 0 ? c->units[u->parent].code : NULL, "dataset",
                              ds->code, "period", pp.period, "versions", vs);
        json_decref(h);
        send_json(o, j);
        return;
    }
    buf_t *b = &o->body;
    o->status = 200;
    char lab[64];
    page_begin(r, b, u->name, "");
    breadcrumb(r, b, pp.node, "/overview", &pp);
    buf_puts(b, "<h1 id=\"title\">");
    buf_esc(b, u->name);
    buf_printf(b, " <span class=\"note\">(");
    buf_esc(b, u->code);
    buf_printf(b, ", %s)</span></h1>", kind_label(u->kind, r->en));
    buf_printf(b, "<p>%s — %s · <a ", T(r, "Báo cáo", "Report"), report_period_label(pp.p, r->en, lab, sizeof lab));
    href(b, r, "/overview", "node", u->code, "dataset", ds->code, "period", pp.period, NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Tổng hợp của đơn vị", "Unit rollup"));
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"/unit\"><input type=\"hidden\" name=\"code\" value=\"");
    buf_esc(b, u->code);
    buf_puts(b, "\">");
    buf_printf(b, "<label>%s<select name=\"dataset\">", T(r, "Loại báo cáo", "Report"));
    for (int i = 0; i < c->ndatasets; i++) {
        buf_puts(b, "<option value=\"");
        buf_esc(b, c->datasets[i].code);
        buf_printf(b, "\"%s>", i == pp.ds ? " selected" : "");
        buf_esc(b, c->datasets[i].code);
        buf_puts(b, "</option>");
    }
    buf_printf(b, "</select></label><label>%s<input name=\"period\" size=\"8\" value=\"%s\"></label><button>%s</button>"
                  "</form>", T(r, "Kỳ", "Period"), pp.period, T(r, "Xem", "Show"));
    size_t nv = json_array_size(versions);
    if (!nv) {
        buf_printf(b, "<p class=\"warn\" id=\"none\">%s</p>", T(r, "Đơn vị chưa nộp báo cáo cho kỳ này.",
                                                                   "The unit has not reported for this period."));
        json_decref(h);
        page_end(r, b);
        return;
    }
    buf_printf(b, "<h2>%s</h2><table id=\"versions\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "<th>%s</th></tr></thead><tbody>",
               T(r, "Các lần nộp (mới nhất trước)", "Submissions (newest first)"), T(r, "Phiên bản", "Version"),
               T(r, "Thời điểm nhận", "Received"), T(r, "Người nộp", "Submitter"), T(r, "Mã lần nộp", "Submission id"),
               T(r, "Số thứ tự nhật ký", "Journal seq"), T(r, "Ghi chú", "Note"));
    size_t i;
    json_t *v;
    json_array_foreach(versions, i, v)
    {
        json_int_t ver = json_integer_value(json_object_get(v, "version"));
        buf_printf(b, "<tr data-version=\"%" JSON_INTEGER_FORMAT "\"><td class=\"n\">%" JSON_INTEGER_FORMAT "%s</td><td>",
                   ver, ver, ver > 1 ? T(r, " (đính chính)", " (correction)") : "");
        time_text(b, json_object_get(v, "received_at"));
        buf_puts(b, "</td><td>");
        buf_esc(b, jstr(v, "submitter"));
        buf_puts(b, "</td><td>");
        buf_esc(b, jstr(v, "id"));
        buf_printf(b, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td>", json_integer_value(json_object_get(v, "seq")));
        buf_esc(b, jstr(v, "note"));
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
    /* values by version; changed cells marked */
    buf_printf(b, "<h2>%s</h2><table id=\"values\"><thead><tr><th>%s</th>", T(r, "Số liệu theo phiên bản",
               "Values by version"), T(r, "Chỉ tiêu", "Indicator"));
    json_array_foreach(versions, i, v)
        buf_printf(b, "<th>v%" JSON_INTEGER_FORMAT "</th>", json_integer_value(json_object_get(v, "version")));
    buf_puts(b, "</tr></thead><tbody>");
    for (int k = 0; k < ds->ninds; k++) {
        const indicator_t *in = &c->inds[ds->inds[k]];
        if (in->kind == IND_RATE)
            continue;
        buf_puts(b, "<tr data-ind=\"");
        buf_esc(b, in->code);
        buf_puts(b, "\"><td>");
        buf_esc(b, r->en ? in->name_en : in->name_vi);
        buf_puts(b, "</td>");
        for (size_t j = 0; j < nv; j++) {
            json_t *x = json_object_get(json_object_get(json_array_get(versions, j), "values"), in->code);
            json_t *older = j + 1 < nv ? json_object_get(json_object_get(json_array_get(versions, j + 1), "values"),
                                                         in->code)
                                       : x;
            bool changed = !json_equal(x, older) && (x || older);
            buf_printf(b, "<td class=\"n\"%s>", changed ? " style=\"background:#fff4d6\"" : "");
            value_plain(b, x, r->en);
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table>");
    json_decref(h);
    page_end(r, b);
}

/* ------------------------------------------------------------------------
 * The consolidated report
 * ------------------------------------------------------------------------ */

static int report_q(void *ud, const proto_query_t *q, client_answer_t *a, proto_error_t *err)
{
    return web_ask_q(ud, q, a, err);
}

static bool build_report(req_t *r, resp_t *o, report_t *rep, char *from, char *to)
{
    const catalog_t *c = r->w->cat;
    const char *f = req_arg(r, "from"), *t = req_arg(r, "to");
    int year = 0, mon = 0, day = 0;
    date_to_civil(date_of_time(clock_now()), &year, &mon, &day);
    snprintf(from, PERIOD_CODE_MAX, "%s", f ? f : "");
    snprintf(to, PERIOD_CODE_MAX, "%s", t ? t : "");
    if (!f) {
        snprintf(from, PERIOD_CODE_MAX, "%04dQ1", year);
        if (!t)
            snprintf(to, PERIOD_CODE_MAX, "%04dQ4", year);
    }
    char err[512];
    bool down = false;
    const char *node = req_arg(r, "node");
    if (node && catalog_unit(c, node) < 0) {
        snprintf(err, sizeof err, "The unit '%s' is not in the catalog.", node);
        web_error(r, o, 404, err);
        return false;
    }
    if (report_build(rep, c, node, req_arg(r, "dataset"), from, to, report_q, r->w, &down, err, sizeof err)) {
        web_error(r, o, down ? 503 : 400, err);
        return false;
    }
    return true;
}

static void page_report(req_t *r, resp_t *o)
{
    report_t rep;
    char from[PERIOD_CODE_MAX], to[PERIOD_CODE_MAX];
    if (!build_report(r, o, &rep, from, to))
        return;
    const catalog_t *c = r->w->cat;
    if (is_api(r)) {
        json_t *j = report_json(&rep);
        report_free(&rep);
        send_json(o, j);
        return;
    }
    buf_t *b = &o->body;
    o->status = 200;
    const unit_t *u = &c->units[rep.node];
    char lab[64], lab2[64];
    page_begin(r, b, T(r, "Báo cáo tổng hợp", "Consolidated report"), "/report");
    buf_printf(b, "<h1 id=\"title\">%s</h1><p>", REPORT_TITLE_VI);
    buf_esc(b, u->name);
    buf_printf(b, " — %s – %s (", report_period_label(rep.periods[0], r->en, lab, sizeof lab),
               report_period_label(rep.periods[rep.nperiods - 1], r->en, lab2, sizeof lab2));
    buf_esc(b, c->datasets[rep.ds].code);
    buf_puts(b, ")</p>");
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"/report\"><input type=\"hidden\" name=\"node\" value=\"");
    buf_esc(b, u->code);
    buf_printf(b, "\"><label>%s<input name=\"from\" size=\"8\" value=\"%s\"></label><label>%s<input name=\"to\" "
                  "size=\"8\" value=\"%s\"></label><button>%s</button></form>",
               T(r, "Từ kỳ", "From"), from, T(r, "Đến kỳ", "To"), to, T(r, "Xem", "Show"));
    buf_puts(b, "<p><a id=\"xlsx\" ");
    href(b, r, "/report.xlsx", "node", u->code, "from", from, "to", to, "dataset", req_arg(r, "dataset"), NULL);
    buf_printf(b, ">%s</a> · <a id=\"csv\" ", T(r, "Tải về Excel (XLSX)", "Download Excel (XLSX)"));
    href(b, r, "/report.csv", "node", u->code, "from", from, "to", to, "dataset", req_arg(r, "dataset"), NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Tải về CSV", "Download CSV"));
    buf_printf(b, "<table id=\"report\"><thead><tr><th>%s</th><th>%s</th>", T(r, "STT", "#"),
               T(r, "Chỉ tiêu", "Indicator"));
    for (int k = 0; k < rep.nperiods; k++)
        buf_printf(b, "<th>%s</th>", report_period_label(rep.periods[k], r->en, lab, sizeof lab));
    buf_printf(b, "<th>%s</th></tr></thead><tbody>", T(r, "Tổng", "Total"));
    for (int i = 0; i < rep.nrows; i++) {
        const indicator_t *in = &c->inds[rep.rows[i].ind];
        buf_puts(b, "<tr data-ind=\"");
        buf_esc(b, in->code);
        buf_printf(b, "\"><td class=\"n\">%d</td><td>", i + 1);
        buf_esc(b, r->en ? in->name_en : in->name_vi);
        buf_puts(b, "</td>");
        for (int k = 0; k <= rep.nperiods; k++) {
            char cell[64];
            report_cell_text(&rep, i, k, cell, sizeof cell);
            buf_printf(b, "<td class=\"n\"%s>%s</td>", k == rep.nperiods ? " style=\"font-weight:bold\"" : "",
                       cell[0] ? cell : "–");
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table>");
    report_free(&rep);
    page_end(r, b);
}

static void download_name(req_t *r, resp_t *o, const report_t *rep, const char *from, const char *to, const char *ext)
{
    (void)r;
    char name[128];
    snprintf(name, sizeof name, "thong-ke-cchc_%s_%s_%s.%s", rep->cat->units[rep->node].code, from, to, ext);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            *p = '_';
    snprintf(o->disposition, sizeof o->disposition, "attachment; filename=\"%s\"", name);
}

static void page_report_csv(req_t *r, resp_t *o)
{
    report_t rep;
    char from[PERIOD_CODE_MAX], to[PERIOD_CODE_MAX];
    if (!build_report(r, o, &rep, from, to))
        return;
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f || report_write_csv(&rep, f)) {
        if (f)
            fclose(f);
        free(mem);
        report_free(&rep);
        web_error(r, o, 500, "Cannot build the CSV.");
        return;
    }
    fclose(f);
    buf_put(&o->body, mem, len);
    free(mem);
    o->status = 200;
    o->ctype = "text/csv; charset=utf-8";
    download_name(r, o, &rep, from, to, "csv");
    report_free(&rep);
}

static void page_report_xlsx(req_t *r, resp_t *o)
{
    report_t rep;
    char from[PERIOD_CODE_MAX], to[PERIOD_CODE_MAX];
    if (!build_report(r, o, &rep, from, to))
        return;
    const char *tmpdir = getenv("TMPDIR");
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/cchc-web-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        report_free(&rep);
        web_error(r, o, 500, "Cannot create a temporary file for the spreadsheet.");
        return;
    }
    close(fd);
    if (report_write_xlsx(&rep, path, err, sizeof err)) {
        unlink(path);
        report_free(&rep);
        web_error(r, o, 500, err);
        return;
    }
    o->file = strdup(path);
    o->status = 200;
    o->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    download_name(r, o, &rep, from, to, "xlsx");
    report_free(&rep);
}

/* ------------------------------------------------------------------------
 * Small routes
 * ------------------------------------------------------------------------ */

static void page_root(req_t *r, resp_t *o)
{
    o->status = 302;
    o->ctype = "text/html; charset=utf-8";
    buf_t b = {0};
    href(&b, r, "/overview", NULL);
    /* href="..." -> the URL (already HTML-escaped; & only in our own output) */
    const char *s = b.p ? b.p + 6 : "/overview\"";
    size_t n = strlen(s);
    snprintf(o->location, sizeof o->location, "%.*s", (int)(n ? n - 1 : 0), s);
    for (char *p = strstr(o->location, "&amp;"); p; p = strstr(p + 1, "&amp;"))
        memmove(p + 1, p + 5, strlen(p + 5) + 1);
    buf_free(&b);
    buf_puts(&o->body, "<a href=\"/overview\">/overview</a>\n");
}

static void page_health(req_t *r, resp_t *o)
{
    o->status = 200;
    o->ctype = "text/plain; charset=utf-8";
    buf_puts(&o->body, r->w->aggregator_up ? "ok\n" : "ok (aggregator not reached yet)\n");
}

static void api_info(req_t *r, resp_t *o)
{
    char err[512];
    bool down;
    json_t *d = web_query(r->w, "info", NULL, NULL, NULL, &down, err, sizeof err);
    if (!d) {
        query_failed(r, o, down, err);
        return;
    }
    send_json(o, json_pack("{s:o, s:{s:I, s:i, s:I}}", "aggregator", d, "web", "events_received",
                           (json_int_t)r->w->events_received, "sse_clients", r->w->nsse, "started",
                           (json_int_t)r->w->started));
}

static void api_units(req_t *r, resp_t *o)
{
    const catalog_t *c = r->w->cat;
    json_t *a = json_array();
    for (int i = 0; i < c->nunits; i++) {
        const unit_t *u = &c->units[c->preorder[i]];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?, s:i}", "code", u->code, "name", u->name, "kind",
                                           u->kind, "parent", u->parent >= 0 ? c->units[u->parent].code : NULL,
                                           "depth", u->depth));
    }
    json_t *ds = json_array();
    for (int i = 0; i < c->ndatasets; i++)
        json_array_append_new(ds, json_pack("{s:s, s:s, s:s}", "code", c->datasets[i].code, "name",
                                            c->datasets[i].name, "period_type",
                                            period_type_name(c->datasets[i].ptype)));
    send_json(o, json_pack("{s:o, s:o}", "units", a, "datasets", ds));
}

const route_t web_routes[] = {
    {"/", "root", page_root},
    {"/overview", "overview", page_overview},
    {"/completeness", "completeness", page_completeness},
    {"/targets", "targets", page_targets},
    {"/unit", "unit", page_unit},
    {"/report", "report", page_report},
    {"/report.csv", "report_csv", page_report_csv},
    {"/report.xlsx", "report_xlsx", page_report_xlsx},
    {"/api/overview", "api_overview", page_overview},
    {"/api/completeness", "api_completeness", page_completeness},
    {"/api/targets", "api_targets", page_targets},
    {"/api/unit", "api_unit", page_unit},
    {"/api/report", "api_report", page_report},
    {"/api/info", "api_info", api_info},
    {"/api/units", "api_units", api_units},
    {"/metrics", "metrics", page_metrics},
    {"/healthz", "healthz", page_health},
};
const int web_nroutes = (int)(sizeof web_routes / sizeof web_routes[0]);
