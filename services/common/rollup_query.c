/*
 * rollup_query.c -- answering QUERY messages from the rollup store.
 *
 * Every answer is built in a private buffer inside one short read
 * transaction (values are copied out of LMDB before it ends) and handed to
 * the caller's packer only when complete, so an error packs nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollup.h"
#include "rollup_int.h"

#define HISTORY_DEFAULT 100

typedef struct {
    rollup_t *r;
    const ru_view_t *v;
    const catalog_t *c;
    MDB_txn *txn;
    msgpack_packer *pk;
    int64_t now;
    int node, ds; /* -1 when not given (targets: dataset) */
    period_t p;
    char pcode[PERIOD_CODE_MAX];
    int64_t *subs; /* RU_SUBS_MAX unit values of sub-periods (node_slots) */
} qctx_t;

/* ---- packing helpers -------------------------------------------------- */

static void pack_strn(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

/* The three pairs code, name, kind of a unit (inside a map the caller opened). */
static void pack_unit_fields(msgpack_packer *pk, const unit_t *u)
{
    proto_pack_cstr(pk, "code");
    proto_pack_cstr(pk, u->code);
    proto_pack_cstr(pk, "name");
    proto_pack_cstr(pk, u->name);
    proto_pack_cstr(pk, "kind");
    proto_pack_cstr(pk, u->kind);
}

static void pack_unit_ref(msgpack_packer *pk, const unit_t *u)
{
    msgpack_pack_map(pk, 3);
    pack_unit_fields(pk, u);
}

static void pack_opt_double(msgpack_packer *pk, bool has, double v)
{
    if (has)
        msgpack_pack_double(pk, v);
    else
        msgpack_pack_nil(pk);
}

static int storage_fail(proto_error_t *err, int rc)
{
    return proto_fail(err, PROTO_E_STORAGE, "the rollup store could not be read: %s", mdb_strerror(rc));
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

static void pack_ival(msgpack_packer *pk, const ival_t *v)
{
    if (!v->has)
        msgpack_pack_nil(pk);
    else if (v->is_float)
        msgpack_pack_double(pk, v->f);
    else
        msgpack_pack_int64(pk, v->i);
}

static void pack_indicator(msgpack_packer *pk, const catalog_t *c, const ru_layout_t *lay, int ind, const int64_t *s)
{
    const indicator_t *in = &c->inds[ind];
    ival_t v = ind_value(c, lay, ind, s);
    int n = 6 + (in->kind == IND_BOOL) + 2 * (in->kind == IND_RATE) + (in->kind == IND_TAGS);
    msgpack_pack_map(pk, (size_t)n);
    proto_pack_cstr(pk, "code");
    proto_pack_cstr(pk, in->code);
    proto_pack_cstr(pk, "name_vi");
    proto_pack_cstr(pk, in->name_vi);
    proto_pack_cstr(pk, "name_en");
    proto_pack_cstr(pk, in->name_en);
    proto_pack_cstr(pk, "kind");
    proto_pack_cstr(pk, ind_kind_name(in->kind));
    proto_pack_cstr(pk, "value");
    pack_ival(pk, &v);
    proto_pack_cstr(pk, "units");
    msgpack_pack_int64(pk, v.units);
    if (in->kind == IND_BOOL) {
        proto_pack_cstr(pk, "share");
        pack_opt_double(pk, v.units > 0, v.units > 0 ? (double)v.i / (double)v.units : 0);
    } else if (in->kind == IND_RATE) {
        proto_pack_cstr(pk, "num");
        msgpack_pack_int64(pk, v.num);
        proto_pack_cstr(pk, "den");
        msgpack_pack_int64(pk, v.den);
    } else if (in->kind == IND_TAGS) {
        int o = lay->slot[ind];
        proto_pack_cstr(pk, "tags");
        msgpack_pack_map(pk, o < 0 ? 0 : (size_t)in->ntags);
        for (int t = 0; o >= 0 && t < in->ntags; t++) {
            proto_pack_cstr(pk, in->tags[t]);
            msgpack_pack_int64(pk, s[o + 1 + t]);
        }
    }
}

static size_t node_key(const qctx_t *q, char *key, int unit, period_t p)
{
    const dataset_t *d = &q->c->datasets[q->ds];
    return ru_key(key, q->c->units[unit].code, q->v->ulen[unit], d->code, strlen(d->code), period_key(p));
}

/* The node value of (unit, dataset, P) in s[0..nvals + RU_COMPLETENESS).
 * A unit with children has a node record.  A childless unit has none (see
 * rollup.h): its value slots are its unit value (the leaf's slots for a
 * period of the dataset's type, or those of the sub-periods' leaves combined
 * across time for a coarser one; absent: zeros) and its completeness counters are recounted from its own leaves of the
 * dataset's type inside P, exactly as apply counts them: a leaf counts when
 * the unit must report the dataset and is open in the leaf's period; on time
 * or late from the leaf's first version.  With completeness false the
 * caller does not need the counters: a childless unit's are left at 0 and
 * its leaves are not read.  *rc receives an LMDB error. */
static void node_slots(const qctx_t *q, int unit, period_t P, bool completeness, int64_t *s, int *rc)
{
    const ru_layout_t *lay = &q->v->lay[q->ds];
    int nv = lay->nvals, ns = nv + RU_COMPLETENESS;
    char key[RU_KEY_MAX];
    if (q->c->units[unit].nchildren > 0) {
        ru_get_slots(q->txn, q->r->node, key, node_key(q, key, unit, P), s, ns, rc);
        return;
    }
    period_t subs[RU_SUBS_MAX];
    int n = period_children(P, q->c->datasets[q->ds].ptype, subs, RU_SUBS_MAX);
    if (n > RU_SUBS_MAX)
        n = RU_SUBS_MAX;
    if (n <= 1) {
        ru_leaf_get(q->txn, q->r, key, node_key(q, key, unit, P), nv, NULL, s, rc);
    } else {
        bool present[RU_SUBS_MAX];
        ru_unit_value(q->txn, q->r, q->v, unit, q->ds, subs, n, q->subs, present, s, rc);
    }
    int64_t received = 0, on_time = 0, late = 0;
    for (int k = 0; completeness && k < n && *rc == 0; k++) {
        if (!catalog_must_report(q->c, q->ds, unit) || !catalog_open_in(q->c, unit, subs[k]))
            continue;
        ru_leafmeta_t lm;
        int got = ru_leaf_get(q->txn, q->r, key, node_key(q, key, unit, subs[k]), nv, &lm, NULL, rc);
        if (got == 0)
            continue;
        bool ot = got == 1 && lm.on_time;
        received++;
        on_time += ot;
        late += !ot;
    }
    s[nv] = received;
    s[nv + 1] = on_time;
    s[nv + 2] = late;
}

/* ---- rollup ------------------------------------------------------------ */

static int q_rollup(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    const ru_layout_t *lay = &q->v->lay[q->ds];
    int ns = lay->nvals + RU_COMPLETENESS, rc = 0;
    int64_t *s = malloc((size_t)ns * sizeof *s);
    if (!s)
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    node_slots(q, q->node, q->p, false, s, &rc);
    msgpack_packer *pk = q->pk;
    const unit_t *u = &c->units[q->node];
    msgpack_pack_map(pk, 5);
    proto_pack_cstr(pk, "node");
    pack_unit_ref(pk, u);
    proto_pack_cstr(pk, "dataset");
    proto_pack_cstr(pk, d->code);
    proto_pack_cstr(pk, "period");
    proto_pack_cstr(pk, q->pcode);
    proto_pack_cstr(pk, "indicators");
    msgpack_pack_array(pk, (size_t)d->ninds);
    for (int i = 0; i < d->ninds; i++)
        pack_indicator(pk, c, lay, d->inds[i], s);
    proto_pack_cstr(pk, "children");
    msgpack_pack_array(pk, (size_t)u->nchildren);
    for (int k = 0; k < u->nchildren && rc == 0; k++) {
        int ch = u->children[k];
        node_slots(q, ch, q->p, false, s, &rc);
        msgpack_pack_map(pk, 4);
        pack_unit_fields(pk, &c->units[ch]);
        proto_pack_cstr(pk, "values");
        msgpack_pack_map(pk, (size_t)d->ninds);
        for (int i = 0; i < d->ninds; i++) {
            ival_t v = ind_value(c, lay, d->inds[i], s);
            proto_pack_cstr(pk, c->inds[d->inds[i]].code);
            pack_ival(pk, &v);
        }
    }
    free(s);
    return rc ? storage_fail(err, rc) : 0;
}

/* ---- status ------------------------------------------------------------ */

/* Obligations in the subtree of `node` for (dataset, leaf period): one pass
 * over the pre-order computes them for every unit; the array is cached per
 * (dataset, leaf period) in the view, so the next question is O(1).
 * Returns -1 when out of memory. */
static int64_t expected_for(rollup_t *r, ru_view_t *v, int ds, period_t sub, int node)
{
    const catalog_t *c = v->cat;
    uint32_t pkey = period_key(sub);
    int64_t result = -1;
    pthread_mutex_lock(&r->exp_mu);
    ru_expected_t *victim = &v->exp[0], *hit = NULL;
    for (int i = 0; i < RU_EXP_CACHE && !hit; i++) {
        ru_expected_t *e = &v->exp[i];
        if (e->cnt && e->ds == ds && e->pkey == pkey)
            hit = e;
        else if (!e->cnt || (victim->cnt && e->used < victim->used))
            victim = e;
    }
    if (!hit) {
        if (!victim->cnt && !(victim->cnt = malloc(((size_t)c->nunits + 1) * sizeof *victim->cnt)))
            goto out;
        int *cnt = victim->cnt;
        memset(cnt, 0, ((size_t)c->nunits + 1) * sizeof *cnt);
        /* children follow their parent in pre-order: walking it backwards
         * finishes every subtree before its root */
        for (int i = c->nunits - 1; i >= 0; i--) {
            int u = c->preorder[i];
            if (u < 0 || u >= c->nunits)
                continue;
            if (catalog_must_report(c, ds, u) && catalog_open_in(c, u, sub))
                cnt[u]++;
            int par = c->units[u].parent;
            if (par >= 0 && par < c->nunits)
                cnt[par] += cnt[u];
        }
        victim->ds = ds;
        victim->pkey = pkey;
        hit = victim;
    }
    hit->used = ++v->exp_clock;
    result = hit->cnt[node];
out:
    pthread_mutex_unlock(&r->exp_mu);
    return result;
}

static bool begun(period_t p, int64_t now)
{
    return date_start_time(period_first_day(p)) <= now;
}

static int q_status(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    const ru_layout_t *lay = &q->v->lay[q->ds];
    int nv = lay->nvals, ns = nv + RU_COMPLETENESS, rc = 0;
    period_t subs[RU_SUBS_MAX];
    int n = period_children(q->p, d->ptype, subs, RU_SUBS_MAX);
    int64_t expected = 0, received = 0, on_time = 0, late = 0, missing = 0, pending = 0;
    int64_t *s = malloc((size_t)ns * sizeof *s);
    if (!s)
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    for (int k = 0; k < n && rc == 0; k++) {
        if (!begun(subs[k], q->now))
            continue;
        int64_t e = expected_for(q->r, (ru_view_t *)q->v, q->ds, subs[k], q->node);
        if (e < 0) {
            free(s);
            return proto_fail(err, PROTO_E_BUSY, "out of memory");
        }
        node_slots(q, q->node, subs[k], true, s, &rc);
        int64_t rec = s[nv], ot = s[nv + 1];
        /* counters are never trusted beyond the obligations (a catalog
         * edited without a rebuild): never above 100% */
        if (rec > e)
            rec = e;
        if (rec < 0)
            rec = 0;
        if (ot > rec)
            ot = rec;
        if (ot < 0)
            ot = 0;
        expected += e;
        received += rec;
        on_time += ot;
        late += rec - ot;
        if (q->now >= catalog_deadline(c, q->ds, subs[k]))
            missing += e - rec;
        else
            pending += e - rec;
    }
    free(s);
    if (rc)
        return storage_fail(err, rc);
    msgpack_packer *pk = q->pk;
    msgpack_pack_map(pk, 11);
    proto_pack_cstr(pk, "node");
    pack_unit_ref(pk, &c->units[q->node]);
    proto_pack_cstr(pk, "dataset");
    proto_pack_cstr(pk, d->code);
    proto_pack_cstr(pk, "period");
    proto_pack_cstr(pk, q->pcode);
    proto_pack_cstr(pk, "deadline");
    msgpack_pack_int64(pk, n > 0 ? catalog_deadline(c, q->ds, subs[n - 1]) : 0);
    proto_pack_cstr(pk, "expected");
    msgpack_pack_int64(pk, expected);
    proto_pack_cstr(pk, "received");
    msgpack_pack_int64(pk, received);
    proto_pack_cstr(pk, "on_time");
    msgpack_pack_int64(pk, on_time);
    proto_pack_cstr(pk, "late");
    msgpack_pack_int64(pk, late);
    proto_pack_cstr(pk, "missing");
    msgpack_pack_int64(pk, missing);
    proto_pack_cstr(pk, "pending");
    msgpack_pack_int64(pk, pending);
    proto_pack_cstr(pk, "share_on_time");
    msgpack_pack_double(pk, expected > 0 ? (double)on_time / (double)expected : 0.0);
    return 0;
}

/* ---- units -------------------------------------------------------------- */

enum { ST_ON_TIME, ST_LATE, ST_MISSING, ST_PENDING };
static const char *const status_names[] = {"on_time", "late", "missing", "pending"};

typedef struct {
    const char *kind;
    int64_t n[4];
} kindcount_t;

static int q_units(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    const unit_t *root = &c->units[q->node];
    int nv = q->v->lay[q->ds].nvals;
    int64_t deadline = catalog_deadline(c, q->ds, q->p);
    bool passed = q->now >= deadline;
    kindcount_t kinds[64];
    int nk = 0;
    size_t count = 0;
    char key[RU_KEY_MAX];
    int rc = 0;
    for (int i = root->subtree_first; i < root->subtree_end && i < c->nunits; i++) {
        int u = c->preorder[i];
        if (catalog_must_report(c, q->ds, u) && catalog_open_in(c, u, q->p))
            count++;
    }
    msgpack_packer *pk = q->pk;
    msgpack_pack_map(pk, 6);
    proto_pack_cstr(pk, "node");
    pack_unit_ref(pk, root);
    proto_pack_cstr(pk, "dataset");
    proto_pack_cstr(pk, d->code);
    proto_pack_cstr(pk, "period");
    proto_pack_cstr(pk, q->pcode);
    proto_pack_cstr(pk, "deadline");
    msgpack_pack_int64(pk, deadline);
    proto_pack_cstr(pk, "units");
    msgpack_pack_array(pk, count);
    for (int i = root->subtree_first; i < root->subtree_end && i < c->nunits; i++) {
        int u = c->preorder[i];
        const unit_t *un = &c->units[u];
        if (!(catalog_must_report(c, q->ds, u) && catalog_open_in(c, u, q->p)))
            continue;
        ru_leafmeta_t li;
        bool found = ru_leaf_get(q->txn, q->r, key, node_key(q, key, u, q->p), nv, &li, NULL, &rc) == 1;
        int st = found ? (li.on_time ? ST_ON_TIME : ST_LATE) : passed ? ST_MISSING : ST_PENDING;
        msgpack_pack_map(pk, 9);
        pack_unit_fields(pk, un);
        proto_pack_cstr(pk, "parent");
        if (un->parent >= 0)
            proto_pack_cstr(pk, c->units[un->parent].code);
        else
            msgpack_pack_nil(pk);
        proto_pack_cstr(pk, "depth");
        msgpack_pack_int(pk, un->depth);
        proto_pack_cstr(pk, "status");
        proto_pack_cstr(pk, status_names[st]);
        proto_pack_cstr(pk, "received_at");
        found ? msgpack_pack_int64(pk, li.first_received_at) : msgpack_pack_nil(pk);
        proto_pack_cstr(pk, "version");
        found ? msgpack_pack_int64(pk, li.version) : msgpack_pack_nil(pk);
        proto_pack_cstr(pk, "submitter");
        if (found && li.sublen)
            pack_strn(pk, li.submitter, li.sublen);
        else
            msgpack_pack_nil(pk);
        int ki = 0;
        while (ki < nk && strcmp(kinds[ki].kind, un->kind) != 0)
            ki++;
        if (ki == nk && nk < (int)(sizeof kinds / sizeof kinds[0])) {
            memset(&kinds[nk], 0, sizeof kinds[nk]);
            kinds[nk++].kind = un->kind;
        }
        if (ki < nk)
            kinds[ki].n[st]++;
    }
    proto_pack_cstr(pk, "by_kind");
    msgpack_pack_map(pk, (size_t)nk);
    for (int i = 0; i < nk; i++) {
        const int64_t *n = kinds[i].n;
        proto_pack_cstr(pk, kinds[i].kind);
        msgpack_pack_map(pk, 6);
        proto_pack_cstr(pk, "expected");
        msgpack_pack_int64(pk, n[0] + n[1] + n[2] + n[3]);
        proto_pack_cstr(pk, "received");
        msgpack_pack_int64(pk, n[ST_ON_TIME] + n[ST_LATE]);
        proto_pack_cstr(pk, "on_time");
        msgpack_pack_int64(pk, n[ST_ON_TIME]);
        proto_pack_cstr(pk, "late");
        msgpack_pack_int64(pk, n[ST_LATE]);
        proto_pack_cstr(pk, "missing");
        msgpack_pack_int64(pk, n[ST_MISSING]);
        proto_pack_cstr(pk, "pending");
        msgpack_pack_int64(pk, n[ST_PENDING]);
    }
    return rc ? storage_fail(err, rc) : 0;
}

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

/* The pairs of one version of a report (inside a map the caller opened):
 * 7, or 9 with the leaf's own fields when leaf is given (the values answer;
 * its version is the leaf's). */
static void pack_report_pairs(msgpack_packer *pk, const proto_record_t *rec, const ru_leafmeta_t *leaf)
{
    proto_pack_cstr(pk, "version");
    msgpack_pack_uint64(pk, leaf ? leaf->version : rec->version);
    proto_pack_cstr(pk, "seq");
    msgpack_pack_uint64(pk, rec->seq);
    proto_pack_cstr(pk, "id");
    proto_pack_cstr(pk, rec->id);
    proto_pack_cstr(pk, "submitter");
    proto_pack_cstr(pk, rec->submitter);
    proto_pack_cstr(pk, "received_at");
    msgpack_pack_int64(pk, rec->received_at);
    if (leaf) {
        proto_pack_cstr(pk, "first_received_at");
        msgpack_pack_int64(pk, leaf->first_received_at);
        proto_pack_cstr(pk, "on_time");
        leaf->on_time ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    }
    proto_pack_cstr(pk, "values");
    if (proto_pack_values(pk, &rec->values))
        msgpack_pack_map(pk, 0);
    proto_pack_cstr(pk, "note");
    proto_pack_cstr(pk, rec->note);
}

static int q_values(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    char key[RU_KEY_MAX];
    size_t kl = node_key(q, key, q->node, q->p);
    ru_leafmeta_t lm;
    int rc = 0;
    int got = ru_leaf_get(q->txn, q->r, key, kl, q->v->lay[q->ds].nvals, &lm, NULL, &rc);
    if (rc)
        return storage_fail(err, rc);
    if (got == 0)
        return proto_fail(err, PROTO_E_NOT_FOUND, "%s has not reported %s for %s", c->units[q->node].code, d->code,
                          q->pcode);
    /* the values are those of the latest version, kept in history */
    MDB_val hv;
    if (got == 1) {
        MDB_val hk = {ru_hist_key(key, kl, lm.version), key};
        rc = mdb_get(q->txn, q->r->hist, &hk, &hv);
        if (rc && rc != MDB_NOTFOUND)
            return storage_fail(err, rc);
    }
    msgpack_unpacked up;
    proto_record_t rec;
    msgpack_unpacked_init(&up);
    if (got != 1 || rc || decode_record(&hv, &up, &rec)) {
        msgpack_unpacked_destroy(&up);
        return proto_fail(err, PROTO_E_STORAGE, "the stored report of %s is unreadable", c->units[q->node].code);
    }
    msgpack_packer *pk = q->pk;
    msgpack_pack_map(pk, 3 + 9);
    proto_pack_cstr(pk, "unit");
    proto_pack_cstr(pk, c->units[q->node].code);
    proto_pack_cstr(pk, "dataset");
    proto_pack_cstr(pk, d->code);
    proto_pack_cstr(pk, "period");
    proto_pack_cstr(pk, q->pcode);
    pack_report_pairs(pk, &rec, &lm);
    msgpack_unpacked_destroy(&up);
    return 0;
}

static int pack_version(msgpack_packer *pk, const MDB_val *v)
{
    msgpack_unpacked up;
    proto_record_t rec;
    msgpack_unpacked_init(&up);
    int rc = decode_record(v, &up, &rec);
    if (rc == 0) {
        msgpack_pack_map(pk, 7);
        pack_report_pairs(pk, &rec, NULL);
    }
    msgpack_unpacked_destroy(&up);
    return rc;
}

static int q_history(qctx_t *q, uint64_t limit, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    char key[RU_KEY_MAX];
    size_t kl = node_key(q, key, q->node, q->p);
    key[kl] = '\0';
    size_t plen = kl + 1; /* prefix: unit \0 dataset \0 P \0 */
    memset(key + plen, 0xff, 4);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(q->txn, q->r->hist, &cur);
    if (rc)
        return storage_fail(err, rc);
    /* the newest version is the last key with the prefix */
    MDB_val k = {plen + 4, key}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    else if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    /* collect in a temporary buffer: the count comes first in msgpack */
    msgpack_sbuffer sb;
    msgpack_packer lp;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&lp, &sb, msgpack_sbuffer_write);
    uint64_t count = 0;
    while (rc == 0 && count < limit) {
        if (k.mv_size != plen + 4 || memcmp(k.mv_data, key, plen) != 0)
            break;
        if (pack_version(&lp, &v) == 0)
            count++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    }
    mdb_cursor_close(cur);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        msgpack_sbuffer_destroy(&sb);
        return storage_fail(err, rc);
    }
    msgpack_packer *pk = q->pk;
    msgpack_pack_map(pk, 4);
    proto_pack_cstr(pk, "unit");
    proto_pack_cstr(pk, c->units[q->node].code);
    proto_pack_cstr(pk, "dataset");
    proto_pack_cstr(pk, d->code);
    proto_pack_cstr(pk, "period");
    proto_pack_cstr(pk, q->pcode);
    proto_pack_cstr(pk, "versions");
    msgpack_pack_array(pk, count);
    if (sb.size)
        pk->callback(pk->data, sb.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    return 0;
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
    if (m == 0 || !ru_unit_value(q->txn, q->r, q->v, tg->unit, ds, in, m, buf, present, val, rc))
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
        return storage_fail(err, rc);
    }
    qsort(res, (size_t)n, sizeof *res, cmp_tres);
    msgpack_packer *pk = q->pk;
    msgpack_pack_map(pk, 3);
    proto_pack_cstr(pk, "node");
    pack_unit_ref(pk, root);
    proto_pack_cstr(pk, "period");
    proto_pack_cstr(pk, q->pcode);
    proto_pack_cstr(pk, "targets");
    msgpack_pack_array(pk, (size_t)n);
    for (int i = 0; i < n; i++) {
        const target_t *tg = &c->targets[res[i].tg];
        msgpack_pack_map(pk, 10);
        proto_pack_cstr(pk, "unit");
        proto_pack_cstr(pk, c->units[tg->unit].code);
        proto_pack_cstr(pk, "name");
        proto_pack_cstr(pk, c->units[tg->unit].name);
        proto_pack_cstr(pk, "indicator");
        proto_pack_cstr(pk, c->inds[tg->ind].code);
        proto_pack_cstr(pk, "name_vi");
        proto_pack_cstr(pk, c->inds[tg->ind].name_vi);
        proto_pack_cstr(pk, "period_type");
        proto_pack_cstr(pk, period_type_name(tg->ptype));
        proto_pack_cstr(pk, "min");
        pack_opt_double(pk, tg->has_min, tg->min);
        proto_pack_cstr(pk, "max");
        pack_opt_double(pk, tg->has_max, tg->max);
        proto_pack_cstr(pk, "actual");
        pack_opt_double(pk, res[i].has_actual, res[i].actual);
        proto_pack_cstr(pk, "expected_by_now");
        pack_opt_double(pk, res[i].has_exp, res[i].exp);
        proto_pack_cstr(pk, "status");
        proto_pack_cstr(pk, res[i].status);
    }
    free(res);
    return 0;
}

