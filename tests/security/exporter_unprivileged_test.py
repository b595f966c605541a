"""The exporter never needs root (docs/security.md, docs/monitoring.md,
packaging/mailgauge-exporter.service).

    python3 tests/security/exporter_unprivileged_test.py BINARY

Runs the real mailgauge_exporter as `nobody:nogroup` with only the
supplementary groups the unit gives it for reading logs (adm,
systemd-journal), through setpriv, with umask 000:
  1. it reads a log that only group adm may read (root:adm 0640, as
     Debian's /var/log/mail.log) and a journal directory that only group
     systemd-journal may read (root:systemd-journal 2755, files 0640, as
     /var/log/journal), serves /metrics on 127.0.0.1, runs with no
     capability, and on SIGTERM writes its state file, 0600 and owned by
     nobody, into a directory it owns;
  2. without group adm the log is refused: a warning names the file and
     "Permission denied", mailgauge_source_up for it is 0, the journal is
     still read, /metrics still answers, SIGTERM ends it with status 0 (a
     clear error, not a crash).
Needs root (to make the files and switch users), setpriv, the groups adm
and systemd-journal and systemd-journal-remote (to write a real journal
file); without them it prints SKIPPED and passes. CI runs as root.
"""
import grp
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "exporter"))
import e2e_util  # noqa: E402

CORPUS = "testdata/logs/postfix_real.syslog"
JOURNAL_ENTRIES = 40
fail = e2e_util.fail


def skip(why):
    print("SKIPPED: " + why)
    sys.exit(0)


def journal_remote():
    for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"):
        if os.access(p, os.X_OK):
            return p
    return None


