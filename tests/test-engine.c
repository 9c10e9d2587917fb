/*
 * test-engine.c: the engine's rules, linked against its static library
 * with no interceptor in between (the test drives the engine as the
 * wrappers would). It proves:
 *   - vector clocks: join takes the entry-wise maximum and says whether it
 *     changed anything; join_le says whether the destination already held
 *     the source (dst <= src before); copy; epochs pack (slot, clock);
 *   - FastTrack's rules on a map: two writes, a read and a write, a write
 *     and a read by threads not ordered by happens-before are races; two
 *     reads are not; a join orders;
 *   - release/acquire on a sync object orders, and so does a second edge
 *     through the same object after the first (the object's clock tag must
 *     not let a changed clock be skipped), while an edge through another
 *     object does not order;
 *   - the table of sync objects finds every object it holds after
 *     thousands of removals from the middle of its runs, and none it
 *     removed (each object's mark_once flag tells one found from one
 *     made anew);
 *   - the presence filter (base/presence.h) says "maybe" for every address
 *     counted in and not out, "no" once all are counted out, and stays at
 *     "maybe" for good once a counter saturates.
 * Reports are caught where the engine hands them down
 * (-Wl,--wrap=mapsan_report_submit): one per finding, no dedup.
 */
#include "../base/base.h"
#include "../base/options.h"
#include "../base/presence.h"
#include "../engine/maps.h"
#include "../engine/sync.h"
#include "../engine/thread.h"
#include "../engine/vclock.h"
#include "../reports/report.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                              \
  do {                                                                        \
    if (!(c)) {                                                               \
      fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c);                 \
      exit(1);                                                                \
    }                                                                         \
  } while (0)

/* ---- reports ------------------------------------------------------------- */

static enum mapsan_kind kinds[64];
static int nkinds;

void __wrap_mapsan_report_submit(struct mapsan_report *r);
void __wrap_mapsan_report_submit(struct mapsan_report *r) {
  CHECK(nkinds < (int)MAPSAN_ARRAY_SIZE(kinds));
  kinds[nkinds++] = r->kind;
}

/* The findings since the last call: exactly `n`, the last of kind k. */
static void expect(int n, enum mapsan_kind k, int line) {
  static int seen;
  if (nkinds - seen != n || (n > 0 && kinds[nkinds - 1] != k)) {
    fprintf(stderr, "line %d: %d report(s), expected %d\n", line,
            nkinds - seen, n);
    exit(1);
  }
  seen = nkinds;
}
#define EXPECT(n, k) expect((n), (k), __LINE__)
#define NONE MAPSAN_KIND_CRASH /* unused when n == 0 */

/* ---- vector clocks ------------------------------------------------------- */

static void test_vclock(void) {
  mapsan_vclock a = {0}, b = {0}, c = {0};
  mapsan_vclock_reserve(&a, 3);
  a.c[0] = 5, a.c[2] = 1;
  mapsan_vclock_reserve(&b, 2);
  b.c[0] = 2, b.c[1] = 7;
  CHECK(mapsan_vclock_join(&b, &a) == 1); /* b = {5, 7, 1} */
  CHECK(b.n == 3 && b.c[0] == 5 && b.c[1] == 7 && b.c[2] == 1);
  CHECK(mapsan_vclock_join(&b, &a) == 0); /* nothing new */
  CHECK(mapsan_vclock_get(&a, 9) == 0);   /* past the end: 0 */
  mapsan_vclock_copy(&c, &a);
  CHECK(mapsan_vclock_join_le(&c, &a) == 1); /* equal */
  CHECK(mapsan_vclock_join_le(&c, &b) == 1); /* c <= b: c becomes b */
  CHECK(c.c[1] == 7);
  CHECK(mapsan_vclock_join_le(&c, &a) == 0); /* c > a now */
  mapsan_epoch e = mapsan_epoch_make(3, 12345);
  CHECK(mapsan_epoch_slot(e) == 3 && mapsan_epoch_clock(e) == 12345);
  mapsan_vclock_free(&a);
  mapsan_vclock_free(&b);
  mapsan_vclock_free(&c);
}

/* ---- threads, as the pthread wrappers drive them ------------------------- */

static const struct mapsan_map_api test_api = {.name = "test"};

struct child {
  struct mapsan_thread_start st;
  void (*fn)(void);
};

static void *trampoline(void *p) {
  struct child *c = p;
  mapsan_thread_begin(&c->st);
  c->fn();
  return NULL;
}

/* Runs fn in a new thread and waits for it; `ordered`: the wait is a join
 * the engine sees (else the thread is over, but unordered with us). */
static void run(void (*fn)(void), bool ordered) {
  struct child c = {.fn = fn};
  pthread_t th;
  mapsan_thread_prepare_create(&c.st, false);
  CHECK(pthread_create(&th, NULL, trampoline, &c) == 0);
  CHECK(pthread_join(th, NULL) == 0);
  if (ordered)
    mapsan_thread_joined(th);
}

static char map_slots[16];
static const void *map; /* the map the current case uses */

