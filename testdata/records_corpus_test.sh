#!/usr/bin/env bash
# Bazel wrapper for records_corpus_test.py (run from the runfiles tree).
set -euo pipefail
exec python3 testdata/records_corpus_test.py mailgauge
