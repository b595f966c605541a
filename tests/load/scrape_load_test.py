"""Hostile load at the exporter's HTTP endpoint while the log streams.

    python3 tests/load/scrape_load_test.py BINARY [--scrapes N] [--figures FILE]

Starts the real mailgauge_exporter on a log file that a thread keeps
appending real Postfix lines to, then:
  1. holds slow clients open: some send half a request and stop, some send a
     request and never read the reply (tiny receive buffer);
  2. opens N (default 10,000) scrape connections at once and checks every
     reply is a 200 with a well-formed text exposition;
  3. sends a request whose path, and one whose header, is far too long, and
     checks they are refused while the server keeps serving;
  4. checks the exporter's peak RSS stays bounded and does not climb with the
     number of scrapes.
Prints scrapes/s, p50/p99 latency and peak RSS (the figures recorded in
docs/benchmarks.md). Exit status 0 when every check holds.
"""
import argparse
import asyncio
import os
import re
import resource
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "exporter"))
import e2e_util  # noqa: E402

# One exposition line: a sample `name{labels} value` (value may be NaN/+Inf).
SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?'
    r' (-?[0-9.eE+-]+|[Nn]a[Nn]|[+-]Inf)( -?[0-9]+)?$')
COMMENT = re.compile(r"^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*$")


def exposition_problem(body):
    """None when `body` is a well-formed text exposition, else why not."""
    if not body.endswith("\n"):
        return "does not end with a newline"
    samples = 0
    for line in body.splitlines():
        if line.startswith("#"):
            if not COMMENT.match(line):
                return "bad comment line: %r" % line[:200]
        elif not SAMPLE.match(line):
            return "bad sample line: %r" % line[:200]
        else:
            samples += 1
    if samples < 10:
        return "only %d samples" % samples
    return None


def rss_kib(pid, field="VmRSS"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class LogWriter(threading.Thread):
    """Appends the real corpus's lines to `path`, a batch every 20 ms."""

    def __init__(self, path, corpus):
        super().__init__(daemon=True)
        self.path = path
        with open(corpus, "rb") as f:
            self.lines = f.read().splitlines(keepends=True)
        self.stop = threading.Event()
        self.written = 0

    def run(self):
        i = 0
        with open(self.path, "ab", buffering=0) as f:
            while not self.stop.is_set():
                batch = b"".join(self.lines[(i + k) % len(self.lines)] for k in range(50))
                f.write(batch)
                i += 50
                self.written += 50
                time.sleep(0.02)


async def scrape(port, timeout):
    """(status, body, seconds) of one GET /metrics, or raises."""
    start = time.monotonic()
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port), timeout)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), timeout)
    writer.close()
    elapsed = time.monotonic() - start
    head, _, body = data.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    status = int(status_line.split()[1]) if len(status_line.split()) > 1 else 0
    if b"transfer-encoding: chunked" in head.lower():
        body = dechunk(body)
    return status, body.decode("utf-8", "replace"), elapsed


def dechunk(body):
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2:]
    return out


async def burst(port, n, timeout):
    """Starts `n` scrapes at once; returns (latencies, failures)."""
    results = await asyncio.gather(*(scrape(port, timeout) for _ in range(n)),
                                   return_exceptions=True)
    latencies, failures = [], []
    for r in results:
        if isinstance(r, BaseException):
            failures.append("%s: %s" % (type(r).__name__, r))
            continue
        status, body, elapsed = r
        if status != 200:
            failures.append("status %d after %.1f s (%d body bytes)" % (status, elapsed, len(body)))
            continue
        problem = exposition_problem(body)
        if problem:
            failures.append(problem)
            continue
        latencies.append(elapsed)
    return latencies, failures


