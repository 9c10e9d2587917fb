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
  mapsan-expect: crash [MARK]         a crash report (kind crash), whose
                                      faulting stack starts at MARK if given
                                      (its frames are module+offset only:
                                      resolved here with addr2line)
  mapsan-crash-inflight: OP MARK      the crash report shows a thread with OP
                                      in flight, called from the line MARK
                                      (and on the map the program printed as
                                      "mapsan-test-map=0x..." on stderr, if it
                                      did)
  mapsan-crash-recent: OP MARK        the crash report lists OP from MARK
                                      among some thread's recent operations
  mapsan-crash: none                  no crash report at all
  mapsan-unloaded: KIND MODULE STALE MARK
                                      a report of KIND (use-after-unload, made
                                      by a map operation or at crash time)
                                      whose unloaded_module's file name is
                                      MODULE, whose stale word was in STALE
                                      (key, value, pc, address) and whose
                                      dlclose stack has the line MARK
(A crash-time report is one with a "signal": kind crash, or use-after-unload
when the pc or fault address lay in an unloaded module; its frames are
resolved with addr2line and it counts for the crash directives.)
  mapsan-exit: N | abort | signal:SIG expected exit status (default: 66 when
                                      reports are expected, else 0); abort is
                                      signal:ABRT, signal:SEGV a death by
                                      SIGSEGV, ...
  mapsan-options: k=v:k=v             MAPSAN_OPTIONS for the run
  mapsan-env: NAME=VALUE              an environment variable for the run
                                      (one per directive)
  mapsan-frames-build-id: true        every frame (crash notes too) whose
                                      module is a file has "build_id" equal
                                      to the GNU build-id of that file's
                                      note (readelf -n)
  mapsan-frames-unsymbolized: true    every frame has module, offset and
                                      build_id but no function, file or line
  mapsan-frame-in: NAME                some frame of some report (crash notes
                                      too) is in a module whose path ends
                                      with NAME
  mapsan-suppressions: KIND:PATTERN   a line of a suppressions file written
                                      for the run (one directive per line,
                                      in order); adds suppressions=FILE
  mapsan-overlapping: true|false      every race report must say so
  mapsan-field: KIND KEY VALUE        some report of KIND has top-level field
                                      KEY equal to VALUE (compared as JSON
                                      text: 3, true, "glib")
  mapsan-lock-kind: LABEL KIND        some report has a lock-created stack
                                      for lock LABEL (L1, ...) with
                                      "lock_kind" KIND, and KIND at LABEL's
                                      place in every access stack's
                                      "lock_kinds" that lists LABEL
  mapsan-lock-created: LABEL MARK     some report's lock-created stack for
                                      lock LABEL starts at line MARK (the
                                      program's first acquisition of it)
  mapsan-stderr: REGEX                stderr must match (re.search, several
                                      lines allowed: all must match)
  mapsan-insert-site: MARK COUNT      some unbounded-growth report has an
                                      insert-site stack starting at MARK with
                                      that count
  mapsan-profile: MARK KEY=VALUE ...  some final map-profile record of a map
                                      created at MARK (its map-created stack
                                      starts there) has each KEY equal to
                                      VALUE (JSON text)
  mapsan-profile-site: MARK SITE COUNT
                                      some final map-profile record of a map
                                      created at MARK lists an insert site
                                      starting at SITE with that count
  mapsan-profile-periodic: MARK N     at least N periodic (final: false)
                                      records of one map created at MARK, in
                                      one process
  mapsan-profile-pids: N              map-profile records come from N
                                      distinct processes
  ... code ...  /* mapsan-mark: A */  marks a line

Every report must be expected (precision) and every expectation met
(recall). A crash report is the companion of a fatal signal: when the
expected exit is a signal (abort, signal:SIG) and the test states nothing
about crash reports, one is tolerated. Prints what it found; exit status 0 = pass, 1 = fail.
Usage: check.py LAUNCHER SOURCE PROGRAM [ARGS...]
"""
import glob
import shutil
import json
import os
import re
import signal
import subprocess
import sys
import tempfile


_lines = {}


def module_line(module, offset, return_address):
    """(basename of file, line) of module+offset, by addr2line; a return
    address is looked up inside its call instruction."""
    off = int(offset, 16) - (1 if return_address else 0)
    key = (module, off)
    if key not in _lines:
        _lines[key] = (None, None)
        try:
            out = subprocess.run(['addr2line', '-e', module, hex(off)],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True,
                                 timeout=30).stdout
            m = re.match(r'(.*?):(\d+)', out.strip())
            if m:
                _lines[key] = (os.path.basename(m.group(1)), int(m.group(2)))
        except (OSError, subprocess.TimeoutExpired):
            pass
    return _lines[key]


_build_ids = {}


def file_build_id(path):
    """The GNU build-id (hex) of an ELF file's note, by readelf -n."""
    if path not in _build_ids:
        _build_ids[path] = None
        try:
            out = subprocess.run(['readelf', '-n', path],
                                 stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True,
                                 timeout=30).stdout
            m = re.search(r'Build ID:\s*([0-9a-f]+)', out)
            if m:
                _build_ids[path] = m.group(1)
        except (OSError, subprocess.TimeoutExpired):
            pass
    return _build_ids[path]


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
    ex = re.search(r'mapsan-exit:\s*([\w:]+)', text)
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
    for m in re.finditer(r'mapsan-env:[ \t]*(\w+)=(\S*)', text):
        env[m.group(1)] = m.group(2)
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
    profiles = []
    for f in sorted(glob.glob(os.path.join(tmp, '*.jsonl'))):
        if not os.path.isfile(f):
            continue
        for line in open(f):
            rec = json.loads(line)
            if rec.get('record') == 'summary':
                summaries.append(rec)
            elif rec.get('record') == 'map-profile':
                profiles.append(rec)
            elif 'record' not in rec:
                reports.append(rec)
    shutil.rmtree(tmp, ignore_errors=True)
    ok = True

    got_exit = p.returncode
    if want_exit == 'abort':
        want_exit = 'signal:ABRT'
    if want_exit.startswith('signal:'):
        want_sig = getattr(signal, 'SIG' + want_exit[len('signal:'):])
        if got_exit != -want_sig:
            print('FAIL: expected death by %s, got status %d' % (
                want_sig.name, got_exit))
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

    def is_crash(rep):
        return 'signal' in rep

    def frame_line(rep, i, fr):
        """(basename, line) of frame i of a stack of rep."""
        if 'file' not in fr and is_crash(rep) and 'module' in fr:
            # Frame 0 of a crash is the faulting pc, not a return address.
            return module_line(fr['module'], fr['offset'], i > 0)
        return os.path.basename(fr.get('file', '')), fr.get('line')

    def first_line(rep, role):
        for s in rep['stacks']:
            if s['role'] == role and s['frames']:
                fr = s['frames'][0]
                if 'file' not in fr and is_crash(rep):
                    # The faulting pc itself, not a return address.
                    f, line = module_line(fr['module'], fr['offset'], False)
                    return line if f == base else None
                if os.path.basename(fr.get('file', '')) == base:
                    return fr.get('line')
                return None
        return None

    # Crash reports: what each thread was doing.
    crashes = [r for r in reports if is_crash(r)]
    test_map = re.search(r'mapsan-test-map=(0x[0-9a-f]+)', err)
    for which, op, mark in re.findall(
            r'mapsan-crash-(inflight|recent):\s*([\w-]+)[ \t]+(\w+)', text):
        if mark not in marks:
            print('FAIL: mark %s is not in %s' % (mark, source))
            return 1
        seen = []
        found = False
        for r in crashes:
            for th in r.get('threads', []):
                notes = [th['inflight']] if which == 'inflight' else th['recent']
                for n in notes:
                    if not n or 'module' not in n:
                        continue
                    f, line = module_line(n['module'], n['offset'], True)
                    seen.append((th['thread'], n['op'], f, line))
                    if n['op'] == op and f == base and line == marks[mark] and \
                            (which != 'inflight' or test_map is None or
                             int(n['map'], 16) == int(test_map.group(1), 16)):
                        found = True
        if not found:
            print('FAIL: no crash report with %s %s at line %d; seen: %s' % (
                which, op, marks[mark], seen))
            ok = False
    crash_none = re.search(r'mapsan-crash:\s*none', text)
    if crash_none and crashes:
        print('FAIL: crash report(s) made: %s' % [r['summary'] for r in crashes])
        ok = False
    crash_stated = crash_none or re.search(
        r'mapsan-(expect|expect-ordered|expect-in-stack):\s*crash\b|'
        r'mapsan-crash-', text)

    unmatched = list(reports)
    for kind, lines, ordered in expects:
        hit = None
        for r in unmatched:
            if r['kind'] != kind:
                continue
            cur, prev = first_line(r, 'current'), first_line(r, 'previous')
            if ordered == 'in-stack':
                if any(frame_line(r, i, f) == (base, lines[0])
                       for s in r['stacks'] if s['role'] == 'current'
                       for i, f in enumerate(s['frames'])):
                    hit = r
            elif not lines:
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
    for kind, module, stale, mark in re.findall(
            r'mapsan-unloaded:\s*([\w-]+)[ \t]+(\S+)[ \t]+(\w+)[ \t]+(\w+)',
            text):
        if mark not in marks:
            print('FAIL: mark %s is not in %s' % (mark, source))
            return 1
        seen = []
        found = None
        # A report still unmatched first: one directive, one report.
        for r in unmatched + [r for r in reports if r not in unmatched]:
            if r['kind'] != kind:
                continue
            closes = [s for s in r['stacks'] if s['role'] == 'dlclose']
            # Every frame of a dlclose stack is a return address.
            lines = [frame_line(r, 1, f) for s in closes for f in s['frames']]
            seen.append((os.path.basename(r.get('unloaded_module', '')),
                         r.get('stale'), lines))
            if os.path.basename(r.get('unloaded_module', '')) == module and \
                    r.get('stale') == stale and (base, marks[mark]) in lines:
                found = r
                break
        if found is None:
            print('FAIL: no %s report naming %s (%s), unloaded at line %d; '
                  'seen: %s' % (kind, module, stale, marks[mark], seen))
            ok = False
        elif found in unmatched:
            unmatched.remove(found) # expected: the directive states it
    for kind, key, val in re.findall(
            r'mapsan-field:\s*([\w-]+)[ \t]+(\w+)[ \t]+(\S+)', text):
        if not any(r['kind'] == kind and key in r and
                   json.dumps(r[key]) == val for r in reports):
            print('FAIL: no %s report with %s == %s' % (kind, key, val))
            ok = False
    def lock_kind_ok(r, label, kind):
        found = False
        for s in r.get('stacks', []):
            if s.get('role') == 'lock-created' and \
                    s.get('lock_label') == label:
                found = s.get('lock_kind') == kind
            labels = s.get('lock_labels', [])
            kinds = s.get('lock_kinds', [None] * len(labels))
            for lab, k in zip(labels, kinds):
                if lab == label and k != kind:
                    return False
        return found
    for label, kind in re.findall(
            r'mapsan-lock-kind:[ \t]*(L\d+)[ \t]+(\S+)', text):
        if not any(lock_kind_ok(r, label, kind) for r in reports):
            print('FAIL: no report with lock %s of kind %s (lock-created '
                  'stack and every lock_kinds entry)' % (label, kind))
            ok = False
    for label, mark in re.findall(
            r'mapsan-lock-created:[ \t]*(L\d+)[ \t]+(\w+)', text):
        firsts = [s['frames'][0].get('line') if s.get('frames') else None
                  for r in reports for s in r.get('stacks', [])
                  if s.get('role') == 'lock-created' and
                  s.get('lock_label') == label]
        if marks[mark] not in firsts:
            print('FAIL: no lock-created stack of %s starting at line %d; '
                  'seen: %s' % (label, marks[mark], firsts))
            ok = False
    def all_frames():
        for r in reports:
            for s in r.get('stacks', []):
                for fr in s.get('frames', []):
                    yield r, fr
            for th in r.get('threads', []):
                notes = [th.get('inflight')] + th.get('recent', [])
                for n in notes:
                    if n and 'module' in n:
                        yield r, n
    if re.search(r'mapsan-frames-build-id:\s*true', text):
        checked = 0
        for r, fr in all_frames():
            mod = fr.get('module', '?')
            if not os.path.isfile(mod):
                continue
            want = file_build_id(mod)
            if want is None:
                continue
            checked += 1
            if fr.get('build_id') != want:
                print('FAIL: %s frame in %s has build_id %s, the file\'s '
                      'note says %s' % (r['kind'], mod, fr.get('build_id'),
                                        want))
                ok = False
        if checked == 0:
            print('FAIL: no frame with a module file to check build_id on')
            ok = False
    for name in re.findall(r'mapsan-frame-in:[ \t]*(\S+)', text):
        if not any(fr.get('module', '').endswith(name)
                   for _, fr in all_frames()):
            print('FAIL: no frame in a module named %s' % name)
            ok = False
    if re.search(r'mapsan-frames-unsymbolized:\s*true', text):
        n = 0
        for r, fr in all_frames():
            n += 1
            if any(k in fr for k in ('function', 'file', 'line')) or \
                    'module' not in fr or 'offset' not in fr or \
                    (os.path.isfile(fr['module']) and 'build_id' not in fr):
                print('FAIL: %s frame is not module+offset+build_id only: %s'
                      % (r['kind'], fr))
                ok = False
        if n == 0:
            print('FAIL: no frames to check')
            ok = False
    for rx in re.findall(r'mapsan-stderr:\s*(.+?)\s*(?:\*/)?$', text, re.M):
        if not re.search(rx, err):
            print('FAIL: stderr does not match %r' % rx)
            ok = False
    def starts_at(frames, mark):
        return bool(frames) and \
            os.path.basename(frames[0].get('file', '')) == base and \
            frames[0].get('line') == marks[mark]

    def created_at(rec, mark):
        return any(s['role'] == 'map-created' and starts_at(s['frames'], mark)
                   for s in rec.get('stacks', []))

    def need_mark(mark):
        if mark not in marks:
            print('FAIL: mark %s is not in %s' % (mark, source))
            sys.exit(1)

    for mark, count in re.findall(
            r'mapsan-insert-site:\s*(\w+)[ \t]+(\d+)', text):
        need_mark(mark)
        if not any(s['role'] == 'insert-site' and s.get('count') == int(count)
                   and starts_at(s['frames'], mark)
                   for r in reports if r['kind'] == 'unbounded-growth'
                   for s in r['stacks']):
            print('FAIL: no unbounded-growth report with an insert site at '
                  'line %d counted %s' % (marks[mark], count))
            ok = False
    finals = [r for r in profiles if r.get('final')]
    for mark, pairs in re.findall(
            r'mapsan-profile:\s*(\w+)((?:[ \t]+\w+=\S+)+)', text):
        need_mark(mark)
        want = dict(kv.split('=', 1) for kv in pairs.split())
        cands = [r for r in finals if created_at(r, mark)]
        if not any(all(k in r and json.dumps(r[k]) == v
                       for k, v in want.items()) for r in cands):
            print('FAIL: no final map-profile record of a map created at '
                  'line %d with %s; records there: %s' % (
                      marks[mark], want,
                      [{k: r.get(k) for k in want} for r in cands]))
            ok = False
    for mark, site, count in re.findall(
            r'mapsan-profile-site:\s*(\w+)[ \t]+(\w+)[ \t]+(\d+)', text):
        need_mark(mark)
        need_mark(site)
        if not any(s.get('count') == int(count) and starts_at(s['frames'], site)
                   for r in finals if created_at(r, mark)
                   for s in r.get('insert_sites', [])):
            print('FAIL: no map-profile record (map created at line %d) with '
                  'an insert site at line %d counted %s' % (
                      marks[mark], marks[site], count))
            ok = False
    for mark, n in re.findall(
            r'mapsan-profile-periodic:\s*(\w+)[ \t]+(\d+)', text):
        need_mark(mark)
        series = {}
        for r in profiles:
            if not r.get('final') and created_at(r, mark):
                series.setdefault((r['pid'], r['map_id']), []).append(r)
        best = max((len(v) for v in series.values()), default=0)
        if best < int(n):
            print('FAIL: %d periodic map-profile records of the map created '
                  'at line %d, expected at least %s' % (best, marks[mark], n))
            ok = False
        for v in series.values():
            sizes = [r['uptime_ms'] for r in v]
            if sizes != sorted(sizes):
                print('FAIL: periodic records out of order: %s' % sizes)
                ok = False
    pids = re.search(r'mapsan-profile-pids:\s*(\d+)', text)
    if pids and len({r['pid'] for r in profiles}) != int(pids.group(1)):
        print('FAIL: map-profile records from %d processes, expected %s' % (
            len({r['pid'] for r in profiles}), pids.group(1)))
        ok = False
    for r in unmatched:
        if is_crash(r) and not crash_stated and \
                want_exit.startswith('signal:'):
            print('crash report tolerated (the process died of a signal): %s'
                  % r['summary'])
            continue
        print('FAIL: unexpected report %s: %s' % (r['kind'], r['summary']))
        ok = False
    print('%s: %d report(s), exit status %d' % ('PASS' if ok else 'FAIL',
                                               len(reports), got_exit))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
