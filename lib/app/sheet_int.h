/*
 * sheet_int.h -- what the files of the sheet module share (not a public
 * header): the sentences, the layout of the template, the checking of one
 * cell and the building of the result.
 */
#ifndef CCHC_SHEET_INT_H
#define CCHC_SHEET_INT_H

#include "sheet.h"

/* The template's layout (0-based rows and columns, as libxlsxwriter counts;
 * messages name them 1-based, as people do). */
#define SHEET_ROW_TITLE 0
#define SHEET_ROW_SUB 1
#define SHEET_ROW_CODES 2   /* hidden: dataset, period, indicator codes..., NOTE */
#define SHEET_ROW_HEAD 3
#define SHEET_ROW_DATA 4
#define SHEET_COL_UNIT 0
#define SHEET_COL_NAME 1
#define SHEET_COL_FIRST 2
#define SHEET_NOTE_CODE "NOTE"

#define SHEET_CELL_TEXT_MAX 32768 /* bytes of one cell (Excel's own limit is 32767 characters) */
#define SHEET_MAX_CELLS 200000    /* cells with content in a sheet */

/* Every sentence of the reader: X(ID, Vietnamese, English), same printf
 * arguments in the same order. */
#define SHEET_MESSAGES(X)                                                                                        \
    X(NOT_WHOLE, "%s không phải là số nguyên", "%s is not a whole number")                                       \
    X(NEGATIVE, "%s: số liệu không được âm", "%s: the value cannot be negative")                                 \
    X(TOO_LARGE, "%s lớn hơn mức tối đa %lld của chỉ tiêu", "%s is above the indicator's maximum %lld")           \
    X(NOT_BOOL, "%s không phải là Có hoặc Không", "%s is not Có (yes) or Không (no)")                             \
    X(UNKNOWN_TAG, "nhãn %s không có trong danh sách được phép (%s)", "tag %s is not one of the allowed tags (%s)") \
    X(REPEATED_TAG, "nhãn %s được ghi hai lần", "tag %s is written twice")                                      \
    X(TOO_MANY_TAGS, "quá %d nhãn", "more than %d tags")                                                         \
    X(REQUIRED, "thiếu số liệu của chỉ tiêu bắt buộc \"%s\"", "the required indicator \"%s\" has no value")      \
    X(REQUIRED_CODE, "thiếu số liệu của chỉ tiêu bắt buộc \"%s\" (%s)", "the required indicator \"%s\" (%s) has no value") \
    X(FORMULA_NO_VALUE, "ô có công thức nhưng chưa có giá trị tính sẵn: hãy mở tệp trong Excel và lưu lại",          \
      "the cell holds a formula without a computed value: open the file in Excel and save it again")               \
    X(RATIO, "%s (%lld) lớn hơn %s (%lld)", "%s (%lld) is greater than %s (%lld)")                               \
    X(UNIT_UNKNOWN, "mã đơn vị %s không có trong danh mục", "unit code %s is not in the catalog")                 \
    X(UNIT_FORBIDDEN, "bạn không được nộp báo cáo thay cho đơn vị %s", "you may not submit for unit %s")         \
    X(UNIT_NOT_REQUIRED, "đơn vị %s không phải nộp mẫu báo cáo %s", "unit %s does not report dataset %s")        \
    X(UNIT_CLOSED, "đơn vị %s không hoạt động trong kỳ %s", "unit %s is not open in period %s")                  \
    X(UNIT_TWICE, "đơn vị %s đã có ở dòng %d", "unit %s is already on row %d")                                   \
    X(UNIT_MISSING, "dòng có số liệu nhưng thiếu mã đơn vị", "the row has values but no unit code")              \
    X(DATASET_UNKNOWN, "mẫu báo cáo %s không có trong danh mục", "dataset %s is not in the catalog")              \
    X(DATASET_WRONG, "tệp là mẫu báo cáo %s, không phải %s", "the file is dataset %s, not %s")                   \
    X(PERIOD_INVALID, "kỳ báo cáo %s không hợp lệ", "period %s is not valid")                                     \
    X(PERIOD_WRONG, "tệp là của kỳ %s, không phải kỳ %s", "the file is for period %s, not %s")                   \
    X(PERIOD_TYPE, "kỳ %s không phải loại kỳ của mẫu báo cáo %s", "period %s is not of dataset %s's type")       \
    X(PERIOD_FUTURE, "kỳ %s chưa bắt đầu", "period %s has not begun")                                            \
    X(COL_UNKNOWN, "cột có mã chỉ tiêu %s không thuộc mẫu báo cáo %s", "the column's indicator %s is not in dataset %s") \
    X(COL_RATE, "chỉ tiêu %s là tỷ lệ, được tính tự động, không nhập", "indicator %s is a rate: computed, never entered") \
    X(COL_TWICE, "chỉ tiêu %s có hai cột", "indicator %s has two columns")                                        \
    X(HEADER_CHANGED, "tiêu đề cột đã bị sửa (%s, đúng ra là %s); hãy tải lại mẫu",                              \
      "the column header was changed (%s instead of %s); download the template again")                          \
    X(COL_MISSING, "không có cột của chỉ tiêu bắt buộc %s (%s); cột có thể đã bị xóa",                          \
      "no column for the required indicator %s (%s); it may have been deleted")                                   \
    X(NO_CODES, "không thấy hàng mã (ẩn) của mẫu ở hàng 3: tệp không làm từ mẫu của hệ thống hoặc hàng đã bị xóa", \
      "no code row (hidden row 3): the file was not made from the template, or the row was deleted")             \
    X(NO_REPORT, "không có dòng nào có số liệu", "no row has any value")                                          \
    X(NOTE_TOO_LONG, "ghi chú dài quá %d byte", "the note is longer than %d bytes")                               \
    X(CELL_TOO_LONG, "ô có nội dung dài quá %d byte", "the cell holds more than %d bytes")                       \
    X(CELL_ERROR, "ô có lỗi công thức %s", "the cell holds the formula error %s")                               \
    X(TOO_MANY_ROWS, "quá %d dòng đơn vị", "more than %d unit rows")                                              \
    X(TOO_MANY_CELLS, "quá %d ô có nội dung", "more than %d cells with content")                                  \
    X(NOT_ZIP, "tệp không phải là tệp Excel .xlsx", "the file is not an Excel .xlsx file")                       \
    X(OLD_XLS, "tệp là định dạng Excel 97-2003 (.xls); hãy lưu lại dưới dạng .xlsx",                             \
      "the file is an Excel 97-2003 .xls; save it as .xlsx")                                                       \
    X(BAD_ZIP, "tệp .xlsx bị hỏng hoặc không trọn vẹn (có thể tải lên hay lưu chưa xong); hãy mở tệp trong Excel, " \
      "lưu lại rồi gửi lại", "the .xlsx file is damaged or incomplete (%s)")                                    \
    X(TOO_BIG, "tệp lớn quá %u MiB", "the file is larger than %u MiB")                                            \
    X(TOO_MANY_ENTRIES, "tệp nén có quá %d phần", "the zip has more than %d entries")                              \
    X(ENTRY_TOO_BIG, "phần %s lớn quá %u MiB khi giải nén", "part %s is larger than %u MiB uncompressed")           \
    X(PART_MISSING, "tệp thiếu phần %s", "the file lacks part %s")                                                 \
    X(BAD_XML, "phần %s của tệp bị hỏng (dòng %lu); hãy mở tệp trong Excel, lưu lại rồi gửi lại",                \
      "part %s is damaged (XML line %lu: %s)")                                                                    \
    X(XML_DTD, "phần %s có khai báo DTD hoặc thực thể, không được chấp nhận",                                   \
      "part %s declares a DTD or an entity, which is refused")                                                    \
    X(BAD_STRING, "ô trỏ tới chuỗi dùng chung %s không tồn tại", "the cell points to shared string %s, which does not exist") \
    X(NO_SHEET, "tệp không có trang tính nào", "the workbook has no sheet")                                      \
    X(CSV_UNREADABLE, "không đọc được tệp (%s)", "cannot read the file (%s)")                                     \
    X(GROUPED, "%s: hãy viết số không có dấu phân cách hàng nghìn (1234, không phải 1.234 hay 1,234)",          \
      "%s: write the number without a thousands separator (1234, not 1.234 or 1,234)")                          \
    X(NOT_SHEET, "tệp không phải là tệp Excel .xlsx hay tệp CSV", "the file is neither an Excel .xlsx nor a CSV file") \
    X(NOT_SHEET_KIND, "tệp là %s, không phải bảng tính: hãy nộp tệp mẫu Excel (.xlsx) đã điền, hoặc bản lưu dưới dạng "   \
      "\"CSV UTF-8\"", "the file is %s, not a spreadsheet: upload the filled Excel template (.xlsx), or it saved as \"CSV UTF-8\"") \
    X(EMPTY_FILE, "tệp rỗng (0 byte): hãy chọn tệp mẫu đã điền", "the file is empty (0 bytes): choose the filled template") \
    X(CSV_UTF16, "tệp là văn bản UTF-16 (Excel: \"Unicode Text\"); hãy mở mẫu và lưu lại dưới dạng \"CSV UTF-8\"", \
      "the file is UTF-16 text (Excel: \"Unicode Text\"); open the template and save it as \"CSV UTF-8\"")       \
    X(CSV_ENCODING, "tệp CSV không ở bảng mã UTF-8 (dòng %d có byte %s); trong Excel hãy chọn Lưu dưới dạng "       \
      "\"CSV UTF-8\", trong LibreOffice chọn bộ ký tự \"Unicode (UTF-8)\"",                                       \
      "the CSV file is not UTF-8 (line %d has the byte %s); in Excel save as \"CSV UTF-8\", in LibreOffice "       \
      "choose the character set \"Unicode (UTF-8)\"")                                                            \
    X(CSV_QUOTES, "dòng %d của tệp: dấu ngoặc kép đặt sai (dấu \" giữa một ô không mở bằng \", hoặc chữ sau dấu \" đóng)", \
      "line %d of the file: misplaced quote (a \" inside a cell that does not begin with \", or text after the closing \")") \
    X(CSV_UNTERMINATED, "ô mở bằng dấu \" ở dòng %d của tệp không có dấu \" đóng",                                 \
      "the cell opened with \" on line %d of the file is never closed")                                         \
    X(CSV_ONE_REPORT, "tệp là CSV một báo cáo (cột indicator, value) của lệnh cchc submit, không phải mẫu; hãy tải " \
      "mẫu Excel, điền rồi gửi tệp .xlsx hoặc mẫu đã lưu dưới dạng \"CSV UTF-8\"",                                  \
      "the file is the one-report CSV (columns indicator, value) of cchc submit, not the template; download the "  \
      "Excel template, fill it and send the .xlsx or the template saved as \"CSV UTF-8\"")                       \
    X(CSV_INDICATOR_UNKNOWN, "chỉ tiêu %s không thuộc mẫu báo cáo %s", "indicator %s is not in dataset %s")       \
    X(CSV_INDICATOR_TWICE, "chỉ tiêu %s đã có ở dòng %d", "indicator %s is already on line %d")                   \
    X(CSV_NO_INDICATOR, "giá trị %s không có mã chỉ tiêu", "value %s has no indicator code")                      \
    X(CSV_NEEDS, "đọc tệp CSV cần biết đơn vị, mẫu báo cáo và kỳ (--unit, --dataset, --period)",                \
      "a CSV file needs the unit, dataset and period (--unit, --dataset, --period)")                             \
    X(COLLECTOR, "máy chủ sẽ từ chối báo cáo: %s", "the collector would refuse the report: %s")                  \
    X(RAW, "%s", "%s")                                                                                           \
    X(MORE, "... và %d lỗi khác", "... and %d more problem(s)")

