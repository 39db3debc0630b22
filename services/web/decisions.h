/*
 * decisions.h -- what was decided about a unit's obligation, as a page
 * shows it: its extension (new last day and reason), its silenced
 * reminders, the approval state of its report (awaiting, approved,
 * returned), and the counters of the status answer.
 *
 * The fields come from the aggregator's answers (proto/answers.def:
 * unit_status.approval, due, due_reason, silenced; status.approved,
 * awaiting, returned, extended, silenced); each piece is shown only when
 * the answer gives it.
 */
#ifndef CCHC_WEB_DECISIONS_H
#define CCHC_WEB_DECISIONS_H

#include "answer.h"
#include "buf.h"
#include "http.h"

/* The approval state in words: Chờ duyệt / Đã duyệt / Bị trả lại để sửa
 * (NULL for another word). */
const char *decisions_approval_label(req_t *r, const char *approval);

/* A history's decisions (newest first) as a table (id="decisions"): when,
 * what (approved version N, returned, extended to dd/mm/yyyy, reminders
 * silenced or resumed), who (the user, else the key's unit), the comment
 * or reason.  Nothing when there are none. */
void decisions_table(req_t *r, buf_t *b, const ans_history_t *h);

/* data-approval, data-due (dd/mm/yyyy) and data-silenced attributes of a row. */
void decisions_row_data(buf_t *b, const ans_unit_status_t *x);
/* Under a unit's name: "Được gia hạn đến hết ngày dd/mm/yyyy: reason",
 * "Đã tạm dừng nhắc nộp cho kỳ này". */
void decisions_row_notes(req_t *r, buf_t *b, const ans_unit_status_t *x);
/* After a received report's status: Chờ duyệt / Đã duyệt / Bị trả lại để sửa. */
void decisions_row_approval(req_t *r, buf_t *b, const ans_unit_status_t *x);
/* Rows of a summary table for the status answer's decision counters
 * (id="n-approved"...); nothing while all are 0. */
void decisions_summary_rows(req_t *r, buf_t *b, const ans_status_t *st);

#endif
