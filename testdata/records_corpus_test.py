#!/usr/bin/env python3
"""End-to-end checks of `mailgauge records` on the real-Postfix corpora.

usage: records_corpus_test.py MAILGAUGE [--update-goldens]

Every corpus under testdata/logs/ named *.syslog, *.iso.log, *.rfc5424.log or
*.maillog is checked for:
  - zero lines not understood (--unparsed file empty);
  - the golden output testdata/golden/<log>.records.jsonl (--update-goldens
    rewrites the goldens; review the diff like code);
  - the truth written by the script that drove Postfix
    (testdata/expected/<corpus>[.<run>].expected.jsonl): every recipient's
    final status, matched by Message-ID;
and the real-Postfix syslog run is checked for robustness: the same records
from every timestamp format, from lines shuffled within two seconds, from the
log split into two rotated files (one gzipped) given in the wrong order, from
two hosts and two instances interleaved in one file, from journalctl's text
forms (short-full, short-unix, short-iso with its marker lines, json; and
the real journalctl's eight modes on a journal that systemd-journal-remote
wrote from the run, against reading that journal file directly), from
a container runtime's output (docker logs -t, CRI log files), from BusyBox's
syslogd, and with garbage lines (binary, 1 MiB, truncated, invalid UTF-8) mixed in.
"""
import datetime
import gzip
import json
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

import journal_forms

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "logs")
GOLDEN = os.path.join(HERE, "golden")
EXPECTED = os.path.join(HERE, "expected")
SUFFIXES = (".syslog", ".iso.log", ".rfc5424.log", ".maillog")

failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what, flush=True)


def run_records(mailgauge, paths, extra=()):
    with tempfile.NamedTemporaryFile(prefix="unparsed.", delete=False) as tmp:
        unparsed_path = tmp.name
    cmd = [mailgauge, "records", "--include-unfinished", "--timezone", "UTC",
           "--year", "2026", "--unparsed", unparsed_path, "--quiet", *extra, *paths]
    res = subprocess.run(cmd, capture_output=True)
    with open(unparsed_path, "rb") as f:
        unparsed = f.read().splitlines()
    os.unlink(unparsed_path)
    records = [json.loads(l) for l in res.stdout.decode("utf-8").splitlines() if l.strip()]
    return res.returncode, records, unparsed, res.stderr.decode("utf-8", "replace")


def normalize(records, keep_host=True):
    """Records without times and queue IDs, sorted: comparable across runs/formats."""
    out = []
    for m in records:
        rcpts = sorted((r["address"], r["orig_to"], r["status"], r["relay"], r["dsn"],
                        r["reason"], r["deferrals"]) for r in m["recipients"])
        key = (m["host"] if keep_host else "", m["instance"] if keep_host else "",
               m["message_id"], m["sender"], m["size"], m["origin"], m["end"],
               m["finished"], m["client_addr"], len(m["queue_ids"]),
               m.get("notification", ""), json.dumps(rcpts))
        out.append(key)
    return sorted(out)


def corpora():
    if not os.path.isdir(LOGS):
        return []
    return sorted(f for f in os.listdir(LOGS) if f.endswith(SUFFIXES))


def corpus_of(log_name):
    """The corpus a log belongs to: its name without the format suffix."""
    for s in SUFFIXES:
        if log_name.endswith(s):
            return log_name[: -len(s)]
    return log_name


def expected_for(log_name):
    """The truth file for a log: <corpus>.<run>.expected.jsonl or <corpus>.expected.jsonl."""
    base = log_name
    for s in SUFFIXES:
        if base.endswith(s):
            base = base[: -len(s)]
            run = s.lstrip(".").split(".")[0]
            break
    for cand in (f"{base}.{run}.expected.jsonl", f"{base}.expected.jsonl"):
        p = os.path.join(EXPECTED, cand)
        if os.path.exists(p):
            return p
    return None


