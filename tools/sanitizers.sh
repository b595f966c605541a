#!/bin/bash
# Runs the test suite under the sanitizers and prints a summary.
#
#   tools/sanitizers.sh            # both: ASan+UBSan on //..., TSan on the threaded parts
#   tools/sanitizers.sh asan       # bazel test --config=asan //...
#   tools/sanitizers.sh tsan       # bazel test --config=tsan $TSAN_TARGETS
#   tools/sanitizers.sh asan //parsers/...   # other target patterns
#
# CI (tools/test.sh) runs the same two configurations; this script is for
# running one of them by hand and reading its reports. Tests tagged `no_asan`
# (peak RSS and throughput bounds a sanitizer makes meaningless) are skipped.
#
# --config=asan and --config=tsan (.bazelrc) build into their own output
# directories (--platform_suffix) and leave the bazel-bin link alone, so
# they never evict the default build. A sanitizer report fails its test
# (halt_on_error, set by the configs' test_env). For each failed test the
# summary prints the first lines of its sanitizer report and the log's path.
# Exit status: 0 when every selected run passed.
#
# The threaded parts run under TSan: TSAN_TARGETS is read from
# tools/tsan_targets.txt (the exporter's HTTP threads and log thread and the
# e2e tests that run the daemon, the file follower, refmta's SMTP sessions,
# qmgr's delivery threads and the relay peer; add new threaded tests there).
# Debian's Abseil, prometheus-cpp and civetweb are not built with TSan: their
# std::mutex and pthread calls are seen (TSan intercepts pthread), absl::Mutex
# is not (so our threaded code uses std::mutex). A report inside them is
# judged from the frames the summary shows (none so far: no suppressions).
set -uo pipefail
cd "$(dirname "$0")/.."

mapfile -t TSAN_TARGETS < <(grep -v '^#' tools/tsan_targets.txt | awk 'NF {print $1}')

mode="${1:-all}"
[[ $# -gt 0 ]] && shift
case "$mode" in
  asan|tsan|all) ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

overall=0
run() {  # run CONFIG TARGET...
  local config="$1"; shift
  local out; out="$(mktemp)"
  local start end
  start=$(date +%s)
  bazel test --config="$config" --keep_going --test_tag_filters=-no_asan "$@" 2>&1 |
    tee "$out" >/dev/null
  local status=${PIPESTATUS[0]}
  end=$(date +%s)
  echo "=== $config: $* — $(( (end - start) / 60 ))m$(( (end - start) % 60 ))s, bazel exit $status"
  grep -E '^Executed|tests? (pass|fail)|NO STATUS|FAILED TO BUILD' "$out" | sort -u | sed 's/^/  /'
  # Failed targets and the first lines of their sanitizer reports. Bazel
  # prints each failed test's log path on the line after it (no `bazel
  # info` here: it would wait for the server behind other commands).
  awk '/^\/\/[^ ]+ +(FAILED|TIMEOUT|NO STATUS)/ && !/FAILED TO BUILD/ {t=$1; w=$2; getline p; sub(/^ +/, "", p); print t, w, p}' "$out" |
    while read -r target what log; do
      echo "  $what: $target"
      if [[ -f "$log" ]]; then
        grep -m1 -A12 -E 'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:|WARNING: ThreadSanitizer|ThreadSanitizer:' "$log" \
          | sed 's/^/      /'
        echo "      log: $log"
      fi
    done
  grep -E '^//[^ ]+ +FAILED TO BUILD' "$out" | sed 's/^/  /'
  grep -E '^ERROR:' "$out" | head -5 | sed 's/^/  /'
  rm -f "$out"
  (( status == 0 )) || overall=1
}

if [[ "$mode" == asan || "$mode" == all ]]; then
  if [[ "$mode" == asan && $# -gt 0 ]]; then run asan "$@"; else run asan //...; fi
fi
if [[ "$mode" == tsan || "$mode" == all ]]; then
  if [[ "$mode" == tsan && $# -gt 0 ]]; then run tsan "$@"; else run tsan "${TSAN_TARGETS[@]}"; fi
fi
exit $overall
