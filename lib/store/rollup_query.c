/*
 * rollup_query.c -- answering QUERY messages from the rollup store.
 *
 * Every answer is built as its struct (proto/answers.def) inside one short
 * read transaction and packed, still inside it (strings may point into the
 * map), only when complete: an error packs nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rollup_query_int.h"

#define HISTORY_DEFAULT 100

/* ---- answer helpers --------------------------------------------------- */

int ruq_storage_fail(proto_error_t *err, int rc)
{
    return proto_fail(err, PROTO_E_STORAGE, "the rollup store could not be read: %s", store_strerror(rc));
}

/* ---- indicator values from slots -------------------------------------- */

typedef struct {
    bool has;       /* value is not nil */
    bool is_float;
    int64_t i;
    double f;
    int64_t units;
    int64_t num, den; /* rates */
} ival_t;

static ival_t ind_value(const catalog_t *c, const ru_layout_t *lay, int ind, const int64_t *s)
{
    ival_t v = {0};
    const indicator_t *in = &c->inds[ind];
    if (in->kind == IND_RATE) {
        int on = in->num >= 0 ? lay->slot[in->num] : -1, od = in->den >= 0 ? lay->slot[in->den] : -1;
        if (on < 0 || od < 0)
            return v;
        v.num = s[on];
        v.den = s[od];
        v.units = s[on + 1] < s[od + 1] ? s[on + 1] : s[od + 1];
        v.is_float = true;
        if (s[od + 1] > 0 && v.den != 0) {
            v.has = true;
            v.f = (double)v.num / (double)v.den;
        }
        return v;
    }
    int o = lay->slot[ind];
    if (o < 0)
        return v;
    if (in->kind == IND_TAGS) {
        v.units = s[o];
        v.has = v.units > 0;
        v.i = v.units;
        return v;
    }
    v.units = s[o + 1];
    v.has = v.units > 0;
    v.i = s[o];
    return v;
}

static ans_num_t ival_num(const ival_t *v)
{
    if (!v->has)
        return (ans_num_t){.kind = ANS_NIL};
    return v->is_float ? ans_float(v->f) : ans_int(v->i);
}

/* One indicator of a rollup from the node's slots s (the tag counts point
 * into s, which must outlive the packing). */
static ans_indicator_t indicator_answer(const catalog_t *c, const ru_layout_t *lay, int ind, const int64_t *s)
{
    const indicator_t *in = &c->inds[ind];
    ival_t v = ind_value(c, lay, ind, s);
    ans_indicator_t a = {.code = in->code, .name_vi = in->name_vi, .name_en = in->name_en,
                         .kind = ind_kind_name(in->kind), .value = ival_num(&v), .units = v.units};
    if (in->kind == IND_BOOL) {
        a.has_share = true;
        if (v.units > 0)
            a.share = ans_float((double)v.i / (double)v.units);
    } else if (in->kind == IND_RATE) {
        a.has_num = a.has_den = true;
        a.num = v.num;
        a.den = v.den;
    } else if (in->kind == IND_TAGS) {
        int o = lay->slot[ind];
        a.has_tags = true;
        if (o >= 0)
            a.tags = (ans_imap_t){(uint32_t)in->ntags, (const char **)in->tags, (int64_t *)s + o + 1};
    }
    return a;
}

size_t ruq_node_key(const qctx_t *q, char *key, int unit, period_t p)
{
    const dataset_t *d = &q->c->datasets[q->ds];
    return ru_key(key, q->c->units[unit].code, q->v->ulen[unit], d->code, strlen(d->code), period_key(p));
}

/* The node value of (unit, dataset, P) in s[0..nvals + RU_COMPLETENESS),
 * from the approved layer when q->approved (then the counters are 0).
 * A unit with children has a node record.  A childless unit has none (see
 * rollup.h): its value slots are its unit value (the leaf's slots for a
 * period of the dataset's type, or those of the sub-periods' leaves combined
 * across time for a coarser one; absent: zeros) and its completeness
 * counters are recounted from its own leaves of the dataset's type inside P,
 * exactly as apply counts them: a leaf counts when the unit must report the
 * dataset and is open in the leaf's period; on time or late, approved or
 * returned from the leaf.  With completeness false the caller does not need
 * the counters: a childless unit's are left at 0 and its leaves are not
 * read.  *rc receives an LMDB error. */
