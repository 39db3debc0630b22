/*
 * sheet_xlsx_read.c -- reading a filled template back (see sheet.h).
 *
 * The zip is opened with libzip from memory; only the four parts we need are
 * read (workbook, its relationships, the shared strings, the report sheet),
 * each capped at SHEET_MAX_ENTRY bytes uncompressed as it is inflated, so a
 * zip bomb stops at the cap whatever its headers claim.  The XML is parsed
 * by expat as it streams; a DOCTYPE or entity declaration stops the parse
 * (no entity expansion at all), and the cells kept are capped.  The cells
 * are then checked by sheet_xlsx_check.c.
 */
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "sheet_int.h"

#define MAX_STRINGS 1000000

typedef struct {
    sheet_ctx_t *x;
    zip_t *zip;
    const char *part;          /* the part being parsed, for messages */
    XML_Parser xp;
    bool failed;               /* a problem was reported: stop */
    /* text being collected */
    char *text;
    size_t tlen, tcap;
    bool in_text, in_rph;
    /* shared strings */
    size_t *ss;                /* offsets into pool */
    int nss, ss_cap;
    /* workbook and relationships */
    char sheet_rid[128], sheet_name[256], target[512], ss_target[512];
    bool have_sheet;
    /* the sheet's cells */
    sheet_cell_t *cells;
    int ncells, cells_cap;
    int row, col;              /* position of the current row / cell */
    char ctype[16];
    bool in_cell, has_value, has_formula;
    char *pool;                /* every text, NUL-terminated */
    size_t plen, pcap;
} reader_t;

/* ---- memory ---------------------------------------------------------------- */

/* Copies s (n bytes) into the pool; returns its offset or (size_t)-1. */
static size_t pool_add(reader_t *r, const char *s, size_t n)
{
    if (!sheet__grow((void **)&r->pool, &r->pcap, r->plen + n + 1, 1)) {
        r->x->nomem = true;
        return (size_t)-1;
    }
    memcpy(r->pool + r->plen, s, n);
    r->pool[r->plen + n] = '\0';
    size_t off = r->plen;
    r->plen += n + 1;
    return off;
}

static void fail(reader_t *r, sheet_msg_t id, const char *arg)
{
    if (!r->failed)
        sheet__error(r->x, 0, 0, id, arg, (unsigned)(SHEET_MAX_ENTRY >> 20));
    r->failed = true;
    if (r->xp)
        XML_StopParser(r->xp, XML_FALSE);
}

/* ---- XML plumbing ------------------------------------------------------------ */

/* The element's name without its namespace prefix ("x:row" -> "row"). */
static const char *local(const char *name)
{
    const char *c = strrchr(name, ':');
    return c ? c + 1 : name;
}

static const char *attr(const char **a, const char *name)
{
    for (; a[0]; a += 2)
        if (!strcmp(local(a[0]), name) && (!strcmp(name, "id") ? strchr(a[0], ':') != NULL : true))
            return a[1];
    return NULL;
}

static void text_cb(void *ud, const XML_Char *s, int len)
{
    reader_t *r = ud;
    if (!r->in_text || r->in_rph)
        return;
    if (r->tlen + (size_t)len > SHEET_CELL_TEXT_MAX) {
        if (!r->failed)
            sheet__error(r->x, r->in_cell ? r->col : 0, r->in_cell ? r->row : 0, SHEET_M_CELL_TOO_LONG, SHEET_CELL_TEXT_MAX);
        r->failed = true;
        XML_StopParser(r->xp, XML_FALSE);
        return;
    }
    if (!sheet__grow((void **)&r->text, &r->tcap, r->tlen + (size_t)len + 1, 1)) {
        r->x->nomem = true;
        r->failed = true;
        XML_StopParser(r->xp, XML_FALSE);
        return;
    }
    memcpy(r->text + r->tlen, s, (size_t)len);
    r->tlen += (size_t)len;
}

/* A DTD could declare entities that expand a few bytes into gigabytes; a
 * spreadsheet never needs one. */
static void doctype_cb(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid, int internal)
{
    reader_t *r = ud;
    fail(r, SHEET_M_XML_DTD, r->part);
}

static void entity_cb(void *ud, const XML_Char *name, int param, const XML_Char *value, int vlen,
                      const XML_Char *base, const XML_Char *sysid, const XML_Char *pubid, const XML_Char *notation)
{
    reader_t *r = ud;
    fail(r, SHEET_M_XML_DTD, r->part);
}

/* Parses one part of the zip with the given element handlers.  Returns 0,
 * or -1 after reporting (missing: only when `required`). */
