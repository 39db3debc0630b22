/*
 * cchc-notifier -- deadline reminders and escalations (docs/notifier.md).
 *
 * The loop thread owns the timers, the signals and the EVENT subscription;
 * one "cycle" at a time runs on a pool thread: ask the aggregator what has
 * arrived (QUERY units, and targets for the notes), plan (policy.h), and
 * deliver each planned reminder in turn -- e-mail and webhook through
 * libcurl, REMINDER on the PUB socket (topic = unit code) -- writing each
 * outcome to the LMDB sent-log only after the channel confirmed it.  The PUB
 * socket is used only by that pool thread (one cycle at a time, so the
 * socket never has two users).  An EVENT marks (unit, dataset, period)
 * received at once: a reminder still queued in the running cycle is dropped.
 */
#include <errno.h>
#include <jansson.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#include "catalog.h"
#include "clock.h"
#include "client.h"
#include "config.h"
#include "deliver.h"
#include "log.h"
#include "message.h"
#include "policy.h"
#include "proto.h"
#include "sentlog.h"
#include "service.h"
#include "zloop.h"

typedef struct {
    int ds;
    period_t p;
    char **notes; /* [nunits], NULL entries */
} notes_t;

typedef struct {
    uv_loop_t *loop;
    config_t *cfg;
    catalog_t *cat, *pending_cat;
    policy_t pol;
    sentlog_t *log;
    void *ctx, *pub, *sub;
    zloop_sock_t zsub;
    bool sub_open;
    const char *aggregator;
    int query_timeout_ms, max_tries;
    deliver_opts_t dopts;
    int kill_after_sends, confirmed;
    bool once;
    uv_work_t work;
    bool busy;
    volatile int stopping;
    uv_timer_t tick;
    uv_signal_t sigterm, sigint, sighup;
    pthread_mutex_t mu; /* guards received */
    json_t *received;   /* "UNIT\tDATASET\tPERIOD" -> true */
    notes_t *notes;
    int nnotes;
    unsigned long sent, rejected, failed, events;
} notifier_t;

/* ---- what has arrived ------------------------------------------------------ */

static void rkey(char *buf, size_t len, const char *unit, const char *ds, const char *period)
{
    snprintf(buf, len, "%s\t%s\t%s", unit, ds, period);
}

static void mark_received(notifier_t *n, const char *unit, const char *ds, const char *period)
{
    char k[256];
    rkey(k, sizeof k, unit, ds, period);
    pthread_mutex_lock(&n->mu);
    json_object_set_new(n->received, k, json_true());
    pthread_mutex_unlock(&n->mu);
}

/* Marks received the units of a `units` answer whose report has arrived
 * (status on_time or late). */
static void mark_arrived(notifier_t *n, const ans_units_t *ans, const char *ds, const char *period)
{
    for (uint32_t i = 0; i < ans->n_units; i++) {
        const ans_unit_status_t *u = &ans->units[i];
        if (!strcmp(u->status, "on_time") || !strcmp(u->status, "late"))
            mark_received(n, u->code, ds, period);
    }
}

static bool is_received(void *ud, int unit, int ds, period_t p)
{
    notifier_t *n = ud;
    char k[256], pcode[PERIOD_CODE_MAX];
    rkey(k, sizeof k, n->cat->units[unit].code, n->cat->datasets[ds].code, period_format(p, pcode, sizeof pcode));
    pthread_mutex_lock(&n->mu);
    bool r = json_object_get(n->received, k) != NULL;
    pthread_mutex_unlock(&n->mu);
    return r;
}

static bool is_done(void *ud, const char *id)
{
    notifier_t *n = ud;
    return n->log ? sentlog_done(n->log, id, n->max_tries) : false;
}

static void free_notes(notifier_t *n)
{
    for (int i = 0; i < n->nnotes; i++) {
        for (int u = 0; u < n->cat->nunits; u++)
            free(n->notes[i].notes[u]);
        free(n->notes[i].notes);
    }
    free(n->notes);
    n->notes = NULL;
    n->nnotes = 0;
}

static char *const *notes_for(notifier_t *n, int ds, period_t p)
{
    for (int i = 0; i < n->nnotes; i++)
        if (n->notes[i].ds == ds && period_key(n->notes[i].p) == period_key(p))
            return n->notes[i].notes;
    return NULL;
}

