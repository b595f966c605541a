"""The followed log is on a file system that returns EIO (issue 8, item 3b).

    python3 tests/faults/log_eio_faults_test.py EXPORTER EIO_FUSE MAILGAUGE

How the EIO is made: this machine's kernel has no device-mapper (no
dm-error or dm-flakey target: /dev/mapper/control does not exist), but it
has /dev/fuse. tests/faults/eio_fuse mounts a one-file FUSE file system
that mirrors a backing copy of the log and answers READ with a real EIO
from a byte offset written in a control file (a short read up to it, as a
disk gives the sectors before a bad one); removing the control file makes
the file read again. read(2) in the exporter gets the kernel's EIO: nothing
in the exporter is faked or preloaded. Needs root (mount); without root or
/dev/fuse the test says SKIP and passes.

Checks, on testdata/logs/postfix_real.syslog with the fault in the middle
of a line:
  1. the exporter reads every complete line before the bad byte, then logs
     one error naming the file and "Input/output error", counts
     mailgauge_log_read_errors_total, sets mailgauge_source_up 0, keeps
     serving scrapes and keeps retrying;
  2. a SIGHUP save and the save at SIGTERM hold the offset just past the
     last complete line read, never past unread data; a restart during the
     fault resumes there and counts nothing again;
  3. once the file reads again, the rest is read and every series equals a
     one-pass run over the same log (exact), source_up is 1 again;
  4. `mailgauge report` and `mailgauge records` on the failing file exit
     non-zero with an error naming the file and errno, and are not killed
     by a signal.
Exit status 0 when every check holds.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_util  # noqa: E402
from faults_util import e2e_util  # noqa: E402

CORPUS = "testdata/logs/postfix_real.syslog"
SOURCE = "mail"  # --log.file mail=PATH: the same labels in both runs


def value(m, name, **labels):
    key = name + "{" + ",".join('%s="%s"' % kv for kv in sorted(labels.items())) + "}"
    return m.get(key)


class Fuse:
    """eio_fuse serving `backing` at mount/<name>, failing per `control`."""

    def __init__(self, binary, work, backing, control):
        self.mount = os.path.join(work, "mnt")
        os.mkdir(self.mount)
        self.path = os.path.join(self.mount, os.path.basename(backing))
        self.stderr_path = os.path.join(work, "eio_fuse.stderr")
        self.proc = subprocess.Popen([binary, self.mount, backing, control],
                                     stderr=open(self.stderr_path, "wb"))
        e2e_util.wait_for("the FUSE mount", lambda: self.proc.poll() is not None or
                          self.mounted() and os.path.exists(self.path),
                          stderr_path=self.stderr_path)
        if self.proc.poll() is not None:
            e2e_util.fail("eio_fuse exited: " + open(self.stderr_path).read())

    def mounted(self):
        with open("/proc/mounts") as f:
            return any(l.split()[1] == self.mount for l in f if len(l.split()) > 1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # unmounts (lazily) and exits
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.mounted():
            subprocess.run(["umount", "-l", self.mount])


def check_cli(mailgauge, path):
    for command in (["report"], ["records"]):
        r = subprocess.run([mailgauge] + command + [path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        err = r.stderr.decode(errors="replace")
        if r.returncode < 0:
            e2e_util.fail("mailgauge %s killed by signal %d on EIO:\n%s" % (
                command[0], -r.returncode, err))
        if r.returncode == 0:
            e2e_util.fail("mailgauge %s exited 0 on a file that returns EIO:\n%s" % (
                command[0], err))
        if path not in err or "Input/output error" not in err:
            e2e_util.fail("mailgauge %s: no error naming %s and EIO:\n%s" % (
                command[0], path, err))
        print("ok: mailgauge %s: exit %d: %s" % (command[0], r.returncode,
                                                  err.strip().splitlines()[-1]))


def main():
    exporter = os.path.abspath(sys.argv[1])
    eio_fuse = os.path.abspath(sys.argv[2])
    mailgauge = os.path.abspath(sys.argv[3])
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        print("SKIP: needs root and /dev/fuse to mount the EIO file system")
        return
    data = open(CORPUS, "rb").read()
    lines = data.splitlines(keepends=True)
    n = len(lines)
    # The bad byte: 10 bytes into the line after the first half.
    half = n // 2
    good_bytes = len(b"".join(lines[:half]))
    fault = good_bytes + 10
    work = tempfile.mkdtemp(prefix="eio_", dir=os.environ.get("TEST_TMPDIR"))
    backing_dir = os.path.join(work, "backing")
    os.mkdir(backing_dir)
    backing = os.path.join(backing_dir, "mail.log")
    with open(backing, "wb") as f:
        f.write(data)
    control = os.path.join(work, "eio_from")
    with open(control, "w") as f:
        f.write("%d\n" % fault)
    state = os.path.join(work, "state.json")
    fuse = Fuse(eio_fuse, work, backing, control)
    log = fuse.path
    flags = ["--log.file", "%s=%s" % (SOURCE, log), "--log.from-beginning",
             "--log.year", "2026", "--log.poll-interval", "50ms",
             "--state.file", state, "--state.interval", "1h"]
    procs = []
    try:
        # 1. The fault: lines before it read, then an error, still serving.
        stderr1 = os.path.join(work, "exporter.1.stderr")
        proc, port = e2e_util.start([exporter] + flags, stderr1)
        procs.append(proc)

        def m():
            return faults_util.metrics(port)
        e2e_util.wait_for("read errors counted",
                          lambda: (value(m(), "mailgauge_log_read_errors_total", source=SOURCE)
                                   or 0) >= 2, stderr_path=stderr1)
        got = m()
        if value(got, "mailgauge_log_lines_read_total", source=SOURCE) != half:
            e2e_util.fail("read %s lines before the bad byte, want %d" % (
                value(got, "mailgauge_log_lines_read_total", source=SOURCE), half))
        if value(got, "mailgauge_source_up", source=SOURCE) != 0:
            e2e_util.fail("source_up is not 0 during the fault")
        text = open(stderr1).read()
        errors = [l for l in text.splitlines()
                  if "level=warn" in l and log in l and "Input/output error" in l]
        if not errors:
            e2e_util.fail("no warning naming %s and EIO:\n%s" % (log, text))
        if len(errors) != 1:
            e2e_util.fail("the same error logged %d times (once is enough):\n%s" % (
                len(errors), text))
        print("ok: EIO logged once, counted, source_up 0, still serving: " + errors[0])
        before = value(m(), "mailgauge_log_read_errors_total", source=SOURCE)
        e2e_util.wait_for("retries counted", lambda: value(
            m(), "mailgauge_log_read_errors_total", source=SOURCE) > before)

        # 2. Saves hold the offset of the last complete line read.
        ok0 = value(m(), "mailgauge_state_file_saves_total", result="ok") or 0
        proc.send_signal(signal.SIGHUP)
        e2e_util.wait_for("a save after SIGHUP", lambda: (value(
            m(), "mailgauge_state_file_saves_total", result="ok") or 0) > ok0)
        offset = faults_util.saved_source(state, log)["offset"]
        if offset != good_bytes:
            e2e_util.fail("saved offset %d during the fault, want %d (end of the last "
                          "complete line read)" % (offset, good_bytes))
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=20) != 0:
            e2e_util.fail("exit %d after SIGTERM during the fault" % proc.returncode)
        offset = faults_util.saved_source(state, log)["offset"]
        if offset != good_bytes:
            e2e_util.fail("offset %d saved at SIGTERM, want %d" % (offset, good_bytes))
        print("ok: saves at SIGHUP and SIGTERM hold offset %d, not past unread data" % offset)

        stderr2 = os.path.join(work, "exporter.2.stderr")
        proc, port = e2e_util.start([exporter] + flags, stderr2)
        procs.append(proc)
        if "resuming %s at byte %d " % (log, good_bytes) not in open(stderr2).read():
            e2e_util.fail("the restart did not resume at byte %d:\n%s" % (
                good_bytes, open(stderr2).read()))
        e2e_util.wait_for("a read error after the restart", lambda: (value(
            m(), "mailgauge_log_read_errors_total", source=SOURCE) or 0) >= 1,
            stderr_path=stderr2)
        if value(m(), "mailgauge_log_lines_read_total", source=SOURCE) != half:
            e2e_util.fail("after the restart: %s lines read, want %d" % (
                value(m(), "mailgauge_log_lines_read_total", source=SOURCE), half))
        print("ok: restarted during the fault at byte %d, nothing counted again" % good_bytes)

        # 4. The batch commands on the failing file.
        check_cli(mailgauge, log)

        # 3. The file reads again: the rest, and the same series as one pass.
        os.unlink(control)
        e2e_util.wait_for("every line read and source_up 1", lambda: (
            value(m(), "mailgauge_log_lines_read_total", source=SOURCE) == n and
            value(m(), "mailgauge_source_up", source=SOURCE) == 1), stderr_path=stderr2)
        if "reading %s again" % log not in open(stderr2).read():
            e2e_util.fail("no 'reading again' message:\n" + open(stderr2).read())
        ref_dir = os.path.join(work, "ref")
        os.mkdir(ref_dir)
        copy = os.path.join(ref_dir, "mail.log")
        shutil.copy(CORPUS, copy)
        ref = faults_util.one_pass_metrics(
            exporter, ["--log.file", "%s=%s" % (SOURCE, copy)], ref_dir, n)
        count = faults_util.wait_same(m, ref, "after the file reads again",
                                      stderr_path=stderr2)
        print("ok: resumed; %d series equal the one-pass run" % count)
        e2e_util.stop(proc)
        print("PASS")
    finally:
        for p in procs:
            if p.poll() is None:
                e2e_util.stop(p)
        fuse.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
