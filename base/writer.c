/*
 * writer.c: the report writer (writer.h). Only memcpy and arithmetic:
 * callable in a signal handler. Cold: only reports use it.
 */
#include "writer.h"

#include "base.h"

#include <string.h>

static const char hex_digits[] = "0123456789abcdef";

MAPSAN_COLD void mapsan_put_n(struct mapsan_writer *w, const char *s,
                              size_t n) {
  if (n > w->cap - w->len) {
    n = w->cap - w->len;
    w->full = true;
  }
  memcpy(w->buf + w->len, s, n);
  w->len += n;
}

MAPSAN_COLD void mapsan_put_s(struct mapsan_writer *w, const char *s) {
  mapsan_put_n(w, s, strlen(s));
}

MAPSAN_COLD void mapsan_put_u(struct mapsan_writer *w, uint64_t v) {
  char d[24];
  int n = 0;
  do {
    d[sizeof(d) - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  mapsan_put_n(w, d + sizeof(d) - n, (size_t)n);
}

MAPSAN_COLD void mapsan_put_i(struct mapsan_writer *w, int64_t v) {
  if (v < 0) {
    mapsan_put_s(w, "-");
    mapsan_put_u(w, (uint64_t)0 - (uint64_t)v);
  } else {
    mapsan_put_u(w, (uint64_t)v);
  }
}

MAPSAN_COLD void mapsan_put_x(struct mapsan_writer *w, uint64_t v) {
  char d[20];
  int n = 0;
  do {
    d[sizeof(d) - 1 - n++] = hex_digits[v & 15];
    v >>= 4;
  } while (v);
  mapsan_put_s(w, "0x");
  mapsan_put_n(w, d + sizeof(d) - n, (size_t)n);
}

MAPSAN_COLD void mapsan_put_2(struct mapsan_writer *w, unsigned v) {
  char d[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
  mapsan_put_n(w, d, 2);
}

MAPSAN_COLD void mapsan_put_jstr(struct mapsan_writer *w, const char *str) {
  mapsan_put_s(w, "\"");
  const unsigned char *p = (const unsigned char *)str;
  while (p && *p) {
    unsigned char c = *p;
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      mapsan_put_n(w, e, 2);
      p++;
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15]};
      mapsan_put_n(w, e, 6);
      p++;
    } else if (c < 0x80) {
      mapsan_put_n(w, (const char *)p, 1);
      p++;
    } else {
      int n = mapsan_utf8_len(p);
      if (n) {
        mapsan_put_n(w, (const char *)p, (size_t)n);
        p += n;
      } else {
        mapsan_put_s(w, "\\ufffd");
        p++;
      }
    }
  }
  mapsan_put_s(w, "\"");
}

/* Days to civil date: H. Hinnant's algorithm. */
MAPSAN_COLD void mapsan_put_time(struct mapsan_writer *w, int64_t t) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t sec = t - days * 86400;
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2)
    y++;
  mapsan_put_i(w, y);
  mapsan_put_s(w, "-");
  mapsan_put_2(w, (unsigned)m);
  mapsan_put_s(w, "-");
  mapsan_put_2(w, (unsigned)d);
  mapsan_put_s(w, "T");
  mapsan_put_2(w, (unsigned)(sec / 3600));
  mapsan_put_s(w, ":");
  mapsan_put_2(w, (unsigned)(sec / 60 % 60));
  mapsan_put_s(w, ":");
  mapsan_put_2(w, (unsigned)(sec % 60));
  mapsan_put_s(w, "Z");
}
