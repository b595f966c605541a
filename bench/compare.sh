#!/usr/bin/env bash
# bench/compare.sh: mailgauge side by side with its peers on one generated log.
#
#   bench/compare.sh [LINES] [ROUNDS]        (defaults: 5000000 lines, 3 rounds)
#
# 1. Installs the peers from Debian when missing (pflogsumm, mtail,
#    prometheus-postfix-exporter; apt-get, so root or sudo).
# 2. Builds mailgauge twice: with -c opt, and the release build of
#    tools/pgo-build.sh (profile-guided; PGO=0 skips it), and writes a
#    LINES-line log with bench's generator (seeded: SEED, default 1; reused
#    from WORK_DIR when present), printing the generator's ground truth.
# 3. Runs every tool on that file, pinned to one core (taskset -c 0; the
#    --threads 2 run to two), ROUNDS
#    times, alternating the order each round, and keeps each tool's fastest
#    run:
#      pflogsumm              pflogsumm LOG
#      mtail                  mtail --one_shot with bench/postfix.mtail (counts
#                             what postfix_exporter counts)
#      postfix_exporter       prometheus-postfix-exporter following a file the
#                             log is appended to (it starts at the end of its
#                             file); done when postfix_qmgr_messages_removed_total
#                             reaches the generator's count (every message
#                             ends with "removed")
#      mailgauge report       mailgauge report --format json LOG (parse,
#                             correlate, aggregate), the release build
#      mailgauge report (plain)   the same, `bazel build -c opt`'s program,
#                             as mailgauge_report_plain
#      mailgauge report --threads 2   the same on both cores (taskset -c
#                             0,1), as mailgauge_report_threads; its JSON
#                             must equal the one-thread report's
#      mailgauge_exporter     started on LOG with --log.from-beginning; done
#                             when mailgauge_log_lines_read_total reaches the
#                             line count; the release build, and the plain
#                             one as mailgauge_exporter_plain
#    Batch tools are measured with /usr/bin/time; the two daemons from start
#    (or the append) until caught up, CPU and peak RSS from /proc.
# 4. Prints a table: wall s, CPU s, lines/s, MB/s, peak RSS, and how many
#    times longer than `mailgauge report` each tool took.
#
# Environment: SEED, WORK_DIR (keeps the log between runs), TOOLS (subset,
# space-separated names from the list above, "mailgauge report" as
# mailgauge_report, its --threads 2 run as mailgauge_report_threads),
# PEER_TIMEOUT (seconds, default 900), PGO (1 by default; 0: no release
# build, the mailgauge rows are the plain build's).
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-5000000}
rounds=${2:-3}
seed=${SEED:-1}
timeout_s=${PEER_TIMEOUT:-900}
pgo=${PGO:-1}
default_tools="pflogsumm mtail postfix_exporter mailgauge_report mailgauge_report_threads mailgauge_exporter"
((pgo)) && default_tools+=" mailgauge_report_plain mailgauge_exporter_plain"
tools=${TOOLS:-$default_tools}
[[ $lines =~ ^[0-9]+$ && $rounds =~ ^[0-9]+$ && $rounds -ge 1 ]] || {
  echo "usage: bench/compare.sh [LINES] [ROUNDS]" >&2; exit 2; }

# --- 1. peers -------------------------------------------------------------
missing=()
[[ -x /usr/sbin/pflogsumm ]] || command -v pflogsumm > /dev/null || missing+=(pflogsumm)
command -v mtail > /dev/null || missing+=(mtail)
command -v prometheus-postfix-exporter > /dev/null || missing+=(prometheus-postfix-exporter)
for tool in taskset curl python3; do command -v $tool > /dev/null || missing+=("$tool"); done
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
  pkgs=()
  for m in "${missing[@]}"; do
    case $m in taskset) pkgs+=(util-linux) ;; *) pkgs+=("$m") ;; esac
  done
  echo "installing: ${pkgs[*]}" >&2
  sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
  $sudo apt-get install -y "${pkgs[@]}" >&2
fi
pflogsumm=$(command -v pflogsumm || echo /usr/sbin/pflogsumm)

# --- 2. build and generate ------------------------------------------------
bazel build -c opt //:mailgauge //:mailgauge_exporter //bench:pipeline_benchmark >&2
bin=$(bazel info -c opt bazel-bin 2> /dev/null)
work=${WORK_DIR:-$(mktemp -d)}
mkdir -p "$work"
[[ -n ${WORK_DIR:-} ]] || trap 'rm -rf "$work"' EXIT
# The programs measured: the release build's, or the plain build's with PGO=0.
mg=$bin/mailgauge mgx=$bin/mailgauge_exporter
if ((pgo)); then
  PGO_OUT=$work/pgo-bin bash tools/pgo-build.sh >&2
  mg=$work/pgo-bin/mailgauge mgx=$work/pgo-bin/mailgauge_exporter
