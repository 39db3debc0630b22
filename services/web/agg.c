/*
 * agg.c -- QUERYs to the aggregator with fail-fast and metrics (see agg.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agg.h"
#include "clock.h"
#include "log.h"

const double agg_bucket_le[AGG_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1e300};

void agg_init(agg_t *a, void *zctx, const char *endpoint, int timeout_ms)
{
    client_conn_init(&a->conn, zctx, endpoint);
    a->timeout_ms = timeout_ms;
}

void agg_close(agg_t *a)
{
    client_conn_close(&a->conn);
}

json_t *agg_query_q(agg_t *a, const proto_query_t *q, bool *unavailable, char *err, size_t errlen)
{
    *unavailable = false;
    int64_t t0 = clock_now_ms();
    struct timespec ta, tb;
    if (a->down_until_ms > t0) {
        *unavailable = true;
        snprintf(err, errlen, "%s", a->last_error[0] ? a->last_error : "the aggregator does not answer");
        a->unavailable++;
        return NULL;
    }
    clock_gettime(CLOCK_MONOTONIC, &ta);
    json_t *d = client_conn_query(&a->conn, a->timeout_ms, q, err, errlen);
    clock_gettime(CLOCK_MONOTONIC, &tb);
    double s = (double)(tb.tv_sec - ta.tv_sec) + (double)(tb.tv_nsec - ta.tv_nsec) / 1e9;
    a->queries++;
    a->seconds += s;
    for (int i = 0; i < AGG_BUCKETS; i++)
        if (s <= agg_bucket_le[i])
            a->buckets[i]++;
    if (!d) {
        a->errors++;
        /* client_query says "E_CODE: ..." when the aggregator refused */
        if (strncmp(err, "E_", 2) != 0) {
            *unavailable = true;
            a->up = false;
            a->unavailable++;
            snprintf(a->last_error, sizeof a->last_error, "%s", err);
            a->down_until_ms = clock_now_ms() + 1000;
        } else {
            a->up = true;
        }
    } else {
        a->up = true;
        a->down_until_ms = 0;
    }
    return d;
}

json_t *agg_query(agg_t *a, const char *what, const char *node, const char *dataset, const char *period,
                  bool *unavailable, char *err, size_t errlen)
{
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "%s", what);
    snprintf(q.node, sizeof q.node, "%s", node ? node : "");
    snprintf(q.dataset, sizeof q.dataset, "%s", dataset ? dataset : "");
    snprintf(q.period, sizeof q.period, "%s", period ? period : "");
    return agg_query_q(a, &q, unavailable, err, errlen);
}
