/*
 * csvtab.h -- one CSV file read into a table of cells, every problem reported
 * as FILE:LINE.
 *
 * Made for files that people edit in a spreadsheet (the catalog): UTF-8 with
 * or without a BOM, LF or CRLF, a header row naming the columns in any order
 * and letter case, quoted fields that may span lines, rows of empty cells
 * that a spreadsheet leaves behind (skipped like blank lines).  Reading never
 * stops at the first problem: a bad row is reported with the line it starts
 * on and skipped, and the rest of the file is still read, so a person fixes
 * a file in one pass.
 *
 * Problems go to a csvtab_diag_t, which several files (and the caller's own
 * checks of the cells) share and which hands them over sorted by file and
 * line at the end.
 *
 * Limits: a file of at most 64 MiB, a field of at most 4096 bytes, a header
 * of at most 64 columns, a schema of at most CSVTAB_SCHEMA_MAX columns.
 */
#ifndef CCHC_CSVTAB_H
#define CCHC_CSVTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* ---- diagnostics ------------------------------------------------------ */

/* Called once per problem: `file` as it was reported, `line` 1-based (0 when
 * the problem is about the whole file). */
typedef void (*csvtab_diag_fn)(void *ud, const char *file, int line, const char *msg);

typedef struct csvtab_problem csvtab_problem_t;

/* Collects problems.  The caller zeroes it and sets the first four fields;
 * the others are private. */
typedef struct {
    csvtab_diag_fn fn;         /* may be NULL: problems are only counted */
    void *ud;
    const char *const *files;  /* file names in the order problems are handed over; */
    int nfiles;                /* a name not listed comes after all of them */
    int nerr;                  /* problems reported so far */
    csvtab_problem_t *list;
    int n, cap;
} csvtab_diag_t;

/* Reports a problem of `file` (a name that lives until csvtab_flush(): one of
 * d->files or a string literal) at `line`. */
void csvtab_report(csvtab_diag_t *d, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Hands every problem reported so far to d->fn, in the order of d->files,
 * then by line, then in the order they were reported; forgets them (nerr
 * stays).  When there is no memory to keep a problem, csvtab_report() hands
 * it over at once instead. */
void csvtab_flush(csvtab_diag_t *d);

/* A user value made safe to print inside a message: quoted, cut at 60 bytes,
 * bytes that are not printable UTF-8 written as \xNN.  Writes into buf (size
 * bytes, at least CSVTAB_SHOWBUF) and returns it. */
const char *csvtab_show(char *buf, size_t size, const char *s);
#define CSVTAB_SHOWBUF 300
#define CSVTAB_SHOW(s) csvtab_show((char[CSVTAB_SHOWBUF]){0}, CSVTAB_SHOWBUF, (s))

/* ---- tables ----------------------------------------------------------- */

/* A column the caller expects; a required one missing from the header makes
 * the whole file unusable. */
typedef struct {
    const char *name;
    bool required;
} csvtab_column_t;

#define CSVTAB_SCHEMA_MAX 16
#define CSVTAB_HEAD_MAX 64

/* A file read into memory.  Cells are addressed by row and by the caller's
 * schema column, whatever the order of the file's columns.  The fields up to
 * `lines` may be read; the others are private. */
typedef struct {
    const char *file;          /* base name, for messages */
    const csvtab_column_t *schema;
    int nschema;
    bool ok;                   /* read, and every required column is present */
    int nrows;                 /* data rows (0 unless ok) */
    int *lines;                /* the line each row starts on */
    char *pool;                /* field bytes, each NUL-terminated */
    size_t pool_len, pool_cap;
    int ncols;                 /* columns in the header */
    int map[CSVTAB_SCHEMA_MAX]; /* schema column -> header column, -1 absent */
    size_t *cells;             /* pool offsets, ncols per row */
    int rows_cap;
    size_t head[CSVTAB_HEAD_MAX]; /* header cells */
} csvtab_t;

/* Reads `dir`/`file` into *t (which it overwrites) with the columns of
 * `schema` (borrowed, nschema entries), reporting every problem to d under
 * the name `file` (borrowed).  Rows with a problem are left out.  t->ok is
 * false when the file could not be read or lacks a required column; the
 * table then has no rows.  Release it with csvtab_free(), ok or not. */
void csvtab_read(csvtab_t *t, csvtab_diag_t *d, const char *dir, const char *file,
                 const csvtab_column_t *schema, int nschema);

/* The cell of `row` in schema column `col`: "" when the file has no such
 * column.  Valid until csvtab_free(), or as long as the pool once taken. */
const char *csvtab_cell(const csvtab_t *t, int row, int col);

/* The same cell, writable in place (to split a list), within its length. */
char *csvtab_cell_mut(csvtab_t *t, int row, int col);

/* Takes the memory every cell points into, so that cells outlive the table.
 * Caller owns return value and must free() it; may be NULL. */
char *csvtab_take_pool(csvtab_t *t);

/* Releases the table's memory (the pool unless taken). */
void csvtab_free(csvtab_t *t);

/* Writes s as one CSV field (RFC 4180): as it is, or quoted -- quotes
 * doubled -- when it holds a comma, a quote or a line break. */
void csvtab_write_field(FILE *f, const char *s);

#endif
