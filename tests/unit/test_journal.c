/*
 * test_journal.c -- the collector's journal: group commit, idempotency,
 * versions, reads in seq order, and a full map that loses nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <lmdb.h>

#include "journal.h"

typedef struct {
    char dir[64];
    journal_t *j;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/cchc-journal-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char err[256];
    if (journal_open(f->dir, 64u << 20, &f->j, err, sizeof err))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    journal_close(&f->j);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static proto_value_t vals_a[2] = {{.code = "PORTAL_POSTS", .kind = PV_INT, .i = 4},
                                  {.code = "HOTLINE_PUBLISHED", .kind = PV_BOOL, .i = 1}};
static proto_value_t vals_b[2] = {{.code = "HOTLINE_PUBLISHED", .kind = PV_BOOL, .i = 1},
                                  {.code = "PORTAL_POSTS", .kind = PV_INT, .i = 4}};
static proto_value_t vals_c[1] = {{.code = "PORTAL_POSTS", .kind = PV_INT, .i = 5}};

static proto_submit_t make(const char *id, const char *unit, const char *period, proto_value_t *v, uint32_t n)
{
    proto_submit_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "%s", id);
    snprintf(s.unit, sizeof s.unit, "%s", unit);
    snprintf(s.dataset, sizeof s.dataset, "CCHC_Q");
    snprintf(s.period, sizeof s.period, "%s", period);
    s.values.n = n;
    s.values.items = v;
    return s;
}

static journal_item_t item(const proto_submit_t *s, int64_t t)
{
    journal_item_t it;
    memset(&it, 0, sizeof it);
    it.sub = s;
    it.submitter = s->unit;
    it.received_at = t;
    return it;
}

/* journal-1.1: one group, one transaction, consecutive seqs. */
static void group_commit_assigns_consecutive_seqs(void **state)
{
    fixture_t *f = *state;
    proto_submit_t s[3] = {make("a", "U1", "2025Q3", vals_a, 2), make("b", "U2", "2025Q3", vals_a, 2),
                           make("c", "U3", "2025Q3", vals_c, 1)};
    journal_item_t it[3] = {item(&s[0], 100), item(&s[1], 101), item(&s[2], 102)};
    char err[256];
    assert_int_equal(journal_append(f->j, it, 3, err, sizeof err), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(it[i].status, JOURNAL_ACCEPTED);
        assert_int_equal(it[i].seq, (uint64_t)i + 1);
        assert_int_equal(it[i].version, 1);
    }
    assert_int_equal(journal_head(f->j), 3);
}

/* journal-1.2: same id + same content (values in another order) is a duplicate
 * with the original seq; same id + other content is a conflict. */
static void same_id_is_duplicate_or_conflict(void **state)
{
    fixture_t *f = *state;
    proto_submit_t s1 = make("x", "U1", "2025Q3", vals_a, 2);
    proto_submit_t s2 = make("x", "U1", "2025Q3", vals_b, 2);
    proto_submit_t s3 = make("x", "U1", "2025Q3", vals_c, 1);
    journal_item_t it[3] = {item(&s1, 100), item(&s2, 200), item(&s3, 300)};
    char err[256];
    assert_int_equal(journal_append(f->j, it, 1, err, sizeof err), 0);
    /* The retry and the conflicting reuse arrive in a later group. */
    assert_int_equal(journal_append(f->j, it + 1, 2, err, sizeof err), 0);
    assert_int_equal(it[1].status, JOURNAL_DUPLICATE);
    assert_int_equal(it[1].seq, it[0].seq);
    assert_int_equal(it[1].stored_at, 100);
    assert_int_equal(it[2].status, PROTO_E_CONFLICT);
    assert_int_equal(journal_head(f->j), 1);
}

/* journal-1.3: a duplicate (and a conflict) inside the same group is
 * recognised too, against the first item of the group. */
