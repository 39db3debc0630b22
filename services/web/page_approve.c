/*
 * page_approve.c -- the head's approval (issue 12, "Approval").
 *
 *   GET  /approve                        the queue: the reports of the
 *        approver's unit awaiting approval, over the recent periods of
 *        every dataset (QUERY units, status=awaiting)
 *   GET  /approve?unit=U&dataset=D&period=P
 *        one report: its latest version's values beside the previous
 *        version's (changes marked), its state, and the decision form
 *   POST /approve  (unit, dataset, period, version, decision, note, csrf)
 *        a DECIDE through the web's gateway key (gateway.h); its ACK, NACK
 *        or silence answers the request
 *
 * Only an approver of the unit (users_allows(..., USERS_ROLE_APPROVER), an
 * admin too) gets past the parameters; everyone else 403, and nothing
 * about the unit is said.  The decision's id is a hash of what was decided
 * (user, report, version, decision, note), so pressing the button again
 * after "no answer" is the same DECIDE: the collector stores it once.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "clock.h"
#include "decisions.h"
#include "entry.h"
#include "nack.h"
#include "page.h"
#include "utf8.h"
#include "report.h"

#define QUEUE_LIMIT 200   /* reports listed per dataset and period */

/* ------------------------------------------------------------------------
 * Who may decide
 * ------------------------------------------------------------------------ */

/* The session of an approver (or admin), or NULL after answering 404 (no
 * accounts, no gateway: there is no approval here) or 403. */
static const users_session_t *approver(req_t *r, resp_t *o)
{
    web_t *w = web_of(r);
    const users_session_t *s = auth_session(r);
    if (!w->users || !w->gw) {
        layout_error(r, o, 404,
                     T(r, "Chức năng duyệt báo cáo chưa được bật trên máy chủ này (cần tài khoản và khóa cổng).",
                       "Approval is not enabled on this server (it needs accounts and the gateway key)."));
        return NULL;
    }
    if (!s || !(s->user.roles & (USERS_ROLE_APPROVER | USERS_ROLE_ADMIN))) {
        layout_error(r, o, 403,
                     T(r, "Chỉ lãnh đạo đơn vị (người duyệt) mới duyệt được báo cáo.",
                       "Only the unit's head (an approver) approves reports."));
        return NULL;
    }
    return s;
}

/* The report named by the parameters (GET) or the form (POST): the unit
 * must be one the user approves for. */
typedef struct {
    int unit, ds;
    period_t p;
    char period[PERIOD_CODE_MAX];
} report_ref_t;

static int read_ref(req_t *r, resp_t *o, const users_session_t *s, bool form, report_ref_t *ref /* OUT */)
{
    const catalog_t *c = web_of(r)->cat;
    const char *unit = form ? http_form(r, "unit") : http_arg(r, "unit");
    const char *ds = form ? http_form(r, "dataset") : http_arg(r, "dataset");
    const char *per = form ? http_form(r, "period") : http_arg(r, "period");
    ref->unit = unit ? catalog_unit(c, unit) : -1;
    if (ref->unit < 0 || !users_allows(c, &s->user, USERS_ROLE_APPROVER, unit)) {
        /* an unknown unit and another's unit get the same answer */
        layout_error(r, o, 403, T(r, "Bạn không duyệt báo cáo của đơn vị này.", "You do not approve this unit's reports."));
        return -1;
    }
    ref->ds = ds ? catalog_dataset(c, ds) : -1;
    if (ref->ds < 0 || !per || period_parse(per, &ref->p) || ref->p.type != c->datasets[ref->ds].ptype) {
        layout_error(r, o, 400,
                     T(r, "Đường dẫn thiếu hoặc sai mẫu báo cáo hay kỳ báo cáo. Hãy mở lại từ danh sách chờ duyệt.",
                       "The link lacks a valid dataset or period. Open the report again from the queue."));
        return -1;
    }
    period_format(ref->p, ref->period, sizeof ref->period);
    return 0;
}

/* ------------------------------------------------------------------------
 * The queue
 * ------------------------------------------------------------------------ */

