/*
 * cchc-aggregator -- rolls every accepted submission up, exactly once.
 *
 * It pulls the collector's journal in seq order (FETCH after=applied ->
 * BATCH, long-polled), applies each batch in one LMDB write transaction that
 * also records the last applied seq (rollup.h), publishes one EVENT per
 * applied record, and answers QUERY on a ROUTER socket.  Applying runs on a
 * pool thread so that queries keep being answered during the fsync.
 *
 * When the collector does not answer a FETCH in time (it restarted, say) the
 * DEALER socket is closed and a new one opened (the Lazy Pirate pattern), so
 * a late answer to an old request can never be mistaken for a new one.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#include "catalog.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "proto.h"
#include "rollup.h"
#include "service.h"
#include "zloop.h"

typedef struct {
    uv_loop_t *loop;
    config_t *cfg;
    catalog_t *cat;
    catalog_t *old_cat;  /* kept until no apply uses it */
    rollup_t *store;
    void *ctx;

    const char *feed_endpoint;
    void *feed, *query, *pub;
    zloop_sock_t *zfeed;         /* heap: a reconnect closes one while opening the next */
    zloop_sock_t zquery;
    int fetch_max, wait_ms;
    bool fetch_outstanding;
    int64_t fetch_sent_ms;

    /* the batch being applied by the pool thread */
    uv_work_t work;
    bool applying;
    zmq_msg_t batch_frame;       /* owns the bytes the records borrow */
    proto_msg_t batch_msg;
    const proto_record_t *recs;  /* decoded once by proto_decode, in batch_msg's zone */
    const proto_str_t *raw;      /* the bytes of each, in batch_frame */
    rollup_outcome_t *outcomes;
    int nrecs, caprecs;
    int apply_rc;
    char apply_err[256];

    bool stopping, reset_pending;
    service_loop_t svc;          /* signals and the tick */
    uv_timer_t pace;             /* delays the next FETCH after a small batch */
    int pause_ms;
    unsigned long applied_records, queries, failed_queries;
    uint64_t head;               /* journal head as last reported by the collector */
} aggregator_t;

static void send_fetch(aggregator_t *a);
static void stop(aggregator_t *a);

/* ------------------------------------------------------------------------
 * Pulling and applying the journal
 * ------------------------------------------------------------------------ */

static void apply_work(uv_work_t *w)
{
    aggregator_t *a = w->data;
    a->apply_rc = rollup_apply(a->store, a->recs, a->raw, a->nrecs, a->outcomes, a->apply_err, sizeof a->apply_err);
}

static void publish_events(aggregator_t *a)
{
    for (int i = 0; i < a->nrecs; i++) {
        /* a decision is not a report: EVENT keeps meaning "a report was
         * applied" (docs/protocol.md) */
        if (!a->outcomes[i].applied || a->outcomes[i].decision)
            continue;
        const proto_record_t *r = &a->recs[i];
        proto_msg_t ev;
        memset(&ev, 0, sizeof ev);
        ev.type = PROTO_EVENT;
        proto_event_t *e = &ev.u.event;
        e->seq = r->seq;
        memcpy(e->unit, r->unit, sizeof e->unit);
        memcpy(e->submitter, r->submitter, sizeof e->submitter);
        memcpy(e->dataset, r->dataset, sizeof e->dataset);
        memcpy(e->period, r->period, sizeof e->period);
        e->version = r->version;
        e->received_at = r->received_at;
        e->on_time = a->outcomes[i].on_time;
        char *buf;
        size_t len;
        if (proto_encode(&ev, &buf, &len, NULL) == 0) {
            zmq_send(a->pub, e->unit, strlen(e->unit), ZMQ_SNDMORE | ZMQ_DONTWAIT);
            zmq_send(a->pub, buf, len, ZMQ_DONTWAIT);
            free(buf);
        }
    }
}

static void on_pace(uv_timer_t *t)
{
    send_fetch(t->data);
}

