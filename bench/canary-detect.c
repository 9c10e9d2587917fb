/*
 * canary-detect.c: the racy program with which bench/run measures how
 * often canary mode (sample_rate=N) finds a race, rather than assuming it
 * (issue 15: "a racy program run many times at the recommended rate shows
 * the fraction of runs that report it").
 *
 *   canary-detect [SESSIONS [ITEMS [WORK_MS RACE_MS]]]
 *
 * A small server-like program with many maps: SESSIONS sessions (1,000 by
 * default), each a GHashTable of attributes under the session's own
 * pthread mutex, an index of items shared by the workers under one GMutex,
 * and a private table of counters in each worker. Two worker threads each
 * handle ITEMS items (2,000 by default), locking as they should. Then
 * each worker, with its work done, folds its counters into the global
 * `stats` table WITHOUT taking a lock (flush_stats below): that is the
 * bug, a write-write race on one map among SESSIONS + 4.
 *
 * The race happens on every run, whatever the schedule: each worker's
 * writes to `stats` come after its last lock operation, so no unlock that
 * the other worker could acquire follows them, and the two threads meet
 * nowhere else (main creates both before either starts and joins both
 * after). Under happens-before nothing orders one worker's flush against
 * the other's, on every interleaving, so mapsan in full mode reports it on
 * every run (bench/run checks that as the control row). In canary mode it
 * can only report it when `stats` is one of the drawn maps: the fraction of
 * runs that report it is what a fleet of such processes gets.
 *
 * A canary is a long-running process, and its first window opens half a
 * second after its first drawn map is touched (engine/window.c): a run of
 * the program above, 20 ms long, ends before any window and shows what a
 * short process gets (nothing). With WORK_MS and RACE_MS the program is a
 * server's life instead: the workers repeat their locked work until
 * WORK_MS after the start, then each flushes its counters without a lock
 * once every 100 us until WORK_MS + RACE_MS, touching no lock in between
 * (so the two flushers stay unordered, the race happening again and again
 * while a window may open). The counters are in `stats` before the
 * workers start, so the racing writes replace values and never resize
 * the table, and the flushes after the first add nothing, so that no
 * total passes 2^32 (GLib would then widen the value array: a resize under
 * the race too, which could crash GLib).
 *
 * Built with -g (bench/meson.build) so that a report's stacks can be
 * checked for function, file and line: bench/run reads each report's JSON
 * and counts those whose `current` and `previous` stacks both name
 * flush_stats with a file and a line.
 */
#include <glib.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct session {
  pthread_mutex_t lock;
  GHashTable *attrs; /* attribute id -> value */
};

static struct session *sessions;
static long nsessions = 1000, nitems = 2000;
static GHashTable *item_index; /* item id -> session, under index_lock */
static GMutex index_lock;
static GHashTable *stats; /* counter name -> total: the raced map */

static const char *const counters[] = {"items", "attrs", "updates",
                                       "misses"};
static long work_ms, race_ms; /* 0: one pass, one flush */
static struct timespec start;

static long elapsed_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start.tv_sec) * 1000 +
         (now.tv_nsec - start.tv_nsec) / 1000000;
}

static uint64_t rng(uint64_t *x) {
  *x = *x * 6364136223846793005ull + 1442695040888963407ull;
  return *x >> 33;
}

/* The bug: no lock around the shared table. noinline so that the report
 * names this function whatever the optimizer does. */
static __attribute__((noinline)) void flush_stats(GHashTable *mine) {
  for (size_t c = 0; c < G_N_ELEMENTS(counters); c++) {
    gsize v = GPOINTER_TO_SIZE(g_hash_table_lookup(stats, counters[c]));
    gsize add = GPOINTER_TO_SIZE(g_hash_table_lookup(mine, counters[c]));
    g_hash_table_replace(stats, (gpointer)counters[c],
                         GSIZE_TO_POINTER(v + add));
  }
}

