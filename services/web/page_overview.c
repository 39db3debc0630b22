/*
 * page_overview.c -- GET /overview and /api/overview: a node's indicators
 * for a period (the aggregator's rollup), a bar chart of one indicator over
 * the periods of the year, and the node's children with that indicator,
 * each a drill-down link to its own overview.  approved=1 asks the same
 * over approved reports only (QUERY rollup `approved`: each report's latest
 * approved version); every link of the page keeps the choice.
 */
#include <string.h>

#include "page.h"
#include "report.h"
#include "svg.h"

#define TREND_MAX 12

/* ------------------------------------------------------------------------
 * Parameters: node, dataset, period, ind
 * ------------------------------------------------------------------------ */

typedef struct {
    page_params_t pp;
    int ind;                    /* catalog index of the indicator charted */
    bool ind_given;             /* ind= was in the request (drill-down links keep it) */
    bool approved;              /* approved=1: over approved reports only */
} params_t;

/* The value of the approved= parameter in the page's links (NULL: left out). */
static const char *approved_arg(const params_t *p)
{
    return p->approved ? "1" : NULL;
}

static int read_params(req_t *r, resp_t *o, params_t *p)
{
    const catalog_t *c = web_of(r)->cat;
    if (page_params(r, o, &p->pp, "node"))
        return -1;
    const dataset_t *ds = &c->datasets[p->pp.ds];
    const char *indc = http_arg(r, "ind");
    p->ind_given = indc != NULL;
    const char *ap = http_arg(r, "approved");
    p->approved = ap && !strcmp(ap, "1");
    if (ap && !p->approved && strcmp(ap, "0")) {
        layout_error(r, o, 400, T(r, "Tham số approved chỉ nhận 1 (chỉ báo cáo đã duyệt) hoặc 0 (mọi báo cáo đã nhận).",
                                  "approved takes 1 (approved reports only) or 0 (every report received)."));
        return -1;
    }
    p->ind = indc ? catalog_indicator(c, indc) : (ds->ninds ? ds->inds[0] : -1);
    if (p->ind < 0 || !catalog_dataset_has(c, p->pp.ds, p->ind)) {
        layout_error(r, o, 400, T(r, "Chỉ tiêu được chọn không thuộc loại báo cáo này; hãy chọn chỉ tiêu trong bảng.",
                                  "The indicator chosen is not part of this report; choose one in the table."));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The answer: the rollup of the period, and the charted indicator's value
 * in every period of the trend
 * ------------------------------------------------------------------------ */

typedef struct {
    client_answer_t rollup;
    client_answer_t status;     /* the completeness of the node's subtree for the period */
    int nt;
    period_t tp[TREND_MAX];     /* the trend's periods */
    ans_num_t trend[TREND_MAX]; /* the indicator's value; ANS_NIL also when the QUERY failed */
} answer_t;

/* The dataset's periods inside the year of `p` (or the 5 years up to it
 * for a yearly dataset). */
static int trend_periods(period_t p, period_type_t type, period_t *tp)
{
    period_t year = p;
    while (year.type != PERIOD_YEAR)
        year = period_parent(year);
    if (type < PERIOD_YEAR)
        return period_children(year, type, tp, TREND_MAX);
    period_t y = year;
    for (int i = 0; i < 4; i++)
        y = period_prev(y);
    int n;
    for (n = 0; n < 5; n++, y = period_next(y))
        tp[n] = y;
    return n;
}

/* Indicator `code`'s value in a rollup (ANS_NIL when it is not there). */
static ans_num_t indicator_value(const ans_rollup_t *ru, const char *code)
{
    for (uint32_t i = 0; i < ru->n_indicators; i++)
        if (!strcmp(ru->indicators[i].code, code))
            return ru->indicators[i].value;
    return (ans_num_t){.kind = ANS_NIL};
}

/* The rollup of node/ds/period, over approved reports only when p says so. */
static int ask_rollup(web_t *w, const params_t *p, const char *node, const char *ds, const char *period,
                      client_answer_t *ans, proto_error_t *err)
{
    proto_query_t q = agg_query("rollup", node, ds, period);
    q.approved = p->approved;
    return agg_ask_q(&w->agg, &q, ans, err);
}

/* Returns 0 (the caller free_answer()s a), or -1 with the failure answered. */
static int read_answer(req_t *r, resp_t *o, const params_t *p, answer_t *a)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    const char *node = c->units[p->pp.node].code, *ds = c->datasets[p->pp.ds].code;
    proto_error_t err;
    memset(a, 0, sizeof *a);
    if (ask_rollup(w, p, node, ds, p->pp.period, &a->rollup, &err) ||
        agg_ask(&w->agg, "status", node, ds, p->pp.period, &a->status, &err)) {
        client_answer_free(&a->rollup);
        page_failed(r, o, &err);
        return -1;
    }
    a->nt = trend_periods(p->pp.p, c->datasets[p->pp.ds].ptype, a->tp);
    for (int i = 0; i < a->nt; i++) {
        char pc[PERIOD_CODE_MAX];
        client_answer_t t;
        period_format(a->tp[i], pc, sizeof pc);
        if (!ask_rollup(w, p, node, ds, pc, &t, &err))
            a->trend[i] = indicator_value(&t.u.rollup, c->inds[p->ind].code);
        client_answer_free(&t);
    }
    return 0;
}

static void free_answer(answer_t *a)
{
    client_answer_free(&a->rollup);
    client_answer_free(&a->status);
}

/* ------------------------------------------------------------------------
 * The view: the charted indicator's value in each period of the trend
 * ------------------------------------------------------------------------ */

typedef struct {
    int n;
    char period[TREND_MAX][PERIOD_CODE_MAX];
    svg_point_t pts[TREND_MAX];
} view_t;

static void make_view(req_t *r, const answer_t *a, view_t *v)
{
    v->n = a->nt;
    for (int i = 0; i < a->nt; i++) {
        period_format(a->tp[i], v->period[i], sizeof v->period[i]);
        report_period_label(a->tp[i], r->en, v->pts[i].label, sizeof v->pts[i].label);
        v->pts[i].has = a->trend[i].kind != ANS_NIL;
        v->pts[i].v = ans_num_value(a->trend[i]);
    }
}

/* ------------------------------------------------------------------------
 * JSON: the rollup as the aggregator gave it, plus the trend
 * ------------------------------------------------------------------------ */

static json_t *num_json(ans_num_t n)
{
    return n.kind == ANS_INT ? json_integer(n.i) : n.kind == ANS_FLOAT ? json_real(n.f) : json_null();
}

static void render_json(req_t *r, resp_t *o, const params_t *p, const answer_t *a, const view_t *v)
{
    json_t *points = json_array();
    for (int i = 0; i < v->n; i++)
        json_array_append_new(points, json_pack("{s:s, s:o}", "period", v->period[i], "value", num_json(a->trend[i])));
    json_t *j = answer_json(&ans_obj_rollup, &a->rollup.u.rollup);
    json_object_set_new(j, "approved_only", json_boolean(p->approved));
    json_object_set_new(j, "status", answer_json(&ans_obj_status, &a->status.u.status));
    json_object_set_new(j, "trend", json_pack("{s:s, s:o}", "indicator", web_of(r)->cat->inds[p->ind].code,
                                              "points", points));
    page_json(o, j);
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

/* A value: rates (reals) as percentages, counts with separators, "–" for
 * no data.  share (NULL: none) follows a yes/no count. */
static void value_text(buf_t *b, ans_num_t v, const ans_num_t *share, bool en)
{
    if (v.kind == ANS_FLOAT) {
        view_pct(b, v.f, en);
    } else if (v.kind == ANS_INT) {
        view_int(b, v.i, en);
        if (share && share->kind == ANS_FLOAT) {
            buf_puts(b, " (");
            view_pct(b, share->f, en);
            buf_puts(b, ")");
        }
    } else {
        buf_puts(b, "–");
    }
}

static void data_value(buf_t *b, ans_num_t v)
{
    if (v.kind == ANS_INT)
        buf_printf(b, " data-value=\"%lld\"", (long long)v.i);
    else if (v.kind == ANS_FLOAT)
        buf_printf(b, " data-value=\"%.6f\"", v.f);
    else
        buf_puts(b, " data-value=\"\"");
}

static void html_head(req_t *r, buf_t *b, const params_t *p)
{
    const catalog_t *c = web_of(r)->cat;
    const unit_t *u = &c->units[p->pp.node];
    const dataset_t *ds = &c->datasets[p->pp.ds];
    char lab[64];
    layout_place_t pl = page_place(r, &p->pp);
    layout_begin(r, b, T(r, "Tổng quan", "Overview"), "/overview", &pl);
    layout_breadcrumb(r, b, p->pp.node, "/overview", p->pp.ds, p->pp.period);
    buf_puts(b, "<h1 id=\"title\">");
    buf_esc(b, u->name);
    buf_printf(b, " — %s</h1>", report_period_label(p->pp.p, r->en, lab, sizeof lab));
    buf_puts(b, "<p class=\"note\" id=\"dataset-name\">");
    buf_esc(b, view_dataset(r, p->pp.ds));
    buf_puts(b, "</p>");
    layout_selector(r, b, "/overview", p->pp.node, p->pp.ds, p->pp.period);
    view_cover_note(r, b, u->code, p->pp.ds, p->pp.p);
    buf_printf(b, "<p><a id=\"units-link\" ");
    view_href(b, r, "/completeness", "node", u->code, "dataset", ds->code, "period", p->pp.period, NULL);
    buf_printf(b, ">%s</a> · <a ", T(r, "Tình hình nộp báo cáo của các đơn vị", "Which units reported"));
    view_href(b, r, "/unit", "code", u->code, "dataset", ds->code, "period", p->pp.period, NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Báo cáo của chính đơn vị này", "This unit's own reports"));
}

/* The completeness of the node's subtree: due, on time, late, missing, not
 * due yet, the share on time; a link to the completeness page.  A strip
 * that wraps, so that it stays whole on a phone. */
static void html_completeness(req_t *r, buf_t *b, const params_t *p, const ans_status_t *st)
{
    const catalog_t *c = web_of(r)->cat;
    const struct {
        const char *id, *label;
        int64_t n;
    } items[] = {{"expected", T(r, "Phải nộp", "Due"), st->expected},
                 {"on_time", view_status("on_time", r->en), st->on_time},
                 {"late", view_status("late", r->en), st->late},
                 {"missing", view_status("missing", r->en), st->missing},
                 {"pending", view_status("pending", r->en), st->pending}};
    buf_printf(b, "<section id=\"completeness\"><h2>%s</h2><ul class=\"kpi\">",
               T(r, "Tình hình nộp báo cáo", "Reports received"));
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
        buf_printf(b, "<li class=\"st-%s\"><span>%s</span><b id=\"c-%s\" data-count=\"%lld\">", items[i].id,
                   items[i].label, items[i].id, (long long)items[i].n);
        view_int(b, items[i].n, r->en);
        buf_puts(b, "</b></li>");
    }
    buf_printf(b, "<li><span>%s</span><b id=\"c-share\" data-share=\"%.6f\">", T(r, "Tỷ lệ đúng hạn", "Share on time"),
               st->share_on_time);
    view_pct(b, st->share_on_time, r->en);
    buf_puts(b, "</b></li></ul><p><a id=\"completeness-link\" ");
    view_href(b, r, "/completeness", "node", c->units[p->pp.node].code, "dataset", c->datasets[p->pp.ds].code,
              "period", p->pp.period, NULL);
    buf_printf(b, ">%s</a></p></section>", T(r, "Xem từng đơn vị", "See every unit"));
}

/* Of the reports received, how many the heads approved, and the choice of
 * figures: every report received, or approved reports only. */
static void html_approval(req_t *r, buf_t *b, const params_t *p, const ans_status_t *st)
{
    const catalog_t *c = web_of(r)->cat;
    const char *node = c->units[p->pp.node].code, *ds = c->datasets[p->pp.ds].code;
    buf_printf(b, "<p class=\"note\" id=\"approval\">%s: <b id=\"c-approved\" data-count=\"%lld\">",
               T(r, "Đã duyệt", "Approved"), (long long)st->approved);
    view_int(b, st->approved, r->en);
    buf_printf(b, "</b> · %s: <b id=\"c-awaiting\" data-count=\"%lld\">", T(r, "Chờ duyệt", "Awaiting approval"),
               (long long)st->awaiting);
    view_int(b, st->awaiting, r->en);
    buf_printf(b, "</b> · %s: <b id=\"c-returned\" data-count=\"%lld\">", T(r, "Bị trả lại", "Returned"),
               (long long)st->returned);
    view_int(b, st->returned, r->en);
    buf_printf(b, "</b></p><p id=\"figures\" data-approved-only=\"%d\">%s ", p->approved,
               T(r, "Số liệu tính trên:", "Figures over:"));
    const char *labels[2] = {T(r, "mọi báo cáo đã nhận", "every report received"),
                             T(r, "chỉ báo cáo đã duyệt", "approved reports only")};
    for (int k = 0; k < 2; k++) {
        if (k)
            buf_puts(b, " · ");
        if (p->approved == (k == 1)) {
            buf_printf(b, "<b>%s</b>", labels[k]);
            continue;
        }
        buf_printf(b, "<a id=\"figures-%s\" ", k ? "approved" : "all");
        view_href(b, r, "/overview", "node", node, "dataset", ds, "period", p->pp.period, "ind",
                  p->ind_given ? c->inds[p->ind].code : NULL, "approved", k ? "1" : NULL, NULL);
        buf_printf(b, ">%s</a>", labels[k]);
    }
    if (p->approved)
        buf_printf(b, " <small>%s</small>",
                   T(r, "(mỗi báo cáo lấy phiên bản được duyệt gần nhất; báo cáo chưa được duyệt không được tính)",
                     "(each report's latest approved version; reports never approved are left out)"));
    buf_puts(b, "</p>");
}

/* The node's indicators: value (shares for yes/no, counts per tag), units reporting. */
static void html_indicators(req_t *r, buf_t *b, const params_t *p, const ans_rollup_t *ru)
{
    const catalog_t *c = web_of(r)->cat;
    const char *node = c->units[p->pp.node].code, *ds = c->datasets[p->pp.ds].code;
    buf_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"indicators\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "</tr></thead><tbody>",
               T(r, "Chỉ tiêu", "Indicators"), T(r, "STT", "#"), T(r, "Chỉ tiêu", "Indicator"),
               T(r, "Giá trị", "Value"), T(r, "Số đơn vị báo cáo", "Units reporting"));
    bool stock = false, rate = false;
    for (uint32_t i = 0; i < ru->n_indicators; i++) {
        const ans_indicator_t *it = &ru->indicators[i];
        const char *code = it->code;
        buf_printf(b, "<tr data-ind=\"");
        buf_esc(b, code);
        buf_printf(b, "\"><td class=\"n\">%u</td><td><a ", i + 1);
        view_href(b, r, "/overview", "node", node, "dataset", ds, "period", p->pp.period, "ind", code, "approved",
                  approved_arg(p), NULL);
        buf_puts(b, " title=\"");
        buf_esc(b, code);
        buf_puts(b, "\">");
        buf_esc(b, r->en ? it->name_en : it->name_vi);
        buf_puts(b, "</a>");
        stock |= !strcmp(it->kind, "stock");
        rate |= !strcmp(it->kind, "rate");
        buf_puts(b, !strcmp(it->kind, "stock") ? " *" : !strcmp(it->kind, "rate") ? " **" : "");
        if (it->has_tags && it->tags.n) {
            buf_puts(b, "<br><span class=\"note\">");
            for (uint32_t k = 0; k < it->tags.n; k++) {
                buf_printf(b, "%s", k ? ", " : "");
                view_tag(b, it->tags.keys[k], strlen(it->tags.keys[k]), r->en);
                buf_puts(b, ": ");
                view_int(b, it->tags.vals[k], r->en);
            }
            buf_puts(b, "</span>");
        }
        buf_puts(b, "</td><td class=\"n val\"");
        data_value(b, it->value);
        buf_puts(b, ">");
        value_text(b, it->value, !strcmp(it->kind, "bool") && it->has_share ? &it->share : NULL, r->en);
        buf_puts(b, "</td><td class=\"n\">");
        view_int(b, it->units, r->en);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>");
    view_footnotes(b, r, stock, rate);
}

static void html_trend(req_t *r, buf_t *b, const params_t *p, const view_t *v)
{
    const indicator_t *in = &web_of(r)->cat->inds[p->ind];
    const char *iname = r->en ? in->name_en : in->name_vi;
    buf_t title = {0};
    buf_printf(&title, "%s — %s", T(r, "Diễn biến theo kỳ", "Trend by period"), iname ? iname : "");
    buf_puts(b, "<h2>");
    buf_esc(b, title.p);
    buf_puts(b, "</h2>");
    svg_bars(b, "trend", title.p, v->pts, v->n, in->kind == IND_RATE, r->en);
    buf_free(&title);
}

/* The node's children with the charted indicator; names drill down. */
static void html_children(req_t *r, buf_t *b, const params_t *p, const ans_rollup_t *ru)
{
    const catalog_t *c = web_of(r)->cat;
    const indicator_t *in = &c->inds[p->ind];
    const char *ds = c->datasets[p->pp.ds].code;
    if (!ru->n_children)
        return;
    buf_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"children\"><thead><tr><th>%s</th><th>%s</th><th>", T(r, "Đơn vị trực thuộc",
               "Units below"), T(r, "Đơn vị", "Unit"), T(r, "Loại", "Kind"));
    buf_esc(b, r->en ? in->name_en : in->name_vi);
    buf_puts(b, "</th></tr></thead><tbody>");
    for (uint32_t i = 0; i < ru->n_children; i++) {
        const ans_child_t *ch = &ru->children[i];
        const char *cc = ch->code;
        buf_puts(b, "<tr data-unit=\"");
        buf_esc(b, cc);
        buf_puts(b, "\"><td><a class=\"drill\" ");
        view_href(b, r, "/overview", "node", cc, "dataset", ds, "period", p->pp.period, "ind",
                  p->ind_given ? in->code : NULL, "approved", approved_arg(p), NULL);
        buf_puts(b, ">");
        buf_esc(b, ch->name);
        buf_puts(b, "</a></td><td>");
        buf_esc(b, view_kind(ch->kind, r->en));
        int k = ans_nummap_find(&ch->values, in->code);
        ans_num_t v = k >= 0 ? ch->values.vals[k] : (ans_num_t){.kind = ANS_NIL};
        buf_puts(b, "</td><td class=\"n val\"");
        data_value(b, v);
        buf_puts(b, ">");
        value_text(b, v, NULL, r->en);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>");
}

static void render_html(req_t *r, resp_t *o, const params_t *p, const answer_t *a, const view_t *v)
{
    buf_t *b = &o->body;
    o->status = 200;
    html_head(r, b, p);
    html_completeness(r, b, p, &a->status.u.status);
    html_approval(r, b, p, &a->status.u.status);
    html_indicators(r, b, p, &a->rollup.u.rollup);
    html_trend(r, b, p, v);
    html_children(r, b, p, &a->rollup.u.rollup);
    layout_end(r, b);
}

/* ------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------ */

void page_overview(req_t *r, resp_t *o)
{
    params_t p;
    answer_t a;
    view_t v;
    if (read_params(r, o, &p) || read_answer(r, o, &p, &a))
        return;
    make_view(r, &a, &v);
    if (view_is_api(r))
        render_json(r, o, &p, &a, &v);
    else
        render_html(r, o, &p, &a, &v);
    free_answer(&a);
}
