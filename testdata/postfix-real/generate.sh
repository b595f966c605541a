#!/bin/bash
# Generates mailgauge's real-Postfix log corpus: runs a real Postfix (Debian 12)
# on loopback, drives the scenarios in scenarios.py twice (once logging through
# rsyslog in three formats, once through Postfix's own postlogd/maillog_file),
# and writes:
#   testdata/logs/postfix_real.syslog        RFC 3164 (RSYSLOG_TraditionalFileFormat)
#   testdata/logs/postfix_real.iso.log       RFC 3339 (RSYSLOG_FileFormat)
#   testdata/logs/postfix_real.rfc5424.log   RFC 5424 (RSYSLOG_SyslogProtocol23Format)
#   testdata/logs/postfix_real.maillog       postlogd (maillog_file), long queue IDs
#   testdata/expected/postfix_real.expected.jsonl   the truth, written by the driver
# then cross-checks every log against the truth with check_logs.py.
#
# Usage (as root, no systemd needed; it takes about 3 minutes):
#   bash testdata/postfix-real/generate.sh
# Options via environment: MG_SKIP_INSTALL=1 skips apt-get; MG_WORK=dir (default
# /var/tmp/mailgauge-corpus) keeps the run's state; MG_PEER_PORT / MG_DEAD_PORT;
# MG_START_ONLY=1 sets everything up for run 1, leaves it running and exits
# (for experiments; stop with: postfix stop; kill the PIDs in $MG_WORK/*.pid).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${MG_WORK:-/var/tmp/mailgauge-corpus}
PORT_PEER=${MG_PEER_PORT:-2525}
PORT_DEAD=${MG_DEAD_PORT:-2599}
LOGS_OUT="$REPO/testdata/logs"
EXPECTED_OUT="$REPO/testdata/expected"
PY=/usr/bin/python3

