"""Faults around the state file and signals (issue 8, item 3a and SIGHUP).

    python3 tests/faults/state_file_faults_test.py BINARY

Runs the real mailgauge_exporter with --state.file on a 64 KiB tmpfs (we
must be root to mount it; without that the disk-full case is skipped with a
message) and checks:
  1. SIGHUP does not stop the exporter: it saves the state file at once
     (mailgauge_state_file_saves_total{result="ok"} goes up) and keeps serving;
  2. the disk fills while the state file is written (a real ENOSPC: the
     tmpfs is filled to the last byte): the old state file survives byte for
     byte, no .tmp is left behind, an error naming the file is logged and
     mailgauge_state_file_saves_total{result="error"} goes up, scrapes still
     answer;
  3. once space is freed, the next save succeeds again.
Exit status 0 when every check holds.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "exporter"))
import e2e_util  # noqa: E402

OK = 'mailgauge_state_file_saves_total{result="ok"}'
ERR = 'mailgauge_state_file_saves_total{result="error"}'


def saves(port):
    status, body = e2e_util.scrape(port)
    if status != 200:
        e2e_util.fail("scrape answered %d" % status)
    m = e2e_util.parse(body)
    return m.get(OK, 0.0), m.get(ERR, 0.0)




def main():
    binary = os.path.abspath(sys.argv[1])
    corpus = "testdata/logs/postfix_real.syslog"
    tmp = tempfile.mkdtemp(prefix="state_faults_")
    disk = os.path.join(tmp, "disk")
    os.mkdir(disk)
    # Room for the state file (~34 KiB on the corpus) twice, the old one and
    # its replacement, until the filler takes the rest.
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk],
                             stderr=subprocess.PIPE).returncode == 0
    if not mounted:
        print("SKIP disk-full case: cannot mount a tmpfs here (not root?); "
              "only the SIGHUP case runs")
    log = os.path.join(tmp, "mail.log")
    shutil.copy(corpus, log)
    state = os.path.join(disk, "state.json")
    stderr_path = os.path.join(tmp, "exporter.stderr")
    proc, port = e2e_util.start(
        [binary, "--log.file", log, "--log.from-beginning", "--state.file", state,
         "--state.interval", "1h", "--log.poll-interval", "50ms"], stderr_path)
    try:
        # 1. SIGHUP: a save now, still running.
        ok0, err0 = saves(port)
        proc.send_signal(signal.SIGHUP)
        e2e_util.wait_for("a save after SIGHUP", lambda: saves(port)[0] > ok0)
        if proc.poll() is not None:
            e2e_util.fail("SIGHUP stopped the exporter")
        if not os.path.exists(state):
            e2e_util.fail("no state file after SIGHUP")
        if "SIGHUP" not in open(stderr_path).read():
            e2e_util.fail("SIGHUP not logged")
        print("ok: SIGHUP saved the state file and the exporter kept running")
        if not mounted:
            print("PASS (disk-full case skipped)")
            return

        # 2. Fill the tmpfs to the last byte, then ask for a save.
        old = open(state, "rb").read()
        filler = os.path.join(disk, "filler")
        with open(filler, "wb", buffering=0) as f:
            try:
                while True:
                    f.write(b"x" * 4096)
            except OSError:
                pass
            try:
                while True:
                    f.write(b"x")
            except OSError:
                pass
        ok1, err1 = saves(port)
        proc.send_signal(signal.SIGHUP)
        e2e_util.wait_for("a failed save on a full disk", lambda: saves(port)[1] > err1)
        if open(state, "rb").read() != old:
            e2e_util.fail("the old state file changed after a failed save")
        if os.path.exists(state + ".tmp"):
            e2e_util.fail("a half-written %s.tmp was left behind" % state)
        text = open(stderr_path).read()
        errors = [l for l in text.splitlines() if "state file" in l and "level=warn" in l]
        if not errors or "No space left" not in errors[-1]:
            e2e_util.fail("no clear error logged for the failed save:\n" + text[-2000:])
        if proc.poll() is not None:
            e2e_util.fail("the exporter exited on a full disk")
        print("ok: full disk: old state intact, logged: " + errors[-1])

        # 3. Space again: the next save succeeds.
        os.unlink(filler)
        ok2, _ = saves(port)
        proc.send_signal(signal.SIGHUP)
        e2e_util.wait_for("a save once space is back", lambda: saves(port)[0] > ok2)
        print("ok: saves again once space is back")
        print("PASS")
    finally:
        e2e_util.stop(proc)
        if mounted:
            subprocess.run(["umount", disk])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
