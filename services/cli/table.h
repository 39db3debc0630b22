/*
 * table.h -- printing rows as an aligned table, CSV or JSON for the CLI.
 */
#ifndef CCHC_TABLE_H
#define CCHC_TABLE_H

#include <stdint.h>
#include <stdio.h>

typedef enum { FMT_TABLE, FMT_CSV, FMT_JSON } out_format_t;

typedef struct {
    int ncols, nrows, caprows;
    const char **head;
    char **cells; /* nrows * ncols, owned */
    int *right;   /* column right-aligned (numbers) */
} table_t;

int table_init(table_t *t, int ncols, const char **head);
/* Adds a row of ncols strings (copied; NULL prints empty). */
int table_add(table_t *t, const char **cells);
void table_print(const table_t *t, out_format_t f, FILE *out);
void table_free(table_t *t);

/* Display width of a UTF-8 string: code points, minus combining marks. */
int utf8_width(const char *s);

int parse_format(const char *s, out_format_t *f);

#endif
