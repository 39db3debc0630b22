/*
 * cchc-collector -- the only door in.
 *
 * Units connect to a ROUTER socket with CURVE; our ZAP handler admits the
 * keys of the keyring and makes the client's public key the User-Id that
 * libzmq attaches to every message; each message's unit is looked up from
 * that key in the current keyring.  Each SUBMIT is decoded, validated against the catalog and queued;
 * queued submissions are written to the LMDB journal by a pool thread in one
 * transaction per group (group commit), and each is answered ACK or NACK only
 * after that transaction is on disk.  The aggregator pulls the journal from a
 * second ROUTER socket (FETCH -> BATCH), with long polling.
 */
#include <errno.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#include "catalog.h"
#include "clock.h"
#include "config.h"
#include "journal.h"
#include "keys.h"
#include "log.h"
#include "proto.h"
#include "service.h"
#include "validate.h"
#include "zloop.h"

#define MAX_ENVELOPE 2 /* the ROUTER's identity frame, and a REQ client's empty delimiter */
#define MAX_WAITERS 64
#define BATCH_MAX_BYTES (8u << 20)
#define DRAIN_QUIET_MS 100 /* on SIGTERM, the units' socket closes after this long without input */

/* One received SUBMIT or DECIDE waiting for its commit. */
typedef struct {
    zmq_msg_t env[MAX_ENVELOPE]; /* routing frames, echoed in the reply */
    int nenv;
    zmq_msg_t payload;           /* the bytes `sub` borrows from */
    /* The decoded SUBMIT or DECIDE (not a whole proto_msg_t: 1.3 KB, not 17);
     * item.sub or item.dec points to it. */
    union {
        proto_submit_t sub;
        proto_decide_t dec;
    } u;
    msgpack_unpacked unpacked;   /* the zone its values live in */
    bool has_unpacked;
    char submitter[65];
    char peek_id[65];            /* the id of a message that failed to decode */
    journal_item_t item;
} pending_t;

typedef struct {
    zmq_msg_t rid;
    uint64_t after;
    unsigned max;
    int64_t expires_ms;
} waiter_t;

typedef struct {
    uv_loop_t *loop;
    config_t *cfg;
    catalog_t *cat;
    keyring_t *keyring;
    journal_t *journal;
    const char *keyring_path;
    bool curve;

    void *ctx;
    void *router, *zap, *feed;
    zloop_sock_t zrouter, zzap, zfeed;
    int open_socks;

    service_loop_t svc;          /* signals and the tick */
    uv_work_t work;

    pending_t **queue;   /* received, not yet committing */
    int nqueue, capqueue;
    pending_t **batch;   /* being committed by the pool thread */
    journal_item_t *items;
    int nbatch, capbatch;
    bool committing, draining;
    uint64_t drain_started, last_input; /* uv_now() of the stop signal and of the last message received */
    int max_batch, max_queue;
    int shutdown_linger_ms; /* how long answers may take to leave after the units' socket is closed */
    char commit_err[256];
    int commit_rc;

    waiter_t waiters[MAX_WAITERS];
    int nwaiters;

    proto_msg_t scratch;  /* decodes each message before its SUBMIT moves into a pending_t */

    unsigned long accepted, duplicates, rejected;
    unsigned long rejected_by[PROTO_E_NOT_FOUND - PROTO_E_FIRST_ + 1]; /* NACKs per error code */
    uint64_t commits, committed_items;
} collector_t;

/* ------------------------------------------------------------------------
 * Replies
 * ------------------------------------------------------------------------ */

static void send_reply(collector_t *c, zloop_sock_t *zs, zmq_msg_t *env, int nenv, const proto_msg_t *reply)
{
    char *buf;
    size_t len;
    proto_error_t perr;
    if (proto_encode(reply, &buf, &len, &perr)) {
        log_error("cannot encode %s: %s", proto_type_name(reply->type), perr.message);
        return;
    }
    zmq_msg_t frames[MAX_ENVELOPE + 1];
    for (int i = 0; i < nenv; i++) {
        zmq_msg_init(&frames[i]);
        zmq_msg_copy(&frames[i], &env[i]);
    }
    zmq_msg_init_size(&frames[nenv], len);
    memcpy(zmq_msg_data(&frames[nenv]), buf, len);
    free(buf);
    if (zloop_send_frames(zs, frames, nenv + 1) && errno != EHOSTUNREACH)
        log_debug("reply dropped: %s", zmq_strerror(errno));
    (void)c;
}

