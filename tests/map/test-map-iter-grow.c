/*
 * test-map-iter-grow: Go's iteration guarantees hold while the map grows,
 * including when the iterating thread itself writes between steps.
 *
 * For many fixed seeds and sizes (some iterations start in the middle of a
 * growth, some start growths by writing), the iterating thread inserts new
 * keys, deletes keys and overwrites values between hmap_iter_next calls.
 * Checked: every key present for the whole iteration is produced exactly
 * once; no key is produced twice unless it was deleted and re-added; every
 * produced entry is live at that moment with its current value; a deleted
 * key not yet reached is not produced. Two iterators run interleaved.
 */
#include "map-test.h"

#include <string.h>

enum { MAXK = 20000 };

static uint64_t keys[MAXK];
static bool present[MAXK], touched[MAXK];
static uint64_t value[MAXK];
static unsigned char seen[2][MAXK];

static size_t index_of(const hmap_iter *it) {
  uint64_t k, v;
  memcpy(&k, it->key, sizeof k);
  memcpy(&v, it->val, sizeof v);
  size_t idx = (size_t)(v >> 32);
  CHECK(idx < MAXK && keys[idx] == k);
  CHECK(present[idx] && value[idx] == v);
  return idx;
}

static void write_some(hmap *m, test_rng *r, size_t *next_new, size_t nkeys,
                       unsigned writes) {
  for (unsigned w = 0; w < writes; w++) {
    unsigned dice = (unsigned)rng_below(r, 10);
    size_t idx;
    if (dice < 5 && *next_new < MAXK) { /* a new key */
      idx = (*next_new)++;
    } else {
      idx = (size_t)rng_below(r, nkeys);
    }
    if (dice >= 5 && dice < 8 && present[idx]) {
      CHECK(u64_del(m, keys[idx]));
      present[idx] = false;
      touched[idx] = true;
      continue;
    }
    uint64_t v = (uint64_t)idx << 32 | (uint32_t)rng_next(r);
    if (!present[idx] && idx < nkeys)
      touched[idx] = true; /* re-added: not present for the whole run */
    u64_put(m, keys[idx], v);
    present[idx] = true;
    value[idx] = v;
  }
}

static void run(uint64_t seed, size_t n, bool stress, bool start_growing) {
  test_rng r = {seed};
  for (size_t i = 0; i < MAXK; i++)
    keys[i] = rng_next(&r);
  memset(present, 0, sizeof present);
  memset(touched, 0, sizeof touched);
  memset(seen, 0, sizeof seen);
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  hmap_set_grow_stress(m, stress);
  size_t nkeys = n;
  for (size_t i = 0; i < n; i++) {
    u64_put(m, keys[i], (uint64_t)i << 32);
    present[i] = true;
    value[i] = (uint64_t)i << 32;
  }
  hmap_stats st;
  if (start_growing) { /* insert until a growth is in progress */
    for (;;) {
      hmap_debug_stats(m, &st);
      if (st.growing || nkeys == MAXK / 2)
        break;
      u64_put(m, keys[nkeys], (uint64_t)nkeys << 32);
      present[nkeys] = true;
      value[nkeys] = (uint64_t)nkeys << 32;
      nkeys++;
    }
  }
  size_t next_new = nkeys;
  hmap_iter it[2];
  bool done[2] = {false, false};
  hmap_iter_init(&it[0], m);
  hmap_iter_init(&it[1], m);
  unsigned grows_before = (unsigned)(st.grows + st.same_size_grows);
  for (size_t step = 0; !done[0] || !done[1]; step++) {
    for (int k = 0; k < 2; k++) {
      if (done[k])
        continue;
      if (!hmap_iter_next(&it[k])) {
        done[k] = true;
        continue;
      }
      size_t idx = index_of(&it[k]);
      CHECK(seen[k][idx] == 0 || touched[idx]);
      seen[k][idx]++;
    }
    write_some(m, &r, &next_new, nkeys, (unsigned)rng_below(&r, 4));
    if (nkeys < 400 || step % 64 == 0) /* keep the run short */
      CHECK_MAP(m);
  }
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < nkeys; i++)
      if (!touched[i])
        CHECK(seen[k][i] == 1);
  hmap_debug_stats(m, &st);
  CHECK(!start_growing || st.grows + st.same_size_grows >= grows_before);
  hmap_free(m);
}

int main(void) {
  static const size_t sizes[] = {1, 7, 9, 52, 53, 104, 105, 300, 833, 2000};
  unsigned runs = 0;
  for (uint64_t seed = 1; seed <= 12; seed++) {
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
      run(seed * 100 + s, sizes[s], false, false);
      run(seed * 100 + s, sizes[s], false, true);
      run(seed * 100 + s, sizes[s], true, false);
      runs += 3;
    }
  }
  printf("%u runs ok\n", runs);
  return 0;
}
