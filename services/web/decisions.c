/*
 * decisions.c -- the central office's and the heads' decisions as the pages
 * show them (see decisions.h).
 */
#include <string.h>

#include "civil.h"
#include "decisions.h"
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
        buf_printf(b, "<br><small class=\"note ext\">%s ", T(r, "Được gia hạn đến hết ngày", "Extended to the end of"));
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
void decisions_row_approval(req_t *r, buf_t *b, const ans_unit_status_t *x)
{
    if (!x->has_approval || !x->approval)
        return;
    const char *a = x->approval;
    const char *label = !strcmp(a, "approved")   ? T(r, "Đã duyệt", "Approved")
                        : !strcmp(a, "awaiting") ? T(r, "Chờ duyệt", "Awaiting approval")
                        : !strcmp(a, "returned") ? T(r, "Bị trả lại để sửa", "Returned for correction")
                                                 : NULL;
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

