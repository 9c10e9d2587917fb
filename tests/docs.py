#!/usr/bin/env python3
"""The docs say what the code does: every option declared in options.inc
has a row in the options tables of README.md and docs/USAGE.md, and every
report kind the runtime can print (the strings of mapsan_kind_name) is in
docs/USAGE.md's table of kinds and in its JSON section; every stack role
(mapsan_role_name) is named in USAGE.md, every lock kind
(mapsan_lock_kind_name) in its table of lock kinds. Usage: docs.py SOURCE_ROOT"""
import glob
import os
import re
import sys


def function_strings(root, fn):
    """The string literals returned by the C function fn, wherever it is."""
    for path in glob.glob(os.path.join(root, '*', '*.c')):
        text = open(path).read()
        m = re.search(r'\b%s\([^)]*\)\s*\{(.*?)\n\}' % fn, text, re.S)
        if m:
            return [s for s in re.findall(r'return "([^"]+)"', m.group(1))
                    if s != '?']
    sys.exit('FAIL: %s not found under %s' % (fn, root))


def main():
    root = sys.argv[1]
    inc = glob.glob(os.path.join(root, '*', 'options.inc'))
    if not inc:
        sys.exit('FAIL: options.inc not found')
    decl = re.sub(r'/\*.*?\*/', '', open(inc[0]).read(), flags=re.S)
    options = re.findall(r'MAPSAN_OPTION\(\w+,\s*(\w+),', decl)
    readme = open(os.path.join(root, 'README.md')).read()
    usage = open(os.path.join(root, 'docs', 'USAGE.md')).read()
    json_section = usage[usage.index('### The JSON form'):
                         usage.index('## Crash-time reports')]
    kinds_table = usage[usage.index('## What is reported'):
                        usage.index('### The text form')]
    bad = []
    for o in options:
        row = '| `%s` |' % o
        if row not in usage:
            bad.append('option %s has no row in docs/USAGE.md' % o)
        if row not in readme and o != 'help':
            bad.append('option %s has no row in README.md' % o)
    kinds = function_strings(root, 'mapsan_kind_name')
    for k in kinds:
        if '| `%s` |' % k not in kinds_table:
            bad.append('kind %s is not in USAGE.md\'s table of kinds' % k)
        if '`%s`' % k not in json_section:
            bad.append('kind %s is not in USAGE.md\'s JSON section' % k)
    for r in function_strings(root, 'mapsan_role_name'):
        if '`%s`' % r not in usage:
            bad.append('stack role %s is not in docs/USAGE.md' % r)
    kinds_text = usage[usage.index('### The text form'):
                       usage.index('### The JSON form')]
    for k in function_strings(root, 'mapsan_lock_kind_name'):
        if '| `%s` |' % k not in kinds_text:
            bad.append('lock kind %s is not in USAGE.md\'s table of lock '
                       'kinds' % k)
    for b in bad:
        print('FAIL: ' + b)
    print('%d options, %d kinds checked: %s' % (len(options), len(kinds),
                                               'FAIL' if bad else 'PASS'))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
