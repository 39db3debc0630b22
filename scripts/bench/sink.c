/*
 * sink.c -- the far end of the notifier's delivery benchmark: a loopback
 * SMTP server and an HTTP receiver in one epoll loop, answering 250 / 200 to
 * everything and counting what it got.
 *
 *   sink --smtp PORT --http PORT [--delay-us N]
 *
 * SMTP: 220 greeting, EHLO/HELO, MAIL, RCPT, DATA ... ".", RSET, NOOP, QUIT;
 * the 250 after DATA (and the HTTP 200) is held --delay-us microseconds, as
 * a mail server that commits its queue file before answering.  HTTP/1.1
 * keep-alive, requests with a Content-Length body.  Each message is known by
 * its X-CCHC-Reminder header (e-mail) or Idempotency-Key (webhook); the
 * sink counts distinct ones and repeats.  On SIGTERM it prints one JSON line
 * (counts, connections, the CLOCK_MONOTONIC seconds of the first and last
 * message) and exits.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 65536
#define MAXCONN 1024
#define SET_BITS 20 /* 1M slots for message ids */

typedef struct {
    int fd;
    bool http, data_mode;
    char in[BUF];
    size_t n;
    char id[256];
    double reply_at; /* > 0: a reply is held until then */
    const char *reply;
} conn_t;

static conn_t *conns[MAXCONN];
static volatile sig_atomic_t stop;
static uint64_t *seen;
static struct {
    long smtp_msgs, http_msgs, smtp_conns, http_conns, open_now, most_open, distinct, repeats, no_id;
    double first, last;
} st;
static long delay_us;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ? h : 1;
}

/* One message received: counted by its id. */
static void got(const char *id)
{
    double t = now_s();
    if (!st.first)
        st.first = t;
    st.last = t;
    if (!id[0]) {
        st.no_id++;
        return;
    }
    uint64_t h = hash(id), mask = (1u << SET_BITS) - 1;
    for (uint64_t i = h & mask;; i = (i + 1) & mask) {
        if (seen[i] == h) {
            st.repeats++;
            return;
        }
        if (!seen[i]) {
            seen[i] = h;
            st.distinct++;
            return;
        }
    }
}

static void say(conn_t *c, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) { /* replies are short; a loopback socket takes them */
        ssize_t w = write(c->fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static void reply_later(conn_t *c, const char *s)
{
    if (delay_us <= 0) {
        say(c, s);
        return;
    }
    c->reply = s;
    c->reply_at = now_s() + delay_us / 1e6;
}

static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
    size_t k = strlen(name);
    if (len > k && !strncasecmp(line, name, k)) {
        const char *v = line + k;
        while (*v == ' ')
            v++;
        size_t n = len - (size_t)(v - line);
        if (n >= outlen)
            n = outlen - 1;
        memcpy(out, v, n);
        out[n] = '\0';
    }
}

/* One SMTP line (without CRLF). */
static bool smtp_line(conn_t *c, char *line, size_t len)
{
    if (c->data_mode) {
        if (len == 1 && line[0] == '.') {
            c->data_mode = false;
            st.smtp_msgs++;
            got(c->id);
            reply_later(c, "250 2.0.0 OK queued\r\n");
        } else {
            header_value(line, len, "X-CCHC-Reminder:", c->id, sizeof c->id);
        }
        return true;
    }
    if (!strncasecmp(line, "EHLO", 4))
        say(c, "250-sink\r\n250 8BITMIME\r\n");
    else if (!strncasecmp(line, "DATA", 4)) {
        c->data_mode = true;
        c->id[0] = '\0';
        say(c, "354 go ahead\r\n");
    } else if (!strncasecmp(line, "QUIT", 4)) {
        say(c, "221 bye\r\n");
        return false;
    } else
        say(c, "250 OK\r\n"); /* HELO, MAIL, RCPT, RSET, NOOP */
    return true;
}

/* Whole HTTP requests in c->in: answered, consumed.  Returns the bytes used. */
static size_t http_requests(conn_t *c)
{
    size_t used = 0;
    for (;;) {
        char *p = c->in + used, *end = memmem(p, c->n - used, "\r\n\r\n", 4);
        if (!end || c->reply_at > 0)
            return used;
        size_t head = (size_t)(end - p) + 4, body = 0;
        c->id[0] = '\0';
        for (char *l = p; l < end;) {
            char *e = memmem(l, (size_t)(end - l) + 2, "\r\n", 2);
            header_value(l, (size_t)(e - l), "Idempotency-Key:", c->id, sizeof c->id);
            if (!strncasecmp(l, "Content-Length:", 15))
                body = strtoul(l + 15, NULL, 10);
            l = e + 2;
        }
        if (c->n - used < head + body)
            return used;
        used += head + body;
        st.http_msgs++;
        got(c->id);
        reply_later(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    }
}

static void drop(int ep, conn_t *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    conns[c->fd] = NULL;
    st.open_now--;
    free(c);
}

/* Answers what is buffered (up to a held reply).  Returns false when c was dropped. */
static bool process(int ep, conn_t *c)
{
    size_t used = 0;
    if (c->http) {
        used = http_requests(c);
    } else {
        char *nl;
        while (c->reply_at == 0 && (nl = memmem(c->in + used, c->n - used, "\r\n", 2))) {
            char *line = c->in + used;
            size_t len = (size_t)(nl - line);
            used += len + 2;
            if (!smtp_line(c, line, len)) {
                drop(ep, c);
                return false;
            }
        }
    }
    memmove(c->in, c->in + used, c->n - used);
    c->n -= used;
    if (c->n == BUF) { /* a line longer than the buffer: not ours */
        drop(ep, c);
        return false;
    }
    return true;
}

static void readable(int ep, conn_t *c)
{
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->n, BUF - c->n);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            drop(ep, c);
            return;
        }
        if (r < 0)
            return;
        c->n += (size_t)r;
        if (!process(ep, c))
            return;
    }
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) || listen(fd, 512)) {
        perror("sink: bind");
        exit(1);
    }
    return fd;
}

