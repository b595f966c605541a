#!/usr/bin/env bash
# Runs `promtool check metrics` on the golden exposition when promtool is
# installed (Debian package `prometheus`); otherwise says so and passes.
set -euo pipefail
golden="testdata/golden/postfix_real.metrics"
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIPPED: promtool is not installed (apt-get install prometheus); ${golden} not linted"
  exit 0
fi
promtool check metrics < "${golden}"
echo "promtool check metrics: ${golden} OK"
