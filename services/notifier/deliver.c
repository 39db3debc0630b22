#include "deliver.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct job job_t;

struct deliver {
    uv_loop_t *loop;
    const deliver_opts_t *o;
    deliver_opts_t opts;
    CURLM *multi;
    uv_timer_t timer;     /* libcurl's timeout */
    deliver_done_fn done;
    void *ud;
    int running;          /* jobs started, not done */
    int handles;          /* open libuv handles (the timer, the polls), for deliver_close */
    job_t *waiting;       /* webhook jobs waiting for their next attempt */
    void (*closed)(void *ud);
    void *closed_ud;
    /* e-mail: one thread per SMTP connection (see deliver.h) */
    pthread_t *smtp_threads;
    int nsmtp;
    pthread_mutex_t mu;   /* guards the two lists and smtp_quit */
    pthread_cond_t cv;
    job_t *smtp_queue, **smtp_queue_tail; /* e-mails waiting for a thread */
    job_t *smtp_done;     /* e-mails sent (or not), for the loop */
    bool smtp_quit;
    uv_async_t async;     /* wakes the loop for smtp_done */
    bool closing;
};

struct job {
    deliver_t *d;
    CURL *h;
    bool webhook;
    char *payload;
    size_t off, len;
    struct curl_slist *list; /* recipients (e-mail) or headers (webhook) */
    long backoff;
    uv_timer_t retry;        /* webhook: the wait before the next attempt */
    bool has_timer;
    job_t *next_waiting, **prev_waiting;
    job_t *next;             /* e-mail: in smtp_queue, then in smtp_done */
    char errbuf[CURL_ERROR_SIZE];
    deliver_result_t res;
    void *ud;
};

/* One watched socket. */
typedef struct {
    uv_poll_t poll;
    curl_socket_t fd;
    deliver_t *d;
} sock_t;

const char *deliver_status_name(deliver_status_t s)
{
    switch (s) {
    case DELIVER_SENT: return "sent";
    case DELIVER_REJECTED: return "rejected";
    case DELIVER_FAILED: return "failed";
    }
    return "?";
}

void deliver_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void deliver_global_cleanup(void)
{
    curl_global_cleanup();
}

/* ---- libcurl inside the loop ---------------------------------------------- */

static void check_done(deliver_t *d);
static bool classify(job_t *j, CURL *h, CURLcode rc);
static void job_finish(job_t *j);
static size_t read_cb(char *buf, size_t size, size_t n, void *ud);

static void handle_closed(uv_handle_t *h)
{
    deliver_t *d = h->data;
    if (h->type == UV_POLL)
        free(((sock_t *)h)); /* the uv_poll_t is the sock_t's first member */
    if (--d->handles == 0 && d->closing) {
        void (*closed)(void *) = d->closed;
        void *ud = d->closed_ud;
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        free(d);
        if (closed)
            closed(ud);
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_t *k = (sock_t *)p;
    deliver_t *d = k->d;
    int flags = status < 0 ? CURL_CSELECT_ERR : 0;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(d->multi, k->fd, flags, &running);
    check_done(d);
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    deliver_t *d = userp;
    sock_t *k = socketp;
    (void)e;
    if (what == CURL_POLL_REMOVE) {
        if (k) {
            uv_poll_stop(&k->poll);
            uv_close((uv_handle_t *)&k->poll, handle_closed);
            curl_multi_assign(d->multi, fd, NULL);
        }
        return 0;
    }
    if (!k) {
        k = calloc(1, sizeof *k);
        if (!k || uv_poll_init_socket(d->loop, &k->poll, fd)) {
            free(k);
            return -1; /* libcurl fails the transfer */
        }
        k->fd = fd;
        k->d = d;
        k->poll.data = d;
        d->handles++;
        curl_multi_assign(d->multi, fd, k);
    }
    int ev = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
    uv_poll_start(&k->poll, ev, on_poll);
    return 0;
}

static void on_timer(uv_timer_t *t)
{
    deliver_t *d = t->data;
    int running;
    curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(d);
}

static int on_timeout(CURLM *m, long timeout_ms, void *userp)
{
    deliver_t *d = userp;
    (void)m;
    if (timeout_ms < 0)
        uv_timer_stop(&d->timer);
    else
        uv_timer_start(&d->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- e-mail: the SMTP threads ------------------------------------------------ */

/* One e-mail on this thread's easy handle (its connection is kept for the next). */
static void smtp_send(deliver_t *d, CURL *h, job_t *j)
{
    if (!h) {
        j->res.status = DELIVER_FAILED;
        snprintf(j->res.error, sizeof j->res.error, "curl_easy_init failed");
        return;
    }
    char from[512];
    snprintf(from, sizeof from, "<%s>", d->o->mail_from);
    curl_easy_reset(h); /* options only: the open connection stays */
    curl_easy_setopt(h, CURLOPT_URL, d->o->smtp_url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, j->list);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, j);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->len);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)d->o->smtp_timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)d->o->smtp_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, j->errbuf);
    classify(j, h, curl_easy_perform(h));
}

