#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_SECONDS 86400

const char *channel_name(channel_t ch)
{
    switch (ch) {
    case CH_EMAIL: return "email";
    case CH_WEBHOOK: return "webhook";
    case CH_PUB: return "pub";
    }
    return "?";
}

void policy_default(policy_t *p)
{
    memset(p, 0, sizeof *p);
    p->before[0] = 7;
    p->before[1] = 3;
    p->before[2] = 1;
    p->nbefore = 3;
    p->on_due = true;
    p->after = 1;
    p->escalate = 3;
    p->weekly_days = 7;
    p->work_start = 8;
    p->work_end = 17;
    p->close_after_days = 0;
    p->repeat_after = 5;
    p->chase_covered = false;
    p->approve_after = 2;
    p->email = p->webhook = p->pub = true;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    while (*end == ' ')
        end++;
    if (end == s || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int policy_from_config(policy_t *p, const config_t *cfg, char *err, size_t errlen)
{
    policy_default(p);
    const char *b = config_get(cfg, "notifier", "before", NULL);
    if (b) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", b);
        p->nbefore = 0;
        for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            int v;
            if (p->nbefore >= POLICY_BEFORE_MAX || parse_int(tok, 1, 60, &v)) {
                snprintf(err, errlen, "[notifier] before: want up to %d numbers of working days 1..60, got '%s'",
                         POLICY_BEFORE_MAX, b);
                return -1;
            }
            p->before[p->nbefore++] = v;
        }
    }
    p->on_due = config_bool(cfg, "notifier", "on_due", true);
    p->chase_covered = config_bool(cfg, "notifier", "chase_covered", false);
    struct {
        const char *key;
        int *dst, lo, hi;
    } ints[] = {
        {"after", &p->after, 0, 60},
        {"escalate_after", &p->escalate, 0, 60},
        {"weekly_days", &p->weekly_days, 0, 366},
        {"work_start", &p->work_start, 0, 23},
        {"work_end", &p->work_end, 1, 24},
        {"close_after_days", &p->close_after_days, 0, 3660},
        {"repeat_after", &p->repeat_after, 0, 60},
        {"approve_after", &p->approve_after, 0, 60},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        const char *v = config_get(cfg, "notifier", ints[i].key, NULL);
        if (v && parse_int(v, ints[i].lo, ints[i].hi, ints[i].dst)) {
            snprintf(err, errlen, "[notifier] %s: want a whole number %d..%d, got '%s'", ints[i].key, ints[i].lo,
                     ints[i].hi, v);
            return -1;
        }
    }
    if (p->work_end <= p->work_start) {
        snprintf(err, errlen, "[notifier] work_end (%d) must be after work_start (%d)", p->work_end, p->work_start);
        return -1;
    }
    const char *ch = config_get(cfg, "notifier", "channels", NULL);
    if (ch) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", ch);
        p->email = p->webhook = p->pub = false;
        for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
            if (!strcmp(tok, "email"))
                p->email = true;
            else if (!strcmp(tok, "webhook"))
                p->webhook = true;
            else if (!strcmp(tok, "pub"))
                p->pub = true;
            else {
                snprintf(err, errlen, "[notifier] channels: '%s' is not email, webhook or pub", tok);
                return -1;
            }
        }
    }
    return 0;
}

/* ---- time ---------------------------------------------------------------- */

static int local_seconds(int64_t t)
{
    int64_t s = (t + PERIOD_TZ_OFFSET) % DAY_SECONDS;
    return (int)(s < 0 ? s + DAY_SECONDS : s);
}

bool policy_in_hours(const catalog_t *c, const policy_t *pol, int64_t t)
{
    int s = local_seconds(t);
    return calendar_is_working(c->calendar, date_of_time(t)) && s >= pol->work_start * 3600 &&
           s < pol->work_end * 3600;
}

int64_t policy_next_hours(const catalog_t *c, const policy_t *pol, int64_t t)
{
    if (policy_in_hours(c, pol, t))
        return t;
    int32_t day = date_of_time(t);
    if (calendar_is_working(c->calendar, day) && local_seconds(t) < pol->work_start * 3600)
        return date_start_time(day) + pol->work_start * 3600;
    for (int i = 0; i < 400; i++) {
        day++;
        if (calendar_is_working(c->calendar, day))
            break;
    }
    return date_start_time(day) + pol->work_start * 3600;
}

