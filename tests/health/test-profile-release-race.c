/*
 * test-profile-release-race.c: an operation that began on a map whose
 * profile was then released, and reused for another map, counts nothing
 * in the other map's numbers (engine/profile.c, "A profile's end").
 *
 * A thread's hmap_assign on map M stops inside its hash function (the
 * library calls it before touching the map). Meanwhile the main thread
 * makes M anew with hmap_init on the same header (M's shadow is recycled
 * and its profile released), ends MAPSAN_PROFILE_QUARANTINE (256) more
 * maps, so that M's old profile leaves the quarantine and is the next one
 * handed out, makes map B (which gets it) and inserts 3 keys into B. Then
 * the assign finishes on the new M with M's old profile in hand: one entry
 * in a map whose profile now says 3 looks like a replacement. B's record
 * must stay 3 inserts and no replacement (without the profile's key
 * compare it said replacements=1). The assign is counted nowhere: it began
 * before the new M's profile. mapsan does not report an init over a map in
 * use.
 *
 * mapsan-options: map_profile=1
 * mapsan-expect: none
 * mapsan-profile: B size=3 inserts=3 replacements=0 removals=0
 */
#include <hmap.h>

#include <pthread.h>
#include <stdint.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stage; /* 1: the assign is in the hash function; 2: go on */

static uint64_t waiting_hash(const void *key, uint64_t seed) {
  if (*(const uint64_t *)key == 999) {
    pthread_mutex_lock(&mu);
    stage = 1;
    pthread_cond_broadcast(&cv);
    while (stage != 2)
      pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
  }
  return hmap_hash_bytes(key, sizeof(uint64_t), seed);
}

static bool equal_u64(const void *a, const void *b) {
  return *(const uint64_t *)a == *(const uint64_t *)b;
}

static const hmap_type waiting_type = {sizeof(uint64_t), sizeof(uint64_t),
                                       waiting_hash, equal_u64};

static hmap m;

static void *assigner(void *arg) {
  (void)arg;
  uint64_t k = 999;
  *(uint64_t *)hmap_assign(&m, &k) = 1;
  return NULL;
}

int main(void) {
  hmap_init(&m, &waiting_type, 0);
  for (uint64_t k = 1; k <= 10; k++)
    *(uint64_t *)hmap_assign(&m, &k) = k;
  pthread_t th;
  pthread_create(&th, NULL, assigner, NULL);
  pthread_mutex_lock(&mu);
  while (stage != 1)
    pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);

  hmap_init(&m, &waiting_type, 0); /* M's old profile released */
  for (int i = 0; i < 256; i++) {   /* ... and out of the quarantine */
    hmap *t = hmap_new(&hmap_u64_u64, 0);
    hmap_free(t);
  }
  hmap *b = hmap_new(&hmap_u64_u64, 0); /* mapsan-mark: B */
  for (uint64_t k = 1; k <= 3; k++)
    *(uint64_t *)hmap_assign(b, &k) = k;

  pthread_mutex_lock(&mu);
  stage = 2;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  pthread_join(th, NULL);
  return hmap_len(b) == 3 ? 0 : 1;
}
