#!/usr/bin/env python3
"""End-to-end test: refmta's traffic, mailgauge_exporter and a real Prometheus.

Everything listens on 127.0.0.1 and is stopped by PID at the end.

1. Starts the reference MTA: `refmta peer` (the relay host, driven by a
   rules file) and `refmta serve` with refmta/examples' configuration,
   relaying to that peer and retrying deferred mail after 3-6 s.
2. Starts two exporters (//:mailgauge_exporter), as two hosts would:
   - A, scraped as 127.0.0.1:PORT: follows refmta's log (`refmta=`) and a
     second log (`corpus=`, below), and reads the queue from refmta's
     spool directories (--postfix.queue-dir);
   - B, scraped as localhost:PORT: follows refmta's log and reads the queue
     with `refmta postqueue -j` (--postfix.showq-command), the mode that
     gives the qshape view (mailgauge_queue_destination_messages).
   The dashboard's $host variable sees two hosts, 127.0.0.1 and localhost.
3. Starts Debian's /usr/bin/prometheus on a free loopback port with the recording rules
   (dashboards/rules/mailgauge.yaml) and a copy of the alert rules written
   by dashboards/alert_overrides.py (OVERRIDES: shorter windows and holds,
   one threshold; every other number and every expression as shipped).
   Scrapes every 2 s, rules evaluated every second.
4. Traffic: dashboards/testdata/dashboard-mix.scenario (refmta's
   mixed-soak without its forwarding alias: a little of everything);
   testdata/logs/postfix_real.syslog appended to the corpus log (its lines
   are a year-less 2026-11-25 19:22: MailgaugeLogStalled fires for it);
   then what refmta cannot make, appended with fresh time stamps in
   Postfix 3.7's formats (SASL authentication failures, DNSBL rejects,
   SASL-authenticated submissions, lines no pattern knows, verbose
   logging) and an SMTP client that drops refmta's connection after EHLO
   (lost connection).
   The fresh lines resolve MailgaugeLogStalled.
5. Every recording rule has a series. Every dashboard query (panel targets
   and variable selectors), its variables resolved as Grafana does
   (grafana_vars.py: label_values through /api/v1/series, the host regex,
   regex-escaped multi-values, $__rate_interval from the 1 s scrape
   interval), parses and returns at least one series; nothing is excused.
   With $host set to localhost the targets narrow to exporter B.
6. Remote outage: dashboards/testdata/remote-outage-long.scenario (the
   relay host refuses, then drops connections, for about 25 s while
   outbound mail arrives; then it is back). MailgaugeDeferredQueueGrowing
   must fire for exporter A's spool-based deferred queue, then resolve as
   the queue drains. MailgaugeLogStalled has by then fired again for the
   corpus log, written to no more.
7. Relay abuse: refmta/scenarios/relay-abuse.scenario (clients outside
   mynetworks relaying to foreign domains: about 70 "Relay access denied").
   MailgaugeRelayDeniedSurge (threshold 50 in 10 minutes, as shipped; held
   2 s instead of 5 m) must fire.
8. Password guessing and a compromised account, as log lines (refmta has
   no AUTH): 40 SASL authentication failures and 40 complete messages to 4
   recipients each submitted by one SASL user; MailgaugeSASLBruteForce (30
   in 10 minutes) and MailgaugeAuthenticatedSendBurst (one sender's
   distinct recipients over 100, mailgauge_sasl_sender_top_recipients)
   must fire.
9. The traffic also sets off MailgaugeUnparsedLinesHigh and
   MailgaugeVerboseLoggingOn for the corpus log and not for refmta's
   (checked after step 4), MailgaugeDeferralRatioHigh
   (the outage) and, during the outage, MailgaugeQueueMessageTooOld
   (deferred threshold 10 s instead of a day) for exporter B, which reads
   arrival times with postqueue -j. Then exporter B is stopped and
   MailgaugeExporterDown must fire for it, not for A.

About 70 s. Prints SKIPPED when /usr/bin/prometheus is missing
(tools/install-deps.sh installs it).

Usage (from the runfiles root): prometheus_e2e_test.py EXPORTER REFMTA
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
import urllib.error
import urllib.parse
import urllib.request


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import alert_overrides  # noqa: E402
import grafana_vars  # noqa: E402
import promql_lint  # noqa: E402

CORPUS = "testdata/logs/postfix_real.syslog"
ALERTS = "dashboards/alerts/mailgauge.yaml"
RULES = "dashboards/rules/mailgauge.yaml"
DASHBOARD = "dashboards/grafana/mailgauge.json"
REFMTA_CONFIG = "refmta/examples"
MIXED = "dashboards/testdata/dashboard-mix.scenario"
OUTAGE = "dashboards/testdata/remote-outage-long.scenario"
RELAY_ABUSE = "refmta/scenarios/relay-abuse.scenario"
PROMETHEUS = "/usr/bin/prometheus"

STALL_SECONDS = 8
# Scrapes every 2 s with a 1.9 s timeout: exporter B runs `refmta postqueue
# -j` at each scrape, which on a loaded 2-core CI machine can take more
# than a second. Rules are evaluated every second.
SCRAPE_SECONDS = 2

# What the test's copy of the alert rules changes (alert_overrides.py):
# windows and holds in seconds instead of minutes; the stall threshold in
# seconds. Every other number (queue depth 50, prediction 500 in 3600 s,
# 50 relay-denied rejects) is the shipped one.
OVERRIDES = {
    "MailgaugeLogStalled": {"for": "2s", "number": {"1800": str(STALL_SECONDS)}},
    "MailgaugeDeferredQueueGrowing": {"for": "2s", "window": {"30m": "20s"}},
    "MailgaugeRelayDeniedSurge": {"for": "2s"},
    "MailgaugeSASLBruteForce": {"for": "2s"},
    "MailgaugeAuthenticatedSendBurst": {"for": "2s"},
    "MailgaugeDeferralRatioHigh": {"for": "2s"},
    "MailgaugeUnparsedLinesHigh": {"for": "2s"},
    "MailgaugeVerboseLoggingOn": {"for": "2s"},
    "MailgaugeQueueMessageTooOld": {"for": "2s", "number": {"86400": "10"}},
    "MailgaugeExporterDown": {"for": "2s"},
}

PROMETHEUS_YML = """\
global:
  scrape_interval: %(scrape)ds
  scrape_timeout: %(scrape_timeout)dms
  evaluation_interval: 1s
