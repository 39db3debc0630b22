/*
 * store.h -- opening an LMDB environment the way every service does.
 *
 * One environment per service, in its own directory; MDB_NOTLS so that read
 * transactions are not tied to threads (the loop thread reads while a pool
 * thread commits); the map size is configured, and MDB_MAP_FULL is reported
 * to the caller, never fatal.
 */
#ifndef CCHC_STORE_H
#define CCHC_STORE_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

/* Errors of the store layer.  A function of lib/store returns 0, one of
 * these named states (negative, apart from LMDB's own -30799..-30780 and
 * from errno values), or an LMDB code for a failure of the storage itself;
 * store_strerror() names any of them. */
enum {
    STORE_E_NOMEM = -1,   /* out of memory */
    STORE_E_STALE = -2,   /* the store must be reset and rebuilt before it is written */
    STORE_E_DAMAGED = -3, /* a record cannot be read: the store is damaged */
};
const char *store_strerror(int rc);

/* Creates `dir` (and parents) if needed and opens the environment with room
 * for `maxdbs` named databases.  Returns 0 and *out, or an LMDB/errno code
 * with a sentence in err. */
int store_open(const char *dir, uint64_t map_bytes, int maxdbs, MDB_env **out /* OUT */, char *err, size_t errlen);

/* The same with extra mdb_env_open() flags, e.g. MDB_NOMETASYNC for a store
 * that can be rebuilt from elsewhere. */
int store_open_flags(const char *dir, uint64_t map_bytes, int maxdbs, unsigned flags, MDB_env **out /* OUT */,
                     char *err, size_t errlen);

/* A read-only transaction and a cursor on dbi in it, for a scan.  Returns 0,
 * or an LMDB code with nothing left open; the caller ends them with
 * mdb_cursor_close() then mdb_txn_abort(). */
int store_read_cursor(MDB_env *env, MDB_dbi dbi, MDB_txn **txn /* OUT */, MDB_cursor **cur /* OUT */);

/* mkdir -p. Returns 0 or -1 with errno. */
int store_mkdirs(const char *dir);

/* Big-endian 64-bit keys sort numerically under LMDB's default comparison. */
void store_put_u64(unsigned char out[8], uint64_t v);
uint64_t store_get_u64(const unsigned char in[8]);

#endif