static void *smtp_thread(void *arg)
{
    deliver_t *d = arg;
    CURL *h = curl_easy_init();
    for (;;) {
        pthread_mutex_lock(&d->mu);
        while (!d->smtp_queue && !d->smtp_quit)
            pthread_cond_wait(&d->cv, &d->mu);
        job_t *j = d->smtp_queue;
        if (j && !(d->smtp_queue = j->next))
            d->smtp_queue_tail = &d->smtp_queue;
        pthread_mutex_unlock(&d->mu);
        if (!j)
            break; /* quit, nothing left */
        smtp_send(d, h, j);
        pthread_mutex_lock(&d->mu);
        j->next = d->smtp_done;
        d->smtp_done = j;
        pthread_mutex_unlock(&d->mu);
        uv_async_send(&d->async);
    }
    curl_easy_cleanup(h); /* QUIT on the connection */
    return NULL;
}

/* On the loop: the e-mails the threads are done with. */
static void on_smtp_done(uv_async_t *a)
{
    deliver_t *d = a->data;
    pthread_mutex_lock(&d->mu);
    job_t *j = d->smtp_done;
    d->smtp_done = NULL;
    pthread_mutex_unlock(&d->mu);
    while (j) {
        job_t *next = j->next;
        job_finish(j);
        j = next;
    }
}

static void smtp_stop(deliver_t *d)
{
    pthread_mutex_lock(&d->mu);
    d->smtp_quit = true;
    pthread_cond_broadcast(&d->cv);
    pthread_mutex_unlock(&d->mu);
    for (int i = 0; i < d->nsmtp; i++)
        pthread_join(d->smtp_threads[i], NULL);
    free(d->smtp_threads);
    d->smtp_threads = NULL;
    d->nsmtp = 0;
}

/* ---- the deliverer ------------------------------------------------------------ */

int deliver_new(uv_loop_t *loop, const deliver_opts_t *o, deliver_done_fn done, void *ud, deliver_t **out)
{
    *out = NULL;
    int nsmtp = o->smtp_connections > 0 ? o->smtp_connections : 1;
    deliver_t *d = calloc(1, sizeof *d);
    if (!d || !(d->multi = curl_multi_init()) || !(d->smtp_threads = calloc((size_t)nsmtp, sizeof(pthread_t)))) {
        if (d)
            curl_multi_cleanup(d->multi);
        free(d);
        return -1;
    }
    d->loop = loop;
    d->o = o;
    d->done = done;
    d->ud = ud;
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
    uv_async_init(loop, &d->async, on_smtp_done);
    d->async.data = d;
    d->handles = 2;
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    d->smtp_queue_tail = &d->smtp_queue;
    while (d->nsmtp < nsmtp && pthread_create(&d->smtp_threads[d->nsmtp], NULL, smtp_thread, d) == 0)
        d->nsmtp++;
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
    curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timeout);
    curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
    if (o->max_host_connections > 0)
        curl_multi_setopt(d->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)o->max_host_connections);
    if (o->max_connections > 0)
        curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)o->max_connections);
    *out = d;
    if (d->nsmtp == 0) {
        deliver_close(d, NULL, NULL);
        *out = NULL;
        return -1;
    }
    return 0;
}

