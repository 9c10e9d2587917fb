/*
 * test-race-grefcount.c: the twin of test-clean-grefcount.c where one
 * reader reads the map once more after dropping its reference; the other
 * reader, which drops the last one after that read (relaxed flag, no
 * edge), destroys the map. The destroyer is ordered after the first
 * reader's release, not after its later read: one race per owner (a
 * g_atomic_rc_box freed by its clear function, a gatomicrefcount whose
 * last g_atomic_ref_count_dec frees).
 *
 * mapsan-expect: read-write-race A B
 * mapsan-expect: read-write-race C D
 * mapsan-overlapping: false
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

static struct owner *abox;
static struct counted *counted;
static atomic_int step;

static void owner_clear(gpointer p) {
  hmap_free(((struct owner *)p)->m); /* mapsan-mark: B */
}

static gpointer early(gpointer arg) {
  uint64_t k = 1;
  hmap *m = abox->m;
  RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == 1);
  g_atomic_rc_box_release_full(abox, owner_clear);
  RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == 1); /* mapsan-mark: A */

  m = counted->m;
  RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == 1);
  RT_CHECK(!g_atomic_ref_count_dec(&counted->rc));
  RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == 1); /* mapsan-mark: C */
  rt_flag_set(&step, 1);
  return NULL;
}

static gpointer late(gpointer arg) {
  uint64_t k = 1;
  RT_CHECK(*(uint64_t *)hmap_lookup(abox->m, &k) == 1);
  RT_CHECK(*(uint64_t *)hmap_lookup(counted->m, &k) == 1);
  RT_CHECK(rt_flag_wait(&step, 1, 10000));
  g_atomic_rc_box_release_full(abox, owner_clear);
  if (g_atomic_ref_count_dec(&counted->rc)) {
    hmap_free(counted->m); /* mapsan-mark: D */
    g_free(counted);
  }
  return NULL;
}

static hmap *filled(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  return m;
}

int main(void) {
  abox = g_atomic_rc_box_new0(struct owner);
  abox->m = filled();
  g_atomic_rc_box_acquire(abox); /* main's reference goes to `late` */
  counted = g_new0(struct counted, 1);
  g_atomic_ref_count_init(&counted->rc);
  g_atomic_ref_count_inc(&counted->rc);
  counted->m = filled();
  GThread *a = g_thread_new("early", early, NULL);
  GThread *b = g_thread_new("late", late, NULL);
  g_thread_join(a);
  g_thread_join(b);
  return 0;
}