static int64_t stage_at(const policy_t *pol, int32_t day)
{
    return date_start_time(day) + (int64_t)pol->work_start * 3600;
}

static int32_t last_day(const catalog_t *c, int ds, period_t p)
{
    const dataset_t *d = &c->datasets[ds];
    return calendar_last_day(c->calendar, p, d->due_day, d->roll_forward);
}

int64_t policy_close(const catalog_t *c, const policy_t *pol, int ds, period_t p)
{
    if (pol->close_after_days > 0)
        return catalog_deadline(c, ds, p) + (int64_t)pol->close_after_days * DAY_SECONDS;
    return catalog_deadline(c, ds, period_next(p));
}

typedef struct {
    char name[POLICY_STAGE_MAX];
    int64_t at;
} stage_t;

/* Keeps the latest stage with at <= t and at < close. */
static void consider(stage_t *best, const char *name, int64_t at, int64_t t, int64_t open, int64_t close)
{
    if (at > t || at >= close || at < open)
        return;
    if (best->name[0] && at < best->at)
        return;
    snprintf(best->name, sizeof best->name, "%s", name);
    best->at = at;
}

static int32_t escalate_day(const catalog_t *c, const policy_t *pol, int32_t L)
{
    int n = pol->escalate > 0 ? pol->escalate : pol->after;
    return calendar_add_working(c->calendar, L, n);
}

static void consider_weekly(const catalog_t *c, const policy_t *pol, stage_t *best, int32_t L, int64_t t,
                            int64_t open, int64_t close)
{
    if (pol->weekly_days <= 0)
        return;
    int32_t E = escalate_day(c, pol, L);
    int32_t today = date_of_time(t);
    int k = (today - E) / pol->weekly_days;
    if (k >= 1 && stage_at(pol, E + k * pol->weekly_days) > t)
        k--;
    while (k >= 1 && stage_at(pol, E + k * pol->weekly_days) >= close)
        k--;
    if (k >= 1) {
        char name[POLICY_STAGE_MAX];
        snprintf(name, sizeof name, "weekly-%d", k);
        consider(best, name, stage_at(pol, E + k * pol->weekly_days), t, open, close);
    }
}

/* The latest stage for the unit (parent == false) or its parent, counted
 * from last day L, inside [open, close). */
static bool latest_stage_from(const catalog_t *c, const policy_t *pol, int32_t L, int64_t open, int64_t close,
                              int64_t t, bool parent, stage_t *best)
{
    memset(best, 0, sizeof *best);
    if (t >= close || t < open)
        return false;
    char name[POLICY_STAGE_MAX];
    if (!parent) {
        /* sorted by instant: a larger N is earlier */
        for (int i = 0; i < pol->nbefore; i++) {
            snprintf(name, sizeof name, "before-%d", pol->before[i]);
            consider(best, name, stage_at(pol, calendar_add_working(c->calendar, L, -pol->before[i])), t, open,
                     close);
        }
        if (pol->on_due)
            consider(best, "due", stage_at(pol, L), t, open, close);
        if (pol->after > 0) {
            snprintf(name, sizeof name, "after-%d", pol->after);
            consider(best, name, stage_at(pol, calendar_add_working(c->calendar, L, pol->after)), t, open, close);
        }
    } else if (pol->escalate > 0) {
        consider(best, "escalate", stage_at(pol, escalate_day(c, pol, L)), t, open, close);
    }
    if (parent ? pol->escalate > 0 : true)
        consider_weekly(c, pol, best, L, t, open, close);
    return best->name[0] != '\0';
}

/* The latest stage of the catalog's deadline. */
static bool latest_stage(const catalog_t *c, const policy_t *pol, int ds, period_t p, int64_t t, bool parent,
                         stage_t *best)
{
    return latest_stage_from(c, pol, last_day(c, ds, p), date_start_time(period_first_day(p)),
                             policy_close(c, pol, ds, p), t, parent, best);
}

/* The latest stage of a unit with an extension to `due` (its deadline):
 * counted from its own last day, and closing as much later. */
