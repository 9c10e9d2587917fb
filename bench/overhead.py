#!/usr/bin/env python3
"""Measures mapsan's overhead against native and against the tools people
compare it with, all in one run, and prints a Markdown table of ratios.

  bench/overhead.py BUILD_DIR [--quick]

Each workload of bench/overhead.c runs natively, under mapsan (full mode),
compiled with -fsanitize=thread (program and map library
together, so ThreadSanitizer sees the map's memory), and under Valgrind's
Helgrind and DRD. Times are wall-clock medians of 5 runs (3 for Valgrind,
which also runs a tenth of the operations, compared with native at that
size). Ratios are what to quote; absolute times depend on the machine.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

build = os.path.abspath(sys.argv[1])
quick = '--quick' in sys.argv
src = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(src)
native = os.path.join(build, 'bench', 'overhead')
launcher = os.path.join(build, 'preload', 'mapsan')
N = {'st': 5_000_000, 'mt': 2_000_000}
if quick:
    N = {k: v // 10 for k, v in N.items()}


def run(cmd, env=None):
    e = dict(os.environ)
    e.pop('MAPSAN_OPTIONS', None)
    e.update(env or {})
    t = time.monotonic()
    p = subprocess.run(cmd, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.monotonic() - t
    if p.returncode != 0:
        sys.exit('failed (%d): %s\n%s' % (p.returncode, ' '.join(cmd),
                                         p.stderr.decode()[-2000:]))
    return dt


def median(cmd, reps, env=None):
    return statistics.median(run(cmd, env) for _ in range(reps))


def build_tsan(tmp):
    exe = os.path.join(tmp, 'overhead-tsan')
    subprocess.run(['cc', '-O2', '-g', '-fsanitize=thread', '-D_GNU_SOURCE',
                    '-I', os.path.join(root, 'include'),
                    '-I', os.path.join(root, 'map'),
                    os.path.join(src, 'overhead.c'),
                    os.path.join(root, 'map', 'hmap.c'),
                    os.path.join(root, 'map', 'hooks.c'),
                    '-o', exe, '-lpthread'], check=True)
    return exe


def main():
    tmp = tempfile.mkdtemp()
    tsan = build_tsan(tmp)
    have_valgrind = shutil.which('valgrind') is not None
    rows = []
    for w in ('st', 'mt'):
        n = str(N[w])
        small = str(N[w] // 10)
        base = median([native, w, n], 5)
        row = {'workload': w, 'native': base}
        row['mapsan'] = median([launcher, '--', native, w, n], 5) / base
        row['tsan'] = median([tsan, w, n], 5, {'TSAN_OPTIONS': 'report_bugs=0'}) / base
        if have_valgrind:
            base_small = median([native, w, small], 5)
            for tool in ('helgrind', 'drd'):
                row[tool] = median(['valgrind', '--tool=' + tool, '-q',
                                    '--error-exitcode=0', native, w, small],
                                   3) / base_small
        rows.append(row)
    cols = ['workload', 'native', 'mapsan', 'tsan',
            'helgrind', 'drd']
    print('| ' + ' | '.join(cols) + ' |')
    print('|' + '---|' * len(cols))
    names = {'st': 'single thread, map mix (%d ops)' % N['st'],
             'mt': '2 threads, private maps + shared map under a mutex (%d ops each)' % N['mt']}
    for r in rows:
        cells = [names[r['workload']], '%.3f s' % r['native']]
        for c in cols[2:]:
            cells.append('%.2fx' % r[c] if c in r else 'n/a')
        print('| ' + ' | '.join(cells) + ' |')


main()