static void apply_done(uv_work_t *w, int status)
{
    aggregator_t *a = w->data;
    (void)status;
    a->applying = false;
    if (a->apply_rc) {
        /* Nothing of the batch was applied; fetch it again after a pause --
         * from seq 0 when the store must be rebuilt (stale: damaged, or a
         * layout change that raced with the batch). */
        log_error("applying seq %llu..%llu failed: %s; will retry", (unsigned long long)a->recs[0].seq,
                  (unsigned long long)a->recs[a->nrecs - 1].seq, a->apply_err);
        if (rollup_stale(a->store))
            a->reset_pending = true;
    } else {
        a->applied_records += (unsigned long)a->nrecs;
        publish_events(a);
        log_debug("applied seq %llu..%llu", (unsigned long long)a->recs[0].seq,
                  (unsigned long long)a->recs[a->nrecs - 1].seq);
    }
    proto_msg_free(&a->batch_msg);
    zmq_msg_close(&a->batch_frame);
    catalog_destroy(&a->old_cat);
    if (a->stopping) {
        stop(a);
        return;
    }
    if (a->reset_pending) {
        char err[256];
        a->reset_pending = false;
        if (rollup_reset(a->store, err, sizeof err))
            log_error("reset failed: %s", err);
        else
            log_info("rollups reset, replaying the journal from seq 0");
    }
    /* A small batch means we are caught up: wait a little so the next
     * batch is bigger.  Each batch is one transaction whose page copies and
     * fsync cost the same for 10 records as for 1,000, so this trades up to
     * pause_ms of rollup delay for far fewer writes under load.  On failure
     * the tick timer re-sends the FETCH. */
    if (a->apply_rc == 0) {
        if (a->pause_ms > 0 && a->nrecs < a->fetch_max)
            uv_timer_start(&a->pace, on_pace, (uint64_t)a->pause_ms, 0);
        else
            send_fetch(a);
    }
}

static int ensure_outcomes(aggregator_t *a, int n)
{
    if (n <= a->caprecs)
        return 0;
    rollup_outcome_t *o = realloc(a->outcomes, (size_t)n * sizeof *o);
    if (!o)
        return -1;
    a->outcomes = o;
    a->caprecs = n;
    return 0;
}

static void on_batch(zloop_sock_t *zs, zmq_msg_t *frames, int n, void *ud)
{
    aggregator_t *a = ud;
    (void)zs;
    if (n != 1 || a->applying || a->stopping)
        return;
    zmq_msg_init(&a->batch_frame);
    zmq_msg_move(&a->batch_frame, &frames[0]);
    proto_error_t err;
    int rc = proto_decode(zmq_msg_data(&a->batch_frame), zmq_msg_size(&a->batch_frame), &a->batch_msg, &err);
    uint64_t applied = rollup_applied(a->store);
    if (rc || a->batch_msg.type != PROTO_BATCH) {
        log_error("the collector sent something other than a BATCH: %s",
                  rc ? err.message : proto_type_name(a->batch_msg.type));
        goto drop;
    }
    proto_batch_t *b = &a->batch_msg.u.batch;
    if (b->after != applied)
        goto drop; /* an answer to an older request */
    a->fetch_outstanding = false;
    a->head = b->head;
    if (b->records.n == 0) {
        proto_msg_free(&a->batch_msg);
        zmq_msg_close(&a->batch_frame);
        send_fetch(a);
        return;
    }
    if (ensure_outcomes(a, (int)b->records.n)) {
        log_error("out of memory for a batch of %u", b->records.n);
        goto drop;
    }
    a->recs = b->records.recs;
    a->raw = b->records.spans;
    for (uint32_t i = 0; i < b->records.n; i++) {
        if (a->recs[i].seq != applied + 1 + i) {
            log_error("journal gap: expected seq %llu, got %llu; refetching", (unsigned long long)(applied + 1 + i),
                      (unsigned long long)a->recs[i].seq);
            goto drop;
        }
    }
    a->nrecs = (int)b->records.n;
    a->applying = true;
    a->work.data = a;
    if (uv_queue_work(a->loop, &a->work, apply_work, apply_done) == 0)
        return;
    a->applying = false;
drop:
    proto_msg_free(&a->batch_msg);
    zmq_msg_close(&a->batch_frame);
}

