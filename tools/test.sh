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
#   1. asan+ubsan  `bazel test --config=asan //...`: the whole suite under
#                  AddressSanitizer + UndefinedBehaviorSanitizer (gcc), except
#                  tests tagged `no_asan` (none at present: a test whose
#                  bound a sanitizer would make meaningless gets the tag);
#   2. plain       the `no_asan` tests, if any, in the default build;
#   3. tsan        `bazel test --config=tsan` on the lines of
#                  tools/tsan_targets.txt marked `ci` (the threaded parts:
#                  all of them but the CLI's --threads comparison).
# Every test thus runs under ASan+UBSan, and the threaded ones under TSan
# too. The whole suite in the default build instead: `bash tools/test.sh
# --keep_going` (any option means one `bazel test //... OPTIONS`). Every
# threaded target under TSan: `bash tools/sanitizers.sh tsan`.
# A sanitizer report fails its test (.bazelrc: halt_on_error). The phase lines
# and the total count runs.
# TEST_PHASES selects phases (default "asan plain tsan"), e.g.
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
bazel query "tests(//...) except $no_asan" 2>/dev/null >"$tmp/asan"
bazel query "$no_asan" 2>/dev/null >"$tmp/plain"
grep -v '^#' tools/tsan_targets.txt | awk '$2 == "ci" {print $1}' >"$tmp/tsan"
mapfile -t plain_targets <"$tmp/plain"
mapfile -t tsan_targets <"$tmp/tsan"

phases=" ${TEST_PHASES:-asan plain tsan} "
if [[ "$phases" == *" asan "* ]]; then
  phase asan+ubsan "$tmp/asan" --config=asan --test_tag_filters=-no_asan //...
fi
if [[ "$phases" == *" plain "* ]] && ((${#plain_targets[@]})); then
  phase plain "$tmp/plain" "${plain_targets[@]}"
fi
if [[ "$phases" == *" tsan "* ]]; then
  phase tsan "$tmp/tsan" --config=tsan "${tsan_targets[@]}"
fi
((${#counts[@]})) || { echo "TEST_PHASES: none of asan, tsan, plain"; echo "tests: 0 passed, 1 failed"; exit 1; }
echo "=== all phases: $(took "$total_start")"
python3 tools/count_tests.py "${counts[@]}"
