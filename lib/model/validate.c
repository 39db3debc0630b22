#include "validate.h"

#include <stdio.h>
#include <string.h>

/* SUBMIT.values holds at most this many entries (proto/messages.def); the
 * decoder enforces it, this only guards the array below. */
#define VALUES_MAX 256

static int check_value(const catalog_t *c, int ds, const proto_value_t *v, proto_error_t *err)
{
    int ind = catalog_indicator(c, v->code);
    if (ind < 0 || !catalog_dataset_has(c, ds, ind))
        return proto_fail(err, PROTO_E_UNKNOWN_INDICATOR, "indicator %s is not part of dataset %s", v->code,
                          c->datasets[ds].code);
    const indicator_t *in = &c->inds[ind];
    switch (in->kind) {
    case IND_RATE:
        return proto_fail(err, PROTO_E_UNKNOWN_INDICATOR,
                          "indicator %s is a rate computed from %s and %s; submit those instead", in->code,
                          c->inds[in->num].code, c->inds[in->den].code);
    case IND_COUNT:
    case IND_STOCK:
        if (v->kind != PV_INT)
            return proto_fail(err, PROTO_E_VALUE, "indicator %s (%s) takes a whole number", in->code, in->name_vi);
        if (v->i < 0)
            return proto_fail(err, PROTO_E_NEGATIVE, "indicator %s (%s) cannot be negative: %lld", in->code,
                              in->name_vi, (long long)v->i);
        if (v->i > in->max)
            return proto_fail(err, PROTO_E_VALUE, "indicator %s (%s): %lld is above the maximum %lld", in->code,
                              in->name_vi, (long long)v->i, (long long)in->max);
        return 0;
    case IND_BOOL:
        if (v->kind != PV_BOOL)
            return proto_fail(err, PROTO_E_VALUE, "indicator %s (%s) takes true or false", in->code, in->name_vi);
        return 0;
    case IND_TAGS:
        if (v->kind != PV_TAGS)
            return proto_fail(err, PROTO_E_VALUE, "indicator %s (%s) takes a list of tags", in->code, in->name_vi);
        for (uint32_t t = 0; t < v->ntags; t++) {
            if (catalog_tag(c, ind, v->tags[t].ptr, v->tags[t].len) < 0)
                return proto_fail(err, PROTO_E_TAG, "indicator %s: tag '%.*s' is not in its list", in->code,
                                  (int)v->tags[t].len, v->tags[t].ptr);
            for (uint32_t k = 0; k < t; k++)
                if (v->tags[k].len == v->tags[t].len && !memcmp(v->tags[k].ptr, v->tags[t].ptr, v->tags[t].len))
                    return proto_fail(err, PROTO_E_TAG, "indicator %s: tag '%.*s' is listed twice", in->code,
                                      (int)v->tags[t].len, v->tags[t].ptr);
        }
        return 0;
    }
    return proto_fail(err, PROTO_E_VALUE, "indicator %s has an unknown kind", in->code);
}

/* A rate's numerator cannot exceed its denominator in one report. */
static int check_ratios(const catalog_t *c, int ds, const proto_values_t *vals, proto_error_t *err)
{
    const dataset_t *d = &c->datasets[ds];
    for (int k = 0; k < d->ninds; k++) {
        const indicator_t *in = &c->inds[d->inds[k]];
        if (in->kind != IND_RATE)
            continue;
        int64_t num = -1, den = -1;
        proto_value_t v;
        for (uint32_t i = 0; i < vals->n; i++) {
            if (proto_values_at(vals, i, &v) || v.kind != PV_INT)
                continue;
            if (!strcmp(v.code, c->inds[in->num].code))
                num = v.i;
            else if (!strcmp(v.code, c->inds[in->den].code))
                den = v.i;
        }
        if (num >= 0 && den >= 0 && num > den)
            return proto_fail(err, PROTO_E_RATIO, "%s (%lld) is larger than %s (%lld), so %s would exceed 100%%",
                              c->inds[in->num].code, (long long)num, c->inds[in->den].code, (long long)den, in->code);
    }
    return 0;
}

