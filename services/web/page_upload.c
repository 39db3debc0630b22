/*
 * page_upload.c -- reports as Excel files (lib/app/sheet.h) on the web:
 *
 *   GET  /entry/template.xlsx?unit=&dataset=&period=
 *        the template of a unit the signed-in reporter may report for (403
 *        otherwise): one row per unit it submits for, pre-filled with each
 *        unit's latest values when the aggregator answers;
 *   GET  /entry/upload        the page: a GET form for the template
 *        (dataset, period) and the upload form;
 *   POST /entry/upload        (multipart/form-data, field `file`) the filled
 *        file (an XLSX, or the template saved as CSV UTF-8: sheet_read_upload()
 *        tells them by their bytes) is read and checked as a whole: with any problem, every one is
 *        shown as Sheet!Cell in the reader's language and nothing is sent;
 *        otherwise each report is compared with the unit's latest version
 *        (QUERY values): an equal one is not sent ("unchanged"), every
 *        other is sent as one SUBMIT through the web's gateway key
 *        (entered_by: the user) with an id naming the version it corrects
 *        (sheet_report_rebase()), and each ACK (version) or NACK shown.
 *
 * The upload's body is collected by the HTTP layer (http_upload.c, up to
 * HTTP_MAX_UPLOAD); the rows go to the collector one after the other on one
 * worker (gateway_send_all()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "entry.h"
#include "nack.h"
#include "page.h"
#include "report.h"
#include "sheet.h"
#include "users.h"

/* ---- who may report for what ------------------------------------------------ */

/* The form's rule (entry_may_enter()): a reporter of unit u, or of a unit
 * that submits for u (parent_submits). */
static bool may_report(void *ud, int u)
{
    return entry_may_enter(ud, u);
}

/* Accounts on and a session: else answers (404, 403) and returns NULL. */
static const users_session_t *reporter(req_t *r, resp_t *o)
{
    const users_session_t *s = auth_session(r);
    if (!web_of(r)->users) {
        layout_error(r, o, 404, T(r, "Nộp báo cáo trên web cần bật tài khoản ([web] accounts).",
                                  "Reporting on the web needs accounts ([web] accounts)."));
        return NULL;
    }
    if (!s || !(s->user.roles & USERS_ROLE_REPORTER)) {
        layout_error(r, o, 403, T(r, "Chỉ người nhập báo cáo (vai trò reporter) mới dùng được trang này.",
                                  "Only a reporter may use this page."));
        return NULL;
    }
    return s;
}

/* ---- the template ------------------------------------------------------------- */

typedef struct {
    int unit, ds;
    period_t p;
    char period[PERIOD_CODE_MAX];
} place_t;

/* unit (default: the user's), dataset (default: the first the unit
 * reports), period (default: the page default).  Returns 0, or -1 after
 * answering 404, 403 or 400. */
