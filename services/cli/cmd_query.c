/*
 * cchc rollup|status|units|values|history|targets --config FILE [--set S.K=V ...]
 *      --node CODE --period P [--dataset CODE] [--format table|csv|json]
 * cchc info --config FILE
 *
 * Asks the aggregator (QUERY) and prints the answer.  The CLI does not judge
 * the node, dataset or period itself: whatever the aggregator answers can be
 * asked, and a refusal is shown with its code, its explanation and the
 * aggregator's sentence.  Tables show the Vietnamese names as they are
 * (UTF-8) under headings in the chosen language; JSON prints the answer
 * exactly as the aggregator gave it (docs/protocol.md, "QUERY").
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cli.h"
#include "client.h"
#include "config.h"
#include "period.h"
#include "table.h"

/* The headings of a table in the chosen language. */
static void headings(const msg_id_t *ids, int n, const char **out)
{
    for (int i = 0; i < n; i++)
        out[i] = msg(ids[i]);
}

/* A JSON scalar as text: integers plain, reals with 1-3 decimals, nil "–". */
static const char *jstr(json_t *v, char *buf, size_t n)
{
    if (!v || json_is_null(v)) {
        snprintf(buf, n, "–");
        return buf;
    }
    if (json_is_integer(v))
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v))
        snprintf(buf, n, "%.0f", json_real_value(v));
    else if (json_is_real(v))
        snprintf(buf, n, "%.2f", json_real_value(v));
    else if (json_is_string(v))
        snprintf(buf, n, "%s", json_string_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, n, "%s", msg(json_is_true(v) ? MSG_YES : MSG_NO));
    else if (json_is_array(v)) {
        size_t i, off = 0;
        json_t *x;
        buf[0] = '\0';
        json_array_foreach(v, i, x) off += (size_t)snprintf(buf + off, off < n ? n - off : 0, "%s%s", i ? "|" : "",
                                                           json_is_string(x) ? json_string_value(x) : "?");
    } else
        snprintf(buf, n, "…");
    return buf;
}

static const char *time_str(json_t *v, char *buf, size_t n)
{
    if (!json_is_integer(v)) {
        snprintf(buf, n, "–");
        return buf;
    }
    return time_format_iso(json_integer_value(v), buf, n);
}

static void print_rollup(json_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_INDICATOR, MSG_H_INDICATOR_NAME, MSG_H_VALUE, MSG_H_UNITS, MSG_H_DETAIL};
    const char *head[5];
    headings(ids, 5, head);
    table_t t;
    table_init(&t, 5, head);
    t.right[2] = t.right[3] = 1;
    size_t i;
    json_t *ind;
    json_array_foreach(json_object_get(d, "indicators"), i, ind)
    {
        char vb[64], ub[32], det[512] = "";
        const char *kind = json_string_value(json_object_get(ind, "kind"));
        json_t *val = json_object_get(ind, "value");
        if (kind && !strcmp(kind, "rate") && json_is_real(val))
            snprintf(vb, sizeof vb, "%.1f%%", 100 * json_real_value(val));
        else
            jstr(val, vb, sizeof vb);
        jstr(json_object_get(ind, "units"), ub, sizeof ub);
        if (kind && !strcmp(kind, "rate")) {
            char a[32], b[32];
            snprintf(det, sizeof det, "%s / %s", jstr(json_object_get(ind, "num"), a, sizeof a),
                     jstr(json_object_get(ind, "den"), b, sizeof b));
        } else if (kind && !strcmp(kind, "bool") && json_is_real(json_object_get(ind, "share"))) {
            msg_format(det, sizeof det, MSG_SHARE_YES, 100 * json_real_value(json_object_get(ind, "share")));
        } else if (kind && !strcmp(kind, "tags")) {
            const char *k;
            json_t *c;
            size_t off = 0;
            json_object_foreach(json_object_get(ind, "tags"), k, c) off +=
                (size_t)snprintf(det + off, off < sizeof det ? sizeof det - off : 0, "%s%s:%" JSON_INTEGER_FORMAT,
                                 off ? " " : "", k, json_integer_value(c));
        }
        const char *cells[] = {json_string_value(json_object_get(ind, "code")),
                               json_string_value(json_object_get(ind, "name_vi")), vb, ub, det};
        table_add(&t, cells);
    }
    if (f == FMT_TABLE) {
        json_t *node = json_object_get(d, "node");
        printf("%s — %s, %s %s\n\n", json_string_value(json_object_get(node, "name")),
               json_string_value(json_object_get(node, "code")), json_string_value(json_object_get(d, "dataset")),
               json_string_value(json_object_get(d, "period")));
    }
    table_print(&t, f, stdout);
    table_free(&t);
}

