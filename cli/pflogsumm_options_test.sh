#!/usr/bin/env bash
# pflogsumm 1.1.5's options that a cron job replacing pflogsumm may carry,
# in pflogsumm's spellings: -m/--uucp_mung and --verbose_msg_detail are
# accepted, --version prints the version, its deprecated --no_*_detail
# switches mean --*-detail=0 (their effect: //analyzer:summary_test), and --mailq appends
# "Current Mail Queue" with what `mailq` prints (a stand-in mailq in PATH
# here); without mailq, or with a failing one, the report is printed and
# the command exits 1 saying why; with --format json it is refused.
source cli/check_lib.sh
check_run() {  # WANT_RC ARGS...: runs mailgauge report ARGS, output in $tmp/out, $tmp/err
  local want=$1
  shift
  checks=$((checks + 1))
  "$mg" report --year 2026 "$@" > "$tmp/out" 2> "$tmp/err"
  local rc=$?
  if [[ $rc != "$want" ]]; then
    fail "mailgauge report $*: exit $rc, want $want; stderr:"
    cat "$tmp/err"
    return 1
  fi
}

for opts in "-m" "--uucp-mung" "--uucp_mung" "--verbose-msg-detail" "--verbose_msg_detail" \
            "-m --verbose-msg-detail -q --problems-first --rej-add-from"; do
  # shellcheck disable=SC2086
  check_run 0 $opts "$log" && grep -q "^Grand Totals" "$tmp/out" ||
    fail "mailgauge report $opts: no report"
done

# pflogsumm's deprecated switches mean what pflogsumm makes of them.
for pair in "--no_bounce_detail --bounce-detail=0" "--no-deferral-detail --deferral-detail=0" \
            "--no_reject_detail --reject-detail=0" "--no_smtpd_warnings --smtpd-warning-detail=0"; do
  old=${pair%% *}
  new=${pair#* }
  check_run 0 "$old" "$log" && cp "$tmp/out" "$tmp/old.out"
  check_run 0 "$new" "$log"
  checks=$((checks + 1))
  cmp -s "$tmp/old.out" "$tmp/out" || fail "$old does not report as $new"
done
checks=$((checks + 1))
"$mg" report --year 2026 "$log" > "$tmp/all.out"
cmp -s "$tmp/all.out" "$tmp/out" && fail "--smtpd-warning-detail=0 changed nothing (the test log has warnings)"

# --version, as pflogsumm's: the program and its version, exit 0.
for args in "report --version" "records --version" "--version"; do
  checks=$((checks + 1))
  # shellcheck disable=SC2086
  out=$("$mg" $args 2>&1)
  rc=$?
  if [[ $rc != 0 ]] || ! [[ $out =~ ^mailgauge\ [0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    fail "mailgauge $args: exit $rc, printed: $out"
  fi
done

# A stand-in for Postfix's mailq.
mkdir -p "$tmp/bin" "$tmp/nobin"
cat > "$tmp/bin/mailq" << 'MAILQ'
#!/bin/sh
echo "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------"
echo "4B0C72A1F3     1234 Wed Nov 25 10:00:00  alice@example.org"
echo "                                         bob@example.net"
echo ""
echo "-- 1 Kbytes in 1 Request."
MAILQ
chmod +x "$tmp/bin/mailq"
PATH="$tmp/bin:$PATH" check_run 0 --mailq "$log"
if ! tail -n 8 "$tmp/out" | head -n 3 | tr '\n' '|' | grep -qF "|Current Mail Queue|------------------|"; then
  fail "--mailq: no \"Current Mail Queue\" title after the report:"
  tail -n 10 "$tmp/out"
fi
checks=$((checks + 1))
if [[ $(tail -n 1 "$tmp/out") != "-- 1 Kbytes in 1 Request." ]] || ! grep -q "^Grand Totals" "$tmp/out"; then
  fail "--mailq: the report and then mailq's listing expected; got:"
  tail -n 10 "$tmp/out"
fi
# pflogsumm's spelling too.
PATH="$tmp/bin:$PATH" check_run 0 --mailq -q "$log"

# No mailq in PATH: the report, then exit 1 and why.
env PATH="$tmp/nobin" "$mg" report --year 2026 --mailq "$log" > "$tmp/out" 2> "$tmp/err"
rc=$?
checks=$((checks + 1))
if [[ $rc != 1 ]] || ! grep -q "^Grand Totals" "$tmp/out" ||
   ! grep -q "cannot run mailq: No such file or directory" "$tmp/err"; then
  fail "--mailq without mailq: exit $rc (want 1), stderr: $(cat "$tmp/err")"
fi
# A mailq that fails (the mail system down): exit 1, its status named.
printf '#!/bin/sh\necho "postqueue: fatal: Queue report unavailable - mail system is down" >&2\nexit 75\n' \
  > "$tmp/bin/mailq"
PATH="$tmp/bin:$PATH" check_run 1 --mailq "$log"
checks=$((checks + 1))
if ! grep -q "mail system is down" "$tmp/err" || ! grep -q "mailq exited with status 75" "$tmp/err"; then
  fail "--mailq with a failing mailq: stderr: $(cat "$tmp/err")"
fi
# Only with the text report.
check_run 2 --mailq --format json "$log"
checks=$((checks + 1))
grep -q -- "--mailq goes with the text report" "$tmp/err" || fail "--mailq --format json: $(cat "$tmp/err")"

finish pflogsumm_options_test
