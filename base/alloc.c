/*
 * alloc.c: mapsan's own memory, apart from the program's heap.
 *
 * mapsan's records (map shadows, sync objects, thread records, clocks,
 * stack tables) are small and long-lived. Taken from the program's malloc
 * they sit between the program's own blocks and change how its heap is
 * laid out and trimmed: a single-map program at sample_rate=100, with 60 KiB
 * of mapsan allocations, kept 240 KiB more of its heap resident than
 * natively. So they come from here instead, and the program's heap is what
 * it would be without mapsan.
 *
 * Design: size classes from 32 to 32768 bytes, header included, two to a
 * doubling (32, 48, 64, 96, 128, ...: a block wastes at most a third, not
 * half; a map shadow of 336 + 16 bytes takes 384, not 512, which matters
 * where tens of thousands of maps live at once); all classes carve their
 * blocks from one 64 KiB chunk at a time, mapped with mmap (touched only
 * as it is handed out; one chunk rather than one per class: a canary's
 * start-up used three chunks, three mmaps and three first pages, for a
 * few hundred bytes), and the unused tail of a chunk goes to the free
 * lists of the classes it fits. Each class keeps a
 * LIFO free list; freed blocks are reused by their class, never returned
 * to the system.
 * A block larger than the largest class gets its own mapping, returned by
 * free, except that a few of up to 512 KiB are kept for reuse (zeroed
 * again): each thread's call-site cache is one (stacks/stack.c), and
 * unmapping memory in a multithreaded process makes every other CPU flush
 * its TLB (stress-clean-100k-threads: two munmaps a thread, 10x native's
 * time in the kernel). Every block starts with a 16-byte header (its class, or its
 * mapping's size), which keeps 16-byte alignment. One futex lock, under which
 * nothing else is taken, held for a few instructions: allocation is on
 * mapsan's slow paths only. Fork takes it after every other lock.
 */
#include "alloc.h"

#include "base.h"

#include <string.h>
#include <sys/mman.h>

#define HDR 16u
#define MIN_SHIFT 5 /* 32 bytes */
#define NCLASS 21   /* 32, 48, 64, 96 .. 24576, 32768 */
#define CHUNK ((size_t)64 << 10)
#define LARGE UINT32_MAX

struct hdr {
  uint32_t cls; /* class, or LARGE */
  uint32_t pad;
  size_t map_size; /* LARGE: bytes mapped */
};

struct free_block {
  struct free_block *next;
};

/* Not a MAPSAN_FORK_LEAF: other leaf locks allocate while they hold
 * theirs (uthash under GLib's source-table lock), so fork takes this one
 * after all of them (preload/init.c). */
static mapsan_lock lock = MAPSAN_LOCK_INIT;

void mapsan_alloc_fork_prepare(void) { mapsan_lock_acquire(&lock); }
void mapsan_alloc_fork_parent(void) { mapsan_lock_release(&lock); }
void mapsan_alloc_fork_child(void) { mapsan_lock_reset(&lock); }

static struct free_block *free_list[NCLASS];

#define LARGE_KEEP 16
#define LARGE_KEEP_MAX ((size_t)512 << 10)
static struct hdr *large_kept[LARGE_KEEP]; /* under lock */
static int nlarge_kept;

/* A kept mapping of exactly size bytes, zeroed past its header, or NULL. */
static struct hdr *take_large(size_t size) {
  struct hdr *h = NULL;
  mapsan_lock_acquire(&lock);
  for (int i = 0; i < nlarge_kept; i++)
    if (large_kept[i]->map_size == size) {
      h = large_kept[i];
      large_kept[i] = large_kept[--nlarge_kept];
      break;
    }
  mapsan_lock_release(&lock);
  if (h)
    memset((char *)h + HDR, 0, size - HDR);
  return h;
}

size_t mapsan_alloc_kept_bytes(void) {
  size_t n = 0;
  mapsan_lock_acquire(&lock);
  for (int i = 0; i < nlarge_kept; i++)
    n += large_kept[i]->map_size;
  mapsan_lock_release(&lock);
  return n;
}

static bool keep_large(struct hdr *h) {
  if (h->map_size > LARGE_KEEP_MAX)
    return false;
  mapsan_lock_acquire(&lock);
  bool kept = nlarge_kept < LARGE_KEEP;
  if (kept)
    large_kept[nlarge_kept++] = h;
  mapsan_lock_release(&lock);
  return kept;
}
static char *bump, *bump_end; /* the chunk being carved */

