/*
 * catalog.c -- loads and validates the catalog directory.
 *
 * Each of the five CSV files is read by csvtab.c.  The catalog then keeps
 * each file's string pool, and every string of the catalog points into it,
 * so a 100,000-unit catalog costs a handful of allocations instead of a
 * million, and catalog_destroy() frees five pools rather than walking strings.
 *
 * Validation never stops at the first problem: a central office fixes a
 * spreadsheet in one pass only if it sees every mistake at once.  A row whose
 * code is usable is kept even when its other fields are wrong, so that rows
 * referring to it do not raise a cascade of "unknown unit" reports.  A file
 * that cannot be read at all switches off the reference checks against it
 * for the same reason.
 *
 * Trees can be as deep as they are long (a national benchmark nests 100,000
 * units), so depth, pre-order and cycle detection use explicit stacks.
 */
#include "catalog.h"
#include "csvtab.h"
#include "hindex.h"
#include "proto.h"
#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MSG_MAX 1024

/* Unit kinds.  unit_t.kind and dataset_t.kinds point at these strings. */
static const char *const unit_kinds[] = {
    "quoc_gia", "tinh", "thanh_pho", "so", "co_quan", "xa",
    "phuong", "dac_khu", "phong", "don_vi", "to_chuc",
};
#define NKINDS ((int)(sizeof unit_kinds / sizeof unit_kinds[0]))

enum { F_UNITS, F_INDS, F_DATASETS, F_TARGETS, F_HOLIDAYS, NFILES };
static const char *const file_names[NFILES] = {
    "units.csv", "indicators.csv", "datasets.csv", "targets.csv", "holidays.csv",
};

/* ---- columns of each file -------------------------------------------- */

enum { U_CODE, U_NAME, U_KIND, U_PARENT, U_OPENED, U_CLOSED, U_EMAIL, U_WEBHOOK, U_PSUB, U_NCOLS };
static const csvtab_column_t unit_cols[U_NCOLS] = {
    {"code", true}, {"name", true}, {"kind", true}, {"parent", true}, {"opened", false},
    {"closed", false}, {"email", false}, {"webhook", false}, {"parent_submits", false},
};

enum { I_CODE, I_NAME_VI, I_NAME_EN, I_KIND, I_NUM, I_DEN, I_UNITS, I_TIME, I_TAGS, I_MAX, I_NCOLS };
static const csvtab_column_t ind_cols[I_NCOLS] = {
    {"code", true}, {"name_vi", true}, {"name_en", false}, {"kind", true},
    {"numerator", false}, {"denominator", false}, {"across_units", false},
    {"across_time", false}, {"tags", false}, {"max", false},
};

enum { D_CODE, D_NAME, D_PTYPE, D_INDS, D_DUE, D_ROLL, D_KINDS, D_UNITS, D_OPTIONAL, D_NCOLS };
static const csvtab_column_t ds_cols[D_NCOLS] = {
    {"code", true}, {"name", true}, {"period_type", true}, {"indicators", true},
    {"due_day", true}, {"roll_forward", false}, {"kinds", false}, {"units", false},
    {"optional", false},
};

enum { T_UNIT, T_IND, T_PTYPE, T_MIN, T_MAX, T_FROM, T_TO, T_NOTE, T_NCOLS };
static const csvtab_column_t tgt_cols[T_NCOLS] = {
    {"unit", true}, {"indicator", true}, {"period_type", true}, {"min", false},
    {"max", false}, {"from", false}, {"to", false}, {"note", false},
};

enum { H_DATE, H_NAME, H_WORKING, H_NCOLS };
static const csvtab_column_t hol_cols[H_NCOLS] = {
    {"date", true}, {"name", true}, {"working", false},
};

/* ---- private part of the catalog ------------------------------------ */

struct catalog_index {
    hindex_t units, inds, datasets;
    int *child_pool;    /* unit_t.children point into it */
    int *submit_top;    /* highest unit reachable from u by parent_submits links */
    char *pool[NFILES]; /* the strings of the catalog */
};

/* ---- field checks ----------------------------------------------------- */

typedef struct {
    csvtab_diag_t *diag;
    catalog_t *c;
    csvtab_t t[NFILES];
} load_t;

static bool code_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!proto_code_char((unsigned char)s[n]))
            return false;
    return n > 0 && n <= CATALOG_CODE_MAX;
}

/* Checks a code column; reports and returns false when it is unusable. */
static bool check_code(load_t *L, const csvtab_t *t, int row, const char *what, const char *s)
{
    if (*s == '\0') {
        csvtab_report(L->diag, t->file, t->lines[row], "empty %s", what);
        return false;
    }
    if (!code_ok(s)) {
        csvtab_report(L->diag, t->file, t->lines[row],
               "%s %s: use only A-Z a-z 0-9 . _ - : and at most %d bytes", what, CSVTAB_SHOW(s), CATALOG_CODE_MAX);
        return false;
    }
    return true;
}

/* How check_text() judges a text field. */
enum {
    TEXT_REQUIRED = 1, /* must not be empty */
    TEXT_FREE = 2,     /* a note: any length, line breaks and tabs allowed */
};

/* Checks human text: valid UTF-8, no control characters (a name ends up in
 * tab-separated listings and one-line messages), not too long. */
static void check_text(load_t *L, const csvtab_t *t, int row, const char *what, const char *s, int flags)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    if (n == 0) {
        if (flags & TEXT_REQUIRED)
            csvtab_report(L->diag, t->file, t->lines[row], "empty %s", what);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq(u + i, n - i);
        if (k == 0) {
            csvtab_report(L->diag, t->file, t->lines[row], "invalid UTF-8 in %s at byte %zu (save the file as UTF-8)",
                   what, i + 1);
            return;
        }
        if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f) &&
            !((flags & TEXT_FREE) && (u[i] == '\n' || u[i] == '\r' || u[i] == '\t'))) {
            csvtab_report(L->diag, t->file, t->lines[row], "control character in %s at byte %zu", what, i + 1);
            return;
        }
        i += k;
    }
    if (n > CATALOG_NAME_MAX && !(flags & TEXT_FREE))
        csvtab_report(L->diag, t->file, t->lines[row], "%s is %zu bytes long; at most %d are allowed", what, n,
               CATALOG_NAME_MAX);
}