static void queue_row(req_t *r, buf_t *b, const dataset_t *d, period_t p, const ans_unit_status_t *u)
{
    char pc[PERIOD_CODE_MAX], lab[64];
    period_format(p, pc, sizeof pc);
    /* the unit's name opens the report (first, so a phone shows it); the
     * dataset's long name only on wide screens (the period names its kind) */
    buf_puts(b, "<tr><td><a ");
    view_href(b, r, "/approve", "unit", u->code, "dataset", d->code, "period", pc, NULL);
    buf_printf(b, " title=\"%s\">", T(r, "Xem và duyệt", "Review"));
    buf_esc(b, u->name);
    buf_puts(b, "</a></td><td class=\"opt\">");
    buf_esc(b, catalog_dataset_name(web_of(r)->cat, (int)(d - web_of(r)->cat->datasets), r->en));
    buf_printf(b, "</td><td>%s</td><td class=\"n\">", report_period_label(p, r->en, lab, sizeof lab));
    if (u->has_version)
        buf_printf(b, "%lld", (long long)u->version);
    buf_puts(b, "</td><td>");
    view_time(b, u->has_received_at, u->received_at);
    buf_puts(b, "</td></tr>");
}

static void page_queue(req_t *r, resp_t *o, const users_session_t *s)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    int node = auth_default_node(r);
    buf_t *b = &o->body;
    o->status = 200;
    layout_place_t pl = {c->units[node].code, NULL, NULL};
    layout_begin(r, b, T(r, "Báo cáo chờ duyệt", "Reports awaiting approval"), "/approve", &pl);
    buf_printf(b, "<h1 id=\"title\">%s</h1><p>", T(r, "Báo cáo chờ duyệt", "Reports awaiting approval"));
    buf_esc(b, c->units[node].name);
    buf_puts(b, "</p>");
    const char *done = http_arg(r, "done");
    if (done && (!strcmp(done, "approve") || !strcmp(done, "return")))
        buf_printf(b, "<p class=\"ok\" id=\"done\">%s</p>",
                   !strcmp(done, "approve") ? T(r, "Đã ghi nhận: báo cáo được duyệt.", "Recorded: the report is approved.")
                                            : T(r, "Đã ghi nhận: báo cáo được trả lại để sửa.",
                                                "Recorded: the report is returned for correction."));
    buf_printf(b, "<p class=\"note\">%s</p>", T(r, "Bấm tên đơn vị để xem báo cáo và duyệt.",
                                                 "Click a unit's name to review its report."));
    buf_printf(b, "<div class=\"scroll\"><table id=\"queue\"><thead><tr><th>%s</th><th class=\"opt\">%s</th><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
               T(r, "Đơn vị", "Unit"), T(r, "Mẫu báo cáo", "Dataset"), T(r, "Kỳ", "Period"),
               T(r, "Phiên bản mới nhất", "Latest version"), T(r, "Nộp lần đầu", "First received"));
    int shown = 0, failed = 0;
    proto_error_t err = {0};
    period_t today;
    for (int k = 0; k < c->ndatasets; k++) {
        const dataset_t *d = &c->datasets[k];
        today = period_of_day(date_of_time(clock_now()), d->ptype);
        period_t p = today;
        /* back PERIOD_APPROVAL_YEARS: a late report or an old correction still reaches its head */
        for (; period_within_years(p, today, PERIOD_APPROVAL_YEARS); p = period_prev(p)) {
            char pc[PERIOD_CODE_MAX];
            period_format(p, pc, sizeof pc);
            proto_query_t q = agg_query("units", c->units[node].code, d->code, pc);
            snprintf(q.status, sizeof q.status, "awaiting");
            q.limit = QUEUE_LIMIT;
            client_answer_t a;
            int rc = agg_ask_q(&w->agg, &q, &a, &err);
            if (rc == PROTO_E_NOT_FOUND || rc == PROTO_E_PERIOD) {
                client_answer_free(&a);
                if (rc == PROTO_E_PERIOD)
                    break; /* before the unit existed: so are the older periods */
                continue;  /* nothing there yet */
            }
            if (rc) {
                failed++;
                client_answer_free(&a);
                break;
            }
            for (uint32_t j = 0; j < a.u.units.n_units; j++) {
                const ans_unit_status_t *u = &a.u.units.units[j];
                if (users_allows(c, &s->user, USERS_ROLE_APPROVER, u->code)) {
                    queue_row(r, b, d, p, u);
                    shown++;
                }
            }
            client_answer_free(&a);
        }
    }
    buf_puts(b, "</tbody></table></div>");
    if (failed) {
        char et[600];
        buf_printf(b, "<p class=\"warn\" id=\"incomplete\">%s ",
                   T(r, "Chưa lấy được đủ danh sách:", "The list is incomplete:"));
        buf_esc(b, agg_error_text(&err, et, sizeof et));
        buf_puts(b, "</p>");
    } else if (!shown)
        buf_printf(b, "<p id=\"empty\">%s</p>", T(r, "Không có báo cáo nào đang chờ duyệt.", "No report is awaiting approval."));
    layout_end(r, b);
}

