#!/usr/bin/env bash
# Installs the Debian packages wangban builds and tests with. Idempotent: does nothing when
# every package is already present, so `make run` and `make test` can call it every time.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build ccache pkg-config
  librestinio-dev libasio-dev libhttp-parser-dev libfmt-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev
  libsoci-dev libboost-dev libsqlite3-dev libpq-dev
  libssl-dev libsodium-dev libpugixml-dev libgoogle-perftools-dev
  libxlsxwriter-dev libminizip-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
TEST_PKGS=(
  postgresql curl jq procps sqlite3
)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then
  want+=("${TEST_PKGS[@]}")
fi

missing=()
for pkg in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
