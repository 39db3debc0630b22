/*
 * routes.c -- the route table: every URL cchc-web answers, the metrics
 * label it is counted under, and its handler.
 *
 * Each line below both declares the handler and adds the route, so a new
 * page is its file (page_NAME.c defining page_NAME) and one line here.  A
 * page and its /api/ twin share the handler, which picks HTML or JSON by
 * the path.  /events (Server-Sent Events) is answered by the HTTP layer.
 */
#include <string.h>

#include "web.h"

#define WEB_ROUTES(X)                                           \
    X("/",                 "root",             page_root)         \
    X("/overview",         "overview",         page_overview)     \
    X("/completeness",     "completeness",     page_completeness) \
    X("/targets",          "targets",          page_targets)      \
    X("/unit",             "unit",             page_unit)         \
    X("/report",           "report",           page_report)       \
    X("/report.csv",       "report_csv",       page_report_csv)   \
    X("/report.xlsx",      "report_xlsx",      page_report_xlsx)  \
    X("/api/overview",     "api_overview",     page_overview)     \
    X("/api/completeness", "api_completeness", page_completeness) \
    X("/api/targets",      "api_targets",      page_targets)      \
    X("/api/unit",         "api_unit",         page_unit)         \
    X("/api/report",       "api_report",       page_report)       \
    X("/api/info",         "api_info",         page_api_info)     \
    X("/api/units",        "api_units",        page_api_units)    \
    X("/metrics",          "metrics",          page_metrics)      \
    X("/healthz",          "healthz",          page_health)       \
    X("/login",            "login",            page_login)        \
    X("/logout",           "logout",           page_logout)       \
    X("/approve",          "approve",          page_approve)

/* the handlers (a repeated declaration is harmless) */
#define DECLARE(path, name, fn) http_handler_fn fn;
WEB_ROUTES(DECLARE)

#define ROUTE(path, name, fn) {path, name, fn},
const http_route_t web_routes[] = {WEB_ROUTES(ROUTE)};
const int web_nroutes = (int)(sizeof web_routes / sizeof web_routes[0]);

/* The paths that take a form (POST).  With accounts on, a POST anywhere
 * else is 405, and every POST must carry the session's CSRF token (auth.c);
 * without accounts no path takes a POST. */
#define WEB_FORMS(X) \
    X("/login")      \
    X("/logout")     \
    X("/entry")      \
    X("/approve")

bool web_takes_form(const char *path)
{
#define FORM(p) if (!strcmp(path, p)) return true;
    WEB_FORMS(FORM)
#undef FORM
    return false;
}
