/*
 * sheet_xlsx_check.c -- the cells of an uploaded sheet checked against the
 * catalog (see sheet.h): the code row (dataset, period, one indicator per
 * column), the headers, then each unit's row; every problem at its cell.
 */
#include <stdlib.h>
#include <string.h>

#include "sheet_int.h"



static int cell_cmp(const void *a, const void *b)
{
    const sheet_cell_t *x = a, *y = b;
    return x->row != y->row ? (x->row > y->row) - (x->row < y->row) : (x->col > y->col) - (x->col < y->col);
}

/* The cell at (col, row), or NULL when empty. */
static const sheet_cell_t *cell_at(const sheet_grid_t *r, int col, int row)
{
    sheet_cell_t key = {row, col, 0, 0};
    if (r->ncells == 0)
        return NULL; /* cells may be NULL: no bsearch() on it */
    return bsearch(&key, r->cells, (size_t)r->ncells, sizeof key, cell_cmp);
}

static const char *text_at(const sheet_grid_t *r, int col, int row)
{
    const sheet_cell_t *c = cell_at(r, col, row);
    return c ? r->pool + c->off : "";
}

/* A name of the catalog in quotes, whole (SHEET_SHOW cuts long user text). */
static const char *quoted(const char *s, char *buf)
{
    snprintf(buf, 2048, "\"%s\"", s);
    return buf;
}

/* The columns of the sheet: indicator index per column (-1 none, -2 note). */
typedef struct {
    int ind[SHEET_MAX_COLS];
    int ncols;
} columns_t;

static void check_columns(sheet_ctx_t *x, sheet_grid_t *r, int ds, columns_t *cols)
{
    const catalog_t *c = x->o->cat;
    const int codes = SHEET_ROW_CODES + 1, head = SHEET_ROW_HEAD + 1; /* 1-based */
    char want[2048], have[SHEET_CELL_TEXT_MAX + 1];
    cols->ncols = 0;
    for (int i = 0; i < r->ncells; i++)
        if (r->cells[i].row == codes && r->cells[i].col + 1 > cols->ncols)
            cols->ncols = r->cells[i].col + 1;
    bool seen[4096] = {0};
    for (int col = 0; col < cols->ncols; col++) {
        cols->ind[col] = -1;
        if (col < SHEET_COL_FIRST)
            continue;
        const char *code = text_at(r, col, codes);
        if (!*code)
            continue;
        if (!strcmp(code, SHEET_NOTE_CODE)) {
            cols->ind[col] = -2;
            continue;
        }
        int ind = catalog_indicator(c, code);
        if (ind < 0 || !catalog_dataset_has(c, ds, ind)) {
            sheet__error(x, col, head, SHEET_M_COL_UNKNOWN, SHEET_SHOW(code), c->datasets[ds].code);
            continue;
        }
        if (c->inds[ind].kind == IND_RATE) {
            sheet__error(x, col, head, SHEET_M_COL_RATE, code);
            continue;
        }
        if (ind < 4096 && seen[ind]) {
            sheet__error(x, col, head, SHEET_M_COL_TWICE, code);
            continue;
        }
        if (ind < 4096)
            seen[ind] = true;
        cols->ind[col] = ind;
        /* Compare with the trailing spaces and line ends a spreadsheet may add removed. */
        snprintf(have, sizeof have, "%s", text_at(r, col, head));
        for (size_t n = strlen(have); n && strchr(" \r\n\t", have[n - 1]); n--)
            have[n - 1] = '\0';
        if (strcmp(have, sheet__header(c, ind, want, sizeof want)))
            sheet__error(x, col, head, SHEET_M_HEADER_CHANGED, SHEET_SHOW(have), quoted(c->inds[ind].name_vi, want));
    }
    const dataset_t *d = &c->datasets[ds];
    for (int k = 0; k < d->ninds; k++)
        if (d->inds[k] < 4096 && !seen[d->inds[k]] && catalog_required(c, ds, d->inds[k]))
            sheet__error(x, SHEET_COL_UNIT, head, SHEET_M_COL_MISSING, c->inds[d->inds[k]].code,
                         quoted(c->inds[d->inds[k]].name_vi, want));
}