def check_truth(log_name, records, truth_path):
    by_mid = {}
    for m in records:
        by_mid.setdefault(m["message_id"], []).append(m)
    with open(truth_path) as f:
        truth = [json.loads(l) for l in f if l.strip()]
    want_noqueue = sum(1 for t in truth
                       if "reject" in t and t["reject"].get("logged_with") == "NOQUEUE")
    got_noqueue = noqueue_rejects(log_name)
    check(got_noqueue == want_noqueue,
          f"{log_name}: NOQUEUE rejects: want {want_noqueue}, got {got_noqueue}")
    # Transactions smtpd dropped before they completed: one record each,
    # ended "canceled", found by Message-ID when the client sent one.
    want_canceled = [t["canceled"] for t in truth if "canceled" in t]
    got_canceled = [m for m in records if m["end"] == "canceled"]
    check(len(got_canceled) == len(want_canceled),
          f"{log_name}: canceled transactions: want {len(want_canceled)}, "
          f"got {len(got_canceled)}")
    for c in want_canceled:
        if "message_id" in c:
            ends = [m["end"] for m in by_mid.get(c["message_id"], [])]
            check(ends == ["canceled"],
                  f"{log_name}: {c['message_id']}: want one canceled record, got {ends}")
        clients = [m for m in got_canceled if m["client_addr"] == c["client"]]
        check(len(clients) == 1 and not clients[0]["recipients"],
              f"{log_name}: the transaction from {c['client']} canceled after "
              f"{c['after']}: want one record without recipients, got {clients}")
    for t in truth:
        if "message_id" not in t:
            continue
        mid = t["message_id"]
        recs = by_mid.get(mid, [])
        # notices carry their own Message-ID; the message itself is the one
        # that is not a notification
        recs = [m for m in recs if m["origin"] != "notification"]
        for want in t["recipients"]:
            addr, status = want["address"], want["status"]
            if status == "filter_discarded":
                # A before-queue filter took it and dropped it: no queue
                # file, so no record names it.
                got = [r["status"] for m in recs for r in m["recipients"]
                       if r["address"] == addr or r["orig_to"] == addr]
                check(not got, f"{log_name}: {mid} {addr}: want no record, got {got}")
                continue
            if status == "rejected":
                # Refused at RCPT (NOQUEUE, or with the queue ID of a message
                # that has other recipients) or with the whole message: never
                # among a record's recipients.
                delivered = [r["status"] for m in recs for r in m["recipients"]
                             if r["address"] == addr or r["orig_to"] == addr]
                whole = [m["end"] for m in recs if m["end"] == "rejected"]
                listed = [r for m in recs for r in m.get("rejected_recipients", [])
                          if r["address"] == addr]
                check(not delivered,
                      f"{log_name}: {mid} {addr}: want rejected, got {delivered}")
                if recs and not listed:
                    # the message got a queue ID: it must end as rejected
                    # unless other recipients were accepted
                    if not any(m["recipients"] for m in recs):
                        check(bool(whole), f"{log_name}: {mid}: want the message "
                              f"rejected, got end={[m['end'] for m in recs]}")
                continue
            got = [r["status"] for m in recs for r in m["recipients"]
                   if r["address"] == addr or r["orig_to"] == addr]
            check(status in got,
                  f"{log_name}: {mid} {addr}: want {status}, got {got or 'no record'}")


NOQUEUE_COUNTS = {}
# host and tag with the process ID: "mx1 postfix/smtpd[123]"
PROCESS_RE = re.compile(rb"\S+ [^\s\[]+\[[0-9]+\]")


def noqueue_rejects(log_name):
    return NOQUEUE_COUNTS.get(log_name)


def lines_of(path):
    with open(path, "rb") as f:
        return f.read().splitlines(keepends=True)


ISO_TIME = re.compile(rb"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)")


def iso_seconds(line):
    m = ISO_TIME.match(line)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(x) for x in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s + mo * 10**7 + y * 10**9


