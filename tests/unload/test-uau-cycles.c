/*
 * test-uau-cycles: a service that reloads its plugin 10,000 times (load,
 * register, unregister, unload) keeps bounded memory and address space
 * under mapsan: the unload log holds at most unload_keep modules and their
 * reserved ranges (default 64), so the number of mappings and the resident
 * size stop growing. Measured in the program itself, from /proc/self/maps
 * and /proc/self/status (mappings, VmRSS, VmSize), after a warm-up and at
 * the end; the program exits 1 if any grew by more than its bound.
 * (Adjacent reservations merge into one mapping, so the address space is
 * the measure that sees them: with unload_keep=1000 it grows by ~10 MiB
 * after the warm-up and the test fails.) One reload early on leaves a
 * stale entry behind, looked up once: exactly one report.
 *
 * mapsan-expect: use-after-unload LOOKUP
 */
#include "uau-test.h"

#define CYCLES 10000
#define WARMUP 500
#define STALE 100 /* before the warm-up ends: the report loads libdw */

static long maps_count(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  if (f == NULL)
    return -1;
  long n = 0;
  int c;
  while ((c = fgetc(f)) != EOF)
    n += c == '\n';
  fclose(f);
  return n;
}

/* A field of /proc/self/status in KiB (VmRSS, VmSize), -1 if absent. */
static long status_kib(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  char line[256];
  long kib = -1;
  size_t n = strlen(field);
  while (fgets(line, sizeof(line), f))
    if (strncmp(line, field, n) == 0 && line[n] == ':' &&
        sscanf(line + n + 1, "%ld", &kib) == 1)
      break;
  fclose(f);
  return kib;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  GHashTable *handlers = uau_table(), *left = uau_table();
  hmap *m = hmap_new(&hmap_str_ptr, 0);
  long maps0 = 0, rss0 = 0, vm0 = 0;
  for (int i = 0; i < CYCLES; i++) {
    struct uau_plugin pl = uau_load(argv[1], RTLD_NOW);
    pl.register_glib(handlers);
    pl.register_hmap(m, true);
    if (i == STALE)
      pl.register_glib(left); /* left behind */
    pl.unregister_glib(handlers);
    pl.unregister_hmap(m);
    if (dlclose(pl.handle) != 0)
      return 2;
    if (i == WARMUP) {
      maps0 = maps_count();
      rss0 = status_kib("VmRSS");
      vm0 = status_kib("VmSize");
    }
    if (i % 1000 == 999 && getenv("UAU_TRACE"))
      fprintf(stderr, "%d: mappings %ld, rss %ld, vm %ld KiB\n", i,
              maps_count(), status_kib("VmRSS"), status_kib("VmSize"));
    if (i == STALE + 1)
      printf("stale handler %s\n",
             g_hash_table_lookup(left, "alpha") ? "found" : "gone"); /* mapsan-mark: LOOKUP */
  }
  long maps1 = maps_count(), rss1 = status_kib("VmRSS");
  long vm1 = status_kib("VmSize");
  printf("mappings %ld -> %ld, rss %ld -> %ld KiB, address space %ld -> %ld KiB\n",
         maps0, maps1, rss0, rss1, vm0, vm1);
  /* The log is full well before the warm-up ends: after it, nothing may
   * grow but by noise. */
  if (maps1 - maps0 > 8 || rss1 - rss0 > 1024 || vm1 - vm0 > 2048) {
    printf("unbounded\n");
    return 1;
  }
  return 0;
}
