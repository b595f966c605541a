#!/usr/bin/env bash
# Bazel wrapper for report_journal_test.py (run from the runfiles tree).
set -euo pipefail
exec python3 testdata/report/report_journal_test.py ./mailgauge testdata/logs/postfix_real.iso.log
