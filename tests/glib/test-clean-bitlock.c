/*
 * test-clean-bitlock.c: g_bit_lock/g_bit_trylock/g_bit_unlock on bit 3 of
 * an int, and g_pointer_bit_lock/trylock/unlock on bit 0 of a pointer,
 * each guard one map written by two GThreads: ordered. GLib's bit locks
 * are an atomic bit plus a futex, invisible below the g_ calls.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static volatile gint word;
static gpointer volatile ptr;
static hmap *m_int, *m_ptr;

static gpointer writer(gpointer arg) {
  uint64_t base = (uint64_t)(uintptr_t)arg;
  for (uint64_t k = base; k < base + 100; k++) {
    if (k & 1) {
      while (!g_bit_trylock(&word, 3))
        g_thread_yield();
    } else {
      g_bit_lock(&word, 3);
    }
    *(uint64_t *)hmap_assign(m_int, &k) = k;
    g_bit_unlock(&word, 3);

    if (k & 1) {
      while (!g_pointer_bit_trylock(&ptr, 0))
        g_thread_yield();
    } else {
      g_pointer_bit_lock(&ptr, 0);
    }
    *(uint64_t *)hmap_assign(m_ptr, &k) = k;
    g_pointer_bit_unlock(&ptr, 0);
  }
  return NULL;
}

int main(void) {
  m_int = hmap_new(&hmap_u64_u64, 0);
  m_ptr = hmap_new(&hmap_u64_u64, 0);
  GThread *a = g_thread_new("a", writer, (gpointer)(uintptr_t)0);
  GThread *b = g_thread_new("b", writer, (gpointer)(uintptr_t)50);
  g_thread_join(a);
  g_thread_join(b);
  RT_CHECK(hmap_len(m_int) == 150 && hmap_len(m_ptr) == 150);
  hmap_free(m_int);
  hmap_free(m_ptr);
  return 0;
}
