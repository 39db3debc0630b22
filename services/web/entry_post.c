/*
 * entry_post.c -- POST /entry: "Lưu nháp" keeps the form as the draft;
 * "Gửi báo cáo" keeps it too and then sends it as a SUBMIT through the
 * gateway key (gateway.h), the request suspended meanwhile.  The answer is
 * the form again with the outcome: the ACK ("Đã nhận, phiên bản N"), the
 * NACK's sentence beside the fields it names, or -- when the collector did
 * not answer -- a warning that the report may not have been received and
 * that pressing again is safe.
 *
 * The submission id is derived from unit/dataset/period, the draft's rev
 * and its content: the same content sent again (a retry after no answer)
 * is the same id, which the collector answers "duplicate" instead of
 * storing twice; a changed form is a new rev, a new id, a new version.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "clock.h"
#include "entry.h"
#include "log.h"
#include "nack.h"
#include "store.h"
#include "utf8.h"

#define ENTRY_VALUES_MAX 256 /* values in one SUBMIT (messages.def) */

/* ------------------------------------------------------------------------
 * The posted form -> content, with the type checks made here
 * ------------------------------------------------------------------------ */

/* A count as a person types it, in the page's language: digits, maybe
 * grouped by threes with the language's thousands sign ('.' in Vietnamese,
 * ',' in English) or spaces -- "1.234", "1 234" -- and an optional '-' (the
 * collector refuses negatives with its own sentence).  Writes the bare
 * digits into out (NUL-terminated, at most 20 bytes) and returns NULL, or
 * returns the sentence saying what is wrong. */
static const char *read_count(req_t *r, const char *s, char out[20])
{
    const char group = r->en ? ',' : '.', decimal = r->en ? '.' : ',';
    size_t n = 0, run = 0, groups = 0;
    bool bad_group = false;
    if (*s == '-')
        out[n++] = *s++;
    for (const char *p = s; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (n < 19)
                out[n] = *p;
            n++;
            run++;
        } else if (*p == group || *p == ' ') {
            if (run == 0 || (groups ? run != 3 : run > 3))
                bad_group = true;
            groups++;
            run = 0;
        } else if (*p == decimal) {
            return T(r, "Hãy nhập số nguyên, không có phần thập phân.", "Enter a whole number, with no decimals.");
        } else {
            return T(r, "Hãy nhập một số nguyên, chỉ gồm chữ số (ví dụ 12 hoặc 1.234).",
                     "Enter a whole number, digits only (e.g. 12 or 1,234).");
        }
    }
    if (run == 0 || (groups && run != 3) || bad_group)
        return T(r, "Nhóm chữ số không đúng: viết 1234 hoặc 1.234 (mỗi nhóm ba chữ số).",
                 "Misplaced thousands separator: write 1234 or 1,234 (groups of three digits).");
    if (n > 18 + (out[0] == '-'))
        return T(r, "Số quá lớn.", "The number is too large.");
    out[n] = '\0';
    return NULL;
}

/* Sets the sentence (HTML) beside field pos, after any it already has. */
static void set_err(entry_view_t *v, int pos, const char *html)
{
    if (pos < 0 || pos >= 256)
        return;
    char *old = v->field_err[pos], *joined = NULL;
    if (old && asprintf(&joined, "%s<br>%s", old, html) < 0)
        joined = NULL;
    free(old);
    v->field_err[pos] = joined ? joined : strdup(html);
}

/* true when s (n bytes) is UTF-8 of at most ENTRY_COMMENT_CHARS characters
 * and PROTO_STRMAP_TEXT_MAX bytes. */
static bool comment_fits(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0, k; i < n; i += k, chars++)
        if (!(k = utf8_seq((const unsigned char *)s + i, n - i)))
            return false;
    return chars <= ENTRY_COMMENT_CHARS && n <= PROTO_STRMAP_TEXT_MAX;
}

/* The comments beside values into `out` (code -> text, trimmed, the empty
 * ones left out); returns the number that do not fit. */