def main():
    mailgauge = os.path.abspath(sys.argv[1])
    update = "--update-goldens" in sys.argv
    names = corpora()
    check(len(names) >= 4, f"corpora present: {names}")
    os.makedirs(GOLDEN, exist_ok=True)
    syslog_records = {}
    for name in names:
        path = os.path.join(LOGS, name)
        rc, records, unparsed, err = run_records(mailgauge, [path], ["--stats"])
        check(rc == 0, f"{name}: exit code {rc}: {err}")
        m = re.search(r"(\d+) NOQUEUE rejects", err)
        NOQUEUE_COUNTS[name] = int(m.group(1)) if m else None
        # --stats counts the transactions smtpd dropped as the records say.
        m = re.search(r"(\d+) canceled by smtpd", err)
        canceled = sum(1 for r in records if r["end"] == "canceled")
        check(m is not None and int(m.group(1)) == canceled,
              f"{name}: --stats says {m.group(0) if m else 'nothing'} of canceled "
              f"transactions, the records {canceled}")
        check(not unparsed, f"{name}: {len(unparsed)} lines not understood, e.g. {unparsed[:3]}")
        check(len(records) > 0, f"{name}: no records")
        golden = os.path.join(GOLDEN, name + ".records.jsonl")
        text = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for r in records)
        if update:
            with open(golden, "w") as f:
                f.write(text)
        else:
            check(os.path.exists(golden) and open(golden).read() == text,
                  f"{name}: output differs from {golden} (tools/update-goldens.sh rewrites it)")
        truth = expected_for(name)
        check(truth is not None, f"{name}: no truth file in {EXPECTED}")
        if truth:
            check_truth(name, records, truth)
        if not name.endswith(".maillog"):
            syslog_records[name] = normalize(records)

    # One Postfix run written by rsyslog in three formats: the same records.
    by_corpus = {}
    for name, recs in syslog_records.items():
        by_corpus.setdefault(corpus_of(name), []).append((name, recs))
    for runs in by_corpus.values():
        for name, recs in runs[1:]:
            check(recs == runs[0][1], f"{name} gives other records than {runs[0][0]}")

    iso = [n for n in names if n.endswith(".iso.log")]
    if not iso:
        return finish()
    iso_path = os.path.join(LOGS, iso[0])
    base = syslog_records[iso[0]]
    lines = lines_of(iso_path)
    tmp = tempfile.mkdtemp(prefix="mailgauge-corpus.")

    # Lines shuffled within two seconds of each other, as several processes
    # writing to syslog interleave: the same records. One process's own
    # lines keep their order (it writes them one after the other).
    rng = random.Random(7)
    for trial in range(3):
        keyed, last_of_process = [], {}
        for i, l in enumerate(lines):
            key = (iso_seconds(l) or 0) + rng.uniform(0, 2)
            process = PROCESS_RE.search(l)
            if process:
                key = max(key, last_of_process.get(process.group(0), key))
                last_of_process[process.group(0)] = key
            keyed.append((key, i, l))
        shuffled = [l for _, _, l in sorted(keyed)]
        p = os.path.join(tmp, f"shuffled{trial}.log")
        with open(p, "wb") as f:
            f.writelines(shuffled)
        rc, recs, unparsed, err = run_records(mailgauge, [p])
        check(rc == 0 and normalize(recs) == base,
              f"shuffled log (trial {trial}) gives other records")

    # Rotated: first half gzipped as .1.gz, given after the current file.
    half = len(lines) // 2
    old, cur = os.path.join(tmp, "mail.log.1.gz"), os.path.join(tmp, "mail.log")
    with gzip.open(old, "wb") as f:
        f.writelines(lines[:half])
    with open(cur, "wb") as f:
        f.writelines(lines[half:])
    rc, recs, unparsed, err = run_records(mailgauge, [cur, old])
    check(rc == 0 and normalize(recs) == base, "log split over two rotated files gives other records")

    # Two hosts and two instances in one file.
    other = []
    for l in lines:
        l2 = re.sub(rb"^(\S+) (\S+) postfix/", rb"\1 otherhost postfix-out/", l, count=1)
        other.append(l2)
    merged = [l for _, _, l in sorted(
        [(iso_seconds(l) or 0, i * 2, l) for i, l in enumerate(lines)] +
        [(iso_seconds(l) or 0, i * 2 + 1, l) for i, l in enumerate(other)])]
    p = os.path.join(tmp, "two-hosts.log")
    with open(p, "wb") as f:
        f.writelines(merged)
    rc, recs, unparsed, err = run_records(mailgauge, [p])
    hosts = sorted({(m["host"], m["instance"]) for m in recs})
    check(len(hosts) == 2, f"two hosts/instances expected, got {hosts}")
    mine = [m for m in recs if m["instance"] == "postfix"]
    theirs = [m for m in recs if m["instance"] == "postfix-out"]
    check(normalize(mine, False) == normalize(base_records_for(mailgauge, iso_path), False)
          and normalize(theirs, False) == normalize(mine, False),
          "two hosts/instances: each gives the records of the single log")

    # The same lines as journalctl prints them (-o short-full, short-unix,
    # short-iso), between its marker lines: the same records, nothing not
    # understood.
    iso_line = re.compile(rb"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?\+00:00 ")
    forms = {
        "short-full": lambda t, frac: datetime.datetime.fromisoformat(t).strftime(
            "%a %Y-%m-%d %H:%M:%S UTC").encode(),
        "short-unix": lambda t, frac: b"%d%s" % (
            datetime.datetime.fromisoformat(t + "+00:00").timestamp(), frac),
        "short-iso": lambda t, frac: t.encode() + b"+0000",
    }
    for form, stamp in forms.items():
        out = [b"-- Journal begins at Wed 2026-11-25 19:00:00 UTC, ends at "
               b"Wed 2026-11-25 20:00:00 UTC. --\n"]
        for l in lines:
            m = iso_line.match(l)
            check(m is not None, f"{iso[0]}: not an ISO line: {l[:60]!r}")
            if m:
                out.append(stamp(m.group(1).decode(), m.group(2) or b"") + b" " + l[m.end():])
        out.append(b"-- Boot 3f4b0b5a2b8e4d6c9a1e2f3a4b5c6d7e --\n")
        check_same_records(mailgauge, os.path.join(tmp, f"journalctl-{form}.log"), out, base,
                           f"journalctl -o {form}")

    # The classic log as a container runtime shows it (docker logs -t) and as
    # CRI log files hold it: the runtime's time (the ISO log's, in UTC with
    # nanoseconds) first. The same records.
    classic = [n for n in names if n.endswith(".syslog")]
    if classic:
        classic_lines = lines_of(os.path.join(LOGS, classic[0]))
        check(len(classic_lines) == len(lines), "the classic and ISO logs have the same lines")
        for form, middle in (("docker", b" "), ("cri", b" stdout F ")):
            out = []
            for iso_l, classic_l in zip(lines, classic_lines):
                m = iso_line.match(iso_l)
                when = datetime.datetime.fromisoformat(m.group(1).decode() + "+00:00")
                nanos = (m.group(2) or b".0")[1:].ljust(9, b"0")
                out.append(when.strftime("%Y-%m-%dT%H:%M:%S.").encode() + nanos + b"Z" +
                           middle + classic_l)
            check_same_records(mailgauge, os.path.join(tmp, f"container-{form}.log"), out,
                               base, f"container {form} log")
        # docker's json-file driver's own file.
        out = []
        for iso_l, classic_l in zip(lines, classic_lines):
            m = iso_line.match(iso_l)
            when = datetime.datetime.fromisoformat(m.group(1).decode() + "+00:00")
            nanos = (m.group(2) or b".0")[1:].ljust(9, b"0").decode()
            out.append(json.dumps({"log": classic_l.decode("utf-8", "replace"),
                                   "stream": "stdout",
                                   "time": when.strftime("%Y-%m-%dT%H:%M:%S.") + nanos + "Z"})
                       .encode() + b"\n")
        check_same_records(mailgauge, os.path.join(tmp, "container-json.log"), out, base,
                           "docker json-file log")
        # BusyBox's syslogd (Alpine containers) adds facility.priority.
        busybox = [re.sub(rb"^(\S+ +\S+ \S+ \S+) ", rb"\1 mail.info ", l, count=1)
                   for l in classic_lines]
        check_same_records(mailgauge, os.path.join(tmp, "busybox.log"), busybox, base,
                           "BusyBox syslogd log")

    # journalctl -o json: one object per entry, with the fields journald
    # keeps (syslog lines from rsyslog here, so the same values).
    entry_re = re.compile(rb"^(\S+) (\S+) ([^\s\[]+)\[(\d+)\]: (.*?)\r?\n?$", re.S)
    out = []
    for l in lines:
        m = entry_re.match(l)
        check(m is not None, f"{iso[0]}: no syslog line: {l[:60]!r}")
        if not m:
            continue
        when = datetime.datetime.fromisoformat(m.group(1).decode())
        micros = int(when.timestamp()) * 1000000 + when.microsecond
        entry = {"__CURSOR": "s=0;i=%x" % len(out), "__REALTIME_TIMESTAMP": str(micros),
                 "_HOSTNAME": m.group(2).decode(), "SYSLOG_FACILITY": "2",
                 "SYSLOG_IDENTIFIER": m.group(3).decode(), "_PID": m.group(4).decode(),
                 "_SYSTEMD_UNIT": "postfix@-.service"}
        try:
            entry["MESSAGE"] = m.group(5).decode("utf-8")
        except UnicodeDecodeError:
            entry["MESSAGE"] = list(m.group(5))  # as journalctl writes binary data
        out.append(json.dumps(entry).encode() + b"\n")
    p = os.path.join(tmp, "journalctl.json")
    check_same_records(mailgauge, p, out, base, "journalctl -o json")
    reports = [subprocess.run([mailgauge, "report", "--format", "json", "--timezone", "UTC",
                               "--year", "2026", *threads, q], capture_output=True).stdout
               for threads, q in (((), iso_path), ((), p), (("--threads", "2"), p))]
    check(reports[0] == reports[1] == reports[2] and reports[0],
          "journalctl -o json: report differs from the ISO log's (or --threads 2's)")

    check_real_journalctl(mailgauge, lines, tmp)

    # Garbage mixed in: never a crash, the good lines still used, the bad counted.
    garbage = [b"\x00\x01\x02\xff\xfe binary\n", b"A" * (1 << 20) + b"\n", b"Nov 25 1\n",
               b"2026-11-25T10:00:00+00:00 host postfix/smtpd[1]: \xc3\x28 invalid utf8\n",
               b"<13>1 2026-13-45T99:99:99Z h p - - - broken\n", b"\n"]
    mixed = []
    for i, l in enumerate(lines):
        mixed.append(l)
        if i % 50 == 0:
            mixed.append(garbage[(i // 50) % len(garbage)])
    p = os.path.join(tmp, "garbage.log")
    with open(p, "wb") as f:
        f.writelines(mixed)
    rc, recs, unparsed, err = run_records(mailgauge, [p])
    check(rc == 0, f"garbage log: exit {rc}: {err}")
    check(normalize(recs) == base, "garbage log gives other records")
    check(len(unparsed) >= 4, f"garbage lines are reported: {len(unparsed)}")
    shutil.rmtree(tmp, ignore_errors=True)
    return finish()


def check_real_journalctl(mailgauge, iso_lines, tmp):
    """The ISO run written into a real .journal by systemd-journal-remote, then
    printed by the real journalctl in each of its text and JSON modes (in
    Europe/Berlin): each gives the records read from the journal file itself,
    the same times where the mode keeps microseconds."""
    if not journal_forms.available():
        print("systemd-journal-remote or journalctl missing: real journalctl forms not checked")
        return
    export_path, journal = os.path.join(tmp, "export.txt"), os.path.join(tmp, "real.journal")
    res = journal_forms.write_journal(iso_lines, export_path, journal, unit="postfix@-.service")
    check(res.returncode == 0, f"systemd-journal-remote: {res.stderr[-300:]!r}")
    zone = ["--timezone", "Europe/Berlin"]
    rc, from_journal, _, err = run_records(mailgauge, ["--journal-file", journal], zone)
    check(rc == 0 and from_journal, f"--journal-file: exit {rc}: {err}")
    for mode in journal_forms.JOURNALCTL_MODES:
        printed = journal_forms.journalctl_print(journal, mode, "Europe/Berlin")
        check(printed.returncode == 0, f"journalctl -o {mode}: {printed.stderr[-300:]!r}")
        path = os.path.join(tmp, f"real-journalctl.{mode}")
        with open(path, "wb") as f:
            f.write(printed.stdout)
        rc, recs, unparsed, err = run_records(mailgauge, [path], zone)
        check(rc == 0 and not unparsed,
              f"real journalctl -o {mode}: exit {rc}, not understood {unparsed[:3]}: {err}")
        check(normalize(recs) == normalize(from_journal),
              f"real journalctl -o {mode} gives other records than the journal file")
        if mode in journal_forms.PRECISE_MODES:
            check(recs == from_journal,
                  f"real journalctl -o {mode}: times differ from the journal file's")


def check_same_records(mailgauge, path, lines, base, what):
    """Writes `lines` to `path`: every line understood, the records of `base`."""
    with open(path, "wb") as f:
        f.writelines(lines)
    rc, recs, unparsed, err = run_records(mailgauge, [path])
    check(rc == 0 and not unparsed, f"{what}: exit {rc}, not understood {unparsed[:3]}: {err}")
    check(normalize(recs) == base, f"{what} gives other records")


def base_records_for(mailgauge, path):
    return run_records(mailgauge, [path])[1]


def finish():
    print(f"records corpus test: {passes} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
