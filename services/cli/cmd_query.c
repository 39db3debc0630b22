/*
 * cchc rollup|status|units|values|history|targets --config FILE [--set S.K=V ...]
 *      --node CODE --period P [--dataset CODE] [--format table|csv|json]
 * cchc info --config FILE
 *
 * Asks the aggregator (QUERY, client_ask(): the answer decoded once into the
 * structs of proto/answers.def) and prints the answer.  The CLI does not
 * judge the node, dataset or period itself: whatever the aggregator answers
 * can be asked, and a refusal is shown with its code, its explanation and
 * the aggregator's sentence.  Tables show the Vietnamese names as they are
 * (UTF-8) under headings in the chosen language; JSON prints every field of
 * the answer as the aggregator gave it (answer_json(); docs/protocol.md,
 * "QUERY").
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "answer_json.h"
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

/* ---- cells: typed values as text --------------------------------------- */

/* Appends to buf (n bytes, *off of them used) as snprintf would; what does
 * not fit is cut off. */
__attribute__((format(printf, 4, 5))) static void append(char *buf, size_t n, size_t *off, const char *fmt, ...)
{
    if (*off >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *off, n - *off, fmt, ap);
    va_end(ap);
    *off += w > 0 ? (size_t)w : 0;
}

/* An integer, or "–" when the answer has none. */
static const char *int_text(bool has, int64_t v, char *buf, size_t n)
{
    if (has)
        snprintf(buf, n, "%" PRId64, v);
    else
        snprintf(buf, n, "–");
    return buf;
}

/* A real: whole numbers plain, others with 2 decimals; "–" when none. */
static const char *real_text(bool has, double v, char *buf, size_t n)
{
    if (!has)
        snprintf(buf, n, "–");
    else if (v == (double)(long long)v)
        snprintf(buf, n, "%.0f", v);
    else
        snprintf(buf, n, "%.2f", v);
    return buf;
}

/* A rollup value: an integer, a real or nil ("–"). */
static const char *num_text(ans_num_t v, char *buf, size_t n)
{
    if (v.kind == ANS_INT)
        return int_text(true, v.i, buf, n);
    return real_text(v.kind == ANS_FLOAT, v.f, buf, n);
}

static const char *time_text(bool has, int64_t t, char *buf, size_t n)
{
    if (!has) {
        snprintf(buf, n, "–");
        return buf;
    }
    return time_format_iso(t, buf, n);
}

/* One submitted value: an integer, yes/no in the chosen language, or its
 * tags joined by "|". */
static const char *value_text(const proto_value_t *v, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = '\0';
    if (v->kind == PV_INT)
        append(buf, n, &off, "%" PRId64, v->i);
    else if (v->kind == PV_BOOL)
        append(buf, n, &off, "%s", msg(v->i ? MSG_YES : MSG_NO));
    else
        for (uint32_t t = 0; t < v->ntags; t++)
            append(buf, n, &off, "%s%.*s", t ? "|" : "", (int)v->tags[t].len, v->tags[t].ptr);
    return buf;
}

/* A report's values as "CODE=value CODE=value ...". */
static void values_text(const proto_values_t *vals, char *buf, size_t n)
{
    size_t off = 0;
    proto_value_t v;
    buf[0] = '\0';
    for (uint32_t i = 0; i < vals->n; i++) {
        char b[256];
        if (proto_values_at(vals, i, &v) == 0)
            append(buf, n, &off, "%s%s=%s", off ? " " : "", v.code, value_text(&v, b, sizeof b));
    }
}

/* ---- the tables ---------------------------------------------------------- */

/* The value of an indicator of a rollup: rates as percentages. */
static const char *indicator_value(const ans_indicator_t *x, char *buf, size_t n)
{
    if (!strcmp(x->kind, "rate") && x->value.kind == ANS_FLOAT) {
        snprintf(buf, n, "%.1f%%", 100 * x->value.f);
        return buf;
    }
    return num_text(x->value, buf, n);
}

/* What an indicator's value is made of: a rate's numerator and
 * denominator, the share of yes, the count of each tag. */
static const char *indicator_detail(const ans_indicator_t *x, char *buf, size_t n)
{
    size_t off = 0;
    buf[0] = '\0';
    if (!strcmp(x->kind, "rate")) {
        char a[32], b[32];
        snprintf(buf, n, "%s / %s", int_text(x->has_num, x->num, a, sizeof a),
                 int_text(x->has_den, x->den, b, sizeof b));
    } else if (!strcmp(x->kind, "bool") && x->has_share && x->share.kind == ANS_FLOAT) {
        msg_format(buf, n, MSG_SHARE_YES, 100 * x->share.f);
    } else if (!strcmp(x->kind, "tags") && x->has_tags) {
        for (uint32_t i = 0; i < x->tags.n; i++)
            append(buf, n, &off, "%s%s:%" PRId64, off ? " " : "", x->tags.keys[i], x->tags.vals[i]);
    }
    return buf;
}