void ruq_node_slots(const qctx_t *q, int unit, period_t P, bool completeness, int64_t *s, int *rc)
{
    const ru_layout_t *lay = &q->v->lay[q->ds];
    int nv = lay->nvals, ns = nv + RU_COMPLETENESS;
    char key[RU_KEY_MAX];
    if (q->c->units[unit].nchildren > 0) {
        if (q->approved) {
            ru_get_slots(q->txn, q->r->anode, key, ruq_node_key(q, key, unit, P), s, nv, rc);
            memset(s + nv, 0, RU_COMPLETENESS * sizeof *s);
        } else {
            ru_get_slots(q->txn, q->r->node, key, ruq_node_key(q, key, unit, P), s, ns, rc);
        }
        return;
    }
    period_t subs[RU_SUBS_MAX];
    int n = period_children(P, q->c->datasets[q->ds].ptype, subs, RU_SUBS_MAX);
    if (n > RU_SUBS_MAX)
        n = RU_SUBS_MAX;
    if (n <= 1 && q->approved) {
        ru_get_slots(q->txn, q->r->aleaf, key, ruq_node_key(q, key, unit, P), s, nv, rc);
    } else if (n <= 1) {
        ru_leaf_get(q->txn, q->r, key, ruq_node_key(q, key, unit, P), nv, NULL, s, rc);
    } else {
        bool present[RU_SUBS_MAX];
        ru_unit_value(q->txn, q->r, q->v, unit, q->ds, subs, n, q->approved, q->subs, present, s, rc);
    }
    memset(s + nv, 0, RU_COMPLETENESS * sizeof *s);
    for (int k = 0; completeness && !q->approved && k < n && *rc == 0; k++) {
        if (!catalog_must_report(q->c, q->ds, unit) || !catalog_open_in(q->c, unit, subs[k]))
            continue;
        ru_leafmeta_t lm;
        int got = ru_leaf_get(q->txn, q->r, key, ruq_node_key(q, key, unit, subs[k]), nv, &lm, NULL, rc);
        if (got == 0)
            continue;
        bool ot = got == 1 && lm.on_time;
        s[nv + RU_C_RECEIVED]++;
        s[nv + RU_C_ON_TIME] += ot;
        s[nv + RU_C_LATE] += !ot;
        s[nv + RU_C_APPROVED] += got == 1 && lm.approval == RU_APPROVED;
        s[nv + RU_C_RETURNED] += got == 1 && lm.approval == RU_RETURNED;
    }
}

/* ---- rollup ------------------------------------------------------------ */

static int q_rollup(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    const ru_layout_t *lay = &q->v->lay[q->ds];
    const unit_t *u = &c->units[q->node];
    size_t ns = (size_t)(lay->nvals + RU_COMPLETENESS), ni = (size_t)d->ninds, nc = (size_t)u->nchildren;
    int rc = 0;
    /* the node's slots stay (its tag counts are packed from them); a
     * child's are read into the second half and turned into values at once */
    int64_t *s = malloc(2 * ns * sizeof *s);
    ans_indicator_t *inds = malloc((ni + 1) * sizeof *inds);
    ans_child_t *children = malloc((nc + 1) * sizeof *children);
    ans_num_t *vals = malloc((nc * ni + 1) * sizeof *vals);
    const char **codes = malloc((ni + 1) * sizeof *codes);
    if (s && inds && children && vals && codes) {
        ruq_node_slots(q, q->node, q->p, false, s, &rc);
        for (size_t i = 0; i < ni; i++) {
            inds[i] = indicator_answer(c, lay, d->inds[i], s);
            codes[i] = c->inds[d->inds[i]].code;
        }
        for (size_t k = 0; k < nc && rc == 0; k++) {
            const unit_t *ch = &c->units[u->children[k]];
            ruq_node_slots(q, u->children[k], q->p, false, s + ns, &rc);
            for (size_t i = 0; i < ni; i++) {
                ival_t v = ind_value(c, lay, d->inds[i], s + ns);
                vals[k * ni + i] = ival_num(&v);
            }
            children[k] = (ans_child_t){ch->code, ch->name, ch->kind, {(uint32_t)ni, codes, vals + k * ni}};
        }
        if (rc == 0) {
            ans_rollup_t a = {ruq_unit_ref(u), d->code, q->pcode, inds, (uint32_t)ni, children, (uint32_t)nc};
            ans_rollup_pack(q->pk, &a);
        }
    } else {
        rc = STORE_E_NOMEM;
    }
    free(s);
    free(inds);
    free(children);
    free(vals);
    free(codes);
    if (rc == STORE_E_NOMEM)
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    return rc ? ruq_storage_fail(err, rc) : 0;
}

