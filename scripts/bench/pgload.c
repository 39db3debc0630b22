/*
 * pgload -- the PostgreSQL baseline: the benchmark's submissions and rollups
 * as a typical web application on PostgreSQL would do them.
 *
 *   pgload ingest --conninfo CI --work work.tsv --batch N --clients C
 *                 [--dataset D --period P]
 *       C connections (a pool), each with one statement outstanding.  A
 *       statement upserts N submissions in one transaction (autocommit, one
 *       round trip): the submission row (id, unit, submitter, dataset,
 *       period, values as jsonb; a known id is a duplicate), the report row
 *       (unit, dataset, period -> version, times; a correction bumps the
 *       version) and one row per value (unit, dataset, period, indicator ->
 *       num, tags).  N = 1: a transaction per submission; N = 1000: batches.
 *       Corrections start after every first report is committed.
 *       Prints one JSON object.
 *
 *   pgload query --conninfo CI --reps N [--max-seconds S] [--deadline ISO]
 *                [--dataset D --period P] NAME:rollup|status:NODE ...
 *       The same questions as our QUERY rollup / status, as GROUP BY over the
 *       value table joined to the unit tree (closure table), prepared once.
 *       A cold run, then N timed runs (fewer when S seconds have passed).
 *       Prints one JSON object.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "work.h"

#define die(fmt, a) bench_die("pgload", fmt, a)
#define opt bench_opt

/* ---- a growable string ------------------------------------------------- */

typedef struct {
    char *p;
    size_t n, cap;
} sb_t;

static void sb_put(sb_t *s, const char *x, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        s->cap = (s->n + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
    }
    memcpy(s->p + s->n, x, n);
    s->n += n;
    s->p[s->n] = '\0';
}

static void sb_str(sb_t *s, const char *x) { sb_put(s, x, strlen(x)); }

/* An element of a text-format array literal: "..." with " and \ escaped. */
static void sb_arr_elem(sb_t *s, const char *x, size_t n)
{
    sb_put(s, s->n > 1 ? ",\"" : "\"", s->n > 1 ? 2 : 1);
    for (size_t i = 0; i < n; i++) {
        if (x[i] == '"' || x[i] == '\\')
            sb_put(s, "\\", 1);
        sb_put(s, &x[i], 1);
    }
    sb_put(s, "\"", 1);
}

/* ---- the upsert --------------------------------------------------------- */

static const char *UPSERT =
    "WITH s AS ("
    "  INSERT INTO submission (id, unit, submitter, dataset, period, vals)"
    "  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[])"
    "  ON CONFLICT (id) DO NOTHING RETURNING id, unit, dataset, period),"
    " r AS ("
    "  INSERT INTO report AS r (unit, dataset, period, version, first_received_at, received_at, submission_id)"
    "  SELECT unit, dataset, period, 1, now(), now(), id FROM s"
    "  ON CONFLICT (unit, dataset, period) DO UPDATE SET version = r.version + 1,"
    "    received_at = excluded.received_at, submission_id = excluded.submission_id"
    "  RETURNING unit)"
    " INSERT INTO value AS v (unit, dataset, period, indicator, num, tags)"
    " SELECT x.u, ($4::text[])[1], ($5::text[])[1], x.i, x.n, string_to_array(nullif(x.t, ''), '|')"
    " FROM unnest($7::text[], $8::text[], $9::bigint[], $10::text[]) AS x(u, i, n, t)"
    " WHERE x.u IN (SELECT unit FROM r)"
    " ON CONFLICT (unit, dataset, period, indicator) DO UPDATE SET num = excluded.num, tags = excluded.tags";

typedef struct {
    sb_t a[10];
} params_t;

static void params_reset(params_t *p)
{
    for (int i = 0; i < 10; i++) {
        p->a[i].n = 0;
        sb_put(&p->a[i], "{", 1);
    }
}

