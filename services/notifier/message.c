#include "fnv.h"
#include "message.h"

#include <math.h>
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

/* Ends what is written so far with one empty line (no more). */
static void sb_paragraph(sbuf_t *b)
{
    while (b->n > 0 && b->s[b->n - 1] == '\n')
        b->s[--b->n] = '\0';
    sb_add(b, "\n\n", 2);
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

/* ---- numbers --------------------------------------------------------------- */

const char *message_number(double v, bool percent, char *buf, size_t len)
{
    long long tenths = llround(v * 10);
    bool neg = tenths < 0;
    if (neg)
        tenths = -tenths;
    char digits[32], grouped[48];
    int nd = snprintf(digits, sizeof digits, "%lld", tenths / 10), o = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            grouped[o++] = '.';
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    char dec[8] = "";
    if (tenths % 10)
        snprintf(dec, sizeof dec, ",%lld", tenths % 10);
    snprintf(buf, len, "%s%s%s%s", neg ? "-" : "", grouped, dec, percent ? "%" : "");
    return buf;
}

void message_target_line(const catalog_t *c, int ind, const char *name_vi, double actual, double expected,
                         period_t p, char *buf, size_t len)
{
    ind_kind_t kind = ind >= 0 ? c->inds[ind].kind : IND_COUNT;
    char a[48], e[48], miss[48], pvi[64];
    message_period_vi(p, pvi, sizeof pvi);
    if (kind == IND_BOOL)
        snprintf(buf, len, "- %s: chưa có (yêu cầu phải có đến hết %s)\n", name_vi, pvi);
    else if (kind == IND_RATE)
        snprintf(buf, len, "- %s: đạt %s, yêu cầu ít nhất %s đến hết %s\n", name_vi,
                 message_number(actual, true, a, sizeof a), message_number(expected, true, e, sizeof e), pvi);
    else
        snprintf(buf, len, "- %s: đạt %s, cần ít nhất %s đến hết %s, còn thiếu %s\n", name_vi,
                 message_number(actual, false, a, sizeof a), message_number(expected, false, e, sizeof e), pvi,
                 message_number(expected - actual, false, miss, sizeof miss));
}

/* ---- the digest's text ------------------------------------------------------- */

typedef struct {
    const catalog_t *c;
    const digest_t *d;
    const message_opts_t *o;
    int64_t now;
    bool *folded;
    int own, esc, approve;
    sbuf_t b;
} compose_t;

#define VISIBLE(x, i) (!(x)->d->items[i].cancelled && !(x)->folded[i])

/* "còn 3 ngày làm việc" / "3 working days left". */
static const char *when(const compose_t *x, int32_t L, bool en, char *buf, size_t len)
{
    int wd = calendar_working_between(x->c->calendar, date_of_time(x->now), L);
    if (wd > 0)
        snprintf(buf, len, en ? "%d working day(s) left" : "còn %d ngày làm việc", wd);
    else if (wd == 0)
        snprintf(buf, len, en ? "today is the last day" : "hôm nay là ngày cuối cùng");
    else
        snprintf(buf, len, en ? "overdue by %d working day(s)" : "đã quá hạn %d ngày làm việc", -wd);
    return buf;
}

/* "quý 3/2025, quý 4/2025": the cover periods in gaps. */
static void add_gaps(compose_t *x, int cover, period_t p, uint16_t gaps, bool en)
{
    period_t sub[16];
    int nsub = policy_cover_periods(x->c, cover, p, sub), k = 0;
    for (int i = 0; i < nsub; i++) {
        if (!(gaps >> i & 1))
            continue;
        char pb[64];
        sb_printf(&x->b, "%s%s", k++ ? ", " : "", en ? message_period_en(sub[i], pb, sizeof pb)
                                                      : message_period_vi(sub[i], pb, sizeof pb));
    }
}

static const char *type_word_vi(period_type_t t)
{
    switch (t) {
    case PERIOD_MONTH: return "tháng";
    case PERIOD_QUARTER: return "quý";
    case PERIOD_HALF: return "6 tháng";
    default: return "năm";
    }
}

/* Is r the last visible item of its dataset (and audience) inside f's period? */
static bool last_cover_of(const compose_t *x, const reminder_t *r, const reminder_t *f, int *count)
{
    const reminder_t *last = NULL;
    *count = 0;
    for (int i = 0; i < x->d->nitems; i++) {
        const reminder_t *q = &x->d->items[i];
        if (VISIBLE(x, i) && !q->approval && q->ds == r->ds && q->escalation == r->escalation &&
            period_contains(f->period, q->period)) {
            last = q;
            ++*count;
        }
    }
    return last == r;
}

/* Under the last item of the covering dataset, the folded items it stands
 * for: "... đồng thời là số liệu cho: NAME (PERIOD); NAME (PERIOD) -- ..." */
static void add_folded(compose_t *x, const reminder_t *r, bool en)
{
    int k = 0, n;
    for (int i = 0; i < x->d->nitems; i++) {
        const reminder_t *f = &x->d->items[i];
        if (!x->folded[i] || f->cancelled || f->cover != r->ds || f->escalation != r->escalation ||
            !period_contains(f->period, r->period) || !last_cover_of(x, r, f, &n))
            continue;
        char pb[64];
        if (k++ == 0 && en)
            sb_printf(&x->b, n > 1 ? "   These reports also provide the figures of: "
                                   : "   It also provides the figures of: ");
        else if (k == 1)
            sb_printf(&x->b, n > 1 ? "   Các báo cáo %s trên đồng thời là số liệu cho: "
                                   : "   Báo cáo này đồng thời là số liệu cho: ",
                      type_word_vi(x->c->datasets[r->ds].ptype));
        else
            sb_printf(&x->b, "; ");
        sb_printf(&x->b, "%s (%s)", x->c->datasets[f->ds].name,
                  en ? message_period_en(f->period, pb, sizeof pb) : message_period_vi(f->period, pb, sizeof pb));
    }
    if (k)
        sb_printf(&x->b, en ? " (no separate report is needed).\n" : " – không phải nộp riêng.\n");
}

static void add_own(compose_t *x, bool en)
{
    if (!x->own)
        return;
    if (en)
        sb_printf(&x->b, "Reports not yet received from your unit:\n\n");
    else
        sb_printf(&x->b, "Hệ thống báo cáo cải cách hành chính (CCHC) chưa nhận được %s của đơn vị:\n\n",
                  x->own == 1 ? "báo cáo sau" : "các báo cáo sau");
    for (int i = 0, k = 0; i < x->d->nitems; i++) {
        const reminder_t *r = &x->d->items[i];
        if (!VISIBLE(x, i) || r->escalation || r->approval)
            continue;
        char pb[64], dl[16], wb[64];
        date_vi(r->last_day, dl, sizeof dl);
        sb_printf(&x->b, "%d. %s\n", ++k, x->c->datasets[r->ds].name);
        sb_printf(&x->b, en ? "   Period: %s\n   Due by the end of %s%s (%s)\n" : "   Kỳ báo cáo: %s\n   Hạn nộp%s: hết ngày %s (%s)\n",
                  en ? message_period_en(r->period, pb, sizeof pb) : message_period_vi(r->period, pb, sizeof pb),
                  en ? dl : (r->extended ? " (đã được gia hạn)" : ""), en ? (r->extended ? ", extended" : "") : dl,
                  when(x, r->last_day, en, wb, sizeof wb));
        if (r->cover >= 0 && r->gaps) {
            const char *w = type_word_vi(x->c->datasets[r->cover].ptype);
            if (en)
                sb_printf(&x->b, "   Made up of the %s reports; still missing: ", x->c->datasets[r->cover].name);
            else
                sb_printf(&x->b, "   Số liệu kỳ này được tổng hợp từ báo cáo %s. Còn thiếu báo cáo %s: ", w, w);
            add_gaps(x, r->cover, r->period, r->gaps, en);
            sb_printf(&x->b, en ? ". Sending those is enough.\n"
                                : ". Nộp đủ các báo cáo %s đó là được, không phải nộp riêng báo cáo này.\n", w);
        }
        add_folded(x, r, en);
    }
    sb_printf(&x->b, "\n");
}

static void add_escalations(compose_t *x, bool en)
{
    if (!x->esc)
        return;
    sb_printf(&x->b, en ? "Sub-units that have not submitted:\n\n" : "Các đơn vị trực thuộc sau chưa nộp báo cáo:\n\n");
    for (int i = 0, k = 0; i < x->d->nitems; i++) {
        const reminder_t *r = &x->d->items[i];
        if (!VISIBLE(x, i) || !r->escalation)
            continue;
        char pb[64], dl[16], wb[64];
        date_vi(r->last_day, dl, sizeof dl);
        sb_printf(&x->b, "%d. %s\n", ++k, x->c->datasets[r->ds].name);
        int shown = 0;
        for (int j = 0; j < r->nlate; j++)
            shown += !digest_late_folded(x->c, x->d, r, j);
        sb_printf(&x->b,
                  en ? "   Period: %s, due by the end of %s (%s); %d sub-unit(s):\n"
                     : "   Kỳ báo cáo: %s, hạn nộp hết ngày %s (%s); %d đơn vị chưa nộp:\n",
                  en ? message_period_en(r->period, pb, sizeof pb) : message_period_vi(r->period, pb, sizeof pb),
                  dl, when(x, r->last_day, en, wb, sizeof wb), shown);
        for (int j = 0; j < r->nlate; j++) {
            const unit_t *u = &x->c->units[r->late[j]];
            if (digest_late_folded(x->c, x->d, r, j))
                continue;
            sb_printf(&x->b, "   - %s", u->name);
            if (u->email && u->email[0])
                sb_printf(&x->b, " (%s)", u->email);
            if (r->cover >= 0 && r->late_gaps && r->late_gaps[j]) {
                sb_printf(&x->b, en ? ": missing " : ": còn thiếu báo cáo ");
                add_gaps(x, r->cover, r->period, r->late_gaps[j], en);
            }
            sb_printf(&x->b, "\n");
        }
        if (shown < r->nlate)
            sb_printf(&x->b, en ? "   (and %d sub-unit(s) listed above, which only lack the reports named there)\n"
                                : "   (và %d đơn vị ở mục trên, chỉ còn thiếu các báo cáo đã nêu ở đó)\n",
                      r->nlate - shown);
        add_folded(x, r, en);
    }
    sb_printf(&x->b, "\n");
}

/* The visible item (own or escalation) whose period ends last: its targets
 * are judged nearest to now. */
static const reminder_t *latest(const compose_t *x, bool escalation)
{
    const reminder_t *best = NULL;
    for (int i = 0; i < x->d->nitems; i++) {
        const reminder_t *r = &x->d->items[i];
        if (VISIBLE(x, i) && !r->approval && r->escalation == escalation &&
            (!best || period_last_day(r->period) > period_last_day(best->period)))
            best = r;
    }
    return best;
}

static void add_notes(compose_t *x)
{
    if (!x->o->notes)
        return;
    const reminder_t *r = latest(x, false);
    const char *n = r ? x->o->notes(x->o->ud, x->d->unit, r->ds, r->period) : NULL;
    if (n)
        sb_printf(&x->b, "Chỉ tiêu chưa đạt tiến độ:\n%s\n", n);
    r = latest(x, true);
    const unit_t *u = &x->c->units[x->d->unit];
    int any = 0;
    for (int i = 0; r && i < u->nchildren; i++) {
        const char *cn = x->o->notes(x->o->ud, u->children[i], r->ds, r->period);
        if (!cn)
            continue;
        if (!any++)
            sb_printf(&x->b, "Đơn vị trực thuộc có chỉ tiêu chưa đạt tiến độ:\n");
        sb_printf(&x->b, "* %s:\n%s", x->c->units[u->children[i]].name, cn);
    }
    if (any)
        sb_printf(&x->b, "\n");
}

/* The unit's own reports awaiting its approval, and where to approve them. */
static void add_approvals(compose_t *x, bool en)
{
    if (!x->approve)
        return;
    if (en)
        sb_printf(&x->b, "%d report(s) of your unit awaiting approval:\n", x->approve);
    else
        sb_printf(&x->b, "%d báo cáo đang chờ duyệt (đã nộp, chờ lãnh đạo đơn vị phê duyệt):\n", x->approve);
    for (int i = 0; i < x->d->nitems; i++) {
        const reminder_t *r = &x->d->items[i];
        if (!VISIBLE(x, i) || !r->approval)
            continue;
        char pb[64];
        sb_printf(&x->b, "- ");
        if (r->owner != x->d->unit) /* an office whose reports this unit enters and approves */
            sb_printf(&x->b, "%s: ", x->c->units[r->owner].name);
        sb_printf(&x->b, "%s, %s\n", x->c->datasets[r->ds].name,
                  en ? message_period_en(r->period, pb, sizeof pb) : message_period_vi(r->period, pb, sizeof pb));
    }
    const char *url = x->o->approve_url;
    if (url && url[0])
        sb_printf(&x->b, en ? "Approve or return them at: %s\n" : "Duyệt hoặc trả lại báo cáo tại: %s\n", url);
    sb_printf(&x->b, "\n");
}

/* "Nộp báo cáo tại" and whom to ask: the configured contact, else the parent unit. */
static void add_links(compose_t *x, bool en)
{
    const char *url = x->o->web_url;
    if (url && url[0])
        sb_printf(&x->b, en ? "Submit at: %s\n" : "Nộp báo cáo tại: %s\n", url);
    const unit_t *u = &x->c->units[x->d->unit];
    if (x->o->contact && x->o->contact[0])
        sb_printf(&x->b, en ? "Contact: %s\n" : "Cần hỗ trợ, xin liên hệ: %s\n", x->o->contact);
    else if (u->parent >= 0) {
        const unit_t *p = &x->c->units[u->parent];
        sb_printf(&x->b, en ? "Contact: %s%s%s%s\n" : "Cần hỗ trợ, xin liên hệ: %s%s%s%s\n", p->name,
                  p->email ? " (" : "", p->email ? p->email : "", p->email ? ")" : "");
    }
}

/* The late units of visible item i not listed by an earlier visible item. */
static int distinct_late(const compose_t *x, int i)
{
    const reminder_t *r = &x->d->items[i];
    int n = 0;
    for (int k = 0; k < r->nlate; k++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++) {
            const reminder_t *q = &x->d->items[j];
            for (int m = 0; VISIBLE(x, j) && q->escalation && m < q->nlate && !seen; m++)
                seen = q->late[m] == r->late[k];
        }
        n += !seen;
    }
    return n;
}

