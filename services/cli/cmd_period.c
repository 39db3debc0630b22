/*
 * cmd_period.c -- `cchc period due [--catalog DIR] [--dataset CODE] PERIOD`.
 *
 * Prints the deadline of a reporting period as an ISO 8601 instant in local
 * time (2025-09-10T00:00:00+07:00).  With a catalog the dataset's due rule
 * and the catalog's holidays apply; without one, the default rule of the
 * seeds ("before the 10th", rolled past weekends).  The catalog is looked
 * for in --catalog, then $CCHC_CATALOG, then ./deploy/catalog, so that the
 * command gives the deployed answer when run from the source tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calendar.h"
#include "catalog.h"
#include "cli.h"
#include "period.h"

#define DEFAULT_DUE_DAY 10
#define DEFAULT_CATALOG "deploy/catalog"

typedef struct {
    const char *catalog; /* NULL: no catalog named on the command line */
    const char *dataset; /* NULL: pick one by the period's type */
    const char *period;
} due_args_t;

static void usage(FILE *out)
{
    cli_usage(out, "cchc period due [--catalog DIR] [--dataset CODE] PERIOD");
    msg_line(out, MSG_PERIOD_HELP, DEFAULT_CATALOG);
}

/* Reads "--name VALUE" or "--name=VALUE" at argv[*i].  Returns 1 when argv[*i]
 * is that option (advancing *i past its value), 0 when it is not, -1 when the
 * value is missing or empty. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **val)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return 0;
    if (argv[*i][n] == '=') {
        *val = argv[*i] + n + 1;
    } else if (argv[*i][n] == '\0' && *i + 1 < argc) {
        *val = argv[++*i];
    } else if (argv[*i][n] == '\0') {
        *val = NULL;
    } else {
        return 0; /* "--catalogue": some other, unknown option */
    }
    if (*val == NULL || **val == '\0') {
        msg_fail("period", MSG_OPTION_NEEDS_VALUE, name);
        return -1;
    }
    return 1;
}

/* Returns 0, 1 when help was printed, or 2 on a usage error (reported). */
static int parse_due_args(int argc, char **argv, due_args_t *a)
{
    bool options = true;

    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        int r;

        if (options && (!strcmp(arg, "-h") || !strcmp(arg, "--help"))) {
            usage(stdout);
            return 1;
        }
        if (options && !strcmp(arg, "--")) {
            options = false;
            continue;
        }
        if (options && arg[0] == '-' && arg[1] != '\0') {
            if ((r = option_value(argc, argv, &i, "--catalog", &a->catalog)) == 0)
                r = option_value(argc, argv, &i, "--dataset", &a->dataset);
            if (r < 0)
                return 2;
            if (r == 0) {
                msg_fail("period", MSG_OPTION_UNKNOWN, arg);
                return 2;
            }
            continue;
        }
        if (a->period != NULL) {
            msg_fail("period", MSG_ARGUMENT_UNEXPECTED, arg);
            return 2;
        }
        a->period = arg;
    }
    if (a->period == NULL) {
        msg_fail("period", MSG_OPTION_MISSING, "PERIOD", msg(MSG_WHAT_PERIOD));
        return 2;
    }
    return 0;
}

/* $CCHC_CATALOG, else ./deploy/catalog when it is a directory, else NULL. */
static const char *default_catalog(void)
{
    const char *env = getenv("CCHC_CATALOG");
    struct stat st;

    if (env != NULL && env[0] != '\0')
        return env;
    if (stat(DEFAULT_CATALOG, &st) == 0 && S_ISDIR(st.st_mode))
        return DEFAULT_CATALOG;
    return NULL;
}

/* The dataset named by `code`, else the first whose period type is p's, else
 * the first.  Returns its index, or -1 after reporting why there is none. */
static int pick_dataset(const catalog_t *c, const char *dir, const char *code, period_t p)
{
    int ds;

    if (code != NULL) {
        if ((ds = catalog_dataset(c, code)) < 0)
            msg_fail("period", MSG_DATASET_NOT_IN_CATALOG, code, dir);
        return ds;
    }
    if (c->ndatasets <= 0) {
        msg_fail("period", MSG_CATALOG_NO_DATASET, dir);
        return -1;
    }
    for (ds = 0; ds < c->ndatasets; ds++)
        if (c->datasets[ds].ptype == (period_type_t)p.type)
            return ds;
    return 0;
}

/* Loads the catalog in `dir` and computes the deadline.  Returns 0 or 1. */
static int due_from_catalog(const char *dir, const char *code, period_t p, int64_t *t)
{
    catalog_t *c = cli_catalog("period", dir, false);
    int ds;

    if (c == NULL)
        return 1;
    ds = pick_dataset(c, dir, code, p);
    if (ds >= 0)
        *t = catalog_deadline(c, ds, p);
    catalog_destroy(&c);
    return ds >= 0 ? 0 : 1;
}

static int period_due(int argc, char **argv)
{
    due_args_t a;
    period_t p;
    int64_t t = 0;
    char buf[32];
    int r = parse_due_args(argc, argv, &a);

    if (r != 0)
        return r == 1 ? 0 : r;
    if (period_parse(a.period, &p) != 0) {
        msg_fail("period", MSG_PERIOD_INVALID, a.period);
        return 1;
    }
    if (a.catalog == NULL)
        a.catalog = default_catalog();
    if (a.catalog == NULL && a.dataset != NULL) {
        msg_fail("period", MSG_PERIOD_DATASET_NEEDS_CATALOG, DEFAULT_CATALOG);
        return 2;
    }
    if (a.catalog == NULL)
        t = calendar_deadline(NULL, p, DEFAULT_DUE_DAY, true);
    else if (due_from_catalog(a.catalog, a.dataset, p, &t) != 0)
        return 1;
    /* An empty string means the catalog's due day was out of range. */
    if (time_format_iso(t, buf, sizeof buf)[0] == '\0') {
        msg_fail("period", MSG_PERIOD_NO_DEADLINE, a.period);
        return 1;
    }
    printf("%s\n", buf);
    /* A deadline that never reached its reader (full disk, closed pipe) is a failure. */
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

int cmd_period(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "due"))
        return period_due(argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc >= 2)
        msg_fail("period", MSG_ACTION_UNKNOWN, argv[1]);
    usage(stderr);
    return 2;
}
