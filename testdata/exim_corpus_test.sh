#!/usr/bin/env bash
# Bazel wrapper for exim_corpus_test.py (run from the runfiles tree).
set -euo pipefail
exec python3 testdata/exim_corpus_test.py mailgauge
