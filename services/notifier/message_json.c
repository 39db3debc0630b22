/*
 * message_json.c -- a digest for machines: the webhook's JSON body and the
 * REMINDER message id of an item (see message.h).
 */
#include "message.h"

#include <stdio.h>
#include <string.h>

static json_t *item_json(const catalog_t *c, const reminder_t *r)
{
    char pcode[PERIOD_CODE_MAX], dl[32];
    json_t *late = json_array(), *missing = json_array();
    for (int i = 0; i < r->nlate; i++) {
        const unit_t *k = &c->units[r->late[i]];
        json_array_append_new(late, json_pack("{s:s, s:s}", "code", k->code, "name", k->name));
    }
    period_t sub[16];
    int nsub = r->cover >= 0 && !r->escalation ? policy_cover_periods(c, r->cover, r->period, sub) : 0;
    for (int i = 0; i < nsub; i++)
        if (r->gaps >> i & 1)
            json_array_append_new(missing, json_string(period_format(sub[i], pcode, sizeof pcode)));
    json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:b, s:b, s:b, s:o, s:o}", "dataset",
                     c->datasets[r->ds].code, "dataset_name", c->datasets[r->ds].name, "period",
                     period_format(r->period, pcode, sizeof pcode), "stage", r->stage, "deadline",
                     time_format_iso(r->deadline, dl, sizeof dl), "deadline_unix", (json_int_t)r->deadline, "overdue",
                     r->overdue, "escalation", r->escalation, "approval", r->approval, "extended", r->extended,
                     "late_units", late, "missing_periods", missing);
    if (it && r->owner != r->unit) /* an approval of a sub-unit's report: whose */
        json_object_set_new(it, "report_unit", json_pack("{s:s, s:s}", "code", c->units[r->owner].code, "name",
                                                         c->units[r->owner].name));
    return it;
}

json_t *message_json(const catalog_t *c, const digest_t *d, const message_t *m)
{
    const unit_t *u = &c->units[d->unit];
    json_t *items = json_array(), *first = NULL;
    for (int i = 0; i < d->nitems; i++) {
        if (d->items[i].cancelled)
            continue;
        json_t *it = item_json(c, &d->items[i]);
        json_array_append_new(items, it);
        first = first ? first : it;
    }
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "id", d->id, "unit", u->code, "unit_name", u->name,
                          "subject", m->subject, "body", m->body, "items", items);
    /* the first item's fields at the top, as before digests */
    const char *keep[] = {"dataset", "period", "stage", "deadline", "deadline_unix", "late_units"};
    for (size_t i = 0; first && i < sizeof keep / sizeof keep[0]; i++)
        json_object_set(j, keep[i], json_object_get(first, keep[i]));
    return j;
}

const char *message_proto_id(const catalog_t *c, const reminder_t *r, char *buf, size_t len)
{
    char pcode[PERIOD_CODE_MAX];
    char stage[POLICY_STAGE_MAX + 80];
    snprintf(stage, sizeof stage, "%s%s%s", r->stage, r->owner != r->unit ? "@" : "",
             r->owner != r->unit ? c->units[r->owner].code : "");
    int n = snprintf(buf, len, "%s:%s:%s:%s", c->units[r->unit].code, c->datasets[r->ds].code,
                     period_format(r->period, pcode, sizeof pcode), stage);
    if (n < 0 || n > 64 || (size_t)n >= len) {
        char full[POLICY_ID_MAX + 80];
        snprintf(full, sizeof full, "%s:%s:%s:%s", c->units[r->unit].code, c->datasets[r->ds].code, pcode,
                 stage);
        snprintf(buf, len, "h:%016llx:%s", (unsigned long long)message_hash(full), r->stage);
    }
    return buf;
}