log() { printf '[generate] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

# ---------------------------------------------------------------- install
install_packages() {
  if [ "${MG_SKIP_INSTALL:-0}" = 1 ]; then return; fi
  local need=()
  for p in postfix rsyslog openssl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  [ -x "$PY" ] || need+=(python3)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    echo "postfix postfix/mailname string mail.example.test" | debconf-set-selections
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
  fi
}

# ---------------------------------------------------------------- processes we own
RSYSLOG_PID_FILE="$WORK/rsyslogd.pid"
PEER_PID_FILE="$WORK/peer.pid"

stop_pidfile() {  # stop_pidfile FILE NAME
  local f=$1 name=$2 pid
  [ -s "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$f"
}

# (not "postfix status": it logs a line each time it is called)
postfix_running() {
  local pid
  pid=$(cat /var/spool/postfix/pid/master.pid 2>/dev/null | tr -d ' ') || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

stop_postfix() {
  if postfix_running; then
    log "stopping postfix"
    postfix stop >/dev/null 2>&1 || true
    for _ in $(seq 100); do postfix_running || break; sleep 0.1; done
  fi
}

cleanup() {
  stop_postfix
  stop_pidfile "$PEER_PID_FILE" "peer SMTP server"
  stop_pidfile "$RSYSLOG_PID_FILE" rsyslogd
}
trap cleanup EXIT

# ---------------------------------------------------------------- one-time setup
setup_users() {
  for u in alice bob carol; do
    id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"
  done
  getent group vmail >/dev/null || groupadd -g 5000 vmail
  id vmail >/dev/null 2>&1 || useradd -u 5000 -g 5000 -d /var/mail/vhosts -M -s /usr/sbin/nologin vmail
}

make_tls() {
  mkdir -p /etc/postfix/mg_tls "$WORK/tls"
  if [ ! -s /etc/postfix/mg_tls/server.crt ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=mail.example.test \
      -keyout /etc/postfix/mg_tls/server.key -out /etc/postfix/mg_tls/server.crt 2>/dev/null
    chmod 600 /etc/postfix/mg_tls/server.key
  fi
  if [ ! -s "$WORK/tls/peer.crt" ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=peer.remote.test \
      -keyout "$WORK/tls/peer.key" -out "$WORK/tls/peer.crt" 2>/dev/null
  fi
}

configure_postfix() {
  local c="$HERE/conf"
  install -m 644 "$c/main.cf" /etc/postfix/main.cf
  install -m 644 "$c/mg_aliases" /etc/postfix/mg_aliases
  install -m 644 "$c/mg_vmailbox" /etc/postfix/mg_vmailbox
  install -m 644 "$c/mg_valias" /etc/postfix/mg_valias
  install -m 644 "$c/mg_header_checks" /etc/postfix/mg_header_checks
  sed -e "s/@PORT_PEER@/$PORT_PEER/" -e "s/@PORT_DEAD@/$PORT_DEAD/" \
    "$c/mg_transport.in" > /etc/postfix/mg_transport
  # Debian's master.cf chroots most daemons; a chroot needs copies of system
  # files and a syslog socket inside /var/spool/postfix, so run unchrooted.
  [ -f /etc/postfix/master.cf.mg-orig ] || cp /etc/postfix/master.cf /etc/postfix/master.cf.mg-orig
  cp /etc/postfix/master.cf.mg-orig /etc/postfix/master.cf
  postconf -F '*/*/chroot = n'
  postalias /etc/postfix/mg_aliases
  postmap /etc/postfix/mg_vmailbox /etc/postfix/mg_valias /etc/postfix/mg_transport
  mkdir -p /var/mail/vhosts/vmail.test
  chown -R 5000:5000 /var/mail/vhosts
  postfix check
}

# ---------------------------------------------------------------- per-run state
reset_state() {
  stop_postfix
  stop_pidfile "$PEER_PID_FILE" "peer SMTP server"
  log "emptying queues and mailboxes"
  postsuper -d ALL >/dev/null 2>&1 || true
  for u in alice bob carol; do
    : > "/var/mail/$u"; chown "$u:mail" "/var/mail/$u"; chmod 660 "/var/mail/$u"
  done
  rm -rf /var/mail/vhosts/vmail.test
  mkdir -p /var/mail/vhosts/vmail.test
  # full@vmail.test is an mbox 100 bytes short of virtual_mailbox_limit (40000),
  # so the next delivery to it fails with "File too large" (over quota).
  "$PY" - <<'EOF'
import os
path = "/var/mail/vhosts/vmail.test/full"
head = "From filler@example.test Thu Jan  1 00:00:00 2026\nSubject: filler\n\n"
body = ("x" * 75 + "\n") * ((39900 - len(head)) // 76)
data = head + body
data += "y" * (39900 - len(data) - 2) + "\n\n"
with open(path, "w") as f:
    f.write(data)
assert os.path.getsize(path) == 39900
EOF
  chown -R 5000:5000 /var/mail/vhosts
  rm -f "$WORK/peer.log"
  log "starting peer SMTP server on 127.0.0.1:$PORT_PEER"
  "$PY" "$HERE/peer_smtp.py" --addr 127.0.0.1 --port "$PORT_PEER" \
    --cert "$WORK/tls/peer.crt" --key "$WORK/tls/peer.key" \
    --log "$WORK/peer.log" --pidfile "$PEER_PID_FILE" </dev/null >"$WORK/peer.out" 2>&1 &
  for _ in $(seq 50); do
    "$PY" -c "import socket,sys; s=socket.socket(); s.settimeout(1); s.connect(('127.0.0.1',$PORT_PEER))" 2>/dev/null && break
    sleep 0.1
  done
  [ -s "$PEER_PID_FILE" ] || die "peer SMTP server did not start"
}

start_rsyslog() {
  mkdir -p "$WORK/syslog" "$WORK/rsyslog-work"
  rm -f "$WORK"/syslog/mail.*
  sed -e "s#@LOGDIR@#$WORK/syslog#g" -e "s#@WORKDIR@#$WORK/rsyslog-work#g" \
    "$HERE/conf/rsyslog.conf.in" > "$WORK/rsyslog.conf"
  [ -S /dev/log ] && die "/dev/log already exists: another syslog daemon is running; stop it first"
  rsyslogd -f "$WORK/rsyslog.conf" -i "$RSYSLOG_PID_FILE"
  for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
  [ -S /dev/log ] || die "rsyslogd did not create /dev/log"
}

start_postfix() {
  postfix start
  for _ in $(seq 50); do postfix_running && break; sleep 0.1; done
  postfix_running || die "postfix did not start"
  # "postfix start" runs "master -w", which returns once the listeners are open;
  # no probe connection here (it would log a "lost connection after CONNECT").
}

run_driver() {  # run_driver NAME
  "$PY" "$HERE/scenarios.py" --truth "$WORK/truth.$1.jsonl" --dead-port "$PORT_DEAD"
}

# The rsyslog files hold only the mail facility (mail.* selector: Postfix and nothing
# else here); the postlogd file holds only Postfix.  Copied whole, unfiltered.
copy_log() {  # copy_log SRC DST
  cp "$1" "$2"
  chmod 644 "$2"
}

# ---------------------------------------------------------------- main
mkdir -p "$WORK" "$LOGS_OUT" "$EXPECTED_OUT"
install_packages
setup_users
make_tls
stop_postfix
stop_pidfile "$RSYSLOG_PID_FILE" rsyslogd   # a previous MG_START_ONLY run
configure_postfix

log "run 1: syslog through rsyslogd (three formats)"
postconf -e 'maillog_file =' 'enable_long_queue_ids = no'
reset_state
start_rsyslog
start_postfix
if [ "${MG_START_ONLY:-0}" = 1 ]; then
  trap - EXIT
  log "MG_START_ONLY=1: postfix, rsyslogd and the peer are left running for manual tests"
  exit 0
fi
run_driver syslog
stop_postfix
sleep 1
stop_pidfile "$RSYSLOG_PID_FILE" rsyslogd
rm -f /dev/log
copy_log "$WORK/syslog/mail.classic" "$LOGS_OUT/postfix_real.syslog"
copy_log "$WORK/syslog/mail.iso" "$LOGS_OUT/postfix_real.iso.log"
copy_log "$WORK/syslog/mail.rfc5424" "$LOGS_OUT/postfix_real.rfc5424.log"

log "run 2: Postfix's own maillog_file (postlogd), long queue IDs"
reset_state
rm -f /var/log/postfix.log
postconf -e 'maillog_file = /var/log/postfix.log' 'enable_long_queue_ids = yes'
start_postfix
run_driver maillog
stop_postfix
postconf -e 'maillog_file =' 'enable_long_queue_ids = no'
copy_log /var/log/postfix.log "$LOGS_OUT/postfix_real.maillog"

if cmp -s "$WORK/truth.syslog.jsonl" "$WORK/truth.maillog.jsonl"; then
  cp "$WORK/truth.syslog.jsonl" "$EXPECTED_OUT/postfix_real.expected.jsonl"
  rm -f "$EXPECTED_OUT/postfix_real.maillog.expected.jsonl"
else
  log "the two runs' truths differ: writing one file per run"
  cp "$WORK/truth.syslog.jsonl" "$EXPECTED_OUT/postfix_real.expected.jsonl"
  cp "$WORK/truth.maillog.jsonl" "$EXPECTED_OUT/postfix_real.maillog.expected.jsonl"
fi

log "cross-checking logs against the truth"
maillog_truth="$EXPECTED_OUT/postfix_real.expected.jsonl"
[ -f "$EXPECTED_OUT/postfix_real.maillog.expected.jsonl" ] && maillog_truth="$EXPECTED_OUT/postfix_real.maillog.expected.jsonl"
"$PY" "$HERE/check_logs.py" --same-stream --truth "$EXPECTED_OUT/postfix_real.expected.jsonl" \
  "$LOGS_OUT/postfix_real.syslog" "$LOGS_OUT/postfix_real.iso.log" "$LOGS_OUT/postfix_real.rfc5424.log"
"$PY" "$HERE/check_logs.py" --truth "$maillog_truth" "$LOGS_OUT/postfix_real.maillog"
wc -l "$LOGS_OUT"/postfix_real* "$EXPECTED_OUT"/postfix_real* >&2
log "done"