static void send_nack(collector_t *c, zmq_msg_t *env, int nenv, const char *id, int code, const char *sentence)
{
    proto_msg_t r;
    /* Only the NACK member: a whole proto_msg_t is 17 KB, this is per message. */
    memset(&r.u.nack, 0, sizeof r.u.nack);
    r.type = PROTO_NACK;
    snprintf(r.u.nack.id, sizeof r.u.nack.id, "%s", id ? id : "");
    snprintf(r.u.nack.code, sizeof r.u.nack.code, "%s", proto_err_code(code));
    snprintf(r.u.nack.message, sizeof r.u.nack.message, "%s", sentence && *sentence ? sentence : proto_err_sentence(code));
    c->rejected++;
    if (code > PROTO_E_FIRST_ && code <= PROTO_E_NOT_FOUND)
        c->rejected_by[code - PROTO_E_FIRST_]++;
    send_reply(c, &c->zrouter, env, nenv, &r);
}

/* The id of a queued SUBMIT or DECIDE. */
static const char *pending_id(const pending_t *p)
{
    return p->item.sub ? p->u.sub.id : p->u.dec.id;
}

static void send_ack(collector_t *c, pending_t *p)
{
    proto_msg_t r;
    memset(&r.u.ack, 0, sizeof r.u.ack); /* only the member the encoder reads */
    r.type = PROTO_ACK;
    snprintf(r.u.ack.id, sizeof r.u.ack.id, "%s", pending_id(p));
    snprintf(r.u.ack.status, sizeof r.u.ack.status, "%s",
             p->item.status == JOURNAL_DUPLICATE ? "duplicate" : "accepted");
    r.u.ack.seq = p->item.seq;
    r.u.ack.version = p->item.version;
    r.u.ack.received_at = p->item.stored_at;
    send_reply(c, &c->zrouter, p->env, p->nenv, &r);
}

static void pending_free(pending_t *p)
{
    for (int i = 0; i < p->nenv; i++)
        zmq_msg_close(&p->env[i]);
    if (p->has_unpacked)
        msgpack_unpacked_destroy(&p->unpacked);
    zmq_msg_close(&p->payload);
    free(p);
}

/* ------------------------------------------------------------------------
 * Group commit
 * ------------------------------------------------------------------------ */

static void start_commit(collector_t *c);
static void drain_step(collector_t *c);
static void serve_waiters(collector_t *c, bool expire_only);

/* Pool thread: the only place that writes the journal. */
static void commit_work(uv_work_t *w)
{
    collector_t *c = w->data;
    c->commit_rc = journal_append(c->journal, c->items, c->nbatch, c->commit_err, sizeof c->commit_err);
}

static void commit_done(uv_work_t *w, int status)
{
    collector_t *c = w->data;
    (void)status;
    /* The pool thread wrote its results into c->items; bring them home. */
    for (int i = 0; i < c->nbatch; i++)
        c->batch[i]->item = c->items[i];
    if (c->commit_rc) {
        int refused = 0;
        for (int i = 0; i < c->nbatch; i++)
            refused += c->batch[i]->item.status == PROTO_E_STORAGE;
        log_error("%s; %d submission(s) refused with E_STORAGE, nothing of them was stored", c->commit_err, refused);
    }
    for (int i = 0; i < c->nbatch; i++) {
        pending_t *p = c->batch[i];
        int st = p->item.status;
        if (st == JOURNAL_ACCEPTED || st == JOURNAL_DUPLICATE) {
            st == JOURNAL_ACCEPTED ? c->accepted++ : c->duplicates++;
            send_ack(c, p);
        } else if (st == PROTO_E_CONFLICT) {
            char s[256];
            snprintf(s, sizeof s,
                     "%s id %s was already used (seq %llu) for different content; choose a new id for a new %s",
                     p->item.sub ? "submission" : "decision", pending_id(p), (unsigned long long)p->item.seq,
                     p->item.sub ? "report" : "decision");
            send_nack(c, p->env, p->nenv, pending_id(p), st, s);
        } else if (st == PROTO_E_DECISION) {
            send_nack(c, p->env, p->nenv, pending_id(p), st, p->item.message);
        } else {
            send_nack(c, p->env, p->nenv, pending_id(p), st,
                      st == PROTO_E_STORAGE ? "the collector could not store the report (storage full or failing); "
                                              "nothing was stored, retry later"
                                            : NULL);
        }
        pending_free(p);
    }
    c->commits++;
    c->committed_items += (uint64_t)c->nbatch;
    c->nbatch = 0;
    c->committing = false;
    serve_waiters(c, false);
    if (c->nqueue > 0)
        start_commit(c);
    else
        drain_step(c);
}