static void add_count_row(table_t *t, const char *label, json_t *s)
{
    char e[16], r[16], o[16], l[16], m[16], p[16], sh[16];
    json_int_t exp = json_integer_value(json_object_get(s, "expected"));
    json_int_t ot = json_integer_value(json_object_get(s, "on_time"));
    snprintf(sh, sizeof sh, "%.0f%%", exp ? 100.0 * (double)ot / (double)exp : 0.0);
    const char *cells[] = {label,
                           jstr(json_object_get(s, "expected"), e, sizeof e),
                           jstr(json_object_get(s, "received"), r, sizeof r),
                           jstr(json_object_get(s, "on_time"), o, sizeof o),
                           jstr(json_object_get(s, "late"), l, sizeof l),
                           jstr(json_object_get(s, "missing"), m, sizeof m),
                           jstr(json_object_get(s, "pending"), p, sizeof p),
                           sh};
    table_add(t, cells);
}

/* units: the `units` answer for the breakdown by kind of unit, or NULL when
 * the aggregator has none for this period (a half-year or a year of a
 * quarterly dataset): then the total alone, with a word about why. */
static void print_status(json_t *st, json_t *units, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_KIND, MSG_H_EXPECTED, MSG_H_RECEIVED, MSG_H_ON_TIME,
                                   MSG_H_LATE, MSG_H_MISSING,  MSG_H_PENDING,  MSG_H_SHARE_ON_TIME};
    const char *head[8];
    headings(ids, 8, head);
    table_t t;
    table_init(&t, 8, head);
    for (int i = 1; i < 8; i++)
        t.right[i] = 1;
    json_t *node = json_object_get(st, "node");
    char dl[40];
    if (f == FMT_TABLE) {
        msg_line(stdout, MSG_STATUS_TITLE, json_string_value(json_object_get(node, "name")),
                 json_string_value(json_object_get(node, "code")), json_string_value(json_object_get(st, "dataset")),
                 json_string_value(json_object_get(st, "period")), time_str(json_object_get(st, "deadline"), dl, sizeof dl));
        if (!units)
            msg_line(stdout, MSG_STATUS_NO_BREAKDOWN);
        putchar('\n');
    }
    const char *k;
    json_t *c;
    json_object_foreach(json_object_get(units, "by_kind"), k, c) add_count_row(&t, k, c);
    add_count_row(&t, msg(MSG_TOTAL), st);
    table_print(&t, f, stdout);
    table_free(&t);
}

static void print_units(json_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_UNIT, MSG_H_UNIT_NAME, MSG_H_KIND, MSG_H_STATUS, MSG_H_RECEIVED_AT, MSG_H_VERSION};
    const char *head[6];
    headings(ids, 6, head);
    table_t t;
    table_init(&t, 6, head);
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(d, "units"), i, u)
    {
        char ra[40], v[16];
        const char *cells[] = {json_string_value(json_object_get(u, "code")),
                               json_string_value(json_object_get(u, "name")),
                               json_string_value(json_object_get(u, "kind")),
                               json_string_value(json_object_get(u, "status")),
                               time_str(json_object_get(u, "received_at"), ra, sizeof ra),
                               jstr(json_object_get(u, "version"), v, sizeof v)};
        table_add(&t, cells);
    }
    table_print(&t, f, stdout);
    table_free(&t);
}

static void values_text(json_t *vals, char *buf, size_t n)
{
    const char *k;
    json_t *v;
    size_t off = 0;
    buf[0] = '\0';
    json_object_foreach(vals, k, v)
    {
        char b[256];
        off += (size_t)snprintf(buf + off, off < n ? n - off : 0, "%s%s=%s", off ? " " : "", k, jstr(v, b, sizeof b));
    }
}