static int read_comments(req_t *r, entry_view_t *v, json_t *out)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *d = &c->datasets[v->pl.ds];
    int bad = 0;
    for (int k = 0; k < d->ninds && k < 256; k++) {
        const indicator_t *in = &c->inds[d->inds[k]];
        char name[160];
        const char *s = in->kind == IND_RATE ? NULL : http_form(r, entry_comment_field(in->code, name, sizeof name));
        if (!s)
            continue;
        size_t n;
        s = utf8_trim(s, &n);
        if (!n)
            continue;
        json_object_set_new(out, in->code, json_stringn(s, n));
        if (!comment_fits(s, n)) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     r->en ? "The comment is too long: %d characters at most." : "Ghi chú quá dài: tối đa %d ký tự.",
                     ENTRY_COMMENT_CHARS);
            set_err(v, k, msg);
            bad++;
        }
    }
    return bad;
}

/* Reads the form into v->content; returns the number of fields that are
 * not of their type (each given its sentence). */
static int read_form(req_t *r, entry_view_t *v)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *d = &c->datasets[v->pl.ds];
    json_t *vals = json_object();
    int bad = 0;
    for (int k = 0; k < d->ninds && k < 256; k++) {
        const indicator_t *in = &c->inds[d->inds[k]];
        char name[160];
        entry_field(in->code, NULL, name, sizeof name);
        if (in->kind == IND_RATE)
            continue;
        if (in->kind == IND_BOOL) {
            json_object_set_new(vals, in->code, json_boolean(http_form(r, name) != NULL));
        } else if (in->kind == IND_TAGS) {
            json_t *a = json_array();
            for (int t = 0; t < in->ntags; t++)
                if (http_form(r, entry_field(in->code, in->tags[t], name, sizeof name)))
                    json_array_append_new(a, json_string(in->tags[t]));
            json_object_set_new(vals, in->code, a);
        } else {
            const char *s = http_form(r, name);
            char t[64], digits[20];
            size_t n = 0; /* blanks around a number are no mistake */
            s = s ? utf8_trim(s, &n) : "";
            if (n >= sizeof t)
                n = sizeof t - 1;
            memcpy(t, s, n);
            t[n] = '\0';
            const char *why = n ? read_count(r, t, digits) : NULL;
            json_object_set_new(vals, in->code, json_string(n && !why ? digits : t)); /* kept as typed when wrong */
            if (why) {
                set_err(v, k, why);
                bad++;
            }
        }
    }
    json_t *comments = json_object();
    bad += read_comments(r, v, comments);
    const char *note = http_form(r, "note");
    v->content = json_pack("{s:o, s:o, s:s}", "values", vals, "comments", comments, "note", note ? note : "");
    if (note && strlen(note) > ENTRY_NOTE_MAX) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 r->en ? "The note is too long: %zu bytes, at most %d (about %d letters with diacritics)."
                       : "Ghi chú quá dài: %zu byte, tối đa %d byte (khoảng %d chữ có dấu).",
                 strlen(note), (int)ENTRY_NOTE_MAX, ENTRY_NOTE_CHARS);
        free(v->note_err);
        v->note_err = strdup(msg);
        bad++;
    }
    return bad;
}

/* ------------------------------------------------------------------------
 * content -> SUBMIT
 * ------------------------------------------------------------------------ */

/* "web-2025Q4-r3-1a2b3c4d5e6f": unit/dataset/period, rev and content hashed. */
static void submission_id(const entry_view_t *v, const char *unit, const char *ds, char *out, size_t len)
{
    char head[256];
    snprintf(head, sizeof head, "%s/%s/%s/%u/", unit, ds, v->pl.period, v->draft.rev);
    unsigned char h[6];
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)head, strlen(head));
    crypto_generichash_update(&st, (const unsigned char *)v->draft.content, strlen(v->draft.content));
    crypto_generichash_final(&st, h, sizeof h);
    snprintf(out, len, "web-%s-r%u-%02x%02x%02x%02x%02x%02x", v->pl.period, v->draft.rev, h[0], h[1], h[2], h[3],
             h[4], h[5]);
}

/* Fills m (a SUBMIT) from v->content; values point into vals (n of them),
 * comments into cms, both into the content's strings. */