static int place_of(req_t *r, resp_t *o, const users_session_t *s, place_t *pl)
{
    const catalog_t *c = web_of(r)->cat;
    const char *uc = http_arg(r, "unit"), *dc = http_arg(r, "dataset"), *pc = http_arg(r, "period");
    pl->unit = catalog_unit(c, uc && *uc ? uc : s->user.unit);
    if (pl->unit < 0) {
        layout_error(r, o, 404, T(r, "Không có đơn vị này trong danh mục.", "There is no such unit in the catalog."));
        return -1;
    }
    if (!may_report(r, pl->unit)) {
        layout_error(r, o, 403, T(r, "Bạn không được nhập báo cáo cho đơn vị này.", "You may not report for this unit."));
        return -1;
    }
    pl->ds = dc && *dc ? catalog_dataset(c, dc) : -1;
    for (int i = 0; !(dc && *dc) && i < c->ndatasets && pl->ds < 0; i++)
        if (catalog_must_report(c, i, pl->unit))
            pl->ds = i;
    if (pl->ds < 0 || !catalog_must_report(c, pl->ds, pl->unit)) {
        layout_error(r, o, 400, T(r, "Đơn vị không phải nộp mẫu báo cáo này.", "The unit does not report this dataset."));
        return -1;
    }
    if (!(pc && *pc)) { /* the upload page's form: one period list per type, period_quarter=... */
        char key[32];
        snprintf(key, sizeof key, "period_%s", period_type_name((period_type_t)c->datasets[pl->ds].ptype));
        pc = http_arg(r, key);
    }
    if (pc && *pc) {
        if (period_parse(pc, &pl->p) || pl->p.type != c->datasets[pl->ds].ptype) {
            layout_error(r, o, 400, T(r, "Kỳ báo cáo không hợp lệ cho mẫu báo cáo này.",
                                      "The period is not valid for this dataset."));
            return -1;
        }
    } else {
        pl->p = page_default_period(r, pl->unit, pl->ds);
    }
    if (!entry_period_open(c, pl->unit, pl->p, clock_now())) { /* the form's rule: no template it would refuse */
        layout_error(r, o, 400,
                     T(r, "Không nhập được báo cáo cho kỳ này (kỳ chưa bắt đầu, hoặc đơn vị chưa/không còn hoạt động).",
                       "No report can be entered for this period (it has not begun, or the unit did not exist)."));
        return -1;
    }
    period_format(pl->p, pl->period, sizeof pl->period);
    return 0;
}

/* A values answer's values as an array (malloc'ed; the tags point into
 * the answer), *n of them. */
static proto_value_t *values_of(const proto_values_t *v, uint32_t *n)
{
    proto_value_t *out = calloc(v->n ? v->n : 1, sizeof *out);
    if (!out)
        abort();
    *n = 0;
    for (uint32_t j = 0; j < v->n; j++)
        if (proto_values_at(v, j, &out[*n]) == 0)
            (*n)++;
    return out;
}

/* The units of the template's rows and their latest values (when the
 * aggregator answers); ans[i] keeps the values' bytes. */
static int rows_of(req_t *r, const place_t *pl, int *units, sheet_prefill_t *pf, int *npf, client_answer_t *ans,
                   proto_value_t **vals)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    int n = 0, all = sheet_units_for(c, pl->unit, pl->ds, pl->p, units, c->nunits);
    for (int i = 0; i < all; i++)
        if (may_report(r, units[i]))
            units[n++] = units[i];
    *npf = 0;
    for (int i = 0; i < n; i++) {
        proto_error_t err;
        int rc = agg_ask(&w->agg, "values", c->units[units[i]].code, c->datasets[pl->ds].code, pl->period, &ans[i], &err);
        if (rc == PROTO_E_UNAVAILABLE)
            break;
        if (rc)
            continue;
        uint32_t k;
        vals[i] = values_of(&ans[i].u.values.values, &k);
        pf[(*npf)++] = (sheet_prefill_t){units[i], vals[i], k};
    }
    return n;
}

void page_entry_template_xlsx(req_t *r, resp_t *o)
{
    const users_session_t *s = reporter(r, o);
    place_t pl;
    if (!s || place_of(r, o, s, &pl))
        return;
    const catalog_t *c = web_of(r)->cat;
    size_t nu = (size_t)c->nunits;
    int *units = calloc(nu, sizeof *units), npf = 0;
    sheet_prefill_t *pf = calloc(nu, sizeof *pf);
    client_answer_t *ans = calloc(nu, sizeof *ans);
    proto_value_t **vals = calloc(nu, sizeof *vals);
    if (!units || !pf || !ans || !vals)
        abort();
    int n = rows_of(r, &pl, units, pf, &npf, ans, vals);
    const char *tmpdir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/cchc-web-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    if (fd < 0 || sheet_write_xlsx(path, c, pl.unit, pl.ds, pl.p, units, n, pf, npf)) {
        if (fd >= 0)
            unlink(path);
        layout_error(r, o, 500, "Cannot write the spreadsheet.");
    } else {
        o->file = strdup(path);
        o->status = 200;
        o->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        snprintf(o->disposition, sizeof o->disposition, "attachment; filename=\"bao-cao-%s-%s-%s.xlsx\"",
                 c->units[pl.unit].code, c->datasets[pl.ds].code, pl.period);
    }
    for (size_t i = 0; i < nu; i++) {
        free(vals[i]);
        client_answer_free(&ans[i]);
    }
    free(units);
    free(pf);
    free(ans);
    free(vals);
}

