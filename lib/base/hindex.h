/*
 * hindex.h -- a hash index from string keys to entry numbers.
 *
 * Entries are numbered 0, 1, 2, ... in the order their keys are added, so an
 * index sits beside an array of records and finds a record by its key in
 * O(1) (the catalog keeps one per kind of code).  The index borrows its keys:
 * each must stay valid, unchanged, as long as the index.  Its capacity is
 * fixed when it is made and entries are never removed, which keeps it a few
 * flat arrays with no rehashing.
 *
 *     hindex_t h;
 *     if (hindex_init(&h, n) != 0) ...          (out of memory)
 *     if (hindex_add(&h, code) >= 0) ...        (a duplicate code)
 *     int i = hindex_find(&h, code, strlen(code));
 *     hindex_free(&h);
 */
#ifndef CCHC_HINDEX_H
#define CCHC_HINDEX_H

#include <stddef.h>
#include <stdint.h>

/* The caller allocates it (it may be a member of a larger struct); the
 * fields are private.  A zeroed hindex_t finds nothing and frees nothing. */
typedef struct {
    int *slot;          /* entry number, -1 when empty */
    uint32_t *hash;     /* hash of the key in the slot */
    uint32_t mask;
    const char **key;   /* key of entry i (borrowed) */
    size_t *klen;
    int n, cap;         /* entries added, entries allowed */
} hindex_t;

/* Prepares an empty index for at most `n` entries (n >= 0).  Returns 0, or
 * -1 when out of memory; hindex_free() then releases what was taken. */
int hindex_init(hindex_t *h, int n);

/* Releases the index's memory (not the keys) and zeroes *h.  A zeroed index
 * is a harmless no-op. */
void hindex_free(hindex_t *h);

/* Adds `key` (NUL-terminated, borrowed) as entry number h->n.  Returns -1
 * when it was added, or the number of the entry that already has this key
 * (then nothing is added).  At most the `n` of hindex_init() entries. */
int hindex_add(hindex_t *h, const char *key);

/* The number of the entry whose key is the `len` bytes at `s` (need not be
 * NUL-terminated), or -1 when there is none. */
int hindex_find(const hindex_t *h, const char *s, size_t len);

#endif
