#!/usr/bin/env bash
# Runs every mailgauge test: installs the build dependencies (idempotent), runs
# `bazel test //...`, and ends with one line `tests: N passed, M failed`
# counting the test cases of every test target (from their JUnit XML).
# Extra arguments go to `bazel test` (e.g. --config=asan).
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }

bazel test //... "$@"
rc=$?

bazel query 'tests(//...)' 2>/dev/null |
  python3 tools/count_tests.py "$(bazel info bazel-testlogs 2>/dev/null)" "$rc"