def make_journal(remote, directory, work):
    export = os.path.join(work, "entries.export")
    with open(export, "w") as f:
        for i in range(JOURNAL_ENTRIES):
            t = 1700000000000000 + i * 1000000
            f.write("__REALTIME_TIMESTAMP=%d\n__MONOTONIC_TIMESTAMP=%d\n"
                    "_BOOT_ID=5b1c4a7e0f3d4c2a9e8b7a6f5d4c3b2a\n_HOSTNAME=mx\n"
                    "SYSLOG_IDENTIFIER=postfix/smtpd\nSYSLOG_PID=%d\nSYSLOG_FACILITY=2\n"
                    "_SYSTEMD_UNIT=postfix@-.service\n"
                    "MESSAGE=connect from unknown[192.0.2.%d]\n\n" % (t, i + 1, 100 + i, i + 1))
    path = os.path.join(directory, "system.journal")
    r = subprocess.run([remote, "-o", path, export], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
    if r.returncode != 0 or not os.path.exists(path):
        fail("systemd-journal-remote failed: %s" % r.stderr.decode())
    return path


def proc_status(pid):
    out = {}
    for line in open("/proc/%d/status" % pid):
        key, _, value = line.partition(":")
        out[key] = value.split()
    return out


class Run:
    """The exporter as nobody with `groups`, reading the log as source
    "mail" and the journal directory."""

    def __init__(self, work, name, binary, groups, log, journal_dir, state):
        wrapper = os.path.join(work, name + ".sh")
        with open(wrapper, "w") as f:
            f.write("#!/bin/sh\numask 000\nexec setpriv --reuid=nobody --regid=nogroup "
                    "--groups=%s -- %s \"$@\"\n" % (",".join(groups), binary))
        os.chmod(wrapper, 0o755)
        self.stderr_path = os.path.join(work, name + ".stderr")
        self.proc, self.port = e2e_util.start(
            [wrapper, "--log.file", "mail=" + log, "--journal.dir", journal_dir,
             "--log.from-beginning", "--log.poll-interval", "50ms",
             "--state.file", state, "--postfix.queue-dir", os.path.join(work, "spool")],
            self.stderr_path)

    def metrics(self):
        status, body = e2e_util.scrape(self.port)
        if status != 200:
            fail("scrape answered %d" % status)
        return e2e_util.parse(body)

    def value(self, name, source):
        return self.metrics().get('%s{source="%s"}' % (name, source))

    def wait_for(self, what, pred):
        e2e_util.wait_for(what, pred, timeout=20, stderr_path=self.stderr_path)

    def stderr(self):
        return open(self.stderr_path).read()

    def terminate(self):
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("no exit within 20 s of SIGTERM")
        if rc != 0:
            fail("exit status %d after SIGTERM (negative: killed by a signal):\n%s"
                 % (rc, self.stderr()))


def main():
    binary = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        skip("needs root to make root:adm files and switch to nobody")
    if shutil.which("setpriv") is None:
        skip("setpriv (util-linux) not installed")
    try:
        adm = grp.getgrnam("adm").gr_gid
        journal_gid = grp.getgrnam("systemd-journal").gr_gid
        nobody = pwd.getpwnam("nobody").pw_uid
        nogroup = grp.getgrnam("nogroup").gr_gid
    except KeyError as e:
        skip("no such user or group on this system: %s" % e)
    remote = journal_remote()
    if remote is None:
        skip("systemd-journal-remote not installed")

    work = tempfile.mkdtemp(prefix="unprivileged_")
    try:
        os.chmod(work, 0o755)  # mkdtemp's 0700 would stop nobody at the door
        exe = os.path.join(work, "mailgauge_exporter")  # runfiles may be closed to nobody
        shutil.copy(binary, exe)
        os.chmod(exe, 0o755)
        os.mkdir(os.path.join(work, "spool"))

        logdir = os.path.join(work, "log")
        os.mkdir(logdir)
        log = os.path.join(logdir, "mail.log")
        shutil.copy(CORPUS, log)
        os.chown(log, 0, adm)
        os.chmod(log, 0o640)
        log_lines = sum(1 for _ in open(log, "rb"))

        journal_dir = os.path.join(work, "journal")
        os.mkdir(journal_dir)
        jfile = make_journal(remote, journal_dir, work)
        os.chown(journal_dir, 0, journal_gid)
        os.chmod(journal_dir, 0o2755)
        os.chown(jfile, 0, journal_gid)
        os.chmod(jfile, 0o640)

        statedir = os.path.join(work, "state")
        os.mkdir(statedir)
        os.chown(statedir, nobody, nogroup)
        os.chmod(statedir, 0o700)
        state = os.path.join(statedir, "state.json")

        # 1. The documented groups are enough.
        r = Run(work, "with_groups", exe, ["adm", "systemd-journal"], log, journal_dir, state)
        try:
            st = proc_status(r.proc.pid)
            if st["Uid"] != [str(nobody)] * 4 or st["Gid"] != [str(nogroup)] * 4:
                fail("not running as nobody:nogroup: Uid %s Gid %s" % (st["Uid"], st["Gid"]))
            if sorted(st["Groups"]) != sorted([str(adm), str(journal_gid)]):
                fail("supplementary groups %s, want adm and systemd-journal" % st["Groups"])
            if int(st["CapEff"][0], 16) != 0 or int(st["CapPrm"][0], 16) != 0:
                fail("has capabilities: CapEff %s CapPrm %s" % (st["CapEff"], st["CapPrm"]))
            r.wait_for("all %d log lines" % log_lines,
                       lambda: r.value("mailgauge_log_lines_read_total", "mail") == log_lines)
            r.wait_for("all %d journal entries" % JOURNAL_ENTRIES,
                       lambda: r.value("mailgauge_log_lines_read_total", "journal")
                       == JOURNAL_ENTRIES)
            for source in ("mail", "journal"):
                if r.value("mailgauge_source_up", source) != 1:
                    fail("mailgauge_source_up{source=%s} is not 1" % source)
        finally:
            if r.proc.poll() is None:
                r.terminate()
        if not os.path.exists(state):
            fail("no state file written on SIGTERM:\n" + r.stderr())
        sst = os.lstat(state)
        if (sst.st_mode & 0o7777) != 0o600 or sst.st_uid != nobody:
            fail("state file mode %o owner %d, want 0600 nobody (umask was 000)"
                 % (sst.st_mode & 0o7777, sst.st_uid))
        if os.path.exists(state + ".tmp"):
            fail("the state file's temporary file was left behind")
        print("ok: as nobody with adm and systemd-journal: read %d log lines and %d journal "
              "entries, served /metrics, no capabilities, state file 0600" %
              (log_lines, JOURNAL_ENTRIES))

        # 2. Without adm the log is refused clearly; the rest works.
        os.unlink(state)
        r = Run(work, "without_adm", exe, ["systemd-journal"], log, journal_dir, state)
        try:
            r.wait_for("journal read",
                       lambda: r.value("mailgauge_log_lines_read_total", "journal")
                       == JOURNAL_ENTRIES)
            r.wait_for("a warning naming the log",
                       lambda: any(log in l and "Permission denied" in l
                                   for l in r.stderr().splitlines()))
            if r.value("mailgauge_source_up", "mail") != 0:
                fail("mailgauge_source_up{source=mail} is not 0 for an unreadable log")
            if r.value("mailgauge_log_lines_read_total", "mail") not in (None, 0):
                fail("lines counted from a log it cannot read")
        finally:
            if r.proc.poll() is None:
                r.terminate()
        print("ok: without adm: 'cannot open %s: Permission denied' logged, source_up 0, "
              "kept serving, clean exit" % log)
        print("PASS")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
