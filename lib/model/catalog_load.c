/*
 * catalog_load.c -- catalog_load() and catalog_destroy(); the files that
 * refer to units and indicators: datasets, targets and holidays.
 *
 * Validation never stops at the first problem: a central office fixes a
 * spreadsheet in one pass only if it sees every mistake at once.  Every file
 * is read first, then loaded in an order where each refers only to those
 * before it.  A file that cannot be read at all switches off the reference
 * checks against it, so that its absence is one problem, not one per row.
 *
 * The catalog keeps each file's string pool, and every string of the catalog
 * points into it, so a 100,000-unit catalog costs a handful of allocations
 * instead of a million, and catalog_destroy() frees five pools rather than
 * walking strings.
 */
#include "catalog_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- datasets --------------------------------------------------------- */

enum { D_CODE, D_NAME, D_PTYPE, D_INDS, D_DUE, D_ROLL, D_KINDS, D_UNITS, D_OPTIONAL, D_ON_TIME_BY, D_NAME_EN,
       D_NCOLS };
static const csvtab_column_t ds_cols[D_NCOLS] = {
    {"code", true}, {"name", true}, {"period_type", true}, {"indicators", true},
    {"due_day", true}, {"roll_forward", false}, {"kinds", false}, {"units", false},
    {"optional", false}, {"on_time_by", false}, {"name_en", false},
};
static const catalog__schema_t ds_schema = {ds_cols, D_NCOLS};

static void load_ds_indicators(load_t *L, csvtab_t *t, int r, dataset_t *ds, bool check)
{
    char **items;
    int n = catalog__split_cell(L, t, r, D_INDS, "indicators", &items);
    if (n < 0 || (ds->inds = malloc(((size_t)n + 1) * sizeof *ds->inds)) == NULL) {
        csvtab_report(L->diag, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    if (*csvtab_cell(t, r, D_INDS) == '\0')
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
    char **items;
    int n = catalog__split_cell(L, t, r, D_OPTIONAL, "optional", &items);
    if (n < 0 || (ds->required = malloc(((size_t)ds->ninds + 1) * sizeof *ds->required)) == NULL) {
        csvtab_report(L->diag, t->file, t->lines[r], "out of memory");
        free(items);
        return;
    }
    for (int i = 0; i < ds->ninds; i++)
        ds->required[i] = L->c->inds[ds->inds[i]].kind != IND_RATE;
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
    char **items;
    int n = catalog__split_cell(L, t, r, D_KINDS, "kinds", &items);
    if (n < 0 || (ds->kinds = malloc(((size_t)n + 1) * sizeof *ds->kinds)) == NULL)
        goto oom;
    for (int i = 0; i < n; i++) {
        const char *k = catalog__find_kind(items[i]);
        if (k == NULL)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown kind %s (expected %s)", CSVTAB_SHOW(items[i]),
                          catalog__kinds_list());
        else
            ds->kinds[ds->nkinds++] = (char *)k;
    }
    free(items);
    n = catalog__split_cell(L, t, r, D_UNITS, "units", &items);
    if (n < 0 || (ds->units = malloc(((size_t)n + 1) * sizeof *ds->units)) == NULL)
        goto oom;
    for (int i = 0; i < n; i++) {
        int u = catalog_unit(L->c, items[i]);
        if (u >= 0)
            ds->units[ds->nunits++] = u;
        else if (check_units)
            csvtab_report(L->diag, t->file, t->lines[r], "unknown unit %s", CSVTAB_SHOW(items[i]));
    }
    if (*csvtab_cell(t, r, D_KINDS) == '\0' && *csvtab_cell(t, r, D_UNITS) == '\0')
        csvtab_report(L->diag, t->file, t->lines[r], "a dataset needs kinds or units: who reports it");
    free(items);
    return;
oom:
    csvtab_report(L->diag, t->file, t->lines[r], "out of memory");
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
        if (!catalog__add_code(L, t, r, code, &c->index->datasets, row))
            continue;
        dataset_t *ds = &c->datasets[c->ndatasets];
        row[c->ndatasets++] = r;
        ds->code = (char *)code;
        ds->name = csvtab_cell_mut(t, r, D_NAME);
        catalog__check_text(L, t, r, "name", ds->name, TEXT_REQUIRED);
        ds->name_en = csvtab_cell_mut(t, r, D_NAME_EN);
        catalog__check_text(L, t, r, "name_en", ds->name_en, 0);
        s = csvtab_cell(t, r, D_PTYPE);
        ds->ptype = period_type_parse(s);
        if (ds->ptype == PERIOD_NONE)
            csvtab_report(L->diag, t->file, t->lines[r],
                          "unknown period type %s (expected month, quarter, half or year)", CSVTAB_SHOW(s));
        s = csvtab_cell(t, r, D_DUE);
        if (catalog__parse_int64(s, &v) != 0 || v < 1 || v > 28)
            csvtab_report(L->diag, t->file, t->lines[r], "due_day must be a whole number from 1 to 28, not %s",
                          CSVTAB_SHOW(s));
        else
            ds->due_day = (int)v;
        catalog__parse_yes_no(L, t, r, "roll_forward", csvtab_cell(t, r, D_ROLL), &ds->roll_forward);
        s = csvtab_cell(t, r, D_ON_TIME_BY);
        if (*s == '\0' || strcmp(s, "submission") == 0)
            ds->on_time_by = ON_TIME_BY_SUBMISSION;
        else if (strcmp(s, "approval") == 0)
            ds->on_time_by = ON_TIME_BY_APPROVAL;
        else
            csvtab_report(L->diag, t->file, t->lines[r], "on_time_by must be submission or approval, not %s",
                          CSVTAB_SHOW(s));
        load_ds_indicators(L, t, r, ds, L->t[F_INDS].ok);
        load_ds_required(L, t, r, ds);
        load_ds_who(L, t, r, ds, L->t[F_UNITS].ok);
    }
    free(row);
}

