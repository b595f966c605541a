"""The journal is rotated and vacuumed under the reader (issue 8, item 3c).

    python3 tests/faults/journal_rotation_faults_test.py EXPORTER

Real .journal files, written by systemd-journal-remote from the entries of
testdata/logs/postfix_real.syslog (exporter/exporter_journal_e2e_test.py's
entries(), each given its own microsecond so that the order across files is
the log's), in a directory followed with --journal.dir. Rotation is done as
journald does it: the active file is renamed to an archived name and a new
active file is written; vacuuming deletes archived files. While the
exporter follows:
  1. rotation: the new active file is read (it was not, before the fix in
     exporter/journal_source.cc: sd-journal takes in new files only when
     asked to wait for events);
  2. vacuum of an archived file already read: nothing changes;
  3. the reader is stopped (SIGSTOP) after reading the active file; entries
     are appended to it, it is rotated and deleted, a new file is written;
     SIGCONT: the entries of the deleted file are still read (sd-journal
     holds it open), then the new file's: nothing lost, nothing twice;
  4. the reader is stopped; the active file is rotated, a new file is
     written, rotated and deleted before the reader ever opened it (its
     entries are lost), and another file is written; SIGCONT: every entry
     but those of the deleted file is read, exactly once;
  5. SIGTERM and a restart from the state file, then SIGKILL and a restart,
     with more rotations between: the cursor is kept across all of them;
  6. SIGTERM; while the exporter is down, entries are appended to the file
     holding its saved position, which is rotated and deleted: at the
     restart the loss is logged (a warning naming the journal) and counted
     (mailgauge_journal_positions_lost_total 1), and reading goes on with
     the next file.
At the end every series equals a one-pass run over one journal file that
holds every entry except the lost ones (exact), and lines read is exact.
Skips (passes with SKIP) without systemd-journal-remote.

Not reported: the entries lost in 4 (nothing in sd-journal or the files
tells a reader of a file it never opened), and the number of entries lost
in 6 (mailgauge_journal_entries_lost_total counts the gap in sequence
numbers, which journald keeps across rotations but systemd-journal-remote
starts afresh in each file: it stays 0 here).
Exit status 0 when every check holds.
"""
import os
import re
import shutil
import signal
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_util  # noqa: E402
from faults_util import e2e_util  # noqa: E402
import exporter_journal_e2e_test as journal_e2e  # noqa: E402  (exporter/, on sys.path)

LINES = 'mailgauge_log_lines_read_total{source="journal"}'


def unique_entries():
    """The corpus as journal export entries, entry i at its line's second
    plus i microseconds (many lines share a second; entries in two files
    with the same timestamp have no defined order in sd-journal)."""
    out = []
    for i, e in enumerate(journal_e2e.entries()):
        e = re.sub(r"__REALTIME_TIMESTAMP=(\d+)",
                   lambda m: "__REALTIME_TIMESTAMP=%d" % (int(m.group(1)) + i), e)
        e = re.sub(r"__MONOTONIC_TIMESTAMP=(\d+)",
                   lambda m: "__MONOTONIC_TIMESTAMP=%d" % (int(m.group(1)) + i), e)
        out.append(e)
    return out


class Journal:
    """A journal directory with one active file, rotated the way journald
    does: renamed to an archived name, a new active file next."""

    def __init__(self, remote, work):
        self.remote = remote
        self.work = work
        self.dir = os.path.join(work, "journal")
        os.mkdir(self.dir)
        self.active = os.path.join(self.dir, "remote.journal")
        self.archived = []
        self.rotations = 0

    def write(self, chunk):
        journal_e2e.append(self.remote, self.work, self.active, chunk)

    def rotate(self):
        self.rotations += 1
        name = os.path.join(self.dir, "remote@%032x-%016x.journal" % (
            self.rotations, self.rotations))
        os.rename(self.active, name)
        self.archived.append(name)
        return name

    def vacuum(self, name):
        os.unlink(name)
        self.archived.remove(name)


