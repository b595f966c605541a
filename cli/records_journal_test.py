#!/usr/bin/env python3
"""End-to-end check of `mailgauge records` reading the systemd journal.

usage: records_journal_test.py MAILGAUGE ISO_LOG CLASSIC_LOG

The real-Postfix corpus (ISO timestamps with microseconds) is turned into
journal entries (export format: SYSLOG_IDENTIFIER, SYSLOG_PID, MESSAGE,
_HOSTNAME, __REALTIME_TIMESTAMP, _SYSTEMD_UNIT, SYSLOG_FACILITY, ...), mixed
with other programs' entries, and written into a real .journal file by
systemd-journal-remote. Then:
  - `records --journal-file F` gives exactly the JSON of `records` on the ISO
    log (same zone), and the same instants in another zone;
  - the classic syslog copy of the corpus gives the same records (times
    aside, as that format has whole seconds only);
  - --journal-dir, --journal-unit, --journal-all select what they say;
  - --since/--until and --journal-cursor-file split the log without losing
    or repeating a line;
  - missing, empty and corrupt journal files give a clear error, not a crash.
Skips (exit 0 with a message) when systemd-journal-remote is not installed.
"""
import datetime
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

failures = []
passes = 0


def check(cond, what):
    global passes
    if cond:
        passes += 1
    else:
        failures.append(what)
        print("FAIL:", what, flush=True)


def journal_remote():
    env = os.environ.get("MAILGAUGE_JOURNAL_REMOTE")
    if env:
        return env
    for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"):
        if os.access(p, os.X_OK):
            return p
    return None


BOOT_ID = "5b1c4a7e0f3d4c2a9e8b7a6f5d4c3b2a"
LINE = re.compile(rb"^(\S+) (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: (.*)$", re.S)


def iso_micros(ts):
    t = datetime.datetime.fromisoformat(ts.decode())
    return int(t.timestamp()) * 1000000 + t.microsecond


def export_entry(fields):
    out = b""
    for name, value in fields:
        if isinstance(value, str):
            value = value.encode()
        if any(c < 0x20 and c != 9 for c in value):
            out += name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
        else:
            out += name.encode() + b"=" + value + b"\n"
    return out + b"\n"


def entry(micros, host, ident, pid, message, unit="postfix@-.service", facility="2"):
    f = [("__REALTIME_TIMESTAMP", str(micros)),
         ("__MONOTONIC_TIMESTAMP", str(micros - 1764000000000000)),
         ("_BOOT_ID", BOOT_ID), ("_HOSTNAME", host), ("_TRANSPORT", "syslog")]
    if ident is not None:
        f.append(("SYSLOG_IDENTIFIER", ident))
    if pid is not None:
        f.append(("SYSLOG_PID", pid))
    f.append(("MESSAGE", message))
    if unit:
        f.append(("_SYSTEMD_UNIT", unit))
    if facility:
        f.append(("SYSLOG_FACILITY", facility))
    return f


def entries_from_iso_log(path):
    """Journal entries for every line, plus other programs' entries."""
    entries = []
    with open(path, "rb") as f:
        lines = f.read().splitlines()
    for i, l in enumerate(lines):
        m = LINE.match(l)
        assert m, l
        ts, host, tag, pid, msg = m.groups()
        micros = iso_micros(ts)
        entries.append(entry(micros, host, tag, pid, msg))
        if i % 10 == 0:
            entries.append(entry(micros + 1, host, b"dovecot", b"4242",
                                 b"imap-login: Login: user=<bob@example.test>",
                                 unit="dovecot.service"))
            entries.append(entry(micros + 2, host, b"sshd", b"99",
                                 b"Accepted publickey for root", unit="ssh.service",
                                 facility="4"))
            entries.append(entry(micros + 3, host, b"postmulti", None,
                                 b"postmulti: fatal: bad \xff bytes\nsecond line",
                                 facility="3"))
    return entries, len(lines)


def write_journal(remote, path, entries):
    data = b"".join(export_entry(e) for e in entries)
    res = subprocess.run([remote, "-o", path, "-"], input=data, capture_output=True)
    if res.returncode != 0:
        raise RuntimeError(f"systemd-journal-remote failed: {res.stderr.decode()}")


def run(mailgauge, args, tz="UTC"):
    cmd = [mailgauge, "records", "--include-unfinished", "--timezone", tz, "--year", "2026",
           "--stats", *args]
    res = subprocess.run(cmd, capture_output=True)
    recs = [json.loads(l) for l in res.stdout.decode("utf-8").splitlines() if l.strip()]
    return res.returncode, recs, res.stderr.decode("utf-8", "replace")


