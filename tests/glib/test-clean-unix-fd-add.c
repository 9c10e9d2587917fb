/*
 * test-clean-unix-fd-add.c: a worker thread fills a map and wakes the main
 * loop through a descriptor; the callback, on the main thread, uses the
 * map. The edge exists when the callback starts: GLib dispatches it
 * because its poll saw the descriptor readable, i.e. after the worker's
 * write. Whether the callback reads the descriptor before or after it
 * uses the map, or at all, is the program's business, so three sources:
 *   - g_unix_fd_add on a pipe: the callback reads, then uses the map;
 *   - g_unix_fd_add_full on an eventfd: uses the map, then drains it;
 *   - g_unix_fd_source_new on a socketpair end, its callback set with
 *     g_source_set_callback and attached: uses the map, never reads (it
 *     removes itself).
 * GLib's poll orders nothing in mapsan's model; the dispatch of a
 * descriptor source whose condition includes G_IO_IN acquires from the
 * descriptor. Main writes every map again after joining the worker.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <glib-unix.h>
#include <glib.h>
#include <hmap.h>

#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define N 3

static GMainLoop *loop;
static hmap *maps[N];
static int pfd[2], efd, sv[2];
static int ran, notified;

static void use(hmap *m) {
  for (uint64_t k = 0; k < 20; k++) {
    uint64_t *v = hmap_lookup(m, &k);
    RT_CHECK(v != NULL && *v == k + 1);
    *v = k + 2;
  }
  uint64_t k = 1000;
  *(uint64_t *)hmap_assign(m, &k) = 1;
  if (++ran == N)
    g_main_loop_quit(loop);
}

static gboolean on_pipe(gint fd, GIOCondition cond, gpointer data) {
  char c;
  RT_CHECK((cond & G_IO_IN) && read(fd, &c, 1) == 1);
  use(data);
  return G_SOURCE_REMOVE;
}

static gboolean on_eventfd(gint fd, GIOCondition cond, gpointer data) {
  RT_CHECK(cond & G_IO_IN);
  use(data);
  uint64_t v;
  RT_CHECK(read(fd, &v, sizeof(v)) == (ssize_t)sizeof(v));
  return G_SOURCE_REMOVE;
}

static gboolean on_socket(gint fd, GIOCondition cond, gpointer data) {
  (void)fd;
  RT_CHECK(cond & G_IO_IN);
  use(data);
  return G_SOURCE_REMOVE;
}

static void notify(gpointer data) {
  (void)data;
  notified++;
}

static void fill(hmap *m) {
  for (uint64_t k = 0; k < 20; k++)
    *(uint64_t *)hmap_assign(m, &k) = k + 1;
}

/* Each map is filled just before its own descriptor write, so that an
 * edge through one descriptor does not cover the next map. */
static gpointer worker(gpointer arg) {
  (void)arg;
  fill(maps[0]);
  RT_CHECK(write(pfd[1], "x", 1) == 1);
  fill(maps[1]);
  uint64_t one = 1;
  RT_CHECK(write(efd, &one, sizeof(one)) == (ssize_t)sizeof(one));
  fill(maps[2]);
  RT_CHECK(send(sv[0], "x", 1, 0) == 1);
  return NULL;
}

int main(void) {
  loop = g_main_loop_new(NULL, FALSE);
  for (int i = 0; i < N; i++)
    maps[i] = hmap_new(&hmap_u64_u64, 0);
  RT_CHECK(pipe(pfd) == 0);
  efd = eventfd(0, 0);
  RT_CHECK(efd >= 0);
  RT_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  RT_CHECK(g_unix_fd_add(pfd[0], G_IO_IN, on_pipe, maps[0]) > 0);
  RT_CHECK(g_unix_fd_add_full(G_PRIORITY_HIGH, efd, G_IO_IN | G_IO_HUP,
                              on_eventfd, maps[1], notify) > 0);
  GSource *s = g_unix_fd_source_new(sv[1], G_IO_IN);
  g_source_set_callback(s, (GSourceFunc)(void (*)(void))on_socket, maps[2],
                        notify);
  RT_CHECK(g_source_attach(s, NULL) > 0);
  g_source_unref(s);
  GThread *t = g_thread_new("worker", worker, NULL);
  g_main_loop_run(loop);
  g_thread_join(t);
  RT_CHECK(ran == N && notified == 2);
  for (int i = 0; i < N; i++) {
    uint64_t k = 5000;
    *(uint64_t *)hmap_assign(maps[i], &k) = 1;
    hmap_free(maps[i]);
  }
  close(pfd[0]);
  close(pfd[1]);
  close(efd);
  close(sv[0]);
  close(sv[1]);
  g_main_loop_unref(loop);
  return 0;
}
