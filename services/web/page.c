/*
 * page.c -- common parameters, failed QUERYs, JSON answers (see page.h).
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "clock.h"
#include "page.h"

int page_params(req_t *r, resp_t *o, page_params_t *pp, const char *node_key)
{
    const catalog_t *c = web_of(r)->cat;
    char msg[400];
    const char *node = http_arg(r, node_key);
    pp->node = node ? catalog_unit(c, node) : auth_default_node(r);
    if (pp->node < 0) {
        snprintf(msg, sizeof msg,
                 T(r, "Không có đơn vị mã '%s' trong danh mục đơn vị. Hãy chọn đơn vị từ trang Tổng quan.",
                   "There is no unit '%s' in the catalog. Choose a unit from the Overview page."),
                 node ? node : "");
        layout_error(r, o, 404, msg);
        return -1;
    }
    if (!auth_may_see(r, pp->node)) { /* accounts: a unit outside the reader's subtree */
        layout_error(r, o, 403, T(r, "Bạn không có quyền xem đơn vị này.", "You may not see this unit."));
        return -1;
    }
    const char *ds = http_arg(r, "dataset");
    pp->ds = ds ? catalog_dataset(c, ds) : 0;
    if (pp->ds < 0 || pp->ds >= c->ndatasets) {
        snprintf(msg, sizeof msg,
                 T(r, "Không có loại báo cáo '%s' trong danh mục. Hãy chọn loại báo cáo trong danh sách.",
                   "There is no report '%s' in the catalog. Choose one from the list."),
                 ds ? ds : "");
        layout_error(r, o, 400, msg);
        return -1;
    }
    const char *per = http_arg(r, "period");
    if (per) {
        if (period_parse(per, &pp->p)) {
            snprintf(msg, sizeof msg, "%s", page_bad_period(r, per));
            layout_error(r, o, 400, msg);
            return -1;
        }
    } else {
        pp->p = page_default_period(r, pp->node, pp->ds);
    }
    period_format(pp->p, pp->period, sizeof pp->period);
    return 0;
}

/* true when the aggregator knows at least one report of dataset ds for
 * period p in the subtree of `node`. */
static bool has_reports(req_t *r, const char *node, const char *ds, period_t p)
{
    web_t *w = web_of(r);
    char pc[PERIOD_CODE_MAX];
    client_answer_t a;
    proto_error_t err;
    period_format(p, pc, sizeof pc);
    memset(&a, 0, sizeof a);
    bool yes = !agg_ask(&w->agg, "status", node, ds, pc, &a, &err) && a.u.status.received > 0;
    client_answer_free(&a);
    return yes;
}

const char *page_bad_period(req_t *r, const char *given)
{
    static _Thread_local char msg[400];
    snprintf(msg, sizeof msg,
             T(r, "Kỳ báo cáo '%s' không hợp lệ: hãy viết 202509 (tháng 9/2025), 2025Q3 (quý 3/2025), 2025S2 (6 "
                  "tháng cuối năm 2025) hoặc 2025 (năm 2025).",
               "'%s' is not a period: write 202509 (month), 2025Q3 (quarter), 2025S2 (half-year) or 2025 (year)."),
             given);
    return msg;
}

period_t page_default_period(req_t *r, int node, int ds)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *d = &c->datasets[ds];
    int64_t now = clock_now();
    period_t today = period_of_day(date_of_time(now), d->ptype);
    if (now < calendar_deadline(c->calendar, today, d->due_day, d->roll_forward))
        return today;
    period_t p = today;
    for (int i = 0; i <= PAGE_DEFAULT_LOOKBACK; i++, p = period_prev(p))
        if (has_reports(r, c->units[node].code, d->code, p))
            return p;
    return today;
}

layout_place_t page_place(req_t *r, const page_params_t *pp)
{
    const catalog_t *c = web_of(r)->cat;
    return (layout_place_t){.node = c->units[pp->node].code,
                            .dataset = http_arg(r, "dataset") ? c->datasets[pp->ds].code : NULL,
                            .period = pp->period};
}

/* What a failed QUERY answers, by its code: the HTTP status and the sentence
 * the reader sees before the aggregator's own (which names the code).  The
 * first row serves every code not listed: the aggregator refused. */
static const struct {
    int code;
    int status;
    const char *vi, *en;
} FAILURES[] = {
    {0, 400, "Bộ tổng hợp số liệu không trả lời được câu hỏi này.", "The aggregator cannot answer this question."},
    {PROTO_E_UNAVAILABLE, 503, "Không kết nối được với bộ tổng hợp số liệu (aggregator); trang sẽ tự thử lại.",
     "The aggregator does not answer; this page will retry."},
    {PROTO_E_NOT_FOUND, 404, "Chưa có số liệu cho đơn vị, mẫu báo cáo và kỳ này.",
     "Nothing is known for this unit, dataset and period."},
    {PROTO_E_UNKNOWN_UNIT, 404, "Đơn vị không có trong danh mục của bộ tổng hợp.",
     "The unit is not in the aggregator's catalog."},
    {PROTO_E_UNKNOWN_DATASET, 404, "Mẫu báo cáo không có trong danh mục của bộ tổng hợp.",
     "The dataset is not in the aggregator's catalog."},
    {PROTO_E_UNKNOWN_INDICATOR, 404, "Chỉ tiêu không có trong danh mục của bộ tổng hợp.",
     "The indicator is not in the aggregator's catalog."},
    {PROTO_E_PERIOD, 400, "Kỳ báo cáo không hợp lệ hoặc không đúng loại kỳ của mẫu báo cáo.",
     "The period is not valid, or not of the dataset's type."},
    {PROTO_E_BUSY, 400, "Bộ tổng hợp số liệu đang bận (đang tính lại số liệu); hãy thử lại sau.",
     "The aggregator is busy (rebuilding its figures); try again later."},
};

void page_failed(req_t *r, resp_t *o, const proto_error_t *err)
{
    size_t i = sizeof FAILURES / sizeof FAILURES[0];
    while (--i > 0 && FAILURES[i].code != (int)err->code)
        ;
    char msg[400];
    layout_failure(r, o, FAILURES[i].status, T(r, FAILURES[i].vi, FAILURES[i].en),
                   agg_error_text(err, msg, sizeof msg));
}

void page_json(resp_t *o, json_t *j)
{
    o->status = 200;
    o->ctype = "application/json; charset=utf-8";
    buf_json(&o->body, j);
    json_decref(j);
}