rule_files:
  - %(alerts)s
  - %(rules)s
scrape_configs:
  - job_name: mailgauge
    static_configs:
      - targets: ['127.0.0.1:%(port_a)d', 'localhost:%(port_b)d']
"""

# Postfix 3.7 lines refmta cannot make (it has no AUTH and no DNSBL), in
# the formats of the parsers' sample tables; %(n)d varies the client.
EXTRA_LINES = [
    "postfix/submission/smtpd[4301]: warning: unknown[192.0.2.%(n)d]: SASL LOGIN authentication failed: authentication failure",
    "postfix/smtpd[4302]: NOQUEUE: reject: RCPT from unknown[198.51.100.%(n)d]: 554 5.7.1 Service unavailable; "
    "Client host [198.51.100.%(n)d] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.%(n)d; "
    "from=<a%(n)d@example.net> to=<b@example.com> proto=ESMTP helo=<x%(n)d.example.net>",
    "postfix/submission/smtpd[4303]: 4F%(n)08X: client=unknown[203.0.113.5], sasl_method=PLAIN, sasl_username=carol",
    "postfix/smtpd[4304]: mailgauge e2e: a line no pattern knows %(n)d",
    # Verbose logging (debug_peer_list): MailgaugeVerboseLoggingOn.
    "postfix/smtpd[4305]: < unknown[192.0.2.%(n)d]: EHLO x%(n)d.example.net",
]
EXTRA_ROUNDS = 6

# A compromised account: complete messages submitted with SASL, each to
# BURST_RCPTS recipients, as Postfix 3.7 logs them.
BURST_MESSAGE = [
    "postfix/submission/smtpd[4400]: %(qid)s: client=unknown[203.0.113.66], sasl_method=PLAIN, sasl_username=mallory",
    "postfix/cleanup[4401]: %(qid)s: message-id=<burst%(n)d@example.com>",
    "postfix/qmgr[4402]: %(qid)s: from=<mallory@example.com>, size=1830, nrcpt=%(nrcpt)d (queue active)",
]
BURST_DELIVERY = ("postfix/smtp[4403]: %(qid)s: to=<victim%(k)d@elsewhere.example>, relay=mx.elsewhere.example"
                  "[192.0.2.50]:25, delay=0.4, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %(qid)s)")
BURST_REMOVED = "postfix/qmgr[4402]: %(qid)s: removed"
# MailgaugeAuthenticatedSendBurst: one sender, more than 100 distinct
# recipients in the exporter's window (40 x 4 = 160).
BURST_MESSAGES = 40
BURST_RCPTS = 4
SASL_FAILURES = 40     # MailgaugeSASLBruteForce: more than 30 in 10 minutes

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
    """A child process whose output goes to files; stopped by its PID."""

    def __init__(self, name, argv, work):
        self.name = name
        self.out_path = os.path.join(work, name + ".stdout")
        self.err_path = os.path.join(work, name + ".stderr")
        self.proc = subprocess.Popen(argv, stdout=open(self.out_path, "wb"), stderr=open(self.err_path, "wb"),
                                     env=dict(os.environ, TZ="UTC"))
        log("started %s, pid %d" % (name, self.proc.pid))

    def stderr(self):
        return open(self.err_path, errors="replace").read()

    def port(self):
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", self.stderr())
        return int(m.group(1)) if m else None

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

    def get(self, path, params=None):
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        try:
            body = http_get(url)
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8")
        return json.loads(body)

    def query(self, expr):
        return self.get("/api/v1/query", {"query": expr})

    def series(self, selector):
        r = self.get("/api/v1/series", {"match[]": selector, "start": "%d" % (time.time() - 3600)})
        if r.get("status") != "success":
            fail("series %s: %s" % (selector, r.get("error")))
        return r["data"]

    def alerts(self, name, state="firing", **labels):
        data = self.get("/api/v1/alerts")["data"]["alerts"]
        return [a for a in data if a["labels"].get("alertname") == name and a["state"] == state
                and all(a["labels"].get(k) == v for k, v in labels.items())]


class Stack:
    """The processes and the paths of one run."""

    def __init__(self, work):
        self.work = work
        self.procs = []

    def start(self, name, argv):
        p = Process(name, argv, self.work)
        self.procs.append(p)
        return p

    def check(self):
        for p in self.procs:
            if not p.name.startswith("traffic_"):
                p.check_alive()

    def stop(self):
        for p in reversed(self.procs):
            p.stop()


def wait_until(what, predicate, timeout, stack, interval=0.25):
    deadline = time.time() + timeout
    while time.time() < deadline:
        stack.check()
        result = predicate()
        if result:
            log(what)
            return result
        time.sleep(interval)
    fail("timed out after %ds waiting until %s" % (timeout, what))


def rule_names(path):
    """Names of the alerts and recording rules of a rules file."""
    return re.findall(r"^\s*- (?:alert|record): (\S+)\s*$", open(path).read(), re.M)


def fresh(text):
    """A log line stamped now (RFC 3339, as rsyslog's default on Debian 12)."""
    return "%s mx %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime()), text)


def drop_after_ehlo(port):
    """An SMTP client that says EHLO and goes away: smtpd logs a lost connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"EHLO dropper.example\r\n")
        while True:
            line = f.readline()
            if not line or line[3:4] == b" ":
                break


def run_traffic(stack, refmta, scenario, seed, smtp_port, cfg, spool, peer_rules, wait=True):
    argv = [refmta, "traffic", "--scenario", scenario, "--seed", str(seed), "--smtp", "127.0.0.1:%d" % smtp_port,
            "--config-dir", cfg, "--spool", spool, "--peer-rules", peer_rules]
    p = stack.start("traffic_" + os.path.basename(scenario).split(".")[0], argv)
    if not wait:
        return p
    if p.proc.wait(timeout=120) != 0:
        fail("refmta traffic %s exited %d:\n%s" % (scenario, p.proc.returncode, p.stderr()[-3000:]))
    log("%s done" % os.path.basename(scenario))
    return p


def setup_refmta(stack, refmta):
    """refmta peer and serve; returns (smtp port, config dir, spool, peer rules)."""
    work = stack.work
    cfg = os.path.join(work, "cfg")
    shutil.copytree(REFMTA_CONFIG, cfg)
    peer_rules = os.path.join(work, "peer_rules")
    open(peer_rules, "w").close()
    peer = stack.start("peer", [refmta, "peer", "--listen", "127.0.0.1:0", "--rules", peer_rules])
    peer_port = wait_until("refmta peer listening", peer.port, 20, stack, 0.05)
    main_cf = os.path.join(cfg, "main.cf")
    text = open(main_cf).read()
    for key, value in (("relayhost", "[127.0.0.1]:%d" % peer_port), ("minimal_backoff_time", "3s"),
                       ("maximal_backoff_time", "6s"), ("queue_run_delay", "1s")):
        text, n = re.subn(r"(?m)^%s *=.*$" % key, "%s = %s" % (key, value), text)
        if n != 1:
            fail("%s: no %s line" % (main_cf, key))
    open(main_cf, "w").write(text)
    spool = os.path.join(work, "spool")
    serve = stack.start("serve", [refmta, "serve", "--config-dir", cfg, "--listen", "127.0.0.1:0",
                                  "--spool", spool, "--log", os.path.join(work, "maillog"),
                                  "--ledger", os.path.join(work, "ledger.jsonl")])
    smtp_port = wait_until("refmta serve listening", serve.port, 20, stack, 0.05)
    return smtp_port, cfg, spool, peer_rules


def check_dashboard(api, dashboard, deadline_s):
    """Every dashboard query returns data with all hosts; returns the count."""
    start = time.time()
    state = {}
    while True:
        values = grafana_vars.resolve_variables(dashboard, api.series)
        for name in ("host", "instance", "postfix_instance"):
            if not values[name].options:
                fail("variable %s has no option" % name)
        # A panel showing the last few minutes, 1000 points wide.
        b = grafana_vars.builtins(max(60, int(time.time() - T0)), 1000, SCRAPE_SECONDS)
        exprs = [(w, grafana_vars.interpolate(e, values, b)) for w, e in promql_lint.dashboard_exprs(dashboard)]
        pending = []
        for where, e in exprs:
            if state.get(where):
                continue
            r = api.query(e)
            if r.get("status") != "success":
                fail("%s does not run: %s\n  %s" % (where, r.get("error"), e))
            if r["data"]["result"]:
                state[where] = True
            else:
                pending.append((where, e))
        if not pending:
            log("all %d dashboard queries return data (hosts %s, $__rate_interval %s)" % (
                len(exprs), values["host"].options, b["__rate_interval"]))
            return values
        if time.time() - start > deadline_s:
            health = ["%s %s" % (r["metric"].get("__name__", ""), r["metric"].get("instance")) + " = " + r["value"][1]
                      for e in ("up", "scrape_duration_seconds", "mailgauge_queue_scrape_success",
                                "mailgauge_queue_scrape_duration_seconds")
                      for r in api.query(e)["data"]["result"]]
            fail("dashboard queries with no data:\n  " + "\n  ".join("%s: %s" % p for p in pending) +
                 "\nscrape health:\n  " + "\n  ".join(health))
        time.sleep(0.5)


def check_host_narrowing(api, dashboard, port_b):
    """With $host = localhost only exporter B's target is selected."""
    values = grafana_vars.resolve_variables(dashboard, api.series, {"host": ["localhost"]})
    want = ["localhost:%d" % port_b]
    if values["instance"].options != want:
        fail("$host=localhost: $instance options %s, want %s" % (values["instance"].options, want))
    up = [p for p in dashboard["panels"] if p["title"] == "Up"][0]["targets"][0]["expr"]
    e = grafana_vars.interpolate(up, values, grafana_vars.builtins(60, 1000, SCRAPE_SECONDS))
    got = sorted(r["metric"]["instance"] for r in api.query(e)["data"]["result"])
    if got != want:
        fail("$host=localhost: %s returns instances %s, want %s" % (e, got, want))
    log("$host=localhost narrows $instance to %s: %s" % (want, e))


def main():
    if len(sys.argv) != 3:
        fail("usage: prometheus_e2e_test.py EXPORTER REFMTA")
    if not os.access(PROMETHEUS, os.X_OK):
        print("SKIPPED: %s is not installed (apt-get install prometheus, or tools/install-deps.sh)" % PROMETHEUS)
        return
    exporter_bin = os.path.abspath(sys.argv[1])
    refmta = os.path.abspath(sys.argv[2])
    work = tempfile.mkdtemp(prefix="prom_e2e.", dir=os.environ.get("TEST_TMPDIR"))
    stack = Stack(work)
    passed = False
    try:
        smtp_port, cfg, spool, peer_rules = setup_refmta(stack, refmta)
        maillog = os.path.join(work, "maillog")
        corpus_log = os.path.join(work, "corpus.log")
        open(corpus_log, "w").close()
        common = ["--web.listen-address", "127.0.0.1:0", "--log.from-beginning", "--log.year", "2026",
                  "--log.poll-interval", "50ms", "--queue.cache-duration", "0s"]
        exp_a = stack.start("exporter_a", [exporter_bin] + common + [
            "--log.file", "refmta=" + maillog, "--log.file", "corpus=" + corpus_log,
            "--postfix.queue-dir", spool])
        exp_b = stack.start("exporter_b", [exporter_bin] + common + [
            "--log.file", "refmta=" + maillog,
            "--postfix.showq-command", "%s postqueue --config-dir %s --spool %s -j" % (refmta, cfg, spool)])
        port_a = wait_until("exporter A listening", exp_a.port, 20, stack, 0.05)
        port_b = wait_until("exporter B listening", exp_b.port, 20, stack, 0.05)
        instance_a = "127.0.0.1:%d" % port_a

        alerts_path = os.path.join(work, "alerts.yaml")
        with open(alerts_path, "w") as f:
            f.write(alert_overrides.apply(open(ALERTS).read(), OVERRIDES))
        rules_path = os.path.abspath(RULES)
        prom_port = free_port()
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(PROMETHEUS_YML % {"alerts": alerts_path, "rules": rules_path, "port_a": port_a,
                                      "port_b": port_b, "scrape": SCRAPE_SECONDS,
                                      "scrape_timeout": SCRAPE_SECONDS * 1000 - 100})
        stack.start("prometheus", [
            PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + os.path.join(work, "data"),
            "--web.listen-address=127.0.0.1:%d" % prom_port, "--log.level=warn"])
        api = PromAPI(prom_port)

        def ready():
            try:
                http_get(api.base + "/-/ready", timeout=1)
                return True
            except OSError:
                return False
        wait_until("prometheus ready on 127.0.0.1:%d" % prom_port, ready, 30, stack)

        groups = api.get("/api/v1/rules")["data"]["groups"]
        loaded = {r["name"] for g in groups for r in g["rules"]}
        want = set(rule_names(ALERTS) + rule_names(RULES))
        if len(want) < 20:
            fail("only %d rules found in %s and %s" % (len(want), ALERTS, RULES))
        if want - loaded:
            fail("rules not loaded by Prometheus: %s" % sorted(want - loaded))
        log("prometheus loaded all %d rules" % len(want))
        wait_until("both exporters scraped",
                   lambda: len(api.query('up{job="mailgauge"} == 1')["data"]["result"]) == 2, 20, stack)

        # Traffic: refmta's mixed traffic, the corpus (old lines), then fresh
        # lines of what refmta cannot make.
        mixed = run_traffic(stack, refmta, MIXED, 7, smtp_port, cfg, spool, peer_rules, wait=False)
        lines = open(CORPUS, encoding="utf-8").read().splitlines(keepends=True)
        third = len(lines) // 3
        for i, chunk in enumerate((lines[:third], lines[third:2 * third], lines[2 * third:])):
            with open(corpus_log, "a", encoding="utf-8") as f:
                f.writelines(chunk)
            time.sleep(1.5)
        log("appended the corpus (%d lines) in three bursts" % len(lines))
        if mixed.proc.wait(timeout=120) != 0:
            fail("refmta traffic %s exited %d:\n%s" % (MIXED, mixed.proc.returncode, mixed.stderr()[-3000:]))
        log("dashboard-mix done")
        wait_until("MailgaugeLogStalled firing for the old corpus",
                   lambda: api.alerts("MailgaugeLogStalled", source="corpus"), 20, stack)
        if api.alerts("MailgaugeLogStalled", source="refmta"):
            fail("MailgaugeLogStalled fires for refmta's fresh log")
        for rnd in range(EXTRA_ROUNDS):
            with open(corpus_log, "a", encoding="utf-8") as f:
                for k, template in enumerate(EXTRA_LINES):
                    f.write(fresh(template % {"n": rnd * len(EXTRA_LINES) + k + 1}))
            drop_after_ehlo(smtp_port)
            time.sleep(0.5)
            if rnd == 0:
                # The exporter makes a not-understood series at its first
                # line; the alert sees only what the series gains after its
                # first sample, so the other rounds wait until it is scraped
                # (a slow build could otherwise read them all before).
                wait_until("the corpus log's not-understood series scraped", lambda: api.query(
                    'mailgauge_log_lines_not_understood_total{source="corpus"}')["data"]["result"],
                    30, stack)
        log("appended %d fresh lines; %d SMTP sessions dropped after EHLO" % (
            EXTRA_ROUNDS * len(EXTRA_LINES), EXTRA_ROUNDS))
        last_corpus_write = time.time()
        wait_until("MailgaugeLogStalled resolved after fresh lines",
                   lambda: not api.alerts("MailgaugeLogStalled", source="corpus"), STALL_SECONDS, stack)

        # Recording rules: healthy, each with a series.
        def recording_rules_ok():
            missing = []
            for g in api.get("/api/v1/rules")["data"]["groups"]:
                for r in g["rules"]:
                    if r.get("health") != "ok":
                        fail("rule %s health %s: %s" % (r["name"], r.get("health"), r.get("lastError")))
                    if r["type"] == "recording" and not api.query(r["name"])["data"]["result"]:
                        missing.append(r["name"])
            recording_rules_ok.missing = missing
            return not missing
        deadline = time.time() + 20
        while not recording_rules_ok():
            if time.time() > deadline:
                fail("recording rules with no series: %s" % recording_rules_ok.missing)
            time.sleep(0.5)
        log("every recording rule has a series")

        # The corpus log's lines no pattern knows (about 2 % of its lines by
        # now), not refmta's: it logs nothing mailgauge does not understand.
        wait_until("MailgaugeUnparsedLinesHigh firing for the corpus log",
                   lambda: api.alerts("MailgaugeUnparsedLinesHigh", instance=instance_a, source="corpus"), 60, stack)
        if api.alerts("MailgaugeUnparsedLinesHigh", source="refmta") or \
           api.alerts("MailgaugeUnparsedLinesHigh", "pending", source="refmta"):
            fail("MailgaugeUnparsedLinesHigh fires for refmta's log")
        # The corpus log's verbose lines, not refmta's (it logs none).
        wait_until("MailgaugeVerboseLoggingOn firing for the corpus log",
                   lambda: api.alerts("MailgaugeVerboseLoggingOn", instance=instance_a, source="corpus"), 60, stack)
        if api.alerts("MailgaugeVerboseLoggingOn", source="refmta") or \
           api.alerts("MailgaugeVerboseLoggingOn", "pending", source="refmta"):
            fail("MailgaugeVerboseLoggingOn fires for refmta's log")

        dashboard = json.load(open(DASHBOARD, encoding="utf-8"))
        check_dashboard(api, dashboard, 20)
        check_host_narrowing(api, dashboard, port_b)

        # Remote outage: the deferred queue of A's spool grows, then drains.
        if api.alerts("MailgaugeDeferredQueueGrowing", instance=instance_a):
            fail("MailgaugeDeferredQueueGrowing fires before the outage")
        outage = run_traffic(stack, refmta, OUTAGE, 3, smtp_port, cfg, spool, peer_rules, wait=False)
        log("the relay host is down; outbound mail keeps coming")
        firing = wait_until("MailgaugeDeferredQueueGrowing firing for %s" % instance_a,
                            lambda: api.alerts("MailgaugeDeferredQueueGrowing", instance=instance_a,
                                               queue="deferred"), 60, stack)
        log("  %s" % firing[0]["annotations"]["summary"])
        depth = api.query('mailgauge_queue_messages{instance="%s",queue="deferred"}' % instance_a)["data"]["result"]
        log("  deferred queue of %s: %s messages" % (instance_a, depth[0]["value"][1] if depth else "?"))
        # Deferred since the outage began (more than 10 s ago): too old
        # for the test's threshold, by arrival time (postqueue -j, B).
        instance_b = "localhost:%d" % port_b
        wait_until("MailgaugeQueueMessageTooOld firing for %s's deferred queue" % instance_b,
                   lambda: api.alerts("MailgaugeQueueMessageTooOld", instance=instance_b, queue="deferred"), 20, stack)
        for r in api.query('mailgauge_queue_oldest_message_age_seconds{queue="deferred"}')["data"]["result"]:
            log("  oldest deferred message seen by %s: %.0f s" % (r["metric"]["instance"], float(r["value"][1])))
        if outage.proc.wait(timeout=120) != 0:
            fail("refmta traffic %s exited %d:\n%s" % (OUTAGE, outage.proc.returncode, outage.stderr()[-3000:]))
        log("the relay host is back")
        wait_until("MailgaugeDeferredQueueGrowing resolved as the queue drains",
                   lambda: not api.alerts("MailgaugeDeferredQueueGrowing", instance=instance_a)
                   and not api.alerts("MailgaugeDeferredQueueGrowing", "pending", instance=instance_a), 60, stack)
        depth = api.query('mailgauge_queue_messages{instance="%s",queue="deferred"}' % instance_a)["data"]["result"]
        log("  deferred queue of %s: %s messages" % (instance_a, depth[0]["value"][1] if depth else "?"))
        if time.time() - last_corpus_write < STALL_SECONDS + 4:
            time.sleep(STALL_SECONDS + 4 - (time.time() - last_corpus_write))
        wait_until("MailgaugeLogStalled firing again for the corpus log, silent for %ds" % (
            time.time() - last_corpus_write), lambda: api.alerts("MailgaugeLogStalled", source="corpus"), 15, stack)

        # Relay abuse.
        if api.alerts("MailgaugeRelayDeniedSurge"):
            fail("MailgaugeRelayDeniedSurge fires before the relay-abuse scenario")
        run_traffic(stack, refmta, RELAY_ABUSE, 11, smtp_port, cfg, spool, peer_rules)
        firing = wait_until("MailgaugeRelayDeniedSurge firing", lambda: api.alerts("MailgaugeRelayDeniedSurge"),
                            30, stack)
        for a in firing:
            log("  %s" % a["annotations"]["description"])

        # A compromised account and password guessing (lines, refmta has no AUTH).
        for name in ("MailgaugeSASLBruteForce", "MailgaugeAuthenticatedSendBurst"):
            if api.alerts(name):
                fail("%s fires before its traffic" % name)
        # Over 4 s, into series that exist already (step 4): a counter's
        # first sample is its baseline, so increase() cannot see a burst
        # that creates its series in one scrape.
        for chunk in range(4):
            with open(corpus_log, "a", encoding="utf-8") as f:
                for n in range(chunk * SASL_FAILURES // 4, (chunk + 1) * SASL_FAILURES // 4):
                    f.write(fresh(EXTRA_LINES[0] % {"n": n % 250 + 1}))
                for n in range(chunk * BURST_MESSAGES // 4, (chunk + 1) * BURST_MESSAGES // 4):
                    v = {"qid": "B%09X" % n, "n": n, "nrcpt": BURST_RCPTS}
                    f.writelines(fresh(line % v) for line in BURST_MESSAGE)
                    f.writelines(fresh(BURST_DELIVERY % dict(v, k=n * BURST_RCPTS + k)) for k in range(BURST_RCPTS))
                    f.write(fresh(BURST_REMOVED % v))
            time.sleep(1)
        log("appended %d SASL failures and %d messages from the SASL user mallory" % (SASL_FAILURES, BURST_MESSAGES))
        for name in ("MailgaugeSASLBruteForce", "MailgaugeAuthenticatedSendBurst"):
            firing = wait_until("%s firing" % name, lambda: api.alerts(name), 40, stack)
            log("  %s" % firing[0]["annotations"]["description"])

        # The outage's deferrals.
        wait_until("MailgaugeDeferralRatioHigh firing for %s" % instance_a,
                   lambda: api.alerts("MailgaugeDeferralRatioHigh", instance=instance_a), 20, stack)

        # Exporter B goes away.
        exp_b.stop()
        stack.procs.remove(exp_b)
        wait_until("MailgaugeExporterDown firing for %s" % instance_b,
                   lambda: api.alerts("MailgaugeExporterDown", instance=instance_b), 20, stack)
        if api.alerts("MailgaugeExporterDown", instance=instance_a):
            fail("MailgaugeExporterDown fires for %s, which is up" % instance_a)

        names = sorted({a["labels"]["alertname"] for a in api.get("/api/v1/alerts")["data"]["alerts"]
                        if a["state"] == "firing"})
        log("firing now: %s" % names)
        print("PASS")
        passed = True
    finally:
        stack.stop()
        if passed:
            shutil.rmtree(work, ignore_errors=True)
        else:
            for p in stack.procs:
                tail = p.stderr()[-1500:].strip()
                if tail:
                    print("--- %s stderr (end):\n%s" % (p.name, tail), file=sys.stderr)
            print("kept %s (logs, spool, Prometheus data)" % work, file=sys.stderr)


if __name__ == "__main__":
    main()
