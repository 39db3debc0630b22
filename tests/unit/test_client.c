/*
 * test_client.c -- client_query_msg() and client_query() (client.h) against
 * a scripted aggregator: a ROUTER on inproc:// in its own thread that answers
 * each QUERY as the test tells it to.
 *
 * Test names are "client-G.N what": 1 an answer (read as msgpack, and the
 * same answer as JSON), 2 every way a query fails and the sentence it leaves
 * in err, 3 the msgpack helpers mpget() and mpstreq(), 4 a kept connection
 * (client_conn_t), 5 what client_submit() says when a SUBMIT has no answer.
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

typedef enum { A_UNITS, A_REFUSE, A_NO_DATA, A_NACK, A_GARBAGE, A_SILENCE, A_LATE } answer_t;

#define LATE_MS 400 /* A_LATE: the units answer, this long after the request */

typedef struct {
    void *ctx, *router;
    pthread_t th;
    atomic_int stop, answer, requests;
    atomic_int peers;      /* times a request came from another connection than the one before */
    unsigned char last_id[256];
    size_t last_idlen;     /* server thread only */
    client_conn_t conn;    /* the test's kept connection: teardown closes it */
} server_t;

/* {"node": "VN", "units": [{code, status} x 3]}, as the aggregator packs it. */
static void pack_units(msgpack_packer *pk)
{
    static const char *const rows[][2] = {{"VN.A", "on_time"}, {"VN.B", "late"}, {"VN.C", "pending"}};
    msgpack_pack_map(pk, 2);
    proto_pack_cstr(pk, "node");
    proto_pack_cstr(pk, "VN");
    proto_pack_cstr(pk, "units");
    msgpack_pack_array(pk, 3);
    for (int i = 0; i < 3; i++) {
        msgpack_pack_map(pk, 2);
        proto_pack_cstr(pk, "code");
        proto_pack_cstr(pk, rows[i][0]);
        proto_pack_cstr(pk, "status");
        proto_pack_cstr(pk, rows[i][1]);
    }
}