/* ---- targets ---------------------------------------------------------- */

enum { T_UNIT, T_IND, T_PTYPE, T_MIN, T_MAX, T_FROM, T_TO, T_NOTE, T_NCOLS };
static const csvtab_column_t tgt_cols[T_NCOLS] = {
    {"unit", true}, {"indicator", true}, {"period_type", true}, {"min", false},
    {"max", false}, {"from", false}, {"to", false}, {"note", false},
};
static const catalog__schema_t tgt_schema = {tgt_cols, T_NCOLS};

static bool bounds_within(const target_t *tg, double lo, double hi)
{
    return !(tg->has_min && (tg->min < lo || tg->min > hi)) && !(tg->has_max && (tg->max < lo || tg->max > hi));
}

static void load_target_bounds(load_t *L, const csvtab_t *t, int r, target_t *tg, const indicator_t *ind)
{
    const char *smin = csvtab_cell(t, r, T_MIN), *smax = csvtab_cell(t, r, T_MAX);
    bool bad = false;
    if (*smin && catalog__parse_number(smin, &tg->min) != 0) {
        csvtab_report(L->diag, t->file, t->lines[r], "min must be a number, not %s", CSVTAB_SHOW(smin));
        bad = true;
    } else {
        tg->has_min = *smin != '\0';
    }
    if (*smax && catalog__parse_number(smax, &tg->max) != 0) {
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
            csvtab_report(L->diag, t->file, t->lines[r], "a target on the rate %s is a percent from 0 to 100",
                          ind->code);
    } else if (ind->kind == IND_BOOL) {
        if (!bounds_within(tg, 0, 1))
            csvtab_report(L->diag, t->file, t->lines[r], "a target on the yes/no indicator %s is 0 or 1", ind->code);
    } else if (!bounds_within(tg, 0, INFINITY)) {
        csvtab_report(L->diag, t->file, t->lines[r], "a target on %s must not be negative", ind->code);
    } else if (ind->max != INT64_MAX && !bounds_within(tg, 0, (double)ind->max)) {
        csvtab_report(L->diag, t->file, t->lines[r], "target above the max of %s (%lld)", ind->code,
                      (long long)ind->max);
    }
}

/* One end of a target's span: true when given and valid. */
static bool load_target_end(load_t *L, const csvtab_t *t, int r, const char *col, const char *s, period_t *p)
{
    if (*s == '\0')
        return false;
    if (period_parse(s, p) == 0)
        return true;
    csvtab_report(L->diag, t->file, t->lines[r], "bad period in %s: %s (expected 2025, 2025S2, 2025Q3 or 202509)",
                  col, CSVTAB_SHOW(s));
    return false;
}

static void load_target_span(load_t *L, const csvtab_t *t, int r, target_t *tg)
{
    const char *sf = csvtab_cell(t, r, T_FROM), *st = csvtab_cell(t, r, T_TO);
    tg->has_from = load_target_end(L, t, r, "from", sf, &tg->from);
    tg->has_to = load_target_end(L, t, r, "to", st, &tg->to);
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
            csvtab_report(L->diag, t->file, t->lines[r],
                          "unknown period type %s (expected month, quarter, half or year)", CSVTAB_SHOW(sp));
        load_target_bounds(L, t, r, tg, ind);
        load_target_span(L, t, r, tg);
        tg->note = csvtab_cell_mut(t, r, T_NOTE);
        catalog__check_text(L, t, r, "note", tg->note, TEXT_FREE);
    }
}

/* ---- holidays --------------------------------------------------------- */

enum { H_DATE, H_NAME, H_WORKING, H_NCOLS };
static const csvtab_column_t hol_cols[H_NCOLS] = {
    {"date", true}, {"name", true}, {"working", false},
};
static const catalog__schema_t hol_schema = {hol_cols, H_NCOLS};

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
        catalog__check_text(L, t, r, "name", h->name, TEXT_REQUIRED);
        if (catalog__parse_yes_no(L, t, r, "working", csvtab_cell(t, r, H_WORKING), &h->working) == 0 && h->working &&
            date_weekday(h->day) < 5)
            csvtab_report(L->diag, t->file, t->lines[r],
                          "%s is a weekday: only a Saturday or Sunday can be a make-up working day", s);
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
    static const char *const file_names[NFILES] = {
        "units.csv", "indicators.csv", "datasets.csv", "targets.csv", "holidays.csv",
    };
    static const catalog__schema_t *const schemas[NFILES] = {
        &catalog__units_schema, &catalog__inds_schema, &ds_schema, &tgt_schema, &hol_schema,
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
        csvtab_read(&L.t[f], &problems, dir, file_names[f], schemas[f]->cols, schemas[f]->n);
    /* the order matters: each file refers to the ones loaded before it */
    catalog__load_units(&L);
    catalog__load_indicators(&L);
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
    catalog__set_covers(c);
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