static void append_note(char **slot, const char *line)
{
    size_t a = *slot ? strlen(*slot) : 0, b = strlen(line);
    char *s = realloc(*slot, a + b + 1);
    if (!s)
        return;
    memcpy(s + a, line, b + 1);
    *slot = s;
}

/* Targets behind schedule for the units under `root` in period p. */
static void load_targets(notifier_t *n, int ds, period_t p, const char *root)
{
    const catalog_t *c = n->cat;
    char pcode[PERIOD_CODE_MAX], pvi[64];
    proto_query_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.what, sizeof q.what, "targets");
    snprintf(q.node, sizeof q.node, "%s", root);
    snprintf(q.dataset, sizeof q.dataset, "%s", c->datasets[ds].code);
    snprintf(q.period, sizeof q.period, "%s", period_format(p, pcode, sizeof pcode));
    client_answer_t ans;
    proto_error_t err;
    if (client_ask(n->ctx, n->aggregator, n->query_timeout_ms, &q, &ans, &err)) {
        log_warn("targets %s %s: %s %s (reminders go out without target notes)", root, pcode,
                 proto_err_code(err.code), err.message);
        return;
    }
    notes_t *slot = NULL;
    for (int i = 0; i < n->nnotes; i++)
        if (n->notes[i].ds == ds && period_key(n->notes[i].p) == period_key(p))
            slot = &n->notes[i];
    if (!slot) {
        notes_t *v = realloc(n->notes, (size_t)(n->nnotes + 1) * sizeof *v);
        char **arr = calloc((size_t)c->nunits + 1, sizeof *arr);
        if (!v || !arr) {
            free(arr);
            if (v)
                n->notes = v;
            client_answer_free(&ans);
            return;
        }
        n->notes = v;
        slot = &n->notes[n->nnotes++];
        slot->ds = ds;
        slot->p = p;
        slot->notes = arr;
    }
    message_period_vi(p, pvi, sizeof pvi);
    for (uint32_t i = 0; i < ans.u.targets.n_targets; i++) {
        const ans_target_t *t = &ans.u.targets.targets[i];
        if (strcmp(t->status, "behind") || !t->has_actual || !t->has_expected_by_now)
            continue;
        int u = catalog_unit(c, t->unit);
        if (u < 0)
            continue;
        char line[1024];
        snprintf(line, sizeof line, "- %s (%s): đạt %g, cần ít nhất %g đến hết %s, còn thiếu %g\n", t->name_vi,
                 t->indicator, t->actual, t->expected_by_now, pvi, t->expected_by_now - t->actual);
        append_note(&slot->notes[u], line);
    }
    client_answer_free(&ans);
}

/* Asks the aggregator which reports of the open periods have arrived.
 * Returns 0, or -1 when it could not tell (then nothing may be sent). */
static int refresh(notifier_t *n, int64_t t)
{
    const catalog_t *c = n->cat;
    free_notes(n);
    for (int ds = 0; ds < c->ndatasets; ds++) {
        period_t ps[32];
        int np = policy_periods(c, &n->pol, ds, t, ps, 32);
        for (int pi = 0; pi < np; pi++) {
            bool any = false;
            for (int u = 0; u < c->nunits && !any; u++)
                any = catalog_must_report(c, ds, u) && catalog_open_in(c, u, ps[pi]);
            if (!any)
                continue;
            for (int r = 0; r < c->nunits; r++) {
                if (c->units[r].parent >= 0)
                    continue;
                char pcode[PERIOD_CODE_MAX];
                proto_query_t q;
                memset(&q, 0, sizeof q);
                snprintf(q.what, sizeof q.what, "units");
                snprintf(q.node, sizeof q.node, "%s", c->units[r].code);
                snprintf(q.dataset, sizeof q.dataset, "%s", c->datasets[ds].code);
                snprintf(q.period, sizeof q.period, "%s", period_format(ps[pi], pcode, sizeof pcode));
                client_answer_t ans;
                proto_error_t err;
                if (client_ask(n->ctx, n->aggregator, n->query_timeout_ms, &q, &ans, &err)) {
                    log_warn("cannot learn from the aggregator at %s what has arrived (%s %s %s): %s %s; sending "
                             "nothing until it answers",
                             n->aggregator, q.node, q.dataset, pcode, proto_err_code(err.code), err.message);
                    return -1;
                }
                mark_arrived(n, &ans.u.units, q.dataset, pcode);
                client_answer_free(&ans);
                load_targets(n, ds, ps[pi], c->units[r].code);
            }
        }
    }
    return 0;
}

