/*
 * procfs.h: what bench/overhead and bench/maxrss read of a process's
 * memory in /proc (smaps_rollup figures, a copy of smaps).
 */
#ifndef BENCH_PROCFS_H
#define BENCH_PROCFS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The value of `key` (e.g. "Anonymous:") in the smaps_rollup file at path,
 * in KiB; -1 if absent or unreadable. */
static long rollup_kib(const char *path, const char *key) {
  char line[256];
  FILE *f = fopen(path, "r");
  long v = -1;
  if (f == NULL)
    return -1;
  size_t klen = strlen(key);
  while (fgets(line, sizeof(line), f))
    if (!strncmp(line, key, klen)) {
      v = atol(line + klen);
      break;
    }
  fclose(f);
  return v;
}

/* Copies the file at from (an smaps file) to the file at to. */
static void copy_file(const char *from, const char *to) {
  char buf[8192];
  FILE *in = fopen(from, "r"), *out = fopen(to, "w");
  size_t n;
  while (in && out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
    fwrite(buf, 1, n, out);
  if (in)
    fclose(in);
  if (out)
    fclose(out);
}

#endif