static bool latest_stage_ext(const catalog_t *c, const policy_t *pol, int ds, period_t p, int64_t due, int64_t t,
                             bool parent, stage_t *best)
{
    int64_t shift = due - catalog_deadline(c, ds, p);
    int64_t close = policy_close(c, pol, ds, p) + (shift > 0 ? shift : 0);
    return latest_stage_from(c, pol, date_of_time(due - 1), date_start_time(period_first_day(p)), close, t, parent,
                             best);
}

/* The latest stage of period q of dataset `cover` extended to `due`, told
 * through covered item (ds, p): counted from q's own extended last day and
 * open while the covered item's window is (moved by as much as due is past
 * the covered item's deadline). */
static bool latest_stage_gap_ext(const catalog_t *c, const policy_t *pol, int ds, period_t p, period_t q, int64_t due,
                                 int64_t t, bool parent, stage_t *best)
{
    int64_t shift = due - catalog_deadline(c, ds, p);
    int64_t close = policy_close(c, pol, ds, p) + (shift > 0 ? shift : 0);
    return latest_stage_from(c, pol, date_of_time(due - 1), date_start_time(period_first_day(q)), close, t, parent,
                             best);
}

int policy_periods(const catalog_t *c, const policy_t *pol, int ds, int64_t t, period_t *out, int max)
{
    period_type_t type = c->datasets[ds].ptype;
    period_t p = period_next(period_next(period_of_day(date_of_time(t), type)));
    period_t tmp[32];
    int n = 0;
    for (int i = 0; i < 32 && period_valid(p); i++, p = period_prev(p)) {
        if (policy_close(c, pol, ds, p) <= t)
            break;
        stage_t s;
        if (latest_stage(c, pol, ds, p, t, false, &s) || latest_stage(c, pol, ds, p, t, true, &s))
            tmp[n++] = p;
    }
    int m = 0;
    for (int i = n - 1; i >= 0 && m < max; i--)
        out[m++] = tmp[i];
    return m;
}

/* ---- covered datasets ------------------------------------------------------ */

int policy_cover(const catalog_t *c, const policy_t *pol, int ds)
{
    return pol->chase_covered ? -1 : catalog_cover(c, ds); /* the catalog's rule, the web's too */
}

int policy_cover_periods(const catalog_t *c, int cover, period_t p, period_t out[16])
{
    return period_children(p, c->datasets[cover].ptype, out, 16);
}

static bool silenced(policy_facts_fn facts, void *ud, int unit, int ds, period_t p)
{
    policy_facts_t f = {0};
    if (facts)
        facts(ud, unit, ds, p, &f);
    return f.silenced;
}

/* The periods of `cover` inside p that the unit owes and has not reported
 * (a silenced one is not owed). */
static uint16_t unit_gaps(const catalog_t *c, int unit, int cover, const period_t *sub, int nsub, uint16_t mask,
                          policy_received_fn received, policy_facts_fn facts, void *ud)
{
    uint16_t gaps = 0;
    if (!catalog_must_report(c, cover, unit))
        return 0;
    for (int i = 0; i < nsub; i++)
        if ((mask >> i & 1) && catalog_open_in(c, unit, sub[i]) && !received(ud, unit, cover, sub[i]) &&
            !silenced(facts, ud, unit, cover, sub[i]))
            gaps |= (uint16_t)(1u << i);
    return gaps;
}

/* ---- the plan ------------------------------------------------------------ */

typedef struct {
    reminder_t *v;
    int n, cap;
    bool oom;
} rlist_t;

