/*
 * page_entry.c -- GET /entry: a reporter picks the unit (its own, and the
 * sub-units whose catalog row says parent_submits), the dataset and the
 * period (the open ones first), and gets the report's form generated from
 * the catalog: each indicator with its Vietnamese name, unit of measure and
 * help, in the catalog's groups; yes/no and tags as checkboxes; the
 * previous period's value beside each field; the draft when there is one,
 * else the latest version (a correction), with what changed marked.
 * POST /entry (saving, submitting) is entry_post.c.
 *
 * With accounts off the page does not exist (404).  Only a reporter of the
 * unit (or of its parent, for parent_submits units) may open it: 403 before
 * anything of the unit is read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "clock.h"
#include "decisions.h"
#include "entry.h"
#include "report.h"

/* ------------------------------------------------------------------------
 * The place: unit, dataset, period, and who may enter them
 * ------------------------------------------------------------------------ */

#define ENTRY_LOOKBACK 8 /* periods offered before today's */

/* The periods of dataset ds one may report for unit `unit` at `now`: today's
 * and up to ENTRY_LOOKBACK before it in which the unit existed; those whose
 * deadline has not passed (open) first, newest first within each.  Returns
 * how many (at most ENTRY_LOOKBACK + 1) with open[i] set for the open ones. */
static int entry_periods(const catalog_t *c, int ds, int unit, int64_t now, period_t *out, bool *open)
{
    const dataset_t *d = &c->datasets[ds];
    period_t all[ENTRY_LOOKBACK + 1];
    int n = 0, k = 0;
    period_t p = period_of_day(date_of_time(now), d->ptype);
    for (int i = 0; i <= ENTRY_LOOKBACK; i++, p = period_prev(p))
        if (catalog_open_in(c, unit, p))
            all[n++] = p;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < n; i++) {
            bool is_open = now < catalog_deadline(c, ds, all[i]);
            if (is_open == (pass == 0)) {
                open[k] = is_open;
                out[k++] = all[i];
            }
        }
    return k;
}

static int refuse(req_t *r, resp_t *o, int status, const char *msg)
{
    layout_error(r, o, status, msg);
    return -1;
}

bool entry_may_enter(req_t *r, int unit)
{
    const users_session_t *s = auth_session(r);
    const catalog_t *c = web_of(r)->cat;
    int own = s ? catalog_unit(c, s->user.unit) : -1;
    return s && (s->user.roles & USERS_ROLE_REPORTER) && own >= 0 && unit >= 0 && catalog_may_submit_for(c, own, unit);
}

bool entry_period_open(const catalog_t *c, int unit, period_t p, int64_t now)
{
    return period_first_day(p) <= date_of_time(now) && catalog_open_in(c, unit, p);
}

