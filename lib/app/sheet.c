/*
 * sheet.c -- the XLSX template of a report (see sheet.h), written with
 * libxlsxwriter, and the small helpers both directions use.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "report.h"
#include "sheet_int.h"

/* ---- helpers ------------------------------------------------------------- */

const char *sheet_cell_name(int col, int row, char *buf)
{
    char letters[8];
    int n = 0;
    for (int c = col + 1; c > 0 && n < 7; c = (c - 1) / 26)
        letters[n++] = (char)('A' + (c - 1) % 26);
    int o = 0;
    while (n)
        buf[o++] = letters[--n];
    snprintf(buf + o, 16 - (size_t)o, "%d", row);
    return buf;
}

int sheet_cell_parse(const char *s, int *col, int *row)
{
    long c = 0, r = 0;
    int nl = 0, nd = 0;
    for (; *s >= 'A' && *s <= 'Z'; s++, nl++)
        if (nl >= 3 || (c = c * 26 + (*s - 'A' + 1)) > 16384)
            return -1;
    for (; *s >= '0' && *s <= '9'; s++, nd++)
        if (nd >= 7 || (r = r * 10 + (*s - '0')) > 1048576)
            return -1;
    if (*s || !nl || !nd || r < 1)
        return -1;
    *col = (int)c - 1;
    *row = (int)r;
    return 0;
}

int sheet_units_for(const catalog_t *c, int unit, int ds, period_t p, int *out, int max)
{
    int n = 0;
    const unit_t *u = &c->units[unit];
    for (int k = u->subtree_first; k < u->subtree_end && n < max; k++) {
        int v = c->preorder[k];
        if (catalog_may_submit_for(c, unit, v) && catalog_must_report(c, ds, v) && catalog_open_in(c, v, p))
            out[n++] = v;
    }
    return n;
}

/* ---- the template -------------------------------------------------------- */

/* The allowed tags of a tags indicator as labels, "Mạng xã hội; Khác". */
static const char *tag_labels(const indicator_t *in, char *buf, size_t len)
{
    char label[256];
    size_t off = 0;
    buf[0] = '\0';
    for (int t = 0; t < in->ntags && off < len; t++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", t ? "; " : "",
                                sheet_tag_label(in->tags[t], strlen(in->tags[t]), SHEET_LANG_VI, label, sizeof label));
    return buf;
}

/* The kind of an indicator in words, for the "Loại" column. */
static const char *kind_words(ind_kind_t k)
{
    switch (k) {
    case IND_COUNT: return "số lượng";
    case IND_STOCK: return "số hiện có (cuối kỳ)";
    case IND_BOOL: return "có/không";
    case IND_TAGS: return "nhãn";
    case IND_RATE: return "tỷ lệ";
    default: return "";
    }
}

typedef struct {
    lxw_workbook *wb;
    lxw_worksheet *ws, *help;
    lxw_format *title, *sub, *head, *code, *locked, *input, *text_input, *bold;
    const catalog_t *c;
    const dataset_t *d;
    int cols[256]; /* indicator of each value column */
    int ncols;
} writer_t;

