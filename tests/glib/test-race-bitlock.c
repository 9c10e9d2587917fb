/*
 * test-race-bitlock.c: the twin of test-clean-bitlock.c where the two
 * threads lock different bits of the same word (bit 0 and bit 1 of an
 * int; bit 0 and bit 1 of a pointer): different locks, so their writes to
 * the map are unordered. Each (address, bit) is its own lock; bit 1 of a
 * word must not alias anything of the next word either.
 *
 * mapsan-expect: write-write-race A B
 * mapsan-expect: write-write-race C D
 * mapsan-overlapping: false
 * mapsan-lock-kind: L1 g_bit_lock
 * mapsan-lock-kind: L1 g_pointer_bit_lock
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static volatile gint words[2];
static gpointer volatile ptrs[2];
static hmap *m_int, *m_ptr;
static atomic_int step;

static gpointer first(gpointer arg) {
  uint64_t k = 1;
  g_bit_lock(&words[0], 0);
  *(uint64_t *)hmap_assign(m_int, &k) = 1; /* mapsan-mark: A */
  g_bit_unlock(&words[0], 0);
  g_pointer_bit_lock(&ptrs[0], 0);
  *(uint64_t *)hmap_assign(m_ptr, &k) = 1; /* mapsan-mark: C */
  g_pointer_bit_unlock(&ptrs[0], 0);
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer second(gpointer arg) {
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  uint64_t k = 2;
  g_bit_lock(&words[0], 1);
  *(uint64_t *)hmap_assign(m_int, &k) = 2; /* mapsan-mark: B */
  g_bit_unlock(&words[0], 1);
  g_pointer_bit_lock(&ptrs[0], 1);
  *(uint64_t *)hmap_assign(m_ptr, &k) = 2; /* mapsan-mark: D */
  g_pointer_bit_unlock(&ptrs[0], 1);
  return NULL;
}

int main(void) {
  m_int = hmap_new(&hmap_u64_u64, 0);
  m_ptr = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("first", first, NULL);
  GThread *b = g_thread_new("second", second, NULL);
  g_thread_join(a);
  g_thread_join(b);
  hmap_free(m_int);
  hmap_free(m_ptr);
  return 0;
}
