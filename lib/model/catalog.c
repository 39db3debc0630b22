/*
 * catalog.c -- the queries of catalog.h on a loaded catalog.
 *
 * A loaded catalog is immutable, so every query is a plain read, safe from
 * any thread.  Loading is in catalog_load.c (see catalog_int.h for the map
 * of the catalog's files).
 */
#include "catalog_int.h"

#include <string.h>

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

const char *catalog_dataset_name(const catalog_t *c, int ds, bool en)
{
    const dataset_t *d = &c->datasets[ds];
    return en && d->name_en && d->name_en[0] ? d->name_en : d->name;
}

bool catalog_must_report(const catalog_t *c, int ds, int unit)
{
    if (c == NULL || ds < 0 || ds >= c->ndatasets || unit < 0 || unit >= c->nunits)
        return false;
    const dataset_t *d = &c->datasets[ds];
    /* kinds point at the interned strings of catalog__unit_kinds: compare pointers */
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

int catalog_cover(const catalog_t *c, int ds)
{
    return c->datasets[ds].cover;
}

void catalog__set_covers(catalog_t *c)
{
    for (int ds = 0; ds < c->ndatasets; ds++)
        c->datasets[ds].cover = catalog__find_cover(c, ds);
}

int catalog__find_cover(const catalog_t *c, int ds)
{
    const dataset_t *b = &c->datasets[ds];
    int best = -1;
    for (int a = 0; a < c->ndatasets; a++) {
        const dataset_t *d = &c->datasets[a];
        /* a finer period type with the same due rule: B's deadline is the
         * deadline of A's last period inside it */
        if (a == ds || d->ptype >= b->ptype || d->due_day != b->due_day || d->roll_forward != b->roll_forward)
            continue;
        if (best >= 0 && d->ptype >= c->datasets[best].ptype)
            continue; /* the finest cover: the report units send most often */
        bool ok = true;
        for (int i = 0; i < b->ninds && ok; i++)
            ok = !b->required[i] || catalog_required(c, a, b->inds[i]);
        for (int u = 0; u < c->nunits && ok; u++)
            ok = !catalog_must_report(c, ds, u) || catalog_must_report(c, a, u);
        if (ok)
            best = a;
    }
    return best;
}
