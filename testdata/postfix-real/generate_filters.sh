#!/bin/bash
# Generates the content-filter corpus: a real Postfix (Debian 12) with
# postscreen on port 25, an after-queue content filter (content_filter, the
# filter re-injecting through an smtpd on 127.0.0.1:10025 with XFORWARD, as
# amavisd-new is run) and a before-queue one (smtpd_proxy_filter on an smtpd
# at 127.0.0.1:2626), driven by filter_scenarios.py. Writes:
#   testdata/logs/postfix_real_filters.syslog              RFC 3164 (rsyslog)
#   testdata/expected/postfix_real_filters.expected.jsonl  the truth, written by the driver
# Then rewrite the goldens (tools/update-goldens.sh) and review the diff.
#
# Usage (as root, no systemd needed; about a minute):
#   bash testdata/postfix-real/generate_filters.sh
# It sets up Postfix with generate.sh (MG_START_ONLY=1: the corpus
# configuration, rsyslogd and the remote peer), adds the filters with
# postconf, starts filter_smtp.py twice, and on exit stops everything it
# started. The next generate.sh run reinstalls the plain configuration.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${MG_WORK:-/var/tmp/mailgauge-corpus}
PY=/usr/bin/python3

log() { printf '[generate_filters] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

stop_pidfile() {  # stop_pidfile FILE
  local pid
  [ -s "$1" ] || return 0
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$1"
}
cleanup() {
  postfix stop >/dev/null 2>&1 || true
  for f in "$WORK/filter-after.pid" "$WORK/filter-before.pid" "$WORK/peer.pid" \
           "$WORK/rsyslogd.pid"; do
    stop_pidfile "$f"
  done
  rm -f /dev/log
}
trap cleanup EXIT

rm -f /var/lib/postfix/postscreen_cache.db  # every outside client is new to postscreen
MG_START_ONLY=1 bash "$HERE/generate.sh"

log "adding postscreen and the two content filters"
postconf -M# smtp/inet
postconf -M 'smtp/inet=smtp inet n - n - 1 postscreen' \
  'smtpd/pass=smtpd pass - - n - - smtpd' \
  'dnsblog/unix=dnsblog unix - - n - 0 dnsblog' \
  'tlsproxy/unix=tlsproxy unix - - n - 0 tlsproxy' \
  'amavisfeed/unix=amavisfeed unix - - n - 2 smtp' \
  '127.0.0.1:10025/inet=127.0.0.1:10025 inet n - n - - smtpd' \
  '127.0.0.1:2626/inet=127.0.0.1:2626 inet n - n - - smtpd'
postconf -P 'amavisfeed/unix/smtp_send_xforward_command=yes' \
  'amavisfeed/unix/smtp_tls_security_level=none' \
  '127.0.0.1:10025/inet/content_filter=' \
  '127.0.0.1:10025/inet/receive_override_options=no_unknown_recipient_checks,no_header_body_checks,no_milters' \
  '127.0.0.1:10025/inet/smtpd_recipient_restrictions=permit_mynetworks,reject' \
  '127.0.0.1:10025/inet/mynetworks=127.0.0.0/8' \
  '127.0.0.1:10025/inet/smtpd_authorized_xforward_hosts=127.0.0.0/8' \
  '127.0.0.1:2626/inet/content_filter=' \
  '127.0.0.1:2626/inet/smtpd_proxy_filter=127.0.0.1:10026'
postconf -e 'content_filter = amavisfeed:[127.0.0.1]:10024' \
  'postscreen_access_list = permit_mynetworks' \
  'postscreen_greet_action = enforce' 'postscreen_greet_wait = 2s'
postfix check

log "starting the filters on 127.0.0.1:10024 (after the queue) and :10026 (before)"
"$PY" "$HERE/filter_smtp.py" --port 10024 --reinject-port 10025 \
  --pidfile "$WORK/filter-after.pid" </dev/null >"$WORK/filter-after.out" 2>&1 &
"$PY" "$HERE/filter_smtp.py" --port 10026 --reinject-port 10025 \
  --pidfile "$WORK/filter-before.pid" </dev/null >"$WORK/filter-before.out" 2>&1 &
for port in 10024 10026; do
  for _ in $(seq 50); do
    "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
    sleep 0.1
  done
done
postfix reload
sleep 1

"$PY" "$HERE/filter_scenarios.py" --truth "$WORK/truth.filters.jsonl"
postfix stop
sleep 1
stop_pidfile "$WORK/rsyslogd.pid"
cp "$WORK/syslog/mail.classic" "$REPO/testdata/logs/postfix_real_filters.syslog"
chmod 644 "$REPO/testdata/logs/postfix_real_filters.syslog"
cp "$WORK/truth.filters.jsonl" "$REPO/testdata/expected/postfix_real_filters.expected.jsonl"
wc -l "$REPO/testdata/logs/postfix_real_filters.syslog" \
  "$REPO/testdata/expected/postfix_real_filters.expected.jsonl" >&2
log "done; now: bash tools/update-goldens.sh, and review the diff"
