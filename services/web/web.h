/*
 * web.h -- cchc-web, the application: what every page can reach.
 *
 * One libuv loop drives the HTTP layer (http.h), the aggregator's EVENT
 * feed (SUB socket through zloop) and timers.  Every page is produced
 * synchronously from QUERY answers (agg.h, with a short timeout); nothing
 * is written anywhere.  A handler finds the application with web_of(r).
 */
#ifndef CCHC_WEB_WEB_H
#define CCHC_WEB_WEB_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "agg.h"
#include "auth.h"
#include "gateway.h"
#include "service.h"
#include "catalog.h"
#include "config.h"
#include "http.h"
#include "zloop.h"

typedef struct {
    uv_loop_t *loop;
    config_t *cfg;
    catalog_t *cat;             /* replaced on SIGHUP: do not keep it across requests */
    void *zctx;
    http_t http;
    agg_t agg;
    void *sub;                  /* the aggregator's EVENTs */
    zloop_sock_t zsub;
    service_loop_t svc;     /* signals */
    bool stopping;
    int64_t started;            /* Unix seconds */
    /* EVENTs seen, for metrics */
    unsigned long events_received, events_on_time, events_late, events_corrections;
    int64_t last_event_delay;   /* seconds between collector receipt and the EVENT */
    uint64_t last_event_seq;
    /* accounts ([web] accounts = yes; NULL otherwise) */
    users_t *users;
    bool secure_cookies;
    auth_fail_t fails[AUTH_FAIL_SLOTS];
    /* the gateway key ([web] gateway_key; NULL: data entry is off) */
    gateway_t *gw;
} web_t;

/* The application a request belongs to. */
static inline web_t *web_of(const req_t *r) { return r->h->cfg.app; }

/* The route table (routes.c): every page and its /api/ twin. */
extern const http_route_t web_routes[];
extern const int web_nroutes;
/* true for the paths that take a form (POST): routes.c WEB_FORMS */
bool web_takes_form(const char *path);

#endif
