#!/usr/bin/env bash
# `mailgauge report` (every format) and `mailgauge records` whose standard
# output cannot be written (a full disk: /dev/full) exit 1 and say why,
# instead of ending with exit 0 and a cut output.
set -uo pipefail
mg=$PWD/mailgauge
log=testdata/logs/postfix_real.syslog
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
checks=0
for command in "report" "report --format json" "report --format html" "records"; do
  # shellcheck disable=SC2086
  "$mg" $command "$log" > /dev/full 2> "$tmp/err"
  rc=$?
  checks=$((checks + 1))
  if [[ $rc != 1 ]] || ! grep -q "cannot write .* to standard output: No space left on device" "$tmp/err"; then
    echo "FAIL: mailgauge $command > /dev/full: exit $rc, stderr:"
    cat "$tmp/err"
    failures=$((failures + 1))
  fi
  # The same command with a writable output succeeds.
  # shellcheck disable=SC2086
  "$mg" $command "$log" > "$tmp/out" 2> "$tmp/err"
  rc=$?
  checks=$((checks + 1))
  if [[ $rc != 0 || ! -s $tmp/out ]]; then
    echo "FAIL: mailgauge $command > file: exit $rc"
    failures=$((failures + 1))
  fi
done
echo "output_errors_test: $checks checks, $failures failed"
((failures == 0))
