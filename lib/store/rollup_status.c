/*
 * rollup_status.c -- the completeness answers: status (a node's counters
 * over a period) and units (every unit of a subtree that must report, with
 * its status, approval, extension and silence), and the marks both read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold.h"
#include "rollup_query_int.h"

/* ---- marks (extensions, silences) -------------------------------------- */

const char *const ruq_approval_names[3] = {"awaiting", "approved", "returned"};

const char *ruq_approval_name(uint32_t a)
{
    return a <= RU_RETURNED ? ruq_approval_names[a] : ruq_approval_names[RU_AWAITING];
}

/* The marks of (dataset, P) of units in the catalog, into *out (caller
 * frees; *n of them).  One range scan: the mark keys begin with
 * dataset \0 P.  0, an LMDB error, or STORE_E_NOMEM. */
int ruq_marks_load(const qctx_t *q, period_t P, qmark_t **out, int *n)
{
    const dataset_t *d = &q->c->datasets[q->ds];
    char key[RU_KEY_MAX];
    size_t plen = ru_mark_key(key, d->code, strlen(d->code), period_key(P), "", 0);
    MDB_cursor *cur;
    int cap = 0, rc = mdb_cursor_open(q->txn, q->r->mark, &cur);
    *out = NULL;
    *n = 0;
    if (rc)
        return rc;
    MDB_val k = {plen, key}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= plen || memcmp(k.mv_data, key, plen) != 0)
            break;
        char code[CATALOG_CODE_MAX + 1];
        size_t cl = k.mv_size - plen < CATALOG_CODE_MAX ? k.mv_size - plen : CATALOG_CODE_MAX;
        memcpy(code, (const char *)k.mv_data + plen, cl);
        code[cl] = '\0';
        int u = catalog_unit(q->c, code);
        if (u < 0 || v.mv_size < RU_MARK_HDR)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            qmark_t *m = realloc(*out, (size_t)cap * sizeof *m);
            if (!m) {
                rc = STORE_E_NOMEM;
                break;
            }
            *out = m;
        }
        qmark_t *m = &(*out)[(*n)++];
        m->unit = u;
        const char *p = v.mv_data;
        memcpy(&m->m.flags, p, 4);
        memcpy(&m->m.due, p + 4, 4);
        m->m.reason = p + RU_MARK_HDR;
        m->m.rlen = v.mv_size - RU_MARK_HDR;
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
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

/* Extensions and silences among the obligations of the subtree of q->node
 * for sub-period sub: counts them, and moves an extended obligation not
 * received yet between missing and pending by its own deadline. */
static int status_marks(qctx_t *q, period_t sub, int64_t *extended, int64_t *silenced, int64_t *missing,
                        int64_t *pending)
{
    const catalog_t *c = q->c;
    const unit_t *root = &c->units[q->node];
    int64_t deadline = catalog_deadline(c, q->ds, sub);
    qmark_t *ms;
    int n, rc = ruq_marks_load(q, sub, &ms, &n);
    for (int i = 0; i < n && rc == 0; i++) {
        int u = ms[i].unit;
        int pos = c->units[u].subtree_first;
        if (pos < root->subtree_first || pos >= root->subtree_end || !catalog_must_report(c, q->ds, u) ||
            !catalog_open_in(c, u, sub))
            continue;
        *silenced += (ms[i].m.flags & RU_MARK_SILENCED) != 0;
        if (!(ms[i].m.flags & RU_MARK_EXTENDED))
            continue;
        (*extended)++;
        char key[RU_KEY_MAX];
        if (ru_leaf_get(q->txn, q->r, key, ruq_node_key(q, key, u, sub), q->v->lay[q->ds].nvals, NULL, NULL, &rc) != 0)
            continue; /* received (or unreadable: counted as received by the counters) */
        bool was = q->now >= deadline, is = q->now >= ru_due_deadline(ms[i].m.due);
        if (was && !is && *missing > 0)
            (*missing)--, (*pending)++;
        else if (!was && is && *pending > 0)
            (*pending)--, (*missing)++;
    }
    free(ms);
    return rc;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int ruq_status(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    const ru_layout_t *lay = &q->v->lay[q->ds];
    int nv = lay->nvals, ns = nv + RU_COMPLETENESS, rc = 0;
    period_t subs[RU_SUBS_MAX];
    int n = period_children(q->p, d->ptype, subs, RU_SUBS_MAX);
    int64_t expected = 0, received = 0, on_time = 0, late = 0, missing = 0, pending = 0;
    int64_t approved = 0, returned = 0, extended = 0, silenced = 0;
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
        ruq_node_slots(q, q->node, subs[k], true, s, &rc);
        /* counters are never trusted beyond the obligations (a catalog
         * edited without a rebuild): never above 100% */
        int64_t rec = clamp(s[nv + RU_C_RECEIVED], 0, e), ot = clamp(s[nv + RU_C_ON_TIME], 0, rec);
        int64_t ap = clamp(s[nv + RU_C_APPROVED], 0, rec), rt = clamp(s[nv + RU_C_RETURNED], 0, rec - ap);
        expected += e;
        received += rec;
        on_time += ot;
        late += rec - ot;
        approved += ap;
        returned += rt;
        int64_t miss = 0, pend = 0;
        if (q->now >= catalog_deadline(c, q->ds, subs[k]))
            miss = e - rec;
        else
            pend = e - rec;
        if (rc == 0)
            rc = status_marks(q, subs[k], &extended, &silenced, &miss, &pend);
        missing += miss;
        pending += pend;
    }
    free(s);
    if (rc == STORE_E_NOMEM)
        return proto_fail(err, PROTO_E_BUSY, "out of memory");
    if (rc)
        return ruq_storage_fail(err, rc);
    ans_status_t a = {
        .node = ruq_unit_ref(&c->units[q->node]), .dataset = d->code, .period = q->pcode,
        .deadline = n > 0 ? catalog_deadline(c, q->ds, subs[n - 1]) : 0, .expected = expected,
        .received = received, .on_time = on_time, .late = late, .missing = missing, .pending = pending,
        .share_on_time = expected > 0 ? (double)on_time / (double)expected : 0.0,
        .approved = approved, .awaiting = received - approved - returned, .returned = returned,
        .extended = extended, .silenced = silenced,
    };
    return ans_status_pack(q->pk, &a);
}

