"""Helpers of the journal tests: the marked lines of the test program and
a private mount namespace (unshare) with empty /run and /var/log/journal,
so that a journald started there, or the lack of one, disturbs nothing
outside the test."""
import os
import re
import shutil
import subprocess
import sys


def marks(source):
    """{MARK: line number} of the source's `mapsan-mark:` comments."""
    found = {}
    for n, line in enumerate(open(source), 1):
        m = re.search(r'mapsan-mark: (\w+)', line)
        if m:
            found[m.group(1)] = n
    return found


def reexec_in_namespace():
    """Runs this script again inside a private mount namespace (returns
    there); exits 77 when that cannot be made."""
    if os.environ.get('MAPSAN_JOURNAL_NS') == '1':
        for d in ('/run', '/var/log/journal'):
            os.makedirs(d, exist_ok=True)
            subprocess.run(['mount', '-t', 'tmpfs', 'mapsan-test', d],
                           check=True)
        return
    if os.geteuid() != 0 or shutil.which('unshare') is None:
        print('SKIP: needs root and unshare(1) for a private /run')
        sys.exit(77)
    probe = subprocess.run(['unshare', '--mount', '--propagation', 'private',
                            'true'], capture_output=True)
    if probe.returncode != 0:
        print('SKIP: cannot make a mount namespace: %s' %
              probe.stderr.decode(errors='replace').strip())
        sys.exit(77)
    env = dict(os.environ, MAPSAN_JOURNAL_NS='1')
    r = subprocess.run(['unshare', '--mount', '--propagation', 'private',
                        sys.executable] + sys.argv, env=env)
    sys.exit(r.returncode)


def run_under_mapsan(launcher, program, args, tmp, options):
    """Runs program under mapsan with JSON reports into tmp; returns the
    completed process and the JSON reports (summary records left out)."""
    env = dict(os.environ, MAPSAN_OPTIONS=options)
    r = subprocess.run([launcher, '--json', tmp, '--', program] + args,
                       env=env, capture_output=True, text=True, timeout=60)
    reports = []
    for name in os.listdir(tmp):
        if name.endswith('.jsonl'):
            import json
            for line in open(os.path.join(tmp, name)):
                rec = json.loads(line)
                if 'kind' in rec:
                    reports.append(rec)
    return r, reports
