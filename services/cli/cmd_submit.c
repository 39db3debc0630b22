/*
 * cchc submit --config FILE [--set SECTION.KEY=VALUE ...] --unit CODE --dataset CODE --period P
 *             [--id ID] [--note TEXT] [--key FILE] (--value IND=VALUE ... | --file FILE.csv|FILE.json)
 *             [--comment IND=TEXT ...]
 *
 * Prints the collector's answer: accepted or duplicate (exit 0), or the
 * refusal -- its code, the code's explanation and the collector's sentence
 * (exit 1).  Exit 3 only when the SUBMIT left and no answer came: then, and
 * only then, the report may or may not be stored.  Values are typed with the
 * catalog when it can be read ([catalog] dir): counts and stocks take whole
 * numbers, yes/no takes có/không/yes/no/true/false/1/0, tags take `a|b|c`.
 * The CSV format (the one `cchc template` writes) is in docs/cli.md.  An
 * Excel file (`cchc template --xlsx`) is sent row by row by
 * cmd_submit_sheet.c.
 */
#include <csv.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "cli.h"
#include "client.h"
#include "period.h"
#include "proto.h"

#define MAX_VALUES 256
#define CSV_FIELD_MAX 4096 /* 32 tags of 64 bytes and their separators fit */

static const char usage_text[] =
    "cchc submit --config FILE [--set SECTION.KEY=VALUE ...] --unit CODE --dataset CODE --period P\n"
    "                   [--id ID] [--note TEXT] [--key FILE] (--value INDICATOR=VALUE ... | --file FILE.csv|FILE.json)\n"
    "                   [--comment INDICATOR=TEXT ...]\n"
    "       cchc submit --config FILE [--set SECTION.KEY=VALUE ...] --file FILE.xlsx [--unit CODE] [--dataset CODE] [--period P]\n"
    "                   [--note TEXT] [--key FILE]";

typedef struct {
    cli_config_args_t conf;
    const char *keyfile, *unit, *dataset, *period, *id, *note, *file;
    const char *values[MAX_VALUES]; /* --value IND=VALUE, in order */
    int nvalues;
    const char *comments[MAX_VALUES]; /* --comment IND=TEXT, in order */
    int ncomments;
    bool sheet; /* --file is an Excel file: cmd_submit_sheet.c */
} submit_args_t;

/* The values of the report, typed; the strings the tags point into. */
typedef struct {
    proto_value_t v[MAX_VALUES];
    uint32_t n;
    char *strings[2 * MAX_VALUES];   /* tags' and comments' text */
    int nstrings;
    proto_strpair_t comments[MAX_VALUES]; /* SUBMIT.comments: indicator -> text */
    uint32_t ncomments;
    const catalog_t *cat; /* NULL: typed by their look */
    char err[1024];
} values_t;

/* ---- one value --------------------------------------------------------- */

static bool is_word(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (!strcasecmp(s, *words))
            return true;
    return false;
}

/* strcasecmp() folds ASCII only: the Vietnamese words are listed in their
 * usual spellings. */
static const char *const yes_words[] = {"yes", "true", "1", "có", "Có", "CÓ", NULL};
static const char *const no_words[] = {"no", "false", "0", "không", "Không", "KHÔNG", NULL};

/* A decimal number (3.0, 2,5 is not one: a comma separates tags). */
static bool looks_decimal(const char *s)
{
    char *end;
    strtod(s, &end);
    return *s && !*end && strpbrk(s, ".eE");
}

/* The kind a value is sent as: the catalog's, else guessed from its look. */
static int value_kind(values_t *vs, const char *code, const char *s, ind_kind_t *kind)
{
    int ind = vs->cat ? catalog_indicator(vs->cat, code) : -1;
    *kind = ind >= 0 ? vs->cat->inds[ind].kind : 0;
    if (*kind == IND_RATE) {
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_RATE, code);
        return -1;
    }
    if (*kind)
        return 0;
    char *end;
    errno = 0;
    strtoll(s, &end, 10);
    if (is_word(s, yes_words) || is_word(s, no_words))
        *kind = IND_BOOL;
    else if ((!*end && !errno) || looks_decimal(s))
        *kind = IND_COUNT;
    else
        *kind = IND_TAGS;
    return 0;
}

