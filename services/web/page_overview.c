/*
 * page_overview.c -- GET /overview and /api/overview: a node's indicators
 * for a period (the aggregator's rollup), a bar chart of one indicator over
 * the periods of the year, and the node's children with that indicator,
 * each a drill-down link to its own overview.
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
} params_t;

static int read_params(req_t *r, resp_t *o, params_t *p)
{
    const catalog_t *c = web_of(r)->cat;
    if (page_params(r, o, &p->pp, "node"))
        return -1;
    const dataset_t *ds = &c->datasets[p->pp.ds];
    const char *indc = http_arg(r, "ind");
    p->ind_given = indc != NULL;
    p->ind = indc ? catalog_indicator(c, indc) : (ds->ninds ? ds->inds[0] : -1);
    if (p->ind < 0 || !catalog_dataset_has(c, p->pp.ds, p->ind)) {
        layout_error(r, o, 400, "The indicator 'ind' is not part of this dataset.");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The answer: the rollup of the period, and of every period of the trend
 * ------------------------------------------------------------------------ */

typedef struct {
    json_t *rollup;
    int nt;
    period_t tp[TREND_MAX];     /* the trend's periods */
    json_t *trend[TREND_MAX];   /* their rollups; NULL when the QUERY failed */
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

static int read_answer(req_t *r, resp_t *o, const params_t *p, answer_t *a)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    const char *node = c->units[p->pp.node].code, *ds = c->datasets[p->pp.ds].code;
    char err[512];
    bool down;
    memset(a, 0, sizeof *a);
    a->rollup = agg_query(&w->agg, "rollup", node, ds, p->pp.period, &down, err, sizeof err);
    if (!a->rollup) {
        page_failed(r, o, down, err);
        return -1;
    }
    a->nt = trend_periods(p->pp.p, c->datasets[p->pp.ds].ptype, a->tp);
    for (int i = 0; i < a->nt; i++) {
        char pc[PERIOD_CODE_MAX];
        period_format(a->tp[i], pc, sizeof pc);
        a->trend[i] = agg_query(&w->agg, "rollup", node, ds, pc, &down, err, sizeof err);
    }
    return 0;
}

static void free_answer(answer_t *a)
{
    json_decref(a->rollup);
    for (int i = 0; i < a->nt; i++)
        json_decref(a->trend[i]);
}

/* ------------------------------------------------------------------------
 * The view: the charted indicator's value in each period of the trend
 * ------------------------------------------------------------------------ */

typedef struct {
    int n;
    char period[TREND_MAX][PERIOD_CODE_MAX];
    json_t *value[TREND_MAX];   /* borrowed from the answer; NULL: no data */
    svg_point_t pts[TREND_MAX];
} view_t;

static void make_view(req_t *r, const params_t *p, const answer_t *a, view_t *v)
{
    const char *code = web_of(r)->cat->inds[p->ind].code;
    v->n = a->nt;
    for (int i = 0; i < a->nt; i++) {
        period_format(a->tp[i], v->period[i], sizeof v->period[i]);
        report_period_label(a->tp[i], r->en, v->pts[i].label, sizeof v->pts[i].label);
        v->pts[i].has = false;
        v->value[i] = NULL;
        size_t k;
        json_t *it;
        json_array_foreach(a->trend[i] ? json_object_get(a->trend[i], "indicators") : NULL, k, it)
        {
            json_t *x = json_object_get(it, "value");
            if (strcmp(view_str(it, "code"), code) || !json_is_number(x))
                continue;
            v->pts[i].has = true;
            v->pts[i].v = json_number_value(x);
            v->value[i] = x;
        }
    }
}

/* ------------------------------------------------------------------------
 * JSON: the rollup as the aggregator gave it, plus the trend
 * ------------------------------------------------------------------------ */

