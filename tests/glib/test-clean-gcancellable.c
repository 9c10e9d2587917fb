/*
 * test-clean-gcancellable.c: a worker fills maps and cancels a
 * GCancellable; the main thread waits for the cancellation and then uses
 * the maps. Three ways of seeing it:
 *   - m1: poll the cancellable's descriptor (g_cancellable_make_pollfd),
 *     then g_cancellable_is_cancelled: poll orders nothing, the check that
 *     returns TRUE does;
 *   - m2: g_cancellable_set_error_if_cancelled returning TRUE (a second
 *     cancellable, checked in a loop);
 *   - m3: the descriptor read itself (a third cancellable): GLib writes its
 *     GWakeup eventfd inside libglib, through its PLT, so the read of that
 *     descriptor is ordered after the cancel's write.
 * Main writes every map again after joining the worker.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <gio/gio.h>
#include <hmap.h>

#include <poll.h>
#include <stdint.h>
#include <unistd.h>

static hmap *m1, *m2, *m3;
static GCancellable *c1, *c2, *c3;

static void fill(hmap *m) {
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = k + 1;
}

static void use(hmap *m) {
  uint64_t k = 3;
  uint64_t *v = hmap_lookup(m, &k);
  RT_CHECK(v != NULL && *v == 4);
  k = 1000;
  *(uint64_t *)hmap_assign(m, &k) = 1;
}

static gpointer worker(gpointer arg) {
  (void)arg;
  fill(m1);
  g_cancellable_cancel(c1);
  fill(m2);
  g_cancellable_cancel(c2);
  fill(m3);
  g_cancellable_cancel(c3);
  return NULL;
}

static void wait_readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  while (poll(&p, 1, 10000) != 1)
    ;
}

int main(void) {
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  m3 = hmap_new(&hmap_u64_u64, 0);
  c1 = g_cancellable_new();
  c2 = g_cancellable_new();
  c3 = g_cancellable_new();
  GPollFD pfd1, pfd3;
  g_cancellable_make_pollfd(c1, &pfd1);
  g_cancellable_make_pollfd(c3, &pfd3);
  GThread *t = g_thread_new("worker", worker, NULL);
  wait_readable(pfd1.fd);
  RT_CHECK(g_cancellable_is_cancelled(c1));
  use(m1);
  GError *err = NULL;
  while (!g_cancellable_set_error_if_cancelled(c2, &err))
    g_usleep(1000);
  g_clear_error(&err);
  use(m2);
  wait_readable(pfd3.fd);
  uint64_t v;
  RT_CHECK(read(pfd3.fd, &v, sizeof(v)) == (ssize_t)sizeof(v));
  use(m3);
  g_thread_join(t);
  fill(m1);
  fill(m2);
  fill(m3);
  g_cancellable_release_fd(c1);
  g_cancellable_release_fd(c3);
  g_object_unref(c1);
  g_object_unref(c2);
  g_object_unref(c3);
  hmap_free(m1);
  hmap_free(m2);
  hmap_free(m3);
  return 0;
}
