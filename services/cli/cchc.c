/*
 * cchc.c -- entry point of the `cchc` command-line tool.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *usage;
} command_t;

static const command_t commands[] = {
    {"catalog", cmd_catalog, "catalog check DIR                 validate a catalog directory"},
    {"proto", cmd_proto, "proto spec|decode FILE          print the protocol tables / decode a message"},
    {"keygen", cmd_keygen, "keygen --unit CODE | --server     make a CURVE key pair (and keyring entry)"},
    {"submit", cmd_submit, "submit --config F --unit U --dataset D --period P (--set I=V ... | FILE.csv | FILE.json)"},
    {"rollup", cmd_query, "rollup --config F --node U --period P [--format table|csv|json]"},
    {"status", cmd_query, "status --config F --node U --period P   completeness: on time, late, missing"},
    {"units", cmd_query, "units --config F --node U --period P    every unit's report status"},
    {"values", cmd_query, "values --config F --node U --period P   one unit's latest values"},
    {"history", cmd_query, "history --config F --node U --period P  versions of one unit's report"},
    {"targets", cmd_query, "targets --config F --node U --period P  progress against targets"},
    {"info", cmd_query, "info --config F                         the aggregator's state"},
    {"report", cmd_report, "report --config F [--node U] [--dataset D] --from P [--to P] [--format xlsx|csv|md] [-o FILE]"},
    {"period", cmd_period, "period due [--catalog DIR] [--dataset CODE] PERIOD   print a deadline"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: cchc COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  cchc %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "cchc: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