/* yes / no / empty (= no), any letter case.  Returns 0 or -1 after a report. */
static int parse_yes_no(load_t *L, const csvtab_t *t, int row, const char *col, const char *s, bool *out)
{
    if (*s == '\0' || strcasecmp(s, "no") == 0) {
        *out = false;
        return 0;
    }
    if (strcasecmp(s, "yes") == 0) {
        *out = true;
        return 0;
    }
    csvtab_report(L->diag, t->file, t->lines[row], "%s must be yes or no, not %s", col, CSVTAB_SHOW(s));
    return -1;
}

/* A plain decimal integer (optional sign), nothing else. */
static int parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;
    if (*s == '\0' || *s == ' ' || *s == '+')
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    double v;
    const char *p = s;
    if (*p == '-')
        p++;
    if (!((*p >= '0' && *p <= '9') || *p == '.'))
        return -1; /* refuses "", " 1", "inf", "nan", "0x10" is caught below */
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end != '\0' || strpbrk(s, "xXpP") != NULL)
        return -1;
    *out = v;
    return 0;
}

static int parse_date_cell(load_t *L, const csvtab_t *t, int row, const char *col, const char *s, int32_t *day)
{
    *day = CATALOG_DAY_NONE;
    if (*s == '\0')
        return 0;
    if (date_parse(s, day) != 0) {
        csvtab_report(L->diag, t->file, t->lines[row], "bad date in %s: %s (expected YYYY-MM-DD)", col, CSVTAB_SHOW(s));
        *day = CATALOG_DAY_NONE;
        return -1;
    }
    return 0;
}

static const char *find_kind(const char *s)
{
    for (int i = 0; i < NKINDS; i++)
        if (strcmp(s, unit_kinds[i]) == 0)
            return unit_kinds[i];
    return NULL;
}

static const char *kinds_list(void)
{
    return "quoc_gia, tinh, thanh_pho, so, co_quan, xa, phuong, dac_khu, phong, don_vi or to_chuc";
}

/* Splits a `|`-separated list in place, trimming spaces around items.
 * Returns the number of items written to out (at most max), or -1 when an
 * item is empty ("a||b", a trailing bar). *count gets the real number. */
static int split_list(char *s, char **out, int max, int *count)
{
    int n = 0;
    *count = 0;
    if (*s == '\0')
        return 0;
    for (;;) {
        char *bar = strchr(s, '|');
        char *end = bar ? bar : s + strlen(s);
        while (*s == ' ')
            s++;
        while (end > s && end[-1] == ' ')
            end--;
        if (end == s)
            return -1;
        if (bar)
            *bar = '\0';
        *end = '\0';
        if (n < max)
            out[n] = s;
        n++;
        if (!bar)
            break;
        s = bar + 1;
    }
    *count = n;
    return n < max ? n : max;
}

static int count_items(const char *s)
{
    int n = *s ? 1 : 0;
    for (; *s; s++)
        n += *s == '|';
    return n;
}

/* ---- units ------------------------------------------------------------ */

/* An address the notifier can hand to a mail server: local@domain.tld, printable
 * ASCII, none of the characters that would need quoting.  NULL when empty. */
