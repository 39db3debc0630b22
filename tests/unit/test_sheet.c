/*
 * test_sheet.c -- the report spreadsheets (sheet.h): the XLSX template
 * written and read back, every kind of problem with its exact Sheet!Cell,
 * hostile files, and the CSV reader.
 *
 * Test names are "sheet-G.N what": G is the round trip (1), problems in a
 * well-formed sheet (2), hostile files (3), the CSV of cchc submit (4) and
 * the template saved as CSV (5).  The catalog is
 * the shipped one ($CCHC_ROOT/deploy/catalog).  Sheets with a problem are
 * built here as XML (a grid of cells, inline strings, then one edit) and
 * zipped with libzip, so each problem sits at a known cell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include <cmocka.h>

#include "catalog.h"
#include "report.h"
#include "sheet.h"
#include "sheet_int.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

static catalog_t *cat;
static char tmpdir[] = "/tmp/test_sheet.XXXXXX";

/* ---- helpers ------------------------------------------------------------- */

static char *path_of(const char *name)
{
    static char p[8][512];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static sheet_opts_t opts(void)
{
    sheet_opts_t o = {.cat = cat, .lang = SHEET_LANG_VI};
    return o;
}

static void print_errors(const sheet_result_t *r)
{
    for (int i = 0; i < r->nerrors; i++)
        print_message("# %s\n", r->errors[i]);
}

static bool has_error(const sheet_result_t *r, const char *want)
{
    for (int i = 0; i < r->nerrors; i++)
        if (!strcmp(r->errors[i], want))
            return true;
    print_message("# wanted: %s\n", want);
    print_errors(r);
    return false;
}

static const proto_value_t *value_of(const sheet_report_t *r, const char *code)
{
    for (uint32_t i = 0; i < r->nvalues; i++)
        if (!strcmp(r->values[i].code, code))
            return &r->values[i];
    return NULL;
}

/* A complete set of values for one unit of CCHC_Q (every indicator). */
static int full_values(proto_value_t *v, int64_t base)
{
    const dataset_t *d = &cat->datasets[catalog_dataset(cat, "CCHC_Q")];
    int n = 0;
    for (int k = 0; k < d->ninds; k++) {
        const indicator_t *in = &cat->inds[d->inds[k]];
        if (in->kind == IND_RATE)
            continue;
        memset(&v[n], 0, sizeof v[n]);
        snprintf(v[n].code, sizeof v[n].code, "%s", in->code);
        if (in->kind == IND_BOOL) {
            v[n].kind = PV_BOOL;
            v[n].i = (base + k) % 2;
        } else if (in->kind == IND_TAGS) {
            v[n].kind = PV_TAGS;
            v[n].ntags = 2;
            v[n].tags[0] = (proto_str_t){"truc_quan", 9};
            v[n].tags[1] = (proto_str_t){"khac", 4};
        } else {
            v[n].kind = PV_INT;
            v[n].i = !strcmp(in->code, "STAFF_TOTAL") || !strcmp(in->code, "TTHC_TOTAL") ? 1000 + base : base + k;
        }
        n++;
    }
    return n;
}

static void assert_same_values(const proto_value_t *want, int n, const sheet_report_t *r)
{
    assert_int_equal(r->nvalues, n);
    for (int i = 0; i < n; i++) {
        const proto_value_t *got = value_of(r, want[i].code);
        assert_non_null(got);
        assert_int_equal(got->kind, want[i].kind);
        assert_int_equal(got->i, want[i].i);
        assert_int_equal(got->ntags, want[i].ntags);
        for (uint32_t t = 0; t < got->ntags; t++) {
            assert_int_equal(got->tags[t].len, want[i].tags[t].len);
            assert_memory_equal(got->tags[t].ptr, want[i].tags[t].ptr, got->tags[t].len);
        }
    }
}

/* ---- a sheet built by hand ------------------------------------------------- */

#define GRID_ROWS 12
#define GRID_COLS 30

typedef struct {
    char type; /* 0 empty, 's' inline string, 'n' number, 'b' boolean */
    char text[600];
} gcell_t;

typedef struct {
    gcell_t c[GRID_ROWS + 1][GRID_COLS]; /* [row 1-based][col 0-based] */
} grid_t;

static void put(grid_t *g, const char *ref, char type, const char *text)
{
    int col, row;
    assert_int_equal(sheet_cell_parse(ref, &col, &row), 0);
    g->c[row][col].type = type;
    snprintf(g->c[row][col].text, sizeof g->c[row][col].text, "%s", text);
}

/* The template of CCHC_Q 2025Q3 with rows for `units`, every value filled. */
static grid_t *grid_new(const char *const *units, int nunits)
{
    grid_t *g = calloc(1, sizeof *g);
    int ds = catalog_dataset(cat, "CCHC_Q");
    const dataset_t *d = &cat->datasets[ds];
    char ref[16], buf[2048];
    put(g, "A3", 's', "CCHC_Q");
    put(g, "B3", 's', "2025Q3");
    put(g, "A4", 's', "Mã đơn vị");
    int col = SHEET_COL_FIRST;
    for (int k = 0; k < d->ninds; k++) {
        const indicator_t *in = &cat->inds[d->inds[k]];
        if (in->kind == IND_RATE)
            continue;
        put(g, sheet_cell_name(col, 3, ref), 's', in->code);
        put(g, sheet_cell_name(col, 4, ref), 's', sheet__header(cat, d->inds[k], buf, sizeof buf));
        for (int u = 0; u < nunits; u++) {
            sheet_cell_name(col, 5 + u, ref);
            if (in->kind == IND_BOOL)
                put(g, ref, 's', "Có");
            else if (in->kind == IND_TAGS)
                put(g, ref, 's', "mang_xa_hoi; truc_quan");
            else
                put(g, ref, 'n', !strcmp(in->code, "STAFF_TOTAL") || !strcmp(in->code, "TTHC_TOTAL") ? "100" : "7");
        }
        col++;
    }
    put(g, sheet_cell_name(col, 3, ref), 's', "NOTE");
    put(g, sheet_cell_name(col, 4, ref), 's', "Ghi chú");
    for (int u = 0; u < nunits; u++) {
        put(g, sheet_cell_name(0, 5 + u, ref), 's', units[u]);
        put(g, sheet_cell_name(1, 5 + u, ref), 's', "tên");
    }
    return g;
}

static void xml_escape(FILE *f, const char *s)
{
    for (; *s; s++)
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
}

static char *grid_xml(const grid_t *g, const char *doctype)
{
    char *out = NULL, ref[16];
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n%s<worksheet "
               "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData>",
            doctype ? doctype : "");
    for (int r = 1; r <= GRID_ROWS; r++) {
        fprintf(f, "<row r=\"%d\">", r);
        for (int c = 0; c < GRID_COLS; c++) {
            const gcell_t *x = &g->c[r][c];
            sheet_cell_name(c, r, ref);
            if (x->type == 's') {
                fprintf(f, "<c r=\"%s\" t=\"inlineStr\"><is><t>", ref);
                xml_escape(f, x->text);
                fputs("</t></is></c>", f);
            } else if (x->type == 'n' || x->type == 'b') {
                fprintf(f, "<c r=\"%s\"%s><v>%s</v></c>", ref, x->type == 'b' ? " t=\"b\"" : "", x->text);
            } else if (x->type) { /* raw cell XML */
                fputs(x->text, f);
            }
        }
        fputs("</row>", f);
    }
    fputs("</sheetData></worksheet>", f);
    fclose(f);
    return out;
}

static void put_part(zip_t *z, const char *name, const char *text)
{
    char *copy = strdup(text);
    zip_source_t *s = zip_source_buffer(z, copy, strlen(copy), 1);
    assert_non_null(s);
    assert_true(zip_file_add(z, name, s, ZIP_FL_OVERWRITE) >= 0);
}

