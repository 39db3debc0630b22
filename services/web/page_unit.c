/*
 * page_unit.c -- GET /unit and /api/unit: a unit's submissions for a period,
 * newest first (version, corrections marked, time received, submitter,
 * submission id, journal seq, note), and the values of every version side
 * by side with changed cells highlighted: the audit trail.
 */
#include <stdio.h>
#include <string.h>

#include "page.h"
#include "report.h"

/* ------------------------------------------------------------------------
 * Parameters: code (required), dataset, period
 * ------------------------------------------------------------------------ */

static int read_params(req_t *r, resp_t *o, page_params_t *pp)
{
    if (!http_arg(r, "code")) {
        layout_error(r, o, 400, "This page needs code=UNIT, e.g. /unit?code=HP.SO.XAY_DUNG.");
        return -1;
    }
    return page_params(r, o, pp, "code");
}

/* ------------------------------------------------------------------------
 * The answer: the aggregator's "history" (NULL: the unit has not reported)
 * ------------------------------------------------------------------------ */

static int read_answer(req_t *r, resp_t *o, const page_params_t *pp, json_t **history /* OUT */)
{
    web_t *w = web_of(r);
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "history");
    snprintf(q.node, sizeof q.node, "%s", w->cat->units[pp->node].code);
    snprintf(q.dataset, sizeof q.dataset, "%s", w->cat->datasets[pp->ds].code);
    snprintf(q.period, sizeof q.period, "%.6s", pp->period);
    q.limit = 100;
    char err[512];
    bool down;
    *history = agg_query_q(&w->agg, &q, &down, err, sizeof err);
    if (!*history && (down || !strstr(err, "E_NOT_FOUND"))) {
        page_failed(r, o, down, err);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------ */

static void render_json(req_t *r, resp_t *o, const page_params_t *pp, json_t *versions)
{
    const catalog_t *c = web_of(r)->cat;
    const unit_t *u = &c->units[pp->node];
    json_t *vs = versions ? json_incref(versions) : json_array();
    page_json(o, json_pack("{s:{s:s, s:s, s:s, s:s?}, s:s, s:s, s:o}", "unit", "code", u->code, "name", u->name,
                           "kind", u->kind, "parent", u->parent >= 0 ? c->units[u->parent].code : NULL, "dataset",
                           c->datasets[pp->ds].code, "period", pp->period, "versions", vs));
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

static void value_plain(buf_t *b, json_t *v, bool en)
{
    if (json_is_integer(v))
        view_int(b, json_integer_value(v), en);
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

static void html_head(req_t *r, buf_t *b, const page_params_t *pp)
{
    const catalog_t *c = web_of(r)->cat;
    const unit_t *u = &c->units[pp->node];
    const char *ds = c->datasets[pp->ds].code;
    char lab[64];
    layout_begin(r, b, u->name, "");
    layout_breadcrumb(r, b, pp->node, "/overview", pp->ds, pp->period);
    buf_puts(b, "<h1 id=\"title\">");
    buf_esc(b, u->name);
    buf_printf(b, " <span class=\"note\">(");
    buf_esc(b, u->code);
    buf_printf(b, ", %s)</span></h1>", view_kind(u->kind, r->en));
    buf_printf(b, "<p>%s — %s · <a ", T(r, "Báo cáo", "Report"), report_period_label(pp->p, r->en, lab, sizeof lab));
    view_href(b, r, "/overview", "node", u->code, "dataset", ds, "period", pp->period, NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Tổng hợp của đơn vị", "Unit rollup"));
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"/unit\"><input type=\"hidden\" name=\"code\" value=\"");
    buf_esc(b, u->code);
    buf_puts(b, "\">");
    layout_dataset_select(r, b, pp->ds);
    buf_printf(b, "<label>%s<input name=\"period\" size=\"8\" value=\"%s\"></label><button>%s</button>"
                  "</form>", T(r, "Kỳ", "Period"), pp->period, T(r, "Xem", "Show"));
}

/* One row per version, newest first. */
static void html_versions(req_t *r, buf_t *b, json_t *versions)
{
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
        view_time(b, json_object_get(v, "received_at"));
        buf_puts(b, "</td><td>");
        buf_esc(b, view_str(v, "submitter"));
        buf_puts(b, "</td><td>");
        buf_esc(b, view_str(v, "id"));
        buf_printf(b, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td>", json_integer_value(json_object_get(v, "seq")));
        buf_esc(b, view_str(v, "note"));
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table>");
}

/* The values of every version side by side; a cell that differs from the
 * older version's is highlighted. */
static void html_values(req_t *r, buf_t *b, const page_params_t *pp, json_t *versions)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *ds = &c->datasets[pp->ds];
    size_t i, nv = json_array_size(versions);
    json_t *v;
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
}

static void render_html(req_t *r, resp_t *o, const page_params_t *pp, json_t *versions)
{
    buf_t *b = &o->body;
    o->status = 200;
    html_head(r, b, pp);
    if (!json_array_size(versions)) {
        buf_printf(b, "<p class=\"warn\" id=\"none\">%s</p>", T(r, "Đơn vị chưa nộp báo cáo cho kỳ này.",
                                                                   "The unit has not reported for this period."));
    } else {
        html_versions(r, b, versions);
        html_values(r, b, pp, versions);
    }
    layout_end(r, b);
}

/* ------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------ */

void page_unit(req_t *r, resp_t *o)
{
    page_params_t pp;
    json_t *history;
    if (read_params(r, o, &pp) || read_answer(r, o, &pp, &history))
        return;
    json_t *versions = history ? json_object_get(history, "versions") : NULL;
    if (view_is_api(r))
        render_json(r, o, &pp, versions);
    else
        render_html(r, o, &pp, versions);
    json_decref(history);
}