static int ensure_batch_cap(collector_t *c, int n)
{
    if (n <= c->capbatch)
        return 0;
    pending_t **nb = realloc(c->batch, (size_t)n * sizeof *nb);
    if (!nb)
        return -1;
    c->batch = nb;
    journal_item_t *ni = realloc(c->items, (size_t)n * sizeof *ni);
    if (!ni)
        return -1;
    c->items = ni;
    c->capbatch = n;
    return 0;
}

static void start_commit(collector_t *c)
{
    if (c->committing || c->nqueue == 0)
        return;
    int n = c->nqueue < c->max_batch ? c->nqueue : c->max_batch;
    if (ensure_batch_cap(c, n)) {
        log_error("out of memory preparing a commit");
        return;
    }
    for (int i = 0; i < n; i++) {
        pending_t *p = c->queue[i];
        c->batch[i] = p;
        c->items[i] = p->item;
    }
    memmove(c->queue, c->queue + n, (size_t)(c->nqueue - n) * sizeof *c->queue);
    c->nqueue -= n;
    c->nbatch = n;
    c->committing = true;
    c->work.data = c;
    if (uv_queue_work(c->loop, &c->work, commit_work, commit_done)) {
        log_error("cannot queue the commit");
        c->committing = false;
    }
}

/* ------------------------------------------------------------------------
 * Receiving submissions
 * ------------------------------------------------------------------------ */

/* The unit a client key stands for now, from the current keyring and
 * catalog (two hash lookups).  Asked at the handshake and again for every
 * message, so that a key deleted from the keyring, or moved to another unit,
 * by a reload (SIGHUP) loses its old rights on connections opened before.
 * Returns 0 with *unit (owned by the keyring) and its catalog index, or
 * PROTO_E_FORBIDDEN with a sentence in err. */
static int key_unit(const collector_t *c, const char *key, const char **unit /* OUT */, int *index /* OUT */,
                    bool *gateway /* OUT */, proto_error_t *err)
{
    const char *u = keyring_lookup(c->keyring, key, gateway);
    if (!u)
        return proto_fail(err, PROTO_E_FORBIDDEN, "this key is no longer in the collector's keyring (revoked)");
    int i = catalog_unit(c->cat, u);
    if (i < 0)
        return proto_fail(err, PROTO_E_FORBIDDEN, "the key's unit %s is not in the catalog", u);
    *unit = u;
    *index = i;
    return 0;
}

static int queue_push(collector_t *c, pending_t *p)
{
    if (c->nqueue == c->capqueue) {
        int cap = c->capqueue ? c->capqueue * 2 : 1024;
        pending_t **nq = realloc(c->queue, (size_t)cap * sizeof *nq);
        if (!nq)
            return -1;
        c->queue = nq;
        c->capqueue = cap;
    }
    c->queue[c->nqueue++] = p;
    return 0;
}

