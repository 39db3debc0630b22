/*
 * catalog_units.c -- units.csv: the units and their tree.
 *
 * A row whose code is usable is kept even when its other fields are wrong,
 * so that rows referring to it do not raise a cascade of "unknown unit"
 * reports.  Trees can be as deep as they are long (a national benchmark
 * nests 100,000 units), so depth, pre-order and cycle detection use explicit
 * stacks, never recursion.
 */
#include "catalog_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CYCLE_MAX 1024 /* bytes of a cycle's description */

enum { U_CODE, U_NAME, U_KIND, U_PARENT, U_OPENED, U_CLOSED, U_EMAIL, U_WEBHOOK, U_PSUB, U_NCOLS };
static const csvtab_column_t unit_cols[U_NCOLS] = {
    {"code", true}, {"name", true}, {"kind", true}, {"parent", true}, {"opened", false},
    {"closed", false}, {"email", false}, {"webhook", false}, {"parent_submits", false},
};
const catalog__schema_t catalog__units_schema = {unit_cols, U_NCOLS};

static void load_units_rows(load_t *L, const char **pcode, int *row)
{
    csvtab_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    for (int r = 0; r < t->nrows; r++) {
        const char *code = csvtab_cell(t, r, U_CODE);
        const char *s;
        if (!catalog__add_code(L, t, r, code, &c->index->units, row))
            continue;
        unit_t *u = &c->units[c->nunits];
        row[c->nunits] = r;
        memset(u, 0, sizeof *u);
        u->code = (char *)code;
        u->parent = -1;
        u->name = csvtab_cell_mut(t, r, U_NAME);
        catalog__check_text(L, t, r, "name", u->name, TEXT_REQUIRED);
        s = csvtab_cell(t, r, U_KIND);
        u->kind = (char *)catalog__find_kind(s);
        if (u->kind == NULL) {
            csvtab_report(L->diag, t->file, t->lines[r], "unknown kind %s (expected %s)", CSVTAB_SHOW(s),
                          catalog__kinds_list());
            u->kind = (char *)catalog__unit_kinds[0];
        }
        catalog__parse_date(L, t, r, "opened", csvtab_cell(t, r, U_OPENED), &u->opened);
        catalog__parse_date(L, t, r, "closed", csvtab_cell(t, r, U_CLOSED), &u->closed);
        if (u->opened != CATALOG_DAY_NONE && u->closed != CATALOG_DAY_NONE && u->closed <= u->opened)
            csvtab_report(L->diag, t->file, t->lines[r], "closed %s is not after opened %s",
                          csvtab_cell(t, r, U_CLOSED), csvtab_cell(t, r, U_OPENED));
        u->email = catalog__check_email(L, t, r, csvtab_cell(t, r, U_EMAIL));
        u->webhook = catalog__check_webhook(L, t, r, csvtab_cell(t, r, U_WEBHOOK));
        catalog__parse_yes_no(L, t, r, "parent_submits", csvtab_cell(t, r, U_PSUB), &u->parent_submits);
        pcode[c->nunits] = csvtab_cell(t, r, U_PARENT);
        c->nunits++;
    }
}

static void resolve_parents(load_t *L, const char **pcode, const int *row)
{
    csvtab_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    for (int i = 0; i < c->nunits; i++) {
        unit_t *u = &c->units[i];
        int line = t->lines[row[i]];
        if (*pcode[i] == '\0') {
            if (u->parent_submits)
                csvtab_report(L->diag, t->file, line, "parent_submits is yes but the unit has no parent");
            continue;
        }
        u->parent = catalog_unit(c, pcode[i]);
        if (u->parent < 0)
            csvtab_report(L->diag, t->file, line, "unknown parent %s", CSVTAB_SHOW(pcode[i]));
    }
}

/* Reports each cycle of parents once, at the line of its first unit in the
 * file.  Called only for units no root reaches. */
