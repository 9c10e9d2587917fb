/*
 * overhead.c: the workloads that measure what mapsan costs a program
 * (bench/run runs them natively, under mapsan, under
 * ThreadSanitizer and under Valgrind's Helgrind and DRD, in one run).
 *
 *   overhead st N   one thread, one map: N operations, a mix of 1/4 assign,
 *                   1/4 delete, 1/2 lookup over 100,000 keys
 *   overhead mt N   two threads, each with a private map (assign 1/4,
 *                   lookup 3/4) and, every 16th operation, an update of a
 *                   map shared by both under one mutex: N operations each
 *   overhead mt4 N  the same with four threads
 *   overhead gst N  `st` on GLib's GHashTable (direct keys)
 *   overhead gmt N  the 2-thread GLib workload (issue 15): two GThreads,
 *                   each with a private GHashTable (insert 1/4, lookup
 *                   3/4) and, every 16th operation, an update of a table
 *                   shared by both under one GMutex: N operations each.
 *                   `mt` on GLib, through GLib's own lock
 *   overhead many N the program with many tables (issue 15: the canary's
 *                   cost must be bounded whatever the program does):
 *                   100,000 live GHashTables, each with its own pthread
 *                   mutex and 8 keys (filled by the main thread, each
 *                   insert under the mutex too); two threads each do N operations,
 *                   each on a table drawn at random (insert 1/4, remove
 *                   1/8, lookup 5/8 over 16 keys), each under that
 *                   table's mutex: one lock operation per map call, and at
 *                   sample_rate=100 about a thousand drawn tables that
 *                   both threads touch
 *   overhead lockbound N
 *                   the lock-bound loop: two threads, every operation on
 *                   one project map under one mutex (lock, 1/4 assign,
 *                   1/4 delete, 1/2 lookup over 10,000 keys, unlock): N
 *                   operations each. Nothing runs outside the lock, so
 *                   mapsan's per-operation and per-lock work is all there
 *                   is to see (full mode: 2.3x at issue 15)
 *   overhead grow N growth-heavy: maps filled from empty to 100,000 keys
 *                   and freed, N keys in all (every doubling allocates,
 *                   evacuates and releases a bucket array)
 *   overhead tiny N N tiny maps, each created, given 3 keys and freed (one
 *                   bucket array each: the guarded pool's cost per array)
 *   overhead owner-T N
 *                   the single-owner case with T other threads alive: each
 *                   of T threads writes the main thread's map once under a
 *                   mutex, then all meet at a barrier (so the main thread's
 *                   clock has T+1 entries) and wait; the main thread does N
 *                   rounds of lock, an operation on that map (1/4 assign,
 *                   3/4 lookup), unlock. mapsan decides each round from
 *                   epochs and lock tags, so its cost must not grow with T
 *                   (bench/run counts it in instructions for several T)
 *   overhead reader-T N
 *                   the same on the read side of a rwlock: the others
 *                   write under its write side, the main thread does N
 *                   rounds of read-lock, a lookup, unlock (a read-mostly
 *                   cache)
 *
 * With OVERHEAD_UNLOAD=PATH, the shared module PATH is loaded and unloaded
 * (dlopen, dlclose) before the workload: under mapsan the module enters
 * the unload log, and every checked map read pays the use-after-unload
 * check from then on (bench/run's unload table).
 *
 * Fixed seeds; prints a checksum so that no work can be optimized away.
 *
 * Memory at the high point: with OVERHEAD_SMAPS=FILE, each workload writes
 * "<Rss> <Anonymous>\n" (KiB, from /proc/self/smaps_rollup, which is exact:
 * it walks the page tables) to FILE at the moment its data is largest:
 * st and gst with the map full, before it is freed; grow with its last map
 * full; mt, mt4 and gmt with every worker's private map full and every
 * thread alive (the workers wait at a barrier, then the main thread reads);
 * many with every table alive after both threads ran; lockbound with the
 * shared map as both threads left it. The
 * same point natively and under mapsan, so the difference is what mapsan
 * adds there. bench/maxrss gives the kernel's peak RSS, which is only
 * approximate (see there). OVERHEAD_SMAPS_DUMP=FILE copies the whole of
 * /proc/self/smaps there at the same point (where the difference is).
 */
