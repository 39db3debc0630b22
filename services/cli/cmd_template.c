/*
 * cchc template --config FILE [--set S.K=V ...] [--catalog DIR] --unit CODE --dataset CODE --period P [-o FILE]
 *
 * Prints a ready-to-fill CSV of one report: a row per indicator the unit
 * submits, with its code, its Vietnamese name, how to write its value, and
 * an empty `value` column, last, for the officer to fill in.  Rates are left
 * out: the aggregator computes them from their numerator and denominator.
 * `cchc submit --file` takes the filled file back as it is (docs/cli.md).
 * The unit, dataset and period are checked against the catalog first, so a
 * template is never made for a report the collector would refuse for them.
 *
 * With --xlsx -o FILE.xlsx it writes the Excel template instead
 * (lib/app/sheet.h): one row per unit the unit reports for (itself and the
 * sub-units it submits for), one column per indicator; with --prefill each
 * row holds that unit's latest values, asked from the aggregator.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cli.h"
#include "csvtab.h"
#include "period.h"
#include "report.h"
#include "sheet.h"

static const char usage_text[] =
    "cchc template --config FILE [--set S.K=V ...] [--catalog DIR] --unit CODE --dataset CODE --period P [-o FILE]\n"
    "              [--xlsx -o FILE.xlsx [--prefill]]";

typedef struct {
    cli_config_args_t conf;
    const char *catalog, *unit, *dataset, *period, *out;
    bool xlsx, prefill;
} template_args_t;

enum { OPT_CATALOG = 1, OPT_UNIT, OPT_DATASET, OPT_PERIOD, OPT_XLSX, OPT_PREFILL };

/* Returns 0, 1 after --help, or 2 after a usage error (said). */
static int parse_args(int argc, char **argv, template_args_t *a)
{
    static const struct option opts[] = {CLI_CONFIG_OPTIONS,           {"catalog", 1, 0, OPT_CATALOG},
                                         {"unit", 1, 0, OPT_UNIT},     {"dataset", 1, 0, OPT_DATASET},
                                         {"period", 1, 0, OPT_PERIOD}, {"output", 1, 0, 'o'},
                                         {"xlsx", 0, 0, OPT_XLSX},     {"prefill", 0, 0, OPT_PREFILL},
                                         {"help", 0, 0, 'h'},          {0, 0, 0, 0}};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (ch) {
        case CLI_OPT_CONFIG:
        case CLI_OPT_SET:
            if (cli_config_option("template", &a->conf, ch, optarg))
                return 2;
            break;
        case OPT_CATALOG: a->catalog = optarg; break;
        case OPT_UNIT: a->unit = optarg; break;
        case OPT_DATASET: a->dataset = optarg; break;
        case OPT_PERIOD: a->period = optarg; break;
        case 'o': a->out = optarg; break;
        case OPT_XLSX: a->xlsx = true; break;
        case OPT_PREFILL: a->prefill = true; break;
        case 'h': cli_usage(stdout, usage_text); return 1;
        default: return cli_bad_option("template", ch, argv, usage_text);
        }
    }
    if (optind < argc) {
        msg_fail("template", MSG_ARGUMENT_UNEXPECTED, argv[optind]);
        cli_usage(stderr, usage_text);
        return 2;
    }
    if (!a->unit)
        return cli_missing("template", "--unit", MSG_WHAT_UNIT, usage_text);
    if (!a->dataset)
        return cli_missing("template", "--dataset", MSG_WHAT_DATASET, usage_text);
    if (!a->period)
        return cli_missing("template", "--period", MSG_WHAT_PERIOD, usage_text);
    if (a->xlsx && (!a->out || !strcmp(a->out, "-"))) {
        msg_fail("template", MSG_XLSX_NEEDS_OUT);
        return 2;
    }
    return 0;
}

/* The report the template is for, as the catalog knows it. */
typedef struct {
    const catalog_t *cat;
    int unit, ds;
    period_t p;
} target_report_t;

/* Checks the unit, dataset and period against the catalog in `dir` as the
 * collector would.  Returns 0, or 1 after naming what does not fit. */
