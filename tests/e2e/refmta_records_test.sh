#!/bin/bash
# End-to-end: refmta's ledger against `mailgauge records` on refmta's log
# (MODE records), the totals of `mailgauge report --format json` (MODE
# report), or pflogsumm's Grand Totals (MODE pflogsumm).
# Starts the loopback peer and `refmta serve` (a test copy of the sample
# main.cf with short back-off and queue lifetimes, relayhost = the peer),
# runs the given scenarios with fixed seeds, waits until
# only held mail is left in the queue, stops both by PID with SIGTERM, then
# runs `mailgauge records --include-unfinished --stats --unparsed` and
# compare_ledger.py, which checks the two number by number; or runs Debian's
# pflogsumm and compare_pflogsumm.py.
#
# usage: refmta_records_test.sh REFMTA MAILGAUGE EXAMPLES_MAIN_CF SCENARIO_FILE \
#            COMPARE_LEDGER_PY records|report|pflogsumm basic|all|scenarios|none NAME:SEED...
# (SCENARIO_FILE is any file in the scenarios directory; basic|all|... is
# the outcome coverage compare_ledger.py demands.)
set -euo pipefail
REFMTA="$1"
MAILGAUGE="$2"
EXAMPLES="$(dirname "$3")"
SCENARIOS="$(dirname "$4")"
COMPARE="$5"
MODE="$6"
COVERAGE="$7"
shift 7
RUNS=("$@")
[ "${#RUNS[@]}" -gt 0 ] || { echo "no NAME:SEED scenario runs given"; exit 2; }
TMP="$(mktemp -d "${TEST_TMPDIR:-/tmp}/refmta_e2e.XXXXXX")"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  if [ -n "${TEST_UNDECLARED_OUTPUTS_DIR:-}" ]; then
    cp "$TMP"/*.json* "$TMP"/maillog "$TMP"/*.txt "$TMP"/*.log "$TMP"/*.err "$TEST_UNDECLARED_OUTPUTS_DIR/" \
      2>/dev/null || true
    echo "(the log, ledger, records and transcripts are in bazel-testlogs/.../test.outputs)"
  fi
  for f in serve.err peer.err; do [ -s "$TMP/$f" ] && { echo "--- $f"; cat "$TMP/$f"; }; done
  exit 1
}

# wait_for_port FILE NAME: the port NAME printed as "listening on ADDR:PORT".
wait_for_port() {
  for _ in $(seq 100); do
    local port
    port="$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")"
    if [ -n "$port" ]; then echo "$port"; return 0; fi
    sleep 0.1
  done
  return 1
}

mkdir -p "$TMP/cfg"
cp "$EXAMPLES"/main.cf "$EXAMPLES"/aliases "$EXAMPLES"/local_users "$EXAMPLES"/vmailbox \
   "$EXAMPLES"/header_checks "$TMP/cfg/"
: > "$TMP/peer_rules"
"$REFMTA" peer --listen 127.0.0.1:0 --rules "$TMP/peer_rules" 2>"$TMP/peer.err" &
PIDS+=($!)
PEER_PID=$!
PEER_PORT="$(wait_for_port "$TMP/peer.err")" || fail "the peer did not start"

# Short timers so that deferrals, retries and expiry happen within seconds.
sed -i -e "s/^relayhost *=.*/relayhost = [127.0.0.1]:$PEER_PORT/" \
       -e 's/^maximal_queue_lifetime *=.*/maximal_queue_lifetime = 8s/' \
       -e 's/^bounce_queue_lifetime *=.*/bounce_queue_lifetime = 8s/' \
       -e 's/^minimal_backoff_time *=.*/minimal_backoff_time = 1s/' \
       -e 's/^maximal_backoff_time *=.*/maximal_backoff_time = 2s/' \
       -e 's/^queue_run_delay *=.*/queue_run_delay = 1s/' "$TMP/cfg/main.cf"
grep -q "^relayhost = \[127.0.0.1\]:$PEER_PORT\$" "$TMP/cfg/main.cf" || fail "main.cf edit"

"$REFMTA" serve --config-dir "$TMP/cfg" --listen 127.0.0.1:0 --spool "$TMP/spool" \
  --log "$TMP/maillog" --ledger "$TMP/ledger.jsonl" 2>"$TMP/serve.err" &
PIDS+=($!)
SERVE_PID=$!
PORT="$(wait_for_port "$TMP/serve.err")" || fail "refmta serve did not start"

