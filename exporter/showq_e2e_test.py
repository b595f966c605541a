#!/usr/bin/env python3
"""The queue from Postfix's showq socket, through the real mailgauge_exporter.

A Python server on a Unix socket answers each connection with what Debian 12's
Postfix 3.7.11 sent on public/showq (exporter/testdata/showq-postfix-3.7.11.bin:
four deferred messages, one held). The exporter is started with
postfix_exporter's own flag (--postfix.showq_path SOCKET) and scraped, each
scrape a reading (its queue gauges run on civetweb's worker thread): the queue
gauges, the qshape view and postfix_exporter's showq families come from the
socket. Then the server goes away and leaves its socket file, as Postfix does
when it stops: the reading fails (mailgauge_queue_scrape_success 0, no
per-queue series) and a warning names the socket.

Usage (from the runfiles root): showq_e2e_test.py BINARY
"""
import os
import socket
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_util  # noqa: E402

ANSWER = "exporter/testdata/showq-postfix-3.7.11.bin"


class FakeShowq:
    """Answers every connection on `path` with `answer`, then closes it."""

    def __init__(self, path, answer):
        self.connections = 0
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()
        self.answer = answer

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.sendall(self.answer)

    def close(self):
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def main():
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="showq_e2e.")
    log = os.path.join(work, "mail.log")
    open(log, "w").close()
    path = os.path.join(work, "showq")
    with open(ANSWER, "rb") as f:
        showq = FakeShowq(path, f.read())

    err = os.path.join(work, "exporter.err")
    proc, port = e2e_util.start([binary, "--log.file", log, "--postfix.showq_path", path,
                                 "--queue.cache-duration", "0s"], err)
    try:
        m = e2e_util.parse(e2e_util.scrape(port)[1])
        want = {
            "mailgauge_queue_scrape_success": 1,
            'mailgauge_queue_messages{queue="deferred"}': 4,
            'mailgauge_queue_size_bytes{queue="deferred"}': 275 + 3261 + 266 + 275,
            'mailgauge_queue_messages{queue="hold"}': 1,
            'postfix_showq_queue_depth{queue="deferred"}': 4,
            'postfix_showq_message_size_bytes_count{queue="hold"}': 1,
        }
        for series, value in want.items():
            if m.get(series) != value:
                e2e_util.fail("%s: %r, want %r" % (series, m.get(series), value))
        domains = {s: v for s, v in m.items()
                   if s.startswith("mailgauge_queue_destination_messages{")}
        if sum(v for s, v in domains.items() if 'domain="remote.test"' in s) != 5 or \
                sum(v for s, v in domains.items() if 'domain="unreach.test"' in s) != 1:
            e2e_util.fail("qshape view from showq: %r" % domains)
        # Ages from the arrival times showq sends (2026-11-28 00:13:22 UTC).
        age = m['mailgauge_queue_oldest_message_age_seconds{queue="deferred"}']
        if age <= 0:
            e2e_util.fail("oldest deferred age %r: not from the arrival time" % age)
        if showq.connections < 1:
            e2e_util.fail("the exporter never connected to the socket")

        # Postfix stopped: the socket file is left, nobody listens.
        showq.close()
        e2e_util.wait_for(
            "scrape_success 0 once the socket refuses",
            lambda: e2e_util.parse(e2e_util.scrape(port)[1]).get(
                "mailgauge_queue_scrape_success") == 0, stderr_path=err)
        m = e2e_util.parse(e2e_util.scrape(port)[1])
        if 'mailgauge_queue_messages{queue="deferred"}' in m:
            e2e_util.fail("per-queue series kept after the reading failed")
        e2e_util.wait_for("a warning naming the socket",
                          lambda: path in open(err).read() and "refused" in open(err).read(),
                          stderr_path=err)
    finally:
        e2e_util.stop(proc)
    print("PASS")


if __name__ == "__main__":
    main()