static void count(GHashTable *mine, const char *name) {
  gsize v = GPOINTER_TO_SIZE(g_hash_table_lookup(mine, name));
  g_hash_table_replace(mine, (gpointer)name, GSIZE_TO_POINTER(v + 1));
}

static void *worker(void *arg) {
  uint64_t x = (uint64_t)(uintptr_t)arg * 7 + 1;
  GHashTable *mine = g_hash_table_new(g_str_hash, g_str_equal);
  for (long i = 0; i < nitems || (work_ms > 0 && elapsed_ms() < work_ms);
       i++) {
    uint64_t r = rng(&x);
    struct session *s = &sessions[r % (uint64_t)nsessions];
    gpointer attr = GSIZE_TO_POINTER((r >> 20) % 32 + 1);
    pthread_mutex_lock(&s->lock);
    if (g_hash_table_lookup(s->attrs, attr) == NULL)
      count(mine, "misses");
    g_hash_table_insert(s->attrs, attr, GSIZE_TO_POINTER(i + 1));
    pthread_mutex_unlock(&s->lock);
    count(mine, "attrs");
    gpointer item = GSIZE_TO_POINTER((uintptr_t)arg * (uintptr_t)nitems +
                                     (uintptr_t)i + 1);
    g_mutex_lock(&index_lock);
    g_hash_table_insert(item_index, item, s);
    g_mutex_unlock(&index_lock);
    count(mine, "items");
    if (i % 8 == 0)
      count(mine, "updates");
  }
  flush_stats(mine); /* after this thread's last lock operation */
  /* Later flushes add nothing: the totals stay below 2^32, past which
   * GLib would reallocate the table's value array to wider entries under
   * the other flusher's feet (the race crashed 2 runs in 200 that way). */
  g_hash_table_remove_all(mine);
  while (race_ms > 0 && elapsed_ms() < work_ms + race_ms) {
    struct timespec pause = {0, 100000};
    nanosleep(&pause, NULL);
    flush_stats(mine);
  }
  g_hash_table_unref(mine);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1)
    nsessions = atol(argv[1]);
  if (argc > 2)
    nitems = atol(argv[2]);
  if (argc > 4) {
    work_ms = atol(argv[3]);
    race_ms = atol(argv[4]);
  }
  if (nsessions < 1 || nitems < 0 || work_ms < 0 || race_ms < 0 ||
      argc == 4) {
    fprintf(stderr,
            "usage: canary-detect [SESSIONS [ITEMS [WORK_MS RACE_MS]]]\n");
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &start);
  sessions = calloc((size_t)nsessions, sizeof(*sessions));
  if (sessions == NULL)
    return 1;
  for (long i = 0; i < nsessions; i++) {
    pthread_mutex_init(&sessions[i].lock, NULL);
    sessions[i].attrs = g_hash_table_new(NULL, NULL);
  }
  item_index = g_hash_table_new(NULL, NULL);
  stats = g_hash_table_new(g_str_hash, g_str_equal);
  for (size_t c = 0; c < G_N_ELEMENTS(counters); c++)
    g_hash_table_insert(stats, (gpointer)counters[c], GSIZE_TO_POINTER(0));
  pthread_t th[2];
  for (uintptr_t i = 0; i < 2; i++)
    if (pthread_create(&th[i], NULL, worker, (void *)i)) {
      fprintf(stderr, "canary-detect: pthread_create failed\n");
      return 1;
    }
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  gsize total = 0;
  for (size_t c = 0; c < G_N_ELEMENTS(counters); c++)
    total += GPOINTER_TO_SIZE(g_hash_table_lookup(stats, counters[c]));
  printf("items %u, counted %zu\n", g_hash_table_size(item_index),
         (size_t)total);
  for (long i = 0; i < nsessions; i++) {
    g_hash_table_unref(sessions[i].attrs);
    pthread_mutex_destroy(&sessions[i].lock);
  }
  free(sessions);
  g_hash_table_unref(item_index);
  g_hash_table_unref(stats);
  return 0;
}
