#!/usr/bin/env bash
# Bazel wrapper for signal_rounds_faults_test.py (run from the runfiles root).
set -euo pipefail
exec python3 tests/faults/signal_rounds_faults_test.py mailgauge_exporter \
  bench/pipeline_benchmark "$@"
