/*
 * test-clean-once.c: pthread_once orders its initializer before every
 * caller's return, including callers that did not run it and callers that
 * arrived while it was running. The initializer (slowed by 30 ms) builds
 * the map; six threads call pthread_once and then read it. No report.
 *
 * mapsan-expect: none
 */
#include "runtime-test.h"

#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static hmap *m;

static void init(void) {
  m = hmap_new(&hmap_u64_u64, 0);
  rt_sleep_ms(30);
  for (uint64_t k = 0; k < 100; k++)
    *(uint64_t *)hmap_assign(m, &k) = k * k;
}

static void *user(void *arg) {
  if (arg)
    rt_sleep_ms(50); /* some arrive after the initializer finished */
  pthread_once(&once, init);
  uint64_t k = 9;
  uint64_t *v = hmap_lookup(m, &k);
  RT_CHECK(v != NULL && *v == 81);
  RT_CHECK(hmap_len(m) == 100);
  return NULL;
}

int main(void) {
  pthread_t th[6];
  for (int i = 0; i < 6; i++)
    pthread_create(&th[i], NULL, user, (void *)(uintptr_t)(i % 2));
  for (int i = 0; i < 6; i++)
    pthread_join(th[i], NULL);
  hmap_free(m);
  return 0;
}