#include "procfs.h"

#include <hmap.h>

#include <glib.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng(uint64_t *x) {
  *x = *x * 6364136223846793005ull + 1442695040888963407ull;
  return *x >> 33;
}

static long nops;
static hmap *shared;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
/* mt, mt4: the workers and main meet here at the high point (twice: once
 * before main reads, once after). */
static pthread_barrier_t high_point;

/* Writes Rss and Anonymous of /proc/self/smaps_rollup to $OVERHEAD_SMAPS. */
static void mark_high_point(void) {
  const char *dump = getenv("OVERHEAD_SMAPS_DUMP");
  if (dump != NULL)
    copy_file("/proc/self/smaps", dump);
  const char *to = getenv("OVERHEAD_SMAPS");
  if (to == NULL)
    return;
  long rss = rollup_kib("/proc/self/smaps_rollup", "Rss:");
  long anon = rollup_kib("/proc/self/smaps_rollup", "Anonymous:");
  FILE *out = fopen(to, "w");
  if (out) {
    fprintf(out, "%ld %ld\n", rss, anon);
    fclose(out);
  }
}

static uint64_t single_thread(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t x = 1, sum = 0;
  for (long i = 0; i < nops; i++) {
    uint64_t r = rng(&x), k = r % 100000;
    switch ((r >> 20) & 3) {
    case 0:
      *(uint64_t *)hmap_assign(m, &k) = (uint64_t)i;
      break;
    case 1:
      sum += hmap_delete(m, &k);
      break;
    default: {
      uint64_t *v = hmap_lookup(m, &k);
      sum += v ? *v : 0;
    }
    }
  }
  sum += hmap_len(m);
  mark_high_point();
  hmap_free(m);
  return sum;
}

static void *worker(void *arg) {
  uint64_t x = (uint64_t)(uintptr_t)arg * 7 + 1, sum = 0;
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  for (long i = 0; i < nops; i++) {
    uint64_t k = rng(&x) % 100000;
    if (i % 16 == 0) {
      pthread_mutex_lock(&shared_lock);
      *(uint64_t *)hmap_assign(shared, &k) += 1;
      pthread_mutex_unlock(&shared_lock);
    } else if (i % 4 == 0) {
      *(uint64_t *)hmap_assign(m, &k) = (uint64_t)i;
    } else {
      uint64_t *v = hmap_lookup(m, &k);
      sum += v ? *v : 0;
    }
  }
  pthread_barrier_wait(&high_point);
  pthread_barrier_wait(&high_point);
  hmap_free(m);
  return (void *)(uintptr_t)sum;
}

static uint64_t threads(int n) {
  shared = hmap_new(&hmap_u64_u64, 0);
  pthread_barrier_init(&high_point, NULL, (unsigned)n + 1);
  pthread_t th[8];
  for (uintptr_t i = 0; i < (uintptr_t)n; i++)
    pthread_create(&th[i], NULL, worker, (void *)i);
  pthread_barrier_wait(&high_point);
  mark_high_point();
  pthread_barrier_wait(&high_point);
  uint64_t sum = 0;
  for (int i = 0; i < n; i++) {
    void *r;
    pthread_join(th[i], &r);
    sum += (uint64_t)(uintptr_t)r;
  }
  sum += hmap_len(shared);
  hmap_free(shared);
  pthread_barrier_destroy(&high_point);
  return sum;
}

