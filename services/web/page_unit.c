/*
 * page_unit.c -- GET /unit and /api/unit: a unit's submissions for a period,
 * newest first (version, corrections marked, time received, submitter,
 * submission id, journal seq, note), and the values of every version side
 * by side with changed cells highlighted and the comments beside values,
 * and the decisions on the report (approved, returned, extended, silenced:
 * who, when, why): the audit trail.
 */
#include <stdio.h>
#include <string.h>

#include "decisions.h"
#include "page.h"
#include "report.h"

/* ------------------------------------------------------------------------
 * Parameters: code (required), dataset, period
 * ------------------------------------------------------------------------ */

static int read_params(req_t *r, resp_t *o, page_params_t *pp)
{
    if (!http_arg(r, "code")) {
        layout_error(r, o, 400, T(r, "Trang này cần biết đơn vị (code=…); hãy mở nó từ danh sách đơn vị của trang "
                                     "Tình hình nộp báo cáo.",
                                  "This page needs a unit (code=…); open it from the list on the Completeness page."));
        return -1;
    }
    return page_params(r, o, pp, "code");
}

/* ------------------------------------------------------------------------
 * The answer: the aggregator's "history" (E_NOT_FOUND: the unit has not
 * reported, no versions)
 * ------------------------------------------------------------------------ */

typedef struct {
    client_answer_t history;
    const ans_version_t *versions; /* newest first; in history */
    uint32_t n;
} answer_t;

static int read_answer(req_t *r, resp_t *o, const page_params_t *pp, answer_t *a /* OUT */)
{
    web_t *w = web_of(r);
    proto_query_t q = agg_query("history", w->cat->units[pp->node].code, w->cat->datasets[pp->ds].code, pp->period);
    q.limit = 100;
    proto_error_t err;
    int rc = agg_ask_q(&w->agg, &q, &a->history, &err);
    if (rc && rc != PROTO_E_NOT_FOUND) {
        page_failed(r, o, &err);
        return -1;
    }
    a->versions = rc ? NULL : a->history.u.history.versions;
    a->n = rc ? 0 : a->history.u.history.n_versions;
    return 0;
}

/* ------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------ */

