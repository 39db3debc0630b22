/*
 * page.h -- what every page handler starts and ends with: the common
 * parameters (node, dataset, period), a failed QUERY turned into the right
 * answer, a JSON answer.
 *
 * A page is one file page_NAME.c with one handler, page_NAME(), listed in
 * routes.c.  The handler goes
 *
 *     parameters  (from the request; a bad one answers 400/404 and stops)
 *     -> answer   (typed answers from the aggregator, agg_ask(); a failure
 *                  answers 503/4xx with page_failed())
 *     -> view     (what is shown, computed from both: filtered, sorted, counted)
 *     -> the JSON renderer (/api/...; an answer shown as it is goes through
 *        answer_json()) or the HTML renderer
 *
 * and keeps each step in its own function; nothing lives in globals.
 */
#ifndef CCHC_WEB_PAGE_H
#define CCHC_WEB_PAGE_H

#include <jansson.h>
#include <stdbool.h>

#include "answer_json.h"
#include "http.h"
#include "layout.h"
#include "period.h"
#include "view.h"
#include "web.h"

/* The common parameters, checked against the catalog. */
typedef struct {
    int node;                   /* catalog index of the unit */
    int ds;                     /* catalog index of the dataset */
    period_t p;
    char period[PERIOD_CODE_MAX];
} page_params_t;

/* Reads node (the parameter named node_key; default the catalog's root),
 * dataset (default the first) and period (default: page_default_period()).
 * Returns 0, or -1 after answering 404 (unknown unit) or 400 (unknown
 * dataset, not a period) in out. */
int page_params(req_t *r, resp_t *out, page_params_t *pp, const char *node_key);

/* The period a page opens on when the request names none, for unit `node`
 * and dataset `ds` (catalog indices): the dataset's period containing today
 * while its deadline has not passed (it is open for reporting, with or
 * without data); after the deadline, the most recent period with at least
 * one report received for the node's subtree (today's, or up to
 * PAGE_DEFAULT_LOOKBACK periods back); when none has any, today's.  The only
 * parameter that asks the aggregator (QUERY status); when it does not
 * answer, today's period. */
#define PAGE_DEFAULT_LOOKBACK 8
period_t page_default_period(req_t *r, int node, int ds);

/* The sentence for a period parameter that is not one (in the request's
 * language), naming what was given.  Valid until the next call on this
 * thread. */
const char *page_bad_period(req_t *r, const char *given);

/* The place of a page with these parameters (see layout_place_t); the
 * strings are the catalog's and the params' own, valid while both are. */
layout_place_t page_place(req_t *r, const page_params_t *pp);

/* Answers a failed QUERY (agg_ask*()'s err) with the status and the
 * reader's sentence of its code -- one table in page.c: 503 when the
 * aggregator is unavailable, 404 for E_NOT_FOUND / E_UNKNOWN_*, otherwise
 * 400 -- followed by agg_error_text(), "E_CODE: the aggregator's sentence"
 * (the JSON answer of /api/ carries only the latter). */
void page_failed(req_t *r, resp_t *out, const proto_error_t *err);

/* Answers 200 with j as JSON; takes j. */
void page_json(resp_t *out, json_t *j);

#endif
