#!/usr/bin/env bash
# The progress bar of `mailgauge report`: drawn on stderr only when stderr is
# a terminal and the inputs exceed 4 MiB, never with -q, never when stderr is
# a file or pipe. The terminal case runs under script(1) (util-linux) for a
# pseudo-terminal; it is skipped, with a message, where script is missing.
set -euo pipefail
tmp=${TEST_TMPDIR:-$(mktemp -d)}
big="$tmp/big.log"
: > "$big"
while [[ $(stat -c %s "$big") -le $((5 << 20)) ]]; do
  cat testdata/logs/postfix_real.syslog >> "$big"
done
flags=(--year 2026 --timezone UTC)
status=0

# stderr is a file: nothing on it (the log is fully understood).
./mailgauge report "${flags[@]}" "$big" > "$tmp/out" 2> "$tmp/err"
if [[ -s $tmp/err ]]; then
  echo "FAIL: stderr is not a terminal but got: $(head -c 300 "$tmp/err")"
  status=1
fi
grep -q "^Grand Totals" "$tmp/out" || { echo "FAIL: no report on stdout"; status=1; }

if ! command -v script > /dev/null; then
  echo "SKIP: script(1) not installed; terminal case not checked"
else
  # stderr is a terminal: the bar appears (carriage returns, lines/s, ETA).
  script -qec "./mailgauge report ${flags[*]} $big > $tmp/out2" /dev/null > "$tmp/tty" < /dev/null
  if ! grep -q "lines/s" "$tmp/tty" || ! grep -q "ETA" "$tmp/tty" || ! grep -q $'\r' "$tmp/tty"; then
    echo "FAIL: no progress bar on a terminal: $(head -c 300 "$tmp/tty" | cat -v)"
    status=1
  fi
  cmp -s "$tmp/out" "$tmp/out2" || { echo "FAIL: the report differs with a progress bar"; status=1; }
  # -q: no bar.
  script -qec "./mailgauge report -q ${flags[*]} $big > /dev/null" /dev/null > "$tmp/tty_q" < /dev/null
  if grep -q "lines/s" "$tmp/tty_q"; then
    echo "FAIL: progress bar drawn with -q"
    status=1
  fi
  # A small input: no bar.
  script -qec "./mailgauge report ${flags[*]} testdata/logs/postfix_real.syslog > /dev/null" \
    /dev/null > "$tmp/tty_small" < /dev/null
  if grep -q "lines/s" "$tmp/tty_small"; then
    echo "FAIL: progress bar drawn for a 30 KB input"
    status=1
  fi
fi
[[ $status -eq 0 ]] && echo PASS
exit $status
