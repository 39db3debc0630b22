#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "keys.h"

static void *open_dealer(void *ctx, const client_opts_t *o)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s)
        return NULL;
    int linger = 0;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (o && o->server_public) {
        zmq_setsockopt(s, ZMQ_CURVE_SERVERKEY, o->server_public, 40);
        zmq_setsockopt(s, ZMQ_CURVE_PUBLICKEY, o->public_key, 40);
        zmq_setsockopt(s, ZMQ_CURVE_SECRETKEY, o->secret_key, 40);
    }
    return s;
}

void client_conn_init(client_conn_t *c, void *ctx, const char *endpoint)
{
    c->ctx = ctx;
    c->endpoint = endpoint;
    c->sock = NULL;
    c->keep = true;
}

void client_conn_close(client_conn_t *c)
{
    if (c->sock)
        zmq_close(c->sock);
    c->sock = NULL;
}

static void default_retry_notice(const char *endpoint, int timeout_ms, int attempt, int retries)
{
    fprintf(stderr, "cchc: no answer from %s within %d ms, retrying (%d/%d)\n", endpoint, timeout_ms, attempt,
            retries);
}

static client_retry_fn retry_notice = default_retry_notice;

void client_set_retry_notice(client_retry_fn fn)
{
    retry_notice = fn ? fn : default_retry_notice;
}

/* Sends `buf` on c's socket (opened and connected when it has none) and
 * waits for one answer, Lazy Pirate style.  Returns the answer (caller
 * frees) or NULL with *why: CLIENT_NO_ANSWER once a send succeeded, else
 * CLIENT_BAD_ENDPOINT or CLIENT_NOT_SENT -- the caller must not say "maybe
 * stored" about bytes that never left.  After an answer the socket stays
 * open when c->keep; after silence it is closed, so a late answer can never
 * be taken for the answer to the next request. */
static char *request(client_conn_t *c, const client_opts_t *o, const char *buf, size_t len, int timeout_ms, int tries,
                     size_t *outlen, int *why, char *err, size_t errlen)
{
    *why = CLIENT_NOT_SENT;
    for (int attempt = 0; attempt < tries; attempt++) {
        void *s = c->sock;
        if (!s) {
            s = open_dealer(c->ctx, o);
            if (!s || zmq_connect(s, c->endpoint)) {
                if (s)
                    *why = CLIENT_BAD_ENDPOINT;
                snprintf(err, errlen, "cannot connect to %s: %s", c->endpoint, zmq_strerror(errno));
                if (s)
                    zmq_close(s);
                return NULL;
            }
        }
        c->sock = NULL;
        if (zmq_send(s, buf, len, 0) < 0) {
            zmq_close(s);
            continue;
        }
        *why = CLIENT_NO_ANSWER;
        zmq_pollitem_t pi = {s, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&pi, 1, timeout_ms) == 1 && (pi.revents & ZMQ_POLLIN)) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, s, 0) >= 0) {
                *outlen = zmq_msg_size(&m);
                char *out = malloc(*outlen ? *outlen : 1);
                if (out)
                    memcpy(out, zmq_msg_data(&m), *outlen);
                zmq_msg_close(&m);
                if (c->keep)
                    c->sock = s;
                else
                    zmq_close(s);
                return out;
            }
            zmq_msg_close(&m);
        }
        /* No answer: the server may be down or restarting.  A fresh socket
         * drops whatever the old one still had queued. */
        zmq_close(s);
        if (attempt + 1 < tries)
            retry_notice(c->endpoint, timeout_ms, attempt + 1, tries - 1);
    }
    if (*why == CLIENT_NOT_SENT)
        snprintf(err, errlen, "could not send to %s", c->endpoint);
    else
        snprintf(err, errlen, "no answer from %s after %d attempt(s) of %d ms", c->endpoint, tries, timeout_ms);
    return NULL;
}

/* Encodes m, sends it to endpoint (request(): `tries` attempts of timeout_ms)
 * and decodes the answer, which must be a `want` or a `want2`.  Returns 0
 * with *reply and *buf, the bytes it borrows (the caller frees both), or a
 * CLIENT_* code with a sentence in err naming `peer` and nothing left to
 * free. */
static int exchange(client_conn_t *c, const client_opts_t *o, int timeout_ms, int tries,
                    const proto_msg_t *m, proto_type_t want, proto_type_t want2, const char *peer,
                    proto_msg_t *reply /* OUT */, char **buf /* OUT */, char *err, size_t errlen)
{
    char *req;
    size_t len, outlen;
    proto_error_t perr;
    *buf = NULL;
    memset(reply, 0, sizeof *reply);
    if (proto_encode(m, &req, &len, &perr)) {
        snprintf(err, errlen, "%s: %s", proto_err_code(perr.code), perr.message);
        return CLIENT_NOT_SENT;
    }
    int why;
    char *ans = request(c, o, req, len, timeout_ms, tries, &outlen, &why, err, errlen);
    free(req);
    if (!ans)
        return why;
    int rc = proto_decode(ans, outlen, reply, &perr);
    if (rc == 0 && reply->type != want && reply->type != want2) {
        /* Well-formed but of another type: proto_decode() said nothing. */
        rc = -1;
        snprintf(perr.message, sizeof perr.message, "a %s", proto_type_name(reply->type));
    }
    if (rc) {
        snprintf(err, errlen, "the %s answered something unexpected: %s", peer, perr.message);
        proto_msg_free(reply);
        free(ans);
        return CLIENT_NO_ANSWER;
    }
    *buf = ans;
    return 0;
}