/* Writes an .xlsx of one sheet (sheet_xml) and optional shared strings. */
static const char *make_xlsx(const char *name, const char *sheet_xml, const char *shared)
{
    const char *path = path_of(name);
    int err;
    zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &err);
    assert_non_null(z);
    put_part(z, "xl/workbook.xml",
            "<?xml version=\"1.0\"?><workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
            "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>"
            "<sheet name=\"Báo cáo\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
    put_part(z, "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
            "Target=\"worksheets/sheet1.xml\"/>"
            "<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" "
            "Target=\"sharedStrings.xml\"/></Relationships>");
    put_part(z, "xl/worksheets/sheet1.xml", sheet_xml);
    if (shared)
        put_part(z, "xl/sharedStrings.xml", shared);
    assert_int_equal(zip_close(z), 0);
    return path;
}

/* Reads a grid as an .xlsx. */
static int read_grid(const grid_t *g, const sheet_opts_t *o, sheet_result_t *r)
{
    char *xml = grid_xml(g, NULL);
    const char *p = make_xlsx("grid.xlsx", xml, NULL);
    free(xml);
    return sheet_read_file(p, o, r);
}

/* One problem in an otherwise good sheet of HP.SO.XAY_DUNG: exactly `want`. */
static void one_problem(const char *ref, char type, const char *text, const char *want)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    put(g, ref, type, text);
    sheet_opts_t o = opts();
    sheet_result_t r;
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_int_equal(r.nreports, 0);
    assert_true(has_error(&r, want));
    assert_int_equal(r.nfound, 1);
    sheet_result_free(&r);
    free(g);
}

static bool may(void *ud, int u)
{
    return catalog_may_submit_for(cat, *(int *)ud, u);
}

/* ---- 1: round trip ---------------------------------------------------------- */

static void round_trip_one(void **state)
{
    int u = catalog_unit(cat, "HP.SO.XAY_DUNG"), ds = catalog_dataset(cat, "CCHC_Q");
    period_t p;
    period_parse("2025Q3", &p);
    proto_value_t v[64];
    int n = full_values(v, 3);
    sheet_prefill_t pf = {u, v, (uint32_t)n};
    const char *path = path_of("one.xlsx");
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, &u, 1, &pf, 1), 0);
    sheet_opts_t o = opts();
    o.dataset = "CCHC_Q";
    o.period = "2025Q3";
    sheet_result_t r;
    int rc = sheet_read_file(path, &o, &r);
    print_errors(&r);
    assert_int_equal(rc, 0);
    assert_int_equal(r.nreports, 1);
    assert_string_equal(r.reports[0].unit, "HP.SO.XAY_DUNG");
    assert_string_equal(r.reports[0].dataset, "CCHC_Q");
    assert_string_equal(r.reports[0].period, "2025Q3");
    assert_int_equal(r.reports[0].row, 5);
    assert_same_values(v, n, &r.reports[0]);
    char id[65];
    snprintf(id, sizeof id, "%s", r.reports[0].id);
    sheet_result_free(&r);
    /* the same file gives the same id; other values another one */
    assert_int_equal(sheet_read_file(path, &o, &r), 0);
    assert_string_equal(r.reports[0].id, id);
    sheet_result_free(&r);
    v[0].i++;
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, &u, 1, &pf, 1), 0);
    assert_int_equal(sheet_read_file(path, &o, &r), 0);
    assert_string_not_equal(r.reports[0].id, id);
    sheet_result_free(&r);
}