int entry_place(req_t *r, resp_t *o, entry_place_t *pl, bool from_form)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    char msg[512];
    memset(pl, 0, sizeof *pl);
    if (!w->users)
        return refuse(r, o, 404,
                      T(r, "Không có trang này: nhập báo cáo trên web cần bật tài khoản ([web] accounts = yes).",
                        "There is no such page: data entry needs accounts ([web] accounts = yes)."));
    const users_session_t *s = auth_session(r);
    int own = s ? catalog_unit(c, s->user.unit) : -1;
    if (!s || !(s->user.roles & USERS_ROLE_REPORTER) || own < 0)
        return refuse(r, o, 403,
                      T(r, "Chỉ người báo cáo của đơn vị mới được nhập báo cáo.",
                        "Only a reporter of the unit may enter its report."));
    const char *(*get)(const req_t *, const char *) = from_form ? http_form : http_arg;
    const char *uc = get(r, "unit");
    pl->unit = uc ? catalog_unit(c, uc) : own;
    if (pl->unit < 0)
        return refuse(r, o, 404, T(r, "Không có đơn vị này trong danh mục.", "There is no such unit."));
    if (!entry_may_enter(r, pl->unit))
        return refuse(r, o, 403,
                      T(r, "Bạn không được nhập báo cáo cho đơn vị này.", "You may not enter reports for this unit."));
    const char *dc = get(r, "dataset");
    pl->ds = -1;
    if (dc) {
        pl->ds = catalog_dataset(c, dc);
        if (pl->ds < 0)
            return refuse(r, o, 400, T(r, "Không có mẫu báo cáo này.", "There is no such dataset."));
    } else {
        for (int i = 0; i < c->ndatasets && pl->ds < 0; i++)
            if (catalog_must_report(c, i, pl->unit))
                pl->ds = i;
    }
    if (pl->ds < 0 || !catalog_must_report(c, pl->ds, pl->unit))
        return refuse(r, o, 400, T(r, "Đơn vị này không phải nộp mẫu báo cáo này.", "This unit does not report this dataset."));
    const dataset_t *d = &c->datasets[pl->ds];
    const char *pc = get(r, "period");
    int64_t now = clock_now();
    if (pc) {
        if (period_parse(pc, &pl->p) || pl->p.type != d->ptype) {
            snprintf(msg, sizeof msg,
                     r->en ? "'%s' is not a period of this dataset (it is reported per %s)."
                           : "'%s' không phải là kỳ của mẫu báo cáo này (báo cáo theo %s).",
                     pc, view_period_type(period_type_name(d->ptype), r->en));
            return refuse(r, o, 400, msg);
        }
        if (!entry_period_open(c, pl->unit, pl->p, now))
            return refuse(r, o, 400,
                          T(r, "Không nhập được báo cáo cho kỳ này (kỳ chưa bắt đầu, hoặc đơn vị chưa/không còn hoạt động).",
                            "No report can be entered for this period (it has not begun, or the unit did not exist)."));
    } else {
        period_t ps[ENTRY_LOOKBACK + 1];
        bool open[ENTRY_LOOKBACK + 1];
        if (entry_periods(c, pl->ds, pl->unit, now, ps, open) == 0)
            return refuse(r, o, 400, T(r, "Không có kỳ báo cáo nào để nhập.", "There is no period to enter."));
        pl->p = ps[0];
    }
    period_format(pl->p, pl->period, sizeof pl->period);
    return 0;
}

/* ------------------------------------------------------------------------
 * Content: the form as JSON
 * ------------------------------------------------------------------------ */

const char *entry_field(const char *code, const char *tag, char *buf, size_t len)
{
    size_t o = 0;
    const char *parts[2] = {code, tag};
    for (int p = 0; p < 2 && parts[p]; p++) {
        if (o + 3 < len)
            o += (size_t)snprintf(buf + o, len - o, p ? "__" : "v_");
        for (const char *s = parts[p]; *s && o + 1 < len; s++)
            buf[o++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32)
                       : ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')) ? *s : '_';
    }
    buf[o < len ? o : len - 1] = '\0';
    return buf;
}

const char *entry_comment_field(const char *code, char *buf, size_t len)
{
    entry_field(code, NULL, buf, len);
    if (len > 1)
        buf[0] = 'c';
    return buf;
}

json_t *entry_content_of(const proto_values_t *vals, const proto_strmap_t *comments, const char *note)
{
    json_t *vs = json_object();
    for (uint32_t i = 0; vals && i < vals->n; i++) {
        proto_value_t v;
        if (proto_values_at(vals, i, &v))
            continue;
        if (v.kind == PV_INT) {
            char t[32];
            snprintf(t, sizeof t, "%lld", (long long)v.i);
            json_object_set_new(vs, v.code, json_string(t));
        } else if (v.kind == PV_BOOL) {
            json_object_set_new(vs, v.code, json_boolean(v.i));
        } else {
            json_t *a = json_array();
            for (uint32_t k = 0; k < v.ntags; k++)
                json_array_append_new(a, json_stringn(v.tags[k].ptr, v.tags[k].len));
            json_object_set_new(vs, v.code, a);
        }
    }
    json_t *cs = json_object();
    proto_strpair_t cp;
    for (uint32_t i = 0; comments && i < comments->n; i++) {
        if (proto_strmap_at(comments, i, &cp) || cp.code.len >= 64)
            continue;
        char code[64];
        memcpy(code, cp.code.ptr, cp.code.len);
        code[cp.code.len] = '\0';
        json_object_set_new(cs, code, json_stringn(cp.text.ptr, cp.text.len));
    }
    return json_pack("{s:o, s:o, s:s}", "values", vs, "comments", cs, "note", note ? note : "");
}

