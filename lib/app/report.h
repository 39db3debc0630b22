/*
 * report.h -- the consolidated report: the appendix of the city report
 * ("Thống kê tuyên truyền cải cách hành chính") as a table.
 *
 * Rows are the indicators of a dataset, columns the periods of a span
 * (2025Q1..2025Q4, 2024..2025, 202501..202506: all of one type), plus a
 * total.  Each cell is the aggregator's rollup of the node for that period
 * (QUERY what=rollup), so a column of years over a quarterly dataset is the
 * quarters combined by the aggregator.  The total: when the span is exactly
 * one coarser period (2025Q1..2025Q4 = 2025, 2025Q1..2025Q2 = 2025S1) it is
 * the aggregator's rollup of that period (each unit's values combined across
 * time by the indicator's rule, then summed over units); otherwise the
 * columns are combined: count -> sum; stock, bool, tags -> the latest column
 * that has a value; rate -> total numerator / total denominator (each
 * combined by its own rule), never an average of rates.
 *
 * One builder serves the web (HTML, JSON, XLSX, CSV downloads) and the CLI
 * (`cchc report`).
 */
#ifndef CCHC_REPORT_H
#define CCHC_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "catalog.h"
#include "client.h"
#include "period.h"
#include "proto.h"

#define REPORT_MAX_COLS 60
#define REPORT_TITLE_VI "Thống kê tuyên truyền cải cách hành chính"
#define REPORT_TITLE_EN "Administrative-reform communication statistics"

typedef struct {
    int ind;                         /* indicator index in the catalog */
    bool has[REPORT_MAX_COLS + 1];   /* [nperiods] is the total */
    double v[REPORT_MAX_COLS + 1];   /* rates: 0..1 */
    double num[REPORT_MAX_COLS + 1]; /* rates: numerator and denominator */
    double den[REPORT_MAX_COLS + 1];
    bool has_nd[REPORT_MAX_COLS + 1];
} report_row_t;

typedef struct {
    const catalog_t *cat;            /* borrowed */
    int node, ds;
    period_t periods[REPORT_MAX_COLS];
    int nperiods;
    report_row_t *rows;
    int nrows;
} report_t;

/* Asks the aggregator one QUERY (what=rollup), as client_ask() does:
 * returns 0 with the typed answer in *a (the builder releases it with
 * client_answer_free()), or a negative proto_err_t with *err: the
 * aggregator's code when it refused (E_NOT_FOUND: nothing reported),
 * E_UNAVAILABLE when it did not answer. */
typedef int (*report_query_fn)(void *ud, const proto_query_t *q, client_answer_t *a /* OUT */,
                               proto_error_t *err /* OUT */);

/* Parses a span "from".."to": both periods of one type, from <= to, at most
 * REPORT_MAX_COLS of them.  Returns the number of periods written to out, or
 * -1 with a sentence in err. */
int report_span(const char *from, const char *to, period_t *out, int max, char *err, size_t errlen);

/* The dataset for columns of type t: the one of exactly that type, else the
 * finest dataset of a finer type; -1 when none. */
int report_default_dataset(const catalog_t *cat, period_type_t t);

/* Builds the table (dataset may be NULL or "": report_default_dataset).
 * Returns 0, or -1 with a sentence in err (*r is then empty).
 * *unavailable is set when the failure came from the aggregator (down). */
int report_build(report_t *r, const catalog_t *cat, const char *node, const char *dataset, const char *from,
                 const char *to, report_query_fn q, void *ud, bool *unavailable, char *err, size_t errlen);
void report_free(report_t *r);

/* "Quý 3/2025", "Tháng 9/2025", "6 tháng đầu năm 2025", "Năm 2025" (vi) or
 * "Q3 2025", "Sep 2025", "H1 2025", "2025" (en). */
const char *report_period_label(period_t p, bool en, char *buf, size_t len);

/* A cell as text: counts "1234", rates "45.0%", no data "" (empty). */
const char *report_cell_text(const report_t *r, int row, int col, char *buf, size_t len);

/* {node:{code,name,kind}, dataset, from, to, title, periods:[{code,label}],
 *  rows:[{code,name_vi,name_en,kind,values:[..],total}]} */
json_t *report_json(const report_t *r);

/* CSV (UTF-8 with BOM, RFC 4180 quoting; rates as fractions 0..1). */
int report_write_csv(const report_t *r, FILE *f);
/* A Markdown table (rates as percentages). */
int report_write_md(const report_t *r, FILE *f);
/* An .xlsx file: bold header, number formats, frozen panes.  0 or -1. */
/* The footnotes of a table that shows stock and/or rate indicators, one
 * sentence each, in the reader's language; NULL when it has neither.  The
 * same sentences under the web's tables and the report's files. */
const char *report_note_stock(bool en);
const char *report_note_rate(bool en);
/* Which of them the report's rows need. */
void report_has_kinds(const report_t *r, bool *stock /* OUT */, bool *rate /* OUT */);

int report_write_xlsx(const report_t *r, const char *path, char *err, size_t errlen);

#endif
