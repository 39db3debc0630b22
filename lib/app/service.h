/*
 * service.h -- what every service's main() does the same way: parse the
 * common flags, load the configuration and the catalog, install signal
 * handlers on the loop, close them again.
 */
#ifndef CCHC_SERVICE_H
#define CCHC_SERVICE_H

#include <stdbool.h>
#include <uv.h>

#include "catalog.h"
#include "config.h"

typedef struct {
    const char *name;        /* "collector" */
    const char *config_path; /* --config FILE */
    const char *now;         /* --now TIME */
    const char *help;        /* the program's own options, one "  --opt  what it does\n" line each (--help) */
    bool insecure;           /* --insecure */
    bool verbose;            /* -v */
    int nextra;              /* remaining arguments */
    char *extra[32];
} service_args_t;

/* Parses --config FILE, --now TIME, --insecure, -v and --set SECTION.KEY=VALUE
 * (overrides, applied by service_load).  Prints usage and returns 2 on a
 * usage error, 1 after --help, 0 otherwise. */
int service_parse_args(int argc, char **argv, service_args_t *a, const char *extra_usage);

/* Loads the configuration (with the --set overrides), starts the simulated
 * clock when --now was given, and loads the catalog from [catalog] dir
 * (default deploy/catalog).  Prints problems and returns -1 on failure. */
int service_load(service_args_t *a, int argc, char **argv, config_t **cfg /* OUT */, catalog_t **cat /* OUT */);

/* Loads the catalog at `dir`, logging every problem.  NULL on failure. */
catalog_t *service_load_catalog(const char *dir);

/* The handles every service keeps on its loop: SIGTERM and SIGINT (stop),
 * SIGHUP (reload) and a periodic tick.  The service allocates it inside its
 * own struct, sets the callbacks and data, and calls service_loop_start();
 * service_loop_close() closes every handle (a harmless no-op the second
 * time), after which the loop can run to its end. */
typedef struct service_loop service_loop_t;
struct service_loop {
    void *data;                                     /* the service's own struct */
    void (*on_stop)(service_loop_t *s, int signum); /* the first SIGTERM or SIGINT */
    void (*on_reload)(service_loop_t *s);           /* SIGHUP; NULL: ignored */
    void (*on_tick)(service_loop_t *s);             /* every tick_ms; NULL: no tick */
    bool stopping;                                  /* set before on_stop is called */
    /* private */
    uv_signal_t sig[3];
    uv_timer_t tick;
    bool open;
};

/* Installs the signal handlers and starts the tick on loop: first after
 * first_ms, then every tick_ms.  Returns 0 or a libuv error (nothing is then
 * left open). */
int service_loop_start(service_loop_t *s, uv_loop_t *loop, uint64_t first_ms, uint64_t tick_ms);
void service_loop_close(service_loop_t *s);

/* Runs loop until every handle is closed, then closes it.  Returns
 * uv_loop_close()'s result: 0, or UV_EBUSY when a handle was leaked. */
int service_loop_finish(uv_loop_t *loop);

#endif
