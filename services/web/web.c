/*
 * web.c -- cchc-web: the central office's dashboard, JSON API and /metrics.
 *
 * main() reads [web], starts the HTTP layer with the route table
 * (routes.c), and subscribes to the aggregator's EVENTs, which are pushed
 * to the Server-Sent-Events clients.  SIGTERM/SIGINT stop it; SIGHUP
 * reloads the catalog.  The layout of the code: docs/web.md.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "clock.h"
#include "log.h"
#include "service.h"
#include "web.h"

/* ------------------------------------------------------------------------
 * EVENTs from the aggregator
 * ------------------------------------------------------------------------ */

static void on_event(zloop_sock_t *zs, zmq_msg_t *frames, int n, void *ud)
{
    web_t *w = ud;
    (void)zs;
    if (n != 2)
        return;
    proto_msg_t m;
    proto_error_t err;
    if (proto_decode(zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), &m, &err) || m.type != PROTO_EVENT) {
        proto_msg_free(&m);
        return;
    }
    const proto_event_t *e = &m.u.event;
    w->events_received++;
    if (e->version == 1) {
        if (e->on_time)
            w->events_on_time++;
        else
            w->events_late++;
    } else {
        w->events_corrections++;
    }
    w->last_event_seq = e->seq;
    w->last_event_delay = clock_now() - e->received_at;
    w->agg.up = true;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:b}", "seq", (json_int_t)e->seq, "unit", e->unit,
                          "submitter", e->submitter, "dataset", e->dataset, "period", e->period, "version",
                          (json_int_t)e->version, "received_at", (json_int_t)e->received_at, "on_time", e->on_time);
    char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (s) {
        buf_t b = {0};
        buf_printf(&b, "id: %llu\nevent: applied\ndata: %s\n\n", (unsigned long long)e->seq, s);
        if (b.p)
            http_broadcast(&w->http, e->unit, b.p);
        buf_free(&b);
        free(s);
    }
    json_decref(j);
    proto_msg_free(&m);
}

static int subscribe_events(web_t *w, const char *events)
{
    w->sub = zmq_socket(w->zctx, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt(w->sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(w->sub, ZMQ_SUBSCRIBE, "", 0);
    int64_t maxmsg = 65536;
    zmq_setsockopt(w->sub, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (zmq_connect(w->sub, events)) {
        log_error("cannot connect to the aggregator's events %s: %s", events, zmq_strerror(errno));
        zmq_close(w->sub);
        w->sub = NULL;
        return -1;
    }
    zloop_sock_init(w->loop, &w->zsub, w->sub, on_event, w);
    return 0;
}

/* ------------------------------------------------------------------------
 * Start and stop
 * ------------------------------------------------------------------------ */

static void web_stop(web_t *w)
{
    if (w->stopping)
        return;
    w->stopping = true;
    log_info("stopping");
    http_stop(&w->http);
    service_loop_close(&w->svc);
    if (w->sub)
        zloop_sock_close(&w->zsub, zloop_close_zsock);
    w->sub = NULL;
}

static void on_signal(service_loop_t *s, int signum)
{
    (void)signum;
    web_stop(s->data);
}

/* SIGHUP: reload the catalog (a broken one is refused, the old one kept).
 * Everything runs on this one thread, so the swap is safe. */
static void on_hup(service_loop_t *s)
{
    web_t *w = s->data;
    catalog_t *cat = service_load_catalog(config_get(w->cfg, "catalog", "dir", "deploy/catalog"));
    if (!cat) {
        log_error("SIGHUP: keeping the previous catalog");
        return;
    }
    catalog_destroy(&w->cat);
    w->cat = cat;
}

static int web_start(web_t *w)
{
    const config_t *cfg = w->cfg;
    const char *aggregator = config_get(cfg, "web", "aggregator",
                                        config_get(cfg, "aggregator", "query_endpoint", "tcp://127.0.0.1:7102"));
    const char *events = config_get(cfg, "web", "events",
                                    config_get(cfg, "aggregator", "event_endpoint", "tcp://127.0.0.1:7103"));
    http_config_t hc = {
        .listen = config_get(cfg, "web", "listen", "127.0.0.1:8080"),
        .timeout_s = (int)config_int(cfg, "web", "timeout_s", 15),
        .header_timeout_s = (int)config_int(cfg, "web", "header_timeout_s", 10),
        .max_connections = (int)config_int(cfg, "web", "max_connections", 256),
        .token = config_get(cfg, "web", "token", NULL),
        .en = !strcmp(config_get(cfg, "web", "lang", "vi"), "en"),
        .routes = web_routes,
        .nroutes = web_nroutes,
        .error = layout_error,
        .gate = auth_gate,
        .sse_filter = {auth_sse_open, auth_sse_may, auth_sse_close},
        .app = w,
    };
    if (config_bool(cfg, "web", "accounts", false)) {
        users_options_t uo;
        char err[256];
        users_options(cfg, &uo);
        if (users_open(&uo, &w->users, err, sizeof err)) {
            log_error("[web] accounts = yes, but the users store %s cannot be opened: %s", uo.dir, err);
            return -1;
        }
        hc.allow_post = true;
        w->secure_cookies = config_bool(cfg, "web", "secure_cookies", false);
    }
    w->zctx = zmq_ctx_new();
    if (w->users) {
        char err[512];
        if (gateway_open(cfg, w->zctx, &w->gw, err, sizeof err)) {
            log_error("[web] gateway_key: %s", err);
            return -1;
        }
    }
    agg_init(&w->agg, w->zctx, aggregator, (int)config_int(cfg, "web", "query_timeout_ms", 1000));
    if (http_start(&w->http, w->loop, &hc))
        return -1;
    subscribe_events(w, events);
    w->svc = (service_loop_t){.data = w, .on_stop = on_signal, .on_reload = on_hup};
    if (service_loop_start(&w->svc, w->loop, 0, 0)) {
        log_error("cannot install the signal handlers");
        return -1;
    }
    log_info("listening on http://%s/ (aggregator %s, events %s%s%s%s%s)", hc.listen, aggregator, events,
             hc.token && *hc.token ? ", bearer token required" : "", w->users ? ", accounts" : "",
             w->gw ? ", data entry through the gateway key to " : "", gateway_endpoint(w->gw));
    return 0;
}

int main(int argc, char **argv)
{
    service_args_t args = {.name = "web"};
    int rc = service_parse_args(argc, argv, &args, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    static web_t w;
    if (service_load(&args, argc, argv, &w.cfg, &w.cat))
        return 1;
    signal(SIGPIPE, SIG_IGN);
    w.loop = uv_default_loop();
    w.started = clock_now();
    int status = 0;
    if (web_start(&w) == 0) {
        uv_run(w.loop, UV_RUN_DEFAULT);
    } else {
        status = 1;
        w.stopping = true;
    }
    uv_run(w.loop, UV_RUN_DEFAULT); /* let closing handles finish */
    http_destroy(&w.http);
    if (w.sub)
        zmq_close(w.sub);
    agg_close(&w.agg);
    if (w.zctx)
        zmq_ctx_term(w.zctx);
    if (uv_loop_close(w.loop))
        log_warn("the loop still had open handles at exit");
    gateway_close(&w.gw);
    users_close(&w.users);
    catalog_destroy(&w.cat);
    config_destroy(&w.cfg);
    log_info("stopped");
    return status;
}