/* Even classes are powers of two, odd ones 1.5 times the one below; all
 * multiples of 16, so every block carved in order stays 16-aligned. */
static size_t class_bytes(uint32_t c) {
  return ((size_t)2 + (c & 1)) << (c / 2 + MIN_SHIFT - 1);
}

static uint32_t class_of(size_t total) {
  uint32_t c = 0;
  while (class_bytes(c) < total)
    c++;
  return c;
}

static _Atomic size_t mapped_bytes;

size_t mapsan_alloc_mapped_bytes(void) {
  return atomic_load_explicit(&mapped_bytes, memory_order_relaxed);
}

static void *map(size_t n) {
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  atomic_fetch_add_explicit(&mapped_bytes, n, memory_order_relaxed);
  return p;
}

/* The rest of the current chunk, cut into blocks of the largest classes
 * that fit, onto their free lists. Class sizes are multiples of 16 from
 * 32: every piece stays aligned (at most 16 bytes are left). lock held. */
static void spill_tail_locked(void) {
  while (bump_end - bump >= (ptrdiff_t)class_bytes(0)) {
    uint32_t c = NCLASS - 1;
    while (class_bytes(c) > (size_t)(bump_end - bump))
      c--;
    struct free_block *f = (struct free_block *)bump;
    f->next = free_list[c];
    free_list[c] = f;
    bump += class_bytes(c);
  }
}

void *mapsan_malloc(size_t n) {
  if (n > SIZE_MAX - HDR - 4096)
    return NULL;
  size_t total = n + HDR;
  struct hdr *h;
  if (total > class_bytes(NCLASS - 1)) {
    size_t size = (total + 4095) & ~(size_t)4095;
    h = size <= LARGE_KEEP_MAX ? take_large(size) : NULL;
    if (h == NULL)
      h = map(size);
    if (h == NULL)
      return NULL;
    h->cls = LARGE;
    h->map_size = size;
    return (char *)h + HDR;
  }
  uint32_t c = class_of(total);
  mapsan_lock_acquire(&lock);
  struct free_block *f = free_list[c];
  if (f) {
    free_list[c] = f->next;
    h = (struct hdr *)f;
  } else {
    if ((size_t)(bump_end - bump) < class_bytes(c)) {
      char *chunk = map(CHUNK);
      if (chunk == NULL) {
        mapsan_lock_release(&lock);
        return NULL;
      }
      spill_tail_locked();
      bump = chunk;
      bump_end = chunk + CHUNK;
    }
    h = (struct hdr *)bump;
    bump += class_bytes(c);
  }
  mapsan_lock_release(&lock);
  h->cls = c;
  return (char *)h + HDR;
}

static struct hdr *hdr_of(void *p) { return (struct hdr *)((char *)p - HDR); }

void mapsan_free(void *p) {
  if (p == NULL)
    return;
  struct hdr *h = hdr_of(p);
  if (h->cls == LARGE) {
    if (keep_large(h))
      return;
    atomic_fetch_sub_explicit(&mapped_bytes, h->map_size,
                              memory_order_relaxed);
    munmap(h, h->map_size);
    return;
  }
  uint32_t c = h->cls;
  struct free_block *f = (struct free_block *)h;
  mapsan_lock_acquire(&lock);
  f->next = free_list[c];
  free_list[c] = f;
  mapsan_lock_release(&lock);
}

void *mapsan_calloc(size_t count, size_t size) {
  if (size != 0 && count > SIZE_MAX / size)
    return NULL;
  size_t n = count * size;
  void *p = mapsan_malloc(n);
  if (p != NULL && hdr_of(p)->cls != LARGE) /* fresh mappings are zero */
    memset(p, 0, n);
  return p;
}

void *mapsan_realloc(void *p, size_t n) {
  if (p == NULL)
    return mapsan_malloc(n);
  struct hdr *h = hdr_of(p);
  size_t usable = (h->cls == LARGE ? h->map_size : class_bytes(h->cls)) - HDR;
  if (n <= usable)
    return p;
  void *q = mapsan_malloc(n);
  if (q == NULL)
    return NULL;
  memcpy(q, p, usable);
  mapsan_free(p);
  return q;
}
