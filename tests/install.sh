#!/bin/sh
# Installed like a tool: `meson install` into a scratch root puts the
# launcher, libmapsan.so, mapsan-report, the man pages and the pkg-config
# files of libhmap and mapsan-annotate in place, and a program builds
# against the installed headers and library through pkg-config alone.
# Usage: install.sh BUILD_DIR
set -eu
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
meson install -C "$build" --no-rebuild --destdir "$root" >/dev/null
fail=0
for f in bin/mapsan bin/mapsan-report share/man/man1/mapsan.1 \
         share/man/man1/mapsan-report.1 include/hmap.h include/mapsan/annotate.h; do
  if ! find "$root" -path "*/$f" | grep -q .; then
    echo "FAIL: $f not installed"; fail=1
  fi
done
pcdir=$(dirname "$(find "$root" -name hmap.pc | head -1)")
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$root"
for pc in hmap mapsan-annotate; do
  pkg-config --exists "$pc" || { echo "FAIL: pkg-config $pc"; fail=1; }
done
cat > "$root/use.c" <<'C'
#include <hmap.h>
#include <mapsan/annotate.h>
int main(void) {
  hmap *m = hmap_new(&hmap_u64_u64, 0);
  uint64_t k = 1;
  *(uint64_t *)hmap_assign(m, &k) = 2;
  MAPSAN_HAPPENS_BEFORE(m);
  int ok = hmap_len(m) == 1;
  hmap_free(m);
  return ok ? 0 : 1;
}
C
libdir=$(dirname "$(find "$root" -name 'libhmap.so.1' | head -1)")
# shellcheck disable=SC2046
if cc -o "$root/use" "$root/use.c" $(pkg-config --cflags --libs hmap mapsan-annotate) &&
   LD_LIBRARY_PATH="$libdir" "$root/use"; then :; else
  echo "FAIL: a program built through pkg-config"; fail=1
fi
[ $fail = 0 ] && echo PASS
exit $fail
