/*
 * metrics.c -- GET /metrics: Prometheus text format 0.0.4.
 *
 * The aggregator's figures come from QUERY info, the collector's from QUERY
 * stats on its journal feed, the notifier's from its sent-log (read-only,
 * when it is on this machine), and cchc-web's own from its counters.  The
 * series are listed in docs/web.md.
 */
#include <stdio.h>
#include <string.h>

#include "client.h"
#include "sentlog.h"
#include "web.h"


/* The collector's own counters: QUERY what=stats on its journal feed.
 * Returns 0 with *a filled (client_answer_free() it either way). */
static int collector_stats(web_t *w, client_answer_t *a)
{
    const char *ep = config_get(w->cfg, "web", "collector",
                                config_get(w->cfg, "collector", "journal_endpoint", "tcp://127.0.0.1:7101"));
    proto_query_t q = agg_query("stats", NULL, NULL, NULL);
    proto_error_t err;
    return client_ask(w->zctx, ep, w->agg.timeout_ms, &q, a, &err);
}

static void metrics_collector(buf_t *b, const ans_stats_t *st)
{
    buf_puts(b, "# HELP cchc_submissions_total Submissions answered by the collector since it started, by outcome.\n"
                "# TYPE cchc_submissions_total counter\n");
    buf_printf(b, "cchc_submissions_total{service=\"collector\",outcome=\"accepted\"} %lld\n",
               (long long)st->accepted);
    buf_printf(b, "cchc_submissions_total{service=\"collector\",outcome=\"duplicate\"} %lld\n",
               (long long)st->duplicates);
    buf_puts(b, "# HELP cchc_submissions_rejected_total Submissions refused (NACK) by the collector, by error code.\n"
                "# TYPE cchc_submissions_rejected_total counter\n");
    for (uint32_t i = 0; i < st->rejected_by_code.n; i++)
        buf_printf(b, "cchc_submissions_rejected_total{service=\"collector\",code=\"%s\"} %lld\n",
                   st->rejected_by_code.keys[i], (long long)st->rejected_by_code.vals[i]);
    buf_puts(b, "# HELP cchc_collector_queued Submissions waiting for their commit.\n# TYPE cchc_collector_queued gauge\n");
    buf_printf(b, "cchc_collector_queued{service=\"collector\"} %lld\n", (long long)st->queued);
    buf_puts(b, "# HELP cchc_collector_commits_total Journal transactions (one fsync each).\n"
                "# TYPE cchc_collector_commits_total counter\n");
    buf_printf(b, "cchc_collector_commits_total{service=\"collector\"} %lld\n", (long long)st->commits);
}

/* Reminders by outcome, read from the notifier's sent-log (read-only). */
static void metrics_notifier(web_t *w, buf_t *b)
{
    const char *dir = config_get(w->cfg, "notifier", "data_dir", "var/notifier");
    sentlog_t *sl;
    char err[256];
    sentlog_counts_t c;
    if (sentlog_open(dir, true, &sl, err, sizeof err))
        return; /* no notifier on this machine */
    int rc = sentlog_count(sl, &c);
    sentlog_close(&sl);
    if (rc)
        return;
    buf_puts(b, "# HELP cchc_reminders_total Reminders in the notifier's sent-log, by status.\n"
                "# TYPE cchc_reminders_total gauge\n");
    buf_printf(b, "cchc_reminders_total{service=\"notifier\",status=\"sent\"} %llu\n", (unsigned long long)c.sent);
    buf_printf(b, "cchc_reminders_total{service=\"notifier\",status=\"rejected\"} %llu\n",
               (unsigned long long)c.rejected);
    buf_printf(b, "cchc_reminders_total{service=\"notifier\",status=\"failed\"} %llu\n", (unsigned long long)c.failed);
}