/* ---- the page ---------------------------------------------------------------- */

static void begin(req_t *r, buf_t *b)
{
    layout_begin(r, b, T(r, "Nộp báo cáo bằng tệp Excel", "Report with an Excel file"), "/entry/upload", NULL);
    buf_printf(b, "<h1>%s</h1>", T(r, "Nộp báo cáo bằng tệp Excel", "Report with an Excel file"));
}

/* The periods of type t a template may be asked for, unit u: today's and
 * UPLOAD_LOOKBACK before it in which u was open, newest first. */
#define UPLOAD_LOOKBACK 8
static int recent_periods(const catalog_t *c, int u, period_type_t t, period_t *out)
{
    int n = 0;
    period_t p = period_of_day(date_of_time(clock_now()), t);
    for (int i = 0; i <= UPLOAD_LOOKBACK; i++, p = period_prev(p))
        if (catalog_open_in(c, u, p))
            out[n++] = p;
    return n;
}

/* The GET form that downloads the template of unit u: the datasets u
 * reports (by name) and, for each type of period among them, the recent
 * periods in words (named period when there is one type, else
 * period_<type>, which place_of() reads), the page's default selected. */
static void template_form(req_t *r, buf_t *b, int u)
{
    const catalog_t *c = web_of(r)->cat;
    int types[8], ntypes = 0, first_ds[8];
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"/entry/template.xlsx\" id=\"template\">");
    buf_printf(b, "<input type=\"hidden\" name=\"unit\" value=\"%s\">", c->units[u].code);
    buf_printf(b, "<label>%s<select name=\"dataset\">", T(r, "Mẫu báo cáo", "Dataset"));
    const char *want = http_arg(r, "dataset");
    for (int i = 0; i < c->ndatasets; i++) {
        if (!catalog_must_report(c, i, u))
            continue;
        int t = c->datasets[i].ptype, k = 0;
        while (k < ntypes && types[k] != t)
            k++;
        if (k == ntypes && ntypes < 8) {
            types[ntypes] = t;
            first_ds[ntypes++] = i;
        }
        buf_printf(b, "<option value=\"%s\"%s>", c->datasets[i].code,
                   want && !strcmp(want, c->datasets[i].code) ? " selected" : "");
        buf_esc(b, catalog_dataset_name(c, i, r->en));
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select></label>");
    for (int k = 0; k < ntypes; k++) {
        period_t ps[UPLOAD_LOOKBACK + 1], def = page_default_period(r, u, first_ds[k]);
        int n = recent_periods(c, u, (period_type_t)types[k], ps);
        const char *tn = period_type_name((period_type_t)types[k]);
        if (ntypes == 1)
            buf_printf(b, "<label>%s<select name=\"period\">", T(r, "Kỳ báo cáo", "Period"));
        else
            buf_printf(b, "<label>%s (%s)<select name=\"period_%s\">", T(r, "Kỳ báo cáo", "Period"),
                       view_period_type(tn, r->en), tn);
        bool listed = false;
        for (int i = 0; i <= n; i++) {
            period_t p = i < n ? ps[i] : def;
            bool sel = p.type == def.type && p.year == def.year && p.index == def.index;
            if (i == n && listed)
                break;
            listed |= sel;
            char pc[PERIOD_CODE_MAX], words[64];
            buf_printf(b, "<option value=\"%s\"%s>", period_format(p, pc, sizeof pc), sel ? " selected" : "");
            buf_esc(b, report_period_label(p, r->en, words, sizeof words));
            buf_puts(b, "</option>");
        }
        buf_puts(b, "</select></label>");
    }
    if (r->en)
        buf_puts(b, "<input type=\"hidden\" name=\"lang\" value=\"en\">");
    buf_printf(b, "<button>%s</button></form>", T(r, "Tải mẫu Excel", "Download the Excel template"));
}

