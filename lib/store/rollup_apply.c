/*
 * rollup_apply.c -- applying journal RECORDs to the rollups.
 *
 * One write transaction per batch.  Per record: the history entry, the leaf,
 * then for each period of the chain (the leaf's period, its parents up to
 * the year) the difference of the unit value -- plus the completeness
 * counters when the leaf is new -- is added to the node record of the unit
 * (only when it has children; see rollup.h) and of every ancestor.  Only the
 * leaf period's unit value is stored; a coarser period's new and old values
 * are combined from the sub-period values (the old one with the leaf
 * period's value as it was before this record).  The hot
 * path reuses the buffers of rollup_t: no allocation per record beyond what
 * LMDB does itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "rollup.h"
#include "rollup_int.h"

void ru_leaf_slots(rollup_t *r, int ds, const proto_record_t *rec, int64_t *out)
{
    const catalog_t *c = r->a_view->cat;
    const ru_layout_t *lay = &r->a_view->lay[ds];
    proto_value_t v;
    memset(out, 0, (size_t)lay->nvals * sizeof *out);
    for (uint32_t i = 0; i < rec->values.n; i++) {
        if (proto_values_at(&rec->values, i, &v))
            continue;
        int ind = catalog_indicator(c, v.code);
        if (ind < 0)
            continue;
        int o = lay->slot[ind];
        if (o < 0)
            continue;
        const indicator_t *in = &c->inds[ind];
        switch (in->kind) {
        case IND_COUNT:
        case IND_STOCK:
            if (v.kind == PV_INT) {
                out[o] = v.i;
                out[o + 1] = 1;
            }
            break;
        case IND_BOOL:
            if (v.kind == PV_BOOL || v.kind == PV_INT) {
                out[o] = v.i != 0;
                out[o + 1] = 1;
            }
            break;
        case IND_TAGS:
            if (v.kind == PV_TAGS) {
                for (int t = 1; t <= in->ntags; t++)
                    out[o + t] = 0; /* a repeated code: the last one wins */
                out[o] = 1;
                for (uint32_t t = 0; t < v.ntags && t < PROTO_TAGS_MAX; t++) {
                    int ti = catalog_tag(c, ind, v.tags[t].ptr, v.tags[t].len);
                    if (ti >= 0 && ti < in->ntags)
                        out[o + 1 + ti] = 1;
                }
            }
            break;
        default:
            break;
        }
    }
}

/* Adds diff[0..n) to the node record (node, ds, P) of `layer` (0: node,
 * 1: anode). */
static int node_add(MDB_txn *txn, rollup_t *r, int layer, int node, const dataset_t *d, size_t dlen, uint32_t pkey,
                    const int64_t *diff, int n)
{
    char key[RU_KEY_MAX];
    size_t kl = ru_key(key, r->a_view->cat->units[node].code, r->a_view->ulen[node], d->code, dlen, pkey);
    MDB_dbi dbi = layer ? r->anode : r->node;
    int rc = 0;
    int64_t *cur = r->a_node;
    ru_get_slots(txn, dbi, key, kl, cur, n, &rc);
    if (rc)
        return rc;
    for (int i = 0; i < n; i++)
        cur[i] = (int64_t)((uint64_t)cur[i] + (uint64_t)diff[i]);
    MDB_val k = {kl, key}, v = {(size_t)n * sizeof(int64_t), cur};
    return mdb_put(txn, dbi, &k, &v, 0);
}

/* ---- batch accumulator for ancestors -------------------------------- */

static uint32_t acc_hash(int unit, int ds, uint32_t pkey, int layer)
{
    uint64_t h = (uint64_t)(uint32_t)unit * 0x9E3779B97F4A7C15ULL ^ (uint64_t)(uint32_t)ds * 0xC2B2AE3D27D4EB4FULL ^
                 (uint64_t)pkey * 0x165667B19E3779F9ULL ^ (uint64_t)layer * 0xD6E8FEB86659FD93ULL;
    return (uint32_t)(h ^ (h >> 29));
}