static void round_trip_office(void **state)
{
    int u = catalog_unit(cat, "HP.XA.VIET_KHE"), ds = catalog_dataset(cat, "CCHC_Q");
    period_t p;
    period_parse("2025Q3", &p);
    int units[64];
    int nu = sheet_units_for(cat, u, ds, p, units, 64);
    assert_int_equal(nu, 5); /* the commune and its four sub-units that it submits for */
    assert_int_equal(units[0], u);
    proto_value_t v[5][64];
    sheet_prefill_t pf[5];
    int n = 0;
    for (int i = 0; i < nu; i++) {
        n = full_values(v[i], 10 * i);
        pf[i] = (sheet_prefill_t){units[i], v[i], (uint32_t)n};
    }
    const char *path = path_of("office.xlsx");
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, units, nu, pf, nu), 0);
    sheet_opts_t o = opts();
    sheet_result_t r;
    assert_int_equal(sheet_read_file(path, &o, &r), 0);
    assert_int_equal(r.nreports, nu);
    for (int i = 0; i < nu; i++) {
        assert_string_equal(r.reports[i].unit, cat->units[units[i]].code);
        assert_int_equal(r.reports[i].row, 5 + i);
        assert_same_values(v[i], n, &r.reports[i]);
    }
    sheet_result_free(&r);
    /* a blank template: no report at all, said at A5 */
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, units, nu, NULL, 0), 0);
    assert_int_equal(sheet_read_file(path, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!A5: không có dòng nào có số liệu"));
    assert_int_equal(r.skipped, nu);
    sheet_result_free(&r);
}

static void empty_rows_skipped(void **state)
{
    const char *units[] = {"HP.XA.VIET_KHE", "HP.XA.VIET_KHE.VP", "HP.XA.VIET_KHE.MTTQ"};
    grid_t *g = grid_new(units, 3);
    for (int c = SHEET_COL_FIRST; c < GRID_COLS; c++)
        g->c[6][c].type = 0; /* the second unit's row left empty */
    sheet_opts_t o = opts();
    sheet_result_t r;
    int rc = read_grid(g, &o, &r);
    print_errors(&r);
    assert_int_equal(rc, 0);
    assert_int_equal(r.nreports, 2);
    assert_int_equal(r.skipped, 1);
    assert_string_equal(r.reports[1].unit, "HP.XA.VIET_KHE.MTTQ");
    assert_int_equal(r.reports[1].row, 7);
    sheet_result_free(&r);
    free(g);
}

static void period_words_and_cells(void **state)
{
    period_t p;
    char buf[64], ref[16];
    period_parse("2025Q3", &p);
    assert_string_equal(report_period_label(p, false, buf, sizeof buf), "Quý 3/2025");
    assert_string_equal(report_period_label(p, true, buf, sizeof buf), "Q3 2025");
    period_parse("2025S1", &p);
    assert_string_equal(report_period_label(p, false, buf, sizeof buf), "6 tháng đầu năm 2025");
    period_parse("202509", &p);
    assert_string_equal(report_period_label(p, false, buf, sizeof buf), "Tháng 9/2025");
    period_parse("2025", &p);
    assert_string_equal(report_period_label(p, false, buf, sizeof buf), "Năm 2025");
    assert_string_equal(sheet_cell_name(0, 1, ref), "A1");
    assert_string_equal(sheet_cell_name(27, 12, ref), "AB12");
    assert_string_equal(sheet_cell_name(16383, 1048576, ref), "XFD1048576");
    int c, r;
    assert_int_equal(sheet_cell_parse("AB12", &c, &r), 0);
    assert_int_equal(c, 27);
    assert_int_equal(r, 12);
    assert_int_equal(sheet_cell_parse("Z9", &c, &r), 0);
    assert_int_equal(c, 25);
    assert_int_equal(sheet_cell_parse("a1", &c, &r), -1);
    assert_int_equal(sheet_cell_parse("A0", &c, &r), -1);
    assert_int_equal(sheet_cell_parse("12", &c, &r), -1);
    assert_int_equal(sheet_cell_parse("AAAA1", &c, &r), -1);
    assert_int_equal(sheet_cell_parse("A1B", &c, &r), -1);
}

/* ---- 2: problems at their cells ----------------------------------------------- */

/* Columns of CCHC_Q: C PORTAL_POSTS, D WEBSITE_POSTS, M CONTEST_PARTICIPANTS,
 * N STAFF_TOTAL, U PORTAL_CCHC_COLUMN, X OTHER_FORMS, Y the note. */

static void err_values(void **state)
{
    one_problem("D5", 's', "mười", "Báo cáo!D5: \"mười\" không phải là số nguyên");
    one_problem("D5", 'n', "2.5", "Báo cáo!D5: \"2,5\" không phải là số nguyên");
    one_problem("C5", 'n', "-3", "Báo cáo!C5: \"-3\": số liệu không được âm");
    one_problem("C5", 's', "-3", "Báo cáo!C5: \"-3\": số liệu không được âm");
    one_problem("C5", 'n', "2000000", "Báo cáo!C5: \"2000000\" lớn hơn mức tối đa 1000000 của chỉ tiêu");
    one_problem("U5", 's', "có lẽ", "Báo cáo!U5: \"có lẽ\" không phải là Có hoặc Không");
    one_problem("X5", 's', "truc_quan; bao_chi",
                "Báo cáo!X5: nhãn \"bao_chi\" không có trong danh sách được phép (Mạng xã hội; Thông tin cơ sở; "
                "Tuyên truyền trực quan; Văn hóa, văn nghệ; Sinh hoạt đoàn thể; Họp giao ban; Tiếp xúc cử tri; Khác)");
    one_problem("X5", 's', "khac; khac", "Báo cáo!X5: nhãn \"khac\" được ghi hai lần");
    one_problem("D5", 0, "", "Báo cáo!D5: thiếu số liệu của chỉ tiêu bắt buộc "
                             "\"Tin, bài CCHC trên Trang thông tin điện tử của đơn vị\"");
    one_problem("M5", 'n', "101", "Báo cáo!M5: CONTEST_PARTICIPANTS (101) lớn hơn STAFF_TOTAL (100)");
    one_problem("D5", 'b', "1", "Báo cáo!D5: \"1\" không phải là số nguyên");
    one_problem("D5", 1, "<c r=\"D5\" t=\"e\"><v>#DIV/0!</v></c>", "Báo cáo!D5: ô có lỗi công thức \"#DIV/0!\"");
}

static void err_units(void **state)
{
    one_problem("A5", 's', "HP.SO.KHONG_CO", "Báo cáo!A5: mã đơn vị \"HP.SO.KHONG_CO\" không có trong danh mục");
    one_problem("A5", 's', "HP", "Báo cáo!A5: đơn vị HP không phải nộp mẫu báo cáo CCHC_Q");
    one_problem("A5", 0, "", "Báo cáo!A5: dòng có số liệu nhưng thiếu mã đơn vị");
    /* a unit the uploader may not submit for */
    const char *units[] = {"HP.SO.XAY_DUNG", "HP.SO.Y_TE"};
    grid_t *g = grid_new(units, 2);
    sheet_opts_t o = opts();
    int me = catalog_unit(cat, "HP.SO.XAY_DUNG");
    o.ud = &me;
    o.may_submit = may;
    sheet_result_t r;
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!A6: bạn không được nộp báo cáo thay cho đơn vị HP.SO.Y_TE"));
    assert_int_equal(r.nfound, 1);
    assert_int_equal(r.nreports, 0); /* the good row is not returned either */
    sheet_result_free(&r);
    /* the same unit twice */
    put(g, "A6", 's', "HP.SO.XAY_DUNG");
    o.may_submit = NULL;
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!A6: đơn vị HP.SO.XAY_DUNG đã có ở dòng 5"));
    sheet_result_free(&r);
    free(g);
}

static void err_dataset_period(void **state)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    sheet_opts_t o = opts();
    o.dataset = "CCHC_S";
    o.period = "2025Q4";
    sheet_result_t r;
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!A3: tệp là mẫu báo cáo CCHC_Q, không phải CCHC_S"));
    assert_true(has_error(&r, "Báo cáo!B3: tệp là của kỳ 2025Q3, không phải kỳ 2025Q4"));
    sheet_result_free(&r);
    o = opts();
    o.now = 1735689600; /* 2025-01-01: 2025Q3 has not begun */
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!B3: kỳ 2025Q3 chưa bắt đầu"));
    sheet_result_free(&r);
    free(g);
    one_problem("B3", 's', "2025Q5", "Báo cáo!B3: kỳ báo cáo \"2025Q5\" không hợp lệ");
    one_problem("B3", 's', "2025", "Báo cáo!B3: kỳ 2025 không phải loại kỳ của mẫu báo cáo CCHC_Q");
    one_problem("A3", 's', "CCHC_X", "Báo cáo!A3: mẫu báo cáo \"CCHC_X\" không có trong danh mục");
    one_problem("A3", 0, "",
                "Báo cáo!A3: không thấy hàng mã (ẩn) của mẫu ở hàng 3: tệp không làm từ mẫu của hệ thống hoặc hàng "
                "đã bị xóa");
}

static void err_header(void **state)
{
    one_problem("D4", 's', "Số tin bài",
                "Báo cáo!D4: tiêu đề cột đã bị sửa (\"Số tin bài\", đúng ra là \"Tin, bài CCHC trên Trang thông tin "
                "điện tử của đơn vị\"); hãy tải lại mẫu");
    /* a rate's code over a column: refused, and that column's indicator is missing */
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    put(g, "D3", 's', "TTHC_LISTED_RATE");
    sheet_opts_t o = opts();
    sheet_result_t r;
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!D4: chỉ tiêu TTHC_LISTED_RATE là tỷ lệ, được tính tự động, không nhập"));
    assert_int_equal(r.nfound, 2);
    sheet_result_free(&r);
    free(g);
    /* a deleted column: its code and header gone, the values shifted */
    g = grid_new(units, 1);
    for (int row = 1; row <= GRID_ROWS; row++)
        memmove(&g->c[row][3], &g->c[row][4], sizeof g->c[row][0] * (GRID_COLS - 4));
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!A4: không có cột của chỉ tiêu bắt buộc WEBSITE_POSTS (\"Tin, bài CCHC trên "
                              "Trang thông tin điện tử của đơn vị\"); cột có thể đã bị xóa"));
    assert_int_equal(r.nfound, 1);
    sheet_result_free(&r);
    free(g);
}

static void err_english_and_many(void **state)
{
    const char *units[] = {"HP.SO.XAY_DUNG", "HP.SO.XAY_DUNG.VP"};
    grid_t *g = grid_new(units, 2);
    put(g, "D6", 's', "ten");
    sheet_opts_t o = opts();
    o.lang = SHEET_LANG_EN;
    sheet_result_t r;
    assert_int_equal(read_grid(g, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!D6: \"ten\" is not a whole number"));
    assert_int_equal(r.nreports, 0); /* row 5 is good, but all or nothing */
    sheet_result_free(&r);
    free(g);
}

/* ---- 3: hostile files -------------------------------------------------------- */

static void read_bytes_expect(const void *b, size_t n, const char *want)
{
    sheet_opts_t o = opts();
    o.file = "upload.xlsx";
    sheet_result_t r;
    assert_int_equal(sheet_read_xlsx(b, n, &o, &r), SHEET_E_INVALID);
    assert_int_equal(r.nreports, 0);
    if (want)
        assert_true(has_error(&r, want));
    assert_true(r.nerrors >= 1);
    sheet_result_free(&r);
}

