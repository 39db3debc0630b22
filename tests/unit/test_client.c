/*
 * test_client.c -- client_ask() and client_conn_ask() (client.h) against a
 * scripted aggregator: a ROUTER on inproc:// in its own thread that answers
 * each QUERY as the test tells it to, with typed answers packed as the
 * aggregator packs them (ans_units_pack(), ans_status_pack()).
 *
 * Test names are "client-G.N what": 1 an answer (read typed, into the
 * member QUERY.what names), 2 every way a query fails, the code and the
 * sentence it leaves in err, 4 a kept connection (client_conn_t), 5 what
 * client_submit() says when a SUBMIT has no answer.  (Group 3 tested the
 * msgpack helpers of the JSON path, which went with it.)
 *
 * Each test ends with zmq_ctx_term() (no socket left open); under ASan the
 * leak checker sees whether a RESULT, its zone or its bytes were left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <zmq.h>

#include "client.h"

#define TEST(name, fn) {name, fn, NULL, NULL, NULL}

#define EP "inproc://test-client"
#define TIMEOUT_MS 5000

/* ------------------------------------------------------------------------
 * The scripted aggregator
 * ------------------------------------------------------------------------ */

typedef enum {
    A_UNITS,         /* a units answer, whatever was asked */
    A_STATUS,        /* a status answer, whatever was asked */
    A_REFUSE,        /* E_UNKNOWN_UNIT with its sentence */
    A_REFUSE_NEW,    /* a code this client does not know */
    A_REFUSE_BARE,   /* E_NOT_FOUND without a sentence */
    A_NO_DATA,       /* ok, but no data */
    A_NACK,          /* a message of another type */
    A_GARBAGE,       /* not msgpack */
    A_SILENCE,       /* nothing */
    A_LATE           /* the units answer, LATE_MS after the request */
} answer_t;

#define LATE_MS 400

typedef struct {
    void *ctx, *router;
    pthread_t th;
    atomic_int stop, answer, requests;
    atomic_int peers;      /* times a request came from another connection than the one before */
    unsigned char last_id[256];
    size_t last_idlen;     /* server thread only */
    client_conn_t conn;    /* the test's kept connection: teardown closes it */
} server_t;

#define DEADLINE 1760000000 /* 2025-10-09, Unix seconds */

/* A units answer for VN: three units, one of each status but missing. */
static void pack_units(msgpack_packer *pk)
{
    ans_unit_status_t rows[3] = {
        {.code = "VN.A", .name = "Tỉnh A", .kind = "tinh", .parent = "VN", .has_parent = true, .depth = 1,
         .status = "on_time", .received_at = DEADLINE - 3600, .has_received_at = true, .version = 1,
         .has_version = true, .submitter = "VN.A", .has_submitter = true},
        {.code = "VN.B", .name = "Tỉnh B", .kind = "tinh", .parent = "VN", .has_parent = true, .depth = 1,
         .status = "late", .received_at = DEADLINE + 3600, .has_received_at = true, .version = 2,
         .has_version = true, .submitter = "VN", .has_submitter = true},
        {.code = "VN.C", .name = "Tỉnh C", .kind = "tinh", .parent = "VN", .has_parent = true, .depth = 1,
         .status = "pending"},
    };
    ans_counts_entry_t kinds[1] = {{"tinh", {.expected = 3, .received = 2, .on_time = 1, .late = 1, .pending = 1}}};
    ans_units_t u = {{"VN", "Việt Nam", "quoc_gia"}, "Q", "2025Q3", DEADLINE, rows, 3, 3, 0, kinds, 1};
    ans_units_pack(pk, &u);
}

/* A status answer for VN: the same three units counted. */
static void pack_status(msgpack_packer *pk)
{
    ans_status_t st = {{"VN", "Việt Nam", "quoc_gia"}, "Q", "2025Q3", DEADLINE, 3, 2, 1, 1, 0, 1, 1.0 / 3, 0, 2, 0, 0, 0};
    ans_status_pack(pk, &st);
}

