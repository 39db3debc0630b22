#include "outbox.h"
#include "clock.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <lmdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "log.h"
#include "proto.h"

/* A destination and its queue of digests (linked through outbox.next). */
typedef struct {
    int head, tail;
    int inflight, limit;
} dest_t;

/* An outcome waiting for its sent-log record. */
typedef struct {
    char id[POLICY_ID_MAX];
    const char *recipient;
    deliver_status_t status;
    int attempts;
    int64_t at;
    char error[256];
    int rc; /* the sent-log's answer */
} rec_t;

typedef struct {
    rec_t *v;
    int n, cap;
} recs_t;

struct outbox {
    uv_loop_t *loop;
    outbox_opts_t o;
    outbox_owner_t own;
    sentlog_t *log;
    void *pub;
    deliver_t *dl;
    /* the batch */
    const catalog_t *c;
    digest_t *dg;
    int ndg;
    int *next, *dest_of;   /* [ndg] */
    dest_t *dests;
    int ndests, rr;
    json_t *dest_index;    /* destination key -> index */
    bool busy, stopping, pumping, again;
    int inflight, unrecorded, confirmed;
    /* the sent-log writer: outcomes queued on the loop, written by a pool thread */
    recs_t queued, writing_batch;
    uv_work_t work;
    bool writing;
    unsigned long sent, rejected, failed;
    void (*closed)(void *ud);
    void *closed_ud;
};

static void pump(outbox_t *ob);

/* ---- the sent-log writer -------------------------------------------------------- */

/* Every outcome confirmed while the previous commit ran, in one committed
 * transaction (one sync instead of one per message).  Should the batch
 * fail as a whole, each outcome is tried in its own transaction, so one bad
 * record does not cost the others. */
static void write_work(uv_work_t *w)
{
    outbox_t *ob = w->data;
    int n = ob->writing_batch.n;
    const char **ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    sentlog_entry_t *es = malloc((size_t)(n ? n : 1) * sizeof *es);
    for (int i = 0; i < n; i++) {
        rec_t *r = &ob->writing_batch.v[i];
        if (ids && es) {
            ids[i] = r->id;
            es[i] = (sentlog_entry_t){deliver_status_name(r->status), r->at, r->attempts, r->recipient,
                                      r->error[0] ? r->error : NULL};
        }
        r->rc = -1;
    }
    if (ids && es && sentlog_record_batch(ob->log, ids, es, n) == 0)
        for (int i = 0; i < n; i++)
            ob->writing_batch.v[i].rc = 0;
    for (int i = 0; i < n; i++) {
        rec_t *r = &ob->writing_batch.v[i];
        if (r->rc == 0)
            continue;
        sentlog_entry_t e = {deliver_status_name(r->status), r->at, r->attempts, r->recipient,
                             r->error[0] ? r->error : NULL};
        r->rc = sentlog_record(ob->log, r->id, &e);
    }
    free(ids);
    free(es);
}

static void writer_kick(outbox_t *ob);

static void write_done(uv_work_t *w, int status)
{
    outbox_t *ob = w->data;
    (void)status;
    for (int i = 0; i < ob->writing_batch.n; i++) {
        rec_t *r = &ob->writing_batch.v[i];
        if (r->rc)
            log_error("%s: %s but the sent-log cannot record it: %s", r->id, deliver_status_name(r->status),
                      mdb_strerror(r->rc));
    }
    ob->unrecorded -= ob->writing_batch.n;
    ob->writing_batch.n = 0;
    ob->writing = false;
    writer_kick(ob);
    pump(ob);
}

static void writer_kick(outbox_t *ob)
{
    if (ob->writing || ob->queued.n == 0)
        return;
    recs_t t = ob->writing_batch;
    ob->writing_batch = ob->queued;
    ob->queued = t;
    ob->writing = true;
    ob->work.data = ob;
    if (uv_queue_work(ob->loop, &ob->work, write_work, write_done)) {
        write_work(&ob->work); /* cannot happen with a live loop; keep the records anyway */
        write_done(&ob->work, 0);
    }
}