static void duplicate_within_one_group(void **state)
{
    fixture_t *f = *state;
    proto_submit_t s1 = make("y", "U1", "2025Q3", vals_a, 2), s2 = make("y", "U1", "2025Q3", vals_b, 2),
                   s3 = make("y", "U1", "2025Q3", vals_c, 1);
    journal_item_t it[3] = {item(&s1, 100), item(&s2, 101), item(&s3, 102)};
    char err[256];
    assert_int_equal(journal_append(f->j, it, 3, err, sizeof err), 0);
    assert_int_equal(it[0].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[1].status, JOURNAL_DUPLICATE);
    assert_int_equal(it[1].seq, it[0].seq);
    assert_int_equal(it[1].stored_at, 100);
    assert_int_equal(it[2].status, PROTO_E_CONFLICT);
    assert_int_equal(it[2].seq, it[0].seq);
    assert_int_equal(journal_head(f->j), 1);
}

/* journal-1.4: a new id for the same unit/dataset/period is a new version. */
static void correction_is_next_version(void **state)
{
    fixture_t *f = *state;
    proto_submit_t s1 = make("v1", "U1", "2025Q3", vals_a, 2), s2 = make("v2", "U1", "2025Q3", vals_c, 1),
                   s3 = make("v3", "U1", "2025Q4", vals_c, 1);
    journal_item_t it[3] = {item(&s1, 1), item(&s2, 2), item(&s3, 3)};
    char err[256];
    assert_int_equal(journal_append(f->j, it, 3, err, sizeof err), 0);
    assert_int_equal(it[0].version, 1);
    assert_int_equal(it[1].version, 2);
    assert_int_equal(it[2].version, 1);
}

/* journal-1.5: the in-memory indexes come back from the journal on reopen:
 * an old id is still a duplicate, versions continue. */
static void indexes_rebuilt_on_open(void **state)
{
    fixture_t *f = *state;
    proto_submit_t s1 = make("k1", "U1", "2025Q3", vals_a, 2), s2 = make("k2", "U1", "2025Q3", vals_c, 1);
    journal_item_t it[2] = {item(&s1, 10), item(&s2, 20)};
    char err[256];
    assert_int_equal(journal_append(f->j, it, 2, err, sizeof err), 0);
    journal_close(&f->j);
    assert_int_equal(journal_open(f->dir, 64u << 20, &f->j, err, sizeof err), 0);
    proto_submit_t again = make("k1", "U1", "2025Q3", vals_b, 2), other = make("k1", "U1", "2025Q3", vals_c, 1),
                   next = make("k3", "U1", "2025Q3", vals_a, 2);
    journal_item_t it2[3] = {item(&again, 30), item(&other, 31), item(&next, 32)};
    assert_int_equal(journal_append(f->j, it2, 3, err, sizeof err), 0);
    assert_int_equal(it2[0].status, JOURNAL_DUPLICATE);
    assert_int_equal(it2[0].seq, 1);
    assert_int_equal(it2[0].stored_at, 10);
    assert_int_equal(it2[1].status, PROTO_E_CONFLICT);
    assert_int_equal(it2[2].status, JOURNAL_ACCEPTED);
    assert_int_equal(it2[2].version, 3);
    assert_int_equal(it2[2].seq, 3);
}

/* journal-1.6: ids are scoped by submitter: another submitter's id, even
 * with the same content, is a new submission, before and after a reopen. */
static void ids_scoped_by_submitter(void **state)
{
    fixture_t *f = *state;
    proto_submit_t s = make("same", "U1", "2025Q3", vals_a, 2);
    journal_item_t it[2] = {item(&s, 10), item(&s, 11)};
    it[1].submitter = "PARENT";
    char err[256];
    assert_int_equal(journal_append(f->j, it, 2, err, sizeof err), 0);
    assert_int_equal(it[0].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[1].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[1].seq, 2);
    assert_int_equal(it[1].version, 2);
    journal_close(&f->j);
    assert_int_equal(journal_open(f->dir, 64u << 20, &f->j, err, sizeof err), 0);
    journal_item_t again[2] = {item(&s, 20), item(&s, 21)};
    again[1].submitter = "PARENT";
    assert_int_equal(journal_append(f->j, again, 2, err, sizeof err), 0);
    assert_int_equal(again[0].status, JOURNAL_DUPLICATE);
    assert_int_equal(again[0].seq, 1);
    assert_int_equal(again[1].status, JOURNAL_DUPLICATE);
    assert_int_equal(again[1].seq, 2);
}

