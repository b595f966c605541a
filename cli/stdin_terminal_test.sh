#!/usr/bin/env bash
# `mailgauge report` and `mailgauge records` with no file, on a terminal,
# say that they read a log from standard input (instead of waiting in
# silence), and then read it: here a pseudo-terminal made by script(1),
# fed a log and Ctrl-D. With a file, or a pipe, they say nothing.
source cli/check_lib.sh
hint="reading a mail log from standard input, a terminal (Ctrl-D ends it)"
# Five lines of one message, typed at the terminal, then Ctrl-D.
head -n 5 "$log" > "$tmp/five.log"
for command in "report --stats" "records"; do
  checks=$((checks + 1))
  { cat "$tmp/five.log"; printf '\004'; } |
    timeout 60 script -qec "$mg $command" /dev/null > "$tmp/out" 2>&1
  rc=$?
  if [[ $rc != 0 ]] || ! grep -qF "$hint" "$tmp/out"; then
    fail "mailgauge $command on a terminal: exit $rc, no hint; output:"
    cat "$tmp/out"
  fi
  checks=$((checks + 1))
  if [[ $command == "report --stats" ]] && ! grep -q "mailgauge: 5 lines in 1 files" "$tmp/out"; then
    fail "mailgauge $command on a terminal did not read the 5 lines typed; output:"
    cat "$tmp/out"
  fi
  # Piped in, or a file named: no hint.
  for how in pipe file; do
    checks=$((checks + 1))
    if [[ $how == pipe ]]; then
      # shellcheck disable=SC2086
      "$mg" $command < "$tmp/five.log" > /dev/null 2> "$tmp/err"
    else
      # shellcheck disable=SC2086
      "$mg" $command "$tmp/five.log" > /dev/null 2> "$tmp/err"
    fi
    if grep -qF "$hint" "$tmp/err"; then
      fail "mailgauge $command from a $how printed the terminal hint"
    fi
  done
done
finish stdin_terminal_test
