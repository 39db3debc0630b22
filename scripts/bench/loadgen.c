/*
 * loadgen -- the benchmark's client side of our pipeline, and the raw ceiling.
 *
 *   loadgen keygen UNITS_CSV OUTDIR
 *       A CURVE key pair for every unit of units.csv (zmq_curve_keypair):
 *       OUTDIR/keyring.csv (what the collector loads), OUTDIR/unitkeys.tsv
 *       (unit, public, secret: what the clients use) and OUTDIR/collector.key.
 *
 *   loadgen ingest --work work.tsv --keys DIR --endpoint EP [--clients 64]
 *                  [--dataset D --period P] [--aggregator EP] [--curve no]
 *       Closed loop: CLIENTS DEALER sockets with CURVE, each with one SUBMIT
 *       outstanding, waiting for its ACK (sent by the collector after fsync).
 *       A client takes the next office (a unit whose key may submit for
 *       itself and its sub-units), connects with that office's key, sends the
 *       office's reports one after another, then takes the next office.
 *       Corrections (phase 2) of an office start only after its phase 1 is
 *       acknowledged.  With --aggregator, after the last ACK it polls
 *       QUERY info until the aggregator has applied the highest ACKed seq.
 *       --curve no: plain TCP, for a collector run with --insecure (to
 *       measure what CURVE costs).  Prints one JSON object.
 *
 *   loadgen query --endpoint EP --reps N [--dataset D --period P] NAME:WHAT:NODE...
 *       One DEALER, one QUERY at a time: the first (cold) answer, then N
 *       timed repetitions of each.  Prints one JSON object.
 *
 *   loadgen ceiling --work work.tsv --dir DIR [--per-txn 1000] [--port P]
 *       The raw ceiling: the same encoded SUBMITs through ZeroMQ PUSH -> PULL
 *       (TCP loopback, no CURVE, no validation) into LMDB, seq -> bytes, with
 *       a synchronous mdb_txn_commit every PER_TXN messages.  The receiver is
 *       a separate process.  Prints one JSON object.
 *
 *   loadgen ceiling-closed --work work.tsv --dir DIR [--clients 64] [--port P]
 *       The raw ceiling under our clients' closed loop: CLIENTS DEALER
 *       sockets (no CURVE), one message outstanding each; the receiver
 *       (ROUTER, a separate process, no validation) stores what has arrived
 *       in one transaction (group commit) and answers each after the commit.
 *       Prints one JSON object.
 *
 *   loadgen echo [--reps N] [--size BYTES]
 *       The floor under any query: a bare DEALER -> ROUTER echo on loopback
 *       (the server a separate process), one round trip at a time.
 *
 *   loadgen query-local --catalog DIR --data DIR [--reps N] NAME:WHAT:NODE...
 *       The same queries in-process (rollup_query() on a stopped
 *       aggregator's store, no socket): what a query itself costs.
 *
 *   loadgen wait-applied --aggregator EP --seq N [--timeout S]
 *       Polls QUERY info until the aggregator has applied seq N; prints how
 *       long that took.
 *
 *   loadgen fsync-probe DIR [N]
 *       N (200) writes of 4 KiB each followed by fdatasync: the disk's
 *       durable-write latency.  Prints one JSON object.
 */
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zmq.h>

#include "catalog.h"
#include "period.h"
#include "proto.h"
#include "rollup.h"
#include "store.h"
#include "work.h"

#define die(fmt, a) bench_die("loadgen", fmt, a)
#define opt bench_opt

/* ------------------------------------------------------------------------ */
/* keygen                                                                    */

static int cmd_keygen(int argc, char **argv)
{
    if (argc < 3)
        die("usage: loadgen keygen UNITS_CSV OUTDIR%s", "");
    const char *units = argv[1], *dir = argv[2];
    FILE *in = fopen(units, "r");
    if (!in)
        die("cannot read %s", units);
    mkdir(dir, 0750);
    char path[4096];
    snprintf(path, sizeof path, "%s/keyring.csv", dir);
    FILE *kr = fopen(path, "w");
    snprintf(path, sizeof path, "%s/unitkeys.tsv", dir);
    FILE *uk = fopen(path, "w");
    if (!kr || !uk)
        die("cannot write in %s", dir);
    fprintf(kr, "unit,public_key\n");
    char line[8192], pub[41], sec[41];
    int n = 0;
    bool header = true;
    while (fgets(line, sizeof line, in)) {
        if (header) {
            header = false;
            continue;
        }
        char *comma = strchr(line, ',');
        if (!comma)
            continue;
        *comma = '\0';
        if (zmq_curve_keypair(pub, sec))
            die("zmq_curve_keypair: %s", zmq_strerror(errno));
        fprintf(kr, "%s,%s\n", line, pub);
        fprintf(uk, "%s\t%s\t%s\n", line, pub, sec);
        n++;
    }
    fclose(in);
    fclose(kr);
    fclose(uk);
    snprintf(path, sizeof path, "%s/collector.key", dir);
    if (zmq_curve_keypair(pub, sec))
        die("zmq_curve_keypair: %s", zmq_strerror(errno));
    FILE *ck = fopen(path, "w");
    if (!ck)
        die("cannot write %s", path);
    fprintf(ck, "# CURVE key pair of the collector (benchmark)\npublic = %s\nsecret = %s\n", pub, sec);
    fclose(ck);
    chmod(path, 0600);
    printf("{\"keys\": %d}\n", n);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* ingest                                                                    */

typedef struct {
    char *unit;
    char pub[41], sec[41];
} ukey_t;

static int cmp_ukey(const void *a, const void *b)
{
    return strcmp(((const ukey_t *)a)->unit, ((const ukey_t *)b)->unit);
}

static ukey_t *load_keys(const char *dir, int *n, char *server_pub)
{
    char path[4096], line[512];
    snprintf(path, sizeof path, "%s/collector.key", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot read %s", path);
    server_pub[0] = '\0';
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "public = ", 9))
            snprintf(server_pub, 41, "%.40s", line + 9);
    fclose(f);
    snprintf(path, sizeof path, "%s/unitkeys.tsv", dir);
    f = fopen(path, "r");
    if (!f)
        die("cannot read %s", path);
    int cap = 1024;
    ukey_t *k = malloc((size_t)cap * sizeof *k);
    *n = 0;
    while (fgets(line, sizeof line, f)) {
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        *t1 = *t2 = '\0';
        if (*n == cap)
            k = realloc(k, (size_t)(cap *= 2) * sizeof *k);
        k[*n].unit = strdup(line);
        snprintf(k[*n].pub, 41, "%.40s", t1 + 1);
        snprintf(k[*n].sec, 41, "%.40s", t2 + 1);
        (*n)++;
    }
    fclose(f);
    qsort(k, (size_t)*n, sizeof *k, cmp_ukey);
    return k;
}