static char *check_email(load_t *L, const csvtab_t *t, int r, const char *s)
{
    if (*s == '\0')
        return NULL;
    const char *at = strchr(s, '@');
    bool bad = at == NULL || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || at[1] == '.' ||
               s[strlen(s) - 1] == '.';
    for (const char *q = s; !bad && *q; q++)
        bad = (unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f || strchr("<>,;\"()[]\\", *q);
    if (bad)
        csvtab_report(L->diag, t->file, t->lines[r], "bad e-mail address %s", CSVTAB_SHOW(s));
    return (char *)s;
}

/* An http(s) URL without spaces or non-ASCII bytes.  NULL when empty. */
static char *check_webhook(load_t *L, const csvtab_t *t, int r, const char *s)
{
    if (*s == '\0')
        return NULL;
    bool bad = strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0;
    for (const char *q = s; !bad && *q; q++)
        bad = (unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f;
    if (bad)
        csvtab_report(L->diag, t->file, t->lines[r], "bad webhook %s (expected an http:// or https:// URL)", CSVTAB_SHOW(s));
    return (char *)s;
}

static void load_units_rows(load_t *L, const char **pcode)
{
    csvtab_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    for (int r = 0; r < t->nrows; r++) {
        const char *code = csvtab_cell(t, r, U_CODE);
        const char *s;
        if (!check_code(L, t, r, "code", code))
            continue;
        int dup = hindex_add(&c->index->units, code);
        if (dup >= 0) {
            csvtab_report(L->diag, t->file, t->lines[r], "duplicate code %s (first on line %d)", CSVTAB_SHOW(code),
                   t->lines[c->units[dup].subtree_first]);
            continue;
        }
        unit_t *u = &c->units[c->nunits];
        memset(u, 0, sizeof *u);
        u->code = (char *)code;
        u->parent = -1;
        u->subtree_first = r; /* the row, until the tree is built */
        u->name = csvtab_cell_mut(t, r, U_NAME);
        check_text(L, t, r, "name", u->name, TEXT_REQUIRED);
        s = csvtab_cell(t, r, U_KIND);
        u->kind = (char *)find_kind(s);
        if (u->kind == NULL) {
            csvtab_report(L->diag, t->file, t->lines[r], "unknown kind %s (expected %s)", CSVTAB_SHOW(s), kinds_list());
            u->kind = (char *)unit_kinds[0];
        }
        parse_date_cell(L, t, r, "opened", csvtab_cell(t, r, U_OPENED), &u->opened);
        parse_date_cell(L, t, r, "closed", csvtab_cell(t, r, U_CLOSED), &u->closed);
        if (u->opened != CATALOG_DAY_NONE && u->closed != CATALOG_DAY_NONE && u->closed <= u->opened)
            csvtab_report(L->diag, t->file, t->lines[r], "closed %s is not after opened %s", csvtab_cell(t, r, U_CLOSED),
                   csvtab_cell(t, r, U_OPENED));
        u->email = check_email(L, t, r, csvtab_cell(t, r, U_EMAIL));
        u->webhook = check_webhook(L, t, r, csvtab_cell(t, r, U_WEBHOOK));
        parse_yes_no(L, t, r, "parent_submits", csvtab_cell(t, r, U_PSUB), &u->parent_submits);
        pcode[c->nunits] = csvtab_cell(t, r, U_PARENT);
        c->nunits++;
    }
}

static void resolve_parents(load_t *L, const char **pcode, const int *row)
{
    csvtab_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    for (int i = 0; i < c->nunits; i++) {
        unit_t *u = &c->units[i];
        int line = t->lines[row[i]];
        if (*pcode[i] == '\0') {
            if (u->parent_submits)
                csvtab_report(L->diag, t->file, line, "parent_submits is yes but the unit has no parent");
            continue;
        }
        u->parent = catalog_unit(c, pcode[i]);
        if (u->parent < 0)
            csvtab_report(L->diag, t->file, line, "unknown parent %s", CSVTAB_SHOW(pcode[i]));
    }
}

/* Reports each cycle of parents once, at the line of its first unit in the
 * file.  Called only for units no root reaches. */
static void report_cycles(load_t *L, const bool *seen, const int *row)
{
    catalog_t *c = L->c;
    csvtab_t *t = &L->t[F_UNITS];
    int *mark = calloc((size_t)c->nunits, sizeof *mark);
    if (mark == NULL) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        return;
    }
    for (int i = 0; i < c->nunits; i++) {
        if (seen[i] || mark[i])
            continue;
        int u = i;
        while (u >= 0 && !mark[u] && !seen[u]) {
            mark[u] = i + 1; /* walk number */
            u = c->units[u].parent;
        }
        if (u < 0 || seen[u] || mark[u] != i + 1)
            continue; /* hangs below a cycle already reported */
        /* u is on a new cycle: name it from its first unit in file order */
        int first = u;
        for (int v = c->units[u].parent; v != u; v = c->units[v].parent)
            if (row[v] < row[first])
                first = v;
        char msg[MSG_MAX];
        size_t o = 0;
        int k = 0, v = first;
        do {
            o += (size_t)snprintf(msg + o, sizeof msg - o, "%s -> ", c->units[v].code);
            v = c->units[v].parent;
        } while (v != first && ++k < 6 && o < sizeof msg - 200);
        snprintf(msg + o, sizeof msg - o, "%s%s", v == first ? "" : "... -> ", c->units[first].code);
        csvtab_report(L->diag, t->file, t->lines[row[first]], "cycle of parents (unit -> its parent): %s", msg);
    }
    free(mark);
}

/* Children arrays, depth, pre-order and subtree bounds, without recursion. */
static int build_tree(load_t *L, const int *row)
{
    catalog_t *c = L->c;
    int n = c->nunits;
    int *fill = calloc((size_t)n + 1, sizeof *fill);
    int *stack = malloc(((size_t)n + 1) * sizeof *stack);
    int *next = calloc((size_t)n + 1, sizeof *next);
    bool *seen = calloc((size_t)n + 1, sizeof *seen);
    int *pool = malloc(((size_t)n + 1) * sizeof *pool);
    int pos = 0, rc = -1;
    c->preorder = malloc(((size_t)n + 1) * sizeof *c->preorder);
    c->index->submit_top = malloc(((size_t)n + 1) * sizeof *c->index->submit_top);
    if (!fill || !stack || !next || !seen || !pool || !c->preorder || !c->index->submit_top)
        goto cleanup;
    c->index->child_pool = pool;
    pool = NULL;
    for (int i = 0; i < n; i++)
        if (c->units[i].parent >= 0)
            c->units[c->units[i].parent].nchildren++;
    for (int i = 0, off = 0; i < n; i++) {
        c->units[i].children = c->index->child_pool + off;
        off += c->units[i].nchildren;
    }
    for (int i = 0; i < n; i++) { /* children in file order */
        int p = c->units[i].parent;
        if (p >= 0)
            c->units[p].children[fill[p]++] = i;
    }
    for (int r = 0; r < n; r++) {
        if (c->units[r].parent >= 0)
            continue;
        int sp = 0;
        stack[sp++] = r;
        seen[r] = true;
        c->units[r].depth = 0;
        c->units[r].subtree_first = pos;
        c->preorder[pos++] = r;
        while (sp > 0) {
            unit_t *u = &c->units[stack[sp - 1]];
            if (next[stack[sp - 1]] < u->nchildren) {
                int v = u->children[next[stack[sp - 1]]++];
                seen[v] = true;
                c->units[v].depth = u->depth + 1;
                c->units[v].subtree_first = pos;
                c->preorder[pos++] = v;
                stack[sp++] = v;
            } else {
                u->subtree_end = pos;
                sp--;
            }
        }
    }
    if (pos < n) {
        report_cycles(L, seen, row);
    } else {
        int *top = c->index->submit_top;
        for (int k = 0; k < n; k++) { /* parents come first in pre-order */
            int u = c->preorder[k];
            int p = c->units[u].parent;
            top[u] = (p >= 0 && c->units[u].parent_submits) ? top[p] : u;
        }
    }
    rc = 0;
cleanup:
    if (rc != 0)
        csvtab_report(L->diag, "units.csv", 0, "out of memory");
    free(fill);
    free(stack);
    free(next);
    free(seen);
    free(pool);
    return rc;
}

static void load_units(load_t *L)
{
    csvtab_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    const char **pcode = malloc(((size_t)t->nrows + 1) * sizeof *pcode);
    int *row = malloc(((size_t)t->nrows + 1) * sizeof *row);
    c->units = calloc((size_t)t->nrows + 1, sizeof *c->units);
    if (!pcode || !row || !c->units || hindex_init(&c->index->units, t->nrows) != 0) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        goto cleanup;
    }
    load_units_rows(L, pcode);
    /* subtree_first held the row of each unit until now */
    for (int i = 0; i < c->nunits; i++) {
        row[i] = c->units[i].subtree_first;
        c->units[i].subtree_first = 0;
    }
    resolve_parents(L, pcode, row);
    build_tree(L, row);
cleanup:
    free(pcode);
    free(row);
}

/* ---- indicators ------------------------------------------------------- */

