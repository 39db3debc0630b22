/*
 * sheet_check.c -- what the XLSX and CSV readers share: the sentences, the
 * checking of one cell against the catalog, the result (see sheet.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fnv.h"
#include "csvtab.h"
#include "sheet_int.h"
#include "utf8.h"
#include "validate.h"

/* ---- sentences and problems ---------------------------------------------- */

static const char *const texts[][2] = {
#define X(id, vi, en) {vi, en},
    SHEET_MESSAGES(X)
#undef X
};

const char *sheet__msg(sheet_lang_t lang, sheet_msg_t id)
{
    return texts[id][lang == SHEET_LANG_EN];
}

const char *sheet__show(char *buf, const char *s)
{
    csvtab_show(buf, 300, s);
    size_t n = strlen(buf);
    buf[0] = buf[n - 1] = '"';
    return buf;
}

void *sheet__keep(sheet_ctx_t *x, void *p)
{
    struct sheet_mem *m = x->res->mem;
    if (!p || !m) {
        free(p);
        x->nomem = true;
        return NULL;
    }
    if (m->n == m->cap) {
        int cap = m->cap ? m->cap * 2 : 16;
        void **b = realloc(m->blocks, (size_t)cap * sizeof *b);
        if (!b) {
            free(p);
            x->nomem = true;
            return NULL;
        }
        m->blocks = b;
        m->cap = cap;
    }
    m->blocks[m->n++] = p;
    return p;
}

