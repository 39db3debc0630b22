/*
 * report.c -- the consolidated report (see report.h).
 */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "csvtab.h"

int report_span(const char *from, const char *to, period_t *out, int max, char *err, size_t errlen)
{
    period_t a, b;
    if (!from || period_parse(from, &a)) {
        snprintf(err, errlen, "'from' must be a period such as 2025Q1, 2025 or 202501");
        return -1;
    }
    if (!to || !*to) {
        b = a;
    } else if (period_parse(to, &b)) {
        snprintf(err, errlen, "'to' must be a period such as 2025Q4, 2025 or 202512");
        return -1;
    }
    if (a.type != b.type) {
        snprintf(err, errlen, "'from' and 'to' must be periods of the same type (both quarters, both years...)");
        return -1;
    }
    if (period_key(a) > period_key(b)) {
        snprintf(err, errlen, "'from' (%s) comes after 'to' (%s)", from, to);
        return -1;
    }
    int n = 0;
    for (period_t p = a;; p = period_next(p)) {
        if (n >= max) {
            snprintf(err, errlen, "the span has more than %d periods; choose a shorter one or a coarser type", max);
            return -1;
        }
        out[n++] = p;
        if (period_key(p) == period_key(b))
            break;
    }
    return n;
}

int report_default_dataset(const catalog_t *cat, period_type_t t)
{
    int best = -1;
    for (int i = 0; i < cat->ndatasets; i++) {
        period_type_t dt = cat->datasets[i].ptype;
        if (dt == t)
            return i;
        if (dt < t && (best < 0 || dt < cat->datasets[best].ptype))
            best = i;
    }
    return best;
}

