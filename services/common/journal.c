#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct journal {
    MDB_env *env;
    MDB_dbi journal, ids, reports;
};

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
        (rc = mdb_dbi_open(txn, "ids", MDB_CREATE, &j->ids)) ||
        (rc = mdb_dbi_open(txn, "reports", MDB_CREATE, &j->reports)) || (rc = mdb_txn_commit(txn))) {
        txn = NULL; /* commit frees it even on failure; begin failure leaves nothing */
        snprintf(err, errlen, "%s: cannot open the journal databases: %s", dir, mdb_strerror(rc));
        goto fail;
    }
    *out = j;
    return 0;
fail:
    if (txn)
        mdb_txn_abort(txn);
    if (j->env)
        mdb_env_close(j->env);
    free(j);
    return rc;
}

void journal_close(journal_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    mdb_env_close((*self_p)->env);
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

/* Decides duplicate vs conflict for an id already in the journal. */
static int check_duplicate(MDB_txn *txn, journal_t *j, journal_item_t *it, const MDB_val *seqv)
{
    MDB_val k = *seqv, v;
    if (seqv->mv_size != 8 || mdb_get(txn, j->journal, &k, &v))
        return PROTO_E_STORAGE;
    proto_msg_t dummy;
    msgpack_unpacked up;
    size_t off = 0;
    int status = PROTO_E_STORAGE;
    msgpack_unpacked_init(&up);
    (void)dummy;
    if (proto_prescan(v.mv_data, v.mv_size, PROTO_MAX_DEPTH) == 0 &&
        msgpack_unpack_next(&up, v.mv_data, v.mv_size, &off) == MSGPACK_UNPACK_SUCCESS) {
        proto_list_t one = {.n = 1, .objs = &up.data};
        proto_record_t rec;
        if (proto_record_at(&one, 0, &rec, NULL) == 0) {
            const proto_submit_t *s = it->sub;
            bool same = !strcmp(rec.unit, s->unit) && !strcmp(rec.dataset, s->dataset) &&
                        !strcmp(rec.period, s->period) && !strcmp(rec.note, s->note) &&
                        !strcmp(rec.submitter, it->submitter) && values_equal(&rec.values, &s->values);
            status = same ? JOURNAL_DUPLICATE : PROTO_E_CONFLICT;
            it->seq = rec.seq;
            it->version = (uint32_t)rec.version;
            it->stored_at = rec.received_at;
        }
    }
    msgpack_unpacked_destroy(&up);
    return status;
}

/* Stores one new submission inside the open transaction. */
static int put_one(MDB_txn *txn, journal_t *j, journal_item_t *it, uint64_t seq, msgpack_sbuffer *sb)
{
    const proto_submit_t *s = it->sub;
    char rkey[3 * 65 + 8];
    int rlen = snprintf(rkey, sizeof rkey, "%s%c%s%c%s", s->unit, 0, s->dataset, 0, s->period);
    MDB_val rk = {(size_t)rlen, rkey}, rv;
    uint32_t version = 1;
    int rc = mdb_get(txn, j->reports, &rk, &rv);
    if (rc == 0 && rv.mv_size >= 4) {
        const unsigned char *p = rv.mv_data;
        version = ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]) + 1;
    } else if (rc != MDB_NOTFOUND && rc != 0) {
        return rc;
    }

    proto_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.seq = seq;
    memcpy(rec.id, s->id, sizeof rec.id);
    memcpy(rec.unit, s->unit, sizeof rec.unit);
    snprintf(rec.submitter, sizeof rec.submitter, "%s", it->submitter);
    memcpy(rec.dataset, s->dataset, sizeof rec.dataset);
    memcpy(rec.period, s->period, sizeof rec.period);
    rec.values = s->values;
    rec.received_at = it->received_at;
    rec.version = version;
    memcpy(rec.note, s->note, sizeof rec.note);
    msgpack_packer pk;
    sb->size = 0;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    if (proto_pack_record(&pk, &rec, NULL))
        return EINVAL;

    unsigned char seqb[8], verb[12];
    store_put_u64(seqb, seq);
    verb[0] = version >> 24, verb[1] = version >> 16, verb[2] = version >> 8, verb[3] = (unsigned char)version;
    memcpy(verb + 4, seqb, 8);
    MDB_val jk = {8, seqb}, jv = {sb->size, sb->data};
    MDB_val ik = {strlen(s->id), (void *)s->id}, iv = {8, seqb};
    MDB_val vv = {12, verb};
    if ((rc = mdb_put(txn, j->journal, &jk, &jv, MDB_APPEND)) || (rc = mdb_put(txn, j->ids, &ik, &iv, 0)) ||
        (rc = mdb_put(txn, j->reports, &rk, &vv, 0)))
        return rc;
    it->status = JOURNAL_ACCEPTED;
    it->seq = seq;
    it->version = version;
    it->stored_at = it->received_at;
    return 0;
}

int journal_append(journal_t *j, journal_item_t *items, int n, char *err, size_t errlen)
{
    MDB_txn *txn;
    msgpack_sbuffer sb;
    int rc = mdb_txn_begin(j->env, NULL, 0, &txn);
    if (rc)
        goto fail;
    msgpack_sbuffer_init(&sb);
    uint64_t head = head_in(txn, j->journal);
    for (int i = 0; i < n && rc == 0; i++) {
        journal_item_t *it = &items[i];
        MDB_val ik = {strlen(it->sub->id), (void *)it->sub->id}, iv;
        rc = mdb_get(txn, j->ids, &ik, &iv);
        if (rc == 0) {
            it->status = check_duplicate(txn, j, it, &iv);
            continue;
        }
        if (rc != MDB_NOTFOUND)
            break;
        rc = put_one(txn, j, it, head + 1, &sb);
        if (rc == 0)
            head++;
    }
    msgpack_sbuffer_destroy(&sb);
    if (rc) {
        mdb_txn_abort(txn);
        goto fail;
    }
    /* The commit is the fsync: when it returns, every item is on disk. */
    if ((rc = mdb_txn_commit(txn)))
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "journal write failed: %s", mdb_strerror(rc));
    for (int i = 0; i < n; i++)
        items[i].status = PROTO_E_STORAGE;
    return rc;
}

int journal_read(journal_t *j, uint64_t after, unsigned max, size_t max_bytes, msgpack_sbuffer *out,
                 unsigned *count, uint64_t *head)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    *count = 0;
    *head = 0;
    int rc = mdb_txn_begin(j->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    *head = head_in(txn, j->journal);
    if ((rc = mdb_cursor_open(txn, j->journal, &cur))) {
        mdb_txn_abort(txn);
        return rc;
    }
    unsigned char kb[8];
    store_put_u64(kb, after + 1);
    MDB_val k = {8, kb}, v;
    size_t start = out->size;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && *count < max) {
        if (*count > 0 && out->size - start + v.mv_size > max_bytes)
            break;
        if (msgpack_sbuffer_write(out, v.mv_data, v.mv_size)) {
            rc = ENOMEM;
            break;
        }
        (*count)++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

int journal_backup(journal_t *j, const char *path)
{
    if (store_mkdirs(path))
        return errno;
    return mdb_env_copy2(j->env, path, MDB_CP_COMPACT);
}