static int parse_bool(values_t *vs, proto_value_t *v, const char *s)
{
    v->kind = PV_BOOL;
    v->i = is_word(s, yes_words);
    if (v->i || is_word(s, no_words))
        return 0;
    msg_format(vs->err, sizeof vs->err, MSG_VALUE_NOT_BOOL, v->code, s);
    return -1;
}

static int parse_int(values_t *vs, proto_value_t *v, const char *s)
{
    char *end;
    errno = 0;
    long long n = strtoll(s, &end, 10);
    if (!*s || *end || errno) {
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_NOT_WHOLE, v->code, s);
        return -1;
    }
    v->kind = PV_INT;
    v->i = n;
    return 0;
}

/* Tags are separated by '|' (',' and spaces are accepted too); s is kept in
 * vs->strings, where the tags point. */
static int parse_tags(values_t *vs, proto_value_t *v, const char *s)
{
    char *copy = strdup(s);
    if (!copy || vs->nstrings == 2 * MAX_VALUES) {
        free(copy);
        msg_format(vs->err, sizeof vs->err, MSG_OUT_OF_MEMORY);
        return -1;
    }
    vs->strings[vs->nstrings++] = copy;
    v->kind = PV_TAGS;
    char *save;
    for (char *tok = strtok_r(copy, "|, ", &save); tok; tok = strtok_r(NULL, "|, ", &save)) {
        if (v->ntags == PROTO_TAGS_MAX) {
            msg_format(vs->err, sizeof vs->err, MSG_VALUE_TOO_MANY_TAGS, v->code, PROTO_TAGS_MAX);
            return -1;
        }
        v->tags[v->ntags].ptr = tok;
        v->tags[v->ntags++].len = (uint32_t)strlen(tok);
    }
    return 0;
}

/* Adds IND=VALUE (code of clen bytes, val NUL-terminated and not empty). */
static int add_value(values_t *vs, const char *code, size_t clen, const char *val)
{
    if (clen == 0 || clen >= sizeof vs->v[0].code) {
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_BAD_CODE, (int)clen, code);
        return -1;
    }
    if (vs->n == MAX_VALUES) {
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_TOO_MANY, MAX_VALUES);
        return -1;
    }
    proto_value_t *v = &vs->v[vs->n];
    memset(v, 0, sizeof *v);
    memcpy(v->code, code, clen);
    ind_kind_t kind;
    if (value_kind(vs, v->code, val, &kind))
        return -1;
    int rc = kind == IND_BOOL ? parse_bool(vs, v, val) : kind == IND_TAGS ? parse_tags(vs, v, val)
                                                                          : parse_int(vs, v, val);
    if (rc == 0)
        vs->n++;
    return rc;
}

/* ---- --value IND=VALUE --------------------------------------------------- */

static int add_assignment(values_t *vs, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) {
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_SYNTAX, arg);
        return -1;
    }
    return add_value(vs, arg, (size_t)(eq - arg), eq + 1);
}

/* ---- comments beside values (--comment IND=TEXT, the CSV's comment) ---- */

/* Adds the comment `text` beside indicator `code` (clen bytes); an empty
 * text is no comment.  The collector checks that the code is one of the
 * dataset's indicators. */
static int add_comment(values_t *vs, const char *code, size_t clen, const char *text)
{
    size_t tl = strlen(text);
    if (tl == 0)
        return 0;
    if (clen == 0 || clen > 64) {
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_BAD_CODE, (int)clen, code);
        return -1;
    }
    if (tl > PROTO_STRMAP_TEXT_MAX) {
        msg_format(vs->err, sizeof vs->err, MSG_COMMENT_TOO_LONG, (int)clen, code, tl, PROTO_STRMAP_TEXT_MAX);
        return -1;
    }
    for (uint32_t i = 0; i < vs->ncomments; i++)
        if (vs->comments[i].code.len == clen && !memcmp(vs->comments[i].code.ptr, code, clen)) {
            msg_format(vs->err, sizeof vs->err, MSG_COMMENT_TWICE, (int)clen, code);
            return -1;
        }
    char *copy = malloc(clen + tl + 1);
    if (!copy || vs->nstrings == 2 * MAX_VALUES || vs->ncomments == MAX_VALUES) {
        free(copy);
        msg_format(vs->err, sizeof vs->err, MSG_OUT_OF_MEMORY);
        return -1;
    }
    memcpy(copy, code, clen);
    memcpy(copy + clen, text, tl + 1);
    vs->strings[vs->nstrings++] = copy;
    vs->comments[vs->ncomments++] = (proto_strpair_t){{copy, (uint32_t)clen}, {copy + clen, (uint32_t)tl}};
    return 0;
}