static const char *const kind_names[] = {"", "count", "stock", "bool", "tags", "rate"};
static const char *const units_names[] = {"", "sum", "count_yes", "count_tags", "ratio"};
static const char *const time_names[] = {"", "sum", "last", "any", "union", "ratio"};

const char *ind_kind_name(ind_kind_t k)
{
    return (k >= IND_COUNT && k <= IND_RATE) ? kind_names[k] : "?";
}

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 1; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return 0;
}

/* The aggregation each kind allows: across units (one), across time (a set). */
static const struct {
    agg_units_t units;
    unsigned time_mask;
    agg_time_t time_default;
    const char *time_list;
} agg_rule[] = {
    [IND_COUNT] = {AGG_UNITS_SUM, 1u << AGG_TIME_SUM, AGG_TIME_SUM, "sum"},
    [IND_STOCK] = {AGG_UNITS_SUM, 1u << AGG_TIME_LAST, AGG_TIME_LAST, "last"},
    [IND_BOOL] = {AGG_UNITS_COUNT_YES, 1u << AGG_TIME_ANY | 1u << AGG_TIME_LAST, AGG_TIME_LAST, "any or last"},
    [IND_TAGS] = {AGG_UNITS_COUNT_TAGS, 1u << AGG_TIME_UNION, AGG_TIME_UNION, "union"},
    [IND_RATE] = {AGG_UNITS_RATIO, 1u << AGG_TIME_RATIO, AGG_TIME_RATIO, "ratio"},
};

static void load_ind_aggregation(load_t *L, const csvtab_t *t, int r, indicator_t *ind)
{
    const char *su = csvtab_cell(t, r, I_UNITS), *st = csvtab_cell(t, r, I_TIME);
    int k = ind->kind;
    ind->across_units = agg_rule[k].units;
    ind->across_time = agg_rule[k].time_default;
    if (*su) {
        int v = name_index(units_names, 5, su);
        if (v == 0)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown across_units %s (expected sum, count_yes, count_tags or ratio)",
                   CSVTAB_SHOW(su));
        else if (v != (int)agg_rule[k].units)
            csvtab_report(L->diag, t->file, t->lines[r], "across_units '%s' does not fit a %s indicator (expected %s)",
                   units_names[v], kind_names[k], units_names[agg_rule[k].units]);
        else
            ind->across_units = (agg_units_t)v;
    }
    if (*st) {
        int v = name_index(time_names, 6, st);
        if (v == 0)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown across_time %s (expected sum, last, any, union or ratio)",
                   CSVTAB_SHOW(st));
        else if (!(agg_rule[k].time_mask & 1u << v))
            csvtab_report(L->diag, t->file, t->lines[r], "across_time '%s' does not fit a %s indicator (expected %s)",
                   time_names[v], kind_names[k], agg_rule[k].time_list);
        else
            ind->across_time = (agg_time_t)v;
    }
}

static void load_ind_tags(load_t *L, csvtab_t *t, int r, indicator_t *ind)
{
    char *s = csvtab_cell_mut(t, r, I_TAGS);
    char *items[CATALOG_TAGS_MAX];
    int count;
    if (ind->kind != IND_TAGS) {
        if (*s)
            csvtab_report(L->diag, t->file, t->lines[r], "only a tags indicator lists tags");
        return;
    }
    if (*s == '\0') {
        csvtab_report(L->diag, t->file, t->lines[r], "a tags indicator needs its allowed tags in the tags column (a|b|c)");
        return;
    }
    int n = split_list(s, items, CATALOG_TAGS_MAX, &count);
    if (n < 0) {
        csvtab_report(L->diag, t->file, t->lines[r], "empty tag in the tags list");
        return;
    }
    if (count > CATALOG_TAGS_MAX) {
        csvtab_report(L->diag, t->file, t->lines[r], "%d tags listed; at most %d are allowed", count, CATALOG_TAGS_MAX);
        return;
    }
    ind->tags = malloc((size_t)n * sizeof *ind->tags);
    if (ind->tags == NULL) {
        csvtab_report(L->diag, t->file, t->lines[r], "out of memory");
        return;
    }
    for (int i = 0; i < n; i++) {
        if (!code_ok(items[i]))
            csvtab_report(L->diag, t->file, t->lines[r], "tag %s: use only A-Z a-z 0-9 . _ - : and at most %d bytes",
                   CSVTAB_SHOW(items[i]), CATALOG_CODE_MAX);
        for (int j = 0; j < i; j++)
            if (strcmp(items[i], items[j]) == 0)
                csvtab_report(L->diag, t->file, t->lines[r], "tag %s listed twice", CSVTAB_SHOW(items[i]));
        ind->tags[i] = items[i];
    }
    ind->ntags = n;
}

static void load_ind_max(load_t *L, const csvtab_t *t, int r, indicator_t *ind)
{
    const char *s = csvtab_cell(t, r, I_MAX);
    int64_t v;
    ind->max = INT64_MAX;
    if (*s == '\0')
        return;
    if (ind->kind != IND_COUNT && ind->kind != IND_STOCK)
        csvtab_report(L->diag, t->file, t->lines[r], "max applies only to count and stock indicators");
    else if (parse_int64(s, &v) != 0 || v < 0)
        csvtab_report(L->diag, t->file, t->lines[r], "max must be a whole number >= 0, not %s", CSVTAB_SHOW(s));
    else
        ind->max = v;
}

/* A rate's numerator and denominator: known count or stock indicators. */
static void resolve_rate(load_t *L, const csvtab_t *t, int r, indicator_t *ind)
{
    static const int cols[2] = {I_NUM, I_DEN};
    static const char *const what[2] = {"numerator", "denominator"};
    int *dst[2] = {&ind->num, &ind->den};
    for (int k = 0; k < 2; k++) {
        const char *s = csvtab_cell(t, r, cols[k]);
        if (ind->kind != IND_RATE) {
            if (*s)
                csvtab_report(L->diag, t->file, t->lines[r], "only a rate has a %s", what[k]);
            continue;
        }
        if (*s == '\0') {
            csvtab_report(L->diag, t->file, t->lines[r], "a rate needs a %s", what[k]);
            continue;
        }
        int i = catalog_indicator(L->c, s);
        if (i < 0) {
            csvtab_report(L->diag, t->file, t->lines[r], "unknown %s %s", what[k], CSVTAB_SHOW(s));
        } else if (L->c->inds[i].kind != IND_COUNT && L->c->inds[i].kind != IND_STOCK && L->c->inds[i].kind != 0) {
            csvtab_report(L->diag, t->file, t->lines[r], "%s %s is a %s indicator; a rate needs a count or a stock", what[k],
                   CSVTAB_SHOW(s), kind_names[L->c->inds[i].kind]);
        } else {
            *dst[k] = i;
        }
    }
}

