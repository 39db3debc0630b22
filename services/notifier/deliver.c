#include "deliver.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

typedef struct {
    const char *p;
    size_t left;
} reader_t;

static size_t read_cb(char *buf, size_t size, size_t n, void *ud)
{
    reader_t *r = ud;
    size_t want = size * n;
    if (want > r->left)
        want = r->left;
    memcpy(buf, r->p, want);
    r->p += want;
    r->left -= want;
    return want;
}

static size_t discard_cb(char *buf, size_t size, size_t n, void *ud)
{
    (void)buf;
    (void)ud;
    return size * n;
}

void deliver_email(const deliver_opts_t *o, const char *to, const char *payload, deliver_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->attempts = 1;
    CURL *h = curl_easy_init();
    if (!h) {
        res->status = DELIVER_FAILED;
        snprintf(res->error, sizeof res->error, "curl_easy_init failed");
        return;
    }
    char from[512], rcpt[512];
    snprintf(from, sizeof from, "<%s>", o->mail_from);
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    reader_t rd = {payload, strlen(payload)};
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, o->smtp_url);
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(h, CURLOPT_READDATA, &rd);
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)rd.left);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o->smtp_timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)o->smtp_timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->code);
    if (rc == CURLE_OK) {
        res->status = DELIVER_SENT;
    } else {
        res->status = res->code >= 500 && res->code < 600 ? DELIVER_REJECTED : DELIVER_FAILED;
        snprintf(res->error, sizeof res->error, "smtp %ld: %.200s", res->code, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(h);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

void deliver_webhook(const deliver_opts_t *o, const char *url, const char *key, const char *json,
                     deliver_result_t *res)
{
    memset(res, 0, sizeof *res);
    char hkey[512];
    snprintf(hkey, sizeof hkey, "Idempotency-Key: %s", key);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    hdrs = curl_slist_append(hdrs, hkey);
    hdrs = curl_slist_append(hdrs, "Expect:");
    int max = o->webhook_attempts > 0 ? o->webhook_attempts : 1;
    long backoff = o->webhook_backoff_ms > 0 ? o->webhook_backoff_ms : 200;
    res->status = DELIVER_FAILED;
    for (int i = 0; i < max; i++) {
        if (i > 0) {
            if (o->stopping && *o->stopping)
                break;
            sleep_ms(backoff);
            backoff *= 2;
        }
        CURL *h = curl_easy_init();
        if (!h) {
            snprintf(res->error, sizeof res->error, "curl_easy_init failed");
            continue;
        }
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json));
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o->webhook_timeout_ms);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard_cb);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_USERAGENT, "cchc-notifier/1");
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        CURLcode rc = curl_easy_perform(h);
        res->attempts = i + 1;
        res->code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->code);
        curl_easy_cleanup(h);
        if (rc != CURLE_OK) {
            snprintf(res->error, sizeof res->error, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
            continue; /* timeout, refused: retry */
        }
        if (res->code >= 200 && res->code < 300) {
            res->status = DELIVER_SENT;
            res->error[0] = '\0';
            break;
        }
        snprintf(res->error, sizeof res->error, "HTTP %ld", res->code);
        if (res->code >= 500)
            continue;
        res->status = DELIVER_REJECTED; /* 4xx (and anything else): the receiver refuses; do not retry */
        break;
    }
    curl_slist_free_all(hdrs);
}