static int parse_part(reader_t *r, const char *name, bool required, XML_StartElementHandler start,
                      XML_EndElementHandler end)
{
    zip_stat_t st;
    zip_stat_init(&st);
    r->part = name;
    if (zip_stat(r->zip, name, 0, &st) != 0) {
        if (required)
            fail(r, SHEET_M_PART_MISSING, name);
        return required ? -1 : 0;
    }
    if ((st.valid & ZIP_STAT_SIZE) && st.size > SHEET_MAX_ENTRY) {
        fail(r, SHEET_M_ENTRY_TOO_BIG, name);
        return -1;
    }
    zip_file_t *zf = zip_fopen(r->zip, name, 0);
    if (!zf) {
        char why[256];
        snprintf(why, sizeof why, "%s: %s", name, zip_strerror(r->zip));
        fail(r, SHEET_M_BAD_ZIP, why);
        return -1;
    }
    r->xp = XML_ParserCreate("UTF-8");
    if (!r->xp) {
        zip_fclose(zf);
        r->x->nomem = r->failed = true;
        return -1;
    }
    XML_SetUserData(r->xp, r);
    XML_SetElementHandler(r->xp, start, end);
    XML_SetCharacterDataHandler(r->xp, text_cb);
    XML_SetStartDoctypeDeclHandler(r->xp, doctype_cb);
    XML_SetEntityDeclHandler(r->xp, entity_cb);
    char buf[65536];
    zip_int64_t n = 0;
    uint64_t total = 0;
    int rc = 0;
    while (!r->failed && (n = zip_fread(zf, buf, sizeof buf)) > 0) {
        total += (uint64_t)n;
        if (total > SHEET_MAX_ENTRY) { /* whatever the header said */
            fail(r, SHEET_M_ENTRY_TOO_BIG, name);
            break;
        }
        if (XML_Parse(r->xp, buf, (int)n, 0) == XML_STATUS_ERROR && !r->failed) {
            char why[512];
            snprintf(why, sizeof why, "%s", XML_ErrorString(XML_GetErrorCode(r->xp)));
            if (!r->failed)
                sheet__error(r->x, 0, 0, SHEET_M_BAD_XML, name, (unsigned long)XML_GetCurrentLineNumber(r->xp), why);
            r->failed = true;
        }
    }
    if (!r->failed && n < 0) {
        char why[256];
        snprintf(why, sizeof why, "%s: %s", name, zip_file_strerror(zf));
        fail(r, SHEET_M_BAD_ZIP, why);
    }
    if (!r->failed && XML_Parse(r->xp, "", 0, 1) == XML_STATUS_ERROR) {
        sheet__error(r->x, 0, 0, SHEET_M_BAD_XML, name, (unsigned long)XML_GetCurrentLineNumber(r->xp),
                     XML_ErrorString(XML_GetErrorCode(r->xp)));
        r->failed = true;
    }
    if (r->failed)
        rc = -1;
    XML_ParserFree(r->xp);
    r->xp = NULL;
    zip_fclose(zf);
    return rc;
}

/* ---- workbook.xml and its relationships --------------------------------------- */

static void workbook_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    reader_t *r = ud;
    if (strcmp(local(name), "sheet"))
        return;
    const char *sn = attr(a, "name"), *rid = attr(a, "id");
    if (!sn || !rid)
        return;
    /* The sheet named "Báo cáo", else the first one. */
    if (!r->have_sheet || (!strcmp(sn, SHEET_NAME_VI) && strcmp(r->sheet_name, SHEET_NAME_VI))) {
        snprintf(r->sheet_name, sizeof r->sheet_name, "%s", sn);
        snprintf(r->sheet_rid, sizeof r->sheet_rid, "%s", rid);
        r->have_sheet = true;
    }
}

static void no_end(void *ud, const XML_Char *name)
{
}

/* A relationship's target, as a path inside the zip. */
static void set_target(char *out, size_t len, const char *t)
{
    if (t[0] == '/')
        snprintf(out, len, "%s", t + 1);
    else if (!strncmp(t, "xl/", 3))
        snprintf(out, len, "%s", t);
    else
        snprintf(out, len, "xl/%s", t);
}

static void rels_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    reader_t *r = ud;
    if (strcmp(local(name), "Relationship"))
        return;
    const char *id = NULL, *type = NULL, *target = NULL;
    for (; a[0]; a += 2) {
        if (!strcmp(a[0], "Id"))
            id = a[1];
        else if (!strcmp(a[0], "Type"))
            type = a[1];
        else if (!strcmp(a[0], "Target"))
            target = a[1];
    }
    if (!id || !target)
        return;
    if (!strcmp(id, r->sheet_rid))
        set_target(r->target, sizeof r->target, target);
    size_t tl = type ? strlen(type) : 0;
    if (tl >= 14 && !strcmp(type + tl - 14, "/sharedStrings"))
        set_target(r->ss_target, sizeof r->ss_target, target);
}