/* ---- units -------------------------------------------------------------- */

enum { ST_ON_TIME, ST_LATE, ST_MISSING, ST_PENDING };
static const char *const status_names[] = {"on_time", "late", "missing", "pending"};

/* Adds a unit of status st (approval: RU_*, -1 when not received) to its
 * kind's counters (kinds in first-seen order). */
static void count_kind(ans_counts_entry_t *kinds, uint32_t *nk, uint32_t max, const char *kind, int st, int approval)
{
    uint32_t k = 0;
    while (k < *nk && strcmp(kinds[k].key, kind) != 0)
        k++;
    if (k == *nk) {
        if (k == max)
            return;
        memset(&kinds[k], 0, sizeof kinds[k]);
        kinds[(*nk)++].key = kind;
    }
    ans_counts_t *n = &kinds[k].v;
    n->expected++;
    n->received += st == ST_ON_TIME || st == ST_LATE;
    n->on_time += st == ST_ON_TIME;
    n->late += st == ST_LATE;
    n->missing += st == ST_MISSING;
    n->pending += st == ST_PENDING;
    n->approved += approval == RU_APPROVED;
    n->awaiting += approval == RU_AWAITING;
    n->returned += approval == RU_RETURNED;
}

/* The units answer's filters (QUERY status, kind, search); approval is -1
 * when nothing was received; needle is the search folded (fold.h), "" for
 * none: a unit matches when its folded code or name contains it. */
static bool unit_matches(const proto_query_t *f, const char *needle, const unit_t *u, int st, int approval)
{
    if (f->status[0] && strcmp(f->status, status_names[st]) &&
        !(!strcmp(f->status, "received") && (st == ST_ON_TIME || st == ST_LATE)) &&
        !(approval >= 0 && !strcmp(f->status, ruq_approval_name((uint32_t)approval))))
        return false;
    if (f->kind[0] && strcmp(f->kind, u->kind))
        return false;
    return !needle[0] || fold_contains(u->code, needle) || fold_contains(u->name, needle);
}

