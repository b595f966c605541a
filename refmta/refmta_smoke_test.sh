#!/bin/bash
# End-to-end smoke test of the refmta binary: serve with the sample
# configuration, one SMTP session from inside mynetworks, one relay attempt
# from outside, one sendmail -t submission, then `refmta reload` after adding an
# alias and a .forward, and one more submission; then check the log lines, the
# ledger and the mailboxes, and stop the server with SIGTERM.
set -euo pipefail
BIN="$1"
EXAMPLES="$(dirname "$2")"
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/refmta_smoke.XXXXXX")"
mkdir -p "$TMP/cfg"
cp "$EXAMPLES"/main.cf "$EXAMPLES"/aliases "$EXAMPLES"/local_users "$EXAMPLES"/vmailbox \
   "$EXAMPLES"/header_checks "$TMP/cfg/"

"$BIN" serve --config-dir "$TMP/cfg" --listen 127.0.0.1:0 --spool "$TMP/spool" \
  --log "$TMP/maillog" --ledger "$TMP/ledger.jsonl" 2>"$TMP/stderr" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q 'listening on' "$TMP/stderr" && break
  sleep 0.1
done
PORT="$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/stderr")"
[ -n "$PORT" ] || { cat "$TMP/stderr"; echo "server did not start"; exit 1; }

# expect LINE: send a command and check the reply starts with CODE.
smtp_session() {
  exec 3<>"/dev/tcp/127.0.0.1/$PORT"
  local reply
  read -r reply <&3
  for pair in "$@"; do
    local cmd="${pair%%|*}" want="${pair##*|}"
    printf '%s\r\n' "$cmd" >&3
    while read -r reply <&3; do
      [[ "${reply:3:1}" == "-" ]] || break
    done
    if [[ "$reply" != "$want"* ]]; then
      echo "after '$cmd': got '$reply', want '$want'"; exit 1
    fi
  done
  exec 3>&-
}
smtp_session "EHLO client.example|250 " "MAIL FROM:<sender@partner.example>|250 2.1.0" \
  "RCPT TO:<sales@example.com>|250 2.1.5" "RCPT TO:<dora@virtual.example.org>|250 2.1.5" \
  "RCPT TO:<nobody@example.com>|550 5.1.1" \
  "DATA|354" $'Subject: hello\r\n\r\nhi there\r\n.|250 2.0.0 Ok: queued as' "QUIT|221"

printf 'To: bob@example.com\nSubject: local\n\nfrom sendmail\n' |
  "$BIN" sendmail --config-dir "$TMP/cfg" --spool "$TMP/spool" -t -f alice

# Wait for the four local/virtual deliveries and the deferral of the
# forwarded copy (the relay host on 127.0.0.1:2526 is down).
for _ in $(seq 100); do
  n="$(grep -c '"event":"delivered"' "$TMP/ledger.jsonl" || true)"
  d="$(grep -c '"event":"deferred"' "$TMP/ledger.jsonl" || true)"
  [ "$n" -ge 5 ] && [ "$d" -ge 1 ] && break
  sleep 0.1
done

# Reload: a new alias, and a .forward for bob (under the spool, as refmta has
# no system users) that keeps a copy and forwards one; then `refmta reload`.
printf 'helpdesk: bob\n' >> "$TMP/cfg/aliases"
mkdir -p "$TMP/spool/home/bob"
printf '# bob forwards\n\\bob, bob-away@partner.example\n' > "$TMP/spool/home/bob/.forward"
"$BIN" reload --config-dir "$TMP/cfg" --spool "$TMP/spool"
for _ in $(seq 50); do grep -q 'reload -- version' "$TMP/maillog" && break; sleep 0.1; done
printf 'To: helpdesk@example.com\nSubject: after reload\n\nnew alias\n' |
  "$BIN" sendmail --config-dir "$TMP/cfg" --spool "$TMP/spool" -t -f alice
for _ in $(seq 100); do
  grep -q '"event":"deferred",.*"recipient":"bob-away@partner.example"' "$TMP/ledger.jsonl" && break
  sleep 0.1
done
sleep 0.5
kill -TERM $PID
wait $PID
trap - EXIT
[ ! -e "$TMP/spool/pid/master.pid" ] || { echo "FAIL: master.pid left behind"; exit 1; }

