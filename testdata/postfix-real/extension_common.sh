# Sourced by the corpus extensions (generate_filters.sh, generate_features.sh),
# which run generate.sh with MG_START_ONLY=1 and add to its set-up. Sets HERE,
# REPO, WORK, PY; defines log, die, stop_pidfile, wait_for_ports and
# stop_all; checks for root. The sourcing script sets LOG_TAG first.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${MG_WORK:-/var/tmp/mailgauge-corpus}
PY=/usr/bin/python3

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
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

# wait_for_ports PORT...: waits (up to 5 s each) until 127.0.0.1:PORT accepts.
wait_for_ports() {
  local port
  for port in "$@"; do
    for _ in $(seq 50); do
      "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
      sleep 0.1
    done
  done
}

# stop_all NAME...: stops Postfix, the helpers whose PID files ($WORK/NAME.pid)
# are named, generate.sh's peer and rsyslogd, and removes /dev/log.
stop_all() {
  postfix stop >/dev/null 2>&1 || true
  local name
  for name in "$@" peer rsyslogd; do
    stop_pidfile "$WORK/$name.pid"
  done
  rm -f /dev/log
}
