/*
 * test-clean-grefcount.c: a map owned by a reference-counted object, read
 * by two threads that each hold a reference and drop it when done; the
 * thread that drops the last one destroys the map. Ordered: every release
 * happens before the last one, whose destruction follows (GLib's atomic
 * decrement; mapsan: each decrement releases on the count, the one that
 * reaches zero acquires, before the clear function runs). Three owners:
 *   - a g_atomic_rc_box whose clear function (g_atomic_rc_box_release_full)
 *     frees the map;
 *   - a struct with a gatomicrefcount: the caller whose
 *     g_atomic_ref_count_dec returned TRUE frees the map;
 *   - a g_rc_box (not thread-safe) released under a spinlock mapsan does
 *     not see (C11 atomic_flag): the lock orders the releases, and the
 *     box's edges carry that order to the destroyer.
 * Main drops its own reference before the readers start.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

struct owner {
  hmap *m;
};

struct counted {
  gatomicrefcount rc;
  hmap *m;
};

static struct owner *abox, *box;
static struct counted *counted;
static atomic_flag spin = ATOMIC_FLAG_INIT;

static void owner_clear(gpointer p) { hmap_free(((struct owner *)p)->m); }

static void read_all(hmap *m) {
  for (uint64_t k = 0; k < 30; k++)
    RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == k);
}

static gpointer reader(gpointer arg) {
  read_all(abox->m);
  g_atomic_rc_box_release_full(abox, owner_clear);

  read_all(counted->m);
  if (g_atomic_ref_count_dec(&counted->rc)) {
    hmap_free(counted->m);
    g_free(counted);
  }

  read_all(box->m);
  while (atomic_flag_test_and_set_explicit(&spin, memory_order_acquire))
    ;
  g_rc_box_release_full(box, owner_clear);
  atomic_flag_clear_explicit(&spin, memory_order_release);
  return NULL;
}

static hmap *filled(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 30; k++)
    *(uint64_t *)hmap_assign(m, &k) = k;
  return m;
}

int main(void) {
  abox = g_atomic_rc_box_new0(struct owner);
  abox->m = filled();
  box = g_rc_box_new0(struct owner);
  box->m = filled();
  counted = g_new0(struct counted, 1);
  g_atomic_ref_count_init(&counted->rc);
  counted->m = filled();
  /* Two references for the readers, main's own dropped. */
  g_atomic_rc_box_acquire(abox);
  g_atomic_rc_box_acquire(abox);
  g_atomic_rc_box_release_full(abox, owner_clear);
  g_rc_box_acquire(box);
  g_rc_box_acquire(box);
  g_rc_box_release_full(box, owner_clear);
  g_atomic_ref_count_inc(&counted->rc);
  g_atomic_ref_count_inc(&counted->rc);
  RT_CHECK(!g_atomic_ref_count_dec(&counted->rc));
  GThread *a = g_thread_new("a", reader, NULL);
  GThread *b = g_thread_new("b", reader, NULL);
  g_thread_join(a);
  g_thread_join(b);
  return 0;
}
