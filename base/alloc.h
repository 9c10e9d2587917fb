/*
 * alloc.h: mapsan's own memory allocator, apart from the program's heap.
 * See alloc.c.
 */
#ifndef MAPSAN_ALLOC_H
#define MAPSAN_ALLOC_H

#include <stddef.h>

/* malloc, calloc, realloc and free for mapsan's own records: the same
 * contracts (16-byte alignment; NULL when memory is exhausted; free and
 * realloc of NULL allowed). Thread-safe; not async-signal-safe. */
void *mapsan_malloc(size_t n);
void *mapsan_calloc(size_t count, size_t size);
void *mapsan_realloc(void *p, size_t n);
void mapsan_free(void *p);

/* Bytes mapped for mapsan's records (chunks and large blocks), for the
 * summary at exit (verbosity=1). */
size_t mapsan_alloc_mapped_bytes(void);
/* Of those, the large blocks freed and kept for reuse (alloc.c). */
size_t mapsan_alloc_kept_bytes(void);

/* Around fork (preload/init.c), after every other mapsan lock. */
void mapsan_alloc_fork_prepare(void);
void mapsan_alloc_fork_parent(void);
void mapsan_alloc_fork_child(void);

#endif
