/*
 * cchc report --config FILE [--set S.K=V ...] [--node CODE] [--dataset CODE] --from P [--to P]
 *             [--format xlsx|csv|md] [-o FILE]
 *
 * The consolidated report ("Thống kê tuyên truyền cải cách hành chính"):
 * indicators x periods with a total, from the aggregator's rollups (the same
 * builder as the web's XLSX/CSV downloads, lib/app/report.c).
 * Without -o, csv and md go to stdout; xlsx needs -o.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cli.h"
#include "client.h"
#include "config.h"
#include "report.h"

typedef struct {
    void *ctx;
    const char *endpoint;
    int timeout_ms;
} report_cli_t;

static int cli_query(void *ud, const proto_query_t *q, client_answer_t *a, proto_error_t *err)
{
    report_cli_t *c = ud;
    return client_ask(c->ctx, c->endpoint, c->timeout_ms, q, a, err);
}

static const char usage_text[] =
    "cchc report --config FILE [--set S.K=V ...] [--node CODE] [--dataset CODE] --from PERIOD [--to PERIOD]\n"
    "                   [--format xlsx|csv|md] [-o FILE]";

typedef struct {
    cli_config_args_t conf;
    const char *node, *dataset, *from, *to, *format, *out;
} report_args_t;

enum { OPT_NODE = 1, OPT_DATASET, OPT_FROM, OPT_TO, OPT_FORMAT };

/* Returns 0, 1 after --help, or 2 after a usage error (said). */
static int parse_args(int argc, char **argv, report_args_t *a)
{
    static const struct option opts[] = {CLI_CONFIG_OPTIONS,
                                         {"node", required_argument, NULL, OPT_NODE},
                                         {"dataset", required_argument, NULL, OPT_DATASET},
                                         {"from", required_argument, NULL, OPT_FROM},
                                         {"to", required_argument, NULL, OPT_TO},
                                         {"format", required_argument, NULL, OPT_FORMAT},
                                         {"output", required_argument, NULL, 'o'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (ch) {
        case CLI_OPT_CONFIG:
        case CLI_OPT_SET:
            if (cli_config_option("report", &a->conf, ch, optarg))
                return 2;
            break;
        case OPT_NODE: a->node = optarg; break;
        case OPT_DATASET: a->dataset = optarg; break;
        case OPT_FROM: a->from = optarg; break;
        case OPT_TO: a->to = optarg; break;
        case OPT_FORMAT: a->format = optarg; break;
        case 'o': a->out = optarg; break;
        case 'h':
            cli_usage(stdout, usage_text);
            msg_line(stdout, MSG_REPORT_HELP);
            return 1;
        default: return cli_bad_option("report", ch, argv, usage_text);
        }
    }
    if (optind < argc) {
        msg_fail("report", MSG_ARGUMENT_UNEXPECTED, argv[optind]);
        cli_usage(stderr, usage_text);
        return 2;
    }
    if (!a->from)
        return cli_missing("report", "--from", MSG_WHAT_PERIOD, usage_text);
    return 0;
}

/* The format: --format, else the extension of -o, else md.  Returns 0, or 2
 * after saying what is wrong. */
static int pick_format(report_args_t *a)
{
    if (!a->format) {
        const char *dot = a->out ? strrchr(a->out, '.') : NULL;
        a->format = dot && (!strcmp(dot, ".xlsx") || !strcmp(dot, ".csv") || !strcmp(dot, ".md")) ? dot + 1 : "md";
    }
    if (strcmp(a->format, "xlsx") && strcmp(a->format, "csv") && strcmp(a->format, "md")) {
        msg_fail("report", MSG_FORMAT_INVALID, a->format, "xlsx, csv, md");
        return 2;
    }
    if (!strcmp(a->format, "xlsx") && (!a->out || !strcmp(a->out, "-"))) {
        msg_fail("report", MSG_REPORT_XLSX_NEEDS_FILE);
        return 2;
    }
    return 0;
}

/* Writes the built report as a->format.  Returns 0 or 1 (said). */
static int write_report(const report_t *r, const report_args_t *a)
{
    char err[512];
    if (!strcmp(a->format, "xlsx")) {
        if (report_write_xlsx(r, a->out, err, sizeof err) == 0)
            return 0;
        msg_fail("report", MSG_REPORT_FAILED, err);
        return 1;
    }
    FILE *f = a->out && strcmp(a->out, "-") ? fopen(a->out, "w") : stdout;
    int w = -1;
    if (f) {
        w = !strcmp(a->format, "csv") ? report_write_csv(r, f) : report_write_md(r, f);
        if (f != stdout && fclose(f))
            w = -1;
    }
    if (w)
        msg_fail("report", MSG_CANNOT_WRITE, a->out ? a->out : "stdout");
    return w ? 1 : 0;
}

int cmd_report(int argc, char **argv)
{
    report_args_t a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    if ((rc = pick_format(&a)))
        return rc;
    config_t *cfg = NULL;
    if ((rc = cli_config_load("report", &a.conf, &cfg)))
        return rc;
    catalog_t *cat = cli_catalog("report", cli_catalog_dir(cfg), false);
    if (!cat) {
        config_destroy(&cfg);
        return 1;
    }
    report_cli_t c = {zmq_ctx_new(), cli_aggregator(cfg), (int)config_int(cfg, "client", "timeout_ms", 2500)};
    report_t r;
    char err[512];
    if (report_build(&r, cat, a.node, a.dataset, a.from, a.to, cli_query, &c, NULL, err, sizeof err)) {
        msg_fail("report", MSG_REPORT_FAILED, err);
        rc = 1;
    } else {
        rc = write_report(&r, &a);
    }
    report_free(&r);
    zmq_ctx_term(c.ctx);
    catalog_destroy(&cat);
    config_destroy(&cfg);
    return rc;
}
