# Sourced by cli's shell tests: the binary and the test log by their
# runfiles paths, a scratch directory, and the check counters.
#   source cli/check_lib.sh
#   checks=$((checks + 1)); [[ ... ]] || fail "what went wrong"
#   finish my_test          # prints "my_test: N checks, M failed"; status
set -uo pipefail
mg=$PWD/mailgauge
log=$PWD/testdata/logs/postfix_real.syslog
tmp=${TEST_TMPDIR:-$(mktemp -d)}
failures=0
checks=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
finish() {
  echo "$1: $checks checks, $failures failed"
  ((failures == 0))
}
