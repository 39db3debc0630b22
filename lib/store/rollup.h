/*
 * rollup.h -- the aggregator's state: latest values, version history and
 * incrementally maintained rollups along the unit tree and the period tree.
 *
 * Model
 * -----
 * A *leaf* is one unit's latest report for (dataset, period of the dataset's
 * type).  For every period P that contains the leaf's period (the period
 * itself, then its parents up to the year) the unit has a *unit value*: its
 * leaves inside P combined across time by each indicator's across_time rule
 * (count: sum; stock: the latest leaf that has it; bool: any / latest; tags:
 * union).  A *node value* for (node, dataset, P) is the sum over the node's
 * subtree (the node itself included) of the unit values -- each indicator is
 * kept as integer slots: count/stock (sum, units reporting), bool (yes, units
 * answering), tags (units answering, units per tag).  Rates have no slots:
 * they are computed from the summed numerator and denominator at query time,
 * never averaged.  A missing indicator adds nothing (it is not a 0).
 *
 * Applying a record: store its history entry and the leaf (whose slots are
 * the unit value of the leaf's period); for each P in the period chain take
 * the difference between the unit value now and before -- for a coarser P
 * both are combined from the unit's leaves in P (at most 12 reads), "before"
 * with the record's own period as it was -- and add it to the node value of
 * the unit itself (stored only when it has children, see the LMDB layout
 * below) and of every ancestor.  Coarser unit values are not stored.  So a
 * correction changes the rollups by exactly the difference.  Completeness
 * counters (received, on time, late) are node slots too, incremented only by
 * the first version of a leaf; timeliness is the first version's
 * received_at < the dataset's deadline for that period.
 *
 * Decisions (RECORD.decision set; rules in docs/protocol.md, "Decisions";
 * applied by rollup_decide.c): approve / return change the approval state
 * of the leaf's latest version (ignored unless it is the latest and still
 * awaiting); a new version makes it awaiting again.  An approval also
 * writes the approved layer (aleaf, anode) with the same difference logic
 * (new approved slots minus the previous ones).  extend sets the unit's own
 * deadline (a mark) and judges an arrived report again; silence/unsilence
 * set a mark flag.  Counters: approved and returned are node slots like
 * received (awaiting = received - approved - returned); extended and
 * silenced are counted from the marks at query time, which also keep an
 * extended obligation pending until its own deadline.  Decisions are no
 * versions: they never touch `history`, only `decision`.
 *
 * Exactly once: rollup_apply() applies a batch in ONE write transaction that
 * also stores the last applied seq; records with seq <= that are skipped, so
 * a replay after a crash counts nothing twice and loses nothing.
 *
 * Catalog changes: the store remembers a signature of the layout it was
 * built with: dataset indicator slots and tags, who must report (dataset
 * kinds and units; each unit's kind, parent, opened and closed dates) and
 * the due rule (due day, roll forward) -- everything the stored counters
 * depend on; holidays are not included.  When the catalog's signature
 * differs, rollup_open() reports it (needs_rebuild) and the caller calls
 * rollup_reset() and replays the journal from seq 0.  Until the reset,
 * rollup_apply() refuses with STORE_E_STALE and queries answer E_BUSY
 * (rollup_info() still answers).  A leaf record that cannot be read
 * (a damaged store) makes the store stale the same way: the batch is refused
 * with STORE_E_STALE, and a reset and replay rebuild it.
 *
 * Threads: rollup_apply() runs on a pool thread while queries run on the
 * loop thread (LMDB readers never block the writer).  rollup_set_catalog()
 * is safe while an apply runs (the derived tables are reference counted: a
 * running batch finishes on the catalog it started with); rollup_reset() is
 * not -- call it only between applies.
 *
 * LMDB databases (keys are byte strings; codes are catalog codes, NUL
 * separated; P is period_key() as 4 big-endian bytes):
 *   meta     "applied" -> u64;  "signature" -> u64
 *   leaf     unit \0 dataset \0 P        -> the latest version's version,
 *            on time, first received at, approval state (the latest
 *            version's, the latest approved version, first approved at,
 *            the deciding seq), unit value (int64 slots) and
 *            submitter (binary, see rollup_int.h); P is of the dataset's
 *            own period type -- a coarser period's unit value is combined
 *            across time from the leaves when needed
 *   history  unit \0 dataset \0 P \0 ver(u32 BE) -> RECORD (as in the journal;
 *            the values answer reads the leaf's version here)
 *   node     node \0 dataset \0 P        -> int64 slots (node value + completeness:
 *            received, on time, late, approved, returned),
 *            only for units WITH children: a childless unit's node value is
 *            its unit value (its leaf's, or its leaves' combined; absent:
 *            zeros) plus the completeness
 *            counters of its own leaves of the dataset's type inside P
 *            (counted when it must report the dataset and is open in the
 *            leaf's period; on time from the leaf), derived at query time
 */
#ifndef CCHC_ROLLUP_H
#define CCHC_ROLLUP_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#include "answer.h"
#include "catalog.h"
#include "proto.h"

typedef struct rollup rollup_t;

