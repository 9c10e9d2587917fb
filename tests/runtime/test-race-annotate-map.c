/*
 * test-race-annotate-map.c: an in-house map (a tiny fixed-size hash map
 * defined here) put under mapsan with MAPSAN_MAP_CREATE/DESTROY and
 * MAPSAN_MAP_READ/WRITE_BEGIN/END is checked like the project's map. Two
 * threads put into one toy map with no synchronization (write-write), and
 * on a second toy map one thread gets while the other later puts
 * (read-write). Each report's lines are the annotations inside toy_put and
 * toy_get, the first frames that are not mapsan's.
 *
 * mapsan-expect: write-write-race PUT PUT
 * mapsan-expect: read-write-race GET PUT
 * mapsan-overlapping: false
 */
#include "runtime-test.h"

#include <mapsan/annotate.h>

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

enum { TOY_CAP = 64 };

struct toy {
  uint64_t keys[TOY_CAP], vals[TOY_CAP];
  unsigned char used[TOY_CAP];
};

static struct toy *toy_new(void) {
  struct toy *t = calloc(1, sizeof(*t));
  MAPSAN_MAP_CREATE(t);
  return t;
}

static void toy_free(struct toy *t) {
  MAPSAN_MAP_DESTROY(t);
  free(t);
}

static void toy_put(struct toy *t, uint64_t k, uint64_t v) {
  MAPSAN_MAP_WRITE_BEGIN(t); /* mapsan-mark: PUT */
  unsigned i = (unsigned)(k * 0x9e3779b97f4a7c15ull >> 58);
  while (t->used[i] && t->keys[i] != k)
    i = (i + 1) % TOY_CAP;
  t->used[i] = 1;
  t->keys[i] = k;
  t->vals[i] = v;
  MAPSAN_MAP_WRITE_END(t);
}

static int toy_get(struct toy *t, uint64_t k, uint64_t *v) {
  MAPSAN_MAP_READ_BEGIN(t); /* mapsan-mark: GET */
  unsigned i = (unsigned)(k * 0x9e3779b97f4a7c15ull >> 58);
  int found = 0;
  for (unsigned n = 0; n < TOY_CAP && t->used[i]; n++, i = (i + 1) % TOY_CAP) {
    if (t->keys[i] == k) {
      *v = t->vals[i];
      found = 1;
      break;
    }
  }
  MAPSAN_MAP_READ_END(t);
  return found;
}

static struct toy *ww, *rw;

static void *other(void *arg) {
  (void)arg;
  rt_sleep_ms(40);
  toy_put(ww, 2, 2);
  toy_put(rw, 2, 2);
  return NULL;
}

int main(void) {
  ww = toy_new();
  rw = toy_new();
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  uint64_t v;
  toy_put(ww, 1, 1);
  (void)toy_get(rw, 1, &v);
  pthread_join(th, NULL);
  toy_free(ww);
  toy_free(rw);
  return 0;
}
