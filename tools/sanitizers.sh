#!/bin/bash
# Runs the test suite under the sanitizers and prints a summary.
#
#   tools/sanitizers.sh            # both: ASan+UBSan on //..., TSan on the threaded parts
#   tools/sanitizers.sh asan       # bazel test --config=asan //...
#   tools/sanitizers.sh tsan       # bazel test --config=tsan $TSAN_TARGETS
#   tools/sanitizers.sh asan //parsers/...   # other target patterns
#
# --config=asan and --config=tsan (.bazelrc) build into their own output
# directories (--platform_suffix) and leave the bazel-bin link alone, so
# they never evict the default build. A sanitizer report fails its test
# (halt_on_error, set by the configs' test_env). For each failed test the
# summary prints the first lines of its sanitizer report and the log's path.
# Exit status: 0 when every selected run passed.
#
# The threaded parts run under TSan: the exporter (its HTTP threads, the log
# follower, scrapes racing the pipeline, the e2e tests that run the daemon),
# the file follower, and refmta (one thread per SMTP session, qmgr's
# delivery threads, the relay peer). Note: Debian's Abseil and prometheus-cpp
# are not built with TSan, so a race reported inside them may be a false
# positive from uninstrumented synchronization; the summary shows the top
# frames so that can be judged.
set -uo pipefail
cd "$(dirname "$0")/.."

TSAN_TARGETS=(//exporter/... //parsers:file_follower_test //refmta/...)

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
  bazel test --config="$config" --keep_going "$@" 2>&1 | tee "$out" >/dev/null
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