bool sheet__grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * size);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* Appends a line (malloc'ed, may be NULL) to the result's errors. */
static void push_line(sheet_ctx_t *x, char *line)
{
    sheet_result_t *r = x->res;
    char **e = line ? realloc(r->errors, (size_t)(r->nerrors + 1) * sizeof *e) : NULL;
    if (!e) {
        free(line);
        x->nomem = true;
        return;
    }
    r->errors = e;
    r->errors[r->nerrors++] = line;
}

void sheet__error(sheet_ctx_t *x, int col, int row, sheet_msg_t id, ...)
{
    sheet_result_t *r = x->res;
    r->nfound++;
    if (r->nerrors >= SHEET_MAX_ERRORS)
        return;
    char where[400], what[1200], cell[16];
    if (row <= 0)
        snprintf(where, sizeof where, "%s", x->file ? x->file : x->where);
    else if (x->csv && col >= 0)
        snprintf(where, sizeof where, "%s:%d:%d", x->where, row, col + 1);
    else if (x->csv)
        snprintf(where, sizeof where, "%s:%d", x->where, row);
    else
        snprintf(where, sizeof where, "%s!%s", x->where, sheet_cell_name(col < 0 ? 0 : col, row, cell));
    va_list ap;
    va_start(ap, id);
    vsnprintf(what, sizeof what, sheet__msg(x->o->lang, id), ap);
    va_end(ap);
    size_t n = strlen(where) + strlen(what) + 3;
    char *line = malloc(n);
    if (line)
        snprintf(line, n, "%s: %s", where, what);
    push_line(x, line);
}

/* ---- one cell ------------------------------------------------------------ */

/* Spaces (ASCII and no-break) around a value, as spreadsheets leave them. */
static const char *trim(const char *s, char *buf, size_t len)
{
    size_t n;
    s = utf8_trim(s, &n);
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return buf;
}

/* strcasecmp() folds ASCII only: the Vietnamese words in their usual forms. */
static const char *const yes_words[] = {"có", "Có", "CÓ", "yes", "true", "1", "x", NULL};
static const char *const no_words[] = {"không", "Không", "KHÔNG", "no", "false", "0", NULL};

static bool is_word(const char *s, const char *const *w)
{
    for (; *w; w++)
        if (!strcasecmp(s, *w))
            return true;
    return false;
}

/* A number cell's value as the reader writes numbers: the file holds
 * "1.5", a Vietnamese reader reads "1,5".  Returns buf. */
static const char *as_read(const sheet_ctx_t *x, const char *s, char *buf, size_t len)
{
    size_t n = strlen(s) < len ? strlen(s) : len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    for (char *p = buf; x->o->lang == SHEET_LANG_VI && *p; p++)
        if (*p == '.')
            *p = ',';
    return buf;
}

static int check_int(sheet_ctx_t *x, const indicator_t *in, char type, const char *s, int col, int row,
                     proto_value_t *out)
{
    long long v;
    char *end;
    errno = 0;
    if (type == 'n') { /* a number cell: 12, 12.0 or 1.2E1 as the writer put it */
        double d = strtod(s, &end);
        char shown[300];
        if (*end || !isfinite(d) || d != floor(d)) {
            sheet__error(x, col, row, SHEET_M_NOT_WHOLE, SHEET_SHOW(as_read(x, s, shown, sizeof shown)));
            return -1;
        }
        if (fabs(d) > 9e15) {
            sheet__error(x, col, row, SHEET_M_TOO_LARGE, SHEET_SHOW(as_read(x, s, shown, sizeof shown)),
                         (long long)in->max);
            return -1;
        }
        v = (long long)d;
    } else {
        v = strtoll(s, &end, 10);
        /* Text (a CSV's every cell): "12.0" or "12,00" is 12; "1.234" or
         * "1,234" may be 1234 or 1.234 by the locale, so it is refused. */
        if (type == 's' && end != s && !errno && (*end == '.' || *end == ',') && end[1] >= '0' && end[1] <= '9') {
            const char *f = end + 1;
            size_t nf = strspn(f, "0123456789");
            if (nf == 3 && (!f[nf] || f[nf] == *end)) {
                sheet__error(x, col, row, SHEET_M_GROUPED, SHEET_SHOW(s));
                return -1;
            }
            if (!f[nf] && strspn(f, "0") == nf)
                end = (char *)f + nf;
        }
        if (type != 's' || *end || end == s || errno) {
            sheet__error(x, col, row, errno == ERANGE ? SHEET_M_TOO_LARGE : SHEET_M_NOT_WHOLE, SHEET_SHOW(s),
                         (long long)in->max);
            return -1;
        }
    }
    if (v < 0) {
        sheet__error(x, col, row, SHEET_M_NEGATIVE, SHEET_SHOW(s));
        return -1;
    }
    if (v > in->max) {
        sheet__error(x, col, row, SHEET_M_TOO_LARGE, SHEET_SHOW(s), (long long)in->max);
        return -1;
    }
    out->kind = PV_INT;
    out->i = v;
    return 1;
}

static int check_bool(sheet_ctx_t *x, char type, const char *s, int col, int row, proto_value_t *out)
{
    bool yes = is_word(s, yes_words), no = is_word(s, no_words);
    if ((type == 'n' || type == 'b') && strcmp(s, "1") && strcmp(s, "0"))
        yes = no = false;
    if (!yes && !no) {
        sheet__error(x, col, row, SHEET_M_NOT_BOOL, SHEET_SHOW(s));
        return -1;
    }
    out->kind = PV_BOOL;
    out->i = yes;
    return 1;
}

/* The allowed tags of an indicator as labels, "a; b; c". */
static const char *tag_list(sheet_lang_t lang, const indicator_t *in, char *buf, size_t len)
{
    size_t off = 0;
    char label[256];
    buf[0] = '\0';
    for (int t = 0; t < in->ntags && off < len; t++)
        off += (size_t)snprintf(buf + off, len - off, "%s%s", t ? "; " : "",
                                sheet_tag_label(in->tags[t], strlen(in->tags[t]), lang, label, sizeof label));
    return buf;
}

/* Adds tag t of indicator `ind` to out, or reports it twice. */
static int add_tag(sheet_ctx_t *x, int ind, int t, const char *typed, int col, int row, proto_value_t *out)
{
    const char *code = x->o->cat->inds[ind].tags[t];
    for (uint32_t k = 0; k < out->ntags; k++)
        if (out->tags[k].ptr == code) {
            sheet__error(x, col, row, SHEET_M_REPEATED_TAG, SHEET_SHOW(typed));
            return -1;
        }
    if (out->ntags == PROTO_TAGS_MAX) {
        sheet__error(x, col, row, SHEET_M_TOO_MANY_TAGS, PROTO_TAGS_MAX);
        return -2;
    }
    out->tags[out->ntags].ptr = code; /* the catalog's code, which outlives the result */
    out->tags[out->ntags++].len = (uint32_t)strlen(code);
    return 0;
}

/* s without the spaces around it, as a (pointer, length). */
static const char *strip(const char *s, size_t *n)
{
    while (*n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
        s++, (*n)--;
    while (*n && strchr(" \t\r\n", s[*n - 1]))
        (*n)--;
    return s;
}

/* What older files wrote: codes between spaces ("mang_xa_hoi truc_quan"),
 * taken when every word is a code of the catalog (codes have no spaces, so
 * this never splits a label).  Returns 0 (added), 1 (not that), -1 (a tag
 * twice, reported) or -2 (too many). */
static int codes_by_spaces(sheet_ctx_t *x, int ind, const char *t, size_t n, int col, int row, proto_value_t *out)
{
    int tags[PROTO_TAGS_MAX + 1], nt = 0;
    size_t lens[PROTO_TAGS_MAX + 1], offs[PROTO_TAGS_MAX + 1];
    for (size_t i = 0; i < n;) {
        while (i < n && (t[i] == ' ' || t[i] == '\t'))
            i++;
        size_t j = i;
        while (j < n && t[j] != ' ' && t[j] != '\t')
            j++;
        if (j == i)
            break;
        if (nt > PROTO_TAGS_MAX || (tags[nt] = catalog_tag(x->o->cat, ind, t + i, j - i)) < 0)
            return 1;
        offs[nt] = i;
        lens[nt++] = j - i;
        i = j;
    }
    if (nt < 2)
        return 1;
    int bad = 0;
    for (int k = 0; k < nt; k++) {
        char typed[CATALOG_CODE_MAX + 1];
        snprintf(typed, sizeof typed, "%.*s", (int)lens[k], t + offs[k]);
        int rc = add_tag(x, ind, tags[k], typed, col, row, out);
        if (rc == -2)
            return -2;
        bad |= rc < 0;
    }
    return bad ? -1 : 0;
}

/* Tags written as codes or labels (sheet__tag_match), case aside, between
 * ';' or '|' -- or ',', which a label may hold ("Văn hóa, văn nghệ"): the
 * longest run of ','-separated parts that names a tag is one tag.  Never
 * split on spaces, which labels have -- but for a part made only of codes
 * (codes_by_spaces()). */
static int check_tags(sheet_ctx_t *x, int ind, const char *s, int col, int row, proto_value_t *out)
{
    const indicator_t *in = &x->o->cat->inds[ind];
    char list[CATALOG_TAGS_MAX * 80 + 1];
    out->kind = PV_TAGS;
    out->ntags = 0;
    int bad = 0;
    for (const char *piece = s; *piece;) {
        size_t plen = strcspn(piece, ";|");
        const char *next = piece[plen] ? piece + plen + 1 : piece + plen;
        /* the ','-parts of the piece */
        const char *part[64];
        size_t np = 0;
        for (const char *q = piece; q < piece + plen && np < 64;) {
            part[np++] = q;
            const char *cm = memchr(q, ',', (size_t)(piece + plen - q));
            q = cm ? cm + 1 : piece + plen;
        }
        for (size_t i = 0; i < np;) {
            size_t j = np, n = 0;
            const char *t = NULL;
            int tag = -1;
            for (; j > i; j--) { /* parts i..j-1 as one */
                const char *e = j < np ? part[j] - 1 : piece + plen;
                n = (size_t)(e - part[i]);
                t = strip(part[i], &n);
                if (n && (tag = sheet__tag_match(x->o->cat, ind, t, n)) >= 0)
                    break;
            }
            if (tag >= 0) {
                char typed[4200];
                snprintf(typed, sizeof typed, "%.*s", (int)n, t);
                int rc = add_tag(x, ind, tag, typed, col, row, out);
                if (rc == -2)
                    return -1;
                bad |= rc < 0;
                i = j;
                continue;
            }
            /* no run from part i names a tag: part i alone is the unknown one */
            const char *e = i + 1 < np ? part[i + 1] - 1 : piece + plen;
            n = (size_t)(e - part[i]);
            t = strip(part[i], &n);
            int rc = n ? codes_by_spaces(x, ind, t, n, col, row, out) : 0;
            if (rc == -2)
                return -1;
            if (rc == -1)
                bad = 1;
            if (n && rc == 1) {
                char typed[4200];
                snprintf(typed, sizeof typed, "%.*s", (int)n, t);
                sheet__error(x, col, row, SHEET_M_UNKNOWN_TAG, SHEET_SHOW(typed), tag_list(x->o->lang, in, list, sizeof list));
                bad = 1;
            }
            i++;
        }
        piece = next;
    }
    return bad ? -1 : out->ntags ? 1 : 0;
}

int sheet__value(sheet_ctx_t *x, int ind, char type, const char *text, int col, int row, proto_value_t *out)
{
    char s[4200];
    if (strlen(text) > 4096) {
        sheet__error(x, col, row, SHEET_M_CELL_TOO_LONG, 4096);
        return -1;
    }
    if (type == 'f') {
        sheet__error(x, col, row, SHEET_M_FORMULA_NO_VALUE);
        return -1;
    }
    trim(text, s, sizeof s);
    if (!*s)
        return 0;
    if (type == 'e') {
        sheet__error(x, col, row, SHEET_M_CELL_ERROR, SHEET_SHOW(s));
        return -1;
    }
    const indicator_t *in = &x->o->cat->inds[ind];
    memset(out, 0, sizeof *out);
    snprintf(out->code, sizeof out->code, "%s", in->code);
    switch (in->kind) {
    case IND_BOOL: return check_bool(x, type, s, col, row, out);
    case IND_TAGS: return check_tags(x, ind, s, col, row, out);
    default: return check_int(x, in, type, s, col, row, out);
    }
}

const char *sheet__ind_name(const sheet_ctx_t *x, int ind)
{
    const indicator_t *in = &x->o->cat->inds[ind];
    return x->o->lang == SHEET_LANG_EN && in->name_en && in->name_en[0] ? in->name_en : in->name_vi;
}

const char *sheet__header(const catalog_t *c, int ind, char *buf, size_t len)
{
    const indicator_t *in = &c->inds[ind];
    const char *how = in->kind == IND_BOOL   ? "Có/Không"
                      : in->kind == IND_TAGS ? "nhãn, cách nhau bởi ;"
                      : in->kind == IND_STOCK ? "số nguyên ≥ 0, số có tại cuối kỳ"
                                              : "số nguyên ≥ 0";
    snprintf(buf, len, "%s\n(%s)", in->name_vi, how);
    return buf;
}

/* ---- unit, dataset, period ----------------------------------------------- */

int sheet__unit(sheet_ctx_t *x, const char *code, int ds, period_t p, int col, int row)
{
    const catalog_t *c = x->o->cat;
    char pc[PERIOD_CODE_MAX];
    int u = catalog_unit(c, code);
    if (u < 0)
        sheet__error(x, col, row, SHEET_M_UNIT_UNKNOWN, SHEET_SHOW(code));
    else if (x->o->may_submit && !x->o->may_submit(x->o->ud, u))
        sheet__error(x, col, row, SHEET_M_UNIT_FORBIDDEN, code);
    else if (!catalog_must_report(c, ds, u))
        sheet__error(x, col, row, SHEET_M_UNIT_NOT_REQUIRED, code, c->datasets[ds].code);
    else if (!catalog_open_in(c, u, p))
        sheet__error(x, col, row, SHEET_M_UNIT_CLOSED, code, period_format(p, pc, sizeof pc));
    else
        return u;
    return -1;
}

int sheet__dataset_period(sheet_ctx_t *x, const char *dcode, int dcol, int drow, const char *pcode, int pcol,
                          int prow, int *ds, period_t *p)
{
    const sheet_opts_t *o = x->o;
    int bad = 0;
    *ds = catalog_dataset(o->cat, dcode);
    if (*ds < 0) {
        sheet__error(x, dcol, drow, SHEET_M_DATASET_UNKNOWN, SHEET_SHOW(dcode));
        bad = 1;
    } else if (o->dataset && strcmp(o->dataset, dcode)) {
        sheet__error(x, dcol, drow, SHEET_M_DATASET_WRONG, dcode, o->dataset);
        bad = 1;
    }
    if (period_parse(pcode, p)) {
        sheet__error(x, pcol, prow, SHEET_M_PERIOD_INVALID, SHEET_SHOW(pcode));
        bad = 1;
    } else if (o->period && strcmp(o->period, pcode)) {
        sheet__error(x, pcol, prow, SHEET_M_PERIOD_WRONG, pcode, o->period);
        bad = 1;
    } else if (*ds >= 0 && p->type != o->cat->datasets[*ds].ptype) {
        sheet__error(x, pcol, prow, SHEET_M_PERIOD_TYPE, pcode, dcode);
        bad = 1;
    } else if (o->now && (int64_t)period_first_day(*p) * 86400 - PERIOD_TZ_OFFSET > o->now) {
        sheet__error(x, pcol, prow, SHEET_M_PERIOD_FUTURE, pcode);
        bad = 1;
    }
    return bad ? -1 : 0;
}

void sheet__ratios(sheet_ctx_t *x, int ds, const proto_value_t *vals, const int *cols, uint32_t n, int row)
{
    const catalog_t *c = x->o->cat;
    const dataset_t *d = &c->datasets[ds];
    for (int k = 0; k < d->ninds; k++) {
        const indicator_t *r = &c->inds[d->inds[k]];
        if (r->kind != IND_RATE)
            continue;
        int a = -1, b = -1;
        for (uint32_t i = 0; i < n; i++) {
            if (!strcmp(vals[i].code, c->inds[r->num].code))
                a = (int)i;
            if (!strcmp(vals[i].code, c->inds[r->den].code))
                b = (int)i;
        }
        if (a >= 0 && b >= 0 && vals[a].i > vals[b].i)
            sheet__error(x, cols ? cols[a] : -1, row, SHEET_M_RATIO, vals[a].code, (long long)vals[a].i,
                         vals[b].code, (long long)vals[b].i);
    }
}

/* ---- the result ---------------------------------------------------------- */

/* Copies src into dst (n bytes), cut when longer. */
static void copy(char *dst, size_t n, const char *src)
{
    size_t l = strnlen(src, n - 1);
    memcpy(dst, src, l);
    dst[l] = '\0';
}

/* FNV-1a, 64 bits: the id follows from the content, so sending the same
 * file twice is a duplicate, not a second version. */
#define fnv fnv1a

/* The id of r: "UNIT.PERIOD.xHASH" (base < 0: what the reader gives, the
 * content alone), or "UNIT.PERIOD.rN.xHASH" naming the version N it
 * corrects (sheet_report_rebase); the unit's code cut from the front to
 * keep the id within 64 bytes. */
static void make_id(sheet_report_t *r, long long base)
{
    uint64_t h = FNV1A_INIT;
    h = fnv(h, r->dataset, strlen(r->dataset) + 1);
    h = fnv(h, r->period, strlen(r->period) + 1);
    h = fnv(h, r->unit, strlen(r->unit) + 1);
    for (uint32_t i = 0; i < r->nvalues; i++) {
        const proto_value_t *v = &r->values[i];
        h = fnv(h, v->code, strlen(v->code) + 1);
        h = fnv(h, &v->kind, 1);
        h = fnv(h, &v->i, sizeof v->i);
        for (uint32_t t = 0; t < v->ntags; t++)
            h = fnv(fnv(h, v->tags[t].ptr, v->tags[t].len), "", 1);
    }
    h = fnv(h, r->note, strlen(r->note) + 1);
    char pc[8], tail[64];
    copy(pc, 7, r->period);
    if (base < 0) {
        snprintf(tail, sizeof tail, ".%s.x%016" PRIx64, pc, h);
    } else {
        h = fnv(h, &base, sizeof base);
        snprintf(tail, sizeof tail, ".%s.r%lld.x%016" PRIx64, pc, base, h);
    }
    size_t ul = strlen(r->unit), room = 64 - strlen(tail);
    if (base < 0 && room > 36)
        room = 36; /* as ids have always been */
    copy(r->id, room + 1, ul > room ? r->unit + ul - room : r->unit);
    strcat(r->id, tail);
    for (char *q = r->id; *q; q++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-", *q))
            *q = '_';
}

void sheet_report_rebase(sheet_report_t *r, uint64_t latest)
{
    make_id(r, latest > (uint64_t)INT64_MAX ? INT64_MAX : (long long)latest);
}

bool sheet_report_unchanged(const sheet_report_t *r, const proto_value_t *vals, uint32_t n, const char *note,
                            size_t note_len)
{
    if (r->nvalues != n)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const proto_value_t *mine = NULL;
        for (uint32_t k = 0; k < r->nvalues && !mine; k++)
            if (!strcmp(r->values[k].code, vals[i].code))
                mine = &r->values[k];
        if (!mine || !proto_value_same(mine, &vals[i]))
            return false;
    }
    if (r->note[0] && (strlen(r->note) != note_len || memcmp(r->note, note ? note : "", note_len)))
        return false;
    return true;
}

int sheet__add_report(sheet_ctx_t *x, int ds, period_t p, int unit, const proto_value_t *vals, uint32_t n,
                      const char *note, int row)
{
    sheet_result_t *res = x->res;
    if (res->nreports % 16 == 0) {
        sheet_report_t *a = realloc(res->reports, (size_t)(res->nreports + 16) * sizeof *a);
        if (!a) {
            x->nomem = true;
            return -1;
        }
        res->reports = a;
    }
    sheet_report_t *r = &res->reports[res->nreports];
    memset(r, 0, sizeof *r);
    r->values = sheet__keep(x, malloc((n ? n : 1) * sizeof *vals));
    if (!r->values)
        return -1;
    memcpy(r->values, vals, n * sizeof *vals);
    r->nvalues = n;
    const catalog_t *c = x->o->cat;
    snprintf(r->unit, sizeof r->unit, "%s", c->units[unit].code);
    snprintf(r->dataset, sizeof r->dataset, "%s", c->datasets[ds].code);
    period_format(p, r->period, sizeof r->period);
    snprintf(r->note, sizeof r->note, "%s", note ? note : "");
    r->row = row;
    make_id(r, -1);
    res->nreports++;
    return 0;
}

int sheet__finish(sheet_ctx_t *x)
{
    sheet_result_t *res = x->res;
    if (res->nfound == 0 && res->nreports == 0)
        sheet__error(x, SHEET_COL_UNIT, x->csv ? 0 : SHEET_ROW_DATA + 1, SHEET_M_NO_REPORT);
    /* The collector's own rules, as a last net under the checks above. */
    for (int i = 0; res->nfound == 0 && i < res->nreports; i++) {
        sheet_report_t *r = &res->reports[i];
        proto_submit_t s;
        memset(&s, 0, sizeof s);
        copy(s.id, sizeof s.id, r->id);
        copy(s.unit, sizeof s.unit, r->unit);
        copy(s.dataset, sizeof s.dataset, r->dataset);
        copy(s.period, sizeof s.period, r->period);
        copy(s.note, sizeof s.note, r->note);
        s.values.n = r->nvalues;
        s.values.items = r->values;
        proto_error_t err;
        memset(&err, 0, sizeof err);
        if (validate_submit(x->o->cat, &s, -1, false, x->o->now ? x->o->now : INT64_MAX, &err))
            sheet__error(x, SHEET_COL_UNIT, x->csv ? 0 : r->row, SHEET_M_COLLECTOR, err.message);
    }
    if (res->nfound > res->nerrors) {
        char what[200];
        snprintf(what, sizeof what, sheet__msg(x->o->lang, SHEET_M_MORE), res->nfound - res->nerrors);
        push_line(x, strdup(what));
    }
    if (x->nomem)
        return SHEET_E_NOMEM;
    if (res->nfound == 0)
        return SHEET_OK;
    res->nreports = 0; /* all or nothing */
    return SHEET_E_INVALID;
}

void sheet_result_free(sheet_result_t *res)
{
    if (!res)
        return;
    for (int i = 0; i < res->nerrors; i++)
        free(res->errors[i]);
    free(res->errors);
    free(res->reports);
    if (res->mem) {
        for (int i = 0; i < res->mem->n; i++)
            free(res->mem->blocks[i]);
        free(res->mem->blocks);
        free(res->mem);
    }
    memset(res, 0, sizeof *res);
}
