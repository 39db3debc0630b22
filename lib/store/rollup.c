/*
 * rollup.c -- the rollup store: opening, layouts, signature, reset, and the
 * helpers shared by rollup_apply.c and rollup_query.c.
 */
#include "fnv.h"
#include "rollup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rollup_int.h"
#include "store.h"

/* ---- signature ---------------------------------------------------------- */

typedef struct {
    uint64_t h;
} fnv_t;

static void fnv_bytes(fnv_t *f, const void *p, size_t n)
{
    f->h = fnv1a(f->h, p, n);
}

static void fnv_str(fnv_t *f, const char *s)
{
    fnv_bytes(f, s ? s : "", s ? strlen(s) + 1 : 1); /* the NUL separates fields */
}

static void fnv_int(fnv_t *f, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    fnv_bytes(f, b, sizeof b);
}

/* What the stored rollups depend on: the slot layout of every dataset, the
 * unit tree, and what decides the completeness counters (who must report,
 * when units are open, the due rule). */
static uint64_t signature(const catalog_t *c, const ru_layout_t *lay)
{
    fnv_t f = {FNV1A_INIT};
    fnv_str(&f, "cchc-rollup-1");
    fnv_str(&f, "node-v2"); /* node records only for units with children */
    fnv_str(&f, "leaf-v3"); /* unit values in the leaf records, only for the datasets' own period type */
    fnv_str(&f, "decisions-v2"); /* approval in the leaf header, approved layer, marks, 5 counters */
    fnv_int(&f, c->ndatasets);
    for (int d = 0; d < c->ndatasets; d++) {
        const dataset_t *ds = &c->datasets[d];
        fnv_str(&f, ds->code);
        fnv_int(&f, ds->ptype);
        fnv_int(&f, ds->due_day);
        fnv_int(&f, ds->roll_forward);
        fnv_int(&f, ds->on_time_by);
        fnv_int(&f, ds->ninds);
        for (int i = 0; i < ds->ninds; i++) {
            const indicator_t *ind = &c->inds[ds->inds[i]];
            fnv_str(&f, ind->code);
            fnv_int(&f, ind->kind);
            fnv_int(&f, ind->across_time);
            fnv_int(&f, lay[d].off[i]);
            fnv_int(&f, ind->ntags);
            for (int t = 0; t < ind->ntags; t++)
                fnv_str(&f, ind->tags[t]);
        }
        fnv_int(&f, ds->nkinds);
        for (int k = 0; k < ds->nkinds; k++)
            fnv_str(&f, ds->kinds[k]);
        fnv_int(&f, ds->nunits);
        for (int k = 0; k < ds->nunits; k++)
            fnv_str(&f, ds->units[k] >= 0 && ds->units[k] < c->nunits ? c->units[ds->units[k]].code : "");
    }
    fnv_int(&f, c->nunits);
    for (int u = 0; u < c->nunits; u++) {
        const unit_t *un = &c->units[u];
        fnv_str(&f, un->code);
        fnv_str(&f, un->parent >= 0 && un->parent < c->nunits ? c->units[un->parent].code : "");
        fnv_str(&f, un->kind);
        fnv_int(&f, un->opened);
        fnv_int(&f, un->closed);
    }
    return f.h;
}

/* ---- layouts ---------------------------------------------------------- */

static int slot_width(const indicator_t *ind)
{
    switch (ind->kind) {
    case IND_COUNT:
    case IND_STOCK:
    case IND_BOOL:
        return 2;
    case IND_TAGS:
        return 1 + ind->ntags;
    default:
        return 0;
    }
}

static void view_free(ru_view_t *v)
{
    if (!v)
        return;
    for (int i = 0; i < RU_EXP_CACHE; i++)
        free(v->exp[i].cnt);
    free(v->lay);
    free(v->lay_mem);
    free(v->ulen);
    free(v);
}

