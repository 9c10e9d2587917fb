/*
 * test-sample-rebind-clean.c: between canary windows the program's lock
 * calls go to the C library and GLib directly (base/rebind.c), and a thread
 * may enter a real lock before a window opens and get the lock inside it,
 * unrecorded (engine/window.c, "rebound locks"). Four threads write shared
 * maps under every kind of lock mapsan rebinds (pthread mutex, rwlock and
 * spinlock, C11 mtx, GMutex, GRecMutex, GRWLock), each holding the lock
 * for a while so that the others wait in it across the edges of 1 ms
 * windows, for 400 ms: no report. The program's own object is linked with
 * -z now (its PLT slots under RELRO, made writable only for the rewrite);
 * the summary shows slots rebound and rebound back, and the program checks
 * that its RELRO pages are read-only again at the end.
 *
 * mapsan-options: sample_rate=2:sample_window_ms=1:sample_budget=25:verbosity=1
 * mapsan-expect: none
 * mapsan-stderr: PLT slots rebound: [1-9][0-9]*, back: [1-9]
 */
#include "../runtime/runtime-test.h"

#include <hmap.h>

#include <glib.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <threads.h>
#include <time.h>
#include <unistd.h>

enum { MUTEX, RWLOCK, SPIN, MTX, GMUTEX, GREC, GRW, KINDS };
#define PER_KIND 2
static hmap *maps[KINDS][PER_KIND];
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwlock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_spinlock_t spin;
static mtx_t mtx;
static GMutex gmutex;
static GRecMutex grec;
static GRWLock grw;
static long end_ms;

static void spin_us(long us) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  do
    clock_gettime(CLOCK_MONOTONIC, &b);
  while ((b.tv_sec - a.tv_sec) * 1000000L + (b.tv_nsec - a.tv_nsec) / 1000 <
         us);
}

static void lock(int k) {
  switch (k) {
  case MUTEX: pthread_mutex_lock(&mutex); break;
  case RWLOCK: pthread_rwlock_wrlock(&rwlock); break;
  case SPIN: pthread_spin_lock(&spin); break;
  case MTX: mtx_lock(&mtx); break;
  case GMUTEX: g_mutex_lock(&gmutex); break;
  case GREC: g_rec_mutex_lock(&grec); break;
  case GRW: g_rw_lock_writer_lock(&grw); break;
  }
}

static void unlock(int k) {
  switch (k) {
  case MUTEX: pthread_mutex_unlock(&mutex); break;
  case RWLOCK: pthread_rwlock_unlock(&rwlock); break;
  case SPIN: pthread_spin_unlock(&spin); break;
  case MTX: mtx_unlock(&mtx); break;
  case GMUTEX: g_mutex_unlock(&gmutex); break;
  case GREC: g_rec_mutex_unlock(&grec); break;
  case GRW: g_rw_lock_writer_unlock(&grw); break;
  }
}

/* A reader under the rwlocks: lookups only. */
static uint64_t read_under(int k, uint64_t key) {
  uint64_t sum = 0;
  if (k == RWLOCK)
    pthread_rwlock_rdlock(&rwlock);
  else
    g_rw_lock_reader_lock(&grw);
  for (int m = 0; m < PER_KIND; m++) {
    uint64_t *v = hmap_lookup(maps[k][m], &key);
    sum += v ? *v : 0;
  }
  if (k == RWLOCK)
    pthread_rwlock_unlock(&rwlock);
  else
    g_rw_lock_reader_unlock(&grw);
  return sum;
}

static void *worker(void *arg) {
  uint64_t id = (uint64_t)(uintptr_t)arg, sum = 0;
  for (uint64_t i = 0; rt_now_ms() < end_ms; i++) {
    int k = (int)((i + id) % KINDS);
    lock(k);
    for (int m = 0; m < PER_KIND; m++) {
      uint64_t key = (i + id) & 63;
      *(uint64_t *)hmap_assign(maps[k][m], &key) = i;
    }
    spin_us(k == SPIN ? 20 : 150); /* the others wait in the lock */
    unlock(k);
    sum += read_under(i & 1 ? RWLOCK : GRW, i & 63);
  }
  return (void *)(uintptr_t)sum;
}

/* Every line of /proc/self/maps of this executable's file that is
 * read-only data (its RELRO pages among them). */
static int relro_pages_readonly(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char self[4096], line[4352];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (f == NULL || n <= 0)
    return 0;
  self[n] = 0;
  int readonly = 0;
  while (fgets(line, sizeof(line), f)) {
    if (strstr(line, self) == NULL)
      continue;
    char perms[5];
    if (sscanf(line, "%*s %4s", perms) != 1)
      continue;
    if (strcmp(perms, "r--p") == 0)
      readonly++;
  }
  fclose(f);
  return readonly;
}

int main(void) {
  int before = relro_pages_readonly();
  pthread_spin_init(&spin, PTHREAD_PROCESS_PRIVATE);
  mtx_init(&mtx, mtx_plain);
  g_mutex_init(&gmutex);
  g_rec_mutex_init(&grec);
  g_rw_lock_init(&grw);
  for (int k = 0; k < KINDS; k++)
    for (int m = 0; m < PER_KIND; m++)
      maps[k][m] = hmap_new(&hmap_u64_u64, 0);
  end_ms = rt_now_ms() + 400;
  pthread_t t[4];
  for (int i = 0; i < 4; i++)
    pthread_create(&t[i], NULL, worker, (void *)(uintptr_t)i);
  for (int i = 0; i < 4; i++)
    pthread_join(t[i], NULL);
  for (int k = 0; k < KINDS; k++)
    for (int m = 0; m < PER_KIND; m++) {
      uint64_t key = 1;
      *(uint64_t *)hmap_assign(maps[k][m], &key) = 1; /* after the joins */
      hmap_free(maps[k][m]);
    }
  int after = relro_pages_readonly();
  if (before == 0 || after != before) {
    fprintf(stderr, "read-only pages of the executable: %d before, %d after\n",
            before, after);
    return 1;
  }
  return 0;
}