static void upload_form(req_t *r, buf_t *b, const users_session_t *s)
{
    const catalog_t *c = web_of(r)->cat;
    int u = catalog_unit(c, s->user.unit);
    bool reports = false;
    for (int i = 0; u >= 0 && i < c->ndatasets; i++)
        reports |= catalog_must_report(c, i, u);
    buf_printf(b, "<p>%s</p><ol><li>", T(r, "Cách làm:", "How:"));
    if (u >= 0 && reports) {
        buf_printf(b, "%s ", T(r, "Chọn mẫu báo cáo và kỳ rồi tải mẫu Excel của", "Choose the dataset and the period and download the Excel template of"));
        buf_esc(b, c->units[u].name);
        buf_printf(b, " %s", T(r, "(mỗi đơn vị một dòng, có số liệu mới nhất nếu đã nộp).",
                               "(one row per unit, with the latest values if any)."));
        template_form(r, b, u);
    } else {
        buf_puts(b, T(r, "Tải mẫu Excel của đơn vị.", "Download the unit's Excel template."));
    }
    buf_printf(b, "</li><li>%s</li><li>%s</li></ol>",
               T(r, "Điền số liệu vào trang \"Báo cáo\"; dòng để trống thì không gửi, dòng giữ nguyên số liệu "
                    "của phiên bản mới nhất cũng không gửi (không thành bản sửa).",
                 "Fill in the sheet \"Báo cáo\"; an empty row is not sent, nor is a row that keeps the latest "
                 "version's values (it is no correction)."),
               T(r, "Chọn tệp đã điền (.xlsx, hoặc mẫu đã lưu dưới dạng \"CSV UTF-8\") rồi bấm Gửi. "
                    "Nếu có lỗi, không dòng nào được gửi.",
                 "Choose the filled file (.xlsx, or the template saved as \"CSV UTF-8\") and send it. "
                 "With any problem, no row is sent."));
    buf_printf(b, "<form method=\"post\" action=\"/entry/upload%s\" enctype=\"multipart/form-data\" id=\"upload\">",
               r->en ? "?lang=en" : "");
    auth_csrf_field(r, b);
    buf_printf(b, "<input type=\"file\" name=\"file\" accept=\".xlsx,.csv\" required> <button type=\"submit\">%s</button></form>",
               T(r, "Gửi", "Send"));
}

/* ---- the upload --------------------------------------------------------------- */

/* What the answer page needs of each row once the result is gone: every
 * report of the file in sheet order, those not sent (unchanged) marked. */
typedef struct {
    int n, nsent;
    struct {
        int row, unit;      /* sheet row, unit index */
        bool unchanged;     /* equal to the latest version: not sent */
        uint64_t version;   /* the unit's latest version before (0: none) */
        char id[65];
        char dataset[65], period[PERIOD_CODE_MAX];
    } rows[];
} sent_t;

/* The audit log's line of one sent row, as the form writes it (entry_post.c):
 * submit or submit_refused, the unit, and "dataset= period= ... id= via=upload". */
static void audit_row(req_t *r, const char *unit, const char *ds, const char *period, const gateway_result_t *res)
{
    const proto_msg_t *m = res->rc == 0 ? res->reply : NULL;
    char detail[512];
    if (m && m->type == PROTO_ACK)
        snprintf(detail, sizeof detail, "dataset=%s period=%s version=%llu%s id=%s via=upload", ds, period,
                 (unsigned long long)m->u.ack.version, strcmp(m->u.ack.status, "duplicate") ? "" : " duplicate",
                 m->u.ack.id);
    else if (m)
        snprintf(detail, sizeof detail, "dataset=%s period=%s refused=%s id=%s via=upload", ds, period,
                 m->u.nack.code, m->u.nack.id);
    else
        snprintf(detail, sizeof detail, "dataset=%s period=%s %s via=upload", ds, period,
                 res->maybe_stored ? "no_answer" : "not_sent");
    auth_audit(r, auth_session(r)->user.login, m && m->type == PROTO_ACK ? "submit" : "submit_refused", unit, detail);
}

