#!/usr/bin/env bash
# Runs the pipeline benchmark briefly and checks that the correlator found
# what the generator says it wrote: every line parsed, every message and
# recipient accounted for.
set -euo pipefail
bin=bench/pipeline_benchmark
log="$TEST_TMPDIR/log"
truth=$("$bin" --generate "$log" --lines 20000)
out=$("$bin" --input "$log")
echo "$truth"; echo "$out"
field() { sed -nE "s/(^|.* )$1=([0-9]+).*/\2/p" <<<"$2" | head -n1; }
[[ $(field unparsed "$out") == 0 ]] || { echo "FAIL: unparsed lines"; exit 1; }
generated=$(sed -nE 's/^generated ([0-9]+) lines.*/\1/p' <<<"$truth")
[[ $(field lines "$out") == "$generated" ]] || { echo "FAIL: line count"; exit 1; }
[[ $(field bounced "$out") == $(field bounced "$truth") ]] || { echo "FAIL: bounced"; exit 1; }
[[ $(field sent "$out") == $(field delivered "$truth") ]] || { echo "FAIL: sent"; exit 1; }
grep -q 'lines_per_s=' <<<"$out" || { echo "FAIL: no throughput"; exit 1; }
grep -q 'peak_rss_MiB=' <<<"$out" || { echo "FAIL: no peak RSS"; exit 1; }
echo PASS
