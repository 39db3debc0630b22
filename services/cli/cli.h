/*
 * cli.h -- the `cchc` command-line tool: one function per subcommand.
 *
 * Each cmd_* receives argv starting at the subcommand's own name (argv[0] ==
 * "period" for `cchc period due 2025Q3`) and returns the process exit status:
 * 0 success, 1 a failure the user should read about (already printed on
 * stderr or stdout), 2 a usage error.
 */
#ifndef CCHC_CLI_H
#define CCHC_CLI_H

int cmd_catalog(int argc, char **argv);  /* cchc catalog check DIR */
int cmd_period(int argc, char **argv);   /* cchc period due [--catalog DIR] [--dataset CODE] PERIOD */

int cmd_proto(int argc, char **argv);    /* cchc proto spec | cchc proto decode FILE */
int cmd_keygen(int argc, char **argv);   /* cchc keygen --unit CODE | --server */
int cmd_submit(int argc, char **argv);   /* cchc submit ... */
int cmd_query(int argc, char **argv);    /* cchc rollup|status|units|values|history|targets|info ... */
int cmd_report(int argc, char **argv);   /* cchc report --from P --to P --format xlsx|csv|md */

#endif
