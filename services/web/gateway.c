/*
 * gateway.c -- one message to the collector through the web's gateway key,
 * on a libuv worker, the request suspended meanwhile (see gateway.h).
 *
 * The message is encoded on the loop thread (its strings may belong to the
 * request) and decoded again on the worker, which hands it to
 * client_submit(): the encoder copies the values' bytes as they are, so
 * what leaves is exactly what was encoded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "client.h"
#include "gateway.h"
#include "keys.h"
#include "log.h"
#include "web.h"

struct gateway {
    void *zctx;
    client_opts_t opts;
    char endpoint[256];
    char pub[41], sec[41], srv[41];
};

typedef struct {
    uv_work_t work;
    gateway_t *g;
    req_t *r;
    gateway_done_fn *done;
    void *ud;
    char *bytes; /* the encoded message */
    size_t len;
    /* the outcome, filled by the worker */
    int rc;
    proto_msg_t reply;
    char *reply_buf;
    char err[512];
} job_t;

int gateway_open(const config_t *cfg, void *zctx, gateway_t **out, char *err, size_t errlen)
{
    *out = NULL;
    const char *kf = config_get(cfg, "web", "gateway_key", NULL);
    if (!kf || !*kf)
        return 0;
    const char *sf = config_get(cfg, "web", "server_key",
                                config_get(cfg, "client", "server_key", config_get(cfg, "collector", "server_key", NULL)));
    if (!sf) {
        snprintf(err, errlen, "[web] gateway_key is set but no collector public key is known: set [web] server_key");
        return -1;
    }
    keypair_t k, s;
    if (keys_read(kf, &k, err, errlen) || keys_read(sf, &s, err, errlen))
        return -1;
    if (!k.secret_key[0]) {
        snprintf(err, errlen, "%s has no secret key", kf);
        return -1;
    }
    gateway_t *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    g->zctx = zctx;
    snprintf(g->endpoint, sizeof g->endpoint, "%s",
             config_get(cfg, "web", "submit_endpoint",
                        config_get(cfg, "client", "collector",
                                   config_get(cfg, "collector", "endpoint", "tcp://127.0.0.1:7100"))));
    memcpy(g->pub, k.public_key, sizeof g->pub);
    memcpy(g->sec, k.secret_key, sizeof g->sec);
    memcpy(g->srv, s.public_key, sizeof g->srv);
    g->opts = (client_opts_t){
        .endpoint = g->endpoint,
        .server_public = g->srv,
        .public_key = g->pub,
        .secret_key = g->sec,
        .timeout_ms = (int)config_int(cfg, "web", "submit_timeout_ms", 3000),
        .retries = (int)config_int(cfg, "web", "submit_retries", 1),
    };
    if (g->opts.timeout_ms < 100)
        g->opts.timeout_ms = 100;
    if (g->opts.retries < 0)
        g->opts.retries = 0;
    *out = g;
    return 0;
}

void gateway_close(gateway_t **self_p)
{
    gateway_t *g = *self_p;
    if (!g)
        return;
    memset(g->sec, 0, sizeof g->sec);
    free(g);
    *self_p = NULL;
}

const char *gateway_endpoint(const gateway_t *g)
{
    return g ? g->endpoint : "";
}

/* ---- the worker ------------------------------------------------------------ */

static void send_work(uv_work_t *wk)
{
    job_t *j = wk->data;
    proto_msg_t m;
    proto_error_t perr;
    if (proto_decode(j->bytes, j->len, &m, &perr)) {
        /* cannot happen: these bytes were just encoded */
        proto_msg_free(&m);
        j->rc = CLIENT_NOT_SENT;
        snprintf(j->err, sizeof j->err, "the message does not decode again: %s", perr.message);
        return;
    }
    j->rc = client_submit(j->g->zctx, &j->g->opts, &m, &j->reply, &j->reply_buf, j->err, sizeof j->err);
    proto_msg_free(&m);
}

static void send_done(uv_work_t *wk, int status)
{
    job_t *j = wk->data;
    if (status && !j->rc) { /* cancelled before it ran: nothing left */
        j->rc = CLIENT_NOT_SENT;
        snprintf(j->err, sizeof j->err, "the send was cancelled");
    }
    gateway_result_t res = {.rc = j->rc, .reply = j->rc ? NULL : &j->reply, .err = j->err,
                            .maybe_stored = j->rc == CLIENT_NO_ANSWER};
    resp_t out;
    memset(&out, 0, sizeof out);
    j->done(j->r, &res, j->ud, &out);
    if (j->rc == 0)
        proto_msg_free(&j->reply);
    free(j->reply_buf);
    free(j->bytes);
    req_t *r = j->r;
    free(j);
    http_resume(r, &out);
}

int gateway_send(gateway_t *g, req_t *r, const proto_msg_t *msg, gateway_done_fn *done, void *ud, char *err,
                 size_t errlen)
{
    if (!g) {
        snprintf(err, errlen, "no gateway key is configured ([web] gateway_key)");
        return GATEWAY_E_OFF;
    }
    job_t *j = calloc(1, sizeof *j);
    if (!j)
        abort();
    proto_error_t perr;
    if (proto_encode(msg, &j->bytes, &j->len, &perr)) {
        snprintf(err, errlen, "%s: %s", proto_err_code(perr.code), perr.message);
        free(j);
        return GATEWAY_E_INVALID;
    }
    j->g = g;
    j->r = r;
    j->done = done;
    j->ud = ud;
    j->work.data = j;
    http_defer(r);
    int rc = uv_queue_work(web_of(r)->loop, &j->work, send_work, send_done);
    if (rc) {
        log_error("gateway: cannot queue the send: %s", uv_strerror(rc));
        j->rc = CLIENT_NOT_SENT;
        snprintf(j->err, sizeof j->err, "cannot queue the send: %s", uv_strerror(rc));
        send_done(&j->work, 0);
    }
    return 0;
}
