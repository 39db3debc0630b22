/*
 * rollup_query_int.h -- private to the QUERY side of the rollup store:
 * rollup_query.c (dispatch, rollup, targets, info), rollup_status.c
 * (status, units) and rollup_report.c (values, history).
 */
#ifndef CCHC_ROLLUP_QUERY_INT_H
#define CCHC_ROLLUP_QUERY_INT_H

#include "answer.h"
#include "rollup.h"
#include "rollup_int.h"

typedef struct {
    rollup_t *r;
    const ru_view_t *v;
    const catalog_t *c;
    MDB_txn *txn;
    msgpack_packer *pk;
    int64_t now;
    int node, ds; /* -1 when not given (targets: dataset) */
    period_t p;
    char pcode[PERIOD_CODE_MAX];
    int64_t *subs; /* RU_SUBS_MAX unit values of sub-periods (node_slots) */
    bool approved; /* rollup, targets: the approved layer (QUERY.approved) */
    const proto_query_t *query; /* the QUERY itself (units: its filters and page) */
} qctx_t;

static inline ans_unit_ref_t ruq_unit_ref(const unit_t *u)
{
    return (ans_unit_ref_t){.code = u->code, .name = u->name, .kind = u->kind};
}

/* E_STORAGE with the LMDB error's sentence. */
int ruq_storage_fail(proto_error_t *err, int rc);

/* The key of (unit, q's dataset, p). */
size_t ruq_node_key(const qctx_t *q, char *key, int unit, period_t p);

/* The node value of (unit, dataset, P) with its counters (rollup_query.c). */
void ruq_node_slots(const qctx_t *q, int unit, period_t P, bool completeness, int64_t *s, int *rc);

/* "awaiting", "approved", "returned" by RU_AWAITING... (anything else: awaiting). */
extern const char *const ruq_approval_names[3];
const char *ruq_approval_name(uint32_t a);

/* One mark of a dataset period, of a unit in the catalog. */
typedef struct {
    int unit;
    ru_mark_t m; /* reason points into the map: valid while q->txn is */
} qmark_t;

/* The marks of (q's dataset, P), into *out (caller frees; *n of them).
 * 0, an LMDB error, or STORE_E_NOMEM. */
int ruq_marks_load(const qctx_t *q, period_t P, qmark_t **out, int *n);

/* The answers (each packs with q->pk or returns an error, packing nothing). */
int ruq_status(qctx_t *q, proto_error_t *err);
int ruq_units(qctx_t *q, proto_error_t *err);
int ruq_values(qctx_t *q, proto_error_t *err);
int ruq_history(qctx_t *q, uint64_t limit, proto_error_t *err);

#endif
