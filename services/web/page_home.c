/*
 * page_home.c -- GET / (redirects to the overview, keeping lang) and
 * GET /healthz (no token needed).
 */
#include <stdio.h>
#include <string.h>

#include "page.h"

void page_root(req_t *r, resp_t *o)
{
    const char *lang = http_arg(r, "lang");
    o->status = 302;
    o->ctype = "text/html; charset=utf-8";
    snprintf(o->location, sizeof o->location, "/overview%s",
             !lang ? "" : strcmp(lang, "en") ? "?lang=vi" : "?lang=en");
    buf_puts(&o->body, "<a href=\"/overview\">/overview</a>\n");
}

void page_health(req_t *r, resp_t *o)
{
    o->status = 200;
    o->ctype = "text/plain; charset=utf-8";
    buf_puts(&o->body, web_of(r)->agg.up ? "ok\n" : "ok (aggregator not reached yet)\n");
}