fail() { echo "FAIL: $*"; echo "--- maillog"; cat "$TMP/maillog"; echo "--- ledger"; cat "$TMP/ledger.jsonl"; exit 1; }
LOG="$TMP/maillog"
grep -Eq 'postfix/smtpd\[[0-9]+\]: connect from localhost\[127\.0\.0\.1\]$' "$LOG" || fail connect
grep -Eq 'postfix/smtpd\[[0-9]+\]: NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody@example\.com>: Recipient address rejected: User unknown in local recipient table; from=<sender@partner\.example> to=<nobody@example\.com> proto=ESMTP helo=<client\.example>$' "$LOG" && fail "reject should carry the queue ID"
grep -Eq ': reject: RCPT from localhost\[127\.0\.0\.1\]: 550 5\.1\.1 <nobody@example\.com>' "$LOG" || fail reject
grep -Eq 'postfix/qmgr\[[0-9]+\]: [0-9A-F]{10,}: from=<sender@partner\.example>, size=[0-9]+, nrcpt=2 \(queue active\)$' "$LOG" || fail qmgr
grep -Eq 'postfix/local\[[0-9]+\]: [0-9A-F]+: to=<alice@example\.com>, orig_to=<sales@example\.com>, relay=local, delay=[0-9.]+, delays=[0-9.]+/[0-9.]+/0/[0-9.]+, dsn=2\.0\.0, status=sent \(delivered to mailbox\)$' "$LOG" || fail local
grep -Eq 'postfix/local\[[0-9]+\]: [0-9A-F]+: to=<sales@example\.com>, relay=local, .* status=sent \(forwarded as [0-9A-F]+\)$' "$LOG" || fail forward
grep -Eq 'postfix/virtual\[[0-9]+\]: [0-9A-F]+: to=<dora@virtual\.example\.org>, relay=virtual, .* status=sent \(delivered to maildir\)$' "$LOG" || fail virtual
grep -Eq 'postfix/pickup\[[0-9]+\]: [0-9A-F]+: uid=[0-9]+ from=<alice>$' "$LOG" || fail pickup
grep -Eq 'postfix/smtpd\[[0-9]+\]: disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=2/3 data=1 quit=1 commands=6/7$' "$LOG" || fail disconnect
grep -q 'From sender@partner.example' "$TMP/spool/mail/alice" || fail "alice's mailbox"
grep -q 'from sendmail' "$TMP/spool/mail/bob" || fail "bob's mailbox"
ls "$TMP/spool/vmail/virtual.example.org/dora/new/" | grep -q . || fail "dora's maildir"
# The forward to carol@partner.example waits for the relay host, which is down.
grep -Eq 'postfix/smtp\[[0-9]+\]: [0-9A-F]+: to=<carol@partner\.example>, orig_to=<sales@example\.com>, relay=none, .* dsn=4\.4\.1, status=deferred \(connect to 127\.0\.0\.1\[127\.0\.0\.1\]:2526: Connection refused\)$' "$LOG" || fail deferred
"$BIN" postqueue --config-dir "$TMP/cfg" --spool "$TMP/spool" -j | grep -q '"queue_name": "deferred"' || fail postqueue
"$BIN" postsuper --config-dir "$TMP/cfg" --spool "$TMP/spool" --log "$LOG" \
  --ledger "$TMP/ledger.jsonl" -d ALL deferred
grep -Eq 'postfix/postsuper\[[0-9]+\]: [0-9A-F]+: removed$' "$LOG" || fail postsuper
grep -Eq 'postfix/postsuper\[[0-9]+\]: Deleted: 2 messages$' "$LOG" || fail postsuper summary
"$BIN" postqueue --config-dir "$TMP/cfg" --spool "$TMP/spool" -p | grep -qx 'Mail queue is empty' || fail mailq
"$BIN" --help | grep -q 'refmta serve' || fail help
grep -Eq "postfix/master\[[0-9]+\]: reload -- version 3\.7\.11, configuration $TMP/cfg\$" "$LOG" || fail reload
grep -Eq 'postfix/local\[[0-9]+\]: [0-9A-F]+: to=<bob@example\.com>, orig_to=<helpdesk@example\.com>, relay=local, .* status=sent \(delivered to mailbox\)$' "$LOG" || fail "alias after reload"
grep -Eq 'postfix/local\[[0-9]+\]: [0-9A-F]+: to=<bob@example\.com>, orig_to=<helpdesk@example\.com>, relay=local, .* status=sent \(forwarded as [0-9A-F]+\)$' "$LOG" || fail ".forward"
grep -q '"event":"accepted",.*"recipient":"bob-away@partner.example",.*"orig_to":"helpdesk@example.com"' "$TMP/ledger.jsonl" || fail "ledger orig_to"
grep -q 'new alias' "$TMP/spool/mail/bob" || fail "bob's copy"
grep -Eq 'postfix/smtpd\[[0-9]+\]: disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=2/3 data=1 quit=1 commands=6/7$' "$LOG" || fail "disconnect"
"$BIN" reload --config-dir "$TMP/cfg" --spool "$TMP/spool" 2>/dev/null && fail "reload without a running serve"
echo PASS