/* ---- info --------------------------------------------------------------- */

int rollup_pack_info(rollup_t *r, msgpack_packer *pk, int extra, uint64_t *applied, proto_error_t *err)
{
    ru_view_t *v = ru_acquire(r, NULL);
    if (!v)
        return proto_fail(err, PROTO_E_BUSY, "the rollups are not available (out of memory)");
    MDB_txn *txn;
    int rc = mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn);
    if (rc == 0) {
        rc = ru_meta_get_applied(txn, r, applied);
        mdb_txn_abort(txn);
    }
    if (rc) {
        ru_release(r, v);
        return storage_fail(err, rc);
    }
    const catalog_t *c = v->cat;
    msgpack_pack_map(pk, (size_t)(ROLLUP_INFO_PAIRS + extra));
    proto_pack_cstr(pk, "applied");
    msgpack_pack_uint64(pk, *applied);
    proto_pack_cstr(pk, "units");
    msgpack_pack_int(pk, c->nunits);
    proto_pack_cstr(pk, "datasets");
    msgpack_pack_array(pk, (size_t)c->ndatasets);
    for (int d = 0; d < c->ndatasets; d++)
        proto_pack_cstr(pk, c->datasets[d].code);
    ru_release(r, v);
    return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

/* "info" is not here: the aggregator answers it (rollup_pack_info()). */
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
        return proto_fail(err, PROTO_E_QUERY, "info is packed by rollup_pack_info(), not rollup_query()");
    if (what < 0)
        return proto_fail(err, PROTO_E_QUERY, "unknown query '%s' (expected rollup, status, values, history, targets, "
                          "units or info)", q->what);
    bool stale = false;
    ru_view_t *v = r ? ru_acquire(r, &stale) : NULL;
    if (!v)
        return proto_fail(err, PROTO_E_BUSY, "the rollups are not available (out of memory)");
    qctx_t x = {.r = r, .v = v, .c = v->cat, .now = now, .node = -1, .ds = -1};
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
        return storage_fail(err, rc);
    }
    msgpack_sbuffer sb;
    msgpack_packer lp;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&lp, &sb, msgpack_sbuffer_write);
    x.pk = &lp;
    switch (what) {
    case W_ROLLUP: rc = q_rollup(&x, err); break;
    case W_STATUS: rc = q_status(&x, err); break;
    case W_UNITS: rc = q_units(&x, err); break;
    case W_VALUES: rc = q_values(&x, err); break;
    case W_HISTORY: rc = q_history(&x, q->limit ? q->limit : HISTORY_DEFAULT, err); break;
    default: rc = q_targets(&x, err); break;
    }
    mdb_txn_abort(x.txn);
    free(x.subs);
    ru_release(r, v);
    if (rc == 0 && sb.size && pk->callback(pk->data, sb.data, sb.size) != 0)
        rc = proto_fail(err, PROTO_E_BUSY, "out of memory");
    msgpack_sbuffer_destroy(&sb);
    return rc;
}
