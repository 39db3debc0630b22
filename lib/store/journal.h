/*
 * journal.h -- the collector's durable journal of accepted submissions (LMDB).
 *
 * The environment holds one database:
 *   journal  seq (u64 big-endian) -> RECORD (msgpack, exactly as sent in BATCH)
 * Which ids were used ((submitter, id) -> seq: a submission id is scoped by
 * the unit whose key sent it) and each report's latest version (unit,
 * dataset, period -> version) are derived from it and kept in memory:
 * journal_open() rebuilds them with one scan, so a group commit writes
 * nothing but an append at the end of the journal.
 *
 * journal_append() stores a whole group of submissions in ONE write
 * transaction, so one fsync makes all of them durable (group commit).  It
 * must be called from one thread at a time (LMDB has one writer); reads may
 * run concurrently from any thread.
 */
#ifndef CCHC_JOURNAL_H
#define CCHC_JOURNAL_H

#include <msgpack.h>
#include <stdint.h>

#include "proto.h"

typedef struct journal journal_t;

enum { JOURNAL_ACCEPTED = 1, JOURNAL_DUPLICATE = 2 };

/* One submission or one decision to store: exactly one of sub and dec is
 * set. */
typedef struct {
    const proto_submit_t *sub;  /* in: the validated submission, or NULL */
    const proto_decide_t *dec;  /* in: the validated decision (when sub is NULL) */
    const char *submitter;      /* in: unit code from the CURVE key */
    int64_t received_at;        /* in: collector receive time */
    int status;                 /* out: JOURNAL_ACCEPTED, JOURNAL_DUPLICATE or a negative proto_err_t */
    uint64_t seq;               /* out: journal seq (the original one for a duplicate) */
    uint32_t version;           /* out: report version; for a decision the version decided (0: extend,
                                 * silence, unsilence) */
    int64_t stored_at;          /* out: received_at of the stored record */
    char message[300];          /* out: the sentence of a PROTO_E_DECISION */
} journal_item_t;

/* Opens (creating) the journal in `dir` with a map of map_bytes.  Returns 0,
 * or an error with a sentence in err. */
int journal_open(const char *dir, uint64_t map_bytes, journal_t **out /* OUT */, char *err, size_t errlen);
void journal_close(journal_t **self_p);

/* Stores items[0..n) in one transaction and sets each item's outputs.  An
 * item whose (submitter, id) is already stored is a duplicate when its
 * content is the same (unit, dataset, period, note, entered_by; values and
 * comments, each in any order, for a report; decision, version and due for a decision), else
 * a conflict; either way
 * seq, version and stored_at are those of the stored record.  A report is
 * the next version of its unit/dataset/period.  A decision is checked
 * against the reports stored before it (in seq order, so also against a
 * correction earlier in the same group): approve and return must name the
 * latest version, which must not already have that decision; otherwise it
 * gets PROTO_E_DECISION with a sentence in its `message`, is not stored and
 * its id stays free.  A decision never changes a report's version.  These are answered before the write transaction, from the
 * stored records or from an earlier item of the group, so that a retry is
 * answered even when nothing new can be stored.
 * Returns 0; or an LMDB error code (or ENOMEM) when the write failed (map
 * full, I/O error): then none of the new items was stored, they and their
 * repeats in the group have status PROTO_E_STORAGE, and err holds the
 * reason; the duplicates and conflicts of stored records keep their answer. */
int journal_append(journal_t *j, journal_item_t *items, int n, char *err, size_t errlen);

/* The latest version of the unit/dataset/period report stored (0: none).
 * Reads the in-memory index: not while journal_append() runs. */
uint32_t journal_latest_version(journal_t *j, const char *unit, const char *dataset, const char *period);

/* What goes before the records in out, packed once their number is known
 * (a BATCH's head and its array header). */
typedef void (*journal_head_fn)(void *ud, msgpack_sbuffer *out, unsigned count, uint64_t head);

/* Appends to `out` the raw RECORDs with seq > after, at most max of them and
 * at most max_bytes of them (at least one record when there is one), each
 * copied once, straight from the map: first `before` (may be NULL) packs
 * what precedes them.  *count receives their number and *head the highest
 * seq in the journal.  Returns 0 or an LMDB error code (ENOMEM when out
 * cannot grow). */
int journal_read(journal_t *j, uint64_t after, unsigned max, size_t max_bytes, msgpack_sbuffer *out,
                 journal_head_fn before, void *ud, unsigned *count /* OUT */, uint64_t *head /* OUT */);

/* The highest seq stored (0 when empty). */
uint64_t journal_head(journal_t *j);

/* Copies the environment to `path` (a backup of a live journal). */
int journal_backup(journal_t *j, const char *path);

#endif