static void hostile_not_zip(void **state)
{
    read_bytes_expect("indicator,value\n", 16, "upload.xlsx: tệp không phải là tệp Excel .xlsx");
    read_bytes_expect("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8,
                      "upload.xlsx: tệp là định dạng Excel 97-2003 (.xls); hãy lưu lại dưới dạng .xlsx");
    read_bytes_expect("", 0, "upload.xlsx: tệp không phải là tệp Excel .xlsx");
    /* a real template cut in half */
    int u = catalog_unit(cat, "HP.SO.XAY_DUNG"), ds = catalog_dataset(cat, "CCHC_Q");
    period_t p;
    period_parse("2025Q3", &p);
    const char *path = path_of("cut.xlsx");
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, &u, 1, NULL, 0), 0);
    size_t n;
    unsigned char *b = slurp(path, &n);
    read_bytes_expect(b, n / 2, NULL);
    free(b);
    /* a zip without the workbook */
    int err;
    zip_t *z = zip_open(path_of("empty.zip"), ZIP_CREATE | ZIP_TRUNCATE, &err);
    put_part(z, "hello.txt", "hello");
    assert_int_equal(zip_close(z), 0);
    b = slurp(path_of("empty.zip"), &n);
    read_bytes_expect(b, n, "upload.xlsx: tệp thiếu phần xl/workbook.xml");
    free(b);
}

static void hostile_bomb(void **state)
{
    /* 65 MiB of spaces deflates to about 65 KiB: the cap stops it */
    size_t big = SHEET_MAX_ENTRY + (1u << 20);
    char *x = malloc(big + 200);
    int len = sprintf(x, "<?xml version=\"1.0\"?><worksheet><sheetData>");
    memset(x + len, ' ', big);
    strcpy(x + len + big, "</sheetData></worksheet>");
    const char *path = make_xlsx("bomb.xlsx", x, NULL);
    free(x);
    size_t n;
    unsigned char *b = slurp(path, &n);
    assert_true(n < (4u << 20));
    read_bytes_expect(b, n, "upload.xlsx: phần xl/worksheets/sheet1.xml lớn quá 64 MiB khi giải nén");
    free(b);
}

static void hostile_xml(void **state)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    char *xml = grid_xml(g, "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>");
    const char *path = make_xlsx("dtd.xlsx", xml, NULL);
    free(xml);
    size_t n;
    unsigned char *b = slurp(path, &n);
    read_bytes_expect(b, n,
                      "upload.xlsx: phần xl/worksheets/sheet1.xml có khai báo DTD hoặc thực thể, không được chấp nhận");
    free(b);
    /* broken XML */
    path = make_xlsx("broken.xlsx", "<worksheet><sheetData><row><c r=\"A1\"><v>1</v></row>", NULL);
    b = slurp(path, &n);
    read_bytes_expect(b, n, "upload.xlsx: phần xl/worksheets/sheet1.xml của tệp bị hỏng (dòng 1); hãy mở tệp "
                                  "trong Excel, lưu lại rồi gửi lại");
    free(b);
    /* a shared string that does not exist */
    put(g, "C5", 1, "<c r=\"C5\" t=\"s\"><v>99</v></c>");
    xml = grid_xml(g, NULL);
    path = make_xlsx("ss.xlsx", xml, "<sst><si><t>a</t></si></sst>");
    free(xml);
    b = slurp(path, &n);
    read_bytes_expect(b, n, "Báo cáo!C5: ô trỏ tới chuỗi dùng chung \"99\" không tồn tại");
    free(b);
    /* a row far below any template */
    put(g, "C5", 1, "<c r=\"C9000\"><v>1</v></c>");
    xml = grid_xml(g, NULL);
    path = make_xlsx("rows.xlsx", xml, NULL);
    free(xml);
    b = slurp(path, &n);
    read_bytes_expect(b, n, "upload.xlsx: quá 5000 dòng đơn vị");
    free(b);
    free(g);
}

/* Every byte of a real template changed in turn (a sample): never a crash,
 * always either reports or problems. */
static void hostile_mutations(void **state)
{
    int u = catalog_unit(cat, "HP.SO.XAY_DUNG"), ds = catalog_dataset(cat, "CCHC_Q");
    period_t p;
    period_parse("2025Q3", &p);
    proto_value_t v[64];
    int nv = full_values(v, 1);
    sheet_prefill_t pf = {u, v, (uint32_t)nv};
    const char *path = path_of("mut.xlsx");
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, &u, 1, &pf, 1), 0);
    size_t n;
    unsigned char *b = slurp(path, &n);
    srand(12);
    sheet_opts_t o = opts();
    for (int i = 0; i < 300; i++) {
        size_t at = (size_t)rand() % n;
        unsigned char old = b[at];
        b[at] = (unsigned char)rand();
        sheet_result_t r;
        int rc = sheet_read_xlsx(b, n, &o, &r);
        assert_true(rc == 0 || rc == SHEET_E_INVALID);
        assert_true(rc == 0 ? r.nreports == 1 && r.nerrors == 0 : r.nreports == 0 && r.nerrors > 0);
        sheet_result_free(&r);
        b[at] = old;
    }
    free(b);
}

/* ---- 4: CSV -------------------------------------------------------------------- */