/* Builds the layouts of `cat`.  NULL when out of memory. */
static ru_view_t *view_new(const catalog_t *cat)
{
    ru_view_t *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    for (int i = 0; i < RU_EXP_CACHE; i++)
        v->exp[i].ds = -1;
    int nd = cat->ndatasets, ni = cat->ninds;
    size_t total = 0;
    for (int d = 0; d < nd; d++)
        total += (size_t)cat->datasets[d].ninds + 3 * (size_t)ni;
    v->lay = calloc((size_t)nd + 1, sizeof *v->lay);
    v->lay_mem = malloc((total + 1) * sizeof *v->lay_mem);
    v->ulen = malloc(((size_t)cat->nunits + 1) * sizeof *v->ulen);
    if (!v->lay || !v->lay_mem || !v->ulen) {
        view_free(v);
        return NULL;
    }
    int *p = v->lay_mem;
    int maxslots = RU_COMPLETENESS;
    for (int d = 0; d < nd; d++) {
        const dataset_t *ds = &cat->datasets[d];
        ru_layout_t *l = &v->lay[d];
        l->off = p, p += ds->ninds;
        l->slot = p, p += ni;
        l->dpos = p, p += ni;
        for (int i = 0; i < ni; i++)
            l->slot[i] = l->dpos[i] = -1;
        int n = 0;
        for (int i = 0; i < ds->ninds; i++) {
            int k = ds->inds[i];
            if (k < 0 || k >= ni) {
                l->off[i] = -1;
                continue;
            }
            int w = slot_width(&cat->inds[k]);
            l->dpos[k] = i;
            l->off[i] = w ? n : -1;
            if (w)
                l->slot[k] = n;
            n += w;
        }
        l->nvals = n;
        if (n + RU_COMPLETENESS > maxslots)
            maxslots = n + RU_COMPLETENESS;
    }
    for (int u = 0; u < cat->nunits; u++)
        v->ulen[u] = strlen(cat->units[u].code);
    v->maxslots = maxslots;
    v->cat = cat;
    v->sig = signature(cat, v->lay);
    return v;
}

ru_view_t *ru_acquire(rollup_t *r, bool *stale)
{
    pthread_mutex_lock(&r->mu);
    ru_view_t *v = r->view;
    if (!v && r->want && (v = view_new(r->want)) != NULL)
        r->view = v; /* a retry after an allocation failure */
    if (v)
        v->refs++;
    if (stale)
        *stale = r->stale;
    pthread_mutex_unlock(&r->mu);
    return v;
}

void ru_release(rollup_t *r, ru_view_t *v)
{
    if (!v)
        return;
    pthread_mutex_lock(&r->mu);
    bool gone = --v->refs == 0 && v->retired;
    pthread_mutex_unlock(&r->mu);
    if (gone)
        view_free(v);
}

/* Replaces the current view (under r->mu). */
static void swap_view_locked(rollup_t *r, ru_view_t *nv)
{
    ru_view_t *old = r->view;
    r->view = nv;
    if (old) {
        old->retired = true;
        if (old->refs == 0)
            view_free(old);
    }
}

static void free_scratch(rollup_t *r)
{
    free(r->acc_key);
    free(r->acc_slot);
    free(r->acc_val);
    free(r->a_leaf);
    r->acc_key = NULL;
    r->acc_slot = NULL;
    r->acc_val = NULL;
    r->acc_n = r->acc_cap = 0;
    r->a_leaf = r->a_new = r->a_old = r->a_old0 = r->a_diff = r->a_node = r->a_prev = r->a_subs = NULL;
    r->a_cap = 0;
}

int ru_scratch(rollup_t *r, int slots)
{
    if (slots <= r->a_cap)
        return 0;
    free_scratch(r); /* the accumulator's stride changes too; it is empty between batches */
    size_t m = (size_t)slots;
    /* leaf, new, old, old leaf-period value, diff, node, prev (an earlier
     * approved version's), and RU_SUBS_MAX sub-period values */
    r->a_leaf = calloc(m * (7 + RU_SUBS_MAX), sizeof(int64_t));
    if (!r->a_leaf)
        return STORE_E_NOMEM;
    r->a_new = r->a_leaf + m;
    r->a_old = r->a_new + m;
    r->a_old0 = r->a_old + m;
    r->a_diff = r->a_old0 + m;
    r->a_node = r->a_diff + m;
    r->a_prev = r->a_node + m;
    r->a_subs = r->a_prev + m;
    r->a_cap = slots;
    return 0;
}

/* ---- shared helpers --------------------------------------------------- */