/* A DEALER connected to ep that does not linger when closed; with key, a
 * CURVE client of the server whose public key is server_pub. */
static void *dealer(void *ctx, const char *ep, const char *server_pub, const ukey_t *key)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (key) {
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, server_pub, 40);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, key->pub, 40);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, key->sec, 40);
    }
    if (zmq_connect(s, ep))
        die("connect: %s", zmq_strerror(errno));
    return s;
}

typedef struct {
    void *sock;
    int session;  /* index into sessions, -1 idle */
    int pos, end; /* items [pos, end) of the session still to send */
    double t_send;
} client_t;

typedef struct {
    int office, phase;
    bool taken;
} session_t;

static uint64_t msgpack_map_uint(const msgpack_object *o, const char *key)
{
    if (!o || o->type != MSGPACK_OBJECT_MAP)
        return 0;
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(key) &&
            !memcmp(kv->key.via.str.ptr, key, kv->key.via.str.size) && kv->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            return kv->val.via.u64;
    }
    return 0;
}

/* One QUERY, synchronously; returns the RESULT size or -1 (timeout / refused).
 * When applied is not NULL, the "applied" field of the data is stored there. */
static long query_once(void *sock, const char *what, const char *node, const char *ds, const char *period,
                       uint64_t qid, int timeout_ms, uint64_t *applied, char *errbuf, size_t errlen)
{
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_QUERY;
    m.u.query.qid = qid;
    snprintf(m.u.query.what, sizeof m.u.query.what, "%s", what);
    snprintf(m.u.query.node, sizeof m.u.query.node, "%s", node ? node : "");
    snprintf(m.u.query.dataset, sizeof m.u.query.dataset, "%s", ds ? ds : "");
    snprintf(m.u.query.period, sizeof m.u.query.period, "%s", period ? period : "");
    char *buf;
    size_t len;
    if (proto_encode(&m, &buf, &len, NULL))
        return -1;
    zmq_send(sock, buf, len, 0);
    free(buf);
    zmq_pollitem_t pi = {sock, 0, ZMQ_POLLIN, 0};
    for (;;) {
        if (zmq_poll(&pi, 1, timeout_ms) <= 0) {
            snprintf(errbuf, errlen, "no answer in %d ms", timeout_ms);
            return -1;
        }
        zmq_msg_t f;
        zmq_msg_init(&f);
        zmq_msg_recv(&f, sock, 0);
        proto_msg_t r;
        proto_error_t err;
        long size = (long)zmq_msg_size(&f);
        int rc = proto_decode(zmq_msg_data(&f), zmq_msg_size(&f), &r, &err);
        if (rc || r.type != PROTO_RESULT) {
            snprintf(errbuf, errlen, "bad RESULT: %s", rc ? err.message : proto_type_name(r.type));
            proto_msg_free(&r);
            zmq_msg_close(&f);
            return -1;
        }
        if (r.u.result.qid != qid) { /* a late answer to an earlier query */
            proto_msg_free(&r);
            zmq_msg_close(&f);
            continue;
        }
        if (!r.u.result.ok) {
            snprintf(errbuf, errlen, "%s: %s", r.u.result.code, r.u.result.message);
            size = -1;
        } else if (applied) {
            *applied = msgpack_map_uint(r.u.result.data.obj, "applied");
        }
        proto_msg_free(&r);
        zmq_msg_close(&f);
        return size;
    }
}

/* Asks the aggregator at agg for info (each answer within answer_ms) every
 * pause_us until it has applied seq.  Returns 0 with *applied and the time
 * that was seen in *t_seen, or -1 once deadline (now_mono()) has passed;
 * *first: what the first answer said was applied. */
