/*
 * print_profile.c: one map-profile record as one JSON line (profile.h,
 * docs/USAGE.md). Formats only, with the report writer, as print_json.c.
 * Frames are symbolized as in reports (mapsan_symbolize: module, offset,
 * build-id always; function, file and line where known).
 */
#include "../base/base.h"
#include "../base/writer.h"
#include "profile.h"
#include "symbolize.h"
#include "../stacks/stack.h"

#ifndef MAPSAN_VERSION
#define MAPSAN_VERSION "0"
#endif

#define put mapsan_put_s
#define put_u mapsan_put_u
#define put_x mapsan_put_x
#define put_str mapsan_put_jstr

/* Frames a pc stands for (inlined calls included). */
#define FRAMES_PER_PC 8

static void put_frames(struct mapsan_writer *o, const uintptr_t *pcs,
                       size_t n, size_t max_frames) {
  struct mapsan_frame fr[FRAMES_PER_PC];
  put(o, "\"frames\":[");
  size_t done = 0;
  for (size_t i = 0; i < n && done < max_frames; i++) {
    size_t nf = mapsan_symbolize(pcs[i], true, fr, FRAMES_PER_PC);
    for (size_t f = 0; f < nf && done < max_frames; f++, done++) {
      put(o, done ? ",{\"pc\":\"" : "{\"pc\":\"");
      put_x(o, fr[f].pc);
      put(o, "\",\"module\":");
      put_str(o, fr[f].module);
      put(o, ",\"offset\":\"");
      put_x(o, fr[f].offset);
      put(o, "\"");
      if (fr[f].build_id) {
        put(o, ",\"build_id\":");
        put_str(o, fr[f].build_id);
      }
      if (fr[f].function) {
        put(o, ",\"function\":");
        put_str(o, fr[f].function);
      }
      if (fr[f].file) {
        put(o, ",\"file\":");
        put_str(o, fr[f].file);
        put(o, ",\"line\":");
        put_u(o, (uint64_t)(fr[f].line > 0 ? fr[f].line : 0));
      }
      if (fr[f].inlined)
        put(o, ",\"inlined\":true");
      put(o, "}");
    }
  }
  put(o, "]");
}

static void put_num(struct mapsan_writer *o, const char *key, uint64_t v) {
  put(o, ",\"");
  put(o, key);
  put(o, "\":");
  put_u(o, v);
}

static size_t print(const struct mapsan_profile_rec *p, pid_t pid,
                    const char *host, long long time, char *buf, size_t cap,
                    size_t max_frames) {
  struct mapsan_writer o = mapsan_writer(buf, cap > 2 ? cap - 2 : 0);
  put(&o, "{\"tool\":\"mapsan\",\"version\":\"" MAPSAN_VERSION "\",\"pid\":");
  mapsan_put_i(&o, pid);
  put(&o, ",\"host\":");
  put_str(&o, host);
  put(&o, ",\"time\":\"");
  mapsan_put_time(&o, time);
  put(&o, "\",\"record\":\"map-profile\",\"api\":");
  put_str(&o, p->api ? p->api : "none");
  put(&o, ",\"map\":\"");
  put_x(&o, p->map);
  put(&o, "\"");
  put_num(&o, "map_id", p->map_id);
  put(&o, p->final ? ",\"final\":true" : ",\"final\":false");
  put_num(&o, "uptime_ms", p->uptime_ms);
  put_num(&o, "age_ms", p->age_ms);
  put_num(&o, "size", p->size);
  put_num(&o, "peak_size", p->peak_size);
  put_num(&o, "inserts", p->inserts);
  put_num(&o, "replacements", p->replacements);
  put_num(&o, "removals", p->removals);
  put_num(&o, "lookups_hit", p->hits);
  put_num(&o, "lookups_miss", p->misses);
  put_num(&o, "iterations", p->iterations);
  put_num(&o, "grows", p->grows);
  put_num(&o, "same_size_grows", p->same_size_grows);
  put_num(&o, "shrinks", p->shrinks);
  put_num(&o, "bytes", p->bytes);
  put_num(&o, "peak_bytes", p->peak_bytes);
  if (p->has_chain) {
    put_num(&o, "overflow_buckets", p->chain);
    put_num(&o, "peak_overflow_buckets", p->peak_chain);
  }
  put(&o, p->removals == 0 && p->inserts > 0 ? ",\"only_grows\":true"
                                              : ",\"only_grows\":false");
  put(&o, ",\"insert_sites\":[");
  for (int i = 0; i < p->nsites; i++) {
    put(&o, i ? ",{\"count\":" : "{\"count\":");
    put_u(&o, p->sites[i].count);
    put(&o, ",");
    put_frames(&o, &p->sites[i].pc, 1, max_frames);
    put(&o, "}");
  }
  put(&o, "],\"stacks\":[{\"role\":\"map-created\"");
  if (p->created_thread)
    put_num(&o, "thread", p->created_thread);
  if (p->created_op) {
    put(&o, ",\"op\":");
    put_str(&o, p->created_op);
  }
  put(&o, ",");
  const uintptr_t *pcs = NULL;
  size_t n = mapsan_stack_get(p->created_stack, &pcs);
  put_frames(&o, pcs, n, max_frames);
  put(&o, "}]}");
  if (o.full)
    return 0;
  o.buf[o.len++] = '\n';
  return o.len;
}

size_t mapsan_print_profile(const struct mapsan_profile_rec *p, pid_t pid,
                            const char *host, long long time, char *buf,
                            size_t cap) {
  static const size_t tries[] = {SIZE_MAX, 16, 4, 1};
  for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
    size_t n = print(p, pid, host, time, buf, cap, tries[i]);
    if (n > 0)
      return n;
  }
  return 0;
}