/* The channel's answer for digest i: counted, logged, queued for the sent-log. */
static void outcome(outbox_t *ob, int i, const deliver_result_t *res)
{
    const digest_t *g = &ob->dg[i];
    if (res->status == DELIVER_SENT && ob->o.kill_after_sends > 0 && ++ob->confirmed >= ob->o.kill_after_sends) {
        /* test hook: die between the channel's confirmation and the record */
        log_warn("test_kill_after_sends: killing myself after %s was confirmed, before recording it", g->id);
        raise(SIGKILL);
    }
    if (ob->queued.n == ob->queued.cap) {
        int cap = ob->queued.cap ? ob->queued.cap * 2 : 64;
        rec_t *v = realloc(ob->queued.v, (size_t)cap * sizeof *v);
        if (!v) {
            log_error("%s: %s but out of memory to record it", g->id, deliver_status_name(res->status));
            return;
        }
        ob->queued.v = v;
        ob->queued.cap = cap;
    }
    rec_t *r = &ob->queued.v[ob->queued.n++];
    memset(r, 0, sizeof *r);
    snprintf(r->id, sizeof r->id, "%s", g->id);
    r->recipient = g->recipient;
    r->status = res->status;
    r->attempts = res->attempts;
    r->at = clock_now();
    snprintf(r->error, sizeof r->error, "%s", res->error);
    ob->unrecorded++;
    switch (res->status) {
    case DELIVER_SENT:
        ob->sent++;
        log_info("sent %s to %s (%d attempt%s)", g->id, g->recipient, res->attempts, res->attempts == 1 ? "" : "s");
        break;
    case DELIVER_REJECTED:
        ob->rejected++;
        log_error("rejected %s by %s: %s (not retried)", g->id, g->recipient, res->error);
        break;
    case DELIVER_FAILED:
        ob->failed++;
        log_warn("failed %s to %s after %d attempt(s): %s (retried next tick)", g->id, g->recipient, res->attempts,
                 res->error);
        break;
    }
    writer_kick(ob);
}

/* ---- the channels ----------------------------------------------------------------- */

/* One REMINDER per item on the PUB socket, topic = the recipient's code. */
static void publish(outbox_t *ob, const digest_t *g, const message_t *m, deliver_result_t *res)
{
    const catalog_t *c = ob->c;
    memset(res, 0, sizeof *res);
    res->attempts = 1;
    /* the body field holds at most 16384 bytes: cut on a character boundary */
    size_t bl = strlen(m->body);
    if (bl > 16384) {
        bl = 16384;
        while (bl > 0 && ((unsigned char)m->body[bl] & 0xC0) == 0x80)
            bl--;
    }
    for (int k = 0; k < g->nitems && res->status == DELIVER_SENT; k++) {
        const reminder_t *r = &g->items[k];
        if (r->cancelled)
            continue;
        proto_msg_t msg;
        memset(&msg, 0, sizeof msg);
        msg.type = PROTO_REMINDER;
        proto_reminder_t *rm = &msg.u.reminder;
        message_proto_id(c, r, rm->id, sizeof rm->id);
        snprintf(rm->unit, sizeof rm->unit, "%s", c->units[r->unit].code);
        snprintf(rm->dataset, sizeof rm->dataset, "%s", c->datasets[r->ds].code);
        period_format(r->period, rm->period, sizeof rm->period);
        snprintf(rm->stage, sizeof rm->stage, "%s", r->stage);
        rm->deadline = r->deadline;
        snprintf(rm->subject, sizeof rm->subject, "%s", m->subject);
        snprintf(rm->body, sizeof rm->body, "%.*s", (int)bl, m->body);
        char *buf;
        size_t len;
        proto_error_t err;
        if (proto_encode(&msg, &buf, &len, &err)) {
            res->status = DELIVER_REJECTED;
            snprintf(res->error, sizeof res->error, "cannot encode REMINDER: %.200s", err.message);
            break;
        }
        if (zmq_send(ob->pub, rm->unit, strlen(rm->unit), ZMQ_SNDMORE) < 0 || zmq_send(ob->pub, buf, len, 0) < 0) {
            res->status = DELIVER_FAILED;
            snprintf(res->error, sizeof res->error, "pub: %s", zmq_strerror(errno));
        }
        free(buf);
    }
}