static const char *write_csv(const char *name, const char *text)
{
    const char *p = path_of(name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    return p;
}

static char *full_csv(const char *replace_code, const char *replace_line)
{
    static char buf[8192];
    size_t off = (size_t)snprintf(buf, sizeof buf, "indicator,tên chỉ tiêu,value\n");
    const dataset_t *d = &cat->datasets[catalog_dataset(cat, "CCHC_Q")];
    for (int k = 0; k < d->ninds; k++) {
        const indicator_t *in = &cat->inds[d->inds[k]];
        if (in->kind == IND_RATE)
            continue;
        if (replace_code && !strcmp(in->code, replace_code)) {
            off += (size_t)snprintf(buf + off, sizeof buf - off, "%s\n", replace_line);
            continue;
        }
        const char *val = in->kind == IND_BOOL ? "có" : in->kind == IND_TAGS ? "mang_xa_hoi|khac" : "5";
        off += (size_t)snprintf(buf + off, sizeof buf - off, "%s,\"x, y\",%s\n", in->code, val);
    }
    return buf;
}

static sheet_opts_t csv_opts(void)
{
    sheet_opts_t o = opts();
    o.unit = "HP.SO.XAY_DUNG";
    o.dataset = "CCHC_Q";
    o.period = "2025Q3";
    return o;
}

static void csv_good(void **state)
{
    const char *p = write_csv("good.csv", full_csv(NULL, NULL));
    sheet_opts_t o = csv_opts();
    sheet_result_t r;
    int rc = sheet_read_file(p, &o, &r);
    print_errors(&r);
    assert_int_equal(rc, 0);
    assert_int_equal(r.nreports, 1);
    assert_int_equal(r.reports[0].nvalues, 22);
    const proto_value_t *t = value_of(&r.reports[0], "OTHER_FORMS");
    assert_int_equal(t->ntags, 2);
    assert_int_equal(value_of(&r.reports[0], "HOTLINE_PUBLISHED")->i, 1);
    sheet_result_free(&r);
}

static void csv_problems(void **state)
{
    sheet_opts_t o = csv_opts();
    sheet_result_t r;
    /* line 3 is WEBSITE_POSTS; the value is column 3 */
    const char *p = write_csv("bad.csv", full_csv("WEBSITE_POSTS", "WEBSITE_POSTS,,mười"));
    assert_int_equal(sheet_read_file(p, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "bad.csv:3:3: \"mười\" không phải là số nguyên"));
    sheet_result_free(&r);
    p = write_csv("bad.csv", full_csv("WEBSITE_POSTS", "WEBSITE_POST,,4"));
    assert_int_equal(sheet_read_file(p, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "bad.csv:3:1: chỉ tiêu \"WEBSITE_POST\" không thuộc mẫu báo cáo CCHC_Q"));
    assert_true(has_error(&r, "bad.csv: thiếu số liệu của chỉ tiêu bắt buộc "
                                 "\"Tin, bài CCHC trên Trang thông tin điện tử của đơn vị\" (WEBSITE_POSTS)"));
    sheet_result_free(&r);
    p = write_csv("bad.csv", full_csv("WEBSITE_POSTS", "PORTAL_POSTS,,4"));
    assert_int_equal(sheet_read_file(p, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "bad.csv:3:1: chỉ tiêu PORTAL_POSTS đã có ở dòng 2"));
    sheet_result_free(&r);
    p = write_csv("bad.csv", "indicator,valeur\nPORTAL_POSTS,1\n");
    assert_int_equal(sheet_read_file(p, &o, &r), SHEET_E_INVALID);
    assert_true(r.nerrors >= 1);
    print_errors(&r);
    sheet_result_free(&r);
    o.unit = "HP.SO.Y_TE.CDC";
    int me = catalog_unit(cat, "HP.SO.XAY_DUNG");
    o.ud = &me;
    o.may_submit = may;
    p = write_csv("good.csv", full_csv(NULL, NULL));
    assert_int_equal(sheet_read_file(p, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "good.csv: bạn không được nộp báo cáo thay cho đơn vị HP.SO.Y_TE.CDC"));
    sheet_result_free(&r);
    o = opts();
    assert_int_equal(sheet_read_file(p, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "good.csv: đọc tệp CSV cần biết đơn vị, mẫu báo cáo và kỳ (--unit, --dataset, --period)"));
    sheet_result_free(&r);
    assert_int_equal(sheet_read_file(path_of("nothing.xlsx"), &o, &r), SHEET_E_IO);
    assert_int_equal(r.nerrors, 1);
    sheet_result_free(&r);
}

/* ---- 5: the template saved as CSV --------------------------------------------- */

/* A grid as a spreadsheet saves it as CSV: sep between cells, every row as
 * wide as the widest (as Excel pads), quoted when needed; crlf line ends
 * (inside quoted cells too, as Excel writes them), a BOM. */
static char *grid_csv(const grid_t *g, char sep, bool crlf, bool bom)
{
    char *out = NULL;
    size_t n = 0;
    int width = 0;
    FILE *f = open_memstream(&out, &n);
    for (int r = 1; r <= GRID_ROWS; r++)
        for (int c = 0; c < GRID_COLS; c++)
            if (g->c[r][c].type && c + 1 > width)
                width = c + 1;
    if (bom)
        fputs("\xEF\xBB\xBF", f);
    for (int r = 1; r <= GRID_ROWS; r++) {
        for (int c = 0; c < width; c++) {
            const char *t = g->c[r][c].type ? g->c[r][c].text : "";
            if (c)
                fputc(sep, f);
            if (strchr(t, sep) || strchr(t, '"') || strchr(t, '\n')) {
                fputc('"', f);
                for (; *t; t++) {
                    if (*t == '"')
                        fputc('"', f);
                    if (*t == '\n' && crlf)
                        fputc('\r', f);
                    fputc(*t, f);
                }
                fputc('"', f);
            } else {
                fputs(t, f);
            }
        }
        fputs(crlf ? "\r\n" : "\n", f);
    }
    fclose(f);
    return out;
}

static int read_csv_text(const char *text, size_t len, const sheet_opts_t *o, sheet_result_t *r)
{
    return sheet_read_upload(text, len, o, r);
}

/* Reads a grid as CSV: its result code; *r to be freed. */
static int read_grid_csv(const grid_t *g, char sep, bool crlf, bool bom, const sheet_opts_t *o, sheet_result_t *r)
{
    char *csv = grid_csv(g, sep, crlf, bom);
    int rc = read_csv_text(csv, strlen(csv), o, r);
    free(csv);
    return rc;
}

/* One problem of a CSV grid, in a file named bao-cao.csv: exactly `want`. */
static void csv_one_problem(grid_t *g, const char *want)
{
    sheet_opts_t o = opts();
    o.file = "bao-cao.csv";
    sheet_result_t r;
    assert_int_equal(read_grid_csv(g, ';', true, true, &o, &r), SHEET_E_INVALID);
    assert_int_equal(r.nreports, 0);
    assert_true(has_error(&r, want));
    assert_int_equal(r.nfound, 1);
    sheet_result_free(&r);
}

static void csv_bytes_problem(const void *b, size_t n, const char *want)
{
    sheet_opts_t o = opts();
    o.file = "bao-cao.csv";
    sheet_result_t r;
    assert_int_equal(sheet_read_upload(b, n, &o, &r), SHEET_E_INVALID);
    assert_int_equal(r.nreports, 0);
    assert_true(has_error(&r, want));
    sheet_result_free(&r);
}

static void tcsv_good(void **state)
{
    const char *units[] = {"HP.XA.VIET_KHE", "HP.XA.VIET_KHE.VP", "HP.XA.VIET_KHE.MTTQ"};
    grid_t *g = grid_new(units, 3);
    for (int c = SHEET_COL_FIRST; c < GRID_COLS; c++)
        g->c[6][c].type = 0; /* the second unit's row left empty */
    put(g, "Y5", 's', "ghi chú; có \"ngoặc\", và dấu phẩy\nhai dòng");
    put(g, "A1", 's', "Báo cáo CCHC, Quý III năm 2025");
    sheet_opts_t o = opts();
    sheet_result_t x, r;
    assert_int_equal(read_grid(g, &o, &x), 0); /* the XLSX, to compare with */
    assert_int_equal(x.nreports, 2);
    /* ',' and LF without a BOM; ';' and CRLF with one; ';' and LF; ',' and CRLF with one */
    const struct { char sep; bool crlf, bom; } ways[] = {{',', false, false}, {';', true, true}, {';', false, false}, {',', true, true}};
    for (size_t w = 0; w < sizeof ways / sizeof ways[0]; w++) {
        int rc = read_grid_csv(g, ways[w].sep, ways[w].crlf, ways[w].bom, &o, &r);
        print_errors(&r);
        assert_int_equal(rc, 0);
        assert_int_equal(r.nreports, 2);
        assert_int_equal(r.skipped, 1);
        for (int i = 0; i < 2; i++) {
            assert_string_equal(r.reports[i].unit, x.reports[i].unit);
            assert_int_equal(r.reports[i].row, x.reports[i].row);
            assert_same_values(x.reports[i].values, (int)x.reports[i].nvalues, &r.reports[i]);
            assert_string_equal(r.reports[i].note, x.reports[i].note);
            /* the same content, the same id: a CSV after the XLSX is a duplicate */
            assert_string_equal(r.reports[i].id, x.reports[i].id);
        }
        assert_string_equal(r.reports[0].note, "ghi chú; có \"ngoặc\", và dấu phẩy\nhai dòng");
        sheet_result_free(&r);
    }
    sheet_result_free(&x);
    /* numbers as text: spaces around, a zero fraction; yes/no and tags as words */
    put(g, "C5", 's', " 12 ");
    put(g, "D5", 's', "12.0");
    put(g, "E5", 's', "12,00");
    assert_int_equal(read_grid_csv(g, ';', true, false, &o, &r), 0);
    assert_int_equal(value_of(&r.reports[0], "PORTAL_POSTS")->i, 12);
    assert_int_equal(value_of(&r.reports[0], "WEBSITE_POSTS")->i, 12);
    assert_int_equal(value_of(&r.reports[0], g->c[3][4].text)->i, 12); /* E5 */
    sheet_result_free(&r);
    free(g);
}

static void tcsv_problems(void **state)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    put(g, "D5", 's', "mười");
    csv_one_problem(g, "Báo cáo!D5: \"mười\" không phải là số nguyên");
    put(g, "D5", 's', "2.5");
    csv_one_problem(g, "Báo cáo!D5: \"2.5\" không phải là số nguyên");
    put(g, "D5", 's', "1.234");
    csv_one_problem(g, "Báo cáo!D5: \"1.234\": hãy viết số không có dấu phân cách hàng nghìn (1234, không phải 1.234 hay 1,234)");
    put(g, "D5", 's', "1,000");
    csv_one_problem(g, "Báo cáo!D5: \"1,000\": hãy viết số không có dấu phân cách hàng nghìn (1234, không phải 1.234 hay 1,234)");
    put(g, "D5", 's', "-3");
    csv_one_problem(g, "Báo cáo!D5: \"-3\": số liệu không được âm");
    put(g, "D5", 0, "");
    csv_one_problem(g, "Báo cáo!D5: thiếu số liệu của chỉ tiêu bắt buộc "
                       "\"Tin, bài CCHC trên Trang thông tin điện tử của đơn vị\"");
    put(g, "D5", 's', "4");
    put(g, "A5", 's', "HP.SO.KHONG_CO");
    csv_one_problem(g, "Báo cáo!A5: mã đơn vị \"HP.SO.KHONG_CO\" không có trong danh mục");
    put(g, "A5", 's', "HP.SO.XAY_DUNG");
    /* the code row: a wrong dataset, a changed indicator code, no code row at all */
    put(g, "A3", 's', "CCHC_X");
    csv_one_problem(g, "Báo cáo!A3: mẫu báo cáo \"CCHC_X\" không có trong danh mục");
    put(g, "A3", 's', "CCHC_Q");
    put(g, "D3", 's', "WEBSITE_POST");
    sheet_opts_t o = opts();
    o.file = "bao-cao.csv";
    sheet_result_t r;
    assert_int_equal(read_grid_csv(g, ',', false, false, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!D4: cột có mã chỉ tiêu \"WEBSITE_POST\" không thuộc mẫu báo cáo CCHC_Q"));
    assert_int_equal(r.nreports, 0);
    sheet_result_free(&r);
    put(g, "D3", 's', "WEBSITE_POSTS");
    for (int c = 0; c < GRID_COLS; c++)
        g->c[3][c].type = 0;
    put(g, "C3", 's', "x"); /* keep the row there, without codes */
    csv_one_problem(g, "Báo cáo!A3: không thấy hàng mã (ẩn) của mẫu ở hàng 3: tệp không làm từ mẫu của hệ thống hoặc hàng đã bị xóa");
    free(g);
    /* rights: a unit the uploader may not submit for, as in the XLSX */
    const char *two[] = {"HP.SO.XAY_DUNG", "HP.SO.Y_TE"};
    g = grid_new(two, 2);
    int me = catalog_unit(cat, "HP.SO.XAY_DUNG");
    o.ud = &me;
    o.may_submit = may;
    assert_int_equal(read_grid_csv(g, ';', true, true, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!A6: bạn không được nộp báo cáo thay cho đơn vị HP.SO.Y_TE"));
    assert_int_equal(r.nreports, 0);
    sheet_result_free(&r);
    /* English */
    o = opts();
    o.lang = SHEET_LANG_EN;
    put(g, "D6", 's', "ten");
    assert_int_equal(read_grid_csv(g, ',', false, false, &o, &r), SHEET_E_INVALID);
    assert_true(has_error(&r, "Báo cáo!D6: \"ten\" is not a whole number"));
    sheet_result_free(&r);
    free(g);
}

static void tcsv_encodings(void **state)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    char *csv = grid_csv(g, ';', true, false);
    size_t n = strlen(csv);
    /* UTF-16 ("Unicode Text"): with its BOM, and without */
    unsigned char *u16 = malloc(2 * n + 2);
    u16[0] = 0xFF;
    u16[1] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        u16[2 + 2 * i] = (unsigned char)csv[i]; /* not real UTF-16 past ASCII: the start is what is looked at */
        u16[3 + 2 * i] = 0;
    }
    const char *utf16 = "bao-cao.csv: tệp là văn bản UTF-16 (Excel: \"Unicode Text\"); hãy mở mẫu và lưu lại dưới dạng \"CSV UTF-8\"";
    csv_bytes_problem(u16, 2 * n + 2, utf16);
    csv_bytes_problem(u16 + 2, 2 * n, utf16);
    free(u16);
    /* Windows-1258: "Mã" with a single byte 0xE3 for "ã", on line 4 */
    char *cp = strdup(csv);
    char *at = strstr(cp, "Mã đơn vị");
    assert_non_null(at);
    memmove(at + 2, at + 3, strlen(at + 3) + 1);
    at[1] = (char)0xE3;
    csv_bytes_problem(cp, strlen(cp),
                      "bao-cao.csv: tệp CSV không ở bảng mã UTF-8 (dòng 4 có byte \\xE3); trong Excel hãy chọn Lưu dưới "
                      "dạng \"CSV UTF-8\", trong LibreOffice chọn bộ ký tự \"Unicode (UTF-8)\"");
    free(cp);
    /* a NUL in the middle: no text at all */
    cp = strdup(csv);
    cp[10] = '\0';
    csv_bytes_problem(cp, n, "bao-cao.csv: tệp không phải là tệp Excel .xlsx hay tệp CSV");
    free(cp);
    /* quotes: one inside a plain cell, one never closed */
    csv_bytes_problem("a,b\nc,d\"e\n", 10, "bao-cao.csv: dòng 2 của tệp: dấu ngoặc kép đặt sai (dấu \" giữa một ô không "
                                           "mở bằng \", hoặc chữ sau dấu \" đóng)");
    csv_bytes_problem("a,b\nc,\"d\n\ne\n", 12, "bao-cao.csv: ô mở bằng dấu \" ở dòng 2 của tệp không có dấu \" đóng");
    /* empty; a photo or a scan of the paper report; binary bytes */
    csv_bytes_problem("", 0, "bao-cao.csv: tệp rỗng (0 byte): hãy chọn tệp mẫu đã điền");
    csv_bytes_problem("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10,
                      "bao-cao.csv: tệp là ảnh (JPEG), không phải bảng tính: hãy nộp tệp mẫu Excel (.xlsx) đã điền, "
                      "hoặc bản lưu dưới dạng \"CSV UTF-8\"");
    csv_bytes_problem("%PDF-1.7\n%\xE2\xE3", 12,
                      "bao-cao.csv: tệp là tài liệu PDF, không phải bảng tính: hãy nộp tệp mẫu Excel (.xlsx) đã điền, "
                      "hoặc bản lưu dưới dạng \"CSV UTF-8\"");
    csv_bytes_problem("\x7F\x45\x00\x00\x01\x02", 6, "bao-cao.csv: tệp không phải là tệp Excel .xlsx hay tệp CSV");
    /* the one-report CSV of cchc submit is not the template */
    csv_bytes_problem("indicator,value\nPORTAL_POSTS,1\n", 31,
                      "bao-cao.csv: tệp là CSV một báo cáo (cột indicator, value) của lệnh cchc submit, không phải "
                      "mẫu; hãy tải mẫu Excel, điền rồi gửi tệp .xlsx hoặc mẫu đã lưu dưới dạng \"CSV UTF-8\"");
    /* an .xls still goes to the XLSX reader and its sentence */
    csv_bytes_problem("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8,
                      "bao-cao.csv: tệp là định dạng Excel 97-2003 (.xls); hãy lưu lại dưới dạng .xlsx");
    free(csv);
    free(g);
}

