#!/usr/bin/env bash
# Bazel wrapper for scrape_load_test.py (run from the runfiles root).
set -euo pipefail
exec python3 tests/load/scrape_load_test.py mailgauge_exporter "$@"