static int acc_grow(rollup_t *r)
{
    int cap = r->acc_cap ? r->acc_cap * 2 : 4096;
    struct ru_acc *k = realloc(r->acc_key, (size_t)cap * sizeof *k);
    if (!k)
        return STORE_E_NOMEM;
    r->acc_key = k;
    int64_t *v = realloc(r->acc_val, (size_t)cap * (size_t)r->a_cap * sizeof *v);
    if (!v)
        return STORE_E_NOMEM;
    r->acc_val = v;
    int *slot = malloc((size_t)cap * 2 * sizeof *slot);
    if (!slot)
        return STORE_E_NOMEM;
    free(r->acc_slot);
    r->acc_slot = slot;
    r->acc_cap = cap;
    uint32_t mask = (uint32_t)cap * 2 - 1;
    memset(slot, 0xff, (size_t)cap * 2 * sizeof *slot);
    for (int e = 0; e < r->acc_n; e++) {
        uint32_t i = acc_hash(k[e].unit, k[e].ds, k[e].pkey, k[e].layer) & mask;
        while (slot[i] >= 0)
            i = (i + 1) & mask;
        slot[i] = e;
    }
    return 0;
}

/* Adds diff[0..n) to the pending difference of (unit, ds, pkey) in layer. */
static int acc_add(rollup_t *r, int layer, int unit, int ds, uint32_t pkey, const int64_t *diff, int n)
{
    if (r->acc_n >= r->acc_cap && acc_grow(r))
        return STORE_E_NOMEM;
    uint32_t mask = (uint32_t)r->acc_cap * 2 - 1;
    uint32_t i = acc_hash(unit, ds, pkey, layer) & mask;
    int e;
    while ((e = r->acc_slot[i]) >= 0) {
        const struct ru_acc *k = &r->acc_key[e];
        if (k->unit == unit && k->ds == ds && k->pkey == pkey && k->layer == layer)
            break;
        i = (i + 1) & mask;
    }
    int64_t *v;
    if (e < 0) {
        e = r->acc_n++;
        r->acc_key[e] = (struct ru_acc){unit, ds, pkey, layer};
        r->acc_slot[i] = e;
        v = r->acc_val + (size_t)e * (size_t)r->a_cap;
        memset(v, 0, (size_t)n * sizeof *v);
    } else {
        v = r->acc_val + (size_t)e * (size_t)r->a_cap;
    }
    for (int k = 0; k < n; k++)
        v[k] = (int64_t)((uint64_t)v[k] + (uint64_t)diff[k]);
    return 0;
}

static void acc_clear(rollup_t *r)
{
    if (r->acc_n)
        memset(r->acc_slot, 0xff, (size_t)r->acc_cap * 2 * sizeof *r->acc_slot);
    r->acc_n = 0;
}

/* Writes the pending differences to the node records. */
static int acc_flush(MDB_txn *txn, rollup_t *r)
{
    int rc = 0;
    for (int e = 0; e < r->acc_n && rc == 0; e++) {
        const struct ru_acc *k = &r->acc_key[e];
        const dataset_t *d = &r->a_view->cat->datasets[k->ds];
        const int64_t *v = r->acc_val + (size_t)e * (size_t)r->a_cap;
        int n = r->a_view->lay[k->ds].nvals + (k->layer ? 0 : RU_COMPLETENESS);
        bool zero = true;
        for (int i = 0; i < n && zero; i++)
            zero = v[i] == 0;
        if (!zero)
            rc = node_add(txn, r, k->layer, k->unit, d, strlen(d->code), k->pkey, v, n);
    }
    acc_clear(r);
    return rc;
}