static void print_history(json_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_VERSION, MSG_H_SEQ, MSG_H_RECEIVED_AT, MSG_H_SUBMITTER, MSG_H_ID, MSG_H_VALUES};
    const char *head[6];
    headings(ids, 6, head);
    table_t t;
    table_init(&t, 6, head);
    t.right[0] = t.right[1] = 1;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(d, "versions"), i, v)
    {
        char ver[16], seq[24], ra[40], vals[4096];
        values_text(json_object_get(v, "values"), vals, sizeof vals);
        const char *cells[] = {jstr(json_object_get(v, "version"), ver, sizeof ver),
                               jstr(json_object_get(v, "seq"), seq, sizeof seq),
                               time_str(json_object_get(v, "received_at"), ra, sizeof ra),
                               json_string_value(json_object_get(v, "submitter")),
                               json_string_value(json_object_get(v, "id")), vals};
        table_add(&t, cells);
    }
    table_print(&t, f, stdout);
    table_free(&t);
}

static void print_targets(json_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_UNIT, MSG_H_UNIT_NAME, MSG_H_INDICATOR, MSG_H_PER, MSG_H_MIN,
                                   MSG_H_MAX,  MSG_H_EXPECTED_BY_NOW, MSG_H_ACTUAL, MSG_H_STATUS};
    const char *head[9];
    headings(ids, 9, head);
    table_t t;
    table_init(&t, 9, head);
    for (int i = 4; i < 8; i++)
        t.right[i] = 1;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(d, "targets"), i, x)
    {
        char mn[32], mx[32], ex[32], ac[32];
        const char *cells[] = {json_string_value(json_object_get(x, "unit")),
                               json_string_value(json_object_get(x, "name")),
                               json_string_value(json_object_get(x, "indicator")),
                               json_string_value(json_object_get(x, "period_type")),
                               jstr(json_object_get(x, "min"), mn, sizeof mn),
                               jstr(json_object_get(x, "max"), mx, sizeof mx),
                               jstr(json_object_get(x, "expected_by_now"), ex, sizeof ex),
                               jstr(json_object_get(x, "actual"), ac, sizeof ac),
                               json_string_value(json_object_get(x, "status"))};
        table_add(&t, cells);
    }
    table_print(&t, f, stdout);
    table_free(&t);
}

/* ---- asking ------------------------------------------------------------ */

typedef struct {
    const char *what; /* the subcommand: rollup, status, ... */
    cli_config_args_t conf;
    const char *node, *period, *dataset, *format;
    long limit;
} query_args_t;

typedef struct {
    void *ctx;
    const char *endpoint;
    int timeout_ms;
} asker_t;

/* Asks one QUERY.  Returns the answer's data, or NULL with the refusal's
 * code in `code` ("" when the aggregator could not be asked) and its
 * sentence (or what went wrong) in err. */
static json_t *ask(const asker_t *k, const query_args_t *a, const char *what, char *code, char *err, size_t errlen)
{
    proto_query_t q;
    memset(&q, 0, sizeof q);
    q.qid = 1;
    snprintf(q.what, sizeof q.what, "%s", what);
    snprintf(q.node, sizeof q.node, "%s", a->node ? a->node : "");
    snprintf(q.period, sizeof q.period, "%s", a->period ? a->period : "");
    snprintf(q.dataset, sizeof q.dataset, "%s", a->dataset ? a->dataset : "");
    q.limit = a->limit > 0 ? (uint64_t)a->limit : 0;
    return client_query_coded(k->ctx, k->endpoint, k->timeout_ms, &q, code, err, errlen);
}

/* Says why a QUERY got no answer; returns 1. */
static int query_failed(const char *what, const char *code, const char *err)
{
    if (code[0]) {
        fprintf(stderr, "cchc %s: ", what);
        cli_refusal(stderr, MSG_QUERY_REFUSED, code, err);
    } else {
        msg_fail(what, MSG_QUERY_FAILED, err);
    }
    return 1;
}

/* status: the counts, and the `units` answer for the breakdown by kind of
 * unit.  The aggregator answers status for any period not finer than the
 * dataset's but units only for the dataset's own type: when it refuses
 * units for the period (E_PERIOD), the status is shown alone. */
static int ask_status(const asker_t *k, const query_args_t *a, json_t **st, json_t **units)
{
    char code[CLIENT_CODE_MAX], err[512];
    *units = NULL;
    if (!(*st = ask(k, a, "status", code, err, sizeof err)))
        return query_failed(a->what, code, err);
    if ((*units = ask(k, a, "units", code, err, sizeof err)) || !strcmp(code, "E_PERIOD"))
        return 0;
    json_decref(*st);
    *st = NULL;
    return query_failed(a->what, code, err);
}