/* "quý 3/2025, quý 1/2026, …": the periods of the visible own items in
 * one state (overdue or not), at most 3 named; their number, and the
 * earliest last day, out. */
static int own_periods(const compose_t *x, bool overdue, char *out, size_t len, int32_t *earliest)
{
    int n = 0;
    size_t o = 0;
    out[0] = '\0';
    *earliest = INT32_MAX;
    for (int i = 0; i < x->d->nitems; i++) {
        const reminder_t *r = &x->d->items[i];
        if (!VISIBLE(x, i) || r->approval || r->escalation || r->overdue != overdue)
            continue;
        if (r->last_day < *earliest)
            *earliest = r->last_day;
        char pb[64];
        message_period_vi(r->period, pb, sizeof pb);
        if (n++ < 3 && o < len)
            o += (size_t)snprintf(out + o, len - o, "%s%s", o ? ", " : "", pb);
        else if (n == 4 && o < len)
            o += (size_t)snprintf(out + o, len - o, ", …");
    }
    return n;
}

/* The subject counts what the recipient owes, split by state: the reports
 * overdue, then those coming due, then its sub-units', then approvals.
 * Folded (covered) items are not reports owed and are not counted. */
static void subject(compose_t *x, char *out, size_t len)
{
    const reminder_t *first_esc = NULL;
    int nlate = 0;
    for (int i = 0; i < x->d->nitems; i++) {
        const reminder_t *r = &x->d->items[i];
        if (!VISIBLE(x, i) || r->approval || !r->escalation)
            continue;
        first_esc = first_esc ? first_esc : r;
        nlate += distinct_late(x, i);
    }
    char late[200], soon[200], own[1100] = "", esc[200] = "", dl[16];
    int32_t late_day, soon_day;
    int nover = own_periods(x, true, late, sizeof late, &late_day);
    int nsoon = own_periods(x, false, soon, sizeof soon, &soon_day);
    char over_s[512] = "", soon_s[512] = "";
    if (nover == 1)
        snprintf(over_s, sizeof over_s, nsoon ? "Quá hạn nộp báo cáo CCHC %s (hạn %s)" : "Quá hạn nộp báo cáo CCHC %s — hạn %s",
                 late, date_vi(late_day, dl, sizeof dl));
    else if (nover > 1)
        snprintf(over_s, sizeof over_s, "Quá hạn nộp %d báo cáo CCHC: %s", nover, late);
    date_vi(soon_day, dl, sizeof dl);
    if (nsoon && nover)
        snprintf(soon_s, sizeof soon_s, "sắp đến hạn %s%s (hạn %s%s)", nsoon > 1 ? "" : "báo cáo ", soon,
                 nsoon > 1 ? "sớm nhất " : "", dl);
    else if (nsoon == 1)
        snprintf(soon_s, sizeof soon_s, "Nhắc nộp báo cáo CCHC %s — hạn %s", soon, dl);
    else if (nsoon > 1)
        snprintf(soon_s, sizeof soon_s, "Nhắc nộp %d báo cáo CCHC: %s — hạn sớm nhất %s", nsoon, soon, dl);
    snprintf(own, sizeof own, "%s%s%s", over_s, over_s[0] && soon_s[0] ? "; " : "", soon_s);
    char pb[64];
    if (x->esc && own[0])
        snprintf(esc, sizeof esc, "%d đơn vị trực thuộc chưa nộp", nlate);
    else if (x->esc == 1)
        snprintf(esc, sizeof esc, "Đơn vị trực thuộc chưa nộp báo cáo CCHC %s (%d đơn vị) — hạn %s",
                 message_period_vi(first_esc->period, pb, sizeof pb), nlate,
                 date_vi(first_esc->last_day, dl, sizeof dl));
    else if (x->esc > 1)
        snprintf(esc, sizeof esc, "Đơn vị trực thuộc chưa nộp %d báo cáo CCHC (%d đơn vị)", x->esc, nlate);
    char appr[96] = "";
    if (x->approve)
        snprintf(appr, sizeof appr, "%s%d báo cáo CCHC đang chờ duyệt", own[0] || esc[0] ? "; " : "", x->approve);
    snprintf(out, len, "%s%s%s%s", own, own[0] && esc[0] ? "; " : "", esc, appr);
}

