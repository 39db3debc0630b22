/*
 * journal_index.c -- the journal's in-memory hash indexes (journal_int.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fnv.h"
#include "journal_int.h"


static slot_t *idx_slot(const index_t *x, const char *k, size_t n)
{
    size_t i = fnv1a(FNV1A_INIT, k, n) & (x->cap - 1);
    while (x->s[i].key && (x->s[i].klen != n || memcmp(x->s[i].key, k, n)))
        i = (i + 1) & (x->cap - 1);
    return &x->s[i];
}

void journal__idx_free(index_t *x)
{
    for (size_t i = 0; i < x->cap; i++)
        free(x->s[i].key);
    free(x->s);
    memset(x, 0, sizeof *x);
}

static int idx_grow(index_t *x)
{
    index_t bigger = {calloc(x->cap ? x->cap * 2 : 1024, sizeof(slot_t)), x->cap ? x->cap * 2 : 1024, x->n};
    if (!bigger.s)
        return ENOMEM;
    for (size_t i = 0; i < x->cap; i++)
        if (x->s[i].key)
            *idx_slot(&bigger, x->s[i].key, x->s[i].klen) = x->s[i];
    free(x->s);
    *x = bigger;
    return 0;
}

slot_t *journal__idx_get(const index_t *x, const char *k, size_t n)
{
    if (!x->cap)
        return NULL;
    slot_t *sl = idx_slot(x, k, n);
    return sl->key ? sl : NULL;
}

slot_t *journal__idx_put(index_t *x, const char *k, size_t n)
{
    if ((x->n + 1) * 2 > x->cap && idx_grow(x))
        return NULL;
    slot_t *sl = idx_slot(x, k, n);
    if (!sl->key) {
        if (!(sl->key = malloc(n ? n : 1)))
            return NULL;
        memcpy(sl->key, k, n);
        sl->klen = (uint32_t)n;
        sl->version = 0;
        sl->seq = 0;
        sl->state = REP_OPEN;
        x->n++;
    }
    return sl;
}
