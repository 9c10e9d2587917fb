/*
 * host-glib-pool-fields: GThreadPool's public fields are the program's.
 * For an exclusive pool (g_thread_pool_new) and a shared one
 * (g_thread_pool_new_full), the program prints whether pool->func,
 * pool->user_data and pool->exclusive are what it passed, runs tasks that
 * each fill a GHashTable main made and pushed to them and add to a shared
 * GHashTable under a GMutex, and prints the results after
 * g_thread_pool_free(pool, FALSE, TRUE). Correctly synchronized: no report.
 */
#include <glib.h>

#include <stdio.h>

#define TASKS 6

static int tag;
static GMutex lock;
static GHashTable *shared;
static int foreign_user_data;

static void task(gpointer data, gpointer user_data) {
  GHashTable *mine = data;
  if (user_data != &tag)
    foreign_user_data++; /* under no lock: read by main after the wait */
  int base = GPOINTER_TO_INT(g_hash_table_lookup(mine, GINT_TO_POINTER(0)));
  for (int i = 1; i <= 20; i++)
    g_hash_table_insert(mine, GINT_TO_POINTER(i), GINT_TO_POINTER(base + i));
  g_mutex_lock(&lock);
  g_hash_table_insert(shared, GINT_TO_POINTER(base), GINT_TO_POINTER(1));
  g_mutex_unlock(&lock);
}

static void run(int exclusive) {
  GThreadPool *pool =
      exclusive ? g_thread_pool_new(task, &tag, 2, TRUE, NULL)
                : g_thread_pool_new_full(task, &tag, NULL, 2, FALSE, NULL);
  printf("%s: func %d, user_data %d, exclusive %d\n",
         exclusive ? "exclusive" : "shared", pool->func == task,
         pool->user_data == &tag, pool->exclusive == exclusive);
  GHashTable *maps[TASKS];
  for (int t = 0; t < TASKS; t++) {
    maps[t] = g_hash_table_new(g_direct_hash, g_direct_equal);
    g_hash_table_insert(maps[t], GINT_TO_POINTER(0),
                        GINT_TO_POINTER(100 * (t + 1)));
    g_thread_pool_push(pool, maps[t], NULL);
  }
  g_thread_pool_free(pool, FALSE, TRUE);
  long sum = 0;
  for (int t = 0; t < TASKS; t++) {
    sum += g_hash_table_size(maps[t]);
    sum += GPOINTER_TO_INT(g_hash_table_lookup(maps[t], GINT_TO_POINTER(20)));
    g_hash_table_unref(maps[t]);
  }
  printf("%s: sum %ld, shared size %u, foreign user_data %d\n",
         exclusive ? "exclusive" : "shared", sum, g_hash_table_size(shared),
         foreign_user_data);
}

int main(void) {
  shared = g_hash_table_new(g_direct_hash, g_direct_equal);
  run(1);
  run(0);
  g_hash_table_unref(shared);
  return 0;
}