static uint64_t glib_single_thread(void) {
  GHashTable *t = g_hash_table_new(NULL, NULL);
  uint64_t x = 1, sum = 0;
  for (long i = 0; i < nops; i++) {
    uint64_t r = rng(&x), k = r % 100000 + 1;
    switch ((r >> 20) & 3) {
    case 0:
      g_hash_table_insert(t, GSIZE_TO_POINTER(k), GSIZE_TO_POINTER(i));
      break;
    case 1:
      sum += g_hash_table_remove(t, GSIZE_TO_POINTER(k));
      break;
    default:
      sum += GPOINTER_TO_SIZE(g_hash_table_lookup(t, GSIZE_TO_POINTER(k)));
    }
  }
  sum += g_hash_table_size(t);
  mark_high_point();
  g_hash_table_unref(t);
  return sum;
}

/* gmt: mt on GLib (GHashTable, GMutex, GThread). */
static GHashTable *gshared;
static GMutex gshared_lock;

static gpointer glib_worker(gpointer arg) {
  uint64_t x = (uint64_t)(uintptr_t)arg * 7 + 1, sum = 0;
  GHashTable *t = g_hash_table_new(NULL, NULL);
  for (long i = 0; i < nops; i++) {
    gpointer k = GSIZE_TO_POINTER(rng(&x) % 100000 + 1);
    if (i % 16 == 0) {
      g_mutex_lock(&gshared_lock);
      gsize v = GPOINTER_TO_SIZE(g_hash_table_lookup(gshared, k));
      g_hash_table_insert(gshared, k, GSIZE_TO_POINTER(v + 1));
      g_mutex_unlock(&gshared_lock);
    } else if (i % 4 == 0) {
      g_hash_table_insert(t, k, GSIZE_TO_POINTER(i));
    } else {
      sum += GPOINTER_TO_SIZE(g_hash_table_lookup(t, k));
    }
  }
  pthread_barrier_wait(&high_point);
  pthread_barrier_wait(&high_point);
  g_hash_table_unref(t);
  return GSIZE_TO_POINTER(sum);
}

static uint64_t glib_threads(void) {
  gshared = g_hash_table_new(NULL, NULL);
  pthread_barrier_init(&high_point, NULL, 3);
  GThread *th[2];
  for (uintptr_t i = 0; i < 2; i++)
    th[i] = g_thread_new("gmt", glib_worker, (gpointer)i);
  pthread_barrier_wait(&high_point);
  mark_high_point();
  pthread_barrier_wait(&high_point);
  uint64_t sum = 0;
  for (int i = 0; i < 2; i++)
    sum += GPOINTER_TO_SIZE(g_thread_join(th[i]));
  sum += g_hash_table_size(gshared);
  g_hash_table_unref(gshared);
  pthread_barrier_destroy(&high_point);
  return sum;
}

/* many: 100,000 tables, a mutex each, two threads. */
enum { MANY_TABLES = 100000, MANY_KEYS = 16 };
static GHashTable **many_tables;
static pthread_mutex_t *many_locks;

static void *many_worker(void *arg) {
  uint64_t x = (uint64_t)(uintptr_t)arg * 7 + 3, sum = 0;
  for (long i = 0; i < nops; i++) {
    uint64_t r = rng(&x);
    size_t t = (size_t)(r % MANY_TABLES);
    gpointer k = GSIZE_TO_POINTER((r >> 17) % MANY_KEYS + 1);
    pthread_mutex_lock(&many_locks[t]);
    switch ((r >> 27) & 7) {
    case 0:
    case 1:
      g_hash_table_insert(many_tables[t], k, GSIZE_TO_POINTER(i));
      break;
    case 2:
      sum += g_hash_table_remove(many_tables[t], k);
      break;
    default:
      sum += GPOINTER_TO_SIZE(g_hash_table_lookup(many_tables[t], k));
    }
    pthread_mutex_unlock(&many_locks[t]);
  }
  return (void *)(uintptr_t)sum;
}