static void build_submit(req_t *r, const entry_view_t *v, proto_msg_t *m, proto_value_t *vals, proto_strpair_t *cms)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *d = &c->datasets[v->pl.ds];
    const json_t *cv = json_object_get(v->content, "values");
    proto_submit_t *s = &m->u.submit;
    memset(m, 0, sizeof *m);
    m->type = PROTO_SUBMIT;
    submission_id(v, c->units[v->pl.unit].code, d->code, s->id, sizeof s->id);
    snprintf(s->unit, sizeof s->unit, "%s", c->units[v->pl.unit].code);
    snprintf(s->dataset, sizeof s->dataset, "%s", d->code);
    snprintf(s->period, sizeof s->period, "%.6s", v->pl.period);
    snprintf(s->note, sizeof s->note, "%s", json_string_value(json_object_get(v->content, "note")));
    snprintf(s->entered_by, sizeof s->entered_by, "%s", auth_session(r)->user.login);
    uint32_t n = 0;
    for (int k = 0; k < d->ninds && n < ENTRY_VALUES_MAX; k++) {
        const indicator_t *in = &c->inds[d->inds[k]];
        const json_t *x = json_object_get(cv, in->code);
        proto_value_t *pv = &vals[n];
        memset(pv, 0, sizeof *pv);
        snprintf(pv->code, sizeof pv->code, "%s", in->code);
        if (in->kind == IND_RATE || !x) {
            continue;
        } else if (in->kind == IND_BOOL) {
            pv->kind = PV_BOOL;
            pv->i = json_is_true(x);
        } else if (in->kind == IND_TAGS) {
            pv->kind = PV_TAGS;
            size_t i;
            json_t *t;
            json_array_foreach(x, i, t) if (pv->ntags < PROTO_TAGS_MAX && json_is_string(t))
                pv->tags[pv->ntags++] = (proto_str_t){json_string_value(t), (uint32_t)json_string_length(t)};
        } else {
            const char *txt = json_string_value(x);
            if (!txt || !*txt)
                continue; /* not reported: the collector says whether it is required */
            pv->kind = PV_INT;
            pv->i = strtoll(txt, NULL, 10);
        }
        n++;
    }
    s->values.n = n;
    s->values.items = vals;
    const char *code;
    const json_t *t;
    uint32_t nc = 0;
    json_object_foreach((json_t *)json_object_get(v->content, "comments"), code, t)
    {
        if (nc < ENTRY_VALUES_MAX && json_is_string(t) && json_string_length(t))
            cms[nc++] = (proto_strpair_t){{code, (uint32_t)strlen(code)},
                                          {json_string_value(t), (uint32_t)json_string_length(t)}};
    }
    s->comments.n = nc;
    s->comments.items = cms;
}

/* ------------------------------------------------------------------------
 * The collector's answer -> the page
 * ------------------------------------------------------------------------ */

/* The sentence beside each field a NACK concerns (the page's own sentence
 * for the code is nack_sentence(), nack.h). */
typedef struct {
    const char *code, *field_vi, *field_en;
} refusal_t;

static const refusal_t refusals[] = {
    {"E_VALUE", "Giá trị không hợp lệ hoặc vượt mức tối đa.", "Not a valid value, or above the maximum."},
    {"E_NEGATIVE", "Không được nhập số âm.", "Cannot be negative."},
    {"E_INCOMPLETE", "Chỉ tiêu bắt buộc: hãy nhập số liệu (0 nếu không có).", "Required: enter a value (0 if none)."},
    {"E_RATIO", "Số này lớn hơn số tổng tương ứng.", "Larger than its total."},
    {"E_TAG", "Không thuộc danh mục.", "Not in the list."},
};

static const refusal_t *refusal_of(const char *code)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (!strcmp(refusals[i].code, code))
            return &refusals[i];
    return NULL;
}

static bool code_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '.' || ch == ':' || ch == '-';
}