/* journal-2.1: reads return the RECORDs after a seq, in order, bounded. */
static void read_after_in_order(void **state)
{
    fixture_t *f = *state;
    char err[256], id[16];
    proto_submit_t s[10];
    journal_item_t it[10];
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "r%d", i);
        s[i] = make(id, "U1", "2025Q3", vals_c, 1);
        it[i] = item(&s[i], 1000 + i);
    }
    assert_int_equal(journal_append(f->j, it, 10, err, sizeof err), 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    unsigned count;
    uint64_t head;
    assert_int_equal(journal_read(f->j, 3, 4, 1 << 20, &sb, NULL, NULL, &count, &head), 0);
    assert_int_equal(count, 4);
    assert_int_equal(head, 10);
    /* Decode the records as a BATCH would carry them. */
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    for (unsigned i = 0; i < count; i++) {
        assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
        proto_list_t one = {.n = 1, .objs = &up.data};
        proto_record_t rec;
        assert_int_equal(proto_record_at(&one, 0, &rec, NULL), 0);
        assert_int_equal(rec.seq, 4 + i);
        assert_int_equal(rec.version, 4 + i);
        assert_string_equal(rec.submitter, "U1");
        assert_int_equal(rec.received_at, 1003 + (int)i);
    }
    assert_int_equal(off, sb.size);
    msgpack_unpacked_destroy(&up);
    /* Past the head: nothing, and no error. */
    sb.size = 0;
    assert_int_equal(journal_read(f->j, 10, 100, 1 << 20, &sb, NULL, NULL, &count, &head), 0);
    assert_int_equal(count, 0);
    msgpack_sbuffer_destroy(&sb);
}

/* journal-3.1: a full map refuses the group with E_STORAGE, keeps what was
 * stored before, and accepts again once there is room (smaller groups);
 * journal-3.2 inside. */
static void map_full_loses_nothing(void **state)
{
    (void)state;
    char dir[] = "/tmp/cchc-journal-full-XXXXXX";
    assert_non_null(mkdtemp(dir));
    journal_t *j;
    char err[256];
    assert_int_equal(journal_open(dir, 256u << 10, &j, err, sizeof err), 0);
    static char note[1025];
    memset(note, 'x', 1000);
    uint64_t stored = 0;
    int full = 0;
    for (int round = 0; round < 400 && !full; round++) {
        proto_submit_t s = make("", "U1", "2025Q3", vals_c, 1);
        snprintf(s.id, sizeof s.id, "full-%d", round);
        memcpy(s.note, note, sizeof s.note);
        journal_item_t it = item(&s, round);
        int rc = journal_append(j, &it, 1, err, sizeof err);
        if (rc) {
            assert_int_equal(rc, MDB_MAP_FULL);
            assert_int_equal(it.status, PROTO_E_STORAGE);
            full = 1;
        } else {
            stored = it.seq;
        }
    }
    assert_true(full);
    assert_true(stored > 10);
    assert_int_equal(journal_head(j), stored);
    /* The failed group left nothing in the indexes: a retry of the first
     * id is still its duplicate, and the id that failed is unknown. */
    {
        proto_submit_t s = make("full-0", "U1", "2025Q3", vals_c, 1);
        memcpy(s.note, note, sizeof s.note);
        journal_item_t it = item(&s, 0);
        assert_int_equal(journal_append(j, &it, 1, err, sizeof err), 0);
        assert_int_equal(it.status, JOURNAL_DUPLICATE);
        assert_int_equal(it.seq, 1);
    }
    /* journal-3.2: in one group with new items that cannot be stored, the
     * retries of stored ids are still answered from the journal; a repeat of
     * a new item shares its E_STORAGE. */
    {
        proto_submit_t dup = make("full-1", "U1", "2025Q3", vals_c, 1), fresh = make("fresh", "U1", "2025Q3", vals_c, 1),
                       other = make("full-2", "U1", "2025Q3", vals_a, 2);
        memcpy(dup.note, note, sizeof dup.note);
        memcpy(fresh.note, note, sizeof fresh.note);
        journal_item_t it[4] = {item(&fresh, 0), item(&dup, 0), item(&fresh, 0), item(&other, 0)};
        assert_int_equal(journal_append(j, it, 4, err, sizeof err), MDB_MAP_FULL);
        assert_int_equal(it[0].status, PROTO_E_STORAGE);
        assert_int_equal(it[1].status, JOURNAL_DUPLICATE);
        assert_int_equal(it[1].seq, 2);
        assert_int_equal(it[2].status, PROTO_E_STORAGE);
        assert_int_equal(it[3].status, PROTO_E_CONFLICT);
        assert_int_equal(it[3].seq, 3);
    }
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    unsigned count;
    uint64_t head;
    assert_int_equal(journal_read(j, 0, 10000, 64u << 20, &sb, NULL, NULL, &count, &head), 0);
    assert_int_equal(count, stored);
    msgpack_sbuffer_destroy(&sb);
    journal_close(&j);
    /* Reopening a full journal works and still holds everything. */
    assert_int_equal(journal_open(dir, 1u << 20, &j, err, sizeof err), 0);
    assert_int_equal(journal_head(j), stored);
    journal_close(&j);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}


