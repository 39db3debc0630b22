/*
 * sheet.h -- reports as spreadsheets: the XLSX template a unit fills in, and
 * the reader that turns a filled XLSX (or the CSV of `cchc submit --file`)
 * back into reports ready to become SUBMITs.
 *
 * The template (sheet_write_xlsx) has one sheet "Báo cáo": a title (the
 * dataset's name, the period in words, the unit), a HIDDEN row of codes
 * (row 3: dataset, period, then one indicator code per column, NOTE last), a
 * header of Vietnamese names (row 4), then ONE ROW PER UNIT (column A the
 * unit code, B its name) and ONE COLUMN PER INDICATOR the unit submits
 * (rates are computed, never entered).  A unit fills one row; a
 * consolidating office gets one row per sub-unit it may submit for.  A
 * second sheet "Hướng dẫn" says how to fill each column (the allowed tags).
 *
 * The reader depends on the codes, not on the names: sheet_read_xlsx()
 * opens the zip with libzip (entries and sizes capped), parses the XML with
 * expat (no DTD, no entities), and checks every cell against the catalog as
 * the collector would.  Every problem is one line "Sheet!Cell: sentence"
 * (Vietnamese, or English) -- `Báo cáo!D7: "mười" không phải là số nguyên`
 * -- and ANY problem means no report at all (all or nothing).
 * sheet_read_template_csv() reads the template saved as CSV (UTF-8) into
 * the same cells, checked by the same code with the same "Sheet!Cell"
 * names; sheet_read_upload() picks one of the two by the bytes.
 * sheet_read_csv() reads the one-report CSV of docs/cli.md through csvtab
 * with the same checks and "file:line" messages.
 */
#ifndef CCHC_SHEET_H
#define CCHC_SHEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "period.h"
#include "proto.h"

#define SHEET_NAME_VI "Báo cáo"
#define SHEET_HELP_VI "Hướng dẫn"
#define SHEET_MAX_BYTES (20u << 20)   /* an uploaded file: 20 MiB */
#define SHEET_MAX_ENTRY (64u << 20)   /* one zip entry, uncompressed: 64 MiB */
#define SHEET_MAX_ENTRIES 2000        /* entries in the zip */
#define SHEET_MAX_ROWS 5000           /* data rows (units) in a sheet */
#define SHEET_MAX_COLS 300            /* columns read */
#define SHEET_MAX_ERRORS 200          /* problems listed (then "and N more") */

/* Error codes of the functions below (negative). */
enum {
    SHEET_OK = 0,
    SHEET_E_INVALID = -1, /* the file has problems: see the result's errors */
    SHEET_E_NOMEM = -2,
    SHEET_E_IO = -3,      /* cannot write or read the file */
};

typedef enum { SHEET_LANG_VI = 0, SHEET_LANG_EN } sheet_lang_t;

/* Values already known for one unit (pre-filled in the template). */
typedef struct {
    int unit;                     /* unit index */
    const proto_value_t *values;  /* borrowed */
    uint32_t n;
} sheet_prefill_t;

/* Units the template has a row for: `unit` itself when it must report the
 * dataset and is open in p, then every unit it may submit for (its
 * parent_submits children, transitively) that must report and is open.
 * Writes at most `max` unit indices to out; returns their number. */
int sheet_units_for(const catalog_t *c, int unit, int ds, period_t p, int *out, int max);

/* Writes the XLSX template of dataset ds and period p to `path`: one row per
 * unit of units[0..nunits) (see sheet_units_for), pre-filled from
 * prefill[0..nprefill) (may be NULL).  `unit` names the office in the title.
 * Returns 0, SHEET_E_IO or SHEET_E_NOMEM. */
int sheet_write_xlsx(const char *path, const catalog_t *c, int unit, int ds, period_t p, const int *units,
                     int nunits, const sheet_prefill_t *prefill, int nprefill);


/* ---- reading ------------------------------------------------------------- */

/* What the reader accepts. */
typedef struct {
    const catalog_t *cat;
    sheet_lang_t lang;
    const char *file;     /* the file's name in messages about the whole file */
    const char *dataset;  /* expected dataset code; NULL: the file's */
    const char *period;   /* expected period code; NULL: the file's */
    const char *unit;     /* CSV only: the unit of the report */
    /* May the uploader submit for unit u?  NULL: any unit of the catalog. */
    bool (*may_submit)(void *ud, int unit);
    void *ud;
    int64_t now;          /* UTC seconds: a period that has not begun is refused; 0: no check */
} sheet_opts_t;

