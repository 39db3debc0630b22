/*
 * agg.h -- cchc-web's questions to the aggregator: QUERY over one kept
 * connection, typed answers (proto/answers.def), fail-fast after a failure,
 * latency and error counters.
 *
 * Pages read everything they show through agg_ask*(); nothing here knows
 * about HTTP.  All calls run on the loop thread.
 */
#ifndef CCHC_WEB_AGG_H
#define CCHC_WEB_AGG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "proto.h"

#define AGG_BUCKETS 8

/* Upper bounds (seconds) of the latency histogram's buckets; the last is +Inf. */
extern const double agg_bucket_le[AGG_BUCKETS];

typedef struct {
    client_conn_t conn;         /* the kept connection */
    int timeout_ms;             /* how long one QUERY may wait (tried twice) */
    int64_t down_until_ms;      /* fail fast until then after a failed QUERY */
    char last_error[256];
    bool up;                    /* the aggregator answered lately */
    /* metrics */
    unsigned long queries, errors, unavailable;
    double seconds;
    unsigned long buckets[AGG_BUCKETS]; /* cumulative: QUERYs that took <= agg_bucket_le[i] */
} agg_t;

/* Prepares a (not yet connected) connection to `endpoint`; the caller keeps
 * zctx and endpoint alive until agg_close(). */
void agg_init(agg_t *a, void *zctx, const char *endpoint, int timeout_ms);
/* Closes the connection.  Harmless on a closed one. */
void agg_close(agg_t *a);

/* Asks the aggregator one QUERY and reads its typed answer into *ans (the
 * member of ans->u named by q->what; strings and arrays live in ans until
 * client_answer_free(ans), which is harmless after a failure too).
 * Returns 0, or a negative proto_err_t with *err filled:
 *   PROTO_E_UNAVAILABLE  nothing answered (the aggregator is down); after
 *                        it every QUERY fails at once for one second, so
 *                        that a page never hangs
 *   the aggregator's own code when it refused (PROTO_E_NOT_FOUND,
 *                        PROTO_E_PERIOD, PROTO_E_UNKNOWN_UNIT, PROTO_E_BUSY...)
 *   PROTO_E_MALFORMED    the answer is not of its shape */
int agg_ask_q(agg_t *a, const proto_query_t *q, client_answer_t *ans /* OUT */, proto_error_t *err /* OUT */);
/* A QUERY with the common fields (NULL node, dataset or period are empty),
 * the rest zero: add filters, limits or `approved` before agg_ask_q(). */
proto_query_t agg_query(const char *what, const char *node, const char *dataset, const char *period);

/* agg_ask_q(agg_query(...)). */
int agg_ask(agg_t *a, const char *what, const char *node, const char *dataset, const char *period,
            client_answer_t *ans /* OUT */, proto_error_t *err /* OUT */);

/* How a failed QUERY is told in one line: "E_CODE: sentence" when the
 * aggregator refused (or answered out of shape), the transport's sentence
 * when nothing answered.  Returns buf. */
const char *agg_error_text(const proto_error_t *err, char *buf, size_t len);

#endif