static void on_submit(zloop_sock_t *zs, zmq_msg_t *frames, int n, void *ud)
{
    collector_t *c = ud;
    c->last_input = uv_now(c->loop);
    if (n < 2)
        return; /* cannot happen: a ROUTER puts the peer's identity before at least one frame */
    pending_t *p = calloc(1, sizeof *p);
    if (!p)
        return;
    /* The ROUTER's identity, and the empty delimiter a REQ client puts before
     * its message: the envelope, echoed in the answer.  What follows must be
     * exactly one frame; anything else is refused as a whole rather than
     * taking one frame for the message and the others for an envelope. */
    p->nenv = n >= 3 && zmq_msg_size(&frames[1]) == 0 ? 2 : 1;
    for (int i = 0; i < p->nenv; i++) {
        zmq_msg_init(&p->env[i]);
        zmq_msg_move(&p->env[i], &frames[i]);
    }
    zmq_msg_init(&p->payload);
    char key[KEY_Z85_LEN + 1]; /* the client's public key, which our ZAP handler made the User-Id */
    const char *user = zmq_msg_gets(&frames[p->nenv], "User-Id");
    snprintf(key, sizeof key, "%s", user ? user : "");
    int64_t now = clock_now();
    proto_error_t err = {0, ""};
    const char *id = "";
    int rc;

    if (n != p->nenv + 1 || zs->truncated) {
        char count[32];
        snprintf(count, sizeof count, zs->truncated ? "more than %d" : "%d", n - p->nenv);
        rc = proto_fail(&err, PROTO_E_MALFORMED,
                        "a SUBMIT (or DECIDE) is one frame (after an empty delimiter, from a REQ socket); this message has %s frames",
                        count);
        goto refuse;
    }
    zmq_msg_move(&p->payload, &frames[p->nenv]);
    size_t len = zmq_msg_size(&p->payload);
    if (len > proto_type_max_bytes(PROTO_SUBMIT)) {
        rc = proto_fail(&err, PROTO_E_TOO_LARGE, "a SUBMIT may be at most %zu bytes; this one has %zu",
                        proto_type_max_bytes(PROTO_SUBMIT), len);
        goto refuse;
    }
    proto_msg_t *m = &c->scratch;
    rc = proto_decode(zmq_msg_data(&p->payload), len, m, &err);
    if (rc) {
        /* Name the submission in the NACK when its id could be read. */
        if (proto_peek_id(m, p->peek_id, sizeof p->peek_id) == 0)
            id = p->peek_id;
        proto_msg_free(m);
        goto refuse;
    }
    if (m->type != PROTO_SUBMIT && m->type != PROTO_DECIDE) {
        rc = proto_fail(&err, PROTO_E_TYPE, "this socket takes SUBMIT or DECIDE, not %s", proto_type_name(m->type));
        proto_msg_free(m);
        goto refuse;
    }
    /* Keep only the SUBMIT (or DECIDE) and the zone its values live in. */
    if (m->type == PROTO_SUBMIT) {
        p->u.sub = m->u.submit;
        p->item.sub = &p->u.sub;
    } else {
        p->u.dec = m->u.decide;
        p->item.dec = &p->u.dec;
    }
    p->unpacked = m->unpacked;
    p->has_unpacked = m->has_unpacked;
    m->has_unpacked = false;
    id = pending_id(p);
    int submitter = -1;
    bool gateway = false;
    if (c->curve) {
        const char *unit;
        if ((rc = key_unit(c, key, &unit, &submitter, &gateway, &err)))
            goto refuse;
        snprintf(p->submitter, sizeof p->submitter, "%s", unit);
    } else {
        snprintf(p->submitter, sizeof p->submitter, "%s", p->item.sub ? p->u.sub.unit : p->u.dec.unit);
    }
    rc = p->item.sub ? validate_submit(c->cat, &p->u.sub, submitter, gateway, now, &err)
                     : validate_decide(c->cat, &p->u.dec, submitter, gateway, now, &err);
    if (rc)
        goto refuse;
    if (c->draining) {
        rc = proto_fail(&err, PROTO_E_BUSY, "the collector is stopping; retry in a moment");
        goto refuse;
    }
    if (c->nqueue >= c->max_queue) {
        rc = proto_fail(&err, PROTO_E_BUSY, "the collector has %d reports waiting to be stored; retry in a moment",
                        c->nqueue);
        goto refuse;
    }
    p->item.submitter = p->submitter;
    p->item.received_at = now;
    if (queue_push(c, p)) {
        rc = proto_fail(&err, PROTO_E_BUSY, "out of memory");
        goto refuse;
    }
    start_commit(c);
    return;
refuse:
    log_debug("NACK %s %s: %s", id, proto_err_code(rc), err.message);
    send_nack(c, p->env, p->nenv, id, rc, err.message);
    pending_free(p);
}

/* ------------------------------------------------------------------------
 * ZAP: client key -> unit
 * ------------------------------------------------------------------------ */

static void on_zap(zloop_sock_t *zs, zmq_msg_t *f, int n, void *ud)
{
    collector_t *c = ud;
    /* version, request id, domain, address, identity, mechanism, credentials */
    if (n < 6)
        return;
    const char *status = "400", *text = "unknown key";
    char key[KEY_Z85_LEN + 1] = "";
    char mech[16] = "";
    size_t ml = zmq_msg_size(&f[5]) < sizeof mech - 1 ? zmq_msg_size(&f[5]) : sizeof mech - 1;
    memcpy(mech, zmq_msg_data(&f[5]), ml);
    if (!strcmp(mech, "CURVE") && n >= 7 && zmq_msg_size(&f[6]) == 32) {
        zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
        const char *unit;
        int index;
        proto_error_t ignored;
        if (key_unit(c, key, &unit, &index, NULL, &ignored) == 0)
            status = "200", text = "OK";
    } else {
        text = "only CURVE is accepted";
    }
    if (*status == '4')
        log_warn("refused a %s connection from %.*s: %s %s", mech, (int)zmq_msg_size(&f[3]),
                 (const char *)zmq_msg_data(&f[3]), text, key);
    /* The User-Id is the key itself, not its unit: the unit is looked up
     * again for every message (key_unit), so a reload can take it away. */
    const char *user = *status == '2' ? key : "";
    const void *bufs[6] = {"1.0", zmq_msg_data(&f[1]), status, text, user, ""};
    size_t lens[6] = {3, zmq_msg_size(&f[1]), 3, strlen(text), strlen(user), 0};
    zloop_send(zs, bufs, lens, 6);
}