static int await_applied(void *ctx, const char *agg, uint64_t seq, int answer_ms, unsigned pause_us, double deadline,
                         uint64_t *first, uint64_t *applied, double *t_seen)
{
    void *q = dealer(ctx, agg, NULL, NULL);
    char errbuf[600];
    int rc = -1;
    for (uint64_t qid = 1;; qid++) {
        if (query_once(q, "info", NULL, NULL, NULL, qid, answer_ms, applied, errbuf, sizeof errbuf) < 0)
            die("aggregator info: %s", errbuf);
        if (qid == 1)
            *first = *applied;
        if (*applied >= seq) {
            *t_seen = now_mono();
            rc = 0;
            break;
        }
        if (now_mono() > deadline)
            break;
        usleep(pause_us);
    }
    zmq_close(q);
    return rc;
}

static int cmd_ingest(int argc, char **argv)
{
    const char *workp = opt(argc, argv, "--work", NULL), *keydir = opt(argc, argv, "--keys", NULL);
    const char *ep = opt(argc, argv, "--endpoint", NULL), *agg = opt(argc, argv, "--aggregator", NULL);
    const char *ds = opt(argc, argv, "--dataset", "NAT_Q"), *period = opt(argc, argv, "--period", "2025Q3");
    int nclients = atoi(opt(argc, argv, "--clients", "64"));
    double timeout = atof(opt(argc, argv, "--timeout", "60"));
    bool curve = strcmp(opt(argc, argv, "--curve", "yes"), "no") != 0;
    if (!workp || !keydir || !ep || nclients < 1)
        die("usage: loadgen ingest --work F --keys DIR --endpoint EP [--clients N] [--aggregator EP]%s", "");
    work_t w;
    if (work_load(workp, ds, period, &w))
        return 1;
    int nkeys;
    char server_pub[41];
    ukey_t *keys = load_keys(keydir, &nkeys, server_pub);
    /* sessions: every office's phase 1 in work order, then the phase 2s */
    session_t *ss = calloc((size_t)w.noffices * 2, sizeof *ss);
    int nss = 0, np1;
    for (int o = 0; o < w.noffices; o++)
        ss[nss++] = (session_t){o, 1, false};
    np1 = nss;
    for (int o = 0; o < w.noffices; o++)
        if (w.offices[o].count[2])
            ss[nss++] = (session_t){o, 2, false};
    const ukey_t **okey = calloc((size_t)w.noffices, sizeof *okey);
    for (int o = 0; o < w.noffices; o++) {
        ukey_t k = {.unit = w.offices[o].code};
        okey[o] = bsearch(&k, keys, (size_t)nkeys, sizeof *keys, cmp_ukey);
        if (!okey[o])
            die("no key for office %s", w.offices[o].code);
    }
    bool *p1done = calloc((size_t)w.noffices, sizeof *p1done);
    for (int o = 0; o < w.noffices; o++)
        p1done[o] = w.offices[o].count[1] == 0;
    double *lat = malloc((size_t)w.n * sizeof *lat), *lat1 = malloc((size_t)w.n * sizeof *lat1),
           *latn = malloc((size_t)w.n * sizeof *latn);
    size_t nlat = 0, nlat1 = 0, nlatn = 0;
    long values = 0;
    unsigned long accepted = 0, duplicates = 0, nacks = 0;
    char first_nack[700] = "";
    uint64_t max_seq = 0;
    int next1 = 0, next2 = np1, done_sessions = 0;

    void *ctx = zmq_ctx_new();
    client_t *cl = calloc((size_t)nclients, sizeof *cl);
    zmq_pollitem_t *pi = calloc((size_t)nclients, sizeof *pi);
    int *pmap = calloc((size_t)nclients, sizeof *pmap);
    for (int i = 0; i < nclients; i++)
        cl[i].session = -1;

#define SEND_CURRENT(c)                                                                                            \
    do {                                                                                                           \
        work_item_t *it_ = &w.items[(c)->pos];                                                                     \
        (c)->t_send = now_mono();                                                                                  \
        if (zmq_send((c)->sock, it_->buf, it_->len, 0) < 0)                                                        \
            die("send: %s", zmq_strerror(errno));                                                                  \
    } while (0)

    double t0 = now_mono(), t_last = t0;
    int active = 0;
    for (;;) {
        /* give idle clients a session */
        for (int i = 0; i < nclients; i++) {
            client_t *c = &cl[i];
            if (c->sock)
                continue;
            int s = -1;
            if (next1 < np1) {
                s = next1++;
            } else {
                while (next2 < nss && ss[next2].taken)
                    next2++;
                for (int k = next2; k < nss; k++)
                    if (!ss[k].taken && p1done[ss[k].office]) {
                        s = k;
                        break;
                    }
            }
            if (s < 0) {
                c->session = -1;
                continue;
            }
            ss[s].taken = true;
            const work_office_t *of = &w.offices[ss[s].office];
            c->session = s;
            c->pos = of->first[ss[s].phase];
            c->end = c->pos + of->count[ss[s].phase];
            c->sock = dealer(ctx, ep, server_pub, curve ? okey[ss[s].office] : NULL);
            active++;
            SEND_CURRENT(c);
        }
        if (active == 0)
            break;
        int np = 0;
        for (int i = 0; i < nclients; i++)
            if (cl[i].sock) {
                pi[np] = (zmq_pollitem_t){cl[i].sock, 0, ZMQ_POLLIN, 0};
                pmap[np++] = i;
            }
        int rc = zmq_poll(pi, np, 1000);
        if (rc < 0 && errno != EINTR)
            die("poll: %s", zmq_strerror(errno));
        double now = now_mono();
        for (int k = 0; k < np; k++) {
            client_t *c = &cl[pmap[k]];
            if (!(pi[k].revents & ZMQ_POLLIN)) {
                if (now - c->t_send > timeout) {
                    fprintf(stderr, "loadgen: no answer for %s after %.0f s\n", w.items[c->pos].id, timeout);
                    exit(1);
                }
                continue;
            }
            char buf[4096];
            int n = zmq_recv(c->sock, buf, sizeof buf, ZMQ_DONTWAIT);
            if (n < 0)
                continue;
            double t = now_mono();
            proto_msg_t r;
            proto_error_t err;
            if (proto_decode(buf, (size_t)(n > (int)sizeof buf ? (int)sizeof buf : n), &r, &err))
                die("bad reply: %s", err.message);
            work_item_t *it = &w.items[c->pos];
            if (r.type == PROTO_ACK) {
                if (strcmp(r.u.ack.id, it->id))
                    die("ACK for another id: %s", r.u.ack.id);
                if (!strcmp(r.u.ack.status, "duplicate"))
                    duplicates++;
                else
                    accepted++;
                if (r.u.ack.seq > max_seq)
                    max_seq = r.u.ack.seq;
            } else if (r.type == PROTO_NACK) {
                if (!nacks++)
                    snprintf(first_nack, sizeof first_nack, "%s %s: %s", r.u.nack.id, r.u.nack.code,
                             r.u.nack.message);
            } else {
                die("unexpected %s", proto_type_name(r.type));
            }
            proto_msg_free(&r);
            lat[nlat++] = t - c->t_send;
            if (c->pos == w.offices[ss[c->session].office].first[ss[c->session].phase])
                lat1[nlat1++] = t - c->t_send; /* the first of a session: connect + CURVE handshake + ZAP */
            else
                latn[nlatn++] = t - c->t_send;
            values += it->nvalues;
            t_last = t;
            if (++c->pos < c->end) {
                SEND_CURRENT(c);
                continue;
            }
            /* session complete */
            if (ss[c->session].phase == 1)
                p1done[ss[c->session].office] = true;
            done_sessions++;
            zmq_close(c->sock);
            c->sock = NULL;
            c->session = -1;
            active--;
        }
    }
    double elapsed = t_last - t0;
    if (nacks)
        fprintf(stderr, "loadgen: %lu NACK(s), the first: %s\n", nacks, first_nack);

    /* the aggregator: how long after the last ACK is everything applied? */
    double lag = -1, t_applied = 0;
    uint64_t backlog = 0, applied = 0;
    if (agg && max_seq) {
        uint64_t first;
        if (await_applied(ctx, agg, max_seq, 5000, 1000, t_last + timeout, &first, &applied, &t_applied))
            die("the aggregator did not catch up within %s s", opt(argc, argv, "--timeout", "60"));
        backlog = max_seq > first ? max_seq - first : 0;
        lag = t_applied - t_last;
    }
    double p50 = quantile(lat, nlat, 0.50), p99 = quantile(lat, nlat, 0.99), pmax = nlat ? lat[nlat - 1] : 0;
    double bytes = 0;
    for (int i = 0; i < w.n; i++)
        bytes += (double)w.items[i].len;
    printf("{\"first_p50_ms\": %.3f, \"first_p99_ms\": %.3f, \"next_p50_ms\": %.3f, \"next_p99_ms\": %.3f, ",
           quantile(lat1, nlat1, 0.5) * 1e3, quantile(lat1, nlat1, 0.99) * 1e3, quantile(latn, nlatn, 0.5) * 1e3,
           quantile(latn, nlatn, 0.99) * 1e3);
    printf("\"avg_bytes\": %.1f, \"submissions\": %zu, \"accepted\": %lu, \"duplicates\": %lu, \"nacks\": %lu, \"clients\": %d, "
           "\"sessions\": %d, \"elapsed_s\": %.4f, \"subs_per_s\": %.1f, \"values_per_s\": %.1f, "
           "\"ack_p50_ms\": %.3f, \"ack_p99_ms\": %.3f, \"ack_max_ms\": %.3f, \"max_seq\": %llu, "
           "\"agg_lag_s\": %.4f, \"agg_backlog_at_last_ack\": %llu}\n",
           bytes / (w.n ? w.n : 1), nlat, accepted, duplicates, nacks, nclients, done_sessions, elapsed, (double)nlat / elapsed,
           (double)values / elapsed, p50 * 1e3, p99 * 1e3, pmax * 1e3, (unsigned long long)max_seq, lag,
           (unsigned long long)backlog);
    for (int i = 0; i < nclients; i++)
        if (cl[i].sock)
            zmq_close(cl[i].sock);
    zmq_ctx_term(ctx);
    return nacks ? 1 : 0;
}