static void params_add(params_t *p, const work_t *w, const work_item_t *it)
{
    const char *office = w->offices[it->office].code;
    sb_arr_elem(&p->a[0], it->id, strlen(it->id));
    sb_arr_elem(&p->a[1], it->unit, strlen(it->unit));
    sb_arr_elem(&p->a[2], office, strlen(office));
    sb_arr_elem(&p->a[3], w->dataset, strlen(w->dataset));
    sb_arr_elem(&p->a[4], w->period, strlen(w->period));
    proto_value_t vals[WORK_MAX_VALUES];
    char *scratch;
    int n = work_values(it, vals, &scratch);
    if (n < 0)
        die("bad values for %s", it->id);
    sb_t js = {0};
    sb_str(&js, "{");
    for (int i = 0; i < n; i++) {
        const proto_value_t *v = &vals[i];
        char num[32];
        if (i)
            sb_str(&js, ", ");
        sb_str(&js, "\"");
        sb_str(&js, v->code);
        sb_str(&js, "\": ");
        /* value rows */
        sb_arr_elem(&p->a[6], it->unit, strlen(it->unit));
        sb_arr_elem(&p->a[7], v->code, strlen(v->code));
        if (v->kind == PV_TAGS) {
            sb_str(&js, "[");
            sb_t tg = {0};
            for (uint32_t t = 0; t < v->ntags; t++) {
                sb_str(&js, t ? ", \"" : "\"");
                sb_put(&js, v->tags[t].ptr, v->tags[t].len);
                sb_str(&js, "\"");
                if (t)
                    sb_put(&tg, "|", 1);
                sb_put(&tg, v->tags[t].ptr, v->tags[t].len);
            }
            sb_str(&js, "]");
            sb_str(&p->a[8], p->a[8].n > 1 ? ",NULL" : "NULL");
            sb_arr_elem(&p->a[9], tg.p ? tg.p : "", tg.n);
            free(tg.p);
        } else {
            if (v->kind == PV_BOOL)
                sb_str(&js, v->i ? "true" : "false");
            else {
                snprintf(num, sizeof num, "%lld", (long long)v->i);
                sb_str(&js, num);
            }
            snprintf(num, sizeof num, "%s%lld", p->a[8].n > 1 ? "," : "", (long long)v->i);
            sb_str(&p->a[8], num);
            sb_arr_elem(&p->a[9], "", 0);
        }
    }
    sb_str(&js, "}");
    sb_arr_elem(&p->a[5], js.p, js.n);
    free(js.p);
    free(scratch);
}

static void params_close(params_t *p)
{
    for (int i = 0; i < 10; i++)
        sb_put(&p->a[i], "}", 1);
}

typedef struct {
    PGconn *c;
    bool busy;
    int first, count; /* items [first, first+count) in flight */
    double t_send;
    params_t p;
} conn_t;

static PGconn *connect_db(const char *ci)
{
    PGconn *c = PQconnectdb(ci);
    if (PQstatus(c) != CONNECTION_OK)
        die("cannot connect: %s", PQerrorMessage(c));
    return c;
}