/* ------------------------------------------------------------------------
 * One report and the decision form
 * ------------------------------------------------------------------------ */

/* The latest version's values beside the previous version's. */
static void report_values(req_t *r, buf_t *b, const dataset_t *d, const ans_values_t *v, const ans_version_t *prev)
{
    const catalog_t *c = web_of(r)->cat;
    buf_printf(b, "<div class=\"scroll\"><table id=\"values\"><thead><tr><th>%s</th><th>%s %llu</th>",
               T(r, "Chỉ tiêu", "Indicator"), T(r, "Phiên bản", "Version"), (unsigned long long)v->version);
    if (prev)
        buf_printf(b, "<th>%s %llu</th>", T(r, "Phiên bản", "Version"), (unsigned long long)prev->version);
    buf_puts(b, "</tr></thead><tbody>");
    for (int k = 0; k < d->ninds; k++) {
        const indicator_t *in = &c->inds[d->inds[k]];
        if (in->kind == IND_RATE)
            continue;
        proto_value_t x, y;
        bool hx = view_value_of(&v->values, in->code, &x);
        bool hy = prev && view_value_of(&prev->values, in->code, &y);
        bool changed = prev && (hx != hy || (hx && !proto_value_same(&x, &y)));
        buf_printf(b, "<tr data-ind=\"%s\"%s><td>", in->code, changed ? " class=\"changed\"" : "");
        buf_esc(b, r->en && in->name_en[0] ? in->name_en : in->name_vi);
        buf_puts(b, "</td><td class=\"n\">");
        view_value(b, in, hx ? &x : NULL, r->en);
        view_comment(b, &v->comments, in->code);
        buf_puts(b, "</td>");
        if (prev) {
            buf_puts(b, "<td class=\"n\">");
            view_value(b, in, hy ? &y : NULL, r->en);
            buf_puts(b, "</td>");
        }
        buf_puts(b, "</tr>");
    }
    buf_puts(b, "</tbody></table></div>");
    if (prev)
        buf_printf(b, "<p class=\"note\">%s</p>",
                   T(r, "Dòng tô màu: số liệu khác với phiên bản trước.", "Highlighted rows differ from the previous version."));
}

static void decision_form(req_t *r, buf_t *b, const report_ref_t *ref, uint64_t version, const char *note)
{
    const catalog_t *c = web_of(r)->cat;
    buf_puts(b, "<form class=\"decide\" method=\"post\" action=\"/approve\">");
    auth_csrf_field(r, b);
    buf_puts(b, "<input type=\"hidden\" name=\"unit\" value=\"");
    buf_esc(b, c->units[ref->unit].code);
    buf_puts(b, "\"><input type=\"hidden\" name=\"dataset\" value=\"");
    buf_esc(b, c->datasets[ref->ds].code);
    buf_printf(b, "\"><input type=\"hidden\" name=\"period\" value=\"%s\">"
                  "<input type=\"hidden\" name=\"version\" value=\"%llu\">",
               ref->period, (unsigned long long)version);
    if (r->en)
        buf_puts(b, "<input type=\"hidden\" name=\"lang\" value=\"en\">");
    buf_printf(b, "<label>%s<br><textarea name=\"note\" rows=\"3\" maxlength=\"%d\" style=\"width:100%%\">",
               T(r, "Nhận xét (bắt buộc khi trả lại)", "Comment (required to return)"), ENTRY_NOTE_CHARS);
    buf_esc(b, note ? note : "");
    buf_printf(b, "</textarea></label><p><button name=\"decision\" value=\"approve\" id=\"approve\">%s</button> "
                  "<button name=\"decision\" value=\"return\" id=\"return\">%s</button></p></form>",
               T(r, "Duyệt", "Approve"), T(r, "Trả lại để sửa", "Return for correction"));
}

static const char *approval_text(req_t *r, const char *state)
{
    const char *label = decisions_approval_label(r, state);
    return label ? label : decisions_approval_label(r, "awaiting");
}

/* The report page; `problem` (a sentence) and `note` come back after a
 * refused or unanswered decision, with the form kept. */
