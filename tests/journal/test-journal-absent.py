#!/usr/bin/env python3
"""log_to_journal=1 with no journal listening degrades to one warning.

In a private mount namespace (an empty /run: nothing outside is touched),
runs journal-race under mapsan with log_to_journal=1, which makes two
reports, twice: with no journal socket at all (ENOENT), then with a stale
socket file nobody listens on (ECONNREFUSED). Each run must print exactly
one journal warning line on stderr, and still write both reports as text
(stderr) and as JSON lines, and exit 66 as usual.
Usage: test-journal-absent.py LAUNCHER SOURCE PROGRAM
"""
import os
import socket
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import journal_common  # noqa: E402

SOCKET = '/run/systemd/journal/socket'
WARNING = 'mapsan: warning: cannot send reports to the journal'


def main():
    launcher, source, program = sys.argv[1:4]
    journal_common.reexec_in_namespace()
    fails = []
    for case, why in (('absent', 'no such socket'),
                      ('stale', 'no journal listening')):
        if case == 'stale':
            os.makedirs(os.path.dirname(SOCKET), exist_ok=True)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.bind(SOCKET)
            s.close()  # the file stays; nobody listens: ECONNREFUSED
        with tempfile.TemporaryDirectory() as tmp:
            r, reps = journal_common.run_under_mapsan(
                launcher, program, [], tmp, 'log_to_journal=1')
        warnings = [line for line in r.stderr.splitlines()
                    if 'journal' in line and 'warning' in line]
        summaries = [line for line in r.stderr.splitlines()
                     if line.startswith('SUMMARY: mapsan:')]
        print('%s: exit %d, %d JSON reports, %d text reports, warnings %s' %
              (case, r.returncode, len(reps), len(summaries), warnings))
        if r.returncode != 66:
            fails.append('%s: exit %d, expected 66' % (case, r.returncode))
        if len(warnings) != 1 or not warnings[0].startswith(WARNING) or \
           why not in warnings[0]:
            fails.append('%s: expected one warning (%s), got %s' %
                         (case, why, warnings))
        if len(reps) != 2 or len(summaries) != 2:
            fails.append('%s: %d JSON and %d text reports, expected 2 each' %
                         (case, len(reps), len(summaries)))
    for f in fails:
        print('FAIL: ' + f)
    if fails:
        sys.exit(1)
    print('PASS')


if __name__ == '__main__':
    main()