fi
log=$work/bench-$lines-$seed.log
if [[ ! -s $log || ! -s $log.truth ]]; then
  "$bin/bench/pipeline_benchmark" --generate "$log" --lines "$lines" --seed "$seed" > "$log.truth"
fi
truth=$(cat "$log.truth")
total_lines=$(wc -l < "$log")
total_bytes=$(stat -L -c %s "$log")
field() { sed -nE "s/.*[ :]$1=([0-9]+).*/\1/p" <<< "$truth" | head -n1; }
removed_expected=$(( $(field messages) + $(field notices) ))
cat "$log" > /dev/null  # page cache warm
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; $(. /etc/os-release; echo "$PRETTY_NAME")"
echo "date: $(date -u '+%F %H:%M UTC')"
echo "log: $total_lines lines, $((total_bytes / 1000000)) MB, seed $seed; $truth"
echo "versions: pflogsumm $(dpkg-query -W -f '${Version}' pflogsumm 2> /dev/null), mtail $(dpkg-query -W -f '${Version}' mtail 2> /dev/null), prometheus-postfix-exporter $(dpkg-query -W -f '${Version}' prometheus-postfix-exporter 2> /dev/null), mailgauge $(git rev-parse --short HEAD 2> /dev/null || echo '?')"

results=$work/results
: > "$results"
ticks=$(getconf CLK_TCK)
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.3f\", $* }"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# CPU seconds (user+sys) and peak RSS (KiB) of a live process.
proc_cpu() { awk -v t="$ticks" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
proc_rss() { awk '/VmHWM/{print $2}' "/proc/$1/status"; }
metric_sum() {  # URL NAME: sum of the samples of one metric
  curl -s "$1" | awk -v n="$2" '$1 == n || index($1, n "{") == 1 {s += $NF} END {printf "%.0f\n", s}'
}

# Batch tool: /usr/bin/time gives wall, user, sys and max RSS. On core 0,
# or the cores CORES names.
run_batch() {
  local name=$1; shift
  local t=$work/time.$name
  if ! /usr/bin/time -o "$t" -f '%e %U %S %M' taskset -c "${CORES:-0}" "$@" > "$work/out.$name" 2> "$work/err.$name"; then
    echo "$name failed:" >&2; tail -5 "$work/err.$name" >&2; return 1
  fi
  read -r wall user sys rss < "$t"
  echo "$name $wall $(calc "$user + $sys") $rss" >> "$results"
}

run_mailgauge_exporter() {  # NAME PROGRAM
  local name=$1 program=$2 start pid port=""
  start=$(now)
  taskset -c 0 "$program" --log.file "$log" --log.from-beginning \
    --web.listen-address 127.0.0.1:0 --log.poll-interval 50ms > /dev/null 2> "$work/err.mgx" &
  pid=$!
  local deadline=$(( $(date +%s) + timeout_s ))
  while [[ -z $port ]]; do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/err.mgx" | grep -o '[0-9]*$' || true)
    kill -0 $pid 2> /dev/null || { echo "mailgauge_exporter died:" >&2; cat "$work/err.mgx" >&2; return 1; }
    sleep 0.01
  done
  local url=http://127.0.0.1:$port/metrics
  until [[ $(metric_sum "$url" mailgauge_log_lines_read_total) -ge $total_lines ]]; do
    (( $(date +%s) < deadline )) || { echo "mailgauge_exporter: timeout" >&2; kill $pid; return 1; }
    sleep 0.05
  done
  local end cpu rss
  end=$(now); cpu=$(proc_cpu $pid); rss=$(proc_rss $pid)
  kill $pid; wait $pid 2> /dev/null || true
  echo "$name $(calc "$end - $start") $cpu $rss" >> "$results"
}

run_postfix_exporter() {
  local port pid feed=$work/postfix_exporter.log
  port=$(free_port)
  : > "$feed"
  taskset -c 0 prometheus-postfix-exporter --postfix.logfile_path "$feed" \
    --web.listen-address "127.0.0.1:$port" --postfix.showq_path "$work/no-showq" \
    > /dev/null 2> "$work/err.pfx" &
  pid=$!
  local url=http://127.0.0.1:$port/metrics
  until curl -sf "$url" > /dev/null; do
    kill -0 $pid 2> /dev/null || { echo "postfix_exporter died:" >&2; cat "$work/err.pfx" >&2; return 1; }
    sleep 0.05
  done
  sleep 0.5  # let it open and seek to the end of the empty file
  local start deadline=$(( $(date +%s) + timeout_s ))
  start=$(now)
  cat "$log" >> "$feed"
  until [[ $(metric_sum "$url" postfix_qmgr_messages_removed_total) -ge $removed_expected ]]; do
    (( $(date +%s) < deadline )) || { echo "postfix_exporter: timeout" >&2; kill $pid; return 1; }
    sleep 0.2
  done
  local end cpu rss
  end=$(now); cpu=$(proc_cpu $pid); rss=$(proc_rss $pid)
  kill $pid; wait $pid 2> /dev/null || true
  rm -f "$feed"
  echo "postfix_exporter $(calc "$end - $start") $cpu $rss" >> "$results"
}

run_tool() {
  case $1 in
    pflogsumm) run_batch pflogsumm "$pflogsumm" "$log" ;;
    mtail) run_batch mtail mtail --one_shot --one_shot_format prometheus \
             --progs bench/postfix.mtail --logs "$log" ;;
    postfix_exporter) run_postfix_exporter ;;
    mailgauge_report) run_batch mailgauge_report "$mg" report --format json "$log" ;;
    mailgauge_report_plain) run_batch mailgauge_report_plain "$bin/mailgauge" report --format json "$log" ;;
    mailgauge_report_threads) CORES=0,1 run_batch mailgauge_report_threads \
             "$mg" report --threads 2 --format json "$log" ;;
    mailgauge_exporter) run_mailgauge_exporter mailgauge_exporter "$mgx" ;;
    mailgauge_exporter_plain) run_mailgauge_exporter mailgauge_exporter_plain "$bin/mailgauge_exporter" ;;
    *) echo "unknown tool $1" >&2; return 1 ;;
  esac
}

