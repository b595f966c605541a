#!/usr/bin/env bash
# Installs what mailgauge needs to build, test and run its demo, from Debian
# 12's packages. Idempotent: installs only what is missing, so a second run is
# quick and touches nothing.
set -euo pipefail

PACKAGES=(
  # build
  bazel-bootstrap g++ pkg-config
  # libraries
  libre2-dev libabsl-dev prometheus-cpp-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libsystemd-dev zlib1g-dev libssl-dev
  liblzma-dev libbz2-dev libzstd-dev
  libcivetweb-dev libcrypt-dev openssl
  # test and demo tools
  python3 gzip procps
  # real peers the tests compare against
  pflogsumm systemd-journal-remote prometheus
  # headless browser for the HTML report test, and a font for it
  chromium fonts-dejavu-core
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root (or install them)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Real peers the tests run from their Debian package's files, unpacked, not
# installed: installing prometheus-postfix-exporter would start its service
# on :9154 (the port of mailgauge's demo exporter), reading /var/log/mail.log.
PEER_DIR=/var/cache/mailgauge/peers
UNPACKED=(prometheus-postfix-exporter)
for p in "${UNPACKED[@]}"; do
  [[ -d $PEER_DIR/$p/usr ]] && continue
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-deps: $p is not unpacked in $PEER_DIR; run as root" >&2
    exit 1
  fi
  echo "install-deps: unpacking $p into $PEER_DIR/$p" >&2
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get download -q "$p" 2> /dev/null); then
    apt-get update -q
    (cd "$tmp" && apt-get download -q "$p")
  fi
  mkdir -p "$PEER_DIR"
  rm -rf "$PEER_DIR/$p.partial"
  dpkg-deb -x "$tmp"/*.deb "$PEER_DIR/$p.partial"
  mv "$PEER_DIR/$p.partial" "$PEER_DIR/$p"
  rm -rf "$tmp"
done