/* This process's own series: EVENTs, QUERYs, SSE, connections, requests. */
static void metrics_web(const req_t *r, const web_t *w, buf_t *b)
{
    const agg_t *a = &w->agg;
    const http_t *h = &w->http;
    buf_puts(b, "# HELP cchc_submissions_applied_total Submissions applied by the aggregator since cchc-web started "
                "(from its EVENTs), by kind.\n# TYPE cchc_submissions_applied_total counter\n");
    buf_printf(b,
               "cchc_submissions_applied_total{service=\"aggregator\",kind=\"on_time\"} %lu\n"
               "cchc_submissions_applied_total{service=\"aggregator\",kind=\"late\"} %lu\n"
               "cchc_submissions_applied_total{service=\"aggregator\",kind=\"correction\"} %lu\n",
               w->events_on_time, w->events_late, w->events_corrections);
    buf_puts(b, "# HELP cchc_aggregator_apply_delay_seconds Seconds between the collector receiving the last "
                "applied submission and its EVENT reaching cchc-web.\n"
                "# TYPE cchc_aggregator_apply_delay_seconds gauge\n");
    buf_printf(b, "cchc_aggregator_apply_delay_seconds{service=\"aggregator\"} %lld\n",
               (long long)w->last_event_delay);
    buf_puts(b, "# HELP cchc_web_query_duration_seconds Latency of QUERYs from cchc-web to the aggregator.\n"
                "# TYPE cchc_web_query_duration_seconds histogram\n");
    for (int i = 0; i < AGG_BUCKETS; i++) {
        char le[32];
        snprintf(le, sizeof le, i == AGG_BUCKETS - 1 ? "+Inf" : "%g", agg_bucket_le[i]);
        buf_printf(b, "cchc_web_query_duration_seconds_bucket{service=\"web\",le=\"%s\"} %lu\n", le, a->buckets[i]);
    }
    buf_printf(b, "cchc_web_query_duration_seconds_sum{service=\"web\"} %.6f\n", a->seconds);
    buf_printf(b, "cchc_web_query_duration_seconds_count{service=\"web\"} %lu\n", a->queries);
    buf_puts(b, "# HELP cchc_web_query_errors_total QUERYs that failed, by reason.\n"
                "# TYPE cchc_web_query_errors_total counter\n");
    buf_printf(b, "cchc_web_query_errors_total{service=\"web\",reason=\"refused\"} %lu\n",
               a->errors - (a->unavailable > a->errors ? a->errors : a->unavailable));
    buf_printf(b, "cchc_web_query_errors_total{service=\"web\",reason=\"unavailable\"} %lu\n", a->unavailable);
    buf_puts(b, "# HELP cchc_web_sse_clients Open Server-Sent-Events connections.\n# TYPE cchc_web_sse_clients gauge\n");
    buf_printf(b, "cchc_web_sse_clients{service=\"web\"} %d\n", h->nsse);
    buf_puts(b, "# HELP cchc_web_connections_closed_total Connections cchc-web closed before their request was "
                "complete: past [web] header_timeout_s, or pushed out by a newer one when the address or the "
                "server was full.\n# TYPE cchc_web_connections_closed_total counter\n");
    buf_printf(b, "cchc_web_connections_closed_total{service=\"web\",reason=\"deadline\"} %lu\n", h->conns_cut);
    buf_printf(b, "cchc_web_connections_closed_total{service=\"web\",reason=\"evicted\"} %lu\n", h->conns_evicted);
    buf_puts(b, "# HELP cchc_web_events_total EVENTs received from the aggregator.\n"
                "# TYPE cchc_web_events_total counter\n");
    buf_printf(b, "cchc_web_events_total{service=\"web\"} %lu\n", w->events_received);
    buf_puts(b, "# HELP cchc_web_requests_total HTTP requests answered, by route and status class.\n"
                "# TYPE cchc_web_requests_total counter\n");
    static const char *cls[] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};
    int nroutes = h->cfg.nroutes;
    for (int i = 0; i < http_route_slots(h); i++)
        for (int k = 0; k < 6; k++)
            /* this request is not counted yet: it is a 2xx */
            if (h->req_count[i][k] || (k == 1 && i < nroutes))
                buf_printf(b, "cchc_web_requests_total{service=\"web\",route=\"%s\",code=\"%s\"} %lu\n",
                           http_route_name(h, i), cls[k], h->req_count[i][k] + (r->route == i && k == 1 ? 1 : 0));
}

/* The aggregator's answer to QUERY info. */
static void metrics_aggregator(buf_t *b, const ans_info_t *info)
{
    buf_puts(b, "# HELP cchc_aggregator_applied_seq The last journal sequence number the aggregator applied.\n"
                "# TYPE cchc_aggregator_applied_seq gauge\n");
    buf_printf(b, "cchc_aggregator_applied_seq{service=\"aggregator\"} %lld\n", (long long)info->applied);
    buf_puts(b, "# HELP cchc_journal_length The journal's highest sequence number (collector).\n"
                "# TYPE cchc_journal_length gauge\n");
    buf_printf(b, "cchc_journal_length{service=\"collector\"} %lld\n", (long long)info->head);
    buf_puts(b, "# HELP cchc_aggregator_lag_records Journal entries not yet applied by the aggregator.\n"
                "# TYPE cchc_aggregator_lag_records gauge\n");
    buf_printf(b, "cchc_aggregator_lag_records{service=\"aggregator\"} %lld\n",
               (long long)info->head - (long long)info->applied);
    buf_puts(b, "# HELP cchc_catalog_units Units in the aggregator's catalog.\n# TYPE cchc_catalog_units gauge\n");
    buf_printf(b, "cchc_catalog_units{service=\"aggregator\"} %lld\n", (long long)info->units);
}

void page_metrics(req_t *r, resp_t *o)
{
    web_t *w = web_of(r);
    buf_t *b = &o->body;
    o->status = 200;
    o->ctype = "text/plain; version=0.0.4; charset=utf-8";
    client_answer_t info, cstats;
    proto_error_t err;
    bool info_ok = !agg_ask(&w->agg, "info", NULL, NULL, NULL, &info, &err);
    buf_puts(b, "# HELP cchc_up Whether the service answered (web: this process; aggregator: a QUERY info).\n"
                "# TYPE cchc_up gauge\n");
    bool cstats_ok = !collector_stats(w, &cstats);
    buf_printf(b, "cchc_up{service=\"web\"} 1\ncchc_up{service=\"aggregator\"} %d\ncchc_up{service=\"collector\"} %d\n",
               info_ok, cstats_ok);
    buf_puts(b, "# HELP cchc_start_time_seconds Start time of the process, Unix seconds.\n"
                "# TYPE cchc_start_time_seconds gauge\n");
    buf_printf(b, "cchc_start_time_seconds{service=\"web\"} %lld\n", (long long)w->started);
    if (info_ok)
        metrics_aggregator(b, &info.u.info);
    client_answer_free(&info);
    if (cstats_ok)
        metrics_collector(b, &cstats.u.stats);
    client_answer_free(&cstats);
    metrics_notifier(w, b);
    metrics_web(r, w, b);
}