static reminder_t *push(rlist_t *l)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        reminder_t *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) {
            l->oom = true;
            return NULL;
        }
        l->v = v;
        l->cap = cap;
    }
    reminder_t *r = &l->v[l->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static bool overdue_stage(const char *stage)
{
    return !strncmp(stage, "after-", 6) || !strncmp(stage, "weekly-", 7) || !strcmp(stage, "escalate");
}

static void *dup_array(rlist_t *l, const void *src, size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        l->oom = true;
    else
        memcpy(p, src, bytes);
    return p;
}

/* Appends an item; due: the unit's extended deadline, or 0. */
static reminder_t *emit(rlist_t *l, const catalog_t *c, int unit, int ds, period_t p, const stage_t *s, int cover,
                        uint16_t gaps, const int *late, const uint16_t *late_gaps, int nlate, int64_t due)
{
    reminder_t *r = push(l);
    if (!r)
        return NULL;
    r->unit = r->owner = unit;
    r->ds = ds;
    r->period = p;
    snprintf(r->stage, sizeof r->stage, "%s", s->name);
    r->deadline = due ? due : catalog_deadline(c, ds, p);
    r->last_day = due ? date_of_time(due - 1) : last_day(c, ds, p);
    r->extended = due != 0;
    r->at = s->at;
    r->overdue = overdue_stage(s->name);
    r->cover = cover;
    r->gaps = gaps;
    if (late) {
        r->escalation = true;
        r->nlate = nlate;
        r->late = dup_array(l, late, (size_t)nlate * sizeof *late);
        if (cover >= 0)
            r->late_gaps = dup_array(l, late_gaps, (size_t)nlate * sizeof *late_gaps);
    }
    return r;
}

typedef struct {
    char *missing;     /* [unit]: owes the obligation and has not reported it */
    uint16_t *gaps;    /* [unit]: for a covered dataset, the missing cover periods */
    int *late;         /* scratch: an escalation's late children */
    uint16_t *late_gaps;
    stage_t *esc;      /* [unit]: the escalation stage its parent has for it (name "" when none yet) */
} scratch_t;

/* The approval item of a unit whose report of (ds, p) has awaited approval
 * since `since` for approve_after working days at t. */
static void plan_approval(rlist_t *l, const catalog_t *c, const policy_t *pol, int64_t t, int unit, int ds,
                          period_t p, int64_t since, int approver)
{
    if (pol->approve_after <= 0 || since <= 0 || approver < 0 || approver > c->nunits)
        return;
    stage_t s;
    /* the day after it arrived counts as the first working day */
    s.at = stage_at(pol, calendar_add_working(c->calendar, date_of_time(since), pol->approve_after));
    if (s.at > t)
        return;
    snprintf(s.name, sizeof s.name, "awaiting-%d", pol->approve_after);
    reminder_t *r = emit(l, c, approver ? approver - 1 : unit, ds, p, &s, -1, 0, NULL, NULL, 0, 0);
    if (r) {
        r->owner = unit;
        r->approval = true;
        r->overdue = false;
    }
}

/* The approval items of a period of ds outside the reminder windows (only
 * approvals: nobody is chased for it any more). */
static void plan_approvals_only(rlist_t *l, const catalog_t *c, const policy_t *pol, int64_t t, int ds, period_t p,
                                policy_facts_fn facts, void *ud)
{
    if (!facts || pol->approve_after <= 0)
        return;
    for (int i = 0; i < c->nunits && !l->oom; i++) {
        int u = c->preorder[i];
        if (!catalog_must_report(c, ds, u) || !catalog_open_in(c, u, p))
            continue;
        policy_facts_t f = {0};
        facts(ud, u, ds, p, &f);
        if (f.awaiting)
            plan_approval(l, c, pol, t, u, ds, p, f.awaiting, f.approver);
    }
}

int policy_approval_periods(const catalog_t *c, int ds, int64_t t, period_t *out, int max)
{
    period_t today = period_of_day(date_of_time(t), c->datasets[ds].ptype), p = today;
    int n = 0;
    for (; n < max && period_within_years(p, today, PERIOD_APPROVAL_YEARS); p = period_prev(p))
        out[n++] = p;
    return n;
}

/* The items of one dataset period: the units that owe it, then the parents
 * of those that owe it. */
static void plan_period(rlist_t *l, const catalog_t *c, const policy_t *pol, int64_t t, int ds, int cover, period_t p,
                        policy_received_fn received, policy_facts_fn facts, void *ud, scratch_t *w)
{
    stage_t us, es, own;
    bool have_u = latest_stage(c, pol, ds, p, t, false, &us);
    bool have_e = latest_stage(c, pol, ds, p, t, true, &es);
    period_t sub[16];
    int nsub = cover >= 0 ? policy_cover_periods(c, cover, p, sub) : 0;
    /* the own items, in pre-order; each unit's escalation stage on the way */
    for (int i = 0; i < c->nunits && !l->oom; i++) {
        int u = c->preorder[i];
        policy_facts_t f = {0};
        bool owes = catalog_must_report(c, ds, u) && catalog_open_in(c, u, p);
        if (owes && facts)
            facts(ud, u, ds, p, &f);
        bool got = owes && received(ud, u, ds, p);
        w->missing[u] = owes && !got && !f.silenced;
        w->gaps[u] = 0;
        w->esc[u].name[0] = '\0';
        if (got && f.awaiting)
            plan_approval(l, c, pol, t, u, ds, p, f.awaiting, f.approver);
        uint16_t own_gaps = 0;
        if (w->missing[u] && cover >= 0) {
            w->gaps[u] = unit_gaps(c, u, cover, sub, nsub, 0xFFFF, received, facts, ud);
            /* a missing period with an extension of its own counts for the
             * unit only once its own first stage has come, and for the
             * parent only once its own escalation has */
            own_gaps = w->gaps[u];
            for (int b = 0; b < nsub && facts; b++) {
                policy_facts_t fq = {0};
                if (!(w->gaps[u] >> b & 1))
                    continue;
                facts(ud, u, cover, sub[b], &fq);
                if (!fq.due)
                    continue;
                stage_t s;
                if (!latest_stage_gap_ext(c, pol, ds, p, sub[b], fq.due, t, false, &s))
                    own_gaps &= (uint16_t)~(1u << b);
                if (!latest_stage_gap_ext(c, pol, ds, p, sub[b], fq.due, t, true, &s))
                    w->gaps[u] &= (uint16_t)~(1u << b);
            }
            w->missing[u] = w->gaps[u] != 0 || own_gaps != 0;
        }
        if (!w->missing[u])
            continue;
        bool tell = cover < 0 || own_gaps != 0;
        if (f.due) { /* an extension: its own stages */
            if (tell && latest_stage_ext(c, pol, ds, p, f.due, t, false, &own))
                emit(l, c, u, ds, p, &own, cover, own_gaps, NULL, NULL, 0, f.due);
            if (!latest_stage_ext(c, pol, ds, p, f.due, t, true, &w->esc[u]))
                w->esc[u].name[0] = '\0';
        } else {
            if (tell && have_u)
                emit(l, c, u, ds, p, &us, cover, own_gaps, NULL, NULL, 0, 0);
            if (have_e)
                w->esc[u] = es;
        }
        if (cover >= 0 && !w->gaps[u])
            w->esc[u].name[0] = '\0'; /* nothing its parent is told yet */
    }
    /* the escalations: each parent's late children whose escalation has
     * come, under the latest of their stages */
    for (int par = 0; par < c->nunits && !l->oom; par++) {
        const unit_t *pu = &c->units[par];
        int nl = 0;
        stage_t latest = {0};
        for (int k = 0; k < pu->nchildren; k++) {
            int ch = pu->children[k];
            if (!w->missing[ch] || !w->esc[ch].name[0])
                continue;
            if (!latest.name[0] || w->esc[ch].at > latest.at)
                latest = w->esc[ch];
            w->late_gaps[nl] = w->gaps[ch];
            w->late[nl++] = ch;
        }
        if (nl > 0)
            emit(l, c, par, ds, p, &latest, cover, 0, w->late, w->late_gaps, nl, 0);
    }
}

static int cmp_item(const void *a, const void *b, void *cat)
{
    const reminder_t *x = a, *y = b;
    const unit_t *units = ((const catalog_t *)cat)->units;
    int px = units[x->unit].subtree_first, py = units[y->unit].subtree_first;
    if (px != py)
        return px < py ? -1 : 1;
    if (x->ds != y->ds)
        return x->ds < y->ds ? -1 : 1;
    uint32_t kx = period_key(x->period), ky = period_key(y->period);
    if (kx != ky)
        return kx < ky ? -1 : 1;
    if (x->escalation != y->escalation)
        return (int)x->escalation - (int)y->escalation;
    int ox = units[x->owner].subtree_first, oy = units[y->owner].subtree_first;
    return ox < oy ? -1 : ox > oy;
}

/* The item of recipient unit's group [first, l->n) with this dataset,
 * period and audience (not an approval), or -1. */
static int find_item(const rlist_t *l, int first, int end, int ds, period_t p, bool escalation)
{
    for (int i = first; i < end; i++) {
        const reminder_t *r = &l->v[i];
        if (!r->approval && r->ds == ds && r->escalation == escalation && period_key(r->period) == period_key(p))
            return i;
    }
    return -1;
}

/* A gap item: period p of dataset `cover`, told because covered item
 * `from` (index) lacks it. */
static int push_gap(rlist_t *l, const catalog_t *c, const policy_t *pol, int64_t t, int from, int cover, period_t p,
                    policy_facts_fn facts, void *ud)
{
    reminder_t *r = push(l);
    if (!r)
        return -1;
    const reminder_t *f = &l->v[from];
    r->unit = r->owner = f->unit;
    r->ds = cover;
    r->period = p;
    snprintf(r->stage, sizeof r->stage, "%s", f->stage);
    r->at = f->at;
    r->deadline = catalog_deadline(c, cover, p);
    r->last_day = last_day(c, cover, p);
    r->overdue = r->deadline <= t || f->overdue;
    r->cover = -1;
    r->gap = true;
    r->escalation = f->escalation;
    policy_facts_t fq = {0};
    if (!r->escalation && facts)
        facts(ud, r->unit, cover, p, &fq);
    stage_t s;
    if (fq.due && latest_stage_gap_ext(c, pol, f->ds, f->period, p, fq.due, t, false, &s)) {
        /* the unit's own extension of that period: its own deadline and stage */
        snprintf(r->stage, sizeof r->stage, "%s", s.name);
        r->at = s.at;
        r->deadline = fq.due;
        r->last_day = date_of_time(fq.due - 1);
        r->extended = true;
        r->overdue = overdue_stage(s.name);
    }
    return l->n - 1;
}

/* Adds unit `late` to gap escalation item i (unless listed). */
static void gap_add_late(rlist_t *l, int i, int late)
{
    reminder_t *r = &l->v[i];
    for (int k = 0; k < r->nlate; k++)
        if (r->late[k] == late)
            return;
    int *v = realloc(r->late, (size_t)(r->nlate + 1) * sizeof *v);
    if (!v) {
        l->oom = true;
        return;
    }
    v[r->nlate++] = late;
    r->late = v;
}

/* Every period a covered item (own or escalation) lacks becomes an item of
 * its own when the recipient has none for it (its window closed): the
 * quarters a year report still needs are each told, with their own
 * deadline, and the covered item folds into them.  items sorted by
 * recipient; returns whether any was added. */
static bool add_gap_items(rlist_t *l, const catalog_t *c, const policy_t *pol, int64_t t, policy_facts_fn facts,
                          void *ud)
{
    int n0 = l->n;
    bool added = false;
    for (int i = 0, j; i < n0 && !l->oom; i = j) {
        for (j = i; j < n0 && l->v[j].unit == l->v[i].unit; j++)
            ;
        int g0 = l->n; /* this recipient's gap items: [g0, l->n) */
        for (int k = i; k < j && !l->oom; k++) {
            reminder_t *r = &l->v[k];
            if (r->approval || r->cover < 0)
                continue;
            period_t sub[16];
            int nsub = policy_cover_periods(c, r->cover, r->period, sub), cover = r->cover;
            int nl = r->escalation ? r->nlate : 1;
            for (int m = 0; m < nl && !l->oom; m++) {
                r = &l->v[k]; /* push() may have moved it */
                uint16_t gaps = r->escalation ? (r->late_gaps ? r->late_gaps[m] : 0) : r->gaps;
                for (int b = 0; b < nsub && !l->oom; b++) {
                    if (!(gaps >> b & 1))
                        continue;
                    bool esc = l->v[k].escalation;
                    if (find_item(l, i, j, cover, sub[b], esc) >= 0)
                        continue; /* told by its own window */
                    int g = find_item(l, g0, l->n, cover, sub[b], esc);
                    if (g < 0) {
                        g = push_gap(l, c, pol, t, k, cover, sub[b], facts, ud);
                        added = true;
                    } else if (!l->v[g].overdue && !l->v[g].extended && l->v[k].overdue) {
                        char st[POLICY_STAGE_MAX];
                        memcpy(st, l->v[k].stage, sizeof st);
                        memcpy(l->v[g].stage, st, sizeof st);
                        l->v[g].at = l->v[k].at;
                    }
                    if (g >= 0 && esc)
                        gap_add_late(l, g, l->v[k].late[m]);
                }
            }
        }
    }
    return added;
}

int policy_plan(const catalog_t *c, const policy_t *pol, int64_t t, policy_received_fn received,
                policy_facts_fn facts, void *ud, reminder_t **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!policy_in_hours(c, pol, t))
        return 0;
    rlist_t l = {0};
    size_t nu = (size_t)c->nunits + 1;
    scratch_t w = {calloc(nu, 1), calloc(nu, sizeof *w.gaps), calloc(nu, sizeof *w.late),
                   calloc(nu, sizeof *w.late_gaps), calloc(nu, sizeof *w.esc)};
    l.oom = !w.missing || !w.gaps || !w.late || !w.late_gaps || !w.esc;
    for (int ds = 0; ds < c->ndatasets && !l.oom; ds++) {
        int cover = policy_cover(c, pol, ds);
        period_t ps[32];
        int np = policy_periods(c, pol, ds, t, ps, 32);
        for (int pi = 0; pi < np && !l.oom; pi++)
            plan_period(&l, c, pol, t, ds, cover, ps[pi], received, facts, ud, &w);
        /* the reports awaiting approval in the approval queue's other periods */
        period_t qs[64];
        int nq = policy_approval_periods(c, ds, t, qs, 64);
        for (int qi = 0; qi < nq && !l.oom; qi++) {
            bool open = false;
            for (int pi = 0; pi < np && !open; pi++)
                open = period_key(ps[pi]) == period_key(qs[qi]);
            if (!open)
                plan_approvals_only(&l, c, pol, t, ds, qs[qi], facts, ud);
        }
    }
    free(w.missing);
    free(w.gaps);
    free(w.late);
    free(w.late_gaps);
    free(w.esc);
    if (l.oom) {
        policy_free(l.v, l.n);
        return -1;
    }
    if (l.n > 1)
        qsort_r(l.v, (size_t)l.n, sizeof *l.v, cmp_item, (void *)c);
    if (add_gap_items(&l, c, pol, t, facts, ud) && !l.oom)
        qsort_r(l.v, (size_t)l.n, sizeof *l.v, cmp_item, (void *)c);
    if (l.oom) {
        policy_free(l.v, l.n);
        return -1;
    }
    *out = l.v;
    *n = l.n;
    return 0;
}