/* ------------------------------------------------------------------------
 * The journal feed: FETCH -> BATCH
 * ------------------------------------------------------------------------ */

/* The BATCH's head and its records' array header, packed by journal_read()
 * in front of the records once their number is known. */
typedef struct {
    uint64_t after;
    int rc;
} batch_head_t;

static void pack_batch_head(void *ud, msgpack_sbuffer *out, unsigned count, uint64_t head)
{
    batch_head_t *h = ud;
    proto_msg_t r;
    memset(&r.u.batch, 0, sizeof r.u.batch);
    r.type = PROTO_BATCH;
    r.u.batch.after = h->after;
    r.u.batch.head = head;
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    h->rc = proto_pack_head(&pk, &r, true, NULL);
    msgpack_pack_array(&pk, count);
}

static void free_sent(void *data, void *hint)
{
    (void)hint;
    free(data);
}

/* Answers a FETCH with the records after `after`, or with an empty BATCH
 * when send_empty.  The BATCH is built in one buffer -- its head, then the
 * journal's bytes of each record, copied once from the map -- and handed to
 * ZeroMQ without another copy.  Returns true when the request is done with
 * (answered, or dropped on a read error: the aggregator asks again), false
 * when there was nothing to send. */
static bool send_batch(collector_t *c, zmq_msg_t *rid, uint64_t after, unsigned max, bool send_empty)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    unsigned count;
    uint64_t head;
    batch_head_t h = {after, 0};
    int rc = journal_read(c->journal, after, max, BATCH_MAX_BYTES, &sb, pack_batch_head, &h, &count, &head);
    if (rc || h.rc) {
        log_error("journal read failed: %s", rc ? mdb_strerror(rc) : "the BATCH head could not be packed");
        msgpack_sbuffer_destroy(&sb);
        return true;
    }
    if (count == 0 && !send_empty) {
        msgpack_sbuffer_destroy(&sb);
        return false;
    }
    zmq_msg_t frames[2];
    zmq_msg_init(&frames[0]);
    zmq_msg_copy(&frames[0], rid);
    size_t len = sb.size;
    char *data = msgpack_sbuffer_release(&sb);
    if (zmq_msg_init_data(&frames[1], data, len, free_sent, NULL)) {
        free(data);
        zmq_msg_close(&frames[0]);
        return true;
    }
    if (zloop_send_frames(&c->zfeed, frames, 2) && errno != EHOSTUNREACH)
        log_debug("BATCH dropped: %s", zmq_strerror(errno));
    return true;
}

static void serve_waiters(collector_t *c, bool expire_only)
{
    int64_t now = clock_now_ms();
    for (int i = 0; i < c->nwaiters;) {
        waiter_t *w = &c->waiters[i];
        bool sent = false;
        if (!expire_only)
            sent = send_batch(c, &w->rid, w->after, w->max, false);
        if (!sent && now >= w->expires_ms)
            sent = send_batch(c, &w->rid, w->after, w->max, true);
        if (sent) {
            zmq_msg_close(&w->rid);
            c->waiters[i] = c->waiters[--c->nwaiters];
        } else {
            i++;
        }
    }
}

/* QUERY what=stats on the feed socket: the collector's counters, for
 * monitoring (cchc-web's /metrics). */
