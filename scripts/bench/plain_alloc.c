/*
 * plain_alloc.c -- an experiment, not part of any service: LD_PRELOADed
 * into a process, it replaces libsodium's guarded allocations
 * (sodium_malloc: mmap, guard pages, mprotect, mlock; sodium_free: the
 * reverse) with malloc/free.  libzmq makes several of them for every CURVE
 * session's keys.  `make bench-apart` uses it to measure what those
 * allocations cost (docs/benchmarks.md); it weakens the protection of the
 * session keys and must never be used in production.
 */
#include <stdlib.h>

void *sodium_malloc(size_t size);
void *sodium_allocarray(size_t count, size_t size);
void sodium_free(void *ptr);

void *sodium_malloc(size_t size)
{
    return malloc(size ? size : 1);
}

void *sodium_allocarray(size_t count, size_t size)
{
    return calloc(count ? count : 1, size ? size : 1);
}

void sodium_free(void *ptr)
{
    free(ptr);
}
