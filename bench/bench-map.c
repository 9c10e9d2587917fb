/*
 * bench-map: libhmap against GLib's GHashTable, in the same run, on the
 * same keys; prints a Markdown table of ns/op and the ratio hmap/GHashTable
 * (below 1.00: libhmap is faster).
 *
 *   bench-map [--quick] [--max N]
 *
 * Workloads, each on n distinct keys (n = 1K, 100K, 10M uint64; 100K
 * strings): insert into an empty map made without a size hint (growth
 * included), lookup of every key (hit), lookup of n absent keys (miss),
 * iteration over every entry, delete of every key. Keys are random 64-bit
 * values from a fixed seed (splitmix64), so every run uses the same keys.
 * Each measurement is repeated and the median is reported; small sizes
 * repeat the operation until a repetition lasts a few milliseconds.
 *
 * GHashTable configuration, the fastest GLib offers for each key type:
 *   uint64 keys: g_hash_table_new(NULL, NULL), i.e. g_direct_hash and
 *                pointer equality, keys and values stored directly as
 *                pointers (GUINT_TO_POINTER); no allocation per entry.
 *   strings:     g_hash_table_new(g_str_hash, g_str_equal), keys are the
 *                same char pointers libhmap stores (no copies).
 * libhmap uses hmap_u64_u64 (seeded hash, values stored inline) and
 * hmap_str_ptr. Both store pointers to the same string buffers.
 */
#include "hmap.h"

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum op { OP_INSERT, OP_HIT, OP_MISS, OP_ITERATE, OP_DELETE, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"insert", "lookup hit",
                                               "lookup miss", "iterate",
                                               "delete"};

enum impl { IMPL_HMAP, IMPL_GLIB, IMPL_COUNT };

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static volatile uint64_t sink; /* defeats dead-code elimination */

/* ---- One workload on one implementation ----------------------------- */

typedef struct workload {
  bool strings;
  size_t n;
  uint64_t *keys, *absent;      /* u64 keys */
  char **skeys, **sabsent;      /* string keys */
} workload;

typedef struct maps {
  hmap *h;
  GHashTable *g;
} maps;

static void fill(const workload *w, enum impl impl, maps *mp) {
  if (impl == IMPL_HMAP) {
    mp->h = hmap_new(w->strings ? &hmap_str_ptr : &hmap_u64_u64, 0);
    for (size_t i = 0; i < w->n; i++) {
      if (w->strings) {
        *(void **)hmap_assign(mp->h, &w->skeys[i]) = w->skeys[i];
      } else {
        *(uint64_t *)hmap_assign(mp->h, &w->keys[i]) = w->keys[i] + 1;
      }
    }
  } else {
    mp->g = w->strings ? g_hash_table_new(g_str_hash, g_str_equal)
                       : g_hash_table_new(NULL, NULL);
    for (size_t i = 0; i < w->n; i++) {
      if (w->strings)
        g_hash_table_insert(mp->g, w->skeys[i], w->skeys[i]);
      else
        g_hash_table_insert(mp->g, GUINT_TO_POINTER(w->keys[i]),
                            GUINT_TO_POINTER(w->keys[i] + 1));
    }
  }
}

static void drop(enum impl impl, maps *mp) {
  if (impl == IMPL_HMAP)
    hmap_free(mp->h);
  else
    g_hash_table_destroy(mp->g);
  mp->h = NULL;
  mp->g = NULL;
}

/* Runs op once over the workload's n keys; returns the timed part in ns.
 * Setup (filling, freeing) is not timed. */
static double run_once(const workload *w, enum impl impl, enum op op) {
  maps mp = {NULL, NULL};
  double t0, t1;
  uint64_t acc = 0;
  size_t n = w->n;
  if (op == OP_INSERT) {
    t0 = now_ns();
    fill(w, impl, &mp);
    t1 = now_ns();
    drop(impl, &mp);
    return t1 - t0;
  }
  fill(w, impl, &mp);
  t0 = now_ns();
  switch (op) {
  case OP_HIT:
  case OP_MISS: {
    bool hit = op == OP_HIT;
    if (impl == IMPL_HMAP) {
      for (size_t i = 0; i < n; i++) {
        const void *k = w->strings ? (const void *)(hit ? &w->skeys[i]
                                                        : &w->sabsent[i])
                                   : (const void *)(hit ? &w->keys[i]
                                                        : &w->absent[i]);
        void *v = hmap_lookup(mp.h, k);
        acc += v != NULL ? *(uint64_t *)v : 1;
      }
    } else {
      for (size_t i = 0; i < n; i++) {
        gconstpointer k = w->strings ? (gconstpointer)(hit ? w->skeys[i]
                                                           : w->sabsent[i])
                                     : GUINT_TO_POINTER(hit ? w->keys[i]
                                                            : w->absent[i]);
        acc += (uintptr_t)g_hash_table_lookup(mp.g, k);
      }
    }
    break;
  }
  case OP_ITERATE:
    if (impl == IMPL_HMAP) {
      hmap_iter it;
      hmap_iter_init(&it, mp.h);
      while (hmap_iter_next(&it))
        acc += *(const uint64_t *)it.val;
    } else {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init(&it, mp.g);
      while (g_hash_table_iter_next(&it, &k, &v))
        acc += (uintptr_t)v;
    }
    break;
  case OP_DELETE:
    if (impl == IMPL_HMAP) {
      for (size_t i = 0; i < n; i++)
        acc += hmap_delete(mp.h, w->strings ? (const void *)&w->skeys[i]
                                            : (const void *)&w->keys[i]);
    } else {
      for (size_t i = 0; i < n; i++)
        acc += g_hash_table_remove(mp.g, w->strings
                                             ? (gconstpointer)w->skeys[i]
                                             : GUINT_TO_POINTER(w->keys[i]));
    }
    break;
  case OP_INSERT:
  case OP_COUNT:
    break;
  }
  t1 = now_ns();
  sink += acc;
  drop(impl, &mp);
  return t1 - t0;
}