static int add_comment_arg(values_t *vs, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) {
        msg_format(vs->err, sizeof vs->err, MSG_COMMENT_SYNTAX, arg);
        return -1;
    }
    return add_comment(vs, arg, (size_t)(eq - arg), eq + 1);
}

/* ---- CSV file: a header naming `indicator` and `value` ----------------- */

typedef struct {
    values_t *vs;
    const char *path;
    int col_ind, col_val, col_com; /* column numbers, -1 until the header names them (comment: optional) */
    char field[3][CSV_FIELD_MAX];  /* this row's indicator, value and comment */
    size_t flen[3];
    int col, row, nonblank, failed;
} csvctx_t;

/* Spreadsheets add spaces and, at the start of a file, a byte-order mark. */
static void trim(char *s, size_t *len)
{
    size_t a = 0, n = *len;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        a = 3;
    while (a < n && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
    *len = n - a;
}

/* Says what is wrong with this row of the file. */
static void csv_fail_text(csvctx_t *c, const char *what)
{
    char copy[sizeof c->vs->err];
    snprintf(copy, sizeof copy, "%s", what); /* `what` may be vs->err itself */
    msg_format(c->vs->err, sizeof c->vs->err, MSG_CSV_AT, c->path, c->row, copy);
    c->failed = 1;
}

static void csv_fail(csvctx_t *c, msg_id_t id, const char *arg)
{
    char what[512];
    csv_fail_text(c, msg_format(what, sizeof what, id, arg));
}

static void csv_cb_field(void *s, size_t len, void *ud)
{
    csvctx_t *c = ud;
    char buf[CSV_FIELD_MAX];
    size_t n = len < sizeof buf - 1 ? len : sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    trim(buf, &n);
    if (n)
        c->nonblank = 1;
    if (c->row == 1) { /* the header */
        if (!strcasecmp(buf, "indicator") && c->col_ind < 0)
            c->col_ind = c->col;
        else if (!strcasecmp(buf, "value") && c->col_val < 0)
            c->col_val = c->col;
        else if (!strcasecmp(buf, "comment") && c->col_com < 0)
            c->col_com = c->col;
    } else if (c->col == c->col_ind || c->col == c->col_val || c->col == c->col_com) {
        int k = c->col == c->col_ind ? 0 : c->col == c->col_val ? 1 : 2;
        if (len >= sizeof c->field[k] && !c->failed)
            csv_fail(c, MSG_CSV_TOO_LONG, "");
        memcpy(c->field[k], buf, n + 1);
        c->flen[k] = n;
    }
    c->col++;
}

static void csv_cb_row(int ch, void *ud)
{
    csvctx_t *c = ud;
    (void)ch;
    int blank = !c->nonblank;
    c->col = c->nonblank = 0;
    if (c->failed)
        return;
    if (c->row == 1) {
        if (c->col_ind < 0 || c->col_val < 0)
            csv_fail(c, MSG_CSV_HEADER, "");
    } else if (!blank && (c->flen[1] > 0 || c->flen[2] > 0)) {
        /* A row whose value is left empty is not reported (which is not 0);
         * its comment, if any, still stands beside the indicator. */
        if (c->flen[0] == 0)
            csv_fail(c, MSG_CSV_NO_INDICATOR, c->flen[1] ? c->field[1] : c->field[2]);
        else if ((c->flen[1] > 0 && add_value(c->vs, c->field[0], c->flen[0], c->field[1])) ||
                 add_comment(c->vs, c->field[0], c->flen[0], c->flen[2] ? c->field[2] : ""))
            csv_fail_text(c, c->vs->err);
    }
    c->flen[0] = c->flen[1] = c->flen[2] = 0;
    c->row++;
}

static int read_csv(values_t *vs, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        msg_format(vs->err, sizeof vs->err, MSG_FILE_UNREADABLE, path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    static csvctx_t c; /* two 4 KiB fields: not on the stack */
    memset(&c, 0, sizeof c);
    c.vs = vs;
    c.path = path;
    c.col_ind = c.col_val = c.col_com = -1;
    c.row = 1;
    char buf[4096];
    size_t n;
    while (!c.failed && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, csv_cb_field, csv_cb_row, &c) != n) {
            msg_format(vs->err, sizeof vs->err, MSG_FILE_NOT_CSV, path, csv_strerror(csv_error(&p)));
            c.failed = 1;
        }
    if (!c.failed)
        csv_fini(&p, csv_cb_field, csv_cb_row, &c);
    if (!c.failed && c.row == 1)
        csv_fail(&c, MSG_CSV_HEADER, "");
    csv_free(&p);
    fclose(f);
    return c.failed ? -1 : 0;
}

/* ---- JSON file: {"IND": 12, "IND2": true, "IND3": ["tag", ...]} -------- */

static int json_value(values_t *vs, proto_value_t *pv, const char *k, json_t *v)
{
    size_t i;
    json_t *t;
    if (json_is_integer(v)) {
        pv->kind = PV_INT;
        pv->i = json_integer_value(v);
    } else if (json_is_boolean(v)) {
        pv->kind = PV_BOOL;
        pv->i = json_is_true(v);
    } else if (json_is_array(v) && json_array_size(v) <= PROTO_TAGS_MAX) {
        pv->kind = PV_TAGS;
        json_array_foreach(v, i, t)
        {
            if (!json_is_string(t)) {
                msg_format(vs->err, sizeof vs->err, MSG_JSON_TAGS, k);
                return -1;
            }
            pv->tags[pv->ntags].ptr = json_string_value(t); /* lives as long as the document */
            pv->tags[pv->ntags++].len = (uint32_t)json_string_length(t);
        }
    } else if (json_is_array(v)) {
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_TOO_MANY_TAGS, k, PROTO_TAGS_MAX);
        return -1;
    } else if (json_is_real(v)) {
        char *num = json_dumps(v, JSON_ENCODE_ANY); /* as written: 3.0 keeps its point */
        msg_format(vs->err, sizeof vs->err, MSG_VALUE_NOT_WHOLE, k, num ? num : "?");
        free(num);
        return -1;
    } else {
        msg_format(vs->err, sizeof vs->err, MSG_JSON_VALUE, k);
        return -1;
    }
    return 0;
}

