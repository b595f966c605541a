#!/usr/bin/env bash
# Bazel wrapper: runs a Python test of tests/html/ from the runfiles root.
# Usage: python_test.sh SCRIPT [ARGS...]
set -euo pipefail
exec python3 "$@"
