#!/usr/bin/env bash
# promtool check rules on every rules file of dashboards/, then
# promtool test rules on every test file in dashboards/tests/ (one per alert,
# plus the recording rules'). Skips with a message when promtool is not
# installed (apt-get install prometheus, or tools/install-deps.sh).
#
# Run from the runfiles root (bazel test //dashboards:promtool_test) or from
# the repository root (bash dashboards/promtool_test.sh).
set -euo pipefail
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIPPED: promtool is not installed (apt-get install prometheus); rules not checked"
  exit 0
fi
cd dashboards
shopt -s nullglob
rule_files=(alerts/*.yaml rules/*.yaml)
tests=(tests/*.yaml)
if ((${#rule_files[@]} == 0 || ${#tests[@]} == 0)); then
  echo "FAIL: no rules or no tests found under $(pwd)" >&2
  exit 1
fi
promtool check rules "${rule_files[@]}"
# promtool resolves rule_files relative to each test file.
failed=0
for t in "${tests[@]}"; do
  if ! promtool test rules "$t"; then
    failed=1
  fi
done
if ((failed)); then
  echo "FAIL: promtool test rules failed (see above)" >&2
  exit 1
fi
echo "OK: ${#rule_files[@]} rule files checked, ${#tests[@]} test files passed"