int message_compose(const catalog_t *c, const digest_t *d, const message_opts_t *o, int64_t now, message_t *m)
{
    memset(m, 0, sizeof *m);
    compose_t x = {c, d, o, now, calloc((size_t)d->nitems + 1, sizeof(bool)), 0, 0, 0, {0}};
    if (!x.folded)
        return -1;
    digest_fold(c, d, x.folded);
    digest_count(d, x.folded, &x.own, &x.esc, &x.approve);
    subject(&x, m->subject, sizeof m->subject);
    sb_printf(&x.b, "Kính gửi: %s\n\n", c->units[d->unit].name);
    add_own(&x, false);
    add_escalations(&x, false);
    add_approvals(&x, false);
    add_notes(&x);
    add_links(&x, false);
    sb_paragraph(&x.b);
    sb_printf(&x.b, "--\nThư gửi tự động từ Hệ thống nhắc việc CCHC thành phố Hải Phòng. Mỗi đơn vị nhận "
                    "nhiều nhất một thư mỗi ngày; đơn vị đã nộp đủ báo cáo thì không cần trả lời thư này.\n");
    if (o->english) {
        sb_paragraph(&x.b);
        sb_printf(&x.b, "---\nEnglish\n\nTo: %s\n\n", c->units[d->unit].name);
        add_own(&x, true);
        add_escalations(&x, true);
        add_approvals(&x, true);
        add_links(&x, true);
    }
    free(x.folded);
    m->body = sb_take(&x.b);
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
    return fnv1a(FNV1A_INIT, s, strlen(s));
}

char *message_email(const char *from, const char *to, const char *id, const char *items, const message_t *m,
                    int64_t date)
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
    if (items && items[0])
        sb_printf(&b, "X-CCHC-Items: %s\r\n", items);
    sb_printf(&b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n",
              body);
    free(subj);
    free(body);
    return sb_take(&b);
}