/* Reads the file into vs; *doc keeps the tags' strings alive until the
 * report is sent (the caller json_decref()s it). */
static int read_json(values_t *vs, const char *path, json_t **doc)
{
    json_error_t je;
    memset(&je, 0, sizeof je);
    json_t *root = json_load_file(path, 0, &je);
    *doc = root;
    if (!root || !json_is_object(root)) {
        msg_format(vs->err, sizeof vs->err, root ? MSG_JSON_NOT_OBJECT : MSG_FILE_NOT_JSON, path, je.line, je.text);
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (vs->n == MAX_VALUES) {
            msg_format(vs->err, sizeof vs->err, MSG_VALUE_TOO_MANY, MAX_VALUES);
            return -1;
        }
        proto_value_t *pv = &vs->v[vs->n];
        memset(pv, 0, sizeof *pv);
        size_t kl = strlen(k);
        if (kl == 0 || kl >= sizeof pv->code) {
            msg_format(vs->err, sizeof vs->err, MSG_VALUE_BAD_CODE, (int)kl, k);
            return -1;
        }
        memcpy(pv->code, k, kl + 1);
        if (json_value(vs, pv, k, v))
            return -1;
        vs->n++;
    }
    return 0;
}

/* ---- the SUBMIT ------------------------------------------------------- */

