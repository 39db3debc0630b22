/*
 * cchc submit --config FILE --unit CODE --dataset CODE --period P
 *             [--id ID] [--note TEXT] [--key FILE] (--set IND=VALUE ... | FILE.csv | FILE.json)
 *
 * Prints `accepted seq=N version=V`, `duplicate seq=N version=V` (exit 0) or
 * `rejected CODE: sentence` (exit 1); exit 3 when the collector never
 * answered.  Values are typed with the catalog when it can be read ([catalog]
 * dir): counts take integers, yes/no takes yes/no/true/false/1/0, tags take
 * `a|b|c`.  A CSV file has the header `indicator,value`; a JSON file is an
 * object {"IND": 12, "IND2": true, "IND3": ["tag", ...]}.
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

#include "catalog.h"
#include "cli.h"
#include "client.h"
#include "config.h"
#include "proto.h"

#define MAX_VALUES 256

typedef struct {
    proto_value_t v[MAX_VALUES];
    uint32_t n;
    char *strings[MAX_VALUES * 2]; /* owned copies the tags point into */
    int nstrings;
    const catalog_t *cat;
    char err[512];
} values_t;

static char *keep(values_t *vs, const char *s, size_t len)
{
    if (vs->nstrings >= MAX_VALUES * 2)
        return NULL;
    char *c = strndup(s, len);
    if (c)
        vs->strings[vs->nstrings++] = c;
    return c;
}

/* Adds one IND=VALUE, typed by the catalog (or by its look without one). */
static int add_value(values_t *vs, const char *code, size_t clen, const char *val, size_t vlen)
{
    if (vs->n >= MAX_VALUES || clen == 0 || clen > 64) {
        snprintf(vs->err, sizeof vs->err, "bad indicator '%.*s' (or more than %d values)", (int)clen, code, MAX_VALUES);
        return -1;
    }
    proto_value_t *v = &vs->v[vs->n];
    memset(v, 0, sizeof *v);
    memcpy(v->code, code, clen);
    char *s = keep(vs, val, vlen);
    if (!s)
        return -1;
    int ind = vs->cat ? catalog_indicator(vs->cat, v->code) : -1;
    ind_kind_t kind = ind >= 0 ? vs->cat->inds[ind].kind : 0;
    char *end;
    if (kind == IND_BOOL || (!kind && (!strcasecmp(s, "yes") || !strcasecmp(s, "no") || !strcasecmp(s, "true") ||
                                       !strcasecmp(s, "false") || !strcasecmp(s, "có") || !strcasecmp(s, "không")))) {
        v->kind = PV_BOOL;
        if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "có"))
            v->i = 1;
        else if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "không"))
            v->i = 0;
        else {
            snprintf(vs->err, sizeof vs->err, "%s takes yes or no, not '%s'", v->code, s);
            return -1;
        }
    } else if (kind == IND_TAGS || (!kind && *s && (strtoll(s, &end, 10), *end))) {
        v->kind = PV_TAGS;
        for (char *tok = strtok(s, "|, "); tok; tok = strtok(NULL, "|, ")) {
            if (v->ntags == PROTO_TAGS_MAX)
                break;
            v->tags[v->ntags].ptr = tok;
            v->tags[v->ntags++].len = (uint32_t)strlen(tok);
        }
    } else {
        errno = 0;
        long long n = strtoll(s, &end, 10);
        if (!*s || *end || errno) {
            snprintf(vs->err, sizeof vs->err, "%s takes a whole number, not '%s'", v->code, s);
            return -1;
        }
        v->kind = PV_INT;
        v->i = n;
    }
    vs->n++;
    return 0;
}

/* ---- CSV file: indicator,value ---------------------------------------- */

typedef struct {
    values_t *vs;
    char f[2][1024];
    size_t flen[2];
    int field, row, failed;
} csvctx_t;

static void csv_cb_field(void *s, size_t len, void *ud)
{
    csvctx_t *c = ud;
    if (c->field < 2) {
        size_t n = len < 1023 ? len : 1023;
        memcpy(c->f[c->field], s, n);
        c->f[c->field][n] = '\0';
        c->flen[c->field] = n;
    }
    c->field++;
}