static int check_report(const template_args_t *a, const char *dir, target_report_t *r)
{
    const catalog_t *c = r->cat;
    if ((r->unit = catalog_unit(c, a->unit)) < 0)
        msg_fail("template", MSG_UNIT_NOT_IN_CATALOG, a->unit, dir);
    else if ((r->ds = catalog_dataset(c, a->dataset)) < 0)
        msg_fail("template", MSG_DATASET_NOT_IN_CATALOG, a->dataset, dir);
    else if (r->p.type != c->datasets[r->ds].ptype)
        msg_fail("template", MSG_PERIOD_WRONG_TYPE, a->dataset, cli_period_type(c->datasets[r->ds].ptype), a->period);
    else if (!catalog_must_report(c, r->ds, r->unit))
        msg_fail("template", MSG_UNIT_NOT_REQUIRED, a->unit, a->dataset);
    else if (!catalog_open_in(c, r->unit, r->p))
        msg_fail("template", MSG_UNIT_CLOSED_IN, a->unit, a->period);
    else
        return 0;
    return 1;
}

/* One CSV field and what follows it (a comma, or the line's end). */
static void csv_field(FILE *f, const char *s, bool last)
{
    csvtab_write_field(f, s);
    fputc(last ? '\n' : ',', f);
}

/* The rate whose numerator is indicator `ind`, or -1. */
static int rate_over(const catalog_t *c, int ind)
{
    for (int i = 0; i < c->ninds; i++)
        if (c->inds[i].kind == IND_RATE && c->inds[i].num == ind)
            return i;
    return -1;
}

/* How to write the value of indicator `ind`, in the chosen language. */
static const char *how_to_fill(const catalog_t *c, int ind, char *buf, size_t len)
{
    const indicator_t *in = &c->inds[ind];
    int rate = rate_over(c, ind);
    if (in->kind == IND_BOOL)
        return msg(MSG_HOW_BOOL);
    if (in->kind == IND_TAGS) {
        char tags[CATALOG_TAGS_MAX * (CATALOG_CODE_MAX + 1) + 1] = "";
        size_t off = 0;
        for (int t = 0; t < in->ntags; t++)
            off += (size_t)snprintf(tags + off, off < sizeof tags ? sizeof tags - off : 0, "%s%s", t ? "|" : "",
                                    in->tags[t]);
        return msg_format(buf, len, MSG_HOW_TAGS, tags);
    }
    if (rate >= 0)
        return msg_format(buf, len, MSG_HOW_NUMERATOR, c->inds[c->inds[rate].den].code);
    return msg(in->kind == IND_STOCK ? MSG_HOW_STOCK : MSG_HOW_COUNT);
}

/* The CSV: a header naming `indicator` and `value` (what submit looks for),
 * then one row per indicator to submit.  Returns the rates left out. */
static int write_template(FILE *f, const target_report_t *r, char *rates, size_t rlen)
{
    const catalog_t *c = r->cat;
    const dataset_t *d = &c->datasets[r->ds];
    int nrates = 0;
    size_t off = 0;
    csv_field(f, "indicator", false);
    csv_field(f, msg(MSG_H_INDICATOR_NAME), false);
    csv_field(f, msg(MSG_H_HOW_TO_FILL), false);
    csv_field(f, "value", true);
    for (int k = 0; k < d->ninds; k++) {
        const indicator_t *in = &c->inds[d->inds[k]];
        char how[4096];
        if (in->kind == IND_RATE) {
            off += (size_t)snprintf(rates + off, off < rlen ? rlen - off : 0, "%s%s", nrates++ ? ", " : "", in->code);
            continue;
        }
        csv_field(f, in->code, false);
        csv_field(f, in->name_vi, false);
        csv_field(f, how_to_fill(c, d->inds[k], how, sizeof how), false);
        csv_field(f, "", true);
    }
    return nrates;
}

/* Writes the template to a->out (or stdout) and the next steps on stderr.
 * Returns 0 or 1 (said). */
static int emit(const template_args_t *a, const target_report_t *r)
{
    FILE *f = a->out && strcmp(a->out, "-") ? fopen(a->out, "w") : stdout;
    char rates[1024] = "";
    int nrates = f ? write_template(f, r, rates, sizeof rates) : 0;
    if (!f || (f != stdout && fclose(f)) || (f == stdout && fflush(stdout))) {
        msg_fail("template", MSG_CANNOT_WRITE, a->out ? a->out : "stdout");
        return 1;
    }
    const catalog_t *c = r->cat;
    msg_line(stderr, MSG_TEMPLATE_FOR, c->units[r->unit].name, a->unit, c->datasets[r->ds].name, a->period);
    if (nrates)
        msg_line(stderr, MSG_TEMPLATE_RATES, rates);
    msg_line(stderr, MSG_TEMPLATE_NEXT, a->unit, a->dataset, a->period, a->out ? a->out : msg(MSG_WHAT_FILE));
    return 0;
}

/* ---- the Excel template ------------------------------------------------ */