static void load_indicators(load_t *L)
{
    csvtab_t *t = &L->t[F_INDS];
    catalog_t *c = L->c;
    int *row = malloc(((size_t)t->nrows + 1) * sizeof *row);
    c->inds = calloc((size_t)t->nrows + 1, sizeof *c->inds);
    if (!row || !c->inds || hindex_init(&c->index->inds, t->nrows) != 0) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        free(row);
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        const char *code = csvtab_cell(t, r, I_CODE), *s;
        if (!check_code(L, t, r, "code", code))
            continue;
        int dup = hindex_add(&c->index->inds, code);
        if (dup >= 0) {
            csvtab_report(L->diag, t->file, t->lines[r], "duplicate code %s (first on line %d)", CSVTAB_SHOW(code),
                   t->lines[row[dup]]);
            continue;
        }
        indicator_t *ind = &c->inds[c->ninds];
        row[c->ninds++] = r;
        ind->code = (char *)code;
        ind->num = ind->den = -1;
        ind->name_vi = csvtab_cell_mut(t, r, I_NAME_VI);
        ind->name_en = csvtab_cell_mut(t, r, I_NAME_EN);
        check_text(L, t, r, "name_vi", ind->name_vi, TEXT_REQUIRED);
        check_text(L, t, r, "name_en", ind->name_en, 0);
        s = csvtab_cell(t, r, I_KIND);
        ind->kind = (ind_kind_t)name_index(kind_names, 6, s);
        if (ind->kind == 0) {
            csvtab_report(L->diag, t->file, t->lines[r], "unknown kind %s (expected count, stock, bool, tags or rate)",
                   CSVTAB_SHOW(s));
            continue; /* kind 0 until the end: its other columns cannot be judged */
        }
        load_ind_aggregation(L, t, r, ind);
        load_ind_tags(L, t, r, ind);
        load_ind_max(L, t, r, ind);
    }
    /* second pass: a rate may name indicators defined below it */
    for (int i = 0; i < c->ninds; i++)
        if (c->inds[i].kind != 0)
            resolve_rate(L, t, row[i], &c->inds[i]);
    for (int i = 0; i < c->ninds; i++)
        if (c->inds[i].kind == 0) {
            c->inds[i].kind = IND_COUNT;
            c->inds[i].max = INT64_MAX;
        }
    free(row);
}

/* ---- datasets --------------------------------------------------------- */

