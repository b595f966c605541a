#!/usr/bin/env bash
# Bazel wrapper for log_eio_faults_test.py (run from the runfiles root).
set -euo pipefail
exec python3 tests/faults/log_eio_faults_test.py mailgauge_exporter tests/faults/eio_fuse mailgauge "$@"
