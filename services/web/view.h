/*
 * view.h -- small pieces every page's HTML is made of: numbers and shares
 * in the reader's language, labels for unit kinds and statuses, times,
 * links that keep the language.
 *
 * Everything appended to a buf_t is HTML-escaped here where it comes from
 * outside (catalog, aggregator, request); labels are our own text.
 */
#ifndef CCHC_WEB_VIEW_H
#define CCHC_WEB_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "catalog.h"
#include "http.h"
#include "proto.h"

/* The Vietnamese or the English text, by the request's language. */
#define T(r_, vi_, en_) ((r_)->en ? (en_) : (vi_))

/* The request wants JSON: a path under /api/. */
bool view_is_api(const req_t *r);

/* An integer with thousands separators: 1.234 (vi) or 1,234 (en). */
void view_int(buf_t *b, int64_t v, bool en);
/* A number with `decimals` decimals (trailing zeros and a bare decimal
 * sign dropped when trim), thousands grouped: 1.234,5 (vi) or 1,234.5 (en). */
void view_dec(buf_t *b, double x, int decimals, bool trim, bool en);
/* A share 0..1 as a percentage with one decimal: 53,3% (vi) or 53.3% (en). */
void view_pct(buf_t *b, double share, bool en);
/* A percentage given in percent (0..100, as the targets carry rates):
 * 100,0% (vi) or 100.0% (en). */
void view_percent(buf_t *b, double percent, bool en);
/* The name of a kind of unit (so -> Sở / Department); unknown kinds as given. */
const char *view_kind(const char *kind, bool en);
/* The name of a status (on_time, late, missing, pending, met, behind...). */
const char *view_status(const char *status, bool en);
/* The label of a tag of a tags indicator (mang_xa_hoi -> Mạng xã hội /
 * Social media), from a table of the shipped catalog's tags; a tag not in
 * it as its code with spaces.  tag need not be NUL-terminated. */
void view_tag(buf_t *b, const char *tag, size_t len, bool en);
/* Indicator `code`'s value in vals: true with *out filled, or false. */
bool view_value_of(const proto_values_t *vals, const char *code, proto_value_t *out /* OUT */);
/* A value as submitted (numbers grouped, yes/no in words, tags' labels);
 * "–" when v is NULL (not reported). */
void view_value(buf_t *b, const indicator_t *in, const proto_value_t *v, bool en);
/* The comment beside indicator `code`'s value in m, as
 * <small class="cmt" data-comment="CODE">; nothing when it has none. */
void view_comment(buf_t *b, const proto_strmap_t *m, const char *code);
/* A period type in words (quarter -> Quý / Quarter); unknown ones as given. */
const char *view_period_type(const char *type, bool en);
/* A civil day as dd/mm/yyyy, the one date format of the web. */
void view_date(buf_t *b, int32_t day);
/* A Unix time as "05/12/2025 09:00" (local time); "–" when !has (a NIL
 * field of an answer). */
void view_time(buf_t *b, bool has, int64_t t);
/* Footnotes under a table that shows a stock (a headcount over periods is
 * the latest, not the sum) and/or a rate (from the totals of numerator and
 * denominator, not an average): <p class="note foot" id="note-stock"> and
 * id="note-rate", the sentences of report.h.  Nothing when neither. */
void view_footnotes(buf_t *b, const req_t *r, bool stock, bool rate);
/* The dataset <option>s' and titles' name: the English one with lang=en. */
const char *view_dataset(const req_t *r, int ds);

/* On a page of a covered dataset (catalog_cover(): the half-year and year
 * reports, which the notifier does not chase on their own unless [notifier]
 * chase_covered = yes): a note saying the report needs no separate filing,
 * with links to the same period's figures from the covering dataset and to
 * its last period's completeness.  Nothing for other datasets. */
void view_cover_note(req_t *r, buf_t *b, const char *node, int ds, period_t p);
/* Appends href="PATH?k=v&..." for the NULL-terminated key/value pairs
 * (pairs with a NULL or empty value are left out), keeping ?lang= when the
 * request had it; escaped for an attribute. */
void view_href(buf_t *b, const req_t *r, const char *path, ...);

#endif
