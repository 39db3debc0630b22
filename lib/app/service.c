#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "period.h"

static void usage(const char *name, const char *extra, const char *help)
{
    printf("usage: cchc-%s [--config FILE] [--now TIME] [--set SECTION.KEY=VALUE]... [-v]%s%s\n"
           "  --config FILE   INI configuration (see deploy/cchc.example.ini)\n"
           "  --now TIME      run on a simulated clock starting at TIME (ISO 8601); tests and demos only\n"
           "  --set S.K=V     override one configuration value\n"
           "  -v              log at debug level\n"
           "%s",
           name, extra ? " " : "", extra ? extra : "", help ? help : "");
}

int service_parse_args(int argc, char **argv, service_args_t *a, const char *extra_usage)
{
    a->nextra = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            usage(a->name, extra_usage, a->help);
            return 1;
        } else if (!strcmp(s, "--config") && i + 1 < argc) {
            a->config_path = argv[++i];
        } else if (!strcmp(s, "--now") && i + 1 < argc) {
            a->now = argv[++i];
        } else if (!strcmp(s, "--set") && i + 1 < argc) {
            i++; /* applied in service_load */
        } else if (!strcmp(s, "--insecure")) {
            a->insecure = true;
        } else if (!strcmp(s, "-v")) {
            a->verbose = true;
        } else if (!strcmp(s, "--config") || !strcmp(s, "--now") || !strcmp(s, "--set")) {
            /* the last argument, with no value after it */
            fprintf(stderr, "cchc-%s: %s needs a value\n", a->name, s);
            return 2;
        } else if (a->nextra < 32) {
            a->extra[a->nextra++] = argv[i];
        } else {
            fprintf(stderr, "cchc-%s: too many arguments\n", a->name);
            return 2;
        }
    }
    return 0;
}

catalog_t *service_load_catalog(const char *dir);

static void log_diag(void *ud, const char *file, int line, const char *msg)
{
    (void)ud;
    log_error("catalog %s:%d: %s", file, line, msg);
}

catalog_t *service_load_catalog(const char *dir)
{
    catalog_t *cat = NULL;
    int n = catalog_load(dir, &cat, log_diag, NULL);
    if (n) {
        log_error("catalog %s has %d problem(s); fix them and check with: cchc catalog check %s", dir, n, dir);
        return NULL;
    }
    log_info("catalog %s: %d units, %d indicators, %d datasets, %d targets, %d holidays", dir, cat->nunits,
             cat->ninds, cat->ndatasets, cat->ntargets, cat->nholidays);
    return cat;
}

int service_load(service_args_t *a, int argc, char **argv, config_t **cfg, catalog_t **cat)
{
    char err[512];
    log_init(a->name, a->verbose ? LOG_DEBUG : LOG_INFO);
    if (config_load(a->config_path, cfg, err, sizeof err)) {
        log_error("%s", err);
        return -1;
    }
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--set"))
            continue;
        int rc = config_override(*cfg, argv[++i]);
        if (rc) {
            log_error("--set '%s': %s", argv[i], rc == CONFIG_E_SYNTAX ? "wants SECTION.KEY=VALUE" : "out of memory");
            return -1;
        }
    }
    if (a->now) {
        int64_t t;
        if (time_parse_iso(a->now, &t)) {
            log_error("--now '%s' is not an ISO 8601 time such as 2025-09-08T09:00:00+07:00", a->now);
            return -1;
        }
        clock_simulate(t);
    }
    if (cat) {
        const char *dir = config_get(*cfg, "catalog", "dir", "deploy/catalog");
        *cat = service_load_catalog(dir);
        if (!*cat)
            return -1;
    }
    return 0;
}

/* ---- the loop's own handles ------------------------------------------- */

static void on_signal(uv_signal_t *h, int signum)
{
    service_loop_t *s = h->data;
    if (signum == SIGHUP) {
        if (s->on_reload)
            s->on_reload(s);
        return;
    }
    if (s->stopping)
        return;
    s->stopping = true;
    s->on_stop(s, signum);
}

static void on_tick(uv_timer_t *t)
{
    service_loop_t *s = t->data;
    s->on_tick(s);
}

int service_loop_start(service_loop_t *s, uv_loop_t *loop, uint64_t first_ms, uint64_t tick_ms)
{
    static const int signums[3] = {SIGTERM, SIGINT, SIGHUP};
    int rc = 0, started = 0; /* signal handles open */
    for (int i = 0; i < 3 && rc == 0; i++) {
        s->sig[i].data = s;
        if ((rc = uv_signal_init(loop, &s->sig[i])) == 0 && (rc = uv_signal_start(&s->sig[i], on_signal, signums[i])))
            uv_close((uv_handle_t *)&s->sig[i], NULL);
        else if (rc == 0)
            started++;
    }
    if (rc == 0) {
        s->tick.data = s;
        if ((rc = uv_timer_init(loop, &s->tick)) == 0 && s->on_tick && tick_ms &&
            (rc = uv_timer_start(&s->tick, on_tick, first_ms, tick_ms)))
            uv_close((uv_handle_t *)&s->tick, NULL);
    }
    if (rc) {
        for (int i = 0; i < started; i++)
            uv_close((uv_handle_t *)&s->sig[i], NULL);
        return rc;
    }
    s->open = true;
    return 0;
}

void service_loop_close(service_loop_t *s)
{
    if (!s->open)
        return;
    s->open = false;
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&s->sig[i], NULL);
    uv_close((uv_handle_t *)&s->tick, NULL);
}

int service_loop_finish(uv_loop_t *loop)
{
    uv_run(loop, UV_RUN_DEFAULT);
    return uv_loop_close(loop);
}
