/*
 * rollup_decide.c -- applying decision RECORDs (RECORD.decision set):
 * approve and return change the approval state of a report's latest
 * version (and approve the approved layer), extend sets the unit's own
 * deadline, silence and unsilence a flag for the notifier.  The rules are
 * in rollup.h ("Decisions").
 *
 * Every decision is stored in the decision database first, whatever
 * happens next: the history answer shows the whole audit trail, including
 * decisions that changed nothing (a version that is no longer the latest, a
 * report already decided, an unknown unit).  The journal is the truth: the
 * checks here are the same whatever the collector checked, so a replay
 * gives the same state.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "rollup.h"
#include "rollup_int.h"

enum { D_APPROVE, D_RETURN, D_EXTEND, D_SILENCE, D_UNSILENCE };
static const char *const decision_names[] = {"approve", "return", "extend", "silence", "unsilence"};

static int decision_kind(const char *s)
{
    for (int i = 0; i < (int)(sizeof decision_names / sizeof decision_names[0]); i++)
        if (strcmp(s, decision_names[i]) == 0)
            return i;
    return -1;
}

/* Writes the mark (deleted when it has no flag left); the reason is
 * copied from reason[0..rlen), which must not point into the map. */
static int mark_put(MDB_txn *txn, rollup_t *r, const char *key, size_t klen, const ru_mark_t *m, const char *reason,
                    size_t rlen)
{
    MDB_val k = {klen, (void *)key};
    if (m->flags == 0) {
        int rc = mdb_del(txn, r->mark, &k, NULL);
        return rc == MDB_NOTFOUND ? 0 : rc;
    }
    unsigned char hdr[RU_MARK_HDR];
    memcpy(hdr, &m->flags, 4);
    memcpy(hdr + 4, &m->due, 4);
    r->a_sb.size = 0;
    if (msgpack_sbuffer_write(&r->a_sb, (const char *)hdr, sizeof hdr) ||
        (rlen && msgpack_sbuffer_write(&r->a_sb, reason, rlen)))
        return STORE_E_NOMEM;
    MDB_val v = {r->a_sb.size, r->a_sb.data};
    return mdb_put(txn, r->mark, &k, &v, 0);
}

/* Judges the leaf's timeliness again (after an approval or an extension)
 * and adds the change of the on_time / late counters to cnt. */
static void rejudge(const catalog_t *c, int ds, period_t p, ru_leafmeta_t *lm, const ru_mark_t *m, bool obliged,
                    int64_t *cnt)
{
    bool ot = ru_on_time(c, ds, p, lm, m);
    if (ot != lm->on_time && obliged) {
        cnt[RU_C_ON_TIME] += ot ? 1 : -1;
        cnt[RU_C_LATE] += ot ? -1 : 1;
    }
    lm->on_time = ot;
}

static bool any(const int64_t *cnt)
{
    for (int i = 0; i < RU_COMPLETENESS; i++)
        if (cnt[i])
            return true;
    return false;
}

/* Reads the leaf of key into *lm and r->a_leaf, its submitter copied into
 * sub (the map's bytes do not outlive the next write).  1 found, 0 absent
 * or failed (*rc: an LMDB error, or STORE_E_DAMAGED for an unreadable leaf). */
static int leaf_read(MDB_txn *txn, rollup_t *r, const char *key, size_t kl, int nv, ru_leafmeta_t *lm,
                     char sub[CATALOG_CODE_MAX + 1], int *rc)
{
    int got = ru_leaf_get(txn, r, key, kl, nv, lm, r->a_leaf, rc);
    if (*rc)
        return 0;
    if (got < 0) {
        *rc = STORE_E_DAMAGED;
        return 0;
    }
    if (got == 1) {
        size_t n = lm->sublen < CATALOG_CODE_MAX ? lm->sublen : CATALOG_CODE_MAX;
        memcpy(sub, lm->submitter, n);
        sub[n] = '\0';
        lm->submitter = sub;
        lm->sublen = n;
    }
    return got;
}

/* The unit value (slot form) of version ver of the report whose leaf key is
 * key[0..kl), from its history entry, into out; zeros when it is missing
 * or unreadable (logged).  0 or an LMDB error. */
static int version_slots(rollup_t *r, MDB_txn *txn, const char *key, size_t kl, uint32_t ver, int ds, int64_t *out)
{
    char hk[RU_KEY_MAX];
    memcpy(hk, key, kl);
    MDB_val k = {ru_hist_key(hk, kl, ver), hk}, v;
    memset(out, 0, (size_t)r->a_view->lay[ds].nvals * sizeof *out);
    int rc = mdb_get(txn, r->hist, &k, &v);
    if (rc)
        return rc == MDB_NOTFOUND ? 0 : rc;
    msgpack_unpacked up;
    proto_record_t rec;
    size_t off = 0;
    msgpack_unpacked_init(&up);
    proto_list_t one = {.n = 1, .objs = &up.data};
    if (proto_prescan(v.mv_data, v.mv_size, PROTO_MAX_DEPTH) == 0 &&
        msgpack_unpack_next(&up, v.mv_data, v.mv_size, &off) == MSGPACK_UNPACK_SUCCESS &&
        proto_record_at(&one, 0, &rec, NULL) == 0)
        ru_leaf_slots(r, ds, &rec, out);
    else
        log_warn("rollup: version %u of a report is unreadable in history; its approved values count as none", ver);
    msgpack_unpacked_destroy(&up);
    return 0;
}

