/*
 * test-clean-gthreadpool.c: maps handed to GThreadPool tasks and back are
 * ordered. Main fills each map and pushes it (g_thread_pool_push: a
 * release); the task runs on a worker, which acquires what was pushed
 * before its first checked access (mapsan cannot see the task start inside
 * libglib: pool workers get implicit edges, shim/sync_glib.c), and writes
 * it; after g_thread_pool_free(pool, FALSE, TRUE) main writes every map
 * again (the free acquired what the workers published after their
 * accesses). One exclusive pool made with g_thread_pool_new, one shared
 * pool made with g_thread_pool_new_full; the task also checks that it gets
 * the program's user_data.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib.h>
#include <hmap.h>

#include <stdint.h>

#define N 8

static int tag;
static hmap *maps[2][N];

static void task(gpointer data, gpointer user_data) {
  RT_CHECK(user_data == &tag);
  hmap *m = data;
  for (uint64_t k = 0; k < 20; k++) {
    RT_CHECK(*(uint64_t *)hmap_lookup(m, &k) == k);
    *(uint64_t *)hmap_assign(m, &k) = k + 1;
  }
}

static void run(int which) {
  GError *err = NULL;
  GThreadPool *pool =
      which == 0 ? g_thread_pool_new(task, &tag, 3, TRUE, &err)
                 : g_thread_pool_new_full(task, &tag, NULL, 3, FALSE, &err);
  RT_CHECK(pool != NULL);
  for (int i = 0; i < N; i++) {
    hmap *m = maps[which][i] = hmap_new(&hmap_u64_u64, 0);
    for (uint64_t k = 0; k < 20; k++)
      *(uint64_t *)hmap_assign(m, &k) = k;
    RT_CHECK(g_thread_pool_push(pool, m, &err));
  }
  g_thread_pool_free(pool, FALSE, TRUE);
  for (int i = 0; i < N; i++) {
    uint64_t k = 3;
    RT_CHECK(*(uint64_t *)hmap_lookup(maps[which][i], &k) == 4);
    *(uint64_t *)hmap_assign(maps[which][i], &k) = 0;
    hmap_free(maps[which][i]);
  }
}

int main(void) {
  run(0);
  run(1);
  return 0;
}
