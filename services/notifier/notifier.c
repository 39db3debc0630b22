/*
 * cchc-notifier -- deadline reminders and escalations (docs/notifier.md).
 *
 * The loop thread owns the timers, the signals, the EVENT subscription and
 * the delivery.  Each tick runs one "cycle": a pool thread asks the
 * aggregator what has arrived (arrivals.h), plans the items every recipient
 * is owed (policy.h) and groups them into one digest per recipient and
 * channel (digest.h); back on the loop thread, the outbox (outbox.h)
 * delivers the digests concurrently -- libcurl's multi interface driven by
 * the loop -- and records each outcome in the LMDB sent-log once its channel
 * confirmed it.  One cycle at a time: a tick that comes while one runs is
 * skipped.  An EVENT marks (unit, dataset, period) received at once: a
 * digest that has not started yet leaves it out.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include "arrivals.h"
#include "catalog.h"
#include "clock.h"
#include "client.h"
#include "config.h"
#include "deliver.h"
#include "digest.h"
#include "log.h"
#include "message.h"
#include "outbox.h"
#include "policy.h"
#include "proto.h"
#include "sentlog.h"
#include "service.h"
#include "users.h"
#include "zloop.h"

typedef struct {
    uv_loop_t *loop;
    config_t *cfg;
    catalog_t *cat, *pending_cat;
    policy_t pol;
    sentlog_t *log;
    arrivals_t *arr;
    void *ctx, *pub, *sub;
    zloop_sock_t zsub;
    bool sub_open;
    const char *aggregator;
    int query_timeout_ms, max_tries;
    outbox_opts_t oopts;
    outbox_t *ob;
    const char *web_url, *contact;
    char approve_url[512];
    bool english_all;
    json_t *english; /* unit codes whose language is English */
    enum { APPROVERS_WEB, APPROVERS_UNITS, APPROVERS_NONE } approvers;
    int *approver_of; /* [unit]: the unit whose head approves its reports, -1: nobody (this cycle's) */
    bool once, busy;
    volatile int stopping;
    uv_work_t work;
    service_loop_t svc;          /* signals and the tick */
    /* the running cycle's plan */
    reminder_t *items;
    int nitems;
    digest_t *digests;
    int ndigests;
    unsigned long sent, rejected, failed, events;
} notifier_t;

/* ---- what the plan and the outbox ask ------------------------------------------ */

static bool is_received(void *ud, int unit, int ds, period_t p)
{
    notifier_t *n = ud;
    return arrivals_received(n->arr, n->cat, unit, ds, p);
}

static void facts_of(void *ud, int unit, int ds, period_t p, policy_facts_t *f)
{
    notifier_t *n = ud;
    arrivals_facts(n->arr, n->cat, unit, ds, p, f);
    if (f->awaiting) {
        int a = n->approver_of ? n->approver_of[unit] : -1;
        f->approver = a < 0 ? -1 : a == unit ? 0 : a + 1;
    }
}

/* ---- who approves ---------------------------------------------------------------- */

static int each_approver(void *ud, const users_account_t *a)
{
    notifier_t *n = ud;
    int u = a->enabled && (a->roles & USERS_ROLE_APPROVER) && a->unit[0] ? catalog_unit(n->cat, a->unit) : -1;
    if (u >= 0)
        n->approver_of[u] = u;
    return 0;
}

/* Fills n->approver_of for this cycle (docs/notifier.md, "Approvers'
 * reminders"): with `approvers = web`, the units with an enabled approver
 * account in the web's user store ([web] users_dir, read when [web]
 * accounts = yes), a parent_submits office without one going to the
 * nearest unit above it (through parent_submits links) that has one; with
 * `units`, every unit's head, a parent_submits office's reports going to
 * the unit that enters them; with `none`, nobody. */