static void page_report_view(req_t *r, resp_t *o, const report_ref_t *ref, int status, const char *problem,
                             const char *note)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    const unit_t *u = &c->units[ref->unit];
    const dataset_t *d = &c->datasets[ref->ds];
    client_answer_t va, ha;
    memset(&ha, 0, sizeof ha);
    proto_error_t err;
    proto_query_t q = agg_query("values", u->code, d->code, ref->period);
    int rc = agg_ask_q(&w->agg, &q, &va, &err);
    if (rc == PROTO_E_NOT_FOUND) {
        client_answer_free(&va);
        layout_error(r, o, 404, T(r, "Đơn vị chưa nộp báo cáo này.", "The unit has not sent this report."));
        return;
    }
    if (rc) {
        client_answer_free(&va);
        page_failed(r, o, &err);
        return;
    }
    const ans_values_t *v = &va.u.values;
    const ans_version_t *prev = NULL;
    q = agg_query("history", u->code, d->code, ref->period);
    q.limit = 2;
    if (v->version > 1 && !agg_ask_q(&w->agg, &q, &ha, &err) && ha.u.history.n_versions > 1)
        prev = &ha.u.history.versions[1];

    char lab[64];
    buf_t *b = &o->body;
    o->status = status;
    layout_place_t pl = {u->code, d->code, ref->period};
    layout_begin(r, b, T(r, "Duyệt báo cáo", "Approve a report"), "/approve", &pl);
    buf_puts(b, "<h1 id=\"title\">");
    buf_esc(b, catalog_dataset_name(c, ref->ds, r->en));
    buf_printf(b, "</h1><p>");
    buf_esc(b, u->name);
    buf_printf(b, " — %s · %s %llu · %s: <strong id=\"state\">%s</strong></p>",
               report_period_label(ref->p, r->en, lab, sizeof lab), T(r, "phiên bản", "version"),
               (unsigned long long)v->version, T(r, "Trạng thái", "State"), approval_text(r, v->approval));
    buf_printf(b, "<p>%s ", T(r, "Nhận lúc", "Received"));
    view_time(b, true, v->received_at);
    if (v->has_entered_by) {
        buf_printf(b, " · %s ", T(r, "người nhập", "entered by"));
        auth_user_name(r, b, v->entered_by);
    }
    buf_puts(b, "</p>");
    if (v->note[0]) {
        buf_printf(b, "<p>%s: ", T(r, "Ghi chú của đơn vị", "The unit's note"));
        buf_esc(b, v->note);
        buf_puts(b, "</p>");
    }
    if (v->has_decision_note && v->decision_note[0]) {
        buf_printf(b, "<p>%s: ", T(r, "Nhận xét khi quyết định", "Comment of the decision"));
        buf_esc(b, v->decision_note);
        buf_puts(b, "</p>");
    }
    if (problem) {
        buf_puts(b, "<p class=\"warn\" id=\"problem\">");
        buf_esc(b, problem);
        buf_puts(b, "</p>");
    }
    report_values(r, b, d, v, prev);
    if (!strcmp(v->approval, "awaiting") || problem)
        decision_form(r, b, ref, v->version, note);
    buf_puts(b, "<p><a ");
    view_href(b, r, "/unit", "code", u->code, "dataset", d->code, "period", ref->period, NULL);
    buf_printf(b, ">%s</a> · <a ", T(r, "Mọi phiên bản và quyết định", "Every version and decision"));
    view_href(b, r, "/approve", NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Về danh sách chờ duyệt", "Back to the queue"));
    layout_end(r, b);
    client_answer_free(&ha);
    client_answer_free(&va);
}

/* ------------------------------------------------------------------------
 * The decision
 * ------------------------------------------------------------------------ */

typedef struct {
    report_ref_t ref;
    char decision[16];
    char note[1025];
    char login[USERS_LOGIN_MAX + 1];
    uint64_t version;
} pending_t;

/* The DECIDE id: what was decided, hashed (see the top of the file). */
static void decision_id(const pending_t *d, const catalog_t *c, char out[40])
{
    crypto_generichash_state st;
    unsigned char h[16];
    char ver[24];
    snprintf(ver, sizeof ver, "%llu", (unsigned long long)d->version);
    const char *parts[] = {d->login, c->units[d->ref.unit].code, c->datasets[d->ref.ds].code, d->ref.period,
                           ver, d->decision, d->note};
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        crypto_generichash_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
    crypto_generichash_final(&st, h, sizeof h);
    memcpy(out, "web-d-", 6);
    sodium_bin2hex(out + 6, 34, h, sizeof h);
}

