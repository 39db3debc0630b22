/*
 * page_targets.c -- GET /targets and /api/targets: every target in force
 * for a node and period (min/max, actual, expected by now, status), the
 * units behind their targets first.  The aggregator's "targets" answer is
 * the JSON as it is (answer_json()); the page shows it.
 */
#include <stdio.h>
#include <string.h>

#include "page.h"
#include "report.h"

/* ------------------------------------------------------------------------
 * Parameters and answer
 * ------------------------------------------------------------------------ */

/* The common parameters; dataset only restricts the targets when given. */
static int read_params(req_t *r, resp_t *o, page_params_t *pp)
{
    return page_params(r, o, pp, "node");
}

/* Returns 0 with *a the aggregator's "targets" (client_answer_free() it),
 * or -1 with the failure answered. */
static int read_answer(req_t *r, resp_t *o, const page_params_t *pp, client_answer_t *a /* OUT */)
{
    web_t *w = web_of(r);
    proto_query_t q = agg_query("targets", w->cat->units[pp->node].code,
                                http_arg(r, "dataset") ? w->cat->datasets[pp->ds].code : NULL, pp->period);
    proto_error_t err;
    if (agg_ask_q(&w->agg, &q, a, &err)) {
        page_failed(r, o, &err);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * HTML (the answer needs no view: it comes sorted)
 * ------------------------------------------------------------------------ */

/* A number cell: rates in percent (as the answer carries them: 100.0 is
 * 100%), others with two decimals at most; "–" when !has. */
static void num_cell(buf_t *b, bool has, double x, bool rate, bool en)
{
    buf_printf(b, "<td class=\"n\"");
    if (has)
        buf_printf(b, " data-value=\"%.6f\">", x);
    else
        buf_puts(b, ">");
    if (has && rate)
        view_percent(b, x, en);
    else if (has)
        view_dec(b, x, 2, true, en);
    else
        buf_puts(b, "–");
    buf_puts(b, "</td>");
}

/* One target: unit, indicator, period type, min, max, actual, expected, status. */
static void html_row(req_t *r, buf_t *b, const ans_target_t *t, const char *period)
{
    const catalog_t *c = web_of(r)->cat;
    int ind = catalog_indicator(c, t->indicator);
    bool rate = ind >= 0 && c->inds[ind].kind == IND_RATE;
    const char *s = t->status;
    buf_puts(b, "<tr data-unit=\"");
    buf_esc(b, t->unit);
    buf_puts(b, "\" data-status=\"");
    buf_esc(b, s);
    buf_puts(b, "\"><td><a ");
    view_href(b, r, "/unit", "code", t->unit, "dataset", http_arg(r, "dataset"), "period", period, NULL);
    buf_puts(b, ">");
    buf_esc(b, t->name);
    buf_puts(b, "</a></td><td>");
    buf_esc(b, ind >= 0 && r->en ? c->inds[ind].name_en : t->name_vi);
    buf_puts(b, rate ? " **</td><td>" : ind >= 0 && c->inds[ind].kind == IND_STOCK ? " *</td><td>" : "</td><td>");
    buf_esc(b, view_period_type(t->period_type, r->en));
    buf_puts(b, "</td>");
    /* rates: min, max, actual and expected are all percent (answers.def) */
    num_cell(b, t->has_min, t->min, rate, r->en);
    num_cell(b, t->has_max, t->max, rate, r->en);
    num_cell(b, t->has_actual, t->actual, rate, r->en);
    num_cell(b, t->has_expected_by_now, t->expected_by_now, rate, r->en);
    buf_puts(b, "<td class=\"st-");
    buf_esc(b, s);
    buf_puts(b, "\">");
    buf_esc(b, view_status(s, r->en));
    buf_puts(b, "</td></tr>");
}

static void render_html(req_t *r, resp_t *o, const page_params_t *pp, const ans_targets_t *d)
{
    buf_t *b = &o->body;
    char lab[64];
    o->status = 200;
    layout_place_t pl = page_place(r, pp);
    layout_begin(r, b, T(r, "Tiến độ chỉ tiêu", "Targets"), "/targets", &pl);
    layout_breadcrumb(r, b, pp->node, "/targets", pp->ds, pp->period);
    buf_printf(b, "<h1 id=\"title\">%s — ", T(r, "Tiến độ thực hiện chỉ tiêu", "Progress against targets"));
    buf_esc(b, web_of(r)->cat->units[pp->node].name);
    buf_printf(b, ", %s</h1>", report_period_label(pp->p, r->en, lab, sizeof lab));
    layout_selector(r, b, "/targets", pp->node, -1, pp->period);
    buf_printf(b, "<p class=\"note\">%s</p>", T(r, "Các đơn vị chậm tiến độ được xếp trước.",
                                                 "Units behind their targets come first."));
    buf_printf(b, "<div class=\"scroll\"><table id=\"targets\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
               T(r, "Đơn vị", "Unit"), T(r, "Chỉ tiêu", "Indicator"), T(r, "Kỳ", "Per"), T(r, "Tối thiểu", "Min"),
               T(r, "Tối đa", "Max"), T(r, "Thực hiện", "Actual"), T(r, "Cần đạt đến nay", "Expected by now"),
               T(r, "Đánh giá", "Status"));
    bool stock = false, rate = false;
    for (uint32_t i = 0; i < d->n_targets; i++) {
        html_row(r, b, &d->targets[i], pp->period);
        int ind = catalog_indicator(web_of(r)->cat, d->targets[i].indicator);
        stock |= ind >= 0 && web_of(r)->cat->inds[ind].kind == IND_STOCK;
        rate |= ind >= 0 && web_of(r)->cat->inds[ind].kind == IND_RATE;
    }
    if (!d->n_targets)
        buf_printf(b, "<tr><td colspan=\"8\">%s</td></tr>", T(r, "Không có chỉ tiêu nào trong kỳ này.",
                                                               "No target is in force for this period."));
    buf_puts(b, "</tbody></table></div>");
    view_footnotes(b, r, stock, rate);
    layout_end(r, b);
}

/* ------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------ */

void page_targets(req_t *r, resp_t *o)
{
    page_params_t pp;
    client_answer_t a;
    if (read_params(r, o, &pp) || read_answer(r, o, &pp, &a))
        return;
    if (view_is_api(r))
        page_json(o, answer_json(&ans_obj_targets, &a.u.targets));
    else
        render_html(r, o, &pp, &a.u.targets);
    client_answer_free(&a);
}