static void new_map(void) {
  static int next;
  map = &map_slots[next++];
  mapsan_map_create(map, &test_api, "new", true, 0, 0);
}

static void touch(bool write) {
  struct mapsan_op op = {0};
  if (mapsan_map_begin(&op, map, &test_api, write ? "assign" : "lookup",
                       write))
    mapsan_map_end(&op);
}
static void write_map(void) { touch(true); }
static void read_map(void) { touch(false); }

static char objects[2];
static void write_release_0(void) {
  write_map();
  mapsan_sync_release((uintptr_t)&objects[0]);
}
static void write_release_1(void) {
  write_map();
  mapsan_sync_release((uintptr_t)&objects[1]);
}

/* ---- FastTrack's rules --------------------------------------------------- */

static void test_rules(void) {
  new_map();
  run(write_map, false);
  write_map();
  EXPECT(1, MAPSAN_KIND_WRITE_WRITE_RACE);

  new_map();
  run(read_map, false);
  write_map();
  EXPECT(1, MAPSAN_KIND_READ_WRITE_RACE);

  new_map();
  run(write_map, false);
  read_map();
  EXPECT(1, MAPSAN_KIND_READ_WRITE_RACE);

  new_map();
  run(read_map, false);
  read_map();
  EXPECT(0, NONE);

  new_map();
  run(write_map, true);
  write_map();
  EXPECT(0, NONE);
}

/* ---- release / acquire --------------------------------------------------- */

static void test_edges(void) {
  uintptr_t x = (uintptr_t)&objects[0];
  new_map();
  mapsan_sync_acquire(x); /* an empty object: nothing to take */
  run(write_release_0, false);
  mapsan_sync_acquire(x);
  write_map();
  EXPECT(0, NONE);

  /* A second edge through the same object, after the thread took its
   * clock once: the object's clock has changed and must be joined. */
  new_map();
  run(write_release_0, false);
  mapsan_sync_acquire(x);
  mapsan_sync_acquire(x); /* unchanged now: the tag may skip this one */
  write_map();
  EXPECT(0, NONE);

  /* An edge through another object orders nothing through x. */
  new_map();
  run(write_release_1, false);
  mapsan_sync_acquire(x);
  write_map();
  EXPECT(1, MAPSAN_KIND_WRITE_WRITE_RACE);
}

/* ---- the table of sync objects ------------------------------------------- */

static void test_sync_table(void) {
  enum { N = 20000 };
  static char cells[N];
  size_t before = mapsan_sync_live();
  /* Every object made (first mark), then found (marked already). */
  for (int i = 0; i < N; i++)
    CHECK(mapsan_sync_mark_once((uintptr_t)&cells[i]));
  for (int i = 0; i < N; i++)
    CHECK(!mapsan_sync_mark_once((uintptr_t)&cells[i]));
  /* Two thirds removed, in an order unlike the making's. */
  for (int i = 0; i < N; i++) {
    int j = (int)(((long)i * 7919) % N);
    if (j % 3 != 0)
      mapsan_sync_forget((uintptr_t)&cells[j]);
  }
  for (int i = 0; i < N; i++)
    CHECK(mapsan_sync_mark_once((uintptr_t)&cells[i]) == (i % 3 != 0));
  for (int i = 0; i < N; i++)
    mapsan_sync_forget((uintptr_t)&cells[i]);
  CHECK(mapsan_sync_live() == before);
}

/* ---- the presence filter -------------------------------------------------- */

static void test_presence(void) {
  static struct mapsan_presence p;
  enum { N = 5000 };
  for (uintptr_t a = 0; a < N; a++)
    mapsan_presence_count(&p, 0x10000 + a * 16, 1);
  for (uintptr_t a = 0; a < N; a++)
    CHECK(mapsan_presence_maybe(&p, 0x10000 + a * 16));
  for (uintptr_t a = 0; a < N; a++)
    mapsan_presence_count(&p, 0x10000 + a * 16, -1);
  for (uintptr_t a = 0; a < N; a++)
    CHECK(!mapsan_presence_maybe(&p, 0x10000 + a * 16));
  /* 300 records on one counter: it stops at 255 (a byte would wrap to 0
   * at the 256th) and says "maybe" even after all leave (counting down
   * from 255 would say "no" with 45 left). */
  for (int i = 0; i < 256; i++)
    mapsan_presence_count(&p, 0x4242, 1);
  CHECK(mapsan_presence_maybe(&p, 0x4242));
  for (int i = 256; i < 300; i++)
    mapsan_presence_count(&p, 0x4242, 1);
  for (int i = 0; i < 300; i++)
    mapsan_presence_count(&p, 0x4242, -1);
  CHECK(mapsan_presence_maybe(&p, 0x4242));
}

int main(void) {
  test_vclock();
  test_presence();
  mapsan_options_init();
  mapsan_runtime_text_init();
  mapsan_thread_init();
  mapsan_thread_current();
  atomic_store(&mapsan_active, true);
  test_rules();
  test_edges();
  test_sync_table();
  printf("ok: %d reports, as expected\n", nkinds);
  return 0;
}
