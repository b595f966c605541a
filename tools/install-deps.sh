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
