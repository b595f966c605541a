#!/usr/bin/env bash
# Bazel wrapper for log_source_faults_test.py (run from the runfiles root).
set -euo pipefail
exec python3 tests/faults/log_source_faults_test.py mailgauge_exporter "$@"