static void render_json(req_t *r, resp_t *o, const page_params_t *pp, const answer_t *a)
{
    const catalog_t *c = web_of(r)->cat;
    const unit_t *u = &c->units[pp->node];
    json_t *vs = json_array(), *ds = json_array();
    for (uint32_t i = 0; i < a->n; i++)
        json_array_append_new(vs, answer_json(&ans_obj_version, &a->versions[i]));
    for (uint32_t i = 0; a->n && i < a->history.u.history.n_decisions; i++)
        json_array_append_new(ds, answer_json(&ans_obj_decision, &a->history.u.history.decisions[i]));
    page_json(o, json_pack("{s:{s:s, s:s, s:s, s:s?}, s:s, s:s, s:o, s:o}", "unit", "code", u->code, "name", u->name,
                           "kind", u->kind, "parent", u->parent >= 0 ? c->units[u->parent].code : NULL, "dataset",
                           c->datasets[pp->ds].code, "period", pp->period, "versions", vs, "decisions", ds));
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

static void html_head(req_t *r, buf_t *b, const page_params_t *pp)
{
    const catalog_t *c = web_of(r)->cat;
    const unit_t *u = &c->units[pp->node];
    const char *ds = c->datasets[pp->ds].code;
    char lab[64];
    layout_place_t pl = page_place(r, pp);
    layout_begin(r, b, u->name, "", &pl);
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
static void html_versions(req_t *r, buf_t *b, const answer_t *a)
{
    buf_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"versions\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "<th>%s</th></tr></thead><tbody>",
               T(r, "Các lần nộp (mới nhất trước)", "Submissions (newest first)"), T(r, "Phiên bản", "Version"),
               T(r, "Thời điểm nhận", "Received"), T(r, "Người nộp", "Submitter"), T(r, "Mã lần nộp", "Submission id"),
               T(r, "Số thứ tự nhật ký", "Journal seq"), T(r, "Ghi chú", "Note"));
    for (uint32_t i = 0; i < a->n; i++) {
        const ans_version_t *v = &a->versions[i];
        unsigned long long ver = v->version;
        buf_printf(b, "<tr data-version=\"%llu\"><td class=\"n\">%llu%s</td><td>", ver, ver,
                   ver > 1 ? T(r, " (đính chính)", " (correction)") : "");
        view_time(b, true, v->received_at);
        buf_puts(b, "</td><td>");
        if (v->has_entered_by && v->entered_by && *v->entered_by) { /* a person, through the web's key */
            auth_user_name(r, b, v->entered_by);
            buf_printf(b, " <small class=\"by\" data-key=\"%s\">(%s)</small>", v->submitter,
                       T(r, "nhập trên web", "entered on the web"));
        } else { /* a unit's own key (cchc submit): the unit */
            const catalog_t *c = web_of(r)->cat;
            int su = catalog_unit(c, v->submitter);
            buf_esc(b, su >= 0 ? c->units[su].name : v->submitter);
        }
        buf_puts(b, "</td><td>");
        buf_esc(b, v->id);
        buf_printf(b, "</td><td class=\"n\">%llu</td><td>", (unsigned long long)v->seq);
        buf_esc(b, v->note);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>");
}

/* The values of every version side by side; a cell that differs from the
 * older version's is highlighted. */
static void html_values(req_t *r, buf_t *b, const page_params_t *pp, const answer_t *a)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *ds = &c->datasets[pp->ds];
    uint32_t nv = a->n;
    buf_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"values\"><thead><tr><th>%s</th>", T(r, "Số liệu theo phiên bản",
               "Values by version"), T(r, "Chỉ tiêu", "Indicator"));
    for (uint32_t i = 0; i < nv; i++)
        buf_printf(b, "<th>v%llu</th>", (unsigned long long)a->versions[i].version);
    buf_puts(b, "</tr></thead><tbody>");
    bool stock = false;
    for (int k = 0; k < ds->ninds; k++) {
        const indicator_t *in = &c->inds[ds->inds[k]];
        if (in->kind == IND_RATE)
            continue;
        stock |= in->kind == IND_STOCK;
        buf_puts(b, "<tr data-ind=\"");
        buf_esc(b, in->code);
        buf_puts(b, "\"><td>");
        buf_esc(b, r->en ? in->name_en : in->name_vi);
        buf_puts(b, in->kind == IND_STOCK ? " *</td>" : "</td>");
        for (uint32_t j = 0; j < nv; j++) {
            /* the oldest version is compared with itself: never changed */
            proto_value_t x, older;
            bool hx = view_value_of(&a->versions[j].values, in->code, &x);
            bool ho = view_value_of(&a->versions[j + 1 < nv ? j + 1 : j].values, in->code, &older);
            bool changed = hx != ho || (hx && !proto_value_same(&x, &older));
            buf_printf(b, "<td class=\"n\"%s>", changed ? " style=\"background:#fff4d6\"" : "");
            view_value(b, in, hx ? &x : NULL, r->en);
            view_comment(b, &a->versions[j].comments, in->code);
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table></div>");
    view_footnotes(b, r, stock, false);
}

static void render_html(req_t *r, resp_t *o, const page_params_t *pp, const answer_t *a)
{
    buf_t *b = &o->body;
    o->status = 200;
    html_head(r, b, pp);
    if (!a->n) {
        buf_printf(b, "<p class=\"warn\" id=\"none\">%s</p>", T(r, "Đơn vị chưa nộp báo cáo cho kỳ này.",
                                                                   "The unit has not reported for this period."));
    } else {
        html_versions(r, b, a);
        decisions_table(r, b, &a->history.u.history);
        html_values(r, b, pp, a);
    }
    layout_end(r, b);
}

/* ------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------ */

void page_unit(req_t *r, resp_t *o)
{
    page_params_t pp;
    answer_t a;
    if (read_params(r, o, &pp) || read_answer(r, o, &pp, &a))
        return;
    if (view_is_api(r))
        render_json(r, o, &pp, &a);
    else
        render_html(r, o, &pp, &a);
    client_answer_free(&a.history);
}