/* Starts digest i: checks its items again, composes it, hands it to its channel. */
static void start(outbox_t *ob, int i, dest_t *d)
{
    digest_t *g = &ob->dg[i];
    bool any = false;
    for (int k = 0; k < g->nitems; k++)
        any |= policy_still_due(ob->c, &g->items[k], ob->own.received, ob->own.ud);
    if (!any) {
        log_info("%s: cancelled, the reports have arrived", g->id);
        return;
    }
    message_opts_t mo;
    ob->own.message_opts(ob->own.ud, g->unit, &mo);
    message_t m;
    int64_t now = clock_now();
    if (message_compose(ob->c, g, &mo, now, &m)) {
        log_error("%s: out of memory composing the message", g->id);
        return;
    }
    int rc = 0;
    switch (g->channel) {
    case CH_EMAIL: {
        char items[900];
        char *mail = message_email(ob->o.deliver.mail_from, g->recipient, g->id,
                                   digest_items(ob->c, g, items, sizeof items), &m, now);
        rc = mail ? deliver_email(ob->dl, g->recipient, mail, (void *)(intptr_t)i) : -1;
        break;
    }
    case CH_WEBHOOK: {
        json_t *j = message_json(ob->c, g, &m);
        char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        rc = txt ? deliver_webhook(ob->dl, g->recipient, g->id, txt, (void *)(intptr_t)i) : -1;
        break;
    }
    case CH_PUB: {
        deliver_result_t res;
        publish(ob, g, &m, &res);
        outcome(ob, i, &res);
        message_free(&m);
        return;
    }
    }
    message_free(&m);
    if (rc) {
        log_error("%s: out of memory starting the delivery", g->id);
        return;
    }
    d->inflight++;
    ob->inflight++;
}

static void on_done(void *ud, void *job_ud, const deliver_result_t *res)
{
    outbox_t *ob = ud;
    int i = (int)(intptr_t)job_ud;
    ob->dests[ob->dest_of[i]].inflight--;
    ob->inflight--;
    outcome(ob, i, res);
    pump(ob);
}

/* ---- the batch ---------------------------------------------------------------------- */

static void maybe_finished(outbox_t *ob)
{
    if (!ob->busy || ob->inflight || ob->unrecorded || ob->writing)
        return;
    for (int k = 0; k < ob->ndests && !ob->stopping; k++)
        if (ob->dests[k].head >= 0)
            return;
    ob->busy = false;
    free(ob->next);
    free(ob->dest_of);
    free(ob->dests);
    ob->next = ob->dest_of = NULL;
    ob->dests = NULL;
    ob->ndests = 0;
    json_object_clear(ob->dest_index);
    ob->own.finished(ob->own.ud);
}

/* One pass of starting what the bounds allow, round-robin over the
 * destinations.  Re-entrant calls (a start that fails at once ends in
 * on_done) only ask the running pass to go round again. */
static void pump(outbox_t *ob)
{
    if (ob->pumping) {
        ob->again = true;
        return;
    }
    ob->pumping = true;
    do {
        ob->again = false;
        while (ob->busy && !ob->stopping && ob->inflight + ob->unrecorded < ob->o.max_parallel) {
            bool started = false;
            for (int k = 0; k < ob->ndests && !started; k++) {
                int di = (ob->rr + k) % ob->ndests;
                dest_t *d = &ob->dests[di];
                if (d->head < 0 || d->inflight >= d->limit)
                    continue;
                int i = d->head;
                d->head = ob->next[i];
                ob->rr = (di + 1) % ob->ndests;
                started = true;
                start(ob, i, d);
            }
            if (!started)
                break;
        }
    } while (ob->again);
    ob->pumping = false;
    maybe_finished(ob);
}

