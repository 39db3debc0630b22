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

#include "answer.h"
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
    bool approved; /* rollup, targets: the approved layer (QUERY.approved) */
    const proto_query_t *query; /* the QUERY itself (units: its filters and page) */
} qctx_t;

/* ---- answer helpers --------------------------------------------------- */

static ans_unit_ref_t unit_ref(const unit_t *u)
{
    return (ans_unit_ref_t){.code = u->code, .name = u->name, .kind = u->kind};
}

static int storage_fail(proto_error_t *err, int rc)
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

static size_t node_key(const qctx_t *q, char *key, int unit, period_t p)
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
static void node_slots(const qctx_t *q, int unit, period_t P, bool completeness, int64_t *s, int *rc)
{
    const ru_layout_t *lay = &q->v->lay[q->ds];
    int nv = lay->nvals, ns = nv + RU_COMPLETENESS;
    char key[RU_KEY_MAX];
    if (q->c->units[unit].nchildren > 0) {
        if (q->approved) {
            ru_get_slots(q->txn, q->r->anode, key, node_key(q, key, unit, P), s, nv, rc);
            memset(s + nv, 0, RU_COMPLETENESS * sizeof *s);
        } else {
            ru_get_slots(q->txn, q->r->node, key, node_key(q, key, unit, P), s, ns, rc);
        }
        return;
    }
    period_t subs[RU_SUBS_MAX];
    int n = period_children(P, q->c->datasets[q->ds].ptype, subs, RU_SUBS_MAX);
    if (n > RU_SUBS_MAX)
        n = RU_SUBS_MAX;
    if (n <= 1 && q->approved) {
        ru_get_slots(q->txn, q->r->aleaf, key, node_key(q, key, unit, P), s, nv, rc);
    } else if (n <= 1) {
        ru_leaf_get(q->txn, q->r, key, node_key(q, key, unit, P), nv, NULL, s, rc);
    } else {
        bool present[RU_SUBS_MAX];
        ru_unit_value(q->txn, q->r, q->v, unit, q->ds, subs, n, q->approved, q->subs, present, s, rc);
    }
    memset(s + nv, 0, RU_COMPLETENESS * sizeof *s);
    for (int k = 0; completeness && !q->approved && k < n && *rc == 0; k++) {
        if (!catalog_must_report(q->c, q->ds, unit) || !catalog_open_in(q->c, unit, subs[k]))
            continue;
        ru_leafmeta_t lm;
        int got = ru_leaf_get(q->txn, q->r, key, node_key(q, key, unit, subs[k]), nv, &lm, NULL, rc);
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

/* ---- marks (extensions, silences) -------------------------------------- */

typedef struct {
    int unit;
    ru_mark_t m; /* reason points into the map: valid while q->txn is */
} qmark_t;

static const char *const approval_names[] = {"awaiting", "approved", "returned"};

static const char *approval_name(uint32_t a)
{
    return a <= RU_RETURNED ? approval_names[a] : approval_names[RU_AWAITING];
}

/* The marks of (dataset, P) of units in the catalog, into *out (caller
 * frees; *n of them).  One range scan: the mark keys begin with
 * dataset \0 P.  0, an LMDB error, or STORE_E_NOMEM. */
static int marks_load(const qctx_t *q, period_t P, qmark_t **out, int *n)
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
        node_slots(q, q->node, q->p, false, s, &rc);
        for (size_t i = 0; i < ni; i++) {
            inds[i] = indicator_answer(c, lay, d->inds[i], s);
            codes[i] = c->inds[d->inds[i]].code;
        }
        for (size_t k = 0; k < nc && rc == 0; k++) {
            const unit_t *ch = &c->units[u->children[k]];
            node_slots(q, u->children[k], q->p, false, s + ns, &rc);
            for (size_t i = 0; i < ni; i++) {
                ival_t v = ind_value(c, lay, d->inds[i], s + ns);
                vals[k * ni + i] = ival_num(&v);
            }
            children[k] = (ans_child_t){ch->code, ch->name, ch->kind, {(uint32_t)ni, codes, vals + k * ni}};
        }
        if (rc == 0) {
            ans_rollup_t a = {unit_ref(u), d->code, q->pcode, inds, (uint32_t)ni, children, (uint32_t)nc};
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
    int n, rc = marks_load(q, sub, &ms, &n);
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
        if (ru_leaf_get(q->txn, q->r, key, node_key(q, key, u, sub), q->v->lay[q->ds].nvals, NULL, NULL, &rc) != 0)
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

static int q_status(qctx_t *q, proto_error_t *err)
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
        node_slots(q, q->node, subs[k], true, s, &rc);
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
        return storage_fail(err, rc);
    ans_status_t a = {
        .node = unit_ref(&c->units[q->node]), .dataset = d->code, .period = q->pcode,
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

/* True when s contains needle, ASCII letters compared in any case (the
 * rest byte for byte: Vietnamese letters are matched as written). */
static bool contains_nocase(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return n == 0;
}

/* The units answer's filters (QUERY status, kind, search); approval is -1
 * when nothing was received. */
static bool unit_matches(const proto_query_t *f, const unit_t *u, int st, int approval)
{
    if (f->status[0] && strcmp(f->status, status_names[st]) &&
        !(!strcmp(f->status, "received") && (st == ST_ON_TIME || st == ST_LATE)) &&
        !(approval >= 0 && !strcmp(f->status, approval_name((uint32_t)approval))))
        return false;
    if (f->kind[0] && strcmp(f->kind, u->kind))
        return false;
    return !f->search[0] || contains_nocase(u->code, f->search) || contains_nocase(u->name, f->search);
}

static int q_units(qctx_t *q, proto_error_t *err)
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
    if (units && subs && mark_of && (rc = marks_load(q, q->p, &ms, &nm)) == 0) {
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
        return rc && rc != STORE_E_NOMEM ? storage_fail(err, rc) : proto_fail(err, PROTO_E_BUSY, "out of memory");
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
        bool found = ru_leaf_get(q->txn, q->r, key, node_key(q, key, u, q->p), nv, &li, NULL, &rc) == 1;
        const ru_mark_t *m = mark_of[u] >= 0 ? &ms[mark_of[u]].m : NULL;
        bool ext = m && (m->flags & RU_MARK_EXTENDED);
        /* not received: pending until the unit's own deadline */
        bool passed = q->now >= (ext ? ru_due_deadline(m->due) : deadline);
        int st = found ? (li.on_time ? ST_ON_TIME : ST_LATE) : passed ? ST_MISSING : ST_PENDING;
        int approval = found ? (li.approval <= RU_RETURNED ? (int)li.approval : RU_AWAITING) : -1;
        count_kind(kinds, &nk, KINDS_MAX, un->kind, st, approval);
        if (!unit_matches(f, un, st, approval) || (uint64_t)matched++ < from || count >= page)
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
            a->approval = approval_names[approval];
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
        ans_units_t a = {unit_ref(root), d->code, q->pcode, deadline, units, count, matched, (int64_t)from, kinds, nk};
        ans_units_pack(q->pk, &a);
    }
    free(units);
    free(subs);
    free(reasons);
    free(mark_of);
    free(ms);
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

static ans_version_t version_answer(const proto_record_t *rec)
{
    return (ans_version_t){rec->version,    rec->seq,   rec->id,         rec->submitter, rec->received_at,
                           rec->values,     rec->note,  rec->entered_by, rec->entered_by[0] != '\0'};
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
        kl = node_key(q, key, q->node, q->p);
        MDB_val dk = {ru_decision_key(key, kl, lm.decision_seq), key}, dv;
        rc = mdb_get(q->txn, q->r->dec, &dk, &dv);
        has_dec = rc == 0 && decode_record(&dv, &dup, &dec) == 0;
        if (rc && rc != MDB_NOTFOUND) {
            msgpack_unpacked_destroy(&up);
            msgpack_unpacked_destroy(&dup);
            return storage_fail(err, rc);
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
        return storage_fail(err, rc);
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
                      .approval = approval_name(lm.approval),
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
        rc = decisions_read(q, key, node_key(q, key, q->node, q->p), limit, &ds);
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
    return rc != 0 && rc != MDB_NOTFOUND ? storage_fail(err, rc) : 0;
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
        return storage_fail(err, rc);
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
    ans_targets_t a = {unit_ref(root), q->pcode, rows, (uint32_t)n};
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
        return storage_fail(err, rc);
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
        return storage_fail(err, rc);
    }
    x.pk = pk; /* each answer is built whole first: an error packs nothing */
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
    return rc;
}