static void answer_stats(collector_t *c, zloop_sock_t *zs, zmq_msg_t *rid, const proto_query_t *q)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    proto_msg_t r;
    memset(&r, 0, sizeof r);
    r.type = PROTO_RESULT;
    r.u.result.qid = q->qid;
    if (strcmp(q->what, "stats")) {
        snprintf(r.u.result.code, sizeof r.u.result.code, "E_QUERY");
        snprintf(r.u.result.message, sizeof r.u.result.message, "the collector answers only what=stats");
    } else {
        int nrej = 0;
        for (size_t i = 0; i < sizeof c->rejected_by / sizeof c->rejected_by[0]; i++)
            nrej += c->rejected_by[i] != 0;
        msgpack_pack_map(&pk, 8);
        proto_pack_cstr(&pk, "accepted");
        msgpack_pack_uint64(&pk, c->accepted);
        proto_pack_cstr(&pk, "duplicates");
        msgpack_pack_uint64(&pk, c->duplicates);
        proto_pack_cstr(&pk, "rejected");
        msgpack_pack_uint64(&pk, c->rejected);
        proto_pack_cstr(&pk, "rejected_by_code");
        msgpack_pack_map(&pk, (size_t)nrej);
        for (size_t i = 0; i < sizeof c->rejected_by / sizeof c->rejected_by[0]; i++)
            if (c->rejected_by[i]) {
                proto_pack_cstr(&pk, proto_err_code((int)i + PROTO_E_FIRST_));
                msgpack_pack_uint64(&pk, c->rejected_by[i]);
            }
        proto_pack_cstr(&pk, "head");
        msgpack_pack_uint64(&pk, journal_head(c->journal));
        proto_pack_cstr(&pk, "queued");
        msgpack_pack_int(&pk, c->nqueue + c->nbatch);
        proto_pack_cstr(&pk, "commits");
        msgpack_pack_uint64(&pk, c->commits);
        proto_pack_cstr(&pk, "committed");
        msgpack_pack_uint64(&pk, c->committed_items);
        r.u.result.ok = true;
        r.u.result.data.raw = sb.data;
        r.u.result.data.rawlen = sb.size;
    }
    send_reply(c, zs, rid, 1, &r);
    msgpack_sbuffer_destroy(&sb);
}

static void on_fetch(zloop_sock_t *zs, zmq_msg_t *frames, int n, void *ud)
{
    collector_t *c = ud;
    if (n != 2)
        return;
    proto_msg_t m;
    proto_error_t err;
    int rc = proto_decode(zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), &m, &err);
    if (rc == 0 && m.type == PROTO_QUERY) {
        answer_stats(c, zs, &frames[0], &m.u.query);
        proto_msg_free(&m);
        return;
    }
    if (rc || m.type != PROTO_FETCH) {
        if (!rc)
            proto_fail(&err, PROTO_E_TYPE, "this socket takes FETCH (or QUERY what=stats), not %s",
                       proto_type_name(m.type));
        proto_msg_t r;
        memset(&r, 0, sizeof r);
        r.type = PROTO_NACK;
        snprintf(r.u.nack.code, sizeof r.u.nack.code, "%s", proto_err_code(err.code));
        snprintf(r.u.nack.message, sizeof r.u.nack.message, "%s", err.message);
        send_reply(c, zs, frames, 1, &r);
        proto_msg_free(&m);
        return;
    }
    proto_fetch_t f = m.u.fetch;
    proto_msg_free(&m);
    /* Answer now when there is something, when the client does not want to
     * wait, or when too many requests already wait; otherwise hold it. */
    bool sent = send_batch(c, &frames[0], f.after, (unsigned)f.max, f.wait_ms == 0 || c->nwaiters >= MAX_WAITERS);
    if (!sent && c->nwaiters < MAX_WAITERS) {
        waiter_t *w = &c->waiters[c->nwaiters++];
        zmq_msg_init(&w->rid);
        zmq_msg_copy(&w->rid, &frames[0]);
        w->after = f.after;
        w->max = (unsigned)f.max;
        w->expires_ms = clock_now_ms() + (int64_t)f.wait_ms;
    }
}

/* ------------------------------------------------------------------------
 * Start, signals, shutdown
 * ------------------------------------------------------------------------ */

static void on_sock_closed(zloop_sock_t *zs)
{
    zmq_close(zs->zsock);
    collector_t *c = zs->ud;
    c->open_socks--;
}

static void shutdown_sockets(collector_t *c)
{
    for (int i = 0; i < c->nwaiters; i++)
        zmq_msg_close(&c->waiters[i].rid);
    c->nwaiters = 0;
    /* The last ACKs were only handed to libzmq: with ZMQ_LINGER 0 the close
     * would discard those its I/O thread has not written yet, and a client
     * would retry reports that are stored.  A bounded linger lets them leave
     * (zmq_ctx_term waits for them) without letting a client that stopped
     * reading hold the exit up. */
    zmq_setsockopt(c->router, ZMQ_LINGER, &c->shutdown_linger_ms, sizeof c->shutdown_linger_ms);
    zloop_sock_close(&c->zrouter, on_sock_closed);
    zloop_sock_close(&c->zfeed, on_sock_closed);
    if (c->zap)
        zloop_sock_close(&c->zzap, on_sock_closed);
    service_loop_close(&c->svc);
}