run_scenario() {  # NAME SEED
  "$REFMTA" traffic --scenario "$SCENARIOS/$1.scenario" --seed "$2" --smtp "127.0.0.1:$PORT" \
    --config-dir "$TMP/cfg" --spool "$TMP/spool" --peer-rules "$TMP/peer_rules" \
    --transcript "$TMP/$1.transcript.jsonl" || fail "traffic $1 exited with $?"
}
# wait_settled: until nothing but held mail is left in the queue (deferred
# mail is delivered or expires after maximal_queue_lifetime) and maildrop is
# empty, seen twice in a row so that a message between two queues during one
# listing is not missed. Each scenario settles before the next starts, so
# that one's peer rules or outage cannot change the fate of another's mail.
wait_settled() {
  local quiet=0
  for _ in $(seq 200); do
    if "$REFMTA" postqueue --config-dir "$TMP/cfg" --spool "$TMP/spool" -j >"$TMP/queue.json" &&
       [ "$(grep -vc '"queue_name": "hold"' "$TMP/queue.json" || true)" = 0 ] &&
       [ -z "$(ls -A "$TMP/spool/maildrop" 2>/dev/null)" ]; then
      quiet=$((quiet + 1))
      [ "$quiet" -ge 2 ] && return 0
    else
      quiet=0
    fi
    sleep 0.2
  done
  cat "$TMP/queue.json"
  fail "the queue did not settle in 40 s after $1"
}

TRANSCRIPTS=()
for run in "${RUNS[@]}"; do
  run_scenario "${run%%:*}" "${run##*:}"
  wait_settled "${run%%:*}"
  TRANSCRIPTS+=(--transcript "$TMP/${run%%:*}.transcript.jsonl")
done

sleep 0.5  # let the last qmgr pass finish its log lines
kill -TERM "$SERVE_PID" "$PEER_PID"
wait "$SERVE_PID" || fail "refmta serve exited with $?"
wait "$PEER_PID" || fail "refmta peer exited with $?"
PIDS=()

if [ "$MODE" = report ]; then
  "$MAILGAUGE" report --format json "$TMP/maillog" >"$TMP/report.json" 2>"$TMP/report.err" ||
    { cat "$TMP/report.err"; fail "mailgauge report failed"; }
  python3 "$(dirname "$COMPARE")/compare_pflogsumm.py" --ledger "$TMP/ledger.jsonl" \
    --report-json "$TMP/report.json" || fail "the ledger and mailgauge report disagree"
  echo PASS
  exit 0
fi
if [ "$MODE" = shapes ]; then
  # Every kind of line refmta writes (daemon, event kind, fields present) must
  # have a counterpart in real Postfix 3.7's logs of the same scenarios.
  tests/e2e/line_shapes "$TMP/maillog" | cut -f1-3 | sort -u > "$TMP/refmta.shapes" ||
    fail "line_shapes failed on refmta's log"
  tests/e2e/line_shapes testdata/logs/postfix_real.syslog testdata/logs/postfix_real.maillog |
    cut -f1-3 | sort -u > "$TMP/real.shapes" || fail "line_shapes failed on the real corpus"
  missing="$(comm -23 "$TMP/refmta.shapes" "$TMP/real.shapes" |
             grep -v -F -x -f tests/e2e/shapes_without_real_counterpart.txt || true)"
  if [ -n "$missing" ]; then
    echo "refmta writes lines of these shapes, which real Postfix's logs do not have:"
    echo "$missing"
    fail "line shapes differ from real Postfix"
  fi
  echo "$(wc -l < "$TMP/refmta.shapes") line shapes, each with a real Postfix counterpart"
  echo PASS
  exit 0
fi
if [ "$MODE" = pflogsumm ]; then
  PFLOGSUMM="$(command -v pflogsumm || echo /usr/sbin/pflogsumm)"
  [ -x "$PFLOGSUMM" ] || fail "pflogsumm is not installed (apt-get install pflogsumm)"
  "$PFLOGSUMM" "$TMP/maillog" >"$TMP/pflogsumm.txt" 2>&1 || fail "pflogsumm failed"
  python3 "$(dirname "$COMPARE")/compare_pflogsumm.py" --ledger "$TMP/ledger.jsonl" \
    --pflogsumm "$TMP/pflogsumm.txt" || fail "the ledger and pflogsumm disagree"
  echo PASS
  exit 0
fi

"$MAILGAUGE" records --include-unfinished --stats --unparsed "$TMP/unparsed.log" \
  "$TMP/maillog" >"$TMP/records.jsonl" 2>"$TMP/stats.txt" || fail "mailgauge records failed"
cat "$TMP/stats.txt"
python3 "$COMPARE" --ledger "$TMP/ledger.jsonl" --records "$TMP/records.jsonl" \
  --stats "$TMP/stats.txt" --unparsed "$TMP/unparsed.log" \
  "${TRANSCRIPTS[@]}" --coverage "$COVERAGE" ||
  fail "the ledger and mailgauge records disagree"
# The comparison can fail: one recipient's status changed must be caught.
sed '0,/"status":"sent"/s//"status":"bounced"/' "$TMP/records.jsonl" >"$TMP/tampered.jsonl"
if python3 "$COMPARE" --ledger "$TMP/ledger.jsonl" --records "$TMP/tampered.jsonl" \
     --stats "$TMP/stats.txt" --unparsed "$TMP/unparsed.log" >/dev/null; then
  fail "compare_ledger.py accepted a tampered record"
fi
echo PASS