size_t ru_key(char *buf, const char *unit, size_t ulen, const char *ds, size_t dlen, uint32_t pkey)
{
    if (ulen > CATALOG_CODE_MAX)
        ulen = CATALOG_CODE_MAX;
    if (dlen > CATALOG_CODE_MAX)
        dlen = CATALOG_CODE_MAX;
    char *p = buf;
    memcpy(p, unit, ulen), p += ulen;
    *p++ = '\0';
    memcpy(p, ds, dlen), p += dlen;
    *p++ = '\0';
    *p++ = (char)(pkey >> 24);
    *p++ = (char)(pkey >> 16);
    *p++ = (char)(pkey >> 8);
    *p++ = (char)pkey;
    return (size_t)(p - buf);
}

size_t ru_hist_key(char *buf, size_t klen, uint32_t version)
{
    buf[klen] = '\0';
    buf[klen + 1] = (char)(version >> 24);
    buf[klen + 2] = (char)(version >> 16);
    buf[klen + 3] = (char)(version >> 8);
    buf[klen + 4] = (char)version;
    return klen + 5;
}

size_t ru_decision_key(char *buf, size_t klen, uint64_t seq)
{
    buf[klen] = '\0';
    for (int i = 0; i < 8; i++)
        buf[klen + 1 + i] = (char)(seq >> (56 - 8 * i));
    return klen + 9;
}

bool ru_get_slots(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t klen, int64_t *out, int n, int *rc)
{
    MDB_val k = {klen, (void *)key}, v;
    int e = mdb_get(txn, dbi, &k, &v);
    if (e == 0 && v.mv_size == (size_t)n * sizeof(int64_t)) {
        memcpy(out, v.mv_data, v.mv_size);
        return true;
    }
    if (e != 0 && e != MDB_NOTFOUND && rc)
        *rc = e;
    memset(out, 0, (size_t)n * sizeof(int64_t));
    return false;
}

void ru_combine(const catalog_t *cat, int ds, const ru_layout_t *lay, const int64_t *subs, const bool *present,
                int n, int64_t *out)
{
    const dataset_t *d = &cat->datasets[ds];
    int nv = lay->nvals;
    memset(out, 0, (size_t)nv * sizeof *out);
    for (int k = 0; k < n; k++) {
        if (!present[k])
            continue;
        const int64_t *c = subs + (size_t)k * (size_t)nv;
        for (int i = 0; i < d->ninds; i++) {
            int o = lay->off[i];
            if (o < 0)
                continue;
            const indicator_t *ind = &cat->inds[d->inds[i]];
            if (ind->kind == IND_TAGS) {
                if (!c[o])
                    continue;
                out[o] = 1;
                for (int t = 0; t < ind->ntags; t++)
                    if (c[o + 1 + t])
                        out[o + 1 + t] = 1;
                continue;
            }
            if (!c[o + 1])
                continue;
            out[o + 1] = 1;
            switch (ind->across_time) {
            case AGG_TIME_SUM:
                out[o] = (int64_t)((uint64_t)out[o] + (uint64_t)c[o]); /* wraps instead of UB on absurd data */
                break;
            case AGG_TIME_ANY:
                out[o] = out[o] || c[o];
                break;
            default: /* AGG_TIME_LAST: chronological order, the latest wins */
                out[o] = ind->kind == IND_BOOL ? c[o] != 0 : c[o];
                break;
            }
        }
    }
}

bool ru_unit_value(MDB_txn *txn, const rollup_t *r, const ru_view_t *v, int unit, int ds, const period_t *subs, int n,
                   bool approved, int64_t *buf, bool *present, int64_t *out, int *rc)
{
    const ru_layout_t *lay = &v->lay[ds];
    const dataset_t *d = &v->cat->datasets[ds];
    char key[RU_KEY_MAX];
    bool any = false;
    for (int k = 0; k < n; k++) {
        size_t kl = ru_key(key, v->cat->units[unit].code, v->ulen[unit], d->code, strlen(d->code), period_key(subs[k]));
        int64_t *slots = buf + (size_t)k * (size_t)lay->nvals;
        present[k] = approved ? ru_get_slots(txn, r->aleaf, key, kl, slots, lay->nvals, rc)
                              : ru_leaf_get(txn, r, key, kl, lay->nvals, NULL, slots, rc) == 1;
        any |= present[k];
    }
    ru_combine(v->cat, ds, lay, buf, present, n, out);
    return any;
}

