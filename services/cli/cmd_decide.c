/*
 * cchc decide approve|return|extend|silence|unsilence --config FILE [--set SECTION.KEY=VALUE ...]
 *             --unit CODE --dataset CODE --period P [--version N] [--due YYYY-MM-DD] [--note TEXT]
 *             [--id ID] [--key FILE]
 *
 * Sends one DECIDE (docs/protocol.md, "Decisions") with the key of [client]
 * key_file (or --key) and prints the collector's answer: stored or
 * duplicate (exit 0), or the refusal -- its code, the code's explanation and
 * the collector's sentence (exit 1).  Exit 2 for a usage error, among them
 * what this command can see alone (a missing --version, --note or --due, a
 * date that is not one); exit 3 only when the DECIDE left and no answer
 * came.  Who may decide what, and whether the version is the latest, is the
 * collector's to judge.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "civil.h"
#include "cli.h"
#include "client.h"
#include "period.h"
#include "proto.h"
#include "validate.h"

static const char usage_text[] =
    "cchc decide approve|return|extend|silence|unsilence --config FILE [--set SECTION.KEY=VALUE ...]\n"
    "                   --unit CODE --dataset CODE --period P [--version N] [--due YYYY-MM-DD] [--note TEXT]\n"
    "                   [--id ID] [--key FILE]";

typedef struct {
    cli_config_args_t conf;
    const char *action, *unit, *dataset, *period, *version, *due, *note, *id, *keyfile;
} decide_args_t;

enum { OPT_UNIT = 1, OPT_DATASET, OPT_PERIOD, OPT_VERSION, OPT_DUE, OPT_NOTE, OPT_ID, OPT_KEY, OPT_HELP };

/* Reads the options.  Returns 0, 1 after --help, or 2 after a usage error. */
static int parse_args(int argc, char **argv, decide_args_t *a)
{
    static const struct option opts[] = {
        CLI_CONFIG_OPTIONS,           {"unit", 1, 0, OPT_UNIT},   {"dataset", 1, 0, OPT_DATASET},
        {"period", 1, 0, OPT_PERIOD}, {"version", 1, 0, OPT_VERSION}, {"due", 1, 0, OPT_DUE},
        {"note", 1, 0, OPT_NOTE},     {"id", 1, 0, OPT_ID},       {"key", 1, 0, OPT_KEY},
        {"help", 0, 0, OPT_HELP},     {0, 0, 0, 0}};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case CLI_OPT_CONFIG:
        case CLI_OPT_SET:
            if (cli_config_option("decide", &a->conf, ch, optarg))
                return 2;
            break;
        case OPT_UNIT: a->unit = optarg; break;
        case OPT_DATASET: a->dataset = optarg; break;
        case OPT_PERIOD: a->period = optarg; break;
        case OPT_VERSION: a->version = optarg; break;
        case OPT_DUE: a->due = optarg; break;
        case OPT_NOTE: a->note = optarg; break;
        case OPT_ID: a->id = optarg; break;
        case OPT_KEY: a->keyfile = optarg; break;
        case OPT_HELP: cli_usage(stdout, usage_text); return 1;
        default: return cli_bad_option("decide", ch, argv, usage_text);
        }
    }
    if (optind < argc)
        a->action = argv[optind++];
    if (optind < argc) {
        msg_fail("decide", MSG_ARGUMENT_UNEXPECTED, argv[optind]);
        cli_usage(stderr, usage_text);
        return 2;
    }
    if (!a->action)
        return cli_missing("decide", "approve|return|extend|silence|unsilence", MSG_WHAT_DECISION, usage_text);
    if (!a->unit)
        return cli_missing("decide", "--unit", MSG_WHAT_UNIT, usage_text);
    if (!a->dataset)
        return cli_missing("decide", "--dataset", MSG_WHAT_DATASET, usage_text);
    if (!a->period)
        return cli_missing("decide", "--period", MSG_WHAT_PERIOD, usage_text);
    return 0;
}

/* A note with something other than spaces in it. */
static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return true;
    return false;
}

/* What the command sees alone, said in the officer's language before
 * anything is sent; the collector checks all of it again.  Fills d.
 * Returns 0 or 2 (said). */
