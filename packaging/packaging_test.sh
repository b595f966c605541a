#!/usr/bin/env bash
# Checks the packaging files against the real binary:
#  - the systemd unit passes `systemd-analyze verify` (ExecStart pointed at
#    the built binary) and its hardening scores "OK" or better;
#  - the user made by the sysusers.d file is in groups adm, systemd-journal
#    and postdrop (systemd-sysusers into a scratch root);
#  - every ARGS of the default config, the active one and each commented
#    alternative, is accepted by mailgauge_exporter with the flags the unit
#    adds (the flags are parsed; --help then exits 0 without starting).
# Without systemd-analyze or systemd-sysusers those parts print SKIPPED.
set -euo pipefail
BIN="$PWD/mailgauge_exporter"
UNIT=packaging/mailgauge-exporter.service
DEFAULTS=packaging/mailgauge-exporter.default
SYSUSERS=packaging/mailgauge-exporter.sysusers
T="$(mktemp -d "${TEST_TMPDIR:-/tmp}/packaging.XXXXXX")"
mkdir -p "$T"
fail() { echo "FAIL: $*" >&2; exit 1; }

grep -q '^ExecStart=/usr/bin/mailgauge_exporter ' "$UNIT" || fail "ExecStart is not /usr/bin/mailgauge_exporter"
grep -q '^User=mailgauge-exporter$' "$UNIT" || fail "the unit does not run as mailgauge-exporter"
grep -q '^SupplementaryGroups=.*\badm\b.*\bsystemd-journal\b.*\bpostdrop\b' "$UNIT" || fail "groups adm, systemd-journal and postdrop missing"

if command -v systemd-analyze >/dev/null; then
  sed "s|/usr/bin/mailgauge_exporter|$BIN|" "$UNIT" > "$T/mailgauge-exporter.service"
  out=$(systemd-analyze verify "$T/mailgauge-exporter.service" 2>&1) || fail "systemd-analyze verify: $out"
  [ -z "$out" ] || fail "systemd-analyze verify warns: $out"
  level=$(systemd-analyze security --offline=yes "$T/mailgauge-exporter.service" 2>&1 | grep 'Overall exposure level' || true)
  case "$level" in
    *" OK "*|*" SAFE "*) ;;
    *) fail "hardening: $level" ;;
  esac
  echo "unit: systemd-analyze verify clean; $level"
else
  echo "unit: SKIPPED (no systemd-analyze)"
fi

if command -v systemd-sysusers >/dev/null; then
  root="$T/root"
  rm -rf "$root" && mkdir -p "$root/etc" "$root/usr/lib/sysusers.d"
  cp "$SYSUSERS" "$root/usr/lib/sysusers.d/mailgauge-exporter.conf"
  printf 'root:x:0:\nadm:x:4:\nsystemd-journal:x:101:\npostdrop:x:114:\n' > "$root/etc/group"
  printf 'root:x:0:0:root:/root:/bin/bash\n' > "$root/etc/passwd"
  systemd-sysusers --root="$root" >/dev/null 2>&1 || fail "systemd-sysusers failed"
  grep -q '^mailgauge-exporter:x:[0-9]*:[0-9]*:.*:/var/lib/mailgauge-exporter:/usr/sbin/nologin$' \
    "$root/etc/passwd" || fail "no mailgauge-exporter user: $(cat "$root/etc/passwd")"
  for g in adm systemd-journal postdrop; do
    grep -q "^$g:x:[0-9]*:mailgauge-exporter\$" "$root/etc/group" || fail "user not in group $g"
  done
  echo "sysusers: user mailgauge-exporter in adm, systemd-journal, postdrop"
else
  echo "sysusers: SKIPPED (no systemd-sysusers)"
fi

# The active settings, then each commented alternative in turn.
check() {  # $1: description; ARGS set
  # shellcheck disable=SC2086
  out=$("$BIN" --state.file="$T/state.json" $ARGS --help 2>&1 >/dev/null) \
    || fail "$1: ARGS='$ARGS' refused: $out"
}
ARGS=""
# shellcheck disable=SC1090
. "$DEFAULTS"
[ -n "$ARGS" ] || fail "the default config sets no ARGS"
check "default"
active_args="$ARGS"
n=0
while IFS= read -r line; do
  ARGS="$active_args"
  eval "${line#\#}"
  check "alternative '$line'"
  n=$((n + 1))
done < <(grep -E '^#ARGS=' "$DEFAULTS")
[ "$n" -ge 3 ] || fail "expected the commented alternatives, found $n"
# And a bad flag is refused (so the check above can fail).
ARGS="--log.file=/var/log/mail.log --no.such-flag"
if "$BIN" --state.file="$T/state.json" $ARGS --help >/dev/null 2>&1; then
  fail "a bad flag was accepted"
fi
echo "default config: ARGS and $n alternatives accepted by the binary"
echo PASS
