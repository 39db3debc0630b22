/*
 * cmd_submit_sheet.c -- cchc submit --file FILE.xlsx: every row of a filled
 * Excel template (cchc template --xlsx) becomes one SUBMIT.
 *
 * The whole file is read and checked first (lib/app/sheet.h): when any cell
 * has a problem, every problem is printed as "Sheet!Cell: sentence" and
 * nothing is sent.  Then each row is sent with its own stable id (the same
 * row sent again is a duplicate, not a new version) and the collector's
 * answer is printed under the row.  The collector stays the judge: it may
 * still refuse a row the local checks passed (a unit the key may not submit
 * for when --unit was not given), and the rows it accepted stay stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cli.h"
#include "clock.h"
#include "sheet.h"

bool cli_is_xlsx(const char *path)
{
    unsigned char h[4] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(h, 1, sizeof h, f) : 0;
    if (f)
        fclose(f);
    return n == 4 && (!memcmp(h, "PK\x03\x04", 4) || !memcmp(h, "\xD0\xCF\x11\xE0", 4));
}

static bool may_submit(void *ud, int unit)
{
    const catalog_t *c = ((void **)ud)[0];
    int me = *(int *)((void **)ud)[1];
    return catalog_may_submit_for(c, me, unit);
}

static void build(proto_msg_t *m, const sheet_report_t *r, const char *note)
{
    memset(m, 0, sizeof *m);
    m->type = PROTO_SUBMIT;
    proto_submit_t *s = &m->u.submit;
    snprintf(s->id, sizeof s->id, "%s", r->id);
    snprintf(s->unit, sizeof s->unit, "%s", r->unit);
    snprintf(s->dataset, sizeof s->dataset, "%s", r->dataset);
    memcpy(s->period, r->period, sizeof s->period - 1);
    snprintf(s->note, sizeof s->note, "%s", r->note[0] || !note ? r->note : note);
    s->values.n = r->nvalues;
    s->values.items = r->values;
}

/* Sends every report; returns the exit status. */
static int send_all(const config_t *cfg, const sheet_result_t *r, const char *note)
{
    client_opts_t o;
    char pub[41], sec[41], srv[41], err[512];
    if (client_opts_from_config(cfg, &o, pub, sec, srv, err, sizeof err)) {
        msg_fail("submit", MSG_CLIENT_SETUP, err);
        return 1;
    }
    void *ctx = zmq_ctx_new();
    int ok = 0, refused = 0, unknown = 0;
    static proto_msg_t m;
    for (int i = 0; i < r->nreports; i++) {
        msg_line(stdout, MSG_SHEET_ROW, SHEET_NAME_VI, r->reports[i].row, r->reports[i].unit);
        build(&m, &r->reports[i], note);
        int st = cli_submit_one(ctx, &o, &m);
        ok += st == 0;
        refused += st == 1;
        unknown += st == 3;
    }
    zmq_ctx_term(ctx);
    msg_line(stdout, MSG_SHEET_SUMMARY, r->nreports, ok, refused, unknown);
    return unknown ? 3 : refused ? 1 : 0;
}

int cli_submit_sheet(const config_t *cfg, const char *path, const char *unit, const char *dataset,
                     const char *period, const char *note)
{
    const char *dir = cli_catalog_dir(cfg);
    catalog_t *cat = cli_catalog("submit", dir, false);
    if (!cat)
        return 1;
    int me = unit ? catalog_unit(cat, unit) : -1;
    if (unit && me < 0) {
        msg_fail("submit", MSG_UNIT_NOT_IN_CATALOG, unit, dir);
        catalog_destroy(&cat);
        return 2;
    }
    void *ud[2] = {cat, &me};
    sheet_opts_t o = {.cat = cat,
                      .lang = msg_lang() == LANG_EN ? SHEET_LANG_EN : SHEET_LANG_VI,
                      .dataset = dataset,
                      .period = period,
                      .may_submit = me >= 0 ? may_submit : NULL,
                      .ud = ud,
                      .now = clock_now()};
    sheet_result_t r;
    int rc = sheet_read_file(path, &o, &r);
    if (rc == SHEET_E_NOMEM) {
        msg_fail("submit", MSG_OUT_OF_MEMORY);
        rc = 1;
    } else if (rc) {
        msg_fail("submit", MSG_SHEET_INVALID, path, r.nfound);
        for (int i = 0; i < r.nerrors; i++)
            fprintf(stderr, "  %s\n", r.errors[i]);
        rc = 2;
    } else {
        if (r.skipped)
            msg_line(stdout, MSG_SHEET_SKIPPED, r.skipped);
        rc = send_all(cfg, &r, note);
    }
    sheet_result_free(&r);
    catalog_destroy(&cat);
    return rc;
}