def main():
    remote = journal_e2e.remote()
    if remote is None:
        print("SKIP: systemd-journal-remote not installed")
        return
    exporter = os.path.abspath(sys.argv[1])
    es = unique_entries()
    n = len(es)
    cut = [0, 40, 80, 110, 130, 150, 170, 190, 205, 220, 235, n]
    part = [es[cut[i]:cut[i + 1]] for i in range(len(cut) - 1)]
    # Written to a file deleted before the reader opened it (part 5), or
    # after the saved position while the exporter was down (part 9).
    lost = part[5] + part[9]
    work = tempfile.mkdtemp(prefix="journal_faults_", dir=os.environ.get("TEST_TMPDIR"))
    journal = Journal(remote, work)
    state = os.path.join(work, "state.json")
    flags = ["--journal.dir", journal.dir, "--log.from-beginning",
             "--log.poll-interval", "50ms", "--log.year", "2026",
             "--postfix.queue-dir", work, "--state.file", state, "--state.interval", "1h"]
    restarts = faults_util.Restarts([exporter] + flags, work)
    start = restarts.start

    def wait_lines(port, want, what, stderr_path):
        seen = []  # the counts read while waiting, for the failure message

        def done():
            n = faults_util.metrics(port).get(LINES)
            if not seen or seen[-1] != n:
                seen.append(n)
            return n == want

        try:
            e2e_util.wait_for("%s: %d entries read" % (what, want), done, timeout=20,
                              stderr_path=stderr_path)
        except SystemExit:
            print("counts seen while waiting: %s" % seen, file=sys.stderr)
            raise

    try:
        journal.write(part[0])
        proc, port, err = start()
        wait_lines(port, 40, "first file", err)

        # 1. Rotation: the new active file is read.
        first = journal.rotate()
        journal.write(part[1])
        wait_lines(port, 80, "after a rotation", err)
        print("ok: rotation: the new active file is read")

        # 2. Vacuum of an archived file already read.
        journal.vacuum(first)
        journal.write(part[2])
        wait_lines(port, 110, "after vacuuming a file already read", err)
        print("ok: vacuum of a file already read: nothing lost, nothing twice")

        # 3. Stopped; its open file grows, is rotated and deleted.
        proc.send_signal(signal.SIGSTOP)
        journal.write(part[3])
        journal.vacuum(journal.rotate())
        journal.write(part[4])
        proc.send_signal(signal.SIGCONT)
        wait_lines(port, 150, "after the open, unfinished file was deleted", err)
        print("ok: an unfinished file deleted while open: its entries still read")

        # 4. Stopped; a file it never opened is written, rotated and deleted.
        proc.send_signal(signal.SIGSTOP)
        journal.rotate()
        journal.write(lost)
        journal.vacuum(journal.rotate())
        journal.write(part[6])
        proc.send_signal(signal.SIGCONT)
        wait_lines(port, 150 + len(part[6]), "after a never-opened file was deleted", err)
        print("ok: a file deleted before it was opened: its %d entries lost, "
              "the rest read once" % len(part[5]))

        # 5. Restarts with rotations between.
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=20) != 0:
            e2e_util.fail("exit %d after SIGTERM" % proc.returncode)
        journal.vacuum(journal.archived[0])
        journal.rotate()
        journal.write(part[7])
        proc, port, err = start()
        read = 150 + len(part[6]) + len(part[7])
        wait_lines(port, read, "after a SIGTERM restart", err)
        proc.send_signal(signal.SIGKILL)  # the state on disk is the SIGTERM's
        proc.wait()
        journal.rotate()
        journal.write(part[8])
        proc, port, err = start()
        read += len(part[8])
        wait_lines(port, read, "after a SIGKILL restart", err)
        print("ok: SIGTERM and SIGKILL restarts across rotations: cursor kept")
        text = restarts.stderr()
        if "position is gone" in text:
            e2e_util.fail("a loss reported where there was none:\n" + text)

        # 6. Down; the file holding the saved position grows, is rotated and
        # deleted.
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=20) != 0:
            e2e_util.fail("exit %d after SIGTERM" % proc.returncode)
        journal.write(part[9])
        journal.vacuum(journal.rotate())
        journal.write(part[10])
        proc, port, err = start()
        total = n - len(lost)
        wait_lines(port, total, "after the saved position's file was deleted", err)
        warnings = [l for l in open(err).read().splitlines()
                    if "level=warn" in l and "position is gone" in l and journal.dir in l]
        if len(warnings) != 1:
            e2e_util.fail("want one warning about the lost position:\n" + open(err).read())
        got = faults_util.metrics(port)
        if got.get('mailgauge_journal_positions_lost_total{source="journal"}') != 1:
            e2e_util.fail("mailgauge_journal_positions_lost_total = %s, want 1" % got.get(
                'mailgauge_journal_positions_lost_total{source="journal"}'))
        print("ok: the saved position's file deleted while down: logged and counted: " +
              warnings[0])

        ref_dir = os.path.join(work, "ref")
        os.mkdir(ref_dir)
        ref_file = os.path.join(ref_dir, "all.journal")
        journal_e2e.append(remote, ref_dir, ref_file, [e for e in es if e not in lost])
        ref = faults_util.one_pass_metrics(
            exporter, ["--journal.file", ref_file, "--postfix.queue-dir", ref_dir],
            ref_dir, total)
        count = faults_util.wait_same(lambda: faults_util.metrics(port), ref,
                                      "after rotations, vacuums and restarts",
                                      stderr_path=err)
        print("ok: %d series equal the one-pass run over the surviving entries" % count)
        e2e_util.stop(proc)
        print("PASS")
    finally:
        for p in restarts.procs:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGCONT)
                except OSError:
                    pass
                e2e_util.stop(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
