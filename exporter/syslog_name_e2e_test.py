"""The exporter on logs that are not (only) default-named Postfix:

- a Postfix whose syslog_name is "mail" is counted once --log.syslog-name
  mail is given, and is "other programs" without it;
- a log with no Postfix line in its first 1000 lines (Exim's main log) gets
  one warning on stderr saying so, naming Exim's main log.

    python3 exporter/syslog_name_e2e_test.py mailgauge_exporter
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e_util  # noqa: E402

binary = os.path.abspath(sys.argv[1])
tmp = os.environ.get("TEST_TMPDIR") or tempfile.mkdtemp()

custom = os.path.join(tmp, "custom.log")
with open(custom, "w") as f:
    for i in range(3):
        f.write("Nov 25 10:00:0%d mx mail/smtpd[12]: connect from a.example[192.0.2.%d]\n"
                % (i, i + 1))

exim = os.path.join(tmp, "mainlog")
with open(exim, "w") as f:
    for i in range(1200):
        f.write("2026-11-25 10:%02d:%02d 1vABCD-%06d-AB <= alice@example.org S=2345\n"
                % (i // 60 % 60, i % 60, i))


def run(log, extra, name):
    err = os.path.join(tmp, name + ".err")
    proc, port = e2e_util.start([binary, "--log.file", log, "--log.from-beginning",
                                 "--log.year", "2026", "--log.poll-interval", "50ms"] + extra,
                                err)
    try:
        want = sum(1 for _ in open(log))
        e2e_util.wait_for(
            name + ": every line read",
            lambda: sum(v for k, v in e2e_util.parse(e2e_util.scrape(port)[1]).items()
                        if k.startswith("mailgauge_log_lines_read_total")) >= want,
            stderr_path=err)
        series = e2e_util.parse(e2e_util.scrape(port)[1])
    finally:
        e2e_util.stop(proc)
    return series, open(err).read()


def total(series, name):
    return sum(v for k, v in series.items() if k == name or k.startswith(name + "{"))


series, _ = run(custom, ["--log.syslog-name", "mail"], "named")
if total(series, "postfix_smtpd_connects_total") != 3:
    e2e_util.fail("with --log.syslog-name mail: %s smtpd connects, want 3"
                  % total(series, "postfix_smtpd_connects_total"))
if total(series, "mailgauge_log_lines_other_programs_total") != 0:
    e2e_util.fail("with --log.syslog-name mail: lines counted as other programs")

series, _ = run(custom, [], "unnamed")
if total(series, "postfix_smtpd_connects_total") != 0:
    e2e_util.fail("without --log.syslog-name: mail/smtpd lines were counted as Postfix's")
if total(series, "mailgauge_log_lines_other_programs_total") != 3:
    e2e_util.fail("without --log.syslog-name: %s other-program lines, want 3"
                  % total(series, "mailgauge_log_lines_other_programs_total"))

# Exim's main log is read (parsers/exim/exim_log.h): no warning, no
# malformed line, its local submissions counted as Postfix's pickups are.
series, err = run(exim, [], "exim")
warnings = [l for l in err.splitlines() if "is from Postfix" in l]
if warnings:
    e2e_util.fail("Exim main log: a warning that no line is Postfix's, stderr:\n" + err)
if total(series, "mailgauge_log_lines_malformed_total") != 0:
    e2e_util.fail("Exim main log: %s malformed lines, want 0"
                  % total(series, "mailgauge_log_lines_malformed_total"))
if total(series, "postfix_qmgr_messages_inserted_size_bytes_count") != 1200:
    e2e_util.fail("Exim main log: %s messages queued, want 1200"
                  % total(series, "postfix_qmgr_messages_inserted_size_bytes_count"))
print("syslog_name_e2e_test: ok")
