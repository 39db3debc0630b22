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
    pp->node = node ? catalog_unit(c, node) : (c->nunits ? c->preorder[0] : -1);
    if (pp->node < 0) {
        snprintf(msg, sizeof msg, "The unit '%s' is not in the catalog.", node ? node : "");
        layout_error(r, o, 404, msg);
        return -1;
    }
    const char *ds = http_arg(r, "dataset");
    pp->ds = ds ? catalog_dataset(c, ds) : 0;
    if (pp->ds < 0 || pp->ds >= c->ndatasets) {
        snprintf(msg, sizeof msg, "The dataset '%s' is not in the catalog.", ds ? ds : "");
        layout_error(r, o, 400, msg);
        return -1;
    }
    const char *per = http_arg(r, "period");
    if (per) {
        if (period_parse(per, &pp->p)) {
            snprintf(msg, sizeof msg,
                     "The period '%s' is not a period: write 202509 (month), 2025Q3 (quarter), 2025S2 (half-year) "
                     "or 2025 (year).", per);
            layout_error(r, o, 400, msg);
            return -1;
        }
    } else {
        pp->p = period_of_day(date_of_time(clock_now()), c->datasets[pp->ds].ptype);
    }
    period_format(pp->p, pp->period, sizeof pp->period);
    return 0;
}

void page_failed(req_t *r, resp_t *o, bool unavailable, const char *err)
{
    int status = 400;
    if (unavailable)
        status = 503;
    else if (strstr(err, "E_NOT_FOUND") || strstr(err, "E_UNKNOWN"))
        status = 404;
    layout_error(r, o, status, err);
}

void page_json(resp_t *o, json_t *j)
{
    o->status = 200;
    o->ctype = "application/json; charset=utf-8";
    buf_json(&o->body, j);
    json_decref(j);
}