const char *report_period_label(period_t p, bool en, char *buf, size_t len)
{
    static const char *mon_en[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    switch (p.type) {
    case PERIOD_MONTH:
        if (en)
            snprintf(buf, len, "%s %u", mon_en[(p.index - 1) % 12], (unsigned)p.year);
        else
            snprintf(buf, len, "Tháng %u/%u", (unsigned)p.index, (unsigned)p.year);
        break;
    case PERIOD_QUARTER:
        if (en)
            snprintf(buf, len, "Q%u %u", (unsigned)p.index, (unsigned)p.year);
        else
            snprintf(buf, len, "Quý %u/%u", (unsigned)p.index, (unsigned)p.year);
        break;
    case PERIOD_HALF:
        if (en)
            snprintf(buf, len, "H%u %u", (unsigned)p.index, (unsigned)p.year);
        else
            snprintf(buf, len, "6 tháng %s năm %u", p.index == 1 ? "đầu" : "cuối", (unsigned)p.year);
        break;
    case PERIOD_YEAR:
        if (en)
            snprintf(buf, len, "%u", (unsigned)p.year);
        else
            snprintf(buf, len, "Năm %u", (unsigned)p.year);
        break;
    default: snprintf(buf, len, "?");
    }
    return buf;
}

/* Copies a rollup answer's indicator values into column c of the report. */
static void fill_column(report_t *r, const catalog_t *cat, const ans_rollup_t *rollup, int c)
{
    for (uint32_t i = 0; i < rollup->n_indicators; i++) {
        const ans_indicator_t *it = &rollup->indicators[i];
        int ind = catalog_indicator(cat, it->code);
        for (int k = 0; k < r->nrows; k++) {
            report_row_t *row = &r->rows[k];
            if (row->ind != ind)
                continue;
            row->has[c] = it->value.kind != ANS_NIL;
            row->v[c] = row->has[c] ? ans_num_value(it->value) : 0;
            if (it->has_num && it->has_den) {
                row->num[c] = (double)it->num;
                row->den[c] = (double)it->den;
                row->has_nd[c] = true;
            }
        }
    }
}

/* Asks the rollup of the report's node and dataset for period p (see
 * report_query_fn). */
static int ask_rollup(const report_t *r, period_t p, report_query_fn q, void *ud, client_answer_t *a,
                      proto_error_t *err)
{
    proto_query_t pq;
    memset(&pq, 0, sizeof pq);
    snprintf(pq.what, sizeof pq.what, "rollup");
    snprintf(pq.node, sizeof pq.node, "%s", r->cat->units[r->node].code);
    snprintf(pq.dataset, sizeof pq.dataset, "%s", r->cat->datasets[r->ds].code);
    period_format(p, pq.period, sizeof pq.period);
    return q(ud, &pq, a, err);
}

/* Fills the columns of the periods from the aggregator's rollups; a period
 * with nothing reported (E_NOT_FOUND) stays empty.  Returns 0, or -1 with a
 * sentence in err (*unavailable set when the aggregator did not answer). */
static int fill_columns(report_t *r, report_query_fn q, void *ud, bool *unavailable, char *err, size_t errlen)
{
    for (int c = 0; c < r->nperiods; c++) {
        client_answer_t a;
        proto_error_t e;
        char pc[PERIOD_CODE_MAX];
        int rc = ask_rollup(r, r->periods[c], q, ud, &a, &e);
        if (rc == PROTO_E_NOT_FOUND)
            continue;
        if (rc) {
            /* a refusal names its code; silence is said by the sentence alone */
            bool down = rc == PROTO_E_UNAVAILABLE;
            snprintf(err, errlen, "%s %s: %s%s%s", r->cat->units[r->node].code,
                     period_format(r->periods[c], pc, sizeof pc), down ? "" : proto_err_code(e.code),
                     down ? "" : ": ", e.message);
            if (unavailable)
                *unavailable = down;
            return -1;
        }
        fill_column(r, r->cat, &a.u.rollup, c);
        client_answer_free(&a);
    }
    return 0;
}

/* Combines columns [0, n) of values v/has by an indicator's across_time rule. */
static bool combine(const catalog_t *cat, int ind, const double *v, const bool *has, int n, double *out)
{
    bool any = false;
    double acc = 0;
    bool sum = cat->inds[ind].kind == IND_COUNT;
    for (int i = 0; i < n; i++) {
        if (!has[i])
            continue;
        if (sum)
            acc += v[i];
        else
            acc = v[i];
        any = true;
    }
    *out = acc;
    return any;
}

int report_build(report_t *r, const catalog_t *cat, const char *node, const char *dataset, const char *from,
                 const char *to, report_query_fn q, void *ud, bool *unavailable, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    r->cat = cat;
    if (unavailable)
        *unavailable = false;
    r->node = node && *node ? catalog_unit(cat, node) : (cat->nunits ? cat->preorder[0] : -1);
    if (r->node < 0) {
        snprintf(err, errlen, "the unit '%s' is not in the catalog", node ? node : "");
        return -1;
    }
    int n = report_span(from, to, r->periods, REPORT_MAX_COLS, err, errlen);
    if (n < 0)
        return -1;
    r->nperiods = n;
    period_type_t t = (period_type_t)r->periods[0].type;
    if (dataset && *dataset) {
        r->ds = catalog_dataset(cat, dataset);
        if (r->ds < 0) {
            snprintf(err, errlen, "the dataset '%s' is not in the catalog", dataset);
            return -1;
        }
        if (cat->datasets[r->ds].ptype > t) {
            snprintf(err, errlen, "the dataset %s is reported by %s and cannot fill columns of type %s", dataset,
                     period_type_name(cat->datasets[r->ds].ptype), period_type_name(t));
            return -1;
        }
    } else {
        r->ds = report_default_dataset(cat, t);
        if (r->ds < 0) {
            snprintf(err, errlen, "no dataset is reported often enough for columns of type %s", period_type_name(t));
            return -1;
        }
    }
    const dataset_t *ds = &cat->datasets[r->ds];
    r->rows = calloc((size_t)(ds->ninds ? ds->ninds : 1), sizeof *r->rows);
    if (!r->rows) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r->nrows = ds->ninds;
    for (int i = 0; i < ds->ninds; i++)
        r->rows[i].ind = ds->inds[i];

    if (fill_columns(r, q, ud, unavailable, err, errlen)) {
        report_free(r);
        return -1;
    }
    /* totals: when the span is exactly one coarser period (the four
     * quarters of a year...), the aggregator's own rollup of that period is
     * the total (stocks: each unit's latest value); otherwise the columns are
     * combined */
    period_t whole = r->periods[0];
    bool exact = false;
    while (!exact && whole.type < PERIOD_YEAR) {
        whole = period_parent(whole);
        period_t kids[12];
        int nk = period_children(whole, t, kids, 12);
        exact = nk == n && period_key(kids[0]) == period_key(r->periods[0]) &&
                period_key(kids[nk - 1]) == period_key(r->periods[n - 1]);
    }
    client_answer_t td;
    proto_error_t terr;
    if (exact && n > 1 && ask_rollup(r, whole, q, ud, &td, &terr) == 0) {
        fill_column(r, cat, &td.u.rollup, n);
        client_answer_free(&td);
        return 0;
    }
    for (int k = 0; k < r->nrows; k++) {
        report_row_t *row = &r->rows[k];
        const indicator_t *in = &cat->inds[row->ind];
        if (in->kind == IND_RATE) {
            double a = 0, b = 0;
            bool ha = in->num >= 0 && combine(cat, in->num, row->num, row->has_nd, n, &a);
            bool hb = in->den >= 0 && combine(cat, in->den, row->den, row->has_nd, n, &b);
            row->num[n] = a;
            row->den[n] = b;
            row->has_nd[n] = ha && hb;
            row->has[n] = ha && hb && b > 0;
            row->v[n] = row->has[n] ? a / b : 0;
        } else {
            row->has[n] = combine(cat, row->ind, row->v, row->has, n, &row->v[n]);
        }
    }
    return 0;
}

void report_free(report_t *r)
{
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}

const char *report_cell_text(const report_t *r, int row, int col, char *buf, size_t len)
{
    const report_row_t *w = &r->rows[row];
    if (!w->has[col]) {
        buf[0] = '\0';
    } else if (r->cat->inds[w->ind].kind == IND_RATE) {
        snprintf(buf, len, "%.1f%%", 100.0 * w->v[col]);
    } else {
        snprintf(buf, len, "%.0f", w->v[col]);
    }
    return buf;
}

static json_t *cell_json(const report_t *r, int row, int col)
{
    const report_row_t *w = &r->rows[row];
    if (!w->has[col])
        return json_null();
    if (r->cat->inds[w->ind].kind == IND_RATE)
        return json_real(w->v[col]);
    return json_integer((json_int_t)w->v[col]);
}

json_t *report_json(const report_t *r)
{
    const unit_t *u = &r->cat->units[r->node];
    char a[PERIOD_CODE_MAX], b[PERIOD_CODE_MAX], lab[64];
    json_t *periods = json_array(), *rows = json_array();
    for (int c = 0; c < r->nperiods; c++)
        json_array_append_new(periods, json_pack("{s:s, s:s}", "code", period_format(r->periods[c], a, sizeof a),
                                                 "label", report_period_label(r->periods[c], false, lab, sizeof lab)));
    for (int k = 0; k < r->nrows; k++) {
        const indicator_t *in = &r->cat->inds[r->rows[k].ind];
        json_t *vals = json_array();
        for (int c = 0; c < r->nperiods; c++)
            json_array_append_new(vals, cell_json(r, k, c));
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "code", in->code,
                                              "name_vi", in->name_vi, "name_en", in->name_en ? in->name_en : "",
                                              "unit_vi", ind_unit(in, false), "unit_en", ind_unit(in, true), "kind",
                                              ind_kind_name(in->kind), "values", vals, "total",
                                              cell_json(r, k, r->nperiods)));
    }
    return json_pack("{s:{s:s, s:s, s:s}, s:s, s:s, s:s, s:s, s:o, s:o}", "node", "code", u->code, "name", u->name,
                     "kind", u->kind, "dataset", r->cat->datasets[r->ds].code, "from",
                     period_format(r->periods[0], a, sizeof a), "to",
                     period_format(r->periods[r->nperiods - 1], b, sizeof b), "title", REPORT_TITLE_VI, "periods",
                     periods, "rows", rows);
}