/* true when `code` appears in msg as a whole word. */
static bool names(const char *msg, const char *code)
{
    size_t n = strlen(code);
    for (const char *p = strstr(msg, code); p; p = strstr(p + 1, code))
        if ((p == msg || !code_char(p[-1])) && !code_char(p[n]))
            return true;
    return false;
}

/* E_RATIO beside one of its two fields: the part says it exceeds its total
 * by name, the total that it is smaller than its part.  Returns false when
 * indicator `ind` is neither side of a ratio the message names. */
static bool ratio_sentence(req_t *r, const proto_nack_t *n, int ind, buf_t *b)
{
    const catalog_t *c = web_of(r)->cat;
    for (int i = 0; i < c->ninds; i++) {
        const indicator_t *rt = &c->inds[i];
        if (rt->kind != IND_RATE || rt->num < 0 || rt->den < 0)
            continue;
        const indicator_t *num = &c->inds[rt->num], *den = &c->inds[rt->den];
        if (!names(n->message, num->code) || !names(n->message, den->code))
            continue;
        const indicator_t *other = ind == rt->num ? den : ind == rt->den ? num : NULL;
        if (!other)
            continue;
        const char *name = r->en && other->name_en[0] ? other->name_en : other->name_vi;
        buf_puts(b, ind == rt->num ? T(r, "Lớn hơn “", "Larger than “") : T(r, "Nhỏ hơn “", "Smaller than “"));
        buf_esc(b, name);
        buf_puts(b, ind == rt->num ? T(r, "”: số này không được vượt số đó.", "”: it cannot exceed it.")
                                   : T(r, "”: số tổng phải lớn hơn hoặc bằng số đó.", "”: the total must be at least that."));
        return true;
    }
    return false;
}

/* The NACK beside the fields it concerns; returns how many fields. */
static int map_nack(req_t *r, entry_view_t *v, const proto_nack_t *n, const refusal_t *rf)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *d = &c->datasets[v->pl.ds];
    const json_t *cv = json_object_get(v->content, "values");
    int marked = 0;
    if (!rf)
        return 0;
    for (int k = 0; k < d->ninds && k < 256; k++) {
        const indicator_t *in = &c->inds[d->inds[k]];
        if (in->kind == IND_RATE)
            continue;
        const char *txt = json_string_value(json_object_get(cv, in->code));
        bool hit = !strcmp(n->code, "E_INCOMPLETE")
                       ? catalog_required(c, v->pl.ds, d->inds[k]) && (in->kind == IND_COUNT || in->kind == IND_STOCK) &&
                             (!txt || !*txt)
                       : names(n->message, in->code);
        if (!hit)
            continue;
        buf_t b = {0};
        if (strcmp(n->code, "E_RATIO") || !ratio_sentence(r, n, d->inds[k], &b))
            buf_esc(&b, T(r, rf->field_vi, rf->field_en));
        if (r->en) { /* the collector's own words are English: only for an English reader */
            buf_puts(&b, " <small class=\"nack\">(");
            buf_esc(&b, n->message);
            buf_puts(&b, ")</small>");
        }
        set_err(v, k, b.p ? b.p : "");
        buf_free(&b);
        marked++;
    }
    return marked;
}

static void audit_submit(req_t *r, const entry_view_t *v, const char *action, const char *id, const char *what)
{
    const catalog_t *c = web_of(r)->cat;
    char detail[512];
    snprintf(detail, sizeof detail, "dataset=%s period=%s %s id=%s", c->datasets[v->pl.ds].code, v->pl.period, what,
             id);
    auth_audit(r, auth_session(r)->user.login, action, c->units[v->pl.unit].code, detail);
}