/* Asks the aggregator for each unit's latest values (QUERY what=values).
 * Fills pf (the answers in ans stay alive for the values' tags); returns
 * the number of units pre-filled, or -1 when the aggregator did not answer. */
static int ask_latest(const config_t *cfg, const template_args_t *a, const catalog_t *c, const int *units, int n,
                      sheet_prefill_t *pf, client_answer_t *ans, proto_value_t **vals)
{
    void *ctx = zmq_ctx_new();
    int timeout = (int)config_int(cfg, "client", "timeout_ms", 2500), got = 0;
    for (int i = 0; i < n; i++) {
        proto_query_t q;
        memset(&q, 0, sizeof q);
        q.qid = (uint64_t)i + 1;
        snprintf(q.what, sizeof q.what, "values");
        snprintf(q.node, sizeof q.node, "%s", c->units[units[i]].code);
        snprintf(q.dataset, sizeof q.dataset, "%s", a->dataset);
        snprintf(q.period, sizeof q.period, "%s", a->period);
        proto_error_t err;
        memset(&err, 0, sizeof err);
        int rc = client_ask(ctx, cli_aggregator(cfg), timeout, &q, &ans[i], &err);
        if (rc == PROTO_E_NOT_FOUND)
            continue;
        if (rc) {
            msg_line(stderr, MSG_XLSX_PREFILL_FAILED, err.message);
            got = -1;
            break;
        }
        const proto_values_t *v = &ans[i].u.values.values;
        vals[i] = calloc(v->n ? v->n : 1, sizeof **vals);
        uint32_t k = 0;
        for (uint32_t j = 0; vals[i] && j < v->n; j++)
            if (proto_values_at(v, j, &vals[i][k]) == 0)
                k++;
        pf[got++] = (sheet_prefill_t){units[i], vals[i], k};
    }
    zmq_ctx_term(ctx);
    return got;
}

static int emit_xlsx(const config_t *cfg, const template_args_t *a, const target_report_t *r)
{
    const catalog_t *c = r->cat;
    int *units = calloc((size_t)c->nunits, sizeof *units);
    sheet_prefill_t *pf = calloc((size_t)c->nunits, sizeof *pf);
    client_answer_t *ans = calloc((size_t)c->nunits, sizeof *ans);
    proto_value_t **vals = calloc((size_t)c->nunits, sizeof *vals);
    int rc = 1;
    if (!units || !pf || !ans || !vals) {
        msg_fail("template", MSG_OUT_OF_MEMORY);
        goto out;
    }
    int n = sheet_units_for(c, r->unit, r->ds, r->p, units, c->nunits), npf = 0;
    if (n == 0) {
        msg_fail("template", MSG_XLSX_NO_UNITS, a->unit, a->dataset, a->period);
        goto out;
    }
    if (a->prefill && (npf = ask_latest(cfg, a, c, units, n, pf, ans, vals)) < 0)
        npf = 0;
    if (sheet_write_xlsx(a->out, c, r->unit, r->ds, r->p, units, n, pf, npf)) {
        msg_fail("template", MSG_CANNOT_WRITE, a->out);
        goto out;
    }
    char words[64];
    msg_line(stderr, MSG_XLSX_WRITTEN, a->out, c->datasets[r->ds].name,
             report_period_label(r->p, msg_lang() == LANG_EN, words, sizeof words), n,
             c->units[r->unit].name);
    if (a->prefill)
        msg_line(stderr, MSG_XLSX_PREFILLED, npf);
    msg_line(stderr, MSG_XLSX_NEXT, a->out);
    rc = 0;
out:
    for (int i = 0; ans && vals && i < c->nunits; i++) {
        free(vals[i]);
        client_answer_free(&ans[i]);
    }
    free(units);
    free(pf);
    free(ans);
    free(vals);
    return rc;
}

int cmd_template(int argc, char **argv)
{
    template_args_t a = {0};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    target_report_t r = {0};
    if (period_parse(a.period, &r.p)) {
        msg_fail("template", MSG_PERIOD_INVALID, a.period);
        return 2;
    }
    config_t *cfg = NULL;
    if ((rc = cli_config_load("template", &a.conf, &cfg)))
        return rc;
    const char *dir = a.catalog ? a.catalog : cli_catalog_dir(cfg);
    catalog_t *cat = cli_catalog("template", dir, false);
    r.cat = cat;
    rc = !cat || check_report(&a, dir, &r) ? 1 : a.xlsx ? emit_xlsx(cfg, &a, &r) : emit(&a, &r);
    catalog_destroy(&cat);
    config_destroy(&cfg);
    return rc;
}
