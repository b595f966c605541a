#!/usr/bin/env python3
"""End-to-end test: mailgauge_exporter scraped by a real Prometheus.

1. Starts //:mailgauge_exporter on 127.0.0.1 (port 0: it logs the port it
   chose) following a temp log file from its beginning. If the exporter has
   the queue collector (--postfix.showq-command in its --help), it reads
   the queue from dashboards/fake_postqueue_j.py (a small queue in
   `postqueue -j` format, and the flood of step 6), never from the host's spool; otherwise the
   queue expressions are expected to be empty.
2. Starts Debian's /usr/bin/prometheus on a free 127.0.0.1 port with a temp
   storage dir, scrape and evaluation intervals of 1 s, job `mailgauge`,
   the recording rules (dashboards/rules/mailgauge.yaml) and a test copy of
   the alert rules in which MailgaugeLogStalled waits 8 s instead of 1800 s
   and holds 2 s instead of 5 m, and MailgaugeDeferredQueueGrowing and
   MailgaugeRelayDeniedSurge are shortened as described in 6 and 7
   (SHORTENED; nothing else changed).
3. Appends testdata/logs/postfix_real.syslog in three bursts. Its lines
   were written on 2026-11-25 at 19:22-19:23, so the log looks stalled:
   MailgaugeLogStalled must go to firing.
4. Polls Prometheus's HTTP API: every rule is loaded and healthy, every
   recording rule whose inputs the corpus produces has a series, and every
   dashboard expression (variables resolved to regex-all) parses and
   returns at least one series, except those listed in EXPECTED_EMPTY.
5. Appends fresh lines (now's time, ISO format; some that no pattern
   understands, for the unparsed-lines panel): the alert must resolve.
   Then writes nothing: the log stalls for real and the alert must fire
   again.
6. With the queue collector: the fake queue's deferred queue starts growing
   20 messages a second (a destination down); MailgaugeDeferredQueueGrowing
   (windows of 15 s instead of 30 m, prediction 60 s ahead instead of an
   hour, held 2 s; thresholds 50 and 500 unchanged) must fire; then the
   queue drains and the alert must resolve.
7. Relay abuse: appends 120 "Relay access denied" rejects (the corpus's
   Postfix 3.7 format, fresh timestamps) over 6 s; MailgaugeRelayDeniedSurge
   (counting over 20 s instead of 10 m, held 2 s, threshold 50 unchanged)
   must fire.
8. Stops Prometheus and the exporter by PID (SIGTERM, then SIGKILL).

Skips with a message when /usr/bin/prometheus is missing (tools/install-deps.sh).

Usage (from the runfiles root): prometheus_e2e_test.py EXPORTER_BINARY
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promql_lint  # noqa: E402

LOG = "testdata/logs/postfix_real.syslog"
ALERTS = "dashboards/alerts/mailgauge.yaml"
RULES = "dashboards/rules/mailgauge.yaml"
DASHBOARD = "dashboards/grafana/mailgauge.json"
PROMETHEUS = "/usr/bin/prometheus"

STALL_SECONDS = 8

QUEUE_FAMILIES = (
    "mailgauge_queue_messages",
    "mailgauge_queue_size_bytes",
    "mailgauge_queue_oldest_message_age_seconds",
    "mailgauge_queue_scrape_success",
    "mailgauge_queue_destination_messages",
)

# Metric families the corpus (or this setup) cannot produce, and why. A
# dashboard expression or recording rule that selects one of them may
# return nothing; it must still parse.
EXPECTED_EMPTY = {
    "mailgauge_sasl_authentication_failures_total": "the corpus has no SASL authentication failure",
    "mailgauge_rbl_rejects_total": "the corpus has no DNSBL reject",
    "postfix_smtpd_connections_lost_total": "the corpus has no lost connection",
}

PROMETHEUS_YML = """\
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files:
  - %(alerts)s
  - %(rules)s
scrape_configs:
  - job_name: mailgauge
    static_configs:
      - targets: ['127.0.0.1:%(port)d']