static void submit_done(req_t *r, const gateway_result_t *res, void *ud, resp_t *out)
{
    entry_view_t *v = ud;
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    buf_t m = {0};
    char id[80], what[64];
    snprintf(id, sizeof id, "%s", "?");
    if (res->rc == 0 && res->reply->type == PROTO_ACK) {
        const proto_ack_t *a = &res->reply->u.ack;
        snprintf(id, sizeof id, "%s", a->id);
        bool dup = !strcmp(a->status, "duplicate");
        int rc = users_draft_submitted(w->users, c->units[v->pl.unit].code, c->datasets[v->pl.ds].code, v->pl.period,
                                       v->draft.rev, (uint32_t)a->version);
        if (rc)
            log_error("entry: the draft cannot be marked submitted: %s", users_strerror(rc));
        snprintf(what, sizeof what, "version=%llu%s", (unsigned long long)a->version, dup ? " duplicate" : "");
        audit_submit(r, v, "submit", a->id, what);
        buf_printf(&m, "<b>%s %llu.</b> ", T(r, "Đã nhận, phiên bản", "Received, version"),
                   (unsigned long long)a->version);
        if (dup)
            buf_puts(&m, T(r, "Báo cáo này đã được nhận trước đó (không nhận hai lần). ",
                           "This report had been received already (not stored twice). "));
        v->msg_class = "ok";
        v->msg_kind = dup ? "duplicate" : "accepted";
        v->acked_version = a->version;
        v->acked_at = a->received_at;
        v->status = 200;
    } else if (res->rc == 0) {
        const proto_nack_t *n = &res->reply->u.nack;
        const refusal_t *rf = refusal_of(n->code);
        snprintf(id, sizeof id, "%s", n->id);
        snprintf(what, sizeof what, "refused=%s", n->code);
        audit_submit(r, v, "submit_refused", n->id, what);
        int marked = map_nack(r, v, n, rf);
        buf_printf(&m, "<b>%s</b> <span data-code=\"", T(r, "Báo cáo chưa được nhận.", "The report was not received."));
        buf_esc(&m, n->code);
        buf_puts(&m, "\">");
        buf_esc(&m, nack_sentence(n->code, r->en));
        buf_puts(&m, "</span>");
        if (marked)
            buf_puts(&m, T(r, " Xem các ô được đánh dấu bên dưới.", " See the fields marked below."));
        if (r->en) { /* the collector's own words (English, with codes) */
            buf_puts(&m, " <small>(");
            buf_esc(&m, n->code);
            buf_puts(&m, ": ");
            buf_esc(&m, n->message);
            buf_puts(&m, ")</small>");
        }
        v->msg_class = "err";
        v->msg_kind = "refused";
        v->status = 422;
    } else {
        log_warn("entry: %s/%s/%s: %s", c->units[v->pl.unit].code, c->datasets[v->pl.ds].code, v->pl.period, res->err);
        if (res->maybe_stored)
            buf_printf(&m, "<b>%s</b> %s", T(r, "Chưa chắc báo cáo đã được nhận.", "The report may not have been received."),
                       T(r, "Máy chủ tiếp nhận không trả lời kịp: báo cáo có thể đã đến hoặc chưa. Số liệu của bạn vẫn "
                            "được giữ trong bản nháp. Hãy bấm “Gửi báo cáo” lại sau ít phút — lần gửi lại dùng cùng "
                            "mã gửi nên báo cáo không bao giờ bị nhận hai lần.",
                         "The collector did not answer in time: the report may or may not have arrived. Your values "
                         "are kept in the draft. Press “Submit the report” again in a few minutes -- a retry uses the "
                         "same submission id, so the report is never stored twice."));
        else
            buf_printf(&m, "<b>%s</b> %s", T(r, "Không gửi được báo cáo.", "The report could not be sent."),
                       T(r, "Hệ thống chưa kết nối được máy chủ tiếp nhận; số liệu vẫn được giữ trong bản nháp. "
                            "Hãy báo quản trị hệ thống.",
                         "The web cannot reach the collector; your values are kept in the draft. Tell the administrator."));
        v->msg_class = "warn";
        v->msg_kind = "no_answer";
        v->status = 503;
    }
    buf_printf(&m, " <small class=\"sid\">%s <code id=\"sid\">", T(r, "Mã gửi:", "Submission id:"));
    buf_esc(&m, id[0] && strcmp(id, "?") ? id : "");
    buf_puts(&m, "</code></small>");
    snprintf(v->msg, sizeof v->msg, "%s", m.p ? m.p : "");
    buf_free(&m);
    entry_load(r, v);
    entry_render(r, out, v);
    entry_view_free(v);
    free(v);
}

