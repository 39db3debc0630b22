/*
 * fnv.h -- FNV-1a, 64 bits: the one hash of short keys and fingerprints
 * (hash tables of the keyring, the journal's id index and hindex; the
 * rollups' catalog signature; message and sheet ids).  Not for anything an
 * attacker may choose to collide where a collision costs more than a
 * slower lookup.
 *
 *     uint64_t h = fnv1a(FNV1A_INIT, key, len);
 *     h = fnv1a(h, more, more_len);          (continues the same hash)
 */
#ifndef CCHC_FNV_H
#define CCHC_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_INIT 1469598103934665603ULL

static inline uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ULL;
    return h;
}

#endif
