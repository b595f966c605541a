#!/bin/bash
# Crash safety: SMTP clients send messages while refmta serve is killed with
# SIGKILL and restarted on the same port. Every message the server
# acknowledged with "250 2.0.0 Ok: queued as ID" must end up delivered
# (a second delivery after the crash is allowed, as SMTP is at-least-once;
# the test reports how many there were).
set -euo pipefail
BIN="$1"
EXAMPLES="$(dirname "$2")"
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/refmta_crash.XXXXXX")"
mkdir -p "$TMP/cfg"
cp "$EXAMPLES"/main.cf "$EXAMPLES"/aliases "$EXAMPLES"/local_users "$EXAMPLES"/vmailbox \
   "$EXAMPLES"/header_checks "$TMP/cfg/"
# Long queue IDs never repeat, so each acknowledged ID names one message.
echo "enable_long_queue_ids = yes" >>"$TMP/cfg/main.cf"

start_server() {
  "$BIN" serve --config-dir "$TMP/cfg" --listen "127.0.0.1:$1" --spool "$TMP/spool" \
    --log "$TMP/maillog" --ledger "$TMP/ledger.jsonl" 2>>"$TMP/stderr" &
  PID=$!
}
: >"$TMP/stderr"
start_server 0
trap 'kill -KILL $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q 'listening on' "$TMP/stderr" && break
  sleep 0.1
done
PORT="$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$TMP/stderr" | head -1)"
[ -n "$PORT" ] || { cat "$TMP/stderr"; exit 1; }

# One SMTP transaction; prints the queue ID when the server accepted it.
send_one() {
  exec 3<>"/dev/tcp/127.0.0.1/$PORT" || return 0
  local reply
  read -r -t 5 reply <&3 || { exec 3>&-; return 0; }
  printf 'HELO crash.test\r\nMAIL FROM:<load@partner.example>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n' >&3 || { exec 3>&-; return 0; }
  for _ in 1 2 3 4; do read -r -t 5 reply <&3 || { exec 3>&-; return 0; }; done
  printf 'Subject: crash test %s\r\n\r\nbody %s\r\n.\r\n' "$1" "$1" >&3 || { exec 3>&-; return 0; }
  read -r -t 5 reply <&3 || { exec 3>&-; return 0; }
  reply="${reply%$'\r'}"
  if [[ "$reply" == "250 2.0.0 Ok: queued as "* ]]; then echo "${reply##* }"; fi
  # The ID pattern below must match long IDs too.
  printf 'QUIT\r\n' >&3 2>/dev/null || true
  exec 3>&-
}

# The client goes on until 150 messages were acknowledged (attempts refused
# while the server is down or restarting do not count), so a slow restart
# (a sanitizer build, a loaded machine) only makes the test longer; the cap
# on attempts ends it should the server never come back.
(
  trap '' PIPE  # a write to a killed server must fail, not end the client
  acked=0 i=0
  while [ "$acked" -lt 150 ] && [ "$i" -lt 3000 ]; do
    i=$((i + 1))
    id="$(send_one "$i" 2>/dev/null || true)"
    if [ -n "$id" ]; then echo "$id"; acked=$((acked + 1)); else sleep 0.05; fi
  done
  echo "$i" >"$TMP/attempts"
) >"$TMP/accepted" 2>/dev/null &
CLIENT=$!

# Kill the server twice while the clients are busy, restarting at once.
for round in 1 2; do
  for _ in $(seq 200); do
    [ "$(wc -l <"$TMP/accepted")" -ge $((round * 30)) ] && break
    sleep 0.05
  done
  kill -KILL $PID || true
  wait $PID 2>/dev/null || true
  echo "round $round: killed the server after $(wc -l <"$TMP/accepted") accepted messages" >&2
  start_server "$PORT"
  for _ in $(seq 100); do
    [ "$(grep -c 'listening on' "$TMP/stderr")" -gt "$round" ] && break
    sleep 0.1
  done
done
wait $CLIENT || true

ACCEPTED="$(sort -u "$TMP/accepted")"
N="$(echo "$ACCEPTED" | grep -c . || true)"
[ "$N" -ge 150 ] || { echo "only $N messages accepted in $(cat "$TMP/attempts") attempts"; cat "$TMP/stderr"; exit 1; }
missing=1
for _ in $(seq 200); do
  missing=0
  for id in $ACCEPTED; do
    grep -q "\"event\":\"delivered\",\"time\":\"[^\"]*\",\"queue_id\":\"$id\"" "$TMP/ledger.jsonl" || { missing=$((missing + 1)); }
  done
  [ "$missing" -eq 0 ] && break
  sleep 0.1
done
kill -TERM $PID || true
wait $PID || true
trap - EXIT
if [ "$missing" -ne 0 ]; then
  echo "FAIL: $missing acknowledged messages were never delivered"
  for id in $ACCEPTED; do
    grep -q "\"queue_id\":\"$id\"" "$TMP/ledger.jsonl" || echo "  no ledger entry for $id"
  done
  exit 1
fi
DELIVERED="$(grep -c '"event":"delivered"' "$TMP/ledger.jsonl")"
echo "attempts=$(cat "$TMP/attempts") acknowledged=$(wc -l <"$TMP/accepted") unique=$N delivered_events=$DELIVERED restarts=2"
if grep -q 'warning' "$TMP/maillog"; then echo "warnings in the log:"; grep warning "$TMP/maillog"; fi
echo PASS