const char *report_note_stock(bool en)
{
    return en ? "A headcount (a stock) over several periods is the latest figure, not their sum; across units it "
                "is the sum of each unit's latest figure."
              : "Chỉ tiêu thời điểm (như tổng số cán bộ, công chức, viên chức): cộng nhiều kỳ lấy số liệu kỳ gần "
                "nhất, không cộng dồn; cộng nhiều đơn vị lấy tổng số liệu gần nhất của từng đơn vị.";
}

const char *report_note_rate(bool en)
{
    return en ? "A rate is computed from the totals of its numerator and denominator, never as an average of "
                "rates."
              : "Tỷ lệ được tính từ tổng tử số và tổng mẫu số, không lấy trung bình cộng các tỷ lệ.";
}

void report_has_kinds(const report_t *r, bool *stock, bool *rate)
{
    *stock = *rate = false;
    for (int k = 0; k < r->nrows; k++) {
        ind_kind_t kd = r->cat->inds[r->rows[k].ind].kind;
        *stock |= kd == IND_STOCK;
        *rate |= kd == IND_RATE;
    }
}

int report_write_csv(const report_t *r, FILE *f)
{
    char lab[64], buf[64];
    fputs("\xEF\xBB\xBF", f);
    fputs("stt,ma_chi_tieu,chi_tieu,don_vi_tinh", f);
    for (int c = 0; c < r->nperiods; c++)
        fprintf(f, ",%s", period_format(r->periods[c], lab, sizeof lab));
    fputs(",tong\r\n", f);
    for (int k = 0; k < r->nrows; k++) {
        const indicator_t *in = &r->cat->inds[r->rows[k].ind];
        fprintf(f, "%d,", k + 1);
        csvtab_write_field(f, in->code);
        fputc(',', f);
        csvtab_write_field(f, in->name_vi);
        fputc(',', f);
        csvtab_write_field(f, ind_unit(in, false));
        for (int c = 0; c <= r->nperiods; c++) {
            const report_row_t *w = &r->rows[k];
            fputc(',', f);
            if (!w->has[c])
                continue;
            if (in->kind == IND_RATE) /* in percent, as its ĐVT column says: 94.28 */
                snprintf(buf, sizeof buf, "%.2f", 100.0 * w->v[c]);
            else
                snprintf(buf, sizeof buf, "%.0f", w->v[c]);
            fputs(buf, f);
        }
        fputs("\r\n", f);
    }
    return ferror(f) ? -1 : 0;
}

