"""Faults of the followed log file (issue 8, item 3b).

    python3 tests/faults/log_source_faults_test.py BINARY

Runs the real mailgauge_exporter on a log file and, while it runs:
  1. replaces the file by a directory: an error naming the file is logged,
     mailgauge_source_up goes to 0, mailgauge_log_read_errors_total goes up,
     scrapes still answer; once a file is back, source_up returns to 1 and
     new lines are read;
  2. rotates the file and creates the new one unreadable (mode 000; a chmod
     of the file already open changes nothing, its descriptor stays
     readable): root ignores permissions, so the
     exporter runs as `nobody` (setpriv; a copy of the binary in a world-
     readable directory); same checks. Skipped with a message when we are
     not root or setpriv is missing.
EIO is tested by log_eio_faults_test (a FUSE file system that returns a real
kernel EIO).
Exit status 0 when every check holds.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "exporter"))
import e2e_util  # noqa: E402

CORPUS = "testdata/logs/postfix_real.syslog"


def metric(port, name, log):
    status, body = e2e_util.scrape(port)
    if status != 200:
        e2e_util.fail("scrape answered %d" % status)
    return e2e_util.parse(body).get('%s{source="%s"}' % (name, log))




def run_case(name, binary, tmp, break_log, heal_log, error_text):
    log = os.path.join(tmp, name + ".log")
    shutil.copy(CORPUS, log)
    os.chmod(log, 0o644)
    stderr_path = os.path.join(tmp, name + ".stderr")
    proc, port = e2e_util.start(
        [binary, "--log.file", log, "--log.poll-interval", "50ms"],
        stderr_path)
    try:
        e2e_util.wait_for("source up", lambda: metric(port, "mailgauge_source_up", log) == 1,
                          stderr_path=stderr_path)
        errors0 = metric(port, "mailgauge_log_read_errors_total", log)
        break_log(log)
        e2e_util.wait_for("source down", lambda: metric(port, "mailgauge_source_up", log) == 0,
                          stderr_path=stderr_path)
        if metric(port, "mailgauge_log_read_errors_total", log) <= errors0:
            e2e_util.fail(name + ": read errors not counted")
        text = open(stderr_path).read()
        if not any(log in l and error_text in l for l in text.splitlines()):
            e2e_util.fail("%s: no error naming %s (%r):\n%s" % (name, log, error_text, text))
        heal_log(log)
        e2e_util.wait_for("source up again", lambda: metric(port, "mailgauge_source_up", log) == 1,
                          stderr_path=stderr_path)
        lines0 = metric(port, "mailgauge_log_lines_read_total", log)
        with open(log, "ab") as f:
            f.write(open(CORPUS, "rb").read())
        e2e_util.wait_for("new lines read",
                          lambda: metric(port, "mailgauge_log_lines_read_total", log) > lines0,
                          stderr_path=stderr_path)
        if proc.poll() is not None:
            e2e_util.fail(name + ": the exporter exited")
        print("ok: %s: logged, source_up 0, kept serving, resumed" % name)
    finally:
        e2e_util.stop(proc)


def main():
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="log_faults_")
    os.chmod(tmp, 0o755)
    try:
        def to_dir(log):
            os.rename(log, log + ".old")
            os.mkdir(log)

        def from_dir(log):
            os.rmdir(log)
            os.rename(log + ".old", log)

        def rotate_unreadable(log):
            # chmod on the open file changes nothing (the open descriptor
            # stays readable); what bites is a new file the exporter must
            # open: rotated, and the new file created unreadable.
            os.rename(log, log + ".1")
            fd = os.open(log, os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b"")
            os.close(fd)
            os.chmod(log, 0)

        run_case("directory", binary, tmp, to_dir, from_dir, "Is a directory")

        if os.geteuid() != 0 or shutil.which("setpriv") is None:
            print("SKIP unreadable case: needs root and setpriv to run the "
                  "exporter as nobody (root ignores chmod 000)")
        else:
            # The runfiles tree may not be reachable by nobody: use a copy.
            copy = os.path.join(tmp, "mailgauge_exporter")
            shutil.copy(binary, copy)
            os.chmod(copy, 0o755)
            # e2e_util.start adds flags after argv[0]: wrap setpriv in a script.
            wrapper = os.path.join(tmp, "as_nobody.sh")
            with open(wrapper, "w") as f:
                f.write('#!/bin/sh\nexec setpriv --reuid=nobody --regid=nogroup '
                        '--clear-groups -- %s "$@"\n' % copy)
            os.chmod(wrapper, 0o755)
            run_case("unreadable", wrapper, tmp,
                     rotate_unreadable, lambda log: os.chmod(log, 0o644),
                     "Permission denied")
        print("PASS")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