/* The answer to one request, in *out (caller frees), or NULL for none. */
static char *answer(answer_t a, uint64_t qid, size_t *len)
{
    static const char *const refusals[][2] = {
        [A_REFUSE] = {"E_UNKNOWN_UNIT", "no unit 'XX' in the catalog"},
        [A_REFUSE_NEW] = {"E_FROM_A_NEWER_SERVER", "a refusal this client has no code for"},
        [A_REFUSE_BARE] = {"E_NOT_FOUND", ""},
    };
    if (a == A_SILENCE)
        return NULL;
    if (a == A_GARBAGE) {
        *len = 1;
        return strdup("\xc1"); /* a byte msgpack never uses */
    }
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    if (a == A_NACK) {
        m.type = PROTO_NACK;
        snprintf(m.u.nack.code, sizeof m.u.nack.code, "E_TYPE");
        snprintf(m.u.nack.message, sizeof m.u.nack.message, "not a SUBMIT");
    } else {
        m.type = PROTO_RESULT;
        m.u.result.qid = qid;
        m.u.result.ok = a == A_UNITS || a == A_STATUS || a == A_NO_DATA;
        if (!m.u.result.ok) {
            snprintf(m.u.result.code, sizeof m.u.result.code, "%s", refusals[a][0]);
            snprintf(m.u.result.message, sizeof m.u.result.message, "%s", refusals[a][1]);
        } else if (a != A_NO_DATA) {
            msgpack_packer pk;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            if (a == A_UNITS)
                pack_units(&pk);
            else
                pack_status(&pk);
            m.u.result.data.raw = sb.data;
            m.u.result.data.rawlen = sb.size;
        }
    }
    char *out = NULL;
    proto_error_t err;
    int rc = proto_encode(&m, &out, len, &err);
    msgpack_sbuffer_destroy(&sb);
    return rc ? NULL : out;
}

static void *server_main(void *arg)
{
    server_t *s = arg;
    while (!atomic_load(&s->stop)) {
        zmq_pollitem_t pi = {s->router, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&pi, 1, 20) != 1)
            continue;
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&id, s->router, 0) >= 0 && zmq_msg_recv(&body, s->router, 0) >= 0) {
            atomic_fetch_add(&s->requests, 1);
            size_t il = zmq_msg_size(&id) < sizeof s->last_id ? zmq_msg_size(&id) : sizeof s->last_id;
            if (il != s->last_idlen || memcmp(s->last_id, zmq_msg_data(&id), il) != 0) {
                atomic_fetch_add(&s->peers, 1);
                memcpy(s->last_id, zmq_msg_data(&id), il);
                s->last_idlen = il;
            }
            proto_msg_t q;
            proto_error_t err;
            uint64_t qid = 0;
            if (proto_decode(zmq_msg_data(&body), zmq_msg_size(&body), &q, &err) == 0 && q.type == PROTO_QUERY)
                qid = q.u.query.qid;
            proto_msg_free(&q);
            size_t len = 0;
            answer_t a = (answer_t)atomic_load(&s->answer);
            if (a == A_LATE) {
                struct timespec ts = {0, LATE_MS * 1000000L};
                nanosleep(&ts, NULL);
                a = A_UNITS;
            }
            char *out = answer(a, qid, &len);
            if (out) {
                zmq_send(s->router, zmq_msg_data(&id), zmq_msg_size(&id), ZMQ_SNDMORE);
                zmq_send(s->router, out, len, 0);
                free(out);
            }
        }
        zmq_msg_close(&id);
        zmq_msg_close(&body);
    }
    return NULL;
}

static int setup(void **state)
{
    server_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->ctx = zmq_ctx_new();
    s->router = zmq_socket(s->ctx, ZMQ_ROUTER);
    int linger = 0;
    zmq_setsockopt(s->router, ZMQ_LINGER, &linger, sizeof linger);
    assert_int_equal(zmq_bind(s->router, EP), 0);
    assert_int_equal(pthread_create(&s->th, NULL, server_main, s), 0);
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    server_t *s = *state;
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    client_conn_close(&s->conn); /* a failed test may have left it open */
    zmq_close(s->router);
    assert_int_equal(zmq_ctx_term(s->ctx), 0);
    free(s);
    return 0;
}

static void query(proto_query_t *q, const char *what)
{
    memset(q, 0, sizeof *q);
    q->qid = 7;
    snprintf(q->what, sizeof q->what, "%s", what);
    snprintf(q->node, sizeof q->node, "VN");
}