/* "smtp", "pub", or the webhook's scheme://host:port. */
static void dest_key(const digest_t *g, char *buf, size_t len, int *limit, const outbox_opts_t *o)
{
    if (g->channel != CH_WEBHOOK) {
        snprintf(buf, len, "%s", g->channel == CH_EMAIL ? "smtp" : "pub");
        *limit = g->channel == CH_EMAIL ? o->smtp_connections : INT_MAX;
        return;
    }
    const char *s = strstr(g->recipient, "://");
    s = s ? s + 3 : g->recipient;
    size_t n = strcspn(s, "/?#");
    snprintf(buf, len, "%.*s%.*s", (int)(s - g->recipient), g->recipient, (int)n, s);
    *limit = o->webhook_connections;
}

int outbox_send(outbox_t *ob, const catalog_t *c, digest_t *digests, int n)
{
    if (ob->busy)
        return -1;
    ob->c = c;
    ob->dg = digests;
    ob->ndg = n;
    ob->stopping = false;
    ob->next = malloc(((size_t)n + 1) * sizeof *ob->next);
    ob->dest_of = malloc(((size_t)n + 1) * sizeof *ob->dest_of);
    ob->ndests = 0;
    ob->busy = true;
    if (!ob->next || !ob->dest_of) {
        log_error("out of memory queueing %d message(s)", n);
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        char key[512];
        int limit;
        dest_key(&digests[i], key, sizeof key, &limit, &ob->o);
        json_t *idx = json_object_get(ob->dest_index, key);
        if (!idx) {
            dest_t *v = realloc(ob->dests, (size_t)(ob->ndests + 1) * sizeof *v);
            if (!v)
                continue;
            ob->dests = v;
            ob->dests[ob->ndests] = (dest_t){-1, -1, 0, limit > 0 ? limit : 1};
            idx = json_integer(ob->ndests++);
            json_object_set_new(ob->dest_index, key, idx);
        }
        int di = (int)json_integer_value(idx);
        dest_t *d = &ob->dests[di];
        ob->dest_of[i] = di;
        ob->next[i] = -1;
        if (d->tail >= 0)
            ob->next[d->tail] = i;
        else
            d->head = i;
        d->tail = i;
    }
    pump(ob);
    return 0;
}

void outbox_stop(outbox_t *ob)
{
    ob->stopping = true;
    deliver_stop_retries(ob->dl);
    maybe_finished(ob);
}

bool outbox_busy(const outbox_t *ob)
{
    return ob->busy;
}

void outbox_counts(const outbox_t *ob, unsigned long *sent, unsigned long *rejected, unsigned long *failed)
{
    *sent = ob->sent;
    *rejected = ob->rejected;
    *failed = ob->failed;
}

int outbox_new(uv_loop_t *loop, const outbox_opts_t *opts, sentlog_t *log, void *pub, const outbox_owner_t *owner,
               outbox_t **out)
{
    *out = NULL;
    outbox_t *ob = calloc(1, sizeof *ob);
    if (!ob)
        return -1;
    ob->loop = loop;
    ob->o = *opts;
    if (ob->o.max_parallel < 1)
        ob->o.max_parallel = 1;
    ob->own = *owner;
    ob->log = log;
    ob->pub = pub;
    ob->dest_index = json_object();
    if (!ob->dest_index || deliver_new(loop, &ob->o.deliver, on_done, ob, &ob->dl)) {
        json_decref(ob->dest_index);
        free(ob);
        return -1;
    }
    *out = ob;
    return 0;
}

static void on_deliver_closed(void *ud)
{
    outbox_t *ob = ud;
    void (*closed)(void *) = ob->closed;
    void *cud = ob->closed_ud;
    json_decref(ob->dest_index);
    free(ob->queued.v);
    free(ob->writing_batch.v);
    free(ob);
    if (closed)
        closed(cud);
}

void outbox_close(outbox_t *ob, void (*closed)(void *ud), void *ud)
{
    if (!ob)
        return;
    ob->closed = closed;
    ob->closed_ud = ud;
    deliver_close(ob->dl, on_deliver_closed, ob);
}
