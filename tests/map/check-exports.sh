#!/bin/sh
# check-exports.sh LIBHMAP_SO MAPFILE: libhmap.so exports exactly the symbols
# of the version script, and its only calls into its own exported names are
# the three hooks (hmap_buckets_alloc, hmap_buckets_free, hmap_fatal), made
# through the PLT so that a preloaded tool can take them over. Any other
# hmap_* call through the PLT would make a wrapper see one user call twice.
set -eu
so=$1
mapfile=$2
tmp=${TMPDIR:-/tmp}/check-exports.$$
trap 'rm -f "$tmp".*' EXIT
nm -D --defined-only "$so" | awk '$3 != "" && $3 !~ /^HMAP_/ { sub(/@.*/, "", $3); print $3 }' \
  | sort > "$tmp.have"
sed -n 's/^[ \t]*\(hmap_[a-z0-9_]*\);.*/\1/p' "$mapfile" | sort > "$tmp.want"
if ! cmp -s "$tmp.have" "$tmp.want"; then
  echo "exported symbols differ from $mapfile (< exported, > listed):"
  diff "$tmp.have" "$tmp.want" || true
  exit 1
fi
objdump -d "$so" | sed -n 's/.*\(call\|jmp\) .*<\(hmap_[a-z0-9_]*\)@plt>.*/\2/p' \
  | sort -u > "$tmp.plt"
printf 'hmap_buckets_alloc\nhmap_buckets_free\nhmap_fatal\n' > "$tmp.hooks"
if ! cmp -s "$tmp.plt" "$tmp.hooks"; then
  echo "hmap_* calls through the PLT differ from the three hooks (< found, > expected):"
  diff "$tmp.plt" "$tmp.hooks" || true
  exit 1
fi
echo "ok: $(wc -l < "$tmp.have") symbols exported; hooks called through the PLT"