static void print_answer(const char *what, json_t *d, json_t *units, out_format_t f)
{
    if (f == FMT_JSON && units) {
        json_object_set(d, "units", json_object_get(units, "units"));
        json_object_set(d, "by_kind", json_object_get(units, "by_kind"));
    }
    if (f == FMT_JSON || !strcmp(what, "values") || !strcmp(what, "info")) {
        json_dumpf(d, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        fputc('\n', stdout);
    } else if (!strcmp(what, "rollup")) {
        print_rollup(d, f);
    } else if (!strcmp(what, "status")) {
        print_status(d, units, f);
    } else if (!strcmp(what, "units")) {
        print_units(d, f);
    } else if (!strcmp(what, "history")) {
        print_history(d, f);
    } else {
        print_targets(d, f);
    }
}

static const char *usage_of(const char *what)
{
    if (!strcmp(what, "info"))
        return "cchc info --config FILE [--set SECTION.KEY=VALUE ...] [--format table|json]";
    return "cchc QUERY --config FILE [--set SECTION.KEY=VALUE ...] --node CODE --period P [--dataset CODE]\n"
           "                   [--format table|csv|json] [--limit N]   (QUERY: rollup, status, units, values, history, "
           "targets)";
}

enum { OPT_NODE = 1, OPT_PERIOD, OPT_DATASET, OPT_FORMAT, OPT_LIMIT, OPT_HELP };

/* Returns 0, 1 after --help, or 2 after a usage error (said). */
static int parse_args(int argc, char **argv, query_args_t *a)
{
    static const struct option opts[] = {
        CLI_CONFIG_OPTIONS,             {"node", 1, 0, OPT_NODE},     {"unit", 1, 0, OPT_NODE},
        {"period", 1, 0, OPT_PERIOD},   {"dataset", 1, 0, OPT_DATASET}, {"format", 1, 0, OPT_FORMAT},
        {"limit", 1, 0, OPT_LIMIT},     {"help", 0, 0, OPT_HELP},     {0, 0, 0, 0}};
    int ch;
    char *end;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case CLI_OPT_CONFIG:
        case CLI_OPT_SET:
            if (cli_config_option(a->what, &a->conf, ch, optarg))
                return 2;
            break;
        case OPT_NODE: a->node = optarg; break;
        case OPT_PERIOD: a->period = optarg; break;
        case OPT_DATASET: a->dataset = optarg; break;
        case OPT_FORMAT: a->format = optarg; break;
        case OPT_LIMIT:
            a->limit = strtol(optarg, &end, 10);
            if (*end || a->limit <= 0) {
                msg_fail(a->what, MSG_LIMIT_INVALID, optarg);
                return 2;
            }
            break;
        case OPT_HELP: cli_usage(stdout, usage_of(a->what)); return 1;
        default: return cli_bad_option(a->what, ch, argv, usage_of(a->what));
        }
    }
    if (optind < argc) {
        msg_fail(a->what, MSG_ARGUMENT_UNEXPECTED, argv[optind]);
        cli_usage(stderr, usage_of(a->what));
        return 2;
    }
    return 0;
}

int cmd_query(int argc, char **argv)
{
    query_args_t a = {.what = argv[0], .format = "table"};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    out_format_t f;
    if (parse_format(a.format, &f)) {
        msg_fail(a.what, MSG_FORMAT_INVALID, a.format, "table, csv, json");
        return 2;
    }
    config_t *cfg;
    if ((rc = cli_config_load(a.what, &a.conf, &cfg)))
        return rc;
    asker_t k = {zmq_ctx_new(), cli_aggregator(cfg), (int)config_int(cfg, "client", "timeout_ms", 2500)};
    json_t *d = NULL, *units = NULL;
    char code[CLIENT_CODE_MAX], err[512];
    if (!strcmp(a.what, "status"))
        rc = ask_status(&k, &a, &d, &units);
    else if (!(d = ask(&k, &a, a.what, code, err, sizeof err)))
        rc = query_failed(a.what, code, err);
    if (d)
        print_answer(a.what, d, units, f);
    json_decref(d);
    json_decref(units);
    zmq_ctx_term(k.ctx);
    config_destroy(&cfg);
    return rc;
}
