/*
 * test-race-unix-fd-add.c: the twin of test-clean-unix-fd-add.c where the
 * worker writes each map once more AFTER the descriptor write that wakes
 * the main loop. The callback, on the main thread, is ordered after the
 * descriptor write, not after that map write: one race per source
 * (g_unix_fd_add on a pipe, the callback reading first; g_unix_fd_add_full
 * on an eventfd, the callback using the map before it drains). The
 * callbacks wait (relaxed flag, no edge) until the worker has written.
 *
 * mapsan-expect: write-write-race W1 C1
 * mapsan-expect: write-write-race W2 C2
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <glib-unix.h>
#include <glib.h>
#include <hmap.h>

#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

static GMainLoop *loop;
static hmap *m1, *m2;
static int pfd[2], efd;
static atomic_int written;
static int ran;

static gboolean on_pipe(gint fd, GIOCondition cond, gpointer data) {
  char c;
  RT_CHECK((cond & G_IO_IN) && read(fd, &c, 1) == 1);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(data, &k) = 2; /* mapsan-mark: C1 */
  if (++ran == 2)
    g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static gboolean on_eventfd(gint fd, GIOCondition cond, gpointer data) {
  RT_CHECK(cond & G_IO_IN);
  RT_CHECK(rt_flag_wait(&written, 1, 10000));
  uint64_t k = 2;
  *(uint64_t *)hmap_assign(data, &k) = 2; /* mapsan-mark: C2 */
  uint64_t v;
  RT_CHECK(read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v));
  if (++ran == 2)
    g_main_loop_quit(loop);
  return G_SOURCE_REMOVE;
}

static gpointer worker(gpointer arg) {
  (void)arg;
  uint64_t k = 0;
  *(uint64_t *)hmap_assign(m1, &k) = 0;
  *(uint64_t *)hmap_assign(m2, &k) = 0;
  RT_CHECK(write(pfd[1], "x", 1) == 1);
  uint64_t one = 1;
  RT_CHECK(write(efd, &one, sizeof(one)) == (ssize_t)sizeof(one));
  k = 1;
  *(uint64_t *)hmap_assign(m1, &k) = 1; /* mapsan-mark: W1 */
  *(uint64_t *)hmap_assign(m2, &k) = 1; /* mapsan-mark: W2 */
  rt_flag_set(&written, 1);
  return NULL;
}

int main(void) {
  loop = g_main_loop_new(NULL, FALSE);
  m1 = hmap_new(&hmap_u64_u64, 0);
  m2 = hmap_new(&hmap_u64_u64, 0);
  RT_CHECK(pipe(pfd) == 0);
  efd = eventfd(0, 0);
  RT_CHECK(efd >= 0);
  g_unix_fd_add(pfd[0], G_IO_IN, on_pipe, m1);
  g_unix_fd_add_full(G_PRIORITY_DEFAULT, efd, G_IO_IN, on_eventfd, m2, NULL);
  GThread *t = g_thread_new("worker", worker, NULL);
  g_main_loop_run(loop);
  g_thread_join(t);
  hmap_free(m1);
  hmap_free(m2);
  close(pfd[0]);
  close(pfd[1]);
  close(efd);
  g_main_loop_unref(loop);
  return 0;
}
