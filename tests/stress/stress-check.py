#!/usr/bin/env python3
"""Runs a stress program through tests/check.py, then checks what check.py
does not: the time the whole run took, and the JSON Lines files byte by
byte.

check.py puts the JSON files in a fresh directory from tempfile.mkdtemp;
this wrapper points TMPDIR at a directory of its own, so that it finds that
directory afterwards (and removes it: check.py leaves it behind).

Directives in the program's source, besides check.py's own:

  stress-max-seconds: N      the run (launcher, program, children) must end
                             within N seconds of wall time (default 20)

Always checked, in every *.jsonl file the run left (and in every other
regular file there, except the suppressions file check.py writes):
  - the file is empty or ends with a newline: no half-written last line;
  - every line is one complete JSON object: a mapsan report (tool, kind,
    signature, stacks) or a mapsan record (tool, record: the exit summary);
    no interleaved or torn lines;
  - no signature appears twice in one file: one report per signature per
    process (dedup).
Usage: stress-check.py CHECK_PY LAUNCHER SOURCE PROGRAM [ARGS...]
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def check_json_file(path):
    """Returns a list of problems found in one report file."""
    problems = []
    data = open(path, 'rb').read()
    if data and not data.endswith(b'\n'):
        problems.append('%s: last line is not terminated (%d bytes after the '
                        'last newline): a half-written report' %
                        (path, len(data) - data.rfind(b'\n') - 1))
    seen = {}
    for n, raw in enumerate(data.split(b'\n')[:-1] if data else [], 1):
        try:
            rep = json.loads(raw.decode('utf-8'))
        except (UnicodeDecodeError, ValueError) as e:
            problems.append('%s:%d: not one JSON object (%s): %r' %
                            (path, n, e, raw[:200]))
            continue
        if isinstance(rep, dict) and rep.get('tool') == 'mapsan' and \
                isinstance(rep.get('record'), str):
            continue  # not a report: the summary written at exit
        if not isinstance(rep, dict) or rep.get('tool') != 'mapsan' or \
                'kind' not in rep or 'signature' not in rep or \
                not isinstance(rep.get('stacks'), list):
            problems.append('%s:%d: not a mapsan report: %r' %
                            (path, n, raw[:200]))
            continue
        sig = rep['signature']
        if sig in seen:
            problems.append('%s:%d: signature %s already reported at line %d '
                            '(not deduplicated)' % (path, n, sig, seen[sig]))
        seen[sig] = n
    return problems


def main():
    check_py, launcher, source = sys.argv[1:4]
    rest = sys.argv[4:]
    text = open(source).read()
    m = re.search(r'stress-max-seconds:\s*(\d+)', text)
    limit = int(m.group(1)) if m else 20

    root = tempfile.mkdtemp(prefix='mapsan-stress-')
    env = dict(os.environ, TMPDIR=root)
    try:
        t0 = time.monotonic()
        p = subprocess.run([sys.executable, check_py, launcher, source] + rest,
                           env=env)
        took = time.monotonic() - t0
        ok = p.returncode == 0
        if took > limit:
            print('FAIL: took %.1f s, more than the %d s allowed' %
                  (took, limit))
            ok = False
        files = [f for f in glob.glob(os.path.join(root, '*', '*'))
                 if os.path.isfile(f) and
                 os.path.basename(f) != 'suppressions.txt']
        njson = 0
        for f in sorted(files):
            if not f.endswith('.jsonl') and os.path.getsize(f) == 0:
                continue  # a test's own empty target file
            for problem in check_json_file(f):
                print('FAIL: ' + problem)
                ok = False
            njson += 1
        print('%s: %.1f s, %d report file(s) checked line by line' %
              ('PASS' if ok else 'FAIL', took, njson))
        return 0 if ok else 1
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
