#include "arrivals.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"
#include "message.h"

typedef struct {
    int ds;
    period_t p;
    char **lines; /* [nunits], NULL entries */
    int nunits;
} notes_t;

struct arrivals {
    pthread_mutex_t mu; /* guards received and facts */
    json_t *received;   /* "UNIT\tDATASET\tPERIOD" -> true */
    json_t *facts;      /* the same key -> [due, silenced, awaiting since] when any is set */
    notes_t *notes;
    int nnotes;
};

arrivals_t *arrivals_new(void)
{
    arrivals_t *a = calloc(1, sizeof *a);
    if (!a || !(a->received = json_object()) || !(a->facts = json_object())) {
        if (a)
            json_decref(a->received);
        free(a);
        return NULL;
    }
    pthread_mutex_init(&a->mu, NULL);
    return a;
}

void arrivals_destroy(arrivals_t **self_p)
{
    arrivals_t *a = *self_p;
    if (!a)
        return;
    arrivals_clear_notes(a);
    json_decref(a->received);
    json_decref(a->facts);
    pthread_mutex_destroy(&a->mu);
    free(a);
    *self_p = NULL;
}

static void rkey(char *buf, size_t len, const char *unit, const char *ds, const char *period)
{
    snprintf(buf, len, "%s\t%s\t%s", unit, ds, period);
}

void arrivals_mark(arrivals_t *a, const char *unit, const char *ds, const char *period)
{
    char k[256];
    rkey(k, sizeof k, unit, ds, period);
    pthread_mutex_lock(&a->mu);
    json_object_set_new(a->received, k, json_true());
    pthread_mutex_unlock(&a->mu);
}

bool arrivals_received(arrivals_t *a, const catalog_t *c, int unit, int ds, period_t p)
{
    char k[256], pcode[PERIOD_CODE_MAX];
    rkey(k, sizeof k, c->units[unit].code, c->datasets[ds].code, period_format(p, pcode, sizeof pcode));
    pthread_mutex_lock(&a->mu);
    bool r = json_object_get(a->received, k) != NULL;
    pthread_mutex_unlock(&a->mu);
    return r;
}

void arrivals_facts(arrivals_t *a, const catalog_t *c, int unit, int ds, period_t p, policy_facts_t *f)
{
    char k[256], pcode[PERIOD_CODE_MAX];
    rkey(k, sizeof k, c->units[unit].code, c->datasets[ds].code, period_format(p, pcode, sizeof pcode));
    memset(f, 0, sizeof *f);
    pthread_mutex_lock(&a->mu);
    json_t *v = json_object_get(a->facts, k);
    if (v) {
        f->due = json_integer_value(json_array_get(v, 0));
        f->silenced = json_is_true(json_array_get(v, 1));
        f->awaiting = json_integer_value(json_array_get(v, 2));
    }
    pthread_mutex_unlock(&a->mu);
}

void arrivals_apply(arrivals_t *a, const ans_units_t *ans, const char *ds, const char *period)
{
    for (uint32_t i = 0; i < ans->n_units; i++) {
        const ans_unit_status_t *u = &ans->units[i];
        if (!strcmp(u->status, "on_time") || !strcmp(u->status, "late"))
            arrivals_mark(a, u->code, ds, period);
        char k[256];
        rkey(k, sizeof k, u->code, ds, period);
        int64_t due = u->has_due ? u->due : 0;
        bool silenced = u->has_silenced && u->silenced;
        int64_t awaiting = u->has_approval && u->approval && !strcmp(u->approval, "awaiting") && u->has_received_at
                               ? u->received_at : 0;
        pthread_mutex_lock(&a->mu);
        if (due || silenced || awaiting)
            json_object_set_new(a->facts, k, json_pack("[I, b, I]", (json_int_t)due, silenced, (json_int_t)awaiting));
        else
            json_object_del(a->facts, k); /* unsilenced, or approved since */
        pthread_mutex_unlock(&a->mu);
    }
}

