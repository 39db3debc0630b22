#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal_int.h"
#include "store.h"

/* The in-memory indexes (ids used, each report's latest version) are
 * journal_int.h's hash tables, derived from the journal: see there. */

struct journal {
    MDB_env *env;
    MDB_dbi journal;
    index_t ids;      /* submitter \0 submission id -> seq */
    index_t reports;  /* unit \0 dataset \0 period -> latest version */
};

static int report_key(char *buf, size_t n, const char *unit, const char *dataset, const char *period)
{
    return snprintf(buf, n, "%s%c%s%c%s", unit, 0, dataset, 0, period);
}

#define ID_KEY_MAX (2 * 65 + 4)

static int id_key(char *buf, size_t n, const char *submitter, const char *id)
{
    return snprintf(buf, n, "%s%c%s", submitter, 0, id);
}

/* A decision on report `rep` (NULL: none stored) takes effect in the index:
 * approve or return of its latest version stands until a correction. */
static void note_decision(slot_t *rep, const char *decision, uint64_t version)
{
    if (!rep || version != rep->version)
        return;
    if (!strcmp(decision, "approve"))
        rep->state = REP_APPROVED;
    else if (!strcmp(decision, "return"))
        rep->state = REP_RETURNED;
}

/* Rebuilds both indexes from the journal (one read transaction). */
static int rebuild_indexes(journal_t *j)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    journal__idx_free(&j->ids);
    journal__idx_free(&j->reports);
    int rc = store_read_cursor(j->env, j->journal, &txn, &cur);
    if (rc)
        return rc;
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    MDB_val k, v;
    for (int op = MDB_FIRST; rc == 0 && mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0; op = MDB_NEXT) {
        size_t off = 0;
        proto_record_t rec;
        proto_list_t one = {.n = 1, .objs = &up.data};
        if (proto_prescan(v.mv_data, v.mv_size, PROTO_MAX_DEPTH) ||
            msgpack_unpack_next(&up, v.mv_data, v.mv_size, &off) != MSGPACK_UNPACK_SUCCESS ||
            proto_record_at(&one, 0, &rec, NULL)) {
            rc = MDB_CORRUPTED; /* we wrote every record ourselves */
            break;
        }
        char rk[3 * 65 + 8], ik[ID_KEY_MAX];
        int rl = report_key(rk, sizeof rk, rec.unit, rec.dataset, rec.period);
        int il = id_key(ik, sizeof ik, rec.submitter, rec.id);
        slot_t *id = journal__idx_put(&j->ids, ik, (size_t)il);
        if (!id) {
            rc = ENOMEM;
            break;
        }
        id->seq = rec.seq;
        if (rec.decision[0]) { /* a decision: versions stay, the latest may be decided */
            note_decision(journal__idx_get(&j->reports, rk, (size_t)rl), rec.decision, rec.version);
            continue;
        }
        slot_t *rep = journal__idx_put(&j->reports, rk, (size_t)rl);
        if (!rep) {
            rc = ENOMEM;
            break;
        }
        if (rec.version > rep->version) {
            rep->version = (uint32_t)rec.version;
            rep->seq = rec.seq;
            rep->state = REP_OPEN;
        }
    }
    msgpack_unpacked_destroy(&up);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc;
}