/* ------------------------------------------------------------------------ */
/* query                                                                     */

/* One query's figures in the JSON object of `query` and `query-local`: the
 * nth, its answer's size, the cold time and the reps timed ones in lat. */
static void print_query(int nth, const bench_query_t *q, int reps, size_t bytes, double cold, double *lat)
{
    double p50 = quantile(lat, (size_t)reps, 0.5), p99 = quantile(lat, (size_t)reps, 0.99);
    printf("%s\"%s\": {\"what\": \"%s\", \"node\": \"%s\", \"reps\": %d, \"bytes\": %zu, \"cold_ms\": %.4f, "
           "\"p50_ms\": %.4f, \"p99_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f}",
           nth ? ", " : "", q->name, q->what, q->node, reps, bytes, cold * 1e3, p50 * 1e3, p99 * 1e3, lat[0] * 1e3,
           lat[reps - 1] * 1e3);
}

static int cmd_query(int argc, char **argv)
{
    const char *ep = opt(argc, argv, "--endpoint", NULL);
    const char *ds = opt(argc, argv, "--dataset", "NAT_Q"), *period = opt(argc, argv, "--period", "2025Q3");
    int reps = atoi(opt(argc, argv, "--reps", "1000"));
    if (!ep || reps < 1)
        die("usage: loadgen query --endpoint EP --reps N NAME:WHAT:NODE...%s", "");
    void *ctx = zmq_ctx_new();
    void *s = dealer(ctx, ep, NULL, NULL);
    double *lat = malloc((size_t)reps * sizeof *lat);
    uint64_t qid = 1;
    char errbuf[600];
    printf("{");
    int nspec = 0;
    bench_query_t q;
    for (int i = 1; bench_next_query("loadgen", argc, argv, &i, &q) == 0;) {
        double cold = 0;
        long size = 0;
        for (int k = -1; k < reps; k++) {
            double t = now_mono();
            long n = query_once(s, q.what, q.node, ds, period, qid++, 60000, NULL, errbuf, sizeof errbuf);
            double dt = now_mono() - t;
            if (n < 0) {
                fprintf(stderr, "loadgen: query %s %s: %s\n", q.what, q.node, errbuf);
                return 1;
            }
            if (k < 0) {
                cold = dt;
                size = n; /* the cold answer's */
            } else {
                lat[k] = dt;
            }
        }
        print_query(nspec++, &q, reps, (size_t)size, cold, lat);
    }
    printf("}\n");
    zmq_close(s);
    zmq_ctx_term(ctx);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* the servers of the ceilings and of the echo                               */

/* A server in a process of its own: it opens its store (the ceilings), binds
 * a socket, says it listens, runs serve, then reports when it ended and how
 * many transactions it committed. */
typedef struct server server_t;
struct server {
    /* set by the caller */
    const char *name; /* in messages: "the receiver" */
    int type;         /* of the socket it binds: ZMQ_PULL, ZMQ_ROUTER */
    const char *dir;  /* its store (ceiling_store), or NULL */
    void (*serve)(server_t *s);
    const work_t *w; /* the ceilings: how many messages to receive */
    int per_txn;     /* ceiling */
    int reps;        /* echo */
    /* set by server_start */
    char ep[64];
    pid_t pid;
    int res; /* what the server reports, in the caller's process */
    /* in the server's process */
    void *sock;
    MDB_env *env;
    MDB_dbi dbi;
    int commits; /* counted by serve */
};

/* The ceilings' store: one LMDB database, like the collector's journal. */
static void ceiling_store(const char *dir, MDB_env **env, MDB_dbi *dbi)
{
    MDB_txn *txn;
    int rc;
    mkdir(dir, 0750);
    if ((rc = mdb_env_create(env)) || (rc = mdb_env_set_mapsize(*env, (size_t)4 << 30)) ||
        (rc = mdb_env_set_maxdbs(*env, 4)) || (rc = mdb_env_open(*env, dir, MDB_NOTLS, 0640)) ||
        (rc = mdb_txn_begin(*env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, "journal", MDB_CREATE, dbi)) ||
        (rc = mdb_txn_commit(txn)))
        die("lmdb: %s", mdb_strerror(rc));
}

/* Starts the server on 127.0.0.1:port and returns once it listens. */
static void server_start(server_t *s, int port)
{
    snprintf(s->ep, sizeof s->ep, "tcp://127.0.0.1:%d", port);
    int up[2], res[2];
    if (pipe(up) || pipe(res))
        die("pipe: %s", strerror(errno));
    s->pid = fork();
    if (s->pid < 0)
        die("fork: %s", strerror(errno));
    if (s->pid == 0) {
        close(up[0]);
        close(res[0]);
        if (s->dir)
            ceiling_store(s->dir, &s->env, &s->dbi);
        void *ctx = zmq_ctx_new();
        s->sock = zmq_socket(ctx, s->type);
        if (zmq_bind(s->sock, s->ep))
            die("bind: %s", zmq_strerror(errno));
        char ok = 1;
        if (write(up[1], &ok, 1) != 1)
            _exit(1);
        s->serve(s);
        double t_end = now_mono();
        if (write(res[1], &t_end, sizeof t_end) != sizeof t_end ||
            write(res[1], &s->commits, sizeof s->commits) != sizeof s->commits)
            _exit(1);
        if (s->type == ZMQ_ROUTER)
            usleep(100000); /* the last answers leave before the socket closes */
        zmq_close(s->sock);
        zmq_ctx_term(ctx);
        if (s->env)
            mdb_env_close(s->env);
        _exit(0);
    }
    close(up[1]);
    close(res[1]);
    char ok;
    if (read(up[0], &ok, 1) != 1)
        die("%s did not start", s->name);
    s->res = res[0];
}

/* Waits for the server's end: when it ended (monotonic clock) and its commits,
 * each where asked for. */
static void server_wait(server_t *s, double *t_end, int *commits)
{
    double t;
    int n;
    if (read(s->res, &t, sizeof t) != sizeof t || read(s->res, &n, sizeof n) != sizeof n)
        die("%s failed", s->name);
    int st;
    waitpid(s->pid, &st, 0);
    if (t_end)
        *t_end = t;
    if (commits)
        *commits = n;
}

/* ------------------------------------------------------------------------ */
/* ceiling                                                                   */

static long count_values(const work_t *w)
{
    long values = 0;
    for (int i = 0; i < w->n; i++)
        values += w->items[i].nvalues;
    return values;
}

/* The ceilings' options (--work, --dir, --dataset, --period, --port with
 * default port), `usage` when one is missing or !ok; loads the work into *w
 * and starts the receiver s (type and serve set by the caller). */
static void ceiling_start(int argc, char **argv, const char *port, bool ok, const char *usage, work_t *w, server_t *s)
{
    const char *workp = opt(argc, argv, "--work", NULL), *dir = opt(argc, argv, "--dir", NULL);
    const char *ds = opt(argc, argv, "--dataset", "NAT_Q"), *period = opt(argc, argv, "--period", "2025Q3");
    if (!workp || !dir || !ok)
        die("usage: %s", usage);
    if (work_load(workp, ds, period, w))
        exit(1);
    s->name = "the receiver";
    s->dir = dir;
    s->w = w;
    server_start(s, atoi(opt(argc, argv, "--port", port)));
}

/* Appends message m to the ceiling's store under key seq. */
static int ceiling_put(server_t *s, MDB_txn *txn, uint64_t seq, zmq_msg_t *m)
{
    unsigned char kb[8];
    store_put_u64(kb, seq);
    MDB_val k = {8, kb}, v = {zmq_msg_size(m), zmq_msg_data(m)};
    return mdb_put(txn, s->dbi, &k, &v, MDB_APPEND);
}

/* ceiling's receiver: PULL -> LMDB, a commit every per_txn messages */
static void ceiling_receive(server_t *s)
{
    MDB_txn *txn;
    int in_txn = 0;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    for (int i = 0; i < s->w->n && rc == 0; i++) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s->sock, 0) < 0)
            die("recv: %s", zmq_strerror(errno));
        rc = ceiling_put(s, txn, (uint64_t)i + 1, &m);
        zmq_msg_close(&m);
        if (rc == 0 && ++in_txn == s->per_txn) {
            rc = mdb_txn_commit(txn);
            s->commits++;
            in_txn = 0;
            if (rc == 0)
                rc = mdb_txn_begin(s->env, NULL, 0, &txn);
        }
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        s->commits++;
    }
    if (rc)
        die("lmdb: %s", mdb_strerror(rc));
}

