/*
 * rollup_report.c -- one report's answers: values (the latest version with
 * its approval state, extension and silence) and history (its versions and
 * the decisions on it, newest first).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rollup_query_int.h"

/* ---- values / history -------------------------------------------------- */

/* A stored RECORD (a history entry), checked and decoded into rec (which
 * points into up). */
static int decode_record(const MDB_val *v, msgpack_unpacked *up, proto_record_t *rec)
{
    size_t off = 0;
    proto_list_t one = {.n = 1, .objs = &up->data};
    if (proto_prescan(v->mv_data, v->mv_size, PROTO_MAX_DEPTH) != 0 ||
        msgpack_unpack_next(up, v->mv_data, v->mv_size, &off) != MSGPACK_UNPACK_SUCCESS ||
        proto_record_at(&one, 0, rec, NULL))
        return -1;
    return 0;
}

static ans_version_t version_answer(const proto_record_t *rec)
{
    return (ans_version_t){.version = rec->version,
                           .seq = rec->seq,
                           .id = rec->id,
                           .submitter = rec->submitter,
                           .received_at = rec->received_at,
                           .values = rec->values,
                           .note = rec->note,
                           .entered_by = rec->entered_by,
                           .has_entered_by = rec->entered_by[0] != '\0',
                           .comments = rec->comments,
                           .has_comments = rec->comments.n > 0};
}

int ruq_values(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    char key[RU_KEY_MAX];
    size_t kl = ruq_node_key(q, key, q->node, q->p);
    ru_leafmeta_t lm;
    int rc = 0;
    int got = ru_leaf_get(q->txn, q->r, key, kl, q->v->lay[q->ds].nvals, &lm, NULL, &rc);
    if (rc)
        return ruq_storage_fail(err, rc);
    if (got == 0)
        return proto_fail(err, PROTO_E_NOT_FOUND, "%s has not reported %s for %s", c->units[q->node].code, d->code,
                          q->pcode);
    /* the values are those of the latest version, kept in history */
    MDB_val hv;
    if (got == 1) {
        MDB_val hk = {ru_hist_key(key, kl, lm.version), key};
        rc = mdb_get(q->txn, q->r->hist, &hk, &hv);
        if (rc && rc != MDB_NOTFOUND)
            return ruq_storage_fail(err, rc);
    }
    msgpack_unpacked up, dup;
    proto_record_t rec, dec;
    msgpack_unpacked_init(&up);
    msgpack_unpacked_init(&dup);
    if (got != 1 || rc || decode_record(&hv, &up, &rec)) {
        msgpack_unpacked_destroy(&up);
        return proto_fail(err, PROTO_E_STORAGE, "the stored report of %s is unreadable", c->units[q->node].code);
    }
    /* the decision that set the approval state (its author and comment) */
    bool has_dec = false;
    if (lm.approval != RU_AWAITING && lm.decision_seq) {
        kl = ruq_node_key(q, key, q->node, q->p);
        MDB_val dk = {ru_decision_key(key, kl, lm.decision_seq), key}, dv;
        rc = mdb_get(q->txn, q->r->dec, &dk, &dv);
        has_dec = rc == 0 && decode_record(&dv, &dup, &dec) == 0;
        if (rc && rc != MDB_NOTFOUND) {
            msgpack_unpacked_destroy(&up);
            msgpack_unpacked_destroy(&dup);
            return ruq_storage_fail(err, rc);
        }
    }
    char mk[RU_KEY_MAX];
    ru_mark_t m;
    rc = 0;
    ru_mark_get(q->txn, q->r, mk,
                ru_mark_key(mk, d->code, strlen(d->code), period_key(q->p), c->units[q->node].code, q->v->ulen[q->node]),
                &m, &rc);
    if (rc) {
        msgpack_unpacked_destroy(&up);
        msgpack_unpacked_destroy(&dup);
        return ruq_storage_fail(err, rc);
    }
    ans_values_t a = {.unit = c->units[q->node].code,
                      .dataset = d->code,
                      .period = q->pcode,
                      .version = lm.version,
                      .seq = rec.seq,
                      .id = rec.id,
                      .submitter = rec.submitter,
                      .received_at = rec.received_at,
                      .first_received_at = lm.first_received_at,
                      .on_time = lm.on_time,
                      .values = rec.values,
                      .note = rec.note,
                      .entered_by = rec.entered_by,
                      .has_entered_by = rec.entered_by[0] != '\0',
                      .approval = ruq_approval_name(lm.approval),
                      .approved_version = lm.approved_version,
                      .has_approved_version = lm.approved_version > 0,
                      .decided_by = has_dec ? (dec.entered_by[0] ? dec.entered_by : dec.submitter) : NULL,
                      .has_decided_by = has_dec,
                      .decision_note = has_dec ? dec.note : NULL,
                      .has_decision_note = has_dec,
                      .due = (m.flags & RU_MARK_EXTENDED) ? ru_due_deadline(m.due) : 0,
                      .has_due = (m.flags & RU_MARK_EXTENDED) != 0,
                      .silenced = (m.flags & RU_MARK_SILENCED) != 0,
                      .has_silenced = (m.flags & RU_MARK_SILENCED) != 0};
    a.comments = rec.comments; /* in up's zone, packed below */
    a.has_comments = rec.comments.n > 0;
    ans_values_pack(q->pk, &a);
    msgpack_unpacked_destroy(&up);
    msgpack_unpacked_destroy(&dup);
    return 0;
}

/* The versions of a report, newest first: each history entry is decoded
 * into its own zone, kept until the answer is packed. */
typedef struct {
    ans_version_t *items;
    msgpack_unpacked *ups;
    uint32_t n, cap;
} versions_t;

