#!/usr/bin/env bash
# Golden test for `mailgauge report`: for every log in testdata/report/logs/
# and the real-Postfix corpora testdata/logs/postfix_real.{syslog,iso.log,maillog}
# postfix_real_filters.syslog and postfix_real_features.syslog,
# the text report (with --smtpd-stats) and the JSON summary must equal
# testdata/report/golden/<log>.report.txt and <log>.report.json.
# Classic timestamps carry no year or zone, so both are pinned. Then the
# option cases below (-e, --by-domain, --colwidth, -d ranges, --srs-mung).
#
# To rewrite the goldens after an intended change (then review the diff):
#   bazel run //testdata/report:report_golden_test -- --update "$PWD/testdata/report/golden"
set -euo pipefail
update=""
if [[ ${1:-} == --update ]]; then
  update=${2:?--update needs the golden directory}
fi
flags=(--year 2026 --timezone UTC)
status=0
# check_golden FILE OUTPUT: OUTPUT must equal testdata/report/golden/FILE
# (with --update: written to the update directory instead).
check_golden() {
  local file=$1 out=$2 golden="testdata/report/golden/$1"
  if [[ -n $update ]]; then
    printf '%s\n' "$out" > "$update/$file"
    echo "wrote $update/$file"
  elif [[ ! -f $golden ]]; then
    echo "FAIL: $golden is missing (see the update command in $0)"
    status=1
  elif ! diff -u "$golden" <(printf '%s\n' "$out"); then
    echo "FAIL: output differs from $golden"
    status=1
  fi
}
for log in testdata/report/logs/* testdata/logs/postfix_real.{syslog,iso.log,maillog} \
    testdata/logs/postfix_real_filters.syslog testdata/logs/postfix_real_features.syslog; do
  name=$(basename "$log")
  check_golden "$name.report.txt" "$(./mailgauge report "${flags[@]}" --smtpd-stats "$log")"
  check_golden "$name.report.json" "$(./mailgauge report "${flags[@]}" --format json "$log")"
done
# The options added with pflogsumm 1.1.6+ and mailgauge's own, on the
# committed corpora: case name, log, formats, flags. Goldens are
# testdata/report/golden/<log>.<case>.report.<format>.
option_cases=(
  "e|testdata/logs/postfix_real.syslog|txt json|-e"
  "by-domain|testdata/logs/postfix_real.syslog|txt json|--by-domain remote.test"
  "by-domain|testdata/logs/postfix_real.iso.log|txt|--by-domain example.test"
  "colwidth|testdata/logs/postfix_real.syslog|txt|--colwidth 50 -e"
  "range|testdata/logs/postfix_real.syslog|txt|-d 2026-11-20..2026-11-26"
  "month|testdata/logs/postfix_real.maillog|txt|-d 2026-11"
  "other-day|testdata/logs/postfix_real.syslog|txt json|-d 2026-11-24"
  "srs-mung|testdata/report/logs/srs_senders.log|txt json|--srs-mung -e"
)
for entry in "${option_cases[@]}"; do
  IFS='|' read -r case log kinds case_flags <<< "$entry"
  read -r -a extra <<< "$case_flags"
  name=$(basename "$log")
  for kind in $kinds; do
    format=()
    [[ $kind == json ]] && format=(--format json)
    check_golden "$name.$case.report.$kind" \
      "$(./mailgauge report "${flags[@]}" "${format[@]}" "${extra[@]}" "$log")"
  done
done
# --colwidth: no line wider than asked.
if [[ -z $update ]]; then
  # Only the fixed-width table rows and headings (pflogsumm's 72 columns)
  # may be wider; every line with an address, host or reason must fit.
  wide=$(./mailgauge report "${flags[@]}" --colwidth 50 -e testdata/logs/postfix_real.syslog |
         grep -Ev '^    ([0-9]{4}-[0-9]{4}|time |-{68})|^ (sent cnt|-------- -------)' |
         awk 'length($0) > 50 { n++ } END { print n + 0 }')
  if [[ $wide -ne 0 ]]; then
    echo "FAIL: --colwidth 50 left $wide lines with a variable field wider than 50"
    status=1
  fi
fi
# --merge: the two days of handwritten.log reported separately (-d) and
# merged give the report of the whole log.
if [[ -z $update ]]; then
  tmp=${TEST_TMPDIR:-$(mktemp -d)}
  log=testdata/report/logs/handwritten.log
  ./mailgauge report "${flags[@]}" --format json -d 2026-11-24 "$log" > "$tmp/day1.json"
  ./mailgauge report "${flags[@]}" --format json -d 2026-11-25 "$log" > "$tmp/day2.json"
  if ! diff -u <(./mailgauge report "${flags[@]}" --smtpd-stats "$log") \
       <(./mailgauge report --smtpd-stats --merge "$tmp/day1.json" --merge "$tmp/day2.json"); then
    echo "FAIL: merged per-day summaries differ from the whole log's report"
    status=1
  fi
  if ./mailgauge report --merge "$log" > /dev/null 2> "$tmp/err"; then
    echo "FAIL: --merge accepted a log file as a JSON summary"
    status=1
  elif ! grep -q "handwritten.log: " "$tmp/err"; then
    echo "FAIL: --merge error does not name the file: $(cat "$tmp/err")"
    status=1
  fi
fi
# HTML: every Grand Totals number on the page equals the JSON's.
if [[ -z $update ]]; then
  for log in testdata/report/logs/* testdata/logs/postfix_real.{syslog,iso.log,maillog} \
    testdata/logs/postfix_real_filters.syslog testdata/logs/postfix_real_features.syslog; do
    if ! python3 - "$log" <<'PY'
import json, re, subprocess, sys
log = sys.argv[1]
flags = ["--year", "2026", "--timezone", "UTC"]
page = subprocess.run(["./mailgauge", "report", *flags, "--smtpd-stats", "--format", "html", log],
                      check=True, stdout=subprocess.PIPE).stdout.decode()
totals = json.loads(subprocess.run(["./mailgauge", "report", *flags, "--format", "json", log],
                                   check=True, stdout=subprocess.PIPE).stdout)["totals"]
shown = {k: int(v) for k, v in re.findall(r'id="total-([a-z_]+)">(\d+)<', page)}
missing = [k for k in totals if k not in shown]
wrong = [k for k in shown if shown[k] != totals.get(k)]
if missing or wrong or not page.startswith("<!DOCTYPE html>") or "src=" in page:
    sys.exit("%s: html totals missing %s, differing %s" % (log, missing, wrong))
PY
    then
      echo "FAIL: $log: HTML totals differ from JSON"
      status=1
    fi
  done
fi
[[ $status -eq 0 && -z $update ]] && echo PASS
exit $status
