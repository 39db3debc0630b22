/*
 * rollup_int.h -- private to rollup.c, rollup_apply.c and rollup_query.c.
 *
 * Slot layout of a dataset (int64, native byte order, one array per LMDB
 * value): for each non-rate indicator of the dataset, in dataset order,
 *   count / stock  [sum, units]
 *   bool           [yes, units]
 *   tags           [units, units per tag ...]
 * A unit value is exactly these nvals slots; a node value appends the
 * completeness counters [received, on_time, late] (RU_COMPLETENESS slots).
 * Unit values are stored only for periods of the dataset's own type, inside
 * the leaf record: the leaf's values in slot form (units = 1 where the leaf
 * has the indicator).  The unit value of a coarser period is not stored; it
 * is combined across time from the sub-period leaves (ru_unit_value), so it
 * is computed from fixed-size slots, never from msgpack.
 *
 * Threads: rollup_apply() from one thread at a time; rollup_query() and
 * rollup_set_catalog() from any thread, also while a batch is applied (LMDB
 * readers never block the writer; catalog-derived state is a refcounted
 * view); rollup_reset() while no batch is being applied.
 */
#ifndef CCHC_ROLLUP_INT_H
#define CCHC_ROLLUP_INT_H

#include <lmdb.h>
#include <pthread.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "rollup.h"
#include "store.h"

#define RU_COMPLETENESS 3 /* received, on_time, late */
#define RU_KEY_MAX (CATALOG_CODE_MAX + 1 + CATALOG_CODE_MAX + 1 + 4 + 1 + 4 + 8)
#define RU_SUBS_MAX 12     /* sub-periods of one period (months of a year) */
#define RU_EXP_CACHE 32    /* cached expected[] arrays (dataset, leaf period) */

typedef struct {
    int nvals;   /* value slots (unit value); node records have nvals + RU_COMPLETENESS */
    int *off;    /* per dataset position: first slot, -1 for a rate */
    int *slot;   /* per catalog indicator: first slot in this dataset, -1 when absent or a rate */
    int *dpos;   /* per catalog indicator: position in the dataset, -1 when absent */
} ru_layout_t;

typedef struct {
    int ds;
    uint32_t pkey;
    int *cnt;      /* per unit: obligations in its subtree for this leaf period */
    uint64_t used; /* LRU clock */
} ru_expected_t;

/* Everything derived from one catalog.  Immutable once built, except the
 * expected cache (guarded by rollup.exp_mu); refcounted so that a catalog
 * swap (SIGHUP, on the loop thread) never frees what a batch being applied
 * on a pool thread still uses: the batch finishes with the view it began
 * with, and the last release frees a retired view. */
typedef struct ru_view {
    const catalog_t *cat;
    ru_layout_t *lay;    /* per dataset */
    int *lay_mem;        /* one block for all layout arrays */
    size_t *ulen;        /* strlen of each unit code */
    uint64_t sig;        /* the catalog's signature */
    int maxslots;        /* largest nvals + RU_COMPLETENESS over the datasets */
    int refs;            /* guarded by rollup.mu */
    bool retired;        /* replaced: the last release frees it */
    ru_expected_t exp[RU_EXP_CACHE];
    uint64_t exp_clock;
} ru_view_t;

struct rollup {
    MDB_env *env;
    MDB_dbi meta, leaf, hist, node;

    pthread_mutex_t mu;  /* view, want, stale */
    ru_view_t *view;     /* NULL after an allocation failure (want says which catalog) */
    const catalog_t *want;
    bool stale;          /* the stored signature differs: reset and replay before applying */

    pthread_mutex_t exp_mu; /* the views' expected caches */

    /* apply-side scratch (one applying thread), reused across calls */
    const ru_view_t *a_view; /* the view of the batch being applied */
    int a_cap;           /* slots per buffer */
    int64_t *a_leaf, *a_new, *a_old, *a_old0, *a_diff, *a_node, *a_subs;
    bool a_present[RU_SUBS_MAX];
    msgpack_sbuffer a_sb;

