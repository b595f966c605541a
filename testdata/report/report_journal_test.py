#!/usr/bin/env python3
"""`mailgauge report --journal-file J -d DATE` reads only DATE's span of the journal.

Writes a real .journal file with systemd-journal-remote (package
systemd-journal-remote) holding the real-Postfix corpus twice: at its own
time (2026-11-25) and shifted two days back (2026-11-23). Then:
  - with -d 2026-11-25 (or 2026-11-23) only that day's entries are read (the
    journal entry count in --stats is the corpus's, not twice it) and the
    totals equal those of the corpus read as a file;
  - with -d 2026-11-24 no entry is read;
  - with a range over both days, or without -d, both copies are counted.
Skips (exit 0 with a message) when systemd-journal-remote is not installed.

usage: report_journal_test.py MAILGAUGE ISO_LOG
"""
import datetime
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

LINE = re.compile(rb"^(\S+) (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: (.*)$", re.S)
DAY = 86400 * 1000000


def export_entry(fields):
    out = b""
    for name, value in fields:
        if isinstance(value, str):
            value = value.encode()
        if any(c < 0x20 and c != 9 for c in value):
            out += name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
        else:
            out += name.encode() + b"=" + value + b"\n"
    return out + b"\n"


def entries(path, shift):
    out = []
    for line in open(path, "rb").read().splitlines():
        m = LINE.match(line)
        assert m, line
        ts, host, tag, pid, msg = m.groups()
        t = datetime.datetime.fromisoformat(ts.decode())
        micros = int(t.timestamp()) * 1000000 + t.microsecond + shift
        out.append([("__REALTIME_TIMESTAMP", str(micros)),
                    ("__MONOTONIC_TIMESTAMP", str(micros - 1763000000000000)),
                    ("_BOOT_ID", "5b1c4a7e0f3d4c2a9e8b7a6f5d4c3b2a"), ("_HOSTNAME", host),
                    ("_TRANSPORT", "syslog"), ("SYSLOG_IDENTIFIER", tag),
                    ("SYSLOG_PID", pid or b"1"), ("MESSAGE", msg),
                    ("_SYSTEMD_UNIT", "postfix@-.service"), ("SYSLOG_FACILITY", "2")])
    return out


def report(mailgauge, args):
    res = subprocess.run([mailgauge, "report", "--timezone", "UTC", "--year", "2026",
                          "--format", "json", "--stats", *args], capture_output=True)
    if res.returncode != 0:
        sys.exit("FAIL: mailgauge report %s exited %d: %s" %
                 (" ".join(args), res.returncode, res.stderr.decode()))
    err = res.stderr.decode("utf-8", "replace")
    m = re.search(r"\((\d+) journal entries\)", err)
    return json.loads(res.stdout)["totals"], int(m.group(1)) if m else 0


def main():
    mailgauge, log = sys.argv[1:3]
    remote = next((p for p in ("/lib/systemd/systemd-journal-remote",
                               "/usr/lib/systemd/systemd-journal-remote")
                   if os.access(p, os.X_OK)), None)
    if not remote:
        print("SKIP: systemd-journal-remote not found; report journal test not run")
        return
    lines = len(open(log, "rb").read().splitlines())
    tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
    journal = os.path.join(tmp, "remote.journal")
    if os.path.exists(journal):
        os.unlink(journal)
    data = b"".join(export_entry(e) for e in entries(log, -2 * DAY) + entries(log, 0))
    res = subprocess.run([remote, "-o", journal, "-"], input=data, capture_output=True)
    if res.returncode != 0:
        sys.exit("FAIL: systemd-journal-remote: " + res.stderr.decode())

    file_totals, _ = report(mailgauge, [log])
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    for day in ("2026-11-25", "2026-11-23"):
        totals, read = report(mailgauge, ["--journal-file", journal, "-d", day])
        check(read == lines, "-d %s read %d journal entries, want %d" % (day, read, lines))
        check(totals == file_totals, "-d %s totals %s, want %s" % (day, totals, file_totals))
    totals, read = report(mailgauge, ["--journal-file", journal, "-d", "2026-11-24"])
    check(read == 0, "-d 2026-11-24 read %d journal entries, want 0" % read)
    check(totals["received"] == 0, "-d 2026-11-24 received %d" % totals["received"])
    for args in (["-d", "2026-11-23 2026-11-25"], []):
        totals, read = report(mailgauge, ["--journal-file", journal, *args])
        check(read == 2 * lines, "%s read %d entries, want %d" % (args, read, 2 * lines))
        check(totals["received"] == 2 * file_totals["received"],
              "%s received %d, want %d" % (args, totals["received"], 2 * file_totals["received"]))
    # --since narrows -d further.
    _, read = report(mailgauge, ["--journal-file", journal, "-d", "2026-11-25",
                                 "--since", "2026-11-25 19:22:50"])
    check(0 < read < lines, "-d with --since read %d entries" % read)
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