/* Every indicator the dataset requires is present.  The refusal lists the
 * missing codes (as many as the sentence holds) so that the sender can fill
 * them in one go; the names are in the catalog for the sender's own screens. */
static int check_complete(const catalog_t *c, int ds, const int *given, uint32_t ngiven, proto_error_t *err)
{
    const dataset_t *d = &c->datasets[ds];
    char list[200];
    size_t used = 0;
    int missing = 0, listed = 0;
    for (int k = 0; k < d->ninds; k++) {
        if (!d->required[k])
            continue;
        uint32_t i = 0;
        while (i < ngiven && given[i] != d->inds[k])
            i++;
        if (i < ngiven)
            continue;
        const char *code = c->inds[d->inds[k]].code;
        missing++;
        int n = snprintf(list + used, sizeof list - used, "%s%s", listed ? ", " : "", code);
        if (n > 0 && (size_t)n < sizeof list - used) {
            used += (size_t)n;
            listed++;
        } else {
            list[used] = '\0';
        }
    }
    if (missing == 0)
        return 0;
    if (listed < missing)
        return proto_fail(err, PROTO_E_INCOMPLETE, "%d indicators of dataset %s are missing: %s and %d more",
                          missing, d->code, list, missing - listed);
    return proto_fail(err, PROTO_E_INCOMPLETE, "%d indicator%s of dataset %s %s missing: %s", missing,
                      missing > 1 ? "s" : "", d->code, missing > 1 ? "are" : "is", list);
}

/* Comments stand beside values: each names an indicator of the dataset
 * (the decoder checked the codes' characters and the texts). */
static int check_comments(const catalog_t *c, int ds, const proto_strmap_t *comments, proto_error_t *err)
{
    proto_strpair_t e;
    for (uint32_t i = 0; i < comments->n; i++) {
        if (proto_strmap_at(comments, i, &e))
            return proto_fail(err, PROTO_E_FIELD, "comment %u cannot be read", i);
        char code[65];
        snprintf(code, sizeof code, "%.*s", (int)(e.code.len < 64 ? e.code.len : 64), e.code.ptr);
        int ind = catalog_indicator(c, code);
        if (ind < 0 || !catalog_dataset_has(c, ds, ind))
            return proto_fail(err, PROTO_E_UNKNOWN_INDICATOR,
                              "a comment is given for %s, which is not an indicator of dataset %s", code,
                              c->datasets[ds].code);
    }
    return 0;
}

/* The order of the checks is part of the protocol (docs/protocol.md): the
 * key's rights come first, so that a key learns nothing about units it may
 * not submit for -- not even whether they exist. */
/* The key's rights: a unit's key for itself and the sub-units it reports
 * for; a gateway's for any unit of its subtree, naming its user. */
static int check_rights(const catalog_t *c, const proto_submit_t *s, int unit, int submitter, bool gateway,
                        proto_error_t *err)
{
    if (submitter < 0)
        return 0; /* insecure mode: the message is trusted */
    const char *me = c->units[submitter].code;
    if (gateway) {
        if (unit < 0 || !catalog_is_ancestor(c, submitter, unit))
            return proto_fail(err, PROTO_E_FORBIDDEN, "the gateway key of %s may submit only for units under %s, "
                              "not for %s", me, me, s->unit);
        if (!s->entered_by[0])
            return proto_fail(err, PROTO_E_FORBIDDEN,
                              "a gateway key must name the user who entered the report (entered_by)");
        return 0;
    }
    if (s->entered_by[0])
        return proto_fail(err, PROTO_E_FORBIDDEN, "only a gateway key may name who entered a report (entered_by)");
    if (unit < 0 || !catalog_may_submit_for(c, submitter, unit))
        return proto_fail(err, PROTO_E_FORBIDDEN,
                          "the key of %s may submit only for %s and the sub-units it reports for, not for %s", me, me,
                          s->unit);
    return 0;
}

/* Steps shared by SUBMIT and DECIDE once the key's rights are checked:
 * the unit, dataset and period exist, fit together and have begun.  Sets
 * *ds and *per. */