int ruq_units(qctx_t *q, proto_error_t *err)
{
    const catalog_t *c = q->c;
    const dataset_t *d = &c->datasets[q->ds];
    const unit_t *root = &c->units[q->node];
    int nv = q->v->lay[q->ds].nvals;
    int64_t deadline = catalog_deadline(c, q->ds, q->p);
    enum { KINDS_MAX = 64 };
    ans_counts_entry_t kinds[KINDS_MAX];
    uint32_t nk = 0, count = 0;
    int64_t matched = 0;
    const proto_query_t *f = q->query;
    char needle[sizeof f->search]; /* folded once; each name is folded on the stack */
    fold_text(f->search, needle, sizeof needle);
    uint64_t from = f->offset, page = f->limit ? f->limit : UINT64_MAX;
    char key[RU_KEY_MAX];
    int rc = 0;
    size_t span = (size_t)(root->subtree_end - root->subtree_first);
    if (page < span)
        span = (size_t)page;
    ans_unit_status_t *units = malloc((span + 1) * sizeof *units);
    char *subs = malloc((span + 1) * (CATALOG_CODE_MAX + 1)); /* the submitters' codes, terminated */
    int *mark_of = malloc(((size_t)c->nunits + 1) * sizeof *mark_of); /* unit -> index in ms, -1 */
    qmark_t *ms = NULL;
    int nm = 0;
    char *reasons = NULL; /* the marks' reasons, each terminated */
    if (units && subs && mark_of && (rc = ruq_marks_load(q, q->p, &ms, &nm)) == 0) {
        size_t total = 1;
        for (int i = 0; i < nm; i++)
            total += ms[i].m.rlen + 1;
        if ((reasons = malloc(total)) != NULL)
            for (int i = 0, off = 0; i < nm; i++) {
                memcpy(reasons + off, ms[i].m.reason, ms[i].m.rlen);
                reasons[off + (int)ms[i].m.rlen] = '\0';
                ms[i].m.reason = reasons + off;
                off += (int)ms[i].m.rlen + 1;
            }
    }
    if (!units || !subs || !reasons || !mark_of || rc) {
        free(units);
        free(subs);
        free(reasons);
        free(mark_of);
        free(ms);
        return rc && rc != STORE_E_NOMEM ? ruq_storage_fail(err, rc) : proto_fail(err, PROTO_E_BUSY, "out of memory");
    }
    for (int u = 0; u < c->nunits; u++)
        mark_of[u] = -1;
    for (int i = 0; i < nm; i++)
        mark_of[ms[i].unit] = i;
    for (int i = root->subtree_first; i < root->subtree_end && i < c->nunits && rc == 0; i++) {
        int u = c->preorder[i];
        const unit_t *un = &c->units[u];
        if (!(catalog_must_report(c, q->ds, u) && catalog_open_in(c, u, q->p)))
            continue;
        ru_leafmeta_t li;
        bool found = ru_leaf_get(q->txn, q->r, key, ruq_node_key(q, key, u, q->p), nv, &li, NULL, &rc) == 1;
        const ru_mark_t *m = mark_of[u] >= 0 ? &ms[mark_of[u]].m : NULL;
        bool ext = m && (m->flags & RU_MARK_EXTENDED);
        /* not received: pending until the unit's own deadline */
        bool passed = q->now >= (ext ? ru_due_deadline(m->due) : deadline);
        int st = found ? (li.on_time ? ST_ON_TIME : ST_LATE) : passed ? ST_MISSING : ST_PENDING;
        int approval = found ? (li.approval <= RU_RETURNED ? (int)li.approval : RU_AWAITING) : -1;
        count_kind(kinds, &nk, KINDS_MAX, un->kind, st, approval);
        if (!unit_matches(f, needle, un, st, approval) || (uint64_t)matched++ < from || count >= page)
            continue;
        ans_unit_status_t *a = &units[count];
        *a = (ans_unit_status_t){.code = un->code, .name = un->name, .kind = un->kind, .depth = un->depth,
                                 .status = status_names[st]};
        if (un->parent >= 0) {
            a->parent = c->units[un->parent].code;
            a->has_parent = true;
        }
        if (found) {
            a->received_at = li.first_received_at;
            a->version = li.version;
            a->has_received_at = a->has_version = true;
        }
        if (found && li.sublen) {
            char *sub = subs + (size_t)count * (CATALOG_CODE_MAX + 1);
            size_t n = li.sublen < CATALOG_CODE_MAX ? li.sublen : CATALOG_CODE_MAX;
            memcpy(sub, li.submitter, n);
            sub[n] = '\0';
            a->submitter = sub;
            a->has_submitter = true;
        }
        if (found) {
            a->approval = ruq_approval_names[approval];
            a->has_approval = true;
        }
        if (ext) {
            a->due = ru_due_deadline(m->due);
            a->due_reason = m->reason; /* terminated copy (reasons) */
            a->has_due = a->has_due_reason = true;
        }
        if (m && (m->flags & RU_MARK_SILENCED))
            a->silenced = a->has_silenced = true;
        count++;
    }
    if (rc == 0) {
        ans_units_t a = {ruq_unit_ref(root), d->code, q->pcode, deadline, units, count, matched, (int64_t)from, kinds, nk};
        ans_units_pack(q->pk, &a);
    }
    free(units);
    free(subs);
    free(reasons);
    free(mark_of);
    free(ms);
    return rc ? ruq_storage_fail(err, rc) : 0;
}

