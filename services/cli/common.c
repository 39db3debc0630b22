/*
 * common.c -- what the `cchc` subcommands share: the configuration with its
 * --set overrides, the catalog, and the sentences about options.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_config_option(const char *cmd, cli_config_args_t *a, int opt, const char *value)
{
    if (opt == CLI_OPT_CONFIG) {
        a->path = value;
        return 0;
    }
    if (a->nsets == CLI_SETS_MAX) {
        msg_fail(cmd, MSG_SET_TOO_MANY, CLI_SETS_MAX);
        return 2;
    }
    a->sets[a->nsets++] = value;
    return 0;
}

int cli_config_load(const char *cmd, const cli_config_args_t *a, config_t **cfg)
{
    char err[512];
    if (config_load(a->path, cfg, err, sizeof err)) {
        msg_fail(cmd, MSG_CONFIG_UNREADABLE, err);
        return 2;
    }
    for (int i = 0; i < a->nsets; i++) {
        int rc = config_override(*cfg, a->sets[i]);
        if (rc == 0)
            continue;
        if (rc == CONFIG_E_SYNTAX) {
            msg_fail(cmd, MSG_SET_SYNTAX, a->sets[i]);
            /* `--set IND=VALUE` was how submit took a value: say where it went. */
            if (strcmp(cmd, "submit") == 0 && strchr(a->sets[i], '='))
                msg_fail(cmd, MSG_SET_VALUE_HINT, a->sets[i]);
        } else {
            msg_fail(cmd, MSG_OUT_OF_MEMORY);
        }
        config_destroy(cfg);
        return 2;
    }
    return 0;
}

const char *cli_catalog_dir(const config_t *cfg)
{
    return config_get(cfg, "catalog", "dir", "deploy/catalog");
}

const char *cli_aggregator(const config_t *cfg)
{
    return config_get(cfg, "client", "aggregator",
                      config_get(cfg, "aggregator", "query_endpoint", "tcp://127.0.0.1:7102"));
}

/* The catalog's own sentences (English, catalog.c) with their place. */
static void print_problem(void *ud, const char *file, int line, const char *text)
{
    fprintf(stderr, "%s/%s:%d: %s\n", (const char *)ud, file ? file : "?", line, text ? text : "");
}

catalog_t *cli_catalog(const char *cmd, const char *dir, bool quiet)
{
    catalog_t *cat = NULL;
    int n = catalog_load(dir, &cat, quiet ? NULL : print_problem, (void *)dir);
    if (n == 0)
        return cat;
    if (!quiet)
        msg_fail(cmd, MSG_CATALOG_UNUSABLE, dir, n, dir);
    catalog_destroy(&cat);
    return NULL;
}

void cli_usage(FILE *f, const char *usage)
{
    fprintf(f, "%s %s\n", msg(MSG_USAGE), usage);
}

int cli_bad_option(const char *cmd, int ch, char **argv, const char *usage)
{
    msg_fail(cmd, ch == ':' ? MSG_OPTION_NEEDS_VALUE : MSG_OPTION_UNKNOWN, argv[optind - 1]);
    cli_usage(stderr, usage);
    return 2;
}

int cli_missing(const char *cmd, const char *option, msg_id_t what, const char *usage)
{
    msg_fail(cmd, MSG_OPTION_MISSING, option, msg(what));
    cli_usage(stderr, usage);
    return 2;
}

void cli_refusal(FILE *f, msg_id_t id, const char *code, const char *sentence)
{
    msg_line(f, id, code, msg_explain(code), sentence);
}

const char *cli_period_type(period_type_t t)
{
    switch (t) {
    case PERIOD_MONTH: return msg(MSG_PT_MONTH);
    case PERIOD_QUARTER: return msg(MSG_PT_QUARTER);
    case PERIOD_HALF: return msg(MSG_PT_HALF);
    case PERIOD_YEAR: return msg(MSG_PT_YEAR);
    default: return "?";
    }
}

void cli_retry_notice(const char *endpoint, int timeout_ms, int attempt, int retries)
{
    msg_line(stderr, MSG_RETRYING, endpoint, timeout_ms, attempt, retries);
}
