#!/usr/bin/env bash
# A log with no mail line in it (a syslog file of other programs, journalctl
# output without dates) gives its report or records and a warning that says
# so and why, instead of an empty report alone; a Postfix log, or Exim's (its
# main log, its syslog lines), gives no such warning, and --quiet silences it.
set -uo pipefail
mg=$PWD/mailgauge
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
checks=0

cat > "$tmp/mainlog" <<'LOG'
2026-11-25 10:00:01 1vABCD-000123-AB <= alice@example.org H=mail.example.org [192.0.2.10] P=esmtps S=2345 id=abc@example.org
2026-11-25 10:00:02 1vABCD-000123-AB => bob@example.net R=dnslookup T=remote_smtp H=mx.example.net [198.51.100.5] C="250 2.0.0 Ok"
2026-11-25 10:00:02 1vABCD-000123-AB Completed
LOG
cat > "$tmp/syslog" <<'LOG'
Nov 25 10:00:01 mx dovecot[12]: imap-login: Login: user=<a>
Nov 25 10:00:02 mx opendkim[13]: 4B0C72A1F3: DKIM-Signature field added
Nov 25 10:00:03 mx dovecot[12]: imap-login: Login: user=<b>
LOG

# Exim's reject log repeats the main log's rejects: beside it, not read.
cat > "$tmp/rejectlog" <<'LOG'
2026-11-25 10:00:03 H=(x) [192.0.2.1] F=<a@example.org> rejected RCPT <b@example.net>: relay not permitted
LOG

# journalctl's forms without a date, as journalctl 252 writes them.
cat > "$tmp/monotonic" <<'LOG'
[    5.123456] mx postfix/smtpd[12]: connect from a[192.0.2.1]
[    5.223456] mx postfix/smtpd[12]: disconnect from a[192.0.2.1]
LOG
cat > "$tmp/cat" <<'LOG'
connect from a[192.0.2.1]
4B0C72A1F3: client=a[192.0.2.1]
4B0C72A1F3: removed
LOG

# expect NAME COMMAND... : exit 0, and stderr matches each of $want, none of $unwanted.
expect() {
  local name=$1
  shift
  "$mg" "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  checks=$((checks + 1))
  local ok=1
  [[ $rc == 0 ]] || ok=0
  for pattern in "${want[@]}"; do grep -q -- "$pattern" "$tmp/err" || ok=0; done
  for pattern in "${unwanted[@]}"; do ! grep -q -- "$pattern" "$tmp/err" || ok=0; done
  if ((ok == 0)); then
    echo "FAIL: $name (mailgauge $*): exit $rc, stderr:"
    cat "$tmp/err"
    failures=$((failures + 1))
  fi
}

warning="warning: no line of the input is from Postfix"
for command in report records; do
  want=()
  unwanted=("$warning" "not analyzed" "unreadable envelope" "not understood")
  expect "Exim main log" "$command" "$tmp/mainlog"
  want=("$warning" "lines by program: dovecot 2, opendkim 1")
  unwanted=()
  expect "other programs" "$command" "$tmp/syslog"
  want=("$warning" "2 lines in the form of journalctl -o short-monotonic" "journalctl -o short-iso")
  expect "journalctl -o short-monotonic" "$command" "$tmp/monotonic"
  want=("$warning" "3 lines that look like Postfix messages without a time" "journalctl -o cat?")
  expect "journalctl -o cat" "$command" "$tmp/cat"
  want=("not read: $tmp/rejectlog, Exim's reject log")
  unwanted=("$warning")
  expect "Exim reject log beside the main log" "$command" "$tmp/mainlog" "$tmp/rejectlog"
  want=()
  unwanted=("$warning" "not read")
  expect "Exim reject log alone" "$command" "$tmp/rejectlog"
  want=()
  unwanted=("$warning" "Exim")
  expect "quiet" "$command" --quiet "$tmp/mainlog"
  expect "Postfix log" "$command" testdata/logs/postfix_real.syslog
done
echo "foreign_input_test: $checks checks, $failures failed"
((failures == 0))