/* ------------------------------------------------------------------------
 * The answer: the draft, this period's latest version, the previous period
 * ------------------------------------------------------------------------ */

static bool ask_values(req_t *r, const entry_place_t *pl, const char *period, client_answer_t *a)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    proto_error_t err;
    memset(a, 0, sizeof *a);
    return agg_ask(&w->agg, "values", c->units[pl->unit].code, c->datasets[pl->ds].code, period, a, &err) == 0;
}

void entry_load(req_t *r, entry_view_t *v)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    const entry_place_t *pl = &v->pl;
    users_draft_free(&v->draft); /* a POST's saved draft: read again, as stored now */
    v->has_draft = users_draft_get(w->users, c->units[pl->unit].code, c->datasets[pl->ds].code, pl->period,
                                   &v->draft) == 0;
    v->has_latest = ask_values(r, pl, pl->period, &v->latest);
    period_format(period_prev(pl->p), v->prev_period, sizeof v->prev_period);
    v->has_prev = ask_values(r, pl, v->prev_period, &v->prev);
    if (v->content)
        return;
    /* A draft newer than the latest version wins; a submitted draft is the
     * latest version already (or older than it). */
    if (v->has_draft && !v->draft.submitted)
        v->content = json_loads(v->draft.content, 0, NULL);
    if (!v->content && v->has_latest)
        v->content = entry_content_of(&v->latest.u.values.values, &v->latest.u.values.comments,
                                      v->latest.u.values.note);
    if (!v->content)
        v->content = json_pack("{s:{}, s:s}", "values", "note", "");
}

void entry_view_free(entry_view_t *v)
{
    json_decref(v->content);
    v->content = NULL;
    client_answer_free(&v->latest);
    client_answer_free(&v->prev);
    users_draft_free(&v->draft);
    for (size_t i = 0; i < sizeof v->field_err / sizeof v->field_err[0]; i++) {
        free(v->field_err[i]);
        v->field_err[i] = NULL;
    }
    free(v->note_err);
    v->note_err = NULL;
}

/* ------------------------------------------------------------------------
 * HTML
 * ------------------------------------------------------------------------ */

/* "Quý 4/2025", "6 tháng cuối năm 2025"...: the web's one wording of a period. */
static void period_words(buf_t *b, period_t p, bool en)
{
    char lab[64];
    buf_esc(b, report_period_label(p, en, lab, sizeof lab));
}

/* A value of content for the indicator, as shown beside a field. */
static void show_value(req_t *r, buf_t *b, const indicator_t *in, const json_t *jv)
{
    if (in->kind == IND_BOOL) {
        buf_puts(b, json_is_true(jv) ? T(r, "Có", "Yes") : T(r, "Không", "No"));
    } else if (in->kind == IND_TAGS) {
        size_t i;
        json_t *t;
        if (!json_array_size(jv))
            buf_puts(b, "–");
        json_array_foreach(jv, i, t) {
            if (i)
                buf_puts(b, ", ");
            view_tag(b, json_string_value(t), strlen(json_string_value(t) ? json_string_value(t) : ""), r->en);
        }
    } else {
        const char *s = json_string_value(jv);
        buf_esc(b, s && *s ? s : "–");
    }
}

/* true when two content values differ (a missing one is "" / false / []). */
static bool differs(const json_t *a, const json_t *b)
{
    if (!a && !b)
        return false;
    if (json_is_string(a) && !*json_string_value(a) && !b)
        return false;
    if (json_is_string(b) && !*json_string_value(b) && !a)
        return false;
    if ((json_is_false(a) && !b) || (json_is_false(b) && !a))
        return false;
    if ((json_is_array(a) && !json_array_size(a) && !b) || (json_is_array(b) && !json_array_size(b) && !a))
        return false;
    return !json_equal(a, b);
}