/* ---- delivering one reminder ------------------------------------------------ */

static void publish(notifier_t *n, const reminder_t *r, const message_t *m, deliver_result_t *res)
{
    const catalog_t *c = n->cat;
    proto_msg_t msg;
    memset(&msg, 0, sizeof msg);
    msg.type = PROTO_REMINDER;
    proto_reminder_t *rm = &msg.u.reminder;
    char pcode[PERIOD_CODE_MAX];
    message_proto_id(c, r, rm->id, sizeof rm->id);
    snprintf(rm->unit, sizeof rm->unit, "%s", c->units[r->unit].code);
    snprintf(rm->dataset, sizeof rm->dataset, "%s", c->datasets[r->ds].code);
    snprintf(rm->period, sizeof rm->period, "%s", period_format(r->period, pcode, sizeof pcode));
    snprintf(rm->stage, sizeof rm->stage, "%s", r->stage);
    rm->deadline = r->deadline;
    snprintf(rm->subject, sizeof rm->subject, "%s", m->subject);
    /* the body field holds at most 16384 bytes: cut on a character boundary */
    size_t bl = strlen(m->body);
    if (bl > 16384) {
        bl = 16384;
        while (bl > 0 && ((unsigned char)m->body[bl] & 0xC0) == 0x80)
            bl--;
    }
    char *body = strndup(m->body, bl);
    snprintf(rm->body, sizeof rm->body, "%s", body ? body : "");
    free(body);
    memset(res, 0, sizeof *res);
    res->attempts = 1;
    char *buf;
    size_t len;
    proto_error_t err;
    if (proto_encode(&msg, &buf, &len, &err)) {
        res->status = DELIVER_REJECTED;
        snprintf(res->error, sizeof res->error, "cannot encode REMINDER: %.200s", err.message);
        return;
    }
    if (zmq_send(n->pub, rm->unit, strlen(rm->unit), ZMQ_SNDMORE) < 0 || zmq_send(n->pub, buf, len, 0) < 0) {
        res->status = DELIVER_FAILED;
        snprintf(res->error, sizeof res->error, "pub: %s", zmq_strerror(errno));
    } else {
        res->status = DELIVER_SENT;
    }
    free(buf);
}

/* Drops from an escalation the sub-units that reported meanwhile; false when none is left. */
static bool still_due(notifier_t *n, reminder_t *r)
{
    if (!r->escalation)
        return !is_received(n, r->unit, r->ds, r->period);
    int k = 0;
    for (int i = 0; i < r->nlate; i++)
        if (!is_received(n, r->late[i], r->ds, r->period))
            r->late[k++] = r->late[i];
    r->nlate = k;
    return k > 0;
}

static void deliver_one(notifier_t *n, reminder_t *r, int64_t now)
{
    const catalog_t *c = n->cat;
    message_t m;
    deliver_result_t res;
    if (message_compose(c, r, (char *const *)notes_for(n, r->ds, r->period), now, &m)) {
        log_error("%s: out of memory composing the message", r->id);
        return;
    }
    switch (r->channel) {
    case CH_EMAIL: {
        char *mail = message_email(n->dopts.mail_from, r->recipient, r->id, &m, now);
        if (!mail) {
            message_free(&m);
            return;
        }
        deliver_email(&n->dopts, r->recipient, mail, &res);
        free(mail);
        break;
    }
    case CH_WEBHOOK: {
        json_t *j = message_json(c, r, &m);
        char *txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!txt) {
            message_free(&m);
            return;
        }
        deliver_webhook(&n->dopts, r->recipient, r->id, txt, &res);
        free(txt);
        break;
    }
    case CH_PUB:
    default: publish(n, r, &m, &res); break;
    }
    if (res.status == DELIVER_SENT && n->kill_after_sends > 0 && ++n->confirmed >= n->kill_after_sends) {
        /* test hook: die between the channel's confirmation and the record */
        log_warn("test_kill_after_sends: killing myself after %s was confirmed, before recording it", r->id);
        raise(SIGKILL);
    }
    sentlog_entry_t e = {deliver_status_name(res.status), clock_now(), res.attempts, r->recipient,
                         res.error[0] ? res.error : NULL};
    int rc = sentlog_record(n->log, r->id, &e);
    if (rc)
        log_error("%s: %s but the sent-log cannot record it: %s", r->id, e.status, mdb_strerror(rc));
    switch (res.status) {
    case DELIVER_SENT:
        n->sent++;
        log_info("sent %s to %s (%d attempt%s)", r->id, r->recipient, res.attempts, res.attempts == 1 ? "" : "s");
        break;
    case DELIVER_REJECTED:
        n->rejected++;
        log_error("rejected %s by %s: %s (not retried)", r->id, r->recipient, res.error);
        break;
    case DELIVER_FAILED:
        n->failed++;
        log_warn("failed %s to %s after %d attempt(s): %s (retried next tick)", r->id, r->recipient, res.attempts,
                 res.error);
        break;
    }
    message_free(&m);
}

