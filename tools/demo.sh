#!/usr/bin/env bash
# The demo: builds mailgauge and runs it over the real Postfix log shipped in
# testdata/ (produced by testdata/postfix-real/generate.sh with Debian's
# Postfix): the pflogsumm-style report, a few of the per-message records, the
# outcome of every recipient, and the statistics of the run.
# Installs what it needs from Debian's packages (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bazel build -c opt //:mailgauge >&2
mailgauge=bazel-bin/mailgauge
log=testdata/logs/postfix_real.syslog

echo "== mailgauge report --smtpd-stats $log"
"$mailgauge" report --smtpd-stats "$log"
echo
echo "== mailgauge records $log (first 3 records, pretty-printed)"
"$mailgauge" records "$log" | python3 -c '
import json, sys
for line in sys.stdin.readlines()[:3]:
    print(json.dumps(json.loads(line), indent=2, ensure_ascii=False))
'
echo
echo "== outcome of every recipient"
"$mailgauge" records --include-unfinished "$log" | python3 -c '
import collections, json, sys
count = collections.Counter()
for line in sys.stdin:
    m = json.loads(line)
    for r in m["recipients"]:
        count[r["status"]] += 1
for status, n in sorted(count.items()):
    print(f"  {status:10} {n}")
'
echo
echo "== statistics"
"$mailgauge" records --stats "$log" > /dev/null