static void csv_cb_row(int ch, void *ud)
{
    csvctx_t *c = ud;
    (void)ch;
    int nf = c->field;
    c->field = 0;
    if (c->failed || c->row++ == 0)
        return; /* header */
    if (nf == 1 && c->flen[0] == 0)
        return;
    if (nf != 2) {
        snprintf(c->vs->err, sizeof c->vs->err, "line %d: expected 'indicator,value'", c->row);
        c->failed = 1;
        return;
    }
    if (add_value(c->vs, c->f[0], c->flen[0], c->f[1], c->flen[1]))
        c->failed = 1;
}

static int read_csv(values_t *vs, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(vs->err, sizeof vs->err, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    csvctx_t c = {.vs = vs};
    char buf[4096];
    size_t n;
    while (!c.failed && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, csv_cb_field, csv_cb_row, &c) != n) {
            snprintf(vs->err, sizeof vs->err, "%s: %s", path, csv_strerror(csv_error(&p)));
            c.failed = 1;
        }
    if (!c.failed)
        csv_fini(&p, csv_cb_field, csv_cb_row, &c);
    csv_free(&p);
    fclose(f);
    return c.failed ? -1 : 0;
}

/* ---- JSON file --------------------------------------------------------- */

static int read_json(values_t *vs, const char *path)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root || !json_is_object(root)) {
        snprintf(vs->err, sizeof vs->err, "%s:%d: %s", path, je.line, root ? "expected a JSON object" : je.text);
        json_decref(root);
        return -1;
    }
    const char *k;
    json_t *v;
    int rc = 0;
    json_object_foreach(root, k, v)
    {
        if (vs->n >= MAX_VALUES) {
            rc = -1;
            snprintf(vs->err, sizeof vs->err, "more than %d values", MAX_VALUES);
            break;
        }
        proto_value_t *pv = &vs->v[vs->n];
        memset(pv, 0, sizeof *pv);
        if (strlen(k) == 0 || strlen(k) > 64) {
            snprintf(vs->err, sizeof vs->err, "bad indicator code '%s'", k);
            rc = -1;
            break;
        }
        strcpy(pv->code, k);
        if (json_is_integer(v)) {
            pv->kind = PV_INT;
            pv->i = json_integer_value(v);
        } else if (json_is_boolean(v)) {
            pv->kind = PV_BOOL;
            pv->i = json_is_true(v);
        } else if (json_is_array(v)) {
            pv->kind = PV_TAGS;
            size_t i;
            json_t *t;
            json_array_foreach(v, i, t)
            {
                if (!json_is_string(t) || pv->ntags == PROTO_TAGS_MAX) {
                    snprintf(vs->err, sizeof vs->err, "%s: tags must be strings (at most %d)", k, PROTO_TAGS_MAX);
                    rc = -1;
                    break;
                }
                char *s = keep(vs, json_string_value(t), json_string_length(t));
                pv->tags[pv->ntags].ptr = s;
                pv->tags[pv->ntags++].len = (uint32_t)json_string_length(t);
            }
        } else {
            snprintf(vs->err, sizeof vs->err, "%s: a value must be an integer, true/false or a list of tags", k);
            rc = -1;
        }
        if (rc)
            break;
        vs->n++;
    }
    json_decref(root);
    return rc;
}

static void make_id(char *out, size_t n, const char *unit, const char *period)
{
    unsigned char r[6];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(r, 1, sizeof r, f) != sizeof r)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)(rand() ^ (int)time(NULL) ^ getpid());
    if (f)
        fclose(f);
    /* The id must fit 64 code characters: keep the unit's tail. */
    size_t ul = strlen(unit);
    const char *u = ul > 36 ? unit + ul - 36 : unit;
    snprintf(out, n, "%s.%s.%02x%02x%02x%02x%02x%02x", u, period, r[0], r[1], r[2], r[3], r[4], r[5]);
}