int ru_propagate(rollup_t *r, MDB_txn *txn, int unit, int ds, period_t p, int layer, const int64_t *cur,
                 const int64_t *old, bool was_present, const int64_t *cnt)
{
    const catalog_t *c = r->a_view->cat;
    const dataset_t *d = &c->datasets[ds];
    const ru_layout_t *lay = &r->a_view->lay[ds];
    size_t dlen = strlen(d->code);
    int nv = lay->nvals, ns = nv + (layer ? 0 : RU_COMPLETENESS), rc;
    uint32_t pkey = period_key(p);
    bool changed = false, counts = false;
    for (int i = 0; i < nv; i++)
        changed |= cur[i] != old[i];
    for (int i = 0; cnt && !layer && i < RU_COMPLETENESS; i++)
        counts |= cnt[i] != 0;
    if (!changed && !counts)
        return 0;
    period_t P = p, subs[RU_SUBS_MAX];
    for (int level = 0; P.type != PERIOD_NONE && level < 8; level++, P = period_parent(P)) {
        uint32_t pk4 = period_key(P);
        if (!changed) {
            memset(r->a_diff, 0, (size_t)nv * sizeof *r->a_diff);
        } else if (level == 0) {
            for (int i = 0; i < nv; i++)
                r->a_diff[i] = (int64_t)((uint64_t)cur[i] - (uint64_t)old[i]);
        } else {
            /* new: the sub-periods as stored now (the leaf's period was
             * just written); old: the same with the leaf's period as it was */
            int n = period_children(P, d->ptype, subs, RU_SUBS_MAX);
            if (n > RU_SUBS_MAX)
                n = RU_SUBS_MAX;
            rc = 0;
            ru_unit_value(txn, r, r->a_view, unit, ds, subs, n, layer != 0, r->a_subs, r->a_present, r->a_new, &rc);
            if (rc)
                return rc;
            for (int k = 0; k < n; k++)
                if (period_key(subs[k]) == pkey) {
                    memcpy(r->a_subs + (size_t)k * (size_t)nv, old, (size_t)nv * sizeof *old);
                    r->a_present[k] = was_present;
                }
            ru_combine(c, ds, lay, r->a_subs, r->a_present, n, r->a_old);
            for (int i = 0; i < nv; i++)
                r->a_diff[i] = (int64_t)((uint64_t)r->a_new[i] - (uint64_t)r->a_old[i]);
        }
        for (int i = nv; i < ns; i++)
            r->a_diff[i] = cnt ? cnt[i - nv] : 0;
        /* the unit itself now (only when it has children: a childless
         * unit's node value is its unit value plus the completeness of its
         * own leaves, derived at query time), every ancestor at the end of
         * the batch (bounded: the tree has no cycles) */
        if (c->units[unit].nchildren > 0 && (rc = node_add(txn, r, layer, unit, d, dlen, pk4, r->a_diff, ns)))
            return rc;
        int a = c->units[unit].parent;
        for (int steps = 0; a >= 0 && steps <= c->nunits; steps++, a = c->units[a].parent)
            if ((rc = acc_add(r, layer, a, ds, pk4, r->a_diff, ns)))
                return rc;
    }
    return 0;
}

bool ru_on_time(const catalog_t *c, int ds, period_t p, const ru_leafmeta_t *lm, const ru_mark_t *m)
{
    int64_t dl = ru_own_deadline(c, ds, p, m);
    if (c->datasets[ds].on_time_by == ON_TIME_BY_APPROVAL)
        return lm->ever_approved && lm->first_approved_at < dl;
    return lm->first_received_at < dl;
}

int ru_record_bytes(rollup_t *r, const proto_record_t *rec, const proto_str_t *raw, MDB_val *hv)
{
    if (raw) {
        *hv = (MDB_val){raw->len, (void *)raw->ptr};
        return 1;
    }
    msgpack_packer pk;
    r->a_sb.size = 0;
    msgpack_packer_init(&pk, &r->a_sb, msgpack_sbuffer_write);
    if (proto_pack_record(&pk, rec, NULL) != 0) {
        log_warn("rollup: record seq %llu is not a valid RECORD; skipped", (unsigned long long)rec->seq);
        return 0;
    }
    *hv = (MDB_val){r->a_sb.size, r->a_sb.data};
    return 1;
}

