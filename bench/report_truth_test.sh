#!/usr/bin/env bash
# The benchmark log's ground truth must equal what `mailgauge report --format
# json` says about it (a fast wrong answer does not count): generates small
# logs with bench's generator (short IDs and classic timestamps; long IDs and
# ISO timestamps) and compares the report's totals, postscreen, TLS and SASL
# counts with the truth the generator printed, number by number.
set -euo pipefail
gen=bench/pipeline_benchmark
mg=./mailgauge
tmp=${TEST_TMPDIR:-$(mktemp -d)}
status=0
for variant in "--seed 7" "--seed 11 --iso --long-ids"; do
  # shellcheck disable=SC2086
  truth=$("$gen" --generate "$tmp/log" --lines 30000 $variant)
  "$mg" report --format json "$tmp/log" > "$tmp/report.json"
  echo "== $variant: $truth"
  python3 - "$tmp/report.json" "$truth" <<'PY' || status=1
import json, re, sys
report = json.load(open(sys.argv[1]))
truth = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", sys.argv[2])}
t = report["totals"]
def count(section, key, value):
    return sum(r["count"] for r in report[section] if r.get(key) == value)
checks = [
    ("received", truth["received"], t["received"]),
    ("delivered", truth["delivered"], t["delivered"]),
    ("bounced", truth["bounced"], t["bounced"]),
    ("deferrals", truth["deferrals"], t["deferrals"]),
    ("rejected", truth["rejected"], t["rejected"]),
    ("smtpd_connections", truth["smtpd_connections"], t["smtpd_connections"]),
    ("postscreen noqueue_reject", truth["postscreen_rejects"],
     count("postscreen", "event", "noqueue_reject")),
    ("postscreen pass_old", truth["postscreen_connections"] - truth["postscreen_rejects"],
     count("postscreen", "event", "pass_old")),
    ("tls incoming", truth["tls_inbound"], count("tls", "direction", "incoming")),
    ("tls outgoing", truth["tls_outbound"], count("tls", "direction", "outgoing")),
    ("sasl failures", truth["sasl_failures"], sum(r["count"] for r in report["sasl_failures"])),
]
bad = 0
for name, want, got in checks:
    ok = want == got
    bad += not ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: truth {want}, report {got}")
if truth["messages"] < 1000 or truth["rejected"] < 100:
    print("FAIL: the generated log is too small to mean anything"); bad += 1
sys.exit(1 if bad else 0)
PY
done
[[ $status == 0 ]] && echo PASS
exit $status