static void row_outcome(req_t *r, buf_t *b, const gateway_result_t *res, int *ok)
{
    if (res->rc == 0 && res->reply->type == PROTO_ACK) {
        const proto_ack_t *k = &res->reply->u.ack;
        bool dup = !strcmp(k->status, "duplicate");
        buf_printf(b, "<td data-outcome=\"%s\" data-version=\"%llu\">%s %llu</td>", dup ? "duplicate" : "accepted",
                   (unsigned long long)k->version,
                   dup ? T(r, "Đã tiếp nhận trước đó, phiên bản", "Already received, version")
                       : T(r, "Đã tiếp nhận, phiên bản", "Accepted, version"),
                   (unsigned long long)k->version);
        (*ok)++;
    } else if (res->rc == 0) {
        const proto_nack_t *k = &res->reply->u.nack;
        buf_puts(b, "<td data-outcome=\"refused\" data-code=\"");
        buf_esc(b, k->code);
        buf_printf(b, "\">%s ", T(r, "Bị từ chối:", "Refused:"));
        buf_esc(b, nack_sentence(k->code, r->en));
        buf_puts(b, " (");
        buf_esc(b, k->code);
        buf_puts(b, ")</td>");
    } else {
        buf_printf(b, "<td data-outcome=\"%s\">%s</td>", res->maybe_stored ? "no_answer" : "not_sent",
                   res->maybe_stored ? T(r, "Không có trả lời: có thể đã được lưu; gửi lại tệp để biết.",
                                         "No answer: it may be stored; send the file again to find out.")
                                     : T(r, "Chưa gửi.", "Not sent."));
    }
}

/* The table of every report of the file (res[0..n): the sent ones, in order). */
static void render_sent(req_t *r, resp_t *o, const sent_t *st, const gateway_result_t *res, int n)
{
    const catalog_t *c = web_of(r)->cat;
    buf_t *b = &o->body;
    int ok = 0, same = 0, k = 0;
    begin(r, b);
    buf_printf(b, "<table id=\"sent\"><tr><th>%s</th><th>%s</th><th>%s</th></tr>", T(r, "Dòng", "Row"),
               T(r, "Đơn vị", "Unit"), T(r, "Kết quả", "Outcome"));
    for (int i = 0; i < st->n; i++) {
        const unit_t *u = &c->units[st->rows[i].unit];
        if (!st->rows[i].unchanged && k >= n)
            break; /* not answered: cannot happen (gateway_send_all() answers each) */
        buf_printf(b, "<tr data-unit=\"%s\"><td>%s!A%d</td><td>", u->code, SHEET_NAME_VI, st->rows[i].row);
        buf_esc(b, u->name);
        buf_printf(b, " <small class=\"code\">%s</small></td>", u->code);
        if (st->rows[i].unchanged) {
            buf_printf(b, "<td data-outcome=\"unchanged\" data-version=\"%llu\">%s %llu</td>",
                       (unsigned long long)st->rows[i].version,
                       T(r, "Không thay đổi so với phiên bản", "Unchanged from version"),
                       (unsigned long long)st->rows[i].version);
            same++;
        } else {
            audit_row(r, u->code, st->rows[i].dataset, st->rows[i].period, &res[k]);
            row_outcome(r, b, &res[k++], &ok);
        }
        buf_puts(b, "</tr>");
    }
    int nsent = st->nsent;
    buf_printf(b, "</table><p class=\"%s\" id=\"summary\">", ok == nsent ? "note" : "warn");
    if (nsent)
        buf_printf(b, T(r, "%d/%d báo cáo được tiếp nhận.", "%d of %d report(s) accepted."), ok, nsent);
    if (same)
        buf_printf(b, T(r, " %d báo cáo không thay đổi so với phiên bản mới nhất nên không gửi.",
                        " %d report(s) unchanged from the latest version, not sent."),
                   same);
    buf_puts(b, "</p>");
    layout_end(r, b);
    o->status = 200;
}

