"""Shared pieces of the exporter's end-to-end tests: start the real binary on
a kernel-chosen loopback port, read its exposition, fail with a message.

    import e2e_util
    proc, port = e2e_util.start([binary, "--log.file", path], stderr_path)
    series = e2e_util.parse(e2e_util.scrape(port)[1])
"""
import os
import re
import subprocess
import sys
import time
import urllib.request


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def parse(text):
    """{series: value} of an exposition, without comments."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        out[series] = float(value)
    return out


def wait_for(what, pred, timeout=10, stderr_path=None):
    """Polls `pred` every 50 ms; fails naming `what` (and showing the end of
    the exporter's stderr, when given) if it is not true within `timeout` s."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.05)
    said = "; exporter said:\n" + open(stderr_path).read()[-2000:] if stderr_path else ""
    fail("timed out waiting for " + what + said)


def stop(proc, timeout=10):
    """SIGTERM, then SIGKILL if `proc` has not exited within `timeout` s."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def scrape(port, path="/metrics"):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=10) as r:
        return r.status, r.read().decode("utf-8")


def start(argv, stderr_path, timeout=20):
    """Starts `argv` (the exporter with --web.listen-address 127.0.0.1:0 added)
    with TZ=UTC and stderr to `stderr_path`; returns (process, port) once it
    has logged the port it listens on."""
    proc = subprocess.Popen(
        [argv[0], "--web.listen-address", "127.0.0.1:0"] + list(argv[1:]),
        stdout=subprocess.DEVNULL, stderr=open(stderr_path, "wb"),
        env=dict(os.environ, TZ="UTC"))
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = open(stderr_path).read()
        if proc.poll() is not None:
            fail("exporter exited early: " + text)
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", text)
        if m:
            return proc, int(m.group(1))
        time.sleep(0.05)
    fail("no 'listening on' line: " + open(stderr_path).read())
