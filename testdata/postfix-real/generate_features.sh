#!/bin/bash
# Generates the features corpus: a real Postfix (Debian 12) with what a mail
# server runs beside plain SMTP and local delivery: SASL submission on port
# 587 (syslog_name postfix/submission, Cyrus SASL with sasldb), LMTP delivery
# to a Dovecot-like server, a pipe(8) transport, local delivery to a command
# and a file, the error(8) and discard(8) transports, a transport that
# requires TLS from a peer that does not offer it, sender_bcc_maps, delay
# warnings, smtpd's connection limits and broken clients, driven by
# features_scenarios.py. Writes:
#   testdata/logs/postfix_real_features.syslog              RFC 3164 (rsyslog)
#   testdata/expected/postfix_real_features.expected.jsonl  the truth, written by the driver
# Then rewrite the goldens (tools/update-goldens.sh) and review the diff.
#
# Usage (as root, no systemd needed; about a minute):
#   bash testdata/postfix-real/generate_features.sh
# It sets up Postfix with generate.sh (MG_START_ONLY=1: the corpus
# configuration, rsyslogd and the remote peer), adds the features with
# postconf, starts an LMTP peer and a peer without STARTTLS, and on exit
# stops everything it started. The next generate.sh run reinstalls the plain
# configuration.
set -euo pipefail

LOG_TAG=generate_features
# shellcheck source=extension_common.sh
. "$(dirname "${BASH_SOURCE[0]}")/extension_common.sh"
PORT_LMTP=2424
PORT_PLAIN=2527
cleanup() {
  [ "${MG_START_ONLY:-0}" = 1 ] && return 0
  stop_all lmtp plain
}
trap cleanup EXIT

if [ "${MG_SKIP_INSTALL:-0}" != 1 ] && ! command -v saslpasswd2 >/dev/null; then
  log "installing sasl2-bin libsasl2-modules"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends sasl2-bin libsasl2-modules
fi
MG_START_ONLY=1 bash "$HERE/generate.sh"

log "adding submission with SASL, LMTP, pipe, error, discard, TLS-required and bcc"
# Cyrus SASL with its own password file (sasldb2), as smtpd reads it.
mkdir -p /etc/postfix/sasl
cat > /etc/postfix/sasl/smtpd.conf <<CONF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: /etc/postfix/mg_sasldb2
CONF
rm -f /etc/postfix/mg_sasldb2
echo 'mg-secret' | saslpasswd2 -p -c -f /etc/postfix/mg_sasldb2 -u example.test mguser
chown root:postfix /etc/postfix/mg_sasldb2
chmod 640 /etc/postfix/mg_sasldb2

# The pipe(8) command: its exit status by the recipient's local part.
cat > "$WORK/mgpipe.sh" <<'PIPE'
#!/bin/sh
cat > /dev/null
case "$1" in
  tempfail*) echo "mgpipe: try again later"; exit 75 ;;  # EX_TEMPFAIL
  nouser*) echo "mgpipe: no such user"; exit 67 ;;       # EX_NOUSER
esac
exit 0
PIPE
chmod 755 "$WORK" "$WORK/mgpipe.sh"
: > "$WORK/file.mbox"
chmod 666 "$WORK/file.mbox"

cat > /etc/postfix/mg_features_transport <<MAP
mbox.test      lmtp:[127.0.0.1]:$PORT_LMTP
pipe.test      mgpipe:
gone.test      error:5.1.2 this domain no longer receives mail
later.test     retry:4.3.2 mail for this domain is held for a while
drop.test      discard:dropped by transport map
tlsreq.test    smtp-tls:[127.0.0.1]:$PORT_PLAIN
MAP
cat > /etc/postfix/mg_sender_bcc <<MAP
bcc-sender@example.test  archive@remote.test
MAP
cat >> /etc/postfix/mg_aliases <<ALIASES
tocmd: "|/bin/cat > /dev/null"
tocmdfail: "|/bin/false"
tofile: $WORK/file.mbox
ALIASES
postalias /etc/postfix/mg_aliases

postconf -M 'mgpipe/unix=mgpipe unix - n n - - pipe flags=Rq user=nobody argv='"$WORK"'/mgpipe.sh ${recipient}' \
  'smtp-tls/unix=smtp-tls unix - - n - - smtp' \
  '127.0.0.1:587/inet=127.0.0.1:587 inet n - n - - smtpd'
postconf -P 'smtp-tls/unix/smtp_tls_security_level=encrypt' \
  '127.0.0.1:587/inet/syslog_name=postfix/submission' \
  '127.0.0.1:587/inet/smtpd_tls_security_level=encrypt' \
  '127.0.0.1:587/inet/smtpd_sasl_auth_enable=yes' \
  '127.0.0.1:587/inet/smtpd_client_restrictions=permit_sasl_authenticated,reject' \
  '127.0.0.1:587/inet/smtpd_relay_restrictions=permit_sasl_authenticated,reject' \
  '127.0.0.1:587/inet/smtpd_recipient_restrictions=permit_sasl_authenticated,reject'
postconf -e "transport_maps = hash:/etc/postfix/mg_transport, texthash:/etc/postfix/mg_features_transport" \
  'sender_bcc_maps = texthash:/etc/postfix/mg_sender_bcc' \
  'smtpd_sasl_path = smtpd' 'smtpd_sasl_type = cyrus' \
  'delay_warning_time = 2s' 'mgpipe_destination_recipient_limit = 1' \
  'smtpd_client_connection_rate_limit = 4' 'anvil_rate_time_unit = 60s' \
  'smtpd_hard_error_limit = 5' 'smtpd_timeout = 3s'
postfix check

log "starting the LMTP peer on :$PORT_LMTP and a peer without STARTTLS on :$PORT_PLAIN"
"$PY" "$HERE/peer_smtp.py" --port "$PORT_LMTP" --lmtp --log "$WORK/lmtp.log" \
  --pidfile "$WORK/lmtp.pid" </dev/null >"$WORK/lmtp.out" 2>&1 &
"$PY" "$HERE/peer_smtp.py" --port "$PORT_PLAIN" --log "$WORK/plain.log" \
  --pidfile "$WORK/plain.pid" </dev/null >"$WORK/plain.out" 2>&1 &
wait_for_ports $PORT_LMTP $PORT_PLAIN
postfix reload
sleep 1
if [ "${MG_START_ONLY:-0}" = 1 ]; then
  log "MG_START_ONLY=1: left running"
  exit 0
fi

"$PY" "$HERE/features_scenarios.py" --truth "$WORK/truth.features.jsonl"
postfix stop
sleep 1
stop_pidfile "$WORK/rsyslogd.pid"
cp "$WORK/syslog/mail.classic" "$REPO/testdata/logs/postfix_real_features.syslog"
chmod 644 "$REPO/testdata/logs/postfix_real_features.syslog"
cp "$WORK/truth.features.jsonl" "$REPO/testdata/expected/postfix_real_features.expected.jsonl"
wc -l "$REPO/testdata/logs/postfix_real_features.syslog" \
  "$REPO/testdata/expected/postfix_real_features.expected.jsonl" >&2
log "done; now: bash tools/update-goldens.sh, and review the diff"
