#!/usr/bin/env bash
# Bazel wrapper for records_journal_test.py (run from the runfiles tree).
set -euo pipefail
exec python3 cli/records_journal_test.py mailgauge \
  testdata/logs/postfix_real.iso.log testdata/logs/postfix_real.syslog
