#!/usr/bin/env python3
# load-factor.py: the table "Why 6.5" in map/hmap.c's design comment.
# Simulates libhmap's layout for uint64 -> uint64 (144-byte buckets of 8
# slots, 8-bit top hashes of which 251 values are used) at the largest load
# before growth: n = load * buckets keys thrown uniformly into 2^15 buckets.
#   %overflow     overflow buckets per 100 buckets
#   bytes/entry   bucket memory per entry
#   hit-keys      key comparisons per successful lookup (1 + false top-hash
#                 matches before the key)
#   miss-buckets  buckets walked by an unsuccessful lookup
import math
import random

random.seed(1)
nb = 1 << 15
print("load  %overflow  bytes/entry  hit-keys  miss-buckets")
for load in (4.0, 5.0, 6.0, 6.5, 7.0, 8.0):
    n = int(load * nb)
    cnt = [0] * nb
    for _ in range(n):
        cnt[random.getrandbits(15)] += 1
    ovf = sum(max(0, math.ceil(k / 8) - 1) for k in cnt)
    before = sum(k * (k - 1) / 2 for k in cnt) / n
    miss = sum(max(1, math.ceil(k / 8)) for k in cnt) / nb
    print("%.1f  %8.1f  %11.1f  %8.3f  %12.2f" %
          (load, 100 * ovf / nb, (nb + ovf) * 144 / n, 1 + before / 251, miss))
