#!/usr/bin/env python3
"""End-to-end test of mailgauge_exporter.

Starts the real binary on 127.0.0.1 (port 0: it picks a free port and logs
it) following a temp log file, appends the lines of
testdata/logs/postfix_real.syslog in bursts (some lines split across
writes), rotates the file by rename-and-create, appends more, rotates it by
copytruncate once the exporter has caught up, appends the rest, scrapes
/metrics over HTTP and checks that every line-driven series equals the
golden exposition of the whole log (testdata/golden/postfix_real.metrics):
no line lost, none counted twice. Then stops the exporter with SIGTERM by
its PID and checks it exits cleanly.

With `restart` as second argument it tests restarts instead: with
--state.file, the exporter is stopped with SIGTERM, lines are written while
it is down, it is restarted, killed with SIGKILL right after reading more
lines, more lines are written, and it is started again: the line-driven
counters must still equal the golden exactly.

With `split` it follows four messages whose lines are split across a
SIGTERM restart, a SIGKILL restart (state from the run before) and a
SIGKILL right after a periodic save: each is still one message, and the
counters fed by finished messages (recipients by status, end-to-end
delivery time, messages by origin) equal hand-computed values exactly, and
stay so after one more restart.

With `rotated_down` the log is rotated while the exporter is down, once
after SIGTERM (renamed to mail.log.1) and once after SIGKILL following a
periodic save (renamed to mail.log-20261125): the lines written to the old
file after the save are read from the rotated file before the new one, and
every series, those fed by finished messages included, equals the golden.

Usage (from the runfiles root):
  exporter_e2e_test.py BINARY [rotation|restart|split|rotated_down]
"""

import json
import os
import random
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

# Families that move when the correlator closes a message (after a grace
# period of log time), or that the live exporter alone sets: not comparable
# with the whole-file golden, which flushes at the end of input.
RECORD_DRIVEN = (
    "mailgauge_recipients_total",
    "mailgauge_messages_received_total",
    "mailgauge_messages_finished_total",
    "mailgauge_recipient_delivery_seconds",
    "mailgauge_messages_in_flight",
    "mailgauge_correlator_evictions_total",
)


fail = e2e_util.fail
parse = e2e_util.parse
scrape = e2e_util.scrape


def family(series):
    name = series.split("{", 1)[0]
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix) and name[: -len(suffix)] in RECORD_DRIVEN:
            return name[: -len(suffix)]
    return name


class Exporter:
    """One run of the binary, on port 0 (it logs the port it chose)."""

    def __init__(self, binary, work, log_path, extra, run):
        self.stderr_path = os.path.join(work, "exporter.%d.stderr" % run)
        self.log_path = log_path
        self.proc, self.port = e2e_util.start(
            [binary, "--log.file", log_path, "--log.year", "2026",
             "--log.poll-interval", "20ms", "--log.level", "debug"] + extra,
            self.stderr_path)

    def stderr(self):
        return open(self.stderr_path).read()

    def metrics(self):
        return parse(scrape(self.port)[1])

    def lines_read(self):
        return self.metrics().get(
            'mailgauge_log_lines_read_total{source="%s"}' % self.log_path, 0)

    def wait_for(self, n):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.lines_read() == n:
                return
            time.sleep(0.05)
        fail("exporter read %s lines, expected %d\n%s" % (self.lines_read(), n, self.stderr()))

    def terminate(self):
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            fail("exporter did not stop within 20s of SIGTERM")
        if rc != 0:
            fail("exporter exited with %d after SIGTERM" % rc)
        if "stopped" not in self.stderr():
            fail("no 'stopped' message after SIGTERM")

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def cleanup(self):
        if self.proc.poll() is None:
            self.kill()