static void build_submit(proto_msg_t *m, const submit_args_t *a, const values_t *vs)
{
    memset(m, 0, sizeof *m);
    m->type = PROTO_SUBMIT;
    proto_submit_t *s = &m->u.submit;
    if (a->id)
        snprintf(s->id, sizeof s->id, "%s", a->id);
    else
        client_make_id(s->id, sizeof s->id, a->unit, a->period);
    snprintf(s->unit, sizeof s->unit, "%s", a->unit);
    snprintf(s->dataset, sizeof s->dataset, "%s", a->dataset);
    snprintf(s->period, sizeof s->period, "%s", a->period);
    if (a->note)
        snprintf(s->note, sizeof s->note, "%s", a->note);
    s->values.n = vs->n;
    s->values.items = vs->v;
    s->comments.n = vs->ncomments;
    s->comments.items = vs->comments;
}

/* What became of the SUBMIT, said to the officer.  Returns the exit status. */
static int print_outcome(int rc, const proto_msg_t *m, const proto_msg_t *reply, const char *endpoint,
                         const char *err)
{
    if (rc == CLIENT_NO_ANSWER) {
        msg_fail("submit", MSG_NO_ANSWER_DETAIL, err);
        msg_line(stdout, MSG_SUBMIT_UNKNOWN, err, m->u.submit.id);
        return 3;
    }
    if (rc == CLIENT_BAD_ENDPOINT) {
        msg_fail("submit", MSG_SUBMIT_BAD_ENDPOINT, endpoint, err);
        return 1;
    }
    if (rc) {
        msg_fail("submit", MSG_SUBMIT_NOT_SENT, err);
        return 1;
    }
    if (reply->type == PROTO_NACK) {
        cli_refusal(stdout, MSG_REJECTED, reply->u.nack.code, reply->u.nack.message);
        return 1;
    }
    const proto_ack_t *k = &reply->u.ack;
    msg_line(stdout, strcmp(k->status, "duplicate") ? MSG_ACCEPTED : MSG_DUPLICATE, (unsigned long long)k->seq,
             (unsigned long long)k->version, k->id);
    return 0;
}

int cli_submit_one(void *ctx, const client_opts_t *o, const proto_msg_t *m)
{
    char err[512];
    proto_msg_t reply;
    char *buf = NULL;
    int rc = client_submit(ctx, o, m, &reply, &buf, err, sizeof err);
    int status = print_outcome(rc, m, &reply, o->endpoint, err);
    if (rc == 0)
        proto_msg_free(&reply);
    free(buf);
    return status;
}