static int build_decide(const decide_args_t *a, proto_decide_t *d)
{
    decide_kind_t k = validate_decision_kind(a->action);
    if (k == DECIDE_NONE) {
        msg_fail("decide", MSG_DECIDE_ACTION, a->action);
        cli_usage(stderr, usage_text);
        return 2;
    }
    period_t p;
    if (period_parse(a->period, &p)) {
        msg_fail("decide", MSG_PERIOD_INVALID, a->period);
        return 2;
    }
    bool on_report = k == DECIDE_APPROVE || k == DECIDE_RETURN;
    memset(d, 0, sizeof *d);
    if (a->version && !on_report) {
        msg_fail("decide", MSG_DECIDE_NO_VERSION, a->action);
        return 2;
    }
    if (a->due && k != DECIDE_EXTEND) {
        msg_fail("decide", MSG_DECIDE_NO_DUE, a->action);
        return 2;
    }
    if (on_report && !a->version)
        return cli_missing("decide", "--version", MSG_WHAT_VERSION, usage_text);
    if (a->version) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(a->version, &end, 10);
        if (!*a->version || *end || errno || v == 0 || v > UINT32_MAX || a->version[0] == '-') {
            msg_fail("decide", MSG_VERSION_INVALID, a->version);
            return 2;
        }
        d->version = v;
    }
    if (k == DECIDE_EXTEND) {
        int32_t day;
        if (!a->due)
            return cli_missing("decide", "--due", MSG_WHAT_DUE, usage_text);
        if (date_parse(a->due, &day)) {
            msg_fail("decide", MSG_DUE_INVALID, a->due);
            return 2;
        }
        snprintf(d->due, sizeof d->due, "%s", a->due);
    }
    if ((k == DECIDE_RETURN || k == DECIDE_EXTEND) && !has_text(a->note)) {
        msg_fail("decide", MSG_DECIDE_NEEDS_NOTE, a->action,
                 msg(k == DECIDE_RETURN ? MSG_WHAT_RETURN_NOTE : MSG_WHAT_EXTEND_NOTE));
        return 2;
    }
    if (a->note && strlen(a->note) >= sizeof d->note) {
        msg_fail("decide", MSG_NOTE_TOO_LONG, sizeof d->note - 1);
        return 2;
    }
    snprintf(d->id, sizeof d->id, "%s", a->id ? a->id : "");
    snprintf(d->unit, sizeof d->unit, "%s", a->unit);
    snprintf(d->dataset, sizeof d->dataset, "%s", a->dataset);
    snprintf(d->period, sizeof d->period, "%s", a->period);
    snprintf(d->decision, sizeof d->decision, "%s", a->action);
    snprintf(d->note, sizeof d->note, "%s", a->note ? a->note : "");
    return 0;
}

/* What became of the DECIDE, said to the officer.  Returns the exit status. */
static int print_outcome(int rc, const proto_decide_t *d, const proto_msg_t *reply, const char *endpoint,
                         const char *err)
{
    if (rc == CLIENT_NO_ANSWER) {
        msg_fail("decide", MSG_NO_ANSWER_DETAIL, err);
        msg_line(stdout, MSG_DECIDE_UNKNOWN, err, d->id);
        return 3;
    }
    if (rc == CLIENT_BAD_ENDPOINT) {
        msg_fail("decide", MSG_DECIDE_BAD_ENDPOINT, endpoint, err);
        return 1;
    }
    if (rc) {
        msg_fail("decide", MSG_DECIDE_NOT_SENT, err);
        return 1;
    }
    if (reply->type == PROTO_NACK) {
        cli_refusal(stdout, MSG_REJECTED, reply->u.nack.code, reply->u.nack.message);
        return 1;
    }
    const proto_ack_t *k = &reply->u.ack;
    msg_line(stdout, strcmp(k->status, "duplicate") ? MSG_DECIDED : MSG_DECIDED_DUPLICATE, d->decision,
             (unsigned long long)k->seq, (unsigned long long)k->version, k->id);
    return 0;
}

int cmd_decide(int argc, char **argv)
{
    static decide_args_t a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    static proto_decide_t d;
    if ((rc = build_decide(&a, &d)))
        return rc;
    config_t *cfg = NULL;
    if ((rc = cli_config_load("decide", &a.conf, &cfg)))
        return rc;
    if (a.keyfile)
        config_set(cfg, "client", "key_file", a.keyfile);
    client_opts_t o;
    char pub[41], sec[41], srv[41], err[512];
    if (client_opts_from_config(cfg, &o, pub, sec, srv, err, sizeof err)) {
        msg_fail("decide", MSG_CLIENT_SETUP, err);
        config_destroy(&cfg);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    proto_msg_t reply;
    char *buf = NULL;
    rc = client_decide(ctx, &o, &d, &reply, &buf, err, sizeof err);
    int status = print_outcome(rc, &d, &reply, o.endpoint, err);
    if (rc == 0)
        proto_msg_free(&reply);
    free(buf);
    zmq_ctx_term(ctx);
    config_destroy(&cfg);
    return status;
}
