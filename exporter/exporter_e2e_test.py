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

Usage (from the runfiles root): exporter_e2e_test.py BINARY [rotation|restart]
"""

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


def compare(got, golden, log_path, expect):
    """Line-driven series must equal the golden; `expect` lists more."""
    want = {}
    for series, value in golden.items():
        if family(series) in RECORD_DRIVEN:
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
                 "mailgauge_queue_")  # the queue is read at scrape time
    for series in sorted(got):
        name = series.split("{", 1)[0]
        if (name.startswith(("postfix_", "mailgauge_")) and
                family(series) not in RECORD_DRIVEN and series not in want and
                not name.startswith(live_only)):
            errors.append("unexpected series %s = %g" % (series, got[series]))
    for series, value in expect.items():
        if got.get(series) != value:
            errors.append("%s = %s, want %g" % (series, got.get(series), value))
    if 'mailgauge_log_lag_seconds{source="%s"}' % log_path not in got:
        errors.append("no mailgauge_log_lag_seconds")
    return len(want), errors


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
        n, errors = compare(e.metrics(), golden, log_path, {
            'mailgauge_source_up{source="%s"}' % log_path: 1,
        })
        if errors:
            fail("%d differences:\n  %s\nexporter stderr:\n%s" % (
                len(errors), "\n  ".join(errors), e.stderr()))
        print("restart: compared %d series with the golden: all equal" % n)
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
    else:
        fail("unknown mode " + mode)
    print("OK")


if __name__ == "__main__":
    main()
