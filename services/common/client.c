#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Sends `buf` and waits for one answer, Lazy Pirate style.  Returns the
 * answer (caller frees) or NULL. */
static char *request(void *ctx, const char *endpoint, const client_opts_t *o, const char *buf, size_t len,
                     int timeout_ms, int tries, size_t *outlen, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < tries; attempt++) {
        void *s = open_dealer(ctx, o);
        if (!s || zmq_connect(s, endpoint)) {
            snprintf(err, errlen, "cannot connect to %s: %s", endpoint, zmq_strerror(errno));
            if (s)
                zmq_close(s);
            return NULL;
        }
        if (zmq_send(s, buf, len, 0) < 0) {
            zmq_close(s);
            continue;
        }
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
                zmq_close(s);
                return out;
            }
            zmq_msg_close(&m);
        }
        /* No answer: the server may be down or restarting.  A fresh socket
         * drops whatever the old one still had queued. */
        zmq_close(s);
        if (attempt + 1 < tries)
            fprintf(stderr, "cchc: no answer from %s within %d ms, retrying (%d/%d)\n", endpoint, timeout_ms,
                    attempt + 1, tries - 1);
    }
    snprintf(err, errlen, "no answer from %s after %d attempt(s) of %d ms", endpoint, tries, timeout_ms);
    return NULL;
}

int client_submit(void *ctx, const client_opts_t *o, const proto_msg_t *submit, proto_msg_t *reply, char **buf,
                  char *err, size_t errlen)
{
    char *req;
    size_t len, outlen;
    proto_error_t perr;
    *buf = NULL;
    memset(reply, 0, sizeof *reply);
    if (proto_encode(submit, &req, &len, &perr)) {
        snprintf(err, errlen, "%s: %s", proto_err_code(perr.code), perr.message);
        return -1;
    }
    char *ans = request(ctx, o->endpoint, o, req, len, o->timeout_ms, o->retries + 1, &outlen, err, errlen);
    free(req);
    if (!ans)
        return -1;
    if (proto_decode(ans, outlen, reply, &perr) || (reply->type != PROTO_ACK && reply->type != PROTO_NACK)) {
        snprintf(err, errlen, "the collector answered something unexpected: %s", perr.message);
        proto_msg_free(reply);
        free(ans);
        return -1;
    }
    *buf = ans;
    return 0;
}

json_t *mpjson(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: return json_null();
    case MSGPACK_OBJECT_BOOLEAN: return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return json_real(o->via.f64);
    case MSGPACK_OBJECT_STR: return json_stringn(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; i < o->via.array.size; i++)
            json_array_append_new(a, mpjson(&o->via.array.ptr[i]));
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            if (k->type != MSGPACK_OBJECT_STR)
                continue;
            char key[256];
            size_t n = k->via.str.size < sizeof key - 1 ? k->via.str.size : sizeof key - 1;
            memcpy(key, k->via.str.ptr, n);
            key[n] = '\0';
            json_object_set_new(m, key, mpjson(&o->via.map.ptr[i].val));
        }
        return m;
    }
    default: return json_null();
    }
}

json_t *client_query(void *ctx, const char *endpoint, int timeout_ms, const proto_query_t *q, char *err,
                     size_t errlen)
{
    proto_msg_t m, r;
    memset(&m, 0, sizeof m);
    m.type = PROTO_QUERY;
    m.u.query = *q;
    char *req;
    size_t len, outlen;
    proto_error_t perr;
    if (proto_encode(&m, &req, &len, &perr)) {
        snprintf(err, errlen, "%s: %s", proto_err_code(perr.code), perr.message);
        return NULL;
    }
    char *ans = request(ctx, endpoint, NULL, req, len, timeout_ms, 2, &outlen, err, errlen);
    free(req);
    if (!ans)
        return NULL;
    json_t *out = NULL;
    if (proto_decode(ans, outlen, &r, &perr) || r.type != PROTO_RESULT)
        snprintf(err, errlen, "the aggregator answered something unexpected: %s", perr.message);
    else if (!r.u.result.ok)
        snprintf(err, errlen, "%s: %s", r.u.result.code, r.u.result.message);
    else if (!r.u.result.data.obj)
        snprintf(err, errlen, "the aggregator's answer has no data");
    else
        out = mpjson(r.u.result.data.obj);
    proto_msg_free(&r);
    free(ans);
    return out;
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
