/*
 * service.h -- what every service's main() does the same way: parse the
 * common flags, load the configuration and the catalog, install signal
 * handlers on the loop.
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

#endif