static void render_choice(req_t *r, buf_t *b, const entry_view_t *v)
{
    web_t *w = web_of(r);
    const catalog_t *c = w->cat;
    const users_session_t *s = auth_session(r);
    int own = catalog_unit(c, s->user.unit);
    buf_puts(b, "<form class=\"f\" method=\"get\" action=\"/entry\" id=\"choose\">");
    buf_printf(b, "<label>%s<select name=\"unit\">", T(r, "Đơn vị", "Unit"));
    const unit_t *ou = &c->units[own];
    for (int i = ou->subtree_first; i < ou->subtree_end; i++) {
        int u = c->preorder[i];
        if (!catalog_may_submit_for(c, own, u))
            continue;
        buf_printf(b, "<option value=\"%s\"%s>", c->units[u].code, u == v->pl.unit ? " selected" : "");
        buf_esc(b, c->units[u].name);
        buf_puts(b, "</option>");
    }
    buf_printf(b, "</select></label><label>%s<select name=\"dataset\">", T(r, "Mẫu báo cáo", "Dataset"));
    for (int i = 0; i < c->ndatasets; i++) {
        if (!catalog_must_report(c, i, v->pl.unit))
            continue;
        buf_printf(b, "<option value=\"%s\"%s>", c->datasets[i].code, i == v->pl.ds ? " selected" : "");
        buf_esc(b, catalog_dataset_name(c, i, r->en));
        buf_puts(b, "</option>");
    }
    buf_printf(b, "</select></label><label>%s<select name=\"period\">", T(r, "Kỳ báo cáo", "Period"));
    period_t ps[ENTRY_LOOKBACK + 1];
    bool open[ENTRY_LOOKBACK + 1];
    int n = entry_periods(c, v->pl.ds, v->pl.unit, clock_now(), ps, open);
    bool listed = false;
    for (int i = 0; i < n; i++) {
        char pc[PERIOD_CODE_MAX];
        period_format(ps[i], pc, sizeof pc);
        bool sel = !strcmp(pc, v->pl.period);
        listed |= sel;
        buf_printf(b, "<option value=\"%s\"%s>", pc, sel ? " selected" : "");
        period_words(b, ps[i], r->en);
        const dataset_t *d = &c->datasets[v->pl.ds];
        buf_printf(b, " — %s ", open[i] ? T(r, "hạn", "due") : T(r, "quá hạn", "overdue since"));
        view_date(b, calendar_last_day(c->calendar, ps[i], d->due_day, d->roll_forward));
        buf_puts(b, "</option>");
    }
    if (!listed) {
        buf_printf(b, "<option value=\"%s\" selected>", v->pl.period);
        period_words(b, v->pl.p, r->en);
        buf_puts(b, "</option>");
    }
    buf_puts(b, "</select></label>");
    if (r->en)
        buf_puts(b, "<input type=\"hidden\" name=\"lang\" value=\"en\">");
    buf_printf(b, "<button>%s</button></form>", T(r, "Mở biểu mẫu", "Open the form"));
}

/* The head's decision on the latest version: awaiting, approved, or
 * returned with the comment the reporter must act on. */
static void render_approval(req_t *r, buf_t *b, const ans_values_t *lv)
{
    const char *a = lv->approval && decisions_approval_label(r, lv->approval) ? lv->approval : "awaiting";
    buf_printf(b, "<span id=\"approval\" data-approval=\"%s\">", a);
    buf_printf(b, strcmp(a, "returned") ? "%s" : "<b>%s</b>", decisions_approval_label(r, a));
    if (lv->has_decided_by && lv->decided_by && *lv->decided_by) {
        buf_printf(b, " (%s ", T(r, "bởi", "by"));
        auth_user_name(r, b, lv->decided_by);
        buf_puts(b, ")");
    }
    bool said = false; /* the comment ends its own sentence: no second full stop after it */
    if (lv->has_decision_note && lv->decision_note && *lv->decision_note) {
        const char *n = lv->decision_note;
        buf_printf(b, ": <q id=\"decision_note\">");
        buf_esc(b, n);
        buf_puts(b, "</q>");
        said = strchr(".!?", n[strlen(n) - 1]) != NULL || (strlen(n) >= 3 && !strcmp(n + strlen(n) - 3, "…"));
    }
    buf_puts(b, said ? " " : ". ");
    if (!strcmp(a, "returned"))
        buf_puts(b, T(r, "Hãy sửa và gửi lại. ", "Correct it and submit again. "));
    buf_puts(b, "</span>");
}