static uint64_t many_maps(void) {
  many_tables = calloc(MANY_TABLES, sizeof(*many_tables));
  many_locks = calloc(MANY_TABLES, sizeof(*many_locks));
  if (many_tables == NULL || many_locks == NULL) {
    fprintf(stderr, "overhead: out of memory\n");
    exit(1);
  }
  for (size_t t = 0; t < MANY_TABLES; t++) {
    pthread_mutex_init(&many_locks[t], NULL);
    many_tables[t] = g_hash_table_new(NULL, NULL);
    for (gsize k = 1; k <= MANY_KEYS / 2; k++) {
      pthread_mutex_lock(&many_locks[t]);
      g_hash_table_insert(many_tables[t], GSIZE_TO_POINTER(k),
                          GSIZE_TO_POINTER(t));
      pthread_mutex_unlock(&many_locks[t]);
    }
  }
  pthread_t th[2];
  for (uintptr_t i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, many_worker, (void *)i);
  uint64_t sum = 0;
  for (int i = 0; i < 2; i++) {
    void *r;
    pthread_join(th[i], &r);
    sum += (uint64_t)(uintptr_t)r;
  }
  mark_high_point();
  for (size_t t = 0; t < MANY_TABLES; t++) {
    sum += g_hash_table_size(many_tables[t]);
    g_hash_table_unref(many_tables[t]);
    pthread_mutex_destroy(&many_locks[t]);
  }
  free(many_tables);
  free(many_locks);
  return sum;
}

/* lockbound: every operation of two threads on one map under one mutex. */
static void *lockbound_worker(void *arg) {
  uint64_t x = (uint64_t)(uintptr_t)arg * 7 + 5, sum = 0;
  for (long i = 0; i < nops; i++) {
    uint64_t r = rng(&x), k = r % 10000;
    pthread_mutex_lock(&shared_lock);
    switch ((r >> 20) & 3) {
    case 0:
      *(uint64_t *)hmap_assign(shared, &k) = (uint64_t)i;
      break;
    case 1:
      sum += hmap_delete(shared, &k);
      break;
    default: {
      uint64_t *v = hmap_lookup(shared, &k);
      sum += v ? *v : 0;
    }
    }
    pthread_mutex_unlock(&shared_lock);
  }
  return (void *)(uintptr_t)sum;
}

static uint64_t lock_bound(void) {
  shared = hmap_new(&hmap_u64_u64, 0);
  pthread_t th[2];
  for (uintptr_t i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, lockbound_worker, (void *)i);
  uint64_t sum = 0;
  for (int i = 0; i < 2; i++) {
    void *r;
    pthread_join(th[i], &r);
    sum += (uint64_t)(uintptr_t)r;
  }
  sum += hmap_len(shared);
  mark_high_point();
  hmap_free(shared);
  return sum;
}

static uint64_t growth(void) {
  uint64_t sum = 0;
  for (long done = 0; done < nops;) {
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    for (uint64_t k = 0; k < 100000 && done < nops; k++, done++)
      *(uint64_t *)hmap_assign(m, &k) = k;
    sum += hmap_len(m);
    if (done == nops)
      mark_high_point();
    hmap_free(m);
  }
  return sum;
}

static uint64_t tiny_maps(void) {
  uint64_t sum = 0;
  for (long i = 0; i < nops; i++) {
    hmap *m = hmap_new(&hmap_u64_u64, 0);
    for (uint64_t k = 0; k < 3; k++)
      *(uint64_t *)hmap_assign(m, &k) = k + (uint64_t)i;
    sum += hmap_len(m);
    hmap_free(m);
  }
  return sum;
}

static pthread_mutex_t owner_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t owner_rw = PTHREAD_RWLOCK_INITIALIZER;
static bool owner_reads; /* reader-T: the rwlock's read side */
static pthread_barrier_t owner_met, owner_done;
static hmap *owned;

