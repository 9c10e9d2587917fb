#!/usr/bin/env python3
"""Runs one of GLib's installed tests (Debian package libglib2.0-tests) under
mapsan and checks that it still passes with zero mapsan reports: a real test
suite nobody here wrote, full of correctly synchronized GHashTable, GMutex,
GCond, GThreadPool, GAsyncQueue and main-loop code, so any report is a false
positive of mapsan's and any failure a behaviour change.

Usage: run_installed.py LAUNCHER NAME [LAUNCHER_FLAG...]
(e.g. --sample 2: half the tables tracked, the other half on the canary's
untracked paths)
Exit: 0 pass, 1 fail, 77 skip (the test is not installed, or skips itself).
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

INSTALLED = '/usr/libexec/installed-tests/glib'


def main():
    launcher, name = os.path.abspath(sys.argv[1]), sys.argv[2]
    flags = sys.argv[3:]
    exe = os.path.join(INSTALLED, name)
    if not os.access(exe, os.X_OK):
        print('SKIP: %s is not installed (package libglib2.0-tests)' % exe)
        return 77
    tmp = tempfile.mkdtemp(prefix='mapsan-glib-')
    env = dict(os.environ)
    env.pop('MAPSAN_OPTIONS', None)
    # GLib's tests look for data files next to themselves.
    p = subprocess.run([launcher, '--json', tmp] + flags + ['--', exe],
                       cwd=INSTALLED,
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=600)
    out = p.stdout.decode(errors='replace') + p.stderr.decode(errors='replace')
    reports = []
    for f in glob.glob(os.path.join(tmp, '*.jsonl')):
        for line in open(f):
            rec = json.loads(line)
            if rec.get('record') != 'summary':
                reports.append(rec)
    for r in reports:
        print('mapsan report: %s (%s)' % (r['summary'], r['signature']))
    if p.returncode == 77:
        print('SKIP: the test skipped itself')
        return 77
    ok = p.returncode == 0 and not reports
    if p.returncode != 0:
        print(out[-4000:])
    print('%s: %s exit status %d, %d mapsan report(s)' % (
        'PASS' if ok else 'FAIL', name, p.returncode, len(reports)))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