    /* Within one batch the differences for ancestors (not the unit itself)
     * are summed in memory and written once per node record at the end:
     * the root and the upper levels are touched by every record. */
    struct ru_acc {
        int unit, ds;
        uint32_t pkey;
    } *acc_key;
    int *acc_slot;      /* open addressing over acc_key, -1 empty */
    int64_t *acc_val;   /* acc_n entries of a_cap slots */
    int acc_n, acc_cap; /* entries used / allocated; the table has 2 * acc_cap slots */
};

/* The current view, referenced (NULL when none could be built); *stale
 * receives the stale flag read under the same lock.  Release it after. */
ru_view_t *ru_acquire(rollup_t *r, bool *stale);
void ru_release(rollup_t *r, ru_view_t *v);

/* ---- shared helpers (rollup.c) ---------------------------------------- */

/* unit \0 dataset \0 P(4 BE); returns the length. */
size_t ru_key(char *buf, const char *unit, size_t ulen, const char *ds, size_t dlen, uint32_t pkey);

/* Turns the key of a leaf (buf[0..klen)) into that of its history entry
 * of one version: key \0 version (4 BE); returns the length. */
size_t ru_hist_key(char *buf, size_t klen, uint32_t version);

/* Reads a slot record into out[0..n); false when absent or of another size
 * (out is then zeroed).  *rc receives an LMDB error other than NOTFOUND. */
bool ru_get_slots(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t klen, int64_t *out, int n, int *rc);

/* Combines the unit values of leaf periods subs[0..n) (chronological; those
 * with present[k] false are absent) across time into out[0..nvals). */
void ru_combine(const catalog_t *cat, int ds, const ru_layout_t *lay, const int64_t *subs, const bool *present,
                int n, int64_t *out);

/* Reads the unit's leaf-period unit values for subs[0..n) and combines them
 * into out.  Returns true when at least one was present. buf holds n * nvals. */
bool ru_unit_value(MDB_txn *txn, const rollup_t *r, const ru_view_t *v, int unit, int ds, const period_t *subs, int n, int64_t *buf,
                   bool *present, int64_t *out, int *rc);

/* Grows the apply-side buffers to `slots` per buffer.  0 or STORE_E_NOMEM. */
int ru_scratch(rollup_t *r, int slots);

/* meta "applied" inside a transaction. */
int ru_meta_put_applied(MDB_txn *txn, rollup_t *r, uint64_t applied);
int ru_meta_get_applied(MDB_txn *txn, rollup_t *r, uint64_t *applied);

/* ---- leaf records ------------------------------------------------------ */

/* A leaf record: a fixed header (version u32, on_time u32, first_received_at
 * i64; native byte order), the unit value in slot form (nvals int64), then
 * the submitter's code (not terminated).  LMDB aligns values to 2 bytes
 * only: always copied, never cast. */
#define RU_LEAF_HDR 16

typedef struct {
    uint32_t version;
    bool on_time;
    int64_t first_received_at;
    const char *submitter; /* not terminated; from ru_leaf_get: into the map, */
    size_t sublen;         /* valid while the transaction is */
} ru_leafmeta_t;

/* Reads the leaf record under key: 1 found (meta and slots filled, either may
 * be NULL), 0 absent, -1 unreadable (not of this layout).  slots is zeroed
 * unless found.  *rc receives an LMDB error other than NOTFOUND. */
int ru_leaf_get(MDB_txn *txn, const rollup_t *r, const char *key, size_t klen, int nvals, ru_leafmeta_t *meta,
                int64_t *slots, int *rc);

/* Writes the leaf record (submitter: sublen bytes, at most CATALOG_CODE_MAX
 * are kept).  Uses r->a_sb. */
int ru_leaf_put(MDB_txn *txn, rollup_t *r, const char *key, size_t klen, const ru_leafmeta_t *meta,
                const int64_t *slots, int nvals);

#endif
