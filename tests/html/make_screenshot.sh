#!/usr/bin/env bash
# Writes docs/report-html.png: `mailgauge report --format html` on
# testdata/logs/postfix_real.syslog, rendered by headless Chromium at
# 1280x4000 (the flags of html_chromium_test.py: no profile, no
# background traffic, no host name resolving).
#
#   bash tests/html/make_screenshot.sh      # from the repository root
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v chromium > /dev/null || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
bazel build //:mailgauge >&2
bin=$(bazel info bazel-bin 2> /dev/null)
work=$(mktemp -d /tmp/report-html.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$bin/mailgauge" report --format html testdata/logs/postfix_real.syslog > "$work/report.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --disable-background-networking --disable-component-update --disable-sync \
  --disable-default-apps --no-first-run --no-default-browser-check \
  '--host-resolver-rules=MAP * ~NOTFOUND' --user-data-dir="$work/profile" \
  --screenshot="$work/report-html.png" --window-size=1280,4000 \
  "file://$work/report.html" 2> "$work/chromium.err" > /dev/null ||
  { cat "$work/chromium.err" >&2; exit 1; }
cp "$work/report-html.png" docs/report-html.png
echo "wrote docs/report-html.png" >&2
