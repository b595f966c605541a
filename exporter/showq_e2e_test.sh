#!/usr/bin/env bash
# Bazel wrapper for showq_e2e_test.py (run from the runfiles root).
set -euo pipefail
exec python3 exporter/showq_e2e_test.py mailgauge_exporter "$@"