static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', f);
        else
            fputc(*s, f);
    }
}

int report_write_md(const report_t *r, FILE *f)
{
    const unit_t *u = &r->cat->units[r->node];
    char lab[64], buf[64];
    fprintf(f, "# %s\n\n", REPORT_TITLE_VI);
    fputs("**", f);
    md_text(f, u->name);
    fprintf(f, "** (%s), %s, %s – %s\n\n", u->code, r->cat->datasets[r->ds].name,
            report_period_label(r->periods[0], false, lab, sizeof lab),
            report_period_label(r->periods[r->nperiods - 1], false, buf, sizeof buf));
    fputs("| STT | Chỉ tiêu | ĐVT |", f);
    for (int c = 0; c < r->nperiods; c++)
        fprintf(f, " %s |", report_period_label(r->periods[c], false, lab, sizeof lab));
    fputs(" Tổng |\n|---:|---|---|", f);
    for (int c = 0; c <= r->nperiods; c++)
        fputs("---:|", f);
    fputc('\n', f);
    for (int k = 0; k < r->nrows; k++) {
        fprintf(f, "| %d | ", k + 1);
        md_text(f, r->cat->inds[r->rows[k].ind].name_vi);
        fputs(" | ", f);
        md_text(f, ind_unit(&r->cat->inds[r->rows[k].ind], false));
        fputs(" |", f);
        for (int c = 0; c <= r->nperiods; c++) {
            report_cell_text(r, k, c, buf, sizeof buf);
            fprintf(f, " %s |", buf[0] ? buf : "–");
        }
        fputc('\n', f);
    }
    bool stock, rate;
    report_has_kinds(r, &stock, &rate);
    if (stock || rate)
        fprintf(f, "\nGhi chú:%s%s%s%s\n", stock ? " " : "", stock ? report_note_stock(false) : "",
                rate ? " " : "", rate ? report_note_rate(false) : "");
    return ferror(f) ? -1 : 0;
}

