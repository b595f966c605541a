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

LOG_TAG=generate_filters
# shellcheck source=extension_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/extension_common.sh"
cleanup() {
  stop_all filter-after filter-before
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
wait_for_ports 10024 10026
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
