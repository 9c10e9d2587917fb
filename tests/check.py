#!/usr/bin/env python3
"""Runs one test program under mapsan and checks what it reported.

The expectations live in the test's own source, so a test reads as one file:

  mapsan-expect: KIND MARK_A MARK_B   a report of KIND whose current and
                                      previous stacks start (first frame) at
                                      the lines marked A and B (either order)
  mapsan-expect: KIND MARK_A          a report whose current stack starts at A
  mapsan-expect-ordered: KIND CUR PREV
                                      as mapsan-expect with two marks, but the
                                      current stack must start at CUR and the
                                      previous one at PREV
  mapsan-expect-in-stack: KIND MARK   a report of KIND whose current stack
                                      has the marked line in any frame (a
                                      fault inside a library called there)
  mapsan-expect: none                 no report at all
  mapsan-exit: N | abort              expected exit status (default: 66 when
                                      reports are expected, else 0)
  mapsan-options: k=v:k=v             MAPSAN_OPTIONS for the run
  mapsan-suppressions: KIND:PATTERN   a line of a suppressions file written
                                      for the run (one directive per line,
                                      in order); adds suppressions=FILE
  mapsan-overlapping: true|false      every race report must say so
  mapsan-field: KIND KEY VALUE        some report of KIND has top-level field
                                      KEY equal to VALUE (compared as JSON
                                      text: 3, true, "glib")
  mapsan-stderr: REGEX                stderr must match (re.search, several
                                      lines allowed: all must match)
  ... code ...  /* mapsan-mark: A */  marks a line

Every report must be expected (precision) and every expectation met
(recall). Prints what it found; exit status 0 = pass, 1 = fail.
Usage: check.py LAUNCHER SOURCE PROGRAM [ARGS...]
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile


def main():
    launcher, source, program = sys.argv[1:4]
    args = sys.argv[4:]
    text = open(source).read()
    marks = {}
    for i, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r'mapsan-mark:\s*(\w+)', line):
            marks[m.group(1)] = i
    expects = []
    for m in re.finditer(r'mapsan-expect:\s*([\w-]+)((?:[ \t]+\w+)*)', text):
        kind = m.group(1)
        if kind == 'none':
            continue
        names = m.group(2).split()
        for n in names:
            if n not in marks:
                print('FAIL: mark %s is not in %s' % (n, source))
                return 1
        expects.append((kind, [marks[n] for n in names], False))
    for m in re.finditer(r'mapsan-expect-ordered:\s*([\w-]+)[ \t]+(\w+)[ \t]+(\w+)',
                         text):
        for n in m.group(2, 3):
            if n not in marks:
                print('FAIL: mark %s is not in %s' % (n, source))
                return 1
        expects.append((m.group(1), [marks[m.group(2)], marks[m.group(3)]],
                        True))
    for m in re.finditer(r'mapsan-expect-in-stack:\s*([\w-]+)[ \t]+(\w+)', text):
        if m.group(2) not in marks:
            print('FAIL: mark %s is not in %s' % (m.group(2), source))
            return 1
        expects.append((m.group(1), [marks[m.group(2)]], 'in-stack'))
    opt = re.search(r'mapsan-options:\s*(\S+)', text)
    ex = re.search(r'mapsan-exit:\s*(\w+)', text)
    ov = re.search(r'mapsan-overlapping:\s*(true|false)', text)
    want_exit = ex.group(1) if ex else ('66' if expects else '0')

    tmp = tempfile.mkdtemp(prefix='mapsan-test-')
    env = dict(os.environ)
    env.pop('MAPSAN_OPTIONS', None)
    if opt:
        env['MAPSAN_OPTIONS'] = opt.group(1)
    rules = re.findall(r'mapsan-suppressions:[ \t]*(.+?)[ \t]*(?:\*/)?$', text,
                       re.M)
    if rules:
        supp = os.path.join(tmp, 'suppressions.txt')
        with open(supp, 'w') as f:
            f.write('\n'.join(rules) + '\n')
        env['MAPSAN_OPTIONS'] = (env.get('MAPSAN_OPTIONS', '') +
                                 ':suppressions=' + supp).lstrip(':')
    cmd = [launcher, '--json', tmp, '--', program] + args
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
    except subprocess.TimeoutExpired:
        print('FAIL: timed out (deadlock?)')
        return 1
    err = p.stderr.decode(errors='replace')
    sys.stdout.write(err[-6000:])
    reports = []
    summaries = []
    for f in glob.glob(os.path.join(tmp, '*.jsonl')):
        for line in open(f):
            rec = json.loads(line)
            if rec.get('record') == 'summary':
                summaries.append(rec)
            else:
                reports.append(rec)
    ok = True

    got_exit = p.returncode
    if want_exit == 'abort':
        if got_exit != -6:
            print('FAIL: expected abort (SIGABRT), got status %d' % got_exit)
            ok = False
    elif got_exit != int(want_exit):
        print('FAIL: expected exit status %s, got %d' % (want_exit, got_exit))
        ok = False

    # A process that exits normally ends its JSON file with a summary record
    # whose count matches the reports it wrote.
    for sm in summaries:
        mine = [r for r in reports if r.get('pid') == sm.get('pid')]
        if sm.get('reports') != len(mine):
            print('FAIL: summary of pid %s says %s reports, file has %d' % (
                sm.get('pid'), sm.get('reports'), len(mine)))
            ok = False

    base = os.path.basename(source)

    def first_line(rep, role):
        for s in rep['stacks']:
            if s['role'] == role and s['frames']:
                fr = s['frames'][0]
                if os.path.basename(fr.get('file', '')) == base:
                    return fr.get('line')
                return None
        return None

    unmatched = list(reports)
    for kind, lines, ordered in expects:
        hit = None
        for r in unmatched:
            if r['kind'] != kind:
                continue
            cur, prev = first_line(r, 'current'), first_line(r, 'previous')
            if ordered == 'in-stack':
                if any(os.path.basename(f.get('file', '')) == base and
                       f.get('line') == lines[0]
                       for s in r['stacks'] if s['role'] == 'current'
                       for f in s['frames']):
                    hit = r
            elif len(lines) == 1 and cur == lines[0]:
                hit = r
            elif ordered and [cur, prev] == lines:
                hit = r
            elif not ordered and len(lines) == 2 and \
                    sorted([cur or 0, prev or 0]) == sorted(lines):
                hit = r
            if hit:
                break
        if hit is None:
            print('FAIL: no %s report at lines %s%s; reports: %s' % (
                kind, lines, ' (current, previous)' if ordered else '',
                [(r['kind'], first_line(r, 'current'),
                  first_line(r, 'previous')) for r in unmatched]))
            ok = False
        else:
            unmatched.remove(hit)
            if ov and hit['kind'].endswith('race') and \
                    hit['overlapping'] != (ov.group(1) == 'true'):
                print('FAIL: overlapping is %s' % hit['overlapping'])
                ok = False
    for kind, key, val in re.findall(
            r'mapsan-field:\s*([\w-]+)[ \t]+(\w+)[ \t]+(\S+)', text):
        if not any(r['kind'] == kind and key in r and
                   json.dumps(r[key]) == val for r in reports):
            print('FAIL: no %s report with %s == %s' % (kind, key, val))
            ok = False
    for rx in re.findall(r'mapsan-stderr:\s*(.+?)\s*(?:\*/)?$', text, re.M):
        if not re.search(rx, err):
            print('FAIL: stderr does not match %r' % rx)
            ok = False
    for r in unmatched:
        print('FAIL: unexpected report %s: %s' % (r['kind'], r['summary']))
        ok = False
    print('%s: %d report(s), exit status %d' % ('PASS' if ok else 'FAIL',
                                               len(reports), got_exit))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