/* ------------------------------------------------------------------------
 * Decisions
 * ------------------------------------------------------------------------ */

static proto_decide_t decide(const char *id, const char *unit, const char *what, uint64_t version)
{
    proto_decide_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.id, sizeof d.id, "%s", id);
    snprintf(d.unit, sizeof d.unit, "%s", unit);
    snprintf(d.dataset, sizeof d.dataset, "CCHC_Q");
    snprintf(d.period, sizeof d.period, "2025Q3");
    snprintf(d.decision, sizeof d.decision, "%s", what);
    d.version = version;
    if (!strcmp(what, "extend"))
        snprintf(d.due, sizeof d.due, "2025-10-20");
    if (!strcmp(what, "return") || !strcmp(what, "extend"))
        snprintf(d.note, sizeof d.note, "thiếu số liệu tháng 9");
    return d;
}

static journal_item_t ditem(const proto_decide_t *d, const char *submitter, int64_t t)
{
    journal_item_t it;
    memset(&it, 0, sizeof it);
    it.dec = d;
    it.submitter = submitter;
    it.received_at = t;
    return it;
}

/* Reads every record of the journal into recs (at most max); returns the count. */
static unsigned read_all(journal_t *j, proto_record_t *recs, unsigned max)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    unsigned count;
    uint64_t head;
    assert_int_equal(journal_read(j, 0, max, 1 << 20, &sb, NULL, NULL, &count, &head), 0);
    msgpack_unpacked up;
    msgpack_unpacked_init(&up);
    size_t off = 0;
    for (unsigned i = 0; i < count; i++) {
        assert_int_equal(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
        proto_list_t one = {.n = 1, .objs = &up.data};
        assert_int_equal(proto_record_at(&one, 0, &recs[i], NULL), 0);
        assert_int_equal(recs[i].values.n, recs[i].decision[0] ? 0 : recs[i].values.n);
    }
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
    return count;
}

/* journal-4.1: a decision is a RECORD of its own (decision, version
 * decided, no values) and leaves the report's version alone: the next
 * correction is still version 2. */
static void decision_is_a_record(void **state)
{
    fixture_t *f = *state;
    char err[256];
    proto_submit_t s1 = make("r1", "U1", "2025Q3", vals_a, 2), s2 = make("r2", "U1", "2025Q3", vals_c, 1);
    proto_decide_t ok = decide("d1", "U1", "approve", 1), ext = decide("d2", "U1", "extend", 0);
    journal_item_t it[3] = {item(&s1, 10), ditem(&ok, "PARENT", 11), ditem(&ext, "PARENT", 12)};
    assert_int_equal(journal_append(f->j, it, 3, err, sizeof err), 0);
    assert_int_equal(it[1].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[1].seq, 2);
    assert_int_equal(it[1].version, 1);
    assert_int_equal(it[2].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[2].version, 0);
    assert_int_equal(journal_latest_version(f->j, "U1", "CCHC_Q", "2025Q3"), 1);
    journal_item_t next = item(&s2, 13);
    assert_int_equal(journal_append(f->j, &next, 1, err, sizeof err), 0);
    assert_int_equal(next.version, 2);
    proto_record_t recs[4];
    assert_int_equal(read_all(f->j, recs, 4), 4);
    assert_string_equal(recs[1].decision, "approve");
    assert_int_equal(recs[1].version, 1);
    assert_int_equal(recs[1].values.n, 0);
    assert_string_equal(recs[1].submitter, "PARENT");
    assert_int_equal(recs[1].received_at, 11);
    assert_string_equal(recs[2].decision, "extend");
    assert_string_equal(recs[2].due, "2025-10-20");
    assert_string_equal(recs[2].note, "thiếu số liệu tháng 9");
    assert_int_equal(recs[2].version, 0);
    assert_string_equal(recs[3].decision, "");
    assert_int_equal(recs[3].version, 2);
}