def raw_request(port, request, timeout=10):
    """The status code the server answers `request` with (0: it closed the
    connection without an HTTP reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    break
        except (ConnectionResetError, socket.timeout):
            pass
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else 0


def slow_clients(port, half_requests, never_reading):
    """Opens sockets that hold the server: half-sent requests, and complete
    requests whose replies are never read. Returns them (close to release)."""
    socks = []
    for _ in range(half_requests):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        socks.append(s)
    for _ in range(never_reading):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.connect(("127.0.0.1", port))
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        socks.append(s)
    return socks


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--corpus", default="testdata/logs/postfix_real.syslog")
    ap.add_argument("--scrapes", type=int, default=10000)
    ap.add_argument("--slow", type=int, default=6,
                    help="slow clients of each kind held open during the test")
    ap.add_argument("--figures", help="also write the figures to this file")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, args.scrapes + 1024)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    concurrency = min(args.scrapes, want - 512)

    # Under AddressSanitizer (CI's build) freed memory waits in a quarantine
    # of up to 256 MiB to catch use-after-free, and 10,000 scrapes free a lot:
    # the exporter's peak RSS then reached 500 MiB. A 16 MiB quarantine keeps
    # the detection and lets the same bound hold (163 MiB peak measured). The
    # option is read only by an ASan-instrumented exporter.
    os.environ["ASAN_OPTIONS"] = ":".join(
        o for o in (os.environ.get("ASAN_OPTIONS", ""),
                    "quarantine_size_mb=16:thread_local_quarantine_size_kb=256") if o)

    tmp = tempfile.mkdtemp(prefix="scrape_load_")
    log = os.path.join(tmp, "mail.log")
    open(log, "wb").close()
    proc, port = e2e_util.start(
        [args.binary, "--log.file", log, "--log.poll-interval", "50ms"],
        os.path.join(tmp, "exporter.stderr"))
    writer = LogWriter(log, args.corpus)
    writer.start()
    failures = []
    try:
        time.sleep(0.5)
        baseline_kib = rss_kib(proc.pid)

        # Slow clients first: they must not stop anyone else being served.
        held = slow_clients(port, half_requests=args.slow, never_reading=args.slow)
        t0 = time.monotonic()
        status, body = e2e_util.scrape(port)
        if status != 200 or exposition_problem(body):
            failures.append("a scrape beside %d slow clients failed" % (2 * args.slow))
        beside_slow = time.monotonic() - t0
        if beside_slow > 5:
            failures.append("a scrape beside %d slow clients took %.1f s" % (2 * args.slow, beside_slow))

        # Warm-up burst, then the big one; RSS sampled between them.
        lat1, fail1 = asyncio.run(burst(port, min(1000, args.scrapes), 60))
        after_warmup_kib = rss_kib(proc.pid)
        t0 = time.monotonic()
        done = 0
        latencies = []
        while done < args.scrapes:
            n = min(concurrency, args.scrapes - done)
            lat, fail = asyncio.run(burst(port, n, 120))
            latencies += lat
            failures += fail[:5]
            if fail:
                failures.append("%d of %d scrapes failed" % (len(fail), n))
            done += n
        wall = time.monotonic() - t0
        failures += fail1[:5]
        end_kib = rss_kib(proc.pid)
        peak_kib = rss_kib(proc.pid, "VmHWM")

        for s in held:
            s.close()

        # Oversized requests are refused; the server still serves afterwards.
        long_path = b"GET /" + b"a" * 200000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
        code = raw_request(port, long_path)
        if code == 200:
            failures.append("a 200 kB request path was answered 200")
        long_header = (b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 200000 +
                       b"\r\n\r\n")
        code2 = raw_request(port, long_header)
        if code2 == 200:
            failures.append("a 200 kB header was answered 200")
        status, body = e2e_util.scrape(port)
        if status != 200 or exposition_problem(body):
            failures.append("no good scrape after the oversized requests")

        if proc.poll() is not None:
            failures.append("the exporter exited (status %s)" % proc.returncode)
        # Memory: bounded, and not growing with the number of scrapes.
        if peak_kib > 256 * 1024:
            failures.append("peak RSS %d MiB over 256 MiB" % (peak_kib // 1024))
        if end_kib > after_warmup_kib + 64 * 1024:
            failures.append("RSS grew from %d to %d KiB over %d scrapes" %
                            (after_warmup_kib, end_kib, args.scrapes))

        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0
        figures = ("scrapes: %d in %.2f s (%d at once), %.0f scrapes/s, latency p50 %.1f ms "
                   "p99 %.1f ms, exporter RSS %d MiB before, %d MiB peak, log lines appended %d, "
                   "oversized path -> %d, oversized header -> %d" %
                   (args.scrapes, wall, concurrency, args.scrapes / wall, p(0.5) * 1000,
                    p(0.99) * 1000, baseline_kib // 1024, peak_kib // 1024,
                    writer.written, code, code2))
        print(figures)
        if args.figures:
            with open(args.figures, "w") as f:
                f.write(figures + "\n")
    finally:
        writer.stop.set()
        e2e_util.stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)

    if failures:
        for f in failures[:20]:
            print("FAIL: " + f, file=sys.stderr)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