def stat(err, what):
    m = re.search(r"(\d+) " + what, err)
    return int(m.group(1)) if m else None


TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def instants(value):
    """The records with every RFC 3339 time replaced by its instant."""
    if isinstance(value, dict):
        return {k: instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [instants(v) for v in value]
    if isinstance(value, str) and TIME.match(value):
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return value


def without_times(value):
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    if isinstance(value, str) and TIME.match(value):
        return "T"
    return value


def canonical(recs):
    return sorted(json.dumps(r, sort_keys=True) for r in recs)


def main():
    mailgauge, iso_log, classic_log = (os.path.abspath(a) for a in sys.argv[1:4])
    remote = journal_remote()
    if not remote:
        print("SKIP: systemd-journal-remote not found (apt-get install "
              "systemd-journal-remote); journal end-to-end test not run")
        return 0
    tmp = tempfile.mkdtemp(prefix="mailgauge-journal.", dir=os.environ.get("TEST_TMPDIR"))
    entries, n_lines = entries_from_iso_log(iso_log)
    jdir = os.path.join(tmp, "journal")
    os.mkdir(jdir)
    jfile = os.path.join(jdir, "system.journal")
    write_journal(remote, jfile, entries)

    rc, base, err = run(mailgauge, [iso_log])
    check(rc == 0 and base, f"records on {iso_log}: rc {rc}, {len(base)} records: {err}")

    rc, recs, err = run(mailgauge, ["--journal-file", jfile])
    check(rc == 0, f"--journal-file: exit {rc}: {err}")
    check(stat(err, "Postfix lines") == n_lines,
          f"--journal-file: want {n_lines} Postfix lines: {err}")
    check(stat(err, "parsed") == n_lines, f"--journal-file: every line parsed: {err}")
    check(stat(err, "from other programs") == (n_lines + 9) // 10 * 2,
          f"--journal-file: dovecot and postmulti entries counted as other programs: {err}")
    check(json.dumps(recs) == json.dumps(base),
          "--journal-file gives other JSON than the same lines as a syslog file")

    # Another zone: the same instants, shown with that zone's offset.
    rc, berlin, err = run(mailgauge, ["--journal-file", jfile], tz="Europe/Berlin")
    check(rc == 0 and instants(berlin) == instants(base),
          "--timezone Europe/Berlin: other instants than the UTC run")
    check(berlin and berlin[0]["arrival"].endswith("+01:00"),
          f"--timezone Europe/Berlin: times shown in +01:00: {berlin[:1]}")

    # The classic syslog copy (whole seconds): the same records, times aside.
    rc, classic, err = run(mailgauge, [classic_log])
    check(rc == 0 and canonical(without_times(classic)) == canonical(without_times(recs)),
          "the classic syslog copy gives other records than the journal")

    # The same journal as journalctl prints it, one entry per line (json,
    # json-seq, json-sse) or over several lines (export, json-pretty,
    # verbose), read
    # as a file: the same
    # records, on one thread and on two (whose workers hand these lines
    # back in order).
    journalctl = shutil.which("journalctl")
    check(journalctl is not None, "journalctl (Debian package systemd) is installed")
    forms = ["json", "json-seq", "json-sse", "export", "json-pretty", "verbose"]
    for form in forms if journalctl else ():
        text = os.path.join(tmp, "journal." + form)
        # verbose leaves binary values out without --all (the other programs'
        # entries have some); with it, their lines follow, indented.
        extra = ["--all"] if form == "verbose" else []
        with open(text, "wb") as out:
            res = subprocess.run([journalctl, "--file", jfile, "-o", form, "--no-pager", *extra],
                                 stdout=out, stderr=subprocess.PIPE)
        check(res.returncode == 0, f"journalctl -o {form}: {res.stderr.decode()}")
        for threads in ("1", "2"):
            rc, recs_text, err = run(mailgauge, ["--threads", threads, text])
            what = f"`journalctl -o {form}` read as a file, --threads {threads}"
            check(rc == 0 and json.dumps(recs_text) == json.dumps(base),
                  f"{what}: other records than the journal's: {err}")
            check(stat(err, "Postfix lines") == n_lines and stat(err, "parsed") == n_lines
                  and stat(err, "with an unreadable envelope") == 0,
                  f"{what}: want {n_lines} Postfix lines, all parsed: {err}")
            check(stat(err, "from other programs") == (n_lines + 9) // 10 * 3,
                  f"{what}: the other programs' entries, binary ones too: {err}")

    rc, recs_dir, err = run(mailgauge, ["--journal-dir", jdir])
    check(rc == 0 and json.dumps(recs_dir) == json.dumps(base),
          f"--journal-dir gives other records: {err}")

    rc, recs_unit, err = run(mailgauge, ["--journal-file", jfile, "--journal-unit", "postfix@-"])
    check(rc == 0 and json.dumps(recs_unit) == json.dumps(base),
          f"--journal-unit postfix@- gives other records: {err}")
    rc, recs_none, err = run(mailgauge, ["--journal-file", jfile, "--journal-unit",
                                         "postfix@postfix-out"])
    check(rc == 0 and not recs_none and stat(err, "Postfix lines") == 0,
          f"--journal-unit of another instance reads nothing: {err}")
    rc, recs_all, err = run(mailgauge, ["--journal-file", jfile, "--journal-all"])
    check(rc == 0 and json.dumps(recs_all) == json.dumps(base)
          and stat(err, "from other programs") == (n_lines + 9) // 10 * 3,
          f"--journal-all: the same records, sshd now counted too: {err}")

    # --until / --since split: every Postfix line read exactly once.
    with open(iso_log, "rb") as f:
        mid_line = f.read().splitlines()[n_lines // 2]
    mid = iso_micros(LINE.match(mid_line).group(1))
    until = datetime.datetime.fromtimestamp(mid / 1e6, datetime.timezone.utc).isoformat()
    rc1, _, err1 = run(mailgauge, ["--journal-file", jfile, "--until", until])
    since = datetime.datetime.fromtimestamp((mid + 1) / 1e6, datetime.timezone.utc).isoformat()
    rc2, _, err2 = run(mailgauge, ["--journal-file", jfile, "--since", since])
    a, b = stat(err1, "Postfix lines"), stat(err2, "Postfix lines")
    check(rc1 == 0 and rc2 == 0 and a and b and a + b == n_lines,
          f"--until {until} and --since {since}: {a} + {b} Postfix lines, want {n_lines}")

    # Cursor file: the first run stops at --until, the second resumes after it.
    cursor_file = os.path.join(tmp, "cursor")
    rc1, _, err1 = run(mailgauge, ["--journal-file", jfile, "--until", until,
                                   "--journal-cursor-file", cursor_file])
    check(os.path.exists(cursor_file) and open(cursor_file).read().startswith("s="),
          "--journal-cursor-file: cursor saved")
    rc2, _, err2 = run(mailgauge, ["--journal-file", jfile, "--journal-cursor-file", cursor_file])
    a, b = stat(err1, "Postfix lines"), stat(err2, "Postfix lines")
    check(rc1 == 0 and rc2 == 0 and a + b == n_lines,
          f"--journal-cursor-file: {a} + {b} Postfix lines, want {n_lines}")
    rc3, recs3, err3 = run(mailgauge, ["--journal-file", jfile, "--journal-cursor-file",
                                       cursor_file])
    check(rc3 == 0 and stat(err3, "Postfix lines") == 0 and not recs3,
          f"--journal-cursor-file at the end: nothing new: {err3}")

    # Bad input: a clear error naming the file, never a crash.
    empty = os.path.join(tmp, "empty.journal")
    open(empty, "wb").close()
    corrupt = os.path.join(tmp, "corrupt.journal")
    with open(jfile, "rb") as f:
        data = f.read()
    with open(corrupt, "wb") as f:
        f.write(data[:3000])
    text = os.path.join(tmp, "text.journal")
    shutil.copy(classic_log, text)
    for path, want in ((os.path.join(tmp, "missing.journal"), "No such file"),
                       (empty, "is empty"), (corrupt, "not a journal file or is corrupt"),
                       (text, "not a journal file or is corrupt")):
        rc, recs, err = run(mailgauge, ["--journal-file", path])
        check(rc == 1 and path in err and want in err,
              f"--journal-file {os.path.basename(path)}: want exit 1 and '{want}', "
              f"got {rc}: {err}")
    rc, recs, err = run(mailgauge, ["--journal-file", jfile, iso_log])
    check(rc == 2 and "not both" in err, f"journal and files together refused: {rc} {err}")
    rc, recs, err = run(mailgauge, ["--since", "today", iso_log])
    check(rc == 2 and "needs a journal" in err, f"--since without a journal: {rc} {err}")

    shutil.rmtree(tmp, ignore_errors=True)
    print(f"records journal test: {passes} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