int deliver_running(const deliver_t *d)
{
    return d->running;
}

void deliver_close(deliver_t *d, void (*closed)(void *ud), void *ud)
{
    if (!d)
        return;
    d->closed = closed;
    d->closed_ud = ud;
    d->closing = true;
    smtp_stop(d);
    /* closes the cached connections (their sockets come back as REMOVE) */
    curl_multi_cleanup(d->multi);
    d->multi = NULL;
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, handle_closed);
    uv_close((uv_handle_t *)&d->async, handle_closed);
}

/* ---- jobs ----------------------------------------------------------------- */

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
    job_t *j = ud;
    size_t want = size * n;
    if (want > j->len - j->off)
        want = j->len - j->off;
    memcpy(buf, j->payload + j->off, want);
    j->off += want;
    return want;
}

static size_t discard_cb(char *buf, size_t size, size_t n, void *ud)
{
    (void)buf;
    (void)ud;
    return size * n;
}

static void job_freed(uv_handle_t *h)
{
    free(h->data);
}

static void job_finish(job_t *j)
{
    deliver_t *d = j->d;
    if (j->prev_waiting) { /* stopped while waiting */
        *j->prev_waiting = j->next_waiting;
        if (j->next_waiting)
            j->next_waiting->prev_waiting = j->prev_waiting;
    }
    d->running--;
    d->done(d->ud, j->ud, &j->res);
    curl_easy_cleanup(j->h);
    curl_slist_free_all(j->list);
    free(j->payload);
    if (j->has_timer)
        uv_close((uv_handle_t *)&j->retry, job_freed);
    else
        free(j);
}

static int job_start(deliver_t *d, job_t *j)
{
    d->running++;
    if (curl_multi_add_handle(d->multi, j->h) != CURLM_OK) {
        j->res.status = DELIVER_FAILED;
        snprintf(j->res.error, sizeof j->res.error, "curl_multi_add_handle failed");
        job_finish(j);
    }
    return 0;
}

static job_t *job_new(deliver_t *d, char *payload, void *ud)
{
    job_t *j = calloc(1, sizeof *j);
    if (!j) {
        free(payload);
        return NULL;
    }
    j->d = d;
    j->payload = payload;
    j->len = strlen(payload);
    j->ud = ud;
    j->res.attempts = 1;
    return j;
}

int deliver_email(deliver_t *d, const char *to, char *payload, void *job_ud)
{
    job_t *j = job_new(d, payload, job_ud);
    char rcpt[512];
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    if (!j || !(j->list = curl_slist_append(NULL, rcpt))) {
        if (j)
            free(j->payload);
        free(j);
        return -1;
    }
    d->running++;
    pthread_mutex_lock(&d->mu);
    *d->smtp_queue_tail = j;
    d->smtp_queue_tail = &j->next;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return 0;
}