void policy_free(reminder_t *r, int n)
{
    if (!r)
        return;
    for (int i = 0; i < n; i++) {
        free(r[i].late);
        free(r[i].late_gaps);
    }
    free(r);
}

bool policy_still_due(const catalog_t *c, reminder_t *r, policy_received_fn received, void *ud)
{
    if (r->cancelled)
        return false;
    if (r->approval)
        return true; /* received; whether it is still awaiting is the plan's (an EVENT does not say) */
    period_t sub[16];
    int nsub = r->cover >= 0 ? policy_cover_periods(c, r->cover, r->period, sub) : 0;
    if (!r->escalation) {
        bool got = received(ud, r->unit, r->ds, r->period);
        if (!got && r->cover >= 0)
            r->gaps = unit_gaps(c, r->unit, r->cover, sub, nsub, r->gaps, received, NULL, ud);
        r->cancelled = got || (r->cover >= 0 && r->gaps == 0);
        return !r->cancelled;
    }
    int k = 0;
    for (int i = 0; i < r->nlate; i++) {
        if (received(ud, r->late[i], r->ds, r->period))
            continue;
        if (r->cover >= 0) {
            uint16_t g = unit_gaps(c, r->late[i], r->cover, sub, nsub, r->late_gaps[i], received, NULL, ud);
            if (!g)
                continue;
            r->late_gaps[k] = g;
        }
        r->late[k++] = r->late[i];
    }
    r->nlate = k;
    r->cancelled = k == 0;
    return !r->cancelled;
}
