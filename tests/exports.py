#!/usr/bin/env python3
"""Proves libmapsan.so exports exactly the interposed functions
(base/interceptors.inc) and the public annotation API (preload/public.sym):
nothing by accident, nothing missing.
Usage: exports.py LIBMAPSAN.so interceptors.inc public.sym"""
import re
import subprocess
import sys

lib, inc, public = sys.argv[1:4]
want = set(re.findall(r'^MAPSAN_INTERCEPTOR\((\w+),', open(inc).read(), re.M))
want |= {l.strip() for l in open(public) if l.strip() and not l.startswith('#')}
out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                     stdout=subprocess.PIPE, text=True).stdout
have = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in 'TtWwDdBbVvi':
        have.add(parts[2].split('@')[0])
extra, missing = sorted(have - want), sorted(want - have)
for s in extra:
    print('exported by accident:', s)
for s in missing:
    print('not exported:', s)
print('%d symbols exported; %s' % (len(have), 'OK' if not (extra or missing) else 'FAIL'))
sys.exit(1 if extra or missing else 0)