static lxw_format *fmt(writer_t *w, bool bold, bool wrap, bool unlocked, bool border)
{
    lxw_format *f = workbook_add_format(w->wb);
    if (bold)
        format_set_bold(f);
    if (wrap)
        format_set_text_wrap(f);
    if (unlocked)
        format_set_unlocked(f);
    if (border)
        format_set_border(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
    return f;
}

/* A value already known, as the officer would type it. */
static void write_value(writer_t *w, int row, int col, const proto_value_t *v)
{
    if (v->kind == PV_INT) {
        worksheet_write_number(w->ws, (lxw_row_t)row, (lxw_col_t)col, (double)v->i, w->input);
    } else if (v->kind == PV_BOOL) {
        worksheet_write_string(w->ws, (lxw_row_t)row, (lxw_col_t)col, v->i ? "Có" : "Không", w->input);
    } else {
        char buf[PROTO_TAGS_MAX * 258 + 1] = "", label[256];
        size_t off = 0;
        for (uint32_t t = 0; t < v->ntags && off < sizeof buf; t++) /* the labels: the reader takes them back */
            off += (size_t)snprintf(buf + off, sizeof buf - off, "%s%s", t ? "; " : "",
                                    sheet_tag_label(v->tags[t].ptr, v->tags[t].len, SHEET_LANG_VI, label, sizeof label));
        worksheet_write_string(w->ws, (lxw_row_t)row, (lxw_col_t)col, buf, w->text_input);
    }
}

/* The validation Excel applies as the officer types (the reader checks again). */
static void validate_column(writer_t *w, int col, int ind, int last_row)
{
    const indicator_t *in = &w->c->inds[ind];
    lxw_data_validation dv;
    memset(&dv, 0, sizeof dv);
    const char *yes_no[] = {"Có", "Không", NULL};
    if (in->kind == IND_BOOL) {
        dv.validate = LXW_VALIDATION_TYPE_LIST;
        dv.value_list = (char **)yes_no;
        dv.error_message = "Chọn Có hoặc Không.";
    } else if (in->kind == IND_COUNT || in->kind == IND_STOCK) {
        dv.validate = LXW_VALIDATION_TYPE_INTEGER;
        dv.criteria = LXW_VALIDATION_CRITERIA_BETWEEN;
        dv.minimum_number = 0;
        dv.maximum_number = in->max < 1e15 ? (double)in->max : 1e15;
        dv.error_message = "Nhập một số nguyên không âm (không có dấu chấm, dấu phẩy).";
    } else {
        return; /* tags: free text, checked on upload */
    }
    dv.error_title = "Giá trị không hợp lệ";
    worksheet_data_validation_range(w->ws, SHEET_ROW_DATA, (lxw_col_t)col, (lxw_row_t)last_row, (lxw_col_t)col,
                                    &dv);
}

/* Title, hidden codes and header. */
static void write_head(writer_t *w, int unit, period_t p)
{
    char buf[2400], words[64], pc[PERIOD_CODE_MAX];
    const catalog_t *c = w->c;
    int last = SHEET_COL_FIRST + w->ncols; /* the note column */
    worksheet_merge_range(w->ws, SHEET_ROW_TITLE, 0, SHEET_ROW_TITLE, (lxw_col_t)last, w->d->name, w->title);
    period_format(p, pc, sizeof pc); /* the code goes to the hidden row; people read the words */
    snprintf(buf, sizeof buf, "Kỳ báo cáo: %s — Đơn vị: %s", report_period_label(p, false, words, sizeof words),
             c->units[unit].name);
    worksheet_merge_range(w->ws, SHEET_ROW_SUB, 0, SHEET_ROW_SUB, (lxw_col_t)last, buf, w->sub);
    worksheet_write_string(w->ws, SHEET_ROW_CODES, SHEET_COL_UNIT, w->d->code, w->code);
    worksheet_write_string(w->ws, SHEET_ROW_CODES, SHEET_COL_NAME, pc, w->code);
    worksheet_write_string(w->ws, SHEET_ROW_HEAD, SHEET_COL_UNIT, "Mã đơn vị", w->head);
    worksheet_write_string(w->ws, SHEET_ROW_HEAD, SHEET_COL_NAME, "Tên đơn vị", w->head);
    for (int k = 0; k < w->ncols; k++) {
        int ind = w->cols[k];
        lxw_col_t col = (lxw_col_t)(SHEET_COL_FIRST + k);
        worksheet_write_string(w->ws, SHEET_ROW_CODES, col, c->inds[ind].code, w->code);
        worksheet_write_string(w->ws, SHEET_ROW_HEAD, col, sheet__header(c, ind, buf, sizeof buf), w->head);
        if (c->inds[ind].kind == IND_TAGS) {
            char list[1800];
            snprintf(buf, sizeof buf, "Nhãn được phép, cách nhau bởi dấu ;\n%s", tag_labels(&c->inds[ind], list, sizeof list));
            worksheet_write_comment(w->ws, SHEET_ROW_HEAD, col, buf);
        }
    }
    worksheet_write_string(w->ws, SHEET_ROW_CODES, (lxw_col_t)last, SHEET_NOTE_CODE, w->code);
    worksheet_write_string(w->ws, SHEET_ROW_HEAD, (lxw_col_t)last, "Ghi chú", w->head);
    lxw_row_col_options hidden = {.hidden = 1};
    worksheet_set_row_opt(w->ws, SHEET_ROW_CODES, LXW_DEF_ROW_HEIGHT, NULL, &hidden);
    worksheet_set_row(w->ws, SHEET_ROW_TITLE, 24, NULL);
    worksheet_set_row(w->ws, SHEET_ROW_HEAD, 96, NULL);
    worksheet_set_column(w->ws, SHEET_COL_UNIT, SHEET_COL_UNIT, 26, NULL);
    worksheet_set_column(w->ws, SHEET_COL_NAME, SHEET_COL_NAME, 40, NULL);
    if (w->ncols)
        worksheet_set_column(w->ws, SHEET_COL_FIRST, (lxw_col_t)(last - 1), 20, NULL);
    worksheet_set_column(w->ws, (lxw_col_t)last, (lxw_col_t)last, 36, NULL);
    worksheet_freeze_panes(w->ws, SHEET_ROW_DATA, SHEET_COL_FIRST);
}

/* The second sheet: how to fill each column. */
static void write_help(writer_t *w, int ds)
{
    const catalog_t *c = w->c;
    char buf[2048];
    static const char *intro[] = {
        "Cách điền mẫu báo cáo",
        "Mỗi dòng của trang \"Báo cáo\" là một đơn vị; mỗi cột là một chỉ tiêu. Chỉ điền vào các ô số liệu và cột "
        "Ghi chú; không sửa mã đơn vị, tiêu đề cột, không thêm hay xóa cột.",
        "Ô để trống là \"không báo cáo\" (khác với 0). Dòng để trống hoàn toàn thì không gửi.",
        "Chỉ tiêu tỷ lệ được hệ thống tự tính từ tử số và mẫu số, không nhập.",
        "Nếu tệp có lỗi, hệ thống chỉ ra từng ô (ví dụ Báo cáo!D7) và không lưu dòng nào: sửa hết rồi gửi lại.",
    };
    for (int i = 0; i < 5; i++)
        worksheet_write_string(w->help, (lxw_row_t)i, 0, intro[i], i ? NULL : w->bold);
    const char *head[] = {"Mã chỉ tiêu", "Tên chỉ tiêu", "Loại", "Cách ghi", "Bắt buộc"};
    for (int i = 0; i < 5; i++)
        worksheet_write_string(w->help, 6, (lxw_col_t)i, head[i], w->head);
    for (int k = 0; k < w->ncols; k++) {
        const indicator_t *in = &c->inds[w->cols[k]];
        lxw_row_t row = (lxw_row_t)(7 + k);
        worksheet_write_string(w->help, row, 0, in->code, NULL);
        worksheet_write_string(w->help, row, 1, in->name_vi, NULL);
        worksheet_write_string(w->help, row, 2, kind_words(in->kind), NULL);
        const char *how = buf;
        if (in->kind == IND_BOOL) {
            how = "Chọn Có hoặc Không";
        } else if (in->kind == IND_TAGS) {
            char list[1800];
            snprintf(buf, sizeof buf, "Các nhãn cách nhau bởi dấu ; (viết hoa hay thường đều được) trong số: %s",
                     tag_labels(in, list, sizeof list));
        } else {
            snprintf(buf, sizeof buf, "Số nguyên từ 0 đến %lld%s", (long long)in->max,
                     in->kind == IND_STOCK ? ", số có tại cuối kỳ" : "");
        }
        worksheet_write_string(w->help, row, 3, how, NULL);
        worksheet_write_string(w->help, row, 4, catalog_required(c, ds, w->cols[k]) ? "Có" : "Không", NULL);
    }
    worksheet_set_column(w->help, 0, 0, 28, NULL);
    worksheet_set_column(w->help, 1, 1, 60, NULL);
    worksheet_set_column(w->help, 3, 3, 60, NULL);
}

static const sheet_prefill_t *prefill_of(const sheet_prefill_t *pf, int npf, int unit)
{
    for (int i = 0; i < npf; i++)
        if (pf[i].unit == unit)
            return &pf[i];
    return NULL;
}

int sheet_write_xlsx(const char *path, const catalog_t *c, int unit, int ds, period_t p, const int *units,
                     int nunits, const sheet_prefill_t *prefill, int nprefill)
{
    writer_t w;
    memset(&w, 0, sizeof w);
    w.c = c;
    w.d = &c->datasets[ds];
    for (int k = 0; k < w.d->ninds && w.ncols < (int)(sizeof w.cols / sizeof w.cols[0]); k++)
        if (c->inds[w.d->inds[k]].kind != IND_RATE)
            w.cols[w.ncols++] = w.d->inds[k];
    w.wb = workbook_new(path);
    if (!w.wb)
        return SHEET_E_IO;
    w.ws = workbook_add_worksheet(w.wb, SHEET_NAME_VI);
    w.help = workbook_add_worksheet(w.wb, SHEET_HELP_VI);
    w.title = fmt(&w, true, false, false, false);
    format_set_font_size(w.title, 14);
    w.sub = fmt(&w, false, false, false, false);
    w.head = fmt(&w, true, true, false, true);
    format_set_bg_color(w.head, 0xDDEBF7);
    w.code = fmt(&w, false, false, false, false);
    w.locked = fmt(&w, false, true, false, true);
    w.input = fmt(&w, false, false, true, true);
    w.text_input = fmt(&w, false, true, true, true);
    format_set_num_format(w.text_input, "@");
    w.bold = fmt(&w, true, false, false, false);
    write_head(&w, unit, p);
    int note_col = SHEET_COL_FIRST + w.ncols;
    for (int r = 0; r < nunits; r++) {
        lxw_row_t row = (lxw_row_t)(SHEET_ROW_DATA + r);
        const unit_t *u = &c->units[units[r]];
        worksheet_write_string(w.ws, row, SHEET_COL_UNIT, u->code, w.locked);
        worksheet_write_string(w.ws, row, SHEET_COL_NAME, u->name, w.locked);
        const sheet_prefill_t *pf = prefill_of(prefill, nprefill, units[r]);
        for (int k = 0; k < w.ncols; k++) {
            lxw_col_t col = (lxw_col_t)(SHEET_COL_FIRST + k);
            const proto_value_t *v = NULL;
            for (uint32_t i = 0; pf && i < pf->n && !v; i++)
                if (!strcmp(pf->values[i].code, c->inds[w.cols[k]].code))
                    v = &pf->values[i];
            if (v)
                write_value(&w, (int)row, (int)col, v);
            else
                worksheet_write_blank(w.ws, row, col, c->inds[w.cols[k]].kind == IND_TAGS ? w.text_input : w.input);
        }
        worksheet_write_blank(w.ws, row, (lxw_col_t)note_col, w.text_input);
    }
    int last_row = SHEET_ROW_DATA + (nunits ? nunits : 1) - 1;
    for (int k = 0; k < w.ncols; k++)
        validate_column(&w, SHEET_COL_FIRST + k, w.cols[k], last_row);
    lxw_protection prot;
    memset(&prot, 0, sizeof prot);
    prot.format_columns = prot.format_rows = 1;
    worksheet_protect(w.ws, NULL, &prot);
    write_help(&w, ds);
    return workbook_close(w.wb) == LXW_NO_ERROR ? SHEET_OK : SHEET_E_IO;
}