typedef enum {
#define X(id, vi, en) SHEET_M_##id,
    SHEET_MESSAGES(X)
#undef X
} sheet_msg_t;

/* The sentence of `id` in `lang` (a printf format). */
const char *sheet__msg(sheet_lang_t lang, sheet_msg_t id);

/* Private memory of a result: blocks freed with it. */
struct sheet_mem {
    void **blocks;
    int n, cap;
};

/* One read under way. */
typedef struct {
    const sheet_opts_t *o;
    sheet_result_t *res;
    const char *where;  /* sheet name, or the CSV file's name */
    const char *file;   /* the file's name, for problems of the whole file (NULL: where) */
    bool csv;           /* locations are file:line, not Sheet!Cell */
    bool nomem;
} sheet_ctx_t;

/* Reports a problem at (col, row): col 0-based, row 1-based -- "Sheet!D7",
 * or for a CSV "file:LINE:COLUMN" (col < 0: "file:LINE"); row <= 0: the
 * whole file ("Sheet" or "file"). */
void sheet__error(sheet_ctx_t *x, int col, int row, sheet_msg_t id, ...);

/* A user's text made safe for a message, in double quotes, into buf
 * (at least 300 bytes). */
const char *sheet__show(char *buf, const char *s);
#define SHEET_SHOW(s) sheet__show((char[300]){0}, (s))

