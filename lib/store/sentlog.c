#include "sentlog.h"

#include <errno.h>
#include <jansson.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "period.h"
#include "store.h"

struct sentlog {
    MDB_env *env;
    MDB_dbi db;
};

int sentlog_open(const char *dir, bool read_only, sentlog_t **out, char *err, size_t errlen)
{
    *out = NULL;
    struct stat st;
    if (read_only && stat(dir, &st) != 0) {
        snprintf(err, errlen, "%s: no sent-log yet", dir);
        return -1;
    }
    sentlog_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = store_open(dir, (uint64_t)256 << 20, 4, &s->env, err, errlen);
    if (rc) {
        free(s);
        return -1;
    }
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) == 0) {
        rc = mdb_dbi_open(txn, "sent", MDB_CREATE, &s->db);
        rc = rc ? (mdb_txn_abort(txn), rc) : mdb_txn_commit(txn);
    }
    if (rc) {
        snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
        mdb_env_close(s->env);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void sentlog_close(sentlog_t **self_p)
{
    if (!*self_p)
        return;
    mdb_env_close((*self_p)->env);
    free(*self_p);
    *self_p = NULL;
}

static json_t *get(sentlog_t *s, MDB_txn *txn, const char *id)
{
    MDB_val k = {strlen(id), (void *)id}, v;
    if (mdb_get(txn, s->db, &k, &v))
        return NULL;
    return json_loadb(v.mv_data, v.mv_size, 0, NULL);
}

bool sentlog_done(sentlog_t *s, const char *id, int max_tries)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return true; /* cannot tell: do not send */
    json_t *j = get(s, txn, id);
    mdb_txn_abort(txn);
    if (!j)
        return false;
    const char *st = json_string_value(json_object_get(j, "status"));
    int tries = (int)json_integer_value(json_object_get(j, "tries"));
    bool done = !st || strcmp(st, "failed") != 0 || tries >= max_tries;
    json_decref(j);
    return done;
}

/* Writes one outcome inside txn.  Returns 0 or an LMDB error (ENOMEM). */
static int put_one(sentlog_t *s, MDB_txn *txn, const char *id, const sentlog_entry_t *e)
{
    int tries = 1;
    json_t *old = get(s, txn, id);
    if (old) {
        tries = (int)json_integer_value(json_object_get(old, "tries")) + 1;
        json_decref(old);
    }
    json_t *j = json_pack("{s:s, s:I, s:i, s:i, s:s}", "status", e->status, "at", (json_int_t)e->at, "attempts",
                          e->attempts, "tries", tries, "recipient", e->recipient ? e->recipient : "");
    if (e->error)
        json_object_set_new(j, "error", json_string(e->error));
    char *txt = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (!txt)
        return ENOMEM;
    MDB_val k = {strlen(id), (void *)id}, v = {strlen(txt), txt};
    int rc = mdb_put(txn, s->db, &k, &v, 0);
    free(txt);
    return rc;
}

int sentlog_record_batch(sentlog_t *s, const char *const *ids, const sentlog_entry_t *e, int n)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return rc;
    for (int i = 0; i < n && !rc; i++)
        rc = put_one(s, txn, ids[i], &e[i]);
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    return mdb_txn_commit(txn);
}

int sentlog_record(sentlog_t *s, const char *id, const sentlog_entry_t *e)
{
    return sentlog_record_batch(s, &id, e, 1);
}

/* Calls fn for every entry that decodes, in id order, in one read transaction.
 * Returns 0 or an LMDB error. */
static int sentlog_each(sentlog_t *s, void (*fn)(const MDB_val *id, json_t *j, void *ud), void *ud)
{
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = store_read_cursor(s->env, s->db, &txn, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    for (int op = MDB_FIRST; mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op) == 0; op = MDB_NEXT) {
        json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
        if (!j)
            continue;
        fn(&k, j, ud);
        json_decref(j);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return 0;
}

static void dump_one(const MDB_val *id, json_t *j, void *ud)
{
    char at[32];
    time_format_iso(json_integer_value(json_object_get(j, "at")), at, sizeof at);
    const char *e = json_string_value(json_object_get(j, "error"));
    fprintf(ud, "%.*s\t%s\ttries=%d\tattempts=%d\t%s\t%s\t%s\n", (int)id->mv_size, (char *)id->mv_data,
            json_string_value(json_object_get(j, "status")), (int)json_integer_value(json_object_get(j, "tries")),
            (int)json_integer_value(json_object_get(j, "attempts")), at,
            json_string_value(json_object_get(j, "recipient")), e ? e : "");
}

int sentlog_dump(sentlog_t *s, FILE *out)
{
    return sentlog_each(s, dump_one, out);
}

static void count_one(const MDB_val *id, json_t *j, void *ud)
{
    sentlog_counts_t *c = ud;
    const char *st = json_string_value(json_object_get(j, "status"));
    if (st && !strcmp(st, "sent"))
        c->sent++;
    else if (st && !strcmp(st, "rejected"))
        c->rejected++;
    else if (st && !strcmp(st, "failed"))
        c->failed++;
}

int sentlog_count(sentlog_t *s, sentlog_counts_t *out)
{
    memset(out, 0, sizeof *out);
    return sentlog_each(s, count_one, out);
}
