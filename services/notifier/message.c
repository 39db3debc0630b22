#include "message.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growing string ---------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    bool oom;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *p, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf_t *b, const char *fmt, ...)
{
    char small[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        sb_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, big, (size_t)n);
    free(big);
}

static char *sb_take(sbuf_t *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    if (!b->s)
        return strdup("");
    return b->s;
}

/* ---- names --------------------------------------------------------------- */

const char *message_period_vi(period_t p, char *buf, size_t len)
{
    switch (p.type) {
    case PERIOD_MONTH: snprintf(buf, len, "tháng %d/%d", p.index, p.year); break;
    case PERIOD_QUARTER: snprintf(buf, len, "quý %d/%d", p.index, p.year); break;
    case PERIOD_HALF: snprintf(buf, len, "6 tháng %s năm %d", p.index == 1 ? "đầu" : "cuối", p.year); break;
    case PERIOD_YEAR: snprintf(buf, len, "năm %d", p.year); break;
    default: snprintf(buf, len, "?");
    }
    return buf;
}

const char *message_period_en(period_t p, char *buf, size_t len)
{
    static const char *const months[] = {"January", "February", "March",     "April",   "May",      "June",
                                         "July",    "August",   "September", "October", "November", "December"};
    switch (p.type) {
    case PERIOD_MONTH: snprintf(buf, len, "%s %d", months[(p.index - 1) % 12], p.year); break;
    case PERIOD_QUARTER: snprintf(buf, len, "Q%d %d", p.index, p.year); break;
    case PERIOD_HALF: snprintf(buf, len, "H%d %d", p.index, p.year); break;
    case PERIOD_YEAR: snprintf(buf, len, "%d", p.year); break;
    default: snprintf(buf, len, "?");
    }
    return buf;
}

static const char *date_vi(int32_t day, char *buf, size_t len)
{
    int y, m, d;
    date_to_civil(day, &y, &m, &d);
    snprintf(buf, len, "%02d/%02d/%04d", d, m, y);
    return buf;
}

static bool unit_stage(const reminder_t *r)
{
    return !r->escalation;
}

static bool overdue_stage(const reminder_t *r)
{
    return !strncmp(r->stage, "after-", 6) || !strncmp(r->stage, "weekly-", 7) || !strcmp(r->stage, "escalate");
}

int message_compose(const catalog_t *c, const reminder_t *r, char *const *notes, int64_t now, message_t *m)
{
    memset(m, 0, sizeof *m);
    const unit_t *u = &c->units[r->unit];
    const dataset_t *d = &c->datasets[r->ds];
    char pvi[64], pen[64], dl[16], dliso[16], pcode[PERIOD_CODE_MAX];
    message_period_vi(r->period, pvi, sizeof pvi);
    message_period_en(r->period, pen, sizeof pen);
    date_vi(r->last_day, dl, sizeof dl);
    date_format(r->last_day, dliso, sizeof dliso);
    period_format(r->period, pcode, sizeof pcode);

    if (r->escalation)
        snprintf(m->subject, sizeof m->subject, "Đơn vị trực thuộc chưa nộp báo cáo CCHC %s (%d đơn vị) — hạn %s", pvi,
                 r->nlate, dl);
    else if (overdue_stage(r))
        snprintf(m->subject, sizeof m->subject, "Quá hạn nộp báo cáo CCHC %s — hạn %s", pvi, dl);
    else
        snprintf(m->subject, sizeof m->subject, "Nhắc nộp báo cáo CCHC %s — hạn %s", pvi, dl);

    int wd = calendar_working_between(c->calendar, date_of_time(now), r->last_day);
    char when[128];
    if (wd > 0)
        snprintf(when, sizeof when, "còn %d ngày làm việc", wd);
    else if (wd == 0)
        snprintf(when, sizeof when, "hôm nay là ngày cuối cùng");
    else
        snprintf(when, sizeof when, "đã quá hạn %d ngày làm việc", -wd);

    sbuf_t b = {0};
    sb_printf(&b, "Kính gửi: %s\n\n", u->name);
    if (unit_stage(r)) {
        sb_printf(&b, "Hạn nộp %s kỳ %s là hết ngày %s (%s).\n", d->name, pvi, dl, when);
        sb_printf(&b, "Đề nghị đơn vị nộp báo cáo qua hệ thống báo cáo CCHC (mã đơn vị %s, mã báo cáo %s, kỳ %s).\n",
                  u->code, d->code, pcode);
        if (notes && notes[r->unit]) {
            sb_printf(&b, "\nChỉ tiêu chưa đạt tiến độ:\n%s", notes[r->unit]);
        }
        sb_printf(&b, "\nEnglish: %s -- the CCHC report %s for %s is due by the end of %s; unit %s.\n",
                  overdue_stage(r) ? "Overdue" : "Reminder", d->code, pen, dliso, u->code);
    } else {
        sb_printf(&b, "Các đơn vị trực thuộc sau chưa nộp %s kỳ %s (hạn hết ngày %s, %s):\n", d->name, pvi, dl, when);
        for (int i = 0; i < r->nlate; i++) {
            const unit_t *k = &c->units[r->late[i]];
            sb_printf(&b, "- %s (%s)%s%s\n", k->name, k->code, k->email ? ", " : "", k->email ? k->email : "");
        }
        bool any = false;
        for (int i = 0; notes && i < u->nchildren; i++) {
            int k = u->children[i];
            if (!notes[k])
                continue;
            if (!any)
                sb_printf(&b, "\nĐơn vị có chỉ tiêu chưa đạt tiến độ:\n");
            any = true;
            sb_printf(&b, "* %s (%s):\n%s", c->units[k].name, c->units[k].code, notes[k]);
        }
        sb_printf(&b, "\nEnglish: Escalation -- %d sub-unit(s) of %s have not submitted the CCHC report %s for %s, "
                      "due by the end of %s.\n",
                  r->nlate, u->code, d->code, pen, dliso);
    }
    sb_printf(&b, "\n--\nHệ thống nhắc việc CCHC Hải Phòng (cchc-notifier), mã nhắc việc %s\n", r->id);
    m->body = sb_take(&b);
    return m->body ? 0 : -1;
}

