#!/usr/bin/env bash
# Runs the records pipeline benchmark at 1 and 10 million lines (classic and
# ISO timestamps) and prints one result line per run: throughput and peak RSS,
# to check speed and that memory stays flat as the log grows.
#   bench/run_pipeline_benchmark.sh [SIZES...]     (default: 1000000 10000000)
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build -c opt //bench:pipeline_benchmark >&2
bin=bazel-bin/bench/pipeline_benchmark
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sizes=("$@")
((${#sizes[@]})) || sizes=(1000000 10000000)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); date: $(date -u +%F)"
for n in "${sizes[@]}"; do
  for fmt in classic iso; do
    flag=""; [[ $fmt == iso ]] && flag="--iso"
    "$bin" --generate "$dir/log" --lines "$n" $flag > "$dir/truth"
    cat "$dir/log" > /dev/null  # warm the page cache
    echo "== $n lines, $fmt timestamps: $(cat "$dir/truth")"
    taskset -c 0 "$bin" --input "$dir/log"
  done
done