/* ---- targets ------------------------------------------------------------ */

typedef struct {
    int tg;
    int rank;
    int pos;
    bool has_actual, has_exp;
    double actual, exp;
    const char *status;
} tres_t;

enum { R_BEHIND, R_NO_DATA, R_ON_TRACK, R_ABOVE_MAX, R_MET };
static const char *const rank_names[] = {"behind", "no_data", "on_track", "above_max", "met"};

static int cmp_tres(const void *a, const void *b)
{
    const tres_t *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank - y->rank;
    if (x->pos != y->pos)
        return x->pos - y->pos;
    return x->tg - y->tg;
}

/* The target's actual over months [wf, wl] of `year` from dataset ds's
 * leaves inside that window.  false when there is no data. */
static bool target_actual(qctx_t *q, const target_t *tg, int ds, int year, int wf, int wl, int64_t *buf,
                          int64_t *val, double *actual, int *rc)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[ds];
    const indicator_t *ind = &c->inds[tg->ind];
    period_t y = {(uint16_t)year, PERIOD_YEAR, 1}, all[RU_SUBS_MAX], in[RU_SUBS_MAX];
    bool present[RU_SUBS_MAX];
    int n = period_children(y, d->ptype, all, RU_SUBS_MAX), m = 0;
    for (int k = 0; k < n; k++)
        if (period_first_month(all[k]) >= wf && period_last_month(all[k]) <= wl)
            in[m++] = all[k];
    if (m == 0 || !ru_unit_value(q->txn, q->r, q->v, tg->unit, ds, in, m, q->approved, buf, present, val, rc))
        return false;
    ival_t v = ind_value(c, &q->v->lay[ds], tg->ind, val);
    if (!v.has)
        return false;
    if (ind->kind == IND_RATE)
        *actual = 100.0 * v.f;
    else if (ind->kind == IND_BOOL)
        *actual = v.i ? 1 : 0;
    else
        *actual = (double)v.i;
    return true;
}

/* Measures a target from the dataset asked for; without one, from the
 * first dataset with data among those that have the indicator, those the
 * unit must report first, finest period type first. */
static bool target_measure(qctx_t *q, const target_t *tg, int year, int wf, int wl, int64_t *buf, int64_t *val,
                           double *actual, int *rc)
{
    const catalog_t *c = q->c;
    if (q->ds >= 0)
        return target_actual(q, tg, q->ds, year, wf, wl, buf, val, actual, rc);
    for (int must = 1; must >= 0; must--)
        for (int t = PERIOD_MONTH; t <= PERIOD_YEAR; t++)
            for (int d = 0; d < c->ndatasets; d++) {
                if ((int)c->datasets[d].ptype != t || q->v->lay[d].dpos[tg->ind] < 0 ||
                    catalog_must_report(c, d, tg->unit) != (bool)must)
                    continue;
                if (target_actual(q, tg, d, year, wf, wl, buf, val, actual, rc))
                    return true;
                if (*rc)
                    return false;
            }
    return false;
}