int journal_open(const char *dir, uint64_t map_bytes, journal_t **out, char *err, size_t errlen)
{
    journal_t *j = calloc(1, sizeof *j);
    MDB_txn *txn = NULL;
    int rc;
    *out = NULL;
    if (!j) {
        snprintf(err, errlen, "out of memory");
        return ENOMEM;
    }
    if ((rc = store_open(dir, map_bytes, 4, &j->env, err, errlen)))
        goto fail;
    if ((rc = mdb_txn_begin(j->env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, "journal", MDB_CREATE, &j->journal)) ||
        (rc = mdb_txn_commit(txn))) {
        txn = NULL; /* commit frees it even on failure; begin failure leaves nothing */
        snprintf(err, errlen, "%s: cannot open the journal database: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    if ((rc = rebuild_indexes(j))) {
        snprintf(err, errlen, "%s: cannot read the journal: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    *out = j;
    return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (j->env)
        mdb_env_close(j->env);
    journal__idx_free(&j->ids);
    journal__idx_free(&j->reports);
    free(j);
    return rc;
}

void journal_close(journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdb_env_close((*self_p)->env);
    journal__idx_free(&(*self_p)->ids);
    journal__idx_free(&(*self_p)->reports);
    free(*self_p);
    *self_p = NULL;
}

static uint64_t head_in(MDB_txn *txn, MDB_dbi dbi)
{
    MDB_cursor *cur;
    MDB_val k, v;
    uint64_t head = 0;
    if (mdb_cursor_open(txn, dbi, &cur))
        return 0;
    if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
        head = store_get_u64(k.mv_data);
    mdb_cursor_close(cur);
    return head;
}

uint64_t journal_head(journal_t *j)
{
    MDB_txn *txn;
    if (mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn))
        return 0;
    uint64_t h = head_in(txn, j->journal);
    mdb_txn_abort(txn);
    return h;
}

/* Same values in any order (a client may re-encode its map on retry). */
static bool values_equal(const proto_values_t *a, const proto_values_t *b)
{
    if (a->n != b->n)
        return false;
    proto_value_t va, vb;
    for (uint32_t i = 0; i < a->n; i++) {
        if (proto_values_at(a, i, &va))
            return false;
        bool found = false;
        for (uint32_t k = 0; k < b->n && !found; k++)
            found = proto_values_at(b, k, &vb) == 0 && proto_value_equal(&va, &vb);
        if (!found)
            return false;
    }
    return true;
}

/* What "same content" compares under one (submitter, id) -- the submitter
 * is part of the id's key -- for a stored RECORD, a SUBMIT or a DECIDE:
 * unit, dataset, period, note, the user who entered it; a report's values
 * and its comments beside values, each in any order; a decision's kind, version and due date.  A report and a
 * decision are never the same content. */
typedef struct {
    const char *unit, *dataset, *period, *note, *entered_by;
    const char *decision, *due; /* "" for a report */
    uint64_t version;           /* the version decided; 0 for a report (its version is the journal's) */
    const proto_values_t *values;
    const proto_strmap_t *comments; /* a report's comments beside values, in any order */
} content_t;

static const proto_values_t no_values;
static const proto_strmap_t no_comments;

static content_t record_content(const proto_record_t *r)
{
    return (content_t){r->unit, r->dataset, r->period, r->note, r->entered_by, r->decision, r->due,
                       r->decision[0] ? r->version : 0, &r->values, &r->comments};
}

static content_t item_content(const journal_item_t *it)
{
    if (it->sub)
        return (content_t){it->sub->unit, it->sub->dataset, it->sub->period, it->sub->note, it->sub->entered_by,
                           "", "", 0, &it->sub->values, &it->sub->comments};
    const proto_decide_t *d = it->dec;
    return (content_t){d->unit, d->dataset, d->period, d->note, d->entered_by, d->decision, d->due, d->version,
                       &no_values, &no_comments};
}

static bool same_content(const content_t *a, const content_t *b)
{
    return !strcmp(a->unit, b->unit) && !strcmp(a->dataset, b->dataset) && !strcmp(a->period, b->period) &&
           !strcmp(a->note, b->note) && !strcmp(a->entered_by, b->entered_by) && !strcmp(a->decision, b->decision) &&
           !strcmp(a->due, b->due) && a->version == b->version && values_equal(a->values, b->values) &&
           proto_strmap_equal(a->comments, b->comments);
}

/* Decides duplicate vs conflict for an id already in the journal. */
static int check_duplicate(MDB_txn *txn, journal_t *j, journal_item_t *it, uint64_t seq)
{
    unsigned char kb[8];
    store_put_u64(kb, seq);
    MDB_val k = {8, kb}, v;
    if (mdb_get(txn, j->journal, &k, &v))
        return PROTO_E_STORAGE;
    msgpack_unpacked up;
    size_t off = 0;
    int status = PROTO_E_STORAGE;
    msgpack_unpacked_init(&up);
    if (proto_prescan(v.mv_data, v.mv_size, PROTO_MAX_DEPTH) == 0 &&
        msgpack_unpack_next(&up, v.mv_data, v.mv_size, &off) == MSGPACK_UNPACK_SUCCESS) {
        proto_list_t one = {.n = 1, .objs = &up.data};
        proto_record_t rec;
        if (proto_record_at(&one, 0, &rec, NULL) == 0) {
            content_t stored = record_content(&rec), mine = item_content(it);
            bool same = same_content(&stored, &mine);
            status = same ? JOURNAL_DUPLICATE : PROTO_E_CONFLICT;
            it->seq = rec.seq;
            it->version = (uint32_t)rec.version;
            it->stored_at = rec.received_at;
        }
    }
    msgpack_unpacked_destroy(&up);
    return status;
}

/* A decision applies to the reports stored so far (in seq order, this
 * group's earlier items included): approve and return name the latest
 * version, which does not already stand approved (returned).  Returns 0, or
 * PROTO_E_DECISION with the sentence in it->message. */
static int check_decision(const journal_item_t *it, const slot_t *rep, char *why, size_t n)
{
    const proto_decide_t *d = it->dec;
    bool approve = !strcmp(d->decision, "approve");
    if (!approve && strcmp(d->decision, "return"))
        return 0; /* extend, silence, unsilence: on the deadline, with or without a report */
    uint32_t latest = rep ? rep->version : 0;
    if (latest == 0) {
        snprintf(why, n, "nothing received yet from %s for %s %s: there is no version %llu to %s", d->unit,
                 d->dataset, d->period, (unsigned long long)d->version, d->decision);
        return PROTO_E_DECISION;
    }
    if (d->version > latest) {
        snprintf(why, n, "the report of %s for %s %s has no version %llu; the latest is %u", d->unit, d->dataset,
                 d->period, (unsigned long long)d->version, latest);
        return PROTO_E_DECISION;
    }
    if (d->version < latest) {
        snprintf(why, n, "version %llu of the report of %s for %s %s was replaced by a correction; the latest is %u",
                 (unsigned long long)d->version, d->unit, d->dataset, d->period, latest);
        return PROTO_E_DECISION;
    }
    if (rep->state == (approve ? REP_APPROVED : REP_RETURNED)) {
        snprintf(why, n, "version %u of the report of %s for %s %s is already %s", latest, d->unit, d->dataset,
                 d->period, approve ? "approved" : "returned");
        return PROTO_E_DECISION;
    }
    return 0;
}

/* The RECORD of a new item: a report (the next version, its values) or a
 * decision (the version decided, no values). */
static void item_record(const journal_item_t *it, uint64_t seq, uint32_t version, proto_record_t *rec /* OUT */)
{
    content_t c = item_content(it);
    memset(rec, 0, sizeof *rec);
    rec->seq = seq;
    snprintf(rec->id, sizeof rec->id, "%s", it->sub ? it->sub->id : it->dec->id);
    snprintf(rec->unit, sizeof rec->unit, "%s", c.unit);
    snprintf(rec->submitter, sizeof rec->submitter, "%s", it->submitter);
    snprintf(rec->dataset, sizeof rec->dataset, "%s", c.dataset);
    snprintf(rec->period, sizeof rec->period, "%s", c.period);
    rec->values = *c.values;
    rec->comments = *c.comments;
    rec->received_at = it->received_at;
    rec->version = version;
    snprintf(rec->note, sizeof rec->note, "%s", c.note);
    snprintf(rec->entered_by, sizeof rec->entered_by, "%s", c.entered_by);
    snprintf(rec->decision, sizeof rec->decision, "%s", c.decision);
    snprintf(rec->due, sizeof rec->due, "%s", c.due);
}

/* Stores one new submission or decision inside the open transaction.
 * Returns 0 (it->status says whether it was stored: a decision that does not
 * apply is not) or an error of the transaction. */
static int put_one(MDB_txn *txn, journal_t *j, journal_item_t *it, uint64_t seq, msgpack_sbuffer *sb)
{
    content_t c = item_content(it);
    char rkey[3 * 65 + 8], ikey[ID_KEY_MAX];
    int rlen = report_key(rkey, sizeof rkey, c.unit, c.dataset, c.period);
    int ilen = id_key(ikey, sizeof ikey, it->submitter, it->sub ? it->sub->id : it->dec->id);
    slot_t *id = journal__idx_put(&j->ids, ikey, (size_t)ilen);
    /* A decision reads the report's entry, and never creates one. */
    slot_t *rep = it->sub ? journal__idx_put(&j->reports, rkey, (size_t)rlen) : journal__idx_get(&j->reports, rkey, (size_t)rlen);
    if (!id || (it->sub && !rep))
        return ENOMEM;
    if (it->dec && (it->status = check_decision(it, rep, it->message, sizeof it->message))) {
        id->version = 0; /* the id stays free: seq 0 and no item of the group */
        return 0;
    }
    uint32_t version = it->sub ? rep->version + 1 : (uint32_t)it->dec->version;

    proto_record_t rec;
    item_record(it, seq, version, &rec);
    msgpack_packer pk;
    sb->size = 0;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    if (proto_pack_record(&pk, &rec, NULL))
        return EINVAL;

    /* Only the journal is written: an append at its end. */
    unsigned char seqb[8];
    store_put_u64(seqb, seq);
    MDB_val jk = {8, seqb}, jv = {sb->size, sb->data};
    int rc = mdb_put(txn, j->journal, &jk, &jv, MDB_APPEND);
    if (rc)
        return rc;
    /* The indexes run ahead of the disk until the commit; a failed
     * transaction rebuilds them (journal_append). */
    if (it->sub) {
        rep->version = version;
        rep->seq = seq;
        rep->state = REP_OPEN;
    } else {
        note_decision(rep, rec.decision, rec.version);
    }
    id->seq = seq;
    id->version = 0; /* no longer an item of the group */
    it->status = JOURNAL_ACCEPTED;
    it->seq = seq;
    it->version = version;
    it->stored_at = it->received_at;
    return 0;
}

/* Answers, before any write, the items whose (submitter, id) is taken: by a
 * stored record (read in one read-only transaction), or by an earlier new
 * item of this group (then repeat[i] is its index).  So a retry is answered
 * `duplicate` even when the write that follows fails (a full map).  The new
 * items keep status 0 and take their id in the index (seq 0) until written.
 * Returns 0 or ENOMEM. */
static int answer_known(journal_t *j, journal_item_t *items, int n, int *repeat)
{
    MDB_txn *rtxn = NULL;
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        journal_item_t *it = &items[i];
        char ikey[ID_KEY_MAX];
        int ilen = id_key(ikey, sizeof ikey, it->submitter, it->sub ? it->sub->id : it->dec->id);
        slot_t *used = journal__idx_get(&j->ids, ikey, (size_t)ilen);
        if (used && used->seq) {
            if (!rtxn && mdb_txn_begin(j->env, NULL, MDB_RDONLY, &rtxn))
                rtxn = NULL;
            it->status = rtxn ? check_duplicate(rtxn, j, it, used->seq) : PROTO_E_STORAGE;
        } else if (used && used->version) {
            content_t first = item_content(&items[used->version - 1]), mine = item_content(it);
            repeat[i] = (int)used->version - 1;
            it->status = same_content(&first, &mine) ? JOURNAL_DUPLICATE : PROTO_E_CONFLICT;
        } else if ((used = journal__idx_put(&j->ids, ikey, (size_t)ilen))) {
            used->version = (uint32_t)i + 1;
        } else {
            rc = ENOMEM;
        }
    }
    if (rtxn)
        mdb_txn_abort(rtxn);
    return rc;
}

/* Writes the new items (status 0) in one transaction; its commit is the
 * fsync.  Returns 0 or an LMDB error: then none of them was written. */
static int write_new(journal_t *j, journal_item_t *items, int n)
{
    int fresh = 0;
    for (int i = 0; i < n; i++)
        fresh += items[i].status == 0;
    if (fresh == 0)
        return 0; /* only retries: nothing to write, no fsync */
    MDB_txn *txn;
    int rc = mdb_txn_begin(j->env, NULL, 0, &txn);
    if (rc)
        return rc;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    uint64_t head = head_in(txn, j->journal), first = head;
    for (int i = 0; i < n && rc == 0; i++)
        if (items[i].status == 0 && (rc = put_one(txn, j, &items[i], head + 1, &sb)) == 0 &&
            items[i].status == JOURNAL_ACCEPTED)
            head++;
    msgpack_sbuffer_destroy(&sb);
    if (rc || head == first) { /* failed, or only decisions that did not apply: nothing to commit */
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

int journal_append(journal_t *j, journal_item_t *items, int n, char *err, size_t errlen)
{
    int *repeat = malloc((size_t)(n > 0 ? n : 1) * sizeof *repeat);
    for (int i = 0; i < n; i++) {
        items[i].status = 0;
        if (repeat)
            repeat[i] = -1;
    }
    int rc = repeat ? answer_known(j, items, n, repeat) : ENOMEM;
    if (rc == 0)
        rc = write_new(j, items, n);
    if (rc) {
        snprintf(err, errlen, "journal write failed: %s", mdb_strerror(rc));
        /* What was to be written was not, even if put_one() took it (the
         * commit failed): E_STORAGE.  Forget what the indexes took for it,
         * reading them back from what is really on disk.  Rare (a full map,
         * an I/O error). */
        /* A decision refused against what the failed transaction held is
         * retried like the rest (the correction it saw was not stored). */
        for (int i = 0; i < n; i++)
            if ((items[i].status == 0 || items[i].status == JOURNAL_ACCEPTED || items[i].status == PROTO_E_DECISION) &&
                (!repeat || repeat[i] < 0))
                items[i].status = PROTO_E_STORAGE;
        int rb = rebuild_indexes(j);
        if (rb)
            snprintf(err, errlen, "journal write failed: %s; rebuilding its index failed too: %s", mdb_strerror(rc),
                     mdb_strerror(rb));
    }
    /* A repeat within the group is answered like the item it repeats was
     * stored: with its seq, or with its E_STORAGE. */
    for (int i = 0; repeat && i < n; i++) {
        if (repeat[i] < 0)
            continue;
        const journal_item_t *first = &items[repeat[i]];
        if (first->status != JOURNAL_ACCEPTED) {
            items[i].status = first->status;
            memcpy(items[i].message, first->message, sizeof items[i].message);
            continue;
        }
        items[i].seq = first->seq;
        items[i].version = first->version;
        items[i].stored_at = first->stored_at;
    }
    free(repeat);
    return rc;
}

uint32_t journal_latest_version(journal_t *j, const char *unit, const char *dataset, const char *period)
{
    char rkey[3 * 65 + 8];
    int rlen = report_key(rkey, sizeof rkey, unit, dataset, period);
    const slot_t *rep = journal__idx_get(&j->reports, rkey, (size_t)rlen);
    return rep ? rep->version : 0;
}

int journal_read(journal_t *j, uint64_t after, unsigned max, size_t max_bytes, msgpack_sbuffer *out,
                 journal_head_fn before, void *ud, unsigned *count, uint64_t *head)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    *count = 0;
    *head = 0;
    int rc = store_read_cursor(j->env, j->journal, &txn, &cur);
    if (rc)
        return rc;
    *head = head_in(txn, j->journal);
    unsigned char kb[8];
    store_put_u64(kb, after + 1);
    MDB_val k = {8, kb}, v;
    /* Pass 1 finds the records (their bytes stay valid in this read
     * transaction); pass 2 copies them behind what `before` packed. */
    MDB_val *vals = NULL;
    unsigned n = 0, cap = 0;
    size_t bytes = 0;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && n < max && !(n > 0 && bytes + v.mv_size > max_bytes)) {
        if (n == cap) {
            cap = cap ? 2 * cap : 256;
            MDB_val *nv = realloc(vals, cap * sizeof *nv);
            if (!nv) {
                rc = ENOMEM;
                break;
            }
            vals = nv;
        }
        vals[n++] = v;
        bytes += v.mv_size;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc == 0 || rc == MDB_NOTFOUND) {
        rc = 0;
        if (before)
            before(ud, out, n, *head);
        for (unsigned i = 0; i < n && rc == 0; i++)
            if (msgpack_sbuffer_write(out, vals[i].mv_data, vals[i].mv_size))
                rc = ENOMEM;
        *count = rc ? 0 : n;
    }
    free(vals);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc;
}

int journal_backup(journal_t *j, const char *path)
{
    if (store_mkdirs(path))
        return errno;
    return mdb_env_copy2(j->env, path, MDB_CP_COMPACT);
}
