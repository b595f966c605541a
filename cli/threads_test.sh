#!/usr/bin/env bash
# `mailgauge report` and `mailgauge records` with --threads 2 and 4 print
# byte for byte what --threads 1 prints (stdout, stderr, exit status): on
# the real-Postfix corpora and the report's hand-written logs, one by one
# and together; on generated logs split into rotated files (messages cross
# the file boundaries; the older files gzipped; given newest first), one
# big generated file, stdin, and inputs with a missing and a corrupt file.
set -uo pipefail
mg=$PWD/mailgauge
gen=$PWD/bench/pipeline_benchmark
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
checks=0

# same COMMAND [ARGS...]: runs `mailgauge COMMAND --threads N ARGS...` for
# N = 1, 2, 4 and compares.
same() {
  local command=$1
  shift
  "$mg" "$command" --threads 1 "$@" > "$tmp/out1" 2> "$tmp/err1"
  local rc1=$?
  if [[ ! -s $tmp/out1 ]]; then
    echo "FAIL: empty output: $command $*"
    failures=$((failures + 1))
  fi
  for n in 2 4; do
    "$mg" "$command" --threads "$n" "$@" > "$tmp/out$n" 2> "$tmp/err$n"
    local rc=$?
    checks=$((checks + 1))
    if [[ $rc != "$rc1" ]] || ! cmp -s "$tmp/out1" "$tmp/out$n" || ! cmp -s "$tmp/err1" "$tmp/err$n"; then
      echo "FAIL: $command --threads $n $* differs from --threads 1 (exit $rc vs $rc1)"
      diff "$tmp/out1" "$tmp/out$n" | head -5
      diff "$tmp/err1" "$tmp/err$n" | head -5
      failures=$((failures + 1))
    fi
  done
}

corpus=(testdata/logs/*)
report_logs=(testdata/report/logs/*)
for log in "${corpus[@]}" "${report_logs[@]}"; do
  same report --format json --stats "$log"
  same records --stats "$log"
done
same report --format json "${corpus[@]}"
same report --smtpd-stats --extended-detail "${corpus[@]}"
same records --include-unfinished "${corpus[@]}"
same report --format json "${report_logs[@]}"
same records "${report_logs[@]}"

# Generated logs: 40,000 lines split into four rotated files (small enough
# for the TSan build: tools/sanitizers.sh).
"$gen" --generate "$tmp/gen.log" --lines 40000 --seed 1 > /dev/null || exit 1
split -n l/4 -d "$tmp/gen.log" "$tmp/part."
mv "$tmp/part.00" "$tmp/mail.log.3"
mv "$tmp/part.01" "$tmp/mail.log.2"
mv "$tmp/part.02" "$tmp/mail.log.1"
mv "$tmp/part.03" "$tmp/mail.log"
gzip -f "$tmp/mail.log.3" "$tmp/mail.log.2"
rotated=("$tmp/mail.log" "$tmp/mail.log.1" "$tmp/mail.log.2.gz" "$tmp/mail.log.3.gz")
same report --format json --stats "${rotated[@]}"
same report "${rotated[@]}"
same records --stats "${rotated[@]}"
same records --include-unfinished --max-messages 500 "${rotated[@]}"
same report --format json -d 2026-11-25 "${rotated[@]}"
# The options that change how the workers' untimed facts are keyed, the
# other formats, and --by-domain (counted on the correlating thread).
same report --ignore-case --rej-add-from --rej-add-to --verp-mung=2 --srs-mung --use-orig-to \
  "${rotated[@]}"
same report --format html --smtpd-stats "${rotated[@]}"
same report --format json --by-domain example.org "${rotated[@]}"
# The unparsed-lines file too.
for n in 1 3; do
  "$mg" records --threads "$n" --unparsed "$tmp/unparsed$n" "${rotated[@]}" > /dev/null 2>&1
done
checks=$((checks + 1))
cmp "$tmp/unparsed1" "$tmp/unparsed3" || { echo "FAIL: --unparsed differs"; failures=$((failures + 1)); }

# One big file (parsed by all workers) with ISO timestamps and long IDs, and
# the same through stdin.
"$gen" --generate "$tmp/iso.log" --lines 30000 --seed 2 --iso --long-ids > /dev/null || exit 1
same report --format json "$tmp/iso.log"
same records "$tmp/iso.log"
"$mg" records --threads 1 - < "$tmp/iso.log" > "$tmp/stdin1"
"$mg" records --threads 2 - < "$tmp/iso.log" > "$tmp/stdin2"
checks=$((checks + 1))
cmp "$tmp/stdin1" "$tmp/stdin2" || { echo "FAIL: stdin differs"; failures=$((failures + 1)); }

# Errors: a missing file and a gzip file cut short, among good ones.
head -c 20000 "$tmp/mail.log.2.gz" > "$tmp/cut.gz"
same report --format json "$tmp/mail.log.1" "$tmp/missing.log" "$tmp/cut.gz" "$tmp/mail.log"
same records "$tmp/mail.log.1" "$tmp/missing.log" "$tmp/cut.gz" "$tmp/mail.log"
grep -q "missing.log: No such file" "$tmp/err1" || { echo "FAIL: no error for missing.log: $(cat "$tmp/err1")"; failures=$((failures + 1)); }
same records "$tmp/mail.log.1" "$tmp/cut.gz" "$tmp/mail.log"
grep -q "cut.gz" "$tmp/err1" || { echo "FAIL: no error for cut.gz: $(cat "$tmp/err1")"; failures=$((failures + 1)); }

# A bad --threads value is refused.
if "$mg" report --threads 0 "${corpus[0]}" > /dev/null 2> "$tmp/err"; then
  echo "FAIL: --threads 0 accepted"
  failures=$((failures + 1))
fi
grep -q -- "--threads: '0'" "$tmp/err" || { echo "FAIL: --threads 0: $(cat "$tmp/err")"; failures=$((failures + 1)); }

echo "$checks comparisons, $failures failures"
[[ $failures == 0 ]]