/* ------------------------------------------------------------------------
 * 1. An answer
 * ------------------------------------------------------------------------ */

static void answer_units(void **state)
{
    server_t *s = *state;
    atomic_store(&s->answer, A_UNITS);
    proto_query_t q;
    query(&q, "units");
    client_answer_t a;
    proto_error_t err = {0, ""};
    assert_int_equal(client_ask(s->ctx, EP, TIMEOUT_MS, &q, &a, &err), 0);
    assert_true(a.has_result);
    assert_non_null(a.buf);
    assert_int_equal(a.result.type, PROTO_RESULT);
    assert_int_equal(a.result.u.result.qid, 7);
    const ans_units_t *u = &a.u.units;
    assert_string_equal(u->node.code, "VN");
    assert_string_equal(u->node.name, "Việt Nam");
    assert_int_equal(u->deadline, DEADLINE);
    assert_int_equal(u->n_units, 3);
    assert_string_equal(u->units[0].code, "VN.A");
    assert_string_equal(u->units[0].status, "on_time");
    assert_string_equal(u->units[1].status, "late");
    assert_string_equal(u->units[1].submitter, "VN");
    assert_string_equal(u->units[2].code, "VN.C");
    assert_string_equal(u->units[2].status, "pending");
    assert_false(u->units[2].has_received_at || u->units[2].has_version || u->units[2].has_submitter);
    assert_int_equal(u->n_by_kind, 1);
    assert_string_equal(u->by_kind[0].key, "tinh");
    assert_int_equal(u->by_kind[0].v.pending, 1);
    client_answer_free(&a);
    assert_false(a.has_result);
    assert_null(a.buf);
    client_answer_free(&a); /* twice: harmless */
}

/* The member of a.u that is filled is the one QUERY.what names. */
static void answer_status(void **state)
{
    server_t *s = *state;
    atomic_store(&s->answer, A_STATUS);
    proto_query_t q;
    query(&q, "status");
    client_answer_t a;
    proto_error_t err = {0, ""};
    assert_int_equal(client_ask(s->ctx, EP, TIMEOUT_MS, &q, &a, &err), 0);
    assert_string_equal(a.u.status.node.code, "VN");
    assert_string_equal(a.u.status.period, "2025Q3");
    assert_int_equal(a.u.status.expected, 3);
    assert_int_equal(a.u.status.received, 2);
    assert_int_equal(a.u.status.pending, 1);
    assert_true(a.u.status.share_on_time == 1.0 / 3);
    client_answer_free(&a);
}

/* ------------------------------------------------------------------------
 * 2. Failures: client_ask() and client_conn_ask() return the same code and
 *    sentence, and an empty answer
 * ------------------------------------------------------------------------ */

static void expect_failure_what(server_t *s, answer_t ans, const char *what, int timeout_ms, int code,
                                const char *sentence, bool prefix)
{
    atomic_store(&s->answer, ans);
    proto_query_t q;
    query(&q, what);
    client_answer_t a;
    proto_error_t err = {0, ""}, err2 = {0, ""};
    assert_int_equal(client_ask(s->ctx, EP, timeout_ms, &q, &a, &err), code);
    assert_int_equal(err.code, code);
    assert_false(a.has_result);
    assert_null(a.buf);
    client_conn_t *c = &s->conn;
    client_conn_init(c, s->ctx, EP);
    assert_int_equal(client_conn_ask(c, timeout_ms, &q, &a, &err2), code);
    assert_int_equal(err2.code, code);
    assert_false(a.has_result);
    assert_null(a.buf);
    client_conn_close(c);
    assert_string_equal(err.message, err2.message);
    if (prefix)
        assert_int_equal(strncmp(err.message, sentence, strlen(sentence)), 0);
    else
        assert_string_equal(err.message, sentence);
}

static void expect_failure(server_t *s, answer_t ans, int timeout_ms, int code, const char *sentence, bool prefix)
{
    expect_failure_what(s, ans, "units", timeout_ms, code, sentence, prefix);
}