static void find_approvers(notifier_t *n)
{
    const catalog_t *c = n->cat;
    free(n->approver_of);
    n->approver_of = malloc(((size_t)c->nunits + 1) * sizeof *n->approver_of);
    if (!n->approver_of)
        return;
    for (int u = 0; u < c->nunits; u++)
        n->approver_of[u] = n->approvers == APPROVERS_UNITS ? u : -1;
    if (n->approvers == APPROVERS_WEB && config_bool(n->cfg, "web", "accounts", false)) {
        users_options_t o;
        users_options(n->cfg, &o);
        char path[4096], err[512] = "";
        snprintf(path, sizeof path, "%s/data.mdb", o.dir ? o.dir : "var/web");
        users_t *us = NULL;
        if (access(path, F_OK) != 0)
            log_debug("no web accounts in %s yet: no approval reminders", path);
        else if (users_open(&o, &us, err, sizeof err) || users_each(us, each_approver, n))
            log_warn("cannot read the web's accounts (%s): no approval reminders this time", err);
        users_close(&us);
    }
    if (n->approvers == APPROVERS_NONE)
        return;
    /* a parent_submits office: the nearest unit up the chain that approves
     * (web), or the top of the chain, which enters its reports (units) */
    for (int i = 0; i < c->nunits; i++) {
        int u = c->preorder[i], par = c->units[u].parent;
        if (!c->units[u].parent_submits || par < 0)
            continue;
        if (n->approvers == APPROVERS_UNITS)
            n->approver_of[u] = n->approver_of[par];
        else if (n->approver_of[u] < 0)
            n->approver_of[u] = n->approver_of[par];
    }
}

static bool is_done(void *ud, const char *id)
{
    notifier_t *n = ud;
    return n->log ? sentlog_done(n->log, id, n->max_tries) : false;
}

static const char *notes_of(void *ud, int unit, int ds, period_t p)
{
    notifier_t *n = ud;
    return arrivals_notes(n->arr, unit, ds, p);
}

static void message_opts(void *ud, int unit, message_opts_t *mo)
{
    notifier_t *n = ud;
    mo->web_url = n->web_url;
    mo->approve_url = n->approve_url;
    mo->contact = n->contact;
    mo->english = n->english_all || json_object_get(n->english, n->cat->units[unit].code);
    mo->notes = notes_of;
    mo->ud = n;
}

/* The items due at t and their digests into n (free with free_plan). */
static int plan(notifier_t *n, int64_t t)
{
    if (policy_plan(n->cat, &n->pol, t, is_received, facts_of, n, &n->items, &n->nitems) ||
        digest_group(n->cat, &n->pol, t, n->items, n->nitems, is_done, n, &n->digests, &n->ndigests)) {
        log_error("out of memory planning reminders");
        return -1;
    }
    return 0;
}

static void free_plan(notifier_t *n)
{
    free(n->digests);
    policy_free(n->items, n->nitems);
    n->digests = NULL;
    n->items = NULL;
    n->ndigests = n->nitems = 0;
}

/* ---- the cycle ----------------------------------------------------------------- */

static void stop(notifier_t *n);

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
    find_approvers(n);
    if (arrivals_refresh(n->arr, n->ctx, n->aggregator, n->query_timeout_ms, n->cat, &n->pol, t) == 0)
        plan(n, t);
}

/* The cycle is over: its plan goes, a catalog loaded meanwhile comes in. */
static void cycle_end(void *ud)
{
    notifier_t *n = ud;
    free_plan(n);
    n->busy = false;
    if (n->pending_cat) {
        arrivals_clear_notes(n->arr);
        catalog_destroy(&n->cat);
        n->cat = n->pending_cat;
        n->pending_cat = NULL;
    }
    if (n->once)
        n->stopping = 1;
    if (n->stopping)
        stop(n);
}

static void cycle_done(uv_work_t *w, int status)
{
    notifier_t *n = w->data;
    (void)status;
    if (n->ndigests == 0 || n->stopping) {
        cycle_end(n);
        return;
    }
    log_info("%d message(s) due, %d item(s)", n->ndigests, n->nitems);
    if (outbox_send(n->ob, n->cat, n->digests, n->ndigests))
        cycle_end(n);
}

static void on_tick(service_loop_t *s)
{
    notifier_t *n = s->data;
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
        arrivals_mark(n->arr, m.u.event.unit, m.u.event.dataset, m.u.event.period);
        n->events++;
        log_debug("EVENT %s %s %s: received", m.u.event.unit, m.u.event.dataset, m.u.event.period);
    }
    proto_msg_free(&m);
}