static void render_json(req_t *r, resp_t *o, const params_t *p, answer_t *a, const view_t *v)
{
    json_t *points = json_array();
    for (int i = 0; i < v->n; i++)
        json_array_append_new(points, json_pack("{s:s, s:O}", "period", v->period[i], "value",
                                                v->value[i] ? v->value[i] : json_null()));
    json_object_set_new(a->rollup, "trend", json_pack("{s:s, s:o}", "indicator", web_of(r)->cat->inds[p->ind].code,
                                                      "points", points));
    page_json(o, json_incref(a->rollup));
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

static void value_text(buf_t *b, json_t *ind, json_t *v, bool en)
{
    const char *kind = view_str(ind, "kind");
    if (!v || json_is_null(v)) {
        buf_puts(b, "–");
    } else if (json_is_real(v)) {
        view_pct(b, json_real_value(v), en);
    } else if (json_is_integer(v)) {
        view_int(b, json_integer_value(v), en);
        if (!strcmp(kind, "bool") && json_is_real(json_object_get(ind, "share"))) {
            buf_puts(b, " (");
            view_pct(b, json_real_value(json_object_get(ind, "share")), en);
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

static void html_head(req_t *r, buf_t *b, const params_t *p)
{
    const catalog_t *c = web_of(r)->cat;
    const unit_t *u = &c->units[p->pp.node];
    const dataset_t *ds = &c->datasets[p->pp.ds];
    char lab[64];
    layout_begin(r, b, T(r, "Tổng quan", "Overview"), "/overview");
    layout_breadcrumb(r, b, p->pp.node, "/overview", p->pp.ds, p->pp.period);
    buf_puts(b, "<h1 id=\"title\">");
    buf_esc(b, u->name);
    buf_printf(b, " — %s</h1>", report_period_label(p->pp.p, r->en, lab, sizeof lab));
    buf_puts(b, "<p class=\"note\">");
    buf_esc(b, ds->name);
    buf_puts(b, " (");
    buf_esc(b, ds->code);
    buf_puts(b, ")</p>");
    layout_selector(r, b, "/overview", p->pp.node, p->pp.ds, p->pp.period);
    buf_printf(b, "<p><a id=\"units-link\" ");
    view_href(b, r, "/completeness", "node", u->code, "dataset", ds->code, "period", p->pp.period, NULL);
    buf_printf(b, ">%s</a> · <a ", T(r, "Tình hình nộp báo cáo của các đơn vị", "Which units reported"));
    view_href(b, r, "/unit", "code", u->code, "dataset", ds->code, "period", p->pp.period, NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Báo cáo của chính đơn vị này", "This unit's own reports"));
}

/* The node's indicators: value (shares for yes/no, counts per tag), units reporting. */
static void html_indicators(req_t *r, buf_t *b, const params_t *p, json_t *rollup)
{
    const catalog_t *c = web_of(r)->cat;
    const char *node = c->units[p->pp.node].code, *ds = c->datasets[p->pp.ds].code;
    buf_printf(b, "<h2>%s</h2><table id=\"indicators\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "</tr></thead><tbody>",
               T(r, "Chỉ tiêu", "Indicators"), T(r, "STT", "#"), T(r, "Chỉ tiêu", "Indicator"),
               T(r, "Giá trị", "Value"), T(r, "Số đơn vị báo cáo", "Units reporting"));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(rollup, "indicators"), i, it)
    {
        const char *code = view_str(it, "code");
        buf_printf(b, "<tr data-ind=\"");
        buf_esc(b, code);
        buf_printf(b, "\"><td class=\"n\">%zu</td><td><a ", i + 1);
        view_href(b, r, "/overview", "node", node, "dataset", ds, "period", p->pp.period, "ind", code, NULL);
        buf_puts(b, " title=\"");
        buf_esc(b, code);
        buf_puts(b, "\">");
        buf_esc(b, r->en ? view_str(it, "name_en") : view_str(it, "name_vi"));
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
        view_int(b, json_integer_value(json_object_get(it, "units")), r->en);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
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
    svg_bars(b, "trend", title.p, v->pts, v->n, in->kind == IND_RATE);
    buf_free(&title);
}

/* The node's children with the charted indicator; names drill down. */
static void html_children(req_t *r, buf_t *b, const params_t *p, json_t *rollup)
{
    const catalog_t *c = web_of(r)->cat;
    const indicator_t *in = &c->inds[p->ind];
    const char *ds = c->datasets[p->pp.ds].code;
    json_t *children = json_object_get(rollup, "children");
    if (!json_array_size(children))
        return;
    buf_printf(b, "<h2>%s</h2><table id=\"children\"><thead><tr><th>%s</th><th>%s</th><th>", T(r, "Đơn vị trực thuộc",
               "Units below"), T(r, "Đơn vị", "Unit"), T(r, "Loại", "Kind"));
    buf_esc(b, r->en ? in->name_en : in->name_vi);
    buf_puts(b, "</th></tr></thead><tbody>");
    size_t i;
    json_t *ch;
    json_array_foreach(children, i, ch)
    {
        const char *cc = view_str(ch, "code");
        buf_puts(b, "<tr data-unit=\"");
        buf_esc(b, cc);
        buf_puts(b, "\"><td><a class=\"drill\" ");
        view_href(b, r, "/overview", "node", cc, "dataset", ds, "period", p->pp.period, "ind",
                  p->ind_given ? in->code : NULL, NULL);
        buf_puts(b, ">");
        buf_esc(b, view_str(ch, "name"));
        buf_puts(b, "</a></td><td>");
        buf_esc(b, view_kind(view_str(ch, "kind"), r->en));
        json_t *v = json_object_get(json_object_get(ch, "values"), in->code);
        buf_puts(b, "</td><td class=\"n val\"");
        data_value(b, v);
        buf_puts(b, ">");
        if (json_is_real(v))
            view_pct(b, json_real_value(v), r->en);
        else if (json_is_integer(v))
            view_int(b, json_integer_value(v), r->en);
        else
            buf_puts(b, "–");
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
}

static void render_html(req_t *r, resp_t *o, const params_t *p, const answer_t *a, const view_t *v)
{
    buf_t *b = &o->body;
    o->status = 200;
    html_head(r, b, p);
    html_indicators(r, b, p, a->rollup);
    html_trend(r, b, p, v);
    html_children(r, b, p, a->rollup);
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
    make_view(r, &p, &a, &v);
    if (view_is_api(r))
        render_json(r, o, &p, &a, &v);
    else
        render_html(r, o, &p, &a, &v);
    free_answer(&a);
}