static void print_rollup(const ans_rollup_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_INDICATOR, MSG_H_INDICATOR_NAME, MSG_H_VALUE, MSG_H_UNITS, MSG_H_DETAIL};
    const char *head[5];
    headings(ids, 5, head);
    table_t t;
    table_init(&t, 5, head);
    t.right[2] = t.right[3] = 1;
    for (uint32_t i = 0; i < d->n_indicators; i++) {
        const ans_indicator_t *x = &d->indicators[i];
        char vb[64], ub[32], det[512];
        const char *cells[] = {x->code, x->name_vi, indicator_value(x, vb, sizeof vb),
                               int_text(true, x->units, ub, sizeof ub), indicator_detail(x, det, sizeof det)};
        table_add(&t, cells);
    }
    if (f == FMT_TABLE)
        printf("%s — %s, %s %s\n\n", d->node.name, d->node.code, d->dataset, d->period);
    table_print(&t, f, stdout);
    table_free(&t);
}

static void add_count_row(table_t *t, const char *label, const ans_counts_t *s)
{
    char e[16], r[16], o[16], l[16], m[16], p[16], sh[16];
    snprintf(sh, sizeof sh, "%.0f%%", s->expected ? 100.0 * (double)s->on_time / (double)s->expected : 0.0);
    const char *cells[] = {label,
                           int_text(true, s->expected, e, sizeof e),
                           int_text(true, s->received, r, sizeof r),
                           int_text(true, s->on_time, o, sizeof o),
                           int_text(true, s->late, l, sizeof l),
                           int_text(true, s->missing, m, sizeof m),
                           int_text(true, s->pending, p, sizeof p),
                           sh};
    table_add(t, cells);
}

/* units: the `units` answer for the breakdown by kind of unit, or NULL when
 * the aggregator has none for this period (a half-year or a year of a
 * quarterly dataset): then the total alone, with a word about why. */
static void print_status(const ans_status_t *st, const ans_units_t *units, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_KIND, MSG_H_EXPECTED, MSG_H_RECEIVED, MSG_H_ON_TIME,
                                   MSG_H_LATE, MSG_H_MISSING,  MSG_H_PENDING,  MSG_H_SHARE_ON_TIME};
    const char *head[8];
    headings(ids, 8, head);
    table_t t;
    table_init(&t, 8, head);
    for (int i = 1; i < 8; i++)
        t.right[i] = 1;
    char dl[40];
    if (f == FMT_TABLE) {
        msg_line(stdout, MSG_STATUS_TITLE, st->node.name, st->node.code, st->dataset, st->period,
                 time_text(true, st->deadline, dl, sizeof dl));
        if (!units)
            msg_line(stdout, MSG_STATUS_NO_BREAKDOWN);
        putchar('\n');
    }
    for (uint32_t i = 0; units && i < units->n_by_kind; i++)
        add_count_row(&t, units->by_kind[i].key, &units->by_kind[i].v);
    const ans_counts_t total = {.expected = st->expected, .received = st->received, .on_time = st->on_time,
                                .late = st->late, .missing = st->missing, .pending = st->pending};
    add_count_row(&t, msg(MSG_TOTAL), &total);
    table_print(&t, f, stdout);
    table_free(&t);
}

static void print_units(const ans_units_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_UNIT, MSG_H_UNIT_NAME, MSG_H_KIND, MSG_H_STATUS, MSG_H_RECEIVED_AT, MSG_H_VERSION};
    const char *head[6];
    headings(ids, 6, head);
    table_t t;
    table_init(&t, 6, head);
    for (uint32_t i = 0; i < d->n_units; i++) {
        const ans_unit_status_t *u = &d->units[i];
        char ra[40], v[16];
        const char *cells[] = {u->code, u->name, u->kind, u->status,
                               time_text(u->has_received_at, u->received_at, ra, sizeof ra),
                               int_text(u->has_version, u->version, v, sizeof v)};
        table_add(&t, cells);
    }
    table_print(&t, f, stdout);
    table_free(&t);
}

static void print_history(const ans_history_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_VERSION, MSG_H_SEQ, MSG_H_RECEIVED_AT, MSG_H_SUBMITTER, MSG_H_ID, MSG_H_VALUES};
    const char *head[6];
    headings(ids, 6, head);
    table_t t;
    table_init(&t, 6, head);
    t.right[0] = t.right[1] = 1;
    for (uint32_t i = 0; i < d->n_versions; i++) {
        const ans_version_t *v = &d->versions[i];
        char ver[24], seq[24], ra[40], vals[4096];
        values_text(&v->values, vals, sizeof vals);
        const char *cells[] = {int_text(true, (int64_t)v->version, ver, sizeof ver),
                               int_text(true, (int64_t)v->seq, seq, sizeof seq),
                               time_text(true, v->received_at, ra, sizeof ra), v->submitter, v->id, vals};
        table_add(&t, cells);
    }
    table_print(&t, f, stdout);
    table_free(&t);
}

