/*
 * view.c -- numbers, labels, times and links for the pages (see view.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "civil.h"
#include "period.h"
#include "report.h"
#include "view.h"
#include "web.h"

bool view_is_api(const req_t *r) { return !strncmp(r->path, "/api/", 5); }

static void put_char(buf_t *b, char c) { buf_put(b, &c, 1); }

/* Appends the digits of `digits` (no sign) grouped by three. */
static void group_digits(buf_t *b, const char *digits, bool en)
{
    size_t n = strlen(digits);
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            put_char(b, en ? ',' : '.');
        put_char(b, digits[i]);
    }
}

void view_int(buf_t *b, int64_t v, bool en)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%" PRIu64, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
    if (v < 0)
        put_char(b, '-');
    group_digits(b, tmp, en);
}

void view_dec(buf_t *b, double x, int decimals, bool trim, bool en)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*f", decimals, x < 0 ? -x : x);
    char *dot = strchr(tmp, '.');
    if (dot)
        *dot++ = '\0';
    if (trim && dot) {
        size_t k = strlen(dot);
        while (k && dot[k - 1] == '0')
            dot[--k] = '\0';
        if (!k)
            dot = NULL;
    }
    /* "-0" is not a number a reader writes */
    if (x < 0 && (strcmp(tmp, "0") || (dot && strspn(dot, "0") != strlen(dot))))
        put_char(b, '-');
    group_digits(b, tmp, en);
    if (dot) {
        put_char(b, en ? '.' : ',');
        buf_puts(b, dot);
    }
}

void view_pct(buf_t *b, double share, bool en)
{
    view_percent(b, 100.0 * share, en);
}

void view_percent(buf_t *b, double percent, bool en)
{
    view_dec(b, percent, 1, false, en);
    put_char(b, '%');
}

const char *view_kind(const char *k, bool en)
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

const char *view_status(const char *s, bool en)
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

/* A tag as people read it (catalog_tag_label()), else its code made readable. */
void view_tag(buf_t *b, const char *tag, size_t len, bool en)
{
    const char *label = catalog_tag_label(tag, len, en);
    if (label) {
        buf_puts(b, label);
        return;
    }
    /* a tag added to the catalog since: its code, readable */
    for (size_t i = 0; i < len; i++) {
        char c = tag[i] == '_' ? ' ' : tag[i];
        buf_escn(b, &c, 1);
    }
}

const char *view_period_type(const char *type, bool en)
{
    static const struct {
        const char *t, *vi, *en;
    } t[] = {{"month", "Tháng", "Month"}, {"quarter", "Quý", "Quarter"}, {"half", "6 tháng", "Half-year"},
             {"year", "Năm", "Year"}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (type && !strcmp(type, t[i].t))
            return en ? t[i].en : t[i].vi;
    return type ? type : "";
}

void view_date(buf_t *b, int32_t day)
{
    int y, m, d;
    date_to_civil(day, &y, &m, &d);
    buf_printf(b, "%02d/%02d/%04d", d, m, y);
}

void view_time(buf_t *b, bool has, int64_t v)
{
    if (!has) {
        buf_puts(b, "–");
        return;
    }
    /* local time, as the deadline and the seeds are written */
    int64_t local = v + CIVIL_TZ_OFFSET;
    int64_t sec = ((local % 86400) + 86400) % 86400;
    view_date(b, date_of_time(v));
    buf_printf(b, " %02d:%02d", (int)(sec / 3600), (int)(sec / 60 % 60));
}

void view_footnotes(buf_t *b, const req_t *r, bool stock, bool rate)
{
    if (stock)
        buf_printf(b, "<p class=\"note foot\" id=\"note-stock\">* %s</p>", report_note_stock(r->en));
    if (rate)
        buf_printf(b, "<p class=\"note foot\" id=\"note-rate\">** %s</p>", report_note_rate(r->en));
}

const char *view_dataset(const req_t *r, int ds)
{
    return catalog_dataset_name(web_of((req_t *)r)->cat, ds, r->en);
}

void view_href(buf_t *b, const req_t *r, const char *path, ...)
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
    const char *lang = http_arg(r, "lang");
    if (lang)
        buf_printf(b, "%clang=%s", sep == '?' ? '?' : '&', strcmp(lang, "en") ? "vi" : "en");
    buf_puts(b, "\"");
}