static void tcsv_caps(void **state)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    char *csv = grid_csv(g, ',', false, false);
    size_t n = strlen(csv);
    /* a cell longer than a spreadsheet holds, on the note column of row 5 */
    size_t big = SHEET_CELL_TEXT_MAX + 10;
    char *b = malloc(n + big + 8);
    memcpy(b, csv, n);
    size_t k = n - 1; /* before the last LF: a cell after the last one (Y) of row 12 */
    memcpy(b + k, ",\"", 2);
    memset(b + k + 2, 'x', big);
    memcpy(b + k + 2 + big, "\"\n", 2);
    csv_bytes_problem(b, k + 4 + big, "Báo cáo!Z12: ô có nội dung dài quá 32768 byte");
    free(b);
    /* too many rows: 5000 blank rows, then one */
    size_t rows = SHEET_MAX_ROWS + 10;
    b = malloc(n + rows + 8);
    memcpy(b, csv, n);
    memset(b + n, '\n', rows);
    memcpy(b + n + rows, "x,y\n", 4);
    csv_bytes_problem(b, n + rows + 4, "bao-cao.csv: quá 5000 dòng đơn vị");
    free(b);
    /* too big a file */
    b = calloc(1, SHEET_MAX_BYTES + 2);
    memset(b, 'a', SHEET_MAX_BYTES + 1);
    csv_bytes_problem(b, SHEET_MAX_BYTES + 1, "bao-cao.csv: tệp lớn quá 20 MiB");
    free(b);
    free(csv);
    free(g);
}