/* Makes *p (an array of *cap elements of `size` bytes) hold at least
 * `need` elements, doubling.  Returns false when out of memory (*p kept). */
bool sheet__grow(void **p, size_t *cap, size_t need, size_t size);

/* Keeps p (malloc'ed) until the result is freed.  Returns p, or NULL (p
 * freed) when out of memory. */
void *sheet__keep(sheet_ctx_t *x, void *p);

/* Checks one cell of indicator `ind`: type 's' text, 'n' number, 'b'
 * boolean, 'e' error, 'f' a formula without a computed value (text "").  Returns 1 with *out filled, 0 when the cell is empty,
 * -1 after reporting the problem at (col, row). */
int sheet__value(sheet_ctx_t *x, int ind, char type, const char *text, int col, int row, proto_value_t *out);

/* The header text of indicator ind's column ("name\n(how to fill)").
 * Returns buf. */
const char *sheet__header(const catalog_t *c, int ind, char *buf, size_t len);

/* Checks the unit code of a report (row > 0: a sheet row, col its unit
 * column) against the catalog, the uploader's rights, the dataset and the
 * period.  Returns the unit index, or -1 after reporting. */
int sheet__unit(sheet_ctx_t *x, const char *code, int ds, period_t p, int col, int row);

/* Checks dataset and period codes as found in the file (reported at
 * (dcol, drow) and (pcol, prow)).  Returns 0 with *ds and *p set, or -1. */
