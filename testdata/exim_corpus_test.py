#!/usr/bin/env python3
"""End-to-end checks of mailgauge on the real-Exim corpus (testdata/exim/).

usage: exim_corpus_test.py MAILGAUGE [--update-goldens]

The logs were written by Debian 12's Exim 4.96 (testdata/exim-real/ holds the
scripts and configuration that drove it): its main log with the default
log_selector and with +all, and the same kind of traffic sent to syslog
(classic and RFC 3339 files written by rsyslog; with and without Exim's own
time in the message). Checked:
  - zero lines not understood, on every log;
  - `mailgauge records` against the golden testdata/exim/golden/<log>.records.jsonl
    (--update-goldens rewrites the goldens; review the diff like code);
  - every message of the two main-log runs against testdata/exim/truth.md
    (sender, bounce parent, each recipient's final outcome);
  - `mailgauge report --format json` totals against the truth's counts, and
    the text report against its golden;
  - the syslog forms: the classic and RFC 3339 files give the same records;
    each reject counted once though syslog_duplication sends it twice;
  - the default main log turned into syslog lines (as Exim sends them, the
    rejects twice) gives the main log's records;
  - the RFC 3339 syslog run as a real journal (systemd-journal-remote), and
    as the real journalctl prints it in each mode, gives its records;
  - the reject log given with the main log is named on stderr (its rejects
    would count twice).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import journal_forms

HERE = os.path.dirname(os.path.abspath(__file__))
EXIM = os.path.join(HERE, "exim")
LOGS = os.path.join(EXIM, "logs")
GOLDEN = os.path.join(EXIM, "golden")

failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what, flush=True)


def run(mailgauge, command, paths, extra=()):
    with tempfile.NamedTemporaryFile(prefix="unparsed.", delete=False) as tmp:
        unparsed_path = tmp.name
    cmd = [mailgauge, command, "--timezone", "UTC", "--year", "2026", "--unparsed",
           unparsed_path, "--quiet", *extra, *paths]
    res = subprocess.run(cmd, capture_output=True)
    with open(unparsed_path, "rb") as f:
        unparsed = f.read()
    os.unlink(unparsed_path)
    return res, unparsed


def records(mailgauge, paths):
    res, unparsed = run(mailgauge, "records", paths, ["--include-unfinished"])
    check(res.returncode == 0, "records %s: exit %d: %s" % (paths, res.returncode, res.stderr))
    return res.stdout.decode(), unparsed


# truth.md's outcome words -> the record's recipient status.
def truth_status(outcome):
    if outcome.endswith("delivered") or outcome.startswith("fake delivery"):
        return "sent"  # -N's "*>": Postfix's discard(8) counts as sent
    if "expired" in outcome:
        return "expired"
    if outcome.startswith("bounced"):
        return "bounced"
    if "still queued" in outcome:
        return "deferred"
    return None


def truth_messages(run_name):
    with open(os.path.join(EXIM, "truth.md")) as f:
        text = f.read()
    section = text.split("## Run `%s`" % run_name)[1].split("\n## ")[0]
    messages = {}
    for line in section.splitlines():
        # A cell's "|" is written "\\|" (a pipe recipient).
        line = line.replace("\\|", "\0")
        m = re.match(r"\| (\w{6}-\w{6}-\w{2}) \|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|", line)
        if not m:
            continue
        qid, _, sender, parent, outcomes = (g.strip().replace("\0", "|") for g in m.groups())
        rcpts = {}
        for part in outcomes.split("; "):
            address, outcome = part.rsplit(": ", 1)
            rcpts[address] = outcome
        messages[qid] = {"sender": "" if sender == "<>" else sender, "parent": parent,
                         "rcpts": rcpts}
    return messages


def truth_counts(run_name):
    with open(os.path.join(EXIM, "truth.md")) as f:
        text = f.read()
    section = text.split("## Run `%s`" % run_name)[1].split("\n## ")[0]
    def count(label):
        return int(re.search(r"- " + re.escape(label) + r"[^:]*: (\d+)", section).group(1))
    return {"received": count("messages received"),
            "delivered": count("recipient deliveries") + int(
                re.search(r"fake \(-N\) `\*>`: (\d+)", section).group(1)),
            "deferrals": count("deferral events"),
            "bounced": count("bounced recipients")}


def recipient_key(address):
    """truth.md writes a redirected recipient as Exim does ("alice
    <team@example.test>", "/path <archive@x>"): the address a record names."""
    m = re.match(r"(.+?)(?: <(\S+)>)?$", address)
    final, original = m.group(1), m.group(2)
    if original and (final[0] in "/|:" or "@" not in final):
        if final[0] in "/|:":
            return original
        return final + original[original.rindex("@"):]
    return final


def check_truth(run_name, out):
    by_id = {}
    for line in out.splitlines():
        r = json.loads(line)
        for qid in r["queue_ids"]:
            by_id[qid] = r
    truth = truth_messages(run_name)
    check(len(truth) >= 40, "%s: truth.md has %d messages" % (run_name, len(truth)))
    for qid, t in truth.items():
        r = by_id.get(qid)
        if r is None:
            check(False, "%s: %s: no record" % (run_name, qid))
            continue
        check(r["sender"] == t["sender"],
              "%s: %s: sender %r, want %r" % (run_name, qid, r["sender"], t["sender"]))
        check(r.get("parent_queue_id", "") == t["parent"],
              "%s: %s: parent %r, want %r" % (run_name, qid, r.get("parent_queue_id"),
                                               t["parent"]))
        got = {x["address"]: x["status"] for x in r["recipients"]}
        for address, outcome in t["rcpts"].items():
            if address == "(all)":
                # -Mrm before any delivery: the message ends deleted, no recipient.
                check(r["end"] == "deleted" and not got,
                      "%s: %s: end %s with %s, want deleted" % (run_name, qid, r["end"], got))
                continue
            key = recipient_key(address)
            want = truth_status(outcome)
            check(want is not None and got.get(key) == want,
                  "%s: %s: %s is %s, want %s (%s)" % (run_name, qid, key, got.get(key), want,
                                                     outcome))


def golden(name, text, update):
    path = os.path.join(GOLDEN, name)
    if update:
        with open(path, "w") as f:
            f.write(text)
        return
    with open(path) as f:
        want = f.read()
    if text != want:
        got_lines, want_lines = text.splitlines(), want.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(got_lines, want_lines)) if a != b),
                     min(len(got_lines), len(want_lines)))
        check(False, "%s differs from the golden at line %d (--update-goldens rewrites it)"
              % (name, first + 1))
    else:
        check(True, name)