static int cmd_ceiling(int argc, char **argv)
{
    int per_txn = atoi(opt(argc, argv, "--per-txn", "1000"));
    work_t w;
    server_t s = {.type = ZMQ_PULL, .serve = ceiling_receive, .per_txn = per_txn};
    ceiling_start(argc, argv, "7190", per_txn >= 1, "loadgen ceiling --work F --dir DIR [--per-txn N] [--port P]", &w,
                  &s);
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    int linger = -1;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    zmq_connect(push, s.ep);
    usleep(200000); /* the connection is up before the clock starts */
    double t0 = now_mono();
    for (int i = 0; i < w.n; i++)
        if (zmq_send(push, w.items[i].buf, w.items[i].len, 0) < 0)
            die("send: %s", zmq_strerror(errno));
    double t_end;
    int commits;
    server_wait(&s, &t_end, &commits);
    zmq_close(push);
    zmq_ctx_term(ctx);
    double elapsed = t_end - t0;
    printf("{\"submissions\": %d, \"per_txn\": %d, \"commits\": %d, \"elapsed_s\": %.4f, \"subs_per_s\": %.1f, "
           "\"values_per_s\": %.1f}\n",
           w.n, per_txn, commits, elapsed, (double)w.n / elapsed, (double)count_values(&w) / elapsed);
    work_free(&w);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* ceiling-closed: the raw ceiling with the clients' closed loop              */

/* The same messages, but as our clients send them: CLIENTS DEALER sockets,
 * each waiting for its answer before sending the next; the receiver (ROUTER,
 * no CURVE, no validation) stores whatever has arrived in ONE transaction
 * (group commit, as the collector does) and answers each after the commit. */
static void ceiling_closed_receive(server_t *s)
{
    enum { MAXG = 4096 };
    zmq_msg_t *ids = malloc(MAXG * sizeof *ids), *pl = malloc(MAXG * sizeof *pl);
    uint64_t seq = 0;
    MDB_txn *txn;
    int rc;
    while (seq < (uint64_t)s->w->n) {
        zmq_pollitem_t pi = {s->sock, 0, ZMQ_POLLIN, 0};
        zmq_poll(&pi, 1, -1);
        int g = 0;
        while (g < MAXG) {
            zmq_msg_init(&ids[g]);
            if (zmq_msg_recv(&ids[g], s->sock, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&ids[g]);
                break;
            }
            zmq_msg_init(&pl[g]);
            zmq_msg_recv(&pl[g], s->sock, 0);
            g++;
        }
        if (!g)
            continue;
        if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)))
            die("lmdb: %s", mdb_strerror(rc));
        for (int i = 0; i < g; i++)
            if ((rc = ceiling_put(s, txn, ++seq, &pl[i])))
                die("lmdb: %s", mdb_strerror(rc));
        if ((rc = mdb_txn_commit(txn)))
            die("lmdb: %s", mdb_strerror(rc));
        s->commits++;
        for (int i = 0; i < g; i++) {
            zmq_msg_send(&ids[i], s->sock, ZMQ_SNDMORE);
            zmq_send(s->sock, "ok", 2, 0);
            zmq_msg_close(&pl[i]);
        }
    }
}

