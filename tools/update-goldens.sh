#!/usr/bin/env bash
# Rewrites the golden files from the current build: the records goldens in
# testdata/golden/, the Exim corpus's in testdata/exim/golden/ and the report
# goldens (text and JSON, default and option cases) in testdata/report/golden/.
# Review the diff (git diff testdata/golden testdata/exim/golden
# testdata/report/golden) like code before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //:mailgauge
python3 testdata/records_corpus_test.py bazel-bin/mailgauge --update-goldens
python3 testdata/exim_corpus_test.py bazel-bin/mailgauge --update-goldens
bazel run //testdata/report:report_golden_test -- --update "$PWD/testdata/report/golden"
