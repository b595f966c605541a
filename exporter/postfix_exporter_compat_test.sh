#!/usr/bin/env bash
# Bazel wrapper for postfix_exporter_compat_test.py (run from the runfiles root).
set -euo pipefail
exec python3 exporter/postfix_exporter_compat_test.py mailgauge_exporter \
  testdata/logs/postfix_real.syslog testdata/logs/postfix_real.iso.log \
  testdata/report/logs/soft_bounce_real.log "$@"
