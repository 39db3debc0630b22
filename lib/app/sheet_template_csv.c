/*
 * sheet_template_csv.c -- the template saved as CSV ("Save as CSV UTF-8" in
 * Excel or LibreOffice) read into the grid the XLSX reader fills, then
 * checked by the same sheet__check_grid() (see sheet.h).
 *
 * The bytes are checked first: a UTF-16 file ("Unicode Text") or one not in
 * UTF-8 (Windows-1258...) is refused with a sentence saying how to save it;
 * a BOM is skipped.  The separator is ',' or ';' (Excel in a Vietnamese
 * locale writes ';'), whichever there is more of in the code row (row 3,
 * whose cells are codes and never hold either).  libcsv then reads every
 * record as one row: blank lines count as rows, CRLF is one line end, a
 * quoted cell may span lines (its CRLFs become LFs, as in an XLSX).  Bytes,
 * rows, cells and one cell's length are capped as in the XLSX reader.
 */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sheet_int.h"
#include "utf8.h"

typedef struct {
    sheet_ctx_t *x;
    sheet_cell_t *cells;
    size_t ncells, ccap;
    char *pool;                /* every text, NUL-terminated */
    size_t plen, pcap;
    int row;                   /* 1-based row of the record being read */
    int col;                   /* 0-based column of the next field */
    int last_end;              /* the character that ended the last record */
    bool failed;               /* a cap was reached: stop keeping cells */
} csv_reader_t;

/* The line (1-based) of byte `off`. */
static int line_of(const unsigned char *b, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off; i++)
        line += b[i] == '\n';
    return line;
}

/* What a file that is no spreadsheet looks like by its first bytes (a
 * photo or a scan of the paper report), or NULL. */
static const char *other_kind(const unsigned char *b, size_t len, bool en)
{
    static const struct {
        const char *magic;
        size_t off, n;
        const char *vi, *en;
    } kinds[] = {
        {"\xFF\xD8\xFF", 0, 3, "ảnh (JPEG)", "a picture (JPEG)"},
        {"\x89PNG", 0, 4, "ảnh (PNG)", "a picture (PNG)"},
        {"GIF8", 0, 4, "ảnh (GIF)", "a picture (GIF)"},
        {"ftyp", 4, 4, "ảnh hoặc video (HEIC, MP4)", "a picture or a video (HEIC, MP4)"},
        {"%PDF", 0, 4, "tài liệu PDF", "a PDF document"},
        {"{\\rtf", 0, 5, "văn bản RTF", "an RTF document"},
        {"Rar!", 0, 4, "tệp nén RAR", "a RAR archive"},
        {"7z\xBC\xAF", 0, 4, "tệp nén 7z", "a 7z archive"},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (len >= kinds[i].off + kinds[i].n && !memcmp(b + kinds[i].off, kinds[i].magic, kinds[i].n))
            return en ? kinds[i].en : kinds[i].vi;
    return NULL;
}

/* UTF-16 text: a byte-order mark, or ASCII with a zero byte beside each. */
static bool utf16(const unsigned char *b, size_t len)
{
    if (len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF)))
        return true;
    return len >= 4 && ((b[0] && !b[1] && b[2] && !b[3]) || (!b[0] && b[1] && !b[2] && b[3]));
}

/* Refuses what is not UTF-8 text.  Returns 0 when it is. */
static int check_bytes(sheet_ctx_t *x, const unsigned char *b, size_t len)
{
    const char *kind = other_kind(b, len, x->o->lang == SHEET_LANG_EN);
    if (len == 0 || kind) {
        if (kind)
            sheet__error(x, 0, 0, SHEET_M_NOT_SHEET_KIND, kind);
        else
            sheet__error(x, 0, 0, SHEET_M_EMPTY_FILE);
        return -1;
    }
    if (utf16(b, len)) {
        sheet__error(x, 0, 0, SHEET_M_CSV_UTF16);
        return -1;
    }
    for (size_t i = 0; i < len;) {
        size_t n = b[i] ? utf8_seq(b + i, len - i) : 0;
        if (n == 0 && !b[i]) {
            sheet__error(x, 0, 0, SHEET_M_NOT_SHEET);
            return -1;
        }
        if (n == 0) {
            char byte[8];
            snprintf(byte, sizeof byte, "\\x%02X", b[i]);
            sheet__error(x, 0, 0, SHEET_M_CSV_ENCODING, line_of(b, i), byte);
            return -1;
        }
        i += n;
    }
    return 0;
}

/* ',' or ';': the one found more often, outside quotes, in the third record
 * (the code row); ',' when neither is. */
static unsigned char separator(const unsigned char *b, size_t len)
{
    int record = 0, commas = 0, semis = 0;
    bool quoted = false;
    for (size_t i = 0; i < len && record <= SHEET_ROW_CODES; i++) {
        if (b[i] == '"')
            quoted = !quoted;
        else if (quoted)
            continue;
        else if (b[i] == '\n')
            record++;
        else if (record == SHEET_ROW_CODES && b[i] == ',')
            commas++;
        else if (record == SHEET_ROW_CODES && b[i] == ';')
            semis++;
    }
    return semis > commas ? ';' : ',';
}

