#!/usr/bin/env bash
# Sets up a Debian 12 machine for gpipe and builds it (Release) into build/.
# Installs only what is missing, from Debian's packages; needs root or sudo for that.
# Arguments, if any, are the build targets (bench/run builds only `gpipe`); default: all.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake ninja-build g++ pkg-config                        # toolchain
  libre2-dev libzstd-dev zlib1g-dev libsimdjson-dev libfccp-dev libutf8proc-dev
  libspdlog-dev libcli11-dev libgtest-dev libxxhash-dev   # libraries
  libsqlite3-dev libpq-dev                                # the sqlite and postgres sinks
  sqlite3 postgresql                                      # their tests (a server per test)
  zstd gzip gawk grep python3 jq miller parallel          # used by the tests
  groff-base man-db zsh fish                              # the man page and completion tests
  clang                                                   # libFuzzer targets (.ci/run)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGPIPE_WERROR=ON
cmake --build build ${1:+--target "$@"}
