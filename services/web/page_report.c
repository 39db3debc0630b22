/*
 * page_report.c -- the consolidated report ("Thống kê tuyên truyền cải cách
 * hành chính"): GET /report (HTML), /api/report (JSON), /report.csv and
 * /report.xlsx.  Indicators x periods from..to with a total; the table is
 * built by services/common/report.c, which the CLI uses too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "page.h"
#include "report.h"

/* ------------------------------------------------------------------------
 * Parameters: node, from, to, dataset
 * ------------------------------------------------------------------------ */

typedef struct {
    const char *node;           /* NULL: the catalog's root */
    const char *dataset;        /* NULL: the one reported at the columns' type */
    char from[PERIOD_CODE_MAX], to[PERIOD_CODE_MAX];
    char period[PERIOD_CODE_MAX]; /* the place the page's links keep (period=, else to) */
} params_t;

/* Without from and to: the periods of the year of `period=` (of its type),
 * or of the year of the default period (page_default_period()) of the
 * dataset (default the first) -- the quarters of that year. */
static int default_span(req_t *r, resp_t *o, params_t *p)
{
    const catalog_t *c = web_of(r)->cat;
    const char *per = http_arg(r, "period");
    period_t pp;
    if (per && period_parse(per, &pp)) {
        layout_error(r, o, 400, page_bad_period(r, per));
        return -1;
    }
    if (!per) {
        int ds = p->dataset ? catalog_dataset(c, p->dataset) : 0;
        int node = p->node ? catalog_unit(c, p->node) : (c->nunits ? c->preorder[0] : -1);
        if (ds < 0 || ds >= c->ndatasets || node < 0) {
            layout_error(r, o, 400, T(r, "Loại báo cáo không có trong danh mục; hãy chọn trong danh sách.",
                                      "The report is not in the catalog; choose one from the list."));
            return -1;
        }
        pp = page_default_period(r, node, ds);
    }
    period_t year = pp;
    while (year.type != PERIOD_YEAR)
        year = period_parent(year);
    period_t kids[12];
    int n = pp.type == PERIOD_YEAR ? 0 : period_children(year, pp.type, kids, 12);
    period_format(n > 0 ? kids[0] : pp, p->from, sizeof p->from);
    period_format(n > 0 ? kids[n - 1] : pp, p->to, sizeof p->to);
    period_format(pp, p->period, sizeof p->period);
    return 0;
}

static int check_span(req_t *r, resp_t *o, params_t *p);

static int read_params(req_t *r, resp_t *o, params_t *p)
{
    const char *f = http_arg(r, "from"), *t = http_arg(r, "to");
    p->node = http_arg(r, "node");
    p->dataset = http_arg(r, "dataset");
    if (p->node && catalog_unit(web_of(r)->cat, p->node) < 0) {
        char err[512];
        snprintf(err, sizeof err, T(r, "Không có đơn vị mã '%s' trong danh mục đơn vị.",
                                    "There is no unit '%s' in the catalog."), p->node);
        layout_error(r, o, 404, err);
        return -1;
    }
    {
        int n = p->node ? catalog_unit(web_of(r)->cat, p->node) : auth_default_node(r);
        if (n >= 0 && !auth_may_see(r, n)) {
            layout_error(r, o, 403, T(r, "Bạn không có quyền xem đơn vị này.", "You may not see this unit."));
            return -1;
        }
        if (!p->node && n >= 0)
            p->node = web_of(r)->cat->units[n].code;
    }
    if (!f && !t)
        return default_span(r, o, p);
    snprintf(p->from, sizeof p->from, "%s", f ? f : t);
    snprintf(p->to, sizeof p->to, "%s", t ? t : f);
    return check_span(r, o, p);
}

/* from and to: periods of one type, from not after to (the builder says
 * so too, in English for the CLI; here in the reader's language). */
static int check_span(req_t *r, resp_t *o, params_t *p)
{
    period_t a, b;
    if (period_parse(p->from, &a)) {
        layout_error(r, o, 400, page_bad_period(r, p->from));
        return -1;
    }
    if (period_parse(p->to, &b)) {
        layout_error(r, o, 400, page_bad_period(r, p->to));
        return -1;
    }
    if (a.type != b.type) {
        layout_error(r, o, 400, T(r, "Từ kỳ và Đến kỳ phải cùng loại kỳ (cùng là quý, cùng là năm...).",
                                  "From and To must be periods of the same type (both quarters, both years...)."));
        return -1;
    }
    if (period_key(a) > period_key(b)) {
        layout_error(r, o, 400, T(r, "Từ kỳ phải đứng trước hoặc trùng Đến kỳ.", "From must not come after To."));
        return -1;
    }
    snprintf(p->period, sizeof p->period, "%s", http_arg(r, "period") ? http_arg(r, "period") : p->to);
    return 0;
}

