/*
 * cchc.c -- entry point of the `cchc` command-line tool.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "client.h"

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *synopsis;
    msg_id_t what;
} command_t;

static const command_t commands[] = {
    {"catalog", cmd_catalog, "catalog check|units DIR", MSG_CMD_CATALOG},
    {"proto", cmd_proto, "proto spec|decode FILE", MSG_CMD_PROTO},
    {"keygen", cmd_keygen, "keygen --unit CODE [--config F | --catalog DIR] | --server", MSG_CMD_KEYGEN},
    {"template", cmd_template, "template --config F --unit U --dataset D --period P [-o FILE]", MSG_CMD_TEMPLATE},
    {"submit", cmd_submit, "submit --config F --unit U --dataset D --period P (--value I=V ... | --file FILE)",
     MSG_CMD_SUBMIT},
    {"decide", cmd_decide,
     "decide approve|return|extend|silence|unsilence --config F --unit U --dataset D --period P [--version N] "
     "[--due YYYY-MM-DD] [--note TEXT]",
     MSG_CMD_DECIDE},
    {"rollup", cmd_query, "rollup --config F --node U --period P [--dataset D]", MSG_CMD_ROLLUP},
    {"status", cmd_query, "status --config F --node U --period P [--dataset D]", MSG_CMD_STATUS},
    {"units", cmd_query, "units --config F --node U --period P [--dataset D]", MSG_CMD_UNITS},
    {"values", cmd_query, "values --config F --node U --period P [--dataset D]", MSG_CMD_VALUES},
    {"history", cmd_query, "history --config F --node U --period P [--dataset D]", MSG_CMD_HISTORY},
    {"targets", cmd_query, "targets --config F --node U --period P", MSG_CMD_TARGETS},
    {"info", cmd_query, "info --config F", MSG_CMD_INFO},
    {"report", cmd_report, "report --config F [--node U] [--dataset D] --from P [--to P] [--format xlsx|csv|md] [-o F]",
     MSG_CMD_REPORT},
    {"period", cmd_period, "period due [--catalog DIR] [--dataset CODE] PERIOD", MSG_CMD_PERIOD},
    {"user", cmd_user, "user add|passwd|disable|enable|roles|list|audit ... --config F (cchc user --help)",
     MSG_CMD_USER},
};

static void usage(FILE *out)
{
    fprintf(out, "%s cchc COMMAND [ARGS] [--lang vi|en]\n\n%s\n", msg(MSG_USAGE), msg(MSG_COMMANDS));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  cchc %s\n      %s\n", commands[i].synopsis, msg(commands[i].what));
    fprintf(out, "\n%s\n", msg(MSG_COMMON_OPTIONS));
}

int main(int argc, char **argv)
{
    int rc = msg_init(&argc, argv);
    if (rc)
        return rc;
    client_set_retry_notice(cli_retry_notice);
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
    msg_line(stderr, MSG_UNKNOWN_COMMAND, argv[1]);
    usage(stderr);
    return 2;
}
