/*
 * agg.h -- cchc-web's questions to the aggregator: QUERY over one kept
 * connection, fail-fast after a failure, latency and error counters.
 *
 * Pages read everything they show through agg_query*(); nothing here knows
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

/* Asks the aggregator.  Returns the answer's data (caller owns it and must
 * json_decref it), or NULL with a sentence in err; *unavailable then tells a
 * transport failure (the aggregator is down: 503) from a refusal ("E_CODE:
 * ...", passed through).  After a transport failure every QUERY fails at
 * once for one second, so that a page never hangs. */
json_t *agg_query_q(agg_t *a, const proto_query_t *q, bool *unavailable, char *err, size_t errlen);
/* The same with the common fields; NULL node, dataset or period are empty. */
json_t *agg_query(agg_t *a, const char *what, const char *node, const char *dataset, const char *period,
                  bool *unavailable, char *err, size_t errlen);

#endif