/* ---- the cycle ----------------------------------------------------------------- */

static void cycle_work(uv_work_t *w)
{
    notifier_t *n = w->data;
    int64_t t = clock_now();
    if (!policy_in_hours(n->cat, &n->pol, t)) {
        char b[32];
        log_debug("outside working hours; next at %s",
                  time_format_iso(policy_next_hours(n->cat, &n->pol, t), b, sizeof b));
        return;
    }
    if (refresh(n, t))
        return;
    reminder_t *rs;
    int nr;
    if (policy_plan(n->cat, &n->pol, t, is_received, is_done, n, &rs, &nr)) {
        log_error("out of memory planning reminders");
        return;
    }
    if (nr)
        log_info("%d reminder(s) due", nr);
    for (int i = 0; i < nr && !n->stopping; i++) {
        if (!still_due(n, &rs[i])) {
            log_info("%s: cancelled, the report has arrived", rs[i].id);
            continue;
        }
        deliver_one(n, &rs[i], clock_now());
    }
    policy_free(rs, nr);
}

static void stop(notifier_t *n);

static void cycle_done(uv_work_t *w, int status)
{
    notifier_t *n = w->data;
    (void)status;
    n->busy = false;
    if (n->pending_cat) {
        free_notes(n);
        catalog_destroy(&n->cat);
        n->cat = n->pending_cat;
        n->pending_cat = NULL;
    }
    if (n->once)
        n->stopping = 1;
    if (n->stopping)
        stop(n);
}

static void on_tick(uv_timer_t *t)
{
    notifier_t *n = t->data;
    if (n->busy || n->stopping)
        return;
    n->busy = true;
    n->work.data = n;
    if (uv_queue_work(n->loop, &n->work, cycle_work, cycle_done))
        n->busy = false;
}

static void on_event(zloop_sock_t *zs, zmq_msg_t *frames, int nf, void *ud)
{
    notifier_t *n = ud;
    (void)zs;
    if (nf != 2)
        return;
    proto_msg_t m;
    proto_error_t err;
    if (proto_decode(zmq_msg_data(&frames[1]), zmq_msg_size(&frames[1]), &m, &err) == 0 && m.type == PROTO_EVENT) {
        mark_received(n, m.u.event.unit, m.u.event.dataset, m.u.event.period);
        n->events++;
        log_debug("EVENT %s %s %s: received", m.u.event.unit, m.u.event.dataset, m.u.event.period);
    }
    proto_msg_free(&m);
}

static void on_closed_sock(zloop_sock_t *zs)
{
    zmq_close(zs->zsock);
}

static void stop(notifier_t *n)
{
    if (n->sub_open)
        zloop_sock_close(&n->zsub, on_closed_sock);
    n->sub_open = false;
    if (n->pub) {
        zmq_close(n->pub);
        n->pub = NULL;
    }
    uv_close((uv_handle_t *)&n->sigterm, NULL);
    uv_close((uv_handle_t *)&n->sigint, NULL);
    uv_close((uv_handle_t *)&n->sighup, NULL);
    uv_close((uv_handle_t *)&n->tick, NULL);
}

static void on_stop_signal(uv_signal_t *h, int signum)
{
    notifier_t *n = h->data;
    if (n->stopping)
        return;
    n->stopping = 1;
    log_info("signal %d: stopping", signum);
    if (!n->busy)
        stop(n);
}

static void on_hup(uv_signal_t *h, int signum)
{
    notifier_t *n = h->data;
    (void)signum;
    catalog_t *cat = service_load_catalog(config_get(n->cfg, "catalog", "dir", "deploy/catalog"));
    if (!cat) {
        log_error("SIGHUP: keeping the previous catalog");
        return;
    }
    if (n->busy) {
        catalog_destroy(&n->pending_cat);
        n->pending_cat = cat;
    } else {
        free_notes(n);
        catalog_destroy(&n->cat);
        n->cat = cat;
    }
}

