"""mailgauge_exporter against the real prometheus-postfix-exporter (Debian 12's
0.3.0, unpacked by tools/install-deps.sh) on the real-Postfix corpus: every
postfix_* series 0.3.0 shows, mailgauge shows with the same value, except
where 0.3.0 has a bug, each such place named below and checked for what it
is.

    exporter/postfix_exporter_compat_test.py MAILGAUGE_EXPORTER LOG...
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_util  # noqa: E402

PEER = "/var/cache/mailgauge/peers/prometheus-postfix-exporter/usr/bin/prometheus-postfix-exporter"

# 0.3.0's families that are not compared series by series, and why.
NOT_COMPARED = {
    # Everything 0.3.0 does not read; mailgauge counts only the Postfix lines
    # no pattern understands (mailgauge_log_lines_not_understood_total).
    "postfix_unsupported_log_entries_total",
    # Never incremented by 0.3.0.
    "postfix_cleanup_messages_not_accepted_total",
    # The queue (showq socket) and the log's state, not the log's content.
    "postfix_up",
    "postfix_showq_message_size_bytes",
    "postfix_showq_message_age_seconds",
    "postfix_showq_queue_depth",
    # Checked by the rules below.
    "postfix_smtp_delivery_delay_seconds",
    "postfix_smtp_status_deferred",
    "postfix_smtp_deferred_messages_total",
    "postfix_smtpd_messages_rejected_total",
}

SERIES = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def split(series):
    m = SERIES.match(series)
    if not m:
        e2e_util.fail("bad series " + series)
    return m.group(1), dict(LABEL.findall(m.group(2) or ""))


def normalize(exposition, ours):
    """{(name, frozenset(labels)): value} of the postfix_* series; ours lose
    postfix_instance (0.3.0 has none), `le` is compared as a number and
    0.3.0's sasl_method loses the comma its pattern takes with it."""
    out = {}
    for series, value in e2e_util.parse(exposition).items():
        name, labels = split(series)
        if not name.startswith("postfix_"):
            continue
        if ours:
            labels.pop("postfix_instance", None)
        if "le" in labels:
            labels["le"] = repr(float(labels["le"]))
        if not ours and "sasl_method" in labels:
            labels["sasl_method"] = labels["sasl_method"].rstrip(",")
        key = (name, frozenset(labels.items()))
        out[key] = out.get(key, 0.0) + value
    return out


