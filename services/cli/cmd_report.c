/*
 * cchc report --config FILE [--node CODE] [--dataset CODE] --from P [--to P]
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
#include "log.h"
#include "report.h"
#include "service.h"

typedef struct {
    void *ctx;
    const char *endpoint;
    int timeout_ms;
} report_cli_t;

static json_t *cli_query(void *ud, const proto_query_t *q, char *err, size_t errlen)
{
    report_cli_t *c = ud;
    return client_query(c->ctx, c->endpoint, c->timeout_ms, q, err, errlen);
}

static void report_usage(FILE *f)
{
    fprintf(f, "usage: cchc report --config FILE [--node CODE] [--dataset CODE] --from PERIOD [--to PERIOD]\n"
               "                   [--format xlsx|csv|md] [-o FILE]\n"
               "  the consolidated report: indicators x periods (2025Q1..2025Q4, 2024..2025) with a total\n");
}

int cmd_report(int argc, char **argv)
{
    const char *cfgpath = NULL, *node = NULL, *dataset = NULL, *from = NULL, *to = NULL, *format = NULL,
               *out = NULL;
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"node", required_argument, NULL, 'n'},
        {"dataset", required_argument, NULL, 'd'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},     {"format", required_argument, NULL, 'F'},
        {"output", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': cfgpath = optarg; break;
        case 'n': node = optarg; break;
        case 'd': dataset = optarg; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'F': format = optarg; break;
        case 'o': out = optarg; break;
        case 'h': report_usage(stdout); return 0;
        default: report_usage(stderr); return 2;
        }
    }
    if (optind < argc || !from) {
        report_usage(stderr);
        return 2;
    }
    if (!format) {
        const char *dot = out ? strrchr(out, '.') : NULL;
        format = dot && (!strcmp(dot, ".xlsx") || !strcmp(dot, ".csv") || !strcmp(dot, ".md")) ? dot + 1 : "md";
    }
    if (strcmp(format, "xlsx") && strcmp(format, "csv") && strcmp(format, "md")) {
        fprintf(stderr, "cchc report: --format must be xlsx, csv or md\n");
        return 2;
    }
    if (!strcmp(format, "xlsx") && (!out || !strcmp(out, "-"))) {
        fprintf(stderr, "cchc report: --format xlsx needs -o FILE.xlsx\n");
        return 2;
    }
    log_init("cli", LOG_WARN);
    config_t *cfg = NULL;
    char err[512];
    if (config_load(cfgpath, &cfg, err, sizeof err)) {
        fprintf(stderr, "cchc report: %s\n", err);
        return 1;
    }
    catalog_t *cat = service_load_catalog(config_get(cfg, "catalog", "dir", "deploy/catalog"));
    if (!cat) {
        config_destroy(&cfg);
        return 1;
    }
    report_cli_t c = {zmq_ctx_new(), config_get(cfg, "client", "aggregator", "tcp://127.0.0.1:7102"),
                      (int)config_int(cfg, "client", "timeout_ms", 2500)};
    report_t r;
    int rc = 0;
    if (report_build(&r, cat, node, dataset, from, to, cli_query, &c, NULL, err, sizeof err)) {
        fprintf(stderr, "cchc report: %s\n", err);
        rc = 1;
    } else if (!strcmp(format, "xlsx")) {
        if (report_write_xlsx(&r, out, err, sizeof err)) {
            fprintf(stderr, "cchc report: %s\n", err);
            rc = 1;
        }
    } else {
        FILE *f = out && strcmp(out, "-") ? fopen(out, "w") : stdout;
        if (!f) {
            perror(out);
            rc = 1;
        } else {
            int w = !strcmp(format, "csv") ? report_write_csv(&r, f) : report_write_md(&r, f);
            if (f != stdout && fclose(f))
                w = -1;
            if (w) {
                fprintf(stderr, "cchc report: cannot write %s\n", out ? out : "stdout");
                rc = 1;
            }
        }
    }
    report_free(&r);
    zmq_ctx_term(c.ctx);
    catalog_destroy(&cat);
    config_destroy(&cfg);
    return rc;
}