/* journal-4.2: approve and return must name the latest version: nothing
 * received, a version that does not exist, a replaced one -- E_DECISION
 * with a sentence, nothing stored, and the id stays free. */
static void decision_needs_latest_version(void **state)
{
    fixture_t *f = *state;
    char err[256];
    proto_decide_t none = decide("n1", "U1", "approve", 1);
    journal_item_t it = ditem(&none, "PARENT", 1);
    assert_int_equal(journal_append(f->j, &it, 1, err, sizeof err), 0);
    assert_int_equal(it.status, PROTO_E_DECISION);
    assert_non_null(strstr(it.message, "nothing received yet"));
    assert_int_equal(journal_head(f->j), 0);
    proto_submit_t s1 = make("r1", "U1", "2025Q3", vals_a, 2), s2 = make("r2", "U1", "2025Q3", vals_c, 1);
    journal_item_t reps[2] = {item(&s1, 2), item(&s2, 3)};
    assert_int_equal(journal_append(f->j, reps, 2, err, sizeof err), 0);
    proto_decide_t ahead = decide("n2", "U1", "return", 3), old = decide("n3", "U1", "approve", 1);
    journal_item_t bad[2] = {ditem(&ahead, "PARENT", 4), ditem(&old, "PARENT", 4)};
    assert_int_equal(journal_append(f->j, bad, 2, err, sizeof err), 0);
    assert_int_equal(bad[0].status, PROTO_E_DECISION);
    assert_string_equal(bad[0].message, "the report of U1 for CCHC_Q 2025Q3 has no version 3; the latest is 2");
    assert_int_equal(bad[1].status, PROTO_E_DECISION);
    assert_non_null(strstr(bad[1].message, "version 1 of the report of U1 for CCHC_Q 2025Q3 was replaced"));
    assert_int_equal(journal_head(f->j), 2);
    /* The refused ids are free: the same id with the right version is stored. */
    proto_decide_t fixed = decide("n1", "U1", "approve", 2);
    it = ditem(&fixed, "PARENT", 5);
    assert_int_equal(journal_append(f->j, &it, 1, err, sizeof err), 0);
    assert_int_equal(it.status, JOURNAL_ACCEPTED);
    assert_int_equal(it.seq, 3);
}

/* journal-4.3: approving the version that stands approved again (new id)
 * is E_DECISION; return after approve is a change of mind, stored; a
 * correction opens the report again. */
static void repeated_decision_refused(void **state)
{
    fixture_t *f = *state;
    char err[256];
    proto_submit_t s1 = make("r1", "U1", "2025Q3", vals_a, 2), s2 = make("r2", "U1", "2025Q3", vals_c, 1);
    proto_decide_t a1 = decide("a1", "U1", "approve", 1), a2 = decide("a2", "U1", "approve", 1),
                   r1 = decide("b1", "U1", "return", 1), r2 = decide("b2", "U1", "return", 1),
                   a3 = decide("a3", "U1", "approve", 2);
    journal_item_t it[5] = {item(&s1, 1), ditem(&a1, "U1", 2), ditem(&a2, "PARENT", 3), ditem(&r1, "PARENT", 4),
                            ditem(&r2, "PARENT", 5)};
    assert_int_equal(journal_append(f->j, it, 5, err, sizeof err), 0);
    assert_int_equal(it[1].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[2].status, PROTO_E_DECISION);
    assert_string_equal(it[2].message, "version 1 of the report of U1 for CCHC_Q 2025Q3 is already approved");
    assert_int_equal(it[3].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[4].status, PROTO_E_DECISION);
    assert_non_null(strstr(it[4].message, "already returned"));
    /* journal-4.6 inside: the state comes back from the journal on reopen */
    journal_close(&f->j);
    assert_int_equal(journal_open(f->dir, 64u << 20, &f->j, err, sizeof err), 0);
    journal_item_t again = ditem(&r2, "PARENT", 6);
    assert_int_equal(journal_append(f->j, &again, 1, err, sizeof err), 0);
    assert_int_equal(again.status, PROTO_E_DECISION);
    journal_item_t more[3] = {item(&s2, 7), ditem(&a3, "PARENT", 8), ditem(&a2, "PARENT", 9)};
    assert_int_equal(journal_append(f->j, more, 3, err, sizeof err), 0);
    assert_int_equal(more[0].version, 2);
    assert_int_equal(more[1].status, JOURNAL_ACCEPTED); /* in the same group as the correction */
    assert_int_equal(more[1].version, 2);
    assert_int_equal(more[2].status, PROTO_E_DECISION); /* version 1 was replaced */
    assert_int_equal(journal_head(f->j), 5);
}