static void load_ds_indicators(load_t *L, csvtab_t *t, int r, dataset_t *ds, bool check)
{
    char *s = csvtab_cell_mut(t, r, D_INDS);
    int count = count_items(s), n;
    char **items = malloc(((size_t)count + 1) * sizeof *items);
    ds->inds = malloc(((size_t)count + 1) * sizeof *ds->inds);
    if (!items || !ds->inds) {
        csvtab_report(L->diag, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    n = split_list(s, items, count + 1, &count);
    if (n < 0)
        csvtab_report(L->diag, t->file, t->lines[r], "empty item in the indicators list");
    else if (n == 0)
        csvtab_report(L->diag, t->file, t->lines[r], "a dataset needs at least one indicator");
    for (int i = 0; i < n; i++) {
        int k = catalog_indicator(L->c, items[i]);
        if (k < 0) {
            if (check)
                csvtab_report(L->diag, t->file, t->lines[r], "unknown indicator %s", CSVTAB_SHOW(items[i]));
            continue;
        }
        if (catalog_dataset_has(L->c, (int)(ds - L->c->datasets), k)) {
            csvtab_report(L->diag, t->file, t->lines[r], "indicator %s listed twice", CSVTAB_SHOW(items[i]));
            continue;
        }
        ds->inds[ds->ninds++] = k;
    }
    /* a rate is computed from its parts: they must be collected too */
    for (int i = 0; i < ds->ninds; i++) {
        const indicator_t *ind = &L->c->inds[ds->inds[i]];
        if (ind->kind != IND_RATE)
            continue;
        int parts[2] = {ind->num, ind->den};
        for (int k = 0; k < 2; k++)
            if (parts[k] >= 0 && !catalog_dataset_has(L->c, (int)(ds - L->c->datasets), parts[k]))
                csvtab_report(L->diag, t->file, t->lines[r], "rate %s needs its %s %s in the dataset too", ind->code,
                       k ? "denominator" : "numerator", L->c->inds[parts[k]].code);
    }
    free(items);
}

/* Which indicators a report must carry: all but the rates (computed, never
 * submitted) and those the `optional` column lists. */
static void load_ds_required(load_t *L, csvtab_t *t, int r, dataset_t *ds)
{
    char *s = csvtab_cell_mut(t, r, D_OPTIONAL);
    int count = count_items(s), n;
    char **items = malloc(((size_t)count + 1) * sizeof *items);
    ds->required = malloc(((size_t)ds->ninds + 1) * sizeof *ds->required);
    if (!items || !ds->required) {
        csvtab_report(L->diag, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    for (int i = 0; i < ds->ninds; i++)
        ds->required[i] = L->c->inds[ds->inds[i]].kind != IND_RATE;
    n = split_list(s, items, count + 1, &count);
    if (n < 0)
        csvtab_report(L->diag, t->file, t->lines[r], "empty item in the optional list");
    for (int i = 0; i < n; i++) {
        int k = catalog_indicator(L->c, items[i]), at = -1;
        for (int j = 0; k >= 0 && j < ds->ninds; j++)
            if (ds->inds[j] == k)
                at = j;
        if (at < 0)
            csvtab_report(L->diag, t->file, t->lines[r], "optional indicator %s is not in the dataset's indicators",
                   CSVTAB_SHOW(items[i]));
        else
            ds->required[at] = false;
    }
    free(items);
}

static void load_ds_who(load_t *L, csvtab_t *t, int r, dataset_t *ds, bool check_units)
{
    char *ks = csvtab_cell_mut(t, r, D_KINDS), *us = csvtab_cell_mut(t, r, D_UNITS);
    int nk = count_items(ks), nu = count_items(us), n, count;
    char **items = malloc(((size_t)(nk > nu ? nk : nu) + 1) * sizeof *items);
    ds->kinds = malloc(((size_t)nk + 1) * sizeof *ds->kinds);
    ds->units = malloc(((size_t)nu + 1) * sizeof *ds->units);
    if (!items || !ds->kinds || !ds->units) {
        csvtab_report(L->diag, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    n = split_list(ks, items, nk + 1, &count);
    if (n < 0)
        csvtab_report(L->diag, t->file, t->lines[r], "empty item in the kinds list");
    for (int i = 0; i < n; i++) {
        const char *k = find_kind(items[i]);
        if (k == NULL)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown kind %s (expected %s)", CSVTAB_SHOW(items[i]), kinds_list());
        else
            ds->kinds[ds->nkinds++] = (char *)k;
    }
    n = split_list(us, items, nu + 1, &count);
    if (n < 0)
        csvtab_report(L->diag, t->file, t->lines[r], "empty item in the units list");
    for (int i = 0; i < n; i++) {
        int u = catalog_unit(L->c, items[i]);
        if (u >= 0)
            ds->units[ds->nunits++] = u;
        else if (check_units)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown unit %s", CSVTAB_SHOW(items[i]));
    }
    if (*ks == '\0' && *us == '\0')
        csvtab_report(L->diag, t->file, t->lines[r], "a dataset needs kinds or units: who reports it");
    free(items);
}

static void load_datasets(load_t *L)
{
    csvtab_t *t = &L->t[F_DATASETS];
    catalog_t *c = L->c;
    int *row = malloc(((size_t)t->nrows + 1) * sizeof *row);
    c->datasets = calloc((size_t)t->nrows + 1, sizeof *c->datasets);
    if (!row || !c->datasets || hindex_init(&c->index->datasets, t->nrows) != 0) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        free(row);
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        const char *code = csvtab_cell(t, r, D_CODE), *s;
        int64_t v;
        if (!check_code(L, t, r, "code", code))
            continue;
        int dup = hindex_add(&c->index->datasets, code);
        if (dup >= 0) {
            csvtab_report(L->diag, t->file, t->lines[r], "duplicate code %s (first on line %d)", CSVTAB_SHOW(code),
                   t->lines[row[dup]]);
            continue;
        }
        dataset_t *ds = &c->datasets[c->ndatasets];
        row[c->ndatasets++] = r;
        ds->code = (char *)code;
        ds->name = csvtab_cell_mut(t, r, D_NAME);
        check_text(L, t, r, "name", ds->name, TEXT_REQUIRED);
        s = csvtab_cell(t, r, D_PTYPE);
        ds->ptype = period_type_parse(s);
        if (ds->ptype == PERIOD_NONE)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown period type %s (expected month, quarter, half or year)",
                   CSVTAB_SHOW(s));
        s = csvtab_cell(t, r, D_DUE);
        if (parse_int64(s, &v) != 0 || v < 1 || v > 28)
            csvtab_report(L->diag, t->file, t->lines[r], "due_day must be a whole number from 1 to 28, not %s", CSVTAB_SHOW(s));
        else
            ds->due_day = (int)v;
        parse_yes_no(L, t, r, "roll_forward", csvtab_cell(t, r, D_ROLL), &ds->roll_forward);
        load_ds_indicators(L, t, r, ds, L->t[F_INDS].ok);
        load_ds_required(L, t, r, ds);
        load_ds_who(L, t, r, ds, L->t[F_UNITS].ok);
    }
    free(row);
}

/* ---- targets ---------------------------------------------------------- */

static bool bounds_within(const target_t *tg, double lo, double hi)
{
    return !(tg->has_min && (tg->min < lo || tg->min > hi)) && !(tg->has_max && (tg->max < lo || tg->max > hi));
}

static void load_target_bounds(load_t *L, const csvtab_t *t, int r, target_t *tg, const indicator_t *ind)
{
    const char *smin = csvtab_cell(t, r, T_MIN), *smax = csvtab_cell(t, r, T_MAX);
    bool bad = false;
    if (*smin && parse_number(smin, &tg->min) != 0) {
        csvtab_report(L->diag, t->file, t->lines[r], "min must be a number, not %s", CSVTAB_SHOW(smin));
        bad = true;
    } else {
        tg->has_min = *smin != '\0';
    }
    if (*smax && parse_number(smax, &tg->max) != 0) {
        csvtab_report(L->diag, t->file, t->lines[r], "max must be a number, not %s", CSVTAB_SHOW(smax));
        bad = true;
    } else {
        tg->has_max = *smax != '\0';
    }
    if (bad)
        return;
    if (!tg->has_min && !tg->has_max) {
        csvtab_report(L->diag, t->file, t->lines[r], "a target needs a min or a max");
        return;
    }
    if (tg->has_min && tg->has_max && tg->min > tg->max)
        csvtab_report(L->diag, t->file, t->lines[r], "min %s is greater than max %s", smin, smax);
    if (ind == NULL)
        return;
    if (ind->kind == IND_RATE) {
        if (!bounds_within(tg, 0, 100))
            csvtab_report(L->diag, t->file, t->lines[r], "a target on the rate %s is a percent from 0 to 100", ind->code);
    } else if (ind->kind == IND_BOOL) {
        if (!bounds_within(tg, 0, 1))
            csvtab_report(L->diag, t->file, t->lines[r], "a target on the yes/no indicator %s is 0 or 1", ind->code);
    } else if (!bounds_within(tg, 0, INFINITY)) {
        csvtab_report(L->diag, t->file, t->lines[r], "a target on %s must not be negative", ind->code);
    } else if (ind->max != INT64_MAX && !bounds_within(tg, 0, (double)ind->max)) {
        csvtab_report(L->diag, t->file, t->lines[r], "target above the max of %s (%lld)", ind->code, (long long)ind->max);
    }
}

static void load_target_span(load_t *L, const csvtab_t *t, int r, target_t *tg)
{
    const char *sf = csvtab_cell(t, r, T_FROM), *st = csvtab_cell(t, r, T_TO);
    if (*sf) {
        if (period_parse(sf, &tg->from) != 0)
            csvtab_report(L->diag, t->file, t->lines[r], "bad period in from: %s (expected 2025, 2025S2, 2025Q3 or 202509)",
                   CSVTAB_SHOW(sf));
        else
            tg->has_from = true;
    }
    if (*st) {
        if (period_parse(st, &tg->to) != 0)
            csvtab_report(L->diag, t->file, t->lines[r], "bad period in to: %s (expected 2025, 2025S2, 2025Q3 or 202509)",
                   CSVTAB_SHOW(st));
        else
            tg->has_to = true;
    }
    if (tg->has_from && tg->has_to && period_first_day(tg->from) > period_last_day(tg->to))
        csvtab_report(L->diag, t->file, t->lines[r], "from %s is after to %s", sf, st);
}

static void load_targets(load_t *L)
{
    csvtab_t *t = &L->t[F_TARGETS];
    catalog_t *c = L->c;
    c->targets = calloc((size_t)t->nrows + 1, sizeof *c->targets);
    if (c->targets == NULL) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        target_t *tg = &c->targets[c->ntargets++];
        const char *su = csvtab_cell(t, r, T_UNIT), *si = csvtab_cell(t, r, T_IND), *sp = csvtab_cell(t, r, T_PTYPE);
        const indicator_t *ind = NULL;
        tg->unit = catalog_unit(c, su);
        tg->ind = catalog_indicator(c, si);
        if (*su == '\0')
            csvtab_report(L->diag, t->file, t->lines[r], "empty unit");
        else if (tg->unit < 0 && L->t[F_UNITS].ok)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown unit %s", CSVTAB_SHOW(su));
        if (*si == '\0')
            csvtab_report(L->diag, t->file, t->lines[r], "empty indicator");
        else if (tg->ind < 0 && L->t[F_INDS].ok)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown indicator %s", CSVTAB_SHOW(si));
        if (tg->ind >= 0) {
            ind = &c->inds[tg->ind];
            if (ind->kind == IND_TAGS) {
                csvtab_report(L->diag, t->file, t->lines[r], "%s is a tags indicator; targets apply to counts, stocks, "
                       "yes/no and rates", ind->code);
                ind = NULL;
            }
        }
        tg->ptype = period_type_parse(sp);
        if (tg->ptype == PERIOD_NONE)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown period type %s (expected month, quarter, half or year)",
                   CSVTAB_SHOW(sp));
        load_target_bounds(L, t, r, tg, ind);
        load_target_span(L, t, r, tg);
        tg->note = csvtab_cell_mut(t, r, T_NOTE);
        check_text(L, t, r, "note", tg->note, TEXT_FREE);
    }
}

/* ---- holidays --------------------------------------------------------- */

typedef struct {
    int32_t day;
    int row;
} dayrow_t;

static int cmp_dayrow(const void *a, const void *b)
{
    const dayrow_t *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->row - y->row;
}

static void load_holidays(load_t *L)
{
    csvtab_t *t = &L->t[F_HOLIDAYS];
    catalog_t *c = L->c;
    dayrow_t *dr = malloc(((size_t)t->nrows + 1) * sizeof *dr);
    int ndr = 0;
    c->holidays = calloc((size_t)t->nrows + 1, sizeof *c->holidays);
    if (!dr || !c->holidays) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        free(dr);
        return;
    }
    for (int r = 0; r < t->nrows; r++) {
        const char *s = csvtab_cell(t, r, H_DATE);
        holiday_t *h = &c->holidays[c->nholidays];
        if (*s == '\0') {
            csvtab_report(L->diag, t->file, t->lines[r], "empty date");
            continue;
        }
        if (date_parse(s, &h->day) != 0) {
            csvtab_report(L->diag, t->file, t->lines[r], "bad date %s (expected YYYY-MM-DD)", CSVTAB_SHOW(s));
            continue;
        }
        h->name = csvtab_cell_mut(t, r, H_NAME);
        check_text(L, t, r, "name", h->name, TEXT_REQUIRED);
        if (parse_yes_no(L, t, r, "working", csvtab_cell(t, r, H_WORKING), &h->working) == 0 && h->working &&
            date_weekday(h->day) < 5)
            csvtab_report(L->diag, t->file, t->lines[r], "%s is a weekday: only a Saturday or Sunday can be a make-up working day",
                   s);
        dr[ndr].day = h->day;
        dr[ndr++].row = r;
        c->nholidays++;
    }
    qsort(dr, (size_t)ndr, sizeof *dr, cmp_dayrow);
    for (int i = 1; i < ndr; i++)
        if (dr[i].day == dr[i - 1].day)
            csvtab_report(L->diag, t->file, t->lines[dr[i].row], "duplicate date %s (first on line %d)",
                   csvtab_cell(t, dr[i].row, H_DATE), t->lines[dr[i - 1].row]);
    free(dr);
    c->calendar = calendar_new();
    if (c->calendar == NULL) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        return;
    }
    for (int i = 0; i < c->nholidays; i++)
        if (calendar_set(c->calendar, c->holidays[i].day, c->holidays[i].working) != 0) {
            csvtab_report(L->diag, t->file, 0, "out of memory");
            return;
        }
}

