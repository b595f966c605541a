#!/usr/bin/env python3
"""mailgauge_exporter with --web.config.file, and the queue from postqueue -j.

Makes a self-signed certificate for 127.0.0.1 with the openssl CLI and a
bcrypt hash with libcrypt (Python's crypt module), starts the real binary on
127.0.0.1 (port 0) and checks over HTTPS, with the certificate as the only
trusted CA: no credentials -> 401 with WWW-Authenticate, wrong password ->
401, unknown user -> 401, right credentials -> 200 with the metrics, the
landing page also needs auth, plain HTTP on the port gets no HTTP answer.
The metrics include the queue read from a fake `postqueue -j` script.
Then checks that a bad web config stops the start with the file and line.

Usage (from the runfiles root): exporter_web_test.py BINARY
"""

import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def find_binary(name):
    for root, _, files in os.walk("."):
        if name in files and os.access(os.path.join(root, name), os.X_OK):
            return os.path.join(root, name)
    fail("no %s in runfiles" % name)


def get(url, ctx, auth=None):
    req = urllib.request.Request(url)
    if auth is not None:
        req.add_header("Authorization",
                       "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def main():
    binary = os.path.abspath(find_binary(sys.argv[1]))
    work = tempfile.mkdtemp(dir=os.environ.get("TEST_TMPDIR"))
    proc = None
    try:
        cert = os.path.join(work, "tls.crt")
        key = os.path.join(work, "tls.key")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
             "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        hashed = crypt.crypt("correct horse",
                             crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 5))
        if not hashed.startswith("$2"):
            fail("libcrypt made no bcrypt hash: %r" % hashed)
        config = os.path.join(work, "web.yml")
        with open(config, "w") as f:
            f.write("# test config\ntls_server_config:\n  cert_file: tls.crt\n"
                    "  key_file: %s\nbasic_auth_users:\n  prometheus: '%s'\n" % (key, hashed))
        now = int(time.time())
        postqueue = os.path.join(work, "postqueue")
        with open(postqueue, "w") as f:
            f.write("#!/bin/sh\ncat <<'END'\n")
            f.write('{"queue_name": "deferred", "queue_id": "4B5C61234", "arrival_time": %d, '
                    '"message_size": 2048, "forced_expire": false, "sender": "a@example.org", '
                    '"recipients": [{"address": "bob@example.com", "delay_reason": '
                    '"connect to mx.example.com[192.0.2.1]:25: Connection refused"}]}\n'
                    % (now - 3 * 3600))
            f.write('{"queue_name": "active", "queue_id": "9F00ABCDE", "arrival_time": %d, '
                    '"message_size": 100, "forced_expire": false, "sender": "", '
                    '"recipients": [{"address": "carol@example.net"}]}\n' % (now - 60))
            f.write("END\n")
        os.chmod(postqueue, 0o755)
        log = os.path.join(work, "mail.log")
        open(log, "w").close()

        stderr_path = os.path.join(work, "stderr")
        proc = subprocess.Popen(
            [binary, "--web.listen-address", "127.0.0.1:0", "--log.file", log,
             "--web.config.file", config, "--postfix.showq-command", postqueue + " -j",
             "--abuse.sender-recipients", "3", "--log.poll-interval", "20ms"],
            stdout=subprocess.DEVNULL, stderr=open(stderr_path, "wb"))
        port = None
        deadline = time.time() + 20
        while port is None and time.time() < deadline:
            if proc.poll() is not None:
                fail("exporter exited early: " + open(stderr_path).read())
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", open(stderr_path).read())
            if m:
                port = int(m.group(1))
            else:
                time.sleep(0.05)
        if port is None:
            fail("no 'listening on' line: " + open(stderr_path).read())
        if "(HTTPS) with basic auth" not in open(stderr_path).read():
            fail("no HTTPS/basic auth in the start message: " + open(stderr_path).read())

        ctx = ssl.create_default_context(cafile=cert)
        url = "https://127.0.0.1:%d/metrics" % port
        status, headers, _ = get(url, ctx)
        if status != 401:
            fail("no credentials: got %d, want 401" % status)
        if not headers.get("WWW-Authenticate", "").startswith("Basic realm="):
            fail("401 without WWW-Authenticate: %r" % headers)
        for wrong in ("prometheus:correct hors", "prometheus:", "nobody:correct horse"):
            status, _, _ = get(url, ctx, wrong)
            if status != 401:
                fail("%r: got %d, want 401" % (wrong, status))
        status, _, _ = get("https://127.0.0.1:%d/" % port, ctx)
        if status != 401:
            fail("landing page without credentials: got %d, want 401" % status)
        status, _, body = get(url, ctx, "prometheus:correct horse")
        if status != 200:
            fail("right credentials: got %d, want 200" % status)
        want = [
            "mailgauge_queue_scrape_success 1",
            'mailgauge_queue_messages{queue="deferred"} 1',
            'mailgauge_queue_messages{queue="active"} 1',
            'mailgauge_queue_size_bytes{queue="deferred"} 2048',
            'mailgauge_queue_destination_messages{age="320m",domain="example.com",queue="deferred"} 1',
            'mailgauge_queue_destination_messages{age="5m",domain="example.net",queue="active"} 1',
            "mailgauge_log_lines_read_total",
            # postfix_exporter's showq families from the same reading.
            'postfix_showq_queue_depth{queue="deferred"} 1',
            'postfix_showq_queue_depth{queue="hold"} 0',
            'postfix_showq_message_size_bytes_bucket{queue="deferred",le="1000"} 0',
            'postfix_showq_message_size_bytes_bucket{queue="deferred",le="10000"} 1',
            'postfix_showq_message_size_bytes_sum{queue="deferred"} 2048',
            'postfix_showq_message_age_seconds_bucket{queue="deferred",le="10000"} 0',
            'postfix_showq_message_age_seconds_bucket{queue="deferred",le="100000"} 1',
            'postfix_showq_message_age_seconds_count{queue="active"} 1',
        ]
        for w in want:
            if w not in body:
                fail("metrics lack %r:\n%s" % (w, body))
        m = re.search(r'mailgauge_queue_oldest_message_age_seconds\{queue="deferred"\} (\S+)', body)
        if not m or abs(float(m.group(1)) - 3 * 3600) > 30:
            fail("oldest deferred age: %s" % (m and m.group(1)))
        status, _, body = get("https://127.0.0.1:%d/" % port, ctx, "prometheus:correct horse")
        if status != 200 or "/metrics" not in body or "/senders" not in body:
            fail("landing page with credentials: %d" % status)

        # An authenticated sender to 4 distinct recipients (threshold 3): a
        # count and a rank in the metrics, the name only on /senders.
        with open(log, "a") as f:
            f.write("Nov 25 10:00:00 mx postfix/smtpd[1]: 1A2B3C4D5E: client=c.example"
                    "[192.0.2.1], sasl_method=PLAIN, sasl_username=mallory\n")
            for i in range(4):
                f.write("Nov 25 10:00:01 mx postfix/smtp[2]: 1A2B3C4D5E: to=<v%d@victim.test>, "
                        "relay=mx.victim.test[198.51.100.1]:25, delay=1, "
                        "delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n" % i)
        senders = "https://127.0.0.1:%d/senders" % port
        status, _, _ = get(senders, ctx)
        if status != 401:
            fail("/senders without credentials: got %d, want 401" % status)
        deadline = time.time() + 20
        while True:
            status, headers, body = get(senders, ctx, "prometheus:correct horse")
            if status == 200 and "mallory" in body:
                break
            if time.time() > deadline:
                fail("/senders never named the sender: %d %r" % (status, body))
            time.sleep(0.1)
        page = json.loads(body)
        if page["senders_over_threshold"] != [{"source": log, "rank": 1, "sasl_username": "mallory",
                                               "distinct_recipients": 4}] or \
                page["threshold"] != 3 or page["window_seconds"] != 3600:
            fail("/senders: %r" % page)
        if not headers.get("Content-Type", "").startswith("application/json"):
            fail("/senders content type: %r" % headers)
        status, _, body = get(url, ctx, "prometheus:correct horse")
        for w in ('mailgauge_sasl_senders_over_threshold{source="%s"} 1' % log,
                  'mailgauge_sasl_sender_top_recipients{rank="1",source="%s"} 4' % log):
            if w not in body:
                fail("metrics lack %r" % w)
        if "mallory" in body:
            fail("a SASL user name became a label value")

        # Plain HTTP on the TLS port: no HTTP response.
        try:
            status, _, _ = get("http://127.0.0.1:%d/metrics" % port, None,
                               "prometheus:correct horse")
            fail("plain HTTP got an HTTP answer %d" % status)
        except (urllib.error.URLError, ConnectionError, OSError,
                __import__("http.client").client.HTTPException):
            pass
        # An untrusting client fails the handshake (the server does speak TLS).
        try:
            get(url, ssl.create_default_context(), "prometheus:correct horse")
            fail("a client without the certificate trusted got through")
        except urllib.error.URLError as e:
            if not isinstance(e.reason, ssl.SSLCertVerificationError):
                fail("unexpected error without trust: %r" % e)

        # civetweb's internal loopback port (behind the TLS relay) answers
        # plain HTTP from anyone else with 403, credentials or not.
        inodes = set()
        for fd in os.listdir("/proc/%d/fd" % proc.pid):
            try:
                link = os.readlink("/proc/%d/fd/%s" % (proc.pid, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        internal = []
        for row in open("/proc/net/tcp").read().splitlines()[1:]:
            f = row.split()
            if f[3] == "0A" and f[9] in inodes:
                p = int(f[1].split(":")[1], 16)
                if p != port:
                    internal.append(p)
        if len(internal) != 1:
            fail("expected one internal listening port, found %r" % internal)
        status, _, body = get("http://127.0.0.1:%d/metrics" % internal[0], None,
                              "prometheus:correct horse")
        if status != 403 or "mailgauge_" in body:
            fail("internal port answered a direct request with %d" % status)

        os.kill(proc.pid, signal.SIGTERM)
        if proc.wait(timeout=20) != 0:
            fail("exporter exited with %d after SIGTERM" % proc.returncode)
        proc = None

        # A bad config: exit 1 naming the file and the line.
        with open(config, "w") as f:
            f.write("tls_server_config:\n  cert_file: tls.crt\n  min_version: TLS13\n")
        r = subprocess.run([binary, "--web.listen-address", "127.0.0.1:0", "--log.file", log,
                            "--web.config.file", config],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
        err = r.stderr.decode()
        if r.returncode != 1 or (config + ":3:") not in err:
            fail("bad config: exit %d, stderr %r" % (r.returncode, err))
        print("PASS")
    finally:
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
