/*
 * sheet_csv.c -- the one-report CSV of `cchc submit --file` (docs/cli.md)
 * read through csvtab with the checks of the XLSX reader, and the entry
 * point that picks the reader by the file's first bytes (see sheet.h).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvtab.h"
#include "sheet_int.h"

/* csvtab's own problems (unreadable file, missing column, bad quoting). */
static void diag_cb(void *ud, const char *file, int line, const char *msg)
{
    sheet_ctx_t *x = ud;
    sheet__error(x, -1, line, SHEET_M_RAW, msg);
}

static void read_rows(sheet_ctx_t *x, csvtab_t *t, int ds, period_t p, int unit)
{
    const catalog_t *c = x->o->cat;
    const dataset_t *d = &c->datasets[ds];
    proto_value_t *vals = calloc((size_t)d->ninds + 1, sizeof *vals);
    int *lines = calloc((size_t)c->ninds + 1, sizeof *lines);
    if (!vals || !lines) {
        x->nomem = true;
        goto out;
    }
    uint32_t n = 0;
    int vcol = t->map[1];
    for (int i = 0; i < t->nrows; i++) {
        const char *code = csvtab_cell(t, i, 0), *val = csvtab_cell(t, i, 1);
        int line = t->lines[i];
        proto_value_t v;
        if (!*val)
            continue; /* not reported, which is not 0 */
        int ind = *code ? catalog_indicator(c, code) : -1;
        if (!*code) {
            sheet__error(x, vcol, line, SHEET_M_CSV_NO_INDICATOR, SHEET_SHOW(val));
        } else if (ind < 0 || !catalog_dataset_has(c, ds, ind)) {
            sheet__error(x, t->map[0], line, SHEET_M_CSV_INDICATOR_UNKNOWN, SHEET_SHOW(code), d->code);
        } else if (c->inds[ind].kind == IND_RATE) {
            sheet__error(x, t->map[0], line, SHEET_M_COL_RATE, code);
        } else if (lines[ind]) {
            sheet__error(x, t->map[0], line, SHEET_M_CSV_INDICATOR_TWICE, code, lines[ind]);
        } else {
            lines[ind] = line;
            if (sheet__value(x, ind, 's', val, vcol, line, &v) == 1 && n < (uint32_t)d->ninds)
                vals[n++] = v;
        }
    }
    for (int k = 0; k < d->ninds; k++)
        if (!lines[d->inds[k]] && catalog_required(c, ds, d->inds[k])) /* this file is written with codes */
            sheet__error(x, -1, 0, SHEET_M_REQUIRED_CODE, sheet__ind_name(x, d->inds[k]), c->inds[d->inds[k]].code);
    if (x->res->nfound == 0)
        sheet__ratios(x, ds, vals, NULL, n, 0);
    if (x->res->nfound == 0 && unit >= 0 && n > 0)
        sheet__add_report(x, ds, p, unit, vals, n, NULL, 0);
out:
    free(vals);
    free(lines);
}

int sheet_read_csv(const char *path, const char *name, const sheet_opts_t *o, sheet_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->mem = calloc(1, sizeof *res->mem);
    if (!res->mem)
        return SHEET_E_NOMEM;
    sheet_ctx_t x = {.o = o, .res = res, .where = name ? name : path, .csv = true};
    int ds = -1, unit = -1;
    period_t p;
    if (!o->unit || !o->dataset || !o->period) {
        sheet__error(&x, -1, 0, SHEET_M_CSV_NEEDS);
        return sheet__finish(&x);
    }
    if (sheet__dataset_period(&x, o->dataset, -1, 0, o->period, -1, 0, &ds, &p))
        return sheet__finish(&x);
    unit = sheet__unit(&x, o->unit, ds, p, -1, 0);
    char *d1 = strdup(path), *d2 = strdup(path);
    if (!d1 || !d2) {
        free(d1);
        free(d2);
        x.nomem = true;
        return sheet__finish(&x);
    }
    static const csvtab_column_t schema[] = {{"indicator", true}, {"value", true}, {CSVTAB_OTHERS, false}};
    csvtab_diag_t d = {.fn = diag_cb, .ud = &x};
    csvtab_t t;
    csvtab_read(&t, &d, dirname(d1), basename(d2), schema, 3);
    csvtab_flush(&d);
    if (t.ok)
        read_rows(&x, &t, ds, p, unit);
    csvtab_free(&t);
    free(d1);
    free(d2);
    return sheet__finish(&x);
}

/* The file's own name, without its directory, as messages show it. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int sheet_read_file(const char *path, const sheet_opts_t *o, sheet_result_t *res)
{
    memset(res, 0, sizeof *res);
    FILE *f = fopen(path, "rb");
    unsigned char head[4] = {0};
    size_t hn = f ? fread(head, 1, sizeof head, f) : 0;
    bool zip = hn == 4 && (!memcmp(head, "PK\x03\x04", 4) || !memcmp(head, "\xD0\xCF\x11\xE0", 4));
    if (!f || !zip) {
        int err = errno;
        if (f)
            fclose(f);
        if (f)
            return sheet_read_csv(path, base_name(path), o, res);
        res->mem = calloc(1, sizeof *res->mem);
        sheet_ctx_t x = {.o = o, .res = res, .where = base_name(path), .csv = true};
        sheet__error(&x, -1, 0, SHEET_M_CSV_UNREADABLE, strerror(err));
        sheet__finish(&x);
        return SHEET_E_IO;
    }
    /* The whole file, one byte past the cap so that a larger one is seen. */
    size_t cap = SHEET_MAX_BYTES + 1, len = 4;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return SHEET_E_NOMEM;
    }
    memcpy(buf, head, 4);
    size_t n;
    while (len < cap && (n = fread(buf + len, 1, cap - len, f)) > 0)
        len += n;
    fclose(f);
    sheet_opts_t o2 = *o;
    if (!o2.file)
        o2.file = base_name(path);
    int rc = sheet_read_xlsx(buf, len, &o2, res);
    free(buf);
    return rc;
}
