#!/usr/bin/env bash
# Bazel wrapper for state_file_faults_test.py (run from the runfiles root).
set -euo pipefail
exec python3 tests/faults/state_file_faults_test.py mailgauge_exporter "$@"