int main(int argc, char **argv)
{
    int smtp_port = 0, http_port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--smtp"))
            smtp_port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--http"))
            http_port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--delay-us"))
            delay_us = atol(argv[i + 1]);
    }
    if (!smtp_port || !http_port) {
        fprintf(stderr, "usage: sink --smtp PORT --http PORT [--delay-us N]\n");
        return 2;
    }
    seen = calloc((size_t)1 << SET_BITS, sizeof *seen);
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    int ls = listen_on(smtp_port), lh = listen_on(http_port), ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = ls};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    ev.data.fd = lh;
    epoll_ctl(ep, EPOLL_CTL_ADD, lh, &ev);
    while (!stop) {
        /* the nearest held reply sets the timeout */
        double next = 0, t = now_s();
        for (int fd = 0; fd < MAXCONN; fd++)
            if (conns[fd] && conns[fd]->reply_at > 0 && (!next || conns[fd]->reply_at < next))
                next = conns[fd]->reply_at;
        int timeout = next ? (int)((next - t) * 1000) : 1000;
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, timeout < 0 ? 0 : timeout);
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == ls || fd == lh) {
                int c;
                while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAXCONN) {
                        close(c);
                        continue;
                    }
                    int one = 1;
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_t *k = calloc(1, sizeof *k);
                    k->fd = c;
                    k->http = fd == lh;
                    conns[c] = k;
                    *(k->http ? &st.http_conns : &st.smtp_conns) += 1;
                    if (++st.open_now > st.most_open)
                        st.most_open = st.open_now;
                    struct epoll_event e = {.events = EPOLLIN, .data.fd = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
                    if (!k->http)
                        say(k, "220 sink ESMTP\r\n");
                }
            } else if (conns[fd]) {
                readable(ep, conns[fd]);
            }
        }
        t = now_s();
        for (int fd = 0; fd < MAXCONN; fd++) {
            conn_t *c = conns[fd];
            if (c && c->reply_at > 0 && c->reply_at <= t) {
                c->reply_at = 0;
                say(c, c->reply);
                process(ep, c); /* what the client sent meanwhile */
            }
        }
    }
    printf("{\"smtp_messages\": %ld, \"http_messages\": %ld, \"smtp_connections\": %ld, \"http_connections\": %ld, "
           "\"most_open\": %ld, \"distinct\": %ld, \"repeats\": %ld, \"without_id\": %ld, \"first\": %.6f, "
           "\"last\": %.6f}\n",
           st.smtp_msgs, st.http_msgs, st.smtp_conns, st.http_conns, st.most_open, st.distinct, st.repeats,
           st.no_id, st.first, st.last);
    return 0;
}
