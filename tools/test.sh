#!/usr/bin/env bash
# Runs every mailgauge test: installs the build dependencies (idempotent), runs
# the suite and ends with one line `tests: N passed, M failed` counting the
# test cases of every test run (from their JUnit XML; tools/count_tests.py).
#
#   bash tools/test.sh                    # CI (.ci/run): the three phases below
#   bash tools/test.sh --config=tsan      # instead one `bazel test //... ARGS`
#   bash tools/test.sh --test_tag_filters=-no_asan   # (any bazel test options)
#
# The phases, each in its own output directory (.bazelrc), one after the other:
#   1. plain       `bazel test //...`: every test in the default build;
#   2. asan+ubsan  `bazel test --config=asan` on the code that reads
#                  strangers' input: the fuzz-corpus replays (envelope, Postfix
#                  messages, correlator, main.cf, aliases, state file, SMTP
#                  session) and the cc_tests of parsers/, refmta/ and common/
#                  (ASAN_QUERY below), except those tagged `no_asan` (peak-RSS
#                  bounds a sanitizer makes meaningless) or `asan_long`;
#   3. tsan        `bazel test --config=tsan` on the lines of
#                  tools/tsan_targets.txt marked `ci`.
# The whole suite under ASan+UBSan and every threaded target under TSan:
# `bash tools/sanitizers.sh` (about 25 and 20 minutes more on 2 cores: more
# than CI's 30-minute budget allows beside the plain run).
# A sanitizer report fails its test (.bazelrc: halt_on_error). The phase lines
# and the total count runs: a test run in two phases counts twice.
# TEST_PHASES selects phases (default "plain asan tsan"), e.g.
#   TEST_PHASES=tsan bash tools/test.sh
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }

if (($#)); then
  # Under a sanitizer the `no_asan` tests cannot pass (see above); a later
  # --test_tag_filters in ARGS overrides this one.
  filter=()
  [[ " $* " == *" --config=asan "* || " $* " == *" --config=tsan "* ]] &&
    filter=(--test_tag_filters=-no_asan)
  bazel test //... "${filter[@]}" "$@"
  rc=$?
  # Results are in the testlogs of the configuration the options select
  # (`bazel info` takes the test options too); should it refuse one, the
  # default configuration's.
  logs=$(bazel info "$@" bazel-testlogs 2>/dev/null) || logs=$(bazel info bazel-testlogs 2>/dev/null)
  bazel query 'tests(//...)' 2>/dev/null | python3 tools/count_tests.py "$logs" "$rc"
  exit
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
secs() { date +%s; }
took() { local s=$(($(secs) - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }
counts=()

# phase NAME LABELS_FILE BAZEL_TEST_ARGS...: runs one phase, times it and
# queues its results for the count.
phase() {
  local name="$1" labels="$2"; shift 2
  local start; start=$(secs)
  echo "=== $name: bazel test $*"
  bazel test --keep_going "$@"
  local rc=$?
  echo "=== $name: $(wc -l <"$labels") test targets, $(took "$start"), bazel exit $rc"
  # The config's testlogs directory (each config has its own).
  local config=()
  [[ "$1" == --config=* ]] && config=("$1")
  counts+=(--phase "$name" "$(bazel info "${config[@]}" bazel-testlogs 2>/dev/null)" "$rc" "$labels")
}

total_start=$(secs)
no_asan='attr(tags, "\bno_asan\b", tests(//...))'
asan_long='attr(tags, "\basan_long\b", tests(//...))'
ASAN_QUERY="kind(cc_test, tests(//parsers/... + //fuzz/... + //refmta/... + //common/...)) except $no_asan except $asan_long"
bazel query 'tests(//...)' 2>/dev/null >"$tmp/plain"
bazel query "$ASAN_QUERY" 2>/dev/null >"$tmp/asan"
grep -v '^#' tools/tsan_targets.txt | awk '$2 == "ci" {print $1}' >"$tmp/tsan"
mapfile -t asan_targets <"$tmp/asan"
mapfile -t tsan_targets <"$tmp/tsan"

phases=" ${TEST_PHASES:-plain asan tsan} "
if [[ "$phases" == *" plain "* ]]; then
  phase plain "$tmp/plain" //...
fi
if [[ "$phases" == *" asan "* ]]; then
  phase asan+ubsan "$tmp/asan" --config=asan "${asan_targets[@]}"
fi
if [[ "$phases" == *" tsan "* ]]; then
  phase tsan "$tmp/tsan" --config=tsan "${tsan_targets[@]}"
fi
((${#counts[@]})) || { echo "TEST_PHASES: none of asan, tsan, plain"; echo "tests: 0 passed, 1 failed"; exit 1; }
echo "=== all phases: $(took "$total_start")"
python3 tools/count_tests.py "${counts[@]}"
