#!/usr/bin/env bash
# Bazel wrapper for journal_rotation_faults_test.py (run from the runfiles root).
set -euo pipefail
exec python3 tests/faults/journal_rotation_faults_test.py mailgauge_exporter "$@"