/* ---- start ----------------------------------------------------------------------- */

static int setup(notifier_t *n, char *err, size_t errlen)
{
    const config_t *cfg = n->cfg;
    if (policy_from_config(&n->pol, cfg, err, errlen))
        return -1;
    n->aggregator = config_get(cfg, "notifier", "aggregator",
                               config_get(cfg, "aggregator", "query_endpoint", "tcp://127.0.0.1:7102"));
    n->query_timeout_ms = (int)config_int(cfg, "notifier", "query_timeout_ms", 3000);
    n->max_tries = (int)config_int(cfg, "notifier", "max_tries", 5);
    n->dopts.smtp_url = config_get(cfg, "notifier", "smtp_url", "smtp://127.0.0.1:2525");
    n->dopts.mail_from = config_get(cfg, "notifier", "mail_from", "cchc-notifier@localhost");
    n->dopts.smtp_timeout_ms = (int)config_int(cfg, "notifier", "smtp_timeout_ms", 10000);
    n->dopts.webhook_timeout_ms = (int)config_int(cfg, "notifier", "webhook_timeout_ms", 5000);
    n->dopts.webhook_attempts = (int)config_int(cfg, "notifier", "webhook_attempts", 4);
    n->dopts.webhook_backoff_ms = (int)config_int(cfg, "notifier", "webhook_backoff_ms", 500);
    n->dopts.stopping = &n->stopping;
    n->kill_after_sends = (int)config_int(cfg, "notifier", "test_kill_after_sends", 0);
    n->received = json_object();
    pthread_mutex_init(&n->mu, NULL);
    n->ctx = zmq_ctx_new();
    return n->received && n->ctx ? 0 : -1;
}

static int open_log(notifier_t *n, bool read_only)
{
    char err[512];
    const char *dir = config_get(n->cfg, "notifier", "data_dir", "var/notifier");
    if (sentlog_open(dir, read_only, &n->log, err, sizeof err)) {
        if (read_only)
            return 0; /* nothing was ever sent */
        log_error("%s", err);
        return -1;
    }
    return 0;
}