/* The aggregator's own code, and its sentence alone. */
static void refused(void **state)
{
    expect_failure(*state, A_REFUSE, TIMEOUT_MS, PROTO_E_UNKNOWN_UNIT, "no unit 'XX' in the catalog", false);
}

/* A code this client does not know is still a refusal (E_QUERY) with the
 * aggregator's sentence; a refusal without a sentence says its code. */
static void refused_other_codes(void **state)
{
    expect_failure(*state, A_REFUSE_NEW, TIMEOUT_MS, PROTO_E_QUERY, "a refusal this client has no code for", false);
    expect_failure(*state, A_REFUSE_BARE, TIMEOUT_MS, PROTO_E_NOT_FOUND, "E_NOT_FOUND", false);
}

static void no_data(void **state)
{
    expect_failure(*state, A_NO_DATA, TIMEOUT_MS, PROTO_E_MALFORMED, "the aggregator's answer has no data", false);
}

static void wrong_type(void **state)
{
    expect_failure(*state, A_NACK, TIMEOUT_MS, PROTO_E_UNAVAILABLE,
                   "the aggregator answered something unexpected: a NACK", false);
}

static void malformed(void **state)
{
    expect_failure(*state, A_GARBAGE, TIMEOUT_MS, PROTO_E_UNAVAILABLE,
                   "the aggregator answered something unexpected: not one well-formed", true);
}

static void silence(void **state)
{
    server_t *s = *state;
    atomic_store(&s->requests, 0);
    expect_failure(s, A_SILENCE, 300, PROTO_E_UNAVAILABLE, "no answer from " EP " after 2 attempt(s) of 300 ms",
                   false);
    assert_int_equal(atomic_load(&s->requests), 4); /* two attempts by each function */
}

/* A well-formed answer of another shape than QUERY.what's: the reader's
 * sentence names the first field it misses. */
static void wrong_shape(void **state)
{
    expect_failure_what(*state, A_UNITS, "status", TIMEOUT_MS, PROTO_E_MALFORMED,
                        "answer 'status', field 'expected': missing", false);
}

/* A QUERY.what without an answer shape is not even sent. */
static void unknown_what(void **state)
{
    server_t *s = *state;
    atomic_store(&s->requests, 0);
    expect_failure_what(s, A_UNITS, "frobnicate", TIMEOUT_MS, PROTO_E_QUERY, "unknown query 'frobnicate'", false);
    assert_int_equal(atomic_load(&s->requests), 0);
}

/* ------------------------------------------------------------------------
 * 4. A kept connection
 * ------------------------------------------------------------------------ */

/* The qid of the answer to query qid on c, or 0 with *rc when none. */
static uint64_t conn_qid(client_conn_t *c, uint64_t qid, int timeout_ms, int *rc, proto_error_t *err)
{
    proto_query_t q;
    query(&q, "units");
    q.qid = qid;
    client_answer_t a;
    *rc = client_conn_ask(c, timeout_ms, &q, &a, err);
    if (*rc)
        return 0;
    uint64_t got = a.result.u.result.qid;
    assert_int_equal(a.u.units.n_units, 3);
    client_answer_free(&a);
    return got;
}

/* One connection serves query after query; a query that gets no answer drops
 * it, so the late answer to that query is never taken for the next one. */
static void kept_connection(void **state)
{
    server_t *s = *state;
    atomic_store(&s->answer, A_UNITS);
    atomic_store(&s->peers, 0);
    client_conn_t *c = &s->conn;
    client_conn_init(c, s->ctx, EP);
    int rc;
    proto_error_t err = {0, ""};
    for (uint64_t i = 0; i < 5; i++) {
        assert_int_equal(conn_qid(c, 100 + i, TIMEOUT_MS, &rc, &err), 100 + i);
        assert_non_null(c->sock);
    }
    assert_int_equal(atomic_load(&s->peers), 1);
    /* late answers: both attempts wait 150 ms, both sockets are dropped */
    atomic_store(&s->answer, A_LATE);
    assert_int_equal(conn_qid(c, 200, 150, &rc, &err), 0);
    assert_int_equal(rc, PROTO_E_UNAVAILABLE);
    assert_int_equal(err.code, PROTO_E_UNAVAILABLE);
    assert_string_equal(err.message, "no answer from " EP " after 2 attempt(s) of 150 ms");
    assert_null(c->sock);
    /* the next answer is the next query's, although qid 200's is on its way */
    atomic_store(&s->answer, A_UNITS);
    assert_int_equal(conn_qid(c, 201, TIMEOUT_MS, &rc, &err), 201);
    assert_int_equal(conn_qid(c, 202, TIMEOUT_MS, &rc, &err), 202);
    assert_int_equal(atomic_load(&s->peers), 4); /* the first, two attempts, the new one */
    client_conn_close(c);
    assert_null(c->sock);
}

