#!/usr/bin/env python3
"""End-to-end test of mailgauge_exporter's journald source.

Turns testdata/logs/postfix_real.syslog into journal entries (journal export
format, written into a real .journal file by systemd-journal-remote), and
runs the real binary with --journal.file, --log.from-beginning and
--state.file: reads the first third, stops with SIGTERM, the second third
is written while it is down, it restarts (no state save after start-up) and
reads it and the last third, is killed with SIGKILL, and starts again from
the state saved at the SIGTERM. Every series of the golden exposition that
does not depend on the source (the postfix_instance-labelled, line-driven
ones) must then equal the golden exactly: nothing lost, nothing counted
twice. Skips (passes with SKIPPED) without systemd-journal-remote.

Usage (from the runfiles root): exporter_journal_e2e_test.py BINARY
"""

import calendar
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import e2e_util

LOG = "testdata/logs/postfix_real.syslog"
GOLDEN = "testdata/golden/postfix_real.metrics"
RECORD_DRIVEN = (
    "mailgauge_recipients_total", "mailgauge_messages_received_total",
    "mailgauge_messages_finished_total", "mailgauge_recipient_delivery_seconds",
    "mailgauge_messages_in_flight", "mailgauge_correlator_evictions_total",
)
MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
LINE = re.compile(r"^([A-Z][a-z]{2}) +(\d+) (\d\d):(\d\d):(\d\d) (\S+) ([^ \[]+)\[(\d+)\]: (.*)$")


fail = e2e_util.fail
parse = e2e_util.parse


def find_binary(name):
    for root, _, files in os.walk("."):
        if name in files and os.access(os.path.join(root, name), os.X_OK):
            return os.path.join(root, name)
    fail("no %s in runfiles" % name)


def remote():
    for p in (os.environ.get("MAILGAUGE_JOURNAL_REMOTE", ""),
              "/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"):
        if p and os.access(p, os.X_OK):
            return p
    return None


def entries():
    out = []
    boot = 1700000000000000
    for line in open(LOG, encoding="utf-8", errors="surrogateescape"):
        m = LINE.match(line.rstrip("\n"))
        if not m:
            fail("not a classic syslog line: %r" % line)
        mon, day, hh, mm, ss, host, prog, pid, msg = m.groups()
        t = calendar.timegm((2026, MONTHS[mon], int(day), int(hh), int(mm), int(ss))) * 1000000
        out.append("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n"
                   "_BOOT_ID=5b1c4a7e0f3d4c2a9e8b7a6f5d4c3b2a\n_HOSTNAME=%s\n"
                   "SYSLOG_IDENTIFIER=%s\nSYSLOG_PID=%s\nSYSLOG_FACILITY=2\n"
                   "_SYSTEMD_UNIT=postfix@-.service\nMESSAGE=%s\n\n"
                   % (t, t - boot, host, prog, pid, msg))
    return out


def append(journal_remote, work, path, chunk):
    export = os.path.join(work, "chunk.export")
    with open(export, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write("".join(chunk))
    r = subprocess.run([journal_remote, "-o", path, export],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0 or not os.path.exists(path):
        fail("systemd-journal-remote failed: %s" % r.stderr.decode())


class Exporter:
    def __init__(self, binary, work, journal, state, run, extra=()):
        self.stderr_path = os.path.join(work, "stderr.%d" % run)
        self.proc, self.port = e2e_util.start(
            [binary, "--journal.file", journal, "--log.from-beginning", "--state.file", state,
             "--log.poll-interval", "20ms", "--postfix.queue-dir", work] + list(extra),
            self.stderr_path)

    def stderr(self):
        return open(self.stderr_path).read()

    def metrics(self):
        return parse(e2e_util.scrape(self.port)[1])

    def lines(self):
        return self.metrics().get('mailgauge_log_lines_read_total{source="journal"}', 0)

    def wait_for(self, n):
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.lines() == n:
                return
            time.sleep(0.05)
        fail("read %s journal entries, want %d\n%s" % (self.lines(), n, self.stderr()))

    def terminate(self):
        os.kill(self.proc.pid, signal.SIGTERM)
        if self.proc.wait(timeout=20) != 0:
            fail("exit %d after SIGTERM" % self.proc.returncode)

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def main():
    journal_remote = remote()
    if journal_remote is None:
        print("SKIPPED: systemd-journal-remote not installed")
        return
    binary = os.path.abspath(find_binary(sys.argv[1]))
    golden = parse(open(GOLDEN).read())
    want = {s: v for s, v in golden.items()
            if "source=" not in s and "path=" not in s
            and s.split("{", 1)[0] not in RECORD_DRIVEN
            and not any(s.startswith(r + "_") or s.startswith(r + "{") for r in RECORD_DRIVEN)}
    if len(want) < 20:
        fail("only %d comparable series in the golden" % len(want))
    es = entries()
    n = len(es)
    a, b = n // 3, 2 * n // 3
    work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    journal = os.path.join(work, "mail.journal")
    state = os.path.join(work, "state.json")
    exporters = []
    try:
        append(journal_remote, work, journal, es[:a])
        e = Exporter(binary, work, journal, state, 1)
        exporters.append(e)
        e.wait_for(a)
        e.terminate()
        if "journal_cursor" not in open(state).read():
            fail("no journal_cursor in the state file")
        append(journal_remote, work, journal, es[a:b])          # while down
        e = Exporter(binary, work, journal, state, 2, ["--state.interval", "1h"])
        exporters.append(e)
        e.wait_for(b)
        append(journal_remote, work, journal, es[b:])           # while following
        e.wait_for(n)
        e.kill()                                                # state of run 1 only
        e = Exporter(binary, work, journal, state, 3)
        exporters.append(e)
        e.wait_for(n)
        time.sleep(0.3)
        got = e.metrics()
        errors = []
        for s, v in sorted(want.items()):
            if got.get(s) != v:
                errors.append("%s = %s, want %g" % (s, got.get(s), v))
        if got.get('mailgauge_source_up{source="journal"}') != 1:
            errors.append("mailgauge_source_up{source=\"journal\"} is not 1")
        if errors:
            fail("%d differences:\n  %s\n%s" % (len(errors), "\n  ".join(errors), e.stderr()))
        e.terminate()
        print("PASS: %d series equal the golden after SIGTERM and SIGKILL restarts" % len(want))
    finally:
        for x in exporters:
            if x.proc.poll() is None:
                x.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