static void tcsv_mutations(void **state)
{
    const char *units[] = {"HP.XA.VIET_KHE", "HP.XA.VIET_KHE.VP"};
    grid_t *g = grid_new(units, 2);
    char *csv = grid_csv(g, ';', true, true);
    size_t n = strlen(csv);
    static const char bytes[] = {'"', ';', ',', '\n', '\r', '\0', 'x', '9', (char)0xC3, (char)0xFF};
    srand(12);
    for (int i = 0; i < 300; i++) {
        char *m = malloc(n);
        memcpy(m, csv, n);
        m[(size_t)rand() % n] = bytes[rand() % (int)sizeof bytes];
        sheet_opts_t o = opts();
        sheet_result_t r;
        int rc = sheet_read_upload(m, n, &o, &r);
        assert_true(rc == 0 ? r.nreports >= 1 && r.nerrors == 0 : r.nreports == 0 && r.nerrors >= 1);
        sheet_result_free(&r);
        free(m);
    }
    free(csv);
    free(g);
}

/* ---- 6: what an officer re-uploads ------------------------------------------- */

/* The tags that `text` in OTHER_FORMS (X5) of a good sheet reads as, "a,b". */
static void tags_read_as(const char *text, const char *want)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    put(g, "X5", 's', text);
    sheet_opts_t o = opts();
    sheet_result_t r;
    int rc = read_grid(g, &o, &r);
    print_errors(&r);
    assert_int_equal(rc, 0);
    const proto_value_t *v = value_of(&r.reports[0], "OTHER_FORMS");
    assert_non_null(v);
    char got[512] = "";
    for (uint32_t t = 0; t < v->ntags; t++)
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s", t ? "," : "", (int)v->tags[t].len, v->tags[t].ptr);
    assert_string_equal(got, want);
    sheet_result_free(&r);
    free(g);
}

/* The text of a part of the zip at `path` (NUL-terminated, malloc'ed). */
static char *part_text(const char *path, const char *name)
{
    int err;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    assert_non_null(z);
    zip_stat_t st;
    assert_int_equal(zip_stat(z, name, 0, &st), 0);
    char *b = calloc(1, st.size + 1);
    zip_file_t *f = zip_fopen(z, name, 0);
    assert_int_equal(zip_fread(f, b, st.size), (zip_int64_t)st.size);
    zip_fclose(f);
    zip_discard(z);
    return b;
}

static void tags_as_labels(void **state)
{
    /* what the web form shows, any case, ';' '|' or ',' between, spaces inside */
    tags_read_as("Mạng xã hội; Trực quan", "mang_xa_hoi,truc_quan");
    tags_read_as("MẠNG XÃ HỘI|tuyên truyền trực quan", "mang_xa_hoi,truc_quan");
    tags_read_as("Văn hóa, văn nghệ, Khác", "van_hoa_van_nghe,khac");
    tags_read_as("Văn hóa, văn nghệ;Tiếp xúc cử tri", "van_hoa_van_nghe,tiep_xuc_cu_tri");
    tags_read_as("mang_xa_hoi,truc_quan", "mang_xa_hoi,truc_quan"); /* the codes of the CLI and old templates */
    tags_read_as("mang_xa_hoi truc_quan|khac", "mang_xa_hoi,truc_quan,khac");
    tags_read_as("MANG_XA_HOI; Visual displays; khac", "mang_xa_hoi,truc_quan,khac"); /* the English labels too */
}

static void tags_as_labels_refused(void **state)
{
    one_problem("X5", 's', "Mạng xã hội; mang_xa_hoi", "Báo cáo!X5: nhãn \"mang_xa_hoi\" được ghi hai lần");
    /* spaces do not separate labels (only codes, as older files wrote them) */
    one_problem("X5", 's', "Mạng xã hội Trực quan",
                "Báo cáo!X5: nhãn \"Mạng xã hội Trực quan\" không có trong danh sách được phép (Mạng xã hội; "
                "Thông tin cơ sở; Tuyên truyền trực quan; Văn hóa, văn nghệ; Sinh hoạt đoàn thể; Họp giao ban; "
                "Tiếp xúc cử tri; Khác)");
    char buf[64];
    assert_string_equal(sheet_tag_label("truc_quan", 9, SHEET_LANG_VI, buf, sizeof buf), "Tuyên truyền trực quan");
    assert_string_equal(sheet_tag_label("truc_quan", 9, SHEET_LANG_EN, buf, sizeof buf), "Visual displays");
    assert_string_equal(sheet_tag_label("bao_chi_moi", 11, SHEET_LANG_VI, buf, sizeof buf), "bao chi moi");
}

static void template_labels_and_kinds(void **state)
{
    int u = catalog_unit(cat, "HP.SO.XAY_DUNG"), ds = catalog_dataset(cat, "CCHC_Q");
    period_t p;
    period_parse("2025Q3", &p);
    proto_value_t v[64];
    int n = full_values(v, 3); /* OTHER_FORMS: truc_quan, khac */
    sheet_prefill_t pf = {u, v, (uint32_t)n};
    const char *path = path_of("labels.xlsx");
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, &u, 1, &pf, 1), 0);
    char *ss = part_text(path, "xl/sharedStrings.xml");
    assert_non_null(strstr(ss, ">Tuyên truyền trực quan; Khác<"));     /* the pre-filled cell */
    assert_null(strstr(ss, "truc_quan; khac"));
    assert_non_null(strstr(ss, "Mạng xã hội; Thông tin cơ sở; Tuyên truyền trực quan")); /* Hướng dẫn */
    assert_non_null(strstr(ss, ">số lượng<"));
    assert_non_null(strstr(ss, ">có/không<"));
    assert_non_null(strstr(ss, ">nhãn<"));
    assert_null(strstr(ss, ">count<"));
    assert_null(strstr(ss, ">tags<"));
    assert_null(strstr(ss, ">bool<"));
    free(ss);
    /* and it reads back as the codes it was written from */
    sheet_opts_t o = opts();
    sheet_result_t r;
    assert_int_equal(sheet_read_file(path, &o, &r), 0);
    assert_same_values(v, n, &r.reports[0]);
    sheet_result_free(&r);
}