def as_syslog(mainlog_path):
    """The main log as Exim sends it to syslog with its defaults (the
    syslog_timestamp'd line in the message; each reject twice, for the main
    and the reject log), in rsyslog's classic file form."""
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec"]
    out = []
    pid = 1000
    with open(mainlog_path) as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"(\d{4})-(\d\d)-(\d\d) (\d\d:\d\d:\d\d) ", line)
            stamp = "%s %2d %s" % (months[int(m.group(2)) - 1], int(m.group(3)), m.group(4))
            pid += 1
            out.append("%s mx exim[%d]: %s" % (stamp, pid, line))
            if "rejected" in line and " ** " not in line and " == " not in line:
                out.append(out[-1])
    return "\n".join(out) + "\n"


def check_journal(mailgauge, from_iso):
    """The RFC 3339 syslog run written into a real journal (Exim's entries,
    facility mail, no unit: selected by default), read with --journal-file,
    and printed by the real journalctl in each mode: the records of the
    syslog file each time (times to the second where a mode drops the
    microseconds)."""
    if not journal_forms.available():
        print("systemd-journal-remote or journalctl missing: journal forms not checked")
        return
    tmp = tempfile.mkdtemp()
    with open(os.path.join(LOGS, "syslog.iso.log"), "rb") as f:
        lines = [l for l in f.read().splitlines(keepends=True) if b" exim[" in l]
    journal = os.path.join(tmp, "exim.journal")
    res = journal_forms.write_journal(lines, os.path.join(tmp, "export.txt"), journal)
    check(res.returncode == 0, "systemd-journal-remote: %r" % res.stderr[-300:])
    res, unparsed = run(mailgauge, "records", [], ["--include-unfinished", "--journal-file",
                                                   journal])
    from_journal = res.stdout.decode()
    check(res.returncode == 0 and not unparsed and from_journal == from_iso,
          "--journal-file gives other records than the syslog file: %s" % res.stderr[-300:])

    def to_seconds(out):
        return re.sub(r'(\d\d:\d\d:\d\d)\.\d+', r"\1", re.sub(r'"delay":[^,]*,', "", out))
    for mode in journal_forms.JOURNALCTL_MODES:
        printed = journal_forms.journalctl_print(journal, mode, "UTC")
        path = os.path.join(tmp, "journalctl." + mode)
        with open(path, "wb") as f:
            f.write(printed.stdout)
        out, unparsed = records(mailgauge, [path])
        check(printed.returncode == 0 and not unparsed,
              "journalctl -o %s: not understood: %r" % (mode, unparsed[:300]))
        if mode in journal_forms.PRECISE_MODES:
            check(out == from_journal, "journalctl -o %s: other records" % mode)
        else:
            check(to_seconds(out) == to_seconds(from_journal),
                  "journalctl -o %s: other records" % mode)


