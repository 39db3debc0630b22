/*
 * hindex.c -- open addressing with linear probing over a power-of-two table
 * kept at most half full.  The hash is stored beside the entry so that a
 * probe compares strings only on a full hash match.
 */
#include "fnv.h"
#include "hindex.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = fnv1a(FNV1A_INIT, s, n);
    return (uint32_t)(h ^ (h >> 32));
}

int hindex_init(hindex_t *h, int n)
{
    uint32_t cap = 8;
    while (cap < (uint32_t)n * 2u)
        cap <<= 1;
    h->slot = malloc(cap * sizeof *h->slot);
    h->hash = malloc(cap * sizeof *h->hash);
    h->key = malloc((size_t)(n > 0 ? n : 1) * sizeof *h->key);
    h->klen = malloc((size_t)(n > 0 ? n : 1) * sizeof *h->klen);
    if (!h->slot || !h->hash || !h->key || !h->klen)
        return -1;
    memset(h->slot, 0xff, cap * sizeof *h->slot);
    h->mask = cap - 1;
    h->n = 0;
    h->cap = n;
    return 0;
}

void hindex_free(hindex_t *h)
{
    free(h->slot);
    free(h->hash);
    free(h->key);
    free(h->klen);
    memset(h, 0, sizeof *h);
}

/* The slot that holds `s`, or the empty slot where it would go. */
static uint32_t probe(const hindex_t *h, const char *s, size_t len, uint32_t hv)
{
    uint32_t i = hv & h->mask;
    for (; h->slot[i] >= 0; i = (i + 1) & h->mask) {
        int e = h->slot[i];
        if (h->hash[i] == hv && h->klen[e] == len && memcmp(h->key[e], s, len) == 0)
            break;
    }
    return i;
}

int hindex_find(const hindex_t *h, const char *s, size_t len)
{
    if (h->slot == NULL)
        return -1;
    return h->slot[probe(h, s, len, hash_bytes(s, len))];
}

int hindex_add(hindex_t *h, const char *key)
{
    size_t len = strlen(key);
    uint32_t hv = hash_bytes(key, len);
    uint32_t i = probe(h, key, len, hv);
    if (h->slot[i] >= 0)
        return h->slot[i];
    /* a programmer's error: the table is sized for cap entries, and an empty
     * slot must remain for probe() to stop at */
    assert(h->n < h->cap);
    h->slot[i] = h->n;
    h->hash[i] = hv;
    h->key[h->n] = key;
    h->klen[h->n] = len;
    h->n++;
    return -1;
}
