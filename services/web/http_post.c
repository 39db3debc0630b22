/*
 * http_post.c -- what POST and slow handlers need from the HTTP layer: the
 * request body, suspending a request while work runs elsewhere and
 * answering it later, the client's address (see http.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http_internal.h"

int http__body_append(req_t *r, const char *data, size_t n)
{
    if (r->body_too_big)
        return 0;
    if (r->body_len + n > (http__is_upload(r) ? HTTP_MAX_UPLOAD : HTTP_MAX_BODY)) {
        r->body_too_big = true; /* answered 413 once the body is over */
        return 0;
    }
    if (r->body_len + n + 1 > r->body_cap) { /* doubling: an upload comes in many small pieces */
        size_t cap = r->body_cap ? r->body_cap : 1024;
        while (cap < r->body_len + n + 1)
            cap *= 2;
        char *nb = realloc(r->body, cap);
        if (!nb)
            return -1;
        r->body = nb;
        r->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return 0;
}

void http_defer(req_t *r)
{
    r->deferred = true;
    MHD_suspend_connection(r->conn);
}

void http_resume(req_t *r, resp_t *out)
{
    resp_t *p = malloc(sizeof *p);
    if (!p)
        abort();
    *p = *out;
    memset(out, 0, sizeof *out);
    r->pending = p;
    MHD_resume_connection(r->conn);
    http__kick(r->h);
}

const char *http_peer(const req_t *r, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, len, "?");
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf, (socklen_t)len);
    return buf;
}

