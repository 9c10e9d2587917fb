/*
 * test-clean-grwlock.c: writers under g_rw_lock_writer_lock (and a
 * writer_trylock loop) and readers under g_rw_lock_reader_lock (and a
 * reader_trylock loop) share one map: every read is ordered after the
 * writes before it and every write after the reads before it. GRWLock is
 * built on a pthread rwlock that GLib locks through the PLT; only the
 * GRWLock is tracked.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

static GRWLock rw;
static hmap *m;

static gpointer writer(gpointer arg) {
  for (uint64_t k = 0; k < 200; k++) {
    if (k & 1) {
      while (!g_rw_lock_writer_trylock(&rw))
        g_thread_yield();
    } else {
      g_rw_lock_writer_lock(&rw);
    }
    *(uint64_t *)hmap_assign(m, &k) = k;
    g_rw_lock_writer_unlock(&rw);
  }
  return NULL;
}

static gpointer reader(gpointer arg) {
  uint64_t found = 0;
  for (uint64_t k = 0; k < 200; k++) {
    if (k & 1) {
      while (!g_rw_lock_reader_trylock(&rw))
        g_thread_yield();
    } else {
      g_rw_lock_reader_lock(&rw);
    }
    found += hmap_lookup(m, &k) != NULL;
    g_rw_lock_reader_unlock(&rw);
  }
  return (gpointer)(uintptr_t)found;
}

int main(void) {
  g_rw_lock_init(&rw);
  m = hmap_new(&hmap_u64_u64, 0);
  GThread *th[4];
  th[0] = g_thread_new("w0", writer, NULL);
  th[1] = g_thread_new("r0", reader, NULL);
  th[2] = g_thread_new("w1", writer, NULL);
  th[3] = g_thread_new("r1", reader, NULL);
  for (int i = 0; i < 4; i++)
    g_thread_join(th[i]);
  RT_CHECK(hmap_len(m) == 200);
  hmap_free(m);
  g_rw_lock_clear(&rw);
  return 0;
}