static int notifier_start(notifier_t *n)
{
    if (open_log(n, false))
        return -1;
    const char *pep = config_get(n->cfg, "notifier", "pub_endpoint", "tcp://127.0.0.1:7104");
    const char *eep = config_get(n->cfg, "notifier", "event_endpoint",
                                 config_get(n->cfg, "aggregator", "event_endpoint", "tcp://127.0.0.1:7103"));
    int linger = 0;
    n->pub = zmq_socket(n->ctx, ZMQ_PUB);
    n->sub = zmq_socket(n->ctx, ZMQ_SUB);
    zmq_setsockopt(n->pub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(n->sub, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(n->sub, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_bind(n->pub, pep) || zmq_connect(n->sub, eep)) {
        log_error("cannot bind %s / connect %s: %s", pep, eep, zmq_strerror(errno));
        zmq_close(n->pub);
        zmq_close(n->sub);
        n->pub = n->sub = NULL;
        return -1;
    }
    zloop_sock_init(n->loop, &n->zsub, n->sub, on_event, n);
    n->sub_open = true;
    uv_signal_init(n->loop, &n->sigterm);
    uv_signal_init(n->loop, &n->sigint);
    uv_signal_init(n->loop, &n->sighup);
    n->sigterm.data = n->sigint.data = n->sighup.data = n;
    uv_signal_start(&n->sigterm, on_stop_signal, SIGTERM);
    uv_signal_start(&n->sigint, on_stop_signal, SIGINT);
    uv_signal_start(&n->sighup, on_hup, SIGHUP);
    uv_timer_init(n->loop, &n->tick);
    n->tick.data = n;
    uint64_t tick_ms = (uint64_t)config_int(n->cfg, "notifier", "tick_ms", 30000);
    uv_timer_start(&n->tick, on_tick, 0, tick_ms);
    char b[32];
    log_info("reminders via %s and webhooks, PUB on %s; events from %s; aggregator %s; clock %s%s", n->dopts.smtp_url,
             pep, eep, n->aggregator, time_format_iso(clock_now(), b, sizeof b),
             clock_is_simulated() ? " (simulated)" : "");
    return 0;
}

/* --plan: what would go out at `at`, without sending or recording. */
static int plan_mode(notifier_t *n, int64_t at)
{
    if (open_log(n, true))
        return 1;
    if (refresh(n, at))
        return 1;
    reminder_t *rs;
    int nr;
    if (policy_plan(n->cat, &n->pol, at, is_received, is_done, n, &rs, &nr))
        return 1;
    char b[32], b2[32];
    if (!policy_in_hours(n->cat, &n->pol, at))
        printf("# %s is outside working hours: nothing goes out before %s\n", time_format_iso(at, b, sizeof b),
               time_format_iso(policy_next_hours(n->cat, &n->pol, at), b2, sizeof b2));
    for (int i = 0; i < nr; i++) {
        message_t m;
        if (message_compose(n->cat, &rs[i], (char *const *)notes_for(n, rs[i].ds, rs[i].period), at, &m))
            break;
        char pcode[PERIOD_CODE_MAX];
        printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", n->cat->units[rs[i].unit].code, n->cat->datasets[rs[i].ds].code,
               period_format(rs[i].period, pcode, sizeof pcode), rs[i].stage, channel_name(rs[i].channel),
               rs[i].recipient, m.subject);
        message_free(&m);
    }
    printf("# %d reminder(s) at %s\n", nr, time_format_iso(at, b, sizeof b));
    policy_free(rs, nr);
    return 0;
}

int main(int argc, char **argv)
{
    service_args_t args = {.name = "notifier"};
    int rc = service_parse_args(argc, argv, &args, "[--plan [--at TIME]] [--once] [--sent-log]");
    if (rc)
        return rc == 1 ? 0 : 2;
    bool plan = false, once = false, dump = false;
    const char *at = NULL;
    for (int i = 0; i < args.nextra; i++) {
        if (!strcmp(args.extra[i], "--plan"))
            plan = true;
        else if (!strcmp(args.extra[i], "--once"))
            once = true;
        else if (!strcmp(args.extra[i], "--sent-log"))
            dump = true;
        else if (!strcmp(args.extra[i], "--at") && i + 1 < args.nextra)
            at = args.extra[++i];
        else {
            fprintf(stderr, "cchc-notifier: unknown argument '%s'\n", args.extra[i]);
            return 2;
        }
    }
    notifier_t n;
    memset(&n, 0, sizeof n);
    n.once = once;
    if (service_load(&args, argc, argv, &n.cfg, dump ? NULL : &n.cat)) {
        config_destroy(&n.cfg);
        return 1;
    }
    if (dump) {
        char err[512];
        sentlog_t *s;
        if (sentlog_open(config_get(n.cfg, "notifier", "data_dir", "var/notifier"), true, &s, err, sizeof err)) {
            fprintf(stderr, "cchc-notifier: %s\n", err);
            config_destroy(&n.cfg);
            return 1;
        }
        sentlog_dump(s, stdout);
        sentlog_close(&s);
        config_destroy(&n.cfg);
        return 0;
    }
    char err[512] = "";
    int status = 0;
    signal(SIGPIPE, SIG_IGN);
    deliver_global_init();
    if (setup(&n, err, sizeof err)) {
        log_error("%s", err[0] ? err : "out of memory");
        status = 1;
    } else if (plan) {
        int64_t t = clock_now();
        if (at && time_parse_iso(at, &t)) {
            log_error("--at '%s' is not an ISO 8601 time such as 2025-09-08T09:00:00+07:00", at);
            status = 2;
        } else {
            status = plan_mode(&n, t);
        }
    } else {
        n.loop = uv_default_loop();
        if (notifier_start(&n) == 0)
            uv_run(n.loop, UV_RUN_DEFAULT);
        else
            status = 1;
        uv_run(n.loop, UV_RUN_DEFAULT);
        uv_loop_close(n.loop);
        log_info("stopped: %lu sent, %lu rejected, %lu failed, %lu events", n.sent, n.rejected, n.failed, n.events);
    }
    if (n.ctx)
        zmq_ctx_term(n.ctx);
    free_notes(&n);
    json_decref(n.received);
    if (n.received)
        pthread_mutex_destroy(&n.mu);
    sentlog_close(&n.log);
    catalog_destroy(&n.pending_cat);
    catalog_destroy(&n.cat);
    config_destroy(&n.cfg);
    deliver_global_cleanup();
    return status;
}
