#!/usr/bin/env bash
# Bazel wrapper for exporter_e2e_test.py (run from the runfiles root).
set -euo pipefail
exec python3 exporter/exporter_e2e_test.py mailgauge_exporter "$@"