/* Evaluates one target; false when it is not in force for the period. */
static bool eval_target(qctx_t *q, const target_t *tg, int64_t *buf, int64_t *val, tres_t *res, int *rc)
{
    const catalog_t *c = q->c;
    period_t P = q->p, T = P;
    int tt = tg->ptype;
    int wf, wl, tmonths;
    bool whole;
    if (tt < PERIOD_MONTH || tt > PERIOD_YEAR)
        return false;
    if (tt > P.type) {
        while (T.type != PERIOD_NONE && T.type < tt)
            T = period_parent(T);
        if (T.type != tt)
            return false;
        wf = period_first_month(T);
        wl = period_last_month(P);
        tmonths = period_type_months(tt);
        whole = wl == period_last_month(T);
    } else {
        wf = period_first_month(P);
        wl = period_last_month(P);
        tmonths = period_type_months(tt);
        whole = true;
    }
    /* in force: the span the target is judged on lies inside [from, to] */
    if (tg->has_from && period_first_day(T) < period_first_day(tg->from))
        return false;
    if (tg->has_to && period_last_day(T) > period_last_day(tg->to))
        return false;
    if (q->ds >= 0 && q->v->lay[q->ds].dpos[tg->ind] < 0)
        return false; /* the indicator is not part of the dataset asked about */
    const indicator_t *ind = &c->inds[tg->ind];
    double factor = (double)(wl - wf + 1) / (double)tmonths;
    if (ind->kind != IND_COUNT || ind->across_time != AGG_TIME_SUM)
        factor = 1; /* levels, yes/no and rates are not pro-rated */
    memset(res, 0, sizeof *res);
    res->tg = (int)(tg - c->targets);
    res->pos = c->units[tg->unit].subtree_first;
    res->has_exp = tg->has_min;
    res->exp = tg->has_min ? tg->min * factor : 0;
    res->has_actual = target_measure(q, tg, P.year, wf, wl, buf, val, &res->actual, rc);
    if (!res->has_actual)
        res->rank = R_NO_DATA;
    else if (tg->has_max && res->actual > tg->max * factor)
        res->rank = R_ABOVE_MAX;
    else if (tg->has_min && res->actual < res->exp)
        res->rank = R_BEHIND;
    else
        res->rank = whole ? R_MET : R_ON_TRACK;
    res->status = rank_names[res->rank];
    return true;
}

static int q_targets(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const unit_t *root = &c->units[q->node];
    int nv = q->v->maxslots;
    int64_t *buf = malloc(((size_t)nv * (RU_SUBS_MAX + 1)) * sizeof *buf);
    tres_t *res = malloc(((size_t)c->ntargets + 1) * sizeof *res);
    int n = 0, rc = 0;
    if (!buf || !res) {
        free(buf);
        free(res);
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    }
    for (int t = 0; t < c->ntargets && rc == 0; t++) {
        const target_t *tg = &c->targets[t];
        if (tg->unit < 0 || tg->unit >= c->nunits || tg->ind < 0 || tg->ind >= c->ninds)
            continue;
        int pos = c->units[tg->unit].subtree_first;
        if (pos < root->subtree_first || pos >= root->subtree_end)
            continue;
        if (eval_target(q, tg, buf, buf + (size_t)nv * RU_SUBS_MAX, &res[n], &rc))
            n++;
    }
    free(buf);
    if (rc) {
        free(res);
        return ruq_storage_fail(err, rc);
    }
    qsort(res, (size_t)n, sizeof *res, cmp_tres);
    ans_target_t *rows = malloc(((size_t)n + 1) * sizeof *rows);
    if (!rows) {
        free(res);
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const target_t *tg = &c->targets[res[i].tg];
        rows[i] = (ans_target_t){
            .unit = c->units[tg->unit].code, .name = c->units[tg->unit].name, .indicator = c->inds[tg->ind].code,
            .name_vi = c->inds[tg->ind].name_vi, .period_type = period_type_name(tg->ptype),
            .min = tg->min, .has_min = tg->has_min, .max = tg->max, .has_max = tg->has_max,
            .actual = res[i].actual, .has_actual = res[i].has_actual,
            .expected_by_now = res[i].exp, .has_expected_by_now = res[i].has_exp, .status = res[i].status,
        };
    }
    ans_targets_t a = {ruq_unit_ref(root), q->pcode, rows, (uint32_t)n};
    ans_targets_pack(q->pk, &a);
    free(rows);
    free(res);
    return 0;
}

/* ---- info --------------------------------------------------------------- */

int rollup_info(rollup_t *r, ans_info_t *info, proto_error_t *err)
{
    ru_view_t *v = ru_acquire(r, NULL);
    if (!v)
        return proto_fail(err, PROTO_E_BUSY, "the rollups are not available (out of memory)");
    MDB_txn *txn;
    int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = ru_meta_get_applied(txn, r, &info->applied);
        mdb_txn_abort(txn);
    }
    const catalog_t *c = v->cat;
    info->units = c->nunits;
    info->datasets.n = 0;
    info->datasets.items = rc ? NULL : malloc(((size_t)c->ndatasets + 1) * sizeof *info->datasets.items);
    for (int d = 0; info->datasets.items && d < c->ndatasets; d++)
        info->datasets.items[info->datasets.n++] = c->datasets[d].code;
    ru_release(r, v);
    if (rc)
        return ruq_storage_fail(err, rc);
    if (!info->datasets.items)
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