class Writer:
    """Appends lines in bursts; some lines are split across writes."""

    def __init__(self, log_path):
        self.log_path = log_path
        self.rng = random.Random(4)

    def append(self, chunk):
        i = 0
        with open(self.log_path, "ab", buffering=0) as f:
            while i < len(chunk):
                burst = chunk[i:i + self.rng.randint(1, 15)]
                data = b"".join(burst)
                if self.rng.random() < 0.4 and len(data) > 10:
                    cut = self.rng.randint(1, len(data) - 1)
                    f.write(data[:cut])
                    time.sleep(0.03)
                    f.write(data[cut:])
                else:
                    f.write(data)
                i += len(burst)
                time.sleep(self.rng.random() * 0.03)


# Record-driven families that a live exporter can compare with the golden
# once the finished messages' grace period has passed (the golden flushes at
# the end of input; a live exporter keeps unfinished messages in flight).
RECORDS_COMPARABLE = tuple(f for f in RECORD_DRIVEN if f != "mailgauge_messages_in_flight")


def compare(got, golden, log_path, expect, records=False):
    """Line-driven series must equal the golden (with `records`, also those
    fed by finished messages); `expect` lists more."""
    want = {}
    for series, value in golden.items():
        if family(series) in RECORD_DRIVEN and not (
                records and family(series) in RECORDS_COMPARABLE):
            continue
        want[series.replace('source="postfix_real"', 'source="%s"' % log_path)] = value
    errors = []
    for series, value in sorted(want.items()):
        if series not in got:
            errors.append("missing %s (want %g)" % (series, value))
        elif got[series] != value:
            errors.append("%s = %g, want %g" % (series, got[series], value))
    live_only = ("mailgauge_log_lag_seconds", "mailgauge_source_up", "postfix_up",
                 "mailgauge_log_rotations_total", "mailgauge_log_truncations_total",
                 "mailgauge_log_read_errors_total", "mailgauge_state_file_saves_total",
                 "mailgauge_build_info",
                 "mailgauge_queue_", "postfix_showq_")  # the queue is read at scrape time
    for series in sorted(got):
        name = series.split("{", 1)[0]
        checked = family(series) not in RECORD_DRIVEN or (
            records and family(series) in RECORDS_COMPARABLE)
        if (name.startswith(("postfix_", "mailgauge_")) and
                checked and series not in want and
                not name.startswith(live_only)):
            errors.append("unexpected series %s = %g" % (series, got[series]))
    for series, value in expect.items():
        if got.get(series) != value:
            errors.append("%s = %s, want %g" % (series, got.get(series), value))
    if 'mailgauge_log_lag_seconds{source="%s"}' % log_path not in got:
        errors.append("no mailgauge_log_lag_seconds")
    build = [s for s in got if s.startswith("mailgauge_build_info{")]
    if len(build) != 1 or not re.fullmatch(r'mailgauge_build_info\{version="\d+\.\d+\.\d+"\}', build[0]) \
            or got[build[0]] != 1:
        errors.append("want one mailgauge_build_info{version=\"X.Y.Z\"} 1, got %s" % build)
    return len(want), errors


def compare_eventually(exporter, golden, log_path, expect, timeout=40):
    """compare(records=True), retried while finished messages wait out their
    grace period (10 s of log time, which a quiet log moves by wall time)."""
    deadline = time.time() + timeout
    while True:
        n, errors = compare(exporter.metrics(), golden, log_path, expect, records=True)
        if not errors or time.time() > deadline:
            return n, errors
        time.sleep(0.5)