static void stop(notifier_t *n)
{
    if (n->sub_open)
        zloop_sock_close(&n->zsub, zloop_close_zsock);
    n->sub_open = false;
    if (n->pub) {
        zmq_close(n->pub);
        n->pub = NULL;
    }
    if (n->ob)
        outbox_counts(n->ob, &n->sent, &n->rejected, &n->failed);
    outbox_close(n->ob, NULL, NULL);
    n->ob = NULL;
    service_loop_close(&n->svc);
}

static void on_stop_signal(service_loop_t *s, int signum)
{
    notifier_t *n = s->data;
    n->stopping = 1;
    log_info("signal %d: stopping", signum);
    if (!n->busy)
        stop(n);
    else if (outbox_busy(n->ob))
        outbox_stop(n->ob); /* the cycle ends when the transfers under way are recorded */
}

static void on_hup(service_loop_t *s)
{
    notifier_t *n = s->data;
    catalog_t *cat = service_load_catalog(config_get(n->cfg, "catalog", "dir", "deploy/catalog"));
    if (!cat) {
        log_error("SIGHUP: keeping the previous catalog");
        return;
    }
    if (n->busy) {
        catalog_destroy(&n->pending_cat);
        n->pending_cat = cat;
    } else {
        arrivals_clear_notes(n->arr);
        catalog_destroy(&n->cat);
        n->cat = cat;
    }
}

/* ---- start ----------------------------------------------------------------------- */

/* [notifier] key as a whole number lo..hi (default def); -1 with a sentence when it is not. */
static int int_key(const config_t *cfg, const char *key, int def, int lo, int hi, int *out, char *err, size_t errlen)
{
    const char *v = config_get(cfg, "notifier", key, NULL);
    char *end = NULL;
    long x = v ? strtol(v, &end, 10) : def;
    if (v && (end == v || *end || x < lo || x > hi)) {
        snprintf(err, errlen, "[notifier] %s: want a whole number %d..%d, got '%s'", key, lo, hi, v);
        return -1;
    }
    *out = (int)x;
    return 0;
}

static int language(notifier_t *n, char *err, size_t errlen)
{
    const char *lang = config_get(n->cfg, "notifier", "language", "vi");
    if (strcmp(lang, "vi") && strcmp(lang, "en")) {
        snprintf(err, errlen, "[notifier] language: want vi or en, got '%s'", lang);
        return -1;
    }
    n->english_all = !strcmp(lang, "en");
    n->english = json_object();
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", config_get(n->cfg, "notifier", "english_units", ""));
    for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
        json_object_set_new(n->english, tok, json_true());
    return n->english ? 0 : -1;
}

/* [notifier] approve_url, else the web's address (web_url's scheme and
 * host) followed by /approve, else none. */
static void approve_url(const config_t *cfg, const char *web_url, char *buf, size_t len)
{
    const char *u = config_get(cfg, "notifier", "approve_url", NULL);
    buf[0] = '\0';
    if (u) {
        snprintf(buf, len, "%s", u);
        return;
    }
    const char *host = web_url ? strstr(web_url, "://") : NULL;
    if (!host)
        return;
    size_t origin = (size_t)(host + 3 - web_url) + strcspn(host + 3, "/");
    snprintf(buf, len, "%.*s/approve", (int)origin, web_url);
}