"""

T0 = time.time()


def log(msg):
    print("[%5.1fs] %s" % (time.time() - T0, msg), flush=True)


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr, flush=True)
    raise SystemExit(1)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A child process whose stderr goes to a file; stopped by its PID."""

    def __init__(self, name, argv, work):
        self.name = name
        self.err_path = os.path.join(work, name + ".stderr")
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(self.err_path, "wb"),
                                     env=dict(os.environ, TZ="UTC"))
        log("started %s, pid %d" % (name, self.proc.pid))

    def stderr(self):
        return open(self.err_path, errors="replace").read()

    def check_alive(self):
        if self.proc.poll() is not None:
            fail("%s exited with %s:\n%s" % (self.name, self.proc.returncode, self.stderr()[-3000:]))

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        log("stopped %s (pid %d, exit %s)" % (self.name, self.proc.pid, self.proc.returncode))


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


class PromAPI:
    def __init__(self, port):
        self.base = "http://127.0.0.1:%d" % port

    def get(self, path, **params):
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            body = http_get(url)
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8")
        return json.loads(body)

    def query(self, expr):
        return self.get("/api/v1/query", query=expr)

    def alerts(self, name):
        data = self.get("/api/v1/alerts")["data"]["alerts"]
        return [a for a in data if a["labels"].get("alertname") == name]