static void on_field(void *s, size_t len, void *ud)
{
    csv_reader_t *r = ud;
    int col = r->col++;
    if (r->failed || len == 0)
        return;
    if (r->row > SHEET_ROW_DATA + SHEET_MAX_ROWS) {
        sheet__error(r->x, 0, 0, SHEET_M_TOO_MANY_ROWS, SHEET_MAX_ROWS);
        r->failed = true;
        return;
    }
    if (col >= SHEET_MAX_COLS)
        return; /* far to the right of any template: not ours */
    if (len > SHEET_CELL_TEXT_MAX) {
        sheet__error(r->x, col, r->row, SHEET_M_CELL_TOO_LONG, SHEET_CELL_TEXT_MAX);
        return;
    }
    if (r->ncells >= SHEET_MAX_CELLS) {
        sheet__error(r->x, 0, 0, SHEET_M_TOO_MANY_CELLS, SHEET_MAX_CELLS);
        r->failed = true;
        return;
    }
    if (!sheet__grow((void **)&r->cells, &r->ccap, r->ncells + 1, sizeof *r->cells) ||
        !sheet__grow((void **)&r->pool, &r->pcap, r->plen + len + 1, 1)) {
        r->x->nomem = r->failed = true;
        return;
    }
    size_t off = r->plen;
    const char *t = s;
    for (size_t i = 0; i < len; i++)
        if (!(t[i] == '\r' && i + 1 < len && t[i + 1] == '\n'))
            r->pool[r->plen++] = t[i];
    r->pool[r->plen++] = '\0';
    r->cells[r->ncells++] = (sheet_cell_t){r->row, col, 's', off};
}

/* The end of a record (c: the character that ended it, -1 at the end of
 * the file).  With CSV_REPALL_NL libcsv reports every line end outside a
 * record, so a blank line is a row; the LF of a CRLF is not another one. */
static void on_record(int c, void *ud)
{
    csv_reader_t *r = ud;
    bool lf_of_crlf = r->col == 0 && c == '\n' && r->last_end == '\r';
    r->last_end = c;
    if (lf_of_crlf)
        return;
    r->row++;
    r->col = 0;
}

static void parse(sheet_ctx_t *x, csv_reader_t *r, const unsigned char *b, size_t len)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_APPEND_NULL)) {
        x->nomem = true;
        return;
    }
    csv_set_delim(&p, separator(b, len));
    size_t done = csv_parse(&p, b, len, on_field, on_record, r);
    if (done != len) {
        if (csv_error(&p) == CSV_EPARSE)
            sheet__error(x, 0, 0, SHEET_M_CSV_QUOTES, line_of(b, done));
        else
            x->nomem = true;
    } else if (csv_fini(&p, on_field, on_record, r)) {
        /* the only error at the end: a quote opened and never closed */
        size_t open = len;
        bool quoted = false;
        for (size_t i = 0; i < len; i++)
            if (b[i] == '"' && (quoted = !quoted))
                open = i;
        sheet__error(x, 0, 0, SHEET_M_CSV_UNTERMINATED, line_of(b, open));
    }
    csv_free(&p);
}

int sheet_read_template_csv(const void *buf, size_t len, const sheet_opts_t *o, sheet_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->mem = calloc(1, sizeof *res->mem);
    sheet_ctx_t x = {.o = o, .res = res, .where = SHEET_NAME_VI, .file = o->file ? o->file : "csv"};
    if (!res->mem)
        return SHEET_E_NOMEM;
    const unsigned char *b = buf;
    if (len > SHEET_MAX_BYTES) {
        sheet__error(&x, 0, 0, SHEET_M_TOO_BIG, (unsigned)(SHEET_MAX_BYTES >> 20));
        return sheet__finish(&x);
    }
    if (len >= 3 && !memcmp(b, "\xEF\xBB\xBF", 3)) {
        b += 3;
        len -= 3;
    }
    csv_reader_t r = {.x = &x, .row = 1};
    if (check_bytes(&x, b, len) == 0)
        parse(&x, &r, b, len);
    bool codes = false; /* the code row's first cell */
    for (size_t i = 0; i < r.ncells && r.cells[i].row <= SHEET_ROW_CODES + 1 && !codes; i++)
        codes = r.cells[i].row == SHEET_ROW_CODES + 1 && r.cells[i].col == SHEET_COL_UNIT;
    if (res->nfound == 0 && !codes && r.ncells && r.cells[0].row == 1 && r.cells[0].col == 0 &&
        !strcmp(r.pool + r.cells[0].off, "indicator"))
        sheet__error(&x, 0, 0, SHEET_M_CSV_ONE_REPORT); /* what `cchc submit --file` reads, sent here */
    else if (res->nfound == 0 && !x.nomem && !r.failed) {
        sheet_grid_t g = {r.cells, (int)r.ncells, r.pool ? r.pool : ""};
        sheet__check_grid(&x, &g);
    }
    /* Notes and tags were copied by sheet__value()/add_report(): the pool can go. */
    free(r.cells);
    free(r.pool);
    return sheet__finish(&x);
}

int sheet_read_upload(const void *buf, size_t len, const sheet_opts_t *o, sheet_result_t *res)
{
    bool zip = len >= 4 && (!memcmp(buf, "PK\x03\x04", 4) || !memcmp(buf, "\xD0\xCF\x11\xE0", 4));
    return zip ? sheet_read_xlsx(buf, len, o, res) : sheet_read_template_csv(buf, len, o, res);
}