static void sent_done(req_t *r, const gateway_result_t *res, int n, void *ud, resp_t *o)
{
    render_sent(r, o, ud, res, n);
    free(ud);
}

/* Every problem of the file, nothing sent. */
static void show_problems(req_t *r, resp_t *o, const sheet_result_t *res, int status, const char *lead)
{
    buf_t *b = &o->body;
    begin(r, b);
    buf_puts(b, "<div class=\"err\" id=\"problems\"><p>");
    buf_esc(b, lead);
    buf_puts(b, "</p><ul>");
    for (int i = 0; i < res->nerrors; i++) {
        buf_puts(b, "<li>");
        buf_esc(b, res->errors[i]);
        buf_puts(b, "</li>");
    }
    buf_puts(b, "</ul></div>");
    upload_form(r, b, auth_session(r));
    layout_end(r, b);
    o->status = status;
}

/* Asks the aggregator each report's latest version: a report equal to it
 * is marked unchanged (not sent); any other gets the id that names the
 * version it corrects (sheet_report_rebase(); 0 when the unit has none),
 * so that a retry is the same id and a revert a new one.  Returns 0, or -1
 * with the aggregator's failure in err when it cannot tell (then nothing
 * is sent: a row might be no correction at all). */
static int latest_versions(req_t *r, sheet_result_t *res, sent_t *st, char *err, size_t errlen)
{
    web_t *w = web_of(r);
    for (int i = 0; i < res->nreports; i++) {
        sheet_report_t *rp = &res->reports[i];
        st->rows[i].row = rp->row;
        st->rows[i].unit = catalog_unit(w->cat, rp->unit);
        client_answer_t ans;
        proto_error_t e;
        memset(&ans, 0, sizeof ans);
        int rc = agg_ask(&w->agg, "values", rp->unit, rp->dataset, rp->period, &ans, &e);
        if (rc && rc != PROTO_E_NOT_FOUND) {
            agg_error_text(&e, err, errlen);
            client_answer_free(&ans);
            return -1;
        }
        uint64_t latest = 0;
        if (rc == 0) {
            const ans_values_t *v = &ans.u.values;
            uint32_t k;
            proto_value_t *vals = values_of(&v->values, &k);
            latest = v->version;
            const char *note = v->note ? v->note : "";
            st->rows[i].unchanged = sheet_report_unchanged(rp, vals, k, note, strlen(note));
            free(vals);
        }
        client_answer_free(&ans);
        st->rows[i].version = latest;
        sheet_report_rebase(rp, latest);
        snprintf(st->rows[i].id, sizeof st->rows[i].id, "%s", rp->id);
    }
    return 0;
}

