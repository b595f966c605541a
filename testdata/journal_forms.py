"""Real journal files and the real journalctl's output, for the corpus tests.

write_journal() turns RFC 3339 syslog lines into a .journal written by
systemd's own writer (systemd-journal-remote, from the journal export
format); journalctl_print() prints a journal file the way an administrator
saves it. Both need Debian's systemd-journal-remote and journalctl
(available() says whether they are there).
"""
import datetime
import os
import re
import shutil
import struct
import subprocess

JOURNAL_REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                                    "/usr/lib/systemd/systemd-journal-remote")
                       if os.access(p, os.X_OK)), None)
# journalctl's modes whose lines carry a date (mailgauge reads them all).
JOURNALCTL_MODES = ("short", "short-iso", "short-iso-precise", "short-precise", "short-full",
                    "short-unix", "json", "json-seq")
# The modes that keep the microseconds of each entry's time.
PRECISE_MODES = ("short-iso-precise", "short-precise", "short-unix", "json", "json-seq")


def available():
    return bool(JOURNAL_REMOTE) and bool(shutil.which("journalctl"))


def write_journal(iso_lines, export_path, journal_path, unit=None):
    """Writes `iso_lines` ("TIME HOST PROG[PID]: MESSAGE", bytes) as entries
    of facility mail (and of `unit` when given) into `journal_path`;
    returns systemd-journal-remote's CompletedProcess."""
    export = bytearray()
    for l in iso_lines:
        m = re.match(rb"^(\S+) (\S+) ([^\s\[]+)\[(\d+)\]: (.*?)\r?\n?$", l, re.S)
        when = datetime.datetime.fromisoformat(m.group(1).decode())
        micros = int(when.timestamp()) * 1000000 + when.microsecond
        fields = [(b"__REALTIME_TIMESTAMP", str(micros).encode()),
                  (b"__MONOTONIC_TIMESTAMP", b"1000"),
                  (b"_BOOT_ID", b"0123456789abcdef0123456789abcdef"),
                  (b"_HOSTNAME", m.group(2)), (b"SYSLOG_IDENTIFIER", m.group(3)),
                  (b"SYSLOG_PID", m.group(4)), (b"SYSLOG_FACILITY", b"2")]
        if unit:
            fields.append((b"_SYSTEMD_UNIT", unit.encode()))
        fields.append((b"MESSAGE", m.group(5)))
        for name, value in fields:
            if any(c < 32 for c in value):  # the export format's binary form
                export += name + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
            else:
                export += name + b"=" + value + b"\n"
        export += b"\n"
    with open(export_path, "wb") as f:
        f.write(export)
    return subprocess.run([JOURNAL_REMOTE, "-o", journal_path, export_path],
                          capture_output=True)


def journalctl_print(journal_path, mode, zone):
    """`journalctl --file JOURNAL -o MODE` in time zone `zone`."""
    return subprocess.run(["journalctl", "--file", journal_path, "-o", mode],
                          capture_output=True, env=dict(os.environ, TZ=zone))