int cmd_submit(int argc, char **argv)
{
    const char *keyfile = NULL;
    const char *cfgpath = NULL, *unit = NULL, *dataset = NULL, *period = NULL, *id = NULL, *note = NULL;
    static values_t vs;
    memset(&vs, 0, sizeof vs);
    const char *sets[MAX_VALUES];
    int nsets = 0;
    static const struct option opts[] = {
        {"config", required_argument, 0, 'c'}, {"unit", required_argument, 0, 'u'}, {"dataset", required_argument, 0, 'd'},
        {"period", required_argument, 0, 'p'}, {"id", required_argument, 0, 'i'},   {"note", required_argument, 0, 'n'},
        {"set", required_argument, 0, 's'},    {"key", required_argument, 0, 'k'},  {0, 0, 0, 0}};
    int ch, rc = 1;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': cfgpath = optarg; break;
        case 'u': unit = optarg; break;
        case 'd': dataset = optarg; break;
        case 'p': period = optarg; break;
        case 'i': id = optarg; break;
        case 'n': note = optarg; break;
        case 'k': keyfile = optarg; break;
        case 's':
            if (nsets < MAX_VALUES)
                sets[nsets++] = optarg;
            break;
        default: goto usage;
        }
    }
    const char *file = optind < argc ? argv[optind] : NULL;
    if (!unit || !dataset || !period || (optind + 1 < argc) || (!file && nsets == 0 && 0))
        goto usage;

    config_t *cfg = NULL;
    catalog_t *cat = NULL;
    char err[512];
    if (config_load(cfgpath, &cfg, err, sizeof err)) {
        fprintf(stderr, "cchc submit: %s\n", err);
        return 2;
    }
    if (keyfile)
        config_set(cfg, "client", "key_file", keyfile);
    /* The catalog only types the values; the collector is the judge. */
    catalog_load(config_get(cfg, "catalog", "dir", "deploy/catalog"), &cat, NULL, NULL);
    vs.cat = cat;
    for (int i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq) {
            snprintf(vs.err, sizeof vs.err, "--set wants IND=VALUE, got '%s'", sets[i]);
            goto fail;
        }
        if (add_value(&vs, sets[i], (size_t)(eq - sets[i]), eq + 1, strlen(eq + 1)))
            goto fail;
    }
    if (file) {
        size_t fl = strlen(file);
        int r = fl > 5 && !strcasecmp(file + fl - 5, ".json") ? read_json(&vs, file) : read_csv(&vs, file);
        if (r)
            goto fail;
    }

    proto_msg_t m, reply;
    memset(&m, 0, sizeof m);
    m.type = PROTO_SUBMIT;
    proto_submit_t *s = &m.u.submit;
    char idbuf[65];
    if (!id)
        make_id(idbuf, sizeof idbuf, unit, period);
    snprintf(s->id, sizeof s->id, "%s", id ? id : idbuf);
    snprintf(s->unit, sizeof s->unit, "%s", unit);
    snprintf(s->dataset, sizeof s->dataset, "%s", dataset);
    snprintf(s->period, sizeof s->period, "%s", period);
    if (note)
        snprintf(s->note, sizeof s->note, "%s", note);
    s->values.n = vs.n;
    s->values.items = vs.v;

    client_opts_t o;
    char pub[41], sec[41], srv[41];
    if (client_opts_from_config(cfg, &o, pub, sec, srv, vs.err, sizeof vs.err))
        goto fail;
    void *ctx = zmq_ctx_new();
    char *buf;
    if (client_submit(ctx, &o, &m, &reply, &buf, err, sizeof err)) {
        fprintf(stderr, "cchc submit: %s\n", err);
        printf("unknown: %s (the report may or may not be stored; run the same command with --id %s to find out)\n",
               err, s->id);
        rc = 3;
    } else if (reply.type == PROTO_ACK) {
        printf("%s seq=%llu version=%llu id=%s\n", reply.u.ack.status, (unsigned long long)reply.u.ack.seq,
               (unsigned long long)reply.u.ack.version, reply.u.ack.id);
        rc = 0;
    } else {
        printf("rejected %s: %s\n", reply.u.nack.code, reply.u.nack.message);
        rc = 1;
    }
    proto_msg_free(&reply);
    free(buf);
    zmq_ctx_term(ctx);
    goto out;
fail:
    fprintf(stderr, "cchc submit: %s\n", vs.err);
    rc = 2;
out:
    for (int i = 0; i < vs.nstrings; i++)
        free(vs.strings[i]);
    catalog_destroy(&cat);
    config_destroy(&cfg);
    return rc;
usage:
    fprintf(stderr, "usage: cchc submit --config FILE --unit CODE --dataset CODE --period P [--id ID] [--note TEXT] [--key FILE]\n"
                    "                   (--set IND=VALUE ... | FILE.csv | FILE.json)\n");
    return 2;
}
