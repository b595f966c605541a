#!/usr/bin/env bash
# Cross-checks `mailgauge report` against Debian's pflogsumm (Grand Totals,
# per-day and per-hour traffic, host/domain tables, number by number) on:
#   - testdata/report/logs/* (a hand-written log, and one small log per case in
#     docs/pflogsumm-differences.md) and the real-Postfix corpora
#     testdata/logs/postfix_real.{syslog,iso.log,maillog} (RFC 5424 is left
#     out: pflogsumm cannot read it), postfix_real_filters.syslog and
#     postfix_real_features.syslog,
#   - a 20000-line log written by bench/log_generator,
#   - any further logs named in $MAILGAUGE_COMPARE_LOGS (space-separated).
# Known, deliberate differences are in pflogsumm_known_differences.tsv.
# Skips (passes with a message) when /usr/sbin/pflogsumm is not installed;
# tools/install-deps.sh installs it.
set -euo pipefail
PFLOGSUMM=${PFLOGSUMM:-/usr/sbin/pflogsumm}
if [[ ! -x $PFLOGSUMM ]]; then
  echo "SKIPPED: $PFLOGSUMM is not installed (apt-get install pflogsumm, or run tools/install-deps.sh)"
  exit 0
fi
if ! command -v python3 > /dev/null; then
  echo "SKIPPED: python3 is not installed"
  exit 0
fi
tmp=${TEST_TMPDIR:-$(mktemp -d)}
bench/pipeline_benchmark --generate "$tmp/generated.log" --lines 20000 > /dev/null
logs=(testdata/report/logs/* testdata/logs/postfix_real.{syslog,iso.log,maillog}
  testdata/logs/postfix_real_filters.syslog testdata/logs/postfix_real_features.syslog
  "$tmp/generated.log")
for f in ${MAILGAUGE_COMPARE_LOGS:-}; do logs+=("$f"); done
exec python3 testdata/report/compare_pflogsumm.py ./mailgauge "$PFLOGSUMM" \
  testdata/report/pflogsumm_known_differences.tsv "${logs[@]}"