/* One data row (1-based). */
static void check_row(sheet_ctx_t *x, sheet_grid_t *r, int ds, period_t p, const columns_t *cols, int row,
                      int *unit_rows, proto_value_t *vals, int *vcols)
{
    const catalog_t *c = x->o->cat;
    bool any = false;
    for (int col = SHEET_COL_FIRST; col < cols->ncols && !any; col++)
        if (cols->ind[col] != -1 && cell_at(r, col, row))
            any = true;
    if (!any) {
        if (*text_at(r, SHEET_COL_UNIT, row))
            x->res->skipped++;
        return;
    }
    const char *code = text_at(r, SHEET_COL_UNIT, row);
    int before = x->res->nfound, unit = -1;
    if (!*code) {
        sheet__error(x, SHEET_COL_UNIT, row, SHEET_M_UNIT_MISSING);
    } else if ((unit = sheet__unit(x, code, ds, p, SHEET_COL_UNIT, row)) >= 0) {
        if (unit_rows[unit])
            sheet__error(x, SHEET_COL_UNIT, row, SHEET_M_UNIT_TWICE, code, unit_rows[unit]);
        else
            unit_rows[unit] = row;
    }
    uint32_t n = 0;
    const char *note = "";
    for (int col = SHEET_COL_FIRST; col < cols->ncols; col++) {
        int ind = cols->ind[col];
        const sheet_cell_t *cl = cell_at(r, col, row);
        if (ind == -2 && cl) {
            note = r->pool + cl->off;
            if (strlen(note) > 1024)
                sheet__error(x, col, row, SHEET_M_NOTE_TOO_LONG, 1024);
        }
        if (ind < 0)
            continue;
        int got = cl ? sheet__value(x, ind, cl->type, r->pool + cl->off, col, row, &vals[n]) : 0;
        if (got == 1)
            vcols[n++] = col;
        else if (got == 0 && catalog_required(c, ds, ind))
            sheet__error(x, col, row, SHEET_M_REQUIRED, sheet__ind_name(x, ind));
    }
    if (x->res->nfound == before)
        sheet__ratios(x, ds, vals, vcols, n, row);
    if (x->res->nfound == before)
        sheet__add_report(x, ds, p, unit, vals, n, note, row);
}

void sheet__check_grid(sheet_ctx_t *x, sheet_grid_t *r)
{
    if (r->ncells)
        qsort(r->cells, (size_t)r->ncells, sizeof *r->cells, cell_cmp);
    const int codes = SHEET_ROW_CODES + 1;
    const char *dcode = text_at(r, SHEET_COL_UNIT, codes), *pcode = text_at(r, SHEET_COL_NAME, codes);
    if (!*dcode) {
        sheet__error(x, SHEET_COL_UNIT, codes, SHEET_M_NO_CODES);
        return;
    }
    int ds;
    period_t p;
    if (sheet__dataset_period(x, dcode, SHEET_COL_UNIT, codes, pcode, SHEET_COL_NAME, codes, &ds, &p))
        return;
    columns_t *cols = calloc(1, sizeof *cols);
    int *unit_rows = calloc((size_t)x->o->cat->nunits + 1, sizeof *unit_rows);
    proto_value_t *vals = calloc(SHEET_MAX_COLS, sizeof *vals);
    int *vcols = calloc(SHEET_MAX_COLS, sizeof *vcols);
    if (!cols || !unit_rows || !vals || !vcols) {
        x->nomem = true;
    } else {
        check_columns(x, r, ds, cols);
        int last = r->ncells ? r->cells[r->ncells - 1].row : 0;
        for (int row = SHEET_ROW_DATA + 1; row <= last; row++)
            check_row(x, r, ds, p, cols, row, unit_rows, vals, vcols);
    }
    free(cols);
    free(unit_rows);
    free(vals);
    free(vcols);
}