def wait_until(what, predicate, timeout, procs, interval=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        for p in procs:
            p.check_alive()
        result = predicate()
        if result:
            log(what)
            return result
        time.sleep(interval)
    fail("timed out after %ds waiting until %s" % (timeout, what))


def rule_names(path):
    """Names of the alerts and recording rules of a rules file."""
    return re.findall(r"^\s*- (?:alert|record): (\S+)\s*$", open(path).read(), re.M)


# What the test's copy of the alert rules changes, per alert: windows and
# holds in seconds instead of minutes; thresholds unchanged unless listed.
SHORTENED = {
    "MailgaugeLogStalled": [("> 1800\n", "> %d\n" % STALL_SECONDS), ("        for: 5m\n", "        for: 2s\n")],
    "MailgaugeDeferredQueueGrowing": [("[30m]", "[15s]"), (", 3600)", ", 60)"),
                                      ("        for: 10m\n", "        for: 2s\n")],
    "MailgaugeRelayDeniedSurge": [("[10m]", "[20s]"), ("        for: 5m\n", "        for: 2s\n")],
}

# The relay-abuse scenario: Postfix 3.7's reject of a relay attempt, as in
# the corpus, from a client outside mynetworks.
RELAY_DENIED = ("postfix/smtpd[5151]: NOQUEUE: reject: RCPT from unknown[192.0.2.%d]: 554 5.7.1 "
                "<victim%d@elsewhere.test>: Relay access denied; from=<spam@outside.test> "
                "to=<victim%d@elsewhere.test> proto=ESMTP helo=<probe.outside.test>")
RELAY_ATTEMPTS = 120


def test_rules_copy(work):
    """The alert rules with the alerts of SHORTENED shortened; returns its path."""
    text = open(ALERTS).read()
    blocks = text.split("      - alert: ")
    done = set()
    for i, b in enumerate(blocks):
        name = b.split("\n", 1)[0].strip()
        for old, new in SHORTENED.get(name, []):
            if old not in b:
                fail("%s no longer contains %r: update this test" % (name, old))
            b = b.replace(old, new)
            done.add(name)
        blocks[i] = b
    if done != set(SHORTENED):
        fail("alerts not found in %s: %s" % (ALERTS, sorted(set(SHORTENED) - done)))
    path = os.path.join(work, "alerts.yaml")
    with open(path, "w") as f:
        f.write("      - alert: ".join(blocks))
    return path


def selected_expected_empty(expr):
    return sorted({n for n in promql_lint.names_in(expr) if n in EXPECTED_EMPTY})


def main():
    if len(sys.argv) != 2:
        fail("usage: prometheus_e2e_test.py EXPORTER_BINARY")
    if not os.access(PROMETHEUS, os.X_OK):
        print("SKIPPED: %s is not installed (apt-get install prometheus, or tools/install-deps.sh)" % PROMETHEUS)
        return
    exporter_bin = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="prom_e2e.", dir=os.environ.get("TEST_TMPDIR"))
    log_path = os.path.join(work, "mail.log")
    open(log_path, "w").close()
    procs = []
    try:
        argv = [exporter_bin, "--web.listen-address", "127.0.0.1:0",
                "--log.file", "postfix_real=" + log_path, "--log.from-beginning",
                "--log.year", "2026", "--log.poll-interval", "50ms"]
        help_text = subprocess.run([exporter_bin, "--help"], capture_output=True, text=True).stdout
        queue_state = os.path.join(work, "queue")
        os.mkdir(queue_state)
        has_queue = "--postfix.showq-command" in help_text
        if has_queue:
            fake = os.path.abspath("dashboards/fake_postqueue_j.py")
            argv += ["--postfix.showq-command", "%s %s --growing %s" % (sys.executable, fake, queue_state),
                     "--queue.cache-duration", "0s"]
            log("queue read from %s" % fake)
        else:
            for name in QUEUE_FAMILIES:
                EXPECTED_EMPTY[name] = "this exporter has no queue collector yet"
            log("the exporter has no queue collector: queue expressions may be empty")
        exporter = Process("exporter", argv, work)
        procs.append(exporter)
        m = wait_until("exporter listening", lambda: re.search(r"listening on 127\.0\.0\.1:(\d+)", exporter.stderr()),
                       20, procs, 0.05)
        exporter_port = int(m.group(1))

        alerts_path = test_rules_copy(work)
        rules_path = os.path.abspath(RULES)
        prom_port = free_port()
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(PROMETHEUS_YML % {"alerts": alerts_path, "rules": rules_path, "port": exporter_port})
        prom = Process("prometheus", [
            PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(work, "data"),
            "--web.listen-address=127.0.0.1:%d" % prom_port, "--log.level=warn"], work)
        procs.append(prom)
        api = PromAPI(prom_port)

        def ready():
            try:
                http_get(api.base + "/-/ready", timeout=1)
                return True
            except OSError:
                return False
        wait_until("prometheus ready on 127.0.0.1:%d" % prom_port, ready, 30, procs)

        # Rules loaded and healthy.
        groups = api.get("/api/v1/rules")["data"]["groups"]
        loaded = {r["name"] for g in groups for r in g["rules"]}
        want = set(rule_names(alerts_path) + rule_names(rules_path))
        if len(want) < 20:
            fail("only %d rules found in %s and %s" % (len(want), alerts_path, rules_path))
        if want - loaded:
            fail("rules not loaded by Prometheus: %s" % sorted(want - loaded))
        log("prometheus loaded all %d rules" % len(want))

        wait_until("first scrape of the exporter",
                   lambda: api.query('up{job="mailgauge"} == 1')["data"]["result"], 20, procs)

        # The corpus, in three bursts so that rates move.
        lines = open(LOG, encoding="utf-8").read().splitlines(keepends=True)
        third = len(lines) // 3
        for i, chunk in enumerate((lines[:third], lines[third:2 * third], lines[2 * third:])):
            with open(log_path, "a", encoding="utf-8") as f:
                f.writelines(chunk)
            log("appended burst %d (%d lines)" % (i + 1, len(chunk)))
            time.sleep(1.5)
        wait_until("Prometheus has all %d corpus lines" % len(lines),
                   lambda: [r for r in api.query('mailgauge_log_lines_read_total{job="mailgauge"}')["data"]["result"]
                            if float(r["value"][1]) == len(lines)], 20, procs)

        # The corpus is old: the log looks stalled.
        wait_until("MailgaugeLogStalled firing on the old corpus",
                   lambda: [a for a in api.alerts("MailgaugeLogStalled") if a["state"] == "firing"], 20, procs)

        # Recording rules whose inputs exist have series; all are healthy.
        def recording_rules_ok():
            missing = []
            for g in api.get("/api/v1/rules")["data"]["groups"]:
                for r in g["rules"]:
                    if r.get("health") != "ok":
                        fail("rule %s health %s: %s" % (r["name"], r.get("health"), r.get("lastError")))
                    if r["type"] != "recording" or selected_expected_empty(r["query"]):
                        continue
                    if not api.query(r["name"])["data"]["result"]:
                        missing.append(r["name"])
            return not missing or None
        wait_until("every recording rule with corpus inputs has a series", recording_rules_ok, 20, procs)

        # Fresh lines, a few of them not understood by any pattern: the
        # stall resolves.
        def fresh(text):
            return "%s vm %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()), text)
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(fresh("postfix/smtpd[4242]: connect from localhost[127.0.0.1]"))
            for k in range(3):
                f.write(fresh("postfix/smtpd[4242]: mailgauge e2e: a line no pattern knows %d" % k))
            f.write(fresh("postfix/smtpd[4242]: disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2"))
        log("appended 5 fresh lines (3 not understood)")
        wait_until("MailgaugeLogStalled resolved after fresh lines",
                   lambda: not [a for a in api.alerts("MailgaugeLogStalled") if a["state"] == "firing"],
                   STALL_SECONDS, procs)

        # Every dashboard expression parses and, unless expected empty,
        # returns data.
        d = json.load(open(DASHBOARD, encoding="utf-8"))
        exprs = [(w, promql_lint.resolve(e)) for w, e in promql_lint.dashboard_exprs(d)]
        state = {}

        def dashboard_ok():
            pending = []
            for where, e in exprs:
                if state.get(where) == "data":
                    continue
                r = api.query(e)
                if r.get("status") != "success":
                    fail("%s does not run: %s\n  %s" % (where, r.get("error"), e))
                if r["data"]["result"]:
                    state[where] = "data"
                else:
                    state[where] = "empty"
                    if not selected_expected_empty(e):
                        pending.append(where)
            dashboard_ok.pending = pending
            return not pending
        deadline = time.time() + 20
        while not dashboard_ok():
            if time.time() > deadline:
                fail("dashboard expressions with no data:\n  " + "\n  ".join(
                    "%s: %s" % (w, e) for w, e in exprs if w in dashboard_ok.pending))
            time.sleep(0.5)
        with_data = [w for w, _ in exprs if state[w] == "data"]
        empty = [(w, e) for w, e in exprs if state[w] == "empty"]
        log("all %d dashboard expressions parse; %d return data" % (len(exprs), len(with_data)))
        for w, e in empty:
            reasons = sorted({EXPECTED_EMPTY[n] for n in selected_expected_empty(e)})
            log("  expected empty: %s (%s)" % (w, "; ".join(reasons)))
        for w, e in exprs:
            if state[w] == "data" and selected_expected_empty(e) and \
               all(n in EXPECTED_EMPTY for n in promql_lint.names_in(e)):
                log("  note: %s returned data although listed as expected empty" % w)

        # Nothing more is written: the log stalls for real.
        wait_until("MailgaugeLogStalled firing again after %d s without a line" % STALL_SECONDS,
                   lambda: [a for a in api.alerts("MailgaugeLogStalled") if a["state"] == "firing"],
                   STALL_SECONDS + 15, procs)

        # The deferred queue grows (a destination is down), then drains.
        if has_queue:
            def growing_firing():
                return [a for a in api.alerts("MailgaugeDeferredQueueGrowing")
                        if a["state"] == "firing" and a["labels"].get("queue") == "deferred"]
            if growing_firing():
                fail("MailgaugeDeferredQueueGrowing fires before the queue grows")
            with open(os.path.join(queue_state, "start"), "w") as f:
                f.write(repr(time.time()))
            log("flood.example is down: the deferred queue grows 20 messages a second")
            wait_until("MailgaugeDeferredQueueGrowing firing", growing_firing, 30, procs)
            depth = api.query('mailgauge_queue_messages{job="mailgauge",queue="deferred"}')["data"]["result"]
            log("deferred queue: %s messages" % (depth[0]["value"][1] if depth else "?"))
            with open(os.path.join(queue_state, "stop"), "w") as f:
                f.write(repr(time.time()))
            log("flood.example is back: the deferred queue drains")
            wait_until("MailgaugeDeferredQueueGrowing resolved", lambda: not growing_firing(), 30, procs)
        else:
            log("no queue collector: MailgaugeDeferredQueueGrowing not exercised")

        # Relay abuse: 120 relay attempts over 6 seconds (the copy of
        # MailgaugeRelayDeniedSurge counts over 20 s, threshold 50 unchanged).
        def relay_firing():
            return [a for a in api.alerts("MailgaugeRelayDeniedSurge") if a["state"] == "firing"]
        if relay_firing():
            fail("MailgaugeRelayDeniedSurge fires before the relay attempts")
        for burst in range(6):
            with open(log_path, "a", encoding="utf-8") as f:
                for k in range(RELAY_ATTEMPTS // 6):
                    n = burst * (RELAY_ATTEMPTS // 6) + k
                    f.write(fresh(RELAY_DENIED % (n % 250 + 1, n, n)))
            time.sleep(1)
        log("appended %d relay attempts" % RELAY_ATTEMPTS)
        firing = wait_until("MailgaugeRelayDeniedSurge firing", relay_firing, 20, procs)
        log("relay-denied surge: %s" % firing[0]["annotations"]["description"])
        firing = [a["labels"]["alertname"] for a in api.get("/api/v1/alerts")["data"]["alerts"]
                  if a["state"] == "firing"]
        log("firing now: %s" % sorted(set(firing)))
        print("PASS")
    finally:
        for p in reversed(procs):
            p.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
