#!/bin/bash
# Runs one libFuzzer target of fuzz/ for a given time, or merges what a run
# found into the checked-in corpus.
#
#   tools/fuzz.sh envelope 600             # fuzz 10 minutes (nice -n 10)
#   tools/fuzz.sh envelope 600 -jobs=1 -max_len=4096   # extra libFuzzer flags
#   tools/fuzz.sh --merge envelope         # add the run's new coverage to
#                                          # fuzz/corpus/envelope (small set)
#   tools/fuzz.sh --list                   # the targets
#
# Builds //fuzz:<target>_fuzzer with --config=fuzz (clang-14 toolchain in
# toolchains/, ASan+UBSan, its own output directory). The run reads the
# checked-in corpus fuzz/corpus/<target>/ but writes new inputs only to its
# work directory, $FUZZ_WORKDIR/<target>/ (default /tmp/mailgauge-fuzz), so the
# checked-in corpus changes only by --merge. Crashes land in
# <workdir>/artifacts/; the run's libFuzzer log in <workdir>/fuzz.log. A crash
# is reproduced with `bazel-bin/.../<target>_fuzzer <crash file>` or kept as a
# regression with a descriptive name in fuzz/corpus/<target>/ (docs/fuzzing.md).
# FUZZ_BIN_DIR=$(bazel info --config=fuzz bazel-bin) skips the bazel build.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS="envelope journal_entries log_input exim line_reader postfix_message correlator main_cf aliases state_file smtp_session"
usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

merge=0
case "${1:-}" in
  --list) echo "$TARGETS" | tr ' ' '\n'; exit 0 ;;
  --merge) merge=1; shift ;;
  ""|-h|--help) usage ;;
esac
target="${1:-}"
[[ " $TARGETS " == *" $target "* ]] || { echo "fuzz.sh: unknown target '$target' (--list)" >&2; exit 2; }

if [[ -n "${FUZZ_BIN_DIR:-}" ]]; then
  # Already built; skips bazel (useful while another bazel command holds
  # the server for a long time).
  bin="$FUZZ_BIN_DIR/fuzz/${target}_fuzzer"
else
  bazel build --config=fuzz "//fuzz:${target}_fuzzer" >&2
  bin="$(bazel info --config=fuzz bazel-bin 2>/dev/null)/fuzz/${target}_fuzzer"
fi
work="${FUZZ_WORKDIR:-/tmp/mailgauge-fuzz}/${target}"
mkdir -p "$work/corpus" "$work/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if (( merge )); then
  before=$(ls "fuzz/corpus/$target" | wc -l)
  # Edges only (no hit counters, no comparison features): the smallest set
  # that keeps every edge the run reached.
  "$bin" -merge=1 -use_counters=0 -use_cmp=0 "fuzz/corpus/$target" "$work/corpus" 2>&1 \
    | grep -E 'MERGE-OUTER: [0-9]+ new' || true
  echo "fuzz/corpus/$target: $before -> $(ls "fuzz/corpus/$target" | wc -l) files"
  exit 0
fi

seconds="${2:-}"
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
shift 2
echo "fuzzing $target for ${seconds}s; work directory $work" >&2
set +e
nice -n 10 "$bin" -max_total_time="$seconds" -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" "fuzz/corpus/$target" \
  2>&1 | tee "$work/fuzz.log" | grep -E '^#[0-9]+.*(INITED|DONE|pulse)|ERROR|SUMMARY|stat::|Test unit written' >&2
status=${PIPESTATUS[0]}
set -e
echo "$target: libFuzzer exit status $status; artifacts: $(ls "$work/artifacts" | wc -l)" >&2
exit "$status"