int deliver_webhook(deliver_t *d, const char *url, const char *key, char *json, void *job_ud)
{
    job_t *j = job_new(d, json, job_ud);
    if (!j)
        return -1;
    if (!(j->h = curl_easy_init())) {
        free(j->payload);
        free(j);
        return -1;
    }
    long timeout_ms = d->o->webhook_timeout_ms;
    curl_easy_setopt(j->h, CURLOPT_URL, url);
    curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
    curl_easy_setopt(j->h, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(j->h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(j->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(j->h, CURLOPT_ERRORBUFFER, j->errbuf);
    char hkey[512];
    snprintf(hkey, sizeof hkey, "Idempotency-Key: %s", key);
    j->list = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    j->list = curl_slist_append(j->list, hkey);
    j->list = curl_slist_append(j->list, "Expect:");
    j->webhook = true;
    j->backoff = d->o->webhook_backoff_ms > 0 ? d->o->webhook_backoff_ms : 200;
    curl_easy_setopt(j->h, CURLOPT_HTTPHEADER, j->list);
    curl_easy_setopt(j->h, CURLOPT_POSTFIELDS, j->payload);
    curl_easy_setopt(j->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)j->len);
    curl_easy_setopt(j->h, CURLOPT_WRITEFUNCTION, discard_cb);
    curl_easy_setopt(j->h, CURLOPT_USERAGENT, "cchc-notifier/1");
    curl_easy_setopt(j->h, CURLOPT_PROTOCOLS_STR, "http,https");
    return job_start(d, j);
}

static void on_retry(uv_timer_t *t)
{
    job_t *j = t->data;
    *j->prev_waiting = j->next_waiting;
    if (j->next_waiting)
        j->next_waiting->prev_waiting = j->prev_waiting;
    j->prev_waiting = NULL;
    j->res.attempts++;
    j->errbuf[0] = '\0';
    if (curl_multi_add_handle(j->d->multi, j->h) != CURLM_OK)
        job_finish(j);
}

/* After a webhook attempt that may be retried: wait, then try again. */
static bool retry_later(job_t *j)
{
    deliver_t *d = j->d;
    int max = d->o->webhook_attempts > 0 ? d->o->webhook_attempts : 1;
    if (j->res.attempts >= max)
        return false;
    if (!j->has_timer) {
        uv_timer_init(d->loop, &j->retry);
        j->retry.data = j;
        j->has_timer = true;
    }
    j->next_waiting = d->waiting;
    if (d->waiting)
        d->waiting->prev_waiting = &j->next_waiting;
    j->prev_waiting = &d->waiting;
    d->waiting = j;
    uv_timer_start(&j->retry, on_retry, (uint64_t)j->backoff, 0);
    j->backoff *= 2;
    return true;
}

void deliver_stop_retries(deliver_t *d)
{
    while (d->waiting) {
        job_t *j = d->waiting;
        uv_timer_stop(&j->retry);
        job_finish(j); /* unlinks it */
    }
}

/* The outcome of one attempt on handle h: j->res, and whether it is final. */
static bool classify(job_t *j, CURL *h, CURLcode rc)
{
    deliver_result_t *res = &j->res;
    res->code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->code);
    const char *why = j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc);
    if (!j->webhook) {
        res->status = rc == CURLE_OK ? DELIVER_SENT : res->code >= 500 && res->code < 600 ? DELIVER_REJECTED
                                                                                          : DELIVER_FAILED;
        if (rc != CURLE_OK)
            snprintf(res->error, sizeof res->error, "smtp %ld: %.200s", res->code, why);
        return true;
    }
    if (rc != CURLE_OK) { /* timeout, refused: retried */
        res->status = DELIVER_FAILED;
        snprintf(res->error, sizeof res->error, "%.200s", why);
        return false;
    }
    if (res->code >= 200 && res->code < 300) {
        res->status = DELIVER_SENT;
        res->error[0] = '\0';
        return true;
    }
    snprintf(res->error, sizeof res->error, "HTTP %ld", res->code);
    /* 4xx (and anything else but 5xx): the receiver refuses; not retried */
    res->status = res->code >= 500 ? DELIVER_FAILED : DELIVER_REJECTED;
    return res->code < 500;
}

static void check_done(deliver_t *d)
{
    CURLMsg *msg;
    int left;
    while (d->multi && (msg = curl_multi_info_read(d->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        job_t *j;
        CURL *h = msg->easy_handle;
        CURLcode rc = msg->data.result;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&j);
        curl_multi_remove_handle(d->multi, h);
        if (classify(j, h, rc) || !retry_later(j))
            job_finish(j);
    }
}