void arrivals_forget_awaiting(arrivals_t *a, const char *ds, const char *period)
{
    char suffix[256];
    snprintf(suffix, sizeof suffix, "\t%s\t%s", ds, period);
    size_t ls = strlen(suffix);
    const char *k;
    json_t *v, *tmp;
    pthread_mutex_lock(&a->mu);
    json_object_foreach_safe(a->facts, tmp, k, v) {
        size_t lk = strlen(k);
        if (lk <= ls || strcmp(k + lk - ls, suffix) || !json_integer_value(json_array_get(v, 2)))
            continue;
        if (json_integer_value(json_array_get(v, 0)) || json_is_true(json_array_get(v, 1)))
            json_array_set_new(v, 2, json_integer(0));
        else
            json_object_del(a->facts, k);
    }
    pthread_mutex_unlock(&a->mu);
}

/* ---- target notes --------------------------------------------------------------- */

void arrivals_clear_notes(arrivals_t *a)
{
    for (int i = 0; i < a->nnotes; i++) {
        for (int u = 0; u < a->notes[i].nunits; u++)
            free(a->notes[i].lines[u]);
        free(a->notes[i].lines);
    }
    free(a->notes);
    a->notes = NULL;
    a->nnotes = 0;
}

static notes_t *notes_slot(arrivals_t *a, int ds, period_t p)
{
    for (int i = 0; i < a->nnotes; i++)
        if (a->notes[i].ds == ds && period_key(a->notes[i].p) == period_key(p))
            return &a->notes[i];
    return NULL;
}

const char *arrivals_notes(arrivals_t *a, int unit, int ds, period_t p)
{
    notes_t *s = notes_slot(a, ds, p);
    return s && unit < s->nunits ? s->lines[unit] : NULL;
}

static void append_line(char **slot, const char *line)
{
    size_t a = *slot ? strlen(*slot) : 0, b = strlen(line);
    char *s = realloc(*slot, a + b + 1);
    if (!s)
        return;
    memcpy(s + a, line, b + 1);
    *slot = s;
}

static void query_init(proto_query_t *q, const char *what, const char *node, const char *ds, period_t p)
{
    memset(q, 0, sizeof *q);
    snprintf(q->what, sizeof q->what, "%s", what);
    snprintf(q->node, sizeof q->node, "%s", node);
    snprintf(q->dataset, sizeof q->dataset, "%s", ds);
    period_format(p, q->period, sizeof q->period);
}

/* Targets behind schedule for the units under `root` in period p. */
static void load_targets(arrivals_t *a, void *ctx, const char *endpoint, int timeout_ms, const catalog_t *c,
                         int ds, period_t p, const char *root)
{
    proto_query_t q;
    query_init(&q, "targets", root, c->datasets[ds].code, p);
    client_answer_t ans;
    proto_error_t err;
    if (client_ask(ctx, endpoint, timeout_ms, &q, &ans, &err)) {
        log_warn("targets %s %s: %s %s (reminders go out without target notes)", root, q.period,
                 proto_err_code(err.code), err.message);
        return;
    }
    notes_t *slot = notes_slot(a, ds, p);
    if (!slot) {
        notes_t *v = realloc(a->notes, (size_t)(a->nnotes + 1) * sizeof *v);
        char **arr = calloc((size_t)c->nunits + 1, sizeof *arr);
        if (v)
            a->notes = v;
        if (!v || !arr) {
            free(arr);
            client_answer_free(&ans);
            return;
        }
        slot = &a->notes[a->nnotes++];
        *slot = (notes_t){ds, p, arr, c->nunits};
    }
    for (uint32_t i = 0; i < ans.u.targets.n_targets; i++) {
        const ans_target_t *t = &ans.u.targets.targets[i];
        if (strcmp(t->status, "behind") || !t->has_actual || !t->has_expected_by_now)
            continue;
        int u = catalog_unit(c, t->unit);
        if (u < 0)
            continue;
        char line[1024];
        message_target_line(c, catalog_indicator(c, t->indicator), t->name_vi, t->actual, t->expected_by_now, p,
                            line, sizeof line);
        append_line(&slot->lines[u], line);
    }
    client_answer_free(&ans);
}

/* ---- asking what has arrived ------------------------------------------------------ */

typedef struct {
    int ds;
    period_t p;
    bool targets;
} ask_t;

static int add_ask(ask_t *v, int n, int max, int ds, period_t p, bool targets)
{
    for (int i = 0; i < n; i++)
        if (v[i].ds == ds && period_key(v[i].p) == period_key(p)) {
            v[i].targets |= targets;
            return n;
        }
    if (n < max)
        v[n++] = (ask_t){ds, p, targets};
    return n;
}

