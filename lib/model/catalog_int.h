/*
 * catalog_int.h -- internal to the catalog's files, not part of its contract.
 *
 * The catalog is loaded by several files, one job each:
 *
 *     catalog_load.c    catalog_load() and catalog_destroy(); datasets,
 *                       targets and holidays
 *     catalog_units.c   units.csv: the units and their tree
 *     catalog_inds.c    indicators.csv: kinds, aggregation, tags, rates
 *     catalog_check.c   what a single cell may hold (codes, text, yes/no,
 *                       numbers, dates, kinds, addresses) and list splitting
 *     catalog.c         the queries of catalog.h on a loaded catalog
 *
 * Reading a CSV file is csvtab.h's job and looking a code up hindex.h's;
 * neither knows the catalog.  Names shared across these files start with
 * `catalog__`; everything else stays static in its file.
 */
#ifndef CCHC_CATALOG_INT_H
#define CCHC_CATALOG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "csvtab.h"
#include "hindex.h"

/* The five files, in the order they are loaded and their problems listed. */
enum { F_UNITS, F_INDS, F_DATASETS, F_TARGETS, F_HOLIDAYS, NFILES };

/* The private part of a catalog (catalog_t.index). */
struct catalog_index {
    hindex_t units, inds, datasets;
    int *child_pool;    /* unit_t.children point into it */
    int *submit_top;    /* highest unit reachable from u by parent_submits links */
    char *pool[NFILES]; /* the strings of the catalog */
};

/* One catalog_load(): where problems go, the catalog being built, the files
 * as read.  Each loader fills its part of c from its table. */
typedef struct {
    csvtab_diag_t *diag;
    catalog_t *c;
    csvtab_t t[NFILES];
} load_t;

/* The columns of a file, defined beside the loader that reads them. */
typedef struct {
    const csvtab_column_t *cols;
    int n;
} catalog__schema_t;

/* ---- loaders (in the order catalog_load() calls them) ------------------ */

/* units.csv: units, parents, the tree (children, depth, pre-order, subtree
 * bounds, who may submit for whom), cycles reported. */
extern const catalog__schema_t catalog__units_schema;
void catalog__load_units(load_t *L);

/* indicators.csv: every indicator, then the rates' parts (a rate may name
 * indicators defined below it). */
extern const catalog__schema_t catalog__inds_schema;
void catalog__load_indicators(load_t *L);

/* ---- cell checks (catalog_check.c) -------------------------------------- */

/* Each check of row `row` of table `t` reports what is wrong with the cell
 * `s` at the row's line, naming the column `what` / `col`. */

/* Unit kinds.  unit_t.kind and dataset_t.kinds point at these strings. */
extern const char *const catalog__unit_kinds[];

/* The interned kind named s, or NULL when s names none. */
const char *catalog__find_kind(const char *s);

/* The kinds as a sentence, for messages. */
const char *catalog__kinds_list(void);

/* true when s is a usable code: 1 to CATALOG_CODE_MAX bytes of the wire's
 * code alphabet (proto_code_char). */
bool catalog__code_ok(const char *s);

/* Checks the code of row `row` and adds it to index h.  Returns false after
 * a report when the code is unusable or already in h (the report names the
 * line of the first: rows[entry] is the row of each entry of h). */
bool catalog__add_code(load_t *L, const csvtab_t *t, int row, const char *code, hindex_t *h, const int *rows);

/* How catalog__check_text() judges a text field. */
enum {
    TEXT_REQUIRED = 1, /* must not be empty */
    TEXT_FREE = 2,     /* a note: any length, line breaks and tabs allowed */
};

/* Checks human text: valid UTF-8, no control characters (a name ends up in
 * tab-separated listings and one-line messages), not too long. */
void catalog__check_text(load_t *L, const csvtab_t *t, int row, const char *what, const char *s, int flags);

/* yes / no / empty (= no), any letter case.  Returns 0 or -1 after a report. */
int catalog__parse_yes_no(load_t *L, const csvtab_t *t, int row, const char *col, const char *s, bool *out);

/* A plain decimal integer (optional minus sign), nothing else.  0 or -1;
 * reports nothing (the caller knows what range it wants). */
int catalog__parse_int64(const char *s, int64_t *out);

/* A plain decimal number: no spaces, "inf", "nan" or hexadecimal.  0 or -1;
 * reports nothing. */
int catalog__parse_number(const char *s, double *out);

/* A YYYY-MM-DD date into *day, CATALOG_DAY_NONE when empty.  Returns 0 or
 * -1 after a report (and *day is CATALOG_DAY_NONE). */
int catalog__parse_date(load_t *L, const csvtab_t *t, int row, const char *col, const char *s, int32_t *day);

/* An address the notifier can hand to a mail server, or a http(s) webhook.
 * Return s, NULL when empty; a bad one is reported and returned as it is. */
char *catalog__check_email(load_t *L, const csvtab_t *t, int row, const char *s);
char *catalog__check_webhook(load_t *L, const csvtab_t *t, int row, const char *s);

/* Splits a `|`-separated list in place, trimming spaces around items.
 * Returns the number of items written to out (at most max), or -1 when an
 * item is empty ("a||b", a trailing bar).  *count gets the real number. */
int catalog__split_list(char *s, char **out, int max, int *count);

/* Splits the list in the cell (row, col) in place.  *items gets an array of
 * its items (caller owns it and must free() it); returns their number: 0 for
 * an empty cell, and after reporting an empty item in the list called
 * `what`.  Returns -1 when out of memory, reporting nothing. */
int catalog__split_cell(load_t *L, csvtab_t *t, int row, int col, const char *what, char ***items);

/* The covering dataset of ds (catalog.h catalog_cover()), found from the
 * loaded datasets, and every dataset's set once at the end of a load. */
int catalog__find_cover(const catalog_t *c, int ds);
void catalog__set_covers(catalog_t *c);

#endif