/* Where the report stands: the latest version, the draft, the outcome. */
static void render_status(req_t *r, buf_t *b, const entry_view_t *v)
{
    if (v->msg[0]) {
        buf_printf(b, "<div class=\"%s\" id=\"outcome\" role=\"alert\" data-outcome=\"%s\">", v->msg_class,
                   v->msg_kind ? v->msg_kind : "");
        buf_puts(b, v->msg); /* built from escaped parts (entry_post.c) */
        buf_puts(b, "</div>");
    }
    buf_puts(b, "<p class=\"note\" id=\"state\">");
    if (v->acked_version && (!v->has_latest || v->latest.u.values.version < v->acked_version)) {
        buf_printf(b, "%s <b data-version=\"%llu\">%llu</b> (", T(r, "Đã nộp phiên bản", "Submitted version"),
                   (unsigned long long)v->acked_version, (unsigned long long)v->acked_version);
        view_time(b, true, v->acked_at);
        buf_puts(b, "). ");
    } else if (v->has_latest) {
        const ans_values_t *lv = &v->latest.u.values;
        buf_printf(b, "%s <b data-version=\"%llu\">%llu</b> (", T(r, "Đã nộp phiên bản", "Submitted version"),
                   (unsigned long long)lv->version, (unsigned long long)lv->version);
        view_time(b, true, lv->received_at);
        if (lv->has_entered_by && lv->entered_by && *lv->entered_by) { /* absent for a key's (CLI) report */
            buf_puts(b, ", ");
            auth_user_name(r, b, lv->entered_by);
        }
        buf_printf(b, "). %s ", T(r, "Gửi lại sẽ tạo một bản sửa (phiên bản mới).",
                                   "Submitting again makes a correction (a new version)."));
    } else {
        buf_printf(b, "%s ", T(r, "Chưa nộp báo cáo kỳ này.", "Not submitted yet for this period."));
    }
    if (v->has_latest && !(v->acked_version > v->latest.u.values.version))
        render_approval(r, b, &v->latest.u.values);
    if (v->has_draft && !v->draft.submitted) {
        buf_printf(b, "<span data-draft=\"%u\">%s ", v->draft.rev, T(r, "Bản nháp lưu lúc", "Draft saved at"));
        view_time(b, true, v->draft.at);
        buf_printf(b, " %s ", T(r, "bởi", "by"));
        auth_user_name(r, b, v->draft.by);
        buf_puts(b, ".</span>");
    }
    buf_puts(b, "</p>");
}

/* The comment beside a value: folded away until wanted (open when it has
 * text); a closed <details> still sends its field, so no script is needed. */
static void render_comment(req_t *r, buf_t *b, const entry_view_t *v, const indicator_t *in)
{
    char name[96];
    entry_comment_field(in->code, name, sizeof name);
    const char *text = json_string_value(json_object_get(json_object_get(v->content, "comments"), in->code));
    buf_printf(b, "<details class=\"cmt\"%s><summary>%s</summary><input id=\"%s\" name=\"%s\" maxlength=\"%d\" "
                  "autocomplete=\"off\" aria-label=\"%s\" value=\"",
               text && *text ? " open" : "", T(r, "Ghi chú cho số liệu này", "Comment on this value"), name, name,
               ENTRY_COMMENT_CHARS, T(r, "Ghi chú cho số liệu này", "Comment on this value"));
    buf_esc(b, text ? text : "");
    buf_puts(b, "\"></details>");
}