static int versions_add(versions_t *vs, const MDB_val *v)
{
    if (vs->n == vs->cap) {
        uint32_t cap = vs->cap ? 2 * vs->cap : 16;
        ans_version_t *items = realloc(vs->items, cap * sizeof *items);
        if (items)
            vs->items = items;
        msgpack_unpacked *ups = realloc(vs->ups, cap * sizeof *ups);
        if (ups)
            vs->ups = ups;
        if (!items || !ups)
            return STORE_E_NOMEM;
        vs->cap = cap;
    }
    proto_record_t rec;
    msgpack_unpacked_init(&vs->ups[vs->n]);
    if (decode_record(v, &vs->ups[vs->n], &rec)) {
        msgpack_unpacked_destroy(&vs->ups[vs->n]);
        return 0; /* an unreadable entry is left out, as before */
    }
    /* rec's strings are arrays inside rec: keep them in the zone */
    msgpack_zone *z = vs->ups[vs->n].zone;
    proto_record_t *kept = msgpack_zone_malloc(z, sizeof *kept);
    if (!kept) {
        msgpack_unpacked_destroy(&vs->ups[vs->n]);
        return STORE_E_NOMEM;
    }
    *kept = rec;
    vs->items[vs->n++] = version_answer(kept);
    return 0;
}

/* The decisions of a report, newest first, decoded as the versions are. */
typedef struct {
    ans_decision_t *items;
    msgpack_unpacked *ups;
    uint32_t n, cap;
} decisions_t;

static int decisions_add(decisions_t *ds, const MDB_val *v)
{
    if (ds->n == ds->cap) {
        uint32_t cap = ds->cap ? 2 * ds->cap : 16;
        ans_decision_t *items = realloc(ds->items, cap * sizeof *items);
        if (items)
            ds->items = items;
        msgpack_unpacked *ups = realloc(ds->ups, cap * sizeof *ups);
        if (ups)
            ds->ups = ups;
        if (!items || !ups)
            return STORE_E_NOMEM;
        ds->cap = cap;
    }
    proto_record_t rec;
    msgpack_unpacked_init(&ds->ups[ds->n]);
    if (decode_record(v, &ds->ups[ds->n], &rec)) {
        msgpack_unpacked_destroy(&ds->ups[ds->n]);
        return 0; /* an unreadable entry is left out */
    }
    proto_record_t *kept = msgpack_zone_malloc(ds->ups[ds->n].zone, sizeof *kept);
    if (!kept) {
        msgpack_unpacked_destroy(&ds->ups[ds->n]);
        return STORE_E_NOMEM;
    }
    *kept = rec;
    ds->items[ds->n++] = (ans_decision_t){.decision = kept->decision,
                                          .version = kept->version,
                                          .seq = kept->seq,
                                          .submitter = kept->submitter,
                                          .entered_by = kept->entered_by,
                                          .has_entered_by = kept->entered_by[0] != '\0',
                                          .received_at = kept->received_at,
                                          .due = kept->due,
                                          .has_due = kept->due[0] != '\0',
                                          .note = kept->note};
    return 0;
}

static void decisions_free(decisions_t *ds)
{
    for (uint32_t i = 0; i < ds->n; i++)
        msgpack_unpacked_destroy(&ds->ups[i]);
    free(ds->items);
    free(ds->ups);
}

/* Reads the decisions on the report whose leaf key is key[0..kl), newest
 * first (a reverse scan of the prefix key \0), at most limit. */
static int decisions_read(const qctx_t *q, char *key, size_t kl, uint64_t limit, decisions_t *ds)
{
    size_t plen = kl + 1;
    key[kl] = '\0';
    memset(key + plen, 0xff, 8);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(q->txn, q->r->dec, &cur);
    if (rc)
        return rc;
    MDB_val k = {plen + 8, key}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    else if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    while (rc == 0 && ds->n < limit) {
        if (k.mv_size != plen + 8 || memcmp(k.mv_data, key, plen) != 0)
            break;
        if ((rc = decisions_add(ds, &v)) == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static void versions_free(versions_t *vs)
{
    for (uint32_t i = 0; i < vs->n; i++)
        msgpack_unpacked_destroy(&vs->ups[i]);
    free(vs->items);
    free(vs->ups);
}

int ruq_history(qctx_t *q, uint64_t limit, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    char key[RU_KEY_MAX];
    size_t kl = ruq_node_key(q, key, q->node, q->p);
    key[kl] = '\0';
    size_t plen = kl + 1; /* prefix: unit \0 dataset \0 P \0 */
    memset(key + plen, 0xff, 4);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(q->txn, q->r->hist, &cur);
    if (rc)
        return ruq_storage_fail(err, rc);
    /* the newest version is the last key with the prefix */
    MDB_val k = {plen + 4, key}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    else if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    versions_t vs = {0};
    while (rc == 0 && vs.n < limit) {
        if (k.mv_size != plen + 4 || memcmp(k.mv_data, key, plen) != 0)
            break;
        if ((rc = versions_add(&vs, &v)) == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    mdb_cursor_close(cur);
    decisions_t ds = {0};
    if (rc == 0 || rc == MDB_NOTFOUND)
        rc = decisions_read(q, key, ruq_node_key(q, key, q->node, q->p), limit, &ds);
    if (rc == 0) {
        ans_history_t a = {.unit = c->units[q->node].code,
                           .dataset = d->code,
                           .period = q->pcode,
                           .versions = vs.items,
                           .n_versions = vs.n,
                           .decisions = ds.items,
                           .n_decisions = ds.n};
        ans_history_pack(q->pk, &a);
    }
    versions_free(&vs);
    decisions_free(&ds);
    if (rc == STORE_E_NOMEM)
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    return rc != 0 && rc != MDB_NOTFOUND ? ruq_storage_fail(err, rc) : 0;
}

