#!/usr/bin/env bash
# The release build: mailgauge and mailgauge_exporter optimized with gcc's
# profile feedback (-fprofile-generate, a training run, -fprofile-use). On
# the 5-million-line benchmark log it runs `report` 13-19 % faster than the
# plain `bazel build -c opt` (docs/benchmarks.md); the output is the same
# byte for byte (the script checks it on every training input).
#
#   bash tools/pgo-build.sh                  # writes pgo-bin/mailgauge, pgo-bin/mailgauge_exporter
#   PGO_OUT=/usr/local/sbin bash tools/pgo-build.sh
#
# Steps, each in its own Bazel output base under PGO_CACHE (default
# ~/.cache/mailgauge-pgo), so the everyday build's cache is left alone:
# 1. builds both programs (and bench's log generator) instrumented;
# 2. trains them: the generator writes two logs of a busy relay, unlike the
#    benchmark's (seeds 101 and 102, classic and ISO timestamps, short and
#    long queue IDs); `report` (text, JSON, HTML, --threads 2) and `records`
#    read them, testdata's real Postfix logs and bench/internet_facing.log,
#    and the exporter catches up on one from the beginning;
# 3. builds both again with the profile (a fresh profile's directory name
#    holds its hash, so every object is compiled anew with it), then runs
#    every training command again with the optimized programs and checks
#    that their output equals the instrumented programs' output;
# 4. copies the programs to PGO_OUT (default pgo-bin/ in the tree), removes
#    the training logs and outputs, and shuts its Bazel servers down.
# Takes ~5 minutes on 2 cores. Only gcc and Debian's packages are used.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${PGO_OUT:-$root/pgo-bin}
cache=${PGO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mailgauge-pgo}
targets=(//:mailgauge //:mailgauge_exporter)

bash tools/install-deps.sh >&2
mkdir -p "$cache" "$out"
cache=$(cd "$cache" && pwd)
raw=$cache/profile
train=$cache/train
rm -rf "$raw" "$train"
mkdir -p "$raw" "$train"

bazel_in() {  # BASE ARGS...: bazel with its own output base under $cache
  local base=$1; shift
  bazel --output_base="$cache/$base" "$@"
}
stop_servers() {
  bazel_in instrumented shutdown 2> /dev/null || true
  bazel_in optimized shutdown 2> /dev/null || true
}
trap stop_servers EXIT

# --- 1. instrumented ----------------------------------------------------------
echo "== pgo 1/4: instrumented build" >&2
# prefer-atomic: the exporter's and --threads' counters are updated from
# several threads.
instrument=(-c opt "--copt=-fprofile-generate=$raw" --copt=-fprofile-update=prefer-atomic
            --linkopt=-fprofile-generate)
bazel_in instrumented build "${instrument[@]}" "${targets[@]}" //bench:pipeline_benchmark >&2
ibin=$(bazel_in instrumented info "${instrument[@]}" bazel-bin 2> /dev/null)

# --- 2. training --------------------------------------------------------------
echo "== pgo 2/4: training" >&2
"$ibin/bench/pipeline_benchmark" --generate "$train/classic.log" --lines 300000 --seed 101 > /dev/null
"$ibin/bench/pipeline_benchmark" --generate "$train/iso.log" --lines 150000 --seed 102 \
  --iso --long-ids > /dev/null
# The generator's own counts are not mailgauge's: its gcda files go.
find "$raw" -name '*log_generator*.gcda' -delete
find "$raw" -name '*pipeline_benchmark*.gcda' -delete

real_logs=(testdata/logs/* testdata/report/logs/*.log bench/internet_facing.log)
# Each training command, by name; its output is kept to compare in step 3.
commands=(
  "report_json|report --format json --year 2026 $train/classic.log"
  "report_text|report --year 2026 $train/classic.log"
  "report_threads|report --format json --threads 2 --year 2026 $train/classic.log"
  "report_iso|report --format html --year 2026 $train/iso.log"
  "records_classic|records --year 2026 $train/classic.log"
  "records_iso|records --include-unfinished $train/iso.log"
  "report_real|report --format json --year 2026 ${real_logs[*]}"
  "records_real|records --year 2026 --stats ${real_logs[*]}"
)
run_commands() {  # BIN DIR: every training command, outputs in DIR
  local bin=$1 dir=$2 entry name args
  mkdir -p "$dir"
  for entry in "${commands[@]}"; do
    name=${entry%%|*}; args=${entry#*|}
    # shellcheck disable=SC2086  # the arguments are words
    TZ=UTC "$bin" $args > "$dir/$name.out" 2> "$dir/$name.err" || {
      echo "pgo: mailgauge $args failed:" >&2; tail -5 "$dir/$name.err" >&2; return 1; }
  done
}
run_commands "$ibin/mailgauge" "$train/instrumented"

# mailgauge_log_lines_read_total on 127.0.0.1:PORT (python3: curl may be
# missing on a fresh machine), 0 while it does not answer.
lines_read() {
  python3 - "$1" <<'PY'
import sys, urllib.request
try:
    text = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode()
except OSError:
    text = ""
print(int(sum(float(l.split()[-1]) for l in text.splitlines()
              if l.startswith("mailgauge_log_lines_read_total"))))
PY
}

# The exporter: from the beginning of the classic log until it has read
# every line, then stopped with SIGTERM (it writes its profile on exit).
catch_up() {  # BIN ERRFILE
  local want port="" pid tries
  want=$(wc -l < "$train/classic.log")
  "$1" --log.file "$train/classic.log" --log.from-beginning --web.listen-address 127.0.0.1:0 \
    --log.poll-interval 50ms > /dev/null 2> "$2" &
  pid=$!
  for tries in $(seq 600); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$2" | head -n 1)
    [[ -n $port ]] && break
    kill -0 $pid 2> /dev/null || break
    sleep 0.1
  done
  [[ -n $port ]] || { echo "pgo: the exporter did not start:" >&2; cat "$2" >&2; kill $pid 2> /dev/null; return 1; }
  for tries in $(seq 1200); do
    local n
    n=$(lines_read "$port")
    [[ ${n:-0} -ge $want ]] && break
    sleep 0.1
  done
  kill -TERM $pid
  wait $pid || { echo "pgo: the exporter did not stop cleanly:" >&2; tail -5 "$2" >&2; return 1; }
  [[ ${n:-0} -ge $want ]] || { echo "pgo: the exporter read $n of $want lines" >&2; return 1; }
}
catch_up "$ibin/mailgauge_exporter" "$train/exporter.instrumented.err"
profiles=$(find "$raw" -name '*.gcda' | wc -l)
((profiles > 0)) || { echo "pgo: the training wrote no profile in $raw" >&2; exit 1; }

# --- 3. optimized -------------------------------------------------------------
echo "== pgo 3/4: optimized build ($profiles profiles)" >&2
hash=$(cd "$raw" && find . -name '*.gcda' | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
use=$cache/use-$hash
find "$cache" -maxdepth 1 -name 'use-*' ! -name "use-$hash" -exec rm -rf {} +
rm -rf "$use"
mv "$raw" "$use"
# -fprofile-partial-training: code the training did not run is optimized as
# usual, not for size.
optimize=(-c opt "--copt=-fprofile-use=$use" --copt=-fprofile-partial-training)
bazel_in optimized build "${optimize[@]}" "${targets[@]}" >&2
obin=$(bazel_in optimized info "${optimize[@]}" bazel-bin 2> /dev/null)
run_commands "$obin/mailgauge" "$train/optimized"
for entry in "${commands[@]}"; do
  name=${entry%%|*}
  cmp -s "$train/instrumented/$name.out" "$train/optimized/$name.out" || {
    echo "pgo: the optimized build's output of '${entry#*|}' differs from the instrumented build's" >&2
    exit 1; }
done
catch_up "$obin/mailgauge_exporter" "$train/exporter.optimized.err"

# --- 4. install ---------------------------------------------------------------
for t in mailgauge mailgauge_exporter; do
  install -m 0755 "$obin/$t" "$out/$t.new"
  mv -f "$out/$t.new" "$out/$t"
done
rm -rf "$train"
echo "== pgo 4/4: $out/mailgauge and $out/mailgauge_exporter (profile $hash; outputs equal the instrumented build's)" >&2