static int apply_one(rollup_t *r, MDB_txn *txn, const proto_record_t *rec, const proto_str_t *raw,
                     rollup_outcome_t *oc)
{
    const catalog_t *c = r->a_view->cat;
    int unit = catalog_unit(c, rec->unit);
    int ds = catalog_dataset(c, rec->dataset);
    period_t p = {0};
    bool pok = period_parse(rec->period, &p) == 0;
    uint32_t pkey = pok ? period_key(p) : 0;
    uint32_t version = rec->version > UINT32_MAX ? UINT32_MAX : (uint32_t)rec->version;
    char key[RU_KEY_MAX];
    size_t kl = ru_key(key, rec->unit, strlen(rec->unit), rec->dataset, strlen(rec->dataset), pkey);
    int rc;
    bool known = unit >= 0 && ds >= 0 && pok && p.type == c->datasets[ds].ptype;

    if (rec->decision[0]) {
        oc->decision = true;
        return ru_apply_decision(r, txn, rec, raw, known ? unit : -1, ds, p, oc);
    }
    /* history: every record, known to the catalog or not, as the journal's
     * bytes when we have them (encoded only for records built in memory) */
    MDB_val hk = {ru_hist_key(key, kl, version), key}, hv;
    if ((rc = ru_record_bytes(r, rec, raw, &hv)) <= 0)
        return rc;
    if ((rc = mdb_put(txn, r->hist, &hk, &hv, 0)))
        return rc;
    if (!known) {
        log_warn("rollup: seq %llu (%s %s %s) is not in the catalog or not of the dataset's period type; kept in "
                 "history, not rolled up",
                 (unsigned long long)rec->seq, rec->unit, rec->dataset, rec->period);
        return 0;
    }
    const dataset_t *d = &c->datasets[ds];
    const ru_layout_t *lay = &r->a_view->lay[ds];
    size_t dlen = strlen(d->code);
    /* keys from the catalog's spelling (identical bytes for a known code) */
    kl = ru_key(key, c->units[unit].code, r->a_view->ulen[unit], d->code, dlen, pkey);

    /* the leaf: its old unit value is kept to recompute the coarser
     * periods' old values */
    int nv = lay->nvals;
    ru_leafmeta_t lm;
    rc = 0;
    int got = ru_leaf_get(txn, r, key, kl, nv, &lm, r->a_old0, &rc);
    if (rc)
        return rc;
    if (got < 0) {
        /* damaged: its old value is unknown, so no difference can be taken;
         * the store is rebuilt from the journal (rollup_apply) */
        log_error("rollup: the leaf of %s %s %s cannot be read (a damaged store); the rollups must be rebuilt",
                  rec->unit, rec->dataset, rec->period);
        return STORE_E_DAMAGED;
    }
    bool exists = got == 1;
    if (exists && version < lm.version) {
        oc->on_time = lm.on_time; /* an older version arriving late: history only */
        return 0;
    }
    bool obliged = catalog_must_report(c, ds, unit) && catalog_open_in(c, unit, p);
    int64_t cnt[RU_COMPLETENESS] = {0};
    if (!exists) {
        /* the first version: on time against the unit's own deadline (an
         * extension granted before it arrived) */
        char mk[RU_KEY_MAX];
        ru_mark_t m;
        ru_mark_get(txn, r, mk, ru_mark_key(mk, d->code, dlen, pkey, c->units[unit].code, r->a_view->ulen[unit]), &m,
                    &rc);
        if (rc)
            return rc;
        memset(&lm, 0, sizeof lm);
        lm.first_received_at = rec->received_at;
        lm.on_time = ru_on_time(c, ds, p, &lm, &m);
        cnt[RU_C_RECEIVED] = obliged;
        cnt[RU_C_ON_TIME] = obliged && lm.on_time;
        cnt[RU_C_LATE] = obliged && !lm.on_time;
    } else if (version > lm.version) {
        /* a correction awaits approval again; the approved layer keeps the
         * approved version until the correction is approved */
        cnt[RU_C_APPROVED] = -(int64_t)(obliged && lm.approval == RU_APPROVED);
        cnt[RU_C_RETURNED] = -(int64_t)(obliged && lm.approval == RU_RETURNED);
        lm.approval = RU_AWAITING;
        lm.decision_seq = 0;
    }
    lm.version = version;
    lm.submitter = rec->submitter;
    lm.sublen = strlen(rec->submitter);
    bool on_time = lm.on_time;
    ru_leaf_slots(r, ds, rec, r->a_leaf);
    if ((rc = ru_leaf_put(txn, r, key, kl, &lm, r->a_leaf, nv)))
        return rc;
    if ((rc = ru_propagate(r, txn, unit, ds, p, 0, r->a_leaf, r->a_old0, exists, cnt)))
        return rc;
    oc->applied = true;
    oc->on_time = on_time;
    return 0;
}