/* ------------------------------------------------------------------------
 * The answer (and view): the report, one rollup QUERY per column
 * ------------------------------------------------------------------------ */

static int report_q(void *ud, const proto_query_t *q, client_answer_t *a, proto_error_t *err)
{
    return agg_ask_q(ud, q, a, err);
}

/* Reads the parameters and builds the report.  Returns 0 (the caller
 * report_free()s rep), or -1 with the error answered. */
static int read_report(req_t *r, resp_t *o, params_t *p, report_t *rep)
{
    if (read_params(r, o, p))
        return -1;
    web_t *w = web_of(r);
    char err[512];
    bool down = false;
    if (report_build(rep, w->cat, p->node, p->dataset, p->from, p->to, report_q, &w->agg, &down, err, sizeof err)) {
        if (down) {
            proto_error_t e;
            proto_fail(&e, PROTO_E_UNAVAILABLE, "%s", err);
            page_failed(r, o, &e);
        } else { /* the reader's sentence; report.c's own words folded under it */
            layout_failure(r, o, 400,
                           T(r, "Không lập được báo cáo cho khoảng kỳ này: “từ kỳ” và “đến kỳ” phải là hai kỳ cùng loại "
                                "(cùng là quý, cùng là năm…), “từ kỳ” không sau “đến kỳ”, và không quá 60 kỳ.",
                             "No report for this span: 'from' and 'to' must be periods of one type, 'from' not after "
                             "'to', and at most 60 periods."),
                           err);
        }
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

static void render_html(req_t *r, resp_t *o, const params_t *p, const report_t *rep)
{
    const catalog_t *c = web_of(r)->cat;
    buf_t *b = &o->body;
    o->status = 200;
    const unit_t *u = &c->units[rep->node];
    char lab[64], lab2[64];
    layout_place_t pl = {u->code, p->dataset, p->period};
    layout_begin(r, b, T(r, "Báo cáo tổng hợp", "Consolidated report"), "/report", &pl);
    buf_printf(b, "<h1 id=\"title\">%s</h1><p>", T(r, REPORT_TITLE_VI, REPORT_TITLE_EN));
    buf_esc(b, u->name);
    buf_printf(b, " — %s – %s (", report_period_label(rep->periods[0], r->en, lab, sizeof lab),
               report_period_label(rep->periods[rep->nperiods - 1], r->en, lab2, sizeof lab2));
    buf_esc(b, view_dataset(r, rep->ds));
    buf_puts(b, ")</p>");
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"/report\"><input type=\"hidden\" name=\"node\" value=\"");
    buf_esc(b, u->code);
    buf_puts(b, "\">");
    if (p->dataset) {
        buf_puts(b, "<input type=\"hidden\" name=\"dataset\" value=\"");
        buf_esc(b, p->dataset);
        buf_puts(b, "\">");
    }
    if (http_arg(r, "lang"))
        buf_printf(b, "<input type=\"hidden\" name=\"lang\" value=\"%s\">", r->en ? "en" : "vi");
    buf_printf(b, "<label>%s<input name=\"from\" size=\"8\" value=\"%s\"></label><label>%s<input name=\"to\" "
                  "size=\"8\" value=\"%s\"></label><button>%s</button></form>",
               T(r, "Từ kỳ", "From"), p->from, T(r, "Đến kỳ", "To"), p->to, T(r, "Xem", "Show"));
    buf_puts(b, "<p><a id=\"xlsx\" ");
    view_href(b, r, "/report.xlsx", "node", u->code, "from", p->from, "to", p->to, "dataset", http_arg(r, "dataset"), NULL);
    buf_printf(b, ">%s</a> · <a id=\"csv\" ", T(r, "Tải về Excel (XLSX)", "Download Excel (XLSX)"));
    view_href(b, r, "/report.csv", "node", u->code, "from", p->from, "to", p->to, "dataset", http_arg(r, "dataset"), NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Tải về CSV", "Download CSV"));
    buf_printf(b, "<div class=\"scroll\"><table id=\"report\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>",
               T(r, "STT", "#"), T(r, "Chỉ tiêu", "Indicator"), T(r, "ĐVT", "Unit of measure"));
    for (int k = 0; k < rep->nperiods; k++)
        buf_printf(b, "<th>%s</th>", report_period_label(rep->periods[k], r->en, lab, sizeof lab));
    buf_printf(b, "<th>%s</th></tr></thead><tbody>", T(r, "Tổng", "Total"));
    for (int i = 0; i < rep->nrows; i++) {
        const indicator_t *in = &c->inds[rep->rows[i].ind];
        buf_puts(b, "<tr data-ind=\"");
        buf_esc(b, in->code);
        buf_printf(b, "\"><td class=\"n\">%d</td><td>", i + 1);
        buf_esc(b, r->en ? in->name_en : in->name_vi);
        buf_puts(b, in->kind == IND_STOCK ? " *" : in->kind == IND_RATE ? " **" : "");
        buf_puts(b, "</td><td class=\"uom\">");
        buf_esc(b, ind_unit(in, r->en));
        buf_puts(b, "</td>");
        for (int k = 0; k <= rep->nperiods; k++) {
            buf_printf(b, "<td class=\"n\"%s>", k == rep->nperiods ? " style=\"font-weight:bold\"" : "");
            if (!rep->rows[i].has[k])
                buf_puts(b, "–");
            else if (in->kind == IND_RATE)
                view_pct(b, rep->rows[i].v[k], r->en);
            else
                view_dec(b, rep->rows[i].v[k], 0, true, r->en);
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table></div>");
    bool stock, rate;
    report_has_kinds(rep, &stock, &rate);
    view_footnotes(b, r, stock, rate);
    layout_end(r, b);
}

/* ------------------------------------------------------------------------
 * Downloads
 * ------------------------------------------------------------------------ */

/* Content-Disposition: thong-ke-cchc_NODE_FROM_TO.EXT, in safe characters. */
static void download_name(resp_t *o, const report_t *rep, const char *from, const char *to, const char *ext)
{
    char name[128];
    snprintf(name, sizeof name, "thong-ke-cchc_%s_%s_%s.%s", rep->cat->units[rep->node].code, from, to, ext);
    for (char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
              *p == '_' || *p == '-'))
            *p = '_';
    snprintf(o->disposition, sizeof o->disposition, "attachment; filename=\"%s\"", name);
}

static void render_csv(req_t *r, resp_t *o, const params_t *p, const report_t *rep)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f || report_write_csv(rep, f)) {
        if (f)
            fclose(f);
        free(mem);
        layout_error(r, o, 500, "Cannot build the CSV.");
        return;
    }
    fclose(f);
    buf_put(&o->body, mem, len);
    free(mem);
    o->status = 200;
    o->ctype = "text/csv; charset=utf-8";
    download_name(o, rep, p->from, p->to, "csv");
}

/* libxlsxwriter writes to a file: a temporary one, sent and deleted by the
 * HTTP layer. */
static void render_xlsx(req_t *r, resp_t *o, const params_t *p, const report_t *rep)
{
    const char *tmpdir = getenv("TMPDIR");
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/cchc-web-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        layout_error(r, o, 500, "Cannot create a temporary file for the spreadsheet.");
        return;
    }
    close(fd);
    if (report_write_xlsx(rep, path, err, sizeof err)) {
        unlink(path);
        layout_error(r, o, 500, err);
        return;
    }
    o->file = strdup(path);
    o->status = 200;
    o->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    download_name(o, rep, p->from, p->to, "xlsx");
}

/* ------------------------------------------------------------------------
 * The routes
 * ------------------------------------------------------------------------ */

typedef void render_fn(req_t *r, resp_t *o, const params_t *p, const report_t *rep);

static void serve(req_t *r, resp_t *o, render_fn *render)
{
    params_t p;
    report_t rep;
    if (read_report(r, o, &p, &rep))
        return;
    render(r, o, &p, &rep);
    report_free(&rep);
}

static void render_page(req_t *r, resp_t *o, const params_t *p, const report_t *rep)
{
    if (view_is_api(r))
        page_json(o, report_json(rep));
    else
        render_html(r, o, p, rep);
}

void page_report(req_t *r, resp_t *o) { serve(r, o, render_page); }
void page_report_csv(req_t *r, resp_t *o) { serve(r, o, render_csv); }
void page_report_xlsx(req_t *r, resp_t *o) { serve(r, o, render_xlsx); }
