/*
 * page_completeness.c -- GET /completeness and /api/completeness: every unit
 * of a subtree that must report for a period, on time / late / missing /
 * not due yet, with summary counts, the share on time, a chart by kind of
 * unit, filters (status, kind of unit, text search: the aggregator's QUERY
 * status/kind/search) and a table sortable by its headers, each unit with
 * its extension, silence and approval state when the aggregator gives them.
 */
#include <stdlib.h>
#include <string.h>

#include "decisions.h"
#include "page.h"
#include "report.h"
#include "svg.h"

/* The statuses in the order of the summary and of the chart's series. */
static const char *const STATUSES[4] = {"on_time", "late", "missing", "pending"};

enum sort_key { SORT_TREE, SORT_NAME, SORT_CODE, SORT_STATUS, SORT_RECEIVED };
static const char *const SORT_NAMES[] = {"tree", "name", "code", "status", "received"};

/* ------------------------------------------------------------------------
 * Parameters: node, dataset, period; kind, sort, order
 * ------------------------------------------------------------------------ */

/* Units listed per page: the aggregator filters by kind and pages the list
 * (QUERY kind, offset, limit), so a country's page stays small. */
#define PAGE_UNITS 500

/* The status filter's values (QUERY.status), "" for all. */
static const char *const FILTERS[] = {"", "on_time", "late", "missing", "pending", "received"};
#define NFILTERS (sizeof FILTERS / sizeof FILTERS[0])

typedef struct {
    page_params_t pp;
    const char *kind;           /* only units of this kind; NULL: all */
    const char *status;         /* only units of this status (FILTERS); NULL: all */
    const char *search;         /* only units whose code or name contains this; NULL: all */
    enum sort_key sort;
    bool desc;
    uint64_t from;              /* the page: the first unit's position */
} params_t;