static int check_target(const catalog_t *c, const char *ucode, const char *dcode, const char *pcode, int unit,
                        int64_t now, int *ds /* OUT */, period_t *per /* OUT */, proto_error_t *err)
{
    if (unit < 0)
        return proto_fail(err, PROTO_E_UNKNOWN_UNIT, "unit %s is not in the catalog", ucode);
    *ds = catalog_dataset(c, dcode);
    if (*ds < 0)
        return proto_fail(err, PROTO_E_UNKNOWN_DATASET, "dataset %s is not in the catalog", dcode);
    const dataset_t *d = &c->datasets[*ds];
    if (!catalog_must_report(c, *ds, unit))
        return proto_fail(err, PROTO_E_NOT_REQUIRED, "%s (%s) does not report dataset %s", ucode,
                          c->units[unit].name, d->code);
    if (period_parse(pcode, per))
        return proto_fail(err, PROTO_E_PERIOD, "'%s' is not a period code (use 202509, 2025Q3, 2025S2 or 2025)",
                          pcode);
    if (per->type != d->ptype)
        return proto_fail(err, PROTO_E_PERIOD, "dataset %s is reported per %s, but %s is a %s", d->code,
                          period_type_name(d->ptype), pcode, period_type_name((period_type_t)per->type));
    if (date_start_time(period_first_day(*per)) > now)
        return proto_fail(err, PROTO_E_FUTURE_PERIOD, "period %s has not begun yet", pcode);
    if (!catalog_open_in(c, unit, *per))
        return proto_fail(err, PROTO_E_UNIT_CLOSED, "%s (%s) did not exist during %s", ucode, c->units[unit].name,
                          pcode);
    return 0;
}

int validate_submit(const catalog_t *c, const proto_submit_t *s, int submitter, bool gateway, int64_t now,
                    proto_error_t *err)
{
    int unit = catalog_unit(c, s->unit);
    int rc = check_rights(c, s, unit, submitter, gateway, err);
    if (rc)
        return rc;
    int ds;
    period_t p;
    if ((rc = check_target(c, s->unit, s->dataset, s->period, unit, now, &ds, &p, err)))
        return rc;
    const dataset_t *d = &c->datasets[ds];
    if (s->values.n == 0)
        return proto_fail(err, PROTO_E_EMPTY, "the report has no values: send every indicator of dataset %s",
                          d->code);
    proto_value_t v;
    int given[VALUES_MAX]; /* the indicator of each value, for check_complete */
    if (s->values.n > VALUES_MAX)
        return proto_fail(err, PROTO_E_FIELD, "more than %d values", VALUES_MAX);
    for (uint32_t i = 0; i < s->values.n; i++) {
        if (proto_values_at(&s->values, i, &v))
            return proto_fail(err, PROTO_E_VALUE, "value %u cannot be read", i);
        rc = check_value(c, ds, &v, err);
        if (rc)
            return rc;
        given[i] = catalog_indicator(c, v.code);
    }
    rc = check_ratios(c, ds, &s->values, err);
    if (rc || (rc = check_complete(c, ds, given, s->values.n, err)))
        return rc;
    return check_comments(c, ds, &s->comments, err);
}

/* ------------------------------------------------------------------------
 * Decisions
 * ------------------------------------------------------------------------ */

static const char *const decision_names[] = {[DECIDE_APPROVE] = "approve", [DECIDE_RETURN] = "return",
                                             [DECIDE_EXTEND] = "extend", [DECIDE_SILENCE] = "silence",
                                             [DECIDE_UNSILENCE] = "unsilence"};

decide_kind_t validate_decision_kind(const char *name)
{
    for (int k = DECIDE_APPROVE; k <= DECIDE_UNSILENCE; k++)
        if (!strcmp(name, decision_names[k]))
            return (decide_kind_t)k;
    return DECIDE_NONE;
}

/* Who may decide: a gateway for any unit of its subtree, naming its user;
 * a unit's own key or an ancestor's on a report; only an ancestor's on a
 * deadline (the office above extends, never the unit itself).  A unit the
 * key may not decide for and a unit that does not exist get the same
 * sentence. */
