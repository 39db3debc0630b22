/*
 * catalog.h -- the catalog: units, indicators, datasets, targets, holidays.
 *
 * The catalog is a directory of five UTF-8 CSV files with a header row
 * (format in docs/catalog.md).  catalog_load() reads and validates all of
 * them and reports every problem it finds as "FILE:LINE: sentence", so a
 * central office can fix a spreadsheet in one pass.  Every program loads the
 * catalog through this one loader.  A loaded catalog is immutable and may be
 * shared by threads; reloading builds a new one.
 */
#ifndef CCHC_CATALOG_H
#define CCHC_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "calendar.h"
#include "period.h"

#define CATALOG_CODE_MAX 64   /* bytes in a unit / indicator / dataset code */
#define CATALOG_NAME_MAX 256  /* bytes in a name (UTF-8) */
#define CATALOG_TAGS_MAX 32   /* tags an indicator may list */
#define CATALOG_DAY_NONE INT32_MIN

typedef enum {
    IND_COUNT = 1, /* a flow: sum across units and across time */
    IND_STOCK,     /* a level (staff headcount): sum across units, latest across time */
    IND_BOOL,      /* yes/no: number and share of units answering yes */
    IND_TAGS,      /* set of tags from a fixed list: units per tag */
    IND_RATE,      /* derived: sum(numerator) / sum(denominator), never submitted */
} ind_kind_t;

typedef enum { AGG_UNITS_SUM = 1, AGG_UNITS_COUNT_YES, AGG_UNITS_COUNT_TAGS, AGG_UNITS_RATIO } agg_units_t;
typedef enum { AGG_TIME_SUM = 1, AGG_TIME_LAST, AGG_TIME_ANY, AGG_TIME_UNION, AGG_TIME_RATIO } agg_time_t;

typedef struct {
    char *code;
    char *name_vi;
    char *name_en;
    char *unit_vi, *unit_en; /* unit of measure (ĐVT: "tin, bài", "người"); "" when the catalog gives none */
    char *group_vi;    /* the form's group heading; "" when none (indicators of one group are kept together) */
    char *help_vi;     /* a short help text for the form; "" when none */
    char *group_en, *help_en; /* the same in English; "" when the catalog gives none (pages then use group_vi
                               * as the grouping key and show no help) */
    ind_kind_t kind;
    agg_units_t across_units;
    agg_time_t across_time;
    int num, den;  /* indicator indices of a rate's numerator and denominator; -1 otherwise */
    char **tags;   /* IND_TAGS: the allowed tags */
    int ntags;
    int64_t max;   /* largest accepted value of a count or stock (INT64_MAX if none) */
} indicator_t;

typedef struct {
    char *code;
    char *name;        /* Vietnamese name, exact UTF-8 */
    char *kind;        /* thanh_pho, so, co_quan, xa, phuong, dac_khu, phong, don_vi, ... */
    int parent;        /* unit index, -1 for a root */
    int depth;         /* 0 for a root */
    int32_t opened;    /* civil day, CATALOG_DAY_NONE when always open */
    int32_t closed;    /* civil day of closing (no longer open that day), CATALOG_DAY_NONE if open */
    char *email;       /* may be NULL */
    char *webhook;     /* may be NULL */
    bool parent_submits; /* the parent's key may submit for this unit */
    int *children;     /* unit indices */
    int nchildren;
    int subtree_first, subtree_end; /* this unit's subtree is pre-order [first, end) (see catalog_preorder) */
} unit_t;

/* What decides whether a report is on time (datasets.csv on_time_by). */
typedef enum {
    ON_TIME_BY_SUBMISSION, /* its first version arrived before the deadline (the default) */
    ON_TIME_BY_APPROVAL    /* its first approval was recorded before the deadline */
} on_time_by_t;

typedef struct {
    char *code;
    char *name;
    char *name_en;    /* the English name; "" when the catalog gives none */
    period_type_t ptype;
    int *inds;        /* indicator indices, in file order (rates included) */
    bool *required;   /* parallel to inds: a report must carry it (never a rate) */
    int ninds;
    int due_day;      /* "before day N of the last month of the period" */
    bool roll_forward;
    on_time_by_t on_time_by;
    char **kinds;     /* unit kinds that must report */
    int nkinds;
    int *units;       /* units named explicitly */
    int nunits;
    int cover;        /* catalog_cover(), decided once when the catalog is loaded */
} dataset_t;

typedef struct {
    int unit;
    int ind;
    period_type_t ptype;   /* the target applies to each period of this type */
    bool has_min, has_max;
    double min, max;       /* for rates: percent, 0..100 */
    bool has_from, has_to;
    period_t from, to;     /* the target is in force for periods inside [from, to] */
    char *note;
} target_t;