def main():
    mailgauge = os.path.abspath(sys.argv[1])
    update = "--update-goldens" in sys.argv[2:]
    logs = sorted(os.listdir(LOGS))
    outputs = {}
    for log in logs:
        out, unparsed = records(mailgauge, [os.path.join(LOGS, log)])
        check(unparsed == b"", "%s: lines not understood:\n%s" % (log, unparsed.decode()[:2000]))
        check(out.count("\n") >= 15, "%s: %d records" % (log, out.count("\n")))
        golden(log + ".records.jsonl", out, update)
        outputs[log] = out

    for run_name in ("default", "rich"):
        check_truth(run_name, outputs[run_name + ".mainlog"])
        res, _ = run(mailgauge, "report", [os.path.join(LOGS, run_name + ".mainlog")],
                     ["--format", "json"])
        totals = json.loads(res.stdout)["totals"]
        want = truth_counts(run_name)
        # truth.md counts every "<=" as received; pflogsumm's received (and
        # mailgauge's) leaves out the bounces the server made itself.
        bounces = sum(1 for t in truth_messages(run_name).values() if t["parent"])
        check(totals["received"] == want["received"] - bounces,
              "%s: received %d, want %d" % (run_name, totals["received"],
                                            want["received"] - bounces))
        for key in ("delivered", "deferrals", "bounced"):
            check(totals[key] == want[key],
                  "%s: %s %d, want %d" % (run_name, key, totals[key], want[key]))

    res, _ = run(mailgauge, "report", [os.path.join(LOGS, "default.mainlog")])
    golden("default.mainlog.report.txt", res.stdout.decode(), update)
    check(res.stdout.decode().startswith("Exim log summaries for Nov 27 2026\n"),
          "the report's title: %r" % res.stdout.decode()[:60])

    # The two syslog files of the same run (the RFC 3339 one has
    # microseconds, so times and the delays they give are left out), and
    # rejects counted once.
    def without_times(out):
        records = []
        for line in out.splitlines():
            r = dict(json.loads(line), host="", arrival="", completion="")
            r["recipients"] = [dict(x, time="", delay=None) for x in r["recipients"]]
            records.append(r)
        return records
    check(without_times(outputs["syslog.syslog"]) == without_times(outputs["syslog.iso.log"]),
          "syslog.syslog and syslog.iso.log give different records")
    with open(os.path.join(LOGS, "syslog.syslog")) as f:
        text = f.read()
    distinct_rejects = 0
    previous = None
    for line in text.splitlines():
        body = line.split(": ", 1)[1] if ": " in line else line
        body = re.sub(r"^\[\d+[\\/]\d+\] ", "", body)
        body = re.sub(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", "", body)
        is_reject = ("rejected" in body and " ** " not in body and " == " not in body
                     and not re.match(r"\w{6}-\w{6}-\w{2} \*\* ", body))
        if is_reject and body != previous:
            distinct_rejects += 1
            previous = body
        elif is_reject:
            previous = None
    res, _ = run(mailgauge, "report", [os.path.join(LOGS, "syslog.syslog")],
                 ["--format", "json"])
    totals = json.loads(res.stdout)["totals"]
    check(distinct_rejects >= 4 and totals["rejected"] == distinct_rejects,
          "syslog.syslog: %d rejected, want %d (each reject once)"
          % (totals["rejected"], distinct_rejects))

    # The default main log sent through syslog.
    with tempfile.NamedTemporaryFile("w", suffix=".syslog", delete=False) as tmp:
        tmp.write(as_syslog(os.path.join(LOGS, "default.mainlog")))
        syslog_path = tmp.name
    out, unparsed = records(mailgauge, [syslog_path])
    os.unlink(syslog_path)
    check(unparsed == b"", "default.mainlog as syslog: lines not understood")
    def without_host(out):
        return [dict(json.loads(l), host="") for l in out.splitlines()]
    check(without_host(out) == without_host(outputs["default.mainlog"]),
          "default.mainlog as syslog gives other records than the main log")

    check_journal(mailgauge, outputs["syslog.iso.log"])

    # The reject log given as well: its rejects would count twice, which
    # stderr says.
    res = subprocess.run([mailgauge, "report", "--timezone", "UTC",
                          os.path.join(LOGS, "default.mainlog"),
                          os.path.join(EXIM, "rejectlog.default")], capture_output=True)
    check(res.returncode == 0 and b"in the form of Exim's reject log" in res.stderr and
          b"read the main log alone" in res.stderr,
          "mainlog and rejectlog: no note on stderr: %r" % res.stderr[-600:])

    print("exim_corpus_test: %d passed, %d failed" % (passes, len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
