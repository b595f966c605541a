"""SIGHUP, SIGTERM and SIGKILL at random moments during a burst (issue 8,
item 3d): the state stays consistent.

    python3 tests/faults/signal_rounds_faults_test.py EXPORTER GENERATOR
    MAILGAUGE_FAULTS_SEED=1234 python3 tests/faults/...  # replay a run

A seeded sequence (the seed is printed; MAILGAUGE_FAULTS_SEED overrides it)
of ROUNDS rounds. A log of about LINES real-format Postfix lines comes from
bench's generator (pipeline_benchmark --generate, every message complete).
Each round appends the next burst of it to the followed log in small
writes (some lines split across two writes), and at a random point of the
burst sends the exporter SIGHUP, SIGTERM or SIGKILL; after SIGTERM (exit 0
expected) or SIGKILL it is started again at once, while the burst goes on.
The exporter saves its state every 100-300 ms (random per run) and on
SIGHUP/SIGTERM, so kills land before, during and after saves. At the end:
  - every line is read: lines read equals the log's line count;
  - every comparable series (messages, recipients by status, rejects,
    delays, lines and bytes read, ...) equals a one-pass run over the same
    final log, exactly: nothing lost, nothing counted twice;
  - the state file loads: one more start resumes at the end of the log
    (no "ignoring the state file"), and reads nothing more.
Exit status 0 when every check holds.
"""
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faults_util  # noqa: E402
from faults_util import e2e_util  # noqa: E402

ROUNDS = 10
LINES = 6000
SOURCE = "mail"


def main():
    exporter = os.path.abspath(sys.argv[1])
    generator = os.path.abspath(sys.argv[2])
    seed = int(os.environ.get("MAILGAUGE_FAULTS_SEED") or random.SystemRandom().randrange(1 << 31))
    print("seed %d (MAILGAUGE_FAULTS_SEED=%d replays this run)" % (seed, seed), flush=True)
    rng = random.Random(seed)
    work = tempfile.mkdtemp(prefix="signal_rounds_", dir=os.environ.get("TEST_TMPDIR"))
    source_log = os.path.join(work, "generated.log")
    r = subprocess.run([generator, "--generate", source_log, "--lines", str(LINES),
                        "--seed", str(seed % 100000 + 1)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if r.returncode != 0:
        e2e_util.fail("generator: %s" % r.stderr.decode())
    print(r.stdout.decode().strip())
    data = open(source_log, "rb").read()
    lines = data.splitlines(keepends=True)
    n = len(lines)
    log = os.path.join(work, "mail.log")
    open(log, "wb").close()
    state = os.path.join(work, "state.json")
    interval = "%dms" % rng.randint(100, 300)
    # --log.from-beginning: a SIGKILL before the first save leaves no state
    # file, and the restart must still read the lines written before it.
    flags = ["--log.file", "%s=%s" % (SOURCE, log), "--log.from-beginning",
             "--log.year", "2026", "--log.poll-interval", "20ms",
             "--state.file", state, "--state.interval", interval]
    restarts = faults_util.Restarts([exporter] + flags, work)
    start = restarts.start

    # Burst boundaries: ROUNDS bursts of random sizes.
    cuts = sorted(rng.sample(range(1, n), ROUNDS - 1))
    bursts = [lines[a:b] for a, b in zip([0] + cuts, cuts + [n])]
    try:
        proc, port, err = start()
        with open(log, "ab", buffering=0) as out:
            for i, burst in enumerate(bursts):
                sig = rng.choice([signal.SIGHUP, signal.SIGTERM, signal.SIGKILL])
                at = rng.randrange(len(burst))  # the signal goes after this line
                print("round %d: %d lines, %s after line %d" % (
                    i + 1, len(burst), signal.Signals(sig).name, at), flush=True)
                j = 0
                while j < len(burst):
                    k = min(len(burst), j + rng.randint(1, 40))
                    if j <= at < k:
                        k = at + 1
                    chunk = b"".join(burst[j:k])
                    if rng.random() < 0.3 and len(chunk) > 1:
                        split = rng.randint(1, len(chunk) - 1)
                        out.write(chunk[:split])
                        time.sleep(rng.random() * 0.005)
                        out.write(chunk[split:])
                    else:
                        out.write(chunk)
                    if j <= at < k:
                        if proc.poll() is not None:
                            e2e_util.fail("the exporter exited by itself (%d):\n%s" % (
                                proc.returncode, open(err).read()[-3000:]))
                        proc.send_signal(sig)
                        if sig == signal.SIGHUP:
                            e2e_util.wait_for("the SIGHUP to be taken", lambda: proc.poll()
                                              is not None or "SIGHUP" in open(err).read(),
                                              stderr_path=err)
                            if proc.poll() is not None:
                                e2e_util.fail("SIGHUP stopped the exporter (%d):\n%s" % (
                                    proc.returncode, open(err).read()[-3000:]))
                        else:
                            rc = proc.wait(timeout=30)
                            want = 0 if sig == signal.SIGTERM else -signal.SIGKILL
                            if rc != want:
                                e2e_util.fail("exit %d after %s, want %d:\n%s" % (
                                    rc, signal.Signals(sig).name, want,
                                    open(err).read()[-3000:]))
                            proc, port, err = start()
                    time.sleep(rng.random() * 0.01)
                    j = k
        e2e_util.wait_for("every line read", lambda: faults_util.metrics(port).get(
            'mailgauge_log_lines_read_total{source="%s"}' % SOURCE) == n,
            timeout=30, stderr_path=err)
        text = restarts.stderr()
        if "ignoring the state file" in text:
            e2e_util.fail("a state file was not loadable:\n" + text[-3000:])
        ref_dir = os.path.join(work, "ref")
        os.mkdir(ref_dir)
        copy = os.path.join(ref_dir, "mail.log")
        shutil.copy(log, copy)
        if open(copy, "rb").read() != data:
            e2e_util.fail("the followed log is not the generated log")
        ref = faults_util.one_pass_metrics(
            exporter, ["--log.file", "%s=%s" % (SOURCE, copy)], ref_dir, n)
        count = faults_util.wait_same(lambda: faults_util.metrics(port), ref,
                                      "after %d signal rounds" % ROUNDS, stderr_path=err)
        print("ok: %d series equal the one-pass run (%d exporter runs)" % (count, restarts.runs()))

        # The state file loads and holds the end of the log.
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=30) != 0:
            e2e_util.fail("exit %d after the last SIGTERM" % proc.returncode)
        saved = faults_util.saved_source(state, log)
        if saved["offset"] != len(data):
            e2e_util.fail("saved offset %d, want the end of the log %d" % (
                saved["offset"], len(data)))
        proc, port, err = start()
        if "resuming %s at byte %d " % (log, len(data)) not in open(err).read():
            e2e_util.fail("the last state file was not loaded:\n" + open(err).read())
        faults_util.wait_same(lambda: faults_util.metrics(port), ref,
                              "after a restart from the last state", stderr_path=err)
        print("ok: the state file loads and resumes at the end of the log")
        e2e_util.stop(proc)
        print("PASS (seed %d)" % seed)
    finally:
        for p in restarts.procs:
            if p.poll() is None:
                e2e_util.stop(p)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
