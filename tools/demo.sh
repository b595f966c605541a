#!/usr/bin/env bash
# The demo, on an embedded default: installs what it needs from Debian's
# packages (idempotent), builds mailgauge, starts the reference MTA (refmta)
# with its sample configuration in a temporary directory, sends it a normal
# day of mail (local, alias and virtual recipients, relaying to a loopback
# peer that sometimes defers or refuses, unknown users, relay attempts from
# outside), then:
#   - prints `mailgauge report` over refmta's log,
#   - shows a few `mailgauge records` beside what refmta's ledger says happened,
#   - starts `mailgauge_exporter` on the log and the queue and shows its metrics;
#     on a terminal it keeps serving on 127.0.0.1:9154 until Ctrl-C.
# Everything listens on 127.0.0.1 only and is stopped at the end.
#
#   bash tools/demo.sh                 # as root on a fresh Debian 12
#   DEMO_DIR=/tmp/mg bash tools/demo.sh   # keep the log, ledger and queue there
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
echo "== building (bazel, offline; the first build takes a few minutes)" >&2
bazel build -c opt //:mailgauge //:mailgauge_exporter //:refmta >&2
bin=$(bazel info -c opt bazel-bin 2>/dev/null)
mailgauge="$bin/mailgauge"
exporter="$bin/mailgauge_exporter"
refmta="$bin/refmta/refmta"

dir=${DEMO_DIR:-$(mktemp -d /tmp/mailgauge-demo.XXXXXX)}
mkdir -p "$dir/cfg"
pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap stop_all EXIT

wait_for_port() {  # FILE: the port a process logged "listening on 127.0.0.1:PORT"
  for _ in $(seq 100); do
    local port
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1" | head -n 1)
    if [[ -n $port ]]; then echo "$port"; return 0; fi
    sleep 0.1
  done
  echo "demo: $1 shows no listening port:" >&2
  cat "$1" >&2
  return 1
}

# The sample configuration (refmta/examples/), relaying to a loopback peer.
cp refmta/examples/{main.cf,aliases,local_users,vmailbox,header_checks} "$dir/cfg/"
: > "$dir/peer_rules"
"$refmta" peer --listen 127.0.0.1:0 --rules "$dir/peer_rules" 2> "$dir/peer.err" &
pids+=($!)
peer_port=$(wait_for_port "$dir/peer.err")
sed -i -e "s/^relayhost *=.*/relayhost = [127.0.0.1]:$peer_port/" \
       -e 's/^minimal_backoff_time *=.*/minimal_backoff_time = 2s/' \
       -e 's/^maximal_backoff_time *=.*/maximal_backoff_time = 4s/' \
       -e 's/^queue_run_delay *=.*/queue_run_delay = 1s/' "$dir/cfg/main.cf"

"$refmta" serve --config-dir "$dir/cfg" --listen 127.0.0.1:0 --spool "$dir/spool" \
  --log "$dir/maillog" --ledger "$dir/ledger.jsonl" 2> "$dir/serve.err" &
pids+=($!)
serve_pid=$!
smtp_port=$(wait_for_port "$dir/serve.err")
echo "== refmta serving SMTP on 127.0.0.1:$smtp_port; sending a normal day of mail" >&2
"$refmta" traffic --scenario refmta/scenarios/normal-day.scenario --seed 1 \
  --smtp "127.0.0.1:$smtp_port" --config-dir "$dir/cfg" --spool "$dir/spool" \
  --peer-rules "$dir/peer_rules" >&2

# Let the queue drain (held mail stays, as it would on a real server).
for _ in $(seq 150); do
  "$refmta" postqueue --config-dir "$dir/cfg" --spool "$dir/spool" -j > "$dir/queue.json"
  if ! grep -qv '"queue_name": "hold"' "$dir/queue.json"; then break; fi
  sleep 0.2
done
sleep 0.5

echo
echo "== mailgauge report $dir/maillog"
"$mailgauge" report "$dir/maillog"

echo
echo "== mailgauge records beside refmta's ledger (the truth), first 5 messages"
"$mailgauge" records --include-unfinished "$dir/maillog" > "$dir/records.jsonl"
python3 - "$dir/records.jsonl" "$dir/ledger.jsonl" <<'EOF'
import collections, json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
truth = collections.defaultdict(dict)
for line in open(sys.argv[2]):
    e = json.loads(line)
    qid, rcpt, status = e.get("queue_id"), e.get("recipient"), e.get("status")
    if qid and rcpt and status:
        truth[qid][rcpt] = status
agree = total = 0
for m in records:
    for r in m["recipients"]:
        want = truth.get(r["queue_id"], {}).get(r["address"])
        if want is not None:
            total += 1
            agree += want == r["status"]
for m in records[:5]:
    print(f'{m["queue_ids"][0]}  from <{m["sender"]}> via {m["origin"]} ({m["client_addr"] or "local"})')
    for r in m["recipients"]:
        print(f'    {r["address"]:32} {r["status"]:9} {r["relay"]:28} {r["reason"]}')
print(f"\nrecipients whose outcome the ledger also states: {total}; "
      f"mailgauge agrees on {agree}")
EOF

echo
"$exporter" --web.listen-address 127.0.0.1:9154 --log.file "$dir/maillog" \
  --log.from-beginning --postfix.showq-command "$refmta postqueue --config-dir $dir/cfg --spool $dir/spool -j" \
  2> "$dir/exporter.err" &
pids+=($!)
for _ in $(seq 100); do
  python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:9154/metrics", timeout=1)' \
    2> /dev/null && break
  sleep 0.1
done
sleep 1
echo "== mailgauge_exporter on http://127.0.0.1:9154/metrics (a few of its metrics)"
python3 - <<'EOF'
import time, urllib.request
# Per-recipient counters come from finished messages, which wait 10 s of log
# time for late lines before they count.
for _ in range(40):
    text = urllib.request.urlopen("http://127.0.0.1:9154/metrics", timeout=5).read().decode()
    if "\nmailgauge_recipients_total{" in text:
        break
    time.sleep(0.5)
wanted = ("mailgauge_recipients_total", "mailgauge_rejects_total", "mailgauge_queue_messages",
          "postfix_smtpd_connects_total", "mailgauge_log_lines_read_total",
          "mailgauge_log_lines_not_understood_total")
for line in text.splitlines():
    if line.startswith(wanted):
        print("  " + line)
EOF

kill -TERM "$serve_pid" 2> /dev/null || true
echo
echo "Log, ledger, records and queue are in $dir."
if [[ -t 0 && -t 1 ]]; then
  echo "The exporter keeps serving http://127.0.0.1:9154/metrics; press Ctrl-C to stop."
  wait
fi