/* "info" is not here: the aggregator answers it (rollup_info()). */
enum { W_ROLLUP, W_STATUS, W_UNITS, W_VALUES, W_HISTORY, W_TARGETS };
static const char *const what_names[] = {"rollup", "status", "units", "values", "history", "targets"};

static int first_root(const catalog_t *c)
{
    for (int u = 0; u < c->nunits; u++)
        if (c->units[u].parent < 0)
            return u;
    return -1;
}

static int check_query(qctx_t *x, int what, const proto_query_t *q, bool stale, proto_error_t *err)
{
    const catalog_t *c = x->c;
    if (stale)
        return proto_fail(err, PROTO_E_BUSY, "the rollups are being rebuilt after a catalog change; retry later");
    x->node = q->node[0] ? catalog_unit(c, q->node) : first_root(c);
    if (x->node < 0)
        return proto_fail(err, PROTO_E_UNKNOWN_UNIT, "unknown unit '%s'", q->node);
    if (q->dataset[0]) {
        x->ds = catalog_dataset(c, q->dataset);
        if (x->ds < 0)
            return proto_fail(err, PROTO_E_UNKNOWN_DATASET, "unknown dataset '%s'", q->dataset);
    } else if (what != W_TARGETS) {
        if (c->ndatasets == 0)
            return proto_fail(err, PROTO_E_UNKNOWN_DATASET, "the catalog has no dataset");
        x->ds = 0;
    }
    if (!q->period[0])
        return proto_fail(err, PROTO_E_QUERY, "period is required");
    if (period_parse(q->period, &x->p) != 0)
        return proto_fail(err, PROTO_E_PERIOD, "'%s' is not a period (expected 2025, 2025S2, 2025Q3 or 202509)",
                          q->period);
    period_format(x->p, x->pcode, sizeof x->pcode);
    if (x->ds >= 0) {
        period_type_t dt = c->datasets[x->ds].ptype;
        bool exact = what == W_UNITS || what == W_VALUES || what == W_HISTORY;
        if ((exact && x->p.type != dt) || (!exact && what != W_TARGETS && x->p.type < dt))
            return proto_fail(err, PROTO_E_PERIOD, "%s is reported per %s: period %s does not fit",
                              c->datasets[x->ds].code, period_type_name(dt), x->pcode);
    }
    return 0;
}

int rollup_query(rollup_t *r, const proto_query_t *q, int64_t now, msgpack_packer *pk, proto_error_t *err)
{
    int what = -1;
    for (int i = 0; i < (int)(sizeof what_names / sizeof what_names[0]); i++)
        if (strcmp(q->what, what_names[i]) == 0)
            what = i;
    /* The list is the one clients see: the aggregator answers info itself. */
    if (what < 0 && strcmp(q->what, "info") == 0)
        return proto_fail(err, PROTO_E_QUERY, "info is packed by rollup_info(), not rollup_query()");
    if (what < 0)
        return proto_fail(err, PROTO_E_QUERY, "unknown query '%s' (expected rollup, status, values, history, targets, "
                          "units or info)", q->what);
    bool stale = false;
    ru_view_t *v = r ? ru_acquire(r, &stale) : NULL;
    if (!v)
        return proto_fail(err, PROTO_E_BUSY, "the rollups are not available (out of memory)");
    qctx_t x = {.r = r, .v = v, .c = v->cat, .now = now, .node = -1, .ds = -1, .query = q, .approved = q->approved};
    int rc = check_query(&x, what, q, stale, err);
    if (rc) {
        ru_release(r, v);
        return rc;
    }
    x.subs = malloc((size_t)RU_SUBS_MAX * (size_t)v->maxslots * sizeof *x.subs);
    if (!x.subs) {
        ru_release(r, v);
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    }
    if ((rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &x.txn))) {
        free(x.subs);
        ru_release(r, v);
        return ruq_storage_fail(err, rc);
    }
    x.pk = pk; /* each answer is built whole first: an error packs nothing */
    switch (what) {
    case W_ROLLUP: rc = q_rollup(&x, err); break;
    case W_STATUS: rc = ruq_status(&x, err); break;
    case W_UNITS: rc = ruq_units(&x, err); break;
    case W_VALUES: rc = ruq_values(&x, err); break;
    case W_HISTORY: rc = ruq_history(&x, q->limit ? q->limit : HISTORY_DEFAULT, err); break;
    default: rc = q_targets(&x, err); break;
    }
    mdb_txn_abort(x.txn);
    free(x.subs);
    ru_release(r, v);
    return rc;
}
