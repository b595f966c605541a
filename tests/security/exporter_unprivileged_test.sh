#!/usr/bin/env bash
# Bazel wrapper for exporter_unprivileged_test.py (run from the runfiles root).
set -euo pipefail
exec python3 tests/security/exporter_unprivileged_test.py mailgauge_exporter "$@"