/* One indicator's field. */
static void render_field(req_t *r, buf_t *b, const entry_view_t *v, int pos, int ind)
{
    const catalog_t *c = web_of(r)->cat;
    const indicator_t *in = &c->inds[ind];
    char name[96];
    entry_field(in->code, NULL, name, sizeof name);
    const json_t *cur = json_object_get(json_object_get(v->content, "values"), in->code);
    buf_printf(b, "<div class=\"fld%s\" id=\"f_%s\" data-code=\"%s\">", v->field_err[pos] ? " bad" : "", name,
               in->code);
    const char *label = r->en && in->name_en[0] ? in->name_en : in->name_vi;
    if (in->kind == IND_BOOL) {
        buf_printf(b, "<label class=\"chk\"><input type=\"checkbox\" id=\"%s\" name=\"%s\" value=\"1\"%s> ", name, name,
                   json_is_true(cur) ? " checked" : "");
        buf_esc(b, label);
        buf_puts(b, "</label>");
    } else if (in->kind == IND_TAGS) {
        buf_puts(b, "<fieldset class=\"tags\"><legend>");
        buf_esc(b, label);
        buf_puts(b, "</legend>");
        for (int t = 0; t < in->ntags; t++) {
            char tn[160];
            entry_field(in->code, in->tags[t], tn, sizeof tn);
            bool on = false;
            size_t i;
            json_t *x;
            json_array_foreach(cur, i, x) on |= json_is_string(x) && !strcmp(json_string_value(x), in->tags[t]);
            buf_printf(b, "<label class=\"chk\"><input type=\"checkbox\" name=\"%s\" value=\"1\"%s> ", tn,
                       on ? " checked" : "");
            view_tag(b, in->tags[t], strlen(in->tags[t]), r->en);
            buf_puts(b, "</label>");
        }
        buf_puts(b, "</fieldset>");
    } else {
        buf_printf(b, "<label for=\"%s\">", name);
        buf_esc(b, label);
        const char *measure = r->en && in->unit_en[0] ? in->unit_en : in->unit_vi;
        if (measure[0]) {
            buf_puts(b, " <span class=\"measure\">(");
            buf_esc(b, measure);
            buf_puts(b, ")</span>");
        }
        if (catalog_required(c, v->pl.ds, ind))
            buf_printf(b, " <span class=\"req\" title=\"%s\">*</span>", T(r, "bắt buộc", "required"));
        buf_printf(b, "</label><input id=\"%s\" name=\"%s\" inputmode=\"numeric\" autocomplete=\"off\" value=\"", name,
                   name);
        buf_esc(b, json_string_value(cur) ? json_string_value(cur) : "");
        buf_puts(b, "\">");
    }
    const char *help = r->en ? in->help_en : in->help_vi;
    if (help[0]) {
        buf_puts(b, "<small class=\"help\">");
        buf_esc(b, help);
        buf_puts(b, "</small>");
    }
    if (v->has_prev) {
        proto_value_t pv;
        const proto_values_t *vals = &v->prev.u.values.values;
        for (uint32_t i = 0; i < vals->n; i++)
            if (!proto_values_at(vals, i, &pv) && !strcmp(pv.code, in->code)) {
                buf_printf(b, "<small class=\"prev\" data-prev=\"%s\">%s (", in->code, T(r, "Kỳ trước", "Previous period"));
                period_words(b, period_prev(v->pl.p), r->en);
                buf_puts(b, "): ");
                json_t *one = entry_content_of(&(proto_values_t){.n = 1, .items = &pv}, NULL, NULL);
                show_value(r, b, in, json_object_get(json_object_get(one, "values"), in->code));
                json_decref(one);
                buf_puts(b, "</small>");
                break;
            }
    }
    if (v->has_latest && !(v->acked_version > v->latest.u.values.version)) {
        json_t *lc = entry_content_of(&v->latest.u.values.values, NULL, NULL);
        const json_t *lv = json_object_get(json_object_get(lc, "values"), in->code);
        if (differs(lv, cur)) {
            buf_printf(b, "<small class=\"changed\" data-changed=\"%s\">%s %llu: ", in->code,
                       T(r, "Đã sửa — phiên bản", "Changed — version"),
                       (unsigned long long)v->latest.u.values.version);
            show_value(r, b, in, lv);
            buf_puts(b, "</small>");
        }
        json_decref(lc);
    }
    render_comment(r, b, v, in);
    if (v->field_err[pos]) {
        buf_printf(b, "<p class=\"ferr\" role=\"alert\" data-error=\"%s\">", in->code);
        buf_puts(b, v->field_err[pos]); /* escaped when built */
        buf_puts(b, "</p>");
    }
    buf_puts(b, "</div>");
}