/* ------------------------------------------------------------------------
 * The handler
 * ------------------------------------------------------------------------ */

/* Answers with the page and frees v. */
static void answer(req_t *r, resp_t *o, entry_view_t *v)
{
    entry_load(r, v);
    entry_render(r, o, v);
    entry_view_free(v);
    free(v);
}

void entry_post(req_t *r, resp_t *o)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    entry_view_t *v = calloc(1, sizeof *v);
    if (!v)
        abort();
    if (entry_place(r, o, &v->pl, true)) {
        free(v);
        return;
    }
    const char *action = http_form(r, "action");
    bool submit = action && !strcmp(action, "submit");
    int bad = read_form(r, v);
    char *text = json_dumps(v->content, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = text ? users_draft_save(w->users, c->units[v->pl.unit].code, c->datasets[v->pl.ds].code, v->pl.period,
                                     text, auth_session(r)->user.login, clock_now(), &v->draft)
                  : STORE_E_NOMEM;
    free(text);
    if (rc) {
        log_error("entry: the draft cannot be saved: %s", users_strerror(rc));
        snprintf(v->msg, sizeof v->msg, "%s",
                 T(r, "<b>Không lưu được bản nháp</b> (lỗi lưu trữ của máy chủ web). Hãy thử lại.",
                   "<b>The draft cannot be saved</b> (a storage error). Try again."));
        v->msg_class = "err";
        v->msg_kind = "error";
        v->status = 500;
        answer(r, o, v);
        return;
    }
    v->has_draft = true;
    if (bad) {
        snprintf(v->msg, sizeof v->msg, "%s",
                 submit ? T(r, "<b>Báo cáo chưa được gửi:</b> có ô nhập chưa đúng (xem bên dưới). Bản nháp đã được lưu.",
                            "<b>Not submitted:</b> some fields are wrong (see below). The draft is saved.")
                        : T(r, "<b>Đã lưu nháp</b>, nhưng có ô nhập chưa đúng (xem bên dưới).",
                            "<b>Draft saved</b>, but some fields are wrong (see below)."));
        v->msg_class = "err";
        v->msg_kind = "invalid";
        v->status = 422;
        answer(r, o, v);
        return;
    }
    if (!submit) {
        snprintf(v->msg, sizeof v->msg, r->en ? "<b>Draft saved</b> (revision %u). It is not submitted yet."
                                              : "<b>Đã lưu nháp</b> (bản %u). Báo cáo chưa được gửi đi.",
                 v->draft.rev);
        v->msg_class = "ok";
        v->msg_kind = "saved";
        answer(r, o, v);
        return;
    }
    proto_value_t *vals = calloc(ENTRY_VALUES_MAX, sizeof *vals);
    proto_strpair_t *cms = calloc(ENTRY_VALUES_MAX, sizeof *cms);
    proto_msg_t *m = calloc(1, sizeof *m);
    if (!vals || !cms || !m)
        abort();
    build_submit(r, v, m, vals, cms);
    char err[512];
    rc = gateway_send(w->gw, r, m, submit_done, v, err, sizeof err);
    free(vals);
    free(cms);
    free(m);
    if (rc) {
        log_error("entry: not sent: %s", err);
        snprintf(v->msg, sizeof v->msg, "%s",
                 rc == GATEWAY_E_OFF
                     ? T(r, "<b>Chưa gửi được:</b> máy chủ web chưa được cấu hình khóa gửi báo cáo ([web] gateway_key). "
                            "Bản nháp đã được lưu; hãy báo quản trị hệ thống.",
                         "<b>Not sent:</b> the web has no gateway key ([web] gateway_key). The draft is saved.")
                     : T(r, "<b>Chưa gửi được:</b> số liệu vượt giới hạn của giao thức. Bản nháp đã được lưu.",
                         "<b>Not sent:</b> the values exceed the protocol's limits. The draft is saved."));
        v->msg_class = "err";
        v->msg_kind = "not_sent";
        v->status = 503;
        answer(r, o, v);
    }
}
