/*
 * test-sample-rate-glib-tracks-some.c: with sample_rate=2, one GHashTable
 * in two is tracked: of 64 tables each raced on by two threads from the
 * same two lines, some are tracked (the chance that none is: 2^-64) and
 * their race is reported, once, by signature; the untracked ones, marked
 * in their padding, are skipped and behave as natively.
 *
 * sample_budget=100: every drawn map checked for the whole run (the
 * canary windows have their own tests, test-sample-window-*).
 *
 * mapsan-options: sample_rate=2:sample_budget=100
 * mapsan-expect: write-write-race A B
 */
#include <glib.h>

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#define TABLES 64
static GHashTable *tables[TABLES];

static void *writer(void *arg) {
  (void)arg;
  usleep(30 * 1000);
  for (int i = 0; i < TABLES; i++)
    g_hash_table_insert(tables[i], GINT_TO_POINTER(2), GINT_TO_POINTER(2)); /* mapsan-mark: B */
  return NULL;
}

int main(void) {
  for (int i = 0; i < TABLES; i++)
    tables[i] = g_hash_table_new(NULL, NULL);
  pthread_t th;
  pthread_create(&th, NULL, writer, NULL);
  for (int i = 0; i < TABLES; i++)
    g_hash_table_insert(tables[i], GINT_TO_POINTER(1), GINT_TO_POINTER(1)); /* mapsan-mark: A */
  pthread_join(th, NULL);
  for (int i = 0; i < TABLES; i++) {
    if (g_hash_table_size(tables[i]) != 2)
      return 3;
    g_hash_table_unref(tables[i]);
  }
  return 0;
}