/* journal-4.4: a decision's id is idempotent like a report's, in the same
 * scope (submitter, id): same content -> duplicate, other content (another
 * decision, version, due, note, or a SUBMIT) -> conflict; also after a
 * reopen and within one group. */
static void decision_ids_idempotent(void **state)
{
    fixture_t *f = *state;
    char err[256];
    proto_submit_t s1 = make("r1", "U1", "2025Q3", vals_a, 2), clash = make("x1", "U1", "2025Q3", vals_a, 2);
    proto_decide_t d = decide("x1", "U1", "extend", 0), d2 = d, d3 = d, d4 = decide("x1", "U1", "silence", 0);
    snprintf(d2.due, sizeof d2.due, "2025-10-21");
    snprintf(d3.note, sizeof d3.note, "lý do khác");
    journal_item_t it[3] = {item(&s1, 1), ditem(&d, "PARENT", 2), ditem(&d, "PARENT", 3)};
    assert_int_equal(journal_append(f->j, it, 3, err, sizeof err), 0);
    assert_int_equal(it[1].status, JOURNAL_ACCEPTED);
    assert_int_equal(it[2].status, JOURNAL_DUPLICATE);
    assert_int_equal(it[2].seq, it[1].seq);
    for (int round = 0; round < 2; round++) {
        journal_item_t again[5] = {ditem(&d, "PARENT", 4), ditem(&d2, "PARENT", 4), ditem(&d3, "PARENT", 4),
                                   ditem(&d4, "PARENT", 4), item(&clash, 4)};
        again[4].submitter = "PARENT";
        assert_int_equal(journal_append(f->j, again, 5, err, sizeof err), 0);
        assert_int_equal(again[0].status, JOURNAL_DUPLICATE);
        assert_int_equal(again[0].seq, 2);
        assert_int_equal(again[0].stored_at, 2);
        for (int k = 1; k < 5; k++)
            assert_int_equal(again[k].status, PROTO_E_CONFLICT);
        /* another submitter's id is its own */
        journal_item_t mine = ditem(&d, "OTHER", 5);
        assert_int_equal(journal_append(f->j, &mine, 1, err, sizeof err), 0);
        assert_int_equal(mine.status, round == 0 ? JOURNAL_ACCEPTED : JOURNAL_DUPLICATE);
        journal_close(&f->j);
        assert_int_equal(journal_open(f->dir, 64u << 20, &f->j, err, sizeof err), 0);
    }
    assert_int_equal(journal_head(f->j), 3);
    assert_int_equal(journal_latest_version(f->j, "U1", "CCHC_Q", "2025Q3"), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(group_commit_assigns_consecutive_seqs, setup, teardown),
        cmocka_unit_test_setup_teardown(same_id_is_duplicate_or_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_within_one_group, setup, teardown),
        cmocka_unit_test_setup_teardown(correction_is_next_version, setup, teardown),
        cmocka_unit_test_setup_teardown(indexes_rebuilt_on_open, setup, teardown),
        cmocka_unit_test_setup_teardown(ids_scoped_by_submitter, setup, teardown),
        cmocka_unit_test_setup_teardown(read_after_in_order, setup, teardown),
        cmocka_unit_test(map_full_loses_nothing),
        cmocka_unit_test_setup_teardown(decision_is_a_record, setup, teardown),
        cmocka_unit_test_setup_teardown(decision_needs_latest_version, setup, teardown),
        cmocka_unit_test_setup_teardown(repeated_decision_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(decision_ids_idempotent, setup, teardown),
    };
    return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