int client_submit(void *ctx, const client_opts_t *o, const proto_msg_t *submit, proto_msg_t *reply, char **buf,
                  char *err, size_t errlen)
{
    client_conn_t c = {ctx, o->endpoint, NULL, false};
    return exchange(&c, o, o->timeout_ms, o->retries + 1, submit, PROTO_ACK, PROTO_NACK, "collector", reply, buf,
                    err, errlen);
}

int client_decide(void *ctx, const client_opts_t *o, proto_decide_t *d, proto_msg_t *reply, char **buf, char *err,
                  size_t errlen)
{
    if (!d->id[0])
        client_make_id(d->id, sizeof d->id, d->unit, d->period);
    proto_msg_t *m = malloc(sizeof *m); /* 17 KB: not on a worker thread's stack */
    if (!m) {
        *buf = NULL;
        snprintf(err, errlen, "out of memory");
        return CLIENT_NOT_SENT;
    }
    memset(m, 0, sizeof *m);
    m->type = PROTO_DECIDE;
    m->u.decide = *d;
    int rc = client_submit(ctx, o, m, reply, buf, err, errlen);
    free(m);
    return rc;
}

void client_make_id(char *out, size_t n, const char *unit, const char *period)
{
    unsigned char r[6];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f || fread(r, 1, sizeof r, f) != sizeof r)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)(rand() ^ (int)time(NULL) ^ getpid());
    if (f)
        fclose(f);
    /* The id must fit 64 code characters: keep the unit's tail. */
    size_t ul = strlen(unit);
    snprintf(out, n, "%s.%s.%02x%02x%02x%02x%02x%02x", ul > 36 ? unit + ul - 36 : unit, period, r[0], r[1], r[2],
             r[3], r[4], r[5]);
    for (char *p = out; *p; p++)
        if (!proto_code_char((unsigned char)*p))
            *p = '_';
}

int client_conn_ask(client_conn_t *c, int timeout_ms, const proto_query_t *q, client_answer_t *a,
                    proto_error_t *err)
{
    memset(a, 0, sizeof *a);
    const ans_obj_t *shape = ans_for_what(q->what);
    if (!shape)
        return proto_fail(err, PROTO_E_QUERY, "unknown query '%s'", q->what);
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_QUERY;
    m.u.query = *q;
    if (exchange(c, NULL, timeout_ms, 2, &m, PROTO_RESULT, PROTO_RESULT, "aggregator", &a->result, &a->buf,
                 err->message, sizeof err->message)) {
        /* not reached, not answered, or not with a RESULT: the sentence says which */
        err->code = PROTO_E_UNAVAILABLE;
        return PROTO_E_UNAVAILABLE;
    }
    a->has_result = true;
    const proto_result_t *r = &a->result.u.result;
    int rc;
    if (!r->ok) {
        /* the server's own code travels on; one we do not know is still a refusal */
        int code = proto_err_from_code(r->code);
        rc = proto_fail(err, code ? code : PROTO_E_QUERY, "%s", r->message[0] ? r->message : r->code);
    } else if (!r->data.obj) {
        rc = proto_fail(err, PROTO_E_MALFORMED, "the aggregator's answer has no data");
    } else {
        rc = ans_read(shape, r->data.obj, a->result.unpacked.zone, &a->u, err);
    }
    if (rc)
        client_answer_free(a);
    return rc;
}

int client_ask(void *ctx, const char *endpoint, int timeout_ms, const proto_query_t *q, client_answer_t *a,
               proto_error_t *err)
{
    client_conn_t c = {ctx, endpoint, NULL, false};
    return client_conn_ask(&c, timeout_ms, q, a, err);
}

void client_answer_free(client_answer_t *a)
{
    if (a->has_result)
        proto_msg_free(&a->result);
    free(a->buf);
    memset(a, 0, sizeof *a);
}

int client_opts_from_config(const config_t *cfg, client_opts_t *o, char *pub, char *sec, char *srv, char *err,
                            size_t errlen)
{
    o->endpoint = config_get(cfg, "client", "collector", "tcp://127.0.0.1:7100");
    o->timeout_ms = (int)config_int(cfg, "client", "timeout_ms", 2500);
    o->retries = (int)config_int(cfg, "client", "retries", 3);
    o->server_public = NULL;
    if (!config_bool(cfg, "client", "curve", true))
        return 0;
    const char *kf = config_get(cfg, "client", "key_file", NULL);
    const char *sf = config_get(cfg, "client", "server_key", NULL);
    if (!kf || !sf) {
        snprintf(err, errlen, "[client] needs key_file (the unit's key pair) and server_key (the collector's public key); "
                              "or curve = no for an --insecure collector");
        return -1;
    }
    keypair_t k, s;
    if (keys_read(kf, &k, err, errlen) || keys_read(sf, &s, err, errlen))
        return -1;
    if (!k.secret_key[0]) {
        snprintf(err, errlen, "%s has no secret key", kf);
        return -1;
    }
    memcpy(pub, k.public_key, 41);
    memcpy(sec, k.secret_key, 41);
    memcpy(srv, s.public_key, 41);
    o->public_key = pub;
    o->secret_key = sec;
    o->server_public = srv;
    return 0;
}