/* ---- load / destroy --------------------------------------------------- */

int catalog_load(const char *dir, catalog_t **out, catalog_diag_fn diag, void *ud)
{
    static const struct {
        const csvtab_column_t *cols;
        int n;
    } schemas[NFILES] = {
        {unit_cols, U_NCOLS}, {ind_cols, I_NCOLS}, {ds_cols, D_NCOLS}, {tgt_cols, T_NCOLS}, {hol_cols, H_NCOLS},
    };
    csvtab_diag_t problems = {.fn = diag, .ud = ud, .files = file_names, .nfiles = NFILES};
    load_t L = {.diag = &problems};
    catalog_t *c = NULL;

    *out = NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL || (c->index = calloc(1, sizeof *c->index)) == NULL || (c->dir = strdup(dir)) == NULL) {
        csvtab_report(&problems, "catalog", 0, "out of memory");
        goto cleanup;
    }
    L.c = c;
    for (int f = 0; f < NFILES; f++)
        csvtab_read(&L.t[f], &problems, dir, file_names[f], schemas[f].cols, schemas[f].n);
    /* the order matters: each file refers to the ones loaded before it */
    load_units(&L);
    load_indicators(&L);
    load_datasets(&L);
    load_targets(&L);
    load_holidays(&L);

cleanup:
    for (int f = 0; f < NFILES; f++) {
        /* the catalog keeps the pools: its strings live there */
        char *pool = csvtab_take_pool(&L.t[f]);
        if (c && c->index)
            c->index->pool[f] = pool;
        else
            free(pool);
        csvtab_free(&L.t[f]);
    }
    csvtab_flush(&problems);
    if (problems.nerr > 0) {
        catalog_destroy(&c);
        return problems.nerr;
    }
    *out = c;
    return 0;
}

