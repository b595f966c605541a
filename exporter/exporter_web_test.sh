#!/usr/bin/env bash
# Bazel wrapper for exporter_web_test.py (run from the runfiles root).
set -euo pipefail
exec python3 exporter/exporter_web_test.py mailgauge_exporter "$@"