/* After a stop signal, once everything queued is committed and answered:
 * closes the sockets when the units' socket has been quiet for a moment, or
 * when the linger is spent.  Closing a TCP connection with input still
 * unread makes the kernel reset it and discard the answers not yet
 * delivered, so what a client still sends is first read and refused
 * (E_BUSY).  Called from commit_done() and the tick. */
static void drain_step(collector_t *c)
{
    if (!c->draining || c->committing || c->nqueue > 0)
        return;
    uint64_t now = uv_now(c->loop);
    if (now - c->last_input >= DRAIN_QUIET_MS || now - c->drain_started >= (uint64_t)c->shutdown_linger_ms)
        shutdown_sockets(c);
}

static void on_stop_signal(service_loop_t *s, int signum)
{
    collector_t *c = s->data;
    log_info("signal %d: storing %d queued submission(s), then exiting", signum, c->nqueue + c->nbatch);
    c->draining = true;
    c->drain_started = uv_now(c->loop);
    drain_step(c);
}

static void on_hup(service_loop_t *s)
{
    collector_t *c = s->data;
    const char *dir = config_get(c->cfg, "catalog", "dir", "deploy/catalog");
    catalog_t *cat = service_load_catalog(dir);
    if (!cat) {
        log_error("SIGHUP: keeping the previous catalog");
    } else {
        catalog_destroy(&c->cat);
        c->cat = cat;
    }
    if (c->curve) {
        keyring_t *kr;
        char err[512];
        if (keyring_load(c->keyring_path, 0, &kr, err, sizeof err)) {
            log_error("SIGHUP: keeping the previous keyring: %s", err);
        } else {
            keyring_destroy(&c->keyring);
            c->keyring = kr;
            log_info("keyring reloaded: %d key(s)", keyring_size(kr));
        }
    }
}

static void on_tick(service_loop_t *s)
{
    serve_waiters(s->data, true);
    drain_step(s->data);
}

/* Opens and binds a socket; sndhwm > 0 replaces libzmq's default send
 * high-water mark (1,000 messages per peer). */
