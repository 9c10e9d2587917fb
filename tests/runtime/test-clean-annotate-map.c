/*
 * test-clean-annotate-map.c: an in-house map (a tiny fixed-size hash map
 * defined here) put under mapsan with MAPSAN_MAP_CREATE/DESTROY and
 * MAPSAN_MAP_READ/WRITE_BEGIN/END is checked like the project's map: the
 * twin of test-race-annotate-map.c with the same puts and gets under one
 * mutex, plus concurrent unlocked gets from two readers after the writers
 * were joined (reads do not race with reads), and a destroyed toy map whose
 * address is reused by a new one. No report.
 *
 * mapsan-expect: none
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
  MAPSAN_MAP_WRITE_BEGIN(t);
  unsigned i = (unsigned)(k * 0x9e3779b97f4a7c15ull >> 58);
  while (t->used[i] && t->keys[i] != k)
    i = (i + 1) % TOY_CAP;
  t->used[i] = 1;
  t->keys[i] = k;
  t->vals[i] = v;
  MAPSAN_MAP_WRITE_END(t);
}

static int toy_get(struct toy *t, uint64_t k, uint64_t *v) {
  MAPSAN_MAP_READ_BEGIN(t);
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
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *other(void *arg) {
  (void)arg;
  rt_sleep_ms(40);
  pthread_mutex_lock(&mu);
  toy_put(ww, 2, 2);
  toy_put(rw, 2, 2);
  pthread_mutex_unlock(&mu);
  return NULL;
}

static void *reader(void *arg) {
  (void)arg;
  uint64_t v;
  for (uint64_t k = 1; k <= 2; k++) {
    RT_CHECK(toy_get(ww, k, &v) && v == k);
    RT_CHECK(toy_get(rw, k, &v) && v == k);
  }
  return NULL;
}

int main(void) {
  ww = toy_new();
  rw = toy_new();
  pthread_t th;
  pthread_create(&th, NULL, other, NULL);
  uint64_t v;
  pthread_mutex_lock(&mu);
  toy_put(ww, 1, 1);
  (void)toy_get(rw, 1, &v);
  toy_put(rw, 1, 1);
  pthread_mutex_unlock(&mu);
  pthread_join(th, NULL);

  pthread_t r[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&r[i], NULL, reader, NULL);
  for (int i = 0; i < 2; i++)
    pthread_join(r[i], NULL);

  /* Destroy, then a new toy map, likely at the same address: fresh. */
  toy_free(ww);
  ww = toy_new();
  pthread_create(&th, NULL, other, NULL);
  pthread_join(th, NULL);
  toy_free(ww);
  toy_free(rw);
  return 0;
}