void catalog_destroy(catalog_t **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    catalog_t *c = *self_p;
    if (c->inds)
        for (int i = 0; i < c->ninds; i++)
            free(c->inds[i].tags);
    if (c->datasets)
        for (int i = 0; i < c->ndatasets; i++) {
            free(c->datasets[i].inds);
            free(c->datasets[i].required);
            free(c->datasets[i].kinds);
            free(c->datasets[i].units);
        }
    free(c->units);
    free(c->inds);
    free(c->datasets);
    free(c->targets);
    free(c->holidays);
    free(c->preorder);
    calendar_destroy(&c->calendar);
    if (c->index) {
        hindex_free(&c->index->units);
        hindex_free(&c->index->inds);
        hindex_free(&c->index->datasets);
        free(c->index->child_pool);
        free(c->index->submit_top);
        for (int f = 0; f < NFILES; f++)
            free(c->index->pool[f]);
        free(c->index);
    }
    free(c->dir);
    free(c);
    *self_p = NULL;
}

/* ---- queries ---------------------------------------------------------- */

int catalog_unit_n(const catalog_t *c, const char *code, size_t len)
{
    return (c && c->index && code) ? hindex_find(&c->index->units, code, len) : -1;
}

int catalog_indicator_n(const catalog_t *c, const char *code, size_t len)
{
    return (c && c->index && code) ? hindex_find(&c->index->inds, code, len) : -1;
}

int catalog_dataset_n(const catalog_t *c, const char *code, size_t len)
{
    return (c && c->index && code) ? hindex_find(&c->index->datasets, code, len) : -1;
}

int catalog_unit(const catalog_t *c, const char *code)
{
    return code ? catalog_unit_n(c, code, strlen(code)) : -1;
}

int catalog_indicator(const catalog_t *c, const char *code)
{
    return code ? catalog_indicator_n(c, code, strlen(code)) : -1;
}

int catalog_dataset(const catalog_t *c, const char *code)
{
    return code ? catalog_dataset_n(c, code, strlen(code)) : -1;
}

int catalog_tag(const catalog_t *c, int ind, const char *tag, size_t len)
{
    if (c == NULL || tag == NULL || ind < 0 || ind >= c->ninds)
        return -1;
    const indicator_t *in = &c->inds[ind];
    for (int i = 0; i < in->ntags; i++)
        if (strlen(in->tags[i]) == len && memcmp(in->tags[i], tag, len) == 0)
            return i;
    return -1;
}

bool catalog_dataset_has(const catalog_t *c, int ds, int ind)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets)
        return false;
    const dataset_t *d = &c->datasets[ds];
    for (int i = 0; i < d->ninds; i++)
        if (d->inds[i] == ind)
            return true;
    return false;
}

bool catalog_required(const catalog_t *c, int ds, int ind)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets)
        return false;
    const dataset_t *d = &c->datasets[ds];
    for (int i = 0; i < d->ninds; i++)
        if (d->inds[i] == ind)
            return d->required != NULL && d->required[i];
    return false;
}

bool catalog_must_report(const catalog_t *c, int ds, int unit)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets || unit < 0 || unit >= c->nunits)
        return false;
    const dataset_t *d = &c->datasets[ds];
    /* kinds point at the interned strings of unit_kinds: compare pointers */
    for (int i = 0; i < d->nkinds; i++)
        if (d->kinds[i] == c->units[unit].kind || strcmp(d->kinds[i], c->units[unit].kind) == 0)
            return true;
    for (int i = 0; i < d->nunits; i++)
        if (d->units[i] == unit)
            return true;
    return false;
}

bool catalog_open_in(const catalog_t *c, int unit, period_t p)
{
    if (c == NULL || unit < 0 || unit >= c->nunits || !period_valid(p))
        return false;
    const unit_t *u = &c->units[unit];
    if (u->opened != CATALOG_DAY_NONE && u->opened > period_last_day(p))
        return false;
    if (u->closed != CATALOG_DAY_NONE && u->closed <= period_first_day(p))
        return false;
    return true;
}

bool catalog_is_ancestor(const catalog_t *c, int ancestor, int unit)
{
    if (c == NULL || ancestor < 0 || ancestor >= c->nunits || unit < 0 || unit >= c->nunits)
        return false;
    const unit_t *a = &c->units[ancestor];
    int pos = c->units[unit].subtree_first;
    return a->subtree_first <= pos && pos < a->subtree_end;
}

bool catalog_may_submit_for(const catalog_t *c, int submitter, int unit)
{
    if (c == NULL || submitter < 0 || submitter >= c->nunits || unit < 0 || unit >= c->nunits)
        return false;
    if (submitter == unit)
        return true;
    if (c->index == NULL || c->index->submit_top == NULL)
        return false;
    /* the units that may submit for `unit` are exactly its ancestors from
     * itself up to submit_top[unit]: an ancestor at that depth or below */
    int top = c->index->submit_top[unit];
    return catalog_is_ancestor(c, submitter, unit) && c->units[submitter].depth >= c->units[top].depth;
}

int64_t catalog_deadline(const catalog_t *c, int ds, period_t p)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets)
        return 0;
    const dataset_t *d = &c->datasets[ds];
    return calendar_deadline(c->calendar, p, d->due_day, d->roll_forward);
}
