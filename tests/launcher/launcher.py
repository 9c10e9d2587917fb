#!/usr/bin/env python3
"""The `mapsan` launcher's two silent failures, made loud or fixed.

  launcher.py space LAUNCHER LIBMAPSAN RACY_PROGRAM
      copies the launcher and libmapsan.so into a temporary directory whose
      path has spaces ("ci workspace/tools", as a CI checkout may), runs the
      racy program through that copy and checks that the runtime was really
      preloaded: no "cannot be preloaded" from ld.so, a JSON report, exit
      status 66.
  launcher.py static LAUNCHER STATIC_PROGRAM DYNAMIC_PROGRAM
      a statically linked program still runs (its own status) and the
      launcher says in one stderr line that nothing is watched; a dynamic
      one gets no such line.
Exit status 0 = pass, 1 = fail.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile


def run(cmd, env=None):
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stderr.decode(errors='replace')


def space(launcher, lib, program):
    top = tempfile.mkdtemp(prefix='mapsan launcher ')
    try:
        tools = os.path.join(top, 'ci workspace', 'tools')
        os.makedirs(tools)
        shutil.copy2(launcher, tools)
        shutil.copy2(lib, tools)
        out = os.path.join(top, 'json')
        os.mkdir(out)
        env = dict(os.environ)
        env.pop('MAPSAN_OPTIONS', None)
        env.pop('LD_PRELOAD', None)
        rc, err = run([os.path.join(tools, os.path.basename(launcher)),
                       '--json', out, '--', program], env)
        reports = glob.glob(os.path.join(out, '*.jsonl'))
        ok = True
        if 'cannot be preloaded' in err:
            print('FAIL: ld.so ignored the preload:\n' + err[-1000:])
            ok = False
        if rc != 66 or not reports:
            print('FAIL: exit %d, %d JSON file(s); stderr:\n%s' % (
                rc, len(reports), err[-2000:]))
            ok = False
        return ok
    finally:
        shutil.rmtree(top, ignore_errors=True)


def static(launcher, static_prog, dynamic_prog):
    ok = True
    rc, err = run([launcher, '--', static_prog])
    lines = [l for l in err.splitlines() if 'statically linked' in l]
    if rc != 0 or len(lines) != 1:
        print('FAIL: static program: exit %d, stderr %r' % (rc, err))
        ok = False
    rc, err = run([launcher, '--', dynamic_prog])
    if 'statically linked' in err:
        print('FAIL: dynamic program called static: %r' % err)
        ok = False
    return ok


def main():
    mode = sys.argv[1]
    ok = space(*sys.argv[2:5]) if mode == 'space' else static(*sys.argv[2:5])
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
