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

/* Counts one QUERY that took from ta to now. */
static void count_latency(agg_t *a, const struct timespec *ta)
{
    struct timespec tb;
    clock_gettime(CLOCK_MONOTONIC, &tb);
    double s = (double)(tb.tv_sec - ta->tv_sec) + (double)(tb.tv_nsec - ta->tv_nsec) / 1e9;
    a->queries++;
    a->seconds += s;
    for (int i = 0; i < AGG_BUCKETS; i++)
        if (s <= agg_bucket_le[i])
            a->buckets[i]++;
}

int agg_ask_q(agg_t *a, const proto_query_t *q, client_answer_t *ans, proto_error_t *err)
{
    memset(ans, 0, sizeof *ans);
    if (a->down_until_ms > clock_now_ms()) {
        a->unavailable++;
        return proto_fail(err, PROTO_E_UNAVAILABLE, "%s",
                          a->last_error[0] ? a->last_error : "the aggregator does not answer");
    }
    struct timespec ta;
    clock_gettime(CLOCK_MONOTONIC, &ta);
    int rc = client_conn_ask(&a->conn, a->timeout_ms, q, ans, err);
    count_latency(a, &ta);
    if (rc == PROTO_E_UNAVAILABLE) {
        a->errors++;
        a->up = false;
        a->unavailable++;
        snprintf(a->last_error, sizeof a->last_error, "%s", err->message);
        a->down_until_ms = clock_now_ms() + 1000;
    } else if (rc) {
        /* refused (or answered out of shape): the aggregator is there */
        a->errors++;
        a->up = true;
    } else {
        a->up = true;
        a->down_until_ms = 0;
    }
    return rc;
}

proto_query_t agg_query(const char *what, const char *node, const char *dataset, const char *period)
{
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "%s", what);
    snprintf(q.node, sizeof q.node, "%s", node ? node : "");
    snprintf(q.dataset, sizeof q.dataset, "%s", dataset ? dataset : "");
    snprintf(q.period, sizeof q.period, "%s", period ? period : "");
    return q;
}

int agg_ask(agg_t *a, const char *what, const char *node, const char *dataset, const char *period,
            client_answer_t *ans, proto_error_t *err)
{
    proto_query_t q = agg_query(what, node, dataset, period);
    return agg_ask_q(a, &q, ans, err);
}

const char *agg_error_text(const proto_error_t *err, char *buf, size_t len)
{
    if (err->code == PROTO_E_UNAVAILABLE)
        snprintf(buf, len, "%s", err->message);
    else
        snprintf(buf, len, "%s: %s", proto_err_code(err->code), err->message);
    return buf;
}