/* Median over reps of ns per operation; each repetition repeats the op
 * until it has run for at least min_ns. */
static double measure(const workload *w, enum impl impl, enum op op,
                      int reps, double min_ns) {
  double r[16];
  for (int i = 0; i < reps; i++) {
    double total = 0;
    size_t ops = 0;
    do {
      total += run_once(w, impl, op);
      ops += w->n;
    } while (total < min_ns);
    r[i] = total / (double)ops;
  }
  qsort(r, (size_t)reps, sizeof r[0], cmp_double);
  return r[reps / 2];
}

static void bench(const char *label, const workload *w, int reps,
                  double min_ns) {
  for (int op = 0; op < OP_COUNT; op++) {
    double t[IMPL_COUNT];
    /* Alternate the order so that neither always runs on a warm heap. */
    for (int k = 0; k < IMPL_COUNT; k++) {
      int impl = (op + k) % IMPL_COUNT;
      t[impl] = measure(w, (enum impl)impl, (enum op)op, reps, min_ns);
    }
    printf("| %-13s | %-11s | %8.1f | %10.1f | %5.2f |\n", label,
           op_names[op], t[IMPL_HMAP], t[IMPL_GLIB], t[IMPL_HMAP] / t[IMPL_GLIB]);
    fflush(stdout);
  }
}

static workload make_u64(size_t n, uint64_t seed) {
  workload w = {false, n, malloc(n * sizeof(uint64_t)),
                malloc(n * sizeof(uint64_t)), NULL, NULL};
  if (w.keys == NULL || w.absent == NULL) {
    fprintf(stderr, "bench-map: out of memory\n");
    exit(1);
  }
  /* Keys have bit 0 clear and absent keys bit 0 set: never equal. */
  for (size_t i = 0; i < n; i++) {
    w.keys[i] = splitmix(&seed) & ~UINT64_C(1);
    w.absent[i] = splitmix(&seed) | 1;
  }
  /* Distinct keys: random 63-bit values collide with odds ~n^2/2^64. */
  return w;
}

static workload make_str(size_t n, uint64_t seed) {
  workload w = {true, n, NULL, NULL, malloc(n * sizeof(char *)),
                malloc(n * sizeof(char *))};
  for (size_t i = 0; i < n; i++) {
    char buf[64];
    uint64_t r = splitmix(&seed);
    snprintf(buf, sizeof buf, "user:%08llx:session:%zu",
             (unsigned long long)(r & 0xffffffff), i);
    w.skeys[i] = strdup(buf);
    snprintf(buf, sizeof buf, "user:%08llx:session:%zu!",
             (unsigned long long)(r & 0xffffffff), i);
    w.sabsent[i] = strdup(buf);
  }
  return w;
}

int main(int argc, char **argv) {
  size_t max = 10000000;
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0)
      quick = true;
    else if (strcmp(argv[i], "--max") == 0 && i + 1 < argc)
      max = strtoull(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "usage: bench-map [--quick] [--max N]\n");
      return 2;
    }
  }
  int reps = quick ? 3 : 5;
  double min_ns = quick ? 2e6 : 20e6;
  printf("ns per operation, median of %d; ratio = hmap / GHashTable "
         "(below 1: libhmap faster)\n\n", reps);
  printf("| keys          | operation   | libhmap  | GHashTable | ratio |\n");
  printf("| ------------- | ----------- | -------- | ---------- | ----- |\n");
  static const size_t sizes[] = {1000, 100000, 10000000};
  static const char *const labels[] = {"1K uint64", "100K uint64",
                                       "10M uint64"};
  for (size_t s = 0; s < 3; s++) {
    size_t n = sizes[s] < max ? sizes[s] : max;
    workload w = make_u64(n, 12345 + s);
    bench(labels[s], &w, n >= 1000000 ? 3 : reps, min_ns);
    free(w.keys);
    free(w.absent);
  }
  size_t sn = 100000 < max ? 100000 : max;
  workload w = make_str(sn, 777);
  bench("100K string", &w, reps, min_ns);
  for (size_t i = 0; i < sn; i++) {
    free(w.skeys[i]);
    free(w.sabsent[i]);
  }
  free(w.skeys);
  free(w.sabsent);
  return sink == 42 ? 1 : 0;
}