int sheet__dataset_period(sheet_ctx_t *x, const char *dcode, int dcol, int drow, const char *pcode, int pcol,
                          int prow, int *ds, period_t *p);

/* Checks each rate of ds whose numerator and denominator are both among
 * vals: numerator <= denominator, else reported at the numerator's column
 * (cols parallel to vals; row as for sheet__error). */
void sheet__ratios(sheet_ctx_t *x, int ds, const proto_value_t *vals, const int *cols, uint32_t n, int row);

/* The tag of indicator ind that s (n bytes) names: its code as the catalog
 * has it, or -- case, Vietnamese marks and the spaces or '_' between words
 * aside -- its code or its label in either language ("Mạng xã hội",
 * "MANG XA HOI", "Trực quan").  Returns the tag's index, or -1. */
int sheet__tag_match(const catalog_t *c, int ind, const char *s, size_t n);

/* The indicator's name in the reader's language (Vietnamese when the
 * catalog has no English one). */
const char *sheet__ind_name(const sheet_ctx_t *x, int ind);

/* Adds a report (values copied) to the result; computes its id.  Returns 0
 * or -1 (out of memory). */
int sheet__add_report(sheet_ctx_t *x, int ds, period_t p, int unit, const proto_value_t *vals, uint32_t n,
                      const char *note, int row);

/* The cells of a sheet as read (sheet_xlsx_read.c, sheet_template_csv.c),
 * texts in `pool`; empty cells are left out. */
typedef struct {
    int row, col;  /* 1-based row, 0-based column */
    char type;     /* 's' text, 'n' number, 'b' boolean, 'e' error, 'f' formula without a value */
    size_t off;    /* text in the pool */
} sheet_cell_t;

typedef struct {
    sheet_cell_t *cells;
    int ncells;
    const char *pool;
} sheet_grid_t;

/* Sorts the cells and checks them as a template (sheet_xlsx_check.c):
 * problems and reports go to x. */
void sheet__check_grid(sheet_ctx_t *x, sheet_grid_t *g);

/* Ends a read: runs validate_submit() over each report as a last net,
 * reports "no report" when there is none, drops every report when there
 * is a problem.  Returns the read's result code. */
int sheet__finish(sheet_ctx_t *x);

#endif