# --- 3. alternating rounds ------------------------------------------------
read -r -a order <<< "$tools"
for ((r = 1; r <= rounds; r++)); do
  seq_tools=("${order[@]}")
  if ((r % 2 == 0)); then  # every other round backwards
    seq_tools=(); for ((i = ${#order[@]} - 1; i >= 0; i--)); do seq_tools+=("${order[i]}"); done
  fi
  for t in "${seq_tools[@]}"; do
    echo "round $r/$rounds: $t" >&2
    run_tool "$t" || echo "$t FAILED" >&2
  done
done

# The report must equal the truth before its speed means anything.
if [[ " $tools " == *" mailgauge_report "* ]]; then
  python3 - "$work/out.mailgauge_report" "$truth" <<'PY' >&2 || echo "WARNING: mailgauge report differs from the generator's truth" >&2
import json, re, sys
r = json.load(open(sys.argv[1]))["totals"]
t = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", sys.argv[2])}
pairs = [("received", "received"), ("delivered", "delivered"), ("bounced", "bounced"),
         ("deferrals", "deferrals"), ("rejected", "rejected"), ("smtpd_connections", "smtpd_connections")]
bad = [f"{a}: report {r[a]} truth {t[b]}" for a, b in pairs if r[a] != t[b]]
print("mailgauge report equals the generator's truth" if not bad else "; ".join(bad))
sys.exit(1 if bad else 0)
PY
fi

for other in threads plain; do
  [[ -s $work/out.mailgauge_report && -s $work/out.mailgauge_report_$other ]] || continue
  what="--threads 2"; [[ $other == plain ]] && what="of the plain build"
  if cmp -s "$work/out.mailgauge_report" "$work/out.mailgauge_report_$other"; then
    echo "mailgauge report $what equals the one-thread report of the release build" >&2
  else
    echo "WARNING: mailgauge report $what differs from the one-thread report of the release build" >&2
  fi
done

# --- 4. table (fastest run of each tool) ------------------------------------
echo
python3 - "$results" "$total_lines" "$total_bytes" "$rounds" "$tools" "$pgo" <<'PY'
import sys
path, lines, size, rounds, tools = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5].split()
build = " (release build: tools/pgo-build.sh)" if sys.argv[6] != "0" else ""
best = {}
for row in open(path):
    name, wall, cpu, rss = row.split()
    wall, cpu, rss = float(wall), float(cpu), int(float(rss))
    if name not in best or wall < best[name][0]:
        best[name] = (wall, cpu, rss)
names = {"mailgauge_report": "mailgauge report --format json" + build,
         "mailgauge_exporter": "mailgauge_exporter (catch-up)" + build,
         "mailgauge_report_threads": "mailgauge report --threads 2 (two cores)" + build,
         "mailgauge_report_plain": "mailgauge report --format json (bazel build -c opt)",
         "mailgauge_exporter_plain": "mailgauge_exporter (catch-up; bazel build -c opt)",
         "postfix_exporter": "prometheus-postfix-exporter (catch-up)", "mtail": "mtail --one_shot (bench/postfix.mtail)",
         "pflogsumm": "pflogsumm"}
ref = best.get("mailgauge_report", (None,))[0]
print(f"best of {rounds} round(s), one core (taskset -c 0) but --threads 2 (0,1)")
print("| tool | wall s | CPU s | lines/s | MB/s | peak RSS MiB | × mailgauge report |")
print("|---|---|---|---|---|---|---|")
for t in tools:
    if t not in best:
        print(f"| {names.get(t, t)} | failed | | | | | |"); continue
    wall, cpu, rss = best[t]
    ratio = f"{wall / ref:.1f}" if ref else "–"
    print(f"| {names.get(t, t)} | {wall:.2f} | {cpu:.2f} | {lines / wall / 1e3:,.0f} k | {size / wall / 1e6:.0f} | {rss / 1024:.1f} | {ratio} |")
PY
