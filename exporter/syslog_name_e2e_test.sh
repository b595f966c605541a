#!/usr/bin/env bash
# Bazel wrapper for syslog_name_e2e_test.py (run from the runfiles root).
set -euo pipefail
exec python3 exporter/syslog_name_e2e_test.py mailgauge_exporter "$@"
