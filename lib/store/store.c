#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int store_mkdirs(const char *dir)
{
    char buf[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0750) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0750) && errno != EEXIST)
        return -1;
    return 0;
}

int store_open(const char *dir, uint64_t map_bytes, int maxdbs, MDB_env **out, char *err, size_t errlen)
{
    return store_open_flags(dir, map_bytes, maxdbs, 0, out, err, errlen);
}

int store_open_flags(const char *dir, uint64_t map_bytes, int maxdbs, unsigned flags, MDB_env **out, char *err,
                     size_t errlen)
{
    MDB_env *env = NULL;
    int rc;
    *out = NULL;
    if (store_mkdirs(dir)) {
        rc = errno;
        snprintf(err, errlen, "%s: cannot create the data directory: %s", dir, strerror(rc));
        return rc;
    }
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_mapsize(env, (size_t)map_bytes)) ||
        (rc = mdb_env_set_maxdbs(env, (MDB_dbi)maxdbs)) || (rc = mdb_env_set_maxreaders(env, 254)) ||
        (rc = mdb_env_open(env, dir, MDB_NOTLS | flags, 0640))) {
        snprintf(err, errlen, "%s: cannot open the LMDB environment: %s", dir, mdb_strerror(rc));
        mdb_env_close(env);
        return rc;
    }
    /* Readers left behind by a process killed with -9 would pin old pages. */
    int dead = 0;
    mdb_reader_check(env, &dead);
    *out = env;
    return 0;
}

int store_read_cursor(MDB_env *env, MDB_dbi dbi, MDB_txn **txn, MDB_cursor **cur)
{
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, txn);
    if (rc)
        return rc;
    if ((rc = mdb_cursor_open(*txn, dbi, cur)))
        mdb_txn_abort(*txn);
    return rc;
}

void store_put_u64(unsigned char out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (unsigned char)v;
}

uint64_t store_get_u64(const unsigned char in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return v;
}

const char *store_strerror(int rc)
{
    switch (rc) {
    case STORE_E_NOMEM: return "out of memory";
    case STORE_E_STALE: return "the store must be reset and rebuilt first";
    case STORE_E_DAMAGED: return "a record cannot be read (a damaged store)";
    default: return mdb_strerror(rc);
    }
}