static int read_params(req_t *r, resp_t *o, params_t *p)
{
    const catalog_t *c = web_of(r)->cat;
    if (page_params(r, o, &p->pp, "node"))
        return -1;
    const char *kind = http_arg(r, "kind");
    const char *sort = http_arg(r, "sort");
    const char *order = http_arg(r, "order");
    p->kind = NULL;
    if (kind && *kind) {
        bool known = false;
        for (int i = 0; i < c->nunits && !known; i++)
            known = !strcmp(c->units[i].kind, kind);
        if (!known) {
            layout_error(r, o, 400, T(r, "Loại đơn vị cần lọc không có trong danh mục (ví dụ: Sở, Xã, Phường, Đặc khu); "
                                         "hãy chọn trong danh sách của trang.",
                                      "The kind of unit to filter by is not in the catalog (such as Department, "
                                      "Commune, Ward); choose one from the page's list."));
            return -1;
        }
        p->kind = kind;
    }
    p->sort = SORT_TREE;
    if (sort && *sort) {
        int k = SORT_RECEIVED;
        while (k >= 0 && strcmp(sort, SORT_NAMES[k]))
            k--;
        if (k < 0) {
            layout_error(r, o, 400, T(r, "Không sắp xếp được theo cột này: hãy bấm vào tiêu đề một cột của bảng.",
                                      "The table cannot be sorted this way: click a column's header."));
            return -1;
        }
        p->sort = (enum sort_key)k;
    }
    const char *from = http_arg(r, "from");
    p->from = 0;
    if (from && *from) {
        char *end;
        unsigned long long v = strtoull(from, &end, 10);
        if (*end || v > 100000000ull || from[0] == '-') {
            layout_error(r, o, 400, T(r, "Số trang không hợp lệ: hãy dùng các liên kết Trang trước / Trang sau.",
                                      "Not a valid page: use the Previous / Next links."));
            return -1;
        }
        p->from = v;
    }
    const char *st = http_arg(r, "status"), *q = http_arg(r, "q");
    p->status = NULL;
    if (st && *st) {
        size_t i = 1;
        while (i < NFILTERS && strcmp(st, FILTERS[i]))
            i++;
        if (i == NFILTERS) {
            layout_error(r, o, 400, T(r, "Tình trạng cần lọc không hợp lệ: hãy chọn Đúng hạn, Trễ hạn, Chưa nộp, "
                                         "Chưa đến hạn hoặc Đã nộp trong danh sách.",
                                      "Not a status to filter by: choose On time, Late, Missing, Not due yet or "
                                      "Received from the list."));
            return -1;
        }
        p->status = FILTERS[i];
    }
    p->search = q && *q ? q : NULL;
    if (p->search && strlen(p->search) > 128) {
        layout_error(r, o, 400, T(r, "Từ khóa tìm kiếm dài quá 128 byte; hãy viết ngắn hơn.",
                                  "The search text is longer than 128 bytes; write a shorter one."));
        return -1;
    }
    p->desc = order && !strcmp(order, "desc");
    if (order && strcmp(order, "asc") && strcmp(order, "desc")) {
        layout_error(r, o, 400, T(r, "Thứ tự sắp xếp chỉ có thể là tăng dần (asc) hoặc giảm dần (desc).",
                                  "The order can only be ascending (asc) or descending (desc)."));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * The answer: the aggregator's "units" and "status" for the node and period
 * ------------------------------------------------------------------------ */

typedef struct {
    client_answer_t units;      /* u.units: node, units [...], by_kind {...} */
    client_answer_t status;     /* u.status: expected, on_time, ..., share_on_time, deadline */
} answer_t;

/* Returns 0 (the caller free_answer()s a), or -1 with the failure answered. */
static int read_answer(req_t *r, resp_t *o, const params_t *p, answer_t *a)
{
    web_t *w = web_of(r);
    const char *node = w->cat->units[p->pp.node].code, *ds = w->cat->datasets[p->pp.ds].code;
    proto_error_t err;
    proto_query_t q = agg_query("units", node, ds, p->pp.period);
    snprintf(q.kind, sizeof q.kind, "%s", p->kind ? p->kind : "");
    snprintf(q.status, sizeof q.status, "%s", p->status ? p->status : "");
    snprintf(q.search, sizeof q.search, "%s", p->search ? p->search : "");
    q.offset = p->from;
    q.limit = PAGE_UNITS;
    if (agg_ask_q(&w->agg, &q, &a->units, &err) ||
        agg_ask(&w->agg, "status", node, ds, p->pp.period, &a->status, &err)) {
        client_answer_free(&a->units);
        page_failed(r, o, &err);
        return -1;
    }
    return 0;
}

static void free_answer(answer_t *a)
{
    client_answer_free(&a->units);
    client_answer_free(&a->status);
}

/* ------------------------------------------------------------------------
 * The view: the listed units (filtered, sorted) and their counts
 * ------------------------------------------------------------------------ */

typedef struct {
    const ans_unit_status_t *unit; /* borrowed from the answer */
    size_t tree;                /* position in tree order (pre-order) */
} row_t;

typedef struct {
    row_t *rows;
    size_t n;
    long long count[4];         /* of the listed units, by STATUSES */
    long long expected;         /* of the kind when filtered, else the aggregator's */
    double share;               /* share on time, likewise */
} view_t;

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

/* qsort_r comparator; ctx is the enum sort_key.  Ties keep tree order. */
static int cmp_rows(const void *pa, const void *pb, void *ctx)
{
    const row_t *ra = pa, *rb = pb;
    const ans_unit_status_t *a = ra->unit, *b = rb->unit;
    int c = 0;
    switch (*(const enum sort_key *)ctx) {
    case SORT_NAME:
        c = strcmp(a->name, b->name);
        break;
    case SORT_CODE:
        c = strcmp(a->code, b->code);
        break;
    case SORT_STATUS:
        c = status_rank(a->status) - status_rank(b->status);
        break;
    case SORT_RECEIVED: {
        int64_t vx = a->has_received_at ? a->received_at : 0, vy = b->has_received_at ? b->received_at : 0;
        bool hx = a->has_received_at, hy = b->has_received_at;
        c = hx != hy ? (hx ? -1 : 1) : (vx < vy ? -1 : vx > vy); /* never received: last */
        break;
    }
    case SORT_TREE:
        break;
    }
    if (!c)
        c = ra->tree < rb->tree ? -1 : ra->tree > rb->tree;
    return c;
}

/* The counters of kind `kind` in a units answer, or NULL. */
static const ans_counts_t *kind_counts(const ans_units_t *u, const char *kind)
{
    for (uint32_t i = 0; i < u->n_by_kind; i++)
        if (!strcmp(u->by_kind[i].key, kind))
            return &u->by_kind[i].v;
    return NULL;
}

static int make_view(const params_t *p, const answer_t *a, view_t *v)
{
    memset(v, 0, sizeof *v);
    const ans_units_t *all = &a->units.u.units;
    size_t n = all->n_units;
    v->rows = calloc(n ? n : 1, sizeof *v->rows);
    if (!v->rows)
        return -1;
    for (size_t i = 0; i < n; i++) /* the aggregator filtered by kind and cut the page */
        v->rows[v->n++] = (row_t){&all->units[i], i};
    if (p->sort != SORT_TREE)
        qsort_r(v->rows, v->n, sizeof *v->rows, cmp_rows, (void *)&p->sort);
    if (p->desc)
        for (size_t i = 0; i < v->n / 2; i++) {
            row_t t = v->rows[i];
            v->rows[i] = v->rows[v->n - 1 - i];
            v->rows[v->n - 1 - i] = t;
        }
    /* the counts are of every unit listed on all pages: by_kind's */
    for (uint32_t i = 0; i < all->n_by_kind; i++) {
        const ans_counts_t *bk = &all->by_kind[i].v;
        if (p->kind && strcmp(all->by_kind[i].key, p->kind))
            continue;
        long long c[4] = {bk->on_time, bk->late, bk->missing, bk->pending};
        for (int k = 0; k < 4; k++)
            v->count[k] += c[k];
    }
    if (p->kind) {
        const ans_counts_t *bk = kind_counts(all, p->kind);
        v->expected = bk ? bk->expected : 0;
        long long ot = bk ? bk->on_time : 0;
        v->share = v->expected ? (double)ot / (double)v->expected : 0;
    } else {
        v->expected = a->status.u.status.expected;
        v->share = a->status.u.status.share_on_time;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * JSON
 * ------------------------------------------------------------------------ */

/* The aggregator's node, status and by_kind as they are, the listed units
 * (rows of its units, filtered and sorted) and the view's summary. */
static void render_json(req_t *r, resp_t *o, const params_t *p, const answer_t *a, const view_t *v)
{
    const catalog_t *c = web_of(r)->cat;
    json_t *units = answer_json(&ans_obj_units, &a->units.u.units);
    json_t *all = json_object_get(units, "units");
    json_t *list = json_array();
    for (size_t i = 0; i < v->n; i++)
        json_array_append(list, json_array_get(all, v->rows[i].tree));
    json_t *j = json_pack("{s:O, s:s, s:s, s:s?, s:s, s:s, s:o, s:O, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:f}}",
                          "node", json_object_get(units, "node"), "dataset", c->datasets[p->pp.ds].code,
                          "period", p->pp.period, "kind", p->kind, "sort", SORT_NAMES[p->sort], "order",
                          p->desc ? "desc" : "asc", "status", answer_json(&ans_obj_status, &a->status.u.status),
                          "by_kind", json_object_get(units, "by_kind"), "units", list, "summary", "expected",
                          (json_int_t)v->expected, "on_time", (json_int_t)v->count[0], "late",
                          (json_int_t)v->count[1], "missing", (json_int_t)v->count[2], "pending",
                          (json_int_t)v->count[3], "share_on_time", v->share);
    json_object_set_new(j, "filter", json_pack("{s:s?, s:s?}", "status", p->status, "q", p->search));
    json_decref(units);
    page_json(o, j);
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

/* The deadline is the end of the last day to submit: show that day, which
 * is what the seeds' "trước ngày 10" means to a reader. */
static void html_deadline(req_t *r, buf_t *b, int64_t dl)
{
    /* one date, as the e-mails say it: the last day (the instant is data-deadline) */
    buf_printf(b, "<p id=\"deadline\" data-deadline=\"%lld\">%s ", (long long)dl,
               T(r, "Hạn nộp: hết ngày", "Deadline: the end of"));
    view_date(b, date_of_time(dl - 1));
    buf_puts(b, "</p>");
}

static void html_summary(req_t *r, buf_t *b, const view_t *v, const ans_status_t *st)
{
    buf_printf(b, "<div class=\"scroll\"><table id=\"summary\"><tr><th>%s</th><td class=\"n\" id=\"n-expected\" data-count=\"%lld\">",
               T(r, "Phải nộp", "Expected"), v->expected);
    view_int(b, v->expected, r->en);
    buf_puts(b, "</td></tr>");
    for (int k = 0; k < 4; k++) {
        buf_printf(b, "<tr><th class=\"st-%s\">%s</th><td class=\"n\" id=\"n-%s\" data-count=\"%lld\">",
                   STATUSES[k], view_status(STATUSES[k], r->en), STATUSES[k], v->count[k]);
        view_int(b, v->count[k], r->en);
        buf_puts(b, "</td></tr>");
    }
    buf_printf(b, "<tr><th>%s</th><td id=\"share\" data-share=\"%.6f\">", T(r, "Tỷ lệ đúng hạn", "Share on time"),
               v->share);
    svg_share(b, v->share, r->en);
    buf_puts(b, "</td></tr>");
    decisions_summary_rows(r, b, st);
    buf_puts(b, "</table></div>");
}

/* A stacked bar per kind of unit: on time, late, missing, pending. */
static void html_by_kind(req_t *r, buf_t *b, const ans_units_t *u)
{
    static const char *const colors[4] = {"#2da44e", "#d4a72c", "#cf222e", "#afb8c1"};
    svg_stack_t *rows = u->n_by_kind ? calloc(u->n_by_kind, sizeof *rows) : NULL;
    if (!rows)
        return;
    const char *series[4];
    for (int s = 0; s < 4; s++)
        series[s] = view_status(STATUSES[s], r->en);
    for (uint32_t i = 0; i < u->n_by_kind; i++) {
        const ans_counts_t *k = &u->by_kind[i].v;
        rows[i].label = view_kind(u->by_kind[i].key, r->en);
        rows[i].total = k->expected;
        /* by STATUSES */
        rows[i].count[0] = k->on_time;
        rows[i].count[1] = k->late;
        rows[i].count[2] = k->missing;
        rows[i].count[3] = k->pending;
    }
    const char *title = T(r, "Theo loại đơn vị", "By kind of unit");
    buf_printf(b, "<h2>%s</h2>", title);
    svg_stacked(b, "by-kind", title, rows, (int)u->n_by_kind, series, colors, 4, r->en);
    free(rows);
}

/* A hidden field of the filter form (nothing when value is NULL or ""). */
static void hidden(buf_t *b, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    buf_esc(b, value);
    buf_puts(b, "\">");
}

/* The filter form: status, kind of unit, text search -- the aggregator's
 * QUERY status/kind/search; it keeps the node, dataset, period, sort and
 * language, and starts again at the first page. */
static void html_filter_form(req_t *r, buf_t *b, const params_t *p, const char *node, const char *ds,
                             const ans_units_t *u)
{
    static const char *const vi[NFILTERS] = {"Tất cả", "Đúng hạn", "Trễ hạn", "Chưa nộp (quá hạn)", "Chưa đến hạn",
                                             "Đã nộp (đúng hạn và trễ hạn)"};
    static const char *const en[NFILTERS] = {"All", "On time", "Late", "Missing", "Not due yet",
                                             "Received (on time and late)"};
    buf_puts(b, "<form class=\"f\" id=\"filters\" method=\"get\" action=\"/completeness\">");
    hidden(b, "node", node);
    hidden(b, "dataset", http_arg(r, "dataset") ? ds : NULL);
    hidden(b, "period", p->pp.period);
    hidden(b, "sort", p->sort != SORT_TREE ? SORT_NAMES[p->sort] : NULL);
    hidden(b, "order", p->desc ? "desc" : NULL);
    if (http_arg(r, "lang"))
        hidden(b, "lang", r->en ? "en" : "vi");
    buf_printf(b, "<label>%s<select name=\"status\" id=\"f-status\">", T(r, "Tình trạng", "Status"));
    for (size_t i = 0; i < NFILTERS; i++) {
        bool on = p->status ? !strcmp(p->status, FILTERS[i]) : i == 0;
        buf_printf(b, "<option value=\"%s\"%s>%s</option>", FILTERS[i], on ? " selected" : "", r->en ? en[i] : vi[i]);
    }
    buf_printf(b, "</select></label><label>%s<select name=\"kind\" id=\"f-kind\"><option value=\"\">%s</option>",
               T(r, "Loại đơn vị", "Kind of unit"), T(r, "Tất cả", "All"));
    for (uint32_t i = 0; i < u->n_by_kind; i++) {
        const char *k = u->by_kind[i].key;
        buf_puts(b, "<option value=\"");
        buf_esc(b, k);
        buf_printf(b, "\"%s>", p->kind && !strcmp(p->kind, k) ? " selected" : "");
        buf_esc(b, view_kind(k, r->en));
        buf_puts(b, "</option>");
    }
    buf_printf(b, "</select></label><label>%s<input type=\"search\" name=\"q\" id=\"f-q\" maxlength=\"128\" "
                  "placeholder=\"%s\" value=\"", T(r, "Tìm đơn vị", "Find a unit"),
               T(r, "tên hoặc mã đơn vị", "name or code"));
    buf_esc(b, p->search ? p->search : "");
    buf_printf(b, "\"></label><button>%s</button>", T(r, "Lọc", "Filter"));
    if (p->status || p->kind || p->search) {
        buf_puts(b, " <a id=\"f-clear\" ");
        view_href(b, r, "/completeness", "node", node, "dataset", http_arg(r, "dataset") ? ds : NULL, "period",
                  p->pp.period, NULL);
        buf_printf(b, ">%s</a>", T(r, "Bỏ lọc", "Clear filters"));
    }
    buf_puts(b, "</form>");
}

/* Links that filter by kind (keeping the sort and the other filters). */
static void html_filters(req_t *r, buf_t *b, const params_t *p, const char *node, const char *ds,
                         const ans_units_t *u)
{
    const char *sort = SORT_NAMES[p->sort];
    buf_printf(b, "<p class=\"filters\" id=\"kinds\">%s: <a ", T(r, "Lọc theo loại", "Filter by kind"));
    view_href(b, r, "/completeness", "node", node, "dataset", ds, "period", p->pp.period, "status", p->status, "q",
              p->search, "sort", sort, NULL);
    buf_printf(b, "%s>%s</a>", p->kind ? "" : " class=\"on\"", T(r, "Tất cả", "All"));
    for (uint32_t i = 0; i < u->n_by_kind; i++) {
        const char *k = u->by_kind[i].key;
        buf_puts(b, " <a "); /* a space between links: a phone wraps them */
        view_href(b, r, "/completeness", "node", node, "dataset", ds, "period", p->pp.period, "kind", k, "status",
                  p->status, "q", p->search, "sort", sort, NULL);
        buf_printf(b, "%s>", p->kind && !strcmp(p->kind, k) ? " class=\"on\"" : "");
        buf_esc(b, view_kind(k, r->en));
        buf_puts(b, "</a>");
    }
    buf_puts(b, "</p>");
    html_filter_form(r, b, p, node, ds, u);
}

/* A page that starts past the last unit (from= beyond the end, say an old
 * link after a filter narrowed the list): an empty page that says so, not
 * a range that runs backwards; the page links go to the first and the
 * last page. */
static bool past_end(const params_t *p, const ans_units_t *u)
{
    return p->from > 0 && p->from >= (uint64_t)(u->matched > 0 ? u->matched : 0);
}

/* A link to the page of units starting at `from`, keeping the filters, the sort and the language. */
static void page_link(req_t *r, buf_t *b, const params_t *p, const char *node, const char *ds, uint64_t from,
                      const char *id, const char *text)
{
    char at[24];
    snprintf(at, sizeof at, "%llu", (unsigned long long)from);
    buf_printf(b, "<a id=\"%s\" ", id);
    view_href(b, r, "/completeness", "node", node, "dataset", ds, "period", p->pp.period, "kind", p->kind, "status",
              p->status, "q", p->search, "sort", SORT_NAMES[p->sort], "order", p->desc ? "desc" : NULL, "from", at,
              NULL);
    buf_printf(b, ">%s</a>", text);
}

/* The units, sortable by clicking a column header. */
static void html_table(req_t *r, buf_t *b, const params_t *p, const char *node, const char *ds, const view_t *v,
                       const ans_units_t *u)
{
    /* opt: left out on a phone (with the code, kind and version gone, the
     * name, status and time received fit 390 px) */
    static const struct {
        const char *key, *vi, *en;
        bool opt;
    } cols[] = {{"code", "Mã", "Code", true}, {"name", "Đơn vị", "Unit", false}, {NULL, "Loại", "Kind", true},
                {"status", "Tình trạng", "Status", false}, {"received", "Thời điểm nộp", "Received", false},
                {NULL, "Phiên bản", "Version", true}};
    buf_puts(b, "<div class=\"scroll\"><table id=\"units\"><thead><tr>");
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        buf_puts(b, cols[i].opt ? "<th class=\"opt\">" : "<th>");
        if (cols[i].key) {
            bool on = !strcmp(SORT_NAMES[p->sort], cols[i].key);
            buf_puts(b, "<a ");
            view_href(b, r, "/completeness", "node", node, "dataset", ds, "period", p->pp.period, "kind", p->kind,
                      "status", p->status, "q", p->search, "sort", cols[i].key, "order",
                      on && !p->desc ? "desc" : NULL, NULL);
            buf_printf(b, ">%s%s</a>", T(r, cols[i].vi, cols[i].en), on ? (p->desc ? " ▼" : " ▲") : "");
        } else {
            buf_puts(b, T(r, cols[i].vi, cols[i].en));
        }
        buf_puts(b, "</th>");
    }
    buf_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < v->n; i++) {
        const ans_unit_status_t *x = v->rows[i].unit;
        const char *s = x->status;
        buf_puts(b, "<tr data-unit=\"");
        buf_esc(b, x->code);
        buf_puts(b, "\" data-status=\"");
        buf_esc(b, s);
        buf_puts(b, "\"");
        decisions_row_data(b, x);
        buf_puts(b, "><td class=\"opt\">");
        buf_esc(b, x->code);
        buf_puts(b, "</td><td><a ");
        view_href(b, r, "/unit", "code", x->code, "dataset", ds, "period", p->pp.period, NULL);
        buf_puts(b, ">");
        buf_esc(b, x->name);
        buf_puts(b, "</a>");
        decisions_row_notes(r, b, x);
        buf_puts(b, "</td><td class=\"opt\">");
        buf_esc(b, view_kind(x->kind, r->en));
        buf_puts(b, "</td><td class=\"st-");
        buf_esc(b, s);
        buf_puts(b, "\">");
        buf_esc(b, view_status(s, r->en));
        decisions_row_approval(r, b, x);
        buf_puts(b, "</td><td>");
        view_time(b, x->has_received_at, x->received_at);
        buf_puts(b, "</td><td class=\"n opt\">");
        if (x->has_version)
            buf_printf(b, "%lld", (long long)x->version);
        buf_puts(b, "</td></tr>");
    }
    if (!v->n && past_end(p, u) && u->matched > 0) {
        buf_printf(b, "<tr id=\"past-end\"><td colspan=\"6\">%s ", T(r, "Không có đơn vị nào từ vị trí", "No unit from position"));
        view_dec(b, (double)p->from + 1, 0, true, r->en);
        buf_printf(b, "%s", T(r, "; tổng ", "; in all "));
        view_dec(b, (double)u->matched, 0, true, r->en);
        buf_puts(b, ". ");
        page_link(r, b, p, node, ds, 0, "past-end-first", T(r, "Về trang đầu", "Back to the first page"));
        buf_puts(b, "</td></tr>");
    } else if (!v->n) {
        buf_printf(b, "<tr id=\"no-match\"><td colspan=\"6\">%s</td></tr>",
                   T(r, "Không có đơn vị nào khớp bộ lọc.", "No unit matches the filters."));
    }
    buf_puts(b, "</tbody></table></div>");
}

/* The range shown -- "Đơn vị 501–638 / 638": the first unit's position
 * counted from 1, the last min(from + shown, matched) -- and links to the
 * previous and the next page, when the list is longer than one page.  Past
 * the end (past_end()) the table says so and this links to the first page
 * and, when there are several, the last. */
static void html_pages(req_t *r, buf_t *b, const params_t *p, const char *node, const char *ds,
                       const ans_units_t *u)
{
    uint64_t total = u->matched > 0 ? (uint64_t)u->matched : 0, shown = u->n_units;
    if (total <= PAGE_UNITS && p->from == 0)
        return;
    buf_puts(b, "<p class=\"pages\" id=\"pages\">");
    if (past_end(p, u) || !shown) {
        page_link(r, b, p, node, ds, 0, "page-first", T(r, "← Trang đầu", "← First page"));
        if (total > PAGE_UNITS) {
            buf_puts(b, " · ");
            page_link(r, b, p, node, ds, (total - 1) / PAGE_UNITS * PAGE_UNITS, "page-last",
                      T(r, "Trang cuối →", "Last page →"));
        }
        buf_puts(b, "</p>");
        return;
    }
    uint64_t last = p->from + shown < total ? p->from + shown : total;
    buf_printf(b, "%s <span id=\"page-range\" data-first=\"%llu\" data-last=\"%llu\" data-total=\"%llu\">",
               T(r, "Đơn vị", "Units"), (unsigned long long)p->from + 1, (unsigned long long)last,
               (unsigned long long)total);
    view_dec(b, (double)(p->from + 1), 0, true, r->en);
    buf_puts(b, "–");
    view_dec(b, (double)last, 0, true, r->en);
    buf_puts(b, " / ");
    view_dec(b, (double)total, 0, true, r->en);
    buf_puts(b, "</span>");
    if (p->from > 0) {
        buf_puts(b, " · ");
        page_link(r, b, p, node, ds, p->from > PAGE_UNITS ? p->from - PAGE_UNITS : 0, "page-prev",
                  T(r, "← Trang trước", "← Previous"));
    }
    if (last < total) {
        buf_puts(b, " · ");
        page_link(r, b, p, node, ds, last, "page-next", T(r, "Trang sau →", "Next →"));
    }
    buf_puts(b, "</p>");
}

static void render_html(req_t *r, resp_t *o, const params_t *p, const answer_t *a, const view_t *v)
{
    const catalog_t *c = web_of(r)->cat;
    const unit_t *u = &c->units[p->pp.node];
    const char *ds = c->datasets[p->pp.ds].code;
    buf_t *b = &o->body;
    char lab[64];
    o->status = 200;
    layout_place_t pl = page_place(r, &p->pp);
    layout_begin(r, b, T(r, "Tình hình nộp báo cáo", "Completeness"), "/completeness", &pl);
    layout_breadcrumb(r, b, p->pp.node, "/completeness", p->pp.ds, p->pp.period);
    buf_puts(b, "<h1 id=\"title\">");
    buf_puts(b, T(r, "Tình hình nộp báo cáo — ", "Completeness — "));
    buf_esc(b, u->name);
    buf_printf(b, ", %s</h1>", report_period_label(p->pp.p, r->en, lab, sizeof lab));
    layout_selector(r, b, "/completeness", p->pp.node, p->pp.ds, p->pp.period);
    view_cover_note(r, b, u->code, p->pp.ds, p->pp.p);
    html_deadline(r, b, a->status.u.status.deadline);
    html_summary(r, b, v, &a->status.u.status);
    html_by_kind(r, b, &a->units.u.units);
    html_filters(r, b, p, u->code, ds, &a->units.u.units);
    html_table(r, b, p, u->code, ds, v, &a->units.u.units);
    html_pages(r, b, p, u->code, ds, &a->units.u.units);
    layout_end(r, b);
}

/* ------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------ */

void page_completeness(req_t *r, resp_t *o)
{
    params_t p;
    answer_t a;
    view_t v;
    if (read_params(r, o, &p) || read_answer(r, o, &p, &a))
        return;
    if (make_view(&p, &a, &v)) {
        layout_error(r, o, 500, T(r, "Máy chủ hết bộ nhớ; hãy thử lại sau.", "The server is out of memory; try again later."));
    } else if (view_is_api(r)) {
        render_json(r, o, &p, &a, &v);
    } else {
        render_html(r, o, &p, &a, &v);
    }
    free(v.rows);
    free_answer(&a);
}
