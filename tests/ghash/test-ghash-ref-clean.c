/*
 * test-ghash-ref-clean.c: a table shared by reference. Each of four threads
 * takes a reference, writes under a lock, and drops its reference; the last
 * unref destroys the table, in whichever thread it happens. The last unref
 * happens after every earlier one (as with any atomic reference count), so
 * the destruction is not a race with the earlier writes. No report.
 *
 * mapsan-expect: none
 */
#include <glib.h>
#include <pthread.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static gpointer worker(gpointer data) {
  GHashTable *t = data;
  pthread_mutex_lock(&mu);
  g_hash_table_insert(t, GINT_TO_POINTER(g_random_int_range(1, 1000)), NULL);
  pthread_mutex_unlock(&mu);
  g_hash_table_unref(t);
  return NULL;
}

int main(void) {
  GHashTable *t = g_hash_table_new(NULL, NULL);
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    g_hash_table_ref(t);
    pthread_create(&th[i], NULL, worker, t);
  }
  g_hash_table_unref(t); /* the threads hold the last references */
  for (int i = 0; i < 4; i++)
    pthread_detach(th[i]);
  g_usleep(200 * 1000);
  return 0;
}
