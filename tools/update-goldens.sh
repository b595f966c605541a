#!/usr/bin/env bash
# Rewrites the golden files in testdata/golden/ from the current build.
# Review the diff (git diff testdata/golden) like code before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //:mailgauge
python3 testdata/records_corpus_test.py bazel-bin/mailgauge --update-goldens