int rollup_apply(rollup_t *r, const proto_record_t *recs, const proto_str_t *raw, int n, rollup_outcome_t *out,
                 char *err, size_t errlen)
{
    MDB_txn *txn;
    int rc;
    uint64_t applied = 0, start;
    bool stale;
    for (int i = 0; out && i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].seq = recs[i].seq;
        out[i].version = recs[i].version > UINT32_MAX ? UINT32_MAX : (uint32_t)recs[i].version;
    }
    ru_view_t *v = ru_acquire(r, &stale);
    if (!v || ru_scratch(r, v->maxslots)) {
        ru_release(r, v);
        snprintf(err, errlen, "rollup: out of memory for the catalog layout");
        return STORE_E_NOMEM;
    }
    if (stale) {
        ru_release(r, v);
        snprintf(err, errlen, "rollup: the catalog layout changed; reset the store and replay the journal first");
        return STORE_E_STALE;
    }
    r->a_view = v;
    if ((rc = mdb_txn_begin(r->env, NULL, 0, &txn)))
        goto fail;
    if ((rc = ru_meta_get_applied(txn, r, &applied)))
        goto abort;
    start = applied;
    for (int i = 0; i < n; i++) {
        rollup_outcome_t oc = {.seq = recs[i].seq,
                               .version = recs[i].version > UINT32_MAX ? UINT32_MAX : (uint32_t)recs[i].version};
        if (recs[i].seq <= applied) {
            if (out)
                out[i] = oc;
            continue;
        }
        if ((rc = apply_one(r, txn, &recs[i], raw ? &raw[i] : NULL, &oc)))
            goto abort;
        applied = recs[i].seq;
        if (out)
            out[i] = oc;
    }
    if ((rc = acc_flush(txn, r)))
        goto abort;
    if (applied != start && (rc = ru_meta_put_applied(txn, r, applied)))
        goto abort;
    if ((rc = mdb_txn_commit(txn)))
        goto fail;
    r->a_view = NULL;
    ru_release(r, v);
    return 0;
abort:
    acc_clear(r);
    mdb_txn_abort(txn);
fail:
    r->a_view = NULL;
    ru_release(r, v);
    if (rc == STORE_E_DAMAGED) {
        /* a damaged record: stale until reset and replayed */
        pthread_mutex_lock(&r->mu);
        r->stale = true;
        pthread_mutex_unlock(&r->mu);
        snprintf(err, errlen, "rollup store damaged (a record cannot be read); reset it and replay the journal");
        rc = STORE_E_STALE;
    } else {
        snprintf(err, errlen, "rollup write failed: %s", store_strerror(rc));
    }
    for (int i = 0; out && i < n; i++)
        out[i].applied = out[i].on_time = false;
    return rc;
}
