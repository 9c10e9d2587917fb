#!/usr/bin/env python3
"""Host invariance: a program behaves under mapsan exactly as it does natively.

Runs one test program natively, then under mapsan in full mode and in canary
mode (sample_rate=100), and compares what the program itself can see: its
exit status and its standard output. The programs print their own view of
their state on stdout (descriptor numbers, GLib fields, what a signal
handler saw, ...), so a difference is a change mapsan made to the host.
A run that does not end within the timeout is a hang, and fails.

Reports are written as JSON Lines into a private directory. The exit status
under mapsan may differ from the native one in one way only, the contract's:
66 when mapsan reported something and the program exited 0.

Directives in the program's source:
  host-runs: N              runs per mode (default 1; more for a hang that
                            needs a lucky schedule)
  host-modes: full sampled  which mapsan modes to run (default both)
  host-reports: none | KIND...
                            full mode must report each KIND named (and
                            nothing else); canary mode may report them
                            (default none)
  host-options: k=v:k=v     more MAPSAN_OPTIONS for both modes
  host-ulimit-nofile: N     the soft descriptor limit of every run
  host-timeout: S           seconds before a run counts as a hang (60)
Usage: host.py LAUNCHER SOURCE PROGRAM [ARGS...]
"""
import glob
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile


def directive(text, name, default=None):
    m = re.search(r'host-%s:[ \t]*(.+?)[ \t]*(?:\*/)?$' % name, text, re.M)
    return m.group(1) if m else default


def run(cmd, env, nofile, timeout):
    def limit():
        if nofile:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))
    try:
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout,
                           preexec_fn=limit, close_fds=True)
    except subprocess.TimeoutExpired:
        return None
    return p


def reports_in(d):
    out = []
    for f in sorted(glob.glob(os.path.join(d, '*.jsonl'))):
        for line in open(f):
            rec = json.loads(line)
            if rec.get('record') != 'summary':
                out.append(rec)
    return out


def main():
    launcher, source, program = sys.argv[1:4]
    args = sys.argv[4:]
    text = open(source).read()
    runs = int(directive(text, 'runs', '1'))
    modes = directive(text, 'modes', 'full sampled').split()
    want = directive(text, 'reports', 'none').split()
    want = [] if want == ['none'] else want
    extra = directive(text, 'options', '')
    nofile = int(directive(text, 'ulimit-nofile', '0'))
    timeout = float(directive(text, 'timeout', '60'))

    env = dict(os.environ)
    env.pop('MAPSAN_OPTIONS', None)
    env.pop('LD_PRELOAD', None)
    native = run([program] + args, env, nofile, timeout)
    if native is None:
        print('FAIL: the native run hangs; the test is broken')
        return 1
    print('native: exit %d, stdout %r' % (native.returncode,
                                         native.stdout[-300:]))
    ok = True
    for mode in modes:
        opts = [] if mode == 'full' else ['sample_rate=100']
        if extra:
            opts.append(extra)
        for i in range(runs):
            tmp = tempfile.mkdtemp(prefix='mapsan-host-')
            e = dict(env)
            if opts:
                e['MAPSAN_OPTIONS'] = ':'.join(opts)
            p = run([launcher, '--json', tmp, '--', program] + args, e,
                    nofile, timeout)
            reps = reports_in(tmp)
            shutil.rmtree(tmp, ignore_errors=True)
            tag = '%s run %d' % (mode, i + 1)
            if p is None:
                print('FAIL: %s hangs (no exit within %gs)' % (tag, timeout))
                ok = False
                break
            kinds = sorted(set(r['kind'] for r in reps))
            want_exit = native.returncode
            if want_exit == 0 and reps:
                want_exit = 66
            if p.returncode != want_exit:
                print('FAIL: %s exits %d (native %d, reports %s)' % (
                    tag, p.returncode, native.returncode, kinds))
                ok = False
            if p.stdout != native.stdout:
                print('FAIL: %s stdout differs:\n  native: %r\n  mapsan: %r' % (
                    tag, native.stdout[-600:], p.stdout[-600:]))
                ok = False
            extra_kinds = [k for k in kinds if k not in want]
            if extra_kinds:
                print('FAIL: %s unexpected report(s) %s: %s' % (
                    tag, extra_kinds, [r['summary'] for r in reps]))
                ok = False
            if mode == 'full':
                for k in want:
                    if k not in kinds:
                        print('FAIL: %s made no %s report' % (tag, k))
                        ok = False
            if not ok:
                sys.stdout.write(p.stderr.decode(errors='replace')[-3000:])
                break
        if not ok:
            break
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