/* One report, ready to become a SUBMIT. */
typedef struct {
    char unit[CATALOG_CODE_MAX + 1];
    char dataset[CATALOG_CODE_MAX + 1];
    char period[PERIOD_CODE_MAX];
    char note[1025];
    proto_value_t *values;  /* tags point at the catalog's codes */
    uint32_t nvalues;
    int row;                /* its row in the sheet (1-based), or 0 (CSV) */
    char id[65];            /* a stable SUBMIT id: the same content gives the same id
                               (sheet_report_rebase() adds the version it corrects) */
} sheet_report_t;

/* The result of a read: reports, or (never both) problems. */
typedef struct {
    sheet_report_t *reports;
    int nreports;
    char **errors;          /* "Sheet!Cell: sentence", in sheet order */
    int nerrors;            /* errors listed; more may have been found: */
    int nfound;             /* every problem found */
    int skipped;            /* rows left entirely empty (not reports) */
    struct sheet_mem *mem;  /* private */
} sheet_result_t;

/* Reads an XLSX held in memory (buf, len bytes; borrowed) into *res (which
 * it overwrites).  Returns 0 with res->nreports >= 1, or SHEET_E_INVALID
 * with res->errors (and no report), or SHEET_E_NOMEM.  Release *res with
 * sheet_result_free() whatever the return. */
int sheet_read_xlsx(const void *buf, size_t len, const sheet_opts_t *o, sheet_result_t *res /* OUT */);

/* Reads the template saved as CSV (buf, len bytes; borrowed) into *res, as
 * sheet_read_xlsx() reads the XLSX: the same rows and columns, each record
 * one row, each field one column, checked by the same code, the problems
 * named "Báo cáo!D7" as a spreadsheet shows the CSV.  UTF-8 with or
 * without a BOM (UTF-16 and other encodings are refused with a sentence
 * saying to save as "CSV UTF-8"), ',' or ';' between cells (told by the
 * code row, row 3), LF or CRLF, quoted cells across lines; a number
 * written as text ("12", " 12 ", "12.0") is a number.  Same returns. */
int sheet_read_template_csv(const void *buf, size_t len, const sheet_opts_t *o, sheet_result_t *res /* OUT */);

/* An uploaded template, told by its bytes: sheet_read_xlsx() when they
 * start as a zip (or an old .xls) does, else sheet_read_template_csv(). */
int sheet_read_upload(const void *buf, size_t len, const sheet_opts_t *o, sheet_result_t *res /* OUT */);

/* Reads the file at `path`: an XLSX when it starts as a zip does, else the
 * CSV of docs/cli.md (one report of o->unit, o->dataset, o->period, which
 * are then required).  Same returns as sheet_read_xlsx(), SHEET_E_IO (with
 * an error) when the file cannot be read. */
int sheet_read_file(const char *path, const sheet_opts_t *o, sheet_result_t *res /* OUT */);

/* The CSV alone; `name` is the file's name for messages. */
int sheet_read_csv(const char *path, const char *name, const sheet_opts_t *o, sheet_result_t *res /* OUT */);

/* Does report r say what a unit's latest version (its values vals[0..n),
 * its note, note_len bytes) says?  The same indicators with the same values
 * (tags as a set), and, when r has a note (the template's note column is
 * not pre-filled, so an empty one says nothing), the same note.  An
 * uploaded row for which this holds is not sent: it is no correction. */
bool sheet_report_unchanged(const sheet_report_t *r, const proto_value_t *vals, uint32_t n, const char *note,
                            size_t note_len);

/* Makes r's id name the version it corrects, `latest` (the unit's latest
 * version as the aggregator tells it; 0 when there is none):
 * "UNIT.PERIOD.rN.xHASH" (at most 64 bytes, the unit's code cut from the
 * front), the hash over the content and N.  So the same content sent again
 * over the same version is the same id (a retry: the collector answers
 * duplicate), while the content of an older version sent over a newer one
 * is a new id (a revert: a new version). */
void sheet_report_rebase(sheet_report_t *r, uint64_t latest);

/* The label of a tag (len bytes) of a tags indicator, as the web form shows
 * it ("mang_xa_hoi" -> "Mạng xã hội" / "Social media"; a tag without one:
 * its code with spaces for '_').  The reader takes labels and codes alike,
 * case aside.  Returns buf. */
const char *sheet_tag_label(const char *tag, size_t len, sheet_lang_t lang, char *buf, size_t buflen);

/* Releases what a read allocated; a zeroed result is a harmless no-op. */
void sheet_result_free(sheet_result_t *res);

/* "AB12" from a 0-based column and a 1-based row.  Returns buf (>= 16 bytes). */
const char *sheet_cell_name(int col, int row, char *buf);

/* Parses "AB12" (letters then digits, nothing else) into a 0-based column
 * and a 1-based row.  Returns 0, or -1 when s is not a cell reference. */
int sheet_cell_parse(const char *s, int *col /* OUT */, int *row /* OUT */);

#endif
