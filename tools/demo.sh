#!/usr/bin/env bash
# The demo: builds mailgauge and runs it over the real Postfix log shipped in
# testdata/ (produced by testdata/postfix-real/generate.sh with Debian's
# Postfix): one JSON record per message, then the statistics of the run.
# Installs what it needs from Debian's packages (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
bazel build -c opt //:mailgauge >&2
mailgauge=bazel-bin/mailgauge
log=testdata/logs/postfix_real.syslog

echo "== mailgauge records $log (first 5 records, pretty-printed)"
"$mailgauge" records "$log" | head -n 5 | python3 -m json.tool --no-ensure-ascii
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