static void print_targets(const ans_targets_t *d, out_format_t f)
{
    static const msg_id_t ids[] = {MSG_H_UNIT, MSG_H_UNIT_NAME, MSG_H_INDICATOR, MSG_H_PER, MSG_H_MIN,
                                   MSG_H_MAX,  MSG_H_EXPECTED_BY_NOW, MSG_H_ACTUAL, MSG_H_STATUS};
    const char *head[9];
    headings(ids, 9, head);
    table_t t;
    table_init(&t, 9, head);
    for (int i = 4; i < 8; i++)
        t.right[i] = 1;
    for (uint32_t i = 0; i < d->n_targets; i++) {
        const ans_target_t *x = &d->targets[i];
        char mn[32], mx[32], ex[32], ac[32];
        const char *cells[] = {x->unit, x->name, x->indicator, x->period_type,
                               real_text(x->has_min, x->min, mn, sizeof mn),
                               real_text(x->has_max, x->max, mx, sizeof mx),
                               real_text(x->has_expected_by_now, x->expected_by_now, ex, sizeof ex),
                               real_text(x->has_actual, x->actual, ac, sizeof ac),
                               x->status};
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

/* Asks one QUERY.  Returns 0 with the answer in *ans (release with
 * client_answer_free()), or a negative proto_err_t with the refusal's code
 * (E_UNAVAILABLE when the aggregator could not be asked) and sentence in
 * *err. */
static int ask(const asker_t *k, const query_args_t *a, const char *what, client_answer_t *ans, proto_error_t *err)
{
    proto_query_t q;
    memset(&q, 0, sizeof q);
    q.qid = 1;
    snprintf(q.what, sizeof q.what, "%s", what);
    snprintf(q.node, sizeof q.node, "%s", a->node ? a->node : "");
    snprintf(q.period, sizeof q.period, "%s", a->period ? a->period : "");
    snprintf(q.dataset, sizeof q.dataset, "%s", a->dataset ? a->dataset : "");
    q.limit = a->limit > 0 ? (uint64_t)a->limit : 0;
    return client_ask(k->ctx, k->endpoint, k->timeout_ms, &q, ans, err);
}

/* Says why a QUERY got no answer; returns 1. */
static int query_failed(const char *what, const proto_error_t *err)
{
    if (err->code != PROTO_E_UNAVAILABLE) {
        fprintf(stderr, "cchc %s: ", what);
        cli_refusal(stderr, MSG_QUERY_REFUSED, proto_err_code(err->code), err->message);
    } else {
        msg_fail(what, MSG_QUERY_FAILED, err->message);
    }
    return 1;
}

/* status: the counts, and the `units` answer for the breakdown by kind of
 * unit.  The aggregator answers status for any period not finer than the
 * dataset's but units only for the dataset's own type: when it refuses
 * units for the period (E_PERIOD), the status is shown alone (*has_units
 * false).  Returns 0, or 1 (said) with nothing to free. */
static int ask_status(const asker_t *k, const query_args_t *a, client_answer_t *st, client_answer_t *units,
                      bool *has_units)
{
    proto_error_t err;
    *has_units = false;
    if (ask(k, a, "status", st, &err))
        return query_failed(a->what, &err);
    if (!ask(k, a, "units", units, &err))
        *has_units = true;
    else if (err.code != PROTO_E_PERIOD) {
        client_answer_free(st);
        return query_failed(a->what, &err);
    }
    return 0;
}

/* The answer as JSON on stdout; status carries the `units` answer's units
 * and by_kind (when there is one). */
static void print_json(const char *what, const client_answer_t *ans, const ans_units_t *units)
{
    json_t *j = answer_json(ans_for_what(what), &ans->u);
    if (units) {
        json_t *u = answer_json(&ans_obj_units, units);
        json_object_set(j, "units", json_object_get(u, "units"));
        json_object_set(j, "by_kind", json_object_get(u, "by_kind"));
        json_decref(u);
    }
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
    json_decref(j);
}

static void print_answer(const char *what, const client_answer_t *ans, const ans_units_t *units, out_format_t f)
{
    if (f == FMT_JSON || !strcmp(what, "values") || !strcmp(what, "info"))
        print_json(what, ans, units);
    else if (!strcmp(what, "rollup"))
        print_rollup(&ans->u.rollup, f);
    else if (!strcmp(what, "status"))
        print_status(&ans->u.status, units, f);
    else if (!strcmp(what, "units"))
        print_units(&ans->u.units, f);
    else if (!strcmp(what, "history"))
        print_history(&ans->u.history, f);
    else
        print_targets(&ans->u.targets, f);
}

/* Asks a->what (status: and units) and prints the answer.  Returns 0, or 1
 * (said). */
static int ask_and_print(const asker_t *k, const query_args_t *a, out_format_t f)
{
    client_answer_t ans, units;
    bool has_units = false;
    proto_error_t err;
    memset(&units, 0, sizeof units);
    if (!strcmp(a->what, "status")) {
        if (ask_status(k, a, &ans, &units, &has_units))
            return 1;
    } else if (ask(k, a, a->what, &ans, &err)) {
        return query_failed(a->what, &err);
    }
    print_answer(a->what, &ans, has_units ? &units.u.units : NULL, f);
    client_answer_free(&ans);
    client_answer_free(&units);
    return 0;
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
    rc = ask_and_print(&k, &a, f);
    zmq_ctx_term(k.ctx);
    config_destroy(&cfg);
    return rc;
}