/* Replaces the report's approved-layer value: now cur (present: a version
 * is approved), the stored one before. */
static int set_approved(rollup_t *r, MDB_txn *txn, const char *key, size_t kl, int unit, int ds, period_t p,
                        const int64_t *cur, bool present)
{
    int nv = r->a_view->lay[ds].nvals, rc = 0;
    bool had = ru_get_slots(txn, r->aleaf, key, kl, r->a_old0, nv, &rc);
    if (rc)
        return rc;
    MDB_val k = {kl, (void *)key}, v = {(size_t)nv * sizeof(int64_t), (void *)cur};
    rc = present ? mdb_put(txn, r->aleaf, &k, &v, 0) : mdb_del(txn, r->aleaf, &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    return ru_propagate(r, txn, unit, ds, p, 1, cur, r->a_old0, had, NULL);
}

/* approve / return of the latest version.  The first decision on it, or a
 * change of mind (return after approve, approve after return) applies; the
 * same decision again changes nothing.  A return after an approval
 * withdraws it: the approved layer falls back to the version approved
 * before (prev_approved_version), or to none. */
static int decide_version(rollup_t *r, MDB_txn *txn, const proto_record_t *rec, int kind, int unit, int ds, period_t p,
                          rollup_outcome_t *oc)
{
    const catalog_t *c = r->a_view->cat;
    const dataset_t *d = &c->datasets[ds];
    int nv = r->a_view->lay[ds].nvals, rc = 0;
    char key[RU_KEY_MAX], sub[CATALOG_CODE_MAX + 1];
    size_t kl = ru_key(key, c->units[unit].code, r->a_view->ulen[unit], d->code, strlen(d->code), period_key(p));
    ru_leafmeta_t lm;
    int got = leaf_read(txn, r, key, kl, nv, &lm, sub, &rc);
    if (rc)
        return rc;
    uint32_t want = kind == D_APPROVE ? RU_APPROVED : RU_RETURNED;
    if (!got || rec->version != lm.version || lm.approval == want) {
        log_info("rollup: seq %llu: %s of %s %s %s version %llu changes nothing (%s); kept in history",
                 (unsigned long long)rec->seq, rec->decision, rec->unit, rec->dataset, rec->period,
                 (unsigned long long)rec->version,
                 !got                          ? "not received"
                 : rec->version != lm.version ? "not the latest version"
                                               : "already decided so");
        return 0;
    }
    bool obliged = catalog_must_report(c, ds, unit) && catalog_open_in(c, unit, p);
    int64_t cnt[RU_COMPLETENESS] = {0};
    cnt[RU_C_APPROVED] = obliged * ((int64_t)(want == RU_APPROVED) - (int64_t)(lm.approval == RU_APPROVED));
    cnt[RU_C_RETURNED] = obliged * ((int64_t)(want == RU_RETURNED) - (int64_t)(lm.approval == RU_RETURNED));
    if (want == RU_APPROVED) {
        /* the approved layer: this version's values replace the previously
         * approved version's (new approved slots minus the previous ones) */
        if ((rc = set_approved(r, txn, key, kl, unit, ds, p, r->a_leaf, true)))
            return rc;
        lm.prev_approved_version = lm.approved_version;
        lm.approved_version = lm.version;
        if (!lm.ever_approved) {
            lm.ever_approved = true;
            lm.first_approved_at = rec->received_at;
        }
        if (d->on_time_by == ON_TIME_BY_APPROVAL) {
            char mk[RU_KEY_MAX];
            ru_mark_t m;
            ru_mark_get(txn, r, mk, ru_mark_key(mk, d->code, strlen(d->code), period_key(p), c->units[unit].code,
                                                 r->a_view->ulen[unit]),
                        &m, &rc);
            if (rc)
                return rc;
            rejudge(c, ds, p, &lm, &m, obliged, cnt);
        }
    } else if (lm.approval == RU_APPROVED) {
        /* withdrawn: back to the version approved before, if any */
        uint32_t prev = lm.prev_approved_version;
        if (prev && (rc = version_slots(r, txn, key, kl, prev, ds, r->a_prev)))
            return rc;
        if (!prev)
            memset(r->a_prev, 0, (size_t)nv * sizeof *r->a_prev);
        if ((rc = set_approved(r, txn, key, kl, unit, ds, p, r->a_prev, prev != 0)))
            return rc;
        lm.approved_version = prev;
        lm.prev_approved_version = 0;
    }
    lm.approval = want;
    lm.decision_seq = rec->seq;
    if ((rc = ru_leaf_put(txn, r, key, kl, &lm, r->a_leaf, nv)))
        return rc;
    if ((rc = ru_propagate(r, txn, unit, ds, p, 0, r->a_leaf, r->a_leaf, true, cnt)))
        return rc;
    oc->applied = true;
    oc->on_time = lm.on_time;
    return 0;
}

/* extend, silence, unsilence: the mark of (unit, dataset, period). */
static int decide_mark(rollup_t *r, MDB_txn *txn, const proto_record_t *rec, int kind, int unit, int ds, period_t p,
                       rollup_outcome_t *oc)
{
    const catalog_t *c = r->a_view->cat;
    const dataset_t *d = &c->datasets[ds];
    size_t dlen = strlen(d->code);
    int rc = 0;
    int32_t due = 0;
    if (kind == D_EXTEND && (date_parse(rec->due, &due) != 0)) {
        log_warn("rollup: seq %llu: extend of %s %s %s has no valid due date '%s'; kept in history",
                 (unsigned long long)rec->seq, rec->unit, rec->dataset, rec->period, rec->due);
        return 0;
    }
    char mk[RU_KEY_MAX];
    size_t mkl = ru_mark_key(mk, d->code, dlen, period_key(p), c->units[unit].code, r->a_view->ulen[unit]);
    ru_mark_t m;
    ru_mark_get(txn, r, mk, mkl, &m, &rc);
    if (rc)
        return rc;
    /* the reason is copied out of the map before the mark is rewritten */
    char reason[sizeof rec->note];
    size_t rlen = m.rlen < sizeof reason ? m.rlen : sizeof reason - 1;
    memcpy(reason, m.reason ? m.reason : "", rlen);
    uint32_t flags = m.flags;
    if (kind == D_EXTEND) {
        m.flags |= RU_MARK_EXTENDED;
        m.due = due;
        rlen = strlen(rec->note);
        memcpy(reason, rec->note, rlen);
    } else if (kind == D_SILENCE) {
        m.flags |= RU_MARK_SILENCED;
    } else {
        m.flags &= ~(uint32_t)RU_MARK_SILENCED;
    }
    if (kind != D_EXTEND && m.flags == flags)
        return 0; /* silenced twice, or unsilenced while not silenced */
    if ((rc = mark_put(txn, r, mk, mkl, &m, reason, rlen)))
        return rc;
    oc->applied = true;
    if (kind != D_EXTEND)
        return 0;

    /* an extension granted after the report arrived judges it again */
    int nv = r->a_view->lay[ds].nvals;
    char key[RU_KEY_MAX], sub[CATALOG_CODE_MAX + 1];
    size_t kl = ru_key(key, c->units[unit].code, r->a_view->ulen[unit], d->code, dlen, period_key(p));
    ru_leafmeta_t lm;
    if (!leaf_read(txn, r, key, kl, nv, &lm, sub, &rc))
        return rc;
    bool obliged = catalog_must_report(c, ds, unit) && catalog_open_in(c, unit, p);
    int64_t cnt[RU_COMPLETENESS] = {0};
    bool was = lm.on_time;
    rejudge(c, ds, p, &lm, &m, obliged, cnt);
    oc->on_time = lm.on_time;
    if (lm.on_time == was)
        return 0;
    if ((rc = ru_leaf_put(txn, r, key, kl, &lm, r->a_leaf, nv)))
        return rc;
    return any(cnt) ? ru_propagate(r, txn, unit, ds, p, 0, r->a_leaf, r->a_leaf, true, cnt) : 0;
}

int ru_apply_decision(rollup_t *r, MDB_txn *txn, const proto_record_t *rec, const proto_str_t *raw, int unit, int ds,
                      period_t p, rollup_outcome_t *oc)
{
    char key[RU_KEY_MAX];
    uint32_t pkey = unit >= 0 ? period_key(p) : 0;
    period_t q;
    if (unit < 0 && period_parse(rec->period, &q) == 0)
        pkey = period_key(q);
    size_t kl = ru_key(key, rec->unit, strlen(rec->unit), rec->dataset, strlen(rec->dataset), pkey);
    MDB_val dk = {ru_decision_key(key, kl, rec->seq), key}, dv;
    int rc = ru_record_bytes(r, rec, raw, &dv);
    if (rc <= 0)
        return rc;
    if ((rc = mdb_put(txn, r->dec, &dk, &dv, 0)))
        return rc;
    int kind = decision_kind(rec->decision);
    if (unit < 0 || kind < 0) {
        log_warn("rollup: seq %llu (%s %s %s %s) is not a known decision on a report of the catalog; kept in history",
                 (unsigned long long)rec->seq, rec->decision, rec->unit, rec->dataset, rec->period);
        return 0;
    }
    if (kind == D_APPROVE || kind == D_RETURN)
        return decide_version(r, txn, rec, kind, unit, ds, p, oc);
    return decide_mark(r, txn, rec, kind, unit, ds, p, oc);
}
