/*
 * journal_int.h -- the journal's in-memory indexes (internal to journal*.c).
 *
 * Which ids were used (submitter \0 id -> seq: ids are scoped by the unit
 * whose key submitted, so one unit learns nothing from another's ids) and
 * the latest version of each report (unit \0 dataset \0 period -> version,
 * and the decision standing on it) are derived from the journal.  Keeping
 * them in LMDB cost two random B-tree leaves per submission in every group
 * commit; in memory they cost nothing to write.  journal_open() rebuilds
 * them with one scan of the journal, and a failed transaction rebuilds them
 * too (so they never hold what the disk does not).
 *
 * An index is an open-addressing hash table of byte-string keys; entries are
 * never removed (an id refused before it was stored keeps an empty entry:
 * seq 0, version 0, which counts as unused).
 */
#ifndef CCHC_JOURNAL_INT_H
#define CCHC_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *key;      /* NULL: empty slot */
    uint32_t klen;
    /* reports: the latest version.  ids: 0; while journal_append() runs, a
     * new id has seq 0 and here 1 + the index of the item that took it. */
    uint32_t version;
    uint64_t seq;
    uint8_t state; /* reports: REP_* -- the decision standing on the latest version */
} slot_t;

/* What stands on a report's latest version (a correction resets it). */
enum { REP_OPEN = 0, REP_APPROVED, REP_RETURNED };

typedef struct {
    slot_t *s;
    size_t cap, n; /* cap is a power of two */
} index_t;

/* Frees every key and the table; x is then empty (and usable). */
void journal__idx_free(index_t *x);

/* The entry for k (n bytes), or NULL. */
slot_t *journal__idx_get(const index_t *x, const char *k, size_t n);

/* The entry for k, created empty (version 0, seq 0, REP_OPEN) when absent;
 * NULL when out of memory. */
slot_t *journal__idx_put(index_t *x, const char *k, size_t n);

#endif
