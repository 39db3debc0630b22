/*
 * page_api.c -- the JSON-only routes: GET /api/info (the aggregator's QUERY
 * info and cchc-web's own counters; with accounts, administrators only) and GET /api/units (the catalog as
 * cchc-web sees it, pre-order; with accounts, only the units the user may
 * see).  See docs/api.md.
 */
#include "page.h"

void page_api_info(req_t *r, resp_t *o)
{
    web_t *w = web_of(r);
    const users_session_t *s = auth_session(r);
    if (s && !(s->user.roles & USERS_ROLE_ADMIN)) {
        /* the pipeline's own state (journal head, lag, counters over every
         * unit) is for the administrators and machines */
        layout_error(r, o, 403, r->en ? "Only an administrator sees the server's state."
                                      : "Chỉ quản trị viên mới xem được trạng thái máy chủ.");
        return;
    }
    client_answer_t a;
    proto_error_t err;
    if (agg_ask(&w->agg, "info", NULL, NULL, NULL, &a, &err)) {
        page_failed(r, o, &err);
    } else {
        page_json(o, json_pack("{s:o, s:{s:I, s:i, s:I}}", "aggregator", answer_json(&ans_obj_info, &a.u.info),
                               "web", "events_received", (json_int_t)w->events_received, "sse_clients",
                               w->http.nsse, "started", (json_int_t)w->started));
    }
    client_answer_free(&a);
}

void page_api_units(req_t *r, resp_t *o)
{
    const catalog_t *c = web_of(r)->cat;
    json_t *a = json_array();
    for (int i = 0; i < c->nunits; i++) {
        if (!auth_may_see(r, c->preorder[i]))
            continue; /* a user sees the units of its own subtree only */
        const unit_t *u = &c->units[c->preorder[i]];
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s?, s:i}", "code", u->code, "name", u->name, "kind",
                                           u->kind, "parent", u->parent >= 0 ? c->units[u->parent].code : NULL,
                                           "depth", u->depth));
    }
    json_t *ds = json_array();
    for (int i = 0; i < c->ndatasets; i++)
        json_array_append_new(ds, json_pack("{s:s, s:s, s:s}", "code", c->datasets[i].code, "name",
                                            c->datasets[i].name, "period_type",
                                            period_type_name(c->datasets[i].ptype)));
    page_json(o, json_pack("{s:o, s:o}", "units", a, "datasets", ds));
}
