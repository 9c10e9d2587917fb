#!/usr/bin/env python3
"""log_to_journal=1 against the real systemd-journald.

In a private mount namespace (empty /run and /var/log/journal, so a
journald running on the machine, if any, is neither seen nor disturbed),
starts /lib/systemd/systemd-journald, runs journal-race under mapsan with
log_to_journal=1 (two race reports), then with "crash" (a crash-time
report, sent from the signal handler), then with "crash-big" (a crash
report too large for a datagram: it goes through a sealed memfd), reads
the entries back with `journalctl -o json` from where this journald stored
them, and checks every report has its entry: MESSAGE_ID, PRIORITY,
SYSLOG_IDENTIFIER, MESSAGE (the SUMMARY line), MAPSAN_KIND and
MAPSAN_SIGNATURE as in the JSON report, MAPSAN_JSON the JSON report
itself, and for races CODE_FILE/CODE_LINE/CODE_FUNC at the marked lines.
Usage: test-journal.py LAUNCHER SOURCE PROGRAM
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import journal_common  # noqa: E402

MESSAGE_ID = '2e39c5c48f6b4108833668c83bd33b98'
JOURNALD = '/lib/systemd/systemd-journald'
SOCKET = '/run/systemd/journal/socket'


def entries():
    """The mapsan entries this journald stored."""
    dirs = {os.path.dirname(p) for root in ('/run/log/journal',
                                            '/var/log/journal')
            for p in glob.glob(root + '/*/*.journal')}
    found = []
    for d in sorted(dirs):
        out = subprocess.run(['journalctl', '--directory', d, '-o', 'json', '--all',
                              '--no-pager', 'SYSLOG_IDENTIFIER=mapsan'],
                             capture_output=True, text=True).stdout
        found += [json.loads(line) for line in out.splitlines() if line]
    return found


def main():
    launcher, source, program = sys.argv[1:4]
    if not os.path.exists(JOURNALD):
        print('SKIP: no %s' % JOURNALD)
        sys.exit(77)
    journal_common.reexec_in_namespace()
    mk = journal_common.marks(source)
    jd = subprocess.Popen([JOURNALD], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    fails = []
    try:
        for _ in range(100):
            if os.path.exists(SOCKET):
                break
            time.sleep(0.05)
        else:
            sys.exit('FAIL: journald made no %s' % SOCKET)
        reports = []
        runs = [([], 66), (['crash'], -11), (['crash-big'], -11)]
        for args, status in runs:
            with tempfile.TemporaryDirectory() as tmp:
                r, reps = journal_common.run_under_mapsan(
                    launcher, program, args, tmp, 'log_to_journal=1')
            print('run %s: exit %d, %d reports' %
                  (args, r.returncode, len(reps)))
            if r.returncode != status:
                fails.append('%s: exit %d, expected %d; stderr:\n%s' %
                             (args, r.returncode, status, r.stderr))
            if 'warning' in r.stderr and 'journal' in r.stderr:
                fails.append('%s: journal warning with a journal:\n%s' %
                             (args, r.stderr))
            reports += reps
        kinds = sorted(rep['kind'] for rep in reports)
        if kinds != ['crash'] * 2 + ['read-write-race'] * 3 + \
                ['write-write-race'] * 3:
            fails.append('JSON reports: %s' % kinds)
        want = len(reports)
        for _ in range(100):
            got = entries()
            if len(got) >= want:
                break
            time.sleep(0.1)
        print('%d journal entries for %d reports' % (len(got), want))
        by_sig = {(e.get('MAPSAN_SIGNATURE'), e.get('_PID')): e for e in got}
        if len(got) != want:
            fails.append('%d mapsan entries in the journal, expected %d' %
                         (len(got), want))
        for rep in reports:
            e = by_sig.get((rep['signature'], str(rep['pid'])))
            what = '%s %s' % (rep['kind'], rep['signature'])
            if e is None:
                fails.append('%s: no journal entry' % what)
                continue

            def expect(field, value):
                if e.get(field) != value:
                    fails.append('%s: %s=%r, expected %r' %
                                 (what, field, e.get(field), value))
            expect('MESSAGE_ID', MESSAGE_ID)
            expect('PRIORITY', '3')
            expect('SYSLOG_IDENTIFIER', 'mapsan')
            expect('MAPSAN_KIND', rep['kind'])
            expect('MESSAGE', 'SUMMARY: mapsan: ' + rep['summary'])
            try:
                if json.loads(e.get('MAPSAN_JSON', '')) != rep:
                    fails.append('%s: MAPSAN_JSON is not the JSON report' %
                                 what)
            except (ValueError, TypeError):
                fails.append('%s: MAPSAN_JSON not JSON: %r' %
                             (what, e.get('MAPSAN_JSON'))[:300])
            if rep['kind'] == 'crash':
                print('%s: JSON %d bytes' % (what, len(e['MAPSAN_JSON'])))
                continue
            top = [s for s in rep['stacks']
                   if s['role'] == 'current'][0]['frames'][0]
            expect('CODE_FILE', top['file'])
            expect('CODE_LINE', str(top['line']))
            expect('CODE_FUNC', top['function'])
            if not e.get('CODE_FILE', '').endswith('journal-race.c') or \
               int(e.get('CODE_LINE', 0)) not in (mk['PUT'], mk['GET']):
                fails.append('%s: CODE_FILE:LINE %s:%s is not a marked '
                             'line' % (what, e.get('CODE_FILE'),
                                       e.get('CODE_LINE')))
        big = [len(rep_e.get('MAPSAN_JSON', '')) for rep_e in got
               if rep_e.get('MAPSAN_KIND') == 'crash']
        # A datagram's limit is the socket's send buffer, which the sink
        # leaves at wmem_default: an entry above that came by memfd.
        limit = int(open('/proc/sys/net/core/wmem_default').read())
        if not big or max(big) <= limit:
            fails.append('no crash entry above wmem_default %d (the memfd '
                         'path): '
                         '%s' % (limit, big))
    finally:
        jd.terminate()
        jd.wait(timeout=10)
    for f in fails:
        print('FAIL: ' + f)
    if fails:
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