static void render_form(req_t *r, buf_t *b, const entry_view_t *v)
{
    const catalog_t *c = web_of(r)->cat;
    const dataset_t *d = &c->datasets[v->pl.ds];
    buf_puts(b, "<form method=\"post\" action=\"/entry\" id=\"entry\" class=\"entry\">");
    auth_csrf_field(r, b);
    buf_printf(b, "<input type=\"hidden\" name=\"unit\" value=\"%s\"><input type=\"hidden\" name=\"dataset\" "
                  "value=\"%s\"><input type=\"hidden\" name=\"period\" value=\"%s\">",
               c->units[v->pl.unit].code, d->code, v->pl.period);
    /* groups in the order of their first indicator; each indicator once */
    bool done[256] = {false};
    for (int i = 0; i < d->ninds && i < 256; i++) {
        if (done[i] || c->inds[d->inds[i]].kind == IND_RATE)
            continue;
        const indicator_t *first = &c->inds[d->inds[i]];
        const char *g = first->group_vi, *shown = r->en && first->group_en[0] ? first->group_en : g;
        buf_puts(b, "<fieldset class=\"grp\">");
        if (*shown) {
            buf_puts(b, "<legend>");
            buf_esc(b, shown);
            buf_puts(b, "</legend>");
        }
        for (int k = i; k < d->ninds && k < 256; k++) {
            const indicator_t *in = &c->inds[d->inds[k]];
            if (done[k] || in->kind == IND_RATE || strcmp(in->group_vi, g))
                continue;
            done[k] = true;
            render_field(r, b, v, k, d->inds[k]);
        }
        buf_puts(b, "</fieldset>");
    }
    const char *note = json_string_value(json_object_get(v->content, "note"));
    buf_printf(b, "<div class=\"fld%s\" id=\"f_note\"><label for=\"note\">%s</label><textarea id=\"note\" name=\"note\" "
                  "rows=\"3\" maxlength=\"%d\">",
               v->note_err ? " bad" : "", T(r, "Ghi chú gửi cơ quan tổng hợp", "Note for the central office"),
               ENTRY_NOTE_CHARS);
    buf_esc(b, note ? note : "");
    buf_puts(b, "</textarea>");
    if (v->note_err) {
        buf_puts(b, "<p class=\"ferr\" role=\"alert\" data-error=\"NOTE\">");
        buf_esc(b, v->note_err);
        buf_puts(b, "</p>");
    }
    buf_puts(b, "</div>");
    buf_printf(b, "<p class=\"actions\"><button type=\"submit\" name=\"action\" value=\"save\" id=\"save\">%s</button> "
                  "<button type=\"submit\" name=\"action\" value=\"submit\" id=\"submit\" class=\"primary\">%s</button></p>",
               T(r, "Lưu nháp", "Save draft"), T(r, "Gửi báo cáo", "Submit the report"));
    buf_puts(b, "</form>");
}

void entry_render(req_t *r, resp_t *o, entry_view_t *v)
{
    const catalog_t *c = web_of(r)->cat;
    buf_t *b = &o->body;
    o->status = v->status ? v->status : 200;
    layout_place_t place = {c->units[v->pl.unit].code, c->datasets[v->pl.ds].code, v->pl.period};
    layout_begin(r, b, T(r, "Nhập báo cáo", "Enter a report"), "/entry", &place);
    buf_printf(b, "<h1>%s</h1>", T(r, "Nhập báo cáo", "Enter a report"));
    render_choice(r, b, v);
    buf_puts(b, "<h2>");
    buf_esc(b, c->units[v->pl.unit].name);
    buf_puts(b, " — ");
    period_words(b, v->pl.p, r->en);
    buf_puts(b, "</h2><p class=\"note\">");
    buf_esc(b, catalog_dataset_name(c, v->pl.ds, r->en));
    buf_puts(b, " · <a id=\"xlsx\" ");
    view_href(b, r, "/entry/template.xlsx", "unit", c->units[v->pl.unit].code, "dataset", c->datasets[v->pl.ds].code,
              "period", v->pl.period, NULL);
    buf_printf(b, ">%s</a> · <a ", T(r, "Tải mẫu Excel của báo cáo này", "Download this report's Excel template"));
    view_href(b, r, "/entry/upload", NULL);
    buf_printf(b, ">%s</a></p>", T(r, "Nộp bằng tệp Excel", "Submit an Excel file"));
    render_status(r, b, v);
    render_form(r, b, v);
    layout_end_static(r, b);
}

void page_entry(req_t *r, resp_t *o)
{
    if (r->post) {
        entry_post(r, o);
        return;
    }
    entry_view_t v;
    memset(&v, 0, sizeof v);
    if (entry_place(r, o, &v.pl, false))
        return;
    entry_load(r, &v);
    entry_render(r, o, &v);
    entry_view_free(&v);
}