int ru_leaf_get(MDB_txn *txn, const rollup_t *r, const char *key, size_t klen, int nvals, ru_leafmeta_t *meta,
                int64_t *slots, int *rc)
{
    MDB_val k = {klen, (void *)key}, v;
    size_t body = (size_t)nvals * sizeof(int64_t);
    int e = mdb_get(txn, r->leaf, &k, &v);
    int found = e == 0 ? 1 : 0;
    if (e != 0 && e != MDB_NOTFOUND && rc)
        *rc = e;
    if (found && (v.mv_size < RU_LEAF_HDR + body || v.mv_size - RU_LEAF_HDR - body > CATALOG_CODE_MAX))
        found = -1;
    if (found == 1) {
        const unsigned char *p = v.mv_data;
        if (meta) {
            uint32_t on_time;
            memcpy(&meta->version, p, 4);
            memcpy(&on_time, p + 4, 4);
            memcpy(&meta->first_received_at, p + 8, 8);
            memcpy(&meta->approval, p + 16, 4);
            memcpy(&meta->approved_version, p + 20, 4);
            memcpy(&meta->first_approved_at, p + 24, 8);
            memcpy(&meta->decision_seq, p + 32, 8);
            uint32_t ever;
            memcpy(&meta->prev_approved_version, p + 40, 4);
            memcpy(&ever, p + 44, 4);
            meta->ever_approved = ever != 0;
            meta->on_time = on_time != 0;
            meta->submitter = (const char *)p + RU_LEAF_HDR + body;
            meta->sublen = v.mv_size - RU_LEAF_HDR - body;
        }
        if (slots)
            memcpy(slots, p + RU_LEAF_HDR, body);
    } else if (slots) {
        memset(slots, 0, body);
    }
    return found;
}

int ru_leaf_put(MDB_txn *txn, rollup_t *r, const char *key, size_t klen, const ru_leafmeta_t *meta,
                const int64_t *slots, int nvals)
{
    unsigned char hdr[RU_LEAF_HDR];
    uint32_t on_time = meta->on_time;
    size_t sl = meta->submitter && meta->sublen < CATALOG_CODE_MAX ? meta->sublen
                : meta->submitter ? CATALOG_CODE_MAX : 0;
    memcpy(hdr, &meta->version, 4);
    memcpy(hdr + 4, &on_time, 4);
    memcpy(hdr + 8, &meta->first_received_at, 8);
    memcpy(hdr + 16, &meta->approval, 4);
    memcpy(hdr + 20, &meta->approved_version, 4);
    memcpy(hdr + 24, &meta->first_approved_at, 8);
    memcpy(hdr + 32, &meta->decision_seq, 8);
    uint32_t ever = meta->ever_approved;
    memcpy(hdr + 40, &meta->prev_approved_version, 4);
    memcpy(hdr + 44, &ever, 4);
    r->a_sb.size = 0;
    if (msgpack_sbuffer_write(&r->a_sb, (const char *)hdr, sizeof hdr) ||
        msgpack_sbuffer_write(&r->a_sb, (const char *)slots, (size_t)nvals * sizeof(int64_t)) ||
        (sl && msgpack_sbuffer_write(&r->a_sb, meta->submitter, sl)))
        return STORE_E_NOMEM;
    MDB_val k = {klen, (void *)key}, v = {r->a_sb.size, r->a_sb.data};
    return mdb_put(txn, r->leaf, &k, &v, 0);
}

int64_t ru_due_deadline(int32_t due)
{
    return date_start_time(due) + 86400;
}

size_t ru_mark_key(char *buf, const char *ds, size_t dlen, uint32_t pkey, const char *unit, size_t ulen)
{
    if (ulen > CATALOG_CODE_MAX)
        ulen = CATALOG_CODE_MAX;
    if (dlen > CATALOG_CODE_MAX)
        dlen = CATALOG_CODE_MAX;
    char *p = buf;
    memcpy(p, ds, dlen), p += dlen;
    *p++ = '\0';
    *p++ = (char)(pkey >> 24);
    *p++ = (char)(pkey >> 16);
    *p++ = (char)(pkey >> 8);
    *p++ = (char)pkey;
    memcpy(p, unit, ulen), p += ulen;
    return (size_t)(p - buf);
}