/* The answer to one request, in *out (caller frees), or NULL for none. */
static char *answer(answer_t a, uint64_t qid, size_t *len)
{
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
        m.u.result.ok = a != A_REFUSE;
        if (a == A_REFUSE) {
            snprintf(m.u.result.code, sizeof m.u.result.code, "E_UNKNOWN_UNIT");
            snprintf(m.u.result.message, sizeof m.u.result.message, "no unit 'XX' in the catalog");
        } else if (a == A_UNITS) {
            msgpack_packer pk;
            msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
            pack_units(&pk);
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

static void query(proto_query_t *q)
{
    memset(q, 0, sizeof *q);
    q->qid = 7;
    snprintf(q->what, sizeof q->what, "units");
    snprintf(q->node, sizeof q->node, "VN");
}

/* ------------------------------------------------------------------------
 * 1. An answer
 * ------------------------------------------------------------------------ */

static void answer_as_msgpack(void **state)
{
    server_t *s = *state;
    atomic_store(&s->answer, A_UNITS);
    proto_query_t q;
    query(&q);
    proto_msg_t r;
    char *buf, err[512] = "";
    assert_int_equal(client_query_msg(s->ctx, EP, TIMEOUT_MS, &q, &r, &buf, err, sizeof err), 0);
    assert_non_null(buf);
    assert_int_equal(r.type, PROTO_RESULT);
    assert_int_equal(r.u.result.qid, 7);
    const msgpack_object *units = mpget(r.u.result.data.obj, "units");
    assert_non_null(units);
    assert_int_equal(units->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(units->via.array.size, 3);
    assert_true(mpstreq(mpget(&units->via.array.ptr[0], "code"), "VN.A"));
    assert_true(mpstreq(mpget(&units->via.array.ptr[1], "status"), "late"));
    assert_true(mpstreq(mpget(&units->via.array.ptr[2], "status"), "pending"));
    assert_true(mpstreq(mpget(r.u.result.data.obj, "node"), "VN"));
    proto_msg_free(&r);
    free(buf);
}

static void answer_as_json(void **state)
{
    server_t *s = *state;
    atomic_store(&s->answer, A_UNITS);
    proto_query_t q;
    query(&q);
    char err[512] = "";
    json_t *j = client_query(s->ctx, EP, TIMEOUT_MS, &q, err, sizeof err);
    assert_non_null(j);
    char *txt = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(txt, "{\"node\":\"VN\",\"units\":[{\"code\":\"VN.A\",\"status\":\"on_time\"},"
                             "{\"code\":\"VN.B\",\"status\":\"late\"},{\"code\":\"VN.C\",\"status\":\"pending\"}]}");
    free(txt);
    json_decref(j);
}

/* ------------------------------------------------------------------------
 * 2. Failures: both functions return the same sentence, and nothing to free
 * ------------------------------------------------------------------------ */

static void expect_failure(server_t *s, answer_t a, int timeout_ms, const char *sentence, bool prefix)
{
    atomic_store(&s->answer, a);
    proto_query_t q;
    query(&q);
    proto_msg_t r;
    char *buf = (char *)"unchanged", err[512] = "", err2[512] = "";
    assert_int_equal(client_query_msg(s->ctx, EP, timeout_ms, &q, &r, &buf, err, sizeof err), -1);
    assert_null(buf);
    assert_false(r.has_unpacked);
    assert_null(client_query(s->ctx, EP, timeout_ms, &q, err2, sizeof err2));
    assert_string_equal(err, err2);
    if (prefix)
        assert_int_equal(strncmp(err, sentence, strlen(sentence)), 0);
    else
        assert_string_equal(err, sentence);
}

static void refused(void **state)
{
    expect_failure(*state, A_REFUSE, TIMEOUT_MS, "E_UNKNOWN_UNIT: no unit 'XX' in the catalog", false);
}

/* client_query_coded(): the code apart, the sentence alone; and no code
 * when the failure is not a refusal. */
static void refused_coded(void **state)
{
    server_t *s = *state;
    proto_query_t q;
    query(&q);
    char code[CLIENT_CODE_MAX] = "x", err[512] = "";
    atomic_store(&s->answer, A_REFUSE);
    assert_null(client_query_coded(s->ctx, EP, TIMEOUT_MS, &q, code, err, sizeof err));
    assert_string_equal(code, "E_UNKNOWN_UNIT");
    assert_string_equal(err, "no unit 'XX' in the catalog");
    atomic_store(&s->answer, A_NO_DATA);
    assert_null(client_query_coded(s->ctx, EP, TIMEOUT_MS, &q, code, err, sizeof err));
    assert_string_equal(code, "");
    atomic_store(&s->answer, A_UNITS);
    json_t *j = client_query_coded(s->ctx, EP, TIMEOUT_MS, &q, code, err, sizeof err);
    assert_non_null(j);
    assert_string_equal(code, "");
    json_decref(j);
}

static void no_data(void **state)
{
    expect_failure(*state, A_NO_DATA, TIMEOUT_MS, "the aggregator's answer has no data", false);
}

static void wrong_type(void **state)
{
    expect_failure(*state, A_NACK, TIMEOUT_MS, "the aggregator answered something unexpected: a NACK", false);
}

static void malformed(void **state)
{
    expect_failure(*state, A_GARBAGE, TIMEOUT_MS, "the aggregator answered something unexpected: not one well-formed",
                   true);
}

static void silence(void **state)
{
    server_t *s = *state;
    atomic_store(&s->requests, 0);
    expect_failure(s, A_SILENCE, 300, "no answer from " EP " after 2 attempt(s) of 300 ms", false);
    assert_int_equal(atomic_load(&s->requests), 4); /* two attempts by each function */
}

/* ------------------------------------------------------------------------
 * 4. A kept connection
 * ------------------------------------------------------------------------ */

static uint64_t conn_qid(client_conn_t *c, uint64_t qid, int timeout_ms)
{
    proto_query_t q;
    query(&q);
    q.qid = qid;
    proto_msg_t r;
    char *buf, err[512] = "";
    if (client_conn_query_msg(c, timeout_ms, &q, &r, &buf, err, sizeof err))
        return 0;
    uint64_t got = r.u.result.qid;
    proto_msg_free(&r);
    free(buf);
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
    for (uint64_t i = 0; i < 5; i++) {
        assert_int_equal(conn_qid(c, 100 + i, TIMEOUT_MS), 100 + i);
        assert_non_null(c->sock);
    }
    assert_int_equal(atomic_load(&s->peers), 1);
    /* late answers: both attempts wait 150 ms, both sockets are dropped */
    atomic_store(&s->answer, A_LATE);
    proto_query_t q;
    query(&q);
    q.qid = 200;
    char err[512] = "";
    assert_null(client_conn_query(c, 150, &q, err, sizeof err));
    assert_string_equal(err, "no answer from " EP " after 2 attempt(s) of 150 ms");
    assert_null(c->sock);
    /* the next answer is the next query's, although qid 200's is on its way */
    atomic_store(&s->answer, A_UNITS);
    assert_int_equal(conn_qid(c, 201, TIMEOUT_MS), 201);
    assert_int_equal(conn_qid(c, 202, TIMEOUT_MS), 202);
    assert_int_equal(atomic_load(&s->peers), 4); /* the first, two attempts, the new one */
    client_conn_close(c);
    assert_null(c->sock);
}

/* ------------------------------------------------------------------------
 * 3. mpget() and mpstreq()
 * ------------------------------------------------------------------------ */

static void helpers(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 4);
    msgpack_pack_int(&pk, 1); /* a key that is not a string */
    proto_pack_cstr(&pk, "int key");
    proto_pack_cstr(&pk, "status");
    proto_pack_cstr(&pk, "on_time");
    proto_pack_cstr(&pk, "status");
    proto_pack_cstr(&pk, "late");
    proto_pack_cstr(&pk, "n");
    msgpack_pack_int(&pk, 5);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, NULL), MSGPACK_UNPACK_SUCCESS);
    const msgpack_object *m = &u.data;

    assert_null(mpget(NULL, "status"));
    assert_null(mpget(mpget(m, "n"), "status")); /* not a map */
    assert_null(mpget(m, "missing"));
    assert_null(mpget(m, "int key"));
    assert_true(mpstreq(mpget(m, "status"), "on_time")); /* the first of two */
    assert_false(mpstreq(mpget(m, "status"), "on"));
    assert_false(mpstreq(mpget(m, "status"), "on_time_"));
    assert_false(mpstreq(mpget(m, "n"), "5"));
    assert_false(mpstreq(NULL, ""));

    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
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
        TEST("client-1.1 an answer read as msgpack: units, codes and statuses in place", answer_as_msgpack),
        TEST("client-1.2 the same answer as JSON through client_query()", answer_as_json),
        TEST("client-2.1 a refusal: the RESULT's code and message", refused),
        TEST("client-2.2 a RESULT without data", no_data),
        TEST("client-2.6 client_query_coded(): the refusal's code apart from its sentence", refused_coded),
        TEST("client-2.3 a message of another type (NACK) is named", wrong_type),
        TEST("client-2.4 bytes that are not msgpack: the decoder's sentence", malformed),
        TEST("client-2.5 silence: two attempts, then no answer", silence),
        TEST("client-4.1 a kept connection: one socket for many queries, dropped after silence", kept_connection),
    };
    const struct CMUnitTest pure[] = {
        TEST("client-3.1 mpget() and mpstreq()", helpers),
        TEST("client-5.1 client_submit(): a bad endpoint or message is not sent; silence after a send is", submit_outcomes),
    };
    int failed = cmocka_run_group_tests_name("client", answers, setup, teardown);
    return failed + cmocka_run_group_tests_name("client helpers", pure, NULL, NULL);
}
