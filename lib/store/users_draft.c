/*
 * users_draft.c -- drafts of reports entered in cchc-web (users.h): one
 * database "drafts" of "UNIT/DATASET/PERIOD" -> {rev, submitted, version,
 * at, by, content}.  A draft is never deleted: its rev must keep counting
 * after a submission (the web's submission ids depend on it).
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "users.h"
#include "users_int.h"

/* "UNIT/DATASET/PERIOD" into key; false when one is not a code. */
static bool make_key(const char *unit, const char *dataset, const char *period, char *key, size_t len)
{
    const char *parts[3] = {unit, dataset, period};
    size_t o = 0;
    for (int i = 0; i < 3; i++) {
        size_t n = parts[i] ? strlen(parts[i]) : 0;
        if (n == 0 || n > CATALOG_CODE_MAX || o + n + 2 > len)
            return false;
        for (size_t j = 0; j < n; j++)
            if (!proto_code_char((unsigned char)parts[i][j]))
                return false;
        memcpy(key + o, parts[i], n);
        o += n;
        key[o++] = i < 2 ? '/' : '\0';
    }
    return true;
}

void users_draft_free(users_draft_t *d)
{
    if (d) {
        free(d->content);
        d->content = NULL;
    }
}

/* Reads the stored draft of key in txn into *out (content malloc'ed). */
static int read_draft(MDB_txn *txn, const users_t *u, const char *key, users_draft_t *out)
{
    memset(out, 0, sizeof *out);
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(txn, u->drafts, &k, &v);
    if (rc == MDB_NOTFOUND)
        return USERS_E_NOT_FOUND;
    if (rc)
        return rc;
    json_t *j = json_loadb(v.mv_data, v.mv_size, 0, NULL);
    json_t *content = json_object_get(j, "content");
    if (!json_is_string(content)) {
        json_decref(j);
        return STORE_E_DAMAGED;
    }
    out->rev = (uint32_t)json_integer_value(json_object_get(j, "rev"));
    out->submitted = json_is_true(json_object_get(j, "submitted"));
    out->version = (uint32_t)json_integer_value(json_object_get(j, "version"));
    out->at = (int64_t)json_integer_value(json_object_get(j, "at"));
    const char *by = json_string_value(json_object_get(j, "by"));
    strncpy(out->by, by ? by : "", USERS_LOGIN_MAX);
    out->content = strdup(json_string_value(content));
    json_decref(j);
    return out->content ? 0 : STORE_E_NOMEM;
}

static int write_draft(MDB_txn *txn, const users_t *u, const char *key, const users_draft_t *d)
{
    json_t *j = json_pack("{s:I, s:b, s:I, s:I, s:s, s:s}", "rev", (json_int_t)d->rev, "submitted", d->submitted,
                          "version", (json_int_t)d->version, "at", (json_int_t)d->at, "by", d->by, "content",
                          d->content);
    return users__put_json(txn, u->drafts, key, strlen(key), j, 0);
}

int users_draft_save(users_t *u, const char *unit, const char *dataset, const char *period, const char *content,
                     const char *login, int64_t now, users_draft_t *out)
{
    char key[3 * (CATALOG_CODE_MAX + 1)], lk[USERS_LOGIN_MAX + 1];
    if (out)
        memset(out, 0, sizeof *out);
    if (!make_key(unit, dataset, period, key, sizeof key) || !content || !*content ||
        strlen(content) > USERS_DRAFT_MAX)
        return USERS_E_INVALID;
    int rc = users__login_key(login, lk);
    if (rc)
        return rc;
    MDB_txn *txn;
    if ((rc = mdb_txn_begin(u->env, NULL, 0, &txn)))
        return rc;
    users_draft_t d;
    rc = read_draft(txn, u, key, &d);
    if (rc == USERS_E_NOT_FOUND) {
        memset(&d, 0, sizeof d);
        rc = 0;
    }
    if (rc == 0) {
        if (!d.content || strcmp(d.content, content)) {
            d.rev++;
            d.submitted = false;
            d.version = 0;
            free(d.content);
            d.content = strdup(content);
            if (!d.content)
                rc = STORE_E_NOMEM;
        }
        d.at = now;
        snprintf(d.by, sizeof d.by, "%s", lk);
    }
    if (rc == 0)
        rc = write_draft(txn, u, key, &d);
    rc = users__end(txn, rc);
    if (rc == 0 && out)
        *out = d;
    else
        users_draft_free(&d);
    return rc;
}

int users_draft_get(users_t *u, const char *unit, const char *dataset, const char *period, users_draft_t *out)
{
    char key[3 * (CATALOG_CODE_MAX + 1)];
    memset(out, 0, sizeof *out);
    if (!make_key(unit, dataset, period, key, sizeof key))
        return USERS_E_INVALID;
    MDB_txn *txn;
    int rc = mdb_txn_begin(u->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return rc;
    rc = read_draft(txn, u, key, out);
    mdb_txn_abort(txn);
    return rc;
}

int users_draft_submitted(users_t *u, const char *unit, const char *dataset, const char *period, uint32_t rev,
                          uint32_t version)
{
    char key[3 * (CATALOG_CODE_MAX + 1)];
    if (!make_key(unit, dataset, period, key, sizeof key))
        return USERS_E_INVALID;
    MDB_txn *txn;
    int rc = mdb_txn_begin(u->env, NULL, 0, &txn);
    if (rc)
        return rc;
    users_draft_t d;
    rc = read_draft(txn, u, key, &d);
    if (rc == 0 && d.rev == rev) {
        d.submitted = true;
        d.version = version;
        rc = write_draft(txn, u, key, &d);
    }
    users_draft_free(&d);
    return users__end(txn, rc);
}
