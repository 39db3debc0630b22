/*
 * decisions.c -- the central office's and the heads' decisions as the pages
 * show them (see decisions.h).
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "civil.h"
#include "decisions.h"
#include "page.h"
#include "view.h"

/* data-approval, data-due (dd/mm/yyyy, the last day) and data-silenced of
 * a unit's row, when the aggregator gives them. */
void decisions_row_data(buf_t *b, const ans_unit_status_t *x)
{
    if (x->has_approval && x->approval) {
        buf_puts(b, " data-approval=\"");
        buf_esc(b, x->approval);
        buf_puts(b, "\"");
    }
    if (x->has_due) {
        buf_puts(b, " data-due=\"");
        view_date(b, date_of_time(x->due - 1));
        buf_puts(b, "\"");
    }
    if (x->has_silenced && x->silenced)
        buf_puts(b, " data-silenced=\"1\"");
}

/* Under the unit's name: its extension (new last day, reason) and its
 * silenced reminders -- the central office's decisions. */
void decisions_row_notes(req_t *r, buf_t *b, const ans_unit_status_t *x)
{
    if (x->has_due) {
        buf_printf(b, "<br><small class=\"note ext\">%s ", T(r, "Được gia hạn đến hết ngày", "Extended until"));
        view_date(b, date_of_time(x->due - 1));
        if (x->has_due_reason && x->due_reason && *x->due_reason) {
            buf_puts(b, ": ");
            buf_esc(b, x->due_reason);
        }
        buf_puts(b, "</small>");
    }
    if (x->has_silenced && x->silenced)
        buf_printf(b, "<br><small class=\"note sil\">%s</small>",
                   T(r, "Đã tạm dừng nhắc nộp cho kỳ này", "Reminders silenced for this period"));
}

/* After the status: received is not yet approved -- awaiting, approved or
 * returned for correction. */
const char *decisions_approval_label(req_t *r, const char *a)
{
    return !a                         ? NULL
           : !strcmp(a, "approved") ? T(r, "Đã duyệt", "Approved")
           : !strcmp(a, "awaiting") ? T(r, "Chờ duyệt", "Awaiting approval")
           : !strcmp(a, "returned") ? T(r, "Bị trả lại để sửa", "Returned for correction")
                                    : NULL;
}

/* One decision in words: "Duyệt phiên bản 2", "Gia hạn đến hết ngày 20/12/2025"... */
static void decision_words(req_t *r, buf_t *b, const ans_decision_t *d)
{
    const char *k = d->decision;
    if (!strcmp(k, "approve") || !strcmp(k, "return")) {
        buf_printf(b, "%s %llu", !strcmp(k, "approve") ? T(r, "Duyệt phiên bản", "Approved version")
                                                        : T(r, "Trả lại để sửa phiên bản", "Returned for correction: version"),
                   (unsigned long long)d->version);
    } else if (!strcmp(k, "extend")) {
        int y, m, dd;
        buf_puts(b, T(r, "Gia hạn đến hết ngày", "Extended until"));
        if (d->has_due && d->due && sscanf(d->due, "%4d-%2d-%2d", &y, &m, &dd) == 3)
            buf_printf(b, " %02d/%02d/%04d", dd, m, y);
    } else if (!strcmp(k, "silence")) {
        buf_puts(b, T(r, "Tạm dừng nhắc nộp", "Reminders silenced"));
    } else if (!strcmp(k, "unsilence")) {
        buf_puts(b, T(r, "Nhắc nộp trở lại", "Reminders resumed"));
    } else {
        buf_esc(b, k);
    }
}

void decisions_table(req_t *r, buf_t *b, const ans_history_t *h)
{
    if (!h->n_decisions)
        return;
    buf_printf(b, "<h2>%s</h2><div class=\"scroll\"><table id=\"decisions\"><thead><tr><th>%s</th><th>%s</th>"
                  "<th>%s</th><th>%s</th></tr></thead><tbody>",
               T(r, "Các quyết định (mới nhất trước)", "Decisions (newest first)"), T(r, "Thời điểm", "When"),
               T(r, "Quyết định", "Decision"), T(r, "Người quyết định", "Decided by"),
               T(r, "Nhận xét / lý do", "Comment / reason"));
    for (uint32_t i = 0; i < h->n_decisions; i++) {
        const ans_decision_t *d = &h->decisions[i];
        buf_printf(b, "<tr data-decision=\"");
        buf_esc(b, d->decision);
        buf_printf(b, "\" data-version=\"%llu\"><td>", (unsigned long long)d->version);
        view_time(b, true, d->received_at);
        buf_puts(b, "</td><td>");
        decision_words(r, b, d);
        buf_puts(b, "</td><td>");
        if (d->has_entered_by && d->entered_by && *d->entered_by) { /* a person, on the web */
            auth_user_name(r, b, d->entered_by);
        } else { /* a unit's key (cchc decide): the unit */
            int su = catalog_unit(web_of(r)->cat, d->submitter);
            buf_esc(b, su >= 0 ? web_of(r)->cat->units[su].name : d->submitter);
        }
        buf_puts(b, "</td><td>");
        buf_esc(b, d->note);
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div>");
}

void decisions_row_approval(req_t *r, buf_t *b, const ans_unit_status_t *x)
{
    if (!x->has_approval || !x->approval)
        return;
    const char *a = x->approval;
    const char *label = decisions_approval_label(r, a);
    if (!label)
        return;
    buf_puts(b, "<br><small class=\"appr appr-");
    buf_esc(b, a);
    buf_printf(b, "\">%s</small>", label);
}

/* The decisions' counters of the status answer (approval, extensions,
 * silences), as rows of the summary; none while all are 0. */
void decisions_summary_rows(req_t *r, buf_t *b, const ans_status_t *st)
{
    const struct {
        const char *id, *vi, *en;
        long long n;
    } rows[] = {{"approved", "Đã duyệt", "Approved", (long long)st->approved},
                {"awaiting", "Chờ duyệt", "Awaiting approval", (long long)st->awaiting},
                {"returned", "Bị trả lại để sửa", "Returned for correction", (long long)st->returned},
                {"extended", "Được gia hạn", "Extended", (long long)st->extended},
                {"silenced", "Tạm dừng nhắc nộp", "Reminders silenced", (long long)st->silenced}};
    long long any = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        any += rows[i].n;
    if (!any)
        return;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        buf_printf(b, "<tr><th>%s</th><td class=\"n\" id=\"n-%s\" data-count=\"%lld\">", T(r, rows[i].vi, rows[i].en),
                   rows[i].id, rows[i].n);
        view_int(b, rows[i].n, r->en);
        buf_puts(b, "</td></tr>");
    }
}