def run_rotation(binary, work, lines, golden):
    log_path = os.path.join(work, "mail.log")
    open(log_path, "wb").close()  # exists, empty: "start at the end" is 0
    exporter = Exporter(binary, work, log_path, [], 0)
    writer = Writer(log_path)
    try:
        status, page = scrape(exporter.port, "/")
        if status != 200 or 'href="/metrics"' not in page:
            fail("landing page: %d %r" % (status, page[:200]))
        # A second exporter on the same port: one clear sentence, exit 1.
        r = subprocess.run([binary, "--web.listen-address", "127.0.0.1:%d" % exporter.port,
                            "--log.file", log_path], capture_output=True, timeout=20)
        err = r.stderr.decode()
        if r.returncode != 1 or "cannot listen on 127.0.0.1:%d" % exporter.port not in err \
                or "Address already in use" not in err or err.count("\n") != 1:
            fail("port in use: rc=%d stderr=%r" % (r.returncode, err))
        # A bad flag: one sentence naming it, exit 2.
        r = subprocess.run([binary, "--log.file", log_path, "--web.listen-address", "nope"],
                           capture_output=True, timeout=20)
        err = r.stderr.decode()
        if r.returncode != 2 or "--web.listen-address" not in err or err.count("\n") != 1:
            fail("bad flag: rc=%d stderr=%r" % (r.returncode, err))
        a, b = len(lines) // 3, 2 * len(lines) // 3
        writer.append(lines[:a])
        # Rotation 1: rename and create, straight away (the exporter may be
        # behind: it must drain the old file before reading the new one).
        os.rename(log_path, log_path + ".1")
        open(log_path, "wb").close()
        writer.append(lines[a:b])
        # Rotation 2: copytruncate, once the exporter has caught up (lines
        # written between the copy and the truncation are lost by logrotate
        # itself, not by the exporter).
        exporter.wait_for(b)
        shutil.copyfile(log_path, log_path + ".2")
        with open(log_path, "r+b") as f:
            f.truncate(0)
        writer.append(lines[b:])
        exporter.wait_for(len(lines))
        time.sleep(0.3)  # a few more polls: nothing more may be counted
        n, errors = compare(exporter.metrics(), golden, log_path, {
            'mailgauge_log_rotations_total{source="%s"}' % log_path: 1,
            'mailgauge_log_truncations_total{source="%s"}' % log_path: 1,
            'mailgauge_source_up{source="%s"}' % log_path: 1,
            'postfix_up{path="%s"}' % log_path: 1,
            'mailgauge_log_read_errors_total{source="%s"}' % log_path: 0,
        })
        if errors:
            fail("%d differences:\n  %s\nexporter stderr:\n%s" % (
                len(errors), "\n  ".join(errors), exporter.stderr()))
        print("rotation: compared %d series with the golden: all equal" % n)
        exporter.terminate()
    finally:
        exporter.cleanup()


def run_restart(binary, work, lines, golden):
    log_path = os.path.join(work, "mail.log")
    state = os.path.join(work, "state.json")
    extra = ["--state.file", state, "--state.interval", "200ms"]
    open(log_path, "wb").close()
    writer = Writer(log_path)
    a, b, c = len(lines) // 4, len(lines) // 2, 3 * len(lines) // 4
    exporters = []
    try:
        e = Exporter(binary, work, log_path, extra, 0)
        exporters.append(e)
        writer.append(lines[:a])
        e.wait_for(a)
        e.terminate()  # saves the state
        if not os.path.exists(state):
            fail("no state file after SIGTERM")
        writer.append(lines[a:b])  # written while the exporter is down
        # Run 2 saves no state of its own (interval 1h): after its SIGKILL,
        # run 3 must resume from run 1's state and re-read everything run 2
        # had counted, without counting it twice.
        no_save = ["--state.file", state, "--state.interval", "1h"]
        e = Exporter(binary, work, log_path, no_save, 1)
        exporters.append(e)
        if "resuming " + log_path not in e.stderr():
            fail("did not resume from the state file:\n" + e.stderr())
        e.wait_for(b)  # counted on from the restored values
        writer.append(lines[b:c])
        e.wait_for(c)
        e.kill()  # SIGKILL: the state on disk is still run 1's
        writer.append(lines[c:])
        e = Exporter(binary, work, log_path, extra, 2)
        exporters.append(e)
        at = "resuming %s at byte %d " % (log_path, len(b"".join(lines[:a])))
        if at not in e.stderr():
            fail("expected '%s' in:\n%s" % (at, e.stderr()))
        e.wait_for(len(lines))
        time.sleep(0.5)
        if e.stderr().count("saved state to") < 2:
            fail("no periodic saves every 200ms:\n" + e.stderr())
        n, errors = compare_eventually(e, golden, log_path, {
            'mailgauge_source_up{source="%s"}' % log_path: 1,
        })
        if errors:
            fail("%d differences:\n  %s\nexporter stderr:\n%s" % (
                len(errors), "\n  ".join(errors), e.stderr()))
        print("restart: compared %d series (finished messages' too) with the golden: "
              "all equal" % n)
        e.terminate()
        # A corrupt state file: a warning and a clean start, not a crash.
        with open(state, "w") as f:
            f.write("{ this is not json")
        e = Exporter(binary, work, log_path, extra, 3)
        exporters.append(e)
        if "ignoring the state file" not in e.stderr():
            fail("no warning for a corrupt state file:\n" + e.stderr())
        e.terminate()
    finally:
        for e in exporters:
            e.cleanup()