void message_free(message_t *m)
{
    free(m->body);
    m->body = NULL;
}

/* ---- encodings ----------------------------------------------------------- */

char *message_base64(const void *data, size_t n, int line_len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    size_t out = (n + 2) / 3 * 4;
    size_t lines = line_len > 0 ? out / (size_t)line_len + 1 : 0;
    char *s = malloc(out + 2 * lines + 1), *o = s;
    if (!s)
        return NULL;
    int col = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char q[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63], i + 1 < n ? tbl[(v >> 6) & 63] : '=',
                     i + 2 < n ? tbl[v & 63] : '='};
        for (int k = 0; k < 4; k++) {
            if (line_len > 0 && col == line_len) {
                *o++ = '\r';
                *o++ = '\n';
                col = 0;
            }
            *o++ = q[k];
            col++;
        }
    }
    *o = '\0';
    return s;
}

char *message_encode_header(const char *text)
{
    sbuf_t b = {0};
    size_t n = strlen(text), i = 0;
    if (n == 0)
        return strdup("");
    while (i < n) {
        /* at most 45 bytes (60 base64 characters, 72 with the wrapper) per
         * word, never splitting a UTF-8 sequence */
        size_t j = i + 45 < n ? i + 45 : n;
        while (j < n && j > i && ((unsigned char)text[j] & 0xC0) == 0x80)
            j--;
        char *enc = message_base64(text + i, j - i, 0);
        if (!enc) {
            free(b.s);
            return NULL;
        }
        sb_printf(&b, "%s=?UTF-8?B?%s?=", i ? "\r\n " : "", enc);
        free(enc);
        i = j;
    }
    return sb_take(&b);
}

uint64_t message_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

char *message_email(const char *from, const char *to, const char *id, const message_t *m, int64_t date)
{
    static const char *const wd[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int32_t day = date_of_time(date);
    int y, mo, d;
    date_to_civil(day, &y, &mo, &d);
    int64_t s = date - date_start_time(day);
    char *subj = message_encode_header(m->subject);
    char *body = message_base64(m->body, strlen(m->body), 76);
    if (!subj || !body) {
        free(subj);
        free(body);
        return NULL;
    }
    sbuf_t b = {0};
    sb_printf(&b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0700\r\n", wd[date_weekday(day)], d, mon[mo - 1], y,
              (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    sb_printf(&b, "From: %s\r\nTo: %s\r\n", from, to);
    sb_printf(&b, "Message-ID: <%016llx.%s@cchc-notifier>\r\n", (unsigned long long)message_hash(id),
              strrchr(id, '/') ? strrchr(id, '/') + 1 : "r");
    sb_printf(&b, "Subject: %s\r\n", subj);
    sb_printf(&b, "X-CCHC-Reminder: %s\r\n", id);
    sb_printf(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n",
              body);
    free(subj);
    free(body);
    return sb_take(&b);
}

json_t *message_json(const catalog_t *c, const reminder_t *r, const message_t *m)
{
    const unit_t *u = &c->units[r->unit];
    char pcode[PERIOD_CODE_MAX], dl[32];
    json_t *late = json_array();
    for (int i = 0; i < r->nlate; i++) {
        const unit_t *k = &c->units[r->late[i]];
        json_array_append_new(late, json_pack("{s:s, s:s}", "code", k->code, "name", k->name));
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o}", "id", r->id, "unit", u->code,
                     "unit_name", u->name, "dataset", c->datasets[r->ds].code, "period",
                     period_format(r->period, pcode, sizeof pcode), "stage", r->stage, "deadline",
                     time_format_iso(r->deadline, dl, sizeof dl), "deadline_unix", (json_int_t)r->deadline, "subject",
                     m->subject, "body", m->body, "late_units", late);
}

const char *message_proto_id(const catalog_t *c, const reminder_t *r, char *buf, size_t len)
{
    char pcode[PERIOD_CODE_MAX];
    int n = snprintf(buf, len, "%s:%s:%s:%s", c->units[r->unit].code, c->datasets[r->ds].code,
                     period_format(r->period, pcode, sizeof pcode), r->stage);
    if (n < 0 || n > 64 || (size_t)n >= len) {
        char full[POLICY_ID_MAX];
        snprintf(full, sizeof full, "%s:%s:%s:%s", c->units[r->unit].code, c->datasets[r->ds].code, pcode,
                 r->stage);
        snprintf(buf, len, "h:%016llx:%s", (unsigned long long)message_hash(full), r->stage);
    }
    return buf;
}