int ru_mark_get(MDB_txn *txn, const rollup_t *r, const char *key, size_t klen, ru_mark_t *m, int *rc)
{
    MDB_val k = {klen, (void *)key}, v;
    int e = mdb_get(txn, r->mark, &k, &v);
    memset(m, 0, sizeof *m);
    if (e != 0 && e != MDB_NOTFOUND && rc)
        *rc = e;
    if (e != 0 || v.mv_size < RU_MARK_HDR)
        return 0;
    const char *p = v.mv_data;
    memcpy(&m->flags, p, 4);
    memcpy(&m->due, p + 4, 4);
    m->reason = p + RU_MARK_HDR;
    m->rlen = v.mv_size - RU_MARK_HDR;
    return 1;
}

int64_t ru_own_deadline(const catalog_t *c, int ds, period_t p, const ru_mark_t *m)
{
    if (m && (m->flags & RU_MARK_EXTENDED))
        return ru_due_deadline(m->due);
    return catalog_deadline(c, ds, p);
}

/* ---- open / close / reset --------------------------------------------- */

static const char META_APPLIED[] = "applied";
static const char META_SIGNATURE[] = "signature";

static int meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *v, bool *found)
{
    MDB_val k = {strlen(name), (void *)name}, d;
    int rc = mdb_get(txn, dbi, &k, &d);
    *found = false;
    *v = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (d.mv_size == 8) {
        *v = store_get_u64(d.mv_data);
        *found = true;
    }
    return 0;
}

static int meta_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t v)
{
    unsigned char b[8];
    store_put_u64(b, v);
    MDB_val k = {strlen(name), (void *)name}, d = {8, b};
    return mdb_put(txn, dbi, &k, &d, 0);
}

int ru_meta_put_applied(MDB_txn *txn, rollup_t *r, uint64_t applied)
{
    return meta_put_u64(txn, r->meta, META_APPLIED, applied);
}

int ru_meta_get_applied(MDB_txn *txn, rollup_t *r, uint64_t *applied)
{
    bool found;
    return meta_get_u64(txn, r->meta, META_APPLIED, applied, &found);
}

int rollup_open(const char *dir, uint64_t map_bytes, const catalog_t *cat, rollup_t **out, bool *needs_rebuild,
                char *err, size_t errlen)
{
    rollup_t *r;
    MDB_txn *txn = NULL;
    int rc;
    *out = NULL;
    if (needs_rebuild)
        *needs_rebuild = false;
    if (cat == NULL) {
        snprintf(err, errlen, "no catalog");
        return EINVAL;
    }
    r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return STORE_E_NOMEM;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_mutex_init(&r->exp_mu, NULL);
    msgpack_sbuffer_init(&r->a_sb);
    r->want = cat;
    if (!(r->view = view_new(cat))) {
        snprintf(err, errlen, "out of memory");
        rc = STORE_E_NOMEM;
        goto fail;
    }
    /* MDB_NOMETASYNC: a crash may undo the last applied batch -- together
     * with the applied seq stored in it, so the batch is fetched and applied
     * again; it saves one fsync per batch. */
    if ((rc = store_open_flags(dir, map_bytes, 16, MDB_NOMETASYNC, &r->env, err, errlen)))
        goto fail;
    if ((rc = mdb_txn_begin(r->env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &r->meta)) ||
        (rc = mdb_dbi_open(txn, "leaf", MDB_CREATE, &r->leaf)) ||
        (rc = mdb_dbi_open(txn, "history", MDB_CREATE, &r->hist)) ||
        (rc = mdb_dbi_open(txn, "node", MDB_CREATE, &r->node)) ||
        (rc = mdb_dbi_open(txn, "aleaf", MDB_CREATE, &r->aleaf)) ||
        (rc = mdb_dbi_open(txn, "anode", MDB_CREATE, &r->anode)) ||
        (rc = mdb_dbi_open(txn, "mark", MDB_CREATE, &r->mark)) ||
        (rc = mdb_dbi_open(txn, "decision", MDB_CREATE, &r->dec))) {
        snprintf(err, errlen, "%s: cannot open the rollup databases: %s", dir, store_strerror(rc));
        goto fail;
    }
    uint64_t stored;
    bool found;
    if ((rc = meta_get_u64(txn, r->meta, META_SIGNATURE, &stored, &found))) {
        snprintf(err, errlen, "%s: cannot read the rollup signature: %s", dir, store_strerror(rc));
        goto fail;
    }
    if (!found) {
        /* a fresh store, or one that predates signatures: start it now */
        MDB_stat st;
        bool empty = mdb_stat(txn, r->leaf, &st) == 0 && st.ms_entries == 0;
        if (empty && (rc = meta_put_u64(txn, r->meta, META_SIGNATURE, r->view->sig))) {
            snprintf(err, errlen, "%s: cannot store the rollup signature: %s", dir, store_strerror(rc));
            goto fail;
        }
        r->stale = !empty;
    } else {
        r->stale = stored != r->view->sig;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc) {
        snprintf(err, errlen, "%s: cannot initialise the rollup store: %s", dir, store_strerror(rc));
        goto fail;
    }
    if (needs_rebuild)
        *needs_rebuild = r->stale;
    *out = r;
    return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (r->env)
        mdb_env_close(r->env);
    view_free(r->view);
    msgpack_sbuffer_destroy(&r->a_sb);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->exp_mu);
    free(r);
    return rc;
}