# Four messages (times in the log; end-to-end seconds in comments). Runs:
# 1 reads up to B's cleanup and stops on SIGTERM; A's delivery and B's qmgr
# line are written while it is down; 2 reads them, then B's deferral and C's
# first lines, and is killed (SIGKILL) without a save of its own; C's and B's
# last lines are written while it is down; 3 restarts from run 1's state,
# reads D's first lines, saves, reads D's deferral and is killed; 4 reads
# D's delivery.
SPLIT_LINES = {
    "run1": [
        "Nov 25 08:00:00 mx postfix/smtpd[100]: connect from client.example.org[192.0.2.10]",
        "Nov 25 08:00:00 mx postfix/smtpd[100]: 1A0000000A: client=client.example.org[192.0.2.10], sasl_method=PLAIN, sasl_username=alice",
        "Nov 25 08:00:00 mx postfix/cleanup[101]: 1A0000000A: message-id=<a@example.org>",
        "Nov 25 08:00:01 mx postfix/qmgr[102]: 1A0000000A: from=<alice@example.org>, size=1000, nrcpt=2 (queue active)",
        "Nov 25 08:01:00 mx postfix/smtpd[100]: 1B0000000B: client=client.example.org[192.0.2.10]",
        "Nov 25 08:01:00 mx postfix/cleanup[101]: 1B0000000B: message-id=<b@example.org>",
    ],
    "down1": [
        "Nov 25 08:01:01 mx postfix/qmgr[102]: 1B0000000B: from=<bert@example.org>, size=2000, nrcpt=1 (queue active)",
        # A: 65 s and 67 s
        "Nov 25 08:01:05 mx postfix/smtp[103]: 1A0000000A: to=<r1@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=65, delays=0.1/0/0.4/64.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 77AA)",
        "Nov 25 08:01:07 mx postfix/local[104]: 1A0000000A: to=<bob@mx.example.com>, relay=local, delay=67, delays=66.9/0/0/0.1, dsn=2.0.0, status=sent (delivered to mailbox)",
        "Nov 25 08:01:07 mx postfix/qmgr[102]: 1A0000000A: removed",
    ],
    "run2": [
        "Nov 25 08:01:10 mx postfix/smtp[103]: 1B0000000B: to=<r2@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=10, delays=0.1/0/9.9/0, dsn=4.4.1, status=deferred (connect to mx.remote.example[198.51.100.7]:25: Connection refused)",
        "Nov 25 08:05:00 mx postfix/pickup[105]: 1C0000000C: uid=1000 from=<carol>",
        "Nov 25 08:05:00 mx postfix/cleanup[101]: 1C0000000C: message-id=<c@mx.example.com>",
        "Nov 25 08:05:00 mx postfix/qmgr[102]: 1C0000000C: from=<carol@mx.example.com>, size=500, nrcpt=1 (queue active)",
    ],
    "down2": [
        # C: 20 s
        "Nov 25 08:05:20 mx postfix/smtp[103]: 1C0000000C: to=<nobody@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=20, delays=0.1/0/0.4/19.5, dsn=5.1.1, status=bounced (host mx.remote.example[198.51.100.7] said: 550 5.1.1 <nobody@remote.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))",
        "Nov 25 08:05:20 mx postfix/qmgr[102]: 1C0000000C: removed",
        # B: 540 s
        "Nov 25 08:10:00 mx postfix/smtp[103]: 1B0000000B: to=<r2@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=540, delays=530/0/0.4/9.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 88BB)",
        "Nov 25 08:10:00 mx postfix/qmgr[102]: 1B0000000B: removed",
    ],
    "run3": [
        "Nov 25 08:20:00 mx postfix/smtpd[100]: 1E0000000E: client=client.example.org[192.0.2.10], sasl_method=LOGIN, sasl_username=dave",
        "Nov 25 08:20:00 mx postfix/cleanup[101]: 1E0000000E: message-id=<d@example.org>",
        "Nov 25 08:20:01 mx postfix/qmgr[102]: 1E0000000E: from=<dave@example.org>, size=3000, nrcpt=1 (queue active)",
    ],
    "run3_after_save": [
        "Nov 25 08:20:30 mx postfix/smtp[103]: 1E0000000E: to=<r3@remote.example>, relay=none, delay=29, delays=0.1/0/29/0, dsn=4.4.1, status=deferred (connect to mx.remote.example[198.51.100.7]:25: Connection timed out)",
    ],
    "down3": [
        # D: 600 s
        "Nov 25 08:30:00 mx postfix/smtp[103]: 1E0000000E: to=<r3@remote.example>, relay=mx.remote.example[198.51.100.7]:25, delay=600, delays=599/0/0.4/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99CC)",
        "Nov 25 08:30:00 mx postfix/qmgr[102]: 1E0000000E: removed",
    ],
}

