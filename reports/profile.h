/*
 * profile.h: the map-profile record (map_profile=1), as plain data.
 *
 * The engine (engine/profile.c) keeps the counters of each tracked map and,
 * at exit and every map_profile_period seconds, copies them into these
 * records and hands them here; print_profile.c formats each as one JSON
 * line, {"record":"map-profile",...} (docs/USAGE.md), written to the JSON
 * sink the reports use. A record is not a report: no kind, no signature,
 * no effect on the exit status.
 */
#ifndef MAPSAN_PROFILE_REC_H
#define MAPSAN_PROFILE_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Inserting call sites kept per map (engine/profile.c: space-saving). */
#define MAPSAN_PROFILE_SITES 4

struct mapsan_profile_site {
  uintptr_t pc; /* the program's return address into the inserting call */
  uint64_t count;
};

struct mapsan_profile_rec {
  uintptr_t map;
  const char *api;
  uint64_t map_id;     /* serial of the map's profile in this process */
  bool final;          /* written at exit; false: a periodic record */
  uint64_t uptime_ms;  /* since the process's first profile */
  uint64_t age_ms;     /* since the map's profile began */
  uint64_t size, peak_size;
  uint64_t inserts, replacements, removals;
  uint64_t hits, misses, iterations;
  uint64_t grows, same_size_grows, shrinks;
  uint64_t bytes, peak_bytes;
  bool has_chain;      /* the API exposes a chain measure (hmap) */
  uint64_t chain, peak_chain; /* overflow buckets in use */
  uint32_t created_stack, created_thread;
  const char *created_op;
  int nsites;          /* most inserts first */
  struct mapsan_profile_site sites[MAPSAN_PROFILE_SITES];
};

/* Formats p as one JSON line (with its newline) into buf; returns its
 * length, 0 when it does not fit. The caller holds the report lock (the
 * symbolizer's). */
size_t mapsan_print_profile(const struct mapsan_profile_rec *p, pid_t pid,
                            const char *host, long long time, char *buf,
                            size_t cap);

/* Writes recs[0..n-1] to the JSON sink, one line each, under the report
 * lock with the hooks off for this thread. Nothing without json_path.
 * Call with no engine lock held. */
void mapsan_report_write_profiles(const struct mapsan_profile_rec *recs,
                                  size_t n);

#endif