typedef struct {
    int32_t day;
    char *name;
    bool working;   /* a make-up working Saturday */
} holiday_t;

typedef struct catalog catalog_t;
struct catalog {
    char *dir;
    unit_t *units;          int nunits;
    indicator_t *inds;      int ninds;
    dataset_t *datasets;    int ndatasets;
    target_t *targets;      int ntargets;
    holiday_t *holidays;    int nholidays;
    calendar_t *calendar;
    int *preorder;          /* unit indices in depth-first pre-order; subtree of u = preorder[u.subtree_first .. u.subtree_end) */
    struct catalog_index *index; /* private hash indexes */
};

/* Called once per problem: file is the CSV base name ("units.csv"), line is
 * 1-based (0 when the problem is about the whole file). */
typedef void (*catalog_diag_fn)(void *ud, const char *file, int line, const char *msg);

/* Loads and validates the catalog in directory `dir`.  On success returns 0
 * and *out owns a catalog (caller destroys it with catalog_destroy()).  On
 * failure returns the number of problems (> 0), each reported through
 * `diag` (may be NULL), and *out is NULL. */
int catalog_load(const char *dir, catalog_t **out /* OUT */, catalog_diag_fn diag, void *ud);

/* Frees the catalog and nulls *self_p; NULL is a no-op. */
void catalog_destroy(catalog_t **self_p);

/* Lookups by code: the index, or -1 when unknown.  O(1). */
int catalog_unit(const catalog_t *c, const char *code);
int catalog_indicator(const catalog_t *c, const char *code);
int catalog_dataset(const catalog_t *c, const char *code);
/* Same with a length (code need not be NUL-terminated). */
int catalog_unit_n(const catalog_t *c, const char *code, size_t len);
int catalog_indicator_n(const catalog_t *c, const char *code, size_t len);
int catalog_dataset_n(const catalog_t *c, const char *code, size_t len);

/* Index of tag `tag` in indicator `ind`, or -1. */
int catalog_tag(const catalog_t *c, int ind, const char *tag, size_t len);

/* true when dataset ds includes indicator ind. */
bool catalog_dataset_has(const catalog_t *c, int ds, int ind);

/* true when a report of dataset ds must carry indicator ind: every indicator
 * of the dataset but its rates and those listed in its `optional` column. */
bool catalog_required(const catalog_t *c, int ds, int ind);

/* The label people read for tag `tag` (len bytes) of a tags indicator
 * ("Mạng xã hội", or in English "Social media"), or NULL for a tag this
 * table does not know (a tag added to the catalog since: show its code). */
const char *catalog_tag_label(const char *tag, size_t len, bool en);

/* The name of dataset ds in the reader's language: name_en when en and the
 * catalog gives one, else the Vietnamese name. */
const char *catalog_dataset_name(const catalog_t *c, int ds, bool en);

/* true when unit must report dataset ds (by kind or by name). */
bool catalog_must_report(const catalog_t *c, int ds, int unit);

/* The dataset whose reports cover dataset ds's, or -1: a finer period type
 * with the same due rule, every indicator ds requires required too, every
 * unit that owes ds owing it -- the finest such (the quarterly report covers
 * the half-year and the year: their numbers are the quarters' rollup, and
 * their deadline is the last quarter's).  The notifier does not chase a
 * covered report on its own ([notifier] chase_covered = no); the web says
 * so on its pages (docs/notifier.md, "The half-year and year reports are
 * covered by the quarterly reports"). */
int catalog_cover(const catalog_t *c, int ds);

/* true when the unit is open on at least one day of period p. */
bool catalog_open_in(const catalog_t *c, int unit, period_t p);

/* true when `submitter` may submit for `unit`: itself, or a child with
 * parent_submits set (transitively down the chain of such children). */
bool catalog_may_submit_for(const catalog_t *c, int submitter, int unit);

/* true when `ancestor` is `unit` or one of its ancestors. */
bool catalog_is_ancestor(const catalog_t *c, int ancestor, int unit);

/* The deadline of dataset ds for period p (UTC seconds, see calendar.h). */
int64_t catalog_deadline(const catalog_t *c, int ds, period_t p);

/* Names for printing. */
const char *ind_kind_name(ind_kind_t k);
/* The unit of measure of an indicator as the consolidated report shows it
 * (ĐVT): the catalog's unit_vi / unit_en, else by kind: "%" for a rate,
 * "đơn vị (có)" for yes/no (units answering yes), "đơn vị" for tags (units
 * per tag), "" for a count or stock without one. */
const char *ind_unit(const indicator_t *in, bool en);

#endif
