/*
 * cmd_catalog.c -- `cchc catalog check DIR` and `cchc catalog units DIR`.
 *
 * `check` is what the person editing the spreadsheets runs: every problem on
 * its own line as FILE:LINE: sentence (stdout, so it can be piped to a pager
 * or grep), or one summary line when the catalog is sound.
 */
#include <stdio.h>
#include <string.h>

#include "catalog.h"
#include "cli.h"

static void usage(FILE *out)
{
    cli_usage(out, "cchc catalog check|units DIR");
    msg_line(out, MSG_CATALOG_HELP);
}

/* Always FILE:LINE:, line 0 for a problem with the whole file, so that one
 * pattern parses every line. */
static void print_problem(void *ud, const char *file, int line, const char *msg)
{
    (void)ud;
    printf("%s:%d: %s\n", file, line, msg);
}

static int load(const char *dir, catalog_t **c)
{
    int n = catalog_load(dir, c, print_problem, NULL);
    if (n > 0)
        fflush(stdout);
    return n;
}

static int do_check(const char *dir)
{
    catalog_t *c = NULL;
    if (load(dir, &c) > 0)
        return 1;
    msg_line(stdout, MSG_CATALOG_OK, c->nunits, c->ninds, c->ndatasets, c->ntargets, c->nholidays);
    catalog_destroy(&c);
    return 0;
}

/* In pre-order, so that a unit's sub-units follow it. */
static int do_units(const char *dir)
{
    catalog_t *c = NULL;
    if (load(dir, &c) > 0)
        return 1;
    for (int k = 0; k < c->nunits; k++) {
        const unit_t *u = &c->units[c->preorder[k]];
        printf("%s\t%s\t%s\n", u->code, u->kind, u->name);
    }
    catalog_destroy(&c);
    return 0;
}

int cmd_catalog(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        usage(stdout);
        return 0;
    }
    if (argc != 3) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "check"))
        return do_check(argv[2]);
    if (!strcmp(argv[1], "units"))
        return do_units(argv[2]);
    msg_fail("catalog", MSG_ACTION_UNKNOWN, argv[1]);
    usage(stderr);
    return 2;
}
