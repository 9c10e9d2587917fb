#!/usr/bin/env python3
"""layers.py: the runtime's folders are layers, and includes only point down.

    layers.py SOURCE_ROOT

Each folder of the runtime is one layer; LAYERS lists them from the ground
up. A file may include a header of its own layer or of a layer below it,
never one above (docs/ARCHITECTURE.md draws why each sits where it does).
The public headers under include/ are below everything. Every quoted
include is resolved against the including file's folder; every file of a
runtime folder must belong to a layer. Fails listing each offending
include as FILE:LINE: LAYER includes PATH (LAYER).

If you change LAYERS, redraw docs/ARCHITECTURE.md.
"""
import os
import re
import sys

LAYERS = [
    'include',  # public headers: hmap.h, mapsan/annotate.h
    'base',     # types, locks, allocator, options, the real-function table
    'stacks',   # unwinding, the stack depot
    'reports',  # report model, symbolization, filters, printers, sinks
    'engine',   # threads and clocks, sync objects, map shadows, quarantine
    'crash',    # fatal signals: ownership, chaining, the crash report
    'shim',     # interceptors: map APIs, sync primitives, signals
    'preload',  # start-up, exit, fork; the launcher
]
RANK = {name: i for i, name in enumerate(LAYERS)}
SOURCES = ('.c', '.h', '.inc')
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def layer_of(root, path):
    rel = os.path.relpath(path, root)
    top = rel.split(os.sep)[0]
    return top if top in RANK else None


def main():
    root = os.path.abspath(sys.argv[1])
    bad = []
    files = 0
    for name in LAYERS:
        for folder, _, names in os.walk(os.path.join(root, name)):
            for n in sorted(names):
                if not n.endswith(SOURCES):
                    continue
                path = os.path.join(folder, n)
                files += 1
                mine = RANK[name]
                with open(path, encoding='utf-8') as f:
                    for lineno, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        if m.group(1) == '"':
                            target = os.path.normpath(
                                os.path.join(folder, m.group(2)))
                        else:  # <hmap.h>: the include/ folder, if it is ours
                            target = os.path.join(root, 'include', m.group(2))
                        if not os.path.exists(target):
                            if m.group(1) == '"':
                                bad.append('%s:%d: includes %s, which does '
                                           'not exist' % (os.path.relpath(
                                               path, root), lineno,
                                               m.group(2)))
                            continue
                        theirs = layer_of(root, target)
                        if theirs is None:
                            bad.append('%s:%d: %s includes %s, outside '
                                       'every layer' % (os.path.relpath(
                                           path, root), lineno, name,
                                           m.group(2)))
                        elif RANK[theirs] > mine:
                            bad.append('%s:%d: %s includes %s (%s, a '
                                       'higher layer)' % (os.path.relpath(
                                           path, root), lineno, name,
                                           m.group(2), theirs))
    if files == 0:
        print('no sources found under', root)
        return 1
    for b in bad:
        print(b)
    print('%d files in %d layers, %d includes pointing up' %
          (files, len(LAYERS), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
