"""Shared pieces of the fault tests in tests/faults/ that compare a faulted
exporter with a one-pass run over the same input (on top of
exporter/e2e_util.py: start, scrape, wait_for, stop).

    import faults_util
    ref = faults_util.one_pass_metrics(binary, ["--log.file", "mail=" + copy], tmp, n)
    faults_util.wait_same(lambda: faults_util.metrics(port), ref, "after the fault")
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "exporter"))
import e2e_util  # noqa: E402

# Series that describe this run of the exporter, not the log it read: they
# differ between a faulted run and a one-pass run by design.
LIVE_ONLY = (
    "mailgauge_log_lag_seconds", "mailgauge_source_up", "postfix_up",
    "mailgauge_log_rotations_total", "mailgauge_log_truncations_total",
    "mailgauge_log_read_errors_total", "mailgauge_state_file_saves_total",
    "mailgauge_journal_positions_lost_total", "mailgauge_journal_entries_lost_total",
    "mailgauge_queue_", "postfix_showq_",
)

# analyzer::CorrelatorOptions::grace_seconds: a finished message is counted
# once this much log time has passed after its last line.
GRACE_SECONDS = 10


def metrics(port):
    status, body = e2e_util.scrape(port)
    if status != 200:
        e2e_util.fail("scrape answered %d" % status)
    return e2e_util.parse(body)


def comparable(series):
    name = series.split("{", 1)[0]
    return name.startswith(("postfix_", "mailgauge_")) and not name.startswith(LIVE_ONLY)


def differences(got, want):
    """Every comparable series that is missing, extra or different."""
    errors = []
    for s in sorted(set(got) | set(want)):
        if not comparable(s):
            continue
        if s not in got:
            errors.append("missing %s (want %g)" % (s, want[s]))
        elif s not in want:
            if got[s] != 0:
                errors.append("unexpected %s = %g" % (s, got[s]))
        elif got[s] != want[s]:
            errors.append("%s = %g, want %g" % (s, got[s], want[s]))
    return errors


def wait_same(get, want, what, timeout=40, stderr_path=None):
    """Waits until `get()` has the comparable series of `want` exactly (the
    counters fed by finished messages move only after a grace period of log
    time, which a quiet log advances by wall time); fails with the
    differences. Returns the number of series compared."""
    last = []

    def same():
        last[:] = differences(get(), want)
        return not last
    try:
        e2e_util.wait_for(what, same, timeout=timeout)
    except SystemExit:
        said = "\nexporter said:\n" + open(stderr_path).read()[-3000:] if stderr_path else ""
        e2e_util.fail("%s: %d differences with the one-pass run:\n  %s%s" % (
            what, len(last), "\n  ".join(last[:40]), said))
    return sum(1 for s in want if comparable(s))


def one_pass_metrics(binary, source_flags, work, lines):
    """Runs the exporter once over finished input (`source_flags`, e.g.
    ["--log.file", "mail=/tmp/x.log"], read from the beginning) and returns
    its series once it has read `lines` lines and the correlator's grace
    period (10 s of log time, which a quiet log advances by wall time) has
    passed for the last of them: the reference a faulted run must equal."""
    stderr_path = os.path.join(work, "one_pass.stderr")
    proc, port = e2e_util.start(
        [binary, "--log.from-beginning", "--log.poll-interval", "50ms",
         "--log.year", "2026"] + list(source_flags), stderr_path)
    try:
        def read_all():
            m = metrics(port)
            return sum(v for s, v in m.items()
                       if s.startswith("mailgauge_log_lines_read_total")) == lines
        e2e_util.wait_for("the one-pass run to read %d lines" % lines, read_all,
                          timeout=60, stderr_path=stderr_path)
        time.sleep(GRACE_SECONDS + 2)  # a wait for log time, not a synchronisation
        prev = [None]

        def stable():
            view = {s: v for s, v in metrics(port).items() if comparable(s)}
            same, prev[0] = view == prev[0], view
            return same
        e2e_util.wait_for("the one-pass run to settle", stable, stderr_path=stderr_path)
        return metrics(port)
    finally:
        e2e_util.stop(proc)


def saved_source(state_path, path):
    """The state file's entry for `path` (a dict with offset, inode, ...)."""
    with open(state_path) as f:
        state = json.load(f)
    for s in state.get("sources", []):
        if s.get("path") == path:
            return s
    e2e_util.fail("the state file %s holds no source %s: %r" % (state_path, path, state))


class Restarts:
    """Starts the exporter again and again with the same flags, each run's
    stderr in WORK/exporter.N.stderr, and remembers every process."""

    def __init__(self, command, work):
        self.command = command
        self.work = work
        self.procs = []

    def start(self):
        """Starts one more run; returns (process, port, stderr path)."""
        path = os.path.join(self.work, "exporter.%d.stderr" % (len(self.procs) + 1))
        proc, port = e2e_util.start(self.command, path)
        self.procs.append(proc)
        return proc, port, path

    def runs(self):
        return len(self.procs)

    def stderr(self):
        """Every run's stderr, in order, as one text."""
        return "".join(open(os.path.join(self.work, "exporter.%d.stderr" % r)).read()
                       for r in range(1, len(self.procs) + 1))