static int cmd_ingest(int argc, char **argv)
{
    const char *ci = opt(argc, argv, "--conninfo", NULL), *workp = opt(argc, argv, "--work", NULL);
    const char *ds = opt(argc, argv, "--dataset", "NAT_Q"), *period = opt(argc, argv, "--period", "2025Q3");
    int batch = atoi(opt(argc, argv, "--batch", "1")), nconn = atoi(opt(argc, argv, "--clients", "64"));
    if (!ci || !workp || batch < 1 || nconn < 1)
        die("usage: pgload ingest --conninfo CI --work F --batch N --clients C%s", "");
    work_t w;
    if (work_load(workp, ds, period, &w))
        return 1;
    int nphase1 = 0;
    while (nphase1 < w.n && w.items[nphase1].phase == 1)
        nphase1++;
    for (int i = nphase1; i < w.n; i++)
        if (w.items[i].phase != 2)
            die("work.tsv: phase 1 after phase 2%s", "");
    conn_t *cs = calloc((size_t)nconn, sizeof *cs);
    for (int i = 0; i < nconn; i++) {
        cs[i].c = connect_db(ci);
        if (PQsetnonblocking(cs[i].c, 1))
            die("nonblocking: %s", PQerrorMessage(cs[i].c));
    }
    int nreq_max = w.n / batch + 4;
    double *lat = malloc((size_t)nreq_max * sizeof *lat);
    size_t nlat = 0;
    long values = 0, done_items = 0, rows = 0;
    int next = 0, inflight = 0;
    struct pollfd *pf = calloc((size_t)nconn, sizeof *pf);
    double t0 = now_mono(), t_last = t0;
    for (;;) {
        /* dispatch */
        for (int i = 0; i < nconn; i++) {
            conn_t *c = &cs[i];
            if (c->busy)
                continue;
            if (next >= w.n || (next == nphase1 && done_items < nphase1))
                continue; /* corrections wait for every first report */
            int limit = next < nphase1 ? nphase1 : w.n;
            int n = limit - next < batch ? limit - next : batch;
            if (n <= 0)
                continue;
            params_reset(&c->p);
            for (int k = 0; k < n; k++)
                params_add(&c->p, &w, &w.items[next + k]);
            params_close(&c->p);
            const char *vals[10];
            for (int k = 0; k < 10; k++)
                vals[k] = c->p.a[k].p;
            c->t_send = now_mono();
            if (!PQsendQueryParams(c->c, UPSERT, 10, NULL, vals, NULL, NULL, 0))
                die("send: %s", PQerrorMessage(c->c));
            while (PQflush(c->c) == 1) {
                struct pollfd f = {PQsocket(c->c), POLLOUT, 0};
                poll(&f, 1, 1000);
            }
            c->busy = true;
            c->first = next;
            c->count = n;
            next += n;
            inflight++;
        }
        if (inflight == 0 && next >= w.n)
            break;
        int np = 0;
        int map[1024];
        for (int i = 0; i < nconn && np < 1024; i++)
            if (cs[i].busy) {
                pf[np] = (struct pollfd){PQsocket(cs[i].c), POLLIN, 0};
                map[np++] = i;
            }
        if (poll(pf, (nfds_t)np, 60000) <= 0)
            die("no answer from PostgreSQL in 60 s%s", "");
        for (int k = 0; k < np; k++) {
            if (!(pf[k].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            conn_t *c = &cs[map[k]];
            if (!PQconsumeInput(c->c))
                die("consume: %s", PQerrorMessage(c->c));
            if (PQisBusy(c->c))
                continue;
            PGresult *r;
            while ((r = PQgetResult(c->c))) {
                if (PQresultStatus(r) != PGRES_COMMAND_OK)
                    die("upsert failed: %s", PQresultErrorMessage(r));
                rows += atol(PQcmdTuples(r));
                PQclear(r);
            }
            double t = now_mono();
            lat[nlat++] = t - c->t_send;
            t_last = t;
            for (int i = 0; i < c->count; i++)
                values += w.items[c->first + i].nvalues;
            done_items += c->count;
            c->busy = false;
            inflight--;
        }
    }
    double elapsed = t_last - t0;
    double p50 = quantile(lat, nlat, 0.5), p99 = quantile(lat, nlat, 0.99);
    printf("{\"submissions\": %ld, \"batch\": %d, \"clients\": %d, \"transactions\": %zu, \"value_rows\": %ld, "
           "\"elapsed_s\": %.4f, \"subs_per_s\": %.1f, \"values_per_s\": %.1f, \"txn_p50_ms\": %.3f, "
           "\"txn_p99_ms\": %.3f}\n",
           done_items, batch, nconn, nlat, rows, elapsed, (double)done_items / elapsed, (double)values / elapsed,
           p50 * 1e3, p99 * 1e3);
    for (int i = 0; i < nconn; i++)
        PQfinish(cs[i].c);
    work_free(&w);
    return 0;
}

/* ---- the queries -------------------------------------------------------- */

static const char *Q_ROLLUP =
    "SELECT ch.ancestor AS child, v.indicator, sum(v.num) AS total, count(*) AS units,"
    "       sum(cardinality(v.tags)) AS tags"
    " FROM unit_tree t"
    " JOIN value v ON v.unit = t.unit AND v.dataset = $2 AND v.period = $3"
    " LEFT JOIN unit_tree ch ON ch.unit = t.unit AND ch.depth = t.depth + 1"
    " WHERE t.ancestor = $1"
    " GROUP BY GROUPING SETS ((v.indicator), (ch.ancestor, v.indicator))";

static const char *Q_STATUS =
    "SELECT count(*) AS expected, count(r.unit) AS received,"
    "       count(*) FILTER (WHERE r.first_received_at < $4::timestamptz) AS on_time,"
    "       count(r.unit) FILTER (WHERE r.first_received_at >= $4::timestamptz) AS late"
    " FROM unit_tree t JOIN unit u ON u.code = t.unit AND u.reports"
    " LEFT JOIN report r ON r.unit = t.unit AND r.dataset = $2 AND r.period = $3"
    " WHERE t.ancestor = $1";

static int cmd_query(int argc, char **argv)
{
    const char *ci = opt(argc, argv, "--conninfo", NULL);
    const char *ds = opt(argc, argv, "--dataset", "NAT_Q"), *period = opt(argc, argv, "--period", "2025Q3");
    const char *deadline = opt(argc, argv, "--deadline", "2025-09-10T00:00:00+07:00");
    int reps = atoi(opt(argc, argv, "--reps", "100"));
    double max_s = atof(opt(argc, argv, "--max-seconds", "20"));
    if (!ci || reps < 1)
        die("usage: pgload query --conninfo CI --reps N NAME:rollup|status:NODE...%s", "");
    PGconn *c = connect_db(ci);
    PGresult *r = PQprepare(c, "rollup", Q_ROLLUP, 3, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("prepare rollup: %s", PQresultErrorMessage(r));
    PQclear(r);
    r = PQprepare(c, "status", Q_STATUS, 4, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        die("prepare status: %s", PQresultErrorMessage(r));
    PQclear(r);
    double *lat = malloc((size_t)reps * sizeof *lat);
    printf("{");
    int nspec = 0;
    bench_query_t q;
    for (int i = 1; bench_next_query("pgload", argc, argv, &i, &q) == 0;) {
        const char *vals[4] = {q.node, ds, period, deadline};
        int nparams = strcmp(q.what, "status") ? 3 : 4;
        const char *stmt = strcmp(q.what, "status") ? "rollup" : "status";
        int rows = 0, n = 0;
        double cold = 0, t_start = now_mono();
        for (int k = -1; k < reps; k++) {
            double t = now_mono();
            r = PQexecPrepared(c, stmt, nparams, vals, NULL, NULL, 0);
            double dt = now_mono() - t;
            if (PQresultStatus(r) != PGRES_TUPLES_OK)
                die("query failed: %s", PQresultErrorMessage(r));
            rows = PQntuples(r);
            PQclear(r);
            if (k < 0)
                cold = dt;
            else
                lat[n++] = dt;
            if (k >= 2 && now_mono() - t_start > max_s)
                break;
        }
        double p50 = quantile(lat, (size_t)n, 0.5), p99 = quantile(lat, (size_t)n, 0.99);
        printf("%s\"%s\": {\"what\": \"%s\", \"node\": \"%s\", \"reps\": %d, \"rows\": %d, \"cold_ms\": %.3f, "
               "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"min_ms\": %.3f, \"max_ms\": %.3f}",
               nspec++ ? ", " : "", q.name, q.what, q.node, n, rows, cold * 1e3, p50 * 1e3, p99 * 1e3, lat[0] * 1e3,
               lat[n - 1] * 1e3);
        fflush(stdout);
    }
    printf("}\n");
    PQfinish(c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: pgload ingest|query ...%s", "");
    if (!strcmp(argv[1], "ingest"))
        return cmd_ingest(argc - 1, argv + 1);
    if (!strcmp(argv[1], "query"))
        return cmd_query(argc - 1, argv + 1);
    die("unknown command %s", argv[1]);
    return 2;
}