bool view_value_of(const proto_values_t *vals, const char *code, proto_value_t *out)
{
    for (uint32_t i = 0; i < vals->n; i++)
        if (!proto_values_at(vals, i, out) && !strcmp(out->code, code))
            return true;
    return false;
}

static bool tag_is(const proto_str_t *g, const char *tag)
{
    return strlen(tag) == g->len && !memcmp(tag, g->ptr, g->len);
}

static bool listed(const indicator_t *in, const proto_str_t *g)
{
    for (int k = 0; in && k < in->ntags; k++)
        if (tag_is(g, in->tags[k]))
            return true;
    return false;
}

static int show_tag(buf_t *b, const proto_str_t *g, bool en, int shown)
{
    if (shown)
        buf_puts(b, ", ");
    view_tag(b, g->ptr, g->len, en);
    return shown + 1;
}

void view_value(buf_t *b, const indicator_t *in, const proto_value_t *v, bool en)
{
    if (!v) {
        buf_puts(b, "–");
    } else if (v->kind == PV_INT) {
        view_int(b, v->i, en);
    } else if (v->kind == PV_BOOL) {
        buf_puts(b, v->i ? (en ? "Yes" : "Có") : (en ? "No" : "Không"));
    } else { /* a set: the catalog's tags in its order, then any it does not list (any more) */
        int shown = 0;
        for (int k = 0; in && k < in->ntags; k++)
            for (uint32_t t = 0; t < v->ntags; t++)
                if (tag_is(&v->tags[t], in->tags[k]))
                    shown = show_tag(b, &v->tags[t], en, shown);
        for (uint32_t t = 0; t < v->ntags; t++)
            if (!listed(in, &v->tags[t]))
                shown = show_tag(b, &v->tags[t], en, shown);
    }
}

void view_comment(buf_t *b, const proto_strmap_t *m, const char *code)
{
    proto_strpair_t e;
    size_t n = strlen(code);
    for (uint32_t i = 0; i < m->n; i++)
        if (!proto_strmap_at(m, i, &e) && e.code.len == n && !memcmp(e.code.ptr, code, n)) {
            buf_printf(b, "<small class=\"cmt\" data-comment=\"%s\">", code);
            buf_escn(b, e.text.ptr, e.text.len);
            buf_puts(b, "</small>");
            return;
        }
}

void view_cover_note(req_t *r, buf_t *b, const char *node, int ds, period_t p)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    int cover = catalog_cover(c, ds);
    period_t sub[16];
    int n = cover >= 0 ? period_children(p, c->datasets[cover].ptype, sub, 16) : 0;
    if (n <= 0 || config_bool(w->cfg, "notifier", "chase_covered", false))
        return;
    char pc[PERIOD_CODE_MAX], last[PERIOD_CODE_MAX], lab[64];
    period_format(p, pc, sizeof pc);
    period_format(sub[n - 1], last, sizeof last);
    buf_puts(b, "<p class=\"note warn\" id=\"covered\">");
    buf_printf(b, T(r, "Báo cáo này không phải nộp riêng: số liệu %s là tổng hợp các báo cáo “",
                    "This report is not filed on its own: the figures of %s are the rollup of the reports “"),
               report_period_label(p, r->en, lab, sizeof lab));
    buf_esc(b, catalog_dataset_name(c, cover, r->en));
    buf_puts(b, T(r, "” trong kỳ, và đơn vị không bị nhắc nộp riêng. Số “chưa nộp” ở trang tình hình nộp chỉ đếm "
                     "báo cáo nộp riêng. ",
                  "” inside it, and units are not reminded to file it. The completeness page counts only reports "
                  "filed on their own. "));
    buf_puts(b, "<a id=\"covered-figures\" ");
    view_href(b, r, "/overview", "node", node, "dataset", c->datasets[cover].code, "period", pc, NULL);
    buf_printf(b, ">%s</a> · <a id=\"covered-completeness\" ", T(r, "Xem số liệu tổng hợp của kỳ", "See the period's figures"));
    view_href(b, r, "/completeness", "node", node, "dataset", c->datasets[cover].code, "period", last, NULL);
    buf_printf(b, ">%s %s</a></p>", T(r, "Tình hình nộp báo cáo", "Completeness of"),
               report_period_label(sub[n - 1], r->en, lab, sizeof lab));
}