static int decide_rights(const catalog_t *c, const proto_decide_t *d, decide_kind_t k, int unit, int submitter,
                         bool gateway, proto_error_t *err)
{
    if (submitter < 0)
        return 0; /* insecure mode: the message is trusted */
    const char *me = c->units[submitter].code;
    bool on_report = k == DECIDE_APPROVE || k == DECIDE_RETURN;
    if (gateway) {
        if (unit < 0 || !catalog_is_ancestor(c, submitter, unit))
            return proto_fail(err, PROTO_E_FORBIDDEN, "the gateway key of %s may decide only for units under %s, "
                              "not for %s", me, me, d->unit);
        if (!d->entered_by[0])
            return proto_fail(err, PROTO_E_FORBIDDEN,
                              "a gateway key must name the user who decided (entered_by)");
        return 0;
    }
    if (d->entered_by[0])
        return proto_fail(err, PROTO_E_FORBIDDEN, "only a gateway key may name who decided (entered_by)");
    if (unit < 0 || !catalog_is_ancestor(c, submitter, unit))
        return proto_fail(err, PROTO_E_FORBIDDEN,
                          on_report ? "the key of %s may approve or return only the reports of %s and the units "
                                      "under it, not of %s"
                                    : "the key of %s may extend or silence only the deadlines of the units under %s, "
                                      "not of %s",
                          me, me, d->unit);
    if (!on_report && unit == submitter)
        return proto_fail(err, PROTO_E_FORBIDDEN,
                          "a unit may not %s its own deadline: the office above %s decides that", d->decision, me);
    return 0;
}

/* The fields each decision needs, and those it does not take. */
static int decide_fields(const proto_decide_t *d, decide_kind_t k, period_t p, proto_error_t *err)
{
    bool on_report = k == DECIDE_APPROVE || k == DECIDE_RETURN;
    if (on_report && d->version == 0)
        return proto_fail(err, PROTO_E_FIELD, "%s needs the version decided (field 'version', 1 or more)",
                          d->decision);
    if (!on_report && d->version)
        return proto_fail(err, PROTO_E_FIELD, "%s takes no version (field 'version' is for approve and return)",
                          d->decision);
    if (k != DECIDE_EXTEND && d->due[0])
        return proto_fail(err, PROTO_E_FIELD, "%s takes no due date (field 'due' is for extend)", d->decision);
    bool noted = false;
    for (const char *q = d->note; *q && !noted; q++)
        noted = *q != ' ' && *q != '\t' && *q != '\n' && *q != '\r';
    if (k == DECIDE_RETURN && !noted)
        return proto_fail(err, PROTO_E_FIELD, "return needs a note saying what to correct (field 'note')");
    if (k != DECIDE_EXTEND)
        return 0;
    int32_t due;
    if (!d->due[0])
        return proto_fail(err, PROTO_E_FIELD, "extend needs the new last day (field 'due', YYYY-MM-DD)");
    if (date_parse(d->due, &due))
        return proto_fail(err, PROTO_E_FIELD, "due '%s' is not a date YYYY-MM-DD of the calendar", d->due);
    char first[11];
    if (due < period_first_day(p))
        return proto_fail(err, PROTO_E_FIELD, "due %s is before period %s begins (%s)", d->due, d->period,
                          date_format(period_first_day(p), first, sizeof first));
    if (!noted)
        return proto_fail(err, PROTO_E_FIELD, "extend needs a note giving the reason (field 'note')");
    return 0;
}

int validate_decide(const catalog_t *c, const proto_decide_t *d, int submitter, bool gateway, int64_t now,
                    proto_error_t *err)
{
    decide_kind_t k = validate_decision_kind(d->decision);
    if (k == DECIDE_NONE)
        return proto_fail(err, PROTO_E_FIELD,
                          "unknown decision '%s': approve, return, extend, silence or unsilence", d->decision);
    int unit = catalog_unit(c, d->unit);
    int rc = decide_rights(c, d, k, unit, submitter, gateway, err);
    if (rc)
        return rc;
    int ds;
    period_t p;
    if ((rc = check_target(c, d->unit, d->dataset, d->period, unit, now, &ds, &p, err)))
        return rc;
    return decide_fields(d, k, p, err);
}
