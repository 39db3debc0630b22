/*
 * cli.h -- the `cchc` command-line tool: one function per subcommand, and
 * what the subcommands share (options, configuration, catalog, messages).
 *
 * Each cmd_* receives argv starting at the subcommand's own name (argv[0] ==
 * "period" for `cchc period due 2025Q3`) and returns the process exit status:
 * 0 success, 1 a failure the user should read about (already printed on
 * stderr or stdout), 2 a usage error, 3 (submit, decide) a message that left
 * without an answer.  Everything said to people goes through the message table
 * (msg.h).
 */
#ifndef CCHC_CLI_H
#define CCHC_CLI_H

#include <stdbool.h>

#include "catalog.h"
#include "client.h"
#include "config.h"
#include "msg.h"
#include "proto.h"

int cmd_catalog(int argc, char **argv);  /* cchc catalog check DIR */
int cmd_period(int argc, char **argv);   /* cchc period due [--catalog DIR] [--dataset CODE] PERIOD */

int cmd_proto(int argc, char **argv);    /* cchc proto spec | cchc proto decode FILE */
int cmd_keygen(int argc, char **argv);   /* cchc keygen --unit CODE | --server */
int cmd_submit(int argc, char **argv);   /* cchc submit ... */
int cmd_decide(int argc, char **argv);   /* cchc decide approve|return|extend|silence|unsilence ... */
int cmd_template(int argc, char **argv); /* cchc template --unit U --dataset D --period P */
int cmd_query(int argc, char **argv);    /* cchc rollup|status|units|values|history|targets|info ... */
int cmd_report(int argc, char **argv);   /* cchc report --from P --to P --format xlsx|csv|md */
int cmd_user(int argc, char **argv);     /* cchc user add|passwd|disable|enable|roles|list|audit ... */

/* ---- submitting (cmd_submit.c, cmd_submit_sheet.c) ----------------------- */

/* Sends one SUBMIT and prints what became of it.  Returns 0 (accepted or
 * duplicate), 1 (refused or not sent) or 3 (sent, no answer). */
int cli_submit_one(void *ctx, const client_opts_t *o, const proto_msg_t *m);

/* true when the file at `path` starts as a zip (an .xlsx) or an .xls does. */
bool cli_is_xlsx(const char *path);

/* cchc submit --file FILE.xlsx: reads and checks the whole file (unit: the
 * submitter, whose rights the rows must respect; dataset, period: what the
 * file must be, each may be NULL), then sends one SUBMIT per row.  Returns
 * the exit status: 0 every row accepted, 2 the file has problems (nothing
 * sent), 1 a row refused, 3 a row without an answer. */
int cli_submit_sheet(const config_t *cfg, const char *path, const char *unit, const char *dataset,
                     const char *period, const char *note);

/* ---- shared by the subcommands (common.c) ------------------------------ */

/* --config FILE and the --set SECTION.KEY=VALUE overrides, in their order. */
#define CLI_SETS_MAX 64
typedef struct {
    const char *path;
    const char *sets[CLI_SETS_MAX];
    int nsets;
} cli_config_args_t;

/* The getopt_long entries every subcommand that reads the configuration
 * has, and their values: case CLI_OPT_CONFIG / CLI_OPT_SET. */
enum { CLI_OPT_CONFIG = 0x100, CLI_OPT_SET };
#define CLI_CONFIG_OPTIONS {"config", 1, 0, CLI_OPT_CONFIG}, {"set", 1, 0, CLI_OPT_SET}

/* Takes the value of a CLI_CONFIG_OPTIONS option.  Returns 0, or 2 after
 * saying there are too many --set. */
int cli_config_option(const char *cmd, cli_config_args_t *a, int opt, const char *value);

/* Loads a->path (none: defaults only) and applies the --set overrides in
 * order.  Returns 0 with *cfg (caller destroys it), or 2 after saying why. */
int cli_config_load(const char *cmd, const cli_config_args_t *a, config_t **cfg /* OUT */);

/* The catalog in `dir`.  Returns it (caller destroys it), or NULL -- after
 * printing its problems and a summary unless `quiet`. */
catalog_t *cli_catalog(const char *cmd, const char *dir, bool quiet);

/* The catalog directory a configuration names ([catalog] dir). */
const char *cli_catalog_dir(const config_t *cfg);

/* Where the queries go: [client] aggregator, else [aggregator]
 * query_endpoint, else the default port on loopback. */
const char *cli_aggregator(const config_t *cfg);

/* After getopt_long (with opterr = 0 and an optstring beginning with ':')
 * returned '?' or ':': names the option that is unknown or lacks its value,
 * prints `usage` and returns 2. */
int cli_bad_option(const char *cmd, int ch, char **argv, const char *usage);

/* Names a missing required option (`what` says what it holds), prints
 * `usage` and returns 2. */
int cli_missing(const char *cmd, const char *option, msg_id_t what, const char *usage);

/* Prints "usage: " (in the chosen language) and `usage` on f. */
void cli_usage(FILE *f, const char *usage);

/* Prints a refusal: the code, its explanation from the message table, and
 * the server's own sentence; `id` is the frame (MSG_REJECTED...). */
void cli_refusal(FILE *f, msg_id_t id, const char *code, const char *sentence);

/* The name of a period type in the chosen language ("quý"). */
const char *cli_period_type(period_type_t t);

/* Announces a retry of client.c in the chosen language. */
void cli_retry_notice(const char *endpoint, int timeout_ms, int attempt, int retries);

#endif