static void messages_in_words(void **state)
{
    /* a formula Excel has not computed (a library wrote it, or manual calculation) */
    one_problem("D5", 'x', "<c r=\"D5\"><f>SUM(C5,1)</f></c>",
                "Báo cáo!D5: ô có công thức nhưng chưa có giá trị tính sẵn: hãy mở tệp trong Excel và lưu lại");
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    one_problem("D5", 'x', "<c r=\"D5\"><f>1+2</f><v></v></c>", /* as openpyxl writes it */
                "Báo cáo!D5: ô có công thức nhưng chưa có giá trị tính sẵn: hãy mở tệp trong Excel và lưu lại");
    put(g, "D5", 'x', "<c r=\"D5\"><f>SUM(C5,1)</f><v>8</v></c>"); /* computed: its value counts */
    sheet_opts_t o = opts();
    sheet_result_t r;
    assert_int_equal(read_grid(g, &o, &r), 0);
    assert_int_equal(value_of(&r.reports[0], "WEBSITE_POSTS")->i, 8);
    sheet_result_free(&r);
    free(g);
    /* a required value left empty: the indicator's name */
    one_problem("D5", 0, "", "Báo cáo!D5: thiếu số liệu của chỉ tiêu bắt buộc "
                             "\"Tin, bài CCHC trên Trang thông tin điện tử của đơn vị\"");
    /* a cut file: a Vietnamese reason, the library's words only in English */
    int u = catalog_unit(cat, "HP.SO.XAY_DUNG"), ds = catalog_dataset(cat, "CCHC_Q");
    period_t p;
    period_parse("2025Q3", &p);
    const char *path = path_of("cut2.xlsx");
    assert_int_equal(sheet_write_xlsx(path, cat, u, ds, p, &u, 1, NULL, 0), 0);
    size_t n;
    unsigned char *b = slurp(path, &n);
    read_bytes_expect(b, n / 2, "upload.xlsx: tệp .xlsx bị hỏng hoặc không trọn vẹn (có thể tải lên hay lưu chưa "
                                "xong); hãy mở tệp trong Excel, lưu lại rồi gửi lại");
    o = opts();
    o.lang = SHEET_LANG_EN;
    assert_int_equal(sheet_read_xlsx(b, n / 2, &o, &r), SHEET_E_INVALID);
    assert_int_equal(r.nerrors, 1);
    assert_non_null(strstr(r.errors[0], "the .xlsx file is damaged or incomplete ("));
    sheet_result_free(&r);
    free(b);
}

static void unchanged_and_rebase(void **state)
{
    const char *units[] = {"HP.SO.XAY_DUNG"};
    grid_t *g = grid_new(units, 1);
    sheet_opts_t o = opts();
    sheet_result_t r;
    assert_int_equal(read_grid(g, &o, &r), 0);
    sheet_report_t *rp = &r.reports[0];
    /* the latest version as the aggregator gives it: another order, tags another order */
    proto_value_t latest[64];
    uint32_t n = rp->nvalues;
    for (uint32_t i = 0; i < n; i++)
        latest[i] = rp->values[n - 1 - i];
    proto_value_t *tags = (proto_value_t *)value_of(rp, "OTHER_FORMS");
    for (uint32_t i = 0; i < n; i++)
        if (!strcmp(latest[i].code, "OTHER_FORMS")) {
            latest[i].tags[0] = tags->tags[1];
            latest[i].tags[1] = tags->tags[0];
        }
    assert_true(sheet_report_unchanged(rp, latest, n, "", 0));
    assert_true(sheet_report_unchanged(rp, latest, n, "ghi chú cũ", strlen("ghi chú cũ"))); /* no note: not compared */
    uint32_t w = 0;
    while (strcmp(latest[w].code, "WEBSITE_POSTS"))
        w++;
    latest[w].i++;
    assert_false(sheet_report_unchanged(rp, latest, n, "", 0));
    latest[w].i--;
    assert_false(sheet_report_unchanged(rp, latest, n - 1, "", 0)); /* a value the latest lacks */
    snprintf(rp->note, sizeof rp->note, "đã sửa");
    assert_false(sheet_report_unchanged(rp, latest, n, "", 0));
    assert_true(sheet_report_unchanged(rp, latest, n, "đã sửa", strlen("đã sửa")));
    /* the id names the version it corrects */
    char first[65], again[65], other[65], revert[65];
    sheet_report_rebase(rp, 4);
    snprintf(first, sizeof first, "%s", rp->id);
    assert_non_null(strstr(first, "HP.SO.XAY_DUNG.2025Q3.r4.x"));
    sheet_report_rebase(rp, 4);
    snprintf(again, sizeof again, "%s", rp->id);
    assert_string_equal(first, again);         /* a retry over the same version: the same id */
    sheet_report_rebase(rp, 5);
    snprintf(revert, sizeof revert, "%s", rp->id);
    assert_string_not_equal(first, revert);    /* the same content over a newer version: a new id */
    sheet_report_rebase(rp, 0);
    snprintf(other, sizeof other, "%s", rp->id);
    assert_non_null(strstr(other, ".r0.x"));
    /* within the protocol's 64 bytes of [A-Za-z0-9._:-], whatever the unit code and version */
    memset(rp->unit, 'U', CATALOG_CODE_MAX);
    rp->unit[CATALOG_CODE_MAX] = '\0';
    sheet_report_rebase(rp, UINT64_MAX);
    assert_true(strlen(rp->id) <= 64);
    assert_int_equal(strspn(rp->id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-"),
                     strlen(rp->id));
    assert_non_null(strstr(rp->id, ".2025Q3.r"));
    sheet_result_free(&r);
    free(g);
}

static int setup(void **state)
{
    const char *root = getenv("CCHC_ROOT");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/deploy/catalog", root && *root ? root : ".");
    if (catalog_load(dir, &cat, NULL, NULL) != 0 || !mkdtemp(tmpdir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    catalog_destroy(&cat);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        TEST("sheet-1.1 one unit's template written, filled and read back equal, with a stable id", round_trip_one),
        TEST("sheet-1.2 a consolidating office's template: one row per sub-unit, read back equal", round_trip_office),
        TEST("sheet-1.3 a row left empty is skipped, not an error", empty_rows_skipped),
        TEST("sheet-1.4 periods in words, cell names both ways", period_words_and_cells),
        TEST("sheet-2.1 values: not whole, negative, too large, not yes/no, tags, required, ratio", err_values),
        TEST("sheet-2.2 units: unknown, not reporting, missing, forbidden, twice", err_units),
        TEST("sheet-2.3 dataset and period: wrong, unknown, future, no code row", err_dataset_period),
        TEST("sheet-2.4 headers: changed, a rate, a deleted column", err_header),
        TEST("sheet-2.5 English sentences; one bad row means no report", err_english_and_many),
        TEST("sheet-3.1 not a zip, an .xls, a cut file, a zip without workbook", hostile_not_zip),
        TEST("sheet-3.2 a zip bomb stops at the cap", hostile_bomb),
        TEST("sheet-3.3 DTD and entities, broken XML, bad shared string, huge row number", hostile_xml),
        TEST("sheet-3.4 300 one-byte mutations of a template: reports or problems, never a crash", hostile_mutations),
        TEST("sheet-4.1 the CSV of cchc submit --file read into one report", csv_good),
        TEST("sheet-4.2 CSV problems at file:line:column, all or nothing", csv_problems),
        TEST("sheet-5.1 the template saved as CSV (',' or ';', LF or CRLF, BOM or not) reads as the XLSX, same ids", tcsv_good),
        TEST("sheet-5.2 template CSV problems named Báo cáo!D5, the code row, rights; all or nothing", tcsv_problems),
        TEST("sheet-5.3 template CSV: UTF-16, Windows-1258, NUL, bad quotes, a one-report CSV refused with a sentence", tcsv_encodings),
        TEST("sheet-5.4 template CSV caps: a long cell, too many rows, too big a file", tcsv_caps),
        TEST("sheet-5.5 300 one-byte mutations of a template CSV: reports or problems, never a crash", tcsv_mutations),
        TEST("sheet-6.1 tags as the web form's labels, any case, ';' '|' ',' between; codes still", tags_as_labels),
        TEST("sheet-6.2 tags: twice (label and code) refused, spaces do not separate; labels of tags", tags_as_labels_refused),
        TEST("sheet-6.3 the template writes tags as labels, 'Loại' in Vietnamese words, and reads back", template_labels_and_kinds),
        TEST("sheet-6.4 a formula without a value, a required indicator by name, a cut file in Vietnamese", messages_in_words),
        TEST("sheet-6.5 a row equal to the latest version is unchanged; the id names the version it corrects", unchanged_and_rebase),
    };
    return cmocka_run_group_tests_name("sheet", tests, setup, teardown);
}