int arrivals_refresh(arrivals_t *a, void *ctx, const char *endpoint, int timeout_ms, const catalog_t *c,
                     const policy_t *pol, int64_t t)
{
    enum { MAX_ASKS = 256 };
    ask_t asks[MAX_ASKS];
    int nasks = 0;
    arrivals_clear_notes(a);
    for (int ds = 0; ds < c->ndatasets; ds++) {
        int cover = policy_cover(c, pol, ds);
        period_t ps[32];
        int np = policy_periods(c, pol, ds, t, ps, 32);
        for (int pi = 0; pi < np; pi++) {
            bool any = false;
            for (int u = 0; u < c->nunits && !any; u++)
                any = catalog_must_report(c, ds, u) && catalog_open_in(c, u, ps[pi]);
            if (!any)
                continue;
            nasks = add_ask(asks, nasks, MAX_ASKS, ds, ps[pi], true);
            period_t sub[16];
            int nsub = cover >= 0 ? policy_cover_periods(c, cover, ps[pi], sub) : 0;
            for (int i = 0; i < nsub; i++)
                if (period_first_day(sub[i]) <= date_of_time(t))
                    nasks = add_ask(asks, nasks, MAX_ASKS, cover, sub[i], false);
        }
    }
    for (int i = 0; i < nasks; i++)
        for (int r = 0; r < c->nunits; r++) {
            if (c->units[r].parent >= 0)
                continue;
            proto_query_t q;
            query_init(&q, "units", c->units[r].code, c->datasets[asks[i].ds].code, asks[i].p);
            client_answer_t ans;
            proto_error_t err;
            if (client_ask(ctx, endpoint, timeout_ms, &q, &ans, &err)) {
                log_warn("cannot learn from the aggregator at %s what has arrived (%s %s %s): %s %s; sending "
                         "nothing until it answers",
                         endpoint, q.node, q.dataset, q.period, proto_err_code(err.code), err.message);
                return -1;
            }
            arrivals_apply(a, &ans.u.units, q.dataset, q.period);
            client_answer_free(&ans);
            if (asks[i].targets)
                load_targets(a, ctx, endpoint, timeout_ms, c, asks[i].ds, asks[i].p, c->units[r].code);
        }
    /* the approval queue's other periods: only what awaits approval */
    if (pol->approve_after <= 0)
        return 0;
    for (int ds = 0; ds < c->ndatasets; ds++) {
        bool any = false;
        for (int u = 0; u < c->nunits && !any; u++)
            any = catalog_must_report(c, ds, u);
        if (!any)
            continue;
        period_t qs[64];
        int nq = policy_approval_periods(c, ds, t, qs, 64);
        bool older = true; /* E_PERIOD: nothing older either */
        for (int qi = 0; qi < nq && older; qi++) {
            bool asked = false;
            for (int i = 0; i < nasks && !asked; i++)
                asked = asks[i].ds == ds && period_key(asks[i].p) == period_key(qs[qi]);
            if (asked)
                continue;
            char pc[PERIOD_CODE_MAX];
            arrivals_forget_awaiting(a, c->datasets[ds].code, period_format(qs[qi], pc, sizeof pc));
            for (int r = 0; r < c->nunits && older; r++) {
                if (c->units[r].parent >= 0)
                    continue;
                proto_query_t q;
                query_init(&q, "units", c->units[r].code, c->datasets[ds].code, qs[qi]);
                snprintf(q.status, sizeof q.status, "awaiting");
                client_answer_t ans;
                proto_error_t err;
                int rc = client_ask(ctx, endpoint, timeout_ms, &q, &ans, &err);
                if (rc == PROTO_E_NOT_FOUND || rc == PROTO_E_PERIOD) {
                    client_answer_free(&ans);
                    older = rc != PROTO_E_PERIOD;
                    continue; /* nothing there yet / before the unit existed */
                }
                if (rc) {
                    log_warn("cannot learn from the aggregator at %s which reports await approval (%s %s %s): "
                             "%s %s; sending nothing until it answers",
                             endpoint, q.node, q.dataset, q.period, proto_err_code(err.code), err.message);
                    return -1;
                }
                arrivals_apply(a, &ans.u.units, q.dataset, q.period);
                client_answer_free(&ans);
            }
        }
    }
    return 0;
}