static void on_feed_closed(zloop_sock_t *zs)
{
    zmq_close(zs->zsock);
    free(zs);
}

static int open_feed(aggregator_t *a)
{
    a->feed = zmq_socket(a->ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(a->feed, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(a->feed, a->feed_endpoint)) {
        log_error("cannot connect to the journal feed %s: %s", a->feed_endpoint, zmq_strerror(errno));
        zmq_close(a->feed);
        a->feed = NULL;
        return -1;
    }
    a->zfeed = malloc(sizeof *a->zfeed);
    if (!a->zfeed || zloop_sock_init(a->loop, a->zfeed, a->feed, on_batch, a)) {
        /* Leaked on purpose if libuv still holds it (see zloop.h); this
         * happens only when the poll cannot start at all. */
        if (a->zfeed && !a->zfeed->closing)
            free(a->zfeed);
        a->zfeed = NULL;
        zmq_close(a->feed);
        a->feed = NULL;
        return -1;
    }
    return 0;
}

static void send_fetch(aggregator_t *a)
{
    if (a->stopping || a->applying || !a->feed || uv_is_active((uv_handle_t *)&a->pace))
        return;
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_FETCH;
    m.u.fetch.after = rollup_applied(a->store);
    m.u.fetch.max = (uint64_t)a->fetch_max;
    m.u.fetch.wait_ms = (uint64_t)a->wait_ms;
    char *buf;
    size_t len;
    if (proto_encode(&m, &buf, &len, NULL))
        return;
    const void *bufs[1] = {buf};
    zloop_send(a->zfeed, bufs, &len, 1);
    free(buf);
    a->fetch_outstanding = true;
    a->fetch_sent_ms = clock_now_ms();
}

/* Lazy Pirate: no answer in time -> new socket, new request. */
static void on_tick(service_loop_t *s)
{
    aggregator_t *a = s->data;
    if (a->stopping || a->applying)
        return;
    if (!a->fetch_outstanding) {
        send_fetch(a);
        return;
    }
    if (clock_now_ms() - a->fetch_sent_ms < a->wait_ms + 3000)
        return;
    log_warn("no answer from the collector at %s; reconnecting", a->feed_endpoint);
    zloop_sock_close(a->zfeed, on_feed_closed);
    a->zfeed = NULL;
    a->feed = NULL;
    a->fetch_outstanding = false;
    if (open_feed(a) == 0)
        send_fetch(a);
}

/* ------------------------------------------------------------------------
 * Queries
 * ------------------------------------------------------------------------ */

/* what=info: where the aggregator stands, for the CLI, the demo and
 * cchc-web's /metrics (lag = head - applied).  The store packs its part
 * (applied, units, datasets); the journal head and the counters are ours. */
static int pack_info(aggregator_t *a, msgpack_packer *pk, proto_error_t *err)
{
    ans_info_t info = {0};
    int rc = rollup_info(a->store, &info, err);
    if (rc == 0) {
        uint64_t applied = info.applied;
        info.head = a->head > applied ? a->head : applied;
        info.lag = a->head > applied ? a->head - applied : 0;
        info.records_applied = a->applied_records;
        info.queries = a->queries;
        info.failed_queries = a->failed_queries;
        ans_info_pack(pk, &info);
    }
    free(info.datasets.items);
    return rc;
}

static void free_sent(void *data, void *hint)
{
    (void)hint;
    free(data);
}

/* Sends the RESULT packed in sb back along the QUERY's route (frames
 * [0, n-1)): the routing frames are moved and the buffer is handed to
 * ZeroMQ, which frees it once sent.  Nothing is copied. */
static void send_result(zloop_sock_t *zs, zmq_msg_t *frames, int n, msgpack_sbuffer *sb)
{
    zmq_msg_t out[4];
    size_t len = sb->size;
    char *buf = msgpack_sbuffer_release(sb);
    if (zmq_msg_init_data(&out[n - 1], buf, len, free_sent, NULL)) {
        log_error("cannot send a RESULT: %s", zmq_strerror(errno));
        free(buf);
        return;
    }
    for (int i = 0; i < n - 1; i++) {
        zmq_msg_init(&out[i]);
        zmq_msg_move(&out[i], &frames[i]);
    }
    zloop_send_frames(zs, out, n);
}

static void on_query(zloop_sock_t *zs, zmq_msg_t *frames, int n, void *ud)
{
    aggregator_t *a = ud;
    if (n < 2 || n > 4)
        return;
    proto_msg_t m, r;
    proto_error_t err = {0, ""};
    memset(&r, 0, sizeof r);
    r.type = PROTO_RESULT;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = proto_decode(zmq_msg_data(&frames[n - 1]), zmq_msg_size(&frames[n - 1]), &m, &err);
    if (rc == 0 && m.type != PROTO_QUERY)
        rc = proto_fail(&err, PROTO_E_TYPE, "this socket takes QUERY, not %s", proto_type_name(m.type));
    if (rc == 0) {
        /* The RESULT's head, then the answer packed right behind it as its
         * data: one buffer, no copy, no re-scan (see proto_pack_head()). */
        r.u.result.qid = m.u.query.qid;
        r.u.result.ok = true;
        rc = proto_pack_head(&pk, &r, true, &err);
        if (rc == 0)
            rc = !strcmp(m.u.query.what, "info") ? pack_info(a, &pk, &err)
                                                 : rollup_query(a->store, &m.u.query, clock_now(), &pk, &err);
        if (rc == 0 && sb.size > proto_type_max_bytes(PROTO_RESULT))
            rc = proto_fail(&err, PROTO_E_TOO_LARGE, "the RESULT of %zu bytes exceeds the limit of %zu", sb.size,
                            proto_type_max_bytes(PROTO_RESULT));
    }
    proto_msg_free(&m);
    a->queries++;
    if (rc) {
        a->failed_queries++;
        r.u.result.ok = false;
        snprintf(r.u.result.code, sizeof r.u.result.code, "%s", proto_err_code(rc));
        snprintf(r.u.result.message, sizeof r.u.result.message, "%s", err.message[0] ? err.message : proto_err_sentence(rc));
        msgpack_sbuffer_clear(&sb); /* whatever of the answer was packed */
        if (proto_pack_head(&pk, &r, false, &err)) {
            log_error("cannot encode a RESULT: %s", err.message);
            msgpack_sbuffer_destroy(&sb);
            return;
        }
    }
    send_result(zs, frames, n, &sb);
}

/* ------------------------------------------------------------------------
 * Start, signals, stop
 * ------------------------------------------------------------------------ */

static void stop(aggregator_t *a)
{
    if (a->zfeed)
        zloop_sock_close(a->zfeed, on_feed_closed);
    a->zfeed = NULL;
    a->feed = NULL;
    zloop_sock_close(&a->zquery, zloop_close_zsock);
    if (a->pub) {
        zmq_close(a->pub);
        a->pub = NULL;
    }
    service_loop_close(&a->svc);
    uv_close((uv_handle_t *)&a->pace, NULL);
}

static void on_stop_signal(service_loop_t *s, int signum)
{
    aggregator_t *a = s->data;
    a->stopping = true;
    log_info("signal %d: stopping (applied seq %llu)", signum, (unsigned long long)rollup_applied(a->store));
    if (!a->applying)
        stop(a);
}

static void on_hup(service_loop_t *s)
{
    aggregator_t *a = s->data;
    catalog_t *cat = service_load_catalog(config_get(a->cfg, "catalog", "dir", "deploy/catalog"));
    if (!cat) {
        log_error("SIGHUP: keeping the previous catalog");
        return;
    }
    bool changed = rollup_set_catalog(a->store, cat);
    /* The pool thread may still read the old catalog: free it after. */
    if (a->applying) {
        catalog_destroy(&a->old_cat);
        a->old_cat = a->cat;
    } else {
        catalog_destroy(&a->cat);
    }
    a->cat = cat;
    if (changed) {
        if (a->applying) {
            a->reset_pending = true;
        } else {
            char err[256];
            if (rollup_reset(a->store, err, sizeof err))
                log_error("reset failed: %s", err);
            else
                log_info("catalog layout changed: rollups reset, replaying the journal from seq 0");
        }
    }
}

static int aggregator_start(aggregator_t *a)
{
    char err[512];
    const config_t *cfg = a->cfg;
    const char *dir = config_get(cfg, "aggregator", "data_dir", "var/aggregator");
    const char *qep = config_get(cfg, "aggregator", "query_endpoint", "tcp://127.0.0.1:7102");
    const char *eep = config_get(cfg, "aggregator", "event_endpoint", "tcp://127.0.0.1:7103");
    a->feed_endpoint = config_get(cfg, "aggregator", "journal_endpoint",
                                  config_get(cfg, "collector", "journal_endpoint", "tcp://127.0.0.1:7101"));
    uint64_t map = (uint64_t)config_int(cfg, "aggregator", "map_size_mb", 2048) << 20;
    a->fetch_max = (int)config_int(cfg, "aggregator", "fetch_max", 2000);
    a->wait_ms = (int)config_int(cfg, "aggregator", "fetch_wait_ms", 2000);
    a->pause_ms = (int)config_int(cfg, "aggregator", "fetch_pause_ms", 50);

    bool rebuild = false;
    if (rollup_open(dir, map, a->cat, &a->store, &rebuild, err, sizeof err)) {
        log_error("%s", err);
        return -1;
    }
    if (rebuild) {
        log_warn("the catalog's layout differs from the one the rollups were built with: rebuilding from the journal");
        if (rollup_reset(a->store, err, sizeof err)) {
            log_error("%s", err);
            return -1;
        }
    }
    log_info("rollups %s: applied seq %llu", dir, (unsigned long long)rollup_applied(a->store));

    a->ctx = zmq_ctx_new();
    int linger = 0;
    a->query = zmq_socket(a->ctx, ZMQ_ROUTER);
    a->pub = zmq_socket(a->ctx, ZMQ_PUB);
    zmq_setsockopt(a->query, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(a->pub, ZMQ_LINGER, &linger, sizeof linger);
    int64_t maxmsg = 65536;
    zmq_setsockopt(a->query, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (zmq_bind(a->query, qep) || zmq_bind(a->pub, eep)) {
        log_error("cannot bind %s / %s: %s", qep, eep, zmq_strerror(errno));
        zmq_close(a->query);
        zmq_close(a->pub);
        a->query = a->pub = NULL;
        return -1;
    }
    zloop_sock_init(a->loop, &a->zquery, a->query, on_query, a);
    if (open_feed(a)) {
        zloop_sock_close(&a->zquery, zloop_close_zsock);
        return -1;
    }
    a->svc = (service_loop_t){.data = a, .on_stop = on_stop_signal, .on_reload = on_hup, .on_tick = on_tick};
    if (service_loop_start(&a->svc, a->loop, 250, 250)) {
        log_error("cannot install the signal handlers");
        return -1;
    }
    uv_timer_init(a->loop, &a->pace);
    a->pace.data = a;
    send_fetch(a);
    log_info("pulling the journal from %s; queries on %s; events on %s", a->feed_endpoint, qep, eep);
    return 0;
}

int main(int argc, char **argv)
{
    service_args_t args = {.name = "aggregator"};
    int rc = service_parse_args(argc, argv, &args, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    aggregator_t a;
    memset(&a, 0, sizeof a);
    if (service_load(&args, argc, argv, &a.cfg, &a.cat))
        return 1;
    signal(SIGPIPE, SIG_IGN);
    a.loop = uv_default_loop();
    int status = 0;
    if (aggregator_start(&a) == 0)
        uv_run(a.loop, UV_RUN_DEFAULT);
    else
        status = 1;
    if (service_loop_finish(a.loop)) /* let closing handles finish */
        log_warn("the loop still had open handles at exit");
    log_info("stopped: %lu records applied this run, applied seq %llu, %lu queries", a.applied_records,
             (unsigned long long)(a.store ? rollup_applied(a.store) : 0), a.queries);
    if (a.ctx)
        zmq_ctx_term(a.ctx);
    free(a.outcomes);
    rollup_close(&a.store);
    catalog_destroy(&a.old_cat);
    catalog_destroy(&a.cat);
    config_destroy(&a.cfg);
    return status;
}