/* What happened to one record of a batch (for the EVENT it publishes). */
typedef struct {
    uint64_t seq;
    bool applied;     /* false: skipped (seq already applied, or unknown unit/dataset/period: logged) */
    bool decision;    /* a decision (RECORD.decision set), not a report: applied says it changed something */
    bool on_time;     /* the report's first version arrived before the deadline */
    uint32_t version;
} rollup_outcome_t;

/* Opens (creating) the store in `dir`.  The catalog is borrowed and must
 * outlive the store (or be replaced with rollup_set_catalog()).  Sets
 * *needs_rebuild when the stored layout does not match the catalog. */
int rollup_open(const char *dir, uint64_t map_bytes, const catalog_t *cat, rollup_t **out /* OUT */,
                bool *needs_rebuild /* OUT */, char *err, size_t errlen);
void rollup_close(rollup_t **self_p);

/* Swaps the catalog (after SIGHUP).  Returns true when the layout changed
 * and the caller must rollup_reset() and replay. */
bool rollup_set_catalog(rollup_t *r, const catalog_t *cat);

/* Empties every database and stores the current signature; applied = 0. */
int rollup_reset(rollup_t *r, char *err, size_t errlen);

/* True while the store must be reset and replayed before anything is applied
 * (another layout, or a damaged leaf found by rollup_apply()). */
bool rollup_stale(rollup_t *r);

/* The last applied journal seq. */
uint64_t rollup_applied(rollup_t *r);

/* Applies records [0..n) (consecutive seqs, as in a BATCH) in one write
 * transaction together with the new applied seq.  raw[i] (raw may be NULL)
 * are the bytes record i came as, stored as its history entry; without
 * them the record is encoded.  out[i] (may be NULL)
 * receives each record's outcome.  Returns 0, or a store error (store.h) with a
 * sentence in err -- then nothing was applied; STORE_E_STALE means the
 * store is stale (another layout, or a damaged leaf): reset and replay. */
int rollup_apply(rollup_t *r, const proto_record_t *recs, const proto_str_t *raw, int n, rollup_outcome_t *out,
                 char *err, size_t errlen);

/* Answers a QUERY: packs the answer (the RESULT's `data`, whose shape for
 * each QUERY.what is defined in proto/answers.def) with pk and returns 0, or
 * returns a negative proto_err_t (E_QUERY, E_NOT_FOUND, E_UNKNOWN_UNIT,
 * E_UNKNOWN_DATASET, E_PERIOD, E_BUSY, E_STORAGE) with err set and nothing
 * packed.  `now` (Unix seconds) decides which reports are still pending.
 *
 * What the numbers mean:
 *
 * rollup (a period of any type containing or equal to the dataset's type):
 *   value is, per kind, the sum (count, stock), the units answering yes
 *   (bool), the units answering (tags), or num / den (rate, 0..1, never an
 *   average of rates); nil when no unit reported it.
 *
 * status: expected counts obligations: units of the subtree that must report
 *   the dataset and are open in the sub-period, for each sub-period of the
 *   dataset's type inside `period` that has begun by `now`.
 *
 * units (a period of the dataset's type): every unit of the subtree that
 *   must report it and is open in the period, in pre-order; received_at is
 *   the first arrival, version and submitter the latest.
 *
 * values: E_NOT_FOUND when the unit has not reported.  history: newest first.
 *
 * targets (node, period; dataset optional): every target of a unit
 *   in the subtree that is in force for `period`, behind-target first.
 *   The window W a target is judged on: for a target per period type tt
 *   coarser than `period` (a yearly target asked at 2025Q3), W runs from
 *   the start of the tt-period containing `period` to the end of `period`
 *   and a count's minimum is pro-rated by months(W) / months(tt-period)
 *   (20 a year => 15 by the end of Q3); for tt finer than or equal to
 *   `period` (2 radio items a month asked for a quarter), W = `period` and
 *   the minimum is multiplied by months(period) / months(tt) (=> 6).
 *   Stocks, yes/no and rates are not pro-rated.  actual is the unit's OWN
 *   value over W (not its subtree's), combined across time from its leaves
 *   inside W; rates in percent.  A target is in force when W lies inside
 *   its [from, to].  status: above_max when max is set and exceeded, then
 *   met (actual >= expected and W covers the whole tt-period), on_track
 *   (actual >= expected_by_now), behind, no_data; expected_by_now is nil for
 *   a target with only a max.  Without a dataset, the first dataset with
 *   data is used (required datasets first, then the finest period type).
 *
 * info is not answered here (E_QUERY): the aggregator answers it, with
 *   rollup_info() and its own figures.
 */
int rollup_query(rollup_t *r, const proto_query_t *q, int64_t now, msgpack_packer *pk, proto_error_t *err);

/* The store's part of the answer to what = "info": fills info->applied,
 * units and datasets (of the catalog the store uses; info->datasets.items is
 * allocated: the caller frees it, and packs before the catalog can change).
 * Answers while the rollups are being rebuilt too.  Returns 0, or E_BUSY /
 * E_STORAGE with err set. */
int rollup_info(rollup_t *r, ans_info_t *info, proto_error_t *err);

#endif