/* ------------------------------------------------------------------------
 * 5. client_submit(): a SUBMIT that never left is not "maybe stored"
 * ------------------------------------------------------------------------ */

static int notices;

static void count_notice(const char *endpoint, int timeout_ms, int attempt, int retries)
{
    (void)endpoint, (void)timeout_ms, (void)retries;
    notices = attempt;
}

static int submit_to(void *ctx, const char *endpoint, const char *id, char *err, size_t errlen)
{
    proto_msg_t m, reply;
    memset(&m, 0, sizeof m);
    m.type = PROTO_SUBMIT;
    snprintf(m.u.submit.id, sizeof m.u.submit.id, "%s", id);
    snprintf(m.u.submit.unit, sizeof m.u.submit.unit, "VN.A");
    snprintf(m.u.submit.dataset, sizeof m.u.submit.dataset, "Q");
    snprintf(m.u.submit.period, sizeof m.u.submit.period, "2025Q3");
    client_opts_t o = {.endpoint = endpoint, .timeout_ms = 50, .retries = 1};
    char *buf = NULL;
    int rc = client_submit(ctx, &o, &m, &reply, &buf, err, errlen);
    assert_null(buf);
    return rc;
}

static void submit_outcomes(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    char err[512];
    client_set_retry_notice(count_notice);
    notices = 0;
    assert_int_equal(submit_to(ctx, "tcp://no such host", "s-1", err, sizeof err), CLIENT_BAD_ENDPOINT);
    assert_non_null(strstr(err, "tcp://no such host"));
    assert_int_equal(submit_to(ctx, "inproc://nobody", "Q4/2025", err, sizeof err), CLIENT_NOT_SENT);
    assert_non_null(strstr(err, "'id'"));
    assert_int_equal(notices, 0);
    /* Nobody bound: the bytes are queued for a peer that never comes. */
    assert_int_equal(submit_to(ctx, "inproc://nobody", "s-2", err, sizeof err), CLIENT_NO_ANSWER);
    assert_int_equal(notices, 1);
    client_set_retry_notice(NULL);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest answers[] = {
        TEST("client-1.1 an answer read typed: node, units, codes, statuses and counters in place", answer_units),
        TEST("client-1.2 the answer QUERY.what names (status) is read into its own member", answer_status),
        TEST("client-2.1 a refusal: the aggregator's code as proto_error_t.code, its sentence alone", refused),
        TEST("client-2.2 a RESULT without data is E_MALFORMED", no_data),
        TEST("client-2.6 a refusal with a code unknown here is E_QUERY; without a sentence, the code says it",
             refused_other_codes),
        TEST("client-2.3 a message of another type (NACK) is named, E_UNAVAILABLE", wrong_type),
        TEST("client-2.4 bytes that are not msgpack: the decoder's sentence, E_UNAVAILABLE", malformed),
        TEST("client-2.5 silence: two attempts, then E_UNAVAILABLE", silence),
        TEST("client-2.7 an answer of another shape than QUERY.what's is E_MALFORMED naming the field", wrong_shape),
        TEST("client-2.8 a QUERY.what without an answer shape is E_QUERY and never sent", unknown_what),
        TEST("client-4.1 a kept connection: one socket for many queries, dropped after silence", kept_connection),
    };
    const struct CMUnitTest pure[] = {
        TEST("client-5.1 client_submit(): a bad endpoint or message is not sent; silence after a send is", submit_outcomes),
    };
    int failed = cmocka_run_group_tests_name("client", answers, setup, teardown);
    return failed + cmocka_run_group_tests_name("client helpers", pure, NULL, NULL);
}