static void report_cycles(load_t *L, const bool *seen, const int *row)
{
    catalog_t *c = L->c;
    csvtab_t *t = &L->t[F_UNITS];
    int *mark = calloc((size_t)c->nunits, sizeof *mark);
    if (mark == NULL) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        return;
    }
    for (int i = 0; i < c->nunits; i++) {
        if (seen[i] || mark[i])
            continue;
        int u = i;
        while (u >= 0 && !mark[u] && !seen[u]) {
            mark[u] = i + 1; /* walk number */
            u = c->units[u].parent;
        }
        if (u < 0 || seen[u] || mark[u] != i + 1)
            continue; /* hangs below a cycle already reported */
        /* u is on a new cycle: name it from its first unit in file order */
        int first = u;
        for (int v = c->units[u].parent; v != u; v = c->units[v].parent)
            if (row[v] < row[first])
                first = v;
        char msg[CYCLE_MAX];
        size_t o = 0;
        int k = 0, v = first;
        do {
            o += (size_t)snprintf(msg + o, sizeof msg - o, "%s -> ", c->units[v].code);
            v = c->units[v].parent;
        } while (v != first && ++k < 6 && o < sizeof msg - 200);
        snprintf(msg + o, sizeof msg - o, "%s%s", v == first ? "" : "... -> ", c->units[first].code);
        csvtab_report(L->diag, t->file, t->lines[row[first]], "cycle of parents (unit -> its parent): %s", msg);
    }
    free(mark);
}

/* Children arrays, depth, pre-order and subtree bounds, without recursion. */
static int build_tree(load_t *L, const int *row)
{
    catalog_t *c = L->c;
    int n = c->nunits;
    int *fill = calloc((size_t)n + 1, sizeof *fill);
    int *stack = malloc(((size_t)n + 1) * sizeof *stack);
    int *next = calloc((size_t)n + 1, sizeof *next);
    bool *seen = calloc((size_t)n + 1, sizeof *seen);
    int *pool = malloc(((size_t)n + 1) * sizeof *pool);
    int pos = 0, rc = -1;
    c->preorder = malloc(((size_t)n + 1) * sizeof *c->preorder);
    c->index->submit_top = malloc(((size_t)n + 1) * sizeof *c->index->submit_top);
    if (!fill || !stack || !next || !seen || !pool || !c->preorder || !c->index->submit_top)
        goto cleanup;
    c->index->child_pool = pool;
    pool = NULL;
    for (int i = 0; i < n; i++)
        if (c->units[i].parent >= 0)
            c->units[c->units[i].parent].nchildren++;
    for (int i = 0, off = 0; i < n; i++) {
        c->units[i].children = c->index->child_pool + off;
        off += c->units[i].nchildren;
    }
    for (int i = 0; i < n; i++) { /* children in file order */
        int p = c->units[i].parent;
        if (p >= 0)
            c->units[p].children[fill[p]++] = i;
    }
    for (int r = 0; r < n; r++) {
        if (c->units[r].parent >= 0)
            continue;
        int sp = 0;
        stack[sp++] = r;
        seen[r] = true;
        c->units[r].depth = 0;
        c->units[r].subtree_first = pos;
        c->preorder[pos++] = r;
        while (sp > 0) {
            unit_t *u = &c->units[stack[sp - 1]];
            if (next[stack[sp - 1]] < u->nchildren) {
                int v = u->children[next[stack[sp - 1]]++];
                seen[v] = true;
                c->units[v].depth = u->depth + 1;
                c->units[v].subtree_first = pos;
                c->preorder[pos++] = v;
                stack[sp++] = v;
            } else {
                u->subtree_end = pos;
                sp--;
            }
        }
    }
    if (pos < n) {
        report_cycles(L, seen, row);
    } else {
        int *top = c->index->submit_top;
        for (int k = 0; k < n; k++) { /* parents come first in pre-order */
            int u = c->preorder[k];
            int p = c->units[u].parent;
            top[u] = (p >= 0 && c->units[u].parent_submits) ? top[p] : u;
        }
    }
    rc = 0;
cleanup:
    if (rc != 0)
        csvtab_report(L->diag, "units.csv", 0, "out of memory");
    free(fill);
    free(stack);
    free(next);
    free(seen);
    free(pool);
    return rc;
}

void catalog__load_units(load_t *L)
{
    csvtab_t *t = &L->t[F_UNITS];
    catalog_t *c = L->c;
    const char **pcode = malloc(((size_t)t->nrows + 1) * sizeof *pcode);
    int *row = malloc(((size_t)t->nrows + 1) * sizeof *row);
    c->units = calloc((size_t)t->nrows + 1, sizeof *c->units);
    if (!pcode || !row || !c->units || hindex_init(&c->index->units, t->nrows) != 0) {
        csvtab_report(L->diag, t->file, 0, "out of memory");
        goto cleanup;
    }
    load_units_rows(L, pcode, row);
    resolve_parents(L, pcode, row);
    build_tree(L, row);
cleanup:
    free(pcode);
    free(row);
}