/* ---- sharedStrings.xml ------------------------------------------------------------ */

static void ss_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    reader_t *r = ud;
    const char *n = local(name);
    if (!strcmp(n, "si")) {
        r->tlen = 0;
        r->in_text = false;
    } else if (!strcmp(n, "t")) {
        r->in_text = true;
    } else if (!strcmp(n, "rPh")) {
        r->in_rph = true; /* phonetic runs are not the text */
    }
}

static void ss_end(void *ud, const XML_Char *name)
{
    reader_t *r = ud;
    const char *n = local(name);
    if (!strcmp(n, "t")) {
        r->in_text = false;
    } else if (!strcmp(n, "rPh")) {
        r->in_rph = false;
    } else if (!strcmp(n, "si")) {
        if (r->nss >= MAX_STRINGS) {
            if (!r->failed)
                sheet__error(r->x, 0, 0, SHEET_M_TOO_MANY_CELLS, MAX_STRINGS);
            r->failed = true;
            XML_StopParser(r->xp, XML_FALSE);
            return;
        }
        size_t cap = (size_t)r->ss_cap, off = pool_add(r, r->text ? r->text : "", r->tlen);
        if (off == (size_t)-1 || !sheet__grow((void **)&r->ss, &cap, (size_t)r->nss + 1, sizeof *r->ss)) {
            r->x->nomem = r->failed = true;
            XML_StopParser(r->xp, XML_FALSE);
            return;
        }
        r->ss_cap = (int)cap;
        r->ss[r->nss++] = off;
    }
}

/* ---- the sheet ------------------------------------------------------------------ */

static void sheet_start(void *ud, const XML_Char *name, const XML_Char **a)
{
    reader_t *r = ud;
    const char *n = local(name);
    if (!strcmp(n, "row")) {
        const char *rr = attr(a, "r");
        r->row = rr ? atoi(rr) : r->row + 1;
        r->col = -1;
    } else if (!strcmp(n, "c")) {
        const char *ref = attr(a, "r"), *t = attr(a, "t");
        int col, row;
        if (ref && sheet_cell_parse(ref, &col, &row) == 0) {
            r->col = col;
            r->row = row;
        } else {
            r->col++;
        }
        snprintf(r->ctype, sizeof r->ctype, "%s", t ? t : "n");
        r->in_cell = true;
        r->has_value = r->has_formula = false;
        r->tlen = 0;
    } else if (r->in_cell && !strcmp(n, "f")) {
        r->has_formula = true; /* its text is the formula: only <v> is the value */
    } else if (r->in_cell && (!strcmp(n, "v") || !strcmp(n, "t"))) {
        r->in_text = true;
        r->has_value = true;
    } else if (r->in_cell && !strcmp(n, "rPh")) {
        r->in_rph = true;
    }
}

static void add_cell(reader_t *r)
{
    char type = 's';
    const char *s = r->text ? r->text : "";
    size_t len = r->tlen;
    if (r->text)
        r->text[r->tlen] = '\0';
    if (r->has_formula && (!r->has_value || (len == 0 && strcmp(r->ctype, "str")))) {
        /* a formula no program computed (written by a library such as
         * openpyxl: an empty <v/>, or "calculate manually"); an empty text
         * result is t="str" with an empty <v/> */
        type = 'f';
        s = "";
        len = 0;
    } else if (!strcmp(r->ctype, "s")) {
        char *end;
        long i = strtol(s, &end, 10);
        if (*end || end == s || i < 0 || i >= r->nss) {
            sheet__error(r->x, r->col, r->row, SHEET_M_BAD_STRING, SHEET_SHOW(s));
            return;
        }
        s = r->pool + r->ss[i];
        len = strlen(s);
    } else if (!strcmp(r->ctype, "n")) {
        type = 'n';
    } else if (!strcmp(r->ctype, "b")) {
        type = 'b';
    } else if (!strcmp(r->ctype, "e")) {
        type = 'e';
    }
    if (len == 0 && type != 'f')
        return;
    if (r->row < 1 || r->row > SHEET_ROW_DATA + SHEET_MAX_ROWS) {
        sheet__error(r->x, 0, 0, SHEET_M_TOO_MANY_ROWS, SHEET_MAX_ROWS);
        r->failed = true;
        XML_StopParser(r->xp, XML_FALSE);
        return;
    }
    if (r->col < 0 || r->col >= SHEET_MAX_COLS)
        return; /* far to the right of any template: not ours */
    if (r->ncells >= SHEET_MAX_CELLS) {
        sheet__error(r->x, 0, 0, SHEET_M_TOO_MANY_CELLS, SHEET_MAX_CELLS);
        r->failed = true;
        XML_StopParser(r->xp, XML_FALSE);
        return;
    }
    size_t cap = (size_t)r->cells_cap;
    if (!sheet__grow((void **)&r->cells, &cap, (size_t)r->ncells + 1, sizeof *r->cells)) {
        r->x->nomem = r->failed = true;
        XML_StopParser(r->xp, XML_FALSE);
        return;
    }
    r->cells_cap = (int)cap;
    /* the pool may move: s may point into it, so copy through the offset */
    size_t soff = s >= r->pool && r->pool && s < r->pool + r->plen ? (size_t)(s - r->pool) : (size_t)-1;
    size_t off = soff != (size_t)-1 ? soff : pool_add(r, s, len);
    if (off == (size_t)-1)
        return;
    r->cells[r->ncells++] = (sheet_cell_t){r->row, r->col, type, off};
}