static int open_socket(collector_t *c, void **sock, int type, const char *endpoint, bool curve, const char *secret,
                       int sndhwm)
{
    *sock = zmq_socket(c->ctx, type);
    if (!*sock)
        return -1;
    int linger = 0, maxmsg = 1 << 20, one = 1;
    zmq_setsockopt(*sock, ZMQ_LINGER, &linger, sizeof linger);
    if (sndhwm > 0)
        zmq_setsockopt(*sock, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    if (type == ZMQ_ROUTER) {
        int64_t mm = maxmsg;
        zmq_setsockopt(*sock, ZMQ_MAXMSGSIZE, &mm, sizeof mm);
    }
    if (curve) {
        zmq_setsockopt(*sock, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(*sock, ZMQ_CURVE_SECRETKEY, secret, KEY_Z85_LEN);
        zmq_setsockopt(*sock, ZMQ_ZAP_DOMAIN, "cchc", 4);
    }
    if (zmq_bind(*sock, endpoint)) {
        log_error("cannot bind %s: %s", endpoint, zmq_strerror(errno));
        return -1;
    }
    return 0;
}

static int collector_start(collector_t *c, bool insecure)
{
    char err[512];
    const config_t *cfg = c->cfg;
    const char *endpoint = config_get(cfg, "collector", "endpoint", "tcp://127.0.0.1:7100");
    const char *feed = config_get(cfg, "collector", "journal_endpoint", "tcp://127.0.0.1:7101");
    const char *dir = config_get(cfg, "collector", "data_dir", "var/collector");
    uint64_t map = (uint64_t)config_int(cfg, "collector", "map_size_mb", 1024) << 20;
    c->max_batch = (int)config_int(cfg, "collector", "max_batch", 2000);
    c->max_queue = (int)config_int(cfg, "collector", "max_queue", 50000);
    c->shutdown_linger_ms = (int)config_int(cfg, "collector", "shutdown_linger_ms", 2000);
    c->curve = !insecure && config_bool(cfg, "collector", "curve", true);

    int rc = journal_open(dir, map, &c->journal, err, sizeof err);
    if (rc) {
        log_error("%s", err);
        return -1;
    }
    log_info("journal %s: head seq %llu", dir, (unsigned long long)journal_head(c->journal));

    keypair_t server;
    if (c->curve) {
        const char *keyfile = config_get(cfg, "collector", "server_key", "var/keys/collector.key");
        c->keyring_path = config_get(cfg, "collector", "keyring", "var/keys/keyring.csv");
        if (keys_read(keyfile, &server, err, sizeof err)) {
            log_error("%s (make one with: cchc keygen --server --out %s)", err, keyfile);
            return -1;
        }
        if (!server.secret_key[0]) {
            log_error("%s has no secret key", keyfile);
            return -1;
        }
        if (keyring_load(c->keyring_path, 0, &c->keyring, err, sizeof err)) {
            log_error("%s", err);
            return -1;
        }
        log_info("CURVE on: server key %s, %d unit key(s) in %s", server.public_key, keyring_size(c->keyring),
                 c->keyring_path);
    } else {
        log_warn("INSECURE MODE: no encryption, no authentication; any client may submit for any unit. "
                 "For local experiments only.");
    }

    c->ctx = zmq_ctx_new();
    /* libzmq accepts every CURVE client when no ZAP handler is bound, so the
     * handler must be in place before the first client can connect. */
    if (c->curve) {
        c->zap = zmq_socket(c->ctx, ZMQ_REP);
        if (!c->zap || zmq_bind(c->zap, "inproc://zeromq.zap.01")) {
            log_error("cannot bind the ZAP handler: %s; refusing to run CURVE without it", zmq_strerror(errno));
            return -1;
        }
        zloop_sock_init(c->loop, &c->zzap, c->zap, on_zap, c);
        c->open_socks++;
    }
    /* A ROUTER silently drops what it cannot queue for a peer.  A client may
     * have max_queue submissions waiting, and each answer (an ACK above all:
     * its report is stored) must wait for a slow link rather than vanish. */
    if (open_socket(c, &c->router, ZMQ_ROUTER, endpoint, c->curve, server.secret_key, c->max_queue) ||
        open_socket(c, &c->feed, ZMQ_ROUTER, feed, false, NULL, 0))
        return -1;
    zloop_sock_init(c->loop, &c->zrouter, c->router, on_submit, c);
    c->zrouter.keep_long = true; /* every message gets an answer, a long one E_MALFORMED */
    zloop_sock_init(c->loop, &c->zfeed, c->feed, on_fetch, c);
    c->open_socks += 2;

    c->svc = (service_loop_t){.data = c, .on_stop = on_stop_signal, .on_reload = on_hup, .on_tick = on_tick};
    if (service_loop_start(&c->svc, c->loop, 100, 100)) {
        log_error("cannot install the signal handlers");
        return -1;
    }
    log_info("listening for submissions on %s, journal feed on %s", endpoint, feed);
    return 0;
}

int main(int argc, char **argv)
{
    service_args_t a = {.name = "collector"};
    int rc = service_parse_args(argc, argv, &a, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    collector_t c;
    memset(&c, 0, sizeof c);
    if (service_load(&a, argc, argv, &c.cfg, &c.cat))
        return 1;
    signal(SIGPIPE, SIG_IGN);
    c.loop = uv_default_loop();
    int status = 0;
    if (collector_start(&c, a.insecure) == 0) {
        uv_run(c.loop, UV_RUN_DEFAULT);
        log_info("stopped: %lu accepted, %lu duplicates, %lu rejected", c.accepted, c.duplicates, c.rejected);
    } else {
        status = 1;
        /* Sockets watched by the loop close through it; the others now. */
        zloop_sock_t *zs[] = {&c.zrouter, &c.zfeed, &c.zzap};
        void *socks[] = {c.router, c.feed, c.zap};
        for (int i = 0; i < 3; i++) {
            if (zs[i]->zsock)
                zloop_sock_close(zs[i], on_sock_closed);
            else if (socks[i])
                zmq_close(socks[i]);
        }
        uv_run(c.loop, UV_RUN_DEFAULT);
    }
    if (c.ctx)
        zmq_ctx_term(c.ctx);
    if (uv_loop_close(c.loop))
        log_warn("the loop still had open handles at exit");
    for (int i = 0; i < c.nqueue; i++)
        pending_free(c.queue[i]);
    free(c.queue);
    free(c.batch);
    free(c.items);
    journal_close(&c.journal);
    keyring_destroy(&c.keyring);
    catalog_destroy(&c.cat);
    config_destroy(&c.cfg);
    return status;
}