static int setup(notifier_t *n, char *err, size_t errlen)
{
    const config_t *cfg = n->cfg;
    if (policy_from_config(&n->pol, cfg, err, errlen) || language(n, err, errlen))
        return -1;
    n->aggregator = config_get(cfg, "notifier", "aggregator",
                               config_get(cfg, "aggregator", "query_endpoint", "tcp://127.0.0.1:7102"));
    const char *ap = config_get(cfg, "notifier", "approvers", "web");
    if (!strcmp(ap, "web"))
        n->approvers = APPROVERS_WEB;
    else if (!strcmp(ap, "units"))
        n->approvers = APPROVERS_UNITS;
    else if (!strcmp(ap, "none"))
        n->approvers = APPROVERS_NONE;
    else {
        snprintf(err, errlen, "[notifier] approvers: want web, units or none, got '%s'", ap);
        return -1;
    }
    n->web_url = config_get(cfg, "notifier", "web_url", NULL);
    n->contact = config_get(cfg, "notifier", "contact", NULL);
    approve_url(cfg, n->web_url, n->approve_url, sizeof n->approve_url);
    deliver_opts_t *d = &n->oopts.deliver;
    d->smtp_url = config_get(cfg, "notifier", "smtp_url", "smtp://127.0.0.1:2525");
    d->mail_from = config_get(cfg, "notifier", "mail_from", "cchc-notifier@localhost");
    struct {
        const char *key;
        int def, lo, hi, *dst;
    } ints[] = {
        {"query_timeout_ms", 3000, 1, 3600000, &n->query_timeout_ms},
        {"max_tries", 5, 1, 1000, &n->max_tries},
        {"smtp_timeout_ms", 10000, 1, 3600000, &d->smtp_timeout_ms},
        {"webhook_timeout_ms", 5000, 1, 3600000, &d->webhook_timeout_ms},
        {"webhook_attempts", 4, 1, 100, &d->webhook_attempts},
        {"webhook_backoff_ms", 500, 1, 3600000, &d->webhook_backoff_ms},
        {"max_parallel", 16, 1, 10000, &n->oopts.max_parallel},
        {"smtp_connections", 4, 1, 1000, &n->oopts.smtp_connections},
        {"webhook_connections", 2, 1, 1000, &n->oopts.webhook_connections},
        {"test_kill_after_sends", 0, 0, INT32_MAX, &n->oopts.kill_after_sends},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (int_key(cfg, ints[i].key, ints[i].def, ints[i].lo, ints[i].hi, ints[i].dst, err, errlen))
            return -1;
    d->smtp_connections = n->oopts.smtp_connections;
    d->max_host_connections = n->oopts.webhook_connections;
    d->max_connections = n->oopts.max_parallel;
    n->arr = arrivals_new();
    n->ctx = zmq_ctx_new();
    return n->arr && n->ctx ? 0 : -1;
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
    outbox_owner_t owner = {is_received, message_opts, cycle_end, n};
    if (zmq_bind(n->pub, pep) || zmq_connect(n->sub, eep) ||
        outbox_new(n->loop, &n->oopts, n->log, n->pub, &owner, &n->ob)) {
        log_error("cannot bind %s / connect %s: %s", pep, eep, zmq_strerror(errno));
        zmq_close(n->pub);
        zmq_close(n->sub);
        n->pub = n->sub = NULL;
        return -1;
    }
    zloop_sock_init(n->loop, &n->zsub, n->sub, on_event, n);
    n->sub_open = true;
    uint64_t tick_ms = (uint64_t)config_int(n->cfg, "notifier", "tick_ms", 30000);
    n->svc = (service_loop_t){.data = n, .on_stop = on_stop_signal, .on_reload = on_hup, .on_tick = on_tick};
    if (service_loop_start(&n->svc, n->loop, 0, tick_ms)) {
        log_error("cannot install the signal handlers");
        return -1;
    }
    char b[32];
    log_info("reminders via %s (%d connection(s)) and webhooks (%d per host), %d message(s) at once, PUB on %s; "
             "events from %s; aggregator %s; clock %s%s",
             n->oopts.deliver.smtp_url, n->oopts.smtp_connections, n->oopts.webhook_connections,
             n->oopts.max_parallel, pep, eep, n->aggregator, time_format_iso(clock_now(), b, sizeof b),
             clock_is_simulated() ? " (simulated)" : "");
    return 0;
}

/* ---- --plan ------------------------------------------------------------------------ */

/* What would go out at `at`, without sending or recording: one line per
 * message (and its text with --messages). */
static int plan_mode(notifier_t *n, int64_t at, bool messages)
{
    if (open_log(n, true))
        return 1;
    find_approvers(n);
    if (arrivals_refresh(n->arr, n->ctx, n->aggregator, n->query_timeout_ms, n->cat, &n->pol, at) || plan(n, at))
        return 1;
    char b[32], b2[32];
    if (!policy_in_hours(n->cat, &n->pol, at))
        printf("# %s is outside working hours: nothing goes out before %s\n", time_format_iso(at, b, sizeof b),
               time_format_iso(policy_next_hours(n->cat, &n->pol, at), b2, sizeof b2));
    for (int i = 0; i < n->ndigests; i++) {
        const digest_t *d = &n->digests[i];
        message_opts_t mo;
        message_t m;
        message_opts(n, d->unit, &mo);
        if (message_compose(n->cat, d, &mo, at, &m))
            break;
        char items[4096];
        printf("%s\t%s\t%s\t%s\t%s\t%s\n", n->cat->units[d->unit].code, channel_name(d->channel), d->recipient,
               d->id, digest_items(n->cat, d, items, sizeof items), m.subject);
        if (messages)
            printf("\n%s\n", m.body);
        message_free(&m);
    }
    /* the items in the messages (counted once per recipient, whatever its
     * channels), and those whose recipient gets no message now */
    int in_msgs = 0, recipients = 0, held = 0, held_units = 0;
    for (int i = 0, j, k = 0; i < n->nitems; i = j) {
        for (j = i; j < n->nitems && n->items[j].unit == n->items[i].unit; j++)
            ;
        int cnt = 0;
        for (int q = i; q < j; q++)
            cnt += !n->items[q].cancelled;
        while (k < n->ndigests && n->digests[k].items < n->items + i)
            k++;
        bool sent = k < n->ndigests && n->digests[k].items == n->items + i;
        if (sent) {
            in_msgs += cnt;
            recipients++;
        } else if (cnt) {
            held += cnt;
            held_units++;
        }
    }
    printf("# %d message(s), %d item(s) at %s: %d recipient(s)", n->ndigests, in_msgs,
           time_format_iso(at, b, sizeof b), recipients);
    if (held)
        printf("; %d other item(s) of %d recipient(s) not sent again now (their digest went out already today, "
               "or is unchanged since it went out less than repeat_after working days ago)",
               held, held_units);
    printf("\n");
    free_plan(n);
    return 0;
}

int main(int argc, char **argv)
{
    service_args_t args = {
        .name = "notifier",
        .help = "  --once          one cycle (plan, send, record), then exit\n"
                "  --plan          print what would be sent now (no sending, no sent-log writes), then exit\n"
                "  --at TIME       with --plan: plan as at TIME (ISO 8601) instead of now\n"
                "  --messages      with --plan: print each message's subject and text too\n"
                "  --sent-log      print the sent-log (what was sent, when, to whom), then exit\n"
                "docs/notifier.md says more (digests, repeat interval, extensions, approvers).\n"};
    int rc = service_parse_args(argc, argv, &args, "[--plan [--at TIME] [--messages]] [--once] [--sent-log]");
    if (rc)
        return rc == 1 ? 0 : 2;
    bool plan_only = false, once = false, dump = false, messages = false;
    const char *at = NULL;
    for (int i = 0; i < args.nextra; i++) {
        if (!strcmp(args.extra[i], "--plan"))
            plan_only = true;
        else if (!strcmp(args.extra[i], "--once"))
            once = true;
        else if (!strcmp(args.extra[i], "--sent-log"))
            dump = true;
        else if (!strcmp(args.extra[i], "--messages"))
            messages = true;
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
    } else if (plan_only) {
        int64_t t = clock_now();
        if (at && time_parse_iso(at, &t)) {
            log_error("--at '%s' is not an ISO 8601 time such as 2025-09-08T09:00:00+07:00", at);
            status = 2;
        } else {
            status = plan_mode(&n, t, messages);
        }
    } else {
        n.loop = uv_default_loop();
        if (notifier_start(&n) == 0)
            uv_run(n.loop, UV_RUN_DEFAULT);
        else
            status = 1;
        if (service_loop_finish(n.loop)) /* let closing handles finish */
            log_warn("the loop still had open handles at exit");
        log_info("stopped: %lu sent, %lu rejected, %lu failed, %lu events", n.sent, n.rejected, n.failed, n.events);
    }
    if (n.ctx)
        zmq_ctx_term(n.ctx);
    arrivals_destroy(&n.arr);
    json_decref(n.english);
    free(n.approver_of);
    sentlog_close(&n.log);
    catalog_destroy(&n.pending_cat);
    catalog_destroy(&n.cat);
    config_destroy(&n.cfg);
    deliver_global_cleanup();
    return status;
}
