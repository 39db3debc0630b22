/*
 * catalog_inds.c -- indicators.csv: what an indicator is and how it adds up.
 *
 * Each kind allows one aggregation across units and a few across time
 * (agg_rule); a column left empty takes the kind's default.  A row whose kind
 * is unknown keeps its code (so datasets naming it raise no second problem)
 * but its other columns are not judged: they mean nothing without a kind.
 */
#include "catalog_int.h"

#include <stdlib.h>
#include <string.h>

enum { I_CODE, I_NAME_VI, I_NAME_EN, I_KIND, I_NUM, I_DEN, I_UNITS, I_TIME, I_TAGS, I_MAX, I_UNIT_VI, I_UNIT_EN,
       I_GROUP, I_HELP, I_GROUP_EN, I_HELP_EN,
       I_NCOLS };
static const csvtab_column_t ind_cols[I_NCOLS] = {
    {"code", true}, {"name_vi", true}, {"name_en", false}, {"kind", true},
    {"numerator", false}, {"denominator", false}, {"across_units", false},
    {"across_time", false}, {"tags", false}, {"max", false}, {"unit_vi", false}, {"unit_en", false},
    {"group_vi", false}, {"help_vi", false}, {"group_en", false}, {"help_en", false},
};
const catalog__schema_t catalog__inds_schema = {ind_cols, I_NCOLS};

/* Names in the file, by enum value (0: none). */
static const char *const kind_names[] = {"", "count", "stock", "bool", "tags", "rate"};
static const char *const units_names[] = {"", "sum", "count_yes", "count_tags", "ratio"};
static const char *const time_names[] = {"", "sum", "last", "any", "union", "ratio"};

const char *ind_kind_name(ind_kind_t k)
{
    return (k >= IND_COUNT && k <= IND_RATE) ? kind_names[k] : "?";
}

const char *ind_unit(const indicator_t *in, bool en)
{
    const char *u = en ? in->unit_en : in->unit_vi;
    if (u && u[0])
        return u;
    switch (in->kind) {
    case IND_RATE: return "%";
    case IND_BOOL: return en ? "units (yes)" : "đơn vị (có)";
    case IND_TAGS: return en ? "units" : "đơn vị";
    default: return "";
    }
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
            csvtab_report(L->diag, t->file, t->lines[r],
                          "unknown across_units %s (expected sum, count_yes, count_tags or ratio)", CSVTAB_SHOW(su));
        else if (v != (int)agg_rule[k].units)
            csvtab_report(L->diag, t->file, t->lines[r], "across_units '%s' does not fit a %s indicator (expected %s)",
                          units_names[v], kind_names[k], units_names[agg_rule[k].units]);
        else
            ind->across_units = (agg_units_t)v;
    }
    if (*st) {
        int v = name_index(time_names, 6, st);
        if (v == 0)
            csvtab_report(L->diag, t->file, t->lines[r],
                          "unknown across_time %s (expected sum, last, any, union or ratio)", CSVTAB_SHOW(st));
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
        csvtab_report(L->diag, t->file, t->lines[r],
                      "a tags indicator needs its allowed tags in the tags column (a|b|c)");
        return;
    }
    int n = catalog__split_list(s, items, CATALOG_TAGS_MAX, &count);
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
        if (!catalog__code_ok(items[i]))
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
    else if (catalog__parse_int64(s, &v) != 0 || v < 0)
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
            csvtab_report(L->diag, t->file, t->lines[r], "%s %s is a %s indicator; a rate needs a count or a stock",
                          what[k], CSVTAB_SHOW(s), kind_names[L->c->inds[i].kind]);
        } else {
            *dst[k] = i;
        }
    }
}

void catalog__load_indicators(load_t *L)
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
        if (!catalog__add_code(L, t, r, code, &c->index->inds, row))
            continue;
        indicator_t *ind = &c->inds[c->ninds];
        row[c->ninds++] = r;
        ind->code = (char *)code;
        ind->num = ind->den = -1;
        ind->name_vi = csvtab_cell_mut(t, r, I_NAME_VI);
        ind->name_en = csvtab_cell_mut(t, r, I_NAME_EN);
        catalog__check_text(L, t, r, "name_vi", ind->name_vi, TEXT_REQUIRED);
        catalog__check_text(L, t, r, "name_en", ind->name_en, 0);
        ind->unit_vi = csvtab_cell_mut(t, r, I_UNIT_VI);
        ind->unit_en = csvtab_cell_mut(t, r, I_UNIT_EN);
        ind->group_vi = csvtab_cell_mut(t, r, I_GROUP);
        ind->help_vi = csvtab_cell_mut(t, r, I_HELP);
        ind->group_en = csvtab_cell_mut(t, r, I_GROUP_EN);
        ind->help_en = csvtab_cell_mut(t, r, I_HELP_EN);
        catalog__check_text(L, t, r, "unit_vi", ind->unit_vi, 0);
        catalog__check_text(L, t, r, "unit_en", ind->unit_en, 0);
        catalog__check_text(L, t, r, "group_vi", ind->group_vi, 0);
        catalog__check_text(L, t, r, "help_vi", ind->help_vi, TEXT_FREE);
        catalog__check_text(L, t, r, "group_en", ind->group_en, 0);
        catalog__check_text(L, t, r, "help_en", ind->help_en, TEXT_FREE);
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

