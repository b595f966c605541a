#!/usr/bin/env python3
"""Compares `mailgauge report` with Debian's pflogsumm on the same log.

usage: compare_pflogsumm.py MAILGAUGE PFLOGSUMM KNOWN_DIFFERENCES LOG...

For each LOG, runs both (LC_ALL=C, classic years pinned with --year for
mailgauge) and compares, number by number, the Grand Totals, every row of the
per-hour traffic table and every row of both host/domain tables. A value that
differs must be listed in KNOWN_DIFFERENCES (tab-separated: log file name,
key, pflogsumm's value, mailgauge's value, reason) with exactly those two
values, so the test asserts mailgauge's right value and pflogsumm's known
wrong one; a listed difference that does not occur is an error too (the list
must not go stale).
"""
import os
import re
import subprocess
import sys

TOTAL_LABELS = [
    "received", "delivered", "forwarded", "deferred", "bounced", "rejected",
    "reject warnings", "held", "discarded", "bytes received", "bytes delivered",
    "senders", "sending hosts/domains", "recipients", "recipient hosts/domains",
]
TOTAL_RE = re.compile(r"^ +(\d+[ km])  (" + "|".join(re.escape(l) for l in TOTAL_LABELS) + r")(.*)$")
HOUR_RE = re.compile(r"^    (\d{4}-\d{4}|\d\d:00-\d\d:00)\s+(.*?)\s*$")
# The year is left out: pflogsumm takes it from today's date.
DAY_RE = re.compile(r"^    (\w{3} +\d+) \d{4}\s+(.*?)\s*$")


def parse(text):
    """Returns {key: value} for Grand Totals, per-hour rows, domain rows."""
    values = {}
    section = None
    for line in text.splitlines():
        if line.startswith("Grand Totals"):
            section = "totals"
            continue
        if line.startswith("Per-Day Traffic"):
            section = "day"
            continue
        if line.startswith("Per-Hour Traffic"):
            section = "hour"
            continue
        if line.startswith("Host/Domain Summary: Message Delivery"):
            section = "delivery"
            continue
        if line.startswith("Host/Domain Summary: Messages Received"):
            section = "received"
            continue
        if line and not line.startswith(" ") and not line.startswith("-"):
            if section != "totals" or line not in ("messages", "smtpd"):
                section = None if section != "totals" else section
            if line.startswith("Per-") or line.startswith("Host/") or line.startswith("Senders"):
                section = None
            continue
        if section == "totals":
            m = TOTAL_RE.match(line)
            if not m:
                continue
            label, tail = m.group(2), m.group(3)
            values["total " + label] = m.group(1).strip()
            d = re.search(r"\((\d+[ km]?) ?deferrals\)", tail)
            if label == "deferred":
                values["total deferrals"] = d.group(1).strip() if d else "0"
            p = re.search(r"\((\d+)%\)", tail)
            if p:
                values["total " + label + " %"] = p.group(1)
        elif section == "day":
            m = DAY_RE.match(line)
            if m:
                values["day " + " ".join(m.group(1).split())] = " ".join(m.group(2).split())
        elif section == "hour":
            m = HOUR_RE.match(line)
            if m:
                values["hour " + m.group(1)] = " ".join(m.group(2).split())
        elif section in ("delivery", "received"):
            if line.startswith(" ---") or line.startswith(" sent cnt") or line.startswith(" msg cnt"):
                continue
            fields = line.split()
            if not fields:
                continue
            # Numbers may carry a k/m unit as a separate character.
            domain = fields[-1]
            values[section + " " + domain] = " ".join(fields[:-1])
    return values


def run(cmd):
    env = dict(os.environ, LC_ALL="C", LANG="C")
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if r.returncode != 0:
        sys.exit("FAIL: %s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr.decode()))
    return r.stdout.decode("utf-8", "replace")


def main():
    mailgauge, pflogsumm, known_path = sys.argv[1:4]
    logs = sys.argv[4:]
    known = {}
    with open(known_path) as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) != 5:
                sys.exit("FAIL: %s:%d: want 5 tab-separated fields" % (known_path, n))
            known[(parts[0], parts[1])] = (parts[2], parts[3], parts[4])
    failures = []
    seen_known = set()
    compared = 0
    for log in logs:
        name = os.path.basename(log)
        pf = parse(run([pflogsumm, log]))
        mg = parse(run([mailgauge, "report", "--year", "2026", log]))
        if not pf.get("total received"):
            failures.append("%s: pflogsumm output not understood" % name)
            continue
        for key in sorted(set(pf) | set(mg)):
            p, m = pf.get(key, "(absent)"), mg.get(key, "(absent)")
            compared += 1
            k = known.get((name, key))
            if p == m:
                if k:
                    failures.append("%s: %s: listed as a known difference but both say %s" % (name, key, p))
                continue
            if k and k[0] == p and k[1] == m:
                seen_known.add((name, key))
                print("known difference %s: %s: pflogsumm %s, mailgauge %s (%s)" % (name, key, p, m, k[2]))
                continue
            failures.append("%s: %s: pflogsumm %s, mailgauge %s" % (name, key, p, m))
    names = {os.path.basename(l) for l in logs}
    for (name, key) in known:
        if name in names and (name, key) not in seen_known and not any(
                f.startswith("%s: %s:" % (name, key)) for f in failures):
            failures.append("%s: %s: listed as a known difference but not observed" % (name, key))
    print("compared %d values over %d logs" % (compared, len(logs)))
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
