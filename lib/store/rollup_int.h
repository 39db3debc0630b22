/*
 * rollup_int.h -- private to rollup.c, rollup_apply.c and rollup_query.c.
 *
 * Slot layout of a dataset (int64, native byte order, one array per LMDB
 * value): for each non-rate indicator of the dataset, in dataset order,
 *   count / stock  [sum, units]
 *   bool           [yes, units]
 *   tags           [units, units per tag ...]
 * A unit value is exactly these nvals slots; a node value appends the
 * completeness counters [received, on_time, late, approved, returned]
 * (RU_COMPLETENESS slots; awaiting = received - approved - returned).
 * The approved layer (the "aleaf" and "anode" databases) holds the same
 * value slots over the latest approved version of each report: an aleaf
 * value is a unit value (nvals slots), an anode value a node value without
 * the counters (nvals slots).
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

#define RU_COMPLETENESS 5 /* received, on_time, late, approved, returned */
enum { RU_C_RECEIVED, RU_C_ON_TIME, RU_C_LATE, RU_C_APPROVED, RU_C_RETURNED };
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
    MDB_dbi aleaf, anode; /* the approved layer (see the slot layout above) */
    MDB_dbi mark;         /* extensions and silences (rollup.h) */
    MDB_dbi dec;          /* decisions, as journalled (rollup.h) */

    pthread_mutex_t mu;  /* view, want, stale */
    ru_view_t *view;     /* NULL after an allocation failure (want says which catalog) */
    const catalog_t *want;
    bool stale;          /* the stored signature differs: reset and replay before applying */

    pthread_mutex_t exp_mu; /* the views' expected caches */

    /* apply-side scratch (one applying thread), reused across calls */
    const ru_view_t *a_view; /* the view of the batch being applied */
    int a_cap;           /* slots per buffer */
    int64_t *a_leaf, *a_new, *a_old, *a_old0, *a_diff, *a_node, *a_prev, *a_subs;
    bool a_present[RU_SUBS_MAX];
    msgpack_sbuffer a_sb;

    /* Within one batch the differences for ancestors (not the unit itself)
     * are summed in memory and written once per node record at the end:
     * the root and the upper levels are touched by every record. */
    struct ru_acc {
        int unit, ds;
        uint32_t pkey;
        int layer; /* 0: every version's values and the counters; 1: the approved layer */
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

/* Turns the key of a leaf (buf[0..klen)) into that of one of its decisions:
 * key \0 seq (8 BE); returns the length. */
size_t ru_decision_key(char *buf, size_t klen, uint64_t seq);

/* Reads a slot record into out[0..n); false when absent or of another size
 * (out is then zeroed).  *rc receives an LMDB error other than NOTFOUND. */
bool ru_get_slots(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t klen, int64_t *out, int n, int *rc);

/* Combines the unit values of leaf periods subs[0..n) (chronological; those
 * with present[k] false are absent) across time into out[0..nvals). */
void ru_combine(const catalog_t *cat, int ds, const ru_layout_t *lay, const int64_t *subs, const bool *present,
                int n, int64_t *out);

/* Reads the unit's leaf-period unit values for subs[0..n) and combines them
 * into out.  Returns true when at least one was present. buf holds n * nvals.
 * approved: the approved layer's values (aleaf) instead of the latest
 * versions' (leaf). */
bool ru_unit_value(MDB_txn *txn, const rollup_t *r, const ru_view_t *v, int unit, int ds, const period_t *subs, int n,
                   bool approved, int64_t *buf, bool *present, int64_t *out, int *rc);

/* The deadline (Unix seconds) of an extension to civil day `due`: the end
 * of that day, local time -- as a dataset's deadline is the end of its last
 * day. */
int64_t ru_due_deadline(int32_t due);

/* Grows the apply-side buffers to `slots` per buffer.  0 or STORE_E_NOMEM. */
int ru_scratch(rollup_t *r, int slots);

/* meta "applied" inside a transaction. */
int ru_meta_put_applied(MDB_txn *txn, rollup_t *r, uint64_t applied);
int ru_meta_get_applied(MDB_txn *txn, rollup_t *r, uint64_t *applied);

/* ---- leaf records ------------------------------------------------------ */

/* A leaf record: a fixed header (version u32, on_time u32, first_received_at
 * i64, approval u32, approved_version u32, first_approved_at i64,
 * decision_seq u64, prev_approved_version u32, ever_approved u32; native
 * byte order), the unit value in slot form (nvals int64), then the
 * submitter's code (not terminated).  LMDB aligns values to 2 bytes only:
 * always copied, never cast. */
#define RU_LEAF_HDR 48

/* The approval state of a report's latest version. */
enum { RU_AWAITING, RU_APPROVED, RU_RETURNED };

typedef struct {
    uint32_t version;
    bool on_time;
    int64_t first_received_at;
    uint32_t approval;         /* RU_AWAITING, RU_APPROVED or RU_RETURNED: the latest version's */
    uint32_t approved_version; /* the latest approved version, 0 when none was */
    int64_t first_approved_at; /* when the first approval was recorded (ever_approved) */
    uint64_t decision_seq;     /* the approve or return that set `approval`, 0 while awaiting */
    uint32_t prev_approved_version; /* the approved version before approved_version, 0: none
                                     * (what a return of an approved latest version falls back to) */
    bool ever_approved;        /* an approval was applied (first_approved_at is set) */
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

/* ---- applying (rollup_apply.c, rollup_decide.c) ---------------------- */

/* Adds the change of one unit's value in `layer` (0: the latest versions'
 * values with the completeness counters, node database; 1: the approved
 * layer, anode) to the node record of the unit (when it has children) and
 * of its ancestors (those at the end of the batch), for p and every period
 * above it.  The leaf period's value has just been stored as cur (leaf, or
 * aleaf for layer 1) and was old before (was_present: it existed); cnt
 * (RU_COMPLETENESS counter changes, layer 0 only; NULL: none) is added at
 * every level.  Uses the apply-side scratch except a_leaf and a_old0. */
int ru_propagate(rollup_t *r, MDB_txn *txn, int unit, int ds, period_t p, int layer, const int64_t *cur,
                 const int64_t *old, bool was_present, const int64_t *cnt);

/* Applies a decision record (rec->decision set): stores it in the decision
 * database and, when it applies, changes the leaf's approval, the approved
 * layer, the mark and the counters.  unit is -1 when (unit, dataset,
 * period) is not in the catalog (then it is only stored).  Sets
 * oc->applied when it changed something.  0 or an LMDB/store error. */
int ru_apply_decision(rollup_t *r, MDB_txn *txn, const proto_record_t *rec, const proto_str_t *raw, int unit, int ds,
                      period_t p, rollup_outcome_t *oc);

/* The values of rec in slot form for dataset ds (out: nvals slots). */
void ru_leaf_slots(rollup_t *r, int ds, const proto_record_t *rec, int64_t *out);

/* The history entry of a record: its journal bytes when we have them, else
 * encoded into r->a_sb.  1 when hv is set, 0 when the record cannot be
 * encoded (logged: it is skipped). */
int ru_record_bytes(rollup_t *r, const proto_record_t *rec, const proto_str_t *raw, MDB_val *hv);

/* ---- marks: extensions and silences ---------------------------------- */

/* A mark record, key dataset \0 P(4 BE) unit (so that one range scan finds
 * every mark of a dataset period): flags u32, the extension's last day i32,
 * then the extension's reason (not terminated). */
#define RU_MARK_HDR 8
enum { RU_MARK_EXTENDED = 1, RU_MARK_SILENCED = 2 };

typedef struct {
    uint32_t flags;
    int32_t due;        /* the extension's last day (civil day), with RU_MARK_EXTENDED */
    const char *reason; /* not terminated; into the map, valid while the transaction is */
    size_t rlen;
} ru_mark_t;

/* dataset \0 P(4 BE) unit; returns the length. */
size_t ru_mark_key(char *buf, const char *ds, size_t dlen, uint32_t pkey, const char *unit, size_t ulen);

/* Reads the mark under key: 1 found, 0 absent (m zeroed).  *rc receives an
 * LMDB error other than NOTFOUND. */
int ru_mark_get(MDB_txn *txn, const rollup_t *r, const char *key, size_t klen, ru_mark_t *m, int *rc);

/* The deadline that applies to one unit's report: its extension's when it
 * has one, else the dataset's. */
int64_t ru_own_deadline(const catalog_t *c, int ds, period_t p, const ru_mark_t *m);

/* Whether the report of leaf lm is on time: its first version arrived (or,
 * for a dataset judged on approval, its first approval was recorded) before
 * the unit's own deadline (m: its mark, may be NULL). */
bool ru_on_time(const catalog_t *c, int ds, period_t p, const ru_leafmeta_t *lm, const ru_mark_t *m);

#endif