def family(series, name):
    return {labels: v for (n, labels), v in series.items() if n == name}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape_url(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.read().decode("utf-8")
    except OSError:
        return None


def metric(text, name):
    total = 0.0
    for series, value in e2e_util.parse(text or "").items():
        if split(series)[0] == name:
            total += value
    return total


def run_peer(peer, corpus, tmp):
    """0.3.0 follows a file from its end: started on an empty file, fed
    probe lines ("connect from") until it reads them, then the corpus.
    Returns its exposition and the number of probe lines it read."""
    feed = os.path.join(tmp, "mail.log")
    open(feed, "w").close()
    port = free_port()
    url = "http://127.0.0.1:%d/metrics" % port
    err = open(os.path.join(tmp, "peer.stderr"), "wb")
    proc = subprocess.Popen([peer, "--postfix.logfile_path", feed,
                             "--web.listen-address", "127.0.0.1:%d" % port],
                            stdout=subprocess.DEVNULL, stderr=err)
    try:
        probe = "Nov 25 09:00:00 mx postfix/smtpd[1]: connect from probe[192.0.2.1]\n"
        deadline = time.time() + 20
        while metric(scrape_url(url), "postfix_smtpd_connects_total") < 1:
            if proc.poll() is not None or time.time() > deadline:
                e2e_util.fail("prometheus-postfix-exporter read no line: " +
                              open(os.path.join(tmp, "peer.stderr")).read()[-2000:])
            with open(feed, "a") as f:
                f.write(probe)
            time.sleep(0.2)
        time.sleep(0.5)  # probes written but not yet read
        probes = metric(scrape_url(url), "postfix_smtpd_connects_total")
        with open(feed, "a") as f, open(corpus) as c:
            f.write(c.read())
        text = open(corpus).read()
        removed = len(re.findall(r"postfix/qmgr\[\d+\]: \w+: removed$", text, re.M))
        e2e_util.wait_for("prometheus-postfix-exporter to read the corpus",
                          lambda: metric(scrape_url(url),
                                         "postfix_qmgr_messages_removed_total") >= removed,
                          timeout=30)
        time.sleep(0.5)  # the lines after the last removal
        return scrape_url(url), probes
    finally:
        e2e_util.stop(proc)


def run_ours(binary, feed, tmp):
    # The log named with 0.3.0's own flag: its command line works here.
    proc, port = e2e_util.start([binary, "--postfix.logfile_path", feed, "--log.from-beginning",
                                 "--log.poll-interval", "50ms"],
                                os.path.join(tmp, "ours.stderr"))
    try:
        lines = sum(1 for _ in open(feed))
        e2e_util.wait_for("mailgauge_exporter to read the corpus",
                          lambda: metric(e2e_util.scrape(port)[1],
                                         "mailgauge_log_lines_read_total") >= lines,
                          timeout=30)
        return e2e_util.scrape(port)[1]
    finally:
        e2e_util.stop(proc)


def compare(theirs, ours, corpus):
    errors = []
    compared = 0
    for (name, labels), value in sorted(theirs.items(), key=str):
        if re.sub(r"_(bucket|count|sum)$", "", name) in NOT_COMPARED:
            continue
        if name == "postfix_qmgr_messages_inserted_receipients":
            # 0.3.0's spelling; the corrected name must agree too.
            other = ours.get(("postfix_qmgr_messages_inserted_recipients", labels))
            if other != value:
                errors.append("%s%s = %g, ours under the corrected name %s" %
                              (name, dict(labels), value, other))
        got = ours.get((name, labels))
        compared += 1
        if got != value:
            errors.append("%s%s: 0.3.0 %g, mailgauge %s" % (name, dict(labels), value, got))

    # 0.3.0 puts the four delays of smtp deliveries under one stage="";
    # mailgauge names each stage: the same observations in all.
    t = family(theirs, "postfix_smtp_delivery_delay_seconds_count")
    o = family(ours, "postfix_smtp_delivery_delay_seconds_count")
    if sum(t.values()) != sum(o.values()) or set(dict(k)["stage"] for k in t) != {""}:
        errors.append("smtp delays: 0.3.0 %s, mailgauge %s" % (t, o))
    if len(o) != 4:
        errors.append("smtp delays: mailgauge has not four stages: %s" % o)
    t_sum = sum(family(theirs, "postfix_smtp_delivery_delay_seconds_sum").values())
    o_sum = sum(family(ours, "postfix_smtp_delivery_delay_seconds_sum").values())
    if abs(t_sum - o_sum) > 1e-6 * max(1.0, t_sum):
        errors.append("smtp delays: sums %g and %g" % (t_sum, o_sum))

    # 0.3.0 counts deferred smtp deliveries in postfix_smtp_status_deferred
    # and leaves postfix_smtp_deferred_messages_total at 0.
    t_def = sum(family(theirs, "postfix_smtp_status_deferred").values())
    o_def = sum(family(ours, "postfix_smtp_deferred_messages_total").values())
    if t_def != o_def or sum(family(theirs, "postfix_smtp_deferred_messages_total").values()):
        errors.append("deferred: 0.3.0 status_deferred %g, mailgauge deferred_messages %g" %
                      (t_def, o_def))

    # 0.3.0 counts rejects at RCPT without a queue ID only; mailgauge at
    # every stage, by code and stage: for each code at least as many.
    t_rej = family(theirs, "postfix_smtpd_messages_rejected_total")
    o_rej = family(ours, "postfix_smtpd_messages_rejected_total")
    for labels, value in t_rej.items():
        code = dict(labels)["code"]
        mine = sum(v for k, v in o_rej.items() if dict(k)["code"] == code)
        if mine < value:
            errors.append("rejects with code %s: 0.3.0 %g, mailgauge %g" % (code, value, mine))

    if compared < 20:
        errors.append("only %d series compared" % compared)
    if errors:
        e2e_util.fail("%s:\n  %s" % (corpus, "\n  ".join(errors)))
    print("ok: %s: %d series of 0.3.0 equal, its bugs as expected" % (corpus, compared))


def main():
    binary = os.path.abspath(sys.argv[1])
    peer = PEER if os.path.exists(PEER) else shutil.which("prometheus-postfix-exporter")
    if not peer:
        e2e_util.fail("prometheus-postfix-exporter is not unpacked in " + os.path.dirname(PEER) +
                      ": run tools/install-deps.sh as root")
    for corpus in sys.argv[2:]:
        tmp = tempfile.mkdtemp(prefix="pfx_compat_")
        peer_text, probes = run_peer(peer, corpus, tmp)
        ours_text = run_ours(binary, corpus, tmp)
        theirs = normalize(peer_text, False)
        theirs[("postfix_smtpd_connects_total", frozenset())] -= probes
        compare(theirs, normalize(ours_text, True), corpus)
        shutil.rmtree(tmp)
    print("PASS")


if __name__ == "__main__":
    main()
