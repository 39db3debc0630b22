/*
 * entry.h -- data entry (/entry), shared by page_entry.c (the place, the
 * form, the page) and entry_post.c (saving the draft, submitting through
 * the gateway key, the answer shown field by field).  Not for other pages.
 *
 * The form's content travels as one JSON object, the same for a draft, for
 * the latest version read back from the aggregator and for a posted form:
 *     {"values": {"PORTAL_POSTS": "12", "PLAN_ISSUED": true,
 *                 "OTHER_FORMS": ["truc_quan"]},
 *      "comments": {"PORTAL_POSTS": "gồm 3 tin đăng lại"}, "note": "..."}
 * counts and stocks as the text typed (a draft may keep "12a" to show it
 * again), yes/no as booleans, tags as arrays of tag codes; a comment beside
 * a value only when not empty (a draft from before comments has none).
 */
#ifndef CCHC_WEB_ENTRY_H
#define CCHC_WEB_ENTRY_H

#include <jansson.h>
#include <stdbool.h>

#include "page.h"
#include "users.h"

#define ENTRY_COMMENT_CHARS 160 /* a comment beside a value, in characters (the protocol's 512 bytes hold any 160) */
#define ENTRY_NOTE_MAX (sizeof ((proto_submit_t *)0)->note - 1) /* bytes of the report's note (the protocol's) */
#define ENTRY_NOTE_CHARS 340 /* the note's field takes this many characters: any 340 fit in ENTRY_NOTE_MAX bytes */
#define ENTRY_MAX_UNITS 256 /* units one reporter may enter for (its own and parent_submits sub-units) */

/* Where the report goes: unit, dataset, period (catalog indices). */
typedef struct {
    int unit, ds;
    period_t p;
    char period[PERIOD_CODE_MAX];
} entry_place_t;

/* Everything one page shows. */
typedef struct {
    entry_place_t pl;
    json_t *content;              /* the form's content (owned) */
    client_answer_t latest, prev; /* QUERY values: this period's latest version, the previous period's */
    bool has_latest, has_prev;
    char prev_period[PERIOD_CODE_MAX];
    users_draft_t draft;          /* the stored draft (when has_draft) */
    bool has_draft;
    char *field_err[256];         /* by position in the dataset: a sentence for the field (owned), or NULL */
    char *note_err;               /* a sentence for the note (owned), or NULL */
    char msg[1536];               /* the outcome of a POST, when not empty */
    const char *msg_class;        /* "ok", "err" or "warn" */
    const char *msg_kind;         /* data-outcome: saved, accepted, duplicate, refused, no_answer, invalid */
    int status;
    uint64_t acked_version;       /* the ACK's version, when this page answers one (the aggregator may lag) */
    int64_t acked_at;
} entry_view_t;

/* Who enters what, on every door (the form, the Excel template and upload):
 * a reporter, for its own unit and the offices it submits for
 * (parent_submits) -- not an admin, who manages accounts, nor a viewer. */
bool entry_may_enter(req_t *r, int unit);

/* A period a report can be entered for: begun (today or before) and one in
 * which the unit exists. */
bool entry_period_open(const catalog_t *c, int unit, period_t p, int64_t now);

/* The place of the request: unit, dataset, period from the query string (GET)
 * or the form (POST); defaults for the user's own unit, its first dataset
 * and the first open period.  Checks that the session is a reporter of the
 * unit (or of its parent for parent_submits units).  Returns 0, or -1 after
 * answering 404 (accounts off, unknown unit), 403 (not the unit's reporter)
 * or 400 (a bad dataset or period). */
int entry_place(req_t *r, resp_t *out, entry_place_t *pl /* OUT */, bool from_form);

/* Reads the draft and the aggregator's latest and previous values into v
 * (pl set); content = the draft's, else the latest version's, else empty,
 * unless v->content is already set.  Never fails: what cannot be read is
 * left out. */
void entry_load(req_t *r, entry_view_t *v);

/* Renders the page (status v->status, 200 when 0). */
void entry_render(req_t *r, resp_t *out, entry_view_t *v);

/* Frees what v owns. */
void entry_view_free(entry_view_t *v);

/* The form field of indicator `code` (v_<code in lower case>, other bytes
 * '_') and of one of its tags (v_<code>__<tag>), into buf. */
const char *entry_field(const char *code, const char *tag, char *buf, size_t len);

/* The comment field beside indicator `code`'s value (c_<code in lower case>). */
const char *entry_comment_field(const char *code, char *buf, size_t len);

/* Values and comments (may be NULL) of a QUERY answer as content JSON (new
 * reference). */
json_t *entry_content_of(const proto_values_t *vals, const proto_strmap_t *comments, const char *note);

/* POST /entry: save the draft, or submit it (entry_post.c). */
void entry_post(req_t *r, resp_t *out);

#endif