SPLIT_EXPECT = {
    'mailgauge_recipients_total{postfix_instance="postfix",status="sent",transport="smtp"}': 3,
    'mailgauge_recipients_total{postfix_instance="postfix",status="sent",transport="local"}': 1,
    'mailgauge_recipients_total{postfix_instance="postfix",status="bounced",transport="smtp"}': 1,
    'mailgauge_messages_received_total{origin="smtpd",postfix_instance="postfix"}': 3,
    'mailgauge_messages_received_total{origin="pickup",postfix_instance="postfix"}': 1,
    'mailgauge_messages_finished_total{end="removed",postfix_instance="postfix"}': 4,
    'mailgauge_recipient_delivery_seconds_count{postfix_instance="postfix",status="sent"}': 4,
    'mailgauge_recipient_delivery_seconds_sum{postfix_instance="postfix",status="sent"}': 65 + 67 + 540 + 600,
    'mailgauge_recipient_delivery_seconds_count{postfix_instance="postfix",status="bounced"}': 1,
    'mailgauge_recipient_delivery_seconds_sum{postfix_instance="postfix",status="bounced"}': 20,
    'mailgauge_recipient_delivery_seconds_bucket{postfix_instance="postfix",status="sent",le="60"}': 0,
    'mailgauge_recipient_delivery_seconds_bucket{postfix_instance="postfix",status="sent",le="300"}': 2,
    'mailgauge_recipient_delivery_seconds_bucket{postfix_instance="postfix",status="sent",le="900"}': 4,
    'mailgauge_delivery_attempts_total{postfix_instance="postfix",status="deferred",transport="smtp"}': 2,
    'mailgauge_delivery_attempts_total{postfix_instance="postfix",status="sent",transport="smtp"}': 3,
    'postfix_smtpd_messages_processed_total{postfix_instance="postfix",sasl_method="PLAIN"}': 1,
    'postfix_smtpd_messages_processed_total{postfix_instance="postfix",sasl_method="LOGIN"}': 1,
    'postfix_smtpd_messages_processed_total{postfix_instance="postfix",sasl_method=""}': 1,
    'postfix_qmgr_messages_removed_total{postfix_instance="postfix"}': 4,
}