static void *idler(void *arg) {
  uint64_t k = (uint64_t)(uintptr_t)arg;
  if (owner_reads)
    pthread_rwlock_wrlock(&owner_rw);
  else
    pthread_mutex_lock(&owner_lock);
  *(uint64_t *)hmap_assign(owned, &k) = k;
  if (owner_reads)
    pthread_rwlock_unlock(&owner_rw);
  else
    pthread_mutex_unlock(&owner_lock);
  pthread_barrier_wait(&owner_met);
  pthread_barrier_wait(&owner_done);
  return NULL;
}

static uint64_t single_owner(int others) {
  owned = hmap_new(&hmap_u64_u64, 0);
  for (uint64_t k = 0; k < 1024 && owner_reads; k++) /* before the others */
    *(uint64_t *)hmap_assign(owned, &k) = k;
  pthread_barrier_init(&owner_met, NULL, (unsigned)others + 1);
  pthread_barrier_init(&owner_done, NULL, (unsigned)others + 1);
  pthread_t *th = calloc((size_t)others, sizeof(*th));
  for (int i = 0; i < others; i++)
    if (pthread_create(&th[i], NULL, idler, (void *)(uintptr_t)(i + 1))) {
      fprintf(stderr, "overhead: pthread_create failed\n");
      exit(1);
    }
  pthread_barrier_wait(&owner_met);
  uint64_t x = 1, sum = 0;
  for (long i = 0; i < nops && owner_reads; i++) {
    uint64_t k = rng(&x) % 1024;
    pthread_rwlock_rdlock(&owner_rw);
    uint64_t *v = hmap_lookup(owned, &k);
    sum += v ? *v : 0;
    pthread_rwlock_unlock(&owner_rw);
  }
  for (long i = 0; i < nops && !owner_reads; i++) {
    uint64_t k = rng(&x) % 1024;
    pthread_mutex_lock(&owner_lock);
    if (i % 4 == 0) {
      *(uint64_t *)hmap_assign(owned, &k) = (uint64_t)i;
    } else {
      uint64_t *v = hmap_lookup(owned, &k);
      sum += v ? *v : 0;
    }
    pthread_mutex_unlock(&owner_lock);
  }
  pthread_barrier_wait(&owner_done);
  for (int i = 0; i < others; i++)
    pthread_join(th[i], NULL);
  free(th);
  sum += hmap_len(owned);
  hmap_free(owned);
  return sum;
}

int main(int argc, char **argv) {
  const char *w = argc == 3 ? argv[1] : "";
  nops = argc == 3 ? atol(argv[2]) : 0;
  const char *unload = getenv("OVERHEAD_UNLOAD");
  if (unload != NULL) {
    void *h = dlopen(unload, RTLD_NOW);
    if (h == NULL || dlclose(h) != 0) {
      fprintf(stderr, "overhead: cannot load and unload %s\n", unload);
      return 2;
    }
  }
  uint64_t sum;
  if (!strcmp(w, "st"))
    sum = single_thread();
  else if (!strcmp(w, "mt"))
    sum = threads(2);
  else if (!strcmp(w, "mt4"))
    sum = threads(4);
  else if (!strcmp(w, "gst"))
    sum = glib_single_thread();
  else if (!strcmp(w, "gmt"))
    sum = glib_threads();
  else if (!strcmp(w, "many"))
    sum = many_maps();
  else if (!strcmp(w, "lockbound"))
    sum = lock_bound();
  else if (!strcmp(w, "grow"))
    sum = growth();
  else if (!strcmp(w, "tiny"))
    sum = tiny_maps();
  else if (!strncmp(w, "owner-", 6) && atoi(w + 6) >= 0)
    sum = single_owner(atoi(w + 6));
  else if (!strncmp(w, "reader-", 7) && atoi(w + 7) >= 0) {
    owner_reads = true;
    sum = single_owner(atoi(w + 7));
  } else {
    fprintf(stderr, "usage: overhead st|mt|mt4|gst|gmt|many|lockbound|grow|tiny|"
                    "owner-T|reader-T N\n");
    return 2;
  }
  printf("checksum %llu\n", (unsigned long long)sum);
  return 0;
}