static void decided(req_t *r, const gateway_result_t *res, void *ud, resp_t *o)
{
    pending_t *d = ud;
    const catalog_t *c = web_of(r)->cat;
    if (res->rc == 0 && res->reply->type == PROTO_ACK) {
        char detail[128];
        snprintf(detail, sizeof detail, "%s %s v%llu", c->datasets[d->ref.ds].code, d->ref.period,
                 (unsigned long long)d->version);
        auth_audit(r, d->login, d->decision, c->units[d->ref.unit].code, detail);
        o->status = 303;
        snprintf(o->location, sizeof o->location, "/approve?done=%s%s", d->decision, r->en ? "&lang=en" : "");
    } else if (res->rc == 0) {
        page_report_view(r, o, &d->ref, 409, nack_sentence(res->reply->u.nack.code, r->en), d->note);
    } else {
        page_report_view(r, o, &d->ref, 503,
                         res->maybe_stored
                             ? T(r, "Máy chủ nhận báo cáo không trả lời kịp: quyết định có thể đã được ghi hoặc chưa. "
                                    "Hãy bấm lại nút quyết định; bấm lại không tạo bản ghi trùng.",
                                 "The collector did not answer in time: the decision may or may not be recorded. "
                                 "Press the button again; that never records it twice.")
                             : T(r, "Không gửi được tới máy chủ nhận báo cáo. Chưa có gì được ghi nhận; hãy thử lại sau.",
                                 "Could not reach the collector. Nothing was recorded; try again later."),
                         d->note);
    }
    free(d);
}

static void post_decision(req_t *r, resp_t *o, const users_session_t *s)
{
    web_t *w = web_of(r);
    pending_t *d = calloc(1, sizeof *d);
    if (!d)
        abort();
    const char *dec = http_form(r, "decision"), *note = http_form(r, "note"), *ver = http_form(r, "version");
    char *end = NULL;
    if (read_ref(r, o, s, true, &d->ref)) {
        free(d);
        return;
    }
    unsigned long long vn = ver ? strtoull(ver, &end, 10) : 0;
    if (!dec || (strcmp(dec, "approve") && strcmp(dec, "return")) || !ver || end == ver || *end || vn < 1) {
        free(d);
        layout_error(r, o, 400, T(r, "Biểu mẫu thiếu quyết định hoặc phiên bản. Hãy mở lại báo cáo từ danh sách chờ duyệt.",
                                  "The form lacks the decision or the version. Open the report again from the queue."));
        return;
    }
    d->version = vn;
    snprintf(d->decision, sizeof d->decision, "%s", dec);
    snprintf(d->login, sizeof d->login, "%s", s->user.login);
    if (note && strlen(note) >= sizeof d->note) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 r->en ? "The comment is too long: %zu bytes, at most %zu (about %d letters with diacritics)."
                       : "Nhận xét quá dài: %zu byte, tối đa %zu byte (khoảng %d chữ có dấu).",
                 strlen(note), sizeof d->note - 1, ENTRY_NOTE_CHARS);
        page_report_view(r, o, &d->ref, 400, msg, note);
        free(d);
        return;
    }
    /* the comment without the spaces and line ends around it: blank is no comment */
    size_t nl;
    const char *n0 = utf8_trim(note ? note : "", &nl);
    snprintf(d->note, sizeof d->note, "%.*s", (int)nl, n0);
    if (!strcmp(dec, "return") && !d->note[0]) {
        page_report_view(r, o, &d->ref, 400,
                         T(r, "Hãy ghi nhận xét: đơn vị cần biết phải sửa gì.", "Write a comment: the unit needs to know what to correct."),
                         NULL);
        free(d);
        return;
    }
    proto_msg_t m;
    memset(&m, 0, sizeof m);
    m.type = PROTO_DECIDE;
    proto_decide_t *x = &m.u.decide;
    decision_id(d, w->cat, x->id);
    snprintf(x->unit, sizeof x->unit, "%s", w->cat->units[d->ref.unit].code);
    snprintf(x->dataset, sizeof x->dataset, "%s", w->cat->datasets[d->ref.ds].code);
    snprintf(x->period, sizeof x->period, "%.6s", d->ref.period);
    snprintf(x->decision, sizeof x->decision, "%s", d->decision);
    snprintf(x->note, sizeof x->note, "%s", d->note);
    snprintf(x->entered_by, sizeof x->entered_by, "%s", d->login);
    x->version = d->version;
    char err[256];
    if (gateway_send(w->gw, r, &m, decided, d, err, sizeof err)) {
        layout_error(r, o, 500, err);
        free(d);
    }
}

/* ------------------------------------------------------------------------
 * The page
 * ------------------------------------------------------------------------ */

void page_approve(req_t *r, resp_t *o)
{
    const users_session_t *s = approver(r, o);
    if (!s)
        return;
    if (r->post) {
        post_decision(r, o, s);
        return;
    }
    if (!http_arg(r, "unit")) {
        page_queue(r, o, s);
        return;
    }
    report_ref_t ref;
    if (!read_ref(r, o, s, false, &ref))
        page_report_view(r, o, &ref, 200, NULL, NULL);
}