void rollup_close(rollup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    rollup_t *r = *self_p;
    if (r->env)
        mdb_env_close(r->env);
    view_free(r->view);
    free_scratch(r);
    msgpack_sbuffer_destroy(&r->a_sb);
    pthread_mutex_destroy(&r->mu);
    pthread_mutex_destroy(&r->exp_mu);
    free(r);
    *self_p = NULL;
}

bool rollup_set_catalog(rollup_t *r, const catalog_t *cat)
{
    if (!r || !cat)
        return false;
    ru_view_t *nv = view_new(cat);
    MDB_txn *txn;
    uint64_t stored = 0;
    bool found = false;
    if (mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn) == 0) {
        meta_get_u64(txn, r->meta, META_SIGNATURE, &stored, &found);
        mdb_txn_abort(txn);
    }
    pthread_mutex_lock(&r->mu);
    swap_view_locked(r, nv);
    r->want = cat;
    /* without a view nothing can be applied: report a change, so that the
     * caller resets (which retries the allocation) */
    r->stale = !nv || !found || stored != nv->sig;
    bool stale = r->stale;
    pthread_mutex_unlock(&r->mu);
    return stale;
}

int rollup_reset(rollup_t *r, char *err, size_t errlen)
{
    MDB_txn *txn;
    int rc;
    ru_view_t *v = ru_acquire(r, NULL);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return STORE_E_NOMEM;
    }
    uint64_t sig = v->sig;
    if ((rc = mdb_txn_begin(r->env, NULL, 0, &txn)))
        goto fail;
    MDB_dbi all[] = {r->meta, r->leaf, r->hist, r->node, r->aleaf, r->anode, r->mark, r->dec}, old;
    for (size_t i = 0; i < sizeof all / sizeof all[0] && rc == 0; i++)
        rc = mdb_drop(txn, all[i], 0);
    /* a store of an older layout may hold "uval" (unit values, now in the
     * leaf records): delete it */
    if (rc == 0 && (rc = mdb_dbi_open(txn, "uval", 0, &old)) == 0)
        rc = mdb_drop(txn, old, 1);
    else if (rc == MDB_NOTFOUND)
        rc = 0;
    if (rc == 0)
        rc = meta_put_u64(txn, r->meta, META_SIGNATURE, sig);
    if (rc == 0)
        rc = meta_put_u64(txn, r->meta, META_APPLIED, 0);
    if (rc) {
        mdb_txn_abort(txn);
        goto fail;
    }
    if ((rc = mdb_txn_commit(txn)))
        goto fail;
    pthread_mutex_lock(&r->mu);
    r->stale = r->view ? r->view->sig != sig : true; /* a swap meanwhile: still stale */
    pthread_mutex_unlock(&r->mu);
    ru_release(r, v);
    return 0;
fail:
    ru_release(r, v);
    snprintf(err, errlen, "cannot reset the rollup store: %s", store_strerror(rc));
    return rc;
}

bool rollup_stale(rollup_t *r)
{
    pthread_mutex_lock(&r->mu);
    bool stale = r->stale;
    pthread_mutex_unlock(&r->mu);
    return stale;
}

uint64_t rollup_applied(rollup_t *r)
{
    MDB_txn *txn;
    uint64_t v = 0;
    if (!r || mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn))
        return 0;
    ru_meta_get_applied(txn, r, &v);
    mdb_txn_abort(txn);
    return v;
}