def check_split(e, log_path, n_lines, what):
    expect = dict(SPLIT_EXPECT)
    expect['mailgauge_log_lines_read_total{source="%s"}' % log_path] = n_lines
    expect['mailgauge_messages_in_flight{source="%s"}' % log_path] = 0
    deadline = time.time() + 40
    while True:
        got = e.metrics()
        errors = ["%s = %s, want %g" % (k, got.get(k), v)
                  for k, v in sorted(expect.items()) if got.get(k) != v]
        # A message seen in two parts would show up as origin="unknown", an
        # unfinished or evicted one as another end.
        errors += ["unexpected %s = %g" % (k, v) for k, v in sorted(got.items())
                   if v and (('origin="unknown"' in k) or
                             (k.startswith("mailgauge_messages_finished_total") and
                              'end="removed"' not in k) or
                             k.startswith("mailgauge_log_lines_not_understood_total") or
                             (k.startswith("mailgauge_correlator_evictions_total")))]
        if not errors:
            print("split (%s): every count exact" % what)
            return
        if time.time() > deadline:
            fail("%s: %d differences:\n  %s\nexporter stderr:\n%s" % (
                what, len(errors), "\n  ".join(errors), e.stderr()))
        time.sleep(0.5)


def run_split(binary, work):
    log_path = os.path.join(work, "mail.log")
    state = os.path.join(work, "state.json")
    open(log_path, "wb").close()

    def append(key):
        with open(log_path, "ab") as f:
            f.write("".join(l + "\n" for l in SPLIT_LINES[key]).encode())

    def count(*keys):
        return sum(len(SPLIT_LINES[k]) for k in keys)

    no_save = ["--state.file", state, "--state.interval", "1h"]
    saving = ["--state.file", state, "--state.interval", "200ms"]
    exporters = []
    try:
        e = Exporter(binary, work, log_path, no_save, 0)
        exporters.append(e)
        append("run1")
        e.wait_for(count("run1"))
        e.terminate()  # saves A and B in flight
        saved = open(state).read()
        if '"correlator"' not in saved or "1B0000000B" not in saved:
            fail("the state file holds no messages in flight:\n" + saved[:2000])
        append("down1")
        e = Exporter(binary, work, log_path, no_save, 1)
        exporters.append(e)
        if "restored 2 messages in flight" not in e.stderr():
            fail("run 2 did not restore A and B:\n" + e.stderr())
        append("run2")
        e.wait_for(count("run1", "down1", "run2"))
        e.kill()  # the state on disk is still run 1's
        append("down2")
        e = Exporter(binary, work, log_path, saving, 2)
        exporters.append(e)
        append("run3")
        e.wait_for(count("run1", "down1", "run2", "down2", "run3"))
        # A periodic save after D's first lines, then D's deferral, then SIGKILL.
        deadline = time.time() + 20
        while "1E0000000E" not in open(state).read():
            if time.time() > deadline:
                fail("no periodic save holding D:\n" + e.stderr())
            time.sleep(0.05)
        append("run3_after_save")
        e.wait_for(count("run1", "down1", "run2", "down2", "run3", "run3_after_save"))
        e.kill()
        append("down3")
        e = Exporter(binary, work, log_path, saving, 3)
        exporters.append(e)
        total = count(*SPLIT_LINES)
        e.wait_for(total)
        check_split(e, log_path, total, "after SIGTERM, SIGKILL and SIGKILL after a save")
        e.terminate()
        e = Exporter(binary, work, log_path, saving, 4)
        exporters.append(e)
        time.sleep(1.0)
        check_split(e, log_path, total, "after one more restart with nothing new")
        e.terminate()
        # A correlator section of another version: a warning, an empty
        # correlator, the counters and offsets still restored.
        saved = json.load(open(state))
        saved["sources"][0]["correlator"]["version"] = 99
        json.dump(saved, open(state, "w"))
        e = Exporter(binary, work, log_path, saving, 5)
        exporters.append(e)
        if "ignoring the saved messages in flight" not in e.stderr() or \
                "resuming " + log_path not in e.stderr():
            fail("no warning for a bad correlator section:\n" + e.stderr())
        time.sleep(1.0)
        check_split(e, log_path, total, "after a bad correlator section")
        e.terminate()
    finally:
        for e in exporters:
            e.cleanup()


