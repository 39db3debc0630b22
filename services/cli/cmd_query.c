/*
 * cchc rollup|status|history|values|units|targets --config FILE
 *      --node CODE --period P [--dataset CODE] [--format table|csv|json]
 *
 * Asks the aggregator (QUERY) and prints the answer.  Tables show the
 * Vietnamese names as they are (UTF-8); JSON prints the answer exactly as
 * the aggregator gave it (docs/protocol.md, "QUERY").
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
    else if (json_is_true(v))
        snprintf(buf, n, "có");
    else if (json_is_false(v))
        snprintf(buf, n, "không");
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
    const char *head[] = {"indicator", "tên chỉ tiêu", "value", "units", "detail"};
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
            snprintf(det, sizeof det, "%.0f%% có", 100 * json_real_value(json_object_get(ind, "share")));
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

static void print_status(json_t *st, json_t *units, out_format_t f)
{
    const char *head[] = {"kind", "expected", "received", "on_time", "late", "missing", "pending", "on time %"};
    table_t t;
    table_init(&t, 8, head);
    for (int i = 1; i < 8; i++)
        t.right[i] = 1;
    json_t *node = json_object_get(st, "node");
    char dl[40];
    if (f == FMT_TABLE)
        printf("%s — %s, %s %s, deadline %s\n\n", json_string_value(json_object_get(node, "name")),
               json_string_value(json_object_get(node, "code")), json_string_value(json_object_get(st, "dataset")),
               json_string_value(json_object_get(st, "period")), time_str(json_object_get(st, "deadline"), dl, sizeof dl));
    const char *k;
    json_t *c;
    json_object_foreach(json_object_get(units, "by_kind"), k, c) add_count_row(&t, k, c);
    add_count_row(&t, "total", st);
    table_print(&t, f, stdout);
    table_free(&t);
}

static void print_units(json_t *d, out_format_t f)
{
    const char *head[] = {"unit", "tên đơn vị", "kind", "status", "received_at", "version"};
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
    const char *head[] = {"version", "seq", "received_at", "submitter", "id", "values"};
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
    const char *head[] = {"unit", "tên đơn vị", "indicator", "per", "min", "max", "expected", "actual", "status"};
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

int cmd_query(int argc, char **argv)
{
    const char *what = argv[0];
    const char *cfgpath = NULL, *node = NULL, *period = NULL, *dataset = NULL, *fmt = "table";
    long limit = 0;
    static const struct option opts[] = {{"config", required_argument, 0, 'c'}, {"node", required_argument, 0, 'n'},
                                         {"unit", required_argument, 0, 'n'},   {"period", required_argument, 0, 'p'},
                                         {"dataset", required_argument, 0, 'd'}, {"format", required_argument, 0, 'f'},
                                         {"limit", required_argument, 0, 'l'},  {0, 0, 0, 0}};
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': cfgpath = optarg; break;
        case 'n': node = optarg; break;
        case 'p': period = optarg; break;
        case 'd': dataset = optarg; break;
        case 'f': fmt = optarg; break;
        case 'l': limit = strtol(optarg, NULL, 10); break;
        default: goto usage;
        }
    }
    out_format_t f;
    if (optind != argc || parse_format(fmt, &f))
        goto usage;
    config_t *cfg;
    char err[512];
    if (config_load(cfgpath, &cfg, err, sizeof err)) {
        fprintf(stderr, "cchc %s: %s\n", what, err);
        return 2;
    }
    const char *ep = config_get(cfg, "client", "aggregator",
                                config_get(cfg, "aggregator", "query_endpoint", "tcp://127.0.0.1:7102"));
    int timeout = (int)config_int(cfg, "client", "timeout_ms", 2500);
    proto_query_t q;
    memset(&q, 0, sizeof q);
    q.qid = 1;
    snprintf(q.what, sizeof q.what, "%s", what);
    snprintf(q.node, sizeof q.node, "%s", node ? node : "");
    snprintf(q.period, sizeof q.period, "%s", period ? period : "");
    snprintf(q.dataset, sizeof q.dataset, "%s", dataset ? dataset : "");
    q.limit = limit > 0 ? (uint64_t)limit : 0;
    void *ctx = zmq_ctx_new();
    int rc = 0;
    json_t *d = client_query(ctx, ep, timeout, &q, err, sizeof err);
    json_t *extra = NULL;
    if (d && !strcmp(what, "status")) {
        snprintf(q.what, sizeof q.what, "units");
        extra = client_query(ctx, ep, timeout, &q, err, sizeof err);
        if (!extra) {
            json_decref(d);
            d = NULL;
        }
    }
    if (!d) {
        fprintf(stderr, "cchc %s: %s\n", what, err);
        rc = 1;
    } else if (f == FMT_JSON) {
        if (extra)
            json_object_set(d, "units", json_object_get(extra, "units")),
                json_object_set(d, "by_kind", json_object_get(extra, "by_kind"));
        json_dumpf(d, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        fputc('\n', stdout);
    } else if (!strcmp(what, "rollup")) {
        print_rollup(d, f);
    } else if (!strcmp(what, "status")) {
        print_status(d, extra, f);
    } else if (!strcmp(what, "units")) {
        print_units(d, f);
    } else if (!strcmp(what, "history")) {
        print_history(d, f);
    } else if (!strcmp(what, "targets")) {
        print_targets(d, f);
    } else {
        json_dumpf(d, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
        fputc('\n', stdout);
    }
    json_decref(d);
    json_decref(extra);
    zmq_ctx_term(ctx);
    config_destroy(&cfg);
    return rc;
usage:
    fprintf(stderr, "usage: cchc %s --config FILE --node CODE --period P [--dataset CODE] [--format table|csv|json]\n",
            what);
    return 2;
}