int report_write_xlsx(const report_t *r, const char *path, char *err, size_t errlen)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb) {
        snprintf(err, errlen, "cannot create %s", path);
        return -1;
    }
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Thống kê");
    lxw_format *title = workbook_add_format(wb);
    format_set_bold(title);
    format_set_font_size(title, 14);
    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_bg_color(head, 0xDDEBF7);
    format_set_text_wrap(head);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
    lxw_format *text = workbook_add_format(wb);
    format_set_border(text, LXW_BORDER_THIN);
    format_set_text_wrap(text);
    lxw_format *num = workbook_add_format(wb);
    format_set_border(num, LXW_BORDER_THIN);
    format_set_num_format(num, "#,##0");
    lxw_format *pct = workbook_add_format(wb);
    format_set_border(pct, LXW_BORDER_THIN);
    format_set_num_format(pct, "0.0%");
    lxw_format *numb = workbook_add_format(wb);
    format_set_border(numb, LXW_BORDER_THIN);
    format_set_bold(numb);
    format_set_num_format(numb, "#,##0");
    lxw_format *pctb = workbook_add_format(wb);
    format_set_border(pctb, LXW_BORDER_THIN);
    format_set_bold(pctb);
    format_set_num_format(pctb, "0.0%");

    const unit_t *u = &r->cat->units[r->node];
    char lab[64], lab2[64], line[600];
    worksheet_write_string(ws, 0, 0, REPORT_TITLE_VI, title);
    snprintf(line, sizeof line, "%s (%s) — %s — %s – %s", u->name, u->code, r->cat->datasets[r->ds].name,
             report_period_label(r->periods[0], false, lab, sizeof lab),
             report_period_label(r->periods[r->nperiods - 1], false, lab2, sizeof lab2));
    worksheet_write_string(ws, 1, 0, line, NULL);
    const lxw_row_t h = 3;
    worksheet_write_string(ws, h, 0, "STT", head);
    worksheet_write_string(ws, h, 1, "Mã chỉ tiêu", head);
    worksheet_write_string(ws, h, 2, "Chỉ tiêu", head);
    worksheet_write_string(ws, h, 3, "ĐVT", head);
    for (int c = 0; c < r->nperiods; c++)
        worksheet_write_string(ws, h, (lxw_col_t)(4 + c), report_period_label(r->periods[c], false, lab, sizeof lab),
                               head);
    worksheet_write_string(ws, h, (lxw_col_t)(4 + r->nperiods), "Tổng", head);
    worksheet_set_column(ws, 0, 0, 5, NULL);
    worksheet_set_column(ws, 1, 1, 24, NULL);
    worksheet_set_column(ws, 2, 2, 60, NULL);
    worksheet_set_column(ws, 3, 3, 14, NULL);
    worksheet_set_column(ws, 4, (lxw_col_t)(4 + r->nperiods), 13, NULL);
    for (int k = 0; k < r->nrows; k++) {
        const report_row_t *w = &r->rows[k];
        const indicator_t *in = &r->cat->inds[w->ind];
        lxw_row_t row = (lxw_row_t)(h + 1 + k);
        worksheet_write_number(ws, row, 0, k + 1, text);
        worksheet_write_string(ws, row, 1, in->code, text);
        worksheet_write_string(ws, row, 2, in->name_vi, text);
        worksheet_write_string(ws, row, 3, ind_unit(in, false), text);
        bool rate = in->kind == IND_RATE;
        for (int c = 0; c <= r->nperiods; c++) {
            bool tot = c == r->nperiods;
            lxw_format *fm = rate ? (tot ? pctb : pct) : (tot ? numb : num);
            if (w->has[c])
                worksheet_write_number(ws, row, (lxw_col_t)(4 + c), w->v[c], fm);
            else
                worksheet_write_blank(ws, row, (lxw_col_t)(4 + c), fm);
        }
    }
    bool has_stock, has_rate;
    report_has_kinds(r, &has_stock, &has_rate);
    lxw_row_t nr = (lxw_row_t)(h + 2 + r->nrows);
    if (has_stock)
        worksheet_write_string(ws, nr++, 0, report_note_stock(false), NULL);
    if (has_rate)
        worksheet_write_string(ws, nr, 0, report_note_rate(false), NULL);
    worksheet_freeze_panes(ws, h + 1, 4);
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        snprintf(err, errlen, "cannot write %s: %s", path, lxw_strerror(e));
        return -1;
    }
    return 0;
}