def wait_saved_at_end(e, state, path):
    """Waits for a periodic save whose position is the end of `path`."""
    deadline = time.time() + 20
    st = os.stat(path)
    while time.time() < deadline:
        try:
            saved = json.load(open(state))
            src = saved["sources"][0]
            if src["inode"] == st.st_ino and src["offset"] == st.st_size:
                return
        except (ValueError, KeyError, IndexError, OSError):
            pass
        time.sleep(0.05)
    fail("no periodic save at the end of %s:\n%s" % (path, e.stderr()))


def run_rotated_down(binary, work, lines, golden):
    log_path = os.path.join(work, "mail.log")
    state = os.path.join(work, "state.json")
    open(log_path, "wb").close()
    writer = Writer(log_path)
    n = len(lines)
    a, b, c, d, e_ = n // 6, 2 * n // 6, 3 * n // 6, 4 * n // 6, 5 * n // 6
    no_save = ["--state.file", state, "--state.interval", "1h"]
    saving = ["--state.file", state, "--state.interval", "200ms"]
    exporters = []
    try:
        e = Exporter(binary, work, log_path, no_save, 0)
        exporters.append(e)
        writer.append(lines[:a])
        e.wait_for(a)
        e.terminate()
        # Down: more lines in the old file, renamed to mail.log.1; a new file.
        writer.append(lines[a:b])
        os.rename(log_path, log_path + ".1")
        writer.append(lines[b:c])
        e = Exporter(binary, work, log_path, saving, 1)
        exporters.append(e)
        if "was rotated while stopped: read %d lines of %s.1" % (b - a, log_path) \
                not in e.stderr():
            fail("rotated file not read at start:\n" + e.stderr())
        e.wait_for(c)
        wait_saved_at_end(e, state, log_path)
        # Lines read after that save, then SIGKILL.
        writer.append(lines[c:d])
        e.wait_for(d)
        e.kill()
        # Down: more lines, renamed with dateext; a new file.
        writer.append(lines[d:e_])
        os.rename(log_path, log_path + "-20261125")
        writer.append(lines[e_:])
        e = Exporter(binary, work, log_path, saving, 2)
        exporters.append(e)
        # Saved somewhere between c and d (saves go on while reading): what
        # is read from the rotated file is what follows that save.
        m = re.search(r"was rotated while stopped: read (\d+) lines of %s-20261125 "
                      r"from byte (\d+)" % re.escape(log_path), e.stderr())
        if not m:
            fail("dateext-rotated file not read from the saved offset:\n" + e.stderr())
        offset = int(m.group(2))
        read_before = len(b"".join(lines[b:c]))  # in the second file at the save
        if offset < read_before or int(m.group(1)) < e_ - d:
            fail("saved offset %d / %s lines: not after the periodic save at %d:\n%s" % (
                offset, m.group(1), read_before, e.stderr()))
        e.wait_for(n)
        count, errors = compare_eventually(e, golden, log_path, {
            'mailgauge_source_up{source="%s"}' % log_path: 1,
            'mailgauge_log_rotations_total{source="%s"}' % log_path: 2,
        })
        if errors:
            fail("%d differences:\n  %s\nexporter stderr:\n%s" % (
                len(errors), "\n  ".join(errors), e.stderr()))
        print("rotated_down: compared %d series (finished messages' too) with the "
              "golden: all equal" % count)
        e.terminate()
    finally:
        for e in exporters:
            e.cleanup()


def main():
    binary = os.path.abspath(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "rotation"
    tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()
    work = tempfile.mkdtemp(dir=tmp)
    with open(LOG, "rb") as f:
        lines = f.read().splitlines(keepends=True)
    golden = parse(open(GOLDEN).read())
    if mode == "rotation":
        run_rotation(binary, work, lines, golden)
    elif mode == "restart":
        run_restart(binary, work, lines, golden)
    elif mode == "split":
        run_split(binary, work)
    elif mode == "rotated_down":
        run_rotated_down(binary, work, lines, golden)
    else:
        fail("unknown mode " + mode)
    print("OK")


if __name__ == "__main__":
    main()