static void sheet_end(void *ud, const XML_Char *name)
{
    reader_t *r = ud;
    const char *n = local(name);
    if (!strcmp(n, "v") || !strcmp(n, "t")) {
        r->in_text = false;
    } else if (!strcmp(n, "rPh")) {
        r->in_rph = false;
    } else if (!strcmp(n, "c")) {
        if (r->has_value || r->has_formula)
            add_cell(r);
        r->in_cell = false;
    }
}

/* ---- the entry point ------------------------------------------------------------------ */

static zip_t *open_zip(sheet_ctx_t *x, const void *buf, size_t len)
{
    static const unsigned char ole[] = {0xD0, 0xCF, 0x11, 0xE0};
    if (len >= 4 && !memcmp(buf, ole, 4)) {
        sheet__error(x, 0, 0, SHEET_M_OLD_XLS);
        return NULL;
    }
    if (len < 4 || memcmp(buf, "PK\x03\x04", 4)) {
        sheet__error(x, 0, 0, SHEET_M_NOT_ZIP);
        return NULL;
    }
    if (len > SHEET_MAX_BYTES) {
        sheet__error(x, 0, 0, SHEET_M_TOO_BIG, (unsigned)(SHEET_MAX_BYTES >> 20));
        return NULL;
    }
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(buf, len, 0, &ze);
    zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
    if (!z) {
        sheet__error(x, 0, 0, SHEET_M_BAD_ZIP, zip_error_strerror(&ze));
        zip_source_free(src);
    } else if (zip_get_num_entries(z, 0) > SHEET_MAX_ENTRIES) {
        sheet__error(x, 0, 0, SHEET_M_TOO_MANY_ENTRIES, SHEET_MAX_ENTRIES);
        zip_discard(z);
        z = NULL;
    }
    zip_error_fini(&ze);
    return z;
}

int sheet_read_xlsx(const void *buf, size_t len, const sheet_opts_t *o, sheet_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->mem = calloc(1, sizeof *res->mem);
    sheet_ctx_t x = {.o = o, .res = res, .where = SHEET_NAME_VI, .file = o->file ? o->file : "xlsx"};
    if (!res->mem)
        return SHEET_E_NOMEM;
    reader_t *r = calloc(1, sizeof *r);
    char sheet_name[sizeof r->sheet_name];
    if (!r)
        return SHEET_E_NOMEM;
    r->x = &x;
    r->zip = open_zip(&x, buf, len);
    if (r->zip && parse_part(r, "xl/workbook.xml", true, workbook_start, no_end) == 0) {
        if (!r->have_sheet)
            sheet__error(&x, 0, 0, SHEET_M_NO_SHEET);
        else if (parse_part(r, "xl/_rels/workbook.xml.rels", true, rels_start, no_end) == 0 &&
                 (r->ss_target[0] == '\0' || parse_part(r, r->ss_target, false, ss_start, ss_end) == 0)) {
            if (!r->target[0])
                snprintf(r->target, sizeof r->target, "xl/worksheets/sheet1.xml");
            snprintf(sheet_name, sizeof sheet_name, "%s", r->sheet_name); /* r is freed before the end */
            x.where = sheet_name;
            if (parse_part(r, r->target, true, sheet_start, sheet_end) == 0 && res->nfound == 0) {
                sheet_grid_t g = {r->cells, r->ncells, r->pool};
                sheet__check_grid(&x, &g);
            }
        }
    }
    if (r->zip)
        zip_discard(r->zip);
    /* The reports' values point into no reader memory except notes and
     * tags, which sheet__value()/add_report() copied: the pool can go. */
    free(r->text);
    free(r->ss);
    free(r->cells);
    free(r->pool);
    free(r);
    return sheet__finish(&x);
}