static int send_report(const config_t *cfg, const proto_msg_t *m)
{
    client_opts_t o;
    char pub[41], sec[41], srv[41], err[512];
    if (client_opts_from_config(cfg, &o, pub, sec, srv, err, sizeof err)) {
        msg_fail("submit", MSG_CLIENT_SETUP, err);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    int status = cli_submit_one(ctx, &o, m);
    zmq_ctx_term(ctx);
    return status;
}

/* ---- the command -------------------------------------------------------- */

enum { OPT_UNIT = 1, OPT_DATASET, OPT_PERIOD, OPT_ID, OPT_NOTE, OPT_VALUE, OPT_KEY, OPT_FILE, OPT_COMMENT, OPT_HELP };

/* Returns 0, 1 after --help, or 2 after a usage error (said). */
static int parse_args(int argc, char **argv, submit_args_t *a)
{
    static const struct option opts[] = {
        CLI_CONFIG_OPTIONS,          {"unit", 1, 0, OPT_UNIT}, {"dataset", 1, 0, OPT_DATASET},
        {"period", 1, 0, OPT_PERIOD}, {"id", 1, 0, OPT_ID},     {"note", 1, 0, OPT_NOTE},
        {"value", 1, 0, OPT_VALUE},  {"key", 1, 0, OPT_KEY},   {"file", 1, 0, OPT_FILE},
        {"comment", 1, 0, OPT_COMMENT}, {"help", 0, 0, OPT_HELP}, {0, 0, 0, 0}};
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (ch) {
        case CLI_OPT_CONFIG:
        case CLI_OPT_SET:
            if (cli_config_option("submit", &a->conf, ch, optarg))
                return 2;
            break;
        case OPT_UNIT: a->unit = optarg; break;
        case OPT_DATASET: a->dataset = optarg; break;
        case OPT_PERIOD: a->period = optarg; break;
        case OPT_ID: a->id = optarg; break;
        case OPT_NOTE: a->note = optarg; break;
        case OPT_KEY: a->keyfile = optarg; break;
        case OPT_FILE: a->file = optarg; break;
        case OPT_VALUE:
            if (a->nvalues == MAX_VALUES) {
                msg_fail("submit", MSG_VALUE_TOO_MANY, MAX_VALUES);
                return 2;
            }
            a->values[a->nvalues++] = optarg;
            break;
        case OPT_COMMENT:
            if (a->ncomments == MAX_VALUES) {
                msg_fail("submit", MSG_VALUE_TOO_MANY, MAX_VALUES);
                return 2;
            }
            a->comments[a->ncomments++] = optarg;
            break;
        case OPT_HELP: cli_usage(stdout, usage_text); return 1;
        default: return cli_bad_option("submit", ch, argv, usage_text);
        }
    }
    /* The file may also come last without --file (the older spelling). */
    if (optind < argc && !a->file)
        a->file = argv[optind++];
    if (optind < argc) {
        msg_fail("submit", MSG_ARGUMENT_UNEXPECTED, argv[optind]);
        cli_usage(stderr, usage_text);
        return 2;
    }
    /* An Excel file names its dataset, period and units itself. */
    if (a->file && cli_is_xlsx(a->file)) {
        if (a->nvalues || a->id) {
            msg_fail("submit", MSG_SHEET_OPTIONS);
            return 2;
        }
        a->sheet = true;
        return 0;
    }
    if (!a->unit)
        return cli_missing("submit", "--unit", MSG_WHAT_UNIT, usage_text);
    if (!a->dataset)
        return cli_missing("submit", "--dataset", MSG_WHAT_DATASET, usage_text);
    if (!a->period)
        return cli_missing("submit", "--period", MSG_WHAT_PERIOD, usage_text);
    return 0;
}

/* Reads every value of the report into vs.  *doc: see read_json(). */
static int collect_values(const submit_args_t *a, values_t *vs, json_t **doc)
{
    for (int i = 0; i < a->nvalues; i++)
        if (add_assignment(vs, a->values[i]))
            return -1;
    for (int i = 0; i < a->ncomments; i++)
        if (add_comment_arg(vs, a->comments[i]))
            return -1;
    if (a->file) {
        size_t fl = strlen(a->file);
        int r = fl > 5 && !strcasecmp(a->file + fl - 5, ".json") ? read_json(vs, a->file, doc) : read_csv(vs, a->file);
        if (r)
            return -1;
    }
    if (vs->n == 0) {
        msg_format(vs->err, sizeof vs->err, MSG_NO_VALUES);
        return -1;
    }
    return 0;
}

int cmd_submit(int argc, char **argv)
{
    static submit_args_t a;
    static values_t vs;
    memset(&a, 0, sizeof a);
    memset(&vs, 0, sizeof vs);
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc == 1 ? 0 : rc;
    period_t p;
    if (a.period && period_parse(a.period, &p)) {
        msg_fail("submit", MSG_PERIOD_INVALID, a.period);
        return 2;
    }
    config_t *cfg = NULL;
    if ((rc = cli_config_load("submit", &a.conf, &cfg)))
        return rc;
    if (a.keyfile)
        config_set(cfg, "client", "key_file", a.keyfile);
    if (a.sheet) {
        rc = cli_submit_sheet(cfg, a.file, a.unit, a.dataset, a.period, a.note);
        config_destroy(&cfg);
        return rc;
    }
    /* The catalog only types the values; the collector is the judge. */
    catalog_t *cat = cli_catalog("submit", cli_catalog_dir(cfg), true);
    vs.cat = cat;
    json_t *doc = NULL;
    proto_msg_t m;
    if (collect_values(&a, &vs, &doc)) {
        msg_fail_text("submit", vs.err);
        rc = 2;
    } else {
        build_submit(&m, &a, &vs);
        rc = send_report(cfg, &m);
    }
    json_decref(doc);
    for (int i = 0; i < vs.nstrings; i++)
        free(vs.strings[i]);
    catalog_destroy(&cat);
    config_destroy(&cfg);
    return rc;
}
