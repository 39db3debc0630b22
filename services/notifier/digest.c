#include "digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int32_t digest_key_day(const catalog_t *c, const policy_t *pol, const reminder_t *items, int n, int64_t t)
{
    int32_t key = INT32_MIN, today = date_of_time(t);
    for (int i = 0; i < n; i++)
        if (!items[i].cancelled && date_of_time(items[i].at) > key)
            key = date_of_time(items[i].at);
    if (key == INT32_MIN || pol->repeat_after <= 0)
        return key;
    for (int32_t next; (next = calendar_add_working(c->calendar, key, pol->repeat_after)) <= today;)
        key = next;
    return key;
}

const char *digest_id(const catalog_t *c, int unit, int32_t day, channel_t ch, char *buf, size_t len)
{
    char d[16];
    snprintf(buf, len, "%s/%s/%s", c->units[unit].code, date_format(day, d, sizeof d), channel_name(ch));
    return buf;
}

/* done() for the key day or any day after it up to today: at most one digest a day. */
static bool already_sent(const catalog_t *c, int unit, int32_t key, int32_t today, channel_t ch,
                         digest_done_fn done, void *ud)
{
    char id[POLICY_ID_MAX];
    for (int32_t day = key; day <= today && done; day++)
        if (done(ud, digest_id(c, unit, day, ch, id, sizeof id)))
            return true;
    return false;
}

int digest_group(const catalog_t *c, const policy_t *pol, int64_t t, reminder_t *items, int nitems,
                 digest_done_fn done, void *ud, digest_t **out, int *n)
{
    *out = NULL;
    *n = 0;
    digest_t *v = NULL;
    int nv = 0, cap = 0;
    int32_t today = date_of_time(t);
    for (int i = 0, j; i < nitems; i = j) {
        for (j = i; j < nitems && items[j].unit == items[i].unit; j++)
            ;
        int32_t key = digest_key_day(c, pol, items + i, j - i, t);
        if (key == INT32_MIN)
            continue; /* every item cancelled */
        const unit_t *u = &c->units[items[i].unit];
        struct {
            channel_t ch;
            bool on;
            const char *to;
        } chans[] = {
            {CH_EMAIL, pol->email && u->email && u->email[0], u->email},
            {CH_WEBHOOK, pol->webhook && u->webhook && u->webhook[0], u->webhook},
            {CH_PUB, pol->pub, u->code},
        };
        for (size_t k = 0; k < sizeof chans / sizeof chans[0]; k++) {
            if (!chans[k].on || already_sent(c, items[i].unit, key, today, chans[k].ch, done, ud))
                continue;
            if (nv == cap) {
                cap = cap ? cap * 2 : 64;
                digest_t *nvv = realloc(v, (size_t)cap * sizeof *v);
                if (!nvv) {
                    free(v);
                    return -1;
                }
                v = nvv;
            }
            digest_t *d = &v[nv++];
            memset(d, 0, sizeof *d);
            digest_id(c, items[i].unit, key, chans[k].ch, d->id, sizeof d->id);
            d->unit = items[i].unit;
            d->channel = chans[k].ch;
            d->recipient = chans[k].to;
            d->key_day = key;
            d->items = items + i;
            d->nitems = j - i;
        }
    }
    *out = v;
    *n = nv;
    return 0;
}

/* Is there a visible item of dataset ds and period p in d (an escalation
 * listing `late` when late >= 0)? */
static bool has_item(const digest_t *d, int ds, period_t p, bool escalation, int late)
{
    for (int i = 0; i < d->nitems; i++) {
        const reminder_t *r = &d->items[i];
        if (r->cancelled || r->approval || r->ds != ds || r->escalation != escalation ||
            period_key(r->period) != period_key(p))
            continue;
        if (!escalation)
            return true;
        for (int k = 0; k < r->nlate; k++)
            if (r->late[k] == late)
                return true;
    }
    return false;
}

static bool gaps_in_digest(const digest_t *d, int cover, const period_t *sub, int nsub, uint16_t gaps,
                           bool escalation, int late)
{
    for (int i = 0; i < nsub; i++)
        if ((gaps >> i & 1) && !has_item(d, cover, sub[i], escalation, late))
            return false;
    return true;
}

bool digest_late_folded(const catalog_t *c, const digest_t *d, const reminder_t *r, int k)
{
    if (r->cover < 0 || !r->escalation || !r->late_gaps)
        return false;
    period_t sub[16];
    int nsub = policy_cover_periods(c, r->cover, r->period, sub);
    return gaps_in_digest(d, r->cover, sub, nsub, r->late_gaps[k], true, r->late[k]);
}

void digest_fold(const catalog_t *c, const digest_t *d, bool *folded)
{
    for (int i = 0; i < d->nitems; i++) {
        const reminder_t *r = &d->items[i];
        folded[i] = false;
        if (r->cancelled || r->cover < 0 || r->approval)
            continue;
        if (!r->escalation) {
            period_t sub[16];
            int nsub = policy_cover_periods(c, r->cover, r->period, sub);
            folded[i] = gaps_in_digest(d, r->cover, sub, nsub, r->gaps, false, -1);
            continue;
        }
        bool all = true;
        for (int k = 0; k < r->nlate && all; k++)
            all = digest_late_folded(c, d, r, k);
        folded[i] = all;
    }
}

void digest_count(const digest_t *d, const bool *folded, int *own, int *esc, int *approve)
{
    *own = *esc = *approve = 0;
    for (int i = 0; i < d->nitems; i++)
        if (!d->items[i].cancelled && !folded[i])
            (*(d->items[i].approval ? approve : d->items[i].escalation ? esc : own))++;
}

const char *digest_items(const catalog_t *c, const digest_t *d, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < d->nitems && o < len; i++) {
        const reminder_t *r = &d->items[i];
        char pcode[PERIOD_CODE_MAX], late[80] = "";
        if (r->cancelled)
            continue;
        if (r->escalation)
            snprintf(late, sizeof late, "(%d)", r->nlate);
        if (r->approval && r->owner != r->unit) /* whose report: a sub-unit the recipient approves for */
            snprintf(late, sizeof late, "@%s", c->units[r->owner].code);
        int k = snprintf(buf + o, len - o, "%s%s%s/%s/%s%s", o ? ", " : "",
                         r->escalation ? "sub:" : r->approval ? "approve:" : "",
                         c->datasets[r->ds].code, period_format(r->period, pcode, sizeof pcode), r->stage, late);
        o += k > 0 ? (size_t)k : 0;
    }
    return buf;
}