static int cmd_ceiling_closed(int argc, char **argv)
{
    int nclients = atoi(opt(argc, argv, "--clients", "64"));
    work_t w;
    server_t s = {.type = ZMQ_ROUTER, .serve = ceiling_closed_receive};
    ceiling_start(argc, argv, "7191", nclients >= 1,
                  "loadgen ceiling-closed --work F --dir DIR [--clients N] [--port P]", &w, &s);
    void *ctx = zmq_ctx_new();
    void **socks = calloc((size_t)nclients, sizeof *socks);
    int *cur = calloc((size_t)nclients, sizeof *cur);
    double *ts = calloc((size_t)nclients, sizeof *ts), *lat = malloc((size_t)w.n * sizeof *lat);
    zmq_pollitem_t *pi = calloc((size_t)nclients, sizeof *pi);
    for (int i = 0; i < nclients; i++)
        socks[i] = dealer(ctx, s.ep, NULL, NULL);
    usleep(200000);
    int next = 0, active = 0;
    size_t nlat = 0;
    double t0 = now_mono();
    for (int i = 0; i < nclients && next < w.n; i++) {
        cur[i] = next++;
        ts[i] = now_mono();
        zmq_send(socks[i], w.items[cur[i]].buf, w.items[cur[i]].len, 0);
        active++;
    }
    while (active) {
        for (int i = 0; i < nclients; i++)
            pi[i] = (zmq_pollitem_t){socks[i], 0, ZMQ_POLLIN, 0};
        if (zmq_poll(pi, nclients, 60000) <= 0)
            die("no answer in 60 s%s", "");
        for (int i = 0; i < nclients; i++) {
            if (!(pi[i].revents & ZMQ_POLLIN))
                continue;
            char b[16];
            zmq_recv(socks[i], b, sizeof b, 0);
            lat[nlat++] = now_mono() - ts[i];
            if (next < w.n) {
                cur[i] = next++;
                ts[i] = now_mono();
                zmq_send(socks[i], w.items[cur[i]].buf, w.items[cur[i]].len, 0);
            } else {
                active--;
            }
        }
    }
    double t_last = now_mono();
    double t_end;
    int commits;
    server_wait(&s, &t_end, &commits);
    for (int i = 0; i < nclients; i++)
        zmq_close(socks[i]);
    zmq_ctx_term(ctx);
    double elapsed = t_last - t0;
    double p50 = quantile(lat, nlat, 0.5), p99 = quantile(lat, nlat, 0.99);
    printf("{\"submissions\": %d, \"clients\": %d, \"commits\": %d, \"per_commit\": %.1f, \"elapsed_s\": %.4f, "
           "\"subs_per_s\": %.1f, \"values_per_s\": %.1f, \"ack_p50_ms\": %.3f, \"ack_p99_ms\": %.3f}\n",
           w.n, nclients, commits, (double)w.n / commits, elapsed, (double)w.n / elapsed,
           (double)count_values(&w) / elapsed, p50 * 1e3, p99 * 1e3);
    work_free(&w);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* echo: the floor of any query -- a bare DEALER -> ROUTER round trip         */

static void echo_serve(server_t *s)
{
    for (int i = 0; i <= s->reps; i++) {
        zmq_msg_t id, m;
        zmq_msg_init(&id);
        zmq_msg_init(&m);
        zmq_msg_recv(&id, s->sock, 0);
        zmq_msg_recv(&m, s->sock, 0);
        zmq_msg_send(&id, s->sock, ZMQ_SNDMORE);
        zmq_msg_send(&m, s->sock, 0);
    }
}

static int cmd_echo(int argc, char **argv)
{
    int reps = atoi(opt(argc, argv, "--reps", "1000"));
    int port = atoi(opt(argc, argv, "--port", "7192"));
    size_t size = (size_t)atoi(opt(argc, argv, "--size", "100"));
    if (reps < 1)
        die("usage: loadgen echo [--reps N] [--port P] [--size BYTES]%s", "");
    server_t s = {.name = "the echo server", .type = ZMQ_ROUTER, .serve = echo_serve, .reps = reps};
    server_start(&s, port);
    void *ctx = zmq_ctx_new();
    void *c = dealer(ctx, s.ep, NULL, NULL);
    char *buf = calloc(1, size + 1), *in = malloc(size + 1);
    double *lat = malloc((size_t)reps * sizeof *lat);
    zmq_send(c, buf, size, 0); /* the connection is up before the clock starts */
    zmq_recv(c, in, size + 1, 0);
    for (int i = 0; i < reps; i++) {
        double t = now_mono();
        zmq_send(c, buf, size, 0);
        zmq_recv(c, in, size + 1, 0);
        lat[i] = now_mono() - t;
    }
    server_wait(&s, NULL, NULL);
    zmq_close(c);
    zmq_ctx_term(ctx);
    double p50 = quantile(lat, (size_t)reps, 0.5), p99 = quantile(lat, (size_t)reps, 0.99);
    printf("{\"reps\": %d, \"bytes\": %zu, \"p50_ms\": %.4f, \"p99_ms\": %.4f, \"min_ms\": %.4f, \"max_ms\": %.4f}\n",
           reps, size, p50 * 1e3, p99 * 1e3, lat[0] * 1e3, lat[reps - 1] * 1e3);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* query-local: the same queries in-process, on a stopped aggregator's store */

static int cmd_query_local(int argc, char **argv)
{
    const char *catdir = opt(argc, argv, "--catalog", NULL), *data = opt(argc, argv, "--data", NULL);
    const char *ds = opt(argc, argv, "--dataset", "NAT_Q"), *period = opt(argc, argv, "--period", "2025Q3");
    const char *at = opt(argc, argv, "--now", "2025-09-08T09:00:00+07:00");
    int reps = atoi(opt(argc, argv, "--reps", "1000"));
    if (!catdir || !data || reps < 1)
        die("usage: loadgen query-local --catalog DIR --data DIR [--reps N] NAME:WHAT:NODE...%s", "");
    catalog_t *cat;
    if (catalog_load(catdir, &cat, NULL, NULL))
        die("cannot load the catalog %s", catdir);
    rollup_t *r;
    bool rebuild = false;
    char err[512];
    if (rollup_open(data, (uint64_t)2048 << 20, cat, &r, &rebuild, err, sizeof err))
        die("%s", err);
    if (rebuild)
        die("%s was built with another catalog", data);
    int64_t now;
    if (time_parse_iso(at, &now))
        die("bad --now %s", at);
    double *lat = malloc((size_t)reps * sizeof *lat);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    printf("{");
    int nspec = 0;
    bench_query_t bq;
    for (int i = 1; bench_next_query("loadgen", argc, argv, &i, &bq) == 0;) {
        proto_query_t q;
        memset(&q, 0, sizeof q);
        snprintf(q.what, sizeof q.what, "%s", bq.what);
        snprintf(q.node, sizeof q.node, "%s", bq.node);
        snprintf(q.dataset, sizeof q.dataset, "%s", ds);
        snprintf(q.period, sizeof q.period, "%s", period);
        double cold = 0;
        for (int k = -1; k < reps; k++) {
            msgpack_packer pk;
            proto_error_t perr;
            sb.size = 0;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            double t = now_mono();
            if (rollup_query(r, &q, now, &pk, &perr))
                die("query failed: %s", perr.message);
            double dt = now_mono() - t;
            if (k < 0)
                cold = dt;
            else
                lat[k] = dt;
        }
        print_query(nspec++, &bq, reps, sb.size, cold, lat);
    }
    printf("}\n");
    msgpack_sbuffer_destroy(&sb);
    rollup_close(&r);
    catalog_destroy(&cat);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* wait-applied: the aggregator's catch-up                                   */

static int cmd_wait_applied(int argc, char **argv)
{
    const char *agg = opt(argc, argv, "--aggregator", NULL);
    uint64_t seq = strtoull(opt(argc, argv, "--seq", "0"), NULL, 10);
    double timeout = atof(opt(argc, argv, "--timeout", "300"));
    if (!agg || !seq)
        die("usage: loadgen wait-applied --aggregator EP --seq N [--timeout S]%s", "");
    void *ctx = zmq_ctx_new();
    double t0 = now_mono(), t_seen;
    uint64_t first, applied = 0;
    if (await_applied(ctx, agg, seq, 60000, 5000, t0 + timeout, &first, &applied, &t_seen))
        die("not applied within %s s", opt(argc, argv, "--timeout", "300"));
    printf("{\"applied\": %llu, \"waited_s\": %.4f}\n", (unsigned long long)applied, now_mono() - t0);
    zmq_ctx_term(ctx);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* fsync probe                                                               */

static int cmd_fsync_probe(int argc, char **argv)
{
    if (argc < 2)
        die("usage: loadgen fsync-probe DIR [N]%s", "");
    int n = argc > 2 ? atoi(argv[2]) : 200;
    char path[4096];
    snprintf(path, sizeof path, "%s/fsync-probe.tmp", argv[1]);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        die("cannot create %s", path);
    char block[4096];
    memset(block, 'x', sizeof block);
    double *lat = malloc((size_t)n * sizeof *lat);
    for (int i = 0; i < n; i++) {
        double t = now_mono();
        if (pwrite(fd, block, sizeof block, (off_t)(i % 64) * 4096) != (ssize_t)sizeof block || fdatasync(fd))
            die("write: %s", strerror(errno));
        lat[i] = now_mono() - t;
    }
    close(fd);
    unlink(path);
    double p50 = quantile(lat, (size_t)n, 0.5), p99 = quantile(lat, (size_t)n, 0.99);
    printf("{\"n\": %d, \"fdatasync_p50_ms\": %.3f, \"fdatasync_p99_ms\": %.3f}\n", n, p50 * 1e3, p99 * 1e3);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } cmds[] = {
        {"keygen", cmd_keygen},
        {"ingest", cmd_ingest},
        {"query", cmd_query},
        {"ceiling", cmd_ceiling},
        {"ceiling-closed", cmd_ceiling_closed},
        {"echo", cmd_echo},
        {"query-local", cmd_query_local},
        {"wait-applied", cmd_wait_applied},
        {"fsync-probe", cmd_fsync_probe},
    };
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2)
        die("usage: loadgen keygen|ingest|query|ceiling|fsync-probe ...%s", "");
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].run(argc - 1, argv + 1);
    die("unknown command %s", argv[1]);
    return 2;
}
