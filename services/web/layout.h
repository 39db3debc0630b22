/*
 * layout.h -- the frame of every HTML page (head, style, navigation,
 * language switch, the live-update script), the error answer (HTML or JSON)
 * and the navigation pieces pages share (breadcrumb, period selector).
 *
 * No external resource: the style and the script are inline, and the
 * Content-Security-Policy (http.c) forbids loading any.
 */
#ifndef CCHC_WEB_LAYOUT_H
#define CCHC_WEB_LAYOUT_H

#include <stdbool.h>

#include "buf.h"
#include "http.h"

/* Where a page is: what every navigation link and the language switch
 * keep.  node and period are codes (the period resolved, also when the
 * request had none); dataset is given only when the reader chose one (the
 * request's dataset=), so that the targets page is not restricted by a
 * default.  NULL: none. */
typedef struct {
    const char *node;
    const char *dataset;
    const char *period;
} layout_place_t;

/* Opens a page: everything up to and including <main>, which carries the
 * place as data-node, data-dataset and data-period.  active is the
 * navigation entry to mark ("/overview"...; "" for none). */
void layout_begin(req_t *r, buf_t *b, const char *title, const char *active, const layout_place_t *place);
/* Closes a page: the live-update line, </main>, the script. */
void layout_end(req_t *r, buf_t *b);
/* Closes a page without the live-update script: a form being filled in
 * must not be replaced when a report arrives. */
void layout_end_static(req_t *r, buf_t *b);

/* Replaces out with an error answer: JSON {"error": {status, message}} for
 * /api/, /metrics and /events, otherwise an HTML page with the sentence
 * (escaped) which, for 503, refreshes itself every 10 s.  Also the HTTP
 * layer's http_error_fn. */
void layout_error(req_t *r, resp_t *out, int status, const char *msg);
/* layout_error() with a sentence for the reader in front of msg on the HTML
 * page (lead, in the request's language; NULL for none); the JSON answer
 * carries msg alone. */
void layout_failure(req_t *r, resp_t *out, int status, const char *lead, const char *msg);

/* The chain of units from the root down to unit `node` (catalog index), each
 * a link to `path` for that unit, dataset `ds` and `period`. */
void layout_breadcrumb(req_t *r, buf_t *b, int node, const char *path, int ds, const char *period);
/* The form that changes the period (and the dataset, when ds >= 0) of page
 * `path` for unit `node`; keeps lang. */
void layout_selector(req_t *r, buf_t *b, const char *path, int node, int ds, const char *period);
/* The dataset <select> of those forms, ds selected. */
void layout_dataset_select(req_t *r, buf_t *b, int ds);

#endif