static void take_upload(req_t *r, resp_t *o, const users_session_t *s)
{
    web_t *w = web_of(r);
    if (!r->upload) {
        layout_error(r, o, 400, T(r, "Hãy chọn tệp Excel đã điền.", "Choose the filled Excel file."));
        return;
    }
    sheet_opts_t opt = {.cat = w->cat,
                        .lang = r->en ? SHEET_LANG_EN : SHEET_LANG_VI,
                        .file = r->upload_name[0] ? r->upload_name : "upload",
                        .may_submit = may_report,
                        .ud = r,
                        .now = clock_now()};
    sheet_result_t res;
    int rc = sheet_read_upload(r->upload, r->upload_len, &opt, &res);
    char lead[256];
    if (rc) {
        snprintf(lead, sizeof lead,
                 T(r, "Tệp có %d lỗi; không báo cáo nào được gửi. Sửa hết các ô sau rồi gửi lại:",
                   "The file has %d problem(s); nothing was sent. Fix every cell below and send it again:"),
                 res.nfound);
        char detail[300];
        snprintf(detail, sizeof detail, "file=%.100s problems=%d via=upload", opt.file, res.nfound);
        auth_audit(r, s->user.login, "upload_refused", s->user.unit, detail);
        show_problems(r, o, &res, 422, lead);
        sheet_result_free(&res);
        return;
    }
    int n = res.nreports;
    proto_msg_t *msgs = calloc((size_t)n, sizeof *msgs);
    sent_t *st = calloc(1, sizeof *st + (size_t)n * sizeof st->rows[0]);
    if (!msgs || !st)
        abort();
    st->n = n;
    char err[512];
    if (latest_versions(r, &res, st, err, sizeof err)) { /* nothing sent: cannot tell a correction */
        snprintf(lead, sizeof lead,
                 T(r, "Tệp hợp lệ (%d báo cáo) nhưng chưa gửi: không hỏi được phiên bản mới nhất của các đơn vị "
                      "(máy chủ tổng hợp: %s). Hãy gửi lại tệp sau ít phút.",
                   "The file is valid (%d report(s)) but was not sent: the units' latest versions could not be "
                   "asked (aggregator: %s). Send the file again in a few minutes."),
                 n, err);
        free(st);
        free(msgs);
        sheet_result_t none = {0};
        show_problems(r, o, &none, 503, lead);
        sheet_result_free(&res);
        return;
    }
    int m = 0;
    for (int i = 0; i < n; i++) {
        const sheet_report_t *rp = &res.reports[i];
        snprintf(st->rows[i].dataset, sizeof st->rows[i].dataset, "%s", rp->dataset);
        snprintf(st->rows[i].period, sizeof st->rows[i].period, "%.6s", rp->period);
        if (st->rows[i].unchanged)
            continue;
        proto_submit_t *sm = &msgs[m].u.submit;
        msgs[m++].type = PROTO_SUBMIT;
        snprintf(sm->id, sizeof sm->id, "%s", rp->id);
        snprintf(sm->unit, sizeof sm->unit, "%s", rp->unit);
        snprintf(sm->dataset, sizeof sm->dataset, "%s", rp->dataset);
        memcpy(sm->period, rp->period, sizeof sm->period - 1);
        snprintf(sm->note, sizeof sm->note, "%s", rp->note);
        snprintf(sm->entered_by, sizeof sm->entered_by, "%s", s->user.login);
        sm->values.n = rp->nvalues;
        sm->values.items = rp->values;
    }
    st->nsent = m;
    if (m == 0) { /* every row unchanged: nothing to send */
        render_sent(r, o, st, NULL, 0);
        free(st);
        free(msgs);
        sheet_result_free(&res);
        return;
    }
    rc = gateway_send_all(w->gw, r, msgs, m, sent_done, st, err, sizeof err);
    if (rc) { /* nothing sent: the file is fine, the web cannot send */
        snprintf(lead, sizeof lead,
                 T(r, "Tệp hợp lệ (%d báo cáo) nhưng chưa gửi được: %s",
                   "The file is valid (%d report(s)) but was not sent: %s"),
                 m, rc == GATEWAY_E_OFF ? T(r, "máy chủ web chưa có khóa gửi báo cáo ([web] gateway_key).",
                                            "the web has no gateway key ([web] gateway_key).")
                                        : err);
        free(st);
        sheet_result_t none = {0};
        show_problems(r, o, &none, 503, lead);
    }
    free(msgs);
    sheet_result_free(&res);
}

void page_entry_upload(req_t *r, resp_t *o)
{
    const users_session_t *s = reporter(r, o);
    if (!s)
        return;
    if (r->post) {
        take_upload(r, o, s);
        return;
    }
    buf_t *b = &o->body;
    begin(r, b);
    upload_form(r, b, s);
    layout_end(r, b);
    o->status = 200;
}
